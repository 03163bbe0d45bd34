/**
 * HistoryStore on SQLite (better-sqlite3, WAL): one file, by default in the user's data folder. The schema
 * is versioned: `schema_version` holds the steps applied, MIGRATIONS the numbered steps; a database from a
 * newer chainproof is refused rather than guessed at. Column types are those PostgreSQL has too (TEXT,
 * INTEGER, BLOB as bytea) so the same tables serve a Postgres store.
 *
 * better-sqlite3 is imported when a database is opened, never when this module is.
 */

import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import type BetterSqlite3 from "better-sqlite3";
import { InputError } from "../x509/errors.js";
import type { AlertState } from "./alerts.js";
import type {
  AlertDelivery,
  HistoryStore,
  PendingDelivery,
  RecordInput,
  Retention,
  StoredAlert,
  StoredResult,
} from "./history.js";

type Db = BetterSqlite3.Database;

/** "CPMN": tells a chainproof monitor database from any other SQLite file. */
const APPLICATION_ID = 0x4350_4d4e;

/** The schema, step by step; a step is applied once, in order, in a transaction with its version row. */
export const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE rounds (
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  counts TEXT
);
CREATE TABLE results (
  id INTEGER PRIMARY KEY,
  round_id INTEGER NOT NULL REFERENCES rounds(id),
  target TEXT NOT NULL,
  checked_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('trusted', 'untrusted', 'failed', 'invalid')),
  labels TEXT NOT NULL,
  summary TEXT NOT NULL,
  changes TEXT NOT NULL,
  document BLOB,
  UNIQUE (target, round_id)
);
CREATE INDEX results_by_time ON results (checked_at);
CREATE TABLE alert_states (
  target TEXT NOT NULL,
  condition TEXT NOT NULL,
  level INTEGER,
  severity TEXT NOT NULL,
  message TEXT NOT NULL,
  since TEXT NOT NULL,
  notified_at TEXT NOT NULL,
  PRIMARY KEY (target, condition)
);
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  round_id INTEGER NOT NULL,
  result_id INTEGER NOT NULL,
  target TEXT NOT NULL,
  labels TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('problem', 'reminder', 'resolved', 'change')),
  conditions TEXT NOT NULL,
  severity TEXT NOT NULL,
  title TEXT NOT NULL,
  message TEXT NOT NULL,
  since TEXT,
  created_at TEXT NOT NULL,
  changes TEXT NOT NULL
);
CREATE INDEX alerts_by_target ON alerts (target, id);
CREATE TABLE alert_deliveries (
  alert_id INTEGER NOT NULL REFERENCES alerts(id),
  channel TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (alert_id, channel)
);
CREATE INDEX alert_deliveries_pending ON alert_deliveries (state) WHERE state <> 'delivered';
`,
  },
  {
    // The outbox: when each undelivered delivery is tried again (NULL: delivered, or given up). Deliveries
    // a version-1 monitor left undelivered are due at once.
    version: 2,
    sql: `
ALTER TABLE alert_deliveries ADD COLUMN next_attempt_at TEXT;
UPDATE alert_deliveries SET next_attempt_at = updated_at WHERE state <> 'delivered';
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Why SQLite refused the file, in words for a user. */
function dbError(path: string, e: unknown): InputError {
  const code = (e as { code?: string }).code ?? "";
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof InputError) return e;
  if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT")
    return new InputError(`--db ${path}: not a chainproof monitor database (${msg})`, "bad-db");
  if (
    code.startsWith("SQLITE_CANTOPEN") ||
    code.startsWith("SQLITE_READONLY") ||
    code.startsWith("SQLITE_PERM")
  )
    return new InputError(`--db ${path}: cannot open it for writing (${msg})`, "bad-db");
  if (code.startsWith("SQLITE_")) return new InputError(`--db ${path}: ${msg}`, "bad-db");
  const errno = (e as NodeJS.ErrnoException).code;
  if (errno) return new InputError(`--db ${path}: ${msg}`, "bad-db");
  throw e;
}

export async function openSqliteHistory(location: string, o: { create: boolean }): Promise<HistoryStore> {
  const path = resolve(location);
  if (existsSync(path) && statSync(path).isDirectory())
    throw new InputError(`--db ${location}: a folder; give a file name`, "bad-db");
  if (!o.create && !existsSync(path))
    throw new InputError(
      `--db ${location}: no monitor database there (chainproof monitor creates it)`,
      "bad-db",
    );
  const { default: Database } = await import("better-sqlite3");
  let db: Db | undefined;
  try {
    if (o.create) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { fileMustExist: !o.create });
    db.pragma("busy_timeout = 5000");
    db.pragma("journal_mode = WAL");
    // WAL with NORMAL: a commit is not fsynced (the WAL is, at checkpoints). A crash of the process loses
    // nothing; a power cut may lose the last results, never the database (sqlite.org/wal.html). A result a
    // monitor can take again is worth the several times faster write (bench/monitor-store.ts).
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    migrate(db, location);
    return new SqliteHistory(db, path);
  } catch (e) {
    db?.close();
    throw dbError(location, e);
  }
}

function migrate(db: Db, location: string): void {
  const appId = db.pragma("application_id", { simple: true }) as number;
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
    name: string;
  }[];
  if (tables.length > 0 && appId !== APPLICATION_ID)
    throw new InputError(
      `--db ${location}: an SQLite database of something else, not a chainproof monitor database`,
      "bad-db",
    );
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
  );
  const current =
    (db.prepare("SELECT max(version) AS v FROM schema_version").get() as { v: number | null }).v ?? 0;
  if (current > SCHEMA_VERSION)
    throw new InputError(
      `--db ${location}: schema version ${current} is newer than this chainproof's (${SCHEMA_VERSION}); upgrade chainproof`,
      "bad-db",
    );
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)").run(
        m.version,
        new Date().toISOString(),
      );
    })();
  }
  if (appId !== APPLICATION_ID) db.pragma(`application_id = ${APPLICATION_ID}`);
}

interface ResultRow {
  id: number;
  round_id: number;
  target: string;
  checked_at: string;
  status: StoredResult["status"];
  labels: string;
  summary: string;
  changes: string;
}

interface AlertRow {
  id: number;
  round_id: number;
  result_id: number;
  target: string;
  labels: string;
  kind: StoredAlert["kind"];
  conditions: string;
  severity: StoredAlert["severity"];
  title: string;
  message: string;
  since: string | null;
  created_at: string;
  changes: string;
}

const RESULT_COLUMNS = "id, round_id, target, checked_at, status, labels, summary, changes";

function resultOf(r: ResultRow): StoredResult {
  return {
    id: r.id,
    round: r.round_id,
    target: r.target,
    checkedAt: r.checked_at,
    status: r.status,
    labels: JSON.parse(r.labels),
    summary: JSON.parse(r.summary),
    changes: JSON.parse(r.changes),
  };
}

class SqliteHistory implements HistoryStore {
  private readonly insertResult;
  private readonly insertAlert;
  private readonly insertDelivery;
  private readonly upsertState;
  private readonly deleteState;
  private readonly selectLast;
  private readonly selectStates;
  private readonly selectHistory;
  private readonly recordTx;
  private readonly selectDeliveries;

  constructor(
    private readonly db: Db,
    readonly location: string,
  ) {
    this.insertResult = db.prepare(
      `INSERT INTO results (round_id, target, checked_at, status, labels, summary, changes, document)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertAlert = db.prepare(
      `INSERT INTO alerts (round_id, result_id, target, labels, kind, conditions, severity, title, message, since, created_at, changes)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertDelivery = db.prepare(
      // Due at once: a monitor stopped between storing an alert and delivering it delivers it next time.
      `INSERT INTO alert_deliveries (alert_id, channel, state, attempts, updated_at, next_attempt_at)
       VALUES (?, ?, 'pending', 0, ?, ?)`,
    );
    this.upsertState = db.prepare(
      `INSERT INTO alert_states (target, condition, level, severity, message, since, notified_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (target, condition) DO UPDATE SET level = excluded.level, severity = excluded.severity,
         message = excluded.message, since = excluded.since, notified_at = excluded.notified_at`,
    );
    this.deleteState = db.prepare("DELETE FROM alert_states WHERE target = ? AND condition = ?");
    this.recordTx = db.transaction(this.recordRows.bind(this));
    this.selectLast = db.prepare(
      `SELECT ${RESULT_COLUMNS} FROM results WHERE target = ? ORDER BY round_id DESC LIMIT 1`,
    );
    this.selectStates = db.prepare(
      "SELECT condition, level, severity, message, since, notified_at FROM alert_states WHERE target = ? ORDER BY condition",
    );
    this.selectDeliveries = db.prepare(
      `SELECT channel, state, attempts, last_error, updated_at, next_attempt_at FROM alert_deliveries
       WHERE alert_id = ? ORDER BY channel`,
    );
    this.selectHistory = db.prepare(
      `SELECT ${RESULT_COLUMNS} FROM results WHERE target = ? ORDER BY round_id DESC LIMIT ?`,
    );
  }

  async startRound(at: Date): Promise<number> {
    return Number(
      this.db.prepare("INSERT INTO rounds (started_at) VALUES (?)").run(at.toISOString()).lastInsertRowid,
    );
  }

  async finishRound(round: number, at: Date, counts: Record<string, number>): Promise<void> {
    this.db
      .prepare("UPDATE rounds SET finished_at = ?, counts = ? WHERE id = ?")
      .run(at.toISOString(), JSON.stringify(counts), round);
  }

  async lastResult(target: string): Promise<StoredResult | undefined> {
    const r = this.selectLast.get(target) as ResultRow | undefined;
    return r ? resultOf(r) : undefined;
  }

  async lastRoundStarts(): Promise<Map<string, string>> {
    const rows = this.db
      .prepare(
        `SELECT r.target, max(rounds.started_at) AS at FROM results r JOIN rounds ON rounds.id = r.round_id
         GROUP BY r.target`,
      )
      .all() as { target: string; at: string }[];
    return new Map(rows.map((r) => [r.target, r.at]));
  }

  async alertStates(target: string): Promise<AlertState[]> {
    const rows = this.selectStates.all(target) as (Omit<AlertState, "notifiedAt"> & {
      notified_at: string;
    })[];
    return rows.map(({ notified_at, ...s }) => ({ ...s, notifiedAt: notified_at }));
  }

  async record(input: RecordInput): Promise<{ result: StoredResult; alerts: StoredAlert[] }> {
    const at = input.at.toISOString();
    const labels = JSON.stringify(input.labels);
    const document =
      input.document === null ? null : gzipSync(Buffer.from(JSON.stringify(input.document)), { level: 1 });
    return this.recordTx(input, document, at, labels);
  }

  /** One result with its alert states and alerts (in a transaction: see recordTx). */
  private recordRows(input: RecordInput, document: Buffer | null, at: string, labels: string) {
    const resultId = Number(
      this.insertResult.run(
        input.round,
        input.target,
        input.summary.checkedAt,
        input.summary.status,
        labels,
        JSON.stringify(input.summary),
        JSON.stringify(input.changes),
        document,
      ).lastInsertRowid,
    );
    for (const s of input.plan.upsert)
      this.upsertState.run(input.target, s.condition, s.level, s.severity, s.message, s.since, s.notifiedAt);
    for (const c of input.plan.clear) this.deleteState.run(input.target, c);
    const alerts: StoredAlert[] = input.plan.alerts.map((a) => {
      const id = Number(
        this.insertAlert.run(
          input.round,
          resultId,
          input.target,
          labels,
          a.kind,
          JSON.stringify(a.conditions),
          a.severity,
          a.title,
          a.message,
          a.since,
          at,
          JSON.stringify(a.changes),
        ).lastInsertRowid,
      );
      for (const ch of input.channels) this.insertDelivery.run(id, ch, at, at);
      return {
        id,
        round: input.round,
        resultId,
        target: input.target,
        labels: input.labels,
        ...a,
        createdAt: at,
        deliveries: input.channels.map((channel) => ({
          channel,
          state: "pending" as const,
          attempts: 0,
          lastError: null,
          updatedAt: at,
          nextAttemptAt: at,
        })),
      };
    });
    const result: StoredResult = {
      id: resultId,
      round: input.round,
      target: input.target,
      checkedAt: input.summary.checkedAt,
      status: input.summary.status,
      labels: input.labels,
      summary: input.summary,
      changes: input.changes,
    };
    return { result, alerts };
  }

  async recordDelivery(
    alertId: number,
    channel: string,
    ok: boolean,
    error: string | null,
    at: Date,
    nextAttemptAt: Date | null = null,
  ) {
    this.db
      .prepare(
        `INSERT INTO alert_deliveries (alert_id, channel, state, attempts, last_error, updated_at, next_attempt_at)
         VALUES (?, ?, ?, 1, ?, ?, ?)
         ON CONFLICT (alert_id, channel) DO UPDATE SET state = excluded.state,
           attempts = alert_deliveries.attempts + 1, last_error = excluded.last_error,
           updated_at = excluded.updated_at, next_attempt_at = excluded.next_attempt_at`,
      )
      .run(
        alertId,
        channel,
        ok ? "delivered" : "failed",
        error?.slice(0, 2000) ?? null,
        at.toISOString(),
        ok ? null : (nextAttemptAt?.toISOString() ?? null),
      );
  }

  async pendingDeliveries(o: {
    channels: readonly string[];
    dueBy?: Date;
    limit?: number;
  }): Promise<PendingDelivery[]> {
    if (o.channels.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT d.alert_id, d.channel, d.attempts, d.next_attempt_at FROM alert_deliveries d
         WHERE d.next_attempt_at IS NOT NULL AND d.state <> 'delivered'
           AND d.channel IN (${o.channels.map(() => "?").join(", ")})
           ${o.dueBy ? "AND d.next_attempt_at <= ?" : ""}
         ORDER BY d.next_attempt_at, d.alert_id LIMIT ?`,
      )
      .all(...o.channels, ...(o.dueBy ? [o.dueBy.toISOString()] : []), o.limit ?? 1000) as {
      alert_id: number;
      channel: string;
      attempts: number;
      next_attempt_at: string;
    }[];
    const select = this.db.prepare("SELECT * FROM alerts WHERE id = ?");
    return rows.map((d) => ({
      alert: this.alertOf(select.get(d.alert_id) as AlertRow),
      channel: d.channel,
      attempts: d.attempts,
      nextAttemptAt: d.next_attempt_at,
    }));
  }

  async history(target: string, o: { limit?: number } = {}): Promise<StoredResult[]> {
    return (this.selectHistory.all(target, o.limit ?? 100) as ResultRow[]).map(resultOf);
  }

  async targets() {
    return (
      this.db
        .prepare(
          "SELECT target, count(*) AS results, max(checked_at) AS last FROM results GROUP BY target ORDER BY target",
        )
        .all() as { target: string; results: number; last: string }[]
    ).map((r) => ({ target: r.target, results: r.results, lastCheckedAt: r.last }));
  }

  async document(resultId: number): Promise<unknown | null> {
    const r = this.db.prepare("SELECT document FROM results WHERE id = ?").get(resultId) as
      | { document: Buffer | null }
      | undefined;
    return r?.document ? JSON.parse(gunzipSync(r.document).toString("utf8")) : null;
  }

  async alerts(o: { target?: string; limit?: number; undelivered?: boolean } = {}): Promise<StoredAlert[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (o.target !== undefined) {
      where.push("target = ?");
      args.push(o.target);
    }
    if (o.undelivered)
      where.push(
        "EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.alert_id = alerts.id AND d.state <> 'delivered')",
      );
    const rows = this.db
      .prepare(
        `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`,
      )
      .all(...args, o.limit ?? 100) as AlertRow[];
    return rows.map((r) => this.alertOf(r));
  }

  private alertOf(r: AlertRow): StoredAlert {
    const deliveries = this.selectDeliveries.all(r.id) as {
      channel: string;
      state: AlertDelivery["state"];
      attempts: number;
      last_error: string | null;
      updated_at: string;
      next_attempt_at: string | null;
    }[];
    return {
      id: r.id,
      round: r.round_id,
      resultId: r.result_id,
      target: r.target,
      labels: JSON.parse(r.labels),
      kind: r.kind,
      conditions: JSON.parse(r.conditions),
      severity: r.severity,
      title: r.title,
      message: r.message,
      since: r.since,
      createdAt: r.created_at,
      changes: JSON.parse(r.changes),
      deliveries: deliveries.map((d) => ({
        channel: d.channel,
        state: d.state,
        attempts: d.attempts,
        lastError: d.last_error,
        updatedAt: d.updated_at,
        nextAttemptAt: d.next_attempt_at,
      })),
    };
  }

  async prune(keep: Retention, now: Date): Promise<number> {
    if ("maxAgeMs" in keep) {
      const cutoff = new Date(now.getTime() - keep.maxAgeMs).toISOString();
      return this.db.prepare("DELETE FROM results WHERE checked_at < ?").run(cutoff).changes;
    }
    // The newest maxResults of each target stay.
    return this.db
      .prepare(
        `DELETE FROM results WHERE id IN (
           SELECT id FROM (
             SELECT id, row_number() OVER (PARTITION BY target ORDER BY id DESC) AS n FROM results
           ) WHERE n > ?)`,
      )
      .run(keep.maxResults).changes;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
