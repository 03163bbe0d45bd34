/**
 * x509-limbo, chainproof against pyca/cryptography, whole processes:
 *
 *   npm run build && node dist/bench/limbo.js [--rounds N]
 *
 * Each round runs `node dist/scripts/limbo.js` (what `npm run limbo` runs: two threads on two cores) and
 * `python3 bench/pyca_limbo.py` (pyca/cryptography's Rust verifier, one thread) over the same suite file, one
 * after the other, so a shared machine's swings hit both alike. Wall time is the whole process (node's and
 * python's start, imports, reading the suite included); CPU time is the process's user + system time (bash's
 * `times` for its child). pyca never finishes one case (pathological-chain-same-subject-same-key); its harness
 * abandons it after a time-out and reports the time waited, which is taken off pyca's wall time here. The first
 * round also writes both harnesses' results and counts agreement on the cases both ran.
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_SUITE } from "../scripts/limbo.js";

const LIMBO_SCRIPT = fileURLToPath(new URL("../scripts/limbo.js", import.meta.url));
const PYCA_SCRIPT = fileURLToPath(new URL("../../bench/pyca_limbo.py", import.meta.url));

interface ProcessRun {
  /** Wall seconds, less any time the harness reports waiting on a case that never finishes. */
  wall: number;
  /** User + system CPU seconds of the process and its threads. */
  cpu: number;
  stdout: string;
}

/** Run a command to completion under bash, which reports its child's CPU time with `times`. */
function timed(cmd: string[]): ProcessRun {
  const t = performance.now();
  const r = spawnSync("bash", ["-c", '"$@"; s=$?; times >&2; exit $s', "bash", ...cmd], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const wall = (performance.now() - t) / 1000;
  if (r.error || r.status !== 0) {
    throw new Error(`${cmd.join(" ")} failed: ${r.error?.message ?? (r.stderr || r.stdout).slice(-500)}`);
  }
  // `times` prints two lines: the shell's user/system times, then its children's.
  const children = r.stderr.trim().split("\n").at(-1) ?? "";
  const cpu = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((s, m) => s + 60 * +m[1] + +m[2], 0);
  return { wall, cpu, stdout: r.stdout };
}

function chainproofRun(output?: string): ProcessRun {
  return timed([process.execPath, LIMBO_SCRIPT, ...(output ? ["--output", output] : [])]);
}

function pycaRun(output?: string): ProcessRun | undefined {
  let run: ProcessRun;
  try {
    run = timed(["python3", PYCA_SCRIPT, "--input", DEFAULT_SUITE, ...(output ? ["--output", output] : [])]);
  } catch (e) {
    console.log(`  pyca/cryptography not run: ${e instanceof Error ? e.message.split("\n")[0] : e}`);
    return undefined;
  }
  const waited = /of which ([\d.]+) s waiting/.exec(run.stdout);
  // The abandoned child spins on one core all the time it is waited on: off the CPU time as well as the wall.
  const w = waited ? Number(waited[1]) : 0;
  return { ...run, wall: run.wall - w, cpu: Math.max(0, run.cpu - w) };
}

type Verdicts = Map<string, string>;

function readResults(path: string): Verdicts {
  const doc = JSON.parse(readFileSync(path, "utf8")) as { results: { id: string; actual_result: string }[] };
  return new Map(doc.results.map((r) => [r.id, r.actual_result]));
}

function expectations(): Verdicts {
  const doc = JSON.parse(readFileSync(DEFAULT_SUITE, "utf8")) as {
    testcases: { id: string; expected_result: string }[];
  };
  return new Map(doc.testcases.map((t) => [t.id, t.expected_result]));
}

/** Agreement with limbo's expectations, on the cases pyca ran (not skipped, not hung). */
function agreement(ours: Verdicts, pyca: Verdicts): string {
  const expected = expectations();
  let both = 0;
  let oursPass = 0;
  let pycaPass = 0;
  let same = 0;
  for (const [id, theirs] of pyca) {
    if (theirs !== "SUCCESS" && theirs !== "FAILURE") continue;
    both++;
    if (ours.get(id) === expected.get(id)) oursPass++;
    if (theirs === expected.get(id)) pycaPass++;
    if (ours.get(id) === theirs) same++;
  }
  const left = expected.size - both;
  return (
    `on the ${both.toLocaleString("en")} cases pyca ran (${left} it skipped or abandoned, which chainproof ran ` +
    `too): chainproof ${oursPass.toLocaleString("en")} as limbo expects, pyca ${pycaPass.toLocaleString("en")}; ` +
    `the two give the same verdict on ${same.toLocaleString("en")}`
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export interface LimboFigures {
  chainproof: number;
  pyca?: number;
  /** pyca's wall time ÷ chainproof's (above 1: chainproof is faster). */
  ratio?: number;
  cpuRatio?: number;
}

/** The suite as `npm run limbo` runs it against pyca's harness, `rounds` interleaved rounds; medians. */
export function benchLimbo(rounds: number): LimboFigures {
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(" ");
  console.log(`x509-limbo, whole processes, ${rounds} interleaved round(s); load average ${load()}:`);
  const ours: ProcessRun[] = [];
  const theirs: ProcessRun[] = [];
  const dir = mkdtempSync(join(tmpdir(), "chainproof-limbo-bench-"));
  try {
    for (let r = 0; r < rounds; r++) {
      // The first round keeps both harnesses' results for the agreement counts.
      const out = (name: string) => (r === 0 ? join(dir, name) : undefined);
      // Alternate which goes first, so neither always runs in the other's wake.
      let p: ProcessRun | undefined;
      if (r % 2) p = pycaRun(out("pyca.json"));
      ours.push(chainproofRun(out("ours.json")));
      if (r % 2 === 0) p = pycaRun(out("pyca.json"));
      if (p) theirs.push(p);
      if (r === 0 && p) {
        console.log(
          `  ${agreement(readResults(join(dir, "ours.json")), readResults(join(dir, "pyca.json")))}`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const c = median(ours.map((x) => x.wall));
  const cCpu = median(ours.map((x) => x.cpu));
  const fmt = (xs: ProcessRun[]) =>
    `wall ${xs.map((x) => x.wall.toFixed(2)).join(" / ")} s, CPU ${xs.map((x) => x.cpu.toFixed(2)).join(" / ")} s`;
  console.log(`  chainproof (2 threads)  ${fmt(ours)}`);
  if (!theirs.length) {
    console.log(`limbo: chainproof ${c.toFixed(2)} s, pyca n/a`);
    return { chainproof: c };
  }
  console.log(`  pyca/cryptography       ${fmt(theirs)}`);
  const p = median(theirs.map((x) => x.wall));
  const pCpu = median(theirs.map((x) => x.cpu));
  console.log(
    `limbo: chainproof ${c.toFixed(2)} s, pyca ${p.toFixed(2)} s, ratio ${(p / c).toFixed(2)}x (pyca ÷ chainproof, ` +
      `medians of wall time); CPU ${cCpu.toFixed(2)} s against ${pCpu.toFixed(2)} s (${(pCpu / cCpu).toFixed(2)}x); ` +
      `load average now ${load()}`,
  );
  return { chainproof: c, pyca: p, ratio: p / c, cpuRatio: pCpu / cCpu };
}

if (process.argv[1]?.endsWith("/bench/limbo.js")) {
  const i = process.argv.indexOf("--rounds");
  benchLimbo(i >= 0 ? Math.max(1, Number.parseInt(process.argv[i + 1], 10) || 1) : 5);
}
