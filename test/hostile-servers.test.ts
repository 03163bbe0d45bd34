/**
 * check and scan against hostile servers (loopback, test/helpers/tls-server.ts): one that accepts and never
 * answers, one that sends garbage, one that resets mid-handshake, one sending a 100-certificate chain, one
 * sending a 1 MB certificate. Each gives a clear finding within its timeout, and a scan over all of them
 * mixed with good servers gets the good ones right.
 */

import assert from "node:assert/strict";
import type net from "node:net";
import { after, before, describe, it } from "node:test";
import type { ClientId } from "../src/clients/index.js";
import {
  type CheckReport,
  checkEndpoint,
  type ScanItem,
  type ScanSummary,
  scanTargets,
} from "../src/net/scan.js";
import { storeFromBytes } from "../src/trust/store.js";
import {
  issue,
  makeKey,
  makePki,
  type Running,
  startTcpServer,
  startTlsServer,
  type TestPki,
  tls12Certificate,
  tls12ServerHello,
  tls12ServerHelloDone,
  tlsRecord,
} from "./helpers/tls-server.js";

const TIMEOUT_MS = 1500;
const clients: ClientId[] = ["salesforce", "java", "openssl", "go", "chrome"];

let pki: TestPki;
const servers: Running[] = [];
const ports: Record<string, number> = {};
let store: ReturnType<typeof storeFromBytes>;

async function tcp(name: string, onSocket: (s: net.Socket) => void): Promise<void> {
  const s = await startTcpServer(onSocket);
  servers.push(s);
  ports[name] = s.port;
}

before(async () => {
  pki = makePki("ec", "Hostile");
  store = storeFromBytes("custom", Buffer.from(pki.root.pem), { source: "test root" });
  const good = await startTlsServer({ chain: [pki.leaf, pki.intermediate] });
  servers.push(good);
  ports.good = good.port;
  const good2 = await startTlsServer({ chain: [pki.leaf, pki.intermediate], maxVersion: "TLSv1.2" });
  servers.push(good2);
  ports.good12 = good2.port;

  await tcp("silent", () => {});
  await tcp("garbage", (s) =>
    s.once("data", () => s.write(Buffer.from("\u0000\u00ff garbage garbage garbage\r\n"))),
  );
  await tcp("reset", (s) =>
    s.once("data", () => {
      s.write(tls12ServerHello().subarray(0, 20));
      setTimeout(() => s.resetAndDestroy(), 30);
    }),
  );
  // 100 certificates: the real chain first, then 98 unrelated CA certificates.
  const key = makeKey("ec", "hostile-extra");
  const extras = Array.from({ length: 98 }, (_, i) => issue({ cn: `Extra CA ${i}`, key, ca: true }));
  const long = await startTlsServer({ chain: [pki.leaf, pki.intermediate, ...extras] });
  servers.push(long);
  ports.long = long.port;
  // A 2 MB Certificate message (a 1,000,000-byte certificate twice: one certificate just under the 1 MiB the
  // product's parser accepts), sent in TLS 1.2 records as a server would.
  const huge = issue({ cn: "localhost", issuer: pki.intermediate, dns: ["localhost"], padding: 1_000_000 });
  const message = tls12Certificate([huge.der, huge.der, pki.intermediate.der]).subarray(5);
  const records: Buffer[] = [];
  for (let i = 0; i < message.length; i += 16384) records.push(tlsRecord(22, message.subarray(i, i + 16384)));
  await tcp("huge", (s) =>
    s.once("data", () => s.write(Buffer.concat([tls12ServerHello(), ...records, tls12ServerHelloDone()]))),
  );
});

after(async () => {
  for (const s of servers) await s.close();
});

async function check(name: string): Promise<{ r: CheckReport; ms: number }> {
  const t0 = Date.now();
  const r = await checkEndpoint(
    { host: "localhost", port: ports[name], connectTo: "127.0.0.1" },
    { clients, stores: store, timeoutMs: TIMEOUT_MS, aia: false },
  );
  return { r, ms: Date.now() - t0 };
}

function codes(r: CheckReport): string[] {
  return r.matrix.findings.map((f) => f.code);
}

describe("hostile servers: a clear finding within the timeout", () => {
  it("accepts and never answers: handshake-failed, hello timeout, every client refused", async () => {
    const { r, ms } = await check("silent");
    assert.equal(r.trusted, false);
    const f = r.matrix.findings[0];
    assert.equal(f.code, "handshake-failed");
    assert.equal(f.data?.kind, "hello-timeout");
    assert.match(f.message, /timeout while waiting for ServerHello/);
    assert.ok(r.matrix.clients.every((v) => !v.trusted && v.reason?.code === "handshake-failed"));
    assert.ok(ms < TIMEOUT_MS + 1000, `${ms} ms`);
  });

  it("sends garbage: not TLS, quoting it", async () => {
    const { r, ms } = await check("garbage");
    assert.equal(r.matrix.findings[0].code, "handshake-failed");
    assert.equal(r.matrix.findings[0].data?.kind, "not-tls");
    assert.match(r.matrix.findings[0].message, /not TLS \(server sent/);
    assert.ok(ms < TIMEOUT_MS + 1000, `${ms} ms`);
  });

  it("resets mid-handshake: connection reset", async () => {
    const { r, ms } = await check("reset");
    assert.equal(r.matrix.findings[0].code, "handshake-failed");
    assert.equal(r.matrix.findings[0].data?.kind, "reset");
    assert.ok(ms < TIMEOUT_MS + 1000, `${ms} ms`);
  });

  it("sends 100 certificates: 50 read, the chain judged on them, oversized-chain and unrelated-certificate", async () => {
    const { r, ms } = await check("long");
    assert.equal(r.handshake.completed, true);
    assert.equal(r.handshake.certificateCount, 100);
    assert.equal(r.certificates.length, 50);
    assert.ok(codes(r).includes("oversized-chain"));
    assert.ok(codes(r).includes("unrelated-certificate"));
    // The real chain is at the front: every client still trusts it, except Java's TLS layer, which reads at
    // most 10 certificates (jdk.tls.maxCertificateChainLength; src/clients/java.ts).
    for (const v of r.matrix.clients) {
      if (v.client === "java" || v.client === "salesforce") assert.equal(v.reason?.code, "chain-too-long");
      else assert.equal(v.status, "trusted", JSON.stringify(v.reason));
    }
    assert.ok(ms < TIMEOUT_MS + 3000, `${ms} ms`);
  });

  it("sends a 1 MB certificate: refused by the client's limits, named", async () => {
    const { r, ms } = await check("huge");
    assert.equal(r.trusted, false);
    const f = r.matrix.findings[0];
    assert.equal(f.code, "handshake-failed");
    assert.ok(["client-refused", "byte-limit"].includes(String(f.data?.kind)), String(f.data?.kind));
    assert.match(f.message, /excessive message size|more than 1,048,576 bytes|limit/);
    assert.ok(ms < TIMEOUT_MS + 3000, `${ms} ms`);
  });

  it("a port nobody listens on: connection-failed", async () => {
    const s = await startTcpServer(() => {});
    const port = s.port;
    await s.close();
    const r = await checkEndpoint(
      { host: "127.0.0.1", port },
      { clients, stores: store, timeoutMs: TIMEOUT_MS },
    );
    assert.equal(r.matrix.findings[0].code, "connection-failed");
    assert.match(r.matrix.findings[0].message, /connection refused/);
  });
});

describe("hostile servers: a scan over all of them, with good ones", () => {
  for (const mode of ["full", "fast"] as const) {
    it(`${mode} mode: good targets trusted, hostile ones failed with their reason, within the timeouts`, async () => {
      const list = [
        "good",
        "silent",
        "good12",
        "garbage",
        "reset",
        "good",
        "long",
        "huge",
        "good12",
        "silent",
        "good",
      ];
      async function* items(): AsyncGenerator<ScanItem> {
        for (const [i, name] of list.entries())
          yield { line: i + 1, text: `127.0.0.1:${ports[name]} localhost` };
      }
      const got: ScanSummary[] = [];
      const t0 = Date.now();
      const counts = await scanTargets(
        items(),
        { clients, stores: store, timeoutMs: TIMEOUT_MS, concurrency: 4, mode, aia: false },
        (s) => {
          got.push(s);
        },
      );
      const ms = Date.now() - t0;
      got.sort((a, b) => a.index - b.index);
      assert.equal(got.length, list.length);
      for (const [i, name] of list.entries()) {
        const s = got[i];
        if (name.startsWith("good"))
          assert.equal(s.status, "trusted", `${name}: ${JSON.stringify(s.findings)}`);
        // Java and Salesforce read at most 10 of the certificates sent.
        else if (name === "long") assert.equal(s.status, "untrusted", `${name}: ${s.status}`);
        else assert.equal(s.status, "failed", `${name}: ${s.status}`);
        if (name === "silent") assert.match(s.failure ?? "", /timeout/);
      }
      assert.equal(counts.trusted, 5);
      assert.equal(counts.failed, 5);
      // Four at a time, at most ~2 timeouts in a row per slot: well under the sum of all timeouts.
      assert.ok(ms < 4 * TIMEOUT_MS + 3000, `${ms} ms`);
    });
  }
});
