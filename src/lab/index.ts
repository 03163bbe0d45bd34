/**
 * The lab: badssl-style endpoints on 127.0.0.1, built from a PKI generated at start, each declaring what
 * every client should make of it. `startLab()` runs it, `checkLab()` checks every endpoint for every client
 * against the declarations.
 */

export {
  type BuiltEndpoint,
  type EndpointSpec,
  type Expectation,
  type ExpectedVerdict,
  expectedFor,
  hostOf,
  LAB_ENDPOINTS,
  labDistrustRules,
} from "./endpoints.js";
export { LAB_DOMAIN } from "./pki.js";
export {
  actualVerdict,
  type ClientOutcome,
  checkLab,
  checkLabEndpoint,
  type EndpointOutcome,
  fixLabEndpoint,
  labCheckOptions,
  labMtlsDemo,
  type MtlsStep,
} from "./run.js";
export { LAB_ADDRESS, type Lab, type LabOptions, type RunningEndpoint, startLab } from "./server.js";
