/**
 * One rule at a time, each both ways: a chain that satisfies it is accepted, one that breaks it is
 * rejected with the rule's code, naming the certificate concerned.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type FindingCode, type Policy, type VerifyResult, verifyChain } from "../src/verify/index.js";
import * as pki from "./helpers/pki.js";

function policy(p: Partial<Policy> = {}): Policy {
  return {
    time: pki.NOW,
    purpose: "server",
    peerName: { kind: "dns", value: "example.com" },
    profile: "webpki",
    allowNonSelfSignedAnchors: false,
    ...p,
  };
}

function run(
  c: { root: pki.Issued; ica?: pki.Issued; leaf: pki.Issued },
  p: Partial<Policy> = {},
): VerifyResult {
  return verifyChain({
    leaf: c.leaf.cert,
    presented: c.ica ? [c.ica.cert] : [],
    anchors: [{ cert: c.root.cert }],
    policy: policy(p),
  });
}

function accepts(c: Parameters<typeof run>[0], p: Partial<Policy> = {}): void {
  const r = run(c, p);
  assert.equal(
    r.trusted,
    true,
    `expected trusted, got ${r.findings.map((f) => `${f.code}: ${f.detail}`).join("; ")}`,
  );
}

/** Rejected, and `code` is among the findings of the reported path (at `position` when given). */
function rejects(
  c: Parameters<typeof run>[0],
  code: FindingCode,
  position?: number,
  p: Partial<Policy> = {},
): VerifyResult {
  const r = run(c, p);
  assert.equal(r.trusted, false, `expected ${code}, but the chain was trusted`);
  const hit = r.findings.find(
    (f) => f.code === code && (position === undefined || f.cert?.position === position),
  );
  assert.ok(
    hit,
    `expected ${code}${position !== undefined ? ` at ${position}` : ""}, got ${r.findings.map((f) => `${f.code}@${f.cert?.position}: ${f.detail}`).join("; ")}`,
  );
  assert.equal(hit.severity, "error");
  assert.ok(hit.message.length > 10);
  return r;
}

/** Trusted, with `code` reported as a warning (at `position` when given). */
function warns(
  c: Parameters<typeof run>[0],
  code: FindingCode,
  position?: number,
  p: Partial<Policy> = {},
): void {
  const r = run(c, p);
  assert.equal(
    r.trusted,
    true,
    `expected trusted, got ${r.findings.map((f) => `${f.code}: ${f.detail}`).join("; ")}`,
  );
  assert.ok(
    r.findings.some(
      (f) =>
        f.code === code &&
        f.severity === "warning" &&
        (position === undefined || f.cert?.position === position),
    ),
    `expected a ${code} warning, got ${JSON.stringify(r.findings.map((f) => [f.code, f.severity, f.cert?.position]))}`,
  );
}

const UNKNOWN = "1.3.6.1.4.1.55738.666.1";

describe("validity (RFC 5280 4.1.2.5, 6.1.3 (a)(2))", () => {
  const nb = new Date("2024-03-01T00:00:00Z");
  const na = new Date("2024-04-01T00:00:00Z");
  it("includes both notBefore and notAfter", () => {
    const c = pki.chain3({ leaf: { notBefore: nb, notAfter: na } });
    accepts(c, { time: nb });
    accepts(c, { time: na });
    accepts(c, { time: new Date(na.getTime() + 999) }); // fractions are floored to the second
  });
  it("rejects one second outside either end", () => {
    const c = pki.chain3({ leaf: { notBefore: nb, notAfter: na } });
    rejects(c, "expired", 0, { time: new Date(na.getTime() + 1000) });
    rejects(c, "not-yet-valid", 0, { time: new Date(nb.getTime() - 1) });
  });
  it("applies to intermediates and roots", () => {
    rejects(pki.chain3({ ica: { notAfter: new Date("2025-01-01T00:00:00Z") } }), "expired", 1);
    rejects(pki.chain3({ root: { notBefore: new Date("2035-01-01T00:00:00Z") } }), "not-yet-valid", 2);
  });
});

describe("basicConstraints (RFC 5280 4.2.1.9, 6.1.4 (k))", () => {
  it("requires issuers to be CAs", () => {
    accepts(pki.chain3());
    rejects(pki.chain3({ ica: { ca: false, keyUsage: ["digitalSignature"] } }), "not-a-ca", 1);
    rejects(pki.chain3({ ica: { ca: undefined, keyUsage: ["digitalSignature"] } }), "not-a-ca", 1);
  });
  it("requires the root to be a CA too", () => {
    rejects(pki.chain3({ root: { ca: undefined, keyUsage: ["digitalSignature"] } }), "not-a-ca", 2);
  });
  it("requires basicConstraints to be critical in CA certificates", () => {
    rejects(pki.chain3({ ica: { ca: { critical: false } } }), "extension-criticality", 1);
    // A trust anchor's: an error under RFC 5280 and in pedantic mode; a warning in the Web PKI profile,
    // where browsers trust such roots (Chunghwa ePKI Root).
    const root = pki.chain3({ root: { ca: { critical: false } } });
    rejects(root, "extension-criticality", 2, { profile: "rfc5280" });
    rejects(root, "extension-criticality", 2, { pedantic: true });
    warns(root, "extension-criticality", 2);
  });
  it("Web PKI: a CA certificate is not accepted as the leaf; RFC 5280 allows it", () => {
    const root = pki.root();
    const caLeaf = pki.issue(root, {
      name: "ca.example.com",
      ca: true,
      san: [{ dns: "example.com" }],
      eku: ["serverAuth"],
    });
    rejects({ root, leaf: caLeaf }, "ca-as-end-entity", 0);
    accepts({ root, leaf: caLeaf }, { profile: "rfc5280" });
  });
});

describe("pathLenConstraint (RFC 5280 6.1.4 (l)-(m))", () => {
  it("counts the CAs below, not the leaf", () => {
    accepts(pki.chain3({ ica: { ca: { pathLen: 0 } } }));
    accepts(pki.chain3({ root: { ca: { pathLen: 1 } } }));
  });
  it("rejects one CA too many", () => {
    rejects(pki.chain3({ root: { ca: { pathLen: 0 } } }), "path-length-exceeded", 2);
    const root = pki.root();
    const i1 = pki.issue(root, { name: "I1", ca: { pathLen: 0 } });
    const i2 = pki.issue(i1, { name: "I2", ca: true });
    const leaf = pki.leafFor(i2, "example.com");
    const r = verifyChain({
      leaf: leaf.cert,
      presented: [i1.cert, i2.cert],
      anchors: [{ cert: root.cert }],
      policy: policy(),
    });
    assert.equal(r.trusted, false);
    assert.equal(r.findings[0].code, "path-length-exceeded");
    assert.equal(r.findings[0].cert?.position, 2);
  });
  it("does not count self-issued intermediates", () => {
    const root = pki.root();
    const i1 = pki.issue(root, { name: "I", ca: { pathLen: 0 } });
    const rollover = pki.issue(i1, { name: "I", ca: { pathLen: 0 } }); // self-issued: new key, same name
    const leaf = pki.leafFor(rollover, "example.com");
    const r = verifyChain({
      leaf: leaf.cert,
      presented: [i1.cert, rollover.cert],
      anchors: [{ cert: root.cert }],
      policy: policy(),
    });
    assert.equal(r.trusted, true, JSON.stringify(r.findings));
    assert.equal(r.path.length, 4);
  });
});

describe("maxDepth", () => {
  it("limits the number of intermediates", () => {
    accepts(pki.chain3(), { maxDepth: 1 });
    rejects(pki.chain3(), "max-depth-exceeded", 1, { maxDepth: 0 });
  });
});

describe("keyUsage (RFC 5280 4.2.1.3, 6.1.4 (n))", () => {
  it("requires keyCertSign in a CA that has keyUsage", () => {
    accepts(pki.chain3({ ica: { keyUsage: ["keyCertSign"] } }));
    rejects(pki.chain3({ ica: { keyUsage: ["digitalSignature", "cRLSign"] } }), "key-usage", 1);
    rejects(pki.chain3({ root: { keyUsage: ["cRLSign"] } }), "key-usage", 2);
  });
  it("rejects keyCertSign in a certificate that is not a CA", () => {
    rejects(pki.chain3({ leaf: { keyUsage: ["digitalSignature", "keyCertSign"] } }), "key-usage", 0);
  });
  it("checks the key usages the caller requires of the leaf", () => {
    accepts(pki.chain3(), { requiredKeyUsage: ["digitalSignature"] });
    accepts(pki.chain3({ leaf: { keyUsage: undefined } }), { requiredKeyUsage: ["keyEncipherment"] });
    rejects(pki.chain3(), "key-usage", 0, { requiredKeyUsage: ["keyEncipherment"] });
  });
});

describe("extendedKeyUsage (RFC 5280 4.2.1.12; CABF EKU chaining)", () => {
  it("requires the purpose in the leaf's EKU", () => {
    accepts(pki.chain3({ leaf: { eku: ["serverAuth", "clientAuth"] } }));
    rejects(pki.chain3({ leaf: { eku: ["clientAuth"] } }), "extended-key-usage", 0);
    accepts(pki.chain3({ leaf: { eku: ["clientAuth"] } }), { purpose: "client", peerName: undefined });
    accepts(pki.chain3({ leaf: { eku: ["codeSigning"] } }), { requiredEku: ["1.3.6.1.5.5.7.3.3"] });
  });
  it("accepts a leaf without EKU, or with anyExtendedKeyUsage, unless pedantic Web PKI", () => {
    const noEku = pki.chain3({ leaf: { eku: undefined } });
    accepts(noEku);
    rejects(noEku, "extended-key-usage", 0, { pedantic: true });
    accepts(noEku, { pedantic: true, profile: "rfc5280" });
    const any = pki.chain3({ leaf: { eku: ["any"] } });
    accepts(any);
    rejects(any, "extended-key-usage", 0, { pedantic: true });
    rejects(
      pki.chain3({ leaf: { eku: { usages: ["serverAuth"], critical: true } } }),
      "extended-key-usage",
      0,
      { pedantic: true },
    );
  });
  it("Web PKI: an intermediate's EKU constrains the chain; RFC 5280 does not chain EKU", () => {
    const c = pki.chain3({ ica: { eku: ["clientAuth"] } });
    rejects(c, "extended-key-usage", 1);
    accepts(c, { profile: "rfc5280" });
    accepts(pki.chain3({ ica: { eku: ["serverAuth", "clientAuth"] } }));
    accepts(pki.chain3({ ica: { eku: ["any"] } }));
  });
  it("pedantic Web PKI: a root must not carry an EKU", () => {
    const c = pki.chain3({ root: { eku: ["serverAuth"] } });
    accepts(c);
    rejects(c, "extended-key-usage", 2, { pedantic: true });
  });
});

describe("critical extensions (RFC 5280 4.2)", () => {
  it("rejects an unknown critical extension anywhere in the path", () => {
    const crit = [pki.ext(UNKNOWN, pki.nul(), true)];
    rejects(pki.chain3({ leaf: { extensions: crit } }), "unknown-critical-extension", 0);
    rejects(pki.chain3({ ica: { extensions: crit } }), "unknown-critical-extension", 1);
    rejects(pki.chain3({ root: { extensions: crit } }), "unknown-critical-extension", 2);
  });
  it("ignores an unknown non-critical extension", () => {
    accepts(pki.chain3({ leaf: { extensions: [pki.ext(UNKNOWN, pki.nul())] } }));
  });
  it("rejects a CT precertificate (critical poison)", () => {
    rejects(
      pki.chain3({ leaf: { extensions: [pki.ext("1.3.6.1.4.1.11129.2.4.3", pki.nul(), true)] } }),
      "unknown-critical-extension",
      0,
    );
  });
  it("enforces MUST-be-critical and MUST-NOT-be-critical extensions", () => {
    rejects(
      pki.chain3({
        leaf: {
          aki: false,
          extensions: [pki.ext("2.5.29.35", pki.seq(pki.tlv(0x80, Uint8Array.from([1]))), true)],
        },
      }),
      "extension-criticality",
      0,
    );
    // policyConstraints and inhibitAnyPolicy MUST be critical (RFC 5280); the Web PKI profile only warns,
    // as browsers process them anyway and Federal PKI CAs mark them non-critical.
    const pc = pki.chain3({ ica: { policyConstraints: { requireExplicitPolicy: 5, critical: false } } });
    rejects(pc, "extension-criticality", 1, { profile: "rfc5280" });
    warns(pc, "extension-criticality", 1);
    accepts(pki.chain3({ ica: { policyConstraints: { requireExplicitPolicy: 5 } } }), { profile: "rfc5280" });
    const iap = pki.chain3({ ica: { inhibitAnyPolicy: { skip: 5, critical: false } } });
    rejects(iap, "extension-criticality", 1, { profile: "rfc5280" });
    rejects(iap, "extension-criticality", 1, { pedantic: true });
  });
});

describe("malformed and duplicate extensions (RFC 5280 4.2)", () => {
  it("rejects a duplicated extension", () => {
    const san = pki.ext("2.5.29.17", pki.seq(pki.generalName({ dns: "example.com" })));
    rejects(pki.chain3({ leaf: { extensions: [san] } }), "malformed-extension", 0);
  });
  it("rejects an extension that does not decode", () => {
    rejects(
      pki.chain3({
        leaf: { extensions: [pki.ext("1.3.6.1.5.5.7.1.1", Uint8Array.from([0x30, 0x05, 0x01]))] },
      }),
      "malformed-extension",
      0,
    );
  });
  it("rejects an empty authorityInfoAccess", () => {
    rejects(
      pki.chain3({ leaf: { extensions: [pki.ext("1.3.6.1.5.5.7.1.1", pki.seq())] } }),
      "malformed-extension",
      0,
    );
  });
  it("rejects nameConstraints in a leaf, and empty nameConstraints", () => {
    rejects(
      pki.chain3({ leaf: { nameConstraints: { permitted: [{ dns: "example.com" }] } } }),
      "malformed-extension",
      0,
    );
    rejects(pki.chain3({ ica: { nameConstraints: {} } }), "malformed-extension", 1);
  });
});

describe("signatures (RFC 5280 6.1.3 (a)(1), 4.1.1.2)", () => {
  it("rejects a certificate not signed by its issuer's key", () => {
    const r = rejects(pki.chain3({ leaf: { signWith: pki.newKey() } }), "bad-signature", 0);
    assert.equal(r.findings.find((f) => f.code === "bad-signature")?.issuer?.position, 1);
  });
  it("rejects differing inner and outer signature algorithms", () => {
    rejects(pki.chain3({ leaf: { tbsSigAlg: "ecdsa-sha384" } }), "signature-algorithm-mismatch", 0);
  });
  it("verifies RSA chains too", () => {
    accepts(pki.chain3({ root: { keyKind: "rsa2048" }, ica: { keyKind: "rsa2048" } }));
    rejects(
      pki.chain3({ root: { keyKind: "rsa2048" }, ica: { signWith: pki.newKey("rsa2048") } }),
      "bad-signature",
      1,
    );
  });
  it("reports an algorithm that does not fit the issuer's key as unsupported", () => {
    rejects(
      pki.chain3({ leaf: { sigAlg: "rsa-sha256", signWith: pki.newKey("rsa2048") } }),
      "unsupported-signature-algorithm",
      0,
    );
  });
  it("verifies RSASSA-PSS; the Web PKI accepts only its CABF encodings", () => {
    const rsa = { root: { keyKind: "rsa2048" as const }, ica: { keyKind: "rsa2048" as const } };
    accepts(pki.chain3({ ...rsa, leaf: { sigAlg: "rsa-pss-sha256" } }));
    const salt20 = pki.chain3({ ...rsa, leaf: { sigAlg: "rsa-pss-sha256-salt20" } });
    rejects(salt20, "weak-signature-algorithm", 0);
    accepts(salt20, { profile: "rfc5280" });
  });
  it("Web PKI: rejects SHA-1 signatures; RFC 5280 profile does not", () => {
    const c = pki.chain3({ leaf: { sigAlg: "ecdsa-sha1" } });
    rejects(c, "weak-signature-algorithm", 0);
    accepts(c, { profile: "rfc5280" });
  });
});

describe("keys (CABF BR 6.1.5, 7.1.3.1)", () => {
  it("Web PKI: a CA key must be RSA ≥ 2048 or P-256/384/521", () => {
    accepts(pki.chain3({ ica: { keyKind: "p384" } }));
  });
  it("checks the leaf's key only in pedantic mode", () => {
    accepts(pki.chain3({ leaf: { keyKind: "p384" } }), { pedantic: true });
  });
});

describe("key identifiers (RFC 5280 4.2.1.1-2; CABF BR 7.1.2.1.3)", () => {
  it("requires authorityKeyIdentifier.keyIdentifier in certificates that are not self-signed", () => {
    rejects(pki.chain3({ leaf: { aki: false } }), "key-identifier", 0);
    rejects(pki.chain3({ ica: { aki: false } }), "key-identifier", 1);
    accepts(pki.chain3({ root: { aki: false } }));
  });
  it("requires subjectKeyIdentifier in CA certificates", () => {
    rejects(pki.chain3({ ica: { ski: false } }), "key-identifier", 1);
    // A root without SKI (TWCA Global Root CA): an error under RFC 5280, a warning in the Web PKI.
    rejects(pki.chain3({ root: { ski: false } }), "key-identifier", 2, { profile: "rfc5280" });
    warns(pki.chain3({ root: { ski: false } }), "key-identifier", 2);
    accepts(pki.chain3({ leaf: { ski: false } }));
  });
  it("Web PKI: authorityCertIssuer/SerialNumber in an AKI is a warning unless pedantic (QuoVadis Root CA 2)", () => {
    const aki = pki.seq(
      pki.tlv(0x80, Uint8Array.from([1, 2, 3])),
      pki.ctx(1, true, pki.ctx(4, true, pki.name("Root"))),
      pki.tlv(0x82, Uint8Array.from([7])),
    );
    const c = pki.chain3({
      root: { ski: Uint8Array.from([1, 2, 3]), aki: false, extensions: [pki.ext("2.5.29.35", aki)] },
    });
    warns(c, "key-identifier", 2);
    rejects(c, "key-identifier", 2, { pedantic: true });
    accepts(c, { profile: "rfc5280" });
  });
  it("Web PKI: a root's AKI must equal its SKI", () => {
    accepts(pki.chain3({ root: { aki: true } }));
    rejects(pki.chain3({ root: { aki: Uint8Array.from([9, 9, 9]) } }), "key-identifier", 2);
    accepts(pki.chain3({ root: { aki: Uint8Array.from([9, 9, 9]) } }), { profile: "rfc5280" });
  });
});

describe("names (RFC 5280 4.1.2.4, 4.1.2.6, 4.2.1.6)", () => {
  it("rejects a dNSName SAN outside the preferred name syntax", () => {
    rejects(
      pki.chain3({ leaf: { san: [{ dns: "example.com" }, { dns: "foo_bar.example.com" }] } }),
      "invalid-name",
      0,
    );
    rejects(
      pki.chain3({ leaf: { san: [{ dns: "example.com" }, { dns: ".example.com" }] } }),
      "invalid-name",
      0,
    );
    accepts(pki.chain3({ leaf: { san: [{ dns: "example.com" }, { dns: "*.example.com" }] } }));
  });
  it("rejects an rfc822Name SAN that is not a mailbox", () => {
    rejects(
      pki.chain3({ leaf: { san: [{ dns: "example.com" }, { email: "a@b@example.com" }] } }),
      "invalid-name",
      0,
    );
    accepts(pki.chain3({ leaf: { san: [{ dns: "example.com" }, { email: "*@example.com" }] } }));
  });
  it("requires a critical SAN when the subject is empty, and (Web PKI) a non-critical one otherwise", () => {
    const root = pki.root();
    const ok = pki.issue(root, {
      name: "",
      san: { names: [{ dns: "example.com" }], critical: true },
      eku: ["serverAuth"],
    });
    accepts({ root, leaf: ok });
    rejects(
      { root, leaf: pki.issue(root, { name: "", san: [{ dns: "example.com" }] }) },
      "extension-criticality",
      0,
    );
    const critWithSubject = pki.issue(root, {
      name: "example.com",
      san: { names: [{ dns: "example.com" }], critical: true },
    });
    rejects({ root, leaf: critWithSubject }, "extension-criticality", 0);
    accepts({ root, leaf: critWithSubject }, { profile: "rfc5280" });
  });
  it("rejects an empty issuer name and a CA with an empty subject", () => {
    const root = pki.root({ name: "", san: { names: [{ dns: "root.example" }], critical: true } });
    rejects({ root, leaf: pki.leafFor(root, "example.com") }, "invalid-name");
  });
  it("Web PKI: a CN that repeats a SAN must repeat it exactly (CABF BR 7.1.4.3)", () => {
    accepts(pki.chain3({ leaf: { name: "example.com" } }));
    accepts(pki.chain3({ leaf: { name: "Some Service" } })); // unrelated CNs are ignored, as clients do
    rejects(pki.chain3({ leaf: { name: "Example.COM" } }), "cn-not-in-san", 0);
    accepts(pki.chain3({ leaf: { name: "Example.COM" } }), { profile: "rfc5280" });
    const ip = pki.chain3({ host: "192.168.1.1", leaf: { name: "192.168.001.001" } });
    rejects(ip, "cn-not-in-san", 0, { peerName: { kind: "ip", value: "192.168.1.1" } });
    const v6 = pki.chain3({ host: "2001:db8::1", leaf: { name: "2001:DB8::1" } });
    rejects(v6, "cn-not-in-san", 0, { peerName: { kind: "ip", value: "2001:db8::1" } });
  });
});

describe("serial numbers (RFC 5280 4.1.2.2), pedantic", () => {
  it("rejects zero, negative and over-long serials only in pedantic mode", () => {
    for (const serial of [Uint8Array.from([0]), Uint8Array.from([0x80, 1]), new Uint8Array(21).fill(1)]) {
      const c = pki.chain3({ leaf: { serial } });
      accepts(c);
      rejects(c, "invalid-serial-number", 0, { pedantic: true });
    }
    accepts(pki.chain3({ leaf: { serial: Uint8Array.from([0, ...new Array(20).fill(0xff)]) } }), {
      pedantic: true,
    });
  });
});

describe("version (CABF BR 7.1.1)", () => {
  it("Web PKI: the leaf must be v3", () => {
    const root = pki.root();
    const v1 = pki.issue(root, { name: "example.com", version: 1 });
    rejects({ root, leaf: v1 }, "unsupported-version", 0, {
      peerName: undefined,
      ignore: ["key-identifier"],
    });
  });
});

describe("name constraints (RFC 5280 4.2.1.10) through the path builder", () => {
  it("applies a CA's constraints to every certificate below it", () => {
    accepts(pki.chain3({ ica: { nameConstraints: { permitted: [{ dns: "example.com" }] } } }));
    accepts(pki.chain3({ root: { nameConstraints: { permitted: [{ dns: "example.com" }] } } }));
    rejects(
      pki.chain3({ ica: { nameConstraints: { excluded: [{ dns: "example.com" }] } } }),
      "name-constraints-violated",
      0,
    );
    rejects(
      pki.chain3({ root: { nameConstraints: { permitted: [{ dns: "example.org" }] } } }),
      "name-constraints-violated",
      0,
    );
  });
  it("exempts self-issued intermediates but not the leaf", () => {
    const root = pki.root({ nameConstraints: { permitted: [{ dns: "example.com" }] } });
    const ica = pki.issue(root, { name: "ICA", ca: true, san: [{ dns: "not-example.com" }] });
    const rollover = pki.issue(ica, { name: "ICA", ca: true, san: [{ dns: "not-example.com" }] });
    const leaf = pki.leafFor(rollover, "example.com");
    const r = verifyChain({
      leaf: leaf.cert,
      presented: [ica.cert, rollover.cert],
      anchors: [{ cert: root.cert }],
      policy: policy(),
    });
    // ica itself is not self-issued (issued by the root), so its SAN is constrained: rejected.
    assert.equal(r.trusted, false);
    assert.equal(r.findings.find((f) => f.code === "name-constraints-violated")?.cert?.position, 2);
  });
  it("constrains a leaf CN that hostname matching could use", () => {
    const nc = { nameConstraints: { permitted: [{ dns: "example.com" }] } };
    // No SAN: the CN is a name; evil.org is outside the permitted subtree.
    const noSan = pki.chain3({ ica: nc, leaf: { name: "evil.org", san: undefined } });
    rejects(noSan, "name-constraints-violated", 0, { peerName: undefined });
    // An IP-only SAN: the CN is ignored, unless cnFallback would match a DNS name against it.
    const ipOnly = pki.chain3({ ica: nc, leaf: { name: "evil.org", san: [{ ip: "10.0.0.1" }] } });
    accepts(ipOnly, { peerName: { kind: "ip", value: "10.0.0.1" } });
    rejects(ipOnly, "name-constraints-violated", 0, {
      peerName: { kind: "dns", value: "evil.org" },
      cnFallback: true,
    });
  });

  it("requires a critical nameConstraints under RFC 5280 but not in the Web PKI", () => {
    const c = pki.chain3({
      ica: { nameConstraints: { permitted: [{ dns: "example.com" }], critical: false } },
    });
    accepts(c);
    rejects(c, "extension-criticality", 1, { profile: "rfc5280" });
  });
  it("gives up with budget-exceeded on quadratic constraint checks", () => {
    const permitted = Array.from({ length: 600 }, (_, i) => ({ dns: `n${i}.example.com` }));
    const san = Array.from({ length: 600 }, (_, i) => ({ dns: `n${i}.example.com` }));
    const c = pki.chain3({
      host: "n0.example.com",
      ica: { nameConstraints: { permitted } },
      leaf: { san, name: "x" },
    });
    rejects(c, "budget-exceeded", undefined, { peerName: { kind: "dns", value: "n0.example.com" } });
  });
});

describe("peer names (RFC 6125) through the verifier", () => {
  it("matches DNS, IP and e-mail names", () => {
    accepts(pki.chain3({ host: "www.example.com" }), { peerName: { kind: "dns", value: "www.example.com" } });
    rejects(pki.chain3(), "hostname-mismatch", 0, { peerName: { kind: "dns", value: "www.example.com" } });
    accepts(pki.chain3({ host: "10.0.0.1" }), { peerName: { kind: "ip", value: "10.0.0.1" } });
    const mail = pki.chain3({ leaf: { san: [{ email: "a@example.com" }], eku: ["clientAuth"] } });
    accepts(mail, { purpose: "client", peerName: { kind: "email", value: "a@example.com" } });
    rejects(mail, "hostname-mismatch", 0, {
      purpose: "client",
      peerName: [
        { kind: "email", value: "a@example.com" },
        { kind: "email", value: "b@example.com" },
      ],
    });
  });
  it("consults the CN only with cnFallback", () => {
    const c = pki.chain3({ leaf: { san: undefined } });
    rejects(c, "hostname-mismatch", 0);
    accepts(c, { cnFallback: true });
  });
});

describe("the caller's pathCheck hook and ignore list", () => {
  it("rejects a candidate path and lets building continue with another", () => {
    const rootA = pki.root({ name: "Distrusted" });
    const rootB = pki.root({ name: "Good" });
    const key = pki.newKey();
    const viaA = pki.issue(rootA, { name: "ICA", key, ca: true });
    const viaB = pki.issue(rootB, { name: "ICA", key, ca: true });
    const leaf = pki.leafFor(viaA, "example.com");
    const pathCheck: Policy["pathCheck"] = (p) =>
      p.anchor.cert.label === "Distrusted"
        ? [{ code: "distrusted", detail: "root distrusted", cert: p.anchor.cert }]
        : [];
    const both = verifyChain({
      leaf: leaf.cert,
      presented: [viaA.cert, viaB.cert],
      anchors: [{ cert: rootA.cert }, { cert: rootB.cert }],
      policy: policy({ pathCheck }),
    });
    assert.equal(both.trusted, true);
    assert.equal(both.anchor?.cert, rootB.cert);
    const onlyA = verifyChain({
      leaf: leaf.cert,
      presented: [viaA.cert],
      anchors: [{ cert: rootA.cert }],
      policy: policy({ pathCheck }),
    });
    assert.equal(onlyA.trusted, false);
    assert.equal(onlyA.findings[0].code, "distrusted");
    assert.equal(onlyA.findings[0].cert?.role, "anchor");
  });
  it("reports ignored codes as warnings and accepts", () => {
    const c = pki.chain3({ leaf: { aki: false } });
    const r = run(c, { ignore: ["key-identifier"] });
    assert.equal(r.trusted, true);
    assert.equal(r.findings[0].code, "key-identifier");
    assert.equal(r.findings[0].severity, "warning");
  });
});

describe("wildcards over public suffixes (CABF BR 3.2.2.6), pedantic Web PKI", () => {
  it("knows ICANN and private public suffixes, wildcards and exceptions", async () => {
    const { isPublicSuffix } = await import("../src/verify/psl.js");
    for (const d of ["com", "co.uk", "CO.UK.", "s3.amazonaws.com", "github.io", "foo.ck", "xn--fiqs8s", ""]) {
      assert.equal(isPublicSuffix(d), true, d);
    }
    for (const d of ["example.com", "example.co.uk", "www.ck", "bucket.s3.amazonaws.com", "user.github.io"]) {
      assert.equal(isPublicSuffix(d), false, d);
    }
  });
  it("rejects *.co.uk and *.s3.amazonaws.com only in pedantic mode, and never *.example.co.uk", () => {
    for (const [wild, host] of [
      ["*.co.uk", "example.co.uk"],
      ["*.s3.amazonaws.com", "example.s3.amazonaws.com"],
    ]) {
      const c = pki.chain3({ host, leaf: { name: host, san: [{ dns: wild }] } });
      accepts(c, { peerName: { kind: "dns", value: host } });
      rejects(c, "invalid-name", 0, { peerName: { kind: "dns", value: host }, pedantic: true });
    }
    const ok = pki.chain3({
      host: "www.example.co.uk",
      leaf: { name: "x", san: [{ dns: "*.example.co.uk" }] },
    });
    accepts(ok, { peerName: { kind: "dns", value: "www.example.co.uk" }, pedantic: true });
  });
});

describe("real trust stores", () => {
  it("every root Mozilla trusts for TLS passes the Web PKI checks on trust anchors (warnings at most)", async () => {
    const { loadMozillaRoots } = await import("../src/trust/bundled.js");
    const { CertChecks } = await import("../src/verify/checks.js");
    const { resolvePolicy } = await import("../src/verify/policy.js");
    const { parseCertificate } = await import("../src/x509/certificate.js");
    const checks = new CertChecks(resolvePolicy(policy({ time: new Date("2026-01-01T00:00:00Z") })));
    const bad: string[] = [];
    for (const r of loadMozillaRoots()) {
      if (r.serverAuth !== "trusted-delegator") continue;
      const errors = checks
        .get(parseCertificate(r.der), "anchor")
        .filter((f) => f.severity !== "warning" && f.code !== "expired");
      if (errors.length) bad.push(`${r.label}: ${errors.map((f) => `${f.code} ${f.detail}`).join("; ")}`);
    }
    assert.deepEqual(bad, []);
  });
});

describe("policy objects, however built", () => {
  const root = pki.root({ name: "Policy shape root" });
  const leaf = pki.leafFor(root, "example.com");
  const verdict = (p: Policy) => {
    const r = verifyChain({ leaf: leaf.cert, presented: [], anchors: [{ cert: root.cert }], policy: p });
    return { trusted: r.trusted, codes: r.findings.map((f) => f.code) };
  };
  const literal = policy();
  const wrongHost = { kind: "dns" as const, value: "other.example" };

  it("a spread-built, prototype-inherited or getter policy gives the literal's verdict", () => {
    assert.deepEqual(verdict(literal), { trusted: true, codes: [] });
    assert.deepEqual(verdict({ ...literal, peerName: wrongHost }), verdict(policy({ peerName: wrongHost })));
    assert.equal(verdict({ ...literal, peerName: wrongHost }).trusted, false);
    // Fields inherited from a prototype are the policy's too (the copy resolvePolicy makes must not lose them).
    const inherited: Policy = Object.create(policy({ peerName: wrongHost }));
    assert.deepEqual(verdict(inherited), verdict(policy({ peerName: wrongHost })));
    class GetterPolicy {
      get time() {
        return pki.NOW;
      }
      get purpose() {
        return "server" as const;
      }
      get profile() {
        return "webpki" as const;
      }
      get allowNonSelfSignedAnchors() {
        return false;
      }
      get peerName() {
        return wrongHost;
      }
    }
    assert.deepEqual(verdict(new GetterPolicy()), verdict(policy({ peerName: wrongHost })));
  });
});
