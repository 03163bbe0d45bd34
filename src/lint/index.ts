/** Certificate lints (issue 18): rules about how one certificate is built, with their sources. */

export { lintsMarkdown } from "./docs.js";

export {
  LINT_FAMILIES,
  LINTS,
  lintById,
  lintCertificate,
  lintSummary,
  runLint,
  sourceText,
} from "./registry.js";
export type {
  CertificateKind,
  CertificateLintReport,
  CertificateLints,
  Lint,
  LintContext,
  LintFinding,
  LintResult,
  LintSeverity,
  LintSource,
  LintStatus,
} from "./types.js";
export { kindOf } from "./util.js";
