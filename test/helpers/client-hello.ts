/**
 * What a real client puts in its ClientHello: a loopback TCP listener that keeps the first TLS record of each
 * connection and closes it, and a reader for that record (RFC 8446 4.1.2), GREASE values (RFC 8701) set
 * apart. The browser oracle test compares it with src/clients/handshake's offers.
 */

import net, { type AddressInfo } from "node:net";
import { type TlsVersion, VERSION_WIRE } from "../../src/clients/handshake/index.js";
import { Reader, readExtensions } from "../../src/net/tls-records.js";

export interface CapturedHello {
  versions: TlsVersion[];
  suites: number[];
  groups: number[];
  keyShares: number[];
  signatureAlgorithms: number[];
  serverName?: string;
  /** Extension types in the order sent, GREASE left out. */
  extensions: number[];
  /** How many GREASE values the hello carried, anywhere. */
  grease: number;
}

/** RFC 8701: 0x0A0A, 0x1A1A, … 0xFAFA. */
export const isGrease = (v: number) => (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);

/** Signalling cipher suite values, which are no suites: renegotiation info and fallback. */
const SCSVS = new Set([0x00ff, 0x5600]);

const VERSION_NAMES = new Map<number, TlsVersion>(
  Object.entries(VERSION_WIRE).map(([name, wire]) => [wire, name as TlsVersion]),
);

function u16s(r: Reader): number[] {
  const out: number[] = [];
  while (r.left > 0) out.push(r.u16());
  return out;
}

/** Reads one handshake record holding a ClientHello (the whole record: header included). */
export function parseClientHello(record: Uint8Array): CapturedHello {
  const r = new Reader(record, "ClientHello record");
  if (r.u8() !== 22) throw new Error("not a handshake record");
  r.u16();
  const body = r.sub(r.u16(), "ClientHello");
  if (body.u8() !== 1) throw new Error("not a ClientHello");
  const hello = body.sub(body.u24(), "ClientHello");
  hello.u16();
  hello.bytes(32);
  hello.vec8();
  const allSuites = u16s(hello.sub(hello.u16(), "cipher suites"));
  hello.vec8();
  const extensions = readExtensions(hello, "ClientHello");
  let grease = allSuites.filter(isGrease).length + extensions.filter((e) => isGrease(e.type)).length;
  const keep = (list: number[]) => {
    grease += list.filter(isGrease).length;
    return list.filter((v) => !isGrease(v));
  };
  const out: CapturedHello = {
    versions: [],
    suites: allSuites.filter((s) => !isGrease(s) && !SCSVS.has(s)),
    groups: [],
    keyShares: [],
    signatureAlgorithms: [],
    extensions: extensions.map((e) => e.type).filter((t) => !isGrease(t)),
    grease: 0,
  };
  for (const e of extensions) {
    const x = new Reader(e.data, `extension ${e.type}`);
    if (e.type === 0) {
      const names = x.sub(x.u16());
      names.u8();
      out.serverName = Buffer.from(names.vec16()).toString("latin1");
    } else if (e.type === 10) out.groups = keep(u16s(x.sub(x.u16())));
    else if (e.type === 13) out.signatureAlgorithms = keep(u16s(x.sub(x.u16())));
    else if (e.type === 43)
      out.versions = keep(u16s(x.sub(x.u8()))).map((v) => VERSION_NAMES.get(v) ?? (`0x${v}` as TlsVersion));
    else if (e.type === 51) {
      const shares = x.sub(x.u16());
      const groups: number[] = [];
      while (shares.left > 0) {
        groups.push(shares.u16());
        shares.vec16();
      }
      out.keyShares = keep(groups);
    }
  }
  out.grease = grease;
  return out;
}

export interface HelloListener {
  port: number;
  /** The first record of each connection so far. */
  records: Uint8Array[];
  close(): void;
}

/**
 * A loopback listener that reads each connection's first record (up to the record limit), keeps it and hands
 * it to `answer`, which replies or closes.
 */
async function onFirstRecord(
  answer: (record: Uint8Array, socket: net.Socket) => void,
): Promise<HelloListener> {
  const records: Uint8Array[] = [];
  const server = net.createServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const length = buf.length >= 5 ? 5 + buf.readUInt16BE(3) : Number.POSITIVE_INFINITY;
      if (buf.length > 16384 + 5) socket.destroy();
      else if (buf.length >= length) {
        const record = buf.subarray(0, length);
        records.push(record);
        answer(record, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, records, close: () => server.close() };
}

/** A listener that keeps each connection's first record and closes the connection. */
export function listenForHellos(): Promise<HelloListener> {
  return onFirstRecord((_record, socket) => socket.destroy());
}

/**
 * An old server that knows only TLS 1.0 and ignores supported_versions: it answers every ClientHello with a
 * TLS 1.0 ServerHello choosing the first of TLS_RSA_WITH_AES_128_CBC_SHA, _256_CBC_SHA and 3DES the client
 * offers (a handshake_failure alert when it offers none), then closes. What a modern client makes of a
 * server that picks a version below its range.
 */
export function startTls10OnlyServer(): Promise<HelloListener> {
  return onFirstRecord((record, socket) => {
    let offered: number[] = [];
    try {
      offered = parseClientHello(record).suites;
    } catch {
      socket.destroy();
      return;
    }
    const suite = [0x002f, 0x0035, 0x000a].find((s) => offered.includes(s));
    if (suite === undefined) {
      socket.end(Buffer.from([21, 3, 1, 0, 2, 2, 40]));
      return;
    }
    // ServerHello: version 3.1, a random, no session id, the suite, no compression, no extensions.
    const body = Buffer.concat([
      Buffer.from([3, 1]),
      Buffer.alloc(32, 0x5a),
      Buffer.from([0, suite >> 8, suite & 0xff, 0]),
    ]);
    const message = Buffer.concat([Buffer.from([2, 0, 0, body.length]), body]);
    socket.end(Buffer.concat([Buffer.from([22, 3, 1, 0, message.length]), message]));
  });
}
