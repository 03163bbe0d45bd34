/**
 * Trust-anchor constraints (policy.anchorConstraints): "rfc5937" (the default) applies the anchor
 * certificate's validity, basicConstraints, pathLenConstraint and name constraints to the path; "rfc5280"
 * takes only the anchor's name and key (RFC 5280 §6.1.1 (d)).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Policy, type VerifyResult, verifyChain } from "../src/verify/index.js";
import * as pki from "./helpers/pki.js";

function run(c: ReturnType<typeof pki.chain3>, p: Partial<Policy> = {}): VerifyResult {
  return verifyChain({
    leaf: c.leaf.cert,
    presented: [c.ica.cert],
    anchors: [{ cert: c.root.cert }],
    policy: {
      time: pki.NOW,
      purpose: "server",
      peerName: { kind: "dns", value: "example.com" },
      profile: "rfc5280",
      allowNonSelfSignedAnchors: false,
      ...p,
    },
  });
}

const codes = (r: VerifyResult) => r.findings.filter((f) => f.severity === "error").map((f) => f.code);

describe("trust-anchor constraints: RFC 5937 (default) or RFC 5280 (name and key only)", () => {
  const cases: [string, pki.CertSpec, string][] = [
    [
      "name constraints",
      { nameConstraints: { permitted: [{ dns: "other.test" }] } },
      "name-constraints-violated",
    ],
    ["pathLenConstraint", { ca: { pathLen: 0 } }, "path-length-exceeded"],
    ["validity", { notAfter: new Date("2029-01-01T00:00:00Z") }, "expired"],
    ["keyUsage without keyCertSign", { keyUsage: ["digitalSignature"] }, "key-usage"],
  ];
  for (const [what, spec, code] of cases) {
    it(`the anchor's ${what}: enforced by default, ignored with "rfc5280"`, () => {
      const c = pki.chain3({ root: spec });
      const enforced = run(c);
      assert.equal(enforced.trusted, false, what);
      assert.deepEqual(codes(enforced), [code], what);
      assert.equal(run(c, { anchorConstraints: "rfc5937" }).trusted, false, what);
      const ignored = run(c, { anchorConstraints: "rfc5280" });
      assert.equal(ignored.trusted, true, `${what}: ${codes(ignored).join(", ")}`);
    });
  }

  it('"rfc5280" still needs the anchor\'s key: a chain it did not sign is refused', () => {
    const c = pki.chain3();
    const stranger = pki.root({ name: "Root" });
    const r = verifyChain({
      leaf: c.leaf.cert,
      presented: [c.ica.cert],
      anchors: [{ cert: stranger.cert }],
      policy: {
        time: pki.NOW,
        purpose: "server",
        profile: "rfc5280",
        allowNonSelfSignedAnchors: false,
        anchorConstraints: "rfc5280",
      },
    });
    assert.equal(r.trusted, false);
    assert.ok(codes(r).length > 0);
  });
});
