/**
 * The e-mail channel (`--smtp URL --mail-from ADDR --mail-to ADDR…`): each alert as one plain-text message
 * sent with nodemailer. No HTML part: certificate fields are chosen by whoever made the certificate, and
 * plain text cannot carry a link or an image they choose.
 *
 * The guard: before each message the SMTP host is resolved and every address checked against the policy
 * (src/net/guard.ts resolveGuarded), and nodemailer is handed the checked IP address — never the name, which
 * it would resolve again, where a second answer could differ (DNS rebinding). The name stays the TLS server
 * name (`servername`), so the server's certificate is still verified for the host the user gave.
 *
 * nodemailer is loaded when the first message is sent, not when the monitor starts.
 */

import { isIP } from "node:net";
import { type GuardPolicy, type LookupAll, resolveGuarded } from "../net/guard.js";
import { InputError } from "../x509/errors.js";
import type { AlertMessage, AlertSink } from "./sinks.js";
import { channelName, DEFAULT_CHANNEL_TIMEOUT_MS, refuseLiteral } from "./webhook.js";

export interface SmtpServer {
  host: string;
  port: number;
  /** smtps: TLS from the first byte (port 465); smtp: STARTTLS when the server offers it. */
  secure: boolean;
  user?: string;
  password?: string;
}

const MAX_RECIPIENTS = 50;

/** `smtp://[user[:pass]@]host[:port]` (default 587) or `smtps://…` (default 465). */
export function parseSmtpUrl(text: string): SmtpServer {
  if (text.length > 2048) throw new InputError("--smtp: longer than 2048 characters", "usage");
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new InputError("--smtp: not a URL (give smtp://host:port or smtps://user:pass@host)", "usage");
  }
  // The URL may hold a password: the messages name the host only.
  if (u.protocol !== "smtp:" && u.protocol !== "smtps:")
    throw new InputError(`--smtp: ${u.protocol}// is not an SMTP URL (smtp:// or smtps://)`, "usage");
  if (!u.hostname) throw new InputError("--smtp: the URL has no host", "usage");
  if ((u.pathname && u.pathname !== "/") || u.search)
    throw new InputError(`--smtp ${u.hostname}: give no path or query, only smtp://host:port`, "usage");
  const secure = u.protocol === "smtps:";
  const decode = (part: string, what: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new InputError(`--smtp ${u.hostname}: the ${what} is not valid percent-encoding`, "usage");
    }
  };
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    ...(u.username ? { user: decode(u.username, "user name") } : {}),
    ...(u.password ? { password: decode(u.password, "password") } : {}),
  };
}

/** An address for MAIL FROM / RCPT TO: one line, one `@`, within RFC 5321's length. */
export function checkMailAddress(option: string, text: string): string {
  const a = text.trim();
  if (a.length > 254 || !/^[^\s@<>",;:\\()[\]\p{Cc}]+@[^\s@<>",;:\\()[\]\p{Cc}]+$/u.test(a))
    throw new InputError(`${option} ${JSON.stringify(text.slice(0, 80))}: not an e-mail address`, "usage");
  return a;
}

export function checkRecipients(list: readonly string[]): string[] {
  if (list.length === 0) throw new InputError("--smtp needs at least one --mail-to", "usage");
  if (list.length > MAX_RECIPIENTS)
    throw new InputError(`--mail-to: at most ${MAX_RECIPIENTS} recipients`, "usage");
  return list.map((a) => checkMailAddress("--mail-to", a));
}

/** Control characters out (a header stays one line), clipped. */
function oneLine(text: string, max: number): string {
  const t = text.replace(/[\p{Cc}\p{Cf}]+/gu, " ").trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

export function mailSubject(a: AlertMessage): string {
  return oneLine(`[chainproof] ${a.severity} ${a.kind}: ${a.title}`, 200);
}

/** The message's plain-text body. */
export function mailBody(a: AlertMessage): string {
  const labels = Object.entries(a.labels).map(([k, v]) => `${k}=${v}`);
  const lines = [
    a.title,
    "",
    a.message,
    "",
    `Target:     ${a.target}`,
    `Kind:       ${a.kind} (${a.severity})`,
    ...(a.conditions.length ? [`Conditions: ${a.conditions.join(", ")}`] : []),
    ...(a.since ? [`Since:      ${a.since}`] : []),
    ...(labels.length ? [`Labels:     ${labels.join(", ")}`] : []),
    `Alert:      #${a.id}, round ${a.round}, ${a.createdAt}`,
  ];
  if (a.changes.length) lines.push("", "Changes:", ...a.changes.map((c) => `  - ${c.message}`));
  lines.push("", "-- ", "chainproof monitor (chainproof alerts --db … shows every alert)");
  // Control characters other than line breaks do not belong in a text message.
  return `${lines.join("\n").replace(/[^\P{Cc}\n\t]/gu, " ")}\n`;
}

export interface MailOptions {
  server: SmtpServer;
  from: string;
  to: readonly string[];
  policy: GuardPolicy;
  /** Connection, greeting and each reply (default 10 s). */
  timeoutMs?: number;
  lookup?: LookupAll;
}

export class MailSink implements AlertSink {
  readonly channel: string;
  private readonly from: string;
  private readonly to: string[];
  constructor(private readonly o: MailOptions) {
    this.from = checkMailAddress("--mail-from", o.from);
    this.to = checkRecipients(o.to);
    const s = o.server;
    refuseLiteral(s.host, o.policy);
    this.channel = channelName(
      "mail",
      s.host.includes(":") ? `[${s.host}]` : s.host,
      `${s.secure ? "smtps" : "smtp"}://${s.user ?? ""}@${s.host}:${s.port} ${this.to.join(",")}`,
    );
  }

  async deliver(alert: AlertMessage): Promise<void> {
    const s = this.o.server;
    let checked: string;
    try {
      checked = (await resolveGuarded(s.host, this.o.policy, this.o.lookup)).address;
    } catch (e) {
      throw new Error(`${this.channel}: ${(e as Error).message}`);
    }
    const { default: nodemailer } = await import("nodemailer");
    const timeout = this.o.timeoutMs ?? DEFAULT_CHANNEL_TIMEOUT_MS;
    const transport = nodemailer.createTransport({
      host: checked,
      port: s.port,
      secure: s.secure,
      // The TLS name (certificate check, SNI) is the host the user gave, not the address connected to;
      // a host given as an address is checked as one (SNI carries no address: RFC 6066).
      ...(isIP(s.host) ? {} : { servername: s.host, tls: { servername: s.host } }),
      // A password is not sent in the clear: with credentials, smtp:// must upgrade with STARTTLS.
      requireTLS: !s.secure && s.user !== undefined,
      ...(s.user !== undefined ? { auth: { user: s.user, pass: s.password ?? "" } } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      dnsTimeout: timeout,
    } as Parameters<typeof nodemailer.createTransport>[0]);
    try {
      await transport.sendMail({
        from: this.from,
        to: this.to,
        subject: mailSubject(alert),
        text: mailBody(alert),
        headers: { "X-Chainproof-Alert": `${alert.id} ${alert.kind} ${alert.severity}` },
      });
    } catch (e) {
      throw new Error(`${this.channel}: ${mailError(e)}`);
    } finally {
      transport.close();
    }
  }
}

/** nodemailer's error as one line: its code and the server's reply (or its own message). */
function mailError(e: unknown): string {
  const err = e as { code?: string; response?: string; message?: string };
  const text = oneLine(err.response ?? err.message ?? String(e), 300);
  return err.code && !text.includes(err.code) ? `${err.code}: ${text}` : text;
}
