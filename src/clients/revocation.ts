/**
 * What each client does about revocation, and so whether a revoked certificate still connects for it.
 * Engine data: the facts (what the OCSP responses and CRLs said) come from src/net/revocation.ts; this
 * module only says what each client makes of them. Sources next to each rule; docs/revocation.md has the
 * table.
 */

import type { ClientId, Evidence } from "./profile.js";

export interface RevocationBehaviour {
  /** What the client checks by default, in a sentence. */
  checks: string;
  /** Reads a stapled OCSP response and refuses on "revoked". */
  honoursStaple: boolean;
  /** Fetches OCSP from the certificate's AIA URL itself (soft-fail: an unreachable responder is ignored). */
  liveOcsp: boolean;
  /** Refuses a must-staple certificate served without a staple. */
  enforcesMustStaple: boolean;
  /** Revocations pushed to the client (Chrome CRLSets, Firefox CRLite): public-root certificates only. */
  pushedList?: string;
  source: string;
  evidence: Evidence;
}

const JAVA_OFF =
  "none by default: PKIX revocation checking is off unless com.sun.net.ssl.checkRevocation=true (and ocsp.enable / com.sun.security.enableCRLDP) are set";

export const REVOCATION_BEHAVIOUR: Record<ClientId, RevocationBehaviour> = {
  salesforce: {
    checks: `${JAVA_OFF}; Apex callouts cannot set them`,
    honoursStaple: false,
    liveOcsp: false,
    enforcesMustStaple: false,
    source: "Java's default (below); Salesforce documents no revocation checking for callouts",
    evidence: "inferred",
  },
  java: {
    checks: JAVA_OFF,
    honoursStaple: false,
    liveOcsp: false,
    enforcesMustStaple: false,
    source:
      "JSSE reference guide (com.sun.net.ssl.checkRevocation, default false); sun.security.validator.PKIXValidator",
    evidence: "doc",
  },
  openssl: {
    checks: "none unless asked: s_client -status only prints the staple; -crl_check needs the CRL given",
    honoursStaple: false,
    liveOcsp: false,
    enforcesMustStaple: false,
    source: "openssl-s_client(1), openssl-verification-options(1)",
    evidence: "doc",
  },
  curl: {
    checks: "none unless asked: --cert-status checks the staple (and fails without one); no CRL or live OCSP",
    honoursStaple: false,
    liveOcsp: false,
    enforcesMustStaple: false,
    source: "curl(1) --cert-status, --crlfile",
    evidence: "doc",
  },
  go: {
    checks: "none: crypto/tls and crypto/x509 never check revocation (the staple is handed to the caller)",
    honoursStaple: false,
    liveOcsp: false,
    enforcesMustStaple: false,
    source: "crypto/tls ConnectionState.OCSPResponse; crypto/x509 Verify (no revocation)",
    evidence: "src",
  },
  node: {
    checks: "none unless asked: tls.connect checks no OCSP; a CRL only when given in the `crl` option",
    honoursStaple: false,
    liveOcsp: false,
    enforcesMustStaple: false,
    source: "Node.js tls docs (requestOCSP only emits the 'OCSPResponse' event; secureContext `crl`)",
    evidence: "doc",
  },
  chrome: {
    checks:
      "no live OCSP or CRL fetches and must-staple ignored; CRLSets push a small set of revocations Google selects (mostly CA certificates and key compromises)",
    honoursStaple: false,
    liveOcsp: false,
    enforcesMustStaple: false,
    pushedList: "CRLSet",
    source: "chromium.org 'CRLSets'; net/cert/internal/revocation_checker (online checks off for DV)",
    evidence: "doc",
  },
  firefox: {
    checks:
      "the stapled OCSP response; live OCSP for the leaf from its AIA URL, soft-fail (an unreachable responder is ignored); refuses a must-staple certificate without a staple; CRLite for certificates from public roots",
    honoursStaple: true,
    liveOcsp: true,
    enforcesMustStaple: true,
    pushedList: "CRLite",
    source:
      "mozilla::pkix NSSCertDBTrustDomain::CheckRevocation (security.OCSP.enabled, security.OCSP.require false = soft-fail); [run] Firefox ESR 153 on the lab: revoked → SEC_ERROR_REVOKED_CERTIFICATE after one OCSP request, responder answering 503 → the page loads, must-staple without a staple → MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING",
    evidence: "run",
  },
};

/** What the checks found about the leaf, as the clients see it. */
export interface RevocationFacts {
  /** The stapled OCSP response says revoked (and verified). */
  stapledRevoked: boolean;
  /** A live OCSP answer says revoked (and verified). */
  liveOcspRevoked: boolean;
  /** A CRL says revoked. */
  crlRevoked: boolean;
  /** The leaf asks for a staple (TLS feature status_request) and none came. */
  mustStapleMissing: boolean;
  /** The chain ends at a public (Mozilla-included) root: the pushed lists may cover it. */
  publicRoot: boolean;
}

export interface ClientRevocationOutcome {
  client: ClientId;
  /** The connection still succeeds as far as revocation goes. */
  connects: boolean;
  /** What refuses it, when something does. */
  because?: "stapled-ocsp" | "live-ocsp" | "crlite" | "must-staple";
  error?: string;
  /** When the outcome depends on a list the client downloads (CRLSet, CRLite). */
  note?: string;
  checks: string;
  evidence: Evidence;
}

const REVOKED_FIREFOX = "SEC_ERROR_REVOKED_CERTIFICATE";

/** Whether each client connects given the facts. */
export function revocationOutcomes(
  clients: readonly ClientId[],
  f: RevocationFacts,
): ClientRevocationOutcome[] {
  const revoked = f.stapledRevoked || f.liveOcspRevoked || f.crlRevoked;
  return clients.map((client) => {
    const b = REVOCATION_BEHAVIOUR[client];
    const base = { client, checks: b.checks, evidence: b.evidence };
    if (b.enforcesMustStaple && f.mustStapleMissing)
      return {
        ...base,
        connects: false,
        because: "must-staple",
        error: "MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING",
      };
    if (b.honoursStaple && f.stapledRevoked)
      return { ...base, connects: false, because: "stapled-ocsp", error: REVOKED_FIREFOX };
    if (b.liveOcsp && f.liveOcspRevoked)
      return { ...base, connects: false, because: "live-ocsp", error: REVOKED_FIREFOX };
    if (b.pushedList === "CRLite" && revoked && f.publicRoot)
      return {
        ...base,
        connects: false,
        because: "crlite",
        error: REVOKED_FIREFOX,
        note: "CRLite covers every revocation of a certificate from a public root, once its filter updates",
      };
    const note =
      revoked && b.pushedList === "CRLSet" && f.publicRoot
        ? "unless Google puts this revocation in the CRLSet (it does for few end-entity certificates)"
        : undefined;
    return { ...base, connects: true, ...(note ? { note } : {}) };
  });
}
