/**
 * `chainproof keys …` end to end, as a user runs it: every command's success and its errors, with exit codes
 * (0 done, 2 for anything to fix) and the messages people read. The keystore lives in a temporary
 * CHAINPROOF_HOME; the passphrase comes from the environment, a named variable or a file.
 */

import assert from "node:assert/strict";
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildCertificate, generateKeyPair, parseCsr } from "../src/x509/builder.js";
import { readJks } from "../src/x509/containers/jks.js";
import { readPkcs12 } from "../src/x509/containers/pkcs12.js";
import { parsePem } from "../src/x509/pem.js";
import { writeJks } from "../src/x509/write/jks.js";
import { BIN, type CliResult, havePty, runCli, runCliInPty } from "./helpers/cli.js";
import { tempDir } from "./helpers/openssl.js";

const DAY = 86_400_000;
const PASS = "cli test passphrase";
const tmp = tempDir("chainproof-cli-keys-");
after(() => tmp.cleanup());

let homes = 0;
function newHome(): string {
  const h = join(tmp.dir, `home${++homes}`);
  return h;
}

function keys(
  home: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  return runCli(["keys", ...args], {
    env: { CHAINPROOF_HOME: home, CHAINPROOF_KEYSTORE_PASSPHRASE: PASS, ...env },
    timeoutMs: 60_000,
  });
}

function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

function fails(r: CliResult, pattern: RegExp): CliResult {
  assert.equal(r.code, 2, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /internal error|at .*\.js:\d+/);
  return r;
}

describe("keys create, list, show, delete", () => {
  const home = newHome();

  it("create --self-signed with Salesforce's defaults; warns about a CN that is not ours", async () => {
    const r = ok(
      await keys(home, [
        "create",
        "--self-signed",
        "Api_Cert",
        "--cn",
        "api.mycompany.example",
        "--san",
        "IP:10.0.0.1",
        "--label",
        "API",
      ]),
    );
    assert.match(
      r.stdout,
      /^created Api_Cert: self-signed, RSA 2048, CN=api.mycompany.example, valid until \d{4}-\d\d-\d\d \(36[45] days\)/,
    );
    assert.equal(r.stderr, "");
    const big = ok(
      await keys(home, ["create", "--self-signed", "Big", "--cn", "my.salesforce.com", "--key", "rsa4096"]),
    );
    assert.match(big.stdout, /RSA 4096.*\(7(29|30) days\)/);
    assert.match(
      big.stderr,
      /warning: the CN "my.salesforce.com" is in salesforce.com, which belongs to Salesforce/,
    );
    const ip = ok(
      await keys(home, [
        "create",
        "--self-signed",
        "Short",
        "--cn",
        "10.9.9.9",
        "--key",
        "ec-p256",
        "--days",
        "20",
        "--json",
      ]),
    );
    const j = JSON.parse(ip.stdout);
    assert.equal(j.name, "Short");
    assert.deepEqual(j.key, { type: "EC", size: 256 });
    assert.ok(j.daysToExpiry >= 19 && j.daysToExpiry <= 20);
    assert.match(ip.stderr, /IP address/);
    assert.match(ip.stderr, /note: .*valid for 20/);
  });

  it("list: sorted by expiry, with days to expiry; --json", async () => {
    const r = ok(await keys(home, ["list"]));
    const lines = r.stdout.trim().split("\n");
    assert.match(lines[0], /^NAME\s+KIND\s+KEY\s+EXPIRES\s+DAYS\s+LABEL$/);
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(/\s+/)[0]),
      ["Short", "Api_Cert", "Big"],
    );
    assert.match(lines[2], /Api_Cert\s+self-signed\s+RSA 2048\s+\d{4}-\d\d-\d\d\s+36[45]\s+API/);
    const j = JSON.parse(ok(await keys(home, ["list", "--json"])).stdout);
    assert.equal(j.schema, "chainproof/keys");
    assert.deepEqual(
      j.entries.map((e: { name: string }) => e.name),
      ["Short", "Api_Cert", "Big"],
    );
    assert.deepEqual(j.entries[1].sans, ["dns:api.mycompany.example", "ip:10.0.0.1"]);
  });

  it("show: text, JSON and PEM", async () => {
    const t = ok(await keys(home, ["show", "api_cert"]));
    assert.match(t.stdout, /^Name:\s+Api_Cert$/m);
    assert.match(t.stdout, /^Key:\s+RSA 2048, exportable$/m);
    assert.match(t.stdout, /^SANs:\s+dns:api.mycompany.example, ip:10.0.0.1$/m);
    const pem = ok(await keys(home, ["show", "Api_Cert", "--pem"]));
    assert.equal(parsePem(pem.stdout).length, 1);
    fails(await keys(home, ["show", "Nope"]), /no entry named "Nope"/);
  });

  it("refuses bad names, duplicates, unknown key types, bad days and SANs", async () => {
    fails(
      await keys(home, ["create", "--self-signed", "api_cert", "--cn", "x"]),
      /an entry named "Api_Cert" already exists/,
    );
    fails(
      await keys(home, ["create", "--self-signed", "bad-name", "--cn", "x"]),
      /only letters, digits and underscores/,
    );
    fails(
      await keys(home, ["create", "--self-signed", "Ok", "--cn", "x", "--key", "rsa1024"]),
      /--key "rsa1024": choose rsa2048, rsa3072, rsa4096, ec-p256, ec-p384/,
    );
    fails(
      await keys(home, ["create", "--self-signed", "Ok", "--cn", "x", "--days", "ten"]),
      /not a whole number/,
    );
    fails(
      await keys(home, ["create", "--self-signed", "Ok", "--cn", "x", "--san", "IP:999.1.1.1"]),
      /not an IP address/,
    );
    const missing = await keys(home, ["create", "--self-signed", "Ok"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--cn/);
  });

  it("delete", async () => {
    ok(await keys(home, ["delete", "Short"]));
    fails(await keys(home, ["delete", "Short"]), /no entry named "Short"/);
    assert.doesNotMatch(ok(await keys(home, ["list"])).stdout, /Short/);
  });

  it("an empty or missing keystore lists nothing, without creating it", async () => {
    const h = newHome();
    const r = ok(await keys(h, ["list"]));
    assert.match(r.stdout, /no keys yet/);
    assert.equal(existsSync(h), false);
  });
});

describe("the passphrase", () => {
  it("from --passphrase-env, --passphrase-file, or CHAINPROOF_KEYSTORE_PASSPHRASE; wrong and missing ones exit 2", async () => {
    const home = newHome();
    ok(
      await keys(
        home,
        ["create", "--self-signed", "P1", "--cn", "p1", "--key", "ec-p256", "--passphrase-env", "MY_PASS"],
        { MY_PASS: PASS, CHAINPROOF_KEYSTORE_PASSPHRASE: undefined },
      ),
    );
    const file = join(tmp.dir, "passfile");
    writeFileSync(file, `${PASS}\nignored second line\n`);
    ok(
      await keys(
        home,
        ["create", "--self-signed", "P2", "--cn", "p2", "--key", "ec-p256", "--passphrase-file", file],
        { CHAINPROOF_KEYSTORE_PASSPHRASE: undefined },
      ),
    );
    const wrong = fails(
      await keys(home, ["create", "--self-signed", "P3", "--cn", "p3", "--key", "ec-p256"], {
        CHAINPROOF_KEYSTORE_PASSPHRASE: "wrong one",
      }),
      /^chainproof: wrong passphrase for the keystore/,
    );
    assert.doesNotMatch(wrong.stderr, /wrong one/);
    fails(
      await keys(home, ["create", "--self-signed", "P3", "--cn", "p3", "--key", "ec-p256"], {
        CHAINPROOF_KEYSTORE_PASSPHRASE: undefined,
      }),
      /keystore passphrase is needed: set CHAINPROOF_KEYSTORE_PASSPHRASE/,
    );
    fails(
      await keys(home, ["create", "--self-signed", "P3", "--cn", "p3", "--passphrase-env", "UNSET_VAR"]),
      /environment variable UNSET_VAR is not set/,
    );
    // Reading needs no passphrase.
    assert.match(
      ok(await keys(home, ["list"], { CHAINPROOF_KEYSTORE_PASSPHRASE: undefined })).stdout,
      /P1[\s\S]*P2/,
    );
    // Keys never show up in output or errors.
    const all = ok(await keys(home, ["show", "P1", "--json"])).stdout;
    assert.doesNotMatch(all, /PRIVATE KEY/);
  });
});

describe("the passphrase prompt", { skip: !havePty() && "no python3 pty" }, () => {
  it("asks on a terminal, twice for a new keystore, without echo; then once", async () => {
    const home = newHome();
    const env = { CHAINPROOF_HOME: home, CHAINPROOF_KEYSTORE_PASSPHRASE: undefined };
    const first = await runCliInPty(
      ["keys", "create", "--self-signed", "Typed", "--cn", "typed", "--key", "ec-p256"],
      [
        { waitFor: "Keystore passphrase: ", send: "typed secret\r" },
        { waitFor: "the same passphrase again: ", send: "typed secret\r" },
      ],
      { env },
    );
    assert.equal(first.code, 0, first.screen);
    assert.match(first.screen, /created Typed/);
    assert.doesNotMatch(first.screen, /typed secret/);
    const second = await runCliInPty(
      ["keys", "renew", "Typed"],
      [{ waitFor: "Keystore passphrase: ", send: "typed secret\r" }],
      { env },
    );
    assert.equal(second.code, 0, second.screen);
    assert.doesNotMatch(second.screen, /same passphrase again/);
    const wrong = await runCliInPty(
      ["keys", "renew", "Typed"],
      [{ waitFor: "Keystore passphrase: ", send: "not it\r" }],
      { env },
    );
    assert.equal(wrong.code, 2, wrong.screen);
    assert.match(wrong.screen, /wrong passphrase/);
  });
});

describe("a damaged or unwritable keystore", () => {
  it("a corrupted database file: exit 2, a clear message, for reads and writes", async () => {
    const home = newHome();
    ok(await keys(home, ["create", "--self-signed", "C1", "--cn", "c1", "--key", "ec-p256"]));
    const db = join(home, "keystore.db");
    const bytes = readFileSync(db);
    bytes.fill(0x5a, 0, Math.min(bytes.length, 4096));
    writeFileSync(db, bytes);
    for (const args of [
      ["list"],
      ["show", "C1"],
      ["create", "--self-signed", "C2", "--cn", "c2", "--key", "ec-p256"],
    ]) {
      fails(await keys(home, args), /keystore .*keystore\.db is corrupted or is not a chainproof keystore/);
    }
    writeFileSync(db, "this is not a database at all, just text that is long enough to matter".repeat(100));
    fails(await keys(home, ["list"]), /corrupted or is not a chainproof keystore/);
  });

  it("a read-only folder: exit 2, a clear message", async () => {
    const base = join(tmp.dir, "ro");
    mkdirSync(base, { recursive: true });
    const home = join(base, "home");
    ok(await keys(home, ["create", "--self-signed", "R1", "--cn", "r1", "--key", "ec-p256"]));
    const root = process.getuid?.() === 0;
    // As root, permission bits do not stop us: run the CLI as "nobody", who may read but not write.
    chmodSync(tmp.dir, 0o755);
    chmodSync(base, 0o755);
    chmodSync(home, 0o755);
    chmodSync(join(home, "keystore.db"), 0o644);
    if (!root) chmodSync(home, 0o555);
    const run = (args: string[]): SpawnSyncReturns<string> =>
      spawnSync(process.execPath, [BIN, "keys", ...args], {
        encoding: "utf8",
        env: { ...process.env, CHAINPROOF_HOME: home, CHAINPROOF_KEYSTORE_PASSPHRASE: PASS, HOME: base },
        ...(root ? { uid: 65534, gid: 65534 } : {}),
        timeout: 60_000,
      });
    for (const args of [
      ["create", "--self-signed", "R2", "--cn", "r2", "--key", "ec-p256"],
      ["delete", "R1"],
      ["list"],
    ]) {
      const r = run(args);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /keystore folder .*home is read-only \(EACCES\)/);
    }
    // A home that cannot even be created.
    const r = spawnSync(
      process.execPath,
      [BIN, "keys", "create", "--self-signed", "R3", "--cn", "r3", "--key", "ec-p256"],
      {
        encoding: "utf8",
        env: {
          ...process.env,
          CHAINPROOF_HOME: join(home, "deeper", "still"),
          CHAINPROOF_KEYSTORE_PASSPHRASE: PASS,
        },
        ...(root ? { uid: 65534, gid: 65534 } : {}),
      },
    );
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /cannot create the keystore folder .*deeper\/still: EACCES \(set CHAINPROOF_HOME/);
    if (!root) chmodSync(home, 0o755);
  });
});

describe("csr, import-signed and renew", () => {
  const home = newHome();
  const now = Date.now();
  const rootKey = generateKeyPair("ec-p256");
  const root = buildCertificate({
    subject: "CN=Cli Root",
    publicKey: rootKey,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 900 * DAY),
    ca: true,
  });
  const icaKey = generateKeyPair("ec-p256");
  const ica = buildCertificate({
    subject: "CN=Cli ICA",
    issuer: { cert: root.cert, key: rootKey.privateKey },
    publicKey: icaKey,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 800 * DAY),
    ca: true,
  });
  const sign = (csrPem: string, days = 90) => {
    const p = parseCsr(parsePem(csrPem)[0].der);
    return buildCertificate({
      subject: p.subject,
      issuer: { cert: ica.cert, key: icaKey.privateKey },
      publicKey: p.publicKey.spki,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + days * DAY),
      eku: ["clientAuth"],
    });
  };

  it("csr to standard output and to a file; the same request when asked again", async () => {
    const r = ok(
      await keys(home, [
        "csr",
        "Partner",
        "--cn",
        "partner.mycompany.example",
        "--san",
        "DNS:alt.mycompany.example",
      ]),
    );
    assert.match(r.stdout, /^-----BEGIN CERTIFICATE REQUEST-----/);
    const p = parseCsr(parsePem(r.stdout)[0].der);
    assert.equal(p.signatureValid, true);
    assert.deepEqual(
      p.san.map((n) => n.value),
      ["partner.mycompany.example", "alt.mycompany.example"],
    );
    const f = join(tmp.dir, "partner.csr");
    const again = ok(await keys(home, ["csr", "Partner", "--cn", "partner.mycompany.example", "--out", f]));
    assert.match(again.stdout, /wrote the request to .*partner\.csr/);
    assert.match(again.stderr, /already waits for the CA/);
    assert.equal(readFileSync(f, "utf8"), r.stdout);
    assert.match(ok(await keys(home, ["list"])).stdout, /Partner\s+csr-pending\s+RSA 2048\s+-\s+-/);
  });

  it("import-signed: the key must match; an incomplete chain names the missing issuer; then a whole chain", async () => {
    const csr = ok(await keys(home, ["show", "Partner", "--pem"])).stdout;
    const leaf = sign(csr);
    const leafOnly = join(tmp.dir, "leaf.pem");
    writeFileSync(leafOnly, leaf.pem);
    fails(
      await keys(home, ["import-signed", "Partner", leafOnly]),
      /not imported: the chain is incomplete: the issuer of "partner.mycompany.example", CN=Cli ICA, is not in the file/,
    );
    const other = generateKeyPair("ec-p256");
    const wrong = buildCertificate({
      subject: "CN=wrong",
      issuer: { cert: ica.cert, key: icaKey.privateKey },
      publicKey: other,
      notBefore: new Date(now),
      notAfter: new Date(now + DAY),
    });
    const wrongFile = join(tmp.dir, "wrong.pem");
    writeFileSync(wrongFile, wrong.pem + ica.pem + root.pem);
    fails(
      await keys(home, ["import-signed", "Partner", wrongFile]),
      /does not match the key of "Partner"'s request/,
    );
    const full = join(tmp.dir, "full.pem");
    writeFileSync(full, leaf.pem + ica.pem + root.pem);
    const r = ok(await keys(home, ["import-signed", "Partner", full]));
    assert.match(r.stdout, /^imported Partner: ca-signed, RSA 2048, CN=partner.mycompany.example/);
    assert.match(r.stderr, /private root "Cli Root": targets must trust it/);
    const j = JSON.parse(ok(await keys(home, ["show", "Partner", "--json"])).stdout);
    assert.deepEqual(
      j.chain.map((c: { subject: string }) => c.subject),
      ["CN=partner.mycompany.example", "CN=Cli ICA", "CN=Cli Root"],
    );
    fails(await keys(home, ["import-signed", "Nope", full]), /no entry named "Nope"/);
    fails(
      await keys(home, ["import-signed", "Partner", join(tmp.dir, "absent.pem")]),
      /absent\.pem: no such file/,
    );
  });

  it("renew: a CA-signed entry gets a request (new key), the old certificate stays until the answer", async () => {
    const out = join(tmp.dir, "renew.csr");
    const r = ok(await keys(home, ["renew", "Partner", "--new-key", "--out", out]));
    assert.match(r.stdout, /wrote the renewal request for Partner/);
    const show = ok(await keys(home, ["show", "Partner"])).stdout;
    assert.match(show, /renewal requested, new key: waiting for the CA/);
    const answer = sign(readFileSync(out, "utf8"));
    const f = join(tmp.dir, "renewed.pem");
    writeFileSync(f, answer.pem + ica.pem + root.pem);
    ok(await keys(home, ["import-signed", "Partner", f]));
    const j = JSON.parse(ok(await keys(home, ["show", "Partner", "--json"])).stdout);
    assert.equal(j.spkiSha256, answer.cert.spkiSha256);
    assert.equal(j.generation, 2);
    assert.equal(j.pendingRequest, false);
  });

  it("renew: a self-signed entry at once, with the same key or a new one", async () => {
    ok(
      await keys(home, [
        "create",
        "--self-signed",
        "Self",
        "--cn",
        "self.mycompany.example",
        "--key",
        "ec-p384",
      ]),
    );
    const before = JSON.parse(ok(await keys(home, ["show", "Self", "--json"])).stdout);
    const same = JSON.parse(ok(await keys(home, ["renew", "Self", "--days", "30", "--json"])).stdout);
    assert.equal(same.spkiSha256, before.spkiSha256);
    assert.notEqual(same.sha256, before.sha256);
    const r = ok(await keys(home, ["renew", "Self", "--new-key"]));
    assert.match(r.stdout, /^renewed Self: self-signed, EC P-384/);
    assert.match(r.stderr, /new key: every target that trusts the old certificate must be given the new one/);
    const after = JSON.parse(ok(await keys(home, ["show", "Self", "--json"])).stdout);
    assert.notEqual(after.spkiSha256, before.spkiSha256);
    fails(await keys(home, ["renew", "Nope"]), /no entry named "Nope"/);
  });
});

describe("export, import and install-on-target", () => {
  const home = newHome();

  it("export JKS/PKCS#12/PEM with the key (files 0600); passwords from the environment", async () => {
    ok(await keys(home, ["create", "--self-signed", "Exp", "--cn", "exp.mycompany.example"]));
    const jks = join(tmp.dir, "exp.jks");
    const r = ok(
      await keys(
        home,
        ["export", "Exp", "--format", "jks", "--with-key", "--out", jks, "--password-env", "JKS_PASS"],
        { JKS_PASS: "changeit" },
      ),
    );
    assert.match(r.stdout, /wrote Exp \(certificate chain and private key\) as JKS/);
    assert.equal(statSync(jks).mode & 0o777, 0o600);
    const j = readJks(readFileSync(jks), "changeit");
    assert.equal(j.entries[0].kind, "key");
    const p12 = join(tmp.dir, "exp.p12");
    ok(
      await keys(
        home,
        ["export", "Exp", "--format", "p12", "--with-key", "--out", p12, "--password-env", "P"],
        { P: "pw123456" },
      ),
    );
    assert.equal(readPkcs12(readFileSync(p12), "pw123456").keys.length, 1);
    const pem = join(tmp.dir, "exp.pem");
    ok(await keys(home, ["export", "Exp", "--format", "pem", "--out", pem]));
    assert.equal(statSync(pem).mode & 0o777, 0o644);
    assert.doesNotMatch(readFileSync(pem, "utf8"), /PRIVATE KEY/);
    fails(
      await keys(home, ["export", "Exp", "--format", "jks", "--with-key", "--out", join(tmp.dir, "x.jks")]),
      /a password for the JKS file is required/,
    );
    fails(
      await keys(home, ["export", "Exp", "--format", "der", "--out", join(tmp.dir, "x.der")]),
      /--format "der": choose pem, jks or p12/,
    );
    ok(
      await keys(home, [
        "create",
        "--self-signed",
        "Locked",
        "--cn",
        "locked",
        "--key",
        "ec-p256",
        "--no-exportable",
      ]),
    );
    fails(
      await keys(home, [
        "export",
        "Locked",
        "--format",
        "pem",
        "--with-key",
        "--unencrypted-key",
        "--out",
        join(tmp.dir, "l.pem"),
      ]),
      /not exportable/,
    );
  });

  it("import a JKS (ours, under --name) and refuse what Salesforce refuses, with its messages", async () => {
    const jks = join(tmp.dir, "exp.jks");
    const r = ok(
      await keys(home, ["import", jks, "--name", "Copied", "--password-env", "JKS_PASS"], {
        JKS_PASS: "changeit",
      }),
    );
    assert.match(r.stdout, /^imported Copied: self-signed, RSA 2048, CN=exp.mycompany.example/);
    fails(
      await keys(home, ["import", jks, "--name", "Copied2", "--password-env", "JKS_PASS"], {
        JKS_PASS: "wrong!",
      }),
      /wrong password/,
    );
    // No PrivateKey entry.
    const trust = join(tmp.dir, "trust.jks");
    const k = generateKeyPair("ec-p256");
    const c = buildCertificate({
      subject: "t",
      publicKey: k,
      notBefore: new Date(),
      notAfter: new Date(Date.now() + DAY),
    });
    writeFileSync(trust, writeJks([{ kind: "trusted", alias: "t", certificate: c.der }], "changeit"));
    fails(
      await keys(home, ["import", trust, "--password-env", "JKS_PASS"], { JKS_PASS: "changeit" }),
      /No certificate was imported because the keystore file doesn't contain a PrivateKey entry\./,
    );
    // Not RSA.
    const ec = join(tmp.dir, "ec.jks");
    writeFileSync(
      ec,
      writeJks(
        [
          {
            kind: "key",
            alias: "ec",
            pkcs8: new Uint8Array(k.privateKey.export({ format: "der", type: "pkcs8" })),
            chain: [c.der],
          },
        ],
        "changeit",
      ),
    );
    fails(
      await keys(home, ["import", ec, "--password-env", "JKS_PASS"], { JKS_PASS: "changeit" }),
      /\(entry "ec"\): The key is not an RSA key\./,
    );
    fails(await keys(home, ["import", join(tmp.dir, "exp.pem")]), /doesn't contain a PrivateKey entry/);
  });

  it("install-on-target: the file the server must trust, and its configuration", async () => {
    const f = join(tmp.dir, "client-ca.pem");
    const r = ok(await keys(home, ["install-on-target", "Exp", "--format", "pem", "--out", f]));
    assert.match(r.stdout, /wrote the self-signed certificate itself to .*client-ca\.pem/);
    for (const s of [
      "nginx:",
      "ssl_client_certificate",
      "ssl_verify_client on;",
      "Apache httpd:",
      "SSLVerifyClient require",
      "HAProxy:",
      "verify required",
      "Tomcat / Java:",
      "keytool -importcert",
    ]) {
      assert.ok(r.stdout.includes(s), s);
    }
    const exported = ok(await keys(home, ["show", "Exp", "--pem"])).stdout;
    assert.equal(readFileSync(f, "utf8"), exported);
    const t = join(tmp.dir, "client-ca.p12");
    const p = ok(await keys(home, ["install-on-target", "Exp", "--format", "p12", "--out", t]));
    assert.match(p.stdout, /\(PKCS#12, password "changeit"\)/);
    assert.equal(readPkcs12(readFileSync(t), "changeit").certificates.length, 1);
    fails(
      await keys(home, ["install-on-target", "Nope", "--format", "pem", "--out", f]),
      /no entry named "Nope"/,
    );
  });
});
