/**
 * x509-limbo ratchet: runs the whole suite in-process and fails when the pass count drops below the
 * baseline or a case outside the baseline's known divergences diverges. Raise the baseline (and explain any
 * new divergence) in test/data/limbo/baseline.json when the verifier improves.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CertCache, loadBaseline, loadSuite, runCase, runSuite, summarize } from "../scripts/limbo.js";
import { verifyChain } from "../src/verify/index.js";
import { parseCertificate } from "../src/x509/certificate.js";

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

describe("npm run limbo", () => {
  it("with two threads sharing the cases, writes exactly the results of one thread, in suite order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "limbo-"));
    try {
      const script = join(dirname(fileURLToPath(import.meta.url)), "..", "scripts", "limbo.js");
      const out = join(dir, "results.json");
      const run = await promisify(execFile)(process.execPath, [script, "--threads", "2", "--output", out]);
      const overall = /^overall +(\d+) +(\d+) +0 /m.exec(run.stdout);
      assert.ok(overall, run.stdout);
      assert.ok(Number(overall[1]) >= loadBaseline().passes, overall[0]);
      assert.match(run.stdout, /in 2 thread\(s\)/);
      const file = JSON.parse(readFileSync(out, "utf8")) as {
        version: number;
        harness: string;
        results: unknown[];
      };
      assert.equal(file.version, 1);
      assert.equal(file.harness, "chainproof");
      assert.deepEqual(file.results, runSuite().results);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

describe("x509-limbo online chains against the bundled Mozilla roots", () => {
  it("validates every real-world chain with the whole NSS store and no partial chains", async () => {
    const { loadMozillaRoots } = await import("../src/trust/bundled.js");
    const anchors = loadMozillaRoots()
      .filter((r) => r.serverAuth === "trusted-delegator")
      .map((r) => ({ cert: parseCertificate(r.der), name: r.label }));
    const der = (pem: string) => {
      const b = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64");
      return new Uint8Array(b.buffer, b.byteOffset, b.length);
    };
    const online = loadSuite().filter((t) => t.id.startsWith("online::"));
    assert.ok(online.length >= 10);
    for (const t of online) {
      const r = verifyChain({
        leaf: parseCertificate(der(t.peer_certificate)),
        presented: t.untrusted_intermediates.map(der),
        anchors,
        policy: {
          time: new Date(t.validation_time ?? Date.now()),
          purpose: "server",
          peerName: { kind: "dns", value: t.expected_peer_name!.value },
          profile: "webpki",
          allowNonSelfSignedAnchors: false,
        },
      });
      assert.equal(r.trusted, true, `${t.id}: ${r.findings.map((f) => `${f.code}: ${f.detail}`).join("; ")}`);
      assert.ok(r.anchor?.name, t.id);
    }
  });
});
