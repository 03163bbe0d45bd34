/**
 * Lazy anchors (issue 13): Mozilla's anchors carry the facts recorded with the bundled data (SHA-256, subject
 * and issuer match keys, self-signed) and are parsed only when a chain names them. These tests check that the
 * facts are the parsed certificates' own, that verdicts are the same as with every root parsed up front, and
 * that a verdict parses only the roots its chain names.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluateClients } from "../src/clients/evaluate.js";
import { CLIENT_IDS } from "../src/clients/profile.js";
import { mozillaStore } from "../src/trust/mozilla.js";
import type { TrustAnchor, TrustStore } from "../src/trust/store.js";
import { selfSigned } from "../src/verify/index.js";
import { parseCertificate } from "../src/x509/certificate.js";
import * as pki from "./helpers/pki.js";

/** The same store with every root parsed up front and no recorded facts: the behaviour before lazy anchors. */
function parsedUpFront(store: TrustStore): TrustStore {
  return {
    ...store,
    anchors: store.anchors.map(({ facts, ...rest }): TrustAnchor => ({ ...rest, cert: rest.cert })),
  };
}

/** The store with each anchor's parse observed: `parsed` lists the names of the anchors whose cert was read. */
function observed(store: TrustStore): { store: TrustStore; parsed: string[] } {
  const parsed: string[] = [];
  const anchors = store.anchors.map((a): TrustAnchor => {
    const { cert: _, ...rest } = Object.getOwnPropertyDescriptors(a);
    const copy = Object.defineProperties({}, rest) as TrustAnchor;
    Object.defineProperty(copy, "cert", {
      get: () => {
        if (!parsed.includes(a.name)) parsed.push(a.name);
        return a.cert;
      },
    });
    return copy;
  });
  return { store: { ...store, anchors }, parsed };
}

/** A chain under a root of our own that bears the subject of Mozilla's "ISRG Root X1" (another key). */
function lookAlikeChain() {
  const root = pki.root({
    name: [
      ["C", "US"],
      ["O", "Internet Security Research Group"],
      ["CN", "ISRG Root X1"],
    ],
  });
  const ica = pki.issue(root, { name: "Look-alike ICA", ca: true });
  const leaf = pki.leafFor(ica, "lazy.example");
  return { root, leaf: parseCertificate(leaf.der), ica: parseCertificate(ica.der) };
}

describe("lazy anchors (bundled Mozilla store)", () => {
  it("every TLS anchor's recorded facts are its parsed certificate's", () => {
    const store = mozillaStore();
    assert.equal(store.anchors.length, 121);
    for (const a of store.anchors) {
      assert.ok(a.facts, `${a.name} has recorded facts`);
      assert.equal(a.facts.sha256, a.cert.sha256, a.name);
      assert.equal(a.facts.subjectKey, a.cert.subject.matchKey, a.name);
      assert.equal(a.facts.issuerKey, a.cert.issuer.matchKey, a.name);
      assert.equal(a.facts.selfSigned, selfSigned(parseCertificate(a.cert.der)), a.name);
    }
  });

  it("an all-client verdict parses only the root its chain names, and equals the verdict with all roots parsed", () => {
    const { leaf, ica } = lookAlikeChain();
    const input = {
      leaf,
      presented: [leaf, ica],
      clients: [...CLIENT_IDS],
      host: "lazy.example",
      time: pki.NOW,
    };
    const lazy = observed(mozillaStore());
    const matrix = evaluateClients({ ...input, stores: lazy.store });
    assert.deepEqual(lazy.parsed, ["ISRG Root X1"]);
    assert.equal(matrix.trusted, false);
    assert.ok(matrix.clients.every((c) => c.status === "untrusted"));
    assert.deepEqual(matrix, evaluateClients({ ...input, stores: parsedUpFront(mozillaStore()) }));
  });

  it("a bundled root given as the server's certificate: the same verdicts as with all roots parsed", () => {
    const root = mozillaStore().anchors.find((a) => a.name === "ISRG Root X1");
    assert.ok(root);
    const input = {
      leaf: root.cert,
      presented: [root.cert],
      clients: [...CLIENT_IDS],
      host: "isrg.example",
      time: pki.NOW,
    };
    const lazy = evaluateClients({ ...input, stores: mozillaStore() });
    assert.deepEqual(lazy, evaluateClients({ ...input, stores: parsedUpFront(mozillaStore()) }));
    assert.ok(lazy.clients.some((c) => c.notes.some((n) => n.includes("itself in the trust store"))));
  });
});
