/**
 * Certificate and CSR construction: keys, X.509 v3 certificates with any extension a CA (or a lab of broken
 * certificates) might write, PKCS#10 requests and their parsing. Pure: node:crypto for keys and signatures,
 * ./write/der-writer.ts for the encoding, ./certificate.ts to parse what was built.
 *
 *   const key = generateKeyPair("ec-p256");
 *   const root = buildCertificate({ subject: "CN=Lab Root,O=Lab", publicKey: key, privateKey: key.privateKey,
 *     notBefore, notAfter, ca: true });
 *   const leaf = buildCertificate({ subject: "lab.example", issuer: { cert: root.cert, key: key.privateKey },
 *     publicKey: leafKey, notBefore, notAfter, san: [{ dns: "lab.example" }], eku: ["serverAuth"] });
 *
 * It writes what it is asked to, including what RFC 5280 forbids (SHA-1 signatures, 1024-bit keys, a
 * signature by the wrong key): the verifier is the judge, not the builder.
 */

import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair as generateKeyPairCb,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from "node:crypto";
import { type Certificate, type PublicKeyInfo, parseCertificate } from "./certificate.js";
import { children, DerError, decodeBitString, decodeOid, expect, readTlv, Tag } from "./der.js";
import { InputError } from "./errors.js";
import { decodeSubjectAltName, type Extension } from "./extensions.js";
import { type GeneralName, Name, parseName } from "./names.js";
import { CURVES, OID, signatureAlgorithmName } from "./oids.js";
import { toPem } from "./pem.js";
import {
  type Bytes,
  bitString,
  bool,
  cat,
  ctx,
  type GeneralNameInput,
  generalName,
  ia5,
  int,
  namedBits,
  nameFromRdns,
  nul,
  octet,
  oid,
  parseDnText,
  seq,
  set,
  time,
  tlv,
  uintBytes,
  utf8,
} from "./write/der-writer.js";

export type { GeneralNameInput } from "./write/der-writer.js";

// ---------------------------------------------------------------------------------------------------------
// Keys

/** The key types we generate: RSA (1024 only for the lab's weak-key endpoint), EC P-256/P-384, Ed25519. */
export const KEY_ALGORITHMS = [
  "rsa1024",
  "rsa2048",
  "rsa3072",
  "rsa4096",
  "ec-p256",
  "ec-p384",
  "ed25519",
] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

export interface KeyPair {
  algorithm: KeyAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
}

function keyGenParams(alg: KeyAlgorithm): { type: "rsa" | "ec" | "ed25519"; options: object } {
  switch (alg) {
    case "rsa1024":
    case "rsa2048":
    case "rsa3072":
    case "rsa4096":
      return { type: "rsa", options: { modulusLength: Number(alg.slice(3)), publicExponent: 0x10001 } };
    case "ec-p256":
      return { type: "ec", options: { namedCurve: "P-256" } };
    case "ec-p384":
      return { type: "ec", options: { namedCurve: "P-384" } };
    case "ed25519":
      return { type: "ed25519", options: {} };
    default:
      throw new RangeError(`unknown key algorithm "${alg as string}"`);
  }
}

/** A new key pair (synchronous: RSA 4096 takes about a second; see generateKeyPairAsync). */
export function generateKeyPair(alg: KeyAlgorithm): KeyPair {
  const { type, options } = keyGenParams(alg);
  // biome-ignore lint/suspicious/noExplicitAny: node's overloads cannot take a union of key types.
  const { privateKey, publicKey } = generateKeyPairSync(type as any, options as any) as unknown as {
    privateKey: KeyObject;
    publicKey: KeyObject;
  };
  return { algorithm: alg, privateKey, publicKey, spki: spkiOf(publicKey) };
}

/** A new key pair, generated off the main thread. */
export function generateKeyPairAsync(alg: KeyAlgorithm): Promise<KeyPair> {
  const { type, options } = keyGenParams(alg);
  return new Promise((resolve, reject) => {
    // biome-ignore lint/suspicious/noExplicitAny: as above.
    (generateKeyPairCb as any)(
      type,
      options,
      (err: Error | null, publicKey: KeyObject, privateKey: KeyObject) => {
        if (err) reject(err);
        else resolve({ algorithm: alg, privateKey, publicKey, spki: spkiOf(publicKey) });
      },
    );
  });
}

function spkiOf(publicKey: KeyObject): Uint8Array {
  return new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
}

export interface KeyDescription {
  /** "RSA", "EC", "Ed25519", … */
  type: string;
  bits?: number;
  curve?: string;
  /** Our name for it when it is one we generate (rsa2048, ec-p256, …). */
  algorithm?: KeyAlgorithm;
}

const NODE_CURVES: Record<string, string> = {
  prime256v1: "P-256",
  "P-256": "P-256",
  secp384r1: "P-384",
  "P-384": "P-384",
  secp521r1: "P-521",
  "P-521": "P-521",
};

/** What kind of key this is (public or private). */
export function describeKey(key: KeyObject): KeyDescription {
  const t = key.asymmetricKeyType;
  const d = key.asymmetricKeyDetails ?? {};
  if (t === "rsa" || t === "rsa-pss") {
    const bits = d.modulusLength;
    const name = `rsa${bits}`;
    return {
      type: t === "rsa" ? "RSA" : "RSA-PSS",
      bits,
      algorithm:
        t === "rsa" && (KEY_ALGORITHMS as readonly string[]).includes(name)
          ? (name as KeyAlgorithm)
          : undefined,
    };
  }
  if (t === "ec") {
    const curve = NODE_CURVES[d.namedCurve ?? ""] ?? d.namedCurve;
    const algorithm = curve === "P-256" ? "ec-p256" : curve === "P-384" ? "ec-p384" : undefined;
    const bits = curve === "P-256" ? 256 : curve === "P-384" ? 384 : curve === "P-521" ? 521 : undefined;
    return { type: "EC", curve, bits, algorithm };
  }
  if (t === "ed25519") return { type: "Ed25519", bits: 256, algorithm: "ed25519" };
  if (t === "ed448") return { type: "Ed448", bits: 456 };
  return { type: t ?? "unknown" };
}

/** The key pair for a private key (PKCS#8 DER, PEM or KeyObject). */
export function keyPairFromPrivateKey(key: KeyObject | Uint8Array | string): KeyPair {
  const privateKey =
    key instanceof Uint8Array
      ? createPrivateKey({ key: Buffer.from(key), format: "der", type: "pkcs8" })
      : typeof key === "string"
        ? createPrivateKey(key)
        : key;
  const publicKey = createPublicKey(privateKey);
  const algorithm = describeKey(privateKey).algorithm;
  if (!algorithm) throw new RangeError(`unsupported key type ${describeKey(privateKey).type}`);
  return { algorithm, privateKey, publicKey, spki: spkiOf(publicKey) };
}

/** True when the private key is the one whose public half is `spki` (e.g. a certificate's key). */
export function privateKeyMatches(privateKey: KeyObject, spki: Uint8Array): boolean {
  return Buffer.from(spkiOf(createPublicKey(privateKey))).equals(Buffer.from(spki));
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING contents. */
export function keyIdentifier(spki: Uint8Array): Uint8Array {
  const top = readTlv(spki, 0, spki.length);
  const alg = expect(spki, top.valueStart, top.end, Tag.SEQUENCE, "subjectPublicKeyInfo: algorithm");
  const key = expect(spki, alg.end, top.end, Tag.BIT_STRING, "subjectPublicKeyInfo: subjectPublicKey");
  const { bytes } = decodeBitString(spki, key, "subjectPublicKey");
  return new Uint8Array(createHash("sha1").update(bytes).digest());
}

// ---------------------------------------------------------------------------------------------------------
// Signature algorithms

interface SigSpec {
  oid: string;
  /** Digest for node:crypto's sign (null for EdDSA). */
  hash: string | null;
  key: "rsa" | "ec" | "ed25519";
  /** The AlgorithmIdentifier DER. */
  algId: Bytes;
  pss?: boolean;
  /** RSASSA-PSS salt length (the CABF encoding: the hash's length). */
  salt?: number;
}

const HASH_ALG_OIDS: Record<string, string> = {
  sha1: "1.3.14.3.2.26",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
};

function pssAlgId(hash: "sha256" | "sha384" | "sha512", salt: number): Bytes {
  const hashAlg = seq(oid(HASH_ALG_OIDS[hash]), nul());
  return seq(
    oid(OID.rsassaPss),
    seq(
      ctx(0, true, hashAlg),
      ctx(1, true, seq(oid("1.2.840.113549.1.1.8"), hashAlg)),
      ctx(2, true, int(salt)),
    ),
  );
}

function rsaSig(o: string, hash: string): SigSpec {
  return { oid: o, hash, key: "rsa", algId: seq(oid(o), nul()) };
}
function ecSig(o: string, hash: string): SigSpec {
  return { oid: o, hash, key: "ec", algId: seq(oid(o)) };
}

/** Signature algorithms by their OpenSSL names (what certificate.signatureAlgorithm.name reports). */
export const SIGNATURE_ALGORITHMS = {
  sha256WithRSAEncryption: rsaSig("1.2.840.113549.1.1.11", "sha256"),
  sha384WithRSAEncryption: rsaSig("1.2.840.113549.1.1.12", "sha384"),
  sha512WithRSAEncryption: rsaSig("1.2.840.113549.1.1.13", "sha512"),
  sha1WithRSAEncryption: rsaSig("1.2.840.113549.1.1.5", "sha1"),
  md5WithRSAEncryption: rsaSig("1.2.840.113549.1.1.4", "md5"),
  /** A SHA-2 hash Go has no verifier for (x509: cannot verify signature: algorithm unimplemented). */
  sha224WithRSAEncryption: rsaSig("1.2.840.113549.1.1.14", "sha224"),
  "rsassaPss-sha256": {
    oid: OID.rsassaPss,
    hash: "sha256",
    key: "rsa",
    pss: true,
    salt: 32,
    algId: pssAlgId("sha256", 32),
  },
  /** RSASSA-PSS, SHA-256 with a 20-byte salt: valid RFC 4055, outside the CA/Browser Forum profile. */
  "rsassaPss-sha256-salt20": {
    oid: OID.rsassaPss,
    hash: "sha256",
    key: "rsa",
    pss: true,
    salt: 20,
    algId: pssAlgId("sha256", 20),
  },
  "rsassaPss-sha384": {
    oid: OID.rsassaPss,
    hash: "sha384",
    key: "rsa",
    pss: true,
    salt: 48,
    algId: pssAlgId("sha384", 48),
  },
  "ecdsa-with-SHA256": ecSig("1.2.840.10045.4.3.2", "sha256"),
  "ecdsa-with-SHA384": ecSig("1.2.840.10045.4.3.3", "sha384"),
  "ecdsa-with-SHA512": ecSig("1.2.840.10045.4.3.4", "sha512"),
  "ecdsa-with-SHA1": ecSig("1.2.840.10045.4.1", "sha1"),
  ED25519: { oid: OID.ed25519, hash: null, key: "ed25519", algId: seq(oid(OID.ed25519)) },
} satisfies Record<string, SigSpec>;
export type SignatureAlgorithmName = keyof typeof SIGNATURE_ALGORITHMS;

/** The usual algorithm for a signing key: SHA-256 (SHA-384 for P-384) or Ed25519. */
export function defaultSignatureAlgorithm(key: KeyObject): SignatureAlgorithmName {
  const d = describeKey(key);
  if (d.type === "RSA") return "sha256WithRSAEncryption";
  if (d.type === "EC")
    return d.curve === "P-384"
      ? "ecdsa-with-SHA384"
      : d.curve === "P-521"
        ? "ecdsa-with-SHA512"
        : "ecdsa-with-SHA256";
  if (d.type === "Ed25519") return "ED25519";
  throw new RangeError(`cannot sign with a ${d.type} key`);
}

/** Sign `data` with `key` under `alg` (checked to fit the key). */
export function signWith(alg: SignatureAlgorithmName, data: Uint8Array, key: KeyObject): Uint8Array {
  const spec: SigSpec = SIGNATURE_ALGORITHMS[alg];
  const type = key.asymmetricKeyType;
  const ok = spec.key === "rsa" ? type === "rsa" : type === spec.key;
  if (!ok) throw new RangeError(`signature algorithm ${alg} does not fit a ${describeKey(key).type} key`);
  if (spec.pss) {
    return new Uint8Array(
      sign(spec.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.salt }),
    );
  }
  return new Uint8Array(sign(spec.hash, data, key));
}

// ---------------------------------------------------------------------------------------------------------
// Names

/**
 * A Name: RFC 4514 text ("CN=api.example.com,O=Example,C=US"; a string without "=" is a bare CN, "" the
 * empty name), RDNs in encoded order ([["C","US"],["O","Example"],["CN","api"]]), a parsed Name, or DER.
 */
export type NameInput = string | Uint8Array | Name | ([string, string] | [string, string][])[];

export function encodeName(n: NameInput): Uint8Array {
  if (n instanceof Uint8Array) return n;
  if (n instanceof Name) return n.der;
  if (Array.isArray(n)) return nameFromRdns(n);
  if (n === "") return seq();
  if (/^\s*[A-Za-z][A-Za-z0-9.-]*\s*=/.test(n)) return nameFromRdns(parseDnText(n));
  return nameFromRdns([["CN", n]]);
}

// ---------------------------------------------------------------------------------------------------------
// Extensions

export interface ExtensionInput {
  oid: string;
  critical?: boolean;
  /** The extnValue contents: the extension's own DER. */
  value: Uint8Array;
}

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
] as const;
export type KeyUsageInput = (typeof KU_BITS)[number] | "nonRepudiation";

const EKU_OIDS: Record<string, string> = {
  serverAuth: OID.serverAuth,
  clientAuth: OID.clientAuth,
  codeSigning: OID.codeSigning,
  emailProtection: OID.emailProtection,
  timeStamping: OID.timeStamping,
  OCSPSigning: OID.OCSPSigning,
  any: OID.anyExtendedKeyUsage,
  anyExtendedKeyUsage: OID.anyExtendedKeyUsage,
};

export function keyUsageValue(usages: KeyUsageInput[]): Uint8Array {
  return namedBits(
    usages.map((u) => {
      const i = KU_BITS.indexOf(
        (u === "nonRepudiation" ? "contentCommitment" : u) as (typeof KU_BITS)[number],
      );
      if (i < 0) throw new RangeError(`unknown key usage "${u}"`);
      return i;
    }),
  );
}

export interface SctInput {
  /** The log's ID: SHA-256 of its public key (32 bytes, or 64 hex digits). */
  logId: Uint8Array | string;
  timestamp: Date | number;
  /** The signature (absent: empty, an unsigned SCT that still models the timestamp rules). */
  signature?: Uint8Array;
  /** TLS hash and signature algorithm numbers (default 4 = SHA-256, 3 = ECDSA). */
  hashAlgorithm?: number;
  signatureAlgorithm?: number;
}

/** RFC 6962 3.3: the SignedCertificateTimestampList, TLS-encoded inside an OCTET STRING. */
export function sctListValue(scts: SctInput[]): Uint8Array {
  const u16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
  const items = scts.map((s) => {
    const logId = typeof s.logId === "string" ? Uint8Array.from(Buffer.from(s.logId, "hex")) : s.logId;
    if (logId.length !== 32) throw new RangeError("an SCT log ID is 32 bytes");
    const ms = BigInt(typeof s.timestamp === "number" ? s.timestamp : s.timestamp.getTime());
    const ts = new Uint8Array(8);
    new DataView(ts.buffer).setBigUint64(0, ms);
    const sig = s.signature ?? new Uint8Array(0);
    const sct = cat(
      Uint8Array.of(0),
      logId,
      ts,
      u16(0),
      Uint8Array.of(s.hashAlgorithm ?? 4, s.signatureAlgorithm ?? 3),
      u16(sig.length),
      sig,
    );
    return cat(u16(sct.length), sct);
  });
  const list = cat(...items);
  return octet(cat(u16(list.length), list));
}

export interface PolicyInput {
  oid: string;
  cps?: string;
  userNotice?: string;
}

type Critical<T, K extends string> = T | ({ [P in K]: T } & { critical?: boolean });

export interface CertificateSpec {
  subject: NameInput;
  /** The issuing CA: its certificate (for the name and the authority key ID) or name, and its private key. Absent: self-signed. */
  issuer?: { cert?: Certificate; name?: NameInput; key: KeyObject };
  /** The subject's public key (a KeyObject, SPKI DER, or a KeyPair). */
  publicKey: KeyObject | Uint8Array | KeyPair;
  /** The key a self-signed certificate is signed with (default: the KeyPair's, when publicKey is one). */
  privateKey?: KeyObject;
  /** Default: 16 random bytes (positive, as the CA/Browser Forum's 64 bits of entropy require). */
  serial?: number | bigint | Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** 1 (no extensions) or 3 (default). */
  version?: 1 | 3;
  /**
   * basicConstraints: true (or { pathLen }) for a CA, false for "CA:FALSE" (the extension with cA absent),
   * undefined for no extension. Critical unless told otherwise.
   */
  ca?: boolean | { pathLen?: number; critical?: boolean };
  /** Path length constraint for a CA (same as ca: { pathLen }). */
  pathLen?: number;
  /** Key usages (critical by default). CAs default to keyCertSign and cRLSign; null omits the extension. */
  keyUsage?: Critical<KeyUsageInput[], "usages"> | null;
  /** Extended key usages by name (serverAuth, clientAuth, …) or OID. */
  eku?: Critical<string[], "usages">;
  san?: Critical<GeneralNameInput[], "names">;
  nameConstraints?: { permitted?: GeneralNameInput[]; excluded?: GeneralNameInput[]; critical?: boolean };
  /** Subject key identifier: true (default) computes it (RFC 5280 method 1); bytes give it; false omits it. */
  ski?: boolean | Uint8Array;
  /** Authority key identifier: default true when issued by another key, false when self-signed. */
  aki?: boolean | Uint8Array;
  aia?: { ocsp?: string | string[]; caIssuers?: string | string[] };
  /** CRL distribution point URIs. */
  crlDp?: string | string[];
  policies?: (string | PolicyInput)[];
  policyMappings?: [string, string][];
  policyConstraints?: { requireExplicitPolicy?: number; inhibitPolicyMapping?: number; critical?: boolean };
  inhibitAnyPolicy?: number;
  /** RFC 6962 SCT list (unsigned SCTs model Chrome's CT rules fine). */
  sctList?: SctInput[];
  /** TLS feature status_request (OCSP must-staple). */
  mustStaple?: boolean;
  /** More extensions, written after the ones above in the order given. */
  extensions?: ExtensionInput[];
  /** Default: from the signing key (SHA-256, SHA-384 for P-384, Ed25519). */
  signatureAlgorithm?: SignatureAlgorithmName;
  /** Write this algorithm inside TBSCertificate instead (a mismatch RFC 5280 forbids). */
  tbsSignatureAlgorithm?: SignatureAlgorithmName;
  /** Sign with this key instead of the issuer's (a signature that does not verify). */
  signWith?: KeyObject;
  /** Write both validity dates as GeneralizedTime, even before 2050 (which RFC 5280 4.1.2.5 forbids). */
  generalizedTime?: boolean;
  /**
   * Write this AlgorithmIdentifier DER (in TBSCertificate and outside it) instead of the algorithm's own, e.g.
   * RSA without its NULL parameters; the signature is still made with `signatureAlgorithm`.
   */
  algorithmIdentifier?: Uint8Array;
}

export interface BuiltCertificate {
  der: Uint8Array;
  cert: Certificate;
  pem: string;
}

function asArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function critical<T, K extends string>(
  v: Critical<T, K>,
  key: K,
  def: boolean,
): { value: T; critical: boolean } {
  if (v !== null && typeof v === "object" && !Array.isArray(v) && key in (v as object)) {
    const o = v as { [P in K]: T } & { critical?: boolean };
    return { value: o[key], critical: o.critical ?? def };
  }
  return { value: v as T, critical: def };
}

function encodeExtension(e: ExtensionInput): Bytes {
  return e.critical ? seq(oid(e.oid), bool(true), octet(e.value)) : seq(oid(e.oid), octet(e.value));
}

function uriNames(uris: string[]): Bytes[] {
  return uris.map((u) => generalName({ uri: u }));
}

function extensionsFor(
  spec: CertificateSpec,
  spki: Uint8Array,
  issuerSpki: Uint8Array | undefined,
  issuerSki: Uint8Array | undefined,
): ExtensionInput[] {
  const exts: ExtensionInput[] = [];
  const add = (o: string, value: Bytes, crit = false) => exts.push({ oid: o, value, critical: crit });

  const caObj = typeof spec.ca === "object" ? spec.ca : {};
  const isCa = spec.ca !== undefined && spec.ca !== false;
  if (spec.ca !== undefined) {
    const pathLen = caObj.pathLen ?? spec.pathLen;
    const content = spec.ca === false ? [] : [bool(true), ...(pathLen !== undefined ? [int(pathLen)] : [])];
    add(OID.basicConstraints, seq(...content), caObj.critical ?? true);
  }
  const ku =
    spec.keyUsage === null
      ? undefined
      : (spec.keyUsage ?? (isCa ? (["keyCertSign", "cRLSign"] as KeyUsageInput[]) : undefined));
  if (ku) {
    const k = critical(ku, "usages", true);
    add(OID.keyUsage, keyUsageValue(k.value), k.critical);
  }
  if (spec.eku) {
    const k = critical(spec.eku, "usages", false);
    add(OID.extKeyUsage, seq(...k.value.map((u) => oid(EKU_OIDS[u] ?? u))), k.critical);
  }
  const ski =
    spec.ski === false ? undefined : spec.ski instanceof Uint8Array ? spec.ski : keyIdentifier(spki);
  if (ski) add(OID.subjectKeyIdentifier, octet(ski));
  const selfSigned = spec.issuer === undefined;
  const akiDefault = selfSigned ? ski : (issuerSki ?? (issuerSpki ? keyIdentifier(issuerSpki) : undefined));
  const aki =
    spec.aki instanceof Uint8Array
      ? spec.aki
      : spec.aki === true || (spec.aki === undefined && !selfSigned)
        ? akiDefault
        : undefined;
  if (aki) add(OID.authorityKeyIdentifier, seq(tlv(0x80, aki)));
  if (spec.aia) {
    const ads = [
      ...asArray(spec.aia.ocsp).map((u) => seq(oid(OID.ocsp), generalName({ uri: u }))),
      ...asArray(spec.aia.caIssuers).map((u) => seq(oid(OID.caIssuers), generalName({ uri: u }))),
    ];
    add(OID.authorityInfoAccess, seq(...ads));
  }
  if (spec.crlDp !== undefined) {
    const dps = asArray(spec.crlDp).map((u) => seq(ctx(0, true, ctx(0, true, ...uriNames([u])))));
    add(OID.crlDistributionPoints, seq(...dps));
  }
  if (spec.policies) {
    add(
      OID.certificatePolicies,
      seq(
        ...spec.policies.map((p) => {
          const o = typeof p === "string" ? { oid: p } : p;
          const quals: Bytes[] = [];
          if (o.cps) quals.push(seq(oid(OID.cpsQualifier), ia5(o.cps)));
          if (o.userNotice) quals.push(seq(oid(OID.userNoticeQualifier), seq(utf8(o.userNotice))));
          return quals.length ? seq(oid(o.oid), seq(...quals)) : seq(oid(o.oid));
        }),
      ),
    );
  }
  if (spec.san) {
    const k = critical(spec.san, "names", false);
    add(OID.subjectAltName, seq(...k.value.map(generalName)), k.critical);
  }
  if (spec.nameConstraints) {
    const nc = spec.nameConstraints;
    const subtrees = (l: GeneralNameInput[]) => l.map((g) => seq(generalName(g)));
    const parts: Bytes[] = [];
    if (nc.permitted) parts.push(ctx(0, true, ...subtrees(nc.permitted)));
    if (nc.excluded) parts.push(ctx(1, true, ...subtrees(nc.excluded)));
    add(OID.nameConstraints, seq(...parts), nc.critical ?? true);
  }
  if (spec.policyMappings) {
    add(OID.policyMappings, seq(...spec.policyMappings.map(([a, b]) => seq(oid(a), oid(b)))), true);
  }
  if (spec.policyConstraints) {
    const pc = spec.policyConstraints;
    const parts: Bytes[] = [];
    if (pc.requireExplicitPolicy !== undefined) parts.push(implicitInt(0, pc.requireExplicitPolicy));
    if (pc.inhibitPolicyMapping !== undefined) parts.push(implicitInt(1, pc.inhibitPolicyMapping));
    add(OID.policyConstraints, seq(...parts), pc.critical ?? true);
  }
  if (spec.inhibitAnyPolicy !== undefined) add(OID.inhibitAnyPolicy, int(spec.inhibitAnyPolicy), true);
  if (spec.mustStaple) add(OID.tlsFeature, seq(int(5)));
  if (spec.sctList) add(OID.sctList, sctListValue(spec.sctList));
  exts.push(...(spec.extensions ?? []));
  return exts;
}

function implicitInt(tagNumber: number, v: number): Bytes {
  return tlv(0x80 | tagNumber, uintBytes(v));
}

/** 16 random bytes as a positive, minimally encoded serial number. */
export function randomSerial(): Uint8Array {
  const b = new Uint8Array(randomBytes(16));
  b[0] = (b[0] & 0x7f) | 0x01;
  return b;
}

function spkiFrom(k: KeyObject | Uint8Array | KeyPair): Uint8Array {
  if (k instanceof Uint8Array) return k;
  if ("spki" in k && "privateKey" in k) return k.spki;
  const ko = k as KeyObject;
  return spkiOf(ko.type === "private" ? createPublicKey(ko) : ko);
}

/** Build and sign a certificate; returns its DER, the parsed Certificate and PEM. */
export function buildCertificate(spec: CertificateSpec): BuiltCertificate {
  const spki = spkiFrom(spec.publicKey);
  const subject = encodeName(spec.subject);
  let signer: KeyObject;
  let issuerName: Uint8Array;
  let issuerSpki: Uint8Array | undefined;
  let issuerSki: Uint8Array | undefined;
  if (spec.issuer) {
    signer = spec.issuer.key;
    issuerName = spec.issuer.cert
      ? spec.issuer.cert.subject.der
      : spec.issuer.name !== undefined
        ? encodeName(spec.issuer.name)
        : (() => {
            throw new RangeError("issuer needs a certificate or a name");
          })();
    if (spec.issuer.cert?.subjectKeyIdentifier) {
      issuerSki = Uint8Array.from(Buffer.from(spec.issuer.cert.subjectKeyIdentifier, "hex"));
    }
    issuerSpki = spec.issuer.cert?.publicKey.spki ?? spkiOf(createPublicKey(spec.issuer.key));
  } else {
    const own =
      spec.privateKey ??
      (typeof spec.publicKey === "object" && "privateKey" in spec.publicKey
        ? spec.publicKey.privateKey
        : undefined);
    if (!own) throw new RangeError("a self-signed certificate needs privateKey");
    signer = own;
    issuerName = subject;
  }
  const alg = spec.signatureAlgorithm ?? defaultSignatureAlgorithm(signer);
  const version = spec.version ?? 3;
  const exts = version === 3 ? extensionsFor(spec, spki, issuerSpki, issuerSki) : [];
  const serial = spec.serial ?? randomSerial();
  const tbs = seq(
    ...(version === 3 ? [ctx(0, true, int(2))] : []),
    int(serial),
    spec.algorithmIdentifier ?? SIGNATURE_ALGORITHMS[spec.tbsSignatureAlgorithm ?? alg].algId,
    issuerName,
    seq(time(spec.notBefore, spec.generalizedTime), time(spec.notAfter, spec.generalizedTime)),
    subject,
    spki,
    ...(exts.length ? [ctx(3, true, seq(...exts.map(encodeExtension)))] : []),
  );
  const signature = signWith(alg, tbs, spec.signWith ?? signer);
  const der = seq(tbs, spec.algorithmIdentifier ?? SIGNATURE_ALGORITHMS[alg].algId, bitString(signature));
  return { der, cert: parseCertificate(der), pem: toPem(der) };
}

// ---------------------------------------------------------------------------------------------------------
// PKCS#10 certificate signing requests (RFC 2986)

const OID_EXTENSION_REQUEST = "1.2.840.113549.1.9.14";

export interface CsrSpec {
  subject: NameInput;
  san?: GeneralNameInput[];
  /** The key pair (the private key signs the request; the public key goes in it). */
  key: KeyPair | { privateKey: KeyObject; publicKey?: KeyObject };
  keyUsage?: KeyUsageInput[];
  eku?: string[];
  /** More requested extensions. */
  extensions?: ExtensionInput[];
  signatureAlgorithm?: SignatureAlgorithmName;
}

export interface BuiltCsr {
  der: Uint8Array;
  pem: string;
}

export function buildCsr(spec: CsrSpec): BuiltCsr {
  const privateKey = spec.key.privateKey;
  const spki = spkiOf(spec.key.publicKey ?? createPublicKey(privateKey));
  const exts: ExtensionInput[] = [];
  if (spec.keyUsage?.length)
    exts.push({ oid: OID.keyUsage, value: keyUsageValue(spec.keyUsage), critical: true });
  if (spec.eku?.length)
    exts.push({ oid: OID.extKeyUsage, value: seq(...spec.eku.map((u) => oid(EKU_OIDS[u] ?? u))) });
  if (spec.san?.length) exts.push({ oid: OID.subjectAltName, value: seq(...spec.san.map(generalName)) });
  exts.push(...(spec.extensions ?? []));
  const attributes = exts.length
    ? [seq(oid(OID_EXTENSION_REQUEST), set(seq(...exts.map(encodeExtension))))]
    : [];
  const info = seq(int(0), encodeName(spec.subject), spki, ctx(0, true, ...attributes));
  const alg = spec.signatureAlgorithm ?? defaultSignatureAlgorithm(privateKey);
  const signature = signWith(alg, info, privateKey);
  const der = seq(info, SIGNATURE_ALGORITHMS[alg].algId, bitString(signature));
  return { der, pem: toPem(der, "CERTIFICATE REQUEST") };
}

export interface ParsedCsr {
  der: Uint8Array;
  subject: Name;
  publicKey: PublicKeyInfo;
  /** The subject's key as node:crypto sees it. */
  keyObject: KeyObject;
  /** SHA-256 of the SubjectPublicKeyInfo (compare with Certificate.spkiSha256). */
  spkiSha256: string;
  /** The requested extensions (extensionRequest attribute). */
  extensions: Extension[];
  /** The requested subjectAltName entries. */
  san: GeneralName[];
  signatureAlgorithm: { oid: string; name: string };
  /** The request is signed by the key it carries (proof of possession). */
  signatureValid: boolean;
}

const SIG_BY_OID = new Map<string, SigSpec>(
  Object.values(SIGNATURE_ALGORITHMS)
    .filter((s: SigSpec) => !s.pss)
    .map((s: SigSpec) => [s.oid, s]),
);

/** Parse a PKCS#10 request (DER) and check its signature. Throws InputError for malformed input. */
export function parseCsr(der: Uint8Array, source = "certificate request"): ParsedCsr {
  try {
    return parseCsrInner(der);
  } catch (e) {
    if (e instanceof DerError)
      throw new InputError(
        `${source}: not a valid PKCS#10 request: ${e.message} (at byte ${e.offset})`,
        "bad-csr",
      );
    if (e instanceof InputError) throw new InputError(`${source}: ${e.message}`, e.code);
    throw e;
  }
}

function parseCsrInner(der: Uint8Array): ParsedCsr {
  const top = readTlv(der, 0, der.length);
  if (top.tag !== Tag.SEQUENCE || top.end !== der.length) throw new DerError("expected one SEQUENCE", 0);
  const infoT = expect(der, top.valueStart, top.end, Tag.SEQUENCE, "certificationRequestInfo");
  const algT = expect(der, infoT.end, top.end, Tag.SEQUENCE, "signatureAlgorithm");
  const sigT = expect(der, algT.end, top.end, Tag.BIT_STRING, "signature");
  if (sigT.end !== top.end) throw new DerError("trailing data after the signature", sigT.end);
  const info = der.subarray(infoT.start, infoT.end);
  const verT = expect(der, infoT.valueStart, infoT.end, Tag.INTEGER, "version");
  if (verT.end - verT.valueStart !== 1 || der[verT.valueStart] !== 0)
    throw new DerError("version is not v1 (0)", verT.start);
  const subjT = readTlv(der, verT.end, infoT.end);
  const subject = parseName(der, subjT, "subject");
  const spkiT = expect(der, subjT.end, infoT.end, Tag.SEQUENCE, "subjectPKInfo");
  const spki = der.subarray(spkiT.start, spkiT.end);
  const attrsT = readTlv(der, spkiT.end, infoT.end);
  if (attrsT.tag !== 0xa0) throw new DerError("attributes: expected [0]", attrsT.start);
  if (attrsT.end !== infoT.end) throw new DerError("trailing data in certificationRequestInfo", attrsT.end);
  const extensions: Extension[] = [];
  for (const a of children(der, attrsT)) {
    const typeT = expect(der, a.valueStart, a.end, Tag.OID, "attribute type");
    if (decodeOid(der, typeT) !== OID_EXTENSION_REQUEST) continue;
    const valuesT = expect(der, typeT.end, a.end, Tag.SET, "extensionRequest values");
    for (const extsT of children(der, valuesT)) {
      for (const e of children(der, extsT)) {
        const oT = expect(der, e.valueStart, e.end, Tag.OID, "extension id");
        let t = readTlv(der, oT.end, e.end);
        let crit = false;
        if (t.tag === Tag.BOOLEAN) {
          crit = der[t.valueStart] === 0xff;
          t = readTlv(der, t.end, e.end);
        }
        if (t.tag !== Tag.OCTET_STRING) throw new DerError("extension value is not an OCTET STRING", t.start);
        extensions.push({
          oid: decodeOid(der, oT),
          critical: crit,
          value: der.subarray(t.valueStart, t.end),
        });
      }
    }
  }
  const sanExt = extensions.find((e) => e.oid === OID.subjectAltName);
  const san = sanExt ? decodeSubjectAltName(sanExt.value) : [];

  const algOid = decodeOid(der, expect(der, algT.valueStart, algT.end, Tag.OID, "signatureAlgorithm"));
  const { bytes: signature, unused } = decodeBitString(der, sigT, "signature");
  if (unused) throw new DerError("signature has unused bits", sigT.start);
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch (e) {
    throw new InputError(
      `the request's public key is unusable (${e instanceof Error ? e.message : e})`,
      "bad-csr",
    );
  }
  const publicKey = publicKeyInfo(spki, keyObject);
  let signatureValid = false;
  const sig = SIG_BY_OID.get(algOid);
  if (algOid === OID.rsassaPss) {
    // Our own PSS parameters (SHA-256 or SHA-384 with salt = hash length) are the only ones we write.
    for (const [hash, saltLength] of [
      ["sha256", 32],
      ["sha384", 48],
    ] as const) {
      try {
        if (
          verify(
            hash,
            info,
            { key: keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength },
            signature,
          )
        )
          signatureValid = true;
      } catch {
        // not this one
      }
    }
  } else if (sig) {
    try {
      signatureValid = verify(sig.hash, info, keyObject, signature);
    } catch {
      signatureValid = false;
    }
  }
  return {
    der,
    subject,
    publicKey,
    keyObject,
    spkiSha256: createHash("sha256").update(spki).digest("hex"),
    extensions,
    san,
    signatureAlgorithm: { oid: algOid, name: signatureAlgorithmName(algOid) },
    signatureValid,
  };
}

function publicKeyInfo(spki: Uint8Array, key: KeyObject): PublicKeyInfo {
  const top = readTlv(spki, 0, spki.length);
  const algT = expect(spki, top.valueStart, top.end, Tag.SEQUENCE, "algorithm");
  const o = decodeOid(spki, expect(spki, algT.valueStart, algT.end, Tag.OID, "algorithm"));
  const keyT = expect(spki, algT.end, top.end, Tag.BIT_STRING, "subjectPublicKey");
  const d = describeKey(key);
  const curveOid = Object.entries(CURVES).find(([, c]) => c.name === d.curve)?.[0];
  const exp = key.asymmetricKeyDetails?.publicExponent;
  return {
    algorithm: d.type,
    oid: o,
    bits: d.bits,
    curve: d.curve ?? (curveOid ? CURVES[curveOid].name : undefined),
    rsaExponent: exp !== undefined && exp < BigInt(Number.MAX_SAFE_INTEGER) ? Number(exp) : undefined,
    spki,
    keyBytes: decodeBitString(spki, keyT, "subjectPublicKey").bytes,
  };
}
