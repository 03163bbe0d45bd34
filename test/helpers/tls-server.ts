/**
 * Test PKI and TLS servers for the network tests. Certificates come from the shared test PKI builder
 * (./pki.ts: a DER writer and node:crypto keys, so any shape is quick to make: 100-certificate chains,
 * megabyte certificates); this file adds PEM and key material for node's TLS server, and loopback servers,
 * well-behaved or hostile, that always close.
 */

import { randomBytes } from "node:crypto";
import net from "node:net";
import tls from "node:tls";
import * as pki from "./pki.js";

/** A DER TLV as a Buffer (the shared writer returns Uint8Array). */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  return Buffer.from(pki.tlv(tag, ...content));
}

// ---------------------------------------------------------------------------------------------------------
// Certificates

export type KeyKind = "rsa" | "ec";

export interface TestKey {
  pair: pki.KeyPair;
  keyPem: string;
}

const keyCache = new Map<string, TestKey>();

function wrapKey(pair: pki.KeyPair): TestKey {
  return { pair, keyPem: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}

/** A key pair; `reuse` names a cached key so large PKIs do not pay for key generation each time. */
export function makeKey(kind: KeyKind, reuse?: string): TestKey {
  const cacheKey = reuse ? `${kind}:${reuse}` : undefined;
  const cached = cacheKey ? keyCache.get(cacheKey) : undefined;
  if (cached) return cached;
  const key = wrapKey(pki.newKey(kind === "rsa" ? "rsa2048" : "p256"));
  if (cacheKey) keyCache.set(cacheKey, key);
  return key;
}

export interface TestCert {
  der: Buffer;
  pem: string;
  key: TestKey;
  /** The subject Name DER. */
  name: Buffer;
  cn: string;
  issued: pki.Issued;
}

export interface IssueOptions {
  cn: string;
  key?: TestKey;
  keyKind?: KeyKind;
  /** The issuing certificate; absent: self-signed. */
  issuer?: TestCert;
  ca?: boolean;
  dns?: string[];
  ips?: string[];
  /** Add a non-critical private extension of this many bytes (to make huge certificates). */
  padding?: number;
  /** An O attribute before the CN. */
  org?: string;
}

export function issue(o: IssueOptions): TestCert {
  const key = o.key ?? makeKey(o.keyKind ?? "ec");
  const san = [...(o.dns ?? []).map((dns) => ({ dns })), ...(o.ips ?? []).map((ip) => ({ ip }))];
  const spec: pki.CertSpec = {
    name: o.org
      ? [
          ["O", o.org],
          ["CN", o.cn],
        ]
      : [["CN", o.cn]],
    key: key.pair,
    ...(o.ca
      ? { ca: true }
      : { eku: ["serverAuth", "clientAuth"], keyUsage: ["digitalSignature", "keyEncipherment"] }),
    ...(san.length ? { san } : {}),
    ...(o.padding
      ? { extensions: [pki.ext("1.3.6.1.4.1.55555.1", pki.octet(new Uint8Array(o.padding).fill(0x41)))] }
      : {}),
    // Valid now, whatever the clock says: showcerts prints days to expiry.
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 30 * 86400_000),
  };
  const issued = o.issuer ? pki.issue(o.issuer.issued, spec) : pki.selfSigned(spec);
  const der = Buffer.from(issued.der);
  return { der, pem: pemOf(der), key, name: Buffer.from(issued.subject), cn: o.cn, issued };
}

export function pemOf(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64");
  return `-----BEGIN CERTIFICATE-----\n${(b64.match(/.{1,64}/g) ?? []).join("\n")}\n-----END CERTIFICATE-----\n`;
}

export interface TestPki {
  root: TestCert;
  intermediate: TestCert;
  leaf: TestCert;
  /** A self-signed CA unrelated to the others. */
  stranger: TestCert;
}

/** Root → intermediate → leaf (for localhost, test.example, 127.0.0.1 and ::1), all of one key kind. */
export function makePki(kind: KeyKind, label = kind.toUpperCase()): TestPki {
  const root = issue({ cn: `Test ${label} Root`, org: "chainproof tests", keyKind: kind, ca: true });
  const intermediate = issue({
    cn: `Test ${label} Intermediate`,
    org: "chainproof tests",
    keyKind: kind,
    ca: true,
    issuer: root,
  });
  const leaf = issue({
    cn: "localhost",
    keyKind: kind,
    issuer: intermediate,
    dns: ["localhost", "test.example"],
    ips: ["127.0.0.1", "::1"],
  });
  const stranger = issue({ cn: `Unrelated ${label}`, keyKind: kind, ca: true });
  return { root, intermediate, leaf, stranger };
}

// ---------------------------------------------------------------------------------------------------------
// Servers

export interface Running {
  port: number;
  host: string;
  close(): Promise<void>;
}

function track(server: net.Server, host: string): Promise<Running> {
  const sockets = new Set<net.Socket>();
  server.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      server.off("error", reject);
      const addr = server.address() as net.AddressInfo;
      resolve({
        port: addr.port,
        host,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

export interface TlsServerOptions extends tls.TlsOptions {
  /** The certificates to send, in this order (leaf first as the server's certificate). */
  chain: TestCert[];
  host?: string;
  /** Called with the SNI name of each ClientHello that carries one (not called when there is none). */
  onServername?: (name: string) => void;
  /** A stapled OCSP response to send when the client asks. */
  ocspResponse?: Buffer;
}

/** A TLS server sending `chain` exactly as given (node passes extra and duplicate certificates through). */
export function startTlsServer(o: TlsServerOptions): Promise<Running> {
  const { chain, host = "127.0.0.1", onServername, ocspResponse, ...rest } = o;
  const server = tls.createServer({
    ...rest,
    key: chain[0].key.keyPem,
    cert: chain.map((c) => c.pem).join(""),
    // Runs while the ClientHello is read, so it has run by the time a client sees ServerHello.
    ...(onServername
      ? {
          SNICallback: (name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => {
            onServername(name);
            cb(null);
          },
        }
      : {}),
  });
  server.on("secureConnection", (s) => {
    s.on("error", () => {});
    s.end("hello\n");
  });
  server.on("tlsClientError", () => {});
  if (ocspResponse) server.on("OCSPRequest", (_c, _i, cb) => cb(null, ocspResponse));
  return track(server, host);
}

/** A plain TCP server running `onSocket` for each connection (hostile servers). */
export function startTcpServer(onSocket: (s: net.Socket) => void, host = "127.0.0.1"): Promise<Running> {
  const server = net.createServer(onSocket);
  return track(server, host);
}

/** A port on 127.0.0.1 with nothing listening (bound, then closed). */
export async function closedPort(): Promise<number> {
  const r = await startTcpServer(() => {});
  await r.close();
  return r.port;
}

/** True when this machine can listen on ::1. */
export async function haveIpv6Loopback(): Promise<boolean> {
  try {
    const r = await startTcpServer(() => {}, "::1");
    await r.close();
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Raw TLS bytes for hostile servers

const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u24 = (n: number) => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);

/** A TLS record. */
export function tlsRecord(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type, 3, 3]), u16(body.length), body]);
}

/** A TLS 1.2 ServerHello (handshake record) choosing `suite`, with the renegotiation_info extension. */
export function tls12ServerHello(suite = 0xc02f): Buffer {
  const ext = Buffer.concat([u16(0xff01), u16(1), Buffer.from([0])]);
  const body = Buffer.concat([
    u16(0x0303),
    randomBytes(32),
    Buffer.from([0]),
    u16(suite),
    Buffer.from([0]),
    u16(ext.length),
    ext,
  ]);
  return tlsRecord(22, Buffer.concat([Buffer.from([2]), u24(body.length), body]));
}

/** A TLS 1.2 Certificate message (handshake record) carrying `ders` as they are, valid or not. */
export function tls12Certificate(ders: Uint8Array[]): Buffer {
  const list = Buffer.concat(ders.map((d) => Buffer.concat([u24(d.length), d])));
  const body = Buffer.concat([u24(list.length), list]);
  return tlsRecord(22, Buffer.concat([Buffer.from([11]), u24(body.length), body]));
}

/** A TLS 1.2 ServerHelloDone (handshake record). */
export function tls12ServerHelloDone(): Buffer {
  return tlsRecord(22, Buffer.from([14, 0, 0, 0]));
}

/** A syntactically valid OCSPResponse (basic, "good"); its signature is junk, which stapling does not check. */
export function fakeOcspResponse(): Buffer {
  const t = (s: string) => tlv(0x18, Buffer.from(s));
  const single = tlv(
    0x30,
    tlv(
      0x30,
      tlv(0x30, tlv(0x06, Buffer.from("2b0e03021a", "hex"))),
      tlv(0x04, Buffer.alloc(20, 1)),
      tlv(0x04, Buffer.alloc(20, 2)),
      tlv(0x02, Buffer.from([0x42])),
    ),
    tlv(0x80),
    t("20260101000000Z"),
  );
  const data = tlv(0x30, tlv(0xa2, tlv(0x04, Buffer.alloc(20, 3))), t("20260101000000Z"), tlv(0x30, single));
  const basic = tlv(
    0x30,
    data,
    tlv(0x30, tlv(0x06, Buffer.from("2a8648ce3d040302", "hex"))),
    tlv(0x03, Buffer.from([0, 0x30, 0])),
  );
  return tlv(
    0x30,
    tlv(0x0a, Buffer.from([0])),
    tlv(0xa0, tlv(0x30, tlv(0x06, Buffer.from("2b0601050507300101", "hex")), tlv(0x04, basic))),
  );
}
