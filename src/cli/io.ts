/** File and stdin reading for the CLI, with size limits and messages a user can act on; passwords. */

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { fsReason } from "../runtime/read-input.js";
import { InputError } from "../x509/errors.js";

export { fsReason, MAX_INPUT_BYTES, readInput } from "../runtime/read-input.js";

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

/** Write a file whole or not at all (temp file, fsync, rename); 0600 when it holds a key. */
export function writeOut(path: string, bytes: Uint8Array, secret: boolean): void {
  if (path === "-") {
    process.stdout.write(bytes);
    return;
  }
  const tmp = `${path}.tmp-${process.pid}`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "wx", secret ? 0o600 : 0o644);
    writeSync(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean up
    }
    throw new InputError(`cannot write ${path}: ${fsReason(e)}`, "cannot-write");
  }
}

/** A file's password from --password-env/--password-file, else asked on a terminal (twice when `confirm`). */
export async function filePassword(
  o: { passwordEnv?: string; passwordFile?: string },
  what: string,
  confirm: boolean,
): Promise<string | undefined> {
  const p = passwordFrom(o);
  if (p !== undefined) return p;
  if (!process.stdin.isTTY) return undefined;
  const first = await promptPassword(`Password for ${what}: `);
  if (confirm) {
    const again = await promptPassword("The same password again: ");
    if (again !== first) throw new InputError("the two passwords differ; nothing was written", "no-password");
  }
  return first;
}
