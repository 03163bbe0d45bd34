/**
 * `chainproof decode` end to end, as a user runs it: `node bin/chainproof.js decode …` in a child process,
 * with certificates made by openssl at run time (and keytool, when a JDK is installed).
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { DecodeDocument } from "../src/x509/json.js";
import { havePty, ROOT, runCli, runCliInPty } from "./helpers/cli.js";
import { type CertSpec, type GeneratedCert, generateCertificates } from "./helpers/gen-certs.js";
import { haveOpenssl, opensslOk, tempDir, writeIn } from "./helpers/openssl.js";

const skip = haveOpenssl() ? false : "openssl is not installed";
const haveKeytool = spawnSync("keytool", ["-help"], { encoding: "utf8" }).status === 0;

const SPECS: CertSpec[] = [
  {
    name: "root",
    key: "p384",
    subj: "/C=GB/O=CLI Test/CN=CLI Test Root",
    ext: [
      "basicConstraints = critical,CA:TRUE",
      "keyUsage = critical,keyCertSign,cRLSign",
      "subjectKeyIdentifier = hash",
    ],
    days: 3650,
  },
  {
    name: "intermediate",
    key: "p256",
    issuer: "root",
    subj: "/C=GB/O=CLI Test/CN=CLI Test Intermediate",
    ext: [
      "basicConstraints = critical,CA:TRUE,pathlen:0",
      "keyUsage = critical,keyCertSign,cRLSign",
      "subjectKeyIdentifier = hash",
      "authorityKeyIdentifier = keyid",
    ],
    serial: "0x1001",
  },
  {
    name: "leaf",
    key: "ed25519",
    issuer: "intermediate",
    subj: "/CN=www.cli.example",
    ext: [
      "subjectAltName = DNS:www.cli.example,DNS:cli.example,IP:192.0.2.7,IP:2001:db8::7,email:ops@cli.example,URI:https://cli.example/",
      "keyUsage = critical,digitalSignature",
      "extendedKeyUsage = serverAuth",
      "authorityKeyIdentifier = keyid",
      "tlsfeature = status_request",
    ],
    days: 30,
    serial: "0x2002",
  },
  {
    name: "hostile",
    key: "p256",
    subj: "/CN=\u001b[31mRED\u001b[0m\u001b]0;pwned\u0007 <img src=x onerror=alert(1)>\u202eevil/O=\r\nInjected: yes",
    ext: ["subjectAltName = DNS:evil.example"],
    serial: "0x666",
  },
];

let dir = "";
let cleanup = () => {};
const certs = new Map<string, GeneratedCert>();
const path = (name: string) => join(dir, name);
const pemOf = (name: string) => readFileSync(certs.get(name)!.pemPath, "utf8");
const sha256Colon = (der: Uint8Array) => {
  const h = (spawnSync("openssl", ["dgst", "-sha256", "-r"], { input: der }).stdout as Buffer)
    .toString()
    .slice(0, 64);
  return h.toUpperCase().match(/../g)!.join(":");
};
const headings = (stdout: string) => stdout.split("\n").filter((l) => l.startsWith("Certificate "));

const ESC = "\u001b";

describe("chainproof decode", { skip }, () => {
  before(async () => {
    ({ dir, cleanup } = tempDir("chainproof-cli-"));
    for (const c of await generateCertificates(dir, SPECS)) certs.set(c.spec.name, c);
    const chain = pemOf("leaf") + pemOf("intermediate") + pemOf("root");
    writeIn(dir, "chain.pem", chain);
    // Text around and between the blocks, CRLF line ends, a private key block to skip.
    const crlf = `Bag of certificates exported by a tool\n\nsubject=CN=www.cli.example\n${pemOf("leaf")}\nsome notes\n${pemOf("intermediate")}-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n${pemOf("root")}trailing text\n`;
    writeIn(dir, "crlf.pem", crlf.replace(/\n/g, "\r\n"));
    writeIn(dir, "root.der", certs.get("root")!.der);
    await opensslOk([
      "x509",
      "-in",
      certs.get("root")!.pemPath,
      "-trustout",
      "-addtrust",
      "serverAuth",
      "-out",
      path("trusted.pem"),
    ]);
    await opensslOk([
      "crl2pkcs7",
      "-nocrl",
      "-certfile",
      path("chain.pem"),
      "-outform",
      "DER",
      "-out",
      path("chain.p7b"),
    ]);
    await opensslOk(["crl2pkcs7", "-nocrl", "-certfile", path("chain.pem"), "-out", path("chain.p7b.pem")]);
    await opensslOk([
      "pkcs12",
      "-export",
      "-in",
      certs.get("leaf")!.pemPath,
      "-inkey",
      path("ed25519.key"),
      "-certfile",
      path("chain.pem"),
      "-name",
      "server",
      "-passout",
      "pass:s3cret",
      "-out",
      path("server.p12"),
    ]);
    writeIn(dir, "password.txt", "s3cret\n");
    const leafLines = pemOf("leaf").split("\n");
    // A block with its END line but half its base64 gone; and a block with no END line at all.
    writeIn(dir, "short.pem", pemOf("root") + [...leafLines.slice(0, 4), ...leafLines.slice(-2)].join("\n"));
    writeIn(dir, "noend.pem", pemOf("root") + leafLines.slice(0, 5).join("\n"));
    writeIn(dir, "truncated.der", certs.get("root")!.der.subarray(0, 312));
    writeIn(dir, "empty.pem", "");
    writeIn(dir, "notes.txt", "just some text, no certificates here\n");
    if (haveKeytool) {
      const r = spawnSync(
        "keytool",
        [
          "-importcert",
          "-noprompt",
          "-alias",
          "cli-root",
          "-file",
          certs.get("root")!.pemPath,
          "-keystore",
          path("trust.jks"),
          "-storetype",
          "JKS",
          "-storepass",
          "changeit",
        ],
        { encoding: "utf8" },
      );
      if (r.status !== 0) throw new Error(`keytool failed: ${r.stderr}`);
    }
  });
  after(() => cleanup());

  it("shows each certificate of a PEM bundle with its position and line", async () => {
    const r = await runCli(["decode", path("chain.pem")]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const h = headings(r.stdout);
    assert.equal(h.length, 3);
    assert.match(h[0], /^Certificate 1 of 3 — .*chain\.pem \(PEM #1, line 1\)$/);
    assert.match(h[1], /^Certificate 2 of 3 — .*chain\.pem \(PEM #2, line \d+\)$/);
    const out = r.stdout;
    for (const want of [
      /Subject {2,}CN=www\.cli\.example/,
      /Issuer {2,}CN=CLI Test Intermediate,O=CLI Test,C=GB/,
      /Serial number {2,}20:02 \(8194\)/,
      /Signature {2,}ecdsa-with-SHA256 \(1\.2\.840\.10045\.4\.3\.2\)/,
      /Not after {2,}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(expires in (29|30) days\)/,
      /DNS {2,}www\.cli\.example/,
      /IP {2,}2001:db8::7/,
      /Email {2,}ops@cli\.example/,
      /URI {2,}https:\/\/cli\.example\//,
      /Public key {2,}Ed25519, 256 bits/,
      /Public key {2,}EC P-256, 256 bits/,
      /Basic constraints \(2\.5\.29\.19\) \[critical\]/,
      /Path length {2,}0/,
      /Key usage \(2\.5\.29\.15\) \[critical\]/,
      /serverAuth {2,}1\.3\.6\.1\.5\.5\.7\.3\.1/,
      /Must-staple {2,}yes/,
      /Type {2,}end-entity/,
      /Type {2,}CA, self-signed/,
      /SHA-256 {2,}([0-9A-F]{2}:){31}[0-9A-F]{2}/,
    ]) {
      assert.match(out, want);
    }
    // Fingerprints as openssl prints them.
    assert.ok(out.includes(sha256Colon(certs.get("root")!.der)), "root SHA-256 fingerprint");
  });

  it("reads PEM with text around the blocks, CRLF line ends and a private key to skip", async () => {
    const r = await runCli(["decode", path("crlf.pem")]);
    assert.equal(r.code, 0, r.stderr);
    const h = headings(r.stdout);
    assert.equal(h.length, 3);
    assert.match(h[0], /\(PEM #1, line 4\)$/);
    assert.match(r.stdout, /skipped 1 PRIVATE KEY block/);
    assert.ok(!r.stdout.includes("\r"), "no CR from the input reaches the output");
  });

  it("reads DER, TRUSTED CERTIFICATE and PKCS#7 (DER and PEM)", async () => {
    const der = await runCli(["decode", path("root.der")]);
    assert.equal(der.code, 0, der.stderr);
    assert.match(headings(der.stdout)[0], /root\.der \(DER\)$/);
    const trusted = await runCli(["decode", path("trusted.pem")]);
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.ok(trusted.stdout.includes(sha256Colon(certs.get("root")!.der)));
    for (const f of ["chain.p7b", "chain.p7b.pem"]) {
      const r = await runCli(["decode", path(f)]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(headings(r.stdout).length, 3, f);
      assert.match(headings(r.stdout)[1], /\(PKCS#7 #2/);
    }
  });

  it("reads standard input, named - or by default", async () => {
    for (const args of [["decode", "-"], ["decode"]]) {
      const r = await runCli(args, { input: pemOf("leaf") });
      assert.equal(r.code, 0, r.stderr);
      assert.match(headings(r.stdout)[0], /^Certificate 1 of 1 — standard input \(PEM #1, line 1\)$/);
    }
  });

  it("reads certificates pasted at a terminal until Ctrl-D", {
    skip: !havePty() && "no python3 pty",
  }, async () => {
    const typed = `${pemOf("leaf").replace(/\n/g, "\r")}\r\u0004`;
    const r = await runCliInPty(["decode"], [{ waitFor: "end with Ctrl-D", send: typed }], {
      env: { NO_COLOR: "1" },
    });
    assert.equal(r.code, 0, r.screen);
    assert.match(r.screen, /Certificate 1 of 1 — standard input \(PEM #1, line 1\)/);
  });

  it("reads PKCS#12 with --password-env and --password-file, and says so when the password is wrong", async () => {
    const env = await runCli(["decode", "--password-env", "P12_PASS", path("server.p12")], {
      env: { P12_PASS: "s3cret" },
    });
    assert.equal(env.code, 0, env.stderr);
    assert.ok(headings(env.stdout).length >= 3);
    assert.match(env.stdout, /\(PKCS#12 #1, alias "server", key entry\)/);
    assert.match(env.stdout, /also holds 1 private key \(not shown\)/);
    const file = await runCli(["decode", "--password-file", path("password.txt"), path("server.p12")]);
    assert.equal(file.code, 0, file.stderr);
    const wrong = await runCli(["decode", "--password-env", "P12_PASS", path("server.p12")], {
      env: { P12_PASS: "nope" },
    });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /server\.p12.*wrong password|wrong password.*server\.p12/);
    assert.doesNotMatch(wrong.stderr, /\n\s+at /);
    const none = await runCli(["decode", path("server.p12")]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /server\.p12: this is a PKCS#12 file; give its password/);
    const unset = await runCli(["decode", "--password-env", "NOT_SET_ANYWHERE", path("server.p12")]);
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /NOT_SET_ANYWHERE is not set/);
  });

  it("prompts for a PKCS#12 password on a terminal, without echoing it", {
    skip: !havePty() && "no python3 pty",
  }, async () => {
    const r = await runCliInPty(
      ["decode", path("server.p12")],
      [{ waitFor: "Password for", send: "s3cret\r" }],
      {
        env: { NO_COLOR: "1" },
      },
    );
    assert.equal(r.code, 0, r.screen);
    assert.match(r.screen, /Password for .*server\.p12: /);
    assert.ok(!r.screen.includes("s3cret"), "the password is not echoed");
    assert.match(r.screen, /Certificate 1 of \d — /);
    const bad = await runCliInPty(
      ["decode", path("server.p12")],
      [{ waitFor: "Password for", send: "wrong\r" }],
    );
    assert.equal(bad.code, 2, bad.screen);
    assert.match(bad.screen, /wrong password/);
  });

  it("reads a Java keystore, showing aliases", {
    skip: !haveKeytool && "keytool is not installed",
  }, async () => {
    const r = await runCli(["decode", "--password-env", "KS", path("trust.jks")], {
      env: { KS: "changeit" },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(headings(r.stdout)[0], /\(JKS #1, alias "cli-root", trusted entry\)$/);
  });

  it("--json: a versioned document that validates against docs/decode.schema.json", async () => {
    const r = await runCli(["decode", "--json", path("chain.pem"), path("root.der"), path("crlf.pem")]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as DecodeDocument;
    assert.equal(doc.schema, "chainproof/decode");
    assert.equal(doc.version, 1);
    assert.equal(doc.certificates.length, 7);
    assert.deepEqual(doc.errors, []);
    const schema = JSON.parse(readFileSync(join(ROOT, "docs", "decode.schema.json"), "utf8"));
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
    assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2));
    const leaf = doc.certificates[0];
    assert.deepEqual(leaf.source, { file: path("chain.pem"), position: 1, container: "pem", line: 1 });
    assert.equal(leaf.subject.rfc4514, "CN=www.cli.example");
    assert.equal(leaf.serialNumber.hex, "2002");
    assert.deepEqual(
      leaf.subjectAltNames.map((g) => `${g.type}:${g.value}`),
      [
        "dns:www.cli.example",
        "dns:cli.example",
        "ip:192.0.2.7",
        "ip:2001:db8::7",
        "email:ops@cli.example",
        "uri:https://cli.example/",
      ],
    );
    assert.equal(doc.certificates[3].source?.container, "der");
    assert.equal(
      doc.certificates[3].fingerprints.sha256,
      sha256Colon(certs.get("root")!.der).replace(/:/g, ""),
    );
    assert.equal(
      Buffer.from(doc.certificates[3].der, "base64").equals(Buffer.from(certs.get("root")!.der)),
      true,
    );
    assert.ok(!r.stdout.includes(ESC));
  });

  it("--json of every test certificate, hostile one included, validates too", async () => {
    const all = [...certs.values()].map((c) => c.pemPath);
    const r = await runCli(["decode", "--json", ...all]);
    assert.equal(r.code, 0, r.stderr);
    const schema = JSON.parse(readFileSync(join(ROOT, "docs", "decode.schema.json"), "utf8"));
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
    assert.ok(validate(JSON.parse(r.stdout)), JSON.stringify(validate.errors, null, 2));
  });

  it("--pem re-emits clean PEM that openssl reads back to the same certificates", async () => {
    const r = await runCli(["decode", "--pem", path("crlf.pem"), path("chain.p7b")]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes("\r"));
    const blocks =
      r.stdout.match(/-----BEGIN CERTIFICATE-----\n[\s\S]*?\n-----END CERTIFICATE-----\n/g) ?? [];
    assert.equal(blocks.length, 6);
    assert.equal(blocks.join(""), r.stdout, "nothing but PEM blocks");
    for (const b of blocks) {
      for (const line of b.split("\n").slice(1, -2)) assert.ok(line.length <= 64, "64-column base64");
    }
    const out = writeIn(dir, "roundtrip.pem", r.stdout);
    const p7 = await opensslOk(["crl2pkcs7", "-nocrl", "-certfile", out]);
    const printed = await opensslOk(["pkcs7", "-print_certs", "-noout"], p7.stdout);
    assert.equal((printed.stdout.match(/^subject=/gm) ?? []).length, 6);
    // Byte-identical DER: the first block is the leaf, as openssl reads it.
    const back = await opensslOk(["x509", "-outform", "DER"], blocks[0]);
    assert.ok(back.stdoutBytes.equals(Buffer.from(certs.get("leaf")!.der)));
  });

  it("names the file, the certificate and what is wrong with truncated input (exit 2)", async () => {
    const der = await runCli(["decode", path("truncated.der")]);
    assert.equal(der.code, 2);
    assert.match(der.stderr, /truncated\.der: certificate 1: DER ends after 312 of [\d,]+ bytes/);
    const short = await runCli(["decode", path("short.pem")]);
    assert.equal(short.code, 2);
    assert.match(
      short.stderr,
      /short\.pem: certificate 2 \(line \d+\): DER ends after [\d,]+ of [\d,]+ bytes/,
    );
    // A file is read whole or not at all: nothing from it is shown (other files would be).
    assert.equal(short.stdout, "");
    const noend = await runCli(["decode", path("noend.pem")]);
    assert.equal(noend.code, 2);
    assert.match(noend.stderr, /noend\.pem: PEM block "CERTIFICATE" starting at line \d+ has no END line/);
    for (const r of [der, short, noend]) assert.doesNotMatch(r.stderr, /\n\s+at |Error:/);
  });

  it("reports empty files, directories, missing files and non-certificates clearly (exit 2)", async () => {
    const cases: [string, RegExp][] = [
      [path("empty.pem"), /empty\.pem: the input is empty/],
      [dir, /: is a directory/],
      [path("missing.pem"), /missing\.pem: no such file/],
      [path("notes.txt"), /notes\.txt: not a certificate file/],
    ];
    for (const [file, want] of cases) {
      const r = await runCli(["decode", file]);
      assert.equal(r.code, 2, file);
      assert.match(r.stderr, want);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.equal(r.stdout, "");
    }
  });

  it("with several files, prints what decoded, reports each failure, and exits 2", async () => {
    const r = await runCli([
      "decode",
      path("root.der"),
      path("missing.pem"),
      path("chain.pem"),
      path("truncated.der"),
    ]);
    assert.equal(r.code, 2);
    assert.equal(headings(r.stdout).length, 4);
    assert.match(headings(r.stdout)[0], /^Certificate 1 of 4 — /);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 2);
    assert.match(lines[0], /missing\.pem: no such file/);
    assert.match(lines[1], /truncated\.der: certificate 1: DER ends/);
    const j = await runCli(["decode", "--json", path("root.der"), path("missing.pem")]);
    assert.equal(j.code, 2);
    const doc = JSON.parse(j.stdout) as DecodeDocument;
    assert.equal(doc.certificates.length, 1);
    assert.deepEqual(doc.errors, [
      { file: path("missing.pem"), code: "cannot-read", message: `${path("missing.pem")}: no such file` },
    ]);
  });

  it("shows a hostile subject inert: no escape sequences, no control characters", async () => {
    const r = await runCli(["decode", certs.get("hostile")!.pemPath]);
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout;
    assert.ok(!text.includes(ESC), "no ESC reaches the terminal");
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/.test(text), "no control or bidi characters");
    assert.match(
      text,
      /CN {2,}\\x1b\[31mRED\\x1b\[0m\\x1b\]0;pwned\\x07 <img src=x onerror=alert\(1\)>\\u202eevil/,
    );
    assert.match(text, /O {2,}\\x0d\\x0aInjected: yes/);
    // On a terminal, with colour on, still only our own colour codes.
    if (havePty()) {
      const tty = await runCliInPty(["decode", certs.get("hostile")!.pemPath]);
      assert.equal(tty.code, 0, tty.screen);
      const escapes = tty.screen.match(/\u001b\[[0-9;]*m/g) ?? [];
      assert.ok(escapes.length > 0, "colour on a terminal");
      const stripped = tty.screen.replace(/\u001b\[(1|2|22|31|32|33|36|39)m/g, "");
      assert.ok(!stripped.includes(ESC), "every ESC on screen is one of our SGR codes");
      assert.ok(!stripped.includes("\u0007"));
    }
  });

  it("uses colour only on a terminal, and never with NO_COLOR", {
    skip: !havePty() && "no python3 pty",
  }, async () => {
    const piped = await runCli(["decode", path("chain.pem")]);
    assert.ok(!piped.stdout.includes(ESC), "no colour through a pipe");
    const tty = await runCliInPty(["decode", path("chain.pem")]);
    assert.ok(tty.screen.includes(`${ESC}[1mCertificate 1 of 3`), "bold heading on a terminal");
    const noColor = await runCliInPty(["decode", path("chain.pem")], [], { env: { NO_COLOR: "1" } });
    assert.equal(noColor.code, 0);
    assert.ok(!noColor.screen.includes(ESC), "NO_COLOR turns colour off");
    assert.match(noColor.screen, /Certificate 1 of 3/);
  });

  it("refuses a 50 MB file and a 10,000-certificate bundle quickly", async () => {
    const big = path("big.bin");
    writeIn(dir, "big.bin", Buffer.alloc(50 * 1024 * 1024, 0x30));
    const r1 = await runCli(["decode", big]);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /big\.bin: 50\.0 MiB is larger than the 16\.0 MiB limit/);
    assert.ok(r1.ms < 5000, `took ${r1.ms} ms`);
    writeIn(dir, "many.pem", pemOf("leaf").repeat(10_000));
    const r2 = await runCli(["decode", path("many.pem")]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /many\.pem: more than 5,000 certificates; refusing to read further/);
    assert.ok(r2.ms < 10_000, `took ${r2.ms} ms`);
    assert.equal(r2.stdout, "");
  });

  it("refuses --json with --pem", async () => {
    const r = await runCli(["decode", "--json", "--pem", path("root.der")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--json and --pem cannot be used together/);
  });
});
