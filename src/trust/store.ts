/**
 * Trust stores: the set of anchors a client starts path building from, plus (optionally) a catalog of
 * known intermediates that may repair an incomplete chain but are never anchors themselves.
 *
 * Everything here works on bytes and parsed certificates. Reading files is the caller's job (the CLI);
 * `./locations.ts` only tells it which files to try.
 */

import type { Certificate } from "../x509/certificate.js";
import { InputError } from "../x509/errors.js";
import {
  type LoadedCertificate,
  type OpenedContainer,
  type ReadResult,
  readCertificates,
} from "../x509/input.js";

/**
 * What a store recorded about an anchor's certificate, so that a verdict can pass over the anchors that cannot
 * issue its chain without parsing them: the bundled stores record these when their data is generated
 * (scripts/trust-bundle.ts) and parse a root only when a chain names it (see `bundledAnchor` in ./mozilla.ts).
 */
export interface AnchorFacts {
  /** SHA-256 of the DER, lowercase hex (as `Certificate.sha256`). */
  sha256: string;
  /** `Name.matchKey` of the subject and of the issuer. */
  subjectKey: string;
  issuerKey: string;
  /** `selfSigned(cert)`: self-issued and its own key verifies its signature. */
  selfSigned: boolean;
}

export interface TrustAnchor {
  /** The certificate; for an anchor with `facts`, parsed on first access (a getter). */
  cert: Certificate;
  facts?: AnchorFacts;
  /** A human label: the store's own label (NSS CKA_LABEL, keystore alias) or the certificate's CN. */
  name: string;
  /** Keystore alias or PKCS#12 friendlyName, when the store has one. */
  alias?: string;
  /**
   * NSS "distrust after" for this anchor's purpose: chains whose leaf notBefore is after this instant are
   * not trusted (Firefox semantics; see ./distrust.ts). Only stores that carry it set it.
   */
  distrustAfter?: Date;
  /** Where this anchor came from, e.g. "mozilla-nss-2.86", "jdk:/usr/lib/jvm/…/cacerts". */
  trustSource: string;
}

export interface TrustStore {
  /** Stable machine id: "mozilla", "fpki", "node", "system", "jdk", "custom", "salesforce". */
  id: string;
  name: string;
  /** Where the data came from (file name, data set and version). */
  source: string;
  /** Date of the data, when known (ISO 8601 day). */
  date?: string;
  anchors: TrustAnchor[];
  /** Known CA certificates that may fill gaps in a chain. Never anchors. */
  catalog?: Certificate[];
  /** What the builder noticed and a user may want to know (duplicates, skipped files, …). */
  notes: string[];
}

/** The kinds of store that come from files the caller reads. */
export type FileStoreKind = "system" | "jdk" | "custom";

/** The JDK's default cacerts store password. */
export const JDK_DEFAULT_STOREPASS = "changeit";

export interface StoreFromBytesOptions {
  /** File name (or other label) for messages and `trustSource`. */
  source: string;
  /** Keystore / PKCS#12 password. For `jdk` it defaults to "changeit". */
  password?: string;
  /** Override the store id (default: the kind). */
  id?: string;
  /** Override the store's display name. */
  name?: string;
  /** The file already opened elsewhere (see ReadOptions.opened). */
  opened?: OpenedContainer;
}

const KIND_NAMES: Record<FileStoreKind, string> = {
  system: "System trust store (OpenSSL)",
  jdk: "Java cacerts",
  custom: "Custom trust store",
};

/**
 * Build a store from one file's bytes (PEM bundle, DER, PKCS#7, PKCS#12, JKS/JCEKS).
 *
 * Which certificates become anchors follows the client that would read such a file:
 * - a keystore (JKS, JCEKS, PKCS#12) is read the way Java's TrustManagerFactory reads it
 *   (`sun.security.validator.TrustStoreUtil.getTrustedCerts`): every trusted-certificate entry, plus the
 *   first certificate of each private-key entry's chain;
 * - anything else (PEM, DER, PKCS#7) the way OpenSSL reads a CAfile: every certificate is an anchor.
 *
 * Throws InputError (from the reader) when the bytes are not a certificate container.
 */
export function storeFromBytes(
  kind: FileStoreKind,
  bytes: Uint8Array,
  opts: StoreFromBytesOptions,
): TrustStore {
  const file = { bytes, source: opts.source, ...(opts.opened ? { opened: opts.opened } : {}) };
  return storeFromFiles(kind, [file], opts, { strict: true });
}

export interface StoreFile {
  bytes: Uint8Array;
  /** File name, for messages and `trustSource`. */
  source: string;
  /** The file already opened elsewhere (see ReadOptions.opened). */
  opened?: OpenedContainer;
}

/**
 * Build one store from several files, e.g. every file of a folder (`/etc/ssl/certs`, a custom CA folder).
 * Files that hold no certificate (READMEs, private keys, hash links to nothing) are skipped and listed
 * in `notes` instead of failing the whole store, unless `strict` is set.
 */
export function storeFromFiles(
  kind: FileStoreKind,
  files: readonly StoreFile[],
  opts: Omit<StoreFromBytesOptions, "source"> & { source?: string },
  { strict = false }: { strict?: boolean } = {},
): TrustStore {
  const password = opts.password ?? (kind === "jdk" ? JDK_DEFAULT_STOREPASS : undefined);
  const store: TrustStore = {
    id: opts.id ?? kind,
    name: opts.name ?? KIND_NAMES[kind],
    source: opts.source ?? (files.length === 1 ? files[0].source : `${files.length} files`),
    anchors: [],
    notes: [],
  };
  const seen = new Map<string, TrustAnchor>();
  let duplicates = 0;
  const skipped: string[] = [];
  for (const f of files) {
    let read: ReadResult;
    try {
      read = readCertificates(f.bytes, { source: f.source, password, opened: f.opened });
    } catch (e) {
      if (strict || !(e instanceof InputError) || e.code === "bad-password" || e.code === "need-password")
        throw e;
      skipped.push(
        `${f.source} (${e.message.startsWith(f.source) ? e.message.slice(f.source.length + 2) : e.message})`,
      );
      continue;
    }
    for (const loaded of anchorCandidates(read)) {
      const sha = loaded.cert.sha256;
      if (seen.has(sha)) {
        duplicates++;
        continue;
      }
      const anchor: TrustAnchor = {
        cert: loaded.cert,
        name: loaded.origin.alias ?? loaded.cert.label,
        trustSource: `${kind}:${f.source}`,
      };
      if (loaded.origin.alias !== undefined) anchor.alias = loaded.origin.alias;
      seen.set(sha, anchor);
      store.anchors.push(anchor);
    }
    if (
      read.keys.length > 0 &&
      read.container !== "jks" &&
      read.container !== "jceks" &&
      read.container !== "pkcs12"
    ) {
      store.notes.push(`${f.source}: private keys ignored`);
    }
  }
  if (duplicates > 0) {
    store.notes.push(
      `${duplicates} duplicate certificate${duplicates === 1 ? "" : "s"} ignored (same SHA-256)`,
    );
  }
  if (skipped.length > 0) {
    store.notes.push(
      `${skipped.length} file${skipped.length === 1 ? "" : "s"} without certificates skipped: ${skipped.join("; ")}`,
    );
  }
  const notCa = store.anchors.filter((a) => !a.cert.isCA).length;
  if (notCa > 0) {
    store.notes.push(
      `${notCa} anchor${notCa === 1 ? " is not a CA certificate" : "s are not CA certificates"} (no basicConstraints cA); clients still trust ${notCa === 1 ? "it" : "them"} directly`,
    );
  }
  if (strict && store.anchors.length === 0) {
    throw new InputError(`${files[0]?.source ?? "input"}: no trusted certificates found`, "no-certificates");
  }
  return store;
}

/** The certificates of a read result that a client would treat as anchors (see storeFromBytes). */
function anchorCandidates(read: ReadResult): LoadedCertificate[] {
  const keystore = read.container === "jks" || read.container === "jceks" || read.container === "pkcs12";
  if (!keystore) return read.certificates;
  // Java: trusted entries, plus chain[0] of each key entry (TrustStoreUtil.getTrustedCerts).
  const firstOfChains = new Set<number>();
  for (const k of read.keys) if (k.chain.length > 0) firstOfChains.add(k.chain[0]);
  return read.certificates.filter((c) => c.origin.entry !== "key" || firstOfChains.has(c.origin.position));
}

/** An anchor's SHA-256 (lowercase hex), from its recorded facts when it has them (without parsing it). */
export function anchorSha256(a: { cert: Certificate; facts?: AnchorFacts }): string {
  return a.facts ? a.facts.sha256 : a.cert.sha256;
}

/** An anchor's subject `Name.matchKey`, from its recorded facts when it has them (without parsing it). */
export function anchorSubjectKey(a: { cert: Certificate; facts?: AnchorFacts }): string {
  return a.facts ? a.facts.subjectKey : a.cert.subject.matchKey;
}

/** The anchor whose certificate has this SHA-256 (hex, any case), if any. */
export function findAnchor(store: TrustStore, sha256: string): TrustAnchor | undefined {
  const want = sha256.toLowerCase();
  return store.anchors.find((a) => anchorSha256(a) === want);
}

/** Anchors whose certificate subject equals `subjectKey` (a Name.matchKey), for issuer lookups. */
export function anchorsBySubject(store: TrustStore, subjectKey: string): TrustAnchor[] {
  return store.anchors.filter((a) => anchorSubjectKey(a) === subjectKey);
}

/** Normalise a hex fingerprint: drop ':' / spaces, upper-case. */
export function normalizeFingerprint(s: string): string {
  return s.replace(/[\s:]/g, "").toUpperCase();
}
