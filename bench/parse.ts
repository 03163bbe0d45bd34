/**
 * Parse throughput and CLI cold start.
 *
 *   npm run build && node dist/bench/parse.js
 *
 * Prints certs/s for our parser against node:crypto's X509Certificate on the same certificates in the same
 * process (the x509-limbo suite's ~40,000 certificates), the whole-suite parse time, and the median cold
 * start of `chainproof decode` on one PEM next to `openssl x509 -text` and a bare `node -e 0`.
 */

import { execFileSync, spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCertificate } from "../src/x509/certificate.js";
import { parsePem } from "../src/x509/pem.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function limboDers(): Uint8Array[] {
  const suite = JSON.parse(readFileSync(join(root, "test/data/limbo/limbo.json"), "utf8"));
  const out: Uint8Array[] = [];
  for (const t of suite.testcases) {
    for (const p of [...t.trusted_certs, ...t.untrusted_intermediates, t.peer_certificate]) {
      for (const b of parsePem(p)) out.push(b.der);
    }
  }
  return out;
}

function seconds(f: () => void): number {
  const s = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - s) / 1e9;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export function benchParse(): void {
  const ders = limboDers();
  let failed = 0;
  const parseAll = () => {
    for (const d of ders) {
      try {
        parseCertificate(d);
      } catch {
        failed++;
      }
    }
  };
  const first = seconds(parseAll);
  const warm = Math.min(seconds(parseAll), seconds(parseAll));
  const sample = ders.slice(0, 5000);
  const parseWithNode = () => {
    for (const d of sample) new X509Certificate(d);
  };
  const nodeTime = Math.min(seconds(parseWithNode), seconds(parseWithNode));
  const ours = ders.length / warm;
  const theirs = sample.length / nodeTime;
  console.log(`parse: ${ders.length} x509-limbo certificates (${failed / 3} rejected as malformed)`);
  console.log(
    `  chainproof      ${Math.round(ours).toLocaleString("en-US")} certs/s (whole suite ${first.toFixed(3)} s cold, ${warm.toFixed(3)} s warm)`,
  );
  console.log(
    `  X509Certificate ${Math.round(theirs).toLocaleString("en-US")} certs/s (node:crypto, first 5,000)`,
  );
  console.log(`  ratio           ${(ours / theirs).toFixed(1)}x`);
}

export function benchColdStart(runs = 21): void {
  const dir = mkdtempSync(join(tmpdir(), "chainproof-bench-"));
  try {
    const pem = join(dir, "leaf.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        "/CN=bench.example",
        "-addext",
        "subjectAltName=DNS:bench.example",
        "-keyout",
        join(dir, "k.pem"),
        "-out",
        pem,
        "-days",
        "30",
      ],
      { stdio: "ignore" },
    );
    writeFileSync(join(dir, "x"), "");
    const time = (cmd: string, args: string[]) => {
      const xs: number[] = [];
      for (let i = 0; i < runs; i++) {
        const s = process.hrtime.bigint();
        const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
        xs.push(Number(process.hrtime.bigint() - s) / 1e6);
        if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
      }
      return median(xs);
    };
    const ours = time(process.execPath, [join(root, "bin/chainproof.js"), "decode", pem]);
    const bare = time(process.execPath, ["-e", "0"]);
    const openssl = time("openssl", ["x509", "-in", pem, "-noout", "-text"]);
    console.log(`cold start (median of ${runs}): chainproof decode one PEM`);
    console.log(`  chainproof decode   ${ours.toFixed(1)} ms`);
    console.log(`  node -e 0           ${bare.toFixed(1)} ms (floor)`);
    console.log(`  openssl x509 -text  ${openssl.toFixed(1)} ms`);
    console.log(
      `  ratio to openssl    ${(ours / openssl).toFixed(1)}x; above bare node ${(ours - bare).toFixed(1)} ms`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchParse();
  benchColdStart();
}
