/**
 * The server-side request guard of `chainproof serve`: a page (or a script) names a host, and the server
 * connects to it. Without a guard that turns the server into a proxy into the network it runs in: the cloud
 * metadata service (169.254.169.254, fd00:ec2::254, 100.100.100.200), an admin page on 10.x, the machine's
 * own loopback services.
 *
 * So every target is resolved first and every address it resolves to is checked (a name with one public and
 * one private address is refused: the resolver may hand out either), and the connection then goes to the
 * address that was checked, never to a second resolution (no DNS rebinding between check and connect).
 * Addresses are compared numerically after parsing, so 127.1, 0x7f.0.0.1, ::ffff:7f00:1 and friends cannot
 * slip through as text: names that look like odd IPv4 forms are resolved by the system like any name and
 * their result is checked.
 */

import { promises as dns } from "node:dns";
import net from "node:net";

export interface TargetPolicy {
  /** `--allow-private`: private, link-local, metadata and loopback addresses may be probed. */
  allowPrivate: boolean;
  /** The server is bound to loopback: loopback targets (the lab, a local test server) may be probed. */
  allowLoopback: boolean;
}

export interface BlockedRange {
  /** CIDR, e.g. "169.254.0.0/16". */
  range: string;
  /** What the range is, for the message. */
  what: string;
}

export type AddressVerdict = { allowed: true } | { allowed: false; range: BlockedRange; always: boolean };

type Rule = { net: bigint; bits: number; v6: boolean; what: string; kind: "private" | "loopback" | "never" };

function v4(s: string): bigint {
  const p = s.split(".").map(Number);
  return (BigInt(p[0]) << 24n) | (BigInt(p[1]) << 16n) | (BigInt(p[2]) << 8n) | BigInt(p[3]);
}

/** Parse a textual IPv6 address (net.isIPv6 true, no zone) into 128 bits. */
export function parseIPv6(text: string): bigint {
  let s = text;
  const groups: number[] = [];
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

function rule(cidr: string, what: string, kind: Rule["kind"] = "private"): Rule {
  const [addr, bits] = cidr.split("/");
  const v6 = addr.includes(":");
  return { net: v6 ? parseIPv6(addr) : v4(addr), bits: Number(bits), v6, what, kind };
}

/** Ranges refused unless --allow-private (kind "private"), unless bound to loopback ("loopback"), or always. */
const RULES: Rule[] = [
  rule("0.0.0.0/8", '"this network" (0.0.0.0)', "never"),
  rule("10.0.0.0/8", "a private network (RFC 1918)"),
  rule("100.64.0.0/10", "shared address space (carrier-grade NAT; a cloud metadata address lives here)"),
  rule("127.0.0.0/8", "loopback", "loopback"),
  rule("169.254.0.0/16", "link-local (the cloud metadata service 169.254.169.254 lives here)"),
  rule("172.16.0.0/12", "a private network (RFC 1918)"),
  rule("192.0.0.0/24", "IETF protocol assignments"),
  rule("192.168.0.0/16", "a private network (RFC 1918)"),
  rule("198.18.0.0/15", "the benchmarking range (RFC 2544)"),
  rule("224.0.0.0/4", "multicast", "never"),
  rule("240.0.0.0/4", "reserved (and broadcast)", "never"),
  rule("::/128", "the unspecified address", "never"),
  rule("::1/128", "loopback", "loopback"),
  rule("64:ff9b:1::/48", "local-use NAT64"),
  rule("100::/64", "discard-only"),
  rule("fc00::/7", "unique local addresses (a private network; a cloud metadata address lives here)"),
  rule("fe80::/10", "link-local"),
  rule("fec0::/10", "site-local (deprecated private range)"),
  rule("ff00::/8", "multicast", "never"),
];

/** IPv6 prefixes that carry an IPv4 address: judged by the IPv4 address they carry. */
const EMBEDDING: { rule: Rule; extract: (a: bigint) => bigint }[] = [
  { rule: rule("::ffff:0:0/96", "IPv4-mapped"), extract: (a) => a & 0xffffffffn },
  { rule: rule("::/96", "IPv4-compatible"), extract: (a) => a & 0xffffffffn },
  { rule: rule("64:ff9b::/96", "NAT64"), extract: (a) => a & 0xffffffffn },
  { rule: rule("2002::/16", "6to4"), extract: (a) => (a >> 80n) & 0xffffffffn },
  // Teredo: the client's IPv4 address, bit-inverted, in the last 32 bits.
  { rule: rule("2001::/32", "Teredo"), extract: (a) => ~a & 0xffffffffn },
];

function inRule(a: bigint, v6: boolean, r: Rule): boolean {
  if (r.v6 !== v6) return false;
  const width = v6 ? 128n : 32n;
  const shift = width - BigInt(r.bits);
  return a >> shift === r.net >> shift;
}

function cidrText(r: Rule): string {
  if (!r.v6) {
    const n = Number(r.net);
    return `${[24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".")}/${r.bits}`;
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((r.net >> BigInt(i * 16)) & 0xffffn).toString(16));
  const text = groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
  return `${text}/${r.bits}`;
}

function judge(a: bigint, v6: boolean, policy: TargetPolicy, via?: string): AddressVerdict {
  if (v6) {
    for (const e of EMBEDDING) {
      // ::/96 also holds :: and ::1 themselves: those have their own rules.
      if (e.rule.bits === 96 && e.rule.net === 0n && a <= 1n) continue;
      if (inRule(a, true, e.rule)) return judge(e.extract(a), false, policy, e.rule.what);
    }
  }
  for (const r of RULES) {
    if (!inRule(a, v6, r)) continue;
    const range: BlockedRange = {
      range: cidrText(r),
      what: via ? `${r.what}, inside an ${via} IPv6 address` : r.what,
    };
    if (r.kind === "never") return { allowed: false, range, always: true };
    if (policy.allowPrivate) return { allowed: true };
    if (r.kind === "loopback" && policy.allowLoopback) return { allowed: true };
    return { allowed: false, range, always: false };
  }
  return { allowed: true };
}

/** May the server connect to this IP address (text, IPv4 or IPv6, an IPv6 zone allowed)? */
export function addressVerdict(address: string, policy: TargetPolicy): AddressVerdict {
  const zone = address.indexOf("%");
  const bare = zone >= 0 ? address.slice(0, zone) : address;
  const family = net.isIP(bare);
  if (family === 4) return judge(v4(bare), false, policy);
  if (family === 6) return judge(parseIPv6(bare), true, policy);
  return {
    allowed: false,
    range: { range: address, what: "not an IP address" },
    always: true,
  };
}

/** A target refused by the guard. `status` 403: the request was understood and is not allowed. */
export class BlockedTargetError extends Error {
  readonly code = "blocked-target";
  constructor(
    message: string,
    readonly address: string,
    readonly range: BlockedRange,
  ) {
    super(message);
  }
}

export type LookupAll = (host: string) => Promise<{ address: string; family: number }[]>;

export const systemLookupAll: LookupAll = (host) => dns.lookup(host, { all: true, verbatim: true });

export interface GuardedAddress {
  address: string;
  family: number;
  /** Every address the name resolved to (all allowed). */
  all: string[];
}

function refusal(host: string, address: string, v: Extract<AddressVerdict, { allowed: false }>, n: number) {
  const which =
    host === address
      ? address
      : `${host} resolves to ${address}${n > 1 ? ` (one of ${n} addresses)` : ""}, which`;
  const lead = host === address ? `${address} is` : `${which} is`;
  const hint = v.always
    ? "Such an address is never a TLS server to check."
    : "chainproof serve does not connect to private, link-local, loopback or cloud-metadata addresses unless it was started with --allow-private.";
  return new BlockedTargetError(`${lead} in ${v.range.range}: ${v.range.what}. ${hint}`, address, v.range);
}

/**
 * Resolve `host` (a name or an IP address) and check every address. Returns the first address to connect
 * to; throws BlockedTargetError when any address is refused. DNS failures propagate as the resolver's
 * errors (the caller turns them into a "DNS lookup failed" answer).
 */
export async function resolveGuarded(
  host: string,
  policy: TargetPolicy,
  lookupAll: LookupAll = systemLookupAll,
): Promise<GuardedAddress> {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  const literal = net.isIP(bare.split("%")[0]);
  const answers = literal ? [{ address: bare, family: literal }] : await lookupAll(bare);
  if (answers.length === 0) throw Object.assign(new Error(`no address for ${host}`), { code: "ENOTFOUND" });
  for (const a of answers) {
    const v = addressVerdict(a.address, policy);
    if (!v.allowed) throw refusal(bare, a.address, v, answers.length);
  }
  return { address: answers[0].address, family: answers[0].family, all: answers.map((a) => a.address) };
}

/**
 * A `lookup` for engine code that resolves on its own (AIA fetches): every answer checked, refused ones
 * raise BlockedTargetError, so a URL inside a certificate cannot reach what a typed target may not.
 */
export function guardedLookupAll(policy: TargetPolicy, lookupAll: LookupAll = systemLookupAll): LookupAll {
  return async (host) => {
    const g = await resolveGuarded(host, policy, lookupAll);
    return g.all.map((address) => ({ address, family: net.isIP(address) }));
  };
}
