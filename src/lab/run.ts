/**
 * Check every lab endpoint for every client and compare with what each endpoint declares; repair the
 * incomplete one. What `chainproof demo` prints and the lab tests assert.
 */

import { CLIENT_IDS, type ClientId } from "../clients/index.js";
import { type CheckReport, checkEndpoint, type FixResult, fixChain } from "../net/scan.js";
import { type ExpectedVerdict, expectedFor } from "./endpoints.js";
import type { Lab, RunningEndpoint } from "./server.js";

export interface ClientOutcome {
  client: ClientId;
  expected: ExpectedVerdict;
  /** "trusted", or the code of the refusal (the verdict's reason), or "depends". */
  actual: string;
  ok: boolean;
}

export interface EndpointOutcome {
  endpoint: RunningEndpoint;
  report: CheckReport;
  clients: ClientOutcome[];
  /** Declared finding codes the report lacks. */
  missingFindings: string[];
  ok: boolean;
}

/** What a client's verdict comes to, in the declaration's terms. */
export function actualVerdict(v: CheckReport["matrix"]["clients"][number]): string {
  if (v.trusted) return "trusted";
  if (v.status === "depends") return "depends";
  return v.reason?.code ?? "untrusted";
}

/** The options the lab checks with: its store, its distrust rules, no preloaded intermediates, AIA to itself. */
export function labCheckOptions(lab: Lab, clients: readonly ClientId[] = CLIENT_IDS) {
  return {
    clients,
    stores: lab.store,
    distrustRules: lab.distrustRules,
    // The lab's intermediates are not among those Firefox preloads.
    preloaded: [],
    aia: { allowOrigins: lab.aiaOrigins },
    timeoutMs: 5_000,
  };
}

export async function checkLabEndpoint(
  lab: Lab,
  e: RunningEndpoint,
  clients: readonly ClientId[] = CLIENT_IDS,
): Promise<EndpointOutcome> {
  const report = await checkEndpoint(
    { host: e.host, port: e.port, connectTo: lab.address },
    labCheckOptions(lab, clients),
  );
  const outcomes = report.matrix.clients.map((v): ClientOutcome => {
    const expected = expectedFor(e.spec.expect, v.client);
    const actual = actualVerdict(v);
    return { client: v.client, expected, actual, ok: expected === actual };
  });
  const codes = new Set(report.matrix.findings.map((f) => f.code));
  const missingFindings = (e.spec.expect.findings ?? []).filter((f) => !codes.has(f));
  return {
    endpoint: e,
    report,
    clients: outcomes,
    missingFindings,
    ok: outcomes.every((x) => x.ok) && missingFindings.length === 0,
  };
}

/** Check every endpoint (a few at a time). */
export async function checkLab(
  lab: Lab,
  clients: readonly ClientId[] = CLIENT_IDS,
  concurrency = 4,
): Promise<EndpointOutcome[]> {
  const out: EndpointOutcome[] = new Array(lab.endpoints.length);
  let next = 0;
  const worker = async () => {
    while (next < lab.endpoints.length) {
      const i = next++;
      out[i] = await checkLabEndpoint(lab, lab.endpoints[i], clients);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

/** `check --fix` on a lab endpoint: the repaired chain and the clients' verdicts on it. */
export async function fixLabEndpoint(
  lab: Lab,
  outcome: EndpointOutcome,
  clients: readonly ClientId[] = CLIENT_IDS,
): Promise<FixResult | undefined> {
  const o = labCheckOptions(lab, clients);
  return fixChain(outcome.report, {
    clients,
    stores: o.stores,
    distrustRules: o.distrustRules,
    preloaded: o.preloaded,
    aia: o.aia,
  });
}
