/**
 * `chainproof lint FILE…` as a user runs it (the built CLI): text, --json (validated against
 * docs/schemas/lint.schema.json) and --sarif, the exit codes (0 clean, 1 an error lint fired, 2 bad input),
 * and the `lints` member decode now gives each certificate (validated against docs/decode.schema.json).
 */

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { buildCertificate, generateKeyPair } from "../src/x509/builder.js";
import { ROOT, runCli } from "./helpers/cli.js";
import { tempDir } from "./helpers/openssl.js";

const tmp = tempDir("chainproof-lint-cli-");
after(() => tmp.cleanup());

const DAY = 86_400_000;
const notBefore = new Date("2026-04-01T00:00:00Z");
const caKey = generateKeyPair("ec-p256");
const leafKey = generateKeyPair("ec-p256");
const ca = buildCertificate({
  subject: "CN=Lint CLI CA,O=Lint Test,C=US",
  publicKey: caKey,
  notBefore,
  notAfter: new Date("2036-04-01T00:00:00Z"),
  ca: true,
});
const leafSpec = {
  subject: "CN=shop.lint.example.com",
  issuer: { cert: ca.cert, key: caKey.privateKey },
  publicKey: leafKey,
  notBefore,
  notAfter: new Date(notBefore.getTime() + 90 * DAY - 1000),
  keyUsage: ["digitalSignature" as const],
  eku: ["serverAuth"],
  san: [{ dns: "shop.lint.example.com" }],
  policies: ["2.23.140.1.2.1"],
  aia: { ocsp: "http://ocsp.lint.example.com", caIssuers: "http://ca.lint.example.com/ca.cer" },
  crlDp: "http://crl.lint.example.com/ca.crl",
};
/** What issue 18's new user tried: a serial of 0, a 4,000-day lifetime, keyCertSign on a non-CA. */
const broken = buildCertificate({
  ...leafSpec,
  serial: 0,
  notAfter: new Date(notBefore.getTime() + 4000 * DAY),
  keyUsage: ["digitalSignature", "keyCertSign"],
});
const clean = buildCertificate(leafSpec);

const write = (name: string, text: string) => {
  const path = join(tmp.dir, name);
  writeFileSync(path, text);
  return path;
};
const brokenChain = write("broken.pem", broken.pem + ca.pem);
const cleanLeaf = write("clean.pem", clean.pem);
/** Asserts `doc` is valid under the schema docs/NAME. */
function assertValid(name: string, doc: unknown): void {
  const schema = JSON.parse(readFileSync(join(ROOT, "docs", name), "utf8"));
  const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
  assert.ok(validate(doc), JSON.stringify(validate.errors));
}

describe("cli: lint", () => {
  it("prints each lint that fired with its source, and exits 1 when an error fired", async () => {
    const r = await runCli(["lint", brokenChain]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /CN=shop\.lint\.example\.com \(subscriber, .*broken\.pem #1\)/);
    assert.match(
      r.stdout,
      /error {3}e_serial_number_zero {2}RFC 5280 4\.1\.2\.2\n {10}the serial number is 0/,
    );
    assert.match(
      r.stdout,
      /e_subscriber_validity_over_200_days {2}CA\/B Forum BR 6\.3\.2\n {10}valid for 4,000 days/,
    );
    assert.match(r.stdout, /e_key_cert_sign_without_ca {2}RFC 5280 4\.2\.1\.3/);
    assert.match(r.stdout, /CN=Lint CLI CA,O=Lint Test,C=US \(root, .*broken\.pem #2\)/);
    assert.match(r.stdout, /2 certificates linted: \d+ errors?, /);
    assert.equal(r.stderr, "");
  });

  it("exits 0 when no error-severity lint fired", async () => {
    const r = await runCli(["lint", cleanLeaf]);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /1 certificate linted: 0 errors/);
  });

  it("--json: the document of docs/schemas/lint.schema.json", async () => {
    const r = await runCli(["lint", "--json", brokenChain, cleanLeaf]);
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout);
    assertValid("schemas/lint.schema.json", doc);
    assert.equal(doc.schema, "chainproof/lint");
    assert.equal(doc.certificates.length, 3);
    const [leaf, root, ok] = doc.certificates;
    assert.equal(leaf.kind, "subscriber");
    assert.equal(root.kind, "root");
    assert.deepEqual(leaf.source, { file: brokenChain, position: 1, line: 1 });
    const ids = leaf.findings.map((f: { id: string }) => f.id);
    for (const id of [
      "e_serial_number_zero",
      "e_subscriber_validity_over_200_days",
      "e_key_cert_sign_without_ca",
    ]) {
      assert.ok(ids.includes(id), `${id} not in ${ids}`);
    }
    assert.equal(ok.counts.error, 0);
    assert.equal(doc.totals.certificates, 3);
    assert.equal(doc.totals.error, leaf.counts.error + root.counts.error);
  });

  it("--sarif: SARIF 2.1.0 with a rule per lint that fired and a result located at the PEM block", async () => {
    const r = await runCli(["lint", "--sarif", brokenChain]);
    assert.equal(r.code, 1);
    const sarif = JSON.parse(r.stdout);
    assert.equal(sarif.version, "2.1.0");
    const run = sarif.runs[0];
    const zero = run.results.find((x: { ruleId: string }) => x.ruleId === "e_serial_number_zero");
    assert.equal(zero.level, "error");
    assert.match(
      zero.message.text,
      /CN=shop\.lint\.example\.com: the serial number is 0 \(RFC 5280 4\.1\.2\.2\)/,
    );
    assert.deepEqual(zero.locations[0].physicalLocation, {
      artifactLocation: { uri: brokenChain },
      region: { startLine: 1 },
    });
    const rule = run.tool.driver.rules.find((x: { id: string }) => x.id === "e_serial_number_zero");
    assert.equal(rule.properties.source, "RFC 5280 4.1.2.2");
    const ruleIds = run.tool.driver.rules.map((x: { id: string }) => x.id);
    for (const res of run.results) assert.ok(ruleIds.includes(res.ruleId));
    assert.ok(run.results.every((x: { level: string }) => ["error", "warning", "note"].includes(x.level)));
  });

  it("bad input: a specific message and exit 2, the readable files still linted", async () => {
    const truncated = write("truncated.pem", clean.pem.slice(0, 200));
    const r = await runCli(["lint", cleanLeaf, truncated]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^chainproof: .*truncated\.pem/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.match(r.stdout, /1 certificate linted/);
    const usage = await runCli(["lint", "--json", "--sarif", cleanLeaf]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--json and --sarif cannot be used together/);
  });

  it("decode --json gives every certificate its lints (docs/decode.schema.json)", async () => {
    const r = await runCli(["decode", "--json", brokenChain]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assertValid("decode.schema.json", doc);
    const [leaf, root] = doc.certificates;
    assert.equal(leaf.lints.kind, "subscriber");
    assert.ok(leaf.lints.findings.some((f: { id: string }) => f.id === "e_serial_number_zero"));
    assert.equal(root.lints.kind, "root");
    assert.equal(
      leaf.lints.counts.error,
      leaf.lints.findings.filter((f: { severity: string }) => f.severity === "error").length,
    );
  });
});
