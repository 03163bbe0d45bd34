/**
 * HistoryStore on PostgreSQL (`--db postgres://…`, the `pg` driver): the tables of ./sqlite-history.ts with
 * the same names, columns and meaning, in a schema of their own (`chainproof`) so they sit beside anything
 * else in the database (the job queue's `chainproof_queue`, an application's tables).
 *
 * The schema is versioned as SQLite's is: PG_MIGRATIONS holds the numbered steps (the same numbers as
 * SQLite's MIGRATIONS: a step added there is added here, under the same number); `schema_version` records
 * the steps applied. They are applied in one transaction holding an advisory lock, so two processes starting
 * at once (a scheduler and its workers) do not race: the second waits, then finds them applied.
 *
 * One result per (target, round): the unique key, and `record` inserting with ON CONFLICT DO NOTHING — a
 * second result for the pair (a job that came back after its worker died) changes nothing and is reported
 * as a DuplicateResultError, which the worker takes as "already done".
 *
 * pg is imported when a database is opened, never when this module is.
 */

import { gunzipSync, gzipSync } from "node:zlib";
import type { Pool, PoolClient, PoolConfig } from "pg";
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

/** The Postgres schema (namespace) the monitor's tables are in. */
export const PG_SCHEMA = "chainproof";

/** The advisory lock migrations hold (any constant; "CPMN" as SQLite's application id). */
const MIGRATION_LOCK = 0x4350_4d4e;

/**
 * The schema, step by step: the Postgres spelling of sqlite-history.ts's MIGRATIONS (BIGSERIAL for
 * INTEGER PRIMARY KEY, BYTEA for BLOB; times stay ISO 8601 TEXT, so they sort and compare as in SQLite).
 */
export const PG_MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE rounds (
  id BIGSERIAL PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  counts TEXT
);
CREATE TABLE results (
  id BIGSERIAL PRIMARY KEY,
  round_id BIGINT NOT NULL REFERENCES rounds(id),
  target TEXT NOT NULL,
  checked_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('trusted', 'untrusted', 'failed', 'invalid')),
  labels TEXT NOT NULL,
  summary TEXT NOT NULL,
  changes TEXT NOT NULL,
  document BYTEA,
  UNIQUE (target, round_id)
);
CREATE INDEX results_by_time ON results (checked_at);
CREATE INDEX results_by_round ON results (round_id);
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
  id BIGSERIAL PRIMARY KEY,
  round_id BIGINT NOT NULL,
  result_id BIGINT NOT NULL,
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
CREATE INDEX alerts_by_round ON alerts (round_id);
CREATE TABLE alert_deliveries (
  alert_id BIGINT NOT NULL REFERENCES alerts(id),
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
    // The outbox (as SQLite's migration 2): when each undelivered delivery is tried again (NULL: delivered,
    // or given up). Deliveries a version-1 monitor left undelivered are due at once.
    version: 2,
    sql: `
ALTER TABLE alert_deliveries ADD COLUMN next_attempt_at TEXT;
UPDATE alert_deliveries SET next_attempt_at = updated_at WHERE state <> 'delivered';
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
`,
  },
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS[PG_MIGRATIONS.length - 1].version;

/** A second result for a (target, round): nothing was written. */
export class DuplicateResultError extends Error {
  constructor(
    readonly target: string,
    readonly round: number,
  ) {
    super(`round ${round} already has a result for ${target}`);
    this.name = "DuplicateResultError";
  }
}

/** An error of a connection lost or refused (a server restarting, a network gone), not of a statement. */
export function isConnectionLost(e: unknown): boolean {
  const { code = "", message = "" } = (e ?? {}) as { code?: string; message?: string };
  return (
    /^(08|57P0)/.test(code) ||
    ["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH"].includes(code) ||
    /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(
      message,
    )
  );
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location.trim());
}

/** The URL as shown to a user: no password, ever. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "";
    return u.toString().replace(/^(postgres(?:ql)?:\/\/[^@/]*):@/i, "$1@");
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//…@");
  }
}

/** The host and port a URL names (for messages), with libpq's defaults. */
export function endpointOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || "localhost"}:${u.port || "5432"}`;
  } catch {
    return "?";
  }
}

/** Connection settings from a postgres:// URL; bad input is an InputError. */
export function poolConfig(url: string, o: { max?: number; application?: string } = {}): PoolConfig {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InputError(`--db ${redactUrl(url)}: not a valid postgres:// URL`, "bad-db");
  }
  if (!u.hostname && !u.searchParams.get("host"))
    throw new InputError(`--db ${redactUrl(url)}: the URL names no host`, "bad-db");
  return {
    connectionString: url,
    max: o.max ?? 4,
    connectionTimeoutMillis: 10_000,
    application_name: o.application ?? "chainproof",
    // The monitor's tables by their SQLite names, without a schema prefix in every statement.
    options: `-c search_path=${PG_SCHEMA}`,
  };
}

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/** A connection or server error, in words for a user: host, port, the error; never the password. */
export function connectError(url: string, e: unknown): InputError {
  if (e instanceof InputError) return e;
  const err = e as Error & { code?: string };
  let msg = err.message || String(e);
  try {
    const pw = decodeURIComponent(new URL(url).password);
    if (pw) msg = msg.split(pw).join("…");
  } catch {
    // not a URL: poolConfig said so already
  }
  const code = err.code && !msg.includes(err.code) ? ` (${err.code})` : "";
  // No answer from the server is the machine's state (exit 3), not a wrong --db (exit 2): docs/cli.md.
  const unreachable = UNREACHABLE.has(err.code ?? "") || /timeout|terminated unexpectedly/i.test(msg);
  return new InputError(
    `--db ${redactUrl(url)}: cannot use the database at ${endpointOf(url)}: ${msg}${code}`,
    unreachable ? "db-unreachable" : "bad-db",
  );
}

export async function openPgHistory(
  url: string,
  o: { create: boolean; connections?: number },
): Promise<PgHistory> {
  const config = poolConfig(url, { max: o.connections ?? 4 });
  const { default: pg } = await import("pg");
  const pool = new pg.Pool(config);
  // An idle connection dropped by the server (a restart) is an event, not a crash: the next query
  // opens a new one.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  try {
    await migrate(pool, url, o.create);
    return new PgHistory(pool, redactUrl(url));
  } catch (e) {
    await pool.end().catch(() => {});
    throw connectError(url, e);
  }
}

async function migrate(pool: Pool, url: string, create: boolean): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    const exists = await client.query(
      "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'schema_version'",
      [PG_SCHEMA],
    );
    if (!exists.rowCount && !create)
      throw new InputError(
        `--db ${redactUrl(url)}: no monitor database there (chainproof monitor creates it)`,
        "bad-db",
      );
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${PG_SCHEMA}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${PG_SCHEMA}.schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`,
    );
    const { rows } = await client.query(`SELECT max(version) AS v FROM ${PG_SCHEMA}.schema_version`);
    const current = Number(rows[0].v ?? 0);
    if (current > PG_SCHEMA_VERSION)
      throw new InputError(
        `--db ${redactUrl(url)}: schema version ${current} is newer than this chainproof's (${PG_SCHEMA_VERSION}); upgrade chainproof`,
        "bad-db",
      );
    await client.query(`SET LOCAL search_path TO ${PG_SCHEMA}`);
    for (const m of PG_MIGRATIONS) {
      if (m.version <= current) continue;
      await client.query(m.sql);
      await client.query("INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)", [
        m.version,
        new Date().toISOString(),
      ]);
    }
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

interface ResultRow {
  id: string;
  round_id: string;
  target: string;
  checked_at: string;
  status: StoredResult["status"];
  labels: string;
  summary: string;
  changes: string;
}

interface AlertRow {
  id: string;
  round_id: string;
  result_id: string;
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

interface DeliveryRow {
  alert_id: string;
  channel: string;
  state: AlertDelivery["state"];
  attempts: number;
  last_error: string | null;
  updated_at: string;
  next_attempt_at: string | null;
}

const RESULT_COLUMNS = "id, round_id, target, checked_at, status, labels, summary, changes";

function resultOf(r: ResultRow): StoredResult {
  return {
    id: Number(r.id),
    round: Number(r.round_id),
    target: r.target,
    checkedAt: r.checked_at,
    status: r.status,
    labels: JSON.parse(r.labels),
    summary: JSON.parse(r.summary),
    changes: JSON.parse(r.changes),
  };
}

function alertOf(r: AlertRow, deliveries: AlertDelivery[]): StoredAlert {
  return {
    id: Number(r.id),
    round: Number(r.round_id),
    resultId: Number(r.result_id),
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
    deliveries,
  };
}

export class PgHistory implements HistoryStore {
  constructor(
    private readonly pool: Pool,
    readonly location: string,
  ) {}

  async startRound(at: Date): Promise<number> {
    const { rows } = await this.pool.query("INSERT INTO rounds (started_at) VALUES ($1) RETURNING id", [
      at.toISOString(),
    ]);
    return Number(rows[0].id);
  }

  async finishRound(round: number, at: Date, counts: Record<string, number>): Promise<void> {
    await this.pool.query("UPDATE rounds SET finished_at = $1, counts = $2 WHERE id = $3", [
      at.toISOString(),
      JSON.stringify(counts),
      round,
    ]);
  }

  async lastResult(target: string): Promise<StoredResult | undefined> {
    const { rows } = await this.pool.query<ResultRow>(
      `SELECT ${RESULT_COLUMNS} FROM results WHERE target = $1 ORDER BY round_id DESC LIMIT 1`,
      [target],
    );
    return rows[0] ? resultOf(rows[0]) : undefined;
  }

  async lastRoundStarts(): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ target: string; at: string }>(
      `SELECT r.target, max(rounds.started_at) AS at FROM results r JOIN rounds ON rounds.id = r.round_id
       GROUP BY r.target`,
    );
    return new Map(rows.map((r) => [r.target, r.at]));
  }

  async alertStates(target: string): Promise<AlertState[]> {
    const { rows } = await this.pool.query(
      "SELECT condition, level, severity, message, since, notified_at FROM alert_states WHERE target = $1 ORDER BY condition",
      [target],
    );
    return rows.map(({ notified_at, ...s }) => ({ ...s, notifiedAt: notified_at }) as AlertState);
  }

  async record(input: RecordInput): Promise<{ result: StoredResult; alerts: StoredAlert[] }> {
    const at = input.at.toISOString();
    const labels = JSON.stringify(input.labels);
    const document =
      input.document === null ? null : gzipSync(Buffer.from(JSON.stringify(input.document)), { level: 1 });
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const stored = await this.recordRows(client, input, document, at, labels);
      await client.query("COMMIT");
      return stored;
    } catch (e) {
      await client.query("ROLLBACK").catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  /** One result with its alert states and alerts, in the caller's transaction. */
  private async recordRows(
    client: PoolClient,
    input: RecordInput,
    document: Buffer | null,
    at: string,
    labels: string,
  ): Promise<{ result: StoredResult; alerts: StoredAlert[] }> {
    const inserted = await client.query(
      `INSERT INTO results (round_id, target, checked_at, status, labels, summary, changes, document)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (target, round_id) DO NOTHING RETURNING id`,
      [
        input.round,
        input.target,
        input.summary.checkedAt,
        input.summary.status,
        labels,
        JSON.stringify(input.summary),
        JSON.stringify(input.changes),
        document,
      ],
    );
    if (!inserted.rowCount) throw new DuplicateResultError(input.target, input.round);
    const resultId = Number(inserted.rows[0].id);
    for (const s of input.plan.upsert)
      await client.query(
        `INSERT INTO alert_states (target, condition, level, severity, message, since, notified_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (target, condition) DO UPDATE SET level = excluded.level, severity = excluded.severity,
           message = excluded.message, since = excluded.since, notified_at = excluded.notified_at`,
        [input.target, s.condition, s.level, s.severity, s.message, s.since, s.notifiedAt],
      );
    for (const c of input.plan.clear)
      await client.query("DELETE FROM alert_states WHERE target = $1 AND condition = $2", [input.target, c]);
    const alerts: StoredAlert[] = [];
    for (const a of input.plan.alerts) {
      const { rows } = await client.query(
        `INSERT INTO alerts (round_id, result_id, target, labels, kind, conditions, severity, title, message, since, created_at, changes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
        [
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
        ],
      );
      const id = Number(rows[0].id);
      for (const ch of input.channels)
        await client.query(
          // Due at once: a monitor stopped between storing an alert and delivering it delivers it next time.
          "INSERT INTO alert_deliveries (alert_id, channel, state, attempts, updated_at, next_attempt_at) VALUES ($1, $2, 'pending', 0, $3, $3)",
          [id, ch, at],
        );
      alerts.push({
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
      });
    }
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
    await this.pool.query(
      `INSERT INTO alert_deliveries (alert_id, channel, state, attempts, last_error, updated_at, next_attempt_at)
       VALUES ($1, $2, $3, 1, $4, $5, $6)
       ON CONFLICT (alert_id, channel) DO UPDATE SET state = excluded.state,
         attempts = alert_deliveries.attempts + 1, last_error = excluded.last_error,
         updated_at = excluded.updated_at, next_attempt_at = excluded.next_attempt_at`,
      [
        alertId,
        channel,
        ok ? "delivered" : "failed",
        error?.slice(0, 2000) ?? null,
        at.toISOString(),
        ok ? null : (nextAttemptAt?.toISOString() ?? null),
      ],
    );
  }

  async pendingDeliveries(o: {
    channels: readonly string[];
    dueBy?: Date;
    limit?: number;
  }): Promise<PendingDelivery[]> {
    if (o.channels.length === 0) return [];
    const args: unknown[] = [o.channels, o.limit ?? 1000];
    if (o.dueBy) args.push(o.dueBy.toISOString());
    const { rows } = await this.pool.query<{
      alert_id: string;
      channel: string;
      attempts: number;
      next_attempt_at: string;
    }>(
      `SELECT alert_id, channel, attempts, next_attempt_at FROM alert_deliveries
       WHERE next_attempt_at IS NOT NULL AND state <> 'delivered' AND channel = ANY($1::text[])
         ${o.dueBy ? "AND next_attempt_at <= $3" : ""}
       ORDER BY next_attempt_at, alert_id LIMIT $2`,
      args,
    );
    if (!rows.length) return [];
    const alerts = await this.selectAlerts("WHERE id = ANY($1::bigint[])", [rows.map((r) => r.alert_id)]);
    const byId = new Map(alerts.map((a) => [String(a.id), a]));
    return rows.map((d) => ({
      alert: byId.get(d.alert_id)!,
      channel: d.channel,
      attempts: d.attempts,
      nextAttemptAt: d.next_attempt_at,
    }));
  }

  async history(target: string, o: { limit?: number } = {}): Promise<StoredResult[]> {
    const { rows } = await this.pool.query<ResultRow>(
      `SELECT ${RESULT_COLUMNS} FROM results WHERE target = $1 ORDER BY round_id DESC LIMIT $2`,
      [target, o.limit ?? 100],
    );
    return rows.map(resultOf);
  }

  async targets() {
    const { rows } = await this.pool.query<{ target: string; results: string; last: string }>(
      "SELECT target, count(*) AS results, max(checked_at) AS last FROM results GROUP BY target ORDER BY target",
    );
    return rows.map((r) => ({ target: r.target, results: Number(r.results), lastCheckedAt: r.last }));
  }

  async document(resultId: number): Promise<unknown | null> {
    const { rows } = await this.pool.query<{ document: Buffer | null }>(
      "SELECT document FROM results WHERE id = $1",
      [resultId],
    );
    const doc = rows[0]?.document;
    return doc ? JSON.parse(gunzipSync(doc).toString("utf8")) : null;
  }

  async alerts(o: { target?: string; limit?: number; undelivered?: boolean } = {}): Promise<StoredAlert[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (o.target !== undefined) {
      args.push(o.target);
      where.push(`target = $${args.length}`);
    }
    if (o.undelivered)
      where.push(
        "EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.alert_id = alerts.id AND d.state <> 'delivered')",
      );
    args.push(o.limit ?? 100);
    return this.selectAlerts(
      `${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT $${args.length}`,
      args,
    );
  }

  private async selectAlerts(tail: string, args: unknown[]): Promise<StoredAlert[]> {
    const { rows } = await this.pool.query<AlertRow>(`SELECT * FROM alerts ${tail}`, args);
    if (!rows.length) return [];
    const found = await this.pool.query<DeliveryRow>(
      `SELECT alert_id, channel, state, attempts, last_error, updated_at, next_attempt_at FROM alert_deliveries
       WHERE alert_id = ANY($1::bigint[]) ORDER BY channel`,
      [rows.map((r) => r.id)],
    );
    const byAlert = new Map<string, AlertDelivery[]>();
    for (const d of found.rows) {
      const list = byAlert.get(d.alert_id) ?? [];
      list.push({
        channel: d.channel,
        state: d.state,
        attempts: d.attempts,
        lastError: d.last_error,
        updatedAt: d.updated_at,
        nextAttemptAt: d.next_attempt_at,
      });
      byAlert.set(d.alert_id, list);
    }
    return rows.map((r) => alertOf(r, byAlert.get(r.id) ?? []));
  }

  async prune(keep: Retention, now: Date): Promise<number> {
    if ("maxAgeMs" in keep) {
      const cutoff = new Date(now.getTime() - keep.maxAgeMs).toISOString();
      return (await this.pool.query("DELETE FROM results WHERE checked_at < $1", [cutoff])).rowCount ?? 0;
    }
    // The newest maxResults of each target stay.
    const r = await this.pool.query(
      `DELETE FROM results WHERE id IN (
         SELECT id FROM (
           SELECT id, row_number() OVER (PARTITION BY target ORDER BY id DESC) AS n FROM results
         ) AS ranked WHERE n > $1)`,
      [keep.maxResults],
    );
    return r.rowCount ?? 0;
  }

  // -------------------------------------------------------------------------------------------------------
  // For the job queue (src/app/monitor-queue.ts): rounds whose checks other processes store.

  /** Whether the round has a result for the target already (a job that came back is then done). */
  async hasResult(round: number, target: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("SELECT 1 FROM results WHERE round_id = $1 AND target = $2", [
      round,
      target,
    ]);
    return (rowCount ?? 0) > 0;
  }

  /** How many results the round has. */
  async countResults(round: number): Promise<number> {
    const { rows } = await this.pool.query("SELECT count(*) AS n FROM results WHERE round_id = $1", [round]);
    return Number(rows[0].n);
  }

  /** The round's results, in the order they were stored. */
  async roundResults(round: number): Promise<StoredResult[]> {
    const { rows } = await this.pool.query<ResultRow>(
      `SELECT ${RESULT_COLUMNS} FROM results WHERE round_id = $1 ORDER BY id`,
      [round],
    );
    return rows.map(resultOf);
  }

  /** The alerts the round raised, oldest first. */
  async roundAlerts(round: number): Promise<StoredAlert[]> {
    return this.selectAlerts("WHERE round_id = $1 ORDER BY id", [round]);
  }

  /** Bytes the monitor's tables take (with indexes and TOAST), for the benchmark. */
  async sizeBytes(): Promise<number> {
    const { rows } = await this.pool.query(
      `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS n FROM pg_class c
       JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE ns.nspname = $1 AND c.relkind = 'r'`,
      [PG_SCHEMA],
    );
    return Number(rows[0].n);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}
