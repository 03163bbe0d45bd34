/**
 * The cost of keeping the monitor's history, per check:
 *
 *   npm run build && node dist/bench/monitor-store.js [--results 5000] [--targets 100] [--checks 30]
 *
 * In one process: a real check of a lab endpoint on loopback (src/app/check.ts runCheck, the baseline the
 * store is weighed against), then N results stored as the monitor stores them (the previous result read,
 * changes detected, alert states read and planned, the summary and the gzipped check document written in
 * one transaction: src/monitor/sqlite-history.ts), then N plain INSERTs of the same summary text into a
 * bare WAL table of another file. Prints µs per stored result for each, the ratio to the check, and bytes
 * per result on disk (after a WAL checkpoint), with the compressed document's share.
 */

import { mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import { runCheck } from "../src/app/check.js";
import { startLab } from "../src/lab/index.js";
import { conditionsOf, planAlerts } from "../src/monitor/alerts.js";
import { detectChanges } from "../src/monitor/changes.js";
import { openSqliteHistory } from "../src/monitor/sqlite-history.js";
import { summarizeCheck } from "../src/monitor/summary.js";

const args = process.argv.slice(2);
const opt = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : def;
};
const RESULTS = opt("results", 5000);
const TARGETS = opt("targets", 100);
const CHECKS = opt("checks", 30);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const lab = await startLab({ only: ["good-rsa"] });
const dir = mkdtempSync(join(tmpdir(), "cp-bench-monitor-"));
try {
  const e = lab.endpoints[0];
  const check = () =>
    runCheck({
      target: { host: e.host, port: e.port, connectTo: lab.address },
      store: lab.store,
      aia: false,
      timeoutMs: 5000,
    });
  await check(); // warm-up: the first check pays for loading the engine
  const checkMs: number[] = [];
  let run = await check();
  for (let i = 0; i < CHECKS; i++) {
    const t0 = performance.now();
    run = await check();
    checkMs.push(performance.now() - t0);
  }
  const document = run.document;
  const documentJson = JSON.stringify(document);
  const gz = gzipSync(Buffer.from(documentJson), { level: 1 }).length;

  // The monitor's way: what runRound does for each result once the check is done.
  const dbPath = join(dir, "monitor.db");
  const history = await openSqliteHistory(dbPath, { create: true });
  const rounds: number[] = [];
  for (let r = 0; r < Math.ceil(RESULTS / TARGETS); r++) rounds.push(await history.startRound(new Date()));
  const t0 = performance.now();
  for (let i = 0; i < RESULTS; i++) {
    const target = `t${i % TARGETS}.bench.test:443`;
    const at = new Date(Date.now() + i * 1000);
    const summary = summarizeCheck(document, at);
    const prev = await history.lastResult(target);
    const changes = detectChanges(prev?.summary, summary);
    const states = await history.alertStates(target);
    const plan = planAlerts(target, states, conditionsOf(summary), changes, at);
    await history.record({
      round: rounds[Math.floor(i / TARGETS)],
      target,
      labels: { team: "bench" },
      summary,
      changes,
      document,
      plan,
      channels: [],
      at,
    });
  }
  const storeUs = ((performance.now() - t0) * 1000) / RESULTS;
  await history.close();

  // The baseline: a plain INSERT of the summary's text, one transaction each, into a bare WAL table.
  const { default: Database } = await import("better-sqlite3");
  const plain = new Database(join(dir, "plain.db"));
  plain.pragma("journal_mode = WAL");
  plain.pragma("synchronous = NORMAL"); // as the history sets it
  plain.exec("CREATE TABLE results (id INTEGER PRIMARY KEY, target TEXT NOT NULL, summary TEXT NOT NULL)");
  const insert = plain.prepare("INSERT INTO results (target, summary) VALUES (?, ?)");
  const summaryText = JSON.stringify(summarizeCheck(document, new Date()));
  const t1 = performance.now();
  for (let i = 0; i < RESULTS; i++) insert.run(`t${i % TARGETS}.bench.test:443`, summaryText);
  const plainUs = ((performance.now() - t1) * 1000) / RESULTS;
  plain.close();

  const sized = await openSqliteHistory(dbPath, { create: false });
  await sized.close();
  const { default: Db2 } = await import("better-sqlite3");
  const db = new Db2(dbPath);
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  const bytes = statSync(dbPath).size;

  const check50 = median(checkMs);
  console.log(`monitor history store (${RESULTS} results, ${TARGETS} targets; ${cpus().length} CPUs)`);
  console.log(
    `  one check (runCheck, loopback lab endpoint, median of ${CHECKS}): ${(check50 * 1000).toFixed(0)} µs`,
  );
  console.log(
    `  store one result (read previous, detect changes, plan alerts, write summary + gzipped document, one transaction): ${storeUs.toFixed(1)} µs` +
      ` = ${((storeUs / (check50 * 1000)) * 100).toFixed(1)} % of the check`,
  );
  console.log(
    `  plain INSERT of the summary text (baseline): ${plainUs.toFixed(1)} µs (store / INSERT = ${(storeUs / plainUs).toFixed(1)}×)`,
  );
  console.log(
    `  on disk: ${(bytes / RESULTS).toFixed(0)} bytes per result (check document ${documentJson.length} bytes JSON, ${gz} gzipped; summary ${summaryText.length} bytes)`,
  );
  console.log(`  → ${(((bytes / RESULTS) * 1e6) / 2 ** 30).toFixed(2)} GiB per million results`);
} finally {
  await lab.close();
  rmSync(dir, { recursive: true, force: true });
}
