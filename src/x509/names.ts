/** Distinguished names and general names (RFC 5280 4.1.2.4, 4.2.1.6), with RFC 4514 text and RFC 5280 matching. */

import { children, DerError, decodeOid, decodeString, expect, readTlv, Tag, type Tlv, toHex } from "./der.js";
import { NAME_ATTRIBUTES } from "./oids.js";

export interface NameAttribute {
  oid: string;
  /** RFC 4514 short name (CN, O, …) when we know one. */
  shortName?: string;
  /** The decoded text; for non-string values, "#" + hex of the DER (RFC 4514 2.4). */
  value: string;
  /** The ASN.1 tag of the value (UTF8String 0x0c, PrintableString 0x13, …). */
  valueTag: number;
  /** The value's DER (tag, length and contents). */
  valueDer?: Uint8Array;
}

const STRING_TAGS = new Set<number>([
  Tag.UTF8String,
  Tag.PrintableString,
  Tag.T61String,
  Tag.IA5String,
  Tag.VisibleString,
  Tag.UniversalString,
  Tag.BMPString,
  0x12 /* NumericString */,
]);

export class Name {
  private _text?: string;
  private _key?: string;
  // Memo slots of src/verify/names.ts, kept on the name: a WeakMap entry per fresh name cost more (in
  // garbage collection above all) than the lookups they speed up.
  /** @internal The coarse path-building key (verify/names.ts coarseKey). */
  coarseKeyMemo?: string;
  /** @internal The DER as a latin1 string (verify/names.ts). */
  derTextMemo?: string;
  constructor(
    /** The Name's exact DER (the SEQUENCE), for byte comparison. */
    readonly der: Uint8Array,
    /** RDNs in encoded order (most significant first, e.g. C before CN). */
    readonly rdns: NameAttribute[][],
  ) {}

  /** RFC 4514 text: RDNs reversed, multi-valued RDNs joined with '+'. */
  toString(): string {
    if (this._text === undefined) {
      this._text = this.rdns
        .slice()
        .reverse()
        .map((rdn) => rdn.map((a) => `${a.shortName ?? a.oid}=${rfc4514Value(a)}`).join("+"))
        .join(",");
    }
    return this._text;
  }

  /** Every value of one attribute type, in encoded order. */
  values(oid: string): string[] {
    const out: string[] = [];
    for (const rdn of this.rdns) for (const a of rdn) if (a.oid === oid) out.push(a.value);
    return out;
  }

  get isEmpty(): boolean {
    return this.rdns.length === 0;
  }

  /**
   * A comparison key per RFC 5280 7.1 (a simplified RFC 4518): string values case-folded and with
   * whitespace collapsed; attribute order within an RDN ignored. Equal keys ⇒ the names match.
   */
  get matchKey(): string {
    if (this._key === undefined) {
      // JSON-encoded so that a value holding "," "+" or "=" can never make two different names collide.
      this._key = JSON.stringify(
        this.rdns.map((rdn) =>
          rdn
            .map((a) =>
              JSON.stringify([a.oid, STRING_TAGS.has(a.valueTag) ? foldForMatch(a.value) : a.value]),
            )
            .sort(),
        ),
      );
    }
    return this._key;
  }
}

function foldForMatch(s: string): string {
  return s.trim().replace(/\s+/g, " ").toLowerCase();
}

/** True when two names are the same name under RFC 5280 7.1 matching. */
export function namesMatch(a: Name, b: Name): boolean {
  if (a.der.length === b.der.length) {
    let same = true;
    for (let i = 0; i < a.der.length; i++) {
      if (a.der[i] !== b.der[i]) {
        same = false;
        break;
      }
    }
    if (same) return true;
  }
  // Structural pre-check before the (costlier) canonical keys: most names that differ differ in shape or in
  // single-valued RDNs, which compare directly.
  if (a.rdns.length !== b.rdns.length) return false;
  let multiValued = false;
  for (let i = 0; i < a.rdns.length; i++) {
    const ra = a.rdns[i];
    const rb = b.rdns[i];
    if (ra.length !== rb.length) return false;
    if (ra.length > 1) {
      multiValued = true;
      continue;
    }
    if (!attributesMatch(ra[0], rb[0])) return false;
  }
  return multiValued ? a.matchKey === b.matchKey : true;
}

function attributesMatch(x: NameAttribute, y: NameAttribute): boolean {
  if (x.oid !== y.oid) return false;
  const xs = STRING_TAGS.has(x.valueTag);
  if (xs !== STRING_TAGS.has(y.valueTag)) return false;
  return xs ? foldForMatch(x.value) === foldForMatch(y.value) : x.value === y.value;
}

/**
 * RFC 4514 2.4: a type shown as a dotted OID has its value shown as "#" and the hex of its DER (so a reader
 * that does not know the type still gets the exact value); otherwise the string, escaped.
 */
function rfc4514Value(a: NameAttribute): string {
  if (!a.shortName && a.valueDer) return `#${toHex(a.valueDer).toUpperCase()}`;
  return escapeRfc4514(a);
}

/** Anything escapeRfc4514 would change: a special or control character, a leading space or #, a trailing space. */
const NEEDS_ESCAPE = /[\\"+,;<>\u0000-\u001f\u007f]|^[ #]| $/;

function escapeRfc4514(a: NameAttribute): string {
  if (!STRING_TAGS.has(a.valueTag)) return a.value; // already "#hex"
  // Most values need no escape at all: one test instead of the replacements below.
  if (!NEEDS_ESCAPE.test(a.value)) return a.value;
  // RFC 4514 2.4, as OpenSSL's RFC2253 output does it: the required escapes ("=" needs none), control
  // characters as \XX hex.
  let s = a.value.replace(/[\\"+,;<>]/g, (c) => `\\${c}`);
  s = s.replace(
    /[\u0000-\u001f\u007f]/g,
    (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase()}`,
  );
  const lead = s.startsWith(" ") || s.startsWith("#");
  if (lead) s = `\\${s}`;
  // A trailing space is escaped too, unless it is the single (already escaped) leading one.
  if (s.endsWith(" ") && !(lead && s.length === 2)) s = `${s.slice(0, -1)}\\ `;
  return s;
}

/**
 * Largest Name we read, in DER octets. Real names are well under 1 KiB; each attribute costs objects and
 * strings several times its size, so a 10 MB name with 100,000 RDNs took over 600 MB to decode and show.
 */
export const MAX_NAME_BYTES = 64 * 1024;
/**
 * Most attributes (over all RDNs) in one Name. Real names have fewer than 20; x509-limbo's pathological
 * nc-dos cases (from OpenSSL's tests) have 2,048, which must still parse to be refused by the validator.
 */
export const MAX_NAME_ATTRIBUTES = 4096;

/** Parse a Name (SEQUENCE OF RDN) at `t`. */
export function parseName(buf: Uint8Array, t: Tlv, what: string): Name {
  if (t.tag !== Tag.SEQUENCE) throw new DerError(`${what}: Name is not a SEQUENCE`, t.start);
  if (t.end - t.start > MAX_NAME_BYTES) {
    throw new DerError(
      `${what}: the name is ${(t.end - t.start).toLocaleString("en-US")} bytes; at most ${MAX_NAME_BYTES.toLocaleString("en-US")} are read`,
      t.start,
    );
  }
  const rdns: NameAttribute[][] = [];
  let attributes = 0;
  for (const set of children(buf, t, MAX_NAME_ATTRIBUTES, `RDNs in ${what}`)) {
    if (set.tag !== Tag.SET) throw new DerError(`${what}: RDN is not a SET`, set.start);
    const rdn = parseRdn(buf, set, what);
    attributes += rdn.length;
    if (attributes > MAX_NAME_ATTRIBUTES) {
      throw new DerError(`${what}: the name has more than ${MAX_NAME_ATTRIBUTES} attributes`, set.start);
    }
    rdns.push(rdn);
  }
  return new Name(buf.subarray(t.start, t.end), rdns);
}

/**
 * Parse the attributes of one RelativeDistinguishedName. `t` is the SET, or an implicitly tagged RDN such as
 * a CRL distribution point's nameRelativeToCRLIssuer: only its contents are read.
 */
export function parseRdn(buf: Uint8Array, t: Tlv, what: string): NameAttribute[] {
  const rdn: NameAttribute[] = [];
  for (const atv of children(buf, t, MAX_NAME_ATTRIBUTES, `attributes in one RDN of ${what}`)) {
    if (atv.tag !== Tag.SEQUENCE) throw new DerError(`${what}: attribute is not a SEQUENCE`, atv.start);
    const typeT = expect(buf, atv.valueStart, atv.end, Tag.OID, `${what}: attribute type`);
    const valT = readTlv(buf, typeT.end, atv.end);
    if (valT.end !== atv.end) throw new DerError(`${what}: trailing data in attribute`, valT.end);
    const oid = decodeOid(buf, typeT);
    const value = STRING_TAGS.has(valT.tag)
      ? decodeString(buf, valT)
      : `#${toHex(buf.subarray(valT.start, valT.end)).toUpperCase()}`;
    rdn.push({
      oid,
      shortName: NAME_ATTRIBUTES[oid],
      value,
      valueTag: valT.tag,
      valueDer: buf.subarray(valT.start, valT.end),
    });
  }
  if (rdn.length === 0) throw new DerError(`${what}: empty RDN`, t.start);
  return rdn;
}

// ---------------------------------------------------------------------------------------------------------
// GeneralName (RFC 5280 4.2.1.6)

export type GeneralName =
  | { type: "dns"; value: string }
  | { type: "email"; value: string }
  | { type: "uri"; value: string }
  /** `bytes` is 4 or 16 bytes in a SAN; 8 or 32 (address + mask) in name constraints. */
  | { type: "ip"; value: string; bytes: Uint8Array }
  | { type: "dirName"; value: string; name: Name }
  | { type: "otherName"; value: string; oid: string; der: Uint8Array }
  | { type: "registeredId"; value: string }
  | { type: "x400Address" | "ediPartyName"; value: string; der: Uint8Array };

const latin1 = new TextDecoder("latin1");

/** Parse one GeneralName. `constraint` allows the address/mask IP form used in name constraints. */
export function parseGeneralName(buf: Uint8Array, t: Tlv, what: string, constraint = false): GeneralName {
  const v = buf.subarray(t.valueStart, t.end);
  switch (t.tag) {
    case 0xa0: {
      const oidT = expect(buf, t.valueStart, t.end, Tag.OID, `${what}: otherName type`);
      const oid = decodeOid(buf, oidT);
      const valT = expect(buf, oidT.end, t.end, 0xa0, `${what}: otherName value`);
      const inner = readTlv(buf, valT.valueStart, valT.end);
      const text = STRING_TAGS.has(inner.tag)
        ? decodeString(buf, inner)
        : `#${toHex(buf.subarray(inner.start, inner.end)).toUpperCase()}`;
      return { type: "otherName", oid, value: `${oid};${text}`, der: buf.subarray(t.start, t.end) };
    }
    case 0x81:
      return { type: "email", value: ia5(v, t, what) };
    case 0x82:
      return { type: "dns", value: ia5(v, t, what) };
    case 0xa3:
      return { type: "x400Address", value: "<x400Address>", der: buf.subarray(t.start, t.end) };
    case 0xa4: {
      const inner = readTlv(buf, t.valueStart, t.end);
      if (inner.end !== t.end) throw new DerError(`${what}: trailing data after directoryName`, inner.end);
      const name = parseName(buf, inner, what);
      return { type: "dirName", name, value: name.toString() };
    }
    case 0xa5:
      return { type: "ediPartyName", value: "<ediPartyName>", der: buf.subarray(t.start, t.end) };
    case 0x86:
      return { type: "uri", value: ia5(v, t, what) };
    case 0x87: {
      const ok = constraint ? v.length === 8 || v.length === 32 : v.length === 4 || v.length === 16;
      if (!ok) throw new DerError(`${what}: iPAddress has ${v.length} bytes`, t.start);
      return { type: "ip", bytes: v, value: ipText(v) };
    }
    case 0x88: {
      const fake: Tlv = { tag: Tag.OID, start: t.start, valueStart: t.valueStart, end: t.end };
      return { type: "registeredId", value: decodeOid(buf, fake) };
    }
    default:
      throw new DerError(`${what}: unknown GeneralName tag 0x${t.tag.toString(16)}`, t.start);
  }
}

function ia5(v: Uint8Array, t: Tlv, what: string): string {
  for (let i = 0; i < v.length; i++) {
    if (v[i] > 0x7f) throw new DerError(`${what}: IA5String contains a non-ASCII byte`, t.valueStart + i);
  }
  return latin1.decode(v);
}

/** Text for an IP address (4/16 bytes) or an address/mask pair (8/32 bytes) as address/prefix. */
export function ipText(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join(".");
  if (b.length === 16) return ipv6Text(b);
  const half = b.length / 2;
  const addr = ipText(b.subarray(0, half));
  const mask = b.subarray(half);
  let prefix = 0;
  let contiguous = true;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      if (byte & (1 << bit)) {
        if (!contiguous) return `${addr}/${ipText(mask)}`;
        prefix++;
      } else contiguous = false;
    }
  }
  return `${addr}/${prefix}`;
}

function ipv6Text(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
  // Longest run of zero groups (length ≥ 2) becomes "::" (RFC 5952).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  const left = hex.slice(0, bestStart).join(":");
  const right = hex.slice(bestStart + bestLen).join(":");
  return `${left}::${right}`;
}

/** Parse a SEQUENCE OF GeneralName (SubjectAltName / IssuerAltName). */
export function parseGeneralNames(buf: Uint8Array, t: Tlv, what: string): GeneralName[] {
  if (t.tag !== Tag.SEQUENCE) throw new DerError(`${what}: GeneralNames is not a SEQUENCE`, t.start);
  return children(buf, t).map((c) => parseGeneralName(buf, c, what));
}
