/**
 * What the Monitor page of `chainproof serve --db PATH` shows, read from the monitor's history: every target
 * with its latest per-client status and days to its first expiry, a target's timeline of changes (each
 * change with the chain before and after it), a result's full check document, the alerts, and how many
 * certificates expire in each of the next weeks. Read only: the monitor process writes the history.
 */

import { daysLeft } from "../monitor/changes.js";
import type { HistoryStore, StoredResult } from "../monitor/history.js";
import type { ChainEntry, ResultSummary } from "../monitor/summary.js";
import { monitorAlerts } from "./monitor.js";

export const MONITOR_OVERVIEW_SCHEMA = "chainproof/monitor-overview";
export const MONITOR_TIMELINE_SCHEMA = "chainproof/monitor-timeline";
export const MONITOR_EXPIRY_SCHEMA = "chainproof/monitor-expiry";

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
export const EXPIRY_WEEKS = 26;

/** The certificates whose expiry matters: the leaf and the intermediates (a root sent is not used). */
function counted(chain: readonly ChainEntry[]): ChainEntry[] {
  return chain.filter((c) => c.role === "leaf" || c.role === "intermediate");
}

export interface FirstExpiry {
  position: number;
  subject: string;
  notAfter: string;
  /** Whole days from now (negative once expired). */
  days: number;
}

/** The certificate of the chain (leaf or intermediate) that expires first. */
export function firstExpiry(summary: ResultSummary, now: Date): FirstExpiry | null {
  let first: ChainEntry | undefined;
  for (const c of counted(summary.chain))
    if (!first || Date.parse(c.notAfter) < Date.parse(first.notAfter)) first = c;
  if (!first) return null;
  return {
    position: first.position,
    subject: first.subject,
    notAfter: first.notAfter,
    days: daysLeft(first.notAfter, now),
  };
}

export interface TargetOverview {
  target: string;
  labels: Record<string, string>;
  status: ResultSummary["status"];
  checkedAt: string;
  resultId: number;
  round: number;
  results: number;
  clients: ResultSummary["clients"];
  firstExpiry: FirstExpiry | null;
  error: string | null;
  /** The changes of the latest result (what it changed from the one before). */
  changes: StoredResult["changes"];
}

async function latestResults(history: HistoryStore): Promise<{ latest: StoredResult; results: number }[]> {
  const out: { latest: StoredResult; results: number }[] = [];
  for (const t of await history.targets()) {
    const latest = await history.lastResult(t.target);
    if (latest) out.push({ latest, results: t.results });
  }
  return out;
}

/** Every target with results: its latest status, per-client verdicts and first expiry. */
export async function monitorOverview(history: HistoryStore, now: Date = new Date()) {
  const rows: TargetOverview[] = (await latestResults(history)).map(({ latest, results }) => ({
    target: latest.target,
    labels: latest.labels,
    status: latest.status,
    checkedAt: latest.checkedAt,
    resultId: latest.id,
    round: latest.round,
    results,
    clients: latest.summary.clients,
    firstExpiry: firstExpiry(latest.summary, now),
    error: latest.summary.error,
    changes: latest.changes,
  }));
  rows.sort((a, b) => a.target.localeCompare(b.target));
  return { schema: MONITOR_OVERVIEW_SCHEMA, version: 1, db: history.location, targets: rows };
}

export interface TimelineEntry {
  resultId: number;
  round: number;
  checkedAt: string;
  status: ResultSummary["status"];
  changes: StoredResult["changes"];
  clients: ResultSummary["clients"];
  error: string | null;
  /** The chain as sent at this result, and at the result before it (null for the first). */
  chain: ChainEntry[];
  before: ChainEntry[] | null;
}

/**
 * A target's results that changed something, newest first, each with the chain before and after; of its
 * newest `limit` results (unchanged ones are counted, not listed).
 */
export async function monitorTimeline(history: HistoryStore, key: string, limit = 200) {
  // One more than asked: the result before the oldest listed one gives its "before".
  const results = await history.history(key, { limit: limit + 1 });
  const entries: TimelineEntry[] = [];
  const shown = results.slice(0, limit);
  shown.forEach((r, i) => {
    if (!r.changes.length) return;
    const prev = results[i + 1];
    entries.push({
      resultId: r.id,
      round: r.round,
      checkedAt: r.checkedAt,
      status: r.status,
      changes: r.changes,
      clients: r.summary.clients,
      error: r.summary.error,
      chain: r.summary.chain,
      before: prev ? prev.summary.chain : null,
    });
  });
  return {
    schema: MONITOR_TIMELINE_SCHEMA,
    version: 1,
    target: key,
    results: shown.length,
    unchanged: shown.length - entries.length,
    entries,
  };
}

export interface ExpiryWeek {
  week: number;
  from: string;
  to: string;
  count: number;
}

/**
 * How many certificates (leaf and intermediates of the latest result of each target; a certificate sent by
 * several targets counted once) expire in each of the next `weeks` weeks from `now`, plus those already
 * expired and those later.
 */
export function expiryHistogram(summaries: readonly ResultSummary[], now: Date, weeks = EXPIRY_WEEKS) {
  const seen = new Map<string, string>();
  for (const s of summaries) for (const c of counted(s.chain)) seen.set(c.sha256, c.notAfter);
  const buckets: ExpiryWeek[] = Array.from({ length: weeks }, (_, i) => ({
    week: i + 1,
    from: new Date(now.getTime() + i * WEEK_MS).toISOString(),
    to: new Date(now.getTime() + (i + 1) * WEEK_MS).toISOString(),
    count: 0,
  }));
  let expired = 0;
  let later = 0;
  for (const notAfter of seen.values()) {
    const ms = Date.parse(notAfter) - now.getTime();
    if (Number.isNaN(ms)) continue;
    if (ms < 0) expired++;
    else if (ms >= weeks * WEEK_MS) later++;
    else buckets[Math.floor(ms / WEEK_MS)].count++;
  }
  return { certificates: seen.size, expired, later, weeks: buckets };
}

export async function monitorExpiry(history: HistoryStore, now: Date = new Date(), weeks = EXPIRY_WEEKS) {
  const latest = await latestResults(history);
  return {
    schema: MONITOR_EXPIRY_SCHEMA,
    version: 1,
    at: now.toISOString(),
    ...expiryHistogram(
      latest.map((l) => l.latest.summary),
      now,
      weeks,
    ),
  };
}

/** The targets' keys, for resolving one the page names. */
export async function monitorTargetKeys(history: HistoryStore): Promise<Set<string>> {
  return new Set((await history.targets()).map((t) => t.target));
}

export { monitorAlerts };
