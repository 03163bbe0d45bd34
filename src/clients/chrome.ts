/**
 * Chrome (desktop and Android, Chrome Root Store era: Chrome 105+ with its own certificate verifier).
 * Net error names are from chromium net/base/net_error_list.h; which status wins when several apply follows
 * net/cert/cert_status_flags.cc MapCertStatusToNetError. Those marked "run" were reproduced with Debian's
 * Chromium 156 on the lab's endpoints, the lab roots added to its NSS database as locally trusted roots
 * (test/lab-oracle-go-browsers.test.ts); a root of the Chrome Root Store was not available to try.
 */

import { CHROME_ALGORITHMS } from "./algorithms.js";
import { CHROME_CT_RULE } from "./ct.js";
import {
  type ClientProfile,
  type ErrorText,
  type Failure,
  type FailureKind,
  UNLIMITED_INTERMEDIATES,
} from "./profile.js";

const CHROME_ORDER: FailureKind[] = [
  "distrusted",
  "unknown-issuer",
  "chain-too-long",
  "untrusted-root",
  "self-signed-leaf",
  "non-root-anchor",
  "critical-extension",
  "not-a-ca",
  "ca-key-usage",
  "extended-key-usage",
  "path-length",
  "name-constraints",
  "bad-signature",
  "other",
  "hostname-mismatch",
  "weak-signature",
  "weak-key",
  "expired",
  "not-yet-valid",
];

/** Failures of a path that another issuer of the same name can avoid: faults of the issuer itself. */
const ISSUER_FAULTS: ReadonlySet<FailureKind> = new Set<FailureKind>([
  "not-a-ca",
  "ca-key-usage",
  "extended-key-usage",
  "critical-extension",
  "expired",
  "not-yet-valid",
]);

/**
 * Chrome's path builder (BoringSSL pki path_builder.cc) takes issuers from the sent certificates first and
 * from the AIA source (cert_issuer_source_aia.cc) once those are exhausted, and it keeps looking while the
 * paths it finds are invalid. So a broken sent intermediate is not the end: Chrome fetches the caIssuers URL
 * of the certificate below it and tries what that serves ([run] Chromium 156 trusts the lab's
 * critical-extension, intermediate-not-ca, intermediate-no-keycertsign and intermediate-eku endpoints,
 * whose leaves name the unbroken CA's URL, and refuses them with AIA blocked). A signature that does not
 * verify is the same: Chrome looks for another issuer of the certificate whose signature failed.
 */
function refetchesAfter(f: Failure): number | undefined {
  const at = f.cert ? f.path.indexOf(f.cert) : -1;
  if (at < 0) return undefined;
  // Faults found on a certificate but lying in an issuer above it: another issuer of that certificate.
  if (f.kind === "bad-signature" || f.kind === "name-constraints" || f.kind === "path-length") return at;
  // An issuer's own fault (not the leaf's, not the trust anchor's): fetch another copy of it.
  if (ISSUER_FAULTS.has(f.kind) && at >= 1 && at < f.path.length - 1) return at - 1;
  return undefined;
}

export const chrome: ClientProfile = {
  id: "chrome",
  name: "Chrome",
  summary:
    "Chrome with the Chrome Root Store (approximated by Mozilla's TLS roots), AIA fetching, SCT-based distrust, Certificate Transparency",
  engine: "Chrome certificate verifier (net/cert/cert_verify_proc_builtin.cc, BoringSSL pki path builder)",
  store: {
    real: "chrome-root-store",
    fallback: "mozilla",
    approximation:
      "the Chrome Root Store is approximated by Mozilla's TLS roots: the two programs overlap heavily but are not identical",
    source: "chromium net/data/ssl/chrome_root_store/root_store.textproto",
  },
  aia: {
    fetches: true,
    preloads: false,
    refetchesAfter,
    note: "Chrome fetches a missing issuer from the certificate's AIA caIssuers URL, so an incomplete chain often works in Chrome and nowhere else",
    source: "chromium net/cert/internal/cert_issuer_source_aia.cc (used by cert_verify_proc_builtin.cc)",
    evidence: "src",
  },
  distrust: {
    client: "chrome",
    source: "Chrome Root Store constraints (sct_not_after_sec) in root_store.textproto",
  },
  hostname: {
    cnFallback: false,
    source: "Chrome 58 removed the commonName fallback (chromestatus 4981025180483584)",
    evidence: "doc",
  },
  anchors: {
    // A locally trusted certificate is a trust anchor whether or not it is self-signed [unverified].
    nonSelfSigned: "anchor",
    directLeaf: "any",
    directLeafValidity: true,
    source: "BoringSSL pki trust_store.h (CertificateTrust::ForTrustAnchor for any certificate)",
    evidence: "unverified",
  },
  profile: "webpki",
  // Chrome ignores the CN entirely (no CN-in-SAN rule), does not require key identifiers nor enforce
  // RFC 5280 criticality rules, and applies its own key/algorithm limits (CHROME_ALGORITHMS), not the
  // CA/Browser Forum's 2048-bit minimum.
  ignore: [
    "cn-not-in-san",
    "key-identifier",
    "extension-criticality",
    "weak-key",
    "weak-signature-algorithm",
  ],
  ignoreSource:
    "chromium net/cert/cert_verify_proc_builtin.cc; boringssl pki/simple_path_builder_delegate.cc",
  algorithms: CHROME_ALGORITHMS,
  minTls: { version: "TLSv1.2", source: "Chrome 84 removed TLS 1.0 and 1.1", evidence: "doc" },
  paths: {
    maxIntermediates: UNLIMITED_INTERMEDIATES,
    countsSelfIssued: true,
    source:
      "chromium net/cert/cert_verify_proc_builtin.cc: CertPathBuilder with an iteration limit and a deadline, no SetDepthLimit call (boringssl pki/path_builder.h: no depth limit unless set)",
    evidence: "unverified",
  },
  // Certificate Transparency: a path to a root of the Chrome Root Store needs SCTs meeting Chrome's CT policy
  // (./ct.ts CHROME_CT_RULE, with its sources); locally added roots are exempt.
  ct: CHROME_CT_RULE,
  order: CHROME_ORDER,
  errorText(f: Failure): ErrorText {
    switch (f.kind) {
      case "ct-required":
        return { text: CHROME_CT_RULE.error, evidence: CHROME_CT_RULE.evidence };
      case "unknown-issuer":
      case "untrusted-root":
      // No valid path: a signature that does not verify leaves Chrome without an issuer [run: Chromium 156,
      // the lab's bad-signature endpoint, under a locally trusted root].
      case "bad-signature":
      case "self-signed-leaf":
      case "self-signed-target":
      case "non-root-anchor":
        return { text: "NET::ERR_CERT_AUTHORITY_INVALID", evidence: "run" };
      case "distrusted":
        // The Entrust announcement shows the untrusted-root interstitial; the exact code is unverified.
        return { text: "NET::ERR_CERT_AUTHORITY_INVALID", evidence: "unverified" };
      case "expired":
      case "not-yet-valid":
        return { text: "NET::ERR_CERT_DATE_INVALID", evidence: "run" };
      case "hostname-mismatch":
        return { text: "NET::ERR_CERT_COMMON_NAME_INVALID", evidence: "run" };
      case "weak-signature":
        // The path builder refuses the SHA-1 signature, so the path is invalid (CERT_STATUS_INVALID), and
        // MapCertStatusToNetError names INVALID before WEAK_SIGNATURE_ALGORITHM [run: Chromium 156, sha1,
        // under a locally trusted root].
        return { text: "NET::ERR_CERT_INVALID", evidence: "run" };
      case "weak-key":
        return { text: "NET::ERR_CERT_WEAK_KEY", evidence: "unverified" };
      case "chain-too-long":
      case "budget-exceeded":
        // The path builder's iteration limit ends in "no valid path": the untrusted-authority error.
        return { text: "NET::ERR_CERT_AUTHORITY_INVALID", evidence: "unverified" };
      default:
        return { text: "NET::ERR_CERT_INVALID", evidence: "unverified" };
    }
  },
};
