/**
 * The rules the keystore applies, as Salesforce's Certificate and Key Management applies them, and the
 * public-CA lifetime limits of the CA/Browser Forum Baseline Requirements.
 */

import { isIP } from "node:net";
import { isPublicSuffix } from "../verify/psl.js";
import type { KeyAlgorithm } from "../x509/builder.js";
import type { Certificate } from "../x509/certificate.js";

const DAY = 86_400_000;

/** The key choices `keys create` offers (Salesforce: RSA 2048/3072/4096; EC for our own use). */
export const CREATE_KEYS = [
  "rsa2048",
  "rsa3072",
  "rsa4096",
  "ec-p256",
  "ec-p384",
] as const satisfies readonly KeyAlgorithm[];
export type CreateKey = (typeof CREATE_KEYS)[number];

/**
 * Salesforce's Unique Name: letters, digits and underscores, starting with a letter, no two underscores in a
 * row, not ending with an underscore; at most 80 characters. Returns the problem, or undefined when valid.
 */
export function uniqueNameProblem(name: string): string | undefined {
  if (name.length === 0) return "a name is required";
  if (name.length > 80) return "a name is at most 80 characters";
  if (!/^[A-Za-z0-9_]+$/.test(name)) return "a name may contain only letters, digits and underscores";
  if (!/^[A-Za-z]/.test(name)) return "a name must begin with a letter";
  if (name.includes("__")) return "a name may not contain two underscores in a row";
  if (name.endsWith("_")) return "a name may not end with an underscore";
  return undefined;
}

/** Turn a keystore alias into a valid unique name ("my-cert.2024" → "my_cert_2024"). */
export function nameFromAlias(alias: string): string {
  let n = alias
    .replace(/[^A-Za-z0-9_]+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!/^[A-Za-z]/.test(n)) n = `K_${n}`.replace(/_+$/, "");
  return n.slice(0, 80).replace(/_+$/, "") || "Imported";
}

/** Salesforce's self-signed lifetime: 1 year, 2 years for RSA 4096. */
export function defaultSelfSignedDays(key: KeyAlgorithm): number {
  return key === "rsa4096" ? 730 : 365;
}

/**
 * Longest lifetime of a publicly trusted TLS certificate (CA/Browser Forum BR §6.3.2, ballot SC-081),
 * by its notBefore: 398 days; 200 from 2026-03-15; 100 from 2027-03-15; 47 from 2029-03-15.
 */
export function publicCaMaxDays(notBefore: Date): number {
  const t = notBefore.getTime();
  if (t < Date.UTC(2026, 2, 15)) return 398;
  if (t < Date.UTC(2027, 2, 15)) return 200;
  if (t < Date.UTC(2029, 2, 15)) return 100;
  return 47;
}

/** Validity period in days as the BRs count it: notAfter − notBefore plus one second, both ends included. */
export function lifetimeDays(cert: Certificate): number {
  return (cert.notAfter.getTime() - cert.notBefore.getTime() + 1000) / DAY;
}

/** The problem with a CA-signed certificate's lifetime against the public-CA maximum, if any. */
export function lifetimeProblem(cert: Certificate): string | undefined {
  const max = publicCaMaxDays(cert.notBefore);
  const days = lifetimeDays(cert);
  if (days <= max) return undefined;
  return (
    `the certificate is valid for ${Math.floor(days)} days; a publicly trusted certificate issued on ` +
    `${cert.notBefore.toISOString().slice(0, 10)} may be valid for at most ${max} days (CA/Browser Forum BR 6.3.2)`
  );
}

const SALESFORCE_DOMAINS = [
  "salesforce.com",
  "force.com",
  "my.salesforce.com",
  "my.site.com",
  "salesforce-sites.com",
  "visualforce.com",
  "lightning.force.com",
  "cloudforce.com",
  "database.com",
  "sfdcopens.com",
];

/**
 * Warnings for a CN that does not look like the user's own name: an IP address, a bare public suffix, or a
 * Salesforce domain. (A CN that is no domain name at all, like "Integration_Cert", is normal.)
 */
export function commonNameWarnings(cn: string): string[] {
  const out: string[] = [];
  const host = cn.trim().toLowerCase().replace(/\.$/, "");
  if (isIP(host.replace(/^\[|\]$/g, ""))) {
    out.push(
      `the CN "${cn}" is an IP address: certificates name their owner by a domain name, and an IP address in the CN is ignored by most clients (put it in a SAN if a server must match it)`,
    );
    return out;
  }
  const base = host.startsWith("*.") ? host.slice(2) : host;
  if (base.includes(".") && isPublicSuffix(base)) {
    out.push(
      `the CN "${cn}" is a public suffix (like "co.uk"), not a domain anyone can own: use a name in your own domain`,
    );
  } else if (/^[a-z]{2,63}$/.test(base) && isPublicSuffix(base) && host.startsWith("*.")) {
    out.push(`the CN "${cn}" covers a whole top-level domain: use a name in your own domain`);
  }
  const sf = SALESFORCE_DOMAINS.find((d) => base === d || base.endsWith(`.${d}`));
  if (sf) {
    out.push(
      `the CN "${cn}" is in ${sf}, which belongs to Salesforce: a certificate your org presents should carry a name in your own domain`,
    );
  }
  return out;
}
