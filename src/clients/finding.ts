/**
 * The one shape every finding takes across chainproof's reports (verify, check, the web page): a stable
 * code, a severity, a plain-language message, the fix, the certificate it concerns and, per client, whether
 * that client refuses the chain because of it and what it prints.
 */

import type { Certificate } from "../x509/certificate.js";
import type { ClientId, Evidence } from "./profile.js";

export type Severity = "error" | "warning" | "info";

/** A certificate as a finding names it. */
export interface CertificateRef {
  /** 1-based position in the chain as the server sent it (the file); absent when it was not sent (a store root). */
  position?: number;
  role: "leaf" | "intermediate" | "root" | "unrelated";
  /** RFC 4514 text of the subject: data from the certificate, never markup. */
  subject: string;
  /** SHA-256 of the DER, lowercase hex. */
  sha256: string;
}

export interface ClientEffect {
  /** This client refuses the chain because of this finding. */
  rejects: boolean;
  /** What the client prints, when this finding is the reason it gives. */
  error?: string;
  evidence?: Evidence;
  note?: string;
}

export interface ReportFinding {
  /** Stable identifier (see docs/verify.md for the list). */
  code: string;
  severity: Severity;
  message: string;
  fix: string;
  certificate?: CertificateRef;
  clients?: Partial<Record<ClientId, ClientEffect>>;
  /** Facts specific to the code (missing issuer and its URL, days left, names, distrust rule …). */
  data?: Record<string, unknown>;
}

export function certRef(cert: Certificate, role: CertificateRef["role"], position?: number): CertificateRef {
  const r: CertificateRef = { role, subject: cert.subject.toString(), sha256: cert.sha256 };
  if (position !== undefined) r.position = position;
  return r;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Errors first, then warnings, then information; stable otherwise. */
export function bySeverity(a: ReportFinding, b: ReportFinding): number {
  return SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity];
}
