/** What several lints need to know about a certificate, worked out one way for all of them. */

import type { Certificate } from "../x509/certificate.js";
import { readTlv, Tag } from "../x509/der.js";
import type { NameAttribute } from "../x509/names.js";
import { OID } from "../x509/oids.js";
import type { CertificateKind } from "./types.js";

export const ALL: readonly CertificateKind[] = ["root", "intermediate", "subscriber"];
export const CA: readonly CertificateKind[] = ["root", "intermediate"];
export const ROOT: readonly CertificateKind[] = ["root"];
export const INTERMEDIATE: readonly CertificateKind[] = ["intermediate"];
export const SUBSCRIBER: readonly CertificateKind[] = ["subscriber"];
export const ISSUED: readonly CertificateKind[] = ["intermediate", "subscriber"];

/** Effective dates: RFC 5280's publication, the Baseline Requirements' first, their 2023 profiles (SC-062). */
export const RFC5280_DATE = "2008-05-01";
export const BR_DATE = "2012-07-01";
export const BR_PROFILES_DATE = "2023-09-15";

/** The CA/Browser Forum's reserved policy OIDs (BR 7.1.6.1) and EV's (EV Guidelines 9.3.2). */
export const POLICY = {
  ev: "2.23.140.1.1",
  dv: "2.23.140.1.2.1",
  ov: "2.23.140.1.2.2",
  iv: "2.23.140.1.2.3",
} as const;
export const RESERVED_TLS_POLICIES: readonly string[] = [POLICY.ev, POLICY.dv, POLICY.ov, POLICY.iv];

/** Name attribute OIDs the lints read. */
export const ATTR = {
  cn: "2.5.4.3",
  surname: "2.5.4.4",
  serialNumber: "2.5.4.5",
  country: "2.5.4.6",
  locality: "2.5.4.7",
  state: "2.5.4.8",
  street: "2.5.4.9",
  organization: "2.5.4.10",
  ou: "2.5.4.11",
  businessCategory: "2.5.4.15",
  postalCode: "2.5.4.17",
  givenName: "2.5.4.42",
  pseudonym: "2.5.4.65",
  email: OID.emailAddress,
  jurisdictionCountry: "1.3.6.1.4.1.311.60.2.1.3",
} as const;

/** root: a self-issued CA; intermediate: another CA (basicConstraints cA); subscriber: everything else. */
export function kindOf(cert: Certificate): CertificateKind {
  if (!cert.isCA) return "subscriber";
  return cert.selfIssued ? "root" : "intermediate";
}

/**
 * A subscriber certificate the Baseline Requirements for TLS server certificates govern: no extKeyUsage
 * (usable for anything), or one that allows serverAuth. Client, S/MIME and SAML certificates are left alone.
 */
export function isTlsServer(cert: Certificate): boolean {
  const eku = cert.extKeyUsage;
  return eku === undefined || eku.includes(OID.serverAuth) || eku.includes(OID.anyExtendedKeyUsage);
}
export const TLS_SERVER_SCOPE =
  "TLS server certificates (extKeyUsage absent, serverAuth or anyExtendedKeyUsage)";

/** A CA that may issue TLS server certificates: no extKeyUsage, or serverAuth or anyExtendedKeyUsage in it. */
export const TLS_CA_SCOPE =
  "CAs that may issue TLS server certificates (extKeyUsage absent or allowing serverAuth)";

/** The extension with this OID, as written (its criticality). */
export function extension(cert: Certificate, oid: string) {
  return cert.extensions.find((e) => e.oid === oid);
}

/** Every subject attribute, in encoded order; worked out once per certificate (most lints ask). */
const SUBJECT_ATTRIBUTES = new WeakMap<Certificate, NameAttribute[]>();
export function subjectAttributes(cert: Certificate): NameAttribute[] {
  let all = SUBJECT_ATTRIBUTES.get(cert);
  if (!all) {
    all = cert.subject.rdns.flat();
    SUBJECT_ATTRIBUTES.set(cert, all);
  }
  return all;
}

/** The subject's attributes of one type, with their encodings. */
export function attributes(cert: Certificate, oid: string): NameAttribute[] {
  return subjectAttributes(cert).filter((a) => a.oid === oid);
}

export function has(cert: Certificate, oid: string): boolean {
  return attributes(cert, oid).length > 0;
}

export function hasPolicy(cert: Certificate, oid: string): boolean {
  return (cert.certificatePolicies ?? []).some((p) => p.policyId === oid);
}

const DAY_MS = 86_400_000;

/**
 * The validity period in days as the Baseline Requirements count it (BR 1.6.1 "Validity Period": notBefore
 * to notAfter inclusive, so a certificate valid for exactly 398 days has notAfter − notBefore = 398 days − 1s).
 */
export function validityDays(cert: Certificate): number {
  return (cert.notAfter.getTime() - cert.notBefore.getTime() + 1000) / DAY_MS;
}

/** The INTEGERs of an RSA public key (modulus, exponent) as content octets, or undefined when malformed. */
export function rsaIntegers(cert: Certificate): { modulus: Uint8Array; exponent: Uint8Array } | undefined {
  const b = cert.publicKey.keyBytes;
  try {
    const s = readTlv(b, 0, b.length);
    const m = readTlv(b, s.valueStart, s.end);
    const e = readTlv(b, m.end, s.end);
    if (s.tag !== Tag.SEQUENCE || m.tag !== Tag.INTEGER || e.tag !== Tag.INTEGER) return undefined;
    return { modulus: b.subarray(m.valueStart, m.end), exponent: b.subarray(e.valueStart, e.end) };
  } catch {
    return undefined;
  }
}

/** The subjectPublicKeyInfo's AlgorithmIdentifier parameters DER, or undefined when absent. */
export function spkiParameters(cert: Certificate): Uint8Array | undefined {
  const spki = cert.publicKey.spki;
  const top = readTlv(spki, 0, spki.length);
  const alg = readTlv(spki, top.valueStart, top.end);
  const algOid = readTlv(spki, alg.valueStart, alg.end);
  return algOid.end < alg.end ? spki.subarray(algOid.end, alg.end) : undefined;
}

export const isNull = (p: Uint8Array | undefined): boolean =>
  p !== undefined && p.length === 2 && p[0] === 0x05 && p[1] === 0;

/** The URIs of an access description list or distribution point names. */
export function uris(names: readonly { type: string; value: string }[]): string[] {
  return names.filter((n) => n.type === "uri").map((n) => n.value);
}

export const isHttpUrl = (u: string): boolean => /^https?:\/\//i.test(u);

/** "a", "a and b", "a, b and c": lists in messages. */
export function list(items: readonly string[]): string {
  return items.length <= 1
    ? (items[0] ?? "")
    : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** Messages for each item that breaks a rule: `problem(item)` says how, or undefined when it does not. */
export function each<T>(items: readonly T[], problem: (item: T) => string | undefined): string[] {
  return items.flatMap((i) => {
    const p = problem(i);
    return p === undefined ? [] : [p];
  });
}
