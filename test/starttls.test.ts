/**
 * STARTTLS before TLS (src/net/starttls.ts): `check --starttls` against a real PostgreSQL with ssl=on and a
 * test certificate, and against loopback servers speaking each protocol's STARTTLS exchange as its RFC says
 * (test/helpers/starttls-servers.ts); the certificate captured is the one the server holds; a server that
 * does not offer STARTTLS is a failure that says so; the protocol follows the well-known port by default.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { check } from "../src/app/check.js";
import { tlsCheck } from "../src/app/tls.js";
import { starttlsFor, starttlsHook } from "../src/net/starttls.js";
import { runCli } from "./helpers/cli.js";
import { postgresSkipReason, startPostgres, type TestPostgres } from "./helpers/postgres.js";
import { type FakeProtocol, startFakeStarttls } from "./helpers/starttls-servers.js";
import { makePki } from "./helpers/tls-server.js";

const pki = makePki("rsa");
const leafSha = createHash("sha256").update(pki.leaf.der).digest("hex");
const chainPem = pki.leaf.pem + pki.intermediate.pem;
const LOOPBACK = { allowPrivate: true, allowLoopback: true };

async function checkStarttls(port: number, starttls: string) {
  return check({
    target: `localhost:${port}`,
    connectTo: "127.0.0.1",
    starttls,
    timeoutMs: 5000,
    aia: false,
  });
}

describe("STARTTLS against loopback servers speaking each protocol", () => {
  for (const protocol of ["smtp", "imap", "pop3", "ftp", "xmpp", "ldap", "mysql"] as FakeProtocol[]) {
    it(`${protocol}: the exchange, then the handshake and the server's certificate`, async () => {
      const server = await startFakeStarttls(protocol, { key: pki.leaf.key.keyPem, cert: chainPem });
      try {
        const doc = await checkStarttls(server.port, protocol);
        assert.equal(doc.starttls, protocol);
        assert.equal(doc.handshake.completed, true, JSON.stringify(doc.handshake));
        assert.ok(JSON.stringify(doc.sent).includes(leafSha), "the leaf was captured");
      } finally {
        await server.close();
      }
    });
  }

  it("a server that does not offer STARTTLS: the failure says so", async () => {
    const server = await startFakeStarttls("smtp", {
      key: pki.leaf.key.keyPem,
      cert: chainPem,
      offer: false,
    });
    try {
      const doc = await checkStarttls(server.port, "smtp");
      assert.equal(doc.handshake.completed, false);
      assert.equal(
        doc.handshake.failure?.message,
        "STARTTLS (smtp): the SMTP server does not offer STARTTLS",
      );
    } finally {
      await server.close();
    }
  });

  it("the enumeration runs over STARTTLS too (every probe makes the exchange)", async () => {
    const server = await startFakeStarttls("imap", { key: pki.leaf.key.keyPem, cert: chainPem });
    try {
      const doc = await tlsCheck(
        { host: "localhost", port: server.port, connectTo: "127.0.0.1" },
        { guard: LOOPBACK, beforeTls: starttlsHook("imap", "localhost", 5000) },
      );
      const spoken = doc.enumeration.versions.filter((v) => v.supported).map((v) => v.version);
      assert.deepEqual(spoken, ["TLSv1.2", "TLSv1.3"]);
      assert.deepEqual(doc.enumeration.unknown, []);
    } finally {
      await server.close();
    }
  });
});

describe("STARTTLS against PostgreSQL with ssl=on", { skip: postgresSkipReason() }, () => {
  let pg: TestPostgres;
  before(async () => {
    pg = await startPostgres({ ssl: { cert: chainPem, key: pki.leaf.key.keyPem } });
  });
  after(() => pg?.close());

  it("check --starttls postgres captures the server's certificate", async () => {
    const doc = await checkStarttls(pg.port, "postgres");
    assert.equal(doc.handshake.completed, true, JSON.stringify(doc.handshake));
    assert.ok(JSON.stringify(doc.sent).includes(leafSha));
    const cli = await runCli([
      "check",
      `localhost:${pg.port}`,
      "--connect-to",
      "127.0.0.1",
      "--starttls",
      "postgresql",
      "--json",
    ]);
    assert.equal(JSON.parse(cli.stdout).starttls, "postgres");
  });
});

describe("choosing the protocol", () => {
  it("by well-known port unless given; none turns it off; anything else is a usage error", async () => {
    assert.equal(starttlsFor(undefined, 25), "smtp");
    assert.equal(starttlsFor(undefined, 587), "submission");
    assert.equal(starttlsFor(undefined, 5432), "postgres");
    assert.equal(starttlsFor(undefined, 443), undefined);
    assert.equal(starttlsFor("none", 25), undefined);
    assert.equal(starttlsFor("IMAP", 10143), "imap");
    const r = await runCli(["check", "localhost:25", "--starttls", "gopher"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--starttls "gopher": choose from smtp, submission, imap/);
  });
});
