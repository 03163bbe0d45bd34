/**
 * The webhook channel (`--webhook URL`): POST each alert as JSON, in one of three shapes — the alert itself
 * (`generic`), a Slack incoming-webhook message (`slack`: `text` plus `blocks`), or a Teams message
 * carrying an Adaptive Card (`teams`: what a Teams "Workflows" webhook takes; the older Office 365
 * connector MessageCard is being retired by Microsoft). Every request goes through the address guard
 * (src/net/guard.ts guardedFetch): the URL's host is resolved, every address checked against the policy, and
 * the request goes to a checked address. A 2xx answer is a delivery; anything else is an Error saying why.
 *
 * Certificate fields (subjects, issuers) are chosen by whoever made the certificate, so they reach the
 * chat message as text, never as markup: Slack's `&`, `<`, `>` and the Adaptive Card's markdown
 * characters are escaped.
 */

import { createHash } from "node:crypto";
import {
  BlockedAddressError,
  type GuardPolicy,
  guardedFetch,
  ipLiteral,
  type LookupAll,
  refusalMessage,
  refusedBy,
} from "../net/guard.js";
import { InputError } from "../x509/errors.js";
import type { AlertMessage, AlertSink } from "./sinks.js";

export type WebhookFormat = "generic" | "slack" | "teams";
export const WEBHOOK_FORMATS: readonly WebhookFormat[] = ["generic", "slack", "teams"];

export const DEFAULT_CHANNEL_TIMEOUT_MS = 10_000;
/** A webhook's answer is not used: only its start is kept, for a failure's message. */
const MAX_ANSWER_BYTES = 64 * 1024;
const MAX_URL_LENGTH = 2048;
const MAX_HEADERS = 16;
const MAX_HEADER_LENGTH = 4096;

/**
 * A channel's name in the delivery records: the kind, the host and a short hash of the whole URL, so two
 * webhooks on one host are two channels, the same URL is the same channel from run to run, and the URL's
 * path (a Slack or Teams webhook's secret) is not written anywhere.
 */
export function channelName(kind: string, host: string, identity: string): string {
  const hash = createHash("sha256").update(identity).digest("hex").slice(0, 8);
  return `${kind}:${host}#${hash}`;
}

/** Check a `--webhook` URL: http or https, no credentials, a host, within the length limit. */
export function parseWebhookUrl(text: string): URL {
  const shown = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
  if (text.length > MAX_URL_LENGTH)
    throw new InputError(`--webhook ${shown}: longer than ${MAX_URL_LENGTH} characters`, "usage");
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new InputError(`--webhook ${shown}: not a URL (give http://… or https://…)`, "usage");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new InputError(`--webhook ${shown}: only http and https URLs are posted to`, "usage");
  if (u.username || u.password)
    throw new InputError(
      "--webhook: a URL with credentials is refused; send them with --webhook-header 'Authorization: …'",
      "usage",
    );
  return u;
}

/** `--webhook-header 'Name: value'`: a header name of token characters, a value without line breaks. */
export function parseWebhookHeaders(lines: readonly string[]): Record<string, string> {
  if (lines.length > MAX_HEADERS)
    throw new InputError(`--webhook-header: at most ${MAX_HEADERS} headers`, "usage");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon).trim() : "";
    // The value is a secret (a token): it is never part of a message.
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/.test(name))
      throw new InputError(
        `--webhook-header ${JSON.stringify(name || line.slice(0, 40))}: give 'Name: value'`,
        "usage",
      );
    const value = line.slice(colon + 1).trim();
    if (line.length > MAX_HEADER_LENGTH || /[\r\n\0]/.test(value))
      throw new InputError(
        `--webhook-header ${name}: the value has a line break or is over ${MAX_HEADER_LENGTH} characters`,
        "usage",
      );
    if (/^(host|content-length|content-type|transfer-encoding|connection)$/i.test(name))
      throw new InputError(`--webhook-header ${name}: chainproof sets this header itself`, "usage");
    headers[name.toLowerCase()] = value;
  }
  return headers;
}

/**
 * A channel given as an IP address the policy refuses is bad input at once (exit 2), not a delivery that
 * fails at every alert; a name is resolved and checked at each delivery (its addresses may change).
 */
export function refuseLiteral(host: string, policy: GuardPolicy): void {
  const literal = ipLiteral(host);
  const found = literal ? refusedBy(literal, policy) : undefined;
  if (literal && found)
    throw new BlockedAddressError(refusalMessage(literal, literal, found, policy), host, literal, found);
}

// ---------------------------------------------------------------------------------------------------------
// Payloads

const SEVERITY_MARK: Record<string, string> = { critical: "🔴", warning: "🟠", info: "🔵" };

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function labelsText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

/** Slack mrkdwn: `&`, `<` and `>` are the characters that make links and mentions (api.slack.com). */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A Slack incoming-webhook message: `text` (notifications, fallback) and Block Kit blocks. */
export function slackPayload(a: AlertMessage) {
  const mark = SEVERITY_MARK[a.severity] ?? "";
  const labels = labelsText(a.labels);
  const changes = a.changes.map((c) => `• ${c.message}`).join("\n");
  const context = [
    `*${a.kind}* · ${a.severity}`,
    `alert #${a.id}, round ${a.round}`,
    ...(a.since ? [`since ${a.since}`] : []),
    ...(labels ? [`labels: ${labels}`] : []),
  ];
  return {
    text: slackEscape(clip(`${mark} ${a.title}`, 3000)),
    blocks: [
      // plain_text: no markup at all in the header.
      { type: "header", text: { type: "plain_text", text: clip(`${mark} ${a.title}`, 150), emoji: true } },
      { type: "section", text: { type: "mrkdwn", text: slackEscape(clip(a.message, 3000)) } },
      ...(changes
        ? [{ type: "section", text: { type: "mrkdwn", text: slackEscape(clip(changes, 3000)) } }]
        : []),
      { type: "context", elements: [{ type: "mrkdwn", text: slackEscape(clip(context.join(" · "), 3000)) }] },
    ],
  };
}

/**
 * Adaptive Card TextBlocks and facts render a markdown subset: the characters that make emphasis, links,
 * code and HTML are escaped with a backslash, and so is a list or heading marker starting a line.
 */
export function markdownEscape(text: string): string {
  return text
    .replace(/[\\`*_[\]<>~|]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([-+#])(?=\s)/gm, "$1\\$2")
    .replace(/^(\s*)(\d+)\.(?=\s)/gm, "$1$2\\.");
}

/** A Teams message with one Adaptive Card (version 1.4), as a Teams "Workflows" webhook takes it. */
export function teamsPayload(a: AlertMessage) {
  const labels = labelsText(a.labels);
  const facts = [
    { title: "Target", value: a.target },
    { title: "Kind", value: a.kind },
    { title: "Severity", value: a.severity },
    ...(a.since ? [{ title: "Since", value: a.since }] : []),
    ...(labels ? [{ title: "Labels", value: labels }] : []),
    { title: "Alert", value: `#${a.id}, round ${a.round}` },
  ].map((f) => ({ title: f.title, value: markdownEscape(clip(f.value, 1000)) }));
  const text = (t: string, extra: object = {}) => ({ type: "TextBlock", text: t, wrap: true, ...extra });
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          msteams: { width: "Full" },
          body: [
            text(markdownEscape(clip(a.title, 500)), {
              size: "Medium",
              weight: "Bolder",
              color:
                a.severity === "critical" ? "Attention" : a.severity === "warning" ? "Warning" : "Default",
            }),
            text(markdownEscape(clip(a.message, 4000))),
            ...a.changes
              .slice(0, 20)
              .map((c) => text(markdownEscape(clip(`• ${c.message}`, 1000)), { spacing: "None" })),
            { type: "FactSet", facts },
          ],
        },
      },
    ],
  };
}

export function webhookPayload(format: WebhookFormat, a: AlertMessage): unknown {
  return format === "slack" ? slackPayload(a) : format === "teams" ? teamsPayload(a) : a;
}

// ---------------------------------------------------------------------------------------------------------
// The sink

export interface WebhookOptions {
  format?: WebhookFormat;
  /** Extra request headers (auth tokens): sent, never written to a message or the history. */
  headers?: Record<string, string>;
  /** The address policy; a private or loopback webhook needs allowPrivate (or allowLoopback). */
  policy: GuardPolicy;
  /** The whole request: lookup, connection, answer (default 10 s). */
  timeoutMs?: number;
  lookup?: LookupAll;
}

export class WebhookSink implements AlertSink {
  readonly channel: string;
  private readonly url: string;
  constructor(
    url: string,
    private readonly o: WebhookOptions,
  ) {
    const u = parseWebhookUrl(url);
    refuseLiteral(u.hostname, o.policy);
    this.url = u.toString();
    this.channel = channelName("webhook", u.host, this.url);
  }

  async deliver(alert: AlertMessage): Promise<void> {
    const body = Buffer.from(JSON.stringify(webhookPayload(this.o.format ?? "generic", alert)));
    const r = await guardedFetch(this.url, {
      policy: this.o.policy,
      method: "POST",
      body,
      headers: { ...this.o.headers, "content-type": "application/json; charset=utf-8" },
      timeoutMs: this.o.timeoutMs ?? DEFAULT_CHANNEL_TIMEOUT_MS,
      // A redirected POST would become a GET without the alert (RFC 9110 15.4): not followed.
      maxRedirects: 0,
      maxBytes: MAX_ANSWER_BYTES,
      ...(this.o.lookup ? { lookup: this.o.lookup } : {}),
    });
    const status = r.status ?? 0;
    if (status >= 300 && status < 400)
      throw new Error(`${this.channel}: answered HTTP ${status} (a redirect); give the final URL`);
    if (r.error) throw new Error(`${this.channel}: ${r.error}`);
    if (status >= 200 && status < 300) return;
    const answer = Buffer.from(r.body ?? new Uint8Array())
      .toString("utf8")
      .replace(/[\p{Cc}\p{Cf}]+/gu, " ")
      .trim();
    throw new Error(`${this.channel}: answered HTTP ${status}${answer ? `: ${clip(answer, 200)}` : ""}`);
  }
}
