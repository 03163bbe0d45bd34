/**
 * Read certificates from whatever a user holds: PEM (any number of blocks, text around them, CRLF,
 * TRUSTED CERTIFICATE), DER, PKCS#7/CMS certs-only (PEM or DER), PKCS#12 and Java keystores.
 *
 * Works on bytes: the caller (CLI, web) reads files. Every error names the source and the position of the
 * certificate that is wrong, because "chain.pem: certificate 2: …" is what lets a user fix it.
 */

import {
  type Certificate,
  certificateTooLarge,
  MAX_CERTIFICATE_BYTES,
  parseCertificate,
} from "./certificate.js";
import { type JksContents, readJks } from "./containers/jks.js";
import { type Pkcs7Contents, readPkcs7 } from "./containers/pkcs7.js";
import { type Pkcs12Contents, readPkcs12 } from "./containers/pkcs12.js";
import { DerError, readTlv, Tag } from "./der.js";
import { InputError, LimitError } from "./errors.js";
import { looksLikePem, PemError, parsePem } from "./pem.js";

export type ContainerKind = "pem" | "der" | "pkcs7" | "pkcs12" | "jks" | "jceks";

export interface CertificateOrigin {
  /** File name or other label the user gave ("-" for standard input). */
  source: string;
  /** 1-based position among the certificates read from this source. */
  position: number;
  container: ContainerKind;
  /** 1-based line of the PEM block, when read from PEM. */
  line?: number;
  /** Keystore alias or PKCS#12 friendlyName. */
  alias?: string;
  /** Keystore entry kind: a trusted certificate entry, or part of a private-key entry's chain. */
  entry?: "trusted" | "key";
}

export interface LoadedCertificate {
  cert: Certificate;
  origin: CertificateOrigin;
}

/** A private key found in a PKCS#12 file or keystore: PKCS#8 DER, never printed. */
export interface LoadedKey {
  alias?: string;
  pkcs8: Uint8Array;
  /** Positions (in the result's certificate list) of this key's chain, leaf first. */
  chain: number[];
}

export interface ReadResult {
  certificates: LoadedCertificate[];
  keys: LoadedKey[];
  container: ContainerKind;
  /** PEM blocks we saw but do not read as certificates (e.g. "PRIVATE KEY"), by label. */
  skippedPemBlocks: string[];
}

export interface ReadOptions {
  /** How to name the source in messages. */
  source: string;
  /** Password for PKCS#12 and keystores. Absent: a password-protected input raises NeedPasswordError. */
  password?: string;
  /** Refuse inputs holding more certificates than this (default 5,000). */
  maxCertificates?: number;
  /**
   * The outcome of opening this very PKCS#12 or Java keystore elsewhere with the same password (the web
   * server does it in a worker thread, src/runtime/container-pool.ts, to keep key derivation off its event
   * loop). Used instead of opening it here; a failure is thrown where opening it here would have thrown.
   */
  opened?: OpenedContainer;
}

/** A password-protected container opened elsewhere: its contents, or the error opening it raised. */
export type OpenedContainer =
  | { kind: "pkcs12"; contents: Pkcs12Contents }
  | { kind: "jks"; contents: JksContents }
  | { kind: "failed"; error: Error };

/** Which password-protected container the bytes are, if any: those are what key derivation opens. */
export function protectedContainerKind(bytes: Uint8Array): "pkcs12" | "jks" | undefined {
  if (isKeystoreMagic(bytes)) return "jks";
  if (!looksLikePem(bytes) && sniffDer(bytes) === "pkcs12") return "pkcs12";
  return undefined;
}

function isKeystoreMagic(bytes: Uint8Array): boolean {
  const magic =
    bytes.length >= 4 ? ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0 : 0;
  return magic === 0xfeedfeed || magic === 0xcececece;
}

/** The opened contents when they are of the expected kind; throws the error opening it raised. */
function openedAs<K extends keyof OpenedContents>(
  opened: OpenedContainer | undefined,
  kind: K,
): OpenedContents[K] | undefined {
  if (opened?.kind === "failed") throw opened.error;
  return opened?.kind === kind ? (opened.contents as OpenedContents[K]) : undefined;
}

interface OpenedContents {
  pkcs12: Pkcs12Contents;
  jks: JksContents;
}

/** Raised when a container needs a password and none was given, so the CLI can prompt for one. */
export class NeedPasswordError extends InputError {
  constructor(source: string, kind: string) {
    super(
      `${source}: this is a ${kind}; give its password (--password-env VAR or --password-file FILE)`,
      "need-password",
    );
  }
}

export const DEFAULT_MAX_CERTIFICATES = 5000;

/** Decode bytes of any supported format into certificates (and any private keys, kept opaque). */
export function readCertificates(bytes: Uint8Array, opts: ReadOptions): ReadResult {
  const max = opts.maxCertificates ?? DEFAULT_MAX_CERTIFICATES;
  const src = opts.source;
  if (bytes.length === 0) throw new InputError(`${src}: the input is empty`, "empty-input");
  const result: ReadResult = { certificates: [], keys: [], container: "der", skippedPemBlocks: [] };
  const add = (der: Uint8Array, origin: Omit<CertificateOrigin, "source" | "position">) => {
    const position = result.certificates.length + 1;
    if (position > max) {
      throw new LimitError(
        `${src}: more than ${max.toLocaleString("en-US")} certificates; refusing to read further`,
      );
    }
    // "chain.pem: certificate 2 (line 24): …": the position among the file's certificates, and for PEM the
    // BEGIN line, so the user can find the broken block.
    const where = `${src}: certificate ${position}${origin.line !== undefined ? ` (line ${origin.line})` : ""}`;
    result.certificates.push({
      cert: parseOne(der, where),
      origin: { source: src, position, ...origin },
    });
    return position;
  };

  if (isKeystoreMagic(bytes)) {
    result.container = bytes[0] === 0xfe ? "jks" : "jceks";
    if (opts.password === undefined) throw new NeedPasswordError(src, "Java keystore");
    const ks = openedAs(opts.opened, "jks") ?? readJks(bytes, opts.password, { name: src });
    for (const e of ks.entries) {
      if (e.kind === "trusted")
        add(e.certificate, { container: result.container, alias: e.alias, entry: "trusted" });
      else {
        const chain = e.chain.map((c) =>
          add(c, { container: result.container, alias: e.alias, entry: "key" }),
        );
        result.keys.push({ alias: e.alias, pkcs8: e.pkcs8, chain });
      }
    }
    const kind = result.container === "jks" ? "a JKS keystore" : "a JCEKS keystore";
    if (ks.entries.length === 0) throw noCertificate(src, `${kind} with 0 entries`);
    return requireCertificate(result, src, kind);
  }

  if (isUtf16(bytes)) {
    throw new InputError(
      `${src}: the file is UTF-16 text (as Windows Notepad and PowerShell may save it); save it as UTF-8 or ASCII`,
      "utf16-text",
    );
  }

  if (looksLikePem(bytes)) {
    result.container = "pem";
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
    // Count before decoding: refusing a 6,000-certificate bundle after parsing 5,000 of them took seconds.
    const blocks = countCertificateBlocks(text);
    if (blocks > max) {
      throw new LimitError(
        `${src}: more than ${max.toLocaleString("en-US")} certificates; refusing to read further (it has ${blocks.toLocaleString("en-US")} certificate blocks)`,
      );
    }
    let pemBlocks: ReturnType<typeof parsePem>;
    try {
      pemBlocks = parsePem(text, max * 2);
    } catch (e) {
      if (e instanceof PemError) throw new InputError(`${src}: ${e.message}`, "bad-pem");
      throw e;
    }
    /** PKCS7 blocks that held no certificate, described, for the error when nothing else does. */
    const emptyBundles: string[] = [];
    for (const b of pemBlocks) {
      switch (b.label) {
        case "CERTIFICATE":
        case "X509 CERTIFICATE":
          add(b.der, { container: "pem", line: b.line });
          break;
        case "TRUSTED CERTIFICATE":
          // OpenSSL's trusted format: the certificate followed by its trust settings (X509_CERT_AUX).
          add(firstElement(b.der, `${src}: line ${b.line}`), { container: "pem", line: b.line });
          break;
        case "PKCS7":
        case "CMS": {
          const p7 = pkcs7(b.der, `${src}: line ${b.line}`);
          if (p7.certificates.length === 0) {
            result.skippedPemBlocks.push(b.label);
            emptyBundles.push(`${pkcs7Description(p7)} at line ${b.line}`);
          }
          for (const der of p7.certificates) add(der, { container: "pkcs7", line: b.line });
          break;
        }
        default:
          result.skippedPemBlocks.push(b.label);
      }
    }
    if (result.certificates.length === 0 && emptyBundles.length) {
      throw noCertificate(src, `PEM text with ${emptyBundles.join(", ")}`);
    }
    if (result.certificates.length === 0) {
      const what = result.skippedPemBlocks.length
        ? `only ${[...new Set(result.skippedPemBlocks)].join(", ")} blocks`
        : "no PEM blocks";
      throw new InputError(`${src}: no certificates found (${what})`, "no-certificates");
    }
    return result;
  }

  // Binary: a single DER certificate, a PKCS#7 bundle or a PKCS#12 file.
  const kind = sniffDer(bytes);
  if (kind === "pkcs7") {
    result.container = "pkcs7";
    const p7 = pkcs7(bytes, src);
    for (const der of p7.certificates) add(der, { container: "pkcs7" });
    if (result.certificates.length === 0) throw noCertificate(src, pkcs7Description(p7));
  } else if (kind === "pkcs12") {
    result.container = "pkcs12";
    if (opts.password === undefined) throw new NeedPasswordError(src, "PKCS#12 file");
    const p12 = openedAs(opts.opened, "pkcs12") ?? readPkcs12(bytes, opts.password, { name: src });
    const byKeyId = new Map<string, number[]>();
    for (const c of p12.certificates) {
      const pos = add(c.der, {
        container: "pkcs12",
        alias: c.friendlyName,
        entry: c.localKeyId ? "key" : "trusted",
      });
      if (c.localKeyId) byKeyId.set(c.localKeyId, [...(byKeyId.get(c.localKeyId) ?? []), pos]);
    }
    for (const k of p12.keys) {
      result.keys.push({
        alias: k.friendlyName,
        pkcs8: k.pkcs8,
        chain: k.localKeyId ? (byKeyId.get(k.localKeyId) ?? []) : [],
      });
    }
    requireCertificate(result, src, "a PKCS#12 file");
  } else {
    result.container = "der";
    if (bytes[0] !== Tag.SEQUENCE) {
      // Every DER format we read starts with a SEQUENCE: this is something else (often a text file).
      throw new InputError(
        `${src}: not a certificate file: no PEM "-----BEGIN" line, and not DER, PKCS#7, PKCS#12 or a Java keystore`,
        "unrecognised-format",
      );
    }
    add(bytes, { container: "der" });
  }
  return result;
}

/** Parse one certificate, turning DER problems into a user-facing message with the position. */
export function parseOne(der: Uint8Array, where: string): Certificate {
  if (der.length > MAX_CERTIFICATE_BYTES)
    throw new LimitError(`${where}: ${certificateTooLarge(der.length)}`);
  try {
    const top = readTlv(der, 0, der.length);
    if (top.tag === Tag.SEQUENCE && top.end < der.length) {
      throw new InputError(
        `${where}: ${der.length - top.end} bytes of unexpected data after the certificate`,
        "bad-der",
      );
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    if (e instanceof DerError) {
      const truncated = truncationMessage(der);
      throw new InputError(`${where}: ${truncated ?? e.message}`, truncated ? "truncated-der" : "bad-der");
    }
    throw e;
  }
  try {
    return parseCertificate(der);
  } catch (e) {
    if (e instanceof DerError)
      throw new InputError(`${where}: ${e.message} (at byte ${e.offset})`, "bad-der");
    throw e;
  }
}

/** "DER ends after 312 of 1,190 bytes" when the outer length promises more than we have. */
function truncationMessage(der: Uint8Array): string | undefined {
  if (der.length < 2 || der[0] !== Tag.SEQUENCE) return undefined;
  let len = der[1];
  let hdr = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || der.length < 2 + n) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[2 + i];
    hdr += n;
  }
  const need = hdr + len;
  if (need <= der.length) return undefined;
  return `DER ends after ${der.length.toLocaleString("en-US")} of ${need.toLocaleString("en-US")} bytes (truncated?)`;
}

function firstElement(der: Uint8Array, where: string): Uint8Array {
  try {
    const t = readTlv(der, 0, der.length);
    return der.subarray(t.start, t.end);
  } catch (e) {
    throw new InputError(`${where}: ${e instanceof Error ? e.message : e}`, "bad-der");
  }
}

function pkcs7(der: Uint8Array, where: string): Pkcs7Contents {
  try {
    return readPkcs7(der, { name: where });
  } catch (e) {
    if (e instanceof DerError) throw new InputError(`${where}: PKCS#7: ${e.message}`, "bad-der");
    throw e;
  }
}

const CERTIFICATE_BEGIN = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----/g;

function countCertificateBlocks(text: string): number {
  let n = 0;
  CERTIFICATE_BEGIN.lastIndex = 0;
  while (CERTIFICATE_BEGIN.exec(text)) n++;
  return n;
}

/**
 * UTF-16 text: a byte-order mark, or ASCII text with a NUL in every other byte (UTF-16 without a BOM). A
 * certificate's DER never looks like that: its second byte, a length, is not zero.
 */
function isUtf16(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) return true;
  const n = Math.min(b.length & ~1, 64);
  let evenNul = 0;
  let oddNul = 0;
  const text = (c: number) => c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c < 0x7f);
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0 && text(b[i + 1])) evenNul++;
    if (b[i + 1] === 0 && text(b[i])) oddNul++;
  }
  return evenNul === n / 2 || oddNul === n / 2;
}

/** "chain.p7b: this file holds no certificate (it is a PKCS#7 bundle holding 1 CRL)". */
function noCertificate(src: string, what: string): InputError {
  return new InputError(`${src}: this file holds no certificate (it is ${what})`, "no-certificates");
}

/** Refuse a container that held keys (or nothing) but no certificate: there is nothing to show or check. */
function requireCertificate(result: ReadResult, src: string, kind: string): ReadResult {
  if (result.certificates.length > 0) return result;
  const keys = result.keys.length;
  throw noCertificate(
    src,
    keys
      ? `${kind} holding ${count(keys, "private key")} only`
      : `an empty ${kind.slice(kind.indexOf(" ") + 1)}`,
  );
}

function pkcs7Description(p7: Pkcs7Contents): string {
  const held = [
    ...(p7.crls ? [count(p7.crls, "CRL")] : []),
    ...(p7.otherCertificates ? [count(p7.otherCertificates, "non-X.509 certificate")] : []),
  ];
  return held.length ? `a PKCS#7 bundle holding ${held.join(" and ")} only` : "an empty PKCS#7 bundle";
}

function count(n: number, what: string): string {
  return `${n.toLocaleString("en-US")} ${what}${n === 1 ? "" : "s"}`;
}

const PKCS7_SIGNED_DATA = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

/** Tell a certificate, a PKCS#7 ContentInfo and a PKCS#12 PFX apart by their first elements. */
function sniffDer(b: Uint8Array): "cert" | "pkcs7" | "pkcs12" {
  try {
    if (b[0] !== Tag.SEQUENCE) return "cert";
    // Skip the outer header, allowing BER indefinite length (some PKCS#7 writers use it).
    let p = 2;
    if (b[1] & 0x80) p += b[1] & 0x7f;
    if (b[p] === Tag.OID) {
      let same = true;
      for (let i = 0; i < PKCS7_SIGNED_DATA.length; i++) if (b[p + i] !== PKCS7_SIGNED_DATA[i]) same = false;
      return same ? "pkcs7" : "cert";
    }
    // PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, macData OPTIONAL }
    if (b[p] === Tag.INTEGER && b[p + 1] === 1 && b[p + 2] === 3) return "pkcs12";
  } catch {
    // fall through: let the certificate parser report the problem precisely
  }
  return "cert";
}
