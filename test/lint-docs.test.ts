/** docs/lints.md is the registry's table as scripts/gen-lint-docs.ts writes it: regenerate it when a lint changes. */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { LINTS, lintsMarkdown } from "../src/lint/index.js";
import { ROOT } from "./helpers/cli.js";

describe("docs/lints.md", () => {
  const doc = readFileSync(join(ROOT, "docs", "lints.md"), "utf8");

  it("is current (npm run build && node dist/scripts/gen-lint-docs.js)", () => {
    assert.equal(doc, lintsMarkdown());
  });

  it("lists every lint once, with its severity, source and effective date", () => {
    for (const l of LINTS) {
      const rows = doc.split("\n").filter((line) => line.startsWith(`| \`${l.id}\` |`));
      assert.equal(rows.length, 1, l.id);
      assert.ok(
        rows[0].includes(`| ${l.severity} |`) &&
          rows[0].includes(l.source.section) &&
          rows[0].includes(l.effective),
        rows[0],
      );
    }
  });
});
