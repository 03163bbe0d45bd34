/**
 * `chainproof serve`: the pages and their JSON API (fastify 5). The API calls the same engine functions as
 * the CLI (src/x509, src/clients, src/trust, src/net, src/saml, src/keystore), never the CLI itself.
 *
 *   const app = await createWebServer({ host: "127.0.0.1", token: newToken() });
 *   await app.listen({ host: "127.0.0.1", port: 8420 });
 *
 * Security (see ./security.ts, ./ssrf.ts and docs/web.md): loopback by default; a bearer token on every
 * address (off only with noToken, on loopback); CSRF token + Origin + Sec-Fetch-Site checks on every
 * POST/PUT/DELETE; JSON-only bodies of at most 2 MiB; a strict CSP; probes refused to private, link-local,
 * metadata and loopback addresses unless allowed; key export asks for the keystore passphrase again.
 */

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { HistoryStore } from "../monitor/history.js";
import { type Asset, defaultAssetsDir, loadAssets, NOT_BUILT_PAGE, PAGES } from "./assets.js";
import { BODY_LIMIT, errorAnswer, errorSchema } from "./inputs.js";
import { buildOpenApi, type RouteDoc } from "./openapi.js";
import { CsrfSessions, guardRequest, isLoopbackHost, newToken, SECURITY_HEADERS } from "./security.js";
import type { LookupAll, TargetPolicy } from "./ssrf.js";

export const VERSION = "0.1.0";
export const DEFAULT_PORT = 8420;

export interface WebServerOptions {
  /** The address the server binds to (decides the Host check and the loopback allowance). */
  host: string;
  /** The bearer token every /api request needs. Mandatory unless `noToken`. */
  token?: string;
  /** No token at all (`serve --insecure-no-token`): any local account can use the API. Loopback only. */
  noToken?: boolean;
  /** Probe private, link-local, metadata and loopback addresses too. */
  allowPrivate?: boolean;
  /** Folder of the built front end (default dist/web). */
  assetsDir?: string;
  /** Name resolution for probes (tests). */
  lookupAll?: LookupAll;
  /** Per-connection timeout of live checks, ms (default 10 s; at most 30 s). */
  probeTimeoutMs?: number;
  /** Log requests (default false). */
  logger?: boolean;
  /** Keystore folder (default: the one `chainproof keys` uses). */
  keystoreHome?: string;
  /** The monitor's history (`serve --db PATH`), for the Monitor page; its owner closes it. */
  history?: HistoryStore;
}

/** What every route module gets. */
export interface WebContext {
  app: FastifyInstance;
  options: WebServerOptions;
  policy: TargetPolicy;
  csrf: CsrfSessions;
  /** Route declarations, for the OpenAPI document. */
  docs: RouteDoc[];
  /** Features of this build (modules that may not be there yet). */
  features: Record<string, boolean>;
  /** Called when the server closes. */
  onClose: (fn: () => void | Promise<void>) => void;
}

export type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown> | unknown;

/** Declare a route: registered with its schemas, and documented. */
export function route(ctx: WebContext, doc: RouteDoc, handler: Handler): void {
  ctx.docs.push(doc);
  const schema: Record<string, unknown> = {};
  if (doc.body) schema.body = doc.body;
  if (doc.querystring) schema.querystring = doc.querystring;
  if (doc.params) schema.params = doc.params;
  ctx.app.route({ method: doc.method, url: doc.url, schema, handler });
}

/** Standard error responses for the OpenAPI document. */
export const ERRORS = {
  400: { description: "Input that cannot be used (the message names what and where).", schema: errorSchema },
  403: {
    description: "Refused: CSRF checks failed, or a target address is not allowed.",
    schema: errorSchema,
  },
  413: { description: "The body or a file is too large.", schema: errorSchema },
};

export async function createWebServer(options: WebServerOptions): Promise<FastifyInstance> {
  const loopback = isLoopbackHost(options.host);
  if (options.noToken && !loopback) {
    throw new Error(`binding to ${options.host} (not loopback) without a token is refused`);
  }
  if (options.noToken ? options.token !== undefined : !options.token) {
    throw new Error("createWebServer needs a token, or noToken (loopback only), not both");
  }
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    // Every request answers within a bounded time; probes have their own, shorter, timeouts.
    connectionTimeout: 120_000,
    requestTimeout: 120_000,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", allErrors: false } },
  });
  // JSON only: no text/plain parser (fastify's default), so form-like bodies get 415.
  app.removeContentTypeParser("text/plain");

  const closers: (() => void | Promise<void>)[] = [];
  const ctx: WebContext = {
    app,
    options,
    policy: { allowPrivate: options.allowPrivate ?? false, allowLoopback: loopback },
    csrf: new CsrfSessions(),
    docs: [],
    features: {},
    onClose: (fn) => closers.push(fn),
  };
  app.addHook("onClose", async () => {
    for (const fn of closers) await fn();
  });

  // Filled in below, once the pages and built files are known: the only paths open without the token.
  const publicPaths = new Set<string>();
  app.addHook("onRequest", async (req, reply) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    if (!publicPaths.has(req.url.split("?")[0])) reply.header("cache-control", "no-store");
    guardRequest(
      {
        method: req.method,
        url: req.url,
        headers: req.headers,
        rawHeaders: req.raw.rawHeaders,
        scheme: req.protocol,
      },
      { token: options.token, loopback, csrf: ctx.csrf, publicPaths },
    );
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = errorAnswer(err);
    if (status >= 500) req.log.error(err);
    if (status === 401) reply.header("www-authenticate", 'Bearer realm="chainproof"');
    reply.code(status).type("application/json; charset=utf-8").send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .code(404)
      .type("application/json; charset=utf-8")
      .send({
        error: { code: "not-found", message: `no such resource: ${req.method} ${req.url.split("?")[0]}` },
      });
  });

  const { registerRoutes } = await import("./routes.js");
  await registerRoutes(ctx);

  let openapi: Record<string, unknown> | undefined;
  route(
    ctx,
    {
      method: "GET",
      url: "/api/openapi.json",
      tag: "session",
      summary: "This document",
      responses: { 200: { description: "The OpenAPI 3.1 document", schema: { type: "object" } } },
    },
    async () => openapi,
  );
  openapi = buildOpenApi(ctx.docs, VERSION);

  // The pages.
  const assets = loadAssets(options.assetsDir ?? defaultAssetsDir());
  const index = assets.get("/index.html");
  const sendAsset = (reply: FastifyReply, a: Asset) =>
    reply
      .type(a.type)
      .header("cache-control", a.immutable ? "public, max-age=31536000, immutable" : "no-cache")
      .send(a.body);
  for (const page of PAGES) {
    publicPaths.add(page);
    app.get(page, async (_req, reply) =>
      index ? sendAsset(reply, index) : reply.type("text/html; charset=utf-8").send(NOT_BUILT_PAGE),
    );
  }
  for (const [url, a] of assets) {
    if (url === "/index.html") continue;
    publicPaths.add(url);
    app.get(url, async (_req, reply) => sendAsset(reply, a));
  }
  return app;
}

/** The OpenAPI document of a server built with default options (for scripts/openapi.ts and tests). */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const token = newToken();
  const app = await createWebServer({ host: "127.0.0.1", token, assetsDir: "/nonexistent" });
  const res = await app.inject({
    method: "GET",
    url: "/api/openapi.json",
    headers: { host: "127.0.0.1", authorization: `Bearer ${token}` },
  });
  await app.close();
  return res.json();
}
