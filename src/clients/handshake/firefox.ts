/**
 * Firefox's ClientHello (NSS's defaults as Firefox sets them), as Firefox ESR 153.8 sent it to a loopback
 * listener (Debian 12, December 2026); test/net-tls-simulation-browsers.test.ts captures it again and
 * compares, and checks the predictions against the real browser.
 *
 * Firefox sends no GREASE and the same extension order every time: server_name, extended_master_secret,
 * renegotiation_info, supported_groups, ec_point_formats, session_ticket, ALPN (h2, http/1.1),
 * status_request, delegated_credentials, signed_certificate_timestamp, key_share, supported_versions,
 * signature_algorithms, psk_key_exchange_modes, record_size_limit (16385), compress_certificate, and a GREASE
 * encrypted_client_hello. Unlike the published hellos of earlier releases, it no longer offers
 * TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA (0xc009).
 */

import type { ClientError, HandshakeFailureCause } from "./errors.js";
import type { ClientOffer } from "./offers.js";

export const FIREFOX_OFFER: ClientOffer = {
  client: "firefox",
  label: "Firefox ESR 153",
  versions: ["TLSv1.3", "TLSv1.2"],
  suites: [
    0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc02c, 0xc030, 0xc00a, 0xc013, 0xc014, 0x009c,
    0x009d, 0x002f, 0x0035,
  ],
  groups: [4588, 29, 23, 24, 25, 256, 257],
  keyShares: [4588, 29, 23],
  signatureAlgorithms: [
    0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201,
  ],
  sni: true,
  fallbackRetry: false,
  source: "ClientHello captured from Firefox ESR 153.8.0 (Debian 12) on loopback, December 2026",
};

/**
 * NSS's error for a received alert (ssl3_HandleAlert in lib/ssl/ssl3con.c). A handshake_failure alert in answer to the ClientHello is
 * SSL_ERROR_NO_CYPHER_OVERLAP ("any handshake failure on the client hello is a failure to match ciphers"),
 * and every alert the simulation predicts comes in answer to the ClientHello.
 */
const NSS_ALERT_ERRORS: Record<number, string> = {
  10: "SSL_ERROR_HANDSHAKE_UNEXPECTED_ALERT",
  20: "SSL_ERROR_BAD_MAC_ALERT",
  22: "SSL_ERROR_RECORD_OVERFLOW_ALERT",
  30: "SSL_ERROR_DECOMPRESSION_FAILURE_ALERT",
  40: "SSL_ERROR_NO_CYPHER_OVERLAP",
  42: "SSL_ERROR_BAD_CERT_ALERT",
  43: "SSL_ERROR_UNSUPPORTED_CERT_ALERT",
  44: "SSL_ERROR_REVOKED_CERT_ALERT",
  45: "SSL_ERROR_EXPIRED_CERT_ALERT",
  46: "SSL_ERROR_CERTIFICATE_UNKNOWN_ALERT",
  47: "SSL_ERROR_ILLEGAL_PARAMETER_ALERT",
  48: "SSL_ERROR_UNKNOWN_CA_ALERT",
  49: "SSL_ERROR_ACCESS_DENIED_ALERT",
  50: "SSL_ERROR_DECODE_ERROR_ALERT",
  51: "SSL_ERROR_DECRYPT_ERROR_ALERT",
  70: "SSL_ERROR_PROTOCOL_VERSION_ALERT",
  71: "SSL_ERROR_INSUFFICIENT_SECURITY_ALERT",
  80: "SSL_ERROR_INTERNAL_ERROR_ALERT",
  86: "SSL_ERROR_INAPPROPRIATE_FALLBACK_ALERT",
  90: "SSL_ERROR_USER_CANCELED_ALERT",
  109: "SSL_ERROR_MISSING_EXTENSION_ALERT",
  110: "SSL_ERROR_UNSUPPORTED_EXTENSION_ALERT",
  112: "SSL_ERROR_UNRECOGNIZED_NAME_ALERT",
  116: "SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT",
  120: "SSL_ERROR_NEXT_PROTOCOL_NO_PROTOCOL",
};

/** The code Firefox's error page shows for a failed handshake. */
export function firefoxError(cause: HandshakeFailureCause): ClientError {
  // A server that answers with an older version than Firefox offers: outside its range.
  const code =
    cause.kind === "closed"
      ? "PR_END_OF_FILE_ERROR"
      : cause.kind === "alert"
        ? (NSS_ALERT_ERRORS[cause.alert] ?? "SSL_ERROR_RX_UNKNOWN_ALERT")
        : "SSL_ERROR_UNSUPPORTED_VERSION";
  return { text: code, match: code };
}
