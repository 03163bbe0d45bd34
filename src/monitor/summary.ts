/**
 * What the history keeps of one check, compact enough to compare round after round: the chain as sent
 * (fingerprint, subject, issuer, expiry per position), the root each client's path ends at, each client's
 * verdict and its reason's code, the finding codes, the TLS versions, and the error when the check could not
 * judge a chain. Change detection (./changes.ts) and alert conditions (./alerts.ts) read only this.
 */

import type { SentEntry } from "../clients/evaluate.js";
import type { HandshakeSummary } from "../net/scan.js";

export type ResultStatus = "trusted" | "untrusted" | "failed" | "invalid";

export interface ChainEntry {
  /** 1-based position as sent. */
  position: number;
  role: SentEntry["role"];
  sha256: string;
  subject: string;
  issuer: string;
  notAfter: string;
}

export interface ClientState {
  client: string;
  status: "trusted" | "untrusted" | "depends";
  /** The code of the reason a client refuses (a finding code); null when trusted. */
  code: string | null;
}

export interface ResultSummary {
  /** When the check ran (ISO 8601). */
  checkedAt: string;
  status: ResultStatus;
  chain: ChainEntry[];
  /** The trust anchor the first client's path ends at (the root), when it reached one. */
  root: { subject: string; sha256: string } | null;
  clients: ClientState[];
  /** Codes of error and warning findings, sorted, each once. */
  findings: string[];
  /** Distrust rules that apply ("RULE-ID: message" of each distrust finding), sorted. */
  distrust: string[];
  /** The negotiated version, and the versions the server speaks when they were scanned. */
  tls: { protocol: string | null; versions: string[] | null };
  /** Why the check judged no chain (connection refused, handshake failure, a bad line). */
  error: string | null;
}

/** The parts of a check document (src/app/check.ts, `chainproof check --json`) the summary reads. */
export interface CheckDocumentLike {
  trusted: boolean;
  sent: readonly SentEntry[];
  clients: readonly {
    client: string;
    status: "trusted" | "untrusted" | "depends";
    reason: { code: string } | null;
    anchor: { subject: string; sha256: string } | null;
  }[];
  findings: readonly { code: string; severity: string; message: string; data?: Record<string, unknown> }[];
  handshake: Pick<HandshakeSummary, "protocol" | "versions" | "failure">;
}

const DISTRUST = /distrust/;

/** "RULE-ID: message" of a distrust finding (the finding's code when it names no rule). */
function distrustEntry(f: { code: string; message: string; data?: Record<string, unknown> }): string {
  const rule = typeof f.data?.rule === "string" ? f.data.rule : f.code;
  return `${rule}: ${f.message}`;
}

export function summarizeCheck(doc: CheckDocumentLike, checkedAt: Date): ResultSummary {
  const chain = doc.sent.map((s) => ({
    position: s.position,
    role: s.role,
    sha256: s.sha256,
    subject: s.subject,
    issuer: s.issuer,
    notAfter: s.notAfter,
  }));
  const anchor = doc.clients.find((c) => c.anchor)?.anchor ?? null;
  const serious = doc.findings.filter((f) => f.severity === "error" || f.severity === "warning");
  return {
    checkedAt: checkedAt.toISOString(),
    status: doc.trusted ? "trusted" : chain.length === 0 ? "failed" : "untrusted",
    chain,
    root: anchor ? { subject: anchor.subject, sha256: anchor.sha256 } : null,
    clients: doc.clients.map((c) => ({
      client: c.client,
      status: c.status,
      code: c.status === "trusted" ? null : (c.reason?.code ?? null),
    })),
    findings: [...new Set(serious.map((f) => f.code))].sort(),
    distrust: [...new Set(serious.filter((f) => DISTRUST.test(f.code)).map(distrustEntry))].sort(),
    tls: {
      protocol: doc.handshake.protocol,
      versions: doc.handshake.versions
        ? doc.handshake.versions.filter((v) => v.supported).map((v) => v.version)
        : null,
    },
    error: chain.length === 0 ? (doc.handshake.failure?.message ?? "the server sent no certificate") : null,
  };
}

/** The summary of a target that could not be checked at all (a bad line, a store that does not load). */
export function errorSummary(
  status: "failed" | "invalid",
  error: string,
  checkedAt: Date,
  clients: readonly string[] = [],
): ResultSummary {
  return {
    checkedAt: checkedAt.toISOString(),
    status,
    chain: [],
    root: null,
    clients: clients.map((client) => ({ client, status: "untrusted", code: status })),
    findings: [],
    distrust: [],
    tls: { protocol: null, versions: null },
    error,
  };
}
