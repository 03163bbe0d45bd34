/**
 * The keystore use cases (src/app/keys.ts) called as a library user calls them, on a keystore in a
 * temporary CHAINPROOF_HOME, compared with what `chainproof keys … --json` prints for the same keystore;
 * both validated against docs/schemas/keys-list.schema.json.
 */

import assert from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import {
  createKeyRequest,
  createSelfSignedKey,
  deleteKey,
  exportKey,
  importKeys,
  type Keystore,
  keyEntryJson,
  keyIdentity,
  listKeys,
  openKeystore,
  renewKey,
} from "../src/app/index.js";
import { InputError } from "../src/x509/errors.js";
import { type CliResult, ROOT, runCli } from "./helpers/cli.js";
import { tempDir } from "./helpers/openssl.js";

const PASS = "app test passphrase";
const DAY = 86_400_000;
const tmp = tempDir("chainproof-app-keys-");
after(() => tmp.cleanup());

function schemaValidator(): (doc: unknown, what: string) => void {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  const validate = ajv.compile(
    JSON.parse(readFileSync(join(ROOT, "docs", "schemas", "keys-list.schema.json"), "utf8")),
  );
  return (doc, what) => assert.ok(validate(doc), `${what}: ${JSON.stringify(validate.errors, null, 2)}`);
}

function keysCli(home: string, args: string[]): Promise<CliResult> {
  return runCli(["keys", ...args], {
    env: { CHAINPROOF_HOME: home, CHAINPROOF_KEYSTORE_PASSPHRASE: PASS },
    timeoutMs: 60_000,
  });
}

async function cliJson(home: string, args: string[]): Promise<unknown> {
  const r = await keysCli(home, [...args, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe("app: keystore", () => {
  const home = join(tmp.dir, "home");
  const path = join(home, "keystore.db");
  let ks: Keystore;

  before(async () => {
    ks = await openKeystore({ path, write: true });
    ks.unlock(PASS);
  });
  after(() => ks.close());

  it("createSelfSignedKey, then listKeys and keyEntryJson equal `keys list --json` and `keys show --json`", async () => {
    const made = await createSelfSignedKey(ks, {
      name: "Api_Client",
      cn: "api.example.com",
      san: ["DNS:api.example.com, DNS:www.api.example.com"],
      key: "ec-p256",
    });
    assert.equal(made.entry.kind, "self-signed");
    const pending = await createKeyRequest(ks, { name: "Mtls_Cert", cn: "mtls.example.com", key: "ec-p256" });
    assert.match(pending.csrPem, /^-----BEGIN CERTIFICATE REQUEST-----\n/);

    const valid = schemaValidator();
    const fromCli = await cliJson(home, ["list"]);
    const fromApp = listKeys(ks);
    assert.deepEqual(fromApp, fromCli);
    valid(fromCli, "CLI");
    valid(fromApp, "app");
    assert.deepEqual(
      fromApp.entries.map((e) => [e.name, e.kind, e.sans]),
      [
        ["Api_Client", "self-signed", ["dns:api.example.com", "dns:www.api.example.com"]],
        ["Mtls_Cert", "csr-pending", []],
      ],
    );
    assert.deepEqual(keyEntryJson(ks.require("Api_Client")), await cliJson(home, ["show", "Api_Client"]));
    // What the web's keystore page shows: where each entry stands, and the request waiting for the CA.
    assert.deepEqual(
      fromApp.entries.map((e) => [e.name, e.status, e.csrPem]),
      [
        ["Api_Client", "valid", null],
        ["Mtls_Cert", "pending", pending.csrPem],
      ],
    );
  });

  it("keyEntryJson status: expiring under 30 days left, expired after notAfter", () => {
    const entry = ks.require("Api_Client");
    const notAfter = entry.notAfter!.getTime();
    const at = (ms: number) => keyEntryJson(entry, ms);
    assert.deepEqual([at(notAfter - 31 * DAY).status, at(notAfter - 31 * DAY).daysToExpiry], ["valid", 31]);
    assert.deepEqual(
      [at(notAfter - 29 * DAY).status, at(notAfter - 29 * DAY).daysToExpiry],
      ["expiring", 29],
    );
    assert.deepEqual([at(notAfter + DAY).status, at(notAfter + DAY).daysToExpiry], ["expired", -1]);
  });

  it("renewKey: a self-signed entry at once (generation 2), as `keys list` then shows", async () => {
    const r = await renewKey(ks, { name: "Api_Client" });
    assert.equal(r.csrPem, undefined);
    assert.equal(r.entry.generation, 2);
    const cli = (await cliJson(home, ["show", "Api_Client"])) as { generation: number };
    assert.equal(cli.generation, 2);
  });

  it("exportKey as PKCS#12 with the key; importKeys takes its bytes into another keystore; the CLI lists it", async () => {
    // Salesforce imports RSA keys only.
    await createSelfSignedKey(ks, { name: "Rsa_Client", cn: "rsa.example.com", key: "rsa2048" });
    const out = await exportKey(ks, { name: "Rsa_Client", format: "p12", withKey: true, password: "pw" });
    assert.equal(out.filename, "Rsa_Client.p12");
    const otherHome = join(tmp.dir, "other");
    const other = await openKeystore({ path: join(otherHome, "keystore.db"), write: true });
    try {
      other.unlock(PASS);
      const imported = await importKeys(other, {
        input: out.bytes,
        source: "api.p12",
        password: "pw",
        name: "Copied",
      });
      assert.deepEqual(
        imported.map((o) => [o.entry.name, o.entry.spkiSha256]),
        [["Copied", ks.require("Rsa_Client").spkiSha256]],
      );
    } finally {
      other.close();
    }
    const cli = (await cliJson(otherHome, ["list"])) as { entries: { name: string }[] };
    assert.deepEqual(
      cli.entries.map((e) => e.name),
      ["Copied"],
    );
  });

  it("keyIdentity: the chain and the key that match it, for mutual TLS; a pending request has none", () => {
    const id = keyIdentity(ks, "Api_Client");
    const spki = createPublicKey(id.keyPem).export({ format: "der", type: "spki" });
    assert.deepEqual(new Uint8Array(spki), id.chain[0].publicKey.spki);
    assert.match(id.certPem, /^-----BEGIN CERTIFICATE-----\n/);
    assert.throws(() => keyIdentity(ks, "Mtls_Cert"), {
      code: "usage",
      message: /"Mtls_Cert" has no certificate yet/,
    });
  });

  it("errors are the CLI's: a key that may not leave, an unknown entry, a bad name", async () => {
    await createSelfSignedKey(ks, {
      name: "Locked_In",
      cn: "locked.example.com",
      key: "ec-p256",
      exportable: false,
    });
    await assert.rejects(
      exportKey(ks, { name: "Locked_In", format: "p12", withKey: true, password: "pw" }),
      (e: unknown) =>
        e instanceof InputError &&
        e.code === "not-exportable" &&
        e.message === 'the private key of "Locked_In" is not exportable',
    );
    const cli = await keysCli(home, [
      "export",
      "Locked_In",
      "--format",
      "p12",
      "--with-key",
      "--out",
      join(tmp.dir, "x.p12"),
    ]);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /the private key of "Locked_In" is not exportable/);
    assert.throws(() => deleteKey(ks, "Nobody"), {
      code: "no-such-entry",
      message: 'no entry named "Nobody" in the keystore',
    });
    await assert.rejects(createSelfSignedKey(ks, { name: "9 bad", cn: "x" }), InputError);
    assert.equal(deleteKey(ks, "Locked_In").name, "Locked_In");
    assert.equal(ks.get("Locked_In"), undefined);
  });
});
