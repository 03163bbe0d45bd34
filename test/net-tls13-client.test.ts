/**
 * The own TLS 1.3 client (src/net/tls13-client.ts) against a server whose bytes are tampered with on the way:
 * a proxy flips one bit of what a real node TLS 1.3 server sends, at offsets through the whole flight
 * (record headers, the ServerHello, its key share, the encrypted EncryptedExtensions, Certificate,
 * CertificateVerify and Finished). Every such handshake must fail, with a named failure, in bounded time,
 * never complete and never throw: TLS 1.3 authenticates every byte after the ServerHello with its keys and the
 * ServerHello itself through the Finished. An untouched proxy lets the same handshake complete.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { ownTls13Handshake } from "../src/net/tls13-client.js";
import { makePki, type Running, startTcpServer, startTlsServer, type TestPki } from "./helpers/tls-server.js";

let pki: TestPki;
let server: Running;
before(async () => {
  pki = makePki("ec");
  server = await startTlsServer({ chain: [pki.leaf, pki.intermediate], minVersion: "TLSv1.3" });
});
after(async () => {
  await server?.close();
});

/** A proxy to the server that flips bit 0 of the server's byte at `offset` (none when undefined). */
function tamperingProxy(offset: number | undefined): Promise<Running> {
  return startTcpServer((client) => {
    const upstream = net.connect(server.port, "127.0.0.1");
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    client.on("data", (b) => upstream.write(b));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    let seen = 0;
    upstream.on("data", (b: Buffer) => {
      if (offset !== undefined && offset >= seen && offset < seen + b.length) {
        b = Buffer.from(b);
        b[offset - seen] ^= 1;
      }
      seen += b.length;
      client.write(b);
    });
  });
}

async function handshakeThrough(offset: number | undefined) {
  const proxy = await tamperingProxy(offset);
  try {
    const socket = net.connect(proxy.port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("error", reject);
    });
    return await ownTls13Handshake(socket, {
      servername: "leaf.example",
      requestOcsp: true,
      maxCertificates: 50,
      maxBytes: 1 << 20,
      timeoutMs: 1500,
    });
  } finally {
    await proxy.close();
  }
}

describe("own TLS 1.3 client: a tampered server flight never completes", () => {
  let flightBytes = 0;

  it("untouched, the handshake completes with the chain as sent", async () => {
    const out = await handshakeThrough(undefined);
    assert.equal(out.kind, "completed", JSON.stringify(out));
    if (out.kind !== "completed") return;
    assert.deepEqual(
      out.handshake.certificates.map((c) => Buffer.from(c).toString("hex")),
      [pki.leaf, pki.intermediate].map((c) => Buffer.from(c.der).toString("hex")),
    );
    assert.deepEqual(out.handshake.serverMessages, [
      "ServerHello",
      "EncryptedExtensions",
      "Certificate",
      "CertificateVerify",
      "Finished",
    ]);
    flightBytes = out.bytesRead;
    assert.ok(flightBytes > 500, `the server's flight: ${flightBytes} bytes`);
  });

  it("one bit flipped anywhere in the flight: handed back, never completed", async () => {
    assert.ok(flightBytes > 0, "the untouched run measured the flight");
    // Every record header and the ServerHello byte by byte would be slow; a stride through the whole flight
    // covers each region (headers, hello, key share, each encrypted message) and the last bytes (the Finished).
    const offsets = new Set<number>();
    for (let k = 0; k < 100; k += 3) offsets.add(k);
    for (let k = 100; k < flightBytes; k += 37) offsets.add(k);
    for (let k = Math.max(0, flightBytes - 40); k < flightBytes; k += 4) offsets.add(k);
    const kinds = new Map<string, number>();
    for (const k of offsets) {
      const out = await handshakeThrough(k);
      assert.notEqual(out.kind, "completed", `bit flipped at byte ${k} of ${flightBytes}: completed`);
      const label = out.kind === "retry" ? `retry ${out.with}: ${out.reason}` : out.kind;
      kinds.set(label, (kinds.get(label) ?? 0) + 1);
    }
    // What the tampering looked like to the client: named reasons, and a fallback the probe acts on.
    for (const label of kinds.keys()) assert.match(label, /^(retry (wire|native): .+|silent)$/);
    assert.ok(
      [...kinds.keys()].some((l) => l.includes("does not decrypt") || l.includes("does not verify")),
      [...kinds.keys()].join("; "),
    );
  });
});
