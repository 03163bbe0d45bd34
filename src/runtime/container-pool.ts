/**
 * Runs heavy input work in worker threads, so that it never blocks the event loop of a process serving
 * other requests (`chainproof serve`): opening password-protected containers (PKCS#12, JKS, JCEKS: key
 * derivation), built in, and any job a face names by module (`runModule`: the web server's SAML Response
 * and metadata checks, src/web/saml-job.ts). One pool, so every kind shares one concurrency limit.
 *
 * Why a module of its own, outside the engine layers: the engine's readers (src/x509/containers) stay
 * synchronous and pure, and the CLI uses them directly; threads are process machinery a face chooses. It
 * sits beside src/net and src/keystore (it uses only src/x509), so src/web and src/cli may both use it.
 *
 * A small pool (at most two threads by default) runs one job per thread at a time; more requests wait in
 * a short queue, and past it are refused as "busy". Each job gets a time budget: when it runs out, its
 * thread is terminated (V8 stops it even inside a JavaScript hash loop; a native PBKDF2 call finishes
 * first, and the iteration caps keep that short) and the caller gets a LimitError saying so.
 */

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { BadPasswordError, InputError, LimitError } from "../x509/errors.js";
import type { OpenedContainer } from "../x509/input.js";

/** One container to open. */
export interface OpenJob {
  kind: "pkcs12" | "jks";
  bytes: Uint8Array;
  password: string;
  /** How messages name the input. */
  name: string;
}

/**
 * What a thread is asked to do: open a container, or call `runJob(input)` exported by a module (a
 * file: URL). The input and what runJob returns must survive structured clone (plain data: strings,
 * numbers, byte arrays, dates); runJob should return its expected failures as data too, since only an
 * InputError's name, code and message cross back.
 */
export type WorkerJob = { kind: "open"; job: OpenJob } | { kind: "module"; module: string; input: unknown };

/** What the worker answers: the result, or the error as data. */
export type WorkerAnswer =
  | { ok: true; value: unknown }
  | { ok: false; error: { name: string; code: string; message: string } };

export interface ContainerPoolOptions {
  /** Threads at most (default: 2, or 1 on a single core). */
  threads?: number;
  /** Time one job may take in its thread before the thread is terminated, ms (default 10,000). */
  budgetMs?: number;
  /** Jobs that may wait for a thread; more are refused as busy (default 16). */
  maxWaiting?: number;
}

export const DEFAULT_BUDGET_MS = 10_000;

interface Pending {
  job: WorkerJob;
  /** The refusal when the budget runs out (it names the input and what was being done). */
  overBudget: () => LimitError;
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
}

/** How messages speak of one job. */
interface JobWords {
  /** The input, as messages name it. */
  name: string;
  /** What the jobs of this kind are, plural: "password-protected files are being opened". */
  busy: string;
  /** What ran out of time: "opening it took more than 10 s of key derivation". */
  overBudget: (seconds: number) => string;
}

/** A thread and the job it is running, if any. */
interface Thread {
  worker: Worker;
  /** Resolves when the worker has loaded its modules (its budget does not include start-up). */
  ready: Promise<void>;
  /** Settles the current job: an answer, or an error for the thread itself. */
  settle?: (a: WorkerAnswer | Error) => void;
}

export class ContainerPool {
  readonly threads: number;
  readonly budgetMs: number;
  readonly maxWaiting: number;
  private readonly idle: Thread[] = [];
  private running = 0;
  private readonly waiting: Pending[] = [];
  private closed = false;

  constructor(opts: ContainerPoolOptions = {}) {
    this.threads = opts.threads ?? Math.min(2, availableParallelism());
    this.budgetMs = opts.budgetMs ?? DEFAULT_BUDGET_MS;
    this.maxWaiting = opts.maxWaiting ?? 16;
  }

  /**
   * Opens a container in a thread. Rejects with the engine's own InputError (BadPasswordError,
   * LimitError…) as the synchronous reader would throw it, a LimitError when the budget runs out, an
   * InputError "server-busy" when too many wait, and a plain Error for a failure of the thread itself.
   */
  open(job: OpenJob): Promise<Exclude<OpenedContainer, { kind: "failed" }>> {
    return this.submit(
      { kind: "open", job },
      {
        name: job.name,
        busy: "password-protected files are being opened",
        overBudget: (s) => `opening it took more than ${s} s of key derivation`,
      },
    ) as Promise<Exclude<OpenedContainer, { kind: "failed" }>>;
  }

  /**
   * Calls `runJob(input)` of the module at `module` (a file: URL) in a thread and resolves with what it
   * returns. Rejects as open() does: a LimitError past the budget, "server-busy" when too many wait, the
   * InputError runJob threw, or a plain Error for a bug or a failure of the thread.
   */
  runModule(module: URL, input: unknown, words: JobWords): Promise<unknown> {
    return this.submit({ kind: "module", module: module.href, input }, words);
  }

  private submit(job: WorkerJob, words: JobWords): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error("the container pool is closed"));
      if (this.running >= this.threads && this.waiting.length >= this.maxWaiting) {
        return reject(
          new InputError(
            `${words.name}: ${this.running + this.waiting.length} ${words.busy}; try again shortly`,
            "server-busy",
          ),
        );
      }
      const overBudget = () =>
        new LimitError(`${words.name}: ${words.overBudget(this.budgetMs / 1000)}; refused`);
      this.waiting.push({ job, overBudget, resolve, reject });
      this.pump();
    });
  }

  /** Like open(), but a failure becomes the `failed` outcome (see ReadOptions.opened). */
  async settle(job: OpenJob): Promise<OpenedContainer> {
    try {
      return await this.open(job);
    } catch (e) {
      return { kind: "failed", error: e instanceof Error ? e : new Error(String(e)) };
    }
  }

  /** Terminates the idle threads and refuses new work; running jobs finish. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.waiting.splice(0)) p.reject(new Error("the container pool is closed"));
    await Promise.all(this.idle.splice(0).map((t) => t.worker.terminate()));
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.running < this.threads) {
      const next = this.waiting.shift()!;
      this.running++;
      void this.run(this.idle.pop() ?? spawn(), next);
    }
  }

  private async run(thread: Thread, { job, overBudget, resolve, reject }: Pending): Promise<void> {
    const answer = await new Promise<WorkerAnswer | Error>((settle) => {
      thread.ready.then(
        () => {
          const timer = setTimeout(() => settle(overBudget()), this.budgetMs);
          thread.settle = (a) => {
            clearTimeout(timer);
            settle(a);
          };
          thread.worker.ref();
          thread.worker.postMessage(job);
        },
        (e: Error) => settle(e),
      );
    });
    thread.settle = undefined;
    this.running--;
    if (answer instanceof Error || this.closed) {
      // Over budget, or the thread failed: it may still be deriving, so it goes.
      void thread.worker.terminate();
    } else {
      thread.worker.unref(); // an idle thread must not keep the process alive
      this.idle.push(thread);
    }
    if (answer instanceof Error) reject(answer);
    else if (answer.ok) resolve(answer.value);
    else reject(rebuildError(answer.error));
    this.pump();
  }
}

function spawn(): Thread {
  // "../runtime/": the same file from this folder and from the command line's bundle (scripts/bundle-cli.ts).
  const worker = new Worker(new URL("../runtime/container-worker.js", import.meta.url));
  const thread: Thread = { worker, ready: Promise.resolve() };
  thread.ready = new Promise((ready, failed) => {
    worker.on("message", (m: WorkerAnswer | "ready") => (m === "ready" ? ready() : thread.settle?.(m)));
    worker.on("error", (e) => {
      failed(e);
      thread.settle?.(new Error(`container worker failed: ${e.message}`));
    });
    worker.on("exit", (code) => {
      failed(new Error(`container worker exited (code ${code}) before it started`));
      thread.settle?.(new Error(`container worker exited (code ${code})`));
    });
  });
  return thread;
}

/** The engine's error classes back from their data, so callers and the web's error mapping see no change. */
function rebuildError(e: { name: string; code: string; message: string }): Error {
  if (e.code === "internal") return new Error(`container worker: ${e.message}`);
  if (e.name === "BadPasswordError") return new BadPasswordError(e.message);
  if (e.code === "limit-exceeded") return new LimitError(e.message);
  return new InputError(e.message, e.code);
}

let shared: ContainerPool | undefined;

/** The process's pool (created on first use). */
export function containerPool(): ContainerPool {
  shared ??= new ContainerPool();
  return shared;
}

/** Replaces the process's pool with one of these options (the old one is closed). */
export function configureContainerPool(opts: ContainerPoolOptions): ContainerPool {
  void shared?.close();
  shared = new ContainerPool(opts);
  return shared;
}
