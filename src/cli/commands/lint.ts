/**
 * `chainproof lint FILE…`: run the certificate linter (src/lint, docs/lints.md) over every certificate of
 * the files, as text (default), JSON (--json, docs/schemas/lint.schema.json) or SARIF 2.1.0 (--sarif).
 *
 * Exit status: 2 when an input could not be read (the others are still linted and printed); otherwise 1 when
 * an error-severity lint fired on any certificate, 0 when none did (warnings and notices do not fail).
 */

import { type LintDocument, type LintedCertificateJson, lint } from "../../app/lint.js";
import { lintById, sourceText } from "../../lint/index.js";
import type { LintSeverity } from "../../lint/types.js";
import { InputError } from "../../x509/errors.js";
import { type PasswordOptions, passwordFrom } from "../io.js";
import { plural } from "../render/format.js";
import { type Style, safeText, styleFor } from "../style.js";
import { quietOnClosedPipe } from "./roots.js";

// As in main.ts (not imported from there: main.ts runs the program when loaded).
const EXIT_OK = 0;
const EXIT_LINT_ERRORS = 1;
const EXIT_BAD_INPUT = 2;

export interface LintCliOptions extends PasswordOptions {
  json?: boolean;
  sarif?: boolean;
}

export async function runLintCommand(files: string[], opts: LintCliOptions): Promise<number> {
  if (opts.json && opts.sarif) throw new InputError("--json and --sarif cannot be used together", "usage");
  const password = passwordFrom(opts);
  quietOnClosedPipe();
  const doc = await lint({
    inputs: files.length ? files : ["-"],
    ...(password !== undefined ? { password } : {}),
  });
  const out = process.stdout;
  if (opts.json) out.write(`${JSON.stringify(doc, null, 2)}\n`);
  else if (opts.sarif) out.write(`${JSON.stringify(lintSarif(doc), null, 2)}\n`);
  else out.write(lintText(doc, styleFor(out)));
  for (const e of doc.errors) process.stderr.write(`chainproof: ${safeText(e.message)}\n`);
  if (doc.errors.length) return EXIT_BAD_INPUT;
  return doc.totals.error > 0 ? EXIT_LINT_ERRORS : EXIT_OK;
}

const LABEL: Record<LintSeverity, string> = { error: "error  ", warning: "warning", notice: "notice " };

function colourFor(style: Style, severity: LintSeverity): (s: string) => string {
  return severity === "error" ? style.red : severity === "warning" ? style.yellow : style.dim;
}

/** One block per certificate: its name, kind and place, then each lint that fired with its source. */
export function lintText(doc: LintDocument, style: Style): string {
  const lines: string[] = [];
  doc.certificates.forEach((c, i) => {
    if (i > 0) lines.push("");
    const where = `${c.source.file} #${c.source.position}`;
    lines.push(
      style.bold(safeText(`${c.subject || "(empty subject)"}`)) +
        style.dim(` (${c.kind}, ${safeText(where)})`),
    );
    if (c.findings.length === 0) lines.push(`  ${style.green("✓")} no lint fired (${doc.lints} run)`);
    for (const f of c.findings) {
      lines.push(`  ${colourFor(style, f.severity)(LABEL[f.severity])} ${f.id}  ${style.dim(f.source)}`);
      for (const m of f.messages) lines.push(`          ${safeText(m)}`);
    }
  });
  const t = doc.totals;
  if (t.certificates > 0) lines.push("");
  lines.push(
    `${plural(t.certificates, "certificate")} linted: ${plural(t.error, "error")}, ${plural(t.warning, "warning")}, ${plural(t.notice, "notice")}.`,
  );
  return `${lines.join("\n")}\n`;
}

const SARIF_LEVEL: Record<LintSeverity, string> = { error: "error", warning: "warning", notice: "note" };

/** SARIF 2.1.0: a rule per lint that fired, a result per finding, located at the file (and PEM line). */
export function lintSarif(doc: LintDocument) {
  const ruleIds = [...new Set(doc.certificates.flatMap((c) => c.findings.map((f) => f.id)))];
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "chainproof",
            version: "0.1.0",
            rules: ruleIds.map(ruleDescriptor),
          },
        },
        results: doc.certificates.flatMap((c) => c.findings.map((f) => sarifResult(c, f))),
      },
    ],
  };
}

function ruleDescriptor(id: string) {
  const lint = lintById(id);
  return {
    id,
    shortDescription: { text: lint?.description ?? id },
    properties: lint ? { source: sourceText(lint.source), effective: lint.effective, kinds: lint.kinds } : {},
  };
}

function sarifResult(c: LintedCertificateJson, f: LintedCertificateJson["findings"][number]) {
  return {
    ruleId: f.id,
    level: SARIF_LEVEL[f.severity],
    message: { text: `${c.subject || "(empty subject)"}: ${f.messages.join("; ")} (${f.source})` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: c.source.file === "-" ? "stdin" : c.source.file },
          ...(c.source.line ? { region: { startLine: c.source.line } } : {}),
        },
      },
    ],
    partialFingerprints: { certificateSha256: c.sha256 },
  };
}
