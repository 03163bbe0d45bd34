/**
 * A test PKI for the client-profile tests: certificates built at run time with node:crypto and a small DER
 * writer, in every shape the client situations need (CN-only leaves, SHA-1 and MD5 signatures, 1024-bit
 * RSA keys, embedded SCTs with chosen timestamps, AIA caIssuers URLs, chosen validity periods). The private
 * keys are kept so the Java oracle can serve a chain in a real TLS handshake.
 */

import { generateKeyPairSync, type KeyObject } from "node:crypto";
import {
  buildCertificate,
  type GeneralNameInput,
  type SignatureAlgorithmName,
} from "../../src/x509/builder.js";
import type { Certificate } from "../../src/x509/certificate.js";
import { toPem } from "../../src/x509/pem.js";

// ---------------------------------------------------------------------------------------------------------
// Keys and certificates

export type KeyKind = "p256" | "p384" | "rsa2048" | "rsa1024" | "rsa512";

export interface TestKey {
  kind: KeyKind;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** PKCS#8 PEM. */
  keyPem: string;
}

const keyCache = new Map<string, TestKey>();

/** A key pair; keys are cached by `reuse` so big test suites pay for RSA key generation once. */
export function makeKey(kind: KeyKind, reuse?: string): TestKey {
  const cacheKey = reuse ? `${kind}:${reuse}` : undefined;
  const hit = cacheKey ? keyCache.get(cacheKey) : undefined;
  if (hit) return hit;
  const pair =
    kind === "p256" || kind === "p384"
      ? generateKeyPairSync("ec", { namedCurve: kind === "p256" ? "P-256" : "P-384" })
      : generateKeyPairSync("rsa", { modulusLength: Number(kind.slice(3)) });
  const key: TestKey = {
    kind,
    ...pair,
    keyPem: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
  if (cacheKey) keyCache.set(cacheKey, key);
  return key;
}

export interface TestCert {
  der: Buffer;
  pem: string;
  cert: Certificate;
  key: TestKey;
  name: Buffer;
  cn: string;
}

export interface IssueOptions {
  cn: string;
  org?: string;
  /** The issuing certificate; absent: self-signed. */
  issuer?: TestCert;
  key?: TestKey;
  keyKind?: KeyKind;
  ca?: boolean;
  pathLen?: number;
  /** DNS SANs; an empty list with no `ips` leaves the SAN extension out (a CN-only certificate). */
  dns?: string[];
  ips?: string[];
  notBefore?: Date;
  notAfter?: Date;
  /** Hash of the issuer's signature (default sha256). */
  hash?: "sha256" | "sha1" | "md5";
  /** AIA caIssuers URL. */
  caIssuers?: string;
  /** Embedded SCT timestamps. */
  scts?: Date[];
  /** Leave out the EKU extension (default: leaves carry serverAuth, clientAuth). */
  noEku?: boolean;
  /** The subjectKeyIdentifier to write (default: the SHA-1 of the key). */
  ski?: Uint8Array;
  /** A CA's extKeyUsage (default: none on CAs). */
  eku?: ("serverAuth" | "clientAuth")[];
}

const DAY = 86_400_000;

const SIG_ALGS: Record<string, Record<string, SignatureAlgorithmName>> = {
  rsa: { sha256: "sha256WithRSAEncryption", sha1: "sha1WithRSAEncryption", md5: "md5WithRSAEncryption" },
  ec: { sha256: "ecdsa-with-SHA256", sha1: "ecdsa-with-SHA1" },
};

/** A certificate through the product builder (src/x509/builder.ts): leaves carry digitalSignature, keyEncipherment. */
export function issue(o: IssueOptions): TestCert {
  const key = o.key ?? makeKey(o.keyKind ?? "p256");
  const signer = o.issuer?.key ?? key;
  const hash = o.hash ?? "sha256";
  const family = signer.kind.startsWith("rsa") ? "rsa" : "ec";
  const signatureAlgorithm = SIG_ALGS[family][hash];
  if (!signatureAlgorithm) throw new Error(`no ${hash} signature for ${family} keys`);
  const san: GeneralNameInput[] = [
    ...(o.dns ?? []).map((dns) => ({ dns })),
    ...(o.ips ?? []).map((ip) => ({ ip })),
  ];
  // The SCTs are unsigned stand-ins (a fixed dummy signature), one log ID per position.
  const sig = Uint8Array.from(Buffer.from("3006020101020101", "hex"));
  const built = buildCertificate({
    subject: [...(o.org ? ([["O", o.org]] as [string, string][]) : []), ["CN", o.cn]],
    issuer: o.issuer ? { cert: o.issuer.cert, key: signer.privateKey } : undefined,
    publicKey: key.publicKey,
    privateKey: key.privateKey,
    notBefore: o.notBefore ?? new Date(Date.now() - DAY),
    notAfter: o.notAfter ?? new Date(Date.now() + 365 * DAY),
    ca: o.ca ? (o.pathLen === undefined ? true : { pathLen: o.pathLen }) : undefined,
    keyUsage: o.ca ? undefined : ["digitalSignature", "keyEncipherment"],
    eku: o.eku ?? (o.ca || o.noEku ? undefined : ["serverAuth", "clientAuth"]),
    aki: true,
    ...(o.ski ? { ski: o.ski } : {}),
    san: san.length ? san : undefined,
    aia: o.caIssuers ? { caIssuers: o.caIssuers } : undefined,
    sctList: o.scts?.map((t, i) => ({ logId: new Uint8Array(32).fill(i + 1), timestamp: t, signature: sig })),
    signatureAlgorithm,
  });
  const der = Buffer.from(built.der);
  return { der, pem: built.pem, cert: built.cert, key, name: Buffer.from(built.cert.subject.der), cn: o.cn };
}

export function pemOf(der: Uint8Array): string {
  return toPem(der);
}

export const days = (n: number): Date => new Date(Date.now() + n * DAY);

export interface Pki {
  root: TestCert;
  intermediate: TestCert;
  leaf: TestCert;
}

/** Root → intermediate → leaf for `host`, all P-256 unless told otherwise. */
export function makePki(label: string, host = "service.example.test", opts: Partial<IssueOptions> = {}): Pki {
  const root = issue({ cn: `${label} Root`, org: "chainproof tests", ca: true, notAfter: days(3650) });
  const intermediate = issue({
    cn: `${label} Intermediate`,
    org: "chainproof tests",
    ca: true,
    pathLen: 0,
    issuer: root,
    caIssuers: `http://pki.example.test/${label.toLowerCase().replace(/\W+/g, "-")}-root.crt`,
    notAfter: days(1825),
  });
  const leaf = issue({
    cn: host,
    issuer: intermediate,
    dns: [host],
    caIssuers: `http://pki.example.test/${label.toLowerCase().replace(/\W+/g, "-")}-intermediate.crt`,
    ...opts,
  });
  return { root, intermediate, leaf };
}

// ---------------------------------------------------------------------------------------------------------
// The client situations: each a trust list, a chain as sent and a host, with what each client must say.

export type Status = "trusted" | "untrusted" | "depends";

export interface Situation {
  name: string;
  /** The trust store (a custom store: a user's file). */
  trust: TestCert[];
  /** The certificates the server sends, in order; the first is the server's own. */
  chain: TestCert[];
  host: string;
  /** Expected status per client (every client listed). */
  expect: Record<string, Status>;
  /** Finding codes the matrix must contain. */
  codes: string[];
  /** Expected reason code per client that refuses. */
  reasons?: Record<string, string>;
  /** Compare with real Java (false for situations Java cannot be given, e.g. synthetic distrust rules). */
  oracle?: boolean;
}

export const HOST = "service.example.test";

const ALL = (s: Status) => ({
  salesforce: s,
  java: s,
  openssl: s,
  curl: s,
  go: s,
  node: s,
  chrome: s,
  firefox: s,
});

/** Every situation of the client tests, built with fresh keys. */
export function situations(): Situation[] {
  const a = makePki("Alpha");
  const b = makePki("Bravo");
  const selfSigned = issue({ cn: HOST, dns: [HOST] });
  const cnOnly = issue({ cn: HOST, issuer: a.intermediate });
  const expiredInt = issue({
    cn: "Alpha Old Intermediate",
    org: "chainproof tests",
    ca: true,
    issuer: a.root,
    notBefore: days(-400),
    notAfter: days(-2),
  });
  const leafUnderExpired = issue({ cn: HOST, dns: [HOST], issuer: expiredInt, notBefore: days(-300) });
  const rsaRoot = issue({
    cn: "RSA Root",
    org: "chainproof tests",
    ca: true,
    keyKind: "rsa2048",
    key: makeKey("rsa2048", "root"),
  });
  const sha1Int = issue({
    cn: "SHA-1 Intermediate",
    org: "chainproof tests",
    ca: true,
    issuer: rsaRoot,
    hash: "sha1",
    key: makeKey("rsa2048", "int"),
  });
  const sha1Leaf = issue({ cn: HOST, dns: [HOST], issuer: sha1Int, hash: "sha1" });
  const md5Leaf = issue({ cn: HOST, dns: [HOST], issuer: sha1Int, hash: "md5" });
  const weakInt = issue({ cn: "Weak Intermediate", ca: true, issuer: rsaRoot, keyKind: "rsa1024" });
  const leafUnderWeak = issue({ cn: HOST, dns: [HOST], issuer: weakInt });
  const tinyInt = issue({ cn: "Tiny Intermediate", ca: true, issuer: rsaRoot, keyKind: "rsa512" });
  const leafUnderTiny = issue({ cn: HOST, dns: [HOST], issuer: tinyInt });
  const expiredLeaf = issue({
    cn: HOST,
    dns: [HOST],
    issuer: a.intermediate,
    notBefore: days(-100),
    notAfter: days(-1),
  });
  const expiredSelfSigned = issue({ cn: HOST, dns: [HOST], notBefore: days(-100), notAfter: days(-1) });
  const clientOnlyInt = issue({
    cn: "Client-only Intermediate",
    org: "chainproof tests",
    ca: true,
    issuer: a.root,
    eku: ["clientAuth"],
  });
  const leafUnderClientCa = issue({ cn: HOST, dns: [HOST], issuer: clientOnlyInt });
  // The intermediate reissued for the same key with another subjectKeyIdentifier: the leaf's AKI names the
  // first one. OpenSSL (and so curl and Node) does not take it for the leaf's issuer ([run] 3.0.19, Node 20).
  const reissuedInt = issue({
    cn: a.intermediate.cn,
    org: "chainproof tests",
    ca: true,
    pathLen: 0,
    issuer: a.root,
    key: a.intermediate.key,
    ski: Uint8Array.from(Buffer.from("0a0b0c0d0e0f1011", "hex")),
  });

  return [
    {
      name: "complete chain",
      trust: [a.root],
      chain: [a.leaf, a.intermediate],
      host: HOST,
      expect: ALL("trusted"),
      codes: [],
    },
    {
      name: "intermediate whose extKeyUsage allows client authentication only",
      trust: [a.root],
      chain: [leafUnderClientCa, clientOnlyInt],
      host: HOST,
      expect: { ...ALL("untrusted"), salesforce: "trusted", java: "trusted" },
      codes: ["extended-key-usage"],
    },
    {
      name: "intermediate whose key identifier is not the one the leaf names",
      trust: [a.root],
      chain: [a.leaf, reissuedInt],
      host: HOST,
      expect: { ...ALL("trusted"), openssl: "untrusted", curl: "untrusted", node: "untrusted" },
      codes: [],
      reasons: {
        openssl: "issuer-key-id-mismatch",
        curl: "issuer-key-id-mismatch",
        node: "issuer-key-id-mismatch",
      },
    },
    {
      name: "missing intermediate",
      trust: [a.root],
      chain: [a.leaf],
      host: HOST,
      // Firefox preloads only intermediates under roots of Mozilla's program, which this store has none of.
      expect: { ...ALL("untrusted"), chrome: "depends" },
      codes: ["incomplete-chain"],
      reasons: {
        salesforce: "incomplete-chain",
        java: "incomplete-chain",
        openssl: "incomplete-chain",
        node: "incomplete-chain",
        firefox: "incomplete-chain",
      },
    },
    {
      name: "reversed order",
      trust: [a.root],
      chain: [a.leaf, a.root, a.intermediate],
      host: HOST,
      expect: ALL("trusted"),
      codes: ["wrong-order", "root-sent"],
    },
    {
      name: "root sent",
      trust: [a.root],
      chain: [a.leaf, a.intermediate, a.root],
      host: HOST,
      expect: ALL("trusted"),
      codes: ["root-sent"],
    },
    {
      name: "unrelated extra certificate",
      trust: [a.root],
      chain: [a.leaf, a.intermediate, b.intermediate],
      host: HOST,
      expect: ALL("trusted"),
      codes: ["unrelated-certificate"],
    },
    {
      name: "duplicate certificate",
      trust: [a.root],
      chain: [a.leaf, a.intermediate, a.intermediate],
      host: HOST,
      expect: ALL("trusted"),
      codes: ["duplicate-certificate"],
    },
    {
      name: "self-signed leaf",
      trust: [a.root],
      chain: [selfSigned],
      host: HOST,
      expect: ALL("untrusted"),
      codes: ["self-signed-leaf", "self-signed-target"],
      reasons: { salesforce: "self-signed-target", java: "self-signed-leaf", openssl: "self-signed-leaf" },
    },
    {
      name: "self-signed leaf in the trust list",
      trust: [selfSigned],
      chain: [selfSigned],
      host: HOST,
      expect: { ...ALL("trusted"), salesforce: "untrusted" },
      codes: ["self-signed-target"],
      reasons: { salesforce: "self-signed-target" },
    },
    {
      // Java returns a trusted leaf as it is, without checking its dates ([run] JDK 17 and 25).
      name: "expired self-signed leaf in the trust list",
      trust: [expiredSelfSigned],
      chain: [expiredSelfSigned],
      host: HOST,
      expect: { ...ALL("untrusted"), java: "trusted" },
      codes: ["self-signed-target", "expired"],
      reasons: { salesforce: "self-signed-target", openssl: "expired", go: "expired" },
    },
    {
      name: "untrusted root",
      trust: [b.root],
      chain: [a.leaf, a.intermediate],
      host: HOST,
      expect: ALL("untrusted"),
      codes: ["unknown-issuer"],
      reasons: { salesforce: "unknown-issuer", java: "unknown-issuer", chrome: "unknown-issuer" },
    },
    {
      name: "untrusted root sent",
      trust: [b.root],
      chain: [a.leaf, a.intermediate, a.root],
      host: HOST,
      expect: ALL("untrusted"),
      codes: ["untrusted-root"],
      reasons: { salesforce: "untrusted-root", openssl: "untrusted-root", node: "untrusted-root" },
    },
    {
      name: "intermediate in the trust list",
      trust: [a.intermediate],
      chain: [a.leaf, a.intermediate],
      host: HOST,
      expect: { ...ALL("trusted"), salesforce: "untrusted", openssl: "untrusted", node: "untrusted" },
      codes: ["intermediate-anchor-ignored", "non-root-anchor"],
      reasons: {
        salesforce: "intermediate-anchor-ignored",
        openssl: "non-root-anchor",
        node: "non-root-anchor",
      },
    },
    {
      name: "CN-only certificate",
      trust: [a.root],
      chain: [cnOnly, a.intermediate],
      host: HOST,
      expect: { ...ALL("trusted"), go: "untrusted", chrome: "untrusted", firefox: "untrusted" },
      codes: ["hostname-cn-only"],
      reasons: { go: "hostname-cn-only", chrome: "hostname-cn-only", firefox: "hostname-cn-only" },
    },
    {
      name: "host name mismatch",
      trust: [a.root],
      chain: [a.leaf, a.intermediate],
      host: "other.example.test",
      expect: ALL("untrusted"),
      codes: ["hostname-mismatch"],
      reasons: { salesforce: "hostname-mismatch", java: "hostname-mismatch", go: "hostname-mismatch" },
    },
    {
      name: "expired intermediate",
      trust: [a.root],
      chain: [leafUnderExpired, expiredInt],
      host: HOST,
      expect: ALL("untrusted"),
      codes: ["expired"],
      reasons: {
        salesforce: "expired",
        java: "expired",
        openssl: "expired",
        chrome: "expired",
        firefox: "expired",
      },
    },
    {
      name: "expired leaf sent out of order",
      trust: [a.root],
      chain: [expiredLeaf, b.intermediate, a.intermediate],
      host: HOST,
      expect: ALL("untrusted"),
      codes: ["expired", "unrelated-certificate"],
      reasons: { java: "expired", go: "expired" },
    },
    {
      name: "SHA-1 signatures",
      trust: [rsaRoot],
      chain: [sha1Leaf, sha1Int],
      host: HOST,
      // Java refuses SHA-1 only under a root shipped in its cacerts (jdkCA); this root is the user's own.
      expect: { ...ALL("untrusted"), salesforce: "trusted", java: "trusted" },
      codes: ["weak-signature"],
      reasons: {
        openssl: "weak-signature",
        go: "weak-signature",
        chrome: "weak-signature",
        firefox: "weak-signature",
      },
    },
    {
      name: "MD5 signature",
      trust: [rsaRoot],
      chain: [md5Leaf, sha1Int],
      host: HOST,
      expect: ALL("untrusted"),
      codes: ["weak-signature"],
      reasons: { java: "weak-signature", salesforce: "weak-signature" },
    },
    {
      name: "1024-bit RSA intermediate",
      trust: [rsaRoot],
      chain: [leafUnderWeak, weakInt],
      host: HOST,
      expect: { ...ALL("trusted"), openssl: "untrusted", curl: "untrusted" },
      codes: ["weak-key"],
      reasons: { openssl: "weak-key", curl: "weak-key" },
    },
    {
      name: "512-bit RSA intermediate",
      trust: [rsaRoot],
      chain: [leafUnderTiny, tinyInt],
      host: HOST,
      expect: ALL("untrusted"),
      codes: ["weak-key"],
      reasons: { java: "weak-key", salesforce: "weak-key", chrome: "weak-key" },
    },
  ];
}
