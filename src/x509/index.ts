/**
 * `chainproof/x509`: the certificate model, the readers and the errors, as library users reach them. Only
 * what is exported here is kept stable; the modules behind it (DER, extension decoders, containers) may
 * change shape between versions.
 *
 *   import { readCertificates, InputError } from "chainproof/x509";
 *   const { certificates } = readCertificates(bytes, { source: "chain.pem" });
 *   for (const { cert } of certificates) console.log(cert.subject.toString(), cert.notAfter);
 */

export {
  type AlgorithmIdentifier,
  Certificate,
  type ExtensionError,
  MAX_CERTIFICATE_BYTES,
  type ProfileWarning,
  type PublicKeyInfo,
  parseCertificate,
} from "./certificate.js";
export { BadPasswordError, InputError, LimitError } from "./errors.js";
export type {
  AccessDescription,
  AuthorityKeyIdentifier,
  BasicConstraints,
  DistributionPoint,
  Extension,
  KeyUsage,
  NameConstraints,
  PolicyInformation,
  SignedCertificateTimestamp,
} from "./extensions.js";
export {
  type CertificateOrigin,
  type ContainerKind,
  DEFAULT_MAX_CERTIFICATES,
  type LoadedCertificate,
  type LoadedKey,
  NeedPasswordError,
  type ReadOptions,
  type ReadResult,
  readCertificates,
} from "./input.js";
export {
  type CertificateJson,
  certificateToJson,
  DECODE_SCHEMA,
  DECODE_SCHEMA_VERSION,
  type DecodeDocument,
  type DecodeErrorJson,
  decodeDocument,
  type JsonOptions,
} from "./json.js";
export { type GeneralName, Name, type NameAttribute, namesMatch } from "./names.js";
export { looksLikePem, type PemBlock, PemError, parsePem, toPem } from "./pem.js";
