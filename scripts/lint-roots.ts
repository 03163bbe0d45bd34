/**
 * Run the certificate linter over the bundled trust data (data/mozilla.json: every root of Mozilla's NSS
 * store; data/fpki.json: the Federal PKI CAs under Federal Common Policy CA G2) and print, per data set, how
 * many certificates each lint fired on. Real CAs break rules: this is the report a CA would read, not a test.
 *
 *   npm run build && node dist/scripts/lint-roots.js [--json]
 */

import { lintCertificate } from "../src/lint/index.js";
import type { LintSeverity } from "../src/lint/types.js";
import { loadFpkiCatalog, loadMozillaRoots, parseBundled } from "../src/trust/bundled.js";
import type { Certificate } from "../src/x509/certificate.js";

interface DataSetReport {
  name: string;
  certificates: number;
  /** Certificates on which at least one error-severity lint fired. */
  withErrors: number;
  /** Certificates each lint fired on, most first. */
  lints: { id: string; severity: LintSeverity; certificates: number }[];
}

function report(name: string, certs: Certificate[]): DataSetReport {
  const counts = new Map<string, { severity: LintSeverity; certificates: number }>();
  let withErrors = 0;
  for (const cert of certs) {
    const { findings, counts: c } = lintCertificate(cert);
    if (c.error > 0) withErrors++;
    for (const f of findings) {
      const entry = counts.get(f.id) ?? { severity: f.severity, certificates: 0 };
      entry.certificates++;
      counts.set(f.id, entry);
    }
  }
  const lints = [...counts]
    .map(([id, v]) => ({ id, ...v }))
    .sort((a, b) => b.certificates - a.certificates || a.id.localeCompare(b.id));
  return { name, certificates: certs.length, withErrors, lints };
}

const reports = [
  report("Mozilla NSS roots (data/mozilla.json)", loadMozillaRoots().map(parseBundled)),
  report("Federal PKI CAs (data/fpki.json)", loadFpkiCatalog().certificates.map(parseBundled)),
];

if (process.argv.includes("--json")) {
  process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
} else {
  for (const r of reports) {
    process.stdout.write(
      `${r.name}: ${r.certificates} certificates, ${r.withErrors} with at least one error\n`,
    );
    for (const l of r.lints) process.stdout.write(`  ${String(l.certificates).padStart(4)}  ${l.id}\n`);
    process.stdout.write("\n");
  }
}
