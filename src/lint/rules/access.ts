/** Authority information access and CRL distribution points: presence and URL forms (RFC 5280, BR 7.1.2). */

import type { Certificate } from "../../x509/certificate.js";
import { OID } from "../../x509/oids.js";
import type { Lint } from "../types.js";
import {
  BR_DATE,
  BR_PROFILES_DATE,
  each,
  INTERMEDIATE,
  ISSUED,
  isTlsServer,
  ROOT,
  SUBSCRIBER,
  TLS_SERVER_SCOPE,
  uris,
} from "../util.js";

const accessUris = (c: Certificate, method: string) =>
  uris((c.authorityInfoAccess ?? []).filter((a) => a.method === method).map((a) => a.location));
const crlUris = (c: Certificate) => uris((c.crlDistributionPoints ?? []).flatMap((d) => d.names));
const hasOcsp = (c: Certificate) => accessUris(c, OID.ocsp).length > 0;
const tls = { applies: isTlsServer, scope: TLS_SERVER_SCOPE };

/** An access method's locations must be http:// URLs (BR 7.1.2.7.7 and 7.1.2.10.3). */
function httpOnly(id: string, method: string, name: string): Lint {
  return {
    id,
    description: `The AIA ${name} locations MUST be HTTP URLs`,
    source: { document: "CA/B Forum BR", section: "7.1.2.7.7" },
    severity: "error",
    effective: BR_PROFILES_DATE,
    kinds: ISSUED,
    check: (c) => {
      const all = (c.authorityInfoAccess ?? []).filter((a) => a.method === method).map((a) => a.location);
      return each(all, (g) =>
        g.type === "uri" && /^http:\/\//i.test(g.value)
          ? undefined
          : `${name} "${g.value}" is not an http:// URL`,
      );
    },
  };
}

export const ACCESS_LINTS: Lint[] = [
  {
    id: "e_subscriber_authority_info_access_missing",
    description: "Subscriber certificates MUST include authorityInfoAccess",
    source: { document: "CA/B Forum BR", section: "7.1.2.7.7" },
    severity: "error",
    effective: BR_DATE,
    kinds: SUBSCRIBER,
    ...tls,
    check: (c) => (c.hasExtension(OID.authorityInfoAccess) ? undefined : "there is no authorityInfoAccess"),
  },
  {
    id: "e_subscriber_ocsp_missing",
    description: "Subscriber certificates issued before ballot SC-063 MUST give an OCSP responder URL",
    source: { document: "CA/B Forum BR", section: "7.1.2.3" },
    severity: "error",
    effective: BR_DATE,
    ineffective: "2024-03-15",
    kinds: SUBSCRIBER,
    ...tls,
    check: (c) => (hasOcsp(c) ? undefined : "there is no OCSP URL"),
  },
  {
    id: "e_subscriber_no_revocation_information",
    description:
      "A subscriber certificate without an OCSP URL MUST give a CRL distribution point (ballot SC-063)",
    source: { document: "CA/B Forum BR", section: "7.1.2.11.2" },
    severity: "error",
    effective: "2024-03-15",
    kinds: SUBSCRIBER,
    ...tls,
    check: (c) =>
      hasOcsp(c) || crlUris(c).length ? undefined : "neither an OCSP URL nor a CRL distribution point",
  },
  {
    id: "w_subscriber_ca_issuers_missing",
    description: "Subscriber certificates SHOULD give the issuing CA's certificate URL (caIssuers)",
    source: { document: "CA/B Forum BR", section: "7.1.2.7.7" },
    severity: "warning",
    effective: BR_PROFILES_DATE,
    kinds: SUBSCRIBER,
    ...tls,
    check: (c) => (accessUris(c, OID.caIssuers).length ? undefined : "there is no caIssuers URL"),
  },
  httpOnly("e_aia_ocsp_not_http", OID.ocsp, "OCSP"),
  httpOnly("e_aia_ca_issuers_not_http", OID.caIssuers, "caIssuers"),
  {
    id: "e_crl_distribution_point_not_http",
    description: "CRL distribution point names MUST be HTTP URLs",
    source: { document: "CA/B Forum BR", section: "7.1.2.11.2" },
    severity: "error",
    effective: BR_PROFILES_DATE,
    kinds: ISSUED,
    check: (c) =>
      each(
        (c.crlDistributionPoints ?? []).flatMap((d) => d.names),
        (g) =>
          g.type === "uri" && /^http:\/\//i.test(g.value)
            ? undefined
            : `CRL location "${g.value}" is not an http:// URL`,
      ),
  },
  {
    id: "e_crl_distribution_point_reasons_or_issuer",
    description: "CRL distribution points MUST NOT carry reasons or cRLIssuer, and MUST carry a fullName",
    source: { document: "CA/B Forum BR", section: "7.1.2.11.2" },
    severity: "error",
    effective: BR_PROFILES_DATE,
    kinds: ISSUED,
    check: (c) =>
      each(c.crlDistributionPoints ?? [], (d) =>
        d.reasons !== undefined
          ? "a distribution point with reasons"
          : d.crlIssuer
            ? "a distribution point with cRLIssuer"
            : d.names.length === 0
              ? "a distribution point without a fullName"
              : undefined,
      ),
  },
  {
    id: "e_intermediate_crl_distribution_points_missing",
    description: "Subordinate CA certificates MUST include cRLDistributionPoints",
    source: { document: "CA/B Forum BR", section: "7.1.2.10.1" },
    severity: "error",
    effective: BR_DATE,
    kinds: INTERMEDIATE,
    check: (c) => (crlUris(c).length ? undefined : "there is no CRL distribution point URL"),
  },
  {
    id: "w_intermediate_authority_info_access_missing",
    description: "Subordinate CA certificates SHOULD include authorityInfoAccess with caIssuers",
    source: { document: "CA/B Forum BR", section: "7.1.2.10.3" },
    severity: "warning",
    effective: BR_DATE,
    kinds: INTERMEDIATE,
    check: (c) => (accessUris(c, OID.caIssuers).length ? undefined : "there is no caIssuers URL"),
  },
  {
    id: "n_root_authority_info_access_present",
    description: "authorityInfoAccess is NOT RECOMMENDED in root CA certificates",
    source: { document: "CA/B Forum BR", section: "7.1.2.1.2" },
    severity: "notice",
    effective: BR_PROFILES_DATE,
    kinds: ROOT,
    check: (c) => (c.hasExtension(OID.authorityInfoAccess) ? "a root with authorityInfoAccess" : undefined),
  },
  {
    id: "n_root_crl_distribution_points_present",
    description: "cRLDistributionPoints is NOT RECOMMENDED in root CA certificates",
    source: { document: "CA/B Forum BR", section: "7.1.2.1.2" },
    severity: "notice",
    effective: BR_PROFILES_DATE,
    kinds: ROOT,
    check: (c) =>
      c.hasExtension(OID.crlDistributionPoints) ? "a root with cRLDistributionPoints" : undefined,
  },
];
