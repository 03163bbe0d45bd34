/**
 * `chainproof saml metadata` and `chainproof saml verify` end to end, as a user runs them: on the committed
 * examples/saml (so the commands in docs/saml.md keep working) and on files made here.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildResponseXml, signResponse } from "../src/saml/index.js";
import { parseCertificate } from "../src/x509/certificate.js";
import { parsePem, toPem } from "../src/x509/pem.js";
import { ROOT, runCli } from "./helpers/cli.js";
import { tempDir, writeIn } from "./helpers/openssl.js";
import { selfSigned } from "./helpers/pki.js";

const EX = join(ROOT, "examples", "saml");
const ex = (f: string) => join(EX, f);
const SP = "https://example.my.salesforce.com";
const ACS = "https://example.my.salesforce.com?so=00D000000000001";
const SP_ARGS = ["--sp-entity-id", SP, "--acs", ACS];

function sha256Colon(pemFile: string): string {
  const der = parsePem(readFileSync(pemFile, "latin1"))[0].der;
  return parseCertificate(der).sha256.toUpperCase().match(/.{2}/g)!.join(":");
}

const errorCodes = (doc: { findings: { code: string; severity: string }[] }) =>
  doc.findings.filter((f) => f.severity === "error").map((f) => f.code);

describe("chainproof saml verify on examples/saml (as docs/saml.md runs them)", () => {
  it("response-valid.xml with the SP's certificate: valid, exit 0", async () => {
    const r = await runCli([
      "saml",
      "verify",
      ex("response-valid.xml"),
      "--cert",
      ex("idp-2026.pem"),
      ...SP_ARGS,
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /✓ The SAML Response is valid\./);
    assert.match(r.stdout, /NameID\s+alice@example\.com/);
  });

  it("the same Response as a posted form body (SAMLResponse=…&RelayState=…)", async () => {
    const r = await runCli([
      "saml",
      "verify",
      ex("response-valid.form.txt"),
      "--cert",
      ex("idp-2026.pem"),
      ...SP_ARGS,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.schema, "chainproof/saml-verify");
    assert.equal(doc.version, 1);
    assert.equal(doc.valid, true);
    assert.deepEqual(doc.input, { binding: "post", form: true, relayState: "/home/home.jsp" });
    assert.equal(doc.assertion.source, "signed");
    assert.equal(doc.signatures.length, 2);
    assert.equal(doc.signatures[0].signer.fingerprints.sha256.length, 64);
    assert.ok(doc.steps.every((s: { status: string }) => s.status !== "fail"));
  });

  it("response-expired.xml at 2026-12-01T10:00:00Z: expired, exit 1", async () => {
    const r = await runCli([
      "saml",
      "verify",
      ex("response-expired.xml"),
      "--cert",
      ex("idp-2026.pem"),
      ...SP_ARGS,
      "--at",
      "2026-12-01T10:00:00Z",
      "--json",
    ]);
    assert.equal(r.code, 1);
    assert.deepEqual([...new Set(errorCodes(JSON.parse(r.stdout)))], ["saml-expired"]);
  });

  it("response-wrong-audience.xml: the audience, exit 1", async () => {
    const r = await runCli([
      "saml",
      "verify",
      ex("response-wrong-audience.xml"),
      "--cert",
      ex("idp-2026.pem"),
      ...SP_ARGS,
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /FAIL\s+Audience/);
    assert.match(r.stdout, /saml-audience-mismatch/);
    assert.match(
      r.stdout,
      /"https:\/\/example\.salesforce\.com", not the SP's entity ID "https:\/\/example\.my\.salesforce\.com"/,
    );
  });

  it("response-rotated.xml against the old certificate: which certificate signed, and that the metadata lists it", async () => {
    const args = [
      "saml",
      "verify",
      ex("response-rotated.xml"),
      "--cert",
      ex("idp-2024.pem"),
      "--metadata",
      ex("idp-metadata.xml"),
      ...SP_ARGS,
      "--at",
      "2027-01-05T09:01:00Z",
    ];
    const r = await runCli(args);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /the IdP signed with certificate "idp\.example\.com SAML signing" \(SHA-256 [0-9A-F:]{11}…[0-9A-F:]{5}, valid 2026-06-01 to 2036-06-01\), the SP trusts "idp\.example\.com SAML signing" \(SHA-256 [0-9A-F:]{11}…[0-9A-F:]{5}, valid 2024-01-01 to 2027-01-01\); the IdP's metadata lists/,
    );
    assert.ok(r.stdout.includes(sha256Colon(ex("idp-2026.pem"))), "the fix names the full SHA-256 to upload");
    const j = JSON.parse((await runCli([...args, "--json"])).stdout);
    assert.deepEqual(errorCodes(j), ["saml-cert-mismatch"]);
    // The same Response with the new certificate configured is valid.
    const ok = await runCli([
      "saml",
      "verify",
      ex("response-rotated.xml"),
      "--cert",
      ex("idp-2026.pem"),
      ...SP_ARGS,
      "--at",
      "2027-01-05T09:01:00Z",
    ]);
    assert.equal(ok.code, 0, ok.stdout);
  });
});

describe("chainproof saml metadata on examples/saml", () => {
  it("the rollover, and the configured certificate being retired", async () => {
    const r = await runCli([
      "saml",
      "metadata",
      ex("idp-metadata.xml"),
      "--configured",
      ex("idp-2024.pem"),
      "--at",
      "2026-12-15",
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(
      r.stdout.includes(
        `the configured certificate is the one being retired: add ${sha256Colon(ex("idp-2026.pem"))}`,
      ),
      r.stdout,
    );
    assert.match(r.stdout, /2 signing certificates: a rollover is in progress/);
    assert.match(r.stdout, /self-signed \(allowed for SAML signing/);
    assert.match(r.stdout, /Signature\s+valid, by .* \(one of the listed certificates\)/);
  });

  it("--json: certificates as decode --json shapes them, rotation per IdP", async () => {
    const r = await runCli([
      "saml",
      "metadata",
      ex("idp-metadata.xml"),
      "--configured",
      ex("idp-2026.pem"),
      "--at",
      "2026-12-15",
      "--json",
    ]);
    assert.equal(r.code, 0);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.schema, "chainproof/saml-metadata");
    assert.equal(doc.signature.valid, true);
    assert.equal(doc.idps[0].keys.length, 2);
    assert.equal(doc.idps[0].keys[0].certificate.selfSigned, true);
    assert.equal(doc.idps[0].keys[0].certificate.publicKey.bits, 2048);
    assert.equal(doc.idps[0].rollover, true);
    assert.equal(doc.idps[0].rotation.configured[0].status, "incoming");
    assert.ok(doc.findings.some((f: { code: string }) => f.code === "saml-configured-cert-incoming"));
  });

  it("--metadata-signer: the signature is checked against the named certificate only", async () => {
    const { dir, cleanup } = tempDir();
    after(cleanup);
    const ok = await runCli([
      "saml",
      "metadata",
      ex("idp-metadata.xml"),
      "--metadata-signer",
      ex("idp-2024.pem"),
      "--at",
      "2026-12-15",
    ]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /Signature\s+valid, by .* \(the metadata signer given\)/);
    assert.match(ok.stdout, /saml-metadata-signer-verified/);
    const stranger = writeIn(dir, "federation.pem", toPem(selfSigned({ name: "federation" }).der));
    const bad = await runCli([
      "saml",
      "metadata",
      ex("idp-metadata.xml"),
      "--metadata-signer",
      stranger,
      "--at",
      "2026-12-15",
    ]);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /saml-metadata-signature-invalid/);
    assert.match(bad.stdout, /does not verify with the metadata signer given \("federation"/);
    // saml verify: metadata that does not verify with the named signer is an error, not a warning.
    const v = await runCli([
      "saml",
      "verify",
      ex("response-rotated.xml"),
      "--metadata",
      ex("idp-metadata.xml"),
      "--metadata-signer",
      stranger,
      ...SP_ARGS,
      "--at",
      "2027-01-05T09:01:00Z",
      "--json",
    ]);
    assert.equal(v.code, 1, v.stderr);
    assert.ok(errorCodes(JSON.parse(v.stdout)).includes("saml-metadata-signature-invalid"), v.stdout);
    const usage = await runCli(["saml", "verify", ex("response-valid.xml"), "--metadata-signer", stranger]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--metadata-signer needs --metadata/);
  });

  it("a configured certificate the IdP does not list: exit 1", async () => {
    const { dir, cleanup } = tempDir();
    after(cleanup);
    const other = writeIn(dir, "other.pem", toPem(selfSigned({ name: "not the IdP" }).der));
    const r = await runCli([
      "saml",
      "metadata",
      ex("idp-metadata.xml"),
      "--configured",
      other,
      "--at",
      "2026-12-15",
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /saml-configured-cert-missing/);
  });
});

describe("chainproof saml: input errors, refusals and hostile text", () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const idp = selfSigned({ name: "idp", keyKind: "rsa2048" });
  const cert = writeIn(dir, "idp.pem", toPem(idp.der));
  const now = new Date("2030-01-01T00:00:00Z");
  const response = (nameId: string) =>
    signResponse(
      buildResponseXml({
        issuer: "https://idp",
        spEntityId: SP,
        acs: ACS,
        nameId,
        issueInstant: now,
        notBefore: now,
        notOnOrAfter: new Date(now.getTime() + 300_000),
      }),
      "both",
      { privateKey: idp.key.privateKey, certificate: idp.der },
    );

  it("exit 2: missing file, not XML, not a Response, bad options", async () => {
    assert.equal((await runCli(["saml", "verify", join(dir, "nope.xml"), "--cert", cert])).code, 2);
    const junk = writeIn(dir, "junk.txt", "this is not a SAML response");
    const j = await runCli(["saml", "verify", junk, "--cert", cert]);
    assert.equal(j.code, 2);
    assert.match(j.stderr, /the input is not XML/);
    const req = writeIn(
      dir,
      "req.xml",
      '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r"/>',
    );
    const q = await runCli(["saml", "verify", req, "--cert", cert]);
    assert.equal(q.code, 2);
    assert.match(q.stderr, /not a SAML 2\.0 Response: the root element is <samlp:AuthnRequest>/);
    const ok = writeIn(dir, "ok.xml", response("alice@example.com"));
    assert.equal((await runCli(["saml", "verify", ok, "--cert", cert, "--skew", "abc"])).code, 2);
    assert.equal((await runCli(["saml", "verify", ok, "--cert", cert, "--at", "yesterday"])).code, 2);
    assert.equal((await runCli(["saml", "metadata", junk])).code, 2);
  });

  it("a DOCTYPE is a refusal (exit 1, saml-doctype), from a file or standard input", async () => {
    const xxe = `<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>${response("alice@example.com")}`;
    const r = await runCli(
      ["saml", "verify", "-", "--cert", cert, "--at", "2030-01-01T00:01:00Z", "--json"],
      {
        input: Buffer.from(xxe).toString("base64"),
      },
    );
    assert.equal(r.code, 1);
    assert.deepEqual(errorCodes(JSON.parse(r.stdout)), ["saml-doctype"]);
  });

  it("values from the Response cannot drive the terminal", async () => {
    const file = writeIn(dir, "bidi.xml", response("alice\u202e@example.com\u009b31m"));
    const r = await runCli([
      "saml",
      "verify",
      file,
      "--cert",
      cert,
      ...SP_ARGS,
      "--at",
      "2030-01-01T00:01:00Z",
    ]);
    assert.equal(r.code, 0, r.stdout);
    assert.ok(!r.stdout.includes("\u202e") && !r.stdout.includes("\u009b"));
    assert.match(r.stdout, /alice\\u202e@example\.com\\x9b31m/);
  });
});
