/** The client profiles chainproof models, by id, and their default trust stores. */

import { mozillaStore } from "../trust/mozilla.js";
import { nodeStore } from "../trust/node.js";
import type { TrustStore } from "../trust/store.js";
import { InputError } from "../x509/errors.js";
import { chrome } from "./chrome.js";
import type { ReportFinding } from "./finding.js";
import { firefox } from "./firefox.js";
import { go } from "./go.js";
import { java } from "./java.js";
import { node } from "./node.js";
import { curl, openssl } from "./openssl.js";
import { CLIENT_IDS, type ClientId, type ClientProfile } from "./profile.js";
import { salesforce } from "./salesforce.js";

export const CLIENTS: Readonly<Record<ClientId, ClientProfile>> = Object.freeze({
  salesforce,
  java,
  openssl,
  curl,
  go,
  node,
  chrome,
  firefox,
});

export const DEFAULT_CLIENT: ClientId = "salesforce";

export function isClientId(s: string): s is ClientId {
  return (CLIENT_IDS as readonly string[]).includes(s);
}

/** "salesforce", "java,chrome" or "all" → client ids (InputError on an unknown name). */
export function resolveClients(spec: string | undefined): ClientId[] {
  if (spec === undefined || spec.trim() === "") return [DEFAULT_CLIENT];
  const out: ClientId[] = [];
  for (const part of spec.split(",").map((s) => s.trim().toLowerCase())) {
    if (part === "all") out.push(...CLIENT_IDS);
    else if (isClientId(part)) out.push(part);
    else {
      throw new InputError(
        `unknown client "${part}"; choose from ${CLIENT_IDS.join(", ")} or all`,
        "bad-client",
      );
    }
  }
  return [...new Set(out)];
}

let mozilla: TrustStore | undefined;
let nodeBundled: TrustStore | undefined;

/** The store a client uses when the caller gives none: Mozilla's TLS roots, or Node's own bundle for Node. */
export function defaultStoreFor(id: ClientId): TrustStore {
  if (CLIENTS[id].store.fallback === "node") {
    nodeBundled ??= nodeStore();
    return nodeBundled;
  }
  mozilla ??= mozillaStore();
  return mozilla;
}

const TLS_ORDER = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

/**
 * The TLS-level check for the live `check` command: does `client` negotiate `version` ("TLSv1.2", as
 * Node's getProtocol() names it)? Returns the finding to report when it does not.
 */
export function checkTlsVersion(id: ClientId, version: string): ReportFinding | undefined {
  const min = CLIENTS[id].minTls;
  if (!min) return undefined;
  const have = TLS_ORDER.indexOf(version);
  const need = TLS_ORDER.indexOf(min.version);
  if (have < 0 || have >= need) return undefined;
  return {
    code: "tls-version-too-old",
    severity: "error",
    message: `The server negotiated ${version}; ${CLIENTS[id].name} requires ${min.version} or later.`,
    fix: `Enable ${min.version} (and TLS 1.3) on the server.`,
    data: { version, minimum: min.version, source: min.source },
  };
}
