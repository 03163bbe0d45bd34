/**
 * JKS writer (Sun's proprietary Java keystore, magic 0xFEEDFEED, version 2): the inverse of
 * ../containers/jks.ts. No npm package writes this format; Salesforce's "Import from Keystore" takes it.
 *
 *   magic u32, version u32 (2), count u32, then per entry:
 *     tag u32 (1 private key, 2 trusted certificate), alias (Java modified UTF-8, u16 length),
 *     date (u64 ms since the epoch), then
 *     key entry:     u32 length + EncryptedPrivateKeyInfo DER, u32 chain length, certificates
 *     trusted entry: one certificate
 *   where a certificate is the type "X.509" (modified UTF-8) then u32 length + DER;
 *   and finally SHA-1(password as UTF-16BE || "Mighty Aphrodite" || all preceding bytes).
 *
 * Private keys are protected with Sun's KeyProtector (OID 1.3.6.1.4.1.42.2.17.1.1), under the store
 * password (keytool's default: key password = store password):
 *   salt (20 random bytes) || PKCS#8 XOR keystream || SHA-1(password || PKCS#8)
 *   keystream: d_1 = SHA-1(password || salt), d_i = SHA-1(password || d_{i-1}).
 *
 * Aliases are written in lower case: Java's JavaKeyStore looks entries up by the lower-cased alias, so a
 * mixed-case alias in the file could never be found.
 */

import { createHash, randomBytes } from "node:crypto";
import { type Bytes, cat, nul, octet, oid, seq } from "./der-writer.js";

export type JksWriteEntry =
  | { kind: "key"; alias: string; date?: Date; pkcs8: Uint8Array; chain: Uint8Array[] }
  | { kind: "trusted"; alias: string; date?: Date; certificate: Uint8Array };

export const OID_SUN_KEY_PROTECTOR = "1.3.6.1.4.1.42.2.17.1.1";
const JKS_MAGIC = 0xfeedfeed;

/** Java's char[] → byte[] for the keystore digests: each UTF-16 unit as two big-endian bytes. */
function utf16be(password: string): Uint8Array {
  const out = new Uint8Array(password.length * 2);
  for (let i = 0; i < password.length; i++) {
    out[2 * i] = password.charCodeAt(i) >> 8;
    out[2 * i + 1] = password.charCodeAt(i) & 0xff;
  }
  return out;
}

/** Java DataOutput.writeUTF: u16 length, then modified UTF-8 (NUL as C0 80, surrogates encoded one by one). */
export function javaUtf(s: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x01 && c <= 0x7f) bytes.push(c);
    else if (c <= 0x7ff) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  if (bytes.length > 0xffff) throw new RangeError("a Java UTF string is at most 65,535 bytes");
  return Uint8Array.from([bytes.length >> 8, bytes.length & 0xff, ...bytes]);
}

function u32(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function u64(ms: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt(Math.trunc(ms)));
  return b;
}

/** Sun's KeyProtector over a PKCS#8 PrivateKeyInfo: the EncryptedPrivateKeyInfo DER. */
export function sunKeyProtect(pkcs8: Uint8Array, password: string, salt?: Uint8Array): Uint8Array {
  const pw = utf16be(password);
  const s = salt ?? new Uint8Array(randomBytes(20));
  if (s.length !== 20) throw new RangeError("the KeyProtector salt is 20 bytes");
  const body = new Uint8Array(pkcs8.length);
  let d: Uint8Array = s;
  for (let off = 0; off < pkcs8.length; off += 20) {
    d = createHash("sha1").update(pw).update(d).digest();
    for (let i = 0; i < 20 && off + i < pkcs8.length; i++) body[off + i] = pkcs8[off + i] ^ d[i];
  }
  const check = createHash("sha1").update(pw).update(pkcs8).digest();
  return seq(seq(oid(OID_SUN_KEY_PROTECTOR), nul()), octet(cat(s, body, check)));
}

function certificate(der: Uint8Array): Bytes {
  return cat(javaUtf("X.509"), u32(der.length), der);
}

/** Write a JKS keystore. Aliases must be distinct (case-insensitively); keys are PKCS#8 DER. */
export function writeJks(entries: JksWriteEntry[], password: string, now: Date = new Date()): Uint8Array {
  const seen = new Set<string>();
  const parts: Uint8Array[] = [u32(JKS_MAGIC), u32(2), u32(entries.length)];
  for (const e of entries) {
    const alias = e.alias.toLowerCase();
    if (seen.has(alias)) throw new RangeError(`duplicate alias "${alias}"`);
    seen.add(alias);
    const date = u64((e.date ?? now).getTime());
    if (e.kind === "key") {
      if (e.chain.length === 0) throw new RangeError(`the key entry "${alias}" needs its certificate chain`);
      const protectedKey = sunKeyProtect(e.pkcs8, password);
      parts.push(u32(1), javaUtf(alias), date, u32(protectedKey.length), protectedKey, u32(e.chain.length));
      for (const c of e.chain) parts.push(certificate(c));
    } else {
      parts.push(u32(2), javaUtf(alias), date, certificate(e.certificate));
    }
  }
  const body = cat(...parts);
  const digest = createHash("sha1")
    .update(utf16be(password))
    .update("Mighty Aphrodite", "utf8")
    .update(body)
    .digest();
  return cat(body, new Uint8Array(digest));
}
