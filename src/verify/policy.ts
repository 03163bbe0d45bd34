/**
 * The policy: every knob the verifier has, in one object (the role pyca/cryptography's PolicyBuilder
 * plays). The mechanics (build.ts, checks.ts) never decide policy themselves; they read it from here.
 */

import type { AnchorFacts } from "../trust/store.js";
import type { Certificate } from "../x509/certificate.js";
import type { KeyUsageName } from "../x509/oids.js";
import { OID } from "../x509/oids.js";
import type { Crl } from "./crl.js";
import type { FindingCode, RawFinding } from "./findings.js";

export type RevocationMode = "off" | "soft-fail" | "require";

export type PeerName = { kind: "dns" | "ip" | "email"; value: string };

/** A trusted certificate. `name` is how the caller knows it (store alias, bundle label). */
/** What a key identifier mismatch between a certificate and a candidate issuer means (VerifyPolicy.keyIdMismatch). */
export type KeyIdMismatchRule = "tried-last" | "anchor-refused" | "refused";

export interface Anchor {
  /** With `facts`, may be a getter that parses on first access: path building reads it only for candidates. */
  cert: Certificate;
  name?: string;
  /** Recorded facts (src/trust/store.ts): the path builder indexes the anchor by them instead of parsing it. */
  facts?: AnchorFacts;
}

export interface Budget {
  /**
   * Signature checks one search asks for, each (certificate, issuer key) pair once, whether or not a cache
   * already knows the answer (so a verdict never depends on what was verified before). webpki and Go use 100.
   */
  signatures: number;
  /** Issuer candidates considered while building paths. */
  nodes: number;
  /** Name-constraint comparisons (subtrees × names), estimated before each check. webpki uses 250,000. */
  nameConstraintChecks: number;
  /** Nodes in the RFC 5280 valid_policy_tree (guards against exponential policy trees, CVE-2023-0464). */
  policyNodes: number;
}

export const DEFAULT_BUDGET: Readonly<Budget> = Object.freeze({
  signatures: 100,
  nodes: 20_000,
  nameConstraintChecks: 250_000,
  policyNodes: 10_000,
});

/** A candidate path as the pathCheck hook sees it: leaf first, trust anchor last. */
export interface CandidatePath {
  certs: Certificate[];
  anchor: Anchor;
}

export interface Policy {
  /** Validation time. Compared at whole-second granularity (fractions are floored), as RFC 5280 encodes. */
  time: Date;
  /** TLS server certificates (the default EKU is serverAuth) or client certificates (clientAuth). */
  purpose: "server" | "client";
  /** The name the leaf must carry. An array means every name must match. */
  peerName?: PeerName | PeerName[];
  /** EKU OIDs the leaf must allow (default: serverAuth or clientAuth from `purpose`). */
  requiredEku?: string[];
  /** The most intermediates a path may hold, self-issued ones not counted unless depthCountsSelfIssued (default 8). */
  maxDepth?: number;
  /**
   * Count self-issued intermediates toward maxDepth too, as OpenSSL's verify depth and mozilla::pkix's
   * sub-CA count do (default false: RFC 5280 §6.1.4 (l) does not count them).
   */
  depthCountsSelfIssued?: boolean;
  /**
   * Whether a candidate issuer whose subjectKeyIdentifier differs from the child's authorityKeyIdentifier is
   * an issuer at all: "tried-last" (RFC 5280, Go, Chrome: the default), "anchor-refused" (Java: a trust anchor
   * is selected by it, intermediates are not), "refused" (OpenSSL's X509_check_issued, for every issuer).
   */
  keyIdMismatch?: KeyIdMismatchRule;
  /** Key usages the leaf must assert when it has a keyUsage extension. */
  requiredKeyUsage?: KeyUsageName[];
  /**
   * Accept a path that ends at a trusted certificate that is not self-signed (OpenSSL -partial_chain,
   * Java PKIX). When false, a trusted intermediate is used as an ordinary intermediate and the path must
   * reach a self-signed trusted certificate.
   */
  allowNonSelfSignedAnchors: boolean;
  /**
   * "webpki": RFC 5280 plus the CA/Browser Forum profile browsers and pyca/rustls-webpki enforce (leaf
   * must not be a CA, key and algorithm limits, CN must echo a SAN, EKU chaining, name constraints may be
   * non-critical). "rfc5280": RFC 5280 alone.
   */
  profile: "webpki" | "rfc5280";
  /**
   * Refuse a CA whose extKeyUsage lacks the purpose (and anyExtendedKeyUsage), as Mozilla, Chrome, OpenSSL and
   * Go do ("EKU chaining"; not in RFC 5280). Default: true for the "webpki" profile, false for "rfc5280".
   */
  ekuChaining?: boolean;
  /**
   * Also enforce the rules x509-limbo marks "pedantic": serial number form, leaf key limits and leaf EKU
   * form (Web PKI), wildcards over public suffixes. Default false.
   */
  pedantic?: boolean;
  /** CRLs to consult (RFC 5280 §6.3). */
  crls?: Crl[];
  /**
   * What a certificate without a usable, current CRL means. "off": revocation is not checked, even with CRLs.
   * "soft-fail" (default): a certificate is checked against the CRLs that cover it, and one no CRL covers
   * passes, as browsers and most clients do when they cannot fetch revocation data. "require": every
   * certificate but the trust anchor must be covered by a usable, current CRL (RFC 5280 §6.3 with every
   * reason code covered; PKITS), or the path is refused ("revocation-unknown").
   */
  revocation?: RevocationMode;
  budget?: Partial<Budget>;
  /**
   * Check the trust anchor's own validity period (default true, as OpenSSL, Go, NSS and pyca do; Java's
   * PKIX and rustls-webpki do not).
   */
  checkAnchorValidity?: boolean;
  /**
   * A CA certificate whose basicConstraints or policyConstraints (or inhibitAnyPolicy) is not marked
   * critical: "refuse" (the default in the rfc5280 profile: RFC 5280 §4.2.1.9, §4.2.1.11 and §4.2.1.14 say
   * CAs MUST mark them critical, and x509-limbo's rfc5280 cases expect such chains refused) or "accept"
   * (processed as if critical and reported as a warning, as OpenSSL does even with -x509_strict and as NIST
   * PKITS expects of a relying party). The webpki profile reports them as warnings either way (pedantic:
   * errors), except a non-critical basicConstraints in an intermediate, which it refuses.
   */
  nonCriticalConstraints?: "refuse" | "accept";
  /**
   * What a trust anchor's certificate imposes beyond its name and key. "rfc5937" (default): its validity
   * period (see checkAnchorValidity), basicConstraints and keyUsage, pathLenConstraint and name
   * constraints apply to the path (RFC 5937; what OpenSSL, Go, NSS and the browsers do). "rfc5280": the
   * anchor is only a name and a public key (RFC 5280 §6.1.1 (d)), its extensions and dates ignored.
   */
  anchorConstraints?: "rfc5937" | "rfc5280";
  /** Passed to hostname matching: consult the subject CN when the leaf has no SAN of the peer name's kind. */
  cnFallback?: boolean;
  /**
   * The caller's own rules for a candidate path (client profiles: distrust, algorithm limits). Findings
   * with severity "error" (the default) reject the path, and path building goes on with other candidates.
   */
  pathCheck?: (path: CandidatePath) => RawFinding[];
  /** Codes to report as warnings instead of errors (a client that does not enforce a rule). */
  ignore?: FindingCode[];
  /** RFC 5280 §6.1.1 (c): the policies the caller accepts (default: anyPolicy). */
  initialPolicies?: string[];
  /** RFC 5280 §6.1.1 (f): require a valid policy for the whole path. */
  initialExplicitPolicy?: boolean;
  /** RFC 5280 §6.1.1 (e). */
  initialPolicyMappingInhibit?: boolean;
  /** RFC 5280 §6.1.1 (g). */
  initialAnyPolicyInhibit?: boolean;
  /**
   * "full" (default): when no path is valid, search again without stopping at the first fault of each
   * path, so every path tried reports all its faults. "verdict": stop at the first fault (faster; the
   * verdict is the same).
   */
  diagnostics?: "full" | "verdict";
}

/** The policy with defaults applied, as the engine reads it. */
export interface ResolvedPolicy extends Policy {
  /** Validation time in whole seconds since the epoch, as milliseconds (floored). */
  timeMs: number;
  peerNames: PeerName[];
  ekuChaining: boolean;
  requiredEku: string[];
  maxDepth: number;
  depthCountsSelfIssued: boolean;
  keyIdMismatch: KeyIdMismatchRule;
  budget: Budget;
  ignoreSet: Set<FindingCode>;
  pedantic: boolean;
  revocation: RevocationMode;
}

export const DEFAULT_MAX_DEPTH = 8;

export function resolvePolicy(policy: Policy): ResolvedPolicy {
  // Copied once into an object of our own making before the ~25 reads below. A caller's policy built as
  // `{ ...BASE, peerName }` gets a map on which V8 (node 20) makes every read, of an absent field above all,
  // slow: ~10 µs for this function against ~0.5 µs with the copy, whichever way the caller built it. A policy
  // with a prototype of its own (a class, Object.create) may hold fields the copy would miss: read as given.
  const p: Policy = Object.getPrototypeOf(policy) === Object.prototype ? Object.assign({}, policy) : policy;
  const t = p.time.getTime();
  if (!Number.isFinite(t)) throw new TypeError("policy.time is not a valid date");
  const peerNames = p.peerName === undefined ? [] : Array.isArray(p.peerName) ? p.peerName : [p.peerName];
  // Built field by field: an object spread of the caller's policy costs more than the rest of a typical
  // verification's bookkeeping.
  return {
    time: p.time,
    purpose: p.purpose,
    peerName: p.peerName,
    requiredKeyUsage: p.requiredKeyUsage,
    allowNonSelfSignedAnchors: p.allowNonSelfSignedAnchors,
    profile: p.profile,
    crls: p.crls,
    revocation: p.revocation ?? "soft-fail",
    cnFallback: p.cnFallback,
    nonCriticalConstraints: p.nonCriticalConstraints,
    anchorConstraints: p.anchorConstraints,
    checkAnchorValidity: p.checkAnchorValidity,
    pathCheck: p.pathCheck,
    ignore: p.ignore,
    initialPolicies: p.initialPolicies,
    initialExplicitPolicy: p.initialExplicitPolicy,
    initialPolicyMappingInhibit: p.initialPolicyMappingInhibit,
    initialAnyPolicyInhibit: p.initialAnyPolicyInhibit,
    diagnostics: p.diagnostics,
    timeMs: Math.floor(t / 1000) * 1000,
    peerNames,
    requiredEku: p.requiredEku ?? (p.purpose === "client" ? CLIENT_AUTH_ONLY : SERVER_AUTH_ONLY),
    ekuChaining: p.ekuChaining ?? p.profile === "webpki",
    maxDepth: p.maxDepth ?? DEFAULT_MAX_DEPTH,
    depthCountsSelfIssued: p.depthCountsSelfIssued ?? false,
    keyIdMismatch: p.keyIdMismatch ?? "tried-last",
    budget: p.budget ? { ...DEFAULT_BUDGET, ...p.budget } : DEFAULT_BUDGET,
    ignoreSet: p.ignore?.length ? new Set(p.ignore) : EMPTY,
    pedantic: p.pedantic ?? false,
  };
}

const EMPTY: Set<FindingCode> = new Set();
/**
 * The default requiredEku lists, made once, not for every verification: frozen, since every resolved policy
 * shares them (checks.ts keeps a frozen list uncopied).
 */
const SERVER_AUTH_ONLY = Object.freeze([OID.serverAuth]) as string[];
const CLIENT_AUTH_ONLY = Object.freeze([OID.clientAuth]) as string[];
