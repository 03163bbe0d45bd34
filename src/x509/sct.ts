/**
 * What a Certificate Transparency log signs in an SCT (RFC 6962 3.2): the digitally-signed struct over the
 * timestamp and the log entry — the certificate itself (x509_entry: SCTs delivered in TLS or OCSP) or the
 * precertificate (precert_entry: SCTs embedded in the certificate, where the entry is the issuer's key hash
 * and the TBSCertificate without the SCT list extension). Pure bytes: src/verify/sct.ts checks signatures.
 */

import { createHash } from "node:crypto";
import type { Certificate } from "./certificate.js";
import { children, DerError, decodeOid, readTlv, Tag } from "./der.js";
import { decodeSctList, type SignedCertificateTimestamp } from "./extensions.js";
import { OID } from "./oids.js";
import { cat, tlv } from "./write/der-writer.js";

export type SctEntry =
  | { type: "x509"; cert: Certificate }
  | { type: "precert"; cert: Certificate; issuer: Certificate };

const u16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
const u24 = (n: number) => Uint8Array.of(n >> 16, (n >> 8) & 0xff, n & 0xff);

/** The TBSCertificate with the SCT list extension removed: the precertificate's TBS as the log saw it. */
export function precertTbs(cert: Certificate): Uint8Array {
  const tbs = cert.tbs;
  const top = readTlv(tbs, 0, tbs.length);
  const parts = children(tbs, top, 20, "TBSCertificate").map((k) => {
    if (k.tag !== 0xa3) return tbs.subarray(k.start, k.end);
    const list = readTlv(tbs, k.valueStart, k.end);
    if (list.tag !== Tag.SEQUENCE) throw new DerError("extensions: expected a SEQUENCE", list.start);
    const kept = children(tbs, list, 1000, "extensions")
      .filter((e) => decodeOid(tbs, readTlv(tbs, e.valueStart, e.end)) !== OID.sctList)
      .map((e) => tbs.subarray(e.start, e.end));
    return kept.length ? tlv(0xa3, tlv(0x30, ...kept)) : new Uint8Array(0);
  });
  return tlv(0x30, ...parts);
}

/** The bytes an SCT's signature covers (RFC 6962 3.2, signature_type certificate_timestamp). */
export function sctSignedData(
  sct: Pick<SignedCertificateTimestamp, "version" | "timestampMs" | "timestamp" | "extensions">,
  entry: SctEntry,
): Uint8Array {
  const ts = new Uint8Array(8);
  new DataView(ts.buffer).setBigUint64(0, BigInt(sct.timestampMs ?? sct.timestamp.getTime()));
  const ext = Uint8Array.from(Buffer.from(sct.extensions ?? "", "hex"));
  const body =
    entry.type === "x509"
      ? cat(u16(0), u24(entry.cert.der.length), entry.cert.der)
      : (() => {
          const t = precertTbs(entry.cert);
          const keyHash = createHash("sha256").update(entry.issuer.publicKey.spki).digest();
          return cat(u16(1), keyHash, u24(t.length), t);
        })();
  return cat(Uint8Array.of(sct.version, 0), ts, body, u16(ext.length), ext);
}

/** A TLS-encoded SignedCertificateTimestampList (as the TLS extension carries it), read like the X.509 one. */
export function decodeTlsSctList(list: Uint8Array): SignedCertificateTimestamp[] {
  return decodeSctList(tlv(Tag.OCTET_STRING, list));
}
