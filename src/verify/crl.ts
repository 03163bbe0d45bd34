/**
 * X.509 CRLs (RFC 5280 §5): a strict parser, and the revocation check of §6.3.
 *
 * The check follows §6.3.3: for each complete CRL and each of the certificate's distribution points, the
 * CRL must be in scope (issuer, or the cRLIssuer of an indirect CRL; distribution point names; the
 * user/CA/attribute-certificate flags by the cA flag), signed by a key whose certificate validates (the
 * certificate's issuer, or another certificate of the same CA or of the named CRL issuer: key rollover,
 * separate CRL-signing keys), and current; a matching delta CRL is consulted first; reason partitions are
 * added up until every reason is covered. What "no CRL covers this certificate" means is the policy's
 * revocation mode (policy.ts).
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
  type DistributionPoint,
  decodeAuthorityKeyIdentifier,
  type Extension,
  REASON_FLAG_BITS,
  type ReasonFlagName,
} from "../x509/extensions.js";
import {
  type GeneralName,
  Name,
  parseGeneralName,
  parseGeneralNames,
  parseName,
  parseRdn,
} from "../x509/names.js";
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
  /** certificateIssuer (RFC 5280 §5.3.3), for an indirect CRL: the issuer of this and the following entries. */
  certificateIssuer?: Name;
  extensions: Extension[];
}

export interface IssuingDistributionPoint {
  hasDistributionPoint: boolean;
  /** distributionPoint fullName. */
  names: GeneralName[];
  /** distributionPoint nameRelativeToCRLIssuer. */
  relativeName?: Name["rdns"][number];
  /** onlySomeReasons as a mask of ReasonFlags bits (bit 1 keyCompromise … bit 8 aACompromise). */
  reasons?: number;
  /** The extension's DER, to compare the scope of a delta CRL with its base. */
  der: Uint8Array;
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
  /** A delta CRL's BaseCRLNumber (RFC 5280 §5.2.4), hex: the complete CRL it updates. */
  deltaBase?: string;
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
          case CRL_OID.deltaCrlIndicator: {
            const n = readTlv(e.value, 0, e.value.length);
            if (n.tag !== Tag.INTEGER || n.end !== e.value.length)
              throw new DerError("BaseCRLNumber is not an INTEGER", 0);
            this.deltaBase = toHex(e.value.subarray(n.valueStart, n.end));
            // RFC 5280 §5.2.4: "This extension MUST be marked critical".
            if (!e.critical) this.problems.push("the deltaCRLIndicator extension is not marked critical");
            break;
          }
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
      } else if (x.oid === CRL_OID.certificateIssuer) {
        const names = parseGeneralNames(x.value, readTlv(x.value, 0, x.value.length), "certificateIssuer");
        const dn = names.find((n) => n.type === "dirName");
        if (dn?.type !== "dirName") throw new DerError("certificateIssuer names no directory name", e.start);
        entry.certificateIssuer = dn.name;
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
    names: [],
    der: v,
    onlyContainsUserCerts: false,
    onlyContainsCACerts: false,
    onlySomeReasons: false,
    indirectCRL: false,
    onlyContainsAttributeCerts: false,
  };
  const flag = (k: Tlv) => decodeBoolean(v, { ...k, tag: Tag.BOOLEAN }, "issuingDistributionPoint");
  for (const k of children(v, s)) {
    switch (k.tag) {
      case 0xa0: {
        out.hasDistributionPoint = true;
        const dpn = readTlv(v, k.valueStart, k.end);
        if (dpn.tag === 0xa0)
          out.names = children(v, dpn).map((c) => parseGeneralName(v, c, "issuingDistributionPoint"));
        else if (dpn.tag === 0xa1) out.relativeName = parseRdn(v, dpn, "issuingDistributionPoint");
        else throw new DerError("issuingDistributionPoint: bad distributionPoint name", dpn.start);
        break;
      }
      case 0x81:
        out.onlyContainsUserCerts = flag(k);
        break;
      case 0x82:
        out.onlyContainsCACerts = flag(k);
        break;
      case 0x83:
        out.onlySomeReasons = true;
        out.reasons = reasonMask(v.subarray(k.valueStart, k.end));
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

/** ReasonFlags BIT STRING contents (unused-bits octet first) as a mask: bit n of the flags is 1 << n. */
function reasonMask(b: Uint8Array): number {
  let mask = 0;
  const bits = b.length ? (b.length - 1) * 8 - (b[0] & 7) : 0;
  for (let bit = 0; bit < Math.min(bits, 9); bit++)
    if (b[1 + (bit >> 3)] & (0x80 >> (bit & 7))) mask |= 1 << bit;
  return mask;
}

// ---------------------------------------------------------------------------------------------------------
// Revocation check (RFC 5280 §6.3)

/** Every reason of ReasonFlags but "unused" (bit 0): keyCompromise (1) … aACompromise (8). */
const ALL_REASONS = 0x1fe;
/** CRLReason removeFromCRL (RFC 5280 §5.3.1): a delta CRL's "no longer on hold". */
const REMOVE_FROM_CRL = 8;
/** How many CRL signers above one another a check follows (a CRL signer's own certificate needs a CRL too). */
const MAX_SIGNER_DEPTH = 4;

export interface RevocationInput {
  crls: Crl[];
  timeMs: number;
  /** "require": a certificate no usable, current CRL covers for every reason is refused (policy.ts). */
  mode: "soft-fail" | "require";
  /** The certificates the caller has (presented, and the trust store's) whose subject is `name`. */
  certsNamed: (name: Name) => Certificate[];
  /** The path's trust anchor: a CRL signer's own path must end at it (RFC 5280 §6.3.3 (f)). */
  anchor: Certificate;
  /**
   * CRLs whose signer is being validated, with that signer: a CRL issuer's certificate may be covered by
   * the very CRL it signs (an indirect CRL covering its own issuer), and that CRL vouches for it there.
   */
  pending?: Map<Crl, Certificate>;
}

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

/** The distribution point of a certificate without a cRLDistributionPoints extension: its issuer, every reason. */
const NO_DISTRIBUTION_POINT: DistributionPoint = { names: [] };

/**
 * Check `cert` (issued by `issuer`) against the CRLs (RFC 5280 §6.3.3). Findings: "revoked"; "crl-invalid"
 * when a CRL in scope cannot be used and no other covers the certificate; "revocation-unknown" in "require"
 * mode when no usable, current CRL covers it for every reason.
 */
export function checkRevocation(
  cert: Certificate,
  issuer: Certificate,
  input: RevocationInput,
  depth = 0,
): RawFinding[] {
  const isCa = cert.basicConstraints?.ca === true;
  const dps = cert.crlDistributionPoints?.length ? cert.crlDistributionPoints : [NO_DISTRIBUTION_POINT];
  let covered = 0;
  const unusable: string[] = [];
  const notes: string[] = [];
  for (const crl of input.crls) {
    if (crl.deltaBase !== undefined) continue;
    for (const dp of dps) {
      const reasons = scope(crl, dp, cert, isCa);
      if (!reasons || (reasons & ~covered) === 0) continue;
      const use = usable(crl, issuer, input, depth);
      if (typeof use === "string") {
        unusable.push(`the CRL from ${printable(crl.issuer.toString())} cannot be used: ${use}`);
        continue;
      }
      if (use.note) notes.push(use.note);
      // (i)-(j): the delta CRL first (an entry there, removeFromCRL included, is the latest word), then the
      // complete CRL.
      const delta = deltaFor(crl, issuer, input, depth);
      const inDelta = delta ? findEntry(delta, cert) : undefined;
      const inBase = findEntry(crl, cert);
      const fault = [inDelta, inBase].find((e) => typeof e === "string");
      if (fault) {
        unusable.push(fault);
        continue;
      }
      const hit = (inDelta ?? inBase) as RevokedEntry | undefined;
      if (hit && hit.reason !== REMOVE_FROM_CRL)
        return [revoked(cert, issuer, hit, inDelta ? delta! : crl, notes)];
      covered |= reasons;
    }
    if (covered === ALL_REASONS) break;
  }
  if (covered === ALL_REASONS) return [];
  // A delta CRL only updates a complete CRL (§5.2.4): one in scope without its base cannot answer alone.
  for (const d of input.crls) {
    if (d.deltaBase !== undefined && dps.some((dp) => scope(d, dp, cert, isCa) & ~covered))
      unusable.push(
        `the delta CRL from ${printable(d.issuer.toString())} updates CRL number ${d.deltaBase}, and no usable complete CRL it updates is here`,
      );
  }
  const who = printable(cert.subject.toString());
  if (input.mode === "require") {
    const partly = covered
      ? ` (the usable CRLs cover only ${reasonList(covered)}; not ${reasonList(ALL_REASONS & ~covered)})`
      : "";
    const why = unusable.length ? `; ${unusable.join("; ")}` : "";
    return [
      {
        code: "revocation-unknown",
        detail: `no usable, current CRL covers ${who}${partly}, and revocation is required${why}`,
        cert,
        issuer,
      },
    ];
  }
  return unusable.map((detail) => ({ code: "crl-invalid", detail, cert, issuer }));
}

function revoked(
  cert: Certificate,
  issuer: Certificate,
  entry: RevokedEntry,
  crl: Crl,
  notes: string[],
): RawFinding {
  const serial = minimalInteger(cert.serialBytes);
  const why = entry.reason !== undefined ? ` (reason: ${REASONS[entry.reason] ?? entry.reason})` : "";
  const kind = crl.deltaBase !== undefined ? "delta CRL" : "CRL";
  const signer = notes.length ? `; ${notes.join("; ")}` : "";
  return {
    code: "revoked",
    detail: `serial ${toHex(serial)} is on the ${kind} from ${printable(crl.issuer.toString())}, revoked ${entry.revocationDate.toISOString()}${why}${signer}`,
    cert,
    issuer,
  };
}

function reasonList(mask: number): string {
  return REASON_FLAG_BITS.filter((_, bit) => mask & (1 << bit)).join(", ");
}

/**
 * RFC 5280 §6.3.3 (b), (d): whether `crl` covers `cert` through distribution point `dp`, and for which
 * reasons (a ReasonFlags mask; 0: not in scope).
 */
function scope(crl: Crl, dp: DistributionPoint, cert: Certificate, isCa: boolean): number {
  const idp = crl.issuingDistributionPoint;
  // (b)(1): the CRL issuer is the certificate's issuer, or the cRLIssuer the point names (an indirect CRL).
  if (dp.crlIssuer) {
    if (!idp?.indirectCRL || !dp.crlIssuer.some((g) => g.type === "dirName" && sameName(g.name, crl.issuer)))
      return 0;
  } else if (!sameName(crl.issuer, cert.issuer)) return 0;
  if (idp) {
    // (b)(2)(i): the point's name (or, without one, its cRLIssuer) must be among the CRL's.
    if (idp.hasDistributionPoint) {
      const crlNames = idp.relativeName ? [relativeTo(crl.issuer, idp.relativeName)] : idp.names;
      const certNames = dp.relativeName
        ? [relativeTo(dp.crlIssuer ? crl.issuer : cert.issuer, dp.relativeName)]
        : dp.names.length
          ? dp.names
          : (dp.crlIssuer ?? []);
      if (!certNames.some((a) => crlNames.some((b) => sameGeneralName(a, b)))) return 0;
    }
    // (b)(2)(ii)-(iv), by the cA flag (§5.2.5).
    if (idp.onlyContainsUserCerts && isCa) return 0;
    if (idp.onlyContainsCACerts && !isCa) return 0;
    if (idp.onlyContainsAttributeCerts) return 0;
  }
  // (d): the reasons both the CRL and the point cover.
  const dpReasons = dp.reasons ? reasonMaskOfNames(dp.reasonNames ?? []) : ALL_REASONS;
  return (idp?.reasons ?? ALL_REASONS) & dpReasons & ALL_REASONS;
}

function reasonMaskOfNames(names: readonly ReasonFlagName[]): number {
  let m = 0;
  for (const n of names) {
    const bit = REASON_FLAG_BITS.indexOf(n);
    if (bit > 0) m |= 1 << bit;
  }
  return m;
}

/** A nameRelativeToCRLIssuer as the directory name it stands for. */
function relativeTo(base: Name, rdn: Name["rdns"][number]): GeneralName {
  const name = new Name(new Uint8Array(0), [...base.rdns, rdn]);
  return { type: "dirName", name, value: name.toString() };
}

function sameGeneralName(a: GeneralName, b: GeneralName): boolean {
  if (a.type !== b.type) return false;
  if (a.type === "dirName" && b.type === "dirName") return sameName(a.name, b.name);
  return a.value === b.value;
}

/**
 * RFC 5280 §6.3.3 (f)-(g) and the CRL's own form and dates: the CRL's signer, or why the CRL cannot be used.
 * The signer is the certificate's issuer, or another certificate named as the CRL's issuer whose own path
 * validates to the same trust anchor (a CA's separate CRL-signing key, a key rollover, an indirect CRL's
 * issuer): `note` then says which.
 */
function usable(
  crl: Crl,
  issuer: Certificate,
  input: RevocationInput,
  depth: number,
): { note?: string } | string {
  const problems = [...crl.problems];
  if (!sameBytes(crl.signatureAlgorithm.der, crl.tbsSignatureAlgorithm.der))
    problems.push("its two signature algorithm fields differ");
  if (crl.thisUpdate.getTime() > input.timeMs)
    problems.push(`it is not valid until ${crl.thisUpdate.toISOString()}`);
  if (crl.nextUpdate && crl.nextUpdate.getTime() < input.timeMs)
    problems.push(`it expired (nextUpdate ${crl.nextUpdate.toISOString()})`);
  if (problems.length) return problems.join("; ");
  const signer = crlSigner(crl, issuer, input, depth);
  if (typeof signer === "string") return signer;
  if (signer === issuer) return {};
  return {
    note: `the CRL is signed by another certificate of ${printable(crl.issuer.toString())} (serial ${toHex(minimalInteger(signer.serialBytes))}), whose own path was validated`,
  };
}

/** The certificate whose key signed `crl` and may sign CRLs, validated up to the anchor; or why there is none. */
function crlSigner(
  crl: Crl,
  issuer: Certificate,
  input: RevocationInput,
  depth: number,
): Certificate | string {
  const candidates = sameName(issuer.subject, crl.issuer) ? [issuer] : [];
  for (const c of input.certsNamed(crl.issuer))
    if (c !== issuer && c.sha256 !== issuer.sha256) candidates.push(c);
  const faults: string[] = [];
  for (const c of candidates) {
    const sig = crlSignature(crl, c);
    if (sig !== true) {
      if (sig instanceof Error) faults.push(sig.message);
      continue;
    }
    // §6.3.3 (f): the CRL signer's key usage must allow CRL signing.
    if (c.keyUsage && !c.keyUsage.has("cRLSign")) {
      faults.push(
        `the key that signed it is certified without cRLSign in its keyUsage (RFC 5280 §6.3.3 (f))`,
      );
      continue;
    }
    if (c === issuer || input.pending?.get(crl) === c) return c;
    const path = signerPathFault(c, crl, input, depth);
    if (path) {
      faults.push(`it is signed by another certificate of the issuer that does not validate: ${path}`);
      continue;
    }
    return c;
  }
  if (!faults.length) {
    const other =
      crl.authorityKeyIdentifier?.keyId && crl.authorityKeyIdentifier.keyId !== issuer.subjectKeyIdentifier;
    faults.push(
      other
        ? `it is signed by another key of ${printable(crl.issuer.toString())} (key identifier ${crl.authorityKeyIdentifier!.keyId}), and no certificate here holds that key`
        : `its signature does not verify with the key of any certificate of ${printable(crl.issuer.toString())} here`,
    );
  }
  return [...new Set(faults)].join("; ");
}

/**
 * RFC 5280 §6.3.3 (f): validate a CRL signer that is not the certificate's issuer, up to the path's trust
 * anchor: each certificate within its validity, issued (signature) by a CA above it, and not revoked. The
 * returned text says what fails; undefined when the path is good.
 */
function signerPathFault(
  signer: Certificate,
  crl: Crl,
  outer: RevocationInput,
  depth: number,
): string | undefined {
  if (depth >= MAX_SIGNER_DEPTH) return "the CRL signers' certificates nest too deeply";
  const input = { ...outer, pending: new Map(outer.pending).set(crl, signer) };
  let cur = signer;
  for (let steps = 0; steps < 8; steps++) {
    if (cur === input.anchor || cur.sha256 === input.anchor.sha256) return undefined;
    if (cur.notBefore.getTime() > input.timeMs || cur.notAfter.getTime() < input.timeMs)
      return `${printable(cur.subject.toString())} is outside its validity period`;
    const up = [input.anchor, ...input.certsNamed(cur.issuer)].find(
      (c) =>
        sameName(c.subject, cur.issuer) &&
        c !== cur &&
        (c === input.anchor || c.basicConstraints?.ca === true) &&
        verifySignature(cur, c) === true,
    );
    if (!up)
      return `no issuer of ${printable(cur.subject.toString())} that leads to the trust anchor signed it`;
    const rev = checkRevocation(cur, up, input, depth + 1).filter((f) => f.severity !== "warning");
    if (rev.length) return rev.map((f) => f.detail).join("; ");
    cur = up;
  }
  return "the CRL signer's path is too long";
}

/** RFC 5280 §6.3.3 (c): a usable delta CRL of the same issuer and scope that updates `base`. */
function deltaFor(base: Crl, issuer: Certificate, input: RevocationInput, depth: number): Crl | undefined {
  if (base.crlNumber === undefined) return undefined;
  const baseNumber = BigInt(`0x${base.crlNumber}`);
  for (const d of input.crls) {
    if (d.deltaBase === undefined || d.crlNumber === undefined) continue;
    if (!sameName(d.issuer, base.issuer)) continue;
    const a = base.issuingDistributionPoint?.der;
    const b = d.issuingDistributionPoint?.der;
    if ((a || b) && !(a && b && sameBytes(a, b))) continue;
    if (BigInt(`0x${d.deltaBase}`) > baseNumber || BigInt(`0x${d.crlNumber}`) <= baseNumber) continue;
    if (typeof usable(d, issuer, input, depth) === "string") continue;
    return d;
  }
  return undefined;
}

/**
 * The entry for `cert` on `crl`, or why the CRL cannot answer. On an indirect CRL an entry's issuer is the
 * last certificateIssuer seen (the CRL's issuer before the first), RFC 5280 §5.3.3.
 */
function findEntry(crl: Crl, cert: Certificate): RevokedEntry | string | undefined {
  const serial = minimalInteger(cert.serialBytes);
  const indirect = crl.issuingDistributionPoint?.indirectCRL === true;
  let entryIssuer = crl.issuer;
  for (const entry of crl.revoked) {
    if (entry.certificateIssuer) {
      if (!indirect)
        return `the CRL from ${printable(crl.issuer.toString())} names a certificateIssuer but is not an indirect CRL`;
      entryIssuer = entry.certificateIssuer;
    }
    if (!sameBytes(entry.serial, serial) || !sameName(entryIssuer, cert.issuer)) continue;
    const crit = entry.extensions.find(
      (x) =>
        x.critical &&
        x.oid !== CRL_OID.reasonCode &&
        x.oid !== CRL_OID.invalidityDate &&
        x.oid !== CRL_OID.certificateIssuer,
    );
    if (crit)
      return `the CRL entry for serial ${toHex(serial)} has an unsupported critical extension ${crit.oid}`;
    return entry;
  }
  return undefined;
}
