/**
 * Revocation status: OCSP requests and responses (RFC 6960) judged for signer, delegation, signature and
 * times; live OCSP and CRL fetches from a loopback responder (src/lab/revocation.ts) through the guard; the
 * findings and, per client, whether a revoked certificate still connects.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildOcspResponse, type RevocationServer, startRevocationServer } from "../src/lab/revocation.js";
import { checkRevocationStatus } from "../src/net/revocation.js";
import { judgeOcspResponse } from "../src/verify/ocsp.js";
import {
  type BuiltCertificate,
  buildCertificate,
  generateKeyPair,
  type KeyPair,
} from "../src/x509/builder.js";
import { buildOcspRequest, certIdFor, parseOcspRequest } from "../src/x509/ocsp.js";

const NOW = new Date();
const DAY = 86_400_000;
const ago = (d: number) => new Date(NOW.getTime() - d * DAY);

interface Ca {
  built: BuiltCertificate;
  key: KeyPair;
}

function ca(name: string, issuer?: Ca): Ca {
  const key = generateKeyPair("ec-p256");
  const built = buildCertificate({
    subject: `CN=${name}`,
    publicKey: key,
    ...(issuer ? { issuer: { cert: issuer.built.cert, key: issuer.key.privateKey } } : {}),
    notBefore: ago(30),
    notAfter: ago(-300),
    ca: true,
  });
  return { built, key };
}

function leaf(
  issuer: Ca,
  o: { ocsp?: string; crl?: string; mustStaple?: boolean; name?: string } = {},
): BuiltCertificate {
  return buildCertificate({
    subject: `CN=${o.name ?? "revocation.test"}`,
    issuer: { cert: issuer.built.cert, key: issuer.key.privateKey },
    publicKey: generateKeyPair("ec-p256"),
    notBefore: ago(10),
    notAfter: ago(-80),
    san: [{ dns: o.name ?? "revocation.test" }],
    eku: ["serverAuth"],
    ...(o.ocsp ? { aia: { ocsp: o.ocsp } } : {}),
    ...(o.crl ? { crlDp: o.crl } : {}),
    ...(o.mustStaple ? { mustStaple: true } : {}),
  });
}

const signerOf = (c: Ca) => ({ cert: c.built.cert, key: c.key.privateKey });

describe("OCSP request and response (RFC 6960)", () => {
  const root = ca("OCSP Root");
  const ica = ca("OCSP Issuing CA", root);
  const cert = leaf(ica).cert;
  const issuer = ica.built.cert;
  const answer = (status: "good" | "revoked", more: object = {}) => ({
    status,
    thisUpdate: ago(0.01),
    nextUpdate: ago(-1),
    ...more,
  });

  it("builds a request whose SHA-1 CertID names the certificate and its issuer", () => {
    const ids = parseOcspRequest(buildOcspRequest(cert, issuer, new Uint8Array(16)));
    assert.equal(ids.length, 1);
    assert.deepEqual(ids[0], certIdFor(cert, issuer, "sha1"));
    assert.equal(ids[0].issuerNameHash.length, 40);
  });

  it("accepts a response signed by the issuer, and reads revoked with its reason and date", () => {
    const der = buildOcspResponse({
      certId: certIdFor(cert, issuer),
      issuer,
      signer: signerOf(ica),
      answer: answer("revoked", { revokedAt: new Date("2026-01-02T03:04:05Z"), reason: 1 }),
    });
    const j = judgeOcspResponse(der, cert, issuer, NOW);
    assert.equal(j.valid, true, j.detail);
    assert.equal(j.status, "revoked");
    assert.equal(j.revocationReason, "keyCompromise");
    assert.equal(j.revocationTime?.toISOString(), "2026-01-02T03:04:05.000Z");
    assert.deepEqual(j.signer, { kind: "issuer" });
  });

  it("accepts a delegated responder with id-kp-OCSPSigning, refuses one without it", () => {
    const mk = (eku: string[]) => {
      const key = generateKeyPair("ec-p256");
      const built = buildCertificate({
        subject: "CN=OCSP Responder",
        issuer: { cert: issuer, key: ica.key.privateKey },
        publicKey: key,
        notBefore: ago(1),
        notAfter: ago(-10),
        eku,
      });
      return { cert: built.cert, key: key.privateKey };
    };
    const build = (signer: { cert: typeof issuer; key: typeof ica.key.privateKey }) =>
      buildOcspResponse({ certId: certIdFor(cert, issuer), issuer, signer, answer: answer("good") });
    const ok = judgeOcspResponse(build(mk(["OCSPSigning"])), cert, issuer, NOW);
    assert.equal(ok.valid, true, ok.detail);
    assert.deepEqual(ok.signer, { kind: "delegated", subject: "CN=OCSP Responder" });
    const bad = judgeOcspResponse(build(mk(["serverAuth"])), cert, issuer, NOW);
    assert.equal(bad.valid, false);
    assert.equal(bad.problem, "unauthorized-signer");
    assert.match(bad.detail ?? "", /lacks the id-kp-OCSPSigning/);
  });

  it("refuses a response signed by another key, and one signed by an unrelated CA", () => {
    const forged = buildOcspResponse({
      certId: certIdFor(cert, issuer),
      issuer,
      signer: signerOf(ica),
      signWith: generateKeyPair("ec-p256").privateKey,
      answer: answer("good"),
    });
    assert.equal(judgeOcspResponse(forged, cert, issuer, NOW).problem, "bad-signature");
    const other = ca("Someone Else");
    const foreign = buildOcspResponse({
      certId: certIdFor(cert, issuer),
      issuer,
      signer: signerOf(other),
      includeSigner: true,
      answer: answer("good"),
    });
    const j = judgeOcspResponse(foreign, cert, issuer, NOW);
    assert.equal(j.problem, "unauthorized-signer");
  });

  it("calls a response past its nextUpdate stale, and one from the future not yet valid", () => {
    const build = (thisUpdate: Date, nextUpdate: Date | null) =>
      buildOcspResponse({
        certId: certIdFor(cert, issuer),
        issuer,
        signer: signerOf(ica),
        answer: { status: "good", thisUpdate, nextUpdate },
      });
    assert.equal(judgeOcspResponse(build(ago(10), ago(3)), cert, issuer, NOW).problem, "stale");
    assert.equal(judgeOcspResponse(build(ago(3), null), cert, issuer, NOW).problem, "stale");
    assert.equal(judgeOcspResponse(build(ago(-1), ago(-3)), cert, issuer, NOW).problem, "not-yet-valid");
    assert.equal(judgeOcspResponse(build(ago(0.01), null), cert, issuer, NOW).valid, true);
  });

  it("says which certificate a response is not about, and reads garbage as unreadable", () => {
    const otherLeaf = leaf(ica, { name: "other.test" }).cert;
    const der = buildOcspResponse({
      certId: certIdFor(otherLeaf, issuer),
      issuer,
      signer: signerOf(ica),
      answer: answer("good"),
    });
    assert.equal(judgeOcspResponse(der, cert, issuer, NOW).problem, "not-for-this-certificate");
    const junk = judgeOcspResponse(Uint8Array.from([0x30, 0x03, 0x0a, 0x01]), cert, issuer, NOW);
    assert.equal(junk.problem, "unreadable");
    assert.match(junk.detail ?? "", /not a readable OCSP response/);
  });
});

describe("live revocation checks against a loopback responder and CRL server", () => {
  let server: RevocationServer;
  const root = ca("Live Root");
  const ica = ca("Live Issuing CA", root);
  const all = ["salesforce", "java", "openssl", "curl", "go", "node", "chrome", "firefox"] as const;
  const options = () => ({ allowOrigins: [server.origin] });

  before(async () => {
    server = await startRevocationServer();
    server.addIssuer(signerOf(ica));
  });
  after(() => server.close());

  it("finds a revoked leaf through live OCSP: only Firefox refuses it", async () => {
    const l = leaf(ica, { ocsp: server.ocspUrl });
    server.revoke({ serial: l.cert.serialNumber, date: new Date("2026-02-03T04:05:06Z"), reason: 1 });
    const r = await checkRevocationStatus(
      {
        path: [l.cert, ica.built.cert, root.built.cert],
        handshakeSeen: true,
        clients: all,
        publicRoot: false,
        time: NOW,
      },
      options(),
    );
    assert.equal(r.certificates[0].status, "revoked");
    assert.deepEqual(r.certificates[0].revocation, {
      time: "2026-02-03T04:05:06Z",
      reason: "keyCompromise",
      source: "live-ocsp",
    });
    const f = r.findings.find((x) => x.code === "revocation-revoked");
    assert.ok(f, JSON.stringify(r.findings));
    assert.match(f.message, /since 2026-02-03T04:05:06Z, reason keyCompromise/);
    assert.match(f.message, /Refused by Firefox/);
    const refusing = r.clients.filter((c) => !c.connects).map((c) => c.client);
    assert.deepEqual(refusing, ["firefox"]);
    assert.equal(r.clients.find((c) => c.client === "firefox")?.error, "SEC_ERROR_REVOKED_CERTIFICATE");
  });

  it("finds a revoked leaf through its CRL when there is no OCSP URL: no client asked refuses a private-root one", async () => {
    const l = leaf(ica, { crl: server.crlUrl(ica.built.cert) });
    server.revoke({ serial: l.cert.serialNumber, date: new Date("2026-03-01T00:00:00Z"), reason: 4 });
    const before = server.served.crl;
    const r = await checkRevocationStatus(
      { path: [l.cert, ica.built.cert], handshakeSeen: true, clients: all, publicRoot: false, time: NOW },
      options(),
    );
    assert.equal(server.served.crl, before + 1);
    assert.equal(r.certificates[0].status, "revoked");
    assert.deepEqual(r.certificates[0].revocation, {
      time: "2026-03-01T00:00:00Z",
      reason: "superseded",
      source: "crl",
    });
    assert.ok(r.clients.every((c) => c.connects));
    // From a public root, Firefox's CRLite has it.
    const pub = await checkRevocationStatus(
      {
        path: [l.cert, ica.built.cert],
        handshakeSeen: true,
        clients: ["firefox", "chrome"],
        publicRoot: true,
        time: NOW,
      },
      options(),
    );
    assert.deepEqual(
      pub.clients.map((c) => [c.client, c.connects, c.because ?? null]),
      [
        ["firefox", false, "crlite"],
        ["chrome", true, null],
      ],
    );
  });

  it("reports a good status, and a responder that is down as unreachable (Firefox soft-fails)", async () => {
    const l = leaf(ica, { ocsp: server.ocspUrl });
    const good = await checkRevocationStatus(
      { path: [l.cert, ica.built.cert], handshakeSeen: true, clients: all, publicRoot: false, time: NOW },
      options(),
    );
    assert.equal(good.certificates[0].status, "good");
    assert.deepEqual(good.findings, []);
    server.down = true;
    try {
      const down = await checkRevocationStatus(
        { path: [l.cert, ica.built.cert], handshakeSeen: true, clients: all, publicRoot: false, time: NOW },
        options(),
      );
      assert.equal(down.certificates[0].status, "unknown");
      const f = down.findings.find((x) => x.code === "revocation-ocsp-unreachable");
      assert.ok(f);
      assert.match(f.message, /did not answer \(HTTP 503\)/);
      assert.match(f.message, /Firefox soft-fails/);
      assert.ok(down.clients.every((c) => c.connects));
    } finally {
      server.down = false;
    }
  });

  it("flags a must-staple leaf served without a staple: Firefox refuses, the others ignore it", async () => {
    const l = leaf(ica, { mustStaple: true });
    const r = await checkRevocationStatus(
      { path: [l.cert, ica.built.cert], handshakeSeen: true, clients: all, publicRoot: false, time: NOW },
      options(),
    );
    const f = r.findings.find((x) => x.code === "revocation-must-staple-missing");
    assert.ok(f);
    assert.equal(f.severity, "error");
    assert.deepEqual(f.clients?.firefox, {
      rejects: true,
      error: "MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING",
      evidence: "run",
    });
    assert.equal(f.clients?.chrome?.rejects, false);
  });

  it("refuses, through the guard, a responder on a private address it was not told to allow", async () => {
    const l = leaf(ica, { ocsp: server.ocspUrl });
    const r = await checkRevocationStatus(
      {
        path: [l.cert, ica.built.cert],
        handshakeSeen: true,
        clients: ["java"],
        publicRoot: false,
        time: NOW,
      },
      {},
    );
    const check = r.certificates[0].ocsp[0];
    assert.match(check.fetchError ?? "", /^refused: 127\.0\.0\.1 is a loopback address/);
  });

  it("reads a stapled revoked response without fetching anything", async () => {
    const l = leaf(ica, { ocsp: server.ocspUrl });
    const staple = buildOcspResponse({
      certId: certIdFor(l.cert, ica.built.cert),
      issuer: ica.built.cert,
      signer: signerOf(ica),
      answer: { status: "revoked", revokedAt: ago(2), thisUpdate: ago(0.01), nextUpdate: ago(-1) },
    });
    const before = server.served.ocsp;
    const r = await checkRevocationStatus(
      {
        path: [l.cert, ica.built.cert],
        staple,
        handshakeSeen: true,
        clients: all,
        publicRoot: false,
        time: NOW,
      },
      { ...options(), fetch: false },
    );
    assert.equal(server.served.ocsp, before);
    assert.equal(r.certificates[0].revocation?.source, "stapled-ocsp");
    assert.equal(r.clients.find((c) => c.client === "firefox")?.because, "stapled-ocsp");
  });
});
