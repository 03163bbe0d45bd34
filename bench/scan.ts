/**
 * Scan throughput on loopback:
 *
 *   npm run build && node dist/bench/scan.js [--targets 10000] [--concurrency 64] [--servers 4]
 *                                            [--sample 100] [--client salesforce] [--sweep]
 *                                            [--rounds 3] [--mode full,fast] [--strict] [--node-trusts-root]
 *                                            [--capture-probe] [--native-probe] [--distinct-leaves] [--tls12]
 *                                            [--cpu-prof DIR]
 *
 * A child process serves K TLS endpoints on 127.0.0.1 (an ECDSA P-256 leaf for *.bench.test under an
 * intermediate, TLS 1.3). This process scans N targets `127.0.0.1:PORT tI.bench.test` — a distinct SNI name
 * per target behind one wildcard certificate, a fleet sharing a certificate, so the scan's verdict cache
 * serves every target after the first — through the same engine as `chainproof scan`
 * (src/net/scan.ts scanTargets: chainproof's own TLS 1.3 handshake with the chain read from the wire, node's
 * TLS and the capture probe where that cannot answer (src/net/probe.ts), then every asked client's
 * verdict), the list generated lazily as the scan reads it. Reports targets/s, the scan's peak RSS, CPU,
 * and, in the same run, two references:
 *
 * - the bare-handshake floor: a bare node TLS client (one shared secure context with no CA, accepting any
 *   chain, nothing captured, no verdict: the handshake alone) against the same servers and targets at the
 *   same concurrency, in a fresh process like the scan. Floor and scan alternate for `--rounds` rounds
 *   (default 3); the median of the rounds' ratios is "scan ÷ bare handshake floor" (target >= 90 %), and
 *   the scanner's CPU a target is set against the floor's (the steadier figure on a shared machine);
 * - with `--strict`, a strict node client in each round too: the same, with the bench root as its CA and
 *   node's own chain and host name verification (what a TLS client that trusts the endpoint pays);
 * - with `--capture-probe`, the full scan with the capture probe on every target in each round too (the
 *   probe's "wire" path, what full mode ran before the native one), for the difference in one run;
 * - with `--native-probe`, the same with node's TLS on the TCP socket (the probe's "native" path, what full
 *   mode ran before the own TLS 1.3 client);
 * - with `--distinct-leaves`, the full scan of N targets `dI.bench.test` in each round too, each served its
 *   own leaf (the same key, a distinct certificate naming only that host), as a fleet of distinct
 *   certificates is: no verdict, parse or lint is shared but the intermediate's. The servers make a secure
 *   context per leaf before the first run (OpenSSL's context costs ~1–3 ms and ~33 KB: ~7 s and ~75 MB at
 *   2,000 targets, and warm-ups use names of their own, so no run sees a certificate an earlier one saw);
 * - with `--node-trusts-root`, the bench root is one of node's bundled roots in the scanning processes
 *   (NODE_EXTRA_CA_CERTS), as a public CA is: OpenSSL's own chain verification inside the handshake then
 *   succeeds and costs its signature checks unless the probe's context holds no CA (src/net/probe.ts);
 * - with `--tls12`, the servers speak TLS 1.2 at most (the own TLS 1.3 client hands such a server to node's
 *   TLS: what that costs a fleet of TLS 1.2 servers);
 * - a loop of `openssl s_client` (full handshake and verification, one process per target, as a shell script
 *   would do it) over a sample of the targets.
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

async function serve(dir: string, count: number, maxVersion: tls.SecureVersion): Promise<void> {
  const key = readFileSync(join(dir, "leaf.key"));
  const cert = readFileSync(join(dir, "chain.pem"));
  const distinct = distinctContexts(dir, key);
  const SNICallback = (name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => {
    const m = /^d(\d+)\.bench\.test$/.exec(name);
    cb(null, m ? distinct[Number(m[1])] : undefined);
  };
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const server = tls.createServer(
      { key, cert, maxVersion, ...(distinct.length ? { SNICallback } : {}) },
      (s) => {
        s.on("error", () => {});
        s.end();
      },
    );
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

/** A secure context for each distinct leaf (leaves.pem: leaf I for dI.bench.test), made up front. */
function distinctContexts(dir: string, key: Buffer): tls.SecureContext[] {
  let pems: string;
  try {
    pems = readFileSync(join(dir, "leaves.pem"), "utf8");
  } catch {
    return [];
  }
  const intermediate = readFileSync(join(dir, "intermediate.pem"), "utf8");
  const END = "-----END CERTIFICATE-----\n";
  return pems
    .split(END)
    .filter((p) => p.trim())
    .map((p) => tls.createSecureContext({ key, cert: p + END + intermediate }));
}

// ---------------------------------------------------------------------------------------------------------
// The benchmark

/** The bench PKI; `distinct` leaves besides the wildcard one, leaf I for dI.bench.test alone (one key). */
function makePki(dir: string, distinct: number): void {
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
  writeFileSync(join(dir, "intermediate.pem"), ica.pem);
  writeFileSync(join(dir, "chain.pem"), leaf.pem + ica.pem);
  if (distinct > 0) {
    const leaves: string[] = [];
    for (let i = 0; i < distinct; i++) {
      leaves.push(
        buildCertificate({
          subject: `CN=d${i}.bench.test`,
          issuer: { cert: ica.cert, key: icaKey.privateKey },
          publicKey: leafKey,
          notBefore: new Date(now - 86_400_000),
          notAfter: new Date(now + 90 * 86_400_000),
          san: [{ dns: `d${i}.bench.test` }],
          eku: ["serverAuth"],
        }).pem,
      );
    }
    writeFileSync(join(dir, "leaves.pem"), leaves.join(""));
  }
  writeFileSync(join(dir, "leaf.key"), leafKey.privateKey.export({ type: "pkcs8", format: "pem" }));
}

function startServers(
  dir: string,
  count: number,
  maxVersion: tls.SecureVersion,
): Promise<{ child: ChildProcess; ports: number[] }> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [self, "--serve", dir, String(count), maxVersion], {
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

/** Names `${prefix}I.bench.test`, I from `first` (a warm-up takes names past the measured run's). */
function targetName(prefix: "t" | "d", i: number): string {
  return `${prefix}${i}.bench.test`;
}

async function* targets(
  n: number,
  ports: number[],
  prefix: "t" | "d",
  first: number,
): AsyncGenerator<ScanItem> {
  for (let i = 0; i < n; i++)
    yield {
      line: i + 1,
      text: `127.0.0.1:${ports[(first + i) % ports.length]} ${targetName(prefix, first + i)}`,
    };
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
  mode: "full" | "fast" | "wire" | "native" | "distinct",
  n: number,
  first: number,
  concurrency: number,
  ports: number[],
  store: ReturnType<typeof storeFromBytes>,
  clients: ReturnType<typeof resolveClients>,
): Promise<Run> {
  let firstBad: ScanSummary | undefined;
  const run = await measured(n, async () => {
    const counts = await scanTargets(
      targets(n, ports, mode === "distinct" ? "d" : "t", first),
      {
        clients,
        stores: store,
        timeoutMs: 10_000,
        concurrency,
        aia: false,
        mode: mode === "fast" ? "fast" : "full",
        ...(mode === "wire" || mode === "native" ? { probe: { capture: mode } } : {}),
      },
      (s) => {
        if (s.status !== "trusted") firstBad ??= s;
      },
    );
    return counts.trusted;
  });
  // On stderr: the parent reads the run's figures from the child's stdout.
  if (firstBad)
    console.error(
      `  (first non-trusted: ${firstBad.target}: ${firstBad.failure ?? firstBad.findings[0]?.code})`,
    );
  return run;
}

/** Time, CPU and peak RSS of `work` over n targets (it returns how many were trusted). */
async function measured(n: number, work: () => Promise<number>): Promise<Run> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const trusted = await work();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpu0);
  return {
    n,
    seconds,
    rate: n / seconds,
    peakRssMb: Math.max(peak, process.memoryUsage.rss()) / 1024 / 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    trusted,
    other: n - trusted,
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
        targetName("t", i),
        "-verify_hostname",
        targetName("t", i),
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

/**
 * Bare node TLS handshakes to the same targets at the same concurrency, one shared secure context, nothing
 * captured, no verdict. `verify` false: the floor (the handshake alone, node accepting any chain: what no
 * full-handshake scanner can go below); true: a strict node client (the bench root as its CA, node's own
 * chain and host name verification), counted as trusted when node verified the chain.
 */
async function bareHandshakes(
  n: number,
  first: number,
  concurrency: number,
  ports: number[],
  ca: Buffer,
  verify: boolean,
): Promise<Run> {
  // No CA at all for the floor: OpenSSL then skips the chain's signatures (the floor is the handshake alone).
  const secureContext = tls.createSecureContext({ ca: verify ? [ca] : [] });
  let next = 0;
  let trusted = 0;
  const one = (i: number) =>
    new Promise<boolean>((resolve) => {
      const s = tls.connect({
        host: "127.0.0.1",
        port: ports[(first + i) % ports.length],
        servername: targetName("t", first + i),
        secureContext,
        timeout: 10_000,
        ...(verify ? {} : { rejectUnauthorized: false, checkServerIdentity: () => undefined }),
      });
      const end = (ok: boolean) => {
        s.destroy();
        resolve(ok);
      };
      s.once("secureConnect", () => end(!verify || s.authorized));
      s.once("error", () => end(false));
      s.once("timeout", () => end(false));
    });
  const worker = async () => {
    for (let i = next++; i < n; i = next++) if (await one(i)) trusted++;
  };
  return measured(n, async () => {
    await Promise.all(Array.from({ length: concurrency }, worker));
    return trusted;
  });
}

/**
 * "wire": the full scan with the capture probe on every target (what full mode did before the native path);
 * "native": the full scan with node's TLS on every TLS 1.3 target (what it did before the own client);
 * "distinct": the full scan of targets each served its own leaf.
 */
type Mode = "full" | "fast" | "floor" | "strict" | "wire" | "native" | "distinct";

/** One scan (or the floor) in a fresh process (so its peak RSS is its own): prints the Run as JSON. */
async function runner(): Promise<void> {
  const [mode, n, concurrency, dir, ports, clientList] = args.slice(1) as [Mode, ...string[]];
  const portList = ports.split(",").map(Number);
  if (mode === "floor" || mode === "strict") {
    const ca = readFileSync(join(dir, "root.pem"));
    const verify = mode === "strict";
    await bareHandshakes(200, Number(n), Number(concurrency), portList, ca, verify); // warm-up
    const r = await bareHandshakes(Number(n), 0, Number(concurrency), portList, ca, verify);
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  const store = storeFromBytes("custom", readFileSync(join(dir, "root.pem")), { source: "bench root" });
  const clients = resolveClients(clientList);
  // The warm-up's names (and, with distinct leaves, certificates) are not the measured run's.
  await runScan(mode, 200, Number(n), Number(concurrency), portList, store, clients);
  const r = await runScan(mode, Number(n), 0, Number(concurrency), portList, store, clients);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

function inChild(argv: string[], profileDir?: string, env?: NodeJS.ProcessEnv): Promise<Run> {
  const self = fileURLToPath(import.meta.url);
  const prof = profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...prof, self, "--run", ...argv], {
      stdio: ["ignore", "pipe", "inherit"],
      ...(env ? { env: { ...process.env, ...env } } : {}),
    });
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const LABEL: Record<Mode, string> = {
  floor: "bare node TLS handshakes",
  strict: "strict node TLS client  ",
  full: "chainproof scan         ",
  fast: "chainproof scan --fast  ",
  wire: "scan, capture probe     ",
  native: "scan, node's TLS (native)",
  distinct: "scan, distinct leaves   ",
};

function runLine(mode: Mode, concurrency: number, r: Run): string {
  return (
    `  ${LABEL[mode]} concurrency ${concurrency}: ${r.n.toLocaleString("en-US")} in ${r.seconds.toFixed(2)} s = ${r.rate.toFixed(0)}/s; ` +
    `${r.trusted} trusted, ${r.other} other; peak RSS ${r.peakRssMb.toFixed(0)} MB; CPU ${r.cpuSeconds.toFixed(1)} s ` +
    `(${((r.cpuSeconds / r.n) * 1000).toFixed(2)} ms a target) + ${r.serverCpuSeconds?.toFixed(1)} s servers (incl. warm-up)`
  );
}

function loadAverage(): string {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}

async function main(): Promise<void> {
  const n = Number(opt("targets", "10000"));
  const concurrency = Number(opt("concurrency", "64"));
  const servers = Number(opt("servers", "4"));
  const sample = Number(opt("sample", "100"));
  const rounds = Math.max(1, Number(opt("rounds", "3")));
  const clientList = opt("client", "salesforce");
  const profileDir = args.includes("--cpu-prof") ? opt("cpu-prof", "") || undefined : undefined;
  const modes = opt("mode", "full,fast").split(",") as ("full" | "fast")[];
  const nodeTrustsRoot = args.includes("--node-trusts-root");
  const distinctLeaves = args.includes("--distinct-leaves");
  const dir = mkdtempSync(join(tmpdir(), "chainproof-bench-scan-"));
  try {
    // One leaf for each measured target and each of the warm-up's 200.
    makePki(dir, distinctLeaves ? n + 200 : 0);
    const tls12 = args.includes("--tls12");
    const { child, ports } = await startServers(dir, servers, tls12 ? "TLSv1.2" : "TLSv1.3");
    // As for a public CA's chain: node's own bundled roots trust the servers (the floor holds no CA at all).
    const nodeEnv = nodeTrustsRoot ? { NODE_EXTRA_CA_CERTS: join(dir, "root.pem") } : undefined;
    try {
      console.log(
        `scan: ${n.toLocaleString("en-US")} targets on 127.0.0.1 (${servers} TLS ${tls12 ? "1.2" : "1.3"} servers in a child process, ECDSA P-256, a distinct SNI name per target under one wildcard leaf${distinctLeaves ? "; and as many with a leaf each" : ""}), clients: ${clientList}; each run in a fresh process`,
      );
      console.log(`  machine: ${cpus().length} CPUs, load average ${loadAverage()} before the run`);
      const run = async (mode: Mode, count = n, c = concurrency): Promise<Run> => {
        const cpu0 = await serverCpu(child);
        const argv = [mode, String(count), String(c), dir, ports.join(","), clientList];
        const r = await inChild(argv, profileDir, nodeEnv);
        r.serverCpuSeconds = (await serverCpu(child)) - cpu0;
        return r;
      };
      if (args.includes("--sweep")) {
        for (const mode of modes) {
          for (const c of [16, 32, 64, 128, 256]) {
            const r = await run(mode, Math.min(n, 3000), c);
            console.log(
              `  ${mode} concurrency ${String(c).padStart(3)}: ${r.rate.toFixed(0)}/s, peak RSS ${r.peakRssMb.toFixed(0)} MB`,
            );
          }
        }
      }
      // The floor and the full scan alternate, so a change in the machine's load hits both alike.
      const results: Partial<Record<Mode, Run[]>> = {};
      const order: Mode[] = [
        "floor",
        ...(args.includes("--strict") ? ["strict" as const] : []),
        ...(modes.includes("full") ? ["full" as const] : []),
        ...(args.includes("--capture-probe") ? ["wire" as const] : []),
        ...(args.includes("--native-probe") ? ["native" as const] : []),
        ...(distinctLeaves ? ["distinct" as const] : []),
      ];
      for (let round = 1; round <= rounds; round++) {
        console.log(`  round ${round} (load average ${loadAverage()})`);
        // The two full scans swap places every other round: the run after the floor fared worse in every
        // round of a loaded machine, whichever path it was.
        const other = order.includes("native") ? "native" : order.includes("wire") ? "wire" : undefined;
        const swap = round % 2 === 0 && other !== undefined;
        const roundOrder = swap ? order.map((m) => (m === "full" ? other : m === other ? "full" : m)) : order;
        for (const mode of roundOrder) {
          const r = await run(mode);
          results[mode] = [...(results[mode] ?? []), r];
          console.log(runLine(mode, concurrency, r));
        }
      }
      if (modes.includes("fast")) {
        const r = await run("fast");
        results.fast = [r];
        console.log(runLine("fast", concurrency, r));
      }
      const medianRate = (mode: Mode) => median((results[mode] ?? []).map((r) => r.rate));
      const floor = medianRate("floor");
      const cpu = (mode: Mode) => median((results[mode] ?? []).map((r) => r.cpuSeconds / r.n)) * 1000;
      if (results.full) {
        const full = medianRate("full");
        console.log(
          `  medians over ${rounds} round(s): scan ${full.toFixed(0)}/s, floor ${floor.toFixed(0)}/s; scanner CPU a target: scan ${cpu("full").toFixed(2)} ms, floor ${cpu("floor").toFixed(2)} ms (floor ÷ scan: ${((cpu("floor") / cpu("full")) * 100).toFixed(0)} %)`,
        );
        // Each round's scan against the floor run just before it, then the median: a load that changes
        // between rounds moves both runs of a round alike (the ratio of medians mixes rounds).
        const perRound = results.full.map((r, i) => r.rate / results.floor![i].rate);
        console.log(
          `  scan ÷ bare handshake floor: ${(median(perRound) * 100).toFixed(0)} % (target >= 90 %); per round: ${perRound
            .map((x) => `${(x * 100).toFixed(0)} %`)
            .join(", ")}`,
        );
        if (results.distinct) {
          const perRound = results.distinct.map((r, i) => r.rate / results.floor![i].rate);
          console.log(
            `  scan of distinct leaves ÷ floor: ${(median(perRound) * 100).toFixed(0)} % (per round: ${perRound.map((x) => `${(x * 100).toFixed(0)} %`).join(", ")}); its CPU a target ${cpu("distinct").toFixed(2)} ms (floor ÷ scan: ${((cpu("floor") / cpu("distinct")) * 100).toFixed(0)} %)`,
          );
        }
        if (results.wire) {
          const wirePerRound = results.wire.map((r, i) => r.rate / results.floor![i].rate);
          console.log(
            `  scan with the capture probe ÷ floor: ${(median(wirePerRound) * 100).toFixed(0)} %; its CPU a target ${cpu("wire").toFixed(2)} ms`,
          );
        }
        if (results.native) {
          const nativePerRound = results.native.map((r, i) => r.rate / results.floor![i].rate);
          console.log(
            `  scan with node's TLS (native) ÷ floor: ${(median(nativePerRound) * 100).toFixed(0)} %; its CPU a target ${cpu("native").toFixed(2)} ms (floor ÷ scan: ${((cpu("floor") / cpu("native")) * 100).toFixed(0)} %)`,
          );
        }
        if (results.strict)
          console.log(
            `  scan ÷ strict node client (node verifying chain and name): ${((full / medianRate("strict")) * 100).toFixed(0)} %; its CPU a target ${cpu("strict").toFixed(2)} ms`,
          );
      }
      if (results.fast) {
        console.log(
          `  scan --fast ÷ bare handshake floor: ${((medianRate("fast") / floor) * 100).toFixed(0)} %`,
        );
      }
      const o = opensslLoop(dir, ports, sample);
      if (o) {
        const rate = sample / o.seconds;
        console.log(
          `  openssl s_client loop: ${sample} in ${o.seconds.toFixed(2)} s = ${rate.toFixed(1)}/s (${o.ok} verified OK)`,
        );
        for (const mode of ["full", "fast"] as const)
          if (results[mode])
            console.log(
              `  ratio ${mode}: chainproof scan is ${(medianRate(mode) / rate).toFixed(1)}× the openssl s_client loop`,
            );
      } else console.log("  openssl not found: no comparison");
      for (const mode of ["full", "fast"] as const) {
        const rs = results[mode];
        if (!rs) continue;
        const seconds = median(rs.map((r) => r.seconds));
        const rss = Math.max(...rs.map((r) => r.peakRssMb));
        console.log(
          `  goal (${n.toLocaleString("en-US")} in under 20 s, RSS under 300 MB), ${mode}: ${seconds < 20 ? "time met" : "time NOT met"}, ${rss < 300 ? "RSS met" : "RSS NOT met"}`,
        );
      }
    } finally {
      await serverCpu(child, true);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (args[0] === "--serve") await serve(args[1], Number(args[2]), args[3] as tls.SecureVersion);
else if (args[0] === "--run") await runner();
else await main();
