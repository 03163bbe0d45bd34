/**
 * The finding codes: one documented, ranked, explained code per rule, and messages that treat certificate
 * text as data.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { explain } from "../src/verify/explain.js";
import { byRank, FINDING_CODES, type Finding, RANK } from "../src/verify/findings.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

describe("finding codes", () => {
  it("each code in findings.ts has a doc comment naming its rule and source", () => {
    const src = readFileSync(join(root, "src/verify/findings.ts"), "utf8");
    for (const code of FINDING_CODES) {
      const at = src.indexOf(`  "${code}",`);
      assert.ok(at > 0, `${code} is not listed one per line`);
      const before = src.slice(0, at).trimEnd();
      assert.ok(before.endsWith("*/"), `${code} has no doc comment`);
      const doc = before.slice(before.lastIndexOf("/**"));
      assert.match(doc, /RFC|CABF|policy|caller|budget|path/i, `${code}'s doc names no source`);
    }
  });

  it("ranks every code once, most specific first", () => {
    const ranks = FINDING_CODES.map((c) => RANK[c]);
    assert.equal(new Set(ranks).size, FINDING_CODES.length);
    assert.ok(RANK.expired > RANK["bad-signature"]);
    assert.ok(RANK["bad-signature"] > RANK["no-path-to-trust-anchor"]);
    const list = [
      { code: "no-path-to-trust-anchor" },
      { code: "expired" },
      { code: "bad-signature" },
    ] as const;
    assert.deepEqual(
      [...list].sort(byRank).map((f) => f.code),
      ["expired", "bad-signature", "no-path-to-trust-anchor"],
    );
  });

  it("explains every code in one line, with names as escaped plain text", () => {
    for (const code of FINDING_CODES) {
      const f: Finding = {
        code,
        severity: "error",
        detail: "",
        message: "",
        cert: {
          position: 1,
          role: "intermediate",
          subject: "CN=x",
          label: "Evil\n<script>alert(1)</script>",
          sha256: "00",
        },
        issuer: { position: 2, role: "anchor", subject: "CN=r", label: "Root", sha256: "11" },
      };
      const m = explain(f);
      assert.ok(m.length > 20, code);
      assert.doesNotMatch(m, /[\n\r\u0000-\u001f]/, `${code}: control characters must not pass through`);
      if (m.includes("Evil")) assert.ok(m.includes('"Evil\\x0a<script>alert(1)</script>"'), m);
    }
  });
});
