/**
 * CRLs (RFC 5280 5, 6.3): parsing, and revocation through verifyChain, each rule accepted and rejected.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseCrl } from "../src/verify/crl.js";
import { type Crl, type Policy, type VerifyResult, verifyChain } from "../src/verify/index.js";
import { toPem } from "../src/x509/pem.js";
import { namedBits } from "../src/x509/write/der-writer.js";
import { runCli } from "./helpers/cli.js";
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

describe("revocation modes (policy.revocation)", () => {
  it("require: a certificate without a usable, current CRL is refused, naming it", () => {
    const c = pki.chain3();
    // No CRL at all: the first certificate the check reaches (the leaf) has none.
    const none = run(c, [], { revocation: "require" });
    assert.equal(none.trusted, false);
    assert.equal(errors(none)[0].code, "revocation-unknown");
    assert.match(
      errors(none)[0].detail,
      /^no usable, current CRL covers CN=example\.com, and revocation is required$/,
    );
    // The ICA's CRL covers the leaf, but nothing covers the ICA itself (the root's CRL is missing).
    const icaOnly = run(c, [pki.crl(c.ica)], { revocation: "require" });
    assert.deepEqual(
      errors(icaOnly).map((f) => [f.code, f.cert?.label]),
      [["revocation-unknown", "ICA"]],
    );
    // Both: every certificate below the anchor is covered.
    assert.equal(run(c, [pki.crl(c.ica), pki.crl(c.root)], { revocation: "require" }).trusted, true);
    // An expired CRL is no CRL: the detail says why the one in scope could not be used.
    const stale = run(
      c,
      [pki.crl(c.ica, { nextUpdate: new Date("2029-01-01T00:00:00Z") }), pki.crl(c.root)],
      {
        revocation: "require",
      },
    );
    assert.equal(errors(stale)[0].code, "revocation-unknown");
    assert.match(errors(stale)[0].detail, /cannot be used: it expired \(nextUpdate 2029-01-01/);
  });

  it("soft-fail (the default) passes a certificate no CRL covers; off ignores even a CRL that revokes", () => {
    const c = pki.chain3();
    assert.equal(run(c, [pki.crl(c.ica)]).trusted, true);
    const revoking = pki.crl(c.ica, { revoked: [{ serial: serialOf(c.leaf) }] });
    assert.equal(errors(run(c, [revoking]))[0].code, "revoked");
    assert.equal(run(c, [revoking], { revocation: "off" }).trusted, true);
  });
});

describe("RFC 5280 6.3.3: partitions, deltas, indirect CRLs", () => {
  const IDP = "2.5.29.28";
  /** issuingDistributionPoint with onlySomeReasons = the given ReasonFlags bits. */
  const someReasons = (bits: number[]) => {
    const flags = namedBits(bits);
    return pki.ext(IDP, pki.seq(Uint8Array.from([0x83, ...flags.subarray(1)])), true);
  };

  it("adds up CRLs partitioned by reason until every reason is covered", () => {
    const c = pki.chain3();
    const keyCompromise = pki.crl(c.ica, { extensions: [someReasons([1])] });
    const others = pki.crl(c.ica, { crlNumber: 2, extensions: [someReasons([2, 3, 4, 5, 6, 7, 8])] });
    const root = pki.crl(c.root);
    const partial = run(c, [keyCompromise, root], { revocation: "require" });
    assert.equal(errors(partial)[0].code, "revocation-unknown");
    assert.match(
      errors(partial)[0].detail,
      /the usable CRLs cover only keyCompromise; not cACompromise, affiliationChanged/,
    );
    assert.equal(run(c, [keyCompromise, others, root], { revocation: "require" }).trusted, true);
    // A partition lists only its reasons' revocations, and they count.
    const revokedForKey = pki.crl(c.ica, {
      revoked: [{ serial: serialOf(c.leaf), reason: 1 }],
      extensions: [someReasons([1])],
    });
    assert.equal(errors(run(c, [revokedForKey, others, root]))[0].code, "revoked");
  });

  it("consults a delta CRL with its complete CRL: a new revocation, and removeFromCRL lifting a hold", () => {
    const c = pki.chain3();
    const delta = (spec: pki.CrlSpec) =>
      pki.crl(c.ica, { crlNumber: 2, extensions: [pki.ext("2.5.29.27", pki.int(1), true)], ...spec });
    const base = pki.crl(c.ica, { crlNumber: 1 });
    const revokedInDelta = run(c, [base, delta({ revoked: [{ serial: serialOf(c.leaf), reason: 1 }] })]);
    assert.equal(errors(revokedInDelta)[0].code, "revoked");
    assert.match(errors(revokedInDelta)[0].detail, /is on the delta CRL from CN=ICA/);
    const onHold = pki.crl(c.ica, { crlNumber: 1, revoked: [{ serial: serialOf(c.leaf), reason: 6 }] });
    assert.equal(errors(run(c, [onHold]))[0].code, "revoked");
    assert.equal(
      run(c, [onHold, delta({ revoked: [{ serial: serialOf(c.leaf), reason: 8 }] })]).trusted,
      true,
    );
    // A delta for another base (BaseCRLNumber above the complete CRL's number) is not applied.
    const later = pki.crl(c.ica, {
      crlNumber: 5,
      extensions: [pki.ext("2.5.29.27", pki.int(4), true)],
      revoked: [{ serial: serialOf(c.leaf) }],
    });
    assert.equal(run(c, [base, later]).trusted, true);
  });

  it("reads an indirect CRL from the cRLIssuer a distribution point names, by certificateIssuer entries", () => {
    const root = pki.root();
    const crlIssuer = pki.issue(root, {
      name: "Revocation Service",
      keyUsage: ["cRLSign", "digitalSignature"],
    });
    const ica = pki.issue(root, { name: "ICA", ca: true });
    const dp = pki.seq(pki.seq(pki.tlv(0xa2, pki.tlv(0xa4, pki.name("Revocation Service")))));
    const leaf = pki.leafFor(ica, "example.com", {
      extensions: [pki.ext("2.5.29.31", dp)],
    });
    const indirect = pki.ext(IDP, pki.seq(pki.tlv(0x84, Uint8Array.from([0xff]))), true);
    const crl = (serial: Uint8Array) =>
      pki.crl(crlIssuer, {
        extensions: [indirect],
        revoked: [
          {
            serial,
            extensions: [pki.ext("2.5.29.29", pki.seq(pki.tlv(0xa4, pki.name("ICA"))), true)],
          },
        ],
      });
    const verify = (crls: Uint8Array[], revocation?: "require") =>
      verifyChain({
        leaf: leaf.cert,
        presented: [ica.cert, crlIssuer.cert],
        anchors: [{ cert: root.cert }],
        policy: {
          time: pki.NOW,
          purpose: "server",
          profile: "rfc5280",
          allowNonSelfSignedAnchors: false,
          crls: crls.map(parseCrl),
          ...(revocation ? { revocation } : {}),
        },
      });
    const r = verify([crl(serialOf(leaf))]);
    assert.equal(errors(r)[0].code, "revoked");
    assert.match(errors(r)[0].detail, /on the CRL from CN=Revocation Service/);
    // Another serial on it: the leaf is covered and not revoked (the ICA and the signer need the root's CRL).
    assert.equal(
      verify([crl(Uint8Array.from([0x7f])), pki.crl(root), pki.crl(ica)], "require").trusted,
      true,
    );
  });
});

describe("chainproof verify --crl FILE… --revocation MODE", () => {
  let dir = "";
  const f = (n: string) => join(dir, n);
  const c = pki.chain3();
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "chainproof-crl-"));
    writeFileSync(f("chain.pem"), toPem(c.leaf.der) + toPem(c.ica.der));
    writeFileSync(f("root.pem"), toPem(c.root.der));
    writeFileSync(f("ica.crl"), pki.crl(c.ica, { revoked: [{ serial: serialOf(c.leaf), reason: 1 }] }));
    writeFileSync(f("ica-empty.crl.pem"), toPem(pki.crl(c.ica), "X509 CRL"));
    writeFileSync(f("root.crl"), pki.crl(c.root));
    writeFileSync(f("garbage.crl"), "not a CRL\n");
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const verify = (...args: string[]) =>
    runCli([
      "verify",
      "--chain",
      f("chain.pem"),
      "--roots",
      f("root.pem"),
      "--host",
      "example.com",
      "--at",
      pki.NOW.toISOString(),
      "--client",
      "openssl,java",
      ...args,
    ]);

  it("a revoked leaf: exit 1, and the JSON says which certificate is on which CRL", async () => {
    const r = await verify("--crl", f("ica.crl"), "--json");
    assert.equal(r.code, 1, r.stderr);
    const d = JSON.parse(r.stdout);
    for (const v of d.clients) {
      assert.equal(v.trusted, false);
      const e = v.details.find((x: { code: string }) => x.code === "revoked");
      assert.match(e.detail, /^serial [0-9a-f]+ is on the CRL from CN=ICA, .*\(reason: keyCompromise\)$/);
    }
  });

  it("--revocation require: exit 1 until every certificate has a CRL (DER or PEM, several files)", async () => {
    const missing = await verify("--crl", f("ica-empty.crl.pem"), "--revocation", "require");
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stdout, /no usable, current CRL covers CN=ICA, and revocation is required/);
    const both = await verify("--crl", f("ica-empty.crl.pem"), f("root.crl"), "--revocation", "require");
    assert.equal(both.code, 0, both.stdout + both.stderr);
    // soft-fail, the default, with no CRL for the ICA: trusted.
    assert.equal((await verify("--crl", f("ica-empty.crl.pem"))).code, 0);
  });

  it("bad input: exit 2 with a one-line reason", async () => {
    const mode = await verify("--revocation", "sometimes");
    assert.equal(mode.code, 2);
    assert.equal(
      mode.stderr,
      'chainproof: --revocation "sometimes": use off, soft-fail or require — see chainproof verify --help\n',
    );
    const garbage = await verify("--crl", f("garbage.crl"));
    assert.equal(garbage.code, 2);
    assert.match(garbage.stderr, /^chainproof: .*garbage\.crl is not a CRL: /);
    assert.doesNotMatch(garbage.stderr, /\n\s+at /);
    const cert = await verify("--crl", f("root.pem"));
    assert.equal(cert.code, 2);
    assert.match(cert.stderr, /root\.pem holds no CRL/);
  });
});
