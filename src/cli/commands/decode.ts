/**
 * `chainproof decode [FILE|-]...`: show every certificate in the given files, as text (default), JSON
 * (--json, docs/decode.schema.json) or normalised PEM (--pem).
 *
 * Several files: each is read on its own. What decoded is printed; each file that failed is reported on
 * stderr (and in the JSON document's `errors`), and the exit status is then 2. So one bad file in a batch
 * never hides the others, and a script still learns that something was wrong. When nothing decoded at all
 * (one bad file, a container without certificates) it is a plain failure: the error document of docs/cli.md.
 */

import { type DecodedInput, runDecode as decodeInputs, type LintedDecodeDocument } from "../../app/decode.js";
import { InputError } from "../../x509/errors.js";
import type { ReadResult } from "../../x509/input.js";
import { toPem } from "../../x509/pem.js";
import { type PasswordOptions, passwordFrom, promptPassword } from "../io.js";
import { certificateHeading, certificateNodes, fileLabel } from "../render/certificate.js";
import { plural } from "../render/format.js";
import { renderNodes } from "../render/layout.js";
import { lintBlock } from "../render/lints.js";
import { safeText, styleFor } from "../style.js";

// As in main.ts (not imported from there: main.ts runs the program when loaded).
const EXIT_OK = 0;
const EXIT_BAD_INPUT = 2;

export interface DecodeOptions extends PasswordOptions {
  json?: boolean;
  pem?: boolean;
}

export async function runDecode(files: string[], opts: DecodeOptions): Promise<number> {
  if (opts.json && opts.pem) throw new InputError("--json and --pem cannot be used together", "usage");
  const given = passwordFrom(opts);
  quietOnClosedPipe();
  const run = await decodeInputs({
    inputs: files.length ? files : ["-"],
    ...(given !== undefined ? { password: given } : {}),
    // A person at a terminal is asked (not for standard input: it holds the file).
    askPassword: async (file) =>
      canPrompt(file) ? promptPassword(`Password for ${safeText(fileLabel(file))}: `) : undefined,
    beforeRead: (file) => {
      if (file === "-" && process.stdin.isTTY) {
        process.stderr.write(
          "Reading certificates from standard input; end with Ctrl-D (Ctrl-Z, Enter on Windows).\n",
        );
      }
    },
  });
  if (run.certificates.length === 0 && run.errors.length > 0) {
    throw new InputError(run.errors.map((e) => e.message).join("; "), run.errors[0].code);
  }
  const out = process.stdout;
  if (opts.json) {
    out.write(`${JSON.stringify(run.document, null, 2)}\n`);
  } else if (opts.pem) {
    for (const d of run.certificates) out.write(toPem(d.cert.der));
  } else {
    renderText(run.document.certificates, run.inputs);
  }
  for (const e of run.errors) process.stderr.write(`chainproof: ${safeText(e.message)}\n`);
  return run.errors.length ? EXIT_BAD_INPUT : EXIT_OK;
}

function renderText(
  certificates: readonly LintedDecodeDocument["certificates"][number][],
  inputs: DecodedInput[],
): void {
  const out = process.stdout;
  const style = styleFor(out);
  const total = certificates.length;
  certificates.forEach((c, i) => {
    if (i > 0) out.write("\n");
    out.write(`${style.bold(safeText(certificateHeading(c, i + 1, total)))}\n`);
    out.write(renderNodes(certificateNodes(c), style, {}, 1));
    out.write(lintBlock(c.lints, style));
  });
  const notes = inputs.flatMap((r) => (r.result ? otherContents(r.name, r.result) : []));
  if (notes.length) {
    out.write("\n");
    for (const n of notes) out.write(`${style.dim(safeText(n))}\n`);
  }
}

function canPrompt(file: string): boolean {
  return file !== "-" && process.stdin.isTTY === true;
}

/** Lines telling what else a file held that decode does not show (private keys, other PEM blocks). */
function otherContents(file: string, r: ReadResult): string[] {
  const notes: string[] = [];
  const name = fileLabel(file);
  if (r.keys.length) notes.push(`${name} also holds ${plural(r.keys.length, "private key")} (not shown).`);
  const counts = new Map<string, number>();
  for (const label of r.skippedPemBlocks) counts.set(label, (counts.get(label) ?? 0) + 1);
  for (const [label, n] of counts) notes.push(`${name}: skipped ${plural(n, `${label} block`)}.`);
  return notes;
}

/** `chainproof decode big.pem | head` closes the pipe early: stop quietly rather than crash on EPIPE. */
function quietOnClosedPipe(): void {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}
