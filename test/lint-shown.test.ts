/**
 * Lints shown beside the certificates the other commands print (issue 18): decode's text lists the errors
 * and warnings of each certificate; verify --json and check --json (against a TLS server started here on
 * 127.0.0.1) give each certificate as sent its `lints`, valid under docs/schemas/, and their text sums them up.
 */

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createServer, type Server } from "node:tls";
import { Ajv2020 } from "ajv/dist/2020.js";
import { buildCertificate, generateKeyPair } from "../src/x509/builder.js";
import { ROOT, runCli } from "./helpers/cli.js";
import { tempDir } from "./helpers/openssl.js";

const tmp = tempDir("chainproof-lint-shown-");
const HOST = "shop.lint.example.com";
/** Valid now (the check judges at the current time), for less than 200 days. */
const notBefore = new Date(Date.now() - 30 * 86_400_000);
const caKey = generateKeyPair("ec-p256");
const leafKey = generateKeyPair("ec-p256");
const ca = buildCertificate({
  subject: "CN=Lint Shown CA,O=Lint Test,C=US",
  publicKey: caKey,
  notBefore,
  notAfter: new Date(Date.now() + 3650 * 86_400_000),
  ca: true,
});
/** A serial of 0, and otherwise a fair server certificate. */
const serialZero = buildCertificate({
  subject: `CN=${HOST}`,
  issuer: { cert: ca.cert, key: caKey.privateKey },
  publicKey: leafKey,
  serial: 0,
  notBefore,
  notAfter: new Date(Date.now() + 90 * 86_400_000),
  keyUsage: ["digitalSignature"],
  eku: ["serverAuth"],
  san: [{ dns: HOST }],
});
const write = (name: string, text: string) => {
  const path = join(tmp.dir, name);
  writeFileSync(path, text);
  return path;
};
const chainFile = write("chain.pem", serialZero.pem + ca.pem);
const rootFile = write("root.pem", ca.pem);

function assertValid(schemaFile: string, doc: unknown): void {
  const schema = JSON.parse(readFileSync(join(ROOT, "docs", "schemas", schemaFile), "utf8"));
  const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
  assert.ok(validate(doc), JSON.stringify(validate.errors));
}

interface SentJson {
  position: number;
  role: string;
  lints: { kind: string; counts: { error: number }; findings: { id: string }[] };
}

/** The leaf's lints name e_serial_number_zero; the CA's lints are those of a root. */
function assertSentLints(sent: SentJson[]): void {
  assert.equal(sent.length, 2);
  assert.equal(sent[0].role, "leaf");
  assert.equal(sent[0].lints.kind, "subscriber");
  assert.ok(sent[0].lints.counts.error >= 1);
  assert.ok(sent[0].lints.findings.some((f) => f.id === "e_serial_number_zero"));
  assert.equal(sent[1].lints.kind, "root");
  assert.ok(!sent[1].lints.findings.some((f) => f.id === "e_serial_number_zero"));
}

let server: Server;
let port: number;
before(async () => {
  server = createServer({
    key: leafKey.privateKey.export({ type: "pkcs8", format: "pem" }),
    cert: serialZero.pem + ca.pem,
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  await new Promise((resolve) => server?.close(resolve));
  tmp.cleanup();
});

describe("lints shown by decode, verify and check", () => {
  it("decode's text: a lint line per certificate, the serial-0 error listed with its message", async () => {
    const r = await runCli(["decode", chainFile], { env: { NO_COLOR: "1" } });
    assert.equal(r.code, 0, r.stderr);
    const blocks = r.stdout.split(/\n(?=Certificate \d of 2)/);
    assert.equal(blocks.length, 2);
    assert.match(
      blocks[0],
      /\n {2}lints: \d+ errors?[^\n]*\n {4}error e_serial_number_zero: the serial number is 0\n/,
    );
    assert.match(blocks[1], /\n {2}lints: /);
    assert.doesNotMatch(blocks[1], /e_serial_number_zero/);
    // Notices are counted, never listed.
    assert.doesNotMatch(r.stdout, /^\s+notice /m);
  });

  it("verify --json: each certificate as sent carries its lints, valid under verify.schema.json", async () => {
    const r = await runCli(["verify", "--chain", chainFile, "--roots", rootFile, "--host", HOST, "--json"]);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const doc = JSON.parse(r.stdout);
    assertValid("verify.schema.json", doc);
    assertSentLints(doc.sent);
  });

  it("verify's text: the errors and warnings of each certificate sent, under the matrix", async () => {
    const r = await runCli(["verify", "--chain", chainFile, "--roots", rootFile, "--host", HOST], {
      env: { NO_COLOR: "1" },
    });
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    assert.match(
      r.stdout,
      /\nLints of the certificates sent[^\n]*\n {2}#1 leaf: \d+ errors?[^\n]*\n(?: {4}[^\n]*\n)*? {4}error e_serial_number_zero: the serial number is 0\n/,
    );
  });

  it("check --json and text against a loopback server: the lints of the chain it sends", async () => {
    const target = [`${HOST}:${port}`, "--connect-to", "127.0.0.1", "--roots", rootFile, "--no-aia"];
    const j = await runCli(["check", ...target, "--json"]);
    assert.ok(j.code === 0 || j.code === 1, j.stderr);
    const doc = JSON.parse(j.stdout);
    assertValid("check.schema.json", doc);
    assertSentLints(doc.sent);
    const t = await runCli(["check", ...target], { env: { NO_COLOR: "1" } });
    assert.match(t.stdout, /\n {2}#1 leaf: [^\n]*\n(?: {4}[^\n]*\n)*? {4}error e_serial_number_zero: /);
  });
});
