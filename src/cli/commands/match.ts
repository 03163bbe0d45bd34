/**
 * `chainproof match KEY CERT|CSR`: does this private key belong to this certificate (the first of the file)
 * or this certificate signing request? An encrypted key (or a PKCS#12/JKS holding the key) takes its
 * password from --password-env VAR or --password-file FILE, or asks on a terminal.
 * Exit status: 0 it matches, 1 it does not, 2 bad input.
 */

import { matchKey } from "../../app/match.js";
import { InputError } from "../../x509/errors.js";
import { type PasswordOptions, passwordFrom, promptPassword, readInput } from "../io.js";
import { safeText, styleFor } from "../style.js";

interface MatchCliOptions extends PasswordOptions {
  json?: boolean;
  certPasswordEnv?: string;
}

export async function runMatch(keyFile: string, target: string, opts: MatchCliOptions): Promise<number> {
  if (keyFile === "-" && target === "-")
    throw new InputError("standard input can be read only once", "usage");
  const key = { name: keyFile, bytes: readInput(keyFile) };
  const cert = { name: target, bytes: readInput(target) };
  const certPassword = passwordFrom({ passwordEnv: opts.certPasswordEnv });
  let password = passwordFrom(opts);
  let doc: ReturnType<typeof matchKey>;
  try {
    doc = matchKey({
      key: { ...key, ...(password !== undefined ? { password } : {}) },
      target: { ...cert, ...(certPassword !== undefined ? { password: certPassword } : {}) },
    });
  } catch (e) {
    // A person at a terminal is asked for the key's password once, as decode asks for a keystore's.
    if (!(e instanceof InputError) || e.code !== "need-password" || password !== undefined) throw e;
    if (!process.stdin.isTTY || keyFile === "-") throw e;
    password = await promptPassword(`Password for ${safeText(keyFile)}: `);
    doc = matchKey({ key: { ...key, password }, target: cert });
  }
  const out = process.stdout;
  if (opts.json) {
    out.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    const style = styleFor(out);
    out.write(`${doc.matches ? style.green("✓") : style.red("✗")} ${safeText(doc.summary)}\n`);
    out.write(
      `  key     ${safeText(doc.key.algorithm)}${doc.key.bits ? ` ${doc.key.bits} bits` : ""}${doc.key.curve ? ` ${doc.key.curve}` : ""}, SHA-256 pin ${doc.key.spkiSha256}\n`,
    );
    const first = doc.target.candidates[0];
    out.write(
      `  ${doc.target.kind === "csr" ? "request" : "cert   "} ${safeText(first.subject)}, SHA-256 pin ${first.spkiSha256}\n`,
    );
    for (const n of doc.notes) out.write(`  ${style.dim(safeText(n))}\n`);
  }
  return doc.matches ? 0 : 1;
}
