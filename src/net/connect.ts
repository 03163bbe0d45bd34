/** Name resolution and TCP connection with deadlines, failures named (shared by the probe and the raw hello). */

import { promises as dns } from "node:dns";
import net from "node:net";
import { DNS_ERRORS, type ProbeFailure, socketFailure } from "./failures.js";

export type Lookup = (host: string) => Promise<{ address: string; family: number }>;

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** The address to connect to: `dest` itself when it is an IP address, else its first DNS answer. */
export async function resolveAddress(
  dest: string,
  budgetMs: number,
  lookup: Lookup = (h) => dns.lookup(h),
): Promise<{ address: string; family: number } | { failure: ProbeFailure }> {
  const family = net.isIP(dest);
  if (family) return { address: dest, family };
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      lookup(dest),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new LookupTimeout()), budgetMs);
      }),
    ]);
  } catch (e) {
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
