/** Mutual TLS client certificates (--purpose client): EKU, upload order, dual-use. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluateClients } from "../src/clients/evaluate.js";
import type { TrustStore } from "../src/trust/store.js";
import { buildCertificate, generateKeyPair } from "../src/x509/builder.js";

const NOW = new Date("2026-11-01T00:00:00Z");
const NB = new Date("2026-07-01T00:00:00Z");
const NA = new Date("2027-07-01T00:00:00Z");

function pki(eku: string[]) {
  const rootKey = generateKeyPair("ec-p256");
  const root = buildCertificate({
    subject: "Client Root",
    publicKey: rootKey,
    ca: true,
    notBefore: NB,
    notAfter: NA,
  });
  const icaKey = generateKeyPair("ec-p256");
  const ica = buildCertificate({
    subject: "Client ICA",
    issuer: { cert: root.cert, key: rootKey.privateKey },
    publicKey: icaKey,
    ca: true,
    notBefore: NB,
    notAfter: NA,
  });
  const leaf = buildCertificate({
    subject: "integration.example.com",
    issuer: { cert: ica.cert, key: icaKey.privateKey },
    publicKey: generateKeyPair("ec-p256"),
    eku,
    notBefore: NB,
    notAfter: NA,
  });
  const store: TrustStore = {
    id: "custom",
    name: "test roots",
    source: "test",
    anchors: [{ cert: root.cert, name: "Client Root", trustSource: "test" }],
    notes: [],
  };
  return { root, ica, leaf, store };
}

describe("verify --purpose client", () => {
  it("a clientAuth certificate sent first, then its CA, is trusted", () => {
    const { ica, leaf, store } = pki(["clientAuth"]);
    const m = evaluateClients({
      leaf: leaf.cert,
      presented: [leaf.cert, ica.cert],
      clients: ["salesforce", "java"],
      stores: store,
      time: NOW,
      purpose: "client",
    });
    assert.equal(m.trusted, true);
    assert.ok(!m.findings.some((f) => f.code === "client-chain-order" || f.code === "dual-use-eku"));
  });

  it("a serverAuth-only certificate is refused as a client certificate (extended-key-usage)", () => {
    const { ica, leaf, store } = pki(["serverAuth"]);
    const m = evaluateClients({
      leaf: leaf.cert,
      presented: [leaf.cert, ica.cert],
      clients: ["salesforce"],
      stores: store,
      time: NOW,
      purpose: "client",
    });
    assert.equal(m.trusted, false);
    assert.equal(m.clients[0].reason?.code, "extended-key-usage");
  });

  it("the CA before the client certificate is reported: Salesforce wants the client certificate first", () => {
    const { ica, leaf, store } = pki(["clientAuth"]);
    const m = evaluateClients({
      leaf: leaf.cert,
      presented: [ica.cert, leaf.cert],
      clients: ["salesforce"],
      stores: store,
      time: NOW,
      purpose: "client",
    });
    const f = m.findings.find((x) => x.code === "client-chain-order");
    assert.ok(f, JSON.stringify(m.findings.map((x) => x.code)));
    assert.match(f.message, /client certificate first/);
  });

  it("dual-use (serverAuth + clientAuth) is not flagged under a private root", () => {
    const { ica, leaf, store } = pki(["serverAuth", "clientAuth"]);
    const m = evaluateClients({
      leaf: leaf.cert,
      presented: [leaf.cert, ica.cert],
      clients: ["salesforce"],
      stores: store,
      time: NOW,
      purpose: "client",
    });
    assert.equal(m.trusted, true);
    assert.ok(
      !m.findings.some((f) => f.code === "dual-use-eku"),
      "only public roots are bound by the Chrome rule",
    );
  });
});
