/**
 * A strict, zero-copy DER reader.
 *
 * Why hand-written: the certificate parse is on the validator's hot path (x509-limbo alone holds ~40,000
 * certificates). Measured here, @peculiar/asn1-x509 parses ~2,400 certs/s and node:crypto's X509Certificate
 * ~6,000/s; both are an order of magnitude short of our target. A DER walker that hands out subarrays is
 * small, easy to audit, and lets every decoding error say exactly where the bytes went wrong.
 *
 * Strictness: definite lengths only, minimal length encoding, single-byte tags. DER violations are errors,
 * because a validator that accepts ambiguous encodings can be made to see a different certificate than the
 * client does.
 */

export class DerError extends Error {
  override readonly name = "DerError";
  constructor(
    message: string,
    /** Offset within the buffer being decoded, for "at byte N" messages. */
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Universal tags we use, as full identifier octets. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  T61String: 0x14,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  VisibleString: 0x1a,
  UniversalString: 0x1c,
  BMPString: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** One decoded tag-length-value: offsets into the original buffer. */
export interface Tlv {
  /** The identifier octet (class, constructed bit and tag number). */
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  valueStart: number;
  /** Offset just past the last content octet. */
  end: number;
}

/** Read the TLV starting at `pos`, which must end at or before `limit`. */
export function readTlv(buf: Uint8Array, pos: number, limit: number): Tlv {
  if (pos >= limit) throw new DerError("expected a DER element but the data ended", pos);
  const tag = buf[pos];
  if ((tag & 0x1f) === 0x1f) throw new DerError("high-tag-number form is not used in certificates", pos);
  if (pos + 1 >= limit) throw new DerError("DER length missing", pos + 1);
  let len = buf[pos + 1];
  let valueStart = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError("indefinite length is not allowed in DER", pos + 1);
    if (n > 4) throw new DerError("DER length too large", pos + 1);
    if (valueStart + n > limit) throw new DerError("DER length runs past the end of the data", pos + 1);
    if (buf[valueStart] === 0) throw new DerError("DER length is not minimally encoded", pos + 1);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[valueStart + i];
    if (len < 0x80) throw new DerError("DER length is not minimally encoded", pos + 1);
    valueStart += n;
  }
  const end = valueStart + len;
  if (end > limit) {
    throw new DerError(`DER element needs ${len} bytes but only ${limit - valueStart} remain`, pos);
  }
  return { tag, start: pos, valueStart, end };
}

/** Read a TLV and insist on its tag. */
export function expect(buf: Uint8Array, pos: number, limit: number, tag: number, what: string): Tlv {
  const t = readTlv(buf, pos, limit);
  if (t.tag !== tag) {
    throw new DerError(`${what}: expected tag 0x${hex2(tag)}, found 0x${hex2(t.tag)}`, pos);
  }
  return t;
}

/** The children of a constructed element, in order. */
export function children(buf: Uint8Array, parent: Tlv, max = 100_000, what = "elements"): Tlv[] {
  const out: Tlv[] = [];
  let p = parent.valueStart;
  while (p < parent.end) {
    const t = readTlv(buf, p, parent.end);
    out.push(t);
    if (out.length > max) throw new DerError(`more than ${max.toLocaleString("en-US")} ${what}`, p);
    p = t.end;
  }
  return out;
}

export function value(buf: Uint8Array, t: Tlv): Uint8Array {
  return buf.subarray(t.valueStart, t.end);
}

export function whole(buf: Uint8Array, t: Tlv): Uint8Array {
  return buf.subarray(t.start, t.end);
}

const latin1 = new TextDecoder("latin1");
/** Decoded OIDs by a hash of their content octets; each entry keeps its bytes to rule out collisions. */
const OID_CACHE = new Map<number, { bytes: Uint8Array; oid: string }>();

/** Decode an OBJECT IDENTIFIER's content octets to dotted text. */
export function decodeOid(buf: Uint8Array, t: Tlv): string {
  const len = t.end - t.valueStart;
  if (len === 0) throw new DerError("empty OBJECT IDENTIFIER", t.start);
  // OIDs repeat endlessly across certificates: cache by an FNV-1a hash of their bytes (no string building
  // on the hot path), confirming the bytes on a hit.
  let key = 0x811c9dc5 ^ len;
  for (let i = t.valueStart; i < t.end; i++) key = Math.imul(key ^ buf[i], 0x01000193);
  const hit = OID_CACHE.get(key);
  if (hit !== undefined && hit.bytes.length === len) {
    let same = true;
    for (let i = 0; i < len; i++) {
      if (hit.bytes[i] !== buf[t.valueStart + i]) {
        same = false;
        break;
      }
    }
    if (same) return hit.oid;
  }
  const parts: number[] = [];
  let v = 0;
  let first = true;
  let started = false;
  for (let i = t.valueStart; i < t.end; i++) {
    const b = buf[i];
    if (!started && b === 0x80) throw new DerError("OBJECT IDENTIFIER arc is not minimally encoded", i);
    started = true;
    if (v > 0x1fffffffffff) throw new DerError("OBJECT IDENTIFIER arc too large", i);
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (first) {
        const a = v < 40 ? 0 : v < 80 ? 1 : 2;
        parts.push(a, v - a * 40);
        first = false;
      } else parts.push(v);
      v = 0;
      started = false;
    }
  }
  if (started) throw new DerError("OBJECT IDENTIFIER ends in the middle of an arc", t.end);
  const s = parts.join(".");
  if (len <= 32 && OID_CACHE.size < 10_000)
    OID_CACHE.set(key, { bytes: buf.slice(t.valueStart, t.end), oid: s });
  return s;
}

/** INTEGER content octets as a non-negative bigint-free number (for small values such as versions). */
export function decodeSmallInt(buf: Uint8Array, t: Tlv, what: string): number {
  const len = t.end - t.valueStart;
  if (len === 0) throw new DerError(`${what}: empty INTEGER`, t.start);
  if (len > 6) throw new DerError(`${what}: INTEGER too large`, t.start);
  if (len > 1 && buf[t.valueStart] === 0 && !(buf[t.valueStart + 1] & 0x80)) {
    throw new DerError(`${what}: INTEGER is not minimally encoded`, t.start);
  }
  if (buf[t.valueStart] & 0x80) throw new DerError(`${what}: negative INTEGER`, t.start);
  let v = 0;
  for (let i = t.valueStart; i < t.end; i++) v = v * 256 + buf[i];
  return v;
}

export function decodeBoolean(buf: Uint8Array, t: Tlv, what: string): boolean {
  if (t.end - t.valueStart !== 1) throw new DerError(`${what}: BOOLEAN must be one byte`, t.start);
  const b = buf[t.valueStart];
  if (b !== 0 && b !== 0xff) throw new DerError(`${what}: BOOLEAN must be 0x00 or 0xFF in DER`, t.start);
  return b === 0xff;
}

/** BIT STRING: returns the bytes after the unused-bits octet and the unused-bit count. */
export function decodeBitString(
  buf: Uint8Array,
  t: Tlv,
  what: string,
): { bytes: Uint8Array; unused: number } {
  if (t.end - t.valueStart < 1) throw new DerError(`${what}: empty BIT STRING`, t.start);
  const unused = buf[t.valueStart];
  if (unused > 7) throw new DerError(`${what}: BIT STRING unused-bit count ${unused} > 7`, t.start);
  if (unused > 0 && t.end - t.valueStart === 1) throw new DerError(`${what}: bad BIT STRING`, t.start);
  return { bytes: buf.subarray(t.valueStart + 1, t.end), unused };
}

const td = new TextDecoder("utf-8", { fatal: true });

/** Decode a string-typed element (the directory string types and IA5String) to JS text. */
export function decodeString(buf: Uint8Array, t: Tlv): string {
  const v = buf.subarray(t.valueStart, t.end);
  switch (t.tag) {
    case Tag.UTF8String:
      try {
        return td.decode(v);
      } catch {
        throw new DerError("UTF8String is not valid UTF-8", t.start);
      }
    case Tag.BMPString: {
      if (v.length % 2) throw new DerError("BMPString has an odd length", t.start);
      const units = new Array<number>(v.length / 2);
      for (let i = 0; i < v.length; i += 2) units[i / 2] = (v[i] << 8) | v[i + 1];
      return fromCodes(units, String.fromCharCode);
    }
    case Tag.UniversalString: {
      if (v.length % 4) throw new DerError("UniversalString length is not a multiple of 4", t.start);
      const points = new Array<number>(v.length / 4);
      for (let i = 0; i < v.length; i += 4) {
        const cp = ((v[i] << 24) | (v[i + 1] << 16) | (v[i + 2] << 8) | v[i + 3]) >>> 0;
        if (cp > 0x10ffff) throw new DerError("UniversalString code point out of range", t.start);
        points[i / 4] = cp;
      }
      return fromCodes(points, String.fromCodePoint);
    }
    default:
      // PrintableString, IA5String, VisibleString, T61String (treated as Latin-1, as OpenSSL does).
      return latin1.decode(v);
  }
}

/** Text from code units or points, a bounded chunk per call (a spread of millions overflows the stack). */
function fromCodes(codes: number[], from: (...codes: number[]) => string): string {
  const parts: string[] = [];
  for (let i = 0; i < codes.length; i += 8192) parts.push(from(...codes.slice(i, i + 8192)));
  return parts.join("");
}

/** UTCTime / GeneralizedTime to a Date, enforcing the RFC 5280 DER profile (Z, seconds, no fractions). */
export function decodeTime(buf: Uint8Array, t: Tlv, what: string): Date {
  const len = t.end - t.valueStart;
  const v = t.valueStart;
  let y: number;
  let p: number; // where the month begins
  const text = () => printable(latin1.decode(buf.subarray(t.valueStart, t.end)));
  if (t.tag === Tag.UTCTime) {
    if (len !== 13 || buf[t.end - 1] !== 0x5a)
      throw new DerError(`${what}: UTCTime "${text()}" is not YYMMDDHHMMSSZ`, t.start);
    const yy = digits(buf, v, 2);
    // RFC 5280 4.1.2.5.1: YY >= 50 means 19YY, otherwise 20YY.
    y = yy < 0 ? -1 : yy >= 50 ? 1900 + yy : 2000 + yy;
    p = v + 2;
  } else if (t.tag === Tag.GeneralizedTime) {
    if (len !== 15 || buf[t.end - 1] !== 0x5a) {
      throw new DerError(`${what}: GeneralizedTime "${text()}" is not YYYYMMDDHHMMSSZ`, t.start);
    }
    y = digits(buf, v, 4);
    p = v + 4;
  } else {
    throw new DerError(`${what}: expected UTCTime or GeneralizedTime, found tag 0x${hex2(t.tag)}`, t.start);
  }
  const mo = digits(buf, p, 2);
  const d = digits(buf, p + 2, 2);
  const h = digits(buf, p + 4, 2);
  const mi = digits(buf, p + 6, 2);
  const se = digits(buf, p + 8, 2);
  if (
    y < 0 ||
    mo < 1 ||
    mo > 12 ||
    d < 1 ||
    d > daysIn(y, mo) ||
    h < 0 ||
    h > 23 ||
    mi < 0 ||
    mi > 59 ||
    se < 0 ||
    se > 59
  ) {
    throw new DerError(`${what}: "${text()}" is not a valid date`, t.start);
  }
  return new Date(Date.UTC(y, mo - 1, d, h, mi, se));
}

/**
 * The decimal number in the `n` digits at `at`, or -1 if one is not a digit. Read by hand, and not by a
 * closure made for every call: this runs twice per certificate on the validator's hot path.
 */
function digits(buf: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = buf[i] - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function daysIn(y: number, m: number): number {
  if (m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) return 29;
  return MONTH_DAYS[m - 1];
}

export function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => hex2(i));

export function toHex(b: Uint8Array, sep = ""): string {
  // Buffer's encoder is linear and native; the loop below built multi-megabyte strings a pair at a time.
  if (!sep) return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
  let s = "";
  for (let i = 0; i < b.length; i++) {
    if (i && sep) s += sep;
    s += HEX[b[i]];
  }
  return s;
}

/** Make attacker-controlled text safe to put in an error message (no control characters, bounded). */
export function printable(s: string, max = 80): string {
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${hex2(c.charCodeAt(0))}`);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
