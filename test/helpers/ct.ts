/**
 * Certificate Transparency for tests: logs whose keys are made at run time, a log list naming them, and
 * leaves with SCTs embedded, each signed over the precertificate as a log would (RFC 6962).
 */

import { createHash, type KeyObject, sign } from "node:crypto";
import { type CtLogList, parseCtLogList } from "../../src/trust/ct-logs.js";
import {
  type BuiltCertificate,
  buildCertificate,
  type CertificateSpec,
  generateKeyPair,
  type KeyPair,
  randomSerial,
  type SctInput,
} from "../../src/x509/builder.js";
import type { Certificate } from "../../src/x509/certificate.js";
import { sctSignedData } from "../../src/x509/sct.js";

const DAY = 86_400_000;

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

export function logList(logs: TestLog[], interval?: { start: Date; end: Date }): CtLogList {
  const ops = [...new Set(logs.map((l) => l.operator))];
  return parseCtLogList({
    source: "test",
    version: "test-1",
    log_list_timestamp: new Date().toISOString(),
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

/** A leaf of `issuer` with SCTs from `logs` embedded (a signature altered when `tamper`), issued yesterday. */
export function leafWithEmbeddedScts(
  issuer: { cert: Certificate; key: KeyObject },
  logs: TestLog[],
  lifetimeDays: number,
  tamper = false,
  extra: Partial<CertificateSpec> = {},
): BuiltCertificate {
  const ago = (d: number) => new Date(Date.now() - d * DAY);
  const spec: CertificateSpec = {
    subject: "CN=ct.test",
    issuer,
    publicKey: generateKeyPair("ec-p256"),
    serial: randomSerial(),
    notBefore: ago(1),
    notAfter: new Date(ago(1).getTime() + lifetimeDays * DAY),
    san: [{ dns: "ct.test" }],
    eku: ["serverAuth"],
    ...extra,
  };
  const pre = buildCertificate(spec).cert;
  const timestamp = ago(1).getTime();
  const sctList: SctInput[] = logs.map((l) => {
    const data = sctSignedData(
      { version: 0, timestamp: new Date(timestamp), timestampMs: timestamp, extensions: "" },
      { type: "precert", cert: pre, issuer: issuer.cert },
    );
    const signature = new Uint8Array(sign("sha256", data, l.key.privateKey));
    if (tamper) signature[signature.length - 1] ^= 1;
    return { logId: new Uint8Array(l.id), timestamp, signature };
  });
  return buildCertificate({ ...spec, sctList });
}
