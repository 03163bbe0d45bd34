/**
 * The SAML use cases: check an IdP's metadata (its signing certificates, rotation, the certificate a
 * Salesforce org has configured) and verify a SAML Response as Salesforce would. `chainproof saml metadata`,
 * `chainproof saml verify` and the web's SAML pages (in a worker thread, src/web/saml-job.ts) are the faces;
 * each returns the document `--json` prints (docs/saml.md, docs/schemas/saml-*.schema.json).
 *
 * Documents are file paths or named bytes; bad input throws InputError with the message the CLI prints. A
 * document the engine judges (a bad signature, a DOCTYPE in a Response) is a verdict, not an error.
 */

import { readInput } from "../runtime/read-input.js";
import {
  checkMetadata,
  MAX_METADATA_BYTES,
  MetadataError,
  type MetadataReport,
  NotAResponseError,
  type ResponseReport,
  type RotationReport,
  readMetadata,
  type SamlFinding,
  SamlInputError,
  STEP_TITLES,
  verifyResponseWithMetadata,
} from "../saml/index.js";
import type { Certificate } from "../x509/certificate.js";
import { InputError } from "../x509/errors.js";
import { readCertificates } from "../x509/input.js";
import { certificateToJson } from "../x509/json.js";
import { parseAt } from "./time.js";

export const SAML_VERIFY_SCHEMA = "chainproof/saml-verify";
export const SAML_METADATA_SCHEMA = "chainproof/saml-metadata";
export const SAML_SCHEMA_VERSION = 1;

/** Responses: 1 MiB of XML, so up to 2 MiB of base64 / form text. */
export const MAX_RESPONSE_INPUT = 2 * 1024 * 1024;

/** A document as a file path, or as bytes with the name messages give it. */
export type SamlInput = string | { name: string; bytes: Uint8Array };

/** Certificates as a file path, as bytes (PEM, DER, …) or parsed. */
export type SamlCertificates = string | Uint8Array | readonly Certificate[];

export interface SamlMetadataOptions {
  metadata: SamlInput;
  /** The certificate the Salesforce org has configured for the IdP. */
  configured?: SamlCertificates;
  /** The IdP to check, when the metadata describes several. */
  entityId?: string;
  /** Who may sign the metadata. */
  metadataSigners?: SamlCertificates;
  /** When to judge: a Date or ISO 8601 text; default now. */
  at?: Date | string;
  allowSha1?: boolean;
}

export interface SamlVerifyOptions {
  response: SamlInput;
  /** The IdP certificate(s) the SP trusts (Salesforce's "Identity Provider Certificate"). */
  trusted?: SamlCertificates;
  /** The IdP's metadata: its signing certificates and entity id. */
  metadata?: SamlInput;
  metadataSigners?: SamlCertificates;
  spEntityId?: string;
  acs?: string;
  requestId?: string;
  issuer?: string;
  at?: Date | string;
  /** Allowed clock skew, whole seconds 0 to 86400. */
  skewSeconds?: number;
  allowSha1?: boolean;
}

/** The metadata check, keeping the parts a face renders as text. */
export interface SamlMetadataRun {
  file: string;
  md: MetadataReport;
  configured: Certificate[];
  rotations: RotationReport[];
  findings: SamlFinding[];
  valid: boolean;
  at: Date;
  document: SamlMetadataDocument;
}

export type SamlMetadataDocument = ReturnType<typeof metadataJson>;
export type SamlVerifyDocument = ReturnType<typeof verifyJson>;

/** Check an IdP's metadata: the `chainproof saml metadata --json` document. */
export function samlMetadata(o: SamlMetadataOptions): SamlMetadataDocument {
  return runSamlMetadata(o).document;
}

export function runSamlMetadata(o: SamlMetadataOptions): SamlMetadataRun {
  const at = parseAt(o.at);
  const md = loadMetadata(o.metadata, at, o.allowSha1 ?? false, o.entityId, o.metadataSigners);
  const configured = o.configured ? certificates(o.configured) : [];
  const { rotations, findings, valid } = checkMetadata(md, configured, at);
  const file = nameOf(o.metadata);
  const document = metadataJson(file, md, configured, rotations, findings, at);
  return { file, md, configured, rotations, findings, valid, at, document };
}

/** Verify a SAML Response: the `chainproof saml verify --json` document. */
export function samlVerify(o: SamlVerifyOptions): SamlVerifyDocument {
  return runSamlVerify(o).document;
}

export function runSamlVerify(o: SamlVerifyOptions): {
  report: ResponseReport;
  document: SamlVerifyDocument;
} {
  const at = parseAt(o.at);
  const skewSeconds = o.skewSeconds;
  if (
    skewSeconds !== undefined &&
    (!Number.isInteger(skewSeconds) || skewSeconds < 0 || skewSeconds > 86_400)
  ) {
    throw new InputError(`--skew "${skewSeconds}": give whole seconds, 0 to 86400`, "usage");
  }
  const trusted = o.trusted ? certificates(o.trusted) : undefined;
  if (o.metadataSigners !== undefined && o.metadata === undefined) {
    throw new InputError("--metadata-signer needs --metadata (the metadata file it signs)", "usage");
  }
  const md = o.metadata
    ? idpMetadata(o.metadata, { at, allowSha1: o.allowSha1 ?? false, signers: o.metadataSigners })
    : undefined;
  const metadataName = o.metadata ? nameOf(o.metadata) : undefined;
  const file = nameOf(o.response);
  const bytes = typeof o.response === "string" ? readInput(o.response, MAX_RESPONSE_INPUT) : o.response.bytes;
  let report: ResponseReport;
  try {
    report = verifyResponseWithMetadata(
      bytes,
      {
        ...(trusted ? { trusted } : {}),
        ...(o.spEntityId !== undefined ? { spEntityId: o.spEntityId } : {}),
        ...(o.acs !== undefined ? { acs: o.acs } : {}),
        ...(o.requestId !== undefined ? { requestId: o.requestId } : {}),
        ...(o.issuer !== undefined ? { issuer: o.issuer } : {}),
        at,
        ...(skewSeconds !== undefined ? { skewSeconds } : {}),
        allowSha1: o.allowSha1 ?? false,
      },
      md,
      metadataName,
    );
  } catch (e) {
    return asInputError(file, e);
  }
  return { report, document: verifyJson(file, report) };
}

/** An IdP's metadata read for verifying a Response: InputError when it cannot be read or describes no IdP. */
export function idpMetadata(
  input: SamlInput,
  o: { at: Date; allowSha1: boolean; signers?: SamlCertificates | undefined },
): MetadataReport {
  const md = loadMetadata(input, o.at, o.allowSha1, undefined, o.signers);
  if (md.idps.length === 0)
    throw new InputError(`${nameOf(input)}: the metadata describes no IdP`, "bad-input");
  return md;
}

function nameOf(input: SamlInput): string {
  return typeof input === "string" ? input : input.name;
}

function certificates(input: SamlCertificates): Certificate[] {
  if (typeof input !== "string" && !(input instanceof Uint8Array)) return [...input];
  const bytes = typeof input === "string" ? readInput(input) : input;
  return readCertificates(bytes, {
    source: typeof input === "string" ? input : "certificate",
  }).certificates.map((c) => c.cert);
}

/** A time as the SAML documents give it: ISO 8601, without milliseconds when there are none. */
export function iso(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, "Z");
}

/** Engine refusals of the input itself become InputError (exit 2), except DOCTYPE in a Response (a verdict). */
function asInputError(file: string, e: unknown): never {
  if (e instanceof SamlInputError || e instanceof MetadataError || e instanceof NotAResponseError) {
    throw new InputError(`${file}: ${e.message}`, e instanceof SamlInputError ? e.code : "bad-input");
  }
  throw e;
}

function loadMetadata(
  input: SamlInput,
  at: Date,
  allowSha1: boolean,
  entityId: string | undefined,
  signerInput: SamlCertificates | undefined,
): MetadataReport {
  const signers = signerInput !== undefined ? certificates(signerInput) : [];
  const name = nameOf(input);
  try {
    const bytes = typeof input === "string" ? readInput(input, MAX_METADATA_BYTES) : input.bytes;
    return readMetadata(bytes, {
      at,
      allowSha1,
      ...(entityId !== undefined ? { entityId } : {}),
      ...(signers.length ? { signers } : {}),
    });
  } catch (e) {
    return asInputError(name, e);
  }
}

export function metadataJson(
  file: string,
  md: MetadataReport,
  configured: Certificate[],
  rotations: RotationReport[],
  findings: SamlFinding[],
  at: Date,
) {
  const now = { now: at };
  return {
    schema: SAML_METADATA_SCHEMA,
    version: SAML_SCHEMA_VERSION,
    generatedAt: iso(new Date()),
    at: iso(at),
    file,
    valid: !findings.some((f) => f.severity === "error"),
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
      ...(md.signature.signer ? { signer: certificateToJson(md.signature.signer, undefined, now) } : {}),
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
        ...(idp.cacheDuration ? { cacheDuration: idp.cacheDuration } : {}),
        ...(idp.wantAuthnRequestsSigned !== undefined
          ? { wantAuthnRequestsSigned: idp.wantAuthnRequestsSigned }
          : {}),
        singleSignOn: idp.singleSignOn,
        nameIdFormats: idp.nameIdFormats,
        keys: idp.keys.map((k) => ({
          use: k.use,
          ...(k.keyName !== undefined ? { keyName: k.keyName } : {}),
          certificate: certificateToJson(k.cert, undefined, now),
        })),
        signing: idp.signing.map((c) => c.sha256.toUpperCase()),
        rollover: idp.signing.length > 1,
        ...(idp.badCertificates.length ? { badCertificates: idp.badCertificates } : {}),
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
    configured: configured.map((c) => certificateToJson(c, undefined, now)),
    findings,
  };
}

export function verifyJson(file: string, r: ResponseReport) {
  const now = { now: r.at };
  return {
    schema: SAML_VERIFY_SCHEMA,
    version: SAML_SCHEMA_VERSION,
    generatedAt: iso(new Date()),
    at: iso(r.at),
    skewSeconds: r.skewSeconds,
    file,
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
      ...(s.canonicalization ? { canonicalization: s.canonicalization } : {}),
      transforms: s.transforms,
      valid: s.valid,
      signerTrusted: s.signerTrusted,
      ...(s.signer ? { signer: certificateToJson(s.signer, undefined, now) } : {}),
      keyInfoCertificates: s.keyInfoCertificates.map((c) => c.sha256.toUpperCase()),
      ...(s.problem ? { problem: s.problem } : {}),
    })),
    trusted: r.trusted.map((c) => certificateToJson(c, undefined, now)),
  };
}
