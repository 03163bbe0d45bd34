/** Names for TLS code points (IANA TLS parameter registries), for findings and the showcerts summary. */

import { GROUP_NAMES, SIGNATURE_SCHEME_NAMES } from "../clients/handshake/suites.js";

export type TlsVersionName = "SSLv3" | "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";

export const VERSIONS: Record<number, TlsVersionName> = {
  768: "SSLv3",
  769: "TLSv1",
  770: "TLSv1.1",
  771: "TLSv1.2",
  772: "TLSv1.3",
};

export const VERSION_CODES: Record<TlsVersionName, number> = {
  SSLv3: 0x0300,
  TLSv1: 0x0301,
  "TLSv1.1": 0x0302,
  "TLSv1.2": 0x0303,
  "TLSv1.3": 0x0304,
};

export function versionName(v: number): string {
  return VERSIONS[v] ?? `0x${hex4(v)}`;
}

export function hex4(n: number): string {
  return n.toString(16).padStart(4, "0");
}

/** RFC 8446 6.2 and the TLS Alert registry. */
export const ALERTS: Record<number, string> = {
  0: "close_notify",
  10: "unexpected_message",
  20: "bad_record_mac",
  21: "decryption_failed",
  22: "record_overflow",
  30: "decompression_failure",
  40: "handshake_failure",
  41: "no_certificate",
  42: "bad_certificate",
  43: "unsupported_certificate",
  44: "certificate_revoked",
  45: "certificate_expired",
  46: "certificate_unknown",
  47: "illegal_parameter",
  48: "unknown_ca",
  49: "access_denied",
  50: "decode_error",
  51: "decrypt_error",
  60: "export_restriction",
  70: "protocol_version",
  71: "insufficient_security",
  80: "internal_error",
  86: "inappropriate_fallback",
  90: "user_canceled",
  100: "no_renegotiation",
  109: "missing_extension",
  110: "unsupported_extension",
  111: "certificate_unobtainable",
  112: "unrecognized_name",
  113: "bad_certificate_status_response",
  114: "bad_certificate_hash_value",
  115: "unknown_psk_identity",
  116: "certificate_required",
  120: "no_application_protocol",
};

export function alertName(code: number): string {
  return ALERTS[code] ?? "unknown";
}

export const HANDSHAKE_TYPES: Record<number, string> = {
  0: "HelloRequest",
  1: "ClientHello",
  2: "ServerHello",
  4: "NewSessionTicket",
  5: "EndOfEarlyData",
  8: "EncryptedExtensions",
  11: "Certificate",
  12: "ServerKeyExchange",
  13: "CertificateRequest",
  14: "ServerHelloDone",
  15: "CertificateVerify",
  16: "ClientKeyExchange",
  20: "Finished",
  22: "CertificateStatus",
  24: "KeyUpdate",
};

/**
 * Signature schemes (RFC 8446 4.2.3) and the TLS 1.2 hash/signature pairs that share their code points: one
 * table with the handshake simulation's (src/clients/handshake/suites.ts).
 */
export const SIGNATURE_SCHEMES: Record<number, string> = SIGNATURE_SCHEME_NAMES;

export function signatureSchemeName(v: number): string {
  return SIGNATURE_SCHEMES[v] ?? `0x${hex4(v)}`;
}

/** Named groups: the handshake simulation's table (src/clients/handshake/suites.ts). */
export const GROUPS: Record<number, string> = GROUP_NAMES;

export function groupName(v: number): string {
  return GROUPS[v] ?? `0x${hex4(v)}`;
}

/** Cipher suites by IANA name; the ones servers still negotiate, plus the signalling values. */
export const CIPHER_SUITES: Record<number, string> = {
  4865: "TLS_AES_128_GCM_SHA256",
  4866: "TLS_AES_256_GCM_SHA384",
  4867: "TLS_CHACHA20_POLY1305_SHA256",
  4868: "TLS_AES_128_CCM_SHA256",
  4869: "TLS_AES_128_CCM_8_SHA256",
  49195: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
  49196: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
  49199: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  49200: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
  52392: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
  52393: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
  52394: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
  49161: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
  49162: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
  49171: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
  49172: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
  49187: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
  49188: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
  49191: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
  49192: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
  49159: "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
  49160: "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
  49169: "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
  49170: "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
  156: "TLS_RSA_WITH_AES_128_GCM_SHA256",
  157: "TLS_RSA_WITH_AES_256_GCM_SHA384",
  158: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
  159: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
  47: "TLS_RSA_WITH_AES_128_CBC_SHA",
  53: "TLS_RSA_WITH_AES_256_CBC_SHA",
  60: "TLS_RSA_WITH_AES_128_CBC_SHA256",
  61: "TLS_RSA_WITH_AES_256_CBC_SHA256",
  51: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
  57: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
  103: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
  107: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
  10: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
  22: "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
  4: "TLS_RSA_WITH_RC4_128_MD5",
  5: "TLS_RSA_WITH_RC4_128_SHA",
  255: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
  22016: "TLS_FALLBACK_SCSV",
};

export function cipherSuiteName(v: number): string {
  return CIPHER_SUITES[v] ?? `0x${hex4(v)}`;
}

/** ClientCertificateType (RFC 5246 7.4.4, RFC 8422). */
export const CLIENT_CERTIFICATE_TYPES: Record<number, string> = {
  1: "rsa_sign",
  2: "dss_sign",
  3: "rsa_fixed_dh",
  4: "dss_fixed_dh",
  64: "ecdsa_sign",
  65: "rsa_fixed_ecdh",
  66: "ecdsa_fixed_ecdh",
};

export const EXTENSIONS = {
  serverName: 0,
  statusRequest: 5,
  supportedGroups: 10,
  ecPointFormats: 11,
  signatureAlgorithms: 13,
  alpn: 16,
  sct: 18,
  extendedMasterSecret: 23,
  sessionTicket: 35,
  supportedVersions: 43,
  certificateAuthorities: 47,
  pskKeyExchangeModes: 45,
  signatureAlgorithmsCert: 50,
  keyShare: 51,
  renegotiationInfo: 0xff01,
} as const;
