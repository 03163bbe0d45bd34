/**
 * The TLS use case: enumerate what a server speaks (src/net/tls-enum), predict each client's handshake
 * with it (src/clients/handshake) and say what to change. `chainproof check --tls` and `scan --tls` add the
 * document it returns (docs/tls.md, docs/schemas/tls.schema.json) to theirs.
 */

import {
  CLIENT_OFFERS,
  type HandshakePrediction,
  simulateHandshake,
  type TlsFinding,
  tlsFindings,
} from "../clients/handshake/index.js";
import { CLIENT_IDS, type ClientId } from "../clients/index.js";
import type { GuardPolicy } from "../net/guard.js";
import type { ProbeTarget } from "../net/probe.js";
import {
  type EnumerateOptions,
  type EnumerationRun,
  enumerateTls,
  type TlsEnumeration,
} from "../net/tls-enum/enumerate.js";

export const TLS_SCHEMA = "chainproof/tls";
export const TLS_SCHEMA_VERSION = 1;

export interface TlsOptions {
  /** Each probe's connect and handshake timeout (default 5 s). */
  timeoutMs?: number;
  /** Connections open at once to the target (default 8). */
  concurrency?: number;
  /** The clients to simulate (default all). */
  clients?: readonly ClientId[];
  guard?: GuardPolicy;
  signal?: AbortSignal;
  /** Run on each connection before its hello (STARTTLS: src/net/starttls.ts). */
  beforeTls?: EnumerateOptions["beforeTls"];
}

export interface TlsDocument {
  schema: typeof TLS_SCHEMA;
  version: typeof TLS_SCHEMA_VERSION;
  target: { host: string; port: number; servername: string | null };
  enumeration: TlsEnumeration;
  handshakes: HandshakePrediction[];
  findings: TlsFinding[];
}

/** Enumerate one server and simulate each client's handshake with it. */
export async function tlsCheck(target: ProbeTarget, o: TlsOptions = {}): Promise<TlsDocument> {
  const timeoutMs = o.timeoutMs ?? 5_000;
  const run = await enumerateTls(target, {
    concurrency: o.concurrency ?? 8,
    connectTimeoutMs: timeoutMs,
    handshakeTimeoutMs: timeoutMs,
    totalTimeoutMs: timeoutMs * 2,
    ...(o.guard ? { guard: o.guard } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.beforeTls ? { beforeTls: o.beforeTls } : {}),
  });
  return tlsDocument(target, run, o.clients ?? CLIENT_IDS);
}

export function tlsDocument(
  target: ProbeTarget,
  run: EnumerationRun,
  clients: readonly ClientId[],
): TlsDocument {
  const handshakes = clients.map((c) => simulateHandshake(run.profile, CLIENT_OFFERS[c]));
  const name = typeof target.servername === "string" ? target.servername : target.host;
  const servername = target.servername === false || /^[\d.]+$|:/.test(name) ? null : name;
  return {
    schema: TLS_SCHEMA,
    version: TLS_SCHEMA_VERSION,
    target: { host: target.host, port: target.port, servername },
    enumeration: run.enumeration,
    handshakes,
    findings: tlsFindings(run.profile, handshakes),
  };
}

/** What a scan result keeps of the TLS document (docs/scan.md, `tls`). */
export interface TlsScanSummary {
  versions: string[];
  /** Accepted suites with a weakness (RC4, 3DES, export, NULL, anonymous, …). */
  weakSuites: string[];
  handshakes: {
    client: ClientId;
    outcome: HandshakePrediction["outcome"];
    version?: string;
    cipher?: string;
    error?: string;
  }[];
  findings: { code: string; severity: string; message: string }[];
  unknown: string[];
}

export function tlsScanSummary(doc: TlsDocument): TlsScanSummary {
  const e = doc.enumeration;
  const weak = Object.values(e.suites).flatMap((s) => s?.suites.filter((x) => x.weaknesses.length) ?? []);
  return {
    versions: e.versions.filter((v) => v.supported).map((v) => v.version),
    weakSuites: [...new Set(weak.map((x) => x.name))],
    handshakes: doc.handshakes.map((h) => ({
      client: h.client,
      outcome: h.outcome,
      ...(h.version ? { version: h.version } : {}),
      ...(h.cipher ? { cipher: h.cipher } : {}),
      ...(h.error ? { error: h.error.text } : {}),
    })),
    findings: doc.findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message })),
    unknown: e.unknown,
  };
}
