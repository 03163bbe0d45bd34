/**
 * Chrome's and Firefox's verdicts follow their Certificate Transparency policies: a chain to a root of the
 * public store model (a store with the bundled Mozilla store's id, as `evaluateClients` gets it for Chrome
 * and Firefox by default) with too few SCTs is refused with the client's CT error; the same chain under a
 * locally added root (a store given as a file) is trusted; without the TLS extension and OCSP staple seen,
 * the verdict is "depends". SCTs are signed at run time by test logs, whose list is injected.
 */

import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import tls from "node:tls";
import type { CtEvidence } from "../src/clients/ct.js";
import { evaluateClients } from "../src/clients/evaluate.js";
import { checkEndpoint } from "../src/net/scan.js";
import type { TrustStore } from "../src/trust/store.js";
import {
  type BuiltCertificate,
  buildCertificate,
  type CertificateSpec,
  generateKeyPair,
  type KeyPair,
  randomSerial,
} from "../src/x509/builder.js";
import { decodeTlsSctList } from "../src/x509/sct.js";
import { runCli } from "./helpers/cli.js";
import { logList, type TestLog, testLog, withEmbeddedScts, x509SctList } from "./helpers/ct-logs.js";

const NOW = new Date();
const DAY = 86_400_000;
const ago = (d: number) => new Date(NOW.getTime() - d * DAY);

const rootKey = generateKeyPair("ec-p256");
const root = buildCertificate({
  subject: "CN=CT Verdict Root",
  publicKey: rootKey,
  // From before Chrome's 2018 cut-off, for the certificate issued then.
  notBefore: new Date("2015-01-01T00:00:00Z"),
  notAfter: ago(-3000),
  ca: true,
});
const issuer = { cert: root.cert, key: rootKey.privateKey };
const anchors = [{ cert: root.cert, name: "CT Verdict Root", trustSource: "test" }];
/** The root as a member of the public store model (what Chrome's bundled store is for chainproof). */
const publicStore: TrustStore = { id: "mozilla", name: "public (test)", source: "test", anchors, notes: [] };
/** The same root added locally (`--roots FILE`). */
const localStore: TrustStore = { id: "custom", name: "local (test)", source: "test", anchors, notes: [] };

const google = testLog("test-argon", "Google");
const cloudflare = testLog("test-nimbus", "Cloudflare");
const digicert = testLog("test-wyvern", "DigiCert");
const LOGS = logList([google, cloudflare, digicert]);
/** Everything a handshake can show seen: the TLS extension and a staple, neither with SCTs. */
const SEEN_NONE: CtEvidence = { logs: LOGS, tlsScts: [], ocspScts: [] };

function spec(lifetimeDays: number, key: KeyPair = generateKeyPair("ec-p256"), notBefore = ago(1)) {
  return {
    subject: "CN=ct-verdict.test",
    issuer,
    publicKey: key,
    serial: randomSerial(),
    notBefore,
    notAfter: new Date(notBefore.getTime() + lifetimeDays * DAY),
    san: [{ dns: "ct-verdict.test" }],
    eku: ["serverAuth"],
  } satisfies CertificateSpec;
}

function leaf(logs: TestLog[], lifetimeDays = 90): BuiltCertificate {
  return withEmbeddedScts(spec(lifetimeDays), root.cert, logs, ago(1));
}

function judge(
  cert: BuiltCertificate,
  store: TrustStore,
  ct: CtEvidence | undefined = SEEN_NONE,
  time = NOW,
) {
  const m = evaluateClients({
    leaf: cert.cert,
    presented: [cert.cert],
    clients: ["chrome", "firefox", "java"],
    stores: store,
    host: "ct-verdict.test",
    time,
    ...(ct ? { ct } : {}),
  });
  const by = Object.fromEntries(m.clients.map((v) => [v.client, v]));
  return { m, chrome: by.chrome, firefox: by.firefox, java: by.java };
}

describe("Chrome's verdict under a public root follows its CT policy", () => {
  it("refuses a 90-day certificate with 0 or 1 embedded SCTs: ERR_CERTIFICATE_TRANSPARENCY_REQUIRED", () => {
    for (const [logs, why] of [
      [[], /0 valid SCTs, 2 needed for a 90-day certificate/],
      [[google], /1 valid SCT, 2 needed for a 90-day certificate/],
    ] as const) {
      const { m, chrome, firefox, java } = judge(leaf([...logs]), publicStore);
      assert.equal(chrome.status, "untrusted");
      assert.equal(chrome.trusted, false);
      assert.deepEqual(chrome.error, { text: "NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED", evidence: "doc" });
      assert.equal(chrome.reason?.code, "ct-policy-not-met");
      assert.match(chrome.reason?.message ?? "", why);
      // The path itself is good: it reaches the root.
      assert.equal(chrome.anchor?.name, "CT Verdict Root");
      assert.deepEqual(firefox.error, {
        text: "MOZILLA_PKIX_ERROR_INSUFFICIENT_CERTIFICATE_TRANSPARENCY",
        evidence: "doc",
      });
      assert.equal(java.status, "trusted", "Java does not look at SCTs");
      assert.equal(m.trusted, false);
      const f = m.findings.find((x) => x.code === "ct-policy-not-met");
      assert.ok(f, "the finding is in the matrix");
      assert.equal(f.severity, "error");
      assert.match(f.fix, /reissue the certificate with embedded SCTs/);
      assert.match(f.fix, /TLS extension or the stapled OCSP response/);
      assert.deepEqual(f.clients?.chrome, {
        rejects: true,
        error: "NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED",
        evidence: "doc",
      });
      assert.equal(f.clients?.firefox?.rejects, true);
      assert.deepEqual(f.clients?.java, { rejects: false });
    }
  });

  it("trusts 2 SCTs from 2 operators for 90 days; needs 3 for a 200-day certificate", () => {
    assert.equal(judge(leaf([google, cloudflare]), publicStore).chrome.status, "trusted");
    const two = judge(leaf([google, cloudflare], 200), publicStore).chrome;
    assert.equal(two.status, "untrusted");
    assert.match(two.reason?.message ?? "", /2 valid SCTs, 3 needed for a 200-day certificate/);
    const three = judge(leaf([google, cloudflare, digicert], 200), publicStore);
    assert.equal(three.chrome.status, "trusted");
    assert.equal(three.firefox.status, "trusted");
    assert.equal(three.m.trusted, true);
  });

  it("refuses 2 SCTs from one operator", () => {
    const xenon = testLog("test-xenon", "Google");
    const r = judge(leaf([google, xenon]), publicStore, { ...SEEN_NONE, logs: logList([google, xenon]) });
    assert.equal(r.chrome.status, "untrusted");
    assert.match(r.chrome.reason?.message ?? "", /single log operator/);
  });

  it("counts 2 SCTs delivered in the TLS extension for a certificate without embedded ones", () => {
    const plain = buildCertificate(spec(90));
    const tlsScts = decodeTlsSctList(x509SctList(plain.cert, [google, digicert], ago(0.5)));
    assert.equal(judge(plain, publicStore, { ...SEEN_NONE, tlsScts }).chrome.status, "trusted");
  });

  it("exempts a certificate issued before 2018-05-01 (Chrome), not in Firefox", () => {
    const old = buildCertificate(spec(300, undefined, new Date("2018-03-01T00:00:00Z")));
    const r = judge(old, publicStore, SEEN_NONE, new Date("2018-06-01T00:00:00Z"));
    assert.equal(r.chrome.status, "trusted");
    assert.equal(r.firefox.reason?.code, "ct-policy-not-met");
  });
});

describe("when CT is not enforced, or the SCTs could not all be seen", () => {
  it("trusts a certificate without SCTs under a locally added root (--roots)", () => {
    const r = judge(leaf([]), localStore);
    assert.equal(r.chrome.status, "trusted");
    assert.equal(r.firefox.status, "trusted");
    assert.equal(
      r.m.findings.some((f) => f.code === "ct-policy-not-met"),
      false,
    );
  });

  it("chainproof verify with the root as a file (--store FILE): Chrome and Firefox trust it, exit 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chainproof-ct-verdict-"));
    try {
      writeFileSync(join(dir, "leaf.pem"), leaf([]).pem);
      writeFileSync(join(dir, "root.pem"), root.pem);
      const r = await runCli([
        "verify",
        "--chain",
        join(dir, "leaf.pem"),
        "--store",
        join(dir, "root.pem"),
        "--client",
        "chrome,firefox",
        "--host",
        "ct-verdict.test",
        "--json",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.deepEqual(
        doc.clients.map((v: { client: string; status: string }) => [v.client, v.status]),
        [
          ["chrome", "trusted"],
          ["firefox", "trusted"],
        ],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says 'depends' offline, when SCTs could come in the TLS extension or an OCSP staple not seen", () => {
    const { m, chrome } = judge(leaf([google]), publicStore, { logs: LOGS });
    assert.equal(chrome.status, "depends");
    assert.equal(chrome.trusted, false);
    assert.equal(chrome.reason?.code, "ct-policy-not-met");
    const note = chrome.notes[chrome.notes.length - 1];
    assert.match(note, /Chrome requires Certificate Transparency under this public root/);
    assert.match(note, /the TLS extension or a stapled OCSP response, which chainproof did not see/);
    const f = m.findings.find((x) => x.code === "ct-policy-not-met");
    assert.deepEqual(f?.clients?.chrome, { rejects: false, note });
  });

  it("counts SCTs from logs chainproof's list lacks, saying so, when they would meet the policy", () => {
    const stranger = testLog("test-unlisted", "Nobody");
    const other = testLog("test-unlisted-2", "Someone");
    const { chrome } = judge(leaf([stranger, other]), publicStore);
    assert.equal(chrome.status, "trusted");
    assert.match(
      chrome.notes.at(-1) ?? "",
      /^Chrome: 2 SCTs are from logs missing from chainproof's log list \(test-1 of .*\); counted as valid/,
    );
    // Not when even counted they fall short.
    const { chrome: one } = judge(leaf([stranger]), publicStore);
    assert.equal(one.status, "untrusted");
    assert.match(one.reason?.message ?? "", /0 valid SCTs, 2 needed/);
  });
});

describe("check: the SCTs its handshake saw", () => {
  it("refuses in fast mode (TLS extension and staple asked for, none sent); depends in full mode", async () => {
    const key = generateKeyPair("ec-p256");
    const cert = buildCertificate(spec(90, key));
    const server = tls.createServer({
      cert: cert.pem,
      key: key.privateKey.export({ type: "pkcs8", format: "pem" }),
      minVersion: "TLSv1.2",
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    try {
      const target = { host: "ct-verdict.test", port, connectTo: "127.0.0.1" };
      const base = { clients: ["chrome" as const], stores: publicStore, aia: false as const };
      const fast = await checkEndpoint(target, { ...base, mode: "fast" });
      assert.equal(fast.handshake.mode, "fast");
      assert.equal(fast.matrix.clients[0].status, "untrusted");
      assert.equal(fast.matrix.clients[0].error?.text, "NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED");
      const full = await checkEndpoint(target, { ...base, mode: "full" });
      assert.equal(full.handshake.mode, "full");
      assert.equal(full.matrix.clients[0].status, "depends");
      assert.match(
        full.matrix.clients[0].notes.at(-1) ?? "",
        /in the TLS extension, which chainproof did not see/,
      );
    } finally {
      server.close();
    }
  });
});
