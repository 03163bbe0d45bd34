/**
 * The SAML checks of the web API as worker-thread jobs (src/runtime/container-pool.ts, `runModule`): a
 * Response or metadata document of the largest permitted size takes up to seconds of CPU, which must not
 * block the server's event loop. The route (./saml.ts) reads the request on the event loop (files,
 * certificates, times) and sends plain data here; this module verifies and answers the report document the
 * route returns, or the route's 400 as data. Nothing here touches the request, the network or the disk.
 */

import { iso } from "../app/stores.js";
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
import { type Certificate, parseCertificate } from "../x509/certificate.js";
import { certificateToJson } from "../x509/json.js";

/** A file the route has read: its bytes and the name messages give it. */
export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

/** POST /api/saml/metadata, read. Certificates travel as DER. */
export interface MetadataJob {
  kind: "metadata";
  metadata: NamedBytes;
  at: Date;
  allowSha1: boolean;
  entityId?: string;
  signers: Uint8Array[];
  configured: Uint8Array[];
}

/** POST /api/saml/verify, read. `response` is absent when the route could not read it (it answers that). */
export interface VerifyJob {
  kind: "verify";
  response?: NamedBytes;
  metadata?: NamedBytes;
  signers: Uint8Array[];
  trusted?: Uint8Array[];
  at: Date;
  allowSha1: boolean;
  skewSeconds?: number;
  spEntityId?: string;
  acs?: string;
  requestId?: string;
  issuer?: string;
}

export type SamlJob = MetadataJob | VerifyJob;

/** The report document, or the 400 answer (code and message) the route gives for bad input. */
export type SamlJobResult =
  | { ok: true; document?: Record<string, unknown> }
  | { ok: false; code: string; message: string };

class BadSamlInput extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Runs one job (the pool worker calls it). */
export function runJob(job: SamlJob): SamlJobResult {
  try {
    return { ok: true, document: job.kind === "metadata" ? metadataDocument(job) : verifyDocument(job) };
  } catch (e) {
    if (e instanceof BadSamlInput) return { ok: false, code: e.code, message: e.message };
    throw e;
  }
}

function metadataDocument(job: MetadataJob) {
  const md = loadMetadata(job.metadata, job.at, job.allowSha1, job.entityId, job.signers);
  return metadataView(md, job.configured.map(parseCertificate), job.at);
}

function verifyDocument(job: VerifyJob) {
  const md = job.metadata
    ? loadMetadata(job.metadata, job.at, job.allowSha1, undefined, job.signers)
    : undefined;
  if (md && md.idps.length === 0) throw new BadSamlInput("bad-input", "the metadata describes no IdP");
  if (!job.response) return undefined;
  let report: ResponseReport;
  try {
    report = verifyResponseWithMetadata(
      job.response.bytes,
      {
        ...(job.trusted ? { trusted: job.trusted.map(parseCertificate) } : {}),
        ...(job.spEntityId ? { spEntityId: job.spEntityId } : {}),
        ...(job.acs ? { acs: job.acs } : {}),
        ...(job.requestId ? { requestId: job.requestId } : {}),
        ...(job.issuer ? { issuer: job.issuer } : {}),
        at: job.at,
        ...(job.skewSeconds !== undefined ? { skewSeconds: job.skewSeconds } : {}),
        allowSha1: job.allowSha1,
      },
      md,
    );
  } catch (e) {
    return samlError(job.response.name, e);
  }
  return responseView(report);
}

function samlError(what: string, e: unknown): never {
  if (e instanceof SamlInputError) throw new BadSamlInput(e.code, `${what}: ${e.message}`);
  if (e instanceof MetadataError || e instanceof NotAResponseError) {
    throw new BadSamlInput("bad-input", `${what}: ${e.message}`);
  }
  throw e;
}

function loadMetadata(
  metadata: NamedBytes,
  at: Date,
  allowSha1: boolean,
  entityId: string | undefined,
  signerDers: Uint8Array[],
): MetadataReport {
  try {
    return readMetadata(metadata.bytes, {
      at,
      allowSha1,
      ...(entityId ? { entityId } : {}),
      ...(signerDers.length ? { signers: signerDers.map(parseCertificate) } : {}),
    });
  } catch (e) {
    return samlError(metadata.name, e);
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
