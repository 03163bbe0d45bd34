/**
 * `chainproof decode [FILE|-]...`: show every certificate in the given files, as text (default), JSON
 * (--json, docs/decode.schema.json) or normalised PEM (--pem).
 *
 * Several files: each is read on its own. What decoded is printed; each file that failed is reported on
 * stderr (and in the JSON document's `errors`), and the exit status is then 2. So one bad file in a batch
 * never hides the others, and a script still learns that something was wrong.
 */

import type { Certificate } from "../../x509/certificate.js";
import { BadPasswordError, InputError } from "../../x509/errors.js";
import {
  type CertificateOrigin,
  NeedPasswordError,
  type ReadResult,
  readCertificates,
} from "../../x509/input.js";
import { type DecodeErrorJson, decodeDocument } from "../../x509/json.js";
import { toPem } from "../../x509/pem.js";
import { type PasswordOptions, passwordFrom, promptPassword, readInput } from "../io.js";
import { certificateHeading, certificateNodes, fileLabel } from "../render/certificate.js";
import { plural } from "../render/format.js";
import { renderNodes } from "../render/layout.js";
import { safeText, styleFor } from "../style.js";

// As in main.ts (not imported from there: main.ts runs the program when loaded).
const EXIT_OK = 0;
const EXIT_BAD_INPUT = 2;

export interface DecodeOptions extends PasswordOptions {
  json?: boolean;
  pem?: boolean;
}

interface Decoded {
  cert: Certificate;
  origin: CertificateOrigin;
}

interface FileResult {
  file: string;
  result?: ReadResult;
  error?: DecodeErrorJson;
}

export async function runDecode(files: string[], opts: DecodeOptions): Promise<number> {
  if (opts.json && opts.pem) throw new InputError("--json and --pem cannot be used together", "usage");
  const given = passwordFrom(opts);
  const list = files.length ? files : ["-"];
  quietOnClosedPipe();

  const results: FileResult[] = [];
  let stdinUsed = false;
  let prompted: string | undefined;
  for (const file of list) {
    if (file === "-") {
      if (stdinUsed) {
        results.push({
          file,
          error: { file, code: "usage", message: "-: standard input can be read only once" },
        });
        continue;
      }
      stdinUsed = true;
    }
    results.push(await decodeFile(file, given, prompted, (p) => (prompted = p)));
  }

  const decoded: Decoded[] = results.flatMap((r) => r.result?.certificates ?? []);
  const errors = results.flatMap((r) => (r.error ? [r.error] : []));
  const out = process.stdout;

  if (opts.json) {
    out.write(`${JSON.stringify(decodeDocument(decoded, errors), null, 2)}\n`);
  } else if (opts.pem) {
    for (const d of decoded) out.write(toPem(d.cert.der));
  } else {
    const style = styleFor(out);
    const doc = decodeDocument(decoded, errors);
    const total = doc.certificates.length;
    doc.certificates.forEach((c, i) => {
      if (i > 0) out.write("\n");
      out.write(`${style.bold(safeText(certificateHeading(c, i + 1, total)))}\n`);
      out.write(renderNodes(certificateNodes(c), style, {}, 1));
    });
    const notes = results.flatMap((r) => (r.result ? otherContents(r.file, r.result) : []));
    if (notes.length) {
      out.write("\n");
      for (const n of notes) out.write(`${style.dim(safeText(n))}\n`);
    }
  }

  for (const e of errors) process.stderr.write(`chainproof: ${safeText(e.message)}\n`);
  return errors.length ? EXIT_BAD_INPUT : EXIT_OK;
}

async function decodeFile(
  file: string,
  given: string | undefined,
  prompted: string | undefined,
  remember: (p: string) => void,
): Promise<FileResult> {
  const fail = (e: InputError): FileResult => ({ file, error: { file, code: e.code, message: e.message } });
  let bytes: Uint8Array;
  if (file === "-" && process.stdin.isTTY) {
    process.stderr.write(
      "Reading certificates from standard input; end with Ctrl-D (Ctrl-Z, Enter on Windows).\n",
    );
  }
  try {
    bytes = readInput(file);
  } catch (e) {
    if (e instanceof InputError) return fail(e);
    throw e;
  }
  let password = given ?? prompted;
  let asked = false;
  for (;;) {
    try {
      const result = readCertificates(bytes, { source: file, password });
      if (asked && password !== undefined) remember(password);
      return { file, result };
    } catch (e) {
      // Ask when there is a person at a terminal and no password was given: because the file needs one, or
      // because the one typed for an earlier file does not open this file. One question per file.
      const mayAsk = !asked && given === undefined && canPrompt(file);
      if (
        mayAsk &&
        (e instanceof NeedPasswordError || (e instanceof BadPasswordError && prompted !== undefined))
      ) {
        password = await promptPassword(`Password for ${safeText(fileLabel(file))}: `);
        asked = true;
        continue;
      }
      if (e instanceof InputError) return fail(e);
      throw e;
    }
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
