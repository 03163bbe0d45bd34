/**
 * Client verdicts on generated PKIs: every situation of test/helpers/clients-pki.ts, each client's verdict
 * and reason, the chain findings, and the error text each client prints.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CLIENT_IDS,
  CLIENTS,
  type ClientMatrix,
  checkTlsVersion,
  evaluateClients,
  type FailureKind,
  resolveClients,
} from "../src/clients/index.js";
import { DISTRUST_RULES, type DistrustRule } from "../src/trust/distrust.js";
import { storeFromBytes, type TrustStore } from "../src/trust/store.js";
import {
  days,
  HOST,
  issue,
  makePki,
  type Situation,
  situations,
  type TestCert,
} from "./helpers/clients-pki.js";

const storeOf = (certs: TestCert[]): TrustStore =>
  storeFromBytes("custom", Buffer.from(certs.map((c) => c.pem).join("")), { source: "trust.pem" });

function run(s: Situation, extra: Partial<Parameters<typeof evaluateClients>[0]> = {}): ClientMatrix {
  return evaluateClients({
    leaf: s.chain[0].cert,
    presented: s.chain.map((c) => c.cert),
    clients: [...CLIENT_IDS],
    stores: storeOf(s.trust),
    host: s.host,
    ...extra,
  });
}

const all = situations();
const byName = (name: string) => {
  const s = all.find((x) => x.name === name);
  assert.ok(s, name);
  return s;
};

describe("Firefox's preloaded intermediates", () => {
  it("may complete a chain only when the store holds a root of Mozilla's program", async () => {
    const s = byName("missing intermediate");
    const firefox = (m: ClientMatrix) => m.clients.find((v) => v.client === "firefox")!;
    assert.equal(firefox(run(s)).status, "untrusted");
    const { mozillaStore } = await import("../src/trust/mozilla.js");
    const withMozilla = storeOf(s.trust);
    withMozilla.anchors.push(mozillaStore().anchors[0]);
    const v = firefox(run(s, { stores: withMozilla }));
    assert.equal(v.status, "depends");
    assert.match(v.notes.join("\n"), /completes chains from intermediates disclosed to the CCADB/);
  });
});

describe("client verdicts per situation", () => {
  for (const s of all) {
    it(s.name, () => {
      const m = run(s);
      const got = Object.fromEntries(m.clients.map((v) => [v.client, v.status]));
      assert.deepEqual(
        got,
        s.expect,
        `${s.name}: ${JSON.stringify(m.clients.map((v) => [v.client, v.reason?.code]))}`,
      );
      const codes = m.findings.map((f) => f.code);
      for (const c of s.codes)
        assert.ok(codes.includes(c), `${s.name}: expected finding ${c}, got ${codes.join(", ")}`);
      for (const [client, code] of Object.entries(s.reasons ?? {})) {
        const v = m.clients.find((x) => x.client === client);
        assert.equal(v?.reason?.code, code, `${s.name}: ${client} reason`);
      }
      assert.equal(
        m.trusted,
        Object.values(s.expect).every((x) => x === "trusted"),
      );
      for (const v of m.clients) {
        if (v.trusted) {
          assert.equal(v.reason, undefined);
          assert.ok(v.path.at(-1)?.anchor, `${s.name}: ${v.client} path ends at its anchor`);
        } else {
          assert.ok(v.error?.text, `${s.name}: ${v.client} has an error text`);
        }
      }
      // Every finding has the product shape.
      for (const f of m.findings) {
        assert.ok(f.code && f.message && f.fix, JSON.stringify(f));
        assert.ok(["error", "warning", "info"].includes(f.severity));
      }
    });
  }
});

describe("what each client prints", () => {
  const text = (m: ClientMatrix, client: string) => m.clients.find((v) => v.client === client)?.error?.text;

  it("missing intermediate: Java's PKIX error, OpenSSL 20, Node 21, Chrome would fetch it", () => {
    const m = run(byName("missing intermediate"));
    const pkix =
      "PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target";
    assert.equal(text(m, "java"), pkix);
    assert.equal(
      text(m, "salesforce"),
      `System.CalloutException: sun.security.validator.ValidatorException: ${pkix}`,
    );
    assert.equal(text(m, "openssl"), "verify error:num=20:unable to get local issuer certificate");
    assert.equal(
      text(m, "curl"),
      "curl: (60) SSL certificate problem: unable to get local issuer certificate",
    );
    assert.equal(text(m, "node"), "UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate");
    assert.equal(
      text(m, "go"),
      "tls: failed to verify certificate: x509: certificate signed by unknown authority",
    );
    assert.equal(text(m, "chrome"), "NET::ERR_CERT_AUTHORITY_INVALID");
    const chrome = m.clients.find((v) => v.client === "chrome");
    assert.match(
      chrome?.notes.join(" ") ?? "",
      /would fetch the missing issuer from http:\/\/pki\.example\.test\//,
    );
    const f = m.findings.find((x) => x.code === "incomplete-chain");
    assert.ok(f);
    assert.equal(f.severity, "error");
    assert.equal(f.data?.issuer, "CN=Alpha Intermediate,O=chainproof tests");
    assert.ok(typeof f.data?.aki === "string" && f.data.aki.length === 40);
    assert.deepEqual(f.data?.caIssuers, ["http://pki.example.test/alpha-intermediate.crt"]);
    assert.match(f.message, /Alpha Intermediate.*http:\/\/pki\.example\.test\/alpha-intermediate\.crt/);
    assert.equal(f.clients?.java?.rejects, true);
    assert.equal(f.clients?.java?.error, pkix);
    assert.equal(f.clients?.chrome?.rejects, false);
    assert.equal(f.certificate?.position, 1);
  });

  it("a missing intermediate the caller fetched (AIA) completes the chain for Chrome only", () => {
    const s = byName("missing intermediate");
    const intermediate = all[0].chain[1].cert;
    const m = run(s, { aiaFetched: [intermediate] });
    const st = Object.fromEntries(m.clients.map((v) => [v.client, v.status]));
    assert.equal(st.chrome, "trusted");
    assert.equal(st.java, "untrusted");
    assert.equal(m.clients.find((v) => v.client === "chrome")?.path[1].from, "aia");
    // Firefox with a preload list that has it.
    const p = run(s, { preloaded: [intermediate], clients: ["firefox"] });
    assert.equal(p.clients[0].status, "trusted");
    const q = run(s, { preloaded: [], clients: ["firefox"] });
    assert.equal(q.clients[0].status, "untrusted");
  });

  it("self-signed leaf: OpenSSL 18, Node DEPTH_ZERO_SELF_SIGNED_CERT, Firefox MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT", () => {
    const m = run(byName("self-signed leaf"));
    assert.equal(text(m, "openssl"), "verify error:num=18:self-signed certificate");
    assert.equal(text(m, "node"), "DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate");
    assert.equal(text(m, "firefox"), "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT");
    const sf = m.findings.find((f) => f.code === "self-signed-target");
    assert.equal(sf?.clients?.salesforce?.rejects, true);
  });

  it("untrusted root sent: OpenSSL 19 and Node SELF_SIGNED_CERT_IN_CHAIN", () => {
    const m = run(byName("untrusted root sent"));
    assert.equal(text(m, "openssl"), "verify error:num=19:self-signed certificate in certificate chain");
    assert.equal(text(m, "node"), "SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain");
  });

  it("intermediate in the trust list: OpenSSL error 2, Salesforce says the intermediate is ignored", () => {
    const m = run(byName("intermediate in the trust list"));
    assert.equal(text(m, "openssl"), "verify error:num=2:unable to get issuer certificate");
    assert.equal(text(m, "node"), "UNABLE_TO_GET_ISSUER_CERT: unable to get issuer certificate");
    const f = m.findings.find((x) => x.code === "intermediate-anchor-ignored");
    assert.ok(f);
    assert.equal(f.clients?.salesforce?.rejects, true);
    assert.equal(f.clients?.java?.rejects, false);
    assert.equal(m.clients.find((v) => v.client === "java")?.path.length, 2);
    assert.equal(m.clients.find((v) => v.client === "salesforce")?.store.anchors, 0);
  });

  it("CN-only: Go's legacy Common Name error, Chrome's COMMON_NAME_INVALID; a wrong name gives Java's CN message", () => {
    const s = byName("CN-only certificate");
    const m = run(s);
    assert.equal(
      text(m, "go"),
      "tls: failed to verify certificate: x509: certificate relies on legacy Common Name field, use SANs instead",
    );
    assert.equal(text(m, "chrome"), "NET::ERR_CERT_COMMON_NAME_INVALID");
    const f = m.findings.find((x) => x.code === "hostname-cn-only");
    assert.equal(f?.severity, "error");
    assert.equal(f?.clients?.java?.rejects, false);
    const wrong = run({ ...s, host: "other.example.test" });
    assert.equal(text(wrong, "java"), "No name matching other.example.test found");
    assert.equal(
      text(wrong, "curl"),
      `curl: (60) SSL: certificate subject name '${HOST}' does not match target host name 'other.example.test'`,
    );
    assert.equal(
      text(wrong, "node"),
      `ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match certificate's altnames: Host: other.example.test. is not cert's CN: ${HOST}`,
    );
  });

  it("host name mismatch lists the names the certificate has", () => {
    const m = run(byName("host name mismatch"));
    const f = m.findings.find((x) => x.code === "hostname-mismatch");
    assert.match(
      f?.message ?? "",
      /not valid for other\.example\.test\. It names: DNS:service\.example\.test/,
    );
    assert.equal(text(m, "java"), "No subject alternative DNS name matching other.example.test found.");
    assert.equal(
      text(m, "go"),
      `tls: failed to verify certificate: x509: certificate is valid for ${HOST}, not other.example.test`,
    );
    assert.equal(text(m, "openssl"), "verify error:num=62:hostname mismatch");
  });

  it("expired intermediate: Java validity check, Firefox's issuer error, Go's CA expiry; expiry facts", () => {
    const m = run(byName("expired intermediate"));
    assert.equal(
      text(m, "java"),
      "PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed",
    );
    assert.equal(text(m, "firefox"), "SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE");
    assert.equal(text(m, "chrome"), "NET::ERR_CERT_DATE_INVALID");
    assert.match(
      text(m, "go") ?? "",
      // buildChains returns a CA candidate's isValid error as such (Go 1.19.8, test/lab-oracle-go-browsers.test.ts).
      /^tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time \S+ is after \S+$/,
    );
    const f = m.findings.find((x) => x.code === "expired");
    assert.equal(f?.certificate?.position, 2);
    assert.equal(f?.certificate?.role, "intermediate");
    assert.equal(f?.data?.daysAgo, 2);
  });

  it("an expired leaf sent out of order: Java builds (and says only 'unable to find'), Node reports the expiry", () => {
    const m = run(byName("expired leaf sent out of order"));
    assert.match(text(m, "java") ?? "", /^PKIX path building failed/);
    assert.equal(text(m, "node"), "CERT_HAS_EXPIRED: certificate has expired");
    assert.match(
      text(m, "go") ?? "",
      /^tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time /,
    );
  });

  it("SHA-1: refused by OpenSSL (68), Go, the browsers; Java accepts it under a private root", () => {
    const m = run(byName("SHA-1 signatures"));
    assert.equal(text(m, "openssl"), "verify error:num=68:CA signature digest algorithm too weak");
    assert.equal(text(m, "firefox"), "SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED");
    assert.match(
      text(m, "go") ?? "",
      /insecure algorithm SHA1-RSA.*candidate authority certificate "SHA-1 Intermediate"/,
    );
    const f = m.findings.filter((x) => x.code === "weak-signature");
    assert.equal(f.length, 2);
    assert.equal(f[0].clients?.java?.rejects, false);
    assert.equal(f[0].severity, "error");
    // Under a root shipped with the JDK (jdkCA), Java refuses SHA-1.
    const s = byName("SHA-1 signatures");
    const shipped: TrustStore = { ...storeOf(s.trust), id: "jdk" };
    const j = run(s, { stores: shipped, clients: ["java"] });
    assert.equal(j.clients[0].status, "untrusted");
    assert.equal(j.clients[0].reason?.code, "weak-signature");
  });

  it("weak keys: OpenSSL level 2 refuses 1024-bit RSA (67), Java's keysize message for 512 bits", () => {
    const m = run(byName("1024-bit RSA intermediate"));
    assert.equal(text(m, "openssl"), "verify error:num=67:CA certificate key too weak");
    const t = run(byName("512-bit RSA intermediate"));
    assert.equal(
      text(t, "java"),
      "PKIX path validation failed: java.security.cert.CertPathValidatorException: Algorithm constraints check failed on keysize limits: RSA 512 bit key used with certificate: CN=Tiny Intermediate",
    );
  });
});

describe("distrust by date (synthetic rules on a test root)", () => {
  const pki = makePki("Distrusted");
  const cutoff = days(-10);
  const sha = pki.root.cert.sha256.toUpperCase();
  const rules: DistrustRule[] = [
    {
      id: "test-notbefore",
      clients: ["java", "salesforce", "firefox"],
      roots: [sha],
      rootNames: { [sha]: "Distrusted Root" },
      test: { kind: "notBefore-after", date: cutoff },
      description: "test rule: leaves issued after the cutoff",
      source: "test",
      errorText:
        "TLS Server certificate issued after CUTOFF and anchored by a distrusted legacy Test root CA: {anchor}",
    },
    {
      id: "test-sct",
      clients: ["chrome"],
      roots: [sha],
      test: { kind: "first-sct-after", date: cutoff },
      description: "test rule: earliest SCT after the cutoff",
      source: "test",
    },
  ];
  const leaf = (notBefore: Date, scts?: Date[]) =>
    issue({ cn: HOST, dns: [HOST], issuer: pki.intermediate, notBefore, ...(scts ? { scts } : {}) });
  const evaluate = (l: TestCert) =>
    evaluateClients({
      leaf: l.cert,
      presented: [l.cert, pki.intermediate.cert],
      clients: [...CLIENT_IDS],
      stores: storeOf([pki.root]),
      host: HOST,
      distrustRules: rules,
    });
  const status = (m: ClientMatrix) => Object.fromEntries(m.clients.map((v) => [v.client, v.status]));

  it("a leaf issued before the cutoff is trusted everywhere", () => {
    const m = evaluate(leaf(days(-20), [days(-20)]));
    assert.equal(m.trusted, true, JSON.stringify(status(m)));
    assert.ok(!m.findings.some((f) => f.code === "distrusted-ca"));
  });

  it("a leaf issued after the cutoff: notBefore rules (Java, Salesforce, Firefox) and the SCT rule (Chrome)", () => {
    const m = evaluate(leaf(days(-5), [days(-5)]));
    assert.deepEqual(status(m), {
      salesforce: "untrusted",
      java: "untrusted",
      openssl: "trusted",
      curl: "trusted",
      go: "trusted",
      node: "trusted",
      chrome: "untrusted",
      firefox: "untrusted",
    });
    const java = m.clients.find((v) => v.client === "java");
    assert.equal(java?.reason?.code, "distrusted-ca");
    assert.equal(
      java?.error?.text,
      "TLS Server certificate issued after CUTOFF and anchored by a distrusted legacy Test root CA: CN=Distrusted Root, O=chainproof tests",
    );
    assert.equal(
      m.clients.find((v) => v.client === "firefox")?.error?.text,
      "MOZILLA_PKIX_ERROR_ISSUER_NO_LONGER_TRUSTED",
    );
    const f = m.findings.filter((x) => x.code === "distrusted-ca");
    assert.deepEqual(f.map((x) => x.data?.rule).sort(), ["test-notbefore", "test-sct"]);
    assert.equal(f[0].severity, "error");
    assert.equal(f.find((x) => x.data?.rule === "test-sct")?.clients?.chrome?.rejects, true);
  });

  it("SCT and notBefore are separate clocks: an old SCT keeps Chrome trusting a re-dated leaf", () => {
    // notBefore after the cutoff, but the earliest SCT before it: only the notBefore clients distrust it.
    const m = evaluate(leaf(days(-5), [days(-12), days(-4)]));
    const st = status(m);
    assert.equal(st.chrome, "trusted");
    assert.equal(st.java, "untrusted");
    assert.equal(st.firefox, "untrusted");
  });

  it("without embedded SCTs Chrome's rule cannot be decided from the certificate: trusted with a note", () => {
    const m = evaluate(leaf(days(-20)));
    const chrome = m.clients.find((v) => v.client === "chrome");
    assert.equal(chrome?.status, "trusted");
    assert.match(chrome?.notes.join(" ") ?? "", /no embedded SCTs/);
  });

  it("the real Chrome Entrust constraint is 2024-11-11T23:59:59Z (sct_not_after_sec 1731369599)", () => {
    const r = DISTRUST_RULES.find((x) => x.id === "chrome-entrust");
    assert.equal(r?.test.date.toISOString(), "2024-11-11T23:59:59.000Z");
  });
});

describe("profiles", () => {
  it("every profile cites its rules and has an error text for every failure kind", () => {
    const kinds: FailureKind[] = [
      "self-signed-target",
      "self-signed-leaf",
      "untrusted-root",
      "unknown-issuer",
      "non-root-anchor",
      "expired",
      "not-yet-valid",
      "hostname-mismatch",
      "distrusted",
      "weak-signature",
      "weak-key",
      "not-a-ca",
      "ca-key-usage",
      "extended-key-usage",
      "bad-signature",
      "name-constraints",
      "path-length",
      "other",
    ];
    const leaf = all[0].chain[0].cert;
    for (const id of CLIENT_IDS) {
      const p = CLIENTS[id];
      assert.equal(p.id, id);
      for (const kind of kinds) {
        const e = p.errorText({
          kind,
          cert: leaf,
          role: "leaf",
          path: [leaf],
          onlyLeafSent: true,
          time: new Date(),
          detail: "d",
        });
        assert.ok(e.text.length > 0, `${id} ${kind}`);
        const cannotHappen =
          kind === "self-signed-target" || (kind === "distrusted" && p.distrust.client === null);
        assert.ok(p.order.includes(kind) || cannotHappen, `${id}: ${kind} missing from the order`);
      }
      for (const s of [
        p.store.source,
        p.aia.source,
        p.hostname.source,
        p.anchors.source,
        p.algorithms.source,
        p.distrust.source,
      ]) {
        assert.ok(s.length > 10, `${id}: a rule without a source`);
      }
    }
  });

  it("TLS versions: Salesforce needs TLS 1.2 or later", () => {
    assert.equal(checkTlsVersion("salesforce", "TLSv1.2"), undefined);
    assert.equal(checkTlsVersion("salesforce", "TLSv1.3"), undefined);
    const f = checkTlsVersion("salesforce", "TLSv1.1");
    assert.equal(f?.code, "tls-version-too-old");
    assert.match(f?.message ?? "", /Salesforce requires TLSv1\.2 or later/);
  });

  it("client names: default salesforce, 'all', lists, unknown names refused", () => {
    assert.deepEqual(resolveClients(undefined), ["salesforce"]);
    assert.equal(resolveClients("all").length, CLIENT_IDS.length);
    assert.deepEqual(resolveClients("java, chrome"), ["java", "chrome"]);
    assert.throws(() => resolveClients("safari"), /unknown client "safari"/);
  });

  it("the default stores: Mozilla for Salesforce (with the approximation said), Node's own for Node", () => {
    const pki = makePki("Defaults");
    const m = evaluateClients({
      leaf: pki.leaf.cert,
      presented: [pki.leaf.cert, pki.intermediate.cert],
      clients: ["salesforce", "node", "firefox"],
      host: HOST,
    });
    const [sf, node, ff] = m.clients;
    assert.equal(sf.store.id, "mozilla");
    assert.match(sf.store.approximation ?? "", /cacerts\.jsp/);
    assert.equal(node.store.id, "node");
    assert.equal(ff.store.approximation, undefined);
    assert.equal(sf.reason?.code, "unknown-issuer");
  });
});
