/**
 * A summary of a stapled OCSP response (RFC 6960 4.2.1): the response status and, for a basic response, each
 * certificate status with its dates. Informational only: the signature is not checked here.
 */

import { children, DerError, decodeOid, expect, readTlv, Tag, type Tlv, toHex } from "../x509/der.js";
import { OCSP_OID, RESPONSE_STATUS } from "../x509/ocsp.js";

export interface OcspSingle {
  /** The certificate serial number, lowercase hex of its content octets. */
  serial: string;
  status: "good" | "revoked" | "unknown";
  revocationTime?: string;
  thisUpdate?: string;
  nextUpdate?: string;
}

export interface OcspSummary {
  responseStatus: string;
  producedAt?: string;
  responses: OcspSingle[];
  /** Why the response could not be read completely. */
  error?: string;
}

const BASIC = OCSP_OID.basic;

export function summarizeOcsp(der: Uint8Array): OcspSummary {
  const out: OcspSummary = { responseStatus: "unreadable", responses: [] };
  try {
    const top = expect(der, 0, der.length, Tag.SEQUENCE, "OCSPResponse");
    const st = expect(der, top.valueStart, top.end, Tag.ENUMERATED, "responseStatus");
    const code = st.end - st.valueStart === 1 ? der[st.valueStart] : -1;
    out.responseStatus = RESPONSE_STATUS[code] ?? `status ${code}`;
    if (st.end >= top.end) return out;
    const rb = expect(der, st.end, top.end, 0xa0, "responseBytes");
    const rbs = expect(der, rb.valueStart, rb.end, Tag.SEQUENCE, "ResponseBytes");
    const typeT = expect(der, rbs.valueStart, rbs.end, Tag.OID, "responseType");
    if (decodeOid(der, typeT) !== BASIC) {
      out.error = "not a basic OCSP response";
      return out;
    }
    const oct = expect(der, typeT.end, rbs.end, Tag.OCTET_STRING, "response");
    const basic = expect(der, oct.valueStart, oct.end, Tag.SEQUENCE, "BasicOCSPResponse");
    const tbs = expect(der, basic.valueStart, basic.end, Tag.SEQUENCE, "ResponseData");
    let kids = children(der, tbs, 1000);
    if (kids[0]?.tag === 0xa0) kids = kids.slice(1); // version
    // kids: responderID, producedAt, responses, [responseExtensions]
    const produced = kids[1];
    if (produced?.tag === Tag.GeneralizedTime) out.producedAt = generalizedTime(der, produced);
    const responses = kids[2];
    if (!responses || responses.tag !== Tag.SEQUENCE) throw new DerError("responses: missing", tbs.start);
    for (const single of children(der, responses, 1000)) {
      const parts = children(der, single, 10);
      const certId = children(der, parts[0], 10);
      const serialT = certId[3];
      const s: OcspSingle = {
        serial: serialT ? toHex(der.subarray(serialT.valueStart, serialT.end)) : "",
        status: "unknown",
      };
      const cs = parts[1];
      if (cs?.tag === 0x80) s.status = "good";
      else if (cs?.tag === 0xa1) {
        s.status = "revoked";
        const rt = readTlv(der, cs.valueStart, cs.end);
        s.revocationTime = generalizedTime(der, rt);
      }
      if (parts[2]?.tag === Tag.GeneralizedTime) s.thisUpdate = generalizedTime(der, parts[2]);
      if (parts[3]?.tag === 0xa0)
        s.nextUpdate = generalizedTime(der, readTlv(der, parts[3].valueStart, parts[3].end));
      out.responses.push(s);
    }
  } catch (e) {
    out.error = e instanceof Error ? e.message : String(e);
  }
  return out;
}

/** GeneralizedTime (fractions allowed, as responders send them) to ISO 8601. */
function generalizedTime(der: Uint8Array, t: Tlv): string {
  const s = Buffer.from(der.subarray(t.valueStart, t.end)).toString("latin1");
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(s);
  if (!m) throw new DerError(`time "${s.slice(0, 40)}" is not GeneralizedTime`, t.start);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
}
