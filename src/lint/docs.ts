/**
 * docs/lints.md, generated from the registry so that it cannot drift from the code:
 * scripts/gen-lint-docs.ts writes it and test/lint-docs.test.ts checks that it is current.
 */

import { LINT_FAMILIES, LINTS, sourceText } from "./registry.js";
import type { Lint } from "./types.js";

const INTRO = `# Certificate lints

\`chainproof lint FILE…\` runs ${LINTS.length} lints over every certificate of the files (any format \`decode\` reads), in
the manner of zlint and pkilint: each lint is one rule about how a single certificate is built, taken from RFC 5280
(and the RFCs on algorithms it relies on), the CA/Browser Forum Baseline Requirements and EV Guidelines, or the
Mozilla Root Store Policy. \`decode\` (text, \`--json\` and the web app's decoder) shows the lints that fired on each
certificate it shows; \`verify\` and \`check\` on each certificate as sent (the web's check page too, and a certificate
opened from its drawing); \`scan\` counts them per target (the table's \`E W N\` column, \`lints\` in \`--json\`, the web's
scan page).

\`\`\`sh
chainproof lint leaf.pem chain.p7b            # text: per certificate, each lint that fired and its source
chainproof lint --json leaf.pem               # docs/schemas/lint.schema.json
chainproof lint --sarif *.pem > lints.sarif   # SARIF 2.1.0 for code scanning
\`\`\`

Exit status: 0 when no error-severity lint fired, 1 when one did, 2 when an input could not be read.

- **Id**: \`e_\` (error), \`w_\` (warning) or \`n_\` (notice), then what the rule is about; ids never change meaning.
- **Severity**: error where the source says MUST or MUST NOT (a CA that breaks it mis-issued), warning for SHOULD and
  SHOULD NOT, notice for NOT RECOMMENDED and what is worth knowing.
- **Kinds**: root (a self-issued CA), intermediate (another CA: basicConstraints cA), subscriber (not a CA). A lint
  applies only to its kinds, and some only within a narrower scope (given under the description), e.g. the Baseline
  Requirements' subscriber rules to TLS server certificates only, so client, S/MIME and SAML certificates are left
  alone.
- **Effective**: the lint applies to certificates whose notBefore is on or after this date (and, for rules a later
  one replaced, before the date after the arrow): the lifetime limits follow BR 6.3.2 and ballot SC-081's schedule.

Real CAs break these rules, including CAs in the bundled trust stores: \`node dist/scripts/lint-roots.js\` counts the
lints that fire on the bundled Mozilla and Federal PKI roots. The code is in \`src/lint/\` (one file of \`rules/\` per
family below); every lint is tested with a certificate that breaks it and one that keeps it
(\`test/lint-rules.test.ts\`).

This file is generated: \`npm run build && node dist/scripts/gen-lint-docs.js\`.
`;

/** Markdown table cells must not break the row. */
const cell = (s: string) => s.replace(/\|/g, "\\|");

function row(l: Lint): string {
  const effective = l.ineffective ? `${l.effective} → ${l.ineffective}` : l.effective;
  const description = l.scope ? `${l.description} (${l.scope})` : l.description;
  return `| \`${l.id}\` | ${l.severity} | ${l.kinds.join(", ")} | ${sourceText(l.source)} | ${effective} | ${cell(description)} |`;
}

/** The whole of docs/lints.md. */
export function lintsMarkdown(): string {
  const count = (s: string) => LINTS.filter((l) => l.severity === s).length;
  const parts = [
    INTRO.trimEnd(),
    `${LINTS.length} lints: ${count("error")} errors, ${count("warning")} warnings, ${count("notice")} notices.`,
  ];
  for (const family of LINT_FAMILIES) {
    parts.push(
      [
        `## ${family.name} (${family.lints.length})`,
        "",
        "| id | severity | kinds | source | effective | description |",
        "| --- | --- | --- | --- | --- | --- |",
        ...family.lints.map(row),
      ].join("\n"),
    );
  }
  return `${parts.join("\n\n")}\n`;
}
