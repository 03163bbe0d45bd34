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
  /** Aborting ends the wait at once (failure kind "cancelled"). */
  signal?: AbortSignal,
): Promise<Answer | { failure: ProbeFailure }> {
  if (signal?.aborted) return { failure: cancelledFailure() };
  const lookupAll: LookupAll | undefined = lookup ? async (h) => [await lookup(h)].flat() : undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopListening = () => {};
  try {
    const guarded = resolveGuarded(dest, guard, lookupAll);
    // An address given as such asks no resolver: nothing to wait for, so no timer (a scan's every target).
    if (net.isIP(dest)) return await guarded;
    return await Promise.race([
      guarded,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new LookupTimeout()), budgetMs);
        stopListening = onAbort(signal, () => reject(new LookupCancelled()));
      }),
    ]);
  } catch (e) {
    if (e instanceof LookupCancelled) return { failure: cancelledFailure() };
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
    stopListening();
  }
}

class LookupTimeout extends Error {}
class LookupCancelled extends Error {}

/** The failure of a probe its caller aborted. */
export function cancelledFailure(): ProbeFailure {
  return { kind: "cancelled", message: "cancelled before the check finished" };
}

/**
 * Call `listener` once when `signal` aborts (in a microtask when it already has, so the caller's own
 * declarations are complete); returns the function that stops listening. Without a signal, nothing.
 */
export function onAbort(signal: AbortSignal | undefined, listener: () => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    queueMicrotask(listener);
    return () => {};
  }
  signal.addEventListener("abort", listener, { once: true });
  return () => signal.removeEventListener("abort", listener);
}

/** A connected TCP socket, or the failure; the socket is destroyed on failure. */
export function openTcp(
  address: string,
  family: number,
  port: number,
  timeoutMs: number,
  /** The limit to name in the timeout message (default timeoutMs; the caller's budget may be part-spent). */
  shownMs = timeoutMs,
  /** Aborting destroys the socket at once (failure kind "cancelled"); after connect, the caller listens. */
  signal?: AbortSignal,
): Promise<{ socket: net.Socket } | { failure: ProbeFailure }> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve({ failure: cancelledFailure() });
      return;
    }
    const socket = net.connect({ host: address, port, family: family || undefined });
    socket.setNoDelay(true);
    const fail = (failure: ProbeFailure) => {
      clearTimeout(timer);
      stopListening();
      socket.removeAllListeners("connect");
      socket.destroy();
      resolve({ failure });
    };
    const stopListening = onAbort(signal, () => fail(cancelledFailure()));
    const timer = setTimeout(
      () => fail({ kind: "connect-timeout", message: `timeout while connecting (${seconds(shownMs)})` }),
      timeoutMs,
    );
    const onError = (e: NodeJS.ErrnoException) =>
      fail(socketFailure(e, true) ?? { kind: "tls-error", message: `could not connect: ${e.message}` });
    socket.once("error", onError);
    socket.once("connect", () => {
      clearTimeout(timer);
      stopListening();
      socket.off("error", onError);
      socket.on("error", () => {}); // the caller adds its own handler; never an unhandled 'error'
      resolve({ socket });
    });
  });
}
