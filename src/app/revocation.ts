/**
 * Revocation for the check use case (`chainproof check --revocation`, `scan --revocation`, the web
 * checker): the path from the leaf to its root as the certificates in hand allow (sent, fetched by AIA, the
 * clients' stores), its revocation status (src/net/revocation.ts), and the JSON the check document carries
 * under `revocation` (docs/revocation.md, docs/schemas/check.schema.json).
 */

import { type CtReport, certificateTransparency } from "../clients/ct.js";
import type { ClientId } from "../clients/profile.js";
import type { AiaOptions } from "../net/aia.js";
import { chainForRevocation, type RevocationOptions, type RevocationReport } from "../net/revocation.js";
import type { CheckReport } from "../net/scan.js";
import { bundledCtLogs } from "../trust/ct-logs.js";
import type { TrustStore } from "../trust/store.js";
import { judgeOcspResponse } from "../verify/ocsp.js";
import { decodeSctList } from "../x509/extensions.js";
import { decodeTlsSctList } from "../x509/sct.js";

export { revocationOf } from "../net/revocation.js";

/** The fetch options of revocation checks: those of AIA (the same guard, the lab's origins). */
export function revocationOptionsFrom(aia: AiaOptions | false, signal?: AbortSignal): RevocationOptions {
  if (aia === false) return { fetch: false, ...(signal ? { signal } : {}) };
  return {
    ...(aia.guard ? { guard: aia.guard } : {}),
    ...(aia.allowOrigins ? { allowOrigins: aia.allowOrigins } : {}),
    ...(aia.lookup ? { lookup: aia.lookup } : {}),
    ...(signal ? { signal } : {}),
  };
}

/** The `revocation` member of the check document. */
export function revocationJson(r: RevocationReport | undefined) {
  if (!r) return null;
  const iso = (d: Date | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, "Z") : null);
  return {
    mustStaple: r.mustStaple,
    stapled: r.stapled,
    certificates: r.certificates.map((c) => ({
      certificate: c.certificate,
      status: c.status,
      revocation: c.revocation ?? null,
      ocsp: c.ocsp.map((x) => ({
        source: x.source,
        url: x.url ?? null,
        httpStatus: x.httpStatus ?? null,
        error: x.fetchError ?? null,
        ms: x.ms ?? null,
        status: x.judgement?.status ?? null,
        valid: x.judgement?.valid ?? false,
        problem: x.judgement?.problem ?? null,
        detail: x.judgement?.detail ?? null,
        signer: x.judgement?.signer ?? null,
        thisUpdate: iso(x.judgement?.thisUpdate),
        nextUpdate: iso(x.judgement?.nextUpdate),
        revocationTime: iso(x.judgement?.revocationTime),
        revocationReason: x.judgement?.revocationReason ?? null,
      })),
      crl: c.crl.map((x) => ({
        url: x.url,
        httpStatus: x.httpStatus ?? null,
        error: x.fetchError ?? null,
        ms: x.ms ?? null,
        status: x.status ?? null,
        detail: x.detail ?? null,
      })),
    })),
    clients: r.clients.map((c) => ({
      client: c.client,
      connects: c.connects,
      because: c.because ?? null,
      error: c.error ?? null,
      note: c.note ?? null,
      checks: c.checks,
      evidence: c.evidence,
    })),
    findings: r.findings,
  };
}

/** The leaf's Certificate Transparency (always computed: offline, from what the check already holds). */
export function ctOf(
  report: CheckReport,
  clients: readonly ClientId[],
  o: { store?: TrustStore; time: Date },
): CtReport | undefined {
  const leaf = report.certificates[0];
  if (!leaf) return undefined;
  const { path, publicRoot } = chainForRevocation(report, clients, o.store);
  const issuer = path[1];
  const staple = report.probe.ocsp?.der;
  const ocspScts = staple && issuer ? judgeOcspResponse(staple, leaf, issuer, o.time).sctList : undefined;
  return certificateTransparency({
    leaf,
    ...(issuer ? { issuer } : {}),
    ...(ocspScts ? { ocspScts: decodeSctList(ocspScts) } : {}),
    ...(report.probe.sctList ? { tlsScts: decodeTlsSctList(report.probe.sctList) } : {}),
    tlsRequested: report.handshake.mode === "fast",
    logs: bundledCtLogs(),
    time: o.time,
    // A store given as a file stands for locally added roots, which the browsers exempt (src/clients/ct.ts).
    publicRoot: publicRoot && o.store?.id !== "custom",
    clients,
  });
}

/** The `ct` member of the check document. */
export function ctJson(r: CtReport | undefined) {
  if (!r) return null;
  return {
    logList: r.logList,
    // Node's TLS client cannot offer signed_certificate_timestamp; the raw hello of fast mode does.
    tlsExtension: r.tlsRequested ? ("requested" as const) : ("not-requested" as const),
    required: r.required,
    scts: r.scts.map((s) => ({
      source: s.source,
      logId: s.logId,
      log: s.log ?? null,
      timestamp: s.timestamp.toISOString().replace(/\.\d{3}Z$/, "Z"),
      status: s.status,
      detail: s.detail ?? null,
    })),
    policies: r.policies.map((p) => ({ ...p, why: p.why ?? null })),
    findings: r.findings,
  };
}
