/**
 * `chainproof check HOST --client-cert NAME` (and --cert/--key): the CertificateRequest shown, Java's send
 * prediction, the server's verdict with and without the certificate, the `mtls` JSON object and the exit
 * status, against node TLS servers on loopback (CA names, no CA names, a self-signed certificate installed).
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawnSync } from "node:child_process";
import { constants } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import { createSelfSigned, exportEntry, installOnTarget } from "../src/keystore/operations.js";
import { Keystore } from "../src/keystore/store.js";
import { probe } from "../src/net/probe.js";
import { buildCertificate, generateKeyPair } from "../src/x509/builder.js";
import { runCli } from "./helpers/cli.js";
import { clientCertServer, opensslServer as startOpensslServer } from "./helpers/mtls-server.js";
import { tempDir } from "./helpers/openssl.js";

const DAY = 86_400_000;
const nb = new Date(Date.now() - DAY);
const na = new Date(Date.now() + 30 * DAY);
const tmp = tempDir("chainproof-mtls-check-");
const home = join(tmp.dir, "home");
const PASS = "mtls check passphrase";

const serverRootKey = generateKeyPair("ec-p256");
const serverRoot = buildCertificate({
  subject: "CN=Loopback Server Root",
  publicKey: serverRootKey,
  notBefore: nb,
  notAfter: na,
  ca: true,
});
const serverKey = generateKeyPair("ec-p256");
const serverCert = buildCertificate({
  subject: "localhost",
  issuer: { cert: serverRoot.cert, key: serverRootKey.privateKey },
  publicKey: serverKey,
  notBefore: nb,
  notAfter: na,
  san: [{ dns: "localhost" }, { ip: "127.0.0.1" }],
  eku: ["serverAuth"],
});
const otherKey = generateKeyPair("ec-p256");
const otherCa = buildCertificate({
  subject: "CN=Other Client CA,O=Elsewhere",
  publicKey: otherKey,
  notBefore: nb,
  notAfter: na,
  ca: true,
});

const servers: tls.Server[] = [];
let installedPem = "";
let files: { cert: string; key: string; roots: string };

before(async () => {
  const ks = Keystore.open({ path: join(home, "keystore.db"), write: true });
  ks.unlock(PASS);
  await createSelfSigned(ks, { name: "Self_Client", cn: "callout.mycompany.example" });
  installedPem = Buffer.from(
    installOnTarget(ks, { name: "Self_Client", format: "pem", file: "ca.pem" }).bytes,
  ).toString();
  const cert = Buffer.from(exportEntry(ks, { name: "Self_Client", format: "pem" }).bytes).toString();
  const key = Buffer.from(
    exportEntry(ks, { name: "Self_Client", format: "pem", withKey: true, unencryptedKey: true }).bytes,
  )
    .toString()
    .replace(/^[\s\S]*?(-----BEGIN PRIVATE KEY-----)/, "$1");
  ks.close();
  files = { cert: join(tmp.dir, "c.pem"), key: join(tmp.dir, "k.pem"), roots: join(tmp.dir, "roots.pem") };
  writeFileSync(files.cert, cert);
  writeFileSync(files.key, key);
  writeFileSync(files.roots, serverRoot.pem);
});

after(() => {
  for (const s of servers) s.close();
  tmp.cleanup();
});

function server(ca: string[] | undefined): Promise<number> {
  return clientCertServer(serverKey, serverCert.pem, ca, servers);
}

const check = (port: number, ...args: string[]) =>
  runCli(["check", `localhost:${port}`, "--connect-to", "127.0.0.1", "--roots", files.roots, ...args], {
    env: { NO_COLOR: "1", CHAINPROOF_HOME: home, CHAINPROOF_KEYSTORE_PASSPHRASE: PASS },
  });

describe("chainproof check --client-cert", () => {
  it("the server names a CA that did not issue the certificate: Java withholds it, certificate_required, exit 1", async () => {
    const port = await server([otherCa.pem]);
    const r = await check(port, "--client-cert", "Self_Client");
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /Mutual TLS/);
    assert.match(r.stdout, /asks for a client certificate from: CN=Other Client CA,O=Elsewhere/);
    assert.match(r.stdout, /Signature algorithms it accepts: .*ecdsa_secp256r1_sha256/);
    assert.match(r.stdout, /Salesforce \(Java\) withholds the certificate/);
    assert.match(r.stdout, /Salesforce: ✗ .*certificate_required/);
    assert.match(r.stdout, /Sent anyway \(as OpenSSL, curl and Node do\): ✗ /);

    const j = JSON.parse((await check(port, "--client-cert", "Self_Client", "--json")).stdout);
    assert.equal(j.trusted, true);
    assert.equal(j.mtls.requested, true);
    assert.deepEqual(j.mtls.certificateRequest.certificateAuthorities, ["CN=Other Client CA,O=Elsewhere"]);
    assert.ok(j.mtls.certificateRequest.signatureAlgorithms.length > 0);
    assert.equal(j.mtls.prediction.sent, false);
    assert.equal(j.mtls.salesforce.verdict, "rejected");
    assert.equal(j.mtls.salesforce.alert.name, "certificate_required");
    assert.equal(j.mtls.certificate.name, "Self_Client");
    assert.equal(j.mtls.accepted, false);
    assert.notEqual(j.mtls.presented.verdict, "accepted");
  });

  it("no CA names: Java sends it; the server does not trust it; without it, certificate_required", async () => {
    const port = await server(undefined);
    const r = await check(port, "--client-cert", "Self_Client", "--json");
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.mtls.certificateRequest.certificateAuthorities, []);
    assert.equal(j.mtls.prediction.sent, true);
    // node's TLS server closes the connection without an alert after refusing a TLS 1.3 client certificate,
    // so the probe can only say it was not accepted.
    assert.notEqual(j.mtls.salesforce.verdict, "accepted");
    assert.equal(j.mtls.accepted, false);
    assert.equal(j.mtls.withheld.alert.name, "certificate_required");
    const t = await check(port, "--client-cert", "Self_Client");
    assert.match(t.stdout, /names no CAs/);
    assert.match(t.stdout, /Salesforce \(Java\) sends the certificate/);
    assert.match(t.stdout, /Without the certificate: ✗ .*none was sent/);
  });

  it("the self-signed certificate installed on the server: sent and accepted, exit 0 (keystore and --cert/--key)", async () => {
    const port = await server([otherCa.pem, installedPem]);
    const r = await check(port, "--client-cert", "Self_Client");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Salesforce: ✓ the server accepted the client certificate/);
    assert.match(r.stdout, /it is self-signed/);
    const f = await check(port, "--cert", files.cert, "--key", files.key, "--json");
    assert.equal(f.code, 0, f.stderr);
    const j = JSON.parse(f.stdout);
    assert.equal(j.mtls.certificate.source, "files");
    assert.equal(j.mtls.accepted, true);
    assert.equal(j.mtls.presented.verdict, "accepted");
  });

  it("bad input: a wrong key, --cert without --key, both ways at once: exit 2", async () => {
    const port = await server(undefined);
    const wrong = join(tmp.dir, "wrong.pem");
    writeFileSync(wrong, otherKey.privateKey.export({ type: "pkcs8", format: "pem" }).toString());
    const a = await check(port, "--cert", files.cert, "--key", wrong);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /is not the key of the first certificate/);
    assert.equal((await check(port, "--cert", files.cert)).code, 2);
    assert.equal((await check(port, "--client-cert", "Self_Client", "--key", files.key)).code, 2);
  });

  it("without --client-cert the JSON says mtls: null", async () => {
    const port = await server(undefined);
    const j = JSON.parse((await check(port, "--json")).stdout);
    assert.equal(j.mtls, null);
  });
});

/** `openssl s_server -Verify 1 -tls1_3` (a client certificate required) with the loopback server certificate. */
function opensslServer(): Promise<number> {
  const dir = join(tmp.dir, `s_server${children.length}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "cert.pem"), serverCert.pem);
  writeFileSync(join(dir, "key.pem"), serverKey.privateKey.export({ type: "pkcs8", format: "pem" }));
  const files = ["-cert", join(dir, "cert.pem"), "-key", join(dir, "key.pem")];
  return startOpensslServer([...files, "-Verify", "1", "-tls1_3", "-CAfile", rootsFile()], children);
}

const children: ChildProcess[] = [];
const rootsFile = () => files.roots;
after(() => {
  for (const c of children) c.kill();
});

describe("the check headline when the server requires a client certificate and none is given", () => {
  it("openssl s_server -Verify 1 -tls1_3: the headline says the server refuses without one, not 'all clients trust'", {
    skip: spawnSync("openssl", ["version"]).status !== 0 && "openssl not found",
  }, async () => {
    const port = await opensslServer();
    const r = await check(port, "--client", "all");
    assert.match(
      r.stdout,
      /! All 8 clients trust the server's certificate for localhost, but the server requires a client certificate \(mutual TLS\) and refuses the connection without one\./,
    );
    assert.doesNotMatch(r.stdout, /✓ All 8 clients trust/);
    const j = JSON.parse((await check(port, "--client", "all", "--json")).stdout);
    assert.equal(j.trusted, true);
    assert.deepEqual(
      { tone: j.headline.tone, required: j.headline.clientCertificateRequired },
      { tone: "warn", required: true },
    );
    assert.match(j.headline.text, /requires a client certificate/);
  });

  it("a TLS 1.3 server that closes without an alert (and without a session ticket): refused, from the wire", async () => {
    // An application that drops connections without a client certificate: no alert, no ticket, just a close.
    const silent = tls.createServer(
      {
        key: serverKey.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        cert: serverCert.pem,
        requestCert: true,
        rejectUnauthorized: false,
        minVersion: "TLSv1.3",
        secureOptions: constants.SSL_OP_NO_TICKET,
      },
      (s) => {
        s.on("error", () => {});
        if (s.getPeerCertificate()?.raw) s.end("K");
        else s.destroy();
      },
    );
    silent.on("tlsClientError", () => {});
    servers.push(silent);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as AddressInfo).port;
    const result = await probe({ host: "127.0.0.1", port }, {});
    assert.deepEqual(result.alerts, []);
    assert.equal(result.clientCertificate?.verdict, "rejected");
    assert.ok(result.notes.some((n) => /closed the connection after the handshake without an alert/.test(n)));
    const j = JSON.parse((await check(port, "--json")).stdout);
    assert.equal(j.headline.clientCertificateRequired, true);
    assert.ok(
      j.findings.some(
        (f: { code: string; data?: { refusedWithout?: boolean } }) =>
          f.code === "client-certificate-required" && f.data?.refusedWithout === true,
      ),
    );
  });

  it("a server that only asks (and lets a client in without one): the usual headline", async () => {
    const port = await clientCertServer(serverKey, serverCert.pem, undefined, servers, false);
    const j = JSON.parse((await check(port, "--json")).stdout);
    assert.equal(j.headline.clientCertificateRequired, false);
    assert.equal(j.headline.tone, "good");
  });
});
