/**
 * The decoder's revocation button: POST /api/decode/revocation checks one certificate of a file (OCSP at its
 * AIA URL, then its CRL distribution points) through the AIA guard, so private addresses only with
 * `serve --allow-private` (src/app/certificate-status.ts does the work).
 */

import { revocationOfCertificate } from "../app/certificate-status.js";
import { ApiError, type FilePayload, filePayloadSchema } from "./inputs.js";
import { certificatesOf } from "./routes.js";
import { ERRORS, route, type WebContext } from "./server.js";
import { aiaGuard } from "./ssrf.js";

export function certificateStatusRoutes(ctx: WebContext): void {
  route(
    ctx,
    {
      method: "POST",
      url: "/api/decode/revocation",
      tag: "decode",
      summary:
        "Check one certificate of a file for revocation: live OCSP through its AIA URL, then its CRL distribution points",
      description:
        "The issuer is looked for in the file, in `issuers`, in the bundled Mozilla store, then at the AIA caIssuers URL. Fetches go through the same address guard as a check's AIA fetches: private and loopback addresses only when the server runs with --allow-private. A root, or a certificate whose issuer cannot be found, gives 400 no-issuer.",
      body: {
        type: "object",
        properties: {
          file: filePayloadSchema,
          issuers: { ...filePayloadSchema, description: "Certificates that may have issued it" },
          index: {
            type: "integer",
            minimum: 0,
            maximum: 999,
            description: "Which certificate of the file (0-based; default 0)",
          },
        },
        required: ["file"],
        additionalProperties: false,
      },
      responses: {
        200: {
          description: "As `revocation` of chainproof check --json, for this certificate and its issuer",
          schema: { type: "object" },
        },
        ...ERRORS,
      },
    },
    async (req, reply) => {
      // The page's cancel closes the request: stop the fetches with it.
      const cancel = new AbortController();
      reply.raw.once("close", () => {
        if (!reply.raw.writableFinished) cancel.abort();
      });
      const b = req.body as { file: FilePayload; issuers?: FilePayload; index?: number };
      const certs = certificatesOf(b.file, "file");
      const index = b.index ?? 0;
      const cert = certs[index];
      if (!cert)
        throw new ApiError(400, "usage", `index ${index}: the file holds ${certs.length} certificate(s)`);
      const lookup = ctx.options.lookupAll;
      return revocationOfCertificate(cert, {
        pool: [...certs, ...(b.issuers ? certificatesOf(b.issuers, "issuers") : [])],
        time: new Date(),
        aia: { guard: aiaGuard(ctx.policy), ...(lookup ? { lookup } : {}) },
        signal: cancel.signal,
      });
    },
  );
}
