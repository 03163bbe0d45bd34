/**
 * What every enumeration probe shares: the target, the raw-hello options (timeouts, guard), the bound on
 * connections open at once to this target, and the list of what could not be learnt. One probe is one
 * raw ClientHello (../hello.ts) with its own timeout; its answer is classified once, here.
 */

import { type HelloOffer, type HelloOptions, type HelloResult, rawHello } from "../hello.js";
import type { ProbeTarget } from "../probe.js";
import type { TlsVersionName } from "../tls-names.js";

/** At most `max` tasks at once, the others queued in order. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export interface EnumContext {
  target: ProbeTarget;
  hello: Omit<HelloOptions, "versions" | "offer" | "stopAtServerHello">;
  limiter: Limiter;
  /** What could not be learnt, one line each. */
  unknown: string[];
  connections: number;
}

/** How the server answered one hello. */
export type Answer =
  | { kind: "hello"; result: HelloResult }
  | { kind: "retry"; result: HelloResult }
  /** An alert, or the connection closed or reset: the server refuses what was offered. */
  | { kind: "refused"; alert?: number; result: HelloResult }
  /** Timeout, connection failure, malformed reply: nothing learnt. */
  | { kind: "failed"; message: string; result: HelloResult };

const REFUSALS = new Set(["alert", "no-shared-version", "closed", "reset"]);

/** Send one hello (waiting for a free connection slot) and classify the answer. */
export async function ask(
  ctx: EnumContext,
  versions: TlsVersionName[],
  offer: HelloOffer,
  o: { stopAtServerHello?: boolean; sni?: boolean } = {},
): Promise<Answer> {
  const target = o.sni === false ? { ...ctx.target, servername: false as const } : ctx.target;
  const result = await ctx.limiter.run(() => {
    ctx.connections++;
    return rawHello(target, {
      ...ctx.hello,
      versions,
      offer,
      stopAtServerHello: o.stopAtServerHello ?? true,
    });
  });
  if (result.helloRetryRequest) return { kind: "retry", result };
  if (result.accepted) return { kind: "hello", result };
  const f = result.failure;
  if (f && REFUSALS.has(f.kind)) return { kind: "refused", alert: f.alert?.code, result };
  return { kind: "failed", message: f?.message ?? "no answer", result };
}
