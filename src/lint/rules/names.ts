/** Subject and issuer name encodings: string types, lengths, country codes, empty values (RFC 5280, X.520, BR). */

import { Tag } from "../../x509/der.js";
import type { NameAttribute } from "../../x509/names.js";
import type { Lint } from "../types.js";
import {
  ALL,
  ATTR,
  attributes,
  BR_DATE,
  each,
  isTlsServer,
  RFC5280_DATE,
  SUBSCRIBER,
  subjectAttributes,
  TLS_SERVER_SCOPE,
} from "../util.js";

const label = (a: NameAttribute) => a.shortName ?? a.oid;

/** RFC 5280 Appendix A upper bounds (ub-…), in characters. */
function upperBound(id: string, oid: string, name: string, bound: number): Lint {
  return {
    id,
    description: `The subject's ${name} MUST be at most ${bound} characters (ub-${name})`,
    source: { document: "RFC 5280", section: "A.1" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) =>
      each(attributes(c, oid), (a) =>
        [...a.value].length > bound ? `${name} is ${[...a.value].length} characters` : undefined,
      ),
  };
}

/** PrintableString's alphabet (X.680 41.4). */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
/** Values that say nothing (BR 7.1.4.2.2j: "metadata such as '.', '-', and ' '"). */
const METADATA_ONLY = /^[\s.\-_/\\*?,;:]+$/;

/**
 * The 249 officially assigned ISO 3166-1 alpha-2 codes (ISO 3166 Maintenance Agency, as of 2024). A fixed
 * list, not ICU's region names: ICU also knows "UK", "ZZ" and exceptionally reserved codes that are not
 * country codes, and loading its display names costs ~30 ms at start-up.
 */
const ISO_3166_1 = new Set(
  (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY " +
    "BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK " +
    "FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR " +
    "IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK " +
    "ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM " +
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF " +
    "TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
  ).split(" "),
);

/** Whether the code is an ISO 3166-1 country code, or the BRs' "XX" (BR 7.1.4.2.2 g: no country). */
function isIso3166(code: string): boolean {
  return code === "XX" || ISO_3166_1.has(code);
}

/** BR 7.1.4.2.2: an attribute that is allowed only together with organizationName. */
function needsOrganization(id: string, oid: string, name: string): Lint {
  return {
    id,
    description: `The subject MUST NOT contain ${name} unless it contains organizationName`,
    source: { document: "CA/B Forum BR", section: "7.1.4.2.2" },
    severity: "error",
    effective: BR_DATE,
    kinds: SUBSCRIBER,
    applies: isTlsServer,
    scope: TLS_SERVER_SCOPE,
    check: (c) =>
      attributes(c, oid).length && !attributes(c, ATTR.organization).length
        ? `${name} without organizationName`
        : undefined,
  };
}

export const NAME_LINTS: Lint[] = [
  {
    id: "e_issuer_name_empty",
    description: "The issuer field MUST contain a non-empty distinguished name",
    source: { document: "RFC 5280", section: "4.1.2.4" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) => (c.issuer.isEmpty ? "the issuer name is empty" : undefined),
  },
  upperBound("e_subject_common_name_too_long", ATTR.cn, "common-name", 64),
  upperBound("e_subject_organization_too_long", ATTR.organization, "organization-name", 64),
  upperBound("e_subject_organizational_unit_too_long", ATTR.ou, "organizational-unit-name", 64),
  upperBound("e_subject_locality_too_long", ATTR.locality, "locality-name", 128),
  upperBound("e_subject_state_too_long", ATTR.state, "state-name", 128),
  upperBound("e_subject_serial_number_too_long", ATTR.serialNumber, "serial-number", 64),
  upperBound("e_subject_postal_code_too_long", ATTR.postalCode, "postal-code", 40),
  upperBound("e_subject_email_address_too_long", ATTR.email, "emailaddress-length", 255),
  {
    id: "e_subject_country_not_printable_string",
    description: "countryName MUST be a PrintableString",
    source: { document: "RFC 5280", section: "A.1" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) =>
      each(attributes(c, ATTR.country), (a) =>
        a.valueTag === Tag.PrintableString ? undefined : `countryName "${a.value}" is not a PrintableString`,
      ),
  },
  {
    id: "e_subject_country_not_two_letters",
    description: "countryName MUST be exactly two characters",
    source: { document: "RFC 5280", section: "A.1" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) =>
      each(attributes(c, ATTR.country), (a) =>
        a.value.length === 2 ? undefined : `countryName "${a.value}" is not two characters`,
      ),
  },
  {
    id: "e_subject_country_not_iso3166",
    description: "countryName MUST be an ISO 3166-1 two-letter code (or XX)",
    source: { document: "CA/B Forum BR", section: "7.1.4.2.2" },
    severity: "error",
    effective: BR_DATE,
    kinds: ALL,
    check: (c) =>
      each(attributes(c, ATTR.country), (a) =>
        a.value.length !== 2 || isIso3166(a.value)
          ? undefined
          : `countryName "${a.value}" is not an ISO 3166-1 code`,
      ),
  },
  {
    id: "e_subject_printable_string_bad_characters",
    description: "PrintableString values MUST hold only A–Z, a–z, 0–9, space and ' ( ) + , - . / : = ?",
    source: { document: "RFC 5280", section: "4.1.2.6" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) =>
      each(subjectAttributes(c), (a) =>
        a.valueTag === Tag.PrintableString && !PRINTABLE.test(a.value)
          ? `${label(a)} "${a.value}" has characters PrintableString cannot hold`
          : undefined,
      ),
  },
  {
    id: "e_subject_directory_string_type",
    description:
      "DirectoryString values MUST be PrintableString or UTF8String in certificates issued after 2003",
    source: { document: "RFC 5280", section: "4.1.2.6" },
    severity: "error",
    effective: "2004-01-01",
    kinds: ALL,
    check: (c) =>
      each(subjectAttributes(c), (a) =>
        a.valueTag === Tag.T61String || a.valueTag === Tag.BMPString || a.valueTag === Tag.UniversalString
          ? `${label(a)} "${a.value}" is a ${a.valueTag === Tag.T61String ? "TeletexString" : a.valueTag === Tag.BMPString ? "BMPString" : "UniversalString"}`
          : undefined,
      ),
  },
  {
    id: "e_subject_email_address_not_ia5_string",
    description: "emailAddress MUST be an IA5String",
    source: { document: "RFC 5280", section: "A.1" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) =>
      each(attributes(c, ATTR.email), (a) =>
        a.valueTag === Tag.IA5String ? undefined : `emailAddress "${a.value}" is not an IA5String`,
      ),
  },
  {
    id: "e_subject_empty_value",
    description: "Subject attribute values MUST NOT be empty",
    source: { document: "CA/B Forum BR", section: "7.1.4.2.2" },
    severity: "error",
    effective: BR_DATE,
    kinds: ALL,
    check: (c) => each(subjectAttributes(c), (a) => (a.value === "" ? `${label(a)} is empty` : undefined)),
  },
  {
    id: "e_subject_metadata_only",
    description: "Subject attributes MUST NOT contain only metadata such as '.', '-' or ' '",
    source: { document: "CA/B Forum BR", section: "7.1.4.2.2" },
    severity: "error",
    effective: BR_DATE,
    kinds: SUBSCRIBER,
    applies: isTlsServer,
    scope: TLS_SERVER_SCOPE,
    check: (c) =>
      each(subjectAttributes(c), (a) =>
        METADATA_ONLY.test(a.value) ? `${label(a)} is "${a.value}"` : undefined,
      ),
  },
  {
    id: "w_subject_value_surrounding_whitespace",
    description: "Subject attribute values SHOULD NOT begin or end with whitespace",
    source: { document: "CA/B Forum BR", section: "7.1.4.2.2" },
    severity: "warning",
    effective: BR_DATE,
    kinds: ALL,
    check: (c) =>
      each(subjectAttributes(c), (a) =>
        a.value !== a.value.trim() && a.value.trim() !== ""
          ? `${label(a)} "${a.value}" has surrounding whitespace`
          : undefined,
      ),
  },
  {
    id: "w_subject_email_address_present",
    description: "emailAddress in the subject is deprecated: e-mail addresses belong in subjectAltName",
    source: { document: "RFC 5280", section: "4.1.2.6" },
    severity: "warning",
    effective: RFC5280_DATE,
    kinds: SUBSCRIBER,
    applies: isTlsServer,
    scope: TLS_SERVER_SCOPE,
    check: (c) => (attributes(c, ATTR.email).length ? "the subject has an emailAddress" : undefined),
  },
  {
    id: "e_subject_organization_without_country",
    description: "If organizationName is present, countryName MUST be present",
    source: { document: "CA/B Forum BR", section: "7.1.4.2.2" },
    severity: "error",
    effective: BR_DATE,
    kinds: SUBSCRIBER,
    applies: isTlsServer,
    scope: TLS_SERVER_SCOPE,
    check: (c) =>
      attributes(c, ATTR.organization).length && !attributes(c, ATTR.country).length
        ? "organizationName without countryName"
        : undefined,
  },
  {
    id: "e_subject_organization_without_locality_or_state",
    description: "If organizationName is present, localityName or stateOrProvinceName MUST be present",
    source: { document: "CA/B Forum BR", section: "7.1.4.2.2" },
    severity: "error",
    effective: BR_DATE,
    kinds: SUBSCRIBER,
    applies: isTlsServer,
    scope: TLS_SERVER_SCOPE,
    check: (c) =>
      attributes(c, ATTR.organization).length &&
      !attributes(c, ATTR.locality).length &&
      !attributes(c, ATTR.state).length
        ? "organizationName without localityName or stateOrProvinceName"
        : undefined,
  },
  needsOrganization("e_subject_locality_without_organization", ATTR.locality, "localityName"),
  needsOrganization("e_subject_state_without_organization", ATTR.state, "stateOrProvinceName"),
  needsOrganization("e_subject_street_without_organization", ATTR.street, "streetAddress"),
  needsOrganization("e_subject_postal_code_without_organization", ATTR.postalCode, "postalCode"),
];
