/**
 * Certificate containers: PKCS#7 bundles, PKCS#12 files, JKS/JCEKS keystores, plus RC2 and the
 * PKCS#12 KDF. Everything except the FPKI bundle fixture is made at run time with openssl and keytool
 * in a temporary directory, and the results are checked against what those tools say.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { isJceks, isJks, readJks } from "../src/x509/containers/jks.js";
import { isPkcs7, readPkcs7Certificates } from "../src/x509/containers/pkcs7.js";
import { isPkcs12, readPkcs12 } from "../src/x509/containers/pkcs12.js";
import { bmpPassword, Pkcs12KeyId, pkcs12Kdf } from "../src/x509/containers/pkcs12-kdf.js";
import { rc2CbcDecrypt, rc2DecryptBlock, rc2ExpandKey } from "../src/x509/containers/rc2.js";
import { BadPasswordError, InputError, LimitError } from "../src/x509/errors.js";

// ---------------------------------------------------------------------------------------------------
// Scratch PKI, made once: an RSA root, an EC intermediate, an RSA leaf and an EC leaf.

const here = path.dirname(fileURLToPath(import.meta.url));
// The US Federal PKI's published "CA certificates validating to Federal Common Policy G2" bundle
// (BER-encoded, 151 certificates), copied verbatim. Compiled to dist/test/; the fixture stays in test/.
const FPKI_P7B = path.resolve(here, "../../test/fixtures/fpki-common-policy-g2.p7b");

let tmp = "";
const file = (name: string): string => path.join(tmp, name);
const bytes = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(file(name)));

function run(cmd: string, args: string[], env: Record<string, string> = {}): Buffer {
  return execFileSync(cmd, args, {
    cwd: tmp,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}
/** `openssl("x509 -in a.pem", ...more)`: the first argument is split on spaces, the rest are kept whole. */
const openssl = (cmd: string, ...more: string[]): Buffer => run("openssl", [...cmd.split(" "), ...more]);
const keytool = (cmd: string, ...more: string[]): Buffer => run("keytool", [...cmd.split(" "), ...more]);

/** DER of a PEM certificate file, as openssl writes it. */
const certDer = (pemFile: string): Uint8Array =>
  new Uint8Array(openssl("x509 -in", pemFile, "-outform", "DER"));

/** Every PEM block of a text, decoded, in order. */
function pemBlocks(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of text.matchAll(/-----BEGIN [A-Z0-9 ]+-----([\s\S]*?)-----END [A-Z0-9 ]+-----/g)) {
    out.push(new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ""), "base64")));
  }
  return out;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const sameBytes = (a: Uint8Array, b: Uint8Array, msg?: string): void => assert.equal(hex(a), hex(b), msg);

/** The private key loads with Node and is the key of `certificate`. */
function assertKeyMatches(pkcs8: Uint8Array, certificate: Uint8Array): void {
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
  const fromKey = createPublicKey(key).export({ type: "spki", format: "der" });
  const fromCert = new X509Certificate(Buffer.from(certificate)).publicKey.export({
    type: "spki",
    format: "der",
  });
  assert.equal(
    fromKey.toString("hex"),
    fromCert.toString("hex"),
    "private key does not match the certificate",
  );
}

/** Runs fn and returns what it threw (failing if it did not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail("expected an error");
}

/** Deterministic PRNG for the corruption tests (xorshift32). */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

/**
 * Feeds truncated and bit-flipped copies of `good` to `read`: every failure must be an InputError
 * (never a TypeError/RangeError, never a hang). Truncations must not pass for a wrong password.
 */
function assertRobust(good: Uint8Array, read: (b: Uint8Array) => unknown, flips = 300): void {
  const step = Math.max(1, Math.floor(good.length / 150));
  for (let n = 0; n < good.length; n += step) {
    const e = thrown(() => read(good.subarray(0, n)));
    assert.ok(e instanceof InputError, `truncated to ${n}: ${String(e)}`);
    assert.ok(!(e instanceof BadPasswordError), `truncated to ${n} reported as a bad password: ${String(e)}`);
  }
  const rnd = prng(good.length);
  for (let i = 0; i < flips; i++) {
    const copy = Uint8Array.from(good);
    const at = Math.floor(rnd() * copy.length);
    copy[at] ^= 1 << Math.floor(rnd() * 8);
    try {
      read(copy);
    } catch (e) {
      assert.ok(e instanceof InputError, `flip at ${at}: ${String(e)}`);
    }
  }
}

// --- A tiny, independent DER walker and BER re-encoder for making "Windows-style" inputs ---------

interface Node {
  id: number;
  hdr: number;
  len: number;
  start: number;
}
function derAt(b: Uint8Array, off: number): Node {
  let p = off + 1;
  let len = b[p++];
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p++];
  }
  return { id: b[off], hdr: p - off, len, start: off };
}
function derChildren(b: Uint8Array, n: Node): Node[] {
  const out: Node[] = [];
  for (let p = n.start + n.hdr; p < n.start + n.hdr + n.len; ) {
    const c = derAt(b, p);
    out.push(c);
    p += c.hdr + c.len;
  }
  return out;
}
const contentOf = (b: Uint8Array, n: Node): Uint8Array =>
  b.subarray(n.start + n.hdr, n.start + n.hdr + n.len);
const cat = (...parts: (Uint8Array | number[])[]): Uint8Array =>
  new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p))));

/** DER header with a definite length. */
function header(id: number, len: number): number[] {
  if (len < 0x80) return [id, len];
  const l: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) l.unshift(v & 0xff);
  return [id, 0x80 | l.length, ...l];
}

/** BER: a constructed form of an OCTET STRING (or [0] IMPLICIT one), split into chunks of `size`. */
function chunkedOctets(id: number, data: Uint8Array, size: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) {
    const piece = data.subarray(i, i + size);
    parts.push(cat(header(0x04, piece.length), piece));
  }
  return cat([id | 0x20, 0x80], ...parts, [0, 0]);
}

/**
 * Re-encodes DER as BER: constructed elements down to `maxDepth` get indefinite lengths; OCTET STRINGs
 * and primitive [0] at those depths are chunked. Deeper elements are copied unchanged.
 */
function berify(b: Uint8Array, maxDepth: number, node: Node = derAt(b, 0), depth = 0): Uint8Array {
  const whole = b.subarray(node.start, node.start + node.hdr + node.len);
  if (depth > maxDepth) return whole;
  if (node.id & 0x20) {
    const kids = derChildren(b, node).map((c) => berify(b, maxDepth, c, depth + 1));
    return cat([node.id, 0x80], ...kids, [0, 0]);
  }
  if ((node.id === 0x04 || node.id === 0x80) && node.len > 40)
    return chunkedOctets(node.id, contentOf(b, node), 40);
  return whole;
}

// ---------------------------------------------------------------------------------------------------

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "chainproof-containers-"));
  const newKey = (alg: string, name: string): void => {
    openssl(`req -new -newkey ${alg} -nodes -keyout ${name}.key -out ${name}.csr -subj /CN=${name}.example`);
  };
  const sign = (name: string, ca: string): void => {
    openssl(
      `x509 -req -in ${name}.csr -CA ${ca}.pem -CAkey ${ca}.key -CAcreateserial -out ${name}.pem -days 3`,
    );
  };
  openssl("req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 3 -subj", "/CN=Test Root");
  newKey("ec -pkeyopt ec_paramgen_curve:P-256", "int");
  sign("int", "root");
  newKey("rsa:2048", "rsa");
  sign("rsa", "int");
  newKey("ec -pkeyopt ec_paramgen_curve:P-384", "ec");
  sign("ec", "int");
  fs.writeFileSync(
    file("chain.pem"),
    fs.readFileSync(file("int.pem"), "utf8") + fs.readFileSync(file("root.pem"), "utf8"),
  );
  fs.writeFileSync(file("msg.txt"), "hello\n");
});

after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------

describe("RC2 (RFC 2268)", () => {
  // Section 5 of RFC 2268: key, effective key bits, plaintext, ciphertext.
  const vectors: [string, number, string, string][] = [
    ["0000000000000000", 63, "0000000000000000", "ebb773f993278eff"],
    ["ffffffffffffffff", 64, "ffffffffffffffff", "278b27e42e2f0d49"],
    ["3000000000000000", 64, "1000000000000001", "30649edf9be7d2c2"],
    ["88", 64, "0000000000000000", "61a8a244adacccf0"],
    ["88bca90e90875a", 64, "0000000000000000", "6ccf4308974c267f"],
    ["88bca90e90875a7f0f79c384627bafb2", 64, "0000000000000000", "1a807d272bbe5db1"],
    ["88bca90e90875a7f0f79c384627bafb2", 128, "0000000000000000", "2269552ab0f85ca6"],
    [
      "88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e",
      129,
      "0000000000000000",
      "5b78d3a43dfff1f1",
    ],
  ];
  for (const [key, bits, plain, cipher] of vectors) {
    it(`decrypts the ${key.length * 4}-bit key, ${bits} effective bits vector`, () => {
      const block = new Uint8Array(Buffer.from(cipher, "hex"));
      rc2DecryptBlock(rc2ExpandKey(new Uint8Array(Buffer.from(key, "hex")), bits), block);
      assert.equal(hex(block), plain);
    });
  }

  it("CBC-decrypts what openssl's legacy provider encrypted (rc2-40-cbc and rc2-cbc)", () => {
    const data = Buffer.from("A fairly long plaintext, more than a few RC2 blocks long!");
    fs.writeFileSync(file("rc2.txt"), data);
    for (const [alg, key, bits] of [
      ["rc2-40-cbc", "0102030405", 40],
      ["rc2-cbc", "00112233445566778899aabbccddeeff", 128],
    ] as const) {
      const iv = "0706050403020100";
      const ct = openssl(`enc -${alg} -K ${key} -iv ${iv} -in rc2.txt -provider legacy -provider default`);
      const pt = rc2CbcDecrypt(Buffer.from(key, "hex"), bits, Buffer.from(iv, "hex"), ct);
      const pad = pt[pt.length - 1];
      assert.equal(Buffer.from(pt.subarray(0, pt.length - pad)).toString(), data.toString(), alg);
    }
  });
});

describe("PKCS#12 key derivation (RFC 7292 appendix B)", () => {
  const cases: {
    hash: string;
    password: string;
    salt: string;
    iter: number;
    id: Pkcs12KeyId;
    len: number;
  }[] = [
    { hash: "sha1", password: "pw", salt: "0102030405060708", iter: 2048, id: Pkcs12KeyId.Key, len: 24 },
    { hash: "sha1", password: "pw", salt: "0102030405060708", iter: 2048, id: Pkcs12KeyId.Iv, len: 8 },
    { hash: "sha256", password: "changeit", salt: "aa".repeat(20), iter: 1, id: Pkcs12KeyId.Mac, len: 32 },
    { hash: "sha512", password: "", salt: "00ff", iter: 3, id: Pkcs12KeyId.Key, len: 150 },
    { hash: "sha1", password: "x".repeat(70), salt: "5a".repeat(70), iter: 5, id: Pkcs12KeyId.Key, len: 61 },
  ];
  for (const c of cases) {
    it(`matches openssl's PKCS12KDF (${c.hash}, id ${c.id}, ${c.len} bytes)`, () => {
      const pass = bmpPassword(c.password);
      const ours = pkcs12Kdf(c.hash, pass, Buffer.from(c.salt, "hex"), c.iter, c.id, c.len);
      const kdfopts = [
        `digest:${c.hash}`,
        `hexpass:${hex(pass)}`,
        `hexsalt:${c.salt}`,
        `iter:${c.iter}`,
        `id:${c.id}`,
      ];
      const theirs = openssl(`kdf -keylen ${c.len}`, ...kdfopts.flatMap((o) => ["-kdfopt", o]), "PKCS12KDF")
        .toString()
        .replace(/[:\s]/g, "")
        .toLowerCase();
      assert.equal(hex(ours), theirs);
    });
  }
});

// ---------------------------------------------------------------------------------------------------

describe("PKCS#7 certs-only bundles", () => {
  const order = ["rsa.pem", "root.pem", "ec.pem", "int.pem"]; // deliberately not sorted
  const certfiles = order.flatMap((f) => ["-certfile", f]);

  it("reads a DER .p7b from openssl crl2pkcs7, keeping the order", () => {
    openssl("crl2pkcs7 -nocrl", ...certfiles, "-outform", "DER", "-out", "bundle.p7b");
    const der = bytes("bundle.p7b");
    const got = readPkcs7Certificates(der, { name: "bundle.p7b" });
    assert.equal(got.length, 4);
    for (const [i, c] of got.entries()) sameBytes(c, certDer(order[i]), order[i]);
    assert.ok(isPkcs7(der));
    assert.ok(!isPkcs12(der));
  });

  it("reads the same bundle from PEM once un-armoured", () => {
    openssl("crl2pkcs7 -nocrl", ...certfiles, "-out", "bundle-pem.p7b");
    const [der] = pemBlocks(fs.readFileSync(file("bundle-pem.p7b"), "latin1"));
    const got = readPkcs7Certificates(der);
    assert.deepEqual(
      got.map(hex),
      order.map((f) => hex(certDer(f))),
    );
  });

  it("reads BER with indefinite lengths (as Windows writes) and a bare SignedData", () => {
    openssl("crl2pkcs7 -nocrl", ...certfiles, "-outform", "DER", "-out", "bundle.p7b");
    const der = bytes("bundle.p7b");
    const expected = order.map((f) => hex(certDer(f)));
    // Depth 3 is the certificate SET: open everything above the certificates themselves.
    const ber = berify(der, 3);
    assert.equal(ber[1], 0x80);
    assert.deepEqual(readPkcs7Certificates(ber).map(hex), expected);
    // Bare SignedData: the content of ContentInfo [0].
    const top = derAt(der, 0);
    const wrapper = derChildren(der, top)[1];
    const signedData = derChildren(der, wrapper)[0];
    const bare = der.subarray(signedData.start, signedData.start + signedData.hdr + signedData.len);
    assert.deepEqual(readPkcs7Certificates(bare).map(hex), expected);
  });

  it("reads the certificate set of a streamed (BER) CMS signature", () => {
    const signer = "-signer rsa.pem -inkey rsa.key -certfile chain.pem";
    openssl(`cms -sign -in msg.txt ${signer} -stream -outform DER -nodetach -out signed.p7s`);
    const der = bytes("signed.p7s");
    assert.equal(der[1], 0x80, "openssl -stream should write an indefinite length");
    const expected = pemBlocks(openssl("pkcs7 -inform DER -in signed.p7s -print_certs").toString());
    assert.equal(expected.length, 3);
    assert.deepEqual(readPkcs7Certificates(der).map(hex), expected.map(hex));
  });

  it("reads the FPKI Common Policy G2 bundle (151 certificates, BER) in openssl's order", () => {
    const der = new Uint8Array(fs.readFileSync(FPKI_P7B));
    const got = readPkcs7Certificates(der, { name: "fpki.p7b" });
    assert.equal(got.length, 151);
    const expected = pemBlocks(openssl("pkcs7 -inform DER -in", FPKI_P7B, "-print_certs").toString());
    assert.deepEqual(got.map(hex), expected.map(hex));
  });

  it("returns no certificates for an empty bundle", () => {
    openssl("crl2pkcs7 -nocrl -outform DER -out empty.p7b");
    assert.deepEqual(readPkcs7Certificates(bytes("empty.p7b")), []);
  });

  it("refuses other PKCS#7 types, naming them", () => {
    openssl("cms -encrypt -in msg.txt -outform DER -out enveloped.p7m rsa.pem");
    const e = thrown(() => readPkcs7Certificates(bytes("enveloped.p7m"), { name: "x.p7m" }));
    assert.ok(e instanceof InputError);
    assert.match(e.message, /^x\.p7m: .*envelopedData/);
  });

  it("rejects truncated and corrupted input with InputError only", () => {
    openssl("crl2pkcs7 -nocrl -certfile rsa.pem -certfile int.pem -outform DER -out small.p7b");
    const der = bytes("small.p7b");
    const e = thrown(() => readPkcs7Certificates(der.subarray(0, 500), { name: "small.p7b" }));
    assert.ok(e instanceof InputError);
    assert.equal(e.code, "truncated-der");
    assert.match(
      e.message,
      /^small\.p7b: .*declares \d+ content bytes but only \d+ remain \(at byte offset \d+\)$/,
    );
    assertRobust(der, (b) => readPkcs7Certificates(b));
    assertRobust(berify(der, 3), (b) => readPkcs7Certificates(b));
    // Trailing padding is tolerated; trailing data is not.
    assert.equal(readPkcs7Certificates(cat(der, [0, 0, 0x0a])).length, 2);
    assert.ok(thrown(() => readPkcs7Certificates(cat(der, [0x30, 0]))) instanceof InputError);
  });

  it("caps the certificate count and the nesting depth with LimitError", () => {
    const oid = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
    const fakeCerts = new Uint8Array(10_001 * 2).fill(0).map((_, i) => (i % 2 === 0 ? 0x30 : 0));
    const certSet = cat(header(0xa0, fakeCerts.length), fakeCerts);
    const body = cat([0x02, 0x01, 0x01, 0x31, 0x00, 0x30, 0x00], certSet, [0x31, 0x00]);
    const sd = cat(header(0x30, body.length), body);
    const ci = cat(oid, header(0xa0, sd.length), sd);
    const e = thrown(() => readPkcs7Certificates(cat(header(0x30, ci.length), ci)));
    assert.ok(e instanceof LimitError, String(e));
    const deep = cat(new Array(2000).fill([0x30, 0x80]).flat(), new Array(4000).fill(0));
    assert.ok(thrown(() => readPkcs7Certificates(deep)) instanceof LimitError);
  });
});

// ---------------------------------------------------------------------------------------------------

describe("PKCS#12", () => {
  /** What `openssl pkcs12 -info` says about a file's algorithms (it writes them to stderr). */
  const info = (p12: string, pass: string, legacy = false): string => {
    const args = [
      "pkcs12",
      "-in",
      p12,
      "-info",
      "-noout",
      "-passin",
      `pass:${pass}`,
      ...(legacy ? ["-legacy"] : []),
    ];
    const r = spawnSync("openssl", args, { cwd: tmp, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout + r.stderr;
  };

  /** openssl pkcs12 -export of a leaf + key + chain, with extra options. */
  function exportP12(out: string, leaf: "rsa" | "ec", pass: string, extra: string[] = []): Uint8Array {
    const files = `-in ${leaf}.pem -inkey ${leaf}.key -certfile chain.pem -out ${out}`;
    openssl(`pkcs12 -export ${files}`, "-name", "My Server", "-passout", `pass:${pass}`, ...extra);
    return bytes(out);
  }

  /** The leaf, intermediate and root come back intact; the key matches the leaf; attributes link them. */
  function assertLeafChainKey(got: ReturnType<typeof readPkcs12>, leaf: "rsa" | "ec"): void {
    assert.equal(got.certificates.length, 3);
    assert.equal(got.keys.length, 1);
    const leafCert = got.certificates.find((c) => c.localKeyId !== undefined);
    assert.ok(leafCert, "the leaf carries a localKeyId");
    sameBytes(leafCert.der, certDer(`${leaf}.pem`));
    assert.deepEqual(
      got.certificates.map((c) => hex(c.der)).sort(),
      [`${leaf}.pem`, "int.pem", "root.pem"].map((f) => hex(certDer(f))).sort(),
    );
    const [key] = got.keys;
    assert.equal(key.localKeyId, leafCert.localKeyId);
    assert.equal(key.friendlyName, "My Server");
    assert.equal(leafCert.friendlyName, "My Server");
    assertKeyMatches(key.pkcs8, leafCert.der);
  }

  for (const leaf of ["rsa", "ec"] as const) {
    it(`reads OpenSSL 3's default (PBES2/AES-256-CBC, SHA-256 MAC) with an ${leaf.toUpperCase()} key`, () => {
      const der = exportP12(`modern-${leaf}.p12`, leaf, "s3cret");
      const i = info(`modern-${leaf}.p12`, "s3cret");
      assert.match(i, /MAC: sha256/);
      assert.match(i, /PBES2, PBKDF2, AES-256-CBC/);
      assert.ok(isPkcs12(der) && !isPkcs7(der));
      assertLeafChainKey(readPkcs12(der, "s3cret", { name: "modern.p12" }), leaf);
    });

    it(`reads -legacy (RC2-40 certificates, 3DES key, SHA-1 MAC) with an ${leaf.toUpperCase()} key`, () => {
      const der = exportP12(`legacy-${leaf}.p12`, leaf, "s3cret", ["-legacy"]);
      const i = info(`legacy-${leaf}.p12`, "s3cret", true);
      assert.match(i, /MAC: sha1/);
      assert.match(i, /pbeWithSHA1And40BitRC2-CBC/);
      assert.match(i, /pbeWithSHA1And3-KeyTripleDES-CBC/);
      assertLeafChainKey(readPkcs12(der, "s3cret"), leaf);
    });
  }

  it("reads other cipher and MAC combinations", () => {
    const combos: [string, string[], RegExp, boolean][] = [
      [
        "combo1.p12",
        ["-legacy", "-keypbe", "PBE-SHA1-2DES", "-certpbe", "PBE-SHA1-RC2-128"],
        /128BitRC2.*\n[\s\S]*2-KeyTripleDES/,
        true,
      ],
      [
        "combo2.p12",
        ["-keypbe", "AES-128-CBC", "-certpbe", "DES-EDE3-CBC", "-macalg", "SHA512", "-iter", "3000"],
        /MAC: sha512/,
        false,
      ],
      [
        "combo3.p12",
        ["-legacy", "-keypbe", "AES-192-CBC", "-certpbe", "rc2-cbc", "-macalg", "sha384"],
        /PBES2, PBKDF2, RC2-CBC/,
        true,
      ],
    ];
    for (const [name, extra, expectInfo, legacy] of combos) {
      const der = exportP12(name, "rsa", "pw", extra);
      assert.match(info(name, "pw", legacy), expectInfo, name);
      assertLeafChainKey(readPkcs12(der, "pw", { name }), "rsa");
    }
  });

  it("reads files without a MAC, and spots a wrong password by the failed decryption", () => {
    const der = exportP12("nomac.p12", "rsa", "pw", ["-nomac", "-certpbe", "PBE-SHA1-3DES"]);
    assert.match(info("nomac.p12", "pw"), /MAC is absent/);
    assertLeafChainKey(readPkcs12(der, "pw"), "rsa");
    const e = thrown(() => readPkcs12(der, "wrong", { name: "nomac.p12" }));
    assert.ok(e instanceof BadPasswordError, String(e));
    assert.match(e.message, /^wrong password for nomac\.p12 \(could not decrypt/);
  });

  it("reads unencrypted files (no MAC, plain key bag) whatever the password", () => {
    const der = exportP12("plain.p12", "ec", "pw", ["-nomac", "-certpbe", "NONE", "-keypbe", "NONE"]);
    assert.match(info("plain.p12", "pw"), /Key bag/);
    assertLeafChainKey(readPkcs12(der, "anything"), "ec");
  });

  it("handles the empty password and non-ASCII passwords", () => {
    assertLeafChainKey(readPkcs12(exportP12("empty-pw.p12", "rsa", ""), ""), "rsa");
    const pw = "päss-wörd-✓";
    const args =
      "pkcs12 -export -in rsa.pem -inkey rsa.key -certfile chain.pem -passout env:P12PW -out utf8-pw.p12";
    run("openssl", [...args.split(" "), "-name", "My Server"], { P12PW: pw });
    assertLeafChainKey(readPkcs12(bytes("utf8-pw.p12"), pw), "rsa");
    assert.ok(thrown(() => readPkcs12(bytes("utf8-pw.p12"), "pass-word")) instanceof BadPasswordError);
  });

  it("reads BER-encoded files (indefinite lengths, chunked OCTET STRINGs)", () => {
    // With a MAC: re-encode only the outer PFX; the MAC covers the authenticated safe's content octets,
    // which stay the same once the chunks are joined.
    const der = exportP12("ber-src.p12", "rsa", "pw", ["-legacy"]);
    const pfx = derChildren(der, derAt(der, 0));
    const authSafeInfo = pfx[1];
    const octets = derChildren(der, derChildren(der, authSafeInfo)[1])[0];
    const oidData = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    const macData = der.subarray(pfx[2].start, pfx[2].start + pfx[2].hdr + pfx[2].len);
    const withMac = cat(
      [0x30, 0x80, 0x02, 0x01, 0x03, 0x30, 0x80],
      oidData,
      [0xa0, 0x80],
      chunkedOctets(0x04, contentOf(der, octets), 100),
      [0, 0, 0, 0],
      macData,
      [0, 0],
    );
    assertLeafChainKey(readPkcs12(withMac, "pw"), "rsa");

    // Without a MAC, everything inside can be BER too, including the encrypted content [0].
    const nomac = exportP12("ber-nomac.p12", "rsa", "pw", [
      "-nomac",
      "-legacy",
      "-certpbe",
      "PBE-SHA1-RC2-40",
    ]);
    const nPfx = derChildren(nomac, derAt(nomac, 0));
    const nOctets = derChildren(nomac, derChildren(nomac, nPfx[1])[1])[0];
    const inner = contentOf(nomac, nOctets);
    const innerBer = berify(inner, 99);
    const full = cat(
      [0x30, 0x80, 0x02, 0x01, 0x03, 0x30, 0x80],
      oidData,
      [0xa0, 0x80],
      chunkedOctets(0x04, innerBer, 64),
      [0, 0, 0, 0, 0, 0],
    );
    assertLeafChainKey(readPkcs12(full, "pw"), "rsa");
    // No MAC: most flips reach the (slow, JavaScript) PKCS#12 KDF, so fewer of them.
    assertRobust(full, (b) => readPkcs12(b, "pw"), 80);
  });

  it("reads keytool PKCS12 keystores: key entries (RSA and EC) and trusted certificates", () => {
    const ks = ["-storetype", "PKCS12", "-keystore", "kt.p12", "-storepass", "changeit"];
    keytool("-genkeypair -alias server -keyalg RSA -keysize 2048 -dname CN=kt-rsa -validity 3", ...ks);
    keytool(
      "-genkeypair -alias ec-server -keyalg EC -groupname secp256r1 -dname CN=kt-ec -validity 3",
      ...ks,
    );
    keytool("-importcert -noprompt -alias root -file root.pem", ...ks);
    const got = readPkcs12(bytes("kt.p12"), "changeit", { name: "kt.p12" });
    assert.equal(got.keys.length, 2);
    assert.equal(got.certificates.length, 3);
    for (const alias of ["server", "ec-server"]) {
      const key = got.keys.find((k) => k.friendlyName === alias);
      assert.ok(key, alias);
      const cert = got.certificates.find((c) => c.localKeyId === key.localKeyId);
      assert.ok(cert, `certificate of ${alias}`);
      assert.equal(cert.friendlyName, alias);
      sameBytes(cert.der, new Uint8Array(keytool("-exportcert -alias", alias, ...ks)));
      assertKeyMatches(key.pkcs8, cert.der);
    }
    const trusted = got.certificates.find((c) => c.friendlyName === "root");
    assert.ok(trusted);
    assert.equal(trusted.localKeyId, undefined);
    sameBytes(trusted.der, certDer("root.pem"));
  });

  it("reads keytool trusted-certificate-only PKCS12 stores", () => {
    const ks = ["-storetype", "PKCS12", "-keystore", "trust.p12", "-storepass", "changeit"];
    keytool("-importcert -noprompt -alias root -file root.pem", ...ks);
    keytool("-importcert -noprompt -alias intermediate -file int.pem", ...ks);
    const got = readPkcs12(bytes("trust.p12"), "changeit");
    assert.equal(got.keys.length, 0);
    const byName = new Map(got.certificates.map((c) => [c.friendlyName, c.der]));
    assert.deepEqual([...byName.keys()].sort(), ["intermediate", "root"]);
    sameBytes(byName.get("root")!, certDer("root.pem"));
    sameBytes(byName.get("intermediate")!, certDer("int.pem"));
  });

  it("throws BadPasswordError for a wrong password, without echoing it", () => {
    for (const [p12, legacy] of [
      ["modern-rsa.p12", []],
      ["legacy-ec.p12", ["-legacy"]],
    ] as const) {
      const der = exportP12(p12, p12.includes("rsa") ? "rsa" : "ec", "s3cret", [...legacy]);
      const e = thrown(() => readPkcs12(der, "hunter2", { name: "keystore.p12" }));
      assert.ok(e instanceof BadPasswordError, String(e));
      assert.equal(e.code, "bad-password");
      assert.equal(e.message, "wrong password for keystore.p12 (the integrity check failed)");
      assert.ok(!e.message.includes("hunter2") && !e.message.includes("s3cret"));
    }
  });

  it("rejects truncated and corrupted files with InputError (never as a bad password when truncated)", () => {
    const der = exportP12("robust.p12", "ec", "pw", ["-legacy"]);
    const e = thrown(() => readPkcs12(der.subarray(0, der.length - 10), "pw", { name: "cut.p12" }));
    assert.ok(e instanceof InputError && !(e instanceof BadPasswordError), String(e));
    assert.match(e.message, /^cut\.p12: .*\(at byte offset \d+\)$/);
    assertRobust(der, (b) => readPkcs12(b, "pw"));
    assert.ok(thrown(() => readPkcs12(new Uint8Array(0), "pw")) instanceof InputError);
  });

  it("caps absurd iteration counts with LimitError", () => {
    // Patch the MAC iteration count of an OpenSSL file (2048 = 02 02 08 00 at the very end) to 2^31-1.
    const der = exportP12("iter.p12", "rsa", "pw");
    assert.equal(hex(der.subarray(der.length - 4)), "02020800");
    const patched = cat(der.subarray(0, der.length - 4), [0x02, 0x04, 0x7f, 0xff, 0xff, 0xff]);
    // Two more length bytes: fix the MacData and PFX lengths, which openssl wrote in long form.
    const fixed = bumpLengths(patched, [0, derChildren(der, derAt(der, 0))[2].start], 2);
    assert.ok(thrown(() => readPkcs12(fixed, "pw")) instanceof LimitError);
  });
});

/** Adds `delta` to the (long-form, or short-form < 0x7e) lengths of the elements starting at `offsets`. */
function bumpLengths(b: Uint8Array, offsets: number[], delta: number): Uint8Array {
  const out = Uint8Array.from(b);
  for (const off of offsets) {
    const n = derAt(out, off);
    const len = n.len + delta;
    if (n.hdr === 2) out[off + 1] = len;
    else for (let i = n.hdr - 1, v = len; i >= 2; i--, v = Math.floor(v / 256)) out[off + i] = v & 0xff;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------

describe("JKS and JCEKS keystores", () => {
  const jks = (store: string, type = "JKS", pass = "changeit"): string[] => [
    "-storetype",
    type,
    "-keystore",
    store,
    "-storepass",
    pass,
  ];

  before(() => {
    keytool(
      "-genkeypair -alias server -keyalg RSA -keysize 2048 -dname CN=jks-rsa -validity 3",
      ...jks("k.jks"),
    );
    keytool(
      "-genkeypair -alias ec-server -keyalg EC -groupname secp384r1 -dname CN=jks-ec -validity 3",
      ...jks("k.jks"),
    );
    keytool("-importcert -noprompt -alias root -file root.pem", ...jks("k.jks"));
    keytool("-importcert -noprompt -alias Intermediate -file int.pem", ...jks("k.jks"));
  });

  it("reads keytool -storetype JKS: key entries (RSA, EC) and trusted entries", () => {
    const der = bytes("k.jks");
    assert.ok(isJks(der) && !isJceks(der) && !isPkcs12(der) && !isPkcs7(der));
    const got = readJks(der, "changeit", { name: "k.jks" });
    assert.equal(got.format, "jks");
    assert.deepEqual(got.entries.map((e) => `${e.kind}:${e.alias}`).sort(), [
      "key:ec-server",
      "key:server",
      "trusted:intermediate", // keytool lower-cases JKS aliases
      "trusted:root",
    ]);
    for (const e of got.entries) {
      assert.ok(Math.abs(e.date.getTime() - Date.now()) < 86_400_000, `date of ${e.alias}`);
      if (e.kind === "key") {
        assert.equal(e.chain.length, 1);
        sameBytes(e.chain[0], new Uint8Array(keytool("-exportcert -alias", e.alias, ...jks("k.jks"))));
        assertKeyMatches(e.pkcs8, e.chain[0]);
      } else {
        sameBytes(e.certificate, certDer(e.alias === "root" ? "root.pem" : "int.pem"));
      }
    }
  });

  it("reads a key entry's whole chain, in order (imported from an openssl PKCS#12)", () => {
    openssl(
      "pkcs12 -export -in ec.pem -inkey ec.key -certfile chain.pem -name web -passout pass:pw -out web.p12",
    );
    // -destkeypass: JKS keys have their own password, which would otherwise stay the source's "pw".
    const src = "-srckeystore web.p12 -srcstoretype PKCS12 -srcstorepass pw";
    const dest = "-deststoretype JKS -destkeystore chain.jks -deststorepass changeit -destkeypass changeit";
    keytool(`-importkeystore -noprompt ${src} ${dest}`);
    const [entry] = readJks(bytes("chain.jks"), "changeit").entries;
    assert.ok(entry.kind === "key");
    assert.equal(entry.alias, "web");
    assert.deepEqual(
      entry.chain.map(hex),
      ["ec.pem", "int.pem", "root.pem"].map((f) => hex(certDer(f))),
    );
    assertKeyMatches(entry.pkcs8, entry.chain[0]);
  });

  it("throws BadPasswordError for a wrong store password, and for a key with its own password", () => {
    const e = thrown(() => readJks(bytes("k.jks"), "changeme", { name: "k.jks" }));
    assert.ok(e instanceof BadPasswordError, String(e));
    assert.equal(e.message, "wrong password for k.jks (the integrity check failed)");
    keytool(
      "-genkeypair -alias sep -keyalg EC -groupname secp256r1 -dname CN=sep -validity 3 -keypass other-pass",
      ...jks("sep.jks"),
    );
    const e2 = thrown(() => readJks(bytes("sep.jks"), "changeit", { name: "sep.jks" }));
    assert.ok(e2 instanceof BadPasswordError, String(e2));
    assert.match(e2.message, /^sep\.jks: .*"sep"/);
    assert.ok(!e2.message.includes("other-pass"));
  });

  it("rejects truncated and corrupted keystores with InputError (never as a bad password when truncated)", () => {
    const der = bytes("k.jks");
    const e = thrown(() => readJks(der.subarray(0, 100), "changeit", { name: "k.jks" }));
    assert.ok(e instanceof InputError && !(e instanceof BadPasswordError));
    assert.equal(e.code, "truncated-keystore");
    assert.match(e.message, /^k\.jks: truncated: .* \(at byte offset \d+\)$/);
    assertRobust(der, (b) => readJks(b, "changeit"));
  });

  it("caps a lying entry count with LimitError", () => {
    const der = Uint8Array.from(bytes("k.jks"));
    der.set([0x7f, 0xff, 0xff, 0xff], 8);
    assert.ok(thrown(() => readJks(der, "changeit")) instanceof LimitError);
  });

  it("reads version 1 JKS (no certificate type strings)", () => {
    // Build one by hand: a single trusted entry. Integrity digest as Java computes it.
    const cert = certDer("root.pem");
    const alias = Buffer.from("old-root");
    const u32 = (v: number): number[] => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
    const body = cat(
      u32(0xfeedfeed),
      u32(1),
      u32(1),
      u32(2),
      [0, alias.length],
      alias,
      u32(0),
      u32(1_700_000_000),
      u32(cert.length),
      cert,
    );
    const pw = Buffer.from("changeit", "utf16le").swap16();
    const digest = new Uint8Array(
      execFileSync("openssl", ["dgst", "-sha1", "-binary"], {
        input: cat(pw, Buffer.from("Mighty Aphrodite"), body),
      }),
    );
    const got = readJks(cat(body, digest), "changeit");
    assert.equal(got.entries.length, 1);
    const [e] = got.entries;
    assert.ok(e.kind === "trusted");
    assert.equal(e.alias, "old-root");
    assert.equal(e.date.getTime(), 1_700_000_000);
    sameBytes(e.certificate, cert);
  });

  it("reads JCEKS: trusted certificates and PBEWithMD5AndTripleDES-protected keys", () => {
    keytool(
      "-genkeypair -alias jce -keyalg EC -groupname secp256r1 -dname CN=jceks -validity 3",
      ...jks("k.jceks", "JCEKS"),
    );
    keytool("-importcert -noprompt -alias root -file root.pem", ...jks("k.jceks", "JCEKS"));
    const der = bytes("k.jceks");
    assert.ok(isJceks(der) && !isJks(der));
    const got = readJks(der, "changeit");
    assert.equal(got.format, "jceks");
    const key = got.entries.find((e) => e.kind === "key");
    const trusted = got.entries.find((e) => e.kind === "trusted");
    assert.ok(key?.kind === "key" && trusted?.kind === "trusted");
    assertKeyMatches(key.pkcs8, key.chain[0]);
    sameBytes(trusted.certificate, certDer("root.pem"));
    assert.ok(thrown(() => readJks(der, "wrong")) instanceof BadPasswordError);
  });

  it("refuses JCEKS secret-key entries with a clear InputError", () => {
    keytool("-genseckey -alias aes -keyalg AES -keysize 128", ...jks("secret.jceks", "JCEKS"));
    const e = thrown(() => readJks(bytes("secret.jceks"), "changeit", { name: "secret.jceks" }));
    assert.ok(e instanceof InputError && !(e instanceof BadPasswordError));
    assert.match(e.message, /secret-key entry/);
  });

  it("refuses things that are not keystores", () => {
    assert.ok(thrown(() => readJks(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), "x")) instanceof InputError);
    assert.ok(thrown(() => readJks(new Uint8Array(0), "x")) instanceof InputError);
    assert.ok(!isJks(new Uint8Array([0xfe, 0xed])));
  });
});
