/**
 * OCSP (RFC 6960) on the wire: the request a client sends (one certificate, a SHA-1 CertID as every
 * responder accepts) and a strict read of the response, keeping the signed bytes, the signer's certificates
 * and the per-certificate answers for src/verify/ocsp.ts to judge. Pure bytes in, bytes out: fetching is
 * src/net/revocation.ts's.
 */

import { createHash } from "node:crypto";
import type { AlgorithmIdentifier, Certificate } from "./certificate.js";
import { parseCertificate } from "./certificate.js";
import {
  children,
  DerError,
  decodeBitString,
  decodeOid,
  expect,
  readTlv,
  Tag,
  type Tlv,
  toHex,
} from "./der.js";
import { type Name, parseName } from "./names.js";
import { signatureAlgorithmName } from "./oids.js";
import { ctx, int, nul, octet, oid, seq } from "./write/der-writer.js";

export const OCSP_OID = {
  basic: "1.3.6.1.5.5.7.48.1.1",
  nonce: "1.3.6.1.5.5.7.48.1.2",
  /** RFC 6962 3.3: an SCT list delivered in a SingleResponse extension. */
  sctList: "1.3.6.1.4.1.11129.2.4.5",
  sha1: "1.3.14.3.2.26",
  sha256: "2.16.840.1.101.3.4.2.1",
} as const;

/** Largest OCSP response read (a response carries a few certificates at most). */
export const OCSP_MAX_BYTES = 64 * 1024;

/** OCSPResponseStatus names (RFC 6960 4.2.1), by value. */
export const RESPONSE_STATUS = [
  "successful",
  "malformedRequest",
  "internalError",
  "tryLater",
  "(unused 4)",
  "sigRequired",
  "unauthorized",
] as const;

export interface CertId {
  hashAlgorithm: string;
  issuerNameHash: string;
  issuerKeyHash: string;
  /** Serial number content octets, hex, leading zero octets removed. */
  serial: string;
}

export interface SingleResponse {
  certId: CertId;
  status: "good" | "revoked" | "unknown";
  revocationTime?: Date;
  /** CRLReason code (RFC 5280 5.3.1), when the responder gave one. */
  revocationReason?: number;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** The TLS-encoded SCT list of extension 1.3.6.1.4.1.11129.2.4.5 (its OCTET STRING), when present. */
  sctList?: Uint8Array;
}

export interface BasicOcspResponse {
  /** ResponseData, as signed. */
  tbs: Uint8Array;
  signatureAlgorithm: AlgorithmIdentifier;
  signatureValue: Uint8Array;
  responderId: { byName: Name } | { byKeyHash: string };
  producedAt: Date;
  responses: SingleResponse[];
  /** Certificates the responder sent to help verify the signature (a delegated responder's). */
  certs: Certificate[];
  nonce?: string;
}

export interface OcspResponse {
  responseStatus: string;
  basic?: BasicOcspResponse;
}

// ---------------------------------------------------------------------------------------------------------
// Request

/** The subjectPublicKey BIT STRING contents without the unused-bits octet: what CertID and byKey hash. */
export function subjectPublicKeyBits(cert: Certificate): Uint8Array {
  const spki = cert.publicKey.spki;
  const top = readTlv(spki, 0, spki.length);
  const alg = readTlv(spki, top.valueStart, top.end);
  const bits = expect(spki, alg.end, top.end, Tag.BIT_STRING, "subjectPublicKey");
  return spki.subarray(bits.valueStart + 1, bits.end);
}

function minimalSerial(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0 && (bytes[i + 1] & 0x80) === 0) i++;
  return bytes.subarray(i);
}

function stripZeros(hex: string): string {
  return hex.replace(/^(00)+/, "") || "00";
}

/** The CertID of `cert` as issued by `issuer`, hashed with SHA-1 or SHA-256. */
export function certIdFor(cert: Certificate, issuer: Certificate, hash: "sha1" | "sha256" = "sha1"): CertId {
  const h = (b: Uint8Array) => createHash(hash).update(b).digest("hex");
  return {
    hashAlgorithm: hash === "sha1" ? OCSP_OID.sha1 : OCSP_OID.sha256,
    issuerNameHash: h(issuer.subject.der),
    issuerKeyHash: h(subjectPublicKeyBits(issuer)),
    serial: stripZeros(toHex(cert.serialBytes)),
  };
}

/** Whether a response's CertID names `cert` issued by `issuer` (whichever hash the responder used). */
export function certIdMatches(id: CertId, cert: Certificate, issuer: Certificate): boolean {
  const hash =
    id.hashAlgorithm === OCSP_OID.sha256 ? "sha256" : id.hashAlgorithm === OCSP_OID.sha1 ? "sha1" : null;
  if (!hash) return false;
  const mine = certIdFor(cert, issuer, hash);
  return (
    mine.issuerNameHash === id.issuerNameHash &&
    mine.issuerKeyHash === id.issuerKeyHash &&
    mine.serial === id.serial
  );
}

/**
 * An OCSPRequest for one certificate (RFC 6960 4.1.1): unsigned, SHA-1 CertID, and a nonce extension when
 * one is given (responders may ignore it; the answer is not required to carry it).
 */
export function buildOcspRequest(cert: Certificate, issuer: Certificate, nonce?: Uint8Array): Uint8Array {
  const id = certIdFor(cert, issuer, "sha1");
  const certId = seq(
    seq(oid(OCSP_OID.sha1), nul()),
    octet(Buffer.from(id.issuerNameHash, "hex")),
    octet(Buffer.from(id.issuerKeyHash, "hex")),
    int(minimalSerial(cert.serialBytes)),
  );
  const extensions = nonce ? [ctx(2, true, seq(seq(oid(OCSP_OID.nonce), octet(octet(nonce)))))] : [];
  return seq(seq(seq(seq(certId)), ...extensions));
}

// ---------------------------------------------------------------------------------------------------------
// Response

/** Read an OCSPResponse. Throws DerError naming what is wrong; a non-successful status has no `basic`. */
export function parseOcspResponse(der: Uint8Array): OcspResponse {
  if (der.length > OCSP_MAX_BYTES) throw new DerError(`OCSP response over ${OCSP_MAX_BYTES / 1024} KiB`, 0);
  const top = expect(der, 0, der.length, Tag.SEQUENCE, "OCSPResponse");
  if (top.end !== der.length) throw new DerError("trailing data after the OCSP response", top.end);
  const st = expect(der, top.valueStart, top.end, Tag.ENUMERATED, "responseStatus");
  const code = st.end - st.valueStart === 1 ? der[st.valueStart] : -1;
  const responseStatus = RESPONSE_STATUS[code] ?? `status ${code}`;
  if (st.end >= top.end) return { responseStatus };
  const rb = expect(der, st.end, top.end, 0xa0, "responseBytes");
  const rbs = expect(der, rb.valueStart, rb.end, Tag.SEQUENCE, "ResponseBytes");
  const typeT = expect(der, rbs.valueStart, rbs.end, Tag.OID, "responseType");
  const type = decodeOid(der, typeT);
  if (type !== OCSP_OID.basic)
    throw new DerError(`responseType ${type} is not id-pkix-ocsp-basic`, typeT.start);
  const oct = expect(der, typeT.end, rbs.end, Tag.OCTET_STRING, "response");
  return { responseStatus, basic: parseBasic(der.subarray(oct.valueStart, oct.end)) };
}

function parseBasic(b: Uint8Array): BasicOcspResponse {
  const top = expect(b, 0, b.length, Tag.SEQUENCE, "BasicOCSPResponse");
  const tbsT = expect(b, top.valueStart, top.end, Tag.SEQUENCE, "tbsResponseData");
  const algT = expect(b, tbsT.end, top.end, Tag.SEQUENCE, "signatureAlgorithm");
  const sigT = expect(b, algT.end, top.end, Tag.BIT_STRING, "signature");
  const certs: Certificate[] = [];
  if (sigT.end < top.end) {
    const wrap = expect(b, sigT.end, top.end, 0xa0, "certs");
    const list = expect(b, wrap.valueStart, wrap.end, Tag.SEQUENCE, "certs");
    for (const c of children(b, list, 10, "certificates"))
      certs.push(parseCertificate(b.slice(c.start, c.end)));
  }
  const data = parseResponseData(b, tbsT);
  return {
    tbs: b.subarray(tbsT.start, tbsT.end),
    signatureAlgorithm: algorithm(b, algT),
    signatureValue: decodeBitString(b, sigT, "signature").bytes,
    certs,
    ...data,
  };
}

function parseResponseData(
  b: Uint8Array,
  tbsT: Tlv,
): Pick<BasicOcspResponse, "responderId" | "producedAt" | "responses" | "nonce"> {
  let kids = children(b, tbsT, 10, "ResponseData");
  if (kids[0]?.tag === 0xa0) kids = kids.slice(1); // version v1, the only one
  const [ridT, producedT, listT, extT] = kids;
  if (!ridT || !producedT || !listT) throw new DerError("ResponseData: missing fields", tbsT.start);
  let responderId: BasicOcspResponse["responderId"];
  if (ridT.tag === 0xa1) {
    const n = readTlv(b, ridT.valueStart, ridT.end);
    responderId = { byName: parseName(b, n, "responderID") };
  } else if (ridT.tag === 0xa2) {
    const k = expect(b, ridT.valueStart, ridT.end, Tag.OCTET_STRING, "responderID byKey");
    responderId = { byKeyHash: toHex(b.subarray(k.valueStart, k.end)) };
  } else throw new DerError("responderID: expected [1] byName or [2] byKey", ridT.start);
  const producedAt = generalizedTime(b, producedT, "producedAt");
  if (listT.tag !== Tag.SEQUENCE) throw new DerError("responses: expected a SEQUENCE", listT.start);
  const responses = children(b, listT, 100, "responses").map((s) => parseSingle(b, s));
  let nonce: string | undefined;
  if (extT?.tag === 0xa1) {
    for (const x of extensionsOf(b, extT)) if (x.oid === OCSP_OID.nonce) nonce = toHex(x.value);
  }
  return { responderId, producedAt, responses, ...(nonce ? { nonce } : {}) };
}

function parseSingle(b: Uint8Array, s: Tlv): SingleResponse {
  const parts = children(b, s, 6, "SingleResponse");
  const [idT, statusT, thisT, ...rest] = parts;
  if (!idT || !statusT || !thisT) throw new DerError("SingleResponse: missing fields", s.start);
  const out: SingleResponse = {
    certId: parseCertId(b, idT),
    status: "unknown",
    thisUpdate: generalizedTime(b, thisT, "thisUpdate"),
  };
  if (statusT.tag === 0x80) out.status = "good";
  else if (statusT.tag === 0xa1) {
    out.status = "revoked";
    const info = children(b, statusT, 2, "RevokedInfo");
    out.revocationTime = generalizedTime(b, info[0], "revocationTime");
    if (info[1]?.tag === 0xa0) {
      const r = expect(b, info[1].valueStart, info[1].end, Tag.ENUMERATED, "revocationReason");
      out.revocationReason = b[r.valueStart];
    }
  } else if (statusT.tag !== 0x82) throw new DerError("certStatus: unknown choice", statusT.start);
  for (const t of rest) {
    if (t.tag === 0xa0) out.nextUpdate = generalizedTime(b, readTlv(b, t.valueStart, t.end), "nextUpdate");
    else if (t.tag === 0xa1) {
      for (const x of extensionsOf(b, t)) if (x.oid === OCSP_OID.sctList) out.sctList = x.value;
    }
  }
  return out;
}

function parseCertId(b: Uint8Array, t: Tlv): CertId {
  const [algT, nameT, keyT, serialT] = children(b, t, 4, "CertID");
  if (!algT || !nameT || !keyT || serialT?.tag !== Tag.INTEGER)
    throw new DerError("CertID: malformed", t.start);
  const hashOid = expect(b, algT.valueStart, algT.end, Tag.OID, "CertID hashAlgorithm");
  return {
    hashAlgorithm: decodeOid(b, hashOid),
    issuerNameHash: toHex(b.subarray(nameT.valueStart, nameT.end)),
    issuerKeyHash: toHex(b.subarray(keyT.valueStart, keyT.end)),
    serial: stripZeros(toHex(b.subarray(serialT.valueStart, serialT.end))),
  };
}

/** [n] EXPLICIT Extensions: each extension's OID and extnValue contents. */
function extensionsOf(b: Uint8Array, wrap: Tlv): { oid: string; value: Uint8Array }[] {
  const list = expect(b, wrap.valueStart, wrap.end, Tag.SEQUENCE, "extensions");
  return children(b, list, 50, "extensions").map((e) => {
    const kids = children(b, e, 3, "extension");
    const oidT = kids[0];
    const valT = kids[kids.length - 1];
    if (oidT?.tag !== Tag.OID || valT?.tag !== Tag.OCTET_STRING)
      throw new DerError("extension: malformed", e.start);
    return { oid: decodeOid(b, oidT), value: b.subarray(valT.valueStart, valT.end) };
  });
}

function algorithm(b: Uint8Array, t: Tlv): AlgorithmIdentifier {
  const oidT = expect(b, t.valueStart, t.end, Tag.OID, "signatureAlgorithm");
  const o = decodeOid(b, oidT);
  const params = oidT.end < t.end ? b.subarray(oidT.end, t.end) : undefined;
  return {
    oid: o,
    name: signatureAlgorithmName(o),
    ...(params ? { params } : {}),
    der: b.subarray(t.start, t.end),
  };
}

/** GeneralizedTime, fractions of a second allowed (responders send them; RFC 6960 does not forbid them). */
function generalizedTime(b: Uint8Array, t: Tlv, what: string): Date {
  if (t.tag !== Tag.GeneralizedTime) throw new DerError(`${what}: expected GeneralizedTime`, t.start);
  const s = Buffer.from(b.subarray(t.valueStart, t.end)).toString("latin1");
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d{1,9})?Z$/.exec(s);
  if (!m) throw new DerError(`${what}: "${s.slice(0, 40)}" is not GeneralizedTime`, t.start);
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  if (Number.isNaN(d.getTime())) throw new DerError(`${what}: "${s}" is not a valid date`, t.start);
  return d;
}

/** The CertIDs of an OCSPRequest (what a responder answers for); throws DerError. */
export function parseOcspRequest(der: Uint8Array): CertId[] {
  const top = expect(der, 0, der.length, Tag.SEQUENCE, "OCSPRequest");
  const tbs = expect(der, top.valueStart, top.end, Tag.SEQUENCE, "TBSRequest");
  let kids = children(der, tbs, 10, "TBSRequest");
  while (kids[0] && kids[0].tag !== Tag.SEQUENCE) kids = kids.slice(1); // version, requestorName
  const list = kids[0];
  if (!list) throw new DerError("requestList: missing", tbs.start);
  return children(der, list, 100, "requestList").map((r) => {
    const id = expect(der, r.valueStart, r.end, Tag.SEQUENCE, "reqCert");
    return parseCertId(der, id);
  });
}
