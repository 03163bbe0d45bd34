/**
 * What the verifier remembers about one certificate across verifications, in one record per certificate.
 *
 * Each cache (self-issued test, peer-name matches, signature outcomes, per-certificate checks, path indexes)
 * used to keep its own WeakMap, so a certificate seen for the first time cost about five WeakMap entries,
 * a dozen a chain: WeakMap entries are dear to create and to collect (ephemerons), which showed as garbage
 * collection in the cold-validation profile. One entry a certificate, with fields, costs a fifth of that, and
 * since then the record hangs off the certificate itself (Certificate.verifyMemo), with no WeakMap at all.
 * The fields mean exactly what the modules that own them say; this record only holds them.
 */

import type { Certificate } from "../x509/certificate.js";
import type { PeerNameMatch } from "./hostname.js";
import type { SignatureOutcome } from "./signatures.js";

export class CertMemo {
  /** names.ts selfIssued. */
  selfIssued: boolean | undefined = undefined;
  /** hostname.ts matchPeerName, by question. */
  peerNameMatches: Map<string, PeerNameMatch> | undefined = undefined;
  /** signatures.ts checkSignature: outcomes of this certificate's signature, by issuer key. */
  signatures: Map<string, SignatureOutcome> | undefined = undefined;
  /** signatures.ts signatureKey: this certificate's key as a cache key. */
  signatureKey: string | undefined = undefined;
  /** checks.ts CertChecks: answers for this certificate. */
  checkAnswers: unknown[] | undefined = undefined;
  /** build.ts identity. */
  identity: number | undefined = undefined;
  /** build.ts Graph: issuer indexes built for this certificate as the leaf, by index key. */
  pathIndexes: Map<string, object> | undefined = undefined;
}

/** The record for `cert`, made on first use (kept on the certificate: Certificate.verifyMemo). */
export function memoOf(cert: Certificate): CertMemo {
  let m = cert.verifyMemo as CertMemo | undefined;
  if (m === undefined) {
    m = new CertMemo();
    cert.verifyMemo = m;
  }
  return m;
}
