/**
 * What the monitor's alert channels cost, on loopback:
 *
 *   npm run build && node dist/bench/monitor-channels.js [--alerts 500]
 *
 * One process: N alerts POSTed one after another to a node:http receiver through the guard (WebhookSink,
 * generic and Slack payloads), N e-mails sent by nodemailer to the tests' SMTP receiver (a new SMTP
 * connection per message, as MailSink sends), and the outbox: N stored alerts whose webhook delivery
 * failed, taken up and delivered by one outbox pass (runOutbox: the query, each alert read back, the POST,
 * the delivery recorded). Prints ms per alert (median of single sends; mean of the pass).
 */

import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type net from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { runOutbox } from "../src/app/monitor.js";
import { MailSink } from "../src/monitor/mail.js";
import type { AlertMessage } from "../src/monitor/sinks.js";
import { openSqliteHistory } from "../src/monitor/sqlite-history.js";
import { errorSummary } from "../src/monitor/summary.js";
import { WebhookSink } from "../src/monitor/webhook.js";
import { startSmtpReceiver } from "../test/helpers/smtp-server.js";

const args = process.argv.slice(2);
const at = args.indexOf("--alerts");
const N = at >= 0 ? Number(args[at + 1]) : 500;
const policy = { allowPrivate: true, allowLoopback: true };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const alert: AlertMessage = {
  schema: "chainproof/monitor-alert",
  version: 1,
  id: 1,
  target: "10.0.0.7:8443 api.example.com",
  labels: { env: "prod" },
  kind: "problem",
  conditions: ["untrusted:salesforce"],
  severity: "critical",
  title: "10.0.0.7:8443 api.example.com: salesforce does not trust the endpoint (incomplete-chain)",
  message: "salesforce does not trust the endpoint (incomplete-chain)",
  since: "2026-12-07T03:14:00.000Z",
  createdAt: "2026-12-07T03:14:00.000Z",
  round: 1,
  changes: [{ kind: "chain-changed", message: "the chain sent changed (2 → 1 certificates): removed #2" }],
};

let received = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    received++;
    res.end("ok");
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook`;
const smtp = await startSmtpReceiver();
const dir = mkdtempSync(join(tmpdir(), "cp-bench-channels-"));

async function timeEach(send: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 20; i++) await send(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await send();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

try {
  console.log(`monitor alert channels (${N} alerts; ${cpus().length} CPUs, loopback)`);
  for (const format of ["generic", "slack"] as const) {
    const sink = new WebhookSink(url, { format, policy });
    const ms = await timeEach(() => sink.deliver(alert));
    console.log(`  ${`webhook (${format}):`.padEnd(25)}${ms.toFixed(2)} ms per alert (median)`);
  }
  const mail = new MailSink({
    server: { host: "127.0.0.1", port: smtp.port, secure: false },
    from: "monitor@example.test",
    to: ["ops@example.test"],
    policy,
  });
  console.log(
    `  e-mail (SMTP):           ${(await timeEach(() => mail.deliver(alert))).toFixed(2)} ms per alert (median)`,
  );

  // The outbox: N stored alerts, each with a failed webhook delivery that is due.
  const history = await openSqliteHistory(join(dir, "outbox.db"), { create: true });
  const sink = new WebhookSink(url, { policy });
  const clock = new Date("2030-01-01T00:00:00Z");
  const round = await history.startRound(clock);
  const { title, message, since, changes, conditions, severity, kind } = alert;
  for (let i = 0; i < N; i++) {
    const { alerts } = await history.record({
      round,
      target: `t${i}.example:443`,
      labels: {},
      summary: errorSummary("failed", "refused", clock),
      changes: [],
      document: null,
      plan: {
        alerts: [{ kind, conditions, severity, title, message, since, changes }],
        upsert: [],
        clear: [],
      },
      channels: [sink.channel],
      at: clock,
    });
    await history.recordDelivery(alerts[0].id, sink.channel, false, "ECONNREFUSED", clock, clock);
  }
  received = 0;
  const t0 = performance.now();
  const box = await runOutbox({
    history,
    list: { targets: [], invalid: [] } as never,
    sinks: [sink],
    now: () => new Date(clock.getTime() + 1000),
  });
  const ms = performance.now() - t0;
  await history.close();
  console.log(
    `  outbox pass:             ${(ms / N).toFixed(2)} ms per alert (${box.delivered} delivered, ${received} received, ${box.waiting} left; ${ms.toFixed(0)} ms in all)`,
  );
} finally {
  server.close();
  await smtp.close();
  rmSync(dir, { recursive: true, force: true });
}
