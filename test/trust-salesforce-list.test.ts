import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { loadFpkiCatalog, loadMozillaRoots } from "../src/trust/bundled.js";
import { mozillaStore } from "../src/trust/mozilla.js";
import {
  bundledCatalogs,
  catalogFromStore,
  parseSalesforceRootList,
  type SalesforceRootList,
} from "../src/trust/salesforce-list.js";
import { toPem } from "../src/x509/pem.js";

// No public copy of an org's /cacerts.jsp exists: every page below is synthetic, in the shapes such a page
// (or a copy of it) plausibly takes.

const root = (label: string) => {
  const r = loadMozillaRoots().find((x) => x.label === label);
  assert.ok(r, `root ${label} missing`);
  return r;
};
const colons = (hex: string) => hex.match(/../g)?.join(":") ?? "";
const names = (r: SalesforceRootList) => r.store.anchors.map((a) => a.name);
const matchedAt = (r: SalesforceRootList) => r.matched.map((m) => [m.line, m.by, m.name]);

describe("parseSalesforceRootList: HTML table", () => {
  const page = `<!DOCTYPE html>
<html><head><title>Supported Root Certificate Authorities</title>
<style>td { padding: 2px }</style></head>
<body>
<table class="list">
<tr><th>Alias</th><th>Subject</th><th>Expiration</th></tr>
<tr><td>digicertglobalrootg2</td><td>CN=DigiCert Global Root G2, OU=www.digicert.com, O=DigiCert Inc, C=US</td><td>Jan 15, 2038</td></tr>
<tr><td>entrustevca</td><td>CN=Entrust Root Certification Authority, OU="(c) 2006 Entrust, Inc.", OU=www.entrust.net/CPS is incorporated by reference, O="Entrust, Inc.", C=US</td><td>2026-11-27</td></tr>
<tr>
  <td>netlockaranyclassgold</td>
  <td>CN=NetLock Arany (Class Gold) F&#337;tan&uacute;s&iacute;tv&aacute;ny, OU=Tan&uacute;s&iacute;tv&aacute;nykiad&oacute;k (Certification Services), O=NetLock Kft., L=Budapest, C=HU</td>
  <td>Dec 6, 2028</td>
</tr>
<tr><td>globalsign</td><td>CN=GlobalSign</td><td></td></tr>
<tr><td>globalsignr3</td><td>CN=GlobalSign, O=GlobalSign</td><td>2029-03-18</td></tr>
<tr><td>acmeinternalroot</td><td>CN=ACME Internal Root, O=ACME</td><td>2030-01-01</td></tr>
<tr><td>federalcommonpolicycag2</td><td>CN=Federal Common Policy CA G2, OU=FPKI, O=U.S. Government, C=US</td><td>2040-10-14</td></tr>
<tr><td>chunghwaepkirootca</td><td>OU=ePKI Root Certification Authority, O="Chunghwa Telecom Co., Ltd.", C=TW</td><td>Dec 20, 2034</td></tr>
<!-- <tr><td>commentedout</td></tr> -->
</table>
</body></html>`;

  it("matches rows by JDK alias, subject DN and expiry, and says what it read", () => {
    const r = parseSalesforceRootList(page, { source: "cacerts.html" });
    assert.equal(r.layout, "html-table");
    assert.deepEqual(matchedAt(r), [
      [7, "alias", "DigiCert Global Root G2"],
      [8, "alias", "Entrust Root Certification Authority"], // JDK's own alias, not derivable from the label
      [9, "name", "NetLock Arany (Class Gold) Főtanúsítvány"], // HTML entities decoded
      [15, "name", "GlobalSign Root CA - R3"], // CN=GlobalSign is four roots; the expiry picks one
      [17, "alias", "Federal Common Policy CA G2"], // from the FPKI catalog
      [18, "alias", "ePKI Root Certification Authority"],
    ]);
    assert.equal(r.matched.find((m) => m.line === 17)?.catalog, "fpki");
    assert.deepEqual(r.counts, {
      rows: 8,
      headers: 1,
      matched: 6,
      byCertificate: 0,
      byFingerprint: 0,
      byAlias: 4,
      byName: 2,
      unmatched: 1,
      ambiguous: 1,
      duplicates: 0,
      certificates: 6,
    });
    assert.equal(
      r.summary,
      "read 8 entries from an HTML table: 6 matched (0 by certificate, 0 by fingerprint, 4 by alias, 2 by name), 1 unmatched, 1 ambiguous; 6 distinct roots",
    );
  });

  it("reports unmatched and ambiguous rows with their line numbers", () => {
    const r = parseSalesforceRootList(page, { source: "cacerts.html" });
    assert.deepEqual(r.unmatched, [
      {
        line: 16,
        text: "acmeinternalroot | CN=ACME Internal Root, O=ACME | 2030-01-01",
        reason: "no known root has this name, alias or subject",
      },
    ]);
    assert.equal(r.ambiguous.length, 1);
    assert.equal(r.ambiguous[0].line, 14);
    assert.deepEqual(r.ambiguous[0].candidates.map((c) => c.name).sort(), [
      "GlobalSign ECC Root CA - R4",
      "GlobalSign ECC Root CA - R5",
      "GlobalSign Root CA - R3",
      "GlobalSign Root CA - R6",
    ]);
    assert.ok(r.store.notes.some((n) => n.startsWith("line 16: not matched: acmeinternalroot")));
    assert.ok(r.store.notes.some((n) => n.startsWith("line 14: ambiguous: globalsign")));
  });

  it("builds a trust store of the matched roots", () => {
    const r = parseSalesforceRootList(page, { source: "cacerts.html" });
    assert.equal(r.store.id, "salesforce");
    assert.equal(r.store.source, "cacerts.html");
    assert.equal(r.store.anchors.length, 6);
    const entrust = r.store.anchors.find((a) => a.name === "Entrust Root Certification Authority");
    assert.equal(entrust?.alias, "entrustevca");
    assert.equal(entrust?.cert.sha256.toUpperCase(), root("Entrust Root Certification Authority").sha256);
    assert.equal(entrust?.distrustAfter, undefined, "NSS distrust-after is Firefox's, not Salesforce's");
    assert.ok(r.store.anchors.every((a) => a.trustSource === "salesforce:cacerts.html"));
    const fpki = r.store.anchors.find((a) => a.name === "Federal Common Policy CA G2");
    assert.equal(fpki?.cert.sha256.toUpperCase(), loadFpkiCatalog().anchorSha256);
  });
});

describe("parseSalesforceRootList: plain lists", () => {
  it("reads one alias or name per line, skipping comments and blank lines", () => {
    const text = `# Supported roots, copied from the org
digicertglobalrootg2
isrgrootx1

entrustrootcag2 [jdk]
debian:digicert_global_root_g2.pem
notarealroot
GlobalSign Root CA - R3
Amazon Root CA 1
`;
    const r = parseSalesforceRootList(text);
    assert.equal(r.layout, "text");
    assert.deepEqual(matchedAt(r), [
      [2, "alias", "DigiCert Global Root G2"],
      [3, "alias", "ISRG Root X1"],
      [5, "alias", "Entrust Root Certification Authority - G2"],
      [6, "alias", "DigiCert Global Root G2"],
      [8, "name", "GlobalSign Root CA - R3"],
      [9, "name", "Amazon Root CA 1"],
    ]);
    assert.equal(r.matched[3].duplicate, true);
    assert.deepEqual(
      r.unmatched.map((u) => [u.line, u.text]),
      [[7, "notarealroot"]],
    );
    assert.equal(r.counts.rows, 7);
    assert.equal(r.counts.duplicates, 1);
    assert.equal(r.store.anchors.length, 5);
    assert.equal(r.store.source, "cacerts.jsp");
  });

  it("matches SHA-256 and SHA-1 fingerprints with or without colons", () => {
    const g2 = root("DigiCert Global Root G2");
    const sha1 = createHash("sha1").update(g2.der).digest("hex");
    const text = [
      colons(root("ISRG Root X1").sha256),
      root("Amazon Root CA 1").sha256.toLowerCase(),
      "AB".repeat(32),
      `SHA1: ${colons(sha1.toUpperCase())}`,
      // Key: value lines run together as one entry (keytool -v prints SHA1: and SHA256: per entry).
      `SHA256: ${colons(g2.sha256)}`,
    ].join("\n");
    const r = parseSalesforceRootList(text);
    assert.deepEqual(matchedAt(r), [
      [1, "fingerprint", "ISRG Root X1"],
      [2, "fingerprint", "Amazon Root CA 1"],
      [4, "fingerprint", "DigiCert Global Root G2"],
    ]);
    assert.equal(r.unmatched.length, 1);
    assert.equal(r.unmatched[0].line, 3);
    assert.match(r.unmatched[0].reason, /fingerprint ABAB.* is not in the bundled catalogs/);
    assert.equal(r.counts.byFingerprint, 3);
  });

  it("reads CSV with a header and quoted subjects", () => {
    const text = `Alias,Subject,Expires
digicertglobalrootg2,"CN=DigiCert Global Root G2, OU=www.digicert.com, O=DigiCert Inc, C=US",2038-01-15
,"OU=Starfield Class 2 Certification Authority, O=""Starfield Technologies, Inc."", C=US",2034-06-29
mystery,"CN=Mystery Root",2030-01-01
`;
    const r = parseSalesforceRootList(text, { source: "roots.csv" });
    assert.deepEqual(matchedAt(r), [
      [2, "alias", "DigiCert Global Root G2"],
      [3, "name", "Starfield Class 2 CA"],
    ]);
    assert.equal(r.counts.headers, 1);
    assert.deepEqual(
      r.unmatched.map((u) => u.line),
      [4],
    );
  });

  it("reads tab-separated columns, using the expiry to tell same-named roots apart", () => {
    const r = parseSalesforceRootList(
      "Name\tExpiry\nDigiCert Global Root G2\t2038-01-15\nGlobalSign\t2034-12-10\n",
    );
    assert.deepEqual(matchedAt(r), [
      [2, "name", "DigiCert Global Root G2"],
      [3, "name", "GlobalSign Root CA - R6"],
    ]);
  });

  it("reads Key: value blocks and keytool -list output", () => {
    const blocks = `Alias: digicertglobalrootg2
Subject: CN=DigiCert Global Root G2, OU=www.digicert.com, O=DigiCert Inc, C=US
Expiration: Fri Jan 15 12:00:00 GMT 2038

Alias: unknownroot
Subject: CN=Unknown Root, O=Nobody
Expiration: 2030-01-01
`;
    const r = parseSalesforceRootList(blocks);
    assert.deepEqual(matchedAt(r), [[1, "alias", "DigiCert Global Root G2"]]);
    assert.deepEqual(
      r.unmatched.map((u) => [u.line, u.text]),
      [[5, "Alias: unknownroot | Subject: CN=Unknown Root, O=Nobody | Expiration: 2030-01-01"]],
    );

    const g2 = root("DigiCert Global Root G2");
    const x1 = root("ISRG Root X1");
    const keytool = `Keystore type: JKS
Keystore provider: SUN

Your keystore contains 2 entries

digicertglobalrootg2 [jdk], Oct 1, 2024, trustedCertEntry,
Certificate fingerprint (SHA-256): ${colons(g2.sha256)}
isrgrootx1 [jdk], Oct 1, 2024, trustedCertEntry,
Certificate fingerprint (SHA-256): ${colons(x1.sha256)}
`;
    const k = parseSalesforceRootList(keytool);
    assert.deepEqual(k.unmatched, []);
    assert.deepEqual(names(k), ["DigiCert Global Root G2", "ISRG Root X1"]);
    assert.equal(k.counts.duplicates, 2);
  });
});

describe("parseSalesforceRootList: certificates in the list", () => {
  const g2 = root("DigiCert Global Root G2");
  const x1 = root("ISRG Root X1");

  it("takes certificates from PEM blocks, with the line above as label", () => {
    const text = `DigiCert Global Root G2
${toPem(g2.der)}
# ISRG
${toPem(x1.der)}
Amazon Root CA 1
`;
    const r = parseSalesforceRootList(text);
    assert.deepEqual(matchedAt(r), [
      [2, "certificate", "DigiCert Global Root G2"],
      [26, "certificate", "ISRG Root X1"],
      [58, "name", "Amazon Root CA 1"],
    ]);
    assert.equal(r.matched[1].text, "ISRG");
    assert.equal(r.counts.byCertificate, 2);
    assert.equal(r.unmatched.length, 0);
  });

  it("takes certificates even when no catalog knows them", () => {
    const pem = toPem(x1.der);
    const r = parseSalesforceRootList(`Our private root\n${pem}\nDigiCert Global Root G2\n`, {
      catalogs: [],
    });
    assert.deepEqual(names(r), ["Our private root"]);
    // line 1 the label, then the PEM's lines (it ends with a newline), a blank line, the name
    const line = 1 + pem.split("\n").length + 1;
    assert.deepEqual(
      r.unmatched.map((u) => [u.line, u.text]),
      [[line, "DigiCert Global Root G2"]],
    );
  });

  it("reads PEM blocks in saved HTML, <br> line breaks and all", () => {
    const page = `<html><body><h1>Roots</h1><p>DigiCert Global Root G2</p><pre>${toPem(g2.der).replace(/\n/g, "<br>\n")}</pre>
<ul><li>ISRG Root X1</li><li>Nope Root</li></ul></body></html>`;
    const r = parseSalesforceRootList(page);
    assert.equal(r.layout, "html-text");
    assert.deepEqual(matchedAt(r), [
      [1, "certificate", "DigiCert Global Root G2"],
      [24, "name", "ISRG Root X1"],
    ]);
    assert.deepEqual(
      r.unmatched.map((u) => [u.line, u.text]),
      [[24, "Nope Root"]],
    );
  });

  it("reads a PEM block inside a table cell as that row's certificate", () => {
    const page = `<table><tr><th>Alias</th><th>Certificate</th></tr>
<tr><td>ourroot</td><td><pre>${toPem(x1.der)}</pre></td></tr>
<tr><td>amazonrootca1</td><td></td></tr></table>`;
    const r = parseSalesforceRootList(page);
    assert.deepEqual(matchedAt(r), [
      [2, "certificate", "ISRG Root X1"],
      [34, "alias", "Amazon Root CA 1"],
    ]);
    assert.equal(r.store.anchors[0].alias, "ourroot");
  });

  it("reports a broken PEM block instead of failing", () => {
    const r = parseSalesforceRootList(
      "-----BEGIN CERTIFICATE-----\nMIIBroken\n-----END CERTIFICATE-----\nisrgrootx1\n",
    );
    assert.equal(r.unmatched.length, 1);
    assert.equal(r.unmatched[0].line, 1);
    assert.deepEqual(names(r), ["ISRG Root X1"]);
  });
});

describe("parseSalesforceRootList: catalogs", () => {
  it("matches against Mozilla's non-TLS roots too, and says so", () => {
    const r = parseSalesforceRootList("GlobalSign Root CA\n");
    assert.deepEqual(names(r), ["GlobalSign Root CA"]);
    assert.equal(
      r.matched[0].note,
      "not trusted for TLS server authentication by Mozilla: Mozilla removed its TLS trust on 2025-04-16 (NSS 3.111)",
    );
    assert.ok(
      r.store.notes.some((n) =>
        /1 listed root is not trusted for TLS by Mozilla: GlobalSign Root CA/.test(n),
      ),
    );
  });

  it("has all 167 Mozilla roots and the FPKI bundle by default", () => {
    const [moz, fpki] = bundledCatalogs();
    assert.equal(moz.id, "mozilla");
    assert.equal(fpki.id, "fpki");
    assert.equal(fpki.entries.length, 151);
    assert.ok(moz.entries.length >= 166); // less any root the x509 parser rejects (see trust-stores tests)
  });

  it("accepts other catalogs, e.g. a store the caller built", () => {
    const r = parseSalesforceRootList("digicertglobalrootg2\nfederalcommonpolicycag2\n", {
      catalogs: [catalogFromStore(mozillaStore())],
    });
    assert.deepEqual(names(r), ["DigiCert Global Root G2"]);
    assert.equal(r.matched[0].catalog, "mozilla");
    assert.deepEqual(
      r.unmatched.map((u) => u.line),
      [2],
    );
  });
});
