import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { releaseAfter } from "../scripts/gen-nss-history.js";
import { loadMozillaRoots, loadNssHistory } from "../src/trust/bundled.js";
import { JDK_CACERTS_ALIASES } from "../src/trust/jdk-aliases.js";
import { mozillaRemovedRoots, removalHistory, tlsTrustRemoval } from "../src/trust/mozilla.js";
import { MOZILLA_REMOVED, parseSalesforceRootList } from "../src/trust/salesforce-list.js";
import { parseCertificate } from "../src/x509/certificate.js";
import { toPem } from "../src/x509/pem.js";

const removed = (label: string) => {
  const r = loadNssHistory().removed.find((x) => x.label === label);
  assert.ok(r, `removed root ${label} missing`);
  return r;
};

describe("data/nss-history: Mozilla's removed roots", () => {
  it("holds every root ever listed that the current store lacks, with the parser's facts", () => {
    const h = loadNssHistory();
    const current = new Set(loadMozillaRoots().map((r) => r.sha256));
    assert.equal(h.rootsEver, h.removed.length + current.size);
    assert.equal(h.licence, "MPL-2.0");
    for (const r of h.removed) {
      assert.ok(!current.has(r.sha256), `${r.label} is still in mozilla.json`);
      assert.equal(createHash("sha256").update(r.der).digest("hex").toUpperCase(), r.sha256, r.label);
      const cert = parseCertificate(r.der);
      assert.equal(r.subjectKey, cert.subject.matchKey, r.label);
      assert.equal(r.checkedSelfSigned, cert.selfSigned, r.label);
      assert.ok(r.added <= r.removed, `${r.label}: added after removed`);
    }
    for (const [sha, t] of h.trustLost) {
      const root = loadMozillaRoots().find((r) => r.sha256 === sha);
      assert.ok(root, `${t.label}: trustLost names a root mozilla.json lacks`);
      assert.notEqual(root.serverAuth, "trusted-delegator", `${t.label} is still trusted for TLS`);
    }
  });

  it("says when Mozilla removed a root or its TLS trust, in NSS releases", () => {
    assert.equal(
      removalHistory(removed("DST Root CA X3")),
      "removed from Mozilla's store on 2021-12-13 (NSS 3.74)",
    );
    assert.equal(
      removalHistory(removed("AffirmTrust Commercial")),
      "removed from Mozilla's store on 2026-04-09 (NSS 3.123)",
    );
    // Trust bit turned off first, root removed later.
    assert.match(
      removalHistory(removed("Baltimore CyberTrust Root")),
      /^Mozilla removed its TLS trust on 2025-04-16 \(NSS 3\.111\); removed from Mozilla's store on 2025-07-09/,
    );
    assert.match(
      removalHistory(removed("UTN USERFirst Object Root CA")),
      /^never trusted for TLS by Mozilla; /,
    );
    const entrustG2 = loadMozillaRoots().find((r) => r.label === "Entrust Root Certification Authority - G2");
    assert.ok(entrustG2);
    assert.equal(
      tlsTrustRemoval(entrustG2.sha256),
      "Mozilla removed its TLS trust on 2026-04-09 (NSS 3.123)",
    );
    assert.equal(mozillaRemovedRoots().length, loadNssHistory().removed.length);
  });

  it("names the first trunk release after a change, not a later point release of an older branch", () => {
    const tags = [
      { version: "3.53", date: "2020-05-29" },
      { version: "3.54", date: "2020-06-26" },
      { version: "3.53.1", date: "2020-06-16" },
      { version: "3.53.2", date: "2020-07-20" },
      { version: "3.55", date: "2020-07-24" },
    ];
    assert.equal(releaseAfter(tags, "2020-06-12"), "3.54");
    assert.equal(releaseAfter(tags, "2020-07-01T10:00:00+00:00"), "3.55");
    assert.equal(releaseAfter(tags, "2021-01-01"), null);
  });
});

describe("parseSalesforceRootList: roots Mozilla removed", () => {
  // As /cacerts.jsp shows a list: alias, subject, expiry (a synthetic page in the shape of the existing tests).
  const page = `<html><body><table>
<tr><th>Alias</th><th>Subject</th><th>Expiration</th></tr>
<tr><td>affirmtrustcommercialca</td><td>CN=AffirmTrust Commercial, O=AffirmTrust, C=US</td><td>Dec 31, 2030</td></tr>
<tr><td>verisignclass3g5ca</td><td>CN=VeriSign Class 3 Public Primary Certification Authority - G5, OU="(c) 2006 VeriSign, Inc. - For authorized use only", OU=VeriSign Trust Network, O="VeriSign, Inc.", C=US</td><td>Jul 16, 2036</td></tr>
<tr><td>thawte primary root ca</td><td>CN=thawte Primary Root CA, OU="(c) 2006 thawte, Inc. - For authorized use only", OU=Certification Services Division, O="thawte, Inc.", C=US</td><td>Jul 16, 2036</td></tr>
<tr><td>digicertglobalrootg2</td><td>CN=DigiCert Global Root G2, OU=www.digicert.com, O=DigiCert Inc, C=US</td><td>Jan 15, 2038</td></tr>
<tr><td>${colons(removed("GeoTrust Global CA").sha256)}</td></tr>
</table></body></html>`;

  it("matches them from the history catalog, trusts them as listed and says when Mozilla removed them", () => {
    const r = parseSalesforceRootList(page, { source: "cacerts.html" });
    assert.deepEqual(
      r.matched.map((m) => [m.line, m.by, m.name, m.catalog]),
      [
        [3, "alias", "AffirmTrust Commercial", MOZILLA_REMOVED],
        [4, "alias", "VeriSign Class 3 Public Primary Certification Authority - G5", MOZILLA_REMOVED],
        [5, "name", "thawte Primary Root CA", MOZILLA_REMOVED],
        [6, "alias", "DigiCert Global Root G2", "mozilla"],
        [7, "fingerprint", "GeoTrust Global CA", MOZILLA_REMOVED],
      ],
    );
    assert.equal(r.unmatched.length, 0);
    assert.equal(r.store.anchors.length, 5);
    assert.ok(r.store.anchors.every((a) => a.trustSource === "salesforce:cacerts.html"));
    assert.ok(
      r.store.notes.includes(
        "AffirmTrust Commercial: removed from Mozilla's store on 2026-04-09 (NSS 3.123); Salesforce still lists it",
      ),
      r.store.notes.join("\n"),
    );
    assert.ok(
      r.store.notes.includes(
        "GeoTrust Global CA: removed from Mozilla's store on 2020-12-01 (NSS 3.60); Salesforce still lists it",
      ),
    );
    // The removed roots are not folded into the "not trusted for TLS" line of roots Mozilla still lists.
    assert.ok(!r.store.notes.some((n) => /not trusted for TLS by Mozilla/.test(n)));
  });

  it("says so for a removed root the list gives as a PEM block too", () => {
    const pem = toPem(removed("DST Root CA X3").der);
    const r = parseSalesforceRootList(`DST Root CA X3\n${pem}`);
    assert.equal(r.matched[0]?.catalog, "list");
    assert.equal(r.matched[0]?.removedFromMozilla, true);
    assert.ok(
      r.store.notes.includes(
        "DST Root CA X3: removed from Mozilla's store on 2021-12-13 (NSS 3.74); Salesforce still lists it",
      ),
      r.store.notes.join("\n"),
    );
  });

  it("prefers a current root over a removed namesake", () => {
    // "GlobalSign ECC Root CA - R4" was removed (2021) and re-issued under the same name (still listed).
    const current = loadMozillaRoots().filter((x) => x.label === "GlobalSign ECC Root CA - R4");
    const gone = loadNssHistory().removed.filter((x) => x.label === "GlobalSign ECC Root CA - R4");
    assert.equal(current.length, 1);
    assert.equal(gone.length, 1);
    const r = parseSalesforceRootList("GlobalSign ECC Root CA - R4\n");
    assert.equal(r.matched[0]?.catalog, "mozilla");
    assert.equal(r.matched[0]?.cert.sha256.toUpperCase(), current[0].sha256);
    // The JDK alias names the removed one by fingerprint, and wins.
    const byAlias = parseSalesforceRootList("globalsigneccrootcar4\n");
    assert.equal(byAlias.matched[0]?.cert.sha256.toUpperCase(), JDK_CACERTS_ALIASES.globalsigneccrootcar4);
  });

  it("matches the JDK cacerts aliases that name a root Mozilla ever listed", () => {
    const list = Object.keys(JDK_CACERTS_ALIASES).join("\n");
    const r = parseSalesforceRootList(list);
    const ever = new Set([
      ...loadMozillaRoots().map((x) => x.sha256),
      ...loadNssHistory().removed.map((x) => x.sha256),
    ]);
    const expected = Object.values(JDK_CACERTS_ALIASES).filter((sha) => ever.has(sha)).length;
    assert.equal(r.counts.matched, expected);
    assert.ok(r.matched.filter((m) => m.catalog === MOZILLA_REMOVED).length >= 30);
    for (const u of r.unmatched) assert.ok(!ever.has(JDK_CACERTS_ALIASES[u.text]), u.text);
  });
});

function colons(hex: string): string {
  return hex.match(/../g)?.join(":") ?? "";
}
