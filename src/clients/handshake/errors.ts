/**
 * The message each client prints when a handshake fails, by how it fails: the server's alert, a version the
 * client does not accept, or a connection closed mid-handshake. Checked against the real clients in
 * test/net-tls-simulation.test.ts (OpenSSL, curl, Node, Java, Go); the browsers' codes (./chrome.ts,
 * ./firefox.ts) in test/net-tls-simulation-browsers.test.ts.
 */

import type { ClientId } from "../profile.js";
import { chromeError } from "./chrome.js";
import { firefoxError } from "./firefox.js";
import type { TlsVersion } from "./suites.js";
import { VERSION_WIRE } from "./suites.js";

export type HandshakeFailureCause =
  | { kind: "alert"; alert: number }
  | { kind: "version-chosen"; version: TlsVersion }
  /** The client agreed on an old version, then refused its SHA-1 signature (OpenSSL 3's security level). */
  | { kind: "legacy-signature"; version: TlsVersion }
  | { kind: "closed" };

export interface ClientError {
  /** The message as the client prints it. */
  text: string;
  /** The part of it that does not change from one run to the next (a test looks for it in the real output). */
  match: string;
}

/** RFC 8446 alert names, as Java prints them. */
const ALERT_NAMES: Record<number, string> = {
  10: "unexpected_message",
  20: "bad_record_mac",
  40: "handshake_failure",
  42: "bad_certificate",
  47: "illegal_parameter",
  48: "unknown_ca",
  50: "decode_error",
  51: "decrypt_error",
  70: "protocol_version",
  71: "insufficient_security",
  80: "internal_error",
  86: "inappropriate_fallback",
  109: "missing_extension",
  110: "unsupported_extension",
  112: "unrecognized_name",
  120: "no_application_protocol",
};

/** OpenSSL's reason strings for a received alert (ssl/ssl_err.c). */
function opensslAlertReason(alert: number): string {
  const words = (ALERT_NAMES[alert] ?? `alert ${alert}`).replace(/_/g, " ");
  if (alert === 112) return "tlsv1 unrecognized name";
  if (alert === 48) return "tlsv1 alert unknown ca";
  return alert < 48 ? `sslv3 alert ${words}` : `tlsv1 alert ${words}`;
}

/** OpenSSL 3's packed error code for a received alert: library 20 (SSL), reason 1000 + alert. */
function opensslAlertCode(alert: number): string {
  return `0A${(1000 + alert).toString(16).toUpperCase().padStart(6, "0")}`;
}

const GO_ALERTS: Record<number, string> = {
  10: "unexpected message",
  40: "handshake failure",
  42: "bad certificate",
  47: "illegal parameter",
  48: "unknown certificate authority",
  50: "error decoding message",
  70: "protocol version not supported",
  71: "insufficient security level",
  80: "internal error",
  86: "inappropriate fallback",
  109: "missing extension",
  112: "unrecognized name",
};

const JAVA_VERSION: Record<TlsVersion, string> = {
  SSLv3: "SSL30",
  TLSv1: "TLS10",
  "TLSv1.1": "TLS11",
  "TLSv1.2": "TLS12",
  "TLSv1.3": "TLS13",
};

function javaError(cause: HandshakeFailureCause): ClientError {
  if (cause.kind === "alert") {
    const match = `Received fatal alert: ${ALERT_NAMES[cause.alert] ?? cause.alert}`;
    return { text: `javax.net.ssl.SSLHandshakeException: ${match}`, match };
  }
  if (cause.kind === "version-chosen") {
    const match = `The server selected protocol version ${JAVA_VERSION[cause.version]} is not accepted by client preferences [TLS13, TLS12]`;
    return { text: `javax.net.ssl.SSLHandshakeException: ${match}`, match };
  }
  const match = "Remote host terminated the handshake";
  return { text: `javax.net.ssl.SSLHandshakeException: ${match}`, match };
}

function salesforceError(cause: HandshakeFailureCause): ClientError {
  const prefix = "System.CalloutException: IO Exception: ";
  if (cause.kind === "version-chosen") {
    // The wording Salesforce orgs report for a server that answers with an older version.
    const match = `Server chose ${cause.version}, but that protocol version is not enabled or not supported by the client.`;
    return { text: prefix + match, match };
  }
  const java = javaError(cause);
  return { text: prefix + java.match, match: java.match };
}

function opensslReason(cause: HandshakeFailureCause): { code: string; reason: string; fn: string } {
  if (cause.kind === "alert")
    return {
      code: opensslAlertCode(cause.alert),
      reason: opensslAlertReason(cause.alert),
      fn: "ssl3_read_bytes",
    };
  if (cause.kind === "version-chosen")
    return { code: "0A000102", reason: "unsupported protocol", fn: "tls_process_server_hello" };
  if (cause.kind === "legacy-signature")
    return {
      code: "0A00014D",
      reason: "legacy sigalg disallowed or unsupported",
      fn: "tls_process_key_exchange",
    };
  return { code: "0A000126", reason: "unexpected eof while reading", fn: "ssl3_read_n" };
}

export function clientError(client: ClientId, failure: HandshakeFailureCause): ClientError {
  // Only OpenSSL-based clients fail this way; any other would say the version is not accepted.
  const cause: HandshakeFailureCause =
    failure.kind === "legacy-signature" && client !== "openssl" && client !== "curl" && client !== "node"
      ? { kind: "version-chosen", version: failure.version }
      : failure;
  switch (client) {
    case "salesforce":
      return salesforceError(cause);
    case "java":
      return javaError(cause);
    case "openssl": {
      const o = opensslReason(cause);
      return { text: `error:${o.code}:SSL routines:${o.fn}:${o.reason}`, match: o.reason };
    }
    case "curl": {
      if (cause.kind === "closed")
        return { text: "curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL", match: "curl: (35)" };
      const o = opensslReason(cause);
      return { text: `curl: (35) OpenSSL/3.0: error:${o.code}:SSL routines::${o.reason}`, match: o.reason };
    }
    case "node": {
      if (cause.kind === "closed") {
        const match = "Client network socket disconnected before secure TLS connection was established";
        return { text: `Error [ECONNRESET]: ${match}`, match };
      }
      const o = opensslReason(cause);
      const code = `ERR_SSL_${o.reason.toUpperCase().replace(/ /g, "_")}`;
      const alert = cause.kind === "alert" ? `, SSL alert number ${cause.alert}` : "";
      return { text: `Error [${code}]: ${o.reason}${alert}`, match: code };
    }
    case "go": {
      if (cause.kind === "alert") {
        const match = `remote error: tls: ${GO_ALERTS[cause.alert] ?? `alert(${cause.alert})`}`;
        return { text: match, match };
      }
      if (cause.kind === "version-chosen") {
        const match = `tls: server selected unsupported protocol version ${VERSION_WIRE[cause.version].toString(16)}`;
        return { text: match, match };
      }
      return { text: "EOF", match: "EOF" };
    }
    case "chrome":
      return chromeError(cause);
    case "firefox":
      return firefoxError(cause);
  }
}
