/**
 * The certificate → JSON document mapping behind `chainproof decode --json` (schema: docs/decode.schema.json).
 * The web app and other commands reuse it, and the human renderer (src/cli/render) lays out exactly this
 * document, so what a person sees and what a script reads cannot drift apart.
 *
 * Conventions: binary values are uppercase hexadecimal without separators (as in our bundled trust data);
 * times are ISO 8601 UTC with a "Z"; optional fields are left out rather than set to null.
 *
 * Versioning: `version` changes only when a field is removed or changes meaning; new fields may appear in
 * any release, so consumers must ignore fields they do not know.
 */

import type { Certificate } from "./certificate.js";
import { bytesEqual, children, decodeOid, decodeSmallInt, expect, Tag, type Tlv, toHex } from "./der.js";
import {
  type AccessDescription,
  type DistributionPoint,
  decodeCrlDistributionPoints,
  type Extension,
  type GeneralSubtree,
} from "./extensions.js";
import type { CertificateOrigin, ContainerKind } from "./input.js";
import type { GeneralName, Name, NameAttribute } from "./names.js";
import {
  ACCESS_METHOD_NAMES,
  EKU_NAMES,
  EXTENSION_NAMES,
  OID,
  OTHER_NAME_TYPES,
  POLICY_NAMES,
  POLICY_QUALIFIER_NAMES,
  TLS_FEATURE_NAMES,
} from "./oids.js";

export const DECODE_SCHEMA = "chainproof/decode";
export const DECODE_SCHEMA_VERSION = 1;

export interface DecodeDocument {
  schema: typeof DECODE_SCHEMA;
  version: typeof DECODE_SCHEMA_VERSION;
  /** When the document was made: `validity.status` and `validity.daysRemaining` are relative to it. */
  generatedAt: string;
  certificates: CertificateJson[];
  /** Inputs (or parts of inputs) that could not be read; the certificates above are the ones that could. */
  errors: DecodeErrorJson[];
}

export interface DecodeErrorJson {
  /** The file as the user named it ("-" for standard input). */
  file: string;
  /** Stable reason: "truncated-der", "bad-der", "bad-pem", "bad-password", "limit-exceeded", "cannot-read", … */
  code: string;
  message: string;
}

export interface SourceJson {
  file: string;
  /** 1-based position among the certificates read from this file. */
  position: number;
  container: ContainerKind;
  /** 1-based line of the PEM BEGIN line. */
  line?: number;
  /** Keystore alias or PKCS#12 friendlyName. */
  alias?: string;
  /** Keystore entry kind. */
  entry?: "trusted" | "key";
}

export interface NameAttributeJson {
  /** Short name (CN, O, …) when known, else the dotted OID. */
  type: string;
  oid: string;
  /** Decoded text; for a value that is not a string, "#" + hex of its DER (RFC 4514 2.4). */
  value: string;
  /** ASN.1 type of the value: UTF8String, PrintableString, IA5String, TeletexString, BMPString, … */
  encoding: string;
}

export interface NameJson {
  /** RFC 4514 text (most specific RDN first, as OpenSSL's -nameopt RFC2253 prints). */
  rfc4514: string;
  /** RDNs in encoded order (most significant first, e.g. C before CN); each RDN has one or more attributes. */
  rdns: NameAttributeJson[][];
}

export type GeneralNameType =
  | "dns"
  | "email"
  | "uri"
  | "ip"
  | "dirName"
  | "otherName"
  | "registeredId"
  | "x400Address"
  | "ediPartyName";

export interface GeneralNameJson {
  type: GeneralNameType;
  /** DNS name, email address, URI, IP address (or address/prefix in name constraints), RFC 4514 directory
   *  name, registered OID, or an otherName's value (text, or "#" + hex of its DER). */
  value: string;
  /** otherName: the type-id. */
  oid?: string;
  /** otherName: a name for the type-id (UPN, SmtpUTF8Mailbox, …) when known. */
  typeName?: string;
  /** dirName: the directory name's attributes. */
  name?: NameJson;
  /** otherName, x400Address, ediPartyName: the GeneralName's DER. */
  der?: string;
}

export interface AlgorithmJson {
  /** OpenSSL-style name; the OID when we do not know the algorithm. */
  name: string;
  oid: string;
  /** DER of the parameters, when present. */
  parameters?: string;
  /** RSASSA-PSS parameters (RFC 4055), defaults filled in; absent when they cannot be read. */
  pss?: { hash: string; mgf1Hash: string; saltLength: number; trailerField: number };
}

export interface PublicKeyJson {
  /** RSA, RSA-PSS, EC, Ed25519, Ed448, DSA, or the OID. */
  algorithm: string;
  oid: string;
  bits?: number;
  /** EC named curve (P-256, P-384, …) or its OID. */
  curve?: string;
  /** RSA public exponent. */
  exponent?: number;
  /** SHA-256 of the SubjectPublicKeyInfo (the key pin). */
  spkiSha256: string;
}

export interface ValidityJson {
  notBefore: string;
  notAfter: string;
  status: "valid" | "expired" | "not-yet-valid";
  /** Whole days from `generatedAt` to notAfter, rounded down; negative once expired. */
  daysRemaining: number;
  /** Whole days from notBefore to notAfter (the lifetime the CA issued). */
  lifetimeDays: number;
}

export interface ExtensionJson {
  oid: string;
  /** Our name for the extension (basicConstraints, subjectAltName, …); absent when we do not know it. */
  name?: string;
  critical: boolean;
  /** The extnValue contents (the extension's own DER), hex. */
  value: string;
  /** The decoded value, shaped per extension (see docs/decode.md); absent when unknown or undecodable. */
  decoded?: Record<string, unknown>;
  /** Why a known extension could not be decoded (also listed in the certificate's warnings). */
  error?: string;
}

export interface WarningJson {
  /** "extension-error", "duplicate-extension", "signature-algorithm-mismatch", "unknown-critical-extension", … */
  code: string;
  message: string;
  /** The extension concerned, for extension warnings. */
  extension?: string;
}

export interface CertificateJson {
  source?: SourceJson;
  version: number;
  serialNumber: {
    /** Hex of the serial's value (no sign padding), "-" first if negative: as `openssl x509 -serial`. */
    hex: string;
    /** Signed decimal; absent for serials longer than MAX_DECIMAL_SERIAL_OCTETS (RFC 5280 allows 20). */
    decimal?: string;
  };
  signatureAlgorithm: AlgorithmJson;
  issuer: NameJson;
  subject: NameJson;
  validity: ValidityJson;
  publicKey: PublicKeyJson;
  /** The subjectAltName entries in order; empty when the certificate has none. */
  subjectAltNames: GeneralNameJson[];
  extensions: ExtensionJson[];
  fingerprints: { sha1: string; sha256: string };
  /** basicConstraints cA is TRUE. */
  ca: boolean;
  /** Issuer and subject are the same name (RFC 5280 6.1). */
  selfIssued: boolean;
  /** Self-issued and its signature verifies with its own key. */
  selfSigned: boolean;
  issuerUniqueId?: string;
  subjectUniqueId?: string;
  signatureValue: string;
  warnings: WarningJson[];
  /** The certificate's DER, base64. */
  der: string;
}

export interface JsonOptions {
  /** The instant validity is judged at (default: now). */
  now?: Date;
}

const DAY_MS = 86_400_000;

/** Map one certificate (and where it came from) to its JSON form. */
export function certificateToJson(
  cert: Certificate,
  origin?: CertificateOrigin,
  opts: JsonOptions = {},
): CertificateJson {
  const now = opts.now ?? new Date();
  const out: CertificateJson = {
    ...(origin ? { source: sourceJson(origin) } : {}),
    version: cert.version,
    serialNumber: serialJson(cert.serialBytes),
    signatureAlgorithm: algorithmJson(cert.signatureAlgorithm),
    issuer: nameJson(cert.issuer),
    subject: nameJson(cert.subject),
    validity: validityJson(cert.notBefore, cert.notAfter, now),
    publicKey: {
      algorithm: cert.publicKey.algorithm,
      oid: cert.publicKey.oid,
      ...(cert.publicKey.bits !== undefined ? { bits: cert.publicKey.bits } : {}),
      ...(cert.publicKey.curve !== undefined ? { curve: cert.publicKey.curve } : {}),
      ...(cert.publicKey.rsaExponent !== undefined ? { exponent: cert.publicKey.rsaExponent } : {}),
      spkiSha256: cert.spkiSha256.toUpperCase(),
    },
    subjectAltNames: (cert.subjectAltName ?? []).map(generalNameJson),
    extensions: [],
    fingerprints: { sha1: cert.sha1.toUpperCase(), sha256: cert.sha256.toUpperCase() },
    ca: cert.isCA,
    selfIssued: cert.selfIssued,
    selfSigned: cert.selfSigned,
    ...(cert.issuerUniqueId ? { issuerUniqueId: hex(cert.issuerUniqueId) } : {}),
    ...(cert.subjectUniqueId ? { subjectUniqueId: hex(cert.subjectUniqueId) } : {}),
    signatureValue: hex(cert.signatureValue),
    warnings: [],
    der: Buffer.from(cert.der.buffer, cert.der.byteOffset, cert.der.byteLength).toString("base64"),
  };

  // Extension errors are recorded per OID; the first instance of an OID is the one the model decoded.
  const errors = new Map<string, string>();
  for (const e of cert.extensionErrors) {
    if (e.message === "duplicate extension") {
      out.warnings.push({
        code: "duplicate-extension",
        message: `${e.name} appears more than once (RFC 5280 4.2 forbids it)`,
        extension: e.oid,
      });
    } else {
      errors.set(e.oid, e.message);
      out.warnings.push({
        code: "extension-error",
        message: `${e.name}${e.critical ? " (critical)" : ""} could not be decoded: ${e.message}`,
        extension: e.oid,
      });
    }
  }
  const seen = new Set<string>();
  for (const ext of cert.extensions) {
    const first = !seen.has(ext.oid);
    seen.add(ext.oid);
    const j: ExtensionJson = {
      oid: ext.oid,
      ...(EXTENSION_NAMES[ext.oid] ? { name: EXTENSION_NAMES[ext.oid] } : {}),
      critical: ext.critical,
      value: hex(ext.value),
    };
    if (first) {
      const err = errors.get(ext.oid);
      if (err !== undefined) j.error = err;
      else {
        const d = decodedExtension(cert, ext, out.warnings);
        if (d) j.decoded = d;
      }
    } else j.error = "duplicate extension";
    if (ext.critical && !EXTENSION_NAMES[ext.oid]) {
      out.warnings.push({
        code: "unknown-critical-extension",
        message: `critical extension ${ext.oid} is not one we know: clients that do not know it reject the certificate`,
        extension: ext.oid,
      });
    }
    out.extensions.push(j);
  }

  for (const w of cert.profileWarnings) out.warnings.push({ code: w.code, message: w.message });
  if (!bytesEqual(cert.signatureAlgorithm.der, cert.tbsSignatureAlgorithm.der)) {
    out.warnings.push({
      code: "signature-algorithm-mismatch",
      message: `the signature algorithm inside the signed part (${cert.tbsSignatureAlgorithm.name}) differs from the one outside (${cert.signatureAlgorithm.name}); RFC 5280 4.1.1.2 requires them identical`,
    });
  }
  return out;
}

/** The whole `--json` document. */
export function decodeDocument(
  items: { cert: Certificate; origin?: CertificateOrigin }[],
  errors: DecodeErrorJson[] = [],
  opts: JsonOptions = {},
): DecodeDocument {
  const now = opts.now ?? new Date();
  return {
    schema: DECODE_SCHEMA,
    version: DECODE_SCHEMA_VERSION,
    generatedAt: iso(now),
    certificates: items.map((i) => certificateToJson(i.cert, i.origin, { now })),
    errors,
  };
}

// ---------------------------------------------------------------------------------------------------------

function hex(b: Uint8Array): string {
  return toHex(b).toUpperCase();
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, "Z");
}

function sourceJson(o: CertificateOrigin): SourceJson {
  return {
    file: o.source,
    position: o.position,
    container: o.container,
    ...(o.line !== undefined ? { line: o.line } : {}),
    ...(o.alias !== undefined ? { alias: o.alias } : {}),
    ...(o.entry !== undefined ? { entry: o.entry } : {}),
  };
}

/**
 * Serials longer than this many octets get no decimal form. RFC 5280 4.1.2.2 allows 20; decimal rendering is
 * super-linear in the length (a 256 KiB serial took minutes), while the hex form is linear.
 */
export const MAX_DECIMAL_SERIAL_OCTETS = 64;

/**
 * INTEGER content octets → magnitude hex ("-" if negative) and, up to MAX_DECIMAL_SERIAL_OCTETS octets, the
 * signed decimal. Linear in the length: the magnitude is computed on the octets, not through a BigInt.
 */
export function serialJson(bytes: Uint8Array): { hex: string; decimal?: string } {
  const negative = bytes.length > 0 && (bytes[0] & 0x80) !== 0;
  const magnitude = negative ? twosComplementNegate(bytes) : bytes;
  let first = 0;
  while (first < magnitude.length - 1 && magnitude[first] === 0) first++;
  const h = magnitude.length ? hex(magnitude.subarray(first)) : "00";
  const out: { hex: string; decimal?: string } = { hex: negative ? `-${h}` : h };
  if (bytes.length <= MAX_DECIMAL_SERIAL_OCTETS) {
    const v = BigInt(`0x${h}`);
    out.decimal = (negative ? -v : v).toString();
  }
  return out;
}

/** The magnitude of a negative two's-complement INTEGER: invert and add one, octet by octet. */
function twosComplementNegate(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let carry = 1;
  for (let i = bytes.length - 1; i >= 0; i--) {
    const v = (~bytes[i] & 0xff) + carry;
    out[i] = v & 0xff;
    carry = v >> 8;
  }
  return out;
}

function algorithmJson(a: { oid: string; name: string; params?: Uint8Array }): AlgorithmJson {
  const pss = a.oid === OID.rsassaPss ? pssParams(a.params) : undefined;
  return {
    name: a.name,
    oid: a.oid,
    ...(a.params ? { parameters: hex(a.params) } : {}),
    ...(pss ? { pss } : {}),
  };
}

const HASH_NAMES: Record<string, string> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.4": "sha224",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};

/** RSASSA-PSS-params for display (the verifier has its own, stricter reading in certificate.ts). */
function pssParams(params: Uint8Array | undefined): AlgorithmJson["pss"] {
  if (!params) return undefined;
  try {
    const out = { hash: "sha1", mgf1Hash: "sha1", saltLength: 20, trailerField: 1 };
    const hashOf = (b: Uint8Array, t: Tlv) => {
      const alg = expect(b, t.valueStart, t.end, Tag.SEQUENCE, "PSS hash");
      const oid = decodeOid(b, expect(b, alg.valueStart, alg.end, Tag.OID, "PSS hash"));
      return HASH_NAMES[oid] ?? oid;
    };
    const seqT = expect(params, 0, params.length, Tag.SEQUENCE, "RSASSA-PSS-params");
    for (const k of children(params, seqT)) {
      if (k.tag === 0xa0) out.hash = hashOf(params, k);
      else if (k.tag === 0xa1) {
        const mgf = expect(params, k.valueStart, k.end, Tag.SEQUENCE, "PSS MGF");
        const mgfOid = expect(params, mgf.valueStart, mgf.end, Tag.OID, "PSS MGF");
        if (decodeOid(params, mgfOid) !== "1.2.840.113549.1.1.8") return undefined;
        out.mgf1Hash = hashOf(params, {
          tag: Tag.SEQUENCE,
          start: mgfOid.end,
          valueStart: mgfOid.end,
          end: mgf.end,
        });
      } else if (k.tag === 0xa2) {
        out.saltLength = decodeSmallInt(
          params,
          expect(params, k.valueStart, k.end, Tag.INTEGER, "salt"),
          "salt",
        );
      } else if (k.tag === 0xa3) {
        out.trailerField = decodeSmallInt(
          params,
          expect(params, k.valueStart, k.end, Tag.INTEGER, "trailer"),
          "trailer",
        );
      } else return undefined;
    }
    return out;
  } catch {
    return undefined;
  }
}

const ENCODINGS: Record<number, string> = {
  12: "UTF8String",
  18: "NumericString",
  19: "PrintableString",
  20: "TeletexString",
  22: "IA5String",
  26: "VisibleString",
  28: "UniversalString",
  30: "BMPString",
};

function attributeJson(a: NameAttribute): NameAttributeJson {
  return {
    type: a.shortName ?? a.oid,
    oid: a.oid,
    value: a.value,
    encoding: ENCODINGS[a.valueTag] ?? `tag 0x${a.valueTag.toString(16).padStart(2, "0")}`,
  };
}

export function nameJson(n: Name): NameJson {
  return { rfc4514: n.toString(), rdns: n.rdns.map((rdn) => rdn.map(attributeJson)) };
}

export function generalNameJson(g: GeneralName): GeneralNameJson {
  switch (g.type) {
    case "dirName":
      return { type: "dirName", value: g.value, name: nameJson(g.name) };
    case "otherName": {
      const text = g.value.startsWith(`${g.oid};`) ? g.value.slice(g.oid.length + 1) : g.value;
      return {
        type: "otherName",
        value: text,
        oid: g.oid,
        ...(OTHER_NAME_TYPES[g.oid] ? { typeName: OTHER_NAME_TYPES[g.oid] } : {}),
        der: hex(g.der),
      };
    }
    case "x400Address":
    case "ediPartyName":
      return { type: g.type, value: g.value, der: hex(g.der) };
    default:
      return { type: g.type, value: g.value };
  }
}

function validityJson(notBefore: Date, notAfter: Date, now: Date): ValidityJson {
  const t = now.getTime();
  const status = t < notBefore.getTime() ? "not-yet-valid" : t > notAfter.getTime() ? "expired" : "valid";
  return {
    notBefore: iso(notBefore),
    notAfter: iso(notAfter),
    status,
    daysRemaining: Math.floor((notAfter.getTime() - t) / DAY_MS),
    lifetimeDays: Math.floor((notAfter.getTime() - notBefore.getTime()) / DAY_MS),
  };
}

function subtreeJson(s: GeneralSubtree): Record<string, unknown> {
  return {
    base: generalNameJson(s.base),
    ...(s.minimum !== 0 ? { minimum: s.minimum } : {}),
    ...(s.maximum !== undefined ? { maximum: s.maximum } : {}),
  };
}

function accessJson(a: AccessDescription): Record<string, unknown> {
  return {
    method: a.method,
    ...(ACCESS_METHOD_NAMES[a.method] ? { methodName: ACCESS_METHOD_NAMES[a.method] } : {}),
    location: generalNameJson(a.location),
  };
}

function distributionPointJson(dp: DistributionPoint): Record<string, unknown> {
  return {
    fullName: dp.names.map(generalNameJson),
    ...(dp.relativeName
      ? {
          relativeName: dp.relativeName.map(attributeJson),
        }
      : {}),
    ...(dp.reasonNames ? { reasons: dp.reasonNames } : {}),
    ...(dp.crlIssuer ? { crlIssuer: dp.crlIssuer.map(generalNameJson) } : {}),
  };
}

/** The `decoded` member for the extensions we understand. */
function decodedExtension(
  cert: Certificate,
  ext: Extension,
  warnings: WarningJson[],
): Record<string, unknown> | undefined {
  switch (ext.oid) {
    case OID.basicConstraints: {
      const bc = cert.basicConstraints;
      return bc && { ca: bc.ca, ...(bc.pathLen !== undefined ? { pathLen: bc.pathLen } : {}) };
    }
    case OID.keyUsage:
      return cert.keyUsage && { usages: cert.keyUsage.usages };
    case OID.extKeyUsage:
      return (
        cert.extKeyUsage && {
          purposes: cert.extKeyUsage.map((oid) => ({
            oid,
            ...(EKU_NAMES[oid] ? { name: EKU_NAMES[oid] } : {}),
          })),
        }
      );
    case OID.subjectAltName:
      return cert.subjectAltName && { names: cert.subjectAltName.map(generalNameJson) };
    case OID.issuerAltName:
      return cert.issuerAltName && { names: cert.issuerAltName.map(generalNameJson) };
    case OID.nameConstraints: {
      const nc = cert.nameConstraints;
      return (
        nc && {
          ...(nc.permitted ? { permitted: nc.permitted.map(subtreeJson) } : {}),
          ...(nc.excluded ? { excluded: nc.excluded.map(subtreeJson) } : {}),
        }
      );
    }
    case OID.certificatePolicies:
      return (
        cert.certificatePolicies && {
          policies: cert.certificatePolicies.map((p) => ({
            oid: p.policyId,
            ...(POLICY_NAMES[p.policyId] ? { name: POLICY_NAMES[p.policyId] } : {}),
            qualifiers: p.qualifiers.map((q) => ({
              oid: q.oid,
              ...(POLICY_QUALIFIER_NAMES[q.oid] ? { type: POLICY_QUALIFIER_NAMES[q.oid] } : {}),
              ...(q.oid === OID.cpsQualifier && q.text !== undefined ? { uri: q.text } : {}),
              ...(q.noticeRef ? { noticeRef: q.noticeRef } : {}),
              ...(q.explicitText !== undefined ? { explicitText: q.explicitText } : {}),
              ...(q.der ? { der: hex(q.der) } : {}),
            })),
          })),
        }
      );
    case OID.policyMappings:
      return cert.policyMappings && { mappings: cert.policyMappings };
    case OID.policyConstraints:
      return cert.policyConstraints && { ...cert.policyConstraints };
    case OID.inhibitAnyPolicy:
      return cert.inhibitAnyPolicy !== undefined ? { skipCerts: cert.inhibitAnyPolicy } : undefined;
    case OID.subjectKeyIdentifier:
      return cert.subjectKeyIdentifier !== undefined
        ? { keyIdentifier: cert.subjectKeyIdentifier.toUpperCase() }
        : undefined;
    case OID.authorityKeyIdentifier: {
      const aki = cert.authorityKeyIdentifier;
      return (
        aki && {
          ...(aki.keyId !== undefined ? { keyIdentifier: aki.keyId.toUpperCase() } : {}),
          ...(aki.issuer ? { authorityCertIssuer: aki.issuer.map(generalNameJson) } : {}),
          ...(aki.serial !== undefined
            ? { authorityCertSerialNumber: serialJson(Buffer.from(aki.serial, "hex")).hex }
            : {}),
        }
      );
    }
    case OID.authorityInfoAccess:
      return cert.authorityInfoAccess && { descriptions: cert.authorityInfoAccess.map(accessJson) };
    case OID.subjectInfoAccess:
      return cert.subjectInfoAccess && { descriptions: cert.subjectInfoAccess.map(accessJson) };
    case OID.crlDistributionPoints:
      return cert.crlDistributionPoints && { points: cert.crlDistributionPoints.map(distributionPointJson) };
    case OID.freshestCrl: {
      // Not part of the certificate model (nothing validates with it): decoded here, for display only.
      try {
        return { points: decodeCrlDistributionPoints(ext.value).map(distributionPointJson) };
      } catch (e) {
        warnings.push({
          code: "extension-error",
          message: `freshestCRL could not be decoded: ${e instanceof Error ? e.message : e}`,
          extension: ext.oid,
        });
        return undefined;
      }
    }
    case OID.sctList:
      return (
        cert.scts && {
          scts: cert.scts.map((s) => ({
            version: s.version,
            logId: s.logId.toUpperCase(),
            timestamp: s.timestamp.toISOString(),
            ...(s.hashAlgorithm !== undefined && s.signatureAlgorithm !== undefined
              ? { signatureAlgorithm: sctAlgorithm(s.hashAlgorithm, s.signatureAlgorithm) }
              : {}),
          })),
        }
      );
    case OID.tlsFeature:
      return (
        cert.tlsFeature && {
          features: cert.tlsFeature.map((n) => ({
            value: n,
            ...(TLS_FEATURE_NAMES[n] ? { name: TLS_FEATURE_NAMES[n] } : {}),
          })),
          mustStaple: cert.tlsFeature.includes(5),
        }
      );
    case OID.ctPoison:
      return { precertificate: true };
    default:
      return undefined;
  }
}

const SCT_HASHES: Record<number, string> = {
  1: "MD5",
  2: "SHA1",
  3: "SHA224",
  4: "SHA256",
  5: "SHA384",
  6: "SHA512",
};

/** TLS SignatureAndHashAlgorithm as OpenSSL names it for SCTs ("ecdsa-with-SHA256", "sha256WithRSAEncryption"). */
function sctAlgorithm(hash: number, sig: number): string {
  const h = SCT_HASHES[hash] ?? `hash ${hash}`;
  if (sig === 3) return `ecdsa-with-${h}`;
  if (sig === 1) return `${h.toLowerCase()}WithRSAEncryption`;
  return `${h} with signature algorithm ${sig}`;
}
