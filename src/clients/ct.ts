/**
 * Certificate Transparency as the clients see it: the leaf's SCTs from the certificate, the TLS extension
 * and the stapled OCSP response, each checked against the bundled log list (src/verify/sct.ts), Chrome's and
 * Apple's policies, and the finding when a certificate from a public root fails them. Only Chrome (of the
 * clients modelled) refuses such a certificate; the others do not look at SCTs. Chrome and Apple require CT
 * only for certificates from their public root programs: a private CA's certificates need no SCTs.
 */

import type { CtLogList } from "../trust/ct-logs.js";
import { type CtPolicyResult, checkSct, ctPolicies, type SctCheck, type SctSource } from "../verify/sct.js";
import type { Certificate } from "../x509/certificate.js";
import type { SignedCertificateTimestamp } from "../x509/extensions.js";
import { certRef, type ReportFinding } from "./finding.js";
import type { ClientId } from "./profile.js";

export interface CtInput {
  leaf: Certificate;
  /** The leaf's issuer, to check embedded SCTs (the precertificate entry hashes its key). */
  issuer?: Certificate;
  /** SCTs from the TLS signed_certificate_timestamp extension, when the handshake delivered them. */
  tlsScts?: readonly SignedCertificateTimestamp[];
  /** The handshake offered that extension (the raw hello of fast mode; node's TLS client cannot). */
  tlsRequested?: boolean;
  /** SCTs from the stapled OCSP response's extension. */
  ocspScts?: readonly SignedCertificateTimestamp[];
  logs: CtLogList;
  time: Date;
  /** The chain ends at a public root: Chrome and Apple require CT. */
  publicRoot: boolean;
  clients: readonly ClientId[];
}

export interface CtReport {
  scts: SctCheck[];
  policies: CtPolicyResult[];
  /** Whether the policies apply (a public root); for a private root they are shown for information. */
  required: boolean;
  /** Whether the TLS extension was offered, so that SCTs delivered in TLS could be seen. */
  tlsRequested: boolean;
  logList: { version: string; timestamp: string };
  findings: ReportFinding[];
}

export const CHROME_CT_ERROR = "NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED";

/** The CT report of a leaf. */
export function certificateTransparency(i: CtInput): CtReport {
  const from = (list: readonly SignedCertificateTimestamp[] | undefined, source: SctSource) =>
    (list ?? []).map((s) => checkSct(s, source, i.leaf, i.issuer, i.logs, i.time));
  const scts = [...from(i.leaf.scts, "certificate"), ...from(i.tlsScts, "tls"), ...from(i.ocspScts, "ocsp")];
  const policies = ctPolicies(i.leaf, scts);
  const findings: ReportFinding[] = [];
  const failed = policies.filter((p) => !p.met);
  if (i.publicRoot && failed.length) {
    const names = failed.map((p) => (p.policy === "chrome" ? "Chrome's" : "Apple's")).join(" and ");
    findings.push({
      code: "ct-policy-not-met",
      severity: i.clients.includes("chrome") ? "error" : "warning",
      message: `The certificate is from a public root but does not meet ${names} Certificate Transparency policy: ${failed[0].why}. Chrome refuses it (${CHROME_CT_ERROR}), and so do Safari and Apple's TLS stack.`,
      fix: "Ask the CA to reissue the certificate with embedded SCTs (every public CA logs by default), or have the server deliver SCTs in the TLS extension or the stapled OCSP response.",
      certificate: certRef(i.leaf, "leaf", 1),
      clients: Object.fromEntries(
        i.clients.map((c) => [
          c,
          c === "chrome" ? { rejects: true, error: CHROME_CT_ERROR, evidence: "doc" } : { rejects: false },
        ]),
      ),
      data: { policies: failed.map((p) => p.policy) },
    });
  }
  const bad = scts.filter((s) => s.status === "invalid-signature");
  if (bad.length)
    findings.push({
      code: "ct-sct-invalid",
      severity: "warning",
      message: `${bad.length} SCT${bad.length === 1 ? "" : "s"} do not verify: ${bad.map((s) => s.detail).join("; ")}. Clients ignore such an SCT, so it does not count towards the policy.`,
      fix: "Ask the CA: an SCT whose signature does not verify means the certificate differs from what was logged.",
      certificate: certRef(i.leaf, "leaf", 1),
    });
  return {
    scts,
    policies,
    required: i.publicRoot,
    tlsRequested: i.tlsRequested === true,
    logList: { version: i.logs.version, timestamp: i.logs.timestamp },
    findings,
  };
}
