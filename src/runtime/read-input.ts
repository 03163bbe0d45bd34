/**
 * Reading a file (or stdin) whole, with a size limit and messages a user can act on: shared by the CLI and
 * the application layer (src/app), which take inputs as paths.
 */

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
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
