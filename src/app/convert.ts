/**
 * The convert use case: certificates (and their private keys) from one format to another, PEM ⇄ DER ⇄
 * PKCS#7 ⇄ PKCS#12 ⇄ JKS. Reads whatever `chainproof decode` reads (plus PEM private keys, and a separate key
 * file); writes with src/x509/write. The report is the document `chainproof convert --json` prints
 * (docs/schemas/convert.schema.json); the bytes are the file to save.
 *
 * What a format cannot hold is said, never silently dropped: DER holds one certificate (more is refused),
 * DER and PKCS#7 hold no key (a note says it was left out), PKCS#12 and JKS need a password.
 */

import { createPrivateKey } from "node:crypto";
import type { Certificate } from "../x509/certificate.js";
import { InputError } from "../x509/errors.js";
import { type ContainerKind, type LoadedCertificate, readCertificates } from "../x509/input.js";
import { OID } from "../x509/oids.js";
import { toPem } from "../x509/pem.js";
import { type JksWriteEntry, writeJks } from "../x509/write/jks.js";
import { writePkcs7Certificates } from "../x509/write/pkcs7.js";
import { type Pkcs12KeyEntry, writePkcs12 } from "../x509/write/pkcs12.js";
import { hasPemKey, type KeyFile, keyPairs, readPrivateKeys } from "./private-keys.js";

export const CONVERT_SCHEMA = "chainproof/convert";
export const CONVERT_SCHEMA_VERSION = 1;

export const CONVERT_FORMATS = ["pem", "der", "p7b", "p12", "jks"] as const;
export type ConvertFormat = (typeof CONVERT_FORMATS)[number];

/** The shortest password written into a PKCS#12 file or a JKS: keytool refuses shorter ones. */
export const MIN_STORE_PASSWORD = 6;

/** File name extension and media type of each output format. */
export const FORMAT_FILES: Record<ConvertFormat, { extension: string; mediaType: string; binary: boolean }> =
  {
    pem: { extension: "pem", mediaType: "application/x-pem-file", binary: false },
    der: { extension: "der", mediaType: "application/pkix-cert", binary: true },
    p7b: { extension: "p7b", mediaType: "application/pkcs7-mime", binary: true },
    p12: { extension: "p12", mediaType: "application/x-pkcs12", binary: true },
    jks: { extension: "jks", mediaType: "application/octet-stream", binary: true },
  };

export interface ConvertOptions {
  /** The certificates (and perhaps keys) to convert, in any format decode reads. */
  input: KeyFile;
  to: ConvertFormat;
  /** A separate private key (PEM, PKCS#8 DER) for one of the input's certificates. */
  key?: KeyFile;
  /** The password of the PKCS#12 file or JKS written, or of the PEM key written (default: none for PEM, the input's password for PKCS#12 and JKS). */
  outPassword?: string;
  /** The alias (friendlyName) of the key entry written (default: the input's, else "1" as openssl does not name it, "mykey" for JKS as keytool does). */
  alias?: string;
}

export interface ConvertDocument {
  schema: typeof CONVERT_SCHEMA;
  version: typeof CONVERT_SCHEMA_VERSION;
  source: string;
  from: ContainerKind;
  to: ConvertFormat;
  /** The certificates written, in order. */
  certificates: {
    subject: string;
    sha256: string;
    alias?: string;
    entry: "key" | "trusted" | "certificate";
  }[];
  /** Private keys written. */
  keys: number;
  /** Size of the file written, in bytes. */
  bytes: number;
  /** A file name for it: the input's base name with the format's extension. */
  fileName: string;
  notes: string[];
}

export interface ConvertResult {
  document: ConvertDocument;
  bytes: Uint8Array;
}

interface KeyWithChain {
  pkcs8: Uint8Array;
  alias?: string;
  /** Positions in the input's certificate list, the key's certificate first. */
  chain: number[];
}

/** Convert certificates (and keys) to another format. */
export function convert(o: ConvertOptions): ConvertResult {
  const { input, to } = o;
  const read = readCertificates(input.bytes, {
    source: input.name,
    ...(input.password !== undefined ? { password: input.password, opened: input.opened } : {}),
  });
  const certs = read.certificates;
  if (certs.length === 0) throw new InputError(`${input.name}: holds no certificate`, "no-certificate");
  const keys: KeyWithChain[] = read.keys.map((k) => ({
    pkcs8: k.pkcs8,
    // readCertificates counts positions from 1; a PKCS#12 file marks only the key's own certificate.
    chain: completeChain(
      k.chain.map((p) => p - 1),
      certs,
    ),
    ...(k.alias !== undefined ? { alias: k.alias } : {}),
  }));
  if (read.container === "pem" && hasPemKey(input.bytes)) keys.push(...pemKeys(input, certs));
  if (o.key) keys.push(...pemKeys(o.key, certs));
  const notes: string[] = [];
  const written = write(o, certs, keys, notes, read.container);
  const base = input.name.replace(/^.*[\\/]/, "").replace(/\.[A-Za-z0-9]{1,5}$/, "") || "converted";
  return {
    bytes: written.bytes,
    document: {
      schema: CONVERT_SCHEMA,
      version: CONVERT_SCHEMA_VERSION,
      source: input.name,
      from: read.container,
      to,
      certificates: written.entries,
      keys: written.keys,
      bytes: written.bytes.length,
      fileName: `${base}.${FORMAT_FILES[to].extension}`,
      notes,
    },
  };
}

/** The keys of a PEM or key file, each with its certificate (which the file must hold) and the rest after. */
function pemKeys(file: KeyFile, certs: LoadedCertificate[]): KeyWithChain[] {
  return readPrivateKeys(file).map((k, i) => {
    const own = certs.findIndex((c) => keyPairs(k, c.cert.publicKey.spki));
    if (own < 0) {
      throw new InputError(
        `${file.name}: private key ${i + 1} belongs to none of the certificates; a keystore entry needs the key's own certificate`,
        "key-mismatch",
      );
    }
    return { pkcs8: k.pkcs8, chain: completeChain([own], certs) };
  });
}

/** The chain extended with the file's certificates that issued its last one, in order (a loop stops it). */
function completeChain(chain: number[], certs: LoadedCertificate[]): number[] {
  const out = [...chain];
  for (let last = out.at(-1); last !== undefined && !certs[last].cert.selfIssued; ) {
    const issuer = certs[last].cert.issuer.matchKey;
    const next = certs.findIndex((c, p) => !out.includes(p) && c.cert.subject.matchKey === issuer);
    if (next < 0) break;
    out.push(next);
    last = next;
  }
  return out;
}

interface Written {
  bytes: Uint8Array;
  entries: ConvertDocument["certificates"];
  keys: number;
}

function write(
  o: ConvertOptions,
  certs: LoadedCertificate[],
  keys: KeyWithChain[],
  notes: string[],
  from: ContainerKind,
): Written {
  const plain = (c: LoadedCertificate): ConvertDocument["certificates"][number] => ({
    subject: c.cert.subject.toString(),
    sha256: c.cert.sha256.toUpperCase(),
    entry: "certificate",
  });
  switch (o.to) {
    case "pem": {
      const keyPems = keys.map((k) => keyPem(k.pkcs8, o.outPassword));
      if (keyPems.length && o.outPassword === undefined) {
        notes.push(
          "the private key is written unencrypted: keep the file private, or give a password to encrypt it",
        );
      }
      const text = [...certs.map((c) => toPem(c.cert.der)), ...keyPems].join("");
      return {
        bytes: new Uint8Array(Buffer.from(text, "utf8")),
        entries: certs.map(plain),
        keys: keys.length,
      };
    }
    case "der":
      if (certs.length > 1) {
        throw new InputError(
          `${o.input.name}: holds ${certs.length} certificates; DER holds one (convert to pem or p7b to keep them all)`,
          "usage",
        );
      }
      droppedKeys(keys, "DER", notes);
      return { bytes: certs[0].cert.der, entries: certs.map(plain), keys: 0 };
    case "p7b":
      droppedKeys(keys, "PKCS#7", notes);
      return {
        bytes: writePkcs7Certificates(certs.map((c) => c.cert.der)),
        entries: certs.map(plain),
        keys: 0,
      };
    case "p12":
    case "jks":
      return writeStore(o, certs, keys, notes, from);
  }
}

function droppedKeys(keys: KeyWithChain[], format: string, notes: string[]): void {
  if (keys.length) notes.push(`${format} holds certificates only: the private key was not written`);
}

function keyPem(pkcs8: Uint8Array, password: string | undefined): string {
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
  if (password === undefined) return key.export({ type: "pkcs8", format: "pem" }).toString();
  return key.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: password }).toString();
}

/** A PKCS#12 file or a JKS: key entries with their chains, every other certificate a trusted entry. */
function writeStore(
  o: ConvertOptions,
  certs: LoadedCertificate[],
  keys: KeyWithChain[],
  notes: string[],
  from: ContainerKind,
): Written {
  const format = o.to === "p12" ? "PKCS#12 file" : "Java keystore";
  const password = o.outPassword ?? o.input.password;
  if (password === undefined) {
    throw new InputError(
      `a ${format} needs a password: give the password of the file to write`,
      "need-password",
    );
  }
  if (password.length < MIN_STORE_PASSWORD) {
    throw new InputError(
      `the password of the ${format} to write is shorter than ${MIN_STORE_PASSWORD} characters (keytool refuses it)`,
      "weak-password",
    );
  }
  if (o.outPassword === undefined) notes.push(`the ${format} has the input's password`);
  const inChains = new Set(keys.flatMap((k) => k.chain));
  const aliases = new AliasSet();
  const entries: ConvertDocument["certificates"] = [];
  const keyEntries = keys.map((k, i) => {
    if (k.chain.length === 0) {
      throw new InputError(
        `${o.input.name}: a private key has no certificate; a keystore entry needs it`,
        "key-mismatch",
      );
    }
    const fallback = o.to === "jks" ? "mykey" : String(i + 1);
    const alias = aliases.take(i === 0 && o.alias ? o.alias : (k.alias ?? fallback));
    k.chain.forEach((p, j) => {
      const c = certs[p].cert;
      entries.push({
        subject: c.subject.toString(),
        sha256: c.sha256.toUpperCase(),
        entry: "key",
        ...(j === 0 ? { alias } : {}),
      });
    });
    return { alias, pkcs8: k.pkcs8, chain: k.chain.map((p) => certs[p].cert.der) };
  });
  const trusted = certs
    .filter((_, p) => !inChains.has(p))
    .map((c) => {
      const alias = aliases.take(c.origin.alias ?? aliasFor(c.cert));
      entries.push({
        subject: c.cert.subject.toString(),
        sha256: c.cert.sha256.toUpperCase(),
        entry: "trusted",
        alias,
      });
      return { alias, certificate: c.cert.der };
    });
  if (keys.length === 0 && (from === "pem" || from === "der" || from === "pkcs7")) {
    notes.push(
      `no private key: every certificate is a trusted entry (a trust store); give --key to make a key entry`,
    );
  }
  let bytes: Uint8Array;
  if (o.to === "p12") {
    const p12Keys: Pkcs12KeyEntry[] = keyEntries.map((k) => ({
      pkcs8: k.pkcs8,
      chain: k.chain,
      friendlyName: k.alias,
    }));
    bytes = writePkcs12(
      { keys: p12Keys, trusted: trusted.map((t) => ({ certificate: t.certificate, friendlyName: t.alias })) },
      password,
    );
  } else {
    const jks: JksWriteEntry[] = [
      ...keyEntries.map((k) => ({ kind: "key" as const, alias: k.alias, pkcs8: k.pkcs8, chain: k.chain })),
      ...trusted.map((t) => ({ kind: "trusted" as const, alias: t.alias, certificate: t.certificate })),
    ];
    bytes = writeJks(jks, password);
  }
  return { bytes, entries, keys: keys.length };
}

/** A trusted entry's alias from the certificate's CN (or its fingerprint), as keytool users name them. */
function aliasFor(cert: Certificate): string {
  const cn = cert.subject.values(OID.commonName)[0] ?? "";
  const slug = cn
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48);
  return slug || cert.sha256.slice(0, 12);
}

/** Aliases distinct case-insensitively (JKS lower-cases them): a repeat gets "-2", "-3"… */
class AliasSet {
  private readonly used = new Set<string>();
  take(wanted: string): string {
    let alias = wanted;
    for (let n = 2; this.used.has(alias.toLowerCase()); n++) alias = `${wanted}-${n}`;
    this.used.add(alias.toLowerCase());
    return alias;
  }
}
