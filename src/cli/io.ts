/** File and stdin reading for the CLI, with size limits and messages a user can act on; passwords. */

import { readFileSync } from "node:fs";
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
