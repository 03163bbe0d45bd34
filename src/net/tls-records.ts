/**
 * The TLS record layer and handshake messages, read from the bytes a server sends (RFC 5246, RFC 8446).
 *
 * Incremental: bytes arrive in arbitrary pieces, a handshake message may span records and one record may
 * hold several messages. Everything is bounded: records by the protocol's own limit, handshake messages by
 * a caller-given size, lists by their length prefixes. Malformed input raises TlsFormatError, never
 * anything else, so one hostile server cannot crash the probe.
 */

import { EXTENSIONS, VERSION_CODES } from "./tls-names.js";

export const ContentType = {
  changeCipherSpec: 20,
  alert: 21,
  handshake: 22,
  applicationData: 23,
} as const;

export const HandshakeType = {
  clientHello: 1,
  serverHello: 2,
  newSessionTicket: 4,
  encryptedExtensions: 8,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  finished: 20,
  certificateStatus: 22,
  keyUpdate: 24,
} as const;

/**
 * The largest body node's TLS client (OpenSSL 3.0, ossl_statem_client_max_message_size) takes for each message
 * a server sends; a larger one fails its handshake with "excessive message size". The certificate list's and
 * the CertificateRequest's are SSL_CTX_set_max_cert_list's default (100 KiB).
 */
export const OPENSSL_CLIENT_MESSAGE_LIMITS: Readonly<Record<number, number>> = {
  2: 20_000, // ServerHello, HelloRetryRequest
  4: 16_384, // NewSessionTicket
  8: 20_000, // EncryptedExtensions
  11: 102_400, // Certificate
  12: 102_400, // ServerKeyExchange
  13: 102_400, // CertificateRequest
  14: 0, // ServerHelloDone
  15: 16_384, // CertificateVerify
  20: 64, // Finished
  22: 16_384, // CertificateStatus
  24: 1, // KeyUpdate
};

/** The largest record RFC 5246 6.2.3 allows (2^14 + 2048 for ciphertext); anything bigger is not TLS. */
export const MAX_RECORD_LENGTH = 16384 + 2048;

/** SHA-256("HelloRetryRequest"): a ServerHello with this random is a HelloRetryRequest (RFC 8446 4.1.3). */
const HRR_RANDOM = Buffer.from("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c", "hex");

export type TlsFormatKind = "not-tls" | "malformed" | "too-large";

export class TlsFormatError extends Error {
  override readonly name = "TlsFormatError";
  constructor(
    message: string,
    readonly kind: TlsFormatKind,
    /** For "not-tls": the first bytes the peer sent. */
    readonly sample?: Uint8Array,
  ) {
    super(message);
  }
}

export interface TlsRecord {
  type: number;
  /** The record's legacy version field. */
  version: number;
  /** The 5-byte header (the additional data of a TLS 1.3 record). */
  header: Uint8Array;
  fragment: Uint8Array;
}

/** Splits a byte stream into records. The first record must look like TLS, or the stream is "not TLS". */
export class RecordReader {
  private buf: Buffer = Buffer.alloc(0);
  private seen = 0;

  /** Records completed by this chunk. Throws TlsFormatError on a stream that is not TLS. */
  push(chunk: Uint8Array): TlsRecord[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    const out: TlsRecord[] = [];
    let p = 0;
    for (;;) {
      // Judge the header as soon as its bytes are here: a non-TLS peer is named without waiting for more.
      const avail = this.buf.length - p;
      if (
        avail >= 1 &&
        (this.buf[p] < ContentType.changeCipherSpec || this.buf[p] > ContentType.applicationData)
      )
        this.fail(p);
      if (avail >= 2 && this.buf[p + 1] !== 3) this.fail(p);
      if (avail < 5) break;
      const len = this.buf.readUInt16BE(p + 3);
      if (len > MAX_RECORD_LENGTH) {
        if (this.seen === 0) this.fail(p);
        throw new TlsFormatError(`a TLS record of ${len} bytes is longer than TLS allows`, "malformed");
      }
      if (avail < 5 + len) break;
      out.push({
        type: this.buf[p],
        version: this.buf.readUInt16BE(p + 1),
        header: this.buf.subarray(p, p + 5),
        fragment: this.buf.subarray(p + 5, p + 5 + len),
      });
      this.seen++;
      p += 5 + len;
    }
    this.buf = p ? Buffer.from(this.buf.subarray(p)) : this.buf;
    return out;
  }

  /** Bytes held that do not yet make a whole record. */
  get pending(): number {
    return this.buf.length;
  }

  private fail(p: number): never {
    if (this.seen > 0) throw new TlsFormatError("the server sent a malformed TLS record", "malformed");
    throw new TlsFormatError("the server does not speak TLS", "not-tls", this.buf.subarray(p, p + 64));
  }
}

export interface HandshakeMessage {
  type: number;
  body: Uint8Array;
}

/** Reassembles handshake messages from handshake-record payloads, refusing any over `maxMessageBytes`. */
export class HandshakeReader {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly maxMessageBytes: number) {}

  push(fragment: Uint8Array): HandshakeMessage[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, fragment]) : Buffer.from(fragment);
    const out: HandshakeMessage[] = [];
    let p = 0;
    while (this.buf.length - p >= 4) {
      const type = this.buf[p];
      const len = this.buf.readUIntBE(p + 1, 3);
      if (len > this.maxMessageBytes) {
        throw new HandshakeTooLargeError(type, len, this.maxMessageBytes);
      }
      if (this.buf.length - p < 4 + len) break;
      out.push({ type, body: this.buf.subarray(p + 4, p + 4 + len) });
      p += 4 + len;
    }
    this.buf = p ? Buffer.from(this.buf.subarray(p)) : this.buf;
    return out;
  }

  /** Bytes held that do not yet make a whole message (a message header counts from its first byte). */
  get buffered(): number {
    return this.buf.length;
  }

  /** The message being received, when one has started but not ended. */
  partial(): { type: number; length: number; received: number } | undefined {
    if (this.buf.length < 4) return undefined;
    return { type: this.buf[0], length: this.buf.readUIntBE(1, 3), received: this.buf.length - 4 };
  }
}

export class HandshakeTooLargeError extends TlsFormatError {
  constructor(
    readonly type: number,
    readonly length: number,
    readonly limit: number,
  ) {
    super(`handshake message of ${length} bytes exceeds the limit of ${limit} bytes`, "too-large");
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reading structures

/** A bounds-checked reader over one structure; every overrun is a TlsFormatError naming `what`. */
export class Reader {
  p: number;
  constructor(
    readonly buf: Uint8Array,
    readonly what: string,
    start = 0,
    readonly end = buf.length,
  ) {
    this.p = start;
  }

  get left(): number {
    return this.end - this.p;
  }

  private need(n: number): void {
    if (this.p + n > this.end) throw new TlsFormatError(`${this.what}: truncated`, "malformed");
  }

  u8(): number {
    this.need(1);
    return this.buf[this.p++];
  }

  u16(): number {
    this.need(2);
    const v = (this.buf[this.p] << 8) | this.buf[this.p + 1];
    this.p += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const v = (this.buf[this.p] << 16) | (this.buf[this.p + 1] << 8) | this.buf[this.p + 2];
    this.p += 3;
    return v;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.buf.subarray(this.p, this.p + n);
    this.p += n;
    return v;
  }

  vec8(): Uint8Array {
    return this.bytes(this.u8());
  }

  vec16(): Uint8Array {
    return this.bytes(this.u16());
  }

  vec24(): Uint8Array {
    return this.bytes(this.u24());
  }

  /** A reader over the next `n` bytes (advancing past them). */
  sub(n: number, what = this.what): Reader {
    this.need(n);
    const r = new Reader(this.buf, what, this.p, this.p + n);
    this.p += n;
    return r;
  }

  done(): void {
    if (this.p !== this.end)
      throw new TlsFormatError(`${this.what}: ${this.end - this.p} unexpected bytes`, "malformed");
  }
}

export interface TlsExtension {
  type: number;
  data: Uint8Array;
}

export function readExtensions(r: Reader, what: string): TlsExtension[] {
  const out: TlsExtension[] = [];
  const list = r.sub(r.u16(), `${what} extensions`);
  while (list.left > 0) {
    const type = list.u16();
    out.push({ type, data: list.vec16() });
  }
  return out;
}

function u16List(data: Uint8Array, what: string): number[] {
  const r = new Reader(data, what);
  const list = r.sub(r.u16());
  const out: number[] = [];
  while (list.left > 0) out.push(list.u16());
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Messages

export interface ServerHello {
  legacyVersion: number;
  /** The negotiated version: supported_versions when present, else the legacy field. */
  version: number;
  random: Uint8Array;
  cipherSuite: number;
  helloRetryRequest: boolean;
  extensions: TlsExtension[];
  /** key_share group (TLS 1.3), or the group a HelloRetryRequest asks for. */
  keyShareGroup?: number;
  alpn?: string;
  /** The server will send a CertificateStatus (TLS ≤ 1.2 status_request answered). */
  statusRequest: boolean;
}

export function parseServerHello(body: Uint8Array): ServerHello {
  const r = new Reader(body, "ServerHello");
  const legacyVersion = r.u16();
  const random = r.bytes(32);
  r.vec8(); // legacy_session_id_echo
  const cipherSuite = r.u16();
  r.u8(); // compression
  const extensions = r.left > 0 ? readExtensions(r, "ServerHello") : [];
  r.done();
  let version = legacyVersion;
  let keyShareGroup: number | undefined;
  let alpn: string | undefined;
  let statusRequest = false;
  for (const e of extensions) {
    if (e.type === EXTENSIONS.supportedVersions) {
      const v = new Reader(e.data, "supported_versions");
      version = v.u16();
    } else if (e.type === EXTENSIONS.keyShare && e.data.length >= 2) {
      keyShareGroup = (e.data[0] << 8) | e.data[1];
    } else if (e.type === EXTENSIONS.alpn) {
      alpn = parseAlpn(e.data);
    } else if (e.type === EXTENSIONS.statusRequest) {
      statusRequest = true;
    }
  }
  return {
    legacyVersion,
    version,
    random,
    cipherSuite,
    helloRetryRequest: Buffer.from(random).equals(HRR_RANDOM),
    extensions,
    keyShareGroup,
    alpn,
    statusRequest,
  };
}

/** The random of a ClientHello (to match keylog lines to this connection). */
export function clientHelloRandom(body: Uint8Array): Uint8Array {
  const r = new Reader(body, "ClientHello");
  r.u16();
  return r.bytes(32);
}

/** The first protocol of an ALPN extension (the server selects exactly one). */
export function parseAlpn(data: Uint8Array): string {
  const r = new Reader(data, "ALPN");
  const list = r.sub(r.u16());
  return Buffer.from(list.vec8()).toString("latin1");
}

export function parseEncryptedExtensions(body: Uint8Array): { alpn?: string; extensions: TlsExtension[] } {
  const r = new Reader(body, "EncryptedExtensions");
  const extensions = readExtensions(r, "EncryptedExtensions");
  r.done();
  const a = extensions.find((e) => e.type === EXTENSIONS.alpn);
  return { alpn: a ? parseAlpn(a.data) : undefined, extensions };
}

export interface CertificateMessage {
  /** The certificates kept (the first `maxKeep`), exact DER as sent. */
  certificates: Uint8Array[];
  /** How many the message held. */
  count: number;
  /** TLS 1.3: a stapled OCSP response in the first entry's status_request extension. */
  ocsp?: Uint8Array;
  /** TLS 1.3: a signed_certificate_timestamp list in the first entry. */
  sctList?: Uint8Array;
}

export function parseCertificateMessage(
  body: Uint8Array,
  tls13: boolean,
  maxKeep: number,
): CertificateMessage {
  const r = new Reader(body, "Certificate");
  if (tls13) r.vec8(); // certificate_request_context
  const list = r.sub(r.u24(), "Certificate list");
  r.done();
  const out: CertificateMessage = { certificates: [], count: 0 };
  while (list.left > 0) {
    const der = list.vec24();
    if (out.count < maxKeep) out.certificates.push(der);
    if (tls13) {
      const exts = readExtensions(list, "CertificateEntry");
      if (out.count === 0) {
        for (const e of exts) {
          if (e.type === EXTENSIONS.statusRequest) out.ocsp = parseCertificateStatus(e.data);
          else if (e.type === EXTENSIONS.sct) out.sctList = e.data;
        }
      }
    }
    out.count++;
  }
  return out;
}

/** CertificateStatus (RFC 6066 8): status_type ocsp(1), then the DER OCSPResponse. */
export function parseCertificateStatus(body: Uint8Array): Uint8Array | undefined {
  const r = new Reader(body, "CertificateStatus");
  const type = r.u8();
  if (type !== 1) return undefined;
  const der = r.vec24();
  r.done();
  return der;
}

export interface CertificateRequest {
  /** TLS ≤ 1.2 certificate_types. */
  certificateTypes?: number[];
  /** signature_algorithms (TLS 1.2 list or TLS 1.3 extension); absent before TLS 1.2. */
  signatureAlgorithms?: number[];
  /** TLS 1.3 signature_algorithms_cert, when sent. */
  signatureAlgorithmsCert?: number[];
  /** The acceptable CA names, each a DER-encoded X.501 Name, in the order sent. */
  certificateAuthorities: Uint8Array[];
}

export function parseCertificateRequest(body: Uint8Array, version: number): CertificateRequest {
  const r = new Reader(body, "CertificateRequest");
  if (version >= VERSION_CODES["TLSv1.3"]) {
    r.vec8(); // certificate_request_context
    const exts = readExtensions(r, "CertificateRequest");
    r.done();
    const out: CertificateRequest = { certificateAuthorities: [] };
    for (const e of exts) {
      if (e.type === EXTENSIONS.signatureAlgorithms)
        out.signatureAlgorithms = u16List(e.data, "signature_algorithms");
      else if (e.type === EXTENSIONS.signatureAlgorithmsCert)
        out.signatureAlgorithmsCert = u16List(e.data, "signature_algorithms_cert");
      else if (e.type === EXTENSIONS.certificateAuthorities)
        out.certificateAuthorities = distinguishedNames(e.data);
    }
    return out;
  }
  const types = Array.from(r.vec8());
  let signatureAlgorithms: number[] | undefined;
  if (version >= VERSION_CODES["TLSv1.2"]) {
    const list = r.sub(r.u16());
    signatureAlgorithms = [];
    while (list.left > 0) signatureAlgorithms.push(list.u16());
  }
  const cas = distinguishedNames(r.bytes(r.left));
  return { certificateTypes: types, signatureAlgorithms, certificateAuthorities: cas };
}

/** DistinguishedName certificate_authorities<0..2^16-1>, each <1..2^16-1>. */
function distinguishedNames(data: Uint8Array): Uint8Array[] {
  const r = new Reader(data, "certificate_authorities");
  const list = r.sub(r.u16());
  r.done();
  const out: Uint8Array[] = [];
  while (list.left > 0) out.push(list.vec16());
  return out;
}

export interface KeyExchangeInfo {
  /** ECDHE named group. */
  group?: number;
  /** DHE prime size in bits. */
  dhBits?: number;
  /** The signature scheme of the server's key-exchange signature (TLS 1.2 only). */
  signatureScheme?: number;
}

/** ServerKeyExchange for ECDHE and DHE suites (RFC 8422 5.4, RFC 5246 7.4.3). */
export function parseServerKeyExchange(body: Uint8Array, version: number, ecdhe: boolean): KeyExchangeInfo {
  const r = new Reader(body, "ServerKeyExchange");
  const out: KeyExchangeInfo = {};
  if (ecdhe) {
    if (r.u8() !== 3) return out; // only named_curve is used in practice
    out.group = r.u16();
    r.vec8();
  } else {
    const p = r.vec16();
    let i = 0;
    while (i < p.length && p[i] === 0) i++;
    out.dhBits = (p.length - i) * 8 - (i < p.length ? Math.clz32(p[i]) - 24 : 0);
    r.vec16();
    r.vec16();
  }
  if (version >= VERSION_CODES["TLSv1.2"] && r.left >= 2) out.signatureScheme = r.u16();
  return out;
}

export function parseCertificateVerify(body: Uint8Array): number {
  return new Reader(body, "CertificateVerify").u16();
}

export interface Alert {
  level: number;
  description: number;
}

export function parseAlert(fragment: Uint8Array): Alert {
  const r = new Reader(fragment, "alert");
  return { level: r.u8(), description: r.u8() };
}

// ---------------------------------------------------------------------------------------------------------
// Writing: the client's side of the structures above, for the hellos this project builds itself (./hello.ts,
// ./tls13-client.ts).

export const u16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
export const u24 = (n: number): Buffer => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
export const vec8 = (b: Buffer): Buffer => Buffer.concat([Buffer.from([b.length]), b]);
export const vec16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);
/** An extension: its type and its data, length-prefixed. */
export const ext = (type: number, data: Buffer): Buffer => Buffer.concat([u16(type), vec16(data)]);
/** A list of 16-bit values (suites, groups, schemes), length-prefixed. */
export const list16 = (values: number[]): Buffer => vec16(Buffer.concat(values.map(u16)));

/** server_name (RFC 6066 3): one host_name. */
export function serverNameExtension(name: string): Buffer {
  return ext(
    EXTENSIONS.serverName,
    vec16(Buffer.concat([Buffer.from([0]), vec16(Buffer.from(name, "latin1"))])),
  );
}

/** application_layer_protocol_negotiation (RFC 7301 3.1): the protocols offered, in order. */
export function alpnExtension(protocols: string[]): Buffer {
  return ext(EXTENSIONS.alpn, vec16(Buffer.concat(protocols.map((a) => vec8(Buffer.from(a, "latin1"))))));
}
