/**
 * `chainproof check` end to end: the built CLI in a child process against the lab (started here, on
 * 127.0.0.1), with the lab's roots as --roots. What a user sees, the JSON, --fix and its files, exit codes.
 */

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { writeLabFiles } from "../src/cli/commands/lab.js";
import { type Lab, startLab } from "../src/lab/index.js";
import { readCertificates } from "../src/x509/input.js";
import { runCli } from "./helpers/cli.js";
import { tempDir } from "./helpers/openssl.js";

let lab: Lab;
let files: { roots: string; intermediates: string };
let tmp: { dir: string; cleanup: () => void };

before(async () => {
  lab = await startLab({
    only: ["good-rsa", "incomplete", "wrong-host", "tls10", "self-signed", "reversed", "client-cert"],
  });
  tmp = tempDir("chainproof-check-");
  files = writeLabFiles(lab, tmp.dir);
});
after(async () => {
  await lab?.close();
  tmp?.cleanup();
});

const target = (name: string) => {
  const e = lab.endpoints.find((x) => x.spec.name === name)!;
  return [`${e.host}:${e.port}`, "--connect-to", "127.0.0.1"];
};
const check = (name: string, ...args: string[]) =>
  runCli(["check", ...target(name), "--roots", files.roots, ...args], { env: { NO_COLOR: "1" } });

describe("chainproof check", () => {
  it("a good endpoint: every client trusts it, exit 0, the connection and the path shown", async () => {
    const r = await check("good-rsa", "--client", "all");
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Connected to good-rsa\.lab\.chainproof\.test \(127\.0\.0\.1\) port \d+, SNI good-rsa\.lab\.chainproof\.test: TLSv1\.3/,
    );
    assert.match(r.stdout, /✓ All 8 clients trust this endpoint for good-rsa\.lab\.chainproof\.test\./);
    assert.match(
      r.stdout,
      /2\. CN=chainproof Lab RSA Issuing CA,O=chainproof lab\n\s+intermediate, sent as #2/,
    );
    assert.match(r.stdout, /Checked good-rsa\.lab\.chainproof\.test:\d+ at /);
  });

  it("Salesforce by default; a missing intermediate: exit 1 with Salesforce's error and where the issuer is", async () => {
    const r = await check("incomplete");
    assert.equal(r.code, 1);
    assert.match(r.stdout, /✗ Salesforce does not trust this endpoint/);
    assert.match(
      r.stdout,
      /Salesforce reports: System\.CalloutException: sun\.security\.validator\.ValidatorException: PKIX path building failed/,
    );
    assert.match(r.stdout, /incomplete-chain/);
    assert.match(
      r.stdout,
      new RegExp(`downloaded from ${lab.http.base.replace(/\./g, "\\.")}/rsa-ica\\.der`),
    );
  });

  it("--json: the check document; AIA to a loopback address is refused, so Chrome stays 'depends'", async () => {
    const r = await check("incomplete", "--client", "salesforce,chrome", "--json");
    assert.equal(r.code, 1);
    const j = JSON.parse(r.stdout);
    assert.equal(j.schema, "chainproof/check");
    assert.equal(j.version, 1);
    assert.equal(j.trusted, false);
    assert.equal(j.target.servername, "incomplete.lab.chainproof.test");
    assert.equal(j.handshake.completed, true);
    assert.equal(j.handshake.protocol, "TLSv1.3");
    assert.equal(j.handshake.mode, "full");
    assert.deepEqual(
      j.clients.map((c: { client: string; status: string }) => [c.client, c.status]),
      [
        ["salesforce", "untrusted"],
        ["chrome", "depends"],
      ],
    );
    assert.equal(j.aia.length, 1);
    assert.equal(j.aia[0].ok, false);
    assert.match(j.aia[0].error, /refused: 127\.0\.0\.1 .*loopback/);
    assert.equal(j.sent.length, 1);
    assert.equal(j.findings[0].code, "incomplete-chain");
    assert.equal(j.fix, null);
  });

  it("--fix with the lab's intermediates: writes leaf + intermediate, prints snippets, says who trusts it", async () => {
    const out = join(tmp.dir, "fixed.pem");
    const r = await check(
      "incomplete",
      "--client",
      "all",
      "--fix",
      "--intermediates",
      files.intermediates,
      "--out",
      out,
    );
    assert.equal(r.code, 1, "the server itself is still broken");
    assert.ok(existsSync(out));
    const certs = readCertificates(readFileSync(out), { source: out }).certificates.map((c) => c.cert);
    assert.deepEqual(
      certs.map((c) => c.subject.toString()),
      ["CN=incomplete.lab.chainproof.test", "CN=chainproof Lab RSA Issuing CA,O=chainproof lab"],
    );
    const inter = join(tmp.dir, "fixed.intermediates.pem");
    assert.equal(readCertificates(readFileSync(inter), { source: inter }).certificates.length, 1);
    assert.match(r.stdout, /The chain the server should send:/);
    assert.match(r.stdout, /\(from the local intermediates\)/);
    assert.match(
      r.stdout,
      /With this chain: ✓ Salesforce {2}✓ Java {2}✓ OpenSSL {2}✓ curl {2}✓ Go {2}✓ Node\.js {2}✓ Chrome {2}✓ Firefox/,
    );
    assert.match(r.stdout, new RegExp(`ssl_certificate {5}${out.replace(/[.]/g, "\\.")};`));
    assert.match(r.stdout, /SSLCertificateChainFile .*fixed\.intermediates\.pem/);
    assert.match(r.stdout, /keytool -importcert -trustcacerts -alias server -file/);
    assert.match(r.stdout, /bind :443 ssl crt/);
    assert.match(r.stdout, /cert: fs\.readFileSync\(/);
  });

  it("--fix --json on a reversed chain: reordered, nothing fetched", async () => {
    const out = join(tmp.dir, "reversed.pem");
    const r = await check("reversed", "--fix", "--out", out, "--json");
    assert.equal(r.code, 0);
    const j = JSON.parse(r.stdout);
    assert.equal(j.fix.complete, true);
    assert.equal(j.fix.changed, true);
    assert.deepEqual(
      j.fix.bundle.map((b: { subject: string }) => b.subject),
      [
        "CN=reversed.lab.chainproof.test",
        "CN=chainproof Lab Server CA,O=chainproof lab",
        "CN=chainproof Lab Policy CA,O=chainproof lab",
      ],
    );
    assert.equal(j.fix.fetches.length, 0);
    assert.equal(j.fix.trusted, true);
    assert.equal(j.fix.files.fullchain, out);
    assert.ok(j.fix.snippets.some((s: { server: string }) => s.server === "nginx"));
  });

  it("a TLS 1.0/1.1 server: tls-version-too-old with each client's text, exit 1", async () => {
    const r = await check("tls10", "--client", "salesforce,java,go");
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Versions the server accepts: TLSv1, TLSv1\.1/);
    assert.match(
      r.stdout,
      /Salesforce {2}NOT trusted tls-version-too-old: System\.CalloutException: javax\.net\.ssl\.SSLHandshakeException: Received fatal alert: protocol_version/,
    );
    assert.match(
      r.stdout,
      /Go {10}NOT trusted tls-version-too-old: remote error: tls: protocol version not supported/,
    );
  });

  it("--servername: the certificate is checked against that name", async () => {
    const r = await check("good-rsa", "--servername", "elsewhere.lab.chainproof.test", "--json");
    assert.equal(r.code, 1);
    const j = JSON.parse(r.stdout);
    assert.equal(j.target.servername, "elsewhere.lab.chainproof.test");
    assert.equal(j.clients[0].reason.code, "hostname-mismatch");
  });

  it("a server that requires a client certificate: trusted, with the finding", async () => {
    const r = await check("client-cert", "--json");
    assert.equal(r.code, 0);
    const j = JSON.parse(r.stdout);
    assert.ok(j.findings.some((f: { code: string }) => f.code === "client-certificate-required"));
  });

  it("nothing listening: connection-failed, exit 1", async () => {
    const r = await runCli(["check", "127.0.0.1:1", "--timeout", "2"], { env: { NO_COLOR: "1" } });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /connection refused/);
    assert.match(r.stdout, /connection-failed/);
  });

  it("bad input exits 2", async () => {
    for (const args of [
      ["check", "not a host!"],
      ["check", "example.com", "--timeout", "0"],
      ["check", "example.com", "--out", "x.pem"],
      ["check", "example.com", "--client", "lynx"],
      ["check", "example.com", "--store", "mozilla", "--roots", "x.pem"],
      ["check", "example.com", "--roots", "/nonexistent/roots.pem"],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /^chainproof: /);
    }
  });
});
