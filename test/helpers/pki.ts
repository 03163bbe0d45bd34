/**
 * A test PKI built from scratch at run time: a minimal DER writer for TBSCertificate and TBSCertList with
 * the extensions a test asks for (including ones no CA tool would write), signed with node:crypto keys
 * (P-256 by default, RSA on request). Fast enough to build hundreds of certificates per test file.
 *
 *   const root = pki.root({ name: "Root" });
 *   const ica = pki.issue(root, { name: "ICA", ca: true });
 *   const leaf = pki.issue(ica, { name: "leaf", san: [{ dns: "example.com" }], eku: ["serverAuth"] });
 *   verifyChain({ leaf: leaf.cert, presented: [ica.cert], anchors: [{ cert: root.cert }], policy: ... })
 */

import { constants, createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { isIP } from "node:net";
import { type Certificate, parseCertificate } from "../../src/x509/certificate.js";

// ---------------------------------------------------------------------------------------------------------
// DER writer

export type Bytes = Uint8Array;

export function cat(...parts: Bytes[]): Bytes {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function tlv(tag: number, ...content: Bytes[]): Bytes {
  const body = cat(...content);
  const n = body.length;
  let len: number[];
  if (n < 0x80) len = [n];
  else if (n < 0x100) len = [0x81, n];
  else if (n < 0x10000) len = [0x82, n >> 8, n & 0xff];
  else len = [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return cat(Uint8Array.from([tag, ...len]), body);
}

export const seq = (...c: Bytes[]) => tlv(0x30, ...c);
export const set = (...c: Bytes[]) => tlv(0x31, ...c);
export const octet = (b: Bytes) => tlv(0x04, b);
export const nul = () => Uint8Array.from([0x05, 0x00]);
export const bool = (v: boolean) => Uint8Array.from([0x01, 0x01, v ? 0xff : 0x00]);
export const utf8 = (s: string) => tlv(0x0c, Uint8Array.from(Buffer.from(s, "utf8")));
export const ia5 = (s: string, tag = 0x16) => tlv(tag, Uint8Array.from(Buffer.from(s, "latin1")));
/** Context-specific tag n: primitive (IMPLICIT over a primitive) or constructed. */
export const ctx = (n: number, constructed: boolean, ...c: Bytes[]) =>
  tlv((constructed ? 0xa0 : 0x80) | n, ...c);

export function oid(dotted: string): Bytes {
  const arcs = dotted.split(".").map(Number);
  const out = [40 * arcs[0] + arcs[1]];
  for (const a of arcs.slice(2)) {
    const chunk = [a & 0x7f];
    for (let v = Math.floor(a / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** INTEGER from a non-negative number/bigint (minimal encoding), or raw content octets. */
export function int(v: number | bigint | Bytes): Bytes {
  if (v instanceof Uint8Array) return tlv(0x02, v);
  let b = BigInt(v);
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(b & 0xffn));
    b >>= 8n;
  } while (b > 0n);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return tlv(0x02, Uint8Array.from(bytes));
}

export function bitString(bytes: Bytes, unused = 0): Bytes {
  return tlv(0x03, Uint8Array.from([unused]), bytes);
}

export function time(d: Date): Bytes {
  const y = d.getUTCFullYear();
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return ia5(`${p(y % 100)}${rest}`, 0x17);
  return ia5(`${p(y, 4)}${rest}`, 0x18);
}

// ---------------------------------------------------------------------------------------------------------
// Names

const ATTR: Record<string, string> = {
  CN: "2.5.4.3",
  O: "2.5.4.10",
  OU: "2.5.4.11",
  C: "2.5.4.6",
  L: "2.5.4.7",
  ST: "2.5.4.8",
  serialNumber: "2.5.4.5",
  emailAddress: "1.2.840.113549.1.9.1",
  DC: "0.9.2342.19200300.100.1.25",
};

/** A Name: a CN string, "" for the empty name, or [type, value] RDNs in encoded order (most significant first). */
export type NameSpec = string | [string, string][];

export function name(spec: NameSpec): Bytes {
  const rdns = typeof spec === "string" ? (spec === "" ? [] : ([["CN", spec]] as [string, string][])) : spec;
  return seq(
    ...rdns.map(([t, v]) => {
      const o = ATTR[t] ?? t;
      const value = o === ATTR.emailAddress || o === ATTR.DC ? ia5(v) : o === ATTR.C ? ia5(v, 0x13) : utf8(v);
      return set(seq(oid(o), value));
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------
// General names

export type GN =
  | { dns: string }
  | { ip: string; prefix?: number }
  | { email: string }
  | { uri: string }
  | { dirName: NameSpec }
  | { otherName: string; value?: Bytes }
  | { raw: Bytes };

function ipBytes(s: string): number[] {
  if (isIP(s) === 4) return s.split(".").map(Number);
  // IPv6: expand "::".
  const [h, t] = s.includes("::") ? s.split("::") : [s, undefined];
  const head = h ? h.split(":") : [];
  const tail = t === undefined ? [] : t ? t.split(":") : [];
  const groups =
    t === undefined ? head : [...head, ...Array(8 - head.length - tail.length).fill("0"), ...tail];
  return groups.flatMap((g) => {
    const v = Number.parseInt(g, 16);
    return [v >> 8, v & 255];
  });
}

export function generalName(g: GN): Bytes {
  if ("dns" in g) return ia5(g.dns, 0x82);
  if ("email" in g) return ia5(g.email, 0x81);
  if ("uri" in g) return ia5(g.uri, 0x86);
  if ("dirName" in g) return ctx(4, true, name(g.dirName));
  if ("otherName" in g) return ctx(0, true, oid(g.otherName), ctx(0, true, g.value ?? utf8("x")));
  if ("raw" in g) return g.raw;
  const addr = ipBytes(g.ip);
  if (g.prefix === undefined) return tlv(0x87, Uint8Array.from(addr));
  const mask = addr.map((_, i) => {
    const bits = Math.max(0, Math.min(8, g.prefix! - 8 * i));
    return (0xff << (8 - bits)) & 0xff;
  });
  return tlv(0x87, Uint8Array.from([...addr, ...mask]));
}

// ---------------------------------------------------------------------------------------------------------
// Keys

export type KeyKind = "p256" | "p384" | "rsa2048";

export interface KeyPair {
  kind: KeyKind;
  privateKey: KeyObject;
  publicKey: KeyObject;
  spki: Bytes;
}

const RSA_POOL: KeyPair[] = [];
let rsaTurn = 0;

export function newKey(kind: KeyKind = "p256"): KeyPair {
  if (kind === "rsa2048") {
    // RSA generation costs ~100 ms: a pool of four keys handed out in turn, so up to four consecutive
    // calls (root, intermediate, leaf, a wrong signer) get distinct keys.
    if (RSA_POOL.length < 4) RSA_POOL.push(makeKey(kind));
    return RSA_POOL[rsaTurn++ % RSA_POOL.length];
  }
  return makeKey(kind);
}

function makeKey(kind: KeyKind): KeyPair {
  const { privateKey, publicKey } =
    kind === "rsa2048"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : generateKeyPairSync("ec", { namedCurve: kind === "p384" ? "P-384" : "P-256" });
  return {
    kind,
    privateKey,
    publicKey,
    spki: new Uint8Array(publicKey.export({ format: "der", type: "spki" })),
  };
}

export const SIG_ALGS = {
  "ecdsa-sha256": { oid: "1.2.840.10045.4.3.2", hash: "sha256", params: false },
  "ecdsa-sha384": { oid: "1.2.840.10045.4.3.3", hash: "sha384", params: false },
  "ecdsa-sha1": { oid: "1.2.840.10045.4.1", hash: "sha1", params: false },
  "rsa-sha256": { oid: "1.2.840.113549.1.1.11", hash: "sha256", params: true },
  "rsa-sha1": { oid: "1.2.840.113549.1.1.5", hash: "sha1", params: true },
  /** RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt (the CABF encoding). */
  "rsa-pss-sha256": { oid: "1.2.840.113549.1.1.10", hash: "sha256", params: true, salt: 32 },
  /** RSASSA-PSS, SHA-256 with a 20-byte salt: valid RFC 4055, outside the CABF profile. */
  "rsa-pss-sha256-salt20": { oid: "1.2.840.113549.1.1.10", hash: "sha256", params: true, salt: 20 },
} as const;
export type SigAlg = keyof typeof SIG_ALGS;

const SHA256_ID = () => seq(oid("2.16.840.1.101.3.4.2.1"), nul());

function algId(alg: SigAlg): Bytes {
  const a = SIG_ALGS[alg];
  if ("salt" in a) {
    return seq(
      oid(a.oid),
      seq(
        ctx(0, true, SHA256_ID()),
        ctx(1, true, seq(oid("1.2.840.113549.1.1.8"), SHA256_ID())),
        ctx(2, true, int(a.salt)),
      ),
    );
  }
  return a.params ? seq(oid(a.oid), nul()) : seq(oid(a.oid));
}

function signTbs(alg: SigAlg, tbs: Bytes, key: KeyPair): Bytes {
  const a = SIG_ALGS[alg];
  const k =
    "salt" in a
      ? { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: a.salt }
      : key.privateKey;
  return new Uint8Array(sign(a.hash, tbs, k));
}

function defaultAlg(k: KeyPair): SigAlg {
  return k.kind === "rsa2048" ? "rsa-sha256" : k.kind === "p384" ? "ecdsa-sha384" : "ecdsa-sha256";
}

// ---------------------------------------------------------------------------------------------------------
// Extensions

export const EKU_OID: Record<string, string> = {
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  codeSigning: "1.3.6.1.5.5.7.3.3",
  emailProtection: "1.3.6.1.5.5.7.3.4",
  OCSPSigning: "1.3.6.1.5.5.7.3.9",
  any: "2.5.29.37.0",
};

const KU_BITS = [
  "digitalSignature",
  "contentCommitment",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
];

export interface Ext {
  oid: string;
  critical?: boolean;
  /** The extnValue contents (the extension's own DER). */
  value: Bytes;
}

export function ext(oidText: string, value: Bytes, critical = false): Ext {
  return { oid: oidText, critical, value };
}

function encodeExt(e: Ext): Bytes {
  return e.critical ? seq(oid(e.oid), bool(true), octet(e.value)) : seq(oid(e.oid), octet(e.value));
}

export function keyUsageValue(usages: string[]): Bytes {
  let bits = 0;
  let last = -1;
  for (const u of usages) {
    const i = KU_BITS.indexOf(u);
    if (i < 0) throw new Error(`unknown key usage ${u}`);
    bits |= 1 << (15 - i);
    last = Math.max(last, i);
  }
  if (last < 0) return bitString(new Uint8Array(0));
  const bytes = last >= 8 ? [bits >> 8, bits & 0xff] : [bits >> 8];
  const lastByte = bytes[bytes.length - 1];
  let unused = 0;
  while (unused < 7 && !(lastByte & (1 << unused))) unused++;
  return bitString(Uint8Array.from(bytes), unused);
}

const skiOf = (spki: Bytes): Bytes => {
  // RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING contents (approximated by the
  // whole SPKI here: only uniqueness matters for tests).
  return new Uint8Array(createHash("sha1").update(spki).digest());
};

// ---------------------------------------------------------------------------------------------------------
// Certificates

export interface Issued {
  cert: Certificate;
  der: Bytes;
  key: KeyPair;
  /** The subject Name DER, for issuing below it. */
  subject: Bytes;
  ski?: Bytes;
}

export interface CertSpec {
  /** Subject; default "Test". */
  name?: NameSpec;
  /** Override the issuer Name (default: the issuer's subject). */
  issuerName?: NameSpec;
  key?: KeyPair;
  keyKind?: KeyKind;
  serial?: number | bigint | Bytes;
  notBefore?: Date;
  notAfter?: Date;
  /** 1 (no extensions) or 3 (default). */
  version?: 1 | 2 | 3;
  /** basicConstraints: true / {pathLen} for a CA, false for cA absent (an empty SEQUENCE), undefined: leaves get none, CAs via ca. */
  ca?: boolean | { pathLen?: number; critical?: boolean };
  /** Key usages; CAs default to keyCertSign|cRLSign; null omits the extension. */
  keyUsage?: string[] | { usages: string[]; critical?: boolean } | null;
  eku?: string[] | { usages: string[]; critical?: boolean };
  san?: GN[] | { names: GN[]; critical?: boolean };
  nameConstraints?: { permitted?: GN[]; excluded?: GN[]; critical?: boolean };
  policies?: string[];
  policyMappings?: [string, string][];
  policyConstraints?: { requireExplicitPolicy?: number; inhibitPolicyMapping?: number; critical?: boolean };
  inhibitAnyPolicy?: number | { skip: number; critical?: boolean };
  /** Subject key identifier: default true for CAs and leaves alike. */
  ski?: boolean | Bytes;
  /** Authority key identifier keyIdentifier: default true when issued by another certificate. */
  aki?: boolean | Bytes;
  extensions?: Ext[];
  sigAlg?: SigAlg;
  /** Sign with this key instead of the issuer's (a bad signature). */
  signWith?: KeyPair;
  /** Write this algorithm inside TBSCertificate (default: the signing algorithm). */
  tbsSigAlg?: SigAlg;
}

const DAY = 86_400_000;
/** Default validity: 2020-01-01 to 2040-01-01. Tests validate at NOW. */
export const NOW = new Date("2030-01-01T00:00:00Z");
const NB = new Date("2020-01-01T00:00:00Z");
const NA = new Date("2040-01-01T00:00:00Z");

let serialCounter = 1000;

function build(spec: CertSpec, issuer: Issued | null, key: KeyPair): Issued {
  const subject = name(spec.name ?? "Test");
  const issuerName =
    spec.issuerName !== undefined ? name(spec.issuerName) : issuer ? issuer.subject : subject;
  const signer = spec.signWith ?? (issuer ? issuer.key : key);
  const alg = spec.sigAlg ?? defaultAlg(signer);
  const exts: Ext[] = [];
  const isCa = spec.ca !== undefined && spec.ca !== false;
  if (spec.ca !== undefined) {
    const o = typeof spec.ca === "object" ? spec.ca : {};
    const content =
      spec.ca === false ? [] : [bool(true), ...(o.pathLen !== undefined ? [int(o.pathLen)] : [])];
    exts.push(ext("2.5.29.19", seq(...content), o.critical ?? true));
  }
  const ku =
    spec.keyUsage === null ? undefined : (spec.keyUsage ?? (isCa ? ["keyCertSign", "cRLSign"] : undefined));
  if (ku) {
    const o = Array.isArray(ku) ? { usages: ku, critical: true } : ku;
    exts.push(ext("2.5.29.15", keyUsageValue(o.usages), o.critical ?? true));
  }
  if (spec.eku) {
    const o = Array.isArray(spec.eku) ? { usages: spec.eku } : spec.eku;
    exts.push(ext("2.5.29.37", seq(...o.usages.map((u) => oid(EKU_OID[u] ?? u))), o.critical ?? false));
  }
  if (spec.san) {
    const o = Array.isArray(spec.san) ? { names: spec.san } : spec.san;
    exts.push(ext("2.5.29.17", seq(...o.names.map(generalName)), o.critical ?? false));
  }
  if (spec.nameConstraints) {
    const nc = spec.nameConstraints;
    const subtrees = (l: GN[]) => l.map((g) => seq(generalName(g)));
    const parts: Bytes[] = [];
    if (nc.permitted) parts.push(ctx(0, true, ...subtrees(nc.permitted)));
    if (nc.excluded) parts.push(ctx(1, true, ...subtrees(nc.excluded)));
    exts.push(ext("2.5.29.30", seq(...parts), nc.critical ?? true));
  }
  if (spec.policies) exts.push(ext("2.5.29.32", seq(...spec.policies.map((p) => seq(oid(p))))));
  if (spec.policyMappings) {
    exts.push(ext("2.5.29.33", seq(...spec.policyMappings.map(([a, b]) => seq(oid(a), oid(b)))), true));
  }
  if (spec.policyConstraints) {
    const pc = spec.policyConstraints;
    const parts: Bytes[] = [];
    if (pc.requireExplicitPolicy !== undefined)
      parts.push(tlv(0x80, int(pc.requireExplicitPolicy).subarray(2)));
    if (pc.inhibitPolicyMapping !== undefined)
      parts.push(tlv(0x81, int(pc.inhibitPolicyMapping).subarray(2)));
    exts.push(ext("2.5.29.36", seq(...parts), pc.critical ?? true));
  }
  if (spec.inhibitAnyPolicy !== undefined) {
    const o =
      typeof spec.inhibitAnyPolicy === "number" ? { skip: spec.inhibitAnyPolicy } : spec.inhibitAnyPolicy;
    exts.push(ext("2.5.29.54", int(o.skip), o.critical ?? true));
  }
  const ski = spec.ski === false ? undefined : spec.ski instanceof Uint8Array ? spec.ski : skiOf(key.spki);
  if (ski) exts.push(ext("2.5.29.14", octet(ski)));
  const akiDefault = issuer ? (issuer.ski ?? skiOf(issuer.key.spki)) : undefined;
  const aki =
    spec.aki === false
      ? undefined
      : spec.aki instanceof Uint8Array
        ? spec.aki
        : spec.aki === true
          ? (akiDefault ?? ski)
          : akiDefault;
  if (aki) exts.push(ext("2.5.29.35", seq(tlv(0x80, aki))));
  exts.push(...(spec.extensions ?? []));

  const version = spec.version ?? 3;
  const serial = spec.serial ?? serialCounter++;
  const tbs = seq(
    ...(version > 1 ? [ctx(0, true, int(version - 1))] : []),
    int(serial),
    algId(spec.tbsSigAlg ?? alg),
    issuerName,
    seq(time(spec.notBefore ?? NB), time(spec.notAfter ?? NA)),
    subject,
    key.spki,
    ...(version === 3 && exts.length ? [ctx(3, true, seq(...exts.map(encodeExt)))] : []),
  );
  const der = seq(tbs, algId(alg), bitString(signTbs(alg, tbs, signer)));
  return { cert: parseCertificate(der), der, key, subject, ski };
}

/** A self-signed CA (cA=TRUE, keyCertSign|cRLSign, SKI; no AKI unless asked). */
export function root(spec: CertSpec = {}): Issued {
  const key = spec.key ?? newKey(spec.keyKind);
  return build({ name: "Root", ca: true, ...spec }, null, key);
}

/** A certificate issued by `issuer`. Leaves by default: add `ca: true` for a CA. */
export function issue(issuer: Issued, spec: CertSpec = {}): Issued {
  const key = spec.key ?? newKey(spec.keyKind);
  return build(spec, issuer, key);
}

/** A self-signed certificate that is not a CA (or anything else the spec says). */
export function selfSigned(spec: CertSpec = {}): Issued {
  const key = spec.key ?? newKey(spec.keyKind);
  return build(spec, null, key);
}

/** A typical server leaf for `host`: SAN, serverAuth EKU, digitalSignature. */
export function leafFor(issuer: Issued, host: string, spec: CertSpec = {}): Issued {
  return issue(issuer, {
    name: host,
    san: [isIP(host) ? { ip: host } : { dns: host }],
    eku: ["serverAuth"],
    keyUsage: ["digitalSignature"],
    ...spec,
  });
}

/** root → ica → leaf for example.com, all P-256. */
export function chain3(opts: { host?: string; leaf?: CertSpec; ica?: CertSpec; root?: CertSpec } = {}) {
  const r = root(opts.root);
  const i = issue(r, { name: "ICA", ca: true, ...opts.ica });
  const l = leafFor(i, opts.host ?? "example.com", opts.leaf);
  return { root: r, ica: i, leaf: l };
}

export function days(n: number): number {
  return n * DAY;
}

// ---------------------------------------------------------------------------------------------------------
// CRLs

export interface CrlSpec {
  revoked?: { serial: number | bigint | Bytes; date?: Date; reason?: number; extensions?: Ext[] }[];
  thisUpdate?: Date;
  nextUpdate?: Date | null;
  /** CRLNumber value; null omits it. */
  crlNumber?: number | null;
  crlNumberCritical?: boolean;
  /** Include an AKI naming the issuer's key (default true). */
  aki?: boolean;
  extensions?: Ext[];
  signWith?: KeyPair;
  issuerName?: NameSpec;
}

/** A v2 CRL issued by `issuer`, as DER. */
export function crl(issuer: Issued, spec: CrlSpec = {}): Bytes {
  const signer = spec.signWith ?? issuer.key;
  const alg = defaultAlg(signer);
  const exts: Ext[] = [];
  if (spec.aki !== false) exts.push(ext("2.5.29.35", seq(tlv(0x80, issuer.ski ?? skiOf(issuer.key.spki)))));
  if (spec.crlNumber !== null)
    exts.push(ext("2.5.29.20", int(spec.crlNumber ?? 1), spec.crlNumberCritical ?? false));
  exts.push(...(spec.extensions ?? []));
  const revoked = spec.revoked ?? [];
  const entries = revoked.map((r) => {
    const parts = [int(r.serial), time(r.date ?? new Date("2025-01-01T00:00:00Z"))];
    const ee: Ext[] = [...(r.extensions ?? [])];
    if (r.reason !== undefined) ee.push(ext("2.5.29.21", tlv(0x0a, Uint8Array.from([r.reason]))));
    if (ee.length) parts.push(seq(...ee.map(encodeExt)));
    return seq(...parts);
  });
  const nextUpdate =
    spec.nextUpdate === null ? [] : [time(spec.nextUpdate ?? new Date("2039-01-01T00:00:00Z"))];
  const tbs = seq(
    int(1),
    algId(alg),
    spec.issuerName !== undefined ? name(spec.issuerName) : issuer.subject,
    time(spec.thisUpdate ?? new Date("2025-01-01T00:00:00Z")),
    ...nextUpdate,
    ...(entries.length ? [seq(...entries)] : []),
    ...(exts.length ? [ctx(0, true, seq(...exts.map(encodeExt)))] : []),
  );
  return seq(tbs, algId(alg), bitString(signTbs(alg, tbs, signer)));
}
