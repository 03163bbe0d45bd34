/**
 * Engine time on pathological chains (issue 12): `npm run build && node dist/bench/pathological.js
 * [--runs N]`, also part of `npm run bench`.
 *
 * Each case is built once (test/helpers/pathological.ts); every run parses its certificates afresh, so no
 * signature result is cached from an earlier run, and times evaluateClients alone (parsing excluded): for
 * Salesforce alone and for all eight clients, the median wall time and the median CPU time of the process
 * (less sensitive to other work on a shared machine) of N runs. A normal root → intermediate → leaf chain
 * measured the same way in the same run is the baseline. Imported public keys are cached by SPKI for the
 * whole process (as a server re-checking the same CAs keeps them), so after the warm-up run a run pays the
 * signature verifications, not the key imports.
 */

import { CLIENT_IDS, type ClientId, evaluateClients } from "../src/clients/index.js";
import { parseCertificate } from "../src/x509/certificate.js";
import * as P from "../test/helpers/pathological.js";
import { NOW } from "../test/helpers/pki.js";

const CASES: [string, () => P.PathologicalCase][] = [
  ["baseline", () => P.normalChain()],
  ["pile", () => P.sameSubjectPile(200, 137)],
  ["mesh", () => P.crossSignedMesh(40)],
  ["same-name", () => P.longChain(200, true)],
  ["shuffled", () => P.shuffledSameNameChain(50)],
  ["long-60", () => P.longChain(60)],
  ["long-101", () => P.longChain(101)],
];

interface Timing {
  wall: number;
  cpu: number;
}

/** One evaluation on freshly parsed copies of the case's certificates: engine milliseconds. */
function timeOnce(c: P.PathologicalCase, clients: readonly ClientId[]): Timing {
  const sent = c.sent.map((x) => parseCertificate(x.der));
  const root = parseCertificate(c.root.cert.der);
  const cpu = process.cpuUsage();
  const t = performance.now();
  evaluateClients({
    leaf: sent[0],
    presented: sent,
    clients,
    stores: P.storeOf(root),
    host: "example.com",
    time: NOW,
  });
  const wall = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

function median(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)].toFixed(1).padStart(7);
}

function summary(ts: Timing[]): string {
  return `wall ${median(ts.map((t) => t.wall))} ms, CPU ${median(ts.map((t) => t.cpu))} ms`;
}

export function benchPathological(argv: string[] = []): void {
  const i = argv.indexOf("--runs");
  const runs = i >= 0 ? Number(argv[i + 1]) : 5;
  console.log(
    `Pathological chains: engine time per evaluation (medians), fresh certificates each run (${runs} runs):`,
  );
  for (const [name, make] of CASES) {
    const c = make();
    timeOnce(c, ["salesforce"]); // warm the JIT on this shape
    const one = Array.from({ length: runs }, () => timeOnce(c, ["salesforce"]));
    const all = Array.from({ length: runs }, () => timeOnce(c, CLIENT_IDS));
    console.log(`  ${name.padEnd(10)} ${String(c.sent.length).padStart(5)} certs  ${c.name}`);
    console.log(`             Salesforce alone: ${summary(one)};  all eight: ${summary(all)}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) benchPathological(process.argv.slice(2));
