/**
 * Node.js (tls / https with the default rejectUnauthorized: true). Chain verification is OpenSSL's, run with
 * a verify callback that accepts everything so the handshake completes; Node then rejects with the last
 * verification error OpenSSL recorded (SSL_get_verify_result), and only for a valid chain checks the host
 * name itself (tls.checkServerIdentity). Texts marked [run] were printed by Node v20.20.2.
 */

import { opensslAlgorithms } from "./algorithms.js";
import { asOpensslReportsIt, OPENSSL_ORDER, OPENSSL_PATHS, opensslVerifyError } from "./openssl.js";
import type { ClientProfile, ErrorText, Failure, FailureKind } from "./profile.js";

/** err.code as Node sets it: the X509_V_ERR_ name without its prefix (src/crypto/crypto_common.cc). */
const NODE_CODES: Record<number, string> = {
  2: "UNABLE_TO_GET_ISSUER_CERT",
  7: "CERT_SIGNATURE_FAILURE",
  9: "CERT_NOT_YET_VALID",
  10: "CERT_HAS_EXPIRED",
  18: "DEPTH_ZERO_SELF_SIGNED_CERT",
  19: "SELF_SIGNED_CERT_IN_CHAIN",
  20: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  21: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  22: "CERT_CHAIN_TOO_LONG",
  24: "INVALID_CA",
  25: "PATH_LENGTH_EXCEEDED",
  26: "INVALID_PURPOSE",
};

/** tls.checkServerIdentity (lib/tls.js, Node 20), [run] v20.20.2. */
function nodeHostnameText(f: Failure): ErrorText {
  const h = f.hostname;
  const prefix = "ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match certificate's altnames: ";
  if (!h) return { text: `${prefix}Cert does not contain a DNS name`, evidence: "unverified" };
  if (h.peer.kind === "ip") {
    return {
      text: `${prefix}IP: ${h.peer.value} is not in the cert's list: ${h.ips.join(", ")}`,
      evidence: "run",
    };
  }
  if (h.dns.length > 0) {
    const alt = (f.cert?.subjectAltName ?? [])
      .filter((n) => n.type === "dns" || n.type === "ip")
      .map((n) => (n.type === "dns" ? `DNS:${n.value}` : `IP Address:${n.value}`))
      .join(", ");
    return { text: `${prefix}Host: ${h.peer.value}. is not in the cert's altnames: ${alt}`, evidence: "run" };
  }
  if (h.cn !== undefined)
    return { text: `${prefix}Host: ${h.peer.value}. is not cert's CN: ${h.cn}`, evidence: "run" };
  return { text: `${prefix}Cert does not contain a DNS name`, evidence: "src" };
}

/**
 * Node reports OpenSSL's last verification error: internal_verify's validity and signature checks run
 * after the issuer lookup, so they win ([run] v20.20.2: an expired leaf whose intermediate is missing gives
 * CERT_HAS_EXPIRED, not UNABLE_TO_VERIFY_LEAF_SIGNATURE). The host name is checked only for a valid chain.
 */
const LAST: FailureKind[] = ["expired", "not-yet-valid", "bad-signature"];
const NODE_ORDER: FailureKind[] = [
  ...LAST,
  ...OPENSSL_ORDER.filter((k) => k !== "hostname-mismatch" && !LAST.includes(k)),
  "hostname-mismatch",
];

export const node: ClientProfile = {
  id: "node",
  name: "Node.js",
  summary:
    "Node.js https/tls with its bundled roots (tls.rootCertificates) and bundled OpenSSL at security level 1",
  engine: "OpenSSL X509_verify_cert (Node's bundled OpenSSL 3) + tls.checkServerIdentity",
  // [run] OpenSSL 3.0.19 s_client, curl 7.88.1, Node 20: an intermediate, or a root, whose extKeyUsage lacks
  // serverAuth gives error 26 (check_purpose on every certificate of the chain); Java accepts it.
  ekuChaining: {
    enforced: true,
    source:
      "openssl crypto/x509/x509_vfy.c check_chain → check_purpose (X509_V_ERR_INVALID_PURPOSE), v3_purp.c",
    evidence: "run" as const,
  },

  store: {
    real: "node-bundled",
    fallback: "node",
    source: "tls.rootCertificates of the running Node binary (src/trust/node.ts)",
  },
  aia: {
    fetches: false,
    preloads: false,
    note: "Node never fetches missing intermediates",
    source: "Node.js tls: no AIA fetching",
    evidence: "run",
  },
  distrust: {
    client: null,
    source: "Node's compiled-in roots carry no distrust-after dates (src/trust/distrust.ts)",
  },
  hostname: {
    // Any DNS SAN → only those; otherwise the CN (even when IP or URI SANs exist). [run] v20.20.2
    cnFallback: true,
    source: "nodejs lib/tls.js checkServerIdentity (Node 20)",
    evidence: "run",
  },
  anchors: {
    nonSelfSigned: "issuer",
    directLeaf: "self-signed",
    directLeafValidity: true,
    source:
      "OpenSSL without X509_V_FLAG_PARTIAL_CHAIN; [run] Node 20 refuses a chain whose only trusted certificate is the intermediate (UNABLE_TO_GET_ISSUER_CERT)",
    evidence: "run",
  },
  profile: "rfc5280",
  ignore: ["key-identifier", "extension-criticality"],
  ignoreSource:
    "OpenSSL checks RFC 5280 encoding rules only with X509_V_FLAG_X509_STRICT, which Node does not set",
  algorithms: opensslAlgorithms(
    1,
    "Node's bundled OpenSSL, default security level 1 [run: v20.20.2 accepts a 1024-bit RSA intermediate and refuses SHA-1]",
  ),
  minTls: { version: "TLSv1.2", source: "tls.DEFAULT_MIN_VERSION is 'TLSv1.2' (Node ≥ 11)", evidence: "doc" },
  // [run] v20.20.2 over loopback TLS with a custom CA: 100 intermediates are accepted, 101 refused, so
  // OpenSSL's default depth applies.
  paths: { ...OPENSSL_PATHS, evidence: "run" },
  order: NODE_ORDER,
  errorText(failure: Failure): ErrorText {
    const f = asOpensslReportsIt(failure);
    if (f.kind === "hostname-mismatch") return nodeHostnameText(f);
    // [run] v20.20.2, 101 intermediates: verification carries on past "chain too long" (22) and the last
    // error recorded is the missing issuer beyond the depth limit.
    if (f.kind === "chain-too-long") {
      return {
        text: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY: unable to get local issuer certificate",
        evidence: "run",
      };
    }
    // [run] Only the leaf sent and its issuer unknown: OpenSSL's internal_verify records error 21 last.
    if (f.kind === "unknown-issuer" && f.path.length === 1 && !f.path[0].selfSigned) {
      return {
        text: "UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate",
        evidence: "run",
      };
    }
    // [run] v20.20.2's bundled OpenSSL: a sent CA without cA=TRUE fails the purpose check (26), one without
    // keyCertSign gives 32, for which Node has no name; Debian's OpenSSL 3.0.19 says 79 for both.
    if (f.kind === "not-a-ca")
      return { text: "INVALID_PURPOSE: unsuitable certificate purpose", evidence: "run" };
    if (f.kind === "ca-key-usage") {
      return { text: "UNSPECIFIED: key usage does not include certificate signing", evidence: "run" };
    }
    const e = opensslVerifyError(f);
    // [run] codes Node has no name for come out as "UNSPECIFIED" (e.g. 68, CA signature digest too weak).
    return {
      text: `${NODE_CODES[e.num] ?? "UNSPECIFIED"}: ${e.text}`,
      evidence: NODE_CODES[e.num] ? e.evidence : e.num === 68 || e.num === 34 ? "run" : "inferred",
    };
  },
};
