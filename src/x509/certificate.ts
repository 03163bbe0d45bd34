/**
 * The certificate model: one parse of the exact DER, every field typed, every extension decoded.
 *
 * Fields that cost real work and are not always needed (fingerprints, the node:crypto key object, the
 * self-signature check, RFC 4514 text) are computed on first use and kept.
 */

import { constants, createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import {
  children,
  DerError,
  decodeBitString,
  decodeBoolean,
  decodeOid,
  decodeSmallInt,
  decodeTime,
  expect,
  readTlv,
  Tag,
  type Tlv,
  toHex,
} from "./der.js";
import {
  type AccessDescription,
  type AuthorityKeyIdentifier,
  type BasicConstraints,
  type DistributionPoint,
  decodeAccessDescriptions,
  decodeAuthorityKeyIdentifier,
  decodeBasicConstraints,
  decodeCertificatePolicies,
  decodeCrlDistributionPoints,
  decodeExtKeyUsage,
  decodeInhibitAnyPolicy,
  decodeKeyUsage,
  decodeNameConstraints,
  decodePolicyConstraints,
  decodePolicyMappings,
  decodeSctList,
  decodeSubjectAltName,
  decodeSubjectKeyIdentifier,
  decodeTlsFeature,
  type Extension,
  type KeyUsage,
  type NameConstraints,
  type PolicyConstraints,
  type PolicyInformation,
  type SignedCertificateTimestamp,
} from "./extensions.js";
import { type GeneralName, type Name, namesMatch, parseName } from "./names.js";
import { CURVES, EXTENSION_NAMES, OID, signatureAlgorithmName } from "./oids.js";

export interface AlgorithmIdentifier {
  oid: string;
  /** OpenSSL-style name, e.g. "sha256WithRSAEncryption"; the OID when unknown. */
  name: string;
  /** DER of the parameters, when present (NULL for RSA, PSS parameters, curve OID for EC keys). */
  params?: Uint8Array;
  /** The whole AlgorithmIdentifier DER, to compare the inner and outer copies exactly. */
  der: Uint8Array;
}

export interface PublicKeyInfo {
  /** "RSA", "EC", "Ed25519", "Ed448", "DSA", "RSA-PSS", or the OID. */
  algorithm: string;
  oid: string;
  /** Key size in bits (RSA modulus, EC field size). */
  bits?: number;
  /** Named curve for EC keys (P-256, P-384, …), or the curve OID when unnamed. */
  curve?: string;
  /** RSA public exponent, when small enough to be a number. */
  rsaExponent?: number;
  /** The SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** The subjectPublicKey BIT STRING contents. */
  keyBytes: Uint8Array;
}

/**
 * A departure from the RFC 5280 DER profile that clients tolerate, so the certificate still parses (e.g. a
 * GeneralizedTime before 2050: Mozilla trusts roots encoded that way). The validator may report these.
 */
export interface ProfileWarning {
  /** Stable code, e.g. "generalized-time-before-2050". */
  code: string;
  message: string;
}

/** An extension we recognise but could not decode: the validator treats it as a hard failure. */
export interface ExtensionError {
  oid: string;
  name: string;
  critical: boolean;
  message: string;
}

export class Certificate {
  readonly der: Uint8Array;
  readonly tbs: Uint8Array;
  readonly version: number;
  /** Serial number content octets, as sent (may include a leading 00). */
  readonly serialBytes: Uint8Array;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  /** The algorithm inside TBSCertificate; RFC 5280 requires it to equal `signatureAlgorithm`. */
  readonly tbsSignatureAlgorithm: AlgorithmIdentifier;
  readonly issuer: Name;
  readonly subject: Name;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: PublicKeyInfo;
  readonly issuerUniqueId?: Uint8Array;
  readonly subjectUniqueId?: Uint8Array;
  readonly extensions: Extension[];
  readonly signatureValue: Uint8Array;

  // Decoded extensions (undefined when absent or undecodable; see extensionErrors).
  basicConstraints?: BasicConstraints;
  keyUsage?: KeyUsage;
  extKeyUsage?: string[];
  subjectAltName?: GeneralName[];
  issuerAltName?: GeneralName[];
  nameConstraints?: NameConstraints;
  certificatePolicies?: PolicyInformation[];
  policyMappings?: { issuerDomainPolicy: string; subjectDomainPolicy: string }[];
  policyConstraints?: PolicyConstraints;
  inhibitAnyPolicy?: number;
  subjectKeyIdentifier?: string;
  authorityKeyIdentifier?: AuthorityKeyIdentifier;
  authorityInfoAccess?: AccessDescription[];
  subjectInfoAccess?: AccessDescription[];
  crlDistributionPoints?: DistributionPoint[];
  scts?: SignedCertificateTimestamp[];
  tlsFeature?: number[];
  /** Extensions we know that failed to decode, and duplicates. */
  readonly extensionErrors: ExtensionError[] = [];
  /** Tolerated departures from the RFC 5280 encoding rules (see ProfileWarning). */
  readonly profileWarnings: ProfileWarning[] = [];

  /**
   * @internal What src/verify remembers about this certificate (verify/memo.ts CertMemo). A field, not a
   * WeakMap entry: a freshly parsed chain made one per certificate, and WeakMap entries (ephemerons) cost
   * more to make and to collect than the record they hold. Name keeps its memo slots the same way.
   */
  verifyMemo: object | undefined = undefined;

  private _sha256?: string;
  private _sha1?: string;
  private _spkiSha256?: string;
  private _key?: KeyObject | Error;
  private _selfSigned?: boolean;

  constructor(input: Uint8Array) {
    // A Node Buffer's subarray() is several times slower than a plain Uint8Array's, and we slice a lot.
    const der = Buffer.isBuffer(input)
      ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
      : input;
    this.der = der;
    if (der.length > MAX_CERTIFICATE_BYTES) throw new DerError(certificateTooLarge(der.length), 0);
    const top = readTlv(der, 0, der.length);
    if (top.tag !== Tag.SEQUENCE) throw new DerError("a certificate must start with a SEQUENCE", 0);
    if (top.end !== der.length) {
      throw new DerError(`${der.length - top.end} bytes of trailing data after the certificate`, top.end);
    }
    const tbsT = expect(der, top.valueStart, top.end, Tag.SEQUENCE, "tbsCertificate");
    const sigAlgT = expect(der, tbsT.end, top.end, Tag.SEQUENCE, "signatureAlgorithm");
    const sigT = expect(der, sigAlgT.end, top.end, Tag.BIT_STRING, "signatureValue");
    if (sigT.end !== top.end) throw new DerError("unexpected data after signatureValue", sigT.end);
    this.tbs = der.subarray(tbsT.start, tbsT.end);
    this.signatureAlgorithm = parseAlgorithm(der, sigAlgT, "signatureAlgorithm");
    const sig = decodeBitString(der, sigT, "signatureValue");
    if (sig.unused !== 0) throw new DerError("signatureValue has unused bits", sigT.start);
    this.signatureValue = sig.bytes;

    // TBSCertificate
    let p = tbsT.valueStart;
    const end = tbsT.end;
    let t = readTlv(der, p, end);
    this.version = 1;
    if (t.tag === 0xa0) {
      const vT = expect(der, t.valueStart, t.end, Tag.INTEGER, "version");
      if (vT.end !== t.end) throw new DerError("version: trailing data", vT.end);
      const v = decodeSmallInt(der, vT, "version");
      if (v > 2) throw new DerError(`version: unknown certificate version ${v + 1}`, vT.start);
      // DER: version DEFAULT v1 must be omitted when it is v1.
      if (v === 0) throw new DerError("version: an explicit v1 must be omitted in DER", t.start);
      this.version = v + 1;
      p = t.end;
      t = readTlv(der, p, end);
    }
    if (t.tag !== Tag.INTEGER) throw new DerError("serialNumber: expected an INTEGER", t.start);
    if (t.end === t.valueStart) throw new DerError("serialNumber: empty INTEGER", t.start);
    this.serialBytes = der.subarray(t.valueStart, t.end);
    p = t.end;
    t = expect(der, p, end, Tag.SEQUENCE, "signature");
    this.tbsSignatureAlgorithm = parseAlgorithm(der, t, "signature");
    p = t.end;
    t = readTlv(der, p, end);
    this.issuer = parseName(der, t, "issuer");
    p = t.end;
    const valT = expect(der, p, end, Tag.SEQUENCE, "validity");
    const nbT = readTlv(der, valT.valueStart, valT.end);
    const naT = readTlv(der, nbT.end, valT.end);
    if (naT.end !== valT.end) throw new DerError("validity: trailing data", naT.end);
    this.notBefore = decodeTime(der, nbT, "notBefore");
    this.notAfter = decodeTime(der, naT, "notAfter");
    checkTimeChoice(nbT, this.notBefore, "notBefore", this.profileWarnings);
    checkTimeChoice(naT, this.notAfter, "notAfter", this.profileWarnings);
    p = valT.end;
    t = readTlv(der, p, end);
    this.subject = parseName(der, t, "subject");
    p = t.end;
    t = expect(der, p, end, Tag.SEQUENCE, "subjectPublicKeyInfo");
    this.publicKey = parseSpki(der, t);
    p = t.end;
    let extT: Tlv | undefined;
    while (p < end) {
      t = readTlv(der, p, end);
      if (t.tag === 0x81 && this.version >= 2 && !this.subjectUniqueId && !extT) {
        this.issuerUniqueId = der.subarray(t.valueStart, t.end);
      } else if (t.tag === 0x82 && this.version >= 2 && !extT) {
        this.subjectUniqueId = der.subarray(t.valueStart, t.end);
      } else if (t.tag === 0xa3 && this.version === 3 && !extT) {
        extT = t;
      } else {
        throw new DerError(`tbsCertificate: unexpected element with tag 0x${t.tag.toString(16)}`, t.start);
      }
      p = t.end;
    }
    this.extensions = extT ? parseExtensions(der, extT) : [];
    this.decodeExtensions();
  }

  private decodeExtensions(): void {
    // Duplicates by a scan of the extensions before, for the handful a certificate has (a Set cost more);
    // a Set past that, as parseExtensions allows 10,000.
    const list = this.extensions;
    const seen = list.length > FEW_EXTENSIONS ? new Set<string>() : undefined;
    for (let i = 0; i < list.length; i++) {
      const ext = list[i];
      const name = EXTENSION_NAMES[ext.oid] ?? ext.oid;
      const duplicate = seen ? seen.has(ext.oid) : seenBefore(list, i);
      seen?.add(ext.oid);
      if (duplicate) {
        // RFC 5280 4.2: a certificate MUST NOT include more than one instance of a particular extension.
        this.extensionErrors.push({
          oid: ext.oid,
          name,
          critical: ext.critical,
          message: "duplicate extension",
        });
        continue;
      }
      try {
        this.decodeOne(ext);
      } catch (e) {
        const message = e instanceof DerError ? e.message : String(e);
        this.extensionErrors.push({ oid: ext.oid, name, critical: ext.critical, message });
      }
    }
  }

  private decodeOne(ext: Extension): void {
    const v = ext.value;
    switch (ext.oid) {
      case OID.basicConstraints:
        this.basicConstraints = decodeBasicConstraints(v);
        break;
      case OID.keyUsage:
        this.keyUsage = decodeKeyUsage(v);
        break;
      case OID.extKeyUsage:
        this.extKeyUsage = decodeExtKeyUsage(v);
        break;
      case OID.subjectAltName:
        this.subjectAltName = decodeSubjectAltName(v);
        break;
      case OID.issuerAltName:
        this.issuerAltName = decodeSubjectAltName(v, "issuerAltName");
        break;
      case OID.nameConstraints:
        this.nameConstraints = decodeNameConstraints(v);
        break;
      case OID.certificatePolicies:
        this.certificatePolicies = decodeCertificatePolicies(v);
        break;
      case OID.policyMappings:
        this.policyMappings = decodePolicyMappings(v);
        break;
      case OID.policyConstraints:
        this.policyConstraints = decodePolicyConstraints(v);
        break;
      case OID.inhibitAnyPolicy:
        this.inhibitAnyPolicy = decodeInhibitAnyPolicy(v);
        break;
      case OID.subjectKeyIdentifier:
        this.subjectKeyIdentifier = decodeSubjectKeyIdentifier(v);
        break;
      case OID.authorityKeyIdentifier:
        this.authorityKeyIdentifier = decodeAuthorityKeyIdentifier(v);
        break;
      case OID.authorityInfoAccess:
        this.authorityInfoAccess = decodeAccessDescriptions(v, "authorityInfoAccess");
        break;
      case OID.subjectInfoAccess:
        this.subjectInfoAccess = decodeAccessDescriptions(v, "subjectInfoAccess");
        break;
      case OID.crlDistributionPoints:
        this.crlDistributionPoints = decodeCrlDistributionPoints(v);
        break;
      case OID.sctList:
        this.scts = decodeSctList(v);
        break;
      case OID.tlsFeature:
        this.tlsFeature = decodeTlsFeature(v);
        break;
    }
  }

  /** Serial number as lowercase hex of its content octets (as OpenSSL shows, without colons). */
  get serialNumber(): string {
    return toHex(this.serialBytes);
  }

  get sha256(): string {
    this._sha256 ??= createHash("sha256").update(this.der).digest("hex");
    return this._sha256;
  }

  get sha1(): string {
    this._sha1 ??= createHash("sha1").update(this.der).digest("hex");
    return this._sha1;
  }

  /** SHA-256 of the SubjectPublicKeyInfo: identifies the key across re-issued certificates (pinning). */
  get spkiSha256(): string {
    this._spkiSha256 ??= createHash("sha256").update(this.publicKey.spki).digest("hex");
    return this._spkiSha256;
  }

  /** Issuer and subject are the same name (RFC 5280 3.2 "self-issued"). */
  get selfIssued(): boolean {
    return namesMatch(this.issuer, this.subject);
  }

  /**
   * Self-issued, not naming another key as its signer, and its signature verifies with its own key. The
   * middle test is OpenSSL's (a certificate whose authorityKeyIdentifier is not its own subjectKeyIdentifier
   * is not self-signed there: EXFLAG_SS), and it spares a signature check for each CA of a same-name chain.
   */
  get selfSigned(): boolean {
    if (this._selfSigned === undefined) {
      this._selfSigned = this.selfIssued && !this.namesAnotherSigner && verifySignature(this, this) === true;
    }
    return this._selfSigned;
  }

  /** Its authorityKeyIdentifier names a key identifier other than its own subjectKeyIdentifier. */
  get namesAnotherSigner(): boolean {
    const kid = this.authorityKeyIdentifier?.keyId;
    return kid !== undefined && this.subjectKeyIdentifier !== undefined && kid !== this.subjectKeyIdentifier;
  }

  /**
   * Takes `selfSigned` from a check already made by this same code, so that it is not made again: bundled
   * roots are checked when their data is generated (scripts/trust-bundle.ts), and checking 121 of them at
   * every start costs more than the rest of a verdict.
   */
  recordSelfSigned(value: boolean): void {
    this._selfSigned = value;
  }

  /** `selfSigned` if it is already known (checked, or recorded), without checking the signature. */
  get selfSignedIfKnown(): boolean | undefined {
    return this._selfSigned;
  }

  get isCA(): boolean {
    return this.basicConstraints?.ca === true;
  }

  /** The node:crypto key, or the Error node:crypto gave for an unusable key. */
  keyObject(): KeyObject | Error {
    if (this._key === undefined) this._key = keyObjectFor(this.publicKey.spki, this.spkiSha256);
    return this._key;
  }

  /** The DNS names in the SAN, in order. */
  get dnsNames(): string[] {
    return (this.subjectAltName ?? []).filter((n) => n.type === "dns").map((n) => n.value);
  }

  /** The subject's common names, in order. */
  get commonNames(): string[] {
    return this.subject.values(OID.commonName);
  }

  hasExtension(oid: string): boolean {
    return this.extensions.some((e) => e.oid === oid);
  }

  /** A short, human label: the first CN, else the whole subject. */
  get label(): string {
    return this.commonNames[0] ?? (this.subject.toString() || "(empty subject)");
  }
}

/** Extensions checked for duplicates by a scan (Certificate.decodeExtensions). */
const FEW_EXTENSIONS = 16;

/** An extension before `list[i]` has its OID. */
function seenBefore(list: Extension[], i: number): boolean {
  const oid = list[i].oid;
  for (let j = 0; j < i; j++) if (list[j].oid === oid) return true;
  return false;
}

/** Parse a certificate; throws DerError with offsets on malformed input. */
/**
 * Largest certificate we parse. Real ones are under 16 KiB (a few thousand SANs stay under 200 KiB); the cap
 * keeps any one certificate's decode and display in bounded time and memory (an 8 MiB extension took 400 MB).
 */
export const MAX_CERTIFICATE_BYTES = 1024 * 1024;

/** "the certificate is 8,388,947 bytes; at most 1,048,576 are read". */
export function certificateTooLarge(bytes: number): string {
  return `the certificate is ${bytes.toLocaleString("en-US")} bytes; at most ${MAX_CERTIFICATE_BYTES.toLocaleString("en-US")} are read`;
}

/**
 * node:crypto keys by SPKI SHA-256. Making a KeyObject costs more than the signature check it serves, and the
 * same key recurs: in a bundle (each root's self-signature, one CA's many certificates) and across chains.
 */
const KEY_CACHE = new Map<string, KeyObject | Error>();
const KEY_CACHE_SIZE = 1000;

function keyObjectFor(spki: Uint8Array, sha256: string): KeyObject | Error {
  const hit = KEY_CACHE.get(sha256);
  if (hit !== undefined) return hit;
  let key: KeyObject | Error;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch (e) {
    key = e instanceof Error ? e : new Error(String(e));
  }
  if (KEY_CACHE.size >= KEY_CACHE_SIZE) KEY_CACHE.clear();
  KEY_CACHE.set(sha256, key);
  return key;
}

export function parseCertificate(der: Uint8Array): Certificate {
  return new Certificate(der);
}

// RFC 5280 4.1.2.5: dates through 2049 MUST be UTCTime, 2050 and later GeneralizedTime. CAs have broken the
// first half (Mozilla's "Certum Trusted Network CA 2" has GeneralizedTime 2011) and clients accept it, so it
// is recorded, not fatal: refusing to parse would make trusted roots disappear.
function checkTimeChoice(t: Tlv, d: Date, what: string, warnings: ProfileWarning[]): void {
  const y = d.getUTCFullYear();
  if (t.tag === Tag.GeneralizedTime && y < 2050) {
    warnings.push({
      code: "generalized-time-before-2050",
      message: `${what}: year ${y} is encoded as GeneralizedTime; RFC 5280 requires UTCTime before 2050`,
    });
  }
}

function parseAlgorithm(buf: Uint8Array, t: Tlv, what: string): AlgorithmIdentifier {
  const oidT = expect(buf, t.valueStart, t.end, Tag.OID, `${what}: algorithm`);
  const oid = decodeOid(buf, oidT);
  let params: Uint8Array | undefined;
  if (oidT.end < t.end) {
    const pT = readTlv(buf, oidT.end, t.end);
    if (pT.end !== t.end) throw new DerError(`${what}: trailing data`, pT.end);
    params = buf.subarray(pT.start, pT.end);
  }
  return { oid, name: signatureAlgorithmName(oid), params, der: buf.subarray(t.start, t.end) };
}

function parseSpki(buf: Uint8Array, t: Tlv): PublicKeyInfo {
  const what = "subjectPublicKeyInfo";
  const algT = expect(buf, t.valueStart, t.end, Tag.SEQUENCE, `${what}: algorithm`);
  const keyT = expect(buf, algT.end, t.end, Tag.BIT_STRING, `${what}: subjectPublicKey`);
  if (keyT.end !== t.end) throw new DerError(`${what}: trailing data`, keyT.end);
  const alg = parseAlgorithm(buf, algT, what);
  const { bytes } = decodeBitString(buf, keyT, what);
  const info: PublicKeyInfo = {
    algorithm: alg.oid,
    oid: alg.oid,
    spki: buf.subarray(t.start, t.end),
    keyBytes: bytes,
  };
  switch (alg.oid) {
    case OID.rsaEncryption:
    case OID.rsassaPss: {
      info.algorithm = alg.oid === OID.rsaEncryption ? "RSA" : "RSA-PSS";
      try {
        const s = readTlv(bytes, 0, bytes.length);
        const mod = expect(bytes, s.valueStart, s.end, Tag.INTEGER, "RSA modulus");
        const exp = expect(bytes, mod.end, s.end, Tag.INTEGER, "RSA exponent");
        let i = mod.valueStart;
        while (i < mod.end && bytes[i] === 0) i++;
        const len = mod.end - i;
        info.bits = len === 0 ? 0 : (len - 1) * 8 + (32 - Math.clz32(bytes[i]));
        if (exp.end - exp.valueStart <= 6) info.rsaExponent = decodeSmallInt(bytes, exp, "RSA exponent");
      } catch {
        // Leave bits undefined: the key is malformed, and node:crypto will refuse it at signature time.
      }
      break;
    }
    case OID.ecPublicKey: {
      info.algorithm = "EC";
      if (alg.params && alg.params[0] === Tag.OID) {
        const c = decodeOid(alg.params, readTlv(alg.params, 0, alg.params.length));
        info.curve = CURVES[c]?.name ?? c;
        info.bits = CURVES[c]?.bits;
      } else info.curve = "explicit or missing parameters";
      break;
    }
    case OID.ed25519:
      info.algorithm = "Ed25519";
      info.bits = 256;
      break;
    case OID.ed448:
      info.algorithm = "Ed448";
      info.bits = 456;
      break;
    case OID.dsa:
      info.algorithm = "DSA";
      break;
  }
  return info;
}

function parseExtensions(buf: Uint8Array, wrapper: Tlv): Extension[] {
  const seqT = expect(buf, wrapper.valueStart, wrapper.end, Tag.SEQUENCE, "extensions");
  if (seqT.end !== wrapper.end) throw new DerError("extensions: trailing data", seqT.end);
  const list = children(buf, seqT, 10_000);
  // RFC 5280 4.1: Extensions ::= SEQUENCE SIZE (1..MAX).
  if (list.length === 0) throw new DerError("extensions: empty extensions list", seqT.start);
  return list.map((e) => {
    if (e.tag !== Tag.SEQUENCE) throw new DerError("extension: expected a SEQUENCE", e.start);
    const oidT = expect(buf, e.valueStart, e.end, Tag.OID, "extension: extnID");
    let t = readTlv(buf, oidT.end, e.end);
    let critical = false;
    if (t.tag === Tag.BOOLEAN) {
      critical = decodeBoolean(buf, t, "extension: critical");
      if (!critical) throw new DerError("extension: critical FALSE must be omitted in DER", t.start);
      t = readTlv(buf, t.end, e.end);
    }
    if (t.tag !== Tag.OCTET_STRING)
      throw new DerError("extension: extnValue is not an OCTET STRING", t.start);
    if (t.end !== e.end) throw new DerError("extension: trailing data", t.end);
    return { oid: decodeOid(buf, oidT), critical, value: buf.subarray(t.valueStart, t.end) };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Signatures

/** Anything signed the X.509 way: TBS bytes, algorithm, signature (certificates and CRLs). */
export interface Signed {
  tbs: Uint8Array;
  signatureAlgorithm: AlgorithmIdentifier;
  signatureValue: Uint8Array;
}

/**
 * Verify `signed` with `issuer`'s public key. Returns true, false (the signature does not verify), or an
 * Error naming why it could not be checked (unsupported algorithm, unusable key, key/algorithm mismatch).
 */
export function verifySignature(signed: Signed, issuer: Certificate): boolean | Error {
  const key = issuer.keyObject();
  if (key instanceof Error) return new Error(`the issuer's public key is unusable: ${key.message}`);
  const alg = signed.signatureAlgorithm;
  const spec = SIGNATURE_SPECS[alg.oid];
  if (!spec) return new Error(`unsupported signature algorithm ${alg.name}`);
  const keyType = key.asymmetricKeyType;
  if (spec.key === "rsa" ? keyType !== "rsa" && keyType !== "rsa-pss" : keyType !== spec.key) {
    return new Error(`signature algorithm ${alg.name} does not match the issuer's ${keyType} key`);
  }
  try {
    if (alg.oid === OID.rsassaPss) {
      const pss = parsePssParams(alg.params);
      if (pss instanceof Error) return pss;
      return cryptoVerify(
        pss.hash,
        signed.tbs,
        {
          key,
          padding: RSA_PKCS1_PSS_PADDING,
          saltLength: pss.saltLength,
        },
        signed.signatureValue,
      );
    }
    // RFC 5280/4055: RSA PKCS#1 v1.5 algorithm identifiers carry NULL parameters (or none); ECDSA/EdDSA none.
    if (spec.key === "rsa" && alg.params && !(alg.params.length === 2 && alg.params[0] === 0x05)) {
      return new Error(`${alg.name} with unexpected parameters`);
    }
    if (spec.key !== "rsa" && alg.params) return new Error(`${alg.name} with unexpected parameters`);
    return cryptoVerify(spec.hash, signed.tbs, key, signed.signatureValue);
  } catch {
    // node:crypto throws on signatures it cannot even decode (e.g. malformed ECDSA DER): not valid.
    return false;
  }
}

const RSA_PKCS1_PSS_PADDING = constants.RSA_PKCS1_PSS_PADDING;

const SIGNATURE_SPECS: Record<string, { hash: string | null; key: string }> = {
  "1.2.840.113549.1.1.4": { hash: "md5", key: "rsa" },
  "1.2.840.113549.1.1.5": { hash: "sha1", key: "rsa" },
  "1.2.840.113549.1.1.11": { hash: "sha256", key: "rsa" },
  "1.2.840.113549.1.1.12": { hash: "sha384", key: "rsa" },
  "1.2.840.113549.1.1.13": { hash: "sha512", key: "rsa" },
  "1.2.840.113549.1.1.14": { hash: "sha224", key: "rsa" },
  "1.2.840.113549.1.1.10": { hash: null, key: "rsa" },
  "1.2.840.10045.4.1": { hash: "sha1", key: "ec" },
  "1.2.840.10045.4.3.1": { hash: "sha224", key: "ec" },
  "1.2.840.10045.4.3.2": { hash: "sha256", key: "ec" },
  "1.2.840.10045.4.3.3": { hash: "sha384", key: "ec" },
  "1.2.840.10045.4.3.4": { hash: "sha512", key: "ec" },
  "1.3.101.112": { hash: null, key: "ed25519" },
  "1.3.101.113": { hash: null, key: "ed448" },
  "1.2.840.10040.4.3": { hash: "sha1", key: "dsa" },
  "2.16.840.1.101.3.4.3.2": { hash: "sha256", key: "dsa" },
};

const HASH_OIDS: Record<string, string> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
  "2.16.840.1.101.3.4.2.4": "sha224",
};

/** RSASSA-PSS-params (RFC 4055): hash, MGF1 hash (must match), salt length; trailer field 1. */
function parsePssParams(params: Uint8Array | undefined): { hash: string; saltLength: number } | Error {
  if (!params) return new Error("RSASSA-PSS without parameters");
  try {
    const s = readTlv(params, 0, params.length);
    if (s.tag !== Tag.SEQUENCE) return new Error("RSASSA-PSS parameters are not a SEQUENCE");
    let hash = "sha1";
    let mgfHash = "sha1";
    let saltLength = 20;
    for (const k of children(params, s)) {
      if (k.tag === 0xa0) {
        const a = expect(params, k.valueStart, k.end, Tag.SEQUENCE, "PSS hash");
        const o = decodeOid(params, expect(params, a.valueStart, a.end, Tag.OID, "PSS hash"));
        const h = HASH_OIDS[o];
        if (!h) return new Error(`RSASSA-PSS with unsupported hash ${o}`);
        hash = h;
      } else if (k.tag === 0xa1) {
        const a = expect(params, k.valueStart, k.end, Tag.SEQUENCE, "PSS MGF");
        const o = expect(params, a.valueStart, a.end, Tag.OID, "PSS MGF");
        if (decodeOid(params, o) !== "1.2.840.113549.1.1.8")
          return new Error("RSASSA-PSS with a non-MGF1 MGF");
        const inner = expect(params, o.end, a.end, Tag.SEQUENCE, "PSS MGF hash");
        const ho = decodeOid(params, expect(params, inner.valueStart, inner.end, Tag.OID, "PSS MGF hash"));
        mgfHash = HASH_OIDS[ho] ?? ho;
      } else if (k.tag === 0xa2) {
        saltLength = decodeSmallInt(
          params,
          expect(params, k.valueStart, k.end, Tag.INTEGER, "PSS salt"),
          "salt",
        );
      } else if (k.tag === 0xa3) {
        const tf = decodeSmallInt(
          params,
          expect(params, k.valueStart, k.end, Tag.INTEGER, "PSS trailer"),
          "trailer",
        );
        if (tf !== 1) return new Error("RSASSA-PSS with a trailer field other than 1");
      }
    }
    // node:crypto uses the same hash for MGF1 as for the message; a mismatch is something we cannot check.
    if (mgfHash !== hash) return new Error("RSASSA-PSS whose MGF1 hash differs from its message hash");
    return { hash, saltLength };
  } catch (e) {
    return new Error(`malformed RSASSA-PSS parameters: ${e instanceof Error ? e.message : e}`);
  }
}
