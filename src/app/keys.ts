/**
 * The keystore use cases, shared by `chainproof keys …`, the web app's keystore page and library users:
 * list and show entries, create a self-signed certificate or a request (CSR), import the CA's answer,
 * import a JKS/PKCS#12 file, renew, export as JKS/PKCS#12/PEM, delete, and what a target server must trust.
 * The engine (Salesforce's rules, the SQLite store, encryption) is src/keystore; this module reads the
 * inputs, applies the rules that are the same for every face, and returns what `--json` prints.
 *
 * Each operation takes a Keystore handle the caller opened (openKeystore) and, for changes, unlocked: the
 * CLI opens one per command and asks for the passphrase; the web server keeps one unlocked. The SQLite
 * binding is loaded only when a keystore is opened: importing this module loads none of src/keystore.
 */

import type {
  CsrOutcome,
  ExportFormat,
  ExportOutcome,
  ImportSignedOutcome,
  InstallOutcome,
  Outcome,
  RenewOutcome,
} from "../keystore/operations.js";
import type { CreateKey } from "../keystore/rules.js";
import type { Entry, Keystore } from "../keystore/store.js";
import { readInput } from "../runtime/read-input.js";
import type { Certificate } from "../x509/certificate.js";
import { InputError } from "../x509/errors.js";
import { type OpenedContainer, readCertificates } from "../x509/input.js";
import { toPem } from "../x509/pem.js";
import type { FileInput } from "./stores.js";

export type { CreateKey, Entry, ExportFormat, Keystore, Outcome };

export const KEYS_SCHEMA = "chainproof/keys";
export const KEYS_SCHEMA_VERSION = 1;

const DAY = 86_400_000;

/** Open the keystore ($CHAINPROOF_HOME/keystore.db unless `path`); `write` creates it when missing. */
export async function openKeystore(opts: { path?: string; write: boolean }): Promise<Keystore> {
  const { Keystore } = await import("../keystore/store.js");
  return Keystore.open(opts);
}

/** Whether a passphrase is the keystore's (KeystoreError "wrong-passphrase" if not), key derivation off the event loop. */
export async function confirmPassphrase(path: string, passphrase: string): Promise<void> {
  const ks = await openKeystore({ path, write: false });
  try {
    await ks.unlockAsync(passphrase);
  } finally {
    ks.close();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Documents

function certJson(c: Certificate) {
  return {
    subject: c.subject.toString(),
    issuer: c.issuer.toString(),
    serialNumber: c.serialNumber,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    sha256: c.sha256,
    selfSigned: c.selfSigned,
  };
}

export function daysToExpiry(e: Entry, now: number): number | undefined {
  return e.notAfter ? Math.floor((e.notAfter.getTime() - now) / DAY) : undefined;
}

/** Fewer whole days left than this: the entry is "expiring" (time to renew). */
export const EXPIRING_DAYS = 30;

export type KeyStatus = "pending" | "expired" | "expiring" | "valid";

/** Where an entry stands: waiting for the CA (no certificate yet), expired, expiring soon, or valid. */
export function keyStatus(e: Entry, now: number): KeyStatus {
  const left = daysToExpiry(e, now);
  if (left === undefined) return "pending";
  return left < 0 ? "expired" : left < EXPIRING_DAYS ? "expiring" : "valid";
}

/** The request waiting for the CA's answer, as PEM: a renewal's, else a csr-pending entry's; null if none. */
function pendingCsrPem(e: Entry): string | null {
  const csr = e.pending?.csr ?? e.csr;
  return csr ? toPem(csr, "CERTIFICATE REQUEST") : null;
}

/** One entry as `keys show --json` (and create, import-signed, renew --json) print it. */
export function keyEntryJson(e: Entry, now = Date.now()) {
  return {
    name: e.name,
    label: e.label,
    kind: e.kind,
    key: { type: e.key.type, size: e.key.size },
    exportable: e.exportable,
    subject: e.subject,
    notBefore: e.notBefore?.toISOString() ?? null,
    notAfter: e.notAfter?.toISOString() ?? null,
    daysToExpiry: daysToExpiry(e, now) ?? null,
    status: keyStatus(e, now),
    sha256: e.chain[0]?.sha256 ?? null,
    spkiSha256: e.spkiSha256,
    sans: (e.chain[0]?.subjectAltName ?? []).map((n) => `${n.type}:${n.value}`),
    chain: e.chain.map(certJson),
    pendingRequest: e.kind === "csr-pending" || e.pending !== undefined,
    pendingNewKey: e.pending?.newKey ?? false,
    csrPem: pendingCsrPem(e),
    generation: e.generation,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

export type KeyEntryJson = ReturnType<typeof keyEntryJson>;

/** `keys list --json`. */
export interface KeysDocument {
  schema: typeof KEYS_SCHEMA;
  version: typeof KEYS_SCHEMA_VERSION;
  keystore: string;
  entries: KeyEntryJson[];
}

/** Every entry, soonest expiry first. */
export function listKeys(ks: Keystore, now = Date.now()): KeysDocument {
  return {
    schema: KEYS_SCHEMA,
    version: KEYS_SCHEMA_VERSION,
    keystore: ks.path,
    entries: ks.list().map((e) => keyEntryJson(e, now)),
  };
}

/** An entry's certificate chain as PEM, or its pending request when it has no certificate yet. */
export function keyPem(e: Entry): string {
  return e.chain.map((c) => toPem(c.der)).join("") || toPem(e.csr!, "CERTIFICATE REQUEST");
}

// ---------------------------------------------------------------------------------------------------------
// New keys

export interface NewKeyOptions {
  /** The entry's unique name (letters, digits, underscores). */
  name: string;
  cn: string;
  /** Subject alternative names: DNS:…, IP:…, email:…, URI:…; each may list several, comma- or space-separated. */
  san?: readonly string[];
  key?: CreateKey;
  label?: string;
  exportable?: boolean;
}

/** The engine's input for a new key: the name checked and the SANs parsed (InputError otherwise). */
async function newKeyInput(o: NewKeyOptions) {
  const { checkName, parseSan } = await import("../keystore/operations.js");
  checkName(o.name);
  const san = (o.san ?? [])
    .flatMap((s) => s.split(/[,\s]+/))
    .filter(Boolean)
    .map(parseSan);
  return {
    name: o.name,
    cn: o.cn,
    san,
    ...(o.key ? { key: o.key } : {}),
    ...(o.label ? { label: o.label } : {}),
    ...(o.exportable !== undefined ? { exportable: o.exportable } : {}),
  };
}

/** Check an entry name (letters, digits, underscores; InputError otherwise) before the keystore is opened. */
export async function checkKeyName(name: string): Promise<void> {
  const { checkName } = await import("../keystore/operations.js");
  checkName(name);
}

/** Check a new key's name and SANs before the keystore is opened or unlocked. */
export async function checkNewKey(o: NewKeyOptions): Promise<void> {
  await newKeyInput(o);
}

/** A key and a self-signed certificate (Salesforce's defaults: 1 year; 2 years for RSA 4096). */
export async function createSelfSignedKey(
  ks: Keystore,
  o: NewKeyOptions & { days?: number },
): Promise<Outcome> {
  const { createSelfSigned } = await import("../keystore/operations.js");
  return createSelfSigned(ks, { ...(await newKeyInput(o)), ...(o.days ? { days: o.days } : {}) });
}

/** A key and a certificate signing request (PKCS#10) for a CA, with the request as PEM. */
export async function createKeyRequest(
  ks: Keystore,
  o: NewKeyOptions,
): Promise<CsrOutcome & { csrPem: string }> {
  const { createCsr } = await import("../keystore/operations.js");
  const r = await createCsr(ks, await newKeyInput(o));
  return { ...r, csrPem: toPem(r.csr, "CERTIFICATE REQUEST") };
}

/** The certificates of a file (PEM, DER, PKCS#7), read before the keystore is opened. */
export function certificatesIn(input: FileInput, source?: string): Certificate[] {
  const name = source ?? (typeof input === "string" ? input : "input");
  const bytes = typeof input === "string" ? readInput(input) : input;
  return readCertificates(bytes, { source: name }).certificates.map((c) => c.cert);
}

/** Store the CA's answer to an entry's request: the key must match; the chain and lifetime are checked. */
export async function importSignedCertificate(
  ks: Keystore,
  name: string,
  certificates: readonly Certificate[],
  o: { force?: boolean } = {},
): Promise<ImportSignedOutcome> {
  const { importSigned } = await import("../keystore/operations.js");
  return importSigned(ks, name, [...certificates], { force: o.force ?? false });
}

export interface ImportKeysOptions {
  /** The JKS or PKCS#12 file: a path, or its bytes. */
  input: FileInput;
  source?: string;
  password: string;
  /** The file already opened in a worker (ReadOptions.opened), as the web server does. */
  opened?: OpenedContainer;
  name?: string;
  label?: string;
  exportable?: boolean;
}

/** The key entries of a JKS or PKCS#12 file, with Salesforce's checks (RSA 2048/3072/4096, matching chain). */
export async function importKeys(ks: Keystore, o: ImportKeysOptions): Promise<Outcome[]> {
  const { importKeystore } = await import("../keystore/operations.js");
  return importKeystore(ks, {
    bytes: typeof o.input === "string" ? readInput(o.input) : o.input,
    source: o.source ?? (typeof o.input === "string" ? o.input : "keystore"),
    password: o.password,
    ...(o.opened ? { opened: o.opened } : {}),
    ...(o.name ? { name: o.name } : {}),
    ...(o.label ? { label: o.label } : {}),
    ...(o.exportable !== undefined ? { exportable: o.exportable } : {}),
  });
}

/** A new certificate: self-signed at once; CA-signed via a new request (csrPem), optionally with a new key. */
export async function renewKey(
  ks: Keystore,
  o: { name: string; newKey?: boolean; days?: number },
): Promise<RenewOutcome & { csrPem?: string }> {
  const { renew } = await import("../keystore/operations.js");
  const r = await renew(ks, {
    name: o.name,
    ...(o.newKey ? { newKey: true } : {}),
    ...(o.days ? { days: o.days } : {}),
  });
  return { ...r, ...(r.csr ? { csrPem: toPem(r.csr, "CERTIFICATE REQUEST") } : {}) };
}

// ---------------------------------------------------------------------------------------------------------
// Export, delete, install on a target

export const FORMAT_NAMES = { pem: "PEM", jks: "JKS", p12: "PKCS#12" } as const;

/** The entry to export; with its key only when the key is exportable (InputError "not-exportable"). */
export function exportableKey(ks: Keystore, name: string, withKey: boolean): Entry {
  const entry = ks.require(name);
  if (withKey && !entry.exportable)
    throw new InputError(`the private key of "${entry.name}" is not exportable`, "not-exportable");
  return entry;
}

export interface ExportKeyOptions {
  name: string;
  format: ExportFormat;
  /** Include the private key (the keystore must be unlocked). */
  withKey?: boolean;
  /** The file's password (JKS and PKCS#12 always; PEM with a key unless unencryptedKey). */
  password?: string;
  unencryptedKey?: boolean;
}

/** An entry as a JKS, PKCS#12 or PEM file; a PEM key's encryption is derived off the event loop. */
export async function exportKey(
  ks: Keystore,
  o: ExportKeyOptions,
): Promise<ExportOutcome & { entry: Entry; filename: string }> {
  const { exportEntryAsync } = await import("../keystore/operations.js");
  const entry = exportableKey(ks, o.name, Boolean(o.withKey));
  const out = await exportEntryAsync(ks, {
    name: o.name,
    format: o.format,
    ...(o.withKey ? { withKey: true } : {}),
    ...(o.password !== undefined ? { password: o.password } : {}),
    ...(o.unencryptedKey ? { unencryptedKey: true } : {}),
  });
  return { ...out, entry, filename: `${entry.name}.${o.format}` };
}

/** Delete an entry and its key; InputError "no-such-entry" when there is none. */
export function deleteKey(ks: Keystore, name: string): Entry {
  const e = ks.get(name);
  if (!e || !ks.delete(e.name))
    throw new InputError(`no entry named "${name}" in the keystore`, "no-such-entry");
  return e;
}

/** What a server must trust to accept the entry as a client certificate, and its configuration snippets. */
export async function installKeyOnTarget(
  ks: Keystore,
  o: { name: string; format: ExportFormat; password?: string; file: string },
): Promise<InstallOutcome & { selfSignedItself: boolean }> {
  const { installOnTarget } = await import("../keystore/operations.js");
  const r = installOnTarget(ks, {
    name: o.name,
    format: o.format,
    file: o.file,
    ...(o.password !== undefined ? { password: o.password } : {}),
  });
  const selfSignedItself =
    r.trust.length === 1 && r.trust[0].selfSigned && r.trust[0].spkiSha256 === ks.require(o.name).spkiSha256;
  return { ...r, selfSignedItself };
}

/** A certificate chain and its private key to present in mutual TLS (`check --client-cert NAME`). */
export interface KeyIdentity {
  name: string;
  /** Leaf first. */
  chain: Certificate[];
  certPem: string;
  /** PKCS#8 PEM, unencrypted: handed to the TLS socket only. */
  keyPem: string;
}

/** An entry's chain and key for outbound mutual TLS; the keystore must be unlocked. */
export function keyIdentity(ks: Keystore, name: string): KeyIdentity {
  const entry = ks.require(name);
  if (!entry.chain.length)
    throw new InputError(
      `"${entry.name}" has no certificate yet (its CSR is waiting for the CA's answer: chainproof keys import-signed)`,
      "usage",
    );
  return {
    name: entry.name,
    chain: entry.chain,
    certPem: entry.chain.map((c) => toPem(c.der)).join(""),
    keyPem: ks.privateKey(entry.name).export({ format: "pem", type: "pkcs8" }).toString(),
  };
}
