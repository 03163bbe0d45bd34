/**
 * Certificates out of PKCS#7 / CMS SignedData ("certs-only" .p7b / .p7c bundles, and the certificate
 * set of any signed message).
 *
 * Uses the BER walker in ./ber.ts rather than an ASN.1 library: we must hand back each certificate's
 * exact original bytes, and Windows and `openssl cms -stream` write BER with indefinite lengths (so
 * does the FPKI's published bundle). See ber.ts for the longer rationale.
 *
 * PEM un-armouring is done by the caller: this takes DER/BER bytes.
 */
import {
  BerReader,
  type ContainerReadOptions,
  MAX_CONTAINER_CERTIFICATES,
  Tag,
  TagClass,
  type Tlv,
  takeDerSequence,
} from "./ber.js";

const OID_SIGNED_DATA = "1.2.840.113549.1.7.2";

const CONTENT_TYPE_NAMES: Record<string, string> = {
  "1.2.840.113549.1.7.1": "data",
  "1.2.840.113549.1.7.3": "envelopedData",
  "1.2.840.113549.1.7.4": "signedAndEnvelopedData",
  "1.2.840.113549.1.7.5": "digestedData",
  "1.2.840.113549.1.7.6": "encryptedData",
  "1.2.840.113549.1.9.16.1.2": "authenticatedData",
};

/**
 * Returns each certificate's DER bytes (copies), in the order the bundle lists them.
 * Accepts a ContentInfo wrapping SignedData (the usual .p7b), or a bare SignedData. Attribute
 * certificates and other non-X.509 choices in the set are skipped. A bundle with no certificates
 * yields an empty array.
 */
export function readPkcs7Certificates(der: Uint8Array, opts: ContainerReadOptions = {}): Uint8Array[] {
  return readPkcs7(der, opts).certificates;
}

/** What a PKCS#7 SignedData holds: its X.509 certificates, and how many CRLs and other certificate kinds. */
export interface Pkcs7Contents {
  certificates: Uint8Array[];
  crls: number;
  /** Attribute and other non-X.509 certificate choices, which are skipped. */
  otherCertificates: number;
}

/** As readPkcs7Certificates, also counting what else the bundle holds (to say why it has no certificate). */
export function readPkcs7(der: Uint8Array, opts: ContainerReadOptions = {}): Pkcs7Contents {
  const r: BerReader = new BerReader(der, opts.name ?? "PKCS#7 data");
  const top = r.read(0);
  const topItems = r.sequence(top, "the PKCS#7 ContentInfo");
  r.checkTrailing(top.end, "PKCS#7 structure");

  // ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }, or SignedData itself,
  // which starts with its version INTEGER.
  let signedData: Tlv[];
  const first = topItems[0];
  if (first !== undefined && first.cls === TagClass.Universal && first.tag === Tag.Integer) {
    signedData = topItems;
  } else {
    const contentType = r.oid(first, "the ContentInfo content type", top.start);
    if (contentType !== OID_SIGNED_DATA) {
      const label = CONTENT_TYPE_NAMES[contentType];
      r.fail(
        first!.start,
        `this is PKCS#7 ${label ?? contentType}, not SignedData: it holds no certificate list`,
        "unsupported-format",
      );
    }
    const wrapper = r.expect(topItems[1], TagClass.Context, 0, "the SignedData content", top.contentEnd);
    const inner = r.children(wrapper);
    if (inner.length !== 1) r.fail(wrapper.start, `the ContentInfo [0] holds ${inner.length} values, not 1`);
    signedData = r.sequence(inner[0], "the SignedData");
  }
  return certificatesOfSignedData(r, signedData);
}

/**
 * SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo SEQUENCE,
 *   certificates [0] IMPLICIT SET OF CertificateChoices OPTIONAL, crls [1] OPTIONAL, signerInfos SET }
 */
function certificatesOfSignedData(r: BerReader, items: Tlv[]): Pkcs7Contents {
  r.smallInt(items[0], "the SignedData version");
  r.expect(items[1], TagClass.Universal, Tag.Set, "the SignedData digest algorithms");
  r.expect(items[2], TagClass.Universal, Tag.Sequence, "the SignedData content info");
  const out: Pkcs7Contents = { certificates: [], crls: 0, otherCertificates: 0 };
  const crlSet = items.slice(3).find((t) => t.cls === TagClass.Context && t.tag === 1);
  if (crlSet !== undefined) out.crls = r.children(crlSet, MAX_CONTAINER_CERTIFICATES, "CRLs").length;
  const certSet = items.slice(3).find((t) => t.cls === TagClass.Context && t.tag === 0);
  if (certSet === undefined) return out;
  const choices = r.children(certSet, MAX_CONTAINER_CERTIFICATES, "certificates");
  for (const choice of choices) {
    // CertificateChoices: a Certificate is a plain SEQUENCE; [0]..[3] are extended/attribute/other
    // certificates, which no TLS client uses.
    if (choice.cls !== TagClass.Universal) {
      out.otherCertificates++;
      continue;
    }
    out.certificates.push(takeDerSequence(r, choice, `certificate ${out.certificates.length + 1}`));
  }
  return out;
}

/** Cheap sniff: does this look like a ContentInfo holding PKCS#7 SignedData? Never throws. */
export function isPkcs7(der: Uint8Array): boolean {
  try {
    const r: BerReader = new BerReader(der, "");
    const top = r.read(0);
    if (top.cls !== TagClass.Universal || top.tag !== Tag.Sequence || !top.constructed) return false;
    const first = r.read(top.contentStart, top.contentEnd);
    return r.oid(first, "") === OID_SIGNED_DATA;
  } catch {
    return false;
  }
}
