import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { describe, it } from "node:test";
import { aliasOf, buildRoots, parseCertdata, timeToIso } from "../scripts/gen-mozilla.js";
import { loadFpkiCatalog, loadMozillaRoots, mozillaSource } from "../src/trust/bundled.js";

const sha256 = (der: Uint8Array): string => createHash("sha256").update(der).digest("hex").toUpperCase();
const byLabel = (label: string) => {
  const r = loadMozillaRoots().find((x) => x.label === label);
  assert.ok(r, `root ${label} missing`);
  return r;
};

describe("bundled Mozilla roots (NSS 2.86)", () => {
  it("has 167 roots, 121 with server-auth trust", () => {
    const roots = loadMozillaRoots();
    assert.equal(roots.length, 167);
    assert.equal(roots.filter((r) => r.serverAuth === "trusted-delegator").length, 121);
    assert.equal(new Set(roots.map((r) => r.sha256)).size, 167);
    assert.equal(mozillaSource().licence, "MPL-2.0");
  });

  it("is memoised", () => {
    assert.equal(loadMozillaRoots(), loadMozillaRoots());
  });

  it("has the four Entrust distrust-after dates", () => {
    const entrust = [
      "Entrust Root Certification Authority",
      "Entrust Root Certification Authority - G2",
      "Entrust Root Certification Authority - EC1",
      "Entrust.net Premium 2048 Secure Server CA",
    ];
    for (const label of entrust) {
      assert.equal(byLabel(label).serverDistrustAfter?.toISOString(), "2024-11-30T23:59:59.000Z", label);
    }
  });

  it("reads Chunghwa ePKI's distrust-after from the certificate object", () => {
    const r = byLabel("ePKI Root Certification Authority");
    assert.equal(r.serverDistrustAfter?.toISOString(), "2025-04-15T23:59:59.000Z");
  });

  it("reads Izenpe's distrust-after from the trust object", () => {
    const r = byLabel("Izenpe.com");
    assert.equal(r.serverDistrustAfter?.toISOString(), "2026-04-15T23:59:59.000Z");
    assert.equal(r.serverAuth, "trusted-delegator");
  });

  it("has exactly six server distrust-after dates and no email ones", () => {
    const roots = loadMozillaRoots();
    assert.equal(roots.filter((r) => r.serverDistrustAfter).length, 6);
    assert.equal(roots.filter((r) => r.emailDistrustAfter).length, 0);
  });

  it("every DER parses and matches its SHA-256", () => {
    for (const r of loadMozillaRoots()) {
      const x = new X509Certificate(r.der);
      assert.equal(sha256(r.der), r.sha256, r.label);
      assert.equal(x.fingerprint256.replace(/:/g, ""), r.sha256, r.label);
    }
  });

  it("derives JDK-style aliases", () => {
    assert.equal(byLabel("DigiCert Global Root G2").alias, "digicertglobalrootg2");
    assert.equal(aliasOf("NetLock Arany (Class Gold) Főtanúsítvány"), "netlockaranyclassgoldftanstvny");
    assert.equal(new Set(loadMozillaRoots().map((r) => r.alias)).size, 167);
  });
});

describe("certdata.txt parser", () => {
  const der = loadMozillaRoots()[0]!.der;
  const octal = (b: Uint8Array): string =>
    Array.from(b, (x) => "\\" + x.toString(8).padStart(3, "0"))
      .join("")
      .replace(/(.{64})/g, "$1\n")
      .trim();
  const x = new X509Certificate(der);
  const serial = Buffer.from(x.serialNumber.length % 2 ? "0" + x.serialNumber : x.serialNumber, "hex");
  const serialDer = Buffer.concat([Buffer.from([2, serial.length]), serial]);
  const issuer = Buffer.from("3000", "hex");
  const sha1 = createHash("sha1").update(der).digest();
  const sample = `# header
BEGINDATA
CKA_CLASS CK_OBJECT_CLASS CKO_CERTIFICATE
CKA_LABEL UTF8 "Test \\303\\251 root" # trailing comment
# a comment in the middle of an object
CKA_ISSUER MULTILINE_OCTAL
${octal(issuer)}
END
CKA_SERIAL_NUMBER MULTILINE_OCTAL
${octal(serialDer)}
END

CKA_VALUE MULTILINE_OCTAL
${octal(der)}
END
CKA_NSS_SERVER_DISTRUST_AFTER CK_BBOOL CK_FALSE
#
# Trust for "Test"
CKA_CLASS CK_OBJECT_CLASS CKO_NSS_TRUST
CKA_LABEL UTF8 "Test \\303\\251 root"
CKA_CERT_SHA1_HASH MULTILINE_OCTAL
${octal(sha1)}
END
CKA_ISSUER MULTILINE_OCTAL
${octal(issuer)}
END
# For Server Distrust After: Tue Apr 15 23:59:59 2025
CKA_SERIAL_NUMBER MULTILINE_OCTAL
${octal(serialDer)}
END
CKA_NSS_SERVER_DISTRUST_AFTER MULTILINE_OCTAL
\\062\\060\\062\\065\\060\\064\\061\\065\\062\\063\\065\\071\\065\\071\\132
END
CKA_TRUST_SERVER_AUTH CK_TRUST CKT_NSS_NOT_TRUSTED
CKA_TRUST_EMAIL_PROTECTION CK_TRUST CKT_NSS_TRUSTED_DELEGATOR
`;

  it("pairs objects across comments and blank lines, reading the trust object's distrust-after", () => {
    const objs = parseCertdata(sample);
    assert.equal(objs.length, 2);
    const { roots, warnings } = buildRoots(objs);
    assert.equal(roots.length, 1);
    assert.deepEqual(warnings, []);
    const r = roots[0]!;
    assert.equal(r.label, "Test é root");
    assert.equal(r.serverAuth, "not-trusted");
    assert.equal(r.emailProtection, "trusted-delegator");
    assert.equal(r.codeSigning, "unknown");
    assert.equal(r.serverDistrustAfter, "2025-04-15T23:59:59Z");
    assert.equal(r.distrustAfterOn, "trust");
  });

  it("rejects a trust object whose SHA-1 does not match the certificate", () => {
    const bad = sample.replace(octal(sha1), octal(createHash("sha1").update("x").digest()));
    assert.throws(() => buildRoots(parseCertdata(bad)), /SHA-1 mismatch/);
  });

  it("rejects unterminated MULTILINE_OCTAL and attributes outside objects", () => {
    assert.throws(() =>
      parseCertdata(
        "BEGINDATA\nCKA_CLASS CK_OBJECT_CLASS CKO_CERTIFICATE\nCKA_VALUE MULTILINE_OCTAL\n\\060\n",
      ),
    );
    assert.throws(() => parseCertdata('BEGINDATA\nCKA_LABEL UTF8 "x"\n'));
  });

  it("converts UTCTime and GeneralizedTime", () => {
    assert.equal(timeToIso("241130235959Z"), "2024-11-30T23:59:59Z");
    assert.equal(timeToIso("20500101000000Z"), "2050-01-01T00:00:00Z");
    assert.throws(() => timeToIso("241331235959Z"));
  });
});

describe("bundled FPKI catalog", () => {
  it("has 151 certificates and the self-signed Federal Common Policy CA G2 anchor", () => {
    const cat = loadFpkiCatalog();
    assert.equal(cat.certificates.length, 151);
    assert.equal(cat.anchorSha256, "5F9AECC24616B2191372600DD80F6DD320C8CA5A0CEB7F09C985EBF0696934FC");
    assert.equal(sha256(cat.anchor.der), cat.anchorSha256);
    assert.equal(cat.anchor.selfSigned, true);
    assert.match(cat.anchor.subject, /^CN=Federal Common Policy CA G2,/);
    const x = new X509Certificate(cat.anchor.der);
    assert.ok(x.verify(x.publicKey));
  });

  it("every DER parses and matches its SHA-256", () => {
    for (const c of loadFpkiCatalog().certificates) {
      new X509Certificate(c.der);
      assert.equal(sha256(c.der), c.sha256);
    }
  });
});
