/**
 * chainproof's public API (`import { … } from "chainproof"`): one use case per module of src/app, each
 * taking plain typed options and returning the document the CLI's `--json` prints.
 */

// Bad input of every kind throws an InputError (or a subclass). These are the very classes chainproof/x509
// exports, so `instanceof` holds whichever entry a caller imports them from.
export { BadPasswordError, InputError, LimitError } from "../x509/errors.js";
export { NeedPasswordError } from "../x509/input.js";
export { type CheckDocument, type CheckOptions, type ClientIdentitySpec, check } from "./check.js";
export {
  CONVERT_FORMATS,
  type ConvertDocument,
  type ConvertFormat,
  type ConvertOptions,
  type ConvertResult,
  convert,
} from "./convert.js";
export { type CsrDocument, decodeCsr } from "./csr.js";
export { type DecodeInput, type DecodeOptions, decode, type OpenedDecodeInput } from "./decode.js";
export * from "./keys.js";
export { type LintDocument, type LintedCertificateJson, lint } from "./lint.js";
export { type MatchDocument, type MatchOptions, matchKey } from "./match.js";
export {
  type AlertSink,
  CommandHookSink,
  defaultMonitorDb,
  type HistoryStore,
  JsonLinesSink,
  type MonitorOptions,
  monitorAlerts,
  monitorHistory,
  openHistory,
  parseTargetList,
  type RoundReport,
  runMonitor,
  runRound,
} from "./monitor.js";
export {
  type SamlInput,
  type SamlMetadataOptions,
  type SamlVerifyOptions,
  samlMetadata,
  samlVerify,
} from "./saml.js";
export { type ScanCounts, type ScanEvent, type ScanSummary, type ScanUseOptions, scan } from "./scan.js";
export { type ShowcertsOptions, type ShowcertsReport, showcerts } from "./showcerts.js";
export * from "./stores.js";
export { type TlsDocument, type TlsOptions, type TlsScanSummary, tlsCheck } from "./tls.js";
export {
  type CertificateInput,
  type LintedVerifyDocument,
  type VerifyDocument,
  type VerifyOptions,
  verify,
  verifyWithLints,
} from "./verify.js";
