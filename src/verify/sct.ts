/**
 * Signed Certificate Timestamps (RFC 6962): each SCT checked against the log list (which log, its
 * signature over the certificate or precertificate entry, its time, the log's shard), and Chrome's and
 * Apple's CT policies — how many valid SCTs, from how many log operators, a certificate of a given lifetime
 * needs. The policies (what a client does about them) are applied in src/clients/ct.ts.
 *
 * Chrome: https://googlechrome.github.io/CertificateTransparency/ct_policy.html (embedded SCTs: 2 for a
 * lifetime up to 180 days, 3 beyond; TLS/OCSP SCTs: 2; at least 2 distinct log operators).
 * Apple: https://support.apple.com/en-us/103214 (the same counts since 2022, at least 2 operators).
 */

import { constants, verify as cryptoVerify } from "node:crypto";
import type { CtLog, CtLogList } from "../trust/ct-logs.js";
import type { Certificate } from "../x509/certificate.js";
import type { SignedCertificateTimestamp } from "../x509/extensions.js";
import { sctSignedData } from "../x509/sct.js";

export type SctSource = "certificate" | "tls" | "ocsp";

export type SctStatus =
  | "valid"
  | "invalid-signature"
  | "unknown-log"
  /** An embedded SCT needs the issuer's key, and the issuer is not known. */
  | "no-issuer"
  | "future"
  /** The certificate's notAfter is outside the sharded log's interval. */
  | "outside-log-interval"
  | "unsupported-algorithm";

export interface SctCheck {
  source: SctSource;
  /** Base64, as log lists write it. */
  logId: string;
  log?: { description: string; operator: string; state: string };
  timestamp: Date;
  status: SctStatus;
  detail?: string;
}

const DAY = 86_400_000;

/** Check one SCT of `leaf` (embedded ones need `issuer`) against `logs` at `time`. */
export function checkSct(
  sct: SignedCertificateTimestamp,
  source: SctSource,
  leaf: Certificate,
  issuer: Certificate | undefined,
  logs: CtLogList,
  time: Date,
): SctCheck {
  const logId = Buffer.from(sct.logId, "hex").toString("base64");
  const log = logs.logs.find((l) => l.logId === logId);
  const out: SctCheck = { source, logId, timestamp: sct.timestamp, status: "valid" };
  const fail = (status: SctStatus, detail: string): SctCheck => ({ ...out, status, detail });
  if (!log)
    return fail("unknown-log", `log ${logId} is not in the log list (${logs.version}, ${logs.timestamp})`);
  out.log = { description: log.description, operator: log.operator, state: log.state };
  if (source === "certificate" && !issuer)
    return fail("no-issuer", "an embedded SCT is checked with the issuer's key, and the issuer is not known");
  const sig = sct.signature === undefined ? undefined : Buffer.from(sct.signature, "hex");
  if (!sig || sct.hashAlgorithm !== 4 || (sct.signatureAlgorithm !== 3 && sct.signatureAlgorithm !== 1))
    return fail("unsupported-algorithm", "RFC 6962 logs sign with SHA-256 and ECDSA or RSA");
  const data = sctSignedData(
    sct,
    source === "certificate" && issuer
      ? { type: "precert", cert: leaf, issuer }
      : { type: "x509", cert: leaf },
  );
  if (!signatureVerifies(log, sct.signatureAlgorithm, data, sig))
    return fail("invalid-signature", `the signature does not verify with the key of ${log.description}`);
  if (sct.timestamp.getTime() > time.getTime())
    return fail("future", `the timestamp ${sct.timestamp.toISOString()} is in the future`);
  if (log.interval && (leaf.notAfter < log.interval.start || leaf.notAfter >= log.interval.end))
    return fail(
      "outside-log-interval",
      `${log.description} takes certificates expiring from ${day(log.interval.start)} to before ${day(log.interval.end)}`,
    );
  return out;
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function signatureVerifies(log: CtLog, alg: number, data: Uint8Array, sig: Buffer): boolean {
  const type = log.key.asymmetricKeyType;
  if ((alg === 3 && type !== "ec") || (alg === 1 && type !== "rsa")) return false;
  try {
    return alg === 3
      ? cryptoVerify("sha256", data, log.key, sig)
      : cryptoVerify("sha256", data, { key: log.key, padding: constants.RSA_PKCS1_PADDING }, sig);
  } catch {
    return false;
  }
}

export interface CtPolicyResult {
  policy: "chrome" | "apple";
  /** Valid SCTs required: embedded ones by lifetime, or 2 delivered by TLS or OCSP. */
  required: number;
  /** Valid SCTs counted (from usable, qualified or read-only logs). */
  counted: number;
  operators: number;
  met: boolean;
  /** Why not, when not met. */
  why?: string;
}

/** States of a log whose SCTs count (Chrome: once or currently qualified; retired logs only before retirement). */
const COUNTED_STATES = new Set(["usable", "qualified", "readonly"]);

/**
 * Chrome's and Apple's counts: met with enough valid embedded SCTs for the lifetime, or 2 valid SCTs
 * delivered in TLS or OCSP; either way from at least 2 log operators.
 */
export function ctPolicies(leaf: Certificate, checks: readonly SctCheck[]): CtPolicyResult[] {
  const lifetimeDays = (leaf.notAfter.getTime() - leaf.notBefore.getTime()) / DAY;
  const counts = (c: SctCheck) =>
    c.status === "valid" && c.log !== undefined && COUNTED_STATES.has(c.log.state);
  const embedded = checks.filter((c) => c.source === "certificate" && counts(c));
  const delivered = checks.filter((c) => c.source !== "certificate" && counts(c));
  const operators = (list: SctCheck[]) => new Set(list.map((c) => c.log?.operator)).size;
  const embeddedNeeded = lifetimeDays <= 180 ? 2 : 3;
  return (["chrome", "apple"] as const).map((policy) => {
    const byEmbedded = embedded.length >= embeddedNeeded && operators(embedded) >= 2;
    const byDelivered = delivered.length >= 2 && operators(delivered) >= 2;
    const useDelivered = !byEmbedded && delivered.length > embedded.length;
    const list = useDelivered ? delivered : embedded;
    const required = useDelivered ? 2 : embeddedNeeded;
    const met = byEmbedded || byDelivered;
    const out: CtPolicyResult = { policy, required, counted: list.length, operators: operators(list), met };
    if (!met)
      out.why =
        list.length < required
          ? `${list.length} valid SCT${list.length === 1 ? "" : "s"}, ${required} needed for ${useDelivered ? "SCTs delivered in TLS or OCSP" : `a ${Math.round(lifetimeDays)}-day certificate`}`
          : "the SCTs come from a single log operator; 2 are needed";
    return out;
  });
}
