/**
 * CRLs (RFC 5280 5, 6.3): parsing, and revocation through verifyChain, each rule accepted and rejected.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseCrl } from "../src/verify/crl.js";
import { type Crl, type Policy, type VerifyResult, verifyChain } from "../src/verify/index.js";
import * as pki from "./helpers/pki.js";

function run(
  c: { root: pki.Issued; ica: pki.Issued; leaf: pki.Issued },
  crls: Uint8Array[],
  p: Partial<Policy> = {},
): VerifyResult {
  return verifyChain({
    leaf: c.leaf.cert,
    presented: [c.ica.cert],
    anchors: [{ cert: c.root.cert }],
    policy: {
      time: pki.NOW,
      purpose: "server",
      peerName: { kind: "dns", value: "example.com" },
      profile: "webpki",
      allowNonSelfSignedAnchors: false,
      crls: crls.map(parseCrl) as Crl[],
      ...p,
    },
  });
}

const serialOf = (x: pki.Issued) => x.cert.serialBytes;
const errors = (r: VerifyResult) => r.findings.filter((f) => f.severity === "error");

describe("CRL parsing (RFC 5280 5.1)", () => {
  it("reads issuer, times, entries, CRLNumber and AKI", () => {
    const root = pki.root({ name: "CRL root" });
    const der = pki.crl(root, {
      revoked: [{ serial: 7, reason: 1 }, { serial: Uint8Array.from([0x00, 0x80]) }],
      crlNumber: 42,
      nextUpdate: new Date("2031-01-01T00:00:00Z"),
    });
    const crl = parseCrl(der);
    assert.equal(crl.version, 2);
    assert.equal(crl.issuer.toString(), "CN=CRL root");
    assert.equal(crl.nextUpdate?.toISOString(), "2031-01-01T00:00:00.000Z");
    assert.equal(crl.crlNumber, "2a");
    assert.equal(crl.revoked.length, 2);
    assert.equal(crl.revoked[0].reason, 1);
    // 00 80 is +128: the 00 is not redundant (80 alone would be -128), so it stays.
    assert.deepEqual([...crl.revoked[1].serial], [0x00, 0x80]);
    assert.equal(crl.authorityKeyIdentifier?.keyId, root.cert.subjectKeyIdentifier);
    assert.deepEqual(crl.problems, []);
  });

  it("refuses malformed DER with an offset", () => {
    const der = pki.crl(pki.root());
    assert.throws(() => parseCrl(der.subarray(0, der.length - 3)), /DER|data/);
    assert.throws(() => parseCrl(Uint8Array.from([...der, 0])), /trailing/);
  });
});

describe("revocation (RFC 5280 6.3)", () => {
  it("rejects a revoked leaf and accepts one that is not listed", () => {
    const c = pki.chain3();
    const revoked = pki.crl(c.ica, { revoked: [{ serial: serialOf(c.leaf), reason: 1 }] });
    const r = run(c, [revoked]);
    assert.equal(r.trusted, false);
    assert.equal(errors(r)[0].code, "revoked");
    assert.equal(errors(r)[0].cert?.position, 0);
    assert.match(errors(r)[0].detail, /keyCompromise/);
    assert.equal(run(c, [pki.crl(c.ica, { revoked: [{ serial: 1 }] })]).trusted, true);
  });

  it("compares serial numbers as signed integers: +255 (00 FF) is not -1 (FF); redundant octets do not matter", () => {
    const c = pki.chain3({ leaf: { serial: Uint8Array.from([0x00, 0xff]) } });
    assert.deepEqual([...c.leaf.cert.serialBytes], [0x00, 0xff]);
    assert.equal(run(c, [pki.crl(c.ica, { revoked: [{ serial: Uint8Array.from([0xff]) }] })]).trusted, true);
    const listed = pki.crl(c.ica, { revoked: [{ serial: Uint8Array.from([0x00, 0x00, 0xff]) }] });
    assert.equal(errors(run(c, [listed]))[0]?.code, "revoked");
    const minusOne = pki.chain3({ leaf: { serial: Uint8Array.from([0xff, 0xff]) } });
    const crl = pki.crl(minusOne.ica, { revoked: [{ serial: Uint8Array.from([0xff]) }] });
    assert.equal(errors(run(minusOne, [crl]))[0]?.code, "revoked", "FF FF and FF are both -1");
  });

  it("checks intermediates against their issuer's CRL", () => {
    const c = pki.chain3();
    const r = run(c, [pki.crl(c.root, { revoked: [{ serial: serialOf(c.ica) }] })]);
    assert.equal(errors(r)[0].code, "revoked");
    assert.equal(errors(r)[0].cert?.position, 1);
  });

  it("ignores a CRL from another issuer that lists the same serial", () => {
    const c = pki.chain3();
    const other = pki.root({ name: "Other" });
    assert.equal(run(c, [pki.crl(other, { revoked: [{ serial: serialOf(c.leaf) }] })]).trusted, true);
  });

  it("uses a CRL signed by another key of the same CA only when that key's certificate validates", () => {
    const c = pki.chain3();
    // The CA's other key (a rollover, or a separate CRL-signing key), certified by the same root.
    const twin = pki.issue(c.root, { name: "ICA", ca: true });
    const crl = pki.crl(twin, { revoked: [{ serial: serialOf(c.leaf) }] });
    // Without the other key's certificate the CRL cannot be checked: it is not ignored, it is unusable.
    const alone = run(c, [crl]);
    assert.equal(alone.trusted, false);
    assert.equal(errors(alone)[0].code, "crl-invalid");
    assert.match(
      errors(alone)[0].detail,
      /signed by another key of CN=ICA \(key identifier [0-9a-f]+\), and no certificate here holds that key/,
    );
    // With it (presented beside the chain), the CRL is used, and says the leaf is revoked.
    const both = verifyChain({
      leaf: c.leaf.cert,
      presented: [c.ica.cert, twin.cert],
      anchors: [{ cert: c.root.cert }],
      policy: {
        time: pki.NOW,
        purpose: "server",
        profile: "webpki",
        allowNonSelfSignedAnchors: false,
        crls: [parseCrl(crl)],
      },
    });
    assert.equal(both.trusted, false);
    assert.equal(errors(both)[0].code, "revoked");
    assert.match(
      errors(both)[0].detail,
      /signed by another certificate of CN=ICA \(serial [0-9a-f]+\), whose own path was validated/,
    );
  });

  it("fails closed on a CRL that cannot be trusted", () => {
    const c = pki.chain3();
    const cases: [string, Uint8Array, RegExp][] = [
      ["bad signature", pki.crl(c.ica, { signWith: pki.newKey() }), /signature/],
      ["no CRLNumber", pki.crl(c.ica, { crlNumber: null }), /CRLNumber/],
      ["critical CRLNumber", pki.crl(c.ica, { crlNumberCritical: true }), /critical/],
      ["expired", pki.crl(c.ica, { nextUpdate: new Date("2029-01-01T00:00:00Z") }), /expired/],
      ["not yet valid", pki.crl(c.ica, { thisUpdate: new Date("2031-01-01T00:00:00Z") }), /not valid until/],
      [
        "unknown critical extension",
        pki.crl(c.ica, { extensions: [pki.ext("1.3.6.1.4.1.55738.666.9", pki.nul(), true)] }),
        /unknown critical/,
      ],
      [
        "a delta CRL without its complete CRL",
        pki.crl(c.ica, { extensions: [pki.ext("2.5.29.27", pki.int(1), true)] }),
        /delta CRL .* updates CRL number 01, and no usable complete CRL/,
      ],
    ];
    for (const [what, der, re] of cases) {
      const r = run(c, [der]);
      assert.equal(r.trusted, false, what);
      assert.equal(errors(r)[0].code, "crl-invalid", what);
      assert.match(errors(r)[0].detail, re, what);
    }
  });

  it("requires cRLSign when the CRL issuer has a keyUsage extension", () => {
    const noCrlSign = pki.chain3({ ica: { keyUsage: ["keyCertSign"] } });
    const r = run(noCrlSign, [pki.crl(noCrlSign.ica)]);
    assert.equal(errors(r)[0].code, "crl-invalid");
    assert.match(errors(r)[0].detail, /cRLSign/);
    // No keyUsage at all: nothing restricts the key (RFC 5280 6.3.3 (f)); the ICA is still a CA.
    const root = pki.root();
    const ica = pki.issue(root, { name: "ICA", ca: true, keyUsage: null });
    assert.equal(ica.cert.keyUsage, undefined);
    const leaf = pki.leafFor(ica, "example.com");
    assert.equal(run({ root, ica, leaf }, [pki.crl(ica)]).trusted, true);
  });

  it("honours the scope flags of issuingDistributionPoint", () => {
    const c = pki.chain3();
    const caOnly = pki.ext("2.5.29.28", pki.seq(pki.tlv(0x82, Uint8Array.from([0xff]))), true);
    // A CA-only CRL does not cover the leaf, so its entry for the leaf's serial is not applied.
    assert.equal(
      run(c, [pki.crl(c.ica, { revoked: [{ serial: serialOf(c.leaf) }], extensions: [caOnly] })]).trusted,
      true,
    );
    const userOnly = pki.ext("2.5.29.28", pki.seq(pki.tlv(0x81, Uint8Array.from([0xff]))), true);
    assert.equal(
      run(c, [pki.crl(c.ica, { revoked: [{ serial: serialOf(c.leaf) }], extensions: [userOnly] })]).trusted,
      false,
    );
    // The scope is the cA flag, not the position: a leaf that is a CA certificate is not in a user-only CRL.
    const caLeaf = pki.chain3({ leaf: { ca: true } });
    const rfc = { profile: "rfc5280" } as const;
    const listed = (ext: typeof userOnly) =>
      pki.crl(caLeaf.ica, { revoked: [{ serial: serialOf(caLeaf.leaf) }], extensions: [ext] });
    assert.equal(run(caLeaf, [listed(userOnly)], rfc).trusted, true);
    assert.equal(errors(run(caLeaf, [listed(caOnly)], rfc))[0]?.code, "revoked");
  });
});
