/**
 * Path building: issuers by name refined by key identifiers, several roots and cross-signs, loops, partial
 * chains, budgets, and what the result says about the paths it tried.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Policy, type VerifyResult, verifyChain } from "../src/verify/index.js";
import type { Certificate } from "../src/x509/certificate.js";
import * as pki from "./helpers/pki.js";

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

function verify(
  leaf: pki.Issued,
  presented: pki.Issued[],
  anchors: pki.Issued[],
  p: Partial<Policy> = {},
): VerifyResult {
  return verifyChain({
    leaf: leaf.cert,
    presented: presented.map((x) => x.cert),
    anchors: anchors.map((x) => ({ cert: x.cert, name: x.cert.label })),
    policy: policy(p),
  });
}

const codes = (r: VerifyResult) => r.findings.filter((f) => f.severity === "error").map((f) => f.code);
const labels = (path: Certificate[]) => path.map((c) => c.label);

describe("path building", () => {
  it("accepts root → intermediate → leaf and returns the path leaf first", () => {
    const { root, ica, leaf } = pki.chain3();
    const r = verify(leaf, [leaf, ica], [root]);
    assert.equal(r.trusted, true, JSON.stringify(r.findings));
    assert.deepEqual(labels(r.path), ["example.com", "ICA", "Root"]);
    assert.equal(r.anchor?.name, "Root");
    assert.deepEqual(r.findings, []);
  });

  it("ignores the order of the presented certificates and unrelated extras", () => {
    const { root, ica, leaf } = pki.chain3();
    const junk = pki.issue(pki.root({ name: "Other" }), { name: "Junk", ca: true });
    assert.equal(verify(leaf, [junk, ica, leaf, ica], [root]).trusted, true);
  });

  it("rejects when the intermediate is missing, naming the missing issuer", () => {
    const { root, leaf } = pki.chain3();
    const r = verify(leaf, [], [root]);
    assert.equal(r.trusted, false);
    assert.deepEqual(codes(r), ["no-path-to-trust-anchor"]);
    assert.match(r.findings[0].detail, /CN=ICA/);
    assert.equal(r.findings[0].cert?.position, 0);
    assert.equal(r.findings[0].cert?.role, "leaf");
    assert.equal(r.findings[0].cert?.sha256, leaf.cert.sha256);
  });

  it("shows the chain as far as it goes when no trust anchor is reachable, with what is wrong along it", () => {
    const { ica, leaf, root } = pki.chain3({ ica: { notAfter: new Date("2025-01-01T00:00:00Z") } });
    const r = verify(leaf, [ica, root], [pki.root({ name: "Other root" })]);
    assert.equal(r.trusted, false);
    assert.deepEqual(labels(r.path), ["example.com", "ICA", "Root"]);
    const f = r.findings.find((x) => x.code === "no-path-to-trust-anchor");
    assert.equal(f?.cert?.position, 2);
    assert.match(f?.detail ?? "", /self-issued CN=Root/);
    assert.ok(r.findings.some((x) => x.code === "expired" && x.cert?.position === 1));
  });

  it("rejects a chain to an untrusted root", () => {
    const { ica, leaf, root } = pki.chain3();
    const other = pki.root({ name: "Other root" });
    const r = verify(leaf, [ica, root], [other]);
    assert.equal(r.trusted, false);
    assert.deepEqual(codes(r), ["no-path-to-trust-anchor"]);
  });

  it("tries another issuer with the same name when the first one's signature fails", () => {
    const { root, ica, leaf } = pki.chain3();
    // Same name, different key, signed by the root too: a reissued intermediate the leaf was not signed by.
    const impostor = pki.issue(root, { name: "ICA", ca: true, ski: Uint8Array.from([1, 2, 3]) });
    const r = verify(leaf, [impostor, ica], [root]);
    assert.equal(r.trusted, true);
    assert.equal(r.path[1], ica.cert);
  });

  it("reports a bad signature when only the look-alike is presented", () => {
    const { root, leaf } = pki.chain3();
    const impostor = pki.issue(root, { name: "ICA", ca: true });
    const r = verify(leaf, [impostor], [root]);
    assert.equal(r.trusted, false);
    assert.deepEqual(codes(r), ["bad-signature"]);
    assert.equal(r.findings[0].cert?.position, 0);
    assert.equal(r.findings[0].issuer?.position, 1);
  });

  it("follows cross-signs to whichever root is trusted", () => {
    const oldRoot = pki.root({ name: "Old root" });
    const newRoot = pki.root({ name: "New root" });
    // New root cross-signed by the old one: same subject and key as newRoot.
    const cross = pki.issue(oldRoot, { name: "New root", key: newRoot.key, ca: true });
    const ica = pki.issue(newRoot, { name: "ICA", ca: true });
    const leaf = pki.leafFor(ica, "example.com");
    const viaOld = verify(leaf, [ica, cross], [oldRoot]);
    assert.equal(viaOld.trusted, true);
    assert.deepEqual(labels(viaOld.path), ["example.com", "ICA", "New root", "Old root"]);
    const viaNew = verify(leaf, [ica, cross], [newRoot, oldRoot]);
    assert.deepEqual(labels(viaNew.path), ["example.com", "ICA", "New root"]);
  });

  it("routes around an expired cross-sign when a current root is trusted (chain of pain)", () => {
    const oldRoot = pki.root({ name: "AddTrust", notAfter: new Date("2025-01-01T00:00:00Z") });
    const newRoot = pki.root({ name: "USERTrust" });
    const cross = pki.issue(oldRoot, {
      name: "USERTrust",
      key: newRoot.key,
      ca: true,
      notAfter: new Date("2025-01-01T00:00:00Z"),
    });
    const ica = pki.issue(newRoot, { name: "ICA", ca: true });
    const leaf = pki.leafFor(ica, "example.com");
    const r = verify(leaf, [ica, cross], [oldRoot, newRoot]);
    assert.equal(r.trusted, true);
    assert.deepEqual(labels(r.path), ["example.com", "ICA", "USERTrust"]);
    // Only the old root trusted: the expired cross-sign is the reason.
    const r2 = verify(leaf, [ica, cross], [oldRoot]);
    assert.equal(r2.trusted, false);
    assert.ok(codes(r2).includes("expired"));
  });

  it("ends in a cycle of cross-signed CAs without looping", () => {
    const root = pki.root();
    const a = pki.root({ name: "A" });
    const b = pki.root({ name: "B" });
    const aByB = pki.issue(b, { name: "A", key: a.key, ca: true });
    const bByA = pki.issue(a, { name: "B", key: b.key, ca: true });
    const ica = pki.issue(a, { name: "ICA", ca: true });
    const leaf = pki.leafFor(ica, "example.com");
    const r = verify(leaf, [ica, aByB, bByA], [root]);
    assert.equal(r.trusted, false);
    assert.deepEqual(codes(r), ["no-path-to-trust-anchor"]);
    // With A trusted, the same graph validates (CVE-2024-0567's shape).
    assert.equal(verify(leaf, [ica, aByB, bByA], [root, a]).trusted, true);
  });

  it("ends fast on a pathological pile of look-alike intermediates", () => {
    const root = pki.root();
    const key = pki.newKey();
    const cas: pki.Issued[] = [pki.selfSigned({ name: "Pathological", key, ca: true })];
    for (let i = 0; i < 60; i++)
      cas.push(pki.issue(cas[cas.length - 1], { name: "Pathological", key, ca: true }));
    const leaf = pki.leafFor(cas[cas.length - 1], "example.com");
    const t = performance.now();
    const r = verify(leaf, cas, [root]);
    assert.ok(performance.now() - t < 100, "must end in under 100 ms");
    assert.equal(r.trusted, false);
    assert.deepEqual(codes(r), ["no-path-to-trust-anchor"]);
  });

  it("stops with budget-exceeded when look-alikes do lead to the root", () => {
    const root = pki.root();
    // 25 intermediates with one name and distinct keys, each signed by the root: every one is a candidate.
    const cas = Array.from({ length: 25 }, () => pki.issue(root, { name: "Busy", ca: true, ski: false }));
    const leaf = pki.leafFor(pki.issue(root, { name: "Busy", ca: true, ski: false }), "example.com", {
      aki: false,
    });
    const r = verify(leaf, cas, [root], { budget: { signatures: 5 }, ignore: ["key-identifier"] });
    assert.equal(r.trusted, false);
    assert.ok(codes(r).includes("budget-exceeded"), JSON.stringify(codes(r)));
  });

  it("prefers the issuer whose subjectKeyIdentifier matches the leaf's authorityKeyIdentifier", () => {
    const root = pki.root();
    const real = pki.issue(root, { name: "ICA", ca: true });
    const leaf = pki.leafFor(real, "example.com");
    const others = Array.from({ length: 10 }, () => pki.issue(root, { name: "ICA", ca: true }));
    const r = verify(leaf, [...others, real], [root]);
    assert.equal(r.trusted, true);
    assert.equal(r.stats.signatureChecks, 2);
  });

  it("takes presented certificates as DER, parsing them only when path building needs them", () => {
    const { root, ica, leaf } = pki.chain3();
    const policyFor = (host: string) => policy({ peerName: { kind: "dns", value: host } });
    const ok = verifyChain({
      leaf: leaf.cert,
      presented: [ica.der],
      anchors: [{ cert: root.cert }],
      policy: policyFor("example.com"),
    });
    assert.equal(ok.trusted, true);
    assert.deepEqual(labels(ok.path), ["example.com", "ICA", "Root"]);
    // Garbage among the presented certificates rejects the chain (clients abort the handshake on it)…
    const garbage = Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x01]);
    const bad = verifyChain({
      leaf: leaf.cert,
      presented: [ica.der, garbage],
      anchors: [{ cert: root.cert }],
      policy: policyFor("example.com"),
    });
    assert.equal(bad.trusted, false);
    assert.equal(bad.findings[0].code, "malformed-certificate");
    assert.match(bad.findings[0].detail, /presented certificate 2/);
    // …and when the leaf alone decides the verdict, the rest is not even parsed.
    const early = verifyChain({
      leaf: leaf.cert,
      presented: [garbage],
      anchors: [{ cert: root.cert }],
      policy: { ...policyFor("other.example"), diagnostics: "verdict" },
    });
    assert.deepEqual(codes(early), ["hostname-mismatch"]);
  });

  it("counts the signatures a search asks for, the same on a second verification (the cache changes no count)", () => {
    const { root, ica, leaf } = pki.chain3();
    const first = verify(leaf, [ica], [root]);
    const again = verify(leaf, [ica], [root]);
    assert.equal(again.trusted, true);
    assert.equal(first.stats.signatureChecks, 2);
    assert.deepEqual(again.stats, first.stats);
  });
});

describe("trust anchors", () => {
  it("uses a trusted intermediate as the anchor only when partial chains are allowed", () => {
    const { root, ica, leaf } = pki.chain3();
    const partial = verify(leaf, [], [ica], { allowNonSelfSignedAnchors: true });
    assert.equal(partial.trusted, true);
    assert.deepEqual(labels(partial.path), ["example.com", "ICA"]);
    const strict = verify(leaf, [], [ica], { allowNonSelfSignedAnchors: false });
    assert.equal(strict.trusted, false);
    assert.deepEqual(codes(strict), ["no-path-to-trust-anchor"]);
    // Strict, with the root trusted too: the trusted intermediate serves as an ordinary intermediate.
    assert.equal(verify(leaf, [], [ica, root], { allowNonSelfSignedAnchors: false }).trusted, true);
  });

  it("ignores a trusted root the path does not use, even if it is broken", () => {
    const { root, ica, leaf } = pki.chain3();
    const broken = pki.root({
      name: "Broken",
      extensions: [pki.ext("1.3.6.1.4.1.55738.666.1", pki.nul(), true)],
    });
    assert.equal(verify(leaf, [ica], [broken, root]).trusted, true);
  });

  it("treats an intermediate sent by the peer that is also trusted as the anchor", () => {
    const { root, ica, leaf } = pki.chain3();
    const r = verify(leaf, [ica, root], [ica], { allowNonSelfSignedAnchors: true });
    assert.equal(r.trusted, true);
    assert.deepEqual(labels(r.path), ["example.com", "ICA"]);
  });

  it("accepts a directly trusted leaf on its own, still checking the leaf itself", () => {
    const pinned = pki.selfSigned({
      name: "example.com",
      san: [{ dns: "example.com" }],
      eku: ["serverAuth"],
    });
    const r = verify(pinned, [], [pinned]);
    assert.equal(r.trusted, true, JSON.stringify(r.findings));
    assert.equal(r.path.length, 1);
    const wrongName = verify(pinned, [], [pinned], { peerName: { kind: "dns", value: "other.example" } });
    assert.equal(wrongName.trusted, false);
    assert.equal(wrongName.findings[0].code, "hostname-mismatch");
    // Not trusted: a self-signed leaf has no path.
    assert.equal(verify(pinned, [], [pki.root()]).trusted, false);
  });

  it("checks the anchor's validity and constraints (as pyca/cryptography and OpenSSL do)", () => {
    const root = pki.root({ notAfter: new Date("2025-01-01T00:00:00Z") });
    const ica = pki.issue(root, { name: "ICA", ca: true });
    const r = verify(pki.leafFor(ica, "example.com"), [ica], [root]);
    assert.equal(r.trusted, false);
    assert.deepEqual(codes(r), ["expired"]);
    assert.equal(r.findings[0].cert?.role, "anchor");
    assert.equal(r.findings[0].cert?.position, 2);
    // Java's PKIX does not look at the anchor's dates.
    assert.equal(
      verify(pki.leafFor(ica, "example.com"), [ica], [root], { checkAnchorValidity: false }).trusted,
      true,
    );
  });
});

describe("the result explains every path tried", () => {
  it("lists each candidate path with its own most specific reason", () => {
    const rootA = pki.root({ name: "A" });
    const rootB = pki.root({ name: "B" });
    const key = pki.newKey();
    const icaA = pki.issue(rootA, { name: "ICA", key, ca: true, notAfter: new Date("2025-01-01T00:00:00Z") });
    const icaB = pki.issue(rootB, { name: "ICA", key, ca: true });
    const leaf = pki.leafFor(icaA, "example.com", { notBefore: new Date("2035-01-01T00:00:00Z") });
    const r = verify(leaf, [icaA, icaB], [rootA, rootB]);
    assert.equal(r.trusted, false);
    assert.ok(r.paths.length >= 2, JSON.stringify(r.paths.map((p) => p.findings.map((f) => f.code))));
    for (const p of r.paths)
      assert.ok(p.findings.some((f) => f.code === "not-yet-valid" && f.cert?.position === 0));
    const viaA = r.paths.find((p) => p.anchorName === "A");
    assert.ok(viaA?.findings.some((f) => f.code === "expired" && f.cert?.position === 1));
  });

  it("reports every fault of the closest path in full diagnostics, only the first in verdict mode", () => {
    const { root, ica, leaf } = pki.chain3({
      leaf: { notAfter: new Date("2025-01-01T00:00:00Z"), eku: ["clientAuth"] },
    });
    const full = verify(leaf, [ica], [root]);
    assert.deepEqual(new Set(codes(full)), new Set(["expired", "extended-key-usage"]));
    const quick = verify(leaf, [ica], [root], { diagnostics: "verdict" });
    assert.equal(quick.trusted, false);
    assert.ok(quick.findings.length >= 1);
  });

  it("gives each finding a plain message that passes names through as text", () => {
    const root = pki.root({ name: "Evil <b>root</b>\u0007", notAfter: new Date("2025-01-01T00:00:00Z") });
    const ica = pki.issue(root, { name: "ICA", ca: true });
    const r = verify(pki.leafFor(ica, "example.com"), [ica], [root]);
    const f = r.findings[0];
    assert.equal(f.code, "expired");
    // Markup stays literal text; control characters are escaped; nothing is interpreted.
    assert.equal(f.message, 'The trusted root "Evil <b>root</b>\\x07" has expired.');
    const json = JSON.parse(JSON.stringify(r.paths[0]));
    assert.equal(json.certs[2].label, "Evil <b>root</b>\u0007");
    assert.equal(json.certs[2].sha256, root.cert.sha256);
    assert.equal(json.findings[0].message, f.message);
  });
});
