/**
 * The lab against its own declarations: every endpoint, over a real TLS connection on 127.0.0.1, gets from
 * every client the verdict it declares (trusted, or refused with the declared finding code), with the
 * declared findings; the incomplete chain is repaired from the lab's AIA server and the repaired bundle
 * verifies, for every client and for `openssl verify`.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { CLIENT_IDS } from "../src/clients/index.js";
import {
  checkLab,
  type EndpointOutcome,
  expectedFor,
  fixLabEndpoint,
  LAB_ENDPOINTS,
  type Lab,
  labMtlsDemo,
  startLab,
} from "../src/lab/index.js";
import { toPem } from "../src/x509/pem.js";
import { haveOpenssl, tempDir, writeIn } from "./helpers/openssl.js";

let lab: Lab;
let outcomes: Map<string, EndpointOutcome>;

before(async () => {
  lab = await startLab();
  outcomes = new Map((await checkLab(lab)).map((o) => [o.endpoint.spec.name, o]));
});
after(async () => {
  await lab?.close();
});

const get = (name: string) => {
  const o = outcomes.get(name);
  assert.ok(o, `endpoint ${name} checked`);
  return o;
};

describe("lab: every endpoint as declared, for every client", () => {
  it("serves on 127.0.0.1 only, one port per endpoint, AIA over HTTP on its own port", () => {
    assert.equal(lab.address, "127.0.0.1");
    assert.equal(lab.endpoints.length, LAB_ENDPOINTS.length);
    const ports = new Set(lab.endpoints.map((e) => e.port));
    assert.equal(ports.size, lab.endpoints.length);
    assert.ok(!ports.has(lab.http.port));
    assert.match(lab.http.base, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  for (const spec of LAB_ENDPOINTS) {
    it(`${spec.name}: ${spec.title}`, () => {
      const o = get(spec.name);
      for (const client of CLIENT_IDS) {
        const c = o.clients.find((x) => x.client === client);
        assert.ok(c, `${client} judged`);
        assert.equal(c.actual, expectedFor(spec.expect, client), `${spec.name} / ${client}`);
      }
      const codes = o.report.matrix.findings.map((f) => f.code);
      for (const f of spec.expect.findings ?? []) assert.ok(codes.includes(f), `${spec.name}: finding ${f}`);
      // A refusal is always explained by a finding of the same code, with the client's own text.
      for (const v of o.report.matrix.clients) {
        if (v.trusted) continue;
        assert.ok(
          codes.includes(v.reason!.code),
          `${spec.name} / ${v.client}: ${v.reason!.code} among findings`,
        );
        assert.ok(v.error?.text, `${spec.name} / ${v.client}: an error text`);
      }
      assert.ok(o.ok);
    });
  }
});

describe("lab: what the connection shows", () => {
  it("sends each chain exactly as built, in order", () => {
    for (const e of lab.endpoints) {
      if (e.spec.name === "tls10") continue;
      const sent = get(e.spec.name).report.certificates.map((c) => c.sha256);
      assert.deepEqual(
        sent,
        e.chain.map((c) => c.cert.sha256),
        e.spec.name,
      );
    }
  });

  it("tls10: the versions the server speaks, its certificates from a raw hello, each client's text", () => {
    const r = get("tls10").report;
    assert.equal(r.handshake.completed, false);
    assert.deepEqual(
      r.handshake.versions?.filter((v) => v.supported).map((v) => v.version),
      ["TLSv1", "TLSv1.1"],
    );
    assert.equal(r.handshake.certificatesFrom, "raw-hello");
    assert.equal(r.certificates.length, 2);
    const f = r.matrix.findings.find((x) => x.code === "tls-version-too-old");
    assert.ok(f);
    assert.match(f.clients?.java?.error ?? "", /Received fatal alert: protocol_version/);
    assert.match(
      f.clients?.salesforce?.error ?? "",
      /^System\.CalloutException: javax\.net\.ssl\.SSLHandshakeException/,
    );
    // The chain itself is fine: only the version is in the way.
    assert.ok(!r.matrix.findings.some((x) => x.severity === "error" && x.code !== "tls-version-too-old"));
  });

  it("client-cert: the server asks for a certificate and refuses the connection without one", () => {
    const r = get("client-cert").report;
    const f = r.matrix.findings.find((x) => x.code === "client-certificate-required");
    assert.ok(f);
    assert.equal(f.severity, "warning");
    assert.equal(f.data?.refusedWithout, true);
    assert.equal(f.data?.acceptableCas, 1);
  });

  it("mtls endpoints: CA names (the lab client CA), none, and the self-signed client certificate installed", () => {
    const acceptable = (name: string) =>
      get(name).report.matrix.findings.find((x) => x.code === "client-certificate-required")?.data
        ?.acceptableCas;
    assert.equal(acceptable("mtls-ca-names"), 1);
    assert.equal(acceptable("mtls-no-names"), 0);
    assert.equal(acceptable("mtls-self-signed"), 2);
    assert.equal(
      lab.pki.clientSelfSigned.built.cert.subject.toString(),
      "CN=lab-client-self-signed,O=chainproof lab",
    );
  });

  it("mutual TLS demo: lab-client-self-signed withheld and refused where not installed, accepted where installed", async () => {
    const steps = await labMtlsDemo(lab);
    assert.deepEqual(
      steps.map((s) => [s.endpoint, s.installed, s.prediction.sent, s.verdict.verdict, s.ok]),
      [
        ["mtls-ca-names", false, false, "rejected", true],
        ["mtls-self-signed", true, true, "accepted", true],
      ],
    );
    assert.equal(steps[0].verdict.alert?.name, "certificate_required");
    assert.deepEqual(steps[0].names, ["CN=chainproof Lab Client CA,O=chainproof lab"]);
  });

  it("incomplete: Chrome's verdict comes from the certificate the lab's AIA URL served", () => {
    const r = get("incomplete").report;
    assert.equal(r.aia.length, 1);
    assert.equal(r.aia[0].ok, true);
    assert.equal(r.aia[0].url, `${lab.http.base}/rsa-ica.der`);
    const chrome = r.matrix.clients.find((v) => v.client === "chrome")!;
    assert.equal(chrome.trusted, true);
    assert.equal(chrome.path[1].from, "aia");
  });

  it("distrusted: the lab rule names itself in the finding", () => {
    const f = get("distrusted").report.matrix.findings.find((x) => x.code === "distrusted-ca");
    assert.ok(f);
    assert.match(String(f.data?.rule), /^lab-/);
  });
});

describe("lab: check --fix on the incomplete chain", () => {
  it("fetches the intermediate, builds leaf + intermediate (no root), and every client trusts the result", async () => {
    const fix = await fixLabEndpoint(lab, get("incomplete"));
    assert.ok(fix);
    assert.equal(fix.repair.complete, true);
    assert.equal(fix.repair.changed, true);
    assert.deepEqual(
      fix.repair.bundle.map((e) => e.from),
      ["sent", "aia"],
    );
    assert.equal(fix.repair.bundle[1].cert.sha256, lab.pki.rsaIca.built.cert.sha256);
    assert.equal(fix.repair.anchor?.sha256, lab.pki.rsaRoot.built.cert.sha256);
    assert.equal(fix.matrix.trusted, true);
    assert.deepEqual(
      fix.matrix.clients.map((c) => c.status),
      CLIENT_IDS.map(() => "trusted"),
    );
  });

  it("the repaired bundle passes openssl verify against the lab roots", async (t) => {
    if (!haveOpenssl()) return t.skip("openssl not installed");
    const fix = await fixLabEndpoint(lab, get("incomplete"));
    const { dir, cleanup } = tempDir();
    try {
      const roots = writeIn(dir, "roots.pem", lab.store.anchors.map((a) => toPem(a.cert.der)).join(""));
      const [leaf, ...rest] = fix!.repair.bundle.map((e) => toPem(e.cert.der));
      const chain = writeIn(dir, "chain.pem", rest.join(""));
      const leafFile = writeIn(dir, "leaf.pem", leaf);
      const r = spawnSync("openssl", ["verify", "-CAfile", roots, "-untrusted", chain, leafFile], {
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /: OK/);
    } finally {
      cleanup();
    }
  });

  it("other broken chains: reversed and root-sent are reordered and trimmed; untrusted-root cannot be completed", async () => {
    const rev = await fixLabEndpoint(lab, get("reversed"));
    assert.equal(rev?.repair.complete, true);
    assert.deepEqual(
      rev!.repair.bundle.map((e) => e.cert.sha256),
      [
        get("reversed").endpoint.chain[0].cert.sha256,
        lab.pki.chainB.built.cert.sha256,
        lab.pki.chainA.built.cert.sha256,
      ],
    );
    const root = await fixLabEndpoint(lab, get("root-sent"));
    assert.equal(root!.repair.bundle.length, 2);
    assert.match(root!.repair.dropped[0].why, /root/);
    const untrusted = await fixLabEndpoint(lab, get("untrusted-root"));
    assert.equal(untrusted!.repair.complete, false);
    assert.match(untrusted!.repair.problem ?? "", /none of the trust stores holds/);
  });
});
