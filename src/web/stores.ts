/**
 * Trust stores as the web API names them: the bundled ones (mozilla, fpki, node), the machine's own
 * (system, jdk: read from the usual locations of the machine the server runs on), an uploaded bundle or
 * keystore, and an org's saved /cacerts.jsp list. Plus the facts the /cacerts.jsp view shows per root
 * (alias, expiry, SHA-256, partial-distrust marks).
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { defaultDistrustRules } from "../trust/distrust.js";
import { fpkiStore } from "../trust/fpki.js";
import { JDK_CACERTS_ALIASES } from "../trust/jdk-aliases.js";
import {
  jdkCacertsCandidates,
  systemBundleCandidates,
  systemDirectoryCandidates,
} from "../trust/locations.js";
import { mozillaStore } from "../trust/mozilla.js";
import { nodeStore } from "../trust/node.js";
import { parseSalesforceRootList, type SalesforceRootList } from "../trust/salesforce-list.js";
import {
  type StoreFile,
  storeFromBytes,
  storeFromFiles,
  type TrustAnchor,
  type TrustStore,
} from "../trust/store.js";
import type { Certificate } from "../x509/certificate.js";
import {
  ApiError,
  type FilePayload,
  fileBytes,
  filePayloadSchema,
  openedContainer,
  sourceName,
} from "./inputs.js";

export const BUILTIN_STORES = ["mozilla", "fpki", "node", "system", "jdk"] as const;
export type BuiltinStoreId = (typeof BUILTIN_STORES)[number];

export const STORE_TITLES: Record<BuiltinStoreId, string> = {
  mozilla: "Mozilla NSS (TLS roots, bundled)",
  fpki: "U.S. Federal PKI (bundled)",
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

const envInfo = () => ({ env: process.env, platform: process.platform });

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const cache = new Map<string, { store: TrustStore; at: number }>();
const CACHE_MS = 60_000;

/** A built-in store; system and jdk are read from disk (cached for a minute). Throws ApiError 404 when absent. */
export function builtinStore(id: BuiltinStoreId, time?: Date): TrustStore {
  switch (id) {
    case "mozilla":
      return mozillaStore();
    case "fpki":
      return fpkiStore(time);
    case "node":
      return nodeStore();
  }
  const hit = cache.get(id);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.store;
  const store = id === "system" ? systemStore() : jdkStore();
  cache.set(id, { store, at: Date.now() });
  return store;
}

function systemStore(): TrustStore {
  for (const f of systemBundleCandidates(envInfo())) {
    if (isFile(f)) return storeFromBytes("system", readFileSync(f), { source: f });
  }
  for (const d of systemDirectoryCandidates(envInfo())) {
    if (!isDir(d)) continue;
    const files: StoreFile[] = [];
    for (const n of readdirSync(d).sort()) {
      const p = `${d.replace(/\/$/, "")}/${n}`;
      if (isFile(p)) files.push({ bytes: readFileSync(p), source: p });
    }
    return storeFromFiles("system", files, { source: d });
  }
  throw new ApiError(404, "no-store", "no system CA bundle found on the machine the server runs on");
}

function jdkStore(): TrustStore {
  const tried = jdkCacertsCandidates(envInfo());
  for (const f of tried) if (isFile(f)) return storeFromBytes("jdk", readFileSync(f), { source: f });
  throw new ApiError(
    404,
    "no-store",
    `no JDK cacerts found on the machine the server runs on (tried ${tried.join(", ")})`,
  );
}

/** Which built-in stores this server can offer (system and jdk depend on the machine). */
export function availableStores(): { id: BuiltinStoreId; name: string; available: boolean }[] {
  return BUILTIN_STORES.map((id) => {
    let available = true;
    if (id === "system")
      available =
        systemBundleCandidates(envInfo()).some(isFile) || systemDirectoryCandidates(envInfo()).some(isDir);
    if (id === "jdk") available = jdkCacertsCandidates(envInfo()).some(isFile);
    return { id, name: STORE_TITLES[id], available };
  });
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
      throw new ApiError(
        400,
        "no-certificates",
        `${list.store.source}: no root of the list could be matched (${list.summary})`,
      );
    }
    return { store: { ...list.store, id: "salesforce" }, list };
  }
  return {};
}

// ---------------------------------------------------------------------------------------------------------
// The /cacerts.jsp view of a root

export function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The alias /cacerts.jsp and keytool show: the JDK's own alias when the JDK ships the root. */
export function aliasOf(a: TrustAnchor): string {
  const sha = a.cert.sha256.toUpperCase();
  return Object.entries(JDK_CACERTS_ALIASES).find(([, v]) => v === sha)?.[0] ?? a.alias ?? a.name;
}

export interface DistrustMark {
  clients: string[];
  rule: string;
  test: "notBefore-after" | "first-sct-after";
  cutoff: string;
}

export function distrustMarks(cert: Certificate): DistrustMark[] {
  const sha = cert.sha256.toUpperCase();
  return defaultDistrustRules()
    .filter((r) => r.roots.some((x) => x.toUpperCase() === sha))
    .map((r) => ({ clients: [...r.clients], rule: r.id, test: r.test.kind, cutoff: iso(r.test.date) }));
}

export interface RootRow {
  alias: string;
  name: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  sha256: string;
  selfSigned: boolean;
  expired: boolean;
  distrustAfter?: string;
  distrust: DistrustMark[];
}

export function rootRow(a: TrustAnchor, now: Date): RootRow {
  return {
    alias: aliasOf(a),
    name: a.name,
    subject: a.cert.subject.toString(),
    notBefore: iso(a.cert.notBefore),
    notAfter: iso(a.cert.notAfter),
    sha256: a.cert.sha256.toUpperCase(),
    selfSigned: a.cert.selfSigned,
    expired: a.cert.notAfter.getTime() < now.getTime(),
    ...(a.distrustAfter ? { distrustAfter: iso(a.distrustAfter) } : {}),
    distrust: distrustMarks(a.cert),
  };
}

export function storeSummary(s: TrustStore) {
  return {
    id: s.id,
    name: s.name,
    source: s.source,
    ...(s.date ? { date: s.date } : {}),
    roots: s.anchors.length,
    notes: s.notes,
  };
}
