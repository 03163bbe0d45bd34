/**
 * A child process run to its end with a time limit: its exit code and its stdout and stderr together, as the
 * real-client oracle tests read them (Go, OpenSSL, Java, Node). A process still running at the limit is killed.
 */

import { spawn } from "node:child_process";

export interface ProcessRun {
  /** The exit code; -1 when the process was killed (the time limit) or ended by a signal. */
  code: number;
  /** stdout and stderr, interleaved as they came. */
  out: string;
}

export function runProcess(
  cmd: string,
  args: string[],
  o: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<ProcessRun> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: [o.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      env: o.env ?? process.env,
    });
    let out = "";
    child.stdout?.on("data", (b) => {
      out += b;
    });
    child.stderr?.on("data", (b) => {
      out += b;
    });
    if (o.input !== undefined) child.stdin?.end(o.input);
    const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 120_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
  });
}
