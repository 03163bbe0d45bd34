/**
 * OpenSSL 3 (`openssl s_client -verify_return_error -verify_hostname HOST`, and applications that verify
 * the same way) and curl on OpenSSL. Error texts marked [run] were printed by OpenSSL 3.0.19 and
 * curl 7.88.1 (Debian 12) against a generated PKI; the others are X509_verify_cert_error_string() texts
 * read in openssl/openssl crypto/x509/x509_txt.c (3.x).
 */

import type { Certificate } from "../x509/certificate.js";
import { expect, readTlv, Tag } from "../x509/der.js";
import { SIGNATURE_ALGORITHMS } from "../x509/oids.js";
import { opensslAlgorithms } from "./algorithms.js";
import type { ClientProfile, ErrorText, Failure, FailureKind, PathLimits } from "./profile.js";

/** md2WithRSAEncryption: OpenSSL still has its OID (and refuses the digest by security level, error 68). */
const MD2_WITH_RSA = "1.2.840.113549.1.1.2";

/**
 * The failure as OpenSSL reports it. A certificate signed with an algorithm OpenSSL has no OID for is never
 * taken as issued by its issuer (X509_check_issued finds no signature digest), so OpenSSL and Node report its
 * issuer as not found, not a signature failure [run: OpenSSL 3.0.19 num=20, Node 20.20.2
 * UNABLE_TO_VERIFY_LEAF_SIGNATURE; test/clients-go-hash.test.ts]. The OIDs chainproof names are OpenSSL's.
 */
export function asOpensslReportsIt(f: Failure): Failure {
  const signed = f.cert;
  if (f.kind !== "bad-signature" || !signed) return f;
  const oid = signed.signatureAlgorithm.oid;
  if (SIGNATURE_ALGORITHMS[oid] || oid === MD2_WITH_RSA) return f;
  const pos = f.path.indexOf(signed);
  return { ...f, kind: "unknown-issuer", path: pos >= 0 ? f.path.slice(0, pos + 1) : f.path };
}

/** X509_V_ERR_* code and text (crypto/x509/x509_txt.c, OpenSSL 3.x). */
export function opensslVerifyError(f: Failure): {
  num: number;
  text: string;
  evidence: ErrorText["evidence"];
} {
  switch (f.kind) {
    case "self-signed-leaf":
    case "self-signed-target":
      return { num: 18, text: "self-signed certificate", evidence: "run" }; // 1.1.1: "self signed certificate"
    case "untrusted-root":
      return { num: 19, text: "self-signed certificate in certificate chain", evidence: "run" };
    case "unknown-issuer":
      // [run] s_client and curl say 20 for a missing intermediate and for an unknown root alike.
      return { num: 20, text: "unable to get local issuer certificate", evidence: "run" };
    case "non-root-anchor":
      // [run] an intermediate in the CAfile without -partial_chain: its issuer is looked up and not found.
      return { num: 2, text: "unable to get issuer certificate", evidence: "run" };
    case "expired":
      return { num: 10, text: "certificate has expired", evidence: "run" };
    case "not-yet-valid":
      return { num: 9, text: "certificate is not yet valid", evidence: "src" };
    case "hostname-mismatch":
      return { num: 62, text: "hostname mismatch", evidence: "run" };
    case "weak-signature":
      return { num: 68, text: "CA signature digest algorithm too weak", evidence: "run" };
    case "weak-key":
      return f.algorithm?.position === 0
        ? { num: 66, text: "EE certificate key too weak", evidence: "src" }
        : { num: 67, text: "CA certificate key too weak", evidence: "run" };
    // [run] OpenSSL 3.0.19: a CA without cA=TRUE, or without keyCertSign, is error 79 (X509_V_ERR_INVALID_CA);
    // Node's bundled OpenSSL says otherwise (./node.ts).
    case "not-a-ca":
      return { num: 79, text: "invalid CA certificate", evidence: "run" };
    case "ca-key-usage":
      return { num: 79, text: "invalid CA certificate", evidence: "run" };
    case "critical-extension":
      return { num: 34, text: "unhandled critical extension", evidence: "run" };
    case "extended-key-usage":
      return { num: 26, text: "unsuitable certificate purpose", evidence: "run" };
    case "bad-signature":
      return { num: 7, text: "certificate signature failure", evidence: "src" };
    case "path-length":
      return { num: 25, text: "path length constraint exceeded", evidence: "src" };
    case "name-constraints":
      // [run] OpenSSL 3.0.19 and curl 7.88.1: the lab's name-constraints (permitted) and excluded-name endpoints.
      return /excluded subtree/.test(f.detail)
        ? { num: 48, text: "excluded subtree violation", evidence: "run" }
        : { num: 47, text: "permitted subtree violation", evidence: "run" };
    case "chain-too-long":
      // [run] s_client -verify_return_error and curl 7.88.1 with 101 intermediates.
      return { num: 22, text: "certificate chain too long", evidence: "run" };
    case "budget-exceeded":
      // OpenSSL has no search budget (it takes the first issuer that matches by name and key identifier);
      // when chainproof's gives up, the nearest OpenSSL outcome is the missing-issuer error.
      return { num: 20, text: "unable to get local issuer certificate", evidence: "inferred" };
    default:
      return { num: 1, text: "unspecified certificate verification error", evidence: "unverified" };
  }
}

/**
 * The order of X509_verify_cert() in OpenSSL 3 (crypto/x509/x509_vfy.c verify_chain): build_chain
 * (issuer errors), check_chain (CA, purpose, path length, name constraints), check_auth_level (key and
 * digest strength), check_id (host name), then internal_verify (signatures and validity, from the root
 * down). `s_client -verify_return_error` and curl stop at the first error.
 */
export const OPENSSL_ORDER: FailureKind[] = [
  "self-signed-leaf",
  "untrusted-root",
  "unknown-issuer",
  "chain-too-long",
  "non-root-anchor",
  "critical-extension",
  "not-a-ca",
  "extended-key-usage",
  "path-length",
  "name-constraints",
  "weak-key",
  "weak-signature",
  "hostname-mismatch",
  "ca-key-usage",
  "bad-signature",
  "not-yet-valid",
  "expired",
  "other",
];

/**
 * X509_VERIFY_PARAM's default depth is 100 (crypto/x509/x509_vpm.c default_table; `openssl verify
 * -verify_depth` documents it as intermediates, "neither the end-entity certificate nor the trust-anchor
 * certificate count"), self-issued ones included: build_chain stops with X509_V_ERR_CERT_CHAIN_TOO_LONG.
 * s_client, curl and Node keep the default. [run] OpenSSL 3.0.19 (`openssl verify`, `s_client`), curl
 * 7.88.1 and Node 20 accept 100 intermediates and refuse 101 (test/verify-pathological.test.ts).
 */
export const OPENSSL_PATHS: PathLimits = {
  maxIntermediates: 100,
  countsSelfIssued: true,
  // [run] OpenSSL 3.0.19 and Node 20: a sent intermediate with the right name and key but another
  // subjectKeyIdentifier than the leaf's authorityKeyIdentifier gives error 20; Java 17 trusts the chain.
  keyIdMismatch: "refused",
  // [run] OpenSSL 3.0.19, curl 7.88.1, Node 20 on the lab's cross-signed-after-root endpoint: error 19.
  issuerSelection: "first-match",
  source:
    "openssl crypto/x509/x509_vpm.c (default depth 100), crypto/x509/x509_vfy.c build_chain (X509_V_ERR_CERT_CHAIN_TOO_LONG), v3_purp.c X509_check_issued/X509_check_akid (X509_V_ERR_AKID_SKID_MISMATCH); openssl-verification-options(1) -verify_depth",
  evidence: "run",
};

const COMMON = {
  engine: "OpenSSL X509_verify_cert (crypto/x509/x509_vfy.c)",
  // [run] OpenSSL 3.0.19 s_client, curl 7.88.1, Node 20: an intermediate, or a root, whose extKeyUsage lacks
  // serverAuth gives error 26 (check_purpose on every certificate of the chain); Java accepts it.
  ekuChaining: {
    enforced: true,
    source:
      "openssl crypto/x509/x509_vfy.c check_chain → check_purpose (X509_V_ERR_INVALID_PURPOSE), v3_purp.c",
    evidence: "run" as const,
  },

  store: {
    real: "system-bundle" as const,
    fallback: "mozilla" as const,
    approximation:
      "the system CA bundle was not read (--store system), so Mozilla's TLS roots stand in for it; distributions build their bundle from the same Mozilla list",
    source: "SSL_CERT_FILE, /etc/ssl/certs/ca-certificates.crt and the other paths of src/trust/locations.ts",
  },
  aia: {
    fetches: false,
    preloads: false,
    note: "OpenSSL never fetches missing intermediates; the server must send them",
    source: "OpenSSL has no AIA fetching in X509_verify_cert",
    evidence: "src" as const,
  },
  distrust: {
    client: null,
    source: "flat PEM bundles carry no distrust-after dates (curl PR #15552); OpenSSL enforces none",
  },
  hostname: {
    // X509_check_host: the CN is consulted only when there is no dNSName SAN ([run] 3.0.19 accepts a
    // CN-only leaf). OpenSSL master stops consulting it by default.
    cnFallback: true,
    source: "openssl crypto/x509/v3_utl.c do_x509_check (X509_CHECK_FLAG_NEVER_CHECK_SUBJECT not set)",
    evidence: "run" as const,
  },
  profile: "rfc5280" as const,
  // RFC 5280 encoding rules (key identifiers, extension criticality) are checked only with
  // X509_V_FLAG_X509_STRICT, which s_client and curl do not set.
  ignore: ["key-identifier" as const, "extension-criticality" as const],
  ignoreSource:
    "openssl crypto/x509/x509_vfy.c check_extensions: strict checks only with X509_V_FLAG_X509_STRICT",
  minTls: {
    version: "TLSv1.2" as const,
    source:
      "OpenSSL ≥ 3.0 at security level ≥ 1 disables TLS 1.0/1.1 signatures with SHA-1 (effectively TLS 1.2+)",
    evidence: "unverified" as const,
  },
  paths: OPENSSL_PATHS,
  order: OPENSSL_ORDER,
};

export const openssl: ClientProfile = {
  id: "openssl",
  name: "OpenSSL",
  summary:
    "openssl s_client -verify_return_error -verify_hostname (OpenSSL 3, security level 2 as Debian/Ubuntu and OpenSSL ≥ 3.2 ship it)",
  ...COMMON,
  anchors: {
    // Without -partial_chain (X509_V_FLAG_PARTIAL_CHAIN) only a self-signed trusted certificate ends a
    // chain; [run] an intermediate alone in -CAfile gives error 2. A self-signed leaf in the CAfile is trusted.
    nonSelfSigned: "issuer",
    directLeaf: "self-signed",
    directLeafValidity: true,
    source: "openssl crypto/x509/x509_vfy.c build_chain (X509_V_FLAG_PARTIAL_CHAIN); [run] OpenSSL 3.0.19",
    evidence: "run",
  },
  algorithms: opensslAlgorithms(2, "s_client and curl on Debian 12 [run]"),
  errorText(failure: Failure): ErrorText {
    const e = opensslVerifyError(asOpensslReportsIt(failure));
    return { text: `verify error:num=${e.num}:${e.text}`, evidence: e.evidence };
  },
};

/** curl's own host-name messages (lib/vtls/openssl.c ossl_verifyhost), 7.88.1 wording ([run]); newer curl says "hostname". */
function curlHostnameText(f: Failure): ErrorText {
  const h = f.hostname;
  if (h && !h.hasSan && h.cn !== undefined) {
    return {
      text: `curl: (60) SSL: certificate subject name '${h.cn}' does not match target host name '${h.peer.value}'`,
      evidence: "run",
    };
  }
  return {
    text: `curl: (60) SSL: no alternative certificate subject name matches target host name '${h?.peer.value ?? ""}'`,
    evidence: "run",
  };
}

/**
 * curl 7.88.1 on a signature that does not verify: the verification fails as error 7, but curl reports the
 * error OpenSSL's signature check left on the error queue, as a connect error (35) naming the library
 * version. [run] curl 7.88.1 on OpenSSL 3.0.19 (Debian 12): an RSA issuer key gives RSA's padding error (or,
 * when the signature read as a number is not below the issuer's modulus, "data too large for modulus"), an
 * EC key the ASN.1 layer's; the wording is OpenSSL 3's, the version string the linked library's.
 */
function curlBadSignatureText(f: Failure): ErrorText | undefined {
  const at = f.cert ? f.path.indexOf(f.cert) : -1;
  const issuer = at >= 0 ? f.path[at + 1] : undefined;
  const issuerKey = issuer?.publicKey.algorithm;
  const queued =
    issuerKey === "RSA" && f.cert && issuer
      ? signatureBelowModulus(f.cert, issuer) === false
        ? "error:02000084:rsa routines::data too large for modulus"
        : "error:0200008A:rsa routines::invalid padding"
      : issuerKey === "EC"
        ? "error:06880006:asn1 encoding routines::EVP lib"
        : undefined;
  return queued ? { text: `curl: (35) OpenSSL/3.0.19: ${queued}`, evidence: "run" } : undefined;
}

/** Whether `cert`'s signature, read as an unsigned number, is below `issuer`'s RSA modulus (RFC 8017 5.2.2). */
function signatureBelowModulus(cert: Certificate, issuer: Certificate): boolean | undefined {
  const key = issuer.publicKey.keyBytes;
  try {
    const seq = readTlv(key, 0, key.length);
    const n = expect(key, seq.valueStart, seq.end, Tag.INTEGER, "RSA modulus");
    const modulus = withoutLeadingZeros(key.subarray(n.valueStart, n.end));
    const sig = withoutLeadingZeros(cert.signatureValue);
    if (sig.length !== modulus.length) return sig.length < modulus.length;
    for (let i = 0; i < sig.length; i++) if (sig[i] !== modulus[i]) return sig[i] < modulus[i];
    return false;
  } catch {
    return undefined;
  }
}

function withoutLeadingZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.subarray(i);
}

export const curl: ClientProfile = {
  id: "curl",
  name: "curl",
  summary:
    "curl on OpenSSL 3 (security level 2): OpenSSL's chain checks, curl's own host-name check, partial chains on",
  ...COMMON,
  hostname: {
    cnFallback: true,
    source:
      "curl lib/vtls/openssl.c ossl_verifyhost: the last CN is used only when there is no dNSName or iPAddress SAN; [run] 7.88.1",
    evidence: "run",
  },
  anchors: {
    // curl ≥ 7.68.0 sets X509_V_FLAG_PARTIAL_CHAIN unless CURLSSLOPT_NO_PARTIALCHAIN; [run] 7.88.1 trusts a
    // chain whose only trusted certificate is the intermediate.
    nonSelfSigned: "anchor",
    directLeaf: "any",
    directLeafValidity: true,
    source:
      "curl lib/vtls/openssl.c (X509_V_FLAG_PARTIAL_CHAIN unless CURLSSLOPT_NO_PARTIALCHAIN, since 7.68.0); [run] 7.88.1",
    evidence: "run",
  },
  algorithms: opensslAlgorithms(2, "curl 7.88.1 on Debian 12 [run]"),
  errorText(failure: Failure): ErrorText {
    const f = asOpensslReportsIt(failure);
    if (f.kind === "hostname-mismatch") return curlHostnameText(f);
    const queued = f.kind === "bad-signature" ? curlBadSignatureText(f) : undefined;
    if (queued) return queued;
    const e = opensslVerifyError(f);
    return { text: `curl: (60) SSL certificate problem: ${e.text}`, evidence: e.evidence };
  },
};
