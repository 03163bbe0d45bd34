/**
 * The chain drawn as boxes and arrows: as the server sends it, and as each client builds it (clients that
 * build the same path share one drawing). A missing intermediate is a dashed box with its name and the AIA
 * URL that serves it; a root the client does not trust, a root sent, extra and unrelated certificates are
 * marked. Then the client matrix (verdict, reason, the exact error text each client prints) and findings.
 */

import type { CertSummary, PathEnd } from "../../src/web/view-types";
import { Badge, CopyButton, type Finding, Findings, SafeLink, type Tone } from "./ui";

export type { CertSummary, PathEnd };

export interface PathEntry {
  subject: string;
  issuer: string;
  sha256: string;
  position?: number;
  from: "sent" | "store" | "aia" | "preload";
  anchor: boolean;
  notAfter: string;
}

export interface SentEntry {
  position: number;
  role: "leaf" | "intermediate" | "root" | "unrelated" | "duplicate";
  subject: string;
  issuer: string;
  sha256: string;
  notAfter: string;
}

export interface ClientView {
  client: string;
  name: string;
  trusted: boolean;
  status: "trusted" | "untrusted" | "depends";
  path: PathEntry[];
  anchor?: { name: string; subject: string; sha256: string };
  reason?: { code: string; message: string };
  error?: { text: string; evidence?: string };
  store: { id: string; name: string; anchors: number; approximation?: string };
  notes: string[];
  end?: PathEnd;
}

export interface MatrixView {
  trusted: boolean;
  time: string;
  peer: { kind: string; value: string } | null;
  clients: ClientView[];
  sent: SentEntry[];
  findings: Finding[];
  certificates: Record<string, CertSummary>;
  store: { name: string; roots: number } | null;
}

const ROLE_TEXT: Record<SentEntry["role"], { text: string; tone: Tone }> = {
  leaf: { text: "server certificate", tone: "info" },
  intermediate: { text: "intermediate", tone: "muted" },
  root: { text: "root sent (not needed)", tone: "warn" },
  unrelated: { text: "unrelated: not part of the chain", tone: "bad" },
  duplicate: { text: "sent twice", tone: "warn" },
};

const FROM_TEXT: Record<PathEntry["from"], string> = {
  sent: "sent",
  store: "from the trust store",
  aia: "fetched via AIA",
  preload: "preloaded intermediate",
};

function day(iso: string): string {
  return iso.slice(0, 10);
}

function CertBox({
  label,
  subject,
  notAfter,
  expired,
  tags,
  variant,
}: {
  label: string;
  subject: string;
  notAfter: string;
  expired?: boolean;
  tags: { text: string; tone: Tone }[];
  variant?: "anchor" | "bad" | "warn";
}) {
  return (
    <div class={`cert-box${variant ? ` ${variant}` : ""}`}>
      <div class="cert-label">{label}</div>
      <div class="cert-subject" title={subject}>
        {subject}
      </div>
      <div class="cert-meta">
        <span class={expired ? "bad-text" : ""}>{`${expired ? "expired" : "expires"} ${day(notAfter)}`}</span>
        {tags.map((t) => (
          <Badge key={t.text} tone={t.tone}>
            {t.text}
          </Badge>
        ))}
      </div>
    </div>
  );
}

function Arrow({ text = "issued by" }: { text?: string }) {
  return (
    <div class="arrow" aria-hidden="true">
      <span>{`↓ ${text}`}</span>
    </div>
  );
}

function GapBox({ end }: { end: PathEnd }) {
  return (
    <div class="cert-box gap">
      <div class="cert-label">Missing intermediate</div>
      <div class="cert-subject">{end.issuer ?? "(unknown issuer)"}</div>
      {end.aki && <div class="cert-meta muted">{`key id ${end.aki}`}</div>}
      {end.caIssuers?.length ? (
        <div class="cert-meta">
          <span>AIA:</span>
          {/* One URL a line: several would otherwise run together. */}
          <ul class="plain aia">
            {end.caIssuers.map((u) => (
              <li key={u}>
                <SafeLink url={u} />
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <div class="cert-meta muted">The certificate names no AIA URL for it.</div>
      )}
      {end.known && <div class="cert-meta muted">{`Known from ${end.known.source}`}</div>}
    </div>
  );
}

/** The chain as the server sent it. */
export function SentChain({ view }: { view: MatrixView }) {
  if (!view.sent.length) return <p class="empty">The server sent no certificate.</p>;
  return (
    <ol class="chain" aria-label="certificates as sent">
      {view.sent.map((s, i) => {
        const c = view.certificates[s.sha256];
        const role = ROLE_TEXT[s.role];
        return (
          <li key={`${s.position}`}>
            {i > 0 && <Arrow text="then sends" />}
            <CertBox
              label={`#${s.position} ${c?.label ?? s.subject}`}
              subject={s.subject}
              notAfter={s.notAfter}
              expired={c?.expired}
              tags={[role]}
              variant={
                s.role === "unrelated"
                  ? "bad"
                  : s.role === "root" || s.role === "duplicate"
                    ? "warn"
                    : undefined
              }
            />
          </li>
        );
      })}
    </ol>
  );
}

function pathKey(v: ClientView): string {
  return `${v.path.map((p) => `${p.sha256}:${p.from}:${p.anchor}`).join(">")}|${v.end?.kind ?? ""}|${v.status}`;
}

/** One drawing per distinct path, naming the clients that build it. */
export function ClientPaths({ view }: { view: MatrixView }) {
  const groups = new Map<string, ClientView[]>();
  for (const v of view.clients) {
    const k = pathKey(v);
    groups.set(k, [...(groups.get(k) ?? []), v]);
  }
  return (
    <div class="paths">
      {[...groups.values()].map((vs) => {
        const v = vs[0];
        const names = vs.map((x) => x.name).join(", ");
        return (
          <figure class="path" key={pathKey(v)}>
            <figcaption>
              <span>{`As ${names} ${vs.length > 1 ? "build" : "builds"} it`}</span>{" "}
              <Verdict status={v.status} />
            </figcaption>
            {v.path.length === 0 ? (
              <p class="empty">No path: the connection failed before any certificate.</p>
            ) : (
              <ol class="chain">
                {v.path.map((p, i) => {
                  const c = view.certificates[p.sha256];
                  const last = i === v.path.length - 1;
                  const tags: { text: string; tone: Tone }[] = [
                    {
                      text: p.from === "sent" && p.position ? `sent #${p.position}` : FROM_TEXT[p.from],
                      tone: p.from === "sent" ? "muted" : "info",
                    },
                  ];
                  if (p.anchor) tags.push({ text: "trust anchor", tone: "good" });
                  if (last && v.end?.kind === "untrusted-root")
                    tags.push({ text: "root not trusted", tone: "bad" });
                  return (
                    <li key={`${p.sha256}-${i}`}>
                      {i > 0 && <Arrow />}
                      <CertBox
                        label={c?.label ?? p.subject}
                        subject={p.subject}
                        notAfter={p.notAfter}
                        expired={c?.expired}
                        tags={tags}
                        variant={
                          p.anchor ? "anchor" : last && v.end?.kind === "untrusted-root" ? "bad" : undefined
                        }
                      />
                    </li>
                  );
                })}
                {v.end?.kind === "gap" && (
                  <li>
                    <Arrow />
                    <GapBox end={v.end} />
                  </li>
                )}
              </ol>
            )}
          </figure>
        );
      })}
    </div>
  );
}

export function Verdict({ status }: { status: ClientView["status"] }) {
  return status === "trusted" ? (
    <Badge tone="good">✓ trusted</Badge>
  ) : status === "depends" ? (
    <Badge tone="warn">? depends</Badge>
  ) : (
    <Badge tone="bad">✗ not trusted</Badge>
  );
}

export function Matrix({ view }: { view: MatrixView }) {
  return (
    <div class="table-wrap">
      <table class="matrix">
        <caption class="sr-only">Verdict of each client</caption>
        <thead>
          <tr>
            <th scope="col">Client</th>
            <th scope="col">Verdict</th>
            <th scope="col">Reason</th>
            <th scope="col">What it prints</th>
          </tr>
        </thead>
        <tbody>
          {view.clients.map((v) => (
            <tr key={v.client}>
              <th scope="row">{v.name}</th>
              <td>
                <Verdict status={v.status} />
              </td>
              <td>{v.reason ? <code class="reason">{v.reason.code}</code> : v.trusted ? "—" : ""}</td>
              <td>
                {v.error ? (
                  <code class="errtext">{v.error.text}</code>
                ) : v.trusted ? (
                  <span class="muted">connects</span>
                ) : null}
                {v.notes
                  .filter((n) => n !== v.store.approximation)
                  .map((n) => (
                    <p class="note" key={n}>
                      {n}
                    </p>
                  ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A verdict line the use case words itself (check: a server that wants a client certificate). */
export interface GivenHeadline {
  text: string;
  tone: "good" | "warn" | "bad";
}

export function Headline({
  view,
  subject,
  given,
}: {
  view: MatrixView;
  subject: string;
  given?: GivenHeadline;
}) {
  const bad = view.clients.filter((v) => !v.trusted);
  const target = view.peer ? ` for ${view.peer.value}` : "";
  if (given) {
    const sign = { good: "✓", warn: "!", bad: "✗" }[given.tone];
    return (
      <p class={`headline ${given.tone}`} role="status">
        {`${sign} ${given.text}`}
      </p>
    );
  }
  return (
    <p class={`headline ${view.trusted ? "good" : "bad"}`} role="status">
      {view.trusted
        ? `✓ ${view.clients.length === 1 ? view.clients[0].name : `All ${view.clients.length} clients`} trust ${subject}${target}.`
        : view.clients.length === 1
          ? `✗ ${view.clients[0].name} does not trust ${subject}${target}.`
          : `✗ ${bad.length} of ${view.clients.length} clients do not trust ${subject}${target}.`}
    </p>
  );
}

/** The whole report of a check or verify: headline, drawings, matrix, findings, stores. */
export function MatrixReport({
  view,
  subject,
  headline = true,
  given,
}: {
  view: MatrixView;
  subject: string;
  /** False when the page shows the headline itself, above other results (the check page). */
  headline?: boolean;
  /** The headline the server decided (the check's), when the matrix alone would say less. */
  given?: GivenHeadline;
}) {
  const names = Object.fromEntries(view.clients.map((c) => [c.client, c.name]));
  const stores = [...new Map(view.clients.map((v) => [v.store.name, v.store])).values()];
  return (
    <div class="report">
      {headline && <Headline view={view} subject={subject} given={given} />}
      <section class="card" aria-labelledby="chain-h">
        <h2 id="chain-h">The chain</h2>
        <div class="chains">
          <figure class="path">
            <figcaption>As the server sends it</figcaption>
            <SentChain view={view} />
          </figure>
          <ClientPaths view={view} />
        </div>
      </section>
      <section class="card" aria-labelledby="matrix-h">
        <h2 id="matrix-h">Clients</h2>
        <Matrix view={view} />
      </section>
      <section class="card" aria-labelledby="findings-h">
        <h2 id="findings-h">Findings and fixes</h2>
        <Findings findings={view.findings} names={names} />
      </section>
      <p class="muted small">
        {stores
          .map(
            (s) =>
              `Trust store: ${s.name} (${s.anchors} roots)${s.approximation ? ` — ${s.approximation}` : ""}`,
          )
          .join(" · ")}
        {` · Checked at ${view.time}`}
      </p>
    </div>
  );
}

export function PemBlock({ pem, name }: { pem: string; name: string }) {
  return (
    <div class="pem">
      <pre>{pem}</pre>
      <CopyButton text={pem} label={`Copy ${name}`} />
    </div>
  );
}
