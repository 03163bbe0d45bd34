/**
 * The Certificate Transparency logs chainproof knows: data/ct-logs.json, a trimmed copy of Chrome's log
 * list (source and licence in data/README.md). Read once, on first use.
 */

import { createPublicKey, type KeyObject } from "node:crypto";
import { readDataFile } from "./bundled.js";

export interface CtLog {
  description: string;
  operator: string;
  /** SHA-256 of the key, base64 (as SCTs name the log). */
  logId: string;
  key: KeyObject;
  url: string;
  /** usable, qualified, readonly, retired, rejected, pending. */
  state: string;
  stateSince: Date;
  /** A sharded log accepts only certificates whose notAfter falls in [start, end). */
  interval?: { start: Date; end: Date };
}

export interface CtLogList {
  /** Where the list came from, and its version and date. */
  source: string;
  version: string;
  timestamp: string;
  logs: CtLog[];
}

interface LogListJson {
  source: string;
  version: string;
  log_list_timestamp: string;
  operators: {
    name: string;
    logs: {
      description: string;
      log_id: string;
      key: string;
      url: string;
      state: Record<string, { timestamp: string }>;
      temporal_interval?: { start_inclusive: string; end_exclusive: string };
    }[];
  }[];
}

/** Read a v3-schema log list (Chrome's shape; only the fields above). Throws on a malformed one. */
export function parseCtLogList(json: unknown): CtLogList {
  const doc = json as LogListJson;
  if (!doc || !Array.isArray(doc.operators)) throw new Error("not a CT log list: no operators");
  const logs = doc.operators.flatMap((op) =>
    op.logs.map((l): CtLog => {
      const [state, at] = Object.entries(l.state ?? {})[0] ?? [
        "unknown",
        { timestamp: "1970-01-01T00:00:00Z" },
      ];
      const t = l.temporal_interval;
      return {
        description: l.description,
        operator: op.name,
        logId: l.log_id,
        key: createPublicKey({ key: Buffer.from(l.key, "base64"), format: "der", type: "spki" }),
        url: l.url,
        state,
        stateSince: new Date(at.timestamp),
        ...(t ? { interval: { start: new Date(t.start_inclusive), end: new Date(t.end_exclusive) } } : {}),
      };
    }),
  );
  return { source: doc.source ?? "", version: doc.version, timestamp: doc.log_list_timestamp, logs };
}

let bundled: CtLogList | undefined;

/** The bundled list (data/ct-logs.json). */
export function bundledCtLogs(): CtLogList {
  bundled ??= parseCtLogList(JSON.parse(readDataFile("ct-logs.json").toString("utf8")));
  return bundled;
}
