/**
 * Server enumeration with raw ClientHellos (src/net/tls-enum) against real servers on loopback: node's TLS
 * server and `openssl s_server` restricted by version and suites; SNI that changes the certificate (TLS 1.2,
 * and TLS 1.3 only, where complete handshakes read it); servers that stall or close at once (the report says
 * what could not be learnt, and the enumeration ends); the bound on connections open at once; `check --tls` on
 * the command line.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import { Ajv2020 } from "ajv/dist/2020.js";
import { type ScanResult, scan } from "../src/app/scan.js";
import { tlsCheck } from "../src/app/tls.js";
import { enumerateTls } from "../src/net/tls-enum/enumerate.js";
import { ROOT, runCli } from "./helpers/cli.js";
import { haveOpenssl, tempDir } from "./helpers/openssl.js";
import { startOpensslServer } from "./helpers/openssl-server.js";
import { issue, makePki, type Running, startTcpServer, startTlsServer } from "./helpers/tls-server.js";

const LOOPBACK = { allowPrivate: true, allowLoopback: true };
const pki = makePki("rsa");
const target = (port: number) => ({ host: "localhost", port, connectTo: "127.0.0.1" });
const schema = JSON.parse(readFileSync(join(ROOT, "docs", "schemas", "tls.schema.json"), "utf8"));
const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

const running: Running[] = [];
after(async () => {
  for (const r of running) await r.close();
});

describe("enumeration of node's TLS server", () => {
  let server: Running;
  before(async () => {
    server = await startTlsServer({ chain: [pki.leaf, pki.intermediate] });
    running.push(server);
  });

  it("finds TLS 1.2 and 1.3, the suites in the server's order, the groups; every client connects", async () => {
    const doc = await tlsCheck(target(server.port), { guard: LOOPBACK });
    assert.ok(validate(doc), JSON.stringify(validate.errors, null, 1));
    const e = doc.enumeration;
    const spoken = e.versions.filter((v) => v.supported).map((v) => v.version);
    assert.deepEqual(spoken, ["TLSv1.2", "TLSv1.3"]);
    assert.deepEqual(
      e.suites["TLSv1.3"]?.suites.map((s) => s.name),
      ["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"],
    );
    // node servers honour their own cipher order by default (honorCipherOrder).
    assert.equal(e.suites["TLSv1.2"]?.serverOrder, true);
    assert.equal(e.suites["TLSv1.2"]?.suites[0].name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert.ok(e.groups["TLSv1.3"]?.includes("x25519"));
    assert.ok(e.groups["TLSv1.3"]?.includes("secp384r1"));
    assert.equal(e.sni?.answersWithout, true);
    assert.equal(e.sni?.sameCertificate, true);
    assert.equal(e.secureRenegotiation, true);
    assert.equal(e.fallbackScsv, true);
    assert.deepEqual(e.unknown, []);
    for (const h of doc.handshakes) assert.equal(h.outcome, "ok", `${h.client}: ${h.error?.text}`);
    const chrome = doc.handshakes.find((h) => h.client === "chrome");
    assert.equal(chrome?.version, "TLSv1.3");
    assert.equal(chrome?.group, "x25519");
    // node's default list still has TLS_RSA_WITH_* suites.
    assert.ok(doc.findings.some((f) => f.code === "tls-rsa-key-exchange"));
    assert.ok(!doc.findings.some((f) => f.severity === "error"));
  });

  it("never opens more connections at once than asked", async () => {
    let open = 0;
    let most = 0;
    const proxy = await startTcpServer((client) => {
      open++;
      most = Math.max(most, open);
      const upstream = net.connect(server.port, "127.0.0.1");
      client.pipe(upstream).pipe(client);
      const done = () => {
        client.destroy();
        upstream.destroy();
      };
      upstream.on("error", done);
      // A client that closes gracefully sends close_notify, maybe after the server has gone (the pipe is
      // undone then): keep reading, or its FIN is never seen and it looks open for ever.
      upstream.on("close", () => client.resume());
      // Counted closed at the client's FIN (its socket is gone by then; "close" comes a turn later).
      let counted = true;
      const closed = () => {
        if (counted) open--;
        counted = false;
        done();
      };
      client.on("end", closed);
      client.on("close", closed);
    });
    running.push(proxy);
    const run = await enumerateTls(target(proxy.port), { guard: LOOPBACK, concurrency: 3 });
    assert.ok(run.enumeration.connections > 20, `${run.enumeration.connections} connections`);
    // The proxy learns of a closed connection (its "end") a turn of its event loop after the kernel did, so
    // the next connection's accept can be counted first: one more than the bound may show, never two.
    assert.ok(most <= 4, `${most} connections at once`);
    assert.deepEqual(
      run.enumeration.versions.filter((v) => v.supported).map((v) => v.version),
      ["TLSv1.2", "TLSv1.3"],
    );
  });

  it("refuses a connection bound out of range", async () => {
    await assert.rejects(
      enumerateTls(target(server.port), { guard: LOOPBACK, concurrency: 0 }),
      /from 1 to 32/,
    );
  });
});

describe("SNI", () => {
  // TLS 1.3 encrypts the certificate: a TLS 1.3-only server is read from complete handshakes instead.
  for (const minVersion of ["TLSv1.2", "TLSv1.3"] as const)
    it(`a server that sends another certificate without SNI is found out, with the fix per server (from ${minVersion})`, async () => {
      const other = issue({ cn: "default.example", keyKind: "rsa", dns: ["default.example"] });
      const right = tls.createSecureContext({
        key: pki.leaf.key.keyPem,
        cert: pki.leaf.pem + pki.intermediate.pem,
      });
      const server = await startTlsServer({
        chain: [other],
        minVersion,
        SNICallback: (_name, cb) => cb(null, right),
      });
      running.push(server);
      const doc = await tlsCheck(target(server.port), { guard: LOOPBACK });
      assert.deepEqual(doc.enumeration.sni, { answersWithout: true, sameCertificate: false });
      const f = doc.findings.find((x) => x.code === "tls-sni-different-certificate");
      assert.ok(f);
      assert.deepEqual(
        f.servers.map((s) => s.server),
        ["nginx", "Apache httpd", "HAProxy", "Java (Tomcat, Spring Boot)", "Node.js"],
      );
    });
});

describe("servers that do not answer", () => {
  it("a server that accepts and says nothing: everything unknown, said so, and the enumeration ends", async () => {
    const silent = await startTcpServer(() => {});
    running.push(silent);
    const doc = await tlsCheck(target(silent.port), { guard: LOOPBACK, timeoutMs: 300 });
    assert.ok(doc.enumeration.versions.every((v) => v.supported === null));
    assert.equal(doc.enumeration.unknown.length, 5);
    assert.match(doc.enumeration.unknown[0], /timeout while waiting for ServerHello/);
    for (const h of doc.handshakes) assert.equal(h.outcome, "unknown");
  });

  it("a server that closes every connection: no version, and each client's failure", async () => {
    const closer = await startTcpServer((s) => s.destroy());
    running.push(closer);
    const doc = await tlsCheck(target(closer.port), { guard: LOOPBACK, timeoutMs: 2000 });
    assert.ok(doc.enumeration.versions.every((v) => v.supported === false));
    const java = doc.handshakes.find((h) => h.client === "java");
    assert.equal(java?.outcome, "fails");
    assert.equal(java?.error?.match, "Remote host terminated the handshake");
  });
});

describe("openssl s_server restricted", { skip: !haveOpenssl() && "openssl not found" }, () => {
  let tmp: { dir: string; cleanup: () => void };
  before(() => {
    tmp = tempDir("chainproof-tls-enum-");
  });
  after(() => tmp?.cleanup());

  it("TLS 1.2 with two CBC suites in the server's order: found, with the findings", async () => {
    const s = await startOpensslServer(tmp.dir, pki.leaf.pem, pki.leaf.key.keyPem, [
      "-tls1_2",
      "-cipher",
      "AES128-SHA:ECDHE-RSA-AES256-SHA",
      "-serverpref",
    ]);
    try {
      const doc = await tlsCheck(target(s.port), { guard: LOOPBACK });
      const e = doc.enumeration;
      assert.deepEqual(
        e.versions.filter((v) => v.supported).map((v) => v.version),
        ["TLSv1.2"],
      );
      assert.deepEqual(e.suites["TLSv1.2"], {
        serverOrder: true,
        suites: [
          {
            id: "0x002f",
            name: "TLS_RSA_WITH_AES_128_CBC_SHA",
            keyExchange: "RSA",
            forwardSecrecy: false,
            weaknesses: [],
          },
          {
            id: "0xc014",
            name: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
            keyExchange: "ECDHE",
            forwardSecrecy: true,
            weaknesses: [],
          },
        ],
      });
      const codes = doc.findings.map((f) => f.code);
      for (const c of ["tls13-absent", "tls-cbc-sha1-only", "tls-rsa-key-exchange"])
        assert.ok(codes.includes(c), c);
    } finally {
      s.close();
    }
  });

  it("NULL and anonymous suites accepted: a weak-cipher finding naming them", async () => {
    const s = await startOpensslServer(tmp.dir, pki.leaf.pem, pki.leaf.key.keyPem, [
      "-tls1_2",
      "-cipher",
      "ECDHE-RSA-AES128-GCM-SHA256:NULL-SHA256:ADH-AES128-SHA:@SECLEVEL=0",
    ]);
    try {
      const doc = await tlsCheck(target(s.port), { guard: LOOPBACK });
      const weak = doc.findings.find((f) => f.code === "tls-weak-cipher");
      assert.ok(weak, JSON.stringify(doc.enumeration.suites));
      assert.match(weak.message, /TLS_RSA_WITH_NULL_SHA256 \(NULL\)/);
      assert.match(weak.message, /TLS_DH_anon_WITH_AES_128_CBC_SHA \(anonymous\)/);
    } finally {
      s.close();
    }
  });
});

describe("scan --tls", () => {
  it("each result gets the TLS summary: versions and each client's handshake", async () => {
    const server = await startTlsServer({ chain: [pki.leaf, pki.intermediate] });
    running.push(server);
    const results: ScanResult[] = [];
    for await (const e of scan(`127.0.0.1:${server.port}\n`, { tls: true, timeoutMs: 5000 }))
      if (e.type === "result") results.push(e.result);
    assert.equal(results.length, 1);
    assert.deepEqual(results[0].tls?.versions, ["TLSv1.2", "TLSv1.3"]);
    assert.equal(results[0].tls?.handshakes.length, 8);
    assert.ok(results[0].tls?.handshakes.every((h) => h.outcome === "ok"));
  });
});

describe("chainproof check --tls", () => {
  it("adds the tls document to --json and the tables to the text", async () => {
    const server = await startTlsServer({ chain: [pki.leaf, pki.intermediate] });
    running.push(server);
    const json = await runCli([
      "check",
      `localhost:${server.port}`,
      "--connect-to",
      "127.0.0.1",
      "--tls",
      "--json",
    ]);
    const doc = JSON.parse(json.stdout);
    assert.equal(doc.tls.schema, "chainproof/tls");
    assert.ok(validate(doc.tls), JSON.stringify(validate.errors, null, 1));
    const text = await runCli(["check", `localhost:${server.port}`, "--connect-to", "127.0.0.1", "--tls"]);
    assert.match(text.stdout, /TLSv1\.3 cipher suites \(server's order\):/);
    assert.match(text.stdout, /Salesforce callouts: TLSv1\.3, TLS_AES_256_GCM_SHA384, x25519/);
  });

  it("--tls-connections out of range is a usage error (exit 2)", async () => {
    const r = await runCli(["check", "localhost:1", "--tls", "--tls-connections", "99"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--tls-connections "99": give a whole number from 1 to 32/);
  });
});
