/**
 * The one address guard for every outgoing connection: check targets (./probe.ts, ./hello.ts), AIA fetches
 * (./aia.ts), the web server's checks (src/web/ssrf.ts), and the OCSP, CRL and webhook fetches to come
 * (`guardedFetch`).
 *
 * A certificate, a page or a scan list names a host; without a guard that host can be the network the
 * process runs in: a cloud metadata service (169.254.169.254, fd00:ec2::254, 100.100.100.200), an admin page
 * on 10.x, the machine's own loopback services. So:
 * - a host is resolved once and EVERY answer (all A and AAAA records) is checked: a name with one public and
 *   one private address is refused, as the resolver may hand out either;
 * - addresses are compared as numbers, and an IPv6 address that carries an IPv4 address (IPv4-mapped,
 *   -compatible, -translated, 6to4, Teredo, NAT64) is judged by the IPv4 address it carries;
 * - the connection goes to an address that was checked, never through a second lookup an attacker's DNS
 *   could answer differently (DNS rebinding), and every redirect is checked again like a new URL.
 *
 * What is refused depends on the caller's policy (GuardPolicy): the CLI checking a user's own network allows
 * private and loopback targets; `chainproof serve` refuses them unless started with --allow-private; AIA
 * fetches from a certificate go to public addresses unless `--allow-private`. The unspecified address,
 * multicast and broadcast are never a server to connect to and are refused under every policy.
 *
 * The ranges are those of the IANA IPv4 and IPv6 Special-Purpose Address Registries
 * (https://www.iana.org/assignments/iana-ipv4-special-registry, …/iana-ipv6-special-registry), the IPv4
 * multicast range (RFC 5771) and the IANA IPv6 Address Space registry (only 2000::/3 is global unicast).
 */

import { promises as dns } from "node:dns";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { InputError } from "../x509/errors.js";

// ---------------------------------------------------------------------------------------------------------
// Classes of addresses

/** Why an address is not an ordinary public one. */
export type AddressClass =
  | "loopback"
  | "private"
  | "link-local"
  | "shared"
  | "unspecified"
  | "multicast"
  | "broadcast"
  | "reserved"
  | "documentation"
  | "benchmarking";

/** Refused under every policy: no server listens there (and 0.0.0.0 reaches loopback on Linux). */
const NEVER: ReadonlySet<AddressClass> = new Set(["unspecified", "multicast", "broadcast"]);

const CLASS_TEXT: Record<AddressClass, string> = {
  loopback: "a loopback address",
  private: "a private address",
  "link-local": "a link-local address",
  shared: "a shared (carrier-grade NAT) address",
  unspecified: 'an unspecified ("this network") address',
  multicast: "a multicast address",
  broadcast: "the broadcast address",
  reserved: "a reserved address",
  documentation: "a documentation address",
  benchmarking: "a benchmarking address",
};

/** What the guard found out about an address that is not public. */
export interface AddressFinding {
  class: AddressClass;
  /** The registry entry, as CIDR ("169.254.0.0/16"). */
  range: string;
  /** The registry's name for it and its source, e.g. "link-local, RFC 3927". */
  what: string;
  /** When the class is that of an IPv4 address carried inside an IPv6 one: the form and the IPv4 address. */
  carried?: { form: string; ipv4: string };
}

type Entry = {
  net: bigint;
  bits: number;
  v6: boolean;
  class: AddressClass | "public";
  what: string;
  /** Bits below the prefix, and the prefix shifted down by them (an address matches when a >> shift === key). */
  shift: bigint;
  key: bigint;
};

function v4(text: string): bigint {
  const p = text.split(".").map(Number);
  return (BigInt(p[0]) << 24n) | (BigInt(p[1]) << 16n) | (BigInt(p[2]) << 8n) | BigInt(p[3]);
}

function v4Text(a: bigint): string {
  const n = Number(a);
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
}

/** Parse a textual IPv6 address (net.isIPv6 true, no zone) into 128 bits. */
export function parseIPv6(text: string): bigint {
  let s = text;
  // An embedded dotted quad at the end becomes two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  let tail: number[] = [];
  if (dotted) {
    const n = Number(v4(dotted[1]));
    tail = [Math.floor(n / 65536), n % 65536];
    s = s.slice(0, -dotted[1].length);
    if (s.endsWith(":") && !s.endsWith("::")) s = s.slice(0, -1);
  }
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((h) => Number.parseInt(h, 16)));
  const groups: number[] = [];
  const dbl = s.indexOf("::");
  if (dbl >= 0) {
    const head = parse(s.slice(0, dbl));
    const rest = parse(s.slice(dbl + 2));
    const fill = 8 - head.length - rest.length - tail.length;
    groups.push(...head, ...new Array(Math.max(0, fill)).fill(0), ...rest, ...tail);
  } else {
    groups.push(...parse(s), ...tail);
  }
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) {
    throw new RangeError(`not an IPv6 address: ${text}`);
  }
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

function entry(cidr: string, cls: Entry["class"], what: string): Entry {
  const [addr, bitsText] = cidr.split("/");
  const v6 = addr.includes(":");
  const net = v6 ? parseIPv6(addr) : v4(addr);
  const bits = Number(bitsText);
  const shift = BigInt((v6 ? 128 : 32) - bits);
  return { net, bits, v6, class: cls, what, shift, key: net >> shift };
}

/**
 * IPv6 forms that carry an IPv4 address, and where they carry it. A connection to one reaches (through a
 * translator or tunnel) the IPv4 address, so that address is judged as well.
 */
const CARRIERS: { cidr: string; form: string; source: string; ipv4: (a: bigint) => bigint[] }[] = [
  { cidr: "::ffff:0:0/96", form: "IPv4-mapped", source: "RFC 4291", ipv4: (a) => [a & 0xffffffffn] },
  // ::/96 also holds :: and ::1, which are themselves (see carried()).
  { cidr: "::/96", form: "IPv4-compatible", source: "deprecated, RFC 4291", ipv4: (a) => [a & 0xffffffffn] },
  { cidr: "::ffff:0:0:0/96", form: "IPv4-translated", source: "RFC 2765", ipv4: (a) => [a & 0xffffffffn] },
  { cidr: "64:ff9b::/96", form: "NAT64", source: "RFC 6052", ipv4: (a) => [a & 0xffffffffn] },
  // Local-use NAT64 (RFC 8215) may use any RFC 6052 prefix length inside the /48: the /96 form (last 32
  // bits) and the /48 form (bits 48-63, then bits 72-87 after the reserved octet) are both judged.
  {
    cidr: "64:ff9b:1::/48",
    form: "local-use NAT64",
    source: "RFC 8215",
    ipv4: (a) => [a & 0xffffffffn, (((a >> 64n) & 0xffffn) << 16n) | ((a >> 40n) & 0xffffn)],
  },
  // 6to4 (RFC 3056): the IPv4 address is bits 16-47.
  { cidr: "2002::/16", form: "6to4", source: "RFC 3056", ipv4: (a) => [(a >> 80n) & 0xffffffffn] },
  // Teredo (RFC 4380): the client's IPv4 address (where the packets go), bit-inverted, in the last 32 bits.
  // (Bits 32-63 name the Teredo server, which the packets do not reach.)
  { cidr: "2001::/32", form: "Teredo", source: "RFC 4380", ipv4: (a) => [~a & 0xffffffffn] },
];
const CARRIER_PREFIXES = CARRIERS.map((c) => ({ ...c, prefix: entry(c.cidr, "public", c.form) }));

/**
 * The registries as a longest-prefix table: the most specific entry that holds an address decides. "public"
 * entries are the registries' globally reachable exceptions inside a larger special range.
 */
const TABLE: Entry[] = [
  // IANA IPv4 Special-Purpose Address Registry
  entry("0.0.0.0/8", "unspecified", '"this network", RFC 791'),
  entry("10.0.0.0/8", "private", "private-use, RFC 1918"),
  entry("100.64.0.0/10", "shared", "shared address space, RFC 6598; a cloud metadata service lives here"),
  entry("127.0.0.0/8", "loopback", "loopback, RFC 1122"),
  entry("169.254.0.0/16", "link-local", "link-local, RFC 3927; the cloud metadata service 169.254.169.254"),
  entry("172.16.0.0/12", "private", "private-use, RFC 1918"),
  entry("192.0.0.0/24", "reserved", "IETF protocol assignments, RFC 6890"),
  entry("192.0.0.9/32", "public", "Port Control Protocol anycast, RFC 7723"),
  entry("192.0.0.10/32", "public", "TURN anycast, RFC 8155"),
  entry("192.0.2.0/24", "documentation", "TEST-NET-1, RFC 5737"),
  entry("192.88.99.0/24", "reserved", "deprecated 6to4 relay anycast, RFC 7526"),
  entry("192.168.0.0/16", "private", "private-use, RFC 1918"),
  entry("198.18.0.0/15", "benchmarking", "benchmarking, RFC 2544"),
  entry("198.51.100.0/24", "documentation", "TEST-NET-2, RFC 5737"),
  entry("203.0.113.0/24", "documentation", "TEST-NET-3, RFC 5737"),
  entry("224.0.0.0/4", "multicast", "multicast, RFC 5771"),
  entry("240.0.0.0/4", "reserved", "reserved for future use, RFC 1112"),
  entry("255.255.255.255/32", "broadcast", "limited broadcast, RFC 919"),
  // IANA IPv6 Address Space: all but 2000::/3 (and the ranges below) is reserved by the IETF.
  entry("::/0", "reserved", "reserved by the IETF, RFC 4291 (global unicast is 2000::/3)"),
  entry("2000::/3", "public", "global unicast"),
  // IANA IPv6 Special-Purpose Address Registry
  entry("::/128", "unspecified", "the unspecified address, RFC 4291"),
  entry("::1/128", "loopback", "loopback, RFC 4291"),
  // The IPv4-carrying forms are public themselves: the IPv4 address inside decides (see CARRIERS)...
  ...CARRIERS.map((c) => entry(c.cidr, "public", `${c.form}, ${c.source}`)),
  // ... except local-use NAT64, which the registry marks not globally reachable (longer prefix: wins).
  entry("64:ff9b:1::/48", "private", "local-use IPv4/IPv6 translation, RFC 8215"),
  entry("100::/64", "reserved", "discard-only, RFC 6666"),
  entry("2001::/23", "reserved", "IETF protocol assignments, RFC 2928"),
  entry("2001:1::1/128", "public", "Port Control Protocol anycast, RFC 7723"),
  entry("2001:1::2/128", "public", "TURN anycast, RFC 8155"),
  entry("2001:1::3/128", "public", "DNS-SD service registration protocol anycast, RFC 9665"),
  entry("2001:2::/48", "benchmarking", "benchmarking, RFC 5180"),
  entry("2001:3::/32", "public", "AMT, RFC 7450"),
  entry("2001:4:112::/48", "public", "AS112-v6, RFC 7535"),
  entry("2001:20::/28", "public", "ORCHIDv2, RFC 7343"),
  entry("2001:30::/28", "public", "drone remote ID, RFC 9374"),
  entry("2001:db8::/32", "documentation", "documentation, RFC 3849"),
  entry("3fff::/20", "documentation", "documentation, RFC 9637"),
  entry("5f00::/16", "reserved", "segment routing SIDs, RFC 9602"),
  entry("fc00::/7", "private", "unique local, RFC 4193; the cloud metadata service fd00:ec2::254"),
  entry("fe80::/10", "link-local", "link-local unicast, RFC 4291"),
  entry("fec0::/10", "private", "site-local (deprecated), RFC 3879"),
  entry("ff00::/8", "multicast", "multicast, RFC 4291"),
];

function holds(e: Entry, a: bigint, v6: boolean): boolean {
  return e.v6 === v6 && a >> e.shift === e.key;
}

function cidrText(e: Entry): string {
  if (!e.v6) return `${v4Text(e.net)}/${e.bits}`;
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((e.net >> BigInt(i * 16)) & 0xffffn).toString(16));
  const text = groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
  return `${text}/${e.bits}`;
}

function lookupTable(a: bigint, v6: boolean): AddressFinding | undefined {
  let best: Entry | undefined;
  // Equal prefixes: the later entry wins (the exceptions after the general rule).
  for (const e of TABLE) if (holds(e, a, v6) && (!best || e.bits >= best.bits)) best = e;
  if (!best || best.class === "public") return undefined;
  return { class: best.class, range: cidrText(best), what: best.what };
}

function carried(a: bigint): { form: string; ipv4: bigint[] } | undefined {
  if (a <= 1n) return undefined;
  const c = CARRIER_PREFIXES.find((k) => holds(k.prefix, a, true));
  return c ? { form: c.form, ipv4: c.ipv4(a) } : undefined;
}

/** Strip brackets and an IPv6 zone ("fe80::1%eth0"): the address as a number and its family, or undefined. */
function parseAddress(address: string): { a: bigint; v6: boolean } | undefined {
  const bare = address.replace(/^\[(.*)\]$/, "$1");
  const zone = bare.indexOf("%");
  const text = zone >= 0 ? bare.slice(0, zone) : bare;
  const family = net.isIP(text);
  if (family === 4) return { a: v4(text), v6: false };
  if (family === 6) return { a: parseIPv6(text), v6: true };
  return undefined;
}

/**
 * The class of an IP address (text, IPv4 or IPv6, zone allowed), or undefined for an ordinary public one.
 * An IPv6 address that carries an IPv4 address gets the class of that address when it is not public.
 * Throws RangeError for text that is not an IP address.
 */
export function classifyAddress(address: string): AddressFinding | undefined {
  const p = parseAddress(address);
  if (!p) throw new RangeError(`not an IP address: ${address.slice(0, 100)}`);
  const c = p.v6 ? carried(p.a) : undefined;
  if (c) {
    const found = c.ipv4
      // Where a form has two readings (local-use NAT64), a zero field is padding, not the address carried.
      .filter((inner) => c.ipv4.length === 1 || inner !== 0n)
      .map((inner) => ({ inner, f: lookupTable(inner, false) }))
      .filter((x): x is { inner: bigint; f: AddressFinding } => x.f !== undefined);
    const hit = found[0];
    if (hit) return { ...hit.f, carried: { form: c.form, ipv4: v4Text(hit.inner) } };
  }
  return lookupTable(p.a, p.v6);
}

// ---------------------------------------------------------------------------------------------------------
// Policy and refusal

export interface GuardPolicy {
  /** Private, link-local (metadata included), shared, reserved, documentation, benchmarking and loopback. */
  allowPrivate: boolean;
  /** Loopback alone (the web server bound to loopback checks the lab and local test servers). */
  allowLoopback: boolean;
  /**
   * Exact origins ("http://127.0.0.1:40123", as URL.origin gives them) a fetch may reach whatever they
   * resolve to: for the lab, which serves its own intermediates on a loopback port it has just opened.
   */
  allowOrigins?: readonly string[];
  /** How the user allows a refused address, ending the message ("pass --allow-private to allow it"). */
  allowHint?: string;
}

/** Public addresses only (AIA fetches by default). */
export const PUBLIC_ONLY: GuardPolicy = { allowPrivate: false, allowLoopback: false };

/**
 * CLI check targets: the user names the server to check on their own network, so private and loopback
 * targets are allowed (only the never-a-server classes are refused).
 */
export const USER_NETWORK: GuardPolicy = { allowPrivate: true, allowLoopback: true };

/** The refusal of an address, or undefined when the policy allows it. */
export function refusedBy(address: string, policy: GuardPolicy): AddressFinding | undefined {
  const f = classifyAddress(address);
  if (!f) return undefined;
  if (NEVER.has(f.class)) return f;
  if (policy.allowPrivate) return undefined;
  if (f.class === "loopback" && policy.allowLoopback) return undefined;
  return f;
}

/** True when no policy allows the class (unspecified, multicast, broadcast). */
export function alwaysRefused(f: AddressFinding): boolean {
  return NEVER.has(f.class);
}

/** A connection refused by the guard. An InputError: the CLI prints it and exits 2; the web answers 403. */
export class BlockedAddressError extends InputError {
  constructor(
    message: string,
    readonly host: string,
    readonly address: string,
    readonly finding: AddressFinding,
  ) {
    super(message, "blocked-target");
    this.name = "BlockedAddressError";
  }
}

/** "an IPv4-mapped address", "a 6to4 address". */
export function carrierText(form: string): string {
  return `${/^[AEIOU]/i.test(form) ? "an" : "a"} ${form} address`;
}

/** "refused: pki.example resolves to 10.0.0.5, a private address (10.0.0.0/8: private-use, RFC 1918); …" */
export function refusalMessage(
  host: string,
  address: string,
  f: AddressFinding,
  policy: GuardPolicy,
  answers = 1,
): string {
  const subject =
    host === address
      ? `${address} is`
      : `${host} resolves to ${address}${answers > 1 ? ` (one of ${answers} addresses)` : ""},`;
  const via = f.carried ? `${carrierText(f.carried.form)} carrying ${f.carried.ipv4}, ` : "";
  const hint = alwaysRefused(f)
    ? "no server is reached at such an address"
    : (policy.allowHint ?? "such addresses are not connected to");
  return `refused: ${subject} ${via}${CLASS_TEXT[f.class]} (${f.range}: ${f.what}); ${hint}`;
}

// ---------------------------------------------------------------------------------------------------------
// Resolution

export type LookupAll = (host: string) => Promise<{ address: string; family: number }[]>;

export const systemLookupAll: LookupAll = (host) => dns.lookup(host, { all: true, verbatim: true });

/**
 * The IP address a host text denotes, in canonical form, when it is one: IPv6 in brackets or not, and the
 * IPv4 forms the WHATWG URL parser (and inet_aton) accept (0x7f.1, 2130706433, 0177.0.0.1).
 */
export function ipLiteral(host: string): string | undefined {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  if (net.isIP(bare.split("%")[0])) return bare;
  if (!/^[0-9a-fx.]+$/i.test(bare)) return undefined;
  try {
    const h = new URL(`http://${bare}/`).hostname;
    return net.isIPv4(h) ? h : undefined;
  } catch {
    return undefined;
  }
}

export interface GuardedAddresses {
  /** The address to connect to (the first answer). */
  address: string;
  family: number;
  /** Every address the host resolved to, all allowed. */
  all: { address: string; family: number }[];
}

/**
 * Resolve `host` (a name or an IP address, in any form) and check every answer against the policy. Throws
 * BlockedAddressError naming the host, the address and its class when any is refused; DNS failures are the
 * resolver's errors (with their `code`).
 */
export async function resolveGuarded(
  host: string,
  policy: GuardPolicy,
  lookupAll: LookupAll = systemLookupAll,
): Promise<GuardedAddresses> {
  const shown = host.replace(/^\[(.*)\]$/, "$1");
  const literal = ipLiteral(host);
  const answers = literal
    ? [{ address: literal, family: net.isIP(literal.split("%")[0]) }]
    : await lookupAll(shown);
  if (answers.length === 0) throw Object.assign(new Error(`no address for ${shown}`), { code: "ENOTFOUND" });
  for (const a of answers) {
    let f: AddressFinding | undefined;
    try {
      f = refusedBy(a.address, policy);
    } catch {
      throw new InputError(`refused: ${shown} resolves to "${a.address.slice(0, 60)}", not an IP address`);
    }
    if (f) {
      const name = literal ? a.address : shown;
      throw new BlockedAddressError(
        refusalMessage(name, a.address, f, policy, answers.length),
        shown,
        a.address,
        f,
      );
    }
  }
  return { address: answers[0].address, family: answers[0].family, all: answers };
}

// ---------------------------------------------------------------------------------------------------------
// HTTP fetches (AIA today; OCSP, CRL and webhooks plug in here)

export interface FetchLimits {
  /** The whole fetch, lookups and redirects included. */
  timeoutMs: number;
  maxRedirects: number;
  /** Per response body. */
  maxBytes: number;
}

export interface GuardedFetchOptions extends Partial<FetchLimits> {
  policy: GuardPolicy;
  lookup?: LookupAll;
  method?: "GET" | "POST";
  /** The request body (POST), e.g. a DER OCSP request. */
  body?: Uint8Array;
  headers?: Record<string, string>;
  /** Asked before each request, redirects included: a reason to stop (a caller's request budget), or undefined. */
  beforeRequest?: () => string | undefined;
}

export interface GuardedFetchResult {
  /** The last URL requested. */
  url: string;
  /** Redirect targets followed, in order. */
  redirects: string[];
  status?: number;
  contentType?: string;
  /** The body of a final (non-redirect) response, when it came whole within the limit. */
  body?: Uint8Array;
  bytes: number;
  /** Why the fetch failed; a refused address starts with "refused:". */
  error?: string;
  /** The refusal, when the guard refused an address. */
  blocked?: BlockedAddressError;
}

/**
 * Fetch an http: or https: URL within the limits, with the guard on every hop: each URL's host is resolved
 * and every address checked, the request goes to the checked address, and each redirect is checked like a
 * new URL. Never throws: failures come back in `error`. Does not look at the status beyond redirects.
 */
export async function guardedFetch(url: string, o: GuardedFetchOptions): Promise<GuardedFetchResult> {
  const limits = { timeoutMs: 10_000, maxRedirects: 3, maxBytes: 256 * 1024, ...o };
  const start = Date.now();
  const result: GuardedFetchResult = { url, redirects: [], bytes: 0 };
  const fail = (error: string) => Object.assign(result, { error });
  let current = url;
  let method = o.method ?? "GET";
  let body = o.body;
  for (let hop = 0; ; hop++) {
    result.url = current;
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
    const stop = o.beforeRequest?.();
    if (stop) return fail(stop);
    const policy = o.policy.allowOrigins?.includes(u.origin) ? { ...o.policy, allowPrivate: true } : o.policy;
    let target: GuardedAddresses;
    try {
      target = await withDeadline(
        resolveGuarded(u.hostname, policy, o.lookup),
        limits.timeoutMs - (Date.now() - start),
        `DNS lookup of ${u.hostname}`,
      );
    } catch (e) {
      if (e instanceof BlockedAddressError) Object.assign(result, { blocked: e });
      return fail(e instanceof Error ? e.message : String(e));
    }
    const remaining = limits.timeoutMs - (Date.now() - start);
    if (remaining <= 0) return fail(`timeout after ${limits.timeoutMs / 1000} s`);
    const r = await request(
      u,
      target,
      { method, body, headers: o.headers ?? {} },
      remaining,
      limits.maxBytes,
    );
    result.status = r.status;
    result.bytes = r.body?.length ?? 0;
    if (r.error) return fail(r.error);
    if (r.location === undefined) {
      if (r.contentType) result.contentType = r.contentType;
      result.body = r.body;
      return result;
    }
    if (hop >= limits.maxRedirects) return fail(`more than ${limits.maxRedirects} redirects`);
    try {
      current = new URL(r.location, u).toString();
    } catch {
      return fail(`redirect to an invalid URL: ${r.location.slice(0, 200)}`);
    }
    result.redirects.push(current);
    // 307 and 308 repeat the request as it was; the others continue with a GET (RFC 9110 15.4).
    if (r.status !== 307 && r.status !== 308) {
      method = "GET";
      body = undefined;
    }
  }
}

async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what} took over ${Math.round(ms) / 1000} s`)),
          Math.max(1, ms),
        );
      }),
    ]);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && !(e instanceof InputError)) throw new Error(`${what} failed (${code})`);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

interface RawResponse {
  status?: number;
  location?: string;
  contentType?: string;
  body?: Uint8Array;
  error?: string;
}

function request(
  u: URL,
  target: GuardedAddresses,
  req0: { method: string; body: Uint8Array | undefined; headers: Record<string, string> },
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
    const headers: Record<string, string> = { "user-agent": "chainproof", accept: "*/*", ...req0.headers };
    if (req0.body) headers["content-length"] = String(req0.body.length);
    const req = mod.request(
      u,
      {
        method: req0.method,
        headers,
        // Connect to the address that was checked, not to whatever a second lookup returns.
        lookup: ((_h: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) => {
          if (opts?.all) cb(null, [{ address: target.address, family: target.family }]);
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
        const contentType = res.headers["content-type"];
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
        res.on("end", () =>
          settle({
            status,
            ...(contentType ? { contentType } : {}),
            body: new Uint8Array(Buffer.concat(chunks)),
          }),
        );
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
    req.end(req0.body ? Buffer.from(req0.body) : undefined);
  });
}
