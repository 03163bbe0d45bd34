/**
 * Run the built CLI (`node bin/chainproof.js …`) as a user would: through a pipe, or on a pseudo-terminal
 * when a test needs a TTY (colour, password prompts).
 */

import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (tests run from dist/test/helpers). */
export const ROOT = join(here, "..", "..", "..");
export const BIN = join(ROOT, "bin", "chainproof.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
  /** Wall-clock milliseconds. */
  ms: number;
}

export interface CliOptions {
  input?: string | Uint8Array;
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

/** An environment without colour-affecting variables unless a test sets them. */
function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  delete env.CHAINPROOF_DEBUG;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Run `chainproof ARGS` with stdin from `input` (empty when absent) and pipes for stdout/stderr. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: baseEnv(opts.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({
        code: code ?? (signal ? 128 : -1),
        stdout: stdoutBytes.toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        stdoutBytes,
        ms: Date.now() - t0,
      });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

/** True when python3 (with its pty module) is available to drive a pseudo-terminal. */
export function havePty(): boolean {
  return spawnSync("python3", ["-c", "import pty, os, select"], { encoding: "utf8" }).status === 0;
}

export interface PtyStep {
  /** Wait until the terminal output contains this text… */
  waitFor: string;
  /** …then type this (use "\r" for Enter). */
  send: string;
}

/**
 * Run `chainproof ARGS` on a pseudo-terminal (stdin, stdout and stderr all the terminal), answering prompts
 * as `steps` say. Returns everything the terminal showed (stdout and stderr interleaved, with CRLF).
 */
export function runCliInPty(
  args: string[],
  steps: PtyStep[] = [],
  opts: CliOptions = {},
): Promise<{ code: number; screen: string }> {
  // A small pty driver: fork the CLI on a pty, relay its output, type each answer once its prompt shows.
  const driver = `
import json, os, pty, select, sys, time
argv, steps, timeout = json.loads(sys.argv[1]), json.loads(sys.argv[2]), float(sys.argv[3])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
seen, out, deadline = 0, b"", time.time() + timeout
while True:
    if time.time() > deadline:
        os.kill(pid, 9)
        break
    r, _, _ = select.select([fd], [], [], 0.05)
    if r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
    if seen < len(steps) and steps[seen]["waitFor"].encode() in out:
        os.write(fd, steps[seen]["send"].encode())
        seen += 1
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128)
`;
  return new Promise((resolve, reject) => {
    const child = spawn(
      "python3",
      [
        "-c",
        driver,
        JSON.stringify([process.execPath, BIN, ...args]),
        JSON.stringify(steps),
        String((opts.timeoutMs ?? 30_000) / 1000),
      ],
      {
        cwd: opts.cwd ?? ROOT,
        env: baseEnv({ TERM: "xterm", ...opts.env }),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const out: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => out.push(b));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, screen: Buffer.concat(out).toString("utf8") }));
  });
}
