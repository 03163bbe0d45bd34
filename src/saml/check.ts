/**
 * The request→report plumbing the CLI (`chainproof saml …`) and the web app (/api/saml/…) share: which IdP
 * a configured certificate is compared with, the findings a metadata check ends with, and a Response check
 * against metadata (its IdPs, and a warning when the metadata's own signature does not verify).
 */

import type { Certificate } from "../x509/certificate.js";
import type { SamlFinding } from "./findings.js";
import { compareConfigured, type IdpEntity, type MetadataReport, type RotationReport } from "./metadata.js";
import { type ResponseReport, type VerifyOptions, verifyResponse } from "./response.js";

/** Which IdP the configured certificate belongs to: the one listing it, else every IdP (each compared). */
export function rotationsFor(idps: IdpEntity[], configured: Certificate[], at: Date): RotationReport[] {
  if (idps.length <= 1) return idps.map((i) => compareConfigured(i, configured, at));
  const owning = idps.filter((i) =>
    i.signing.some((c) => configured.some((k) => k.sha256 === c.sha256 || k.spkiSha256 === c.spkiSha256)),
  );
  return (owning.length ? owning : idps).map((i) => compareConfigured(i, configured, at));
}

export interface MetadataCheck {
  rotations: RotationReport[];
  /** The metadata's findings, then each rotation's. */
  findings: SamlFinding[];
  /** No error finding. */
  valid: boolean;
}

/** A metadata report with the SP's configured certificate(s), if any, compared against it. */
export function checkMetadata(md: MetadataReport, configured: Certificate[], at: Date): MetadataCheck {
  const rotations = configured.length ? rotationsFor(md.idps, configured, at) : [];
  const findings = [...md.findings, ...rotations.flatMap((r) => r.findings)];
  return { rotations, findings, valid: !findings.some((f) => f.severity === "error") };
}

/**
 * verifyResponse with the IdPs of a metadata report (when given), plus a warning when that metadata's own
 * signature does not verify. `metadataLabel` names the metadata in that warning (a file name).
 */
export function verifyResponseWithMetadata(
  bytes: Uint8Array,
  opts: Omit<VerifyOptions, "metadata">,
  md?: MetadataReport,
  metadataLabel?: string,
): ResponseReport {
  const report = verifyResponse(bytes, { ...opts, ...(md ? { metadata: md.idps } : {}) });
  const named = metadataLabel !== undefined ? ` (${metadataLabel})` : "";
  // When the metadata's signer was named, metadata it does not verify is not to be relied on: an error.
  const severity = md?.signature.required ? "error" : "warning";
  const problem =
    md?.signature.present && md.signature.valid === false
      ? `has a signature that does not verify: ${md.signature.problem}`
      : md?.signature.required && !md.signature.present
        ? "is not signed, but a metadata signing certificate was given"
        : undefined;
  if (problem !== undefined) {
    const f: SamlFinding = {
      code: "saml-metadata-signature-invalid",
      severity,
      message: `the metadata given${named} ${problem}`,
    };
    // Findings are listed errors first.
    if (severity === "error") {
      report.findings.unshift(f);
      report.valid = false;
    } else report.findings.push(f);
  }
  return report;
}
