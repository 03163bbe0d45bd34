/**
 * The monitor end to end against a lab endpoint on loopback whose chain the test changes between rounds:
 * the application layer with an injected clock (changes, alerts, reminders, resolved notices, expiry
 * thresholds, one stored result per target and round, a bad line), and the CLI (`monitor --once --json`
 * valid against docs/schemas/monitor-round.schema.json, `--on-alert` receiving each alert on stdin, exit
 * codes, `history`, `alerts`, a bad or corrupt --db, the XDG default, SIGTERM in the loop).
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import { Ajv2020 } from "ajv/dist/2020.js";
import { dueItems, type MonitorOptions, type RoundReport, runRound } from "../src/app/monitor.js";
import { writeLabFiles } from "../src/cli/commands/lab.js";
import { LAB_ENDPOINTS, type Lab, startLab } from "../src/lab/index.js";
import { labLeaf } from "../src/lab/pki.js";
import type { HistoryStore } from "../src/monitor/history.js";
import { openSqliteHistory } from "../src/monitor/sqlite-history.js";
import { parseTargetList } from "../src/monitor/targets.js";
import type { BuiltCertificate } from "../src/x509/builder.js";
import { BIN, ROOT, runCli } from "./helpers/cli.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A TLS server on 127.0.0.1 whose chain can be swapped between rounds. */
async function switchableServer(key: string, chain: BuiltCertificate[]) {
  const context = (certs: BuiltCertificate[], k = key) => ({
    key: k,
    cert: certs.map((c) => c.pem).join(""),
  });
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
    serve: (certs: BuiltCertificate[], k?: string) => server.setSecureContext(context(certs, k)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let lab: Lab;
let dir: string;
let roots: string;
let good: BuiltCertificate[];
let server: Awaited<ReturnType<typeof switchableServer>>;
let host: string;

before(async () => {
  lab = await startLab({ only: ["good-rsa"] });
  dir = mkdtempSync(join(tmpdir(), "cp-monitor-"));
  roots = writeLabFiles(lab, dir).roots;
  const spec = LAB_ENDPOINTS.find((e) => e.name === "good-rsa")!;
  const built = spec.build(lab.pki, lab.http.base);
  good = built.chain;
  host = lab.endpoints[0].host;
  server = await switchableServer(
    built.key.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    good,
  );
});
after(async () => {
  await server?.close();
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

const leafOnly = () => [good[0]];

describe("monitor rounds (application layer, injected clock)", () => {
  let history: HistoryStore;
  let clock: Date;
  let o: MonitorOptions;
  const key = () => `127.0.0.1:${server.port} ${host}`;
  const round = async (): Promise<RoundReport> => {
    const r = await runRound(o);
    return r;
  };
  const alertsOf = (r: RoundReport) => r.alerts.map((a) => `${a.kind} ${a.conditions.join(",")}`);
  const changesOf = (r: RoundReport) =>
    r.results[0].changes.map((c) => c.kind).filter((k) => k !== "expiry-threshold");

  before(async () => {
    history = await openSqliteHistory(join(dir, "app.db"), { create: true });
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

  it("a change of chain, its alert, a reminder while it stays broken, a resolved notice after the fix", async () => {
    server.serve(good);
    const r1 = await round();
    assert.equal(r1.results.length, 2);
    assert.equal(r1.results[0].target, key());
    assert.equal(r1.results[0].status, "trusted");
    assert.deepEqual(r1.results[0].labels, { team: "payments" });
    assert.deepEqual(changesOf(r1), ["first-result"]);
    assert.equal(r1.results[0].summary.chain.length, 2);
    // The bad line: its own result, stored, with one alert.
    assert.equal(r1.results[1].status, "invalid");
    assert.match(r1.results[1].summary.error!, /^line 2: /);
    assert.deepEqual(alertsOf(r1), ["problem check-failed"]);
    assert.equal(r1.ok, false);

    // Drop the intermediate.
    server.serve(leafOnly());
    clock = new Date(clock.getTime() + HOUR);
    const r2 = await round();
    const res = r2.results[0];
    assert.equal(res.status, "untrusted");
    assert.deepEqual(changesOf(r2).sort(), ["chain-changed", "finding-appeared", "verdict-flipped"]);
    const flip = res.changes.find((c) => c.kind === "verdict-flipped")!;
    assert.equal(flip.subject, "salesforce");
    assert.equal(flip.after, "untrusted (incomplete-chain)");
    assert.deepEqual(alertsOf(r2), ["problem untrusted:salesforce"]);
    const alert = r2.alerts[0];
    assert.equal(alert.target, key());
    assert.deepEqual(alert.labels, { team: "payments" });
    assert.ok(alert.changes.some((c) => c.kind === "chain-changed"));

    // Still broken an hour later: no alert; seven hours after the alert: a reminder.
    clock = new Date(clock.getTime() + HOUR);
    assert.deepEqual(alertsOf(await round()), []);
    clock = new Date(clock.getTime() + 6 * HOUR);
    const r4 = await round();
    assert.deepEqual(alertsOf(r4).sort(), ["reminder check-failed", "reminder untrusted:salesforce"]);

    // The fix: a resolved notice.
    server.serve(good);
    clock = new Date(clock.getTime() + HOUR);
    const r5 = await round();
    assert.equal(r5.results[0].status, "trusted");
    assert.deepEqual(alertsOf(r5), ["resolved untrusted:salesforce"]);
    assert.ok(r5.results[0].changes.some((c) => c.kind === "chain-changed"));

    // One stored result per target and round, newest first, with its full check document.
    const stored = await history.history(key());
    assert.deepEqual(
      stored.map((s) => s.round),
      [r5.round, r4.round, r4.round - 1, r2.round, r1.round],
    );
    const doc = (await history.document(stored[0].id)) as { schema: string; trusted: boolean };
    assert.equal(doc.schema, "chainproof/check");
    assert.equal(doc.trusted, true);
    await assert.rejects(
      history.record({
        round: r5.round,
        target: key(),
        labels: {},
        summary: stored[0].summary,
        changes: [],
        document: null,
        plan: { alerts: [], upsert: [], clear: [] },
        channels: [],
        at: clock,
      }),
      /UNIQUE/,
    );
  });

  it("expiry: crossing 30 then 7 days with the clock moved forward, one alert each", async () => {
    server.serve(good);
    const leafNotAfter = good[0].cert.notAfter.getTime();
    clock = new Date(leafNotAfter - 20 * DAY);
    const r1 = await round();
    const crossing = r1.results[0].changes.filter((c) => c.kind === "expiry-threshold");
    assert.deepEqual(
      crossing.map((c) => [c.subject, c.threshold]),
      [["1", 30]],
    );
    assert.equal(r1.results[0].status, "trusted", "valid 20 days before expiry");
    const expiry = r1.alerts.filter((a) => a.conditions.some((c) => c.startsWith("expiry:")));
    assert.deepEqual(
      expiry.map((a) => [a.kind, a.severity, a.conditions]),
      [["problem", "warning", [`expiry:${good[0].cert.sha256}`]]],
    );
    // An hour later, within the reminder interval: nothing new.
    clock = new Date(leafNotAfter - 20 * DAY + HOUR);
    assert.equal(
      (await round()).alerts.filter((a) => a.conditions.some((c) => c.startsWith("expiry:"))).length,
      0,
    );
    clock = new Date(leafNotAfter - 5 * DAY);
    const r3 = await round();
    assert.deepEqual(
      r3.results[0].changes.filter((c) => c.kind === "expiry-threshold").map((c) => c.threshold),
      [7],
    );
    assert.deepEqual(
      r3.alerts
        .filter((a) => a.conditions.some((c) => c.startsWith("expiry:")))
        .map((a) => [a.kind, a.severity]),
      [["problem", "critical"]],
    );
  });
});

describe("monitor rounds: failures and distrust", () => {
  let history: HistoryStore;
  before(async () => {
    history = await openSqliteHistory(join(dir, "distrust.db"), { create: true });
  });
  after(() => history?.close());

  it("a distrust rule newly applying: its change and a problem alert naming the rule", async () => {
    const o: MonitorOptions = {
      history,
      list: parseTargetList(`127.0.0.1:${server.port} ${host} store=${roots}\n`),
      aia: false,
      engine: { distrustRules: lab.distrustRules },
    };
    server.serve(good);
    assert.equal((await runRound(o)).results[0].status, "trusted");
    // The same name, now under the lab's distrusted CA, issued after the rule's cutoff.
    const issued = new Date(Date.now() - DAY);
    const leaf = labLeaf(lab.pki, "good-rsa", lab.pki.distrustedIca, lab.http.base, {
      dns: host,
      notBefore: issued,
    });
    server.serve(
      [leaf.cert, lab.pki.distrustedIca.built],
      leaf.key.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    );
    try {
      const r = await runRound(o);
      const res = r.results[0];
      assert.equal(res.status, "untrusted");
      assert.deepEqual(res.summary.clients, [
        { client: "salesforce", status: "untrusted", code: "distrusted-ca" },
      ]);
      const distrust = res.changes.filter((c) => c.kind === "distrust-applies");
      assert.deepEqual(
        distrust.map((c) => c.subject),
        // The rules of the lab's distrusted root: Java's (notBefore) and Chrome's (SCT), each once.
        ["lab-distrust-after", "lab-sct-after"],
      );
      assert.ok(res.changes.some((c) => c.kind === "issuer-changed"));
      assert.deepEqual(
        r.alerts.map((a) => [a.kind, a.conditions]),
        [["problem", ["untrusted:salesforce", "distrust:lab-distrust-after", "distrust:lab-sct-after"]]],
      );
    } finally {
      server.serve(good);
    }
  });

  it("a target that refuses connections: a failed result, a check-failed alert, exit status not ok", async () => {
    const closed = await import("node:net").then(
      (n) =>
        new Promise<number>((resolve) => {
          const s = n.createServer();
          s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
          });
        }),
    );
    const r = await runRound({
      history,
      list: parseTargetList(`127.0.0.1:${closed} closed.example\n`),
      aia: false,
    });
    assert.equal(r.ok, false);
    assert.equal(r.results[0].status, "failed");
    assert.match(r.results[0].summary.error!, /refused/i);
    assert.deepEqual(
      r.alerts.map((a) => [a.kind, a.conditions]),
      [["problem", ["check-failed"]]],
    );
  });
});

describe("the history database", () => {
  it("keeps the newest N results per target, or those younger than an age", async () => {
    const history = await openSqliteHistory(join(dir, "retention.db"), { create: true });
    try {
      let clock = new Date("2030-01-01T00:00:00Z");
      const o: MonitorOptions = {
        history,
        list: parseTargetList(`127.0.0.1:${server.port} ${host} store=${roots}\n`),
        aia: false,
        now: () => clock,
        retention: { maxResults: 2 },
      };
      server.serve(good);
      for (let i = 0; i < 4; i++) {
        clock = new Date(clock.getTime() + DAY);
        await runRound(o);
      }
      const kept = await history.history(`127.0.0.1:${server.port} ${host}`);
      assert.equal(kept.length, 2);
      assert.equal(kept[0].checkedAt, clock.toISOString());
      assert.equal(await history.prune({ maxAgeMs: HOUR }, clock), 1);
    } finally {
      await history.close();
    }
  });

  it("schedules each target by its interval from the start of the round that last checked it", async () => {
    const history = await openSqliteHistory(join(dir, "schedule.db"), { create: true });
    try {
      let clock = new Date("2030-01-01T00:00:00Z");
      const o: MonitorOptions = {
        history,
        list: parseTargetList(
          `127.0.0.1:${server.port} ${host} store=${roots} interval=15m\n` +
            `127.0.0.1:${server.port} store=${roots}\n`,
        ),
        aia: false,
        intervalMs: HOUR,
        now: () => clock,
      };
      const due = async () => (await dueItems(o, clock)).due.length;
      assert.equal(await due(), 2, "never checked: due");
      const start = clock;
      await runRound(o);
      // Ten minutes on: nothing due, the 15m target in five minutes.
      clock = new Date(start.getTime() + 10 * 60_000);
      assert.deepEqual(await dueItems(o, clock), { due: [], nextInMs: 5 * 60_000 });
      clock = new Date(start.getTime() + 15 * 60_000 - 500);
      assert.equal(await due(), 1, "the 15m target, within the scheduler's slack");
      clock = new Date(start.getTime() + HOUR);
      assert.equal(await due(), 2);
    } finally {
      await history.close();
    }
  });

  it("refuses a newer schema and another application's SQLite file", async () => {
    const { default: Database } = await import("better-sqlite3");
    const newer = join(dir, "newer.db");
    await (await openSqliteHistory(newer, { create: true })).close();
    const db = new Database(newer);
    db.prepare("INSERT INTO schema_version (version, applied_at) VALUES (99, 'later')").run();
    db.close();
    await assert.rejects(
      openSqliteHistory(newer, { create: true }),
      /schema version 99 is newer than this chainproof's/,
    );
    const other = join(dir, "other.db");
    const o = new Database(other);
    o.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)");
    o.close();
    await assert.rejects(openSqliteHistory(other, { create: true }), /SQLite database of something else/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The CLI

function validator() {
  const schema = JSON.parse(readFileSync(join(ROOT, "docs", "schemas", "monitor-round.schema.json"), "utf8"));
  const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
  return (doc: unknown, what: string) =>
    assert.ok(validate(doc), `${what}: ${JSON.stringify(validate.errors, null, 1)}`);
}

describe("chainproof monitor, history, alerts", () => {
  let cliDir: string;
  let targets: string;
  let db: string;
  let hook: string;
  const monitor = (extra: string[] = [], env: Record<string, string> = {}) =>
    runCli(["monitor", "--targets", targets, "--once", "--no-aia", ...extra], { env, timeoutMs: 60_000 });

  before(() => {
    cliDir = mkdtempSync(join(tmpdir(), "cp-monitor-cli-"));
    targets = join(cliDir, "targets.txt");
    writeFileSync(targets, `# the fleet\n127.0.0.1:${server.port} ${host} store=${roots} label.env=prod\n`);
    db = join(cliDir, "monitor.db");
    hook = join(cliDir, "hook.jsonl");
  });
  after(() => rmSync(cliDir, { recursive: true, force: true }));

  it("--once --json: the round (valid against its schema), exit 0 then 1, and --on-alert gets each alert on stdin", async () => {
    const valid = validator();
    server.serve(good);
    const onAlert = `cat >> '${hook}'`;
    const r1 = await monitor(["--db", db, "--json", "--on-alert", onAlert]);
    assert.equal(r1.code, 0, r1.stderr);
    const doc1 = JSON.parse(r1.stdout);
    valid(doc1, "round 1");
    assert.equal(doc1.ok, true);
    assert.equal(doc1.db, db);
    assert.deepEqual(doc1.alerts, []);
    assert.ok(!existsSync(hook), "no alert, no hook run");

    server.serve(leafOnly());
    const r2 = await monitor(["--db", db, "--json", "--on-alert", onAlert]);
    assert.equal(r2.code, 1, r2.stderr);
    const doc2 = JSON.parse(r2.stdout);
    valid(doc2, "round 2");
    assert.equal(doc2.results[0].status, "untrusted");
    assert.deepEqual(
      doc2.alerts.map((a: { kind: string; conditions: string[] }) => `${a.kind} ${a.conditions.join(",")}`),
      ["problem untrusted:salesforce"],
    );
    assert.deepEqual(
      doc2.alerts[0].deliveries.map((d: { channel: string; state: string }) => `${d.channel} ${d.state}`),
      ["command delivered"],
    );
    const received = readFileSync(hook, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(received.length, 1);
    assert.equal(received[0].schema, "chainproof/monitor-alert");
    assert.equal(received[0].id, doc2.alerts[0].id);
    assert.equal(received[0].kind, "problem");
    assert.deepEqual(received[0].labels, { env: "prod" });

    // A failing hook: the alert is kept, its delivery failed, shown by alerts --undelivered.
    server.serve(good);
    const r3 = await monitor(["--db", db, "--on-alert", "echo hook broke >&2; exit 3"]);
    assert.equal(r3.code, 0, r3.stderr);
    assert.match(r3.stdout, /resolved/);
    assert.match(r3.stdout, /command: failed/);
    const undelivered = await runCli(["alerts", "--db", db, "--undelivered", "--json"]);
    assert.equal(undelivered.code, 0, undelivered.stderr);
    const u = JSON.parse(undelivered.stdout);
    assert.deepEqual(
      u.alerts.map((a: { kind: string }) => a.kind),
      ["resolved"],
    );
    assert.match(u.alerts[0].deliveries[0].lastError, /exited with status 3: hook broke/);
  });

  it("history and alerts, as text and JSON", async () => {
    const key = `127.0.0.1:${server.port} ${host}`;
    const h = await runCli(["history", `127.0.0.1:${server.port}`, "--db", db, "--json"]);
    assert.equal(h.code, 0, h.stderr);
    const doc = JSON.parse(h.stdout);
    assert.equal(doc.schema, "chainproof/monitor-history");
    assert.equal(doc.target, key);
    assert.deepEqual(
      doc.results.map((r: { status: string }) => r.status),
      ["trusted", "untrusted", "trusted"],
    );
    assert.ok(doc.results[1].changes.some((c: { kind: string }) => c.kind === "chain-changed"));
    const text = await runCli(["history", key, "--db", db]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /3 result\(s\), newest first/);
    assert.match(text.stdout, /~ changed: the chain sent changed \(2 → 1 certificates\)/);
    assert.match(text.stdout, /~ changed: salesforce: trusted → untrusted \(incomplete-chain\)/);

    const a = await runCli(["alerts", "--db", db]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /2 alert\(s\), newest first/);
    assert.match(a.stdout, /resolved info/);
    assert.match(a.stdout, /problem critical .*salesforce does not trust the endpoint \(incomplete-chain\)/);
    assert.match(a.stdout, /command: delivered/);

    const none = await runCli(["history", "nowhere.example:443", "--db", db]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no results for this target/);
  });

  it("a bad line is reported and stored, the other targets run, exit 2", async () => {
    const list = join(cliDir, "with-bad-line.txt");
    writeFileSync(
      list,
      `127.0.0.1:${server.port} ${host} store=${roots}\n127.0.0.1:${server.port} clients=nobody\n`,
    );
    const r = await runCli([
      "monitor",
      "--targets",
      list,
      "--db",
      join(cliDir, "bad-line.db"),
      "--once",
      "--json",
    ]);
    assert.equal(r.code, 2, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(
      doc.results.map((x: { status: string }) => x.status),
      ["trusted", "invalid"],
    );
    assert.match(doc.results[1].summary.error, /^line 2: unknown client "nobody"/);
  });

  it("bad input: an unreadable list, a --db that cannot be written or is not a monitor database", async () => {
    const missing = await runCli(["monitor", "--targets", join(cliDir, "nope.txt"), "--db", db, "--once"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.txt: no such file/);

    // A path under a regular file: no folder can be made there.
    const blocker = join(cliDir, "a-file");
    writeFileSync(blocker, "x");
    const unwritable = await monitor(["--db", join(blocker, "monitor.db")]);
    assert.equal(unwritable.code, 2);
    assert.match(unwritable.stderr, /^chainproof: --db .*a-file\/monitor\.db: /);
    assert.doesNotMatch(unwritable.stderr, /\n\s+at /, "no stack trace");

    const corrupt = join(cliDir, "corrupt.db");
    writeFileSync(corrupt, Buffer.alloc(8192, 0x5a));
    const c = await monitor(["--db", corrupt]);
    assert.equal(c.code, 2);
    assert.match(c.stderr, /not a chainproof monitor database/);
    const ca = await runCli(["alerts", "--db", corrupt]);
    assert.equal(ca.code, 2);
    assert.match(ca.stderr, /not a chainproof monitor database/);

    const absent = await runCli(["alerts", "--db", join(cliDir, "absent.db")]);
    assert.equal(absent.code, 2);
    assert.match(absent.stderr, /no monitor database there/);
    assert.ok(!existsSync(join(cliDir, "absent.db")), "alerts creates no database");

    const empty = join(cliDir, "empty.txt");
    writeFileSync(empty, "# nothing yet\n\n");
    const e = await runCli(["monitor", "--targets", empty, "--db", db, "--once"]);
    assert.equal(e.code, 2);
    assert.match(e.stderr, /empty\.txt: no targets/);

    const badKeep = await monitor(["--db", db, "--keep", "forever"]);
    assert.equal(badKeep.code, 2);
    assert.match(badKeep.stderr, /--keep "forever": give a duration/);
  });

  it("bad input: a database URL of another kind, a list past its size limit", async () => {
    const url = await monitor(["--db", "mysql://user:secret@db.example/chainproof"]);
    assert.equal(url.code, 2);
    assert.match(url.stderr, /give a file path \(SQLite\) or a postgres:\/\/ URL/);
    assert.doesNotMatch(url.stderr, /secret/, "the password is not printed");
    const big = join(cliDir, "big.txt");
    writeFileSync(big, `${"# padding\n".repeat(500_000)}`);
    const r = await runCli(["monitor", "--targets", big, "--db", db, "--once"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /big\.txt: larger than 4 MiB, the limit for a target list/);
  });

  it("SIGTERM abandons a check in flight: exit 0 at once, no result stored for it", async () => {
    const accepted: net.Socket[] = [];
    const stall = (await import("node:net")).createServer((s) => {
      s.on("error", () => {});
      accepted.push(s);
    });
    await new Promise<void>((resolve) => stall.listen(0, "127.0.0.1", resolve));
    const port = (stall.address() as net.AddressInfo).port;
    const list = join(cliDir, "stall.txt");
    writeFileSync(list, `127.0.0.1:${port} stall.example store=${roots}\n`);
    const stallDb = join(cliDir, "stall.db");
    const child = spawn(
      process.execPath,
      [BIN, "monitor", "--targets", list, "--db", stallDb, "--timeout", "120", "--no-aia"],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let err = "";
    child.stderr.on("data", (b: Buffer) => (err += b));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    try {
      for (let i = 0; i < 300 && accepted.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(accepted.length, 1, `the check connected: ${err}`);
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(timer);
      assert.equal(code, 0, err);
      assert.match(err, /chainproof monitor: stopped/);
      const h = await runCli(["history", `127.0.0.1:${port}`, "--db", stallDb]);
      assert.equal(h.code, 2);
      assert.match(h.stderr, /no results for this target/);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      for (const s of accepted) s.destroy();
      stall.close();
    }
  });

  it("the database goes in $XDG_DATA_HOME/chainproof/monitor.db by default", async () => {
    const xdg = join(cliDir, "xdg");
    const r = await monitor(["--json"], { XDG_DATA_HOME: xdg, CHAINPROOF_HOME: "" });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).db, join(xdg, "chainproof", "monitor.db"));
    assert.ok(existsSync(join(xdg, "chainproof", "monitor.db")));
  });

  it("without --once: checks, prints a JSON line per round, and stops cleanly on SIGTERM", async () => {
    const loopDb = join(cliDir, "loop.db");
    const child = spawn(
      process.execPath,
      [BIN, "monitor", "--targets", targets, "--db", loopDb, "--json", "--no-aia", "--interval", "1h"],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stderr.on("data", (b: Buffer) => (err += b));
    const firstLine = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no round within 30 s: ${err}`)), 30_000);
      child.stdout.on("data", (b: Buffer) => {
        out += b;
        const nl = out.indexOf("\n");
        if (nl >= 0) {
          clearTimeout(timer);
          resolve(out.slice(0, nl));
        }
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    try {
      const round1 = JSON.parse(await firstLine);
      validator()(round1, "a round of the loop");
      assert.equal(round1.results[0].status, "trusted");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(timer);
      assert.equal(code, 0, err);
      assert.match(err, /chainproof monitor: stopped/);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
