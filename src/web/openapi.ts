/**
 * The OpenAPI 3.1 document of the web API, built from the same route declarations that register the
 * routes (their JSON Schemas validate the requests), so the document cannot drift from the server.
 * docs/openapi.json is this document, written by scripts/openapi.ts; a test checks they are equal.
 */

import { errorSchema } from "./inputs.js";

export type JsonSchema = Record<string, unknown>;

export interface ResponseDoc {
  description: string;
  /** JSON body schema (application/json). */
  schema?: JsonSchema;
  /** Other content types (file downloads, event streams). */
  content?: Record<string, { schema?: JsonSchema }>;
}

export interface RouteDoc {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Fastify path, e.g. /api/keys/:name. */
  url: string;
  summary: string;
  description?: string;
  tag: string;
  body?: JsonSchema;
  querystring?: JsonSchema;
  params?: JsonSchema;
  responses: Record<number, ResponseDoc>;
}

const TAGS: { name: string; description: string }[] = [
  { name: "session", description: "The session (CSRF token) and what this build offers." },
  {
    name: "check",
    description: "Live checks of an endpoint: the chain as sent and as each client builds it.",
  },
  { name: "decode", description: "Certificates in any format, every field." },
  { name: "verify", description: "Offline chain checks against each client's rules." },
  { name: "stores", description: "Trust stores: browse, search, diff, root-request dossier." },
  { name: "keys", description: "The keystore: keys, CSRs, certificates, exports." },
  { name: "saml", description: "SAML IdP metadata and Response validation." },
  { name: "tools", description: "A CSR decoder, a key-to-certificate matcher, a format converter." },
  { name: "scan", description: "Checks of many endpoints, with live progress." },
  { name: "monitor", description: "The monitor's history (serve --db): targets, changes, alerts, expiry." },
];

/** Every operation can answer this: the token is required on every route. */
const UNAUTHORIZED = {
  description:
    "No access token, or a wrong one (code unauthorized; the message says where the token comes from).",
  content: { "application/json": { schema: errorSchema } },
};

function openapiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

function parameters(r: RouteDoc): unknown[] {
  const out: unknown[] = [];
  const add = (where: "path" | "query", s: JsonSchema | undefined) => {
    const props = (s?.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((s?.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries(props)) {
      const { description, ...rest } = schema as { description?: string };
      out.push({
        name,
        in: where,
        required: where === "path" || required.has(name),
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  };
  add("path", r.params);
  add("query", r.querystring);
  return out;
}

export function buildOpenApi(routes: readonly RouteDoc[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const sorted = [...routes].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method));
  for (const r of sorted) {
    const key = openapiPath(r.url);
    paths[key] ??= {};
    const p = paths[key];
    const responses: Record<string, unknown> = {};
    for (const [status, d] of Object.entries(r.responses)) {
      const content: Record<string, unknown> = {};
      if (d.schema) content["application/json"] = { schema: d.schema };
      for (const [type, c] of Object.entries(d.content ?? {}))
        content[type] = c.schema ? { schema: c.schema } : {};
      responses[status] = {
        description: d.description,
        ...(Object.keys(content).length ? { content } : {}),
      };
    }
    responses["401"] ??= UNAUTHORIZED;
    const params = parameters(r);
    p[r.method.toLowerCase()] = {
      tags: [r.tag],
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      operationId: `${r.method.toLowerCase()}${openapiPath(r.url)
        .replace(/^\/api/, "")
        .split(/[/{}-]+/)
        .filter(Boolean)
        .map((s) => s[0].toUpperCase() + s.slice(1))
        .join("")}`,
      ...(params.length ? { parameters: params } : {}),
      ...(r.body
        ? { requestBody: { required: true, content: { "application/json": { schema: r.body } } } }
        : {}),
      security: r.method === "GET" ? [{ bearer: [] }] : [{ bearer: [], csrf: [] }],
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "chainproof web API",
      version,
      description:
        "The JSON API behind `chainproof serve`'s pages, for scripts too. Every call needs Authorization: Bearer TOKEN, on every address, loopback included: the token chainproof serve prints at start (in its http://…/#token=… link) or the first line of its --token-file; without it, 401 with code unauthorized. Every state-changing call (POST, PUT, DELETE) also needs the header X-Chainproof-CSRF with the token from GET /api/session, and a JSON body. Errors are { error: { code, message } }.",
      license: { name: "MIT" },
    },
    servers: [{ url: "http://127.0.0.1:8420", description: "chainproof serve (default address)" }],
    tags: TAGS,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description:
            "Needed on every call: the token chainproof serve printed at start (#token=… in its link), or the first line of --token-file.",
        },
        csrf: {
          type: "apiKey",
          in: "header",
          name: "X-Chainproof-CSRF",
          description: "The csrf value of GET /api/session; needed on every POST, PUT and DELETE.",
        },
      },
    },
    paths,
  };
}
