/**
 * Name resolution and TCP connection with deadlines, failures named (shared by the probe and the raw hello).
 * Every address passes the one guard (./guard.ts) before a connection: all the answers of a name, and an
 * address given as such (a target or --connect-to).
 */

import net from "node:net";
import { DNS_ERRORS, type ProbeFailure, socketFailure } from "./failures.js";
import {
  BlockedAddressError,
  type GuardPolicy,
  type LookupAll,
  resolveGuarded,
  USER_NETWORK,
} from "./guard.js";

type Answer = { address: string; family: number };

/** Name resolution: one address or all of them (all are checked; the first is connected to). */
export type Lookup = (host: string) => Promise<Answer | Answer[]>;

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The address to connect to: `dest` itself when it is an IP address, else its first DNS answer; refused
 * (failure kind "blocked") when the guard refuses it or any other answer. The default policy is the CLI's
 * (USER_NETWORK: a user checks servers on their own network).
 */
export async function resolveAddress(
  dest: string,
  budgetMs: number,
  lookup?: Lookup,
  guard: GuardPolicy = USER_NETWORK,
): Promise<Answer | { failure: ProbeFailure }> {
  const lookupAll: LookupAll | undefined = lookup ? async (h) => [await lookup(h)].flat() : undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      resolveGuarded(dest, guard, lookupAll),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new LookupTimeout()), budgetMs);
      }),
    ]);
  } catch (e) {
    if (e instanceof BlockedAddressError) return { failure: { kind: "blocked", message: e.message } };
    if (e instanceof LookupTimeout) {
      return {
        failure: {
          kind: "connect-timeout",
          message: `timeout while connecting: the DNS lookup of ${dest} took over ${seconds(budgetMs)}`,
        },
      };
    }
    const code = (e as NodeJS.ErrnoException).code ?? "";
    return {
      failure: {
        kind: "dns",
        message: `DNS lookup failed for ${dest}${code ? ` (${code})` : ""}`,
        detail: DNS_ERRORS.has(code) ? undefined : (e as Error).message,
      },
    };
  } finally {
    clearTimeout(timer);
  }
}

class LookupTimeout extends Error {}

/** A connected TCP socket, or the failure; the socket is destroyed on failure. */
export function openTcp(
  address: string,
  family: number,
  port: number,
  timeoutMs: number,
  /** The limit to name in the timeout message (default timeoutMs; the caller's budget may be part-spent). */
  shownMs = timeoutMs,
): Promise<{ socket: net.Socket } | { failure: ProbeFailure }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port, family: family || undefined });
    socket.setNoDelay(true);
    const fail = (failure: ProbeFailure) => {
      clearTimeout(timer);
      socket.removeAllListeners("connect");
      socket.destroy();
      resolve({ failure });
    };
    const timer = setTimeout(
      () => fail({ kind: "connect-timeout", message: `timeout while connecting (${seconds(shownMs)})` }),
      timeoutMs,
    );
    const onError = (e: NodeJS.ErrnoException) =>
      fail(socketFailure(e, true) ?? { kind: "tls-error", message: `could not connect: ${e.message}` });
    socket.once("error", onError);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", onError);
      socket.on("error", () => {}); // the caller adds its own handler; never an unhandled 'error'
      resolve({ socket });
    });
  });
}
