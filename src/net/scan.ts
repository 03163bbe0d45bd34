/**
 * Live checks: connect to an endpoint, capture the chain exactly as sent (./probe.ts), and give the offline
 * engine's verdict for each client (src/clients evaluateClients), plus what only a connection shows:
 * TLS versions a client refuses, handshake failures, OCSP must-staple without a staple, a server that asks
 * for a client certificate. `checkEndpoint` does one endpoint; `scanTargets` runs many with bounded
 * concurrency and memory; `parseTargetLine` reads the list format of `chainproof scan`.
 *
 * Never throws for what the network or the server does: every failure becomes a finding.
 */

import net from "node:net";
import { performance } from "node:perf_hooks";
import { issued } from "../clients/chain-analysis.js";
import type { CtEvidence } from "../clients/ct.js";
import {
  CLIENTS,
  type ClientId,
  type ClientMatrix,
  type ClientVerdict,
  checkTlsVersion,
  defaultStoreFor,
  type ErrorText,
  evaluateClients,
  type ReportFinding,
} from "../clients/index.js";
import { isoSeconds } from "../clients/profile.js";
import { type CertificateKind, type LintSeverity, lintSummary } from "../lint/index.js";
import type { DistrustRule } from "../trust/distrust.js";
import type { TrustStore } from "../trust/store.js";
import { matchPeerName, type PeerName, parsePeerName } from "../verify/hostname.js";
import { judgeOcspResponse } from "../verify/ocsp.js";
import type { Certificate } from "../x509/certificate.js";
import { InputError } from "../x509/errors.js";
import { decodeSctList, type SignedCertificateTimestamp } from "../x509/extensions.js";
import { decodeTlsSctList } from "../x509/sct.js";
import {
  type AiaFetch,
  type AiaOptions,
  caIssuersUrls,
  FetchBudget,
  fetchCaIssuers,
  type RepairResult,
  repairChain,
} from "./aia.js";
import { rawHello, scanVersions, type VersionSupport } from "./hello.js";
import { LruCache, parseCached } from "./parsed.js";
import { type ProbeFailure, type ProbeOptions, type ProbeResult, type ProbeTarget, probe } from "./probe.js";
import { type RevocationOptions, reportWithRevocation, revocationOf } from "./revocation.js";
import { STARTTLS_PORTS, STARTTLS_PROTOCOLS, type StarttlsProtocol, starttlsFor } from "./starttls.js";
import { normalizeHost, parseHostPort } from "./target.js";

/** The LRU a verdict cache may use (./parsed.ts; kept here for the scan's callers). */
export { LruCache };

// ---------------------------------------------------------------------------------------------------------
// What each client prints when the server speaks only TLS 1.0/1.1

/**
 * How the server turned the client's TLS 1.2+ hello down: an alert (a server that reads the
 * supported_versions extension and shares no version: OpenSSL, node) or a ServerHello choosing the old
 * version (servers that predate TLS 1.3). Clients word the two differently.
 */
export type OldVersionHow = "alert" | "server-hello";

/** TLS version name → what Java and Go print for it. */
const JAVA_VERSION: Record<string, string> = { TLSv1: "TLS10", "TLSv1.1": "TLS11", SSLv3: "SSL30" };
const GO_VERSION: Record<string, string> = { TLSv1: "301", "TLSv1.1": "302", SSLv3: "300" };

/**
 * The error text of each client for a server whose highest version is `version` (< TLS 1.2). Evidence as in
 * src/clients: "run" = reproduced here against the lab's TLS 1.0/1.1 endpoint (JDK 17.0.15, OpenSSL 3.0.19
 * s_client, curl 7.88.1, node 20).
 */
export function oldVersionError(client: ClientId, version: string, how: OldVersionHow): ErrorText {
  const jv = JAVA_VERSION[version] ?? version;
  const java =
    how === "alert"
      ? {
          text: "javax.net.ssl.SSLHandshakeException: Received fatal alert: protocol_version",
          evidence: "run",
        }
      : {
          // sun.security.ssl.ServerHello.T12ServerHelloConsumer / the supported_versions check.
          text: `javax.net.ssl.SSLHandshakeException: The server selected protocol version ${jv} is not accepted by client preferences [TLS13, TLS12]`,
          evidence: "src",
        };
  switch (client) {
    case "salesforce":
      return { text: `System.CalloutException: ${java.text}`, evidence: "inferred" };
    case "java":
      return java as ErrorText;
    case "openssl":
      // OpenSSL 3 offers TLS 1.0–1.3 by default, so the server picks its old version, and security level 1+
      // then refuses the SHA-1/MD5 signatures TLS < 1.2 needs.
      return {
        text: "error:0A00014D:SSL routines:tls_process_key_exchange:legacy sigalg disallowed or unsupported",
        evidence: "run",
      };
    case "curl":
      return {
        text: "curl: (35) OpenSSL/3.0.19: error:0A00014D:SSL routines::legacy sigalg disallowed or unsupported",
        evidence: "run",
      };
    case "node":
      return how === "alert"
        ? {
            text: "Error: write EPROTO …:error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version (code ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION)",
            evidence: "run",
          }
        : {
            text: "Error: write EPROTO …:error:0A000102:SSL routines:ssl_choose_client_version:unsupported protocol (code ERR_SSL_UNSUPPORTED_PROTOCOL)",
            evidence: "run",
          };
    case "go":
      return how === "alert"
        ? { text: "remote error: tls: protocol version not supported", evidence: "src" }
        : {
            text: `tls: server selected unsupported protocol version ${GO_VERSION[version] ?? version}`,
            evidence: "src",
          };
    case "chrome":
      return { text: "ERR_SSL_VERSION_OR_CIPHER_MISMATCH", evidence: "unverified" };
    case "firefox":
      return how === "alert"
        ? { text: "SSL_ERROR_PROTOCOL_VERSION_ALERT", evidence: "unverified" }
        : { text: "SSL_ERROR_UNSUPPORTED_VERSION", evidence: "unverified" };
  }
}

const VERSION_ORDER = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

// ---------------------------------------------------------------------------------------------------------
// One endpoint

export interface CheckOptions {
  clients: readonly ClientId[];
  /** One store for every client, or one per client (default: each client's own, see src/clients). */
  stores?: TrustStore | Partial<Record<ClientId, TrustStore>>;
  /** The name the clients connect to (default: the servername, else the host). */
  peerName?: string;
  /** Connect, handshake and total timeout of each connection (default 10 s). */
  timeoutMs?: number;
  time?: Date;
  distrustRules?: readonly DistrustRule[];
  /** Intermediates Firefox would have preloaded (see evaluateClients). */
  preloaded?: readonly Certificate[] | boolean;
  /**
   * Fetch AIA caIssuers for clients that do (Chrome) when the chain is incomplete: the AIA fetcher's options,
   * or false for no fetching (the verdict then stays "depends").
   */
  aia?: AiaOptions | false;
  /** When the handshake fails for want of a shared version, find which versions the server speaks (default true). */
  versionScan?: boolean;
  /** More probe options (lookup, …). */
  probe?: ProbeOptions;
  /** Verdicts by chain and name, shared across checks of a scan (see scanTargets). */
  cache?: VerdictCache;
  /**
   * "full" (default): complete a handshake, TLS 1.3 included, and capture what the server sends (a scan: with
   * chainproof's own TLS 1.3 client, node's TLS for the rest, the capture only where neither can answer; see
   * ./probe.ts ProbeOptions.capture). "fast": send a raw TLS 1.2 ClientHello and read the server's plaintext flight (ServerHello to
   * ServerHelloDone: the certificate list exactly as sent, a stapled OCSP response, a CertificateRequest),
   * then close — about a quarter of the CPU (with the verdict). A server that does not answer it with TLS 1.2 (TLS 1.3 only,
   * TLS 1.0/1.1 only, a failure) gets the full check. What fast mode cannot see: whether the handshake
   * completes (the server holding its key, a client certificate refused afterwards), and a server that sends
   * TLS 1.3 clients another chain.
   */
  mode?: "full" | "fast";
  /**
   * Aborting closes the connection in flight at once (the probe, a raw hello) and starts no other (version
   * scan, AIA fetches): the report then says the check was cancelled.
   */
  signal?: AbortSignal;
}

export interface HandshakeSummary {
  /** "full": a complete handshake (./probe.ts); "fast": the server's TLS 1.2 flight from a raw hello. */
  mode: "full" | "fast";
  /** The handshake completed (never in fast mode, which stops after the server's first flight). */
  completed: boolean;
  protocol: string | null;
  cipher: string | null;
  alpn: string | null;
  ocspStapled: boolean;
  failure: ProbeFailure | null;
  /** Versions the server accepts, when they were scanned (a failed handshake). */
  versions: { version: string; supported: boolean }[] | null;
  /** Where the certificates came from: the handshake, or a raw TLS ≤ 1.2 hello after it failed. */
  certificatesFrom: "handshake" | "raw-hello" | "none";
  certificateCount: number;
  clientCertificateRequested: boolean;
  ms: number;
}

export interface CheckReport {
  target: { host: string; port: number; servername: string | null; address?: string; connectTo?: string };
  /** The name checked against the certificate. */
  peer?: PeerName;
  trusted: boolean;
  handshake: HandshakeSummary;
  /** Verdicts and findings: the chain's (src/clients) with the TLS findings merged in. */
  matrix: ClientMatrix;
  /** The certificates as sent, parsed (those that parse). */
  certificates: Certificate[];
  /** The findings this module added (also in matrix.findings). */
  tlsFindings: ReportFinding[];
  aia: AiaFetch[];
  probe: ProbeResult;
  versions?: VersionSupport[];
}

export interface VerdictCache {
  get(key: string): ClientMatrix | undefined;
  set(key: string, m: ClientMatrix): void;
}

const CONNECT_KINDS = new Set(["dns", "blocked", "refused", "unreachable", "connect-timeout", "cancelled"]);

/** Check one endpoint for each client: the steps below, in order. */
export async function checkEndpoint(target: ProbeTarget, o: CheckOptions): Promise<CheckReport> {
  const start = performance.now();
  const time = o.time ?? new Date();
  const captured = await captureEndpoint(target, o);
  const peer = peerOf(target, captured.r, o);
  const { certificates, unparsed } = parseSent(captured.ders);
  const tlsFindings: ReportFinding[] = [];
  let blocking = connectionFinding(captured, certificates.length > 0, o.clients);
  if (blocking) tlsFindings.push(blocking);
  const certificateFindings = sentCertificateFindings(captured, certificates, unparsed, o.clients);
  tlsFindings.push(...certificateFindings.findings);
  blocking ??= certificateFindings.blocking;
  const aia: AiaFetch[] = [];
  const ct = ctEvidenceOf(captured, certificates, time, o);
  const judged = await judgeChain(certificates, unparsed, peer, time, o, aia, blocking, ct);
  if (judged.noCertificate) tlsFindings.push(judged.noCertificate);
  blocking = judged.blocking;
  tlsFindings.push(...connectionOnlyFindings(captured, judged.leaf, o.clients));
  const matrix = mergeTlsFindings(judged.matrix, tlsFindings, blocking);
  return endpointReport(target, captured, { peer, matrix, certificates, tlsFindings, aia, start });
}

/**
 * The SCTs the handshake showed beyond the certificate, for the clients that enforce CT: those of the TLS
 * extension when the raw hello of fast mode offered it, those of the stapled OCSP response (when its issuer
 * was sent, to read it). A source not asked for, or not readable, stays unseen (undefined).
 */
function ctEvidenceOf(c: Captured, certificates: Certificate[], time: Date, o: CheckOptions): CtEvidence {
  const read = (f: () => SignedCertificateTimestamp[]) => {
    try {
      return f();
    } catch {
      return undefined;
    }
  };
  if (!o.clients.some((id) => CLIENTS[id].ct)) return {};
  const { r } = c;
  const tlsScts = r.sctList ? read(() => decodeTlsSctList(r.sctList as Uint8Array)) : c.fast ? [] : undefined;
  const leaf = certificates[0];
  const issuer = leaf && certificates.slice(1).find((x) => issued(x, leaf));
  const staple = r.ocsp?.der;
  const ocspScts = staple
    ? leaf && issuer
      ? read(() => {
          const list = judgeOcspResponse(staple, leaf, issuer, time).sctList;
          return list ? decodeSctList(list) : [];
        })
      : undefined
    : c.fast || o.probe?.requestOcsp !== false
      ? []
      : undefined;
  return { ...(tlsScts ? { tlsScts } : {}), ...(ocspScts ? { ocspScts } : {}) };
}

/** What the connection gave: the probe's result, and the certificates of an old server's raw hello. */
interface Captured {
  r: ProbeResult;
  fast: boolean;
  versions?: VersionSupport[];
  /** The highest version the server speaks, when they were scanned. */
  highest?: string;
  supported: string[];
  ders: Uint8Array[];
  certificatesFrom: HandshakeSummary["certificatesFrom"];
}

/**
 * Step 1: connect and capture the chain as sent (fast mode: a raw hello where it suffices). A server no
 * TLS 1.2+ client can talk to: which versions it speaks, and what it sends in them.
 */
async function captureEndpoint(target: ProbeTarget, o: CheckOptions): Promise<Captured> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const probeOpts: ProbeOptions = {
    connectTimeoutMs: timeoutMs,
    handshakeTimeoutMs: timeoutMs,
    totalTimeoutMs: timeoutMs,
    ...o.probe,
    ...(o.signal ? { signal: o.signal } : {}),
  };
  const fast = o.mode === "fast" ? await fastCapture(target, timeoutMs, probeOpts) : undefined;
  const r = fast ?? (await probe(target, probeOpts));
  const captured: Captured = {
    r,
    fast: fast !== undefined,
    supported: [],
    ders: r.certificates,
    certificatesFrom: r.certificates.length ? "handshake" : "none",
  };
  const oldServer =
    !r.completed &&
    (r.failure?.kind === "no-shared-version" ||
      (r.failure?.kind === "client-refused" &&
        r.protocol !== undefined &&
        VERSION_ORDER.indexOf(r.protocol) >= 0 &&
        VERSION_ORDER.indexOf(r.protocol) < VERSION_ORDER.indexOf("TLSv1.2")));
  if (!oldServer || o.versionScan === false || o.signal?.aborted) return captured;
  const versions = await scanVersions(target, {
    connectTimeoutMs: timeoutMs,
    handshakeTimeoutMs: timeoutMs,
    totalTimeoutMs: timeoutMs,
    ...(o.probe?.lookup ? { lookup: o.probe.lookup } : {}),
    ...(o.probe?.guard ? { guard: o.probe.guard } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  captured.versions = versions;
  if (!captured.ders.length) {
    const old = versions.filter((v) => v.supported && v.hello.certificates.length > 0).at(-1);
    if (old) {
      captured.ders = old.hello.certificates;
      captured.certificatesFrom = "raw-hello";
    }
  }
  captured.supported = versions
    .filter((v) => v.supported)
    .map((v) => v.version)
    .sort((a, b) => VERSION_ORDER.indexOf(a) - VERSION_ORDER.indexOf(b));
  captured.highest = captured.supported.at(-1);
  return captured;
}

/** Step 2: the name the clients check the certificate against (none when it is not a usable name). */
function peerOf(target: ProbeTarget, r: ProbeResult, o: CheckOptions): PeerName | undefined {
  try {
    return parsePeerName(o.peerName ?? r.servername ?? target.host);
  } catch {
    return undefined;
  }
}

/** Step 3: the certificates as sent, parsed; those that do not parse, by position (1-based). */
function parseSent(ders: Uint8Array[]): {
  certificates: Certificate[];
  unparsed: { index: number; message: string }[];
} {
  const certificates: Certificate[] = [];
  const unparsed: { index: number; message: string }[] = [];
  ders.forEach((der, i) => {
    const c = parseCached(der);
    if (c instanceof Error) unparsed.push({ index: i + 1, message: c.message });
    else certificates.push(c);
  });
  return { certificates, unparsed };
}

/** Every client, rejecting or not. */
function everyClient(clients: readonly ClientId[], rejects: boolean): ReportFinding["clients"] {
  return Object.fromEntries(clients.map((c) => [c, { rejects }])) as ReportFinding["clients"];
}

/**
 * Step 4: what stops every client before the chain matters: a server that speaks only TLS < 1.2, or a
 * connection or handshake that failed (unless a mutual-TLS server sent its chain before refusing).
 */
function connectionFinding(
  c: Captured,
  haveCertificates: boolean,
  clients: readonly ClientId[],
): ReportFinding | undefined {
  const { r, versions, highest, supported } = c;
  if (versions && highest && VERSION_ORDER.indexOf(highest) < VERSION_ORDER.indexOf("TLSv1.2")) {
    const how: OldVersionHow = r.failure?.alert?.code === 70 ? "alert" : "server-hello";
    const eff: NonNullable<ReportFinding["clients"]> = {};
    for (const c of clients) {
      // The client's own rule (src/clients: profile.minTls); the text is what it prints.
      const refuses = checkTlsVersion(c, highest) !== undefined;
      const e = refuses ? oldVersionError(c, highest, how) : undefined;
      eff[c] = { rejects: refuses, ...(e ? { error: e.text, evidence: e.evidence } : {}) };
    }
    return {
      code: "tls-version-too-old",
      severity: "error",
      message: `The server speaks only ${supported.join(" and ")}. Salesforce callouts, Java 17+ with its default settings, OpenSSL 3, Go, Node, Chrome and Firefox all require TLS 1.2 or later, and none of them retries with an older version.`,
      fix: "Enable TLS 1.2 (and 1.3) on the server, e.g. nginx `ssl_protocols TLSv1.2 TLSv1.3;`, Apache `SSLProtocol -all +TLSv1.2 +TLSv1.3`, IIS: enable TLS 1.2 in SChannel.",
      clients: eff,
      data: { versions: supported, highest, refusedBy: how },
    };
  }
  if (!r.completed && r.failure && !(haveCertificates && r.certificateRequest)) {
    const f = r.failure;
    const connect = CONNECT_KINDS.has(f.kind);
    return {
      code: connect ? "connection-failed" : "handshake-failed",
      severity: "error",
      message: `${connect ? "Could not connect" : "The TLS handshake failed"}: ${f.message}.`,
      fix:
        f.kind === "blocked"
          ? "Nothing was connected to: the address guard refused the target (see the failure for its class and how to allow it)."
          : connect
            ? "Check the host name, the port and that the server is reachable from where the clients run (firewalls, allow-lists of Salesforce IP ranges)."
            : "See the failure: a server that closes, resets or never answers the handshake fails for every client.",
      clients: everyClient(clients, true),
      data: {
        kind: f.kind,
        ...(f.detail ? { detail: f.detail } : {}),
        ...(f.alert ? { alert: f.alert } : {}),
      },
    };
  }
  return undefined;
}

/** Step 5: certificates that do not parse (blocking when the leaf is one), and an oversized list. */
function sentCertificateFindings(
  c: Captured,
  certificates: Certificate[],
  unparsed: { index: number; message: string }[],
  clients: readonly ClientId[],
): { findings: ReportFinding[]; blocking?: ReportFinding } {
  const r = c.r;
  const findings: ReportFinding[] = [];
  let blocking: ReportFinding | undefined;
  if (unparsed.length) {
    const blocks = !certificates.length || unparsed.some((u) => u.index === 1);
    const finding: ReportFinding = {
      code: "malformed-certificate",
      severity: blocks ? "error" : "warning",
      message: `The server sent ${unparsed.length === 1 ? "a certificate" : `${unparsed.length} certificates`} that ${unparsed.length === 1 ? "does" : "do"} not parse: ${unparsed
        .slice(0, 3)
        .map((u) => `#${u.index}: ${u.message}`)
        .join("; ")}.`,
      fix: "Serve the certificate files as issued by the CA (PEM or DER, unmodified).",
      clients: everyClient(clients, blocks),
      data: { positions: unparsed.map((u) => u.index) },
    };
    findings.push(finding);
    if (blocks) blocking = finding;
  }
  if (r.certificateCount > r.certificates.length && c.certificatesFrom === "handshake") {
    findings.push({
      code: "oversized-chain",
      severity: "warning",
      message: `The server sent ${r.certificateCount} certificates; chainproof read the first ${r.certificates.length}. Long chains cost every client time and bytes, and some refuse them.`,
      fix: "Send only the server certificate and the intermediates that lead to the root.",
      data: { count: r.certificateCount, kept: r.certificates.length },
    });
  }
  return { findings, ...(blocking ? { blocking } : {}) };
}

/**
 * Step 6: the chain, per client (with the AIA fetches a client makes); with no usable leaf, every client
 * refuses for the blocking reason, or for the want of a certificate.
 */
async function judgeChain(
  certificates: Certificate[],
  unparsed: { index: number; message: string }[],
  peer: PeerName | undefined,
  time: Date,
  o: CheckOptions,
  aia: AiaFetch[],
  blocking: ReportFinding | undefined,
  ct: CtEvidence,
): Promise<{
  matrix: ClientMatrix;
  leaf?: Certificate;
  blocking?: ReportFinding;
  noCertificate?: ReportFinding;
}> {
  const leaf = certificates.length && !unparsed.some((u) => u.index === 1) ? certificates[0] : undefined;
  if (leaf) {
    const matrix = await evaluateWithAia(leaf, certificates, peer, time, o, aia, ct);
    return { matrix, leaf, ...(blocking ? { blocking } : {}) };
  }
  const f: ReportFinding = blocking ?? {
    code: "no-certificate",
    severity: "error",
    message: "The server sent no certificate.",
    fix: "Configure a certificate on the server for this name (SNI) and port.",
    clients: everyClient(o.clients, true),
  };
  return {
    matrix: emptyMatrix(o.clients, o, peer, time, f),
    blocking: f,
    ...(blocking ? {} : { noCertificate: f }),
  };
}

/**
 * Step 7: what only the connection shows, with a chain in hand: must-staple without a staple, a stapled
 * "revoked", a server that asks for a client certificate.
 */
function connectionOnlyFindings(
  c: Captured,
  leaf: Certificate | undefined,
  clients: readonly ClientId[],
): ReportFinding[] {
  const { r, fast } = c;
  const all = (rejects: boolean) => everyClient(clients, rejects);
  const tlsFindings: ReportFinding[] = [];
  if (leaf && (r.completed || fast)) {
    if (leaf.tlsFeature?.includes(5) && !r.ocsp) {
      const eff = firefoxOnly(clients, "MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING", "src");
      tlsFindings.push({
        code: "ocsp-must-staple-missing",
        severity: clients.includes("firefox") ? "error" : "warning",
        message:
          "The certificate has the OCSP must-staple flag (TLS feature status_request) but the server staples no OCSP response. Firefox refuses the connection; the other clients ignore the flag.",
        fix: "Turn OCSP stapling on (nginx `ssl_stapling on; ssl_stapling_verify on;`, Apache `SSLUseStapling On`), or get a certificate without must-staple.",
        clients: eff,
      });
    }
    const revoked = r.ocsp?.summary.responses.find(
      (x) => x.status === "revoked" && x.serial.replace(/^0+/, "") === leaf.serialNumber.replace(/^0+/, ""),
    );
    if (revoked) {
      const eff = firefoxOnly(clients, "SEC_ERROR_REVOKED_CERTIFICATE", "doc");
      tlsFindings.push({
        code: "ocsp-revoked",
        severity: "error",
        message: `The OCSP response the server staples says the certificate is revoked${revoked.revocationTime ? ` (since ${revoked.revocationTime})` : ""}.`,
        fix: "Install a new certificate; a revoked one cannot be un-revoked.",
        clients: eff,
      });
    }
  }
  if (r.certificateRequest) {
    const refused =
      r.clientCertificate?.verdict === "rejected" || (!r.completed && r.failure?.kind === "alert");
    tlsFindings.push({
      code: "client-certificate-required",
      severity: "warning",
      message: refused
        ? "The server requires a client certificate (mutual TLS) and refuses the connection without one."
        : "The server asks for a client certificate (mutual TLS).",
      fix: "For Salesforce: create or upload the certificate in Setup → Certificate and Key Management and send it (Named Credential, or HttpRequest.setClientCertificateName); the server must trust its issuer.",
      clients: all(false),
      data: {
        refusedWithout: refused,
        acceptableCas: r.certificateRequest.certificateAuthorities.length,
      },
    });
  }
  return tlsFindings;
}

/** A finding only Firefox acts on (it refuses with `error`); the other clients ignore it. */
function firefoxOnly(
  clients: readonly ClientId[],
  error: string,
  evidence: "src" | "doc",
): NonNullable<ReportFinding["clients"]> {
  return Object.fromEntries(
    clients.map((c) => [c, c === "firefox" ? { rejects: true, error, evidence } : { rejects: false }]),
  );
}

/** Step 8: the report. */
function endpointReport(
  target: ProbeTarget,
  c: Captured,
  p: {
    peer: PeerName | undefined;
    matrix: ClientMatrix;
    certificates: Certificate[];
    tlsFindings: ReportFinding[];
    aia: AiaFetch[];
    start: number;
  },
): CheckReport {
  const { r, fast, versions, highest, certificatesFrom, ders } = c;
  const { peer, matrix, certificates, tlsFindings, aia, start } = p;
  return {
    target: {
      host: r.host,
      port: r.port,
      servername: r.servername,
      ...(r.address ? { address: r.address } : {}),
      ...(target.connectTo ? { connectTo: target.connectTo } : {}),
    },
    ...(peer ? { peer } : {}),
    trusted: matrix.trusted,
    handshake: {
      mode: fast ? "fast" : "full",
      completed: r.completed,
      protocol: r.protocol ?? (certificatesFrom === "raw-hello" ? (highest ?? null) : null),
      cipher: r.cipher?.name ?? null,
      alpn: r.alpn ?? null,
      ocspStapled: Boolean(r.ocsp),
      failure: r.failure ?? null,
      versions: versions ? versions.map((v) => ({ version: v.version, supported: v.supported })) : null,
      certificatesFrom,
      certificateCount: certificatesFrom === "handshake" ? r.certificateCount : ders.length,
      clientCertificateRequested: Boolean(r.certificateRequest),
      ms: Math.round(performance.now() - start),
    },
    matrix,
    certificates,
    tlsFindings,
    aia,
    probe: r,
    ...(versions ? { versions } : {}),
  };
}

/** The fast capture: a raw TLS 1.2 hello, as a ProbeResult; undefined when the full probe must run. */
async function fastCapture(
  target: ProbeTarget,
  timeoutMs: number,
  probeOptions: ProbeOptions | undefined,
): Promise<ProbeResult | undefined> {
  const h = await rawHello(target, {
    versions: ["TLSv1.2"],
    connectTimeoutMs: timeoutMs,
    handshakeTimeoutMs: timeoutMs,
    totalTimeoutMs: timeoutMs,
    ...(probeOptions?.lookup ? { lookup: probeOptions.lookup } : {}),
    ...(probeOptions?.guard ? { guard: probeOptions.guard } : {}),
    ...(probeOptions?.signal ? { signal: probeOptions.signal } : {}),
  });
  // Connection failures are the same whichever way we ask; anything else gets the full probe.
  const connect = h.failure && CONNECT_KINDS.has(h.failure.kind);
  if (!connect && (h.version !== "TLSv1.2" || !h.serverMessages.includes("ServerHelloDone")))
    return undefined;
  const servername =
    target.servername === false
      ? null
      : typeof target.servername === "string" && target.servername && !net.isIP(target.servername)
        ? target.servername
        : net.isIP(target.host)
          ? null
          : target.host;
  return {
    host: target.host,
    port: target.port,
    servername,
    ...(h.address ? { address: h.address } : {}),
    completed: false,
    ...(connect ? { failure: h.failure } : {}),
    ...(h.version ? { protocol: h.version } : {}),
    ...(h.cipher ? { cipher: { id: h.cipher.id, name: h.cipher.name } } : {}),
    helloRetryRequest: false,
    certificates: h.certificates,
    certificateCount: h.certificateCount,
    certificateSource: h.certificates.length ? "wire" : "none",
    ...(h.ocsp ? { ocsp: h.ocsp } : {}),
    ...(h.sctList ? { sctList: h.sctList } : {}),
    ...(h.certificateRequest ? { certificateRequest: h.certificateRequest } : {}),
    alerts: h.alerts,
    serverMessages: h.serverMessages,
    bytesRead: h.bytesRead,
    bytesWritten: 0,
    timing: { totalMs: h.timing.totalMs },
    crossCheck: { certificates: "unavailable" },
    notes: ["fast mode: the server's TLS 1.2 flight from a raw ClientHello; the handshake was not completed"],
  };
}

function storeOf(id: ClientId, stores: CheckOptions["stores"]): TrustStore {
  if (!stores) return defaultStoreFor(id);
  if (Array.isArray((stores as TrustStore).anchors)) return stores as TrustStore;
  return (stores as Partial<Record<ClientId, TrustStore>>)[id] ?? defaultStoreFor(id);
}

const identities = new WeakMap<object, number>();
let lastIdentity = 0;

/** A number for an object (the same while it lives), for cache keys; a primitive as itself. */
function identity(x: unknown): string {
  if (typeof x !== "object" || x === null) return String(x);
  let id = identities.get(x);
  if (id === undefined) {
    id = ++lastIdentity;
    identities.set(x, id);
  }
  return `#${id}`;
}

async function evaluateWithAia(
  leaf: Certificate,
  presented: Certificate[],
  peer: PeerName | undefined,
  time: Date,
  o: CheckOptions,
  fetched: AiaFetch[],
  ct: CtEvidence,
): Promise<ClientMatrix> {
  // SCTs delivered in TLS or OCSP belong to the connection, not the chain: such a verdict is not shared.
  const delivered = Boolean(ct.tlsScts?.length || ct.ocspScts?.length);
  // The chain, the clients, and what they judge by (the stores, the distrust rules, the preloaded
  // intermediates: one set for a whole scan, unless a face prepares some targets with their own, as the web
  // does for a lab endpoint); then the name.
  const chainKey =
    o.cache && !delivered
      ? `${presented.map((c) => c.sha256).join(",")}|${o.clients.join(",")}|${ct.tlsScts ? "t" : ""}${ct.ocspScts ? "o" : ""}|${identity(o.stores)},${identity(o.distrustRules)},${identity(o.preloaded)}`
      : "";
  const key = chainKey && `${chainKey}|${peer ? `${peer.kind}:${peer.value}` : ""}`;
  const cached = key
    ? (o.cache?.get(key) ?? forAnotherName(o.cache?.get(`${chainKey}|*`), leaf, peer))
    : undefined;
  if (cached) return cached;
  const base = {
    leaf,
    presented,
    clients: o.clients,
    ...(o.stores ? { stores: o.stores } : {}),
    ...(peer ? { host: peer } : {}),
    time,
    ...(o.distrustRules ? { distrustRules: o.distrustRules } : {}),
    ...(o.preloaded !== undefined ? { preloaded: o.preloaded } : {}),
    ct,
  };
  let m = evaluateClients(base);
  // A client that fetches missing intermediates (Chrome): fetch them as it would, then judge again.
  const waiting = m.clients.some((v) => v.status === "depends" && CLIENTS[v.client].aia.fetches);
  if (waiting && o.aia !== false && !o.signal?.aborted) {
    const anchors = o.clients
      .filter((id) => CLIENTS[id].aia.fetches)
      .flatMap((id) => storeOf(id, o.stores).anchors.map((a) => a.cert));
    const certs = await fetchMissingIssuers(m, presented, anchors, o.aia ?? {}, fetched);
    if (certs.length) m = evaluateClients({ ...base, aiaFetched: certs });
    else if (fetched.length) {
      // Say what happened when chainproof tried the fetch itself (the engine's note says it did not try).
      const why = fetched.map((f) => `${f.url}: ${f.error ?? "no certificate"}`).join("; ");
      const said = "(chainproof verify does not fetch it)";
      const tried = `(chainproof check tried and failed: ${why})`;
      const fix = (n: string) => (n.includes(said) ? n.replace(said, tried) : n);
      m = {
        ...m,
        clients: m.clients.map((v) =>
          v.status === "depends" && CLIENTS[v.client].aia.fetches
            ? {
                ...v,
                notes: v.notes.some((n) => n.includes(said))
                  ? v.notes.map(fix)
                  : [...v.notes, `chainproof check tried the fetch and it failed ${tried}`],
              }
            : v,
        ),
        findings: m.findings.map((f) => {
          if (!f.clients) return f;
          const clients = Object.fromEntries(
            Object.entries(f.clients).map(([c, e]) => [c, e?.note ? { ...e, note: fix(e.note) } : e]),
          );
          return { ...f, clients };
        }),
      };
    }
  }
  // Cached matrices are shared: mergeTlsFindings copies before it changes anything.
  if (o.cache && key && !fetched.length) {
    o.cache.set(key, m);
    // Any name the leaf matches as this one does can share it (forAnotherName), whichever name it was made for.
    if (peer && namedInSan(leaf, peer)) o.cache.set(`${chainKey}|*`, m);
  }
  return m;
}

/**
 * The verdict made for one name of a leaf, for another name: `m` with `peer` in its place, when that is all
 * that changes. The engine reads the name only through src/verify/hostname.ts matchPeerName (each client
 * with its own CN fallback, the chain analysis without) and writes it only where a name does not match
 * (findings, error texts, hostname facts): so when the leaf names both in its subjectAltName (namedAlike),
 * every verdict, path, finding and text is the same but the matrix's `peer`.
 * That a verdict names its peer nowhere else is checked too, once per cached verdict (namesItsPeerOnce), so
 * a text that some day quotes a matched name is not handed to another.
 */
function forAnotherName(
  m: ClientMatrix | undefined,
  leaf: Certificate,
  peer: PeerName | undefined,
): ClientMatrix | undefined {
  if (!m?.peer || !peer || !namedAlike(leaf, m.peer, peer) || !namesItsPeerOnce(m)) return undefined;
  return { ...m, peer };
}

/**
 * Both names are of one kind and the leaf names each in its subjectAltName (a DNS name, an IP address, a
 * mailbox), without the CN fallback; with it they match alike, since the CN is read only for a leaf without a
 * subjectAltName entry of the name's kind (src/verify/hostname.ts).
 */
function namedAlike(leaf: Certificate, a: PeerName, b: PeerName): boolean {
  return a.kind === b.kind && namedInSan(leaf, a) && namedInSan(leaf, b);
}

/** The leaf's subjectAltName names `peer` (the CN fallback aside). */
function namedInSan(leaf: Certificate, peer: PeerName): boolean {
  return matchPeerName(leaf, peer, { cnFallback: false }).ok;
}

const peerNamedOnce = new WeakMap<ClientMatrix, boolean>();

/** The matrix shows its peer's name in its `peer` and nowhere else (as JSON, case aside). */
function namesItsPeerOnce(m: ClientMatrix): boolean {
  let once = peerNamedOnce.get(m);
  if (once === undefined) {
    const { peer, ...rest } = m;
    once = peer !== undefined && !JSON.stringify(rest).toLowerCase().includes(peer.value.toLowerCase());
    peerNamedOnce.set(m, once);
  }
  return once;
}

/** Chrome's AIA walk: from the top of the sent chain, fetch each missing issuer in turn (bounded). */
async function fetchMissingIssuers(
  m: ClientMatrix,
  presented: Certificate[],
  anchors: readonly Certificate[],
  aia: AiaOptions,
  out: AiaFetch[],
): Promise<Certificate[]> {
  const budget = new FetchBudget();
  const got: Certificate[] = [];
  const waiting = m.clients.find((v) => v.status === "depends");
  const topSha = waiting?.path.at(-1)?.sha256;
  let cur = presented.find((c) => c.sha256 === topSha) ?? presented[0];
  for (let depth = 0; depth < 4; depth++) {
    const urls = caIssuersUrls(cur);
    if (!urls.length) break;
    let next: Certificate | undefined;
    for (const url of urls) {
      const f = await fetchCaIssuers(url, aia, budget);
      out.push(f);
      got.push(...f.certificates);
      next = f.certificates.find((c) => c.subject.matchKey === cur.issuer.matchKey);
      if (next) break;
    }
    // Stop at a root, or once a trust anchor issued what was fetched.
    if (!next || next.selfSigned || anchors.some((a) => issued(a, next))) break;
    cur = next;
  }
  return got;
}

function emptyMatrix(
  clients: readonly ClientId[],
  o: CheckOptions,
  peer: PeerName | undefined,
  time: Date,
  f: ReportFinding,
): ClientMatrix {
  const verdicts: ClientVerdict[] = clients.map((id) => {
    const s = storeOf(id, o.stores);
    return {
      client: id,
      name: CLIENTS[id].name,
      trusted: false,
      status: "untrusted",
      path: [],
      reason: { code: f.code, kind: "other", message: f.message },
      store: { id: s.id, name: s.name, anchors: s.anchors.length },
      notes: [],
      details: [],
    };
  });
  return {
    trusted: false,
    time: isoSeconds(time),
    ...(peer ? { peer } : {}),
    clients: verdicts,
    path: [],
    sent: [],
    findings: [],
  };
}

/**
 * Put the TLS findings into the matrix. `blocking` (a version or handshake failure) decides every client it
 * rejects, before anything about the chain: the client never gets that far. Other TLS findings decide only
 * clients that trust the chain.
 */
function mergeTlsFindings(
  matrix: ClientMatrix,
  tls: ReportFinding[],
  blocking: ReportFinding | undefined,
): ClientMatrix {
  if (!tls.length) return matrix;
  const m: ClientMatrix = { ...matrix, clients: matrix.clients.map((v) => ({ ...v })) };
  for (const f of tls) {
    for (const v of m.clients) {
      const e = f.clients?.[v.client];
      if (!e?.rejects) continue;
      if (f !== blocking && !v.trusted) continue;
      v.trusted = false;
      v.status = "untrusted";
      v.reason = { code: f.code, kind: "other", message: f.message };
      if (e.error) v.error = { text: e.error, evidence: e.evidence ?? "unverified" };
      else delete v.error;
    }
  }
  m.findings = [
    ...tls.filter((f) => f.severity === "error"),
    ...m.findings,
    ...tls.filter((f) => f.severity !== "error"),
  ];
  m.trusted = m.clients.every((v) => v.trusted);
  return m;
}

// ---------------------------------------------------------------------------------------------------------
// Target lists

export interface ScanTarget {
  /** 1-based line in the list. */
  line: number;
  /** The target as written. */
  text: string;
  host: string;
  port: number;
  servername?: string;
  /** The STARTTLS exchange the line asks for (`smtp://host`), before the scan's `--starttls` default. */
  starttls?: StarttlsProtocol;
}

/**
 * `PROTO://` in front of a scan line's host: the STARTTLS exchange for that target, and its well-known port
 * as the default (`smtp://mail.example.com` is port 25). Other schemes (https://) are left to parseHostPort.
 */
function starttlsScheme(hostPart: string): { protocol?: StarttlsProtocol; rest: string; port?: number } {
  const m = /^([a-z0-9]+):\/\//i.exec(hostPart);
  const name = m?.[1].toLowerCase();
  if (!m || !name || !(STARTTLS_PROTOCOLS as readonly string[]).concat("postgresql").includes(name))
    return { rest: hostPart };
  const protocol = starttlsFor(name, 0) as StarttlsProtocol;
  const port = Object.entries(STARTTLS_PORTS).find(([, p]) => p === protocol)?.[0];
  return { protocol, rest: hostPart.slice(m[0].length).replace(/\/$/, ""), port: Number(port) };
}

/**
 * One line of a scan list: `host[:port] [sni]`, or CSV `host,port,sni` (port and sni may be empty); a host
 * written `PROTO://host` (smtp, submission, imap, pop3, ftp, xmpp, ldap, postgres, mysql) makes that
 * STARTTLS exchange first. Blank lines and `#` comments give null. Throws InputError for a line that names
 * no usable target.
 */
export function parseTargetLine(raw: string, line: number, defaultPort = 443): ScanTarget | null {
  const text = raw
    .replace(/^\uFEFF/, "")
    .replace(/\s+#.*$/, "")
    .trim();
  if (!text || text.startsWith("#")) return null;
  const where = (msg: string) => new InputError(`line ${line}: ${msg}`, "bad-target");
  let hostPart: string;
  let portPart: string | undefined;
  let sni: string | undefined;
  try {
    if (text.includes(",")) {
      const cols = text.split(",").map((s) => s.trim().replace(/^"(.*)"$/, "$1"));
      if (cols.length > 3) throw where(`expected host,port,sni; got ${cols.length} columns`);
      // A header row: skip it.
      if (line === 1 && /^host(name)?$/i.test(cols[0])) return null;
      [hostPart, portPart, sni] = cols;
      const scheme = starttlsScheme(hostPart);
      const host = scheme.rest;
      const hp = parseHostPort(portPart ? `${bracket(host)}:${portPart}` : host, scheme.port ?? defaultPort);
      return finish(hp.host, hp.port, scheme.protocol);
    }
    const parts = text.split(/\s+/);
    if (parts.length > 2) throw where("expected host[:port] [sni]");
    [hostPart, sni] = parts;
    const scheme = starttlsScheme(hostPart);
    const hp = parseHostPort(scheme.rest, scheme.port ?? defaultPort);
    return finish(hp.host, hp.port, scheme.protocol);
  } catch (e) {
    if (e instanceof InputError && !e.message.startsWith("line ")) throw where(e.message);
    throw e;
  }

  function finish(host: string, port: number, starttls?: StarttlsProtocol): ScanTarget {
    const t: ScanTarget = { line, text, host, port, ...(starttls ? { starttls } : {}) };
    if (sni) {
      try {
        t.servername = normalizeHost(sni, sni);
      } catch (e) {
        throw where(e instanceof Error ? e.message : String(e));
      }
      if (net.isIP(t.servername)) throw where(`SNI "${sni}" is an IP address; SNI carries names only`);
    }
    return t;
  }
}

function bracket(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** Lines of a stream, one at a time (memory bounded by the longest line, itself capped). */
export async function* readLines(
  input: AsyncIterable<Buffer | string>,
  maxLineBytes = 8192,
): AsyncGenerator<{ line: number; text: string }> {
  let carry = "";
  let n = 0;
  for await (const chunk of input) {
    carry += typeof chunk === "string" ? chunk : chunk.toString("utf8");
    let i = carry.indexOf("\n");
    while (i >= 0) {
      n++;
      yield { line: n, text: carry.slice(0, i).replace(/\r$/, "") };
      carry = carry.slice(i + 1);
      i = carry.indexOf("\n");
    }
    if (carry.length > maxLineBytes) {
      n++;
      throw new InputError(`line ${n}: longer than ${maxLineBytes} bytes`, "bad-target");
    }
  }
  if (carry.length) yield { line: n + 1, text: carry.replace(/\r$/, "") };
}

// ---------------------------------------------------------------------------------------------------------
// Many endpoints

export type ScanStatus = "trusted" | "untrusted" | "failed" | "invalid";

/** What a scan keeps of one target: small, so 100,000 of them fit in memory. */
export interface ScanSummary {
  /** 0-based index in the list (input order). */
  index: number;
  line: number;
  target: string;
  host: string;
  port: number;
  servername: string | null;
  address?: string;
  /** The STARTTLS exchange the list's line asked for (`smtp://host`). */
  starttls?: StarttlsProtocol;
  /** trusted: every client trusts; untrusted: one does not; failed: no certificate to judge; invalid: bad line. */
  status: ScanStatus;
  protocol?: string | null;
  clients: { client: ClientId; status: "trusted" | "untrusted" | "depends"; code?: string; error?: string }[];
  /** Error and warning codes, errors first. */
  findings: { code: string; severity: string; message: string }[];
  leaf?: { subject: string; notAfter: string; sha256: string };
  /** The lints that fired on the certificates sent (docs/lints.md), counted by severity. */
  lints?: ScanLints;
  failure?: string;
  ms: number;
}

export interface ScanLints {
  counts: { error: number; warning: number; notice: number };
  /** Each lint that fired, on which certificate (1-based position as sent). */
  findings: { position: number; id: string; severity: LintSeverity; message: string }[];
}

const KIND_OF_ROLE: Partial<Record<string, CertificateKind>> = {
  leaf: "subscriber",
  intermediate: "intermediate",
  root: "root",
};

/**
 * Lint results by parsed certificate and kind. Lints are pure (no clock, no I/O: src/lint/registry.ts), and a
 * scan sees the same intermediates (and a certificate shared by many names) again and again: each is linted
 * once per run. Keyed by the Certificate object, which parseCached shares for equal DER; a WeakMap, so an
 * entry lives as long as the parse cache keeps its certificate.
 */
const lintsByCertificate = new WeakMap<Certificate, Map<string, ReturnType<typeof lintSummary>>>();

function lintSummaryCached(
  cert: Certificate,
  kind: CertificateKind | undefined,
): ReturnType<typeof lintSummary> {
  let byKind = lintsByCertificate.get(cert);
  if (!byKind) {
    byKind = new Map();
    lintsByCertificate.set(cert, byKind);
  }
  let l = byKind.get(kind ?? "");
  if (!l) {
    l = lintSummary(cert, kind ? { kind } : {});
    byKind.set(kind ?? "", l);
  }
  return l;
}

/** The lints of each certificate the server sent (duplicates once), summed. */
function scanLints(r: CheckReport): ScanLints | undefined {
  if (!r.certificates.length) return undefined;
  const bySha = new Map(r.certificates.map((c) => [c.sha256, c]));
  const counts = { error: 0, warning: 0, notice: 0 };
  const findings: ScanLints["findings"] = [];
  for (const s of r.matrix.sent) {
    const cert = bySha.get(s.sha256);
    if (!cert || s.role === "duplicate") continue;
    const kind = KIND_OF_ROLE[s.role];
    const l = lintSummaryCached(cert, kind);
    for (const f of l.findings) {
      counts[f.severity]++;
      findings.push({ position: s.position, id: f.id, severity: f.severity, message: f.messages.join("; ") });
    }
  }
  return { counts, findings };
}

export function summarize(index: number, t: ScanTarget, r: CheckReport): ScanSummary {
  const leaf = r.certificates[0];
  const noChain = r.certificates.length === 0;
  const lints = scanLints(r);
  return {
    index,
    line: t.line,
    target: t.text,
    host: t.host,
    port: t.port,
    servername: r.target.servername,
    ...(r.target.address ? { address: r.target.address } : {}),
    ...(t.starttls ? { starttls: t.starttls } : {}),
    status: r.trusted ? "trusted" : noChain ? "failed" : "untrusted",
    protocol: r.handshake.protocol,
    clients: r.matrix.clients.map((v) => ({
      client: v.client,
      status: v.status,
      ...(v.reason ? { code: v.reason.code } : {}),
      ...(v.error ? { error: v.error.text } : {}),
    })),
    findings: r.matrix.findings
      .filter((f) => f.severity !== "info")
      .map((f) => ({ code: f.code, severity: f.severity, message: f.message })),
    ...(leaf
      ? {
          leaf: {
            subject: leaf.subject.toString(),
            notAfter: isoSeconds(leaf.notAfter),
            sha256: leaf.sha256,
          },
        }
      : {}),
    ...(lints ? { lints } : {}),
    ...(r.handshake.failure ? { failure: r.handshake.failure.message } : {}),
    ms: r.handshake.ms,
  };
}

/** What a scan keeps of a line that names no usable target. */
export function invalidSummary(index: number, line: number, text: string, message: string): ScanSummary {
  return {
    index,
    line,
    target: text.slice(0, 200),
    host: "",
    port: 0,
    servername: null,
    status: "invalid",
    clients: [],
    findings: [{ code: "bad-target", severity: "error", message }],
    failure: message,
    ms: 0,
  };
}

/** What a scan keeps of a target that was not checked (`code` says why: refused by a guard, an error). */
export function failedSummary(index: number, t: ScanTarget, code: string, message: string): ScanSummary {
  return {
    index,
    line: t.line,
    target: t.text,
    host: t.host,
    port: t.port,
    servername: t.servername ?? null,
    status: "failed",
    clients: [],
    findings: [{ code, severity: "error", message }],
    failure: message,
    ms: 0,
  };
}

/**
 * How a face checks one target of a scan: where to connect and with which options (the web's address
 * guard, the lab's roots), or the target's summary when it is not to be checked at all.
 */
export type PrepareTarget = (
  t: ScanTarget,
  index: number,
) => Promise<{ target: ProbeTarget; options?: Partial<CheckOptions> } | ScanSummary>;

export interface ScanOptions extends Omit<CheckOptions, "cache" | "peerName"> {
  /** Targets checked at once (default 64). */
  concurrency?: number;
  /** Verdict cache size (default 2,000 chains × names). */
  cacheSize?: number;
  /** See PrepareTarget (default: connect to the target as written, with these options). */
  prepare?: PrepareTarget;
  /**
   * Check each target's revocation status with these fetch options (./revocation.ts) and fold what each
   * client does with it into the verdicts; absent: no revocation check.
   */
  revocation?: RevocationOptions;
}

export type ScanItem = { line: number; text: string };

/**
 * Check every target of `lines` (streamed: a line is read only when a slot is free), calling `onResult` as
 * each completes (in completion order). Bad lines give an "invalid" summary. Returns counts by status.
 * Aborting `o.signal` starts no new target and closes the connections in flight; their checks are not
 * results.
 */
export async function scanTargets(
  lines: AsyncIterable<ScanItem> | Iterable<ScanItem>,
  o: ScanOptions,
  onResult: (s: ScanSummary) => void | Promise<void>,
): Promise<Record<ScanStatus, number>> {
  const counts: Record<ScanStatus, number> = { trusted: 0, untrusted: 0, failed: 0, invalid: 0 };
  const concurrency = Math.max(1, o.concurrency ?? 64);
  const cache = new LruCache<ClientMatrix>(o.cacheSize ?? 2000);
  const take = lineReader(lines, () => o.signal?.aborted === true);
  const record = async (s: ScanSummary) => {
    counts[s.status]++;
    await onResult(s);
  };
  const worker = async () => {
    for (let got = await take(); got; got = await take()) {
      const { item, index: i } = got;
      let t: ScanTarget | null;
      try {
        t = parseTargetLine(item.text, item.line);
      } catch (e) {
        await record(invalidSummary(i, item.line, item.text, (e as Error).message));
        continue;
      }
      if (!t) continue;
      const summary = await checkScanTarget(t, i, o, cache);
      if (summary) await record(summary);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return counts;
}

/**
 * The next non-blank, non-comment line with its index among them, one reader at a time (async iterators
 * must not be advanced concurrently); undefined at the end, or once `stopped()`.
 */
function lineReader(
  lines: AsyncIterable<ScanItem> | Iterable<ScanItem>,
  stopped: () => boolean,
): () => Promise<{ item: ScanItem; index: number } | undefined> {
  const it =
    Symbol.asyncIterator in lines
      ? lines[Symbol.asyncIterator]()
      : (lines as Iterable<ScanItem>)[Symbol.iterator]();
  let index = 0;
  let done = false;
  const next = async (): Promise<{ item: ScanItem; index: number } | undefined> => {
    while (!done && !stopped()) {
      const n = await it.next();
      if (n.done) {
        done = true;
        return undefined;
      }
      const stripped = n.value.text.replace(/^\uFEFF/, "").trim();
      if (!stripped || stripped.startsWith("#")) continue;
      return { item: n.value, index: index++ };
    }
    return undefined;
  };
  let reading: Promise<unknown> = Promise.resolve();
  return () => {
    const p = reading.then(next);
    reading = p.catch(() => undefined);
    return p;
  };
}

/** One target of a scan, summarized; undefined when the scan was aborted during its connection. */
async function checkScanTarget(
  t: ScanTarget,
  index: number,
  o: ScanOptions,
  cache: VerdictCache,
): Promise<ScanSummary | undefined> {
  try {
    const prepared = o.prepare
      ? await o.prepare(t, index)
      : { target: { host: t.host, port: t.port, ...(t.servername ? { servername: t.servername } : {}) } };
    if ("status" in prepared) return prepared;
    // A scan's full handshakes run on chainproof's own TLS 1.3 client (./tls13-client.ts): the certificates as
    // sent, without node's copy of each; TLS 1.2 servers natively (./probe.ts nativeHandshake); failures and
    // mutual-TLS requests are probed again with the capture.
    const probeOptions: ProbeOptions = { capture: "own", ...o.probe, ...prepared.options?.probe };
    const report = await checkEndpoint(prepared.target, {
      ...o,
      ...prepared.options,
      probe: probeOptions,
      cache,
    });
    if (o.signal?.aborted && report.handshake.failure?.kind === "cancelled") return undefined;
    return summarize(index, t, o.revocation ? await withRevocation(report, o, o.revocation) : report);
  } catch (e) {
    // One target must never end the scan: whatever went wrong is that target's result.
    const message = `chainproof could not check this target: ${e instanceof Error ? e.message : String(e)}`;
    return failedSummary(index, t, "check-error", message);
  }
}

/** The report with each client's revocation outcome folded into its verdict (scan --revocation). */
async function withRevocation(
  report: CheckReport,
  o: ScanOptions,
  r: RevocationOptions,
): Promise<CheckReport> {
  const store =
    o.stores && Array.isArray((o.stores as TrustStore).anchors) ? (o.stores as TrustStore) : undefined;
  const rev = await revocationOf(report, o.clients, {
    ...r,
    ...(store ? { store } : {}),
    time: o.time ?? new Date(),
  });
  return rev ? reportWithRevocation(report, rev) : report;
}

// ---------------------------------------------------------------------------------------------------------
// Chain repair for a checked endpoint

export interface FixOptions {
  clients: readonly ClientId[];
  stores?: TrustStore | Partial<Record<ClientId, TrustStore>>;
  time?: Date;
  distrustRules?: readonly DistrustRule[];
  preloaded?: readonly Certificate[] | boolean;
  /** Intermediates from a local folder. */
  local?: readonly Certificate[];
  /** Known CA certificates, e.g. the FPKI store's catalog. */
  catalog?: readonly Certificate[];
  /** AIA fetching (see ./aia.ts), or false for none. */
  aia?: AiaOptions | false;
}

export interface FixResult {
  repair: RepairResult;
  /** The clients' verdicts on the repaired bundle (the chain only: TLS problems are not the chain's). */
  matrix: ClientMatrix;
}

/** Build the chain the server should send (./aia.ts repairChain) and judge it again for every client. */
export async function fixChain(report: CheckReport, o: FixOptions): Promise<FixResult | undefined> {
  const leaf = report.certificates[0];
  if (!leaf || report.matrix.clients.length === 0) return undefined;
  const time = o.time ?? new Date();
  const anchors = new Map<string, Certificate>();
  for (const id of o.clients)
    for (const a of storeOf(id, o.stores).anchors) anchors.set(a.cert.sha256, a.cert);
  const budget = new FetchBudget();
  const aiaOpts = o.aia;
  const repair = await repairChain({
    leaf,
    presented: report.certificates,
    anchors: [...anchors.values()],
    ...(o.local ? { local: o.local } : {}),
    ...(o.catalog ? { catalog: o.catalog } : {}),
    ...(aiaOpts !== false ? { fetch: (url: string) => fetchCaIssuers(url, aiaOpts ?? {}, budget) } : {}),
    time,
  });
  const bundle = repair.bundle.map((e) => e.cert);
  const matrix = evaluateClients({
    leaf,
    presented: bundle,
    clients: o.clients,
    ...(o.stores ? { stores: o.stores } : {}),
    ...(report.peer ? { host: report.peer } : {}),
    time,
    ...(o.distrustRules ? { distrustRules: o.distrustRules } : {}),
    ...(o.preloaded !== undefined ? { preloaded: o.preloaded } : {}),
  });
  return { repair, matrix };
}
