/**
 * The server-side request guard of `chainproof serve`: a page (or a script) names a host, and the server
 * connects to it. Without a guard that turns the server into a proxy into the network it runs in: the cloud
 * metadata service (169.254.169.254, fd00:ec2::254, 100.100.100.200), an admin page on 10.x, the machine's
 * own loopback services.
 *
 * So every target is resolved first and every address it resolves to is checked (a name with one public and
 * one private address is refused: the resolver may hand out either), and the connection then goes to the
 * address that was checked, never to a second resolution (no DNS rebinding between check and connect).
 * The rule itself is the one guard of every outgoing connection (src/net/guard.ts): this module only sets
 * the server's policy (private addresses refused unless --allow-private, loopback allowed when the server is
 * bound to loopback) and shapes the refusal for the API (403 blocked-target, naming address and range).
 */

import {
  type AddressFinding,
  alwaysRefused,
  BlockedAddressError,
  carrierText,
  type GuardedAddresses,
  type GuardPolicy,
  type LookupAll,
  refusedBy,
  resolveGuarded as resolveWithGuard,
  systemLookupAll,
} from "../net/guard.js";

export type { LookupAll } from "../net/guard.js";
export { systemLookupAll };

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

const HINT = "chainproof serve connects to such addresses only when started with --allow-private";

/** The guard's policy for targets a page names. */
export function targetGuard(policy: TargetPolicy): GuardPolicy {
  return { ...policy, allowHint: HINT };
}

/**
 * The guard's policy for AIA fetches: a certificate, not the user, chose the URL, so loopback is refused even
 * when the server is bound to loopback; --allow-private allows private (and loopback) addresses.
 */
export function aiaGuard(policy: TargetPolicy): GuardPolicy {
  return { allowPrivate: policy.allowPrivate, allowLoopback: false, allowHint: HINT };
}

function rangeOf(f: AddressFinding): BlockedRange {
  return {
    range: f.range,
    what: f.carried ? `${f.what}, inside ${carrierText(f.carried.form)}` : f.what,
  };
}

/** May the server connect to this IP address (text, IPv4 or IPv6, an IPv6 zone allowed)? */
export function addressVerdict(address: string, policy: TargetPolicy): AddressVerdict {
  let f: AddressFinding | undefined;
  try {
    f = refusedBy(address, targetGuard(policy));
  } catch {
    return { allowed: false, range: { range: address, what: "not an IP address" }, always: true };
  }
  return f ? { allowed: false, range: rangeOf(f), always: alwaysRefused(f) } : { allowed: true };
}

/** A target refused by the guard. `status` 403: the request was understood and is not allowed. */
export class BlockedTargetError extends BlockedAddressError {
  get range(): BlockedRange {
    return rangeOf(this.finding);
  }
}

export interface GuardedAddress {
  address: string;
  family: number;
  /** Every address the name resolved to (all allowed). */
  all: string[];
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
  let g: GuardedAddresses;
  try {
    g = await resolveWithGuard(host, targetGuard(policy), lookupAll);
  } catch (e) {
    if (e instanceof BlockedAddressError)
      throw new BlockedTargetError(e.message, e.host, e.address, e.finding);
    throw e;
  }
  return { address: g.address, family: g.family, all: g.all.map((a) => a.address) };
}
