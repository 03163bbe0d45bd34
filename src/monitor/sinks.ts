/**
 * Where alerts go. An AlertSink delivers one alert or throws; the monitor records each attempt per channel
 * (alert_deliveries), so an alert that could not be delivered stays visible (`chainproof alerts
 * --undelivered`) and the outbox (src/app/monitor.ts runOutbox) tries it again. Here: a command hook
 * (`--on-alert CMD`, the alert as JSON on its standard input) and a JSON-lines log; ./webhook.ts (webhooks:
 * generic, Slack, Teams) and ./mail.ts (SMTP) implement the same interface.
 */

import { spawn } from "node:child_process";
import type { StoredAlert } from "./history.js";

export const ALERT_SCHEMA = "chainproof/monitor-alert";
export const ALERT_SCHEMA_VERSION = 1;

export interface AlertSink {
  /** The channel's name in the delivery records ("command", "log", "webhook", …). */
  readonly channel: string;
  /** Deliver one alert; throw an Error whose message says why it was not delivered. */
  deliver(alert: AlertMessage): Promise<void>;
  close?(): Promise<void>;
}

/** An alert as every channel receives it (documented in docs/monitor.md). */
export type AlertMessage = ReturnType<typeof alertMessage>;

export function alertMessage(a: StoredAlert) {
  return {
    schema: ALERT_SCHEMA,
    version: ALERT_SCHEMA_VERSION,
    id: a.id,
    target: a.target,
    labels: a.labels,
    kind: a.kind,
    conditions: a.conditions,
    severity: a.severity,
    title: a.title,
    message: a.message,
    since: a.since,
    createdAt: a.createdAt,
    round: a.round,
    changes: a.changes,
  };
}

/** The most of a hook's standard error kept in a failed delivery's record. */
const MAX_HOOK_STDERR = 2000;
export const DEFAULT_HOOK_TIMEOUT_MS = 30_000;

/**
 * `--on-alert CMD`: run CMD with the shell once per alert, the alert's JSON on its standard input and
 * CHAINPROOF_ALERT_KIND, _SEVERITY, _TARGET, _ID in its environment. Delivered when it exits 0 within the
 * timeout; else failed, with its exit status and the end of its standard error.
 */
export class CommandHookSink implements AlertSink {
  readonly channel = "command";
  constructor(
    private readonly command: string,
    private readonly timeoutMs = DEFAULT_HOOK_TIMEOUT_MS,
  ) {}

  deliver(alert: AlertMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.command, {
        shell: true,
        stdio: ["pipe", "ignore", "pipe"],
        env: {
          ...process.env,
          CHAINPROOF_ALERT_ID: String(alert.id),
          CHAINPROOF_ALERT_KIND: alert.kind,
          CHAINPROOF_ALERT_SEVERITY: alert.severity,
          CHAINPROOF_ALERT_TARGET: alert.target,
        },
      });
      let stderr = "";
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, this.timeoutMs);
      child.stderr.on("data", (b: Buffer) => {
        stderr = (stderr + b.toString("utf8")).slice(-MAX_HOOK_STDERR);
      });
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`--on-alert: ${e.message}`));
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve();
        const why = timedOut
          ? `did not finish within ${this.timeoutMs / 1000} s`
          : signal
            ? `killed by ${signal}`
            : `exited with status ${code}`;
        reject(new Error(`--on-alert command ${why}${stderr.trim() ? `: ${stderr.trim()}` : ""}`));
      });
      // A hook that does not read its input must not fail the delivery.
      child.stdin.on("error", () => {});
      child.stdin.end(`${JSON.stringify(alert)}\n`);
    });
  }
}

/** Each alert as one JSON line on a stream (`--alert-log FILE|-`). */
export class JsonLinesSink implements AlertSink {
  readonly channel = "log";
  constructor(private readonly out: NodeJS.WritableStream) {}

  deliver(alert: AlertMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.write(`${JSON.stringify(alert)}\n`, (e) => (e ? reject(e) : resolve()));
    });
  }
}
