/** Formats the product reads but does not write, built by hand for the seed corpus and the fuzz tests. */

import { bitString, ctx, int, octet, oid, seq, set, time, tlv } from "../../src/x509/write/der-writer.js";

/** A certs-only PKCS#7 SignedData, optionally with CRLs. */
export function pkcs7(certs: Uint8Array[], crls: Uint8Array[] = []): Uint8Array {
  const signed = seq(
    int(1),
    set(),
    seq(oid("1.2.840.113549.1.7.1")),
    ...(certs.length ? [ctx(0, true, ...certs)] : []),
    ...(crls.length ? [ctx(1, true, ...crls)] : []),
    set(),
  );
  return seq(oid("1.2.840.113549.1.7.2"), ctx(0, true, signed));
}

/** A successful basic OCSP response for one serial (unsigned: the parser does not check it). */
export function ocspResponse(
  serial: Uint8Array,
  revoked: boolean,
  at = new Date("2026-01-01T00:00:00Z"),
): Uint8Array {
  const gt = (d: Date) => time(d, true);
  const certId = seq(
    seq(oid("1.3.14.3.2.26")),
    octet(new Uint8Array(20)),
    octet(new Uint8Array(20)),
    int(serial),
  );
  const status = revoked ? ctx(1, true, gt(at)) : tlv(0x80);
  const single = seq(certId, status, gt(at), ctx(0, true, gt(new Date(at.getTime() + 7 * 86_400_000))));
  const data = seq(ctx(1, true, seq()), gt(at), seq(single));
  const basic = seq(data, seq(oid("1.2.840.10045.4.3.2")), bitString(new Uint8Array(64)));
  return seq(tlv(0x0a, Uint8Array.of(0)), ctx(0, true, seq(oid("1.3.6.1.5.5.7.48.1.1"), octet(basic))));
}

/** A TLS 1.2 server flight: ServerHello, Certificate, ServerHelloDone, as records. */
export function tlsFlight(certs: Uint8Array[]): Uint8Array {
  const u24 = (n: number) => [n >> 16, (n >> 8) & 0xff, n & 0xff];
  const hs = (type: number, body: Uint8Array) =>
    Buffer.concat([Buffer.from([type, ...u24(body.length)]), body]);
  const hello = Buffer.concat([
    Buffer.from([3, 3]),
    Buffer.alloc(32, 7),
    Buffer.from([0, 0xc0, 0x2b, 0, 0, 0]),
  ]);
  const list = Buffer.concat(certs.map((c) => Buffer.concat([Buffer.from(u24(c.length)), c])));
  const certMsg = Buffer.concat([Buffer.from(u24(list.length)), list]);
  const flight = Buffer.concat([hs(2, hello), hs(11, certMsg), hs(14, new Uint8Array(0))]);
  const records: Buffer[] = [];
  for (let p = 0; p < flight.length; p += 16384) {
    const frag = flight.subarray(p, p + 16384);
    records.push(Buffer.from([22, 3, 3, frag.length >> 8, frag.length & 0xff]), frag);
  }
  return new Uint8Array(Buffer.concat(records));
}
