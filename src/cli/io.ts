/** File and stdin reading for the CLI, with size limits and messages a user can act on. */

import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { InputError, LimitError } from "../x509/errors.js";

/** Inputs larger than this are refused: no certificate bundle people hold comes close. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** Read a file (or "-" for stdin) completely, refusing anything over `max` bytes. */
export function readInput(path: string, max = MAX_INPUT_BYTES): Uint8Array {
  const name = path === "-" ? "<stdin>" : path;
  let fd: number;
  try {
    fd = path === "-" ? 0 : openSync(path, "r");
  } catch (e) {
    throw new InputError(`${name}: ${fsReason(e)}`, "cannot-read");
  }
  try {
    if (path !== "-") {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw new InputError(`${name}: is a directory`, "cannot-read");
      if (st.size > max) {
        throw new LimitError(
          `${name}: ${mib(st.size)} is larger than the ${mib(max)} limit for certificate input`,
        );
      }
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.allocUnsafe(65536);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") continue;
        if ((e as NodeJS.ErrnoException).code === "EOF") break;
        throw new InputError(`${name}: ${fsReason(e)}`, "cannot-read");
      }
      if (n === 0) break;
      total += n;
      if (total > max)
        throw new LimitError(`${name}: input is larger than the ${mib(max)} limit for certificate input`);
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return new Uint8Array(Buffer.concat(chunks));
  } finally {
    if (path !== "-") closeSync(fd);
  }
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

export interface PasswordOptions {
  passwordEnv?: string;
  passwordFile?: string;
}

/**
 * The password for keystores and PKCS#12 files: from an environment variable, a file (first line), or
 * undefined (the caller may prompt on a TTY). Never from a command-line argument: those leak via `ps`.
 */
export function passwordFrom(opts: PasswordOptions): string | undefined {
  if (opts.passwordEnv) {
    const v = process.env[opts.passwordEnv];
    if (v === undefined)
      throw new InputError(`environment variable ${opts.passwordEnv} is not set`, "no-password");
    return v;
  }
  if (opts.passwordFile) {
    let text: string;
    try {
      text = readFileSync(opts.passwordFile, "utf8");
    } catch (e) {
      throw new InputError(`${opts.passwordFile}: ${fsReason(e)}`, "cannot-read");
    }
    return text.split(/\r?\n/)[0];
  }
  return undefined;
}

/** Prompt for a password on the controlling terminal without echo. Only call when stdin is a TTY. */
export async function promptPassword(question: string): Promise<string> {
  const { stdin, stderr } = process;
  // Echo off before the question appears: whatever is typed once the prompt shows must not be echoed.
  stdin.setRawMode?.(true);
  stderr.write(question);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let answer = "";
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") {
          done();
          resolve(answer);
          return;
        }
        if (ch === "\u0003") {
          done();
          reject(new InputError("cancelled", "cancelled"));
          return;
        }
        if (ch === "\u007f" || ch === "\b") answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    const done = () => {
      stdin.off("data", onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      stderr.write("\n");
    };
    stdin.on("data", onData);
  });
}
