/**
 * bench/pyca_limbo.py, the pyca/cryptography peer `npm run bench` times the limbo suite against: on a slice of
 * the real suite it must run the cases cryptography.x509.verification can express (SERVER and CLIENT), skip
 * only those it cannot (CRLs, a required key usage, a foreign extended key usage), agree with limbo where
 * pyca does, and refuse a file that is not a limbo suite. Skipped when python3 has no cryptography 42+.
 */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type LimboTestcase, loadSuite } from "../scripts/limbo.js";
import { runProcess } from "./helpers/process.js";

const HARNESS = fileURLToPath(new URL("../../bench/pyca_limbo.py", import.meta.url));

const probe = await runProcess(
  "python3",
  ["-c", "from cryptography.x509.verification import PolicyBuilder"],
  {
    timeoutMs: 30_000,
  },
);

/** Server and client cases on which pyca 48 gives limbo's expected result. */
const AGREE = [
  "webpki::san::exact-dns-san",
  "webpki::san::exact-localhost-ip-san",
  "webpki::san::mismatch-domain-san",
  "webpki::eku::ee-critical-eku",
  "rfc5280::nc::nc-permits-email-exact",
  "rfc5280::nc::nc-permits-email-literal-asterisk-rejects-user",
];
/** pyca accepts what limbo expects rejected (docs/limbo.md): run, not skipped, and counted as a divergence. */
const DIVERGE = "webpki::aki::root-with-aki-authoritycertissuer";
/** Cases the API cannot express, and why. */
const SKIP = {
  CRLs: "crl::certificate-not-on-crl",
  "a required key usage": "webpki::cryptographydotio-chain",
};

describe("bench/pyca_limbo.py", {
  skip: probe.code !== 0 && "python3 with pyca/cryptography 42+ is not installed",
}, () => {
  let dir: string;
  let cases: LimboTestcase[];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "chainproof-pyca-"));
    const byId = new Map(loadSuite().map((t) => [t.id, t]));
    cases = [...AGREE, DIVERGE, ...Object.values(SKIP)].map((id) => byId.get(id)!);
    writeFileSync(join(dir, "suite.json"), JSON.stringify({ version: 1, testcases: cases }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("runs what the API expresses, skips the rest, and writes limbo's result format", async () => {
    const out = join(dir, "results.json");
    const r = await runProcess("python3", [HARNESS, "--input", join(dir, "suite.json"), "--output", out]);
    assert.equal(r.code, 0, r.out);
    assert.match(
      r.out,
      /^pyca-cryptography [\d.]+: 9 cases, 6 pass, 1 diverge, 2 skipped, 0 hung; load [\d.]+ s, run [\d.]+ s/,
    );
    const doc = JSON.parse(readFileSync(out, "utf8")) as {
      version: number;
      harness: string;
      results: { id: string; actual_result: string; context: string }[];
    };
    assert.equal(doc.version, 1);
    assert.match(doc.harness, /^pyca-cryptography-/);
    assert.deepEqual(
      doc.results.map((x) => x.id),
      cases.map((t) => t.id),
    );
    const byId = new Map(doc.results.map((x) => [x.id, x]));
    for (const id of AGREE) {
      const want = cases.find((t) => t.id === id)!.expected_result;
      assert.equal(byId.get(id)!.actual_result, want, `${id}: ${byId.get(id)!.context}`);
    }
    assert.equal(byId.get(DIVERGE)!.actual_result, "SUCCESS");
    for (const [why, id] of Object.entries(SKIP)) {
      assert.equal(byId.get(id)!.actual_result, "SKIPPED");
      assert.equal(byId.get(id)!.context, `not expressible in cryptography.x509.verification: ${why}`);
    }
  });

  it("refuses a file that is not a limbo suite, with a clear message", async () => {
    writeFileSync(join(dir, "other.json"), JSON.stringify({ version: 2, cases: [] }));
    const r = await runProcess("python3", [HARNESS, "--input", join(dir, "other.json")]);
    assert.equal(r.code, 1);
    assert.match(r.out, /unsupported limbo suite: expected \{"version": 1, "testcases": \[\.\.\.\]\}/);
  });
});
