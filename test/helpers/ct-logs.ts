/**
 * Certificate Transparency test logs: keys made at run time, a log list naming them (injected where the
 * bundled data/ct-logs.json would be used), and SCTs signed by them as a real log signs: over the
 * precertificate entry for SCTs embedded in a certificate, over the X.509 entry for those delivered in TLS or
 * a stapled OCSP response.
 */

import { createHash, sign } from "node:crypto";
import { type CtLogList, parseCtLogList } from "../../src/trust/ct-logs.js";
import {
  type BuiltCertificate,
  buildCertificate,
  type CertificateSpec,
  generateKeyPair,
  type KeyPair,
  type SctInput,
  sctListValue,
} from "../../src/x509/builder.js";
import type { Certificate } from "../../src/x509/certificate.js";
import { readTlv } from "../../src/x509/der.js";
import { sctSignedData } from "../../src/x509/sct.js";

export interface TestLog {
  key: KeyPair;
  id: Buffer;
  operator: string;
  name: string;
}

export function testLog(name: string, operator: string): TestLog {
  const key = generateKeyPair("ec-p256");
  return { key, id: createHash("sha256").update(key.spki).digest(), operator, name };
}

/** A v3 log list of `logs`, all usable; sharded by notAfter when `interval` is given. */
export function logList(
  logs: TestLog[],
  interval?: { start: Date; end: Date },
  timestamp = new Date(),
): CtLogList {
  const ops = [...new Set(logs.map((l) => l.operator))];
  return parseCtLogList({
    source: "test",
    version: "test-1",
    log_list_timestamp: timestamp.toISOString(),
    operators: ops.map((name) => ({
      name,
      logs: logs
        .filter((l) => l.operator === name)
        .map((l) => ({
          description: l.name,
          log_id: l.id.toString("base64"),
          key: Buffer.from(l.key.spki).toString("base64"),
          url: `https://${l.name}.example/`,
          state: { usable: { timestamp: "2024-01-01T00:00:00Z" } },
          ...(interval
            ? {
                temporal_interval: {
                  start_inclusive: interval.start.toISOString(),
                  end_exclusive: interval.end.toISOString(),
                },
              }
            : {}),
        })),
    })),
  });
}

/**
 * The certificate of `spec` with SCTs from `logs` embedded, each signed at `at` over the precertificate (the
 * certificate without the SCT list, and the issuer's key) as a log would; `tamper` spoils each signature.
 */
export function withEmbeddedScts(
  spec: CertificateSpec,
  issuerCert: Certificate,
  logs: TestLog[],
  at: Date,
  tamper = false,
): BuiltCertificate {
  const pre = buildCertificate(spec).cert;
  const timestamp = at.getTime();
  const sctList: SctInput[] = logs.map((l) => {
    const data = sctSignedData(
      { version: 0, timestamp: new Date(timestamp), timestampMs: timestamp, extensions: "" },
      { type: "precert", cert: pre, issuer: issuerCert },
    );
    const signature = new Uint8Array(sign("sha256", data, l.key.privateKey));
    if (tamper) signature[signature.length - 1] ^= 1;
    return { logId: new Uint8Array(l.id), timestamp, signature };
  });
  return buildCertificate({ ...spec, sctList });
}

/**
 * A TLS-encoded SignedCertificateTimestampList (without the OCTET STRING the X.509 extension wraps it in) of
 * SCTs over the X.509 entry of `cert`, signed at `at`, as logs sign those delivered in TLS or OCSP.
 */
export function x509SctList(cert: Certificate, logs: TestLog[], at: Date): Uint8Array {
  const ts = at.getTime();
  const items = logs.map((l) => {
    const data = sctSignedData(
      { version: 0, timestamp: new Date(ts), timestampMs: ts, extensions: "" },
      { type: "x509", cert },
    );
    return {
      logId: new Uint8Array(l.id),
      timestamp: ts,
      signature: new Uint8Array(sign("sha256", data, l.key.privateKey)),
    };
  });
  const octet = sctListValue(items);
  return octet.subarray(readTlv(octet, 0, octet.length).valueStart);
}
