/**
 * Client profiles: which TLS clients trust a chain, and what each prints when it does not.
 *
 *   const m = evaluateClients({ leaf, presented, clients: ["salesforce", "chrome"], host: "api.example.com" });
 *   m.trusted; m.clients[0].error?.text; m.findings
 *
 * One file per client (salesforce, java, openssl + curl, go, node, chrome, firefox); profile.ts holds the
 * types, chain-analysis.ts the client-independent findings, evaluate.ts the matrix.
 */

export { analyzeChain, type ChainAnalysis, type ChainGap, type SentCertificate } from "./chain-analysis.js";
export {
  type ClientMatrix,
  type ClientVerdict,
  type EvaluateInput,
  evaluateClients,
  type PathEntry,
  type PathPolicy,
  type SentEntry,
} from "./evaluate.js";
export type { CertificateRef, ClientEffect, ReportFinding, Severity } from "./finding.js";
export * from "./profile.js";

export {
  CLIENTS,
  checkTlsVersion,
  DEFAULT_CLIENT,
  defaultStoreFor,
  isClientId,
  resolveClients,
} from "./registry.js";
export {
  type DossierOptions,
  pickRequestCertificate,
  type RootDossier,
  rootDossier,
  type StorePresence,
} from "./root-request.js";
