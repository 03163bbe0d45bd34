/** Extension presence, duplicates and criticality (RFC 5280 4.2, CA/B Forum BR 7.1.2). */

import type { Certificate } from "../../x509/certificate.js";
import { EXTENSION_NAMES, OID, PATH_VALIDATION_EXTENSIONS } from "../../x509/oids.js";
import type { Lint } from "../types.js";
import {
  ALL,
  BR_DATE,
  BR_PROFILES_DATE,
  CA,
  extension,
  ISSUED,
  isTlsServer,
  RFC5280_DATE,
  SUBSCRIBER,
  TLS_SERVER_SCOPE,
} from "../util.js";

/**
 * Extensions a client can process, so that marking them critical is meaningful (RFC 5280 4.2): those a path
 * validator processes, and the TLS feature and CT poison extensions (RFC 7633, RFC 6962).
 */
const UNDERSTOOD = new Set<string>([...PATH_VALIDATION_EXTENSIONS, OID.tlsFeature, OID.ctPoison]);

const nameOf = (oid: string) => EXTENSION_NAMES[oid] ?? oid;

/** A lint that an extension, when present, has (or has not) the critical flag. */
function criticality(
  id: string,
  oid: string,
  critical: boolean,
  base: Omit<Lint, "id" | "description" | "check" | "applies" | "scope">,
  strength = "MUST",
): Lint {
  const name = nameOf(oid);
  return {
    ...base,
    id,
    description: `${name} ${strength} be marked ${critical ? "critical" : "non-critical"}`,
    applies: (c) => c.hasExtension(oid),
    scope: `certificates with ${name}`,
    check: (c) =>
      extension(c, oid)?.critical === critical ? undefined : `${name} is ${critical ? "not " : ""}critical`,
  };
}

const subscriberTls = { applies: isTlsServer, scope: TLS_SERVER_SCOPE };

export const EXTENSION_LINTS: Lint[] = [
  {
    id: "e_certificate_version_not_3",
    description: "Certificates MUST be X.509 version 3",
    source: { document: "CA/B Forum BR", section: "7.1.1" },
    severity: "error",
    effective: BR_DATE,
    kinds: ALL,
    check: (c) => (c.version === 3 ? undefined : `the certificate is version ${c.version}`),
  },
  {
    id: "e_extension_duplicate",
    description: "A certificate MUST NOT include more than one instance of an extension",
    source: { document: "RFC 5280", section: "4.2" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) =>
      c.extensionErrors
        .filter((e) => e.message === "duplicate extension")
        .map((e) => `${e.name} appears more than once`),
  },
  {
    id: "e_extension_malformed",
    description: "Extensions MUST be encoded as their ASN.1 definition says",
    source: { document: "RFC 5280", section: "4.2" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) =>
      c.extensionErrors
        .filter((e) => e.message !== "duplicate extension")
        .map((e) => `${e.name}: ${e.message}`),
  },
  {
    id: "e_unknown_critical_extension",
    description: "A critical extension that clients do not recognise makes them reject the certificate",
    source: { document: "RFC 5280", section: "4.2" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) =>
      c.extensions
        .filter((e) => e.critical && !UNDERSTOOD.has(e.oid))
        .map((e) => `${nameOf(e.oid)} is critical and not understood by clients`),
  },
  {
    id: "e_ct_poison_in_certificate",
    description:
      "The CT precertificate poison extension marks a precertificate, which MUST NOT be used as a certificate",
    source: { document: "RFC 6962", section: "3.1" },
    severity: "error",
    effective: "2013-06-01",
    kinds: ALL,
    check: (c) =>
      c.hasExtension(OID.ctPoison) ? "this is a CT precertificate, not a certificate" : undefined,
  },
  {
    id: "e_authority_key_identifier_missing",
    description: "authorityKeyIdentifier MUST be included in all certificates except self-signed ones",
    source: { document: "RFC 5280", section: "4.2.1.1" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ISSUED,
    check: (c) =>
      c.hasExtension(OID.authorityKeyIdentifier) ? undefined : "there is no authorityKeyIdentifier",
  },
  {
    id: "e_authority_key_identifier_no_key_id",
    description: "The keyIdentifier field of authorityKeyIdentifier MUST be included",
    source: { document: "RFC 5280", section: "4.2.1.1" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    applies: (c) => c.authorityKeyIdentifier !== undefined,
    scope: "certificates with authorityKeyIdentifier",
    check: (c) =>
      c.authorityKeyIdentifier?.keyId === undefined
        ? "authorityKeyIdentifier has no keyIdentifier"
        : undefined,
  },
  {
    id: "e_authority_key_identifier_issuer_serial",
    description: "authorityKeyIdentifier MUST NOT include authorityCertIssuer or authorityCertSerialNumber",
    source: { document: "CA/B Forum BR", section: "7.1.2.11.1" },
    severity: "error",
    effective: BR_PROFILES_DATE,
    kinds: ALL,
    applies: (c) => c.authorityKeyIdentifier !== undefined,
    scope: "certificates with authorityKeyIdentifier",
    check: (c) => {
      const aki = c.authorityKeyIdentifier;
      return aki?.issuer || aki?.serial
        ? "authorityKeyIdentifier names the issuer's issuer and serial"
        : undefined;
    },
  },
  criticality("e_authority_key_identifier_critical", OID.authorityKeyIdentifier, false, {
    source: { document: "RFC 5280", section: "4.2.1.1" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
  }),
  {
    id: "e_ca_subject_key_identifier_missing",
    description: "subjectKeyIdentifier MUST appear in all CA certificates",
    source: { document: "RFC 5280", section: "4.2.1.2" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: CA,
    check: (c) => (c.hasExtension(OID.subjectKeyIdentifier) ? undefined : "there is no subjectKeyIdentifier"),
  },
  criticality("e_subject_key_identifier_critical", OID.subjectKeyIdentifier, false, {
    source: { document: "RFC 5280", section: "4.2.1.2" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
  }),
  criticality("e_ca_basic_constraints_not_critical", OID.basicConstraints, true, {
    source: { document: "RFC 5280", section: "4.2.1.9" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: CA,
  }),
  criticality(
    "w_name_constraints_not_critical",
    OID.nameConstraints,
    true,
    {
      source: { document: "RFC 5280", section: "4.2.1.10" },
      severity: "warning",
      effective: RFC5280_DATE,
      kinds: CA,
    },
    "MUST (the Baseline Requirements tolerate non-critical for compatibility)",
  ),
  criticality("e_policy_constraints_not_critical", OID.policyConstraints, true, {
    source: { document: "RFC 5280", section: "4.2.1.11" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: CA,
  }),
  criticality(
    "w_policy_mappings_not_critical",
    OID.policyMappings,
    true,
    {
      source: { document: "RFC 5280", section: "4.2.1.5" },
      severity: "warning",
      effective: RFC5280_DATE,
      kinds: CA,
    },
    "SHOULD",
  ),
  criticality("e_inhibit_any_policy_not_critical", OID.inhibitAnyPolicy, true, {
    source: { document: "RFC 5280", section: "4.2.1.14" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: CA,
  }),
  criticality("e_authority_info_access_critical", OID.authorityInfoAccess, false, {
    source: { document: "RFC 5280", section: "4.2.2.1" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
  }),
  criticality("e_subject_info_access_critical", OID.subjectInfoAccess, false, {
    source: { document: "RFC 5280", section: "4.2.2.2" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
  }),
  criticality(
    "w_crl_distribution_points_critical",
    OID.crlDistributionPoints,
    false,
    {
      source: { document: "RFC 5280", section: "4.2.1.13" },
      severity: "warning",
      effective: RFC5280_DATE,
      kinds: ALL,
    },
    "SHOULD",
  ),
  criticality("e_certificate_policies_critical", OID.certificatePolicies, false, {
    source: { document: "CA/B Forum BR", section: "7.1.2.7.9" },
    severity: "error",
    effective: BR_PROFILES_DATE,
    kinds: ISSUED,
  }),
  {
    ...criticality("e_subscriber_extended_key_usage_critical", OID.extKeyUsage, false, {
      source: { document: "CA/B Forum BR", section: "7.1.2.7.10" },
      severity: "error",
      effective: BR_PROFILES_DATE,
      kinds: SUBSCRIBER,
    }),
    applies: (c: Certificate) => c.hasExtension(OID.extKeyUsage) && isTlsServer(c),
    scope: subscriberTls.scope,
  },
  criticality(
    "w_subscriber_key_usage_not_critical",
    OID.keyUsage,
    true,
    {
      source: { document: "RFC 5280", section: "4.2.1.3" },
      severity: "warning",
      effective: RFC5280_DATE,
      kinds: SUBSCRIBER,
    },
    "SHOULD",
  ),
  criticality("e_ca_key_usage_not_critical", OID.keyUsage, true, {
    source: { document: "CA/B Forum BR", section: "7.1.2.10.7" },
    severity: "error",
    effective: BR_DATE,
    kinds: CA,
  }),
  {
    id: "e_subject_alt_name_not_critical_empty_subject",
    description: "subjectAltName MUST be critical when the subject is empty",
    source: { document: "RFC 5280", section: "4.2.1.6" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    applies: (c) => c.subject.isEmpty && c.hasExtension(OID.subjectAltName),
    scope: "certificates with an empty subject and a subjectAltName",
    check: (c) =>
      extension(c, OID.subjectAltName)?.critical
        ? undefined
        : "the subject is empty and subjectAltName is not critical",
  },
  {
    id: "w_subject_alt_name_critical_with_subject",
    description: "subjectAltName SHOULD be non-critical when the subject is not empty",
    source: { document: "RFC 5280", section: "4.2.1.6" },
    severity: "warning",
    effective: RFC5280_DATE,
    kinds: ALL,
    applies: (c) => !c.subject.isEmpty && c.hasExtension(OID.subjectAltName),
    scope: "certificates with a subject and a subjectAltName",
    check: (c) =>
      extension(c, OID.subjectAltName)?.critical
        ? "subjectAltName is critical although the subject is not empty"
        : undefined,
  },
  {
    id: "e_subject_empty_without_subject_alt_name",
    description: "A certificate with an empty subject MUST carry its identity in subjectAltName",
    source: { document: "RFC 5280", section: "4.1.2.6" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: SUBSCRIBER,
    check: (c) =>
      c.subject.isEmpty && !c.hasExtension(OID.subjectAltName)
        ? "the subject is empty and there is no subjectAltName"
        : undefined,
  },
  {
    id: "e_subscriber_subject_alt_name_missing",
    description: "Subscriber certificates MUST contain subjectAltName",
    source: { document: "CA/B Forum BR", section: "7.1.2.7.12" },
    severity: "error",
    effective: BR_DATE,
    kinds: SUBSCRIBER,
    ...subscriberTls,
    check: (c) => (c.hasExtension(OID.subjectAltName) ? undefined : "there is no subjectAltName"),
  },
  {
    id: "e_subject_alt_name_empty",
    description: "subjectAltName MUST contain at least one name",
    source: { document: "RFC 5280", section: "4.2.1.6" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    applies: (c) => c.subjectAltName !== undefined,
    scope: "certificates with subjectAltName",
    check: (c) => (c.subjectAltName?.length === 0 ? "subjectAltName is empty" : undefined),
  },
  {
    id: "e_name_constraints_in_subscriber",
    description: "nameConstraints MUST be used only in CA certificates",
    source: { document: "RFC 5280", section: "4.2.1.10" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: SUBSCRIBER,
    check: (c) =>
      c.hasExtension(OID.nameConstraints) ? "a subscriber certificate with nameConstraints" : undefined,
  },
];
