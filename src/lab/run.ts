/**
 * Check every lab endpoint for every client and compare with what each endpoint declares; repair the
 * incomplete one. What `chainproof demo` prints and the lab tests assert.
 */

import { CLIENT_IDS, type ClientId } from "../clients/index.js";
import {
  describeServerVerdict,
  predictClientCertificateSent,
  type SendPrediction,
  type ServerVerdict,
} from "../keystore/mtls.js";
import { probe } from "../net/probe.js";
import { reportWithRevocation, revocationOf } from "../net/revocation.js";
import { type CheckReport, checkEndpoint, type FixResult, fixChain } from "../net/scan.js";
import { readTlv } from "../x509/der.js";
import { parseName } from "../x509/names.js";
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
  const checked = await checkEndpoint(
    { host: e.host, port: e.port, connectTo: lab.address },
    labCheckOptions(lab, clients),
  );
  // Endpoints about revocation: each client's verdict includes what it does with the answer.
  const revocation = e.spec.revocation
    ? await revocationOf(checked, clients, {
        allowOrigins: lab.aiaOrigins,
        store: lab.store,
        time: new Date(),
      })
    : undefined;
  const report = revocation ? reportWithRevocation(checked, revocation) : checked;
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

// ---------------------------------------------------------------------------------------------------------
// Mutual TLS: the self-signed client certificate before and after it is installed on the target

export interface MtlsStep {
  endpoint: string;
  /** Whether the certificate is installed (trusted) on this endpoint. */
  installed: boolean;
  /** The CA names of the endpoint's CertificateRequest. */
  names: string[];
  prediction: SendPrediction;
  /** The server's answer to what Salesforce/Java does. */
  verdict: ServerVerdict;
  /** Before: not accepted, with the alert named; after: accepted. */
  ok: boolean;
}

/**
 * Present lab-client-self-signed, as a Salesforce callout would, to mtls-ca-names (where it is not
 * installed: Java withholds it, the server refuses) and to mtls-self-signed (installed: sent, accepted).
 */
export async function labMtlsDemo(lab: Lab): Promise<MtlsStep[]> {
  const cert = lab.pki.clientSelfSigned;
  const chain = [cert.built.cert];
  const clientCert = {
    cert: cert.built.pem,
    key: cert.key.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
  };
  const steps: MtlsStep[] = [];
  for (const [name, installed] of [
    ["mtls-ca-names", false],
    ["mtls-self-signed", true],
  ] as const) {
    const e = lab.endpoints.find((x) => x.spec.name === name);
    if (!e) continue;
    const target = { host: e.host, port: e.port, connectTo: lab.address };
    const opts = { connectTimeoutMs: 5_000, handshakeTimeoutMs: 5_000, totalTimeoutMs: 5_000 };
    const bare = await probe(target, opts);
    const der = bare.certificateRequest?.certificateAuthorities ?? [];
    const prediction = predictClientCertificateSent(chain, der);
    const r = prediction.sent ? await probe(target, { ...opts, clientCert }) : bare;
    const verdict = describeServerVerdict(r);
    const ok = installed
      ? verdict.verdict === "accepted"
      : verdict.verdict !== "accepted" && verdict.alert !== undefined;
    steps.push({
      endpoint: name,
      installed,
      names: der.map((d) => {
        try {
          return parseName(d, readTlv(d, 0, d.length), "CA name").toString();
        } catch {
          return "(unparsable name)";
        }
      }),
      prediction,
      verdict,
      ok,
    });
  }
  return steps;
}
