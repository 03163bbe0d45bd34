/**
 * A minimal DER writer: the encoding half of ./der.ts. Every function returns the complete TLV (tag,
 * minimal definite length, contents) as a Uint8Array, so structures compose by nesting calls:
 *
 *   seq(oid("2.5.29.19"), bool(true), octet(seq(bool(true))))
 *
 * It writes what it is told, including things RFC 5280 forbids (the certificate builder uses that to make
 * the lab's deliberately broken certificates); the strict reader in ../der.ts is what enforces the rules.
 */

import { isIP } from "node:net";

export type Bytes = Uint8Array;

/** Concatenate byte arrays. */
export function cat(...parts: Bytes[]): Bytes {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The DER length octets for a content length (short form below 128, else the minimal long form). */
export function lengthOctets(n: number): Bytes {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`bad DER length ${n}`);
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  if (bytes.length > 4) throw new RangeError(`DER length ${n} is too large`);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** A TLV with a single-octet identifier `tag` around the concatenated `content`. */
export function tlv(tag: number, ...content: Bytes[]): Bytes {
  const body = content.length === 1 ? content[0] : cat(...content);
  return cat(Uint8Array.of(tag), lengthOctets(body.length), body);
}

export const seq = (...c: Bytes[]): Bytes => tlv(0x30, ...c);
export const set = (...c: Bytes[]): Bytes => tlv(0x31, ...c);
export const octet = (b: Bytes): Bytes => tlv(0x04, b);
export const nul = (): Bytes => Uint8Array.of(0x05, 0x00);
export const bool = (v: boolean): Bytes => Uint8Array.of(0x01, 0x01, v ? 0xff : 0x00);
export const utf8 = (s: string): Bytes => tlv(0x0c, new Uint8Array(Buffer.from(s, "utf8")));
/** A one-byte-per-character string type: IA5String (0x16) by default, PrintableString 0x13, UTCTime… */
export const ia5 = (s: string, tag = 0x16): Bytes => tlv(tag, new Uint8Array(Buffer.from(s, "latin1")));
export const printable = (s: string): Bytes => ia5(s, 0x13);
/** BMPString (UTF-16BE), as PKCS#12 friendlyName uses. */
export function bmp(s: string): Bytes {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    out[2 * i] = s.charCodeAt(i) >> 8;
    out[2 * i + 1] = s.charCodeAt(i) & 0xff;
  }
  return tlv(0x1e, out);
}

/** Context-specific tag n: primitive (IMPLICIT over a primitive type) or constructed (EXPLICIT, or IMPLICIT over a constructed type). */
export const ctx = (n: number, constructed: boolean, ...c: Bytes[]): Bytes =>
  tlv((constructed ? 0xa0 : 0x80) | n, ...c);

/** OBJECT IDENTIFIER from dotted text. */
export function oid(dotted: string): Bytes {
  const arcs = dotted.split(".").map((a) => {
    if (!/^\d+$/.test(a)) throw new RangeError(`"${dotted}" is not a dotted OID`);
    return BigInt(a);
  });
  if (arcs.length < 2 || arcs[0] > 2n || (arcs[0] < 2n && arcs[1] > 39n)) {
    throw new RangeError(`"${dotted}" is not a valid OID`);
  }
  const out: number[] = [];
  const first = [40n * arcs[0] + arcs[1], ...arcs.slice(2)];
  for (const a of first) {
    const chunk = [Number(a & 0x7fn)];
    for (let v = a >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** Minimal two's-complement content octets of a non-negative integer. */
export function uintBytes(v: number | bigint): Bytes {
  let b = BigInt(v);
  if (b < 0n) throw new RangeError("negative INTEGER");
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(b & 0xffn));
    b >>= 8n;
  } while (b > 0n);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return Uint8Array.from(bytes);
}

/** INTEGER from a non-negative number/bigint (minimal encoding), or raw content octets as given. */
export function int(v: number | bigint | Bytes): Bytes {
  return tlv(0x02, v instanceof Uint8Array ? v : uintBytes(v));
}

/** INTEGER from unsigned big-endian magnitude bytes (a leading 00 is added when the top bit is set). */
export function uintFromBytes(magnitude: Bytes): Bytes {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  return tlv(0x02, m[0] & 0x80 ? cat(Uint8Array.of(0), m) : m);
}

export function bitString(bytes: Bytes, unused = 0): Bytes {
  return tlv(0x03, Uint8Array.of(unused), bytes);
}

/** RFC 5280 4.1.2.5: UTCTime for 1950–2049, GeneralizedTime otherwise (or always, with `generalized`). */
export function time(d: Date, generalized = false): Bytes {
  if (!Number.isFinite(d.getTime())) throw new RangeError("invalid date");
  const y = d.getUTCFullYear();
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  if (!generalized && y >= 1950 && y < 2050) return ia5(`${p(y % 100)}${rest}`, 0x17);
  return ia5(`${p(y, 4)}${rest}`, 0x18);
}

/** A named bit list (KeyUsage style) as a DER BIT STRING: trailing zero bits dropped. */
export function namedBits(bitIndexes: number[]): Bytes {
  if (bitIndexes.length === 0) return bitString(new Uint8Array(0));
  const last = Math.max(...bitIndexes);
  const bytes = new Uint8Array((last >> 3) + 1);
  for (const i of bitIndexes) bytes[i >> 3] |= 0x80 >> (i & 7);
  return bitString(bytes, 7 - (last & 7));
}

// ---------------------------------------------------------------------------------------------------------
// Names

/** Attribute short names we write (RFC 4514 and OpenSSL spellings, case-insensitive). */
export const NAME_ATTRIBUTE_OIDS: Record<string, string> = {
  cn: "2.5.4.3",
  sn: "2.5.4.4",
  serialnumber: "2.5.4.5",
  c: "2.5.4.6",
  l: "2.5.4.7",
  st: "2.5.4.8",
  street: "2.5.4.9",
  o: "2.5.4.10",
  ou: "2.5.4.11",
  title: "2.5.4.12",
  gn: "2.5.4.42",
  organizationidentifier: "2.5.4.97",
  dc: "0.9.2342.19200300.100.1.25",
  uid: "0.9.2342.19200300.100.1.1",
  emailaddress: "1.2.840.113549.1.9.1",
  email: "1.2.840.113549.1.9.1",
  jurisdictionc: "1.3.6.1.4.1.311.60.2.1.3",
  jurisdictionst: "1.3.6.1.4.1.311.60.2.1.2",
  jurisdictionl: "1.3.6.1.4.1.311.60.2.1.1",
  businesscategory: "2.5.4.15",
  postalcode: "2.5.4.17",
};

const IA5_ATTRIBUTES = new Set(["1.2.840.113549.1.9.1", "0.9.2342.19200300.100.1.25"]);
const PRINTABLE_ATTRIBUTES = new Set(["2.5.4.6", "2.5.4.5", "1.3.6.1.4.1.311.60.2.1.3"]);

/** Attribute type (short name or dotted OID) to OID. */
export function attributeOid(type: string): string {
  if (/^\d+(\.\d+)+$/.test(type)) return type;
  const o = NAME_ATTRIBUTE_OIDS[type.toLowerCase()];
  if (!o) throw new RangeError(`unknown name attribute "${type}"`);
  return o;
}

/** One attribute value, in the string type CAs use for it (PrintableString for C, IA5 for e-mail/DC). */
export function attributeValue(typeOid: string, value: string): Bytes {
  if (IA5_ATTRIBUTES.has(typeOid)) return ia5(value);
  if (PRINTABLE_ATTRIBUTES.has(typeOid) && /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value)) return printable(value);
  return utf8(value);
}

/**
 * A Name from RDNs in encoded order (most significant first, e.g. C before CN). Each RDN is one
 * [type, value] pair, or an array of pairs for a multi-valued RDN.
 */
export function nameFromRdns(rdns: ([string, string] | [string, string][])[]): Bytes {
  return seq(
    ...rdns.map((rdn) => {
      const attrs = (typeof rdn[0] === "string" ? [rdn] : rdn) as [string, string][];
      const encoded = attrs.map(([t, v]) => {
        const o = attributeOid(t);
        return seq(oid(o), attributeValue(o, v));
      });
      // DER: SET OF sorted by encoding.
      encoded.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      return set(...encoded);
    }),
  );
}

/**
 * Parse RFC 4514 text ("CN=host,O=Org,C=US": least significant first) into RDNs in encoded order.
 * Handles "\," style and "\XX" hex escapes and '+' for multi-valued RDNs.
 */
export function parseDnText(text: string): [string, string][][] {
  const rdns: [string, string][][] = [];
  const s = text.trim();
  if (s === "") return [];
  let current: [string, string][] = [];
  for (let i = 0; ; ) {
    const eq = s.indexOf("=", i);
    if (eq < 0) throw new RangeError(`"${text}" is not a distinguished name (expected TYPE=value)`);
    const type = s.slice(i, eq).trim();
    let value = "";
    let j = eq + 1;
    while (j < s.length && s[j] !== "," && s[j] !== "+" && s[j] !== ";") {
      if (s[j] === "\\" && /^[0-9a-fA-F]{2}$/.test(s.slice(j + 1, j + 3))) {
        // Consecutive hex escapes are UTF-8 bytes of one or more characters.
        const bytes: number[] = [];
        while (s[j] === "\\" && /^[0-9a-fA-F]{2}$/.test(s.slice(j + 1, j + 3))) {
          bytes.push(Number.parseInt(s.slice(j + 1, j + 3), 16));
          j += 3;
        }
        value += Buffer.from(bytes).toString("utf8");
      } else if (s[j] === "\\" && j + 1 < s.length) {
        value += s[j + 1];
        j += 2;
      } else value += s[j++];
    }
    current.push([type, value.trim()]);
    if (j >= s.length || s[j] !== "+") {
      rdns.unshift(current);
      current = [];
    }
    if (j >= s.length) break;
    i = j + 1;
  }
  return rdns;
}

// ---------------------------------------------------------------------------------------------------------
// General names

export type GeneralNameInput =
  | { dns: string }
  | { ip: string; prefix?: number }
  | { email: string }
  | { uri: string }
  /** A directory name: DER bytes, or RDNs in encoded order. */
  | { dirName: Bytes | [string, string][] }
  | { otherName: string; value?: Bytes }
  | { registeredId: string }
  /** A complete GeneralName TLV, written as is. */
  | { raw: Bytes };

/** IPv4 or IPv6 text to its 4 or 16 bytes. */
export function ipBytes(s: string): number[] {
  const kind = isIP(s);
  if (kind === 4) return s.split(".").map(Number);
  if (kind !== 6) throw new RangeError(`"${s}" is not an IP address`);
  let text = s;
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (m) {
    const v4 = m[2].split(".").map(Number);
    text = `${m[1]}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const [h, t] = text.includes("::") ? text.split("::") : [text, undefined];
  const head = h ? h.split(":") : [];
  const tail = t === undefined ? [] : t ? t.split(":") : [];
  const groups =
    t === undefined ? head : [...head, ...Array(8 - head.length - tail.length).fill("0"), ...tail];
  return groups.flatMap((g) => {
    const v = Number.parseInt(g, 16);
    return [v >> 8, v & 255];
  });
}

export function generalName(g: GeneralNameInput): Bytes {
  if ("dns" in g) return ia5(g.dns, 0x82);
  if ("email" in g) return ia5(g.email, 0x81);
  if ("uri" in g) return ia5(g.uri, 0x86);
  if ("dirName" in g)
    return ctx(4, true, g.dirName instanceof Uint8Array ? g.dirName : nameFromRdns(g.dirName));
  if ("otherName" in g) return ctx(0, true, oid(g.otherName), ctx(0, true, g.value ?? utf8("")));
  if ("registeredId" in g) return tlv(0x88, oid(g.registeredId).subarray(2));
  if ("raw" in g) return g.raw;
  const addr = ipBytes(g.ip);
  if (g.prefix === undefined) return tlv(0x87, Uint8Array.from(addr));
  const prefix = g.prefix;
  const mask = addr.map((_, i) => {
    const bits = Math.max(0, Math.min(8, prefix - 8 * i));
    return (0xff << (8 - bits)) & 0xff;
  });
  return tlv(0x87, Uint8Array.from([...addr, ...mask]));
}
