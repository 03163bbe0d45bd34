/**
 * The parser findings of issue 12 point 5, as a user meets them: `chainproof decode` (and the CRL parser)
 * on hostile files built here at run time. Each case failed before its fix: a hang, an empty exit 0, hundreds
 * of MB, a late refusal, or a message that did not say what was wrong. The time bounds only guard against
 * a hang (each case took from seconds to minutes before).
 */

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { pkcs7 } from "../scripts/fuzz/formats.js";
import { parseCrl } from "../src/verify/crl.js";
import { buildCertificate, generateKeyPair } from "../src/x509/builder.js";
import { DerError } from "../src/x509/der.js";
import { toPem } from "../src/x509/pem.js";
import {
  bitString,
  ctx,
  int,
  lengthOctets,
  octet,
  oid,
  seq,
  set,
  time,
  tlv,
  utf8,
} from "../src/x509/write/der-writer.js";
import { writeJks } from "../src/x509/write/jks.js";
import { writePkcs12 } from "../src/x509/write/pkcs12.js";
import { runCli } from "./helpers/cli.js";
import { tempDir, writeIn } from "./helpers/openssl.js";
import { crl, root } from "./helpers/pki.js";

const key = generateKeyPair("ec-p256");
const NB = new Date("2026-01-01T00:00:00Z");
const NA = new Date("2027-01-01T00:00:00Z");
const cert = (spec: Partial<Parameters<typeof buildCertificate>[0]> = {}) =>
  buildCertificate({ subject: "CN=fuzz finding", publicKey: key, notBefore: NB, notAfter: NA, ...spec });

/**
 * A certificate written directly (the builder parses what it builds, and refuses these): `subject` as given,
 * one extension of `extensionBytes` octets, and a signature that is not checked by decode.
 */
function rawCertificate(o: { subject?: Uint8Array; extensionBytes?: number }): Uint8Array {
  const alg = seq(oid("1.2.840.10045.4.3.2"));
  const name = seq(set(seq(oid("2.5.4.3"), utf8("fuzz finding"))));
  const spki = new Uint8Array(key.publicKey.export({ format: "der", type: "spki" }));
  const exts = o.extensionBytes
    ? [ctx(3, true, seq(seq(oid("1.2.3.4.5"), octet(new Uint8Array(o.extensionBytes).fill(0x41)))))]
    : [];
  const tbs = seq(
    ctx(0, true, int(2)),
    int(1),
    alg,
    name,
    seq(time(NB), time(NA)),
    o.subject ?? name,
    spki,
    ...exts,
  );
  return seq(tbs, alg, bitString(new Uint8Array(64)));
}

/** SEQUENCE of `n` copies of `element`, written without a spread (which overflows at 100,000 arguments). */
function repeated(tag: number, element: Uint8Array, n: number): Uint8Array {
  const body = Buffer.concat(Array.from({ length: n }, () => element));
  return new Uint8Array(Buffer.concat([Uint8Array.of(tag), lengthOctets(body.length), body]));
}

const tmp = tempDir("chainproof-fuzz-findings-");
after(() => tmp.cleanup());
const PASSWORD = "finding-password";

describe("decode: a serial number far past RFC 5280's 20 octets", () => {
  const serial = new Uint8Array(256 * 1024).fill(0x5a);
  const file = writeIn(tmp.dir, "serial.der", cert({ serial }).der);

  it("finishes, shows the start and the length, and says RFC 5280 allows 20 octets", async () => {
    const r = await runCli(["decode", file], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Serial number +5A:5A:5A:.*… \(262,144 octets; RFC 5280 allows at most 20\)/);
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
  });

  it("--json gives the full hex and leaves out the decimal form", async () => {
    const r = await runCli(["decode", "--json", file], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.certificates[0].serialNumber.hex, "5A".repeat(256 * 1024));
    assert.equal(doc.certificates[0].serialNumber.decimal, undefined);
  });

  it("keeps the decimal form of ordinary and negative serials", async () => {
    const f = writeIn(tmp.dir, "negative.der", cert({ serial: Uint8Array.of(0xff, 0x7f) }).der);
    const r = await runCli(["decode", "--json", f]);
    assert.deepEqual(JSON.parse(r.stdout).certificates[0].serialNumber, { hex: "-81", decimal: "-129" });
  });
});

describe("decode: a container that holds no certificate", () => {
  const leaf = cert();
  const ca = root({ name: "Finding CRL Root" });
  const cases: [string, string, Uint8Array, RegExp][] = [
    ["an empty PKCS#7", "empty.p7b", pkcs7([]), /holds no certificate \(it is an empty PKCS#7 bundle\)/],
    [
      "a PKCS#7 made from a CRL",
      "crl.p7b",
      pkcs7([], [crl(ca)]),
      /holds no certificate \(it is a PKCS#7 bundle holding 1 CRL only\)/,
    ],
    [
      "a PKCS#12 without a certificate bag",
      "nocert.p12",
      writePkcs12({}, PASSWORD, { iterations: 1, macIterations: 1 }),
      /holds no certificate \(it is an empty PKCS#12 file\)/,
    ],
    [
      "a JKS with 0 entries",
      "empty.jks",
      writeJks([], PASSWORD),
      /holds no certificate \(it is a JKS keystore with 0 entries\)/,
    ],
  ];
  for (const [what, name, bytes, message] of cases) {
    it(`${what}: exit 2, naming what it holds`, async () => {
      const file = writeIn(tmp.dir, name, bytes);
      const r = await runCli(["decode", "--password-env", "PW", file], { env: { PW: PASSWORD } });
      assert.equal(r.code, 2, r.stdout);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, message);
    });
  }

  it("a PEM PKCS7 block without certificates says so too", async () => {
    const file = writeIn(tmp.dir, "empty-p7.pem", toPem(pkcs7([]), "PKCS7"));
    const r = await runCli(["decode", file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /holds no certificate \(it is PEM text with an empty PKCS#7 bundle at line 1\)/);
  });

  it("a PKCS#7 with a certificate still decodes", async () => {
    const file = writeIn(tmp.dir, "one.p7b", pkcs7([leaf.der], [crl(ca)]));
    const r = await runCli(["decode", file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Certificate 1 of 1/);
  });
});

describe("decode: size and count limits (docs/decode.md)", () => {
  it("refuses an 8 MiB extension at once, naming the 1 MiB certificate limit", async () => {
    const file = writeIn(tmp.dir, "ext.der", rawCertificate({ extensionBytes: 8 * 1024 * 1024 }));
    const r = await runCli(["decode", file], { timeoutMs: 20_000 });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /certificate 1: the certificate is 8,388,\d{3} bytes; at most 1,048,576 are read/);
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
  });

  it("refuses a name with more than 4,096 attributes", async () => {
    const rdn = set(seq(oid("2.5.4.3"), utf8("x")));
    const file = writeIn(tmp.dir, "rdns.der", rawCertificate({ subject: repeated(0x30, rdn, 4097) }));
    const r = await runCli(["decode", file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /certificate 1: more than 4,096 RDNs in subject/);
  });

  it("refuses a 6,000-certificate PEM before decoding any", async () => {
    const file = writeIn(tmp.dir, "many.pem", cert().pem.repeat(6000));
    const r = await runCli(["decode", file], { timeoutMs: 30_000 });
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /more than 5,000 certificates; refusing to read further \(it has 6,000 certificate blocks\)/,
    );
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
  });

  it("says a UTF-16 PEM is UTF-16 and how to fix it", async () => {
    const pem = cert().pem;
    for (const [name, bytes] of [
      ["bom.pem", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(pem, "utf16le")])],
      ["nobom.pem", Buffer.from(pem, "utf16le")],
      ["be.pem", Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(pem, "utf16le").swap16()])],
    ] as const) {
      const r = await runCli(["decode", writeIn(tmp.dir, name, bytes)]);
      assert.equal(r.code, 2, name);
      assert.match(r.stderr, /the file is UTF-16 text .*; save it as UTF-8 or ASCII/, name);
    }
  });
});

describe("CRL parse: a huge issuer name", () => {
  const alg = seq(oid("1.2.840.10045.4.3.2"));
  const crlWith = (name: Uint8Array) =>
    seq(seq(int(1), alg, name, time(NB), time(NA)), alg, bitString(new Uint8Array(64)));

  for (const [what, name] of [
    [
      "one 3.8 MB BMPString value",
      seq(set(seq(oid("2.5.4.3"), tlv(0x1e, new Uint8Array(3_800_000).fill(0x41))))),
    ],
    ["100,000 RDNs", repeated(0x30, set(seq(oid("2.5.4.3"), utf8("abcdefghijklmnopqrstuv"))), 100_000)],
  ] as const) {
    it(`${what}: refused with the name limit, promptly`, () => {
      const t0 = performance.now();
      assert.throws(
        () => parseCrl(crlWith(name)),
        (e: unknown) => {
          assert.ok(e instanceof DerError);
          assert.match(e.message, /issuer: the name is [\d,]+ bytes; at most 65,536 are read/);
          return true;
        },
      );
      assert.ok(performance.now() - t0 < 5000);
    });
  }
});
