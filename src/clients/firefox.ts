/**
 * Firefox (mozilla::pkix through NSSCertDBTrustDomain and CertVerifier) with the NSS built-in roots, which
 * chainproof bundles exactly (NSS 2.86). Error names are mozilla::pkix / NSS result names as Firefox shows
 * them on its error page. Those marked "run" were reproduced on Firefox ESR 153 with the lab roots in a fresh
 * profile (test/lab-oracle-go-browsers.test.ts); the others are read in the sources named.
 */

import { FIREFOX_ALGORITHMS } from "./algorithms.js";
import { FIREFOX_CT_RULE } from "./ct.js";
import type { ClientProfile, ErrorText, Failure, FailureKind } from "./profile.js";

// CertVerifier::VerifySSLServerCert: chain errors first; for an expired or not-yet-valid certificate the
// host name is checked first "because that would be a more serious error"; otherwise the host name is
// checked only once the chain is valid.
const FIREFOX_ORDER: FailureKind[] = [
  "self-signed-leaf",
  "unknown-issuer",
  "chain-too-long",
  "untrusted-root",
  "non-root-anchor",
  "distrusted",
  "critical-extension",
  "not-a-ca",
  "ca-key-usage",
  "extended-key-usage",
  "path-length",
  "name-constraints",
  "weak-signature",
  "weak-key",
  "bad-signature",
  "other",
  "hostname-mismatch",
  "expired",
  "not-yet-valid",
];

export const firefox: ClientProfile = {
  id: "firefox",
  name: "Firefox",
  summary: "Firefox with the NSS built-in roots (bundled NSS 2.86) and their distrust-after dates",
  engine: "mozilla::pkix (security/certverifier/NSSCertDBTrustDomain.cpp, CertVerifier.cpp)",
  store: {
    real: "mozilla",
    fallback: "mozilla",
    source: "NSS lib/ckfw/builtins/certdata.txt (bundled as data/mozilla.json)",
  },
  aia: {
    fetches: false,
    preloads: true,
    note: "Firefox does not fetch AIA URLs but completes chains from its preloaded list of intermediates disclosed to the CCADB; chainproof does not ship that list, so it uses a known-intermediates catalog (e.g. the FPKI store's) only when asked",
    source: "Firefox intermediate preloading (security.remote_settings.intermediates.enabled)",
    evidence: "unverified",
  },
  distrust: {
    client: "firefox",
    source:
      "NSS CKA_NSS_SERVER_DISTRUST_AFTER, enforced in NSSCertDBTrustDomain.cpp IsDistrustedCertificateChain",
  },
  hostname: {
    // mozilla::pkix could search the subject CN (FallBackToSearchWithinSubject), but Firefox's name-matching
    // policy does not for certificates of the CA/Browser Forum era: a certificate naming the host only in its
    // CN gets SSL_ERROR_BAD_CERT_DOMAIN (measured on Firefox ESR 153 for issue 15).
    cnFallback: false,
    source:
      "mozilla security/nss/lib/mozpkix/lib/pkixnames.cpp CheckCertHostname; security/certverifier BRNameMatchingPolicy",
    evidence: "src",
  },
  anchors: {
    nonSelfSigned: "anchor",
    directLeaf: "any",
    directLeafValidity: true,
    source: "mozilla::pkix BuildForward: any certificate with TrustLevel::TrustAnchor ends the path",
    evidence: "unverified",
  },
  profile: "webpki",
  ignore: [
    "cn-not-in-san",
    "key-identifier",
    "extension-criticality",
    "weak-key",
    "weak-signature-algorithm",
  ],
  ignoreSource:
    "mozilla::pkix checks neither CN/SAN consistency nor key identifiers; key limits per CertVerifier.cpp",
  algorithms: FIREFOX_ALGORITHMS,
  minTls: {
    version: "TLSv1.2",
    source: "Firefox 78 disabled TLS 1.0 and 1.1 (security.tls.version.min = 3)",
    evidence: "doc",
  },
  paths: {
    // "Avoid stack overflows and poor performance by limiting cert chain length": every CA certificate
    // that is not a trust anchor counts, self-issued or not.
    maxIntermediates: 6,
    countsSelfIssued: true,
    source:
      "mozilla::pkix lib/pkixbuild.cpp BuildForward: MAX_SUBCA_COUNT = 6 (1 end-entity + 6 sub-CAs + 1 root = NonOwningDERArray::MAX_LENGTH 8)",
    evidence: "src",
  },
  // Firefox 135+ on desktop enforces CT for Mozilla's program's roots (./ct.ts FIREFOX_CT_RULE).
  ct: FIREFOX_CT_RULE,
  order: FIREFOX_ORDER,
  errorText(f: Failure): ErrorText {
    const ca = f.role !== "leaf";
    switch (f.kind) {
      case "ct-required":
        return { text: FIREFOX_CT_RULE.error, evidence: FIREFOX_CT_RULE.evidence };
      case "self-signed-leaf":
      case "self-signed-target":
        return { text: "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT", evidence: "src" };
      case "unknown-issuer":
      case "untrusted-root":
      case "non-root-anchor":
      case "chain-too-long":
        // pkixbuild.cpp: past MAX_SUBCA_COUNT the search returns ERROR_UNKNOWN_ISSUER.
        return { text: "SEC_ERROR_UNKNOWN_ISSUER", evidence: "src" };
      case "budget-exceeded":
        return { text: "SEC_ERROR_UNKNOWN_ISSUER", evidence: "inferred" };
      case "distrusted":
        return { text: "MOZILLA_PKIX_ERROR_ISSUER_NO_LONGER_TRUSTED", evidence: "src" };
      case "expired": {
        // mozilla::pkix names the issuer's expiry when the leaf and an issuer have both expired [run: Firefox
        // ESR 153, the lab's expired-chain endpoint].
        const issuerExpired = f.path.slice(1).some((c) => f.time.getTime() > c.notAfter.getTime());
        return {
          text:
            ca || issuerExpired ? "SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE" : "SEC_ERROR_EXPIRED_CERTIFICATE",
          evidence: ca ? "src" : issuerExpired ? "run" : "src",
        };
      }
      case "not-yet-valid":
        return {
          text: ca
            ? "MOZILLA_PKIX_ERROR_NOT_YET_VALID_ISSUER_CERTIFICATE"
            : "MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE",
          evidence: "src",
        };
      case "hostname-mismatch":
        return { text: "SSL_ERROR_BAD_CERT_DOMAIN", evidence: "src" };
      case "weak-signature":
        return { text: "SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED", evidence: "src" };
      case "weak-key":
        return { text: "MOZILLA_PKIX_ERROR_INADEQUATE_KEY_SIZE", evidence: "unverified" };
      case "not-a-ca":
        // [run] Firefox ESR 153: the lab's intermediate-not-ca and intermediate-v1 endpoints.
        return f.cert?.version === 1
          ? { text: "MOZILLA_PKIX_ERROR_V1_CERT_USED_AS_CA", evidence: "run" }
          : { text: "SEC_ERROR_CA_CERT_INVALID", evidence: "run" };
      case "ca-key-usage":
        // [run] Firefox ESR 153: the lab's intermediate-no-keycertsign endpoint.
        return { text: "SEC_ERROR_INADEQUATE_KEY_USAGE", evidence: "run" };
      case "extended-key-usage":
        return { text: "SEC_ERROR_INADEQUATE_CERT_TYPE", evidence: "unverified" };
      case "bad-signature":
        return { text: "SEC_ERROR_BAD_SIGNATURE", evidence: "unverified" };
      case "path-length":
        return { text: "SEC_ERROR_PATH_LEN_CONSTRAINT_INVALID", evidence: "unverified" };
      case "critical-extension":
        // [run] Firefox ESR 153: an intermediate with an unknown critical extension is passed over as an
        // issuer candidate, so the chain has no issuer; the leaf's own is named.
        return f.role === "leaf"
          ? { text: "SEC_ERROR_UNKNOWN_CRITICAL_EXTENSION", evidence: "src" }
          : { text: "SEC_ERROR_UNKNOWN_ISSUER", evidence: "run" };
      case "name-constraints":
        return { text: "SEC_ERROR_CERT_NOT_IN_NAME_SPACE", evidence: "unverified" };
      default:
        return { text: "SEC_ERROR_UNKNOWN_ISSUER", evidence: "unverified" };
    }
  },
};
