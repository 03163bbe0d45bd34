/**
 * STARTTLS: the plaintext exchange that turns a mail, directory, chat, file-transfer or database connection
 * into a TLS one, done on the connected socket before the first ClientHello (the probe's and raw mode's
 * `beforeTls` hook). SMTP and submission (RFC 3207), IMAP (RFC 2595/9051), POP3 (RFC 2595), FTP (RFC 4217),
 * XMPP (RFC 6120), LDAP (RFC 4511 StartTLS extended operation), PostgreSQL (SSLRequest) and MySQL
 * (SSLRequest after the server's greeting).
 *
 * Bounded: at most 64 KiB read, within the handshake's timeout; a server that does not offer STARTTLS, or
 * answers something else, is a failure saying what it answered, never a hang.
 */

import type net from "node:net";
import { InputError } from "../x509/errors.js";
import type { ProbeFailure } from "./failures.js";

export const STARTTLS_PROTOCOLS = [
  "smtp",
  "submission",
  "imap",
  "pop3",
  "ftp",
  "xmpp",
  "ldap",
  "postgres",
  "mysql",
] as const;
export type StarttlsProtocol = (typeof STARTTLS_PROTOCOLS)[number];

/** The protocol a well-known port speaks STARTTLS with (implicit-TLS ports such as 465 and 993 are not here). */
export const STARTTLS_PORTS: Record<number, StarttlsProtocol> = {
  21: "ftp",
  25: "smtp",
  110: "pop3",
  143: "imap",
  389: "ldap",
  587: "submission",
  3306: "mysql",
  5222: "xmpp",
  5432: "postgres",
};

const MAX_BYTES = 64 * 1024;

/** `--starttls PROTO`: a protocol, "none", or undefined for the port's well-known one. */
export function starttlsFor(spec: string | undefined, port: number): StarttlsProtocol | undefined {
  if (spec === undefined) return STARTTLS_PORTS[port];
  const s = spec.trim().toLowerCase();
  if (s === "none") return undefined;
  if (s === "postgresql") return "postgres";
  if ((STARTTLS_PROTOCOLS as readonly string[]).includes(s)) return s as StarttlsProtocol;
  throw new InputError(
    `--starttls ${JSON.stringify(spec)}: choose from ${STARTTLS_PROTOCOLS.join(", ")} or none`,
    "usage",
  );
}

export class StarttlsError extends Error {}

/**
 * Reads what the server sends, for one exchange at a time: `until` says when enough has come. Bytes beyond
 * what a step needs are an error (a server must wait for the ClientHello after its go-ahead).
 */
class Conversation {
  private buffer = Buffer.alloc(0);
  private total = 0;
  private waiter?: () => void;
  private ended?: string;

  constructor(private readonly socket: net.Socket) {
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("close", this.onEnd);
    socket.on("error", this.onError);
  }

  private readonly onData = (b: Buffer) => {
    this.total += b.length;
    this.buffer = Buffer.concat([this.buffer, b]);
    if (this.total > MAX_BYTES) this.ended = `the server sent more than ${MAX_BYTES} bytes before TLS`;
    this.waiter?.();
  };
  private readonly onEnd = () => {
    this.ended ??= "the server closed the connection";
    this.waiter?.();
  };
  private readonly onError = (e: Error) => {
    this.ended ??= `connection error: ${e.message}`;
    this.waiter?.();
  };

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Wait until `complete(buffer)` gives a length to take; returns those bytes. */
  async read(complete: (b: Buffer) => number | undefined): Promise<Buffer> {
    for (;;) {
      const n = complete(this.buffer);
      if (n !== undefined) {
        const out = this.buffer.subarray(0, n);
        this.buffer = this.buffer.subarray(n);
        return out;
      }
      if (this.ended) throw new StarttlsError(this.ended);
      await new Promise<void>((r) => (this.waiter = r));
      this.waiter = undefined;
    }
  }

  /** A reply whose last line is "CODE text" (SMTP and FTP: "CODE-text" lines continue it). */
  async codeReply(): Promise<{ code: number; text: string }> {
    const b = await this.read((buf) => {
      const text = buf.toString("latin1");
      const m = /(^|\n)(\d{3}) [^\n]*\n/.exec(text);
      return m ? m.index + m[0].length : undefined;
    });
    const text = b.toString("latin1");
    const last = text.trimEnd().split("\n").at(-1) ?? "";
    return { code: Number(last.slice(0, 3)), text };
  }

  async line(): Promise<string> {
    const b = await this.read((buf) => {
      const i = buf.indexOf(10);
      return i < 0 ? undefined : i + 1;
    });
    return b.toString("latin1").trimEnd();
  }

  /** Stop waiting: the exchange took too long. */
  expire(message: string): void {
    this.ended ??= message;
    this.waiter?.();
  }

  detach(): void {
    this.socket.off("data", this.onData);
    this.socket.off("end", this.onEnd);
    this.socket.off("close", this.onEnd);
    this.socket.off("error", this.onError);
  }

  /** Nothing may follow the go-ahead: the next bytes are TLS. */
  finish(): void {
    this.detach();
    if (this.buffer.length) throw new StarttlsError("the server sent data after agreeing to start TLS");
  }
}

const shown = (s: string) => JSON.stringify(s.length > 120 ? `${s.slice(0, 120)}…` : s.trim());

async function smtp(c: Conversation): Promise<void> {
  const banner = await c.codeReply();
  if (banner.code !== 220) throw new StarttlsError(`the SMTP banner is not 220: ${shown(banner.text)}`);
  c.send("EHLO chainproof.invalid\r\n");
  const ehlo = await c.codeReply();
  if (ehlo.code !== 250) throw new StarttlsError(`EHLO was refused: ${shown(ehlo.text)}`);
  if (!/^250[ -]STARTTLS\b/im.test(ehlo.text))
    throw new StarttlsError("the SMTP server does not offer STARTTLS");
  c.send("STARTTLS\r\n");
  const go = await c.codeReply();
  if (go.code !== 220) throw new StarttlsError(`STARTTLS was refused: ${shown(go.text)}`);
}

async function imap(c: Conversation): Promise<void> {
  const greeting = await c.line();
  if (!/^\* (OK|PREAUTH)/i.test(greeting))
    throw new StarttlsError(`not an IMAP greeting: ${shown(greeting)}`);
  c.send("a1 STARTTLS\r\n");
  for (;;) {
    const l = await c.line();
    if (l.startsWith("* ")) continue;
    if (/^a1 OK/i.test(l)) return;
    throw new StarttlsError(`STARTTLS was refused: ${shown(l)}`);
  }
}

async function pop3(c: Conversation): Promise<void> {
  const greeting = await c.line();
  if (!greeting.startsWith("+OK")) throw new StarttlsError(`not a POP3 greeting: ${shown(greeting)}`);
  c.send("STLS\r\n");
  const l = await c.line();
  if (!l.startsWith("+OK")) throw new StarttlsError(`STLS was refused: ${shown(l)}`);
}

async function ftp(c: Conversation): Promise<void> {
  const banner = await c.codeReply();
  if (banner.code !== 220) throw new StarttlsError(`the FTP banner is not 220: ${shown(banner.text)}`);
  c.send("AUTH TLS\r\n");
  const go = await c.codeReply();
  if (go.code !== 234) throw new StarttlsError(`AUTH TLS was refused: ${shown(go.text)}`);
}

async function xmpp(c: Conversation, host: string): Promise<void> {
  c.send(
    `<?xml version='1.0'?><stream:stream to='${host.replace(/[<>&'"]/g, "")}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`,
  );
  const features = await c.read((b) => {
    const i = b.indexOf("</stream:features>");
    return i < 0 ? undefined : i + "</stream:features>".length;
  });
  if (!features.toString("utf8").includes("urn:ietf:params:xml:ns:xmpp-tls"))
    throw new StarttlsError("the XMPP server does not offer STARTTLS");
  c.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  const answer = await c.read((b) => {
    const m = /<proceed[^>]*\/>|<failure[^>]*\/>|<\/failure>/.exec(b.toString("utf8"));
    return m ? m.index + m[0].length : undefined;
  });
  if (!answer.toString("utf8").includes("<proceed"))
    throw new StarttlsError("the XMPP server refused STARTTLS");
}

/** LDAPMessage { messageID 1, extendedReq { requestName "1.3.6.1.4.1.1466.20037" } } (RFC 4511 4.14.1). */
const LDAP_STARTTLS = Buffer.concat([
  Buffer.from([0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16]),
  Buffer.from("1.3.6.1.4.1.1466.20037", "latin1"),
]);

async function ldap(c: Conversation): Promise<void> {
  c.send(LDAP_STARTTLS);
  const msg = await c.read(berMessageLength);
  // SEQUENCE { INTEGER id, [APPLICATION 24] { ENUMERATED resultCode, … } }
  const idLen = msg[1] & 0x80 ? 2 + (msg[1] & 0x7f) : 2;
  const op = idLen + 2 + msg[idLen + 1];
  if (msg[op] !== 0x78) throw new StarttlsError("the LDAP server did not answer the StartTLS request");
  const inner = op + (msg[op + 1] & 0x80 ? 2 + (msg[op + 1] & 0x7f) : 2);
  const code = msg[inner] === 0x0a ? msg[inner + 2] : -1;
  if (code !== 0) throw new StarttlsError(`the LDAP server refused StartTLS (resultCode ${code})`);
}

/** The length of the first complete BER element, once it has all arrived. */
function berMessageLength(b: Buffer): number | undefined {
  if (b.length < 2) return undefined;
  if (b[0] !== 0x30)
    throw new StarttlsError("the LDAP server answered something that is not an LDAP message");
  let len = b[1];
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n > 3) throw new StarttlsError("the LDAP answer is too long");
    if (b.length < 2 + n) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[2 + i];
    head += n;
  }
  return b.length >= head + len ? head + len : undefined;
}

async function postgres(c: Conversation): Promise<void> {
  // SSLRequest: length 8, code 80877103 (PostgreSQL protocol 3, 54.2.10).
  c.send(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]));
  const answer = await c.read((b) => (b.length ? 1 : undefined));
  if (answer[0] === 0x4e)
    throw new StarttlsError("the PostgreSQL server does not accept SSL (it answered N)");
  if (answer[0] !== 0x53) throw new StarttlsError("the server did not answer the PostgreSQL SSLRequest");
}

async function mysql(c: Conversation): Promise<void> {
  const packet = await c.read((b) =>
    b.length >= 4 && b.length >= 4 + b.readUIntLE(0, 3) ? 4 + b.readUIntLE(0, 3) : undefined,
  );
  const p = packet.subarray(4);
  if (p[0] === 0xff)
    throw new StarttlsError(
      `the MySQL server refused the connection: ${shown(p.subarray(3).toString("latin1"))}`,
    );
  if (p[0] !== 10) throw new StarttlsError("not a MySQL greeting (protocol 10)");
  const versionEnd = p.indexOf(0, 1);
  const capsAt = versionEnd + 1 + 4 + 8 + 1;
  if (versionEnd < 0 || p.length < capsAt + 2) throw new StarttlsError("a malformed MySQL greeting");
  const CLIENT_SSL = 0x0800;
  if (!(p.readUInt16LE(capsAt) & CLIENT_SSL)) throw new StarttlsError("the MySQL server does not offer SSL");
  // SSLRequest: capabilities (PROTOCOL_41 | SSL | SECURE_CONNECTION), max packet, charset utf8mb4, 23 zeros.
  const body = Buffer.alloc(32);
  body.writeUInt32LE(0x0200 | CLIENT_SSL | 0x8000, 0);
  body.writeUInt32LE(16 * 1024 * 1024, 4);
  body[8] = 45;
  const header = Buffer.from([32, 0, 0, 1]);
  c.send(Buffer.concat([header, body]));
}

/**
 * Run `protocol`'s STARTTLS exchange on `socket`; resolves when the next byte to send is the ClientHello.
 * A failure names what the server did ("the SMTP server does not offer STARTTLS").
 */
export async function startTls(
  socket: net.Socket,
  protocol: StarttlsProtocol,
  host: string,
  timeoutMs: number,
): Promise<ProbeFailure | undefined> {
  const c = new Conversation(socket);
  const timer = setTimeout(() => c.expire(`no answer within ${(timeoutMs / 1000).toFixed(1)} s`), timeoutMs);
  try {
    switch (protocol) {
      case "smtp":
      case "submission":
        await smtp(c);
        break;
      case "imap":
        await imap(c);
        break;
      case "pop3":
        await pop3(c);
        break;
      case "ftp":
        await ftp(c);
        break;
      case "xmpp":
        await xmpp(c, host);
        break;
      case "ldap":
        await ldap(c);
        break;
      case "postgres":
        await postgres(c);
        break;
      case "mysql":
        await mysql(c);
        break;
    }
    c.finish();
    return undefined;
  } catch (e) {
    c.detach();
    return {
      kind: "tls-error",
      message: `STARTTLS (${protocol}): ${e instanceof Error ? e.message : String(e)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The `beforeTls` hook of the probe and raw mode for `protocol`. */
export function starttlsHook(protocol: StarttlsProtocol, host: string, timeoutMs: number) {
  return (socket: net.Socket) => startTls(socket, protocol, host, timeoutMs);
}
