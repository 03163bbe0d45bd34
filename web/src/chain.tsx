/**
 * The chain drawn as boxes and arrows: as the server sends it, and as each client builds it (clients that
 * build the same path share one drawing). A missing intermediate is a dashed box with its name and the AIA
 * URL that serves it; a root the client does not trust, a root sent, extra and unrelated certificates are
 * marked; the certificate each client fails on (or the handshake, when it fails first) is drawn red with a
 * "✗ …" label. A box opens its certificate, decoded (cert.tsx). Then the client matrix (verdict, reason,
 * the exact error text each client prints) and findings.
 */

import { useEffect, useRef, useState } from "preact/hooks";
import type { CertSummary, PathEnd } from "../../src/web/view-types";
import { post } from "./api";
import { CertificateDetails, type CertificateJson } from "./cert";
import { Badge, Busy, CopyButton, ErrorBox, type Finding, Findings, SafeLink, type Tone, useJob } from "./ui";

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
  /** kind and certificate: which certificate the client's decisive failure is on (src/clients/evaluate.ts). */
  reason?: { code: string; kind?: string; message: string; certificate?: { sha256: string } };
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

/** What a client's decisive failure says about the certificate it is on, as the drawing's mark. */
const KIND_TEXT: Record<string, string> = {
  "hostname-mismatch": "name does not match",
  expired: "expired",
  "not-yet-valid": "not yet valid",
  "bad-signature": "bad signature",
  "untrusted-root": "root not trusted",
  "self-signed-leaf": "self-signed, not trusted",
  "self-signed-target": "self-signed, not trusted",
  "unknown-issuer": "issuer not found",
  "non-root-anchor": "anchor is not a root",
  distrusted: "distrusted",
  "weak-signature": "weak signature",
  "weak-key": "weak key",
  "not-a-ca": "not a CA",
  "ca-key-usage": "may not sign certificates",
  "extended-key-usage": "wrong extended key usage",
  "name-constraints": "outside its name constraints",
  "path-length": "path length exceeded",
  "critical-extension": "unknown critical extension",
  "chain-too-long": "chain too long",
  "ct-required": "too few SCTs",
};

/** Failures before any certificate is judged (src/net/scan.ts connectionFinding): the handshake step is marked. */
const STEP_TEXT: Record<string, string> = {
  "tls-version-too-old": "TLS version too old",
  "handshake-failed": "handshake failed",
  "connection-failed": "could not connect",
};

/** Where a client's decisive failure is drawn: on one certificate (by SHA-256), or on the handshake step. */
export interface FailureMark {
  sha256?: string;
  step?: boolean;
  /** The visible label, "✗ name does not match". */
  text: string;
  /** The client's own wording of the failure (the mark's accessible description). */
  message: string;
}

export function failureMark(v: ClientView): FailureMark | undefined {
  const r = v.reason;
  if (v.trusted || !r) return undefined;
  const step = STEP_TEXT[r.code];
  if (step) return { step: true, text: `✗ ${step}`, message: r.message };
  // A missing issuer is drawn as the dashed gap box: that box is the mark.
  if (r.kind === "unknown-issuer" && v.end?.kind === "gap") return undefined;
  // The name is the leaf's, whichever certificate the verdict names.
  const sha =
    r.kind === "hostname-mismatch" ? (v.path[0]?.sha256 ?? r.certificate?.sha256) : r.certificate?.sha256;
  if (!sha) return undefined;
  return { sha256: sha, text: `✗ ${KIND_TEXT[r.kind ?? ""] ?? r.code}`, message: r.message };
}

/** Every client's mark on the chain as sent: one label per distinct failure on a certificate. */
function sentMarks(clients: ClientView[]): { bySha: Map<string, FailureMark[]>; step: FailureMark[] } {
  const bySha = new Map<string, FailureMark[]>();
  const step: FailureMark[] = [];
  for (const v of clients) {
    const m = failureMark(v);
    if (!m) continue;
    const list = m.step ? step : (bySha.get(m.sha256 ?? "") ?? []);
    if (!list.some((x) => x.text === m.text)) list.push(m);
    if (!m.step && m.sha256) bySha.set(m.sha256, list);
  }
  return { bySha, step };
}

function Marks({ marks, what }: { marks: FailureMark[]; what: string }) {
  return (
    <>
      {marks.map((m) => (
        <p
          class="fail-mark"
          role="note"
          key={m.text}
          aria-label={`${what} fails: ${m.text.slice(2)}. ${m.message}`}
        >
          {m.text}
        </p>
      ))}
    </>
  );
}

/** The handshake drawn as a step above the certificates, when it is what fails. */
function HandshakeStep({ marks }: { marks: FailureMark[] }) {
  return (
    <div class="cert-box step bad failing">
      <div class="cert-label">TLS handshake</div>
      <Marks marks={marks} what="The TLS handshake" />
      {marks.map((m) => (
        <div class="cert-meta" key={m.message}>
          {m.message}
        </div>
      ))}
    </div>
  );
}

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
  marks = [],
  onOpen,
  opened,
}: {
  label: string;
  subject: string;
  notAfter: string;
  expired?: boolean;
  tags: { text: string; tone: Tone }[];
  variant?: "anchor" | "bad" | "warn";
  /** The failures on this certificate: the box is drawn as the one at fault. */
  marks?: FailureMark[];
  /** Open the certificate's details: the label is a button whose target covers the whole box (style.css). */
  onOpen?: () => void;
  opened?: boolean;
}) {
  const v = marks.length ? "bad" : variant;
  return (
    <div class={`cert-box${v ? ` ${v}` : ""}${marks.length ? " failing" : ""}${onOpen ? " openable" : ""}`}>
      <div class="cert-label">
        {onOpen ? (
          <button
            type="button"
            class="link cert-open"
            aria-expanded={opened}
            title="Show the certificate's details"
            onClick={onOpen}
          >
            {label}
          </button>
        ) : (
          label
        )}
      </div>
      <Marks marks={marks} what={label} />
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

/** Which certificate's details are open, and how to open another (the boxes of the check's drawings). */
export interface Opener {
  opened: string | null;
  open: (sha256: string) => void;
}

/** The chain as the server sent it, each client's failure marked on its certificate or on the handshake. */
export function SentChain({ view, opener }: { view: MatrixView; opener?: Opener }) {
  const marks = sentMarks(view.clients);
  if (!view.sent.length)
    return marks.step.length ? (
      <HandshakeStep marks={marks.step} />
    ) : (
      <p class="empty">The server sent no certificate.</p>
    );
  return (
    <ol class="chain" aria-label="certificates as sent">
      {marks.step.length > 0 && (
        <li>
          <HandshakeStep marks={marks.step} />
          <Arrow text="sends" />
        </li>
      )}
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
              marks={marks.bySha.get(s.sha256)}
              {...openProps(opener, c)}
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

function openProps(opener: Opener | undefined, c: CertSummary | undefined) {
  return opener && c ? { onOpen: () => opener.open(c.sha256), opened: opener.opened === c.sha256 } : {};
}

function pathKey(v: ClientView): string {
  const m = failureMark(v);
  return `${v.path.map((p) => `${p.sha256}:${p.from}:${p.anchor}`).join(">")}|${v.end?.kind ?? ""}|${v.status}|${m?.sha256 ?? ""}:${m?.text ?? ""}`;
}

/** One drawing per distinct path and failure, naming the clients that build it. */
export function ClientPaths({ view, opener }: { view: MatrixView; opener?: Opener }) {
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
        const mark = failureMark(v);
        return (
          <figure class="path" key={pathKey(v)}>
            <figcaption>
              <span>{`As ${names} ${vs.length > 1 ? "build" : "builds"} it`}</span>{" "}
              <Verdict status={v.status} />
            </figcaption>
            {v.path.length === 0 ? (
              mark?.step ? (
                <HandshakeStep marks={[mark]} />
              ) : (
                <p class="empty">No path: the connection failed before any certificate.</p>
              )
            ) : (
              <ol class="chain">
                {mark?.step && (
                  <li>
                    <HandshakeStep marks={[mark]} />
                    <Arrow text="then" />
                  </li>
                )}
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
                  const marks = mark?.sha256 === p.sha256 ? [mark] : [];
                  if (last && v.end?.kind === "untrusted-root" && !marks.length)
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
                        marks={marks}
                        {...openProps(opener, c)}
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
  const [opened, setOpened] = useState<string | null>(null);
  const opener: Opener = { opened, open: (sha) => setOpened(opened === sha ? null : sha) };
  const openedCert = opened ? view.certificates[opened] : undefined;
  return (
    <div class="report">
      {headline && <Headline view={view} subject={subject} given={given} />}
      <section class="card" aria-labelledby="chain-h">
        <h2 id="chain-h">The chain</h2>
        <div class="chains">
          <figure class="path">
            <figcaption>As the server sends it</figcaption>
            <SentChain view={view} opener={opener} />
          </figure>
          <ClientPaths view={view} opener={opener} />
        </div>
        {openedCert && (
          <OpenedCertificate key={openedCert.sha256} cert={openedCert} onClose={() => setOpened(null)} />
        )}
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

interface DecodeAnswer {
  document: { certificates: CertificateJson[] };
}

/**
 * A certificate of the drawing, opened: decoded by the server (POST /api/decode, the decode page's view:
 * SANs, key, serial, fingerprints, validity with days left, issuer, subject, lints).
 */
function OpenedCertificate({ cert, onClose }: { cert: CertSummary; onClose: () => void }) {
  const job = useJob<DecodeAnswer>();
  const at = useRef<HTMLElement>(null);
  useEffect(() => {
    void job.run((signal) =>
      post<DecodeAnswer>("/api/decode", { file: { text: cert.pem, name: cert.label } }, signal),
    );
  }, [cert.pem]);
  const decoded = job.result?.document.certificates[0];
  useEffect(() => {
    if (decoded) at.current?.scrollIntoView({ block: "nearest" });
  }, [decoded]);
  return (
    <section class="opened-cert" ref={at} aria-label={`Details of ${cert.label}`}>
      <div class="actions">
        <button type="button" class="secondary" onClick={onClose}>
          Close the details
        </button>
      </div>
      <Busy running={job.running} label="Decoding…" />
      <ErrorBox error={job.error} />
      {decoded && <CertificateDetails c={decoded} index={0} total={1} />}
    </section>
  );
}
