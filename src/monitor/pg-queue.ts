/**
 * The monitor's job queue on PostgreSQL: pg-boss (jobs fetched with SELECT … FOR UPDATE SKIP LOCKED, an
 * expiry per job, retries), in its own schema (`chainproof_queue`) of the history's database.
 *
 * - One queue, `chainproof-check`: a job is one target of one round.
 * - A job's id is derived from (round, target), and its singleton key is `round:target`: enqueueing the
 *   same pair twice (a retried insert) inserts one job.
 * - The lease is the job's expiry: a worker that dies mid-check (kill -9) leaves its job active; once the
 *   lease has passed, pg-boss's maintenance (run every second by any live process of the queue) fails it,
 *   and it is retried after RETRY_DELAY_S by whichever worker fetches it.
 * - pg-boss talks to Postgres through a pg Pool: a connection lost to a restart is replaced at the next
 *   query, and the fetch loop keeps polling, so a worker resumes by itself once the server is back.
 *
 * pg-boss (and pg) are imported when a queue is opened, never when this module is.
 */

import { createHash } from "node:crypto";
import type PgBoss from "pg-boss";
import { connectError, poolConfig } from "./pg-history.js";

export const QUEUE_SCHEMA = "chainproof_queue";
export const CHECK_QUEUE = "chainproof-check";

/** How often pg-boss's maintenance (expiring jobs past their lease) runs: bounds how late a lease ends. */
const MAINTENANCE_S = 1;
/** Seconds before a failed or expired job is offered again. */
export const RETRY_DELAY_S = 1;
/** Attempts of one job before pg-boss gives up on it (a round then waits in vain: the scheduler says so). */
export const RETRY_LIMIT = 50;
/** How often an idle worker asks for a job (pg-boss's minimum is 0.5 s). */
const POLL_S = 0.5;

/** A UUID from (round, target): the same pair always makes the same job id. */
export function jobId(round: number, target: string): string {
  const h = createHash("sha256").update(`chainproof-check\n${round}\n${target}`).digest("hex");
  // The layout of a version 8 (custom) UUID, variant 10.
  const variant = ((Number.parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface QueuedJob<T> {
  id: string;
  data: T;
}

export interface CheckQueue<T> {
  /** Insert one job per (round, target) pair not yet queued; returns the job ids. */
  enqueue(
    round: number,
    jobs: readonly { target: string; data: T }[],
    leaseSeconds: number,
  ): Promise<string[]>;
  /**
   * Run `handler` on jobs, `concurrency` at once, until stop(). A handler that throws fails its job (it is
   * retried); one that does not finish within the job's lease is failed too.
   */
  work(concurrency: number, handler: (job: QueuedJob<T>) => Promise<unknown>): Promise<void>;
  /** Cancel jobs not yet done (a round given up on). */
  cancel(ids: readonly string[]): Promise<void>;
  /** What each job returned (the jobs that completed), by id. */
  outputs(ids: readonly string[]): Promise<Map<string, unknown>>;
  /** How many of these jobs are waiting, running or done. */
  states(ids: readonly string[]): Promise<Record<string, number>>;
  /** Stop fetching; wait up to `graceMs` for jobs in flight (then they are failed, and retried elsewhere). */
  stop(graceMs?: number): Promise<void>;
}

export async function openCheckQueue<T extends object>(
  url: string,
  o: { onError?: (e: Error) => void; application?: string } = {},
): Promise<CheckQueue<T>> {
  const config = poolConfig(url, { max: 8, application: o.application ?? "chainproof-queue" });
  const { default: PgBossClass } = await import("pg-boss");
  const boss = new PgBossClass({
    connectionString: config.connectionString,
    max: config.max,
    connectionTimeoutMillis: config.connectionTimeoutMillis,
    application_name: config.application_name,
    schema: QUEUE_SCHEMA,
    supervise: true,
    schedule: false,
    maintenanceIntervalSeconds: MAINTENANCE_S,
    // Completed jobs are kept for a day, then archived (the results are in the history, not here).
    archiveCompletedAfterSeconds: 24 * 3600,
  } as PgBoss.ConstructorOptions);
  // pg-boss emits connection trouble as events; without a listener an 'error' event would end the process.
  boss.on("error", (e: Error) => o.onError?.(e));
  try {
    await boss.start();
    await boss.createQueue(CHECK_QUEUE, {
      name: CHECK_QUEUE,
      policy: "standard",
      retryLimit: RETRY_LIMIT,
      retryDelay: RETRY_DELAY_S,
    });
  } catch (e) {
    await boss.stop({ graceful: false, wait: true }).catch(() => {});
    throw connectError(url, e);
  }
  return new PgBossQueue<T>(boss);
}

class PgBossQueue<T extends object> implements CheckQueue<T> {
  private readonly pool: { query: (sql: string, args: unknown[]) => Promise<{ rows: unknown[] }> };

  constructor(private readonly boss: PgBoss) {
    const db = boss.getDb();
    this.pool = { query: (sql, args) => db.executeSql(sql, args) };
  }

  async enqueue(round: number, jobs: readonly { target: string; data: T }[], leaseSeconds: number) {
    const rows = jobs.map((j) => ({
      id: jobId(round, j.target),
      name: CHECK_QUEUE,
      data: j.data,
      singletonKey: `${round}:${j.target}`,
      expireInSeconds: leaseSeconds,
      retryLimit: RETRY_LIMIT,
      retryDelay: RETRY_DELAY_S,
    }));
    // In slices: one statement per slice keeps each insert's JSON parameter reasonable.
    for (let i = 0; i < rows.length; i += 1000) await this.boss.insert(rows.slice(i, i + 1000));
    return rows.map((r) => r.id);
  }

  async work(concurrency: number, handler: (job: QueuedJob<T>) => Promise<unknown>): Promise<void> {
    // One fetch loop per slot: a slow check holds only its own slot (a batch would hold them all).
    for (let i = 0; i < concurrency; i++)
      await this.boss.work<T>(CHECK_QUEUE, { batchSize: 1, pollingIntervalSeconds: POLL_S }, async ([job]) =>
        handler({ id: job.id, data: job.data }),
      );
  }

  async cancel(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 1000) await this.boss.cancel(CHECK_QUEUE, ids.slice(i, i + 1000));
  }

  async outputs(ids: readonly string[]): Promise<Map<string, unknown>> {
    const { rows } = await this.pool.query(
      `SELECT id::text AS id, output FROM ${QUEUE_SCHEMA}.job WHERE name = $1 AND id = ANY($2::uuid[]) AND state = 'completed'
       UNION ALL
       SELECT id::text, output FROM ${QUEUE_SCHEMA}.archive WHERE name = $1 AND id = ANY($2::uuid[]) AND state = 'completed'`,
      [CHECK_QUEUE, ids],
    );
    return new Map((rows as { id: string; output: unknown }[]).map((r) => [r.id, r.output]));
  }

  async states(ids: readonly string[]): Promise<Record<string, number>> {
    const { rows } = await this.pool.query(
      `SELECT state, count(*) AS n FROM ${QUEUE_SCHEMA}.job WHERE name = $1 AND id = ANY($2::uuid[]) GROUP BY state`,
      [CHECK_QUEUE, ids],
    );
    return Object.fromEntries((rows as { state: string; n: string }[]).map((r) => [r.state, Number(r.n)]));
  }

  async stop(graceMs = 10_000): Promise<void> {
    await this.boss.stop({ graceful: graceMs > 0, timeout: Math.max(1000, graceMs), wait: true });
  }
}
