/**
 * `check --revocation` end to end: a TLS server on loopback with a revoked certificate whose OCSP responder
 * and CRL are served by the lab's responder; the check() document and `chainproof check` (text, JSON, exit
 * code) say it is revoked, why and since when, and which clients still connect.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import { check } from "../src/app/check.js";
import { type RevocationServer, startRevocationServer } from "../src/lab/revocation.js";
import { type ScanSummary, scanTargets } from "../src/net/scan.js";
import type { TrustStore } from "../src/trust/store.js";
import {
  type BuiltCertificate,
  buildCertificate,
  generateKeyPair,
  type KeyPair,
} from "../src/x509/builder.js";
import { runCli } from "./helpers/cli.js";
import { type LoopbackServer, startLoopbackServer } from "./helpers/web-loopback.js";

const NOW = new Date();
const DAY = 86_400_000;
const ago = (d: number) => new Date(NOW.getTime() - d * DAY);

describe("check --revocation against a revoked certificate on loopback", () => {
  let responder: RevocationServer;
  let server: tls.Server;
  let port = 0;
  let dir = "";
  let root: BuiltCertificate;
  let store: TrustStore;

  before(async () => {
    responder = await startRevocationServer();
    const rootKey = generateKeyPair("ec-p256");
    root = buildCertificate({
      subject: "CN=Revocation Test Root",
      publicKey: rootKey,
      notBefore: ago(30),
      notAfter: ago(-900),
      ca: true,
    });
    const icaKey: KeyPair = generateKeyPair("ec-p256");
    const ica = buildCertificate({
      subject: "CN=Revocation Test CA",
      issuer: { cert: root.cert, key: rootKey.privateKey },
      publicKey: icaKey,
      notBefore: ago(30),
      notAfter: ago(-600),
      ca: true,
    });
    responder.addIssuer({ cert: ica.cert, key: icaKey.privateKey });
    const leafKey = generateKeyPair("ec-p256");
    const leaf = buildCertificate({
      subject: "CN=revoked.test",
      issuer: { cert: ica.cert, key: icaKey.privateKey },
      publicKey: leafKey,
      notBefore: ago(5),
      notAfter: ago(-60),
      san: [{ dns: "revoked.test" }],
      eku: ["serverAuth"],
      aia: { ocsp: responder.ocspUrl },
      crlDp: responder.crlUrl(ica.cert),
    });
    responder.revoke({ serial: leaf.cert.serialNumber, date: new Date("2026-04-05T06:07:08Z"), reason: 1 });
    server = tls.createServer({
      key: leafKey.privateKey.export({ type: "pkcs8", format: "pem" }),
      cert: leaf.pem + ica.pem,
    });
    server.on("secureConnection", (s) => s.end("ok\n"));
    server.on("tlsClientError", () => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
    dir = mkdtempSync(join(tmpdir(), "chainproof-revocation-"));
    writeFileSync(join(dir, "root.pem"), root.pem);
    store = {
      id: "custom",
      name: "test root",
      source: "test",
      anchors: [{ cert: root.cert, name: "root", trustSource: "test" }],
      notes: [],
    };
  });
  after(async () => {
    server.close();
    await responder.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("check() puts the status, its source and each client's outcome in the document", async () => {
    const doc = await check({
      target: `revoked.test:${port}`,
      connectTo: "127.0.0.1",
      clients: "all",
      store,
      revocation: true,
      aia: { allowOrigins: [responder.origin] },
    });
    assert.equal(doc.trusted, true, "the chain itself is fine");
    const rev = doc.revocation;
    assert.ok(rev);
    const leaf = rev.certificates[0];
    assert.equal(leaf.status, "revoked");
    assert.deepEqual(leaf.revocation, {
      time: "2026-04-05T06:07:08Z",
      reason: "keyCompromise",
      source: "live-ocsp",
    });
    assert.equal(leaf.ocsp[0].url, responder.ocspUrl);
    assert.equal(leaf.ocsp[0].valid, true);
    assert.deepEqual(leaf.ocsp[0].signer, { kind: "issuer" });
    assert.deepEqual(
      rev.clients.filter((c) => !c.connects).map((c) => [c.client, c.error]),
      [["firefox", "SEC_ERROR_REVOKED_CERTIFICATE"]],
    );
    assert.ok(rev.findings.some((f) => f.code === "revocation-revoked"));
    // CT: a private root's certificate needs no SCTs.
    assert.equal(doc.ct?.required, false);
    assert.deepEqual(doc.ct?.findings, []);
  });

  it("chainproof check --revocation prints it and exits 1 when a client asked refuses; Java alone still connects (exit 0)", async () => {
    const args = [
      "check",
      `revoked.test:${port}`,
      "--connect-to",
      "127.0.0.1",
      "--roots",
      join(dir, "root.pem"),
      "--revocation",
      "--allow-private",
    ];
    const all = await runCli([...args, "--client", "all"], { env: { NO_COLOR: "1" } });
    assert.equal(all.code, 1, all.stderr);
    assert.match(all.stdout, /Revocation\n/);
    assert.match(all.stdout, /CN=revoked\.test: ✗ revoked since 2026-04-05T06:07:08Z \(keyCompromise\)/);
    assert.match(all.stdout, /Firefox +refuses: SEC_ERROR_REVOKED_CERTIFICATE/);
    assert.match(all.stdout, /Java +connects/);
    const java = await runCli([...args, "--client", "java", "--json"]);
    assert.equal(java.code, 0, java.stderr);
    const doc = JSON.parse(java.stdout);
    assert.equal(doc.revocation.certificates[0].status, "revoked");
    assert.deepEqual(
      doc.revocation.clients.map((c: { connects: boolean }) => c.connects),
      [true],
    );
  });

  it("a scan with revocation counts the target untrusted when a client asked refuses it, and says why", async () => {
    const results: ScanSummary[] = [];
    const options = {
      clients: ["java", "firefox"] as const,
      stores: store,
      revocation: { allowOrigins: [responder.origin] },
    };
    const line = `127.0.0.1:${port} revoked.test`;
    await scanTargets([{ line: 1, text: line }], { ...options, clients: [...options.clients] }, (s) => {
      results.push(s);
    });
    assert.equal(results[0].status, "untrusted");
    assert.deepEqual(
      results[0].clients.map((c) => [c.client, c.status, c.code ?? null]),
      [
        ["java", "trusted", null],
        ["firefox", "untrusted", "revocation-revoked"],
      ],
    );
    assert.ok(results[0].findings.some((f) => f.code === "revocation-revoked"));
    const plain: ScanSummary[] = [];
    await scanTargets([{ line: 1, text: line }], { clients: ["java", "firefox"], stores: store }, (s) => {
      plain.push(s);
    });
    assert.equal(plain[0].status, "trusted");
  });

  it("chainproof scan --revocation checks each target's status (here refused by the guard: public responders only)", async () => {
    writeFileSync(join(dir, "targets.txt"), `127.0.0.1:${port} revoked.test\n`);
    const r = await runCli([
      "scan",
      join(dir, "targets.txt"),
      "--roots",
      join(dir, "root.pem"),
      "--client",
      "java",
      "--revocation",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    const codes = doc.results[0].findings.map((f: { code: string }) => f.code);
    assert.ok(codes.includes("revocation-ocsp-unreachable"), codes.join(", "));
    const without = await runCli([
      "scan",
      join(dir, "targets.txt"),
      "--roots",
      join(dir, "root.pem"),
      "--client",
      "java",
      "--json",
    ]);
    assert.ok(
      !JSON.parse(without.stdout).results[0].findings.some((f: { code: string }) =>
        f.code.startsWith("revocation-"),
      ),
    );
  });

  it("without --allow-private the loopback responder is refused by the guard, and the status is unknown", async () => {
    const r = await runCli([
      "check",
      `revoked.test:${port}`,
      "--connect-to",
      "127.0.0.1",
      "--roots",
      join(dir, "root.pem"),
      "--revocation",
      "--client",
      "java",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    const leaf = doc.revocation.certificates[0];
    assert.equal(leaf.status, "unknown");
    assert.match(
      leaf.ocsp[0].error,
      /^refused: 127\.0\.0\.1 is a loopback address.*pass --allow-private to allow it/,
    );
    assert.ok(
      doc.revocation.findings.some((f: { code: string }) => f.code === "revocation-ocsp-unreachable"),
    );
  });
});

describe("POST /api/check with revocation, on the lab's revoked endpoint", () => {
  let server: LoopbackServer;
  before(async () => {
    server = await startLoopbackServer("chainproof-revocation-web-");
  });
  after(async () => {
    await server.close();
  });

  it("answers the revocation and ct members: revoked, only Firefox refuses; the lab's CA needs no SCTs", async () => {
    const lab = await server.call("POST", "/api/lab", {});
    assert.equal(lab.status, 200, JSON.stringify(lab.json));
    const revoked = lab.json.endpoints.find((e: { name: string }) => e.name === "revoked");
    assert.ok(revoked, "the lab has a revoked endpoint");
    const r = await server.call("POST", "/api/check", {
      target: revoked.target,
      clients: ["java", "firefox"],
      revocation: true,
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.revocation.certificates[0].status, "revoked");
    assert.equal(r.json.revocation.certificates[0].revocation.reason, "keyCompromise");
    assert.deepEqual(
      r.json.revocation.clients.map((c: { client: string; connects: boolean }) => [c.client, c.connects]),
      [
        ["java", true],
        ["firefox", false],
      ],
    );
    assert.equal(r.json.ct.required, false);
    const plain = await server.call("POST", "/api/check", { target: revoked.target, clients: ["java"] });
    assert.equal(plain.json.revocation, null);
  });
});
