/**
 * Write docs/lints.md, the table of every certificate lint, from the registry (src/lint/docs.ts).
 * test/lint-docs.test.ts checks the file is current.
 *
 *   npm run build && node dist/scripts/gen-lint-docs.js
 */

import { writeFileSync } from "node:fs";
import { LINTS, lintsMarkdown } from "../src/lint/index.js";

const out = new URL("../../docs/lints.md", import.meta.url);
writeFileSync(out, lintsMarkdown());
process.stdout.write(`wrote docs/lints.md (${LINTS.length} lints)\n`);
