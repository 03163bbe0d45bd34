/**
 * Every lint (src/lint) against two certificates built here at run time: one that breaks the rule, which it
 * must report ("fail"), and one as close to it as can be that keeps the rule, which it must pass ("pass",
 * not merely "not-applicable"). One row per lint; a test checks that every registered lint has its row.
 */

import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { LINTS, lintById, lintCertificate, runLint } from "../src/lint/index.js";
import { buildCertificate, type CertificateSpec, generateKeyPair } from "../src/x509/builder.js";
import type { Certificate } from "../src/x509/certificate.js";
import { OID } from "../src/x509/oids.js";
import {
  type Bytes,
  bitString,
  bmp,
  bool,
  ctx,
  generalName,
  int,
  nul,
  octet,
  oid,
  printable,
  seq,
  set,
  tlv,
  uintFromBytes,
  utf8,
} from "../src/x509/write/der-writer.js";

// ---------------------------------------------------------------------------------------------------------
// A clean three-level PKI: every lint passes or does not apply to these, and each row changes one thing.

const DAY = 86_400_000;
const NB = new Date("2026-04-01T00:00:00Z");
const HOST = "www.lint.example.com";
const DV = "2.23.140.1.2.1";
const OV = "2.23.140.1.2.2";
const IV = "2.23.140.1.2.3";
const EV = "2.23.140.1.1";
const OCSP_URL = "http://ocsp.lint.example.com";
const CA_ISSUERS_URL = "http://ca.lint.example.com/ca.cer";
const CRL_URL = "http://crl.lint.example.com/ca.crl";

const rootKey = generateKeyPair("ec-p256");
const caKey = generateKeyPair("ec-p256");
const leafKey = generateKeyPair("ec-p256");
const rsaKey = generateKeyPair("rsa2048");
const edKey = generateKeyPair("ed25519");
const ecKey = (namedCurve: string): KeyObject => generateKeyPairSync("ec", { namedCurve }).publicKey;

/** Valid for exactly `days` days as the BRs count them, from `start`. */
function lifetime(start: string, days: number): Pick<CertificateSpec, "notBefore" | "notAfter"> {
  const notBefore = new Date(`${start}T00:00:00Z`);
  return { notBefore, notAfter: new Date(notBefore.getTime() + days * DAY - 1000) };
}

const rootSpec = (): CertificateSpec => ({
  subject: "CN=Lint Root,O=Lint Test,C=US",
  publicKey: rootKey,
  notBefore: new Date("2025-01-01T00:00:00Z"),
  notAfter: new Date("2045-01-01T00:00:00Z"),
  ca: true,
});
const root = buildCertificate(rootSpec()).cert;

const intermediateSpec = (): CertificateSpec => ({
  subject: "CN=Lint CA,O=Lint Test,C=US",
  issuer: { cert: root, key: rootKey.privateKey },
  publicKey: caKey,
  notBefore: NB,
  notAfter: new Date("2031-04-01T00:00:00Z"),
  ca: { pathLen: 0 },
  keyUsage: ["keyCertSign", "cRLSign", "digitalSignature"],
  eku: ["serverAuth", "clientAuth"],
  policies: [DV],
  aia: { ocsp: OCSP_URL, caIssuers: CA_ISSUERS_URL },
  crlDp: CRL_URL,
});
const intermediate = buildCertificate(intermediateSpec()).cert;

const subscriberSpec = (): CertificateSpec => ({
  subject: `CN=${HOST}`,
  issuer: { cert: intermediate, key: caKey.privateKey },
  publicKey: leafKey,
  ...lifetime("2026-04-01", 90),
  keyUsage: ["digitalSignature"],
  eku: ["serverAuth"],
  san: [{ dns: HOST }],
  policies: [DV],
  aia: { ocsp: OCSP_URL, caIssuers: CA_ISSUERS_URL },
  crlDp: CRL_URL,
});

type Make = () => Certificate;
const S =
  (d: Partial<CertificateSpec> = {}): Make =>
  () =>
    buildCertificate({ ...subscriberSpec(), ...d }).cert;
const I =
  (d: Partial<CertificateSpec> = {}): Make =>
  () =>
    buildCertificate({ ...intermediateSpec(), ...d }).cert;
const R =
  (d: Partial<CertificateSpec> = {}): Make =>
  () =>
    buildCertificate({ ...rootSpec(), ...d }).cert;

/** A subscriber certificate signed by an RSA key (the lints read the algorithm, not the signature). */
const rsaSigned = (alg: CertificateSpec["signatureAlgorithm"], d: Partial<CertificateSpec> = {}): Make =>
  S({ issuer: { cert: intermediate, key: rsaKey.privateKey }, signatureAlgorithm: alg, ...d });

/** An RSA SubjectPublicKeyInfo with the given properties (no private key needed: the CA signs). */
function rsaSpki(
  o: { bits?: number; exponent?: number; even?: boolean; params?: boolean; oid?: string } = {},
): Bytes {
  const bits = o.bits ?? 2048;
  const modulus = new Uint8Array(randomBytes(Math.ceil(bits / 8)));
  const topBits = bits % 8 || 8;
  modulus[0] = (modulus[0] & ((1 << topBits) - 1)) | (1 << (topBits - 1));
  modulus[modulus.length - 1] = o.even ? modulus[modulus.length - 1] & 0xfe : modulus[modulus.length - 1] | 1;
  const alg =
    o.params === false ? seq(oid(o.oid ?? OID.rsaEncryption)) : seq(oid(o.oid ?? OID.rsaEncryption), nul());
  return seq(alg, bitString(seq(uintFromBytes(modulus), int(o.exponent ?? 65537))));
}

/** An EC key with explicit (specifiedCurve-style) parameters instead of a named curve. */
const explicitEcSpki = (): Bytes =>
  seq(seq(oid(OID.ecPublicKey), seq(int(1))), bitString(Uint8Array.from([4, ...randomBytes(64)])));

/** A Name from [attribute OID, encoded value] pairs, one RDN each: for string types the builder would not pick. */
const rawName = (...attrs: [string, Bytes][]): Bytes => seq(...attrs.map(([o, v]) => set(seq(oid(o), v))));
const CN_ATTR = (): [string, Bytes] => ["2.5.4.3", utf8(HOST)];

const ext = (o: string, value: Bytes, critical = false) => ({ extensions: [{ oid: o, value, critical }] });
const crlDpValue = (...extra: Bytes[]) =>
  seq(seq(ctx(0, true, ctx(0, true, generalName({ uri: CRL_URL }))), ...extra));
const keyId = () => tlv(0x80, new Uint8Array(randomBytes(20)));
const withDns = (dns: string): Make => S({ san: [{ dns: HOST }, { dns }] });
const withSubject = (subject: CertificateSpec["subject"], d: Partial<CertificateSpec> = {}): Make =>
  S({ subject, ...d });
const long = (attr: string, n: number): Make =>
  withSubject([
    [attr, attr === "emailAddress" ? `${"a".repeat(n - 9)}@x.com.de` : "a".repeat(n)],
    ["CN", HOST],
  ]);
const OV_SUBJECT = `CN=${HOST},O=Lint Test,L=Springfield,ST=Illinois,C=US`;
const EV_PARTS: [string, string][] = [
  ["C", "US"],
  ["ST", "Illinois"],
  ["L", "Springfield"],
  ["O", "Lint Test"],
  ["jurisdictionC", "US"],
  ["businessCategory", "Private Organization"],
  ["serialNumber", "12345"],
  ["CN", HOST],
];
const evWithout = (attr?: string): Make =>
  withSubject(
    EV_PARTS.filter(([a]) => a !== attr),
    { policies: [EV] },
  );

interface Row {
  id: string;
  trip: Make;
  pass: Make;
}
const row = (id: string, trip: Make, pass: Make): Row => ({ id, trip, pass });

const ROWS: Row[] = [
  // Serials
  row("e_serial_number_zero", S({ serial: 0 }), S({ serial: 1 })),
  row("e_serial_number_negative", S({ serial: Uint8Array.of(0x80, 1, 2, 3, 4, 5, 6, 7, 8) }), S()),
  row(
    "e_serial_number_longer_than_20_octets",
    S({ serial: Uint8Array.from([1, ...randomBytes(20)]) }),
    S({ serial: Uint8Array.from([1, ...randomBytes(19)]) }),
  ),
  row(
    "e_serial_number_not_minimal",
    S({ serial: Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8) }),
    S({ serial: Uint8Array.of(0, 0x81, 2, 3, 4, 5, 6, 7, 8) }),
  ),
  row("e_serial_number_low_entropy", S({ serial: 1234567 }), S()),
  row(
    "w_serial_number_low_entropy_margin",
    S({ serial: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) }),
    S({ serial: Uint8Array.of(0, 0x81, 2, 3, 4, 5, 6, 7, 8) }),
  ),
  // Validity
  row("e_validity_not_after_before_not_before", S({ notAfter: new Date(NB.getTime() - DAY) }), S()),
  row("e_validity_generalized_time_before_2050", S({ generalizedTime: true }), S()),
  row(
    "e_subscriber_validity_over_60_months",
    S(lifetime("2013-01-01", 1900)),
    S(lifetime("2013-01-01", 1800)),
  ),
  row(
    "e_subscriber_validity_over_39_months",
    S(lifetime("2016-01-01", 1200)),
    S(lifetime("2016-01-01", 1180)),
  ),
  row("e_subscriber_validity_over_825_days", S(lifetime("2019-01-01", 826)), S(lifetime("2019-01-01", 825))),
  row("e_subscriber_validity_over_398_days", S(lifetime("2021-01-01", 399)), S(lifetime("2021-01-01", 398))),
  row("e_subscriber_validity_over_200_days", S(lifetime("2026-04-01", 4000)), S(lifetime("2026-04-01", 200))),
  row("e_subscriber_validity_over_100_days", S(lifetime("2027-06-01", 101)), S(lifetime("2027-06-01", 100))),
  row("e_subscriber_validity_over_47_days", S(lifetime("2029-06-01", 48)), S(lifetime("2029-06-01", 47))),
  // Keys
  row("e_key_algorithm_not_rsa_or_ecdsa", S({ publicKey: edKey }), S()),
  row(
    "e_rsa_key_uses_pss_oid",
    S({ publicKey: rsaSpki({ oid: OID.rsassaPss, params: false }) }),
    S({ publicKey: rsaKey }),
  ),
  row(
    "e_rsa_key_parameters_not_null",
    S({ publicKey: rsaSpki({ params: false }) }),
    S({ publicKey: rsaSpki() }),
  ),
  row(
    "e_rsa_modulus_under_2048_bits",
    S({ publicKey: rsaSpki({ bits: 1024 }) }),
    S({ publicKey: rsaSpki({ bits: 2048 }) }),
  ),
  row(
    "e_rsa_modulus_not_multiple_of_8",
    S({ publicKey: rsaSpki({ bits: 2047 }) }),
    S({ publicKey: rsaSpki({ bits: 3072 }) }),
  ),
  row("w_rsa_modulus_even", S({ publicKey: rsaSpki({ even: true }) }), S({ publicKey: rsaSpki() })),
  row("e_rsa_exponent_even", S({ publicKey: rsaSpki({ exponent: 65538 }) }), S({ publicKey: rsaSpki() })),
  row(
    "e_rsa_exponent_under_3",
    S({ publicKey: rsaSpki({ exponent: 1 }) }),
    S({ publicKey: rsaSpki({ exponent: 3 }) }),
  ),
  row(
    "w_rsa_exponent_outside_recommended_range",
    S({ publicKey: rsaSpki({ exponent: 3 }) }),
    S({ publicKey: rsaSpki() }),
  ),
  row("e_ec_curve_not_allowed", S({ publicKey: ecKey("secp256k1") }), S({ publicKey: ecKey("P-384") })),
  row("e_mozilla_ec_curve_p521", S({ publicKey: ecKey("P-521") }), S({ publicKey: ecKey("P-384") })),
  row("e_ec_key_not_named_curve", S({ publicKey: explicitEcSpki() }), S()),
  // Signatures
  row("e_signature_algorithm_mismatch", S({ tbsSignatureAlgorithm: "ecdsa-with-SHA384" }), S()),
  row("e_signature_md5", rsaSigned("md5WithRSAEncryption"), rsaSigned("sha256WithRSAEncryption")),
  row("e_signature_sha1", rsaSigned("sha1WithRSAEncryption"), rsaSigned("sha384WithRSAEncryption")),
  row("e_signature_algorithm_not_allowed", S({ issuer: { cert: intermediate, key: edKey.privateKey } }), S()),
  row(
    "e_rsa_signature_parameters_not_null",
    rsaSigned("sha256WithRSAEncryption", { algorithmIdentifier: seq(oid("1.2.840.113549.1.1.11")) }),
    rsaSigned("sha256WithRSAEncryption"),
  ),
  row(
    "e_ecdsa_signature_parameters_present",
    S({ algorithmIdentifier: seq(oid("1.2.840.10045.4.3.2"), nul()) }),
    S(),
  ),
  row(
    "e_rsa_pss_parameters_not_allowed",
    rsaSigned("rsassaPss-sha256-salt20"),
    rsaSigned("rsassaPss-sha256"),
  ),
  row("e_mozilla_ecdsa_hash_mismatch", R({ signatureAlgorithm: "ecdsa-with-SHA384" }), R()),
  // Extensions
  row("e_certificate_version_not_3", S({ version: 1 }), S()),
  row("e_extension_duplicate", S(ext(OID.subjectKeyIdentifier, octet(new Uint8Array(20)))), S()),
  row("e_extension_malformed", S(ext(OID.tlsFeature, nul())), S({ mustStaple: true })),
  row(
    "e_unknown_critical_extension",
    S(ext("1.3.6.1.4.1.55555.1", nul(), true)),
    S(ext("1.3.6.1.4.1.55555.1", nul())),
  ),
  row("e_ct_poison_in_certificate", S(ext(OID.ctPoison, nul(), true)), S()),
  row("e_authority_key_identifier_missing", S({ aki: false }), S()),
  row(
    "e_authority_key_identifier_no_key_id",
    S({
      aki: false,
      ...ext(
        OID.authorityKeyIdentifier,
        seq(ctx(1, true, generalName({ dirName: [["CN", "Lint CA"]] })), tlv(0x82, Uint8Array.of(1))),
      ),
    }),
    S(),
  ),
  row(
    "e_authority_key_identifier_issuer_serial",
    S({
      aki: false,
      ...ext(
        OID.authorityKeyIdentifier,
        seq(
          keyId(),
          ctx(1, true, generalName({ dirName: [["CN", "Lint Root"]] })),
          tlv(0x82, Uint8Array.of(1)),
        ),
      ),
    }),
    S(),
  ),
  row(
    "e_authority_key_identifier_critical",
    S({ aki: false, ...ext(OID.authorityKeyIdentifier, seq(keyId()), true) }),
    S(),
  ),
  row("e_ca_subject_key_identifier_missing", I({ ski: false }), I()),
  row(
    "e_subject_key_identifier_critical",
    S({ ski: false, ...ext(OID.subjectKeyIdentifier, octet(new Uint8Array(20)), true) }),
    S(),
  ),
  row("e_ca_basic_constraints_not_critical", I({ ca: { pathLen: 0, critical: false } }), I()),
  row(
    "w_name_constraints_not_critical",
    I({ nameConstraints: { permitted: [{ dns: "example.com" }], critical: false } }),
    I({ nameConstraints: { permitted: [{ dns: "example.com" }] } }),
  ),
  row(
    "e_policy_constraints_not_critical",
    I({ policyConstraints: { requireExplicitPolicy: 0, critical: false } }),
    I({ policyConstraints: { requireExplicitPolicy: 0 } }),
  ),
  row(
    "w_policy_mappings_not_critical",
    I(ext(OID.policyMappings, seq(seq(oid("1.2.3.4"), oid(DV))))),
    I({ policyMappings: [["1.2.3.4", DV]] }),
  ),
  row("e_inhibit_any_policy_not_critical", I(ext(OID.inhibitAnyPolicy, int(0))), I({ inhibitAnyPolicy: 0 })),
  row(
    "e_authority_info_access_critical",
    S({
      aia: undefined,
      ...ext(OID.authorityInfoAccess, seq(seq(oid(OID.ocsp), generalName({ uri: OCSP_URL }))), true),
    }),
    S(),
  ),
  row(
    "e_subject_info_access_critical",
    S(ext(OID.subjectInfoAccess, seq(seq(oid("1.3.6.1.5.5.7.48.5"), generalName({ uri: CRL_URL }))), true)),
    S(ext(OID.subjectInfoAccess, seq(seq(oid("1.3.6.1.5.5.7.48.5"), generalName({ uri: CRL_URL }))))),
  ),
  row(
    "w_crl_distribution_points_critical",
    S({ crlDp: undefined, ...ext(OID.crlDistributionPoints, crlDpValue(), true) }),
    S(),
  ),
  row(
    "e_certificate_policies_critical",
    S({ policies: undefined, ...ext(OID.certificatePolicies, seq(seq(oid(DV))), true) }),
    S(),
  ),
  row(
    "e_subscriber_extended_key_usage_critical",
    S({ eku: { usages: ["serverAuth"], critical: true } }),
    S(),
  ),
  row(
    "w_subscriber_key_usage_not_critical",
    S({ keyUsage: { usages: ["digitalSignature"], critical: false } }),
    S(),
  ),
  row(
    "e_ca_key_usage_not_critical",
    I({ keyUsage: { usages: ["keyCertSign", "cRLSign"], critical: false } }),
    I(),
  ),
  row(
    "e_subject_alt_name_not_critical_empty_subject",
    S({ subject: "" }),
    S({ subject: "", san: { names: [{ dns: HOST }], critical: true } }),
  ),
  row(
    "w_subject_alt_name_critical_with_subject",
    S({ san: { names: [{ dns: HOST }], critical: true } }),
    S(),
  ),
  row(
    "e_subject_empty_without_subject_alt_name",
    S({ subject: "", san: undefined }),
    S({ subject: "", san: { names: [{ dns: HOST }], critical: true } }),
  ),
  row("e_subscriber_subject_alt_name_missing", S({ san: undefined }), S()),
  row("e_subject_alt_name_empty", S({ san: [] }), S()),
  row(
    "e_name_constraints_in_subscriber",
    S({ nameConstraints: { permitted: [{ dns: "example.com" }] } }),
    S(),
  ),
  // Key usage and extended key usage
  row("e_ca_key_usage_missing", I({ keyUsage: null }), I()),
  row("e_ca_key_cert_sign_not_set", I({ keyUsage: ["cRLSign", "digitalSignature"] }), I()),
  row("e_ca_crl_sign_not_set", I({ keyUsage: ["keyCertSign", "digitalSignature"] }), I()),
  row("n_ca_digital_signature_not_set", I({ keyUsage: ["keyCertSign", "cRLSign"] }), I()),
  row("e_key_usage_empty", S({ keyUsage: [] }), S()),
  row("e_key_cert_sign_without_ca", S({ keyUsage: ["digitalSignature", "keyCertSign"] }), S()),
  row(
    "w_encipher_or_decipher_only_without_key_agreement",
    S({ keyUsage: ["digitalSignature", "encipherOnly"] }),
    S({ keyUsage: ["digitalSignature", "keyAgreement", "encipherOnly"] }),
  ),
  row("e_ec_key_usage_encipherment", S({ keyUsage: ["digitalSignature", "keyEncipherment"] }), S()),
  row(
    "e_rsa_subscriber_key_usage_key_agreement",
    S({ publicKey: rsaSpki(), keyUsage: ["digitalSignature", "keyAgreement"] }),
    S({ publicKey: rsaSpki(), keyUsage: ["digitalSignature", "keyEncipherment"] }),
  ),
  row(
    "e_ed25519_key_usage_not_allowed",
    S({ publicKey: edKey, keyUsage: ["digitalSignature", "keyAgreement"] }),
    S({ publicKey: edKey }),
  ),
  row("w_subscriber_key_usage_missing", S({ keyUsage: null }), S()),
  row("e_subscriber_extended_key_usage_missing", S({ eku: undefined }), S()),
  row("e_subscriber_extended_key_usage_any", S({ eku: ["serverAuth", "any"] }), S()),
  row(
    "e_subscriber_eku_server_auth_and_code_signing",
    S({ eku: ["serverAuth", "codeSigning"] }),
    S({ eku: ["serverAuth", "clientAuth"] }),
  ),
  row(
    "e_subscriber_eku_server_auth_and_email_protection",
    S({ eku: ["serverAuth", "emailProtection"] }),
    S({ eku: ["serverAuth", "clientAuth"] }),
  ),
  row(
    "e_subscriber_eku_server_auth_and_time_stamping",
    S({ eku: ["serverAuth", "timeStamping"] }),
    S({ eku: ["serverAuth", "clientAuth"] }),
  ),
  row(
    "e_subscriber_eku_server_auth_and_ocsp_signing",
    S({ eku: ["serverAuth", "OCSPSigning"] }),
    S({ eku: ["serverAuth", "clientAuth"] }),
  ),
  row("e_root_extended_key_usage_present", R({ eku: ["serverAuth"] }), R()),
  row("e_mozilla_intermediate_extended_key_usage_missing", I({ eku: undefined }), I()),
  row("e_mozilla_intermediate_extended_key_usage_any", I({ eku: ["any"] }), I()),
  row(
    "e_mozilla_intermediate_server_auth_and_email_protection",
    I({ eku: ["serverAuth", "emailProtection"] }),
    I(),
  ),
  // CA profiles
  row("e_ca_subject_empty", I({ subject: "" }), I()),
  row("e_ca_common_name_missing", I({ subject: "O=Lint Test,C=US" }), I()),
  row("e_ca_organization_missing", I({ subject: "CN=Lint CA,C=US" }), I()),
  row("e_ca_country_missing", I({ subject: "CN=Lint CA,O=Lint Test" }), I()),
  row("e_path_len_without_ca", S(ext(OID.basicConstraints, seq(int(0)), true)), S({ ca: false })),
  row("e_path_len_without_key_cert_sign", I({ keyUsage: ["cRLSign", "digitalSignature"] }), I()),
  row("n_root_path_len_present", R({ ca: { pathLen: 1 } }), R()),
  row(
    "e_name_constraints_minimum_maximum",
    I(
      ext(
        OID.nameConstraints,
        seq(ctx(0, true, seq(generalName({ dns: "example.com" }), tlv(0x80, Uint8Array.of(1))))),
        true,
      ),
    ),
    I({ nameConstraints: { permitted: [{ dns: "example.com" }] } }),
  ),
  row(
    "e_policy_mapping_any_policy",
    I({ policyMappings: [[OID.anyPolicy, DV]] }),
    I({ policyMappings: [["1.2.3.4", DV]] }),
  ),
  row(
    "e_basic_constraints_ca_false_encoded",
    S(ext(OID.basicConstraints, seq(bool(false)))),
    S({ ca: false }),
  ),
  // subjectAltName and commonName
  row("e_subscriber_common_name_not_in_san", withSubject("CN=other.lint.example.com"), S()),
  row(
    "n_subscriber_common_name_present",
    S(),
    S({ subject: "", san: { names: [{ dns: HOST }], critical: true } }),
  ),
  row(
    "e_subscriber_multiple_common_names",
    withSubject(
      [
        ["CN", HOST],
        ["CN", "lint.example.com"],
      ],
      { san: [{ dns: HOST }, { dns: "lint.example.com" }] },
    ),
    S(),
  ),
  row(
    "e_subscriber_san_type_not_allowed",
    S({ san: [{ dns: HOST }, { email: "a@lint.example.com" }] }),
    S({ san: [{ dns: HOST }, { ip: "93.184.216.34" }] }),
  ),
  row("e_dns_name_empty", withDns(""), S()),
  row("e_dns_name_bad_character", withDns("a!b.lint.example.com"), withDns("a-b.lint.example.com")),
  row("e_dns_name_empty_label", withDns("a..lint.example.com"), S()),
  row(
    "e_dns_name_label_too_long",
    withDns(`${"a".repeat(64)}.example.com`),
    withDns(`${"a".repeat(63)}.example.com`),
  ),
  row(
    "e_dns_name_too_long",
    withDns(`${`${"a".repeat(60)}.`.repeat(4)}example.com`),
    withDns(`${`${"a".repeat(60)}.`.repeat(3)}example.com`),
  ),
  row("e_dns_name_hyphen_at_label_edge", withDns("-a.lint.example.com"), withDns("a-a.lint.example.com")),
  row("e_dns_name_underscore", withDns("a_b.lint.example.com"), S()),
  row("e_dns_name_wildcard_not_leftmost", withDns("a.*.example.com"), withDns("*.lint.example.com")),
  row("e_dns_name_wildcard_on_tld", withDns("*.com"), withDns("*.example.com")),
  row("e_dns_name_ip_address", withDns("10.0.0.1"), S()),
  row("e_dns_name_internal", withDns("server.corp"), withDns("server.example.org")),
  row("e_dns_name_bad_idn", withDns("xn--zz.example.com"), withDns("xn--bcher-kva.example.com")),
  row(
    "e_ip_address_reserved",
    S({ san: [{ dns: HOST }, { ip: "10.1.2.3" }] }),
    S({ san: [{ dns: HOST }, { ip: "93.184.216.34" }] }),
  ),
  // Names
  row("e_issuer_name_empty", S({ issuer: { name: "", key: caKey.privateKey } }), S()),
  row("e_subject_common_name_too_long", long("CN", 65), long("CN", 64)),
  row("e_subject_organization_too_long", long("O", 65), long("O", 64)),
  row("e_subject_organizational_unit_too_long", long("OU", 65), long("OU", 64)),
  row("e_subject_locality_too_long", long("L", 129), long("L", 128)),
  row("e_subject_state_too_long", long("ST", 129), long("ST", 128)),
  row("e_subject_serial_number_too_long", long("serialNumber", 65), long("serialNumber", 64)),
  row("e_subject_postal_code_too_long", long("postalCode", 41), long("postalCode", 40)),
  row("e_subject_email_address_too_long", long("emailAddress", 256), long("emailAddress", 255)),
  row(
    "e_subject_country_not_printable_string",
    withSubject(rawName(["2.5.4.6", utf8("US")], CN_ATTR())),
    withSubject(rawName(["2.5.4.6", printable("US")], CN_ATTR())),
  ),
  row("e_subject_country_not_two_letters", withSubject(`CN=${HOST},C=USA`), withSubject(`CN=${HOST},C=US`)),
  row("e_subject_country_not_iso3166", withSubject(`CN=${HOST},C=QQ`), withSubject(`CN=${HOST},C=DE`)),
  row(
    "e_subject_printable_string_bad_characters",
    withSubject(rawName(["2.5.4.10", printable("Lint & Test")], CN_ATTR())),
    withSubject(rawName(["2.5.4.10", printable("Lint Test")], CN_ATTR())),
  ),
  row(
    "e_subject_directory_string_type",
    withSubject(rawName(["2.5.4.10", bmp("Lint Test")], CN_ATTR())),
    withSubject(rawName(["2.5.4.10", utf8("Lint Test")], CN_ATTR())),
  ),
  row(
    "e_subject_email_address_not_ia5_string",
    withSubject(rawName([OID.emailAddress, utf8("a@lint.example.com")], CN_ATTR())),
    withSubject([
      ["emailAddress", "a@lint.example.com"],
      ["CN", HOST],
    ]),
  ),
  row(
    "e_subject_empty_value",
    withSubject([
      ["OU", ""],
      ["CN", HOST],
    ]),
    withSubject([
      ["OU", "Web"],
      ["CN", HOST],
    ]),
  ),
  row(
    "e_subject_metadata_only",
    withSubject([
      ["OU", "."],
      ["CN", HOST],
    ]),
    withSubject([
      ["OU", "Web"],
      ["CN", HOST],
    ]),
  ),
  row(
    "w_subject_value_surrounding_whitespace",
    withSubject([
      ["OU", " Web "],
      ["CN", HOST],
    ]),
    withSubject([
      ["OU", "Web"],
      ["CN", HOST],
    ]),
  ),
  row(
    "w_subject_email_address_present",
    withSubject([
      ["emailAddress", "a@lint.example.com"],
      ["CN", HOST],
    ]),
    S(),
  ),
  row(
    "e_subject_organization_without_country",
    withSubject(`CN=${HOST},O=Lint Test,ST=Illinois`),
    withSubject(`CN=${HOST},O=Lint Test,ST=Illinois,C=US`),
  ),
  row(
    "e_subject_organization_without_locality_or_state",
    withSubject(`CN=${HOST},O=Lint Test,C=US`),
    withSubject(OV_SUBJECT),
  ),
  row(
    "e_subject_locality_without_organization",
    withSubject(`CN=${HOST},L=Springfield`),
    withSubject(OV_SUBJECT),
  ),
  row("e_subject_state_without_organization", withSubject(`CN=${HOST},ST=Illinois`), withSubject(OV_SUBJECT)),
  row(
    "e_subject_street_without_organization",
    withSubject(`CN=${HOST},street=1 Main St`),
    withSubject(`${OV_SUBJECT},street=1 Main St`),
  ),
  row(
    "e_subject_postal_code_without_organization",
    withSubject(`CN=${HOST},postalCode=62701`),
    withSubject(`${OV_SUBJECT},postalCode=62701`),
  ),
  // Policies
  row("e_subscriber_reserved_policy_missing", S({ policies: ["1.2.3.4"] }), S()),
  row("e_subscriber_multiple_reserved_policies", S({ policies: [DV, OV] }), S()),
  row("e_subscriber_any_policy", S({ policies: [DV, OID.anyPolicy] }), S()),
  row("e_intermediate_certificate_policies_missing", I({ policies: undefined }), I()),
  row("n_root_certificate_policies_present", R({ policies: [OID.anyPolicy] }), R()),
  row("e_certificate_policies_duplicate", S({ policies: [DV, DV] }), S()),
  row(
    "e_cps_uri_not_http",
    S({ policies: [{ oid: DV, cps: "ftp://cps.lint.example.com" }] }),
    S({ policies: [{ oid: DV, cps: "https://cps.lint.example.com" }] }),
  ),
  row("n_user_notice_present", S({ policies: [{ oid: DV, userNotice: "Relying parties beware" }] }), S()),
  row(
    "e_user_notice_explicit_text_too_long",
    S({ policies: [{ oid: DV, userNotice: "x".repeat(201) }] }),
    S({ policies: [{ oid: DV, userNotice: "x".repeat(200) }] }),
  ),
  row("e_dv_subject_has_organization", withSubject(`CN=${HOST},O=Lint Test`), S()),
  row("e_dv_subject_has_locality", withSubject(`CN=${HOST},L=Springfield`), S()),
  row("e_dv_subject_has_state", withSubject(`CN=${HOST},ST=Illinois`), S()),
  row("e_dv_subject_has_street", withSubject(`CN=${HOST},street=1 Main St`), S()),
  row("e_dv_subject_has_postal_code", withSubject(`CN=${HOST},postalCode=62701`), S()),
  row(
    "e_ov_organization_missing",
    withSubject(`CN=${HOST},L=Springfield,C=US`, { policies: [OV] }),
    withSubject(OV_SUBJECT, { policies: [OV] }),
  ),
  row(
    "e_ov_country_missing",
    withSubject(`CN=${HOST},O=Lint Test,L=Springfield`, { policies: [OV] }),
    withSubject(OV_SUBJECT, { policies: [OV] }),
  ),
  row(
    "e_ov_locality_or_state_missing",
    withSubject(`CN=${HOST},O=Lint Test,C=US`, { policies: [OV] }),
    withSubject(OV_SUBJECT, { policies: [OV] }),
  ),
  row(
    "e_iv_personal_name_missing",
    withSubject(`CN=${HOST},C=US`, { policies: [IV] }),
    withSubject(`CN=${HOST},GN=Ada,SN=Lovelace,C=US`, { policies: [IV] }),
  ),
  row(
    "e_iv_country_missing",
    withSubject(`CN=${HOST},GN=Ada,SN=Lovelace`, { policies: [IV] }),
    withSubject(`CN=${HOST},GN=Ada,SN=Lovelace,C=US`, { policies: [IV] }),
  ),
  row("e_ev_organization_missing", evWithout("O"), evWithout()),
  row("e_ev_business_category_missing", evWithout("businessCategory"), evWithout()),
  row("e_ev_jurisdiction_country_missing", evWithout("jurisdictionC"), evWithout()),
  row("e_ev_serial_number_missing", evWithout("serialNumber"), evWithout()),
  // AIA and CRL distribution points
  row("e_subscriber_authority_info_access_missing", S({ aia: undefined }), S()),
  row(
    "e_subscriber_ocsp_missing",
    S({ ...lifetime("2023-01-01", 90), aia: { caIssuers: CA_ISSUERS_URL } }),
    S(lifetime("2023-01-01", 90)),
  ),
  row(
    "e_subscriber_no_revocation_information",
    S({ aia: { caIssuers: CA_ISSUERS_URL }, crlDp: undefined }),
    S({ aia: { caIssuers: CA_ISSUERS_URL } }),
  ),
  row("w_subscriber_ca_issuers_missing", S({ aia: { ocsp: OCSP_URL } }), S()),
  row(
    "e_aia_ocsp_not_http",
    S({ aia: { ocsp: "https://ocsp.lint.example.com", caIssuers: CA_ISSUERS_URL } }),
    S(),
  ),
  row(
    "e_aia_ca_issuers_not_http",
    S({ aia: { ocsp: OCSP_URL, caIssuers: "ldap://ca.lint.example.com/cn=Lint%20CA" } }),
    S(),
  ),
  row("e_crl_distribution_point_not_http", S({ crlDp: "ldap://crl.lint.example.com/cn=Lint%20CA" }), S()),
  row(
    "e_crl_distribution_point_reasons_or_issuer",
    S({ crlDp: undefined, ...ext(OID.crlDistributionPoints, crlDpValue(tlv(0x81, Uint8Array.of(5, 0x60)))) }),
    S(),
  ),
  row("e_intermediate_crl_distribution_points_missing", I({ crlDp: undefined }), I()),
  row("w_intermediate_authority_info_access_missing", I({ aia: undefined }), I()),
  row("n_root_authority_info_access_present", R({ aia: { caIssuers: CA_ISSUERS_URL } }), R()),
  row("n_root_crl_distribution_points_present", R({ crlDp: CRL_URL }), R()),
];

describe("lints: each rule trips on a certificate that breaks it and passes one that keeps it", () => {
  for (const r of ROWS) {
    it(r.id, () => {
      const lint = lintById(r.id);
      assert.ok(lint, `${r.id} is not a registered lint`);
      const tripped = runLint(lint, r.trip());
      assert.equal(tripped.status, "fail", `${r.id} did not fire: ${JSON.stringify(tripped)}`);
      assert.ok(tripped.messages?.every((m) => m.length > 0));
      const kept = runLint(lint, r.pass());
      assert.equal(kept.status, "pass", `${r.id} on the passing certificate: ${JSON.stringify(kept)}`);
    });
  }
});

describe("lints: the registry", () => {
  it("has at least 120 lints, each with exactly one row in this table", () => {
    assert.ok(LINTS.length >= 120, `only ${LINTS.length} lints`);
    const rowIds = ROWS.map((r) => r.id);
    assert.deepEqual(
      rowIds.filter((id, i) => rowIds.indexOf(id) !== i),
      [],
      "rows listed twice",
    );
    assert.deepEqual(
      LINTS.map((l) => l.id).filter((id) => !rowIds.includes(id)),
      [],
      "lints without a row",
    );
    assert.deepEqual(
      rowIds.filter((id) => !lintById(id)),
      [],
      "rows without a lint",
    );
  });

  it("gives every lint a unique id whose prefix is its severity, a source section, a date and kinds", () => {
    const ids = LINTS.map((l) => l.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const l of LINTS) {
      assert.match(l.id, /^[ewn]_[a-z0-9_]+$/, l.id);
      assert.equal(l.id[0], l.severity[0], `${l.id} is a ${l.severity}`);
      assert.match(l.source.section, /^[A-Z0-9][0-9.]*$/, `${l.id}: section "${l.source.section}"`);
      assert.match(l.effective, /^\d{4}-\d{2}-\d{2}$/, l.id);
      if (l.ineffective) assert.ok(l.ineffective > l.effective, l.id);
      assert.ok(l.kinds.length > 0 && l.description.length > 10, l.id);
      if (l.applies) assert.ok(l.scope, `${l.id} narrows its scope without saying how`);
    }
  });

  it("finds no error or warning in the clean root, intermediate and subscriber", () => {
    for (const [name, make, kind] of [
      ["root", R(), "root"],
      ["intermediate", I(), "intermediate"],
      ["subscriber", S(), "subscriber"],
    ] as const) {
      const report = lintCertificate(make());
      assert.equal(report.kind, kind);
      const serious = report.findings.filter((f) => f.severity !== "notice");
      assert.deepEqual(serious, [], `${name}: ${JSON.stringify(serious)}`);
    }
  });

  it("reports what a reader acts on: the rule, its source, and what is wrong, errors first", () => {
    const report = lintCertificate(
      S({ serial: 0, ...lifetime("2026-04-01", 4000), keyUsage: ["digitalSignature", "keyCertSign"] })(),
    );
    const ids = report.findings.map((f) => f.id);
    for (const id of [
      "e_serial_number_zero",
      "e_subscriber_validity_over_200_days",
      "e_key_cert_sign_without_ca",
    ]) {
      assert.ok(ids.includes(id), `${id} missing from ${ids.join(", ")}`);
    }
    const zero = report.findings.find((f) => f.id === "e_serial_number_zero");
    assert.deepEqual(zero, {
      id: "e_serial_number_zero",
      severity: "error",
      description: "The serial number MUST be a positive integer: zero is not one",
      source: "RFC 5280 4.1.2.2",
      messages: ["the serial number is 0"],
    });
    const order = report.findings.map((f) => ({ error: 0, warning: 1, notice: 2 })[f.severity]);
    assert.deepEqual(order, [...order].sort());
    assert.equal(report.counts.error, report.findings.filter((f) => f.severity === "error").length);
    assert.equal(report.results.length, LINTS.length);
  });

  it("takes the kind from its caller when the chain position is known", () => {
    const report = lintCertificate(S()(), { kind: "intermediate" });
    assert.equal(report.kind, "intermediate");
    assert.ok(
      report.findings.some(
        (f) => f.id === "e_ca_key_usage_not_critical" || f.id === "e_ca_key_cert_sign_not_set",
      ),
    );
  });

  it("does not apply a rule before its effective date or after a later rule replaced it", () => {
    const lint = lintById("e_subscriber_validity_over_825_days");
    assert.ok(lint);
    assert.equal(runLint(lint, S(lifetime("2017-01-01", 1000))()).status, "not-effective");
    assert.equal(runLint(lint, S(lifetime("2021-01-01", 1000))()).status, "not-effective");
    assert.equal(runLint(lint, S(lifetime("2019-01-01", 1000))()).status, "fail");
  });

  it("leaves client certificates alone where the rule is for TLS servers", () => {
    const lint = lintById("e_subscriber_common_name_not_in_san");
    assert.ok(lint);
    const client = S({
      subject: "CN=Ada Lovelace",
      eku: ["clientAuth"],
      san: [{ email: "ada@lint.example.com" }],
    })();
    assert.equal(runLint(lint, client).status, "not-applicable");
  });
});
