/**
 * CLI cold start, what a CI job that verifies many files or an editor that calls us on save feels first:
 *
 *   npm run build && node dist/bench/startup.js [--runs N] [--baseline OTHER/bin/chainproof.js]
 *
 * In one run and interleaved (round i runs every command once, so a shared machine's swings hit all alike),
 * medians of N (default 20) fresh processes of: `node -e 0` (the floor: node's own start, NODE_EXTRA_CA_CERTS
 * included when the environment sets it), `chainproof --help`, `chainproof decode one.pem`, `chainproof verify
 * --chain` against a custom root (--roots) and against the default store (start-up + loading the bundled
 * store; the chain, made at run time, cannot chain to a bundled root, so the verdict is "not trusted"), and
 * `openssl verify` on the same chain for reference. Each is printed in ms and in ms over `node -e 0`.
 * --baseline adds the same chainproof commands run from another build (e.g. a checkout of main), interleaved
 * with these: on a busy machine, the only fair before/after.
 *
 * The launcher compiles the bundle through a V8 code cache (bin/chainproof.js); the runs use one of their own,
 * in the run's temporary folder, made by the first run of each command (a warm-up round, not counted): what
 * every start but a user's very first sees. `decode one.pem (no code cache)` is decode with the cache off
 * (CHAINPROOF_NO_CACHE=1), the cost of that first start.
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { toPem } from "../src/x509/pem.js";
import * as pki from "../test/helpers/pki.js";

const BIN = fileURLToPath(new URL("../../bin/chainproof.js", import.meta.url));

interface Subject {
  label: string;
  cmd: string;
  args: string[];
  /** Exit statuses that mean "ran as intended" (verify answers 1 for "not trusted"). */
  ok: number[];
  env?: Record<string, string>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Wall milliseconds of one fresh process; throws when it fails, so a broken build never looks fast. */
function timeOnce(s: Subject, env: Record<string, string>): number {
  const t = performance.now();
  const r = spawnSync(s.cmd, s.args, {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...env, ...s.env },
  });
  const ms = performance.now() - t;
  if (r.status === null || !s.ok.includes(r.status)) {
    throw new Error(`${s.label} exited ${r.status ?? r.signal}: ${r.stderr}`);
  }
  return ms;
}

/** Writes root.pem, chain.pem (leaf, intermediate) and one.pem (the leaf) to `dir`. */
function writeInputs(dir: string): { root: string; chain: string; leaf: string; ica: string } {
  const { root, ica, leaf } = pki.chain3({ host: "bench.example" });
  const files = {
    root: join(dir, "root.pem"),
    chain: join(dir, "chain.pem"),
    leaf: join(dir, "one.pem"),
    ica: join(dir, "ica.pem"),
  };
  writeFileSync(files.root, toPem(root.der));
  writeFileSync(files.chain, toPem(leaf.der) + toPem(ica.der));
  writeFileSync(files.leaf, toPem(leaf.der));
  writeFileSync(files.ica, toPem(ica.der));
  return files;
}

/** The chainproof commands measured, run by the launcher `bin`; `tag` marks a baseline's rows. */
function chainproofSubjects(bin: string, f: ReturnType<typeof writeInputs>, tag = ""): Subject[] {
  const node = process.execPath;
  return [
    { label: `chainproof --help${tag}`, cmd: node, args: [bin, "--help"], ok: [0] },
    { label: `decode one.pem${tag}`, cmd: node, args: [bin, "decode", f.leaf], ok: [0] },
    {
      label: `decode one.pem (no code cache)${tag}`,
      cmd: node,
      args: [bin, "decode", f.leaf],
      ok: [0],
      env: { CHAINPROOF_NO_CACHE: "1" },
    },
    {
      label: `verify --chain --roots${tag}`,
      cmd: node,
      args: [bin, "verify", "--chain", f.chain, "--roots", f.root, "--host", "bench.example"],
      ok: [0],
    },
    {
      label: `verify --chain (default store)${tag}`,
      cmd: node,
      args: [bin, "verify", "--chain", f.chain, "--host", "bench.example"],
      ok: [1],
    },
  ];
}

export function benchStartup(runs = 20, baseline?: string): void {
  const dir = mkdtempSync(join(tmpdir(), "chainproof-startup-"));
  try {
    const f = writeInputs(dir);
    const subjects: Subject[] = [
      { label: "node -e 0", cmd: process.execPath, args: ["-e", "0"], ok: [0] },
      ...chainproofSubjects(BIN, f),
      ...(baseline ? chainproofSubjects(baseline, f, " (baseline)") : []),
      {
        label: "openssl verify",
        cmd: "openssl",
        args: ["verify", "-CAfile", f.root, "-untrusted", f.ica, f.leaf],
        ok: [0],
      },
    ];
    const env = { CHAINPROOF_CACHE_DIR: join(dir, "code-cache") };
    for (const s of subjects) timeOnce(s, env);
    const times = subjects.map((): number[] => []);
    for (let i = 0; i < runs; i++) {
      for (const [k, s] of subjects.entries()) times[k].push(timeOnce(s, env));
    }
    const medians = times.map(median);
    const floor = medians[0];
    console.log(`cold start (median of ${runs}, interleaved):`);
    subjects.forEach((s, k) => {
      const over =
        k === 0 ? "(floor)" : `${medians[k] - floor >= 0 ? "+" : ""}${(medians[k] - floor).toFixed(0)} ms`;
      console.log(`  ${s.label.padEnd(43)} ${medians[k].toFixed(0).padStart(5)} ms  ${over}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  benchStartup(Number(arg("--runs") ?? 20), arg("--baseline"));
}
