/** File and stdin reading for the CLI, with size limits and messages a user can act on; passwords. */

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { fsReason } from "../runtime/read-input.js";
import { InputError } from "../x509/errors.js";
import { safeText } from "./style.js";

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

// ---------------------------------------------------------------------------------------------------------
// The CLI contract (docs/cli.md): exit codes, and the one error document `--json` prints on failure.

export const EXIT_OK = 0;
/** A client does not trust it, a probe failed, a SAML Response is not valid: an answer, not an error. */
export const EXIT_UNTRUSTED = 1;
/** Bad input or usage: what the user typed or gave us cannot be used. */
export const EXIT_BAD_INPUT = 2;
/** The command could not run here: a native module not built, a database or a JDK not reachable. */
export const EXIT_ENVIRONMENT = 3;

/** A failed command as a script sees it: the exit status and the `error` object (docs/schemas/error.schema.json). */
export interface CliFailure {
  exit: typeof EXIT_BAD_INPUT | typeof EXIT_ENVIRONMENT;
  /** Stable and machine-readable: the InputError's code, or one of the usage codes below. */
  code: string;
  message: string;
  /** What to type or change to fix it, when the message does not already say. */
  hint?: string;
}

/** InputError codes that say the machine lacks something, not that the input is wrong: exit 3. */
const ENVIRONMENT_CODES = new Set(["db-unreachable", "no-store", "native-module-missing"]);

/** Fixes named for error codes whose message leaves the fix out. Each is tested by following it. */
const HINTS: Record<string, string> = {
  "store-needs-password":
    "give the store's password with --store-password-env VAR (VAR: an environment variable holding it)",
  "db-unreachable": "start the database, or correct the host and port in --db",
};

/** commander's error codes, as the contract's stable codes. */
const USAGE_CODES: Record<string, string> = {
  "commander.unknownCommand": "unknown-command",
  "commander.unknownOption": "unknown-option",
  "commander.missingArgument": "missing-argument",
  "commander.optionMissingArgument": "missing-option-value",
  "commander.missingMandatoryOptionValue": "missing-option",
  "commander.invalidArgument": "invalid-argument",
  "commander.excessArguments": "too-many-arguments",
  "commander.conflictingOption": "conflicting-options",
  "commander.help": "missing-command",
};

/** commander's CommanderError (or a subclass), recognised by its `commander.*` code without loading commander. */
export function isCommanderError(e: unknown): e is { code: string; exitCode: number; message: string } {
  const { code, exitCode } = (e ?? {}) as { code?: unknown; exitCode?: unknown };
  return typeof code === "string" && code.startsWith("commander.") && typeof exitCode === "number";
}

/**
 * Any error a command threw, as the contract's failure. `usageHint` is the help to read for a usage error
 * (`chainproof verify --help`). What no rule recognises is an internal error: exit 3, never a stack trace
 * unless CHAINPROOF_DEBUG is set.
 */
export function failureOf(e: unknown, usageHint?: string): CliFailure {
  if (isCommanderError(e)) {
    return {
      exit: EXIT_BAD_INPUT,
      code: USAGE_CODES[e.code] ?? "usage",
      message: commanderMessage(e.message),
      ...(usageHint ? { hint: usageHint } : {}),
    };
  }
  if (e instanceof InputError) {
    const hint = HINTS[e.code] ?? (e.code === "usage" ? usageHint : undefined);
    return {
      exit: ENVIRONMENT_CODES.has(e.code) ? EXIT_ENVIRONMENT : EXIT_BAD_INPUT,
      code: e.code,
      message: e.message,
      ...(hint ? { hint } : {}),
    };
  }
  return (
    nativeModuleFailure(e) ?? {
      exit: EXIT_ENVIRONMENT,
      code: "internal-error",
      message: `internal error: ${firstLine(e instanceof Error ? e.message : String(e))}`,
      hint: "run again with CHAINPROOF_DEBUG=1 for the stack trace, and report it",
    }
  );
}

/** "error: unknown option '--chian'\n(Did you mean --chain?)" → "unknown option '--chian' (did you mean --chain?)" */
function commanderMessage(message: string): string {
  return message
    .replace(/^error: /, "")
    .replace(/\n\(Did you mean/, " (did you mean")
    .replace(/\s*\n\s*/g, " ");
}

function firstLine(s: string): string {
  return s.split("\n")[0].replace(/[.:]\s*$/, "");
}

/**
 * A native addon that did not load: better-sqlite3's binding never built (an install whose native build did
 * not run, `--ignore-scripts`), or built for another Node.js. The fix is to rebuild it where it is installed.
 */
function nativeModuleFailure(e: unknown): CliFailure | undefined {
  const { message = "", code } = (e ?? {}) as { message?: string; code?: string };
  const notLoaded =
    /Could not locate the bindings file/.test(message) ||
    code === "ERR_DLOPEN_FAILED" ||
    /NODE_MODULE_VERSION|invalid ELF header|wrong ELF class/.test(message);
  if (!notLoaded) return undefined;
  const where = /([^\s'"→]*)[\\/]node_modules[\\/]((?:@[^\\/\s]+[\\/])?[^\\/\s]+)[\\/]/.exec(message);
  const pkg = where?.[2] ?? "better-sqlite3";
  return {
    exit: EXIT_ENVIRONMENT,
    code: "native-module-missing",
    message: `the native module of ${pkg} is not built for this Node.js ${process.version} (${firstLine(message)})`,
    hint: `npm rebuild ${pkg}${where?.[1] ? ` (in ${where[1]})` : ""}`,
  };
}

/**
 * Report a failure the one way every command does: one line on stderr (the message and its hint), and with
 * `--json` (or `--ndjson`) the error document on stdout, so a script reading stdout always gets one document.
 */
export function reportFailure(f: CliFailure, output: "text" | "json" | "ndjson"): void {
  const hint = f.hint ? ` — ${f.hint}` : "";
  process.stderr.write(`chainproof: ${safeLine(f.message)}${safeLine(hint)}\n`);
  if (output === "text") return;
  const doc = { error: { code: f.code, message: f.message, ...(f.hint ? { hint: f.hint } : {}) } };
  process.stdout.write(`${output === "json" ? JSON.stringify(doc, null, 2) : JSON.stringify(doc)}\n`);
}

/** Control characters (a hostile file name, a CN) made visible, and the message kept to one line. */
function safeLine(s: string): string {
  return safeText(s.replace(/\s*\n\s*/g, " "));
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
