/**
 * What a TLS client profile is: the data and small rule functions that make chainproof's validator
 * (src/verify) behave like one real client — its trust store, whether it fetches missing intermediates,
 * its distrust rules, host-name rules, algorithm limits, which trusted certificates it accepts as anchors,
 * and the exact error text it prints for each kind of failure.
 *
 * Every rule carries its source next to it (client source path, documentation, or "[run]": reproduced on
 * the real client, see docs/research/client-trust-rules.md). Rules we could not check are marked so.
 */

import type { DistrustClient, DistrustRule } from "../trust/distrust.js";
import type { FindingCode, KeyIdMismatchRule, PeerName } from "../verify/index.js";
import type { Certificate } from "../x509/certificate.js";
import type { CtEnforcement } from "./ct.js";

export const CLIENT_IDS = [
  "salesforce",
  "java",
  "openssl",
  "curl",
  "go",
  "node",
  "chrome",
  "firefox",
] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

/**
 * How many intermediates a path may need when a client sets no limit of its own: what the engine explores
 * (with its signature and node budgets, src/verify/policy.ts DEFAULT_BUDGET, the same for every client).
 */
export const UNLIMITED_INTERMEDIATES = 100;

/**
 * The signature checks one client's path search may ask for (each certificate and issuer key once), unless
 * the client has its own limit: enough for the longest path any client builds (100 intermediates, 101
 * links), twice over for wrong candidates on the way. The engine's own default (100, as webpki) would make
 * OpenSSL refuse the 100-intermediate chain `openssl verify` accepts.
 */
export const CLIENT_SIGNATURE_BUDGET = 2 * (UNLIMITED_INTERMEDIATES + 1);

/** How long a path a client builds. */
export interface PathLimits {
  /** The most intermediates (leaf and trust anchor not counted) in a path the client accepts. */
  maxIntermediates: number;
  /** Self-issued intermediates count toward that (OpenSSL, mozilla::pkix); RFC 5280 §6.1.4 (l) does not count them. */
  countsSelfIssued: boolean;
  /** Java's PKIX builder: the limit when it builds a path instead of validating the chain as sent. */
  whenBuilding?: number;
  /** The most certificates the client reads from the server's Certificate message (Java). */
  maxSent?: number;
  /** The client's own limit on signature checks while building a path (Go); else CLIENT_SIGNATURE_BUDGET. */
  signatureBudget?: number;
  /**
   * A candidate issuer whose subjectKeyIdentifier is not the child's authorityKeyIdentifier: "refused" as any
   * issuer (OpenSSL's X509_check_issued: X509_V_ERR_AKID_SKID_MISMATCH), "anchor-refused" as a trust anchor
   * only (Java), or "tried-last" (Go, Chrome; mozilla::pkix never reads the identifiers). Default tried-last.
   */
  keyIdMismatch?: KeyIdMismatchRule;
  /**
   * "first-match": the client picks each issuer once and never tries another (OpenSSL's build_chain: the
   * trusted store first, then the first sent certificate whose name and key identifier match, see
   * ./openssl-chain.ts). Absent: the client searches every candidate path.
   */
  issuerSelection?: "first-match";
  source: string;
  evidence: Evidence;
}

/** How sure we are of a rule or an error text. */
export type Evidence =
  /** Reproduced on the real client (OpenSSL 3.0.19, curl 7.88.1, Node 20, JDK 17.0.15 / 25.0.3, Go 1.19.8, Chromium 156). */
  | "run"
  /** Read in the client's source. */
  | "src"
  /** The vendor's documentation or announcement. */
  | "doc"
  /** Derived from a related client's behaviour (Salesforce from Java); not confirmed on the client itself. */
  | "inferred"
  /** Second-hand or from memory: check before relying on it. */
  | "unverified";

/** Which trust store a client uses when the user names none. */
export interface StoreDefault {
  /** What the real client reads. */
  real:
    | "salesforce-org-list"
    | "jdk-cacerts"
    | "system-bundle"
    | "node-bundled"
    | "chrome-root-store"
    | "mozilla";
  /** What chainproof uses when it is not given that store: the bundled Mozilla roots, or Node's. */
  fallback: "mozilla" | "node";
  /** Said to the user when the fallback is used. */
  approximation?: string;
  source: string;
}

/**
 * A problem with a key or signature algorithm that a client's limits refuse. `position` is the index in
 * the path (0 = leaf); for signatures, the certificate whose signature uses the algorithm.
 */
export interface AlgorithmProblem {
  kind: "weak-signature" | "weak-key";
  cert: Certificate;
  position: number;
  /** The client's own name for the algorithm ("SHA1withRSA", "SHA1-RSA", "RSA 1024"). */
  algorithm: string;
  /** Key size, for weak keys. */
  bits?: number;
  detail: string;
}

export interface AlgorithmContext {
  /** Leaf first, anchor last. */
  certs: readonly Certificate[];
  /**
   * The anchor is one the client ships (Java's "jdkCA": an anchor of the JDK's own cacerts). True for
   * anchors from the client's default store and from a JDK or Salesforce list; false for a user's own file.
   */
  anchorShippedWithClient: boolean;
}

export interface AlgorithmPolicy {
  /** One line per limit, for docs and `--client NAME` descriptions. */
  rules: string[];
  source: string;
  evidence: Evidence;
  check(ctx: AlgorithmContext): AlgorithmProblem[];
}

/** The kinds of failure a client's error text depends on. */
export type FailureKind =
  /** Salesforce: the target presented a self-signed certificate. */
  | "self-signed-target"
  /** The leaf is self-signed and not trusted. */
  | "self-signed-leaf"
  /** The chain ends at a self-signed certificate (sent by the server) that is not trusted. */
  | "untrusted-root"
  /** The chain ends at a certificate whose issuer was neither sent nor trusted (missing intermediate or unknown root). */
  | "unknown-issuer"
  /** The chain ends at a trusted certificate that is not self-signed, which this client does not accept as an anchor. */
  | "non-root-anchor"
  | "expired"
  | "not-yet-valid"
  | "hostname-mismatch"
  | "distrusted"
  | "weak-signature"
  | "weak-key"
  | "not-a-ca"
  | "ca-key-usage"
  | "extended-key-usage"
  | "bad-signature"
  | "name-constraints"
  | "path-length"
  /** The path needs more intermediates than the client builds, or the server sent more certificates than it reads. */
  | "chain-too-long"
  /** chainproof's path search ran out of its budget before finding a valid path (./evaluate.ts). */
  | "budget-exceeded"
  /** A critical extension the client does not process (RFC 5280 §4.2). */
  | "critical-extension"
  /** A path to a public root, short of the SCTs the client's CT policy requires (./ct.ts). */
  | "ct-required"
  | "other";

export interface HostnameFacts {
  peer: PeerName;
  /** dNSName SANs. */
  dns: string[];
  /** iPAddress SANs, as text. */
  ips: string[];
  /** The most specific (last) subject CN. */
  cn?: string;
  /** The certificate has a subjectAltName extension at all. */
  hasSan: boolean;
}

/** One failure, with what the client's error text needs. */
export interface Failure {
  kind: FailureKind;
  /** The certificate concerned and its role in the path. */
  cert?: Certificate;
  role?: "leaf" | "intermediate" | "anchor";
  /** The path the client built or came closest to (leaf first). */
  path: Certificate[];
  /** The server sent only the leaf. */
  onlyLeafSent: boolean;
  time: Date;
  hostname?: HostnameFacts;
  distrust?: { rule: DistrustRule; anchor: Certificate; reason: string };
  algorithm?: AlgorithmProblem;
  /** How many certificates the server sent (for a client that limits it: Java). */
  sentCount?: number;
  /** The issuer was there, but the client does not take it for one: its key identifier is not the one named. */
  keyIdMismatch?: boolean;
  /** Java only: PKIXValidator validates the chain as sent ("validate") or builds a new one ("build"). */
  javaBranch?: "validate" | "build";
  /** The verifier's technical detail. */
  detail: string;
}

export interface ErrorText {
  text: string;
  evidence: Evidence;
}

export interface ClientProfile {
  id: ClientId;
  name: string;
  /** One line: what this profile models. */
  summary: string;
  /** The verification engine the client runs. */
  engine: string;
  store: StoreDefault;
  aia: {
    /** Fetches a missing issuer from the AIA caIssuers URL while building the path. */
    fetches: boolean;
    /** Completes chains from a preloaded list of disclosed intermediates (Firefox). */
    preloads: boolean;
    /**
     * Also fetches when the path through a sent issuer fails: returns the position in `f.path` of the
     * certificate whose AIA issuer the client would fetch for another path, or undefined (Chrome).
     */
    refetchesAfter?: (f: Failure) => number | undefined;
    note: string;
    source: string;
    evidence: Evidence;
  };
  /** Partial distrust rules (src/trust/distrust.ts); null: the client enforces none. */
  distrust: { client: DistrustClient | null; source: string };
  hostname: { cnFallback: boolean; source: string; evidence: Evidence };
  anchors: {
    /**
     * What a trusted certificate that is not self-signed (an intermediate in the store) does: ends a path
     * ("anchor": Java PKIX, Go, curl, browsers), only helps build one and must itself chain to a
     * self-signed root ("issuer": OpenSSL without -partial_chain, Node), or nothing ("ignored": Salesforce).
     */
    nonSelfSigned: "anchor" | "issuer" | "ignored";
    /** A leaf that is itself in the trust store is accepted as it is: any leaf, self-signed ones only, or none. */
    directLeaf: "any" | "self-signed" | "none";
    /** The validity period of such a directly trusted leaf is checked. */
    directLeafValidity: boolean;
    source: string;
    evidence: Evidence;
  };
  /** The validator profile: "webpki" (browsers) or "rfc5280". */
  profile: "webpki" | "rfc5280";
  /**
   * A CA certificate (intermediate or root) with an extKeyUsage that lacks the purpose (and
   * anyExtendedKeyUsage) refuses the chain; default: the "webpki" profile does, "rfc5280" does not.
   */
  ekuChaining?: { enforced: boolean; source: string; evidence: Evidence };
  /** Validator codes this client does not enforce (reported as warnings). */
  ignore: FindingCode[];
  ignoreSource: string;
  algorithms: AlgorithmPolicy;
  /** Path length limits. */
  paths: PathLimits;
  /** Refuses a self-signed target certificate even when it is trusted (Salesforce). */
  refusesSelfSignedTarget?: { source: string };
  /** Lowest TLS version the client negotiates, for the live `check` command. */
  minTls?: { version: "TLSv1.2" | "TLSv1.3"; source: string; evidence: Evidence };
  /** Certificate Transparency: a path to a public root also needs SCTs meeting the policy (./ct.ts). */
  ct?: CtEnforcement;
  /** When several failures apply, the client reports the earliest kind in this list. */
  order: FailureKind[];
  /** What the client prints for a failure. */
  errorText(f: Failure): ErrorText;
}

/** Text for a name in the form Java's X500Principal prints ("CN=a, O=b, C=US"). */
export function javaPrincipal(cert: Certificate): string {
  return cert.subject.rdns
    .slice()
    .reverse()
    .map((rdn) => rdn.map((a) => `${a.shortName ?? `OID.${a.oid}`}=${quoteJava(a.value)}`).join(" + "))
    .join(", ");
}

function quoteJava(v: string): string {
  return /[,+="<>#;\\]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/(["\\])/g, "\\$1")}"` : v;
}

/** "2026-11-28T01:46:08Z" */
export function isoSeconds(d: Date): string {
  // toISOString always ends in ".sssZ" (extended years too): cut it rather than match it, which a scan of
  // distinct leaves did for every date of every finding and fact.
  const s = d.toISOString();
  return `${s.slice(0, -5)}Z`;
}
