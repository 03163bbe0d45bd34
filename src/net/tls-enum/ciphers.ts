/**
 * The cipher suites a server accepts in one version, and whether it picks by its own order. Discovery:
 * the catalogue is cut into slices probed side by side; each slice is offered again and again, less the
 * suite the server just chose, until the server refuses. Order: two accepted suites offered both ways
 * round; when the server keeps its choice, its whole order is read the same way over the accepted suites.
 */

import { suitesUsableIn, type TlsVersion } from "../../clients/handshake/index.js";
import { ask, type EnumContext } from "./context.js";
import { ALL_GROUPS } from "./versions.js";

export interface SuiteResult {
  version: TlsVersion;
  /** Accepted suites: the server's order when it enforces one, else catalogue order. */
  suites: number[];
  serverOrder: boolean | null;
}

/** Key shares for the curves raw mode can make, so a TLS 1.3 server answers without a retry. */
const SHARES = [29, 23, 24];

export async function probeSuites(
  ctx: EnumContext,
  version: TlsVersion,
  slices: number,
): Promise<SuiteResult> {
  const candidates = suitesUsableIn(version).map((s) => s.id);
  const size = Math.ceil(candidates.length / Math.max(1, slices));
  const parts: number[][] = [];
  for (let i = 0; i < candidates.length; i += size) parts.push(candidates.slice(i, i + size));
  const found = (await Promise.all(parts.map((p) => drain(ctx, version, p)))).flat();
  const accepted = candidates.filter((id) => found.includes(id));
  if (accepted.length < 2) return { version, suites: accepted, serverOrder: null };
  const [a, b] = accepted;
  const [ab, ba] = await Promise.all([choose(ctx, version, [a, b]), choose(ctx, version, [b, a])]);
  if (ab === undefined || ba === undefined) {
    ctx.unknown.push(`${version}: whether the server enforces its cipher order`);
    return { version, suites: accepted, serverOrder: null };
  }
  if (ab !== ba) return { version, suites: accepted, serverOrder: false };
  // The server's order: offered the accepted suites backwards, it still picks its favourite each time.
  const ordered = await drain(ctx, version, [...accepted].reverse());
  const complete = ordered.length === accepted.length;
  return { version, suites: complete ? ordered : accepted, serverOrder: true };
}

/** Offer `offer` less each suite chosen so far, until the server refuses: the suites chosen, in order. */
async function drain(ctx: EnumContext, version: TlsVersion, offer: number[]): Promise<number[]> {
  const left = [...offer];
  const chosen: number[] = [];
  while (left.length) {
    const id = await choose(ctx, version, left);
    if (id === undefined || !left.includes(id)) break;
    chosen.push(id);
    left.splice(left.indexOf(id), 1);
  }
  return chosen;
}

/** The suite the server chooses from `suites`, or undefined when it refuses (or fails). */
async function choose(ctx: EnumContext, version: TlsVersion, suites: number[]): Promise<number | undefined> {
  const a = await ask(ctx, [version], { suites, groups: ALL_GROUPS, keyShares: SHARES });
  if (a.kind === "hello" || a.kind === "retry") return a.result.cipher?.id;
  if (a.kind === "failed") ctx.unknown.push(`${version} cipher suites: ${a.message}`);
  return undefined;
}
