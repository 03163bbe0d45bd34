/**
 * Loopback servers speaking the server side of each STARTTLS exchange as the protocol's RFC describes it
 * (SMTP 3207, IMAP 2595, POP3 2595, FTP 4217, XMPP 6120, LDAP 4511 StartTLS, MySQL's SSLRequest), then TLS
 * with the given certificate. `offer: false` leaves STARTTLS out of what the server advertises.
 */

import net from "node:net";
import { Duplex } from "node:stream";
import tls from "node:tls";

export type FakeProtocol = "smtp" | "imap" | "pop3" | "ftp" | "xmpp" | "ldap" | "mysql";

export interface FakeServer {
  port: number;
  close(): Promise<void>;
}

/** TLS over `socket` from here on, `leftover` being the first bytes already read (a pipelined ClientHello). */
function upgrade(socket: net.Socket, leftover: Buffer, context: tls.SecureContext): void {
  socket.removeAllListeners("data");
  const duplex = new Duplex({
    read() {},
    write(chunk, _enc, cb) {
      socket.write(chunk, cb);
    },
  });
  if (leftover.length) duplex.push(leftover);
  socket.on("data", (b) => duplex.push(b));
  socket.on("end", () => duplex.push(null));
  const secure = new tls.TLSSocket(duplex, { isServer: true, secureContext: context });
  secure.on("error", () => socket.destroy());
  secure.on("secure", () => secure.end("hello\r\n"));
  secure.on("close", () => socket.destroy());
}

const MYSQL_GREETING = (() => {
  const caps = 0xffff; // CLIENT_SSL (0x0800) among them
  const body = Buffer.concat([
    Buffer.from([10]),
    Buffer.from("8.0.0-chainproof-test\0", "latin1"),
    Buffer.from([1, 0, 0, 0]),
    Buffer.from("abcdefgh", "latin1"),
    Buffer.from([0, caps & 0xff, caps >> 8, 45, 2, 0, 0xff, 0xc1, 21]),
    Buffer.alloc(10),
    Buffer.from("ijklmnopqrst\0mysql_native_password\0", "latin1"),
  ]);
  return Buffer.concat([Buffer.from([body.length & 0xff, body.length >> 8, 0, 0]), body]);
})();

/** LDAPMessage { 1, extendedResp { resultCode success, matchedDN "", diagnosticMessage "" } }. */
const LDAP_SUCCESS = Buffer.from([
  0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
]);

export async function startFakeStarttls(
  protocol: FakeProtocol,
  o: { key: string; cert: string; offer?: boolean },
): Promise<FakeServer> {
  const context = tls.createSecureContext({ key: o.key, cert: o.cert });
  const offer = o.offer !== false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buf = Buffer.alloc(0);
    const go = (reply: string | Buffer, consumed: number) => {
      const rest = buf.subarray(consumed);
      socket.write(reply);
      upgrade(socket, rest, context);
    };
    /** Line-based protocols: `onLine` answers each complete line; returns true once TLS started. */
    const lines = (onLine: (line: string, consumed: number) => boolean) => {
      socket.on("data", (b) => {
        buf = Buffer.concat([buf, b]);
        for (;;) {
          const i = buf.indexOf("\n");
          if (i < 0) return;
          const line = buf.subarray(0, i).toString("latin1").trim();
          if (onLine(line, i + 1)) return;
          buf = buf.subarray(i + 1);
        }
      });
    };
    switch (protocol) {
      case "smtp":
        socket.write("220 mail.test ESMTP ready\r\n");
        lines((l, n) => {
          if (/^EHLO/i.test(l))
            socket.write(
              `250-mail.test\r\n250-PIPELINING\r\n${offer ? "250-STARTTLS\r\n" : ""}250 8BITMIME\r\n`,
            );
          else if (/^STARTTLS/i.test(l) && offer) {
            go("220 2.0.0 Ready to start TLS\r\n", n);
            return true;
          } else socket.write("502 5.5.1 command not implemented\r\n");
          return false;
        });
        break;
      case "imap":
        socket.write(`* OK [CAPABILITY IMAP4rev1${offer ? " STARTTLS" : ""}] ready\r\n`);
        lines((l, n) => {
          const [tag, cmd] = l.split(" ");
          if (cmd?.toUpperCase() === "STARTTLS" && offer) {
            go(`${tag} OK Begin TLS negotiation now\r\n`, n);
            return true;
          }
          socket.write(`${tag} BAD unknown command\r\n`);
          return false;
        });
        break;
      case "pop3":
        socket.write("+OK POP3 ready\r\n");
        lines((l, n) => {
          if (/^STLS/i.test(l) && offer) {
            go("+OK Begin TLS negotiation\r\n", n);
            return true;
          }
          socket.write("-ERR unknown command\r\n");
          return false;
        });
        break;
      case "ftp":
        socket.write("220-Welcome to the test FTP server\r\n220 ready\r\n");
        lines((l, n) => {
          if (/^AUTH TLS/i.test(l) && offer) {
            go("234 AUTH TLS successful\r\n", n);
            return true;
          }
          socket.write("502 command not implemented\r\n");
          return false;
        });
        break;
      case "xmpp":
        socket.on("data", (b) => {
          buf = Buffer.concat([buf, b]);
          const text = buf.toString("utf8");
          if (text.includes("<stream:stream") && !text.includes("<starttls")) {
            buf = Buffer.alloc(0);
            socket.write(
              `<?xml version='1.0'?><stream:stream from='chat.test' id='t1' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'><stream:features>${offer ? "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>" : ""}<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>`,
            );
          } else if (text.includes("<starttls")) {
            const end = text.indexOf("/>") + 2;
            go("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", Buffer.byteLength(text.slice(0, end)));
          }
        });
        break;
      case "ldap":
        socket.on("data", (b) => {
          buf = Buffer.concat([buf, b]);
          if (buf.length >= 2 && buf.length >= 2 + buf[1]) go(LDAP_SUCCESS, 2 + buf[1]);
        });
        break;
      case "mysql":
        socket.write(MYSQL_GREETING);
        socket.on("data", (b) => {
          buf = Buffer.concat([buf, b]);
          if (buf.length >= 36) {
            const rest = buf.subarray(36);
            upgrade(socket, rest, context);
          }
        });
        break;
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}
