/**
 * `chainproof check --revocation` as text: each certificate's status and where it came from, the OCSP and
 * CRL answers, then per client whether the connection still succeeds.
 */

import { CLIENTS } from "../../clients/index.js";
import type { RevocationReport } from "../../net/revocation.js";
import { type Style, safeText } from "../style.js";

export function renderRevocation(r: RevocationReport, style: Style): string {
  const t = safeText;
  const lines: string[] = [style.bold("Revocation")];
  if (!r.certificates.length)
    lines.push(style.dim("  Nothing checked: the issuer of the server's certificate is unknown."));
  for (const c of r.certificates) {
    const status =
      c.status === "revoked"
        ? style.red(
            `✗ revoked${c.revocation?.time ? ` since ${c.revocation.time}` : ""}${c.revocation?.reason ? ` (${c.revocation.reason})` : ""}`,
          )
        : c.status === "good"
          ? style.green("✓ not revoked")
          : style.yellow("? status unknown");
    lines.push(`  ${t(c.certificate.subject)}: ${status}`);
    if (!c.ocsp.length && !c.crl.length)
      lines.push(style.dim("    no stapled response, OCSP URL or CRL distribution point to ask"));
    for (const x of c.ocsp) {
      const where = x.source === "stapled" ? "OCSP (stapled)" : `OCSP ${t(x.url ?? "")}`;
      const what = x.fetchError
        ? `unreachable: ${t(x.fetchError)}`
        : x.judgement?.valid
          ? `${x.judgement.status}, signed by ${x.judgement.signer?.kind === "delegated" ? `the delegated responder ${t(x.judgement.signer.subject)}` : "the issuer"}`
          : t(x.judgement?.detail ?? "unusable");
      lines.push(style.dim(`    ${where}: ${what}`));
    }
    for (const x of c.crl)
      lines.push(
        style.dim(
          `    CRL ${t(x.url)}: ${t(x.fetchError ? `unreachable: ${x.fetchError}` : (x.status ?? "?"))}`,
        ),
      );
  }
  if (r.mustStaple)
    lines.push(
      `  Must-staple: ${r.stapled ? "yes, and a response is stapled" : style.red("yes, but nothing is stapled")}`,
    );
  const width = Math.max(...r.clients.map((c) => CLIENTS[c.client].name.length));
  for (const c of r.clients) {
    const name = CLIENTS[c.client].name.padEnd(width);
    const verdict = c.connects
      ? style.green("connects")
      : style.red(`refuses: ${t(c.error ?? c.because ?? "")}`);
    lines.push(`  ${name}  ${verdict}${c.note ? style.dim(` (${t(c.note)})`) : ""}`);
  }
  for (const f of r.findings) {
    const sev = f.severity === "error" ? style.red(f.severity) : style.yellow(f.severity);
    lines.push(`  ${sev} ${t(f.code)}`, style.dim(`    ${t(f.message)}`), style.dim(`    Fix: ${t(f.fix)}`));
  }
  return `\n${lines.join("\n")}\n`;
}
