/**
 * Outbound mTLS against real servers on loopback:
 * - our probe (src/net) reads the CertificateRequest's CA names; predictClientCertificateSent says whether
 *   Java would send the keystore entry; the server's verdict, in plain words, matches;
 * - a self-signed client certificate is refused before it is installed on the target and accepted after
 *   (node's TLS server with requestCert/rejectUnauthorized/ca, and `openssl s_server -verify_return_error`,
 *   which says so with an unknown_ca alert);
 * - a real Java client (a small program compiled here) loads the JKS we export and completes the handshake
 *   when we predict it sends the certificate, and is refused with certificate_required when we predict it
 *   withholds it.
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type tls from "node:tls";
import { describeServerVerdict, predictClientCertificateSent } from "../src/keystore/mtls.js";
import {
  createCsr,
  createSelfSigned,
  exportEntry,
  importSigned,
  installOnTarget,
} from "../src/keystore/operations.js";
import { Keystore } from "../src/keystore/store.js";
import { probe } from "../src/net/probe.js";
import { buildCertificate, generateKeyPair, type KeyPair, parseCsr } from "../src/x509/builder.js";
import type { Certificate } from "../src/x509/certificate.js";
import { clientCertServer, opensslServer as startOpensslServer } from "./helpers/mtls-server.js";
import { haveOpenssl, tempDir } from "./helpers/openssl.js";

const DAY = 86_400_000;
const nb = new Date(Date.now() - DAY);
const na = new Date(Date.now() + 30 * DAY);
const tmp = tempDir("chainproof-mtls-");
const keyPem = (k: KeyPair) => k.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const hasJava = spawnSync("javac", ["-version"], { encoding: "utf8" }).status === 0;
const hasOpenssl = haveOpenssl();

// The server's own certificate (the client does not check it here: the server's verdict is the subject).
const serverKey = generateKeyPair("ec-p256");
const serverCert = buildCertificate({
  subject: "localhost",
  publicKey: serverKey,
  notBefore: nb,
  notAfter: na,
  san: [{ dns: "localhost" }, { ip: "127.0.0.1" }],
  eku: ["serverAuth"],
});
// A CA the servers trust that has nothing to do with our certificates.
const otherKey = generateKeyPair("ec-p256");
const otherCa = buildCertificate({
  subject: "CN=Other Client CA,O=Elsewhere",
  publicKey: otherKey,
  notBefore: nb,
  notAfter: na,
  ca: true,
});
// A private CA that signs our CA-signed entry.
const rootKey = generateKeyPair("ec-p256");
const root = buildCertificate({
  subject: "CN=Partner Root",
  publicKey: rootKey,
  notBefore: nb,
  notAfter: na,
  ca: true,
});
const icaKey = generateKeyPair("ec-p256");
const ica = buildCertificate({
  subject: "CN=Partner ICA",
  issuer: { cert: root.cert, key: rootKey.privateKey },
  publicKey: icaKey,
  notBefore: nb,
  notAfter: na,
  ca: true,
});

let ks: Keystore;
const servers: tls.Server[] = [];
const children: ChildProcess[] = [];

before(async () => {
  ks = Keystore.open({ path: join(tmp.dir, "home", "keystore.db"), write: true });
  ks.unlock("mtls test passphrase");
  await createSelfSigned(ks, { name: "Self_Client", cn: "callout.mycompany.example" });
  const r = await createCsr(ks, { name: "Ca_Client", cn: "ca-callout.mycompany.example" });
  const p = parseCsr(r.csr);
  const leaf = buildCertificate({
    subject: p.subject,
    issuer: { cert: ica.cert, key: icaKey.privateKey },
    publicKey: p.publicKey.spki,
    notBefore: nb,
    notAfter: na,
    keyUsage: ["digitalSignature", "keyEncipherment"],
    eku: ["clientAuth"],
  });
  importSigned(ks, "Ca_Client", [leaf.cert, ica.cert, root.cert]);
});

after(() => {
  for (const s of servers) s.close();
  for (const c of children) c.kill("SIGKILL");
  ks?.close();
  tmp.cleanup();
});

/** A node TLS server that asks for a client certificate, trusts `ca`, and writes "K" to clients it accepts. */
function nodeServer(ca: string[] | undefined): Promise<number> {
  return clientCertServer(serverKey, serverCert.pem, ca, servers);
}

function pemOf(name: string): { cert: string; key: string } {
  const cert = Buffer.from(exportEntry(ks, { name, format: "pem" }).bytes).toString();
  const key = Buffer.from(exportEntry(ks, { name, format: "pem", withKey: true, unencryptedKey: true }).bytes)
    .toString()
    .replace(/^[\s\S]*?(-----BEGIN PRIVATE KEY-----)/, "$1");
  return { cert, key };
}

function installed(name: string): string {
  return Buffer.from(installOnTarget(ks, { name, format: "pem", file: "ca.pem" }).bytes).toString();
}

const chainOf = (name: string): Certificate[] => ks.require(name).chain;

describe("probe, prediction and verdict against node's TLS server", () => {
  it("no CA names: Java would send the certificate", async () => {
    const port = await nodeServer(undefined);
    const r = await probe({ host: "127.0.0.1", port });
    assert.deepEqual(r.certificateRequest?.certificateAuthorities, []);
    assert.equal(predictClientCertificateSent(chainOf("Self_Client"), []).sent, true);
    const v = describeServerVerdict(r);
    assert.equal(v.verdict, "rejected");
    assert.match(v.summary, /requires a client certificate and none was sent/);
  });

  it("self-signed, not installed: withheld (the server then says certificate_required); installed: sent and accepted", async () => {
    const before = await nodeServer([otherCa.pem]);
    const seen = await probe({ host: "127.0.0.1", port: before });
    const names = seen.certificateRequest?.certificateAuthorities ?? [];
    assert.equal(names.length, 1);
    const p = predictClientCertificateSent(chainOf("Self_Client"), names);
    assert.equal(p.sent, false);
    assert.match(p.reason, /CN=Other Client CA,O=Elsewhere/);
    // What Java does: no certificate. The server refuses.
    const refused = describeServerVerdict(seen);
    assert.equal(refused.verdict, "rejected");
    assert.equal(refused.alert?.name, "certificate_required");
    // Even sent regardless (OpenSSL clients do), the server does not accept it.
    const forced = await probe({ host: "127.0.0.1", port: before }, { clientCert: pemOf("Self_Client") });
    assert.notEqual(forced.clientCertificate?.verdict, "accepted");
    assert.notEqual(describeServerVerdict(forced).verdict, "accepted");

    const after = await nodeServer([otherCa.pem, installed("Self_Client")]);
    const seen2 = await probe({ host: "127.0.0.1", port: after });
    const p2 = predictClientCertificateSent(
      chainOf("Self_Client"),
      seen2.certificateRequest?.certificateAuthorities ?? [],
    );
    assert.equal(p2.sent, true, p2.reason);
    const ok = await probe({ host: "127.0.0.1", port: after }, { clientCert: pemOf("Self_Client") });
    assert.equal(ok.clientCertificate?.verdict, "accepted");
    const v = describeServerVerdict(ok);
    assert.equal(v.verdict, "accepted");
    assert.equal(v.summary, "the server accepted the client certificate");
  });

  it("CA-signed: the server trusting the root or the intermediate makes Java send it; accepted", async () => {
    for (const trust of [[root.pem], [installed("Ca_Client")]]) {
      const port = await nodeServer(trust);
      const seen = await probe({ host: "127.0.0.1", port });
      const p = predictClientCertificateSent(
        chainOf("Ca_Client"),
        seen.certificateRequest?.certificateAuthorities ?? [],
      );
      assert.equal(p.sent, true, p.reason);
      const ok = await probe({ host: "127.0.0.1", port }, { clientCert: pemOf("Ca_Client") });
      assert.equal(describeServerVerdict(ok).verdict, "accepted");
    }
    const port = await nodeServer([otherCa.pem]);
    const seen = await probe({ host: "127.0.0.1", port });
    assert.equal(
      predictClientCertificateSent(
        chainOf("Ca_Client"),
        seen.certificateRequest?.certificateAuthorities ?? [],
      ).sent,
      false,
    );
  });
});

/** `openssl s_server` requiring and verifying a client certificate against `caFile`; resolves its port. */
async function opensslServer(caFile: string): Promise<number> {
  const dir = join(tmp.dir, `s_server${children.length}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "cert.pem"), serverCert.pem);
  writeFileSync(join(dir, "key.pem"), keyPem(serverKey));
  return startOpensslServer(
    [
      "-cert",
      join(dir, "cert.pem"),
      "-key",
      join(dir, "key.pem"),
      "-Verify",
      "2",
      "-verify_return_error",
      "-CAfile",
      caFile,
    ],
    children,
  );
}

describe("refused with an alert, then accepted once installed (openssl s_server)", {
  skip: !hasOpenssl && "no openssl",
}, () => {
  it("unknown_ca before, accepted after", async () => {
    const otherFile = join(tmp.dir, "other.pem");
    writeFileSync(otherFile, otherCa.pem);
    const before = await opensslServer(otherFile);
    const refused = await probe({ host: "127.0.0.1", port: before }, { clientCert: pemOf("Self_Client") });
    const v = describeServerVerdict(refused);
    assert.equal(v.verdict, "rejected", JSON.stringify(refused.clientCertificate));
    assert.equal(v.alert?.name, "unknown_ca");
    assert.match(v.summary, /does not trust the CA of the client certificate/);
    assert.match(v.advice ?? "", /install-on-target/);

    const bothFile = join(tmp.dir, "both.pem");
    writeFileSync(bothFile, otherCa.pem + installed("Self_Client"));
    const after = await opensslServer(bothFile);
    const ok = await probe({ host: "127.0.0.1", port: after }, { clientCert: pemOf("Self_Client") });
    assert.equal(describeServerVerdict(ok).verdict, "accepted", JSON.stringify(ok.clientCertificate));
  });
});

const JAVA_CLIENT = `
import javax.net.ssl.*;
import java.io.FileInputStream;
import java.security.KeyStore;
import java.security.cert.X509Certificate;

/** Load a keystore (JKS by default), present its key with Java's SunX509 key manager, read one byte. */
public class MtlsClient {
  public static void main(String[] a) throws Exception {
    KeyStore ks = KeyStore.getInstance(a.length > 4 ? a[4] : "JKS");
    try (FileInputStream in = new FileInputStream(a[0])) { ks.load(in, a[1].toCharArray()); }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
    kmf.init(ks, a[1].toCharArray());
    TrustManager[] any = { new X509TrustManager() {
      public void checkClientTrusted(X509Certificate[] c, String s) {}
      public void checkServerTrusted(X509Certificate[] c, String s) {}
      public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    } };
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), any, null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(a[2], Integer.parseInt(a[3]))) {
      s.setSoTimeout(10000);
      s.startHandshake();
      int b = s.getInputStream().read();
      System.out.println("OK " + b + " sent=" + (s.getSession().getLocalCertificates() != null));
    } catch (Exception e) {
      System.out.println("FAIL " + e);
    }
  }
}
`;

describe("a Java client with the JKS we export", { skip: !hasJava && "javac not found" }, () => {
  let classes = "";
  before(() => {
    const src = join(tmp.dir, "java");
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, "MtlsClient.java"), JAVA_CLIENT);
    classes = join(src, "classes");
    const c = spawnSync("javac", ["-d", classes, join(src, "MtlsClient.java")], { encoding: "utf8" });
    assert.equal(c.status, 0, c.stderr);
  });

  /** Run the Java client (asynchronously: the servers live in this process). */
  async function java(name: string, port: number, format: "jks" | "p12" = "jks"): Promise<string> {
    const f = join(tmp.dir, `${name}.${format}`);
    writeFileSync(f, exportEntry(ks, { name, format, withKey: true, password: "changeit" }).bytes);
    const child = spawn(
      "java",
      [
        "-cp",
        classes,
        "MtlsClient",
        f,
        "changeit",
        "127.0.0.1",
        String(port),
        format === "jks" ? "JKS" : "PKCS12",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(child);
    let out = "";
    let err = "";
    child.stdout?.on("data", (b: Buffer) => {
      out += b.toString();
    });
    child.stderr?.on("data", (b: Buffer) => {
      err += b.toString();
    });
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(status, 0, err);
    return out.trim();
  }

  it("self-signed, not installed: Java withholds it, as predicted, and the server says certificate_required", async () => {
    const port = await nodeServer([otherCa.pem]);
    const names = (await probe({ host: "127.0.0.1", port })).certificateRequest?.certificateAuthorities ?? [];
    assert.equal(predictClientCertificateSent(chainOf("Self_Client"), names).sent, false);
    const out = await java("Self_Client", port);
    assert.match(out, /^FAIL .*certificate_required/, out);
  });

  it("self-signed, installed on the target: Java sends it, as predicted; handshake done, a byte read", async () => {
    const port = await nodeServer([otherCa.pem, installed("Self_Client")]);
    const names = (await probe({ host: "127.0.0.1", port })).certificateRequest?.certificateAuthorities ?? [];
    assert.equal(predictClientCertificateSent(chainOf("Self_Client"), names).sent, true);
    assert.equal(await java("Self_Client", port), "OK 75 sent=true");
    // The PKCS#12 export works the same.
    assert.equal(await java("Self_Client", port, "p12"), "OK 75 sent=true");
  });

  it("CA-signed, the server trusting the partner root: Java sends the chain; accepted", async () => {
    const port = await nodeServer([root.pem]);
    const names = (await probe({ host: "127.0.0.1", port })).certificateRequest?.certificateAuthorities ?? [];
    assert.equal(predictClientCertificateSent(chainOf("Ca_Client"), names).sent, true);
    assert.equal(await java("Ca_Client", port), "OK 75 sent=true");
  });
});
