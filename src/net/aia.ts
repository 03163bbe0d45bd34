/**
 * Chain repair: find the intermediates a server does not send — from the AIA caIssuers URLs of its
 * certificates, a local folder of intermediates, or a catalog (the FPKI bundle) — and build the bundle the
 * server should send: its certificate, then each issuer in order, without the root.
 *
 * AIA fetches are bounded: 10 s per request, 3 redirects, 256 KiB per response, at most 5 requests per
 * repair (redirects count), http: and https: only. A certificate chooses these URLs, so a hostile one could
 * point them at the network the user sits in (a cloud metadata service, an admin page): they go through the
 * one address guard (./guard.ts guardedFetch: every address of every hop checked, the connection made to the
 * checked address), with public addresses only by default (AIA_POLICY). The CLI's `--allow-private` and
 * `chainproof serve --allow-private` pass a wider `guard`; the lab (src/lab), which serves its own
 * intermediates on a loopback port it has just opened, passes `allowOrigins`, the exact origins
 * ("http://127.0.0.1:40123") it vouches for.
 */

import { performance } from "node:perf_hooks";
import { issued } from "../clients/chain-analysis.js";
import type { Certificate } from "../x509/certificate.js";
import { readCertificates } from "../x509/input.js";
import { OID } from "../x509/oids.js";
import { type GuardPolicy, guardedFetch, type LookupAll, PUBLIC_ONLY } from "./guard.js";

export const AIA_LIMITS = {
  /** Per request, headers and body. */
  timeoutMs: 10_000,
  maxRedirects: 3,
  /** Per response body. */
  maxBytes: 256 * 1024,
  /** Requests per repair, redirects included. */
  maxFetches: 5,
  /** Certificates kept from one response (a PKCS#7 bundle may hold several). */
  maxCertificates: 10,
} as const;

export interface AiaOptions {
  timeoutMs?: number;
  maxRedirects?: number;
  maxBytes?: number;
  /**
   * Exact origins (scheme://host:port, as URL.origin gives them) that may be fetched even though they resolve
   * to loopback or private addresses. For the lab only; see the module comment.
   */
  allowOrigins?: readonly string[];
  /**
   * Which addresses may be fetched (default AIA_POLICY: public ones only). The CLI's --allow-private and
   * `chainproof serve --allow-private` widen it.
   */
  guard?: GuardPolicy;
  /** Name resolution (default: every address the system resolver returns); every answer is checked. */
  lookup?: LookupAll;
}

/** AIA fetches by default: public addresses only (a certificate, not the user, chose the URL). */
export const AIA_POLICY: GuardPolicy = {
  ...PUBLIC_ONLY,
  allowHint: "AIA fetches go to public addresses only",
};

export interface AiaFetch {
  url: string;
  ok: boolean;
  /** The certificates the response held (DER, PEM or PKCS#7 certs-only). */
  certificates: Certificate[];
  /** Redirect targets followed, in order. */
  redirects: string[];
  status?: number;
  bytes: number;
  ms: number;
  /** Why nothing usable came back. */
  error?: string;
}

/** A shared allowance of requests, so one repair never makes more than `maxFetches`. */
export class FetchBudget {
  used = 0;
  constructor(readonly max: number = AIA_LIMITS.maxFetches) {}
  take(): boolean {
    if (this.used >= this.max) return false;
    this.used++;
    return true;
  }
}

// ---------------------------------------------------------------------------------------------------------
// One URL

/** The caIssuers URLs of a certificate's AIA extension. */
export function caIssuersUrls(cert: Certificate): string[] {
  return (cert.authorityInfoAccess ?? [])
    .filter((a) => a.method === OID.caIssuers && a.location.type === "uri")
    .map((a) => a.location.value);
}

/** Fetch one caIssuers URL (following up to 3 redirects), within the limits and the guard. Never throws. */
export async function fetchCaIssuers(
  url: string,
  options: AiaOptions = {},
  budget: FetchBudget = new FetchBudget(),
): Promise<AiaFetch> {
  const start = performance.now();
  const policy: GuardPolicy = {
    ...(options.guard ?? AIA_POLICY),
    ...(options.allowOrigins ? { allowOrigins: options.allowOrigins } : {}),
  };
  const r = await guardedFetch(url, {
    policy,
    timeoutMs: options.timeoutMs ?? AIA_LIMITS.timeoutMs,
    maxRedirects: options.maxRedirects ?? AIA_LIMITS.maxRedirects,
    maxBytes: options.maxBytes ?? AIA_LIMITS.maxBytes,
    headers: { "user-agent": "chainproof (AIA caIssuers)" },
    ...(options.lookup ? { lookup: options.lookup } : {}),
    beforeRequest: () =>
      budget.take() ? undefined : `fetch limit reached (${budget.max} requests per repair)`,
  });
  const result: AiaFetch = {
    url,
    ok: false,
    certificates: [],
    redirects: r.redirects,
    bytes: r.bytes,
    ms: 0,
    ...(r.status !== undefined ? { status: r.status } : {}),
  };
  const error =
    r.error ?? (r.status !== 200 || !r.body ? `HTTP ${r.status}` : readInto(result, r.body, r.url));
  if (error) result.error = error;
  result.ms = Math.round(performance.now() - start);
  return result;
}

/** Read the certificates of a response body into `result`; the reason when there is none. */
function readInto(result: AiaFetch, body: Uint8Array, source: string): string | undefined {
  try {
    const read = readCertificates(body, { source, maxCertificates: AIA_LIMITS.maxCertificates });
    result.certificates = read.certificates.map((c) => c.cert);
  } catch (e) {
    return `not a certificate: ${e instanceof Error ? e.message : String(e)}`;
  }
  result.ok = result.certificates.length > 0;
  return result.ok ? undefined : "the response holds no certificate";
}

// ---------------------------------------------------------------------------------------------------------
// Chain repair

export type RepairSource = "sent" | "local" | "catalog" | "aia";

export interface RepairInput {
  leaf: Certificate;
  /** The certificates the server sent, in order (the leaf may be among them). */
  presented: readonly Certificate[];
  /** Trust anchors of the clients the bundle must satisfy (the union of their stores). */
  anchors: readonly Certificate[];
  /** Intermediates from a local cache folder. */
  local?: readonly Certificate[];
  /** Known CA certificates (e.g. the FPKI store's catalog). */
  catalog?: readonly Certificate[];
  /** How to fetch an AIA URL; absent: no fetching. */
  fetch?: (url: string) => Promise<AiaFetch>;
  time?: Date;
}

export interface RepairedEntry {
  cert: Certificate;
  from: RepairSource;
  /** The URL it was fetched from. */
  url?: string;
}

export interface RepairResult {
  /** The bundle to serve: the leaf, then each issuer in order; never the root. */
  bundle: RepairedEntry[];
  /** The trust anchor whose certificate issued the last one of the bundle, when one did. */
  anchor?: Certificate;
  /** The bundle reaches a trust anchor. */
  complete: boolean;
  /** Sent certificates left out, and why. */
  dropped: { cert: Certificate; position: number; why: string }[];
  fetches: AiaFetch[];
  /** Why the bundle stops short, when it does. */
  problem?: string;
  /** The bundle differs from what the server sends. */
  changed: boolean;
}

const MAX_DEPTH = 10;

/**
 * Build the chain the server should send. Issuers are taken, in this order of preference, from: what the
 * server sent, the local folder, the catalog, then the AIA URL of the certificate whose issuer is missing
 * (also when the only issuer known is expired: the URL usually serves the current one). Among several
 * issuers, ones valid at `time` come first, then ones that lead to a trust anchor.
 */
export async function repairChain(input: RepairInput): Promise<RepairResult> {
  const time = input.time ?? new Date();
  const leaf = input.leaf;
  // Aim for a self-signed root: some clients (Salesforce, OpenSSL, Node) do not end a path at an
  // intermediate that happens to be in a store.
  const roots = input.anchors.filter((a) => a.selfSigned);
  const anchors = roots.length ? roots : input.anchors;
  const pool: RepairedEntry[] = [];
  const seen = new Set<string>([leaf.sha256]);
  const add = (cert: Certificate, from: RepairSource, url?: string) => {
    if (seen.has(cert.sha256)) return;
    seen.add(cert.sha256);
    pool.push(url ? { cert, from, url } : { cert, from });
  };
  for (const c of input.presented) add(c, "sent");
  for (const c of input.local ?? []) add(c, "local");
  for (const c of input.catalog ?? []) add(c, "catalog");
  const fetches: AiaFetch[] = [];
  const fetchedUrls = new Set<string>();
  const issuedCache = new Map<string, boolean>();
  const didIssue = (cand: Certificate, child: Certificate) => {
    const k = `${cand.sha256}>${child.sha256}`;
    let v = issuedCache.get(k);
    if (v === undefined) {
      v = issued(cand, child);
      issuedCache.set(k, v);
    }
    return v;
  };
  const valid = (c: Certificate) => time >= c.notBefore && time <= c.notAfter;
  const anchorFor = (c: Certificate) =>
    anchors.find((a) => a.sha256 === c.sha256) ?? anchors.find((a) => didIssue(a, c));

  const fetchFor = async (c: Certificate) => {
    if (!input.fetch) return;
    for (const url of caIssuersUrls(c)) {
      if (fetchedUrls.has(url)) continue;
      fetchedUrls.add(url);
      const f = await input.fetch(url);
      fetches.push(f);
      for (const cert of f.certificates) add(cert, "aia", url);
    }
  };

  const candidates = (c: Certificate, path: Certificate[]) =>
    pool
      .filter((e) => !path.some((p) => p.sha256 === e.cert.sha256) && didIssue(e.cert, c))
      .sort((a, b) => Number(valid(b.cert)) - Number(valid(a.cert)));

  // Depth-first from the leaf; the first path that reaches an anchor wins, else the longest.
  let best: { path: RepairedEntry[]; anchor?: Certificate } = { path: [] };
  const walk = async (
    path: RepairedEntry[],
    depth: number,
  ): Promise<{ path: RepairedEntry[]; anchor: Certificate } | undefined> => {
    const top = path.length ? path[path.length - 1].cert : leaf;
    const anchor = anchorFor(top);
    if (anchor) return { path, anchor };
    if (path.length > best.path.length) best = { path };
    if (top.selfSigned || depth >= MAX_DEPTH) return undefined;
    let next = candidates(
      top,
      path.map((e) => e.cert),
    );
    if (!next.some((e) => valid(e.cert))) {
      await fetchFor(top);
      next = candidates(
        top,
        path.map((e) => e.cert),
      );
    }
    for (const e of next) {
      const r = await walk([...path, e], depth + 1);
      if (r) return r;
    }
    return undefined;
  };
  const found = await walk([], 0);
  const chosen = found ?? best;
  // Roots stay out of the bundle: clients use their own copy.
  const bundleTail = chosen.path.filter((e) => !e.cert.selfSigned);
  const bundle: RepairedEntry[] = [{ cert: leaf, from: "sent" }, ...bundleTail];

  const sent = input.presented;
  const dropped: RepairResult["dropped"] = [];
  sent.forEach((c, i) => {
    if (c.sha256 === leaf.sha256) {
      if (sent.findIndex((x) => x.sha256 === leaf.sha256) !== i)
        dropped.push({ cert: c, position: i + 1, why: "a duplicate" });
      return;
    }
    if (bundle.some((b) => b.cert.sha256 === c.sha256)) {
      if (sent.findIndex((x) => x.sha256 === c.sha256) !== i)
        dropped.push({ cert: c, position: i + 1, why: "a duplicate" });
      return;
    }
    const why = c.selfSigned
      ? chosen.path.some((e) => e.cert.sha256 === c.sha256) || anchors.some((a) => a.sha256 === c.sha256)
        ? "the root (clients use their own copy)"
        : "a self-signed certificate that is not part of the chain"
      : !valid(c) && bundle.some((b) => b.cert.subject.matchKey === c.subject.matchKey)
        ? "expired; replaced by a current copy"
        : "not part of the chain";
    dropped.push({ cert: c, position: i + 1, why });
  });

  const sentOrder = sent.map((c) => c.sha256);
  const changed = bundle.length !== sentOrder.length || bundle.some((b, i) => b.cert.sha256 !== sentOrder[i]);
  const result: RepairResult = {
    bundle,
    complete: Boolean(found),
    dropped,
    fetches,
    changed,
  };
  if (found) result.anchor = found.anchor;
  else {
    const top = bundle[bundle.length - 1].cert;
    const last = chosen.path[chosen.path.length - 1]?.cert ?? top;
    result.problem = last.selfSigned
      ? `the chain ends at the root "${last.label}", which none of the trust stores holds`
      : `no issuer found for "${top.label}" (issuer ${top.issuer.toString()})${
          caIssuersUrls(top).length
            ? fetches.some((f) => !f.ok)
              ? `: ${fetches
                  .filter((f) => !f.ok)
                  .map((f) => `${f.url}: ${f.error}`)
                  .join("; ")}`
              : ""
            : "; it names no AIA caIssuers URL"
        }`;
  }
  return result;
}
