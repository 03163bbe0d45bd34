/** Which protocol versions a server speaks: one hello per version, offering that version alone. */

import { type Support, suitesUsableIn, type TlsVersion } from "../../clients/handshake/index.js";
import { ask, type EnumContext } from "./context.js";

/** Every group the enumeration offers (x25519 gets the key share; a server wanting another one retries). */
export const ALL_GROUPS = [29, 23, 24, 25, 30, 256, 257, 258, 259, 260];

export interface VersionResult {
  version: TlsVersion;
  support: Support;
  /** A server that answered with another version than the one offered (a broken server). */
  chose?: string;
  /** Why nothing was learnt, or the alert that refused it. */
  note?: string;
}

export async function probeVersion(ctx: EnumContext, version: TlsVersion): Promise<VersionResult> {
  const a = await ask(ctx, [version], {
    suites: suitesUsableIn(version).map((s) => s.id),
    groups: ALL_GROUPS,
  });
  if (a.kind === "retry") return { version, support: "yes" };
  if (a.kind === "hello") {
    if (a.result.version === version) return { version, support: "yes" };
    return { version, support: "no", chose: a.result.version, note: `answered with ${a.result.version}` };
  }
  if (a.kind === "refused")
    return { version, support: "no", ...(a.result.failure ? { note: a.result.failure.message } : {}) };
  ctx.unknown.push(`${version}: ${a.message}`);
  return { version, support: "unknown", note: a.message };
}
