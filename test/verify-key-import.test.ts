/**
 * Issuer keys handed to node:crypto in their narrow form on first use and imported as KeyObjects on the
 * second (src/verify/signatures.ts): the verdict is the same either way, for good keys, wrong keys and
 * keys node:crypto refuses.
 */

import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import { type Policy, type VerifyResult, verifyChain } from "../src/verify/index.js";
import { forgetImportedKeys } from "../src/verify/signatures.js";
import { parseCertificate } from "../src/x509/certificate.js";
import * as pki from "./helpers/pki.js";

const POLICY: Policy = {
  time: pki.NOW,
  purpose: "server",
  peerName: { kind: "dns", value: "example.com" },
  profile: "webpki",
  allowNonSelfSignedAnchors: false,
};

/** Verifies from fresh parses, so no signature outcome cached on a certificate object can answer. */
function verify(leaf: pki.Issued, ica: pki.Issued, root: pki.Issued): VerifyResult {
  return verifyChain({
    leaf: parseCertificate(leaf.der),
    presented: [parseCertificate(ica.der)],
    anchors: [{ cert: parseCertificate(root.der) }],
    policy: POLICY,
  });
}

const errors = (r: VerifyResult) =>
  r.findings.filter((f) => f.severity === "error").map((f) => `${f.code}: ${f.message}`);

function rsaKey(): pki.KeyPair {
  const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    kind: "rsa2048",
    ...pair,
    spki: new Uint8Array(pair.publicKey.export({ format: "der", type: "spki" })),
  };
}

describe("issuer keys on first and later use", () => {
  for (const kind of ["rsa2048", "p256"] as const) {
    it(`${kind}: a good chain is trusted and a look-alike's signature refused, before and after the import`, () => {
      const root = pki.root({ name: "Key import root", keyKind: kind });
      const key = kind === "rsa2048" ? rsaKey() : pki.newKey("p256");
      const ica = pki.issue(root, { name: "Key import ICA", ca: true, key });
      const leaf = pki.leafFor(ica, "example.com");
      // Same name, another key: the leaf was not signed by it.
      const impostor = pki.issue(root, { name: "Key import ICA", ca: true, keyKind: kind });
      forgetImportedKeys();
      const first = [verify(leaf, ica, root), verify(leaf, impostor, root)];
      const later = [verify(leaf, ica, root), verify(leaf, impostor, root)];
      forgetImportedKeys();
      // The impostor's key first this time, so its first use is the refused signature.
      const reversed = [verify(leaf, impostor, root), verify(leaf, ica, root)].reverse();
      for (const [good, bad] of [first, later, reversed]) {
        assert.equal(good.trusted, true, errors(good).join("; "));
        assert.equal(bad.trusted, false);
        assert.deepEqual(
          bad.findings.filter((f) => f.severity === "error").map((f) => f.code),
          ["bad-signature"],
        );
      }
      assert.deepEqual(errors(first[1]), errors(later[1]));
    });
  }

  it("an RSA key node:crypto cannot decode gets the same finding on first use and after", () => {
    const root = pki.root({ name: "Broken key root" });
    const real = rsaKey();
    // rsaEncryption with NULL parameters, then a BIT STRING holding SEQUENCE { INTEGER 0 }: no exponent.
    const spki = Uint8Array.from(
      Buffer.from("3019300d06092a864886f70d010101050003080030050203000000", "hex"),
    );
    const ica = pki.issue(root, { name: "Broken key ICA", ca: true, key: { ...real, spki } });
    const leaf = pki.leafFor(ica, "example.com");
    forgetImportedKeys();
    const first = verify(leaf, ica, root);
    const later = verify(leaf, ica, root);
    assert.equal(first.trusted, false);
    // Refused by the import, so verifySignature decides, as it did before keys were passed unimported.
    assert.ok(first.findings.some((f) => f.code === "unsupported-signature-algorithm"));
    assert.deepEqual(errors(later), errors(first));
  });
});
