/**
 * Chain repair: find the intermediates a server does not send — from the AIA caIssuers URLs of its
 * certificates, a local folder of intermediates, or a catalog (the FPKI bundle) — and build the bundle the
 * server should send: its certificate, then each issuer in order, without the root.
 *
 * AIA fetches are bounded: 10 s per request, 3 redirects, 256 KiB per response, at most 5 requests per
 * repair (redirects count), http: and https: only. A certificate chooses these URLs, so a hostile one could
 * point them at the network the user sits in (a cloud metadata service, an admin page): every address a URL
 * resolves to is checked before connecting, and loopback, private, link-local, CGNAT, multicast and
 * reserved addresses are refused. The only way past that is `allowOrigins`, a list of exact origins
 * ("http://127.0.0.1:40123") that the caller vouches for. Nothing in the CLI's argument parsing can set it:
 * only the lab (src/lab), which serves its own intermediates on a loopback port it has just opened, passes
 * one. The connection goes to the address that was checked (no second lookup an attacker's DNS could answer
 * differently).
 */

import { promises as dns } from "node:dns";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { performance } from "node:perf_hooks";
import { issued } from "../clients/chain-analysis.js";
import type { Certificate } from "../x509/certificate.js";
import { readCertificates } from "../x509/input.js";
import { OID } from "../x509/oids.js";

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
  /** Name resolution (default: every address the system resolver returns). */
  lookup?: (host: string) => Promise<{ address: string; family: number }[]>;
}

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
// Addresses

const blocked = new net.BlockList();
for (const [a, p] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  blocked.addSubnet(a, p, "ipv4");
for (const [a, p] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["2001:db8::", 32],
  ["100::", 64],
] as const)
  blocked.addSubnet(a, p, "ipv6");

/** The IPv4 address inside an IPv4-mapped, -compatible or NAT64 (64:ff9b::/96) IPv6 address. */
function embeddedIpv4(addr: string): string | undefined {
  const m = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (m) return m[1];
  const h = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(addr);
  if (h) {
    const hi = Number.parseInt(h[1], 16);
    const lo = Number.parseInt(h[2], 16);
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return undefined;
}

/** True for addresses an AIA fetch must not reach: loopback, private, link-local, CGNAT, multicast, reserved. */
export function isNonPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return blocked.check(address, "ipv4");
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== undefined) return blocked.check(v4, "ipv4");
    return blocked.check(address, "ipv6");
  }
  return true;
}

async function defaultLookup(host: string): Promise<{ address: string; family: number }[]> {
  return dns.lookup(host, { all: true });
}

// ---------------------------------------------------------------------------------------------------------
// One URL

/** The caIssuers URLs of a certificate's AIA extension. */
export function caIssuersUrls(cert: Certificate): string[] {
  return (cert.authorityInfoAccess ?? [])
    .filter((a) => a.method === OID.caIssuers && a.location.type === "uri")
    .map((a) => a.location.value);
}

/** Fetch one caIssuers URL (following up to 3 redirects), within the limits. Never throws. */
export async function fetchCaIssuers(
  url: string,
  options: AiaOptions = {},
  budget: FetchBudget = new FetchBudget(),
): Promise<AiaFetch> {
  const o = {
    timeoutMs: AIA_LIMITS.timeoutMs,
    maxRedirects: AIA_LIMITS.maxRedirects,
    maxBytes: AIA_LIMITS.maxBytes,
    ...options,
  };
  const start = performance.now();
  const result: AiaFetch = { url, ok: false, certificates: [], redirects: [], bytes: 0, ms: 0 };
  const fail = (error: string): AiaFetch => {
    result.error = error;
    result.ms = Math.round(performance.now() - start);
    return result;
  };
  let current = url;
  for (let hop = 0; ; hop++) {
    let u: URL;
    try {
      u = new URL(current);
    } catch {
      return fail(`not a valid URL: ${current.slice(0, 200)}`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") {
      return fail(`${u.protocol.replace(":", "")} URLs are not fetched (only http and https)`);
    }
    if (u.username || u.password) return fail("URLs with credentials are not fetched");
    if (!budget.take()) return fail(`fetch limit reached (${budget.max} requests per repair)`);
    const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
    let addresses: { address: string; family: number }[];
    try {
      addresses = net.isIP(host)
        ? [{ address: host, family: net.isIP(host) }]
        : await withTimeout((o.lookup ?? defaultLookup)(host), o.timeoutMs, `DNS lookup of ${host}`);
    } catch (e) {
      return fail(e instanceof Error ? e.message : String(e));
    }
    if (!addresses.length) return fail(`DNS lookup of ${host} returned no address`);
    const allowed = o.allowOrigins?.includes(u.origin) ?? false;
    const bad = addresses.find((a) => isNonPublicAddress(a.address));
    if (bad && !allowed) {
      return fail(
        `refused: ${host} resolves to ${bad.address}, a loopback, private or reserved address (AIA fetches go to public addresses only)`,
      );
    }
    const target = addresses[0];
    const remaining = o.timeoutMs - (performance.now() - start);
    if (remaining <= 0) return fail(`timeout after ${o.timeoutMs / 1000} s`);
    const r = await request(u, target, remaining, o.maxBytes);
    result.status = r.status;
    result.bytes = r.body?.length ?? 0;
    if (r.error) return fail(r.error);
    if (r.location !== undefined) {
      if (hop >= o.maxRedirects) return fail(`more than ${o.maxRedirects} redirects`);
      let next: string;
      try {
        next = new URL(r.location, u).toString();
      } catch {
        return fail(`redirect to an invalid URL: ${r.location.slice(0, 200)}`);
      }
      result.redirects.push(next);
      current = next;
      continue;
    }
    if (r.status !== 200) return fail(`HTTP ${r.status}`);
    try {
      const read = readCertificates(r.body!, {
        source: current,
        maxCertificates: AIA_LIMITS.maxCertificates,
      });
      result.certificates = read.certificates.map((c) => c.cert);
      result.ok = result.certificates.length > 0;
      if (!result.ok) return fail("the response holds no certificate");
    } catch (e) {
      return fail(`not a certificate: ${e instanceof Error ? e.message : String(e)}`);
    }
    result.ms = Math.round(performance.now() - start);
    return result;
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms);
      }),
    ]);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new Error(`${what} failed (${code})`);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

interface RawResponse {
  status?: number;
  location?: string;
  body?: Uint8Array;
  error?: string;
}

function request(
  u: URL,
  target: { address: string; family: number },
  timeoutMs: number,
  maxBytes: number,
): Promise<RawResponse> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (r: RawResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const mod = u.protocol === "https:" ? https : http;
    const req = mod.request(
      u,
      {
        method: "GET",
        headers: { "user-agent": "chainproof (AIA caIssuers)", accept: "*/*" },
        // Connect to the address that was checked, not to whatever a second lookup returns.
        lookup: ((_h: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) => {
          if (opts?.all) cb(null, [target]);
          else cb(null, target.address, target.family);
        }) as unknown as net.LookupFunction,
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          settle({ status, location: res.headers.location });
          return;
        }
        const declared = Number(res.headers["content-length"]);
        if (Number.isFinite(declared) && declared > maxBytes) {
          settle({ status, error: `response of ${declared} bytes is over the ${maxBytes / 1024} KiB limit` });
          return;
        }
        const chunks: Buffer[] = [];
        let n = 0;
        res.on("data", (b: Buffer) => {
          n += b.length;
          if (n > maxBytes) {
            settle({ status, error: `response is over the ${maxBytes / 1024} KiB limit` });
            return;
          }
          chunks.push(b);
        });
        res.on("end", () => settle({ status, body: new Uint8Array(Buffer.concat(chunks)) }));
        res.on("error", (e) => settle({ status, error: e.message }));
      },
    );
    const timer = setTimeout(
      () => settle({ error: `timeout after ${Math.round(timeoutMs) / 1000} s` }),
      Math.max(1, timeoutMs),
    );
    req.on("error", (e: NodeJS.ErrnoException) =>
      settle({ error: e.code ? `${e.code}: ${e.message}` : e.message }),
    );
    req.end();
  });
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
