/**
 * The keystore (src/keystore) at the library level: entries and their rules, keys encrypted at rest in a form
 * OpenSSL reads, the CA round trip (CSR → import-signed, incomplete chains named, keys matched), renewal and
 * rotation, Salesforce's import checks, exports that keytool and openssl read, and the clear errors: wrong
 * passphrase, corrupted database, a database that is not ours.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import {
  checkChain,
  createCsr,
  createSelfSigned,
  exportEntry,
  importKeystore,
  importSigned,
  installOnTarget,
  parseSan,
  renew,
  SALESFORCE_IMPORT_ERRORS,
} from "../src/keystore/operations.js";
import {
  commonNameWarnings,
  lifetimeProblem,
  nameFromAlias,
  publicCaMaxDays,
  uniqueNameProblem,
} from "../src/keystore/rules.js";
import { KDF_ITERATIONS } from "../src/keystore/secret.js";
import { Keystore, KeystoreError, keystoreHome } from "../src/keystore/store.js";
import {
  type BuiltCertificate,
  buildCertificate,
  generateKeyPair,
  type KeyPair,
  parseCsr,
} from "../src/x509/builder.js";
import type { Certificate } from "../src/x509/certificate.js";
import { readJks } from "../src/x509/containers/jks.js";
import { readPkcs12 } from "../src/x509/containers/pkcs12.js";
import { writeJks } from "../src/x509/write/jks.js";
import { writePkcs12 } from "../src/x509/write/pkcs12.js";
import { haveOpenssl, openssl, tempDir } from "./helpers/openssl.js";

const DAY = 86_400_000;
const PASS = "correct horse battery staple";
const hasOpenssl = haveOpenssl();
const hasKeytool = spawnSync("keytool", ["-help"], { encoding: "utf8" }).status === 0;
const tmp = tempDir("chainproof-keystore-");
after(() => tmp.cleanup());

let counter = 0;
function freshStore(): Keystore {
  const ks = Keystore.open({ path: join(tmp.dir, `s${++counter}`, "keystore.db"), write: true });
  ks.unlock(PASS);
  return ks;
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as KeystoreError).code;
  }
  return undefined;
}

async function codeAsync(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
  } catch (e) {
    return (e as KeystoreError).code;
  }
  return undefined;
}

/** A private CA: root → intermediate, signing CSRs. */
interface Ca {
  root: BuiltCertificate;
  rootKey: KeyPair;
  ica: BuiltCertificate;
  icaKey: KeyPair;
  sign(csr: Uint8Array, days?: number, notBefore?: Date): BuiltCertificate;
}

function makeCa(name = "Lab"): Ca {
  const now = Date.now();
  const rootKey = generateKeyPair("ec-p256");
  const root = buildCertificate({
    subject: `CN=${name} Root`,
    publicKey: rootKey,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 3650 * DAY),
    ca: true,
  });
  const icaKey = generateKeyPair("ec-p256");
  const ica = buildCertificate({
    subject: `CN=${name} ICA`,
    issuer: { cert: root.cert, key: rootKey.privateKey },
    publicKey: icaKey,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 1000 * DAY),
    ca: true,
    aia: { caIssuers: `http://${name.toLowerCase()}.example/root.cer` },
  });
  return {
    root,
    rootKey,
    ica,
    icaKey,
    sign(csr, days = 90, notBefore = new Date(now - 60_000)) {
      const p = parseCsr(csr);
      assert.equal(p.signatureValid, true);
      return buildCertificate({
        subject: p.subject,
        issuer: { cert: ica.cert, key: icaKey.privateKey },
        publicKey: p.publicKey.spki,
        notBefore,
        notAfter: new Date(notBefore.getTime() + days * DAY),
        keyUsage: ["digitalSignature", "keyEncipherment"],
        eku: ["clientAuth"],
        san: p.san.map((n) => ({ dns: n.value })),
        aia: { caIssuers: `http://${name.toLowerCase()}.example/ica.cer` },
      });
    },
  };
}

describe("rules", () => {
  it("unique names follow Salesforce's rules", () => {
    assert.equal(uniqueNameProblem("My_Cert_2"), undefined);
    for (const bad of ["", "2cert", "_x", "a__b", "a_", "a-b", "a b", "x".repeat(81)]) {
      assert.ok(uniqueNameProblem(bad), bad);
    }
    assert.equal(nameFromAlias("my-cert.2024"), "my_cert_2024");
    assert.equal(nameFromAlias("1st cert"), "K_1st_cert");
    assert.equal(uniqueNameProblem(nameFromAlias("--")), undefined);
  });

  it("public-CA maximum lifetimes by notBefore (398 / 200 / 100 / 47 days)", () => {
    assert.equal(publicCaMaxDays(new Date("2026-03-14T23:59:59Z")), 398);
    assert.equal(publicCaMaxDays(new Date("2026-03-15T00:00:00Z")), 200);
    assert.equal(publicCaMaxDays(new Date("2027-03-15T00:00:00Z")), 100);
    assert.equal(publicCaMaxDays(new Date("2029-03-15T00:00:00Z")), 47);
    const k = generateKeyPair("ec-p256");
    const cert = (nb: string, days: number) =>
      buildCertificate({
        subject: "x",
        publicKey: k,
        notBefore: new Date(nb),
        notAfter: new Date(new Date(nb).getTime() + days * DAY - 1000),
      }).cert;
    assert.equal(lifetimeProblem(cert("2025-06-01T00:00:00Z", 398)), undefined);
    assert.match(lifetimeProblem(cert("2025-06-01T00:00:00Z", 399)) ?? "", /at most 398 days/);
    assert.equal(lifetimeProblem(cert("2026-04-01T00:00:00Z", 200)), undefined);
    assert.match(lifetimeProblem(cert("2026-04-01T00:00:00Z", 201)) ?? "", /at most 200 days/);
    assert.match(lifetimeProblem(cert("2027-04-01T00:00:00Z", 101)) ?? "", /at most 100 days/);
    assert.match(lifetimeProblem(cert("2030-01-01T00:00:00Z", 48)) ?? "", /at most 47 days/);
  });

  it("warns about a CN in someone else's domain", () => {
    assert.deepEqual(commonNameWarnings("api.mycompany.com"), []);
    assert.deepEqual(commonNameWarnings("Integration_Cert"), []);
    assert.match(commonNameWarnings("co.uk").join(), /public suffix/);
    assert.match(commonNameWarnings("*.com").join(), /top-level domain/);
    assert.match(commonNameWarnings("salesforce.com").join(), /belongs to Salesforce/);
    assert.match(commonNameWarnings("acme.my.salesforce.com").join(), /belongs to Salesforce/);
    assert.match(commonNameWarnings("10.1.2.3").join(), /IP address/);
    assert.match(commonNameWarnings("::1").join(), /IP address/);
  });

  it("SAN syntax", () => {
    assert.deepEqual(parseSan("DNS:A.example"), { dns: "a.example" });
    assert.deepEqual(parseSan("10.0.0.1"), { ip: "10.0.0.1" });
    assert.deepEqual(parseSan("email:a@b.example"), { email: "a@b.example" });
    assert.deepEqual(parseSan("URI:https://x.example/"), { uri: "https://x.example/" });
    assert.throws(() => parseSan("IP:nope"), /not an IP address/);
    assert.throws(() => parseSan("DNS:bad name"), /not a DNS name/);
  });

  it("the data folder: $CHAINPROOF_HOME, XDG, macOS, Windows", () => {
    assert.equal(keystoreHome({ CHAINPROOF_HOME: "/x" }, "linux"), "/x");
    assert.equal(keystoreHome({ XDG_DATA_HOME: "/d" }, "linux"), "/d/chainproof");
    assert.match(keystoreHome({}, "linux"), /\.local\/share\/chainproof$/);
    assert.match(keystoreHome({}, "darwin"), /Library\/Application Support\/chainproof$/);
    assert.match(keystoreHome({ LOCALAPPDATA: "C:\\L" }, "win32"), /chainproof$/);
  });
});

describe("self-signed entries", () => {
  it("Salesforce's defaults: RSA 2048 for 1 year, RSA 4096 for 2 years; SANs include the CN", async () => {
    const ks = freshStore();
    const a = await createSelfSigned(ks, {
      name: "Api_Cert",
      cn: "api.mycompany.example",
      san: [{ ip: "10.0.0.1" }],
    });
    const leaf = a.entry.chain[0];
    assert.equal(a.entry.kind, "self-signed");
    assert.deepEqual(a.entry.key, { type: "RSA", size: 2048, algorithm: "rsa2048" });
    assert.equal(Math.round((leaf.notAfter.getTime() - leaf.notBefore.getTime()) / DAY), 365);
    assert.deepEqual(
      leaf.subjectAltName?.map((n) => n.value),
      ["api.mycompany.example", "10.0.0.1"],
    );
    assert.equal(leaf.selfSigned, true);
    assert.ok(leaf.extKeyUsage?.includes("1.3.6.1.5.5.7.3.2"));
    const b = await createSelfSigned(ks, { name: "Big", cn: "big.mycompany.example", key: "rsa4096" });
    assert.equal(Math.round((b.entry.notAfter!.getTime() - b.entry.notBefore!.getTime()) / DAY), 730);
    const c = await createSelfSigned(ks, { name: "Short", cn: "short", key: "ec-p256", days: 30 });
    assert.equal(c.entry.key.type, "EC");
    assert.match(c.notes.join(), /RSA keys only/);
    // Sorted by expiry: Short (30 days), Api_Cert (1 year), Big (2 years).
    assert.deepEqual(
      ks.list().map((e) => e.name),
      ["Short", "Api_Cert", "Big"],
    );
    assert.deepEqual(ks.verify(), []);
    ks.close();
  });

  it("refuses bad and duplicate names (case-insensitively), bad days", async () => {
    const ks = freshStore();
    await createSelfSigned(ks, { name: "Dup", cn: "x", key: "ec-p256" });
    assert.equal(
      await codeAsync(() => createSelfSigned(ks, { name: "dup", cn: "x", key: "ec-p256" })),
      "entry-exists",
    );
    assert.equal(
      await codeAsync(() => createSelfSigned(ks, { name: "9x", cn: "x", key: "ec-p256" })),
      "bad-name",
    );
    assert.equal(
      await codeAsync(() => createSelfSigned(ks, { name: "D2", cn: "x", key: "ec-p256", days: 0 })),
      "usage",
    );
    assert.equal(ks.list().length, 1);
    ks.close();
  });

  it("renew keeps the key or rotates it, and the store stays whole", async () => {
    const ks = freshStore();
    const first = await createSelfSigned(ks, { name: "R", cn: "r.mycompany.example", key: "ec-p256" });
    const same = await renew(ks, { name: "R", days: 10 });
    assert.equal(same.entry.spkiSha256, first.entry.spkiSha256);
    assert.notEqual(same.entry.chain[0].sha256, first.entry.chain[0].sha256);
    assert.equal(same.entry.generation, 2);
    assert.equal(same.entry.chain[0].subject.toString(), "CN=r.mycompany.example");
    assert.deepEqual(
      same.entry.chain[0].subjectAltName?.map((n) => n.value),
      ["r.mycompany.example"],
    );
    const rotated = await renew(ks, { name: "R", newKey: true });
    assert.notEqual(rotated.entry.spkiSha256, first.entry.spkiSha256);
    assert.equal(rotated.entry.key.algorithm, "ec-p256");
    assert.equal(rotated.entry.generation, 3);
    assert.deepEqual(ks.verify(), []);
    ks.close();
  });
});

describe("keys at rest", () => {
  it("files are 0600 in a 0700 folder; the key is PBES2/PBKDF2-SHA256 600,000/AES-256-CBC that OpenSSL decrypts", async () => {
    const path = join(tmp.dir, "modes", "sub", "keystore.db");
    const ks = Keystore.open({ path, write: true });
    ks.unlock(PASS);
    await createSelfSigned(ks, { name: "M", cn: "m", key: "ec-p256" });
    assert.equal(statSync(join(tmp.dir, "modes", "sub")).mode & 0o777, 0o700);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(`${path}-wal`).mode & 0o777, 0o600);
    const spki = ks.require("M").spkiSha256;
    ks.close();
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    const blob = (db.prepare("SELECT encrypted_key FROM entries").get() as { encrypted_key: Buffer })
      .encrypted_key;
    db.close();
    // No plaintext PKCS#8 in the database file.
    const ks2 = Keystore.open({ path, write: false });
    ks2.unlock(PASS);
    const d = Buffer.from(ks2.privateKey("M").export({ format: "jwk" }).d as string, "base64url");
    ks2.close();
    // The private scalar appears nowhere in the database file.
    assert.equal(d.length, 32);
    assert.equal(readFileSync(path).indexOf(d), -1);
    if (hasOpenssl) {
      const f = join(tmp.dir, "modes", "key.der");
      writeFileSync(f, blob);
      const parse = await openssl(["asn1parse", "-inform", "DER", "-in", f]);
      assert.match(parse.stdout, /PBES2/);
      assert.match(parse.stdout, /hmacWithSHA256/);
      assert.match(parse.stdout, /aes-256-cbc/);
      assert.match(parse.stdout, new RegExp(`INTEGER\\s+:0*${KDF_ITERATIONS.toString(16).toUpperCase()}\\n`));
      const r = await openssl([
        "pkey",
        "-inform",
        "DER",
        "-in",
        f,
        "-passin",
        `pass:${PASS}`,
        "-pubout",
        "-outform",
        "DER",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const { createHash } = await import("node:crypto");
      assert.equal(createHash("sha256").update(r.stdoutBytes).digest("hex"), spki);
      const wrong = await openssl(["pkey", "-inform", "DER", "-in", f, "-passin", "pass:nope", "-noout"]);
      assert.notEqual(wrong.code, 0);
    }
  });

  it("a wrong passphrase is refused before anything is read or written", async () => {
    const path = join(tmp.dir, "wrong", "keystore.db");
    const ks = Keystore.open({ path, write: true });
    ks.unlock(PASS);
    await createSelfSigned(ks, { name: "W", cn: "w", key: "ec-p256" });
    ks.close();
    const again = Keystore.open({ path, write: true });
    let err: unknown;
    try {
      again.unlock("not the passphrase");
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof KeystoreError);
    assert.equal(err.code, "wrong-passphrase");
    assert.match(err.message, /wrong passphrase/);
    assert.ok(!err.message.includes("not the passphrase"));
    assert.equal(
      code(() => again.unlock("")),
      "no-passphrase",
    );
    again.close();
  });

  it("a corrupted database file and a foreign SQLite file give clear errors", async () => {
    const dir = join(tmp.dir, "corrupt");
    const path = join(dir, "keystore.db");
    const ks = Keystore.open({ path, write: true });
    ks.unlock(PASS);
    await createSelfSigned(ks, { name: "C", cn: "c", key: "ec-p256" });
    ks.close();
    // Overwrite the header and the first pages with garbage.
    const bytes = readFileSync(path);
    bytes.fill(0x41, 0, Math.min(bytes.length, 8192));
    writeFileSync(path, bytes);
    for (const write of [true, false]) {
      let err: unknown;
      try {
        Keystore.open({ path, write }).list();
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof KeystoreError, String(err));
      assert.equal(err.code, "keystore-corrupt");
      assert.match(err.message, /corrupted or is not a chainproof keystore/);
    }
    const foreign = join(tmp.dir, "foreign.db");
    const db = new Database(foreign);
    db.exec("CREATE TABLE t (x)");
    db.close();
    assert.equal(
      code(() => Keystore.open({ path: foreign, write: true })),
      "keystore-corrupt",
    );
  });

  it("a missing keystore opened to read is empty; one we cannot create is a clear error", () => {
    const ks = Keystore.open({ path: join(tmp.dir, "absent", "keystore.db"), write: false });
    assert.deepEqual(ks.list(), []);
    assert.equal(ks.get("x"), undefined);
    ks.close();
    const file = join(tmp.dir, "a-file");
    writeFileSync(file, "x");
    assert.equal(
      code(() => Keystore.open({ path: join(file, "sub", "keystore.db"), write: true })),
      "keystore-readonly",
    );
  });
});

describe("CA-signed entries", () => {
  const ca = makeCa();

  it("csr → import-signed: the chain is stored leaf first, the private root named", async () => {
    const ks = freshStore();
    const r = await createCsr(ks, {
      name: "Svc",
      cn: "svc.mycompany.example",
      san: [{ dns: "alt.mycompany.example" }],
    });
    assert.equal(r.entry.kind, "csr-pending");
    assert.deepEqual(r.entry.chain, []);
    const p = parseCsr(r.csr);
    assert.deepEqual(
      p.san.map((n) => n.value),
      ["svc.mycompany.example", "alt.mycompany.example"],
    );
    // Asking again gives the same request.
    const again = await createCsr(ks, { name: "Svc", cn: "svc.mycompany.example" });
    assert.deepEqual(again.csr, r.csr);
    const leaf = ca.sign(r.csr);
    const done = importSigned(ks, "Svc", [leaf.cert, ca.ica.cert, ca.root.cert]);
    assert.equal(done.entry.kind, "ca-signed");
    assert.deepEqual(
      done.entry.chain.map((c) => c.label),
      ["svc.mycompany.example", "Lab ICA", "Lab Root"],
    );
    assert.equal(done.report.complete, true);
    assert.equal(done.report.publicRoot, false);
    assert.match(done.notes.join(), /private root "Lab Root"/);
    assert.deepEqual(ks.verify(), []);
    ks.close();
  });

  it("an incomplete chain is refused, naming the missing issuer and where to get it", async () => {
    const ks = freshStore();
    const r = await createCsr(ks, { name: "Inc", cn: "inc.mycompany.example" });
    const leaf = ca.sign(r.csr);
    let err: unknown;
    try {
      importSigned(ks, "Inc", [leaf.cert]);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof KeystoreError);
    assert.equal(err.code, "chain-check");
    assert.match(err.message, /the issuer of "inc.mycompany.example", CN=Lab ICA, is not in the file/);
    assert.match(err.message, /http:\/\/lab.example\/ica.cer/);
    try {
      importSigned(ks, "Inc", [leaf.cert, ca.ica.cert]);
    } catch (e) {
      err = e;
    }
    assert.match((err as Error).message, /the issuer of "Lab ICA", CN=Lab Root/);
    assert.equal(ks.require("Inc").kind, "csr-pending");
    const forced = importSigned(ks, "Inc", [leaf.cert, ca.ica.cert], { force: true });
    assert.equal(forced.entry.kind, "ca-signed");
    assert.match(forced.warnings.join(), /incomplete/);
    ks.close();
  });

  it("refuses a certificate for another key, and import-signed on a self-signed entry", async () => {
    const ks = freshStore();
    await createCsr(ks, { name: "K1", cn: "k1.mycompany.example" });
    const other = await createCsr(ks, { name: "K2", cn: "k2.mycompany.example" });
    const wrong = ca.sign(other.csr);
    assert.equal(
      code(() => importSigned(ks, "K1", [wrong.cert, ca.ica.cert, ca.root.cert])),
      "key-mismatch",
    );
    await createSelfSigned(ks, { name: "Self", cn: "self", key: "ec-p256" });
    assert.equal(
      code(() => importSigned(ks, "Self", [wrong.cert])),
      "wrong-kind",
    );
    assert.equal(
      code(() => importSigned(ks, "Nope", [wrong.cert])),
      "no-such-entry",
    );
    ks.close();
  });

  it("a private CA's long lifetime is a note, not a refusal", async () => {
    const ks = freshStore();
    const r = await createCsr(ks, { name: "Long", cn: "long.mycompany.example" });
    const leaf = ca.sign(r.csr, 500);
    const done = importSigned(ks, "Long", [leaf.cert, ca.ica.cert, ca.root.cert]);
    assert.match(done.notes.join(), /public-CA maximum \(\d+ days\) does not bind a private CA/);
    ks.close();
  });

  it("checkChain: a chain to a public root is complete without the root in the file", () => {
    // A Mozilla root's name as the issuer, with no certificate of it: complete (the client has the root).
    const k = generateKeyPair("ec-p256");
    const fake = buildCertificate({
      subject: "x.example",
      issuer: { name: "CN=ISRG Root X1,O=Internet Security Research Group,C=US", key: k.privateKey },
      publicKey: k,
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + DAY),
    });
    const r = checkChain(fake.cert, [fake.cert], new Date());
    assert.equal(r.complete, true);
    assert.equal(r.missingIssuer, undefined);
    assert.ok(r.problems.length > 0, "its signature does not verify under the real root");
  });

  it("renewal of a CA-signed entry: the old certificate stays until the answer, then key and chain swap at once", async () => {
    const ks = freshStore();
    const r = await createCsr(ks, { name: "Rot", cn: "rot.mycompany.example" });
    importSigned(ks, "Rot", [ca.sign(r.csr).cert, ca.ica.cert, ca.root.cert]);
    const before = ks.require("Rot");
    const req = await renew(ks, { name: "Rot", newKey: true });
    assert.ok(req.csr);
    const pending = ks.require("Rot");
    assert.equal(pending.kind, "ca-signed");
    assert.deepEqual(pending.pending?.newKey, true);
    assert.equal(pending.chain[0].sha256, before.chain[0].sha256);
    assert.equal(pending.spkiSha256, before.spkiSha256);
    const answer = ca.sign(req.csr!);
    const done = importSigned(ks, "Rot", [answer.cert, ca.ica.cert, ca.root.cert]);
    assert.notEqual(done.entry.spkiSha256, before.spkiSha256);
    assert.equal(done.entry.spkiSha256, answer.cert.spkiSha256);
    assert.equal(done.entry.pending, undefined);
    assert.equal(done.entry.generation, 2);
    assert.deepEqual(ks.verify(), []);
    // Same-key renewal of a CA-signed entry.
    const same = await renew(ks, { name: "Rot" });
    assert.equal(parseCsr(same.csr!).spkiSha256, done.entry.spkiSha256);
    ks.close();
  });
});

describe("import (JKS and PKCS#12) with Salesforce's checks", () => {
  const now = Date.now();
  const rsa = generateKeyPair("rsa2048");
  const self = buildCertificate({
    subject: "CN=imp.mycompany.example",
    publicKey: rsa,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 300 * DAY),
  });
  const pkcs8 = (k: KeyPair) => new Uint8Array(k.privateKey.export({ format: "der", type: "pkcs8" }));

  it("imports every key entry of a JKS atomically, aliases made valid names", () => {
    const ks = freshStore();
    const ec = generateKeyPair("rsa3072");
    const other = buildCertificate({
      subject: "CN=other",
      publicKey: ec,
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 10 * DAY),
    });
    const jks = writeJks(
      [
        { kind: "key", alias: "first-cert", pkcs8: pkcs8(rsa), chain: [self.der] },
        { kind: "key", alias: "second", pkcs8: pkcs8(ec), chain: [other.der] },
        { kind: "trusted", alias: "some-root", certificate: other.der },
      ],
      "storepass",
    );
    const out = importKeystore(ks, { bytes: jks, source: "in.jks", password: "storepass" });
    assert.deepEqual(
      out.map((o) => [o.entry.name, o.entry.kind, o.entry.key.size]),
      [
        ["first_cert", "self-signed", 2048],
        ["second", "self-signed", 3072],
      ],
    );
    assert.match(out[0].notes.join(), /stored as "first_cert"/);
    assert.equal(ks.privateKey("first_cert").asymmetricKeyType, "rsa");
    // Importing again: every name is taken, nothing changes.
    assert.equal(
      code(() => importKeystore(ks, { bytes: jks, source: "in.jks", password: "storepass" })),
      "entry-exists",
    );
    assert.equal(ks.list().length, 2);
    ks.close();
  });

  it("imports a PKCS#12 under --name", () => {
    const ks = freshStore();
    const p12 = writePkcs12({ keys: [{ pkcs8: pkcs8(rsa), chain: [self.der], friendlyName: "x" }] }, "pw");
    const out = importKeystore(ks, { bytes: p12, source: "in.p12", password: "pw", name: "From_P12" });
    assert.equal(out[0].entry.name, "From_P12");
    ks.close();
  });

  const refusals: [string, () => Uint8Array, string][] = [
    [
      "no PrivateKey entry",
      () => writeJks([{ kind: "trusted", alias: "root", certificate: self.der }], "storepass"),
      SALESFORCE_IMPORT_ERRORS.noPrivateKey,
    ],
    [
      "an EC key",
      () => {
        const ec = generateKeyPair("ec-p256");
        const c = buildCertificate({
          subject: "ec",
          publicKey: ec,
          notBefore: new Date(now),
          notAfter: new Date(now + DAY),
        });
        return writeJks([{ kind: "key", alias: "ec", pkcs8: pkcs8(ec), chain: [c.der] }], "storepass");
      },
      SALESFORCE_IMPORT_ERRORS.notRsa,
    ],
    [
      "a key that is not PKCS#8",
      () => {
        const traditional = new Uint8Array(rsa.privateKey.export({ format: "der", type: "pkcs1" }));
        return writeJks(
          [{ kind: "key", alias: "pkcs1", pkcs8: traditional, chain: [self.der] }],
          "storepass",
        );
      },
      SALESFORCE_IMPORT_ERRORS.notPkcs8,
    ],
    [
      "a 1024-bit key",
      () => {
        const weak = generateKeyPair("rsa1024");
        const c = buildCertificate({
          subject: "w",
          publicKey: weak,
          notBefore: new Date(now),
          notAfter: new Date(now + DAY),
        });
        return writeJks([{ kind: "key", alias: "weak", pkcs8: pkcs8(weak), chain: [c.der] }], "storepass");
      },
      SALESFORCE_IMPORT_ERRORS.keySize,
    ],
    [
      "a key that does not match its chain",
      () => {
        const other = generateKeyPair("rsa2048");
        return writeJks(
          [{ kind: "key", alias: "mismatch", pkcs8: pkcs8(other), chain: [self.der] }],
          "storepass",
        );
      },
      SALESFORCE_IMPORT_ERRORS.mismatch,
    ],
  ];
  for (const [what, make, message] of refusals) {
    it(`refuses ${what} with Salesforce's message`, () => {
      const ks = freshStore();
      let err: unknown;
      try {
        importKeystore(ks, { bytes: make(), source: "x.jks", password: "storepass" });
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof KeystoreError, String(err));
      assert.equal(err.code, "salesforce-import");
      assert.ok(err.message.includes(message), err.message);
      assert.equal(ks.list().length, 0);
      ks.close();
    });
  }

  it("a per-key password that differs from the store password: Salesforce's message", {
    skip: !hasKeytool && "no keytool",
  }, () => {
    const f = join(tmp.dir, "perkey.jks");
    const r = spawnSync(
      "keytool",
      [
        "-genkeypair",
        "-keystore",
        f,
        "-storetype",
        "JKS",
        "-storepass",
        "storepass",
        "-keypass",
        "keypass1",
        "-alias",
        "perkey",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=perkey",
        "-validity",
        "30",
      ],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    const ks = freshStore();
    assert.throws(
      () => importKeystore(ks, { bytes: readFileSync(f), source: "perkey.jks", password: "storepass" }),
      (e: Error) => e.message.includes(SALESFORCE_IMPORT_ERRORS.perKeyPassword("perkey")),
    );
    assert.throws(
      () => importKeystore(ks, { bytes: readFileSync(f), source: "perkey.jks", password: "wrongpass" }),
      /wrong password/,
    );
    ks.close();
  });
});

describe("export and install-on-target", () => {
  let ks: Keystore;
  let ca: Ca;
  before(async () => {
    ks = freshStore();
    ca = makeCa("Exp");
    await createSelfSigned(ks, { name: "Self_Rsa", cn: "self.mycompany.example" });
    const r = await createCsr(ks, { name: "Ca_Rsa", cn: "ca.mycompany.example" });
    importSigned(ks, "Ca_Rsa", [ca.sign(r.csr).cert, ca.ica.cert, ca.root.cert]);
    await createSelfSigned(ks, { name: "Locked", cn: "locked", key: "ec-p256", exportable: false });
  });
  after(() => ks.close());

  const spkiOfPkcs8 = async (der: Uint8Array) => {
    const { createPrivateKey, createPublicKey, createHash } = await import("node:crypto");
    const pub = createPublicKey(createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" }));
    return createHash("sha256")
      .update(pub.export({ format: "der", type: "spki" }))
      .digest("hex");
  };

  it("JKS and PKCS#12 with the key read back with our readers", async () => {
    const e = ks.require("Ca_Rsa");
    const jks = exportEntry(ks, { name: "Ca_Rsa", format: "jks", withKey: true, password: "changeit" });
    const j = readJks(jks.bytes, "changeit");
    assert.equal(j.entries.length, 1);
    const k = j.entries[0];
    assert.equal(k.kind, "key");
    if (k.kind === "key") {
      assert.equal(k.alias, "ca_rsa");
      assert.equal(k.chain.length, 3);
      assert.equal(await spkiOfPkcs8(k.pkcs8), e.spkiSha256);
    }
    const p12 = exportEntry(ks, { name: "Ca_Rsa", format: "p12", withKey: true, password: "pw123456" });
    const p = readPkcs12(p12.bytes, "pw123456");
    assert.equal(p.keys.length, 1);
    assert.equal(p.certificates.length, 3);
    assert.equal(await spkiOfPkcs8(p.keys[0].pkcs8), e.spkiSha256);
    // Without the key: a truststore.
    const trustOnly = readJks(
      exportEntry(ks, { name: "Ca_Rsa", format: "jks", password: "changeit" }).bytes,
      "changeit",
    );
    assert.deepEqual(
      trustOnly.entries.map((x) => x.kind),
      ["trusted", "trusted", "trusted"],
    );
  });

  it("PEM: the chain, and the key encrypted (or plain when asked)", async () => {
    const pem = Buffer.from(
      exportEntry(ks, { name: "Ca_Rsa", format: "pem", withKey: true, password: "pw123456" }).bytes,
    ).toString();
    assert.equal(pem.match(/BEGIN CERTIFICATE/g)?.length, 3);
    assert.match(pem, /BEGIN ENCRYPTED PRIVATE KEY/);
    const plain = Buffer.from(
      exportEntry(ks, { name: "Ca_Rsa", format: "pem", withKey: true, unencryptedKey: true }).bytes,
    ).toString();
    assert.match(plain, /BEGIN PRIVATE KEY/);
    const { createPrivateKey } = await import("node:crypto");
    const key = createPrivateKey({ key: pem, passphrase: "pw123456" });
    assert.equal(key.asymmetricKeyType, "rsa");
    assert.equal(
      code(() => exportEntry(ks, { name: "Ca_Rsa", format: "jks", withKey: true })),
      "no-password",
    );
    assert.equal(
      code(() => exportEntry(ks, { name: "Locked", format: "pem", withKey: true, unencryptedKey: true })),
      "not-exportable",
    );
    // The certificate of a non-exportable entry can be exported.
    assert.match(
      Buffer.from(exportEntry(ks, { name: "Locked", format: "pem" }).bytes).toString(),
      /BEGIN CERTIFICATE/,
    );
  });

  it("install-on-target: the certificate itself for self-signed, the issuing CAs for CA-signed", () => {
    const self = installOnTarget(ks, { name: "Self_Rsa", format: "pem", file: "client-ca.pem" });
    assert.deepEqual(
      self.trust.map((c) => c.label),
      ["self.mycompany.example"],
    );
    const text = self.snippets.map((s) => s.text).join("\n");
    for (const s of [
      "ssl_client_certificate client-ca.pem",
      "ssl_verify_client on",
      "SSLCACertificateFile client-ca.pem",
      "SSLVerifyClient require",
      "ca-file client-ca.pem verify required",
      "keytool -importcert",
    ]) {
      assert.ok(text.includes(s), s);
    }
    const casigned = installOnTarget(ks, { name: "Ca_Rsa", format: "jks", file: "trust.jks" });
    assert.deepEqual(
      casigned.trust.map((c: Certificate) => c.label),
      ["Exp ICA", "Exp Root"],
    );
    const j = readJks(casigned.bytes, "changeit");
    assert.deepEqual(
      j.entries.map((x) => x.kind),
      ["trusted", "trusted"],
    );
  });

  describe("verified by keytool and openssl", {
    skip: (!hasKeytool || !hasOpenssl) && "needs keytool and openssl",
  }, () => {
    it("keytool -list -v reads the JKS and the PKCS#12 (PrivateKeyEntry, chain length 3)", () => {
      for (const [format, type] of [
        ["jks", "JKS"],
        ["p12", "PKCS12"],
      ] as const) {
        const f = join(tmp.dir, `exp.${format}`);
        writeFileSync(
          f,
          exportEntry(ks, { name: "Ca_Rsa", format, withKey: true, password: "changeit" }).bytes,
        );
        const r = spawnSync("keytool", ["-list", "-v", "-keystore", f, "-storepass", "changeit"], {
          encoding: "utf8",
        });
        assert.equal(r.status, 0, r.stderr + r.stdout);
        assert.match(r.stdout, new RegExp(`Keystore type: ${type}`));
        assert.match(r.stdout, /Alias name: ca_rsa/i);
        assert.match(r.stdout, /Entry type: PrivateKeyEntry/);
        assert.match(r.stdout, /Certificate chain length: 3/);
        const bad = spawnSync("keytool", ["-list", "-keystore", f, "-storepass", "wrongpass"], {
          encoding: "utf8",
        });
        assert.notEqual(bad.status, 0);
      }
      const t = join(tmp.dir, "trust.p12");
      writeFileSync(t, installOnTarget(ks, { name: "Ca_Rsa", format: "p12", file: t }).bytes);
      const r = spawnSync("keytool", ["-list", "-keystore", t, "-storepass", "changeit"], {
        encoding: "utf8",
      });
      assert.equal((r.stdout.match(/trustedCertEntry/g) ?? []).length, 2, r.stdout);
    });

    it("openssl pkcs12 -info: PBES2 AES-256-CBC, PBKDF2 SHA-256, HMAC-SHA256 MAC; the key matches", async () => {
      const f = join(tmp.dir, "exp2.p12");
      writeFileSync(
        f,
        exportEntry(ks, { name: "Ca_Rsa", format: "p12", withKey: true, password: "pw123456" }).bytes,
      );
      const info = await openssl(["pkcs12", "-info", "-noout", "-in", f, "-passin", "pass:pw123456"]);
      assert.equal(info.code, 0, info.stderr);
      const text = info.stdout + info.stderr;
      assert.match(text, /MAC: sha256/);
      assert.match(text, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/);
      assert.match(text, /PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC/);
      const key = await openssl(["pkcs12", "-in", f, "-passin", "pass:pw123456", "-nocerts", "-nodes"]);
      const pub = await openssl(["pkey", "-pubout", "-outform", "DER"], key.stdout);
      const { createHash } = await import("node:crypto");
      assert.equal(
        createHash("sha256").update(pub.stdoutBytes).digest("hex"),
        ks.require("Ca_Rsa").spkiSha256,
      );
    });

    it("round trips PEM → PKCS#12 (openssl) → JKS (keytool) → import → export JKS → PKCS#12 (keytool) → PEM (openssl)", async () => {
      const d = join(tmp.dir, "rt");
      spawnSync("mkdir", ["-p", d]);
      // 1. PEM chain + key from us.
      writeFileSync(join(d, "chain.pem"), exportEntry(ks, { name: "Ca_Rsa", format: "pem" }).bytes);
      writeFileSync(
        join(d, "key.pem"),
        exportEntry(ks, { name: "Ca_Rsa", format: "pem", withKey: true, unencryptedKey: true }).bytes,
      );
      // 2. openssl makes a PKCS#12 of them.
      const p12 = await openssl([
        "pkcs12",
        "-export",
        "-in",
        join(d, "chain.pem"),
        "-inkey",
        join(d, "key.pem"),
        "-name",
        "roundtrip",
        "-passout",
        "pass:changeit",
        "-out",
        join(d, "a.p12"),
      ]);
      assert.equal(p12.code, 0, p12.stderr);
      // 3. keytool converts it to JKS.
      const conv = spawnSync(
        "keytool",
        [
          "-importkeystore",
          "-noprompt",
          "-srckeystore",
          join(d, "a.p12"),
          "-srcstoretype",
          "PKCS12",
          "-srcstorepass",
          "changeit",
          "-destkeystore",
          join(d, "b.jks"),
          "-deststoretype",
          "JKS",
          "-deststorepass",
          "changeit",
        ],
        { encoding: "utf8" },
      );
      assert.equal(conv.status, 0, conv.stderr + conv.stdout);
      // 4. We import keytool's JKS.
      const ks2 = freshStore();
      const imported = importKeystore(ks2, {
        bytes: readFileSync(join(d, "b.jks")),
        source: "b.jks",
        password: "changeit",
      });
      assert.equal(imported[0].entry.name, "roundtrip");
      assert.equal(imported[0].entry.spkiSha256, ks.require("Ca_Rsa").spkiSha256);
      assert.equal(imported[0].entry.chain.length, 3);
      // 5. We export JKS; keytool converts it to PKCS#12; openssl reads the key out.
      writeFileSync(
        join(d, "c.jks"),
        exportEntry(ks2, { name: "roundtrip", format: "jks", withKey: true, password: "changeit" }).bytes,
      );
      const back = spawnSync(
        "keytool",
        [
          "-importkeystore",
          "-noprompt",
          "-srckeystore",
          join(d, "c.jks"),
          "-srcstoretype",
          "JKS",
          "-srcstorepass",
          "changeit",
          "-destkeystore",
          join(d, "d.p12"),
          "-deststoretype",
          "PKCS12",
          "-deststorepass",
          "changeit",
        ],
        { encoding: "utf8" },
      );
      assert.equal(back.status, 0, back.stderr + back.stdout);
      const key = await openssl([
        "pkcs12",
        "-in",
        join(d, "d.p12"),
        "-passin",
        "pass:changeit",
        "-nocerts",
        "-nodes",
      ]);
      assert.equal(key.code, 0, key.stderr);
      const pub = await openssl(["pkey", "-pubout", "-outform", "DER"], key.stdout);
      const { createHash } = await import("node:crypto");
      assert.equal(
        createHash("sha256").update(pub.stdoutBytes).digest("hex"),
        ks.require("Ca_Rsa").spkiSha256,
      );
      ks2.close();
    });
  });
});

describe("file modes under a lax umask", () => {
  it("the database is 0600 even when the folder already existed", async () => {
    const dir = join(tmp.dir, "lax");
    spawnSync("mkdir", ["-p", dir]);
    chmodSync(dir, 0o755);
    const old = process.umask(0o000);
    try {
      const ks = Keystore.open({ path: join(dir, "keystore.db"), write: true });
      ks.unlock(PASS);
      await createSelfSigned(ks, { name: "U", cn: "u", key: "ec-p256" });
      ks.close();
    } finally {
      process.umask(old);
    }
    assert.equal(statSync(join(dir, "keystore.db")).mode & 0o777, 0o600);
  });
});
