/**
 * Key derivation in PKCS#12 files and Java keystores (issue 12, points 2 and 5): the iterated hashes
 * behind the PKCS#12 KDF and JCEKS's PBE agree with node:crypto, iteration counts past the caps are refused
 * with the count and the limit (library and CLI, exit 2, quickly), and a JKS whose body is damaged is
 * reported as damaged rather than as a wrong password. Files are built at run time.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildCertificate, generateKeyPair } from "../src/x509/builder.js";
import { iterateHash } from "../src/x509/containers/iterated-hash.js";
import { MAX_JCEKS_ITERATIONS, readJks } from "../src/x509/containers/jks.js";
import { MAX_PKCS12_ITERATIONS, readPkcs12 } from "../src/x509/containers/pkcs12.js";
import { BadPasswordError, InputError, LimitError } from "../src/x509/errors.js";
import { cat, int, octet, oid, seq } from "../src/x509/write/der-writer.js";
import { javaUtf, writeJks } from "../src/x509/write/jks.js";
import { writePkcs12 } from "../src/x509/write/pkcs12.js";
import { runCli } from "./helpers/cli.js";

const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), "cp-kdf-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const caKey = generateKeyPair("ec-p256");
const ca = buildCertificate({
  subject: "CN=KDF Test CA",
  publicKey: caKey,
  notBefore: new Date(Date.now() - DAY),
  notAfter: new Date(Date.now() + 365 * DAY),
  ca: true,
});
const pkcs8 = new Uint8Array(caKey.privateKey.export({ format: "der", type: "pkcs8" }));

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  assert.fail("expected an error");
}

function save(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** `chainproof decode FILE` with the password in $KDF_PW. */
const decode = (path: string, password: string) =>
  runCli(["decode", path, "--password-env", "KDF_PW"], { env: { KDF_PW: password }, timeoutMs: 20_000 });

/** The DER INTEGER encoding of n, for finding it in a file. */
function derInt(n: number): Buffer {
  return Buffer.from(int(n));
}

/** A copy of `bytes` with the one occurrence of `from` replaced by `to` (same length). */
function patch(bytes: Uint8Array, from: Buffer, to: Buffer): Uint8Array {
  assert.equal(from.length, to.length);
  const b = Buffer.from(bytes);
  const at = b.indexOf(from);
  assert.ok(at >= 0 && b.indexOf(from, at + 1) < 0, "the pattern occurs exactly once");
  to.copy(b, at);
  return new Uint8Array(b);
}

describe("iterated hashes (PKCS#12 KDF, JCEKS PBE)", () => {
  it("agree with node:crypto for every supported hash, message length and round count", () => {
    const reference = (hash: string, seed: Uint8Array, suffix: Uint8Array, rounds: number) => {
      let h = createHash(hash).update(seed).update(suffix).digest();
      for (let r = 1; r < rounds; r++) h = createHash(hash).update(h).update(suffix).digest();
      return h;
    };
    for (const hash of ["md5", "sha1", "sha224", "sha256", "sha512"]) {
      // Suffix lengths around the one- and two-block boundaries (55/56 and 119/120 bytes with the digest).
      for (const n of [0, 1, 8, 23, 35, 36, 39, 40, 44, 48, 64, 100, 130]) {
        const suffix = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
        const seed = Uint8Array.from({ length: 5 + (n % 9) }, (_, i) => i + n);
        for (const rounds of [1, 2, 5, 33]) {
          const got = Buffer.from(iterateHash(hash, seed, suffix, rounds)).toString("hex");
          assert.equal(got, reference(hash, seed, suffix, rounds).toString("hex"), `${hash} ${n} ${rounds}`);
        }
      }
    }
  });
});

describe("PKCS#12 iteration caps", () => {
  // A MAC iteration count of 65,536 (03 01 00 00) patched to 4,999,999 (03 4c 4b 3f): the file.
  const macFile = patch(
    writePkcs12({ trusted: [{ certificate: ca.der }] }, "pw", { macIterations: 65_536 }),
    derInt(65_536),
    derInt(4_999_999),
  );

  it("refuses a MAC of 4,999,999 iterations, naming the count and the limit", () => {
    const t0 = Date.now();
    const e = thrown(() => readPkcs12(macFile, "pw", { name: "mac.p12" }));
    assert.ok(e instanceof LimitError, String(e));
    assert.equal(
      e.message,
      "mac.p12: the MAC asks for 4,999,999 iterations; the limit is 1,000,000 (at byte offset " +
        `${e.message.match(/offset (\d+)/)?.[1]})`,
    );
    assert.ok(Date.now() - t0 < 1000, "refused before deriving anything");
    assert.equal(MAX_PKCS12_ITERATIONS, 1_000_000);
  });

  it("refuses PBES2 with 2,000,000 PBKDF2 iterations (the file that froze the server), library and CLI", async () => {
    const p12 = writePkcs12({ trusted: [{ certificate: ca.der }] }, "pw", { iterations: 2_000_000 });
    const r = await decode(save("pbes2.p12", p12), "pw");
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /the PBKDF2 key derivation of safe 1 asks for 2,000,000 iterations; the limit is 1,000,000/,
    );
    assert.ok(r.ms < 5000, `took ${r.ms} ms`);
    const e = thrown(() => readPkcs12(p12, "pw", { name: "pbes2.p12" }));
    assert.ok(e instanceof LimitError, String(e));
    assert.match(
      e.message,
      /^pbes2\.p12 \(authenticated safe\): the PBKDF2 key derivation of safe 1 asks for 2,000,000 iterations; the limit is 1,000,000/,
    );
  });

  it("refuses a file whose derivations together exceed one second of work", () => {
    // A MAC at 1,000,000 and two PBKDF2 derivations at 700,000: over the budget.
    const heavy = writePkcs12({ keys: [{ pkcs8, chain: [ca.der] }] }, "pw", {
      iterations: 700_000,
      macIterations: 1_000_000,
    });
    const e = thrown(() => readPkcs12(heavy, "pw", { name: "heavy.p12" }));
    assert.ok(e instanceof LimitError, String(e));
    assert.match(
      e.message,
      /^heavy\.p12: its key derivations \(1,000,000 \+ 700,000 \+ 700,000 iterations\) would take more than our limit of 1 s; refused$/,
    );
    // The same at OWASP's 600,000 PBKDF2 iterations is within it: test/web-offload.test.ts decodes it.
  });

  it("CLI: decode of an over-cap PKCS#12 exits 2 with the count and the limit, within seconds", async () => {
    const r = await decode(save("mac.p12", macFile), "pw");
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /the MAC asks for 4,999,999 iterations; the limit is 1,000,000/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, "no stack trace");
    assert.ok(r.ms < 5000, `took ${r.ms} ms`);
  });
});

/** A JCEKS keystore with one key entry protected by PBEWithMD5AndTripleDES at `iterations`. */
function jceksWithIterations(iterations: number, password: string): Uint8Array {
  const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  const epki = seq(
    seq(oid("1.3.6.1.4.1.42.2.19.1"), seq(octet(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)), int(iterations))),
    octet(new Uint8Array(64)),
  );
  const body = cat(
    u32(0xcececece),
    u32(2),
    u32(1),
    u32(1),
    javaUtf("big"),
    new Uint8Array(8),
    u32(epki.length),
    epki,
    u32(1),
    javaUtf("X.509"),
    u32(ca.der.length),
    ca.der,
  );
  const pw = Buffer.from(password, "utf16le").swap16();
  const digest = createHash("sha1").update(pw).update("Mighty Aphrodite").update(body).digest();
  return cat(body, digest);
}

describe("JCEKS iteration cap", () => {
  it("refuses a key at 4,000,000 iterations, naming the count and the limit (library and CLI)", async () => {
    const ks = jceksWithIterations(4_000_000, "changeit");
    const t0 = Date.now();
    const e = thrown(() => readJks(ks, "changeit", { name: "big.jceks" }));
    assert.ok(e instanceof LimitError, String(e));
    assert.equal(
      e.message,
      'big.jceks: the key of "big" asks for 4,000,000 iterations; the limit is 1,000,000',
    );
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(MAX_JCEKS_ITERATIONS, 1_000_000);
    const r = await decode(save("big.jceks", ks), "changeit");
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /asks for 4,000,000 iterations; the limit is 1,000,000/);
    assert.ok(r.ms < 5000, `took ${r.ms} ms`);
  });
});

describe("JKS: a damaged body is not a wrong password", () => {
  const withKey = writeJks(
    [
      { kind: "key", alias: "server", pkcs8, chain: [ca.der] },
      { kind: "trusted", alias: "root", certificate: ca.der },
    ],
    "changeit",
  );
  const trustedOnly = writeJks([{ kind: "trusted", alias: "root", certificate: ca.der }], "changeit");
  /** Flip the last byte of the last certificate (inside its signature: the structure still reads). */
  const flipSignature = (ks: Uint8Array) => {
    const b = Uint8Array.from(ks);
    b[b.length - 21] ^= 0x01;
    return b;
  };
  /** Break the tag of the TBSCertificate's version field in the last certificate (it no longer parses). */
  const breakCertificate = (ks: Uint8Array) => {
    const b = Buffer.from(ks);
    const at = b.lastIndexOf(Buffer.from(ca.der.subarray(0, 12)));
    const version = b.indexOf(Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02]), at);
    b[version] = 0xa5;
    return new Uint8Array(b);
  };

  it("right password, damaged body, a key entry: damaged, and it says the password is right", async () => {
    const e = thrown(() => readJks(flipSignature(withKey), "changeit", { name: "k.jks" }));
    assert.ok(e instanceof InputError && !(e instanceof BadPasswordError), String(e));
    assert.equal(e.code, "damaged-keystore");
    assert.equal(
      e.message,
      'k.jks is damaged or was modified: the password is right (it opens the key "server") but the integrity check over the file failed',
    );
    const r = await decode(save("damaged.jks", flipSignature(withKey)), "changeit");
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /damaged\.jks is damaged or was modified: the password is right/);
    assert.doesNotMatch(r.stderr, /wrong password/);
  });

  it("wrong password on the same file: wrong password", () => {
    const e = thrown(() => readJks(flipSignature(withKey), "changeme", { name: "k.jks" }));
    assert.ok(e instanceof BadPasswordError, String(e));
    assert.equal(e.message, "wrong password for k.jks (the integrity check failed)");
  });

  it("trusted certificates only, a certificate that no longer parses: damaged", () => {
    const e = thrown(() => readJks(breakCertificate(trustedOnly), "changeit", { name: "t.jks" }));
    assert.ok(e instanceof InputError && !(e instanceof BadPasswordError), String(e));
    assert.equal(e.code, "damaged-keystore");
    assert.match(
      e.message,
      /^t\.jks is damaged: the certificate of "root" does not parse \(.+\), and the integrity check failed$/,
    );
  });

  it("trusted certificates only, damage nothing else reveals: says both, honestly", () => {
    const e = thrown(() => readJks(flipSignature(trustedOnly), "changeit", { name: "t.jks" }));
    assert.ok(e instanceof BadPasswordError, String(e));
    assert.equal(
      e.message,
      "wrong password for t.jks, or the file is damaged: its integrity check failed, and for a store of trusted certificates only that check cannot tell the two apart",
    );
  });
});
