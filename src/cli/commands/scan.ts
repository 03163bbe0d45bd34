/**
 * `chainproof scan FILE|- [--client LIST] [--store NAME|--roots FILE] [--concurrency N] [--timeout S]
 *  [--json | --ndjson | --junit | --sarif]`
 *
 * Checks every endpoint of a list (one per line: `host[:port] [sni]`, or CSV `host,port,sni`; `#` comments)
 * as `check` does, many at a time. The list is read line by line as slots free up, and only a compact summary
 * of each result is kept (none with --ndjson, which streams them), so memory stays bounded whatever the
 * list's length. A progress bar goes to stderr when it is a terminal.
 *
 * Exit status, by the worst result: 0 every target trusted by every client; 1 one untrusted or failed;
 * 2 bad input (an unreadable file, a bad option, a line that names no target).
 */

import { createReadStream, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { type ScanEvent, type ScanResult, scan } from "../../app/scan.js";
import { CLIENTS, type ClientId, resolveClients } from "../../clients/index.js";
import {
  parseTargetLine,
  readLines,
  type ScanItem,
  type ScanStatus,
  type ScanSummary,
} from "../../net/scan.js";
import { InputError } from "../../x509/errors.js";
import { fsReason } from "../io.js";
import { type Style, safeText, styleFor } from "../style.js";
import { parseTimeout } from "./check.js";
import { quietOnClosedPipe, storeOptions } from "./roots.js";
import { tlsCliOptions, tlsScanLine } from "./tls.js";

export interface ScanCliOptions {
  client?: string;
  store?: string;
  roots?: string;
  storePasswordEnv?: string;
  concurrency?: string;
  timeout?: string;
  json?: boolean;
  ndjson?: boolean;
  junit?: boolean;
  sarif?: boolean;
  /** commander's --no-progress. */
  progress?: boolean;
  fast?: boolean;
  /** Check each target's revocation status (docs/revocation.md). */
  revocation?: boolean;
  /** Enumerate each server's TLS and simulate each client's handshake. */
  tls?: boolean;
  tlsConnections?: string;
  /** STARTTLS protocol for every target, or "none" (default: by each target's well-known port). */
  starttls?: string;
}

export const SCAN_SCHEMA = "chainproof/scan";
/**
 * 32 per CPU, between 32 and 256 (64 on a 2-CPU machine). On loopback a scan is CPU-bound and any value
 * from 16 up gives the same rate (docs/scan.md); on real networks a check mostly waits on round trips, and
 * this is what gives throughput, within what one process's sockets and memory comfortably hold.
 */
export const DEFAULT_CONCURRENCY = Math.min(256, Math.max(32, 32 * availableParallelism()));

export function parseConcurrency(text: string | undefined): number {
  if (text === undefined) return DEFAULT_CONCURRENCY;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > 1024)
    throw new InputError(`--concurrency ${JSON.stringify(text)}: give a number from 1 to 1024`, "usage");
  return n;
}

async function* linesOf(file: string): AsyncGenerator<ScanItem> {
  const stream = file === "-" ? process.stdin : createReadStream(file);
  yield* readLines(stream as AsyncIterable<Buffer>);
}

/** Targets in a regular file (for the progress bar's total), counted by streaming it. */
async function countTargets(file: string): Promise<number | undefined> {
  if (file === "-") return undefined;
  let n = 0;
  for await (const { line, text } of linesOf(file)) {
    try {
      if (parseTargetLine(text, line)) n++;
    } catch {
      n++; // a bad line is a result too
    }
  }
  return n;
}

export async function runScan(file: string, opts: ScanCliOptions): Promise<number> {
  const formats = [opts.json, opts.ndjson, opts.junit, opts.sarif].filter(Boolean).length;
  if (formats > 1) throw new InputError("give one of --json, --ndjson, --junit, --sarif", "usage");
  if (opts.store && opts.roots) throw new InputError("give --store or --roots, not both", "usage");
  if (file !== "-") {
    try {
      if (!statSync(file).isFile()) throw new InputError(`${file}: not a file`, "cannot-read");
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`${file}: ${fsReason(e)}`, "cannot-read");
    }
  }
  const clients = resolveClients(opts.client);
  const concurrency = parseConcurrency(opts.concurrency);
  const timeoutMs = parseTimeout(opts.timeout);
  const storeSpec = opts.roots ?? opts.store;
  const events = scan(linesOf(file), {
    clients,
    ...(storeSpec ? storeOptions(storeSpec, opts) : {}),
    timeoutMs,
    concurrency,
    ...(opts.fast ? { mode: "fast" as const } : {}),
    ...(opts.revocation ? { revocation: true } : {}),
    ...(opts.tls ? { tls: tlsCliOptions(opts) } : {}),
    ...(opts.starttls !== undefined ? { starttls: opts.starttls } : {}),
  });
  quietOnClosedPipe();

  const err = process.stderr;
  const showProgress = opts.progress !== false && err.isTTY === true;
  const total = showProgress ? await countTargets(file) : undefined;
  const progress = showProgress ? new Progress(err, total, styleFor(err)) : undefined;

  const keep = !opts.ndjson;
  const results: ScanResult[] = [];
  const out = process.stdout;
  let end: Extract<ScanEvent, { type: "end" }> | undefined;
  try {
    for await (const e of events) {
      if (e.type === "end") {
        end = e;
        break;
      }
      const compact = e.result;
      if (opts.ndjson) {
        if (!out.write(`${JSON.stringify(compact)}\n`)) await new Promise((r) => out.once("drain", r));
      }
      if (keep) results.push(compact);
      progress?.tick(e.result.status);
    }
  } catch (e) {
    progress?.clear();
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new InputError(`${file}: ${fsReason(e)}`, "cannot-read");
    throw e;
  }
  const { counts, ms } = end ?? { counts: { trusted: 0, untrusted: 0, failed: 0, invalid: 0 }, ms: 0 };
  progress?.clear();
  results.sort((a, b) => a.index - b.index);

  if (opts.json) {
    out.write(
      `${JSON.stringify({ schema: SCAN_SCHEMA, version: 1, clients, counts, ms, results }, null, 2)}\n`,
    );
  } else if (opts.junit) {
    out.write(junit(results, clients, ms));
  } else if (opts.sarif) {
    out.write(`${JSON.stringify(sarif(results, file), null, 2)}\n`);
  } else if (!opts.ndjson) {
    out.write(table(results, clients, counts, ms, styleFor(out)));
  }
  if (counts.invalid > 0) return 2;
  return counts.untrusted + counts.failed > 0 ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------
// Progress

class Progress {
  private done = 0;
  private counts: Record<ScanStatus, number> = { trusted: 0, untrusted: 0, failed: 0, invalid: 0 };
  private last = 0;
  private readonly t0 = performance.now();
  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly total: number | undefined,
    private readonly style: Style,
  ) {}
  tick(status: ScanStatus): void {
    this.done++;
    this.counts[status]++;
    const now = performance.now();
    if (now - this.last < 100 && this.done !== this.total) return;
    this.last = now;
    const rate = this.done / Math.max(0.001, (now - this.t0) / 1000);
    const width = 24;
    const bar =
      this.total !== undefined && this.total > 0
        ? `[${"█".repeat(Math.round((this.done / this.total) * width)).padEnd(width, "░")}] `
        : "";
    const of = this.total !== undefined ? `/${this.total}` : "";
    const c = this.counts;
    const s = this.style;
    this.stream.write(
      `\r${bar}${this.done}${of}  ${rate.toFixed(0)}/s  ${s.green(`✓ ${c.trusted}`)} ${s.red(`✗ ${c.untrusted}`)} ${s.yellow(`! ${c.failed + c.invalid}`)}\u001b[K`,
    );
  }
  clear(): void {
    this.stream.write("\r\u001b[K");
  }
}

// ---------------------------------------------------------------------------------------------------------
// Formats

function mark(s: ScanSummary, style: Style): string {
  switch (s.status) {
    case "trusted":
      return style.green("✓");
    case "untrusted":
      return style.red("✗");
    default:
      return style.yellow("!");
  }
}

function why(s: ScanSummary, clients: readonly ClientId[]): string {
  if (s.status === "trusted") {
    const warn = s.findings.filter((f) => f.severity === "warning").map((f) => f.code);
    return warn.length ? `trusted; warnings: ${[...new Set(warn)].join(", ")}` : "trusted";
  }
  if (s.status === "invalid") return s.failure ?? "bad line";
  const byCode = new Map<string, string[]>();
  for (const c of s.clients) {
    if (c.status === "trusted") continue;
    const code = c.status === "depends" ? `${c.code ?? "depends"} (depends)` : (c.code ?? c.status);
    byCode.set(code, [...(byCode.get(code) ?? []), CLIENTS[c.client].name]);
  }
  const parts = [...byCode].map(([code, names]) =>
    clients.length === 1 || names.length === clients.length ? code : `${code}: ${names.join(", ")}`,
  );
  if (s.status === "failed" && s.failure) parts.push(s.failure);
  return parts.join("; ");
}

function table(
  results: ScanResult[],
  clients: readonly ClientId[],
  counts: Record<ScanStatus, number>,
  ms: number,
  style: Style,
): string {
  const t = safeText;
  const w = Math.min(48, Math.max(6, ...results.map((r) => r.target.length)));
  const lw = Math.max(0, ...results.map((r) => lintCell(r).length));
  const lints = (r: ScanResult) => {
    const cell = lintCell(r).padEnd(lw);
    const c = r.lints?.counts;
    return lw ? `${c?.error ? style.red(cell) : c?.warning ? style.yellow(cell) : style.dim(cell)}  ` : "";
  };
  const lines = results.map((r) => {
    const name = r.target.length > w ? `${r.target.slice(0, w - 1)}…` : r.target.padEnd(w);
    const line = `${mark(r, style)} ${t(name)}  ${style.dim((r.protocol ?? "").padEnd(7))}  ${lints(r)}${t(why(r, clients))}`;
    return r.tls ? `${line}\n${" ".repeat(w + 2)}${tlsScanLine(r.tls, style)}` : line;
  });
  const n = results.length;
  const summary = `${n} target${n === 1 ? "" : "s"} in ${(ms / 1000).toFixed(1)} s: ${style.green(`${counts.trusted} trusted`)}, ${style.red(`${counts.untrusted} not trusted`)}, ${style.yellow(`${counts.failed} failed`)}${counts.invalid ? `, ${style.yellow(`${counts.invalid} bad lines`)}` : ""} (clients: ${clients.map((c) => CLIENTS[c].name).join(", ")})`;
  const key = lw
    ? "Lints of the certificates sent: E errors, W warnings, N notices (--json lists them).\n"
    : "";
  return `${lines.join("\n")}${lines.length ? "\n" : ""}${summary}\n${key}`;
}

/** A target's lint counts for the table: "2E 1W 0N", or "" when no certificate was sent. */
function lintCell(r: ScanResult): string {
  const c = r.lints?.counts;
  return c ? `${c.error}E ${c.warning}W ${c.notice}N` : "";
}

/** XML 1.0 text: escape markup, drop characters XML cannot carry. */
function xml(s: string): string {
  return s
    .replace(/[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

export function junit(results: ScanSummary[], clients: readonly ClientId[], ms: number): string {
  const failures = results.filter((r) => r.status === "untrusted").length;
  const errors = results.filter((r) => r.status === "failed" || r.status === "invalid").length;
  const secs = (ms / 1000).toFixed(3);
  const head = `tests="${results.length}" failures="${failures}" errors="${errors}" time="${secs}"`;
  const cases = results.map((r) => {
    const name = xml(`${r.target}${r.line ? ` (line ${r.line})` : ""}`);
    const time = (r.ms / 1000).toFixed(3);
    const first = r.findings.find((f) => f.severity === "error");
    let body = "";
    if (r.status === "untrusted") {
      const detail = r.clients
        .filter((c) => c.status !== "trusted")
        .map((c) => `${CLIENTS[c.client].name}: ${c.code ?? c.status}${c.error ? ` — ${c.error}` : ""}`)
        .join("\n");
      body = `\n      <failure type="${xml(first?.code ?? "untrusted")}" message="${xml(first?.message ?? "not trusted")}">${xml(detail)}</failure>\n    `;
    } else if (r.status === "failed" || r.status === "invalid") {
      body = `\n      <error type="${xml(first?.code ?? r.status)}" message="${xml(r.failure ?? first?.message ?? r.status)}"/>\n    `;
    }
    return `    <testcase classname="chainproof.scan" name="${name}" time="${time}">${body}</testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="chainproof scan" ${head}>\n  <testsuite name="chainproof scan (${xml(clients.join(", "))})" ${head}>\n${cases.join("\n")}\n  </testsuite>\n</testsuites>\n`;
}

export function sarif(results: ScanSummary[], file: string) {
  const rules = new Set<string>();
  const out: object[] = [];
  const uri = file === "-" ? "stdin" : file;
  for (const r of results) {
    for (const f of r.findings) {
      if (f.severity !== "error" && f.severity !== "warning") continue;
      rules.add(f.code);
      const refusing = r.clients.filter((c) => c.status !== "trusted" && c.code === f.code);
      out.push({
        ruleId: f.code,
        level: f.severity,
        message: {
          text: `${r.target}: ${f.message}${refusing.length ? ` (${refusing.map((c) => CLIENTS[c.client].name).join(", ")})` : ""}`,
        },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri },
              ...(r.line ? { region: { startLine: r.line } } : {}),
            },
          },
        ],
        partialFingerprints: { target: `${r.host}:${r.port}${r.servername ? `/${r.servername}` : ""}` },
      });
    }
  }
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "chainproof",
            version: "0.1.0",
            rules: [...rules.keys()].map((id) => ({ id, shortDescription: { text: id } })),
          },
        },
        results: out,
      },
    ],
  };
}
