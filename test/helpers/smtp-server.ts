/**
 * A minimal SMTP receiver on loopback (node:net) for the mail channel's tests: just enough of RFC 5321 for
 * a real client (nodemailer) to send — 220, EHLO/HELO, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT — and it
 * keeps each message it accepts. No STARTTLS, no AUTH: neither is advertised, so the client sends in the
 * clear, as it does to a local relay.
 */

import net from "node:net";

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The message as sent (headers, blank line, body), dot-unstuffed, CRLF line ends. */
  data: string;
}

export interface SmtpReceiver {
  port: number;
  messages: ReceivedMail[];
  /** Answer RCPT TO with this (e.g. "550 5.1.1 no such user") instead of 250. */
  rejectRecipients?: string;
  close(): Promise<void>;
}

const MAX_MESSAGE = 1024 * 1024;

export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const sockets = new Set<net.Socket>();
  const receiver: SmtpReceiver = {
    port: 0,
    messages: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((socket) => {
    // Each reply goes out at once (a multi-line EHLO reply is three writes).
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffered = "";
    let inData = false;
    let data: string[] = [];
    let from = "";
    let to: string[] = [];
    const reply = (line: string) => socket.write(`${line}\r\n`);
    const command = (line: string) => {
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === "EHLO") {
        reply("250-localhost greets you");
        reply("250-8BITMIME");
        reply("250 SIZE 1048576");
      } else if (verb === "HELO") reply("250 localhost");
      else if (verb === "MAIL") {
        from = /<([^>]*)>/.exec(line)?.[1] ?? "";
        to = [];
        reply("250 2.1.0 ok");
      } else if (verb === "RCPT") {
        if (receiver.rejectRecipients) return reply(receiver.rejectRecipients);
        to.push(/<([^>]*)>/.exec(line)?.[1] ?? "");
        reply("250 2.1.5 ok");
      } else if (verb === "DATA") {
        if (!to.length) return reply("503 5.5.1 no recipients");
        inData = true;
        data = [];
        reply("354 end with <CRLF>.<CRLF>");
      } else if (verb === "RSET") {
        from = "";
        to = [];
        reply("250 2.0.0 ok");
      } else if (verb === "NOOP") reply("250 2.0.0 ok");
      else if (verb === "QUIT") {
        reply("221 2.0.0 bye");
        socket.end();
      } else reply("502 5.5.2 not implemented");
    };
    socket.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("latin1");
      if (buffered.length > MAX_MESSAGE) {
        reply("552 5.3.4 too big");
        socket.destroy();
        return;
      }
      for (let end = buffered.indexOf("\r\n"); end >= 0; end = buffered.indexOf("\r\n")) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (!inData) {
          command(line);
          continue;
        }
        if (line === ".") {
          inData = false;
          receiver.messages.push({ from, to, data: `${data.join("\r\n")}\r\n` });
          reply("250 2.0.0 queued");
        } else data.push(line.startsWith("..") ? line.slice(1) : line);
      }
    });
    reply("220 localhost ESMTP test receiver");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.port = (server.address() as net.AddressInfo).port;
  return receiver;
}

/** The headers of a message (unfolded, names lower-cased) and its body. */
export function parseMail(data: string): { headers: Map<string, string>; body: string } {
  const split = data.indexOf("\r\n\r\n");
  const head = data.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const headers = new Map<string, string>();
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: data.slice(split + 4) };
}

/** A quoted-printable body decoded (soft line breaks joined, =XX as bytes, UTF-8). */
export function decodeQuotedPrintable(text: string): string {
  const bytes = text
    .replace(/=\r\n/g, "")
    .replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}
