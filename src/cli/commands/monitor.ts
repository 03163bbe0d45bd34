/**
 * `chainproof monitor --targets FILE [--db PATH] [--interval 1h] [--once] [--json] [--on-alert CMD]`,
 * `chainproof history TARGET [--db PATH] [--json]` and `chainproof alerts [--db PATH] [--json]`: parse the
 * options, call the monitor use case (src/app/monitor.ts), render. docs/monitor.md describes them.
 *
 * monitor --once exits 0 when every target is trusted by its clients, 1 otherwise, 2 on bad input (an
 * unreadable list, a bad line, a bad option, a database that cannot be opened). Without --once it runs until
 * SIGINT or SIGTERM, then exits 0.
 */

import { createWriteStream } from "node:fs";
import { aiaFor } from "../../app/check.js";
import {
  DEFAULT_MONITOR_CONCURRENCY,
  DEFAULT_ONCE_WINDOW,
  DEFAULT_RETRY,
  MailSink,
  type MonitorOptions,
  monitorAlerts,
  monitorHistory,
  type OnceWindow,
  parseSmtpUrl,
  type RetryPolicy,
  type RoundItem,
  type RoundReport,
  resolveTargetKey,
  runMonitor,
  runRound,
  WEBHOOK_FORMATS,
  type WebhookFormat,
  WebhookSink,
} from "../../app/monitor.js";
import { type MonitorMetricsHandle, startMonitorMetrics } from "../../app/monitor-metrics.js";
import {
  DEFAULT_LEASE_SECONDS,
  openMonitorQueue,
  type QueuedMonitorOptions,
  runQueuedRound,
} from "../../app/monitor-queue.js";
import { resolveClients } from "../../clients/index.js";
import { formatDuration, parseDuration } from "../../monitor/duration.js";
import { defaultMonitorDb, type HistoryStore, openHistory, type Retention } from "../../monitor/history.js";
import type { PgHistory } from "../../monitor/pg-history.js";
import { type AlertSink, CommandHookSink, JsonLinesSink } from "../../monitor/sinks.js";
import { MAX_LIST_BYTES, parseTargetList } from "../../monitor/targets.js";
import { DEFAULT_CHANNEL_TIMEOUT_MS, parseWebhookHeaders } from "../../monitor/webhook.js";
import type { GuardPolicy } from "../../net/guard.js";
import { InputError, LimitError } from "../../x509/errors.js";
import { passwordFrom, readInput } from "../io.js";
import { type Style, safeText, styleFor } from "../style.js";
import { parseTimeout } from "./check.js";
import { quietOnClosedPipe } from "./roots.js";

export interface MonitorCliOptions {
  targets?: string;
  db?: string;
  interval?: string;
  once?: boolean;
  json?: boolean;
  onAlert?: string;
  alertLog?: string;
  client?: string;
  store?: string;
  storePasswordEnv?: string;
  timeout?: string;
  concurrency?: string;
  keep?: string;
  remind?: string;
  aia?: boolean;
  allowPrivate?: boolean;
  metricsPort?: string;
  metricsHost?: string;
  webhook?: string[];
  webhookFormat?: string;
  webhookHeader?: string[];
  smtp?: string;
  mailFrom?: string;
  mailTo?: string[];
  channelTimeout?: string;
  channelAllowPrivate?: boolean;
  retryAfter?: string;
  retryMaxWait?: string;
  retryAttempts?: string;
  retryMaxAge?: string;
  onceAttempts?: string;
  onceWindow?: string;
  /** With Postgres: 0 checks in this process instead of through the job queue. */
  workers?: string;
  lease?: string;
  workerWait?: string;
}

const MAX_CONCURRENCY = 256;
const MAX_WEBHOOKS = 16;

/** `--keep 90d` (an age) or `--keep 500` (results per target). */
export function parseRetention(text: string | undefined): Retention | undefined {
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text.trim())) {
    const n = Number(text);
    if (n < 1 || n > 10_000_000)
      throw new InputError(`--keep ${JSON.stringify(text)}: a count from 1 to 10000000`, "usage");
    return { maxResults: n };
  }
  return { maxAgeMs: parseDuration(text, `--keep ${JSON.stringify(text)}`) };
}

function parseConcurrency(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MONITOR_CONCURRENCY;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > MAX_CONCURRENCY)
    throw new InputError(
      `--concurrency ${JSON.stringify(text)}: give a number from 1 to ${MAX_CONCURRENCY}`,
      "usage",
    );
  return n;
}

function parseInterval(text: string | undefined, option: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text, `${option} ${JSON.stringify(text)}`);
  if (ms < min) throw new InputError(`${option} ${JSON.stringify(text)}: at least ${min / 1000}s`, "usage");
  return ms;
}

function parseCount(text: string | undefined, option: string, def: number, max: number): number {
  if (text === undefined) return def;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > max)
    throw new InputError(`${option} ${JSON.stringify(text)}: give a number from 1 to ${max}`, "usage");
  return n;
}

/** --retry-after, --retry-max-wait, --retry-attempts, --retry-max-age (src/monitor/retry.ts). */
export function parseRetry(opts: MonitorCliOptions): RetryPolicy {
  const d = DEFAULT_RETRY;
  const policy = {
    firstDelayMs: parseInterval(opts.retryAfter, "--retry-after", 1000) ?? d.firstDelayMs,
    maxDelayMs: parseInterval(opts.retryMaxWait, "--retry-max-wait", 1000) ?? d.maxDelayMs,
    maxAttempts: parseCount(opts.retryAttempts, "--retry-attempts", d.maxAttempts, 1000),
    maxAgeMs: parseInterval(opts.retryMaxAge, "--retry-max-age", 60_000) ?? d.maxAgeMs,
  };
  if (policy.maxDelayMs < policy.firstDelayMs)
    throw new InputError(
      `--retry-max-wait ${formatDuration(policy.maxDelayMs)} is shorter than --retry-after ${formatDuration(policy.firstDelayMs)}`,
      "usage",
    );
  return policy;
}

/** --once-attempts, --once-window: the retries a `--once` run makes before it leaves the rest. */
export function parseOnceWindow(opts: MonitorCliOptions): OnceWindow | undefined {
  const d = DEFAULT_ONCE_WINDOW;
  if (!opts.once) {
    if (opts.onceAttempts !== undefined || opts.onceWindow !== undefined)
      throw new InputError(
        "--once-attempts and --once-window are for --once (the loop retries on --retry-after's schedule)",
        "usage",
      );
    return undefined;
  }
  const windowMs = parseInterval(opts.onceWindow, "--once-window", 1000) ?? d.windowMs;
  if (windowMs > 600_000)
    throw new InputError(`--once-window ${JSON.stringify(opts.onceWindow)}: at most 10m`, "usage");
  return {
    attempts: parseCount(opts.onceAttempts, "--once-attempts", d.attempts, 20),
    windowMs,
    firstDelayMs: d.firstDelayMs,
  };
}

function webhookFormat(text: string | undefined): WebhookFormat {
  if (text === undefined) return "generic";
  if (!(WEBHOOK_FORMATS as readonly string[]).includes(text))
    throw new InputError(
      `--webhook-format ${JSON.stringify(text)}: give ${WEBHOOK_FORMATS.join(", ")}`,
      "usage",
    );
  return text as WebhookFormat;
}

function channelTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_CHANNEL_TIMEOUT_MS;
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(n > 0) || n > 300)
    throw new InputError(
      `--channel-timeout ${JSON.stringify(text)}: give seconds, more than 0 and at most 300`,
      "usage",
    );
  return Math.round(n * 1000);
}

/** The webhooks and the mail channel, with the guard's policy for them. */
function remoteSinks(opts: MonitorCliOptions): AlertSink[] {
  const policy: GuardPolicy = {
    allowPrivate: opts.channelAllowPrivate === true,
    allowLoopback: opts.channelAllowPrivate === true,
    allowHint: "pass --channel-allow-private to send alerts to private and loopback addresses",
  };
  const timeoutMs = channelTimeout(opts.channelTimeout);
  const sinks: AlertSink[] = [];
  const urls = opts.webhook ?? [];
  if (urls.length > MAX_WEBHOOKS) throw new InputError(`--webhook: at most ${MAX_WEBHOOKS}`, "usage");
  if (!urls.length && (opts.webhookFormat !== undefined || opts.webhookHeader?.length))
    throw new InputError("--webhook-format and --webhook-header need a --webhook URL", "usage");
  const format = webhookFormat(opts.webhookFormat);
  const headers = parseWebhookHeaders(opts.webhookHeader ?? []);
  for (const url of urls) sinks.push(new WebhookSink(url, { format, headers, policy, timeoutMs }));
  if (opts.smtp !== undefined) {
    if (opts.mailFrom === undefined) throw new InputError("--smtp needs --mail-from", "usage");
    sinks.push(
      new MailSink({
        server: parseSmtpUrl(opts.smtp),
        from: opts.mailFrom,
        to: opts.mailTo ?? [],
        policy,
        timeoutMs,
      }),
    );
  } else if (opts.mailFrom !== undefined || opts.mailTo?.length)
    throw new InputError("--mail-from and --mail-to need --smtp URL", "usage");
  return sinks;
}

function sinksFor(opts: MonitorCliOptions): AlertSink[] {
  const sinks: AlertSink[] = [];
  if (opts.onAlert !== undefined) {
    if (!opts.onAlert.trim()) throw new InputError("--on-alert needs a command", "usage");
    sinks.push(new CommandHookSink(opts.onAlert));
  }
  sinks.push(...remoteSinks(opts));
  if (opts.alertLog !== undefined) {
    const out = opts.alertLog === "-" ? process.stdout : createWriteStream(opts.alertLog, { flags: "a" });
    sinks.push(new JsonLinesSink(out));
  }
  const names = sinks.map((s) => s.channel);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new InputError(`the same alert channel is given twice (${twice})`, "usage");
  return sinks;
}

export async function runMonitorCommand(opts: MonitorCliOptions): Promise<number> {
  quietOnClosedPipe();
  if (!opts.targets)
    throw new InputError("--targets FILE is required (the list of endpoints to watch)", "usage");
  if (opts.alertLog === "-" && opts.json)
    throw new InputError(
      "--alert-log - and --json both write to standard output; give --alert-log a file",
      "usage",
    );
  const list = parseTargetList(readList(opts.targets));
  if (!list.targets.length && !list.invalid.length)
    throw new InputError(`${opts.targets}: no targets (one per line: host[:port] [sni] [settings])`, "usage");
  if (opts.client !== undefined) resolveClients(opts.client);
  const settings = {
    clients: opts.client,
    store: opts.store,
    storePassword: opts.storePasswordEnv ? passwordFrom({ passwordEnv: opts.storePasswordEnv }) : undefined,
    intervalMs: parseInterval(opts.interval, "--interval", 10_000),
    reminderMs: parseInterval(opts.remind, "--remind", 60_000),
    timeoutMs: parseTimeout(opts.timeout),
    concurrency: parseConcurrency(opts.concurrency),
    retention: parseRetention(opts.keep),
    aia: aiaFor(opts),
    retry: parseRetry(opts),
    onceWindow: parseOnceWindow(opts),
  };
  const metricsAt = metricsAddress(opts);
  const db = opts.db ?? defaultMonitorDb();
  const queued = parseQueueOptions(opts, db);
  const sinks = sinksFor(opts);
  const history = await openHistory(db, { create: true, connections: settings.concurrency + 1 });
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let o: MonitorOptions = { history, list, sinks, signal: stop.signal, ...definedOnly(settings) };
  let round = runRound;
  const style = styleFor(process.stdout);
  let metrics: MonitorMetricsHandle | undefined;
  try {
    if (metricsAt) {
      metrics = await startMonitorMetrics(history, list, metricsAt);
      process.stderr.write(`chainproof monitor: metrics on ${metrics.url}\n`);
      if (!/^(127\.|::1$|localhost$)/.test(metricsAt.host))
        process.stderr.write(
          "chainproof monitor: warning: /metrics has no authentication and names every target: serve it on a trusted network only\n",
        );
    }
    if (queued) {
      const q = await withQueue(o, db, queued, opts.once === true);
      o = q.options;
      round = q.round;
    }
    if (opts.once) {
      const report = await round(o);
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderRound(report, style));
      if (list.invalid.length) return 2;
      return report.ok ? 0 : 1;
    }
    process.stderr.write(
      `chainproof monitor: watching ${list.targets.length} target${list.targets.length === 1 ? "" : "s"}` +
        `${list.invalid.length ? ` (${list.invalid.length} bad line${list.invalid.length === 1 ? "" : "s"})` : ""}` +
        `, history in ${history.location}; Ctrl-C stops\n`,
    );
    await runMonitor(
      o,
      (report) => {
        metrics?.observeRound(report);
        process.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : renderRound(report, style));
      },
      round,
    );
    process.stderr.write("chainproof monitor: stopped\n");
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await metrics?.close();
    await Promise.all(sinks.map((s) => s.close?.()));
    await (o as Partial<QueuedMonitorOptions>).queue?.stop(0);
    await history.close();
  }
}

/** Where to serve /metrics (`--metrics-port N [--metrics-host ADDR]`), or undefined. */
function metricsAddress(opts: MonitorCliOptions): { host: string; port: number } | undefined {
  if (opts.metricsPort === undefined) {
    if (opts.metricsHost !== undefined) throw new InputError("--metrics-host needs --metrics-port", "usage");
    return undefined;
  }
  const text = opts.metricsPort.trim();
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535)
    throw new InputError(
      `--metrics-port ${JSON.stringify(opts.metricsPort)}: give a port number, 0 to 65535 (0: any free port)`,
      "usage",
    );
  if (opts.once)
    throw new InputError(
      "--metrics-port serves metrics while the monitor runs; --once exits after one round",
      "usage",
    );
  const host = (opts.metricsHost ?? "127.0.0.1").trim();
  if (!host || /[\s/]/.test(host))
    throw new InputError(`--metrics-host ${JSON.stringify(opts.metricsHost)} is not an address`, "usage");
  return { host, port: Number(text) };
}

interface QueueSettings {
  leaseSeconds: number;
  workerWaitMs?: number;
}

/**
 * With a postgres:// --db, the job queue's settings (undefined: rounds run in this process — SQLite, or
 * `--workers 0`). --workers, --lease and --worker-wait mean nothing to SQLite: refused there.
 */
function parseQueueOptions(opts: MonitorCliOptions, db: string): QueueSettings | undefined {
  const pg = /^postgres(ql)?:\/\//i.test(db.trim());
  for (const [value, name] of [
    [opts.workers, "--workers"],
    [opts.lease, "--lease"],
    [opts.workerWait, "--worker-wait"],
  ] as const)
    if (value !== undefined && !pg)
      throw new InputError(
        `${name} needs a PostgreSQL --db (postgres://…): workers share a Postgres job queue`,
        "usage",
      );
  if (!pg) return undefined;
  if (opts.workers !== undefined && opts.workers.trim() !== "0")
    throw new InputError(
      `--workers ${JSON.stringify(opts.workers)}: only 0 (check in this process); workers are \`chainproof worker\` processes`,
      "usage",
    );
  if (opts.workers !== undefined) return undefined;
  const lease = parseInterval(opts.lease, "--lease", 5_000);
  if (lease !== undefined && lease > 3_600_000)
    throw new InputError(`--lease ${JSON.stringify(opts.lease)}: at most 1h`, "usage");
  return {
    leaseSeconds: Math.ceil((lease ?? DEFAULT_LEASE_SECONDS * 1000) / 1000),
    ...definedOnly({ workerWaitMs: parseInterval(opts.workerWait, "--worker-wait", 1_000) }),
  };
}

/** Rounds through the Postgres job queue: the options with the queue, and the round to run. */
async function withQueue(o: MonitorOptions, db: string, q: QueueSettings, once: boolean) {
  const queue = await openMonitorQueue(db.trim(), {
    onError: (e) => process.stderr.write(`chainproof monitor: queue: ${e.message}\n`),
  });
  const options: QueuedMonitorOptions = {
    ...o,
    history: o.history as PgHistory,
    queue,
    leaseSeconds: q.leaseSeconds,
    giveUp: once,
    onWaiting: (message) => process.stderr.write(`chainproof monitor: ${message}\n`),
    ...definedOnly({ workerWaitMs: q.workerWaitMs }),
  };
  const round = (mo: MonitorOptions, due?: readonly RoundItem[]) =>
    runQueuedRound(mo as QueuedMonitorOptions, due);
  return { options: options as MonitorOptions, round };
}

/** The list's text; past the size limit, a message about a target list (not certificate input). */
function readList(file: string): string {
  try {
    return Buffer.from(readInput(file, MAX_LIST_BYTES)).toString("utf8");
  } catch (e) {
    if (e instanceof LimitError)
      throw new LimitError(
        `${file}: larger than ${MAX_LIST_BYTES / 1024 / 1024} MiB, the limit for a target list`,
      );
    throw e;
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const MARK: Record<string, string> = { trusted: "✓", untrusted: "✗", failed: "!", invalid: "?" };

function statusText(status: string, style: Style): string {
  const mark = `${MARK[status] ?? "?"} ${status}`;
  return status === "trusted"
    ? style.green(mark)
    : status === "untrusted"
      ? style.red(mark)
      : style.yellow(mark);
}

export function renderRound(r: RoundReport, style: Style): string {
  const lines = [
    style.bold(
      `Round ${r.round} at ${r.startedAt}: ${r.counts.trusted} trusted, ${r.counts.untrusted} untrusted, ` +
        `${r.counts.failed} failed, ${r.counts.invalid} bad line${r.counts.invalid === 1 ? "" : "s"}` +
        `${r.cancelled ? " (stopped before the end)" : ""}`,
    ),
  ];
  for (const res of r.results) {
    const verdicts = res.summary.clients
      .map((c) => (c.status === "trusted" ? c.client : `${c.client}: ${c.code ?? c.status}`))
      .join(", ");
    lines.push(
      `  ${statusText(res.status, style)}  ${safeText(res.target)}${verdicts ? `  ${safeText(verdicts)}` : ""}`,
    );
    if (res.summary.error) lines.push(`      ${style.dim(safeText(res.summary.error))}`);
    // A failure's text is on the line above already.
    for (const c of res.changes)
      if (c.kind !== "first-result" && c.kind !== "check-failed")
        lines.push(`      ${style.cyan("~")} ${safeText(c.message)}`);
  }
  if (r.alerts.length) lines.push("", style.bold(`Alerts (${r.alerts.length})`));
  for (const a of r.alerts) {
    const delivery = a.deliveries.map((d) => `${d.channel}: ${d.state}`).join(", ");
    lines.push(
      `  #${a.id} ${a.kind} ${a.severity}  ${safeText(a.title)}${delivery ? style.dim(`  [${delivery}]`) : ""}`,
    );
  }
  const box = r.outbox;
  if (box.retried || box.waiting) {
    const parts = [
      ...(box.retried
        ? [`${box.retried} retr${box.retried === 1 ? "y" : "ies"}, ${box.delivered} delivered`]
        : []),
      ...(box.gaveUp ? [`${box.gaveUp} given up (kept)`] : []),
      ...(box.waiting
        ? [
            `${box.waiting} deliver${box.waiting === 1 ? "y" : "ies"} still to make` +
              (box.nextAttemptAt ? `, next attempt ${box.nextAttemptAt}` : "") +
              " (chainproof alerts --undelivered)",
          ]
        : []),
    ];
    lines.push("", `${style.bold("Outbox:")} ${parts.join("; ")}`);
  }
  return `${lines.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------------------
// history and alerts

export interface HistoryCliOptions {
  db?: string;
  json?: boolean;
  limit?: string;
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return 50;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > 100_000)
    throw new InputError(`--limit ${JSON.stringify(text)}: give a number from 1 to 100000`, "usage");
  return n;
}

async function withHistory<T>(db: string | undefined, use: (h: HistoryStore) => Promise<T>): Promise<T> {
  const history = await openHistory(db ?? defaultMonitorDb(), { create: false });
  try {
    return await use(history);
  } finally {
    await history.close();
  }
}

export async function runHistoryCommand(target: string, opts: HistoryCliOptions): Promise<number> {
  quietOnClosedPipe();
  const limit = parseLimit(opts.limit);
  return withHistory(opts.db, async (history) => {
    const { key, candidates } = await resolveTargetKey(history, target.trim());
    if (!key)
      throw new InputError(
        candidates.length
          ? `${target} names several targets: ${candidates.slice(0, 10).join("; ")}`
          : `${target}: no results for this target in ${history.location}`,
        "usage",
      );
    const doc = await monitorHistory(history, key, limit);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      return 0;
    }
    const style = styleFor(process.stdout);
    const lines = [style.bold(`${safeText(key)}: ${doc.results.length} result(s), newest first`)];
    for (const r of doc.results) {
      const verdicts = r.summary.clients.map((c) => `${c.client} ${c.code ?? c.status}`).join(", ");
      const leaf = r.summary.chain[0];
      lines.push(
        `  ${r.checkedAt}  ${statusText(r.status, style)}  ${safeText(verdicts)}` +
          (leaf ? style.dim(`  leaf ${leaf.sha256.slice(0, 12)}… until ${leaf.notAfter}`) : ""),
      );
      if (r.summary.error) lines.push(`      ${style.dim(safeText(r.summary.error))}`);
      for (const c of r.changes)
        if (c.kind !== "first-result" && c.kind !== "check-failed")
          lines.push(`      ${style.cyan("~ changed:")} ${safeText(c.message)}`);
    }
    process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  });
}

export interface AlertsCliOptions {
  db?: string;
  json?: boolean;
  limit?: string;
  target?: string;
  undelivered?: boolean;
}

/** "webhook:h#1a2b3c4d: failed, 3 attempts, next 2026-…; last error: …" */
export function deliveryText(d: {
  channel: string;
  state: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt?: string | null;
}): string {
  const attempts = `${d.attempts} attempt${d.attempts === 1 ? "" : "s"}`;
  const next =
    d.state === "delivered"
      ? ""
      : d.nextAttemptAt
        ? `, next attempt ${d.nextAttemptAt}`
        : d.attempts > 0
          ? ", given up (no more retries)"
          : "";
  return `${d.channel}: ${d.state}, ${attempts}${next}${d.lastError ? `; last error: ${d.lastError}` : ""}`;
}

export async function runAlertsCommand(opts: AlertsCliOptions): Promise<number> {
  quietOnClosedPipe();
  const limit = parseLimit(opts.limit);
  return withHistory(opts.db, async (history) => {
    const doc = await monitorAlerts(history, {
      limit,
      ...(opts.target ? { target: opts.target } : {}),
      ...(opts.undelivered ? { undelivered: true } : {}),
    });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      return 0;
    }
    const style = styleFor(process.stdout);
    const lines = [style.bold(`${doc.alerts.length} alert(s), newest first`)];
    for (const a of doc.alerts) {
      lines.push(`  #${a.id} ${a.createdAt}  ${a.kind} ${a.severity}  ${safeText(a.title)}`);
      for (const d of a.deliveries) lines.push(`      ${style.dim(safeText(deliveryText(d)))}`);
    }
    process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  });
}
