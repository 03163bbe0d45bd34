/**
 * x509-limbo harness: runs the suite through verifyChain and writes results in limbo's own format.
 *
 *   npm run limbo -- [--input FILE] [--output FILE] [--only PREFIX] [--profile webpki|rfc5280]
 *                    [--baseline FILE] [--list-divergences] [--threads N]
 *
 * Mapping of a testcase to the policy:
 * - validation_kind SERVER/CLIENT → purpose server/client; expected_peer_name (SERVER) or every entry of
 *   expected_peer_names (CLIENT) → peerName (DNS → dns, IP → ip, RFC822 → email);
 * - validation_time → time (absent: now); max_chain_depth → maxDepth; extended_key_usage → requiredEku;
 *   key_usage → requiredKeyUsage; crls → crls; trusted_certs → anchors, with partial chains allowed
 *   (limbo trusts every certificate it lists as trusted, as pyca/cryptography and OpenSSL -partial_chain do);
 * - features: any "pedantic-*" feature → pedantic: true; the others need no knob;
 * - profile: limbo's namespaces are written for one profile each. "rfc5280::" and "pathlen::" cases test
 *   RFC 5280 semantics (e.g. rfc5280::ca-as-leaf and webpki::ca-as-leaf expect opposite results), so they run
 *   with profile "rfc5280"; every other namespace (webpki, bettertls, online, cve, crl, pathological,
 *   invalid) runs with "webpki". --profile forces one profile for all cases.
 * - signature_algorithms (empty in this suite) cannot be expressed by the policy: such a case is SKIPPED.
 *
 * Trusted certificates are parsed once per distinct PEM text for the whole run, as a client parses its
 * trust store once (so per-certificate caches such as key objects work across cases as they would across
 * connections); the certificates the peer presents are parsed afresh for every case.
 */

import { isAscii } from "node:buffer";
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { gunzipSync } from "node:zlib";
import { type Crl, type PeerName, type Policy, parseCrl, verifyChain } from "../src/verify/index.js";
import { type Certificate, parseCertificate } from "../src/x509/certificate.js";
import type { KeyUsageName } from "../src/x509/oids.js";
import { OID } from "../src/x509/oids.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const DEFAULT_SUITE = join(ROOT, "test/data/limbo/limbo.json");
export const DEFAULT_BASELINE = join(ROOT, "test/data/limbo/baseline.json");
const SOFT_IDS = join(ROOT, "test/data/limbo/bettertls-soft-ids.json");

export interface LimboTestcase {
  id: string;
  features?: string[];
  validation_kind: "SERVER" | "CLIENT";
  trusted_certs: string[];
  untrusted_intermediates: string[];
  peer_certificate: string;
  validation_time?: string | null;
  signature_algorithms?: string[];
  key_usage?: string[];
  extended_key_usage?: string[];
  expected_result: "SUCCESS" | "FAILURE";
  expected_peer_name?: { kind: string; value: string } | null;
  expected_peer_names?: { kind: string; value: string }[];
  max_chain_depth?: number | null;
  crls?: string[];
}

export interface LimboResult {
  id: string;
  actual_result: "SUCCESS" | "FAILURE" | "SKIPPED";
  context: string;
}

export interface Baseline {
  passes: number;
  total: number;
  /** id → one-line reason: which side is right and why. */
  divergences: Record<string, string>;
}

export interface RunOptions {
  input?: string;
  only?: string;
  profile?: "webpki" | "rfc5280";
}

export interface RunReport {
  results: LimboResult[];
  expected: Map<string, "SUCCESS" | "FAILURE">;
  /** Reading the suite (file, and gunzip for a .gz), then decoding and validating its testcases, in milliseconds. */
  loadMs: number;
  runMs: number;
  /** With several threads: the time each spent on its share, this thread first. */
  threadMs?: number[];
}

const EKU: Record<string, string> = {
  anyExtendedKeyUsage: OID.anyExtendedKeyUsage,
  serverAuth: OID.serverAuth,
  clientAuth: OID.clientAuth,
  codeSigning: OID.codeSigning,
  emailProtection: OID.emailProtection,
  timeStamping: OID.timeStamping,
  OCSPSigning: OID.OCSPSigning,
};

const PEER_KIND: Record<string, PeerName["kind"]> = { DNS: "dns", IP: "ip", RFC822: "email" };

export function loadSuite(path = DEFAULT_SUITE): LimboTestcase[] {
  return [...suiteCases(readSuiteBytes(path))];
}

function readSuiteBytes(path: string): Buffer {
  const raw = readFileSync(path);
  return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
}

/**
 * The suite's testcases, decoded one at a time as the caller asks for them.
 *
 * The 41 MB of JSON are not decoded as one string: a scan finds each testcase's bytes, and each is decoded
 * and parsed on its own, just before it runs. So a run never holds more than one testcase as JavaScript
 * objects (the heap stays small and the garbage collector has little to trace), and the suite, being
 * ASCII except for a few descriptions, decodes as one-byte strings, where decoding the whole file as UTF-8
 * makes one two-byte string of twice the size, slower to build and to parse.
 */
export function suiteCases(buf: Uint8Array): Generator<LimboTestcase> {
  return casesAt(buf, suiteRanges(buf));
}

/** The byte ranges of the testcases, after checking that the file is a limbo suite. */
function* suiteRanges(buf: Uint8Array): Generator<[number, number]> {
  const text = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  let first = -1;
  let last = -1;
  for (const r of testcaseRanges(buf)) {
    if (first < 0) {
      first = r[0];
      // The testcases array must open just before: anything else is not a limbo suite.
      if (!/"testcases"\s*:\s*\[\s*$/.test(text.toString("latin1", Math.max(0, first - 64), first)))
        checkEnvelope("");
    }
    last = r[1];
    yield r;
  }
  if (first < 0) checkEnvelope(text.toString("utf8"));
  else checkEnvelope(text.toString("latin1", 0, first) + text.toString("latin1", last));
}

/** The testcases at the given byte ranges of the suite, decoded one at a time. */
function* casesAt(buf: Uint8Array, ranges: Iterable<[number, number]>): Generator<LimboTestcase> {
  const text = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  for (const [s, e] of ranges) {
    const sub = text.subarray(s, e);
    yield JSON.parse(isAscii(sub) ? sub.toString("latin1") : sub.toString("utf8")) as LimboTestcase;
  }
}

function checkEnvelope(envelope: string): void {
  if (!/"version"\s*:\s*1\s*[,}]/.test(envelope) || !/"testcases"\s*:\s*\[/.test(envelope)) {
    throw new Error('unsupported limbo suite: expected {"version": 1, "testcases": [...]}');
  }
}

/** Byte ranges of the objects in the top-level object's array (the testcases), skipping over strings. */
function* testcaseRanges(buf: Uint8Array): Generator<[number, number]> {
  let depth = 0;
  let start = -1;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c === 0x22) {
      let j = i + 1;
      for (;;) {
        j = buf.indexOf(0x22, j);
        if (j < 0) throw new Error("limbo suite: unterminated string");
        let bs = 0;
        for (let k = j - 1; buf[k] === 0x5c; k--) bs++;
        if (bs % 2 === 0) break;
        j++;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth === 3 && c === 0x7b) start = i;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth === 3 && c === 0x7d) yield [start, i + 1];
      depth--;
    }
  }
}

/** PEM text → DER, for the single-block PEM strings limbo uses. */
function pemDer(pem: string): Uint8Array {
  const b = pem.indexOf("-----", 10);
  const e = pem.indexOf("-----END", b + 5);
  if (b < 0 || e < 0) throw new Error("not a PEM block");
  // A plain Uint8Array view of the decoded bytes (no copy): Buffer.prototype.subarray is much slower than
  // the typed-array one, and the parser takes many subarrays.
  const buf = Buffer.from(pem.slice(b + 5, e), "base64");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

function parse(pem: string): Certificate | Error {
  try {
    return parseCertificate(pemDer(pem));
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** Trusted certificates, parsed once per distinct PEM text for the whole run. */
export class CertCache {
  private readonly certs = new Map<string, Certificate | Error>();
  get(pem: string): Certificate | Error {
    let c = this.certs.get(pem);
    if (c === undefined) {
      c = parse(pem);
      this.certs.set(pem, c);
    }
    return c;
  }
}

export function profileFor(id: string, forced?: "webpki" | "rfc5280"): "webpki" | "rfc5280" {
  if (forced) return forced;
  return id.startsWith("rfc5280::") || id.startsWith("pathlen::") ? "rfc5280" : "webpki";
}

/** Work done across the run (signature verifications actually performed, candidate issuers considered). */
export const counters = { signatureChecks: 0, nodes: 0 };

/** Run one testcase. */
export function runCase(
  t: LimboTestcase,
  cache: CertCache,
  now: Date,
  forced?: "webpki" | "rfc5280",
  diagnostics: "verdict" | "full" = "verdict",
): LimboResult {
  const skip = (context: string): LimboResult => ({ id: t.id, actual_result: "SKIPPED", context });
  const fail = (context: string): LimboResult => ({ id: t.id, actual_result: "FAILURE", context });
  if (t.signature_algorithms?.length)
    return skip("signature_algorithms restrictions are not expressible in the policy");
  const requiredEku: string[] = [];
  for (const e of t.extended_key_usage ?? []) {
    const oid = EKU[e] ?? (/^\d+(\.\d+)+$/.test(e) ? e : undefined);
    if (!oid) return skip(`unknown extended key usage ${e}`);
    requiredEku.push(oid);
  }
  const peers: PeerName[] = [];
  const wanted =
    t.validation_kind === "SERVER"
      ? t.expected_peer_name
        ? [t.expected_peer_name]
        : []
      : (t.expected_peer_names ?? []);
  for (const p of wanted) {
    const kind = PEER_KIND[p.kind];
    if (!kind) return skip(`unknown peer name kind ${p.kind}`);
    peers.push({ kind, value: p.value });
  }

  // Trusted certificates come from the cache (a client parses its trust store once); what the peer sends
  // is parsed afresh for each case, as a client does for each connection.
  const leaf = parse(t.peer_certificate);
  if (leaf instanceof Error) return fail(`malformed-certificate: ${leaf.message}`);
  const anchors = [];
  for (const pem of t.trusted_certs) {
    const c = cache.get(pem);
    if (!(c instanceof Error)) anchors.push({ cert: c });
  }
  // Presented certificates go in as DER: the verifier parses them only if the leaf's own checks pass.
  const presented = t.untrusted_intermediates.map(pemDer);
  const crls: Crl[] = [];
  for (const pem of t.crls ?? []) {
    try {
      crls.push(parseCrl(pemDer(pem)));
    } catch (e) {
      return fail(`crl-invalid: a supplied CRL does not parse (${e instanceof Error ? e.message : e})`);
    }
  }
  const features = t.features ?? [];
  const policy: Policy = {
    time: t.validation_time ? new Date(t.validation_time) : now,
    purpose: t.validation_kind === "CLIENT" ? "client" : "server",
    peerName: peers.length ? peers : undefined,
    requiredEku: requiredEku.length ? requiredEku : undefined,
    maxDepth: t.max_chain_depth ?? undefined,
    requiredKeyUsage: t.key_usage?.length ? (t.key_usage as KeyUsageName[]) : undefined,
    allowNonSelfSignedAnchors: true,
    profile: profileFor(t.id, forced),
    pedantic: features.some((f) => f.startsWith("pedantic-")),
    crls: crls.length ? crls : undefined,
    diagnostics,
  };
  const r = verifyChain({ leaf, presented, anchors, policy });
  counters.signatureChecks += r.stats.signatureChecks;
  counters.nodes += r.stats.nodes;
  if (r.trusted) return { id: t.id, actual_result: "SUCCESS", context: "" };
  const codes = [...new Set(r.findings.filter((f) => f.severity === "error").map((f) => f.code))];
  const first = r.findings[0];
  return fail(`${codes.join(",")}${first ? `: ${first.detail}` : ""}`);
}

export function runSuite(opts: RunOptions = {}): RunReport {
  const t0 = performance.now();
  const bytes = readSuiteBytes(opts.input ?? DEFAULT_SUITE);
  const t1 = performance.now();
  const { results, expected } = runCases(suiteCases(bytes), opts);
  const t2 = performance.now();
  return { results, expected: new Map(expected), loadMs: t1 - t0, runMs: t2 - t1 };
}

/** Each testcase is decoded, run and dropped before the next is decoded (see suiteCases). */
function runCases(
  cases: Iterable<LimboTestcase>,
  opts: RunOptions,
): { results: LimboResult[]; expected: [string, "SUCCESS" | "FAILURE"][] } {
  const cache = new CertCache();
  const now = new Date();
  const results: LimboResult[] = [];
  const expected: [string, "SUCCESS" | "FAILURE"][] = [];
  for (const t of cases) {
    if (opts.only && !t.id.startsWith(opts.only)) continue;
    results.push(runCase(t, cache, now, opts.profile));
    expected.push([t.id, t.expected_result]);
  }
  return { results, expected };
}

interface ShardMessage {
  /** Chunk index → that chunk's results and expectations, for the chunks this thread ran. */
  chunks: [number, ReturnType<typeof runCases>][];
  counters: typeof counters;
  /** Time this thread spent decoding and validating. */
  ms: number;
}

/** Testcases per chunk when threads share the run: small enough to balance, large enough to be cheap. */
const CHUNK = 48;

/**
 * Take chunks of testcases from the shared counter `next` until none is left, and run them. Every thread
 * does this, so each takes as much as it can do: no static split can predict a thread's speed (JIT
 * warm-up, testcases of very different costs, a shared machine).
 */
function runChunks(
  opts: RunOptions,
  buf: Uint8Array,
  ranges: [number, number][],
  next: Int32Array,
): ShardMessage {
  const before = { ...counters };
  const t = performance.now();
  const chunks: ShardMessage["chunks"] = [];
  for (;;) {
    const c = Atomics.add(next, 0, 1);
    if (c * CHUNK >= ranges.length) break;
    chunks.push([c, runCases(casesAt(buf, ranges.slice(c * CHUNK, (c + 1) * CHUNK)), opts)]);
  }
  return {
    chunks,
    counters: {
      signatureChecks: counters.signatureChecks - before.signatureChecks,
      nodes: counters.nodes - before.nodes,
    },
    ms: performance.now() - t,
  };
}

/**
 * The same run spread over `threads` threads of this process (worker_threads). This thread reads the suite
 * and finds every testcase's bytes once; each worker reads the file too and gets the byte ranges; then all
 * threads take chunks of testcases from a shared counter until none is left. Results are put back in suite
 * order, so they are exactly runSuite's.
 */
export async function runSuiteParallel(
  opts: RunOptions = {},
  threads = Math.min(2, availableParallelism()),
): Promise<RunReport> {
  if (threads <= 1) return runSuite(opts);
  const t0 = performance.now();
  const next = new Int32Array(new SharedArrayBuffer(4));
  const workers = Array.from({ length: threads - 1 }, () => {
    const w = new Worker(new URL(import.meta.url), { workerData: { limboWorker: true, opts } });
    const done = new Promise<ShardMessage>((res, rej) => {
      w.once("message", res);
      w.once("error", rej);
      w.once("exit", (code) => code && rej(new Error(`limbo worker exited with code ${code}`)));
    });
    return { w, done };
  });
  try {
    const bytes = readSuiteBytes(opts.input ?? DEFAULT_SUITE);
    const ranges = [...suiteRanges(bytes)];
    const t1 = performance.now();
    for (const { w } of workers) w.postMessage({ ranges, next });
    const mine = runChunks(opts, bytes, ranges, next); // adds to this thread's counters
    const others = await Promise.all(workers.map((x) => x.done));
    const chunks = [mine, ...others].flatMap((m) => m.chunks).sort((x, y) => x[0] - y[0]);
    const results: LimboResult[] = [];
    const expected = new Map<string, "SUCCESS" | "FAILURE">();
    for (const [, c] of chunks) {
      results.push(...c.results);
      for (const [id, e] of c.expected) expected.set(id, e);
    }
    for (const m of others) {
      counters.signatureChecks += m.counters.signatureChecks;
      counters.nodes += m.counters.nodes;
    }
    const t2 = performance.now();
    return {
      results,
      expected,
      loadMs: t1 - t0,
      runMs: t2 - t1,
      threadMs: [mine.ms, ...others.map((m) => m.ms)],
    };
  } finally {
    for (const { w } of workers) void w.terminate();
  }
}

if (!isMainThread && (workerData as { limboWorker?: boolean } | null)?.limboWorker) {
  const { opts } = workerData as { opts: RunOptions };
  // Read the file while the main thread indexes it; then take chunks alongside it.
  const bytes = readSuiteBytes(opts.input ?? DEFAULT_SUITE);
  parentPort!.once("message", (m: { ranges: [number, number][]; next: Int32Array }) => {
    parentPort!.postMessage(runChunks(opts, bytes, m.ranges, m.next));
  });
}

export function family(id: string): string {
  return id.split("::")[0];
}

export interface Summary {
  total: number;
  passes: number;
  skipped: number;
  divergent: LimboResult[];
  families: Map<string, { total: number; passes: number; skipped: number }>;
}

export function summarize(report: RunReport): Summary {
  const families = new Map<string, { total: number; passes: number; skipped: number }>();
  const divergent: LimboResult[] = [];
  let passes = 0;
  let skipped = 0;
  for (const r of report.results) {
    const f = family(r.id);
    let s = families.get(f);
    if (!s) {
      s = { total: 0, passes: 0, skipped: 0 };
      families.set(f, s);
    }
    s.total++;
    if (r.actual_result === "SKIPPED") {
      s.skipped++;
      skipped++;
      divergent.push(r);
    } else if (r.actual_result === report.expected.get(r.id)) {
      s.passes++;
      passes++;
    } else divergent.push(r);
  }
  return { total: report.results.length, passes, skipped, divergent, families };
}

export function loadBaseline(path = DEFAULT_BASELINE): Baseline {
  return JSON.parse(readFileSync(path, "utf8")) as Baseline;
}

function pct(n: number, d: number): string {
  return d ? `${((100 * n) / d).toFixed(2)} %` : "-";
}

async function main(argv: string[]): Promise<number> {
  // A run of the suite lasts under two seconds, and with V8's defaults TurboFan spends ~1.3 s of CPU on
  // background threads compiling the validation code (inlined, hundreds of KB of bytecode per big
  // function, several recompiled after deoptimisations), which on a two-core machine competes with the
  // validating threads. So, for this batch job only: no inlining (the code is barely slower and compiles in
  // a fraction of the time), and a 4.4× larger interrupt budget (a function is optimised only once it has
  // run that much longer, so the ones that are warm but not hot stay in baseline code). Measured here,
  // interleaved runs: CPU 3.5 s → 3.0 s and wall -10 to -20 % with two threads. Set before any function is
  // optimised; they apply to the worker threads too. Product commands keep V8's defaults: they run for
  // milliseconds (CLI) or for hours (the web server).
  setFlagsFromString("--no-turbo-inlining");
  setFlagsFromString("--interrupt-budget=300000");
  const opts: RunOptions = {};
  let output: string | undefined;
  let baselinePath = DEFAULT_BASELINE;
  let listAll = false;
  // Two threads whenever there are two cores. Measured with another process keeping one core busy, two
  // threads still finish first (median 2.48 s against 2.60 s): the scheduler shares by thread, and the
  // second thread's extra cost (its own JIT warm-up) is ~15 % more CPU.
  let threads = Math.min(2, availableParallelism());
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--input") opts.input = resolve(val());
    else if (a === "--output") output = resolve(val());
    else if (a === "--only") opts.only = val();
    else if (a === "--baseline") baselinePath = resolve(val());
    else if (a === "--list-divergences") listAll = true;
    else if (a === "--threads") threads = Math.max(1, Number.parseInt(val(), 10) || 1);
    else if (a === "--profile") {
      const p = val();
      if (p !== "webpki" && p !== "rfc5280") throw new Error("--profile is webpki or rfc5280");
      opts.profile = p;
    } else if (a === "--help" || a === "-h") {
      console.log(
        "usage: npm run limbo -- [--input FILE] [--output FILE] [--only PREFIX] [--profile webpki|rfc5280] [--baseline FILE] [--list-divergences] [--threads N]",
      );
      return 0;
    } else throw new Error(`unknown argument ${a}`);
  }
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const report = threads > 1 ? await runSuiteParallel(opts, threads) : runSuite(opts);
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const s = summarize(report);

  console.log(
    `x509-limbo: ${s.total} cases${opts.only ? ` (only ${opts.only})` : ""}${opts.profile ? `, profile forced to ${opts.profile}` : ""}`,
  );
  console.log(
    `${"family".padEnd(14)}${"pass".padStart(7)}${"total".padStart(7)}${"skip".padStart(6)}${"pass %".padStart(10)}`,
  );
  for (const [f, v] of [...s.families].sort((a, b) => b[1].total - a[1].total)) {
    console.log(
      `${f.padEnd(14)}${String(v.passes).padStart(7)}${String(v.total).padStart(7)}${String(v.skipped).padStart(6)}${pct(v.passes, v.total).padStart(10)}`,
    );
  }
  console.log(
    `${"overall".padEnd(14)}${String(s.passes).padStart(7)}${String(s.total).padStart(7)}${String(s.skipped).padStart(6)}${pct(s.passes, s.total).padStart(10)}`,
  );

  let soft: Set<string> = new Set();
  try {
    soft = new Set(JSON.parse(readFileSync(SOFT_IDS, "utf8")) as string[]);
  } catch {
    // no soft list: nothing to report separately
  }
  const softRun = report.results.filter((r) => soft.has(r.id));
  if (softRun.length) {
    const softDiv = s.divergent.filter((r) => soft.has(r.id));
    console.log(
      `BetterTLS soft cases (failures BetterTLS counts only as warnings): ${softRun.length - softDiv.length}/${softRun.length} as expected, ${softDiv.length} diverge (included in the totals above)`,
    );
  }

  let baseline: Baseline | undefined;
  try {
    baseline = loadBaseline(baselinePath);
  } catch {
    // first run: no baseline yet
  }
  const known = baseline?.divergences ?? {};
  const fresh = s.divergent.filter((r) => !(r.id in known));
  for (const r of listAll ? s.divergent : fresh) {
    const tag = r.id in known ? "known" : "NEW";
    console.log(
      `  ${tag} ${r.id}: expected ${report.expected.get(r.id)}, got ${r.actual_result} (${r.context.slice(0, 160)})`,
    );
  }
  if (baseline && !opts.only && !opts.profile) {
    console.log(
      `baseline: ${baseline.passes} passes; now ${s.passes}; ${fresh.length} divergence(s) not in the baseline`,
    );
  }
  console.log(
    `work: ${counters.signatureChecks} signature verifications, ${counters.nodes} candidate issuers considered`,
  );
  console.log(
    `time: ${(wall / 1000).toFixed(2)} s wall (read and index ${(report.loadMs / 1000).toFixed(2)} s, decode and validate ${(report.runMs / 1000).toFixed(2)} s${report.threadMs ? `; per thread ${report.threadMs.map((ms) => (ms / 1000).toFixed(2)).join(" / ")} s` : ""}), ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU in ${threads} thread(s)`,
  );

  if (output) {
    const doc = { version: 1, harness: "chainproof", results: report.results };
    writeFileSync(output, `${JSON.stringify(doc, null, 1)}\n`);
    console.log(`results written to ${output}`);
  }
  return 0;
}

if (isMainThread && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error(`limbo: ${e instanceof Error ? e.message : e}`);
      process.exitCode = 2;
    },
  );
}
