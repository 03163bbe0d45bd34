/**
 * Chain verification: does a client that trusts `anchors` accept `leaf`, given the certificates the peer
 * presented, under `policy`? And if not, why not, on every path that was tried.
 *
 * No I/O: the engine never reads files, opens sockets or writes to the terminal. Callers parse the leaf and
 * the anchors (src/x509) and CRLs (parseCrl) and pass objects in; presented certificates may stay DER.
 *
 *   const r = verifyChain({ leaf, presented, anchors: [{ cert: root }], policy: { time: new Date(),
 *     purpose: "server", peerName: { kind: "dns", value: "example.com" }, profile: "webpki",
 *     allowNonSelfSignedAnchors: false } });
 *   if (!r.trusted) for (const f of r.findings) console.log(f.code, f.message);
 */

import type { Certificate } from "../x509/certificate.js";
import { InputError } from "../x509/errors.js";
import { type Attempt, Graph, type SearchStats, search } from "./build.js";
import { explain } from "./explain.js";
import { byRank, type CertRef, type Finding, RANK, type RawFinding } from "./findings.js";
import { type Anchor, type Policy, type ResolvedPolicy, resolvePolicy } from "./policy.js";

export { contradictsKeyId } from "./build.js";
export { type Crl, parseCrl } from "./crl.js";
export { explain } from "./explain.js";
export {
  type CertRef,
  FINDING_CODES,
  type Finding,
  type FindingCode,
  RANK,
  type RawFinding,
} from "./findings.js";
export {
  type Anchor,
  type Budget,
  type CandidatePath,
  DEFAULT_BUDGET,
  DEFAULT_MAX_DEPTH,
  type KeyIdMismatchRule,
  type PeerName,
  type Policy,
} from "./policy.js";
export { checkSignature, type SignatureOutcome, selfSigned } from "./signatures.js";

export interface VerifyInput {
  leaf: Certificate;
  /**
   * The certificates the peer sent, in the order sent (the leaf may be among them). DER entries are parsed
   * only if path building needs them; one that does not parse rejects the chain ("malformed-certificate"),
   * as it makes every TLS client abort the handshake.
   */
  presented: (Certificate | Uint8Array)[];
  anchors: Anchor[];
  policy: Policy;
}

export interface PathReport {
  /** Leaf first; the last one is the trust anchor's certificate when `complete`. */
  certs: CertRef[];
  /** The path reached a trust anchor. */
  complete: boolean;
  anchorName?: string;
  /** Most specific first. */
  findings: Finding[];
}

export interface VerifyResult {
  trusted: boolean;
  /** The valid path (leaf first, anchor last) when trusted; otherwise the path that came closest. */
  path: Certificate[];
  anchor?: Anchor;
  /**
   * When trusted: warnings only (codes the policy ignores). When not: the faults of the path that came
   * closest, most specific first; when a budget ran out, "budget-exceeded" comes before them all.
   */
  findings: Finding[];
  /** Every path tried (up to 20), best first, each with its own faults; in "verdict" diagnostics, the closest only. */
  paths: PathReport[];
  /**
   * RFC 5280 §6.1: the certificate policies the trusted path is valid for, in the trust anchor's domain
   * ("2.5.29.32.0" for anyPolicy; empty when the path asserts no common policy).
   */
  policies?: string[];
  /** Work done by the search that decided the verdict. */
  stats: SearchStats;
}

const REPORTED_PATHS = 20;

export function verifyChain(input: VerifyInput): VerifyResult {
  if (!input.leaf) throw new InputError("there is no certificate to verify", "no-certificates");
  const policy = resolvePolicy(input.policy);
  const graph = new Graph(input.leaf, input.presented, input.anchors, policy);
  const fast = search(graph, policy, "fast");
  if (fast.valid) {
    const v = fast.valid;
    return {
      trusted: true,
      path: v.certs,
      anchor: v.anchor,
      findings: toFindings(v, v.findings, policy).sort(byRank),
      paths: [report(v, policy)],
      policies: v.policies,
      stats: fast.stats,
    };
  }
  // The verdict stands; for the explanation, search again without stopping at the first fault (unless the
  // budget ran out: the full search would only run out of it again, at twice the cost).
  const diag = policy.diagnostics === "verdict" || fast.exhausted ? fast : search(graph, policy, "full");
  const attempts = diag.attempts.length ? diag.attempts : fast.attempts;
  const ranked = attempts
    .map((a) => ({ a, key: attemptKey(a, policy) }))
    .sort((x, y) => compareKeys(y.key, x.key));
  const best = ranked[0]?.a ?? { certs: [input.leaf], findings: [] };
  const exhausted = fast.exhausted ?? diag.exhausted;
  const bestReport = report(best, policy);
  const findings = [...bestReport.findings];
  if (!exhausted && !findings.some((f) => f.severity === "error")) {
    // Cannot happen unless a check is inconsistent between modes; never report an untrusted chain silently.
    findings.push(
      toFinding(best, { code: "no-path-to-trust-anchor", detail: "no valid path was found" }, policy),
    );
  }
  findings.sort(byRank);
  // A budget that ran out is why no valid path was found: it comes first, before the faults of the paths the
  // search did get to (which another path, never tried, might not have had).
  if (exhausted) findings.unshift(toFinding(best, exhausted, policy));
  return {
    trusted: false,
    path: best.certs,
    anchor: best.anchor,
    findings,
    paths: [
      bestReport,
      ...ranked
        .slice(1, policy.diagnostics === "verdict" ? 1 : REPORTED_PATHS)
        .map((r) => report(r.a, policy)),
    ],
    stats: fast.stats,
  };
}

/**
 * Attempts compare by: the least specific error (higher is better: a path whose worst fault is an expired
 * leaf is closer than one with a bad signature), then reaching an anchor, then length (a dead end that got
 * further explains more), then fewer errors.
 */
function attemptKey(a: Attempt, policy: ResolvedPolicy): number[] {
  let min = Number.POSITIVE_INFINITY;
  let errors = 0;
  for (const f of a.findings) {
    if (f.severity === "warning" || policy.ignoreSet.has(f.code)) continue;
    errors++;
    min = Math.min(min, RANK[f.code]);
  }
  return [min, a.anchor ? 1 : 0, a.certs.length, -errors];
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function report(a: Attempt, policy: ResolvedPolicy): PathReport {
  return {
    certs: a.certs.map((c, i) => ref(a, c, i)),
    complete: a.anchor !== undefined,
    anchorName: a.anchor?.name,
    findings: toFindings(a, a.findings, policy).sort(byRank),
  };
}

function toFindings(a: Attempt, raw: RawFinding[], policy: ResolvedPolicy): Finding[] {
  if (raw.length === 0) return []; // a trusted chain's usual findings: none
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const r of raw) {
    const f = toFinding(a, r, policy);
    const k = `${f.code}\u0000${f.cert?.position}\u0000${f.detail}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(f);
  }
  return out;
}

function toFinding(a: Attempt, r: RawFinding, policy: ResolvedPolicy): Finding {
  const severity = r.severity === "warning" || policy.ignoreSet.has(r.code) ? "warning" : "error";
  const cert = r.cert ? ref(a, r.cert, a.certs.indexOf(r.cert)) : undefined;
  const issuer = r.issuer ? ref(a, r.issuer, a.certs.indexOf(r.issuer)) : undefined;
  return new ReportedFinding(r.code, severity, r.detail, cert, issuer);
}

function ref(a: Attempt, c: Certificate, position: number): CertRef {
  const last = a.certs.length - 1;
  return new PathCertRef(
    position,
    position === 0 ? "leaf" : position === last && a.anchor ? "anchor" : "intermediate",
    c,
  );
}

/**
 * CertRef and Finding as classes whose costly fields (RFC 4514 subject text, SHA-256, the explanation) are
 * computed on first read: a verdict usually needs none of them. JSON.stringify goes through toJSON; to copy
 * one to another thread, send its toJSON().
 */
class PathCertRef implements CertRef {
  readonly #cert: Certificate;
  constructor(
    readonly position: number,
    readonly role: CertRef["role"],
    cert: Certificate,
  ) {
    this.#cert = cert;
  }
  get subject(): string {
    return this.#cert.subject.toString();
  }
  get label(): string {
    return this.#cert.label;
  }
  get sha256(): string {
    return this.#cert.sha256;
  }
  toJSON(): CertRef {
    return {
      position: this.position,
      role: this.role,
      subject: this.subject,
      label: this.label,
      sha256: this.sha256,
    };
  }
}

class ReportedFinding implements Finding {
  #message?: string;
  constructor(
    readonly code: Finding["code"],
    readonly severity: Finding["severity"],
    readonly detail: string,
    readonly cert?: CertRef,
    readonly issuer?: CertRef,
  ) {}
  get message(): string {
    this.#message ??= explain(this);
    return this.#message;
  }
  toJSON(): Finding {
    const out: Finding = {
      code: this.code,
      severity: this.severity,
      detail: this.detail,
      message: this.message,
    };
    if (this.cert) out.cert = (this.cert as PathCertRef).toJSON();
    if (this.issuer) out.issuer = (this.issuer as PathCertRef).toJSON();
    return out;
  }
}
