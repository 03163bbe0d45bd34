/**
 * The fuzz loop for one target, run inside the worker (./worker.ts): pick a corpus entry, mutate it, run it,
 * judge it (crash, stall or fine), and keep it when it reached new blocks. Coverage is read once per batch
 * of inputs (a take costs about 1.5 ms); only a batch that found something is re-run input by input, to keep
 * exactly the inputs that did.
 */

import { createHash } from "node:crypto";
import type { CoverageTracker } from "./coverage.js";
import { mutate } from "./mutate.js";
import { Random } from "./random.js";
import type { Target } from "./targets.js";

/** Budget per input: 1 s per MiB, never less than this. */
export const STALL_FLOOR_MS = 250;

/** Stalls per target that are minimised and reported; later ones are only counted. */
export const MAX_REPORTED_STALLS = 5;

export function budgetMs(bytes: number): number {
  return Math.max(STALL_FLOOR_MS, (bytes / (1024 * 1024)) * 1000);
}

export interface Finding {
  target: string;
  kind: "crash" | "stall" | "hang";
  /** The error's name and message (crash), or the time taken (stall). */
  summary: string;
  stack?: string;
  ms: number;
  /** The input as found, and minimised (same when minimising did not shrink it). */
  bytes: number;
  minimised: Uint8Array;
  id: string;
}

export interface TargetStats {
  target: string;
  inputs: number;
  crashes: number;
  stalls: number;
  corpus: number;
  blocks: number;
  slowest: { ms: number; bytes: number };
  /** CPU time of the whole loop (mutating, running, coverage), ms. */
  cpuMs: number;
}

export type Outcome =
  | { kind: "ok"; ms: number }
  | { kind: "refused"; ms: number }
  | { kind: "crash"; ms: number; error: unknown };

/**
 * Run one input, timing it in CPU time (the process's, which is this thread's while the main thread waits):
 * on a shared machine wall-clock time mostly measures the neighbours. A throw the target does not expect is
 * a crash.
 */
export function execute(target: Target, input: Uint8Array): Outcome {
  const t0 = process.cpuUsage();
  const ms = () => {
    const t = process.cpuUsage(t0);
    return (t.user + t.system) / 1000;
  };
  try {
    target.run(input);
    return { kind: "ok", ms: ms() };
  } catch (error) {
    return target.expected(error) ? { kind: "refused", ms: ms() } : { kind: "crash", ms: ms(), error };
  }
}

export interface LoopOptions {
  inputs: number;
  seed: number;
  /** Read coverage after this many inputs. */
  coverageEvery: number;
  /** Called before each input runs, so a watchdog can save the input that hangs. */
  beforeRun?: (input: Uint8Array) => void;
  onFinding?: (f: Finding) => void;
}

export function fuzzTarget(
  target: Target,
  seeds: Uint8Array[],
  donors: Uint8Array[],
  coverage: CoverageTracker,
  opts: LoopOptions,
): TargetStats {
  const rng = new Random(opts.seed);
  const corpus = [...seeds];
  const stats: TargetStats = {
    target: target.name,
    inputs: 0,
    crashes: 0,
    stalls: 0,
    corpus: 0,
    blocks: 0,
    slowest: { ms: 0, bytes: 0 },
    cpuMs: 0,
  };
  const cpu0 = process.cpuUsage();
  const seen = new Set<string>();
  const blocksBefore = coverage.blocks;
  const run = (input: Uint8Array): Outcome => {
    opts.beforeRun?.(input);
    return execute(target, input);
  };

  const judge = (input: Uint8Array, outcome: Outcome): void => {
    if (outcome.ms > stats.slowest.ms) stats.slowest = { ms: Math.round(outcome.ms), bytes: input.length };
    if (outcome.kind === "crash") {
      const summary = errorSummary(outcome.error);
      stats.crashes++;
      if (seen.has(summary)) return;
      seen.add(summary);
      const minimised = minimise(input, (c) => {
        const o = run(c);
        return o.kind === "crash" && errorSummary(o.error) === summary;
      });
      report("crash", summary, outcome.ms, input, minimised, (outcome.error as Error)?.stack);
    } else if (outcome.ms > budgetMs(input.length)) {
      // Confirm: the machine is shared, and one slow run may be the neighbours'.
      const again = Math.min(outcome.ms, run(input).ms, run(input).ms);
      if (again <= budgetMs(input.length)) return;
      stats.stalls++;
      // Stalls are not told apart by a stack: past a few per target, count them without minimising (each
      // minimisation re-runs a slow input a dozen times, and one slow shape recurs under many mutations).
      if (stats.stalls > MAX_REPORTED_STALLS) return;
      const summary = `${Math.round(again)} ms for ${input.length.toLocaleString("en-US")} bytes`;
      const minimised = minimise(input, (c) => run(c).ms > budgetMs(c.length), 12);
      report("stall", summary, again, input, minimised);
    }
  };

  const report = (
    kind: Finding["kind"],
    summary: string,
    ms: number,
    input: Uint8Array,
    minimised: Uint8Array,
    stack?: string,
  ) => {
    const id = createHash("sha256").update(minimised).digest("hex").slice(0, 12);
    opts.onFinding?.({ target: target.name, kind, summary, stack, ms, bytes: input.length, minimised, id });
    coverage.discard();
  };

  // The seeds first: they set the coverage a mutation must beat.
  for (const s of seeds) judge(s, run(s));
  coverage.take(true);

  let batch: Uint8Array[] = [];
  for (let i = 0; i < opts.inputs; i++) {
    // Newer entries are likelier parents: they are the ones that reached something new.
    const parent = rng.chance(0.5)
      ? corpus[corpus.length - 1 - rng.below(Math.min(16, corpus.length))]
      : rng.pick(corpus);
    const input = mutate(parent, target.kind, rng, donors, target.maxBytes);
    judge(input, run(input));
    stats.inputs++;
    batch.push(input);
    if (batch.length >= opts.coverageEvery || i === opts.inputs - 1) {
      if (coverage.take(false).size > 0) keepNovel(batch);
      batch = [];
    }
  }
  stats.corpus = corpus.length - seeds.length;
  stats.blocks = coverage.blocks - blocksBefore;
  const cpu = process.cpuUsage(cpu0);
  stats.cpuMs = Math.round((cpu.user + cpu.system) / 1000);
  return stats;

  function keepNovel(inputs: Uint8Array[]): void {
    for (const input of inputs) {
      execute(target, input);
      if (coverage.take(true).size > 0) corpus.push(input);
    }
  }
}

/** "TypeError: Cannot read properties of undefined (reading 'x')" with its first frame: one per bug. */
export function errorSummary(e: unknown): string {
  if (!(e instanceof Error)) return `non-Error thrown: ${String(e).slice(0, 200)}`;
  const frame = e.stack?.split("\n").find((l) => l.trim().startsWith("at ")) ?? "";
  return `${e.name}: ${e.message.slice(0, 200)} ${frame.trim().replace(/\(.*\/dist\//, "(")}`;
}

/**
 * Delta debugging (ddmin, simplified): remove ever smaller chunks while `stillFails` holds, within `maxRuns`
 * runs. Byte-level, so structured inputs shrink less than they could, but every saved input stays a failing one.
 */
export function minimise(
  input: Uint8Array,
  stillFails: (c: Uint8Array) => boolean,
  maxRuns = 200,
): Uint8Array {
  let best = input;
  let runs = 0;
  for (let chunk = best.length >> 1; chunk >= 1 && runs < maxRuns; chunk >>= 1) {
    for (let at = 0; at < best.length && runs < maxRuns; ) {
      const candidate = new Uint8Array(Buffer.concat([best.subarray(0, at), best.subarray(at + chunk)]));
      runs++;
      if (candidate.length > 0 && stillFails(candidate)) best = candidate;
      else at += chunk;
    }
  }
  return best;
}
