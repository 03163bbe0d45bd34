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
import {
  type GeneralName,
  type NameAttribute,
  parseGeneralName,
  parseGeneralNames,
  parseRdn,
} from "./names.js";
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

export interface PolicyQualifier {
  oid: string;
  /** The CPS URI, or a user notice's explicit text, for display. */
  text?: string;
  /** A user notice's noticeRef (RFC 5280 4.2.1.4). */
  noticeRef?: { organization: string; noticeNumbers: number[] };
  /** A user notice's explicitText. */
  explicitText?: string;
  /** DER of a qualifier we do not interpret (neither a CPS URI nor a user notice). */
  der?: Uint8Array;
}

export interface PolicyInformation {
  policyId: string;
  /** CPS URIs and user notices, for display. */
  qualifiers: PolicyQualifier[];
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
  /** nameRelativeToCRLIssuer: one RDN, relative to the CRL issuer's name. */
  relativeName?: NameAttribute[];
  /** The ReasonFlags BIT STRING contents, hex (see `reasonNames`). */
  reasons?: string;
  /** The reason flags that are set, by RFC 5280 name (keyCompromise, cACompromise, …). */
  reasonNames?: ReasonFlagName[];
  crlIssuer?: GeneralName[];
}

/** ReasonFlags bit names in bit order (RFC 5280 4.2.1.13). */
export const REASON_FLAG_BITS = [
  "unused",
  "keyCompromise",
  "cACompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "certificateHold",
  "privilegeWithdrawn",
  "aACompromise",
] as const;
export type ReasonFlagName = (typeof REASON_FLAG_BITS)[number];

export interface SignedCertificateTimestamp {
  version: number;
  /** Log ID (SHA-256 of the log's key), hex. */
  logId: string;
  timestamp: Date;
  /** Milliseconds since the epoch, exactly as logged (a Date loses nothing, but this is explicit). */
  timestampMs?: number;
  /** CtExtensions, hex ("" when none). */
  extensions?: string;
  /** TLS HashAlgorithm and SignatureAlgorithm numbers (RFC 5246 7.4.1.4.1), e.g. 4 and 3 for ECDSA-SHA256. */
  hashAlgorithm?: number;
  signatureAlgorithm?: number;
  /** The signature, hex. */
  signature?: string;
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
  let lastTag = 0;
  for (const part of children(v, s)) {
    if (part.tag !== 0xa0 && part.tag !== 0xa1) throw new DerError(`${what}: unexpected element`, part.start);
    // Each of [0] permitted and [1] excluded at most once, in that order: a repeated one must not be able
    // to replace (and so silently drop) the constraints before it.
    if (part.tag <= lastTag) throw new DerError(`${what}: repeated or out-of-order subtrees`, part.start);
    lastTag = part.tag;
    const subtrees: GeneralSubtree[] = [];
    for (const st of children(v, part)) {
      if (st.tag !== Tag.SEQUENCE) throw new DerError(`${what}: GeneralSubtree is not a SEQUENCE`, st.start);
      const kids = children(v, st);
      if (kids.length === 0) throw new DerError(`${what}: empty GeneralSubtree`, st.start);
      const base = parseGeneralName(v, kids[0], what, true);
      let minimum = 0;
      let maximum: number | undefined;
      let lastField = 0;
      for (const k of kids.slice(1)) {
        const inner: Tlv = { tag: Tag.INTEGER, start: k.start, valueStart: k.valueStart, end: k.end };
        if (k.tag !== 0x80 && k.tag !== 0x81) {
          throw new DerError(`${what}: unexpected element in GeneralSubtree`, k.start);
        }
        if (k.tag <= lastField)
          throw new DerError(`${what}: repeated or out-of-order minimum/maximum`, k.start);
        lastField = k.tag;
        if (k.tag === 0x80) minimum = decodeSmallInt(v, inner, what);
        else maximum = decodeSmallInt(v, inner, what);
      }
      subtrees.push({ base, minimum, maximum });
    }
    // RFC 5280 4.2.1.10: GeneralSubtrees ::= SEQUENCE SIZE (1..MAX).
    if (subtrees.length === 0) throw new DerError(`${what}: empty list of subtrees`, part.start);
    if (part.tag === 0xa0) out.permitted = subtrees;
    else out.excluded = subtrees;
  }
  // RFC 5280 4.2.1.10: conforming CAs MUST NOT issue an empty nameConstraints.
  if (!out.permitted && !out.excluded) throw new DerError(`${what}: empty`, 0);
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
        const qualifier: PolicyQualifier = { oid };
        if (qid.end < q.end) {
          const qv = readTlv(v, qid.end, q.end);
          if (oid === OID.cpsQualifier && qv.tag === Tag.IA5String) qualifier.text = decodeString(v, qv);
          else if (oid === OID.userNoticeQualifier && qv.tag === Tag.SEQUENCE) {
            // Qualifiers are for display only: one we cannot read is kept as DER, never fails the extension.
            try {
              decodeUserNotice(v, qv, qualifier, what);
            } catch (e) {
              if (!(e instanceof DerError)) throw e;
              delete qualifier.noticeRef;
              delete qualifier.explicitText;
              delete qualifier.text;
              qualifier.der = v.subarray(qv.start, qv.end);
            }
          } else qualifier.der = v.subarray(qv.start, qv.end);
        }
        qualifiers.push(qualifier);
      }
    }
    out.push({ policyId: decodeOid(v, idT), qualifiers });
  }
  if (out.length === 0) throw new DerError(`${what}: empty`, 0);
  return out;
}

const DISPLAY_TEXT_TAGS = new Set<number>([Tag.IA5String, Tag.VisibleString, Tag.BMPString, Tag.UTF8String]);

/** UserNotice ::= SEQUENCE { noticeRef NoticeReference OPTIONAL, explicitText DisplayText OPTIONAL } */
function decodeUserNotice(v: Uint8Array, t: Tlv, out: PolicyQualifier, what: string): void {
  for (const n of children(v, t)) {
    if (n.tag === Tag.SEQUENCE && out.noticeRef === undefined && out.explicitText === undefined) {
      // NoticeReference ::= SEQUENCE { organization DisplayText, noticeNumbers SEQUENCE OF INTEGER }
      const org = readTlv(v, n.valueStart, n.end);
      if (!DISPLAY_TEXT_TAGS.has(org.tag))
        throw new DerError(`${what}: noticeRef organization is not text`, org.start);
      const nums = expect(v, org.end, n.end, Tag.SEQUENCE, `${what}: noticeNumbers`);
      if (nums.end !== n.end) throw new DerError(`${what}: trailing data in noticeRef`, nums.end);
      const noticeNumbers = children(v, nums).map((k) => {
        if (k.tag !== Tag.INTEGER) throw new DerError(`${what}: noticeNumbers: expected an INTEGER`, k.start);
        return decodeSmallInt(v, k, `${what}: noticeNumbers`);
      });
      out.noticeRef = { organization: decodeString(v, org), noticeNumbers };
    } else if (DISPLAY_TEXT_TAGS.has(n.tag) && out.explicitText === undefined) {
      out.explicitText = decodeString(v, n);
      out.text = out.explicitText;
    } else throw new DerError(`${what}: unexpected element in a user notice`, n.start);
  }
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
  // RFC 5280 4.2.2.1: AuthorityInfoAccessSyntax ::= SEQUENCE SIZE (1..MAX).
  if (s.valueStart === s.end) throw new DerError(`${what}: empty`, 0);
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
        else if (dpn.tag === 0xa1) {
          // nameRelativeToCRLIssuer: an implicitly tagged RelativeDistinguishedName. Display only: a malformed
          // one is left out rather than failing the extension (we never fetch CRLs by it).
          try {
            out.relativeName = parseRdn(v, dpn, what);
          } catch (e) {
            if (!(e instanceof DerError)) throw e;
          }
        }
      } else if (k.tag === 0x81) {
        out.reasons = toHex(v.subarray(k.valueStart, k.end));
        out.reasonNames = reasonNames(v.subarray(k.valueStart, k.end));
      } else if (k.tag === 0xa2) out.crlIssuer = children(v, k).map((c) => parseGeneralName(v, c, what));
      else throw new DerError(`${what}: unexpected element`, k.start);
    }
    return out;
  });
}

/** ReasonFlags BIT STRING contents (unused-bits octet first) to the names of the bits set. */
function reasonNames(b: Uint8Array): ReasonFlagName[] {
  const out: ReasonFlagName[] = [];
  const unused = b.length ? b[0] & 7 : 0;
  for (let bit = 0; bit < (b.length - 1) * 8 - unused; bit++) {
    if (b[1 + (bit >> 3)] & (0x80 >> (bit & 7)) && bit < REASON_FLAG_BITS.length)
      out.push(REASON_FLAG_BITS[bit]);
  }
  return out;
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
    const item: SignedCertificateTimestamp = {
      version: sct[0],
      logId: toHex(sct.subarray(1, 33)),
      timestamp: new Date(ms),
      timestampMs: ms,
    };
    // v1: CtExtensions extensions; digitally-signed { hash, signature algorithm, opaque signature<0..2^16-1> }.
    // For display only: an SCT whose tail does not add up keeps just version, log and time.
    if (sct[0] === 0 && len >= 43) {
      const extLen = (sct[41] << 8) | sct[42];
      const q = 43 + extLen;
      const sigLen = q + 4 <= len ? (sct[q + 2] << 8) | sct[q + 3] : -1;
      if (sigLen >= 0 && q + 4 + sigLen === len) {
        item.extensions = toHex(sct.subarray(43, q));
        item.hashAlgorithm = sct[q];
        item.signatureAlgorithm = sct[q + 1];
        item.signature = toHex(sct.subarray(q + 4, len));
      }
    }
    out.push(item);
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
