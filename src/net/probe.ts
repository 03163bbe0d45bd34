/**
 * Connect to a TLS server and record exactly what it sent: the certificate list in order (duplicates and
 * extras included), version, cipher, ALPN, stapled OCSP, the CertificateRequest of a mutual-TLS server, and
 * failures named so a person can act on them.
 *
 * How: node does the handshake (accepting any certificate: trust is judged elsewhere), but over a stream
 * that hands every byte the server sends to a ServerCapture first (./capture.ts), which parses the
 * handshake from the wire, decrypting TLS 1.3 records with the secrets node's `keylog` event reports.
 * node's `getPeerCertificate(true)` cannot serve: it rebuilds and reorders the chain.
 *
 * A scan asks for the "own" path instead (ProbeOptions.capture; docs/scan.md "How a full check connects"):
 * chainproof's own TLS 1.3 client on the TCP socket (./tls13-client.ts), the chain read from the wire; then,
 * for what it hands back, the "native" path: node's TLS on the TCP socket, the chain from
 * getPeerX509Certificate's issuerCertificate links (which keep it as sent); and this capture only where
 * neither can answer (a failed handshake, a CertificateRequest). nativeHandshake lists the fields a native
 * result lacks.
 *
 * Never throws for anything the network or the server does; throws InputError for an unusable target.
 */

import { constants } from "node:crypto";
import net from "node:net";
import { performance } from "node:perf_hooks";
import { Duplex } from "node:stream";
import tls from "node:tls";
import { InputError } from "../x509/errors.js";
import { ServerCapture } from "./capture.js";
import { cancelledFailure, type Lookup, onAbort, openTcp, resolveAddress, seconds } from "./connect.js";
import {
  type AlertInfo,
  alertInfo,
  alertMessage,
  notTlsMessage,
  type ProbeFailure,
  socketFailure,
} from "./failures.js";
import type { GuardPolicy } from "./guard.js";
import { type OcspSummary, summarizeOcsp } from "./ocsp.js";
import {
  CLIENT_CERTIFICATE_TYPES,
  cipherSuiteName,
  groupName,
  HANDSHAKE_TYPES,
  signatureSchemeName,
  VERSION_CODES,
  versionName,
} from "./tls-names.js";
import { OPENSSL_CLIENT_MESSAGE_LIMITS } from "./tls-records.js";
import { ownTls13Handshake } from "./tls13-client.js";

export type { AlertInfo, FailureKind, ProbeFailure } from "./failures.js";

export interface ProbeTarget {
  /** Host name or IP address (IPv6 without brackets). Used for SNI unless `servername` says otherwise. */
  host: string;
  port: number;
  /** SNI to send: a name, or false for none. Default: `host` when it is a name (never for an IP address). */
  servername?: string | false;
  /** Connect to this address (or name) instead of resolving `host`; SNI still comes from `host`. */
  connectTo?: string;
}

export interface ProbeOptions {
  /** DNS lookup plus TCP connect. Default 10 s. */
  connectTimeoutMs?: number;
  /** From TCP connect to the end of the handshake. Default 10 s. */
  handshakeTimeoutMs?: number;
  /** Everything, including the wait for a verdict on a client certificate. Default 30 s. */
  totalTimeoutMs?: number;
  /** Most bytes to read from the server before giving up (default 1 MiB). */
  maxBytes?: number;
  /** Most certificates to keep from the server's list (default 50; all are counted). */
  maxCertificates?: number;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  /** OpenSSL cipher string (TLS ≤ 1.2 suites, and TLS 1.3 suite names). */
  ciphers?: string;
  /**
   * Allow TLS 1.0 and 1.1 and the legacy algorithms they need: minVersion "TLSv1" plus ciphers
   * "DEFAULT@SECLEVEL=0". OpenSSL 3 (node 20) refuses those servers otherwise, even with minVersion alone
   * ("legacy sigalg disallowed or unsupported").
   */
  legacy?: boolean;
  /** ALPN protocols to offer, e.g. ["h2", "http/1.1"]. */
  alpn?: string[];
  /** A client certificate (PEM chain) and key, for servers that ask for one. */
  clientCert?: { cert: string | Buffer; key: string | Buffer; passphrase?: string };
  /** Ask for a stapled OCSP response (default true). */
  requestOcsp?: boolean;
  /**
   * TLS 1.3 servers judge the client certificate after the client's handshake is complete: wait this long
   * for their verdict (a session ticket or an alert) when a CertificateRequest came. Default 1 s.
   */
  postHandshakeMs?: number;
  /** Name resolution (default: the system resolver). For tests and custom resolvers. */
  lookup?: Lookup;
  /**
   * Which addresses may be connected to (./guard.ts; default USER_NETWORK, the CLI's: private and loopback
   * allowed). Every answer of the lookup, and `connectTo`, is checked.
   */
  guard?: GuardPolicy;
  /**
   * Compare the captured certificate list with node's view of the peer chain (a debug check; default
   * false). Without it node's view is read only when the capture has no Certificate message to fall back on.
   */
  crossCheck?: boolean;
  /** Aborting closes the connection at once; the result then fails with kind "cancelled". */
  signal?: AbortSignal;
  /** Run on the connected socket before TLS starts (STARTTLS, ./starttls.ts); a failure ends the probe. */
  beforeTls?: (socket: net.Socket) => Promise<ProbeFailure | undefined>;
  /**
   * "wire" (default): node's TLS reads through a tap that shows ServerCapture every byte (every field of the
   * result). "native": node's TLS straight on the TCP socket, nothing captured (about half the CPU), the
   * certificate list from node's X509Certificate walk (order as sent, duplicates and extras included); a
   * handshake that fails or brings a CertificateRequest is probed again with "wire" (a second connection),
   * so failures and mutual-TLS requests read as with "wire". What a native result lacks: see nativeHandshake.
   */
  /**
   * "own": chainproof's own TLS 1.3 handshake on the TCP socket (./tls13-client.ts), the certificate list read
   * from the wire; a server it does not handle (TLS 1.2, a HelloRetryRequest, …) goes to "native", one that
   * fails or asks for a client certificate to "wire", each on a new connection. Only with the default
   * versions and ciphers and no client certificate; otherwise "native". What a scan uses.
   */
  capture?: "wire" | "native" | "own";
}

export const PROBE_DEFAULTS = {
  connectTimeoutMs: 10_000,
  handshakeTimeoutMs: 10_000,
  totalTimeoutMs: 30_000,
  maxBytes: 1024 * 1024,
  maxCertificates: 50,
  postHandshakeMs: 1_000,
} as const;

export interface CertificateRequestInfo {
  /** Acceptable CA names, DER-encoded X.501 Names, in the order sent (may be empty). */
  certificateAuthorities: Uint8Array[];
  signatureAlgorithms?: string[];
  signatureAlgorithmsCert?: string[];
  certificateTypes?: string[];
}

export interface ProbeResult {
  host: string;
  port: number;
  /** The SNI sent, or null for none. */
  servername: string | null;
  /** The address connected to. */
  address?: string;
  family?: number;
  /** True when the TLS handshake completed (from the client's side). */
  completed: boolean;
  failure?: ProbeFailure;
  /** "TLSv1.3" etc., as the server chose it (known from ServerHello even when the handshake failed). */
  protocol?: string;
  cipher?: { id?: number; name: string; openssl?: string };
  alpn?: string;
  keyExchange?: { group?: string; dhBits?: number; signatureScheme?: string };
  helloRetryRequest: boolean;
  /** The server's certificate list exactly as sent (the first `maxCertificates`), DER. */
  certificates: Uint8Array[];
  /** How many certificates the server's Certificate message held. */
  certificateCount: number;
  /** Size of the Certificate message body. */
  certificateMessageBytes?: number;
  /** "wire": parsed from the handshake bytes; "node": from node's API (order as sent); "none". */
  certificateSource: "wire" | "node" | "none";
  ocsp?: { der: Uint8Array; summary: OcspSummary };
  /** SCTs the server sent in the TLS extension (the raw hello of fast mode asks for them; node's TLS cannot). */
  sctList?: Uint8Array;
  certificateRequest?: CertificateRequestInfo;
  /** The server asked for a client certificate: did we send one, and did the server accept it? */
  clientCertificate?: { sent: boolean; verdict: "accepted" | "rejected" | "unknown"; alert?: AlertInfo };
  alerts: AlertInfo[];
  /** The server's handshake messages in order ("ServerHello", "Certificate", …). */
  serverMessages: string[];
  bytesRead: number;
  bytesWritten: number;
  timing: { lookupMs?: number; connectMs?: number; handshakeMs?: number; totalMs: number };
  /** The captured certificate list compared with node's view of the peer chain. */
  crossCheck: { certificates: "match" | "mismatch" | "unavailable"; detail?: string };
  /** Things worth knowing that are not failures (certificate cap reached, capture fell back, …). */
  notes: string[];
}

// ---------------------------------------------------------------------------------------------------------
// Secure contexts: building one (OpenSSL SSL_CTX, the default CA list, a client key) costs more than the
// handshake on loopback, and a scan asks for the same few again and again. Kept by the options that shape
// them; bounded. A shared context carries no per-connection state (no client session cache is used).
//
// No CA certificates: OpenSSL verifies the server's chain during every client handshake, even one that
// accepts any chain, and against node's bundled roots that verification succeeds for most public servers,
// costing its signature checks (~1.3 ms a handshake here, more than the capture and the verdict together)
// for an answer nobody reads: trust is chainproof's own verdict. With an empty store OpenSSL stops at the
// first issuer lookup. Kept when a client certificate is sent, where OpenSSL may complete the client's own
// chain from the store.

interface ContextOptions {
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
  ciphers?: string;
  clientCert?: ProbeOptions["clientCert"];
}

const CONTEXT_CACHE_MAX = 32;
const contexts = new Map<string, tls.SecureContext>();

function keyPart(v: string | Buffer | undefined): string {
  return v === undefined ? "" : typeof v === "string" ? `s${v}` : `b${v.toString("base64")}`;
}

function secureContextFor(c: ContextOptions): tls.SecureContext {
  const cc = c.clientCert;
  const key = JSON.stringify([
    c.minVersion,
    c.maxVersion,
    c.ciphers ?? "",
    keyPart(cc?.cert),
    keyPart(cc?.key),
    cc?.passphrase ?? "",
  ]);
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = tls.createSecureContext({
      minVersion: c.minVersion,
      maxVersion: c.maxVersion,
      ...(c.ciphers ? { ciphers: c.ciphers } : {}),
      ...(cc ? { cert: cc.cert, key: cc.key, passphrase: cc.passphrase } : { ca: [] }),
    });
    if (contexts.size >= CONTEXT_CACHE_MAX) contexts.delete(contexts.keys().next().value as string);
    contexts.set(key, ctx);
  }
  return ctx;
}

/** Probe one TLS endpoint. */
export async function probe(target: ProbeTarget, options: ProbeOptions = {}): Promise<ProbeResult> {
  const o = { ...PROBE_DEFAULTS, ...options };
  checkTarget(target);
  const start = performance.now();
  const elapsed = () => performance.now() - start;
  const remaining = () => Math.max(0, o.totalTimeoutMs - elapsed());

  const host = target.host.replace(/\.$/, "");
  const notes: string[] = [];
  const servername = sniFor(target, host, notes);

  const result: ProbeResult = {
    host,
    port: target.port,
    servername,
    completed: false,
    helloRetryRequest: false,
    certificates: [],
    certificateCount: 0,
    certificateSource: "none",
    alerts: [],
    serverMessages: [],
    bytesRead: 0,
    bytesWritten: 0,
    timing: { totalMs: 0 },
    crossCheck: { certificates: "unavailable" },
    notes,
  };
  const done = (failure?: ProbeFailure): ProbeResult => {
    result.failure = failure;
    result.timing.totalMs = Math.round(elapsed());
    return result;
  };

  const tcp = await connect(target, host, o, result, elapsed, remaining);
  if ("failure" in tcp) return done(tcp.failure);
  const raw = tcp.socket;
  const connectedAt = elapsed();
  result.timing.connectMs = Math.round(connectedAt);

  const ctx = { o, result, servername, connectedAt, elapsed, remaining, done };
  if (o.capture === "own" && ownHandshakeApplies(o, result, servername))
    return ownHandshake(raw, ctx, target, options);
  if (o.capture !== "native" && o.capture !== "own") return handshake(raw, ctx);
  // What node's TLS cannot say (why a handshake failed, what a CertificateRequest asked for) the wire
  // probe can, on a new connection.
  return (await nativeHandshake(raw, ctx)) ?? probeAgain(target, options, "wire", ctx);
}

/**
 * Probe again on a new connection, the path `capture` says, to the address already resolved and guarded; the
 * result's total time counts the attempts before. The budgets start afresh: a retry after a timeout must have
 * the time to say where the handshake stopped. At most one attempt ends in a timeout before the last (the own
 * client sends a server that stalls to the capture directly), so a target takes at most two handshake
 * timeouts, as with node's TLS alone.
 */
async function probeAgain(
  target: ProbeTarget,
  options: ProbeOptions,
  capture: "native" | "wire",
  ctx: HandshakeContext,
): Promise<ProbeResult> {
  const before = ctx.elapsed();
  const again = await probe(
    { ...target, ...(ctx.result.address ? { connectTo: ctx.result.address } : {}) },
    { ...options, capture },
  );
  again.timing.totalMs = Math.round(before + again.timing.totalMs);
  if (ctx.result.timing.lookupMs !== undefined) again.timing.lookupMs = ctx.result.timing.lookupMs;
  return again;
}

/**
 * Servers (address and port) the own client handed to node's TLS (TLS 1.2, a HelloRetryRequest, …), for ten
 * minutes: a fleet behind one address would otherwise cost two connections a name, and a server that changes
 * (a monitor watches for days) gets the own client again. Only the path depends on it, never a result (node's
 * TLS answers what the own client would). Bounded; the oldest entry goes first.
 */
const NODE_SERVERS = new Map<string, number>();
const NODE_SERVERS_MAX = 1024;
const NODE_SERVER_MEMORY_MS = 10 * 60_000;

function rememberNodeServer(key: string): void {
  NODE_SERVERS.delete(key);
  if (NODE_SERVERS.size >= NODE_SERVERS_MAX) NODE_SERVERS.delete(NODE_SERVERS.keys().next().value as string);
  NODE_SERVERS.set(key, Date.now() + NODE_SERVER_MEMORY_MS);
}

/**
 * Forget the servers handed to node: for tests and benchmarks whose servers come and go on ports the system
 * hands out again. Results never depend on it.
 */
export function forgetNodeServers(): void {
  NODE_SERVERS.clear();
}

function handedToNode(key: string): boolean {
  const until = NODE_SERVERS.get(key);
  if (until === undefined) return false;
  if (until > Date.now()) return true;
  NODE_SERVERS.delete(key);
  return false;
}

/**
 * The own TLS 1.3 client offers what node offers by default: only then may it stand in for node; and not
 * for a server it already handed to node.
 */
function ownHandshakeApplies(o: ProbeOptions, result: ProbeResult, servername: string | null): boolean {
  const { minVersion, maxVersion, ciphers } = tlsSettings(o);
  // node's defaults as shipped: a process that changed them offers something else than the own client would.
  const defaults = tls.DEFAULT_CIPHERS === constants.defaultCipherList && tls.DEFAULT_ECDH_CURVE === "auto";
  const usual = minVersion === "TLSv1.2" && maxVersion === "TLSv1.3" && !ciphers && !o.clientCert && defaults;
  // What the hello carries as bytes: printable ASCII, within its length fields (node decides anything else).
  const alpnFits = (o.alpn ?? []).every((a) => /^[\x21-\x7e]{1,255}$/.test(a));
  const sniFits = !servername || /^[\x21-\x7e]{1,253}$/.test(servername);
  if (!alpnFits || !sniFits) return false;
  return usual && !handedToNode(`${result.address}:${result.port}`);
}

/**
 * The handshake of an "own" probe (./tls13-client.ts); what it hands back is probed again natively or with
 * the capture, as it says.
 */
async function ownHandshake(
  raw: net.Socket,
  ctx: HandshakeContext,
  target: ProbeTarget,
  options: ProbeOptions,
): Promise<ProbeResult> {
  const { o, result, servername, connectedAt, elapsed, remaining, done } = ctx;
  const outcome = await ownTls13Handshake(raw, {
    servername,
    ...(o.alpn?.length ? { alpn: o.alpn } : {}),
    requestOcsp: o.requestOcsp !== false,
    maxCertificates: o.maxCertificates,
    maxBytes: o.maxBytes,
    timeoutMs: Math.max(1, Math.min(o.handshakeTimeoutMs, remaining())),
    signal: o.signal,
  });
  switch (outcome.kind) {
    case "cancelled":
      return done(cancelledFailure());
    case "silent": {
      const nothing = new ServerCapture({ maxCertificates: 0, maxMessageBytes: 0 });
      return done(handshakeTimeoutFailure(nothing, outcome.budgetMs));
    }
    case "retry":
      if (outcome.with === "native") rememberNodeServer(`${result.address}:${result.port}`);
      return probeAgain(target, options, outcome.with, ctx);
  }
  const h = outcome.handshake;
  result.completed = true;
  result.timing.handshakeMs = Math.round(elapsed() - connectedAt);
  result.bytesRead = outcome.bytesRead;
  result.bytesWritten = outcome.bytesWritten;
  result.protocol = "TLSv1.3";
  result.cipher = { id: h.cipherSuite, name: h.cipherName, openssl: h.cipherName };
  if (h.alpn !== undefined) result.alpn = h.alpn;
  result.keyExchange = { group: groupName(h.group), signatureScheme: signatureSchemeName(h.signatureScheme) };
  result.certificates = h.certificates;
  result.certificateCount = h.certificateCount;
  result.certificateMessageBytes = h.certificateMessageBytes;
  result.certificateSource = h.certificates.length ? "wire" : "none";
  result.serverMessages = h.serverMessages;
  if (h.certificateCount > h.certificates.length) {
    result.notes.push(
      `the server sent ${h.certificateCount} certificates; kept the first ${h.certificates.length}`,
    );
  }
  if (h.ocsp?.length) result.ocsp = { der: h.ocsp, summary: summarizeOcsp(h.ocsp) };
  result.notes.push(
    "own TLS 1.3 handshake: completed by chainproof's client (the server's CertificateVerify and Finished checked), the certificate list read from the wire",
  );
  return done();
}

/**
 * Name resolution and TCP connect, together bounded by the connect timeout; the address (and the lookup's
 * time) go into the result.
 */
async function connect(
  target: ProbeTarget,
  host: string,
  o: ProbeOptions & Record<keyof typeof PROBE_DEFAULTS, number>,
  result: ProbeResult,
  elapsed: () => number,
  remaining: () => number,
): Promise<{ socket: net.Socket } | { failure: ProbeFailure }> {
  const dest = target.connectTo?.replace(/^\[(.*)\]$/, "$1") || host;
  const connectBudget = Math.min(o.connectTimeoutMs, remaining());
  const resolved = await resolveAddress(dest, connectBudget, o.lookup, o.guard, o.signal);
  if ("failure" in resolved) return resolved;
  if (!net.isIP(dest)) result.timing.lookupMs = Math.round(elapsed());
  result.address = resolved.address;
  result.family = resolved.family;
  const tcp = await openTcp(
    resolved.address,
    resolved.family,
    target.port,
    Math.max(1, Math.min(o.connectTimeoutMs - elapsed(), remaining())),
    Math.min(o.connectTimeoutMs, o.totalTimeoutMs),
    o.signal,
  );
  const failure = "socket" in tcp && o.beforeTls ? await o.beforeTls(tcp.socket) : undefined;
  if (failure && "socket" in tcp) tcp.socket.destroy();
  return failure ? { failure } : tcp;
}

/** What the handshake step works with: the options, the result so far, and the clock. */
interface HandshakeContext {
  o: ProbeOptions & Record<keyof typeof PROBE_DEFAULTS, number>;
  result: ProbeResult;
  servername: string | null;
  connectedAt: number;
  elapsed: () => number;
  remaining: () => number;
  done: (failure?: ProbeFailure) => ProbeResult;
}

/**
 * The TLS handshake over the connected socket, node's TLS reading through a tap that shows the capture
 * every byte; then, for a TLS 1.3 server that asked for a client certificate, the wait for its verdict.
 * Ends (once) on completion, a failure, a timeout, the byte limit or an abort.
 */
function handshake(raw: net.Socket, ctx: HandshakeContext): Promise<ProbeResult> {
  const { o, result, servername, connectedAt, elapsed, remaining, done } = ctx;
  const { minVersion, maxVersion } = tlsSettings(o);

  return new Promise<ProbeResult>((resolvePromise) => {
    const capture = new ServerCapture({ maxCertificates: o.maxCertificates, maxMessageBytes: o.maxBytes });
    type Stage = "handshake" | "post" | "linger" | "done";
    let stage: Stage = "handshake";
    const timers: NodeJS.Timeout[] = [];
    let tlsSocket: tls.TLSSocket | undefined;
    let tlsError: (Error & { code?: string }) | undefined;
    let rawError: NodeJS.ErrnoException | undefined;
    let rawEnded = false;
    let byteLimitHit = false;
    const node: NodeView = { protocol: null, alpn: null };

    const finish = (failure?: ProbeFailure) => {
      if (stage === "done") return;
      stage = "done";
      for (const t of timers) clearTimeout(t);
      stopListening();
      tlsSocket?.destroy();
      raw.destroy();
      result.failure = failure;
      fillResult(result, capture, node, o, tlsError, rawEnded || rawError !== undefined);
      resolvePromise(done(failure));
    };

    const stopListening = onAbort(o.signal, () => finish(cancelledFailure()));
    const later = (ms: number, fn: () => void) => timers.push(setTimeout(fn, Math.max(0, ms)));

    // ---- failures ------------------------------------------------------------------------------------
    const classify = () =>
      classifyFailure({ capture, o, minVersion, maxVersion, byteLimitHit, rawEnded, tlsError, rawError });
    // ---- capture events ------------------------------------------------------------------------------
    capture.onEvent = (e) => {
      if (stage === "done") return;
      if (e === "problem" && capture.problem?.kind !== "decrypt" && stage !== "post") {
        finish(classify());
        return;
      }
      if (stage === "post") {
        if (e === "ticket" || e === "app-data" || e === "alert") finish();
      }
    };

    // ---- TCP and the tap ------------------------------------------------------------------------------
    const handshakeBudget = Math.min(o.handshakeTimeoutMs, remaining());
    later(handshakeBudget, () => {
      if (stage === "handshake") finish(handshakeTimeoutFailure(capture, handshakeBudget));
    });
    later(remaining(), () =>
      finish(stage === "handshake" ? handshakeTimeoutFailure(capture, o.totalTimeoutMs) : undefined),
    );

    raw.on("error", (e: NodeJS.ErrnoException) => {
      rawError = e;
      if (stage === "handshake" || stage === "linger") finish(classify());
      else if (stage === "post") finish();
    });
    raw.on("end", () => {
      rawEnded = true;
      if (!tap.destroyed) tap.push(null);
    });
    raw.on("close", () => {
      if (stage === "linger") finish(classify());
      else if (stage === "post") finish();
      // During the handshake, node reports the closed stream as an error: classified there.
    });

    // A stream between node's TLS and the TCP socket that shows the capture every byte.
    const tap = new Duplex({
      read() {
        raw.resume();
      },
      write(chunk: Buffer, _enc, cb) {
        result.bytesWritten += chunk.length;
        capture.onClientData(chunk);
        if (!raw.destroyed) raw.write(chunk);
        cb();
      },
      final(cb) {
        if (!raw.destroyed) raw.end();
        cb();
      },
      destroy(err, cb) {
        cb(err); // the probe owns the TCP socket and closes it in finish()
      },
    });
    tap.on("error", () => {});

    raw.on("data", (b: Buffer) => {
      result.bytesRead += b.length;
      capture.onServerData(b);
      if (stage === "done") return;
      if (result.bytesRead > o.maxBytes) {
        // After the handshake this only ends the wait for a verdict on the client certificate.
        if (stage !== "post") byteLimitHit = true;
        finish(stage === "post" ? undefined : classify());
        return;
      }
      if (stage === "linger") {
        if (capture.certificate) finish(classify());
        return;
      }
      if (!tap.destroyed && !tap.push(b)) raw.pause();
    });

    startTls();

    function startTls(): void {
      // requestOCSP is honoured by tls.connect (passed to the TLSSocket) though the typings omit it.
      const s = tls.connect(connectOptions(tap, servername, o));
      tlsSocket = s;
      s.on("keylog", (line: Buffer) => capture.onKeylog(line));
      s.on("OCSPResponse", (b: Buffer) => {
        node.ocsp = b;
      });
      s.on("data", () => {});
      s.on("error", (e: Error & { code?: string }) => {
        if (stage === "done") return;
        tlsError ??= e;
        if (stage === "handshake") {
          // OpenSSL gave up on a Certificate message it finds too big: keep reading it for the record.
          const partial = capture.partialMessage();
          if (partial?.type === 11 && !capture.problem && !rawEnded && !rawError) {
            stage = "linger";
            later(Math.min(2_000, remaining()), () => finish(classify()));
            return;
          }
          finish(classify());
        } else if (stage === "post") finish();
      });
      s.once("secureConnect", () => {
        if (stage !== "handshake") return;
        result.completed = true;
        result.timing.handshakeMs = Math.round(elapsed() - connectedAt);
        readNodeView(s, capture, o, node);
        const tls13 = (capture.version ?? 0) >= 0x0304;
        if (capture.certificateRequest && tls13 && o.postHandshakeMs > 0) {
          stage = "post";
          if (capture.sessionTickets || capture.applicationData || capture.alerts.length) {
            finish();
            return;
          }
          later(Math.min(o.postHandshakeMs, remaining()), () => finish());
        } else finish();
      });
    }
  });
}

/** The versions and ciphers the client offers. */
function tlsSettings(o: ProbeOptions): {
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
  ciphers?: string;
} {
  return {
    minVersion: o.minVersion ?? (o.legacy ? "TLSv1" : (tls.DEFAULT_MIN_VERSION as tls.SecureVersion)),
    maxVersion: o.maxVersion ?? (tls.DEFAULT_MAX_VERSION as tls.SecureVersion),
    ciphers: o.ciphers ?? (o.legacy ? "DEFAULT@SECLEVEL=0" : undefined),
  };
}

/** node's TLS client over `socket`: any chain accepted (trust is judged elsewhere), OCSP asked for. */
function connectOptions(
  socket: Duplex,
  servername: string | null,
  o: ProbeOptions,
): tls.ConnectionOptions & { requestOCSP?: boolean } {
  // requestOCSP is honoured by tls.connect (passed to the TLSSocket) though the typings omit it.
  return {
    socket,
    ...(servername ? { servername } : {}),
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
    secureContext: secureContextFor({ ...tlsSettings(o), clientCert: o.clientCert }),
    ...(o.alpn?.length ? { ALPNProtocols: o.alpn } : {}),
    requestOCSP: o.requestOcsp !== false,
  };
}

/**
 * The handshake of a "native" probe: node's TLS straight on the TCP socket (OpenSSL reads it in C++, no JS
 * stream, no TLS 1.3 decryption), the certificate list from node's X509Certificate walk (exactly as sent:
 * getPeerCertificate would rebuild it, the walk from getPeerX509Certificate does not), the stapled OCSP
 * response from node's OCSPResponse event, version, cipher and ALPN from node's getters. Resolves undefined
 * when the wire probe must answer instead: the handshake failed or timed out after the server sent something
 * (the capture names why; a server silent for the whole budget gets the wire probe's failure here), or the
 * server sent a CertificateRequest (a client's shared signature algorithms are filled from it and are empty
 * otherwise; its CA names and the server's verdict on our certificate need the capture).
 *
 * What a native result does not carry, beside what the wire gives: serverMessages (empty), alerts (none:
 * a completed handshake without a CertificateRequest), helloRetryRequest (false), keyExchange,
 * certificateMessageBytes, cipher.id; certificateSource is "node". The byte limit is OpenSSL's own (a
 * certificate list of at most 102,400 bytes) with the handshake timeout.
 */
function nativeHandshake(raw: net.Socket, ctx: HandshakeContext): Promise<ProbeResult | undefined> {
  const { o, result, servername, connectedAt, elapsed, remaining, done } = ctx;
  return new Promise((resolvePromise) => {
    let ended = false;
    const node: NodeView = { protocol: null, alpn: null };
    const s = tls.connect(connectOptions(raw, servername, o));
    const end = (r: ProbeResult | undefined) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      stopListening();
      result.bytesRead = raw.bytesRead;
      result.bytesWritten = raw.bytesWritten;
      s.destroy();
      raw.destroy();
      resolvePromise(r);
    };
    const stopListening = onAbort(o.signal, () => end(done(cancelledFailure())));
    // A server that sent nothing in the whole budget: the capture could say no more, and asking it would cost
    // a second timeout. Anything else that timed out is asked again (where did the handshake stop?).
    const budget = Math.min(o.handshakeTimeoutMs, remaining());
    const timer = setTimeout(() => {
      const silent =
        raw.bytesRead === 0 ? new ServerCapture({ maxCertificates: 0, maxMessageBytes: 0 }) : undefined;
      end(silent ? done(handshakeTimeoutFailure(silent, budget)) : undefined);
    }, budget);
    s.on("OCSPResponse", (b: Buffer) => {
      node.ocsp = b;
    });
    s.on("error", () => end(undefined));
    s.on("close", () => end(undefined));
    s.once("secureConnect", () => {
      if (ended || s.getSharedSigalgs().length > 0) return end(undefined);
      result.completed = true;
      result.timing.handshakeMs = Math.round(elapsed() - connectedAt);
      readNodeView(s, undefined, o, node);
      fillNative(result, node);
      end(done());
    });
  });
}

/** A native probe's result: node's view of a completed handshake. */
function fillNative(result: ProbeResult, node: NodeView): void {
  result.protocol = node.protocol ?? undefined;
  if (node.cipher) {
    result.cipher = { name: node.cipher.standardName ?? node.cipher.name, openssl: node.cipher.name };
  }
  if (typeof node.alpn === "string") result.alpn = node.alpn;
  const chain = node.chain ?? [];
  result.certificates = chain;
  result.certificateCount = node.chainCount ?? chain.length;
  result.certificateSource = chain.length ? "node" : "none";
  if (result.certificateCount > chain.length) {
    result.notes.push(
      `the server sent ${result.certificateCount} certificates; kept the first ${chain.length}`,
    );
  }
  if (node.ocsp?.length) result.ocsp = { der: new Uint8Array(node.ocsp), summary: summarizeOcsp(node.ocsp) };
  result.notes.push(
    "native handshake: the certificate list from node's view of the peer chain (order as sent); the handshake messages were not captured",
  );
}

/** A target the probe can connect to at all: a host and a port in range. */
function checkTarget(target: ProbeTarget): void {
  if (!target.host) throw new InputError("no host given", "bad-target");
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
    throw new InputError(`port ${target.port} is not between 1 and 65535`, "bad-target");
  }
}

/** The SNI to send: the servername given, else the host when it is a name; never an IP address. */
function sniFor(target: ProbeTarget, host: string, notes: string[]): string | null {
  if (target.servername === false) return null;
  if (typeof target.servername === "string" && target.servername !== "") {
    if (!net.isIP(target.servername)) return target.servername.replace(/\.$/, "");
    notes.push("SNI cannot carry an IP address (RFC 6066); none was sent");
    return null;
  }
  return net.isIP(host) ? null : host;
}

/** The failure of a handshake that ran out of time: before ServerHello, or after it (and where). */
function handshakeTimeoutFailure(capture: ServerCapture, ms: number): ProbeFailure {
  return capture.serverHello
    ? {
        kind: "handshake-timeout",
        message: `timeout during the handshake, after ServerHello (${seconds(ms)})`,
        detail: `last server message: ${capture.messages.at(-1) ?? "none"}`,
      }
    : {
        kind: "hello-timeout",
        message: `timeout while waiting for ServerHello (${seconds(ms)})`,
        detail:
          capture.serverBytes === 0
            ? "the server accepted the connection and sent nothing"
            : `the server sent ${capture.serverBytes} bytes, not a complete ServerHello`,
      };
}

/** The server chose a version outside what this client allows. */
function versionProblem(
  capture: ServerCapture,
  minVersion: tls.SecureVersion,
  maxVersion: tls.SecureVersion,
): ProbeFailure | undefined {
  const v = capture.serverHello?.version;
  if (v === undefined) return undefined;
  const lo = VERSION_CODES[minVersion];
  const hi = VERSION_CODES[maxVersion];
  if (v >= lo && v <= hi) return undefined;
  return {
    kind: "no-shared-version",
    message: `no shared TLS version: the server chose ${versionName(v)}; this client allows ${minVersion}–${maxVersion}`,
  };
}

/** What the probe saw when the handshake failed, for naming the failure. */
interface FailureEvidence {
  capture: ServerCapture;
  o: Required<Pick<ProbeOptions, "maxBytes">> & ProbeOptions;
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
  byteLimitHit: boolean;
  rawEnded: boolean;
  tlsError?: Error & { code?: string };
  rawError?: NodeJS.ErrnoException;
}

/** Name a failed handshake from the evidence: what the server sent first, then what OpenSSL or the socket said. */
function classifyFailure(e: FailureEvidence): ProbeFailure {
  const { capture, o, tlsError, rawError } = e;
  const p = capture.problem;
  if (p && p.kind !== "decrypt") {
    if (p.kind === "not-tls") return { kind: "not-tls", message: notTlsMessage(p.sample) };
    if (p.kind === "too-large") return { kind: "byte-limit", message: p.message };
    return { kind: "malformed", message: `the server sent malformed TLS: ${p.message}` };
  }
  if (e.byteLimitHit) {
    return {
      kind: "byte-limit",
      message: `the server sent more than ${o.maxBytes.toLocaleString("en-US")} bytes without completing the handshake`,
    };
  }
  // A fatal alert explains the failure; a warning (say unrecognized_name) may precede another cause.
  const alert =
    capture.alerts.find((a) => a.level === 2) ??
    capture.alerts.find((a) => a.description !== 0) ??
    capture.alerts[0];
  if (alert) {
    const a = alertInfo(alert.level, alert.description);
    if (a.code === 0)
      return {
        kind: "closed",
        message: "the server closed the connection (close_notify) during the handshake",
      };
    if (a.code === 70)
      return {
        kind: "no-shared-version",
        message: `no shared TLS version (${alertMessage(a)})`,
        alert: a,
      };
    const mtls =
      capture.certificateRequest && !o.clientCert
        ? "the server asked for a client certificate and none was sent"
        : undefined;
    return { kind: "alert", message: alertMessage(a), alert: a, detail: mtls };
  }
  const vp = versionProblem(capture, e.minVersion, e.maxVersion);
  if (vp) return { ...vp, detail: tlsError?.message?.trim() };
  if (tlsError) {
    const reason = opensslReason(tlsError);
    if (reason === "excessive message size") {
      // The message over its limit: read whole by the capture (which goes on reading after OpenSSL stopped),
      // else the one still arriving.
      const m = capture.oversized ?? capture.partialMessage();
      const name = m ? (HANDSHAKE_TYPES[m.type] ?? "handshake") : undefined;
      const limit = m ? OPENSSL_CLIENT_MESSAGE_LIMITS[m.type] : undefined;
      const what = m ? `${name} message of ${m.length.toLocaleString("en-US")} bytes` : "a handshake message";
      const why = limit !== undefined ? ` (OpenSSL's limit: ${limit.toLocaleString("en-US")} bytes)` : "";
      return {
        kind: "client-refused",
        message: `the client (OpenSSL) refused the server's ${what}: excessive message size${why}`,
        detail: tlsError.message.trim(),
      };
    }
    if (reason === "wrong version number" || reason === "packet length too long") {
      return {
        kind: "not-tls",
        message: "not TLS (the server's reply is not a TLS record)",
        detail: tlsError.message.trim(),
      };
    }
    if (reason === "unsupported protocol") {
      return {
        kind: "no-shared-version",
        message: "no shared TLS version",
        detail: tlsError.message.trim(),
      };
    }
    if (reason) {
      const v = capture.serverHello?.version ?? 0x0303;
      const legacy =
        v < 0x0303 && !o.legacy
          ? `the server chose ${versionName(v)}; OpenSSL 3 refuses it at its default security level (probe with the legacy option: minVersion TLSv1, ciphers DEFAULT@SECLEVEL=0)`
          : undefined;
      return {
        kind: "client-refused",
        message: `the client (OpenSSL) refused the handshake: ${reason}`,
        detail: legacy ?? tlsError.message.trim(),
      };
    }
  }
  const where = capture.serverHello ? "during the handshake, after ServerHello" : "before ServerHello";
  if (rawError) {
    const f = socketFailure(rawError, false);
    if (f) return { ...f, message: `${f.message} ${where}` };
    return { kind: "tls-error", message: rawError.message };
  }
  if (e.rawEnded || tlsError?.code === "ECONNRESET") {
    return { kind: "closed", message: `the server closed the connection ${where}` };
  }
  return { kind: "tls-error", message: tlsError?.message.trim() ?? "the handshake did not complete" };
}

/** What node's TLS socket reports (its view of the chain only when needed: see readNodeView). */
interface NodeView {
  chain?: Uint8Array[];
  /** How many certificates the walk found (the chain keeps at most maxCertificates). */
  chainCount?: number;
  ocsp?: Buffer;
  cipher?: tls.CipherNameAndProtocol;
  protocol: string | null;
  alpn: string | false | null;
}

/** Read node's view of the handshake once it completed. */
function readNodeView(
  s: tls.TLSSocket,
  capture: ServerCapture | undefined,
  o: { crossCheck?: boolean; maxCertificates: number },
  view: NodeView,
): void {
  view.protocol = s.getProtocol();
  view.cipher = s.getCipher();
  view.alpn = s.alpnProtocol ?? null;
  // Building node's chain costs an X509Certificate per certificate: only for a native probe (it is the
  // certificate list then), the debug cross-check, or when the capture has no Certificate message.
  if (!o.crossCheck && capture?.certificate) return;
  // getPeerX509Certificate() with issuerCertificate lists the chain as sent, but only on the first
  // call on a socket; later calls see an emptied chain. Read it once: every certificate counted (OpenSSL
  // bounds the list at 102,400 bytes), the first maxCertificates kept.
  try {
    const chain: Uint8Array[] = [];
    let count = 0;
    let c = s.getPeerX509Certificate();
    const seen = new Set<object>();
    while (c && !seen.has(c)) {
      seen.add(c);
      if (count++ < o.maxCertificates) chain.push(new Uint8Array(c.raw));
      c = c.issuerCertificate;
    }
    view.chain = chain;
    view.chainCount = count;
  } catch {
    view.chain = undefined;
  }
}

/** Fill the result from the capture (the wire) and node's view, and judge a client certificate. */
function fillResult(
  result: ProbeResult,
  capture: ServerCapture,
  node: NodeView,
  o: { clientCert?: ProbeOptions["clientCert"] },
  tlsError: Error | undefined,
  serverClosed: boolean,
): void {
  fillParameters(result, capture, node);
  fillCertificates(result, capture, node);
  if (capture.problem?.kind === "decrypt") result.notes.push(capture.problem.message);
  if (capture.helloRetryRequest)
    result.notes.push("the server asked for another key share (HelloRetryRequest)");
  if (node.chain && capture.certificate)
    crossCheckChain(result, capture.certificate.certificates, node.chain);
  fillOcsp(result, capture, node);
  const cr = capture.certificateRequest;
  if (cr) judgeClientCertificate(result, capture, cr, Boolean(o.clientCert), tlsError, serverClosed);
}

/** What was negotiated: version, cipher, ALPN, key exchange; the server's messages and alerts. */
function fillParameters(result: ProbeResult, capture: ServerCapture, node: NodeView): void {
  const sh = capture.serverHello;
  result.helloRetryRequest = capture.helloRetryRequest;
  result.serverMessages = [...capture.messages];
  result.alerts = capture.alerts.map((a) => alertInfo(a.level, a.description));
  if (sh) {
    result.protocol = versionName(sh.version);
    result.cipher = { id: sh.cipherSuite, name: cipherSuiteName(sh.cipherSuite) };
  } else if (node.protocol) result.protocol = node.protocol;
  if (node.cipher) {
    result.cipher = {
      ...(result.cipher ?? {}),
      name: node.cipher.standardName ?? result.cipher?.name ?? node.cipher.name,
      openssl: node.cipher.name,
    };
  }
  result.alpn = capture.alpn ?? (typeof node.alpn === "string" ? node.alpn : undefined);
  const kx = capture.keyExchange;
  if (kx.group !== undefined || kx.dhBits !== undefined || kx.signatureScheme !== undefined) {
    result.keyExchange = {
      group: kx.group !== undefined ? groupName(kx.group) : undefined,
      dhBits: kx.dhBits,
      signatureScheme: kx.signatureScheme !== undefined ? signatureSchemeName(kx.signatureScheme) : undefined,
    };
  }
}

/** The certificate list: from the wire, else from node's view (said in the notes). */
function fillCertificates(result: ProbeResult, capture: ServerCapture, node: NodeView): void {
  if (capture.certificate) {
    result.certificates = capture.certificate.certificates;
    result.certificateCount = capture.certificate.count;
    result.certificateMessageBytes = capture.certificate.bytes;
    result.certificateSource = "wire";
    if (capture.certificate.count > capture.certificate.certificates.length) {
      result.notes.push(
        `the server sent ${capture.certificate.count} certificates; kept the first ${capture.certificate.certificates.length}`,
      );
    }
  } else if (node.chain?.length) {
    result.certificates = node.chain;
    result.certificateCount = node.chain.length;
    result.certificateSource = "node";
    result.notes.push("the certificate list comes from node's view of the peer chain, not from the wire");
  }
}

/** The captured certificate list compared with node's view of the peer chain (a debug check). */
function crossCheckChain(result: ProbeResult, wire: Uint8Array[], chain: Uint8Array[]): void {
  const n = Math.min(wire.length, chain.length);
  let diff = -1;
  for (let i = 0; i < n && diff < 0; i++) if (!Buffer.from(wire[i]).equals(Buffer.from(chain[i]))) diff = i;
  if (diff >= 0) {
    result.crossCheck = {
      certificates: "mismatch",
      detail: `certificate ${diff} differs from node's view`,
    };
  } else if (chain.length !== wire.length) {
    result.crossCheck = {
      certificates: "mismatch",
      detail: `node sees ${chain.length} certificates, the wire held ${wire.length}`,
    };
  } else result.crossCheck = { certificates: "match" };
  if (result.crossCheck.certificates === "mismatch")
    result.notes.push(`capture check: ${result.crossCheck.detail}`);
}

/** A stapled OCSP response, from the wire (else node's), summarized. */
function fillOcsp(result: ProbeResult, capture: ServerCapture, node: NodeView): void {
  const ocsp = capture.ocsp ?? node.ocsp;
  if (ocsp?.length) {
    result.ocsp = { der: new Uint8Array(ocsp), summary: summarizeOcsp(ocsp) };
    if (capture.ocsp && node.ocsp && !Buffer.from(capture.ocsp).equals(node.ocsp)) {
      result.notes.push("capture check: the stapled OCSP response differs from node's");
    }
  }
}

/** A server that asked for a client certificate: what it asked for, and its verdict on ours (or none). */
function judgeClientCertificate(
  result: ProbeResult,
  capture: ServerCapture,
  cr: NonNullable<ServerCapture["certificateRequest"]>,
  sent: boolean,
  tlsError: Error | undefined,
  serverClosed: boolean,
): void {
  result.certificateRequest = {
    certificateAuthorities: cr.certificateAuthorities,
    signatureAlgorithms: cr.signatureAlgorithms?.map(signatureSchemeName),
    signatureAlgorithmsCert: cr.signatureAlgorithmsCert?.map(signatureSchemeName),
    certificateTypes: cr.certificateTypes?.map((t) => CLIENT_CERTIFICATE_TYPES[t] ?? String(t)),
  };
  const postAlert = result.completed
    ? capture.alerts.find((a) => a.postHandshake && a.description !== 0)
    : undefined;
  let verdict: "accepted" | "rejected" | "unknown" = "unknown";
  if (postAlert || (result.completed && tlsError)) verdict = "rejected";
  else if (
    result.completed &&
    ((capture.version ?? 0) < 0x0304 || capture.sessionTickets || capture.applicationData)
  )
    verdict = "accepted";
  else if (!result.completed && result.failure?.kind === "alert") verdict = "rejected";
  // TLS 1.3: the client's Finished ends the handshake before the server has judged the (empty) certificate.
  // A server that then closes the connection, with no alert and no session ticket, has refused it: what the
  // wire shows, not a guess (the verdict would otherwise stay unknown).
  const closedSilently =
    verdict === "unknown" && result.completed && !sent && serverClosed && !capture.alerts.length;
  if (closedSilently) verdict = "rejected";
  result.clientCertificate = {
    sent,
    verdict,
    alert: postAlert ? alertInfo(postAlert.level, postAlert.description) : undefined,
  };
  if (closedSilently) {
    result.notes.push(
      "the server closed the connection after the handshake without an alert or a session ticket: it refused to go on without a client certificate",
    );
  } else if (result.completed && verdict === "rejected") {
    result.notes.push(
      `the server rejected the client certificate after the handshake${postAlert ? ` (${alertMessage(alertInfo(postAlert.level, postAlert.description))})` : ""}`,
    );
  }
}

/** The reason part of an OpenSSL error ("...:SSL routines:func:reason:file:line..."), lower case. */
function opensslReason(e: Error & { code?: string }): string | undefined {
  const m = /routines:[^:]*:([^:]+):/.exec(e.message);
  if (m) return m[1].trim().toLowerCase();
  if (e.code?.startsWith("ERR_SSL_")) return e.code.slice(8).toLowerCase().replace(/_/g, " ");
  return undefined;
}
