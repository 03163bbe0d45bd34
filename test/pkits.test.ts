/**
 * NIST PKITS through verifyChain (rfc5280 profile, revocation required, PKITS's four initial policy inputs):
 * the pass count may only go up, and every test that does not end as PKITS expects is listed, with its
 * reason, in test/data/pkits/baseline.json (see docs/pkits.md).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadBaseline, loadPkits, runPkits, runTest } from "../scripts/pkits.js";

describe("NIST PKITS 1.0.1", () => {
  it("passes at least the baseline, and diverges only where the baseline says why", () => {
    const baseline = loadBaseline();
    const results = runPkits();
    assert.equal(results.length, 249);
    assert.equal(baseline.total, 249);
    const passes = results.filter((r) => r.pass).length;
    const unexplained = results.filter((r) => !r.pass && !(r.id in baseline.divergences));
    assert.deepEqual(
      unexplained.map((r) => `${r.id}: ${r.context}`),
      [],
      "tests that diverge from PKITS without a reason in the baseline",
    );
    assert.ok(passes >= baseline.passes, `${passes} passes, the baseline has ${baseline.passes}`);
    // A divergence that now passes must leave the list (and raise `passes`), so the list stays true.
    const stale = results.filter((r) => r.pass && r.id in baseline.divergences).map((r) => r.id);
    assert.deepEqual(stale, [], "baseline divergences that now pass");
  });

  it("refuses a revoked end entity and a revoked CA, naming the certificate", () => {
    const suite = loadPkits();
    for (const id of ["4.4.2", "4.4.3"]) {
      const t = suite.tests.find((x) => x.id === id)!;
      const r = runTest(t, suite);
      assert.equal(r.actual, false, id);
      assert.match(r.context, /^revoked: serial [0-9a-f]+ is on the CRL from /, id);
    }
  });

  it("reports the user-constrained policy set of a valid path", () => {
    const suite = loadPkits();
    // 4.8.13/2: the user asks for NIST-test-policy-2 only; the path asserts policies 1, 2 and 3.
    const t = suite.tests.find((x) => x.id === "4.8.13/2")!;
    assert.deepEqual(t.user_constrained_policy_set, ["2.16.840.1.101.3.2.1.48.2"]);
    const r = runTest(t, suite);
    assert.equal(r.actual, true);
    assert.equal(r.pass, true, r.context);
  });
});
