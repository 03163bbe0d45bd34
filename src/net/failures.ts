/** How a probe can fail, with the message a person reads. Shared by the node-based probe and the raw hello. */

import { alertName } from "./tls-names.js";

export type FailureKind =
  | "dns"
  | "blocked"
  | "refused"
  | "reset"
  | "unreachable"
  | "connect-timeout"
  | "hello-timeout"
  | "handshake-timeout"
  | "total-timeout"
  | "closed"
  | "not-tls"
  | "malformed"
  | "no-shared-version"
  | "alert"
  | "byte-limit"
  | "client-refused"
  | "tls-error"
  /** The caller aborted (an AbortSignal): the connection was closed at once. */
  | "cancelled";

export interface AlertInfo {
  level: "warning" | "fatal" | string;
  code: number;
  name: string;
}

export interface ProbeFailure {
  kind: FailureKind;
  /** One line, e.g. "handshake alert 40 (handshake_failure)". May hold server-sent text: escape it for terminals. */
  message: string;
  /** The server's alert, for kind "alert" and for "no-shared-version" when an alert said so. */
  alert?: AlertInfo;
  /** What node/OpenSSL reported, when that differs from the message (error code and text). */
  detail?: string;
}

export function alertInfo(level: number, code: number): AlertInfo {
  return {
    level: level === 1 ? "warning" : level === 2 ? "fatal" : String(level),
    code,
    name: alertName(code),
  };
}

export function alertMessage(a: AlertInfo): string {
  return `handshake alert ${a.code} (${a.name})`;
}

/** "not TLS (server sent "HTTP/1.1 400 Bad Request")": the first line when it is text, else hex. */
export function notTlsMessage(sample: Uint8Array | undefined): string {
  if (!sample || sample.length === 0) return "not TLS";
  const b = Buffer.from(sample);
  const text = b.toString("latin1");
  const firstLine = text.split(/\r?\n/)[0];
  const printable = /^[\x20-\x7e\t]+$/.test(firstLine) && firstLine.length >= Math.min(4, b.length);
  const shown = printable
    ? JSON.stringify(firstLine.length > 60 ? `${firstLine.slice(0, 60)}…` : firstLine)
    : `bytes ${b.subarray(0, 16).toString("hex").replace(/(..)/g, "$1 ").trim()}${b.length > 16 ? " …" : ""}`;
  const hint = guessProtocol(text);
  return `not TLS (server sent ${shown})${hint ? `: ${hint}` : ""}`;
}

function guessProtocol(text: string): string | undefined {
  if (/^HTTP\/\d/.test(text)) return "a plain-HTTP server";
  if (text.startsWith("SSH-")) return "an SSH server";
  if (/^220[ -]/.test(text)) return "an SMTP or FTP banner (STARTTLS is not supported)";
  if (text.startsWith("+OK")) return "a POP3 banner";
  if (text.startsWith("* OK")) return "an IMAP banner";
  return undefined;
}

/** Map a socket error code to a failure (connect phase and later). */
export function socketFailure(e: NodeJS.ErrnoException, whileConnecting: boolean): ProbeFailure | undefined {
  switch (e.code) {
    case "ECONNREFUSED":
      return { kind: "refused", message: "connection refused" };
    case "ECONNRESET":
    case "EPIPE":
      return {
        kind: "reset",
        message: whileConnecting ? "connection reset" : "connection reset by the server",
      };
    case "EHOSTUNREACH":
      return { kind: "unreachable", message: "host unreachable" };
    case "ENETUNREACH":
      return { kind: "unreachable", message: "network unreachable" };
    case "EADDRNOTAVAIL":
      return { kind: "unreachable", message: "address not available (no route from this machine)" };
    case "ETIMEDOUT":
      return { kind: "connect-timeout", message: "timeout while connecting (the operating system gave up)" };
  }
  return undefined;
}

export const DNS_ERRORS = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_FAIL",
  "ENODATA",
  "EAI_NONAME",
  "ESERVFAIL",
]);
