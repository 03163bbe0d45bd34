/**
 * The probe's native path (src/net/probe.ts, capture "native": node's TLS straight on the TCP socket, the
 * certificates from node's X509Certificate walk), which a scan's full mode uses where its own TLS 1.3 client
 * hands over, against the capture probe ("wire") on the same servers: the same certificate list as sent
 * (order, duplicates, extras, the cap), the same staple; a server asking for a client certificate, and a failed
 * handshake, answered by the capture (the fallback); a STARTTLS target scanned with the own client and natively.
 * test/net-probe-own.test.ts scans every lab endpoint each way.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { type ProbeOptions, type ProbeResult, probe } from "../src/net/probe.js";
import { type ScanSummary, scanTargets } from "../src/net/scan.js";
import { starttlsHook } from "../src/net/starttls.js";
import { startFakeStarttls } from "./helpers/starttls-servers.js";
import {
  fakeOcspResponse,
  makePki,
  type Running,
  startTcpServer,
  startTlsServer,
  type TestPki,
  type TlsServerOptions,
  tls12ServerHello,
} from "./helpers/tls-server.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const FAST: ProbeOptions = { connectTimeoutMs: 3000, handshakeTimeoutMs: 3000, totalTimeoutMs: 5000 };

let ec: TestPki;
let rsa: TestPki;
before(() => {
  ec = makePki("ec");
  rsa = makePki("rsa");
});

/** Probe the same server natively and with the capture. */
async function bothWays(
  server: TlsServerOptions,
  opts: ProbeOptions = {},
): Promise<{ native: ProbeResult; wire: ProbeResult }> {
  const s = await startTlsServer(server);
  try {
    const target = { host: "127.0.0.1", port: s.port };
    const native = await probe(target, { ...FAST, ...opts, capture: "native" });
    const wire = await probe(target, { ...FAST, ...opts, capture: "wire" });
    return { native, wire };
  } finally {
    await s.close();
  }
}

describe("native probe: the certificate list exactly as the capture reads it", () => {
  for (const version of ["TLSv1.2", "TLSv1.3"] as const) {
    it(`${version}: out of order, with an unrelated extra and a duplicate`, async () => {
      const chain = [ec.leaf, ec.root, ec.stranger, ec.intermediate, ec.intermediate];
      const { native, wire } = await bothWays({ chain, minVersion: version, maxVersion: version });
      assert.equal(native.completed, true, native.failure?.message);
      assert.equal(native.certificateSource, "node", "no capture ran");
      assert.deepEqual(native.serverMessages, [], "the handshake messages are not captured");
      assert.equal(wire.certificateSource, "wire");
      assert.deepEqual(native.certificates.map(hex), wire.certificates.map(hex));
      assert.deepEqual(
        native.certificates.map(hex),
        chain.map((c) => hex(c.der)),
      );
      assert.equal(native.certificateCount, wire.certificateCount);
      assert.equal(native.protocol, version);
      assert.equal(native.cipher?.name, wire.cipher?.name);
    });
  }

  it("the list capped at maxCertificates, every certificate counted", async () => {
    const chain = [rsa.leaf, rsa.intermediate, rsa.root, rsa.stranger];
    const { native, wire } = await bothWays({ chain }, { maxCertificates: 2 });
    assert.deepEqual(native.certificates.map(hex), [hex(rsa.leaf.der), hex(rsa.intermediate.der)]);
    assert.deepEqual(native.certificates.map(hex), wire.certificates.map(hex));
    assert.equal(native.certificateCount, 4);
    assert.equal(wire.certificateCount, 4);
    assert.ok(native.notes.includes("the server sent 4 certificates; kept the first 2"));
  });

  it("ALPN and a stapled OCSP response, from node's getters and its OCSPResponse event", async () => {
    const ocsp = fakeOcspResponse();
    for (const maxVersion of ["TLSv1.2", "TLSv1.3"] as const) {
      const { native, wire } = await bothWays(
        { chain: [ec.leaf, ec.intermediate], maxVersion, ocspResponse: ocsp, ALPNProtocols: ["h2"] },
        { alpn: ["h2", "http/1.1"] },
      );
      assert.equal(native.certificateSource, "node", maxVersion);
      assert.equal(hex(native.ocsp?.der ?? new Uint8Array()), hex(ocsp), maxVersion);
      assert.deepEqual(native.ocsp?.summary, wire.ocsp?.summary);
      assert.equal(native.alpn, "h2");
    }
  });
});

describe("native probe: what node cannot say, the capture answers (a second connection)", () => {
  for (const version of ["TLSv1.2", "TLSv1.3"] as const) {
    it(`${version}: a server asking for a client certificate still reports its CA names`, async () => {
      const { native, wire } = await bothWays({
        chain: [rsa.leaf, rsa.intermediate],
        maxVersion: version,
        requestCert: true,
        rejectUnauthorized: false,
        ca: [rsa.root.pem, ec.root.pem],
      });
      assert.equal(native.certificateSource, "wire", "the fallback ran");
      assert.deepEqual(native.certificateRequest?.certificateAuthorities.map(hex), [
        hex(rsa.root.name),
        hex(ec.root.name),
      ]);
      assert.deepEqual(native.certificateRequest, wire.certificateRequest);
      assert.deepEqual(native.clientCertificate, wire.clientCertificate);
      assert.deepEqual(native.certificates.map(hex), [hex(rsa.leaf.der), hex(rsa.intermediate.der)]);
    });
  }

  describe("a failed handshake gives the capture's failure", () => {
    const servers: Running[] = [];
    after(async () => {
      for (const s of servers) await s.close();
    });
    const hostile: [string, (s: import("node:net").Socket) => void, string][] = [
      [
        "plain HTTP",
        (s) => s.once("data", () => s.end("HTTP/1.1 400 Bad Request\r\n\r\n")),
        'not TLS (server sent "HTTP/1.1 400 Bad Request"): a plain-HTTP server',
      ],
      [
        "a fatal alert",
        (s) => s.once("data", () => s.end(Buffer.from([21, 3, 3, 0, 2, 2, 40]))),
        "handshake alert 40 (handshake_failure)",
      ],
      [
        "closed on the ClientHello",
        (s) => s.once("data", () => s.end()),
        "the server closed the connection before ServerHello",
      ],
    ];
    // The scan's own TLS 1.3 client (test/net-probe-own.test.ts) hands these to the capture as native does.
    for (const capture of ["native", "own"] as const) {
      it(`${capture}: a server that accepts and never answers: one connection, the capture's failure`, async () => {
        let connections = 0;
        const s = await startTcpServer(() => {
          connections++;
        });
        servers.push(s);
        const target = { host: "127.0.0.1", port: s.port };
        const quick = { handshakeTimeoutMs: 300, totalTimeoutMs: 5000 };
        const got = await probe(target, { ...quick, capture });
        assert.equal(connections, 1, "not probed again: one timeout, not two");
        const wire = await probe(target, { ...quick, capture: "wire" });
        assert.equal(got.completed, false);
        assert.deepEqual(got.failure, wire.failure);
        assert.equal(got.failure?.detail, "the server accepted the connection and sent nothing");
      });
    }

    it("a server that stalls after ServerHello: probed again, the capture says where it stopped", async () => {
      let connections = 0;
      const s = await startTcpServer((c) => {
        connections++;
        c.once("data", () => c.write(tls12ServerHello()));
      });
      servers.push(s);
      const target = { host: "127.0.0.1", port: s.port };
      const quick = { handshakeTimeoutMs: 300, totalTimeoutMs: 5000 };
      const native = await probe(target, { ...quick, capture: "native" });
      assert.equal(connections, 2, "the native attempt, then the capture");
      const wire = await probe(target, { ...quick, capture: "wire" });
      assert.equal(native.failure?.kind, "handshake-timeout");
      assert.equal(native.protocol, "TLSv1.2");
      assert.deepEqual(native.failure, wire.failure);
    });

    for (const [label, behave, message] of hostile) {
      for (const capture of ["native", "own"] as const) {
        it(`${capture}: ${label}`, async () => {
          const s = await startTcpServer(behave);
          servers.push(s);
          const target = { host: "127.0.0.1", port: s.port };
          const got = await probe(target, { ...FAST, capture });
          const wire = await probe(target, { ...FAST, capture: "wire" });
          assert.equal(got.completed, false);
          assert.equal(got.failure?.message, message);
          assert.deepEqual(got.failure, wire.failure);
          assert.deepEqual(got.alerts, wire.alerts);
        });
      }
    }
  });
});

describe("scan: a STARTTLS target, with the own handshake and natively", () => {
  it("the exchange on the TCP socket, then the handshake: the chain as the capture reads it", async () => {
    const server = await startFakeStarttls("smtp", {
      key: ec.leaf.key.keyPem,
      cert: ec.leaf.pem + ec.root.pem + ec.intermediate.pem,
    });
    try {
      const scanOnce = async (probeOptions: ProbeOptions) => {
        const got: ScanSummary[] = [];
        await scanTargets(
          [{ line: 1, text: `127.0.0.1:${server.port} mail.example` }],
          {
            clients: ["openssl"],
            timeoutMs: 5000,
            prepare: async (t) => ({
              target: { host: t.host, port: t.port, servername: "mail.example" },
              options: { probe: { beforeTls: starttlsHook("smtp", "mail.example", 5000) } },
            }),
            probe: probeOptions,
            time: new Date(),
          },
          (s) => {
            got.push(s);
          },
        );
        return got[0];
      };
      const wire = await scanOnce({ capture: "wire" });
      // The scan's own TLS 1.3 client (its default) and node's TLS, each after the exchange.
      for (const capture of ["own", "native"] as const) {
        const got = await scanOnce({ capture });
        assert.equal(got.failure, undefined, got.failure);
        assert.equal(got.leaf?.sha256, createHash("sha256").update(ec.leaf.der).digest("hex"));
        assert.deepEqual(got.lints, wire.lints, `${capture}: the same certificates, in the same positions`);
        assert.deepEqual(got.findings, wire.findings, capture);
      }
    } finally {
      await server.close();
    }
  });
});
