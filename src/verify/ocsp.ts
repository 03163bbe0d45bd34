/**
 * Judging an OCSP response (RFC 6960 3.2, 4.2.2.2) for one certificate: the answer must be about that
 * certificate, signed by its issuer or by a responder the issuer delegated to (a certificate the issuer
 * signed with id-kp-OCSPSigning), and current (thisUpdate not in the future, nextUpdate not past). A nonce
 * is not required: stapled responses never carry one, and most CAs pre-sign theirs.
 */

import { createHash } from "node:crypto";
import { type Certificate, verifySignature } from "../x509/certificate.js";
import { DerError } from "../x509/der.js";
import {
  type BasicOcspResponse,
  certIdMatches,
  type OcspResponse,
  parseOcspResponse,
  type SingleResponse,
  subjectPublicKeyBits,
} from "../x509/ocsp.js";
import { OID } from "../x509/oids.js";
import { REASONS } from "./crl.js";
import { sameName } from "./names.js";

/** Clock skew allowed on thisUpdate, as browsers allow it. */
const SKEW_MS = 5 * 60_000;
/** A response without nextUpdate is treated as stale after this long (Firefox: 24 hours past thisUpdate). */
const NO_NEXT_UPDATE_MAX_MS = 24 * 3_600_000;

export type OcspProblem =
  /** Not a readable OCSP response, or the responder answered with an error status. */
  | "unreadable"
  | "error-status"
  /** No SingleResponse for this certificate. */
  | "not-for-this-certificate"
  /** Neither the issuer nor a certificate the issuer delegated to signed it. */
  | "unauthorized-signer"
  | "bad-signature"
  | "not-yet-valid"
  | "stale";

export interface OcspJudgement {
  /** What the response says, when it could be read and is about this certificate. */
  status?: SingleResponse["status"];
  revocationTime?: Date;
  revocationReason?: string;
  thisUpdate?: Date;
  nextUpdate?: Date;
  producedAt?: Date;
  /** Who signed: the issuer itself, or a delegated responder (its subject). */
  signer?: { kind: "issuer" } | { kind: "delegated"; subject: string };
  /** The status may be relied on: signed by an authorized responder, current. */
  valid: boolean;
  problem?: OcspProblem;
  /** The problem in words. */
  detail?: string;
  /** The SCT list of the SingleResponse extension, when present. */
  sctList?: Uint8Array;
}

/** Read and judge an OCSP response for `cert` issued by `issuer` at `time`. Never throws. */
export function judgeOcspResponse(
  der: Uint8Array,
  cert: Certificate,
  issuer: Certificate,
  time: Date,
): OcspJudgement {
  let parsed: OcspResponse;
  try {
    parsed = parseOcspResponse(der);
  } catch (e) {
    const why = e instanceof DerError || e instanceof Error ? e.message : String(e);
    return { valid: false, problem: "unreadable", detail: `not a readable OCSP response: ${why}` };
  }
  const basic = parsed.basic;
  if (parsed.responseStatus !== "successful" || !basic)
    return {
      valid: false,
      problem: "error-status",
      detail: `the responder answered "${parsed.responseStatus}" instead of a status`,
    };
  const single = basic.responses.find((r) => certIdMatches(r.certId, cert, issuer));
  if (!single)
    return {
      valid: false,
      producedAt: basic.producedAt,
      problem: "not-for-this-certificate",
      detail: `the response has no answer for serial ${cert.serialNumber} of this issuer`,
    };
  const out: OcspJudgement = {
    status: single.status,
    thisUpdate: single.thisUpdate,
    producedAt: basic.producedAt,
    valid: false,
    ...(single.nextUpdate ? { nextUpdate: single.nextUpdate } : {}),
    ...(single.revocationTime ? { revocationTime: single.revocationTime } : {}),
    ...(single.revocationReason !== undefined
      ? { revocationReason: REASONS[single.revocationReason] ?? `reason ${single.revocationReason}` }
      : {}),
    ...(single.sctList ? { sctList: single.sctList } : {}),
  };
  const signer = responseSigner(basic, issuer, time);
  if ("problem" in signer) return { ...out, ...signer };
  out.signer =
    signer.cert === issuer
      ? { kind: "issuer" }
      : { kind: "delegated", subject: signer.cert.subject.toString() };
  const sig = verifySignature(basic, signer.cert);
  if (sig !== true)
    return {
      ...out,
      problem: "bad-signature",
      detail:
        sig === false
          ? "the response's signature does not verify"
          : `the signature cannot be checked: ${sig.message}`,
    };
  const now = time.getTime();
  if (single.thisUpdate.getTime() > now + SKEW_MS)
    return {
      ...out,
      problem: "not-yet-valid",
      detail: `thisUpdate ${iso(single.thisUpdate)} is in the future`,
    };
  const expires = single.nextUpdate?.getTime() ?? single.thisUpdate.getTime() + NO_NEXT_UPDATE_MAX_MS;
  if (expires < now)
    return {
      ...out,
      problem: "stale",
      detail: single.nextUpdate
        ? `the response expired: nextUpdate ${iso(single.nextUpdate)}`
        : `the response has no nextUpdate and thisUpdate ${iso(single.thisUpdate)} is over 24 hours old`,
    };
  return { ...out, valid: true };
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The certificate that signed the response: the issuer, or a delegated responder among `basic.certs`. */
function responseSigner(
  basic: BasicOcspResponse,
  issuer: Certificate,
  time: Date,
): { cert: Certificate } | { problem: OcspProblem; detail: string } {
  const rid = basic.responderId;
  const names = (c: Certificate) =>
    "byName" in rid ? sameName(rid.byName, c.subject) : rid.byKeyHash === keyHash(c);
  if (names(issuer)) return { cert: issuer };
  const candidate = basic.certs.find(names);
  if (!candidate)
    return {
      problem: "unauthorized-signer",
      detail: "the response is signed neither by the issuer nor by a responder certificate it includes",
    };
  const why = delegationProblem(candidate, issuer, time);
  if (why) return { problem: "unauthorized-signer", detail: `the responder certificate ${why}` };
  return { cert: candidate };
}

/** Why `responder` is not a responder `issuer` delegated to (RFC 6960 4.2.2.2), or undefined. */
function delegationProblem(responder: Certificate, issuer: Certificate, time: Date): string | undefined {
  if (!sameName(responder.issuer, issuer.subject) || verifySignature(responder, issuer) !== true)
    return `"${responder.subject.toString()}" is not issued by the certificate's issuer`;
  if (!responder.extKeyUsage?.includes(OID.OCSPSigning))
    return `"${responder.subject.toString()}" lacks the id-kp-OCSPSigning extended key usage`;
  if (time < responder.notBefore || time > responder.notAfter)
    return `"${responder.subject.toString()}" is outside its validity period`;
  return undefined;
}

/** SHA-1 of the subjectPublicKey bits, as ResponderID byKey holds it. */
function keyHash(c: Certificate): string {
  return createHash("sha1").update(subjectPublicKeyBits(c)).digest("hex");
}
