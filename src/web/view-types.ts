/**
 * The shapes of the chain views the server sends (src/web/views.ts) and the pages draw (web/src/chain.tsx).
 * No imports: the web app type-checks this file with its own (browser) settings.
 */

/** One certificate as the pages show it. */
export interface CertSummary {
  sha256: string;
  label: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  selfSigned: boolean;
  ca: boolean;
  key: string;
  signature: string;
  dnsNames: string[];
  caIssuers: string[];
  expired: boolean;
  pem: string;
}

/** Where a client's path stops short of a trust anchor. */
export interface PathEnd {
  /** "gap": the issuer of the last certificate is missing; "untrusted-root": it ends at a root not trusted. */
  kind: "gap" | "untrusted-root";
  /** The missing issuer's name (gap). */
  issuer?: string;
  /** Its key identifier (AKI of the last certificate), hex. */
  aki?: string;
  /** Where the last certificate says its issuer can be downloaded. */
  caIssuers?: string[];
  /** A known certificate that would fill the gap (from a store, the FPKI bundle, or fetched). */
  known?: { subject: string; sha256: string; source: string };
}
