/**
 * What the enumeration learns from complete handshakes (src/net/tls-enum/handshake.ts, resumption.ts):
 * session resumption by session ID, TLS 1.2 ticket and TLS 1.3 ticket against node's TLS server (with and
 * without a session cache, without tickets) and `openssl s_server` (defaults, and -no_ticket -no_cache);
 * ALPN on a TLS 1.3-only server, which raw hellos cannot see (its certificate without SNI: net-tls-enum.test.ts);
 * a server whose handshake never completes, and one that wants a client certificate (resumption not learnt).
 */

import assert from "node:assert/strict";
import { constants } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import { Ajv2020 } from "ajv/dist/2020.js";
import { tlsCheck } from "../src/app/tls.js";
import { ROOT, runCli } from "./helpers/cli.js";
import { haveOpenssl, tempDir } from "./helpers/openssl.js";
import { startOpensslServer } from "./helpers/openssl-server.js";
import {
  makePki,
  type Running,
  startTcpServer,
  startTlsServer,
  tls12Certificate,
  tls12ServerHello,
  tls12ServerHelloDone,
} from "./helpers/tls-server.js";

const LOOPBACK = { allowPrivate: true, allowLoopback: true };
const pki = makePki("rsa");
const chain = [pki.leaf, pki.intermediate];
const target = (port: number) => ({ host: "localhost", port, connectTo: "127.0.0.1" });
const schema = JSON.parse(readFileSync(join(ROOT, "docs", "schemas", "tls.schema.json"), "utf8"));
const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

const running: Running[] = [];
after(async () => {
  for (const r of running) await r.close();
});

async function server(o: Omit<Parameters<typeof startTlsServer>[0], "chain"> = {}): Promise<Running> {
  const s = await startTlsServer({ chain, ...o });
  running.push(s);
  return s;
}

async function check(port: number) {
  const doc = await tlsCheck(target(port), { guard: LOOPBACK });
  assert.ok(validate(doc), JSON.stringify(validate.errors, null, 1));
  return doc.enumeration;
}

describe("session resumption against node's TLS server", () => {
  it("defaults: tickets resume on TLS 1.2 and 1.3; session IDs are assigned but not accepted", async () => {
    const e = await check((await server()).port);
    // node's server keeps no session cache unless the application handles newSession/resumeSession.
    assert.deepEqual(e.resumption?.sessionId, { version: "TLSv1.2", issued: true, resumed: false });
    assert.equal(e.resumption?.ticket?.resumed, true);
    assert.equal(e.resumption?.tls13Ticket?.resumed, true);
    // node's tickets say how long they live (its default: 7200 s).
    assert.equal(e.resumption?.ticket?.lifetimeSeconds, 7200);
    assert.equal(e.resumption?.tls13Ticket?.lifetimeSeconds, 7200);
    assert.deepEqual(e.unknown, []);
  });

  it("without tickets (SSL_OP_NO_TICKET) none are issued", async () => {
    const e = await check((await server({ secureOptions: constants.SSL_OP_NO_TICKET })).port);
    assert.deepEqual(e.resumption?.ticket, { version: "TLSv1.2", issued: false, resumed: false });
  });

  it("with a session cache (newSession/resumeSession) session IDs resume", async () => {
    const cache = new Map<string, Buffer>();
    const srv = tls.createServer({
      key: pki.leaf.key.keyPem,
      cert: pki.leaf.pem + pki.intermediate.pem,
      secureOptions: constants.SSL_OP_NO_TICKET,
    });
    srv.on("newSession", (id: Buffer, data: Buffer, cb: () => void) => {
      cache.set(id.toString("hex"), data);
      cb();
    });
    srv.on("resumeSession", (id: Buffer, cb: (e: Error | null, data?: Buffer | null) => void) =>
      cb(null, cache.get(id.toString("hex")) ?? null),
    );
    srv.on("secureConnection", (c) => {
      c.on("error", () => {});
      c.end();
    });
    srv.on("tlsClientError", () => {});
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    try {
      const e = await check((srv.address() as { port: number }).port);
      assert.deepEqual(e.resumption?.sessionId, { version: "TLSv1.2", issued: true, resumed: true });
      assert.ok(cache.size >= 1);
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });
});

describe("session resumption against openssl s_server", {
  skip: !haveOpenssl() && "openssl not found",
}, () => {
  let tmp: { dir: string; cleanup: () => void };
  before(() => {
    tmp = tempDir("chainproof-tls-resume-");
  });
  after(() => tmp?.cleanup());

  /** The resumption facts of `openssl s_server -www` with `args`. */
  async function resumptionOf(args: string[]) {
    const s = await startOpensslServer(tmp.dir, pki.leaf.pem, pki.leaf.key.keyPem, ["-www", ...args]);
    try {
      return (await check(s.port)).resumption;
    } finally {
      s.close();
    }
  }

  it("-www (defaults): session IDs, TLS 1.2 tickets and TLS 1.3 tickets all resume", async () => {
    const r = await resumptionOf([]);
    assert.deepEqual(r?.sessionId, { version: "TLSv1.2", issued: true, resumed: true });
    assert.equal(r?.ticket?.resumed, true);
    assert.equal(r?.tls13Ticket?.resumed, true);
  });

  it("-no_ticket -no_cache: nothing resumes", async () => {
    const r = await resumptionOf(["-no_ticket", "-no_cache"]);
    assert.deepEqual(r?.sessionId, { version: "TLSv1.2", issued: false, resumed: false });
    assert.deepEqual(r?.ticket, { version: "TLSv1.2", issued: false, resumed: false });
    // TLS 1.3 still hands out a ticket, but with no cache behind it the server cannot resume it.
    assert.equal(r?.tls13Ticket?.resumed, false);
  });
});

describe("what TLS 1.3 encrypts, on a TLS 1.3-only server", () => {
  it("the ALPN protocol the server chooses", async () => {
    const e = await check((await server({ minVersion: "TLSv1.3", ALPNProtocols: ["http/1.1"] })).port);
    assert.deepEqual(
      e.versions.filter((v) => v.supported).map((v) => v.version),
      ["TLSv1.3"],
    );
    assert.equal(e.alpn, "http/1.1");
    assert.equal(e.resumption?.sessionId, null);
    assert.equal(e.resumption?.tls13Ticket?.resumed, true);
    assert.deepEqual(e.sni, { answersWithout: true, sameCertificate: true });
  });

  it("a server without ALPN: none chosen", async () => {
    const e = await check((await server({ minVersion: "TLSv1.3" })).port);
    assert.equal(e.alpn, null);
  });
});

describe("a handshake that never completes", () => {
  it("a server that sends a TLS 1.2 flight and closes: resumption listed as not learnt", async () => {
    const fake = await startTcpServer((sock) => {
      sock.once("data", () => {
        sock.end(
          Buffer.concat([tls12ServerHello(), tls12Certificate([pki.leaf.der]), tls12ServerHelloDone()]),
        );
      });
    });
    running.push(fake);
    const e = await check(fake.port);
    assert.deepEqual(
      e.versions.filter((v) => v.supported).map((v) => v.version),
      ["TLSv1.2"],
    );
    assert.deepEqual(e.resumption?.sessionId, { version: "TLSv1.2", issued: null, resumed: null });
    assert.deepEqual(e.resumption?.ticket, { version: "TLSv1.2", issued: null, resumed: null });
    assert.ok(
      e.unknown.some((u) => /^session resumption \(TLSv1\.2 session IDs\): /.test(u)),
      e.unknown.join("\n"),
    );
  });
});

describe("a server that wants a client certificate", () => {
  it("resumption is not learnt, and the server's alert says why", async () => {
    const e = await check((await server({ requestCert: true, rejectUnauthorized: true })).port);
    assert.deepEqual(e.resumption?.sessionId, { version: "TLSv1.2", issued: null, resumed: null });
    assert.deepEqual(e.resumption?.tls13Ticket, { version: "TLSv1.3", issued: null, resumed: null });
    assert.ok(
      e.unknown.includes(
        "session resumption (TLSv1.2 session IDs): the server refused: handshake alert 40 (handshake_failure)",
      ),
      e.unknown.join("\n"),
    );
    assert.ok(
      e.unknown.includes(
        "session resumption (TLSv1.3 session tickets): the server refused: handshake alert 116 (certificate_required)",
      ),
      e.unknown.join("\n"),
    );
  });
});

describe("chainproof check --tls", () => {
  it("prints resumption in --json and in the text", async () => {
    const s = await server();
    const r = await runCli(["check", `localhost:${s.port}`, "--connect-to", "127.0.0.1", "--tls", "--json"]);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.tls.enumeration.resumption.tls13Ticket.resumed, true);
    const text = await runCli(["check", `localhost:${s.port}`, "--connect-to", "127.0.0.1", "--tls"]);
    assert.match(
      text.stdout,
      /Session resumption: session IDs \(TLSv1\.2\) no \(IDs assigned but not accepted\); tickets \(TLSv1\.2\) yes, lifetime 7200 s; TLS 1\.3 tickets \(TLSv1\.3\) yes, lifetime 7200 s/,
    );
  });
});
