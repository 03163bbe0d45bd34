/**
 * The keystore of our own certificates and keys (see docs/keys.md): SQLite storage with keys encrypted at
 * rest, Salesforce's Certificate and Key Management rules, and outbound mutual TLS predictions.
 */

export {
  describeServerVerdict,
  predictClientCertificateSent,
  type SendPrediction,
  type ServerAnswer,
  type ServerVerdict,
  type ServerVerdictKind,
} from "./mtls.js";
export {
  type ChainReport,
  checkChain,
  checkName,
  createCsr,
  createSelfSigned,
  type ExportFormat,
  exportEntry,
  exportEntryAsync,
  importKeystore,
  importSigned,
  installOnTarget,
  type Outcome,
  parseSan,
  renew,
  SALESFORCE_IMPORT_ERRORS,
} from "./operations.js";
export {
  CREATE_KEYS,
  commonNameWarnings,
  defaultSelfSignedDays,
  lifetimeProblem,
  publicCaMaxDays,
  uniqueNameProblem,
} from "./rules.js";
export { type Entry, type EntryKind, Keystore, KeystoreError, keystoreHome } from "./store.js";
