/** `check --tls` and `scan --tls`: the option and the text rendering of the TLS document (docs/tls.md). */

import type { TlsDocument, TlsOptions, TlsScanSummary } from "../../app/tls.js";
import { CLIENTS } from "../../clients/index.js";
import { InputError } from "../../x509/errors.js";
import { type Style, safeText } from "../style.js";

export function tlsCliOptions(opts: { tlsConnections?: string }): Omit<TlsOptions, "signal"> {
  if (opts.tlsConnections === undefined) return {};
  const n = Number(opts.tlsConnections);
  if (!/^\d+$/.test(opts.tlsConnections.trim()) || n < 1 || n > 32)
    throw new InputError(
      `--tls-connections ${JSON.stringify(opts.tlsConnections)}: give a whole number from 1 to 32`,
      "usage",
    );
  return { concurrency: n };
}

const yesNo = (v: boolean | null) => (v === null ? "unknown" : v ? "yes" : "no");

/** "session IDs (TLSv1.2) no (IDs assigned but not accepted); tickets (TLSv1.2) yes, lifetime 7200 s; …" */
function resumptionText(r: NonNullable<TlsDocument["enumeration"]["resumption"]>): string {
  const parts: string[] = [];
  for (const [label, m] of [
    ["session IDs", r.sessionId],
    ["tickets", r.ticket],
    ["TLS 1.3 tickets", r.tls13Ticket],
  ] as const) {
    if (!m) continue;
    const refused = label === "session IDs" ? "IDs assigned but not accepted" : "issued but not accepted";
    const verdict =
      m.resumed === null ? "unknown" : m.resumed ? "yes" : m.issued ? `no (${refused})` : "no (none issued)";
    const lifetime = m.resumed !== null && m.lifetimeSeconds ? `, lifetime ${m.lifetimeSeconds} s` : "";
    parts.push(`${label} (${m.version}) ${verdict}${lifetime}`);
  }
  return parts.join("; ");
}

export function renderTls(doc: TlsDocument, style: Style): string {
  const t = safeText;
  const e = doc.enumeration;
  const lines: string[] = ["", style.bold("TLS")];
  lines.push(
    `  Versions: ${e.versions.map((v) => (v.supported ? style.green(v.version) : v.supported === null ? style.yellow(`${v.version}?`) : style.dim(`no ${v.version}`))).join("  ")}`,
  );
  for (const [version, s] of Object.entries(e.suites)) {
    const order = s.serverOrder === null ? "" : s.serverOrder ? " (server's order)" : " (client's order)";
    lines.push(`  ${version} cipher suites${order}:`);
    for (const suite of s.suites) {
      const notes = [...suite.weaknesses, ...(suite.forwardSecrecy ? [] : ["no forward secrecy"])];
      const text = `    ${suite.name}${notes.length ? `  (${notes.join(", ")})` : ""}`;
      lines.push(suite.weaknesses.length ? style.red(text) : notes.length ? style.yellow(text) : text);
    }
  }
  for (const [version, groups] of Object.entries(e.groups))
    lines.push(`  ${version} groups: ${groups.length ? groups.join(", ") : "none"}`);
  if (e.signatureAlgorithms)
    lines.push(style.dim(`  Signature algorithms: ${e.signatureAlgorithms.join(", ")}`));
  const sni = e.sni
    ? e.sni.answersWithout
      ? `answers without SNI${e.sni.sameCertificate === false ? " with another certificate" : ""}`
      : "refuses clients without SNI"
    : "unknown";
  lines.push(
    style.dim(
      `  SNI: ${sni}; OCSP stapling: ${yesNo(e.ocspStapling)}; secure renegotiation: ${yesNo(e.secureRenegotiation)}; fallback SCSV: ${yesNo(e.fallbackScsv)}; ALPN: ${t(e.alpn ?? "none")}`,
    ),
  );
  if (e.resumption) lines.push(style.dim(`  Session resumption: ${resumptionText(e.resumption)}`));
  lines.push(style.dim(`  ${e.connections} connections (${e.concurrency} at once) in ${e.elapsedMs} ms`));
  for (const u of e.unknown) lines.push(style.yellow(`  Not learnt: ${t(u)}`));
  lines.push("", style.bold("Handshake per client"));
  for (const h of doc.handshakes) {
    if (h.outcome === "ok")
      lines.push(
        `  ${style.green("✓")} ${h.label}: ${h.version}, ${h.cipher}${h.group ? `, ${h.group}` : ""}`,
      );
    else if (h.outcome === "fails") lines.push(`  ${style.red("✗")} ${h.label}: ${t(h.error?.text ?? "")}`);
    else lines.push(`  ${style.yellow("?")} ${h.label}: ${t(h.unknown ?? "unknown")}`);
  }
  for (const f of doc.findings) {
    const mark = f.severity === "error" ? style.red("✗") : f.severity === "warning" ? style.yellow("!") : "·";
    lines.push("", `${mark} ${t(f.message)}`, `  Fix: ${t(f.fix)}`);
    for (const s of f.servers) {
      lines.push(style.bold(`  ${s.server}`));
      for (const l of s.text.split("\n")) lines.push(`    ${t(l)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** One line under a scan result: the versions, the clients whose handshake fails, weak suites. */
export function tlsScanLine(s: TlsScanSummary, style: Style): string {
  const failing = s.handshakes.filter((h) => h.outcome === "fails").map((h) => CLIENTS[h.client].name);
  const parts = [`TLS ${s.versions.join(", ") || "none"}`];
  if (failing.length) parts.push(style.red(`handshake fails: ${failing.join(", ")}`));
  if (s.weakSuites.length) parts.push(style.yellow(`${s.weakSuites.length} weak suites`));
  if (s.unknown.length) parts.push(style.yellow(`${s.unknown.length} probes failed`));
  return parts.join("; ");
}
