/**
 * `chainproof csr`, `chainproof match` and `chainproof convert` end to end, as a user runs them, on keys,
 * requests and certificates OpenSSL made in a temporary folder. OpenSSL and keytool are the oracles: they
 * read every file convert writes, and `openssl pkey`/`openssl x509 -pubkey` say whether a key matches.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { type CliResult, ROOT, runCli } from "./helpers/cli.js";
import { haveOpenssl, opensslOk, tempDir } from "./helpers/openssl.js";

const tmp = tempDir("chainproof-cli-tools-");
after(() => tmp.cleanup());
const at = (name: string) => join(tmp.dir, name);
const noOpenssl = haveOpenssl() ? false : "openssl is not installed";
const noKeytool = spawnSync("keytool", ["-help"]).status === 0 ? false : "keytool is not installed";

/** The document follows docs/schemas/NAME.schema.json. */
function assertSchema(name: string, doc: unknown): void {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  const validate = ajv.compile(
    JSON.parse(readFileSync(join(ROOT, "docs", "schemas", `${name}.schema.json`), "utf8")),
  );
  assert.ok(validate(doc), JSON.stringify(validate.errors));
}

function exits(r: CliResult, code: number, stderr?: RegExp): CliResult {
  assert.equal(r.code, code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  if (stderr) assert.match(r.stderr, stderr);
  assert.doesNotMatch(r.stderr, /internal error|at .*\.js:\d+/);
  return r;
}

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { env, timeoutMs: 60_000 });

/** Files OpenSSL makes: a CA, a leaf it issued (RSA), the leaf's key (also encrypted), an EC key, requests. */
before(async () => {
  if (noOpenssl) return;
  const o = (args: string[]) => opensslOk(args, undefined, tmp.dir);
  await o(
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "ca.key",
    ].concat(["-out", "ca.pem", "-subj", "/CN=Tools Test CA", "-days", "30"]),
  );
  await o(
    ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr"]
      .concat([
        "-subj",
        "/O=Acme/CN=tools.example",
        "-addext",
        "subjectAltName=DNS:tools.example,IP:10.1.2.3",
      ])
      .concat([
        "-addext",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "-addext",
        "extendedKeyUsage=serverAuth",
      ]),
  );
  await o(
    ["x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"].concat([
      "-out",
      "leaf.pem",
      "-days",
      "20",
      "-copy_extensions",
      "copy",
    ]),
  );
  await o(["pkcs8", "-topk8", "-in", "leaf.key", "-out", "leaf-enc.key", "-passout", "pass:key secret"]);
  await o(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "other.key"]);
  writeFileSync(at("chain.pem"), readFileSync(at("leaf.pem"), "utf8") + readFileSync(at("ca.pem"), "utf8"));
  writeFileSync(
    at("bundle.pem"),
    readFileSync(at("chain.pem"), "utf8") + readFileSync(at("leaf.key"), "utf8"),
  );
});

describe("chainproof csr", { skip: noOpenssl }, () => {
  it("shows the subject, the key, the requested extensions and a verifying signature (exit 0)", async () => {
    const r = exits(await cli(["csr", at("leaf.csr")]), 0);
    assert.match(r.stdout, /Subject\s+CN=tools\.example,O=Acme/);
    assert.match(r.stdout, /Key\s+RSA 2048 bits/);
    assert.match(r.stdout, /verifies with the request's key/);
    assert.match(r.stdout, /subjectAltName: dns:tools\.example, ip:10\.1\.2\.3/);
    assert.match(r.stdout, /keyUsage \(critical\): digitalSignature, keyEncipherment/);
    assert.match(r.stdout, /extKeyUsage: serverAuth/);
  });

  it("--json follows docs/schemas/csr.schema.json; the key pin is OpenSSL's SHA-256 of the public key", async () => {
    const doc = JSON.parse(exits(await cli(["csr", at("leaf.csr"), "--json"]), 0).stdout);
    assertSchema("csr", doc);
    const spki = await opensslOk(["req", "-in", at("leaf.csr"), "-pubkey", "-noout"]);
    const der = await opensslOk(["pkey", "-pubin", "-outform", "DER"], spki.stdout);
    const pin = await opensslOk(["dgst", "-sha256", "-r"], der.stdoutBytes);
    assert.equal(doc.publicKey.spkiSha256, pin.stdout.split(" ")[0].toUpperCase());
    assert.equal(doc.signatureValid, true);
    assert.deepEqual(
      doc.subjectAltNames.map((n: { type: string; value: string }) => `${n.type}:${n.value}`),
      ["dns:tools.example", "ip:10.1.2.3"],
    );
  });

  it("a request whose signature was altered: DOES NOT VERIFY, exit 1 (OpenSSL agrees)", async () => {
    const der = (await opensslOk(["req", "-in", at("leaf.csr"), "-outform", "DER"])).stdoutBytes;
    der[der.length - 1] ^= 0x01;
    writeFileSync(at("tampered.der"), der);
    const r = exits(await cli(["csr", at("tampered.der")]), 1);
    assert.match(r.stdout, /DOES NOT VERIFY/);
    assert.match(r.stdout, /a CA refuses it/);
    // OpenSSL 3.0 exits 0 either way; its message tells.
    const oracle = spawnSync(
      "openssl",
      ["req", "-in", at("tampered.der"), "-inform", "DER", "-verify", "-noout"],
      {
        encoding: "utf8",
      },
    );
    assert.match(oracle.stdout + oracle.stderr, /verify failure/);
  });

  it("a certificate, a truncated request, an empty file: exit 2 with a specific message", async () => {
    exits(await cli(["csr", at("leaf.pem")]), 2, /no CERTIFICATE REQUEST block \(found CERTIFICATE\)/);
    const pem = readFileSync(at("leaf.csr"), "utf8");
    writeFileSync(at("truncated.csr"), pem.slice(0, pem.length - 60));
    exits(await cli(["csr", at("truncated.csr")]), 2, /truncated\.csr/);
    writeFileSync(at("empty.csr"), "");
    exits(await cli(["csr", at("empty.csr")]), 2, /empty/);
  });
});

describe("chainproof match", { skip: noOpenssl }, () => {
  /** OpenSSL's own answer: the key's public half equals the certificate's (or request's) public key. */
  async function opensslSaysMatch(key: string, target: string, pass?: string): Promise<boolean> {
    const pub = await opensslOk([
      "pkey",
      "-in",
      key,
      "-pubout",
      ...(pass ? ["-passin", `pass:${pass}`] : []),
    ]);
    const cmd = target.endsWith(".csr")
      ? ["req", "-in", target, "-pubkey", "-noout"]
      : ["x509", "-in", target, "-pubkey", "-noout"];
    return pub.stdout === (await opensslOk(cmd)).stdout;
  }

  it("the leaf's key matches its certificate and its request (exit 0), as OpenSSL says", async () => {
    const r = exits(await cli(["match", at("leaf.key"), at("leaf.pem")]), 0);
    assert.match(r.stdout, /✓ The private key matches the certificate \(CN=tools\.example,O=Acme\)/);
    assert.equal(await opensslSaysMatch(at("leaf.key"), at("leaf.pem")), true);
    exits(await cli(["match", at("leaf.key"), at("leaf.csr")]), 0);
    assert.equal(await opensslSaysMatch(at("leaf.key"), at("leaf.csr")), true);
  });

  it("another key does not match (exit 1), as OpenSSL says; --json follows its schema", async () => {
    const r = exits(await cli(["match", at("other.key"), at("leaf.pem"), "--json"]), 1);
    const doc = JSON.parse(r.stdout);
    assertSchema("match", doc);
    assert.equal(doc.matches, false);
    assert.equal(doc.key.algorithm, "EC");
    assert.equal(await opensslSaysMatch(at("other.key"), at("leaf.pem")), false);
  });

  it("a chain whose second certificate is the key's: says which one", async () => {
    const r = exits(await cli(["match", at("ca.key"), at("chain.pem"), "--json"]), 1);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.matchesPosition, 2);
    assert.match(doc.summary, /it matches certificate #2 \(CN=Tools Test CA\)/);
  });

  it("an encrypted key: needs its password (exit 2), a wrong one is refused (exit 2), the right one matches", async () => {
    exits(
      await cli(["match", at("leaf-enc.key"), at("leaf.pem")]),
      2,
      /the private key is encrypted; give its password/,
    );
    exits(
      await cli(["match", at("leaf-enc.key"), at("leaf.pem"), "--password-env", "KP"], { KP: "wrong" }),
      2,
      /the password does not decrypt the private key/,
    );
    exits(
      await cli(["match", at("leaf-enc.key"), at("leaf.pem"), "--password-env", "KP"], { KP: "key secret" }),
      0,
    );
    assert.equal(await opensslSaysMatch(at("leaf-enc.key"), at("leaf.pem"), "key secret"), true);
  });

  it("a certificate given as the key: exit 2, saying it holds no private key", async () => {
    exits(await cli(["match", at("leaf.pem"), at("leaf.pem")]), 2, /leaf\.pem: holds no private key/);
  });
});

describe("chainproof convert", { skip: noOpenssl }, () => {
  it("PEM chain + key → PKCS#12: OpenSSL reads the key and both certificates with the password", async () => {
    const r = exits(
      await cli(
        [
          "convert",
          at("bundle.pem"),
          "--to",
          "p12",
          "--out",
          at("out.p12"),
          "--out-password-env",
          "OP",
          "--alias",
          "tools",
        ],
        {
          OP: "changeit",
        },
      ),
      0,
    );
    assert.match(r.stdout, /wrote 2 certificates and 1 private key as p12/);
    assert.equal(statSync(at("out.p12")).mode & 0o777, 0o600, "a file with a key is private");
    const info = await opensslOk([
      "pkcs12",
      "-in",
      at("out.p12"),
      "-info",
      "-nodes",
      "-passin",
      "pass:changeit",
    ]);
    assert.equal(info.stdout.match(/-----BEGIN CERTIFICATE-----/g)?.length, 2);
    assert.match(info.stdout, /-----BEGIN PRIVATE KEY-----/);
    assert.match(info.stdout, /friendlyName: tools/);
    const key = await opensslOk(["pkey", "-pubout"], info.stdout);
    const cert = await opensslOk(["x509", "-pubkey", "-noout", "-in", at("leaf.pem")]);
    assert.equal(key.stdout, cert.stdout, "the key in the file is the leaf's");
  });

  it("PKCS#12 → JKS: keytool lists one PrivateKeyEntry with a chain of 2", { skip: noKeytool }, async () => {
    exits(
      await cli(["convert", at("out.p12"), "--to", "jks", "--out", at("out.jks"), "--password-env", "P"], {
        P: "changeit",
      }),
      0,
    );
    const list = spawnSync("keytool", ["-list", "-v", "-keystore", at("out.jks"), "-storepass", "changeit"], {
      encoding: "utf8",
    });
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /Your keystore contains 1 entry/);
    assert.match(list.stdout, /Alias name: tools/);
    assert.match(list.stdout, /Entry type: PrivateKeyEntry/);
    assert.match(list.stdout, /Certificate chain length: 2/);
  });

  it("JKS → PEM (key encrypted with the given password): the key still matches its certificate", async () => {
    exits(
      await cli(
        [
          "convert",
          at("out.p12"),
          "--to",
          "pem",
          "--out",
          at("back.pem"),
          "--password-env",
          "P",
          "--out-password-env",
          "OP",
        ],
        {
          P: "changeit",
          OP: "pem secret",
        },
      ),
      0,
    );
    assert.match(readFileSync(at("back.pem"), "utf8"), /-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    exits(
      await cli(["match", at("back.pem"), at("leaf.pem"), "--password-env", "OP"], { OP: "pem secret" }),
      0,
    );
  });

  it("PEM chain → PKCS#7 keeps the order (OpenSSL prints leaf then CA); --json follows its schema", async () => {
    const r = exits(
      await cli(["convert", at("chain.pem"), "--to", "p7b", "--out", at("chain.p7b"), "--json"]),
      0,
    );
    const doc = JSON.parse(r.stdout);
    assertSchema("convert", doc);
    assert.equal(doc.from, "pem");
    assert.equal(doc.fileName, "chain.p7b");
    const printed = await opensslOk([
      "pkcs7",
      "-in",
      at("chain.p7b"),
      "-inform",
      "DER",
      "-print_certs",
      "-noout",
    ]);
    assert.deepEqual(
      printed.stdout.split("\n").filter((l) => l.startsWith("subject=")),
      ["subject=O = Acme, CN = tools.example", "subject=CN = Tools Test CA"],
    );
  });

  it("PKCS#7 → DER refuses two certificates (exit 2); one certificate → DER that OpenSSL reads", async () => {
    exits(await cli(["convert", at("chain.p7b"), "--to", "der", "--out", at("x.der")]), 2, /DER holds one/);
    exits(await cli(["convert", at("leaf.pem"), "--to", "der", "--out", at("leaf.der")]), 0);
    const subject = await opensslOk(["x509", "-in", at("leaf.der"), "-inform", "DER", "-noout", "-subject"]);
    assert.match(subject.stdout, /CN = tools\.example/);
  });

  it("a key with no certificate of its own, a short or missing password, an unknown format: exit 2", async () => {
    exits(
      await cli(
        [
          "convert",
          at("chain.pem"),
          "--to",
          "p12",
          "--key",
          at("other.key"),
          "--out",
          at("x.p12"),
          "--out-password-env",
          "OP",
        ],
        { OP: "changeit" },
      ),
      2,
      /belongs to none of the certificates/,
    );
    exits(
      await cli(
        ["convert", at("chain.pem"), "--to", "jks", "--out", at("x.jks"), "--out-password-env", "OP"],
        { OP: "abc" },
      ),
      2,
      /shorter than 6 characters/,
    );
    exits(
      await cli(["convert", at("chain.pem"), "--to", "jks", "--out", at("x.jks")]),
      2,
      /needs a password/,
    );
    exits(await cli(["convert", at("chain.pem"), "--to", "zip"]), 2, /choose pem, der, p7b, p12, jks/);
  });
});
