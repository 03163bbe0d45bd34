/**
 * SAML routes: IdP metadata check (signing certificates, the metadata's own signature, rotation against
 * the SP's configured certificate) and the Response validator, step by step. Engine: src/saml.
 */

import {
  checkMetadata,
  MetadataError,
  type MetadataReport,
  NotAResponseError,
  type ResponseReport,
  readMetadata,
  SamlInputError,
  STEP_TITLES,
  verifyResponseWithMetadata,
} from "../saml/index.js";
import type { Certificate } from "../x509/certificate.js";
import { certificateToJson } from "../x509/json.js";
import { ApiError, type FilePayload, fileBytes, filePayloadSchema, parseTime, sourceName } from "./inputs.js";
import { certificatesOf } from "./routes.js";
import { ERRORS, route, type WebContext } from "./server.js";
import { iso } from "./stores.js";

function samlError(what: string, e: unknown): never {
  if (e instanceof SamlInputError) throw new ApiError(400, e.code, `${what}: ${e.message}`);
  if (e instanceof MetadataError || e instanceof NotAResponseError) {
    throw new ApiError(400, "bad-input", `${what}: ${e.message}`);
  }
  throw e;
}

function loadMetadata(
  p: FilePayload,
  at: Date,
  allowSha1: boolean,
  entityId?: string,
  signer?: FilePayload,
): MetadataReport {
  const name = sourceName(p, "metadata");
  const signers = signer ? certificatesOf(signer, "metadataSigner") : [];
  try {
    return readMetadata(fileBytes(p, "metadata"), {
      at,
      allowSha1,
      ...(entityId ? { entityId } : {}),
      ...(signers.length ? { signers } : {}),
    });
  } catch (e) {
    return samlError(name, e);
  }
}

const certJson = (c: Certificate, at: Date) => certificateToJson(c, undefined, { now: at });

function metadataView(md: MetadataReport, configured: Certificate[], at: Date) {
  const { rotations, findings, valid } = checkMetadata(md, configured, at);
  return {
    at: iso(at),
    valid,
    rootElement: md.rootElement,
    ...(md.validUntil ? { validUntil: iso(md.validUntil) } : {}),
    source: md.source,
    signature: {
      present: md.signature.present,
      ...(md.signature.valid !== undefined ? { valid: md.signature.valid } : {}),
      ...(md.signature.shape?.signatureAlgorithm
        ? { signatureAlgorithm: md.signature.shape.signatureAlgorithm }
        : {}),
      ...(md.signature.shape?.digestAlgorithm ? { digestAlgorithm: md.signature.shape.digestAlgorithm } : {}),
      ...(md.signature.signer ? { signer: certJson(md.signature.signer, at) } : {}),
      ...(md.signature.signerListed !== undefined ? { signerListed: md.signature.signerListed } : {}),
      ...(md.signature.signerNamed ? { signerNamed: true } : {}),
      ...(md.signature.problem ? { problem: md.signature.problem } : {}),
    },
    otherEntities: md.otherEntities,
    idps: md.idps.map((idp) => {
      const rot = rotations.find((r) => r.entityId === idp.entityId);
      return {
        entityId: idp.entityId,
        ...(idp.validUntil ? { validUntil: iso(idp.validUntil) } : {}),
        singleSignOn: idp.singleSignOn,
        nameIdFormats: idp.nameIdFormats,
        keys: idp.keys.map((k) => ({
          use: k.use,
          ...(k.keyName !== undefined ? { keyName: k.keyName } : {}),
          certificate: certJson(k.cert, at),
        })),
        signing: idp.signing.map((c) => c.sha256.toUpperCase()),
        rollover: idp.signing.length > 1,
        badCertificates: idp.badCertificates,
        ...(rot
          ? {
              rotation: {
                signsToday: rot.signsToday.map((c) => c.sha256.toUpperCase()),
                ...(rot.afterRotation ? { afterRotation: rot.afterRotation.sha256.toUpperCase() } : {}),
                configured: rot.configured.map((c) => ({
                  sha256: c.cert.sha256.toUpperCase(),
                  status: c.status,
                })),
              },
            }
          : {}),
      };
    }),
    configured: configured.map((c) => certJson(c, at)),
    findings,
  };
}

function responseView(r: ResponseReport) {
  return {
    at: iso(r.at),
    skewSeconds: r.skewSeconds,
    valid: r.valid,
    input: r.input,
    steps: r.steps.map((s) => ({ id: s.id, title: STEP_TITLES[s.id], status: s.status, details: s.details })),
    findings: r.findings,
    ...(r.response ? { response: { ...r.response, source: r.responseSource } } : {}),
    ...(r.assertion ? { assertion: { ...r.assertion, source: r.assertionSource } } : {}),
    signatures: r.signatures.map((s) => ({
      on: s.on,
      ...(s.referenceUri !== undefined ? { referenceUri: s.referenceUri } : {}),
      ...(s.signatureAlgorithm ? { signatureAlgorithm: s.signatureAlgorithm } : {}),
      ...(s.digestAlgorithm ? { digestAlgorithm: s.digestAlgorithm } : {}),
      valid: s.valid,
      signerTrusted: s.signerTrusted,
      ...(s.signer ? { signer: certJson(s.signer, r.at) } : {}),
      ...(s.problem ? { problem: s.problem } : {}),
    })),
    trusted: r.trusted.map((c) => certJson(c, r.at)),
  };
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
      const md = loadMetadata(
        b.metadata,
        at,
        b.allowSha1 ?? false,
        b.entityId?.trim() || undefined,
        b.metadataSigner,
      );
      const configured = b.configured ? certificatesOf(b.configured, "configured") : [];
      return metadataView(md, configured, at);
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
      const md = b.metadata
        ? loadMetadata(b.metadata, at, b.allowSha1 ?? false, undefined, b.metadataSigner)
        : undefined;
      if (md && md.idps.length === 0) throw new ApiError(400, "bad-input", "the metadata describes no IdP");
      const opt = (s: string | undefined) => (s?.trim() ? s.trim() : undefined);
      const spEntityId = opt(b.spEntityId);
      const acs = opt(b.acs);
      const requestId = opt(b.requestId);
      const issuer = opt(b.issuer);
      let report: ResponseReport;
      try {
        report = verifyResponseWithMetadata(
          fileBytes(b.response, "response"),
          {
            ...(trusted ? { trusted } : {}),
            ...(spEntityId ? { spEntityId } : {}),
            ...(acs ? { acs } : {}),
            ...(requestId ? { requestId } : {}),
            ...(issuer ? { issuer } : {}),
            at,
            ...(b.skewSeconds !== undefined ? { skewSeconds: b.skewSeconds } : {}),
            allowSha1: b.allowSha1 ?? false,
          },
          md,
        );
      } catch (e) {
        return samlError(sourceName(b.response, "response"), e);
      }
      return responseView(report);
    },
  );
}
