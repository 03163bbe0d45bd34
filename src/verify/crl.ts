/**
 * X.509 CRLs (RFC 5280 §5): a strict parser, and the revocation check of §6.3 for complete, direct CRLs.
 *
 * Scope: the CRL must be issued by the certificate's own issuer (same name, and the same key when the
 * CRL names one in its authorityKeyIdentifier) and signed with that issuer's key. Indirect CRLs, delta
 * CRLs and reason partitioning are not supported: such a CRL is reported as unusable rather than being
 * silently read as complete.
 */

import { type AlgorithmIdentifier, type Certificate, verifySignature } from "../x509/certificate.js";
import {
  children,
  DerError,
  decodeBitString,
  decodeBoolean,
  decodeOid,
  decodeSmallInt,
  decodeTime,
  expect,
  printable,
  readTlv,
  Tag,
  type Tlv,
  toHex,
} from "../x509/der.js";
import {
  type AuthorityKeyIdentifier,
  decodeAuthorityKeyIdentifier,
  type Extension,
} from "../x509/extensions.js";
import { type Name, parseName } from "../x509/names.js";
import { OID, signatureAlgorithmName } from "../x509/oids.js";
import type { RawFinding } from "./findings.js";
import { sameName } from "./names.js";

export const CRL_OID = {
  crlNumber: "2.5.29.20",
  reasonCode: "2.5.29.21",
  invalidityDate: "2.5.29.24",
  certificateIssuer: "2.5.29.29",
  deltaCrlIndicator: "2.5.29.27",
  issuingDistributionPoint: "2.5.29.28",
} as const;

export const REASONS = [
  "unspecified",
  "keyCompromise",
  "cACompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "certificateHold",
  "(unused)",
  "removeFromCRL",
  "privilegeWithdrawn",
  "aACompromise",
] as const;

export interface RevokedEntry {
  /** Serial number content octets, leading zero octets removed. */
  serial: Uint8Array;
  revocationDate: Date;
  /** CRLReason (RFC 5280 §5.3.1), when the entry carries one. */
  reason?: number;
  extensions: Extension[];
}

export interface IssuingDistributionPoint {
  hasDistributionPoint: boolean;
  onlyContainsUserCerts: boolean;
  onlyContainsCACerts: boolean;
  onlySomeReasons: boolean;
  indirectCRL: boolean;
  onlyContainsAttributeCerts: boolean;
}

export class Crl {
  readonly der: Uint8Array;
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly tbsSignatureAlgorithm: AlgorithmIdentifier;
  readonly signatureValue: Uint8Array;
  /** 1 or 2. */
  readonly version: number;
  readonly issuer: Name;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  readonly revoked: RevokedEntry[] = [];
  readonly extensions: Extension[] = [];
  /** CRLNumber as hex of its content octets. */
  crlNumber?: string;
  authorityKeyIdentifier?: AuthorityKeyIdentifier;
  issuingDistributionPoint?: IssuingDistributionPoint;
  /** Problems that make the CRL unusable although it parsed (critical CRLNumber, unknown critical extension…). */
  readonly problems: string[] = [];

  constructor(der: Uint8Array) {
    this.der = der;
    const top = readTlv(der, 0, der.length);
    if (top.tag !== Tag.SEQUENCE) throw new DerError("a CRL must start with a SEQUENCE", 0);
    if (top.end !== der.length) throw new DerError("trailing data after the CRL", top.end);
    const tbsT = expect(der, top.valueStart, top.end, Tag.SEQUENCE, "tbsCertList");
    const algT = expect(der, tbsT.end, top.end, Tag.SEQUENCE, "signatureAlgorithm");
    const sigT = expect(der, algT.end, top.end, Tag.BIT_STRING, "signatureValue");
    if (sigT.end !== top.end) throw new DerError("unexpected data after signatureValue", sigT.end);
    this.tbs = der.subarray(tbsT.start, tbsT.end);
    this.signatureAlgorithm = parseAlgorithm(der, algT, "signatureAlgorithm");
    const sig = decodeBitString(der, sigT, "signatureValue");
    if (sig.unused) throw new DerError("signatureValue has unused bits", sigT.start);
    this.signatureValue = sig.bytes;

    let p = tbsT.valueStart;
    const end = tbsT.end;
    let t = readTlv(der, p, end);
    this.version = 1;
    if (t.tag === Tag.INTEGER) {
      const v = decodeSmallInt(der, t, "version");
      if (v !== 1) throw new DerError(`version: a CRL version field must be v2 (1), found ${v}`, t.start);
      this.version = 2;
      p = t.end;
      t = readTlv(der, p, end);
    }
    if (t.tag !== Tag.SEQUENCE) throw new DerError("signature: expected an AlgorithmIdentifier", t.start);
    this.tbsSignatureAlgorithm = parseAlgorithm(der, t, "signature");
    t = readTlv(der, t.end, end);
    this.issuer = parseName(der, t, "issuer");
    t = readTlv(der, t.end, end);
    this.thisUpdate = decodeTime(der, t, "thisUpdate");
    p = t.end;
    if (p < end) {
      t = readTlv(der, p, end);
      if (t.tag === Tag.UTCTime || t.tag === Tag.GeneralizedTime) {
        this.nextUpdate = decodeTime(der, t, "nextUpdate");
        p = t.end;
      }
    }
    if (p < end) {
      t = readTlv(der, p, end);
      if (t.tag === Tag.SEQUENCE) {
        for (const e of children(der, t)) this.revoked.push(parseEntry(der, e));
        p = t.end;
      }
    }
    if (p < end) {
      t = readTlv(der, p, end);
      if (t.tag !== 0xa0)
        throw new DerError(`tbsCertList: unexpected element with tag 0x${t.tag.toString(16)}`, t.start);
      if (this.version !== 2) throw new DerError("crlExtensions require a v2 CRL", t.start);
      const seqT = expect(der, t.valueStart, t.end, Tag.SEQUENCE, "crlExtensions");
      this.extensions.push(...parseExtensions(der, seqT));
      p = t.end;
    }
    if (p !== end) throw new DerError("tbsCertList: trailing data", p);
    this.decodeExtensions();
  }

  private decodeExtensions(): void {
    const seen = new Set<string>();
    for (const e of this.extensions) {
      if (seen.has(e.oid)) this.problems.push(`duplicate CRL extension ${e.oid}`);
      seen.add(e.oid);
      try {
        switch (e.oid) {
          case CRL_OID.crlNumber: {
            const n = readTlv(e.value, 0, e.value.length);
            if (n.tag !== Tag.INTEGER || n.end !== e.value.length)
              throw new DerError("CRLNumber is not an INTEGER", 0);
            if (e.value[n.valueStart] & 0x80) throw new DerError("CRLNumber is negative", 0);
            if (n.end - n.valueStart > 21) throw new DerError("CRLNumber is longer than 20 octets", 0);
            this.crlNumber = toHex(e.value.subarray(n.valueStart, n.end));
            // RFC 5280 §5.2.3: "CRL issuers MUST mark this extension as non-critical".
            if (e.critical) this.problems.push("the CRLNumber extension is marked critical");
            break;
          }
          case OID.authorityKeyIdentifier:
            this.authorityKeyIdentifier = decodeAuthorityKeyIdentifier(e.value);
            break;
          case CRL_OID.issuingDistributionPoint:
            this.issuingDistributionPoint = parseIdp(e.value);
            break;
          case CRL_OID.deltaCrlIndicator:
            this.problems.push("delta CRLs are not supported");
            break;
          case OID.issuerAltName:
          case OID.authorityInfoAccess:
          case OID.freshestCrl:
            break;
          default:
            if (e.critical) this.problems.push(`unknown critical CRL extension ${e.oid}`);
        }
      } catch (err) {
        this.problems.push(`CRL extension ${e.oid}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    // RFC 5280 §5.2.3: "conforming CRL issuers MUST include this extension in all CRLs".
    if (this.crlNumber === undefined) this.problems.push("the CRL has no CRLNumber extension");
    const idp = this.issuingDistributionPoint;
    if (idp?.indirectCRL) this.problems.push("indirect CRLs are not supported");
    if (idp?.onlySomeReasons) this.problems.push("CRLs partitioned by reason are not supported");
    if (idp?.onlyContainsAttributeCerts)
      this.problems.push("attribute-certificate CRLs do not cover public-key certificates");
  }
}

/** Parse DER or fail with a DerError naming the offset. */
export function parseCrl(der: Uint8Array): Crl {
  return new Crl(der);
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

function parseExtensions(buf: Uint8Array, seqT: Tlv): Extension[] {
  const list = children(buf, seqT, 10_000);
  if (list.length === 0) throw new DerError("extensions: empty list", seqT.start);
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
    if (t.tag !== Tag.OCTET_STRING || t.end !== e.end)
      throw new DerError("extension: bad extnValue", t.start);
    return { oid: decodeOid(buf, oidT), critical, value: buf.subarray(t.valueStart, t.end) };
  });
}

function parseEntry(buf: Uint8Array, e: Tlv): RevokedEntry {
  if (e.tag !== Tag.SEQUENCE) throw new DerError("revokedCertificates: entry is not a SEQUENCE", e.start);
  const sT = expect(buf, e.valueStart, e.end, Tag.INTEGER, "userCertificate");
  const dT = readTlv(buf, sT.end, e.end);
  const revocationDate = decodeTime(buf, dT, "revocationDate");
  const entry: RevokedEntry = {
    serial: minimalInteger(buf.subarray(sT.valueStart, sT.end)),
    revocationDate,
    extensions: [],
  };
  if (dT.end < e.end) {
    const xT = expect(buf, dT.end, e.end, Tag.SEQUENCE, "crlEntryExtensions");
    if (xT.end !== e.end) throw new DerError("revoked entry: trailing data", xT.end);
    entry.extensions = parseExtensions(buf, xT);
    for (const x of entry.extensions) {
      if (x.oid === CRL_OID.reasonCode) {
        const r = readTlv(x.value, 0, x.value.length);
        if (r.tag !== Tag.ENUMERATED) throw new DerError("reasonCode is not an ENUMERATED", e.start);
        entry.reason = decodeSmallInt(x.value, { ...r, tag: Tag.INTEGER }, "reasonCode");
      }
    }
  }
  return entry;
}

function parseIdp(v: Uint8Array): IssuingDistributionPoint {
  const s = readTlv(v, 0, v.length);
  if (s.tag !== Tag.SEQUENCE || s.end !== v.length)
    throw new DerError("issuingDistributionPoint: expected a SEQUENCE", 0);
  const out: IssuingDistributionPoint = {
    hasDistributionPoint: false,
    onlyContainsUserCerts: false,
    onlyContainsCACerts: false,
    onlySomeReasons: false,
    indirectCRL: false,
    onlyContainsAttributeCerts: false,
  };
  const flag = (k: Tlv) => decodeBoolean(v, { ...k, tag: Tag.BOOLEAN }, "issuingDistributionPoint");
  for (const k of children(v, s)) {
    switch (k.tag) {
      case 0xa0:
        out.hasDistributionPoint = true;
        break;
      case 0x81:
        out.onlyContainsUserCerts = flag(k);
        break;
      case 0x82:
        out.onlyContainsCACerts = flag(k);
        break;
      case 0x83:
        out.onlySomeReasons = true;
        break;
      case 0x84:
        out.indirectCRL = flag(k);
        break;
      case 0x85:
        out.onlyContainsAttributeCerts = flag(k);
        break;
      default:
        throw new DerError("issuingDistributionPoint: unexpected element", k.start);
    }
  }
  return out;
}

/**
 * An INTEGER's content octets in minimal two's-complement form, so that a serial encoded with redundant
 * leading octets still matches: a 00 is dropped only before an octet below 0x80, an FF only before one of
 * 0x80 or more. The sign is kept: +255 (00 FF) never matches -1 (FF).
 */
function minimalInteger(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && ((b[i] === 0x00 && b[i + 1] < 0x80) || (b[i] === 0xff && b[i + 1] >= 0x80))) i++;
  return b.subarray(i);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Revocation check (RFC 5280 §6.3, restricted to complete direct CRLs)

const CRL_SIG_CACHE = new WeakMap<Crl, WeakMap<Certificate, boolean | Error>>();

function crlSignature(crl: Crl, issuer: Certificate): boolean | Error {
  let m = CRL_SIG_CACHE.get(crl);
  if (!m) {
    m = new WeakMap();
    CRL_SIG_CACHE.set(crl, m);
  }
  let r = m.get(issuer);
  if (r === undefined) {
    r = verifySignature(crl, issuer);
    m.set(issuer, r);
  }
  return r;
}

/** The CRLs in `crls` that claim to cover certificates issued by `issuer`. */
function relevantCrls(crls: Crl[], issuer: Certificate): Crl[] {
  return crls.filter((crl) => {
    if (!sameName(crl.issuer, issuer.subject)) return false;
    const kid = crl.authorityKeyIdentifier?.keyId;
    // Same name but a different key: that CRL belongs to another incarnation of the CA.
    return !(kid && issuer.subjectKeyIdentifier && kid !== issuer.subjectKeyIdentifier);
  });
}

/**
 * Check `cert` (issued by `issuer`) against the supplied CRLs. Returns findings: "revoked", or
 * "crl-invalid" when a CRL from the issuer cannot be used. No CRL from the issuer: no finding.
 */
export function checkRevocation(
  cert: Certificate,
  issuer: Certificate,
  crls: Crl[],
  timeMs: number,
  isCa: boolean,
): RawFinding[] {
  const out: RawFinding[] = [];
  for (const crl of relevantCrls(crls, issuer)) {
    const idp = crl.issuingDistributionPoint;
    if (idp?.onlyContainsCACerts && !isCa) continue;
    if (idp?.onlyContainsUserCerts && isCa) continue;
    const bad = (detail: string) => out.push({ code: "crl-invalid", detail, cert, issuer });
    const problems = [...crl.problems];
    if (!sameBytes(crl.signatureAlgorithm.der, crl.tbsSignatureAlgorithm.der)) {
      problems.push("its two signature algorithm fields differ");
    }
    if (issuer.keyUsage && !issuer.keyUsage.has("cRLSign")) {
      problems.push("the issuer's keyUsage does not assert cRLSign (RFC 5280 §6.3.3 (f))");
    }
    const sig = crlSignature(crl, issuer);
    if (sig !== true)
      problems.push(sig === false ? "its signature does not verify with the issuer's key" : sig.message);
    if (crl.thisUpdate.getTime() > timeMs)
      problems.push(`it is not valid until ${crl.thisUpdate.toISOString()}`);
    if (crl.nextUpdate && crl.nextUpdate.getTime() < timeMs)
      problems.push(`it expired (nextUpdate ${crl.nextUpdate.toISOString()})`);
    if (problems.length) {
      bad(`the CRL from ${printable(crl.issuer.toString())} cannot be used: ${problems.join("; ")}`);
      continue;
    }
    const serial = minimalInteger(cert.serialBytes);
    for (const entry of crl.revoked) {
      if (!sameBytes(entry.serial, serial)) continue;
      const crit = entry.extensions.find(
        (x) => x.critical && x.oid !== CRL_OID.reasonCode && x.oid !== CRL_OID.invalidityDate,
      );
      if (crit) {
        bad(`the CRL entry for serial ${toHex(serial)} has an unsupported critical extension ${crit.oid}`);
        break;
      }
      if (entry.reason === 8) break; // removeFromCRL: only meaningful in delta CRLs
      const why = entry.reason !== undefined ? ` (reason: ${REASONS[entry.reason] ?? entry.reason})` : "";
      out.push({
        code: "revoked",
        detail: `serial ${toHex(serial)} is on the CRL from ${printable(crl.issuer.toString())}, revoked ${entry.revocationDate.toISOString()}${why}`,
        cert,
        issuer,
      });
      break;
    }
  }
  return out;
}
