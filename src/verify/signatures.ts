/**
 * Signature checks with a cache per (subject, issuer) pair.
 *
 * The cache is keyed on the Certificate objects (a WeakMap, so it lives exactly as long as the caller keeps
 * the certificates): a path builder asks the same question many times (cross-signs, several candidate
 * paths through one intermediate, the same intermediate across many verifications of one server's leaves),
 * and one ECDSA P-256 verification costs ~100 µs here.
 */

import { type Certificate, verifySignature } from "../x509/certificate.js";
import { bytesEqual } from "../x509/der.js";

export type SignatureOutcome =
  | { ok: true }
  | { ok: false; code: "bad-signature" | "unsupported-signature-algorithm"; detail: string };

const CACHE = new WeakMap<Certificate, WeakMap<Certificate, SignatureOutcome>>();

const OK: SignatureOutcome = { ok: true };

/** The cached outcome, or undefined when this pair has not been checked yet. */
export function cachedSignature(subject: Certificate, issuer: Certificate): SignatureOutcome | undefined {
  return CACHE.get(subject)?.get(issuer);
}

/** Verify `subject`'s signature with `issuer`'s key (cached). */
export function checkSignature(subject: Certificate, issuer: Certificate): SignatureOutcome {
  let m = CACHE.get(subject);
  if (!m) {
    m = new WeakMap();
    CACHE.set(subject, m);
  }
  let r = m.get(issuer);
  if (r === undefined) {
    r = compute(subject, issuer);
    m.set(issuer, r);
  }
  return r;
}

function compute(subject: Certificate, issuer: Certificate): SignatureOutcome {
  const v = verifySignature(subject, issuer);
  if (v === true) return OK;
  if (v === false) {
    return {
      ok: false,
      code: "bad-signature",
      detail: `${subject.signatureAlgorithm.name} signature does not verify with the issuer's ${keyText(issuer)} key`,
    };
  }
  return { ok: false, code: "unsupported-signature-algorithm", detail: v.message };
}

function keyText(c: Certificate): string {
  const k = c.publicKey;
  if (k.algorithm === "EC") return `EC ${k.curve ?? ""}`.trim();
  return k.bits ? `${k.algorithm} ${k.bits}-bit` : k.algorithm;
}

/** RFC 5280 §4.1.1.2: the outer signatureAlgorithm must equal TBSCertificate.signature, byte for byte. */
export function algorithmsConsistent(c: Certificate): boolean {
  return bytesEqual(c.signatureAlgorithm.der, c.tbsSignatureAlgorithm.der);
}
