/**
 * What each client puts in its ClientHello: versions, cipher suites in its order, groups, key shares,
 * signature algorithms and whether it sends SNI. Engine data, read by `simulateHandshake`.
 *
 * Sources. OpenSSL 3.0 (s_client), curl 7.88 (OpenSSL 3.0 backend), Node 20, Java 17 (JSSE defaults) and
 * Go 1.19: the ClientHellos those clients sent to a loopback listener on Debian 12 (2026-12), read byte by
 * byte; test/net-tls-simulation.test.ts checks the predictions against the same clients. Chrome and Firefox:
 * ./chrome.ts and ./firefox.ts, captured the same way from Chromium 156 and Firefox ESR 153.
 * Salesforce: Salesforce's help article 000380977 ("Supported cipher suites", TLS 1.2 table in preference
 * order and the TLS 1.3 list), and 000386840 (TLS 1.2 and SNI for callouts; "There is no retry mechanism
 * when the handshake fails"); its groups and signature algorithms are Java's, which the callout client is.
 */

import type { ClientId } from "../profile.js";
import { CHROME_OFFER } from "./chrome.js";
import { FIREFOX_OFFER } from "./firefox.js";
import type { TlsVersion } from "./suites.js";

export interface ClientOffer {
  client: ClientId;
  /** What the client is, as the prediction names it ("OpenSSL 3.0 s_client"). */
  label: string;
  /** Versions offered, newest first. */
  versions: TlsVersion[];
  /** Cipher suites in the client's order (TLS 1.3 suites included; signalling values left out). */
  suites: number[];
  /** supported_groups, in order. */
  groups: number[];
  /** The groups it sends a TLS 1.3 key share for. */
  keyShares: number[];
  signatureAlgorithms: number[];
  /** Sends server_name for a DNS name (Java only for names with a dot). */
  sni: boolean;
  /** Retries with a lower version after a failed handshake (browsers once did; none of these does now). */
  fallbackRetry: false;
  /**
   * Offers older versions than it can complete: OpenSSL 3 at security level 2 still offers TLS 1.0 and 1.1
   * but refuses the SHA-1 signatures they need ("legacy sigalg disallowed or unsupported").
   */
  completesFrom?: TlsVersion;
  source: string;
}

const CAPTURED = "ClientHello captured from the real client on loopback (Debian 12, December 2026)";

const OPENSSL_SUITES = [
  0x1302, 0x1303, 0x1301, 0xc02c, 0xc030, 0x009f, 0xcca9, 0xcca8, 0xccaa, 0xc02b, 0xc02f, 0x009e, 0xc024,
  0xc028, 0x006b, 0xc023, 0xc027, 0x0067, 0xc00a, 0xc014, 0x0039, 0xc009, 0xc013, 0x0033, 0x009d, 0x009c,
  0x003d, 0x003c, 0x0035, 0x002f,
];
const OPENSSL_GROUPS = [29, 23, 30, 25, 24, 256, 257, 258, 259, 260];
const OPENSSL_SIGALGS = [
  0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a, 0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501,
  0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602,
];

/** What OpenSSL 3.0 sends by default, for s_client and for curl alike (the same library, the same defaults). */
const OPENSSL_HELLO = {
  versions: ["TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1"],
  completesFrom: "TLSv1.2",
  suites: OPENSSL_SUITES,
  groups: OPENSSL_GROUPS,
  keyShares: [29],
  signatureAlgorithms: OPENSSL_SIGALGS,
  sni: true,
  fallbackRetry: false,
} satisfies Omit<ClientOffer, "client" | "label" | "source">;

const JAVA_GROUPS = [29, 23, 24, 25, 30, 256, 257, 258, 259, 260];
const JAVA_SIGALGS = [
  0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b, 0x0401, 0x0501,
  0x0601, 0x0402, 0x0303, 0x0301, 0x0302, 0x0203, 0x0201, 0x0202,
];

export const CLIENT_OFFERS: Record<ClientId, ClientOffer> = {
  salesforce: {
    client: "salesforce",
    label: "Salesforce callouts",
    versions: ["TLSv1.3", "TLSv1.2"],
    suites: [
      0x1302, 0x1301, 0x1304, 0x1305, 0x1303, 0xc030, 0xc02f, 0xc028, 0xc027, 0x009d, 0x009c, 0x003d, 0x003c,
      0x0035, 0x002f,
    ],
    groups: JAVA_GROUPS,
    keyShares: [29, 23],
    signatureAlgorithms: JAVA_SIGALGS,
    sni: true,
    fallbackRetry: false,
    source:
      "Salesforce help 000380977 (supported cipher suites, in preference order) and 000386840 (TLS 1.2, SNI, no retry)",
  },
  java: {
    client: "java",
    label: "Java 17 (JSSE defaults)",
    versions: ["TLSv1.3", "TLSv1.2"],
    suites: [
      0x1302, 0x1301, 0x1303, 0xc02c, 0xc02b, 0xcca9, 0xc030, 0xcca8, 0xc02f, 0x009f, 0xccaa, 0x00a3, 0x009e,
      0x00a2, 0xc024, 0xc028, 0xc023, 0xc027, 0x006b, 0x006a, 0x0067, 0x0040, 0xc00a, 0xc014, 0xc009, 0xc013,
      0x0039, 0x0038, 0x0033, 0x0032, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f,
    ],
    groups: JAVA_GROUPS,
    keyShares: [29, 23],
    signatureAlgorithms: JAVA_SIGALGS,
    sni: true,
    fallbackRetry: false,
    source: `${CAPTURED}: OpenJDK 17.0.15`,
  },
  openssl: {
    client: "openssl",
    label: "OpenSSL 3.0 s_client",
    ...OPENSSL_HELLO,
    source: `${CAPTURED}: OpenSSL 3.0.19 (Debian's configuration: security level 2)`,
  },
  curl: {
    client: "curl",
    label: "curl 7.88 (OpenSSL 3.0)",
    ...OPENSSL_HELLO,
    source: `${CAPTURED}: curl 7.88.1 with OpenSSL 3.0.19`,
  },
  go: {
    client: "go",
    label: "Go 1.19 crypto/tls",
    versions: ["TLSv1.3", "TLSv1.2"],
    suites: [
      0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a, 0xc014, 0x009c, 0x009d, 0x002f,
      0x0035, 0xc012, 0x000a, 0x1301, 0x1302, 0x1303,
    ],
    groups: [29, 23, 24, 25],
    keyShares: [29],
    signatureAlgorithms: [
      0x0804, 0x0403, 0x0807, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0503, 0x0603, 0x0201, 0x0203,
    ],
    sni: true,
    fallbackRetry: false,
    source: `${CAPTURED}: go1.19.8`,
  },
  node: {
    client: "node",
    label: "Node.js 20",
    versions: ["TLSv1.3", "TLSv1.2"],
    suites: [
      0x1302, 0x1303, 0x1301, 0xc02f, 0xc02b, 0xc030, 0xc02c, 0x009e, 0xc027, 0x0067, 0xc028, 0x006b, 0x00a3,
      0x009f, 0xcca9, 0xcca8, 0xccaa, 0xc0af, 0xc0ad, 0xc0a3, 0xc09f, 0xc05d, 0xc061, 0xc057, 0xc053, 0x00a2,
      0xc0ae, 0xc0ac, 0xc0a2, 0xc09e, 0xc05c, 0xc060, 0xc056, 0xc052, 0xc024, 0x006a, 0xc023, 0x0040, 0xc00a,
      0xc014, 0x0039, 0x0038, 0xc009, 0xc013, 0x0033, 0x0032, 0x009d, 0xc0a1, 0xc09d, 0xc051, 0x009c, 0xc0a0,
      0xc09c, 0xc050, 0x003d, 0x003c, 0x0035, 0x002f,
    ],
    groups: OPENSSL_GROUPS,
    keyShares: [29],
    signatureAlgorithms: OPENSSL_SIGALGS,
    sni: true,
    fallbackRetry: false,
    source: `${CAPTURED}: Node.js 20.20 (tls.DEFAULT_CIPHERS)`,
  },
  chrome: CHROME_OFFER,
  firefox: FIREFOX_OFFER,
};
