/**
 * Per-certificate checks that do not depend on the rest of the path: time, CA-ness, key usage, extended
 * key usage and the profile rules of conformance.ts. Results are cached per (certificate, role, the policy
 * fields the checks read), across verifications: one certificate usually sits in several candidate paths,
 * and the clients of one report that check alike (Java, Salesforce and Node; OpenSSL and curl; Chrome and
 * Firefox) ask the same questions of the same certificates.
 */

import type { Certificate } from "../x509/certificate.js";
import { OID } from "../x509/oids.js";
import { commonNameError, conformance, type Role } from "./conformance.js";
import type { RawFinding } from "./findings.js";
import { matchPeerName } from "./hostname.js";
import { memoOf } from "./memo.js";
import { selfIssued } from "./names.js";
import type { ResolvedPolicy } from "./policy.js";

/** What the checks read of a policy (conformance.ts included); the peer fields only for the leaf. */
type CheckInputs = Pick<
  ResolvedPolicy,
  | "profile"
  | "pedantic"
  | "nonCriticalConstraints"
  | "timeMs"
  | "checkAnchorValidity"
  | "ekuChaining"
  | "requiredEku"
  | "cnFallback"
  | "requiredKeyUsage"
  | "peerNames"
>;

interface Answer {
  role: Role;
  inputs: CheckInputs;
  findings: RawFinding[];
}

/**
 * Findings by certificate, each with the role and inputs it answers (compared field by field: cheaper than
 * making a key of them for every question). Callers copy the lists; nobody mutates them.
 */
/** Answers remembered per certificate; past this, its answers start over. */
const ANSWERS_PER_CERT = 32;

export class CertChecks {
  private readonly inputs: CheckInputs;

  constructor(private readonly policy: ResolvedPolicy) {
    const p = policy;
    this.inputs = {
      profile: p.profile,
      pedantic: p.pedantic,
      nonCriticalConstraints: p.nonCriticalConstraints,
      timeMs: p.timeMs,
      checkAnchorValidity: p.checkAnchorValidity,
      ekuChaining: p.ekuChaining,
      // A copy of a caller's list (an answer must not change with it); the defaults are frozen.
      requiredEku: Object.isFrozen(p.requiredEku) ? p.requiredEku : [...p.requiredEku],
      cnFallback: p.cnFallback === true,
      requiredKeyUsage: p.requiredKeyUsage && [...p.requiredKeyUsage],
      peerNames: p.peerNames.map((n) => ({ kind: n.kind, value: n.value })),
    };
  }

  /** Findings for `cert` used in `role` (cached). */
  get(cert: Certificate, role: Role): RawFinding[] {
    const memo = memoOf(cert);
    let answers = memo.checkAnswers as Answer[] | undefined;
    if (answers) {
      for (const a of answers) {
        if (a.role === role && sameInputs(a.inputs, this.inputs, role === "leaf")) return a.findings;
      }
    }
    const findings = role === "leaf" ? leafFindings(cert, this.policy) : caFindings(cert, role, this.policy);
    if (!answers || answers.length >= ANSWERS_PER_CERT) {
      answers = [];
      memo.checkAnswers = answers;
    }
    answers.push({ role, inputs: this.inputs, findings });
    return findings;
  }
}

function sameInputs(a: CheckInputs, b: CheckInputs, leaf: boolean): boolean {
  if (a === b) return true;
  if (
    a.profile !== b.profile ||
    a.pedantic !== b.pedantic ||
    a.nonCriticalConstraints !== b.nonCriticalConstraints ||
    a.timeMs !== b.timeMs ||
    a.checkAnchorValidity !== b.checkAnchorValidity ||
    a.ekuChaining !== b.ekuChaining ||
    !sameList(a.requiredEku, b.requiredEku)
  )
    return false;
  if (!leaf) return true;
  return (
    a.cnFallback === b.cnFallback &&
    sameList(a.requiredKeyUsage ?? [], b.requiredKeyUsage ?? []) &&
    a.peerNames.length === b.peerNames.length &&
    a.peerNames.every((n, i) => n.kind === b.peerNames[i].kind && n.value === b.peerNames[i].value)
  );
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a === b || (a.length === b.length && a.every((x, i) => x === b[i]));
}

/** RFC 5280 §6.1.3 (a)(2): the validity period includes both ends. `timeMs` is already floored to seconds. */
export function validity(cert: Certificate, timeMs: number): RawFinding | undefined {
  if (timeMs < cert.notBefore.getTime()) {
    return {
      code: "not-yet-valid",
      detail: `valid from ${iso(cert.notBefore)}, checked at ${iso(new Date(timeMs))}`,
      cert,
    };
  }
  if (timeMs > cert.notAfter.getTime()) {
    return {
      code: "expired",
      detail: `expired ${iso(cert.notAfter)}, checked at ${iso(new Date(timeMs))}`,
      cert,
    };
  }
  return undefined;
}

function iso(d: Date): string {
  return d.toISOString().replace(".000Z", "Z");
}

function leafFindings(cert: Certificate, policy: ResolvedPolicy): RawFinding[] {
  const out: RawFinding[] = [];
  const add = (code: RawFinding["code"], detail: string) => out.push({ code, detail, cert });
  const webpki = policy.profile === "webpki";

  for (const peer of policy.peerNames) {
    const m = matchPeerName(cert, peer, { cnFallback: policy.cnFallback });
    if (!m.ok) add("hostname-mismatch", m.reason);
  }

  const v = validity(cert, policy.timeMs);
  if (v) out.push(v);

  // CABF BR §7.1.2.7.8: a subscriber certificate is not a CA.
  if (webpki && cert.basicConstraints?.ca)
    add("ca-as-end-entity", "the leaf is a CA certificate (basicConstraints cA=TRUE)");

  // Key usage the caller requires (RFC 5280 §4.2.1.3: an absent extension restricts nothing).
  if (policy.requiredKeyUsage && cert.keyUsage) {
    for (const u of policy.requiredKeyUsage) {
      if (!cert.keyUsage.has(u)) add("key-usage", `keyUsage does not assert ${u}`);
    }
  }

  // Extended key usage: RFC 5280 §4.2.1.12; pedantic Web PKI form rules (CABF BR §7.1.2.7.10).
  const eku = cert.extKeyUsage;
  if (eku) {
    const any = eku.includes(OID.anyExtendedKeyUsage);
    if (webpki && policy.pedantic) {
      if (any)
        add(
          "extended-key-usage",
          "the leaf's extKeyUsage holds anyExtendedKeyUsage, which the Web PKI forbids",
        );
      if (cert.extensions.find((e) => e.oid === OID.extKeyUsage)?.critical) {
        add("extended-key-usage", "the leaf's extKeyUsage is critical, which the Web PKI forbids");
      }
    }
    for (const want of policy.requiredEku) {
      if (!eku.includes(want) && !(any && !(webpki && policy.pedantic))) {
        add(
          "extended-key-usage",
          `extKeyUsage does not allow ${ekuName(want)} (it lists ${eku.map(ekuName).join(", ")})`,
        );
      }
    }
  } else if (webpki && policy.pedantic && !cert.extensions.some((e) => e.oid === OID.extKeyUsage)) {
    add("extended-key-usage", "the leaf has no extKeyUsage extension; the Web PKI requires one");
  }

  if (webpki) {
    const cn = commonNameError(cert);
    if (cn) add("cn-not-in-san", cn);
  }

  out.push(...conformance(cert, "leaf", policy));
  return out;
}

function caFindings(cert: Certificate, role: Role, policy: ResolvedPolicy): RawFinding[] {
  const out: RawFinding[] = [];
  const add = (code: RawFinding["code"], detail: string) => out.push({ code, detail, cert });
  const webpki = policy.profile === "webpki";

  // Java's PKIX does not check a trust anchor's validity period; most other clients do.
  const v =
    role === "anchor" && policy.checkAnchorValidity === false ? undefined : validity(cert, policy.timeMs);
  if (v) out.push(v);

  // RFC 5280 §6.1.4 (k): an issuer must be a v3 certificate whose basicConstraints asserts cA.
  const bc = cert.basicConstraints;
  if (!bc) {
    add(
      "not-a-ca",
      cert.version < 3
        ? `a version ${cert.version} certificate cannot be a CA`
        : "no basicConstraints extension, so it is not a CA",
    );
  } else if (!bc.ca) add("not-a-ca", "basicConstraints does not assert cA");

  // RFC 5280 §6.1.4 (n): keyCertSign.
  if (cert.keyUsage && !cert.keyUsage.has("keyCertSign")) {
    add("key-usage", `keyUsage (${cert.keyUsage.usages.join(", ") || "empty"}) does not assert keyCertSign`);
  }

  // EKU: the Web PKI constrains issuers by their EKU (Mozilla, Chrome; CABF BR §7.1.2.2.6), and so do
  // OpenSSL and Go (policy.ekuChaining), the root included.
  const eku = cert.extKeyUsage;
  if (webpki && eku && role === "anchor" && policy.pedantic && selfIssued(cert)) {
    add("extended-key-usage", "the root carries extKeyUsage, which CABF BR §7.1.2.1.2 forbids");
  }
  if (policy.ekuChaining && eku) {
    if (!eku.includes(OID.anyExtendedKeyUsage)) {
      for (const want of policy.requiredEku) {
        if (!eku.includes(want)) {
          add(
            "extended-key-usage",
            `this CA's extKeyUsage (${eku.map(ekuName).join(", ")}) does not allow ${ekuName(want)}`,
          );
        }
      }
    }
  }

  out.push(...conformance(cert, role, policy));
  return out;
}

const EKU_TEXT: Record<string, string> = {
  [OID.serverAuth]: "serverAuth",
  [OID.clientAuth]: "clientAuth",
  [OID.codeSigning]: "codeSigning",
  [OID.emailProtection]: "emailProtection",
  [OID.timeStamping]: "timeStamping",
  [OID.OCSPSigning]: "OCSPSigning",
  [OID.anyExtendedKeyUsage]: "anyExtendedKeyUsage",
};

export function ekuName(oid: string): string {
  return EKU_TEXT[oid] ?? oid;
}
