/**
 * The probe's own TLS 1.3 handshake (src/net/probe.ts, capture "own": chainproof's TLS 1.3 client,
 * ./tls13-client.ts), which a scan's full mode uses by default, against node's TLS ("native") and the capture
 * ("wire") on the same servers: one connection for a TLS 1.3 server, every field as the capture reads it (the
 * certificate list as sent: order, duplicates, extras, the cap; the staple, ALPN, SNI, the key exchange with a
 * P-256, RSA, Ed25519 or P-384 leaf); a server whose flight is rewritten in flight (another leaf, a wrong
 * Finished) refused as OpenSSL refuses it, and every rewritten flight node's client refuses (a message across a
 * key change, an extension not asked for or twice, an oversized message, a junk certificate, an empty record)
 * handed to the capture, never completed; what it does not handle (TLS 1.2, a HelloRetryRequest, an RSA-PSS
 * key, versions or ciphers or a client certificate chosen, a CertificateRequest, a failed handshake, a
 * certificate list OpenSSL refuses) answered as native and wire answer it, with the connections that took; a
 * scan of every lab endpoint giving the same results all three ways (the STARTTLS scan is in
 * test/net-probe-native.test.ts).
 * Connections are counted with a TCP proxy in front of the server (each probe attempt is one).
 */

import assert from "node:assert/strict";
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  generateKeyPairSync,
  sign,
} from "node:crypto";
import net from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import tls from "node:tls";
import { CLIENT_IDS } from "../src/clients/index.js";
import { type Lab, labCheckOptions, startLab } from "../src/lab/index.js";
import { forgetNodeServers, type ProbeOptions, type ProbeResult, probe } from "../src/net/probe.js";
import { type ScanSummary, scanTargets } from "../src/net/scan.js";
import { buildCertificate, generateKeyPair } from "../src/x509/builder.js";
import {
  fakeOcspResponse,
  haveIpv6Loopback,
  issue,
  makePki,
  type Running,
  startTcpServer,
  startTlsServer,
  type TestCert,
  type TestPki,
  type TlsServerOptions,
  tls12ServerHello,
} from "./helpers/tls-server.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const FAST: ProbeOptions = { connectTimeoutMs: 3000, handshakeTimeoutMs: 3000, totalTimeoutMs: 5000 };
/** What the server sends in a complete TLS 1.3 handshake without a CertificateRequest. */
const TLS13_FLIGHT = ["ServerHello", "EncryptedExtensions", "Certificate", "CertificateVerify", "Finished"];

let ec: TestPki;
let rsa: TestPki;
/** Another EC PKI: its leaf has a key the servers above do not hold. */
let other: TestPki;
before(() => {
  ec = makePki("ec");
  rsa = makePki("rsa");
  other = makePki("ec", "Other");
});
// A server handed to node's TLS is remembered by address and port, and the system hands ports out again: no
// test may inherit an earlier test's server.
beforeEach(() => {
  forgetNodeServers();
});

/** A TCP proxy in front of `upstream` counting the connections made to it (each probe attempt is one). */
async function countingProxy(upstream: Running): Promise<{ proxy: Running; connections: () => number }> {
  let connections = 0;
  const upstreams = new Set<net.Socket>();
  const proxy = await startTcpServer((client) => {
    connections++;
    const server = net.connect(upstream.port, upstream.host);
    upstreams.add(server);
    server.on("close", () => upstreams.delete(server));
    server.on("error", () => client.destroy());
    client.on("error", () => server.destroy());
    client.on("close", () => server.destroy());
    server.on("close", () => client.destroy());
    client.pipe(server);
    server.pipe(client);
  });
  return {
    proxy: {
      ...proxy,
      close: async () => {
        for (const s of upstreams) s.destroy();
        await proxy.close();
      },
    },
    connections: () => connections,
  };
}

interface ThreeWays {
  own: ProbeResult;
  native: ProbeResult;
  wire: ProbeResult;
  /** The connections the own probe made. */
  ownConnections: number;
}

/** Probe the same server with the own handshake, natively and with the capture. */
async function threeWays(server: TlsServerOptions, opts: ProbeOptions = {}): Promise<ThreeWays> {
  const s = await startTlsServer(server);
  const { proxy, connections } = await countingProxy(s);
  try {
    const target = { host: "127.0.0.1", port: proxy.port };
    const own = await probe(target, { ...FAST, ...opts, capture: "own" });
    const ownConnections = connections();
    const native = await probe(target, { ...FAST, ...opts, capture: "native" });
    const wire = await probe(target, { ...FAST, ...opts, capture: "wire" });
    return { own, native, wire, ownConnections };
  } finally {
    await proxy.close();
    await s.close();
  }
}

/** The fields every completed own handshake carries. */
function assertOwnHandshake(own: ProbeResult, signatureScheme: string): void {
  assert.equal(own.completed, true, own.failure?.message);
  assert.equal(own.failure, undefined);
  assert.equal(own.certificateSource, "wire");
  assert.equal(own.protocol, "TLSv1.3");
  assert.deepEqual(own.serverMessages, TLS13_FLIGHT);
  assert.equal(own.keyExchange?.group, "x25519");
  assert.equal(own.keyExchange?.signatureScheme, signatureScheme);
  assert.equal(own.helloRetryRequest, false);
  assert.deepEqual(own.alerts, []);
  assert.ok(
    own.notes.some((n) => n.startsWith("own TLS 1.3 handshake")),
    `a note names the own handshake: ${JSON.stringify(own.notes)}`,
  );
}

/**
 * A result as JSON shows it (absent and undefined alike), every field but the byte counts (the two
 * ClientHellos differ), the clock and the notes (each names its path); DER as hex.
 */
function asCaptured(r: ProbeResult): object {
  const { bytesRead: _r, bytesWritten: _w, timing: _t, notes: _n, certificates, ocsp, ...rest } = r;
  const shown = {
    ...rest,
    certificates: certificates.map(hex),
    ocsp: ocsp && { ...ocsp, der: hex(ocsp.der) },
  };
  return JSON.parse(JSON.stringify(shown));
}

/**
 * A leaf for localhost with a key the test PKI does not make (Ed25519, P-384, RSA-PSS), issued by `issuer`
 * through the product's builder.
 */
function leafWithKey(issuer: TestCert, kind: "ed25519" | "ec-p384" | "rsa-pss"): TestCert {
  const { privateKey, publicKey } =
    kind === "rsa-pss" ? generateKeyPairSync("rsa-pss", { modulusLength: 2048 }) : generateKeyPair(kind);
  const now = Date.now();
  const built = buildCertificate({
    subject: [["CN", "localhost"]],
    issuer: { name: issuer.name, key: issuer.key.pair.privateKey },
    publicKey,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 30 * 86400_000),
    eku: ["serverAuth"],
    keyUsage: ["digitalSignature"],
    san: [{ dns: "localhost" }, { ip: "127.0.0.1" }],
  });
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  // startTlsServer reads each certificate's PEM and the first one's key PEM; the rest keeps the issuer's
  // shape (TestCert holds a test-PKI key pair, which has none of these kinds).
  return {
    ...issuer,
    der: Buffer.from(built.der),
    pem: built.pem,
    key: { ...issuer.key, keyPem },
    cn: "localhost",
  };
}

// ---------------------------------------------------------------------------------------------------------
// A server whose flight is rewritten in flight: a proxy that holds the server's handshake traffic secret
// (from node's keylog event), decrypts the server's encrypted flight, changes it, and encrypts it again with
// the same keys, so what reaches the client decrypts cleanly and only the change is wrong. SHA-256 and
// AES-128-GCM (the server offers TLS_AES_128_GCM_SHA256 only); written here from RFC 8446, not with the
// probe's own key schedule, so a mistake there cannot hide one in the client.

/**
 * What the proxy does to the encrypted flight: nothing, another leaf, a wrong Finished, or hold it back; or a
 * flight node's client refuses (or, three ChangeCipherSpec records, takes), the CertificateVerify signed again
 * with the leaf's key and the Finished made to match, so only the named change is wrong:
 * - "split-N": the first N bytes of EncryptedExtensions appended, in the clear, to the ServerHello record;
 * - "ee-*": EncryptedExtensions with an empty server_name, ALPN naming two protocols, ALPN twice, or a 24 KB
 *   supported_groups extension;
 * - "leaf-*": a status_request or a signed_certificate_timestamp extension on the leaf's entry;
 * - "junk-entry": one more certificate entry, `30 01 00`;
 * - "empty-record": an empty encrypted handshake record before the Finished;
 * - "ccs-three": three ChangeCipherSpec records in a row (the server's own dropped) before the encrypted flight.
 */
type Tamper =
  | "none"
  | "swap-leaf"
  | "bad-finished"
  | "stall"
  | "split-1"
  | "split-2"
  | "split-3"
  | "ee-empty-sni"
  | "ee-alpn-two"
  | "ee-alpn-twice"
  | "ee-big-groups"
  | "leaf-status-request"
  | "leaf-sct"
  | "junk-entry"
  | "empty-record"
  | "ccs-three";

const u16b = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u24b = (n: number) => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
const u24at = (b: Buffer, i: number) => (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];

/** HKDF-Expand-Label (RFC 8446 7.1) with SHA-256, for lengths up to 32 bytes (one HMAC block). */
function expandLabel(secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`);
  const info = Buffer.concat([u16b(length), Buffer.from([full.length]), full, Buffer.from([0])]);
  return createHmac("sha256", secret)
    .update(Buffer.concat([info, Buffer.from([1])]))
    .digest()
    .subarray(0, length);
}

/** A handshake message: type, 3-byte length, body. */
const handshakeMessage = (type: number, body: Buffer) =>
  Buffer.concat([Buffer.from([type]), u24b(body.length), body]);

/** An extension: type, 2-byte length, data. */
const extension = (type: number, data: Buffer) => Buffer.concat([u16b(type), u16b(data.length), data]);

/** An ALPN extension (RFC 7301) naming `protocols`. */
function alpnExtension(protocols: string[]): Buffer {
  const list = Buffer.concat(protocols.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p)])));
  return extension(16, Buffer.concat([u16b(list.length), list]));
}

/** The EncryptedExtensions body (a 2-byte length, then extensions) with what `tamper` adds. */
function rewriteEncryptedExtensions(body: Buffer, tamper: Tamper): Buffer {
  const groups = Buffer.alloc(24_000, 0x17); // 12,000 times secp256r1: over OpenSSL's 20,000-byte limit
  const added: Partial<Record<Tamper, Buffer>> = {
    "ee-empty-sni": extension(0, Buffer.alloc(0)),
    "ee-alpn-two": alpnExtension(["h2", "http/1.1"]),
    "ee-alpn-twice": Buffer.concat([alpnExtension(["h2"]), alpnExtension(["h2"])]),
    "ee-big-groups": extension(10, Buffer.concat([u16b(groups.length), groups])),
  };
  const extensions = Buffer.concat([body.subarray(2), added[tamper] ?? Buffer.alloc(0)]);
  return Buffer.concat([u16b(extensions.length), extensions]);
}

/** A certificate entry (RFC 8446 4.4.2): the certificate and its extensions block. */
interface CertificateEntry {
  cert: Buffer;
  extensions: Buffer;
}

/** The Certificate message body with its entries changed by `change`. */
function rewriteCertificate(
  body: Buffer,
  change: (entries: CertificateEntry[]) => CertificateEntry[],
): Buffer {
  const contextEnd = 1 + body[0];
  let i = contextEnd + 3;
  const entries: CertificateEntry[] = [];
  while (i < body.length) {
    const certLength = u24at(body, i);
    const cert = body.subarray(i + 3, i + 3 + certLength);
    const extLength = body.readUInt16BE(i + 3 + certLength);
    entries.push({ cert, extensions: body.subarray(i + 5 + certLength, i + 5 + certLength + extLength) });
    i += 5 + certLength + extLength;
  }
  const list = Buffer.concat(
    change(entries).flatMap((e) => [u24b(e.cert.length), e.cert, u16b(e.extensions.length), e.extensions]),
  );
  return Buffer.concat([body.subarray(0, contextEnd), u24b(list.length), list]);
}

/** The Certificate message body as `tamper` changes it (another leaf; an extension on the leaf; junk appended). */
function tamperCertificate(body: Buffer, tamper: Tamper, otherLeaf: Buffer): Buffer {
  const onLeaf = (entries: CertificateEntry[], ext: Buffer) =>
    entries.map((e, i) => (i === 0 ? { ...e, extensions: Buffer.concat([e.extensions, ext]) } : e));
  switch (tamper) {
    case "swap-leaf":
      return rewriteCertificate(body, (entries) =>
        entries.map((e, i) => (i === 0 ? { ...e, cert: otherLeaf } : e)),
      );
    case "leaf-status-request": {
      const staple = fakeOcspResponse();
      const status = Buffer.concat([Buffer.from([1]), u24b(staple.length), staple]); // CertificateStatus, ocsp
      return rewriteCertificate(body, (entries) => onLeaf(entries, extension(5, status)));
    }
    case "leaf-sct": // a SignedCertificateTimestampList holding one empty SCT
      return rewriteCertificate(body, (entries) => onLeaf(entries, extension(18, Buffer.from([0, 2, 0, 0]))));
    case "junk-entry":
      return rewriteCertificate(body, (entries) => [
        ...entries,
        { cert: Buffer.from([0x30, 0x01, 0x00]), extensions: Buffer.alloc(0) },
      ]);
    default:
      return body;
  }
}

/** A CertificateVerify body (RFC 8446 4.4.3) over `transcriptHash`, signed with an ECDSA P-256 `keyPem`. */
function certificateVerify(keyPem: string, transcriptHash: Buffer): Buffer {
  const content = Buffer.concat([
    Buffer.alloc(64, 0x20),
    Buffer.from("TLS 1.3, server CertificateVerify"),
    Buffer.from([0]),
    transcriptHash,
  ]);
  const signature = sign("sha256", content, keyPem);
  return Buffer.concat([u16b(0x0403), u16b(signature.length), signature]);
}

/** A TLS 1.3 server (TLS_AES_128_GCM_SHA256 only) behind a proxy that rewrites its flight as `tamper` says. */
async function startTamperedServer(
  chain: TestCert[],
  tamper: Tamper,
  otherLeaf: TestCert,
): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const secrets = new Map<string, Buffer>();
  const waiting = new Map<string, (s: Buffer) => void>();
  const server = tls.createServer({
    key: chain[0].key.keyPem,
    cert: chain.map((c) => c.pem).join(""),
    minVersion: "TLSv1.3",
    ciphers: "TLS_AES_128_GCM_SHA256",
  });
  server.on("keylog", (line: Buffer) => {
    const [label, random, secret] = line.toString().trim().split(" ");
    if (label !== "SERVER_HANDSHAKE_TRAFFIC_SECRET") return;
    secrets.set(random, Buffer.from(secret, "hex"));
    waiting.get(random)?.(Buffer.from(secret, "hex"));
  });
  server.on("secureConnection", (s) => {
    s.on("error", () => {});
    s.end("hello\n");
  });
  server.on("tlsClientError", () => {});
  const upstream = await new Promise<Running>((resolve) => {
    const sockets = new Set<net.Socket>();
    server.on("connection", (s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        host: "127.0.0.1",
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
  const secretFor = (random: string) =>
    new Promise<Buffer>((resolve) => {
      const known = secrets.get(random);
      if (known) resolve(known);
      else waiting.set(random, resolve);
    });

  let connections = 0;
  const proxy = await startTcpServer((client) => {
    connections++;
    const up = net.connect(upstream.port, upstream.host);
    up.on("error", () => client.destroy());
    client.on("error", () => up.destroy());
    client.on("close", () => up.destroy());
    up.on("close", () => client.destroy());
    const transcript: Buffer[] = [];
    // This connection's server handshake traffic secret, looked up by the ClientHello's random.
    let secretAsked = false;
    let gotSecret: (s: Buffer) => void = () => {};
    const secretPromise = new Promise<Buffer>((r) => {
      gotSecret = r;
    });
    // Client to server: unchanged; the ClientHello (the first record) goes into the transcript.
    let fromClient = Buffer.alloc(0);
    client.on("data", (b: Buffer) => {
      up.write(b);
      if (secretAsked) return;
      fromClient = Buffer.concat([fromClient, b]);
      if (fromClient.length < 5) return;
      const length = fromClient.readUInt16BE(3);
      if (fromClient.length < 5 + length) return;
      const hello = fromClient.subarray(5, 5 + length);
      transcript.push(hello);
      secretAsked = true;
      secretFor(hello.subarray(6, 38).toString("hex")).then(gotSecret);
    });
    // Server to client: records in order, the encrypted flight rewritten.
    let fromServer = Buffer.alloc(0);
    let phase: "plain" | "flight" | "pass" = "plain";
    let work = Promise.resolve();
    let readSeq = 0;
    let writeSeq = 0;
    let flight = Buffer.alloc(0);
    up.on("data", (b: Buffer) => {
      fromServer = Buffer.concat([fromServer, b]);
      while (fromServer.length >= 5 && fromServer.length >= 5 + fromServer.readUInt16BE(3)) {
        const record = fromServer.subarray(0, 5 + fromServer.readUInt16BE(3));
        fromServer = fromServer.subarray(record.length);
        // A record the proxy cannot handle ends the connection (the control test shows none comes).
        work = work
          .then(() => onServerRecord(record))
          .catch(() => {
            client.destroy();
          });
      }
    });
    const seal = (secret: Buffer, inner: Buffer): Buffer => {
      const key = expandLabel(secret, "key", 16);
      const iv = expandLabel(secret, "iv", 12);
      const nonce = Buffer.from(iv);
      nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ writeSeq++) >>> 0, 8);
      const header = Buffer.from([23, 3, 3, 0, 0]);
      header.writeUInt16BE(inner.length + 16, 3);
      const c = createCipheriv("aes-128-gcm", key, nonce);
      c.setAAD(header);
      const body = Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]);
      return Buffer.concat([header, body]);
    };
    const open = (secret: Buffer, record: Buffer): Buffer => {
      const key = expandLabel(secret, "key", 16);
      const iv = expandLabel(secret, "iv", 12);
      const nonce = Buffer.from(iv);
      nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ readSeq++) >>> 0, 8);
      const d = createDecipheriv("aes-128-gcm", key, nonce);
      d.setAAD(record.subarray(0, 5));
      d.setAuthTag(record.subarray(record.length - 16));
      const inner = Buffer.concat([d.update(record.subarray(5, record.length - 16)), d.final()]);
      let end = inner.length - 1;
      while (inner[end] === 0) end--;
      return inner.subarray(0, end + 1); // the content type (22) last
    };
    // What a split holds back: the ServerHello record, sent with the first bytes of the encrypted flight.
    const splitBytes = tamper.startsWith("split-") ? Number(tamper.slice(6)) : 0;
    let heldServerHello: Buffer | undefined;
    let ccsInjected = false;
    // Whether EncryptedExtensions or the Certificate message changed: then the CertificateVerify is signed again.
    let rewritten = false;
    // The plaintext messages sealed again, at most 16,000 bytes a record (a 24 KB message takes two).
    const sealMessage = (secret: Buffer, message: Buffer): Buffer[] => {
      const records: Buffer[] = [];
      for (let o = 0; o < message.length; o += 16_000) {
        records.push(seal(secret, Buffer.concat([message.subarray(o, o + 16_000), Buffer.from([22])])));
      }
      return records;
    };
    const onServerRecord = async (record: Buffer): Promise<void> => {
      if (phase === "plain" && record[0] === 22) {
        transcript.push(record.subarray(5));
        phase = "flight";
        if (splitBytes) {
          heldServerHello = record;
          return;
        }
      } else if (phase === "flight" && record[0] === 20 && (splitBytes || tamper === "ccs-three")) {
        return; // the server's ChangeCipherSpec: none before a split ServerHello, three of the proxy's instead
      } else if (phase === "flight" && record[0] === 23) {
        if (tamper === "stall") return;
        const secret = await secretPromise;
        const inner = open(secret, record);
        flight = Buffer.concat([flight, inner.subarray(0, inner.length - 1)]);
        const messages: Buffer[] = [];
        while (flight.length >= 4 && flight.length >= 4 + u24at(flight, 1)) {
          const type = flight[0];
          const sent: Buffer = flight.subarray(4, 4 + u24at(flight, 1));
          flight = flight.subarray(4 + sent.length);
          let body = sent;
          if (type === 8) body = rewriteEncryptedExtensions(sent, tamper);
          if (type === 11) body = tamperCertificate(sent, tamper, otherLeaf.der);
          rewritten ||= !body.equals(sent);
          if (type === 15 && rewritten && tamper !== "swap-leaf") {
            body = certificateVerify(
              chain[0].key.keyPem,
              createHash("sha256").update(Buffer.concat(transcript)).digest(),
            );
          }
          if (type === 20) {
            const finishedKey = expandLabel(secret, "finished", 32);
            const hash = createHash("sha256").update(Buffer.concat(transcript)).digest();
            body = createHmac("sha256", finishedKey).update(hash).digest();
            if (tamper === "bad-finished") body[0] ^= 1;
            phase = "pass";
          }
          const message = handshakeMessage(type, body);
          transcript.push(message);
          messages.push(message);
        }
        const out: Buffer[] = [];
        if (heldServerHello && messages.length) {
          // The ServerHello record with the first bytes of EncryptedExtensions, in the clear, after it.
          const hello = Buffer.concat([heldServerHello.subarray(5), messages[0].subarray(0, splitBytes)]);
          out.push(Buffer.concat([Buffer.from([22, 3, 3]), u16b(hello.length), hello]));
          messages[0] = messages[0].subarray(splitBytes);
          heldServerHello = undefined;
        }
        if (tamper === "ccs-three" && !ccsInjected) {
          ccsInjected = true;
          const ccs = Buffer.from([20, 3, 3, 0, 1, 1]);
          out.push(ccs, ccs, ccs);
        }
        for (const message of messages) {
          if (tamper === "empty-record" && message[0] === 20) out.push(seal(secret, Buffer.from([22])));
          out.push(...sealMessage(secret, message));
        }
        if (!client.destroyed) client.write(Buffer.concat(out));
        return;
      }
      if (!client.destroyed) client.write(record);
    };
  });
  return {
    port: proxy.port,
    connections: () => connections,
    close: async () => {
      await proxy.close();
      await upstream.close();
    },
  };
}

describe("own probe: a TLS 1.3 handshake of its own, the certificate list exactly as sent", () => {
  for (const [kind, scheme] of [
    ["ec", "ecdsa_secp256r1_sha256"],
    ["rsa", "rsa_pss_rsae_sha256"],
  ] as const) {
    it(`${kind}: out of order, with an unrelated extra and a duplicate; one connection`, async () => {
      const p = kind === "ec" ? ec : rsa;
      const chain = [p.leaf, p.root, p.stranger, p.intermediate, p.intermediate];
      const { own, native, wire, ownConnections } = await threeWays({ chain });
      assertOwnHandshake(own, scheme);
      assert.equal(ownConnections, 1, "no second connection");
      assert.deepEqual(
        own.certificates.map(hex),
        chain.map((c) => hex(c.der)),
      );
      assert.deepEqual(own.certificates.map(hex), native.certificates.map(hex));
      assert.deepEqual(own.certificates.map(hex), wire.certificates.map(hex));
      assert.equal(own.certificateCount, 5);
      assert.equal(native.certificateCount, 5);
      assert.equal(wire.certificateCount, 5);
      assert.equal(native.protocol, "TLSv1.3");
      assert.equal(wire.protocol, "TLSv1.3");
      assert.equal(own.cipher?.name, native.cipher?.name);
      assert.equal(own.cipher?.name, wire.cipher?.name);
      assert.deepEqual(asCaptured(own), asCaptured(wire), "every field as the capture reads it");
      assert.equal(own.alpn, undefined, "none offered");
      assert.equal(own.servername, null, "no SNI for an IP address");
      assert.equal(own.address, "127.0.0.1");
    });
  }

  it("the list capped at maxCertificates, every certificate counted", async () => {
    const chain = [rsa.leaf, rsa.intermediate, rsa.root, rsa.stranger];
    const { own, native, wire, ownConnections } = await threeWays({ chain }, { maxCertificates: 2 });
    assertOwnHandshake(own, "rsa_pss_rsae_sha256");
    assert.equal(ownConnections, 1);
    assert.deepEqual(own.certificates.map(hex), [hex(rsa.leaf.der), hex(rsa.intermediate.der)]);
    assert.deepEqual(own.certificates.map(hex), native.certificates.map(hex));
    assert.deepEqual(own.certificates.map(hex), wire.certificates.map(hex));
    assert.equal(own.certificateCount, 4);
    assert.equal(native.certificateCount, 4);
    const capNote = "the server sent 4 certificates; kept the first 2";
    assert.ok(own.notes.includes(capNote), JSON.stringify(own.notes));
    assert.ok(native.notes.includes(capNote));
  });

  it("more certificates than the default cap (50): the first 50 kept, 60 counted", async () => {
    const chain = [ec.leaf, ...Array.from({ length: 59 }, () => ec.intermediate)];
    const { own, wire, ownConnections } = await threeWays({ chain });
    assertOwnHandshake(own, "ecdsa_secp256r1_sha256");
    assert.equal(ownConnections, 1);
    assert.equal(own.certificates.length, 50);
    assert.equal(own.certificateCount, 60);
    assert.ok(own.notes.includes("the server sent 60 certificates; kept the first 50"));
    assert.deepEqual(asCaptured(own), asCaptured(wire));
  });

  it("a Certificate message over several records (a 60 KB leaf)", async () => {
    const big = issue({ cn: "localhost", keyKind: "ec", padding: 60_000 });
    const chain = [big, ec.intermediate, ec.root];
    const { own, wire, ownConnections } = await threeWays({ chain });
    assertOwnHandshake(own, "ecdsa_secp256r1_sha256");
    assert.equal(ownConnections, 1);
    assert.deepEqual(
      own.certificates.map(hex),
      chain.map((c) => hex(c.der)),
    );
    assert.deepEqual(asCaptured(own), asCaptured(wire));
  });

  it("ALPN and a stapled OCSP response equal to native's and the capture's", async () => {
    const ocsp = fakeOcspResponse();
    const { own, native, wire, ownConnections } = await threeWays(
      { chain: [ec.leaf, ec.intermediate], ocspResponse: ocsp, ALPNProtocols: ["h2"] },
      { alpn: ["h2", "http/1.1"] },
    );
    assertOwnHandshake(own, "ecdsa_secp256r1_sha256");
    assert.equal(ownConnections, 1);
    assert.equal(own.alpn, "h2");
    assert.equal(native.alpn, "h2");
    assert.equal(wire.alpn, "h2");
    assert.equal(hex(own.ocsp?.der ?? new Uint8Array()), hex(ocsp));
    assert.equal(hex(own.ocsp?.der ?? new Uint8Array()), hex(native.ocsp?.der ?? new Uint8Array()));
    assert.deepEqual(own.ocsp?.summary, native.ocsp?.summary);
    assert.deepEqual(own.ocsp?.summary, wire.ocsp?.summary);
    assert.deepEqual(asCaptured(own), asCaptured(wire));
    assert.deepEqual(
      own.certificates.map(hex),
      [ec.leaf, ec.intermediate].map((c) => hex(c.der)),
    );
  });

  it("no staple asked for (requestOcsp false): none reported, as natively", async () => {
    const { own, native } = await threeWays(
      { chain: [ec.leaf, ec.intermediate], ocspResponse: fakeOcspResponse() },
      { requestOcsp: false },
    );
    assertOwnHandshake(own, "ecdsa_secp256r1_sha256");
    assert.equal(own.ocsp, undefined);
    assert.equal(native.ocsp, undefined);
  });

  for (const [label, kind, scheme] of [
    ["an Ed25519 leaf", "ed25519", "ed25519"],
    ["a P-384 leaf", "ec-p384", "ecdsa_secp384r1_sha384"],
  ] as const) {
    it(`${label}: the CertificateVerify checked with its key (${scheme})`, async () => {
      const leaf = leafWithKey(ec.intermediate, kind);
      const chain = [leaf, ec.intermediate, ec.root];
      const { own, native, wire, ownConnections } = await threeWays({ chain });
      assertOwnHandshake(own, scheme);
      assert.equal(ownConnections, 1);
      assert.deepEqual(
        own.certificates.map(hex),
        chain.map((c) => hex(c.der)),
      );
      assert.deepEqual(own.certificates.map(hex), native.certificates.map(hex));
      assert.deepEqual(asCaptured(own), asCaptured(wire));
    });
  }
});

/** The EC chain the rewriting proxy's server sends. */
const tamperedChain = () => [ec.leaf, ec.intermediate];

/**
 * The own probe, then the capture, through the same rewriting proxy (an IP target: no SNI), with the
 * connections the own probe made.
 */
async function probeTampered(tamper: Tamper, opts: ProbeOptions = FAST) {
  const s = await startTamperedServer(tamperedChain(), tamper, other.leaf);
  try {
    const target = { host: "127.0.0.1", port: s.port };
    const own = await probe(target, { ...opts, capture: "own" });
    const ownConnections = s.connections();
    const wire = await probe(target, { ...opts, capture: "wire" });
    return { own, wire, ownConnections };
  } finally {
    await s.close();
  }
}

describe("own probe: the server proves its key and its transcript (a flight rewritten in flight)", () => {
  const chain = tamperedChain;

  it("the flight decrypted and encrypted again unchanged: completed (the rewriting itself is sound)", async () => {
    const { own, wire, ownConnections } = await probeTampered("none");
    assertOwnHandshake(own, "ecdsa_secp256r1_sha256");
    assert.equal(ownConnections, 1);
    assert.equal(own.cipher?.name, "TLS_AES_128_GCM_SHA256");
    assert.deepEqual(
      own.certificates.map(hex),
      chain().map((c) => hex(c.der)),
    );
    assert.equal(wire.completed, true, wire.failure?.message);
  });

  it("another leaf in the Certificate message, the Finished made to match: refused, as OpenSSL refuses it", async () => {
    const { own, wire, ownConnections } = await probeTampered("swap-leaf");
    assert.equal(own.completed, false, "a CertificateVerify from another key is not a handshake");
    assert.equal(ownConnections, 2, "the own attempt, then the capture");
    assert.match(wire.failure?.message ?? "", /bad signature/);
    assert.deepEqual(own.failure, wire.failure);
    assert.ok(!own.notes.some((n) => n.startsWith("own TLS 1.3 handshake")));
  });

  it("a wrong server Finished: refused, as OpenSSL refuses it", async () => {
    const { own, wire, ownConnections } = await probeTampered("bad-finished");
    assert.equal(own.completed, false, "a Finished that does not verify is not a handshake");
    assert.equal(ownConnections, 2, "the own attempt, then the capture");
    assert.match(wire.failure?.message ?? "", /digest check failed/);
    assert.deepEqual(own.failure, wire.failure);
  });

  it("a server that stops after ServerHello: the capture says where it stopped", async () => {
    const quick = { handshakeTimeoutMs: 300, totalTimeoutMs: 5000 };
    const { own, wire, ownConnections } = await probeTampered("stall", quick);
    assert.equal(own.completed, false);
    assert.equal(ownConnections, 2, "the own attempt, then the capture");
    assert.equal(own.failure?.kind, "handshake-timeout");
    assert.equal(own.protocol, "TLSv1.3");
    assert.deepEqual(own.failure, wire.failure);
  });
});

describe("own probe: a flight node refuses is never completed by the own client", () => {
  const ownAndWire = (tamper: Tamper, opts: ProbeOptions = {}) => probeTampered(tamper, { ...FAST, ...opts });
  /**
   * node refuses the flight, for the reason OpenSSL gives (`refusal`, matched against its error line: the
   * proxy changed only what the case names); the own client handed it over, so the probe ends as the capture.
   */
  function assertHandedOver({ own, wire }: { own: ProbeResult; wire: ProbeResult }, refusal: RegExp): void {
    assert.equal(wire.completed, false, "node's client refuses this flight");
    assert.equal(wire.failure?.kind, "client-refused");
    assert.match(wire.failure?.detail ?? "", refusal);
    assert.equal(own.completed, wire.completed);
    assert.deepEqual(own.failure, wire.failure);
    assert.deepEqual(own.certificates.map(hex), wire.certificates.map(hex));
    assert.ok(
      !own.notes.some((n) => n.startsWith("own TLS 1.3 handshake")),
      `not completed by the own client: ${JSON.stringify(own.notes)}`,
    );
  }

  for (const n of [1, 2, 3] as const) {
    it(`the first ${n} byte(s) of EncryptedExtensions in the ServerHello record (across a key change)`, async () => {
      assertHandedOver(await ownAndWire(`split-${n}`), /tls_process_server_hello:not on record boundary/);
    });
  }

  it("an empty server_name in EncryptedExtensions, no SNI sent (an IP target)", async () => {
    assertHandedOver(await ownAndWire("ee-empty-sni"), /tls_collect_extensions:unsolicited extension/);
  });

  it("ALPN in EncryptedExtensions naming two protocols, both offered", async () => {
    assertHandedOver(
      await ownAndWire("ee-alpn-two", { alpn: ["h2", "http/1.1"] }),
      /tls_parse_stoc_alpn:bad extension/,
    );
  });

  it("ALPN twice in EncryptedExtensions, the same offered protocol", async () => {
    assertHandedOver(
      await ownAndWire("ee-alpn-twice", { alpn: ["h2"] }),
      /tls_collect_extensions:bad extension/,
    );
  });

  it("a 24 KB supported_groups extension in EncryptedExtensions (over OpenSSL's 20,000-byte limit)", async () => {
    const both = await ownAndWire("ee-big-groups");
    assertHandedOver(both, /excessive message size/);
    // The failure names the message over its limit, not the Certificate that came after it.
    assert.match(
      both.wire.failure?.message ?? "",
      /refused the server's EncryptedExtensions message of 24,0\d\d bytes: excessive message size \(OpenSSL's limit: 20,000 bytes\)/,
    );
  });

  it("a status_request extension on the leaf when no staple was asked for (requestOcsp false)", async () => {
    assertHandedOver(
      await ownAndWire("leaf-status-request", { requestOcsp: false }),
      /tls_collect_extensions:unsolicited extension/,
    );
  });

  it("a signed_certificate_timestamp extension on the leaf (none asked for)", async () => {
    assertHandedOver(await ownAndWire("leaf-sct"), /tls_parse_stoc_sct:bad extension/);
  });

  it("an extra certificate entry that is junk DER (30 01 00)", async () => {
    assertHandedOver(await ownAndWire("junk-entry"), /ASN1_get_object:header too long/);
  });

  it("an empty encrypted handshake record", async () => {
    assertHandedOver(await ownAndWire("empty-record"), /ssl3_get_record:bad length/);
  });

  it("three ChangeCipherSpec records in a row: node completes, so does the own client, the same certificates", async () => {
    const { own, wire } = await ownAndWire("ccs-three");
    assert.equal(wire.completed, true, wire.failure?.message);
    assertOwnHandshake(own, "ecdsa_secp256r1_sha256");
    assert.deepEqual(
      own.certificates.map(hex),
      tamperedChain().map((c) => hex(c.der)),
    );
    assert.deepEqual(own.certificates.map(hex), wire.certificates.map(hex));
  });
});

describe("own probe: SNI, IPv6, and a cancelled probe", () => {
  it("SNI: the servername given reaches the server", async () => {
    const names: string[] = [];
    const s = await startTlsServer({ chain: [ec.leaf, ec.intermediate], onServername: (n) => names.push(n) });
    try {
      const own = await probe(
        { host: "127.0.0.1", port: s.port, servername: "test.example" },
        { ...FAST, capture: "own" },
      );
      assertOwnHandshake(own, "ecdsa_secp256r1_sha256");
      assert.equal(own.servername, "test.example");
      assert.deepEqual(names, ["test.example"]);
    } finally {
      await s.close();
    }
  });

  it("IPv6 loopback: the same handshake over ::1", async (t) => {
    if (!(await haveIpv6Loopback())) {
      t.skip("no ::1 on this machine");
      return;
    }
    const s = await startTlsServer({ chain: [ec.leaf, ec.intermediate], host: "::1" });
    try {
      const own = await probe({ host: "::1", port: s.port }, { ...FAST, capture: "own" });
      assertOwnHandshake(own, "ecdsa_secp256r1_sha256");
      assert.equal(own.address, "::1");
      assert.equal(own.family, 6);
    } finally {
      await s.close();
    }
  });

  it("aborted during the handshake: cancelled, no second connection", async () => {
    let connections = 0;
    const controller = new AbortController();
    const s = await startTcpServer((c) => {
      connections++;
      c.once("data", () => controller.abort());
    });
    try {
      const own = await probe(
        { host: "127.0.0.1", port: s.port },
        { ...FAST, capture: "own", signal: controller.signal },
      );
      assert.equal(own.completed, false);
      assert.equal(own.failure?.kind, "cancelled");
      assert.equal(connections, 1);
    } finally {
      await s.close();
    }
  });
});

describe("own probe: what it does not handle, the native path answers (a second connection)", () => {
  it("a TLS 1.2 server: node's result, from a second connection", async () => {
    const chain = [ec.leaf, ec.root, ec.intermediate, ec.intermediate];
    const { own, native, ownConnections } = await threeWays({ chain, maxVersion: "TLSv1.2" });
    assert.equal(ownConnections, 2, "the own attempt, then native");
    assert.equal(own.completed, true, own.failure?.message);
    assert.equal(own.certificateSource, "node");
    assert.equal(own.protocol, "TLSv1.2");
    assert.equal(own.cipher?.name, native.cipher?.name);
    assert.deepEqual(
      own.certificates.map(hex),
      chain.map((c) => hex(c.der)),
    );
    assert.equal(own.certificateCount, native.certificateCount);
  });

  it("a TLS 1.2 server probed again: straight to node's TLS (remembered), the same result", async () => {
    const chain = [rsa.leaf, rsa.intermediate];
    const s = await startTlsServer({ chain, maxVersion: "TLSv1.2" });
    const { proxy, connections } = await countingProxy(s);
    try {
      const target = { host: "127.0.0.1", port: proxy.port };
      const first = await probe(target, { ...FAST, capture: "own" });
      assert.equal(connections(), 2, "the own attempt, then native");
      const again = await probe(target, { ...FAST, capture: "own" });
      assert.equal(connections(), 3, "one more connection: native only");
      assert.equal(again.certificateSource, "node");
      assert.deepEqual(asCaptured(again), asCaptured(first));
    } finally {
      await proxy.close();
      await s.close();
    }
  });

  it("a server whose only group is P-256 (HelloRetryRequest): node's result, from a second connection", async () => {
    const chain = [rsa.leaf, rsa.intermediate];
    const { own, native, ownConnections } = await threeWays({ chain, ecdhCurve: "P-256" });
    assert.equal(ownConnections, 2, "the own attempt, then native");
    assert.equal(own.completed, true, own.failure?.message);
    assert.equal(own.certificateSource, "node");
    assert.equal(own.protocol, "TLSv1.3");
    assert.equal(own.cipher?.name, native.cipher?.name);
    assert.deepEqual(own.certificates.map(hex), native.certificates.map(hex));
    assert.deepEqual(
      own.certificates.map(hex),
      chain.map((c) => hex(c.der)),
    );
  });

  it("an RSA-PSS key (rsa_pss_pss, not checked here): node's result, from a second connection", async () => {
    const chain = [leafWithKey(rsa.intermediate, "rsa-pss"), rsa.intermediate];
    const { own, native, wire, ownConnections } = await threeWays({ chain });
    assert.equal(wire.keyExchange?.signatureScheme, "rsa_pss_pss_sha256", "the server signed as intended");
    assert.equal(ownConnections, 2, "the own attempt, then native");
    assert.equal(own.completed, true, own.failure?.message);
    assert.equal(own.certificateSource, "node");
    assert.equal(own.protocol, "TLSv1.3");
    assert.deepEqual(
      own.certificates.map(hex),
      chain.map((c) => hex(c.der)),
    );
    assert.deepEqual(own.certificates.map(hex), native.certificates.map(hex));
  });

  for (const [label, opts] of [
    ["TLS 1.3 only", { minVersion: "TLSv1.3" }],
    ["TLS 1.2 at most", { maxVersion: "TLSv1.2" }],
    ["ciphers chosen", { ciphers: "TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256" }],
    ["legacy versions allowed", { legacy: true }],
  ] as const) {
    it(`${label}: node's TLS offers what was asked, one connection`, async () => {
      const chain = [ec.leaf, ec.intermediate];
      const { own, native, ownConnections } = await threeWays({ chain }, opts);
      assert.equal(ownConnections, 1, "never tried with the own handshake");
      assert.equal(own.completed, true, own.failure?.message);
      assert.equal(own.certificateSource, "node");
      assert.equal(own.protocol, native.protocol);
      assert.equal(own.cipher?.name, native.cipher?.name);
      assert.deepEqual(own.certificates.map(hex), native.certificates.map(hex));
    });
  }

  it("a client certificate in the options: straight to native, one connection", async () => {
    const chain = [ec.leaf, ec.intermediate];
    const clientCert = { cert: rsa.leaf.pem + rsa.intermediate.pem, key: rsa.leaf.key.keyPem };
    const { own, native, ownConnections } = await threeWays({ chain }, { clientCert });
    assert.equal(ownConnections, 1, "never tried with the own handshake");
    assert.equal(own.completed, true, own.failure?.message);
    assert.equal(own.certificateSource, "node");
    assert.equal(own.protocol, "TLSv1.3");
    assert.deepEqual(own.certificates.map(hex), native.certificates.map(hex));
    assert.ok(!own.notes.some((n) => n.startsWith("own TLS 1.3 handshake")), JSON.stringify(own.notes));
  });

  it("a server asking for a client certificate: the capture's answer (its CA names, its verdict)", async () => {
    const { own, wire } = await threeWays({
      chain: [rsa.leaf, rsa.intermediate],
      requestCert: true,
      rejectUnauthorized: false,
      ca: [rsa.root.pem, ec.root.pem],
    });
    assert.equal(own.certificateSource, "wire", "the capture answered");
    assert.deepEqual(own.certificateRequest?.certificateAuthorities.map(hex), [
      hex(rsa.root.name),
      hex(ec.root.name),
    ]);
    assert.deepEqual(own.certificateRequest, wire.certificateRequest);
    assert.deepEqual(own.clientCertificate, wire.clientCertificate);
    assert.deepEqual(own.certificates.map(hex), [hex(rsa.leaf.der), hex(rsa.intermediate.der)]);
    assert.deepEqual(own.certificates.map(hex), wire.certificates.map(hex));
    assert.deepEqual(own.serverMessages, wire.serverMessages);
  });

  describe("a failed handshake gives the capture's failure", () => {
    const servers: Running[] = [];
    after(async () => {
      for (const s of servers) await s.close();
    });
    it("a server that stalls after a TLS 1.2 ServerHello: the capture says where it stopped", async () => {
      const s = await startTcpServer((c) => {
        c.once("data", () => c.write(tls12ServerHello()));
      });
      servers.push(s);
      const target = { host: "127.0.0.1", port: s.port };
      const quick = { handshakeTimeoutMs: 300, totalTimeoutMs: 5000 };
      const own = await probe(target, { ...quick, capture: "own" });
      const wire = await probe(target, { ...quick, capture: "wire" });
      assert.equal(own.completed, false);
      assert.equal(own.failure?.kind, "handshake-timeout");
      assert.equal(own.protocol, "TLSv1.2");
      assert.deepEqual(own.failure, wire.failure);
    });

    it("a 200 KB certificate: OpenSSL's refusal, as the capture reports it", async () => {
      const big = issue({ cn: "localhost", keyKind: "ec", padding: 200_000 });
      const { own, wire } = await threeWays({ chain: [big] });
      assert.equal(own.completed, false, "the same verdict as node's TLS: no handshake");
      assert.equal(own.failure?.kind, "client-refused");
      assert.deepEqual(own.failure, wire.failure);
      assert.deepEqual(own.certificates.map(hex), [hex(big.der)]);
    });

    it("a ~2 MB Certificate message: the byte cap", async () => {
      const big = issue({ cn: "localhost", keyKind: "ec", padding: 1_000_000 });
      const { own } = await threeWays({ chain: [big, big] });
      assert.equal(own.completed, false);
      assert.equal(own.failure?.kind, "byte-limit");
      assert.match(own.failure?.message ?? "", /1,048,576 bytes/);
      assert.ok(own.bytesRead <= 1024 * 1024 + 65536, `stopped reading early (${own.bytesRead} bytes)`);
    });

    it("more bytes than maxBytes: the byte cap", async () => {
      const chain = [rsa.leaf, rsa.intermediate, rsa.root];
      const { own, wire } = await threeWays({ chain }, { maxBytes: 2048 });
      assert.equal(own.completed, false);
      assert.equal(own.failure?.kind, "byte-limit");
      assert.equal(wire.failure?.kind, "byte-limit");
      assert.match(own.failure?.message ?? "", /2,048 bytes/);
    });

    it("no ALPN protocol in common: the server's alert, as the capture reads it", async () => {
      const { own, wire } = await threeWays(
        { chain: [ec.leaf, ec.intermediate], ALPNProtocols: ["h2"] },
        { alpn: ["http/1.1"] },
      );
      assert.equal(wire.completed, false, "node's server refuses a client with no protocol it speaks");
      assert.equal(own.completed, false);
      assert.deepEqual(own.failure, wire.failure);
      assert.deepEqual(own.alerts, wire.alerts);
    });
  });
});

describe("scan: the own handshake gives every lab endpoint the result native and the capture give", () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab();
  });
  after(async () => {
    await lab?.close();
  });

  async function scanLab(probeOptions: ProbeOptions, time: Date): Promise<Omit<ScanSummary, "ms">[]> {
    const results: Omit<ScanSummary, "ms">[] = [];
    const items = lab.endpoints.map((e, i) => ({ line: i + 1, text: `${e.host}:${e.port}` }));
    await scanTargets(
      items,
      {
        ...labCheckOptions(lab, CLIENT_IDS),
        concurrency: 4,
        prepare: async (t) => ({ target: { host: t.host, port: t.port, connectTo: lab.address } }),
        probe: probeOptions,
        time,
      },
      ({ ms: _ms, ...s }) => {
        results.push(s);
      },
    );
    return results.sort((a, b) => a.index - b.index);
  }

  it("the scan's default (own), own, native and wire: same status, verdicts, findings and leaf for every endpoint", async () => {
    const time = new Date(); // one clock for all: error texts quote it
    const byDefault = await scanLab({}, time);
    const own = await scanLab({ capture: "own" }, time);
    const native = await scanLab({ capture: "native" }, time);
    const wire = await scanLab({ capture: "wire" }, time);
    assert.equal(byDefault.length, lab.endpoints.length);
    for (let i = 0; i < byDefault.length; i++) {
      const name = lab.endpoints[i].spec.name;
      assert.deepEqual(byDefault[i], native[i], `${name}: the scan's default vs native`);
      assert.deepEqual(byDefault[i], wire[i], `${name}: the scan's default vs wire`);
      assert.deepEqual(own[i], native[i], `${name}: own vs native`);
    }
  });
});
