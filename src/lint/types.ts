/**
 * The shape of a lint (in the manner of zlint and pkilint): one rule about how a single certificate is built,
 * with where the rule comes from, how bad breaking it is, and from which date and for which certificates it
 * holds. The rules themselves are in ./rules/, one object per lint; ./registry.ts runs them.
 */

import type { Certificate } from "../x509/certificate.js";

/**
 * error: the source says MUST / MUST NOT (a CA that breaks it mis-issued); warning: SHOULD / SHOULD NOT;
 * notice: NOT RECOMMENDED, deprecated, or worth knowing. The id's prefix says the same (e_, w_, n_).
 */
export type LintSeverity = "error" | "warning" | "notice";

/** root: a self-issued CA certificate; intermediate: any other CA certificate; subscriber: not a CA. */
export type CertificateKind = "root" | "intermediate" | "subscriber";

export const CERTIFICATE_KINDS: readonly CertificateKind[] = ["root", "intermediate", "subscriber"];

/** The documents rules come from. */
export type LintSourceDocument =
  | "RFC 5280"
  | "RFC 3279"
  | "RFC 4055"
  | "RFC 5480"
  | "RFC 5758"
  | "RFC 6962"
  | "RFC 8410"
  | "CA/B Forum BR"
  | "CA/B Forum EV Guidelines"
  | "Mozilla Root Store Policy";

export interface LintSource {
  document: LintSourceDocument;
  /** The section the rule is in, e.g. "4.1.2.2" or "7.1.2.7.10". */
  section: string;
}

/** What a lint may know besides the certificate. */
export interface LintContext {
  /** The certificate's kind, when its caller knows it (a chain position); otherwise worked out (kindOf). */
  kind?: CertificateKind;
}

/** What is wrong: one message per problem; undefined or an empty list when the certificate keeps the rule. */
export type LintProblems = string | readonly string[] | undefined;

export interface Lint {
  /** Stable id: e_/w_/n_ by severity, then what the rule is about in snake case (e_serial_number_zero). */
  id: string;
  /** One line: the rule, as its source states it. */
  description: string;
  source: LintSource;
  severity: LintSeverity;
  /** YYYY-MM-DD: the rule holds for certificates whose notBefore is on or after it. */
  effective: string;
  /** YYYY-MM-DD: a later rule replaced this one for certificates whose notBefore is on or after it. */
  ineffective?: string;
  /** The kinds of certificate the rule is about. */
  kinds: readonly CertificateKind[];
  /** A narrower scope than the kinds, e.g. "subscriber certificates usable for TLS server authentication". */
  applies?: (cert: Certificate) => boolean;
  /** The scope `applies` checks, in words, for the documentation. */
  scope?: string;
  check: (cert: Certificate, kind: CertificateKind) => LintProblems;
}

/** pass: checked and kept; fail: broken; not-applicable: another kind or scope; not-effective: by date. */
export type LintStatus = "pass" | "fail" | "not-applicable" | "not-effective";

export interface LintResult {
  id: string;
  status: LintStatus;
  /** What is wrong, when status is "fail". */
  messages?: string[];
}

/** A lint that fired, with what a reader needs to act on it. */
export interface LintFinding {
  id: string;
  severity: LintSeverity;
  description: string;
  /** e.g. "RFC 5280 4.1.2.2". */
  source: string;
  messages: string[];
}

export interface CertificateLintReport {
  kind: CertificateKind;
  /** The lints that fired, errors first. */
  findings: LintFinding[];
  counts: {
    error: number;
    warning: number;
    notice: number;
    passed: number;
    notApplicable: number;
    notEffective: number;
  };
  /** Every lint's outcome, in registry order. */
  results: LintResult[];
}

/** The lints that fired on one certificate, without the passes: the `lints` member of a decoded certificate. */
export interface CertificateLints {
  /** root, intermediate or subscriber: which lints applied depends on it. */
  kind: CertificateKind;
  /** How many lints fired, by severity. */
  counts: { error: number; warning: number; notice: number };
  /** The lints that fired, errors first. */
  findings: LintFinding[];
}
