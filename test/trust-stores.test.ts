import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { rootCertificates } from "node:tls";
import { loadFpkiCatalog, loadMozillaRoots } from "../src/trust/bundled.js";
import { fpkiCertificates, fpkiStore } from "../src/trust/fpki.js";
import {
  jdkCacertsCandidates,
  systemBundleCandidates,
  systemDirectoryCandidates,
} from "../src/trust/locations.js";
import { mozillaEmailStore, mozillaRoots, mozillaStore, mozillaUnparsedRoots } from "../src/trust/mozilla.js";
import { nodeStore } from "../src/trust/node.js";
import { findAnchor, JDK_DEFAULT_STOREPASS, storeFromBytes, storeFromFiles } from "../src/trust/store.js";
import { toPem } from "../src/x509/pem.js";

const byLabel = (label: string) => {
  const r = loadMozillaRoots().find((x) => x.label === label);
  assert.ok(r, `root ${label} missing`);
  return r;
};
const enc = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));
const tlsUnparsed = () => mozillaUnparsedRoots().filter((u) => u.root.serverAuth === "trusted-delegator");

describe("mozilla store", () => {
  it("has the 121 NSS roots trusted for TLS server auth, and only those", () => {
    const store = mozillaStore();
    // Roots our strict parser rejects are left out and named in the notes (see the todo test below).
    assert.equal(store.anchors.length + tlsUnparsed().length, 121);
    for (const u of tlsUnparsed()) assert.ok(store.notes.some((n) => n.startsWith(`${u.root.label}:`)));
    const labels = new Set(store.anchors.map((a) => a.name));
    for (const r of loadMozillaRoots()) {
      const parsedOk = !mozillaUnparsedRoots().some((u) => u.root === r);
      if (parsedOk) assert.equal(labels.has(r.label), r.serverAuth === "trusted-delegator", r.label);
    }
    assert.equal(store.id, "mozilla");
    assert.equal(store.date, "2026-05-01");
    assert.ok(store.anchors.every((a) => a.trustSource === "mozilla-nss-2.86"));
    assert.ok(
      store.anchors.every(
        (a) =>
          a.cert.sha256 ===
          loadMozillaRoots()
            .find((r) => r.label === a.name)
            ?.sha256.toLowerCase(),
      ),
    );
  });

  it("parses every bundled root", {
    todo: mozillaUnparsedRoots().length
      ? `x509 rejects: ${mozillaUnparsedRoots()
          .map((u) => u.root.label)
          .join(", ")}`
      : false,
  }, () => {
    assert.equal(mozillaRoots().length, 167);
    assert.equal(mozillaStore().anchors.length, 121);
  });

  it("carries serverDistrustAfter into the anchors", () => {
    const store = mozillaStore();
    const entrust = store.anchors.find((a) => a.name === "Entrust Root Certification Authority");
    assert.equal(entrust?.distrustAfter?.toISOString(), "2024-11-30T23:59:59.000Z");
    const izenpe = store.anchors.find((a) => a.name === "Izenpe.com");
    assert.equal(izenpe?.distrustAfter?.toISOString(), "2026-04-15T23:59:59.000Z");
    const g2 = store.anchors.find((a) => a.name === "DigiCert Global Root G2");
    assert.ok(g2 && g2.distrustAfter === undefined);
    assert.equal(g2.alias, "digicertglobalrootg2");
  });

  it("keeps e-mail-only trust in a separate store", () => {
    const email = mozillaEmailStore();
    const tls = mozillaStore();
    assert.equal(email.id, "mozilla-email");
    const emailOnly = byLabel("GlobalSign Root CA");
    assert.equal(emailOnly.serverAuth, "must-verify");
    assert.equal(emailOnly.emailProtection, "trusted-delegator");
    assert.ok(email.anchors.some((a) => a.name === "GlobalSign Root CA"));
    assert.ok(!tls.anchors.some((a) => a.name === "GlobalSign Root CA"));
    const expected = loadMozillaRoots().filter((r) => r.emailProtection === "trusted-delegator").length;
    const emailUnparsed = mozillaUnparsedRoots().filter(
      (u) => u.root.emailProtection === "trusted-delegator",
    ).length;
    assert.equal(email.anchors.length + emailUnparsed, expected);
  });

  it("finds anchors by SHA-256 in any case", () => {
    const store = mozillaStore();
    const sha = byLabel("DigiCert Global Root G2").sha256;
    assert.equal(findAnchor(store, sha)?.name, "DigiCert Global Root G2");
    assert.equal(findAnchor(store, sha.toLowerCase())?.name, "DigiCert Global Root G2");
    assert.equal(findAnchor(store, "00".repeat(32)), undefined);
  });
});

describe("fpki store", () => {
  it("has Federal Common Policy CA G2 as its only anchor and the rest as catalog", () => {
    const store = fpkiStore(new Date("2026-05-01T00:00:00Z"));
    const cat = loadFpkiCatalog();
    assert.equal(store.anchors.length, 1);
    assert.equal(store.anchors[0].cert.sha256.toUpperCase(), cat.anchorSha256);
    assert.equal(store.anchors[0].name, "Federal Common Policy CA G2");
    assert.equal(store.catalog?.length, 150);
    assert.ok(!store.catalog?.some((c) => c.sha256 === store.anchors[0].cert.sha256));
    assert.equal(new Set(store.catalog?.map((c) => c.sha256)).size, 150);
    assert.equal(fpkiCertificates().length, 151);
    assert.ok(
      store.notes.some((n) => /71 of them are past notAfter as of 2026-05-01/.test(n)),
      store.notes.join("\n"),
    );
  });
});

describe("node store", () => {
  it("holds Node's bundled roots, all parsed", () => {
    const store = nodeStore();
    const failed = store.notes.filter((n) => /left out/.test(n));
    assert.ok(store.anchors.length > 100);
    assert.equal(store.anchors.length + failed.length, rootCertificates.length);
    assert.ok(
      store.anchors.every((a) => a.cert.isCA && a.cert.selfIssued),
      "every Node root is a self-issued CA",
    );
    assert.ok(store.anchors.some((a) => a.name === "DigiCert Global Root G2"));
  });
});

describe("stores from files", () => {
  const roots = ["DigiCert Global Root G2", "ISRG Root X1", "GlobalSign Root CA - R3"].map(byLabel);
  const pem = (i: number) => toPem(roots[i].der);

  it("reads a PEM bundle with comments, CRLF and a duplicate", () => {
    const bundle = `# DigiCert\r\n${pem(0).replace(/\n/g, "\r\n")}\n# ISRG\n${pem(1)}\nsubject=whatever\n${pem(0)}`;
    const store = storeFromBytes("custom", enc(bundle), { source: "bundle.pem" });
    assert.equal(store.id, "custom");
    assert.deepEqual(
      store.anchors.map((a) => a.name),
      ["DigiCert Global Root G2", "ISRG Root X1"],
    );
    assert.equal(store.anchors[0].trustSource, "custom:bundle.pem");
    assert.ok(store.notes.some((n) => /1 duplicate certificate ignored/.test(n)));
  });

  it("reads a system bundle as OpenSSL would: every certificate is an anchor", () => {
    const store = storeFromBytes("system", enc(pem(0) + pem(1) + pem(2)), {
      source: "/etc/ssl/certs/ca-certificates.crt",
    });
    assert.equal(store.id, "system");
    assert.equal(store.anchors.length, 3);
  });

  it("rejects a file without certificates", () => {
    assert.throws(() => storeFromBytes("custom", enc("hello\n"), { source: "x.txt" }), /x\.txt/);
  });

  it("builds one store from a folder's files, skipping non-certificates", () => {
    const files = [
      { bytes: enc(pem(0)), source: "certs/digicert.pem" },
      { bytes: new Uint8Array(roots[1].der), source: "certs/isrg.der" },
      { bytes: enc(pem(0)), source: "certs/3513523f.0" }, // a hash link to the same root
      { bytes: enc("This folder holds our CAs.\n"), source: "certs/README" },
      { bytes: enc(pem(2)), source: "certs/globalsign.crt" },
    ];
    const store = storeFromFiles("custom", files, { source: "certs/" });
    assert.equal(store.source, "certs/");
    assert.deepEqual(
      store.anchors.map((a) => a.name),
      ["DigiCert Global Root G2", "ISRG Root X1", "GlobalSign"],
    );
    assert.ok(store.notes.some((n) => /1 duplicate/.test(n)));
    assert.ok(
      store.notes.some((n) => /1 file without certificates skipped: certs\/README/.test(n)),
      store.notes.join("\n"),
    );
  });
});

const haveKeytool = spawnSync("keytool", ["-help"], { encoding: "utf8" }).status === 0;

describe("jdk store from keytool keystores", { skip: haveKeytool ? false : "keytool not installed" }, () => {
  let dir = "";
  const roots = ["DigiCert Global Root G2", "ISRG Root X1"].map(byLabel);
  const keytool = (args: string[]) => {
    const r = spawnSync("keytool", args, { encoding: "utf8", cwd: dir });
    if (r.status !== 0) throw new Error(`keytool ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  };
  const build = (file: string, type: string) => {
    const common = ["-keystore", file, "-storetype", type, "-storepass", JDK_DEFAULT_STOREPASS];
    roots.forEach((r, i) => {
      const f = join(dir, `root${i}.pem`);
      writeFileSync(f, toPem(r.der));
      keytool(["-importcert", "-noprompt", "-alias", r.alias, "-file", f, ...common]);
    });
    // A private-key entry: Java's trust manager trusts the first certificate of its chain too.
    keytool([
      "-genkeypair",
      "-alias",
      "server",
      "-keyalg",
      "EC",
      "-groupname",
      "secp256r1",
      "-dname",
      "CN=server.test",
      "-validity",
      "30",
      "-keypass",
      JDK_DEFAULT_STOREPASS,
      ...common,
    ]);
    return new Uint8Array(readFileSync(join(dir, file)));
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "chainproof-jdk-"));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const type of ["JKS", "PKCS12"]) {
    it(`reads a ${type} cacerts with the default password`, () => {
      const bytes = build(`cacerts.${type.toLowerCase()}`, type);
      const store = storeFromBytes("jdk", bytes, { source: `cacerts.${type.toLowerCase()}` });
      assert.equal(store.id, "jdk");
      const names = store.anchors.map((a) => a.name).sort();
      assert.deepEqual(names, ["digicertglobalrootg2", "isrgrootx1", "server"]);
      const server = store.anchors.find((a) => a.alias === "server");
      assert.equal(server?.cert.commonNames[0], "server.test");
      const g2 = store.anchors.find((a) => a.alias === "digicertglobalrootg2");
      assert.equal(g2?.cert.sha256.toUpperCase(), roots[0].sha256);
      assert.ok(store.anchors.every((a) => a.trustSource.startsWith("jdk:cacerts.")));
    });
  }

  it("needs a password for a custom keystore, and refuses a wrong one", () => {
    const bytes = new Uint8Array(readFileSync(join(dir, "cacerts.jks")));
    assert.throws(() => storeFromBytes("custom", bytes, { source: "trust.jks" }), /password/);
    assert.throws(() => storeFromBytes("jdk", bytes, { source: "trust.jks", password: "wrong" }));
    assert.equal(
      storeFromBytes("custom", bytes, { source: "trust.jks", password: "changeit" }).anchors.length,
      3,
    );
  });
});

describe("locations", () => {
  it("lists OpenSSL bundle candidates, SSL_CERT_FILE first", () => {
    const c = systemBundleCandidates({ env: { SSL_CERT_FILE: "/opt/ca.pem" }, platform: "linux" });
    assert.equal(c[0], "/opt/ca.pem");
    assert.ok(c.includes("/etc/ssl/certs/ca-certificates.crt"));
    assert.ok(c.includes("/etc/pki/tls/certs/ca-bundle.crt"));
    assert.deepEqual(systemBundleCandidates({ platform: "win32" }), []);
    assert.deepEqual(systemDirectoryCandidates({ env: { SSL_CERT_DIR: "/a:/b" } }).slice(0, 3), [
      "/a",
      "/b",
      "/etc/ssl/certs",
    ]);
  });

  it("lists JDK cacerts candidates from JAVA_HOME", () => {
    const c = jdkCacertsCandidates({ env: { JAVA_HOME: "/usr/lib/jvm/jdk-21/" }, platform: "linux" });
    assert.deepEqual(c.slice(0, 2), [
      "/usr/lib/jvm/jdk-21/lib/security/cacerts",
      "/usr/lib/jvm/jdk-21/jre/lib/security/cacerts",
    ]);
    assert.ok(c.includes("/etc/ssl/certs/java/cacerts"));
    const w = jdkCacertsCandidates({ env: { JAVA_HOME: "C:\\Java\\jdk" }, platform: "win32" });
    assert.equal(w[0], "C:\\Java\\jdk\\lib\\security\\cacerts");
  });
});
