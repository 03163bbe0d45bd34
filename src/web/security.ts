/**
 * The request guards of `chainproof serve`, applied to every request before any route runs:
 *
 * - Token: every request needs `Authorization: Bearer TOKEN` (compared in constant time), on every
 *   address, loopback included (another local account can reach a loopback port as easily as the user
 *   can), except GET/HEAD of the pages and their static files, which hold nothing. Public paths are an
 *   exact list (the server's pages and built files), not a prefix test: a request path the router decodes
 *   differently (`/%61pi/…`) can never slip past. Only an explicit `--insecure-no-token` on loopback turns
 *   the token off.
 * - Host: bound to loopback, only loopback host names are answered, so a web page whose DNS name is
 *   re-pointed at 127.0.0.1 (DNS rebinding) cannot talk to the server as a same-origin page.
 * - CSRF: every request that is not GET/HEAD needs the header X-Chainproof-CSRF carrying a token from
 *   GET /api/session (a cross-site page can neither read that answer nor set a custom header without a
 *   CORS preflight, which this server never grants), an Origin (when sent) equal to the server's own, and
 *   Sec-Fetch-Site (when sent) same-origin or none. Bodies are JSON only (see inputs.ts).
 * - Headers: a CSP without inline script or style, nosniff, no referrer, no framing.
 */

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import net from "node:net";
import { ApiError } from "./inputs.js";

export const CSRF_HEADER = "x-chainproof-csrf";

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
});

/** Is this bind address (or Host name) loopback? */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (net.isIPv4(h)) return h.startsWith("127.");
  if (net.isIPv6(h)) return h === "::1" || /^::ffff:127\./.test(h);
  return false;
}

/** The access token of a start without --token-file: 32 random bytes, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

export function tokenMatches(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(token));
}

/** The host name of a Host header ("[::1]:8080" → "::1", "localhost:8080" → "localhost"). */
export function hostOfHeader(h: string | undefined): string | undefined {
  if (!h) return undefined;
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(h) ?? /^([^:]+)(?::\d+)?$/.exec(h);
  return m ? m[1].toLowerCase() : undefined;
}

/**
 * CSRF tokens handed out by GET /api/session: random, kept (at most `max`, oldest dropped) for `ttlMs`.
 * A token is a session: a page gets one when it loads and sends it with every change.
 */
export class CsrfSessions {
  private tokens = new Map<string, number>();
  constructor(
    private readonly ttlMs = 12 * 3600_000,
    private readonly max = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  issue(): string {
    const t = randomBytes(24).toString("base64url");
    this.tokens.set(t, this.now() + this.ttlMs);
    while (this.tokens.size > this.max) this.tokens.delete(this.tokens.keys().next().value as string);
    return t;
  }

  valid(t: string | undefined): boolean {
    if (!t || t.length > 64) return false;
    const exp = this.tokens.get(t);
    if (exp === undefined) return false;
    if (exp < this.now()) {
      this.tokens.delete(t);
      return false;
    }
    return true;
  }
}

export interface GuardConfig {
  /** Required bearer token; undefined only when explicitly turned off (loopback only). */
  token: string | undefined;
  /** Bound to loopback: the Host header must name loopback. */
  loopback: boolean;
  csrf: CsrfSessions;
  /** Exact request paths (no query) that GET/HEAD may fetch without the token: the pages and their files. */
  publicPaths: ReadonlySet<string>;
}

/** Where a user finds the token, for the 401 answer. */
export const TOKEN_HELP =
  "this server needs its access token: open the http://…/#token=… link chainproof serve printed on its terminal when it started (or use the first line of its --token-file), or send Authorization: Bearer TOKEN";

export interface GuardRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The headers as received, name and value alternating: Node keeps only the first of two Host headers. */
  rawHeaders?: readonly string[];
  /** The scheme this request came in on ("http", or "https" on a TLS socket); default "http". */
  scheme?: string;
}

function header(r: GuardRequest, name: string): string | undefined {
  const v = r.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Check one request; throws ApiError when it must be refused. */
export function guardRequest(r: GuardRequest, cfg: GuardConfig): void {
  // Two Host headers (RFC 9112 3.2: a 400) would let a proxy route by one while the check reads the other.
  const hosts = (r.rawHeaders ?? []).filter((v, i) => i % 2 === 0 && v.toLowerCase() === "host").length;
  if (hosts > 1) throw new ApiError(400, "bad-host", "more than one Host header; refused");
  const host = header(r, "host");
  const hostName = hostOfHeader(host);
  if (cfg.loopback && (!hostName || !isLoopbackHost(hostName))) {
    throw new ApiError(
      421,
      "bad-host",
      "this server answers only requests addressed to localhost, 127.0.0.1 or [::1] (DNS rebinding protection)",
    );
  }
  const read = r.method === "GET" || r.method === "HEAD";
  if (read && cfg.publicPaths.has(r.url.split("?")[0])) return;

  if (cfg.token !== undefined) {
    const auth = header(r, "authorization");
    const m = auth ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
    if (!tokenMatches(m?.[1], cfg.token)) throw new ApiError(401, "unauthorized", TOKEN_HELP);
  }

  if (read) return;
  if (r.method === "OPTIONS") throw new ApiError(405, "method-not-allowed", "no cross-origin requests");
  const site = header(r, "sec-fetch-site");
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    throw new ApiError(403, "csrf", `cross-site request refused (Sec-Fetch-Site: ${site.slice(0, 40)})`);
  }
  const origin = header(r, "origin");
  if (origin !== undefined) {
    // The whole origin: scheme and host[:port]. An https:// page on the same host and port is another origin.
    let sameOrigin = false;
    try {
      const u = new URL(origin);
      sameOrigin = u.protocol === `${r.scheme ?? "http"}:` && u.host.toLowerCase() === host?.toLowerCase();
    } catch {
      sameOrigin = false;
    }
    if (!sameOrigin) {
      throw new ApiError(403, "csrf", "cross-origin request refused (Origin does not match this server)");
    }
  }
  if (!cfg.csrf.valid(header(r, CSRF_HEADER))) {
    throw new ApiError(
      403,
      "csrf",
      "missing or unknown X-Chainproof-CSRF header: get a token from GET /api/session and send it with every POST, PUT and DELETE",
    );
  }
}
