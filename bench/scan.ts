/**
 * Scan throughput on loopback:
 *
 *   npm run build && node dist/bench/scan.js [--targets 10000] [--concurrency 64] [--servers 4]
 *                                            [--sample 100] [--client salesforce] [--sweep]
 *
 * A child process serves K TLS endpoints on 127.0.0.1 (an ECDSA P-256 leaf for *.bench.test under an
 * intermediate, TLS 1.3). This process scans N targets `127.0.0.1:PORT tI.bench.test` — a distinct SNI name
 * per target, so no two targets share a verdict — through the same engine as `chainproof scan`
 * (src/net/scan.ts scanTargets: probe with the chain captured from the wire, then every asked client's
 * verdict), the list generated lazily as the scan reads it. Reports targets/s, the scan's peak RSS, CPU,
 * and, in the same run, a loop of `openssl s_client` (full handshake and verification, one process per
 * target, as a shell script would do it) over a sample of the targets: the ratio of the two rates.
 *
 * Bounded: loopback only, a fixed number of targets, every connection with a timeout.
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { resolveClients } from "../src/clients/index.js";
import { type ScanItem, type ScanSummary, scanTargets } from "../src/net/scan.js";
import { storeFromBytes } from "../src/trust/store.js";
import { buildCertificate, generateKeyPair } from "../src/x509/builder.js";

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};

// ---------------------------------------------------------------------------------------------------------
// The servers (child process)

async function serve(dir: string, count: number): Promise<void> {
  const key = readFileSync(join(dir, "leaf.key"));
  const cert = readFileSync(join(dir, "chain.pem"));
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const server = tls.createServer({ key, cert }, (s) => {
      s.on("error", () => {});
      s.end();
    });
    server.on("tlsClientError", () => {});
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    ports.push((server.address() as { port: number }).port);
  }
  process.stdout.write(`${JSON.stringify({ ports })}\n`);
  // "cpu": report CPU seconds so far; "stop": report and exit.
  process.stdin.on("data", (b: Buffer) => {
    const u = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ cpu: (u.user + u.system) / 1e6 })}\n`);
    if (b.toString().includes("stop")) process.exit(0);
  });
}

// ---------------------------------------------------------------------------------------------------------
// The benchmark

function makePki(dir: string): void {
  const now = Date.now();
  const rootKey = generateKeyPair("ec-p256");
  const icaKey = generateKeyPair("ec-p256");
  const leafKey = generateKeyPair("ec-p256");
  const root = buildCertificate({
    subject: "CN=Bench Root",
    publicKey: rootKey,
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 365 * 86_400_000),
    ca: true,
  });
  const ica = buildCertificate({
    subject: "CN=Bench Intermediate",
    issuer: { cert: root.cert, key: rootKey.privateKey },
    publicKey: icaKey,
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 365 * 86_400_000),
    ca: true,
  });
  const leaf = buildCertificate({
    subject: "CN=*.bench.test",
    issuer: { cert: ica.cert, key: icaKey.privateKey },
    publicKey: leafKey,
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 90 * 86_400_000),
    san: [{ dns: "*.bench.test" }],
    eku: ["serverAuth"],
  });
  writeFileSync(join(dir, "root.pem"), root.pem);
  writeFileSync(join(dir, "chain.pem"), leaf.pem + ica.pem);
  writeFileSync(join(dir, "leaf.key"), leafKey.privateKey.export({ type: "pkcs8", format: "pem" }));
}

function startServers(dir: string, count: number): Promise<{ child: ChildProcess; ports: number[] }> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [self, "--serve", dir, String(count)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.once("data", (b: Buffer) => {
      try {
        resolve({ child, ports: JSON.parse(b.toString()).ports });
      } catch (e) {
        reject(e);
      }
    });
    child.once("exit", (code) => reject(new Error(`server process exited (${code})`)));
  });
}

function serverCpu(child: ChildProcess, stop = false): Promise<number> {
  return new Promise((resolve) => {
    child.stdout!.once("data", (b: Buffer) => resolve(JSON.parse(b.toString()).cpu));
    child.stdin!.write(stop ? "stop\n" : "cpu\n");
  });
}

async function* targets(n: number, ports: number[]): AsyncGenerator<ScanItem> {
  for (let i = 0; i < n; i++)
    yield { line: i + 1, text: `127.0.0.1:${ports[i % ports.length]} t${i}.bench.test` };
}

interface Run {
  n: number;
  seconds: number;
  rate: number;
  peakRssMb: number;
  cpuSeconds: number;
  serverCpuSeconds?: number;
  trusted: number;
  other: number;
}

async function runScan(
  mode: "full" | "fast",
  n: number,
  concurrency: number,
  ports: number[],
  store: ReturnType<typeof storeFromBytes>,
  clients: ReturnType<typeof resolveClients>,
): Promise<Run> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let firstBad: ScanSummary | undefined;
  const counts = await scanTargets(
    targets(n, ports),
    { clients, stores: store, timeoutMs: 10_000, concurrency, aia: false, mode },
    (s) => {
      if (s.status !== "trusted") firstBad ??= s;
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  const cpu = process.cpuUsage(cpu0);
  if (firstBad)
    console.log(
      `  (first non-trusted: ${firstBad.target}: ${firstBad.failure ?? firstBad.findings[0]?.code})`,
    );
  return {
    n,
    seconds,
    rate: n / seconds,
    peakRssMb: peak / 1024 / 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    trusted: counts.trusted,
    other: counts.untrusted + counts.failed + counts.invalid,
  };
}

function opensslLoop(
  dir: string,
  ports: number[],
  sample: number,
): { seconds: number; ok: number } | undefined {
  if (spawnSync("openssl", ["version"]).status !== 0) return undefined;
  const t0 = performance.now();
  let ok = 0;
  for (let i = 0; i < sample; i++) {
    const r = spawnSync(
      "openssl",
      [
        "s_client",
        "-connect",
        `127.0.0.1:${ports[i % ports.length]}`,
        "-servername",
        `t${i}.bench.test`,
        "-verify_hostname",
        `t${i}.bench.test`,
        "-verify_return_error",
        "-CAfile",
        join(dir, "root.pem"),
        "-brief",
      ],
      { input: "", timeout: 10_000 },
    );
    if (r.status === 0 && /Verification: OK/.test(r.stderr.toString())) ok++;
  }
  return { seconds: (performance.now() - t0) / 1000, ok };
}

/** One scan in a fresh process (so its peak RSS is its own): prints the Run as JSON. */
async function runner(): Promise<void> {
  const [mode, n, concurrency, dir, ports, clientList] = args.slice(1);
  const store = storeFromBytes("custom", readFileSync(join(dir, "root.pem")), { source: "bench root" });
  const clients = resolveClients(clientList);
  const portList = ports.split(",").map(Number);
  await runScan(mode as "full" | "fast", 200, Number(concurrency), portList, store, clients); // warm-up
  const r = await runScan(mode as "full" | "fast", Number(n), Number(concurrency), portList, store, clients);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

function inChild(argv: string[]): Promise<Run> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [self, "--run", ...argv], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
    });
    child.on("exit", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`scan process exited (${code}): ${out.slice(0, 500)}`));
      }
    });
  });
}

async function main(): Promise<void> {
  const n = Number(opt("targets", "10000"));
  const concurrency = Number(opt("concurrency", "64"));
  const servers = Number(opt("servers", "4"));
  const sample = Number(opt("sample", "100"));
  const clientList = opt("client", "salesforce");
  const modes = opt("mode", "full,fast").split(",") as ("full" | "fast")[];
  const dir = mkdtempSync(join(tmpdir(), "chainproof-bench-scan-"));
  try {
    makePki(dir);
    const { child, ports } = await startServers(dir, servers);
    try {
      console.log(
        `scan: ${n.toLocaleString("en-US")} targets on 127.0.0.1 (${servers} TLS 1.3 servers in a child process, ECDSA P-256, a distinct SNI name per target), clients: ${clientList}; each mode in a fresh process`,
      );
      const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
      console.log(`  machine: ${cpus().length} CPUs, load average ${load} before the run`);
      if (args.includes("--sweep")) {
        for (const mode of modes) {
          for (const c of [16, 32, 64, 128, 256]) {
            const r = await inChild([
              mode,
              String(Math.min(n, 3000)),
              String(c),
              dir,
              ports.join(","),
              clientList,
            ]);
            console.log(
              `  ${mode} concurrency ${String(c).padStart(3)}: ${r.rate.toFixed(0)}/s, peak RSS ${r.peakRssMb.toFixed(0)} MB`,
            );
          }
        }
      }
      const results: Record<string, Run> = {};
      for (const mode of modes) {
        const cpu0 = await serverCpu(child);
        const r = await inChild([mode, String(n), String(concurrency), dir, ports.join(","), clientList]);
        r.serverCpuSeconds = (await serverCpu(child)) - cpu0;
        results[mode] = r;
        console.log(
          `  chainproof scan${mode === "fast" ? " --fast" : "       "}  concurrency ${concurrency}: ${r.n.toLocaleString("en-US")} in ${r.seconds.toFixed(2)} s = ${r.rate.toFixed(0)}/s; ` +
            `${r.trusted} trusted, ${r.other} other; peak RSS ${r.peakRssMb.toFixed(0)} MB; CPU ${r.cpuSeconds.toFixed(1)} s scanner + ${r.serverCpuSeconds.toFixed(1)} s servers (incl. warm-up)`,
        );
      }
      const o = opensslLoop(dir, ports, sample);
      if (o) {
        const rate = sample / o.seconds;
        console.log(
          `  openssl s_client loop: ${sample} in ${o.seconds.toFixed(2)} s = ${rate.toFixed(1)}/s (${o.ok} verified OK)`,
        );
        for (const [mode, r] of Object.entries(results))
          console.log(
            `  ratio ${mode}: chainproof scan is ${(r.rate / rate).toFixed(1)}× the openssl s_client loop`,
          );
      } else console.log("  openssl not found: no comparison");
      for (const [mode, r] of Object.entries(results)) {
        console.log(
          `  goal (${n.toLocaleString("en-US")} in under 20 s, RSS under 300 MB), ${mode}: ${r.seconds < 20 ? "time met" : "time NOT met"}, ${r.peakRssMb < 300 ? "RSS met" : "RSS NOT met"}`,
        );
      }
    } finally {
      await serverCpu(child, true);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (args[0] === "--serve") await serve(args[1], Number(args[2]));
else if (args[0] === "--run") await runner();
else await main();
