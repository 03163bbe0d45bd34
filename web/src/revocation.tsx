/**
 * Revocation status and Certificate Transparency per certificate, on the checker's page: the `revocation`
 * and `ct` members of /api/check (the same as `chainproof check --json`, docs/revocation.md, docs/ct.md).
 */

import { type FilePayload, post } from "./api";
import { Badge, Busy, ErrorBox, type Finding, Findings, useJob } from "./ui";

interface OcspRow {
  source: "stapled" | "live";
  url: string | null;
  error: string | null;
  status: "good" | "revoked" | "unknown" | null;
  valid: boolean;
  detail: string | null;
  signer: { kind: "issuer" } | { kind: "delegated"; subject: string } | null;
}

export interface RevocationView {
  mustStaple: boolean;
  stapled: boolean;
  certificates: {
    certificate: { role: string; subject: string; sha256: string };
    status: "good" | "revoked" | "unknown";
    revocation: { time: string; reason: string | null; source: string } | null;
    ocsp: OcspRow[];
    crl: { url: string; error: string | null; status: string | null; detail: string | null }[];
  }[];
  clients: { client: string; connects: boolean; error: string | null; note: string | null; checks: string }[];
  findings: Finding[];
}

export interface CtView {
  required: boolean;
  logList: { version: string; timestamp: string };
  scts: {
    source: string;
    logId: string;
    log: { description: string; operator: string } | null;
    timestamp: string;
    status: string;
    detail: string | null;
  }[];
  policies: { policy: string; required: number; counted: number; met: boolean; why: string | null }[];
  findings: Finding[];
}

type RevocationEntry = RevocationView["certificates"][number];

/** Every source was tried and none answered: the responder and the CRL server are unreachable. */
function unreachable(c: RevocationEntry): boolean {
  const live = c.ocsp.filter((x) => x.source === "live");
  return (
    c.status === "unknown" && live.length + c.crl.length > 0 && [...live, ...c.crl].every((x) => x.error)
  );
}

function StatusBadge({ c }: { c: RevocationEntry }) {
  if (c.status === "revoked") {
    const r = c.revocation;
    const why = r ? `${r.time ? ` since ${r.time}` : ""}${r.reason ? ` (${r.reason})` : ""}` : "";
    return <Badge tone="bad">{`✗ revoked${why}`}</Badge>;
  }
  if (c.status === "good") return <Badge tone="good">✓ not revoked</Badge>;
  return unreachable(c) ? <Badge tone="warn">? unreachable</Badge> : <Badge tone="warn">? unknown</Badge>;
}

function ocspText(x: OcspRow): string {
  if (x.error) return `unreachable: ${x.error}`;
  if (!x.valid) return x.detail ?? "unusable";
  const by = x.signer?.kind === "delegated" ? `the delegated responder ${x.signer.subject}` : "the issuer";
  return `${x.status}, signed by ${by}`;
}

/** One certificate's status and what each source (OCSP, CRL) said. */
function CertificateRevocation({ c }: { c: RevocationEntry }) {
  return (
    <>
      <StatusBadge c={c} />
      <ul class="plain muted">
        {c.ocsp.map((x, i) => (
          <li
            key={`o${i}`}
          >{`OCSP ${x.source === "stapled" ? "(stapled)" : (x.url ?? "")}: ${ocspText(x)}`}</li>
        ))}
        {c.crl.map((x) => (
          <li key={x.url}>{`CRL ${x.url}: ${x.error ? `unreachable: ${x.error}` : (x.status ?? "?")}`}</li>
        ))}
        {c.ocsp.length + c.crl.length === 0 && <li>No OCSP URL and no CRL distribution point to ask.</li>}
      </ul>
    </>
  );
}

/** A certificate's revocation status from a check's `revocation` (the checker's drawing, a box opened). */
export function RevocationOfCertificate({ view, sha256 }: { view: RevocationView; sha256: string }) {
  const c = view.certificates.find((x) => x.certificate.sha256 === sha256);
  return (
    <section class="cert-status" aria-label="revocation">
      <h3>Revocation</h3>
      {c ? (
        <CertificateRevocation c={c} />
      ) : (
        <p class="muted">Not checked (a root, or its issuer was not found).</p>
      )}
    </section>
  );
}

/**
 * The decoder's "Check revocation" button: asks the server (POST /api/decode/revocation) to check this
 * certificate of the file, through the same address guard as a check, and shows the outcome.
 */
export function RevocationButton({
  file,
  issuers,
  index,
}: {
  file: FilePayload;
  issuers?: FilePayload;
  index: number;
}) {
  const job = useJob<RevocationView>();
  const c = job.result?.certificates[0];
  return (
    <section class="cert-status" aria-label="revocation">
      <h3>Revocation</h3>
      <div class="actions">
        <button
          type="button"
          class="secondary"
          disabled={job.running}
          onClick={() =>
            void job.run((signal) =>
              post<RevocationView>(
                "/api/decode/revocation",
                { file, ...(issuers ? { issuers } : {}), index },
                signal,
              ),
            )
          }
        >
          {job.result ? "Check revocation again" : "Check revocation"}
        </button>
      </div>
      <Busy
        running={job.running}
        label="Asking the OCSP responder and the CRL server…"
        onCancel={job.cancel}
      />
      <ErrorBox error={job.error} />
      {c && (
        <div class="revocation-outcome" role="status">
          <CertificateRevocation c={c} />
        </div>
      )}
      {job.result && job.result.findings.length > 0 && <Findings findings={job.result.findings} />}
    </section>
  );
}

/** The revocation card: each certificate's status and sources, then which clients still connect. */
export function RevocationCard({ view, names }: { view: RevocationView; names?: Record<string, string> }) {
  return (
    <section class="card" aria-labelledby="revocation-h">
      <h2 id="revocation-h">Revocation</h2>
      <ul class="plain">
        {view.certificates.map((c) => (
          <li key={c.certificate.subject}>
            <strong>{c.certificate.subject}</strong> <CertificateRevocation c={c} />
          </li>
        ))}
      </ul>
      {view.mustStaple && (
        <p>
          {view.stapled ? "Must-staple, and a response is stapled." : "Must-staple, but nothing is stapled."}
        </p>
      )}
      <div class="table-wrap">
        <table class="matrix">
          <caption class="sr-only">Whether each client still connects</caption>
          <thead>
            <tr>
              <th scope="col">Client</th>
              <th scope="col">Connects?</th>
              <th scope="col">What it checks</th>
            </tr>
          </thead>
          <tbody>
            {view.clients.map((c) => (
              <tr key={c.client}>
                <th scope="row">{names?.[c.client] ?? c.client}</th>
                <td>
                  {c.connects ? (
                    <Badge tone="good">connects</Badge>
                  ) : (
                    <code class="errtext">{c.error ?? "refuses"}</code>
                  )}
                  {c.note && <p class="note">{c.note}</p>}
                </td>
                <td class="muted">{c.checks}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {view.findings.length > 0 && <Findings findings={view.findings} {...(names ? { names } : {})} />}
    </section>
  );
}

function SctList({ view }: { view: CtView }) {
  return (
    <ul class="plain" aria-label="SCTs">
      {view.scts.map((s, i) => (
        <li key={`${s.logId}-${i}`}>
          <Badge tone={s.status === "valid" ? "good" : s.status === "unknown-log" ? "muted" : "bad"}>
            {s.status}
          </Badge>{" "}
          {`${s.log ? `${s.log.description} (${s.log.operator})` : s.logId}, ${s.timestamp}, from the ${s.source}`}
          {s.detail && <span class="muted">{` — ${s.detail}`}</span>}
        </li>
      ))}
    </ul>
  );
}

function CtPolicies({ view }: { view: CtView }) {
  return (
    <p class="muted">
      {view.policies
        .map((p) => `${p.policy === "chrome" ? "Chrome" : "Apple"}: ${p.met ? "met" : `not met (${p.why})`}`)
        .join("; ")}
      {view.required ? "" : " — not required of a certificate from a private root."}
      {` Log list ${view.logList.version} (${view.logList.timestamp.slice(0, 10)}).`}
    </p>
  );
}

/** The CT card: the leaf's SCTs with their log and status, and Chrome's and Apple's counts. */
export function CtCard({ view, names }: { view: CtView; names?: Record<string, string> }) {
  return (
    <section class="card" aria-labelledby="ct-h">
      <h2 id="ct-h">Certificate Transparency</h2>
      {view.scts.length === 0 ? (
        <p class="muted">
          {view.required
            ? "No SCTs: the certificate was not logged."
            : "No SCTs (a private CA's certificate needs none)."}
        </p>
      ) : (
        <SctList view={view} />
      )}
      <CtPolicies view={view} />
      {view.findings.length > 0 && <Findings findings={view.findings} {...(names ? { names } : {})} />}
    </section>
  );
}

/**
 * One certificate's embedded SCTs, checked offline against the bundled log list, and Chrome's and Apple's
 * policies (a decoded certificate; a CA certificate carries none and needs none).
 */
export function CtSection({ view, ca }: { view: CtView; ca: boolean }) {
  if (ca && view.scts.length === 0) return null;
  return (
    <section class="cert-status" aria-label="Certificate Transparency">
      <h3>Certificate Transparency</h3>
      {view.scts.length === 0 ? (
        <p class="muted">
          {view.required ? "No SCTs: the certificate was not logged." : "No embedded SCTs."}
        </p>
      ) : (
        <SctList view={view} />
      )}
      <CtPolicies view={view} />
      {view.findings.length > 0 && <Findings findings={view.findings} />}
    </section>
  );
}
