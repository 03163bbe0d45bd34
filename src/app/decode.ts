/**
 * The decode use case: every certificate of one or more inputs (PEM, DER, PKCS#7, PKCS#12, JKS/JCEKS), as
 * the document `chainproof decode --json` prints (docs/decode.schema.json). Each input is read on its own:
 * one that cannot be read or parsed becomes an entry of the document's `errors`, never hiding the others.
 *
 * Kept light on purpose: decoding a PEM loads neither the trust stores nor the clients (test/startup.test.ts).
 */

import type { CertificateLints } from "../lint/index.js";
import { readInput } from "../runtime/read-input.js";
import type { Certificate } from "../x509/certificate.js";
import { BadPasswordError, InputError } from "../x509/errors.js";
import {
  type CertificateOrigin,
  NeedPasswordError,
  type ReadResult,
  readCertificates,
} from "../x509/input.js";
import {
  type CertificateJson,
  type DecodeDocument,
  type DecodeErrorJson,
  decodeDocument,
} from "../x509/json.js";

/** The decode document, each certificate with the lints that fired on it (src/lint, docs/lints.md). */
export type LintedDecodeDocument = DecodeDocument & {
  certificates: (CertificateJson & { lints: CertificateLints })[];
};

/**
 * A file path ("-" for standard input); bytes a library user holds, with the name to report them by; or
 * an input already opened (readCertificates): the web app opens uploads in a worker pool, off the event
 * loop, and hands over the result, so that every face builds the document here.
 */
export type DecodeInput = string | { name: string; bytes: Uint8Array } | OpenedDecodeInput;

/** An input its caller has read and opened already: decoded as it is, with no password asked. */
export interface OpenedDecodeInput {
  name: string;
  opened: ReadResult;
}

export interface DecodeOptions {
  /** The inputs, decoded in order. */
  inputs: readonly DecodeInput[];
  /** Password for PKCS#12 files and keystores (the same for every input). */
  password?: string;
  /**
   * Asked for an input's password when none was given and the input needs one, or when the password given
   * for an earlier input does not open it; once per input. Undefined (or returning undefined): no question.
   */
  askPassword?: (name: string) => Promise<string | undefined>;
  /** Called just before an input is read (the CLI tells a person at a terminal how to end standard input). */
  beforeRead?: (name: string) => void;
}

/** One input's outcome. */
export interface DecodedInput {
  name: string;
  result?: ReadResult;
  error?: DecodeErrorJson;
}

export interface DecodeRun {
  inputs: DecodedInput[];
  certificates: { cert: Certificate; origin: CertificateOrigin }[];
  errors: DecodeErrorJson[];
  document: LintedDecodeDocument;
}

/** Decode the inputs: the `chainproof decode --json` document. */
export async function decode(o: DecodeOptions): Promise<LintedDecodeDocument> {
  return (await runDecode(o)).document;
}

/** Decode the inputs, keeping each input's result (what else it held: keys, skipped PEM blocks). */
export async function runDecode(o: DecodeOptions): Promise<DecodeRun> {
  const inputs: DecodedInput[] = [];
  let stdinUsed = false;
  let prompted: string | undefined;
  for (const input of o.inputs) {
    if (input === "-") {
      if (stdinUsed) {
        const error = { file: "-", code: "usage", message: "-: standard input can be read only once" };
        inputs.push({ name: "-", error });
        continue;
      }
      stdinUsed = true;
    }
    if (typeof input !== "string" && "opened" in input) {
      inputs.push({ name: input.name, result: input.opened });
      continue;
    }
    const name = typeof input === "string" ? input : input.name;
    const bytes = () => (typeof input === "string" ? readInput(input) : input.bytes);
    inputs.push(await decodeOne(name, bytes, o, prompted, (p) => (prompted = p)));
  }
  const certificates = inputs.flatMap((r) => r.result?.certificates ?? []);
  const errors = inputs.flatMap((r) => (r.error ? [r.error] : []));
  const decoded = decodeDocument(certificates, errors);
  // Loaded here, when the certificates are in hand: the linter is not part of the command's start-up.
  const { lintSummary } = await import("../lint/index.js");
  const document: LintedDecodeDocument = {
    ...decoded,
    certificates: decoded.certificates.map((json, i) => ({
      ...json,
      lints: lintSummary(certificates[i].cert),
    })),
  };
  return { inputs, certificates, errors, document };
}

async function decodeOne(
  name: string,
  read: () => Uint8Array,
  o: DecodeOptions,
  prompted: string | undefined,
  remember: (p: string) => void,
): Promise<DecodedInput> {
  const fail = (e: InputError): DecodedInput => ({
    name,
    error: { file: name, code: e.code, message: e.message },
  });
  let bytes: Uint8Array;
  o.beforeRead?.(name);
  try {
    bytes = read();
  } catch (e) {
    if (e instanceof InputError) return fail(e);
    throw e;
  }
  let password = o.password ?? prompted;
  let asked = false;
  for (;;) {
    try {
      const result = readCertificates(bytes, { source: name, password });
      if (asked && password !== undefined) remember(password);
      return { name, result };
    } catch (e) {
      // Ask when no password was given: because the input needs one, or because the one given for an
      // earlier input does not open this one. One question per input.
      const mayAsk = !asked && o.password === undefined && o.askPassword !== undefined;
      if (
        mayAsk &&
        (e instanceof NeedPasswordError || (e instanceof BadPasswordError && prompted !== undefined))
      ) {
        const answer = await o.askPassword?.(name);
        if (answer !== undefined) {
          password = answer;
          asked = true;
          continue;
        }
      }
      if (e instanceof InputError) return fail(e);
      throw e;
    }
  }
}
