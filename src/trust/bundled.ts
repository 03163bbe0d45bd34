/**
 * Trust data bundled with chainproof (see data/README.md for sources, licences and how to regenerate):
 * data/NAME.json (provenance and one record per certificate) and data/NAME.der (the certificates' DER,
 * concatenated), both written by scripts/trust-bundle.ts. They are read on first use, not at start-up, and
 * each certificate is parsed only when something asks for it (`parseBundled`): a verdict against a custom
 * store never parses the bundled roots, one against Mozilla's parses its TLS anchors only.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Certificate, parseCertificate } from "../x509/certificate.js";

/** An NSS CK_TRUST value for one purpose. */
export type NssTrust = "trusted-delegator" | "must-verify" | "not-trusted" | "unknown";

export interface NssRoot {
  /** CKA_LABEL, e.g. "DigiCert Global Root G2". */
  label: string;
  /**
   * JDK-cacerts-style alias derived from the label: lowercase, non-[a-z0-9] removed
   * ("digicertglobalrootg2"). A heuristic only: Oracle picks cacerts aliases by hand, and many differ
   * (the JDK calls "Entrust Root Certification Authority" `entrustevca`, Chunghwa's ePKI root
   * `chunghwaepkirootca`). Match JDK roots by SHA-256, never by alias.
   */
  alias: string;
  /** SHA-256 of the DER, uppercase hex without separators. */
  sha256: string;
  /** Readable subject, most specific RDN first ("CN=..., O=..., C=..."). */
  subject: string;
  notBefore: Date;
  notAfter: Date;
  der: Uint8Array;
  /** CKA_TRUST_SERVER_AUTH: only "trusted-delegator" makes it a TLS server trust anchor. */
  serverAuth: NssTrust;
  emailProtection: NssTrust;
  codeSigning: NssTrust;
  /**
   * CKA_NSS_SERVER_DISTRUST_AFTER (from the certificate or the trust object): certificates chaining
   * to this root whose notBefore is after this instant are not trusted for TLS.
   */
  serverDistrustAfter?: Date;
  emailDistrustAfter?: Date;
  /** RFC 5280 match keys (`Name.matchKey`) of the subject and issuer; undefined when our parser rejects it. */
  subjectKey?: string;
  issuerKey?: string;
  /** `Certificate.selfSigned` as computed when the data was generated; undefined as the keys are. */
  checkedSelfSigned?: boolean;
}

export interface DataSource {
  source: string;
  version?: string;
  date: string;
  licence: string;
}

export interface FpkiCertificate {
  sha256: string;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  selfSigned: boolean;
  ca: boolean;
  der: Uint8Array;
  subjectKey?: string;
  issuerKey?: string;
  checkedSelfSigned?: boolean;
}

export interface FpkiCatalog extends DataSource {
  /** SHA-256 of Federal Common Policy CA G2, the FPKI trust anchor. */
  anchorSha256: string;
  anchor: FpkiCertificate;
  /** All CA certificates in the bundle (the anchor included), in bundle order. */
  certificates: readonly FpkiCertificate[];
}

/** The folder of the data files: the package's data/, two levels above dist/src/trust/. */
const DATA_DIR = new URL("../../../data/", import.meta.url);

/** One record of a data set's index, as scripts/trust-bundle.ts writes it. */
interface IndexRecord {
  derOffset: number;
  derLength: number;
  subjectKey: string | null;
  issuerKey: string | null;
  checkedSelfSigned: boolean | null;
}

/** A Mozilla root's fields in data/mozilla.json, as scripts/gen-mozilla.ts makes them. */
export interface MozillaRecordFields {
  label: string;
  alias: string;
  sha256: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  serverAuth: string;
  emailProtection: string;
  codeSigning: string;
  serverDistrustAfter: string | null;
  emailDistrustAfter: string | null;
}

interface MozillaRecord extends MozillaRecordFields, IndexRecord {}

interface MozillaIndex {
  source: string;
  version: string;
  date: string;
  licence: string;
  roots: MozillaRecord[];
}

/** An FPKI certificate's fields in data/fpki.json, as scripts/gen-fpki.ts makes them. */
export interface FpkiRecordFields {
  sha256: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  selfSigned: boolean;
  ca: boolean;
}

interface FpkiRecord extends FpkiRecordFields, IndexRecord {}

interface FpkiIndex {
  source: string;
  crawled: string;
  licence: string;
  anchorSha256: string;
  certificates: FpkiRecord[];
}

/** A root no longer in Mozilla's store, in data/nss-history.json, as scripts/gen-nss-history.ts makes it. */
export interface NssHistoryRecordFields {
  /** CKA_LABEL in the last version that had it. */
  label: string;
  sha256: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  /** `distrust-list`: NSS listed it only to distrust it (DigiNotar and the like). */
  kind: "trust-anchor" | "distrust-list" | "listed-no-trust";
  /** Dates (YYYY-MM-DD) of the certdata.txt commits that added and removed it. */
  added: string;
  removed: string;
  /** The first NSS release without it (null if none was tagged yet); the commit that removed it. */
  removedIn: string | null;
  removedBy: string;
  lastShippedIn: string | null;
  serverAuthEver: boolean;
  /** When its TLS trust bit was turned off while it stayed listed (null: trusted until removed, or never). */
  serverAuthRemoved: string | null;
  serverAuthRemovedIn: string | null;
  /** Its last CKA_NSS_SERVER_DISTRUST_AFTER (ISO 8601), if it had one. */
  serverDistrustAfter: string | null;
}

/** A root still in Mozilla's store whose TLS trust was removed, and when. */
export interface NssTrustLostFields {
  label: string;
  sha256: string;
  serverAuthRemoved: string;
  serverAuthRemovedIn: string | null;
}

interface NssHistoryIndex {
  source: string;
  version: string;
  date: string;
  licence: string;
  rootsEver: number;
  trustLost: NssTrustLostFields[];
  removed: (NssHistoryRecordFields & IndexRecord)[];
}

/** A root Mozilla removed, with its DER and the parser's facts (see keys()). */
export interface NssRemovedRoot extends NssHistoryRecordFields {
  der: Uint8Array;
  subjectKey?: string;
  issuerKey?: string;
  checkedSelfSigned?: boolean;
}

export interface NssHistory extends DataSource {
  /** Roots ever in the store (the current ones included). */
  rootsEver: number;
  removed: readonly NssRemovedRoot[];
  /** Listed roots whose TLS trust was removed, by SHA-256 (uppercase). */
  trustLost: ReadonlyMap<string, NssTrustLostFields>;
}

/** A data file's bytes; a missing or unreadable file is an installation problem, and says so. */
export function readDataFile(name: string): Buffer {
  const url = new URL(name, DATA_DIR);
  try {
    return readFileSync(url);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new Error(`bundled trust data ${fileURLToPath(url)} cannot be read (${why}); reinstall chainproof`);
  }
}

/** A data set's index and each record's DER, checked against the DER file's length. */
function readDataSet<T extends { [K in R]: IndexRecord[] }, R extends string>(
  name: string,
  records: R,
): { index: T; ders: Uint8Array[] } {
  const index = JSON.parse(readDataFile(`${name}.json`).toString("utf8")) as T;
  const blob = readDataFile(`${name}.der`);
  const bytes = new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
  const ders = index[records].map((r) => {
    if (r.derOffset + r.derLength > bytes.length) {
      throw new Error(`bundled ${name}.der is shorter than ${name}.json says; reinstall chainproof`);
    }
    return bytes.subarray(r.derOffset, r.derOffset + r.derLength);
  });
  return { index, ders };
}

const TRUST_VALUES: readonly string[] = ["trusted-delegator", "must-verify", "not-trusted", "unknown"];

function trust(v: string, where: string): NssTrust {
  if (!TRUST_VALUES.includes(v)) throw new Error(`bundled mozilla.json: bad trust value ${v} for ${where}`);
  return v as NssTrust;
}

/** The parser's facts from the index, absent (not null) when it rejects the certificate. */
function keys(r: IndexRecord): { subjectKey?: string; issuerKey?: string; checkedSelfSigned?: boolean } {
  return r.subjectKey !== null && r.issuerKey !== null && r.checkedSelfSigned !== null
    ? { subjectKey: r.subjectKey, issuerKey: r.issuerKey, checkedSelfSigned: r.checkedSelfSigned }
    : {};
}

let mozillaIndex: MozillaIndex | undefined;
let mozillaRoots: readonly NssRoot[] | undefined;

/** Mozilla's NSS built-in roots (all of them: filter on serverAuth for TLS anchors). Memoised. */
export function loadMozillaRoots(): readonly NssRoot[] {
  if (!mozillaRoots) {
    const { index, ders } = readDataSet<MozillaIndex, "roots">("mozilla", "roots");
    mozillaIndex = index;
    mozillaRoots = Object.freeze(
      index.roots.map((r, i): NssRoot => {
        const root: NssRoot = {
          label: r.label,
          alias: r.alias,
          sha256: r.sha256,
          subject: r.subject,
          notBefore: new Date(r.notBefore),
          notAfter: new Date(r.notAfter),
          der: ders[i],
          serverAuth: trust(r.serverAuth, r.label),
          emailProtection: trust(r.emailProtection, r.label),
          codeSigning: trust(r.codeSigning, r.label),
          ...keys(r),
        };
        if (r.serverDistrustAfter) root.serverDistrustAfter = new Date(r.serverDistrustAfter);
        if (r.emailDistrustAfter) root.emailDistrustAfter = new Date(r.emailDistrustAfter);
        return Object.freeze(root);
      }),
    );
  }
  return mozillaRoots;
}

/** Where the bundled Mozilla roots come from (for reports). */
export function mozillaSource(): DataSource {
  loadMozillaRoots();
  const { source, version, date, licence } = mozillaIndex as MozillaIndex;
  return { source, version, date, licence };
}

let fpkiCatalog: FpkiCatalog | undefined;

/** The Federal PKI CA certificates validating to Federal Common Policy CA G2. Memoised. */
export function loadFpkiCatalog(): FpkiCatalog {
  if (!fpkiCatalog) {
    const { index, ders } = readDataSet<FpkiIndex, "certificates">("fpki", "certificates");
    const certificates = Object.freeze(
      index.certificates.map(
        (c, i): FpkiCertificate =>
          Object.freeze({
            sha256: c.sha256,
            subject: c.subject,
            issuer: c.issuer,
            notBefore: new Date(c.notBefore),
            notAfter: new Date(c.notAfter),
            selfSigned: c.selfSigned,
            ca: c.ca,
            der: ders[i],
            ...keys(c),
          }),
      ),
    );
    const anchor = certificates.find((c) => c.sha256 === index.anchorSha256);
    if (!anchor) throw new Error("bundled fpki.json: anchor certificate missing");
    fpkiCatalog = Object.freeze({
      source: index.source,
      date: index.crawled,
      licence: index.licence,
      anchorSha256: index.anchorSha256,
      anchor,
      certificates,
    });
  }
  return fpkiCatalog;
}

let nssHistory: NssHistory | undefined;

/** Mozilla's removed roots and when each lost its TLS trust (data/nss-history.*). Memoised. */
export function loadNssHistory(): NssHistory {
  if (!nssHistory) {
    const { index, ders } = readDataSet<NssHistoryIndex, "removed">("nss-history", "removed");
    const removed = index.removed.map((r, i): NssRemovedRoot => {
      const { derOffset, derLength, subjectKey, issuerKey, checkedSelfSigned, ...fields } = r;
      return Object.freeze({ ...fields, der: ders[i], ...keys(r) });
    });
    nssHistory = Object.freeze({
      source: index.source,
      version: index.version,
      date: index.date,
      licence: index.licence,
      rootsEver: index.rootsEver,
      removed: Object.freeze(removed),
      trustLost: new Map(index.trustLost.map((t) => [t.sha256, t])),
    });
  }
  return nssHistory;
}

const parsed = new WeakMap<NssRoot | FpkiCertificate | NssRemovedRoot, Certificate | Error>();

/**
 * A bundled record's certificate, parsed on first request and then shared: the Mozilla store, the FPKI
 * store and the known-issuer lookup all hand out the same Certificate object. Throws what the parser threw.
 */
export function parseBundled(record: NssRoot | FpkiCertificate | NssRemovedRoot): Certificate {
  let c = parsed.get(record);
  if (c === undefined) {
    try {
      c = parseCertificate(record.der);
      if (record.checkedSelfSigned !== undefined) c.recordSelfSigned(record.checkedSelfSigned);
    } catch (e) {
      c = e instanceof Error ? e : new Error(String(e));
    }
    parsed.set(record, c);
  }
  if (c instanceof Error) throw c;
  return c;
}

/**
 * The bundled certificates (Mozilla's roots of every purpose that our parser accepts, then the FPKI bundle,
 * each in bundle order) whose subject matches the issuer of one of `certs`: the candidates to name what a
 * chain lacks. Found through the index's match keys, so only they are parsed.
 */
export function bundledIssuersOf(certs: Iterable<Certificate>): {
  mozilla: Certificate[];
  fpki: Certificate[];
} {
  const wanted = new Set<string>();
  for (const c of certs) wanted.add(c.issuer.matchKey);
  const pick = (records: readonly (NssRoot | FpkiCertificate)[]): Certificate[] => {
    const out: Certificate[] = [];
    for (const r of records) {
      if (r.subjectKey === undefined || !wanted.has(r.subjectKey)) continue;
      try {
        out.push(parseBundled(r));
      } catch {
        // Left out of Mozilla's stores too (mozillaUnparsedRoots); not a candidate.
      }
    }
    return out;
  };
  // The anchor first, as fpkiCertificates() lists them.
  const { anchor, certificates } = loadFpkiCatalog();
  return {
    mozilla: pick(loadMozillaRoots()),
    fpki: pick([anchor, ...certificates.filter((c) => c !== anchor)]),
  };
}
