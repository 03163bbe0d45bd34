/**
 * The monitor's Prometheus metrics (prom-client, loaded only when `--metrics-port` is given), served on
 * GET /metrics by a small HTTP server of its own:
 *
 *   chainproof_cert_not_after_timestamp_seconds{target,position,subject}  each certificate as sent
 *   chainproof_client_trusted{target,client}                               1 trusted, 0 not
 *   chainproof_last_check_timestamp_seconds{target}
 *   chainproof_check_duration_seconds                                      histogram
 *   chainproof_checks_total{result}                                        trusted|untrusted|failed|invalid
 *   chainproof_alerts_total{kind}                                          problem|reminder|resolved|change
 *
 * The gauges are computed at each scrape from the latest result of each target of the list (a target no
 * longer in the list is no longer in them); the counters and the histogram count what this process saw.
 * Label values come from certificates (attacker-controlled): prom-client escapes them (\ " and newline), and
 * they are cut to MAX_LABEL_CHARS with other control characters replaced, so a hostile subject can neither
 * break the exposition nor make it huge.
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Counter, Histogram, Registry } from "prom-client";
import type { HistoryStore } from "./history.js";
import type { ResultStatus, ResultSummary } from "./summary.js";

export const METRIC_NAMES = {
  notAfter: "chainproof_cert_not_after_timestamp_seconds",
  clientTrusted: "chainproof_client_trusted",
  lastCheck: "chainproof_last_check_timestamp_seconds",
  duration: "chainproof_check_duration_seconds",
  checks: "chainproof_checks_total",
  alerts: "chainproof_alerts_total",
} as const;

/** The longest label value kept (characters); longer ones end with "…". */
export const MAX_LABEL_CHARS = 256;

/** Seconds: from a fast loopback check to the 10 s default timeout and past it. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** A label value as exported: no control character but newline (which prom-client escapes), capped. */
export function labelValue(text: string): string {
  const clean = text.replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, "\ufffd");
  if (clean.length <= MAX_LABEL_CHARS) return clean;
  // Do not cut a surrogate pair in two (a lone surrogate is not valid UTF-8).
  let end = MAX_LABEL_CHARS - 1;
  if (/[\ud800-\udbff]/.test(clean[end - 1])) end--;
  return `${clean.slice(0, end)}…`;
}

/** What the metrics need of one check (a round's result, or a stored one). */
export interface ObservedResult {
  target: string;
  status: ResultStatus;
  summary: ResultSummary;
  /** How long the check took, ms (absent for a stored result: not counted again). */
  ms?: number;
}

export class MonitorMetrics {
  private readonly latest = new Map<string, ResultSummary>();
  private keep: Set<string> | undefined;

  private constructor(
    readonly registry: Registry,
    private readonly checks: Counter<"result">,
    private readonly alerts: Counter<"kind">,
    private readonly duration: Histogram<string>,
  ) {}

  /** A registry of its own (no process metrics: this is about endpoints, not about chainproof). */
  static async create(): Promise<MonitorMetrics> {
    const prom = await import("prom-client");
    const registry = new prom.Registry();
    const checks = new prom.Counter({
      name: METRIC_NAMES.checks,
      help: "Checks run by this monitor process, by result (trusted, untrusted, failed, invalid)",
      labelNames: ["result"] as const,
      registers: [registry],
    });
    const alerts = new prom.Counter({
      name: METRIC_NAMES.alerts,
      help: "Alerts raised by this monitor process, by kind (problem, reminder, resolved, change)",
      labelNames: ["kind"] as const,
      registers: [registry],
    });
    const duration = new prom.Histogram({
      name: METRIC_NAMES.duration,
      help: "Time one check of one target took (connect, handshake, every client's verdict), seconds",
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
    const m = new MonitorMetrics(registry, checks, alerts, duration);
    for (const status of ["trusted", "untrusted", "failed", "invalid"]) checks.inc({ result: status }, 0);
    for (const kind of ["problem", "reminder", "resolved", "change"]) alerts.inc({ kind }, 0);
    m.registerGauges(prom);
    return m;
  }

  private registerGauges(prom: typeof import("prom-client")): void {
    const latest = this.latest;
    new prom.Gauge({
      name: METRIC_NAMES.notAfter,
      help: "notAfter of each certificate the target sends (position 1 = the leaf), Unix seconds",
      labelNames: ["target", "position", "subject"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [target, s] of latest)
          for (const c of s.chain)
            this.set(
              { target: labelValue(target), position: String(c.position), subject: labelValue(c.subject) },
              Date.parse(c.notAfter) / 1000,
            );
      },
    });
    new prom.Gauge({
      name: METRIC_NAMES.clientTrusted,
      help: "1 when the client trusts the target's chain at its last check, 0 when not (untrusted, depends, failed)",
      labelNames: ["target", "client"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [target, s] of latest)
          for (const c of s.clients)
            this.set({ target: labelValue(target), client: c.client }, c.status === "trusted" ? 1 : 0);
      },
    });
    new prom.Gauge({
      name: METRIC_NAMES.lastCheck,
      help: "When the target was last checked, Unix seconds",
      labelNames: ["target"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [target, s] of latest)
          this.set({ target: labelValue(target) }, Date.parse(s.checkedAt) / 1000);
      },
    });
  }

  /**
   * The targets the gauges are about (the monitor's list): the others are dropped, and results of targets
   * outside it are not kept. Undefined: every target.
   */
  retainTargets(keys: Iterable<string> | undefined): void {
    this.keep = keys === undefined ? undefined : new Set(keys);
    if (this.keep) for (const k of [...this.latest.keys()]) if (!this.keep.has(k)) this.latest.delete(k);
  }

  /** A new result: the gauges show it; when it carries its duration, it is also counted. */
  observeResult(r: ObservedResult): void {
    if (this.keep && !this.keep.has(r.target)) return;
    this.latest.set(r.target, r.summary);
    if (r.ms === undefined) return;
    this.checks.inc({ result: r.status });
    if (r.status !== "invalid") this.duration.observe(r.ms / 1000);
  }

  observeAlert(kind: string): void {
    this.alerts.inc({ kind });
  }

  /** A round's results and alerts (`runRound`'s report). */
  observeRound(report: { results: readonly ObservedResult[]; alerts: readonly { kind: string }[] }): void {
    for (const r of report.results) this.observeResult(r);
    for (const a of report.alerts) this.observeAlert(a.kind);
  }

  /** The gauges from each target's last stored result, so a restarted monitor exports them at once. */
  async seed(history: HistoryStore, keys: readonly string[]): Promise<void> {
    this.retainTargets(keys);
    for (const key of keys) {
      const last = await history.lastResult(key);
      if (last) this.observeResult({ target: key, status: last.status, summary: last.summary });
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

export interface MetricsServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serve GET /metrics (and HEAD) on host:port (port 0: any free one). Nothing else: 404, and 405 for other
 * methods. No request body is read; slow clients are cut off after 10 s.
 */
export async function serveMetrics(
  metrics: MonitorMetrics,
  o: { host: string; port: number },
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found: try /metrics\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      res.end("only GET /metrics\n");
      return;
    }
    metrics.text().then(
      (body) => {
        res.writeHead(200, { "content-type": metrics.contentType, "cache-control": "no-store" });
        res.end(req.method === "HEAD" ? undefined : body);
      },
      (e: unknown) => {
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end(`metrics failed: ${e instanceof Error ? e.message : String(e)}\n`);
      },
    );
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  server.maxHeadersCount = 100;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = o.host.includes(":") ? `[${o.host}]` : o.host;
  return {
    url: `http://${shownHost}:${port}/metrics`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
