/**
 * The path builder's name index must answer exactly as namesMatch (RFC 5280 7.1): same answers on names
 * that differ only in what RFC 5280 matching ignores, and on names that really differ.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { coarseKey, NameIndex, sameName, selfIssued } from "../src/verify/names.js";
import { DerError, readTlv } from "../src/x509/der.js";
import { type Name, namesMatch, parseName } from "../src/x509/names.js";
import * as pki from "./helpers/pki.js";

const OID: Record<string, string> = { CN: "2.5.4.3", O: "2.5.4.10", C: "2.5.4.6", OU: "2.5.4.11" };

/** A Name from RDNs of [type, value, tag] attributes (several per RDN make a multi-valued RDN). */
function nm(...rdns: [string, string, number?][][]): Name {
  const der = pki.seq(
    ...rdns.map((rdn) =>
      pki.set(
        ...rdn.map(([t, v, tag]) =>
          pki.seq(pki.oid(OID[t] ?? t), tag === 0x13 ? pki.ia5(v, 0x13) : pki.utf8(v)),
        ),
      ),
    ),
  );
  const t = readTlv(der, 0, der.length);
  if (t.end !== der.length) throw new DerError("bad test name", 0);
  return parseName(der, t, "test");
}

const PAIRS: [string, Name, Name][] = [
  ["identical", nm([["CN", "Root"]]), nm([["CN", "Root"]])],
  ["case", nm([["O", "Acme"]], [["CN", "Root CA"]]), nm([["O", "ACME"]], [["CN", "root ca"]])],
  ["whitespace", nm([["CN", "  Root   CA "]]), nm([["CN", "Root CA"]])],
  ["string type", nm([["CN", "Root", 0x13]]), nm([["CN", "Root"]])],
  [
    "multi-valued order",
    nm([
      ["CN", "a"],
      ["OU", "b"],
    ]),
    nm([
      ["OU", "b"],
      ["CN", "a"],
    ]),
  ],
  ["different value", nm([["CN", "Root"]]), nm([["CN", "Root2"]])],
  ["different type", nm([["CN", "Root"]]), nm([["OU", "Root"]])],
  ["different length", nm([["O", "x"]], [["CN", "Root"]]), nm([["CN", "Root"]])],
  ["inner space matters", nm([["CN", "RootCA"]]), nm([["CN", "Root CA"]])],
  ["empty", nm(), nm()],
  ["empty vs not", nm(), nm([["CN", "x"]])],
];

describe("name index", () => {
  it("sameName agrees with namesMatch, and matching names share a coarse key", () => {
    for (const [what, a, b] of PAIRS) {
      assert.equal(sameName(a, b), namesMatch(a, b), what);
      assert.equal(sameName(b, a), namesMatch(b, a), what);
      if (namesMatch(a, b)) assert.equal(coarseKey(a), coarseKey(b), what);
    }
  });

  it("finds every item whose name matches", () => {
    const idx = new NameIndex<string>();
    for (const [what, a] of PAIRS) idx.add(a, what);
    for (const [, , b] of PAIRS) {
      const want = PAIRS.filter(([, a]) => namesMatch(a, b)).map(([w]) => w);
      assert.deepEqual(idx.find(b).sort(), want.sort());
    }
  });

  it("selfIssued matches Certificate.selfIssued", () => {
    const root = pki.root({ name: "Self" });
    const leaf = pki.issue(root, { name: "Other" });
    const rollover = pki.issue(root, { name: [["CN", "self"]] });
    for (const c of [root, leaf, rollover]) assert.equal(selfIssued(c.cert), c.cert.selfIssued);
  });
});
