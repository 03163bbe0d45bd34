/**
 * One certificate's CT and revocation status outside a check (src/app/certificate-status.ts, what the web
 * decoder shows): embedded SCTs verified against a log list made here, with Chrome's and Apple's outcome;
 * revocation asked of a lab OCSP responder and CRL on loopback (revoked with reason and date, good), an
 * unreachable responder, loopback refused by the default guard, a root and an orphan refused with a message.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { revocationOfCertificate, transparencyOf } from "../src/app/certificate-status.js";
import { type RevocationServer, startRevocationServer } from "../src/lab/revocation.js";
import { PUBLIC_ONLY } from "../src/net/guard.js";
import { buildCertificate, generateKeyPair } from "../src/x509/builder.js";
import { InputError } from "../src/x509/errors.js";
import { leafWithEmbeddedScts, logList, testLog } from "./helpers/ct-logs.js";

const DAY = 86_400_000;
const ago = (d: number) => new Date(Date.now() - d * DAY);
const rootKey = generateKeyPair("ec-p256");
const root = buildCertificate({
  subject: "CN=Status Test Root",
  publicKey: rootKey,
  notBefore: ago(30),
  notAfter: ago(-900),
  ca: true,
});
const caKey = generateKeyPair("ec-p256");
const ca = buildCertificate({
  subject: "CN=Status Test CA",
  issuer: { cert: root.cert, key: rootKey.privateKey },
  publicKey: caKey,
  notBefore: ago(30),
  notAfter: ago(-600),
  ca: true,
});
const issuer = { cert: ca.cert, key: caKey.privateKey };
const LOOPBACK_OK = { allowPrivate: true, allowLoopback: true };

describe("transparencyOf: a certificate's embedded SCTs, offline", () => {
  const argon = testLog("test-argon", "Google");
  const nimbus = testLog("test-nimbus", "Cloudflare");
  const logs = logList([argon, nimbus]);

  it("two SCTs from two operators verify against the list with the issuer from the file; Chrome's 2 for 90 days met", () => {
    const leaf = leafWithEmbeddedScts(issuer, [argon, nimbus], 90).cert;
    const [ct] = transparencyOf([leaf], { pool: [ca.cert], time: new Date(), logs });
    assert.deepEqual(
      ct?.scts.map((s) => [s.status, s.log?.description, s.log?.operator, s.source]),
      [
        ["valid", "test-argon", "Google", "certificate"],
        ["valid", "test-nimbus", "Cloudflare", "certificate"],
      ],
    );
    assert.deepEqual(
      ct?.policies.map((p) => [p.policy, p.met]),
      [
        ["chrome", true],
        ["apple", true],
      ],
    );
  });

  it("without the issuer an embedded SCT cannot be checked; a log not on the list is unknown-log", () => {
    const leaf = leafWithEmbeddedScts(issuer, [argon, nimbus], 90).cert;
    const [alone] = transparencyOf([leaf], { time: new Date(), logs });
    assert.deepEqual(
      alone?.scts.map((s) => s.status),
      ["no-issuer", "no-issuer"],
    );
    const [bundled] = transparencyOf([leaf], { pool: [ca.cert], time: new Date() });
    assert.deepEqual(
      bundled?.scts.map((s) => [s.status, s.log]),
      [
        ["unknown-log", null],
        ["unknown-log", null],
      ],
    );
    assert.equal(bundled?.policies.find((p) => p.policy === "chrome")?.met, false);
  });

  it("a tampered SCT is invalid-signature and a finding says so", () => {
    const leaf = leafWithEmbeddedScts(issuer, [argon, nimbus], 90, true).cert;
    const [ct] = transparencyOf([leaf, ca.cert], { time: new Date(), logs });
    assert.deepEqual(
      ct?.scts.map((s) => s.status),
      ["invalid-signature", "invalid-signature"],
    );
    assert.ok(ct?.findings.some((f) => f.code === "ct-sct-invalid"));
  });
});

describe("revocationOfCertificate: OCSP and CRL of one certificate on loopback", () => {
  let responder: RevocationServer;
  const leafKey = generateKeyPair("ec-p256");
  const leafOf = (cn: string, urls: { ocsp?: string; crl?: string }) =>
    buildCertificate({
      subject: `CN=${cn}`,
      issuer,
      publicKey: leafKey,
      notBefore: ago(5),
      notAfter: ago(-60),
      san: [{ dns: cn }],
      eku: ["serverAuth"],
      ...(urls.ocsp ? { aia: { ocsp: urls.ocsp } } : {}),
      ...(urls.crl ? { crlDp: urls.crl } : {}),
    }).cert;

  before(async () => {
    responder = await startRevocationServer();
    responder.addIssuer(issuer);
  });
  after(() => responder?.close());

  it("revoked: the OCSP answer, signed by the issuer, with the reason and the date", async () => {
    const leaf = leafOf("revoked.test", { ocsp: responder.ocspUrl });
    responder.revoke({ serial: leaf.serialNumber, date: new Date("2026-04-05T06:07:08Z"), reason: 1 });
    const r = await revocationOfCertificate(leaf, {
      pool: [ca.cert],
      time: new Date(),
      aia: { guard: LOOPBACK_OK },
    });
    const c = r?.certificates[0];
    assert.equal(c?.status, "revoked");
    assert.deepEqual(c?.revocation, {
      time: "2026-04-05T06:07:08Z",
      reason: "keyCompromise",
      source: "live-ocsp",
    });
    assert.equal(c?.ocsp[0]?.signer?.kind, "issuer");
    assert.ok(r?.findings.some((f) => f.code === "revocation-revoked"));
  });

  it("good by the CRL when there is no OCSP URL", async () => {
    const leaf = leafOf("good.test", { crl: responder.crlUrl(ca.cert) });
    const r = await revocationOfCertificate(leaf, {
      pool: [ca.cert],
      time: new Date(),
      aia: { guard: LOOPBACK_OK },
    });
    assert.equal(r?.certificates[0]?.status, "good");
    assert.equal(r?.certificates[0]?.crl[0]?.status, "good");
  });

  it("the default guard refuses loopback: unknown, and the fetch error says why", async () => {
    const leaf = leafOf("blocked.test", { ocsp: responder.ocspUrl });
    const r = await revocationOfCertificate(leaf, {
      pool: [ca.cert],
      time: new Date(),
      aia: { guard: PUBLIC_ONLY },
    });
    assert.equal(r?.certificates[0]?.status, "unknown");
    assert.match(r?.certificates[0]?.ocsp[0]?.error ?? "", /loopback|127\.0\.0\.1/);
  });

  it("an unreachable responder: unknown, with the connection's error", async () => {
    const closed = await startRevocationServer();
    const url = closed.ocspUrl;
    await closed.close();
    const leaf = leafOf("down.test", { ocsp: url });
    const r = await revocationOfCertificate(leaf, {
      pool: [ca.cert],
      time: new Date(),
      aia: { guard: LOOPBACK_OK },
    });
    assert.equal(r?.certificates[0]?.status, "unknown");
    assert.ok(r?.certificates[0]?.ocsp[0]?.error);
    assert.ok(r?.findings.some((f) => f.code === "revocation-ocsp-unreachable"));
  });

  it("a root, and a certificate whose issuer is nowhere, are InputErrors that say what to do", async () => {
    const o = { time: new Date(), aia: { guard: LOOPBACK_OK } };
    await assert.rejects(revocationOfCertificate(root.cert, o), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.code, "no-issuer");
      assert.match(e.message, /self-signed \(a root\)/);
      return true;
    });
    await assert.rejects(revocationOfCertificate(leafOf("orphan.test", {}), o), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(
        e.message,
        /the issuer of orphan\.test \(CN=Status Test CA\) is not in the file.*no caIssuers URL.*add it/,
      );
      return true;
    });
  });
});
