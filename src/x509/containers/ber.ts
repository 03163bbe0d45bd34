/**
 * A small, defensive BER/DER reader for the certificate containers (PKCS#7, PKCS#12, the key blobs
 * inside JKS).
 *
 * Why not src/x509/der.ts: containers are BER in the wild (Windows and `openssl cms -stream` write
 * indefinite lengths and chunked OCTET STRINGs), while certificates themselves must be strict DER.
 * Keeping the lenient reader here keeps the strict certificate parser strict.
 *
 * Why not an ASN.1 library (@peculiar/asn1-schema et al.): we need the *exact* byte range of each
 * certificate (to hand back the original DER, not a re-encoding), error messages that name the byte
 * offset and the container, hard caps on nesting and counts, and a guarantee that malformed input
 * only ever raises our InputError / LimitError. A ~250-line walker gives all of that with no
 * dependency; the structures we read are few and shallow.
 *
 * Every read is bounds-checked against the enclosing element, so truncated or lying lengths turn into
 * an InputError naming what was expected and where, never a RangeError or an endless loop.
 */
import { InputError, LimitError } from "../errors.js";

/** At most this many certificates (or keys, or keystore entries) per container. */
export const MAX_CONTAINER_CERTIFICATES = 10_000;

/** Options shared by the container readers. */
export interface ContainerReadOptions {
  /** How to name the input in error messages, e.g. the file name "keystore.p12". */
  name?: string;
}

/** Deepest nesting of constructed elements we follow (real containers use fewer than 15 levels). */
export const MAX_BER_DEPTH = 64;
/** Default cap on the children of one constructed element. */
export const MAX_BER_CHILDREN = 100_000;

/** The two class bits of an identifier octet. */
export const TagClass = { Universal: 0, Application: 1, Context: 2, Private: 3 } as const;
export type TagClass = (typeof TagClass)[keyof typeof TagClass];

/** Universal tag numbers we use. */
export const Tag = {
  Boolean: 1,
  Integer: 2,
  BitString: 3,
  OctetString: 4,
  Null: 5,
  Oid: 6,
  Utf8String: 12,
  Sequence: 16,
  Set: 17,
  PrintableString: 19,
  Ia5String: 22,
  BmpString: 30,
} as const;

/** One element: where its header, content and end are in the reader's buffer. */
export interface Tlv {
  readonly cls: TagClass;
  readonly constructed: boolean;
  readonly tag: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  readonly contentStart: number;
  /** End of the content (for indefinite lengths: the offset of the end-of-contents octets). */
  readonly contentEnd: number;
  /** End of the whole element (after the end-of-contents octets for indefinite lengths). */
  readonly end: number;
  readonly indefinite: boolean;
}

const UNIVERSAL_NAMES: Record<number, string> = {
  0: "end-of-contents",
  1: "BOOLEAN",
  2: "INTEGER",
  3: "BIT STRING",
  4: "OCTET STRING",
  5: "NULL",
  6: "OBJECT IDENTIFIER",
  12: "UTF8String",
  16: "SEQUENCE",
  17: "SET",
  19: "PrintableString",
  22: "IA5String",
  23: "UTCTime",
  24: "GeneralizedTime",
  30: "BMPString",
};

/** Human name of a tag, e.g. "SEQUENCE", "[0]", "[APPLICATION 3]". */
export function tagName(cls: TagClass, tag: number): string {
  switch (cls) {
    case TagClass.Universal:
      return UNIVERSAL_NAMES[tag] ?? `universal tag ${tag}`;
    case TagClass.Application:
      return `[APPLICATION ${tag}]`;
    case TagClass.Context:
      return `[${tag}]`;
    default:
      return `[PRIVATE ${tag}]`;
  }
}

/**
 * Reads elements out of one buffer. `where` names the buffer in error messages, e.g.
 * "keystore.p12" or "keystore.p12 (decrypted bag 2)", so the user can find the broken piece.
 */
export class BerReader {
  constructor(
    readonly buf: Uint8Array,
    readonly where: string,
  ) {}

  /** Throws an InputError that names this buffer and the byte offset. */
  fail(offset: number, message: string, code = "malformed-der"): never {
    throw new InputError(`${this.where}: ${message} (at byte offset ${offset})`, code);
  }

  /** Reads the element starting at `offset`, which must end by `limit`. */
  read(offset: number, limit: number = this.buf.length, depth = 0): Tlv {
    const buf = this.buf;
    if (depth > MAX_BER_DEPTH) {
      throw new LimitError(
        `${this.where}: ASN.1 nesting deeper than ${MAX_BER_DEPTH} levels (at byte offset ${offset})`,
      );
    }
    if (offset >= limit)
      this.fail(offset, "expected an ASN.1 element but the data ends here", "truncated-der");
    const start = offset;
    const id = buf[offset++];
    const cls = (id >> 6) as TagClass;
    const constructed = (id & 0x20) !== 0;
    let tag = id & 0x1f;
    if (tag === 0x1f) {
      // High tag number form: base-128, big-endian. Four octets (28 bits) is far beyond any real tag.
      tag = 0;
      for (let n = 0; ; n++) {
        if (offset >= limit) this.fail(start, "truncated tag", "truncated-der");
        if (n === 4) this.fail(start, "tag number is too large");
        const b = buf[offset++];
        tag = tag * 128 + (b & 0x7f);
        if ((b & 0x80) === 0) break;
      }
    }
    if (offset >= limit)
      this.fail(start, `truncated ${tagName(cls, tag)} header (no length)`, "truncated-der");
    const first = buf[offset++];
    if (first === 0x80) {
      // Indefinite length (BER only): the content is a run of elements closed by 00 00.
      if (!constructed) this.fail(start, `indefinite length on primitive ${tagName(cls, tag)}`);
      const contentStart = offset;
      let pos = offset;
      for (;;) {
        if (pos + 2 <= limit && buf[pos] === 0 && buf[pos + 1] === 0) {
          return {
            cls,
            constructed,
            tag,
            start,
            contentStart,
            contentEnd: pos,
            end: pos + 2,
            indefinite: true,
          };
        }
        if (pos >= limit) {
          this.fail(
            start,
            `${tagName(cls, tag)} of indefinite length has no end-of-contents marker`,
            "truncated-der",
          );
        }
        pos = this.read(pos, limit, depth + 1).end;
      }
    }
    let length: number;
    if (first < 0x80) {
      length = first;
    } else {
      const n = first & 0x7f;
      // 0xff is reserved; more than 4 length octets would mean a >4 GiB element, which no buffer here holds.
      if (n > 4)
        this.fail(start, `${tagName(cls, tag)} has a ${n}-octet length field, which is not supported`);
      if (offset + n > limit) this.fail(start, `truncated ${tagName(cls, tag)} length`, "truncated-der");
      length = 0;
      for (let i = 0; i < n; i++) length = length * 256 + buf[offset++];
    }
    const contentEnd = offset + length;
    if (contentEnd > limit) {
      this.fail(
        start,
        `${tagName(cls, tag)} declares ${length} content bytes but only ${limit - offset} remain`,
        "truncated-der",
      );
    }
    return {
      cls,
      constructed,
      tag,
      start,
      contentStart: offset,
      contentEnd,
      end: contentEnd,
      indefinite: false,
    };
  }

  /**
   * The children of a constructed element, in order. `max` caps how many we accept (LimitError past it);
   * `what` names them in that error, e.g. "certificates".
   */
  children(parent: Tlv, max: number = MAX_BER_CHILDREN, what = "elements", depth = 0): Tlv[] {
    if (!parent.constructed)
      this.fail(parent.start, `expected a constructed ${tagName(parent.cls, parent.tag)}`);
    const out: Tlv[] = [];
    let pos = parent.contentStart;
    while (pos < parent.contentEnd) {
      if (out.length >= max) {
        throw new LimitError(
          `${this.where}: more than ${max} ${what} in one ${tagName(parent.cls, parent.tag)} (at byte offset ${parent.start})`,
        );
      }
      const child = this.read(pos, parent.contentEnd, depth + 1);
      out.push(child);
      pos = child.end;
    }
    return out;
  }

  /** Fails unless `tlv` has the given class and tag. `what` says what we were looking for. */
  expect(tlv: Tlv | undefined, cls: TagClass, tag: number, what: string, at?: number): Tlv {
    if (tlv === undefined) {
      this.fail(at ?? this.buf.length, `missing ${what} (${tagName(cls, tag)})`);
    }
    if (tlv.cls !== cls || tlv.tag !== tag) {
      this.fail(tlv.start, `expected ${what} (${tagName(cls, tag)}) but found ${tagName(tlv.cls, tlv.tag)}`);
    }
    return tlv;
  }

  /** expect() for a universal SEQUENCE, returning its children. */
  sequence(tlv: Tlv | undefined, what: string, at?: number, max?: number): Tlv[] {
    const t = this.expect(tlv, TagClass.Universal, Tag.Sequence, what, at);
    return this.children(t, max, `elements of ${what}`);
  }

  /** The content octets of a primitive element (a view, not a copy). */
  content(tlv: Tlv): Uint8Array {
    return this.buf.subarray(tlv.contentStart, tlv.contentEnd);
  }

  /** The whole encoding of an element, header included (a view, not a copy). */
  bytes(tlv: Tlv): Uint8Array {
    return this.buf.subarray(tlv.start, tlv.end);
  }

  /**
   * The value of an OCTET STRING (or an implicitly tagged one). BER may split it into a constructed run
   * of OCTET STRING chunks (Windows does this for encrypted content); we join them.
   */
  octets(tlv: Tlv, depth = 0): Uint8Array {
    if (!tlv.constructed) return this.content(tlv);
    if (depth > 8) this.fail(tlv.start, "OCTET STRING chunks nested too deeply");
    const parts = this.children(tlv, MAX_BER_CHILDREN, "OCTET STRING chunks").map((c) => {
      this.expect(c, TagClass.Universal, Tag.OctetString, "an OCTET STRING chunk");
      return this.octets(c, depth + 1);
    });
    return concatBytes(parts);
  }

  /** A non-negative INTEGER that fits a JS number exactly (versions, iteration counts, key lengths). */
  smallInt(tlv: Tlv | undefined, what: string, at?: number): number {
    const t = this.expect(tlv, TagClass.Universal, Tag.Integer, what, at);
    if (t.constructed) this.fail(t.start, `${what} must be primitive`);
    const c = this.content(t);
    if (c.length === 0) this.fail(t.start, `${what} is an empty INTEGER`);
    if (c[0] & 0x80) this.fail(t.start, `${what} is negative`);
    let v = 0;
    for (const b of c) {
      v = v * 256 + b;
      if (v > Number.MAX_SAFE_INTEGER) this.fail(t.start, `${what} is too large`);
    }
    return v;
  }

  /** An OBJECT IDENTIFIER in dotted form. */
  oid(tlv: Tlv | undefined, what: string, at?: number): string {
    const t = this.expect(tlv, TagClass.Universal, Tag.Oid, what, at);
    if (t.constructed) this.fail(t.start, `${what} must be primitive`);
    const c = this.content(t);
    if (c.length === 0 || c.length > 256) this.fail(t.start, `${what} has a bad length (${c.length})`);
    if (c[c.length - 1] & 0x80) this.fail(t.start, `${what} ends in the middle of an arc`);
    const arcs: string[] = [];
    // Arcs may exceed 2^53 (e.g. 2.25.<UUID>): accumulate in a number and switch to BigInt if needed.
    let n = 0;
    let big: bigint | undefined;
    for (const b of c) {
      if (big !== undefined) big = big * 128n + BigInt(b & 0x7f);
      else if (n > 2 ** 45) big = BigInt(n) * 128n + BigInt(b & 0x7f);
      else n = n * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) {
        const value = big ?? BigInt(n);
        if (arcs.length === 0) {
          // The first encoded arc packs the first two: 40 * X + Y, with X in 0..2.
          const x = value < 40n ? 0n : value < 80n ? 1n : 2n;
          arcs.push(String(x), String(value - 40n * x));
        } else {
          arcs.push(String(value));
        }
        n = 0;
        big = undefined;
      }
    }
    return arcs.join(".");
  }

  /** Fails if anything but zero bytes or whitespace follows `end` (tools sometimes pad files). */
  checkTrailing(end: number, what: string): void {
    for (let i = end; i < this.buf.length; i++) {
      const b = this.buf[i];
      if (b !== 0 && b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) {
        this.fail(i, `${this.buf.length - end} unexpected bytes after the end of the ${what}`);
      }
    }
  }
}

/** Joins byte arrays into a new one. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Lower-case hex of some bytes. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/**
 * Checks that `bytes` is exactly one definite-length SEQUENCE (the shape of a DER certificate or a
 * PKCS#8 key) and returns a copy of it. We only check the outer frame: the certificate parser does
 * the rest.
 */
export function takeDerSequence(reader: BerReader, tlv: Tlv, what: string): Uint8Array {
  reader.expect(tlv, TagClass.Universal, Tag.Sequence, what);
  if (tlv.indefinite) reader.fail(tlv.start, `${what} uses a BER indefinite length; it must be DER`);
  return reader.buf.slice(tlv.start, tlv.end);
}
