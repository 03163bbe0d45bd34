/**
 * The lints of a certificate shown beside it (decode, verify, check): the counts, then each error and
 * warning with its id and message. Notices are counted only; `chainproof lint` shows them in full.
 */

import type { CertificateLints, LintSeverity } from "../../lint/index.js";
import { type Style, safeText } from "../style.js";
import { plural } from "./format.js";

/** Only these are listed one by one; a notice is advice, and its count says where to look. */
const LISTED: readonly LintSeverity[] = ["error", "warning"];

/** "2 errors, 1 warning, 3 notices" (zero counts left out); "none fired" when nothing did. */
export function lintCounts(lints: CertificateLints, withNotices = true): string {
  const c = lints.counts;
  const parts = [
    c.error ? plural(c.error, "error") : "",
    c.warning ? plural(c.warning, "warning") : "",
    withNotices && c.notice ? plural(c.notice, "notice") : "",
  ].filter((p) => p !== "");
  return parts.length ? parts.join(", ") : "none fired";
}

/** One line per error or warning: "error e_serial_number_zero: the serial number is 0". */
export function lintFindingLines(lints: CertificateLints, style: Style): string[] {
  return lints.findings
    .filter((f) => LISTED.includes(f.severity))
    .map((f) => {
      const colour = f.severity === "error" ? style.red : style.yellow;
      const message = f.messages.length ? f.messages.join("; ") : f.description;
      return `${colour(f.severity)} ${f.id}: ${safeText(message)}`;
    });
}

/** decode's block: "lints: 2 errors, 1 warning" then the errors and warnings, indented by `indent`. */
export function lintBlock(lints: CertificateLints, style: Style, indent = "  "): string {
  const lines = [`${indent}lints: ${lintCounts(lints)}`];
  for (const l of lintFindingLines(lints, style)) lines.push(`${indent}  ${l}`);
  return `${lines.join("\n")}\n`;
}

/**
 * verify's and check's summary of the chain as sent: one line per certificate on which an error or a
 * warning fired ("#1 leaf: 1 error" and its findings); empty when none did.
 */
export function sentLintsText(
  sent: readonly { position: number; role: string; lints?: CertificateLints }[],
  style: Style,
): string {
  const lines: string[] = [];
  for (const s of sent) {
    if (!s.lints || s.lints.counts.error + s.lints.counts.warning === 0) continue;
    lines.push(`  #${s.position} ${s.role}: ${lintCounts(s.lints, false)}`);
    for (const l of lintFindingLines(s.lints, style)) lines.push(`    ${l}`);
  }
  if (lines.length === 0) return "";
  return `\n${style.bold("Lints of the certificates sent")} ${style.dim("(errors and warnings; chainproof lint shows all)")}\n${lines.join("\n")}\n`;
}
