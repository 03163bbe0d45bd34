/**
 * The TLS handshake on the checker's page: the form's "TLS" and STARTTLS options, and the `tls` member of
 * /api/check (the same as `chainproof check --tls --json`, docs/tls.md): the versions and cipher suites the
 * server speaks, SSL Labs style, each client's predicted handshake, and the findings with their fixes.
 */

import { useState } from "preact/hooks";
import { Badge, type Finding, Findings } from "./ui";

interface Suite {
  id: string;
  name: string;
  keyExchange: string;
  forwardSecrecy: boolean;
  weaknesses: string[];
}

/** One resumption mechanism (docs/schemas/tls.schema.json, `enumeration.resumption`). */
interface Resumption {
  version: string;
  issued: boolean | null;
  resumed: boolean | null;
  lifetimeSeconds?: number;
}

export interface TlsView {
  target: { host: string; port: number; servername: string | null };
  enumeration: {
    versions: { version: string; supported: boolean | null; note?: string }[];
    suites: Record<string, { serverOrder: boolean | null; suites: Suite[] } | undefined>;
    groups: Record<string, string[] | undefined>;
    signatureAlgorithms: string[] | null;
    alpn: string | null;
    resumption: Record<"sessionId" | "ticket" | "tls13Ticket", Resumption | null> | null;
    sni: { answersWithout: boolean; sameCertificate: boolean | null } | null;
    ocspStapling: boolean | null;
    secureRenegotiation: boolean | null;
    fallbackScsv: boolean | null;
    unknown: string[];
    connections: number;
    concurrency: number;
    elapsedMs: number;
  };
  handshakes: {
    client: string;
    label: string;
    outcome: "ok" | "fails" | "unknown";
    version?: string;
    cipher?: string;
    group?: string;
    failure?: { reason: string; message: string };
    error?: { text: string };
    unknown?: string;
  }[];
  findings: (Finding & { servers: { server: string; text: string }[] })[];
}

/** The STARTTLS protocols of src/net/starttls.ts; "" is the port's well-known one (25 smtp, …). */
const STARTTLS = ["smtp", "submission", "imap", "pop3", "ftp", "xmpp", "ldap", "postgres", "mysql", "none"];

/** The form's TLS options: their state, and the members they add to the request. */
export function useTlsOptions() {
  const [tls, setTls] = useState(false);
  const [starttls, setStarttls] = useState("");
  return {
    tls,
    setTls,
    starttls,
    setStarttls,
    body: { tls, ...(starttls ? { starttls } : {}) },
  };
}

export function TlsOptions({ o }: { o: ReturnType<typeof useTlsOptions> }) {
  return (
    <>
      <label class="check">
        <input type="checkbox" checked={o.tls} onChange={() => o.setTls(!o.tls)} />
        TLS: list the versions and cipher suites, and predict each client's handshake
      </label>
      <div class="row">
        <label for="starttls">STARTTLS</label>
        <select
          id="starttls"
          value={o.starttls}
          onChange={(e) => o.setStarttls((e.target as HTMLSelectElement).value)}
        >
          <option value="">by the port (25 smtp, 143 imap, 5432 postgres, …)</option>
          {STARTTLS.map((p) => (
            <option key={p} value={p}>
              {p === "none" ? "none (TLS from the first byte)" : p}
            </option>
          ))}
        </select>
      </div>
    </>
  );
}

const yesNo = (v: boolean | null, yes = "yes", no = "no") => (v === null ? "unknown" : v ? yes : no);

function Versions({ e }: { e: TlsView["enumeration"] }) {
  return (
    <div class="table-wrap">
      <table class="tls-versions">
        <caption>Protocol versions</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Spoken</th>
            <th scope="col">Note</th>
          </tr>
        </thead>
        <tbody>
          {e.versions.map((v) => (
            <tr key={v.version}>
              <th scope="row">{v.version}</th>
              <td>
                {v.supported === null ? (
                  <Badge tone="muted">unknown</Badge>
                ) : v.supported ? (
                  <Badge tone={/^(SSL|TLSv1$|TLSv1\.1)/.test(v.version) ? "warn" : "good"}>yes</Badge>
                ) : (
                  <Badge tone="muted">no</Badge>
                )}
              </td>
              <td class="muted">{v.note ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One table per version spoken: its cipher suites in the order found, the weak ones marked. */
function Suites({ e }: { e: TlsView["enumeration"] }) {
  return (
    <>
      {Object.entries(e.suites).map(([version, s]) =>
        s ? (
          <div class="table-wrap" key={version}>
            <table class="tls-suites">
              <caption>
                {`${version} cipher suites (${s.suites.length}; ${
                  s.serverOrder === null
                    ? "order unknown"
                    : s.serverOrder
                      ? "the server's order"
                      : "the client's order"
                })`}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Suite</th>
                  <th scope="col">Key exchange</th>
                  <th scope="col">Forward secrecy</th>
                  <th scope="col">Weak</th>
                </tr>
              </thead>
              <tbody>
                {s.suites.map((x) => (
                  <tr key={x.id} class={x.weaknesses.length ? "weak" : undefined}>
                    <td>
                      <code>{x.name}</code> <span class="muted">{x.id}</span>
                    </td>
                    <td>{x.keyExchange}</td>
                    <td>{x.forwardSecrecy ? "yes" : <Badge tone="warn">no</Badge>}</td>
                    <td>{x.weaknesses.length ? <Badge tone="bad">{x.weaknesses.join(", ")}</Badge> : ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null,
      )}
    </>
  );
}

function Facts({ e }: { e: TlsView["enumeration"] }) {
  const facts: [string, string][] = [
    ...Object.entries(e.groups).map(([v, g]): [string, string] => [`Groups (${v})`, g?.join(", ") || "none"]),
    ["Signature algorithms", e.signatureAlgorithms?.join(", ") ?? "unknown"],
    ["ALPN", e.alpn ?? "none"],
    [
      "Without SNI",
      e.sni
        ? e.sni.answersWithout
          ? `answers, ${yesNo(e.sni.sameCertificate, "with the same certificate", "with another certificate")}`
          : "refuses the connection"
        : "not probed",
    ],
    ...resumptionFacts(e.resumption),
    ["OCSP stapling", yesNo(e.ocspStapling)],
    ["Secure renegotiation", yesNo(e.secureRenegotiation)],
    ["Fallback SCSV", yesNo(e.fallbackScsv)],
    [
      "Probes",
      `${e.connections} connections, ${e.concurrency} at once, ${(e.elapsedMs / 1000).toFixed(1)} s`,
    ],
  ];
  return (
    <dl class="facts">
      {facts.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
      {e.unknown.length > 0 && (
        <div>
          <dt>Not learnt</dt>
          <dd>{e.unknown.join("; ")}</dd>
        </div>
      )}
    </dl>
  );
}

/** Per mechanism, in SSL Labs' words: "resumed", "not resumed (IDs assigned but not accepted)", … */
function resumptionFacts(r: TlsView["enumeration"]["resumption"]): [string, string][] {
  if (!r) return [["Session resumption", "not probed"]];
  const rows: [string, Resumption | null, string][] = [
    ["Session IDs", r.sessionId, "IDs assigned but not accepted"],
    ["Session tickets", r.ticket, "tickets issued but not accepted"],
    ["TLS 1.3 tickets", r.tls13Ticket, "tickets issued but not accepted"],
  ];
  return rows
    .filter((row): row is [string, Resumption, string] => row[1] !== null)
    .map(([label, m, refused]) => {
      const lifetime =
        m.resumed !== null && m.lifetimeSeconds ? `, lifetime hint ${m.lifetimeSeconds} s` : "";
      const verdict =
        m.resumed === null
          ? "unknown"
          : m.resumed
            ? "resumed"
            : `not resumed (${m.issued ? refused : "none issued"})`;
      return [label, `${verdict} · ${m.version}${lifetime}`];
    });
}

/** A row per client: what it would negotiate, or how it fails and the text it prints. */
function Handshakes({ view }: { view: TlsView }) {
  return (
    <div class="table-wrap">
      <table class="tls-handshakes">
        <caption>Handshake simulation</caption>
        <thead>
          <tr>
            <th scope="col">Client</th>
            <th scope="col">Outcome</th>
            <th scope="col">Negotiated, or the error</th>
          </tr>
        </thead>
        <tbody>
          {view.handshakes.map((h) => (
            <tr key={h.client} data-client={h.client}>
              <th scope="row">{h.label}</th>
              <td>
                <Badge tone={h.outcome === "ok" ? "good" : h.outcome === "fails" ? "bad" : "muted"}>
                  {h.outcome === "ok" ? "connects" : h.outcome === "fails" ? "fails" : "unknown"}
                </Badge>
              </td>
              <td>
                {h.outcome === "ok" ? (
                  [h.version, h.cipher, h.group].filter(Boolean).join(", ")
                ) : h.outcome === "fails" ? (
                  <>
                    <code class="errtext">{h.error?.text ?? h.failure?.message}</code>
                    {h.failure && <div class="muted">{h.failure.message}</div>}
                  </>
                ) : (
                  <span class="muted">{h.unknown}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ServerFixes({ findings }: { findings: TlsView["findings"] }) {
  const withConfig = findings.filter((f) => f.servers.length);
  if (!withConfig.length) return null;
  return (
    <details>
      <summary>The configuration, per server software</summary>
      {withConfig.map((f) => (
        <div key={f.code}>
          <h4>
            <code>{f.code}</code>
          </h4>
          <dl class="facts">
            {f.servers.map((s) => (
              <div key={s.server}>
                <dt>{s.server}</dt>
                <dd>
                  <pre>{s.text}</pre>
                </dd>
              </div>
            ))}
          </dl>
        </div>
      ))}
    </details>
  );
}

/** The TLS card: the enumeration, the handshake per client, the findings with their fixes. */
export function TlsCard({ view, starttls }: { view: TlsView; starttls?: string | null }) {
  return (
    <section class="card" aria-labelledby="tls-h">
      <h2 id="tls-h">TLS versions, cipher suites and handshakes</h2>
      {starttls && <p class="muted">{`Every probe made the ${starttls} STARTTLS exchange first.`}</p>}
      <Handshakes view={view} />
      <Versions e={view.enumeration} />
      <Suites e={view.enumeration} />
      <Facts e={view.enumeration} />
      <h3>TLS findings</h3>
      <Findings findings={view.findings} />
      <ServerFixes findings={view.findings} />
    </section>
  );
}
