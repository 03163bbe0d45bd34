/**
 * Reads the server's side of a TLS handshake from the wire, independently of the TLS library doing the
 * handshake: every byte the server sends is fed here, so the certificate list is exactly what was sent
 * (order, duplicates, extras), which node's own API does not give.
 *
 * TLS ≤ 1.2: the server's Certificate, CertificateStatus, ServerKeyExchange and CertificateRequest are
 * plaintext, up to the server's ChangeCipherSpec. TLS 1.3: everything after ServerHello is protected with the
 * server handshake traffic secret, which node reports through the TLSSocket `keylog` event; records are
 * queued until the secret arrives (node reports it after it has read the ServerHello, i.e. after this
 * capture has already seen the bytes), then decrypted. After the server's Finished the application traffic
 * secret takes over, so post-handshake alerts and session tickets can be read too.
 */

import { cipherSuiteName, HANDSHAKE_TYPES } from "./tls-names.js";
import {
  type Alert,
  type CertificateMessage,
  type CertificateRequest,
  ContentType,
  clientHelloRandom,
  HandshakeReader,
  HandshakeTooLargeError,
  HandshakeType,
  type KeyExchangeInfo,
  OPENSSL_CLIENT_MESSAGE_LIMITS,
  parseAlert,
  parseCertificateMessage,
  parseCertificateRequest,
  parseCertificateStatus,
  parseCertificateVerify,
  parseEncryptedExtensions,
  parseServerHello,
  parseServerKeyExchange,
  RecordReader,
  type ServerHello,
  TlsFormatError,
  type TlsRecord,
} from "./tls-records.js";
import { RecordDecrypter, TLS13_SUITES } from "./tls13-keys.js";

export interface CaptureOptions {
  /** Keep at most this many certificates (the count of all is still reported). */
  maxCertificates: number;
  /** Refuse handshake messages larger than this. */
  maxMessageBytes: number;
}

export type CaptureProblemKind = "not-tls" | "malformed" | "too-large" | "decrypt";

export interface CaptureProblem {
  kind: CaptureProblemKind;
  message: string;
  /** not-tls: the first bytes the server sent. */
  sample?: Uint8Array;
  /** too-large: the message type and its declared length. */
  messageType?: number;
  length?: number;
}

export interface CapturedAlert extends Alert {
  /** Read with the TLS 1.3 application key: sent after the server's Finished (e.g. a client-certificate verdict). */
  postHandshake: boolean;
}

export type CaptureEvent = "server-hello" | "alert" | "problem" | "server-done" | "ticket" | "app-data";

type Phase = "hello" | "tls12" | "tls13-handshake" | "tls13-application" | "opaque" | "stopped";

export class ServerCapture {
  serverHello?: ServerHello;
  helloRetryRequest = false;
  alpn?: string;
  keyExchange: KeyExchangeInfo = {};
  certificate?: CertificateMessage & { bytes: number };
  certificateRequest?: CertificateRequest;
  ocsp?: Uint8Array;
  alerts: CapturedAlert[] = [];
  problem?: CaptureProblem;
  /** The server finished its flight: ServerHelloDone (TLS ≤ 1.2) or Finished (TLS 1.3). */
  serverFlightDone = false;
  sessionTickets = 0;
  applicationData = false;
  /** The first message larger than node's client (OpenSSL) takes (OPENSSL_CLIENT_MESSAGE_LIMITS). */
  oversized?: { type: number; length: number };
  /** Names of the server's handshake messages, in order (a HelloRetryRequest shows as such). */
  readonly messages: string[] = [];
  serverBytes = 0;
  clientBytes = 0;
  onEvent?: (e: CaptureEvent) => void;

  private phase: Phase = "hello";
  private readonly records = new RecordReader();
  private readonly handshake: HandshakeReader;
  private readonly queue: TlsRecord[] = [];
  private readonly secrets = new Map<string, Buffer>();
  private decrypter?: RecordDecrypter;
  private clientRandom?: string;
  private readonly clientRecords = new RecordReader();
  private readonly clientHandshake = new HandshakeReader(1 << 16);

  constructor(private readonly opts: CaptureOptions) {
    this.handshake = new HandshakeReader(opts.maxMessageBytes);
  }

  get version(): number | undefined {
    return this.serverHello?.version;
  }

  get cipherSuite(): number | undefined {
    return this.serverHello?.cipherSuite;
  }

  /** The handshake message being received, when one has started and not ended. */
  partialMessage(): { type: number; length: number; received: number } | undefined {
    return this.handshake.partial();
  }

  /** Bytes the server sent. Never throws: problems are recorded in `problem`. */
  onServerData(chunk: Uint8Array): void {
    this.serverBytes += chunk.length;
    if (this.phase === "stopped" || this.phase === "opaque") return;
    try {
      for (const r of this.records.push(chunk)) this.queue.push(r);
      this.drain();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Bytes the client sent: only the ClientHello is read, for its random (to match keylog lines). */
  onClientData(chunk: Uint8Array): void {
    this.clientBytes += chunk.length;
    if (this.clientRandom !== undefined) return;
    try {
      for (const r of this.clientRecords.push(chunk)) {
        if (r.type !== ContentType.handshake) continue;
        for (const m of this.clientHandshake.push(r.fragment)) {
          if (m.type === HandshakeType.clientHello && this.clientRandom === undefined) {
            this.clientRandom = Buffer.from(clientHelloRandom(m.body)).toString("hex");
          }
        }
      }
    } catch {
      this.clientRandom = ""; // not ours to judge; accept any keylog line
    }
  }

  /** One NSS key log line from the TLSSocket `keylog` event. */
  onKeylog(line: Uint8Array | string): void {
    const text =
      typeof line === "string"
        ? line
        : Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString("latin1");
    // Only the server's secrets decrypt what the server sent; node reports the client's and the exporter's too.
    if (!text.startsWith("SERVER_")) return;
    const parts = text.trim().split(/\s+/);
    if (parts.length !== 3) return;
    const [label, random, secret] = parts;
    if (this.clientRandom && random.toLowerCase() !== this.clientRandom) return;
    this.secrets.set(label, Buffer.from(secret, "hex"));
    if (this.phase === "stopped") return;
    try {
      this.drain();
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    if (e instanceof HandshakeTooLargeError) {
      const name = HANDSHAKE_TYPES[e.type] ?? `type ${e.type}`;
      this.problem = {
        kind: "too-large",
        message: `the server's ${name} message is ${e.length.toLocaleString("en-US")} bytes, over the limit of ${e.limit.toLocaleString("en-US")} bytes`,
        messageType: e.type,
        length: e.length,
      };
    } else if (e instanceof TlsFormatError) {
      this.problem = {
        kind: e.kind === "too-large" ? "too-large" : e.kind,
        message: e.message,
        sample: e.sample,
      };
    } else {
      this.problem = { kind: "malformed", message: e instanceof Error ? e.message : String(e) };
    }
    this.phase = "stopped";
    this.queue.length = 0;
    this.onEvent?.("problem");
  }

  private drain(): void {
    while (this.queue.length && this.phase !== "stopped" && this.phase !== "opaque") {
      const rec = this.queue[0];
      if (this.phase === "tls13-handshake" || this.phase === "tls13-application") {
        if (rec.type === ContentType.changeCipherSpec) {
          this.queue.shift(); // middlebox-compatibility CCS: meaningless in TLS 1.3
          continue;
        }
        if (rec.type === ContentType.alert && rec.fragment.length === 2) {
          this.queue.shift(); // a server that fails before protecting its records alerts in plaintext
          this.alert(rec.fragment);
          continue;
        }
        if (!this.ensureDecrypter()) return; // wait for the keylog line
        this.queue.shift();
        let inner: { type: number; content: Buffer };
        try {
          inner = this.decrypter!.decrypt(rec.header, rec.fragment);
        } catch (e) {
          this.problem = {
            kind: "decrypt",
            message: `could not decrypt the server's TLS 1.3 records: ${e instanceof Error ? e.message : e}`,
          };
          this.phase = "stopped";
          this.onEvent?.("problem");
          return;
        }
        this.content(inner.type, inner.content);
        continue;
      }
      this.queue.shift();
      if (rec.type === ContentType.changeCipherSpec) {
        // TLS ≤ 1.2: the server's records are protected from here on. TLS 1.3 middlebox CCS before
        // ServerHello cannot happen; after a HelloRetryRequest it can, and means nothing.
        if (this.phase === "tls12") this.phase = "opaque";
        continue;
      }
      this.content(rec.type, rec.fragment);
    }
  }

  private ensureDecrypter(): boolean {
    if (this.decrypter) return true;
    const suite = TLS13_SUITES[this.cipherSuite ?? -1];
    if (!suite) {
      this.problem = {
        kind: "decrypt",
        message: `cannot read TLS 1.3 records protected with ${cipherSuiteName(this.cipherSuite ?? 0)}`,
      };
      this.phase = "stopped";
      this.onEvent?.("problem");
      return false;
    }
    const label =
      this.phase === "tls13-handshake" ? "SERVER_HANDSHAKE_TRAFFIC_SECRET" : "SERVER_TRAFFIC_SECRET_0";
    const secret = this.secrets.get(label);
    if (!secret) return false;
    this.decrypter = new RecordDecrypter(suite, secret);
    return true;
  }

  private content(type: number, data: Uint8Array): void {
    if (type === ContentType.alert) {
      this.alert(data);
    } else if (type === ContentType.handshake) {
      for (const m of this.handshake.push(data)) this.message(m.type, m.body);
    } else if (type === ContentType.applicationData) {
      if (this.phase === "tls13-application" && !this.applicationData) {
        this.applicationData = true;
        this.onEvent?.("app-data");
      }
    } else if (this.phase === "hello") {
      throw new TlsFormatError(`the server sent a record of type ${type} before ServerHello`, "malformed");
    }
  }

  /** Remember a message name (bounded: a hostile server can send thousands of tiny messages). */
  private note(name: string): void {
    if (this.messages.length < 64) this.messages.push(name);
    else if (this.messages.length === 64) this.messages.push("…");
  }

  private alert(data: Uint8Array): void {
    this.alerts.push({ ...parseAlert(data), postHandshake: this.phase === "tls13-application" });
    this.onEvent?.("alert");
  }

  private message(type: number, body: Uint8Array): void {
    const limit = OPENSSL_CLIENT_MESSAGE_LIMITS[type];
    if (!this.oversized && limit !== undefined && body.length > limit) {
      this.oversized = { type, length: body.length };
    }
    const version = this.version ?? 0;
    const tls13 = version >= 0x0304;
    switch (type) {
      case HandshakeType.serverHello: {
        if (this.phase !== "hello") return;
        const sh = parseServerHello(body);
        if (sh.helloRetryRequest) {
          this.note("HelloRetryRequest");
          this.helloRetryRequest = true;
          return;
        }
        this.note("ServerHello");
        this.serverHello = sh;
        this.alpn = sh.alpn;
        if (sh.keyShareGroup !== undefined) this.keyExchange.group = sh.keyShareGroup;
        this.phase = sh.version >= 0x0304 ? "tls13-handshake" : "tls12";
        this.onEvent?.("server-hello");
        return;
      }
      case HandshakeType.newSessionTicket:
        this.note("NewSessionTicket");
        this.sessionTickets++;
        this.onEvent?.("ticket");
        return;
    }
    this.note(HANDSHAKE_TYPES[type] ?? `type ${type}`);
    if (this.phase === "hello") {
      throw new TlsFormatError(
        `the server sent ${HANDSHAKE_TYPES[type] ?? `message ${type}`} before ServerHello`,
        "malformed",
      );
    }
    switch (type) {
      case HandshakeType.encryptedExtensions:
        this.alpn = parseEncryptedExtensions(body).alpn ?? this.alpn;
        break;
      case HandshakeType.certificate:
        if (!this.certificate) {
          const c = parseCertificateMessage(body, tls13, this.opts.maxCertificates);
          this.certificate = { ...c, bytes: body.length };
          if (c.ocsp) this.ocsp = c.ocsp;
        }
        break;
      case HandshakeType.certificateStatus:
        this.ocsp = parseCertificateStatus(body) ?? this.ocsp;
        break;
      case HandshakeType.serverKeyExchange: {
        // Informational only, and its layout depends on the suite (PSK, anonymous, …): never fatal.
        const ecdhe = cipherSuiteName(this.cipherSuite ?? 0).includes("ECDHE");
        const dhe = cipherSuiteName(this.cipherSuite ?? 0).includes("_DHE_");
        if (ecdhe || dhe) {
          try {
            this.keyExchange = { ...this.keyExchange, ...parseServerKeyExchange(body, version, ecdhe) };
          } catch {
            // leave the key exchange unknown
          }
        }
        break;
      }
      case HandshakeType.certificateRequest:
        if (!this.certificateRequest) this.certificateRequest = parseCertificateRequest(body, version);
        break;
      case HandshakeType.certificateVerify:
        if (body.length >= 2) this.keyExchange.signatureScheme = parseCertificateVerify(body);
        break;
      case HandshakeType.serverHelloDone:
        this.serverFlightDone = true;
        this.onEvent?.("server-done");
        break;
      case HandshakeType.finished:
        if (this.phase === "tls13-handshake") {
          this.phase = "tls13-application";
          this.decrypter = undefined;
          this.serverFlightDone = true;
          this.onEvent?.("server-done");
        }
        break;
      case HandshakeType.keyUpdate:
        this.phase = "opaque"; // new keys we are not told: stop reading
        break;
    }
  }
}
