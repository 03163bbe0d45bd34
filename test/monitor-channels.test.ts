/**
 * The monitor's alert channels end to end, a lab endpoint (its intermediate missing: every round a problem
 * for Salesforce) as the target: webhooks to a real receiver on loopback (generic, Slack and Teams payloads,
 * headers), retries from the outbox (500 then 200; a receiver that is down, then back for a later run; a
 * restart resuming retries on their schedule), the guard's time limit and address policy, and e-mail sent by
 * nodemailer to a minimal SMTP receiver. The CLI: `--webhook`, `--smtp`, `alerts --undelivered`, bad input.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { type MonitorOptions, runOutbox, runRound } from "../src/app/monitor.js";
import { writeLabFiles } from "../src/cli/commands/lab.js";
import { type Lab, startLab } from "../src/lab/index.js";
import type { HistoryStore } from "../src/monitor/history.js";
import { MailSink, mailBody } from "../src/monitor/mail.js";
import { backoffMs, DEFAULT_RETRY, nextAttemptAt } from "../src/monitor/retry.js";
import { type AlertMessage, alertMessage } from "../src/monitor/sinks.js";
import { MIGRATIONS, openSqliteHistory } from "../src/monitor/sqlite-history.js";
import { parseTargetList } from "../src/monitor/targets.js";
import { slackPayload, teamsPayload, WebhookSink } from "../src/monitor/webhook.js";
import type { GuardPolicy } from "../src/net/guard.js";
import { BIN, ROOT, runCli } from "./helpers/cli.js";
import { decodeQuotedPrintable, parseMail, startSmtpReceiver } from "./helpers/smtp-server.js";

const LOOPBACK_OK: GuardPolicy = { allowPrivate: true, allowLoopback: true };
const PUBLIC_ONLY: GuardPolicy = {
  allowPrivate: false,
  allowLoopback: false,
  allowHint: "pass --channel-allow-private to send alerts to private and loopback addresses",
};

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A webhook receiver on 127.0.0.1 that records every request; `answer` decides each status (default 200),
 * `null` leaves the request unanswered. `start(port)` listens again on a port it had (the receiver back).
 */
function webhookReceiver() {
  const requests: Received[] = [];
  const sockets = new Set<net.Socket>();
  let answer: (n: number) => number | null = () => 200;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (b: Buffer) => chunks.push(b));
    req.on("end", () => {
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      const status = answer(requests.length);
      if (status === null) return;
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(status === 200 ? "ok" : "receiver says no");
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return {
    requests,
    answerWith(f: (n: number) => number | null) {
      answer = f;
    },
    port: 0,
    async start(port = 0) {
      await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
      this.port = (server.address() as net.AddressInfo).port;
      return this;
    },
    url(path = "/hook") {
      return `http://127.0.0.1:${this.port}${path}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on (just closed). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

let lab: Lab;
let dir: string;
let line: string;
let targetKey: string;
let dbCount = 0;

before(async () => {
  lab = await startLab({ only: ["incomplete"] });
  dir = mkdtempSync(join(tmpdir(), "cp-channels-"));
  const roots = writeLabFiles(lab, dir).roots;
  const ep = lab.endpoints[0];
  line = `127.0.0.1:${ep.port} ${ep.host} store=${roots} label.team=payments\n`;
  targetKey = `127.0.0.1:${ep.port} ${ep.host}`;
});
after(async () => {
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function freshHistory(): Promise<HistoryStore> {
  return openSqliteHistory(join(dir, `app-${++dbCount}.db`), { create: true });
}

/** Options for one round over the lab target in a new database: the first round raises one problem alert. */
function options(history: HistoryStore, extra: Partial<MonitorOptions>): MonitorOptions {
  return { history, list: parseTargetList(line), aia: false, ...extra };
}

describe("webhook payloads", () => {
  it("generic, Slack and Teams: each receiver gets the alert in its shape, with the extra headers", async () => {
    const rx = await webhookReceiver().start();
    const history = await freshHistory();
    try {
      const headers = { authorization: "Bearer s3cret-token" };
      const sinks = (["generic", "slack", "teams"] as const).map(
        (format) => new WebhookSink(rx.url(`/${format}`), { format, headers, policy: LOOPBACK_OK }),
      );
      const r = await runRound(options(history, { sinks }));
      assert.equal(r.results[0].status, "untrusted");
      assert.equal(r.alerts.length, 1);
      const alert = r.alerts[0];
      assert.deepEqual(
        alert.deliveries.map((d) => [d.state, d.attempts, d.nextAttemptAt]),
        [
          ["delivered", 1, null],
          ["delivered", 1, null],
          ["delivered", 1, null],
        ],
      );
      assert.equal(rx.requests.length, 3);
      for (const req of rx.requests) {
        assert.equal(req.method, "POST");
        assert.equal(req.headers["content-type"], "application/json; charset=utf-8");
        assert.equal(req.headers.authorization, "Bearer s3cret-token");
      }
      const body = (path: string) => JSON.parse(rx.requests.find((q) => q.url === path)!.body);

      const generic = body("/generic");
      const { deliveries: _, ...message } = alert;
      assert.deepEqual(generic, message);
      assert.equal(generic.schema, "chainproof/monitor-alert");
      assert.equal(generic.target, targetKey);
      assert.deepEqual(generic.conditions, ["untrusted:salesforce"]);
      assert.deepEqual(generic.labels, { team: "payments" });

      const slack = body("/slack");
      assert.equal(typeof slack.text, "string");
      assert.match(slack.text, /salesforce does not trust the endpoint \(incomplete-chain\)/);
      // A section for the changes only when the alert lists some (a first result's alert lists none).
      assert.deepEqual(
        slack.blocks.map((b: { type: string }) => b.type),
        ["header", "section", ...(alert.changes.length ? ["section"] : []), "context"],
      );
      assert.equal(slack.blocks[0].text.type, "plain_text");
      assert.ok(slack.blocks[0].text.text.length <= 150);
      assert.match(slack.blocks.at(-1).elements[0].text, /team=payments/);

      const teams = body("/teams");
      assert.equal(teams.type, "message");
      assert.equal(teams.attachments.length, 1);
      assert.equal(teams.attachments[0].contentType, "application/vnd.microsoft.card.adaptive");
      const card = teams.attachments[0].content;
      assert.equal(card.type, "AdaptiveCard");
      assert.equal(card.version, "1.4");
      assert.equal(card.body[0].type, "TextBlock");
      assert.equal(card.body[0].color, "Attention");
      const facts = card.body.at(-1);
      assert.equal(facts.type, "FactSet");
      assert.deepEqual(
        facts.facts.map((f: { title: string }) => f.title),
        ["Target", "Kind", "Severity", "Since", "Labels", "Alert"],
      );

      // The header's value and the URL's path are not in the history: channels are named by host and hash.
      const stored = await history.alerts({});
      const text = JSON.stringify(stored);
      assert.doesNotMatch(text, /s3cret/);
      assert.doesNotMatch(text, /\/generic|\/slack|\/teams/);
      assert.match(stored[0].deliveries[0].channel, /^webhook:127\.0\.0\.1:\d+#[0-9a-f]{8}$/);
    } finally {
      await history.close();
      await rx.close();
    }
  });

  it("certificate text reaches chats as text: Slack's <, >, & and markdown escaped", () => {
    const hostile: AlertMessage = {
      schema: "chainproof/monitor-alert",
      version: 1,
      id: 7,
      target: "evil.example:443",
      labels: {},
      kind: "change",
      conditions: [],
      severity: "info",
      title: "evil.example:443: issuer <!channel> <https://evil.example|click> & [more](https://x)",
      message: "CN=<!here> *bold*\n- a list?\n1. a numbered one?",
      since: null,
      createdAt: "2026-12-07T00:00:00.000Z",
      round: 1,
      changes: [],
    };
    const slack = slackPayload(hostile) as {
      text: string;
      blocks: { type: string; text?: { type: string; text: string }; elements?: { text: string }[] }[];
    };
    // Everything Slack reads as mrkdwn is escaped; the header is plain_text, which Slack does not parse.
    const mrkdwn = JSON.stringify([
      slack.text,
      ...slack.blocks.flatMap((b) =>
        b.elements ? b.elements.map((e) => e.text) : b.text?.type === "mrkdwn" ? [b.text.text] : [],
      ),
    ]);
    assert.doesNotMatch(mrkdwn, /<!channel>|<!here>|<https:/);
    assert.match(mrkdwn, /&lt;!channel&gt; &lt;https:\/\/evil\.example\|click&gt; &amp;/);
    assert.match(mrkdwn, /CN=&lt;!here&gt;/);
    assert.equal(slack.blocks[0].type, "header");
    assert.equal(slack.blocks[0].text?.type, "plain_text");
    const teams = teamsPayload(hostile);
    const [title, message] = teams.attachments[0].content.body as { text: string }[];
    assert.equal(message.text, "CN=\\<!here\\> \\*bold\\*\n\\- a list?\n1\\. a numbered one?");
    assert.equal(
      title.text,
      "evil.example:443: issuer \\<!channel\\> \\<https://evil.example\\|click\\> & \\[more\\](https://x)",
    );
  });
});

describe("retries and the outbox", () => {
  it("pure: the backoff doubles from 30 s to its cap; attempts and age end the retries", () => {
    const p = DEFAULT_RETRY;
    assert.deepEqual(
      [1, 2, 3, 4, 7, 8, 11].map((n) => backoffMs(n, p.firstDelayMs, p.maxDelayMs) / 1000),
      [30, 60, 120, 240, 1920, 3600, 3600],
    );
    const t0 = new Date("2030-01-01T00:00:00Z");
    assert.equal(nextAttemptAt(p, 1, t0, t0)?.toISOString(), "2030-01-01T00:00:30.000Z");
    assert.equal(nextAttemptAt(p, 12, t0, t0), null, "the 12th attempt was the last");
    const late = new Date(t0.getTime() + p.maxAgeMs - 10_000);
    assert.equal(nextAttemptAt(p, 2, t0, late), null, "past the alert's maximum age");
  });

  it("a receiver answering 500 then 200: retried within the --once window, then delivered", async () => {
    const rx = await webhookReceiver().start();
    rx.answerWith((n) => (n === 1 ? 500 : 200));
    const history = await freshHistory();
    try {
      const r = await runRound(
        options(history, {
          sinks: [new WebhookSink(rx.url(), { policy: LOOPBACK_OK })],
          onceWindow: { attempts: 3, windowMs: 5000, firstDelayMs: 100 },
        }),
      );
      assert.equal(rx.requests.length, 2);
      assert.equal(JSON.parse(rx.requests[0].body).id, JSON.parse(rx.requests[1].body).id);
      const d = r.alerts[0].deliveries[0];
      assert.equal(d.state, "delivered");
      assert.equal(d.attempts, 2);
      assert.equal(d.nextAttemptAt, null);
      assert.deepEqual(r.outbox, { retried: 1, delivered: 1, gaveUp: 0, waiting: 0, nextAttemptAt: null });
      const stored = (await history.alerts({}))[0].deliveries[0];
      assert.equal(stored.state, "delivered");
      assert.equal(stored.attempts, 2);
      assert.deepEqual(await history.alerts({ undelivered: true }), []);
    } finally {
      await history.close();
      await rx.close();
    }
  });

  it("a restart resumes retries on their schedule: 30 s, then 60 s, then delivered", async () => {
    const port = await closedPort();
    const path = join(dir, "resume.db");
    let clock = new Date("2030-01-01T00:00:00Z");
    const sink = new WebhookSink(`http://127.0.0.1:${port}/hook`, { policy: LOOPBACK_OK, timeoutMs: 2000 });
    const opts = (history: HistoryStore) => options(history, { sinks: [sink], now: () => clock });
    const first = await openSqliteHistory(path, { create: true });
    const r = await runRound(opts(first));
    await first.close();
    const d1 = r.alerts[0].deliveries[0];
    assert.equal(d1.state, "failed");
    assert.match(d1.lastError!, /ECONNREFUSED/);
    assert.equal(d1.nextAttemptAt, "2030-01-01T00:00:30.000Z");
    assert.deepEqual(r.outbox, {
      retried: 0,
      delivered: 0,
      gaveUp: 0,
      waiting: 1,
      nextAttemptAt: "2030-01-01T00:00:30.000Z",
    });

    // The monitor restarts: the outbox is in the database.
    const history = await openSqliteHistory(path, { create: true });
    const rx = webhookReceiver();
    try {
      clock = new Date("2030-01-01T00:00:10Z");
      assert.equal((await runOutbox(opts(history))).retried, 0, "not due yet");
      clock = new Date("2030-01-01T00:00:31Z");
      const second = await runOutbox(opts(history));
      assert.deepEqual(
        [second.retried, second.delivered, second.nextAttemptAt],
        [1, 0, "2030-01-01T00:01:31.000Z"],
      );
      await rx.start(port);
      clock = new Date("2030-01-01T00:01:31Z");
      const third = await runOutbox(opts(history));
      assert.deepEqual([third.retried, third.delivered, third.waiting], [1, 1, 0]);
      assert.equal(rx.requests.length, 1);
      assert.equal(JSON.parse(rx.requests[0].body).id, r.alerts[0].id);
      const stored = (await history.alerts({}))[0].deliveries[0];
      assert.deepEqual([stored.state, stored.attempts, stored.nextAttemptAt], ["delivered", 3, null]);
    } finally {
      await history.close();
      await rx.close();
    }
  });

  it("attempts used up: the delivery is given up, and kept as undelivered", async () => {
    const port = await closedPort();
    const history = await freshHistory();
    try {
      const r = await runRound(
        options(history, {
          sinks: [new WebhookSink(`http://127.0.0.1:${port}/`, { policy: LOOPBACK_OK })],
          retry: { maxAttempts: 2 },
          onceWindow: { attempts: 5, windowMs: 5000, firstDelayMs: 50 },
          // An injected clock that stands still: the window's waits are real time all the same.
          now: () => new Date("2030-01-01T00:00:00Z"),
        }),
      );
      const d = r.alerts[0].deliveries[0];
      assert.deepEqual([d.state, d.attempts, d.nextAttemptAt], ["failed", 2, null]);
      assert.deepEqual(r.outbox, { retried: 1, delivered: 0, gaveUp: 1, waiting: 0, nextAttemptAt: null });
      const kept = await history.alerts({ undelivered: true });
      assert.equal(kept.length, 1);
      assert.match(kept[0].deliveries[0].lastError!, /ECONNREFUSED/);
    } finally {
      await history.close();
    }
  });
});

describe("the outbox in the database", () => {
  it("migration 2: deliveries a version-1 monitor left undelivered are due at once", async () => {
    const { default: Database } = await import("better-sqlite3");
    const path = join(dir, "v1.db");
    const db = new Database(path);
    db.exec(MIGRATIONS[0].sql);
    db.exec("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
    db.prepare("INSERT INTO schema_version VALUES (1, '2026-12-01T00:00:00.000Z')").run();
    db.pragma("application_id = 1129336142");
    db.prepare(
      `INSERT INTO alerts (id, round_id, result_id, target, labels, kind, conditions, severity, title, message,
         since, created_at, changes)
       VALUES (1, 1, 1, 'a.example:443', '{}', 'problem', '["check-failed"]', 'critical', 't', 'm', NULL,
         '2026-12-01T00:00:00.000Z', '[]')`,
    ).run();
    const insert = db.prepare(
      "INSERT INTO alert_deliveries (alert_id, channel, state, attempts, last_error, updated_at) VALUES (1, ?, ?, ?, ?, ?)",
    );
    insert.run("command", "failed", 1, "exited with status 3", "2026-12-01T00:00:05.000Z");
    insert.run("log", "delivered", 1, null, "2026-12-01T00:00:05.000Z");
    db.close();
    const history = await openSqliteHistory(path, { create: true });
    try {
      const pending = await history.pendingDeliveries({ channels: ["command", "log"] });
      assert.deepEqual(
        pending.map((d) => [d.channel, d.attempts, d.nextAttemptAt, d.alert.id]),
        [["command", 1, "2026-12-01T00:00:05.000Z", 1]],
      );
      const [alert] = await history.alerts({ undelivered: true });
      assert.deepEqual(
        alert.deliveries.map((d) => [d.channel, d.state, d.nextAttemptAt]),
        [
          ["command", "failed", "2026-12-01T00:00:05.000Z"],
          ["log", "delivered", null],
        ],
      );
    } finally {
      await history.close();
    }
  });
});

describe("the guard on webhooks", () => {
  it("a receiver that does not answer: the guard's time limit ends the request", async () => {
    const rx = await webhookReceiver().start();
    rx.answerWith(() => null);
    try {
      const sink = new WebhookSink(rx.url(), { policy: LOOPBACK_OK, timeoutMs: 300 });
      const message = alertMessage(await sampleAlert());
      await assert.rejects(
        sink.deliver(message),
        /^Error: webhook:127\.0\.0\.1:\d+#[0-9a-f]{8}: timeout after 0\.\d+ s$/,
      );
      assert.equal(rx.requests.length, 1);
    } finally {
      await rx.close();
    }
  });

  it("a private or loopback address without the allow flag: refused, nothing sent", async () => {
    const rx = await webhookReceiver().start();
    try {
      assert.throws(
        () => new WebhookSink(rx.url(), { policy: PUBLIC_ONLY }),
        /^BlockedAddressError: refused: 127\.0\.0\.1 is a loopback address \(127\.0\.0\.0\/8: loopback, RFC 1122\); pass --channel-allow-private/,
      );
      // A name that resolves to loopback: refused when the alert is sent.
      const sink = new WebhookSink(`http://hooks.example.test:${rx.port}/hook`, {
        policy: PUBLIC_ONLY,
        lookup: async () => [{ address: "127.0.0.1", family: 4 }],
      });
      await assert.rejects(
        sink.deliver(alertMessage(await sampleAlert())),
        /refused: hooks\.example\.test resolves to 127\.0\.0\.1, a loopback address .*pass --channel-allow-private/,
      );
      // And a metadata address behind a name, under the same policy.
      const metadata = new WebhookSink("http://meta.example.test/", {
        policy: PUBLIC_ONLY,
        lookup: async () => [{ address: "169.254.169.254", family: 4 }],
      });
      await assert.rejects(metadata.deliver(alertMessage(await sampleAlert())), /a link-local address/);
      assert.equal(rx.requests.length, 0);
    } finally {
      await rx.close();
    }
  });
});

/** One stored alert from a round over the lab target (no channel). */
async function sampleAlert() {
  const history = await freshHistory();
  try {
    await runRound(options(history, {}));
    return (await history.alerts({}))[0];
  } finally {
    await history.close();
  }
}

describe("e-mail over SMTP", () => {
  it("nodemailer sends the alert to a real SMTP receiver: subject, recipients, a plain-text body", async () => {
    const smtp = await startSmtpReceiver();
    const history = await freshHistory();
    try {
      const sink = new MailSink({
        server: { host: "127.0.0.1", port: smtp.port, secure: false },
        from: "monitor@example.test",
        to: ["ops@example.test", "oncall@example.test"],
        policy: LOOPBACK_OK,
      });
      const r = await runRound(options(history, { sinks: [sink] }));
      const alert = r.alerts[0];
      assert.deepEqual(
        alert.deliveries.map((d) => [d.channel.replace(/#.*/, ""), d.state]),
        [["mail:127.0.0.1", "delivered"]],
      );
      assert.equal(smtp.messages.length, 1);
      const m = smtp.messages[0];
      assert.equal(m.from, "monitor@example.test");
      assert.deepEqual(m.to, ["ops@example.test", "oncall@example.test"]);
      const { headers, body } = parseMail(m.data);
      assert.equal(headers.get("subject"), `[chainproof] critical problem: ${alert.title}`);
      assert.equal(headers.get("to"), "ops@example.test, oncall@example.test");
      assert.match(headers.get("content-type")!, /^text\/plain; charset=utf-8/);
      assert.doesNotMatch(m.data, /text\/html/i);
      assert.equal(headers.get("x-chainproof-alert"), `${alert.id} problem critical`);
      const text =
        headers.get("content-transfer-encoding") === "quoted-printable" ? decodeQuotedPrintable(body) : body;
      assert.equal(text.replace(/\r\n/g, "\n"), mailBody(alert));
      assert.match(text, /salesforce does not trust the endpoint \(incomplete-chain\)/);
      assert.match(text, /Labels: {5}team=payments/);
    } finally {
      await history.close();
      await smtp.close();
    }
  });

  it("a server refusing the recipients: a failed delivery with the server's reply", async () => {
    const smtp = await startSmtpReceiver();
    smtp.rejectRecipients = "550 5.1.1 no such user here";
    try {
      const sink = new MailSink({
        server: { host: "127.0.0.1", port: smtp.port, secure: false },
        from: "monitor@example.test",
        to: ["nobody@example.test"],
        policy: LOOPBACK_OK,
      });
      await assert.rejects(sink.deliver(alertMessage(await sampleAlert())), /550 5\.1\.1 no such user here/);
      assert.equal(smtp.messages.length, 0);
    } finally {
      await smtp.close();
    }
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

describe("chainproof monitor --webhook, --smtp; alerts --undelivered", () => {
  let targets: string;
  before(() => {
    targets = join(dir, "targets.txt");
    writeFileSync(targets, line);
  });
  const monitor = (db: string, extra: string[]) =>
    runCli(["monitor", "--targets", targets, "--db", db, "--once", "--no-aia", ...extra], {
      timeoutMs: 60_000,
    });

  it("a receiver that is down: the alert is kept and shown, and a later run delivers it", async () => {
    const valid = validator();
    const db = join(dir, "cli-down.db");
    const port = await closedPort();
    const hook = `http://127.0.0.1:${port}/hook`;
    const args = [
      "--webhook",
      hook,
      "--channel-allow-private",
      "--once-attempts",
      "2",
      "--once-window",
      "3s",
    ];
    const r1 = await monitor(db, [...args, "--json"]);
    assert.equal(r1.code, 1, r1.stderr);
    const doc1 = JSON.parse(r1.stdout);
    valid(doc1, "round 1");
    const d = doc1.alerts[0].deliveries[0];
    assert.equal(d.state, "failed");
    assert.equal(d.attempts, 2);
    assert.match(d.lastError, /ECONNREFUSED/);
    assert.ok(d.nextAttemptAt, "a next attempt is planned");
    assert.equal(doc1.outbox.waiting, 1);
    assert.equal(doc1.outbox.retried, 1);

    const shown = await runCli(["alerts", "--db", db, "--undelivered"]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /1 alert\(s\)/);
    assert.match(
      shown.stdout,
      /webhook:127\.0\.0\.1:\d+#[0-9a-f]{8}: failed, 2 attempts, next attempt \d{4}-\d\d-\d\dT[\d:.]+Z; last error: .*ECONNREFUSED/,
    );

    const rx = await webhookReceiver().start(port);
    try {
      // The next run: the chain is as broken as before (no new alert), and the kept one goes out.
      const r2 = await monitor(db, args);
      assert.equal(r2.code, 1, r2.stderr);
      assert.match(r2.stdout, /Outbox: 1 retry, 1 delivered/);
      assert.equal(rx.requests.length, 1);
      assert.equal(JSON.parse(rx.requests[0].body).id, doc1.alerts[0].id);
      const none = await runCli(["alerts", "--db", db, "--undelivered", "--json"]);
      assert.deepEqual(JSON.parse(none.stdout).alerts, []);
      const all = await runCli(["alerts", "--db", db]);
      assert.match(all.stdout, /webhook:127\.0\.0\.1:\d+#[0-9a-f]{8}: delivered, 3 attempts\n/);
    } finally {
      await rx.close();
    }
  });

  it("the loop (no --once) retries between rounds: a receiver back a moment later gets the alert", async () => {
    const port = await closedPort();
    const db = join(dir, "cli-loop.db");
    const child = spawn(
      process.execPath,
      [
        BIN,
        "monitor",
        "--targets",
        targets,
        "--db",
        db,
        "--no-aia",
        "--json",
        "--webhook",
        `http://127.0.0.1:${port}/hook`,
        "--channel-allow-private",
        "--retry-after",
        "1s",
        "--retry-max-wait",
        "2s",
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b));
    child.stderr.on("data", (b: Buffer) => (err += b));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const rx = webhookReceiver();
    try {
      const waitFor = async (done: () => boolean, what: string) => {
        for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
        assert.ok(done(), `${what}: ${err}`);
      };
      await waitFor(() => out.includes("\n"), "the first round");
      const round = JSON.parse(out.split("\n")[0]);
      assert.equal(round.alerts[0].deliveries[0].state, "failed");
      assert.equal(round.outbox.waiting, 1);
      await rx.start(port);
      await waitFor(() => rx.requests.length > 0, "the retry");
      assert.equal(JSON.parse(rx.requests[0].body).id, round.alerts[0].id);
      child.kill("SIGTERM");
      assert.equal(await exited, 0, err);
      const none = await runCli(["alerts", "--db", db, "--undelivered", "--json"]);
      assert.deepEqual(JSON.parse(none.stdout).alerts, []);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await rx.close();
    }
  });

  it("--webhook-format slack and --smtp with two --mail-to: both channels deliver", async () => {
    const rx = await webhookReceiver().start();
    const smtp = await startSmtpReceiver();
    try {
      const r = await monitor(join(dir, "cli-both.db"), [
        "--webhook",
        rx.url(),
        "--webhook-format",
        "slack",
        "--webhook-header",
        "X-Token: hush-hush",
        "--smtp",
        `smtp://127.0.0.1:${smtp.port}`,
        "--mail-from",
        "monitor@example.test",
        "--mail-to",
        "a@example.test",
        "--mail-to",
        "b@example.test",
        "--channel-allow-private",
        "--json",
      ]);
      assert.equal(r.code, 1, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.deepEqual(
        doc.alerts[0].deliveries.map((d: { channel: string; state: string }) => [
          d.channel.split(":")[0],
          d.state,
        ]),
        [
          ["webhook", "delivered"],
          ["mail", "delivered"],
        ],
      );
      assert.ok(Array.isArray(JSON.parse(rx.requests[0].body).blocks));
      assert.equal(rx.requests[0].headers["x-token"], "hush-hush");
      assert.deepEqual(smtp.messages[0].to, ["a@example.test", "b@example.test"]);
      assert.doesNotMatch(r.stdout + r.stderr, /hush-hush/);
    } finally {
      await rx.close();
      await smtp.close();
    }
  });

  it("bad input: exit 2 with a specific message", async () => {
    const db = join(dir, "cli-bad.db");
    const cases: [string[], RegExp][] = [
      [["--webhook", "ftp://example.test/x"], /--webhook "ftp:\/\/example\.test\/x": only http and https/],
      [["--webhook", "http://user:pw@example.test/"], /a URL with credentials is refused/],
      [
        ["--webhook", "http://127.0.0.1:9/"],
        /refused: 127\.0\.0\.1 is a loopback address .*--channel-allow-private/,
      ],
      [
        ["--webhook", "https://example.test/", "--webhook-format", "xml"],
        /--webhook-format "xml": give generic, slack, teams/,
      ],
      [
        ["--webhook", "https://example.test/", "--webhook-header", "no colon here"],
        /--webhook-header .*give 'Name: value'/,
      ],
      [["--webhook-format", "slack"], /need a --webhook URL/],
      [["--smtp", "smtp://mail.example.test", "--mail-to", "a@example.test"], /--smtp needs --mail-from/],
      [
        ["--smtp", "smtp://mail.example.test", "--mail-from", "m@example.test"],
        /--smtp needs at least one --mail-to/,
      ],
      [
        ["--smtp", "http://mail.example.test", "--mail-from", "m@x.test", "--mail-to", "a@x.test"],
        /not an SMTP URL/,
      ],
      [["--mail-to", "a@example.test"], /need --smtp URL/],
      [
        [
          "--smtp",
          "smtp://mail.example.test",
          "--mail-from",
          "m@x.test",
          "--mail-to",
          "a\r\nBcc: x@evil.test",
        ],
        /--mail-to .*not an e-mail address/,
      ],
      [["--webhook", "https://example.test/a", "--webhook", "https://example.test/a"], /given twice/],
      [["--retry-attempts", "0"], /--retry-attempts "0": give a number from 1 to 1000/],
      [
        ["--retry-after", "2m", "--retry-max-wait", "1m"],
        /--retry-max-wait 1m is shorter than --retry-after 2m/,
      ],
      [["--once-window", "soon"], /--once-window "soon": give a duration/],
      [["--channel-timeout", "0"], /--channel-timeout "0": give seconds/],
    ];
    const loopOnly = await runCli(["monitor", "--targets", targets, "--db", db, "--once-window", "5s"]);
    assert.equal(loopOnly.code, 2);
    assert.match(loopOnly.stderr, /--once-attempts and --once-window are for --once/);
    for (const [extra, message] of cases) {
      const r = await monitor(db, extra);
      assert.equal(r.code, 2, `${extra.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, extra.join(" "));
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
      assert.doesNotMatch(r.stderr, /\bpw\b/);
    }
  });
});
