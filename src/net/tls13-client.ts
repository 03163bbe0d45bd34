/**
 * chainproof's own TLS 1.3 client handshake: how a scan's full mode connects (ProbeOptions.capture "own";
 * docs/scan.md "How a full check connects").
 *
 * Why: node's TLS gives the certificates a server sent only as X509Certificate objects, and makes those by
 * copying every certificate after the leaf (X509_dup: a full decode in OpenSSL 3.0, ~300 µs for a P-256
 * intermediate), on top of the decode its own handshake already paid. A scan needs the DER as sent and nothing
 * else from the TLS library, so this client reads the certificate list from the wire, on the TCP socket,
 * with no TLS library and no JS stream in between.
 *
 * What it does is a complete TLS 1.3 handshake (RFC 8446), not a peek: a ClientHello offering what node 20's
 * client offers by default (the same suites, groups, signature algorithms and extensions, TLS 1.3 and 1.2) with
 * one x25519 key share made for this connection; the key schedule; the server's flight decrypted; its
 * CertificateVerify checked with the leaf's key (so the server proved it holds the key of the certificate it
 * sent) and its Finished with the handshake secret; then the client's Finished sent. Nothing else is sent.
 *
 * It never names a failure. What it does not handle it hands back (outcome "retry"), and the probe connects
 * again:
 * - to node's TLS ("native"): a server that picks TLS 1.2 or lower, a HelloRetryRequest (no x25519 on the
 *   server), a signature scheme or key it does not check (rsa_pss_pss, …), anything unexpected in an otherwise
 *   well-formed handshake. node then decides, as it did before this client existed;
 * - to the capture ("wire"), which names failures: a server that asks for a client certificate, an alert, a
 *   closed connection, bytes that are not TLS, a record that does not decrypt, a CertificateVerify or Finished
 *   that does not verify, more bytes than allowed, a server that stops mid-handshake.
 * So a scan's results are those of node's TLS whichever path answers (test/net-probe-own.test.ts scans every
 * lab endpoint all three ways).
 */

import {
  createCipheriv,
  createHash,
  createHmac,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type Hash,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import type net from "node:net";
import { checkTls13Signature } from "../verify/signatures.js";
import type { Certificate } from "../x509/certificate.js";
import { onAbort } from "./connect.js";
import { parseCached } from "./parsed.js";
import { EXTENSIONS } from "./tls-names.js";
import {
  alpnExtension,
  ContentType,
  ext,
  HandshakeReader,
  HandshakeType,
  list16,
  OPENSSL_CLIENT_MESSAGE_LIMITS,
  parseCertificateStatus,
  parseEncryptedExtensions,
  parseServerHello,
  Reader,
  RecordReader,
  readExtensions,
  serverNameExtension,
  type TlsExtension,
  TlsFormatError,
  u16,
  vec8,
  vec16,
} from "./tls-records.js";
import { hkdfExpandLabel, RecordDecrypter, TLS13_SUITES, type Tls13Suite } from "./tls13-keys.js";

export interface OwnHandshakeOptions {
  /** SNI to send, or null for none. */
  servername: string | null;
  /** ALPN protocols to offer. */
  alpn?: string[];
  /** Ask for a stapled OCSP response (status_request), as node's client does with requestOCSP. */
  requestOcsp: boolean;
  /** Keep at most this many certificates (all are counted). */
  maxCertificates: number;
  /** Most bytes to read from the server. */
  maxBytes: number;
  /** From the ClientHello to the end of the handshake. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A completed handshake: what the server chose and sent. */
export interface OwnHandshake {
  cipherSuite: number;
  /** The suite's standard name (what node's getCipher() reports for TLS 1.3). */
  cipherName: string;
  /** The key-exchange group (x25519: the only share offered). */
  group: number;
  /** The CertificateVerify's signature scheme. */
  signatureScheme: number;
  alpn?: string;
  /** The certificate list as sent, the first maxCertificates. */
  certificates: Uint8Array[];
  certificateCount: number;
  certificateMessageBytes: number;
  /** The stapled OCSP response (the leaf entry's status_request extension). */
  ocsp?: Uint8Array;
  serverMessages: string[];
}

export type OwnHandshakeOutcome =
  | { kind: "completed"; handshake: OwnHandshake; bytesRead: number; bytesWritten: number }
  /** Connect again, with node's TLS or with the capture (see the module comment); `reason` says why. */
  | { kind: "retry"; with: "native" | "wire"; reason: string }
  /** The server sent nothing in the whole budget (asking again would cost a second timeout). */
  | { kind: "silent"; budgetMs: number }
  | { kind: "cancelled" };

// ---------------------------------------------------------------------------------------------------------
// The ClientHello: node 20's default offer (recorded from its client, OpenSSL 3.0), so a server chooses as it
// would for node: the same suite order (a server honouring the client's order picks the same), groups and
// signature algorithms. TLS 1.2 stays offered, as node offers it; a server that picks it goes to node.

const SUITES = [
  0x1302, 0x1303, 0x1301, 0xc02f, 0xc02b, 0xc030, 0xc02c, 0x009e, 0xc027, 0x0067, 0xc028, 0x006b, 0x00a3,
  0x009f, 0xcca9, 0xcca8, 0xccaa, 0xc0af, 0xc0ad, 0xc0a3, 0xc09f, 0xc05d, 0xc061, 0xc057, 0xc053, 0x00a2,
  0xc0ae, 0xc0ac, 0xc0a2, 0xc09e, 0xc05c, 0xc060, 0xc056, 0xc052, 0xc024, 0x006a, 0xc023, 0x0040, 0xc00a,
  0xc014, 0x0039, 0x0038, 0xc009, 0xc013, 0x0033, 0x0032, 0x009d, 0xc0a1, 0xc09d, 0xc051, 0x009c, 0xc0a0,
  0xc09c, 0xc050, 0x003d, 0x003c, 0x0035, 0x002f, 0x00ff,
];
/** x25519, P-256, x448, P-521, P-384, ffdhe2048–8192. */
const GROUPS = [0x001d, 0x0017, 0x001e, 0x0019, 0x0018, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104];
const SIGNATURE_ALGORITHMS = [
  0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a, 0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501,
  0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602,
];
const X25519 = 0x001d;
/** The TLS 1.3 suites offered (the rest of SUITES is TLS 1.2's). */
const OFFERED_13 = new Set([0x1301, 0x1302, 0x1303]);
/** Schemes offered for TLS 1.2 only: OpenSSL refuses them in a TLS 1.3 CertificateVerify (RFC 8446 4.2.3). */
const TLS12_ONLY_SCHEMES = new Set([0x0401, 0x0501, 0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602]);
/** The largest message node's client takes (the certificate list's): what this client buffers at most. */
const LARGEST_MESSAGE = 102_400;
/** How long the socket may stay open for the client's Finished to leave. */
const FINISHED_LINGER_MS = 2_000;

/** The parts of every hello that never change, encoded once. */
const SUITES_BYTES = list16(SUITES);
const EXTENSIONS_BEFORE_OCSP = Buffer.concat([
  ext(EXTENSIONS.ecPointFormats, vec8(Buffer.from([0, 1, 2]))),
  ext(EXTENSIONS.supportedGroups, list16(GROUPS)),
  ext(EXTENSIONS.sessionTicket, Buffer.alloc(0)),
]);
const STATUS_REQUEST = ext(EXTENSIONS.statusRequest, Buffer.from([1, 0, 0, 0, 0]));
const EXTENSIONS_AFTER_ALPN = Buffer.concat([
  ext(22, Buffer.alloc(0)), // encrypt_then_mac
  ext(EXTENSIONS.extendedMasterSecret, Buffer.alloc(0)),
  ext(EXTENSIONS.signatureAlgorithms, list16(SIGNATURE_ALGORITHMS)),
  ext(EXTENSIONS.supportedVersions, vec8(Buffer.from([3, 4, 3, 3]))),
  ext(EXTENSIONS.pskKeyExchangeModes, vec8(Buffer.from([1]))),
]);

/** The ClientHello handshake message (type, length, body), for this connection's random, id and key share. */
function clientHello(o: OwnHandshakeOptions, sessionId: Buffer, share: Buffer): Buffer {
  const parts: Buffer[] = [];
  if (o.servername) parts.push(serverNameExtension(o.servername));
  parts.push(EXTENSIONS_BEFORE_OCSP);
  if (o.requestOcsp) parts.push(STATUS_REQUEST);
  if (o.alpn?.length) parts.push(alpnExtension(o.alpn));
  parts.push(EXTENSIONS_AFTER_ALPN);
  parts.push(ext(EXTENSIONS.keyShare, vec16(Buffer.concat([u16(X25519), vec16(share)]))));
  const extensions = Buffer.concat(parts);
  const body = Buffer.concat([
    Buffer.from([3, 3]),
    randomBytes(32),
    vec8(sessionId),
    SUITES_BYTES,
    Buffer.from([1, 0]), // compression: null only
    vec16(extensions),
  ]);
  return Buffer.concat([handshakeHeader(HandshakeType.clientHello, body.length), body]);
}

function handshakeHeader(type: number, length: number): Buffer {
  return Buffer.from([type, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff]);
}

// ---------------------------------------------------------------------------------------------------------
// The key schedule (RFC 8446 7.1), no PSK: the early secret and its "derived" secret depend only on the hash.

const DERIVED_EARLY = new Map<string, Buffer>();

function hashLength(hash: string): number {
  return hash === "sha384" ? 48 : 32;
}

function hkdfExtract(hash: string, salt: Uint8Array, ikm: Uint8Array): Buffer {
  return createHmac(hash, salt).update(ikm).digest();
}

function derivedFromEarly(hash: string): Buffer {
  let d = DERIVED_EARLY.get(hash);
  if (!d) {
    const zeros = Buffer.alloc(hashLength(hash));
    const early = hkdfExtract(hash, zeros, zeros);
    d = hkdfExpandLabel(hash, early, "derived", createHash(hash).digest(), zeros.length);
    DERIVED_EARLY.set(hash, d);
  }
  return d;
}

/** The client's and server's handshake traffic secrets, from the ECDHE secret and Hash(ClientHello..ServerHello). */
function handshakeSecrets(
  hash: string,
  shared: Uint8Array,
  helloHash: Buffer,
): { client: Buffer; server: Buffer } {
  const secret = hkdfExtract(hash, derivedFromEarly(hash), shared);
  const n = hashLength(hash);
  return {
    client: hkdfExpandLabel(hash, secret, "c hs traffic", helloHash, n),
    server: hkdfExpandLabel(hash, secret, "s hs traffic", helloHash, n),
  };
}

/** The Finished value for a traffic secret over a transcript hash (RFC 8446 4.4.4). */
function finishedValue(hash: string, trafficSecret: Buffer, transcriptHash: Buffer): Buffer {
  const key = hkdfExpandLabel(hash, trafficSecret, "finished", Buffer.alloc(0), hashLength(hash));
  return createHmac(hash, key).update(transcriptHash).digest();
}

/** One protected record (RFC 8446 5.2) with the first sequence number of a traffic secret. */
function protectFirstRecord(suite: Tls13Suite, secret: Buffer, type: number, content: Buffer): Buffer {
  const key = hkdfExpandLabel(suite.hash, secret, "key", Buffer.alloc(0), suite.keyLength);
  const iv = hkdfExpandLabel(suite.hash, secret, "iv", Buffer.alloc(0), 12); // sequence 0: the IV is the nonce
  const inner = Buffer.concat([content, Buffer.from([type])]);
  const header = Buffer.from([ContentType.applicationData, 3, 3, 0, 0]);
  header.writeUInt16BE(inner.length + suite.tagLength, 3);
  const cipher =
    suite.cipher === "chacha20-poly1305"
      ? createCipheriv("chacha20-poly1305", key, iv, { authTagLength: suite.tagLength })
      : createCipheriv(suite.cipher as "aes-128-gcm", key, iv);
  cipher.setAAD(header, { plaintextLength: inner.length });
  const body = Buffer.concat([cipher.update(inner), cipher.final(), cipher.getAuthTag()]);
  return Buffer.concat([header, body]);
}

/** RFC 8446 4.4.3: what the server's CertificateVerify signs, before the transcript hash. */
const CERTIFICATE_VERIFY_PREFIX = Buffer.concat([
  Buffer.alloc(64, 0x20),
  Buffer.from("TLS 1.3, server CertificateVerify", "latin1"),
  Buffer.from([0]),
]);

/** A fresh x25519 key pair and its public half as sent in the key share. */
function x25519KeyShare(): { privateKey: KeyObject; share: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  // The JWK export is the cheap way to the raw point in node 20 (the SPKI encoder costs ~160 µs here). Each key
  // is exported once: node 20 stalls after some 2,000 JWK exports of one and the same X25519 KeyObject.
  const share = Buffer.from(publicKey.export({ format: "jwk" }).x as string, "base64url");
  return { privateKey, share };
}

// ---------------------------------------------------------------------------------------------------------
// The handshake, one step per server message.

/** Stop the handshake: hand the target to another path, or finish. */
class Retry {
  constructor(
    readonly path: "native" | "wire",
    readonly reason: string,
  ) {}
}

type Stage =
  | "server-hello"
  | "encrypted-extensions"
  | "certificate"
  | "certificate-verify"
  | "finished"
  | "done";

/** The message each stage waits for (RFC 8446 2: the server's flight, no CertificateRequest). */
const EXPECTED: Record<Stage, number> = {
  "server-hello": HandshakeType.serverHello,
  "encrypted-extensions": HandshakeType.encryptedExtensions,
  certificate: HandshakeType.certificate,
  "certificate-verify": HandshakeType.certificateVerify,
  finished: HandshakeType.finished,
  done: -1,
};

/** The client's state across the server's records. */
class Tls13Handshake {
  stage: Stage = "server-hello";
  readonly serverMessages: string[] = [];
  /** The client's second flight (ChangeCipherSpec and Finished), once the server's Finished verified. */
  finalFlight?: Buffer;
  private readonly records = new RecordReader();
  private readonly messages: HandshakeReader;
  private transcript?: Hash;
  private suite?: Tls13Suite;
  private secrets?: { client: Buffer; server: Buffer };
  private decrypter?: RecordDecrypter;
  private certificate?: CertificateList;
  private signatureScheme?: number;
  private alpn?: string;

  constructor(
    private readonly o: OwnHandshakeOptions,
    private readonly hello: Buffer,
    private readonly sessionId: Buffer,
    private readonly privateKey: KeyObject,
  ) {
    this.messages = new HandshakeReader(Math.min(LARGEST_MESSAGE, o.maxBytes));
  }

  /** The bytes to send first: the ClientHello record. */
  helloRecord(): Buffer {
    const header = Buffer.from([ContentType.handshake, 3, 1, 0, 0]);
    header.writeUInt16BE(this.hello.length, 3);
    return Buffer.concat([header, this.hello]);
  }

  /** What the server sent next; throws Retry to stop. */
  onServerData(chunk: Uint8Array): void {
    let records: ReturnType<RecordReader["push"]>;
    try {
      records = this.records.push(chunk);
    } catch (e) {
      throw new Retry("wire", e instanceof TlsFormatError ? e.message : "unreadable records");
    }
    for (const r of records) {
      if (this.stage === "done") return;
      this.onRecord(r.type, r.header, r.fragment);
    }
  }

  result(): OwnHandshake {
    const suite = this.suite as Tls13Suite;
    const c = this.certificate as NonNullable<Tls13Handshake["certificate"]>;
    return {
      cipherSuite: suite.id,
      cipherName: suite.name,
      group: X25519,
      signatureScheme: this.signatureScheme as number,
      ...(this.alpn !== undefined ? { alpn: this.alpn } : {}),
      certificates: c.certificates,
      certificateCount: c.count,
      certificateMessageBytes: c.bytes,
      ...(c.ocsp ? { ocsp: c.ocsp } : {}),
      serverMessages: this.serverMessages,
    };
  }

  private onRecord(type: number, header: Uint8Array, fragment: Uint8Array): void {
    if (type === ContentType.alert) throw new Retry("wire", "the server sent an alert");
    // RFC 8446 5.1: no zero-length handshake fragments (OpenSSL: "bad length").
    if (type === ContentType.handshake && fragment.length === 0) throw new Retry("wire", "an empty record");
    if (this.stage === "server-hello") {
      if (type !== ContentType.handshake)
        throw new Retry("wire", "a record other than the ServerHello came first");
      this.onHandshakeBytes(fragment);
      return;
    }
    if (type === ContentType.changeCipherSpec) {
      // Middlebox compatibility (RFC 8446 D.4): one byte 0x01, meaningless in TLS 1.3.
      if (fragment.length !== 1 || fragment[0] !== 1) throw new Retry("wire", "a malformed ChangeCipherSpec");
      return;
    }
    if (type !== ContentType.applicationData)
      throw new Retry("native", "an unprotected record after ServerHello");
    let inner: { type: number; content: Buffer };
    try {
      inner = (this.decrypter as RecordDecrypter).decrypt(header, fragment);
    } catch {
      throw new Retry("wire", "a record that does not decrypt");
    }
    if (inner.type === ContentType.alert) throw new Retry("wire", "the server sent an alert");
    if (inner.type !== ContentType.handshake) throw new Retry("native", "data before the server's Finished");
    if (inner.content.length === 0) throw new Retry("wire", "an empty record");
    this.onHandshakeBytes(inner.content);
  }

  private onHandshakeBytes(bytes: Uint8Array): void {
    let messages: ReturnType<HandshakeReader["push"]>;
    try {
      messages = this.messages.push(bytes);
    } catch (e) {
      throw new Retry("wire", e instanceof Error ? e.message : "an unreadable handshake message");
    }
    for (let i = 0; i < messages.length; i++) {
      const before = this.stage;
      this.onMessage(messages[i].type, messages[i].body);
      // RFC 8446 5.1: handshake messages may not span a key change (after ServerHello, after Finished), nor
      // follow one in the same record; a single byte of the next message counts.
      const keyChange = before === "server-hello" || this.stage === "done";
      if (keyChange && (i < messages.length - 1 || this.messages.buffered > 0)) {
        throw new Retry("wire", "a handshake message spans a key change");
      }
    }
    // A message node would refuse for its size is refused from its header, before its body is buffered.
    const next = this.messages.partial();
    if (next && next.length > (OPENSSL_CLIENT_MESSAGE_LIMITS[next.type] ?? LARGEST_MESSAGE)) {
      throw new Retry("wire", "a handshake message over node's limit");
    }
  }

  private onMessage(type: number, body: Uint8Array): void {
    if (type === HandshakeType.certificateRequest) {
      throw new Retry("wire", "the server asks for a client certificate");
    }
    if (type !== EXPECTED[this.stage]) throw new Retry("native", `handshake message ${type} out of order`);
    if (body.length > OPENSSL_CLIENT_MESSAGE_LIMITS[type])
      throw new Retry("wire", "a handshake message over node's limit");
    try {
      switch (this.stage) {
        case "server-hello":
          this.onServerHello(body);
          break;
        case "encrypted-extensions":
          this.alpn = readEncryptedExtensions(body, this.o);
          this.accept(type, body, "EncryptedExtensions", "certificate");
          break;
        case "certificate":
          this.certificate = readCertificateList(body, this.o);
          this.accept(type, body, "Certificate", "certificate-verify");
          break;
        case "certificate-verify":
          this.onCertificateVerify(body);
          break;
        case "finished":
          this.onFinished(body);
          break;
      }
    } catch (e) {
      if (e instanceof Retry) throw e;
      throw new Retry("wire", e instanceof Error ? e.message : String(e));
    }
  }

  /** A message read and found good: into the transcript, its name noted, on to the next stage. */
  private accept(type: number, body: Uint8Array, name: string, next: Stage): void {
    const t = this.transcript as Hash;
    t.update(handshakeHeader(type, body.length));
    t.update(body);
    this.serverMessages.push(name);
    this.stage = next;
  }

  private transcriptHash(): Buffer {
    return (this.transcript as Hash).copy().digest();
  }

  private onServerHello(body: Uint8Array): void {
    const { suite, share } = readServerHello(body, this.sessionId);
    const peer = createPublicKey({
      key: { kty: "OKP", crv: "X25519", x: Buffer.from(share).toString("base64url") },
      format: "jwk",
    });
    let shared: Buffer;
    try {
      shared = diffieHellman({ privateKey: this.privateKey, publicKey: peer });
    } catch {
      throw new Retry("wire", "an unusable key share");
    }
    if (shared.every((b) => b === 0)) throw new Retry("wire", "an all-zero shared secret"); // RFC 8446 7.4.2
    this.suite = suite;
    this.transcript = createHash(suite.hash);
    this.transcript.update(this.hello);
    this.accept(HandshakeType.serverHello, body, "ServerHello", "encrypted-extensions");
    this.secrets = handshakeSecrets(suite.hash, shared, this.transcriptHash());
    this.decrypter = new RecordDecrypter(suite, this.secrets.server);
  }

  private onCertificateVerify(body: Uint8Array): void {
    if (body.length < 4) throw new Retry("wire", "a short CertificateVerify");
    const scheme = (body[0] << 8) | body[1];
    const length = (body[2] << 8) | body[3];
    if (body.length !== 4 + length) throw new Retry("wire", "a malformed CertificateVerify");
    if (!SIGNATURE_ALGORITHMS.includes(scheme) || TLS12_ONLY_SCHEMES.has(scheme)) {
      throw new Retry("wire", "a signature scheme not offered for TLS 1.3");
    }
    const content = Buffer.concat([CERTIFICATE_VERIFY_PREFIX, this.transcriptHash()]);
    const leaf = (this.certificate as CertificateList).leaf;
    const ok = checkTls13Signature(leaf, scheme, content, body.subarray(4));
    if (ok === undefined) throw new Retry("native", "a signature scheme or key this client does not check");
    if (!ok) throw new Retry("wire", "the CertificateVerify signature does not verify");
    this.signatureScheme = scheme;
    this.accept(HandshakeType.certificateVerify, body, "CertificateVerify", "finished");
  }

  private onFinished(body: Uint8Array): void {
    const suite = this.suite as Tls13Suite;
    const secrets = this.secrets as { client: Buffer; server: Buffer };
    const expected = finishedValue(suite.hash, secrets.server, this.transcriptHash());
    if (!expected.equals(body)) throw new Retry("wire", "the server's Finished does not verify");
    this.accept(HandshakeType.finished, body, "Finished", "done");
    const verifyData = finishedValue(suite.hash, secrets.client, this.transcriptHash());
    const finished = Buffer.concat([handshakeHeader(HandshakeType.finished, verifyData.length), verifyData]);
    // A ChangeCipherSpec first: the session id was not empty (RFC 8446 D.4), as node's client sends it.
    this.finalFlight = Buffer.concat([
      Buffer.from([ContentType.changeCipherSpec, 3, 3, 0, 1, 1]),
      protectFirstRecord(suite, secrets.client, ContentType.handshake, finished),
    ]);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reading the server's messages. Each refuses (Retry) what node's client would not take as it is: anything
// node fails on goes to the capture ("wire"), which names it; anything merely unusual goes to node ("native").

/** A message's extensions by type; a type twice is refused (RFC 8446 4.2), as OpenSSL refuses it. */
function extensionsOnce(extensions: TlsExtension[], where: string): Map<number, Uint8Array> {
  const byType = new Map<number, Uint8Array>();
  for (const e of extensions) {
    if (byType.has(e.type)) throw new Retry("wire", `extension ${e.type} twice in the ${where}`);
    byType.set(e.type, e.data);
  }
  return byType;
}

/**
 * The ServerHello of a TLS 1.3 server answering this hello: the suite and the server's x25519 share. TLS 1.2
 * and lower, a HelloRetryRequest, another group or an extension not asked for go to node.
 */
function readServerHello(body: Uint8Array, sessionId: Buffer): { suite: Tls13Suite; share: Uint8Array } {
  const sh = parseServerHello(body);
  if (sh.helloRetryRequest) throw new Retry("native", "HelloRetryRequest");
  const extensions = extensionsOnce(sh.extensions, "ServerHello");
  const versions = extensions.get(EXTENSIONS.supportedVersions);
  // RFC 8446 4.1.3: TLS 1.3 is chosen in supported_versions alone, with the legacy field at TLS 1.2.
  const tls13 =
    versions?.length === 2 && versions[0] === 3 && versions[1] === 4 && sh.legacyVersion === 0x0303;
  if (!tls13) throw new Retry("native", "the server chose TLS 1.2 or lower");
  const echo = body.subarray(35, 35 + body[34]);
  if (!sessionId.equals(echo)) throw new Retry("wire", "the session id echo differs");
  const suite = TLS13_SUITES[sh.cipherSuite];
  if (!suite || !OFFERED_13.has(sh.cipherSuite)) throw new Retry("wire", "a suite not offered");
  if (body[35 + body[34] + 2] !== 0) throw new Retry("wire", "a compression method not offered");
  for (const type of extensions.keys()) {
    if (type !== EXTENSIONS.supportedVersions && type !== EXTENSIONS.keyShare) {
      throw new Retry("native", "an extension this client does not read");
    }
  }
  const share = extensions.get(EXTENSIONS.keyShare);
  if (
    !share ||
    share.length !== 2 + 2 + 32 ||
    share[0] !== 0 ||
    share[1] !== X25519 ||
    share[2] !== 0 ||
    share[3] !== 32
  ) {
    throw new Retry("native", "a key share this client did not offer");
  }
  return { suite, share: share.subarray(4) };
}

/**
 * The EncryptedExtensions: the ALPN protocol chosen, if any. Only what this hello allows: server_name empty
 * and only when SNI was sent, supported_groups well formed, one offered ALPN protocol; anything else to node.
 */
function readEncryptedExtensions(body: Uint8Array, o: OwnHandshakeOptions): string | undefined {
  const extensions = extensionsOnce(parseEncryptedExtensions(body).extensions, "EncryptedExtensions");
  let alpn: string | undefined;
  for (const [type, data] of extensions) {
    if (type === EXTENSIONS.serverName) {
      if (!o.servername || data.length !== 0) throw new Retry("wire", "a server_name not asked for");
    } else if (type === EXTENSIONS.supportedGroups) {
      const n = data.length >= 2 ? (data[0] << 8) | data[1] : -1;
      if (n !== data.length - 2 || n === 0 || n % 2)
        throw new Retry("native", "a malformed supported_groups");
    } else if (type === EXTENSIONS.alpn) {
      alpn = readOneAlpnProtocol(data);
      if (alpn === undefined || !o.alpn?.includes(alpn))
        throw new Retry("wire", "an ALPN protocol not offered");
    } else {
      throw new Retry("native", "an encrypted extension this client does not read");
    }
  }
  return alpn;
}

/** RFC 7301 3.1: the server's ALPN extension names exactly one protocol; undefined when it does not. */
function readOneAlpnProtocol(data: Uint8Array): string | undefined {
  if (data.length < 3 || ((data[0] << 8) | data[1]) !== data.length - 2) return undefined;
  const length = data[2];
  if (length === 0 || 3 + length !== data.length) return undefined;
  return Buffer.from(data.subarray(3)).toString("latin1");
}

interface CertificateList {
  /** The first maxCertificates, DER as sent. */
  certificates: Uint8Array[];
  count: number;
  bytes: number;
  ocsp?: Uint8Array;
  leaf: Certificate;
}

/**
 * The Certificate message: every entry a certificate that parses (node's client decodes them all and fails on
 * one it cannot), extensions only where this hello asked for them (the leaf's status_request, when a staple
 * was asked for).
 */
function readCertificateList(body: Uint8Array, o: OwnHandshakeOptions): CertificateList {
  if (body.length < 4 || body[0] !== 0)
    throw new Retry("wire", "a certificate_request_context in the Certificate");
  const end = 4 + ((body[1] << 16) | (body[2] << 8) | body[3]);
  if (end !== body.length) throw new Retry("wire", "a malformed certificate list");
  const certificates: Uint8Array[] = [];
  let leaf: Certificate | undefined;
  let ocsp: Uint8Array | undefined;
  let count = 0;
  let p = 4;
  while (p < end) {
    if (end - p < 3) throw new Retry("wire", "a malformed certificate list");
    const size = (body[p] << 16) | (body[p + 1] << 8) | body[p + 2];
    if (size === 0 || end - p - 3 < size + 2) throw new Retry("wire", "a malformed certificate entry");
    const der = body.subarray(p + 3, p + 3 + size);
    p += 3 + size;
    const extensionsSize = (body[p] << 8) | body[p + 1];
    if (end - p - 2 < extensionsSize) throw new Retry("wire", "a malformed certificate entry");
    const extensions = body.subarray(p, p + 2 + extensionsSize); // with its length, as readExtensions reads it
    p += 2 + extensionsSize;
    const parsed = parseCached(der);
    if (parsed instanceof Error) throw new Retry("native", "a certificate this client cannot read");
    if (count === 0) {
      leaf = parsed;
      ocsp = readLeafEntryExtensions(extensions, o);
    } else if (extensionsSize) throw new Retry("native", "an extension on a certificate other than the leaf");
    if (count < o.maxCertificates) certificates.push(der);
    count++;
  }
  if (!leaf) throw new Retry("wire", "an empty certificate list");
  return { certificates, count, bytes: body.length, leaf, ...(ocsp ? { ocsp } : {}) };
}

/** The leaf entry's extensions: a stapled OCSP response (when asked for), nothing else. */
function readLeafEntryExtensions(data: Uint8Array, o: OwnHandshakeOptions): Uint8Array | undefined {
  if (data.length === 2) return undefined;
  const r = new Reader(data, "CertificateEntry extensions");
  const extensions = extensionsOnce(readExtensions(r, "CertificateEntry"), "certificate entry");
  r.done();
  let ocsp: Uint8Array | undefined;
  for (const [type, value] of extensions) {
    if (type !== EXTENSIONS.statusRequest || !o.requestOcsp) {
      throw new Retry("native", "a certificate entry extension not asked for");
    }
    ocsp = parseCertificateStatus(value);
    if (!ocsp) throw new Retry("native", "a staple of another type than OCSP");
  }
  return ocsp;
}

/**
 * Run the handshake on `socket` (connected, nothing sent yet); the socket is destroyed when this resolves.
 * Never throws.
 */
export function ownTls13Handshake(socket: net.Socket, o: OwnHandshakeOptions): Promise<OwnHandshakeOutcome> {
  return new Promise((resolve) => {
    let ended = false;
    const end = (outcome: OwnHandshakeOutcome, destroy = true) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      stopListening();
      socket.off("data", onData);
      if (destroy) socket.destroy();
      resolve(outcome);
    };
    const retry = (e: unknown) =>
      end(
        e instanceof Retry
          ? { kind: "retry", with: e.path, reason: e.reason }
          : { kind: "retry", with: "native", reason: e instanceof Error ? e.message : String(e) },
      );
    const stopListening = onAbort(o.signal, () => end({ kind: "cancelled" }));
    const timer = setTimeout(
      () =>
        end(
          socket.bytesRead === 0
            ? { kind: "silent", budgetMs: o.timeoutMs }
            : { kind: "retry", with: "wire", reason: "the server stopped mid-handshake" },
        ),
      o.timeoutMs,
    );
    let h: Tls13Handshake;
    try {
      const sessionId = randomBytes(32);
      const { privateKey, share } = x25519KeyShare();
      h = new Tls13Handshake(o, clientHello(o, sessionId, share), sessionId, privateKey);
    } catch (e) {
      retry(e);
      return;
    }
    function onData(chunk: Buffer): void {
      if (ended) return;
      if (socket.bytesRead > o.maxBytes) {
        retry(new Retry("wire", "more bytes than allowed"));
        return;
      }
      try {
        h.onServerData(chunk);
      } catch (e) {
        retry(e);
        return;
      }
      if (h.stage !== "done" || !h.finalFlight) return;
      const flight = h.finalFlight;
      const outcome: OwnHandshakeOutcome = {
        kind: "completed",
        handshake: h.result(),
        bytesRead: socket.bytesRead,
        bytesWritten: socket.bytesWritten + flight.length,
      };
      // The client's Finished goes out before the socket closes (a write cut short by destroy() is lost);
      // a peer that never takes it (a zero window) cannot hold the socket past the linger limit.
      socket.end(flight);
      socket.once("finish", () => socket.destroy());
      const linger = setTimeout(() => socket.destroy(), FINISHED_LINGER_MS).unref();
      socket.once("close", () => clearTimeout(linger));
      end(outcome, false);
    }
    socket.on("data", onData);
    socket.on("error", () => retry(new Retry("wire", "the connection failed")));
    socket.on("close", () => retry(new Retry("wire", "the server closed the connection")));
    socket.write(h.helloRecord());
  });
}
