/**
 * `npm run fuzz [-- --inputs N --seed S --targets der,pem --save DIR]`: coverage-guided, structure-aware
 * fuzzing of every parser a user's file or a server's bytes reach (docs/fuzz.md).
 *
 * Jazzer.js would be the usual tool, but its native addon needs glibc 2.38; this is plain Node: V8 block
 * coverage as the feedback (./fuzz/coverage.ts), ASN.1-aware, PEM, XML and line mutations (./fuzz/mutate.ts,
 * ./fuzz/asn1.ts), one worker thread with a watchdog for inputs that never return (./fuzz/worker.ts).
 *
 * A crash is any throw other than the product's typed refusal for that input; a stall is an input over its
 * budget (1 s per MiB, at least 250 ms). Each is minimised and, with --save, written under
 * test/fuzz/regressions/<target>/, where test/fuzz-regressions.test.ts replays it.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { budgetMs, type Finding, type TargetStats } from "./fuzz/engine.js";
import { TARGETS, targetNamed } from "./fuzz/targets.js";
import { SHARED_HEADER, type WorkerData, type WorkerPlan } from "./fuzz/worker.js";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (this runs from dist/scripts). */
export const REPO = join(here, "..", "..");
export const CORPUS_DIR = join(REPO, "test", "fuzz", "corpus");
export const REGRESSIONS_DIR = join(REPO, "test", "fuzz", "regressions");

export interface FuzzOptions {
  /** Inputs in all, shared evenly between the targets. */
  inputs: number;
  seed?: number;
  targets?: string[];
  coverageEvery?: number;
  /** Write each finding here (<dir>/<target>/<id>.bin and .json). */
  save?: string;
  /** An input running longer than this is a hang: the worker is ended and restarted. */
  hangMs?: number;
  onProgress?: (line: string) => void;
}

export interface FuzzReport {
  stats: TargetStats[];
  findings: Finding[];
  ms: number;
  /** Peak resident set size of the whole process (main thread and worker), bytes. */
  peakRss: number;
}

const WORKER = join(here, "fuzz", "worker.js");
const SHARED_BYTES = SHARED_HEADER + 4 * 1024 * 1024;

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const names = opts.targets ?? TARGETS.map((t) => t.name);
  const seed = opts.seed ?? 1;
  let plan: WorkerPlan[] = share(opts.inputs, names).map(([target, inputs], i) => ({
    target,
    inputs,
    seed: seed * 7919 + i,
  }));
  const report: FuzzReport = { stats: [], findings: [], ms: 0, peakRss: 0 };
  const started = performance.now();
  let restarts = 0;
  while (plan.length) {
    const hang = await runWorker(plan, opts, report);
    if (!hang) break;
    // Continue after the input that hung, with a new seed so that the same path is not taken again.
    restarts++;
    const rest = plan.slice(hang.index);
    rest[0] = {
      ...rest[0],
      inputs: Math.max(0, rest[0].inputs - hang.done),
      seed: rest[0].seed + 1_000_003 * restarts,
    };
    plan = rest;
  }
  report.ms = Math.round(performance.now() - started);
  report.peakRss = process.resourceUsage().maxRSS * 1024;
  return report;
}

/** Split `inputs` between the targets by their weights (slow targets get fewer), exactly `inputs` in all. */
export function share(inputs: number, names: string[]): [string, number][] {
  const weights = names.map((n) => targetNamed(n).weight ?? 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((inputs * w) / total));
  for (let i = 0, left = inputs - counts.reduce((a, b) => a + b, 0); left > 0; i++, left--) counts[i]++;
  return names.map((n, i) => [n, counts[i]]);
}

/** Run the plan in one worker. Resolves with where it stopped when an input hung, else undefined. */
function runWorker(
  plan: WorkerPlan[],
  opts: FuzzOptions,
  report: FuzzReport,
): Promise<{ index: number; done: number } | undefined> {
  const shared = new SharedArrayBuffer(SHARED_BYTES);
  const header = new Int32Array(shared, 0, 4);
  const data: WorkerData = { plan, corpusDir: CORPUS_DIR, coverageEvery: opts.coverageEvery ?? 16, shared };
  const worker = new Worker(WORKER, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: 2048 } });
  const hangMs = opts.hangMs ?? 30_000;
  return new Promise((resolve, reject) => {
    let beat = -1;
    let since = performance.now();
    let settled = false;
    let done = false;
    const finish = (value: { index: number; done: number } | undefined, error?: Error) => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      if (error) reject(error);
      else resolve(value);
    };
    const watchdog = setInterval(() => {
      const now = Atomics.load(header, 0);
      if (now !== beat) {
        beat = now;
        since = performance.now();
        return;
      }
      if (performance.now() - since < hangMs) return;
      const index = Atomics.load(header, 2);
      const input = new Uint8Array(shared, SHARED_HEADER, Atomics.load(header, 1)).slice();
      addFinding(report, opts, {
        target: plan[index].target,
        kind: "hang",
        summary: `no answer after ${Math.round((performance.now() - since) / 1000)} s`,
        ms: Math.round(performance.now() - since),
        bytes: input.length,
        minimised: input,
        id: `hang-${Date.now().toString(36)}`,
      });
      const done = Atomics.load(header, 3);
      void worker.terminate().then(() => finish({ index, done }));
    }, 500);
    worker.on("message", (m: { type: string; finding?: Finding; stats?: TargetStats }) => {
      if (m.type === "finding" && m.finding) addFinding(report, opts, m.finding);
      else if (m.type === "stats" && m.stats) {
        report.stats.push(m.stats);
        opts.onProgress?.(statsLine(m.stats));
      } else if (m.type === "done") {
        done = true;
        void worker.terminate().then(() => finish(undefined));
      }
    });
    worker.on("error", (e) => {
      // Out of memory in the worker ends it: that is a finding against the input running then.
      const index = Atomics.load(header, 2);
      const input = new Uint8Array(shared, SHARED_HEADER, Atomics.load(header, 1)).slice();
      addFinding(report, opts, {
        target: plan[index]?.target ?? "unknown",
        kind: "crash",
        summary: `the fuzzing thread died: ${e.message}`,
        ms: 0,
        bytes: input.length,
        minimised: input,
        id: `died-${Date.now().toString(36)}`,
      });
      finish({ index, done: Atomics.load(header, 3) });
    });
    worker.on("exit", (code) => {
      if (!settled && !done && code !== 0)
        finish(undefined, new Error(`fuzz worker exited with code ${code}`));
    });
  });
}

function addFinding(report: FuzzReport, opts: FuzzOptions, f: Finding): void {
  report.findings.push(f);
  opts.onProgress?.(`${f.kind.toUpperCase()} ${f.target} ${f.id}: ${f.summary}`);
  if (!opts.save) return;
  const dir = join(opts.save, f.target);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${f.id}.bin`), f.minimised);
  const meta = {
    kind: f.kind,
    summary: f.summary,
    ms: Math.round(f.ms),
    foundBytes: f.bytes,
    savedBytes: f.minimised.length,
    ...(f.stack ? { stack: f.stack.split("\n").slice(0, 8).join("\n") } : {}),
  };
  writeFileSync(join(dir, `${f.id}.json`), `${JSON.stringify(meta, null, 2)}\n`);
}

function statsLine(s: TargetStats): string {
  return [
    s.target.padEnd(14),
    `${s.inputs.toLocaleString("en-US")} inputs`.padStart(17),
    `${s.crashes} crashes`.padStart(11),
    `${s.stalls} stalls`.padStart(10),
    `${s.blocks.toLocaleString("en-US")} new blocks`.padStart(17),
    `${s.corpus.toLocaleString("en-US")} kept`.padStart(11),
    `${(s.cpuMs / 1000).toFixed(1)} s CPU`.padStart(10),
    `slowest ${s.slowest.ms} ms (${s.slowest.bytes.toLocaleString("en-US")} bytes, budget ${Math.round(budgetMs(s.slowest.bytes))} ms)`,
  ].join("  ");
}

/** The closing summary printed by `npm run fuzz`. */
export function summary(r: FuzzReport): string {
  const inputs = r.stats.reduce((n, s) => n + s.inputs, 0);
  const slowest = r.stats.reduce((a, s) => (s.slowest.ms > a.slowest.ms ? s : a), r.stats[0]);
  const kinds = (k: Finding["kind"]) => r.findings.filter((f) => f.kind === k).length;
  return [
    `${inputs.toLocaleString("en-US")} inputs in ${(r.ms / 1000).toFixed(1)} s over ${r.stats.length} targets`,
    `findings: ${kinds("crash")} crashes, ${kinds("stall")} stalls, ${kinds("hang")} hangs (distinct, after minimising)`,
    `coverage: ${r.stats.reduce((n, s) => n + s.blocks, 0).toLocaleString("en-US")} blocks`,
    slowest
      ? `slowest input: ${slowest.slowest.ms} ms, ${slowest.slowest.bytes.toLocaleString("en-US")} bytes (${slowest.target})`
      : "",
    `peak RSS: ${(r.peakRss / 1024 / 1024).toFixed(0)} MiB`,
  ].join("\n");
}

function parseArgs(argv: string[]): FuzzOptions {
  const opts: FuzzOptions = { inputs: 20_000, save: REGRESSIONS_DIR };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--inputs") opts.inputs = Number(next());
    else if (a === "--seed") opts.seed = Number(next());
    else if (a === "--targets") opts.targets = next().split(",");
    else if (a === "--coverage-every") opts.coverageEvery = Number(next());
    else if (a === "--save") opts.save = next();
    else if (a === "--no-save") opts.save = undefined;
    else if (a === "--hang-ms") opts.hangMs = Number(next());
    else throw new Error(`unknown option ${a} (see docs/fuzz.md)`);
  }
  if (!Number.isInteger(opts.inputs) || opts.inputs < 1)
    throw new Error("--inputs must be a positive integer");
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  opts.onProgress = (line) => process.stdout.write(`${line}\n`);
  const report = await runFuzz(opts);
  process.stdout.write(`\n${summary(report)}\n`);
  process.exitCode = report.findings.length ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    process.stderr.write(`fuzz: ${e instanceof Error ? e.message : e}\n`);
    process.exitCode = 2;
  });
}
