/** Certificate policies: reserved OIDs, DV/OV/IV/EV subject contents, qualifiers (BR 7.1.2/7.1.6, EV 9.2). */

import type { Certificate } from "../../x509/certificate.js";
import { OID, POLICY_NAMES } from "../../x509/oids.js";
import type { Lint, LintSource } from "../types.js";
import {
  ALL,
  ATTR,
  attributes,
  BR_DATE,
  BR_PROFILES_DATE,
  each,
  hasPolicy,
  INTERMEDIATE,
  isHttpUrl,
  POLICY,
  RESERVED_TLS_POLICIES,
  RFC5280_DATE,
  ROOT,
  SUBSCRIBER,
} from "../util.js";

const policyName = (oid: string) => POLICY_NAMES[oid] ?? oid;

/** A rule about the subject of certificates that assert one validation policy (DV, OV, IV or EV). */
function subjectRule(
  id: string,
  policy: string,
  source: LintSource,
  description: string,
  problem: (c: Certificate) => string | undefined,
): Lint {
  return {
    id,
    description,
    source,
    severity: "error",
    effective: BR_DATE,
    kinds: SUBSCRIBER,
    applies: (c) => hasPolicy(c, policy),
    scope: `subscriber certificates asserting ${policyName(policy)} (${policy})`,
    check: problem,
  };
}

const BR_DV = { document: "CA/B Forum BR", section: "7.1.2.7.2" } as const;
const BR_OV = { document: "CA/B Forum BR", section: "7.1.2.7.4" } as const;
const BR_IV = { document: "CA/B Forum BR", section: "7.1.2.7.3" } as const;

/** DV certificates name a domain, never an organisation or a place (BR 7.1.2.7.2). */
function dvConflict(id: string, oid: string, name: string): Lint {
  return subjectRule(id, POLICY.dv, BR_DV, `Domain-validated certificates MUST NOT include ${name}`, (c) =>
    attributes(c, oid).length ? `a DV certificate with ${name}` : undefined,
  );
}

/** A subject attribute EV certificates must carry (EV Guidelines 9.2). */
function evRequires(id: string, oid: string, name: string, section: string): Lint {
  return subjectRule(
    id,
    POLICY.ev,
    { document: "CA/B Forum EV Guidelines", section },
    `EV certificates MUST include ${name}`,
    (c) => (attributes(c, oid).length ? undefined : `an EV certificate without ${name}`),
  );
}

const present = (c: Certificate, oid: string) => attributes(c, oid).length > 0;

export const POLICY_LINTS: Lint[] = [
  {
    id: "e_subscriber_reserved_policy_missing",
    description:
      "Subscriber TLS certificates MUST assert one CA/Browser Forum reserved policy (DV, OV, IV or EV)",
    source: { document: "CA/B Forum BR", section: "7.1.2.7.9" },
    severity: "error",
    effective: BR_PROFILES_DATE,
    kinds: SUBSCRIBER,
    applies: (c) => c.extKeyUsage?.includes(OID.serverAuth) === true,
    scope: "subscriber certificates with serverAuth",
    check: (c) =>
      RESERVED_TLS_POLICIES.some((p) => hasPolicy(c, p)) ? undefined : "no CA/Browser Forum reserved policy",
  },
  {
    id: "e_subscriber_multiple_reserved_policies",
    description: "Subscriber TLS certificates MUST assert exactly one CA/Browser Forum reserved policy",
    source: { document: "CA/B Forum BR", section: "7.1.2.7.9" },
    severity: "error",
    effective: BR_PROFILES_DATE,
    kinds: SUBSCRIBER,
    check: (c) => {
      const found = RESERVED_TLS_POLICIES.filter((p) => hasPolicy(c, p));
      return found.length > 1 ? `${found.length} reserved policies: ${found.join(", ")}` : undefined;
    },
  },
  {
    id: "e_subscriber_any_policy",
    description: "Subscriber certificates MUST NOT assert anyPolicy",
    source: { document: "CA/B Forum BR", section: "7.1.2.7.9" },
    severity: "error",
    effective: BR_PROFILES_DATE,
    kinds: SUBSCRIBER,
    check: (c) => (hasPolicy(c, OID.anyPolicy) ? "anyPolicy in a subscriber certificate" : undefined),
  },
  {
    id: "e_intermediate_certificate_policies_missing",
    description: "Subordinate CA certificates MUST include certificatePolicies",
    source: { document: "CA/B Forum BR", section: "7.1.2.10.5" },
    severity: "error",
    effective: BR_PROFILES_DATE,
    kinds: INTERMEDIATE,
    check: (c) => (c.hasExtension(OID.certificatePolicies) ? undefined : "there is no certificatePolicies"),
  },
  {
    id: "n_root_certificate_policies_present",
    description: "certificatePolicies is NOT RECOMMENDED in root CA certificates",
    source: { document: "CA/B Forum BR", section: "7.1.2.1.2" },
    severity: "notice",
    effective: BR_PROFILES_DATE,
    kinds: ROOT,
    check: (c) => (c.hasExtension(OID.certificatePolicies) ? "a root with certificatePolicies" : undefined),
  },
  {
    id: "e_certificate_policies_duplicate",
    description: "A policy identifier MUST NOT appear more than once in certificatePolicies",
    source: { document: "RFC 5280", section: "4.2.1.4" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) => {
      const seen = new Set<string>();
      const twice = new Set<string>();
      for (const p of c.certificatePolicies ?? []) (seen.has(p.policyId) ? twice : seen).add(p.policyId);
      return twice.size ? `${[...twice].join(", ")} appears more than once` : undefined;
    },
  },
  {
    id: "e_cps_uri_not_http",
    description: "A CPS qualifier MUST be an HTTP or HTTPS URL",
    source: { document: "CA/B Forum BR", section: "7.1.2.10.5" },
    severity: "error",
    effective: BR_PROFILES_DATE,
    kinds: ALL,
    check: (c) =>
      each(
        (c.certificatePolicies ?? []).flatMap((p) => p.qualifiers.filter((q) => q.oid === OID.cpsQualifier)),
        (q) =>
          q.text !== undefined && isHttpUrl(q.text) ? undefined : `CPS "${q.text ?? "?"}" is not an HTTP URL`,
      ),
  },
  {
    id: "n_user_notice_present",
    description: "The userNotice policy qualifier is NOT RECOMMENDED",
    source: { document: "CA/B Forum BR", section: "7.1.2.10.5" },
    severity: "notice",
    effective: BR_PROFILES_DATE,
    kinds: ALL,
    check: (c) =>
      (c.certificatePolicies ?? []).some((p) => p.qualifiers.some((q) => q.oid === OID.userNoticeQualifier))
        ? "a policy has a userNotice"
        : undefined,
  },
  {
    id: "e_user_notice_explicit_text_too_long",
    description: "A userNotice's explicitText MUST be at most 200 characters",
    source: { document: "RFC 5280", section: "4.2.1.4" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) =>
      each(
        (c.certificatePolicies ?? []).flatMap((p) => p.qualifiers),
        (q) =>
          (q.explicitText?.length ?? 0) > 200
            ? `explicitText of ${q.explicitText?.length} characters`
            : undefined,
      ),
  },
  dvConflict("e_dv_subject_has_organization", ATTR.organization, "organizationName"),
  dvConflict("e_dv_subject_has_locality", ATTR.locality, "localityName"),
  dvConflict("e_dv_subject_has_state", ATTR.state, "stateOrProvinceName"),
  dvConflict("e_dv_subject_has_street", ATTR.street, "streetAddress"),
  dvConflict("e_dv_subject_has_postal_code", ATTR.postalCode, "postalCode"),
  subjectRule(
    "e_ov_organization_missing",
    POLICY.ov,
    BR_OV,
    "Organization-validated certificates MUST include organizationName",
    (c) => (present(c, ATTR.organization) ? undefined : "an OV certificate without organizationName"),
  ),
  subjectRule(
    "e_ov_country_missing",
    POLICY.ov,
    BR_OV,
    "Organization-validated certificates MUST include countryName",
    (c) => (present(c, ATTR.country) ? undefined : "an OV certificate without countryName"),
  ),
  subjectRule(
    "e_ov_locality_or_state_missing",
    POLICY.ov,
    BR_OV,
    "Organization-validated certificates MUST include localityName or stateOrProvinceName",
    (c) =>
      present(c, ATTR.locality) || present(c, ATTR.state)
        ? undefined
        : "an OV certificate without localityName or stateOrProvinceName",
  ),
  subjectRule(
    "e_iv_personal_name_missing",
    POLICY.iv,
    BR_IV,
    "Individual-validated certificates MUST include givenName and surname, or pseudonym",
    (c) =>
      (present(c, ATTR.givenName) && present(c, ATTR.surname)) || present(c, ATTR.pseudonym)
        ? undefined
        : "an IV certificate without a personal name",
  ),
  subjectRule(
    "e_iv_country_missing",
    POLICY.iv,
    BR_IV,
    "Individual-validated certificates MUST include countryName",
    (c) => (present(c, ATTR.country) ? undefined : "an IV certificate without countryName"),
  ),
  evRequires("e_ev_organization_missing", ATTR.organization, "organizationName", "9.2.1"),
  evRequires("e_ev_business_category_missing", ATTR.businessCategory, "businessCategory", "9.2.3"),
  evRequires(
    "e_ev_jurisdiction_country_missing",
    ATTR.jurisdictionCountry,
    "jurisdictionCountryName",
    "9.2.4",
  ),
  evRequires(
    "e_ev_serial_number_missing",
    ATTR.serialNumber,
    "serialNumber (the registration number)",
    "9.2.5",
  ),
];
