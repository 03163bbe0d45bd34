/**
 * Complete TLS handshakes with node's TLS, for what raw hellos cannot learn: whether a second connection
 * resumes the first one's session (session IDs, tickets, TLS 1.3 PSK tickets), and what TLS 1.3 encrypts
 * (the ALPN protocol in EncryptedExtensions, the certificate). The connection goes through the address
 * guard (../connect.ts) and counts against the enumeration's bound like every probe; the chain is not
 * verified (we only observe, as the raw hellos do).
 */

import { constants } from "node:crypto";
import tls from "node:tls";
import type { TlsVersion } from "../../clients/handshake/index.js";
import { children, DerError, decodeSmallInt, readTlv, Tag } from "../../x509/der.js";
import { openTcp, resolveAddress, seconds } from "../connect.js";
import { alertInfo, alertMessage } from "../failures.js";
import type { ProbeTarget } from "../probe.js";
import type { EnumContext } from "./context.js";

export interface HandshakeAsk {
  /** The one version offered. */
  version: TlsVersion;
  /** A session from an earlier handshake to offer for resumption. */
  session?: Buffer;
  alpn?: string[];
  /** Send SNI (default true, when the target has a name). */
  sni?: boolean;
  /** Offer the session_ticket extension (TLS ≤ 1.2; default true). */
  tickets?: boolean;
  /** TLS 1.3: how long to wait after the handshake for a NewSessionTicket (default 0: do not wait). */
  ticketWaitMs?: number;
}

export interface HandshakeSeen {
  /** The handshake completed. */
  completed: boolean;
  /** The session the server offered (TLS ≤ 1.2 at the handshake's end, TLS 1.3 from its first ticket). */
  session?: Buffer;
  reused: boolean;
  alpn: string | null;
  /** The server's certificate, DER. */
  leaf?: Uint8Array;
  /** Why the handshake did not complete, or the error that ended the connection after it. */
  failure?: string;
}

/** How long a completed connection may take to close after our close_notify. */
const CLOSE_GRACE_MS = 1_000;

/** Versions node's TLS can offer (it has no SSL 3.0), and the cipher string that lets it speak the old ones. */
const NODE_VERSIONS: Partial<Record<TlsVersion, string | undefined>> = {
  TLSv1: "DEFAULT@SECLEVEL=0",
  "TLSv1.1": "DEFAULT@SECLEVEL=0",
  "TLSv1.2": undefined,
  "TLSv1.3": undefined,
};

export function nodeSpeaks(v: TlsVersion): boolean {
  return v in NODE_VERSIONS;
}

/** A context per version and ticket choice, made once (making one for each connection costs CPU). */
const contexts = new Map<string, tls.SecureContext>();
function contextFor(version: TlsVersion, tickets: boolean): tls.SecureContext {
  const key = `${version} ${tickets}`;
  let c = contexts.get(key);
  if (!c) {
    const ciphers = NODE_VERSIONS[version];
    c = tls.createSecureContext({
      minVersion: version as tls.SecureVersion,
      maxVersion: version as tls.SecureVersion,
      ...(ciphers ? { ciphers } : {}),
      ...(tickets ? {} : { secureOptions: constants.SSL_OP_NO_TICKET }),
    });
    contexts.set(key, c);
  }
  return c;
}

/** One complete handshake (waiting for a free connection slot). Never throws for network trouble. */
export function realHandshake(ctx: EnumContext, ask: HandshakeAsk): Promise<HandshakeSeen> {
  return ctx.limiter.run(() => {
    ctx.connections++;
    return connectAndShake(ctx, ask);
  });
}

async function connectAndShake(ctx: EnumContext, ask: HandshakeAsk): Promise<HandshakeSeen> {
  const failed = (failure: string): HandshakeSeen => ({
    completed: false,
    reused: false,
    alpn: null,
    failure,
  });
  const h = ctx.hello;
  const connectMs = h.connectTimeoutMs ?? 10_000;
  const dest = ctx.target.connectTo?.replace(/^\[(.*)\]$/, "$1") || ctx.target.host;
  const resolved = await resolveAddress(dest, connectMs, h.lookup, h.guard, h.signal);
  if ("failure" in resolved) return failed(resolved.failure.message);
  const tcp = await openTcp(
    resolved.address,
    resolved.family,
    ctx.target.port,
    connectMs,
    connectMs,
    h.signal,
  );
  if ("failure" in tcp) return failed(tcp.failure.message);
  const before = h.beforeTls ? await h.beforeTls(tcp.socket) : undefined;
  if (before) {
    tcp.socket.destroy();
    return failed(before.message);
  }
  const servername = ask.sni === false ? undefined : sniName(ctx.target);
  const s = tls.connect({
    socket: tcp.socket,
    ...(servername ? { servername } : {}),
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
    secureContext: contextFor(ask.version, ask.tickets !== false),
    ...(ask.session ? { session: ask.session } : {}),
    ...(ask.alpn ? { ALPNProtocols: ask.alpn } : {}),
  });
  const waitMs = h.handshakeTimeoutMs ?? 10_000;
  return new Promise<HandshakeSeen>((resolve) => {
    const seen: HandshakeSeen = { completed: false, reused: false, alpn: null };
    const timers: NodeJS.Timeout[] = [];
    let done = false;
    let fatal = false;
    const finish = (failure?: string) => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      h.signal?.removeEventListener("abort", onAbort);
      const result = failure && (!seen.completed || fatal) ? { ...seen, failure } : seen;
      const closed = () => {
        clearTimeout(grace);
        s.destroy();
        tcp.socket.destroy();
        resolve(result);
      };
      // close_notify first: OpenSSL drops a session from its cache when the connection was not shut down.
      // The connection keeps its slot until it is closed (or the grace is over), so the bound holds.
      const graceful = seen.completed && !h.signal?.aborted && !s.destroyed;
      const grace = setTimeout(closed, graceful ? CLOSE_GRACE_MS : 0);
      if (graceful) {
        s.once("close", closed);
        s.end();
      } else closed();
    };
    const onAbort = () => finish("cancelled before the check finished");
    h.signal?.addEventListener("abort", onAbort, { once: true });
    timers.push(
      setTimeout(() => finish(`timeout while waiting for the handshake (${seconds(waitMs)})`), waitMs),
    );
    // Read (and drop) what the server sends: a paused socket would neither see a TLS 1.3 ticket nor the
    // server's close.
    s.on("data", () => {});
    // An error after the handshake (a TLS 1.3 server refusing the client after its Finished: no client
    // certificate) spoils what the connection shows, so it is a failure too.
    s.on("error", (e: Error & { code?: string }) => {
      fatal = true;
      finish(nodeErrorText(e));
    });
    s.on("close", () => finish(seen.completed ? undefined : "the server closed the connection"));
    s.on("session", (session: Buffer) => {
      seen.session ??= session;
      if (seen.completed && s.getProtocol() === "TLSv1.3") finish();
    });
    s.once("secureConnect", () => {
      seen.completed = true;
      seen.reused = s.isSessionReused();
      seen.alpn = s.alpnProtocol || null;
      const cert = s.getPeerCertificate();
      if (cert?.raw) seen.leaf = new Uint8Array(cert.raw);
      if (s.getProtocol() !== "TLSv1.3") {
        seen.session = s.getSession();
        finish();
      } else if (seen.session || !ask.ticketWaitMs) finish();
      else timers.push(setTimeout(() => finish(), Math.min(ask.ticketWaitMs, waitMs)));
    });
  });
}

/** One line for a node TLS error: the server's alert when it sent one, else node's code or message. */
function nodeErrorText(e: Error & { code?: string }): string {
  const alert = /SSL alert number (\d+)/.exec(e.message);
  if (alert) return `the server refused: ${alertMessage(alertInfo(2, Number(alert[1])))}`;
  const line = e.message.split("\n")[0].replace(/^[0-9A-F]+:error:[0-9A-F]+:SSL routines:/, "");
  return line || e.code || "TLS error";
}

/** The name SNI would carry (none for an IP address or `servername: false`). */
export function sniName(t: ProbeTarget): string | undefined {
  if (t.servername === false) return undefined;
  const name = typeof t.servername === "string" ? t.servername : t.host;
  return /^[\d.]+$|:/.test(name) ? undefined : name;
}

export interface SessionFacts {
  /** The server gave the session an ID (TLS ≤ 1.2: it may cache it). */
  sessionId: boolean;
  /** The session carries a ticket (RFC 5077, or a TLS 1.3 NewSessionTicket). */
  ticket: boolean;
  /** The ticket's lifetime hint in seconds (0 or absent: the server gave none). */
  lifetimeSeconds?: number;
}

/**
 * What node's session says: OpenSSL's SSL_SESSION as DER (ssl/ssl_asn1.c: a SEQUENCE whose fourth element
 * is the session ID, then optional [9] ticket lifetime hint and [10] ticket). Undefined when it does not parse.
 */
export function sessionFacts(der: Uint8Array): SessionFacts | undefined {
  try {
    const top = readTlv(der, 0, der.length);
    if (top.tag !== Tag.SEQUENCE) return undefined;
    const parts = children(der, top, 64, "session fields");
    const id = parts[3];
    if (!id || id.tag !== Tag.OCTET_STRING) return undefined;
    const tagged = (n: number) => parts.find((p) => p.tag === (0xa0 | n));
    const hint = tagged(9);
    const inner = hint ? readTlv(der, hint.valueStart, hint.end) : undefined;
    const lifetime = inner?.tag === Tag.INTEGER ? decodeSmallInt(der, inner, "ticket lifetime") : 0;
    return {
      sessionId: id.end > id.valueStart,
      ticket: tagged(10) !== undefined,
      ...(lifetime ? { lifetimeSeconds: lifetime } : {}),
    };
  } catch (e) {
    if (e instanceof DerError) return undefined;
    throw e;
  }
}
