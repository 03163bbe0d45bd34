/**
 * The U.S. Federal PKI (bundled: see ./data/README.md). Federal Common Policy CA G2 is the only anchor;
 * the bundle's other CA certificates form the catalog of known intermediates (for chain repair), and
 * are never anchors themselves.
 */

import type { Certificate } from "../x509/certificate.js";
import { loadFpkiCatalog, parseBundled } from "./bundled.js";
import { mozillaStore } from "./mozilla.js";
import type { TrustStore } from "./store.js";

let parsed: { anchor: Certificate; others: readonly Certificate[] } | undefined;

function load(): { anchor: Certificate; others: readonly Certificate[] } {
  if (!parsed) {
    const cat = loadFpkiCatalog();
    const all = cat.certificates.map(parseBundled);
    const anchorSha = cat.anchorSha256.toLowerCase();
    const anchor = all.find((c) => c.sha256 === anchorSha);
    if (!anchor) throw new Error("bundled fpki.json: anchor certificate missing");
    parsed = { anchor, others: Object.freeze(all.filter((c) => c !== anchor)) };
  }
  return parsed;
}

/** Every bundled FPKI CA certificate, the anchor included (151). */
export function fpkiCertificates(): Certificate[] {
  const { anchor, others } = load();
  return [anchor, ...others];
}

export function fpkiStore(now: Date = new Date()): TrustStore {
  const cat = loadFpkiCatalog();
  const { anchor, others } = load();
  const expired = others.filter((c) => c.notAfter < now).length;
  return {
    id: "fpki",
    name: "U.S. Federal PKI (Federal Common Policy CA G2)",
    source: cat.source,
    date: cat.date,
    anchors: [{ cert: anchor, name: anchor.label, trustSource: "fpki" }],
    catalog: [...others],
    notes: [
      `${others.length} FPKI CA certificates are known intermediates (catalog), not anchors`,
      `${expired} of them are past notAfter as of ${now.toISOString().slice(0, 10)}`,
    ],
  };
}

/**
 * Mozilla's TLS roots plus the FPKI anchor: the baseline Salesforce's article names for the roots an org
 * trusts (its /cacerts.jsp list adds and drops roots on top). The FPKI intermediates stay a catalog.
 */
export function mozillaFpkiStore(now: Date = new Date()): TrustStore {
  const mozilla = mozillaStore();
  const fpki = fpkiStore(now);
  const known = new Set(mozilla.anchors.map((a) => a.cert.sha256));
  const extra = fpki.anchors.filter((a) => !known.has(a.cert.sha256));
  return {
    id: "mozilla+fpki",
    name: `${mozilla.name} + U.S. Federal PKI`,
    source: `${mozilla.source}; ${fpki.source}`,
    ...(mozilla.date ? { date: mozilla.date } : {}),
    anchors: [...mozilla.anchors, ...extra],
    catalog: fpki.catalog,
    notes: [
      `Mozilla's ${mozilla.anchors.length} TLS roots plus the Federal PKI anchor (${extra.map((a) => a.name).join(", ")}): ` +
        "the baseline Salesforce names for the roots its orgs trust; an org's own list (salesforce:FILE) can differ",
      ...mozilla.notes,
      ...fpki.notes,
    ],
  };
}
