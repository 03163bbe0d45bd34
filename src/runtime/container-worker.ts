/**
 * Worker-thread entry of ./container-pool.ts: opens one password-protected container per message with the
 * engine's own synchronous readers, so their key derivation (PBKDF2, the PKCS#12 KDF, Sun's MD5 PBE) runs
 * here and not on the server's event loop.
 *
 * Messages in: OpenJob. Messages out: "ready" once, then an OpenAnswer per job. The contents are plain bytes, strings and dates, which
 * cross the thread boundary by structured clone; errors cross as their name, code and message.
 */

import { parentPort } from "node:worker_threads";
import { readJks } from "../x509/containers/jks.js";
import { readPkcs12 } from "../x509/containers/pkcs12.js";
import { InputError } from "../x509/errors.js";
import type { OpenAnswer, OpenJob } from "./container-pool.js";

parentPort?.on("message", (job: OpenJob) => {
  parentPort?.postMessage(open(job));
});
// Modules loaded: the pool starts a container's budget from here.
parentPort?.postMessage("ready");

function open(job: OpenJob): OpenAnswer {
  try {
    const opts = { name: job.name };
    if (job.kind === "pkcs12") {
      return { ok: true, opened: { kind: "pkcs12", contents: readPkcs12(job.bytes, job.password, opts) } };
    }
    return { ok: true, opened: { kind: "jks", contents: readJks(job.bytes, job.password, opts) } };
  } catch (e) {
    if (e instanceof InputError) {
      return { ok: false, error: { name: e.name, code: e.code, message: e.message } };
    }
    // A bug, not bad input: the caller answers "internal error"; the detail goes to the server log.
    const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
    return { ok: false, error: { name: "Error", code: "internal", message } };
  }
}
