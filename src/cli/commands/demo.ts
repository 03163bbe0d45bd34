/**
 * `chainproof demo [--client LIST] [--json]`: the lab, in-process and offline. Starts every endpoint on
 * 127.0.0.1, checks each one for each client over a real TLS connection, prints the matrix (endpoint ×
 * client: ✓, or ✗ with the finding code) next to what each endpoint declares, repairs the incomplete chain
 * the way `check --fix` does and shows the repaired chain trusted. Exit 0 when every verdict matches the
 * declarations and the repair works, 1 otherwise.
 */

import { CLIENTS, type ClientId, resolveClients } from "../../clients/index.js";
import {
  checkLab,
  type EndpointOutcome,
  fixLabEndpoint,
  type Lab,
  labMtlsDemo,
  type MtlsStep,
  startLab,
} from "../../lab/index.js";
import type { FixResult } from "../../net/scan.js";
import { type Style, safeText, styleFor } from "../style.js";
import { renderFixResult } from "./check.js";

export interface DemoCliOptions {
  client?: string;
  json?: boolean;
}

export const DEMO_SCHEMA = "chainproof/demo";

export async function runDemo(opts: DemoCliOptions): Promise<number> {
  const clients = resolveClients(opts.client ?? "all");
  const t0 = Date.now();
  const lab = await startLab();
  let outcomes: EndpointOutcome[];
  let fix: FixResult | undefined;
  let mtls: MtlsStep[];
  let startedMs: number;
  try {
    startedMs = Date.now() - t0;
    outcomes = await checkLab(lab, clients);
    const incomplete = outcomes.find((o) => o.endpoint.spec.name === "incomplete");
    fix = incomplete ? await fixLabEndpoint(lab, incomplete, clients) : undefined;
    mtls = await labMtlsDemo(lab);
  } finally {
    await lab.close();
  }
  const totalMs = Date.now() - t0;
  const fixOk = Boolean(fix?.repair.complete && fix.matrix.trusted);
  const mtlsOk = mtls.length === 2 && mtls.every((m) => m.ok);
  const ok = outcomes.every((o) => o.ok) && fixOk && mtlsOk;
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ ...demoJson(lab, outcomes, fix, ok, totalMs), mtls: mtls.map(mtlsStepJson) }, null, 2)}\n`,
    );
  } else {
    const style = styleFor(process.stdout);
    process.stdout.write(renderDemo(lab, clients, outcomes, fix, style, startedMs, totalMs, ok, mtls));
  }
  return ok ? 0 : 1;
}

function demoJson(
  lab: Lab,
  outcomes: EndpointOutcome[],
  fix: FixResult | undefined,
  ok: boolean,
  ms: number,
) {
  return {
    schema: DEMO_SCHEMA,
    version: 1,
    ok,
    ms,
    store: lab.store.name,
    endpoints: outcomes.map((o) => ({
      name: o.endpoint.spec.name,
      host: o.endpoint.host,
      title: o.endpoint.spec.title,
      ok: o.ok,
      clients: o.clients,
      missingFindings: o.missingFindings,
      findings: o.report.matrix.findings.map((f) => ({ code: f.code, severity: f.severity })),
      handshake: {
        completed: o.report.handshake.completed,
        protocol: o.report.handshake.protocol,
        failure: o.report.handshake.failure?.message ?? null,
      },
    })),
    fix: fix
      ? {
          endpoint: "incomplete",
          complete: fix.repair.complete,
          bundle: fix.repair.bundle.map((e) => ({
            subject: e.cert.subject.toString(),
            from: e.from,
            ...(e.url ? { url: e.url } : {}),
          })),
          trusted: fix.matrix.trusted,
          clients: fix.matrix.clients.map((c) => ({ client: c.client, trusted: c.trusted })),
        }
      : null,
  };
}

/** The matrix: one row per endpoint, ✓/✗ per client, the refusal codes, and whether it is as declared. */
export function renderDemoMatrix(
  clients: readonly ClientId[],
  outcomes: EndpointOutcome[],
  style: Style,
): string {
  const names = clients.map((c) => (CLIENTS[c].name === "Node.js" ? "Node" : CLIENTS[c].name));
  const w = Math.max(8, ...outcomes.map((o) => o.endpoint.spec.name.length));
  const lines: string[] = [];
  lines.push(style.bold(`${"endpoint".padEnd(w)}  ${names.join(" ")}  why not (finding code)`));
  for (const o of outcomes) {
    const cells = o.clients.map((c, i) => {
      const mark =
        c.actual === "trusted"
          ? style.green("✓")
          : c.actual === "depends"
            ? style.yellow("?")
            : style.red("✗");
      const flag = c.ok ? " " : style.red("!");
      return `${mark}${flag}${" ".repeat(Math.max(0, names[i].length - 2))}`;
    });
    // The refusal codes, each with the clients it applies to when not all refusing clients share it.
    const byCode = new Map<string, ClientId[]>();
    for (const c of o.clients)
      if (c.actual !== "trusted") byCode.set(c.actual, [...(byCode.get(c.actual) ?? []), c.client]);
    const refusing = o.clients.filter((c) => c.actual !== "trusted").length;
    const groups = [...byCode].sort((a, b) => b[1].length - a[1].length);
    const short = (c: ClientId) => (CLIENTS[c].name === "Node.js" ? "Node" : CLIENTS[c].name);
    const why = groups
      .map(([code, cs], i) =>
        groups.length === 1
          ? cs.length === refusing && (cs.length === clients.length || cs.length > 2)
            ? code
            : `${code} (${cs.map(short).join(", ")})`
          : i === 0 && cs.length > 2
            ? `${code} (the others)`
            : `${code} (${cs.map(short).join(", ")})`,
      )
      .join("; ");
    const status = o.ok ? style.green("as declared") : style.red("NOT as declared");
    lines.push(
      `${o.endpoint.spec.name.padEnd(w)}  ${cells.join(" ")}  ${safeText(why || "—")}  ${style.dim("·")} ${status}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function renderDemo(
  lab: Lab,
  clients: readonly ClientId[],
  outcomes: EndpointOutcome[],
  fix: FixResult | undefined,
  style: Style,
  startedMs: number,
  totalMs: number,
  ok: boolean,
  mtls: MtlsStep[] = [],
): string {
  const t = safeText;
  let out = "";
  out += style.bold(
    `chainproof demo: ${outcomes.length} lab endpoints on ${lab.address}, ${clients.length} clients, trust store "${lab.store.name}"\n`,
  );
  out += style.dim(
    `Lab PKI generated and servers started in ${(startedMs / 1000).toFixed(1)} s; every cell below is a real TLS connection judged offline.\n\n`,
  );
  out += renderDemoMatrix(clients, outcomes, style);
  const notes = outcomes.filter((o) => o.endpoint.spec.note);
  if (notes.length) {
    out += `\n${style.bold("Notes")}\n`;
    for (const o of notes) out += `  ${t(o.endpoint.spec.name)}: ${t(o.endpoint.spec.note ?? "")}\n`;
  }

  const wrong = outcomes.filter((o) => !o.ok);
  if (wrong.length) {
    out += `\n${style.red(style.bold("Not as declared:"))}\n`;
    for (const o of wrong) {
      for (const c of o.clients.filter((x) => !x.ok))
        out += `  ${t(o.endpoint.spec.name)} / ${CLIENTS[c.client].name}: declared ${t(c.expected)}, got ${t(c.actual)}\n`;
      for (const f of o.missingFindings) out += `  ${t(o.endpoint.spec.name)}: finding ${t(f)} missing\n`;
    }
  }

  if (clients.includes("salesforce")) {
    out += `\n${style.bold("What a Salesforce callout reports")}\n`;
    for (const o of outcomes) {
      const v = o.report.matrix.clients.find((x) => x.client === "salesforce");
      if (!v || v.trusted) continue;
      out += `  ${style.bold(t(o.endpoint.spec.name))}: ${t(v.error?.text ?? v.reason?.message ?? v.status)}\n`;
    }
  }

  if (fix) {
    out += `\n${style.bold("Repairing incomplete.lab.chainproof.test (check --fix)")}\n`;
    out += renderFixResult(fix, undefined, style);
  }
  if (mtls.length) out += renderMtlsSteps(mtls, style);
  out += `\n${
    ok
      ? style.green(
          style.bold(
            `✓ Every verdict is as the lab declares, and the repaired chain is trusted (${(totalMs / 1000).toFixed(1)} s).`,
          ),
        )
      : style.red(
          style.bold(
            `✗ ${wrong.length} endpoint(s) not as declared${fix?.matrix.trusted ? "" : "; the repair did not give a trusted chain"}${mtls.every((m) => m.ok) ? "" : "; mutual TLS not as expected"}.`,
          ),
        )
  }\n`;
  return out;
}

function mtlsStepJson(m: MtlsStep) {
  return {
    endpoint: m.endpoint,
    installed: m.installed,
    certificateAuthorities: m.names,
    sent: m.prediction.sent,
    reason: m.prediction.reason,
    verdict: m.verdict.verdict,
    summary: m.verdict.summary,
    alert: m.verdict.alert ? { code: m.verdict.alert.code, name: m.verdict.alert.name } : null,
    ok: m.ok,
  };
}

/** The self-signed client certificate, before and after it is installed on the target. */
export function renderMtlsSteps(steps: MtlsStep[], style: Style): string {
  const t = safeText;
  let out = `\n${style.bold("Mutual TLS: presenting lab-client-self-signed as a Salesforce callout would")}\n`;
  for (const m of steps) {
    const host = `${m.endpoint}.lab.chainproof.test`;
    out += `  ${style.bold(t(host))} (${m.installed ? "the certificate is installed there" : "not installed there"})\n`;
    out += `    asks for certificates from: ${t(m.names.length ? m.names.join("; ") : "any CA (no names)")}\n`;
    out += `    Java ${m.prediction.sent ? "sends" : "withholds"} the certificate: ${t(m.prediction.reason)}\n`;
    const line = `${m.verdict.verdict === "accepted" ? "✓" : "✗"} ${t(m.verdict.summary)}`;
    out += `    ${m.verdict.verdict === "accepted" ? style.green(line) : style.red(line)}${m.ok ? "" : style.red("  (not as expected)")}\n`;
    if (m.verdict.advice && m.verdict.verdict !== "accepted")
      out += style.dim(`    ${t(m.verdict.advice)}\n`);
  }
  return out;
}
