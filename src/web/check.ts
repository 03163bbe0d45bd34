/**
 * Live checks from the pages: one endpoint (POST /api/check, with the repaired bundle when asked), and
 * scans of many (POST /api/scans, progress as server-sent events, cancel, export). The use cases are
 * src/app/check.ts and src/app/scan.ts; this module adds the web's address guard, the lab and the views.
 * A check whose request is aborted (the page's cancel) and a cancelled scan close their connections.
 *
 * Every target passes the request guard (./ssrf.ts over src/net/guard.ts) before any connection: resolved,
 * every address checked, and the connection made to the checked address. AIA fetches go through the same
 * guard, IP-literal URLs and redirects included (loopback refused for them even when the server is bound to
 * loopback: a certificate chose the URL).
 */

import { randomBytes } from "node:crypto";
import { checkHeadline, fetchJson, repairJson, runCheck } from "../app/check.js";
import { type PrepareTarget, scan } from "../app/scan.js";
import type { ClientId } from "../clients/index.js";
import type { Lab, RunningEndpoint } from "../lab/index.js";
import { LAB_DOMAIN } from "../lab/index.js";
import type { ProbeTarget } from "../net/probe.js";
import {
  type CheckOptions,
  type CheckReport,
  type FixResult,
  failedSummary,
  type ScanSummary,
} from "../net/scan.js";
import { STARTTLS_PROTOCOLS } from "../net/starttls.js";
import { parseHostPort } from "../net/target.js";
import type { TrustStore } from "../trust/store.js";
import { toPem } from "../x509/pem.js";
import { ApiError } from "./inputs.js";
import { clientsFrom, clientsSchema, defaultStores, matrixViewSchema, sentLints } from "./routes.js";
import { ERRORS, route, type WebContext } from "./server.js";
import { aiaGuard, BlockedTargetError, resolveGuarded, type TargetPolicy, targetGuard } from "./ssrf.js";
import { chosenStore, type StoreChoice, storeChoiceProperties } from "./stores.js";
import { matrixView } from "./views.js";

const DEFAULT_TIMEOUT_S = 10;
const MAX_TIMEOUT_S = 30;
export const MAX_SCAN_TARGETS = 1000;
const MAX_SCAN_CONCURRENCY = 16;
const MAX_JOBS_RUNNING = 4;
const KEEP_JOBS = 20;
const JOB_TTL_MS = 3600_000;

function aiaOptions(policy: TargetPolicy, lookupAll: WebContext["options"]["lookupAll"]) {
  return { guard: aiaGuard(policy), ...(lookupAll ? { lookup: lookupAll } : {}) };
}

/** The probe's guard: it checks the address plan() resolved (and any name it resolves itself) again. */
function probeOptions(policy: TargetPolicy, lookupAll: WebContext["options"]["lookupAll"]) {
  return { guard: targetGuard(policy), ...(lookupAll ? { lookup: lookupAll } : {}) };
}

function fixView(fix: FixResult, stores: TrustStore[], store: TrustStore | undefined, now: Date) {
  const certs = fix.repair.bundle.map((e) => e.cert);
  return {
    ...repairJson(fix),
    /** The file to install: the leaf, then each intermediate, with a comment line naming each. */
    pem: certs.map((c) => `# ${c.subject.toString().replace(/[\r\n]/g, " ")}\n${toPem(c.der)}`).join(""),
    matrix: matrixView(fix.matrix, certs, stores, store, now),
  };
}

function checkView(r: CheckReport, stores: TrustStore[], store: TrustStore | undefined, now: Date) {
  return {
    target: r.target,
    handshake: r.handshake,
    headline: checkHeadline(r),
    aia: r.aia.map(fetchJson),
    ...matrixView(r.matrix, [...r.certificates, ...r.aia.flatMap((f) => f.certificates)], stores, store, now),
  };
}

/** How to check one target: where to connect, and the check options (lab endpoints get the lab's). */
interface Plan {
  target: ProbeTarget;
  store?: TrustStore;
  options: Partial<Pick<CheckOptions, "stores" | "distrustRules" | "preloaded" | "aia" | "probe">>;
}

/**
 * Run a target past the guard (or recognise a lab endpoint). DNS failures: "throw" answers 400 at once
 * (a single check), "probe" leaves them to the probe, which reports them like the CLI (a scan).
 */
async function plan(
  hp: { host: string; port: number },
  servername: string | undefined,
  store: TrustStore | undefined,
  ctx: WebContext,
  labs: LabHolder,
  dnsErrors: "throw" | "probe",
): Promise<Plan> {
  const aia = aiaOptions(ctx.policy, ctx.options.lookupAll);
  const target: ProbeTarget = { host: hp.host, port: hp.port, ...(servername ? { servername } : {}) };
  const ep = labs.endpointFor(hp.host, hp.port);
  if (ep && labs.lab) {
    const lab = labs.lab;
    const s = store ?? lab.store;
    return {
      target: { ...target, connectTo: lab.address },
      store: s,
      options: {
        stores: s,
        distrustRules: lab.distrustRules,
        preloaded: [],
        aia: { ...aia, allowOrigins: lab.aiaOrigins },
      },
    };
  }
  try {
    const g = await resolveGuarded(hp.host, ctx.policy, ctx.options.lookupAll);
    target.connectTo = g.address;
  } catch (e) {
    if (e instanceof BlockedTargetError || dnsErrors === "throw") {
      if (e instanceof BlockedTargetError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new ApiError(400, "dns", `DNS lookup failed for ${hp.host}${code ? ` (${code})` : ""}`);
    }
  }
  return {
    target,
    ...(store ? { store } : {}),
    options: {
      ...(store ? { stores: store } : {}),
      aia,
      probe: probeOptions(ctx.policy, ctx.options.lookupAll),
    },
  };
}

function checkServername(servername: string | undefined): string | undefined {
  const n = servername?.trim();
  if (!n) return undefined;
  if (/[\s\u0000-\u001f/]/.test(n) || n.length > 253)
    throw new ApiError(400, "usage", "servername is not a host name");
  return n;
}

function timeoutOf(s: number | undefined): number {
  return Math.round(Math.min(MAX_TIMEOUT_S, Math.max(1, s ?? DEFAULT_TIMEOUT_S)) * 1000);
}

// ---------------------------------------------------------------------------------------------------------
// The lab (src/lab): badssl-style endpoints on 127.0.0.1, started on request when the server is bound to
// loopback. A target naming a lab endpoint (NAME.lab.chainproof.test:PORT) is checked the way
// `chainproof lab` checks it: connected to 127.0.0.1, judged against the lab's roots and distrust rules,
// AIA fetches allowed to the lab's own HTTP origin only.

class LabHolder {
  lab?: Lab;
  private starting?: Promise<Lab>;
  async start(): Promise<Lab> {
    if (this.lab) return this.lab;
    this.starting ??= import("../lab/index.js").then((m) => m.startLab());
    try {
      this.lab = await this.starting;
      return this.lab;
    } finally {
      this.starting = undefined;
    }
  }
  async stop(): Promise<void> {
    const l = this.lab;
    this.lab = undefined;
    await l?.close();
  }
  endpointFor(host: string, port: number): RunningEndpoint | undefined {
    if (!this.lab || !host.endsWith(`.${LAB_DOMAIN}`)) return undefined;
    return this.lab.endpoints.find((e) => e.host === host && e.port === port);
  }
}

function labView(lab: Lab | undefined) {
  return {
    running: Boolean(lab),
    ...(lab
      ? {
          startedAt: lab.startedAt.toISOString(),
          aiaBase: lab.http.base,
          endpoints: lab.endpoints.map((e) => ({
            name: e.spec.name,
            title: e.spec.title,
            target: `${e.host}:${e.port}`,
            note: e.spec.note ?? null,
          })),
        }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Scans

type JobStatus = "running" | "done" | "cancelled";

interface ScanEvent {
  type: "result" | "end";
  data: unknown;
}

class ScanJob {
  readonly id = randomBytes(9).toString("base64url");
  readonly created = Date.now();
  status: JobStatus = "running";
  results: ScanSummary[] = [];
  counts = { trusted: 0, untrusted: 0, failed: 0, invalid: 0, blocked: 0 };
  finished?: number;
  readonly listeners = new Set<(e: ScanEvent) => void>();
  /** Cancelling starts no new target and closes the connections in flight. */
  readonly cancel = new AbortController();
  constructor(
    readonly total: number,
    readonly clients: ClientId[],
  ) {}

  emit(e: ScanEvent) {
    for (const l of this.listeners) l(e);
  }

  summary() {
    return {
      id: this.id,
      status: this.status,
      total: this.total,
      done: this.results.length,
      counts: this.counts,
      clients: this.clients,
      created: new Date(this.created).toISOString(),
      ...(this.finished ? { finished: new Date(this.finished).toISOString() } : {}),
    };
  }
}

async function runScan(
  job: ScanJob,
  items: { line: number; text: string }[],
  opts: { stores?: TrustStore; timeoutMs: number; concurrency: number },
  ctx: WebContext,
  labs: LabHolder,
): Promise<void> {
  // Each target passes the guard (or is a lab endpoint) before it is connected to.
  const prepare: PrepareTarget = async (t, index) => {
    try {
      const p = await plan(t, t.servername, opts.stores, ctx, labs, "probe");
      return { target: p.target, options: p.options };
    } catch (e) {
      if (e instanceof BlockedTargetError) return failedSummary(index, t, "blocked-target", e.message);
      throw e;
    }
  };
  const events = scan(items, {
    clients: job.clients,
    ...(opts.stores ? { store: opts.stores } : {}),
    timeoutMs: opts.timeoutMs,
    concurrency: Math.min(opts.concurrency, items.length || 1),
    cacheSize: 500,
    fullMessages: true,
    prepare,
    signal: job.cancel.signal,
  });
  for await (const e of events) {
    if (e.type === "end") break;
    const s = e.result;
    job.results.push(s);
    if (s.findings[0]?.code === "blocked-target") job.counts.blocked++;
    else job.counts[s.status]++;
    job.emit({ type: "result", data: s });
  }
  job.status = job.cancel.signal.aborted ? "cancelled" : "done";
  job.finished = Date.now();
  job.emit({ type: "end", data: job.summary() });
  job.listeners.clear();
}

const CSV_COLUMNS = [
  "line",
  "target",
  "host",
  "port",
  "servername",
  "address",
  "status",
  "protocol",
  "clients",
  "findings",
  "leaf_subject",
  "leaf_not_after",
  "failure",
  "ms",
];

/** One CSV field: quoted, with formula-starting cells defused (a spreadsheet must not run =cmd|…). */
export function csvField(v: unknown): string {
  let s = v === undefined || v === null ? "" : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

export function scanCsv(results: ScanSummary[]): string {
  const rows = [CSV_COLUMNS.join(",")];
  for (const r of [...results].sort((a, b) => a.index - b.index)) {
    rows.push(
      [
        r.line,
        r.target,
        r.host,
        r.port,
        r.servername ?? "",
        r.address ?? "",
        r.status,
        r.protocol ?? "",
        r.clients.map((c) => `${c.client}:${c.status}${c.code ? `(${c.code})` : ""}`).join(" "),
        r.findings.map((f) => f.code).join(" "),
        r.leaf?.subject ?? "",
        r.leaf?.notAfter ?? "",
        r.failure ?? "",
        r.ms,
      ]
        .map(csvField)
        .join(","),
    );
  }
  return `${rows.join("\r\n")}\r\n`;
}

// ---------------------------------------------------------------------------------------------------------

export async function checkRoutes(ctx: WebContext): Promise<void> {
  ctx.features.check = true;
  ctx.features.scan = true;
  ctx.features.repair = true;
  const jobs = new Map<string, ScanJob>();
  const labs = new LabHolder();
  ctx.features.lab = ctx.policy.allowLoopback;
  ctx.onClose(async () => {
    for (const j of jobs.values()) j.cancel.abort();
    await labs.stop();
  });
  const prune = () => {
    const now = Date.now();
    const finished = [...jobs.values()].filter((j) => j.status !== "running");
    for (const j of finished) if (j.finished && now - j.finished > JOB_TTL_MS) jobs.delete(j.id);
    const over = [...jobs.values()]
      .filter((j) => j.status !== "running")
      .slice(0, Math.max(0, jobs.size - KEEP_JOBS));
    for (const j of over) jobs.delete(j.id);
  };
  const job = (id: string): ScanJob => {
    const j = jobs.get(id);
    if (!j) throw new ApiError(404, "not-found", "no such scan (finished scans are kept for an hour)");
    return j;
  };

  route(
    ctx,
    {
      method: "POST",
      url: "/api/check",
      tag: "check",
      summary:
        "Connect to an endpoint: the chain as sent, each client's verdict and path, findings; optionally the repaired bundle",
      description:
        "The target is resolved and every address checked before connecting: private, link-local, cloud-metadata and (unless the server is bound to loopback) loopback addresses are refused with 403 blocked-target unless the server runs with --allow-private.",
      body: {
        type: "object",
        properties: {
          target: {
            type: "string",
            minLength: 1,
            maxLength: 300,
            description: "HOST[:PORT], [IPv6]:PORT or https://host/…",
          },
          servername: { type: "string", maxLength: 253 },
          clients: clientsSchema,
          ...storeChoiceProperties,
          timeoutSeconds: { type: "number", minimum: 1, maximum: MAX_TIMEOUT_S },
          fix: { type: "boolean", description: "Also build the chain the server should send." },
          revocation: {
            type: "boolean",
            description:
              "Also check revocation (OCSP, CRLs) through the same address guard (docs/revocation.md).",
          },
          tls: {
            type: "boolean",
            description:
              "Also enumerate the server's versions, cipher suites and groups and predict each client's handshake (docs/tls.md), through the same address guard.",
          },
          starttls: {
            type: "string",
            enum: [...STARTTLS_PROTOCOLS, "none"],
            description:
              "The STARTTLS exchange to make before TLS; default the port's well-known one (25 smtp, 5432 postgres, …).",
          },
        },
        required: ["target"],
        additionalProperties: false,
      },
      responses: {
        200: {
          description: "The check (handshake summary, matrix view, AIA fetches, repair)",
          schema: {
            ...matrixViewSchema,
            properties: {
              ...matrixViewSchema.properties,
              target: { type: "object" },
              handshake: { type: "object" },
              headline: { type: "object" },
              fix: { type: ["object", "null"] },
              revocation: {
                type: ["object", "null"],
                description: "As `revocation` of chainproof check --json",
              },
              ct: { type: ["object", "null"], description: "As `ct` of chainproof check --json" },
              lints: {
                type: "array",
                items: { type: "object" },
                description:
                  "Each certificate as sent (position, role, subject) with its lints, as `sent[].lints` of chainproof check --json",
              },
              tls: {
                type: ["object", "null"],
                description: "As `tls` of chainproof check --tls --json (docs/schemas/tls.schema.json)",
              },
              starttls: { type: ["string", "null"], description: "The STARTTLS exchange made, if any" },
            },
          },
        },
        ...ERRORS,
      },
    },
    async (req, reply) => {
      // The page's cancel aborts its fetch, which closes the request: stop the probe with it.
      const cancel = new AbortController();
      reply.raw.once("close", () => {
        if (!reply.raw.writableFinished) cancel.abort();
      });
      const b = req.body as StoreChoice & {
        target: string;
        servername?: string;
        clients?: string[];
        timeoutSeconds?: number;
        fix?: boolean;
        revocation?: boolean;
        tls?: boolean;
        starttls?: string;
      };
      const time = new Date();
      const clients = clientsFrom(b.clients);
      const { store } = chosenStore(b, time);
      const p = await plan(parseHostPort(b.target), checkServername(b.servername), store, ctx, labs, "throw");
      const { stores: _stores, aia, ...engine } = p.options;
      const run = await runCheck({
        target: p.target,
        clients,
        ...(p.store ? { store: p.store } : {}),
        timeoutMs: timeoutOf(b.timeoutSeconds),
        time,
        signal: cancel.signal,
        aia: aia ?? false,
        engine,
        fix: b.fix === true,
        revocation: b.revocation === true,
        tls: b.tls === true,
        ...(b.starttls ? { starttls: b.starttls } : {}),
      });
      const stores = p.store ? [p.store] : defaultStores(clients);
      return {
        ...checkView(run.report, stores, p.store, time),
        fix: run.fix ? fixView(run.fix, stores, p.store, time) : null,
        revocation: run.document.revocation,
        ct: run.document.ct,
        lints: sentLints(run.document.sent),
        tls: run.document.tls ?? null,
        starttls: run.document.starttls ?? null,
      };
    },
  );

  route(
    ctx,
    {
      method: "GET",
      url: "/api/lab",
      tag: "check",
      summary: "The lab: badssl-style endpoints on 127.0.0.1 (running or not, and its endpoints)",
      responses: { 200: { description: "The lab", schema: { type: "object" } } },
    },
    async () => ({ available: ctx.features.lab, ...labView(labs.lab) }),
  );

  route(
    ctx,
    {
      method: "POST",
      url: "/api/lab",
      tag: "check",
      summary:
        "Start the lab (only when the server is bound to loopback); its endpoints can then be checked and scanned",
      body: { type: "object", additionalProperties: false },
      responses: {
        200: { description: "The running lab and its endpoints", schema: { type: "object" } },
        403: { description: "The server is not bound to loopback" },
      },
    },
    async () => {
      if (!ctx.features.lab) {
        throw new ApiError(
          403,
          "lab-unavailable",
          "the lab runs only when chainproof serve is bound to loopback (the default)",
        );
      }
      return { available: true, ...labView(await labs.start()) };
    },
  );

  route(
    ctx,
    {
      method: "DELETE",
      url: "/api/lab",
      tag: "check",
      summary: "Stop the lab",
      responses: { 200: { description: "Stopped", schema: { type: "object" } } },
    },
    async () => {
      await labs.stop();
      return { available: ctx.features.lab, running: false };
    },
  );

  route(
    ctx,
    {
      method: "POST",
      url: "/api/scans",
      tag: "scan",
      summary: "Start a scan of many endpoints (one per line: host[:port] [sni], or CSV host,port,sni)",
      body: {
        type: "object",
        properties: {
          targets: { type: "string", minLength: 1, maxLength: 200_000 },
          clients: clientsSchema,
          ...storeChoiceProperties,
          concurrency: { type: "integer", minimum: 1, maximum: MAX_SCAN_CONCURRENCY },
          timeoutSeconds: { type: "number", minimum: 1, maximum: MAX_TIMEOUT_S },
        },
        required: ["targets"],
        additionalProperties: false,
      },
      responses: {
        202: {
          description: "The scan started",
          schema: { type: "object", properties: { id: { type: "string" }, total: { type: "integer" } } },
        },
        429: { description: "Too many scans running" },
        ...ERRORS,
      },
    },
    async (req, reply) => {
      const b = req.body as StoreChoice & {
        targets: string;
        clients?: string[];
        concurrency?: number;
        timeoutSeconds?: number;
      };
      const items = b.targets
        .split(/\r?\n/)
        .map((text, i) => ({ line: i + 1, text }))
        .filter((x) => {
          const t = x.text.replace(/^\uFEFF/, "").trim();
          return t !== "" && !t.startsWith("#");
        });
      if (items.length === 0)
        throw new ApiError(400, "missing-input", "no targets: give one host[:port] per line");
      if (items.length > MAX_SCAN_TARGETS) {
        throw new ApiError(
          413,
          "too-many-targets",
          `${items.length} targets; the web scan takes at most ${MAX_SCAN_TARGETS} (chainproof scan on the command line takes any number)`,
        );
      }
      prune();
      if ([...jobs.values()].filter((j) => j.status === "running").length >= MAX_JOBS_RUNNING) {
        throw new ApiError(
          429,
          "busy",
          `${MAX_JOBS_RUNNING} scans are running; wait for one to finish or cancel one`,
        );
      }
      const { store } = chosenStore(b);
      const j = new ScanJob(items.length, clientsFrom(b.clients));
      jobs.set(j.id, j);
      void runScan(
        j,
        items,
        {
          ...(store ? { stores: store } : {}),
          timeoutMs: timeoutOf(b.timeoutSeconds),
          concurrency: b.concurrency ?? 8,
        },
        ctx,
        labs,
      ).catch((e) => {
        req.log.error(e);
        j.status = "done";
        j.finished = Date.now();
        j.emit({ type: "end", data: j.summary() });
      });
      reply.code(202);
      return { id: j.id, total: j.total };
    },
  );

  route(
    ctx,
    {
      method: "GET",
      url: "/api/scans",
      tag: "scan",
      summary: "Scans of this server (running, and finished within the hour)",
      responses: { 200: { description: "Scans", schema: { type: "object" } } },
    },
    async () => {
      prune();
      return { scans: [...jobs.values()].map((j) => j.summary()) };
    },
  );

  const idParams = {
    type: "object",
    properties: { id: { type: "string", pattern: "^[A-Za-z0-9_-]{1,32}$" } },
    required: ["id"],
  } as const;

  route(
    ctx,
    {
      method: "GET",
      url: "/api/scans/:id",
      tag: "scan",
      summary: "A scan's progress and results so far (for polling)",
      params: idParams,
      responses: {
        200: { description: "The scan", schema: { type: "object" } },
        404: { description: "No such scan" },
      },
    },
    async (req) => {
      const j = job((req.params as { id: string }).id);
      return { ...j.summary(), results: [...j.results].sort((a, b) => a.index - b.index) };
    },
  );

  route(
    ctx,
    {
      method: "GET",
      url: "/api/scans/:id/events",
      tag: "scan",
      summary: "A scan's results as server-sent events (result…, then end); results so far are sent first",
      params: idParams,
      responses: {
        200: { description: "An event stream", content: { "text/event-stream": {} } },
        404: { description: "No such scan" },
      },
    },
    async (req, reply) => {
      const j = job((req.params as { id: string }).id);
      reply.hijack();
      const res = reply.raw;
      const headers: Record<string, string> = {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
      };
      for (const [k, v] of Object.entries(reply.getHeaders())) if (typeof v === "string") headers[k] = v;
      res.writeHead(200, headers);
      const send = (e: ScanEvent) => res.write(`event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);
      for (const r of j.results) send({ type: "result", data: r });
      if (j.status !== "running") {
        send({ type: "end", data: j.summary() });
        res.end();
        return;
      }
      const listener = (e: ScanEvent) => {
        send(e);
        if (e.type === "end") res.end();
      };
      j.listeners.add(listener);
      const ping = setInterval(() => res.write(": ping\n\n"), 15_000);
      res.on("close", () => {
        clearInterval(ping);
        j.listeners.delete(listener);
      });
    },
  );

  route(
    ctx,
    {
      method: "DELETE",
      url: "/api/scans/:id",
      tag: "scan",
      summary: "Cancel a scan: no new target is started; the connections in flight are closed",
      params: idParams,
      responses: {
        200: { description: "The scan", schema: { type: "object" } },
        404: { description: "No such scan" },
      },
    },
    async (req) => {
      const j = job((req.params as { id: string }).id);
      j.cancel.abort();
      return j.summary();
    },
  );

  route(
    ctx,
    {
      method: "GET",
      url: "/api/scans/:id/export",
      tag: "scan",
      summary: "A scan's results as a JSON or CSV file",
      params: idParams,
      querystring: {
        type: "object",
        properties: { format: { type: "string", enum: ["json", "csv"] } },
        additionalProperties: false,
      },
      responses: {
        200: { description: "The file", content: { "application/json": {}, "text/csv": {} } },
        404: { description: "No such scan" },
      },
    },
    async (req, reply) => {
      const j = job((req.params as { id: string }).id);
      const format = (req.query as { format?: string }).format ?? "json";
      const results = [...j.results].sort((a, b) => a.index - b.index);
      reply.header("content-disposition", `attachment; filename="chainproof-scan-${j.id}.${format}"`);
      if (format === "csv") return reply.type("text/csv; charset=utf-8").send(scanCsv(results));
      return reply
        .type("application/json; charset=utf-8")
        .send(
          `${JSON.stringify({ schema: "chainproof/scan", version: 1, ...j.summary(), results }, null, 2)}\n`,
        );
    },
  );
}
