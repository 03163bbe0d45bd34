/**
 * The fuzzing thread. The main thread (../fuzz.ts) watches it: before each input runs, the input is copied
 * into shared memory and a heartbeat counter moves, so when an input never returns the main thread can end
 * this thread, save that input as a hang, and start a new thread on the rest of the plan.
 */

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { parseCertificate } from "../../src/x509/certificate.js";
import { parsePem } from "../../src/x509/pem.js";
import { CoverageTracker } from "./coverage.js";
import { fuzzTarget } from "./engine.js";
import { samlTrust, targetNamed } from "./targets.js";

export interface WorkerPlan {
  target: string;
  inputs: number;
  seed: number;
}

export interface WorkerData {
  plan: WorkerPlan[];
  corpusDir: string;
  coverageEvery: number;
  /** Int32 [heartbeat, input length, plan index, inputs done in that plan entry], then the input's bytes. */
  shared: SharedArrayBuffer;
}

/** Offset of the input bytes in the shared buffer. */
export const SHARED_HEADER = 16;

/** Every seed file of a target's corpus directory, in name order. */
export function readSeeds(corpusDir: string, target: string): Uint8Array[] {
  const dir = join(corpusDir, target);
  return readdirSync(dir)
    .filter((f) => !f.startsWith("."))
    .sort()
    .map((f) => new Uint8Array(readFileSync(join(dir, f))));
}

/** The certificate SAML seeds are signed with: a Response signed by it verifies. */
export function loadSamlTrust(corpusDir: string): void {
  const pem = readFileSync(join(corpusDir, "saml-signer.pem"), "latin1");
  samlTrust.certificates = parsePem(pem).map((b) => parseCertificate(b.der));
}

/** DER seeds of every binary target: subtrees spliced between formats reach code one format alone does not. */
function derDonors(corpusDir: string): Uint8Array[] {
  return ["der", "pkcs7", "crl", "ocsp"].flatMap((t) => readSeeds(corpusDir, t));
}

function main(data: WorkerData): void {
  const header = new Int32Array(data.shared, 0, 4);
  const body = new Uint8Array(data.shared, SHARED_HEADER);
  loadSamlTrust(data.corpusDir);
  const donorsDer = derDonors(data.corpusDir);
  const coverage = new CoverageTracker("/dist/src/");
  data.plan.forEach((step, index) => {
    const target = targetNamed(step.target);
    const seeds = readSeeds(data.corpusDir, step.target);
    const donors = target.kind === "der" || target.kind === "binary" ? [...seeds, ...donorsDer] : seeds;
    Atomics.store(header, 2, index);
    Atomics.store(header, 3, 0);
    const stats = fuzzTarget(target, seeds, donors, coverage, {
      inputs: step.inputs,
      seed: step.seed,
      coverageEvery: data.coverageEvery,
      beforeRun(input) {
        const n = Math.min(input.length, body.length);
        body.set(input.subarray(0, n));
        Atomics.store(header, 1, n);
        Atomics.add(header, 0, 1);
        Atomics.add(header, 3, 1);
      },
      onFinding: (finding) => parentPort!.postMessage({ type: "finding", finding }),
    });
    parentPort!.postMessage({ type: "stats", stats });
  });
  coverage.close();
  parentPort!.postMessage({ type: "done" });
}

if (parentPort && workerData) main(workerData as WorkerData);
