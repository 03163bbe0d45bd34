/**
 * Go's crypto/x509 as crypto/tls runs it (Linux, or an explicit RootCAs pool; on macOS and Windows Go
 * hands system-root verification to the platform verifier). Texts are from golang/go
 * src/crypto/x509/verify.go and x509.go ([src]).
 *
 * Versions: the texts are those of current Go (1.24+). Those marked "run" were reproduced with Go 1.19.8
 * (Debian 12's golang-go) against the lab's endpoints (test/lab-oracle-go-browsers.test.ts) and refused signature
 * algorithms (test/clients-go-hash.test.ts), where two
 * things differ by version and nothing else does:
 * - crypto/tls wraps a verification error as "tls: failed to verify certificate: …" since Go 1.20; Go 1.19
 *   returns the x509 text bare;
 * - Go 1.18 to 1.23 append " (temporarily override with GODEBUG=x509sha1=1)" to the SHA-1 insecure-algorithm
 *   text (the x509sha1 setting went away in Go 1.24).
 */

import type { Certificate } from "../x509/certificate.js";
import { GO_ALGORITHMS, goAlgorithmName, goSignatureRefusal } from "./algorithms.js";
import {
  type ClientProfile,
  type ErrorText,
  type Failure,
  type FailureKind,
  isoSeconds,
  UNLIMITED_INTERMEDIATES,
} from "./profile.js";

const TLS = "tls: failed to verify certificate: ";
/** verify.go errSignatureLimit: buildChains counts every candidate's signature check against maxChainSignatureChecks (100). */
const SIGNATURE_LIMIT = "x509: signature check attempts limit reached while verifying certificate chain";
const UNKNOWN_AUTHORITY = "x509: certificate signed by unknown authority";
/** x509.go ConstraintViolationError: CheckSignatureFrom refuses a parent that is not a CA or lacks keyCertSign. */
const CANNOT_SIGN = "x509: invalid signature: parent certificate cannot sign this kind of certificate";
/** verify.go CertificateInvalidError{CANotAuthorizedForThisName}: the prefix before the detail. */
const NOT_AUTHORIZED_FOR_NAME =
  "x509: a root or intermediate certificate is not authorized to sign for this name";

/** UnknownAuthorityError.Error(): the hint names the candidate issuer by CN, else O, else serial. */
function candidateName(c: Certificate): string {
  const cn = c.commonNames[0];
  if (cn) return cn;
  const o = c.subject.values("2.5.4.10")[0];
  return o ?? `serial:${BigInt(`0x${c.serialNumber || "0"}`).toString()}`;
}

function expiryText(c: Certificate, now: Date): string {
  // CertificateInvalidError{Expired}: "x509: certificate has expired or is not yet valid: current time %s is after %s"
  return now.getTime() > c.notAfter.getTime()
    ? `x509: certificate has expired or is not yet valid: current time ${isoSeconds(now)} is after ${isoSeconds(c.notAfter)}`
    : `x509: certificate has expired or is not yet valid: current time ${isoSeconds(now)} is before ${isoSeconds(c.notBefore)}`;
}

function withHint(hint: string, candidate: Certificate | undefined): string {
  if (!candidate) return UNKNOWN_AUTHORITY;
  return `${UNKNOWN_AUTHORITY} (possibly because of ${JSON.stringify(hint)} while trying to verify candidate authority certificate ${JSON.stringify(candidateName(candidate))})`;
}

/** verify.go matchDomainConstraint, for the plain cases: a leading "." wants a subdomain, else the name or one below it. */
function dnsWithin(name: string, constraint: string): boolean {
  const n = name.toLowerCase();
  const c = constraint.toLowerCase();
  if (c === "") return true;
  if (c.startsWith(".")) return n.endsWith(c);
  return n === c || n.endsWith(`.${c}`);
}

/**
 * isValid's name-constraint check, run on each CA candidate from the leaf's issuer up: the leaf's DNS names
 * in order, an excluded subtree first, then "not permitted by any constraint". Only DNS names are modelled;
 * for any other kind the text stops at the prefix.
 */
function goNameConstraintText(f: Failure): string {
  const leaf = f.path[0];
  for (const ca of f.path.slice(1)) {
    const nc = ca.nameConstraints;
    if (!nc || !leaf) continue;
    for (const name of leaf.dnsNames) {
      const excluded = nc.excluded?.find((st) => st.base.type === "dns" && dnsWithin(name, st.base.value));
      if (excluded?.base.type === "dns")
        return `${NOT_AUTHORIZED_FOR_NAME}: DNS name ${JSON.stringify(name)} is excluded by constraint ${JSON.stringify(excluded.base.value)}`;
      const permitted = nc.permitted?.filter((st) => st.base.type === "dns") ?? [];
      if (
        permitted.length > 0 &&
        !permitted.some((st) => st.base.type === "dns" && dnsWithin(name, st.base.value))
      )
        return `${NOT_AUTHORIZED_FOR_NAME}: DNS name ${JSON.stringify(name)} is not permitted by any constraint`;
    }
  }
  return NOT_AUTHORIZED_FOR_NAME;
}

/** Certificate.VerifyHostname / HostnameError.Error() (verify.go). */
function goHostnameText(f: Failure): ErrorText {
  const h = f.hostname;
  if (!h) return { text: `${TLS}x509: certificate is not valid for any names`, evidence: "unverified" };
  if (h.peer.kind === "ip") {
    if (h.ips.length === 0) {
      return {
        text: `${TLS}x509: cannot validate certificate for ${h.peer.value} because it doesn't contain any IP SANs`,
        evidence: "src",
      };
    }
    return {
      text: `${TLS}x509: certificate is valid for ${h.ips.join(", ")}, not ${h.peer.value}`,
      evidence: "src",
    };
  }
  if (h.dns.length > 0)
    return {
      text: `${TLS}x509: certificate is valid for ${h.dns.join(", ")}, not ${h.peer.value}`,
      evidence: "run",
    };
  // No SAN extension at all and a CN that looks like a host name: the legacy-CN error.
  if (!h.hasSan && h.cn !== undefined && /^[a-z0-9*.-]+$/i.test(h.cn) && h.cn.includes(".")) {
    return {
      text: `${TLS}x509: certificate relies on legacy Common Name field, use SANs instead`,
      evidence: "run",
    };
  }
  return {
    text: `${TLS}x509: certificate is not valid for any names, but wanted to match ${h.peer.value}`,
    evidence: "src",
  };
}

/**
 * Certificate.Verify: the leaf's own validity first (isValid: time, EKU), then the host name, then chain
 * building, where every rejected candidate issuer only becomes a hint in "signed by unknown authority".
 */
const GO_ORDER: FailureKind[] = [
  "expired",
  "not-yet-valid",
  "hostname-mismatch",
  "unknown-issuer",
  "chain-too-long",
  "untrusted-root",
  "self-signed-leaf",
  "non-root-anchor",
  "weak-signature",
  "weak-key",
  "critical-extension",
  "not-a-ca",
  "ca-key-usage",
  "path-length",
  "name-constraints",
  "bad-signature",
  "extended-key-usage",
  "other",
];

export const go: ClientProfile = {
  id: "go",
  name: "Go",
  summary: "Go crypto/tls + crypto/x509 (Linux, system roots or RootCAs), current releases",
  engine: "crypto/x509 Certificate.Verify (src/crypto/x509/verify.go)",
  // checkChainForKeyUsage walks every certificate of a chain, root included, and skips those without EKU.
  ekuChaining: {
    enforced: true,
    source:
      "go src/crypto/x509/verify.go checkChainForKeyUsage (x509: certificate specifies an incompatible key usage)",
    evidence: "src",
  },
  store: {
    real: "system-bundle",
    fallback: "mozilla",
    approximation:
      "the system CA bundle Go reads on Linux was not read (--store system), so Mozilla's TLS roots stand in for it",
    source:
      "golang/go src/crypto/x509/root_linux.go (the same bundle paths as OpenSSL; SSL_CERT_FILE, SSL_CERT_DIR)",
  },
  aia: {
    fetches: false,
    preloads: false,
    note: "crypto/x509 never fetches missing intermediates (on Windows the platform verifier may)",
    source:
      "golang/go src/crypto/x509/verify.go (no AIA fetching); root_windows.go uses CertGetCertificateChain",
    evidence: "src",
  },
  distrust: {
    client: null,
    source: "Go applies no distrust-after dates to system roots (src/trust/distrust.ts)",
  },
  hostname: {
    cnFallback: false,
    source:
      'golang/go src/crypto/x509/verify.go VerifyHostname: "the legacy Common Name field is ignored" (Go 1.15+)',
    evidence: "src",
  },
  anchors: {
    // Verify: `if opts.Roots.contains(c)` the leaf alone is a chain; any certificate in Roots is an anchor.
    nonSelfSigned: "anchor",
    directLeaf: "any",
    directLeafValidity: true,
    source: "golang/go src/crypto/x509/verify.go Verify (opts.Roots.contains(c)) and buildChains",
    evidence: "src",
  },
  profile: "rfc5280",
  ignore: ["key-identifier", "extension-criticality"],
  ignoreSource:
    "crypto/x509 does not check key identifiers or RFC 5280 criticality rules for known extensions",
  algorithms: GO_ALGORITHMS,
  minTls: {
    version: "TLSv1.2",
    source: "crypto/tls: Config.MinVersion defaults to TLS 1.2 for clients (Go 1.18+)",
    evidence: "doc",
  },
  paths: {
    maxIntermediates: UNLIMITED_INTERMEDIATES,
    countsSelfIssued: true,
    signatureBudget: 100,
    source:
      "golang/go src/crypto/x509/verify.go buildChains: no depth limit; maxChainSignatureChecks = 100 bounds the search (errSignatureLimit)",
    evidence: "src",
  },
  order: GO_ORDER,
  errorText(f: Failure): ErrorText {
    const pos = f.cert ? f.path.indexOf(f.cert) : -1;
    switch (f.kind) {
      case "self-signed-leaf":
      case "self-signed-target":
      case "untrusted-root":
      case "unknown-issuer":
      case "non-root-anchor":
        return { text: `${TLS}${UNKNOWN_AUTHORITY}`, evidence: "run" };
      case "expired":
      case "not-yet-valid":
        // buildChains returns a candidate CA's isValid error itself (not as an unknown-authority hint), so an
        // expired intermediate reads like an expired leaf [run: Go 1.19.8, expired-intermediate].
        if (f.cert) return { text: `${TLS}${expiryText(f.cert, f.time)}`, evidence: "run" };
        return { text: `${TLS}${UNKNOWN_AUTHORITY}`, evidence: "unverified" };
      case "hostname-mismatch":
        return goHostnameText(f);
      case "weak-signature": {
        const a = f.algorithm;
        const issuer = a ? f.path[a.position + 1] : undefined;
        // MD5/SHA-1: "insecure algorithm …"; MD2, SHA-224, DSA, unknown OIDs: "algorithm unimplemented" [run: Go
        // 1.19.8]. Go 1.18 to 1.23 append " (temporarily override with GODEBUG=x509sha1=1)" for SHA-1; 1.24+ do not.
        const hint = a
          ? (goSignatureRefusal(a.cert) ??
            `x509: cannot verify signature: insecure algorithm ${goAlgorithmName(a.cert)}`)
          : "x509: cannot verify signature: insecure algorithm ?";
        return { text: `${TLS}${withHint(hint, issuer)}`, evidence: "run" };
      }
      case "not-a-ca":
      case "ca-key-usage":
        // A v1 parent passes CheckSignatureFrom (it only refuses a v3 one without cA); isValid then refuses
        // the intermediate (NotAuthorizedToSign) [run: Go 1.19.8, intermediate-v1].
        if (f.kind === "not-a-ca" && f.cert?.version === 1 && pos > 0) {
          return {
            text: `${TLS}x509: certificate is not authorized to sign other certificates`,
            evidence: "run",
          };
        }
        // CheckSignatureFrom runs before isValid and refuses the parent (ConstraintViolationError): it becomes
        // the hint [run: Go 1.19.8, intermediate-not-ca and intermediate-no-keycertsign].
        return {
          text: `${TLS}${withHint(CANNOT_SIGN, pos > 0 ? f.cert : undefined)}`,
          evidence: pos > 0 ? "run" : "src",
        };
      case "name-constraints":
        // isValid's error, returned as such [run: Go 1.19.8, name-constraints].
        return { text: `${TLS}${goNameConstraintText(f)}`, evidence: "run" };
      case "path-length":
        return { text: `${TLS}x509: too many intermediates for path length constraint`, evidence: "run" };
      case "critical-extension":
        // Certificate.Verify refuses the leaf's (or a chain certificate's) unhandled critical extension itself.
        return { text: `${TLS}x509: unhandled critical extension`, evidence: "run" };
      case "extended-key-usage":
        return { text: `${TLS}x509: certificate specifies an incompatible key usage`, evidence: "run" };
      case "budget-exceeded":
      case "chain-too-long":
        // Go has no depth limit; its only bound is the signature budget, which a long path uses up.
        return { text: `${TLS}${SIGNATURE_LIMIT}`, evidence: "src" };
      default:
        return { text: `${TLS}${UNKNOWN_AUTHORITY}`, evidence: "unverified" };
    }
  },
};
