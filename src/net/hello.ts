/**
 * Raw mode: a hand-built ClientHello, sent without any TLS library, and the server's reply read from the wire.
 *
 * What it is for: telling which TLS versions a server speaks, including TLS 1.0 and 1.1, which node 20's
 * OpenSSL refuses at its default security level (only `minVersion: "TLSv1"` plus
 * `ciphers: "DEFAULT@SECLEVEL=0"` gets it to complete such a handshake). The reply to a TLS ≤ 1.2 hello is
 * plaintext up to ServerHelloDone, so raw mode also captures the certificate list of a server no modern
 * client will talk to. For TLS 1.3 it reads the ServerHello only (the rest is encrypted and raw mode does no
 * key exchange). It never completes a handshake: it closes once it has what it came for.
 */

import { createECDH, generateKeyPairSync, randomBytes } from "node:crypto";
import net from "node:net";
import { performance } from "node:perf_hooks";
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
import type { CertificateRequestInfo, ProbeTarget } from "./probe.js";
import {
  CLIENT_CERTIFICATE_TYPES,
  cipherSuiteName,
  EXTENSIONS,
  signatureSchemeName,
  type TlsVersionName,
  VERSION_CODES,
  versionName,
} from "./tls-names.js";
import { alpnExtension, ext, list16, serverNameExtension, u16, u24, vec8, vec16 } from "./tls-records.js";

/** What a raw ClientHello offers beyond its versions (defaults: a broad modern client's offer). */
export interface HelloOffer {
  /** Cipher suites in order (signalling values such as TLS_FALLBACK_SCSV included as given). */
  suites?: number[];
  /** supported_groups, in order. */
  groups?: number[];
  /** TLS 1.3: the groups to send a key share for (x25519, x448 and the NIST curves; others get none). */
  keyShares?: number[];
  signatureAlgorithms?: number[];
  /** ALPN protocols to offer (none by default). */
  alpn?: string[];
}

export interface HelloOptions {
  /** Versions to offer (default TLS 1.0 to 1.3). */
  versions?: TlsVersionName[];
  /** Suites, groups, … to offer instead of the defaults. */
  offer?: HelloOffer;
  /** Stop at the ServerHello (default: read a TLS ≤ 1.2 server's flight up to ServerHelloDone). */
  stopAtServerHello?: boolean;
  connectTimeoutMs?: number;
  /** How long to wait for the server's reply after connecting. */
  handshakeTimeoutMs?: number;
  totalTimeoutMs?: number;
  maxBytes?: number;
  maxCertificates?: number;
  lookup?: Lookup;
  /** Which addresses may be connected to (see ProbeOptions.guard). */
  guard?: GuardPolicy;
  /** Aborting closes the connection at once (failure kind "cancelled"). */
  signal?: AbortSignal;
  /** Run on the connected socket before the hello (STARTTLS, ./starttls.ts); a failure ends the probe. */
  beforeTls?: (socket: net.Socket) => Promise<ProbeFailure | undefined>;
}

export interface HelloResult {
  offered: TlsVersionName[];
  /** The server answered with a ServerHello. */
  accepted: boolean;
  /** The version the server chose. */
  version?: string;
  cipher?: { id: number; name: string };
  /** The server answered with a HelloRetryRequest (TLS 1.3: it wants a key share for another group). */
  helloRetryRequest: boolean;
  /** The key-exchange group: the TLS 1.3 key share, or the TLS 1.2 ServerKeyExchange curve. */
  group?: number;
  /** Extension types in the ServerHello (e.g. 0xff01 renegotiation_info: secure renegotiation). */
  serverExtensions: number[];
  /** The ALPN protocol the server chose (TLS ≤ 1.2: in the ServerHello; TLS 1.3 hides it). */
  alpn?: string;
  /** TLS ≤ 1.2 only: the certificate list as sent (the first maxCertificates). */
  certificates: Uint8Array[];
  certificateCount: number;
  certificateRequest?: CertificateRequestInfo;
  ocsp?: { der: Uint8Array; summary: OcspSummary };
  /** TLS ≤ 1.2: the SignedCertificateTimestampList of the ServerHello's signed_certificate_timestamp extension. */
  sctList?: Uint8Array;
  alerts: AlertInfo[];
  serverMessages: string[];
  failure?: ProbeFailure;
  address?: string;
  bytesRead: number;
  timing: { totalMs: number };
}

const SUITES_13 = [0x1301, 0x1302, 0x1303];
const SUITES_12 = [
  0xc02b, 0xc02c, 0xc02f, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc00a, 0xc013, 0xc014, 0xc023, 0xc024, 0xc027,
  0xc028, 0x009c, 0x009d, 0x009e, 0x009f, 0x0033, 0x0039, 0x0067, 0x006b, 0x002f, 0x0035, 0x003c, 0x003d,
  0xc012, 0x000a, 0x0016, 0xc011, 0x0005, 0x0004, 0x00ff,
];
const SIGNATURE_ALGORITHMS = [
  0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0807, 0x0808, 0x0809, 0x080a,
  0x080b, 0x0201, 0x0203, 0x0301, 0x0303,
];
const GROUPS = [29, 23, 24, 25, 256];

/**
 * The public half of a key for a TLS 1.3 key share, made once per group and process: raw mode never
 * completes a handshake, so the private half is never used, and making a P-384 or P-521 key for each of an
 * enumeration's hundred hellos cost more CPU than everything else it does.
 */
const keyShares = new Map<number, Buffer | undefined>();
function keySharePublic(group: number): Buffer | undefined {
  if (!keyShares.has(group)) keyShares.set(group, freshKeySharePublic(group));
  return keyShares.get(group);
}

function freshKeySharePublic(group: number): Buffer | undefined {
  const raw = (type: "x25519" | "x448", size: number) =>
    generateKeyPairSync(type as "x25519")
      .publicKey.export({ type: "spki", format: "der" })
      .subarray(-size);
  const curves: Record<number, string> = { 23: "prime256v1", 24: "secp384r1", 25: "secp521r1" };
  if (group === 29) return raw("x25519", 32);
  if (group === 30) return raw("x448", 56);
  if (curves[group]) {
    const ecdh = createECDH(curves[group]);
    return ecdh.generateKeys();
  }
  return undefined;
}

/** A ClientHello record offering `versions` (as a TLS 1.3-era client would, with real key shares). */
export function buildClientHello(
  versions: TlsVersionName[],
  servername?: string,
  offer: HelloOffer = {},
): Buffer {
  const codes = versions.map((v) => VERSION_CODES[v]).sort((a, b) => b - a);
  if (!codes.length) throw new InputError("no TLS version to offer", "usage");
  const max = codes[0];
  const offers13 = max >= 0x0304;
  const offers12 = codes.some((c) => c <= 0x0303);
  const suites = offer.suites ?? [...(offers13 ? SUITES_13 : []), ...(offers12 ? SUITES_12 : [])];
  const groups = offer.groups ?? GROUPS;
  const exts: Buffer[] = [];
  if (servername) exts.push(serverNameExtension(servername));
  exts.push(ext(EXTENSIONS.supportedGroups, list16(groups)));
  exts.push(ext(EXTENSIONS.ecPointFormats, vec8(Buffer.from([0]))));
  exts.push(ext(EXTENSIONS.signatureAlgorithms, list16(offer.signatureAlgorithms ?? SIGNATURE_ALGORITHMS)));
  exts.push(ext(EXTENSIONS.statusRequest, Buffer.from([1, 0, 0, 0, 0])));
  // RFC 6962 3.3.1: ask for SCTs in the TLS extension (node's TLS client cannot; this hello can).
  exts.push(ext(EXTENSIONS.sct, Buffer.alloc(0)));
  if (offer.alpn?.length) exts.push(alpnExtension(offer.alpn));
  exts.push(ext(EXTENSIONS.extendedMasterSecret, Buffer.alloc(0)));
  exts.push(ext(EXTENSIONS.sessionTicket, Buffer.alloc(0)));
  exts.push(ext(EXTENSIONS.renegotiationInfo, Buffer.from([0])));
  exts.push(ext(EXTENSIONS.supportedVersions, vec8(Buffer.concat(codes.map(u16)))));
  if (offers13) {
    const shares = (offer.keyShares ?? groups.filter((g) => g === 29).slice(0, 1)).flatMap((g) => {
      const pub = groups.includes(g) ? keySharePublic(g) : undefined;
      return pub ? [Buffer.concat([u16(g), vec16(pub)])] : [];
    });
    exts.push(ext(EXTENSIONS.pskKeyExchangeModes, vec8(Buffer.from([1]))));
    exts.push(ext(EXTENSIONS.keyShare, vec16(Buffer.concat(shares))));
  }
  const body = Buffer.concat([
    u16(Math.min(max, 0x0303)),
    randomBytes(32),
    vec8(randomBytes(32)),
    list16(suites),
    vec8(Buffer.from([0])),
    vec16(Buffer.concat(exts)),
  ]);
  const hs = Buffer.concat([Buffer.from([1]), u24(body.length), body]);
  // Record version 0x0301 for the first flight, as RFC 8446 5.1 recommends (SSL 3.0 servers want 0x0300).
  return Buffer.concat([Buffer.from([22, 3, max === 0x0300 ? 0 : 1]), u16(hs.length), hs]);
}

/** Send one raw ClientHello and read the reply (see the module comment). Never throws for network trouble. */
export async function rawHello(target: ProbeTarget, options: HelloOptions = {}): Promise<HelloResult> {
  const o = {
    versions: ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"] as TlsVersionName[],
    connectTimeoutMs: 10_000,
    handshakeTimeoutMs: 10_000,
    totalTimeoutMs: 30_000,
    maxBytes: 1024 * 1024,
    maxCertificates: 50,
    ...options,
  };
  const start = performance.now();
  const elapsed = () => performance.now() - start;
  const result: HelloResult = {
    offered: o.versions,
    accepted: false,
    certificates: [],
    certificateCount: 0,
    helloRetryRequest: false,
    serverExtensions: [],
    alerts: [],
    serverMessages: [],
    bytesRead: 0,
    timing: { totalMs: 0 },
  };
  const done = (failure?: ProbeFailure) => {
    result.failure = failure;
    result.timing.totalMs = Math.round(elapsed());
    return result;
  };
  const hello = buildClientHello(o.versions, sniFor(target), o.offer);
  const dest = target.connectTo?.replace(/^\[(.*)\]$/, "$1") || target.host;
  const budget = Math.min(o.connectTimeoutMs, o.totalTimeoutMs);
  const resolved = await resolveAddress(dest, budget, o.lookup, o.guard, o.signal);
  if ("failure" in resolved) return done(resolved.failure);
  result.address = resolved.address;
  const tcp = await openTcp(
    resolved.address,
    resolved.family,
    target.port,
    Math.max(1, budget - elapsed()),
    budget,
    o.signal,
  );
  if ("failure" in tcp) return done(tcp.failure);
  const socket = tcp.socket;
  const before = o.beforeTls ? await o.beforeTls(socket) : undefined;
  if (before) {
    socket.destroy();
    return done(before);
  }

  return new Promise<HelloResult>((resolve) => {
    const capture = new ServerCapture({ maxCertificates: o.maxCertificates, maxMessageBytes: o.maxBytes });
    let finished = false;
    const wait = Math.max(1, Math.min(o.handshakeTimeoutMs, o.totalTimeoutMs - elapsed()));
    const finish = (failure?: ProbeFailure) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      stopListening();
      socket.destroy();
      const sh = capture.serverHello;
      result.accepted = Boolean(sh);
      result.helloRetryRequest = capture.helloRetryRequest;
      result.serverMessages = [...capture.messages];
      result.alerts = capture.alerts.map((a) => alertInfo(a.level, a.description));
      if (sh) {
        result.version = versionName(sh.version);
        result.cipher = { id: sh.cipherSuite, name: cipherSuiteName(sh.cipherSuite) };
        const sct = sh.extensions.find((e) => e.type === EXTENSIONS.sct);
        if (sct?.data.length) result.sctList = sct.data;
        result.serverExtensions = sh.extensions.map((e) => e.type);
        result.group = capture.keyExchange.group;
        if (capture.alpn) result.alpn = capture.alpn;
      }
      if (capture.certificate) {
        result.certificates = capture.certificate.certificates;
        result.certificateCount = capture.certificate.count;
      }
      if (capture.ocsp?.length) result.ocsp = { der: capture.ocsp, summary: summarizeOcsp(capture.ocsp) };
      const cr = capture.certificateRequest;
      if (cr) {
        result.certificateRequest = {
          certificateAuthorities: cr.certificateAuthorities,
          signatureAlgorithms: cr.signatureAlgorithms?.map(signatureSchemeName),
          certificateTypes: cr.certificateTypes?.map((t) => CLIENT_CERTIFICATE_TYPES[t] ?? String(t)),
        };
      }
      resolve(done(failure));
    };
    const stopListening = onAbort(o.signal, () => finish(cancelledFailure()));
    // What counts as "enough": ServerHello for TLS 1.3 (the rest is encrypted), ServerHelloDone otherwise.
    const enough = () =>
      capture.helloRetryRequest ||
      (capture.serverHello &&
        (o.stopAtServerHello || capture.serverHello.version >= 0x0304 || capture.serverFlightDone));
    const failureNow = (): ProbeFailure | undefined => {
      const p = capture.problem;
      if (p?.kind === "not-tls") return { kind: "not-tls", message: notTlsMessage(p.sample) };
      if (p?.kind === "too-large") return { kind: "byte-limit", message: p.message };
      if (p) return { kind: "malformed", message: `the server sent malformed TLS: ${p.message}` };
      const a = capture.alerts[0];
      if (a && !capture.serverHello) {
        const info = alertInfo(a.level, a.description);
        if (info.code === 70)
          return {
            kind: "no-shared-version",
            message: `no shared TLS version (${alertMessage(info)})`,
            alert: info,
          };
        return { kind: "alert", message: alertMessage(info), alert: info };
      }
      return undefined;
    };
    const timer = setTimeout(() => {
      if (enough() || capture.serverHello) finish();
      else
        finish({
          kind: "hello-timeout",
          message: `timeout while waiting for ServerHello (${seconds(wait)})`,
          detail:
            capture.serverBytes === 0 ? "the server accepted the connection and sent nothing" : undefined,
        });
    }, wait);
    socket.on("data", (b: Buffer) => {
      result.bytesRead += b.length;
      capture.onServerData(b);
      const f = failureNow();
      if (f) finish(f);
      else if (enough()) finish();
      else if (result.bytesRead > o.maxBytes)
        finish({
          kind: "byte-limit",
          message: `the server sent more than ${o.maxBytes.toLocaleString("en-US")} bytes`,
        });
    });
    socket.on("error", (e: NodeJS.ErrnoException) => {
      if (capture.serverHello) finish();
      else finish(failureNow() ?? socketFailure(e, false) ?? { kind: "tls-error", message: e.message });
    });
    socket.on("close", () => {
      if (capture.serverHello) finish();
      else
        finish(
          failureNow() ?? { kind: "closed", message: "the server closed the connection before ServerHello" },
        );
    });
    socket.write(hello);
  });
}

function sniFor(t: ProbeTarget): string | undefined {
  if (t.servername === false) return undefined;
  if (typeof t.servername === "string" && t.servername && !net.isIP(t.servername)) return t.servername;
  const h = t.host.replace(/\.$/, "");
  return net.isIP(h) ? undefined : h;
}

export interface VersionSupport {
  version: TlsVersionName;
  /** The server completed a ServerHello for this version alone. */
  supported: boolean;
  /** What the server chose when it answered with another version (a broken server). */
  chose?: string;
  cipher?: string;
  failure?: ProbeFailure;
  /** The whole reply (certificates of a TLS ≤ 1.2 server included). */
  hello: HelloResult;
}

/**
 * Which versions the server accepts: one raw hello per version offering that version alone, in turn.
 * Each hello gets the whole timeout set; this makes at most four connections.
 */
export async function scanVersions(
  target: ProbeTarget,
  options: Omit<HelloOptions, "versions"> = {},
  versions: TlsVersionName[] = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
): Promise<VersionSupport[]> {
  const out: VersionSupport[] = [];
  for (const version of versions) {
    const r = await rawHello(target, { ...options, versions: [version] });
    // A HelloRetryRequest (the server wants another key share) is TLS 1.3 spoken.
    const supported = (r.accepted && r.version === version) || (r.helloRetryRequest && version === "TLSv1.3");
    out.push({
      version,
      supported,
      chose: r.accepted && !supported ? r.version : undefined,
      cipher: r.cipher?.name,
      failure: r.failure,
      hello: r,
    });
    // Network failures are not version answers: stop rather than repeat them.
    if (r.failure && !["alert", "no-shared-version", "closed", "reset"].includes(r.failure.kind)) break;
  }
  return out;
}
