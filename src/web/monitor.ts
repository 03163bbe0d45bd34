/**
 * The Monitor page's API (`chainproof serve --db PATH`): the monitor's targets with their latest status,
 * a target's timeline of changes, a result's check document, the alerts, and the expiry histogram. Read
 * only (the monitor process writes the history). Registered always, so the OpenAPI document lists them; a
 * server started without --db answers them 404 monitor-off.
 *
 * Live updates are polling with ETag: the targets, alerts and expiry answers carry an ETag (a hash of the
 * answer) and answer 304 to a request whose If-None-Match has it, so the page polls cheaply.
 */

import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import {
  EXPIRY_WEEKS,
  monitorAlerts,
  monitorExpiry,
  monitorOverview,
  monitorTargetKeys,
  monitorTimeline,
} from "../app/monitor-view.js";
import type { HistoryStore } from "../monitor/history.js";
import { ApiError } from "./inputs.js";
import { route, type WebContext } from "./server.js";

const MAX_TARGET_CHARS = 8400;

function historyOf(ctx: WebContext): HistoryStore {
  const h = ctx.options.history;
  if (!h)
    throw new ApiError(
      404,
      "monitor-off",
      "this server has no monitor history: start it with chainproof serve --db PATH (the database chainproof monitor writes)",
    );
  return h;
}

/**
 * An ETag of the answer (or of `tagged`, what of it matters); 304 (no body) when the request already has
 * it.
 */
function withEtag(req: FastifyRequest, reply: FastifyReply, body: unknown, tagged: unknown = body): unknown {
  const text = JSON.stringify(body);
  const hashed = tagged === body ? text : JSON.stringify(tagged);
  const etag = `"${createHash("sha256").update(hashed).digest("base64url").slice(0, 27)}"`;
  reply.header("etag", etag);
  const given = req.headers["if-none-match"];
  const tags = (Array.isArray(given) ? given.join(",") : (given ?? ""))
    .split(",")
    .map((t) => t.trim().replace(/^W\//, ""));
  if (tags.includes(etag) || tags.includes("*")) return reply.code(304).send();
  return reply.type("application/json; charset=utf-8").send(text);
}

const NOT_MODIFIED = { 304: { description: "Not modified: If-None-Match has this answer's ETag" } };
const MONITOR_OFF = {
  description: "No monitor history (serve was started without --db), or no such target or result",
};

const clientState = {
  type: "object",
  properties: {
    client: { type: "string" },
    status: { type: "string", enum: ["trusted", "untrusted", "depends"] },
    code: { type: ["string", "null"] },
  },
};
const chainEntry = {
  type: "object",
  properties: {
    position: { type: "integer" },
    role: { type: "string" },
    sha256: { type: "string" },
    subject: { type: "string" },
    issuer: { type: "string" },
    notAfter: { type: "string" },
  },
};
const change = {
  type: "object",
  properties: { kind: { type: "string" }, message: { type: "string" }, subject: { type: "string" } },
};
const status = { type: "string", enum: ["trusted", "untrusted", "failed", "invalid"] };
const targetQuery = {
  type: "string",
  minLength: 1,
  maxLength: MAX_TARGET_CHARS,
  description: "The target as the monitor stores it (host:port, then a space and the SNI name when given).",
};

export function monitorRoutes(ctx: WebContext): void {
  ctx.features.monitor = ctx.options.history !== undefined;
  route(
    ctx,
    {
      method: "GET",
      url: "/api/monitor/targets",
      tag: "monitor",
      summary: "Every monitored target: its latest status, each client's verdict, days to its first expiry",
      description:
        "From the latest result of each target in the history. Carries an ETag; send it as If-None-Match to poll (304 when nothing changed).",
      responses: {
        200: {
          description: "The targets",
          schema: {
            type: "object",
            properties: {
              schema: { const: "chainproof/monitor-overview" },
              db: { type: "string" },
              targets: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    target: { type: "string" },
                    labels: { type: "object", additionalProperties: { type: "string" } },
                    status,
                    checkedAt: { type: "string" },
                    resultId: { type: "integer" },
                    round: { type: "integer" },
                    results: { type: "integer" },
                    clients: { type: "array", items: clientState },
                    firstExpiry: {
                      type: ["object", "null"],
                      properties: {
                        position: { type: "integer" },
                        subject: { type: "string" },
                        notAfter: { type: "string" },
                        days: { type: "integer" },
                      },
                    },
                    error: { type: ["string", "null"] },
                    changes: { type: "array", items: change },
                  },
                },
              },
            },
          },
        },
        ...NOT_MODIFIED,
        404: MONITOR_OFF,
      },
    },
    async (req, reply) => withEtag(req, reply, await monitorOverview(historyOf(ctx))),
  );

  route(
    ctx,
    {
      method: "GET",
      url: "/api/monitor/timeline",
      tag: "monitor",
      summary:
        "A target's timeline: its results that changed something, each with the chain before and after",
      querystring: {
        type: "object",
        properties: {
          target: targetQuery,
          limit: {
            type: "integer",
            minimum: 1,
            maximum: 5000,
            description: "How many of the newest results to look at (default 200).",
          },
        },
        required: ["target"],
        additionalProperties: false,
      },
      responses: {
        200: {
          description: "The timeline, newest first",
          schema: {
            type: "object",
            properties: {
              schema: { const: "chainproof/monitor-timeline" },
              target: { type: "string" },
              results: { type: "integer" },
              unchanged: { type: "integer" },
              entries: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    resultId: { type: "integer" },
                    round: { type: "integer" },
                    checkedAt: { type: "string" },
                    status,
                    changes: { type: "array", items: change },
                    clients: { type: "array", items: clientState },
                    error: { type: ["string", "null"] },
                    chain: { type: "array", items: chainEntry },
                    before: { type: ["array", "null"], items: chainEntry },
                  },
                },
              },
            },
          },
        },
        404: MONITOR_OFF,
      },
    },
    async (req) => {
      const history = historyOf(ctx);
      const q = req.query as { target: string; limit?: number };
      if (!(await monitorTargetKeys(history)).has(q.target))
        throw new ApiError(404, "no-target", "no results for this target in the monitor history");
      return monitorTimeline(history, q.target, q.limit ?? 200);
    },
  );

  route(
    ctx,
    {
      method: "GET",
      url: "/api/monitor/results/:id",
      tag: "monitor",
      summary: "A stored result's full check document (as chainproof check --json prints it)",
      params: {
        type: "object",
        properties: { id: { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
        required: ["id"],
      },
      responses: {
        200: { description: "The check document (docs/check.md)", schema: { type: "object" } },
        404: MONITOR_OFF,
      },
    },
    async (req) => {
      const history = historyOf(ctx);
      const { id } = req.params as { id: number };
      const doc = await history.document(id);
      if (doc === null || doc === undefined)
        throw new ApiError(
          404,
          "no-result",
          `result ${id} has no check document (no such result, or a line that could not be checked)`,
        );
      return doc;
    },
  );

  route(
    ctx,
    {
      method: "GET",
      url: "/api/monitor/alerts",
      tag: "monitor",
      summary: "The monitor's alerts, newest first, with each channel's delivery state",
      description: "Carries an ETag; send it as If-None-Match to poll (304 when nothing changed).",
      querystring: {
        type: "object",
        properties: {
          target: targetQuery,
          limit: {
            type: "integer",
            minimum: 1,
            maximum: 5000,
            description: "At most this many (default 100).",
          },
          undelivered: { type: "boolean", description: "Only alerts a channel could not deliver." },
        },
        additionalProperties: false,
      },
      responses: {
        200: {
          description: "The alerts (the JSON chainproof alerts --json prints)",
          schema: {
            type: "object",
            properties: {
              schema: { const: "chainproof/monitor-alerts" },
              db: { type: "string" },
              alerts: { type: "array", items: { type: "object" } },
            },
          },
        },
        ...NOT_MODIFIED,
        404: MONITOR_OFF,
      },
    },
    async (req, reply) => {
      const q = req.query as { target?: string; limit?: number; undelivered?: boolean };
      const doc = await monitorAlerts(historyOf(ctx), {
        limit: q.limit ?? 100,
        ...(q.target ? { target: q.target } : {}),
        ...(q.undelivered ? { undelivered: true } : {}),
      });
      return withEtag(req, reply, doc);
    },
  );

  route(
    ctx,
    {
      method: "GET",
      url: "/api/monitor/expiry",
      tag: "monitor",
      summary: `How many certificates expire in each of the next ${EXPIRY_WEEKS} weeks`,
      description:
        "The leaf and intermediates of each target's latest result, each certificate counted once (by SHA-256) however many targets send it; week 1 starts now. Carries an ETag.",
      responses: {
        200: {
          description: "The histogram",
          schema: {
            type: "object",
            properties: {
              schema: { const: "chainproof/monitor-expiry" },
              at: { type: "string" },
              certificates: { type: "integer" },
              expired: { type: "integer" },
              later: { type: "integer" },
              weeks: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    week: { type: "integer" },
                    from: { type: "string" },
                    to: { type: "string" },
                    count: { type: "integer" },
                  },
                },
              },
            },
          },
        },
        ...NOT_MODIFIED,
        404: MONITOR_OFF,
      },
    },
    async (req, reply) => {
      const doc = await monitorExpiry(historyOf(ctx));
      // The weeks start now, so their dates move at every call: the ETag is of the counts alone.
      const counts = [doc.certificates, doc.expired, doc.later, ...doc.weeks.map((w) => w.count)];
      return withEtag(req, reply, doc, counts);
    },
  );
}
