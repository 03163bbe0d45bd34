/**
 * What changed between two results of one target: pure functions of two summaries (./summary.ts), so each
 * rule is tested on hand-built ones. The history marks these; alerts (./alerts.ts) report the ones that
 * matter on the transitions of conditions.
 */

import type { ChainEntry, ResultSummary } from "./summary.js";

/** Days to expiry at which a certificate "crosses" into a warning, largest first. */
export const EXPIRY_THRESHOLDS = [30, 14, 7, 1] as const;

export type ChangeKind =
  | "first-result"
  | "chain-changed"
  | "issuer-changed"
  | "root-changed"
  | "verdict-flipped"
  | "finding-appeared"
  | "finding-cleared"
  | "tls-changed"
  | "expiry-threshold"
  | "distrust-applies"
  | "check-failed"
  | "check-recovered";

export interface Change {
  kind: ChangeKind;
  /** One line for people. */
  message: string;
  /** The client, finding code, certificate position … the change is about. */
  subject?: string;
  before?: string | null;
  after?: string | null;
  /** expiry-threshold: the threshold crossed (days) and the days left. */
  threshold?: number;
  daysLeft?: number;
}

const DAY_MS = 86_400_000;

/** Whole days from `at` to the certificate's notAfter (negative once expired). */
export function daysLeft(notAfter: string, at: string | Date): number {
  const t = typeof at === "string" ? Date.parse(at) : at.getTime();
  return Math.floor((Date.parse(notAfter) - t) / DAY_MS);
}

/** The smallest threshold `days` is at or under, or undefined when it is past all of them. */
export function thresholdFor(days: number): number | undefined {
  let hit: number | undefined;
  for (const t of EXPIRY_THRESHOLDS) if (days <= t) hit = t;
  return hit;
}

/** Every change from `prev` (the target's previous result, if any) to `cur`. */
export function detectChanges(prev: ResultSummary | undefined, cur: ResultSummary): Change[] {
  const out: Change[] = [];
  if (!prev) out.push({ kind: "first-result", message: "first result for this target" });
  out.push(...failureChanges(prev, cur));
  if (prev?.chain.length && cur.chain.length) out.push(...chainChanges(prev, cur));
  if (prev) out.push(...verdictChanges(prev, cur), ...findingChanges(prev, cur), ...tlsChanges(prev, cur));
  out.push(...distrustChanges(prev, cur), ...expiryChanges(prev, cur));
  return out;
}

function failureChanges(prev: ResultSummary | undefined, cur: ResultSummary): Change[] {
  const wasError = prev ? prev.error !== null : false;
  if (cur.error !== null && (!wasError || prev?.error !== cur.error))
    return [{ kind: "check-failed", message: cur.error, before: prev?.error ?? null, after: cur.error }];
  if (cur.error === null && wasError)
    return [{ kind: "check-recovered", message: "the check judges a chain again", before: prev?.error }];
  return [];
}

const fingerprints = (c: readonly ChainEntry[]) => c.map((e) => e.sha256).join(",");

function chainChanges(prev: ResultSummary, cur: ResultSummary): Change[] {
  const out: Change[] = [];
  if (fingerprints(prev.chain) !== fingerprints(cur.chain)) {
    const was = new Set(prev.chain.map((e) => e.sha256));
    const now = new Set(cur.chain.map((e) => e.sha256));
    const added = cur.chain.filter((e) => !was.has(e.sha256)).map(describe);
    const removed = prev.chain.filter((e) => !now.has(e.sha256)).map(describe);
    const parts = [
      added.length ? `added ${added.join("; ")}` : "",
      removed.length ? `removed ${removed.join("; ")}` : "",
      !added.length && !removed.length ? "same certificates, another order" : "",
    ].filter(Boolean);
    out.push({
      kind: "chain-changed",
      message: `the chain sent changed (${prev.chain.length} → ${cur.chain.length} certificates): ${parts.join(", ")}`,
      before: fingerprints(prev.chain),
      after: fingerprints(cur.chain),
    });
  }
  const issuerBefore = prev.chain[0]?.issuer;
  const issuerAfter = cur.chain[0]?.issuer;
  if (issuerBefore !== issuerAfter)
    out.push({
      kind: "issuer-changed",
      message: `the leaf's issuer changed from "${issuerBefore}" to "${issuerAfter}"`,
      before: issuerBefore,
      after: issuerAfter,
    });
  if (prev.root && cur.root && prev.root.sha256 !== cur.root.sha256)
    out.push({
      kind: "root-changed",
      message: `the root changed from "${prev.root.subject}" to "${cur.root.subject}"`,
      before: prev.root.sha256,
      after: cur.root.sha256,
    });
  return out;
}

function describe(e: ChainEntry): string {
  return `#${e.position} ${e.subject} (${e.sha256.slice(0, 16)}…)`;
}

const verdictText = (c: { status: string; code: string | null } | undefined) =>
  c ? (c.code ? `${c.status} (${c.code})` : c.status) : "not asked";

function verdictChanges(prev: ResultSummary, cur: ResultSummary): Change[] {
  const out: Change[] = [];
  for (const c of cur.clients) {
    const p = prev.clients.find((x) => x.client === c.client);
    if (!p || (p.status === c.status && p.code === c.code)) continue;
    out.push({
      kind: "verdict-flipped",
      subject: c.client,
      message: `${c.client}: ${verdictText(p)} → ${verdictText(c)}`,
      before: verdictText(p),
      after: verdictText(c),
    });
  }
  return out;
}

function findingChanges(prev: ResultSummary, cur: ResultSummary): Change[] {
  const was = new Set(prev.findings);
  const now = new Set(cur.findings);
  return [
    ...cur.findings
      .filter((f) => !was.has(f))
      .map((f): Change => ({ kind: "finding-appeared", subject: f, message: `finding ${f} appeared` })),
    ...prev.findings
      .filter((f) => !now.has(f))
      .map((f): Change => ({ kind: "finding-cleared", subject: f, message: `finding ${f} cleared` })),
  ];
}

function tlsChanges(prev: ResultSummary, cur: ResultSummary): Change[] {
  const text = (s: ResultSummary) =>
    s.tls.versions
      ? `${s.tls.protocol ?? "none"} (server speaks ${s.tls.versions.join(", ") || "none"})`
      : `${s.tls.protocol ?? "none"}`;
  // A failed connection says nothing about versions: not a change of them.
  if (prev.error !== null || cur.error !== null) return [];
  const before = text(prev);
  const after = text(cur);
  return before === after
    ? []
    : [{ kind: "tls-changed", message: `TLS: ${before} → ${after}`, before, after }];
}

function distrustChanges(prev: ResultSummary | undefined, cur: ResultSummary): Change[] {
  const was = new Set(prev?.distrust ?? []);
  return cur.distrust
    .filter((d) => !was.has(d))
    .map(
      (d): Change => ({
        kind: "distrust-applies",
        subject: d.split(":")[0],
        message: `distrust rule applies: ${d}`,
      }),
    );
}

/**
 * A certificate crosses a threshold when its days left were above it at the previous result and are at or
 * under it now. A certificate not in the previous chain (a first result, a new certificate) crosses the
 * smallest threshold it is already under, so a new chain close to expiry is reported once.
 */
function expiryChanges(prev: ResultSummary | undefined, cur: ResultSummary): Change[] {
  const out: Change[] = [];
  for (const e of cur.chain) {
    if (e.role === "root" || e.role === "unrelated" || e.role === "duplicate") continue;
    const now = daysLeft(e.notAfter, cur.checkedAt);
    const hit = thresholdFor(now);
    if (hit === undefined) continue;
    const before = prev?.chain.find((p) => p.sha256 === e.sha256);
    if (before && prev) {
      const then = thresholdFor(daysLeft(before.notAfter, prev.checkedAt));
      if (then !== undefined && then <= hit) continue;
    }
    const what = e.position === 1 ? "the leaf" : `intermediate #${e.position}`;
    out.push({
      kind: "expiry-threshold",
      subject: String(e.position),
      threshold: hit,
      daysLeft: now,
      message:
        now < 0
          ? `${what} (${e.subject}) expired on ${e.notAfter}`
          : `${what} (${e.subject}) expires in ${now} day${now === 1 ? "" : "s"} (${e.notAfter}): under ${hit}`,
      after: e.notAfter,
    });
  }
  return out;
}
