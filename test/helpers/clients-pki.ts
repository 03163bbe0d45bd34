/**
 * A test PKI for the client-profile tests: certificates built at run time with node:crypto and a small DER
 * writer, in every shape the client situations need (CN-only leaves, SHA-1 and MD5 signatures, 1024-bit
 * RSA keys, embedded SCTs with chosen timestamps, AIA caIssuers URLs, chosen validity periods). The private
 * keys are kept so the Java oracle can serve a chain in a real TLS handshake.
 */

import {
  createHash,
  sign as cryptoSign,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import { isIPv4 } from "node:net";
import { type Certificate, parseCertificate } from "../../src/x509/certificate.js";

// ---------------------------------------------------------------------------------------------------------
// DER writer

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
const seq = (...c: Buffer[]) => tlv(0x30, ...c);
const set = (...c: Buffer[]) => tlv(0x31, ...c);
const octets = (b: Buffer) => tlv(0x04, b);
const explicit = (n: number, c: Buffer) => tlv(0xa0 | n, c);
const TRUE = tlv(0x01, Buffer.from([0xff]));

function oid(dotted: string): Buffer {
  const parts = dotted.split(".").map(Number);
  const out: number[] = [40 * parts[0] + parts[1]];
  for (const p of parts.slice(2)) {
    const groups: number[] = [];
    let v = p;
    do {
      groups.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < groups.length - 1; i++) groups[i] |= 0x80;
    out.push(...groups);
  }
  return tlv(0x06, Buffer.from(out));
}

function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && b[i + 1] < 0x80) i++;
  const v = b.subarray(i);
  return tlv(0x02, v[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

function time(d: Date): Buffer {
  const y = d.getUTCFullYear();
  const p = (n: number) => String(n).padStart(2, "0");
  const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return tlv(0x17, Buffer.from(`${String(y % 100).padStart(2, "0")}${rest}`));
  return tlv(0x18, Buffer.from(`${y}${rest}`));
}

const ATTR: Record<string, string> = { C: "2.5.4.6", O: "2.5.4.10", OU: "2.5.4.11", CN: "2.5.4.3" };

function nameDer(attrs: [string, string][]): Buffer {
  return seq(
    ...attrs.map(([k, v]) =>
      set(seq(oid(ATTR[k]), k === "C" ? tlv(0x13, Buffer.from(v)) : tlv(0x0c, Buffer.from(v, "utf8")))),
    ),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [TRUE] : []), octets(value));
}

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split(".").map(Number));
  const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g || "0", 16), i * 2);
  });
  return out;
}

/** The RFC 6962 SCT list extension value (the TLS-encoded list inside an OCTET STRING). */
function sctList(timestamps: Date[]): Buffer {
  const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
  const sig = Buffer.from("3006020101020101", "hex");
  const scts = timestamps.map((t, i) => {
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(BigInt(t.getTime()));
    return Buffer.concat([
      Buffer.from([0]),
      Buffer.alloc(32, i + 1),
      ts,
      u16(0),
      Buffer.from([4, 3]),
      u16(sig.length),
      sig,
    ]);
  });
  const body = Buffer.concat(scts.flatMap((s) => [u16(s.length), s]));
  return octets(Buffer.concat([u16(body.length), body]));
}

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
}

const DAY = 86_400_000;

const SIG_OIDS: Record<string, Record<string, string>> = {
  rsa: { sha256: "1.2.840.113549.1.1.11", sha1: "1.2.840.113549.1.1.5", md5: "1.2.840.113549.1.1.4" },
  ec: { sha256: "1.2.840.10045.4.3.2", sha1: "1.2.840.10045.4.1" },
};

export function issue(o: IssueOptions): TestCert {
  const key = o.key ?? makeKey(o.keyKind ?? "p256");
  const signer = o.issuer?.key ?? key;
  const subject = nameDer([...(o.org ? ([["O", o.org]] as [string, string][]) : []), ["CN", o.cn]]);
  const issuerName = o.issuer?.name ?? subject;
  const spki = key.publicKey.export({ type: "spki", format: "der" });
  const hash = o.hash ?? "sha256";
  const family = signer.kind.startsWith("rsa") ? "rsa" : "ec";
  const sigOid = SIG_OIDS[family][hash];
  if (!sigOid) throw new Error(`no ${hash} signature for ${family} keys`);
  const sigAlg = family === "rsa" ? seq(oid(sigOid), tlv(0x05, Buffer.alloc(0))) : seq(oid(sigOid));

  const exts: Buffer[] = [];
  if (o.ca) {
    const bc = o.pathLen === undefined ? seq(TRUE) : seq(TRUE, integer(Buffer.from([o.pathLen])));
    exts.push(extension("2.5.29.19", true, bc));
    exts.push(extension("2.5.29.15", true, tlv(0x03, Buffer.from([0x01, 0x06]))));
  } else {
    exts.push(extension("2.5.29.15", true, tlv(0x03, Buffer.from([0x05, 0xa0]))));
    if (!o.noEku) {
      exts.push(extension("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.1"), oid("1.3.6.1.5.5.7.3.2"))));
    }
  }
  exts.push(extension("2.5.29.14", false, octets(createHash("sha1").update(spki).digest())));
  const akiKey = (o.issuer?.key ?? key).publicKey.export({ type: "spki", format: "der" });
  exts.push(extension("2.5.29.35", false, seq(tlv(0x80, createHash("sha1").update(akiKey).digest()))));
  const sans = [
    ...(o.dns ?? []).map((d) => tlv(0x82, Buffer.from(d))),
    ...(o.ips ?? []).map((ip) => tlv(0x87, ipBytes(ip))),
  ];
  if (sans.length) exts.push(extension("2.5.29.17", false, seq(...sans)));
  if (o.caIssuers) {
    exts.push(
      extension(
        "1.3.6.1.5.5.7.1.1",
        false,
        seq(seq(oid("1.3.6.1.5.5.7.48.2"), tlv(0x86, Buffer.from(o.caIssuers)))),
      ),
    );
  }
  if (o.scts) exts.push(extension("1.3.6.1.4.1.11129.2.4.2", false, sctList(o.scts)));

  const notBefore = o.notBefore ?? new Date(Date.now() - DAY);
  const notAfter = o.notAfter ?? new Date(Date.now() + 365 * DAY);
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    sigAlg,
    issuerName,
    seq(time(notBefore), time(notAfter)),
    subject,
    spki,
    explicit(3, seq(...exts)),
  );
  const signature = cryptoSign(hash, tbs, signer.privateKey);
  const der = seq(tbs, sigAlg, tlv(0x03, Buffer.from([0]), signature));
  return { der, pem: pemOf(der), cert: parseCertificate(der), key, name: subject, cn: o.cn };
}

export function pemOf(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64");
  return `-----BEGIN CERTIFICATE-----\n${(b64.match(/.{1,64}/g) ?? []).join("\n")}\n-----END CERTIFICATE-----\n`;
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
      name: "missing intermediate",
      trust: [a.root],
      chain: [a.leaf],
      host: HOST,
      expect: { ...ALL("untrusted"), chrome: "depends", firefox: "depends" },
      codes: ["incomplete-chain"],
      reasons: {
        salesforce: "incomplete-chain",
        java: "incomplete-chain",
        openssl: "incomplete-chain",
        node: "incomplete-chain",
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
      expect: { ...ALL("trusted"), go: "untrusted", chrome: "untrusted" },
      codes: ["hostname-cn-only"],
      reasons: { go: "hostname-cn-only", chrome: "hostname-cn-only" },
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
