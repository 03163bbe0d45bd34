import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadMozillaRoots } from "../src/trust/bundled.js";
import {
  CLIENTS_WITHOUT_DISTRUST,
  DISTRUST_RULES,
  type DistrustRule,
  defaultDistrustRules,
  distrustRulesFor,
  earliestSct,
  evaluateDistrust,
  nssDistrustRules,
} from "../src/trust/distrust.js";
import { JDK_CACERTS_ALIASES } from "../src/trust/jdk-aliases.js";
import { sctListValue } from "../src/x509/builder.js";
import { type Certificate, parseCertificate } from "../src/x509/certificate.js";
import { parsePem } from "../src/x509/pem.js";

const haveOpenssl = spawnSync("openssl", ["version"], { encoding: "utf8" }).status === 0;
const mozilla = (label: string) => {
  const r = loadMozillaRoots().find((x) => x.label === label);
  assert.ok(r, `root ${label} missing`);
  return r;
};
const ruleById = (id: string, rules: readonly DistrustRule[] = defaultDistrustRules()) => {
  const r = rules.find((x) => x.id === id);
  assert.ok(r, `rule ${id} missing`);
  return r;
};

// ---- A throw-away PKI made with the openssl command line (OpenSSL 3.0 has no `x509 -not_before`, so
// leaves are issued with `openssl ca -startdate`).

/** The SCT list extension's value (an OCTET STRING holding the RFC 6962 TLS list) for openssl's DER: syntax. */
function sctListExtension(timestamps: Date[]): string {
  // Unsigned stand-ins: a fixed dummy ecdsa-sha256 signature, one log ID per position.
  const signature = Uint8Array.from(Buffer.from("3006020101020101", "hex"));
  const scts = timestamps.map((t, i) => ({ logId: new Uint8Array(32).fill(i + 1), timestamp: t, signature }));
  return `DER:${Buffer.from(sctListValue(scts)).toString("hex")}`;
}

/** YYMMDDHHMMSSZ for `openssl ca -startdate`. */
const utc = (d: Date) => d.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z";

class Pki {
  dir = mkdtempSync(join(tmpdir(), "chainproof-distrust-"));
  private n = 0;

  run(args: string[]): void {
    const r = spawnSync("openssl", args, { cwd: this.dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
  }

  read(file: string): Certificate {
    return parseCertificate(parsePem(readFileSync(join(this.dir, file), "latin1"))[0].der);
  }

  root(name: string): Certificate {
    this.run([
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.pem`,
      "-subj",
      `/O=chainproof tests/CN=${name}`,
      "-days",
      "3650",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    const dbdir = join(this.dir, `${name}.db`);
    mkdirSync(join(dbdir, "new"), { recursive: true });
    writeFileSync(join(dbdir, "index.txt"), "");
    writeFileSync(join(dbdir, "serial"), "1000\n");
    writeFileSync(
      join(this.dir, `${name}.cnf`),
      `[ca]
default_ca = ca_default
[ca_default]
database = ${dbdir}/index.txt
new_certs_dir = ${dbdir}/new
serial = ${dbdir}/serial
default_md = sha256
policy = policy_any
unique_subject = no
[policy_any]
commonName = supplied
`,
    );
    return this.read(`${name}.pem`);
  }

  /** A leaf issued by `ca` with this notBefore and, optionally, embedded SCTs with these timestamps. */
  leaf(ca: string, cn: string, notBefore: Date, scts?: Date[]): Certificate {
    const name = `leaf${++this.n}`;
    this.run([
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${cn}`,
    ]);
    const ext = [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth",
      `subjectAltName=DNS:${cn}`,
    ];
    if (scts) ext.push(`1.3.6.1.4.1.11129.2.4.2=${sctListExtension(scts)}`);
    writeFileSync(join(this.dir, `${name}.ext`), `[leaf]\n${ext.join("\n")}\n`);
    const end = new Date(notBefore.getTime() + 90 * 86_400_000);
    this.run([
      "ca",
      "-batch",
      "-notext",
      "-config",
      `${ca}.cnf`,
      "-cert",
      `${ca}.pem`,
      "-keyfile",
      `${ca}.key`,
      "-in",
      `${name}.csr`,
      "-out",
      `${name}.pem`,
      "-startdate",
      utc(notBefore),
      "-enddate",
      utc(end),
      "-extfile",
      `${name}.ext`,
      "-extensions",
      "leaf",
    ]);
    return this.read(`${name}.pem`);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const T = (s: string) => new Date(s);

describe("evaluateDistrust on a generated PKI", {
  skip: haveOpenssl ? false : "openssl not installed",
}, () => {
  let pki: Pki;
  let root: Certificate;
  let otherRoot: Certificate;
  const leaves: Record<string, Certificate> = {};

  before(() => {
    pki = new Pki();
    root = pki.root("Distrust Test Root");
    otherRoot = pki.root("Other Test Root");
    leaves.onCutoff = pki.leaf("Distrust Test Root", "on-cutoff.test", T("2024-11-11T23:59:59Z"));
    leaves.afterCutoff = pki.leaf("Distrust Test Root", "after-cutoff.test", T("2024-11-12T00:00:00Z"));
    leaves.sctsBefore = pki.leaf("Distrust Test Root", "scts-before.test", T("2024-11-20T00:00:00Z"), [
      T("2024-11-12T08:00:00Z"),
      T("2024-11-11T23:59:59Z"),
    ]);
    leaves.sctsAfter = pki.leaf("Distrust Test Root", "scts-after.test", T("2024-11-01T00:00:00Z"), [
      T("2024-11-12T00:00:00.250Z"),
      T("2024-11-13T00:00:00Z"),
    ]);
    leaves.otherRootLeaf = pki.leaf("Other Test Root", "other.test", T("2025-01-01T00:00:00Z"));
  });
  after(() => pki?.cleanup());

  const sha = (c: Certificate) => c.sha256.toUpperCase();

  it("reads the generated dates and SCTs as intended", () => {
    assert.equal(leaves.onCutoff.notBefore.toISOString(), "2024-11-11T23:59:59.000Z");
    assert.equal(leaves.sctsBefore.scts?.length, 2);
    assert.equal(earliestSct(leaves.sctsBefore)?.toISOString(), "2024-11-11T23:59:59.000Z");
    assert.equal(earliestSct(leaves.sctsAfter)?.toISOString(), "2024-11-12T00:00:00.250Z");
    assert.equal(earliestSct(leaves.onCutoff), undefined);
  });

  it("notBefore-after at instant precision (Firefox-style): distrusts only after the instant", () => {
    const rule: DistrustRule = {
      id: "test-instant",
      clients: ["firefox"],
      roots: [sha(root)],
      test: { kind: "notBefore-after", date: T("2024-11-11T23:59:59Z") },
      description: "test",
      source: "test",
    };
    assert.deepEqual(evaluateDistrust([rule], "firefox", [leaves.onCutoff, root]), []);
    const f = evaluateDistrust([rule], "firefox", [leaves.afterCutoff, root]);
    assert.equal(f.length, 1);
    assert.equal(f[0].rule, rule);
    assert.equal(f[0].root, sha(root));
    assert.equal(f[0].evidence, "notBefore");
    assert.equal(f[0].certain, true);
    assert.equal(f[0].date?.toISOString(), "2024-11-12T00:00:00.000Z");
    assert.match(f[0].reason, /notBefore 2024-11-12T00:00:00Z\) after 2024-11-11T23:59:59Z/);
    // other clients, other roots: nothing
    assert.deepEqual(evaluateDistrust([rule], "java", [leaves.afterCutoff, root]), []);
    assert.deepEqual(evaluateDistrust([rule], "firefox", [leaves.otherRootLeaf, otherRoot]), []);
  });

  it("Java-style day precision: a leaf issued on the cutoff day passes, the next day fails", () => {
    const java = ruleById("java-entrust");
    const rule: DistrustRule = { ...java, roots: [sha(root)], rootNames: undefined };
    assert.equal(rule.test.date.toISOString(), "2024-11-11T23:59:59.999Z");
    assert.deepEqual(evaluateDistrust([rule], "java", [leaves.onCutoff, root]), []);
    assert.equal(evaluateDistrust([rule], "java", [leaves.afterCutoff, root]).length, 1);
    assert.equal(evaluateDistrust([rule], "salesforce", [leaves.afterCutoff, root]).length, 1);
  });

  it("first-sct-after: the earliest embedded SCT decides", () => {
    const rule: DistrustRule = {
      id: "test-sct",
      clients: ["chrome"],
      roots: [sha(root)],
      test: { kind: "first-sct-after", date: T("2024-11-11T23:59:59Z") },
      description: "test",
      source: "test",
    };
    // One SCT at the cutoff is enough, although another is later and notBefore is later still.
    assert.deepEqual(evaluateDistrust([rule], "chrome", [leaves.sctsBefore, root]), []);
    const f = evaluateDistrust([rule], "chrome", [leaves.sctsAfter, root]);
    assert.equal(f.length, 1);
    assert.equal(f[0].evidence, "sct");
    assert.equal(f[0].certain, true);
    assert.equal(f[0].date?.toISOString(), "2024-11-12T00:00:00.250Z");
    // notBefore is before the cutoff: an SCT rule ignores it.
    assert.ok(leaves.sctsAfter.notBefore < rule.test.date);
  });

  it("first-sct-after without embedded SCTs: reported, but not as certain", () => {
    const rule: DistrustRule = {
      id: "test-sct",
      clients: ["chrome"],
      roots: [sha(root)],
      test: { kind: "first-sct-after", date: T("2024-11-11T23:59:59Z") },
      description: "test",
      source: "test",
    };
    const f = evaluateDistrust([rule], "chrome", [leaves.onCutoff, root]);
    assert.equal(f.length, 1);
    assert.equal(f[0].evidence, "no-sct");
    assert.equal(f[0].certain, false);
    assert.equal(f[0].date, undefined);
    assert.match(f[0].reason, /no embedded SCTs/);
  });

  it("applies Symantec-style subordinate CA exceptions to the CA right below the anchor", () => {
    const rule: DistrustRule = {
      id: "test-subca",
      clients: ["java"],
      roots: [sha(root)],
      test: { kind: "notBefore-after", date: T("2024-11-01T23:59:59.999Z") },
      subCaExceptions: [
        { sha256: sha(otherRoot), name: "Exempt Sub CA", date: T("2024-12-31T23:59:59.999Z") },
      ],
      description: "test",
      source: "test",
    };
    // Two-certificate path: no subordinate CA, the main cutoff applies.
    assert.equal(evaluateDistrust([rule], "java", [leaves.afterCutoff, root]).length, 1);
    // Through the exempt CA: the later cutoff applies (the rule only compares fingerprints and dates).
    assert.deepEqual(evaluateDistrust([rule], "java", [leaves.afterCutoff, otherRoot, root]), []);
    const late = pki.leaf("Distrust Test Root", "late.test", T("2025-01-02T00:00:00Z"));
    const f = evaluateDistrust([rule], "java", [late, otherRoot, root]);
    assert.equal(f.length, 1);
    assert.match(f[0].reason, /through Exempt Sub CA/);
  });

  it("fires the built-in Entrust rules per client for a leaf under the real Entrust root", () => {
    const entrust = parseCertificate(mozilla("Entrust Root Certification Authority").der);
    const rules = defaultDistrustRules();
    const ids = (client: Parameters<typeof evaluateDistrust>[1], leaf: Certificate) =>
      evaluateDistrust(rules, client, [leaf, entrust]).map((f) => f.rule.id);
    // notBefore 2024-11-12: after Java's cutoff, before Mozilla's.
    assert.deepEqual(ids("java", leaves.afterCutoff), ["java-entrust"]);
    assert.deepEqual(ids("salesforce", leaves.afterCutoff), ["java-entrust"]);
    assert.deepEqual(ids("firefox", leaves.afterCutoff), []);
    assert.deepEqual(ids("java", leaves.onCutoff), []);
    const december = pki.leaf("Distrust Test Root", "december.test", T("2024-12-01T00:00:00Z"));
    assert.deepEqual(ids("firefox", december), ["firefox-nss-distrust-after-2024-11-30"]);
    // Chrome looks at SCTs only.
    assert.deepEqual(ids("chrome", leaves.sctsBefore), []);
    assert.deepEqual(ids("chrome", leaves.sctsAfter), ["chrome-entrust"]);
    for (const client of ["openssl", "go", "node"] as const) assert.deepEqual(ids(client, december), []);
  });
});

describe("built-in distrust rules", () => {
  it("has the Entrust rules with the clients' own dates", () => {
    const java = ruleById("java-entrust");
    assert.deepEqual(java.clients, ["java", "salesforce"]);
    assert.deepEqual(java.test, { kind: "notBefore-after", date: T("2024-11-11T23:59:59.999Z") });
    assert.equal(java.roots.length, 5);
    assert.match(java.source, /EntrustTLSPolicy\.java/);

    const chrome = ruleById("chrome-entrust");
    assert.deepEqual(chrome.clients, ["chrome"]);
    assert.equal(chrome.test.kind, "first-sct-after");
    assert.equal(chrome.test.date.toISOString(), "2024-11-11T23:59:59.000Z");
    assert.equal(chrome.roots.length, 9);

    const firefox = ruleById("firefox-nss-distrust-after-2024-11-30");
    assert.deepEqual(firefox.clients, ["firefox"]);
    assert.deepEqual(firefox.test, { kind: "notBefore-after", date: T("2024-11-30T23:59:59Z") });
    assert.deepEqual(Object.values(firefox.rootNames ?? {}).sort(), [
      "Entrust Root Certification Authority",
      "Entrust Root Certification Authority - EC1",
      "Entrust Root Certification Authority - G2",
      "Entrust.net Premium 2048 Secure Server CA",
    ]);
    // Every Entrust root Mozilla distrusts is one Java and Chrome distrust too.
    for (const r of firefox.roots) {
      assert.ok(java.roots.includes(r), r);
      assert.ok(chrome.roots.includes(r), r);
    }
  });

  it("turns every NSS server distrust-after into a Firefox rule", () => {
    const rules = nssDistrustRules();
    const withDate = loadMozillaRoots().filter((r) => r.serverDistrustAfter);
    assert.equal(
      rules.reduce((n, r) => n + r.roots.length, 0),
      withDate.length,
    );
    for (const root of withDate) {
      const r = rules.find((x) => x.roots.includes(root.sha256));
      assert.ok(r, root.label);
      assert.equal(r.test.date.getTime(), root.serverDistrustAfter?.getTime());
      assert.equal(r.errorText, "MOZILLA_PKIX_ERROR_ISSUER_NO_LONGER_TRUSTED");
    }
    assert.deepEqual(
      rules.map((r) => r.id),
      [
        "firefox-nss-distrust-after-2024-11-30",
        "firefox-nss-distrust-after-2025-04-15",
        "firefox-nss-distrust-after-2026-04-15",
      ],
    );
  });

  it("has the JDK's Symantec, Camerfirma and Chunghwa policies", () => {
    const sym = ruleById("java-symantec");
    assert.equal(sym.roots.length, 16);
    assert.equal(sym.test.date.toISOString(), "2019-04-16T23:59:59.999Z");
    assert.deepEqual(
      sym.subCaExceptions?.map((e) => [e.name, e.date.toISOString()]),
      [
        ["Apple IST CA 2 - G1", "2019-12-31T23:59:59.999Z"],
        ["Apple IST CA 8 - G1", "2019-12-31T23:59:59.999Z"],
      ],
    );
    assert.equal(ruleById("java-camerfirma").test.date.toISOString(), "2025-04-15T23:59:59.999Z");
    assert.equal(ruleById("java-camerfirma-removed-roots").roots.length, 2);
    const chunghwa = ruleById("java-chunghwa");
    assert.equal(chunghwa.test.date.toISOString(), "2026-03-17T23:59:59.999Z");
    assert.deepEqual(chunghwa.roots, [mozilla("ePKI Root Certification Authority").sha256]);
    const chrome = ruleById("chrome-chunghwa-netlock");
    assert.equal(chrome.test.date.toISOString(), "2025-07-31T23:59:59.000Z");
  });

  it("uses root SHA-256s that agree with the bundled Mozilla data and the JDK aliases", () => {
    let checked = 0;
    for (const rule of DISTRUST_RULES) {
      assert.equal(rule.roots.length, new Set(rule.roots).size, rule.id);
      for (const sha of rule.roots) {
        assert.match(sha, /^[0-9A-F]{64}$/, `${rule.id}: ${sha}`);
        const name = rule.rootNames?.[sha];
        assert.ok(name, `${rule.id}: ${sha} has a name`);
        const moz = loadMozillaRoots().find((r) => r.label === name);
        if (moz) {
          assert.equal(moz.sha256, sha, `${rule.id}: ${name}`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 10, `only ${checked} roots checked against Mozilla`);
    // Roots Mozilla no longer ships: cross-check with the JDK's cacerts alias table where it has them.
    const jdk = JDK_CACERTS_ALIASES;
    assert.ok(ruleById("java-entrust").roots.includes(jdk.entrustevca));
    assert.ok(ruleById("java-entrust").roots.includes(jdk.entrust2048ca));
    assert.ok(ruleById("java-entrust-affirmtrust").roots.includes(jdk.affirmtrustpremiumeccca));
    assert.ok(ruleById("java-camerfirma").roots.includes(jdk.camerfirmachambersca));
    assert.ok(ruleById("java-camerfirma-removed-roots").roots.includes(jdk.camerfirmachamberscommerceca));
    assert.ok(ruleById("java-camerfirma-removed-roots").roots.includes(jdk.camerfirmachambersignca));
    for (const alias of [
      "geotrustglobalca",
      "thawteprimaryrootcag3",
      "verisignclass3g5ca",
      "verisignuniversalrootca",
    ]) {
      assert.ok(ruleById("java-symantec").roots.includes(jdk[alias]), alias);
    }
    assert.equal(jdk.chunghwaepkirootca, ruleById("java-chunghwa").roots[0]);
  });

  it("cites a source and says which clients have no partial distrust", () => {
    for (const r of defaultDistrustRules()) {
      assert.ok(r.source.length > 10, r.id);
      assert.ok(r.description.length > 10, r.id);
    }
    for (const client of ["openssl", "go", "node"] as const) {
      assert.deepEqual(distrustRulesFor(client), []);
      assert.ok(CLIENTS_WITHOUT_DISTRUST[client]);
    }
    assert.ok(distrustRulesFor("salesforce").every((r) => r.clients.includes("java")));
  });

  it("returns nothing for an empty path", () => {
    assert.deepEqual(evaluateDistrust(defaultDistrustRules(), "java", []), []);
  });
});
