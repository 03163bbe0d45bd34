/**
 * What `chainproof keys …` does, as functions over an open Keystore: create (self-signed or a CSR), take the
 * CA's answer, import JKS/PKCS#12 with Salesforce's checks, renew, export, and say what a target server must
 * trust. The CLI only reads files, asks for passwords and prints.
 */

import { createHash, type KeyObject } from "node:crypto";
import { isIP } from "node:net";
import { mozillaStore } from "../trust/mozilla.js";
import { type VerifyResult, verifyChain } from "../verify/index.js";
import {
  buildCertificate,
  buildCsr,
  describeKey,
  type GeneralNameInput,
  generateKeyPairAsync,
  type KeyAlgorithm,
  type KeyUsageInput,
  keyPairFromPrivateKey,
  parseCsr,
  privateKeyMatches,
} from "../x509/builder.js";
import type { Certificate } from "../x509/certificate.js";
import { BadPasswordError, InputError } from "../x509/errors.js";
import { type OpenedContainer, readCertificates } from "../x509/input.js";
import { namesMatch } from "../x509/names.js";
import { OID } from "../x509/oids.js";
import { toPem } from "../x509/pem.js";
import { writeJks } from "../x509/write/jks.js";
import { writePkcs12 } from "../x509/write/pkcs12.js";
import {
  type CreateKey,
  commonNameWarnings,
  defaultSelfSignedDays,
  lifetimeDays,
  lifetimeProblem,
  nameFromAlias,
  publicCaMaxDays,
  uniqueNameProblem,
} from "./rules.js";
import { newKdfParams, Unlocked } from "./secret.js";
import { type Entry, type Keystore, KeystoreError, type NewEntry } from "./store.js";

const DAY = 86_400_000;

export interface Outcome {
  entry: Entry;
  /** Things the user should fix or know (a CN in someone else's domain, …). */
  warnings: string[];
  notes: string[];
}

export function checkName(name: string): void {
  const p = uniqueNameProblem(name);
  if (p)
    throw new KeystoreError(
      `"${name}" is not a valid name: ${p} (like Salesforce's Unique Name)`,
      "bad-name",
    );
}

function assertFree(ks: Keystore, name: string): void {
  const e = ks.get(name);
  if (e)
    throw new KeystoreError(
      `an entry named "${e.name}" already exists (delete it, or renew it)`,
      "entry-exists",
    );
}

/** "DNS:a.example", "IP:10.0.0.1", "email:x@y", "URI:https://…", or a bare host name / IP address. */
export function parseSan(text: string): GeneralNameInput {
  const t = text.trim();
  const m = /^(dns|ip|email|uri):(.*)$/i.exec(t);
  const kind = m ? m[1].toLowerCase() : isIP(t) ? "ip" : t.includes("@") ? "email" : "dns";
  const value = (m ? m[2] : t).trim();
  if (!value) throw new InputError(`--san "${text}" is empty`, "usage");
  switch (kind) {
    case "ip":
      if (!isIP(value)) throw new InputError(`--san "${text}": "${value}" is not an IP address`, "usage");
      return { ip: value };
    case "email":
      return { email: value };
    case "uri":
      return { uri: value };
    default:
      if (!/^(\*\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(value)) {
        throw new InputError(`--san "${text}": "${value}" is not a DNS name`, "usage");
      }
      return { dns: value.toLowerCase() };
  }
}

function sansFor(cn: string, san: GeneralNameInput[]): GeneralNameInput[] {
  const out = [...san];
  // A CN that is a host name goes in the SAN too: clients match SANs only.
  if (
    /^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(cn) &&
    !out.some((g) => "dns" in g && g.dns === cn.toLowerCase())
  ) {
    out.unshift({ dns: cn.toLowerCase() });
  }
  return out;
}

function subjectFor(cn: string): [string, string][] {
  if (!cn.trim()) throw new InputError("--cn is required (the certificate's common name)", "usage");
  return [["CN", cn.trim()]];
}

function usagesFor(key: KeyObject): KeyUsageInput[] {
  return describeKey(key).type === "RSA" ? ["digitalSignature", "keyEncipherment"] : ["digitalSignature"];
}

function spkiHash(spki: Uint8Array): string {
  return createHash("sha256").update(spki).digest("hex");
}

/** Validity starting now (whole seconds), `days` long. */
function validity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new InputError(`--days ${days}: give a whole number of days from 1 to 3650`, "usage");
  }
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  return { notBefore, notAfter: new Date(notBefore.getTime() + days * DAY) };
}

// ---------------------------------------------------------------------------------------------------------
// create --self-signed

export interface CreateSelfSignedInput {
  name: string;
  cn: string;
  san?: GeneralNameInput[];
  key?: CreateKey;
  label?: string;
  /** Default: Salesforce's (1 year; 2 years for RSA 4096). */
  days?: number;
  exportable?: boolean;
  now?: Date;
}

export async function createSelfSigned(ks: Keystore, input: CreateSelfSignedInput): Promise<Outcome> {
  checkName(input.name);
  assertFree(ks, input.name);
  const alg: KeyAlgorithm = input.key ?? "rsa2048";
  const subject = subjectFor(input.cn);
  const warnings = commonNameWarnings(input.cn);
  const notes: string[] = [];
  const days = input.days ?? defaultSelfSignedDays(alg);
  if (input.days !== undefined && input.days !== defaultSelfSignedDays(alg)) {
    notes.push(
      `Salesforce makes ${alg === "rsa4096" ? "RSA 4096" : "these"} self-signed certificates valid for ${defaultSelfSignedDays(alg)} days; this one is valid for ${days}`,
    );
  }
  if (alg.startsWith("ec-"))
    notes.push("Salesforce's Import from Keystore accepts RSA keys only: an EC entry cannot move to an org");
  const { notBefore, notAfter } = validity(input.now ?? new Date(), days);
  const key = await generateKeyPairAsync(alg);
  const built = buildCertificate({
    subject,
    publicKey: key,
    notBefore,
    notAfter,
    ca: false,
    keyUsage: usagesFor(key.privateKey),
    eku: ["serverAuth", "clientAuth"],
    san: sansFor(input.cn, input.san ?? []),
  });
  const entry: NewEntry = {
    name: input.name,
    label: input.label ?? input.name,
    kind: "self-signed",
    privateKey: key.privateKey,
    chain: [built.der],
    exportable: input.exportable ?? true,
    subject: built.cert.subject.toString(),
    spkiSha256: spkiHash(key.spki),
  };
  ks.insert([entry]);
  return { entry: ks.require(input.name), warnings, notes };
}

// ---------------------------------------------------------------------------------------------------------
// csr and import-signed

export interface CreateCsrInput {
  name: string;
  cn: string;
  san?: GeneralNameInput[];
  key?: CreateKey;
  label?: string;
  exportable?: boolean;
}

export interface CsrOutcome extends Outcome {
  csr: Uint8Array;
}

/** A new entry holding a key and its PKCS#10 request (or, for an existing csr-pending entry, its request again). */
export async function createCsr(ks: Keystore, input: CreateCsrInput): Promise<CsrOutcome> {
  checkName(input.name);
  const existing = ks.get(input.name);
  if (existing) {
    if (existing.kind === "csr-pending" && existing.csr) {
      return {
        entry: existing,
        csr: existing.csr,
        warnings: [],
        notes: [`"${existing.name}" already waits for the CA: this is its request again`],
      };
    }
    throw new KeystoreError(
      `an entry named "${existing.name}" already exists (${existing.kind}); to get a new certificate for it, use keys renew`,
      "entry-exists",
    );
  }
  const alg: KeyAlgorithm = input.key ?? "rsa2048";
  const warnings = commonNameWarnings(input.cn);
  const key = await generateKeyPairAsync(alg);
  const csr = buildCsr({ subject: subjectFor(input.cn), san: sansFor(input.cn, input.san ?? []), key });
  const parsed = parseCsr(csr.der);
  ks.insert([
    {
      name: input.name,
      label: input.label ?? input.name,
      kind: "csr-pending",
      privateKey: key.privateKey,
      chain: [],
      csr: csr.der,
      exportable: input.exportable ?? true,
      subject: parsed.subject.toString(),
      spkiSha256: spkiHash(key.spki),
    },
  ]);
  return { entry: ks.require(input.name), csr: csr.der, warnings, notes: [] };
}

export interface ChainReport {
  /** The chain reached a trust anchor (Mozilla's, or a self-signed certificate the file holds). */
  complete: boolean;
  /** The anchor is one of Mozilla's (a public CA). */
  publicRoot: boolean;
  anchorName?: string;
  /** When incomplete: the issuer no certificate in the file (nor Mozilla's roots) provides. */
  missingIssuer?: { name: string; of: string; caIssuersUrl?: string };
  /** The verifier's faults, when the chain is complete but still not valid (expired, …). */
  problems: string[];
  /** The certificates to store, leaf first, as the verified path orders them. */
  chain: Certificate[];
}

/** The presented certificates above `leaf`, in issuing order (by name, refined by key identifiers). */
function walkUp(leaf: Certificate, presented: Certificate[]): Certificate[] {
  const path = [leaf];
  let cur = leaf;
  while (!cur.selfIssued && path.length < 16) {
    const akid = cur.authorityKeyIdentifier?.keyId;
    const candidates = presented.filter(
      (c) => !path.some((p) => p.sha256 === c.sha256) && namesMatch(c.subject, cur.issuer),
    );
    const next =
      candidates.find((c) => akid !== undefined && c.subjectKeyIdentifier === akid) ??
      candidates.find((c) => akid === undefined || c.subjectKeyIdentifier === undefined) ??
      candidates[0];
    if (!next) break;
    path.push(next);
    cur = next;
  }
  return path;
}

/** Check a certificate chain with the engine: complete? publicly rooted? which issuer is missing? */
export function checkChain(leaf: Certificate, presented: Certificate[], now: Date): ChainReport {
  const mozilla = mozillaStore();
  const own = presented.filter((c) => c.selfSigned);
  const result: VerifyResult = verifyChain({
    leaf,
    presented,
    anchors: [
      ...own.map((c) => ({ cert: c, name: c.label })),
      ...mozilla.anchors.map((a) => ({ cert: a.cert, name: a.name })),
    ],
    policy: {
      time: now,
      purpose: "client",
      profile: "rfc5280",
      allowNonSelfSignedAnchors: false,
      // An entry's certificate may serve for TLS client auth or for signing (SAML, JWT): its EKU is the
      // target's business, reported separately.
      ignore: ["extended-key-usage", "key-usage"],
    },
  });
  const chain = walkUp(leaf, presented);
  const top = chain[chain.length - 1];
  const errors = result.findings.filter((f) => f.severity === "error");
  const anchorCert = result.anchor?.cert;
  const report: ChainReport = {
    complete:
      result.trusted || top.selfIssued || mozilla.anchors.some((a) => namesMatch(a.cert.subject, top.issuer)),
    publicRoot: anchorCert !== undefined && !own.some((c) => c.sha256 === anchorCert.sha256),
    anchorName: result.anchor?.name ?? (top.selfIssued ? top.label : undefined),
    problems: result.trusted ? [] : errors.map((f) => f.message),
    chain,
  };
  if (!report.complete) {
    report.problems = errors.filter((f) => f.code !== "no-path-to-trust-anchor").map((f) => f.message);
    report.missingIssuer = {
      name: top.issuer.toString(),
      of: top.label,
      caIssuersUrl: top.authorityInfoAccess?.find((a) => a.method === OID.caIssuers)?.location.value,
    };
  }
  return report;
}

export interface ImportSignedOptions {
  now?: Date;
  /** Store it despite an incomplete chain or a lifetime over the public-CA maximum. */
  force?: boolean;
}

export interface ImportSignedOutcome extends Outcome {
  report: ChainReport;
}

/** Take the CA's answer to an entry's CSR: the key must match, the chain is checked, the lifetime too. */
export function importSigned(
  ks: Keystore,
  name: string,
  certs: Certificate[],
  opts: ImportSignedOptions = {},
): ImportSignedOutcome {
  const entry = ks.require(name);
  const now = opts.now ?? new Date();
  if (entry.kind === "self-signed") {
    throw new KeystoreError(
      `"${entry.name}" is self-signed: import-signed takes a CA's answer to a request made with keys csr or keys renew`,
      "wrong-kind",
    );
  }
  const requestCsr = entry.pending?.csr ?? entry.csr;
  if (!requestCsr) {
    throw new KeystoreError(
      `"${entry.name}" has no pending certificate request (keys renew ${entry.name} makes one)`,
      "no-csr",
    );
  }
  const wanted = parseCsr(requestCsr).spkiSha256;
  const leaf =
    certs.find((c) => c.spkiSha256 === wanted) ?? certs.find((c) => c.spkiSha256 === entry.spkiSha256);
  if (!leaf) {
    throw new KeystoreError(
      `the certificate does not match the key of "${entry.name}"'s request: none of the ${certs.length} certificates given carries that public key (SHA-256 of the key ${wanted.slice(0, 16)}…); is this the answer to another request?`,
      "key-mismatch",
    );
  }
  const usesPendingKey = leaf.spkiSha256 === wanted && entry.pending?.newKey === true;
  const report = checkChain(leaf, certs, now);
  const warnings: string[] = [];
  const notes: string[] = [];
  const blockers: string[] = [];
  if (!report.complete && report.missingIssuer) {
    const m = report.missingIssuer;
    blockers.push(
      `the chain is incomplete: the issuer of "${m.of}", ${m.name}, is not in the file and is not a public root` +
        (m.caIssuersUrl ? ` (its certificate is published at ${m.caIssuersUrl})` : "") +
        "; add it (and any CA above it) to the file",
    );
  }
  for (const p of report.problems) blockers.push(p);
  const life = lifetimeProblem(leaf);
  if (life) {
    if (report.publicRoot) blockers.push(life);
    else
      notes.push(
        `valid for ${Math.floor(lifetimeDays(leaf))} days; the public-CA maximum (${publicCaMaxDays(leaf.notBefore)} days) does not bind a private CA, but clients that apply it (browsers) will refuse it`,
      );
  }
  if (!leaf.extKeyUsage?.includes(OID.clientAuth) && leaf.extKeyUsage) {
    warnings.push(
      "the certificate's extended key usage has no clientAuth: servers will refuse it as a TLS client certificate",
    );
  }
  if (blockers.length && !opts.force) {
    throw new KeystoreError(`not imported: ${blockers.join("; ")} (--force stores it anyway)`, "chain-check");
  }
  warnings.push(...blockers);
  const chain = report.chain.map((c) => c.der);
  ks.replace(entry.name, {
    kind: "ca-signed",
    chain,
    privateKey: usesPendingKey ? ks.privateKey(entry.name, "pending") : undefined,
    pending: null,
    csr: null,
    subject: leaf.subject.toString(),
    spkiSha256: leaf.spkiSha256,
    renewal: entry.kind === "ca-signed",
  });
  if (report.complete) {
    notes.push(
      report.publicRoot
        ? `the chain reaches the public root "${report.anchorName}"`
        : `the chain reaches the private root "${report.anchorName}": targets must trust it`,
    );
  }
  return { entry: ks.require(entry.name), warnings, notes, report };
}

// ---------------------------------------------------------------------------------------------------------
// import FILE (JKS or PKCS#12), with Salesforce's checks

/** Salesforce's own messages for keystores it refuses (Certificate and Key Management, Import from Keystore). */
export const SALESFORCE_IMPORT_ERRORS = {
  noPrivateKey: "No certificate was imported because the keystore file doesn't contain a PrivateKey entry.",
  notRsa: "The key is not an RSA key.",
  notPkcs8: "The key must be in PKCS#8 format.",
  keySize: "Imported keys must have a bit size of 2048, 3072, or 4096.",
  mismatch: "The private key does not match the certificate chain in the keystore.",
  perKeyPassword: (alias: string) =>
    `The Keystore contains a certificate '${alias}' whose per key password is not the same as the keystore password.`,
} as const;

export interface ImportKeystoreInput {
  bytes: Uint8Array;
  source: string;
  password: string;
  /** The keystore already opened elsewhere (see ReadOptions.opened). */
  opened?: OpenedContainer;
  /** The entry's name, for a keystore holding one key (default: its alias, made a valid name). */
  name?: string;
  label?: string;
  exportable?: boolean;
}

export function importKeystore(ks: Keystore, input: ImportKeystoreInput): Outcome[] {
  let read: ReturnType<typeof readCertificates>;
  try {
    read = readCertificates(input.bytes, {
      source: input.source,
      password: input.password,
      opened: input.opened,
    });
  } catch (e) {
    if (e instanceof BadPasswordError) {
      const m = /not the key "([^"]*)"/.exec(e.message);
      if (m)
        throw new KeystoreError(
          `${input.source}: ${SALESFORCE_IMPORT_ERRORS.perKeyPassword(m[1])}`,
          "salesforce-import",
        );
    }
    throw e;
  }
  const sf = (msg: string, alias?: string) =>
    new KeystoreError(`${input.source}${alias ? ` (entry "${alias}")` : ""}: ${msg}`, "salesforce-import");
  if (read.keys.length === 0) throw sf(SALESFORCE_IMPORT_ERRORS.noPrivateKey);
  if (input.name !== undefined && read.keys.length > 1) {
    throw new InputError(
      `${input.source} holds ${read.keys.length} private keys: --name names one entry; leave it out to import each under its alias`,
      "usage",
    );
  }
  const entries: NewEntry[] = [];
  const notes: string[][] = [];
  for (const k of read.keys) {
    const alias = k.alias ?? "imported";
    let pair: ReturnType<typeof keyPairFromPrivateKey>;
    try {
      pair = keyPairFromPrivateKey(k.pkcs8);
    } catch (e) {
      if (e instanceof RangeError) throw sf(SALESFORCE_IMPORT_ERRORS.notRsa, alias);
      throw sf(SALESFORCE_IMPORT_ERRORS.notPkcs8, alias);
    }
    const d = describeKey(pair.privateKey);
    if (d.type !== "RSA") throw sf(SALESFORCE_IMPORT_ERRORS.notRsa, alias);
    if (![2048, 3072, 4096].includes(d.bits ?? 0))
      throw sf(`${SALESFORCE_IMPORT_ERRORS.keySize} (this one has ${d.bits})`, alias);
    const chain = k.chain.map((pos) => read.certificates[pos - 1].cert);
    if (chain.length === 0 || !privateKeyMatches(pair.privateKey, chain[0].publicKey.spki)) {
      throw sf(SALESFORCE_IMPORT_ERRORS.mismatch, alias);
    }
    const n: string[] = [];
    const name = input.name ?? nameFromAlias(alias);
    if (input.name === undefined && name !== alias)
      n.push(`the alias "${alias}" is stored as "${name}" (a valid unique name)`);
    checkName(name);
    for (let i = 0; i + 1 < chain.length; i++) {
      if (!namesMatch(chain[i].issuer, chain[i + 1].subject)) {
        n.push(
          `certificate ${i + 2} of the chain did not issue certificate ${i + 1}: the chain is out of order`,
        );
        break;
      }
    }
    entries.push({
      name,
      label: input.label ?? name,
      kind: chain[0].selfSigned ? "self-signed" : "ca-signed",
      privateKey: pair.privateKey,
      chain: chain.map((c) => c.der),
      exportable: input.exportable ?? true,
      subject: chain[0].subject.toString(),
      spkiSha256: chain[0].spkiSha256,
    });
    notes.push(n);
  }
  for (const e of entries) checkName(e.name);
  const names = new Set<string>();
  for (const e of entries) {
    if (names.has(e.name.toLowerCase()))
      throw new KeystoreError(
        `two entries of ${input.source} would both be named "${e.name}"`,
        "entry-exists",
      );
    names.add(e.name.toLowerCase());
    assertFree(ks, e.name);
  }
  ks.insert(entries);
  return entries.map((e, i) => ({ entry: ks.require(e.name), warnings: [], notes: notes[i] }));
}

// ---------------------------------------------------------------------------------------------------------
// renew

export interface RenewInput {
  name: string;
  newKey?: boolean;
  days?: number;
  now?: Date;
}

export interface RenewOutcome extends Outcome {
  /** For CA-signed entries: the request to send to the CA. */
  csr?: Uint8Array;
}

function sanOf(cert: Certificate): Uint8Array | undefined {
  return cert.extensions.find((e) => e.oid === OID.subjectAltName)?.value;
}

export async function renew(ks: Keystore, input: RenewInput): Promise<RenewOutcome> {
  const entry = ks.require(input.name);
  const alg = entry.key.algorithm;
  const newKey = input.newKey ? await generateKeyPairAsync(alg) : undefined;
  const key = newKey?.privateKey ?? ks.privateKey(entry.name);
  const notes: string[] = [];
  if (entry.kind === "self-signed") {
    const old = entry.chain[0];
    const { notBefore, notAfter } = validity(
      input.now ?? new Date(),
      input.days ?? defaultSelfSignedDays(alg),
    );
    const san = sanOf(old);
    const built = buildCertificate({
      subject: old.subject.der,
      publicKey: newKey ?? keyPairFromPrivateKey(key),
      notBefore,
      notAfter,
      ca: false,
      keyUsage: usagesFor(key),
      eku: ["serverAuth", "clientAuth"],
      extensions: san ? [{ oid: OID.subjectAltName, value: san }] : [],
    });
    ks.replace(entry.name, {
      kind: "self-signed",
      chain: [built.der],
      privateKey: newKey?.privateKey,
      spkiSha256: built.cert.spkiSha256,
      renewal: true,
    });
    notes.push(
      newKey
        ? "new key: every target that trusts the old certificate must be given the new one (keys install-on-target)"
        : "same key: targets that pin the key keep working; targets that trust the certificate itself need the new one",
    );
    return { entry: ks.require(entry.name), warnings: [], notes };
  }
  if (entry.kind === "csr-pending") {
    if (!newKey) {
      return {
        entry,
        csr: entry.csr,
        warnings: [],
        notes: [
          `"${entry.name}" has no certificate yet: this is its request again (renew --new-key makes a new key and request)`,
        ],
      };
    }
    const subject = parseCsr(entry.csr!).subject;
    const csr = buildCsr({ subject: subject.der, san: parseCsr(entry.csr!).san.map(toInput), key: newKey });
    ks.replace(entry.name, {
      kind: "csr-pending",
      chain: [],
      privateKey: newKey.privateKey,
      csr: csr.der,
      spkiSha256: spkiHash(newKey.spki),
    });
    return {
      entry: ks.require(entry.name),
      csr: csr.der,
      warnings: [],
      notes: ["new key and request; the old request is void"],
    };
  }
  // CA-signed: a request for the CA; the current certificate stays in use until import-signed.
  const leaf = entry.chain[0];
  const san = sanOf(leaf);
  const csr = buildCsr({
    subject: leaf.subject.der,
    key: { privateKey: key },
    extensions: san ? [{ oid: OID.subjectAltName, value: san }] : [],
  });
  ks.setPending(entry.name, { csr: csr.der, privateKey: newKey?.privateKey });
  notes.push(
    `the current certificate stays in use until the CA's answer is imported (keys import-signed ${entry.name} FILE)`,
  );
  return { entry: ks.require(entry.name), csr: csr.der, warnings: [], notes };
}

function toInput(g: { type: string; value: string }): GeneralNameInput {
  switch (g.type) {
    case "ip":
      return { ip: g.value };
    case "email":
      return { email: g.value };
    case "uri":
      return { uri: g.value };
    default:
      return { dns: g.value };
  }
}

// ---------------------------------------------------------------------------------------------------------
// export and install-on-target

export type ExportFormat = "pem" | "jks" | "p12";

export interface ExportInput {
  name: string;
  format: ExportFormat;
  withKey?: boolean;
  /** The file's password (JKS and PKCS#12 always; PEM with a key unless unencryptedKey). */
  password?: string;
  unencryptedKey?: boolean;
  /** The PEM key's encryption with its key already derived (see exportEntryAsync). */
  keyEncryption?: Unlocked;
}

export interface ExportOutcome {
  bytes: Uint8Array;
  warnings: string[];
}

/**
 * exportEntry(), with the PBKDF2 of an encrypted PEM key (600,000 iterations) run on libuv's thread pool
 * first: the server's way, so that no other request waits for it.
 */
export async function exportEntryAsync(ks: Keystore, input: ExportInput): Promise<ExportOutcome> {
  if (input.format !== "pem" || !input.withKey || input.unencryptedKey || !input.password) {
    return exportEntry(ks, input);
  }
  const keyEncryption = new Unlocked(input.password, newKdfParams());
  await keyEncryption.derive();
  return exportEntry(ks, { ...input, keyEncryption });
}

export function exportEntry(ks: Keystore, input: ExportInput): ExportOutcome {
  const entry = ks.require(input.name);
  if (entry.chain.length === 0) {
    throw new KeystoreError(
      `"${entry.name}" has no certificate yet (its request waits for the CA)`,
      "no-certificate",
    );
  }
  const warnings: string[] = [];
  if (input.withKey && !entry.exportable) {
    throw new KeystoreError(`the private key of "${entry.name}" is not exportable`, "not-exportable");
  }
  const needsPassword = input.format !== "pem" || (input.withKey && !input.unencryptedKey);
  if (needsPassword && (input.password === undefined || input.password === "")) {
    throw new InputError(
      `a password for the ${input.format.toUpperCase()} file is required (--password-env VAR)`,
      "no-password",
    );
  }
  const chain = entry.chain.map((c) => c.der);
  const key = input.withKey ? ks.privateKey(entry.name) : undefined;
  const pkcs8 = key ? new Uint8Array(key.export({ format: "der", type: "pkcs8" })) : undefined;
  try {
    if (input.format === "pem") {
      let text = chain.map((d) => toPem(d)).join("");
      if (key) {
        text += input.unencryptedKey
          ? toPem(pkcs8!, "PRIVATE KEY")
          : toPem(
              (input.keyEncryption ?? new Unlocked(input.password!, newKdfParams())).encrypt(pkcs8!),
              "ENCRYPTED PRIVATE KEY",
            );
      }
      return { bytes: new Uint8Array(Buffer.from(text, "utf8")), warnings };
    }
    if (input.format === "p12") {
      const bytes = pkcs8
        ? writePkcs12({ keys: [{ pkcs8, chain, friendlyName: entry.name }] }, input.password!)
        : writePkcs12(
            {
              trusted: chain.map((c, i) => ({
                certificate: c,
                friendlyName: i ? `${entry.name}_ca${i}` : entry.name,
              })),
            },
            input.password!,
          );
      return { bytes, warnings };
    }
    if (input.password!.length < 6)
      warnings.push("keytool refuses keystore passwords shorter than 6 characters");
    if (pkcs8 && entry.key.type !== "RSA")
      warnings.push("Salesforce's Import from Keystore accepts RSA keys only");
    const bytes = writeJks(
      pkcs8
        ? [{ kind: "key", alias: entry.name, pkcs8, chain }]
        : chain.map((c, i) => ({
            kind: "trusted" as const,
            alias: i ? `${entry.name}_ca${i}` : entry.name,
            certificate: c,
          })),
      input.password!,
    );
    return { bytes, warnings };
  } finally {
    pkcs8?.fill(0);
  }
}

export interface TargetSnippet {
  server: string;
  text: string;
}

export interface InstallOutcome {
  bytes: Uint8Array;
  /** What the target must trust: the certificate itself (self-signed) or its issuing CAs. */
  trust: Certificate[];
  snippets: TargetSnippet[];
  warnings: string[];
}

/** What a server must trust to accept this entry as a TLS client certificate, and how to configure it. */
export function installOnTarget(
  ks: Keystore,
  input: { name: string; format: ExportFormat; password?: string; file: string },
): InstallOutcome {
  const entry = ks.require(input.name);
  if (entry.chain.length === 0)
    throw new KeystoreError(`"${entry.name}" has no certificate yet`, "no-certificate");
  const warnings: string[] = [];
  let trust: Certificate[];
  if (entry.kind === "self-signed") trust = [entry.chain[0]];
  else {
    trust = entry.chain.slice(1);
    if (trust.length === 0) {
      throw new KeystoreError(
        `the chain stored for "${entry.name}" holds no CA certificate: the target must trust the CA that issued it (${entry.chain[0].issuer.toString()}); import its chain with keys import-signed`,
        "no-ca",
      );
    }
    const top = trust[trust.length - 1];
    if (!top.selfSigned) {
      warnings.push(
        `the stored chain ends at "${top.label}", not at a root: servers that need a self-signed anchor (nginx, Apache) must also be given ${top.issuer.toString()}`,
      );
    }
  }
  const alias = (i: number) => (i === 0 ? entry.name : `${entry.name}_${i}`).toLowerCase();
  const password = input.password ?? "changeit";
  let bytes: Uint8Array;
  if (input.format === "pem")
    bytes = new Uint8Array(Buffer.from(trust.map((c) => toPem(c.der)).join(""), "utf8"));
  else if (input.format === "p12") {
    bytes = writePkcs12(
      { trusted: trust.map((c, i) => ({ certificate: c.der, friendlyName: alias(i) })) },
      password,
    );
  } else {
    bytes = writeJks(
      trust.map((c, i) => ({ kind: "trusted" as const, alias: alias(i), certificate: c.der })),
      password,
    );
  }
  const depth = Math.max(1, entry.chain.length);
  const f = input.file;
  const pem = input.format === "pem";
  const javaStore = pem ? "truststore.p12" : f;
  const tomcat = [
    ...(pem
      ? [
          `keytool -importcert -noprompt -alias ${alias(0)} -file ${f} -keystore truststore.p12 -storetype PKCS12 -storepass changeit`,
          ...(trust.length > 1
            ? ["# keytool imports the first certificate of a PEM file: --format p12 gives every CA at once"]
            : []),
        ]
      : []),
    `<SSLHostConfig certificateVerification="required" truststoreFile="${javaStore}" truststoreType="${input.format === "jks" ? "JKS" : "PKCS12"}" truststorePassword="${input.password === undefined ? "changeit" : "(the password you gave)"}">`,
  ];
  const pemOnly = pem ? "" : `   # needs PEM: chainproof keys install-on-target ${entry.name} --format pem`;
  const snippets: TargetSnippet[] = [
    {
      server: "nginx",
      text: `ssl_client_certificate ${f};${pemOnly}\nssl_verify_client on;\nssl_verify_depth ${depth};`,
    },
    {
      server: "Apache httpd",
      text: `SSLCACertificateFile ${f}${pemOnly}\nSSLVerifyClient require\nSSLVerifyDepth ${depth}`,
    },
    {
      server: "HAProxy",
      text: `bind :443 ssl crt /etc/haproxy/site.pem ca-file ${f} verify required${pemOnly}`,
    },
    { server: "Tomcat / Java", text: tomcat.join("\n") },
  ];
  return { bytes, trust, snippets, warnings };
}
