/**
 * The client matrix: one verdict per client (trusted or not, the path, the decisive reason and the exact
 * error text the client prints), plus the findings about the chain, each saying which clients refuse it.
 */

import { bundledIssuersOf, loadMozillaRoots } from "../trust/bundled.js";
import {
  type DistrustClient,
  type DistrustFinding,
  type DistrustRule,
  defaultDistrustRules,
  distrustRulesFor,
  evaluateDistrust,
} from "../trust/distrust.js";
import {
  type AnchorFacts,
  anchorSha256,
  anchorSubjectKey,
  type TrustAnchor,
  type TrustStore,
} from "../trust/store.js";
import { matchPeerName, parsePeerName } from "../verify/hostname.js";
import {
  type CandidatePath,
  contradictsKeyId,
  type Finding,
  type FindingCode,
  type KeyIdMismatchRule,
  type PeerName,
  type Policy,
  type RawFinding,
  selfSigned,
  type VerifyResult,
  verifyChain,
} from "../verify/index.js";
import { sameName } from "../verify/names.js";
import type { Certificate } from "../x509/certificate.js";
import { InputError } from "../x509/errors.js";
import { OID } from "../x509/oids.js";
import {
  analyzeChain,
  type ChainAnalysis,
  DEFAULT_EXPIRING_DAYS,
  issued,
  type KnownCertificate,
  sentChain,
  walkIssuers,
} from "./chain-analysis.js";
import { CT_FIX, type CtEvidence, ctShortfall, isPublicAnchor } from "./ct.js";
import { bySeverity, type CertificateRef, certRef, type ReportFinding } from "./finding.js";
import { javaBranch } from "./java.js";
import { opensslSentChain } from "./openssl-chain.js";
import {
  CLIENT_SIGNATURE_BUDGET,
  type ClientId,
  type ClientProfile,
  type ErrorText,
  type Failure,
  type FailureKind,
  type HostnameFacts,
  isoSeconds,
} from "./profile.js";
import { CLIENTS, defaultStoreFor } from "./registry.js";

export interface EvaluateInput {
  leaf: Certificate;
  /** The certificates the server sent, in the order sent; the leaf may be among them (usually first). */
  presented: readonly Certificate[];
  clients: readonly ClientId[];
  /**
   * The trust store: one for every client, or one per client. A client without one uses its default
   * (./registry.ts defaultStoreFor: Mozilla's TLS roots, Node's bundle for Node).
   */
  stores?: TrustStore | Partial<Record<ClientId, TrustStore>>;
  /** The name the client connects to: a DNS name or an IP address (text or parsed). Absent: no name check. */
  host?: string | PeerName;
  /** Validation time (default: now). */
  time?: Date;
  purpose?: "server" | "client";
  /** Distrust rules (default: src/trust/distrust.ts defaultDistrustRules()). */
  distrustRules?: readonly DistrustRule[];
  /** Certificates the AIA caIssuers URLs returned (fetched by the caller): clients that fetch AIA use them. */
  aiaFetched?: readonly Certificate[];
  /**
   * Intermediates Firefox would have preloaded: a list, or true for the stores' catalogs (e.g. the FPKI
   * store's). Absent: an incomplete chain is "depends" for Firefox.
   */
  preloaded?: readonly Certificate[] | boolean;
  /** "Expiring" threshold in days (default 30). */
  expiringDays?: number;
  /** What the caller asks of every path beyond each client's own rules (docs/verify.md). */
  pathPolicy?: PathPolicy;
  /**
   * The SCTs seen beyond the certificate, for the clients that enforce Certificate Transparency (./ct.ts).
   * Absent: none seen, so a public-root certificate short of embedded SCTs is "depends" for them.
   */
  ct?: CtEvidence;
}

/**
 * The caller's RFC 5280 inputs, applied to every client's validation: the four initial policy inputs of
 * §6.1.1, a required EKU other than the purpose's, CRLs and the revocation mode.
 */
export type PathPolicy = Pick<
  Policy,
  | "requiredEku"
  | "crls"
  | "revocation"
  | "initialPolicies"
  | "initialExplicitPolicy"
  | "initialPolicyMappingInhibit"
  | "initialAnyPolicyInhibit"
>;

export interface PathEntry {
  subject: string;
  issuer: string;
  sha256: string;
  /** 1-based position in the chain as sent; absent for certificates from the store or fetched. */
  position?: number;
  from: "sent" | "store" | "aia" | "preload";
  anchor: boolean;
  notAfter: string;
}

export interface SentEntry {
  position: number;
  role: "leaf" | "intermediate" | "root" | "unrelated" | "duplicate";
  subject: string;
  issuer: string;
  sha256: string;
  notAfter: string;
}

export interface ClientVerdict {
  client: ClientId;
  name: string;
  trusted: boolean;
  /** "depends": the outcome turns on an intermediate the client would fetch or has preloaded. */
  status: "trusted" | "untrusted" | "depends";
  /** The path the client builds (when trusted) or the one that came closest; leaf first. */
  path: PathEntry[];
  anchor?: { name: string; subject: string; sha256: string; trustSource: string };
  /** Why not trusted: the finding the client's own error corresponds to. */
  reason?: { code: string; kind: FailureKind; message: string; certificate?: CertificateRef };
  /** What the client prints. */
  error?: ErrorText;
  store: { id: string; name: string; anchors: number; approximation?: string };
  notes: string[];
  /** The validator's findings on that path: errors, and warnings for rules this client does not enforce. */
  details: Finding[];
  /**
   * When trusted: RFC 5280's user-constrained policy set of the path (§6.1.5 (g)), in the trust anchor's
   * domain ("2.5.29.32.0" for anyPolicy; empty when the path asserts no common policy).
   */
  policies?: string[];
}

export interface ClientMatrix {
  /** Every client asked trusts the chain. */
  trusted: boolean;
  time: string;
  peer?: PeerName;
  clients: ClientVerdict[];
  /** The first client's path. */
  path: PathEntry[];
  sent: SentEntry[];
  findings: ReportFinding[];
}

/** One client's outcome, with the certificates (not exported in the matrix). */
interface Outcome {
  verdict: ClientVerdict;
  certs: Certificate[];
  anchorCert?: Certificate;
  failures: Failure[];
  decisive?: Failure;
  clientAnchors: TrustAnchor[];
  ignoredAnchors: TrustAnchor[];
  store: TrustStore;
}

interface Context {
  leaf: Certificate;
  sent: Certificate[];
  peer?: PeerName;
  time: Date;
  purpose: "server" | "client";
  /** The distrust rules, built on first call: a verdict no path of which reaches an anchor needs none. */
  rules: () => readonly DistrustRule[];
  aia: readonly Certificate[];
  preload?: readonly Certificate[];
  /** Certificates that can name what a chain lacks, gathered on first call: a complete chain needs none. */
  known: () => readonly KnownCertificate[];
  /** Match keys of the subjects and issuers of the chain as sent: the only anchors a chain's analysis reads. */
  sentNames: ReadonlySet<string>;
  pathPolicy?: PathPolicy;
  /**
   * Each store's anchors as the clients see them, built once per report (anchorView): all of them, and the
   * self-signed ones (for the clients that ignore the others).
   */
  anchorViews: Map<TrustStore, { all?: AnchorView; selfSigned?: AnchorView }>;
  /** What the leaf names, for hostname failures; the same for every client. */
  hostFacts?: HostnameFacts;
  /** Path entries by certificate, less what depends on the path (the anchor flag). */
  entries: Map<Certificate, Omit<PathEntry, "anchor">>;
  /**
   * A verdict's path by the path it shows (the array a search returned, shared by the clients that share the
   * search) and its anchor: those clients show one array. Nothing changes a verdict's path once made.
   */
  paths: Map<readonly Certificate[], { anchor: Certificate | undefined; entries: PathEntry[] }>;
  ct?: CtEvidence;
  /** The path searches run so far for this report, for the clients that can share them (sharedSearch). */
  searches: SharedSearch[];
}

/**
 * A store's anchors as one kind of client sees them (./profile.ts anchors.nonSelfSigned), with the lookups
 * every client of that kind makes: the clients of one report share the store, so they share these.
 */
interface AnchorView {
  clientAnchors: TrustAnchor[];
  /** Every anchor is self-issued, so none can be taken for an intermediate (build.ts Graph.build). */
  rootsOnly: () => boolean;
  ignoredAnchors: TrustAnchor[];
  /** By SHA-256; the last of copies wins. */
  byCert: Map<string, TrustAnchor>;
  /** The first anchor that is the leaf itself. */
  direct?: TrustAnchor;
  /** Java's PKIXValidator branch for this chain against these anchors (./java.ts javaBranch). */
  javaBranch: () => "validate" | "build";
  /**
   * The sent certificates OpenSSL puts in the chain (./openssl-chain.ts), for first-match clients: those for
   * which a trusted certificate that is not self-signed ends the chain (-partial_chain), or the others.
   */
  opensslSent: (anchorsEndChain: boolean) => Certificate[];
}

export function evaluateClients(input: EvaluateInput): ClientMatrix {
  // Callers pass what a file or a server gave them; an empty container (a PKCS#7 holding only CRLs, a
  // keystore with no entries) leaves nothing to verify, which is the user's input, not an internal fault.
  if (!input.leaf) throw new InputError("there is no certificate to verify", "no-certificates");
  const time = input.time ?? new Date();
  const peer = typeof input.host === "string" ? parsePeerName(input.host) : input.host;
  const storeFor = (id: ClientId): TrustStore => {
    const s = input.stores;
    if (!s) return defaultStoreFor(id);
    if (isStore(s)) return s;
    return s[id] ?? defaultStoreFor(id);
  };
  const stores = new Map(input.clients.map((id) => [id, storeFor(id)] as const));
  const preload =
    input.preloaded === true
      ? [...stores.values()].flatMap((s) => s.catalog ?? [])
      : Array.isArray(input.preloaded)
        ? [...input.preloaded]
        : undefined;
  const sentCerts = sentChain(input.leaf, input.presented);
  const ctx: Context = {
    leaf: input.leaf,
    sent: sentCerts,
    peer,
    time,
    purpose: input.purpose ?? "server",
    rules: once(() => input.distrustRules ?? defaultDistrustRules()),
    aia: input.aiaFetched ?? [],
    preload,
    known: once(() =>
      knownCertificates(stores, [input.leaf, ...input.presented], input.aiaFetched ?? [], preload ?? []),
    ),
    sentNames: new Set(sentCerts.flatMap((c) => [c.subject.matchKey, c.issuer.matchKey])),
    pathPolicy: input.pathPolicy,
    anchorViews: new Map(),
    hostFacts: peer ? hostnameFacts(input.leaf, peer) : undefined,
    entries: new Map(),
    paths: new Map(),
    ct: input.ct,
    searches: [],
  };

  const outcomes = input.clients.map((id) => evaluateOne(CLIENTS[id], stores.get(id)!, ctx));

  // The analysis compares the chain as sent with the anchors named in it (by subject or issuer), so the
  // others (most of a bundled store) stay unparsed.
  const anchorsUnion = new Map<string, Certificate>();
  for (const anchors of new Set(outcomes.map((o) => o.clientAnchors))) {
    for (const a of namedIn(anchors, ctx)) anchorsUnion.set(anchorSha256(a), a.cert);
  }
  const chain = analyzeChain({
    leaf: input.leaf,
    presented: input.presented,
    anchors: [...anchorsUnion.values()],
    storeNames: [...new Set([...stores.values()].map((s) => s.name))],
    known: ctx.known,
    peer,
    time,
    expiringDays: input.expiringDays ?? DEFAULT_EXPIRING_DAYS,
  });

  for (const o of outcomes) fillReason(o, chain, ctx);
  const findings = collectFindings(outcomes, chain, ctx);

  const sent: SentEntry[] = chain.sent.map((s) => ({
    position: s.position,
    role: s.role,
    subject: s.cert.subject.toString(),
    issuer: s.cert.issuer.toString(),
    sha256: s.cert.sha256,
    notAfter: isoSeconds(s.cert.notAfter),
  }));
  const verdicts = outcomes.map((o) => o.verdict);
  return {
    trusted: verdicts.every((v) => v.trusted),
    time: isoSeconds(time),
    ...(peer ? { peer } : {}),
    clients: verdicts,
    path: verdicts[0]?.path ?? [],
    sent,
    findings,
  };
}

/**
 * The intermediates Firefox preloads are those disclosed to the CCADB, under roots of Mozilla's program: with
 * a store that holds none of them, nothing preloaded can complete the chain.
 */
function holdsMozillaRoot(store: TrustStore): boolean {
  if (store.id === "mozilla") return true;
  const mozilla = new Set(loadMozillaRoots().map((r) => r.sha256.toLowerCase()));
  return store.anchors.some((a) => mozilla.has(anchorSha256(a)));
}

/** The function's answer, computed on the first call. */
function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

/** The anchors whose subject the chain as sent names (as a subject or an issuer), in store order. */
function namedIn(anchors: readonly TrustAnchor[], ctx: Context): TrustAnchor[] {
  return anchors.filter((a) => ctx.sentNames.has(anchorSubjectKey(a)));
}

function isStore(s: TrustStore | Partial<Record<ClientId, TrustStore>>): s is TrustStore {
  return Array.isArray((s as TrustStore).anchors);
}

/**
 * Certificates that can name what a chain lacks: stores, fetched, preloaded, and the bundled roots (all
 * purposes) and FPKI bundle. Of the bundled ones, only the issuers of a certificate an unfinished path can end
 * at (sent, fetched, preloaded, a catalog's) can match, so only they are looked up and parsed.
 */
function knownCertificates(
  stores: Map<ClientId, TrustStore>,
  chain: readonly Certificate[],
  aia: readonly Certificate[],
  preload: readonly Certificate[],
): KnownCertificate[] {
  const catalogs = [...stores.values()].flatMap((s) => s.catalog ?? []);
  const ends = [...chain, ...aia, ...preload, ...catalogs];
  const bundled = bundledIssuersOf(ends);
  const bundledKnown = [
    ...bundled.mozilla.map((cert) => ({ cert, source: "Mozilla's root store" })),
    ...bundled.fpki.map((cert) => ({ cert, source: "the Federal PKI bundle" })),
  ];
  const named = anchorsNamed(stores, new Set(ends.map((c) => c.issuer.matchKey)));
  const out: KnownCertificate[] = [];
  for (const s of stores.values()) {
    for (const a of s.anchors) if (named.has(a)) out.push({ cert: a.cert, source: s.name });
    for (const c of s.catalog ?? []) out.push({ cert: c, source: `${s.name} (catalog)` });
  }
  out.push(...aia.map((cert) => ({ cert, source: "its AIA URL" })));
  out.push(...preload.map((cert) => ({ cert, source: "preloaded intermediates" })));
  return [...out, ...bundledKnown];
}

/**
 * The stores' anchors that can issue one of the certificates whose issuers are `wanted` or another anchor kept
 * (transitively); anchors without recorded facts are all kept. Everything that reads the known certificates
 * looks for an issuer by name first, so the others (most of a bundled store) need not be parsed.
 */
function anchorsNamed(stores: Map<ClientId, TrustStore>, wanted: Set<string>): Set<TrustAnchor> {
  const named = new Set<TrustAnchor>();
  let recorded: TrustAnchor[] = [];
  for (const s of stores.values()) {
    for (const a of s.anchors) {
      if (a.facts) recorded.push(a);
      else {
        named.add(a);
        wanted.add(a.cert.issuer.matchKey);
      }
    }
  }
  for (let grew = true; grew; ) {
    grew = false;
    recorded = recorded.filter((a) => {
      const facts = a.facts as AnchorFacts;
      if (!wanted.has(facts.subjectKey)) return true;
      named.add(a);
      if (!wanted.has(facts.issuerKey)) {
        wanted.add(facts.issuerKey);
        grew = true;
      }
      return false;
    });
  }
  return named;
}

/**
 * One client's distrust rules, and the roots any of them names: lower-case SHA-256, as Certificate.sha256 is
 * (the rules hold them upper-case), so that a path's anchor is looked up without a copy of its fingerprint.
 */
interface ClientDistrust {
  rules: readonly DistrustRule[];
  roots: ReadonlySet<string>;
}

const DISTRUST = new WeakMap<readonly DistrustRule[], Map<DistrustClient | null, ClientDistrust>>();

/** `client`'s share of `rules`, worked out once per rule list (the default list is built once per process). */
function distrustOf(rules: readonly DistrustRule[], client: DistrustClient | null): ClientDistrust {
  let forRules = DISTRUST.get(rules);
  if (!forRules) {
    forRules = new Map();
    DISTRUST.set(rules, forRules);
  }
  let d = forRules.get(client);
  if (!d) {
    const own = client ? distrustRulesFor(client, rules) : [];
    d = { rules: own, roots: new Set(own.flatMap((r) => r.roots.map((x) => x.toLowerCase()))) };
    forRules.set(client, d);
  }
  return d;
}

/**
 * evaluateDistrust, skipped for a path whose anchor no rule names (every path of almost every report):
 * a rule fires only for the roots it lists.
 */
function distrustedPath(
  d: ClientDistrust,
  client: DistrustClient,
  certs: readonly Certificate[],
): DistrustFinding[] {
  const anchor = certs[certs.length - 1];
  if (!anchor || !d.roots.has(anchor.sha256)) return [];
  return evaluateDistrust(d.rules, client, certs);
}

// ---------------------------------------------------------------------------------------------------------
// One client

/**
 * `store`'s anchors as a client whose non-self-signed anchors do `mode` sees them (built once per report). The
 * clients that keep every anchor share one view, and so do all of them when every anchor is self-signed.
 */
function anchorView(
  store: TrustStore,
  mode: ClientProfile["anchors"]["nonSelfSigned"],
  ctx: Context,
): AnchorView {
  let views = ctx.anchorViews.get(store);
  if (!views) {
    views = {};
    ctx.anchorViews.set(store, views);
  }
  if (mode !== "ignored") {
    views.all ??= makeAnchorView(store, [...store.anchors], ctx);
    return views.all;
  }
  if (!views.selfSigned) {
    const kept = store.anchors.filter((a) => a.facts?.selfSigned ?? selfSigned(a.cert));
    if (kept.length < store.anchors.length) views.selfSigned = makeAnchorView(store, kept, ctx);
    else {
      views.all ??= makeAnchorView(store, [...store.anchors], ctx);
      views.selfSigned = views.all;
    }
  }
  return views.selfSigned;
}

function makeAnchorView(store: TrustStore, clientAnchors: TrustAnchor[], ctx: Context): AnchorView {
  const kept = new Set(clientAnchors);
  const leafSha = ctx.leaf.sha256;
  const certsNamed = anchorCertsNamed(clientAnchors);
  const opensslSent = (anchorsEndChain: boolean) =>
    once(() => opensslSentChain(ctx.leaf, ctx.sent, certsNamed, anchorsEndChain, ctx.time));
  const sent = { partial: opensslSent(true), full: opensslSent(false) };
  // Whether a trusted certificate that is not self-signed ends the chain is moot when there is none.
  const allSelfSigned = once(() => clientAnchors.every((a) => a.facts?.selfSigned ?? selfSigned(a.cert)));
  return {
    clientAnchors,
    rootsOnly: once(() =>
      clientAnchors.every((a) => (a.facts ? a.facts.subjectKey === a.facts.issuerKey : a.cert.selfIssued)),
    ),
    ignoredAnchors:
      clientAnchors.length === store.anchors.length ? [] : store.anchors.filter((a) => !kept.has(a)),
    byCert: new Map(clientAnchors.map((a) => [anchorSha256(a), a])),
    direct: clientAnchors.find((a) => anchorSha256(a) === leafSha),
    javaBranch: once(() =>
      javaBranch(
        ctx.sent,
        namedIn(clientAnchors, ctx).map((a) => a.cert),
      ),
    ),
    opensslSent: (anchorsEndChain) => (anchorsEndChain && !allSelfSigned() ? sent.partial() : sent.full()),
  };
}

const NONE: readonly Certificate[] = [];

/** A client's outcome, with the anchors it saw. */
function outcomeOf(
  view: AnchorView,
  store: TrustStore,
  o: Omit<Outcome, "clientAnchors" | "ignoredAnchors" | "store">,
): Outcome {
  const out = o as Outcome;
  out.clientAnchors = view.clientAnchors;
  out.ignoredAnchors = view.ignoredAnchors;
  out.store = store;
  return out;
}

function evaluateOne(profile: ClientProfile, store: TrustStore, ctx: Context): Outcome {
  const { leaf, time } = ctx;
  const view = anchorView(store, profile.anchors.nonSelfSigned, ctx);
  const { clientAnchors } = view;
  const notes: string[] = [];
  const approximation =
    store.id === "mozilla" && profile.store.real !== "mozilla" ? profile.store.approximation : undefined;
  if (approximation) notes.push(approximation);
  const base = {
    client: profile.id,
    name: profile.name,
    store: {
      id: store.id,
      name: store.name,
      anchors: clientAnchors.length,
      ...(approximation ? { approximation } : {}),
    },
    notes,
  };
  const hostFacts = ctx.hostFacts;

  const f = refusedOutright(profile, ctx);
  if (f) {
    return outcomeOf(view, store, {
      verdict: verdictOf(base, "untrusted", pathEntries([leaf], undefined, ctx), []),
      certs: [leaf],
      failures: [f],
      decisive: f,
    });
  }

  // A leaf that is itself in the store.
  const direct = view.direct;
  if (
    direct &&
    (profile.anchors.directLeaf === "any" ||
      (profile.anchors.directLeaf === "self-signed" && selfSigned(leaf)))
  ) {
    const failures: Failure[] = [];
    if (ctx.peer && !matchPeerName(leaf, ctx.peer, { cnFallback: profile.hostname.cnFallback }).ok) {
      failures.push({
        kind: "hostname-mismatch",
        cert: leaf,
        role: "leaf",
        path: [leaf],
        onlyLeafSent: true,
        time,
        hostname: hostFacts,
        detail: "",
      });
    }
    if (profile.anchors.directLeafValidity) {
      // RFC 5280 §4.1.2.5: both ends inclusive, compared in whole seconds.
      const t = Math.floor(time.getTime() / 1000) * 1000;
      const kind: FailureKind | undefined =
        t > leaf.notAfter.getTime() ? "expired" : t < leaf.notBefore.getTime() ? "not-yet-valid" : undefined;
      if (kind) {
        const detail =
          kind === "expired"
            ? `expired ${isoSeconds(leaf.notAfter)}`
            : `valid from ${isoSeconds(leaf.notBefore)}`;
        failures.push({ kind, cert: leaf, role: "leaf", path: [leaf], onlyLeafSent: true, time, detail });
      }
    }
    notes.push("the server's certificate is itself in the trust store, so it is trusted as it is");
    const decisive = pickDecisive(profile, failures);
    return outcomeOf(view, store, {
      verdict: verdictOf(
        base,
        decisive ? "untrusted" : "trusted",
        pathEntries([leaf], leaf, ctx),
        [],
        direct,
      ),
      certs: [leaf],
      anchorCert: leaf,
      failures,
      decisive,
    });
  }

  // The validator, with this client's rules.
  const extra = [
    ...(profile.aia.fetches ? ctx.aia : NONE),
    ...(profile.aia.preloads && ctx.preload ? ctx.preload : NONE),
  ];
  const shipped = store.id !== "custom";
  const distrustClient = profile.distrust.client;
  // OpenSSL tries one issuer per certificate (./openssl-chain.ts): the validator sees only that chain.
  const sent =
    profile.paths.issuerSelection === "first-match"
      ? view.opensslSent(profile.anchors.nonSelfSigned === "anchor")
      : ctx.sent;
  const result = sharedSearch(
    {
      presented: extra.length ? [...sent, ...extra] : sent,
      view,
      rules: {
        profile: profile.profile,
        ekuChaining: profile.ekuChaining?.enforced,
        allowNonSelfSignedAnchors: profile.anchors.nonSelfSigned === "anchor",
        maxDepth: maxIntermediates(profile, view),
        depthCountsSelfIssued: profile.paths.countsSelfIssued,
        keyIdMismatch: profile.paths.keyIdMismatch ?? "tried-last",
        signatureBudget: profile.paths.signatureBudget ?? CLIENT_SIGNATURE_BUDGET,
        cnFallback: profile.hostname.cnFallback,
        ignore: profile.ignore,
      },
      pathCheck: ({ certs }) => {
        const out: RawFinding[] = [];
        if (distrustClient) {
          for (const d of distrustedPath(distrustOf(ctx.rules(), distrustClient), distrustClient, certs)) {
            out.push({
              code: "distrusted",
              detail: `${d.rule.id}: ${d.reason}`,
              cert: certs[certs.length - 1],
              ...(d.certain ? {} : { severity: "warning" as const }),
            });
          }
        }
        for (const p of profile.algorithms.check({ certs, anchorShippedWithClient: shipped })) {
          out.push({ code: "client-policy", detail: p.detail, cert: p.cert });
        }
        return out;
      },
    },
    ctx,
  );
  let certs = result.path;
  if (!result.trusted && !result.anchor) {
    // The validator does not explore certificates that lead to no anchor, so its closest path can stop at
    // the leaf; the client itself gets as far as the certificates it has take it (sent, fetched, and for
    // OpenSSL-style stores the trusted intermediates).
    const pool = [...sent, ...extra];
    if (profile.anchors.nonSelfSigned === "issuer")
      pool.push(
        ...clientAnchors
          .filter((a) => (a.facts ? a.facts.subjectKey !== a.facts.issuerKey : !a.cert.selfIssued))
          .map((a) => a.cert),
      );
    const walked = walkIssuers(leaf, pool, profile.paths.keyIdMismatch === "refused");
    if (
      walked.length > certs.length &&
      certs.every((c, i) => walked[i] === c || walked[i].sha256 === c.sha256)
    )
      certs = walked;
  }
  const anchorCert = result.anchor?.cert;
  const anchor = anchorCert ? view.byCert.get(anchorCert.sha256) : undefined;
  for (const w of result.findings) {
    if (w.code === "distrusted" && w.severity === "warning") notes.push(w.detail);
  }

  const ct = result.trusted ? ctRefusal(profile, store, certs, anchorCert, ctx) : undefined;
  if (ct?.note) notes.push(ct.note);
  if (ct?.failure) {
    return outcomeOf(view, store, {
      verdict: verdictOf(base, ct.status, pathEntries(certs, anchorCert, ctx), result.findings, anchor),
      certs,
      anchorCert,
      failures: [ct.failure],
      decisive: ct.failure,
    });
  }
  if (result.trusted) {
    return outcomeOf(view, store, {
      verdict: verdictOf(
        base,
        "trusted",
        pathEntries(certs, anchorCert, ctx),
        result.findings,
        anchor,
        result.policies,
      ),
      certs,
      anchorCert,
      failures: [],
    });
  }

  const failures = result.findings
    .filter((f) => f.severity === "error")
    .map((f) => classify(f, certs, view, profile, ctx, shipped, hostFacts));
  // A search that ran out of budget found no path: that, not the faults of the paths it did try, is the reason.
  const decisive = failures.find((x) => x.kind === "budget-exceeded") ?? pickDecisive(profile, failures);
  let status: ClientVerdict["status"] = "untrusted";
  const top = certs[certs.length - 1];
  // Fetching or preloading can only help when what is missing is an intermediate: the issuer of the leaf,
  // or a certificate known to be an intermediate. A chain that stops at an intermediate whose unknown
  // issuer is (most likely) a root stays untrusted.
  const missingIntermediate =
    top === leaf || ctx.known().some((k) => !selfSigned(k.cert) && issued(k.cert, top));
  if (decisive?.kind === "unknown-issuer" && missingIntermediate) {
    const urls = (top.authorityInfoAccess ?? []).filter(
      (a) => a.method === OID.caIssuers && a.location.type === "uri",
    );
    if (profile.aia.fetches && ctx.aia.length === 0 && urls.length > 0) {
      status = "depends";
      notes.push(
        `${profile.name} would fetch the missing issuer from ${urls.map((u) => u.location.value).join(", ")}; the verdict depends on what that URL serves (chainproof verify does not fetch it)`,
      );
    } else if (profile.aia.preloads && !ctx.preload && holdsMozillaRoot(store)) {
      status = "depends";
      notes.push(
        `${profile.name} completes chains from intermediates disclosed to the CCADB; if "${top.issuer.toString()}" is one of them Firefox trusts this chain, otherwise not`,
      );
    }
  }
  // A client that also fetches when a sent issuer fails (Chrome) may find a good copy at the AIA URL: its
  // path then stops at the certificate whose issuer it would fetch (where check's AIA walk starts).
  const refetch = decisive && status === "untrusted" ? aiaRefetch(profile, decisive, ctx) : undefined;
  if (refetch) {
    status = "depends";
    notes.push(refetch.note);
  }
  return outcomeOf(view, store, {
    verdict: verdictOf(
      base,
      status,
      pathEntries(refetch ? certs.slice(0, refetch.at + 1) : certs, anchorCert, ctx),
      result.findings,
      anchor,
    ),
    certs,
    anchorCert,
    failures,
    decisive,
  });
}

type VerdictBase = Pick<ClientVerdict, "client" | "name" | "store" | "notes">;

/**
 * A verdict, as literals with the keys in the order the JSON shows them: spreading `base` and optional parts
 * into one made V8 copy each through its slow generic path, a measurable share of a matrix.
 */
function verdictOf(
  base: VerdictBase,
  status: ClientVerdict["status"],
  path: PathEntry[],
  details: Finding[],
  anchor?: TrustAnchor,
  policies?: string[],
): ClientVerdict {
  const trusted = status === "trusted";
  const { client, name, store, notes } = base;
  const v: ClientVerdict = anchor
    ? { client, name, store, notes, trusted, status, path, anchor: anchorInfo(anchor), details }
    : { client, name, store, notes, trusted, status, path, details };
  if (policies) v.policies = policies;
  return v;
}

/**
 * A client enforcing CT on a path it trusts to a public root, when the SCTs fall short (./ct.ts): the
 * failure and the verdict, or only a note when the policy is met by SCTs of logs chainproof's list lacks.
 */
function ctRefusal(
  profile: ClientProfile,
  store: TrustStore,
  certs: Certificate[],
  anchorCert: Certificate | undefined,
  ctx: Context,
):
  | { failure: Failure; status: "untrusted" | "depends"; note?: string }
  | { failure?: undefined; note: string }
  | undefined {
  if (!profile.ct || !anchorCert || !isPublicAnchor(store, anchorCert.sha256)) return undefined;
  const short = ctShortfall(profile.ct, ctx.leaf, certs[1], ctx.time, ctx.ct);
  if (!short) return undefined;
  if (short.status === "assumed") return { note: `${profile.name}: ${short.note}` };
  const failure: Failure = {
    kind: "ct-required",
    cert: ctx.leaf,
    role: "leaf",
    path: certs,
    onlyLeafSent: ctx.sent.length === 1,
    time: ctx.time,
    detail: short.detail,
  };
  const note =
    short.note &&
    `${profile.name} requires Certificate Transparency under this public root and the certificate's own SCTs fall short (${short.detail}); it trusts the chain only if ${short.note}`;
  return { failure, status: short.status, ...(note ? { note } : {}) };
}

/** Whether and where the client would fetch another issuer after `f`, with the note that says so. */
function aiaRefetch(
  profile: ClientProfile,
  f: Failure,
  ctx: Context,
): { at: number; note: string } | undefined {
  const at = ctx.aia.length === 0 ? profile.aia.refetchesAfter?.(f) : undefined;
  const child = at === undefined ? undefined : f.path[at];
  const urls = (child?.authorityInfoAccess ?? [])
    .filter((a) => a.method === OID.caIssuers && a.location.type === "uri")
    .map((a) => a.location.value);
  if (at === undefined || !child || urls.length === 0) return undefined;
  return {
    at,
    note: `${profile.name} would look for another issuer of "${child.label}" at ${urls.join(", ")} and trusts the chain if that URL serves one that is valid; the verdict depends on what it serves (chainproof verify does not fetch it)`,
  };
}

/**
 * What the client refuses before it looks for a path: Salesforce a self-signed target, listed or not; Java
 * a Certificate message longer than it reads.
 */
function refusedOutright(profile: ClientProfile, ctx: Context): Failure | undefined {
  const { leaf, time, sent } = ctx;
  const common = { cert: leaf, role: "leaf" as const, path: [leaf], onlyLeafSent: sent.length === 1, time };
  if (profile.refusesSelfSignedTarget && selfSigned(leaf))
    return { kind: "self-signed-target", ...common, detail: "the target's certificate is self-signed" };
  const maxSent = profile.paths.maxSent;
  if (maxSent !== undefined && sent.length > maxSent) {
    return {
      kind: "chain-too-long",
      ...common,
      sentCount: sent.length,
      detail: `the server sent ${sent.length} certificates; ${profile.name} reads at most ${maxSent}`,
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// The shared path search
//
// Most of a matrix's cost beyond the first client was each client running its own path search over the same
// certificates: the same candidate issuers looked up and ordered, the same checks asked again. The clients
// differ in two kinds of rules. Those the search itself reads (conformance profile, EKU chaining, key
// identifier rule, signature budget, CN fallback, ignored codes, depth limit) make a search of their own;
// a client's distrust and algorithm rules (its pathCheck) only answer for each candidate path the search
// completes. So the search runs once per distinct set of search rules, its answers for each candidate path
// recorded, and a client with the same search rules takes its result when its own pathCheck gives the same
// answer for every path that search asked about: the search is deterministic (its caches only make it
// faster, never different), so with the same inputs and the same answers it would have taken the same steps
// to the same result. A client whose rules answer differently for one of those paths runs its own search.

/** What one client's path search reads that can differ between clients (the rest is the report's). */
interface SearchRules {
  profile: ClientProfile["profile"];
  ekuChaining: boolean | undefined;
  allowNonSelfSignedAnchors: boolean;
  maxDepth: number;
  depthCountsSelfIssued: boolean;
  keyIdMismatch: KeyIdMismatchRule;
  signatureBudget: number;
  cnFallback: boolean;
  ignore: FindingCode[];
}

interface SearchRequest {
  /** The certificates the client has: sent (as it reads them), fetched, preloaded. */
  presented: readonly Certificate[];
  view: AnchorView;
  rules: SearchRules;
  /** The client's own rules for a path the search completes: distrust and algorithm limits. */
  pathCheck: (path: CandidatePath) => RawFinding[];
}

interface SharedSearch {
  request: SearchRequest;
  result: VerifyResult;
  /** Every candidate path the search asked its client about, with the answer. */
  asked: { path: CandidatePath; answer: RawFinding[] }[];
  /** What its certificates offer as issuers, worked out when a client with other search rules asks (issuersOf). */
  issuers?: IssuerFacts | null;
}

/** The client's path search: one already run for this report that gives the same result, or its own. */
function sharedSearch(request: SearchRequest, ctx: Context): VerifyResult {
  for (const s of ctx.searches) {
    if (sameSearch(s, request, ctx) && sameAnswers(s, request.pathCheck)) return s.result;
  }
  const { rules, pathCheck } = request;
  const asked: SharedSearch["asked"] = [];
  const result = verifyChain({
    leaf: ctx.leaf,
    presented: [...request.presented],
    // The store's own anchors: those with recorded facts are parsed only if the chain names them.
    anchors: request.view.clientAnchors,
    // Every field named, none spread: an absent one reads as undefined either way, and a literal with
    // conditional spreads is built through V8's slow generic copy, once per search.
    policy: {
      time: ctx.time,
      purpose: ctx.purpose,
      peerName: ctx.peer,
      profile: rules.profile,
      ekuChaining: rules.ekuChaining,
      allowNonSelfSignedAnchors: rules.allowNonSelfSignedAnchors,
      maxDepth: rules.maxDepth,
      depthCountsSelfIssued: rules.depthCountsSelfIssued,
      keyIdMismatch: rules.keyIdMismatch,
      budget: { signatures: rules.signatureBudget },
      cnFallback: rules.cnFallback,
      ignore: rules.ignore,
      requiredEku: ctx.pathPolicy?.requiredEku,
      crls: ctx.pathPolicy?.crls,
      revocation: ctx.pathPolicy?.revocation,
      initialPolicies: ctx.pathPolicy?.initialPolicies,
      initialExplicitPolicy: ctx.pathPolicy?.initialExplicitPolicy,
      initialPolicyMappingInhibit: ctx.pathPolicy?.initialPolicyMappingInhibit,
      initialAnyPolicyInhibit: ctx.pathPolicy?.initialAnyPolicyInhibit,
      pathCheck: (path) => {
        const answer = pathCheck(path);
        asked.push({ path: { certs: [...path.certs], anchor: path.anchor }, answer });
        return answer;
      },
    },
  });
  ctx.searches.push({ request, result, asked });
  return result;
}

/**
 * Two clients' searches read the same inputs: the same certificates and anchors, and the same search rules
 * but for those that cannot change this search. src/verify/build.ts reads allowNonSelfSignedAnchors only for
 * an anchor that is not self-issued, and maxDepth (with depthCountsSelfIssued) only for a path holding more
 * intermediates than that; a path holds each certificate at most once, and its intermediates come from the
 * certificates the client has (and from the anchors that are not self-issued), so a limit at least their
 * number never binds. The CN fallback, the key identifier rule, EKU chaining and the signature budget are
 * moot for some chains too (cnFallbackMoot, issuersOf): then Go shares OpenSSL's search, and Java's too when
 * no issuer carries an EKU.
 */
function sameSearch(s: SharedSearch, b: SearchRequest, ctx: Context): boolean {
  const a = s.request;
  if (a.view.clientAnchors !== b.view.clientAnchors || !samePresented(a.presented, b.presented, ctx.leaf))
    return false;
  const x = a.rules;
  const y = b.rules;
  if (x.profile !== y.profile || !sameItems(x.ignore, y.ignore)) return false;
  if (x.cnFallback !== y.cnFallback && !cnFallbackMoot(ctx)) return false;
  const rootsOnly = a.view.rootsOnly();
  if (
    x.ekuChaining !== y.ekuChaining ||
    x.keyIdMismatch !== y.keyIdMismatch ||
    x.signatureBudget !== y.signatureBudget
  ) {
    const issuers = rootsOnly ? issuersOf(s, ctx) : undefined;
    if (!issuers) return false;
    if (x.ekuChaining !== y.ekuChaining && !issuers.noEku) return false;
    if (x.keyIdMismatch !== y.keyIdMismatch && !issuers.keyIdsAgree) return false;
    // A search can run twice (its fast pass, then the full one): each counts at most one check per pair.
    if (
      x.signatureBudget !== y.signatureBudget &&
      2 * issuers.pairs > Math.min(x.signatureBudget, y.signatureBudget)
    )
      return false;
  }
  if (x.allowNonSelfSignedAnchors !== y.allowNonSelfSignedAnchors && !rootsOnly) return false;
  if (x.maxDepth === y.maxDepth && x.depthCountsSelfIssued === y.depthCountsSelfIssued) return true;
  const mostIntermediates = a.presented.length + (rootsOnly ? 0 : a.view.clientAnchors.length);
  return mostIntermediates <= Math.min(x.maxDepth, y.maxDepth);
}

/**
 * The same certificates but for copies of the leaf, which build.ts never takes as a candidate issuer (Graph
 * build): OpenSSL's chain leaves the leaf out (./openssl-chain.ts), the others pass it as sent.
 */
function samePresented(a: readonly Certificate[], b: readonly Certificate[], leaf: Certificate): boolean {
  if (sameItems(a, b)) return true;
  const notLeaf = (c: Certificate) => c !== leaf && c.sha256 !== leaf.sha256;
  return sameItems(a.filter(notLeaf), b.filter(notLeaf));
}

/**
 * The CN fallback changes nothing when the leaf has a DNS name in its subjectAltName and the peer, if any, is
 * a DNS name: src/verify/hostname.ts reads the CN then only for a leaf without DNS names (a match, and the
 * reason of a miss), and build.ts constrains the CN as a host name only for such a leaf too.
 */
function cnFallbackMoot(ctx: Context): boolean {
  return ctx.leaf.dnsNames.length > 0 && (!ctx.peer || ctx.peer.kind === "dns");
}

/**
 * What the certificates of a search with self-issued anchors only offer as issuers: each certificate it has
 * (and the leaf) is a child, its candidate issuers those it has and the anchors whose subject is the child's
 * issuer name (as the search's indexes find them: build.ts AnchorIndex, names.ts NameIndex); an anchor ends
 * a path, so it is never a child.
 */
interface IssuerFacts {
  /** No candidate's subjectKeyIdentifier contradicts its child's authorityKeyIdentifier: the key
   *  identifier rules (refused, anchor-refused, tried-last) then take and order the same candidates. */
  keyIdsAgree: boolean;
  /** No candidate carries extKeyUsage: EKU chaining (checks.ts caFindings) then finds nothing. */
  noEku: boolean;
  /** Child and candidate pairs: a search counts at most one signature check per pair (build.ts countSignature). */
  pairs: number;
}

/** Past these, the facts are not worked out (the search is not shared across those rules). */
const MAX_FACT_CERTS = 32;
const MAX_FACT_ANCHORS = 2000;

/** `s`'s IssuerFacts, worked out once; undefined for more certificates or anchors than is worth it. */
function issuersOf(s: SharedSearch, ctx: Context): IssuerFacts | undefined {
  if (s.issuers === undefined) s.issuers = issuerFacts(s.request, ctx) ?? null;
  return s.issuers ?? undefined;
}

function issuerFacts(request: SearchRequest, ctx: Context): IssuerFacts | undefined {
  const { presented } = request;
  const anchors = request.view.clientAnchors;
  if (presented.length > MAX_FACT_CERTS || anchors.length > MAX_FACT_ANCHORS) return undefined;
  const facts: IssuerFacts = { keyIdsAgree: true, noEku: true, pairs: 0 };
  const children = presented.includes(ctx.leaf) ? presented : [ctx.leaf, ...presented];
  for (const child of children) {
    const issuerKey = child.issuer.matchKey;
    const note = (candidate: Certificate) => {
      facts.pairs++;
      if (contradictsKeyId(child, candidate)) facts.keyIdsAgree = false;
      if (candidate.extKeyUsage) facts.noEku = false;
    };
    for (const c of presented) if (sameName(c.subject, child.issuer)) note(c);
    for (const a of anchors) {
      if (a.facts ? a.facts.subjectKey === issuerKey : sameName(a.cert.subject, child.issuer)) note(a.cert);
    }
  }
  return facts;
}

/** `pathCheck` answers every path `s` asked about as its own client did. */
function sameAnswers(s: SharedSearch, pathCheck: SearchRequest["pathCheck"]): boolean {
  return s.asked.every(({ path, answer }) => {
    const mine = pathCheck(path);
    return mine.length === answer.length && mine.every((f, i) => sameFinding(f, answer[i]));
  });
}

function sameFinding(a: RawFinding, b: RawFinding): boolean {
  return (
    a.code === b.code &&
    a.detail === b.detail &&
    a.cert === b.cert &&
    a.issuer === b.issuer &&
    a.severity === b.severity
  );
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a === b || (a.length === b.length && a.every((x, i) => x === b[i]));
}

/** The most intermediates this client accepts in a path, for this chain. */
function maxIntermediates(profile: ClientProfile, view: AnchorView): number {
  const { whenBuilding, maxIntermediates: max } = profile.paths;
  if (whenBuilding === undefined) return max;
  return view.javaBranch() === "build" ? whenBuilding : max;
}

function anchorInfo(a: TrustAnchor): NonNullable<ClientVerdict["anchor"]> {
  return {
    name: a.name,
    subject: a.cert.subject.toString(),
    sha256: anchorSha256(a),
    trustSource: a.trustSource,
  };
}

function hostnameFacts(leaf: Certificate, peer: PeerName): HostnameFacts {
  const cns = leaf.commonNames;
  const facts: HostnameFacts = {
    peer,
    dns: leaf.dnsNames,
    ips: (leaf.subjectAltName ?? []).filter((n) => n.type === "ip").map((n) => n.value),
    hasSan: leaf.hasExtension(OID.subjectAltName),
  };
  if (cns.length) facts.cn = cns[cns.length - 1];
  return facts;
}

function pickDecisive(profile: ClientProfile, failures: Failure[]): Failure | undefined {
  let best: Failure | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const f of failures) {
    const r = profile.order.indexOf(f.kind);
    const rank = r < 0 ? profile.order.length : r;
    if (rank < bestRank) {
      best = f;
      bestRank = rank;
    }
  }
  return best;
}

/** Map one validator finding to the failure kind a client's error text depends on. */
function classify(
  f: Finding,
  certs: Certificate[],
  view: AnchorView,
  profile: ClientProfile,
  ctx: Context,
  shipped: boolean,
  hostFacts: HostnameFacts | undefined,
): Failure {
  const cert = f.cert && f.cert.position >= 0 ? certs[f.cert.position] : undefined;
  const role = f.cert?.role;
  const failure: Failure = {
    kind: "other",
    path: certs,
    onlyLeafSent: ctx.sent.length === 1,
    time: ctx.time,
    detail: f.detail,
    ...(cert ? { cert } : {}),
    ...(role ? { role } : {}),
  };
  if (profile.id === "java" || profile.id === "salesforce") failure.javaBranch = view.javaBranch();
  switch (f.code) {
    case "issuer-key-id-mismatch":
    case "no-path-to-trust-anchor": {
      if (f.code === "issuer-key-id-mismatch") failure.keyIdMismatch = true;
      const top = certs[certs.length - 1];
      failure.cert = top;
      failure.role = top === ctx.leaf ? "leaf" : "intermediate";
      if (top === ctx.leaf && selfSigned(top)) failure.kind = "self-signed-leaf";
      else if (selfSigned(top)) failure.kind = "untrusted-root";
      else if (view.byCert.has(top.sha256)) failure.kind = "non-root-anchor";
      else failure.kind = "unknown-issuer";
      break;
    }
    case "expired":
    case "not-yet-valid":
      failure.kind = f.code;
      break;
    case "hostname-mismatch":
      failure.kind = "hostname-mismatch";
      failure.cert = ctx.leaf;
      failure.role = "leaf";
      if (hostFacts) failure.hostname = hostFacts;
      break;
    case "distrusted": {
      failure.kind = "distrusted";
      const client = profile.distrust.client;
      const d = client
        ? evaluateDistrust(distrustOf(ctx.rules(), client).rules, client, certs).find((x) => x.certain)
        : undefined;
      if (d) failure.distrust = { rule: d.rule, anchor: certs[certs.length - 1], reason: d.reason };
      break;
    }
    case "client-policy": {
      const p = profile.algorithms
        .check({ certs, anchorShippedWithClient: shipped })
        .find((x) => x.detail === f.detail && (!cert || x.cert === cert));
      if (p) {
        failure.kind = p.kind;
        failure.algorithm = p;
      }
      break;
    }
    case "weak-key":
      failure.kind = "weak-key";
      break;
    case "weak-signature-algorithm":
      failure.kind = "weak-signature";
      break;
    case "not-a-ca":
      failure.kind = "not-a-ca";
      break;
    case "key-usage":
      // keyCertSign asserted by a certificate that is not a CA: that it is not a CA is what clients say.
      failure.kind =
        role === "leaf" ? "other" : cert?.keyUsage?.has("keyCertSign") ? "not-a-ca" : "ca-key-usage";
      break;
    case "unknown-critical-extension":
      failure.kind = "critical-extension";
      break;
    case "extended-key-usage":
      failure.kind = "extended-key-usage";
      break;
    case "bad-signature":
    case "unsupported-signature-algorithm":
      failure.kind = "bad-signature";
      break;
    case "name-constraints-violated":
      failure.kind = "name-constraints";
      break;
    case "path-length-exceeded":
      failure.kind = "path-length";
      break;
    case "max-depth-exceeded":
      failure.kind = "chain-too-long";
      break;
    case "budget-exceeded":
      failure.kind = "budget-exceeded";
      break;
  }
  return failure;
}

function pathEntries(
  certs: readonly Certificate[],
  anchor: Certificate | undefined,
  ctx: Context,
): PathEntry[] {
  const made = ctx.paths.get(certs);
  if (made && made.anchor === anchor) return made.entries;
  const entries = newPathEntries(certs, anchor, ctx);
  ctx.paths.set(certs, { anchor, entries });
  return entries;
}

function newPathEntries(
  certs: readonly Certificate[],
  anchor: Certificate | undefined,
  ctx: Context,
): PathEntry[] {
  return certs.map((c, i) => {
    // The clients of one report mostly build the same path: each certificate's entry is made once.
    let known = ctx.entries.get(c);
    if (!known) {
      const position = ctx.sent.findIndex((s) => s.sha256 === c.sha256);
      known = {
        subject: c.subject.toString(),
        issuer: c.issuer.toString(),
        sha256: c.sha256,
        from:
          position >= 0
            ? "sent"
            : ctx.aia.some((a) => a.sha256 === c.sha256)
              ? "aia"
              : ctx.preload?.some((a) => a.sha256 === c.sha256)
                ? "preload"
                : "store",
        notAfter: isoSeconds(c.notAfter),
        ...(position >= 0 ? { position: position + 1 } : {}),
      };
      ctx.entries.set(c, known);
    }
    const e: PathEntry = {
      subject: known.subject,
      issuer: known.issuer,
      sha256: known.sha256,
      from: known.from,
      anchor: anchor !== undefined && i === certs.length - 1 && c.sha256 === anchor.sha256,
      notAfter: known.notAfter,
    };
    if (known.position !== undefined) e.position = known.position;
    return e;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Reasons and findings

/** The product finding code and message for a client's decisive failure. */
function fillReason(o: Outcome, chain: ChainAnalysis, ctx: Context): void {
  const f = o.decisive;
  if (!f) return;
  const profile = CLIENTS[o.verdict.client];
  o.verdict.error = profile.errorText(f);
  const code = reasonCode(f, o, chain, ctx);
  const match = chain.findings.find(
    (x) => x.code === code && (!f.cert || !x.certificate || x.certificate.sha256 === f.cert.sha256),
  );
  const ref = f.cert ? refFor(f.cert, ctx) : undefined;
  o.verdict.reason = {
    code,
    kind: f.kind,
    message: match?.message ?? reasonMessage(f, code, o),
    ...(ref ? { certificate: ref } : {}),
  };
}

function refFor(c: Certificate, ctx: Context): CertificateRef {
  const i = ctx.sent.findIndex((s) => s.sha256 === c.sha256);
  const role: CertificateRef["role"] =
    c.sha256 === ctx.leaf.sha256 ? "leaf" : selfSigned(c) ? "root" : "intermediate";
  return certRef(c, role, i >= 0 ? i + 1 : undefined);
}

function reasonCode(f: Failure, o: Outcome, chain: ChainAnalysis, ctx: Context): string {
  switch (f.kind) {
    case "self-signed-target":
    case "self-signed-leaf":
    case "untrusted-root":
    case "non-root-anchor":
    case "expired":
    case "not-yet-valid":
    case "weak-key":
    case "weak-signature":
      return f.kind;
    case "unknown-issuer": {
      const top = f.cert ?? o.certs[o.certs.length - 1];
      if (
        o.ignoredAnchors.some(
          (a) =>
            (anchorSubjectKey(a) === top.issuer.matchKey && issued(a.cert, top)) ||
            anchorSha256(a) === top.sha256,
        )
      )
        return "intermediate-anchor-ignored";
      if (f.keyIdMismatch) return "issuer-key-id-mismatch";
      const k = ctx.known().find((x) => issued(x.cert, top));
      if (k && selfSigned(k.cert)) return "untrusted-root";
      if (top === ctx.leaf || k) return "incomplete-chain";
      return chain.gap?.top === top && chain.findings.some((x) => x.code === "incomplete-chain")
        ? "incomplete-chain"
        : "unknown-issuer";
    }
    case "hostname-mismatch":
      return ctx.peer && matchPeerName(ctx.leaf, ctx.peer, { cnFallback: true }).ok
        ? "hostname-cn-only"
        : "hostname-mismatch";
    case "distrusted":
      return "distrusted-ca";
    case "not-a-ca":
      return "not-a-ca";
    case "ca-key-usage":
      return "key-usage";
    case "extended-key-usage":
      return "extended-key-usage";
    case "bad-signature":
      return "bad-signature";
    case "name-constraints":
      return "name-constraints-violated";
    case "path-length":
      return "path-length-exceeded";
    case "chain-too-long":
      return "chain-too-long";
    case "budget-exceeded":
      return "budget-exceeded";
    case "critical-extension":
      return "unknown-critical-extension";
    case "ct-required":
      return "ct-policy-not-met";
    default:
      return "client-rejected";
  }
}

function reasonMessage(f: Failure, code: string, o: Outcome): string {
  const name = CLIENTS[o.verdict.client].name;
  const label = f.cert?.label ?? "the chain";
  switch (code) {
    case "self-signed-target":
      return `${name} does not accept a self-signed certificate on the target host, even one that is in its trust list.`;
    case "intermediate-anchor-ignored":
      return `${name} only trusts root certificates: the intermediate in its trust list is ignored, so the chain must reach a listed root.`;
    case "non-root-anchor":
      return `${name} found "${label}" in its trust store, but it is not a root: without -partial_chain ${name} needs the root that issued it.`;
    case "untrusted-root":
      return `The chain leads to a root that ${name}'s trust store (${o.store.name}) does not hold.`;
    case "incomplete-chain":
      return `The chain is incomplete: nothing sent or trusted issued "${label}".`;
    case "issuer-key-id-mismatch":
      return `${name} does not take the certificate that signed "${label}" for its issuer: ${f.detail}.`;
    case "distrusted-ca":
      return `${name} distrusts the root of this chain for certificates issued when this one was: ${f.distrust?.reason ?? f.detail}.`;
    case "weak-signature":
    case "weak-key":
      return `${name} refuses "${label}": ${f.algorithm?.detail ?? f.detail}.`;
    case "expired":
      return `"${label}" has expired.`;
    case "chain-too-long":
      return `${name} refuses the chain as too long: ${f.detail}.`;
    case "ct-policy-not-met":
      return `"${label}" chains to a public root but does not meet ${name}'s Certificate Transparency policy: ${f.detail}. CT is required only under a root of ${name}'s public root program; a locally added or enterprise root (the lab's, a store given with --roots) is exempt.`;
    case "budget-exceeded":
      return `No path to a trusted root was found within the path-search budget (${f.detail}): the certificates sent offer too many candidate paths, so ${name} is taken to refuse the chain.`;
    default:
      return `${name} refuses the chain at "${label}": ${f.detail}`;
  }
}

const FIXES: Record<string, string> = {
  "self-signed-target":
    "Install a certificate issued by a CA in the org's root list (a public CA). Self-signed certificates only work for the client side of mutual TLS.",
  "intermediate-anchor-ignored":
    "Send the intermediate in the chain and make sure its root is in the trust list; Salesforce will not add intermediates to its list.",
  "non-root-anchor":
    "Add the root that issued the trusted intermediate to the trust store (or run OpenSSL with -partial_chain).",
  "distrusted-ca": "Replace the certificate with one from a CA the client still trusts.",
  "issuer-key-id-mismatch":
    "Send the issuing CA certificate whose subject key identifier is the one the certificate's authority key identifier names (the CA's current certificate for that key), or have the certificate reissued.",
  "chain-too-long":
    "Send a shorter chain: the leaf and the intermediates of one path to the root, without extra or cross-signed certificates.",
  "budget-exceeded":
    "Send only the certificates of one path (the leaf, then each issuer in order): drop look-alike, duplicate and cross-signed intermediates that give a client many paths to try.",
  "ct-policy-not-met": CT_FIX,
  "client-rejected": "See the client's error and the validator's detail.",
};

const WARNING_CODES = new Set([
  "wrong-order",
  "duplicate-certificate",
  "unrelated-certificate",
  "expiring-soon",
  "weak-key",
  "weak-signature",
  "hostname-cn-only",
  "distrusted-ca",
]);

function collectFindings(outcomes: Outcome[], chain: ChainAnalysis, ctx: Context): ReportFinding[] {
  const findings: ReportFinding[] = chain.findings.map((f) => ({ ...f }));

  // Partial distrust: every rule, of any client, that fires for a root some client built a path to.
  const byRule = new Map<string, { d: DistrustFinding; clients: Set<DistrustClient>; anchor: Certificate }>();
  const seenAnchors = new Set<string>();
  for (const o of outcomes) {
    if (!o.anchorCert || seenAnchors.has(o.anchorCert.sha256)) continue;
    seenAnchors.add(o.anchorCert.sha256);
    for (const dc of ["java", "salesforce", "chrome", "firefox"] as DistrustClient[]) {
      for (const d of distrustedPath(distrustOf(ctx.rules(), dc), dc, o.certs)) {
        const e = byRule.get(d.rule.id) ?? { d, clients: new Set<DistrustClient>(), anchor: o.anchorCert };
        e.clients.add(dc);
        byRule.set(d.rule.id, e);
      }
    }
  }
  for (const { d, clients, anchor } of byRule.values()) {
    const who = [...clients].map((c) => CLIENTS[c].name).join(", ");
    findings.push({
      code: "distrusted-ca",
      severity: "warning",
      message: `${who} ${d.certain ? "distrust" : "may distrust"} "${anchor.label}" for this certificate: ${d.reason} (rule ${d.rule.id}).`,
      fix: "Replace the certificate with one from a CA these clients still trust; certificates issued before the cutoff keep working until they expire.",
      certificate: certRef(anchor, "root", positionIn(ctx, anchor)),
      data: {
        rule: d.rule.id,
        test: d.rule.test.kind,
        cutoff: isoSeconds(d.rule.test.date),
        compared: d.date ? isoSeconds(d.date) : undefined,
        certain: d.certain,
        clients: [...clients],
        source: d.rule.source,
      },
    });
  }

  if (ctx.purpose === "client") findings.push(...clientCertificateFindings(outcomes, ctx, findings));

  // Client-specific reasons no chain finding covers.
  for (const o of outcomes) {
    const r = o.verdict.reason;
    if (!r) continue;
    if (findings.some((f) => f.code === r.code && sameCert(f.certificate, r.certificate))) continue;
    findings.push({
      code: r.code,
      severity: "error",
      message: r.message,
      fix: FIXES[r.code] ?? fixFromChain(r.code, findings) ?? "See the client's error text.",
      ...(r.certificate ? { certificate: r.certificate } : {}),
    });
  }

  // Which client refuses because of which finding.
  for (const f of findings) {
    if (f.severity === "info") continue;
    const clients: NonNullable<ReportFinding["clients"]> = {};
    for (const o of outcomes) {
      const v = o.verdict;
      const decisive =
        v.reason && v.reason.code === f.code && sameCert(f.certificate, v.reason.certificate, f.code);
      if (decisive) {
        clients[v.client] = {
          rejects: true,
          ...(v.error ? { error: v.error.text, evidence: v.error.evidence } : {}),
        };
        if (v.status === "depends") clients[v.client] = { rejects: false, note: v.notes[v.notes.length - 1] };
      } else if (o.failures.some((x) => failureMatches(x, f, o))) {
        clients[v.client] = { rejects: true };
      } else {
        clients[v.client] = { rejects: false };
      }
    }
    f.clients = clients;
    if (WARNING_CODES.has(f.code) && Object.values(clients).some((c) => c?.rejects)) f.severity = "error";
  }
  return findings.sort(bySeverity);
}

function positionIn(ctx: Context, c: Certificate): number | undefined {
  const i = ctx.sent.findIndex((s) => s.sha256 === c.sha256);
  return i >= 0 ? i + 1 : undefined;
}

const GAP_CODES = new Set([
  "incomplete-chain",
  "issuer-key-id-mismatch",
  "unknown-issuer",
  "untrusted-root",
  "intermediate-anchor-ignored",
]);

function sameCert(a: CertificateRef | undefined, b: CertificateRef | undefined, code?: string): boolean {
  if (code && GAP_CODES.has(code)) return true;
  return !a || !b || a.sha256 === b.sha256;
}

function fixFromChain(code: string, findings: ReportFinding[]): string | undefined {
  return findings.find((f) => f.code === code)?.fix;
}

/** Does a (non-decisive) failure of this client correspond to finding `f`? */
function failureMatches(x: Failure, f: ReportFinding, o: Outcome): boolean {
  const certOk = !f.certificate || !x.cert || f.certificate.sha256 === x.cert.sha256;
  switch (f.code) {
    case "expired":
    case "not-yet-valid":
      return x.kind === f.code && certOk;
    case "weak-key":
    case "weak-signature":
      return x.kind === f.code && certOk;
    case "hostname-mismatch":
    case "hostname-cn-only":
      return x.kind === "hostname-mismatch";
    case "distrusted-ca":
      return x.kind === "distrusted";
    case "self-signed-leaf":
      return x.kind === "self-signed-leaf" || x.kind === "self-signed-target";
    case "incomplete-chain":
    case "unknown-issuer":
    case "untrusted-root":
      return (x.kind === "unknown-issuer" || x.kind === "untrusted-root") && o.verdict.status !== "depends";
    default:
      return false;
  }
}

/**
 * Chrome Root Program policy v1.6: from 2026-06-15, public TLS hierarchies issue serverAuth-only certificates
 * (no clientAuth beside serverAuth). A "dual-use" certificate from a public root issued after that date was
 * issued against policy, and CAs are dropping clientAuth, so it will not be renewable as such.
 * Source: https://www.chromium.org/Home/chromium-security/root-ca-policy/ (§3.2.2, "dedicated hierarchies").
 */
export const DUAL_USE_CUTOFF = new Date("2026-06-15T00:00:00Z");

/** Mutual TLS client certificates (Salesforce's Mutual Authentication Certificate upload) need more than a path. */
function clientCertificateFindings(
  outcomes: Outcome[],
  ctx: Context,
  findings: ReportFinding[],
): ReportFinding[] {
  const out: ReportFinding[] = [];
  const leaf = ctx.leaf;
  // Salesforce takes the certificate as one PEM file: the client certificate first, then each issuer in order.
  const first = ctx.sent[0];
  if ((first && first.sha256 !== leaf.sha256) || findings.some((f) => f.code === "wrong-order")) {
    out.push({
      code: "client-chain-order",
      severity: "error",
      message:
        "The client certificate is not first in the file, or its chain is out of order: Salesforce's Mutual Authentication Certificate upload takes one PEM with the client certificate first, then each intermediate in order.",
      fix: "Build one PEM file: the client certificate, then its issuing CA, then the next CA up (the root may be left out), and upload that.",
      certificate: certRef(leaf, "leaf", positionIn(ctx, leaf)),
    });
  }
  const eku = leaf.extKeyUsage ?? [];
  const publicRoots = new Set(loadMozillaRoots().map((r) => r.sha256.toLowerCase()));
  const chainsToPublicRoot = outcomes.some(
    (o) => o.anchorCert && publicRoots.has(o.anchorCert.sha256.toLowerCase()),
  );
  if (
    eku.includes(OID.clientAuth) &&
    eku.includes(OID.serverAuth) &&
    chainsToPublicRoot &&
    leaf.notBefore.getTime() >= DUAL_USE_CUTOFF.getTime()
  ) {
    out.push({
      code: "dual-use-eku",
      severity: "warning",
      message: `"${leaf.label}" carries both serverAuth and clientAuth and chains to a public root, issued on or after 2026-06-15: public TLS CAs no longer issue such dual-use certificates (Chrome Root Program), so it will not renew as it is.`,
      fix: "Get a client certificate from a hierarchy meant for client authentication (a private CA, or a public CA's dedicated clientAuth hierarchy), and keep server certificates serverAuth-only.",
      certificate: certRef(leaf, "leaf", positionIn(ctx, leaf)),
      data: { cutoff: isoSeconds(DUAL_USE_CUTOFF) },
    });
  }
  return out;
}

/**
 * A lookup of the anchors' certificates by subject match key, read from the recorded facts, so that asking
 * for one name parses only the anchors that carry it.
 */
function anchorCertsNamed(anchors: readonly TrustAnchor[]): (subjectKey: string) => readonly Certificate[] {
  let bySubject: Map<string, TrustAnchor[]> | undefined;
  return (subjectKey) => {
    if (!bySubject) {
      bySubject = new Map();
      for (const a of anchors) {
        const key = anchorSubjectKey(a);
        const list = bySubject.get(key);
        if (list) list.push(a);
        else bySubject.set(key, [a]);
      }
    }
    return (bySubject.get(subjectKey) ?? []).map((a) => a.cert);
  };
}
