/**
 * SAML routes: IdP metadata check (signing certificates, the metadata's own signature, rotation against
 * the SP's configured certificate) and the Response validator, step by step. Engine: src/saml.
 *
 * The checks run in the process's worker pool (src/runtime/container-pool.ts) with its time budget,
 * since the largest permitted document takes up to seconds of CPU: here the request is read (files,
 * certificates, times, on the event loop: all quick) and ./saml-job.ts verifies and builds the report.
 */

import { containerPool } from "../runtime/container-pool.js";
import type { Certificate } from "../x509/certificate.js";
import { ApiError, type FilePayload, fileBytes, filePayloadSchema, parseTime, sourceName } from "./inputs.js";
import { certificatesOf } from "./routes.js";
import type { NamedBytes, SamlJob, SamlJobResult } from "./saml-job.js";
import { ERRORS, route, type WebContext } from "./server.js";

// "../web/": the same file from this folder and from the command line's bundle (scripts/bundle-cli.ts).
const SAML_JOB = new URL("../web/saml-job.js", import.meta.url);

/** Runs a SAML job in the pool: the report document, or the route's 400 / 413 / 503 as an error. */
async function runSamlJob(job: SamlJob, name: string): Promise<Record<string, unknown> | undefined> {
  const result = (await containerPool().runModule(SAML_JOB, job, {
    name,
    busy: "heavy requests are being processed",
    overBudget: (s) => `checking it took more than ${s} s`,
  })) as SamlJobResult;
  if (!result.ok) throw new ApiError(400, result.code, result.message);
  return result.document;
}

/*
 * Bytes are copied to buffers of their own before they cross to the thread: structured clone copies a
 * view's whole underlying buffer, and a certificate's DER is often a view into its whole upload.
 */
const named = (p: FilePayload, what: string): NamedBytes => ({
  name: sourceName(p, what),
  bytes: new Uint8Array(fileBytes(p, what)),
});
const ders = (certificates: Certificate[]) => certificates.map((c) => new Uint8Array(c.der));
const dersOf = (p: FilePayload | undefined, what: string) => (p ? ders(certificatesOf(p, what)) : []);

/** Runs `read`, keeping its error for later: the answer names the first bad input in the order of old. */
function attempt<T>(read: () => T): { value?: T; error?: unknown } {
  try {
    return { value: read() };
  } catch (error) {
    return { error };
  }
}

export function samlRoutes(ctx: WebContext): void {
  ctx.features.saml = true;
  route(
    ctx,
    {
      method: "POST",
      url: "/api/saml/metadata",
      tag: "saml",
      summary:
        "Check IdP metadata: signing certificates, its signature, rotation against the configured certificate",
      body: {
        type: "object",
        properties: {
          metadata: { ...filePayloadSchema, description: "EntityDescriptor or EntitiesDescriptor XML." },
          configured: { ...filePayloadSchema, description: "The IdP certificate the SP has configured." },
          metadataSigner: {
            ...filePayloadSchema,
            description:
              "The federation's (or IdP's) metadata signing certificate: the metadata's signature must verify with it.",
          },
          entityId: { type: "string", maxLength: 1024 },
          at: { type: "string", maxLength: 40 },
          allowSha1: { type: "boolean" },
        },
        required: ["metadata"],
        additionalProperties: false,
      },
      responses: {
        200: {
          description: "The metadata report (as `chainproof saml metadata --json`)",
          schema: { type: "object" },
        },
        ...ERRORS,
      },
    },
    async (req) => {
      const b = req.body as {
        metadata: FilePayload;
        configured?: FilePayload;
        metadataSigner?: FilePayload;
        entityId?: string;
        at?: string;
        allowSha1?: boolean;
      };
      const at = parseTime(b.at);
      const signers = dersOf(b.metadataSigner, "metadataSigner");
      const metadata = named(b.metadata, "metadata");
      const configured = attempt(() => dersOf(b.configured, "configured"));
      const entityId = b.entityId?.trim();
      const document = await runSamlJob(
        {
          kind: "metadata",
          metadata,
          at,
          allowSha1: b.allowSha1 ?? false,
          ...(entityId ? { entityId } : {}),
          signers,
          configured: configured.value ?? [],
        },
        metadata.name,
      );
      if (configured.error) throw configured.error;
      return document;
    },
  );

  route(
    ctx,
    {
      method: "POST",
      url: "/api/saml/verify",
      tag: "saml",
      summary: "Validate a SAML Response step by step, as a strict SP does",
      description:
        "The Response may be XML, base64, a SAMLResponse=… form body or deflated (redirect binding). Trusted signing certificates come from cert, else from metadata.",
      body: {
        type: "object",
        properties: {
          response: filePayloadSchema,
          cert: { ...filePayloadSchema, description: "The IdP certificate the SP has configured." },
          metadata: { ...filePayloadSchema, description: "The IdP's metadata." },
          metadataSigner: {
            ...filePayloadSchema,
            description: "The certificate the metadata must be signed with.",
          },
          spEntityId: { type: "string", maxLength: 1024 },
          acs: { type: "string", maxLength: 2048 },
          requestId: { type: "string", maxLength: 256 },
          issuer: { type: "string", maxLength: 1024 },
          at: { type: "string", maxLength: 40 },
          skewSeconds: { type: "integer", minimum: 0, maximum: 86400 },
          allowSha1: { type: "boolean" },
        },
        required: ["response"],
        additionalProperties: false,
      },
      responses: {
        200: {
          description: "The step-by-step report (as `chainproof saml verify --json`)",
          schema: { type: "object" },
        },
        ...ERRORS,
      },
    },
    async (req) => {
      const b = req.body as {
        response: FilePayload;
        cert?: FilePayload;
        metadata?: FilePayload;
        metadataSigner?: FilePayload;
        spEntityId?: string;
        acs?: string;
        requestId?: string;
        issuer?: string;
        at?: string;
        skewSeconds?: number;
        allowSha1?: boolean;
      };
      const at = parseTime(b.at);
      const trusted = b.cert ? certificatesOf(b.cert, "cert") : undefined;
      if (b.metadataSigner && !b.metadata) {
        throw new ApiError(400, "bad-input", "metadataSigner needs metadata (the metadata file it signs)");
      }
      const signers = b.metadata ? dersOf(b.metadataSigner, "metadataSigner") : [];
      const metadata = b.metadata ? named(b.metadata, "metadata") : undefined;
      const response = attempt(() => named(b.response, "response"));
      if (response.error && !metadata) throw response.error;
      const opt = (s: string | undefined) => (s?.trim() ? s.trim() : undefined);
      const spEntityId = opt(b.spEntityId);
      const acs = opt(b.acs);
      const requestId = opt(b.requestId);
      const issuer = opt(b.issuer);
      const document = await runSamlJob(
        {
          kind: "verify",
          ...(response.value ? { response: response.value } : {}),
          ...(metadata ? { metadata } : {}),
          signers,
          ...(trusted ? { trusted: ders(trusted) } : {}),
          at,
          allowSha1: b.allowSha1 ?? false,
          ...(b.skewSeconds !== undefined ? { skewSeconds: b.skewSeconds } : {}),
          ...(spEntityId ? { spEntityId } : {}),
          ...(acs ? { acs } : {}),
          ...(requestId ? { requestId } : {}),
          ...(issuer ? { issuer } : {}),
        },
        response.value?.name ?? metadata?.name ?? "response",
      );
      if (response.error) throw response.error;
      return document;
    },
  );
}
