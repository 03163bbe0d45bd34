/**
 * PKCS#12 (.p12 / .pfx) reader: certificates and PKCS#8 private keys, with the integrity MAC checked.
 *
 * Handles what real tools write:
 * - OpenSSL 3 default: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for keys and certificates, HMAC-SHA256 MAC;
 * - `openssl pkcs12 -legacy`, old Windows, appliances: pbeWithSHAAnd40BitRC2-CBC for certificates,
 *   pbeWithSHAAnd3-KeyTripleDES-CBC for keys, HMAC-SHA1 MAC (RC2 comes from ./rc2.ts since Node lacks it);
 * - Java keytool (PKCS12 is its default store type since Java 9), including trusted-certificate-only
 *   stores; files without a MAC; BER-encoded files (Windows chunks its OCTET STRINGs).
 * Not handled (clear InputError): public-key integrity mode, envelopedData safes, RC4 and single-DES
 * ciphers, PBMAC1 (RFC 9579) MACs.
 *
 * Parsing uses the BER walker in ./ber.ts, not @peculiar/asn1-*: we need the exact certificate bytes,
 * BER tolerance, offset-bearing errors and hard caps, and the handful of structures here is small.
 *
 * Passwords and key bytes never appear in error messages.
 */
import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from "node:crypto";
import { BadPasswordError, InputError, LimitError } from "../errors.js";
import {
  BerReader,
  type ContainerReadOptions,
  concatBytes,
  MAX_CONTAINER_CERTIFICATES,
  Tag,
  TagClass,
  type Tlv,
  takeDerSequence,
  toHex,
} from "./ber.js";
import { bmpPassword, Pkcs12KeyId, pkcs12HashLength, pkcs12Kdf } from "./pkcs12-kdf.js";
import { rc2CbcDecrypt } from "./rc2.js";

export interface Pkcs12Certificate {
  der: Uint8Array;
  friendlyName?: string;
  /** The localKeyId attribute as lower-case hex; a key and its certificate share it. */
  localKeyId?: string;
}

export interface Pkcs12Key {
  /** PKCS#8 PrivateKeyInfo DER (loadable with crypto.createPrivateKey({format: "der", type: "pkcs8"})). */
  pkcs8: Uint8Array;
  friendlyName?: string;
  localKeyId?: string;
}

export interface Pkcs12Contents {
  certificates: Pkcs12Certificate[];
  keys: Pkcs12Key[];
}

/**
 * Highest iteration count we run for one key derivation. Real files: OpenSSL 3 writes 2,048, Java's
 * keytool 10,000, Windows 2,000; OWASP recommends 600,000 for PBKDF2-SHA256.
 */
export const MAX_PKCS12_ITERATIONS = 1_000_000;
/**
 * Budget for all key derivation in one file, in estimated nanoseconds (one second), so that many bags
 * with high counts cannot stall us either. The estimates are this machine's measured cost of one iteration
 * producing one hash-sized block (docs/decode.md, "Key derivation"): Node's native PBKDF2, and our
 * JavaScript PKCS#12 KDF (./iterated-hash.ts; SHA-384/512 fall back to createHash, much slower).
 */
export const MAX_KDF_NANOSECONDS = 1_000_000_000;
const PBKDF2_NS: Record<string, number> = { sha1: 300, sha224: 300, sha256: 300 };
const PBKDF2_NS_OTHER = 700;
const PKCS12_KDF_NS: Record<string, number> = { md5: 600, sha1: 600, sha224: 600, sha256: 600 };
const PKCS12_KDF_NS_OTHER = 2_000;
/** How deep safeContentsBag may nest (tools write 0; a hostile file could write thousands). */
const MAX_SAFE_CONTENTS_DEPTH = 4;

const OID = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  envelopedData: "1.2.840.113549.1.7.3",
  encryptedData: "1.2.840.113549.1.7.6",
  keyBag: "1.2.840.113549.1.12.10.1.1",
  pkcs8ShroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  safeContentsBag: "1.2.840.113549.1.12.10.1.6",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  friendlyName: "1.2.840.113549.1.9.20",
  localKeyId: "1.2.840.113549.1.9.21",
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  pbmac1: "1.2.840.113549.1.5.14",
  scrypt: "1.3.6.1.4.1.11591.4.11",
} as const;

/** Digests allowed for the PKCS#12 MAC (MacData.mac.digestAlgorithm), by OID. */
const MAC_HASHES: Record<string, string> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
  "2.16.840.1.101.3.4.2.4": "sha224",
  "2.16.840.1.101.3.4.2.5": "sha512-224",
  "2.16.840.1.101.3.4.2.6": "sha512-256",
  "1.2.840.113549.2.5": "md5",
};

/** PBKDF2 pseudo-random functions (hmacWith...), by OID. */
const PBKDF2_PRFS: Record<string, string> = {
  "1.2.840.113549.2.7": "sha1",
  "1.2.840.113549.2.8": "sha224",
  "1.2.840.113549.2.9": "sha256",
  "1.2.840.113549.2.10": "sha384",
  "1.2.840.113549.2.11": "sha512",
  "1.2.840.113549.2.12": "sha512-224",
  "1.2.840.113549.2.13": "sha512-256",
};

type CipherSpec =
  | { kind: "node"; name: string; keyLength: number; blockSize: number }
  | { kind: "rc2"; keyLength: number; effectiveBits: number; blockSize: 8 };

/** The PKCS#12 PBE schemes (RFC 7292 appendix C); key and IV come from the PKCS#12 KDF with SHA-1. */
const PKCS12_PBE: Record<string, CipherSpec | string> = {
  "1.2.840.113549.1.12.1.1": "pbeWithSHAAnd128BitRC4",
  "1.2.840.113549.1.12.1.2": "pbeWithSHAAnd40BitRC4",
  "1.2.840.113549.1.12.1.3": { kind: "node", name: "des-ede3-cbc", keyLength: 24, blockSize: 8 },
  // Two-key triple DES: Node (OpenSSL) calls it des-ede-cbc.
  "1.2.840.113549.1.12.1.4": { kind: "node", name: "des-ede-cbc", keyLength: 16, blockSize: 8 },
  "1.2.840.113549.1.12.1.5": { kind: "rc2", keyLength: 16, effectiveBits: 128, blockSize: 8 },
  "1.2.840.113549.1.12.1.6": { kind: "rc2", keyLength: 5, effectiveBits: 40, blockSize: 8 },
};

/** PBES2 encryption schemes, by OID. RC2-CBC's key size comes from the PBKDF2 parameters. */
const PBES2_CIPHERS: Record<string, CipherSpec | string> = {
  "2.16.840.1.101.3.4.1.2": { kind: "node", name: "aes-128-cbc", keyLength: 16, blockSize: 16 },
  "2.16.840.1.101.3.4.1.22": { kind: "node", name: "aes-192-cbc", keyLength: 24, blockSize: 16 },
  "2.16.840.1.101.3.4.1.42": { kind: "node", name: "aes-256-cbc", keyLength: 32, blockSize: 16 },
  "1.2.840.113549.3.7": { kind: "node", name: "des-ede3-cbc", keyLength: 24, blockSize: 8 },
  "1.2.840.113549.3.2": { kind: "rc2", keyLength: 16, effectiveBits: 32, blockSize: 8 },
  "1.3.14.3.2.7": "DES-CBC (single DES)",
};

/** PKCS#5 v1.5 (PBES1) schemes: all need single DES or are too rare to carry. Named for the error. */
const PBES1_NAMES: Record<string, string> = {
  "1.2.840.113549.1.5.1": "pbeWithMD2AndDES-CBC",
  "1.2.840.113549.1.5.3": "pbeWithMD5AndDES-CBC",
  "1.2.840.113549.1.5.4": "pbeWithMD2AndRC2-CBC",
  "1.2.840.113549.1.5.6": "pbeWithMD5AndRC2-CBC",
  "1.2.840.113549.1.5.10": "pbeWithSHA1AndDES-CBC",
  "1.2.840.113549.1.5.11": "pbeWithSHA1AndRC2-CBC",
};

/** State shared while walking one file. */
interface Walk {
  name: string;
  /** Encodings of the password to try with the PKCS#12 KDF (narrowed to one once the MAC matches). */
  bmpPasswords: Uint8Array[];
  /** The password for PBKDF2: UTF-8, as OpenSSL and Java use it. */
  utf8Password: Uint8Array;
  macVerified: boolean;
  /** Estimated nanoseconds of key derivation run so far, and the iteration counts that ran. */
  kdfNanoseconds: number;
  kdfIterations: number[];
  out: Pkcs12Contents;
}

/**
 * Reads a PKCS#12 file. `password` opens both the integrity MAC and the encrypted parts.
 * Throws BadPasswordError if the MAC does not match (or, for files without a MAC, if decryption fails),
 * InputError for malformed or unsupported files, LimitError past our caps.
 */
export function readPkcs12(
  der: Uint8Array,
  password: string,
  opts: ContainerReadOptions = {},
): Pkcs12Contents {
  const name = opts.name ?? "PKCS#12 file";
  const r: BerReader = new BerReader(der, name);
  const top = r.read(0);
  const pfx = r.sequence(top, "the PKCS#12 PFX");
  r.checkTrailing(top.end, "PKCS#12 structure");

  // PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }
  const version = r.smallInt(pfx[0], "the PKCS#12 version", top.start);
  if (version !== 3) {
    r.fail(
      pfx[0].start,
      `PKCS#12 version ${version} is not supported (only version 3 exists)`,
      "unsupported-format",
    );
  }
  const authSafe = r.sequence(pfx[1], "the authenticated-safe ContentInfo", top.contentEnd);
  const authType = r.oid(authSafe[0], "the authenticated-safe content type", pfx[1].start);
  if (authType === OID.signedData) {
    r.fail(
      pfx[1].start,
      "PKCS#12 public-key integrity mode (SignedData) is not supported",
      "unsupported-format",
    );
  }
  if (authType !== OID.data) {
    r.fail(pfx[1].start, `unexpected authenticated-safe content type ${authType} (expected data)`);
  }
  const authSafeBytes = explicitOctetString(r, authSafe[1], "the authenticated safe", pfx[1].contentEnd);
  if (pfx.length > 3) r.fail(pfx[3].start, "unexpected element after the MacData");

  const walk: Walk = {
    name,
    bmpPasswords: passwordCandidates(password),
    utf8Password: new TextEncoder().encode(password),
    macVerified: false,
    kdfNanoseconds: 0,
    kdfIterations: [],
    out: { certificates: [], keys: [] },
  };
  if (pfx[2] !== undefined) verifyMac(r, pfx[2], authSafeBytes, walk);

  // AuthenticatedSafe ::= SEQUENCE OF ContentInfo; each is plain data or password-encrypted data.
  const ar: BerReader = new BerReader(authSafeBytes, `${name} (authenticated safe)`);
  const asTop = ar.read(0);
  const infos = ar.sequence(asTop, "the AuthenticatedSafe", undefined, MAX_CONTAINER_CERTIFICATES);
  ar.checkTrailing(asTop.end, "AuthenticatedSafe");
  infos.forEach((info, i) => {
    const what = `safe ${i + 1}`;
    const ci = ar.sequence(info, `the ContentInfo of ${what}`);
    const type = ar.oid(ci[0], `the content type of ${what}`, info.start);
    let plain: Uint8Array;
    let label: string;
    if (type === OID.data) {
      plain = explicitOctetString(ar, ci[1], what, info.contentEnd);
      label = `${name} (${what})`;
    } else if (type === OID.encryptedData) {
      const decrypted = decryptEncryptedData(ar, ci[1], walk, what, info.contentEnd);
      if (decrypted === undefined) return;
      plain = decrypted;
      label = `${name} (decrypted ${what})`;
    } else if (type === OID.envelopedData) {
      ar.fail(
        info.start,
        `${what} is public-key encrypted (envelopedData), which is not supported`,
        "unsupported-format",
      );
    } else {
      ar.fail(info.start, `${what} has unsupported content type ${type}`, "unsupported-format");
    }
    const sr: BerReader = new BerReader(plain, label);
    const sTop = sr.read(0);
    readSafeContents(sr, sTop, walk, 0);
    sr.checkTrailing(sTop.end, "SafeContents");
  });
  return walk.out;
}

/** Cheap sniff: does this look like a PKCS#12 PFX? Never throws. */
export function isPkcs12(der: Uint8Array): boolean {
  try {
    const r: BerReader = new BerReader(der, "");
    const top = r.read(0);
    if (top.cls !== TagClass.Universal || top.tag !== Tag.Sequence || !top.constructed) return false;
    const version = r.read(top.contentStart, top.contentEnd);
    if (r.smallInt(version, "") !== 3) return false;
    const authSafe = r.read(version.end, top.contentEnd);
    if (authSafe.tag !== Tag.Sequence || !authSafe.constructed) return false;
    const type = r.oid(r.read(authSafe.contentStart, authSafe.contentEnd), "");
    return type === OID.data || type === OID.signedData;
  } catch {
    return false;
  }
}

/**
 * The ways the password may have been turned into bytes for the PKCS#12 KDF, most likely first.
 * - BMPString + terminator (RFC 7292; OpenSSL ≥ 1.1, Java, Windows).
 * - For non-ASCII passwords, each UTF-8 byte widened to 16 bits: OpenSSL before 1.1.0 did that, and
 *   OpenSSL 3 still falls back to it.
 * - For the empty password, no bytes at all: some tools pass a null password (OpenSSL tries both too).
 */
function passwordCandidates(password: string): Uint8Array[] {
  const out = [bmpPassword(password)];
  if (/[^\x00-\x7f]/.test(password)) {
    const utf8 = new TextEncoder().encode(password);
    const widened = new Uint8Array(utf8.length * 2 + 2);
    utf8.forEach((b, i) => {
      widened[2 * i + 1] = b;
    });
    out.push(widened);
  }
  if (password === "") out.push(new Uint8Array(0));
  return out;
}

/** What one key derivation is about to run, for chargeKdf. */
interface KdfCharge {
  /** What the count belongs to, e.g. "the MAC" or "the PBKDF2 key derivation of safe 1". */
  what: string;
  /** Where its parameters are. */
  at: number;
  kdf: "pbkdf2" | "pkcs12";
  hash: string;
  iterations: number;
  /** Hash-sized output blocks it computes (each is its own chain of iterations). */
  blocks: number;
}

/** Accounts for one key derivation before it runs, enforcing the per-derivation and per-file caps. */
function chargeKdf(r: BerReader, walk: Walk, c: KdfCharge): void {
  if (c.iterations < 1) r.fail(c.at, `${c.what}: the iteration count must be at least 1`);
  if (c.iterations > MAX_PKCS12_ITERATIONS) {
    throw new LimitError(
      `${r.where}: ${c.what} asks for ${count(c.iterations)} iterations; the limit is ${count(MAX_PKCS12_ITERATIONS)} (at byte offset ${c.at})`,
    );
  }
  const perIteration =
    c.kdf === "pbkdf2"
      ? (PBKDF2_NS[c.hash] ?? PBKDF2_NS_OTHER)
      : (PKCS12_KDF_NS[c.hash] ?? PKCS12_KDF_NS_OTHER);
  walk.kdfNanoseconds += c.iterations * c.blocks * perIteration;
  walk.kdfIterations.push(c.iterations);
  if (walk.kdfNanoseconds > MAX_KDF_NANOSECONDS) {
    throw new LimitError(
      `${walk.name}: its key derivations (${walk.kdfIterations.map(count).join(" + ")} iterations) ` +
        `would take more than our limit of ${MAX_KDF_NANOSECONDS / 1e9} s; refused`,
    );
  }
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

/**
 * MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }
 * The MAC is HMAC over the authenticated safe's content octets, keyed by the PKCS#12 KDF (ID 3).
 */
function verifyMac(r: BerReader, macTlv: Tlv, authSafe: Uint8Array, walk: Walk): void {
  const md = r.sequence(macTlv, "the MacData");
  const digestInfo = r.sequence(md[0], "the MAC DigestInfo", macTlv.contentEnd);
  const alg = r.sequence(digestInfo[0], "the MAC algorithm", md[0].contentEnd);
  const algOid = r.oid(alg[0], "the MAC algorithm", digestInfo[0].start);
  if (algOid === OID.pbmac1) {
    r.fail(macTlv.start, "PBMAC1 integrity (RFC 9579) is not supported yet", "unsupported-algorithm");
  }
  const hash = MAC_HASHES[algOid];
  if (hash === undefined) r.fail(alg[0].start, `unsupported MAC digest ${algOid}`, "unsupported-algorithm");
  const expected = r.octets(r.expect(digestInfo[1], TagClass.Universal, Tag.OctetString, "the MAC value"));
  const salt = r.octets(
    r.expect(md[1], TagClass.Universal, Tag.OctetString, "the MAC salt", macTlv.contentEnd),
  );
  const iterations = md[2] === undefined ? 1 : r.smallInt(md[2], "the MAC iteration count");
  const hashLength = pkcs12HashLength(hash)!;
  if (expected.length !== hashLength) {
    r.fail(digestInfo[1].start, `the MAC is ${expected.length} bytes; ${hash} gives ${hashLength}`);
  }
  for (const candidate of walk.bmpPasswords) {
    chargeKdf(r, walk, { what: "the MAC", at: macTlv.start, kdf: "pkcs12", hash, iterations, blocks: 1 });
    const key = pkcs12Kdf(hash, candidate, salt, iterations, Pkcs12KeyId.Mac, hashLength);
    const mac = createHmac(hash, key).update(authSafe).digest();
    if (timingSafeEqual(mac, expected)) {
      walk.bmpPasswords = [candidate];
      walk.macVerified = true;
      return;
    }
  }
  throw new BadPasswordError(`wrong password for ${walk.name} (the integrity check failed)`);
}

/** `[0] EXPLICIT OCTET STRING` (ContentInfo content of type data), tolerating BER chunking. */
function explicitOctetString(r: BerReader, tlv: Tlv | undefined, what: string, at: number): Uint8Array {
  const wrapper = r.expect(tlv, TagClass.Context, 0, `the content of ${what}`, at);
  const inner = r.children(wrapper);
  if (inner.length !== 1) r.fail(wrapper.start, `the content of ${what} holds ${inner.length} values, not 1`);
  return r.octets(r.expect(inner[0], TagClass.Universal, Tag.OctetString, `the content of ${what}`));
}

/**
 * EncryptedData ::= SEQUENCE { version INTEGER, encryptedContentInfo SEQUENCE { contentType,
 *   contentEncryptionAlgorithm, encryptedContent [0] IMPLICIT OCTET STRING OPTIONAL } }
 * Returns undefined when there is no encrypted content (an empty safe).
 */
function decryptEncryptedData(
  r: BerReader,
  tlv: Tlv | undefined,
  walk: Walk,
  what: string,
  at: number,
): Uint8Array | undefined {
  const wrapper = r.expect(tlv, TagClass.Context, 0, `the content of ${what}`, at);
  const inner = r.children(wrapper);
  if (inner.length !== 1) r.fail(wrapper.start, `the content of ${what} holds ${inner.length} values, not 1`);
  const ed = r.sequence(inner[0], `the EncryptedData of ${what}`);
  r.smallInt(ed[0], `the EncryptedData version of ${what}`, inner[0].start);
  const eci = r.sequence(ed[1], `the EncryptedContentInfo of ${what}`, inner[0].contentEnd);
  r.oid(eci[0], `the encrypted content type of ${what}`, ed[1].start);
  const content = eci[2];
  if (content === undefined) return undefined;
  // [0] IMPLICIT OCTET STRING: primitive in DER, a constructed run of chunks in BER.
  r.expect(content, TagClass.Context, 0, `the encrypted content of ${what}`);
  return decrypt(r, eci[1], r.octets(content), walk, what, ed[1].contentEnd);
}

/** SafeContents ::= SEQUENCE OF SafeBag; SafeBag ::= SEQUENCE { bagId, [0] EXPLICIT bagValue, attributes SET OPTIONAL } */
function readSafeContents(r: BerReader, tlv: Tlv, walk: Walk, depth: number): void {
  if (depth > MAX_SAFE_CONTENTS_DEPTH) {
    throw new LimitError(`${r.where}: safe contents nested more than ${MAX_SAFE_CONTENTS_DEPTH} deep`);
  }
  const bags = r.sequence(tlv, "the SafeContents", undefined, 2 * MAX_CONTAINER_CERTIFICATES);
  bags.forEach((bag, i) => {
    const what = `bag ${i + 1}`;
    const items = r.sequence(bag, `SafeBag ${i + 1}`);
    const bagId = r.oid(items[0], `the type of ${what}`, bag.start);
    const wrapper = r.expect(items[1], TagClass.Context, 0, `the value of ${what}`, bag.contentEnd);
    const values = r.children(wrapper);
    if (values.length !== 1)
      r.fail(wrapper.start, `the value of ${what} holds ${values.length} elements, not 1`);
    const value = values[0];
    const attrs = items[2] === undefined ? {} : readAttributes(r, items[2], what);

    switch (bagId) {
      case OID.keyBag:
        addKey(walk, r, { pkcs8: takeDerSequence(r, value, `the private key in ${what}`), ...attrs });
        break;
      case OID.pkcs8ShroudedKeyBag: {
        // EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm, encryptedData OCTET STRING }
        const epki = r.sequence(value, `the EncryptedPrivateKeyInfo in ${what}`);
        const data = r.expect(
          epki[1],
          TagClass.Universal,
          Tag.OctetString,
          "the encrypted key",
          value.contentEnd,
        );
        const plain = decrypt(r, epki[0], r.octets(data), walk, `the private key in ${what}`, value.start);
        addKey(walk, r, { pkcs8: Uint8Array.from(plain), ...attrs });
        break;
      }
      case OID.certBag: {
        // CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT OCTET STRING }
        const cb = r.sequence(value, `the CertBag in ${what}`);
        const certType = r.oid(cb[0], `the certificate type in ${what}`, value.start);
        if (certType !== OID.x509Certificate) break; // SDSI certificates: nothing a TLS client uses
        const der = explicitOctetString(r, cb[1], `the certificate in ${what}`, value.contentEnd);
        const cr: BerReader = new BerReader(der, `${r.where}, the certificate in ${what}`);
        const certTlv = cr.read(0);
        if (certTlv.end !== der.length) cr.fail(certTlv.end, "unexpected bytes after the certificate");
        if (walk.out.certificates.length >= MAX_CONTAINER_CERTIFICATES) {
          throw new LimitError(`${walk.name}: more than ${MAX_CONTAINER_CERTIFICATES} certificates`);
        }
        walk.out.certificates.push({ der: takeDerSequence(cr, certTlv, "the certificate"), ...attrs });
        break;
      }
      case OID.safeContentsBag:
        readSafeContents(r, value, walk, depth + 1);
        break;
      default:
        // crlBag, secretBag and unknown bags carry nothing we report.
        break;
    }
  });
}

function addKey(walk: Walk, r: BerReader, key: Pkcs12Key): void {
  if (walk.out.keys.length >= MAX_CONTAINER_CERTIFICATES) {
    throw new LimitError(`${r.where}: more than ${MAX_CONTAINER_CERTIFICATES} private keys`);
  }
  walk.out.keys.push(key);
}

/** Bag attributes: SET OF SEQUENCE { attrId OID, attrValues SET }. We keep friendlyName and localKeyId. */
function readAttributes(
  r: BerReader,
  tlv: Tlv,
  what: string,
): { friendlyName?: string; localKeyId?: string } {
  const set = r.expect(tlv, TagClass.Universal, Tag.Set, `the attributes of ${what}`);
  const out: { friendlyName?: string; localKeyId?: string } = {};
  for (const attr of r.children(set, 1000, "attributes")) {
    const a = r.sequence(attr, `an attribute of ${what}`);
    const id = r.oid(a[0], `an attribute type of ${what}`, attr.start);
    const valueSet = r.expect(
      a[1],
      TagClass.Universal,
      Tag.Set,
      `the values of an attribute of ${what}`,
      attr.contentEnd,
    );
    const first = r.children(valueSet, 1000, "attribute values")[0];
    if (first === undefined || first.cls !== TagClass.Universal) continue;
    if (id === OID.friendlyName) {
      if (first.tag === Tag.BmpString) {
        const c = r.octets(first);
        if (c.length % 2 !== 0) r.fail(first.start, `the friendlyName of ${what} has an odd number of bytes`);
        // Decode UTF-16BE by swapping into a little-endian copy; drop a trailing NUL some tools add.
        const le = Buffer.alloc(c.length);
        for (let i = 0; i < c.length; i += 2) {
          le[i] = c[i + 1];
          le[i + 1] = c[i];
        }
        out.friendlyName = le.toString("utf16le").replace(/\0+$/, "");
      } else if (first.tag === Tag.Utf8String) {
        out.friendlyName = new TextDecoder().decode(r.octets(first));
      }
    } else if (id === OID.localKeyId && first.tag === Tag.OctetString) {
      out.localKeyId = toHex(r.octets(first));
    }
  }
  return out;
}

/**
 * Decrypts `data` with the password-based scheme named by the AlgorithmIdentifier `algTlv`.
 * A padding or structure failure means a wrong password (or a different one than the MAC's).
 */
function decrypt(
  r: BerReader,
  algTlv: Tlv | undefined,
  data: Uint8Array,
  walk: Walk,
  what: string,
  at: number,
): Uint8Array {
  const alg = r.sequence(algTlv, `the encryption algorithm of ${what}`, at);
  const oid = r.oid(alg[0], `the encryption algorithm of ${what}`, algTlv!.start);

  const pkcs12Spec = PKCS12_PBE[oid];
  if (pkcs12Spec !== undefined) {
    if (typeof pkcs12Spec === "string") {
      r.fail(
        algTlv!.start,
        `${what} is encrypted with ${pkcs12Spec}, which is not supported`,
        "unsupported-algorithm",
      );
    }
    // pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }
    const params = r.sequence(alg[1], `the PBE parameters of ${what}`, algTlv!.contentEnd);
    const salt = r.octets(
      r.expect(params[0], TagClass.Universal, Tag.OctetString, "the PBE salt", alg[1].contentEnd),
    );
    const iterations = r.smallInt(params[1], "the PBE iteration count", alg[1].contentEnd);
    checkBlocks(r, data, pkcs12Spec.blockSize, what, at);
    for (const password of walk.bmpPasswords) {
      // Key and IV: one SHA-1 chain per 20 bytes of output.
      const blocks = Math.ceil(pkcs12Spec.keyLength / 20) + 1;
      const charge = { what: `the encryption of ${what}`, at: algTlv!.start, hash: "sha1" };
      chargeKdf(r, walk, { ...charge, kdf: "pkcs12", iterations, blocks });
      const key = pkcs12Kdf("sha1", password, salt, iterations, Pkcs12KeyId.Key, pkcs12Spec.keyLength);
      const iv = pkcs12Kdf("sha1", password, salt, iterations, Pkcs12KeyId.Iv, 8);
      const plain = unpadAndCheck(runCipher(pkcs12Spec, key, iv, data), pkcs12Spec.blockSize);
      if (plain !== undefined) return plain;
    }
    return decryptionFailed(walk, what);
  }

  if (oid === OID.pbes2) return decryptPbes2(r, alg, algTlv!, data, walk, what);

  const pbes1 = PBES1_NAMES[oid];
  r.fail(
    algTlv!.start,
    `${what} is encrypted with ${pbes1 ?? `unknown algorithm ${oid}`}, which is not supported`,
    "unsupported-algorithm",
  );
}

/**
 * PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier, encryptionScheme AlgorithmIdentifier }
 * PBKDF2-params ::= SEQUENCE { salt OCTET STRING, iterationCount INTEGER, keyLength INTEGER OPTIONAL,
 *   prf AlgorithmIdentifier DEFAULT hmacWithSHA1 }
 */
function decryptPbes2(
  r: BerReader,
  alg: Tlv[],
  algTlv: Tlv,
  data: Uint8Array,
  walk: Walk,
  what: string,
): Uint8Array {
  const params = r.sequence(alg[1], `the PBES2 parameters of ${what}`, algTlv.contentEnd);
  const kdf = r.sequence(params[0], `the PBES2 key derivation of ${what}`, alg[1].contentEnd);
  const kdfOid = r.oid(kdf[0], "the PBES2 key derivation function", params[0].start);
  if (kdfOid !== OID.pbkdf2) {
    const kdfName = kdfOid === OID.scrypt ? "scrypt" : kdfOid;
    r.fail(
      params[0].start,
      `${what} uses key derivation ${kdfName}, which is not supported`,
      "unsupported-algorithm",
    );
  }
  const kp = r.sequence(kdf[1], "the PBKDF2 parameters", params[0].contentEnd);
  if (kp[0] !== undefined && kp[0].tag !== Tag.OctetString) {
    r.fail(kp[0].start, "PBKDF2 salts from another source are not supported", "unsupported-algorithm");
  }
  const salt = r.octets(
    r.expect(kp[0], TagClass.Universal, Tag.OctetString, "the PBKDF2 salt", kdf[1].contentEnd),
  );
  const iterations = r.smallInt(kp[1], "the PBKDF2 iteration count", kdf[1].contentEnd);
  let next = 2;
  let keyLength: number | undefined;
  if (kp[next]?.cls === TagClass.Universal && kp[next]?.tag === Tag.Integer) {
    keyLength = r.smallInt(kp[next], "the PBKDF2 key length");
    next++;
  }
  let prf = "sha1";
  if (kp[next] !== undefined) {
    const prfAlg = r.sequence(kp[next], "the PBKDF2 PRF");
    const prfOid = r.oid(prfAlg[0], "the PBKDF2 PRF", kp[next].start);
    const known = PBKDF2_PRFS[prfOid];
    if (known === undefined)
      r.fail(kp[next].start, `unsupported PBKDF2 PRF ${prfOid}`, "unsupported-algorithm");
    prf = known;
  }

  const enc = r.sequence(params[1], `the PBES2 encryption scheme of ${what}`, alg[1].contentEnd);
  const encOid = r.oid(enc[0], "the PBES2 encryption scheme", params[1].start);
  const known = PBES2_CIPHERS[encOid];
  if (known === undefined || typeof known === "string") {
    r.fail(
      params[1].start,
      `${what} is encrypted with ${known ?? encOid}, which is not supported`,
      "unsupported-algorithm",
    );
  }
  let spec: CipherSpec = known;
  let iv: Uint8Array;
  if (spec.kind === "rc2") {
    // RC2-CBC-Parameter ::= SEQUENCE { rc2ParameterVersion INTEGER OPTIONAL, iv OCTET STRING }
    const rp = r.sequence(enc[1], "the RC2 parameters", params[1].contentEnd);
    let effectiveBits = 32; // RFC 8018 B.2.3: absent version means 32 effective bits
    if (rp.length > 1) {
      const v = r.smallInt(rp[0], "the RC2 parameter version");
      const versions: Record<number, number> = { 160: 40, 120: 64, 58: 128 };
      effectiveBits =
        v >= 256 ? v : (versions[v] ?? r.fail(rp[0].start, `unknown RC2 parameter version ${v}`));
      if (effectiveBits > 1024) r.fail(rp[0].start, `RC2 effective key size ${effectiveBits} is too large`);
    }
    iv = r.octets(
      r.expect(rp[rp.length - 1], TagClass.Universal, Tag.OctetString, "the RC2 IV", enc[1].contentEnd),
    );
    const len = keyLength ?? 16;
    if (len < 1 || len > 128) r.fail(kdf[1].start, `RC2 key length ${len} is out of range`);
    spec = { kind: "rc2", keyLength: len, effectiveBits, blockSize: 8 };
  } else {
    iv = r.octets(
      r.expect(enc[1], TagClass.Universal, Tag.OctetString, "the cipher IV", params[1].contentEnd),
    );
    if (keyLength !== undefined && keyLength !== spec.keyLength) {
      r.fail(kdf[1].start, `PBKDF2 key length ${keyLength} does not fit ${spec.name}`);
    }
  }
  const ivLength = spec.kind === "node" ? spec.blockSize : 8;
  if (iv.length !== ivLength) r.fail(enc[1].start, `the IV is ${iv.length} bytes, expected ${ivLength}`);
  checkBlocks(r, data, spec.blockSize, what, algTlv.start);

  const hashLength = pkcs12HashLength(prf) ?? 20;
  chargeKdf(r, walk, {
    what: `the PBKDF2 key derivation of ${what}`,
    at: algTlv.start,
    kdf: "pbkdf2",
    hash: prf,
    iterations,
    blocks: Math.ceil(spec.keyLength / hashLength),
  });
  const key = pbkdf2Sync(walk.utf8Password, salt, iterations, spec.keyLength, prf);
  const plain = unpadAndCheck(runCipher(spec, key, iv, data), spec.blockSize);
  return plain ?? decryptionFailed(walk, what);
}

function checkBlocks(r: BerReader, data: Uint8Array, blockSize: number, what: string, at: number): void {
  if (data.length === 0 || data.length % blockSize !== 0) {
    r.fail(
      at,
      `the encrypted data of ${what} is ${data.length} bytes, not a whole number of ${blockSize}-byte blocks`,
    );
  }
}

/** Raw CBC decryption without padding removal (we check padding ourselves, uniformly). */
function runCipher(spec: CipherSpec, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (spec.kind === "rc2") return rc2CbcDecrypt(key, spec.effectiveBits, iv, data);
  const d = createDecipheriv(spec.name, key, iv);
  d.setAutoPadding(false);
  return concatBytes([d.update(data), d.final()]);
}

/**
 * Strips PKCS#7 padding and checks the plaintext is one ASN.1 SEQUENCE filling it exactly (both
 * SafeContents and PrivateKeyInfo are). With a wrong password, random padding passes about 1 time in
 * 256; the structure check catches nearly all of those. Returns undefined on failure.
 */
function unpadAndCheck(raw: Uint8Array, blockSize: number): Uint8Array | undefined {
  const pad = raw[raw.length - 1];
  if (raw.length === 0 || pad < 1 || pad > blockSize || pad > raw.length) return undefined;
  for (let i = raw.length - pad; i < raw.length; i++) if (raw[i] !== pad) return undefined;
  const plain = raw.subarray(0, raw.length - pad);
  try {
    const t = new BerReader(plain, "").read(0);
    if (t.cls !== TagClass.Universal || t.tag !== Tag.Sequence || !t.constructed || t.end !== plain.length) {
      return undefined;
    }
  } catch (e) {
    if (e instanceof InputError) return undefined;
    throw e;
  }
  return plain;
}

function decryptionFailed(walk: Walk, what: string): never {
  if (walk.macVerified) {
    throw new BadPasswordError(
      `wrong password for ${walk.name}: the integrity check passed but ${what} could not be decrypted ` +
        "(was it encrypted with a different password?)",
    );
  }
  throw new BadPasswordError(`wrong password for ${walk.name} (could not decrypt ${what})`);
}
