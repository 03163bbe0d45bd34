/**
 * What linting adds to decoding: the certificate linter (src/lint) against our parser on the same
 * certificates in the same process (the bundled Mozilla roots and Federal PKI CAs), as a ratio.
 *
 *   npm run build && node dist/bench/lint.js
 */

import { lintSummary } from "../src/lint/index.js";
import { loadFpkiCatalog, loadMozillaRoots } from "../src/trust/bundled.js";
import { parseCertificate } from "../src/x509/certificate.js";

const ders = [...loadMozillaRoots(), ...loadFpkiCatalog().certificates].map((r) => r.der);
const ROUNDS = 10;

function perCertificateMs(f: (der: Uint8Array) => void): number {
  for (const der of ders) f(der); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) for (const der of ders) f(der);
  return Number(process.hrtime.bigint() - start) / 1e6 / (ROUNDS * ders.length);
}

const parse = perCertificateMs((der) => parseCertificate(der));
const parseAndLint = perCertificateMs((der) => lintSummary(parseCertificate(der)));
process.stdout.write(
  `${ders.length} certificates: parse ${parse.toFixed(3)} ms each, parse + lints ${parseAndLint.toFixed(3)} ms each ` +
    `(${(parseAndLint / parse).toFixed(1)}× the parse alone)\n`,
);
