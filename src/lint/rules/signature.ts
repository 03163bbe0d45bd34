/** Signature algorithms and their parameters (RFC 5280 4.1.1.2, RFC 3279/4055/5758, BR 7.1.3.2, Mozilla 5.1). */

import type { Certificate } from "../../x509/certificate.js";
import { bytesEqual } from "../../x509/der.js";
import { OID } from "../../x509/oids.js";
import type { Lint } from "../types.js";
import { ALL, BR_DATE, ISSUED, isNull, RFC5280_DATE, ROOT } from "../util.js";

const RSA_PKCS1 = new Set([
  "1.2.840.113549.1.1.4",
  "1.2.840.113549.1.1.5",
  "1.2.840.113549.1.1.11",
  "1.2.840.113549.1.1.12",
  "1.2.840.113549.1.1.13",
  "1.2.840.113549.1.1.14",
]);
const ECDSA = new Set([
  "1.2.840.10045.4.1",
  "1.2.840.10045.4.3.1",
  "1.2.840.10045.4.3.2",
  "1.2.840.10045.4.3.3",
  "1.2.840.10045.4.3.4",
]);
const SHA1 = new Set(["1.2.840.113549.1.1.5", "1.2.840.10045.4.1", "1.2.840.10040.4.3"]);
const MD5 = new Set(["1.2.840.113549.1.1.4", "1.2.840.113549.1.1.2", "1.2.840.113549.1.1.3"]);

/**
 * The RSASSA-PSS parameters the Baseline Requirements allow (7.1.3.2.1), byte for byte: SHA-256/384/512 with
 * MGF1 of the same hash and a salt of the hash's length.
 */
const BR_PSS_PARAMETERS = [
  "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120",
  "3034a00f300d06096086480165030402020500a11c301a06092a864886f70d010108300d06096086480165030402020500a203020130",
  "3034a00f300d06096086480165030402030500a11c301a06092a864886f70d010108300d06096086480165030402030500a203020140",
];

const sig = (c: Certificate) => c.signatureAlgorithm;
const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString("hex") : "");

export const SIGNATURE_LINTS: Lint[] = [
  {
    id: "e_signature_algorithm_mismatch",
    description:
      "signatureAlgorithm MUST be the same algorithm identifier as the signature field in tbsCertificate",
    source: { document: "RFC 5280", section: "4.1.1.2" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) =>
      bytesEqual(c.signatureAlgorithm.der, c.tbsSignatureAlgorithm.der)
        ? undefined
        : `signed with ${c.signatureAlgorithm.name} but tbsCertificate says ${c.tbsSignatureAlgorithm.name}`,
  },
  {
    id: "e_signature_md5",
    description: "Certificates MUST NOT be signed with MD5 (or MD2)",
    source: { document: "CA/B Forum BR", section: "7.1.3.2" },
    severity: "error",
    effective: BR_DATE,
    kinds: ISSUED,
    check: (c) => (MD5.has(sig(c).oid) ? `signed with ${sig(c).name}` : undefined),
  },
  {
    id: "e_signature_sha1",
    description: "Subscriber and subordinate CA certificates MUST NOT be signed with SHA-1 after 2016",
    source: { document: "CA/B Forum BR", section: "7.1.3.2" },
    severity: "error",
    effective: "2016-01-01",
    kinds: ISSUED,
    check: (c) => (SHA1.has(sig(c).oid) ? `signed with ${sig(c).name}` : undefined),
  },
  {
    id: "e_signature_algorithm_not_allowed",
    description: "Certificates MUST be signed with RSASSA-PKCS1-v1_5, RSASSA-PSS or ECDSA",
    source: { document: "CA/B Forum BR", section: "7.1.3.2" },
    severity: "error",
    effective: BR_DATE,
    kinds: ISSUED,
    check: (c) =>
      RSA_PKCS1.has(sig(c).oid) || ECDSA.has(sig(c).oid) || sig(c).oid === OID.rsassaPss
        ? undefined
        : `signed with ${sig(c).name}`,
  },
  {
    id: "e_rsa_signature_parameters_not_null",
    description: "An RSASSA-PKCS1-v1_5 signature AlgorithmIdentifier MUST have NULL parameters",
    source: { document: "RFC 4055", section: "5" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    applies: (c) => RSA_PKCS1.has(sig(c).oid),
    scope: "RSASSA-PKCS1-v1_5 signatures",
    check: (c) => (isNull(sig(c).params) ? undefined : `${sig(c).name} without NULL parameters`),
  },
  {
    id: "e_ecdsa_signature_parameters_present",
    description: "An ECDSA signature AlgorithmIdentifier MUST omit the parameters field",
    source: { document: "RFC 5758", section: "3.2" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    applies: (c) => ECDSA.has(sig(c).oid),
    scope: "ECDSA signatures",
    check: (c) => (sig(c).params ? `${sig(c).name} with parameters` : undefined),
  },
  {
    id: "e_rsa_pss_parameters_not_allowed",
    description:
      "RSASSA-PSS MUST use SHA-256/384/512, MGF1 with the same hash and a salt of the hash's length",
    source: { document: "CA/B Forum BR", section: "7.1.3.2.1" },
    severity: "error",
    effective: "2020-09-30",
    kinds: ISSUED,
    applies: (c) => sig(c).oid === OID.rsassaPss,
    scope: "RSASSA-PSS signatures",
    check: (c) =>
      BR_PSS_PARAMETERS.includes(hex(sig(c).params))
        ? undefined
        : "the RSASSA-PSS parameters are not one of the three allowed encodings",
  },
  {
    id: "e_mozilla_ecdsa_hash_mismatch",
    description:
      "A P-256 key signs with SHA-256 and a P-384 key with SHA-384 (here: a root's self-signature)",
    source: { document: "Mozilla Root Store Policy", section: "5.1.2" },
    severity: "error",
    effective: "2017-02-28",
    kinds: ROOT,
    applies: (c) => c.publicKey.curve === "P-256" || c.publicKey.curve === "P-384",
    scope: "roots with P-256 or P-384 keys",
    check: (c) => {
      const want = c.publicKey.curve === "P-256" ? "1.2.840.10045.4.3.2" : "1.2.840.10045.4.3.3";
      return sig(c).oid === want ? undefined : `a ${c.publicKey.curve} key self-signed with ${sig(c).name}`;
    },
  },
];
