/**
 * Every benchmark that sets a target, in one command, with a table of ratios and targets at the end:
 *
 *   npm run bench [-- --rounds N] [--chains N] [--fresh K] [--targets N] [--skip-scan]
 *
 * In order: parsing, cold start and CLI start-up (bench/parse.ts, bench/startup.ts); chain verification
 * (bench/verify.ts: throughput against `openssl verify`, cold validation of chains with fresh intermediate
 * keys against Java 17's PKIX and `openssl verify`, the eight-client matrix against one verdict); pathological
 * chains; x509-limbo against pyca/cryptography, whole processes in --rounds interleaved rounds (bench/limbo.ts,
 * default 3); a loopback scan of --targets endpoints (default 2,000; bench/scan.js alone defaults to 10,000)
 * against the bare-handshake floor, in a child process. Each section prints its own figures; the summary
 * reads the ratios back from what the sections printed, so the table shows exactly the printed numbers.
 * The machine is shared: the load average is printed at the start and at the end.
 */

import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { format } from "node:util";
import { benchLimbo } from "./limbo.js";
import { benchColdStart, benchParse } from "./parse.js";
import { benchPathological } from "./pathological.js";
import { benchStartup } from "./startup.js";
import { benchVerify } from "./verify.js";

const argv = process.argv.slice(2);
const opt = (name: string, def: number): number => {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number.parseInt(argv[i + 1], 10) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : def;
};

/** Run `fn`, echoing what it prints, and return the lines it printed. */
async function printed(fn: () => unknown): Promise<string[]> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => {
    const text = format(...a);
    lines.push(...text.split("\n"));
    log(text);
  };
  try {
    await fn();
  } finally {
    console.log = log;
  }
  return lines;
}

/** A bench script in its own process (bench/scan.js starts its own servers and runs at import), echoed. */
function script(path: string, args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL(path, import.meta.url)), ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      process.stdout.write(b);
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(out.split("\n")) : reject(new Error(`${path} exited ${code}`)),
    );
  });
}

/** The number `headline` captures on the first line it matches at or after line `from`, or undefined. */
function headlineIn(lines: string[], headline: RegExp, from = 0): number | undefined {
  for (let i = Math.max(0, from); i < lines.length; i++) {
    const m = headline.exec(lines[i]);
    if (m) return Number(m[1]);
  }
  return undefined;
}

interface Row {
  measure: string;
  value?: number;
  target: string;
  met: (v: number) => boolean;
}

function table(rows: Row[]): void {
  const cells = rows.map((r) => [
    r.measure,
    r.value === undefined ? "n/a" : `${r.value.toFixed(2)}x`,
    r.target,
    r.value === undefined ? "-" : r.met(r.value) ? "met" : "NOT met",
  ]);
  const head = ["measure", "ratio", "target", ""];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const row = (c: string[]) =>
    c.map((x, i) => (i === 1 ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join("  ");
  console.log(row(head));
  for (const c of cells) console.log(row(c));
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
const startLoad = load();
console.log(`load average ${startLoad}`);

benchParse();
benchColdStart();
benchStartup();
const verify = await printed(() =>
  benchVerify(["--skip-suite", "--chains", String(opt("chains", 2000)), "--fresh", String(opt("fresh", 64))]),
);
benchPathological();
const limbo = benchLimbo(opt("rounds", 3));
let scan: string[] = [];
if (!argv.includes("--skip-scan")) {
  try {
    scan = await script("./scan.js", [
      "--targets",
      String(opt("targets", 2000)),
      "--mode",
      "full",
      "--sample",
      "20",
    ]);
  } catch (e) {
    console.log(`scan bench failed: ${e instanceof Error ? e.message : e}`);
  }
}

// Each section prints its headline ratio on a line of its own (bench/verify.ts, bench/scan.ts). The fresh-key
// rows are the ones naming Java's PKIX (the throughput rows above them do not); their headline follows them.
const BEST_PEER = /chainproof ÷ best peer: ([\d.]+)x/;
const fresh = (kind: string) => {
  const row = verify.findIndex((l) => new RegExp(`^\\s*${kind}\\s+chainproof.*java`).test(l));
  return row < 0 ? undefined : headlineIn(verify, BEST_PEER, row + 1);
};
const scanPct = headlineIn(scan, /scan ÷ bare handshake floor: ([\d.]+) %/);
console.log(`\nissue 20, the ratios (load average ${startLoad} at the start, ${load()} now):`);
table([
  {
    measure: "cold validation, RSA-2048: chainproof ÷ best peer (chains/s)",
    value: fresh("RSA-2048"),
    target: ">= 1.2x",
    met: (v) => v >= 1.2,
  },
  {
    measure: "cold validation, ECDSA P-256: chainproof ÷ best peer (chains/s)",
    value: fresh("ECDSA P-256"),
    target: ">= 1.2x",
    met: (v) => v >= 1.2,
  },
  {
    measure: "eight-client matrix ÷ one verdict (time)",
    value: headlineIn(verify, /matrix ÷ one verdict: ([\d.]+)x/),
    target: "<= 1.5x",
    met: (v) => v <= 1.5,
  },
  {
    measure: "x509-limbo: pyca ÷ chainproof (median wall time)",
    value: limbo.ratio,
    target: "> 1.0x",
    met: (v) => v > 1,
  },
  {
    measure: "x509-limbo: pyca ÷ chainproof (median CPU time)",
    value: limbo.cpuRatio,
    target: "> 1.0x",
    met: (v) => v > 1,
  },
  {
    measure: "scan ÷ bare-handshake floor (targets/s)",
    value: scanPct === undefined ? undefined : scanPct / 100,
    target: ">= 0.90x",
    met: (v) => v >= 0.9,
  },
]);
