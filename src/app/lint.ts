/**
 * The lint use case: every certificate of one or more inputs (any format decode reads) run through the
 * certificate linter (src/lint), as the document `chainproof lint --json` prints
 * (docs/schemas/lint.schema.json). Inputs are read as decode reads them: one that cannot be read becomes an
 * entry of `errors` and never hides the others.
 */

import { type CertificateLints, LINTS, lintSummary } from "../lint/index.js";
import type { Certificate } from "../x509/certificate.js";
import type { CertificateOrigin } from "../x509/input.js";
import type { DecodeErrorJson } from "../x509/json.js";
import { type DecodeOptions, runDecode } from "./decode.js";

export const LINT_SCHEMA = "chainproof/lint";
export const LINT_SCHEMA_VERSION = 1;

export interface LintedCertificateJson extends CertificateLints {
  /** The file as the user named it, the certificate's 1-based position in it, and its PEM block's line. */
  source: { file: string; position: number; line?: number };
  subject: string;
  issuer: string;
  /** Uppercase hexadecimal of the serial number's content octets. */
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  sha256: string;
}

export interface LintDocument {
  schema: typeof LINT_SCHEMA;
  version: typeof LINT_SCHEMA_VERSION;
  generatedAt: string;
  /** How many lints were run on each certificate. */
  lints: number;
  certificates: LintedCertificateJson[];
  errors: DecodeErrorJson[];
  /** Fired lints over all certificates, by severity. */
  totals: { certificates: number; error: number; warning: number; notice: number };
}

const iso = (d: Date) => d.toISOString().replace(/\.000Z$/, "Z");

function lintedCertificate(cert: Certificate, origin: CertificateOrigin): LintedCertificateJson {
  return {
    source: {
      file: origin.source,
      position: origin.position,
      ...(origin.line !== undefined ? { line: origin.line } : {}),
    },
    subject: cert.subject.toString(),
    issuer: cert.issuer.toString(),
    serialNumber: cert.serialNumber.toUpperCase(),
    notBefore: iso(cert.notBefore),
    notAfter: iso(cert.notAfter),
    sha256: cert.sha256.toUpperCase(),
    ...lintSummary(cert),
  };
}

/** Lint every certificate of the inputs: the `chainproof lint --json` document. */
export async function lint(o: DecodeOptions, now = new Date()): Promise<LintDocument> {
  const run = await runDecode(o);
  const certificates = run.certificates.map((c) => lintedCertificate(c.cert, c.origin));
  const totals = { certificates: certificates.length, error: 0, warning: 0, notice: 0 };
  for (const c of certificates) {
    totals.error += c.counts.error;
    totals.warning += c.counts.warning;
    totals.notice += c.counts.notice;
  }
  return {
    schema: LINT_SCHEMA,
    version: LINT_SCHEMA_VERSION,
    generatedAt: iso(now),
    lints: LINTS.length,
    certificates,
    errors: run.errors,
    totals,
  };
}
