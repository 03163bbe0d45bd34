/** Key usage and extended key usage combinations (RFC 5280 4.2.1.3/4.2.1.12, RFC 5480, RFC 8410, BR, Mozilla 5.3). */

import type { Certificate } from "../../x509/certificate.js";
import { EKU_NAMES, type KeyUsageName, OID } from "../../x509/oids.js";
import type { Lint } from "../types.js";
import {
  ALL,
  BR_DATE,
  BR_PROFILES_DATE,
  CA,
  INTERMEDIATE,
  isTlsServer,
  RFC5280_DATE,
  ROOT,
  SUBSCRIBER,
  TLS_SERVER_SCOPE,
} from "../util.js";

const ku = (c: Certificate, u: KeyUsageName) => c.keyUsage?.has(u) === true;
const eku = (c: Certificate, oid: string) => c.extKeyUsage?.includes(oid) === true;
const tls = { applies: isTlsServer, scope: TLS_SERVER_SCOPE };

/** A CA's keyUsage must assert a bit (BR 7.1.2.10.7 for CAs; 7.1.2.1 for roots). */
function caKeyUsageBit(id: string, bit: KeyUsageName, severity: "error" | "notice"): Lint {
  return {
    id,
    description: `CA certificates ${severity === "error" ? "MUST" : "may need to"} assert ${bit} in keyUsage`,
    source: { document: "CA/B Forum BR", section: "7.1.2.10.7" },
    severity,
    effective: BR_DATE,
    kinds: CA,
    applies: (c) => c.keyUsage !== undefined,
    scope: "CA certificates with keyUsage",
    check: (c) => (ku(c, bit) ? undefined : `keyUsage does not assert ${bit}`),
  };
}

/** A subscriber TLS certificate's extKeyUsage MUST NOT include this purpose (BR 7.1.2.7.10). */
function prohibitedSubscriberEku(id: string, oid: string): Lint {
  const name = EKU_NAMES[oid] ?? oid;
  return {
    id,
    description: `Subscriber TLS certificates MUST NOT include ${name} in extKeyUsage`,
    source: { document: "CA/B Forum BR", section: "7.1.2.7.10" },
    severity: "error",
    effective: BR_PROFILES_DATE,
    kinds: SUBSCRIBER,
    applies: (c) => eku(c, OID.serverAuth),
    scope: "subscriber certificates with serverAuth",
    check: (c) => (eku(c, oid) ? `extKeyUsage has serverAuth and ${name}` : undefined),
  };
}

export const USAGE_LINTS: Lint[] = [
  {
    id: "e_ca_key_usage_missing",
    description: "CA certificates MUST include keyUsage",
    source: { document: "CA/B Forum BR", section: "7.1.2.10.7" },
    severity: "error",
    effective: BR_DATE,
    kinds: CA,
    check: (c) => (c.hasExtension(OID.keyUsage) ? undefined : "there is no keyUsage"),
  },
  caKeyUsageBit("e_ca_key_cert_sign_not_set", "keyCertSign", "error"),
  caKeyUsageBit("e_ca_crl_sign_not_set", "cRLSign", "error"),
  caKeyUsageBit("n_ca_digital_signature_not_set", "digitalSignature", "notice"),
  {
    id: "e_key_usage_empty",
    description: "When keyUsage appears, at least one of its bits MUST be set",
    source: { document: "RFC 5280", section: "4.2.1.3" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    applies: (c) => c.keyUsage !== undefined,
    scope: "certificates with keyUsage",
    check: (c) => (c.keyUsage?.usages.length === 0 ? "keyUsage has no bit set" : undefined),
  },
  {
    id: "e_key_cert_sign_without_ca",
    description: "keyCertSign MUST NOT be asserted unless basicConstraints asserts cA",
    source: { document: "RFC 5280", section: "4.2.1.3" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: SUBSCRIBER,
    check: (c) => (ku(c, "keyCertSign") ? "keyCertSign on a certificate that is not a CA" : undefined),
  },
  {
    id: "w_encipher_or_decipher_only_without_key_agreement",
    description: "encipherOnly and decipherOnly have no meaning unless keyAgreement is set",
    source: { document: "RFC 5280", section: "4.2.1.3" },
    severity: "warning",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) =>
      (ku(c, "encipherOnly") || ku(c, "decipherOnly")) && !ku(c, "keyAgreement")
        ? "encipherOnly or decipherOnly without keyAgreement"
        : undefined,
  },
  {
    id: "e_ec_key_usage_encipherment",
    description: "ECDSA keys MUST NOT assert keyEncipherment or dataEncipherment",
    source: { document: "RFC 5480", section: "3" },
    severity: "error",
    effective: "2009-03-01",
    kinds: ALL,
    applies: (c) => c.publicKey.oid === OID.ecPublicKey,
    scope: "ECDSA keys",
    check: (c) =>
      ku(c, "keyEncipherment") || ku(c, "dataEncipherment")
        ? "an EC key with keyEncipherment or dataEncipherment"
        : undefined,
  },
  {
    id: "e_rsa_subscriber_key_usage_key_agreement",
    description: "RSA subscriber certificates MUST NOT assert keyAgreement",
    source: { document: "CA/B Forum BR", section: "7.1.2.7.11" },
    severity: "error",
    effective: BR_PROFILES_DATE,
    kinds: SUBSCRIBER,
    applies: (c) => c.publicKey.oid === OID.rsaEncryption && isTlsServer(c),
    scope: "RSA TLS server certificates",
    check: (c) => (ku(c, "keyAgreement") ? "an RSA key with keyAgreement" : undefined),
  },
  {
    id: "e_ed25519_key_usage_not_allowed",
    description:
      "Ed25519/Ed448 keys MAY assert only digitalSignature, nonRepudiation, keyCertSign and cRLSign",
    source: { document: "RFC 8410", section: "5" },
    severity: "error",
    effective: "2018-08-01",
    kinds: ALL,
    applies: (c) => c.publicKey.oid === OID.ed25519 || c.publicKey.oid === OID.ed448,
    scope: "EdDSA keys",
    check: (c) => {
      const bad = (c.keyUsage?.usages ?? []).filter(
        (u) => !["digitalSignature", "contentCommitment", "keyCertSign", "cRLSign"].includes(u),
      );
      return bad.length ? `an EdDSA key with ${bad.join(", ")}` : undefined;
    },
  },
  {
    id: "w_subscriber_key_usage_missing",
    description: "Subscriber certificates SHOULD include keyUsage",
    source: { document: "CA/B Forum BR", section: "7.1.2.7.11" },
    severity: "warning",
    effective: BR_PROFILES_DATE,
    kinds: SUBSCRIBER,
    ...tls,
    check: (c) => (c.hasExtension(OID.keyUsage) ? undefined : "there is no keyUsage"),
  },
  {
    id: "e_subscriber_extended_key_usage_missing",
    description: "Subscriber certificates MUST include extKeyUsage",
    source: { document: "CA/B Forum BR", section: "7.1.2.7.10" },
    severity: "error",
    effective: BR_DATE,
    kinds: SUBSCRIBER,
    check: (c) => (c.hasExtension(OID.extKeyUsage) ? undefined : "there is no extKeyUsage"),
  },
  {
    id: "e_subscriber_extended_key_usage_any",
    description: "Subscriber certificates MUST NOT include anyExtendedKeyUsage",
    source: { document: "CA/B Forum BR", section: "7.1.2.7.10" },
    severity: "error",
    effective: BR_DATE,
    kinds: SUBSCRIBER,
    check: (c) => (eku(c, OID.anyExtendedKeyUsage) ? "extKeyUsage has anyExtendedKeyUsage" : undefined),
  },
  prohibitedSubscriberEku("e_subscriber_eku_server_auth_and_code_signing", OID.codeSigning),
  prohibitedSubscriberEku("e_subscriber_eku_server_auth_and_email_protection", OID.emailProtection),
  prohibitedSubscriberEku("e_subscriber_eku_server_auth_and_time_stamping", OID.timeStamping),
  prohibitedSubscriberEku("e_subscriber_eku_server_auth_and_ocsp_signing", OID.OCSPSigning),
  {
    id: "e_root_extended_key_usage_present",
    description: "Root CA certificates MUST NOT include extKeyUsage",
    source: { document: "CA/B Forum BR", section: "7.1.2.1.2" },
    severity: "error",
    effective: BR_DATE,
    kinds: ROOT,
    check: (c) => (c.hasExtension(OID.extKeyUsage) ? "a root with extKeyUsage" : undefined),
  },
  {
    id: "e_mozilla_intermediate_extended_key_usage_missing",
    description: "Intermediate certificates issued after 2019 MUST include extKeyUsage",
    source: { document: "Mozilla Root Store Policy", section: "5.3" },
    severity: "error",
    effective: "2019-01-01",
    kinds: INTERMEDIATE,
    check: (c) => (c.hasExtension(OID.extKeyUsage) ? undefined : "there is no extKeyUsage"),
  },
  {
    id: "e_mozilla_intermediate_extended_key_usage_any",
    description: "Intermediate certificates issued after 2019 MUST NOT include anyExtendedKeyUsage",
    source: { document: "Mozilla Root Store Policy", section: "5.3" },
    severity: "error",
    effective: "2019-01-01",
    kinds: INTERMEDIATE,
    check: (c) => (eku(c, OID.anyExtendedKeyUsage) ? "extKeyUsage has anyExtendedKeyUsage" : undefined),
  },
  {
    id: "e_mozilla_intermediate_server_auth_and_email_protection",
    description:
      "Intermediate certificates issued after 2019 MUST NOT include both serverAuth and emailProtection",
    source: { document: "Mozilla Root Store Policy", section: "5.3" },
    severity: "error",
    effective: "2019-01-01",
    kinds: INTERMEDIATE,
    check: (c) =>
      eku(c, OID.serverAuth) && eku(c, OID.emailProtection)
        ? "extKeyUsage has serverAuth and emailProtection"
        : undefined,
  },
];
