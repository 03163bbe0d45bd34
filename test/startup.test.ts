/**
 * Fast start (issue 13): the bundled data is read from data/ on first use, and each command loads only the
 * modules it uses. Module loading is observed in a child process through a module-loader hook that records
 * every URL node loads, so the assertions are about what `chainproof decode` really imports.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadFpkiCatalog, loadMozillaRoots } from "../src/trust/bundled.js";
import { isPublicSuffix, pslRules } from "../src/verify/psl.js";
import { parseCertificate } from "../src/x509/certificate.js";
import { toPem } from "../src/x509/pem.js";
import { BIN } from "./helpers/cli.js";
import { moduleTracer } from "./helpers/module-trace.js";
import { tempDir, writeIn } from "./helpers/openssl.js";
import * as pki from "./helpers/pki.js";

const sha256 = (der: Uint8Array): string => createHash("sha256").update(der).digest("hex").toUpperCase();

describe("bundled data files", () => {
  it("the public suffix list: the 9,506 rules of the 2023 snapshot, read from data/psl.txt", () => {
    const rules = pslRules();
    assert.equal(rules.length, 9506);
    assert.equal(rules[0], "ac");
    assert.ok(rules.every((r) => r.trim() === r && r !== "" && !r.startsWith("//")));
    assert.equal(isPublicSuffix("co.uk"), true);
    assert.equal(isPublicSuffix("s3.amazonaws.com"), true);
    assert.equal(isPublicSuffix("example.co.uk"), false);
    assert.equal(isPublicSuffix("anything.ck"), true, "*.ck");
    assert.equal(isPublicSuffix("www.ck"), false, "!www.ck");
  });

  it("Mozilla's roots: 167 (121 for TLS servers), each DER matching its SHA-256 and its index entry", () => {
    const roots = loadMozillaRoots();
    assert.equal(roots.length, 167);
    assert.equal(roots.filter((r) => r.serverAuth === "trusted-delegator").length, 121);
    for (const r of roots) {
      assert.equal(sha256(r.der), r.sha256, r.label);
      // What the index records must be what the parser says today, or lookups and skipped checks would lie.
      const cert = parseCertificate(r.der);
      assert.equal(r.subjectKey, cert.subject.matchKey, r.label);
      assert.equal(r.issuerKey, cert.issuer.matchKey, r.label);
      assert.equal(r.checkedSelfSigned, cert.selfSigned, r.label);
    }
  });

  it("the FPKI bundle: 151 certificates, one of them self-signed (the anchor), index entries true", () => {
    const cat = loadFpkiCatalog();
    assert.equal(cat.certificates.length, 151);
    for (const c of cat.certificates) {
      assert.equal(sha256(c.der), c.sha256);
      const cert = parseCertificate(c.der);
      assert.equal(c.subjectKey, cert.subject.matchKey);
      assert.equal(c.issuerKey, cert.issuer.matchKey);
      assert.equal(c.checkedSelfSigned, cert.selfSigned);
    }
    assert.deepEqual(
      cat.certificates.filter((c) => c.checkedSelfSigned).map((c) => c.sha256),
      [cat.anchorSha256],
    );
  });

  it("ships the data files in the npm package", () => {
    const pkg = JSON.parse(readFileSync(join(BIN, "..", "..", "package.json"), "utf8"));
    assert.ok(pkg.files.includes("data"), "package.json files has data/");
  });
});

describe("each command loads only what it uses", () => {
  const { dir, cleanup } = tempDir("chainproof-startup-");
  after(cleanup);
  const { root, ica, leaf } = pki.chain3({ host: "start.example" });
  const rootPem = writeIn(dir, "root.pem", toPem(root.der));
  const chainPem = writeIn(dir, "chain.pem", toPem(leaf.der) + toPem(ica.der));
  const leafPem = writeIn(dir, "one.pem", toPem(leaf.der));
  let n = 0;
  // The module graph as tsc wrote it: the bundle bin/chainproof.js starts from (scripts/bundle-cli.ts) splits it
  // at the same lazy imports, so what a command loads here is what goes into the chunks it loads there.
  const MODULES = join(BIN, "..", "..", "dist", "src", "cli", "main.js");
  /** Runs the CLI; returns its exit code, output and the URLs of the modules it loaded. */
  function loaded(
    args: string[],
    entry = MODULES,
  ): { code: number | null; stdout: string; modules: string[] } {
    const trace = join(dir, `trace-${n++}.txt`);
    writeIn(dir, trace.slice(dir.length + 1), "");
    const r = spawnSync(process.execPath, ["--import", moduleTracer(dir, trace), entry, ...args], {
      encoding: "utf8",
      timeout: 30_000,
    });
    const modules = readFileSync(trace, "utf8").split("\n").filter(Boolean);
    return { code: r.status, stdout: r.stdout, modules };
  }

  const NEVER_FOR_A_VERDICT = [
    /node_modules\/commander\//,
    /node_modules\/fastify\//,
    /node_modules\/better-sqlite3\//,
    /\/src\/keystore\//,
    /\/src\/web\//,
    /\/src\/net\//,
    /\/cli\/commands\/keys\.js$/,
  ];

  function assertNone(modules: string[], patterns: RegExp[]): void {
    for (const p of patterns) {
      assert.deepEqual(
        modules.filter((m) => p.test(m)),
        [],
        `${p} loaded`,
      );
    }
  }

  it("decode of a PEM: no commander, trust store, PSL, keystore, SQLite or web server", () => {
    const r = loaded(["decode", leafPem]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /start\.example/);
    assert.ok(r.modules.some((m) => m.endsWith("/cli/commands/decode.js")));
    assertNone(r.modules, [...NEVER_FOR_A_VERDICT, /\/src\/trust\//, /\/src\/clients\//, /\/verify\/psl/]);
  });

  it("bin/chainproof.js starts from the bundle, which loads no package a command does not use", () => {
    const decode = loaded(["decode", leafPem], BIN);
    assert.equal(decode.code, 0);
    const fromBundle = decode.modules.filter((m) => m.includes("/dist/src/cli-bundle/"));
    assert.ok(
      fromBundle.some((m) => m.endsWith("/cli-bundle/main.cjs")),
      "starts from the bundle",
    );
    assert.deepEqual(
      decode.modules.filter((m) => /\/dist\/src\/(?!cli-bundle\/)/.test(m)),
      [],
      "no unbundled module",
    );
    // Fewer files than the module graph: the point of the bundle.
    assert.ok(
      fromBundle.length < loaded(["decode", leafPem]).modules.filter((m) => m.includes("/dist/src/")).length,
    );
    assertNone(
      decode.modules,
      NEVER_FOR_A_VERDICT.filter((p) => /node_modules/.test(p.source)),
    );
    const verify = loaded(["verify", "--chain", chainPem, "--host", "start.example"], BIN);
    assert.equal(verify.code, 1);
    assertNone(
      verify.modules,
      NEVER_FOR_A_VERDICT.filter((p) => /node_modules/.test(p.source)),
    );
  });

  it("verify against a custom root: no commander, keystore, SQLite or web server", () => {
    const r = loaded(["verify", "--chain", chainPem, "--roots", rootPem, "--host", "start.example"]);
    assert.equal(r.code, 0);
    assertNone(r.modules, NEVER_FOR_A_VERDICT);
  });

  it("verify against the default store: the trust data comes from data/, not from modules", () => {
    const r = loaded(["verify", "--chain", chainPem, "--host", "start.example", "--json"]);
    assert.equal(r.code, 1, "the chain's root is not in Mozilla's store");
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.clients[0].store.id, "mozilla");
    assert.equal(doc.clients[0].store.anchors, 121);
    assertNone(r.modules, [...NEVER_FOR_A_VERDICT, /\.json$/, /psl-data/]);
  });

  it("the fast path parses as commander does: the same document either way", () => {
    // `--` sends the command line through commander; the plain one does not load it.
    const fast = loaded(["decode", "--json", leafPem]);
    const viaCommander = loaded(["decode", "--json", "--", leafPem]);
    assert.equal(fast.code, 0);
    assert.equal(viaCommander.code, 0);
    assert.ok(viaCommander.modules.some((m) => /node_modules\/commander\//.test(m)));
    const doc = (out: string) => ({ ...JSON.parse(out), generatedAt: "(the run's time)" });
    assert.deepEqual(doc(fast.stdout), doc(viaCommander.stdout));
  });

  it("commander still answers what the fast path leaves to it: help, and a mistyped option", () => {
    const help = loaded(["decode", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: chainproof decode \[options\] \[files\.\.\.\]/);
    const typo = spawnSync(process.execPath, [BIN, "verify", "--chian", chainPem], { encoding: "utf8" });
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /unknown option '--chian'/);
    assert.match(typo.stderr, /did you mean --chain\?/);
  });

  it("keys is still listed in the help, and runs", () => {
    const help = spawnSync(process.execPath, [BIN, "--help"], { encoding: "utf8" });
    assert.match(help.stdout, /\n {2}keys\b/);
    const keys = spawnSync(process.execPath, [BIN, "keys", "--help"], { encoding: "utf8" });
    assert.equal(keys.status, 0);
    assert.match(keys.stdout, /Usage: chainproof keys/);
  });

  it("the code cache: written private to the user, the same output from it, never read from a folder others can write", () => {
    const t = tempDir("chainproof-cache-");
    after(t.cleanup);
    const pem = writeIn(t.dir, "one.pem", toPem(pki.root({ name: "Cache Test Root" }).der));
    const decode = (cacheDir: string) =>
      spawnSync(process.execPath, [BIN, "decode", pem], {
        encoding: "utf8",
        env: { ...process.env, CHAINPROOF_CACHE_DIR: cacheDir, CHAINPROOF_NO_CACHE: "" },
      });
    const entries = (dir: string) => {
      const sub = readdirSync(dir).filter((n) => n.startsWith("v8-"));
      return sub.flatMap((s) => readdirSync(join(dir, s)).map((f) => join(dir, s, f)));
    };

    const own = join(t.dir, "own");
    const first = decode(own);
    assert.equal(first.status, 0, first.stderr);
    const written = entries(own);
    assert.ok(written.length > 0 && written.every((f) => f.endsWith("-decode.bin")), written.join(", "));
    assert.equal(statSync(own).mode & 0o777, 0o700);
    for (const f of written) assert.equal(statSync(f).mode & 0o777, 0o600);
    const second = decode(own);
    assert.equal(second.stdout, first.stdout);

    // A folder group or others can write: another user could plant code there, so it is neither read nor written.
    const shared = join(t.dir, "shared");
    mkdirSync(shared, { mode: 0o777 });
    chmodSync(shared, 0o777);
    const plain = decode(shared);
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(plain.stdout, first.stdout);
    assert.deepEqual(readdirSync(shared), []);
  });
});
