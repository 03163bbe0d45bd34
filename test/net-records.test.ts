/**
 * The wire readers on their own: TLS records split anywhere, handshake messages spanning records and sharing
 * them, TLS 1.3 key derivation (RFC 8448 vectors) and record decryption for every AEAD, the raw ClientHello,
 * target syntax, OCSP summaries and failure wording.
 */

import assert from "node:assert/strict";
import { createCipheriv, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { ServerCapture } from "../src/net/capture.js";
import { notTlsMessage } from "../src/net/failures.js";
import { buildClientHello } from "../src/net/hello.js";
import { summarizeOcsp } from "../src/net/ocsp.js";
import { parseHostPort } from "../src/net/target.js";
import {
  HandshakeReader,
  HandshakeTooLargeError,
  parseCertificateMessage,
  parseCertificateRequest,
  parseServerHello,
  RecordReader,
  TlsFormatError,
} from "../src/net/tls-records.js";
import { hkdfExpandLabel, RecordDecrypter, TLS13_SUITES } from "../src/net/tls13-keys.js";
import { InputError } from "../src/x509/errors.js";
import { tlv } from "./helpers/tls-server.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u24 = (n: number) => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
const record = (type: number, body: Buffer, version = 0x0303) =>
  Buffer.concat([Buffer.from([type]), u16(version), u16(body.length), body]);
const handshake = (type: number, body: Buffer) =>
  Buffer.concat([Buffer.from([type]), u24(body.length), body]);

function serverHello(version: number, suite: number, extra: Buffer[] = []): Buffer {
  const exts: Buffer[] = [...extra];
  if (version === 0x0304) exts.push(Buffer.concat([u16(43), u16(2), u16(0x0304)]));
  const e = Buffer.concat(exts);
  return handshake(
    2,
    Buffer.concat([
      u16(0x0303),
      randomBytes(32),
      Buffer.from([0]),
      u16(suite),
      Buffer.from([0]),
      u16(e.length),
      e,
    ]),
  );
}

function certificate12(certs: Buffer[]): Buffer {
  const list = Buffer.concat(certs.map((c) => Buffer.concat([u24(c.length), c])));
  return handshake(11, Buffer.concat([u24(list.length), list]));
}

describe("RecordReader", () => {
  it("yields records however the bytes are split", () => {
    const stream = Buffer.concat([
      record(22, Buffer.from("abc")),
      record(22, Buffer.alloc(300, 7)),
      record(21, Buffer.from([2, 40])),
    ]);
    for (const step of [1, 2, 5, 7, 64, stream.length]) {
      const r = new RecordReader();
      const got = [];
      for (let i = 0; i < stream.length; i += step) got.push(...r.push(stream.subarray(i, i + step)));
      assert.deepEqual(
        got.map((x) => [x.type, x.fragment.length]),
        [
          [22, 3],
          [22, 300],
          [21, 2],
        ],
        `step ${step}`,
      );
      assert.equal(r.pending, 0);
    }
  });

  it("says 'not TLS' from the first byte, keeping a sample", () => {
    const r = new RecordReader();
    assert.throws(
      () => r.push(Buffer.from("HTTP/1.1 400 Bad Request\r\n\r\n")),
      (e: unknown) =>
        e instanceof TlsFormatError &&
        e.kind === "not-tls" &&
        Buffer.from(e.sample!).toString().startsWith("HTTP/1.1"),
    );
    assert.throws(() => new RecordReader().push(Buffer.from([22, 9])), /does not speak TLS/);
    assert.throws(() => new RecordReader().push(Buffer.from([22, 3, 3, 0xff, 0xff])), /does not speak TLS/);
  });

  it("calls a bad record after good ones malformed", () => {
    const r = new RecordReader();
    r.push(record(22, Buffer.from("x")));
    assert.throws(
      () => r.push(Buffer.from([99, 3, 3, 0, 1, 0])),
      (e: unknown) => e instanceof TlsFormatError && e.kind === "malformed",
    );
  });
});

describe("HandshakeReader", () => {
  it("reassembles a message spanning records and splits records holding several", () => {
    const a = handshake(11, Buffer.alloc(5000, 1));
    const b = handshake(14, Buffer.alloc(0));
    const all = Buffer.concat([a, b]);
    const h = new HandshakeReader(1 << 20);
    const got = [];
    for (let i = 0; i < all.length; i += 1000) got.push(...h.push(all.subarray(i, i + 1000)));
    assert.deepEqual(
      got.map((m) => [m.type, m.body.length]),
      [
        [11, 5000],
        [14, 0],
      ],
    );
  });

  it("refuses a message over the limit from its header alone", () => {
    const h = new HandshakeReader(1000);
    assert.throws(
      () => h.push(Buffer.concat([Buffer.from([11]), u24(5000), Buffer.alloc(10)])),
      (e: unknown) => e instanceof HandshakeTooLargeError && e.length === 5000 && e.type === 11,
    );
  });
});

describe("message parsers", () => {
  it("reads a TLS 1.3 ServerHello and tells a HelloRetryRequest", () => {
    const sh = parseServerHello(serverHello(0x0304, 0x1301).subarray(4));
    assert.equal(sh.version, 0x0304);
    assert.equal(sh.cipherSuite, 0x1301);
    assert.equal(sh.helloRetryRequest, false);
    const hrrRandom = hex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c");
    const body = Buffer.concat([
      u16(0x0303),
      hrrRandom,
      Buffer.from([0]),
      u16(0x1302),
      Buffer.from([0]),
      u16(6),
      u16(43),
      u16(2),
      u16(0x0304),
    ]);
    assert.equal(parseServerHello(body).helloRetryRequest, true);
  });

  it("keeps the first N certificates and counts them all, exactly as sent", () => {
    const certs = Array.from({ length: 7 }, (_, i) => Buffer.alloc(10 + i, i));
    const m = parseCertificateMessage(certificate12(certs).subarray(4), false, 3);
    assert.equal(m.count, 7);
    assert.deepEqual(
      m.certificates.map((c) => Buffer.from(c)),
      certs.slice(0, 3),
    );
  });

  it("reads TLS 1.2 and TLS 1.3 CertificateRequests with their CA names", () => {
    const name1 = tlv(
      0x30,
      tlv(0x31, tlv(0x30, tlv(0x06, Buffer.from([0x55, 4, 3])), tlv(0x0c, Buffer.from("CA one")))),
    );
    const name2 = tlv(0x30);
    const cas = Buffer.concat([u16(name1.length), name1, u16(name2.length), name2]);
    const b12 = Buffer.concat([
      Buffer.from([2, 1, 64]),
      u16(4),
      u16(0x0403),
      u16(0x0804),
      u16(cas.length),
      cas,
    ]);
    const r12 = parseCertificateRequest(b12, 0x0303);
    assert.deepEqual(r12.certificateTypes, [1, 64]);
    assert.deepEqual(r12.signatureAlgorithms, [0x0403, 0x0804]);
    assert.deepEqual(
      r12.certificateAuthorities.map((d) => Buffer.from(d)),
      [name1, name2],
    );
    // TLS 1.1: no signature algorithms field.
    const b11 = Buffer.concat([Buffer.from([1, 1]), u16(cas.length), cas]);
    assert.equal(parseCertificateRequest(b11, 0x0302).signatureAlgorithms, undefined);
    const sigalgs = Buffer.concat([u16(13), u16(4), u16(2), u16(0x0807)]);
    const caExt = Buffer.concat([u16(47), u16(cas.length + 2), u16(cas.length), cas]);
    const exts = Buffer.concat([sigalgs, caExt]);
    const r13 = parseCertificateRequest(Buffer.concat([Buffer.from([0]), u16(exts.length), exts]), 0x0304);
    assert.deepEqual(r13.signatureAlgorithms, [0x0807]);
    assert.equal(r13.certificateAuthorities.length, 2);
    const none = parseCertificateRequest(
      Buffer.concat([Buffer.from([0]), u16(sigalgs.length), sigalgs]),
      0x0304,
    );
    assert.deepEqual(none.certificateAuthorities, []);
  });

  it("turns truncation into a TlsFormatError, never an exception of another kind", () => {
    const body = certificate12([Buffer.alloc(100)]).subarray(4);
    for (let n = 0; n < body.length; n += 7) {
      assert.throws(() => parseCertificateMessage(body.subarray(0, n), false, 10), TlsFormatError);
    }
  });
});

describe("ServerCapture over a TLS 1.2 flight", () => {
  it("reads certificates, CertificateRequest and ServerHelloDone, then stops at ChangeCipherSpec", () => {
    const certs = [Buffer.from("leaf-der"), Buffer.from("inter-der"), Buffer.from("inter-der")];
    const cr = handshake(13, Buffer.concat([Buffer.from([1, 1]), u16(2), u16(0x0401), u16(0)]));
    const flight = Buffer.concat([
      serverHello(0x0303, 0xc02f),
      certificate12(certs),
      cr,
      handshake(14, Buffer.alloc(0)),
    ]);
    // One record holding everything, then the same split into tiny records.
    for (const size of [flight.length, 3]) {
      const cap = new ServerCapture({ maxCertificates: 50, maxMessageBytes: 1 << 20 });
      for (let i = 0; i < flight.length; i += size)
        cap.onServerData(record(22, flight.subarray(i, i + size)));
      cap.onServerData(record(20, Buffer.from([1])));
      cap.onServerData(record(22, Buffer.from("encrypted finished, unreadable")));
      assert.equal(cap.problem, undefined);
      assert.deepEqual(
        cap.certificate?.certificates.map((c) => Buffer.from(c)),
        certs,
      );
      assert.deepEqual(cap.messages, ["ServerHello", "Certificate", "CertificateRequest", "ServerHelloDone"]);
      assert.equal(cap.serverFlightDone, true);
      assert.deepEqual(cap.certificateRequest?.certificateAuthorities, []);
    }
  });

  it("never throws on mutated or truncated flights (fuzz, 3,000 cases)", () => {
    const flight = Buffer.concat([
      serverHello(0x0303, 0xc02f),
      certificate12([Buffer.alloc(300, 1), Buffer.alloc(200, 2)]),
      handshake(13, Buffer.concat([Buffer.from([1, 1]), u16(2), u16(0x0401), u16(0)])),
      handshake(14, Buffer.alloc(0)),
    ]);
    const stream = Buffer.concat([record(22, flight.subarray(0, 400)), record(22, flight.subarray(400))]);
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(stream);
      for (let k = 0, n = 1 + rand(4); k < n; k++) b[rand(b.length)] = rand(256);
      const cut = rand(4) === 0 ? rand(b.length) : b.length;
      const cap = new ServerCapture({ maxCertificates: 5, maxMessageBytes: 4096 });
      for (let p = 0; p < cut; ) {
        const end = Math.min(cut, p + 1 + rand(200));
        cap.onServerData(b.subarray(p, end));
        p = end;
      }
      cap.onKeylog("SERVER_HANDSHAKE_TRAFFIC_SECRET 00 11");
      assert.ok(cap.messages.length <= 65);
    }
  });

  it("records an alert and a not-TLS reply", () => {
    const cap = new ServerCapture({ maxCertificates: 5, maxMessageBytes: 1000 });
    cap.onServerData(record(21, Buffer.from([2, 70])));
    assert.deepEqual(cap.alerts, [{ level: 2, description: 70, postHandshake: false }]);
    const bad = new ServerCapture({ maxCertificates: 5, maxMessageBytes: 1000 });
    bad.onServerData(Buffer.from("SSH-2.0-OpenSSH_9.6\r\n"));
    assert.equal(bad.problem?.kind, "not-tls");
    assert.equal(
      notTlsMessage(bad.problem?.sample),
      'not TLS (server sent "SSH-2.0-OpenSSH_9.6"): an SSH server',
    );
  });
});

describe("TLS 1.3 keys and records", () => {
  it("derives the RFC 8448 (simple 1-RTT) server handshake key and IV", () => {
    const secret = hex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
    assert.equal(
      hkdfExpandLabel("sha256", secret, "key", new Uint8Array(0), 16).toString("hex"),
      "3fce516009c21727d0f2e4e86ee403bc",
    );
    assert.equal(
      hkdfExpandLabel("sha256", secret, "iv", new Uint8Array(0), 12).toString("hex"),
      "5d313eb2671276ee13000b30",
    );
    const d = new RecordDecrypter(TLS13_SUITES[0x1301], secret);
    assert.equal(d.key.toString("hex"), "3fce516009c21727d0f2e4e86ee403bc");
    // The nonce is the IV XOR the sequence number, right-aligned.
    assert.equal(d.nonce(1n).toString("hex"), "5d313eb2671276ee13000b31");
    assert.equal(d.nonce(0x0102n).toString("hex"), "5d313eb2671276ee13000a32");
  });

  for (const suite of Object.values(TLS13_SUITES)) {
    it(`decrypts records protected with ${suite.name}, in sequence, stripping padding`, () => {
      const secret = randomBytes(suite.hash === "sha384" ? 48 : 32);
      const enc = new RecordDecrypter(suite, secret); // only for key, iv and nonce
      const seal = (seq: bigint, type: number, content: Buffer, pad: number) => {
        const inner = Buffer.concat([content, Buffer.from([type]), Buffer.alloc(pad)]);
        const header = Buffer.from([23, 3, 3, 0, 0]);
        header.writeUInt16BE(inner.length + suite.tagLength, 3);
        const opts =
          suite.cipher === "aes-128-ccm" || suite.cipher === "chacha20-poly1305"
            ? { authTagLength: suite.tagLength }
            : undefined;
        // biome-ignore lint/suspicious/noExplicitAny: node's overloads differ per mode
        const c: any = createCipheriv(suite.cipher as any, enc.key, enc.nonce(seq), opts as any);
        if (suite.cipher === "aes-128-ccm" || suite.cipher === "chacha20-poly1305")
          c.setAAD(header, { plaintextLength: inner.length });
        else c.setAAD(header);
        const body = Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]);
        return { header, body };
      };
      const dec = new RecordDecrypter(suite, secret);
      const r0 = seal(0n, 22, Buffer.from("EncryptedExtensions"), 0);
      const r1 = seal(1n, 22, Buffer.from("Certificate"), 17);
      assert.deepEqual(dec.decrypt(r0.header, r0.body), {
        type: 22,
        content: Buffer.from("EncryptedExtensions"),
      });
      assert.deepEqual(dec.decrypt(r1.header, r1.body), { type: 22, content: Buffer.from("Certificate") });
      const tampered = seal(2n, 21, Buffer.from([2, 42]), 0);
      tampered.body[0] ^= 1;
      assert.throws(() => dec.decrypt(tampered.header, tampered.body));
    });
  }
});

describe("raw ClientHello", () => {
  it("is a well-formed handshake record offering what was asked", () => {
    const rec = buildClientHello(["TLSv1", "TLSv1.1"], "example.com");
    assert.equal(rec[0], 22);
    assert.equal(rec.readUInt16BE(3), rec.length - 5);
    const body = rec.subarray(9);
    assert.equal(body.readUInt16BE(0), 0x0302); // legacy_version = highest offered
    assert.ok(rec.includes(Buffer.from("example.com")));
    const v13 = buildClientHello(["TLSv1.2", "TLSv1.3"]);
    assert.equal(v13.subarray(9).readUInt16BE(0), 0x0303);
    assert.ok(
      v13.includes(Buffer.from([0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03])),
      "supported_versions 1.3, 1.2",
    );
  });
});

describe("parseHostPort", () => {
  const ok: [string, string, number][] = [
    ["example.com", "example.com", 443],
    ["Example.COM.", "example.com", 443],
    ["example.com:8443", "example.com", 8443],
    ["1.2.3.4:443", "1.2.3.4", 443],
    ["[::1]:8443", "::1", 8443],
    ["[2001:DB8::1]", "2001:db8::1", 443],
    ["::1", "::1", 443],
    ["https://example.com/path?q=1", "example.com", 443],
    ["https://example.com:9443/", "example.com", 9443],
    ["https://[::1]:444/x", "::1", 444],
    ["ldaps://dir.example.com", "dir.example.com", 636],
    ["bücher.example", "xn--bcher-kva.example", 443],
    ["_dmarc.example.com", "_dmarc.example.com", 443],
  ];
  for (const [input, host, port] of ok) {
    it(`reads ${input}`, () => {
      const r = parseHostPort(input);
      assert.equal(r.host, host);
      assert.equal(r.port, port);
    });
  }
  const bad = [
    "",
    "exa mple.com",
    "example.com:",
    "example.com:0",
    "example.com:65536",
    "example.com:https",
    "::1:443x",
    "[::1]x",
    "[example.com]:443",
    "http://example.com",
    "foo://example.com",
    "example.com/path",
    "user@example.com",
    "999.1.1.1",
    "a..b",
    "-x.example",
    "ex\u0007ample.com",
  ];
  for (const input of bad) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseHostPort(input), InputError);
    });
  }
});

describe("summarizeOcsp", () => {
  it("reads the status of a basic response, and survives garbage", () => {
    const t = (s: string) => tlv(0x18, Buffer.from(s));
    const single = tlv(
      0x30,
      tlv(
        0x30,
        tlv(0x30, tlv(0x06, hex("2b0e03021a"))),
        tlv(0x04, Buffer.alloc(20)),
        tlv(0x04, Buffer.alloc(20)),
        tlv(0x02, Buffer.from([0x1f])),
      ),
      tlv(0x80),
      t("20260101000000Z"),
      tlv(0xa0, t("20260108000000Z")),
    );
    const data = tlv(0x30, tlv(0xa2, tlv(0x04, Buffer.alloc(20))), t("20260101000000Z"), tlv(0x30, single));
    const basic = tlv(
      0x30,
      data,
      tlv(0x30, tlv(0x06, hex("2a8648ce3d040302"))),
      tlv(0x03, Buffer.from([0, 1])),
    );
    const resp = tlv(
      0x30,
      tlv(0x0a, Buffer.from([0])),
      tlv(0xa0, tlv(0x30, tlv(0x06, hex("2b06010505073001 01")), tlv(0x04, basic))),
    );
    const s = summarizeOcsp(resp);
    assert.equal(s.responseStatus, "successful");
    assert.equal(s.error, undefined);
    assert.deepEqual(s.responses, [
      {
        serial: "1f",
        status: "good",
        thisUpdate: "2026-01-01T00:00:00Z",
        nextUpdate: "2026-01-08T00:00:00Z",
      },
    ]);
    assert.equal(summarizeOcsp(tlv(0x30, tlv(0x0a, Buffer.from([3])))).responseStatus, "tryLater");
    assert.ok(summarizeOcsp(Buffer.from("garbage")).error);
  });
});
