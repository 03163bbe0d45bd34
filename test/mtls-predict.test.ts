/**
 * Outbound mTLS at the unit level: does Java (Salesforce) send the client certificate for a given list of
 * acceptable CA names, and what does the server's answer mean?
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  describeServerVerdict,
  predictClientCertificateSent,
  type ServerAnswer,
} from "../src/keystore/mtls.js";
import { buildCertificate, encodeName, generateKeyPair } from "../src/x509/builder.js";

const DAY = 86_400_000;
const nb = new Date(Date.now() - DAY);
const na = new Date(Date.now() + 30 * DAY);

const rootKey = generateKeyPair("ec-p256");
const root = buildCertificate({
  subject: "CN=Client Root,O=Acme",
  publicKey: rootKey,
  notBefore: nb,
  notAfter: na,
  ca: true,
});
const icaKey = generateKeyPair("ec-p256");
const ica = buildCertificate({
  subject: "CN=Client ICA,O=Acme",
  issuer: { cert: root.cert, key: rootKey.privateKey },
  publicKey: icaKey,
  notBefore: nb,
  notAfter: na,
  ca: true,
});
const leafKey = generateKeyPair("ec-p256");
const leaf = buildCertificate({
  subject: "CN=sf-client.acme.example",
  issuer: { cert: ica.cert, key: icaKey.privateKey },
  publicKey: leafKey,
  notBefore: nb,
  notAfter: na,
  eku: ["clientAuth"],
});
const selfKey = generateKeyPair("ec-p256");
const self = buildCertificate({ subject: "CN=Self Client", publicKey: selfKey, notBefore: nb, notAfter: na });
const other = encodeName("CN=Some Other CA,O=Elsewhere");

describe("predictClientCertificateSent", () => {
  it("an empty CA list: Java sends the certificate", () => {
    const p = predictClientCertificateSent([leaf.cert, ica.cert], []);
    assert.equal(p.sent, true);
    assert.match(p.reason, /names no CAs/);
  });

  it("the list names the leaf's issuer, or a CA higher up the chain: sent", () => {
    const byIca = predictClientCertificateSent([leaf.cert, ica.cert], [other, ica.cert.subject.der]);
    assert.equal(byIca.sent, true);
    assert.deepEqual(byIca.matched, { name: "CN=Client ICA,O=Acme", position: 0 });
    const byRoot = predictClientCertificateSent([leaf.cert, ica.cert], [root.cert.subject.der]);
    assert.equal(byRoot.sent, true);
    assert.equal(byRoot.matched?.position, 1);
    // Names compare as RFC 5280 says: case and spacing do not matter.
    const folded = predictClientCertificateSent(
      [leaf.cert, ica.cert],
      [encodeName("CN=client   ROOT,O=acme")],
    );
    assert.equal(folded.sent, true);
  });

  it("the root is named but the chain stops at the leaf: not sent (Java needs the chain)", () => {
    const p = predictClientCertificateSent([leaf.cert], [root.cert.subject.der]);
    assert.equal(p.sent, false);
    assert.match(p.reason, /the server must trust CN=Client ICA,O=Acme/);
  });

  it("other CAs only: withheld, and the reason names what the server accepts", () => {
    const p = predictClientCertificateSent([leaf.cert, ica.cert], [other]);
    assert.equal(p.sent, false);
    assert.match(p.reason, /only from CN=Some Other CA,O=Elsewhere/);
    assert.match(p.reason, /sends no certificate at all/);
  });

  it("the leaf's own subject listed (not self-signed): Java matches issuers only", () => {
    const p = predictClientCertificateSent([leaf.cert, ica.cert], [leaf.cert.subject.der]);
    assert.equal(p.sent, false);
    assert.match(p.reason, /matches issuers only/);
  });

  it("a self-signed certificate is sent once it is installed (its own name listed)", () => {
    assert.equal(predictClientCertificateSent([self.cert], [other]).sent, false);
    assert.match(predictClientCertificateSent([self.cert], [other]).reason, /install-on-target/);
    const p = predictClientCertificateSent([self.cert], [other, self.cert.subject.der]);
    assert.equal(p.sent, true);
    assert.match(p.reason, /itself \(it is self-signed\)/);
  });

  it("warns when the certificate does not allow client authentication; survives garbage names", () => {
    const serverOnly = buildCertificate({
      subject: "CN=server-only",
      publicKey: selfKey,
      notBefore: nb,
      notAfter: na,
      eku: ["serverAuth"],
    });
    const p = predictClientCertificateSent(
      [serverOnly.cert],
      [Uint8Array.of(1, 2, 3), serverOnly.cert.subject.der],
    );
    assert.equal(p.sent, true);
    assert.match(p.warnings.join(), /no clientAuth/);
    assert.equal(predictClientCertificateSent([], []).sent, false);
  });
});

describe("describeServerVerdict", () => {
  const base: ServerAnswer = { completed: true, alerts: [], protocol: "TLSv1.3" };
  const req = { certificateAuthorities: [] };
  const alert = (code: number, name: string) => ({ level: "fatal", code, name });

  it("accepted, optional, not requested", () => {
    assert.equal(
      describeServerVerdict({
        ...base,
        certificateRequest: req,
        clientCertificate: { sent: true, verdict: "accepted" },
      }).summary,
      "the server accepted the client certificate",
    );
    assert.match(
      describeServerVerdict({
        ...base,
        certificateRequest: req,
        clientCertificate: { sent: false, verdict: "accepted" },
      }).summary,
      /optional/,
    );
    const nr = describeServerVerdict(base);
    assert.equal(nr.verdict, "not-requested");
    assert.match(nr.advice ?? "", /ssl_verify_client on/);
  });

  it("each alert in plain words", () => {
    const cases: [number, string, RegExp][] = [
      [116, "certificate_required", /requires a client certificate and none was sent/],
      [48, "unknown_ca", /does not trust the CA/],
      [42, "bad_certificate", /refused the client certificate as bad/],
      [45, "certificate_expired", /expired/],
      [44, "certificate_revoked", /revoked/],
      [40, "handshake_failure", /handshake failed/],
      [49, "access_denied", /denied access/],
      [51, "decrypt_error", /could not verify the client's signature/],
      [46, "certificate_unknown", /could not accept/],
    ];
    for (const [code, name, re] of cases) {
      const v = describeServerVerdict({
        ...base,
        certificateRequest: req,
        clientCertificate: { sent: true, verdict: "rejected", alert: alert(code, name) },
      });
      assert.equal(v.verdict, "rejected");
      assert.match(v.summary, re, name);
      assert.equal(v.alert?.code, code);
    }
    const unknownCa = describeServerVerdict({
      ...base,
      certificateRequest: req,
      clientCertificate: { sent: true, verdict: "rejected", alert: alert(48, "unknown_ca") },
    });
    assert.match(unknownCa.advice ?? "", /install-on-target/);
    const notSent = describeServerVerdict({
      completed: false,
      alerts: [alert(40, "handshake_failure")],
      failure: {
        kind: "alert",
        message: "handshake alert 40 (handshake_failure)",
        alert: alert(40, "handshake_failure"),
      },
      certificateRequest: req,
      clientCertificate: { sent: false, verdict: "rejected" },
    });
    assert.match(notSent.summary, /no client certificate was sent/);
  });

  it("unknown and failed", () => {
    assert.equal(
      describeServerVerdict({
        ...base,
        certificateRequest: req,
        clientCertificate: { sent: true, verdict: "unknown" },
      }).verdict,
      "unknown",
    );
    const f = describeServerVerdict({
      completed: false,
      alerts: [],
      failure: { kind: "refused", message: "connection refused" },
    });
    assert.equal(f.verdict, "failed");
    assert.match(f.summary, /connection refused/);
  });
});
