/**
 * Worker-thread entry of ./container-pool.ts: runs one job per message. A container is opened with the
 * engine's own synchronous readers, so their key derivation (PBKDF2, the PKCS#12 KDF, Sun's MD5 PBE) runs
 * here and not on the server's event loop; a module job calls the module's `runJob(input)` (loaded once).
 *
 * Messages in: WorkerJob. Messages out: "ready" once, then a WorkerAnswer per job. Inputs and results are
 * plain bytes, strings and dates, which cross the thread boundary by structured clone; errors cross as
 * their name, code and message.
 */

import { parentPort } from "node:worker_threads";
import { readJks } from "../x509/containers/jks.js";
import { readPkcs12 } from "../x509/containers/pkcs12.js";
import { InputError } from "../x509/errors.js";
import type { OpenJob, WorkerAnswer, WorkerJob } from "./container-pool.js";

/** A module that a pool job names. */
interface JobModule {
  runJob(input: unknown): unknown;
}

const modules = new Map<string, Promise<JobModule>>();

parentPort?.on("message", (job: WorkerJob) => {
  void answer(job).then((a) => parentPort?.postMessage(a));
});
// Modules loaded: the pool starts a job's budget from here.
parentPort?.postMessage("ready");

async function answer(job: WorkerJob): Promise<WorkerAnswer> {
  try {
    if (job.kind === "open") return { ok: true, value: open(job.job) };
    if (!modules.has(job.module)) modules.set(job.module, import(job.module) as Promise<JobModule>);
    const loaded = await modules.get(job.module)!;
    return { ok: true, value: loaded.runJob(job.input) };
  } catch (e) {
    if (e instanceof InputError) {
      return { ok: false, error: { name: e.name, code: e.code, message: e.message } };
    }
    // A bug, not bad input: the caller answers "internal error"; the detail goes to the server log.
    const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
    return { ok: false, error: { name: "Error", code: "internal", message } };
  }
}

function open(job: OpenJob) {
  const opts = { name: job.name };
  if (job.kind === "pkcs12") return { kind: "pkcs12", contents: readPkcs12(job.bytes, job.password, opts) };
  return { kind: "jks", contents: readJks(job.bytes, job.password, opts) };
}
