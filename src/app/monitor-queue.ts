/**
 * The monitor at scale, on PostgreSQL: the scheduler (`chainproof monitor --db postgres://…`) enqueues each
 * due target of a round as one job of a Postgres job queue (pg-boss, src/monitor/pg-queue.ts); workers
 * (`chainproof worker --db postgres://…`, as many processes on as many machines as the user starts) take
 * jobs, check, and store the results; the scheduler waits until the round has a result for every target,
 * then closes the round and hands its alerts to its channels.
 *
 * Exactly one stored result per (target, round): a job's id is derived from the pair, and the history's
 * unique key refuses a second result, so a job that comes back after its worker died (its lease passed)
 * either stores the result its first attempt never stored, or finds it stored and completes.
 *
 * Alerts are planned and stored by the worker that stores the result (with a pending delivery for each of
 * the scheduler's channels, which the job names); the scheduler delivers them when the round is complete,
 * so channels (a command hook, a log file) live where the scheduler runs.
 */

import type { StoredResult } from "../monitor/history.js";
import { DuplicateResultError, isConnectionLost, type PgHistory } from "../monitor/pg-history.js";
import { type CheckQueue, openCheckQueue } from "../monitor/pg-queue.js";
import type { TrustStore } from "../trust/store.js";
import { InputError } from "../x509/errors.js";
import type { CheckOptions } from "./check.js";
import {
  allItems,
  checkItem,
  deliver,
  keyOf,
  MONITOR_ROUND_SCHEMA,
  MONITOR_ROUND_VERSION,
  type MonitorOptions,
  type RoundItem,
  type RoundReport,
  type RoundResult,
  runOutbox,
  sleep,
} from "./monitor.js";

/** What a job carries: the target (its line, as parsed) and the scheduler's settings for it. */
export interface CheckJobData {
  v: 1;
  round: number;
  item: RoundItem;
  clients?: string;
  store?: string;
  timeoutMs?: number;
  reminderMs?: number;
  aia?: CheckOptions["aia"];
  /** The scheduler's alert channels: each alert gets a pending delivery on each. */
  channels: string[];
  leaseSeconds: number;
}

/** What a worker returns for a job (kept as the job's output; the round report's `ms`). */
export interface CheckJobOutput {
  ms: number;
  /** The round had this target's result already (the job came back after its worker died). */
  alreadyStored?: boolean;
}

export const DEFAULT_LEASE_SECONDS = 30;
/** How long a round may go without a new result before the scheduler says no worker seems to be running. */
export const DEFAULT_WORKER_WAIT_MS = 30_000;

export interface QueuedMonitorOptions extends MonitorOptions {
  history: PgHistory;
  queue: CheckQueue<CheckJobData>;
  /** A job not finished this long after a worker took it is taken back (and retried). */
  leaseSeconds?: number;
  /** No new result for this long: `giveUp` ends the round with NoWorkersError, else `onWaiting` is told. */
  workerWaitMs?: number;
  giveUp?: boolean;
  onWaiting?: (message: string) => void;
}

/** The round could not complete: no worker stored a result for `workerWaitMs`. */
export class NoWorkersError extends InputError {
  constructor(message: string) {
    super(message, "no-workers");
    this.name = "NoWorkersError";
  }
}

/** The queue of check jobs in the database at `url` (a postgres:// URL; pg-boss is loaded now). */
export function openMonitorQueue(
  url: string,
  o: { onError?: (e: Error) => void } = {},
): Promise<CheckQueue<CheckJobData>> {
  return openCheckQueue<CheckJobData>(url, o);
}

/** How often the scheduler looks at the round's results while it waits. */
const POLL_MS = 250;

/**
 * One round through the queue: bad lines are stored here (there is nothing to check), the targets are
 * enqueued; returns when every item has its result (or the signal aborted: `cancelled`, the jobs left are
 * cancelled), with the round's alerts delivered.
 */
export async function runQueuedRound(
  o: QueuedMonitorOptions,
  only?: readonly RoundItem[],
): Promise<RoundReport> {
  const now = o.now ?? (() => new Date());
  const items = only ?? allItems(o.list);
  const started = now();
  const round = await again(o, () => o.history.startRound(started));
  const channels = (o.sinks ?? []).map((s) => s.channel);
  for (const item of items)
    if (item.kind === "invalid") await checkItem(o, item, round, now, new Map(), channels);
  const targets = items.filter((i) => i.kind === "target");
  const leaseSeconds = o.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  const ids = await again(o, () =>
    o.queue.enqueue(
      round,
      targets.map((item) => ({ target: keyOf(item), data: jobData(o, round, item, channels, leaseSeconds) })),
      leaseSeconds,
    ),
  );
  const complete = await waitForResults(o, round, items.length, ids);
  if (!complete) await o.queue.cancel(ids);
  const stored = await again(o, () => o.history.roundResults(round));
  const counts = { trusted: 0, untrusted: 0, failed: 0, invalid: 0 };
  for (const r of stored) counts[r.status]++;
  const finished = now();
  await again(o, () => o.history.finishRound(round, finished, counts));
  const retention = o.retention;
  if (retention) await again(o, () => o.history.prune(retention, finished));
  const outputs = await again(o, () => o.queue.outputs(ids));
  const results = reportResults(items, stored, (key) => {
    const out = outputs.get(idByKey(targets, ids).get(key) ?? "") as CheckJobOutput | undefined;
    return out?.ms ?? 0;
  });
  // Workers store the alerts as pending for this scheduler's channels; it delivers them, then retries what
  // is due in the outbox, as a round in one process does.
  const tried = new Map();
  const alerts = await deliver(o, await again(o, () => o.history.roundAlerts(round)), now, tried);
  const outbox = await runOutbox(o, { tried, shown: new Map(alerts.map((a) => [a.id, a])) });
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

/**
 * A step of the scheduler's, tried again with backoff while the database is away (a restart), for up to
 * workerWaitMs. Every step is safe to repeat: a round started twice is an empty round, a job enqueued twice
 * is one job, the others read or overwrite.
 */
async function again<T>(o: QueuedMonitorOptions, step: () => Promise<T>): Promise<T> {
  const end = Date.now() + (o.workerWaitMs ?? DEFAULT_WORKER_WAIT_MS);
  for (let attempt = 0; ; attempt++) {
    try {
      return await step();
    } catch (e) {
      const wait = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
      if (!isConnectionLost(e) || Date.now() + wait > end) throw e;
      o.onWaiting?.(`the database: ${(e as Error).message}; again in ${wait} ms`);
      await sleep(wait, undefined);
    }
  }
}

function jobData(
  o: QueuedMonitorOptions,
  round: number,
  item: RoundItem,
  channels: string[],
  leaseSeconds: number,
): CheckJobData {
  return {
    v: 1,
    round,
    item,
    channels,
    leaseSeconds,
    ...(o.clients !== undefined ? { clients: o.clients } : {}),
    ...(o.store !== undefined ? { store: o.store } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.reminderMs !== undefined ? { reminderMs: o.reminderMs } : {}),
    ...(o.aia !== undefined ? { aia: o.aia } : {}),
  };
}

function idByKey(targets: readonly RoundItem[], ids: readonly string[]): Map<string, string> {
  return new Map(targets.map((t, i) => [keyOf(t), ids[i]]));
}

/**
 * Wait until the round has `expected` results: true, or false when the signal aborted. Without progress for
 * workerWaitMs, gives up (NoWorkersError) or tells onWaiting and goes on waiting.
 */
async function waitForResults(
  o: QueuedMonitorOptions,
  round: number,
  expected: number,
  ids: readonly string[],
): Promise<boolean> {
  const waitMs = o.workerWaitMs ?? DEFAULT_WORKER_WAIT_MS;
  let seen = -1;
  let lastProgress = Date.now();
  while (!o.signal?.aborted) {
    let n: number;
    try {
      n = await o.history.countResults(round);
    } catch (e) {
      // The database went away (a restart): look again; past workerWaitMs without progress, give up.
      if (!isConnectionLost(e) || Date.now() - lastProgress >= waitMs) throw e;
      await sleep(1000, o.signal);
      continue;
    }
    if (n >= expected) return true;
    if (n !== seen) {
      seen = n;
      lastProgress = Date.now();
    } else if (Date.now() - lastProgress >= waitMs) {
      const states = await o.queue.states(ids);
      const message =
        `round ${round}: ${n} of ${expected} results after ${Math.round(waitMs / 1000)}s without a new one ` +
        `(jobs: ${describeStates(states)}); is a worker running? Start \`chainproof worker --db …\`, ` +
        "or give --workers 0 to check in this process";
      if (o.giveUp) {
        await o.queue.cancel(ids);
        throw new NoWorkersError(message);
      }
      o.onWaiting?.(message);
      lastProgress = Date.now();
    }
    await sleep(POLL_MS, o.signal);
  }
  return false;
}

function describeStates(states: Record<string, number>): string {
  const parts = Object.entries(states).map(([state, n]) => `${n} ${state}`);
  return parts.length ? parts.join(", ") : "none left";
}

/** The round's results in the list's order, as runRound reports them. */
function reportResults(
  items: readonly RoundItem[],
  stored: readonly StoredResult[],
  msOf: (key: string) => number,
): RoundResult[] {
  const byKey = new Map(stored.map((r) => [r.target, r]));
  const out: RoundResult[] = [];
  for (const item of items) {
    const r = byKey.get(keyOf(item));
    if (!r) continue;
    out.push({
      target: r.target,
      line: item.kind === "target" ? item.target.line : item.invalid.line,
      labels: r.labels,
      clients: r.summary.clients.map((c) => c.client),
      status: r.status,
      resultId: r.id,
      ms: msOf(r.target),
      summary: r.summary,
      changes: r.changes,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The worker

export interface WorkerOptions {
  history: PgHistory;
  queue: CheckQueue<CheckJobData>;
  /** Jobs at once (default 16). */
  concurrency?: number;
  /** The password of a keystore trust store the jobs name (never put in a job). */
  storePassword?: string;
  engine?: MonitorOptions["engine"];
  now?: () => Date;
  /** Aborting stops taking jobs; the jobs in flight get `graceMs` to finish (then they go back). */
  signal: AbortSignal;
  graceMs?: number;
  /** Told of each job done, and of trouble (a lost database, a job retried). */
  log?: (message: string) => void;
}

export interface WorkerStats {
  checked: number;
  alreadyStored: number;
  retried: number;
}

/**
 * Take jobs until the signal aborts: check each target and store its result. Storing is retried with
 * backoff within the job's lease while the database is away; the queue's fetch loops retry on their own.
 */
export async function runWorker(o: WorkerOptions): Promise<WorkerStats> {
  const stats: WorkerStats = { checked: 0, alreadyStored: 0, retried: 0 };
  const stores = new Map<number, Map<string, TrustStore | Error>>();
  await o.queue.work(o.concurrency ?? 16, async (job) => {
    const out = await runJob(o, job.data, storesOf(stores, job.data.round), stats);
    if (out.alreadyStored) stats.alreadyStored++;
    else stats.checked++;
    return out;
  });
  await new Promise<void>((resolve) => {
    if (o.signal.aborted) resolve();
    else o.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await o.queue.stop(o.graceMs ?? 10_000);
  return stats;
}

/** Trust stores resolved once per round (a store spec's file may change between rounds). */
function storesOf(cache: Map<number, Map<string, TrustStore | Error>>, round: number) {
  let m = cache.get(round);
  if (!m) {
    for (const r of cache.keys()) if (r < round - 1) cache.delete(r);
    m = new Map();
    cache.set(round, m);
  }
  return m;
}

/** Backoff while the database is away: 0.25 s, doubling to 4 s. */
const BACKOFF_MS = [250, 500, 1000, 2000, 4000];

async function runJob(
  o: WorkerOptions,
  data: CheckJobData,
  stores: Map<string, TrustStore | Error>,
  stats: WorkerStats,
): Promise<CheckJobOutput> {
  if (data?.v !== 1 || !data.item) throw new Error("not a chainproof check job (from another version?)");
  const key = keyOf(data.item);
  const now = o.now ?? (() => new Date());
  const deadline = Date.now() + data.leaseSeconds * 1000 - 1000;
  const mo: MonitorOptions = {
    history: o.history,
    list: { targets: [], invalid: [] },
    ...(data.clients !== undefined ? { clients: data.clients } : {}),
    ...(data.store !== undefined ? { store: data.store } : {}),
    ...(o.storePassword !== undefined ? { storePassword: o.storePassword } : {}),
    ...(data.timeoutMs !== undefined ? { timeoutMs: data.timeoutMs } : {}),
    ...(data.reminderMs !== undefined ? { reminderMs: data.reminderMs } : {}),
    ...(data.aia !== undefined ? { aia: data.aia } : {}),
    ...(o.engine ? { engine: o.engine } : {}),
    now,
  };
  for (let attempt = 0; ; attempt++) {
    const t0 = performance.now();
    try {
      if (await o.history.hasResult(data.round, key)) return { ms: 0, alreadyStored: true };
      const done = await checkItem(mo, data.item, data.round, now, stores, data.channels);
      if (!done) throw new Error("check abandoned");
      o.log?.(`round ${data.round}: ${key} ${done.result.status}`);
      return { ms: Math.round(performance.now() - t0) };
    } catch (e) {
      if (e instanceof DuplicateResultError) return { ms: 0, alreadyStored: true };
      const wait = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
      if (Date.now() + wait >= deadline) throw e;
      stats.retried++;
      o.log?.(`round ${data.round}: ${key}: ${(e as Error).message}; again in ${wait} ms`);
      await sleep(wait, undefined);
    }
  }
}
