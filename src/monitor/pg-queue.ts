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
 *   query; a worker's fetch loop retries with backoff (0.5 s doubling to 8 s) and resumes by itself once
 *   the server is back.
 *
 * pg-boss (and pg) are imported when a queue is opened, never when this module is.
 */

import { createHash } from "node:crypto";
import type PgBoss from "pg-boss";
import { connectError, poolConfig } from "./pg-history.js";

export const QUEUE_SCHEMA = "chainproof_queue";
export const CHECK_QUEUE = "chainproof-check";

/** The advisory lock the queue's setup holds ("CPMQ"). */
const QUEUE_SETUP_LOCK = 0x4350_4d51;
/** How often pg-boss's maintenance (expiring jobs past their lease) runs: bounds how late a lease ends. */
const MAINTENANCE_S = 1;
/** Seconds before a failed or expired job is offered again. */
export const RETRY_DELAY_S = 1;
/** Attempts of one job before pg-boss gives up on it (a round then waits in vain: the scheduler says so). */
export const RETRY_LIMIT = 50;
/** How often an idle slot asks for a job. */
const POLL_MS = 500;
/** Waits between attempts while the database is away (a restart): 0.5 s doubling to 8 s. */
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000];

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
  const { default: pg } = await import("pg");
  const lock = new pg.Client(config);
  lock.on("error", () => {});
  try {
    // Installing pg-boss's schema and creating the queue race (a deadlock) when several processes start
    // on a new database at once: one at a time, under a session advisory lock.
    await lock.connect();
    await lock.query("SELECT pg_advisory_lock($1)", [QUEUE_SETUP_LOCK]);
    await boss.start();
    if (!(await boss.getQueue(CHECK_QUEUE)))
      await boss.createQueue(CHECK_QUEUE, {
        name: CHECK_QUEUE,
        policy: "standard",
        retryLimit: RETRY_LIMIT,
        retryDelay: RETRY_DELAY_S,
      });
  } catch (e) {
    await boss.stop({ graceful: false, wait: true }).catch(() => {});
    throw connectError(url, e);
  } finally {
    await lock.end().catch(() => {});
  }
  return new PgBossQueue<T>(boss, o.onError);
}

class PgBossQueue<T extends object> implements CheckQueue<T> {
  private stopping = false;
  private loop: Promise<void> = Promise.resolve();
  private readonly running = new Set<Promise<void>>();
  private readonly inFlight = new Set<string>();
  private readonly wakers = new Set<() => void>();
  private readonly pool: { query: (sql: string, args: unknown[]) => Promise<{ rows: unknown[] }> };

  constructor(
    private readonly boss: PgBoss,
    private readonly onError?: (e: Error) => void,
  ) {
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
    this.stopping = false;
    this.loop = this.dispatch(concurrency, handler);
  }

  /**
   * Keep up to `concurrency` jobs running: fetch as many jobs as there are free slots, start each at once,
   * fetch again when a quarter of the slots are free (or sleep POLL_MS when the queue is empty). Each fetch
   * sorts the waiting jobs (pg-boss's order: priority, creation), so fetching several at a time keeps a
   * round of many targets from costing a sort per job; pg-boss's own work() also sleeps its polling
   * interval after every batch, which caps a worker at a few jobs a second. A lost database is retried
   * with backoff.
   */
  private async dispatch(
    concurrency: number,
    handler: (job: QueuedJob<T>) => Promise<unknown>,
  ): Promise<void> {
    const refillAt = Math.max(1, Math.floor(concurrency / 4));
    let failures = 0;
    while (!this.stopping) {
      const free = concurrency - this.running.size;
      if (free < refillAt) {
        await Promise.race([...this.running, this.pause(POLL_MS)]);
        continue;
      }
      let jobs: PgBoss.Job<T>[];
      try {
        jobs = (await this.boss.fetch<T>(CHECK_QUEUE, { batchSize: free })) ?? [];
        failures = 0;
      } catch (e) {
        this.onError?.(e as Error);
        await this.pause(BACKOFF_MS[Math.min(failures++, BACKOFF_MS.length - 1)]);
        continue;
      }
      if (!jobs.length) {
        await this.pause(POLL_MS);
        continue;
      }
      for (const job of jobs) {
        const run: Promise<void> = this.runOne(job, handler).finally(() => this.running.delete(run));
        this.running.add(run);
      }
    }
  }

  /** One job: the handler, then the job marked completed (with the handler's output) or failed. */
  private async runOne(job: PgBoss.Job<T>, handler: (job: QueuedJob<T>) => Promise<unknown>) {
    this.inFlight.add(job.id);
    try {
      const output = await handler({ id: job.id, data: job.data });
      await this.settle(() => this.boss.complete(CHECK_QUEUE, job.id, (output ?? {}) as object));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      await this.settle(() => this.boss.fail(CHECK_QUEUE, job.id, { message }));
    } finally {
      this.inFlight.delete(job.id);
    }
  }

  /**
   * Mark a job done or failed, a few times while the database is away; if it never works, the job's
   * lease brings it back, and the history's unique key makes the second attempt a no-op.
   */
  private async settle(mark: () => Promise<unknown>): Promise<void> {
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        await mark();
        return;
      } catch (e) {
        this.onError?.(e as Error);
        await this.pause(BACKOFF_MS[attempt], true);
      }
    }
  }

  /** Sleep; stop() cuts it short unless `always`. */
  private pause(ms: number, always = false): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (!always) this.wakers.add(done);
    });
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
    this.stopping = true;
    for (const wake of this.wakers) wake();
    const drained = this.loop.then(() => Promise.all([...this.running]));
    await Promise.race([drained, new Promise((r) => setTimeout(r, graceMs).unref())]);
    // Checks still running past the grace: their jobs go back now rather than after their lease.
    const left = [...this.inFlight];
    for (const id of left)
      await this.boss.fail(CHECK_QUEUE, id, { message: "the worker stopped" }).catch(() => {});
    await this.boss.stop({ graceful: false, wait: true }).catch(() => {});
  }
}
