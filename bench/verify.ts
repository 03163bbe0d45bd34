/**
 * Verification benchmarks:
 *
 *   npm run build && node dist/bench/verify.js [--chains N] [--skip-suite]
 *
 * 1. The x509-limbo suite in this process (one thread, then two worker threads): wall and CPU time.
 * 2. Throughput on 3-certificate chains (root → intermediate → leaf), RSA-2048 and ECDSA P-256: N distinct
 *    leaves under one intermediate, each verified by chainproof and by one `openssl verify -CAfile root.pem
 *    -untrusted int.pem leaf1.pem … leafN.pem` over the same files, in the same run; prints the ratio.
 *
 *    chainproof is measured two ways. "warm" matches what `openssl verify` gets: the root and intermediate
 *    are parsed once (openssl reads -CAfile and -untrusted once) and each leaf is parsed and verified; the
 *    difference is that chainproof's per-pair signature cache checks the intermediate's signature once,
 *    where openssl checks it again for every leaf. "cold": every chain is parsed, its keys imported and all
 *    its signatures verified from scratch (what a client pays for a chain it has never seen).
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSuite, runSuiteParallel, summarize } from "../scripts/limbo.js";
import { type Policy, verifyChain } from "../src/verify/index.js";
import { parseCertificate } from "../src/x509/certificate.js";
import { toPem } from "../src/x509/pem.js";
import * as pki from "../test/helpers/pki.js";

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

async function benchSuite(): Promise<void> {
  console.log("x509-limbo suite, in this process:");
  for (const threads of [1, 2]) {
    const t = performance.now();
    const c = process.cpuUsage();
    const report = threads === 1 ? runSuite() : await runSuiteParallel({}, threads);
    const wall = (performance.now() - t) / 1000;
    const s = summarize(report);
    console.log(
      `  ${threads} thread${threads > 1 ? "s" : " "}  ${wall.toFixed(2)} s wall (load ${(report.loadMs / 1000).toFixed(2)} s), ` +
        `${cpuSeconds(c).toFixed(2)} s CPU, ${s.passes}/${s.total} pass`,
    );
  }
}

interface Fixture {
  kind: string;
  root: pki.Issued;
  ica: pki.Issued;
  leaves: Uint8Array[];
}

function fixture(kind: "rsa2048" | "p256", n: number): Fixture {
  const root = pki.root({ name: `Bench ${kind} root`, keyKind: kind });
  const ica = pki.issue(root, { name: `Bench ${kind} intermediate`, ca: true, keyKind: kind });
  const leafKey = pki.newKey(kind);
  const leaves: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    leaves.push(pki.leafFor(ica, `host${i}.example.com`, { key: leafKey }).der);
  }
  return { kind, root, ica, leaves };
}

const POLICY: Omit<Policy, "peerName"> = {
  time: pki.NOW,
  purpose: "server",
  profile: "webpki",
  allowNonSelfSignedAnchors: false,
  diagnostics: "verdict",
};

function chainproofRate(f: Fixture, mode: "warm" | "cold"): number {
  const anchors = [{ cert: parseCertificate(f.root.der) }];
  const ica = parseCertificate(f.ica.der);
  // One untimed round so both modes start with the JIT warmed up.
  for (let i = 0; i < Math.min(50, f.leaves.length); i++) {
    verifyChain({
      leaf: parseCertificate(f.leaves[i]),
      presented: [parseCertificate(f.ica.der)],
      anchors: [{ cert: parseCertificate(f.root.der) }],
      policy: POLICY,
    });
  }
  const t = performance.now();
  for (const der of f.leaves) {
    const r =
      mode === "warm"
        ? verifyChain({ leaf: parseCertificate(der), presented: [ica], anchors, policy: POLICY })
        : verifyChain({
            leaf: parseCertificate(der),
            presented: [parseCertificate(f.ica.der)],
            anchors: [{ cert: parseCertificate(f.root.der) }],
            policy: POLICY,
          });
    if (!r.trusted) throw new Error(`bench chain rejected: ${r.findings.map((x) => x.code).join(",")}`);
  }
  return f.leaves.length / ((performance.now() - t) / 1000);
}

function opensslRate(f: Fixture): number | undefined {
  const dir = mkdtempSync(join(tmpdir(), "chainproof-bench-"));
  try {
    writeFileSync(join(dir, "root.pem"), toPem(f.root.der));
    writeFileSync(join(dir, "int.pem"), toPem(f.ica.der));
    const files = f.leaves.map((der, i) => {
      const p = join(dir, `leaf${i}.pem`);
      writeFileSync(p, toPem(der));
      return p;
    });
    const args = [
      "verify",
      "-attime",
      String(Math.floor(pki.NOW.getTime() / 1000)),
      "-CAfile",
      join(dir, "root.pem"),
      "-untrusted",
      join(dir, "int.pem"),
      ...files,
    ];
    const t = performance.now();
    const r = spawnSync("openssl", args, { encoding: "utf8", maxBuffer: 64 << 20 });
    const secs = (performance.now() - t) / 1000;
    if (r.error || r.status !== 0) {
      console.log(`  openssl verify failed: ${r.error?.message ?? r.stderr.slice(0, 300)}`);
      return undefined;
    }
    const ok = r.stdout.split("\n").filter((l) => l.endsWith(": OK")).length;
    if (ok !== files.length) throw new Error(`openssl verified ${ok} of ${files.length}`);
    return files.length / secs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function benchThroughput(n: number): void {
  console.log(
    `3-certificate chains, ${n} leaves per key type (chains/s; ratio = chainproof ÷ openssl verify):`,
  );
  for (const kind of ["rsa2048", "p256"] as const) {
    const f = fixture(kind, n);
    const ossl = opensslRate(f);
    const warm = chainproofRate(f, "warm");
    const cold = chainproofRate(f, "cold");
    const ratio = (x: number) => (ossl ? `${(x / ossl).toFixed(2)}x` : "n/a");
    const label = kind === "rsa2048" ? "RSA-2048  " : "ECDSA P-256";
    console.log(
      `  ${label}  chainproof warm ${Math.round(warm).toLocaleString("en")} (${ratio(warm)}), cold ${Math.round(cold).toLocaleString("en")} (${ratio(cold)}), openssl verify ${ossl ? Math.round(ossl).toLocaleString("en") : "n/a"}`,
    );
  }
}

export async function benchVerify(argv: string[] = []): Promise<void> {
  const i = argv.indexOf("--chains");
  const n = i >= 0 ? Number.parseInt(argv[i + 1], 10) : 2000;
  if (!argv.includes("--skip-suite")) await benchSuite();
  benchThroughput(n);
}

if (process.argv[1]?.endsWith("/bench/verify.js")) {
  benchVerify(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
