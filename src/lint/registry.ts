/**
 * The lint registry and runner: every lint of ./rules/ in one list, and `lintCertificate`, which runs them
 * on one certificate. Pure and synchronous: no I/O, no clock (a lint applies by the certificate's notBefore).
 */

import type { Certificate } from "../x509/certificate.js";
import { ACCESS_LINTS } from "./rules/access.js";
import { CA_LINTS } from "./rules/ca.js";
import { EXTENSION_LINTS } from "./rules/extensions.js";
import { KEY_LINTS } from "./rules/keys.js";
import { NAME_LINTS } from "./rules/names.js";
import { POLICY_LINTS } from "./rules/policies.js";
import { SAN_LINTS } from "./rules/san.js";
import { SERIAL_LINTS } from "./rules/serial.js";
import { SIGNATURE_LINTS } from "./rules/signature.js";
import { USAGE_LINTS } from "./rules/usage.js";
import { VALIDITY_LINTS } from "./rules/validity.js";
import type {
  CertificateLintReport,
  CertificateLints,
  Lint,
  LintContext,
  LintFinding,
  LintResult,
  LintSeverity,
  LintSource,
} from "./types.js";
import { kindOf } from "./util.js";

/** The lints by family (one file of ./rules/ each), in the order docs/lints.md lists them. */
export const LINT_FAMILIES: readonly { name: string; lints: readonly Lint[] }[] = [
  { name: "Serial numbers", lints: SERIAL_LINTS },
  { name: "Validity periods", lints: VALIDITY_LINTS },
  { name: "Public keys", lints: KEY_LINTS },
  { name: "Signature algorithms", lints: SIGNATURE_LINTS },
  { name: "Extensions: presence and criticality", lints: EXTENSION_LINTS },
  { name: "Key usage and extended key usage", lints: USAGE_LINTS },
  { name: "CA certificate profiles", lints: CA_LINTS },
  { name: "subjectAltName and commonName", lints: SAN_LINTS },
  { name: "Name encodings", lints: NAME_LINTS },
  { name: "Certificate policies", lints: POLICY_LINTS },
  { name: "AIA and CRL distribution points", lints: ACCESS_LINTS },
];

/** Every lint. */
export const LINTS: readonly Lint[] = LINT_FAMILIES.flatMap((f) => f.lints);

const BY_ID = new Map(LINTS.map((l) => [l.id, l]));

export function lintById(id: string): Lint | undefined {
  return BY_ID.get(id);
}

/** "RFC 5280 4.1.2.2", "CA/B Forum BR 7.1.2.7.10". */
export function sourceText(s: LintSource): string {
  return `${s.document} ${s.section}`;
}

const SEVERITY_ORDER: Record<LintSeverity, number> = { error: 0, warning: 1, notice: 2 };

/** The notBefore day as YYYY-MM-DD, which compares with the lints' dates as text. */
const issuedOn = (cert: Certificate): string => cert.notBefore.toISOString().slice(0, 10);

/** Run one lint: whether it applies (kind, date, scope), and if so what it finds. */
export function runLint(
  lint: Lint,
  cert: Certificate,
  kind = kindOf(cert),
  day = issuedOn(cert),
): LintResult {
  if (!lint.kinds.includes(kind)) return { id: lint.id, status: "not-applicable" };
  if (day < lint.effective || (lint.ineffective !== undefined && day >= lint.ineffective)) {
    return { id: lint.id, status: "not-effective" };
  }
  if (lint.applies && !lint.applies(cert)) return { id: lint.id, status: "not-applicable" };
  const found = lint.check(cert, kind);
  const messages = found === undefined ? [] : typeof found === "string" ? [found] : [...found];
  return messages.length ? { id: lint.id, status: "fail", messages } : { id: lint.id, status: "pass" };
}

/** Run every lint on one certificate: what fired (errors first), the counts, and each lint's outcome. */
export function lintCertificate(cert: Certificate, context: LintContext = {}): CertificateLintReport {
  const kind = context.kind ?? kindOf(cert);
  const day = issuedOn(cert);
  const results = LINTS.map((l) => runLint(l, cert, kind, day));
  const counts = { error: 0, warning: 0, notice: 0, passed: 0, notApplicable: 0, notEffective: 0 };
  const findings: LintFinding[] = [];
  for (const r of results) {
    if (r.status === "pass") counts.passed++;
    else if (r.status === "not-applicable") counts.notApplicable++;
    else if (r.status === "not-effective") counts.notEffective++;
    else {
      const lint = BY_ID.get(r.id) as Lint;
      counts[lint.severity]++;
      findings.push({
        id: lint.id,
        severity: lint.severity,
        description: lint.description,
        source: sourceText(lint.source),
        messages: r.messages ?? [],
      });
    }
  }
  findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  return { kind, findings, counts, results };
}

/** The lints that fired on one certificate, compactly: what decode and the web app show per certificate. */
export function lintSummary(cert: Certificate, context: LintContext = {}): CertificateLints {
  const report = lintCertificate(cert, context);
  const { error, warning, notice } = report.counts;
  return { kind: report.kind, counts: { error, warning, notice }, findings: report.findings };
}
