/**
 * The monitor's history: every result (a compact summary, its changes and the full check document), the
 * alert states and the alerts with their delivery state per channel. `HistoryStore` is what the application
 * layer uses; ./sqlite-history.ts implements it on SQLite (the default), a PostgreSQL store can implement it
 * on the same tables.
 */

import { homedir } from "node:os";
import { join } from "node:path";
import { InputError } from "../x509/errors.js";
import type { AlertKind, AlertPlan, AlertSeverity, AlertState } from "./alerts.js";
import type { Change } from "./changes.js";
import type { ResultStatus, ResultSummary } from "./summary.js";

export interface StoredResult {
  id: number;
  round: number;
  target: string;
  checkedAt: string;
  status: ResultStatus;
  labels: Record<string, string>;
  summary: ResultSummary;
  changes: Change[];
}

export type DeliveryState = "pending" | "delivered" | "failed";

export interface AlertDelivery {
  channel: string;
  state: DeliveryState;
  attempts: number;
  lastError: string | null;
  updatedAt: string;
  /** When the outbox tries again; null once delivered, or given up (src/monitor/retry.ts). */
  nextAttemptAt: string | null;
}

/** A delivery the outbox still has to make (not delivered, not given up), with its alert. */
export interface PendingDelivery {
  alert: StoredAlert;
  channel: string;
  attempts: number;
  nextAttemptAt: string;
}

export interface StoredAlert {
  id: number;
  round: number;
  resultId: number;
  target: string;
  labels: Record<string, string>;
  kind: AlertKind;
  /** untrusted:CLIENT, check-failed, expiry:SHA256, distrust:RULE-ID; empty for a change notice. */
  conditions: string[];
  severity: AlertSeverity;
  title: string;
  message: string;
  since: string | null;
  createdAt: string;
  changes: Change[];
  deliveries: AlertDelivery[];
}

export interface RecordInput {
  round: number;
  target: string;
  labels: Record<string, string>;
  summary: ResultSummary;
  changes: Change[];
  /** The full check document (`chainproof check --json`), or null when there is none (a bad line). */
  document: unknown | null;
  plan: AlertPlan;
  /** The channels each new alert is to be delivered on (a "pending" delivery each). */
  channels: readonly string[];
  at: Date;
}

/** Keep results younger than maxAgeMs, or the newest maxResults of each target. */
export type Retention = { maxAgeMs: number } | { maxResults: number };

export interface HistoryStore {
  /** Where the history is (a file path, a URL without its password). */
  readonly location: string;
  startRound(at: Date): Promise<number>;
  finishRound(round: number, at: Date, counts: Record<string, number>): Promise<void>;
  lastResult(target: string): Promise<StoredResult | undefined>;
  /**
   * For scheduling: the start (ISO 8601) of the round that last checked each target. Round starts, not
   * check times, so the targets of one round stay due together however long the round took.
   */
  lastRoundStarts(): Promise<Map<string, string>>;
  alertStates(target: string): Promise<AlertState[]>;
  /**
   * Store one result, its alert state changes and its alerts, at once: a (target, round) has one result
   * (a second is refused).
   */
  record(input: RecordInput): Promise<{ result: StoredResult; alerts: StoredAlert[] }>;
  /**
   * Record one attempt: delivered (ok), or failed with its error and the time of the next attempt (null or
   * absent: none, the delivery is given up but kept).
   */
  recordDelivery(
    alertId: number,
    channel: string,
    ok: boolean,
    error: string | null,
    at: Date,
    nextAttemptAt?: Date | null,
  ): Promise<void>;
  /**
   * The outbox: deliveries on these channels not yet delivered and not given up (a pending one is due at
   * once), earliest next attempt first; with dueBy, only those due by then.
   */
  pendingDeliveries(o: {
    channels: readonly string[];
    dueBy?: Date;
    limit?: number;
  }): Promise<PendingDelivery[]>;
  /** The target's results, newest first. */
  history(target: string, o?: { limit?: number }): Promise<StoredResult[]>;
  /** Every target with results: its number of results and last check. */
  targets(): Promise<{ target: string; results: number; lastCheckedAt: string }[]>;
  /** A result's full check document. */
  document(resultId: number): Promise<unknown | null>;
  /** Alerts, newest first. */
  alerts(o?: { target?: string; limit?: number; undelivered?: boolean }): Promise<StoredAlert[]>;
  /** Remove results past the retention; returns how many. Alerts are never removed here. */
  prune(keep: Retention, now: Date): Promise<number>;
  close(): Promise<void>;
}

/** The data folder: $CHAINPROOF_HOME, else the platform's per-user data folder ($XDG_DATA_HOME on Linux). */
export function dataHome(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.CHAINPROOF_HOME) return env.CHAINPROOF_HOME;
  if (platform === "win32")
    return join(env.LOCALAPPDATA ?? join(homedir(), "AppData", "Local"), "chainproof");
  if (platform === "darwin") return join(homedir(), "Library", "Application Support", "chainproof");
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "chainproof");
}

export const MONITOR_DB_FILE = "monitor.db";

export function defaultMonitorDb(env: NodeJS.ProcessEnv = process.env): string {
  return join(dataHome(env), MONITOR_DB_FILE);
}

/**
 * Open the history at `location`: a file path (SQLite), or a postgres:// URL (PostgreSQL). `create: false`
 * refuses a database that does not exist yet (the read-only commands). Loads better-sqlite3 or pg only now.
 */
export async function openHistory(
  location: string,
  o: { create: boolean /** Connections to a database server, at most (default 4). */; connections?: number },
): Promise<HistoryStore> {
  if (/^postgres(ql)?:\/\//i.test(location.trim())) {
    const { openPgHistory } = await import("./pg-history.js");
    return openPgHistory(location.trim(), o);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location))
    throw new InputError(
      `--db ${location.replace(/\/\/[^@/]*@/, "//…@")}: give a file path (SQLite) or a postgres:// URL`,
      "bad-db",
    );
  if (!location.trim()) throw new InputError("--db needs a file path", "bad-db");
  const { openSqliteHistory } = await import("./sqlite-history.js");
  return openSqliteHistory(location, o);
}
