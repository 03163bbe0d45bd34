/**
 * Trust stores as the web API names them: the bundled ones (mozilla, fpki, mozilla+fpki, node), the machine's own
 * (system, jdk: read from the usual locations of the machine the server runs on), an uploaded bundle or
 * keystore, and an org's saved /cacerts.jsp list. Plus the facts the /cacerts.jsp view shows per root
 * (alias, expiry, SHA-256, partial-distrust marks).
 */

import { jdkStore, machineStores, resolveStore, salesforceStore, systemStore } from "../app/stores.js";
import { parseSalesforceRootList, type SalesforceRootList } from "../trust/salesforce-list.js";
import { storeFromBytes, type TrustStore } from "../trust/store.js";
import { InputError } from "../x509/errors.js";
import {
  ApiError,
  type FilePayload,
  fileBytes,
  filePayloadSchema,
  openedContainer,
  sourceName,
} from "./inputs.js";

export { iso, rootRow, storeSummary } from "../app/stores.js";

export const BUILTIN_STORES = ["mozilla", "fpki", "mozilla+fpki", "node", "system", "jdk"] as const;
export type BuiltinStoreId = (typeof BUILTIN_STORES)[number];

export const STORE_TITLES: Record<BuiltinStoreId, string> = {
  mozilla: "Mozilla NSS (TLS roots, bundled)",
  fpki: "U.S. Federal PKI (bundled)",
  "mozilla+fpki": "Mozilla NSS TLS roots + U.S. Federal PKI (Salesforce's baseline, bundled)",
  node: "Node.js built-in roots",
  system: "This machine's system bundle (OpenSSL, curl)",
  jdk: "This machine's JDK cacerts",
};

/** What a request may say about the trust store: a built-in store, an uploaded one, or an org's list. */
export interface StoreChoice {
  store?: BuiltinStoreId;
  roots?: FilePayload;
  salesforceList?: FilePayload;
}

export const storeChoiceProperties = {
  store: {
    type: "string",
    enum: [...BUILTIN_STORES],
    description: "A built-in store for every client (default: each client's own).",
  },
  roots: {
    ...filePayloadSchema,
    description: "A trust store file (PEM/DER/PKCS#7 bundle, JKS, PKCS#12) used for every client.",
  },
  salesforceList: {
    ...filePayloadSchema,
    description: "An org's /cacerts.jsp page (HTML or text) or a list of root names or fingerprints.",
  },
} as const;

const cache = new Map<string, { store: TrustStore; at: number }>();
const CACHE_MS = 60_000;

/** A built-in store; system and jdk are read from disk (cached for a minute). Throws ApiError 404 when absent. */
export function builtinStore(id: BuiltinStoreId, time?: Date): TrustStore {
  if (id !== "system" && id !== "jdk") return resolveStore(id, { time });
  const hit = cache.get(id);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.store;
  let store: TrustStore;
  try {
    store = id === "system" ? systemStore() : jdkStore();
  } catch (e) {
    // The CLI's advice (set SSL_CERT_FILE, JAVA_HOME) is about the server's machine, not the user's.
    if (!(e instanceof InputError) || e.code !== "no-store") throw e;
    const what = id === "system" ? "no system CA bundle" : "no JDK cacerts";
    const tried = id === "jdk" ? ` ${/\(tried [^)]*\)/.exec(e.message)?.[0] ?? ""}` : "";
    throw new ApiError(404, "no-store", `${what} found on the machine the server runs on${tried.trimEnd()}`);
  }
  cache.set(id, { store, at: Date.now() });
  return store;
}

/** Which built-in stores this server can offer (system and jdk depend on the machine). */
export function availableStores(): { id: BuiltinStoreId; name: string; available: boolean }[] {
  const here = machineStores();
  return BUILTIN_STORES.map((id) => ({
    id,
    name: STORE_TITLES[id],
    available: id === "system" ? here.system : id === "jdk" ? here.jdk : true,
  }));
}

export function uploadedStore(p: FilePayload): TrustStore {
  const name = sourceName(p, "uploaded store");
  return storeFromBytes("custom", fileBytes(p, "roots"), {
    source: name,
    name,
    ...(p.password !== undefined ? { password: p.password, opened: openedContainer(p) } : {}),
  });
}

export function salesforceList(p: FilePayload): SalesforceRootList {
  const name = sourceName(p, "cacerts.jsp");
  const text = Buffer.from(fileBytes(p, "salesforceList")).toString("utf8");
  return parseSalesforceRootList(text, { source: name });
}

/** The store a request chose, or undefined for each client's default. Also the list report, when a list. */
export function chosenStore(c: StoreChoice, time?: Date): { store?: TrustStore; list?: SalesforceRootList } {
  const given = [c.store, c.roots, c.salesforceList].filter((x) => x !== undefined).length;
  if (given > 1) throw new ApiError(400, "usage", "give one of store, roots or salesforceList");
  if (c.store) return { store: builtinStore(c.store, time) };
  if (c.roots) return { store: uploadedStore(c.roots) };
  if (c.salesforceList) {
    const list = salesforceList(c.salesforceList);
    if (list.store.anchors.length === 0) {
      // The page shows the summary: how many lines were read and why none matched.
      throw new ApiError(
        400,
        "no-certificates",
        `${list.store.source}: no root of the list could be matched (${list.summary})`,
      );
    }
    return { store: salesforceStore(list), list };
  }
  return {};
}
