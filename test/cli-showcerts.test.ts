/**
 * `chainproof showcerts` end to end: the built CLI against loopback TLS servers, its text and JSON, exit
 * codes, and (when the openssl command is here) its s:/i:/a:/v: lines and PEMs against `openssl s_client
 * -showcerts` for the same server.
 */

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  closedPort,
  issue,
  makePki,
  pemOf,
  type Running,
  startTcpServer,
  startTlsServer,
  type TestCert,
  type TestPki,
  type TlsServerOptions,
  tls12Certificate,
  tls12ServerHello,
  tls12ServerHelloDone,
} from "./helpers/tls-server.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.resolve(here, "../../bin/chainproof.js");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command asynchronously (the servers live in this process, so nothing may block it). */
function run(cmd: string, args: string[], timeoutMs = 20_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
  });
}

const showcerts = (...args: string[]) => run(process.execPath, [BIN, "showcerts", ...args]);

function pems(text: string): string[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map((m) =>
    m[0].replace(/\s+/g, ""),
  );
}
const pemOfCert = (c: TestCert) => c.pem.replace(/\s+/g, "");

let rsa: TestPki;
let ec: TestPki;
const servers: Running[] = [];
before(() => {
  rsa = makePki("rsa");
  ec = makePki("ec");
});
after(async () => {
  for (const s of servers) await s.close();
});
async function server(o: TlsServerOptions): Promise<number> {
  const s = await startTlsServer(o);
  servers.push(s);
  return s.port;
}

describe("chainproof showcerts", () => {
  it("prints the chain as sent: s:/i:/a:/v: lines, PEMs, summary and handshake; exit 0", async () => {
    const chain = [ec.leaf, ec.intermediate];
    const port = await server({ chain });
    const r = await showcerts(`127.0.0.1:${port}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Certificate chain$/m);
    assert.match(r.stdout, /^ 0 s:CN = localhost$/m);
    assert.match(r.stdout, /^ {3}i:O = chainproof tests, CN = Test EC Intermediate$/m);
    assert.match(r.stdout, /^ {3}a:PKEY: id-ecPublicKey, 256 \(bit\); sigalg: ecdsa-with-SHA256$/m);
    assert.match(r.stdout, /^ {3}v:NotBefore: [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT; NotAfter: /m);
    assert.match(r.stdout, /^ 1 s:O = chainproof tests, CN = Test EC Intermediate$/m);
    assert.deepEqual(pems(r.stdout), chain.map(pemOfCert));
    assert.match(r.stdout, /SANs: +DNS:localhost, DNS:test\.example, IP:127\.0\.0\.1, IP:::1/);
    assert.match(r.stdout, /Order: +✓ issued certificate 0 \(name and signature match\)/);
    assert.match(r.stdout, /^Chain order: each certificate issued the one before it$/m);
    assert.match(r.stdout, /^Protocol: +TLSv1\.3$/m);
    assert.match(r.stdout, /^OCSP stapled: +no$/m);
    assert.doesNotMatch(r.stdout, /\u001b\[/, "no colour off a terminal");
    assert.equal(r.stderr, "");
  });

  it("--json: a parseable document with the certificates in order and the order check", async () => {
    const chain = [rsa.leaf, rsa.root, rsa.intermediate, rsa.intermediate];
    const port = await server({
      chain,
      maxVersion: "TLSv1.2",
      requestCert: true,
      rejectUnauthorized: false,
      ca: [rsa.root.pem],
    });
    const r = await showcerts(`https://localhost:${port}/some/path`, "--connect-to", "127.0.0.1", "--json");
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.schema, "chainproof/showcerts/1");
    assert.equal(doc.completed, true);
    assert.equal(doc.failure, null);
    assert.equal(doc.target.servername, "localhost");
    assert.equal(doc.target.address, "127.0.0.1");
    assert.equal(doc.handshake.protocol, "TLSv1.2");
    assert.equal(doc.certificateCount, 4);
    assert.deepEqual(
      doc.certificates.map((c: { pem: string }) => c.pem.replace(/\s+/g, "")),
      chain.map(pemOfCert),
    );
    assert.deepEqual(
      doc.certificates.map((c: { issuesPrevious: boolean | null }) => c.issuesPrevious),
      [null, false, false, false],
    );
    assert.equal(doc.chainOrder.ok, false);
    assert.match(doc.certificates[1].order, /it issued certificate 2 \(out of order\)/);
    assert.match(doc.certificates[2].order, /it issued certificate 0 \(out of order\)/);
    assert.match(doc.certificates[3].order, /a duplicate of certificate 2/);
    assert.equal(doc.certificates[0].commonName, "localhost");
    assert.equal(doc.certificates[0].sha256.length, 64);
    assert.ok(doc.certificates[0].expiresInDays >= 28);
    assert.deepEqual(
      doc.clientCertificateRequest.certificateAuthorities.map((n: { oneline: string }) => n.oneline),
      ["O = chainproof tests, CN = Test RSA Root"],
    );
    assert.equal(doc.crossCheck.certificates, "match");
  });

  it("shows the acceptable client-certificate CA names of a mutual-TLS server", async () => {
    const port = await server({
      chain: [ec.leaf],
      requestCert: true,
      rejectUnauthorized: false,
      ca: [ec.root.pem, rsa.intermediate.pem],
    });
    const r = await showcerts(`127.0.0.1:${port}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Acceptable client certificate CA names\nO = chainproof tests, CN = Test EC Root\nO = chainproof tests, CN = Test RSA Intermediate$/m,
    );
  });

  it("--no-sni, --servername and --timeout are accepted", async () => {
    const seen: string[] = [];
    const port = await server({ chain: [ec.leaf], onServername: (n) => seen.push(n) });
    const a = await showcerts(
      `localhost:${port}`,
      "--connect-to",
      "127.0.0.1",
      "--no-sni",
      "--timeout",
      "5",
      "--json",
    );
    assert.equal(a.code, 0, a.stderr);
    assert.equal(JSON.parse(a.stdout).target.servername, null);
    const b = await showcerts(`127.0.0.1:${port}`, "--servername", "named.test", "--json");
    assert.equal(JSON.parse(b.stdout).target.servername, "named.test");
    assert.deepEqual(seen, ["named.test"]);
  });

  it("a TLS 1.0-only server: exit 1, versions named, certificates from a raw hello", async () => {
    const chain = [rsa.leaf, rsa.intermediate];
    const port = await server({
      chain,
      minVersion: "TLSv1",
      maxVersion: "TLSv1",
      ciphers: "DEFAULT@SECLEVEL=0",
    });
    const r = await showcerts(`127.0.0.1:${port}`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no shared TLS version/);
    assert.deepEqual(pems(r.stdout), chain.map(pemOfCert));
    assert.match(r.stdout, /^Versions the server accepts: TLSv1$/m);
    assert.match(r.stdout, /raw TLSv1 ClientHello/);
  });

  it("bytes that are not certificates are shown as such, with their PEM and fingerprint", async () => {
    const junk = Buffer.from("\u001b[31mnot a certificate");
    const s = await startTcpServer((sock) =>
      sock.once("data", () =>
        sock.write(Buffer.concat([tls12ServerHello(), tls12Certificate([junk]), tls12ServerHelloDone()])),
      ),
    );
    servers.push(s);
    const r = await showcerts(`127.0.0.1:${s.port}`);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^ 0 \(does not parse: /m);
    assert.match(r.stdout, /not a certificate/);
    assert.deepEqual(pems(r.stdout), [pemOf(junk).replace(/\s+/g, "")]);
    assert.doesNotMatch(r.stdout + r.stderr, /\u001b/);
  });

  it("network failures exit 1 with the finding on stderr and nothing on stdout", async () => {
    const r = await showcerts(`127.0.0.1:${await closedPort()}`);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^chainproof: 127\.0\.0\.1:\d+: connection refused$/m);
    const j = await showcerts(`127.0.0.1:${await closedPort()}`, "--json");
    assert.equal(j.code, 1);
    assert.equal(JSON.parse(j.stdout).failure.kind, "refused");
  });

  for (const bad of [
    ["bad host:443"],
    ["example.com:99999"],
    ["[::1"],
    ["http://example.com"],
    ["example.com", "--timeout", "abc"],
    ["example.com", "--timeout", "0"],
    ["example.com", "--no-sni", "--servername", "x.test"],
    ["example.com", "--connect-to", "a b"],
  ]) {
    it(`bad input ${JSON.stringify(bad)} exits 2`, async () => {
      const r = await showcerts(...bad);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^chainproof: /);
    });
  }

  it("prints what openssl s_client -showcerts prints for the same server", async (t) => {
    if (spawnSync("openssl", ["version"]).status !== 0) {
      t.skip("no openssl command");
      return;
    }
    const odd = issue({
      cn: 'odd, "quoted" + name',
      org: "Ünïcode Org",
      keyKind: "ec",
      issuer: rsa.intermediate,
    });
    const chain = [rsa.leaf, rsa.intermediate, rsa.root, odd, ec.intermediate];
    const port = await server({ chain });
    const [ours, theirs] = await Promise.all([
      showcerts(`127.0.0.1:${port}`),
      run("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-showcerts"]),
    ]);
    assert.equal(ours.code, 0, ours.stderr);
    const lines = (s: string) => s.split("\n").filter((l) => /^ ?\d+ s:|^ {3}[iav]:/.test(l));
    const want = lines(theirs.stdout);
    assert.equal(want.length, chain.length * 4, theirs.stdout);
    assert.deepEqual(lines(ours.stdout), want);
    assert.deepEqual(pems(ours.stdout), pems(theirs.stdout));
  });
});
