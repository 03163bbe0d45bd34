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
import { availableParallelism, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { gunzipSync } from "node:zlib";
import { type Crl, type PeerName, type Policy, parseCrl, verifyChain } from "../src/verify/index.js";
import { type Certificate, parseCertificate } from "../src/x509/certificate.js";
import type { KeyUsageName } from "../src/x509/oids.js";
import { OID } from "../src/x509/oids.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const DEFAULT_SUITE = join(ROOT, "test/data/limbo/limbo.json.gz");
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
  /** Loading (gunzip + JSON) and validation, in milliseconds. */
  loadMs: number;
  runMs: number;
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
  return loadSuiteShard(path, 0, 1);
}

function readSuiteBytes(path: string): Buffer {
  const raw = readFileSync(path);
  return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
}

/**
 * One thread's contiguous share of the suite (by bytes; all of it for shard 0 of 1).
 *
 * The 41 MB of JSON are not decoded as one string: a scan finds each testcase's bytes, and each is decoded
 * and parsed on its own. The suite is ASCII except for a few descriptions, so nearly every testcase decodes
 * as a one-byte string, while decoding the whole file as UTF-8 makes one two-byte string of twice the size,
 * slower to build and to parse.
 */
export function loadSuiteShard(path: string, shard: number, shards: number): LimboTestcase[] {
  const buf = readSuiteBytes(path);
  const ranges = testcaseRanges(buf);
  const envelope =
    ranges.length === 0
      ? buf.toString("utf8")
      : buf.toString("latin1", 0, ranges[0][0]) + buf.toString("latin1", ranges[ranges.length - 1][1]);
  if (!/"version"\s*:\s*1\s*[,}]/.test(envelope) || !/"testcases"\s*:\s*\[/.test(envelope)) {
    throw new Error('unsupported limbo suite: expected {"version": 1, "testcases": [...]}');
  }
  if (ranges.length === 0) return [];
  const total = ranges[ranges.length - 1][1] - ranges[0][0];
  const cut = (k: number) => {
    const target = ranges[0][0] + (total * k) / shards;
    let i = 0;
    while (i < ranges.length && ranges[i][0] < target) i++;
    return i;
  };
  const out: LimboTestcase[] = [];
  for (let i = cut(shard), end = cut(shard + 1); i < end; i++) {
    const sub = buf.subarray(ranges[i][0], ranges[i][1]);
    out.push(JSON.parse(isAscii(sub) ? sub.toString("latin1") : sub.toString("utf8")) as LimboTestcase);
  }
  return out;
}

/** Byte ranges of the objects in the top-level object's array (the testcases), skipping over strings. */
function testcaseRanges(buf: Buffer): [number, number][] {
  const out: [number, number][] = [];
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
      if (depth === 3 && c === 0x7d) out.push([start, i + 1]);
      depth--;
    }
  }
  return out;
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
  let cases = loadSuite(opts.input);
  if (opts.only) cases = cases.filter((t) => t.id.startsWith(opts.only!));
  const t1 = performance.now();
  const results = runCases(cases, opts.profile);
  const t2 = performance.now();
  return {
    results,
    expected: new Map(cases.map((t) => [t.id, t.expected_result])),
    loadMs: t1 - t0,
    runMs: t2 - t1,
  };
}

function runCases(cases: LimboTestcase[], profile?: "webpki" | "rfc5280"): LimboResult[] {
  const cache = new CertCache();
  const now = new Date();
  return cases.map((t) => runCase(t, cache, now, profile));
}

interface ShardMessage {
  results: LimboResult[];
  expected: [string, "SUCCESS" | "FAILURE"][];
  counters: typeof counters;
}

function runShardOf(opts: RunOptions, shard: number, shards: number): ShardMessage {
  const before = { ...counters };
  let cases = loadSuiteShard(opts.input ?? DEFAULT_SUITE, shard, shards);
  if (opts.only) cases = cases.filter((t) => t.id.startsWith(opts.only!));
  const results = runCases(cases, opts.profile);
  return {
    results,
    expected: cases.map((t) => [t.id, t.expected_result]),
    counters: {
      signatureChecks: counters.signatureChecks - before.signatureChecks,
      nodes: counters.nodes - before.nodes,
    },
  };
}

/**
 * The same run spread over `threads` threads of this process (worker_threads). Each thread reads the
 * suite file and parses and validates only its own contiguous share of the cases.
 */
export async function runSuiteParallel(
  opts: RunOptions = {},
  threads = Math.min(2, availableParallelism()),
): Promise<RunReport> {
  if (threads <= 1) return runSuite(opts);
  const t0 = performance.now();
  const workers = Array.from({ length: threads - 1 }, (_, k) => {
    const w = new Worker(new URL(import.meta.url), {
      workerData: { limboShard: k + 1, shards: threads, opts },
    });
    return new Promise<ShardMessage>((res, rej) => {
      w.once("message", res);
      w.once("error", rej);
      w.once("exit", (code) => code && rej(new Error(`limbo worker exited with code ${code}`)));
    });
  });
  const mine = runShardOf(opts, 0, threads); // adds to this thread's counters as it goes
  const others = await Promise.all(workers);
  const results: LimboResult[] = [];
  const expected = new Map<string, "SUCCESS" | "FAILURE">();
  for (const m of [mine, ...others]) {
    results.push(...m.results);
    for (const [id, e] of m.expected) expected.set(id, e);
  }
  for (const m of others) {
    counters.signatureChecks += m.counters.signatureChecks;
    counters.nodes += m.counters.nodes;
  }
  const t2 = performance.now();
  // Loading is interleaved with validation in every thread here: report it all as validation time.
  return { results, expected, loadMs: 0, runMs: t2 - t0 };
}

if (!isMainThread && (workerData as { limboShard?: number } | null)?.limboShard !== undefined) {
  const { limboShard, shards, opts } = workerData as { limboShard: number; shards: number; opts: RunOptions };
  parentPort!.postMessage(runShardOf(opts, limboShard, shards));
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
  const opts: RunOptions = {};
  let output: string | undefined;
  let baselinePath = DEFAULT_BASELINE;
  let listAll = false;
  // Two threads help only when the cores are free: on a busy machine they fight each other (and each loads
  // the suite and warms its own JIT), so the default follows the current load.
  let threads = availableParallelism() >= 2 && loadavg()[0] < availableParallelism() / 2 ? 2 : 1;
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
    `time: ${(wall / 1000).toFixed(2)} s wall${report.loadMs ? ` (load ${(report.loadMs / 1000).toFixed(2)} s, validation ${(report.runMs / 1000).toFixed(2)} s)` : " (load and validation, in every thread)"}, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU in ${threads} thread(s)`,
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
