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

import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { isIP } from "node:net";
import {
  buildCertificate,
  type CertificateSpec,
  type KeyUsageInput,
  keyIdentifier,
  keyUsageValue as productKeyUsageValue,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithmName,
  signWith,
} from "../../src/x509/builder.js";
import type { Certificate } from "../../src/x509/certificate.js";
import {
  type Bytes,
  bitString,
  bool,
  ctx,
  int,
  nameFromRdns,
  octet,
  oid,
  generalName as productGeneralName,
  seq,
  time,
  tlv,
  utf8,
} from "../../src/x509/write/der-writer.js";

// ---------------------------------------------------------------------------------------------------------
// DER writer: the product's (src/x509/write/der-writer.ts), re-exported for tests that write structures.

export {
  type Bytes,
  bitString,
  bool,
  cat,
  ctx,
  ia5,
  int,
  nul,
  octet,
  oid,
  seq,
  set,
  time,
  tlv,
  utf8,
} from "../../src/x509/write/der-writer.js";

// ---------------------------------------------------------------------------------------------------------
// Names

/** A Name: a CN string, "" for the empty name, or [type, value] RDNs in encoded order (most significant first). */
export type NameSpec = string | [string, string][];

export function name(spec: NameSpec): Bytes {
  if (typeof spec === "string") return spec === "" ? seq() : nameFromRdns([["CN", spec]]);
  return nameFromRdns(spec);
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

export function generalName(g: GN): Bytes {
  if ("dirName" in g) return ctx(4, true, name(g.dirName));
  // An otherName's value defaults to UTF8String "x".
  if ("otherName" in g) return productGeneralName({ otherName: g.otherName, value: g.value ?? utf8("x") });
  return productGeneralName(g);
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

/** Short names for the product builder's signature algorithms. */
export const SIG_ALGS = {
  "ecdsa-sha256": "ecdsa-with-SHA256",
  "ecdsa-sha384": "ecdsa-with-SHA384",
  "ecdsa-sha1": "ecdsa-with-SHA1",
  "rsa-sha256": "sha256WithRSAEncryption",
  "rsa-sha1": "sha1WithRSAEncryption",
  /** RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt (the CABF encoding). */
  "rsa-pss-sha256": "rsassaPss-sha256",
  /** RSASSA-PSS, SHA-256 with a 20-byte salt: valid RFC 4055, outside the CABF profile. */
  "rsa-pss-sha256-salt20": "rsassaPss-sha256-salt20",
} as const satisfies Record<string, SignatureAlgorithmName>;
export type SigAlg = keyof typeof SIG_ALGS;

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
  return productKeyUsageValue(usages as KeyUsageInput[]);
}

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
  version?: 1 | 3;
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

/** Through the product builder, with this helper's defaults: a serial counter, fixed validity, SKI everywhere. */
function build(spec: CertSpec, issuer: Issued | null, key: KeyPair): Issued {
  const subject = name(spec.name ?? "Test");
  const issuerName =
    spec.issuerName !== undefined ? name(spec.issuerName) : issuer ? issuer.subject : subject;
  const signer = spec.signWith ?? (issuer ? issuer.key : key);
  const alg = spec.sigAlg ?? defaultAlg(signer);
  const ski =
    spec.ski === false ? undefined : spec.ski instanceof Uint8Array ? spec.ski : keyIdentifier(key.spki);
  const akiDefault = issuer ? (issuer.ski ?? keyIdentifier(issuer.key.spki)) : undefined;
  const aki =
    spec.aki === false
      ? undefined
      : spec.aki instanceof Uint8Array
        ? spec.aki
        : spec.aki === true
          ? (akiDefault ?? ski)
          : akiDefault;
  const gns = (l: GN[]) => l.map((g) => ({ raw: generalName(g) }));
  const san = spec.san && (Array.isArray(spec.san) ? { names: spec.san } : spec.san);
  const nc = spec.nameConstraints;
  const iap =
    typeof spec.inhibitAnyPolicy === "number" ? { skip: spec.inhibitAnyPolicy } : spec.inhibitAnyPolicy;
  // The product writes inhibitAnyPolicy critical, as RFC 5280 requires; a non-critical one goes in as is.
  const iapAsIs = iap && iap.critical === false ? [ext("2.5.29.54", int(iap.skip))] : [];
  const version = spec.version ?? 3;
  const built = buildCertificate({
    subject,
    issuer: { name: issuerName, key: signer.privateKey },
    publicKey: key.spki,
    serial: spec.serial ?? serialCounter++,
    notBefore: spec.notBefore ?? NB,
    notAfter: spec.notAfter ?? NA,
    version,
    ca: spec.ca,
    keyUsage: spec.keyUsage as CertificateSpec["keyUsage"],
    eku: spec.eku,
    san: san && { names: gns(san.names), critical: san.critical },
    nameConstraints: nc && {
      permitted: nc.permitted && gns(nc.permitted),
      excluded: nc.excluded && gns(nc.excluded),
      critical: nc.critical,
    },
    policies: spec.policies,
    policyMappings: spec.policyMappings,
    policyConstraints: spec.policyConstraints,
    inhibitAnyPolicy: iap && iap.critical !== false ? iap.skip : undefined,
    ski: ski ?? false,
    aki: aki ?? false,
    extensions: [...iapAsIs, ...(spec.extensions ?? [])],
    signatureAlgorithm: SIG_ALGS[alg],
    tbsSignatureAlgorithm: spec.tbsSigAlg && SIG_ALGS[spec.tbsSigAlg],
  });
  return { cert: built.cert, der: built.der, key, subject, ski };
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
  if (spec.aki !== false)
    exts.push(ext("2.5.29.35", seq(tlv(0x80, issuer.ski ?? keyIdentifier(issuer.key.spki)))));
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
    SIGNATURE_ALGORITHMS[SIG_ALGS[alg]].algId,
    spec.issuerName !== undefined ? name(spec.issuerName) : issuer.subject,
    time(spec.thisUpdate ?? new Date("2025-01-01T00:00:00Z")),
    ...nextUpdate,
    ...(entries.length ? [seq(...entries)] : []),
    ...(exts.length ? [ctx(0, true, seq(...exts.map(encodeExt)))] : []),
  );
  const signature = signWith(SIG_ALGS[alg], tbs, signer.privateKey);
  return seq(tbs, SIGNATURE_ALGORITHMS[SIG_ALGS[alg]].algId, bitString(signature));
}
