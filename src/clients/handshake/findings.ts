/**
 * Findings about a server's TLS configuration (versions, cipher suites, groups, SNI), each with the fix for
 * the common servers, as the chain repair gives them (nginx, Apache httpd, HAProxy, Java, Node.js). The codes
 * are listed in docs/tls.md.
 */

import type { ClientEffect, ReportFinding } from "../finding.js";
import type { ClientId } from "../profile.js";
import type { TlsServerProfile } from "./server.js";
import type { FailureReason, HandshakePrediction } from "./simulate.js";
import { suiteInfo, suiteName, TLS_VERSIONS, type TlsVersion } from "./suites.js";

export interface ServerFix {
  server: string;
  text: string;
}

export interface TlsFinding extends ReportFinding {
  /** The configuration that fixes it, per server software. */
  servers: ServerFix[];
}

/** Mozilla's "intermediate" TLS 1.2 suites (forward secrecy, AEAD), in OpenSSL and IANA (Java) names. */
const GOOD_OPENSSL =
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
const GOOD_IANA =
  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";

const PROTOCOL_FIX: ServerFix[] = [
  { server: "nginx", text: "ssl_protocols TLSv1.2 TLSv1.3;" },
  { server: "Apache httpd", text: "SSLProtocol -all +TLSv1.2 +TLSv1.3" },
  { server: "HAProxy", text: "# global section\nssl-default-bind-options ssl-min-ver TLSv1.2" },
  {
    server: "Java (Tomcat, Spring Boot)",
    text: '# Spring Boot\nserver.ssl.enabled-protocols=TLSv1.3,TLSv1.2\n# Tomcat server.xml\n<SSLHostConfig protocols="TLSv1.2+TLSv1.3">',
  },
  {
    server: "Node.js",
    text: 'tls.createServer({ minVersion: "TLSv1.2", maxVersion: "TLSv1.3", key, cert });',
  },
];

const CIPHER_FIX: ServerFix[] = [
  { server: "nginx", text: `ssl_ciphers ${GOOD_OPENSSL};\nssl_prefer_server_ciphers off;` },
  { server: "Apache httpd", text: `SSLCipherSuite ${GOOD_OPENSSL}\nSSLHonorCipherOrder off` },
  {
    server: "HAProxy",
    text: `# global section\nssl-default-bind-ciphers ${GOOD_OPENSSL}\nssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256`,
  },
  {
    server: "Java (Tomcat, Spring Boot)",
    text: `# Spring Boot\nserver.ssl.ciphers=TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,${GOOD_IANA}\n# Tomcat server.xml: <SSLHostConfig ciphers="${GOOD_IANA}">`,
  },
  { server: "Node.js", text: `tls.createServer({ ciphers: "${GOOD_OPENSSL}", key, cert });` },
];

const GROUP_FIX: ServerFix[] = [
  { server: "nginx", text: "ssl_ecdh_curve X25519:prime256v1:secp384r1;" },
  { server: "Apache httpd", text: "SSLOpenSSLConfCmd Curves X25519:prime256v1:secp384r1" },
  { server: "HAProxy", text: "# global section\nssl-default-bind-curves X25519:P-256:P-384" },
  {
    server: "Java (Tomcat, Spring Boot)",
    text: "# JVM option\n-Djdk.tls.namedGroups=x25519,secp256r1,secp384r1",
  },
  { server: "Node.js", text: 'tls.createServer({ ecdhCurve: "X25519:P-256:P-384", key, cert });' },
];

const SNI_FIX: ServerFix[] = [
  {
    server: "nginx",
    text: "# The certificate a client without SNI gets is the default server's: make it this site's.\nserver { listen 443 ssl default_server; server_name example.com; ssl_certificate /path/to/fullchain.pem; … }",
  },
  {
    server: "Apache httpd",
    text: "# A client without SNI gets the first <VirtualHost *:443>: put this site's first, and allow it:\nSSLStrictSNIVHostCheck off",
  },
  {
    server: "HAProxy",
    text: "# The first crt is the default certificate:\nbind :443 ssl crt /etc/haproxy/certs/site.pem crt /etc/haproxy/certs/",
  },
  {
    server: "Java (Tomcat, Spring Boot)",
    text: '# Tomcat server.xml: the host config a client without SNI gets\n<Connector … defaultSSLHostConfigName="example.com">',
  },
  {
    server: "Node.js",
    text: "// key and cert are what a client without SNI gets; SNICallback picks the others\ntls.createServer({ key, cert, SNICallback }, …);",
  },
];

const REASON_CODES: Record<FailureReason, string> = {
  "no-common-version": "tls-no-common-version",
  "no-common-cipher": "tls-no-common-cipher",
  "no-common-group": "tls-no-common-group",
  "no-common-signature-algorithm": "tls-no-common-signature-algorithm",
};

const REASON_FIXES: Record<FailureReason, { fix: string; servers: ServerFix[] }> = {
  "no-common-version": { fix: "Enable TLS 1.2 and TLS 1.3 on the server.", servers: PROTOCOL_FIX },
  "no-common-cipher": {
    fix: "Enable ECDHE suites with AES-GCM or ChaCha20-Poly1305 (and the TLS 1.3 defaults).",
    servers: CIPHER_FIX,
  },
  "no-common-group": { fix: "Enable X25519 and P-256 for key exchange.", servers: GROUP_FIX },
  "no-common-signature-algorithm": {
    fix: "Use an RSA (2048+) or ECDSA P-256 certificate key, which every client can verify.",
    servers: [],
  },
};

/** The findings for one server: handshake failures per client first, then weaknesses of the configuration. */
export function tlsFindings(server: TlsServerProfile, predictions: HandshakePrediction[]): TlsFinding[] {
  return [...failureFindings(predictions), ...configurationFindings(server)];
}

function failureFindings(predictions: HandshakePrediction[]): TlsFinding[] {
  const byReason = new Map<FailureReason, HandshakePrediction[]>();
  for (const p of predictions) {
    if (p.outcome !== "fails" || !p.failure) continue;
    byReason.set(p.failure.reason, [...(byReason.get(p.failure.reason) ?? []), p]);
  }
  return [...byReason].map(([reason, failing]) => {
    const clients: Partial<Record<ClientId, ClientEffect>> = {};
    for (const p of failing) clients[p.client] = { rejects: true, error: p.error?.text };
    return {
      code: REASON_CODES[reason],
      severity: "error",
      // What the server does is the same for all; what each client offers follows "; " and is its own.
      message: `${failing.map((p) => p.label).join(", ")}: ${failing.length > 1 ? failing[0].failure!.message.split("; ")[0] : failing[0].failure!.message}`,
      fix: REASON_FIXES[reason].fix,
      servers: REASON_FIXES[reason].servers,
      clients,
    };
  });
}

function configurationFindings(server: TlsServerProfile): TlsFinding[] {
  const out: TlsFinding[] = [];
  const supported = TLS_VERSIONS.filter((v) => server.versions[v] === "yes");
  const accepted = [...new Set(supported.flatMap((v) => server.suites[v] ?? []))];
  const old = supported.filter((v) => v === "SSLv3" || v === "TLSv1" || v === "TLSv1.1");
  if (old.length)
    out.push({
      code: "tls-old-version",
      severity: old.includes("SSLv3") ? "error" : "warning",
      message: `The server accepts ${old.join(", ")}, which current clients refuse and which are open to known attacks (POODLE, BEAST).`,
      fix: "Accept TLS 1.2 and TLS 1.3 only.",
      servers: PROTOCOL_FIX,
      data: { versions: old },
    });
  if (supported.length && server.versions["TLSv1.3"] === "no")
    out.push({
      code: "tls13-absent",
      severity: "info",
      message:
        "The server does not speak TLS 1.3 (faster handshakes, forward secrecy always, no legacy suites).",
      fix: "Enable TLS 1.3 (OpenSSL 1.1.1 or later, Java 11 or later, Node.js 12 or later).",
      servers: PROTOCOL_FIX,
    });
  const weak = accepted.filter((id) => (suiteInfo(id)?.weaknesses.length ?? 0) > 0);
  if (weak.length)
    out.push({
      code: "tls-weak-cipher",
      severity: "warning",
      message: `The server accepts weak cipher suites: ${weak.map((id) => `${suiteName(id)} (${suiteInfo(id)!.weaknesses.join(", ")})`).join("; ")}.`,
      fix: "Remove RC4, 3DES, DES, export, NULL and anonymous suites.",
      servers: CIPHER_FIX,
      data: { suites: weak.map(suiteName) },
    });
  const tls12 = server.suites["TLSv1.2"] ?? [];
  if (tls12.length && tls12.every((id) => suiteInfo(id)?.mac === "SHA"))
    out.push({
      code: "tls-cbc-sha1-only",
      severity: "warning",
      message:
        "In TLS 1.2 the server accepts only CBC suites with SHA-1 MACs, no AEAD suite (AES-GCM, ChaCha20-Poly1305).",
      fix: "Enable the AES-GCM and ChaCha20-Poly1305 suites.",
      servers: CIPHER_FIX,
    });
  if (accepted.length && !accepted.some((id) => suiteInfo(id)?.forwardSecrecy))
    out.push({
      code: "tls-no-forward-secrecy",
      severity: "warning",
      message:
        "No suite the server accepts has forward secrecy: a stolen server key decrypts recorded traffic.",
      fix: "Enable ECDHE suites (and TLS 1.3).",
      servers: CIPHER_FIX,
    });
  const rsa = accepted.filter((id) => suiteInfo(id)?.keyExchange === "RSA");
  if (rsa.length)
    out.push({
      code: "tls-rsa-key-exchange",
      severity: "info",
      message: `The server accepts RSA key exchange (${rsa.length} suite${rsa.length === 1 ? "" : "s"}, e.g. ${suiteName(rsa[0])}): no forward secrecy for the clients that pick it; Salesforce is phasing it out.`,
      fix: "Remove the TLS_RSA_WITH_* suites; keep the ECDHE ones.",
      servers: CIPHER_FIX,
      data: { suites: rsa.map(suiteName) },
    });
  if (server.sni && !server.sni.answersWithout)
    out.push({
      code: "tls-sni-required",
      severity: "warning",
      message:
        "Without SNI the server refuses the handshake: a client that sends no server name (an IP address, Java for a name without a dot, old clients) cannot connect.",
      fix: "Give the server a default certificate for clients without SNI.",
      servers: SNI_FIX,
    });
  else if (server.sni && server.sni.sameCertificate === false)
    out.push({
      code: "tls-sni-different-certificate",
      severity: "warning",
      message:
        "Without SNI the server sends a different certificate: a client that sends no server name gets a certificate for another name.",
      fix: "Make this site's certificate the default one.",
      servers: SNI_FIX,
    });
  return out;
}

/** Versions oldest first, for tables. */
export function versionsSpoken(server: TlsServerProfile): TlsVersion[] {
  return TLS_VERSIONS.filter((v) => server.versions[v] === "yes");
}
