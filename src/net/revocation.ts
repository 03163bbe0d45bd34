/**
 * Revocation status of a chain as a careful client would learn it: the stapled OCSP response, a live OCSP
 * request to each certificate's AIA OCSP URL (RFC 6960, POST, SHA-1 CertID), and the CRLs of its
 * distribution points, each fetch through the one address guard (./guard.ts) within the same limits as AIA.
 * The answers are verified (src/verify/ocsp.ts, src/verify/crl.ts) and turned into findings and, per client,
 * whether the connection still succeeds (src/clients/revocation.ts).
 *
 * Never throws for what the network or a responder does: an unreachable responder is a finding.
 */

import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { issued } from "../clients/chain-analysis.js";
import type { ClientMatrix, ClientVerdict } from "../clients/evaluate.js";
import { type CertificateRef, certRef, type ReportFinding } from "../clients/finding.js";
import type { ClientId } from "../clients/profile.js";
import { CLIENTS, defaultStoreFor } from "../clients/registry.js";
import {
  type ClientRevocationOutcome,
  REVOCATION_BEHAVIOUR,
  revocationOutcomes,
} from "../clients/revocation.js";
import { mozillaStore } from "../trust/mozilla.js";
import { anchorsBySubject, findAnchor, type TrustStore } from "../trust/store.js";
import { checkRevocation as checkCrl, parseCrl } from "../verify/crl.js";
import { judgeOcspResponse, type OcspJudgement } from "../verify/ocsp.js";
import type { Certificate } from "../x509/certificate.js";
import { buildOcspRequest, OCSP_MAX_BYTES } from "../x509/ocsp.js";
import { OID } from "../x509/oids.js";
import { AIA_LIMITS, AIA_POLICY } from "./aia.js";
import { type GuardPolicy, guardedFetch, type LookupAll } from "./guard.js";
import type { CheckReport } from "./scan.js";

export const REVOCATION_LIMITS = {
  /** Per request. */
  timeoutMs: AIA_LIMITS.timeoutMs,
  maxRedirects: AIA_LIMITS.maxRedirects,
  ocspMaxBytes: OCSP_MAX_BYTES,
  /** Per CRL (large CAs publish CRLs of several MiB; a partitioned CRL is small). */
  crlMaxBytes: 4 * 1024 * 1024,
  /** Requests per check, redirects included. */
  maxFetches: 8,
} as const;

export interface RevocationOptions {
  /** Which addresses may be fetched (default: public only, as AIA). */
  guard?: GuardPolicy;
  /** Exact origins allowed whatever they resolve to (the lab's responder). */
  allowOrigins?: readonly string[];
  lookup?: LookupAll;
  timeoutMs?: number;
  /** false: the staple only, no live OCSP or CRL fetch. */
  fetch?: boolean;
  signal?: AbortSignal;
}

export interface OcspCheck {
  source: "stapled" | "live";
  url?: string;
  /** Why no response came back (the responder is unreachable). */
  fetchError?: string;
  httpStatus?: number;
  ms?: number;
  judgement?: OcspJudgement;
}

export interface CrlCheck {
  url: string;
  fetchError?: string;
  httpStatus?: number;
  ms?: number;
  status?: "good" | "revoked" | "unusable";
  detail?: string;
}

export interface CertificateRevocation {
  certificate: CertificateRef;
  /** revoked by any verified source; good when a verified source says so; unknown otherwise. */
  status: "good" | "revoked" | "unknown";
  revocation?: { time: string; reason: string | null; source: "stapled-ocsp" | "live-ocsp" | "crl" };
  ocsp: OcspCheck[];
  crl: CrlCheck[];
}

export interface RevocationReport {
  /** The leaf first, then each CA certificate that has its issuer in hand (roots are not checked). */
  certificates: CertificateRevocation[];
  mustStaple: boolean;
  stapled: boolean;
  findings: ReportFinding[];
  clients: ClientRevocationOutcome[];
}

export interface RevocationInput {
  /** The path: leaf, then each issuer in order (the anchor last, when known). */
  path: readonly Certificate[];
  /** The stapled OCSP response, as the server sent it. */
  staple?: Uint8Array;
  /** Whether the handshake was seen (a staple can only be missing from a handshake that happened). */
  handshakeSeen: boolean;
  clients: readonly ClientId[];
  /** The path ends at a public root (CRLSet and CRLite may cover it). */
  publicRoot: boolean;
  time: Date;
}

/** A shared allowance of requests, so one check never makes more than maxFetches. */
class Budget {
  used = 0;
  take = (): string | undefined => {
    if (this.used >= REVOCATION_LIMITS.maxFetches) return "revocation fetch limit reached";
    this.used++;
    return undefined;
  };
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** Check the revocation status of each certificate of `path` that has its issuer. */
export async function checkRevocationStatus(
  input: RevocationInput,
  o: RevocationOptions = {},
): Promise<RevocationReport> {
  const budget = new Budget();
  const certificates: CertificateRevocation[] = [];
  for (let i = 0; i + 1 < input.path.length; i++) {
    if (o.signal?.aborted) break;
    const cert = input.path[i];
    const issuer = input.path[i + 1];
    const ocsp: OcspCheck[] = [];
    if (i === 0 && input.staple?.length)
      ocsp.push({ source: "stapled", judgement: judgeOcspResponse(input.staple, cert, issuer, input.time) });
    if (o.fetch !== false) {
      for (const url of ocspUrls(cert).slice(0, 2))
        ocsp.push(await liveOcsp(url, cert, issuer, input.time, o, budget));
      const crl: CrlCheck[] = [];
      // CRLs only when OCSP gave no verified answer (as clients that do both prefer OCSP).
      if (!ocsp.some((x) => x.judgement?.valid))
        for (const url of crlUrls(cert).slice(0, 2))
          crl.push(await fetchCrl(url, cert, issuer, input.time, o, budget));
      certificates.push(summarise(cert, i, ocsp, crl));
    } else certificates.push(summarise(cert, i, ocsp, []));
  }
  const leaf = input.path[0];
  const mustStaple = Boolean(leaf?.tlsFeature?.includes(5));
  const stapled = Boolean(input.staple?.length);
  const first = certificates[0];
  const facts = {
    stapledRevoked: Boolean(
      first?.ocsp.some(
        (x) => x.source === "stapled" && x.judgement?.valid && x.judgement.status === "revoked",
      ),
    ),
    liveOcspRevoked: Boolean(
      first?.ocsp.some((x) => x.source === "live" && x.judgement?.valid && x.judgement.status === "revoked"),
    ),
    crlRevoked: first?.revocation?.source === "crl",
    mustStapleMissing: mustStaple && !stapled && input.handshakeSeen,
    publicRoot: input.publicRoot,
  };
  const clients = revocationOutcomes(input.clients, facts);
  return {
    certificates,
    mustStaple,
    stapled,
    findings: findingsOf(certificates, clients, facts.mustStapleMissing),
    clients,
  };
}

const MAX_PATH = 8;

/** The leaf and each issuer found for it, up to a self-signed certificate. */
export function revocationPath(
  leaf: Certificate,
  pool: readonly Certificate[],
  stores: readonly TrustStore[],
): Certificate[] {
  const path = [leaf];
  while (path.length < MAX_PATH) {
    const top = path[path.length - 1];
    if (top.selfSigned) break;
    const candidates = [
      ...pool.filter((c) => c.subject.matchKey === top.issuer.matchKey),
      ...stores.flatMap((s) => anchorsBySubject(s, top.issuer.matchKey).map((a) => a.cert)),
    ];
    const next = candidates.find((c) => !path.some((p) => p.sha256 === c.sha256) && issued(c, top));
    if (!next) break;
    path.push(next);
  }
  return path;
}

/** The path of a checked endpoint's leaf (sent, AIA-fetched and store certificates) and whether it ends at a public root. */
export function chainForRevocation(
  report: CheckReport,
  clients: readonly ClientId[],
  store?: TrustStore,
): { path: Certificate[]; publicRoot: boolean } {
  const leaf = report.certificates[0];
  if (!leaf) return { path: [], publicRoot: false };
  const mozilla = mozillaStore();
  const stores = store ? [store] : [...new Set(clients.map(defaultStoreFor)), mozilla];
  const pool = [...report.certificates, ...report.aia.flatMap((f) => f.certificates)];
  const path = revocationPath(leaf, pool, stores);
  return { path, publicRoot: path.some((c) => findAnchor(mozilla, c.sha256) !== undefined) };
}

/** The revocation status of a checked endpoint's chain, undefined when the server sent no certificate. */
export async function revocationOf(
  report: CheckReport,
  clients: readonly ClientId[],
  o: RevocationOptions & { store?: TrustStore; time: Date },
): Promise<RevocationReport | undefined> {
  const { path, publicRoot } = chainForRevocation(report, clients, o.store);
  if (!path.length) return undefined;
  return checkRevocationStatus(
    {
      path,
      ...(report.probe.ocsp ? { staple: report.probe.ocsp.der } : {}),
      handshakeSeen: report.handshake.completed || report.handshake.mode === "fast",
      clients,
      publicRoot,
      time: o.time,
    },
    o,
  );
}

export function ocspUrls(cert: Certificate): string[] {
  return (cert.authorityInfoAccess ?? [])
    .filter((a) => a.method === OID.ocsp && a.location.type === "uri")
    .map((a) => a.location.value);
}

export function crlUrls(cert: Certificate): string[] {
  return (cert.crlDistributionPoints ?? [])
    .flatMap((dp) => dp.names)
    .filter((n) => n.type === "uri" && /^https?:/i.test(n.value))
    .map((n) => n.value);
}

/** One revocation fetch through the guard, within the limits; the response body, or why there is none. */
async function fetchThroughGuard(
  url: string,
  o: RevocationOptions,
  budget: Budget,
  req: { what: "OCSP" | "CRL"; maxBytes: number; body?: Uint8Array },
): Promise<{ body?: Uint8Array; error?: string; httpStatus?: number; ms: number }> {
  const start = performance.now();
  const r = await guardedFetch(url, {
    policy: { ...(o.guard ?? AIA_POLICY), ...(o.allowOrigins ? { allowOrigins: o.allowOrigins } : {}) },
    ...(req.body ? { method: "POST" as const, body: req.body } : {}),
    headers: {
      "user-agent": `chainproof (${req.what})`,
      ...(req.body ? { "content-type": "application/ocsp-request" } : {}),
    },
    timeoutMs: o.timeoutMs ?? REVOCATION_LIMITS.timeoutMs,
    maxRedirects: REVOCATION_LIMITS.maxRedirects,
    maxBytes: req.maxBytes,
    beforeRequest: budget.take,
    ...(o.lookup ? { lookup: o.lookup } : {}),
  });
  const ms = Math.round(performance.now() - start);
  const status = r.status !== undefined ? { httpStatus: r.status } : {};
  if (r.error || r.status !== 200 || !r.body) return { error: r.error ?? `HTTP ${r.status}`, ms, ...status };
  return { body: r.body, ms, ...status };
}

async function liveOcsp(
  url: string,
  cert: Certificate,
  issuer: Certificate,
  time: Date,
  o: RevocationOptions,
  budget: Budget,
): Promise<OcspCheck> {
  const body = buildOcspRequest(cert, issuer, new Uint8Array(randomBytes(16)));
  const r = await fetchThroughGuard(url, o, budget, {
    what: "OCSP",
    maxBytes: REVOCATION_LIMITS.ocspMaxBytes,
    body,
  });
  const out: OcspCheck = { source: "live", url, ms: r.ms };
  if (r.httpStatus !== undefined) out.httpStatus = r.httpStatus;
  if (!r.body) out.fetchError = r.error;
  else out.judgement = judgeOcspResponse(r.body, cert, issuer, time);
  return out;
}

async function fetchCrl(
  url: string,
  cert: Certificate,
  issuer: Certificate,
  time: Date,
  o: RevocationOptions,
  budget: Budget,
): Promise<CrlCheck> {
  const r = await fetchThroughGuard(url, o, budget, { what: "CRL", maxBytes: REVOCATION_LIMITS.crlMaxBytes });
  const out: CrlCheck = { url, ms: r.ms };
  if (r.httpStatus !== undefined) out.httpStatus = r.httpStatus;
  if (!r.body) {
    out.fetchError = r.error;
    return out;
  }
  let crl: ReturnType<typeof parseCrl>;
  try {
    crl = parseCrl(pemOrDer(r.body));
  } catch (e) {
    return { ...out, status: "unusable", detail: `not a CRL: ${e instanceof Error ? e.message : String(e)}` };
  }
  // Only the issuer's own CRL is fetched here: no other certificate can sign it, so the anchor (used to
  // validate another signer's path) is never reached.
  const found = checkCrl(cert, issuer, {
    crls: [crl],
    timeMs: time.getTime(),
    mode: "soft-fail",
    certsNamed: () => [],
    anchor: issuer,
  });
  const revoked = found.find((f) => f.code === "revoked");
  const bad = found.find((f) => f.code === "crl-invalid");
  if (revoked) return { ...out, status: "revoked", detail: revoked.detail ?? "" };
  if (bad) return { ...out, status: "unusable", detail: bad.detail ?? "" };
  // checkRevocation says nothing about a CRL from another issuer: that CRL does not cover the certificate.
  if (found.length === 0 && crl.issuer.toString() !== issuer.subject.toString())
    return {
      ...out,
      status: "unusable",
      detail: `the CRL is issued by ${crl.issuer.toString()}, not the issuer`,
    };
  return { ...out, status: "good" };
}

/** A CRL served as PEM (some CAs do) or DER. */
function pemOrDer(b: Uint8Array): Uint8Array {
  const text = Buffer.from(b.subarray(0, 40)).toString("latin1");
  if (!text.startsWith("-----BEGIN")) return b;
  const body = Buffer.from(b)
    .toString("latin1")
    .replace(/-----[^-]+-----/g, "")
    .replace(/\s+/g, "");
  return new Uint8Array(Buffer.from(body, "base64"));
}

/** "revoked 2026-01-02T00:00:00Z (keyCompromise)" from a CRL finding's detail. */
function crlRevocation(detail: string): { time: string; reason: string | null } {
  const t = /revoked (\S+?Z)/.exec(detail);
  const r = /reason: ([^)]+)\)/.exec(detail);
  return { time: t ? t[1].replace(/\.\d{3}Z$/, "Z") : "", reason: r ? r[1] : null };
}

function summarise(
  cert: Certificate,
  index: number,
  ocsp: OcspCheck[],
  crl: CrlCheck[],
): CertificateRevocation {
  const out: CertificateRevocation = {
    certificate: certRef(cert, index === 0 ? "leaf" : "intermediate"),
    status: "unknown",
    ocsp,
    crl,
  };
  const trusted = ocsp.filter((x) => x.judgement?.valid);
  const revokedOcsp = trusted.find((x) => x.judgement?.status === "revoked");
  const revokedCrl = crl.find((c) => c.status === "revoked");
  if (revokedOcsp?.judgement) {
    const j = revokedOcsp.judgement;
    out.status = "revoked";
    out.revocation = {
      time: j.revocationTime ? iso(j.revocationTime) : "",
      reason: j.revocationReason ?? null,
      source: revokedOcsp.source === "stapled" ? "stapled-ocsp" : "live-ocsp",
    };
  } else if (revokedCrl) {
    out.status = "revoked";
    out.revocation = { ...crlRevocation(revokedCrl.detail ?? ""), source: "crl" };
  } else if (trusted.some((x) => x.judgement?.status === "good") || crl.some((c) => c.status === "good"))
    out.status = "good";
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Findings

function effects(clients: ClientRevocationOutcome[]): ReportFinding["clients"] {
  return Object.fromEntries(
    clients.map((c) => [
      c.client,
      c.connects
        ? { rejects: false, ...(c.note ? { note: c.note } : {}) }
        : { rejects: true, ...(c.error ? { error: c.error } : {}), evidence: c.evidence },
    ]),
  );
}

function findingsOf(
  certs: CertificateRevocation[],
  clients: ClientRevocationOutcome[],
  mustStapleMissing: boolean,
): ReportFinding[] {
  const out: ReportFinding[] = [];
  const refusing = clients.filter((c) => !c.connects).map((c) => CLIENTS[c.client].name);
  for (const c of certs) {
    const who = `The ${c.certificate.role === "leaf" ? "server's certificate" : "intermediate"} "${c.certificate.subject}"`;
    if (c.status === "revoked" && c.revocation) {
      const r = c.revocation;
      const by =
        r.source === "crl"
          ? "its CRL"
          : r.source === "stapled-ocsp"
            ? "the stapled OCSP response"
            : "its OCSP responder";
      out.push({
        code: "revocation-revoked",
        severity: "error",
        message:
          `${who} is revoked: ${by} says so${r.time ? ` (since ${r.time}` : ""}${r.reason ? `${r.time ? ", " : " ("}reason ${r.reason})` : r.time ? ")" : ""}. ${
            c.certificate.role === "leaf"
              ? refusing.length
                ? `Refused by ${refusing.join(", ")}; the other clients check no revocation and still connect.`
                : "None of the clients asked checks revocation here, so they still connect."
              : ""
          }`.trim(),
        fix: "Install a new certificate (and key, after a key compromise); a revoked certificate cannot be un-revoked.",
        certificate: c.certificate,
        ...(c.certificate.role === "leaf" ? { clients: effects(clients) } : {}),
        data: { source: r.source, time: r.time || null, reason: r.reason },
      });
    }
    for (const x of c.ocsp) out.push(...ocspFindings(x, c.certificate, who));
    for (const x of c.crl) {
      if (x.fetchError)
        out.push({
          code: "revocation-crl-unreachable",
          severity: "warning",
          message: `${who}: its CRL at ${x.url} could not be fetched (${x.fetchError}).`,
          fix: "Make the CRL distribution point reachable over plain HTTP; clients and auditors fetch it.",
          certificate: c.certificate,
          data: { url: x.url },
        });
      else if (x.status === "unusable")
        out.push({
          code: "revocation-crl-unusable",
          severity: "warning",
          message: `${who}: the CRL at ${x.url} cannot be used: ${x.detail}.`,
          fix: "Have the CA publish a current CRL signed by the issuing CA at that URL.",
          certificate: c.certificate,
          data: { url: x.url },
        });
    }
  }
  if (mustStapleMissing) {
    const leaf = certs[0]?.certificate;
    out.push({
      code: "revocation-must-staple-missing",
      severity: clients.some((c) => c.client === "firefox") ? "error" : "warning",
      message:
        "The certificate requires a stapled OCSP response (TLS feature status_request, OCSP must-staple) and the server sends none. Firefox refuses the connection (MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING); the other clients ignore the flag.",
      fix: "Turn OCSP stapling on (nginx `ssl_stapling on; ssl_stapling_verify on;`, Apache `SSLUseStapling On`), or get a certificate without must-staple.",
      ...(leaf ? { certificate: leaf } : {}),
      clients: Object.fromEntries(
        clients.map((c) => [
          c.client,
          c.because === "must-staple"
            ? { rejects: true, error: c.error, evidence: c.evidence }
            : { rejects: false },
        ]),
      ),
    });
  }
  return out;
}

function ocspFindings(x: OcspCheck, cert: CertificateRef, who: string): ReportFinding[] {
  const where = x.source === "stapled" ? "The stapled OCSP response" : `The OCSP responder ${x.url}`;
  if (x.fetchError) {
    const firefoxSoft = REVOCATION_BEHAVIOUR.firefox.liveOcsp
      ? " Firefox soft-fails: it connects anyway."
      : "";
    return [
      {
        code: "revocation-ocsp-unreachable",
        severity: "warning",
        message: `${who}: the OCSP responder ${x.url} did not answer (${x.fetchError}).${firefoxSoft}`,
        fix: "Ask the CA to fix its OCSP responder; staple the response on the server so clients need not reach it.",
        certificate: cert,
        data: { url: x.url ?? null },
      },
    ];
  }
  const j = x.judgement;
  if (!j || j.valid) {
    if (j?.status === "unknown")
      return [
        {
          code: "revocation-ocsp-unknown",
          severity: "warning",
          message: `${where} does not know ${who.replace(/^The /, "the ")} (status "unknown"): the responder does not answer for it.`,
          fix: "Check that the certificate's AIA OCSP URL is the issuing CA's responder, and that the CA has the certificate in its database.",
          certificate: cert,
          data: { source: x.source, url: x.url ?? null },
        },
      ];
    return [];
  }
  const code =
    j.problem === "stale" || j.problem === "not-yet-valid"
      ? "revocation-ocsp-stale"
      : j.problem === "bad-signature" || j.problem === "unauthorized-signer"
        ? "revocation-ocsp-bad-signature"
        : "revocation-ocsp-unusable";
  const fix =
    code === "revocation-ocsp-stale"
      ? x.source === "stapled"
        ? "The server staples an old response: restart or fix its stapling (the server must refresh it before nextUpdate)."
        : "Ask the CA to fix its responder: it serves answers past their nextUpdate."
      : code === "revocation-ocsp-bad-signature"
        ? "The response must be signed by the issuing CA or by a responder certificate it issued with id-kp-OCSPSigning; ask the CA."
        : "Ask the CA to fix its OCSP responder.";
  return [
    {
      code,
      severity: "warning",
      message: `${where} cannot be relied on: ${j.detail}. Clients that read it treat the status as unknown.`,
      fix,
      certificate: cert,
      data: { source: x.source, url: x.url ?? null, problem: j.problem ?? null },
    },
  ];
}

/**
 * The client matrix with the revocation outcome folded in: a client that refuses the connection for
 * revocation (Firefox on a revoked certificate) is untrusted, with its error; the revocation findings are
 * added. The lab's revocation endpoints are judged on this.
 */
export function matrixWithRevocation(matrix: ClientMatrix, r: RevocationReport): ClientMatrix {
  const findingFor = (because: ClientRevocationOutcome["because"]) =>
    r.findings.find((f) =>
      because === "must-staple"
        ? f.code === "revocation-must-staple-missing"
        : f.code === "revocation-revoked",
    );
  const clients = matrix.clients.map((v): ClientVerdict => {
    const o = r.clients.find((c) => c.client === v.client);
    if (!o || o.connects || !v.trusted) return v;
    const f = findingFor(o.because);
    return {
      ...v,
      trusted: false,
      status: "untrusted",
      reason: { code: f?.code ?? "revocation-revoked", kind: "other", message: f?.message ?? o.checks },
      ...(o.error ? { error: { text: o.error, evidence: o.evidence } } : {}),
    };
  });
  // The connection already reports must-staple without a staple (ocsp-must-staple-missing): not twice.
  const said = new Set(matrix.findings.map((f) => f.code));
  const added = r.findings.filter(
    (f) => !(f.code === "revocation-must-staple-missing" && said.has("ocsp-must-staple-missing")),
  );
  return {
    ...matrix,
    trusted: clients.every((v) => v.trusted),
    clients,
    findings: [...matrix.findings, ...added],
  };
}

/** A checked endpoint's report with the revocation outcome folded into its matrix (see matrixWithRevocation). */
export function reportWithRevocation(report: CheckReport, r: RevocationReport): CheckReport {
  const matrix = matrixWithRevocation(report.matrix, r);
  return { ...report, matrix, trusted: matrix.trusted };
}
