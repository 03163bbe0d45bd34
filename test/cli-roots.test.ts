/**
 * `chainproof roots …` end to end: list, show, import, export, diff and request, as a user runs them.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { loadMozillaRoots } from "../src/trust/bundled.js";
import { toPem } from "../src/x509/pem.js";
import { issue, makePki } from "./helpers/clients-pki.js";

const DAY = 86_400_000;

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function chainproof(args: string[]) {
  const r = spawnSync(process.execPath, ["bin/chainproof.js", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const nss = (label: string) => {
  const r = loadMozillaRoots().find((x) => x.label === label);
  assert.ok(r, label);
  return r;
};

describe("chainproof roots", () => {
  let dir = "";
  const f = (name: string) => join(dir, name);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "chainproof-roots-"));
    const pki = makePki("Private");
    writeFileSync(f("private-root.pem"), pki.root.pem);
    writeFileSync(f("private-chain.pem"), pki.leaf.pem + pki.intermediate.pem + pki.root.pem);
    writeFileSync(f("intermediate.pem"), pki.intermediate.pem);
    writeFileSync(f("leaf.pem"), pki.leaf.pem);
    writeFileSync(f("isrg.pem"), toPem(nss("ISRG Root X1").der));
    writeFileSync(
      f("list.txt"),
      [
        "Alias\tSubject\tExpiration",
        "digicertglobalrootg2\tCN=DigiCert Global Root G2, OU=www.digicert.com, O=DigiCert Inc, C=US\tJan 15, 2038",
        "ISRG Root X1",
        "Certainly Not A Real Root CA",
        "",
      ].join("\n"),
    );
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("list --store mozilla: the 121 server-auth roots of NSS 2.86, distrust-after ones marked", () => {
    const r = chainproof(["roots", "list", "--store", "mozilla", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.store.name, "Mozilla NSS 2.86");
    assert.equal(d.roots.length, 121);
    const marked = d.roots
      .filter((x: { distrustAfter?: string }) => x.distrustAfter)
      .map((x: { name: string }) => x.name);
    assert.deepEqual(
      marked.sort(),
      ["Entrust Root Certification Authority", "Izenpe.com", "ePKI Root Certification Authority"].sort(),
    );
    const entrust = d.roots.find((x: { name: string }) => x.name === "Entrust Root Certification Authority");
    assert.equal(entrust.alias, "entrustevca"); // the JDK's own alias
    assert.equal(entrust.distrustAfter, "2024-11-30T23:59:59Z");
    assert.equal(entrust.sha256, "73C176434F1BC6D5ADF45B0E76E727287C8DE57616C1E6E6141A2B2CBC7D8E4C");
    assert.deepEqual(entrust.distrust.map((m: { rule: string }) => m.rule).sort(), [
      "chrome-entrust",
      "firefox-nss-distrust-after-2024-11-30",
      "java-entrust",
    ]);
    for (const x of d.roots) assert.match(x.sha256, /^[0-9A-F]{64}$/);

    const h = chainproof(["roots", "list"]);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^Mozilla NSS 2\.86: 121 roots/);
    assert.match(
      h.stdout,
      /^entrustevca\s+2026-11-27\s+73C176434F1BC6D5ADF45B0E76E727287C8DE57616C1E6E6141A2B2CBC7D8E4C\s+CN=Entrust Root Certification Authority.*\[(expired 2026-11-27; )?distrust after 2024-11-30T23:59:59Z; java\/salesforce: issued after 2024-11-11; chrome: SCT after 2024-11-11\]$/m,
    );
    assert.match(h.stdout, /^121 roots; 5 marked with a partial distrust/m);
  });

  it("show: by alias, by SHA-256 prefix; an unknown one exits 2", () => {
    const a = chainproof(["roots", "show", "entrustevca"]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /Distrust after\s+2024-11-30T23:59:59Z/);
    assert.match(a.stdout, /Distrust rule\s+java-entrust: java\/salesforce: issued after 2024-11-11/);
    assert.match(a.stdout, /SHA-256\s+73:C1:76:43/);
    const b = chainproof(["roots", "show", "96bcec06264976f3", "--json"]);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(JSON.parse(b.stdout).name, "ISRG Root X1");
    const c = chainproof(["roots", "show", "nosuchroot"]);
    assert.equal(c.code, 2);
    assert.match(c.stderr, /no root "nosuchroot" in Mozilla NSS 2\.86/);
  });

  it("import: a list of names becomes a PEM bundle; unmatched lines are reported; the bundle is a usable store", () => {
    const r = chainproof(["roots", "import", f("list.txt"), "--out", f("bundle.pem")]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Wrote 2 certificates to/);
    assert.match(r.stderr, /not matched: Certainly Not A Real Root CA/);
    const pem = readFileSync(f("bundle.pem"), "utf8");
    assert.equal(pem.match(/-----BEGIN CERTIFICATE-----/g)?.length, 2);
    assert.match(pem, /^# DigiCert Global Root G2$/m);
    const l = chainproof(["roots", "list", "--store", f("bundle.pem"), "--json"]);
    assert.equal(JSON.parse(l.stdout).roots.length, 2);
    // A bundle in, a normalised bundle out.
    const b = chainproof(["roots", "import", f("private-chain.pem"), "--out", f("bundle2.pem"), "--json"]);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(JSON.parse(b.stdout).written, 3);
  });

  it("export: PEM, and JKS that keytool lists with every root as a trusted entry", () => {
    const r = chainproof(["roots", "export", "--store", "fpki", "--format", "pem", "--out", f("fpki.pem")]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(f("fpki.pem"), "utf8").match(/BEGIN CERTIFICATE/g)?.length, 1);
    const j = chainproof(["roots", "export", "--store", "mozilla", "--format", "jks", "--out", f("x.jks")]);
    assert.equal(j.code, 0, j.stderr);
    assert.match(j.stdout, /Wrote 121 roots of Mozilla NSS 2\.86 .*store password "changeit"/);
    const listed = spawnSync("keytool", ["-list", "-keystore", f("x.jks"), "-storepass", "changeit"], {
      encoding: "utf8",
    });
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /Keystore type: JKS/);
    assert.equal(listed.stdout.match(/trustedCertEntry/g)?.length, 121);
    assert.match(listed.stdout, /^digicertglobalrootg2,/m);
    const wrong = spawnSync("keytool", ["-list", "-keystore", f("x.jks"), "-storepass", "wrong-password"], {
      encoding: "utf8",
    });
    assert.notEqual(wrong.status, 0, "keytool checks the integrity hash with the store password");
    const bad = chainproof(["roots", "export", "--format", "p7b", "--out", f("x.p7b")]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown format "p7b": use pem or jks/);
  });

  it("diff: roots added and removed between two stores, by SHA-256", () => {
    const r = chainproof(["roots", "diff", "mozilla", f("bundle.pem"), "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.common, 2);
    assert.equal(d.added.length, 0);
    assert.equal(d.removed.length, 119);
    const h = chainproof(["roots", "diff", f("bundle.pem"), f("private-root.pem")]);
    assert.match(h.stdout, /^\+ Private Root\s+[0-9A-F]{64}$/m);
    assert.match(
      h.stdout,
      /^- DigiCert Global Root G2\s+CB3CCBB76031E5E0138F8DD39A23F9DE47FFC35E43C1144CEA27D46A5AB1CB5F$/m,
    );
    assert.match(h.stdout, /1 only in B, 2 only in A, 0 in both\./);
  });

  it("request: the dossier for a public root and for a private one", () => {
    const pub = chainproof(["roots", "request", f("isrg.pem"), "--json"]);
    assert.equal(pub.code, 0, pub.stderr);
    const d = JSON.parse(pub.stdout);
    assert.equal(d.selfSigned, true);
    assert.equal(d.jdkAlias, "letsencryptisrgx1");
    const moz = d.presence.find((p: { store: string }) => p.store === "Mozilla NSS");
    assert.equal(moz.present, true);
    assert.match(moz.detail, /TLS server authentication trusted/);
    assert.ok(
      d.assessment.some(
        (a: { tone: string; text: string }) => a.tone === "good" && /Mozilla trusts it/.test(a.text),
      ),
    );
    assert.match(d.pem, /^-----BEGIN CERTIFICATE-----/);

    const priv = chainproof(["roots", "request", f("private-chain.pem")]);
    assert.equal(priv.code, 0, priv.stderr);
    assert.match(priv.stdout, /Subject\s+CN=Private Root,O=chainproof tests/);
    assert.match(priv.stdout, /Mozilla NSS\s+not in Mozilla's root store/);
    assert.match(priv.stdout, /in neither Mozilla's root store nor the Federal PKI/);
    assert.match(priv.stdout, /using the self-signed certificate "Private Root" of the 3 in the file/);
    assert.match(priv.stdout, /-----BEGIN CERTIFICATE-----/);

    const inter = chainproof(["roots", "request", f("intermediate.pem"), "--json"]);
    const i = JSON.parse(inter.stdout);
    assert.equal(i.selfSigned, false);
    assert.ok(i.assessment.some((a: { text: string }) => /never adds intermediates/.test(a.text)));
  });

  it("request on an intermediate or a leaf: no request to make, and what to do instead", () => {
    const inter = chainproof(["roots", "request", f("intermediate.pem")]);
    assert.equal(inter.code, 0, inter.stderr);
    assert.match(inter.stdout, /What to do instead/);
    assert.match(inter.stdout, /Salesforce never adds intermediates to its list, only roots/);
    assert.match(inter.stdout, /have the server send this intermediate in its chain/);
    assert.match(inter.stdout, /ask Salesforce to add that root/);
    assert.doesNotMatch(inter.stdout, /asking to add this root|What to send/);

    const leaf = chainproof(["roots", "request", f("leaf.pem"), "--json"]);
    assert.equal(leaf.code, 0, leaf.stderr);
    const d = JSON.parse(leaf.stdout);
    assert.equal(d.kind, "leaf");
    assert.match(
      d.send[0],
      /^Do not ask Salesforce to add this certificate: Salesforce never adds leaf certificates/,
    );
    assert.ok(d.send.some((l: string) => /install it on the server with its intermediates/.test(l)));
    assert.ok(
      d.assessment.some((a: { text: string }) => /This is a leaf \(end-entity\) certificate/.test(a.text)),
    );

    const root = chainproof(["roots", "request", f("private-root.pem"), "--json"]);
    const r = JSON.parse(root.stdout);
    assert.equal(r.kind, "root");
    assert.match(r.send[0], /asking to add this root/);
  });

  it("list marks expired roots in text and JSON", () => {
    const lapsed = issue({
      cn: "Lapsed Root",
      org: "chainproof tests",
      ca: true,
      notBefore: new Date(Date.now() - 400 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    writeFileSync(f("lapsed.pem"), lapsed.pem + readFileSync(f("private-root.pem"), "utf8"));
    const text = chainproof(["roots", "list", "--store", f("lapsed.pem")]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /CN=Lapsed Root.*\[expired \d{4}-\d{2}-\d{2}\]$/m);
    assert.doesNotMatch(text.stdout, /CN=Private Root.*expired/);
    assert.match(text.stdout, /^2 roots; 0 marked with a partial distrust .*; 1 expired\.$/m);
    const json = JSON.parse(chainproof(["roots", "list", "--store", f("lapsed.pem"), "--json"]).stdout);
    assert.deepEqual(
      json.roots.map((x: { name: string; expired: boolean }) => [x.name, x.expired]),
      [
        ["Lapsed Root", true],
        ["Private Root", false],
      ],
    );
  });

  it("import and --store salesforce:FILE: a listed root Mozilla removed is matched, and when it was removed is said", () => {
    writeFileSync(
      f("removed-list.txt"),
      "Alias\tSubject\tExpiration\naffirmtrustcommercialca\tCN=AffirmTrust Commercial, O=AffirmTrust, C=US\tDec 31, 2030\nisrgrootx1\n",
    );
    const text = chainproof(["roots", "import", f("removed-list.txt"), "--out", f("removed.pem")]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stderr,
      /removed-list\.txt:2: AffirmTrust Commercial: removed from Mozilla's store on 2026-04-09 \(NSS 3\.123\); Salesforce still lists it/,
    );
    const r = chainproof(["roots", "import", f("removed-list.txt"), "--out", f("removed.pem"), "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.written, 2);
    assert.deepEqual(
      d.matched.map((m: { name: string; note?: string }) => [m.name, m.note]),
      [
        ["AffirmTrust Commercial", "removed from Mozilla's store on 2026-04-09 (NSS 3.123)"],
        ["ISRG Root X1", undefined],
      ],
    );
    const list = chainproof(["roots", "list", "--store", `salesforce:${f("removed-list.txt")}`]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^affirmtrustcommercialca\s+2030-12-31/m);
    assert.match(
      list.stdout,
      /AffirmTrust Commercial: removed from Mozilla's store on 2026-04-09 \(NSS 3\.123\); Salesforce still lists it/,
    );
  });

  it("list --store mozilla+fpki: Mozilla's TLS roots plus the FPKI anchor", () => {
    const r = chainproof(["roots", "list", "--store", "mozilla+fpki", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.store.id, "mozilla+fpki");
    assert.equal(d.roots.length, 122);
    assert.ok(
      d.roots.some(
        (x: { sha256: string }) =>
          x.sha256 === "5F9AECC24616B2191372600DD80F6DD320C8CA5A0CEB7F09C985EBF0696934FC",
      ),
    );
    assert.match(
      d.store.notes[0],
      /^Mozilla's 121 TLS roots plus the Federal PKI anchor \(Federal Common Policy CA G2\)/,
    );
  });
});
