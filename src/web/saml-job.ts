/**
 * The SAML checks of the web API as worker-thread jobs (src/runtime/container-pool.ts, `runModule`): a
 * Response or metadata document of the largest permitted size takes up to seconds of CPU, which must not
 * block the server's event loop. The route (./saml.ts) reads the request on the event loop (files,
 * certificates, times) and sends plain data here; this module verifies and answers the report document the
 * route returns, or the route's 400 as data. Nothing here touches the request, the network or the disk.
 */

import { idpMetadata, runSamlMetadata, runSamlVerify } from "../app/saml.js";
import { parseCertificate } from "../x509/certificate.js";
import { InputError } from "../x509/errors.js";

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

/** Runs one job (the pool worker calls it). */
export function runJob(job: SamlJob): SamlJobResult {
  try {
    return { ok: true, document: job.kind === "metadata" ? metadataDocument(job) : verifyDocument(job) };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, code: e.code, message: e.message };
    throw e;
  }
}

function metadataDocument(job: MetadataJob) {
  return runSamlMetadata({
    metadata: job.metadata,
    configured: job.configured.map(parseCertificate),
    ...(job.entityId ? { entityId: job.entityId } : {}),
    ...(job.signers.length ? { metadataSigners: job.signers.map(parseCertificate) } : {}),
    at: job.at,
    allowSha1: job.allowSha1,
  }).document;
}

function verifyDocument(job: VerifyJob) {
  const signers = job.signers.length ? { metadataSigners: job.signers.map(parseCertificate) } : {};
  if (!job.response) {
    // The route could not read the Response; it answers that, once the metadata is known to be usable.
    if (job.metadata)
      idpMetadata(job.metadata, { at: job.at, allowSha1: job.allowSha1, signers: signers.metadataSigners });
    return undefined;
  }
  return runSamlVerify({
    response: job.response,
    ...(job.metadata ? { metadata: job.metadata, ...signers } : {}),
    ...(job.trusted ? { trusted: job.trusted.map(parseCertificate) } : {}),
    ...(job.spEntityId ? { spEntityId: job.spEntityId } : {}),
    ...(job.acs ? { acs: job.acs } : {}),
    ...(job.requestId ? { requestId: job.requestId } : {}),
    ...(job.issuer ? { issuer: job.issuer } : {}),
    at: job.at,
    ...(job.skewSeconds !== undefined ? { skewSeconds: job.skewSeconds } : {}),
    allowSha1: job.allowSha1,
  }).document;
}
