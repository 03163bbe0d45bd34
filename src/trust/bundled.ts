/**
 * Trust data bundled with chainproof (see ./data/README.md for sources, licences and how to
 * regenerate). The JSON is imported as a module: no file-system access at runtime.
 */
import fpkiData from "./data/fpki.json" with { type: "json" };
import mozillaData from "./data/mozilla.json" with { type: "json" };

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
}

export interface FpkiCatalog extends DataSource {
  /** SHA-256 of Federal Common Policy CA G2, the FPKI trust anchor. */
  anchorSha256: string;
  anchor: FpkiCertificate;
  /** All CA certificates in the bundle (the anchor included), in bundle order. */
  certificates: readonly FpkiCertificate[];
}

const TRUST_VALUES: readonly string[] = ["trusted-delegator", "must-verify", "not-trusted", "unknown"];

function trust(v: string, where: string): NssTrust {
  if (!TRUST_VALUES.includes(v)) throw new Error(`bundled mozilla.json: bad trust value ${v} for ${where}`);
  return v as NssTrust;
}

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "base64"));

let mozillaRoots: readonly NssRoot[] | undefined;

/** Mozilla's NSS built-in roots (all of them: filter on serverAuth for TLS anchors). Memoised. */
export function loadMozillaRoots(): readonly NssRoot[] {
  if (!mozillaRoots) {
    mozillaRoots = Object.freeze(
      mozillaData.roots.map((r): NssRoot => {
        const root: NssRoot = {
          label: r.label,
          alias: r.alias,
          sha256: r.sha256,
          subject: r.subject,
          notBefore: new Date(r.notBefore),
          notAfter: new Date(r.notAfter),
          der: b64(r.der),
          serverAuth: trust(r.serverAuth, r.label),
          emailProtection: trust(r.emailProtection, r.label),
          codeSigning: trust(r.codeSigning, r.label),
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
  const { source, version, date, licence } = mozillaData;
  return { source, version, date, licence };
}

let fpkiCatalog: FpkiCatalog | undefined;

/** The Federal PKI CA certificates validating to Federal Common Policy CA G2. Memoised. */
export function loadFpkiCatalog(): FpkiCatalog {
  if (!fpkiCatalog) {
    const certificates = Object.freeze(
      fpkiData.certificates.map(
        (c): FpkiCertificate =>
          Object.freeze({
            sha256: c.sha256,
            subject: c.subject,
            issuer: c.issuer,
            notBefore: new Date(c.notBefore),
            notAfter: new Date(c.notAfter),
            selfSigned: c.selfSigned,
            ca: c.ca,
            der: b64(c.der),
          }),
      ),
    );
    const anchor = certificates.find((c) => c.sha256 === fpkiData.anchorSha256);
    if (!anchor) throw new Error("bundled fpki.json: anchor certificate missing");
    fpkiCatalog = Object.freeze({
      source: fpkiData.source,
      date: fpkiData.crawled,
      licence: fpkiData.licence,
      anchorSha256: fpkiData.anchorSha256,
      anchor,
      certificates,
    });
  }
  return fpkiCatalog;
}
