/**
 * `chainproof worker --db postgres://… [--concurrency N]`: takes check jobs from the monitor's Postgres job
 * queue, checks each target and stores its result, until SIGINT or SIGTERM (then the checks in flight get a
 * few seconds to finish; those that do not go back to the queue). Parses the options, calls the worker use
 * case (src/app/monitor-queue.ts), reports. docs/monitor.md describes it.
 *
 * Exit status: 0 after a signal, 2 on bad input (a --db that is not a reachable PostgreSQL database).
 */

import { openMonitorQueue, runWorker } from "../../app/monitor-queue.js";
import { openHistory } from "../../monitor/history.js";
import type { PgHistory } from "../../monitor/pg-history.js";
import { InputError } from "../../x509/errors.js";
import { passwordFrom } from "../io.js";

export interface WorkerCliOptions {
  db?: string;
  concurrency?: string;
  storePasswordEnv?: string;
  verbose?: boolean;
  grace?: string;
}

const MAX_CONCURRENCY = 256;

function parseCount(text: string | undefined, option: string, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > max)
    throw new InputError(`${option} ${JSON.stringify(text)}: give a number from 1 to ${max}`, "usage");
  return n;
}

export async function runWorkerCommand(opts: WorkerCliOptions): Promise<number> {
  const db = opts.db?.trim();
  if (!db || !/^postgres(ql)?:\/\//i.test(db))
    throw new InputError(
      "--db postgres://USER@HOST/DB is required: workers take jobs from the monitor's PostgreSQL job queue",
      "usage",
    );
  const concurrency = parseCount(opts.concurrency, "--concurrency", 16, MAX_CONCURRENCY);
  const graceMs = parseCount(opts.grace, "--grace", 10, 3600) * 1000;
  const storePassword = opts.storePasswordEnv
    ? passwordFrom({ passwordEnv: opts.storePasswordEnv })
    : undefined;
  const say = (m: string) => process.stderr.write(`chainproof worker: ${m}\n`);
  // A connection for each check storing at once, and one for the rest.
  const history = (await openHistory(db, { create: true, connections: concurrency + 1 })) as PgHistory;
  let troubleShown = 0;
  const trouble = (m: string) => {
    // A lost database makes every fetch loop say so each poll: once a second is enough.
    if (Date.now() - troubleShown < 1000) return;
    troubleShown = Date.now();
    say(m);
  };
  try {
    const queue = await openMonitorQueue(db, { onError: (e) => trouble(`queue: ${e.message}`) });
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    say(`taking jobs from ${history.location}, ${concurrency} at once; Ctrl-C stops`);
    try {
      const stats = await runWorker({
        history,
        queue,
        concurrency,
        signal: stop.signal,
        graceMs,
        ...(storePassword !== undefined ? { storePassword } : {}),
        log: (m) => (opts.verbose || !/ (trusted|untrusted|failed|invalid)$/.test(m) ? say(m) : undefined),
      });
      say(
        `stopped: ${stats.checked} checked, ${stats.alreadyStored} found stored already, ${stats.retried} retried`,
      );
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    return 0;
  } finally {
    await history.close();
  }
}
