/**
 * CI smoke: a short, deterministic fuzz run (fixed seed, 20,000 inputs over every target) that fails on any
 * crash, stall or hang. `npm run fuzz -- --inputs 1000000` is the long run (docs/fuzz.md).
 *
 * Inputs are judged in CPU time against their budget (1 s per MiB, at least 250 ms), so a loaded machine
 * slows the run but does not fail it.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TARGETS } from "../scripts/fuzz/targets.js";
import { runFuzz, summary } from "../scripts/fuzz.js";

const INPUTS = 20_000;

describe("fuzz smoke run", () => {
  it(`${INPUTS.toLocaleString("en-US")} mutated inputs over every parser: no crash, no stall, no hang`, async () => {
    const lines: string[] = [];
    const report = await runFuzz({ inputs: INPUTS, seed: 1, onProgress: (l) => lines.push(l) });
    const detail = `${lines.join("\n")}\n${summary(report)}`;
    assert.deepEqual(
      report.findings.map((f) => `${f.kind} ${f.target}: ${f.summary}`),
      [],
      `findings (replay them with npm run fuzz -- --seed 1 --inputs ${INPUTS}):\n${detail}`,
    );
    assert.deepEqual(
      report.stats.map((s) => s.target),
      TARGETS.map((t) => t.name),
    );
    assert.equal(
      report.stats.reduce((n, s) => n + s.inputs, 0),
      INPUTS,
    );
    // Coverage feedback works: every target kept inputs that reached new blocks.
    for (const s of report.stats)
      assert.ok(s.corpus > 0 && s.blocks > 0, `${s.target}: no coverage gained\n${detail}`);
  });
});
