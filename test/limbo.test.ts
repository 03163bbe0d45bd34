/**
 * x509-limbo ratchet: runs the whole suite in-process and fails when the pass count drops below the
 * baseline or a case outside the baseline's known divergences diverges. Raise the baseline (and explain any
 * new divergence) in test/data/limbo/baseline.json when the verifier improves.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CertCache, loadBaseline, loadSuite, runCase, runSuite, summarize } from "../scripts/limbo.js";

describe("x509-limbo", () => {
  it("passes at least the baseline, and diverges only where the baseline explains why", () => {
    const baseline = loadBaseline();
    const t = performance.now();
    const report = runSuite();
    const s = summarize(report);
    const secs = ((performance.now() - t) / 1000).toFixed(2);
    const fresh = s.divergent.filter((r) => !(r.id in baseline.divergences));
    const msg = fresh
      .slice(0, 20)
      .map(
        (r) =>
          `${r.id}: expected ${report.expected.get(r.id)}, got ${r.actual_result} (${r.context.slice(0, 200)})`,
      )
      .join("\n");
    console.log(
      `x509-limbo: ${s.passes}/${s.total} (${((100 * s.passes) / s.total).toFixed(2)} %), ${s.skipped} skipped, ${secs} s`,
    );
    assert.equal(s.total, baseline.total, "the suite changed size: regenerate the baseline");
    assert.deepEqual(fresh, [], `cases diverging that the baseline does not list:\n${msg}`);
    assert.ok(s.passes >= baseline.passes, `pass count ${s.passes} is below the baseline ${baseline.passes}`);
    if (s.passes > baseline.passes)
      console.log("  the pass count rose: raise `passes` in test/data/limbo/baseline.json");
    const stale = Object.keys(baseline.divergences).filter((id) => !s.divergent.some((r) => r.id === id));
    if (stale.length) console.log(`  now passing, remove from the baseline: ${stale.join(", ")}`);
  });
});

describe("x509-limbo, full diagnostics", () => {
  it("gives the same verdict with every fault reported as with the fast verdict search", () => {
    const cases = loadSuite();
    const cache = new CertCache();
    const now = new Date();
    // Every non-BetterTLS case, and a spread of BetterTLS ones.
    const sample = cases.filter((t, i) => !t.id.startsWith("bettertls::") || i % 40 === 0);
    for (const t of sample) {
      const fast = runCase(t, cache, now, undefined, "verdict");
      const full = runCase(t, cache, now, undefined, "full");
      assert.equal(full.actual_result, fast.actual_result, t.id);
    }
  });
});
