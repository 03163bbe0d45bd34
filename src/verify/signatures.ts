/**
 * Signature checks with a cache per (subject, issuer key) pair.
 *
 * The outcome depends only on the subject's signed bytes and algorithm and on the issuer's
 * SubjectPublicKeyInfo, so it is cached per subject Certificate (a WeakMap, so it lives exactly as long as
 * the caller keeps the certificates) and issuer SPKI: a path builder asks the same question many times
 * (cross-signs, which are copies of one key; several candidate paths through one intermediate; the same
 * intermediate across many verifications of one server's leaves, and across the clients of one report),
 * and one ECDSA P-256 verification costs ~100 µs here. The cache only makes answers faster: budgets count
 * the questions a search asks (build.ts), never whether the cache knew the answer.
 */

import {
  constants,
  createPublicKey,
  verify as cryptoVerify,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";
import { type Certificate, verifySignature } from "../x509/certificate.js";
import { bytesEqual } from "../x509/der.js";
import { memoOf } from "./memo.js";
import { selfIssued } from "./names.js";

export type SignatureOutcome =
  | { ok: true }
  | { ok: false; code: "bad-signature" | "unsupported-signature-algorithm"; detail: string };

const OK: SignatureOutcome = { ok: true };

/** The issuer's key as a cache key: its SubjectPublicKeyInfo DER, as text. */
export function signatureKey(issuer: Certificate): string {
  const memo = memoOf(issuer);
  let k = memo.signatureKey;
  if (k === undefined) {
    const spki = issuer.publicKey.spki;
    k = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength).toString("latin1");
    memo.signatureKey = k;
  }
  return k;
}

/** Verify `subject`'s signature with `issuer`'s key (cached). */
export function checkSignature(subject: Certificate, issuer: Certificate): SignatureOutcome {
  const memo = memoOf(subject);
  let m = memo.signatures;
  if (!m) {
    m = new Map();
    memo.signatures = m;
  }
  const key = signatureKey(issuer);
  let r = m.get(key);
  if (r === undefined) {
    r = compute(subject, issuer);
    m.set(key, r);
  }
  return r;
}

/**
 * Certificate.selfSigned through this cache: the same answer, without another key import and verification
 * for every self-issued certificate of a long same-name chain, in every client's checks.
 */
export function selfSigned(c: Certificate): boolean {
  // A bundled root's answer was recorded when its data was generated (Certificate.recordSelfSigned):
  // Java's and Salesforce's models keep only self-signed anchors, and checking 121 roots' signatures
  // again cost a verdict against the default store ~120 ms.
  const known = c.selfSignedIfKnown;
  if (known !== undefined) return known;
  const answer = selfIssued(c) && !c.namesAnotherSigner && checkSignature(c, c).ok;
  c.recordSelfSigned(answer);
  return answer;
}

function compute(subject: Certificate, issuer: Certificate): SignatureOutcome {
  const v = fastVerify(subject, issuer) ?? verifySignature(subject, issuer);
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

// ---------------------------------------------------------------------------------------------------------
// Fast key imports.
//
// A verification of a freshly seen chain pays one key import per issuer, and node:crypto (OpenSSL 3's
// decoders) imports a SubjectPublicKeyInfo far more slowly than the same key in a narrower format: an EC key
// from JWK in about half the time (~100 µs against ~200 µs here), an RSA-2048 key from its PKCS#1
// RSAPublicKey (the SPKI's subjectPublicKey) 10–20 times faster (~40 µs against ~500–800 µs; bench/verify.ts
// prints both). For the common cases (ECDSA with SHA-2 by a named-curve P-256/384/521 key with an
// uncompressed point; RSA PKCS#1 v1.5 with SHA-1/SHA-2 by an rsaEncryption key whose parameters are NULL) we
// hand node:crypto the key that way (in that form on its first use, as a KeyObject from its second:
// FAST_KEYS); everything else, and any key node:crypto refuses, goes through verifySignature unchanged.
// TODO(x509): Certificate.keyObject() could do this itself; then this block goes away.

const ECDSA_HASH: Record<string, string> = {
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
};
const RSA_PKCS1_HASH: Record<string, string> = {
  "1.2.840.113549.1.1.5": "sha1",
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  "1.2.840.113549.1.1.14": "sha224",
};
const CURVE_BYTES: Record<string, number> = { "P-256": 32, "P-384": 48, "P-521": 66 };
/** AlgorithmIdentifier { rsaEncryption, NULL }: the only RSA SPKI form imported from its PKCS#1 key. */
const RSA_ENCRYPTION_NULL = Buffer.from("300d06092a864886f70d0101010500", "hex");
/**
 * Issuer keys by SubjectPublicKeyInfo (signatureKey), not by certificate: cross-signed copies of one CA and a
 * server's intermediates parsed afresh for every report share one import (a mesh of 40 cross-signed CAs sends
 * 1,560 certificates but only 40 keys). A key used once is handed to node:crypto in its narrow form (KeyInput)
 * and decoded there for that one check: making a KeyObject of it first cost ~15–20 µs more here, and a fresh
 * chain's intermediate key serves one check. Only that it was seen is kept (SEEN: the narrow form is made
 * again from the issuer, whose bytes are the same, rather than a copy of it kept for every fresh key). Its
 * second use imports it as a KeyObject, kept for every later check (the root of a store, one server's
 * intermediate across its leaves). null: no narrow form, or node:crypto refused it. Bounded as
 * certificate.ts's KEY_CACHE is.
 */
type KeyCache = Map<string, KeyObject | typeof SEEN | null>;
const FAST_KEYS: KeyCache = new Map();
const FAST_KEYS_SIZE = 1000;
/**
 * Leaf keys checking a TLS 1.3 CertificateVerify (checkTls13Signature), apart from issuer keys: a scan of a
 * fleet of distinct leaves would otherwise fill FAST_KEYS and wipe the roots' and intermediates' imports with it.
 */
const LEAF_KEYS: KeyCache = new Map();
const SEEN = Symbol("seen once");

/** A public key in the narrow form createPublicKey and crypto.verify take (PKCS#1 DER or JWK). */
type KeyInput = { key: Buffer; format: "der"; type: "pkcs1" } | { key: JsonWebKey; format: "jwk" };

function fastKey(issuer: Certificate, cache: KeyCache = FAST_KEYS): KeyObject | KeyInput | null {
  const spki = signatureKey(issuer);
  const k = cache.get(spki);
  if (k === undefined) {
    const input = keyInput(issuer);
    if (cache.size >= FAST_KEYS_SIZE) cache.clear();
    cache.set(spki, input ? SEEN : null);
    return input;
  }
  if (k !== SEEN) return k;
  const input = keyInput(issuer);
  return input && importKey(spki, input, cache);
}

function keyInput(issuer: Certificate): KeyInput | null {
  return issuer.publicKey.algorithm === "EC" ? ecKeyInput(issuer) : rsaKeyInput(issuer);
}

function isKeyObject(k: KeyObject | KeyInput): k is KeyObject {
  return !("format" in k);
}

/** `input` imported as a KeyObject and kept, or null (kept too) when node:crypto refuses it. */
function importKey(spki: string, input: KeyInput, cache: KeyCache = FAST_KEYS): KeyObject | null {
  let k: KeyObject | null;
  try {
    k = createPublicKey(input);
  } catch {
    k = null; // let verifySignature produce its own error for this key
  }
  cache.set(spki, k);
  return k;
}

/**
 * Forget every imported issuer key, so that the next verification of any chain imports its keys again: for
 * benchmarks that measure cold validation in rounds (bench/verify.ts). Verdicts never depend on it.
 */
export function forgetImportedKeys(): void {
  FAST_KEYS.clear();
  LEAF_KEYS.clear();
}

function ecKeyInput(issuer: Certificate): KeyInput | null {
  const pk = issuer.publicKey;
  const size = pk.curve ? CURVE_BYTES[pk.curve] : undefined;
  const point = pk.keyBytes;
  if (!size || point.length !== 1 + 2 * size || point[0] !== 0x04) return null;
  const jwk = {
    kty: "EC",
    crv: pk.curve,
    x: Buffer.from(point.buffer, point.byteOffset + 1, size).toString("base64url"),
    y: Buffer.from(point.buffer, point.byteOffset + 1 + size, size).toString("base64url"),
  };
  return { key: jwk, format: "jwk" };
}

function rsaKeyInput(issuer: Certificate): KeyInput | null {
  const pk = issuer.publicKey;
  if (pk.algorithm !== "RSA") return null;
  // The SPKI's AlgorithmIdentifier follows its outer header (2 bytes, or 2 + the length's own bytes).
  const spki = pk.spki;
  const at = spki[1] & 0x80 ? 2 + (spki[1] & 0x7f) : 2;
  if (!bytesEqual(spki.subarray(at, at + RSA_ENCRYPTION_NULL.length), RSA_ENCRYPTION_NULL)) return null;
  // A view, not a copy: the input serves the check at hand (or an import) and is not kept.
  const key = pk.keyBytes;
  return { key: Buffer.from(key.buffer, key.byteOffset, key.byteLength), format: "der", type: "pkcs1" };
}

/** true/false when a fast path applies, undefined when verifySignature must decide. */
function fastVerify(subject: Certificate, issuer: Certificate): boolean | undefined {
  const alg = subject.signatureAlgorithm;
  const kind = issuer.publicKey.algorithm;
  let hash: string | undefined;
  if (kind === "EC") hash = alg.params ? undefined : ECDSA_HASH[alg.oid];
  else if (kind === "RSA") {
    // RFC 4055: PKCS#1 v1.5 identifiers carry NULL parameters or none (verifySignature's rule).
    const nullOrNone =
      !alg.params || (alg.params.length === 2 && alg.params[0] === 0x05 && alg.params[1] === 0);
    hash = nullOrNone ? RSA_PKCS1_HASH[alg.oid] : undefined;
  }
  if (!hash) return undefined;
  const key = fastKey(issuer);
  if (!key) return undefined;
  try {
    return cryptoVerify(hash, subject.tbs, key, subject.signatureValue);
  } catch {
    if (isKeyObject(key)) return false;
    // Decoding the key may be what failed: decide as an import would have (a refused key goes to
    // verifySignature), then check with the imported key.
    const imported = importKey(signatureKey(issuer), key);
    if (!imported) return undefined;
    try {
      return cryptoVerify(hash, subject.tbs, imported, subject.signatureValue);
    } catch {
      return false;
    }
  }
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

/**
 * The TLS 1.3 signature schemes a server's CertificateVerify may use (RFC 8446 4.2.3) that node:crypto checks
 * against a certificate's key: ECDSA on the scheme's own curve, RSASSA-PSS with an rsaEncryption key (salt as
 * long as the hash, RFC 8446 4.2.3), EdDSA. rsa_pss_pss_* (an RSASSA-PSS key) and PKCS#1 v1.5 (never in TLS
 * 1.3's CertificateVerify) are not here: whoever asks is told so (undefined) and decides by other means.
 */
const TLS13_SCHEMES: Record<number, { key: string; hash: string | null; curve?: string }> = {
  1027: { key: "EC", hash: "sha256", curve: "P-256" },
  1283: { key: "EC", hash: "sha384", curve: "P-384" },
  1539: { key: "EC", hash: "sha512", curve: "P-521" },
  2052: { key: "RSA", hash: "sha256" },
  2053: { key: "RSA", hash: "sha384" },
  2054: { key: "RSA", hash: "sha512" },
  2055: { key: "Ed25519", hash: null },
  2056: { key: "Ed448", hash: null },
};

/**
 * A TLS 1.3 CertificateVerify signature (`scheme`, RFC 8446 4.4.3) over `content`, checked with `leaf`'s key,
 * which is imported the way issuer keys are (fastKey, in a cache of its own: a server's leaf recurs across a
 * scan's names, and a fleet's distinct leaves must not push the issuers' keys out). true or
 * false; undefined when the scheme does not fit the key or is not one node:crypto checks here.
 */
export function checkTls13Signature(
  leaf: Certificate,
  scheme: number,
  content: Uint8Array,
  signature: Uint8Array,
): boolean | undefined {
  const s = TLS13_SCHEMES[scheme];
  const pk = leaf.publicKey;
  if (!s || s.key !== pk.algorithm || (s.curve && s.curve !== pk.curve)) return undefined;
  if (s.hash === null) {
    const key = leaf.keyObject();
    if (key instanceof Error) return undefined;
    try {
      return cryptoVerify(null, content, key, signature);
    } catch {
      return false;
    }
  }
  const key = fastKey(leaf, LEAF_KEYS);
  if (!key) return undefined;
  const pss =
    s.key === "RSA"
      ? {
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: s.hash === "sha256" ? 32 : s.hash === "sha384" ? 48 : 64,
        }
      : {};
  try {
    return cryptoVerify(s.hash, content, isKeyObject(key) ? { key, ...pss } : { ...key, ...pss }, signature);
  } catch {
    if (isKeyObject(key)) return false;
    // Decoding the key may be what failed: a key node:crypto refuses is not this check's to judge.
    const imported = importKey(signatureKey(leaf), key, LEAF_KEYS);
    if (!imported) return undefined;
    try {
      return cryptoVerify(s.hash, content, { key: imported, ...pss }, signature);
    } catch {
      return false;
    }
  }
}
