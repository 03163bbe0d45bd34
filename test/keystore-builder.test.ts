/**
 * The product certificate builder (src/x509/builder.ts): every key type, every extension it writes read back
 * by our parser and by OpenSSL, chains the verifier trusts, the lab's deliberately weak certificates, and
 * PKCS#10 requests that OpenSSL verifies.
 */

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { verifyChain } from "../src/verify/index.js";
import {
  buildCertificate,
  buildCsr,
  encodeName,
  generateKeyPair,
  KEY_ALGORITHMS,
  keyIdentifier,
  parseCsr,
} from "../src/x509/builder.js";
import { toHex } from "../src/x509/der.js";
import { InputError } from "../src/x509/errors.js";
import { parseDnText } from "../src/x509/write/der-writer.js";
import { haveOpenssl, openssl, tempDir } from "./helpers/openssl.js";

const DAY = 86_400_000;
const now = Date.now();
const NB = new Date(now - DAY);
const NA = new Date(now + 365 * DAY);
const hasOpenssl = haveOpenssl();
const tmp = tempDir("chainproof-builder-");
after(() => tmp.cleanup());

describe("keys and self-signed certificates", () => {
  for (const alg of KEY_ALGORITHMS) {
    it(`${alg}: a self-signed certificate that verifies with its own key`, async () => {
      const key = generateKeyPair(alg);
      const b = buildCertificate({
        subject: `CN=${alg}.example,O=Lab`,
        publicKey: key,
        notBefore: NB,
        notAfter: NA,
      });
      assert.equal(b.cert.selfSigned, true);
      assert.equal(b.cert.commonNames[0], `${alg}.example`);
      const expectBits: Record<string, number> = {
        rsa1024: 1024,
        rsa2048: 2048,
        rsa3072: 3072,
        rsa4096: 4096,
        "ec-p256": 256,
        "ec-p384": 384,
        ed25519: 256,
      };
      assert.equal(b.cert.publicKey.bits, expectBits[alg]);
      assert.equal(b.cert.version, 3);
      if (hasOpenssl) {
        const f = join(tmp.dir, `${alg}.pem`);
        writeFileSync(f, b.pem);
        const r = await openssl(["verify", "-CAfile", f, "-check_ss_sig", "-auth_level", "0", f]);
        // A non-CA self-signed certificate: OpenSSL accepts it as its own trust anchor.
        assert.equal(r.code, 0, r.stderr + r.stdout);
      }
    });
  }
});

describe("extensions", () => {
  const caKey = generateKeyPair("ec-p256");
  const root = buildCertificate({
    subject: [
      ["C", "US"],
      ["O", "Lab"],
      ["CN", "Lab Root"],
    ],
    publicKey: caKey,
    notBefore: NB,
    notAfter: NA,
    ca: true,
    pathLen: 1,
    nameConstraints: {
      permitted: [{ dns: "lab.example" }, { ip: "10.0.0.0", prefix: 8 }, { ip: "::", prefix: 0 }],
      excluded: [{ email: "x@lab.example" }],
    },
    policies: [{ oid: "2.23.140.1.2.1", cps: "https://lab.example/cps" }],
  });
  const leafKey = generateKeyPair("rsa2048");
  const logId = new Uint8Array(32).fill(7);
  const leaf = buildCertificate({
    subject: "api.lab.example",
    issuer: { cert: root.cert, key: caKey.privateKey },
    publicKey: leafKey.publicKey,
    notBefore: NB,
    notAfter: NA,
    serial: 0x1234n,
    keyUsage: ["digitalSignature", "keyEncipherment"],
    eku: ["serverAuth", "clientAuth"],
    san: [
      { dns: "api.lab.example" },
      { ip: "10.1.2.3" },
      { ip: "::1" },
      { email: "ops@lab.example" },
      { uri: "https://lab.example/" },
    ],
    aia: { ocsp: "http://ocsp.lab.example", caIssuers: "http://lab.example/root.cer" },
    crlDp: "http://lab.example/root.crl",
    policies: ["2.23.140.1.2.1"],
    sctList: [{ logId, timestamp: new Date("2025-01-02T03:04:05.678Z") }],
    mustStaple: true,
    extensions: [{ oid: "1.3.6.1.4.1.99999.1", value: Uint8Array.of(0x05, 0x00) }],
  });

  it("writes what the parser reads back", () => {
    assert.equal(root.cert.isCA, true);
    assert.equal(root.cert.basicConstraints?.pathLen, 1);
    assert.deepEqual(
      root.cert.nameConstraints?.permitted?.map((s) => s.base.value),
      ["lab.example", "10.0.0.0/8", "::/0"],
    );
    assert.equal(root.cert.subject.toString(), "CN=Lab Root,O=Lab,C=US");
    const c = leaf.cert;
    assert.equal(c.serialNumber, "1234");
    assert.equal(c.issuer.toString(), root.cert.subject.toString());
    assert.deepEqual(
      c.subjectAltName?.map((n) => `${n.type}:${n.value}`),
      ["dns:api.lab.example", "ip:10.1.2.3", "ip:::1", "email:ops@lab.example", "uri:https://lab.example/"],
    );
    assert.deepEqual(c.extKeyUsage, ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    assert.equal(c.keyUsage?.has("digitalSignature"), true);
    assert.equal(c.keyUsage?.has("keyEncipherment"), true);
    assert.equal(c.authorityKeyIdentifier?.keyId, root.cert.subjectKeyIdentifier);
    assert.equal(c.subjectKeyIdentifier, toHex(keyIdentifier(leafKey.spki)));
    assert.deepEqual(
      c.authorityInfoAccess?.map((a) => a.location.value),
      ["http://ocsp.lab.example", "http://lab.example/root.cer"],
    );
    assert.equal(c.scts?.[0].logId, toHex(logId));
    assert.equal(c.scts?.[0].timestamp.toISOString(), "2025-01-02T03:04:05.678Z");
    assert.deepEqual(c.tlsFeature, [5]);
    assert.deepEqual(c.extensionErrors, []);
    assert.ok(c.hasExtension("1.3.6.1.4.1.99999.1"));
  });

  it("makes a chain the verifier trusts", () => {
    const r = verifyChain({
      leaf: leaf.cert,
      presented: [leaf.cert],
      anchors: [{ cert: root.cert }],
      policy: {
        time: new Date(),
        purpose: "server",
        peerName: { kind: "dns", value: "api.lab.example" },
        profile: "rfc5280",
        allowNonSelfSignedAnchors: false,
      },
    });
    assert.equal(r.trusted, true, JSON.stringify(r.findings));
  });

  it("OpenSSL reads the same extensions and verifies the chain", {
    skip: !hasOpenssl && "no openssl",
  }, async () => {
    const rootF = join(tmp.dir, "root.pem");
    const leafF = join(tmp.dir, "leaf.pem");
    writeFileSync(rootF, root.pem);
    writeFileSync(leafF, leaf.pem);
    const v = await openssl(["verify", "-CAfile", rootF, leafF]);
    assert.equal(v.code, 0, v.stderr + v.stdout);
    const t = await openssl(["x509", "-in", leafF, "-noout", "-text"]);
    assert.equal(t.code, 0, t.stderr);
    for (const s of [
      "DNS:api.lab.example",
      "IP Address:10.1.2.3",
      "email:ops@lab.example",
      "URI:https://lab.example/",
      "OCSP - URI:http://ocsp.lab.example",
      "CA Issuers - URI:http://lab.example/root.cer",
      "URI:http://lab.example/root.crl",
      "Policy: 2.23.140.1.2.1",
      "TLS Web Server Authentication, TLS Web Client Authentication",
      "status_request",
      "CT Precertificate SCTs",
    ]) {
      assert.ok(t.stdout.includes(s), `openssl -text lacks ${s}\n${t.stdout}`);
    }
    const rt = await openssl(["x509", "-in", rootF, "-noout", "-text"]);
    assert.match(rt.stdout, /CA:TRUE, pathlen:1/);
    assert.match(rt.stdout, /Permitted:\s+DNS:lab.example\s+IP:10.0.0.0\/255.0.0.0/);
    assert.match(rt.stdout, /CPS: https:\/\/lab.example\/cps/);
  });

  it("writes the lab's weak certificates: SHA-1 and 1024-bit RSA, a wrong signature, a mismatched inner algorithm", () => {
    const weak = generateKeyPair("rsa1024");
    const sha1 = buildCertificate({
      subject: "sha1.lab.example",
      publicKey: weak,
      notBefore: NB,
      notAfter: NA,
      signatureAlgorithm: "sha1WithRSAEncryption",
    });
    assert.equal(sha1.cert.signatureAlgorithm.name, "sha1WithRSAEncryption");
    assert.equal(sha1.cert.publicKey.bits, 1024);
    assert.equal(sha1.cert.selfSigned, true);
    const other = generateKeyPair("ec-p256");
    const bad = buildCertificate({
      subject: "bad.lab.example",
      issuer: { cert: root.cert, key: caKey.privateKey },
      publicKey: other,
      notBefore: NB,
      notAfter: NA,
      signWith: other.privateKey,
    });
    assert.equal(bad.cert.issuer.toString(), root.cert.subject.toString());
    const mismatch = buildCertificate({
      subject: "mismatch.lab.example",
      publicKey: other,
      notBefore: NB,
      notAfter: NA,
      tbsSignatureAlgorithm: "ecdsa-with-SHA384",
    });
    assert.notEqual(mismatch.cert.tbsSignatureAlgorithm.name, mismatch.cert.signatureAlgorithm.name);
    const pss = buildCertificate({
      subject: "pss.lab.example",
      publicKey: leafKey,
      notBefore: NB,
      notAfter: NA,
      signatureAlgorithm: "rsassaPss-sha256",
    });
    assert.equal(pss.cert.selfSigned, true);
    const v1 = buildCertificate({
      subject: "v1",
      publicKey: other,
      notBefore: NB,
      notAfter: NA,
      version: 1,
      ca: true,
    });
    assert.equal(v1.cert.version, 1);
    assert.equal(v1.cert.extensions.length, 0);
  });

  it("dates after 2049 are GeneralizedTime, serials are random and positive", () => {
    const k = generateKeyPair("ec-p256");
    const a = buildCertificate({
      subject: "a",
      publicKey: k,
      notBefore: NB,
      notAfter: new Date("2051-01-01T00:00:00Z"),
    });
    const b = buildCertificate({ subject: "a", publicKey: k, notBefore: NB, notAfter: NA });
    assert.equal(a.cert.notAfter.toISOString(), "2051-01-01T00:00:00.000Z");
    assert.deepEqual(a.cert.profileWarnings, []);
    assert.notEqual(a.cert.serialNumber, b.cert.serialNumber);
    assert.equal(a.cert.serialBytes.length, 16);
    assert.ok(a.cert.serialBytes[0] < 0x80);
  });
});

describe("names", () => {
  it("reads RFC 4514 text, least significant first, with escapes and multi-valued RDNs", () => {
    assert.deepEqual(parseDnText("CN=a\\,b,O=Org+OU=Unit,C=US"), [
      [["C", "US"]],
      [
        ["O", "Org"],
        ["OU", "Unit"],
      ],
      [["CN", "a,b"]],
    ]);
    const k = generateKeyPair("ec-p256");
    const c = buildCertificate({
      subject: "CN=caf\\C3\\A9,O=Lab",
      publicKey: k,
      notBefore: NB,
      notAfter: NA,
    });
    assert.equal(c.cert.subject.toString(), "CN=café,O=Lab");
    assert.equal(encodeName("").length, 2);
    assert.equal(
      buildCertificate({ subject: "just a cn", publicKey: k, notBefore: NB, notAfter: NA }).cert.label,
      "just a cn",
    );
  });
});

describe("PKCS#10 requests", () => {
  for (const alg of ["rsa2048", "ec-p384", "ed25519"] as const) {
    it(`${alg}: build, parse, check the signature; OpenSSL agrees`, async () => {
      const key = generateKeyPair(alg);
      const csr = buildCsr({
        subject: "CN=svc.lab.example,O=Lab",
        san: [{ dns: "svc.lab.example" }, { ip: "192.0.2.1" }],
        key,
        eku: ["clientAuth"],
      });
      const p = parseCsr(csr.der);
      assert.equal(p.signatureValid, true);
      assert.equal(p.subject.toString(), "CN=svc.lab.example,O=Lab");
      assert.deepEqual(
        p.san.map((n) => n.value),
        ["svc.lab.example", "192.0.2.1"],
      );
      assert.equal(Buffer.from(p.publicKey.spki).equals(Buffer.from(key.spki)), true);
      assert.equal(p.extensions.length, 2);
      if (hasOpenssl) {
        const f = join(tmp.dir, `${alg}.csr`);
        writeFileSync(f, csr.pem);
        const r = await openssl(["req", "-in", f, "-noout", "-verify", "-text"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr + r.stdout, /verify OK|Certificate request self-signature verify OK/i);
        assert.match(r.stdout, /DNS:svc.lab.example, IP Address:192.0.2.1/);
      }
    });
  }

  it("a tampered request fails the signature check; garbage is an InputError", () => {
    const key = generateKeyPair("ec-p256");
    const csr = buildCsr({ subject: "x", key });
    const bad = Uint8Array.from(csr.der);
    bad[bad.length - 5] ^= 0x01;
    assert.equal(parseCsr(bad).signatureValid, false);
    assert.throws(() => parseCsr(Uint8Array.of(1, 2, 3)), InputError);
  });

  it("reads an OpenSSL-made request", { skip: !hasOpenssl && "no openssl" }, async () => {
    const keyF = join(tmp.dir, "o.key");
    const r = await openssl([
      "req",
      "-new",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      keyF,
      "-subj",
      "/O=Lab/CN=o.lab.example",
      "-addext",
      "subjectAltName=DNS:o.lab.example",
      "-outform",
      "DER",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const p = parseCsr(new Uint8Array(r.stdoutBytes));
    assert.equal(p.signatureValid, true);
    assert.equal(p.subject.toString(), "CN=o.lab.example,O=Lab");
    assert.equal(p.publicKey.bits, 2048);
    assert.deepEqual(
      p.san.map((n) => n.value),
      ["o.lab.example"],
    );
  });
});
