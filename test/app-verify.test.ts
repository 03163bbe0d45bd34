/**
 * The verify use case (src/app/verify.ts) called directly: it returns the document `chainproof verify --json`
 * prints for the same input (compared field by field), valid against docs/schemas/verify.schema.json; it
 * takes paths, bytes or parsed certificates and a store spec or store; bad input throws the CLI's InputError.
 */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { decode, samlMetadata, samlVerify, verify, verifyWithLints } from "../src/app/index.js";
import { resolveStore } from "../src/app/stores.js";
import { buildMetadataXml, signElement, signResponse } from "../src/saml/index.js";
import { runJob } from "../src/web/saml-job.js";
import { InputError } from "../src/x509/errors.js";
import { toPem } from "../src/x509/pem.js";
import { writeJks } from "../src/x509/write/jks.js";
import { writePkcs12 } from "../src/x509/write/pkcs12.js";
import { ROOT, runCli } from "./helpers/cli.js";
import { HOST, makePki, type Pki } from "./helpers/clients-pki.js";
import { selfSigned } from "./helpers/pki.js";
import { ACS, IDP, NOW, SP, sampleResponse } from "./helpers/saml.js";

/** One time for both runs (the PKI is valid from now), to the second, as `--at` takes it. */
const AT = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();

function validator(name: string) {
  const schema = JSON.parse(
    readFileSync(join(ROOT, "docs", ...(name.includes("/") ? [name] : ["schemas", name])), "utf8"),
  );
  const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
  return (doc: unknown, what: string) =>
    assert.ok(validate(doc), `${what}: ${JSON.stringify(validate.errors, null, 1)}`);
}

/** The document as JSON carries it (undefined fields dropped), to compare with what the CLI printed. */
const asJson = (doc: unknown): unknown => JSON.parse(JSON.stringify(doc));

describe("verify() and chainproof verify --json", () => {
  let dir = "";
  let pki: Pki;
  const f = (name: string) => join(dir, name);
  const valid = validator("verify.schema.json");

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "cp-app-verify-"));
    pki = makePki("AppVerify");
    writeFileSync(f("root.pem"), pki.root.pem);
    writeFileSync(f("full.pem"), pki.leaf.pem + pki.intermediate.pem);
    writeFileSync(f("leaf.pem"), pki.leaf.pem);
    writeFileSync(
      f("roots.jks"),
      writeJks([{ kind: "trusted", alias: "approot", certificate: pki.root.der }], "s3cret-store"),
    );
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cases: {
    what: string;
    trusted: boolean;
    args: string[];
    options: () => Parameters<typeof verify>[0];
  }[] = [
    {
      what: "a complete chain against a root file, for Salesforce",
      trusted: true,
      args: ["--chain", "full.pem", "--roots", "root.pem", "--host", HOST],
      options: () => ({ chain: f("full.pem"), store: f("root.pem"), host: HOST }),
    },
    {
      what: "the leaf alone (intermediate missing), every client, the bundled default stores",
      trusted: false,
      args: ["--chain", "leaf.pem", "--client", "all", "--ip", "192.0.2.7"],
      options: () => ({ chain: f("leaf.pem"), clients: "all", ip: "192.0.2.7" }),
    },
    {
      what: "a password-protected JKS store (--store-password-env → storePassword)",
      trusted: true,
      args: ["--chain", "full.pem", "--store", "file:roots.jks", "--store-password-env", "APP_VERIFY_PW"],
      options: () => ({
        chain: f("full.pem"),
        store: `file:${f("roots.jks")}`,
        storePassword: "s3cret-store",
      }),
    },
  ];

  for (const c of cases) {
    it(`${c.what}: the same document, valid against verify.schema.json`, async () => {
      const args = [
        "verify",
        ...c.args.map((a) => a.replace(/^(file:)?(\w+\.(pem|jks))$/, (_, p = "", n) => p + f(n))),
        "--at",
        AT,
        "--json",
      ];
      const r = await runCli(args, { env: { APP_VERIFY_PW: "s3cret-store" } });
      assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
      const printed = JSON.parse(r.stdout);
      valid(printed, "CLI --json");
      // The CLI prints verifyWithLints' document; verify() is the same without the lints of each certificate sent.
      const linted = await verifyWithLints({ ...c.options(), at: AT });
      valid(linted, "verifyWithLints()");
      assert.deepEqual(asJson(linted), printed);
      const doc = verify({ ...c.options(), at: AT });
      valid(doc, "verify()");
      const withoutLints = {
        ...printed,
        sent: printed.sent.map(({ lints: _, ...entry }: { lints?: unknown }) => entry),
      };
      assert.deepEqual(asJson(doc), withoutLints);
      assert.equal(doc.trusted, c.trusted);
      assert.equal(r.code, c.trusted ? 0 : 1);
    });
  }

  it("takes bytes and parsed certificates, and a resolved store, with the same verdict", () => {
    const byPath = verify({ chain: f("full.pem"), store: f("root.pem"), host: HOST, at: AT });
    assert.equal(byPath.trusted, true);
    const store = resolveStore(f("root.pem"));
    const byBytes = verify({ chain: readFileSync(f("full.pem")), store, host: HOST, at: new Date(AT) });
    const byCerts = verify({ chain: [pki.leaf.cert, pki.intermediate.cert], store, host: HOST, at: AT });
    assert.deepEqual(asJson(byBytes), asJson(byPath));
    assert.deepEqual(asJson(byCerts), asJson(byPath));
    const wrongHost = verify({
      chain: [pki.leaf.cert, pki.intermediate.cert],
      store,
      host: "other.example",
      at: AT,
    });
    assert.equal(wrongHost.trusted, false);
  });

  it("bad input throws the InputError the CLI prints (exit 2)", async () => {
    const bad: [Parameters<typeof verify>[0], string[]][] = [
      [{}, []],
      [{ chain: f("full.pem"), at: "yesterday" }, ["--chain", f("full.pem"), "--at", "yesterday"]],
      [{ chain: f("full.pem"), ip: "nope" }, ["--chain", f("full.pem"), "--ip", "nope"]],
      [{ chain: f("full.pem"), purpose: "email" }, ["--chain", f("full.pem"), "--purpose", "email"]],
      [{ chain: f("nothing.pem") }, ["--chain", f("nothing.pem")]],
      [
        { chain: f("full.pem"), store: `file:${f("roots.jks")}`, storePassword: "wrong" },
        [
          "--chain",
          f("full.pem"),
          "--store",
          `file:${f("roots.jks")}`,
          "--store-password-env",
          "APP_VERIFY_PW",
        ],
      ],
    ];
    for (const [options, args] of bad) {
      let message = "";
      assert.throws(
        () => verify(options),
        (e: unknown) => {
          message = (e as Error).message;
          return e instanceof InputError;
        },
      );
      const r = await runCli(["verify", ...args], { env: { APP_VERIFY_PW: "wrong" } });
      assert.equal(r.code, 2, r.stderr);
      // The CLI adds the contract's hint after " — " (docs/cli.md); the message is the use case's.
      assert.equal(r.stderr.trim().split(" — ")[0], `chainproof: ${message}`);
    }
  });
});

describe("decode() and chainproof decode --json", () => {
  let dir = "";
  let pki: Pki;
  const f = (name: string) => join(dir, name);
  const valid = validator("./decode.schema.json");
  /** generatedAt (and the days left counted from it) differ between two runs a second apart. */
  const stable = (doc: unknown) =>
    JSON.parse(JSON.stringify(doc), (k, v) => (k === "generatedAt" || k === "daysRemaining" ? 0 : v));

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "cp-app-decode-"));
    pki = makePki("AppDecode");
    writeFileSync(f("full.pem"), pki.leaf.pem + pki.intermediate.pem);
    writeFileSync(f("garbage.pem"), "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("several files, one bad: the same document (errors included), valid against decode.schema.json", async () => {
    const r = await runCli(["decode", "--json", f("full.pem"), f("garbage.pem"), f("missing.pem")]);
    assert.equal(r.code, 2, r.stderr);
    const printed = JSON.parse(r.stdout);
    valid(printed, "CLI --json");
    const doc = await decode({ inputs: [f("full.pem"), f("garbage.pem"), f("missing.pem")] });
    valid(doc, "decode()");
    assert.deepEqual(stable(doc), stable(printed));
    assert.equal(doc.certificates.length, 2);
    assert.deepEqual(
      doc.errors.map((e) => e.file),
      [f("garbage.pem"), f("missing.pem")],
    );
  });

  it("bytes with a name, and a password (given, or asked once per input)", async () => {
    const bytes = readFileSync(f("full.pem"));
    const doc = await decode({ inputs: [{ name: "uploaded.pem", bytes }] });
    assert.equal(doc.certificates.length, 2);
    assert.deepEqual(doc.errors, []);

    const p12 = writePkcs12({ trusted: [{ certificate: pki.root.der }] }, "s3cret", {
      iterations: 1,
      macIterations: 1,
    });
    const inputs = [
      { name: "a.p12", bytes: p12 },
      { name: "b.p12", bytes: p12 },
    ];
    const none = await decode({ inputs });
    assert.deepEqual(
      none.errors.map((e) => e.code),
      ["need-password", "need-password"],
    );
    const given = await decode({ inputs, password: "s3cret" });
    assert.equal(given.certificates.length, 2);
    // Asked for the first; the answer opens the second too, so one question.
    const asked: string[] = [];
    const askPassword = async (name: string) => {
      asked.push(name);
      return "s3cret";
    };
    const prompted = await decode({ inputs, askPassword });
    assert.deepEqual(asked, ["a.p12"]);
    assert.equal(prompted.certificates.length, 2);
    const wrong = await decode({ inputs, password: "wrong" });
    assert.deepEqual(
      wrong.errors.map((e) => e.code),
      ["bad-password", "bad-password"],
    );
  });
});

describe("samlMetadata(), samlVerify(), chainproof saml --json and the web's SAML job", () => {
  let dir = "";
  const f = (name: string) => join(dir, name);
  const idp = selfSigned({ name: "idp.example.com", keyKind: "rsa2048" });
  const signer = { privateKey: idp.key.privateKey, certificate: idp.der };
  const at = NOW.toISOString();
  /** generatedAt differs between two runs. */
  const stable = (doc: unknown) => JSON.parse(JSON.stringify(doc), (k, v) => (k === "generatedAt" ? 0 : v));

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "cp-app-saml-"));
    const md = buildMetadataXml({
      entityId: IDP,
      ssoUrl: "https://idp.example.com/sso",
      signing: [idp.der],
      id: "_md",
    });
    writeFileSync(f("md.xml"), signElement(md, "_md", signer));
    writeFileSync(f("response.xml"), signResponse(sampleResponse(), "both", signer));
    writeFileSync(f("idp.pem"), toPem(idp.der));
    writeFileSync(f("not.xml"), "this is not XML");
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("metadata: the same document from the CLI, the use case and the web job, valid against saml-metadata.schema.json", async () => {
    const valid = validator("saml-metadata.schema.json");
    const r = await runCli([
      "saml",
      "metadata",
      f("md.xml"),
      "--configured",
      f("idp.pem"),
      "--at",
      at,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const printed = JSON.parse(r.stdout);
    valid(printed, "CLI --json");
    const doc = samlMetadata({ metadata: f("md.xml"), configured: f("idp.pem"), at });
    valid(doc, "samlMetadata()");
    assert.deepEqual(stable(doc), stable(printed));
    assert.equal(doc.valid, true);
    assert.equal(doc.idps[0].rotation?.configured[0].status, "listed");
    const web = runJob({
      kind: "metadata",
      metadata: { name: f("md.xml"), bytes: readFileSync(f("md.xml")) },
      at: NOW,
      allowSha1: false,
      signers: [],
      configured: [idp.der],
    });
    assert.ok(web.ok);
    valid(web.document, "web job");
    assert.deepEqual(stable(web.document), stable(printed));
  });

  it("verify: the same document from the CLI and the use case, valid against saml-verify.schema.json", async () => {
    const valid = validator("saml-verify.schema.json");
    const args = ["--sp-entity-id", SP, "--acs", ACS, "--request-id", "_req-1", "--at", at];
    const r = await runCli([
      "saml",
      "verify",
      f("response.xml"),
      "--metadata",
      f("md.xml"),
      ...args,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const printed = JSON.parse(r.stdout);
    valid(printed, "CLI --json");
    const doc = samlVerify({
      response: { name: f("response.xml"), bytes: readFileSync(f("response.xml")) },
      metadata: f("md.xml"),
      spEntityId: SP,
      acs: ACS,
      requestId: "_req-1",
      at: NOW,
    });
    valid(doc, "samlVerify()");
    assert.deepEqual(stable(doc), stable(printed));
    assert.equal(doc.valid, true);
    // Tampered: a verdict (exit 1), not an error.
    const tampered = readFileSync(f("response.xml"), "utf8").replace(
      "alice@example.com",
      "mallory@example.com",
    );
    const bad = samlVerify({
      response: { name: "t.xml", bytes: Buffer.from(tampered) },
      trusted: [idp.cert],
      at: NOW,
    });
    valid(bad, "samlVerify() of a tampered Response");
    assert.equal(bad.valid, false);
  });

  it("bad input throws the InputError the CLI prints (exit 2)", async () => {
    const cases: [() => unknown, string[]][] = [
      [() => samlMetadata({ metadata: f("not.xml") }), ["metadata", f("not.xml")]],
      [
        () => samlVerify({ response: f("not.xml"), trusted: f("idp.pem") }),
        ["verify", f("not.xml"), "--cert", f("idp.pem")],
      ],
      [
        () => samlVerify({ response: f("response.xml"), metadataSigners: f("idp.pem") }),
        ["verify", f("response.xml"), "--metadata-signer", f("idp.pem")],
      ],
      [
        () => samlVerify({ response: f("response.xml"), at: "soon" }),
        ["verify", f("response.xml"), "--at", "soon"],
      ],
    ];
    for (const [call, args] of cases) {
      let message = "";
      assert.throws(call, (e: unknown) => {
        message = (e as Error).message;
        return e instanceof InputError;
      });
      const r = await runCli(["saml", ...args]);
      assert.equal(r.code, 2, r.stderr);
      // The CLI adds the contract's hint after " — " (docs/cli.md); the message is the use case's.
      assert.equal(r.stderr.trim().split(" — ")[0], `chainproof: ${message}`);
    }
  });
});
