/**
 * What the web API accepts from a page or a script, and how failures are answered.
 *
 * Files travel inside JSON ({ name, base64 } or { name, text }): bodies are JSON only, so a cross-site form
 * can never post one (a form can send only urlencoded, multipart or text/plain bodies, all refused with 415).
 * Every error answer has one shape: { error: { code, message } }, with the engine's own message, which
 * names the input and the position of what is wrong.
 */

import { containerPool } from "../runtime/container-pool.js";
import { InputError } from "../x509/errors.js";
import { type OpenedContainer, protectedContainerKind } from "../x509/input.js";
import { BlockedTargetError } from "./ssrf.js";

/** Request bodies: 2 MiB (a 1.5 MiB file in base64). */
export const BODY_LIMIT = 2 * 1024 * 1024;
/** Decoded file size limit (after base64). */
export const MAX_FILE_BYTES = 1536 * 1024;

export interface FilePayload {
  /** The file name the user picked (shown in messages); default "upload". */
  name?: string;
  /** The file's bytes in base64 (any format the engine reads: PEM, DER, PKCS#7, PKCS#12, JKS, XML). */
  base64?: string;
  /** Or its text (pasted PEM, XML). */
  text?: string;
  /** Password for PKCS#12 and Java keystores. */
  password?: string;
}

export const filePayloadSchema = {
  type: "object",
  description:
    "A file: its bytes in base64 or its text, with an optional name (used in messages) and password (PKCS#12, JKS).",
  properties: {
    name: { type: "string", maxLength: 200 },
    base64: { type: "string", maxLength: BODY_LIMIT },
    text: { type: "string", maxLength: BODY_LIMIT },
    password: { type: "string", maxLength: 1024 },
  },
  additionalProperties: false,
} as const;

/** An API error: HTTP status, stable code, and a message for a person. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The bytes of a file payload (throws ApiError 400 when it holds none or bad base64). */
export function fileBytes(p: FilePayload | undefined, what: string): Uint8Array {
  if (!p || (p.base64 === undefined && p.text === undefined)) {
    throw new ApiError(400, "missing-input", `${what}: give the file (base64) or paste its text`);
  }
  if (p.base64 !== undefined && p.text !== undefined) {
    throw new ApiError(400, "usage", `${what}: give base64 or text, not both`);
  }
  let bytes: Uint8Array;
  if (p.base64 !== undefined) {
    const b = p.base64.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b)) throw new ApiError(400, "bad-base64", `${what}: not base64`);
    bytes = new Uint8Array(Buffer.from(b, "base64"));
  } else {
    bytes = new Uint8Array(Buffer.from(p.text ?? "", "utf8"));
  }
  if (bytes.length === 0)
    throw new ApiError(400, "empty-input", `${sourceName(p, what)}: the input is empty`);
  if (bytes.length > MAX_FILE_BYTES) {
    throw new ApiError(
      413,
      "too-large",
      `${sourceName(p, what)}: larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB; the web API takes smaller files (the CLI reads larger ones)`,
    );
  }
  return bytes;
}

/** Uploads opened off the event loop by openProtectedUploads, until their request is answered. */
const openedUploads = new WeakMap<FilePayload, OpenedContainer>();

/**
 * Opens, in the container pool's threads, every PKCS#12 or Java keystore in a request body that comes with
 * a password (file payloads at most three levels deep: `file`, `roots`, `a.roots`…), and remembers the
 * outcome for openedContainer(). Runs before each API handler, so that no handler derives a key on the
 * event loop. Never throws: a payload it cannot read is left for the handler to report in its own words.
 */
export async function openProtectedUploads(body: unknown): Promise<void> {
  const jobs: Promise<void>[] = [];
  for (const [p, field] of protectedPayloads(body, "file", 0)) {
    let bytes: Uint8Array;
    try {
      bytes = fileBytes(p, field);
    } catch {
      continue;
    }
    const kind = protectedContainerKind(bytes);
    if (kind === undefined) continue;
    const job = { kind, bytes, password: p.password!, name: sourceName(p, field) };
    jobs.push(
      containerPool()
        .settle(job)
        .then((o) => void openedUploads.set(p, o)),
    );
  }
  await Promise.all(jobs);
}

/** File payloads with a password, each with the name of its field (what handlers call an unnamed file). */
function* protectedPayloads(v: unknown, field: string, depth: number): Generator<[FilePayload, string]> {
  if (typeof v !== "object" || v === null || depth > 3) return;
  const o = v as Record<string, unknown>;
  if (typeof o.password === "string" && (typeof o.base64 === "string" || typeof o.text === "string")) {
    yield [o as FilePayload, field];
    return;
  }
  for (const [key, child] of Object.entries(o)) yield* protectedPayloads(child, key, depth + 1);
}

/**
 * What openProtectedUploads found for this payload, to hand to readCertificates (ReadOptions.opened).
 * A protected container that was not opened beforehand is a bug (its key derivation would block every
 * request): refused as an internal error rather than run here.
 */
export function openedContainer(p: FilePayload | undefined): OpenedContainer | undefined {
  if (p?.password === undefined) return undefined;
  const opened = openedUploads.get(p);
  if (opened === undefined && protectedContainerKind(fileBytes(p, "file")) !== undefined) {
    throw new Error("a password-protected upload reached its handler without being opened in the pool");
  }
  return opened;
}

/** How to name the payload in messages: its file name (control characters removed) or a default. */
export function sourceName(p: FilePayload | undefined, fallback: string): string {
  const n = p?.name?.replace(/[\u0000-\u001f\u007f-\u009f]/g, "").trim();
  return n ? n.slice(0, 200) : fallback;
}

export function parseTime(text: string | undefined, what = "at"): Date {
  if (text === undefined || text === "") return new Date();
  const t = text.trim();
  const d = /^\d{4}-\d{2}-\d{2}$/.test(t) ? new Date(`${t}T00:00:00Z`) : new Date(t);
  if (!Number.isFinite(d.getTime())) {
    throw new ApiError(
      400,
      "usage",
      `${what} "${text}" is not a time; use ISO 8601, e.g. 2026-03-01 or 2026-03-01T12:00:00Z`,
    );
  }
  return d;
}

/** Engine error codes that are not plain bad input. */
const INPUT_STATUS: Record<string, number> = {
  "limit-exceeded": 413,
  "no-such-entry": 404,
  "entry-exists": 409,
  "wrong-passphrase": 403,
  "keystore-busy": 503,
  "keystore-readonly": 503,
  "keystore-io": 503,
  "keystore-corrupt": 500,
  "server-busy": 503,
};

/** Turn any thrown value into the status and body the API answers with. */
export function errorAnswer(e: unknown): { status: number; body: { error: Record<string, unknown> } } {
  if (e instanceof ApiError) {
    return { status: e.status, body: { error: { code: e.code, message: e.message, ...e.extra } } };
  }
  if (e instanceof BlockedTargetError) {
    return {
      status: 403,
      body: { error: { code: e.code, message: e.message, address: e.address, range: e.range.range } },
    };
  }
  if (e instanceof InputError) {
    const status = INPUT_STATUS[e.code] ?? 400;
    return { status, body: { error: { code: e.code, message: e.message } } };
  }
  const f = e as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  if (typeof f?.statusCode === "number" && f.statusCode >= 400 && f.statusCode < 500) {
    const code =
      f.code === "FST_ERR_CTP_BODY_TOO_LARGE"
        ? "too-large"
        : f.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE"
          ? "json-only"
          : f.validation
            ? "bad-request"
            : (f.code ?? "bad-request").toLowerCase();
    const message =
      code === "too-large"
        ? "the request body is larger than the 2 MiB limit"
        : code === "json-only"
          ? "send the request body as JSON (Content-Type: application/json)"
          : (f.message ?? "bad request");
    return { status: f.statusCode, body: { error: { code, message } } };
  }
  return {
    status: 500,
    body: { error: { code: "internal", message: "internal error (see the server log)" } },
  };
}

/** The usual error answers, for the OpenAPI document. */
export const errorSchema = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: { code: { type: "string" }, message: { type: "string" } },
      required: ["code", "message"],
    },
  },
  required: ["error"],
} as const;
