/**
 * Java keystores in Sun's proprietary formats: JKS (magic 0xFEEDFEED) and JCEKS (magic 0xCECECECE).
 * Java 9+ keytool defaults to PKCS#12 (see ./pkcs12.ts), but JKS truststores are still everywhere.
 *
 * Layout (sun.security.provider.JavaKeyStore / com.sun.crypto.provider.JceKeyStore), big-endian:
 *   magic u32, version u32 (1 or 2), count u32, then per entry:
 *     tag u32 (1 private key, 2 trusted certificate, 3 JCEKS secret key), alias (Java modified UTF-8
 *     with a u16 length), creation date (u64 ms since the epoch), then
 *     key entry:     u32 length + EncryptedPrivateKeyInfo DER, u32 chain length, certificates
 *     trusted entry: one certificate
 *   where a certificate is [version 2: type as UTF, "X.509"] u32 length + DER;
 *   and finally SHA-1(password as UTF-16BE || "Mighty Aphrodite" || all preceding bytes).
 *
 * Private keys are recovered with the password too (we assume, as keytool does by default, that the
 * key password equals the store password):
 *   JKS   Sun's KeyProtector (OID 1.3.6.1.4.1.42.2.17.1.1): a SHA-1 keystream XOR with salt and check digest;
 *   JCEKS PBEWithMD5AndTripleDES (OID 1.3.6.1.4.1.42.2.19.1), Sun's own MD5-based PBE with 3DES-CBC.
 * JCEKS secret-key entries are Java-serialized objects with no length prefix: we cannot skip them,
 * so a keystore holding one is refused with a clear InputError.
 */
import { createDecipheriv, createHash, timingSafeEqual } from "node:crypto";
import { parseCertificate } from "../certificate.js";
import { BadPasswordError, InputError, LimitError } from "../errors.js";
import {
  BerReader,
  type ContainerReadOptions,
  concatBytes,
  MAX_CONTAINER_CERTIFICATES,
  Tag,
  TagClass,
  takeDerSequence,
} from "./ber.js";
import { iterateHash } from "./iterated-hash.js";

export type JksEntry =
  | { kind: "trusted"; alias: string; date: Date; certificate: Uint8Array }
  | { kind: "key"; alias: string; date: Date; pkcs8: Uint8Array; chain: Uint8Array[] };

export interface JksContents {
  format: "jks" | "jceks";
  entries: JksEntry[];
}

const JKS_MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece;
const OID_SUN_KEY_PROTECTOR = "1.3.6.1.4.1.42.2.17.1.1";
const OID_PBE_MD5_3DES = "1.3.6.1.4.1.42.2.19.1";
/**
 * Highest iteration count we run for one JCEKS key (Java itself refuses more than 5,000,000; keytool
 * writes 200,000). Each iteration is two MD5 rounds of about 0.5 µs here (./iterated-hash.ts).
 */
export const MAX_JCEKS_ITERATIONS = 1_000_000;
/** MD5 rounds we run for all JCEKS keys of one keystore: about 1 s here, or 5 keys at keytool's 200,000. */
const MAX_JCEKS_ROUNDS = 2 * MAX_JCEKS_ITERATIONS;

/** True if the bytes start with the JKS magic number. */
export function isJks(bytes: Uint8Array): boolean {
  return magicOf(bytes) === JKS_MAGIC;
}

/** True if the bytes start with the JCEKS magic number (readJks reads those too). */
export function isJceks(bytes: Uint8Array): boolean {
  return magicOf(bytes) === JCEKS_MAGIC;
}

function magicOf(bytes: Uint8Array): number | undefined {
  if (bytes.length < 4) return undefined;
  return ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
}

/** Bounds-checked big-endian reader over the keystore bytes. */
class Cursor {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly where: string,
  ) {}

  fail(at: number, message: string, code = "malformed-keystore"): never {
    throw new InputError(`${this.where}: ${message} (at byte offset ${at})`, code);
  }

  take(n: number, what: string): Uint8Array {
    const left = this.buf.length - this.pos;
    if (n > left) {
      this.fail(
        this.pos,
        `truncated: ${what} needs ${n} bytes but only ${left} remain`,
        "truncated-keystore",
      );
    }
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  u16(what: string): number {
    const b = this.take(2, what);
    return (b[0] << 8) | b[1];
  }

  u32(what: string): number {
    const b = this.take(4, what);
    return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  }

  /** A Java long holding milliseconds since the epoch. */
  date(what: string): Date {
    const at = this.pos;
    const hi = this.u32(what);
    const lo = this.u32(what);
    const ms = (hi >= 0x80000000 ? hi - 0x100000000 : hi) * 0x100000000 + lo;
    // JS Dates span ±8.64e15 ms; a keystore date outside that is corrupt.
    if (Math.abs(ms) > 8.64e15) this.fail(at, `${what} is not a valid date`);
    return new Date(ms);
  }

  /** Java DataInput.readUTF: u16 byte length, then "modified UTF-8" (CESU-8, NUL as C0 80). */
  utf(what: string): string {
    const at = this.pos;
    const bytes = this.take(this.u16(what), what);
    const units: number[] = [];
    for (let i = 0; i < bytes.length; ) {
      const a = bytes[i];
      if (a < 0x80) {
        units.push(a);
        i += 1;
      } else if ((a & 0xe0) === 0xc0 && i + 1 < bytes.length && (bytes[i + 1] & 0xc0) === 0x80) {
        units.push(((a & 0x1f) << 6) | (bytes[i + 1] & 0x3f));
        i += 2;
      } else if (
        (a & 0xf0) === 0xe0 &&
        i + 2 < bytes.length &&
        (bytes[i + 1] & 0xc0) === 0x80 &&
        (bytes[i + 2] & 0xc0) === 0x80
      ) {
        units.push(((a & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f));
        i += 3;
      } else {
        this.fail(at, `${what} is not valid Java modified UTF-8`);
      }
    }
    // Surrogate pairs come out as two units, exactly as Java stores them.
    let s = "";
    for (let i = 0; i < units.length; i += 4096) s += String.fromCharCode(...units.slice(i, i + 4096));
    return s;
  }
}

/** A key entry before its key is recovered: where the protected key sits in the keystore bytes. */
interface RawKeyEntry {
  alias: string;
  date: Date;
  keyAt: number;
  keyEnd: number;
  chain: Uint8Array[];
}

/**
 * Reads a JKS or JCEKS keystore. The password checks the keystore's integrity digest (wrong password:
 * BadPasswordError) and decrypts the private keys.
 */
export function readJks(bytes: Uint8Array, password: string, opts: ContainerReadOptions = {}): JksContents {
  const name = opts.name ?? "Java keystore";
  const c = new Cursor(bytes, name);
  const magic = c.u32("the magic number");
  if (magic !== JKS_MAGIC && magic !== JCEKS_MAGIC) {
    c.fail(
      0,
      `not a JKS or JCEKS keystore (magic 0x${magic.toString(16).padStart(8, "0")})`,
      "unsupported-format",
    );
  }
  const format = magic === JKS_MAGIC ? "jks" : "jceks";
  const version = c.u32("the version");
  if (version !== 1 && version !== 2) {
    c.fail(4, `unsupported ${format.toUpperCase()} version ${version}`, "unsupported-format");
  }
  const count = c.u32("the entry count");
  if (count > MAX_CONTAINER_CERTIFICATES) {
    throw new LimitError(
      `${name}: the keystore claims ${count} entries; our limit is ${MAX_CONTAINER_CERTIFICATES}`,
    );
  }

  const ber: BerReader = new BerReader(bytes, name);
  // First pass: structure only. Keys are decrypted after the integrity check, so a truncated or
  // corrupt file is reported as such rather than as a wrong password.
  let certCount = 0;
  const readCert = (what: string): Uint8Array => {
    if (++certCount > MAX_CONTAINER_CERTIFICATES) {
      throw new LimitError(`${name}: more than ${MAX_CONTAINER_CERTIFICATES} certificates`);
    }
    if (version === 2) {
      const typeAt = c.pos;
      const type = c.utf(`the certificate type of ${what}`);
      if (type !== "X.509")
        c.fail(typeAt, `${what} is a "${type}" certificate; only X.509 is supported`, "unsupported-format");
    }
    const length = c.u32(`the length of ${what}`);
    const at = c.pos;
    c.take(length, what);
    // Offsets in errors stay absolute: the reader spans the whole keystore, limited to this slot.
    const t = ber.read(at, at + length);
    if (t.end !== at + length) ber.fail(t.end, `unexpected bytes after ${what}`);
    return takeDerSequence(ber, t, what);
  };

  const entries: (JksEntry | RawKeyEntry)[] = [];
  for (let i = 0; i < count; i++) {
    const entryAt = c.pos;
    const tag = c.u32(`the type of entry ${i + 1}`);
    const alias = c.utf(`the alias of entry ${i + 1}`);
    const label = `entry ${i + 1} ("${alias}")`;
    const date = c.date(`the date of ${label}`);
    if (tag === 1) {
      const keyLength = c.u32(`the key length of ${label}`);
      const keyAt = c.pos;
      c.take(keyLength, `the key of ${label}`);
      const chainLength = c.u32(`the chain length of ${label}`);
      if (chainLength > MAX_CONTAINER_CERTIFICATES) {
        throw new LimitError(`${name}: ${label} claims a chain of ${chainLength} certificates`);
      }
      const chain: Uint8Array[] = [];
      for (let j = 0; j < chainLength; j++) chain.push(readCert(`certificate ${j + 1} of ${label}`));
      entries.push({ alias, date, keyAt, keyEnd: keyAt + keyLength, chain });
    } else if (tag === 2) {
      entries.push({ kind: "trusted", alias, date, certificate: readCert(`the certificate of ${label}`) });
    } else if (tag === 3 && format === "jceks") {
      c.fail(entryAt, `${label} is a secret-key entry, which is not supported`, "unsupported-format");
    } else {
      c.fail(entryAt, `${label} has unknown entry type ${tag}`);
    }
  }

  const end = c.pos;
  const stored = c.take(20, "the integrity digest");
  for (let i = c.pos; i < bytes.length; i++) {
    if (bytes[i] !== 0) c.fail(c.pos, `${bytes.length - c.pos} unexpected bytes after the integrity digest`);
  }
  const passwordBytes = utf16be(password);
  const digest = createHash("sha1")
    .update(passwordBytes)
    .update("Mighty Aphrodite", "utf8")
    .update(bytes.subarray(0, end))
    .digest();
  const work = { rounds: 0 };
  if (!timingSafeEqual(digest, stored)) {
    throw integrityFailure(ber, entries, { password, passwordBytes, work });
  }

  return {
    format,
    entries: entries.map((e): JksEntry => {
      if ("kind" in e) return e;
      const pkcs8 = recoverKey(ber, e, { password, passwordBytes, work });
      return { kind: "key", alias: e.alias, date: e.date, pkcs8, chain: e.chain };
    }),
  };
}

/** Java's char[] → byte[] for these formats: each UTF-16 unit as two big-endian bytes, no terminator. */
function count(n: number): string {
  return n.toLocaleString("en-US");
}

function utf16be(password: string): Uint8Array {
  const out = new Uint8Array(password.length * 2);
  for (let i = 0; i < password.length; i++) {
    out[2 * i] = password.charCodeAt(i) >> 8;
    out[2 * i + 1] = password.charCodeAt(i) & 0xff;
  }
  return out;
}

/** The password in the forms the key protections use, and the key-derivation work done so far. */
interface KeyPassword {
  password: string;
  passwordBytes: Uint8Array;
  work: { rounds: number };
}

/**
 * The error for a failed integrity digest. The digest is keyed by the password, so a wrong password and a
 * damaged or modified body look alike to it; tell them apart where the file lets us: a key entry that
 * opens with this password proves the password right, a certificate that does not parse proves damage.
 * Otherwise say both, since nothing can tell: a trusted-certificate-only store with a flipped byte
 * inside a certificate's signature is exactly as a wrong password.
 */
function integrityFailure(r: BerReader, entries: (JksEntry | RawKeyEntry)[], pw: KeyPassword): InputError {
  const name = r.where;
  const keys = entries.filter((e): e is RawKeyEntry => !("kind" in e));
  for (const e of keys) {
    try {
      recoverKey(r, e, pw);
    } catch (err) {
      if (err instanceof InputError) continue;
      throw err;
    }
    return new InputError(
      `${name} is damaged or was modified: the password is right (it opens the key "${e.alias}") but the integrity check over the file failed`,
      "damaged-keystore",
    );
  }
  const broken = firstUnparsableCertificate(entries);
  if (broken !== undefined) {
    return new InputError(
      `${name} is damaged: ${broken}, and the integrity check failed`,
      "damaged-keystore",
    );
  }
  if (keys.length > 0) return new BadPasswordError(`wrong password for ${name} (the integrity check failed)`);
  return new BadPasswordError(
    `wrong password for ${name}, or the file is damaged: its integrity check failed, and for a store of trusted certificates only that check cannot tell the two apart`,
  );
}

/** "the certificate of "root" does not parse (…)" for the first certificate that does not parse. */
function firstUnparsableCertificate(entries: (JksEntry | RawKeyEntry)[]): string | undefined {
  for (const e of entries) {
    const certs = "kind" in e ? (e.kind === "trusted" ? [e.certificate] : e.chain) : e.chain;
    for (const [i, der] of certs.entries()) {
      try {
        parseCertificate(der);
      } catch (err) {
        const which =
          "kind" in e && e.kind === "trusted" ? "the certificate" : `certificate ${i + 1} of the chain`;
        return `${which} of "${e.alias}" does not parse (${err instanceof Error ? err.message : err})`;
      }
    }
  }
  return undefined;
}

/** EncryptedPrivateKeyInfo → PKCS#8, by whichever Sun scheme protects it. */
function recoverKey(r: BerReader, entry: RawKeyEntry, pw: KeyPassword): Uint8Array {
  const { password, passwordBytes, work } = pw;
  const { alias } = entry;
  const name = r.where;
  const top = r.read(entry.keyAt, entry.keyEnd);
  if (top.end !== entry.keyEnd) r.fail(top.end, `unexpected bytes after the key of "${alias}"`);
  const epki = r.sequence(top, `the EncryptedPrivateKeyInfo of "${alias}"`);
  const alg = r.sequence(epki[0], "the key protection algorithm", top.contentEnd);
  const oid = r.oid(alg[0], "the key protection algorithm", epki[0].start);
  const encrypted = r.octets(
    r.expect(epki[1], TagClass.Universal, Tag.OctetString, "the protected key", top.contentEnd),
  );
  const wrong = (): never => {
    throw new BadPasswordError(
      `${name}: the keystore password opens the keystore but not the key "${alias}" ` +
        "(its key password differs; keystores with separate key passwords are not supported)",
    );
  };

  if (oid === OID_SUN_KEY_PROTECTOR) {
    // salt (20) || key XOR keystream || SHA-1(password || plain key) (20)
    if (encrypted.length < 41) r.fail(epki[1].start, "the protected key is too short");
    const salt = encrypted.subarray(0, 20);
    const body = encrypted.subarray(20, encrypted.length - 20);
    const check = encrypted.subarray(encrypted.length - 20);
    // Keystream: d_1 = SHA-1(password || salt), d_i = SHA-1(password || d_{i-1}), concatenated.
    const plain = new Uint8Array(body.length);
    let d: Uint8Array = salt;
    for (let off = 0; off < body.length; off += 20) {
      d = createHash("sha1").update(passwordBytes).update(d).digest();
      for (let i = 0; i < 20 && off + i < body.length; i++) plain[off + i] = body[off + i] ^ d[i];
    }
    const ok = createHash("sha1").update(passwordBytes).update(plain).digest();
    if (!timingSafeEqual(ok, check)) return wrong();
    return plain;
  }

  if (oid === OID_PBE_MD5_3DES) {
    // PBEParameter ::= SEQUENCE { salt OCTET STRING (8 bytes), iterationCount INTEGER }
    const params = r.sequence(alg[1], "the PBE parameters", epki[0].contentEnd);
    const salt = Uint8Array.from(
      r.octets(r.expect(params[0], TagClass.Universal, Tag.OctetString, "the PBE salt", alg[1].contentEnd)),
    );
    const iterations = r.smallInt(params[1], "the PBE iteration count", alg[1].contentEnd);
    if (salt.length !== 8) r.fail(params[0].start, `the PBE salt is ${salt.length} bytes, expected 8`);
    if (iterations < 1) r.fail(params[1].start, "the PBE iteration count must be at least 1");
    if (iterations > MAX_JCEKS_ITERATIONS) {
      throw new LimitError(
        `${name}: the key of "${alias}" asks for ${count(iterations)} iterations; the limit is ${count(MAX_JCEKS_ITERATIONS)}`,
      );
    }
    work.rounds += 2 * iterations;
    if (work.rounds > MAX_JCEKS_ROUNDS) {
      throw new LimitError(
        `${name}: its keys ask for more than ${count(MAX_JCEKS_ITERATIONS)} iterations of key derivation in all; refused`,
      );
    }
    if (encrypted.length === 0 || encrypted.length % 8 !== 0)
      r.fail(epki[1].start, "the protected key is not whole 3DES blocks");
    // Java's PBEKey only accepts printable ASCII and uses one byte per char.
    if (!/^[\x20-\x7e]*$/.test(password)) return wrong();
    const pw = new TextEncoder().encode(password);
    const derived = pbeMd5TripleDesKey(pw, salt, iterations);
    const d = createDecipheriv("des-ede3-cbc", derived.subarray(0, 24), derived.subarray(24, 32));
    d.setAutoPadding(false);
    const raw = concatBytes([d.update(encrypted), d.final()]);
    const pad = raw[raw.length - 1];
    if (pad < 1 || pad > 8) return wrong();
    for (let i = raw.length - pad; i < raw.length; i++) if (raw[i] !== pad) return wrong();
    const plain = raw.slice(0, raw.length - pad);
    // A wrong password gives valid-looking padding about 1 time in 256: check the structure too.
    try {
      const t = new BerReader(plain, "").read(0);
      if (t.tag !== Tag.Sequence || t.end !== plain.length) return wrong();
    } catch (e) {
      if (e instanceof InputError) return wrong();
      throw e;
    }
    return plain;
  }

  return r.fail(
    alg[0].start,
    `the key of "${alias}" is protected with ${oid}, which is not supported`,
    "unsupported-algorithm",
  );
}

/**
 * Sun's PBEWithMD5AndTripleDES key derivation (com.sun.crypto.provider.PBES1Core): each salt half
 * is hashed `iterations` times as MD5(previous || password); the two 16-byte results give the 24-byte
 * 3DES key and the 8-byte IV. If the halves are equal, the first half is reversed first.
 */
function pbeMd5TripleDesKey(password: Uint8Array, salt: Uint8Array, iterations: number): Uint8Array {
  const s = Uint8Array.from(salt);
  if (s[0] === s[4] && s[1] === s[5] && s[2] === s[6] && s[3] === s[7]) s.subarray(0, 4).reverse();
  const out = new Uint8Array(32);
  for (let half = 0; half < 2; half++) {
    out.set(iterateHash("md5", s.subarray(half * 4, half * 4 + 4), password, iterations), half * 16);
  }
  return out;
}
