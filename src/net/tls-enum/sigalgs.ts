/**
 * The signature algorithms a server can sign its handshake with (its key and its configuration decide):
 * one hello per scheme offering that scheme alone, at the server's newest version. A server with no scheme
 * it can use refuses before its ServerHello.
 */

import { SIGNATURE_SCHEME_NAMES, type TlsVersion } from "../../clients/handshake/index.js";
import { ask, type EnumContext } from "./context.js";
import { ALL_GROUPS } from "./versions.js";

const SCHEMES = Object.keys(SIGNATURE_SCHEME_NAMES).map(Number);

export async function probeSignatureAlgorithms(
  ctx: EnumContext,
  version: TlsVersion,
  suites: number[],
): Promise<number[] | undefined> {
  const answers = await Promise.all(
    SCHEMES.map(async (scheme) => {
      const a = await ask(ctx, [version], {
        suites,
        groups: ALL_GROUPS,
        keyShares: [29, 23, 24],
        signatureAlgorithms: [scheme],
      });
      if (a.kind === "failed") return undefined;
      return a.kind === "hello" || a.kind === "retry";
    }),
  );
  if (answers.includes(undefined)) {
    ctx.unknown.push(`${version} signature algorithms: some probes failed`);
    return undefined;
  }
  return SCHEMES.filter((_, i) => answers[i]);
}
