/**
 * What the monitor's read side costs for a large fleet:
 *
 *   npm run build && node dist/bench/monitor-metrics.js [--targets 10000]
 *
 * A /metrics scrape (prom-client text of every target's gauges: a 3-certificate chain and 2 clients each)
 * with N targets observed; then, on an SQLite history holding one result per target, the Monitor page's
 * answers: the targets overview (one latest-result read per target), the 26-week expiry histogram, and
 * seeding the metrics from the history (a restarted monitor). Prints ms for each (median of 5).
 */

import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { monitorExpiry, monitorOverview } from "../src/app/monitor-view.js";
import { MonitorMetrics } from "../src/monitor/metrics.js";
import { openSqliteHistory } from "../src/monitor/sqlite-history.js";
import type { ResultSummary } from "../src/monitor/summary.js";

const args = process.argv.slice(2);
const i = args.indexOf("--targets");
const N = i >= 0 ? Number(args[i + 1]) : 10_000;
const DAY = 86_400_000;
const now = Date.now();

function summaryOf(n: number): ResultSummary {
  const hex = (k: number) => k.toString(16).padStart(64, "0");
  const at = (d: number) => new Date(now + d * DAY).toISOString();
  return {
    checkedAt: new Date(now).toISOString(),
    status: n % 10 === 0 ? "untrusted" : "trusted",
    chain: [
      {
        position: 1,
        role: "leaf",
        sha256: hex(n),
        subject: `CN=host${n}.example.test`,
        issuer: "CN=ICA",
        notAfter: at(n % 200),
      },
      {
        position: 2,
        role: "intermediate",
        sha256: hex(1e9 + (n % 20)),
        subject: "CN=ICA",
        issuer: "CN=Root",
        notAfter: at(300),
      },
      {
        position: 3,
        role: "root",
        sha256: hex(2e9),
        subject: "CN=Root",
        issuer: "CN=Root",
        notAfter: at(3000),
      },
    ],
    root: null,
    clients: [
      {
        client: "salesforce",
        status: n % 10 === 0 ? "untrusted" : "trusted",
        code: n % 10 === 0 ? "incomplete-chain" : null,
      },
      { client: "java", status: "trusted", code: null },
    ],
    findings: [],
    distrust: [],
    tls: { protocol: "TLSv1.3", versions: null },
    error: null,
  };
}

async function median(fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[2];
}

const keys = Array.from({ length: N }, (_, n) => `host${n}.example.test:443`);
const metrics = await MonitorMetrics.create();
for (const [n, key] of keys.entries())
  metrics.observeResult({ target: key, status: "trusted", summary: summaryOf(n), ms: 8 });
let bytes = 0;
const scrape = await median(async () => {
  bytes = (await metrics.text()).length;
});

const dir = mkdtempSync(join(tmpdir(), "cp-bench-metrics-"));
const history = await openSqliteHistory(join(dir, "m.db"), { create: true });
const round = await history.startRound(new Date(now));
for (const [n, key] of keys.entries())
  await history.record({
    round,
    target: key,
    labels: {},
    summary: summaryOf(n),
    changes: [],
    document: null,
    plan: { alerts: [], upsert: [], clear: [] },
    channels: [],
    at: new Date(now),
  });
const overview = await median(() => monitorOverview(history));
const expiry = await median(() => monitorExpiry(history));
const seed = await median(async () => (await MonitorMetrics.create()).seed(history, keys));
await history.close();
rmSync(dir, { recursive: true, force: true });

const f = (ms: number) => `${ms.toFixed(0)} ms`;
process.stdout.write(
  `${N} targets (3 certificates, 2 clients each); ${cpus().length} CPUs\n` +
    `  /metrics text:              ${f(scrape)} (${(bytes / 1024 / 1024).toFixed(1)} MiB)\n` +
    `  GET /api/monitor/targets:   ${f(overview)} (the overview from SQLite)\n` +
    `  GET /api/monitor/expiry:    ${f(expiry)}\n` +
    `  metrics seeded at start:    ${f(seed)}\n`,
);
