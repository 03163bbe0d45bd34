/**
 * The trust-store use cases, shared by `chainproof roots …`, the web app's store pages and library users:
 * resolve a store spec, list a store's roots as /cacerts.jsp shows them, show one root, diff two stores,
 * import a saved list or bundle as a PEM bundle, export a store as PEM or JKS, and the dossier for asking
 * Salesforce (or any client's operator) to add a root.
 *
 * Store specs: mozilla, fpki, mozilla+fpki, node (bundled), system, jdk (the usual locations of this machine),
 * `salesforce:FILE` (an org's saved /cacerts.jsp page or a list of names/fingerprints), `file:PATH` or a
 * bare path (a PEM/DER/PKCS#7 bundle, a folder of them, a JKS/JCEKS keystore or a PKCS#12 file).
 * Each use case returns the document `--json` prints; bad input throws InputError with the CLI's message.
 */

import { readdirSync, statSync, writeFileSync } from "node:fs";
import { pickRequestCertificate, type RootDossier, rootDossier } from "../clients/index.js";
import { fsReason, readInput } from "../runtime/read-input.js";
import { defaultDistrustRules } from "../trust/distrust.js";
import { fpkiStore, mozillaFpkiStore } from "../trust/fpki.js";
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
  JDK_DEFAULT_STOREPASS,
  normalizeFingerprint,
  type StoreFile,
  storeFromBytes,
  storeFromFiles,
  type TrustAnchor,
  type TrustStore,
} from "../trust/store.js";
import type { Certificate } from "../x509/certificate.js";
import { InputError } from "../x509/errors.js";
import { NeedPasswordError, type ReadResult, readCertificates } from "../x509/input.js";
import { type CertificateJson, decodeDocument } from "../x509/json.js";
import { toPem } from "../x509/pem.js";
import { type JksWriteEntry, writeJks } from "../x509/write/jks.js";

export type { RootDossier, TrustAnchor, TrustStore };

export const STORE_NAMES = "mozilla, fpki, mozilla+fpki, node, system, jdk, salesforce:FILE, or a path";

/** A store spec string (see the module comment) or a store already resolved. */
export type StoreSpec = string | TrustStore;

/** A file input: a path ("-" for stdin), or its bytes. */
export type FileInput = string | Uint8Array;

export interface StoreSpecOptions {
  /** A keystore / PKCS#12 store's password (jdk: "changeit" by default). */
  password?: string;
  /** When (the FPKI store's validity filter); default now. */
  time?: Date;
  /** Told what a Salesforce list matched and did not, one line each (nothing by default). */
  report?: (line: string) => void;
}

// ---------------------------------------------------------------------------------------------------------
// Store resolution

function pathKind(path: string): "file" | "dir" | undefined {
  try {
    const st = statSync(path);
    return st.isDirectory() ? "dir" : st.isFile() ? "file" : undefined;
  } catch {
    return undefined;
  }
}

function folderFiles(dir: string): StoreFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new InputError(`${dir}: ${fsReason(e)}`, "cannot-read");
  }
  const files: StoreFile[] = [];
  for (const n of names) {
    const p = `${dir.replace(/\/$/, "")}/${n}`;
    if (pathKind(p) !== "file") continue;
    files.push({ bytes: readInput(p), source: p });
  }
  return files;
}

const machine = () => ({ env: process.env, platform: process.platform });

/** This machine's system CA bundle (OpenSSL, curl), or InputError "no-store". */
export function systemStore(): TrustStore {
  for (const f of systemBundleCandidates(machine())) {
    if (pathKind(f) === "file") return storeFromBytes("system", readInput(f), { source: f });
  }
  for (const d of systemDirectoryCandidates(machine())) {
    if (pathKind(d) === "dir") return storeFromFiles("system", folderFiles(d), { source: d });
  }
  throw new InputError(
    `no system CA bundle found (tried ${systemBundleCandidates(machine()).join(", ")}); set SSL_CERT_FILE or give a path`,
    "no-store",
  );
}

/** This machine's JDK cacerts, or InputError "no-store". */
export function jdkStore(password?: string): TrustStore {
  const tried = jdkCacertsCandidates(machine());
  for (const f of tried) {
    if (pathKind(f) === "file") return storeFromBytes("jdk", readInput(f), { source: f, password });
  }
  throw new InputError(
    `no JDK cacerts found (tried ${tried.join(", ")}); set JAVA_HOME or give the path`,
    "no-store",
  );
}

/** Whether this machine has a system bundle and a JDK cacerts where the resolvers look. */
export function machineStores(): { system: boolean; jdk: boolean } {
  return {
    system:
      systemBundleCandidates(machine()).some((f) => pathKind(f) === "file") ||
      systemDirectoryCandidates(machine()).some((d) => pathKind(d) === "dir"),
    jdk: jdkCacertsCandidates(machine()).some((f) => pathKind(f) === "file"),
  };
}

/**
 * An org's parsed /cacerts.jsp page or list of names/fingerprints as a store (id "salesforce").
 * InputError "no-certificates" when no line matched a known root.
 */
export function salesforceStore(list: SalesforceRootList): TrustStore {
  if (list.store.anchors.length === 0)
    throw new InputError(`${list.store.source}: no root of the list could be matched`, "no-certificates");
  return { ...list.store, id: "salesforce" };
}

/**
 * The lines a user is told about a Salesforce list: its summary, the listed roots Mozilla has removed (and
 * when), then what did not match.
 */
export function listReportLines(list: SalesforceRootList, source: string): string[] {
  return [
    list.summary,
    ...list.matched
      .filter((m) => m.removedFromMozilla && !m.duplicate)
      .map((m) => `${source}:${m.line}: ${m.name}: ${m.note}; Salesforce still lists it`),
    ...list.unmatched.map((u) => `${source}:${u.line}: not matched: ${u.text} (${u.reason})`),
    ...list.ambiguous.map(
      (a) => `${source}:${a.line}: ambiguous: ${a.text} (${a.candidates.map((c) => c.name).join(" | ")})`,
    ),
  ];
}

/** A store by spec (see the module comment). Throws InputError for what cannot be read. */
export function resolveStore(spec: StoreSpec, opts: StoreSpecOptions = {}): TrustStore {
  if (typeof spec !== "string") return spec;
  switch (spec) {
    case "mozilla":
      return mozillaStore();
    case "fpki":
      return fpkiStore(opts.time);
    case "mozilla+fpki":
      return mozillaFpkiStore(opts.time);
    case "node":
      return nodeStore();
    case "system":
      return systemStore();
    case "jdk":
      return jdkStore(opts.password);
  }
  if (spec.startsWith("salesforce:")) {
    const file = spec.slice("salesforce:".length);
    if (!file) throw new InputError("salesforce: needs a file: --store salesforce:cacerts.html", "usage");
    const list = parseSalesforceRootList(Buffer.from(readInput(file)).toString("utf8"), { source: file });
    for (const line of listReportLines(list, file)) opts.report?.(line);
    return salesforceStore(list);
  }
  const path = spec.startsWith("file:") ? spec.slice("file:".length) : spec;
  const kind = pathKind(path);
  if (kind === "dir") return storeFromFiles("custom", folderFiles(path), { source: path, name: path });
  if (kind === "file") {
    try {
      return storeFromBytes("custom", readInput(path), { source: path, name: path, password: opts.password });
    } catch (e) {
      // The chain's password options do not open a store: say it is the store that needs one.
      if (e instanceof NeedPasswordError) {
        throw new InputError(`${path}: this trust store is password-protected`, "store-needs-password");
      }
      throw e;
    }
  }
  throw new InputError(`unknown store "${spec}": use ${STORE_NAMES}`, "bad-store");
}

// ---------------------------------------------------------------------------------------------------------
// The /cacerts.jsp facts about a root

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

/** The partial-distrust rules (Chrome, Firefox, …) that name this root. */
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

export interface StoreSummary {
  id: string;
  name: string;
  source: string;
  date?: string;
  roots: number;
  notes: string[];
}

export function storeSummary(s: TrustStore): StoreSummary {
  return {
    id: s.id,
    name: s.name,
    source: s.source,
    ...(s.date ? { date: s.date } : {}),
    roots: s.anchors.length,
    notes: s.notes,
  };
}

// ---------------------------------------------------------------------------------------------------------
// list, show, diff

export interface StoreUseOptions extends StoreSpecOptions {
  /** The store (default "mozilla"). */
  store?: StoreSpec;
}

/** `roots list --json`. */
export interface RootsDocument {
  schema: "chainproof/roots";
  version: 1;
  store: StoreSummary;
  roots: RootRow[];
}

/** A store's roots as /cacerts.jsp shows them: alias, subject, expiry, SHA-256, distrust marks. */
export function listRoots(opts: StoreUseOptions = {}): RootsDocument {
  const store = resolveStore(opts.store ?? "mozilla", opts);
  const now = opts.time ?? new Date();
  return {
    schema: "chainproof/roots",
    version: 1,
    store: storeSummary(store),
    roots: store.anchors.map((a) => rootRow(a, now)),
  };
}

/** `roots show --json`. */
export interface RootDocument {
  schema: "chainproof/root";
  version: 1;
  store: StoreSummary;
  alias: string;
  name: string;
  trustSource: string;
  distrustAfter?: string;
  distrust: DistrustMark[];
  certificate: CertificateJson;
}

/** One root of a store by alias, name or SHA-256 (a unique prefix of 8+ hex digits), decoded. */
export function showRoot(id: string, opts: StoreUseOptions = {}): RootDocument {
  const store = resolveStore(opts.store ?? "mozilla", opts);
  const a = findRoot(store, id);
  return {
    schema: "chainproof/root",
    version: 1,
    store: storeSummary(store),
    alias: aliasOf(a),
    name: a.name,
    trustSource: a.trustSource,
    ...(a.distrustAfter ? { distrustAfter: iso(a.distrustAfter) } : {}),
    distrust: distrustMarks(a.cert),
    certificate: decodeDocument([{ cert: a.cert }]).certificates[0],
  };
}

/** A root by alias, name or SHA-256 prefix; InputError "ambiguous" or "not-found". */
export function findRoot(store: TrustStore, id: string): TrustAnchor {
  const hex = normalizeFingerprint(id);
  if (/^[0-9A-F]{8,64}$/.test(hex)) {
    const hits = store.anchors.filter((a) => a.cert.sha256.toUpperCase().startsWith(hex));
    if (hits.length === 1) return hits[0];
    if (hits.length > 1)
      throw new InputError(`"${id}" matches ${hits.length} roots; give more of the SHA-256`, "ambiguous");
  }
  const want = id.toLowerCase();
  const hits = store.anchors.filter(
    (a) =>
      aliasOf(a).toLowerCase() === want || a.alias?.toLowerCase() === want || a.name.toLowerCase() === want,
  );
  if (hits.length === 1) return hits[0];
  if (hits.length > 1)
    throw new InputError(`"${id}" names ${hits.length} roots; use the SHA-256`, "ambiguous");
  throw new InputError(`no root "${id}" in ${store.name} (give an alias, a name or a SHA-256)`, "not-found");
}

/** `roots diff --json`. */
export interface RootsDiffDocument {
  schema: "chainproof/roots-diff";
  version: 1;
  a: StoreSummary;
  b: StoreSummary;
  added: RootRow[];
  removed: RootRow[];
  common: number;
}

/** Roots added (only in b) and removed (only in a) between two stores, by SHA-256. */
export function diffStores(a: StoreSpec, b: StoreSpec, opts: StoreSpecOptions = {}): RootsDiffDocument {
  const A = resolveStore(a, opts);
  const B = resolveStore(b, opts);
  const inA = new Set(A.anchors.map((x) => x.cert.sha256));
  const inB = new Set(B.anchors.map((x) => x.cert.sha256));
  const now = opts.time ?? new Date();
  return {
    schema: "chainproof/roots-diff",
    version: 1,
    a: storeSummary(A),
    b: storeSummary(B),
    added: B.anchors.filter((x) => !inA.has(x.cert.sha256)).map((x) => rootRow(x, now)),
    removed: A.anchors.filter((x) => !inB.has(x.cert.sha256)).map((x) => rootRow(x, now)),
    common: A.anchors.filter((x) => inB.has(x.cert.sha256)).length,
  };
}

// ---------------------------------------------------------------------------------------------------------
// import / export

function bytesOf(input: FileInput): Uint8Array {
  return typeof input === "string" ? readInput(input) : input;
}

function pemBundle(anchors: readonly { cert: Certificate; name: string }[]): string {
  const colon = (hex: string) => (hex.toUpperCase().match(/../g) ?? []).join(":");
  return anchors
    .map(
      (a) => `# ${a.name.replace(/[\r\n]/g, " ")}\n# SHA-256: ${colon(a.cert.sha256)}\n${toPem(a.cert.der)}`,
    )
    .join("\n");
}

function writeOut(path: string, bytes: Uint8Array | string): void {
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new InputError(`${path}: ${fsReason(e)}`, "cannot-write");
  }
}

/** The list part of `roots import --json` (a saved page or a list of names, not a certificate file). */
export interface ImportListReport {
  kind: "list";
  layout: SalesforceRootList["layout"];
  summary: string;
  matched: { line: number; by: string; name: string; sha256: string; note?: string }[];
  unmatched: SalesforceRootList["unmatched"];
  ambiguous: { line: number; text: string; candidates: string[] }[];
}

/** `roots import --json`. */
export type RootsImportDocument = {
  schema: "chainproof/roots-import";
  version: 1;
  out: string;
  written: number;
} & ({ kind: "certificates"; container: ReadResult["container"]; certificates: number } | ImportListReport);

export interface ImportRootsOptions {
  /** The page, list or bundle: a path, or its bytes. */
  input: FileInput;
  /** Its name for messages (default: the path, or "input"). */
  source?: string;
  /** The password of a keystore or PKCS#12 input. */
  password?: string;
  /** The PEM bundle to write. */
  out: string;
  /** Told what a list matched and did not, one line each, before anything is written. */
  report?: (line: string) => void;
}

/** Read a certificate file, a saved /cacerts.jsp page or a list of names/fingerprints; write a PEM bundle. */
export function importRoots(opts: ImportRootsOptions): RootsImportDocument {
  const source = opts.source ?? (typeof opts.input === "string" ? opts.input : "input");
  const bytes = bytesOf(opts.input);
  let anchors: { cert: Certificate; name: string }[];
  let report:
    | { kind: "certificates"; container: ReadResult["container"]; certificates: number }
    | ImportListReport;
  try {
    const read = readCertificates(bytes, { source, password: opts.password });
    const seen = new Set<string>();
    anchors = [];
    for (const l of read.certificates) {
      if (seen.has(l.cert.sha256)) continue;
      seen.add(l.cert.sha256);
      anchors.push({ cert: l.cert, name: l.origin.alias ?? l.cert.label });
    }
    report = { kind: "certificates", container: read.container, certificates: anchors.length };
  } catch (e) {
    if (
      !(e instanceof InputError) ||
      !["no-certificates", "unrecognised-format", "bad-der", "bad-pem"].includes(e.code)
    )
      throw e;
    // Not a certificate file: a saved /cacerts.jsp page or a list of names, aliases or fingerprints.
    const list = parseSalesforceRootList(Buffer.from(bytes).toString("utf8"), { source });
    for (const line of listReportLines(list, source)) opts.report?.(line);
    anchors = list.store.anchors.map((a) => ({ cert: a.cert, name: a.name }));
    report = {
      kind: "list",
      layout: list.layout,
      summary: list.summary,
      matched: list.matched.map((m) => ({
        line: m.line,
        by: m.by,
        name: m.name,
        sha256: m.cert.sha256.toUpperCase(),
        ...(m.note ? { note: m.note } : {}),
      })),
      unmatched: list.unmatched,
      ambiguous: list.ambiguous.map((x) => ({
        line: x.line,
        text: x.text,
        candidates: x.candidates.map((c) => c.name),
      })),
    };
  }
  if (anchors.length === 0) throw new InputError(`${source}: no certificates to write`, "no-certificates");
  writeOut(opts.out, pemBundle(anchors));
  return { schema: "chainproof/roots-import", version: 1, out: opts.out, written: anchors.length, ...report };
}

export interface ExportStoreOptions extends StoreUseOptions {
  /** "pem" (default) or "jks" (trusted-certificate entries under JDK aliases). */
  format?: string;
  /** The JKS file's password (default "changeit", the JDK's). */
  jksPassword?: string;
  out: string;
}

export interface ExportStoreResult {
  store: StoreSummary;
  format: "pem" | "jks";
  out: string;
  written: number;
}

/** Write a store's roots as a PEM bundle or a JKS truststore. */
export function exportStore(opts: ExportStoreOptions): ExportStoreResult {
  const format = (opts.format ?? "pem").toLowerCase();
  if (format !== "pem" && format !== "jks")
    throw new InputError(`unknown format "${opts.format}": use pem or jks`, "usage");
  const store = resolveStore(opts.store ?? "mozilla", opts);
  let bytes: Uint8Array | string;
  if (format === "jks") {
    // Trusted-certificate entries under JDK-style aliases, as `keytool -importcert` would make them; an alias
    // that repeats gets a numeric suffix, since JKS aliases are unique.
    const seen = new Set<string>();
    const entries: JksWriteEntry[] = store.anchors.map((a) => {
      const base = aliasOf(a).toLowerCase();
      let alias = base;
      for (let n = 2; seen.has(alias); n++) alias = `${base}-${n}`;
      seen.add(alias);
      return { kind: "trusted", alias, certificate: a.cert.der };
    });
    bytes = writeJks(entries, opts.jksPassword ?? JDK_DEFAULT_STOREPASS);
  } else {
    bytes = pemBundle(store.anchors.map((a) => ({ cert: a.cert, name: aliasOf(a) })));
  }
  writeOut(opts.out, bytes);
  return { store: storeSummary(store), format, out: opts.out, written: store.anchors.length };
}

// ---------------------------------------------------------------------------------------------------------
// The root-request dossier

/** `roots request --json`. */
export type RootRequestDocument = {
  schema: "chainproof/root-request";
  version: 1;
  notes: string[];
} & RootDossier;

export interface RootRequestOptions extends StoreSpecOptions {
  /** The root, or a chain whose self-signed root is used: a path, its bytes, or certificates. */
  cert: FileInput | readonly Certificate[];
  source?: string;
  /** The certificate file's password (PKCS#12, JKS). */
  certPassword?: string;
  /** One more store to say whether it has the root (e.g. the org's list). */
  store?: StoreSpec;
  /** Said when this machine has no JDK cacerts to compare with. */
  noJdkNote?: string;
}

/** The dossier for asking Salesforce support to add a root: where it is trusted, its facts, an assessment. */
export function rootRequest(opts: RootRequestOptions): RootRequestDocument {
  const source = opts.source ?? (typeof opts.cert === "string" ? opts.cert : "cert");
  const certs = Array.isArray(opts.cert)
    ? (opts.cert as readonly Certificate[])
    : readCertificates(bytesOf(opts.cert as FileInput), {
        source,
        password: opts.certPassword,
      }).certificates.map((c) => c.cert);
  const { cert, note } = pickRequestCertificate([...certs]);
  const notes: string[] = note ? [note] : [];
  const extra: TrustStore[] = [];
  // The local JDK's cacerts, when there is one; the org's list or another store when given.
  try {
    extra.push(jdkStore());
  } catch {
    notes.push(opts.noJdkNote ?? "no JDK cacerts found on this machine (set JAVA_HOME to compare with one)");
  }
  if (opts.store) extra.push(resolveStore(opts.store, opts));
  return {
    schema: "chainproof/root-request",
    version: 1,
    notes,
    ...rootDossier(cert, { stores: extra, time: opts.time }),
  };
}
