/**
 * Chains that stress path building (issue 12): piles of look-alike intermediates, meshes of cross-signed
 * CAs, long chains. Built at run time with the product builder (through ./pki.ts); shared by
 * test/verify-pathological.test.ts and bench/pathological.ts.
 */

import type { TrustStore } from "../../src/trust/store.js";
import type { Certificate } from "../../src/x509/certificate.js";
import * as pki from "./pki.js";

export interface PathologicalCase {
  name: string;
  leaf: Certificate;
  /** What the server sends, leaf first. */
  sent: Certificate[];
  root: pki.Issued;
  /** Every issued certificate, for tests that write files. */
  all: pki.Issued[];
}

/** A store holding only `root`, as the user's own trust file would. */
export function storeOf(root: Certificate): TrustStore {
  return {
    id: "custom",
    name: "Test root",
    source: "test",
    anchors: [{ cert: root, name: root.label, trustSource: "test" }],
    notes: [],
  };
}

function make(name: string, root: pki.Issued, leaf: pki.Issued, cas: pki.Issued[]): PathologicalCase {
  return { name, leaf: leaf.cert, sent: [leaf.cert, ...cas.map((c) => c.cert)], root, all: [...cas, leaf] };
}

/** root → ICA → leaf: the baseline. */
export function normalChain(): PathologicalCase {
  const { root, ica, leaf } = pki.chain3();
  return make("normal 3-certificate chain", root, leaf, [ica]);
}

/**
 * `count` valid intermediates sharing one subject name, all issued by the root, none with key identifiers;
 * the leaf is signed by intermediate number `signer` (1-based). Every intermediate is a candidate issuer.
 */
export function sameSubjectPile(count = 200, signer = 137): PathologicalCase {
  const root = pki.root({ name: "Pile Root" });
  const cas = Array.from({ length: count }, () =>
    pki.issue(root, { name: "Pile CA", ca: true, ski: false, aki: false }),
  );
  const leaf = pki.leafFor(cas[signer - 1], "example.com", { ski: false, aki: false });
  return make(`${count} same-name intermediates, leaf by #${signer}, no key ids`, root, leaf, cas);
}

/**
 * `count` CAs, each cross-signed by every other one, and a two-intermediate path to the root: the leaf is
 * issued by CA 1, which CA 2 cross-signed, and the root issued CA 2.
 */
export function crossSignedMesh(count = 40): PathologicalCase {
  const root = pki.root({ name: "Mesh Root" });
  const keys = Array.from({ length: count }, () => pki.newKey());
  const selfs = keys.map((key, i) => pki.selfSigned({ name: `Mesh CA ${i + 1}`, key, ca: true }));
  const cross: pki.Issued[] = [];
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < count; j++) {
      if (i !== j) cross.push(pki.issue(selfs[j], { name: `Mesh CA ${i + 1}`, key: keys[i], ca: true }));
    }
  }
  const ca2ByRoot = pki.issue(root, { name: "Mesh CA 2", key: keys[1], ca: true });
  const leaf = pki.leafFor(selfs[0], "example.com");
  return make(`${count} fully cross-signed CAs, 2-intermediate path`, root, leaf, [...cross, ca2ByRoot]);
}

/**
 * A chain of `count` intermediates under the root. With `sameName`, the root and every intermediate share
 * one subject name (each a distinct key): all of them are self-issued.
 */
export function longChain(count: number, sameName = false): PathologicalCase {
  const nameOf = (i: number) => (sameName ? "Same Name CA" : `Long CA ${i}`);
  const root = pki.root({ name: sameName ? "Same Name CA" : "Long Root" });
  const cas: pki.Issued[] = [];
  for (let i = 1; i <= count; i++)
    cas.push(pki.issue(cas[cas.length - 1] ?? root, { name: nameOf(i), ca: true }));
  const leaf = pki.leafFor(cas[cas.length - 1], "example.com");
  const what = sameName ? `${count} same-name CAs chained` : `${count}-intermediate chain`;
  // Sent leaf first, then from the leaf's issuer upwards, as a server sends it.
  return make(what, root, leaf, cas.slice().reverse());
}

/** `count` same-name CAs chained, sent in shuffled order: the search must find the one line through them. */
export function shuffledSameNameChain(count = 50): PathologicalCase {
  const c = longChain(count, true);
  const [leaf, ...rest] = c.sent;
  // A fixed permutation (no randomness in tests): odd positions first, then even ones.
  const shuffled = [...rest.filter((_, i) => i % 2 === 1), ...rest.filter((_, i) => i % 2 === 0)];
  return { ...c, name: `${count} same-name CAs chained, sent out of order`, sent: [leaf, ...shuffled] };
}
