/**
 * Path building: a bounded depth-first search from the leaf towards the trust anchors.
 *
 * Model: rustls-webpki's verify_cert.rs (a search with a budget; checks that do not need signatures run
 * first, so paths that fail for cheaper reasons cost no public-key operation) and Go's crypto/x509
 * verify.go (candidate issuers by name, refined by key identifiers; a candidate's signature on the
 * certificate below is checked before the search goes above it, each check counted against the budget).
 *
 * Two modes share this code. "fast" stops a path at its first failing stage and prunes it: this is how
 * the verdict is reached. "full" carries on through every fault so each path tried reports all its
 * faults; index.ts runs it only for rejected chains. A certificate reachable from no anchor (by issuer
 * names, ignoring every other rule) is never explored, which ends the pathological inputs of x509-limbo
 * (hundreds of look-alike intermediates with no root) in linear time; among the others, those nearest to an
 * anchor are tried first, which ends a mesh of cross-signed CAs at its shortest path.
 *
 * Budgets count what one search asks for (signature checks per certificate and issuer key, candidates,
 * name-constraint comparisons, policy tree nodes), never what a cache had to compute: the signature cache
 * (signatures.ts) makes a verification faster, never different.
 */

import { anchorSha256 } from "../trust/store.js";
import { Certificate, parseCertificate } from "../x509/certificate.js";
import { bytesEqual, printable } from "../x509/der.js";
import type { Name } from "../x509/names.js";
import { OID } from "../x509/oids.js";
import { CertChecks } from "./checks.js";
import { checkRevocation, type RevocationInput } from "./crl.js";
import type { RawFinding } from "./findings.js";
import { memoOf } from "./memo.js";
import { checkNameConstraints } from "./name-constraints.js";
import { NameIndex, sameName, selfIssued } from "./names.js";
import { processPolicies } from "./policies.js";
import type { Anchor, ResolvedPolicy } from "./policy.js";
import { checkSignature, signatureKey } from "./signatures.js";

export interface Attempt {
  /** Leaf first; ends with the anchor's certificate when `anchor` is set. */
  certs: Certificate[];
  anchor?: Anchor;
  findings: RawFinding[];
  /** Valid policies of a completed path (RFC 5280 user-constrained policy set). */
  policies?: string[];
}

export interface SearchStats {
  signatureChecks: number;
  nodes: number;
  nameConstraintChecks: number;
  policyNodes: number;
}

export interface SearchResult {
  valid?: Attempt;
  attempts: Attempt[];
  /** Set when a budget ran out; the search stopped there. */
  exhausted?: RawFinding;
  stats: SearchStats;
}

export type Mode = "fast" | "full";

const MAX_ATTEMPTS = 200;

class BudgetExhausted extends Error {}

const IDS = new WeakMap<object, number>();
let nextId = 0;

/** A number per object, for keys that must not hash or compare certificates. */
function identity(o: object): number {
  const memo = o instanceof Certificate ? memoOf(o) : undefined;
  let id = memo ? memo.identity : IDS.get(o);
  if (id === undefined) {
    id = nextId++;
    if (memo) memo.identity = id;
    else IDS.set(o, id);
  }
  return id;
}

/**
 * Graph indexes are kept per leaf (CertMemo.pathIndexes), then by Graph.indexKey; read-only once built. A few
 * per leaf (one per store seen).
 */
const MAX_BUILT_PER_LEAF = 8;

/**
 * Everything the search needs, prepared once per verification. The issuer indexes are built on first use,
 * so presented certificates given as DER are parsed only when path building needs them (a verdict decided
 * by the leaf alone parses nothing else).
 */
export class Graph {
  /** The trust anchor that is the leaf itself (a directly trusted certificate), if any. */
  readonly leafAnchor?: Anchor;
  private built?: {
    /** Terminal trust anchors, by subject. */
    anchors: AnchorIndex;
    /** Candidate intermediates (presented, and trusted ones that may not end a path), by subject. */
    pool: NameIndex<Certificate>;
    /**
     * Intermediates from which some anchor can be reached through issuer names, with the fewest
     * intermediates above them on such a route (0: an anchor is named as its issuer).
     */
    reachable: Map<Certificate, number>;
    /** Presented DER that does not parse. */
    malformed: RawFinding[];
  };

  constructor(
    readonly leaf: Certificate,
    private readonly presented: (Certificate | Uint8Array)[],
    private readonly trusted: Anchor[],
    private readonly policy: ResolvedPolicy,
  ) {
    this.leafAnchor = trusted.find((a) =>
      a.facts ? a.facts.sha256 === leaf.sha256 : sameCert(a.cert, leaf),
    );
  }

  get index() {
    if (!this.built) {
      const key = this.indexKey();
      const memo = memoOf(this.leaf);
      let forLeaf = memo.pathIndexes as Map<string, Graph["built"] & object> | undefined;
      if (!forLeaf) {
        forLeaf = new Map();
        memo.pathIndexes = forLeaf;
      }
      this.built = forLeaf.get(key) ?? this.build();
      if (!forLeaf.has(key)) {
        if (forLeaf.size >= MAX_BUILT_PER_LEAF) forLeaf.delete(forLeaf.keys().next().value as string);
        forLeaf.set(key, this.built);
      }
    }
    return this.built;
  }

  /**
   * What the index depends on, by object identity: the certificates (or DER) presented, the anchors and their
   * names, and whether a non-self-issued anchor ends a path. Clients that see the same chain and store (most
   * of the eight) share one index instead of each indexing 1,500 cross-signs again.
   */
  private indexKey(): string {
    const ids = (xs: readonly object[]) => xs.map(identity).join(",");
    const anchorIds = this.trusted.map((a) => `${identity(a.facts ?? a.cert)}:${a.name ?? ""}`).join(",");
    // Two differences that build() makes none of, so they do not split the clients that share an index: a
    // presented copy of the leaf (never pooled; OpenSSL's model leaves it out of the chain it passes), and
    // whether a non-self-issued anchor may end a path when every anchor is self-issued.
    const presented = this.presented.filter((x) => x instanceof Uint8Array || !sameCert(x, this.leaf));
    const anyAnchorEnds = this.policy.allowNonSelfSignedAnchors || this.trusted.every(anchorSelfIssued);
    return `${anyAnchorEnds}|${ids(presented)}|${anchorIds}`;
  }

  private build() {
    const { leaf, policy } = this;
    const anchors = new AnchorIndex();
    const poolIndex = new NameIndex<Certificate>();
    const reachable = new Map<Certificate, number>();
    const malformed: RawFinding[] = [];
    const others: Certificate[] = [];
    const seenAnchors = new CertSet();
    // Anchors with recorded facts are deduplicated by their SHA-256 (so they stay unparsed), and so are the
    // others when both kinds are mixed.
    const lazy = this.trusted.some((a) => a.facts);
    const seenSha = new Set<string>();
    const firstSeen = (a: Anchor): boolean => {
      if (!a.facts && !seenAnchors.add(a.cert)) return false;
      if (!lazy) return true;
      const sha = anchorSha256(a);
      if (seenSha.has(sha)) return false;
      seenSha.add(sha);
      return true;
    };
    for (const a of this.trusted) {
      // Without partial chains, a trusted certificate that is not self-issued is only an intermediate.
      if (!policy.allowNonSelfSignedAnchors && !anchorSelfIssued(a)) others.push(a.cert);
      else if (firstSeen(a)) anchors.add(a);
    }
    const presented: Certificate[] = [];
    this.presented.forEach((x, i) => {
      if (!(x instanceof Uint8Array)) presented.push(x);
      else {
        try {
          presented.push(parseCertificate(x));
        } catch (e) {
          malformed.push({
            code: "malformed-certificate",
            detail: `presented certificate ${i + 1} does not parse: ${e instanceof Error ? e.message : String(e)}`,
          });
        }
      }
    });
    const pool: Certificate[] = [];
    const seenPool = new CertSet();
    seenPool.add(leaf);
    for (const c of [...presented, ...others]) {
      if (seenAnchors.has(c) || (lazy && seenSha.has(c.sha256)) || !seenPool.add(c)) continue;
      pool.push(c);
      poolIndex.add(c.subject, c);
    }
    // Reachability: walk down from the anchors through subject → issuer name links, breadth first, so each
    // certificate gets its distance to the nearest anchor. Ordering candidates by it makes the depth-first
    // search try the shortest route first, which keeps a mesh of cross-signed CAs from using up the budget
    // on long detours before a two-intermediate path is tried. Distance 0: an anchor is named as the issuer
    // (looked up by name, so that no anchor is parsed for it).
    const byIssuer = new NameIndex<Certificate>();
    let level: Certificate[] = [];
    for (const c of pool) {
      byIssuer.add(c.issuer, c);
      if (anchors.has(c.issuer)) {
        reachable.set(c, 0);
        level.push(c);
      }
    }
    // Each subject name is expanded once: the certificates a name issued are the same whichever of the
    // (cross-signed) certificates bearing it was reached.
    const expanded = new NameIndex<true>();
    for (let distance = 1; level.length; distance++) {
      const next: Certificate[] = [];
      for (const top of level) {
        if (expanded.find(top.subject).length) continue;
        expanded.add(top.subject, true);
        for (const c of byIssuer.find(top.subject)) {
          if (reachable.has(c)) continue;
          reachable.set(c, distance);
          next.push(c);
        }
      }
      level = next;
    }
    return { anchors, pool: poolIndex, reachable, malformed };
  }
}

/** The anchor's subject is its issuer (from the recorded facts when it has them, so it stays unparsed). */
function anchorSelfIssued(a: Anchor): boolean {
  return a.facts ? a.facts.subjectKey === a.facts.issuerKey : selfIssued(a.cert);
}

/**
 * Terminal anchors by subject name, `find` returning them in the order added. An anchor with recorded facts
 * (a bundled root) is kept by its subject's match key and parsed only when a certificate names it as its
 * issuer: a verdict against Mozilla's 121 roots parses the one or two that can end its chain.
 */
class AnchorIndex {
  private readonly parsed = new NameIndex<Anchor>();
  private readonly byKey = new Map<string, Anchor[]>();
  private readonly order = new Map<Anchor, number>();

  add(a: Anchor): void {
    this.order.set(a, this.order.size);
    if (!a.facts) this.parsed.add(a.cert.subject, a);
    else {
      const same = this.byKey.get(a.facts.subjectKey);
      if (same) same.push(a);
      else this.byKey.set(a.facts.subjectKey, [a]);
    }
  }

  /** The anchors whose subject matches `name` (RFC 5280 §7.1), in the order added; a fresh array. */
  find(name: Name): Anchor[] {
    const parsed = this.parsed.find(name);
    if (this.byKey.size === 0) return parsed;
    const recorded = this.byKey.get(name.matchKey) ?? [];
    if (parsed.length === 0) return [...recorded];
    const order = (a: Anchor) => this.order.get(a) ?? 0;
    return [...parsed, ...recorded].sort((x, y) => order(x) - order(y));
  }

  has(name: Name): boolean {
    return (this.byKey.size > 0 && this.byKey.has(name.matchKey)) || this.parsed.find(name).length > 0;
  }
}

/**
 * A set of certificates by DER, bucketed by length and the DER's last bytes (the end of the signature, which
 * differs between any two certificates that are not copies), so a large trust store or a pile of look-alike
 * certificates of one length dedupes in linear time.
 */
class CertSet {
  /** The certificates while there are few (scanned, as a chain's handful is), then undefined. */
  private few: Certificate[] | undefined = [];
  private buckets: Map<number, Certificate[]> | undefined;
  /** The DER's length (low 16 bits) and its last four bytes, as one number below 2^48. */
  private static key(c: Certificate): number {
    const d = c.der;
    const n = d.length;
    const tail = n < 4 ? 0 : ((d[n - 4] << 24) | (d[n - 3] << 16) | (d[n - 2] << 8) | d[n - 1]) >>> 0;
    return tail * 65536 + (n & 0xffff);
  }
  has(c: Certificate): boolean {
    if (this.few) return this.few.some((x) => sameCert(x, c));
    return this.buckets?.get(CertSet.key(c))?.some((x) => sameCert(x, c)) ?? false;
  }
  /** Adds `c`; false when an equal certificate is already there. */
  add(c: Certificate): boolean {
    if (this.few) {
      if (this.few.some((x) => sameCert(x, c))) return false;
      if (this.few.length < SMALL_CERT_SET) {
        this.few.push(c);
        return true;
      }
      const few = this.few;
      this.few = undefined;
      this.buckets = new Map();
      for (const x of few) this.addToBucket(x);
    }
    return this.addToBucket(c);
  }
  private addToBucket(c: Certificate): boolean {
    const buckets = this.buckets as Map<number, Certificate[]>;
    const k = CertSet.key(c);
    const b = buckets.get(k);
    if (!b) buckets.set(k, [c]);
    else if (b.some((x) => sameCert(x, c))) return false;
    else b.push(c);
    return true;
  }
}

/** Certificates a CertSet scans before it buckets them. */
const SMALL_CERT_SET = 8;

/** The same certificate: the same object, or the same DER. */
export function sameCert(a: Certificate, b: Certificate): boolean {
  return a === b || bytesEqual(a.der, b.der);
}

export function search(graph: Graph, policy: ResolvedPolicy, mode: Mode): SearchResult {
  return new Search(graph, policy, mode).run();
}

class Search {
  private readonly checks: CertChecks;
  private readonly stats: SearchStats = {
    signatureChecks: 0,
    nodes: 0,
    nameConstraintChecks: 0,
    policyNodes: 0,
  };
  private readonly attempts: Attempt[] = [];
  private valid?: Attempt;
  private exhausted?: RawFinding;
  /** Made on first use: most paths carry no name constraints. */
  private ncCache: Map<Certificate, Map<Certificate, RawFinding | null>> | undefined;
  /**
   * Signatures this search asked for: child → issuer keys. The budget counts these, whether or not the
   * process-wide cache already knew the answer, so a verdict never depends on what was verified before.
   */
  private readonly signaturesAsked = new Map<Certificate, Set<string>>();
  /**
   * The certificates of the path being extended, by key (signatureKey): the loop check (inPath's rule)
   * compares a candidate only with those sharing its key, instead of with the whole path at every node.
   */
  private readonly onPath = new Map<string, Certificate[]>();
  /** Each certificate's issuer candidates, found and ordered once per search (a node is often revisited). */
  private readonly candidates = new Map<Certificate, Candidates>();
  private readonly fast: boolean;

  constructor(
    private readonly graph: Graph,
    private readonly policy: ResolvedPolicy,
    mode: Mode,
  ) {
    this.checks = new CertChecks(policy);
    this.fast = mode === "fast";
  }

  run(): SearchResult {
    const leaf = this.graph.leaf;
    const leafFindings = this.checks.get(leaf, "leaf");
    try {
      const direct = this.graph.leafAnchor;
      if (direct) {
        // The leaf is itself trusted (a pinned or directly trusted certificate, as Java, OpenSSL and Go
        // accept): the path is the leaf alone, and only the leaf's own checks and the caller's apply.
        const findings = [
          ...leafFindings,
          ...this.graph.index.malformed,
          ...(this.policy.pathCheck?.({ certs: [leaf], anchor: direct }) ?? []),
        ];
        const attempt: Attempt = { certs: [leaf], anchor: direct, findings, policies: [] };
        if (!hasError(findings, this.policy)) {
          this.valid = attempt;
          return this.result();
        }
        this.record(attempt);
      }
      if (this.fast && hasError(leafFindings, this.policy)) {
        this.record({ certs: [leaf], findings: leafFindings });
      } else {
        // A peer that sends a certificate that does not parse fails the handshake in every TLS client,
        // whatever the rest of the chain: every path carries the finding.
        const malformed = this.graph.index.malformed;
        if (this.fast && malformed.length)
          this.record({ certs: [leaf], findings: [...leafFindings, ...malformed] });
        else {
          this.enter(leaf);
          if (!this.extend([leaf], [...leafFindings, ...malformed]) && !this.fast)
            this.walk(leaf, leafFindings);
        }
      }
    } catch (e) {
      if (!(e instanceof BudgetExhausted)) throw e;
    }
    return this.result();
  }

  /**
   * Diagnostics when no path reached an anchor: the search skips certificates from which no anchor can be
   * reached, so its dead ends can stop at the leaf. Follow the issuer links the certificates do have, as far
   * as they go (one candidate per step, no loops), so the report shows the chain as a client sees it and
   * what is wrong along it, ending at the certificate whose issuer is missing.
   */
  private walk(leaf: Certificate, leafFindings: RawFinding[]): void {
    if (this.attempts.some((a) => a.anchor)) return;
    const path = [leaf];
    // RFC 4158 §5.2 loop detection (the same certificate, or the same subject and key, never twice), kept as
    // sets: a walk through 200 look-alikes would otherwise compare each candidate with the whole path.
    const certsOnPath = new Set([leaf.sha256]);
    const keysOnPath = new Map<string, Certificate[]>([[signatureKey(leaf), [leaf]]]);
    const findings = [...leafFindings];
    for (;;) {
      const cur = path[path.length - 1];
      const issuerOf = this.issuerTest(cur);
      const next = firstInOrder(cur, this.graph.index.pool.find(cur.issuer), this.policy.timeMs, (c) => {
        if (certsOnPath.has(c.sha256)) return false;
        if (keysOnPath.get(signatureKey(c))?.some((p) => sameName(p.subject, c.subject))) return false;
        return issuerOf(c);
      });
      if (!next || path.length > 2 * this.policy.maxDepth + 4) break;
      path.push(next);
      certsOnPath.add(next.sha256);
      const sameKey = keysOnPath.get(signatureKey(next));
      if (sameKey) sameKey.push(next);
      else keysOnPath.set(signatureKey(next), [next]);
      findings.push(...this.checks.get(next, "ca"));
    }
    if (path.length === 1) return;
    const cur = path[path.length - 1];
    findings.push({
      code: "no-path-to-trust-anchor",
      detail: selfIssued(cur)
        ? `the chain ends at the self-issued ${printable(cur.subject.toString(), 200)}, which is not a trust anchor`
        : `no certificate named ${printable(cur.issuer.toString(), 200)} was presented or is trusted`,
      cert: cur,
    });
    this.record({ certs: path, findings });
  }

  private result(): SearchResult {
    return { valid: this.valid, attempts: this.attempts, exhausted: this.exhausted, stats: this.stats };
  }

  private record(a: Attempt): void {
    if (this.attempts.length < MAX_ATTEMPTS) this.attempts.push(a);
  }

  private exhaust(detail: string): never {
    this.exhausted = { code: "budget-exceeded", detail };
    throw new BudgetExhausted(detail);
  }

  /** `c` is on the path being extended: the same certificate, or the same subject and key (inPath). */
  private looping(c: Certificate): boolean {
    const sameKey = this.onPath.get(signatureKey(c));
    return sameKey?.some((p) => sameCert(p, c) || sameName(p.subject, c.subject)) ?? false;
  }

  private enter(c: Certificate): void {
    const key = signatureKey(c);
    const sameKey = this.onPath.get(key);
    if (sameKey) sameKey.push(c);
    else this.onPath.set(key, [c]);
  }

  private leave(c: Certificate): void {
    this.onPath.get(signatureKey(c))?.pop();
  }

  /**
   * `cur`'s candidate issuers: anchors first unless their key identifier contradicts `cur`'s AKI (those come
   * after the intermediates, so a chain of same-name CAs under a same-name root climbs by its key identifiers
   * instead of checking the root's signature at every step), then the intermediates from which an anchor
   * can be reached, in `order`.
   */
  private candidatesOf(cur: Certificate): Candidates {
    let c = this.candidates.get(cur);
    if (!c) {
      const g = this.graph.index;
      const issuerOf = this.issuerTest(cur);
      const anchorOf = this.anchorTest(cur);
      const anchors = g.anchors.find(cur.issuer).filter((a) => anchorOf(a.cert));
      const named = g.pool.find(cur.issuer);
      const pool = named.filter((x) => g.reachable.has(x) && issuerOf(x));
      const distance = (x: Certificate) => g.reachable.get(x) ?? 0;
      const [likely, unlikely] = partition(
        order(cur, anchors, (x) => x.cert, this.policy.timeMs),
        (a) => !contradictsKeyId(cur, a.cert),
      );
      c = {
        likely,
        unlikely,
        pool: order(cur, pool, (x) => x, this.policy.timeMs, distance),
        named: named.length,
      };
      this.candidates.set(cur, c);
    }
    return c;
  }

  /**
   * Which same-name certificates can be `cur`'s issuer at all: every one, unless the policy takes a key
   * identifier mismatch as "not the issuer" (OpenSSL), which also spares the signature checks of the
   * look-alikes a same-name chain or a cross-signed mesh offers at every step.
   */
  private issuerTest(cur: Certificate): (c: Certificate) => boolean {
    return this.policy.keyIdMismatch === "refused" ? (c) => !contradictsKeyId(cur, c) : () => true;
  }

  /** The same for a trust anchor: Java selects anchors by the key identifier too. */
  private anchorTest(cur: Certificate): (c: Certificate) => boolean {
    return this.policy.keyIdMismatch === "tried-last" ? () => true : (c) => !contradictsKeyId(cur, c);
  }

  /** Returns true once a valid path is found. */
  private extend(path: Certificate[], findings: RawFinding[]): boolean {
    const cur = path[path.length - 1];
    const { likely, unlikely, pool, named } = this.candidatesOf(cur);
    if (likely.length === 0 && unlikely.length === 0 && pool.length === 0) {
      this.record({ certs: path, findings: [...findings, this.noIssuer(cur, named)] });
      return false;
    }
    let tried = 0;
    const tryAnchor = (a: Anchor): boolean => {
      this.node();
      tried++;
      return this.complete(path, a, findings);
    };
    for (const a of likely) if (tryAnchor(a)) return true;
    for (const c of pool) {
      if (this.looping(c)) continue;
      this.node();
      tried++;
      const next = [...path, c];
      const own: RawFinding[] = [...this.checks.get(c, "ca"), ...this.constraints(next)];
      const tooDeep = this.depthFinding(next);
      if (tooDeep) {
        own.push(tooDeep);
        this.record({ certs: next, findings: [...findings, ...own] });
        continue;
      }
      if (this.fast && hasError(own, this.policy)) {
        this.record({ certs: next, findings: [...findings, ...own] });
        continue;
      }
      const sig = this.fast ? this.linkSignature(cur, c) : undefined;
      if (sig) {
        this.record({ certs: next, findings: [...findings, ...own, sig] });
        continue;
      }
      this.enter(c);
      const found = this.extend(next, [...findings, ...own]);
      this.leave(c);
      if (found) return true;
    }
    for (const a of unlikely) if (tryAnchor(a)) return true;
    if (tried === 0) {
      this.record({
        certs: path,
        findings: [
          ...findings,
          {
            code: "no-path-to-trust-anchor",
            detail: `every certificate named ${printable(cur.issuer.toString())} is already in this path (a loop)`,
            cert: cur,
          },
        ],
      });
    }
    return false;
  }

  /**
   * The path (leaf first, its top an intermediate) holds more intermediates than the policy allows. Without
   * depthCountsSelfIssued, self-issued intermediates do not count (RFC 5280 §6.1), but a path of them still
   * stops at twice the depth, so a pile of same-name CAs cannot make the search unbounded.
   */
  private depthFinding(path: Certificate[]): RawFinding | undefined {
    const { maxDepth, depthCountsSelfIssued } = this.policy;
    const intermediates = path.length - 1;
    const counted = depthCountsSelfIssued ? intermediates : countNonSelfIssued(path);
    const cert = path[path.length - 1];
    if (counted > maxDepth) {
      const which = depthCountsSelfIssued ? "" : " (self-issued ones not counted)";
      return {
        code: "max-depth-exceeded",
        detail: `the path would need ${counted} intermediates${which}; at most ${maxDepth} are allowed`,
        cert,
      };
    }
    const ceiling = 2 * maxDepth + 4;
    if (intermediates > ceiling) {
      return {
        code: "max-depth-exceeded",
        detail: `the path would need ${intermediates} intermediates, ${intermediates - counted} of them self-issued; path building stops at ${ceiling}`,
        cert,
      };
    }
    return undefined;
  }

  private node(): void {
    if (++this.stats.nodes > this.policy.budget.nodes) {
      this.exhaust(`path building considered more than ${this.policy.budget.nodes} candidate issuers`);
    }
  }

  private noIssuer(cur: Certificate, sameName: number): RawFinding {
    const issuer = printable(cur.issuer.toString(), 200);
    const mismatched = this.keyIdRefused(cur);
    if (mismatched.length) {
      return {
        code: "issuer-key-id-mismatch",
        detail: `the certificate names the key ${cur.authorityKeyIdentifier?.keyId} as its signer's, but ${mismatched.length === 1 ? "the certificate" : `the ${mismatched.length} certificates`} named ${issuer} ${mismatched.length === 1 ? "carries" : "carry"} the key identifier ${mismatched[0].subjectKeyIdentifier}`,
        cert: cur,
        issuer: mismatched[0],
      };
    }
    const detail =
      sameName > 0
        ? `${sameName} certificate(s) are named ${issuer}, the issuer, but none of them leads to a trust anchor`
        : selfIssued(cur)
          ? `the certificate is self-issued (${issuer}) and is not among the trust anchors`
          : `no certificate named ${issuer} was presented or is trusted`;
    return { code: "no-path-to-trust-anchor", detail, cert: cur };
  }

  /** Same-name certificates that signed `cur` but that the policy refuses as its issuer for their key identifier. */
  private keyIdRefused(cur: Certificate): Certificate[] {
    const rule = this.policy.keyIdMismatch;
    if (rule === "tried-last") return [];
    const g = this.graph.index;
    const named = [
      ...(rule === "refused" ? g.pool.find(cur.issuer) : []),
      ...g.anchors.find(cur.issuer).map((a) => a.cert),
    ];
    return named.filter((c) => contradictsKeyId(cur, c) && checkSignature(cur, c).ok);
  }

  /** pathLenConstraint and name constraints of the CA just added at the top of `path`, over the certificates below it. */
  private constraints(path: Certificate[]): RawFinding[] {
    const out: RawFinding[] = [];
    const p = path.length - 1;
    const ca = path[p];
    // RFC 5280 §6.1.4 (l)-(m): count the non-self-issued CA certificates below this one (the leaf is not counted).
    const pathLen = ca.basicConstraints?.ca ? ca.basicConstraints.pathLen : undefined;
    if (pathLen !== undefined) {
      let below = 0;
      for (let q = 1; q < p; q++) if (!selfIssued(path[q])) below++;
      if (below > pathLen) {
        out.push({
          code: "path-length-exceeded",
          detail: `pathLenConstraint ${pathLen} allows ${pathLen} CA certificate(s) below it; this path has ${below}`,
          cert: ca,
        });
      }
    }
    const nc = ca.nameConstraints;
    if (nc) {
      const subtrees = (nc.permitted?.length ?? 0) + (nc.excluded?.length ?? 0);
      for (let q = 0; q < p; q++) {
        const cert = path[q];
        // RFC 5280 §6.1.3 (b): self-issued certificates other than the leaf are not subject to constraints.
        if (q > 0 && selfIssued(cert)) continue;
        const r = this.nameConstraints(ca, cert, q === 0, subtrees);
        if (r) out.push(r);
      }
    }
    return out;
  }

  private nameConstraints(
    ca: Certificate,
    cert: Certificate,
    isLeaf: boolean,
    subtrees: number,
  ): RawFinding | null {
    this.ncCache ??= new Map();
    let m = this.ncCache.get(ca);
    if (!m) {
      m = new Map();
      this.ncCache.set(ca, m);
    }
    const hit = m.get(cert);
    if (hit !== undefined) return hit;
    const names = (cert.subjectAltName?.length ?? 0) + cert.subject.rdns.length + 1;
    this.stats.nameConstraintChecks += subtrees * names;
    if (this.stats.nameConstraintChecks > this.policy.budget.nameConstraintChecks) {
      this.exhaust(
        `name constraints would need more than ${this.policy.budget.nameConstraintChecks} comparisons (${subtrees} subtrees × ${names} names)`,
      );
    }
    // A leaf CN is constrained as a host name whenever hostname matching could accept it: when the leaf has
    // no subjectAltName at all (webpki), or, with cnFallback, no DNS name in it. BetterTLS expects a CN beside
    // an IP-only SAN to be ignored when the CN is never used as a name.
    const checkCommonName =
      isLeaf &&
      this.policy.purpose === "server" &&
      (!cert.hasExtension(OID.subjectAltName) || (this.policy.cnFallback === true && !cert.dnsNames.length));
    const r = checkNameConstraints(nc(ca), cert, { checkCommonName });
    const out: RawFinding | null = r.ok
      ? null
      : {
          code: "name-constraints-violated",
          detail: r.name && !r.reason.includes(r.name) ? `${printable(r.name)}: ${r.reason}` : r.reason,
          cert,
          issuer: ca,
        };
    m.set(cert, out);
    return out;
  }

  /**
   * The verdict search checks each link's signature before going further up, once the candidate passed the
   * cheaper checks (as Go's buildChains does, before them): among many look-alike issuers only the one that
   * signed goes on, so a pile of same-name CAs or a mesh of cross-signs costs one check per candidate key,
   * not a search through every path above the wrong ones. The full search reports every fault instead.
   */
  private linkSignature(child: Certificate, issuer: Certificate): RawFinding | undefined {
    this.countSignature(child, issuer);
    const s = checkSignature(child, issuer);
    return s.ok ? undefined : { code: s.code, detail: s.detail, cert: child, issuer };
  }

  /**
   * Counts a signature against the budget the first time this search asks for it: once per child and issuer
   * key, so cross-signed copies of one CA cost one check, as does asking again on another path.
   */
  private countSignature(child: Certificate, issuer: Certificate): void {
    const key = signatureKey(issuer);
    let asked = this.signaturesAsked.get(child);
    if (!asked) {
      asked = new Set();
      this.signaturesAsked.set(child, asked);
    }
    if (asked.has(key)) return;
    asked.add(key);
    if (++this.stats.signatureChecks > this.policy.budget.signatures) {
      this.exhaust(`path building needed more than ${this.policy.budget.signatures} signature checks`);
    }
  }

  /** `path` reached anchor `a`: run the path-wide checks. Returns true when the path is valid. */
  private complete(path: Certificate[], a: Anchor, findings: RawFinding[]): boolean {
    const certs = [...path, a.cert];
    const all = [...findings];
    const stage = (fs: RawFinding[]): boolean => {
      all.push(...fs);
      if (this.fast && hasError(fs, this.policy)) {
        this.record({ certs, anchor: a, findings: all });
        return false;
      }
      return true;
    };
    // 1. The anchor's own checks and the constraints it places on the path.
    // (policy.anchorConstraints "rfc5280": the anchor is only a name and a key, and none of this applies.)
    const anchorRules =
      this.policy.anchorConstraints === "rfc5280"
        ? []
        : [...this.checks.get(a.cert, "anchor"), ...this.constraints(certs)];
    if (!stage(anchorRules)) return false;
    // 2. Certificate policies (RFC 5280 §6.1; the anchor is not part of the RFC path).
    const rfcPath = path.slice().reverse();
    const pol = processPolicies(rfcPath, {
      initialPolicies: this.policy.initialPolicies,
      initialExplicitPolicy: this.policy.initialExplicitPolicy,
      initialPolicyMappingInhibit: this.policy.initialPolicyMappingInhibit,
      initialAnyPolicyInhibit: this.policy.initialAnyPolicyInhibit,
      maxNodes: this.policy.budget.policyNodes,
    });
    this.stats.policyNodes = Math.max(this.stats.policyNodes, pol.nodes);
    if (!pol.ok && pol.code === "budget-exceeded") this.exhaust(pol.detail);
    if (!stage(pol.ok ? [] : [{ code: pol.code, detail: pol.detail, cert: pol.cert }])) return false;
    // 3. The caller's rules.
    if (this.policy.pathCheck && !stage(this.policy.pathCheck({ certs, anchor: a }))) return false;
    // 4. Signatures, leaf upwards.
    const sigs: RawFinding[] = [];
    for (let q = 0; q < path.length; q++) {
      const child = certs[q];
      const issuer = certs[q + 1];
      this.countSignature(child, issuer);
      const s = checkSignature(child, issuer);
      if (!s.ok) {
        sigs.push({ code: s.code, detail: s.detail, cert: child, issuer });
        if (this.fast) break;
      }
    }
    if (!stage(sigs)) return false;
    // 5. Revocation (crl.ts), for every certificate below the anchor, as the policy's revocation mode says.
    const crls = this.policy.crls ?? [];
    const mode = this.policy.revocation;
    if (mode !== "off" && (crls.length || mode === "require")) {
      const g = this.graph.index;
      const input: RevocationInput = {
        crls,
        timeMs: this.policy.timeMs,
        mode,
        anchor: a.cert,
        certsNamed: (name) => [...g.pool.find(name), ...g.anchors.find(name).map((x) => x.cert)],
      };
      const rev: RawFinding[] = [];
      for (let q = 0; q < path.length; q++) rev.push(...checkRevocation(certs[q], certs[q + 1], input));
      if (!stage(rev)) return false;
    }
    const attempt: Attempt = { certs, anchor: a, findings: all, policies: pol.ok ? pol.policies : undefined };
    if (hasError(all, this.policy)) {
      this.record(attempt);
      return false;
    }
    this.valid = attempt;
    return true;
  }
}

/** A certificate's issuer candidates in the order the search tries them (Search.candidatesOf). */
interface Candidates {
  likely: Anchor[];
  pool: Certificate[];
  unlikely: Anchor[];
  /** Intermediates bearing the issuer's name, reachable or not (for the "no issuer" message). */
  named: number;
}

function nc(ca: Certificate) {
  return ca.nameConstraints!;
}

export function hasError(fs: RawFinding[], policy: ResolvedPolicy): boolean {
  for (const f of fs) if (f.severity !== "warning" && !policy.ignoreSet.has(f.code)) return true;
  return false;
}

function countNonSelfIssued(path: Certificate[]): number {
  let n = 0;
  for (let q = 1; q < path.length; q++) if (!selfIssued(path[q])) n++;
  return n;
}

/** `issuer` has a subjectKeyIdentifier, and it is not the one `child`'s authorityKeyIdentifier names. */
export function contradictsKeyId(child: Certificate, issuer: Certificate): boolean {
  const kid = child.authorityKeyIdentifier?.keyId;
  return (
    kid !== undefined && issuer.subjectKeyIdentifier !== undefined && issuer.subjectKeyIdentifier !== kid
  );
}

function partition<T>(list: T[], keep: (x: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const x of list) (keep(x) ? yes : no).push(x);
  return [yes, no];
}

/**
 * `order(child, list, …).find(accept)`, without ordering the whole list when a candidate valid at `timeMs`
 * carries the key identifier `child` names and is accepted: it would come first.
 */
function firstInOrder(
  child: Certificate,
  list: Certificate[],
  timeMs: number,
  accept: (c: Certificate) => boolean,
): Certificate | undefined {
  const kid = child.authorityKeyIdentifier?.keyId;
  if (kid !== undefined) {
    for (const c of list) {
      if (c.subjectKeyIdentifier !== kid) continue;
      if (timeMs < c.notBefore.getTime() || timeMs > c.notAfter.getTime()) continue;
      if (accept(c)) return c;
    }
  }
  return order(child, list, (x) => x, timeMs).find(accept);
}

/**
 * Candidate order: a key identifier that matches the child's AKI first, then candidates that say nothing,
 * then those whose SKI contradicts it; within each, certificates valid at the validation time first, then
 * those nearest to an anchor (`distance`), then as presented.
 */
function order<T>(
  child: Certificate,
  list: T[],
  cert: (x: T) => Certificate,
  timeMs: number,
  distance: (c: Certificate) => number = () => 0,
): T[] {
  if (list.length < 2) return list;
  const kid = child.authorityKeyIdentifier?.keyId;
  const score = (x: T): number => {
    const c = cert(x);
    let s = 0;
    if (kid && c.subjectKeyIdentifier) s = c.subjectKeyIdentifier === kid ? 0 : 4;
    else s = 2;
    if (timeMs < c.notBefore.getTime() || timeMs > c.notAfter.getTime()) s += 1;
    return s;
  };
  // A stable bucket sort on (score, distance): only the few distinct keys are sorted, and candidates keep
  // their presented order within each, in linear time (a pile of 200 look-alikes is ordered for each of
  // them, in each client's search). A distance is below the pool's size, far below 2^32.
  const buckets = new Map<number, T[]>();
  for (const x of list) {
    const key = score(x) * 2 ** 32 + distance(cert(x));
    const b = buckets.get(key);
    if (b) b.push(x);
    else buckets.set(key, [x]);
  }
  if (buckets.size === 1) return list;
  const out: T[] = [];
  for (const key of [...buckets.keys()].sort((a, b) => a - b)) out.push(...buckets.get(key)!);
  return out;
}
