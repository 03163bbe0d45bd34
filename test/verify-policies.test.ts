/**
 * Certificate policies (RFC 5280 6.1): the valid_policy_tree, requireExplicitPolicy, policy mapping,
 * inhibitPolicyMapping, inhibitAnyPolicy and the user-initial-policy-set, each accepted and rejected.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Policy, type VerifyResult, verifyChain } from "../src/verify/index.js";
import { processPolicies } from "../src/verify/policies.js";
import { toPem } from "../src/x509/pem.js";
import { runCli } from "./helpers/cli.js";
import * as pki from "./helpers/pki.js";

const P1 = "1.3.6.1.4.1.55738.1.1";
const P2 = "1.3.6.1.4.1.55738.1.2";
const P3 = "1.3.6.1.4.1.55738.1.3";
const ANY = "2.5.29.32.0";

function policy(p: Partial<Policy> = {}): Policy {
  return {
    time: pki.NOW,
    purpose: "server",
    peerName: { kind: "dns", value: "example.com" },
    profile: "webpki",
    allowNonSelfSignedAnchors: false,
    ...p,
  };
}

/** root → ica1 → ica2 → leaf with the given specs. */
function chain(s: { ica1?: pki.CertSpec; ica2?: pki.CertSpec; leaf?: pki.CertSpec }) {
  const root = pki.root();
  const ica1 = pki.issue(root, { name: "ICA1", ca: true, ...s.ica1 });
  const ica2 = pki.issue(ica1, { name: "ICA2", ca: true, ...s.ica2 });
  const leaf = pki.leafFor(ica2, "example.com", s.leaf);
  return { root, ica1, ica2, leaf };
}

function run(c: ReturnType<typeof chain>, p: Partial<Policy> = {}): VerifyResult {
  return verifyChain({
    leaf: c.leaf.cert,
    presented: [c.ica1.cert, c.ica2.cert],
    anchors: [{ cert: c.root.cert }],
    policy: policy(p),
  });
}

const errorCodes = (r: VerifyResult) => r.findings.filter((f) => f.severity === "error").map((f) => f.code);

describe("certificate policies (RFC 5280 6.1)", () => {
  it("does not require policies unless asked", () => {
    const r = run(chain({}));
    assert.equal(r.trusted, true);
    assert.deepEqual(r.policies, []);
  });

  it("reports the valid policies of the path", () => {
    const r = run(
      chain({ ica1: { policies: [P1, P2] }, ica2: { policies: [P1, P2] }, leaf: { policies: [P1] } }),
    );
    assert.equal(r.trusted, true);
    assert.deepEqual(r.policies, [P1]);
  });

  it("initial-explicit-policy: rejects a path with a certificate that has no policies", () => {
    const c = chain({ ica1: { policies: [P1] }, ica2: { policies: [P1] } });
    const r = run(c, { initialExplicitPolicy: true });
    assert.equal(r.trusted, false);
    assert.deepEqual(errorCodes(r), ["policy-required"]);
  });

  it("user-initial-policy-set: accepts only paths valid for one of the caller's policies", () => {
    const c = chain({ ica1: { policies: [P1, P2] }, ica2: { policies: [ANY] }, leaf: { policies: [P1] } });
    const ok = run(c, { initialExplicitPolicy: true, initialPolicies: [P1] });
    assert.equal(ok.trusted, true);
    assert.deepEqual(ok.policies, [P1]);
    const no = run(c, { initialExplicitPolicy: true, initialPolicies: [P2] });
    assert.equal(no.trusted, false);
    assert.deepEqual(errorCodes(no), ["policy-required"]);
  });

  it("requireExplicitPolicy in an intermediate: 0 demands policies from the next certificate on", () => {
    const bad = chain({
      ica1: { policies: [P1], policyConstraints: { requireExplicitPolicy: 0 } },
      ica2: { policies: [P1] },
    });
    assert.deepEqual(errorCodes(run(bad)), ["policy-required"]);
    const good = chain({
      ica1: { policies: [P1], policyConstraints: { requireExplicitPolicy: 0 } },
      ica2: { policies: [P1] },
      leaf: { policies: [P1] },
    });
    assert.equal(run(good).trusted, true);
    // skipCerts counts the certificates after ica1 that may come before an explicit policy is required: with
    // 3, the path (ica2, leaf) ends first; with 2, the requirement falls on the end of the path.
    const lenient = chain({
      ica1: { policies: [P1], policyConstraints: { requireExplicitPolicy: 3 } },
      ica2: { policies: [P1] },
    });
    assert.equal(run(lenient).trusted, true);
    const two = chain({
      ica1: { policies: [P1], policyConstraints: { requireExplicitPolicy: 2 } },
      ica2: { policies: [P1] },
    });
    assert.deepEqual(errorCodes(run(two)), ["policy-required"]);
  });

  it("anyPolicy in an intermediate matches any policy below it", () => {
    const c = chain({ ica1: { policies: [ANY] }, ica2: { policies: [ANY] }, leaf: { policies: [P3] } });
    const r = run(c, { initialExplicitPolicy: true });
    assert.equal(r.trusted, true);
    assert.deepEqual(r.policies, [P3]);
  });

  it("inhibitAnyPolicy: anyPolicy no longer counts after the skip count", () => {
    const inhibited = chain({
      ica1: { policies: [ANY], inhibitAnyPolicy: 0 },
      ica2: { policies: [ANY] },
      leaf: { policies: [P3] },
    });
    assert.deepEqual(errorCodes(run(inhibited, { initialExplicitPolicy: true })), ["policy-required"]);
    const late = chain({
      ica1: { policies: [ANY], inhibitAnyPolicy: 1 },
      ica2: { policies: [ANY] },
      leaf: { policies: [P3] },
    });
    assert.equal(run(late, { initialExplicitPolicy: true }).trusted, true);
    assert.equal(
      run(inhibited, { initialExplicitPolicy: true, initialAnyPolicyInhibit: false }).trusted,
      false,
    );
    const initial = chain({ ica1: { policies: [ANY] }, ica2: { policies: [ANY] }, leaf: { policies: [P3] } });
    assert.equal(run(initial, { initialExplicitPolicy: true, initialAnyPolicyInhibit: true }).trusted, false);
  });

  it("policy mapping: the issuer's policy maps to the subject's", () => {
    const c = chain({
      ica1: { policies: [P1], policyMappings: [[P1, P2]] },
      ica2: { policies: [P2] },
      leaf: { policies: [P2] },
    });
    const r = run(c, { initialExplicitPolicy: true, initialPolicies: [P1] });
    assert.equal(r.trusted, true);
    assert.deepEqual(r.policies, [P1]);
    // The same path without the mapping is not valid for P1.
    const unmapped = chain({ ica1: { policies: [P1] }, ica2: { policies: [P2] }, leaf: { policies: [P2] } });
    assert.equal(run(unmapped, { initialExplicitPolicy: true, initialPolicies: [P1] }).trusted, false);
  });

  it("inhibitPolicyMapping: mappings after the skip count delete the mapped policy", () => {
    const c = chain({
      ica1: { policies: [P1], policyMappings: [[P1, P2]], policyConstraints: { inhibitPolicyMapping: 0 } },
      ica2: { policies: [P2] },
      leaf: { policies: [P2] },
    });
    // inhibitPolicyMapping in ica1 takes effect after ica1 itself (its own mapping still applies).
    assert.equal(run(c, { initialExplicitPolicy: true, initialPolicies: [P1] }).trusted, true);
    const c2 = chain({
      ica1: { policies: [P1], policyConstraints: { inhibitPolicyMapping: 0 } },
      ica2: { policies: [P1], policyMappings: [[P1, P2]] },
      leaf: { policies: [P2] },
    });
    assert.deepEqual(errorCodes(run(c2, { initialExplicitPolicy: true, initialPolicies: [P1] })), [
      "policy-required",
    ]);
    assert.equal(
      run(c2, { initialExplicitPolicy: true, initialPolicyMappingInhibit: false, initialPolicies: [P1] })
        .trusted,
      false,
    );
  });

  it("rejects a mapping to or from anyPolicy", () => {
    const c = chain({ ica1: { policies: [P1], policyMappings: [[ANY, P2]] }, ica2: { policies: [P2] } });
    assert.deepEqual(errorCodes(run(c)), ["invalid-policy-mapping"]);
  });

  it("bounds the policy tree (CVE-2023-0464)", () => {
    const many = Array.from({ length: 20 }, (_, i) => `1.3.6.1.4.1.55738.2.${i}`);
    const mappings: [string, string][] = many.flatMap((a) => many.map((b) => [a, b] as [string, string]));
    const root = pki.root();
    const cas: pki.Issued[] = [];
    let parent = root;
    for (let i = 0; i < 5; i++) {
      parent = pki.issue(parent, { name: `ICA${i}`, ca: true, policies: many, policyMappings: mappings });
      cas.push(parent);
    }
    const leaf = pki.leafFor(parent, "example.com", { policies: many });
    const t = performance.now();
    const r = verifyChain({
      leaf: leaf.cert,
      presented: cas.map((c) => c.cert),
      anchors: [{ cert: root.cert }],
      policy: policy(),
    });
    assert.ok(performance.now() - t < 1000);
    assert.equal(r.trusted, false);
    assert.ok(errorCodes(r).includes("budget-exceeded"), JSON.stringify(errorCodes(r)));
  });

  it("processPolicies on a bare path: an empty path is valid", () => {
    const out = processPolicies([], { maxNodes: 100 });
    assert.equal(out.ok, true);
  });
});

describe("chainproof verify --policy OID… --explicit-policy --inhibit-… --eku OID", () => {
  let dir = "";
  const f = (n: string) => join(dir, n);
  const c = chain({
    ica1: { policies: [P1, P2] },
    ica2: { policies: [P1, P2] },
    leaf: { policies: [P1, P2] },
  });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "chainproof-policies-"));
    writeFileSync(f("chain.pem"), toPem(c.leaf.der) + toPem(c.ica2.der) + toPem(c.ica1.der));
    writeFileSync(f("root.pem"), toPem(c.root.der));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const verify = (...args: string[]) =>
    runCli([
      "verify",
      "--chain",
      f("chain.pem"),
      "--roots",
      f("root.pem"),
      "--host",
      "example.com",
      "--at",
      pki.NOW.toISOString(),
      "--client",
      "openssl,java",
      "--json",
      ...args,
    ]);

  it("reports each client's user-constrained policy set, narrowed by --policy", async () => {
    const all = await verify();
    assert.equal(all.code, 0, all.stderr);
    for (const v of JSON.parse(all.stdout).clients) assert.deepEqual([...v.policies].sort(), [P1, P2]);
    const one = await verify("--policy", P2);
    assert.equal(one.code, 0, one.stderr);
    for (const v of JSON.parse(one.stdout).clients) assert.deepEqual(v.policies, [P2]);
  });

  it("--explicit-policy with a policy the path does not carry: exit 1, policy-required", async () => {
    // Without --explicit-policy the path is valid with an empty policy set (RFC 5280 6.1.5).
    const lax = await verify("--policy", P3);
    assert.equal(lax.code, 0, lax.stderr);
    for (const v of JSON.parse(lax.stdout).clients) assert.deepEqual(v.policies, []);
    const strict = await verify("--policy", P3, "--explicit-policy");
    assert.equal(strict.code, 1, strict.stderr);
    for (const v of JSON.parse(strict.stdout).clients) {
      assert.equal(v.trusted, false);
      assert.equal(v.policies, null);
      assert.ok(v.details.some((x: { code: string }) => x.code === "policy-required"));
    }
  });

  it("--eku asks for another extended key usage than the purpose's", async () => {
    const r = await verify("--eku", "codeSigning");
    assert.equal(r.code, 1, r.stderr);
    for (const v of JSON.parse(r.stdout).clients)
      assert.ok(v.details.some((x: { code: string }) => x.code === "extended-key-usage"));
    const bad = await verify("--policy", "P1");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^chainproof: --policy "P1" is not an OID/);
  });
});
