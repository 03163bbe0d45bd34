/**
 * The monitor's Prometheus metrics as a use case: the metrics of a list's targets (seeded from the history,
 * so a restarted monitor exports each target's last result at once) served on host:port. `chainproof
 * monitor --metrics-port N` starts it and hands it each round's report. src/monitor/metrics.ts has the
 * metric names and what each means; prom-client is loaded only here.
 */

import type { HistoryStore } from "../monitor/history.js";
import { type MetricsServer, MonitorMetrics, serveMetrics } from "../monitor/metrics.js";
import type { TargetList } from "../monitor/targets.js";
import { InputError } from "../x509/errors.js";
import type { RoundReport } from "./monitor.js";

export { METRIC_NAMES, MonitorMetrics } from "../monitor/metrics.js";

export interface MonitorMetricsHandle {
  /** http://host:port/metrics */
  readonly url: string;
  readonly metrics: MonitorMetrics;
  observeRound(report: RoundReport): void;
  close(): Promise<void>;
}

/** Every identity of the list: its targets and its bad lines (each has a result of its own). */
export function listKeys(list: TargetList): string[] {
  return [...list.targets.map((t) => t.key), ...list.invalid.map((i) => i.key)];
}

export async function startMonitorMetrics(
  history: HistoryStore,
  list: TargetList,
  at: { host: string; port: number },
): Promise<MonitorMetricsHandle> {
  const metrics = await MonitorMetrics.create();
  await metrics.seed(history, listKeys(list));
  let server: MetricsServer;
  try {
    server = await serveMetrics(metrics, at);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const where = `${at.host} port ${at.port}`;
    if (code === "EADDRINUSE")
      throw new InputError(`--metrics-port: ${where} is in use; choose another port`, "usage");
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN")
      throw new InputError(`--metrics-host ${at.host} is not an address of this machine`, "usage");
    if (code === "EACCES")
      throw new InputError(`--metrics-port: not allowed to listen on ${where} (below 1024?)`, "usage");
    throw e;
  }
  return {
    url: server.url,
    metrics,
    observeRound: (report) => metrics.observeRound(report),
    close: () => server.close(),
  };
}
