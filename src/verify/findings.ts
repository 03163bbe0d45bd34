/**
 * Every reason the verifier can give, in one place.
 *
 * Each code below is stable (callers, the CLI and the limbo harness key on it) and carries a doc comment
 * naming the rule and where it comes from, so anyone holding a code can find the rule. The plain-language
 * message for each code lives in `explain.ts`; the checks that emit them live in `checks.ts` (per
 * certificate and per path), `conformance.ts` (RFC 5280 / CA/B Forum profile rules), `policies.ts`,
 * `crl.ts` and `build.ts`.
 *
 * Ranking: when several paths were tried, the verifier reports the one closest to success, and within a
 * path the most specific reason first. `RANK` orders codes from the most specific (the reason a user must
 * act on even when the path is otherwise right, e.g. an expired leaf) to the least (a path that is not a
 * real path at all, e.g. a signature that does not verify, or no path found).
 */

import type { Certificate } from "../x509/certificate.js";

export const FINDING_CODES = [
  // ---- Revocation
  /** The certificate's serial is listed on a valid CRL from its issuer. RFC 5280 §6.3.3 (i)-(j). */
  "revoked",
  /**
   * A CRL supplied for the certificate's issuer cannot be used: bad signature, issuer without the cRLSign
   * key usage (RFC 5280 §4.2.1.3, §6.3.3 (f)), missing or critical CRLNumber (§5.2.3), unknown critical
   * extension (§5.2), not yet valid or past nextUpdate (§6.3.3 (a)), or malformed DER (§5.1).
   * The verifier fails closed: a CRL that claims to cover the certificate and cannot be trusted rejects.
   */
  "crl-invalid",
  /**
   * Revocation is required (policy `revocation: "require"`) and no usable, current CRL covers the
   * certificate for every reason: none supplied for its issuer or distribution points, or each one in scope
   * cannot be used (the detail says why), or the reason partitions supplied leave reasons uncovered.
   * RFC 5280 §6.3.3 (the status stays UNDETERMINED).
   */
  "revocation-unknown",

  // ---- Identity and purpose
  /** The leaf does not carry the expected peer name (DNS, IP or e-mail). RFC 6125 §6, RFC 9525 §6, RFC 5280 §4.2.1.6. */
  "hostname-mismatch",
  /**
   * The leaf's subject CN is not a character-for-character copy of one of its SAN entries (or an IP CN is
   * not the RFC 5952 / dotted-decimal text of an IP SAN), or there is more than one CN. CABF BR §7.1.4.3.
   * Web PKI profile only.
   */
  "cn-not-in-san",
  /**
   * Extended key usage: the leaf's EKU lacks the required purpose (RFC 5280 §4.2.1.12); in the Web PKI
   * profile, a CA's EKU (when present) lacks it too (CABF BR §7.1.2.2.6, Mozilla/Chrome EKU chaining); in
   * pedantic Web PKI mode the leaf must carry an EKU, it must not be critical and must not hold
   * anyExtendedKeyUsage, and roots must not carry one (CABF BR §7.1.2.7.6, §7.1.2.7.10, §7.1.2.1.2).
   */
  "extended-key-usage",
  /**
   * Key usage: a CA whose keyUsage lacks keyCertSign (RFC 5280 §4.2.1.3, §6.1.4 (n)); a non-CA asserting
   * keyCertSign (§4.2.1.9); a leaf without a key usage the policy requires (§4.2.1.3).
   */
  "key-usage",

  // ---- Time
  /** The validation time is after notAfter. RFC 5280 §4.1.2.5, §6.1.3 (a)(2). notAfter is inclusive. */
  "expired",
  /** The validation time is before notBefore. RFC 5280 §4.1.2.5, §6.1.3 (a)(2). notBefore is inclusive. */
  "not-yet-valid",

  // ---- Caller's own rules (pathCheck hook)
  /** The caller's path check (client profile: distrust rules and the like) rejected this path. */
  "distrusted",
  /** The caller's path check rejected this path for another client-specific rule (algorithm limits, …). */
  "client-policy",

  // ---- Constraints along the path
  /** A name in a certificate falls outside a CA's permitted subtrees or inside its excluded ones. RFC 5280 §4.2.1.10, §6.1.3 (b)-(c). */
  "name-constraints-violated",
  /** The path does not satisfy the required certificate policies (valid_policy_tree empty while explicit policy is required). RFC 5280 §6.1.3 (f), §6.1.5 (g). */
  "policy-required",
  /** A policyMappings extension maps to or from anyPolicy. RFC 5280 §4.2.1.5, §6.1.4 (a). */
  "invalid-policy-mapping",
  /** More non-self-issued CA certificates follow a CA than its pathLenConstraint allows. RFC 5280 §4.2.1.9, §6.1.4 (l)-(m). */
  "path-length-exceeded",
  /** The path holds more intermediates (self-issued ones not counted) than the policy's maxDepth. */
  "max-depth-exceeded",
  /** The leaf is a CA certificate (basicConstraints cA=TRUE). CABF BR §7.1.2.7.8. Web PKI profile only. */
  "ca-as-end-entity",

  // ---- Keys and algorithms
  /**
   * A key the profile forbids: RSA under 2048 bits or not a multiple of 8, EC curves other than P-256,
   * P-384 and P-521, explicit curve parameters, DSA. CABF BR §6.1.5, §7.1.3.1. Web PKI profile (for the
   * leaf only in pedantic mode).
   */
  "weak-key",
  /** A signature algorithm the profile forbids (MD5, SHA-1, DSA …). CABF BR §7.1.3.2. Web PKI profile only. */
  "weak-signature-algorithm",

  // ---- Extensions and encoding
  /** A critical extension the verifier does not process. RFC 5280 §4.2: such a certificate MUST be rejected. */
  "unknown-critical-extension",
  /**
   * A certificate the peer presented is not valid DER X.509 (RFC 5280 §4.1). TLS clients abort the
   * handshake on it (a decode error) whatever the rest of the chain, so the chain is rejected.
   */
  "malformed-certificate",
  /**
   * An extension that does not decode, appears twice (RFC 5280 §4.2), or is empty where it must hold
   * something (nameConstraints with no subtrees, CABF BR §7.1.2.5.2; AIA with no access descriptions,
   * RFC 5280 §4.2.2.1; an extension only valid in CA certificates, such as nameConstraints §4.2.1.10, in a
   * leaf).
   */
  "malformed-extension",
  /**
   * An extension marked critical that MUST NOT be (AKI §4.2.1.1, SKI §4.2.1.2, AIA §4.2.2.1; SAN with a
   * non-empty subject in the Web PKI, CABF BR §7.1.2.7.12) or not critical where it MUST be
   * (basicConstraints in CA certificates §4.2.1.9, policyConstraints §4.2.1.11, inhibitAnyPolicy
   * §4.2.1.14, nameConstraints §4.2.1.10 outside the Web PKI, SAN with an empty subject §4.2.1.6). A trust
   * anchor's non-critical basicConstraints, and a non-critical policyConstraints or inhibitAnyPolicy, are
   * warnings in the Web PKI profile unless pedantic (browsers accept them; real roots and CAs have them).
   */
  "extension-criticality",
  /**
   * Key identifiers: a certificate that is not self-signed lacks authorityKeyIdentifier.keyIdentifier
   * (RFC 5280 §4.2.1.1); a CA lacks subjectKeyIdentifier (§4.2.1.2); a root's AKI has no keyIdentifier or
   * one that differs from its SKI (§4.2.1.1, CABF BR §7.1.2.1.3). In the Web PKI profile an AKI carrying
   * authorityCertIssuer/SerialNumber (CABF BR §7.1.2.1.3, §7.1.2.11.1, since 2023) and a trust anchor
   * without SKI are warnings unless pedantic: trusted roots have them and browsers accept them.
   */
  "key-identifier",
  /**
   * Malformed names: an empty issuer (RFC 5280 §4.1.2.4), a CA with an empty subject (§4.1.2.6), a
   * dNSName SAN outside the preferred name syntax (§4.2.1.6, RFC 1034 §3.5), an rfc822Name SAN that is not
   * a mailbox (§4.2.1.6), a SAN with no entries; in pedantic Web PKI mode, a wildcard SAN directly over a
   * public suffix (CABF BR §3.2.2.6, e.g. `*.co.uk`).
   */
  "invalid-name",
  /** A serial number that is zero, negative, or longer than 20 octets. RFC 5280 §4.1.2.2. Pedantic mode. */
  "invalid-serial-number",
  /** A certificate version the profile does not accept (Web PKI: v3 only, CABF BR §7.1.1; CAs: v3, RFC 5280 §6.1.4 (k)). */
  "unsupported-version",

  // ---- The link between a certificate and its issuer
  /** The certificate's issuer is not a CA: basicConstraints missing or cA=FALSE. RFC 5280 §4.2.1.9, §6.1.4 (k). */
  "not-a-ca",
  /** The certificate's outer signatureAlgorithm differs from the one inside TBSCertificate. RFC 5280 §4.1.1.2. */
  "signature-algorithm-mismatch",
  /** The signature cannot be checked: unknown algorithm, unusable issuer key, or key/algorithm mismatch. RFC 5280 §6.1.3 (a)(1). */
  "unsupported-signature-algorithm",
  /** The signature does not verify with the issuer's public key. RFC 5280 §6.1.3 (a)(1). */
  "bad-signature",

  // ---- Search
  /** Path building stopped because a budget (signature checks, path nodes, name-constraint comparisons, policy tree size) ran out. */
  "budget-exceeded",
  /**
   * The certificate's issuer is there (name and signature match), but its subjectKeyIdentifier is not the key
   * identifier the certificate's authorityKeyIdentifier names, and the policy takes that as "not the issuer"
   * (keyIdMismatch: OpenSSL's X509_check_issued for any issuer, Java's trust-anchor selection for anchors).
   * RFC 5280 §4.2.1.1 makes the AKI an aid to path construction only.
   */
  "issuer-key-id-mismatch",
  /** No chain of issuers leads from the leaf to a trust anchor. RFC 5280 §6.1 (path construction is out of its scope; see RFC 4158). */
  "no-path-to-trust-anchor",
] as const;

export type FindingCode = (typeof FINDING_CODES)[number];

/** Higher is more specific. Derived from the order above so the list and the ranking cannot drift apart. */
export const RANK: Record<FindingCode, number> = Object.fromEntries(
  FINDING_CODES.map((c, i) => [c, FINDING_CODES.length - i]),
) as Record<FindingCode, number>;

/** Where a certificate sits in the path: 0 is the leaf, the last position is the trust anchor. */
export interface CertRef {
  position: number;
  role: "leaf" | "intermediate" | "anchor";
  /** RFC 4514 text of the subject: attacker-controlled data, never markup. */
  subject: string;
  /** A short label for sentences: the first CN, else the subject text (attacker-controlled data too). */
  label: string;
  /** SHA-256 of the certificate's DER, lowercase hex. */
  sha256: string;
}

export interface Finding {
  code: FindingCode;
  /** "error" rejects the path; "warning" is reported but does not (e.g. a code the caller chose to ignore). */
  severity: "error" | "warning";
  /** Technical detail: which field, which value. Values taken from certificates are data, not markup. */
  detail: string;
  /** The certificate the finding concerns (absent for findings about the whole search). */
  cert?: CertRef;
  /** For findings about a link (signatures): the issuing certificate. */
  issuer?: CertRef;
  /** Plain-language one-line message (from explain.ts). */
  message: string;
}

/**
 * A finding as the checks produce it: the certificate objects, not yet placed in a path. `build.ts` turns
 * it into a `Finding` once the path (and so the certificate's position) is known.
 */
export interface RawFinding {
  code: FindingCode;
  detail: string;
  cert?: Certificate;
  issuer?: Certificate;
  severity?: "error" | "warning";
}

/** The most specific code first; among equals, keep the order the checks found them in. */
export function byRank<T extends { code: FindingCode }>(a: T, b: T): number {
  return RANK[b.code] - RANK[a.code];
}
