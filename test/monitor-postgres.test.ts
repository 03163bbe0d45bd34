/**
 * The monitor on a real PostgreSQL (a throwaway cluster, test/helpers/postgres.ts): the history store's
 * behaviours as test/monitor-lab.test.ts checks them on SQLite (a round, a change between rounds with its
 * alerts, a reminder, a resolved notice, the history, one result per target and round, retention), its
 * migrations (two processes at once, a newer schema refused), and the job queue end to end with real
 * processes: two `chainproof worker`s sharing a round of lab endpoints, one of them killed with SIGKILL in
 * the middle of a slow check (its job comes back after the lease), PostgreSQL restarted mid-round (workers
 * and scheduler carry on), and an unreachable --db (exit 3, an environment problem as docs/cli.md says: a clear message, no password).
 *
 * Skips only when the machine has no PostgreSQL server binaries at all (.ci/run installs them).
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import pg from "pg";
import { type MonitorOptions, type RoundReport, runRound } from "../src/app/monitor.js";
import { writeLabFiles } from "../src/cli/commands/lab.js";
import { LAB_ENDPOINTS, type Lab, startLab } from "../src/lab/index.js";
import {
  DuplicateResultError,
  openPgHistory,
  PG_MIGRATIONS,
  PG_SCHEMA_VERSION,
  type PgHistory,
} from "../src/monitor/pg-history.js";
import { parseTargetList } from "../src/monitor/targets.js";
import type { BuiltCertificate } from "../src/x509/builder.js";
import { BIN, runCli } from "./helpers/cli.js";
import { postgresSkipReason, startPostgres, type TestPostgres } from "./helpers/postgres.js";

const skip = postgresSkipReason();
const HOUR = 3_600_000;

/** A TLS server on 127.0.0.1 whose chain can be swapped between rounds. */
async function switchableServer(key: string, chain: BuiltCertificate[]) {
  const context = (certs: BuiltCertificate[]) => ({ key, cert: certs.map((c) => c.pem).join("") });
  const server = tls.createServer(context(chain));
  const sockets = new Set<net.Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
  });
  server.on("secureConnection", (s) => {
    s.on("error", () => {});
    s.end("hello\n");
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    serve: (certs: BuiltCertificate[]) => server.setSecureContext(context(certs)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port that forwards to `upstream` after `delayMs`: a target that answers slowly. */
async function slowProxy(upstream: number, delayMs: number) {
  const sockets = new Set<net.Socket>();
  let inFlight = 0;
  const server = net.createServer((client) => {
    sockets.add(client);
    inFlight++;
    client.on("error", () => {});
    let counted = true;
    const done = () => {
      if (counted) inFlight--;
      counted = false;
      sockets.delete(client);
    };
    client.on("close", done);
    setTimeout(() => {
      if (client.destroyed) return;
      const up = net.connect(upstream, "127.0.0.1");
      up.on("error", () => client.destroy());
      client.pipe(up).pipe(client);
      up.on("connect", done);
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    /** Connections waiting out the delay now. */
    inFlight: () => inFlight,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let postgres: TestPostgres;
let lab: Lab;
let dir: string;
let roots: string;
let good: BuiltCertificate[];
let host: string;
let server: Awaited<ReturnType<typeof switchableServer>>;

describe("the monitor on PostgreSQL", { skip }, () => {
  before(async () => {
    postgres = await startPostgres();
    lab = await startLab({ only: ["good-rsa", "good-ecdsa", "incomplete"] });
    dir = mkdtempSync(join(tmpdir(), "cp-monitor-pg-"));
    roots = writeLabFiles(lab, dir).roots;
    const spec = LAB_ENDPOINTS.find((e) => e.name === "good-rsa")!;
    const built = spec.build(lab.pki, lab.http.base);
    good = built.chain;
    host = lab.endpoints.find((e) => e.spec.name === "good-rsa")!.host;
    server = await switchableServer(
      built.key.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      good,
    );
  });
  after(async () => {
    await server?.close();
    await lab?.close();
    postgres?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A query on the database at `url` (the test's own connection). */
  async function query(url: string, sql: string, args: unknown[] = []) {
    const p = new pg.Pool({ connectionString: url, max: 1 });
    p.on("error", () => {});
    try {
      return (await p.query(sql, args)).rows;
    } finally {
      await p.end();
    }
  }

  /** Results per (round, target) in the database: every count must be 1. */
  async function storedCounts(round?: number, url = postgres.url): Promise<Map<string, number>> {
    const rows = await query(
      url,
      `SELECT round_id, target, count(*) AS n FROM chainproof.results
       ${round === undefined ? "" : "WHERE round_id = $1"} GROUP BY round_id, target`,
      round === undefined ? [] : [round],
    );
    return new Map(rows.map((r) => [`${r.round_id} ${r.target}`, Number(r.n)]));
  }

  describe("the history store (application layer, injected clock)", () => {
    let history: PgHistory;
    let clock: Date;
    let o: MonitorOptions;
    const key = () => `127.0.0.1:${server.port} ${host}`;
    const alertsOf = (r: RoundReport) => r.alerts.map((a) => `${a.kind} ${a.conditions.join(",")}`);
    const changesOf = (r: RoundReport) =>
      r.results[0].changes.map((c) => c.kind).filter((k) => k !== "expiry-threshold");

    before(async () => {
      history = await openPgHistory(postgres.url, { create: true });
      clock = new Date();
      o = {
        history,
        list: parseTargetList(
          `127.0.0.1:${server.port} ${host}  store=${roots} label.team=payments\nnot a target:1:2\n`,
        ),
        reminderMs: 6 * HOUR,
        aia: false,
        now: () => clock,
      };
    });
    after(() => history?.close());

    it("a round, a change of chain with its alert, a reminder, a resolved notice, the history", async () => {
      assert.doesNotMatch(history.location, new RegExp(postgres.password), "no password in the location");
      server.serve(good);
      const r1 = await runRound(o);
      assert.equal(r1.results.length, 2);
      assert.equal(r1.results[0].status, "trusted");
      assert.deepEqual(r1.results[0].labels, { team: "payments" });
      assert.deepEqual(changesOf(r1), ["first-result"]);
      assert.equal(r1.results[1].status, "invalid");
      assert.deepEqual(alertsOf(r1), ["problem check-failed"]);

      server.serve([good[0]]);
      clock = new Date(clock.getTime() + HOUR);
      const r2 = await runRound(o);
      assert.equal(r2.results[0].status, "untrusted");
      assert.deepEqual(changesOf(r2).sort(), ["chain-changed", "finding-appeared", "verdict-flipped"]);
      assert.deepEqual(alertsOf(r2), ["problem untrusted:salesforce"]);

      clock = new Date(clock.getTime() + HOUR);
      assert.deepEqual(alertsOf(await runRound(o)), []);
      clock = new Date(clock.getTime() + 6 * HOUR);
      const r4 = await runRound(o);
      assert.deepEqual(alertsOf(r4).sort(), ["reminder check-failed", "reminder untrusted:salesforce"]);

      server.serve(good);
      clock = new Date(clock.getTime() + HOUR);
      const r5 = await runRound(o);
      assert.deepEqual(alertsOf(r5), ["resolved untrusted:salesforce"]);

      const stored = await history.history(key());
      assert.deepEqual(
        stored.map((s) => s.round),
        [r5.round, r4.round, r4.round - 1, r2.round, r1.round],
      );
      const doc = (await history.document(stored[0].id)) as { schema: string; trusted: boolean };
      assert.equal(doc.schema, "chainproof/check");
      assert.equal(doc.trusted, true);
      const targets = await history.targets();
      assert.deepEqual(
        targets.map((t) => [t.target, t.results]),
        [
          [key(), 5],
          ["not a target:1:2", 5],
        ].sort(),
      );
      const alerts = await history.alerts({ target: key() });
      assert.deepEqual(
        alerts.map((a) => a.kind),
        ["resolved", "reminder", "problem"],
      );
      const starts = await history.lastRoundStarts();
      assert.equal(starts.get(key()), r5.startedAt);
    });

    it("a second result for a (target, round) is refused and changes nothing", async () => {
      const [last] = await history.history(key(), { limit: 1 });
      const before = await storedCounts(last.round);
      await assert.rejects(
        history.record({
          round: last.round,
          target: key(),
          labels: {},
          summary: last.summary,
          changes: [],
          document: null,
          plan: {
            alerts: [
              {
                kind: "change",
                conditions: [],
                severity: "info",
                title: "t",
                message: "m",
                since: null,
                changes: [],
              },
            ],
            upsert: [],
            clear: [],
          },
          channels: ["log"],
          at: clock,
        }),
        DuplicateResultError,
      );
      assert.deepEqual(await storedCounts(last.round), before);
      assert.equal((await history.roundAlerts(last.round)).filter((a) => a.kind === "change").length, 0);
    });

    it("deliveries are recorded per alert and channel; undelivered alerts are found", async () => {
      const [a] = await history.alerts({ limit: 1 });
      await history.recordDelivery(a.id, "hook", false, "exit 3", clock);
      assert.deepEqual(
        (await history.alerts({ undelivered: true })).map((x) => x.id),
        [a.id],
      );
      await history.recordDelivery(a.id, "hook", true, null, clock);
      const [again] = await history.alerts({ limit: 1 });
      assert.deepEqual(
        again.deliveries.map((d) => [d.channel, d.state, d.attempts]),
        [["hook", "delivered", 2]],
      );
      assert.equal((await history.alerts({ undelivered: true })).length, 0);
    });

    it("retention: the newest N per target, or those younger than an age", async () => {
      assert.equal(await history.prune({ maxResults: 2 }, clock), 6);
      assert.equal((await history.history(key())).length, 2);
      assert.equal(await history.prune({ maxAgeMs: HOUR / 2 }, clock), 2);
      assert.equal((await history.history(key())).length, 1);
    });
  });

  describe("migrations", () => {
    it("processes starting at once apply each step once (an advisory lock)", async () => {
      const url = postgres.createDatabase("race");
      const stores = await Promise.all(Array.from({ length: 4 }, () => openPgHistory(url, { create: true })));
      await Promise.all(stores.map((s) => s.close()));
      const p = new pg.Pool({ connectionString: url, max: 1 });
      try {
        const { rows } = await p.query("SELECT version FROM chainproof.schema_version");
        assert.deepEqual(
          rows.map((r) => r.version),
          PG_MIGRATIONS.map((m) => m.version),
        );
        await p.query("INSERT INTO chainproof.schema_version VALUES (99, 'later')");
      } finally {
        await p.end();
      }
      await assert.rejects(
        openPgHistory(url, { create: true }),
        new RegExp(`schema version 99 is newer than this chainproof's \\(${PG_SCHEMA_VERSION}\\)`),
      );
    });

    it("the read-only commands refuse a database the monitor never wrote", async () => {
      const url = postgres.createDatabase("empty");
      const r = await runCli(["history", "x", "--db", url]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no monitor database there/);
      assert.doesNotMatch(r.stderr, new RegExp(postgres.password));
    });
  });

  describe("the job queue (processes)", () => {
    const workers: ChildProcess[] = [];
    const logs = new Map<ChildProcess, string>();

    function startWorker(url: string, args: string[] = []): ChildProcess {
      const w = spawn(process.execPath, [BIN, "worker", "--db", url, ...args], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      logs.set(w, "");
      w.stderr!.on("data", (b: Buffer) => logs.set(w, logs.get(w) + b.toString()));
      workers.push(w);
      return w;
    }
    function exited(w: ChildProcess): Promise<number | null> {
      return w.exitCode !== null || w.signalCode !== null
        ? Promise.resolve(w.exitCode)
        : new Promise((resolve) => w.once("exit", (code) => resolve(code)));
    }
    async function stopWorkers() {
      for (const w of workers.splice(0)) {
        if (w.exitCode === null && w.signalCode === null) {
          w.kill("SIGTERM");
          assert.equal(await exited(w), 0, `a worker stops with exit 0 on SIGTERM\n${logs.get(w)}`);
        }
      }
    }
    async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000) {
      const end = Date.now() + ms;
      while (!(await ok())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    function labList(extra: string[] = []): string {
      const file = join(dir, `targets-${Math.random().toString(36).slice(2)}.txt`);
      const lines = lab.endpoints.map((e) => `127.0.0.1:${e.port} ${e.host} store=${roots}`);
      writeFileSync(file, `${[...lines, ...extra].join("\n")}\n`);
      return file;
    }
    const monitorOnce = (url: string, list: string, args: string[] = []) =>
      runCli(["monitor", "--targets", list, "--db", url, "--once", "--json", "--no-aia", ...args], {
        timeoutMs: 120_000,
      });

    after(stopWorkers);

    it("two workers share a round of lab endpoints: every target stored once, the report as in-process", async () => {
      const url = postgres.createDatabase("queue_two");
      startWorker(url, ["--concurrency", "2"]);
      startWorker(url, ["--concurrency", "2"]);
      const list = labList();
      const r = await monitorOnce(url, list);
      assert.equal(r.code, 1, r.stderr); // the lab's "incomplete" endpoint is not trusted
      const report = JSON.parse(r.stdout) as RoundReport;
      assert.equal(report.results.length, lab.endpoints.length);
      assert.deepEqual(
        Object.fromEntries(report.results.map((x) => [x.target.split(" ")[1], x.status])),
        Object.fromEntries(
          lab.endpoints.map((e) => [e.host, e.spec.name === "incomplete" ? "untrusted" : "trusted"]),
        ),
      );
      assert.deepEqual(
        report.alerts.map((a) => [a.kind, a.conditions]),
        [["problem", ["untrusted:salesforce"]]],
      );
      const counts = await storedCounts(report.round, url);
      assert.equal(counts.size, lab.endpoints.length);
      assert.ok([...counts.values()].every((n) => n === 1));
      // --workers 0 runs the same round in this process.
      const inProcess = await monitorOnce(url, list, ["--workers", "0"]);
      assert.equal(inProcess.code, 1, inProcess.stderr);
      const again = JSON.parse(inProcess.stdout) as RoundReport;
      assert.deepEqual(
        again.results.map((x) => [x.target, x.status]),
        report.results.map((x) => [x.target, x.status]),
      );
      await stopWorkers();
    });

    it("without a worker, --once says so after --worker-wait and exits 2", async () => {
      const url = postgres.createDatabase("queue_none");
      const r = await monitorOnce(url, labList(), ["--worker-wait", "2s"]);
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /0 of 3 results after 2s without a new one \(jobs: 3 created\); is a worker running\?/,
      );
      // The round's jobs were cancelled: a worker started later does not check a round given up on.
      const rows = await query(
        url,
        "SELECT count(*) AS n FROM chainproof_queue.job WHERE state <> 'cancelled' AND singleton_key LIKE '1:%'",
      );
      assert.equal(Number(rows[0].n), 0);
    });

    it("kill -9 of one of two workers mid-check: its job comes back after the lease; each target stored once", async () => {
      const url = postgres.createDatabase("queue_kill");
      const upstream = lab.endpoints.find((e) => e.spec.name === "good-rsa")!;
      const slow = await Promise.all(Array.from({ length: 4 }, () => slowProxy(upstream.port, 1500)));
      try {
        const a = startWorker(url, ["--concurrency", "1"]);
        startWorker(url, ["--concurrency", "1"]);
        const list = labList(slow.map((s) => `127.0.0.1:${s.port} ${upstream.host} store=${roots}`));
        const run = monitorOnce(url, list, ["--lease", "5s", "--timeout", "4"]);
        // Both workers are in a slow check: one of them is A's.
        await until("two slow checks in flight", () => slow.reduce((n, s) => n + s.inFlight(), 0) >= 2);
        a.kill("SIGKILL");
        const r = await run;
        assert.equal(r.code, 1, r.stderr);
        const report = JSON.parse(r.stdout) as RoundReport;
        assert.equal(report.results.length, lab.endpoints.length + slow.length);
        assert.equal(report.cancelled, false);
        const counts = await storedCounts(report.round, url);
        assert.equal(counts.size, lab.endpoints.length + slow.length);
        assert.ok(
          [...counts.values()].every((n) => n === 1),
          "one result per target",
        );
        const rows = await query(
          url,
          `SELECT max(retry_count) AS retried FROM (
             SELECT retry_count FROM chainproof_queue.job WHERE singleton_key LIKE $1
             UNION ALL SELECT retry_count FROM chainproof_queue.archive WHERE singleton_key LIKE $1) j`,
          [`${report.round}:%`],
        );
        assert.ok(Number(rows[0].retried) >= 1, "the killed worker's job was taken again");
      } finally {
        await stopWorkers();
        await Promise.all(slow.map((s) => s.close()));
      }
    });

    it("PostgreSQL restarted mid-round: the workers and the scheduler reconnect and finish", async () => {
      const url = postgres.createDatabase("queue_restart");
      const upstream = lab.endpoints.find((e) => e.spec.name === "good-rsa")!;
      const slow = await Promise.all(Array.from({ length: 6 }, () => slowProxy(upstream.port, 1000)));
      try {
        startWorker(url, ["--concurrency", "2"]);
        startWorker(url, ["--concurrency", "2"]);
        const list = labList(slow.map((s) => `127.0.0.1:${s.port} ${upstream.host} store=${roots}`));
        const run = monitorOnce(url, list, ["--lease", "10s"]);
        await until("checks in flight", () => slow.reduce((n, s) => n + s.inFlight(), 0) >= 2);
        postgres.restart();
        const r = await run;
        assert.equal(r.code, 1, r.stderr);
        const report = JSON.parse(r.stdout) as RoundReport;
        assert.equal(report.results.length, lab.endpoints.length + slow.length);
        const counts = await storedCounts(report.round, url);
        assert.equal(counts.size, lab.endpoints.length + slow.length);
        assert.ok(
          [...counts.values()].every((n) => n === 1),
          "one result per target",
        );
        for (const w of workers)
          assert.equal(w.exitCode, null, `the worker is still running\n${logs.get(w)}`);
      } finally {
        await stopWorkers();
        await Promise.all(slow.map((s) => s.close()));
      }
    });

    it("an unreachable --db: exit 3, the host and port and the error, never the password", async () => {
      const closed = await new Promise<number>((resolve) => {
        const s = net.createServer();
        s.listen(0, "127.0.0.1", () => {
          const port = (s.address() as net.AddressInfo).port;
          s.close(() => resolve(port));
        });
      });
      const url = `postgres://chainproof:hunter2-secret@127.0.0.1:${closed}/chainproof`;
      for (const args of [
        ["monitor", "--targets", labList(), "--db", url, "--once"],
        ["worker", "--db", url],
        ["history", "x", "--db", url],
      ]) {
        const r = await runCli(args);
        assert.equal(r.code, 3, args[0]);
        assert.match(
          r.stderr,
          new RegExp(`cannot use the database at 127\\.0\\.0\\.1:${closed}: connect ECONNREFUSED`),
        );
        assert.doesNotMatch(r.stderr + r.stdout, /hunter2/);
        assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
      }
      const wrong = postgres.url.replace(postgres.password, "not-the-password");
      const bad = await runCli(["worker", "--db", wrong]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /password authentication failed/);
      assert.doesNotMatch(bad.stderr, /not-the-password/);
      const noDb = await runCli(["worker"]);
      assert.equal(noDb.code, 2);
      assert.match(noDb.stderr, /--db postgres:\/\/USER@HOST\/DB is required/);
      const sqliteLease = await runCli([
        "monitor",
        "--targets",
        labList(),
        "--db",
        join(dir, "x.db"),
        "--lease",
        "5s",
      ]);
      assert.equal(sqliteLease.code, 2);
      assert.match(sqliteLease.stderr, /--lease needs a PostgreSQL --db/);
    });
  });
});
