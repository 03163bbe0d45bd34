/**
 * The key-exchange groups a server accepts: one hello per group offering that group alone. TLS 1.3: with a
 * key share for it when raw mode can make one (a ServerHello), else without (a HelloRetryRequest asking for
 * it says yes too). TLS 1.2: ECDHE suites only, read from the ServerKeyExchange.
 */

import { ALL_SUITES, type TlsVersion } from "../../clients/handshake/index.js";
import { ask, type EnumContext } from "./context.js";
import { ALL_GROUPS } from "./versions.js";

const TLS12_CURVES = [29, 23, 24, 25, 30];
const ECDHE_SUITES = ALL_SUITES.filter((s) => s.keyExchange === "ECDHE").map((s) => s.id);

export async function probeGroups(ctx: EnumContext, version: "TLSv1.3" | "TLSv1.2"): Promise<number[]> {
  const groups = version === "TLSv1.3" ? ALL_GROUPS : TLS12_CURVES;
  const answers = await Promise.all(groups.map((g) => accepts(ctx, version, g)));
  return groups.filter((_, i) => answers[i]);
}

async function accepts(ctx: EnumContext, version: TlsVersion, group: number): Promise<boolean> {
  const tls13 = version === "TLSv1.3";
  const a = await ask(
    ctx,
    [version],
    tls13
      ? { suites: [0x1301, 0x1302, 0x1303, 0x1304, 0x1305], groups: [group], keyShares: [group] }
      : { suites: ECDHE_SUITES, groups: [group] },
    { stopAtServerHello: tls13 },
  );
  if (a.kind === "retry") return true;
  if (a.kind === "hello") return tls13 ? a.result.group === group : a.result.group === group;
  if (a.kind === "failed") ctx.unknown.push(`${version} group ${group}: ${a.message}`);
  return false;
}
