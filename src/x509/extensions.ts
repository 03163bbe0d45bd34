/** Decoders for the certificate extensions we understand (RFC 5280 4.2, RFC 6962, RFC 7633). */

import {
  children,
  DerError,
  decodeBitString,
  decodeBoolean,
  decodeOid,
  decodeSmallInt,
  decodeString,
  expect,
  readTlv,
  Tag,
  type Tlv,
  toHex,
} from "./der.js";
import { type GeneralName, parseGeneralName, parseGeneralNames } from "./names.js";
import { KEY_USAGE_BITS, type KeyUsageName, OID } from "./oids.js";

export interface Extension {
  oid: string;
  critical: boolean;
  /** The extnValue OCTET STRING's contents (the extension's own DER). */
  value: Uint8Array;
}

export interface BasicConstraints {
  ca: boolean;
  pathLen?: number;
}

export interface KeyUsage {
  /** Names of the bits that are set. */
  usages: KeyUsageName[];
  has(u: KeyUsageName): boolean;
}

export interface GeneralSubtree {
  base: GeneralName;
  /** RFC 5280 says minimum MUST be 0 and maximum absent; we keep them so the validator can refuse others. */
  minimum: number;
  maximum?: number;
}

export interface NameConstraints {
  permitted?: GeneralSubtree[];
  excluded?: GeneralSubtree[];
}

export interface PolicyInformation {
  policyId: string;
  /** CPS URIs and user notice texts, for display. */
  qualifiers: { oid: string; text?: string }[];
}

export interface PolicyConstraints {
  requireExplicitPolicy?: number;
  inhibitPolicyMapping?: number;
}

export interface AuthorityKeyIdentifier {
  keyId?: string;
  issuer?: GeneralName[];
  serial?: string;
}

export interface AccessDescription {
  method: string;
  location: GeneralName;
}

export interface DistributionPoint {
  /** fullName entries (usually URIs). */
  names: GeneralName[];
  reasons?: string;
  crlIssuer?: GeneralName[];
}

export interface SignedCertificateTimestamp {
  version: number;
  /** Log ID (SHA-256 of the log's key), hex. */
  logId: string;
  timestamp: Date;
}

function seq(buf: Uint8Array, what: string): Tlv {
  const t = readTlv(buf, 0, buf.length);
  if (t.end !== buf.length) throw new DerError(`${what}: trailing data after the extension value`, t.end);
  if (t.tag !== Tag.SEQUENCE) throw new DerError(`${what}: expected a SEQUENCE`, 0);
  return t;
}

export function decodeBasicConstraints(v: Uint8Array): BasicConstraints {
  const what = "basicConstraints";
  const s = seq(v, what);
  const kids = children(v, s);
  let i = 0;
  let ca = false;
  if (kids[i]?.tag === Tag.BOOLEAN) {
    ca = decodeBoolean(v, kids[i], what);
    // DER: a DEFAULT value must be omitted, so an explicit FALSE is a mis-encoding.
    if (!ca) throw new DerError(`${what}: cA FALSE must be omitted in DER`, kids[i].start);
    i++;
  }
  let pathLen: number | undefined;
  if (kids[i]?.tag === Tag.INTEGER) {
    pathLen = decodeSmallInt(v, kids[i], `${what}: pathLenConstraint`);
    i++;
  }
  if (i !== kids.length) throw new DerError(`${what}: unexpected element`, kids[i].start);
  return { ca, pathLen };
}

export function decodeKeyUsage(v: Uint8Array): KeyUsage {
  const what = "keyUsage";
  const t = readTlv(v, 0, v.length);
  if (t.tag !== Tag.BIT_STRING || t.end !== v.length) throw new DerError(`${what}: expected a BIT STRING`, 0);
  const { bytes, unused } = decodeBitString(v, t, what);
  if (bytes.length > 2) throw new DerError(`${what}: BIT STRING longer than 2 bytes`, 0);
  const usages: KeyUsageName[] = [];
  for (let bit = 0; bit < bytes.length * 8 - unused; bit++) {
    if (bytes[bit >> 3] & (0x80 >> (bit & 7))) usages.push(KEY_USAGE_BITS[bit]);
  }
  return { usages, has: (u) => usages.includes(u) };
}

export function decodeExtKeyUsage(v: Uint8Array): string[] {
  const what = "extKeyUsage";
  const s = seq(v, what);
  const out = children(v, s).map((c) => {
    if (c.tag !== Tag.OID) throw new DerError(`${what}: expected an OID`, c.start);
    return decodeOid(v, c);
  });
  if (out.length === 0) throw new DerError(`${what}: empty`, 0);
  return out;
}

export function decodeSubjectAltName(v: Uint8Array, what = "subjectAltName"): GeneralName[] {
  return parseGeneralNames(v, seq(v, what), what);
}

export function decodeNameConstraints(v: Uint8Array): NameConstraints {
  const what = "nameConstraints";
  const s = seq(v, what);
  const out: NameConstraints = {};
  for (const part of children(v, s)) {
    if (part.tag !== 0xa0 && part.tag !== 0xa1) throw new DerError(`${what}: unexpected element`, part.start);
    const subtrees: GeneralSubtree[] = [];
    for (const st of children(v, part)) {
      if (st.tag !== Tag.SEQUENCE) throw new DerError(`${what}: GeneralSubtree is not a SEQUENCE`, st.start);
      const kids = children(v, st);
      if (kids.length === 0) throw new DerError(`${what}: empty GeneralSubtree`, st.start);
      const base = parseGeneralName(v, kids[0], what, true);
      let minimum = 0;
      let maximum: number | undefined;
      for (const k of kids.slice(1)) {
        const inner: Tlv = { tag: Tag.INTEGER, start: k.start, valueStart: k.valueStart, end: k.end };
        if (k.tag === 0x80) minimum = decodeSmallInt(v, inner, what);
        else if (k.tag === 0x81) maximum = decodeSmallInt(v, inner, what);
        else throw new DerError(`${what}: unexpected element in GeneralSubtree`, k.start);
      }
      subtrees.push({ base, minimum, maximum });
    }
    if (part.tag === 0xa0) out.permitted = subtrees;
    else out.excluded = subtrees;
  }
  return out;
}

export function decodeCertificatePolicies(v: Uint8Array): PolicyInformation[] {
  const what = "certificatePolicies";
  const s = seq(v, what);
  const out: PolicyInformation[] = [];
  for (const pi of children(v, s)) {
    if (pi.tag !== Tag.SEQUENCE) throw new DerError(`${what}: PolicyInformation is not a SEQUENCE`, pi.start);
    const idT = expect(v, pi.valueStart, pi.end, Tag.OID, `${what}: policyIdentifier`);
    const qualifiers: { oid: string; text?: string }[] = [];
    if (idT.end < pi.end) {
      const qs = expect(v, idT.end, pi.end, Tag.SEQUENCE, `${what}: policyQualifiers`);
      for (const q of children(v, qs)) {
        const qid = expect(v, q.valueStart, q.end, Tag.OID, `${what}: policyQualifierId`);
        const oid = decodeOid(v, qid);
        let text: string | undefined;
        if (qid.end < q.end) {
          const qv = readTlv(v, qid.end, q.end);
          if (oid === OID.cpsQualifier && qv.tag === Tag.IA5String) text = decodeString(v, qv);
          else if (oid === OID.userNoticeQualifier && qv.tag === Tag.SEQUENCE) {
            for (const n of children(v, qv)) if (n.tag !== Tag.SEQUENCE) text = decodeString(v, n);
          }
        }
        qualifiers.push({ oid, text });
      }
    }
    out.push({ policyId: decodeOid(v, idT), qualifiers });
  }
  if (out.length === 0) throw new DerError(`${what}: empty`, 0);
  return out;
}

export function decodePolicyConstraints(v: Uint8Array): PolicyConstraints {
  const what = "policyConstraints";
  const s = seq(v, what);
  const out: PolicyConstraints = {};
  for (const k of children(v, s)) {
    const inner: Tlv = { tag: Tag.INTEGER, start: k.start, valueStart: k.valueStart, end: k.end };
    if (k.tag === 0x80) out.requireExplicitPolicy = decodeSmallInt(v, inner, what);
    else if (k.tag === 0x81) out.inhibitPolicyMapping = decodeSmallInt(v, inner, what);
    else throw new DerError(`${what}: unexpected element`, k.start);
  }
  // RFC 5280 4.2.1.11: conforming CAs MUST NOT issue an empty policyConstraints.
  if (out.requireExplicitPolicy === undefined && out.inhibitPolicyMapping === undefined) {
    throw new DerError(`${what}: empty`, 0);
  }
  return out;
}

export function decodePolicyMappings(
  v: Uint8Array,
): { issuerDomainPolicy: string; subjectDomainPolicy: string }[] {
  const what = "policyMappings";
  const s = seq(v, what);
  return children(v, s).map((m) => {
    const a = expect(v, m.valueStart, m.end, Tag.OID, what);
    const b = expect(v, a.end, m.end, Tag.OID, what);
    return { issuerDomainPolicy: decodeOid(v, a), subjectDomainPolicy: decodeOid(v, b) };
  });
}

export function decodeInhibitAnyPolicy(v: Uint8Array): number {
  const t = readTlv(v, 0, v.length);
  if (t.tag !== Tag.INTEGER || t.end !== v.length)
    throw new DerError("inhibitAnyPolicy: expected an INTEGER", 0);
  return decodeSmallInt(v, t, "inhibitAnyPolicy");
}

export function decodeSubjectKeyIdentifier(v: Uint8Array): string {
  const t = readTlv(v, 0, v.length);
  if (t.tag !== Tag.OCTET_STRING || t.end !== v.length) {
    throw new DerError("subjectKeyIdentifier: expected an OCTET STRING", 0);
  }
  return toHex(v.subarray(t.valueStart, t.end));
}

export function decodeAuthorityKeyIdentifier(v: Uint8Array): AuthorityKeyIdentifier {
  const what = "authorityKeyIdentifier";
  const s = seq(v, what);
  const out: AuthorityKeyIdentifier = {};
  for (const k of children(v, s)) {
    if (k.tag === 0x80) out.keyId = toHex(v.subarray(k.valueStart, k.end));
    else if (k.tag === 0xa1) out.issuer = children(v, k).map((c) => parseGeneralName(v, c, what));
    else if (k.tag === 0x82) out.serial = toHex(v.subarray(k.valueStart, k.end));
    else throw new DerError(`${what}: unexpected element`, k.start);
  }
  return out;
}

export function decodeAccessDescriptions(v: Uint8Array, what: string): AccessDescription[] {
  const s = seq(v, what);
  return children(v, s).map((ad) => {
    const m = expect(v, ad.valueStart, ad.end, Tag.OID, `${what}: accessMethod`);
    const locT = readTlv(v, m.end, ad.end);
    return { method: decodeOid(v, m), location: parseGeneralName(v, locT, what) };
  });
}

export function decodeCrlDistributionPoints(v: Uint8Array): DistributionPoint[] {
  const what = "crlDistributionPoints";
  const s = seq(v, what);
  return children(v, s).map((dp) => {
    const out: DistributionPoint = { names: [] };
    for (const k of children(v, dp)) {
      if (k.tag === 0xa0) {
        const dpn = readTlv(v, k.valueStart, k.end);
        if (dpn.tag === 0xa0) out.names = children(v, dpn).map((c) => parseGeneralName(v, c, what));
      } else if (k.tag === 0x81) out.reasons = toHex(v.subarray(k.valueStart, k.end));
      else if (k.tag === 0xa2) out.crlIssuer = children(v, k).map((c) => parseGeneralName(v, c, what));
      else throw new DerError(`${what}: unexpected element`, k.start);
    }
    return out;
  });
}

/** RFC 6962 3.3: an OCTET STRING holding a TLS-encoded SignedCertificateTimestampList. */
export function decodeSctList(v: Uint8Array): SignedCertificateTimestamp[] {
  const what = "SCT list";
  const t = readTlv(v, 0, v.length);
  if (t.tag !== Tag.OCTET_STRING || t.end !== v.length)
    throw new DerError(`${what}: expected an OCTET STRING`, 0);
  const b = v.subarray(t.valueStart, t.end);
  if (b.length < 2) throw new DerError(`${what}: too short`, t.valueStart);
  const total = (b[0] << 8) | b[1];
  if (total + 2 !== b.length)
    throw new DerError(`${what}: list length ${total} does not match`, t.valueStart);
  const out: SignedCertificateTimestamp[] = [];
  let p = 2;
  while (p < b.length) {
    if (p + 2 > b.length) throw new DerError(`${what}: truncated`, t.valueStart + p);
    const len = (b[p] << 8) | b[p + 1];
    const sct = b.subarray(p + 2, p + 2 + len);
    if (sct.length !== len || len < 41) throw new DerError(`${what}: truncated SCT`, t.valueStart + p);
    let ms = 0;
    for (let i = 33; i < 41; i++) ms = ms * 256 + sct[i];
    out.push({ version: sct[0], logId: toHex(sct.subarray(1, 33)), timestamp: new Date(ms) });
    p += 2 + len;
  }
  return out;
}

/** RFC 7633: SEQUENCE OF INTEGER (TLS extension numbers; 5 = status_request, i.e. OCSP must-staple). */
export function decodeTlsFeature(v: Uint8Array): number[] {
  const what = "tlsFeature";
  return children(v, seq(v, what)).map((c) => {
    if (c.tag !== Tag.INTEGER) throw new DerError(`${what}: expected an INTEGER`, c.start);
    return decodeSmallInt(v, c, what);
  });
}
