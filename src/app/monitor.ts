/**
 * The monitor use case: check a list of targets round after round, store every result, compare it with the
 * target's previous one, and raise alerts on transitions (src/monitor: the list, summaries, changes, alert
 * states, the history store and the alert sinks). `runRound` checks the given targets once; `runMonitor`
 * repeats, checking each target when its interval has passed, until its signal aborts. `chainproof monitor`
 * is its face; `monitorHistory` and `monitorAlerts` read what it stored.
 */

import { type ClientId, resolveClients } from "../clients/index.js";
import { conditionsOf, DEFAULT_REMINDER_MS, planAlerts } from "../monitor/alerts.js";
import { type Change, detectChanges } from "../monitor/changes.js";
import type {
  AlertDelivery,
  HistoryStore,
  PendingDelivery,
  Retention,
  StoredAlert,
  StoredResult,
} from "../monitor/history.js";
import { DEFAULT_RETRY, nextAttemptAt, type OnceWindow, type RetryPolicy } from "../monitor/retry.js";
import { type AlertMessage, type AlertSink, alertMessage } from "../monitor/sinks.js";
import { errorSummary, type ResultSummary, summarizeCheck } from "../monitor/summary.js";
import type { InvalidTarget, MonitorTarget, TargetList } from "../monitor/targets.js";
import type { TrustStore } from "../trust/store.js";
import { type CheckOptions, runCheck } from "./check.js";
import { resolveStore } from "./stores.js";

export { defaultMonitorDb, type HistoryStore, openHistory, type Retention } from "../monitor/history.js";
export { MailSink, parseSmtpUrl } from "../monitor/mail.js";
export { DEFAULT_ONCE_WINDOW, DEFAULT_RETRY, type OnceWindow, type RetryPolicy } from "../monitor/retry.js";
export { type AlertSink, CommandHookSink, JsonLinesSink } from "../monitor/sinks.js";
export { parseTargetList, type TargetList } from "../monitor/targets.js";
export { WEBHOOK_FORMATS, type WebhookFormat, WebhookSink } from "../monitor/webhook.js";

export const MONITOR_ROUND_SCHEMA = "chainproof/monitor-round";
export const MONITOR_ROUND_VERSION = 1;

export const DEFAULT_INTERVAL_MS = 3_600_000;
export const DEFAULT_MONITOR_CONCURRENCY = 16;

export interface MonitorOptions {
  history: HistoryStore;
  list: TargetList;
  sinks?: readonly AlertSink[];
  /** Clients for targets whose line names none (a spec as `--client` takes; default Salesforce). */
  clients?: string;
  /** Trust store for targets whose line names none (a spec as `--store` takes; default each client's own). */
  store?: string;
  storePassword?: string;
  /** Check interval for targets whose line gives none (default 1 h). */
  intervalMs?: number;
  /** Per connection (default 10 s). */
  timeoutMs?: number;
  /** Targets checked at once (default 16). */
  concurrency?: number;
  /** Time between reminders of a condition that stays (default 24 h). */
  reminderMs?: number;
  /** Results past this are removed after each round (default: all kept). */
  retention?: Retention;
  /** The clock: each check runs (and judges expiry) at its time. Default: the system clock. */
  now?: () => Date;
  /** AIA fetching as `check` does it (default: public addresses only). */
  aia?: CheckOptions["aia"];
  /** Engine options a face or a test sets (distrust rules, preloaded intermediates). */
  engine?: CheckOptions["engine"];
  /** Aborting abandons the checks in flight (their results are not stored) and starts no other. */
  signal?: AbortSignal;
  /** When a failed delivery is tried again, and when it is given up (default DEFAULT_RETRY). */
  retry?: Partial<RetryPolicy>;
  /**
   * A run that ends after its round (`--once`): after the checks, every undelivered delivery (this
   * round's and earlier ones') is tried within this window, and what is still undelivered is left to the
   * next run. Without it (the loop), a failed delivery waits for its next attempt time.
   */
  onceWindow?: OnceWindow;
}

export interface RoundResult {
  target: string;
  line: number;
  labels: Record<string, string>;
  clients: string[];
  status: ResultSummary["status"];
  resultId: number;
  ms: number;
  summary: ResultSummary;
  changes: Change[];
}

export type RoundAlert = AlertMessage & { deliveries: StoredAlert["deliveries"] };

/** What the outbox did in a round (or between rounds), and what it has left. */
export interface OutboxReport {
  /** Retries made (first attempts of this round's alerts are not counted). */
  retried: number;
  /** Deliveries those retries made. */
  delivered: number;
  /** Deliveries given up in this pass (their attempts or age used up): kept, shown as undelivered. */
  gaveUp: number;
  /** Deliveries still to make on the configured channels: the next run or pass tries them. */
  waiting: number;
  /** The earliest next attempt of those, or null. */
  nextAttemptAt: string | null;
}

export interface RoundReport {
  schema: typeof MONITOR_ROUND_SCHEMA;
  version: typeof MONITOR_ROUND_VERSION;
  round: number;
  startedAt: string;
  finishedAt: string;
  db: string;
  /** Every target of the round trusted by its clients (and no bad line). */
  ok: boolean;
  /** The round was stopped: some targets were not checked. */
  cancelled: boolean;
  counts: Record<ResultSummary["status"], number>;
  results: RoundResult[];
  alerts: RoundAlert[];
  /** Retries of undelivered alerts (this round's and earlier ones'), and what is left for later. */
  outbox: OutboxReport;
}

/** One line of the list: a target to check, or a bad line (its error is its result). */
export type RoundItem =
  | { kind: "target"; target: MonitorTarget }
  | { kind: "invalid"; invalid: InvalidTarget };

/** Check `only` (default: every target and bad line of the list) once, store and alert. */
export async function runRound(o: MonitorOptions, only?: readonly RoundItem[]): Promise<RoundReport> {
  const now = o.now ?? (() => new Date());
  const items = only ?? allItems(o.list);
  const started = now();
  const round = await o.history.startRound(started);
  const results: RoundResult[] = [];
  const alerts: RoundAlert[] = [];
  const tried: TriedMap = new Map();
  const stores = new Map<string, TrustStore | Error>();
  const channels = (o.sinks ?? []).map((s) => s.channel);
  let next = 0;
  const worker = async () => {
    while (next < items.length && !o.signal?.aborted) {
      const item = items[next++];
      const done = await checkItem(o, item, round, now, stores, channels);
      if (!done) continue;
      results.push(done.result);
      alerts.push(...(await deliver(o, done.alerts, now, tried)));
    }
  };
  const n = Math.max(1, Math.min(o.concurrency ?? DEFAULT_MONITOR_CONCURRENCY, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  const counts = { trusted: 0, untrusted: 0, failed: 0, invalid: 0 };
  for (const r of results) counts[r.status]++;
  const outbox = await runOutbox(o, { tried, shown: new Map(alerts.map((a) => [a.id, a])) });
  const finished = now();
  await o.history.finishRound(round, finished, counts);
  if (o.retention) await o.history.prune(o.retention, finished);
  const order = new Map(items.map((it, i) => [keyOf(it), i]));
  results.sort((a, b) => (order.get(a.target) ?? 0) - (order.get(b.target) ?? 0));
  return {
    schema: MONITOR_ROUND_SCHEMA,
    version: MONITOR_ROUND_VERSION,
    round,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    db: o.history.location,
    ok: results.length === items.length && results.every((r) => r.status === "trusted"),
    cancelled: results.length < items.length,
    counts,
    results,
    alerts: alerts.sort((a, b) => a.id - b.id),
    outbox,
  };
}

export function allItems(list: TargetList): RoundItem[] {
  return [
    ...list.targets.map((target): RoundItem => ({ kind: "target", target })),
    ...list.invalid.map((invalid): RoundItem => ({ kind: "invalid", invalid })),
  ];
}

export function keyOf(item: RoundItem): string {
  return item.kind === "target" ? item.target.key : item.invalid.key;
}

/**
 * Check one item and store its result (with a pending delivery per channel for each alert); undefined when
 * the round was stopped during its check.
 */
export async function checkItem(
  o: MonitorOptions,
  item: RoundItem,
  round: number,
  now: () => Date,
  stores: Map<string, TrustStore | Error>,
  channels: readonly string[],
): Promise<{ result: RoundResult; alerts: StoredAlert[] } | undefined> {
  const at = now();
  const t0 = performance.now();
  const judged = await judge(o, item, at, stores);
  if (!judged) return undefined;
  const { summary, document, clients } = judged;
  const key = keyOf(item);
  const labels = item.kind === "target" ? item.target.labels : {};
  const prev = await o.history.lastResult(key);
  const changes = detectChanges(prev?.summary, summary);
  const states = await o.history.alertStates(key);
  const reminderMs = o.reminderMs ?? DEFAULT_REMINDER_MS;
  const plan = planAlerts(key, states, conditionsOf(summary), changes, at, reminderMs);
  const stored = await o.history.record({
    round,
    target: key,
    labels,
    summary,
    changes,
    document,
    plan,
    channels,
    at,
  });
  return {
    result: {
      target: key,
      line: item.kind === "target" ? item.target.line : item.invalid.line,
      labels,
      clients,
      status: summary.status,
      resultId: stored.result.id,
      ms: Math.round(performance.now() - t0),
      summary,
      changes,
    },
    alerts: stored.alerts,
  };
}

/**
 * The summary (and check document) of one item at `at`: a bad line's error, a store that does not load, a
 * check that threw, or the check's verdicts. Undefined when the round was stopped during the check.
 */
async function judge(
  o: MonitorOptions,
  item: RoundItem,
  at: Date,
  stores: Map<string, TrustStore | Error>,
): Promise<{ summary: ResultSummary; document: unknown | null; clients: ClientId[] } | undefined> {
  if (item.kind === "invalid")
    return { summary: errorSummary("invalid", item.invalid.error, at), document: null, clients: [] };
  const t = item.target;
  const clients = resolveClients(t.clients?.join(",") ?? o.clients);
  const store = storeFor(o, t.store ?? o.store, stores, at);
  if (store instanceof Error) {
    const summary = errorSummary("invalid", `line ${t.line}: ${store.message}`, at, clients);
    return { summary, document: null, clients };
  }
  try {
    const run = await runCheck({
      target: { host: t.host, port: t.port, ...(t.servername ? { servername: t.servername } : {}) },
      clients,
      ...(store ? { store } : {}),
      timeoutMs: o.timeoutMs ?? 10_000,
      time: at,
      ...(o.aia !== undefined ? { aia: o.aia } : {}),
      ...(o.engine ? { engine: o.engine } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    if (o.signal?.aborted && run.report.handshake.failure?.kind === "cancelled") return undefined;
    return { summary: summarizeCheck(run.document, at), document: run.document, clients };
  } catch (e) {
    if (o.signal?.aborted) return undefined;
    const why = `chainproof could not check this target: ${(e as Error).message}`;
    return { summary: errorSummary("failed", why, at, clients), document: null, clients };
  }
}

/** A store spec resolved once per round (an Error when it does not load: that target's result). */
function storeFor(
  o: MonitorOptions,
  spec: string | undefined,
  cache: Map<string, TrustStore | Error>,
  time: Date,
): TrustStore | Error | undefined {
  if (spec === undefined) return undefined;
  let s = cache.get(spec);
  if (!s) {
    try {
      s = resolveStore(spec, { password: o.storePassword, time });
    } catch (e) {
      s = e instanceof Error ? e : new Error(String(e));
    }
    cache.set(spec, s);
  }
  return s;
}

/** This run's attempts per delivery ("alertId channel"): how many, and when the last was (performance.now()). */
type TriedMap = Map<string, { count: number; lastAt: number }>;

function retryPolicy(o: MonitorOptions): RetryPolicy {
  return { ...DEFAULT_RETRY, ...o.retry };
}

/**
 * One attempt on one channel, recorded with its next attempt time when it failed (or none: given up).
 * Never throws for the sink's failure.
 */
async function attempt(
  o: MonitorOptions,
  sink: AlertSink,
  alert: StoredAlert,
  attemptsBefore: number,
  now: () => Date,
): Promise<AlertDelivery> {
  let error: string | null = null;
  try {
    await sink.deliver(alertMessage(alert));
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const at = now();
  const attempts = attemptsBefore + 1;
  const next = error === null ? null : nextAttemptAt(retryPolicy(o), attempts, new Date(alert.createdAt), at);
  await o.history.recordDelivery(alert.id, sink.channel, error === null, error, at, next);
  return {
    channel: sink.channel,
    state: error === null ? "delivered" : "failed",
    attempts,
    lastError: error,
    updatedAt: at.toISOString(),
    nextAttemptAt: next?.toISOString() ?? null,
  };
}

/**
 * Hand each new alert to every sink once, recording each attempt; a failing sink never stops the round. The
 * queue's scheduler calls it too, after a round's results came from workers.
 */
export async function deliver(
  o: MonitorOptions,
  alerts: StoredAlert[],
  now: () => Date,
  tried: TriedMap = new Map(),
): Promise<RoundAlert[]> {
  const out: RoundAlert[] = [];
  for (const a of alerts) {
    const deliveries: AlertDelivery[] = [];
    for (const sink of o.sinks ?? []) {
      deliveries.push(await attempt(o, sink, a, 0, now));
      tried.set(`${a.id} ${sink.channel}`, { count: 1, lastAt: performance.now() });
    }
    out.push({ ...alertMessage(a), deliveries });
  }
  return out;
}

/** The most deliveries one outbox pass takes up (the rest wait for the next pass). */
const OUTBOX_BATCH = 1000;

/**
 * The outbox: try again the deliveries still to make on the configured channels. In the loop, one pass
 * over those due now. With `onceWindow`, every one of them, at once and then after 1 s, 2 s, … until each
 * has had the window's attempts in this run or the window is over. `shown` holds the alerts a round
 * reports, whose deliveries are updated in place.
 */
export async function runOutbox(
  o: MonitorOptions,
  run: { tried?: TriedMap; shown?: Map<number, RoundAlert> } = {},
): Promise<OutboxReport> {
  const now = o.now ?? (() => new Date());
  const sinks = new Map((o.sinks ?? []).map((s) => [s.channel, s]));
  const channels = [...sinks.keys()];
  const report: OutboxReport = { retried: 0, delivered: 0, gaveUp: 0, waiting: 0, nextAttemptAt: null };
  if (!channels.length) return report;
  const tried: TriedMap = run.tried ?? new Map();
  const w = o.onceWindow;
  // The window is real time (performance.now()), whatever clock o.now injects: it is time this run waits.
  const deadline = performance.now() + (w?.windowMs ?? 0);
  // When this run may try a delivery again: at once if it has not yet, else after its in-run backoff.
  const dueInRun = (d: PendingDelivery): number | undefined => {
    const t = tried.get(`${d.alert.id} ${d.channel}`);
    if (!t) return 0;
    if (!w || t.count >= w.attempts) return undefined;
    return t.lastAt + w.firstDelayMs * 2 ** (t.count - 1);
  };
  for (;;) {
    if (o.signal?.aborted) break;
    const pending = await o.history.pendingDeliveries(
      w ? { channels, limit: OUTBOX_BATCH } : { channels, dueBy: now(), limit: OUTBOX_BATCH },
    );
    const t = performance.now();
    const times = pending.map(dueInRun);
    let made = 0;
    for (const [i, d] of pending.entries()) {
      const due = times[i];
      if (due === undefined || due > t || o.signal?.aborted) continue;
      const done = await attempt(o, sinks.get(d.channel)!, d.alert, d.attempts, now);
      const key = `${d.alert.id} ${d.channel}`;
      tried.set(key, { count: (tried.get(key)?.count ?? 0) + 1, lastAt: performance.now() });
      report.retried++;
      made++;
      if (done.state === "delivered") report.delivered++;
      else if (done.nextAttemptAt === null) report.gaveUp++;
      const shown = run.shown?.get(d.alert.id);
      if (shown) shown.deliveries = shown.deliveries.map((x) => (x.channel === done.channel ? done : x));
    }
    if (!w) break;
    if (made) continue;
    // Nothing due now: wait for the next in-run attempt, if the window has room for it.
    const next = Math.min(...times.filter((x): x is number => x !== undefined));
    if (!Number.isFinite(next) || next > deadline) break;
    await sleep(Math.max(0, next - t), o.signal);
  }
  // Counted up to a limit: past it, "waiting" says at least that many.
  const left = await o.history.pendingDeliveries({ channels, limit: 10_000 });
  report.waiting = left.length;
  report.nextAttemptAt = left[0]?.nextAttemptAt ?? null;
  return report;
}

/** How long a target waits between checks. */
function intervalOf(o: MonitorOptions, item: RoundItem): number {
  return (item.kind === "target" ? item.target.intervalMs : undefined) ?? o.intervalMs ?? DEFAULT_INTERVAL_MS;
}

/** Items due this soon are checked now, with the others (a timer is not exact to the millisecond). */
const DUE_SLACK_MS = 1000;

/** The items due at `now`, and how long until the next one is due after those run (ms). */
export async function dueItems(
  o: MonitorOptions,
  now: Date,
): Promise<{ due: RoundItem[]; nextInMs: number }> {
  const last = await o.history.lastRoundStarts();
  const due: RoundItem[] = [];
  let nextInMs = Number.POSITIVE_INFINITY;
  for (const item of allItems(o.list)) {
    const interval = intervalOf(o, item);
    const at = last.get(keyOf(item));
    const wait = at === undefined ? 0 : Date.parse(at) + interval - now.getTime();
    if (wait <= DUE_SLACK_MS) {
      due.push(item);
      nextInMs = Math.min(nextInMs, interval);
    } else nextInMs = Math.min(nextInMs, wait);
  }
  return { due, nextInMs };
}

/** The longest the loop sleeps before looking again (so a changed clock is noticed). */
const MAX_SLEEP_MS = 60_000;

/**
 * Check each target when due until `o.signal` aborts; `onRound` receives each round's report. Returns once
 * the round in flight (if any) has stopped. `round` runs a round: in this process (runRound), or through
 * the job queue (./monitor-queue.ts).
 */
export async function runMonitor(
  o: MonitorOptions,
  onRound: (r: RoundReport) => void | Promise<void>,
  round: (o: MonitorOptions, due: readonly RoundItem[]) => Promise<RoundReport> = runRound,
): Promise<void> {
  const now = o.now ?? (() => new Date());
  while (!o.signal?.aborted) {
    const { due, nextInMs } = await dueItems(o, now());
    if (due.length) {
      const report = await round(o, due);
      if (report.results.length) await onRound(report);
      continue;
    }
    // Between rounds: the retries that are due, then sleep until the next check or retry.
    const box = await runOutbox(o);
    const retryInMs = box.nextAttemptAt ? Date.parse(box.nextAttemptAt) - now().getTime() : Infinity;
    await sleep(Math.max(1000, Math.min(nextInMs, retryInMs, MAX_SLEEP_MS)), o.signal);
  }
}

export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Reading the history

export const MONITOR_HISTORY_SCHEMA = "chainproof/monitor-history";
export const MONITOR_ALERTS_SCHEMA = "chainproof/monitor-alerts";

/**
 * The stored key a user's TARGET names: the key itself, else the one key starting with `TARGET:` or
 * `TARGET ` (a host without its port, a host:port without its SNI) or ending with ` TARGET` (the SNI name
 * alone). Undefined when none or several match.
 */
export async function resolveTargetKey(
  history: HistoryStore,
  target: string,
): Promise<{ key?: string; candidates: string[] }> {
  const keys = (await history.targets()).map((t) => t.target);
  if (keys.includes(target)) return { key: target, candidates: [target] };
  const candidates = keys.filter(
    (k) => k.startsWith(`${target}:`) || k.startsWith(`${target} `) || k.endsWith(` ${target}`),
  );
  return candidates.length === 1 ? { key: candidates[0], candidates } : { candidates };
}

export async function monitorHistory(history: HistoryStore, key: string, limit = 100) {
  const results: StoredResult[] = await history.history(key, { limit });
  return {
    schema: MONITOR_HISTORY_SCHEMA,
    version: 1,
    target: key,
    db: history.location,
    results: results.map((r) => ({
      id: r.id,
      round: r.round,
      checkedAt: r.checkedAt,
      status: r.status,
      labels: r.labels,
      summary: r.summary,
      changes: r.changes,
    })),
  };
}

export async function monitorAlerts(
  history: HistoryStore,
  o: { target?: string; limit?: number; undelivered?: boolean } = {},
) {
  const alerts = await history.alerts(o);
  return {
    schema: MONITOR_ALERTS_SCHEMA,
    version: 1,
    db: history.location,
    alerts: alerts.map((a) => ({ ...alertMessage(a), deliveries: a.deliveries })),
  };
}
