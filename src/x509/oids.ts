/** Object identifiers we name. Names follow OpenSSL's long/short names where one exists, so output compares. */

export const OID = {
  // Public key algorithms
  rsaEncryption: "1.2.840.113549.1.1.1",
  rsassaPss: "1.2.840.113549.1.1.10",
  ecPublicKey: "1.2.840.10045.2.1",
  ed25519: "1.3.101.112",
  ed448: "1.3.101.113",
  dsa: "1.2.840.10040.4.1",
  // Extensions
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  issuerAltName: "2.5.29.18",
  basicConstraints: "2.5.29.19",
  nameConstraints: "2.5.29.30",
  crlDistributionPoints: "2.5.29.31",
  certificatePolicies: "2.5.29.32",
  policyMappings: "2.5.29.33",
  authorityKeyIdentifier: "2.5.29.35",
  policyConstraints: "2.5.29.36",
  extKeyUsage: "2.5.29.37",
  freshestCrl: "2.5.29.46",
  inhibitAnyPolicy: "2.5.29.54",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
  subjectInfoAccess: "1.3.6.1.5.5.7.1.11",
  tlsFeature: "1.3.6.1.5.5.7.1.24",
  sctList: "1.3.6.1.4.1.11129.2.4.2",
  ctPoison: "1.3.6.1.4.1.11129.2.4.3",
  // Access methods
  ocsp: "1.3.6.1.5.5.7.48.1",
  caIssuers: "1.3.6.1.5.5.7.48.2",
  // Policies
  anyPolicy: "2.5.29.32.0",
  cpsQualifier: "1.3.6.1.5.5.7.2.1",
  userNoticeQualifier: "1.3.6.1.5.5.7.2.2",
  // EKUs
  anyExtendedKeyUsage: "2.5.29.37.0",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  codeSigning: "1.3.6.1.5.5.7.3.3",
  emailProtection: "1.3.6.1.5.5.7.3.4",
  timeStamping: "1.3.6.1.5.5.7.3.8",
  OCSPSigning: "1.3.6.1.5.5.7.3.9",
  // Name attributes
  commonName: "2.5.4.3",
  emailAddress: "1.2.840.113549.1.9.1",
} as const;

/**
 * The RFC 5280 §4.2 extensions a path validator processes (or checks the form of). A critical extension
 * outside this list is one the validator rejects (src/verify/conformance.ts); the linter starts from it too.
 */
export const PATH_VALIDATION_EXTENSIONS: readonly string[] = [
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.issuerAltName,
  OID.nameConstraints,
  OID.certificatePolicies,
  OID.policyMappings,
  OID.policyConstraints,
  OID.inhibitAnyPolicy,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.authorityInfoAccess,
  OID.subjectInfoAccess,
  OID.crlDistributionPoints,
];

/** Signature algorithms: OID → name, and the hash node:crypto needs to verify (null for EdDSA / PSS-by-params). */
export const SIGNATURE_ALGORITHMS: Record<string, { name: string; hash: string | null; key: string }> = {
  "1.2.840.113549.1.1.4": { name: "md5WithRSAEncryption", hash: "md5", key: "rsa" },
  "1.2.840.113549.1.1.5": { name: "sha1WithRSAEncryption", hash: "sha1", key: "rsa" },
  "1.2.840.113549.1.1.11": { name: "sha256WithRSAEncryption", hash: "sha256", key: "rsa" },
  "1.2.840.113549.1.1.12": { name: "sha384WithRSAEncryption", hash: "sha384", key: "rsa" },
  "1.2.840.113549.1.1.13": { name: "sha512WithRSAEncryption", hash: "sha512", key: "rsa" },
  "1.2.840.113549.1.1.14": { name: "sha224WithRSAEncryption", hash: "sha224", key: "rsa" },
  "1.2.840.113549.1.1.10": { name: "rsassaPss", hash: null, key: "rsa" },
  "1.2.840.10045.4.1": { name: "ecdsa-with-SHA1", hash: "sha1", key: "ec" },
  "1.2.840.10045.4.3.1": { name: "ecdsa-with-SHA224", hash: "sha224", key: "ec" },
  "1.2.840.10045.4.3.2": { name: "ecdsa-with-SHA256", hash: "sha256", key: "ec" },
  "1.2.840.10045.4.3.3": { name: "ecdsa-with-SHA384", hash: "sha384", key: "ec" },
  "1.2.840.10045.4.3.4": { name: "ecdsa-with-SHA512", hash: "sha512", key: "ec" },
  "1.3.101.112": { name: "ED25519", hash: null, key: "ed25519" },
  "1.3.101.113": { name: "ED448", hash: null, key: "ed448" },
  "1.2.840.10040.4.3": { name: "dsa_with_SHA1", hash: "sha1", key: "dsa" },
  "2.16.840.1.101.3.4.3.2": { name: "dsa_with_SHA256", hash: "sha256", key: "dsa" },
};

export const CURVES: Record<string, { name: string; bits: number }> = {
  "1.2.840.10045.3.1.7": { name: "P-256", bits: 256 },
  "1.3.132.0.34": { name: "P-384", bits: 384 },
  "1.3.132.0.35": { name: "P-521", bits: 521 },
  "1.3.132.0.10": { name: "secp256k1", bits: 256 },
  "1.2.840.10045.3.1.1": { name: "P-192", bits: 192 },
  "1.3.132.0.33": { name: "P-224", bits: 224 },
};

/** Attribute types, with the short names RFC 4514 (and OpenSSL) print. */
export const NAME_ATTRIBUTES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.13": "description",
  "2.5.4.16": "postalAddress",
  "2.5.4.18": "postOfficeBox",
  "2.5.4.20": "telephoneNumber",
  "2.5.4.41": "name",
  "2.5.4.45": "x500UniqueIdentifier",
  "2.5.4.72": "role",
  "0.9.2342.19200300.100.1.3": "mail",
  "1.2.840.113549.1.9.2": "unstructuredName",
  "1.2.840.113549.1.9.8": "unstructuredAddress",
  "2.5.4.15": "businessCategory",
  "2.5.4.17": "postalCode",
  "2.5.4.42": "GN",
  "2.5.4.43": "initials",
  "2.5.4.44": "generationQualifier",
  "2.5.4.46": "dnQualifier",
  "2.5.4.65": "pseudonym",
  "2.5.4.97": "organizationIdentifier",
  "0.9.2342.19200300.100.1.25": "DC",
  "0.9.2342.19200300.100.1.1": "UID",
  "1.2.840.113549.1.9.1": "emailAddress",
  "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionL",
  "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionST",
  "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionC",
};

export const EXTENSION_NAMES: Record<string, string> = {
  [OID.subjectKeyIdentifier]: "subjectKeyIdentifier",
  [OID.keyUsage]: "keyUsage",
  [OID.subjectAltName]: "subjectAltName",
  [OID.issuerAltName]: "issuerAltName",
  [OID.basicConstraints]: "basicConstraints",
  [OID.nameConstraints]: "nameConstraints",
  [OID.crlDistributionPoints]: "crlDistributionPoints",
  [OID.certificatePolicies]: "certificatePolicies",
  [OID.policyMappings]: "policyMappings",
  [OID.authorityKeyIdentifier]: "authorityKeyIdentifier",
  [OID.policyConstraints]: "policyConstraints",
  [OID.extKeyUsage]: "extKeyUsage",
  [OID.freshestCrl]: "freshestCRL",
  [OID.inhibitAnyPolicy]: "inhibitAnyPolicy",
  [OID.authorityInfoAccess]: "authorityInfoAccess",
  [OID.subjectInfoAccess]: "subjectInfoAccess",
  [OID.tlsFeature]: "tlsFeature",
  [OID.sctList]: "ct_precert_scts",
  [OID.ctPoison]: "ct_precert_poison",
  "2.5.29.9": "subjectDirectoryAttributes",
  "2.5.29.16": "privateKeyUsagePeriod",
  "1.3.6.1.5.5.7.1.3": "qcStatements",
  "1.3.6.1.5.5.7.48.1.5": "noCheck",
  "2.16.840.1.113730.1.1": "nsCertType",
  "2.16.840.1.113730.1.13": "nsComment",
};

export const EKU_NAMES: Record<string, string> = {
  [OID.anyExtendedKeyUsage]: "anyExtendedKeyUsage",
  [OID.serverAuth]: "serverAuth",
  [OID.clientAuth]: "clientAuth",
  [OID.codeSigning]: "codeSigning",
  [OID.emailProtection]: "emailProtection",
  [OID.timeStamping]: "timeStamping",
  [OID.OCSPSigning]: "OCSPSigning",
  "1.3.6.1.4.1.311.10.3.3": "msSGC",
  "2.16.840.1.113730.4.1": "nsSGC",
  "1.3.6.1.5.5.7.3.17": "ipsecIKE",
  "1.3.6.1.5.5.7.3.5": "ipsecEndSystem",
  "1.3.6.1.5.5.7.3.6": "ipsecTunnel",
  "1.3.6.1.5.5.7.3.7": "ipsecUser",
  "1.3.6.1.4.1.311.10.3.4": "msEFS",
  "1.3.6.1.4.1.311.20.2.2": "msSmartcardLogin",
  "1.3.6.1.4.1.311.2.1.21": "msCodeInd",
  "1.3.6.1.4.1.311.2.1.22": "msCodeCom",
  "1.3.6.1.4.1.311.10.3.1": "msCTLSign",
  "1.3.6.1.5.5.7.3.21": "secureShellClient",
  "1.3.6.1.5.5.7.3.22": "secureShellServer",
  "1.3.6.1.4.1.11129.2.4.4": "precertificateSigning",
  "1.3.6.1.5.2.3.4": "pkInitClientAuth",
  "1.3.6.1.5.2.3.5": "pkInitKDC",
};

/** otherName type-ids (RFC 5280 4.2.1.6 and later RFCs), named as OpenSSL prints them where it does. */
export const OTHER_NAME_TYPES: Record<string, string> = {
  "1.3.6.1.4.1.311.20.2.3": "UPN",
  "1.3.6.1.5.5.7.8.3": "permanentIdentifier",
  "1.3.6.1.5.5.7.8.4": "HardwareModuleName",
  "1.3.6.1.5.5.7.8.5": "XmppAddr",
  "1.3.6.1.5.5.7.8.7": "SRVName",
  "1.3.6.1.5.5.7.8.8": "NAIRealm",
  "1.3.6.1.5.5.7.8.9": "SmtpUTF8Mailbox",
};

/** Access methods in AIA / SIA (RFC 5280 4.2.2). */
export const ACCESS_METHOD_NAMES: Record<string, string> = {
  [OID.ocsp]: "OCSP",
  [OID.caIssuers]: "caIssuers",
  "1.3.6.1.5.5.7.48.3": "timeStamping",
  "1.3.6.1.5.5.7.48.5": "caRepository",
};

/** Certificate policies with well-known meanings. */
export const POLICY_NAMES: Record<string, string> = {
  [OID.anyPolicy]: "anyPolicy",
  "2.23.140.1.1": "CA/B Forum extended validation",
  "2.23.140.1.2.1": "CA/B Forum domain validated",
  "2.23.140.1.2.2": "CA/B Forum organization validated",
  "2.23.140.1.2.3": "CA/B Forum individual validated",
  "2.23.140.1.3": "CA/B Forum EV code signing",
  "2.23.140.1.4.1": "CA/B Forum code signing",
  "2.23.140.1.5.1.1": "CA/B Forum S/MIME mailbox-validated legacy",
};

/** Policy qualifier ids (RFC 5280 4.2.1.4). */
export const POLICY_QUALIFIER_NAMES: Record<string, string> = {
  [OID.cpsQualifier]: "cps",
  [OID.userNoticeQualifier]: "userNotice",
};

/** TLS extension numbers that appear in the TLS feature extension (RFC 7633). */
export const TLS_FEATURE_NAMES: Record<number, string> = {
  5: "status_request",
  17: "status_request_v2",
};

/** Key usage bit names in bit order (RFC 5280 4.2.1.3). */
export const KEY_USAGE_BITS = [
  "digitalSignature",
  "contentCommitment",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
] as const;
export type KeyUsageName = (typeof KEY_USAGE_BITS)[number];

export function signatureAlgorithmName(oid: string): string {
  return SIGNATURE_ALGORITHMS[oid]?.name ?? oid;
}
