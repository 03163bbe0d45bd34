/**
 * One plain-language line per finding, for people who are not PKI specialists.
 *
 * Certificate names are attacker-controlled: they are passed through `printable` (control characters
 * escaped, length bounded) and otherwise kept as plain text. Nothing here builds markup; a caller that
 * renders HTML must escape the message like any other text.
 */

import { printable } from "../x509/der.js";
import type { CertRef, Finding, FindingCode } from "./findings.js";

/** A short name for a certificate in a sentence: its role and its subject. */
export function describe(c: CertRef | undefined): string {
  if (!c) return "a certificate";
  const who =
    c.role === "leaf"
      ? "the certificate being checked"
      : c.role === "anchor"
        ? "the trusted root"
        : "the intermediate";
  const subject =
    c.label && c.label !== "(empty subject)" ? ` "${printable(c.label, 100)}"` : " (with an empty subject)";
  return `${who}${subject}`;
}

const TEMPLATES: Record<FindingCode, (f: Finding, c: string, i: string) => string> = {
  revoked: (_f, c) => `${cap(c)} has been revoked by its issuer.`,
  "crl-invalid": (_f, c) =>
    `The revocation list supplied for ${c} cannot be trusted, so its revocation status is unknown.`,
  "revocation-unknown": (_f, c) =>
    `Revocation checking is required, and no usable, current revocation list covers ${c}, so its revocation status is unknown.`,
  "hostname-mismatch": () => `The certificate being checked is not valid for the expected name.`,
  "cn-not-in-san": () =>
    `The certificate being checked has a common name that does not repeat one of its listed names, which browsers' rules forbid.`,
  "extended-key-usage": (_f, c) =>
    `${cap(c)} is not allowed to be used for this purpose (its extended key usage does not permit it).`,
  "key-usage": (_f, c) => `${cap(c)} does not allow its key to be used this way (key usage).`,
  expired: (_f, c) => `${cap(c)} has expired.`,
  "not-yet-valid": (_f, c) => `${cap(c)} is not valid yet.`,
  distrusted: (_f, c) => `This client no longer trusts the chain through ${c}.`,
  "client-policy": (_f, c) => `This client's own rules reject the chain at ${c}.`,
  "name-constraints-violated": (_f, c, i) =>
    `${cap(c)} contains a name that ${i} is not allowed to certify (name constraints).`,
  "policy-required": () => `The chain does not meet the required certificate policies.`,
  "invalid-policy-mapping": (_f, c) => `${cap(c)} maps certificate policies in a way the rules forbid.`,
  "path-length-exceeded": (_f, c) =>
    `${cap(c)} limits how many intermediates may follow it, and this chain has more.`,
  "max-depth-exceeded": () => `The chain is longer than the verifier allows.`,
  "ca-as-end-entity": () =>
    `The certificate being checked is a CA certificate, which browsers do not accept as a server or client certificate.`,
  "weak-key": (_f, c) => `${cap(c)} uses a key type or size that is not allowed.`,
  "weak-signature-algorithm": (_f, c) => `${cap(c)} is signed with an algorithm that is no longer accepted.`,
  "unknown-critical-extension": (_f, c) =>
    `${cap(c)} contains a critical extension the verifier does not understand, so it must be rejected.`,
  "malformed-certificate": () =>
    `One of the certificates sent is not a well-formed certificate, so clients abort the connection.`,
  "malformed-extension": (_f, c) => `${cap(c)} contains a malformed or duplicated extension.`,
  "extension-criticality": (_f, c) => `${cap(c)} marks an extension critical (or not) against the rules.`,
  "key-identifier": (_f, c) =>
    `${cap(c)} is missing or misuses the key identifiers used to link certificates.`,
  "invalid-name": (_f, c) => `${cap(c)} contains a malformed or empty name.`,
  "invalid-serial-number": (_f, c) =>
    `${cap(c)} has a serial number the rules forbid (zero, negative or too long).`,
  "unsupported-version": (_f, c) => `${cap(c)} is an old-format (version 1 or 2) certificate.`,
  "not-a-ca": (_f, c) => `${cap(c)} is not a CA certificate, so it cannot issue other certificates.`,
  "signature-algorithm-mismatch": (_f, c) =>
    `${cap(c)} names two different signature algorithms, which is forbidden.`,
  "unsupported-signature-algorithm": (_f, c, i) =>
    `The signature on ${c} by ${i} cannot be checked (unsupported algorithm or unusable key).`,
  "bad-signature": (_f, c, i) => `${cap(c)} was not signed by ${i}: the signature does not match.`,
  "budget-exceeded": () =>
    `The chain is too complex to check within the verifier's limits, so it is rejected.`,
  "issuer-key-id-mismatch": (_f, c) =>
    `${cap(c)} names its issuer's key by an identifier the issuer's certificate does not carry, so this client does not take that certificate for its issuer.`,
  "no-path-to-trust-anchor": (_f, c) =>
    `No chain could be built from ${c} to a trusted root (an intermediate is missing or the root is not trusted).`,
};

/** The plain-language line for a finding. */
export function explain(f: Finding): string {
  return TEMPLATES[f.code](f, describe(f.cert), f.issuer ? describe(f.issuer) : "its issuer");
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
