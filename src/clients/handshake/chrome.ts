/**
 * Chrome's ClientHello (BoringSSL's defaults as Chrome sets them), as Chromium 156.0.8078 sent it to a
 * loopback listener (Debian 12, December 2026); test/net-tls-simulation-browsers.test.ts captures it again
 * and compares, and checks the predictions against the real browser.
 *
 * Left out, because a server ignores them: GREASE (RFC 8701) in the suites, groups, key shares, versions,
 * signature algorithms and extensions, a new random value per hello. Chrome also permutes the order of its
 * extensions on every hello; a server must not depend on that order, so it is not modelled. Extensions sent:
 * server_name, extended_master_secret, renegotiation_info, supported_groups, ec_point_formats, session_ticket,
 * ALPN (h2, http/1.1), status_request, signature_algorithms, signed_certificate_timestamp, key_share,
 * psk_key_exchange_modes, supported_versions, compress_certificate (brotli), application_settings (0x44cd),
 * a GREASE encrypted_client_hello, and 0xca34 (TLS trust anchor identifiers).
 */

import type { ClientError, HandshakeFailureCause } from "./errors.js";
import type { ClientOffer } from "./offers.js";

export const CHROME_OFFER: ClientOffer = {
  client: "chrome",
  label: "Chrome 156",
  versions: ["TLSv1.3", "TLSv1.2"],
  suites: [
    0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
    0x002f, 0x0035,
  ],
  groups: [4588, 29, 23, 24],
  keyShares: [4588, 29],
  // ML-DSA-44/65/87 (0x0904-0x0906) first, then the classical schemes.
  signatureAlgorithms: [
    0x0904, 0x0905, 0x0906, 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
  ],
  sni: true,
  fallbackRetry: false,
  source:
    "ClientHello captured from Chromium 156.0.8078.129 (Debian 12) on loopback, December 2026 (GREASE left out)",
};

/**
 * Chrome's net error for a received alert, as Chromium maps BoringSSL's reasons (MapOpenSSLErrorSSL in
 * net/socket/openssl_ssl_util.cc); any other alert is ERR_SSL_PROTOCOL_ERROR. handshake_failure (40), as
 * Chromium 156 was seen to answer it, is a mismatch too.
 */
const CHROME_ALERT_ERRORS: Record<number, string> = {
  20: "ERR_SSL_BAD_RECORD_MAC_ALERT",
  30: "ERR_SSL_DECOMPRESSION_FAILURE_ALERT",
  40: "ERR_SSL_VERSION_OR_CIPHER_MISMATCH",
  42: "ERR_BAD_SSL_CLIENT_AUTH_CERT",
  43: "ERR_BAD_SSL_CLIENT_AUTH_CERT",
  44: "ERR_BAD_SSL_CLIENT_AUTH_CERT",
  45: "ERR_BAD_SSL_CLIENT_AUTH_CERT",
  46: "ERR_BAD_SSL_CLIENT_AUTH_CERT",
  48: "ERR_BAD_SSL_CLIENT_AUTH_CERT",
  49: "ERR_BAD_SSL_CLIENT_AUTH_CERT",
  51: "ERR_SSL_DECRYPT_ERROR_ALERT",
  70: "ERR_SSL_VERSION_OR_CIPHER_MISMATCH",
  71: "ERR_SSL_VERSION_OR_CIPHER_MISMATCH",
  112: "ERR_SSL_UNRECOGNIZED_NAME_ALERT",
  116: "ERR_BAD_SSL_CLIENT_AUTH_CERT",
};

/** The net error Chrome shows (its error page, page.goto's "net::ERR_…") for a failed handshake. */
export function chromeError(cause: HandshakeFailureCause): ClientError {
  // An older version chosen by the server is BoringSSL's UNSUPPORTED_PROTOCOL: a mismatch as well.
  const code =
    cause.kind === "closed"
      ? "ERR_CONNECTION_CLOSED"
      : cause.kind === "alert"
        ? (CHROME_ALERT_ERRORS[cause.alert] ?? "ERR_SSL_PROTOCOL_ERROR")
        : "ERR_SSL_VERSION_OR_CIPHER_MISMATCH";
  return { text: code, match: code };
}
