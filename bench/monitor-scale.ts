/**
 * One monitor round over many loopback targets, SQLite in one process against Postgres with 1 and 2
 * worker processes, and the kill -9 runs:
 *
 *   npm run build && node dist/bench/monitor-scale.js [--targets 10000] [--concurrency 16] [--ports 4]
 *   node dist/bench/monitor-scale.js --kill-runs 10 [--targets 2000] [--lease 5]
 *
 * The targets are names (t00001.bench.chainproof.test, …) on a few ports of TLS servers in a child process
 * (one certificate for *.bench.chainproof.test under the lab's EC issuing CA), so every check is a real
 * handshake judged by Salesforce's rules against the lab's roots. Each run is the CLI as a user runs it:
 * `chainproof monitor --once` (timed from its start to its exit), with `chainproof worker` processes
 * started before the clock starts for the Postgres runs. A throwaway PostgreSQL cluster
 * (test/helpers/postgres.ts) holds a fresh database per run. Prints results/s, the ratio to the SQLite
 * run, and bytes per result (SQLite file after a checkpoint; the Postgres tables with indexes and TOAST)
 * extrapolated to a million results.
 *
 * --kill-runs K: K rounds, each with two workers, one of them killed with SIGKILL once half the round is
 * stored; checks that each round ends with exactly one result per target.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { writeLabFiles } from "../src/cli/commands/lab.js";
import { startLab } from "../src/lab/index.js";
import { labLeaf } from "../src/lab/pki.js";
import { BIN } from "../test/helpers/cli.js";
import { startPostgres, type TestPostgres } from "../test/helpers/postgres.js";

const args = process.argv.slice(2);
const opt = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : def;
};
const KILL_RUNS = opt("kill-runs", 0);
const TARGETS = opt("targets", KILL_RUNS ? 2000 : 10_000);
const CONCURRENCY = opt("concurrency", 16);
const PORTS = opt("ports", 4);
const LEASE = opt("lease", 5);

const SERVER = `
const tls = require("node:tls");
const { BENCH_KEY: key, BENCH_CERT: cert, BENCH_PORTS: n } = process.env;
const ports = [];
let left = Number(n);
for (let i = 0; i < Number(n); i++) {
  const s = tls.createServer({ key, cert }, (c) => { c.on("error", () => {}); c.end(); });
  s.on("tlsClientError", () => {});
  s.listen(0, "127.0.0.1", () => {
    ports.push(s.address().port);
    if (--left === 0) console.log(JSON.stringify(ports));
  });
}
`;

function startServers(key: string, cert: string): Promise<{ child: ChildProcess; ports: number[] }> {
  const child = spawn(process.execPath, ["-e", SERVER], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, BENCH_KEY: key, BENCH_CERT: cert, BENCH_PORTS: String(PORTS) },
  });
  return new Promise((resolve, reject) => {
    child.stdout!.once("data", (b: Buffer) => resolve({ child, ports: JSON.parse(b.toString()) }));
    child.once("exit", (code) => reject(new Error(`the TLS servers exited (${code})`)));
  });
}

/** Every CLI process started, until it exits (killed on the way out). */
const children = new Set<ChildProcess>();

function cli(argv: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; stderr: string }>;
} {
  const child = spawn(process.execPath, [BIN, ...argv], { stdio: ["ignore", "ignore", "pipe"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  let stderr = "";
  child.stderr!.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once("exit", (code) => resolve({ code, stderr })),
  );
  return { child, done };
}

async function timedRound(list: string, db: string, extra: string[] = []) {
  const t0 = performance.now();
  const r = await cli([
    "monitor",
    "--targets",
    list,
    "--db",
    db,
    "--once",
    "--no-aia",
    "--concurrency",
    String(CONCURRENCY),
    ...extra,
  ]).done;
  const seconds = (performance.now() - t0) / 1000;
  if (r.code !== 0) throw new Error(`monitor --once exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return seconds;
}

async function sql<T = Record<string, unknown>>(url: string, text: string, values: unknown[] = []) {
  const p = new pg.Pool({ connectionString: url, max: 1 });
  p.on("error", () => {});
  try {
    return (await p.query(text, values)).rows as T[];
  } finally {
    await p.end();
  }
}

/** The newest round: its results, distinct targets, and the most results one target has. */
async function roundCounts(url: string) {
  const latest = "(SELECT max(id) FROM chainproof.rounds)";
  const [r] = await sql<{ n: string; d: string }>(
    url,
    `SELECT count(*) AS n, count(DISTINCT target) AS d FROM chainproof.results WHERE round_id = ${latest}`,
  );
  const [m] = await sql<{ m: string | null }>(
    url,
    `SELECT max(c) AS m FROM (SELECT count(*) AS c FROM chainproof.results WHERE round_id = ${latest}
     GROUP BY target) per_target`,
  );
  return { results: Number(r.n), targets: Number(r.d), most: Number(m.m ?? 0) };
}

/** Worker processes, once each says it takes jobs (its schema and queue exist then). */
async function startWorkers(url: string, n: number): Promise<ChildProcess[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const w = cli(["worker", "--db", url, "--concurrency", String(CONCURRENCY)]);
      await new Promise<void>((resolve, reject) => {
        let text = "";
        w.child.stderr!.on("data", (b: Buffer) => {
          text += b.toString();
          if (text.includes("taking jobs")) resolve();
        });
        w.done.then((r) => reject(new Error(`a worker exited (${r.code}): ${r.stderr}`)));
      });
      return w.child;
    }),
  );
}

async function stopWorkers(workers: ChildProcess[]) {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.exitCode !== null || w.signalCode !== null) return resolve();
          w.once("exit", () => resolve());
          w.kill("SIGTERM");
        }),
    ),
  );
}

async function postgresRun(postgres: TestPostgres, list: string, workers: number, name: string) {
  const url = postgres.createDatabase(name);
  // The workers are up (the schema and the queue exist) before the clock starts.
  const ws = await startWorkers(url, workers);
  try {
    const seconds = await timedRound(list, url, ["--lease", "60s"]);
    const counts = await roundCounts(url);
    const [size] = await sql<{ n: string }>(
      url,
      `SELECT sum(pg_total_relation_size(c.oid)) AS n FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
       WHERE ns.nspname = 'chainproof' AND c.relkind = 'r'`,
    );
    return { seconds, counts, bytes: Number(size.n) };
  } finally {
    await stopWorkers(ws);
  }
}

async function killRuns(postgres: TestPostgres, list: string) {
  const url = postgres.createDatabase("kill_runs");
  let ok = 0;
  for (let run = 1; run <= KILL_RUNS; run++) {
    const ws = await startWorkers(url, 2);
    const [{ id: before }] = await sql<{ id: string | null }>(
      url,
      "SELECT max(id) AS id FROM chainproof.rounds",
    );
    const t0 = performance.now();
    const round = cli([
      "monitor",
      "--targets",
      list,
      "--db",
      url,
      "--once",
      "--no-aia",
      "--lease",
      `${LEASE}s`,
      "--timeout",
      "4",
    ]);
    // Kill one worker once half the round is stored: it has checks in flight then.
    let killedAt = 0;
    while (!killedAt) {
      const [r] = await sql<{ n: string }>(
        url,
        "SELECT count(*) AS n FROM chainproof.results WHERE round_id > $1",
        [Number(before ?? 0)],
      ).catch(() => [{ n: "0" }]);
      if (Number(r.n) >= TARGETS / 2) {
        ws[0].kill("SIGKILL");
        killedAt = Number(r.n);
      } else await new Promise((res) => setTimeout(res, 20));
    }
    const r = await round.done;
    const seconds = (performance.now() - t0) / 1000;
    const counts = await roundCounts(url);
    const [retried] = await sql<{ n: string }>(
      url,
      `SELECT count(*) AS n FROM chainproof_queue.job WHERE retry_count > 0
       AND singleton_key LIKE (SELECT max(id)::text || ':%' FROM chainproof.rounds)`,
    );
    const exact =
      r.code === 0 && counts.results === TARGETS && counts.targets === TARGETS && counts.most === 1;
    if (exact) ok++;
    console.log(
      `  run ${run}: killed a worker at ${killedAt}/${TARGETS} results; round done in ${seconds.toFixed(1)} s ` +
        `(exit ${r.code}); ${counts.results} results for ${counts.targets} targets, at most ${counts.most} per target; ` +
        `${retried.n} job(s) taken again after the lease — ${exact ? "exactly once" : "NOT EXACTLY ONCE"}`,
    );
    await stopWorkers(ws);
  }
  console.log(`  ${ok}/${KILL_RUNS} runs with every target's result stored exactly once`);
  if (ok !== KILL_RUNS) process.exitCode = 1;
}

// Ctrl-C: the finally below stops the servers, the workers and the cluster.
const interrupted = new Promise<never>((_, reject) => {
  for (const sig of ["SIGINT", "SIGTERM"] as const)
    process.once(sig, () => reject(new Error(`stopped by ${sig}`)));
});
interrupted.catch(() => {});
const lab = await startLab({ only: ["good-rsa"] });
const dir = mkdtempSync(join(tmpdir(), "cp-bench-scale-"));
let servers: ChildProcess | undefined;
let postgres: TestPostgres | undefined;
try {
  const roots = writeLabFiles(lab, dir).roots;
  const leaf = labLeaf(lab.pki, "bench", lab.pki.ecIca, lab.http.base, { dns: "*.bench.chainproof.test" });
  const key = leaf.key.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const cert = leaf.cert.pem + lab.pki.ecIca.built.pem;
  const started = await startServers(key, cert);
  servers = started.child;
  const list = join(dir, "targets.txt");
  const lines: string[] = [];
  for (let i = 0; i < TARGETS; i++)
    lines.push(
      `127.0.0.1:${started.ports[i % started.ports.length]} t${String(i).padStart(6, "0")}.bench.chainproof.test store=${roots}`,
    );
  writeFileSync(list, `${lines.join("\n")}\n`);
  postgres = await startPostgres({ database: "bench" });
  console.log(
    `monitor scale: ${TARGETS} loopback targets on ${PORTS} ports, --concurrency ${CONCURRENCY} per process; ` +
      `this machine has ${cpus().length} CPU cores (the TLS servers, PostgreSQL and the workers share them)`,
  );
  await Promise.race([KILL_RUNS ? killRuns(postgres, list) : scaleRuns(postgres, list), interrupted]);
} finally {
  for (const c of children) c.kill("SIGKILL");
  servers?.kill();
  postgres?.close();
  await lab.close();
  rmSync(dir, { recursive: true, force: true });
}

/** SQLite in one process, then Postgres with 1 and 2 worker processes. */
async function scaleRuns(postgres: TestPostgres, list: string) {
  const sqlitePath = join(dir, "monitor.db");
  const sqliteS = await timedRound(list, sqlitePath);
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(sqlitePath);
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  const sqliteBytes = statSync(sqlitePath).size;
  const base = TARGETS / sqliteS;
  console.log(
    `  SQLite, in one process:        ${sqliteS.toFixed(1)} s, ${base.toFixed(0)} results/s; ` +
      `${(sqliteBytes / TARGETS).toFixed(0)} bytes/result → ${(((sqliteBytes / TARGETS) * 1e6) / 2 ** 30).toFixed(2)} GiB per million`,
  );
  for (const n of [1, 2]) {
    const r = await postgresRun(postgres, list, n, `bench_${n}`);
    const rate = TARGETS / r.seconds;
    console.log(
      `  Postgres, ${n} worker process${n === 1 ? " " : "es"}:  ${r.seconds.toFixed(1)} s, ${rate.toFixed(0)} results/s ` +
        `(${(rate / base).toFixed(2)}× SQLite); ${r.counts.results} results for ${r.counts.targets} targets; ` +
        `${(r.bytes / TARGETS).toFixed(0)} bytes/result → ${(((r.bytes / TARGETS) * 1e6) / 2 ** 30).toFixed(2)} GiB per million`,
    );
  }
}
