/**
 * `chainproof convert IN --to pem|der|p7b|p12|jks [--out FILE]`: certificates (and their private keys) from
 * any format decode reads to another. Passwords never on the command line: the input's from --password-env
 * or --password-file, the written PKCS#12/JKS's (or PEM key's) from --out-password-env or
 * --out-password-file, else asked on a terminal; a PKCS#12 or JKS input's password is kept by default.
 * --json prints the report (docs/schemas/convert.schema.json) and needs --out.
 * Exit status: 0 written, 2 bad input.
 */

import { CONVERT_FORMATS, type ConvertFormat, convert, FORMAT_FILES } from "../../app/convert.js";
import { InputError } from "../../x509/errors.js";
import { protectedContainerKind } from "../../x509/input.js";
import { filePassword, passwordFrom, readInput, writeOut } from "../io.js";
import { safeText } from "../style.js";

interface ConvertCliOptions {
  to: string;
  out?: string;
  key?: string;
  alias?: string;
  json?: boolean;
  passwordEnv?: string;
  passwordFile?: string;
  keyPasswordEnv?: string;
  outPasswordEnv?: string;
  outPasswordFile?: string;
}

function formatOf(to: string): ConvertFormat {
  const f = to
    .toLowerCase()
    .replace(/^pkcs12$|^pfx$/, "p12")
    .replace(/^pkcs7$|^p7c$/, "p7b");
  if (!(CONVERT_FORMATS as readonly string[]).includes(f)) {
    throw new InputError(`--to "${to}": choose ${CONVERT_FORMATS.join(", ")}`, "usage");
  }
  return f as ConvertFormat;
}

export async function runConvert(file: string, opts: ConvertCliOptions): Promise<number> {
  const to = formatOf(opts.to);
  const out = opts.out ?? "-";
  if (opts.json && out === "-")
    throw new InputError("--json prints the report: give --out FILE for the file", "usage");
  if (out === "-" && FORMAT_FILES[to].binary && process.stdout.isTTY) {
    throw new InputError(`${to} is binary: give --out FILE (or redirect standard output)`, "usage");
  }
  const bytes = readInput(file);
  const password =
    passwordFrom(opts) ?? (protectedContainerKind(bytes) ? await filePassword({}, file, false) : undefined);
  const keyPassword = passwordFrom({ passwordEnv: opts.keyPasswordEnv });
  const outPassword = await outputPassword(to, opts, password);
  const r = convert({
    input: { name: file, bytes, ...(password !== undefined ? { password } : {}) },
    to,
    ...(opts.key
      ? {
          key: {
            name: opts.key,
            bytes: readInput(opts.key),
            ...(keyPassword !== undefined ? { password: keyPassword } : {}),
          },
        }
      : {}),
    ...(outPassword !== undefined ? { outPassword } : {}),
    ...(opts.alias !== undefined ? { alias: opts.alias } : {}),
  });
  writeOut(out, r.bytes, r.document.keys > 0);
  const report = process.stdout;
  if (opts.json) report.write(`${JSON.stringify(r.document, null, 2)}\n`);
  else if (out !== "-") {
    const d = r.document;
    const what = `${d.certificates.length} certificate${d.certificates.length === 1 ? "" : "s"}${d.keys ? ` and ${d.keys} private key${d.keys === 1 ? "" : "s"}` : ""}`;
    report.write(`wrote ${what} as ${to} to ${safeText(out)} (${d.bytes} bytes)\n`);
  }
  for (const n of r.document.notes) process.stderr.write(`chainproof: note: ${safeText(n)}\n`);
  return 0;
}

/** The written file's password: given, or (PKCS#12, JKS with no input password) asked twice on a terminal. */
async function outputPassword(
  to: ConvertFormat,
  opts: ConvertCliOptions,
  inputPassword: string | undefined,
): Promise<string | undefined> {
  const given = passwordFrom({ passwordEnv: opts.outPasswordEnv, passwordFile: opts.outPasswordFile });
  if (given !== undefined || (to !== "p12" && to !== "jks") || inputPassword !== undefined) return given;
  const asked = await filePassword({}, "the file to write", true);
  if (asked === undefined) {
    throw new InputError(
      `a ${to === "p12" ? "PKCS#12 file" : "Java keystore"} needs a password: give it with --out-password-env VAR or --out-password-file FILE`,
      "need-password",
    );
  }
  return asked;
}
