/**
 * Certificate Transparency: SCTs signed at run time by test logs (test/helpers/ct-logs.ts, their own log list),
 * embedded in certificates (precertificate entries) and stapled in OCSP (X.509 entries), verified; Chrome's
 * and Apple's SCT counts by lifetime and operators; the finding for a public-root certificate that fails
 * them. And the bundled log list (data/ct-logs.json): every log ID is the SHA-256 of its key.
 */

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { certificateTransparency } from "../src/clients/ct.js";
import { buildOcspResponse } from "../src/lab/revocation.js";
import { checkEndpoint } from "../src/net/scan.js";
import { bundledCtLogs } from "../src/trust/ct-logs.js";
import type { TrustStore } from "../src/trust/store.js";
import { judgeOcspResponse } from "../src/verify/ocsp.js";
import {
  type BuiltCertificate,
  buildCertificate,
  type CertificateSpec,
  generateKeyPair,
  randomSerial,
} from "../src/x509/builder.js";
import type { Certificate } from "../src/x509/certificate.js";
import { decodeSctList } from "../src/x509/extensions.js";
import { certIdFor } from "../src/x509/ocsp.js";
import { decodeTlsSctList } from "../src/x509/sct.js";
import {
  logList,
  type TestLog,
  testLog,
  withEmbeddedScts,
  x509SctList as x509Scts,
} from "./helpers/ct-logs.js";

const NOW = new Date();
const DAY = 86_400_000;
const ago = (d: number) => new Date(NOW.getTime() - d * DAY);

const root = generateKeyPair("ec-p256");
const ca = buildCertificate({
  subject: "CN=CT Test CA",
  publicKey: root,
  notBefore: ago(100),
  notAfter: ago(-900),
  ca: true,
});
const issuer = { cert: ca.cert, key: root.privateKey };
const caStore: TrustStore = {
  id: "custom",
  name: "CT test CA",
  source: "test",
  anchors: [{ cert: ca.cert, name: "CT Test CA", trustSource: "test" }],
  notes: [],
};

/** A leaf with SCTs from `logs` embedded, each signed over the precertificate as a log would. */
function leafWithScts(logs: TestLog[], lifetimeDays: number, tamper = false): BuiltCertificate {
  const spec: CertificateSpec = {
    subject: "CN=ct.test",
    issuer,
    publicKey: generateKeyPair("ec-p256"),
    serial: randomSerial(),
    notBefore: ago(1),
    notAfter: new Date(ago(1).getTime() + lifetimeDays * DAY),
    san: [{ dns: "ct.test" }],
    eku: ["serverAuth"],
  };
  return withEmbeddedScts(spec, ca.cert, logs, ago(1), tamper);
}

const x509SctList = (cert: Certificate, logs: TestLog[]) => x509Scts(cert, logs, ago(0.5));

const google = testLog("test-argon", "Google");
const cloudflare = testLog("test-nimbus", "Cloudflare");
const digicert = testLog("test-wyvern", "DigiCert");
const testLogSameOperator = testLog("test-xenon", "Google");
const LOGS = logList([google, cloudflare, digicert]);
const run = (leaf: BuiltCertificate, publicRoot: boolean, logs = LOGS) =>
  certificateTransparency({
    leaf: leaf.cert,
    issuer: ca.cert,
    logs,
    time: NOW,
    publicRoot,
    clients: ["chrome", "java"],
  });

describe("SCT verification (RFC 6962)", () => {
  it("verifies embedded SCTs over the precertificate entry, naming each log and operator", () => {
    const r = run(leafWithScts([google, cloudflare], 90), true);
    assert.deepEqual(
      r.scts.map((s) => [s.source, s.status, s.log?.description, s.log?.operator]),
      [
        ["certificate", "valid", "test-argon", "Google"],
        ["certificate", "valid", "test-nimbus", "Cloudflare"],
      ],
    );
    assert.ok(r.policies.every((p) => p.met));
    assert.deepEqual(r.findings, []);
  });

  it("says a tampered SCT does not verify, and it does not count", () => {
    const r = run(leafWithScts([google, cloudflare], 90, true), true);
    assert.ok(r.scts.every((s) => s.status === "invalid-signature"));
    assert.deepEqual(
      r.findings.map((f) => f.code),
      ["ct-policy-not-met", "ct-sct-invalid"],
    );
  });

  it("lists an SCT from a log not in the list as unknown, unverified", () => {
    const stranger = testLog("test-unlisted", "Nobody");
    const r = run(leafWithScts([stranger], 90), false);
    assert.equal(r.scts[0].status, "unknown-log");
    assert.match(r.scts[0].detail ?? "", /is not in the log list \(test-1/);
  });

  it("refuses an SCT from a sharded log whose interval does not hold the certificate's notAfter", () => {
    const logs = logList([google, cloudflare], { start: ago(-400), end: ago(-800) });
    const r = run(leafWithScts([google, cloudflare], 90), true, logs);
    assert.ok(r.scts.every((s) => s.status === "outside-log-interval"));
  });

  it("verifies SCTs stapled in an OCSP response over the X.509 entry", () => {
    const leaf = buildCertificate({
      subject: "CN=ocsp-sct.test",
      issuer,
      publicKey: generateKeyPair("ec-p256"),
      notBefore: ago(1),
      notAfter: ago(-60),
    });
    const list = x509SctList(leaf.cert, [google, digicert]);
    const staple = buildOcspResponse({
      certId: certIdFor(leaf.cert, ca.cert),
      issuer: ca.cert,
      signer: issuer,
      answer: { status: "good", thisUpdate: ago(0.01), nextUpdate: ago(-1), sctList: list },
    });
    const j = judgeOcspResponse(staple, leaf.cert, ca.cert, NOW);
    assert.equal(j.valid, true, j.detail);
    assert.ok(j.sctList);
    const r = certificateTransparency({
      leaf: leaf.cert,
      issuer: ca.cert,
      ocspScts: decodeSctList(j.sctList),
      logs: LOGS,
      time: NOW,
      publicRoot: true,
      clients: ["chrome"],
    });
    assert.deepEqual(
      r.scts.map((s) => [s.source, s.status]),
      [
        ["ocsp", "valid"],
        ["ocsp", "valid"],
      ],
    );
    assert.ok(r.policies.every((p) => p.met));
  });
});

describe("Chrome's and Apple's SCT policies", () => {
  it("needs 2 SCTs up to 180 days and 3 beyond, from 2 operators", () => {
    const twoFor90 = run(leafWithScts([google, cloudflare], 90), true);
    assert.deepEqual(
      twoFor90.policies.map((p) => [p.policy, p.required, p.counted, p.met]),
      [
        ["chrome", 2, 2, true],
        ["apple", 2, 2, true],
      ],
    );
    const twoFor200 = run(leafWithScts([google, cloudflare], 200), true);
    assert.deepEqual(
      twoFor200.policies.map((p) => [p.required, p.counted, p.met]),
      [
        [3, 2, false],
        [3, 2, false],
      ],
    );
    assert.match(twoFor200.policies[0].why ?? "", /2 valid SCTs, 3 needed for a 200-day certificate/);
    assert.ok(run(leafWithScts([google, cloudflare, digicert], 200), true).policies.every((p) => p.met));
    const oneOperator = run(
      leafWithScts([google, testLogSameOperator], 90),
      true,
      logList([google, testLogSameOperator]),
    );
    assert.equal(oneOperator.policies[0].met, false);
    assert.match(oneOperator.policies[0].why ?? "", /single log operator/);
  });

  it("reports a public-root certificate that fails them: Chrome refuses with ERR_CERTIFICATE_TRANSPARENCY_REQUIRED", () => {
    const r = run(leafWithScts([google], 90), true);
    const f = r.findings.find((x) => x.code === "ct-policy-not-met");
    assert.ok(f);
    assert.equal(f.severity, "error");
    assert.deepEqual(f.clients?.chrome, {
      rejects: true,
      error: "NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED",
      evidence: "doc",
    });
    assert.deepEqual(f.clients?.java, { rejects: false });
    assert.match(f.message, /Chrome's and Apple's Certificate Transparency policy: 1 valid SCT, 2 needed/);
  });

  it("requires nothing of a private CA's certificate without SCTs", () => {
    const plain = buildCertificate({
      subject: "CN=private.test",
      issuer,
      publicKey: generateKeyPair("ec-p256"),
      notBefore: ago(1),
      notAfter: ago(-30),
    });
    const r = certificateTransparency({
      leaf: plain.cert,
      issuer: ca.cert,
      logs: LOGS,
      time: NOW,
      publicRoot: false,
      clients: ["chrome"],
    });
    assert.equal(r.required, false);
    assert.deepEqual(r.scts, []);
    assert.deepEqual(r.findings, []);
  });
});

describe("the bundled log list (data/ct-logs.json)", () => {
  it("reads, and every log ID is the SHA-256 of its key", () => {
    const raw = JSON.parse(readFileSync(new URL("../../data/ct-logs.json", import.meta.url), "utf8"));
    let n = 0;
    for (const op of raw.operators)
      for (const l of op.logs) {
        n++;
        assert.equal(
          createHash("sha256").update(Buffer.from(l.key, "base64")).digest("base64"),
          l.log_id,
          l.description,
        );
      }
    const list = bundledCtLogs();
    assert.equal(list.logs.length, n);
    assert.ok(n >= 20);
    assert.ok(list.logs.some((l) => l.operator === "Let's Encrypt" && l.description.includes("Oak2026h2")));
  });
});

describe("SCTs in the TLS extension (OpenSSL s_server -serverinfo, read by the fast mode's raw hello)", () => {
  const openssl = spawnSync("openssl", ["version"], { encoding: "utf8" }).status === 0;
  it("asks for them, reads them from the ServerHello and verifies them over the X.509 entry", {
    skip: !openssl && "openssl not found",
  }, async () => {
    const key = generateKeyPair("ec-p256");
    const leaf = buildCertificate({
      subject: "CN=tls-sct.test",
      issuer,
      publicKey: key,
      notBefore: ago(1),
      notAfter: ago(-60),
      san: [{ dns: "tls-sct.test" }],
      eku: ["serverAuth"],
    });
    const list = x509SctList(leaf.cert, [google, cloudflare]);
    // serverinfo v1: extension type, length, data (SSL_CTX_use_serverinfo_file).
    const info = Buffer.concat([Buffer.from([0, 18, list.length >> 8, list.length & 0xff]), list]);
    const dir = mkdtempSync(join(tmpdir(), "chainproof-ct-"));
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    writeFileSync(join(dir, "cert.pem"), leaf.pem + ca.pem);
    writeFileSync(join(dir, "key.pem"), key.privateKey.export({ type: "pkcs8", format: "pem" }));
    writeFileSync(
      join(dir, "sct.pem"),
      `-----BEGIN SERVERINFO FOR CT-----\n${info.toString("base64").replace(/(.{64})/g, "$1\n")}\n-----END SERVERINFO FOR CT-----\n`,
    );
    const server = spawn("openssl", [
      "s_server",
      "-accept",
      `127.0.0.1:${port}`,
      "-cert",
      join(dir, "cert.pem"),
      "-key",
      join(dir, "key.pem"),
      "-serverinfo",
      join(dir, "sct.pem"),
      "-tls1_2",
      "-quiet",
    ]);
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("openssl s_server did not start")), 20_000);
        const poll = () => {
          const c = net.connect(port, "127.0.0.1");
          c.once("connect", () => {
            c.destroy();
            clearTimeout(t);
            resolve();
          });
          c.once("error", () => setTimeout(poll, 100));
        };
        poll();
      });
      const report = await checkEndpoint(
        { host: "tls-sct.test", port, connectTo: "127.0.0.1" },
        { clients: ["chrome"], stores: caStore, mode: "fast", aia: false },
      );
      assert.equal(report.handshake.mode, "fast", JSON.stringify(report.handshake.failure));
      assert.ok(report.probe.sctList, "the ServerHello carried signed_certificate_timestamp");
      const r = certificateTransparency({
        leaf: leaf.cert,
        issuer: ca.cert,
        tlsScts: decodeTlsSctList(report.probe.sctList),
        tlsRequested: true,
        logs: LOGS,
        time: NOW,
        publicRoot: true,
        clients: ["chrome"],
      });
      assert.deepEqual(
        r.scts.map((s) => [s.source, s.status, s.log?.operator]),
        [
          ["tls", "valid", "Google"],
          ["tls", "valid", "Cloudflare"],
        ],
      );
      assert.ok(r.policies.every((p) => p.met));
    } finally {
      server.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
