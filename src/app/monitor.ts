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
import type { HistoryStore, Retention, StoredAlert, StoredResult } from "../monitor/history.js";
import { type AlertMessage, type AlertSink, alertMessage } from "../monitor/sinks.js";
import { errorSummary, type ResultSummary, summarizeCheck } from "../monitor/summary.js";
import type { InvalidTarget, MonitorTarget, TargetList } from "../monitor/targets.js";
import type { TrustStore } from "../trust/store.js";
import { type CheckOptions, runCheck } from "./check.js";
import { resolveStore } from "./stores.js";

export { defaultMonitorDb, type HistoryStore, openHistory, type Retention } from "../monitor/history.js";
export { type AlertSink, CommandHookSink, JsonLinesSink } from "../monitor/sinks.js";
export { parseTargetList, type TargetList } from "../monitor/targets.js";

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
  const stores = new Map<string, TrustStore | Error>();
  const channels = (o.sinks ?? []).map((s) => s.channel);
  let next = 0;
  const worker = async () => {
    while (next < items.length && !o.signal?.aborted) {
      const item = items[next++];
      const done = await checkItem(o, item, round, now, stores, channels);
      if (!done) continue;
      results.push(done.result);
      alerts.push(...(await deliver(o, done.alerts, now)));
    }
  };
  const n = Math.max(1, Math.min(o.concurrency ?? DEFAULT_MONITOR_CONCURRENCY, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  const counts = { trusted: 0, untrusted: 0, failed: 0, invalid: 0 };
  for (const r of results) counts[r.status]++;
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

/** Hand each alert to every sink, recording each attempt; a failing sink never stops the round. */
export async function deliver(
  o: MonitorOptions,
  alerts: StoredAlert[],
  now: () => Date,
): Promise<RoundAlert[]> {
  const out: RoundAlert[] = [];
  for (const a of alerts) {
    const message = alertMessage(a);
    const deliveries = [];
    for (const sink of o.sinks ?? []) {
      let error: string | null = null;
      try {
        await sink.deliver(message);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      const at = now();
      await o.history.recordDelivery(a.id, sink.channel, error === null, error, at);
      deliveries.push({
        channel: sink.channel,
        state: error === null ? ("delivered" as const) : ("failed" as const),
        attempts: 1,
        lastError: error,
        updatedAt: at.toISOString(),
      });
    }
    out.push({ ...message, deliveries });
  }
  return out;
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
    await sleep(Math.max(1000, Math.min(nextInMs, MAX_SLEEP_MS)), o.signal);
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
