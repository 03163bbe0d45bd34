/**
 * Certificate Transparency as the clients see it: the leaf's SCTs from the certificate, the TLS extension
 * and the stapled OCSP response, each checked against the bundled log list (src/verify/sct.ts), Chrome's and
 * Apple's policies, and the finding when a certificate from a public root fails them. Chrome and Firefox
 * (of the clients modelled) refuse such a certificate (ClientProfile.ct, applied in ./evaluate.ts through
 * ctRequirement below); the others do not look at SCTs. Every CT-enforcing client requires CT only for
 * certificates from its public root program: a private, enterprise or locally added root's certificates need
 * no SCTs.
 */

import { loadMozillaRoots } from "../trust/bundled.js";
import { bundledCtLogs, type CtLogList } from "../trust/ct-logs.js";
import type { TrustStore } from "../trust/store.js";
import { type CtPolicyResult, checkSct, ctPolicies, type SctCheck, type SctSource } from "../verify/sct.js";
import type { Certificate } from "../x509/certificate.js";
import type { SignedCertificateTimestamp } from "../x509/extensions.js";
import { certRef, type ReportFinding } from "./finding.js";
import type { ClientId, Evidence } from "./profile.js";

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
export const FIREFOX_CT_ERROR = "MOZILLA_PKIX_ERROR_INSUFFICIENT_CERTIFICATE_TRANSPARENCY";

/** What to tell the server's operator when a public-root certificate lacks SCTs. */
export const CT_FIX =
  "Ask the CA to reissue the certificate with embedded SCTs (every public CA logs by default), or have the server deliver SCTs in the TLS extension or the stapled OCSP response.";

/** Said of every CT refusal: which roots the requirement covers. */
const CT_SCOPE =
  "CT is required only of certificates from a root in the client's public root program; under a locally added or enterprise root (the lab's, or a store given with --roots) it is not enforced.";

/** The CT report of a leaf. */
export function certificateTransparency(i: CtInput): CtReport {
  const scts = sctChecks(i.leaf, i.issuer, i.logs, i.time, { tls: i.tlsScts, ocsp: i.ocspScts });
  const policies = ctPolicies(i.leaf, scts);
  const findings: ReportFinding[] = [];
  const failed = policies.filter((p) => !p.met);
  const names = failed.map((p) => (p.policy === "chrome" ? "Chrome's" : "Apple's")).join(" and ");
  const enforcing = i.clients.filter((c) => CT_ENFORCING[c]);
  // SCTs from logs the bundled list lacks may be what meets the policy (ctShortfall): no finding then.
  const assumedMet = scts.some((c) => c.status === "unknown-log") && metCountingUnknownLogs(i.leaf, scts);
  if (i.publicRoot && failed.length && !assumedMet) {
    findings.push({
      code: "ct-policy-not-met",
      severity: enforcing.length ? "error" : "warning",
      message: `The certificate is from a public root but does not meet ${names} Certificate Transparency policy: ${failed[0].why}. Chrome refuses it (${CHROME_CT_ERROR}), Firefox too (${FIREFOX_CT_ERROR}), and so do Safari and Apple's TLS stack. ${CT_SCOPE}`,
      fix: CT_FIX,
      certificate: certRef(i.leaf, "leaf", 1),
      clients: Object.fromEntries(
        i.clients.map((c) => {
          const rule = CT_ENFORCING[c];
          return [
            c,
            rule ? { rejects: true, error: rule.error, evidence: rule.evidence } : { rejects: false },
          ];
        }),
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

// ---------------------------------------------------------------------------------------------------------
// The requirement, as a client that enforces CT applies it to a path it otherwise trusts (./evaluate.ts)

/** A client's CT requirement (ClientProfile.ct): when a trusted path still fails for want of SCTs. */
export interface CtEnforcement {
  /** What the client prints when the policy is not met. */
  error: string;
  /** Certificates whose notBefore is before this are exempt. */
  notBeforeFrom?: Date;
  /** Where the rule is stated. */
  source: string;
  evidence: Evidence;
}

/**
 * Chrome: CT compliance is required of every certificate that chains to a root of the Chrome Root Store
 * (`is_issued_by_known_root`) and was issued after 2018-04-30; a locally added or enterprise root is exempt.
 * Sources: https://googlechrome.github.io/CertificateTransparency/ ("Chrome requires all publicly-trusted TLS
 * certificates issued after April 30, 2018 to support CT"); the counts in ct_policy.md (src/verify/sct.ts);
 * chromium net/cert/require_ct_delegate.cc CheckCTRequirements ("CT is not required if the certificate does
 * not chain to a publicly trusted root certificate"), whose CT_REQUIREMENTS_NOT_MET maps to
 * ERR_CERTIFICATE_TRANSPARENCY_REQUIRED. Edge, on Chromium's verifier, does the same.
 */
export const CHROME_CT_RULE: CtEnforcement = {
  error: CHROME_CT_ERROR,
  notBeforeFrom: new Date("2018-05-01T00:00:00Z"),
  source:
    "Chrome CT Policy (googlechrome.github.io/CertificateTransparency/ct_policy.html); chromium net/cert/require_ct_delegate.cc CheckCTRequirements",
  evidence: "doc",
};

/**
 * Firefox: CT is enforced on desktop since Firefox 135 (so in ESR 140 and ESR 153, the version modelled) for
 * certificates from roots in Mozilla's Root CA Program (built-in roots); locally added roots are exempt.
 * Mozilla's counts are Chrome's: 2 embedded SCTs up to 180 days of lifetime, 3 beyond, or 2 in TLS or OCSP,
 * from distinct operators. Sources: Dana Keeler, dev-security-policy, 2025-02-04, "Certificate Transparency
 * is now enforced in Firefox on desktop platforms starting with version 135";
 * https://wiki.mozilla.org/SecurityEngineering/Certificate_Transparency (pref
 * security.pki.certificate_transparency.mode 2); firefox security/ct/CTPolicyEnforcer.cpp.
 */
export const FIREFOX_CT_RULE: CtEnforcement = {
  error: FIREFOX_CT_ERROR,
  source:
    "Firefox 135+ desktop (wiki.mozilla.org/SecurityEngineering/Certificate_Transparency); security/ct/CTPolicyEnforcer.cpp",
  evidence: "doc",
};

/** The clients that refuse a public-root certificate short of SCTs, and what they print. */
const CT_ENFORCING: Partial<Record<ClientId, CtEnforcement>> = {
  chrome: CHROME_CT_RULE,
  firefox: FIREFOX_CT_RULE,
};

/**
 * The SCTs a client could see beyond the certificate. A source left undefined was not seen (an offline
 * verify; a handshake that did not offer the TLS extension or ask for a staple); an empty list was seen
 * and held none.
 */
export interface CtEvidence {
  /** The log list (default: the bundled data/ct-logs.json). */
  logs?: CtLogList;
  tlsScts?: readonly SignedCertificateTimestamp[];
  ocspScts?: readonly SignedCertificateTimestamp[];
}

/** What a client that enforces CT makes of the SCTs on a path it otherwise trusts. */
export interface CtShortfall {
  /**
   * "untrusted": it refuses; "depends": SCTs chainproof did not see (TLS, OCSP) may be enough; "assumed":
   * met only by counting SCTs from logs missing from chainproof's list, which the client's newer list holds.
   */
  status: "untrusted" | "depends" | "assumed";
  /** Why the policy is not met on what chainproof could check. */
  detail: string;
  /** With "depends" and "assumed": what the verdict rests on. */
  note?: string;
}

let publicRootSet: Set<string> | undefined;

/**
 * Whether `anchorSha256` is a root of the client's public program as chainproof models it: any anchor of
 * the bundled Mozilla store (the model of the Chrome Root Store and of Mozilla's program), or a bundled
 * Mozilla root in another shipped store; never an anchor of a store given as a file (`custom`), which stands
 * for locally added roots.
 */
export function isPublicAnchor(store: TrustStore, anchorSha256: string): boolean {
  if (store.id === "mozilla") return true;
  if (store.id === "custom") return false;
  publicRootSet ??= new Set(loadMozillaRoots().map((r) => r.sha256.toLowerCase()));
  return publicRootSet.has(anchorSha256.toLowerCase());
}

/** Each SCT of the leaf from the sources given, checked against `logs` at `time`. */
function sctChecks(
  leaf: Certificate,
  issuer: Certificate | undefined,
  logs: CtLogList,
  time: Date,
  delivered: { tls?: readonly SignedCertificateTimestamp[]; ocsp?: readonly SignedCertificateTimestamp[] },
): SctCheck[] {
  const from = (list: readonly SignedCertificateTimestamp[] | undefined, source: SctSource) =>
    (list ?? []).map((s) => checkSct(s, source, leaf, issuer, logs, time));
  return [...from(leaf.scts, "certificate"), ...from(delivered.tls, "tls"), ...from(delivered.ocsp, "ocsp")];
}

/**
 * Whether a client enforcing `rule` refuses `leaf` (issued by `issuer`) on a path to a public root for want
 * of SCTs: undefined when the policy is met or does not apply.
 */
export function ctShortfall(
  rule: CtEnforcement,
  leaf: Certificate,
  issuer: Certificate | undefined,
  time: Date,
  evidence: CtEvidence = {},
): CtShortfall | undefined {
  if (rule.notBeforeFrom && leaf.notBefore.getTime() < rule.notBeforeFrom.getTime()) return undefined;
  const logs = evidence.logs ?? bundledCtLogs();
  const checks = sctChecks(leaf, issuer, logs, time, { tls: evidence.tlsScts, ocsp: evidence.ocspScts });
  // Mozilla's counts are Chrome's (FIREFOX_CT_RULE), so one policy serves both.
  const policy = ctPolicies(leaf, checks).find((p) => p.policy === "chrome");
  if (!policy || policy.met) return undefined;
  const detail = policy.why ?? "the SCTs do not meet the policy";
  const unknown = checks.filter((c) => c.status === "unknown-log").length;
  // The bundled list is older than the browsers': an SCT from a log it does not hold most likely counts.
  if (unknown && metCountingUnknownLogs(leaf, checks))
    return {
      status: "assumed",
      detail,
      note: `${unknown} SCT${unknown === 1 ? " is" : "s are"} from logs missing from chainproof's log list (${logs.version} of ${logs.timestamp.slice(0, 10)}); counted as valid, as the browsers' newer lists hold them, they meet the CT policy`,
    };
  const unseen = [
    evidence.tlsScts === undefined ? "the TLS extension" : undefined,
    evidence.ocspScts === undefined ? "a stapled OCSP response" : undefined,
  ].filter((x) => x !== undefined);
  if (!unseen.length) return { status: "untrusted", detail };
  return {
    status: "depends",
    detail,
    note: `the server delivers the missing SCTs in ${unseen.join(" or ")}, which chainproof did not see`,
  };
}

/** Whether the policy is met when each SCT from a log missing from the list counts, as its own operator's. */
function metCountingUnknownLogs(leaf: Certificate, checks: readonly SctCheck[]): boolean {
  const assumed = checks.map((c) =>
    c.status === "unknown-log"
      ? { ...c, status: "valid" as const, log: { description: c.logId, operator: c.logId, state: "usable" } }
      : c,
  );
  return ctPolicies(leaf, assumed).some((p) => p.policy === "chrome" && p.met);
}
