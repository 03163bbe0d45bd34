/**
 * The scan use case: check many endpoints with bounded concurrency and memory, as an async iterable of
 * events — each result as it completes (with the progress so far), then the end with the counts.
 * `chainproof scan` and the web's scans are its faces. Cancellation: abort `signal` (or stop iterating):
 * no new target starts and the connections in flight close at once. Each result is the object one line of
 * `chainproof scan --ndjson` prints (docs/scan.md, docs/schemas/scan-result.schema.json).
 */

import { setMaxListeners } from "node:events";
import { type ClientId, resolveClients } from "../clients/index.js";
import {
  type PrepareTarget,
  type ScanItem,
  type ScanOptions,
  type ScanStatus,
  type ScanSummary,
  scanTargets,
} from "../net/scan.js";
import { starttlsFor, starttlsHook } from "../net/starttls.js";
import type { TrustStore } from "../trust/store.js";
import { resolveStore } from "./stores.js";
import { type TlsOptions, type TlsScanSummary, tlsCheck, tlsScanSummary } from "./tls.js";

export type { PrepareTarget, ScanItem, ScanStatus, ScanSummary } from "../net/scan.js";

export interface ScanUseOptions {
  /** Client names ("salesforce,java", "all") or ids; default Salesforce. */
  clients?: string | readonly ClientId[];
  /** A store spec ("mozilla", "file:PATH", …) or a resolved store; default each client's own. */
  store?: string | TrustStore;
  /** Password of a password-protected store (keystore, PKCS#12). */
  storePassword?: string;
  /** Told what a `salesforce:` list matched and did not (one line each). */
  storeReport?: (line: string) => void;
  /** Per connection (default 10 s). */
  timeoutMs?: number;
  /** Targets checked at once (default 64). */
  concurrency?: number;
  /** "fast": a raw TLS 1.2 hello where it suffices (see src/net/scan.ts CheckOptions.mode). */
  mode?: "full" | "fast";
  /**
   * Check each target's revocation status (public responders only) and fold what each client does with it
   * into the verdicts (docs/revocation.md). Default false.
   */
  revocation?: boolean;
  /** Verdict cache size (default 2,000). */
  cacheSize?: number;
  /** How a face checks each target (the web's guard); default: as written. */
  prepare?: PrepareTarget;
  /** Keep findings' messages whole (default: cut at 300 characters, as `chainproof scan` prints them). */
  fullMessages?: boolean;
  /** Also enumerate each server's TLS and simulate each client's handshake (a result's `tls`). */
  tls?: boolean | Omit<TlsOptions, "signal" | "guard">;
  /** STARTTLS for every target ("smtp", … or "none"); default: each target's well-known port's protocol. */
  starttls?: string;
  signal?: AbortSignal;
  time?: Date;
}

export type ScanCounts = Record<ScanStatus, number>;

/** A scan result, with the TLS summary when `tls` was asked. */
export type ScanResult = ScanSummary & { tls?: TlsScanSummary };

export type ScanEvent =
  | { type: "result"; result: ScanResult; done: number; counts: ScanCounts }
  | { type: "end"; counts: ScanCounts; cancelled: boolean; ms: number };

/** The longest finding message a result keeps (unless fullMessages). */
const MAX_MESSAGE = 300;

/** The most abort listeners one scanned target holds on the scan's signal at once. */
const LISTENERS_PER_TARGET = 40;

/** Events waiting for the consumer before the scan waits for it (memory stays bounded). */
const MAX_WAITING = 256;

/**
 * Scan `targets` (lines of the list format: `host[:port] [sni]` or CSV `host,port,sni`; a string is split
 * into lines). Chrome's AIA fetching is not made (a request per target): its verdict stays "depends".
 */
export async function* scan(
  targets: string | AsyncIterable<ScanItem> | Iterable<ScanItem>,
  o: ScanUseOptions = {},
): AsyncGenerator<ScanEvent> {
  const lines = typeof targets === "string" ? splitLines(targets) : targets;
  const stop = new AbortController();
  // Every running target listens to this one signal (its connect, its probe, up to 32 TLS enumeration
  // handshakes): well past node's default of 10 listeners, which would print MaxListenersExceededWarning.
  setMaxListeners((o.concurrency ?? 64) * LISTENERS_PER_TARGET, stop.signal);
  const options = engineOptions(o, stop.signal);
  const onAbort = () => stop.abort();
  o.signal?.addEventListener("abort", onAbort, { once: true });
  if (o.signal?.aborted) stop.abort();
  const counts: ScanCounts = { trusted: 0, untrusted: 0, failed: 0, invalid: 0 };
  const queue: ScanEvent[] = [];
  let wake: (() => void) | undefined;
  let drained: (() => void) | undefined;
  let finished = false;
  let failure: unknown;
  const started = performance.now();
  const poke = () => {
    wake?.();
    wake = undefined;
  };

  const running = scanTargets(lines, options, async (summary) => {
    const result: ScanResult = o.fullMessages ? summary : compactSummary(summary);
    if (o.tls && summary.status !== "invalid" && !stop.signal.aborted)
      result.tls = await scanTls(summary, o, stop.signal);
    counts[result.status]++;
    const done = counts.trusted + counts.untrusted + counts.failed + counts.invalid;
    queue.push({ type: "result", result, done, counts: { ...counts } });
    poke();
    if (queue.length >= MAX_WAITING) await new Promise<void>((r) => (drained = r));
  }).then(
    () => {
      finished = true;
      poke();
    },
    (e) => {
      failure = e;
      finished = true;
      poke();
    },
  );

  try {
    for (;;) {
      const e = queue.shift();
      if (e) {
        if (queue.length < MAX_WAITING / 2) {
          drained?.();
          drained = undefined;
        }
        yield e;
        continue;
      }
      if (finished) break;
      await new Promise<void>((r) => (wake = r));
    }
    if (failure !== undefined) throw failure;
    yield {
      type: "end",
      counts: { ...counts },
      cancelled: stop.signal.aborted,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    // The consumer stopped early (break, an error): stop the scan and its connections.
    if (!finished) stop.abort();
    drained?.();
    await running;
    o.signal?.removeEventListener("abort", onAbort);
  }
}

function engineOptions(o: ScanUseOptions, signal: AbortSignal): ScanOptions {
  const time = o.time ?? new Date();
  const store =
    typeof o.store === "string"
      ? resolveStore(o.store, { password: o.storePassword, report: o.storeReport, time })
      : o.store;
  return {
    clients: typeof o.clients === "string" || !o.clients ? resolveClients(o.clients) : [...o.clients],
    ...(store ? { stores: store } : {}),
    timeoutMs: o.timeoutMs ?? 10_000,
    time,
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    ...(o.cacheSize ? { cacheSize: o.cacheSize } : {}),
    ...(o.mode ? { mode: o.mode } : {}),
    ...(o.revocation ? { revocation: {} } : {}),
    prepare: withStarttls(o.prepare, o.starttls, o.timeoutMs ?? 10_000),
    aia: false,
    signal,
  };
}

/** The TLS enumeration of one scanned server, at the address the check connected to. */
async function scanTls(s: ScanSummary, o: ScanUseOptions, signal: AbortSignal): Promise<TlsScanSummary> {
  const target = {
    host: s.host,
    port: s.port,
    servername: s.servername ?? (false as const),
    ...(s.address ? { connectTo: s.address } : {}),
  };
  const extra = typeof o.tls === "object" ? o.tls : {};
  const protocol = s.starttls ?? starttlsFor(o.starttls, s.port);
  const beforeTls = protocol ? starttlsHook(protocol, s.host, o.timeoutMs ?? 10_000) : undefined;
  return tlsScanSummary(
    await tlsCheck(target, {
      timeoutMs: Math.min(o.timeoutMs ?? 5_000, 5_000),
      ...extra,
      signal,
      ...(beforeTls ? { beforeTls } : {}),
    }),
  );
}

/**
 * The face's way of preparing a target (or connecting as written), plus the STARTTLS exchange the target's
 * port calls for (or `spec` says) before TLS.
 */
function withStarttls(
  prepare: PrepareTarget | undefined,
  spec: string | undefined,
  timeoutMs: number,
): PrepareTarget {
  starttlsFor(spec, 0); // a bad name is a usage error before anything is connected to
  return async (t, index) => {
    const prepared = prepare
      ? await prepare(t, index)
      : { target: { host: t.host, port: t.port, ...(t.servername ? { servername: t.servername } : {}) } };
    if ("status" in prepared) return prepared;
    const protocol = t.starttls ?? starttlsFor(spec, prepared.target.port);
    if (!protocol) return prepared;
    const beforeTls = starttlsHook(protocol, prepared.target.host, timeoutMs);
    const options = prepared.options ?? {};
    return { ...prepared, options: { ...options, probe: { ...options.probe, beforeTls } } };
  };
}

function splitLines(text: string): ScanItem[] {
  return text.split(/\r?\n/).map((t, i) => ({ line: i + 1, text: t }));
}

function compactSummary(s: ScanSummary): ScanSummary {
  return {
    ...s,
    findings: s.findings.map((f) => ({
      ...f,
      message: f.message.length > MAX_MESSAGE ? `${f.message.slice(0, MAX_MESSAGE)}…` : f.message,
    })),
  };
}
