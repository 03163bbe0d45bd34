/**
 * JSON views of engine results for the pages: the client matrix with, for each client, where its path
 * stops (the gap a missing intermediate leaves, with the AIA URL that serves it), and short summaries of
 * every certificate involved so a page can draw the chain as sent and as each client builds it.
 *
 * Every string here comes from certificates or hosts the user does not control: the pages render them as
 * text only.
 */

import type { ClientMatrix, ClientVerdict, ReportFinding } from "../clients/index.js";
import type { TrustStore } from "../trust/store.js";
import type { Certificate } from "../x509/certificate.js";
import { OID } from "../x509/oids.js";
import { toPem } from "../x509/pem.js";
import { iso } from "./stores.js";
import type { CertSummary, PathEnd } from "./view-types.js";

export type { CertSummary, PathEnd } from "./view-types.js";

export function caIssuersOf(cert: Certificate): string[] {
  return (cert.authorityInfoAccess ?? [])
    .filter((a) => a.method === OID.caIssuers && a.location.type === "uri")
    .map((a) => a.location.value);
}

export function certSummary(c: Certificate, now: Date): CertSummary {
  const k = c.publicKey;
  return {
    sha256: c.sha256,
    label: c.label,
    subject: c.subject.toString(),
    issuer: c.issuer.toString(),
    notBefore: iso(c.notBefore),
    notAfter: iso(c.notAfter),
    selfSigned: c.selfSigned,
    ca: c.isCA,
    key: `${k.algorithm}${k.bits !== undefined ? ` ${k.bits}` : ""}${k.curve ? ` ${k.curve}` : ""}`,
    signature: c.signatureAlgorithm.name,
    dnsNames: c.dnsNames.slice(0, 50),
    caIssuers: caIssuersOf(c),
    expired: c.notAfter.getTime() < now.getTime(),
    pem: toPem(c.der),
  };
}

export interface ClientView extends ClientVerdict {
  end?: PathEnd;
}

export interface MatrixView {
  trusted: boolean;
  time: string;
  peer: ClientMatrix["peer"] | null;
  clients: ClientView[];
  sent: ClientMatrix["sent"];
  findings: ReportFinding[];
  /** Every certificate the views name, by SHA-256 (lower-case hex). */
  certificates: Record<string, CertSummary>;
  store: ReturnType<typeof storeView> | null;
}

function storeView(s: TrustStore) {
  return { id: s.id, name: s.name, source: s.source, roots: s.anchors.length, notes: s.notes };
}

/**
 * The matrix plus everything needed to draw it. `pool` holds the certificates the check saw (sent, fetched);
 * anchors named by a verdict are looked up in `stores`.
 */
export function matrixView(
  m: ClientMatrix,
  pool: readonly Certificate[],
  stores: readonly TrustStore[],
  store: TrustStore | undefined,
  now: Date,
): MatrixView {
  const bySha = new Map<string, Certificate>();
  for (const c of pool) bySha.set(c.sha256, c);
  const find = (sha: string): Certificate | undefined => {
    const hit = bySha.get(sha);
    if (hit) return hit;
    for (const s of stores) {
      const a = s.anchors.find((x) => x.cert.sha256 === sha);
      if (a) {
        bySha.set(sha, a.cert);
        return a.cert;
      }
      const c = s.catalog?.find((x) => x.sha256 === sha);
      if (c) {
        bySha.set(sha, c);
        return c;
      }
    }
    return undefined;
  };
  const certificates: Record<string, CertSummary> = {};
  const note = (sha: string) => {
    if (certificates[sha]) return;
    const c = find(sha);
    if (c) certificates[sha] = certSummary(c, now);
  };
  for (const s of m.sent) note(s.sha256);
  const gapFinding = m.findings.find((f) => f.code === "incomplete-chain" || f.code === "unknown-issuer");
  const known = gapFinding?.data?.known as PathEnd["known"] | undefined;

  const clients: ClientView[] = m.clients.map((v) => {
    for (const p of v.path) note(p.sha256);
    if (v.anchor) note(v.anchor.sha256);
    const view: ClientView = { ...v };
    const last = v.path[v.path.length - 1];
    if (!v.trusted && last && !last.anchor) {
      const c = find(last.sha256);
      if (c?.selfSigned) view.end = { kind: "untrusted-root" };
      else if (c) {
        view.end = {
          kind: "gap",
          issuer: last.issuer,
          caIssuers: caIssuersOf(c),
          ...(c.authorityKeyIdentifier?.keyId ? { aki: c.authorityKeyIdentifier.keyId.toUpperCase() } : {}),
          ...(known ? { known } : {}),
        };
      }
    }
    return view;
  });
  return {
    trusted: m.trusted,
    time: m.time,
    peer: m.peer ?? null,
    clients,
    sent: m.sent,
    findings: m.findings,
    certificates,
    store: store ? storeView(store) : null,
  };
}
