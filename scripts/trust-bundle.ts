/**
 * The on-disk form of a bundled certificate set (data/mozilla.*, data/fpki.*), written by gen-mozilla.ts and
 * gen-fpki.ts and read by src/trust/bundled.ts:
 *
 * - NAME.der: every certificate's DER, concatenated in record order (no separators, no base64);
 * - NAME.json: the data set's provenance and its records, each with `derOffset`/`derLength` into NAME.der
 *   instead of the DER, and the RFC 5280 match keys of its subject and issuer (`Name.matchKey`), so that
 *   chainproof finds the bundled issuers of a chain without parsing the whole set, and `checkedSelfSigned`,
 *   the product's own `Certificate.selfSigned` (a signature check that would otherwise run for every root at
 *   every start); all three null when the product's parser rejects the certificate.
 *
 * Start-up reads a few hundred bytes of JSON per certificate and parses the DER of only those it needs.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseCertificate } from "../src/x509/certificate.js";

export interface BundleRecord {
  der: Uint8Array;
}

/** Writes `doc` with `doc[key]` = `records` (DER moved out) to jsonPath, and the DERs to jsonPath's `.der`. */
export function writeCertificateBundle(
  jsonPath: string,
  doc: Record<string, unknown>,
  key: string,
  records: readonly BundleRecord[],
): string {
  const derPath = jsonPath.replace(/\.json$/, ".der");
  let offset = 0;
  const index = records.map(({ der, ...rest }) => {
    const keys = parsedFacts(der);
    const entry = { ...rest, derOffset: offset, derLength: der.length, ...keys };
    offset += der.length;
    return entry;
  });
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(derPath, Buffer.concat(records.map((r) => r.der)));
  writeFileSync(jsonPath, `${JSON.stringify({ ...doc, [key]: index }, null, 2)}\n`);
  return derPath;
}

function parsedFacts(der: Uint8Array): {
  subjectKey: string | null;
  issuerKey: string | null;
  checkedSelfSigned: boolean | null;
} {
  try {
    const cert = parseCertificate(der);
    return {
      subjectKey: cert.subject.matchKey,
      issuerKey: cert.issuer.matchKey,
      checkedSelfSigned: cert.selfSigned,
    };
  } catch {
    return { subjectKey: null, issuerKey: null, checkedSelfSigned: null };
  }
}
