/**
 * The tools' routes: decode a certificate signing request, match a private key with a certificate or a
 * request, convert between PEM, DER, PKCS#7, PKCS#12 and JKS. Each calls its use case in src/app (the
 * documents `chainproof csr|match|convert --json` print); a PKCS#12 or keystore upload with a password was
 * opened in a worker thread before the handler runs (./inputs.ts), and is handed over opened.
 */

import { CONVERT_FORMATS, type ConvertFormat, convert, MIN_STORE_PASSWORD } from "../app/convert.js";
import { decodeCsr } from "../app/csr.js";
import { matchKey } from "../app/match.js";
import type { KeyFile } from "../app/private-keys.js";
import { type FilePayload, fileBytes, filePayloadSchema, openedContainer, sourceName } from "./inputs.js";
import { ERRORS, route, type WebContext } from "./server.js";

/** A file payload as the use cases take it: name, bytes, and the password with the container it opened. */
function keyFile(p: FilePayload, what: string): KeyFile {
  return {
    name: sourceName(p, what),
    bytes: fileBytes(p, what),
    ...(p.password !== undefined ? { password: p.password, opened: openedContainer(p) } : {}),
  };
}

const documentResponse = (description: string, schemaFile: string) => ({
  200: { description, schema: { type: "object", description: `docs/schemas/${schemaFile}` } },
  ...ERRORS,
});

export function toolRoutes(ctx: WebContext): void {
  route(
    ctx,
    {
      method: "POST",
      url: "/api/tools/csr",
      tag: "tools",
      summary: "Decode a certificate signing request: subject, key, requested extensions, signature check",
      description: "The document `chainproof csr --json` prints (docs/schemas/csr.schema.json).",
      body: {
        type: "object",
        properties: { file: filePayloadSchema },
        required: ["file"],
        additionalProperties: false,
      },
      responses: documentResponse("The csr document", "csr.schema.json"),
    },
    async (req) => {
      const { file } = req.body as { file: FilePayload };
      return decodeCsr({ name: sourceName(file, "request"), bytes: fileBytes(file, "request") });
    },
  );

  route(
    ctx,
    {
      method: "POST",
      url: "/api/tools/match",
      tag: "tools",
      summary: "Does this private key belong to this certificate or certificate signing request?",
      description:
        "The document `chainproof match --json` prints (docs/schemas/match.schema.json). An encrypted key without its password gives 400 need-password; a wrong one 400 bad-password.",
      body: {
        type: "object",
        properties: { key: filePayloadSchema, target: filePayloadSchema },
        required: ["key", "target"],
        additionalProperties: false,
      },
      responses: documentResponse("The match document", "match.schema.json"),
    },
    async (req) => {
      const b = req.body as { key: FilePayload; target: FilePayload };
      return matchKey({ key: keyFile(b.key, "key"), target: keyFile(b.target, "certificate") });
    },
  );

  route(
    ctx,
    {
      method: "POST",
      url: "/api/tools/convert",
      tag: "tools",
      summary: "Convert certificates (and their keys) between PEM, DER, PKCS#7, PKCS#12 and JKS",
      description: `The report \`chainproof convert --json\` prints (docs/schemas/convert.schema.json) and the file written, base64. A PKCS#12 or JKS needs outPassword (at least ${MIN_STORE_PASSWORD} characters; default the input's password).`,
      body: {
        type: "object",
        properties: {
          file: filePayloadSchema,
          key: filePayloadSchema,
          to: { type: "string", enum: [...CONVERT_FORMATS] },
          outPassword: { type: "string", maxLength: 1024 },
          alias: { type: "string", minLength: 1, maxLength: 200 },
        },
        required: ["file", "to"],
        additionalProperties: false,
      },
      responses: {
        200: {
          description: "The report and the file",
          schema: {
            type: "object",
            properties: {
              document: { type: "object", description: "docs/schemas/convert.schema.json" },
              base64: { type: "string" },
            },
          },
        },
        ...ERRORS,
      },
    },
    async (req) => {
      const b = req.body as {
        file: FilePayload;
        key?: FilePayload;
        to: ConvertFormat;
        outPassword?: string;
        alias?: string;
      };
      const r = convert({
        input: keyFile(b.file, "file"),
        to: b.to,
        ...(b.key ? { key: keyFile(b.key, "key") } : {}),
        ...(b.outPassword ? { outPassword: b.outPassword } : {}),
        ...(b.alias ? { alias: b.alias } : {}),
      });
      return { document: r.document, base64: Buffer.from(r.bytes).toString("base64") };
    },
  );
}
