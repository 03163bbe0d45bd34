/**
 * PKCS#7 / CMS "certs-only" writer (RFC 5652 SignedData with no content and no signers), the `.p7b` file
 * Windows, IIS and `openssl crl2pkcs7 -nocrl` produce: the inverse of ../containers/pkcs7.ts.
 * Certificates keep the order given (a chain, leaf first), as OpenSSL writes them.
 */

import { type Bytes, ctx, int, oid, seq, set } from "./der-writer.js";

const OID_SIGNED_DATA = "1.2.840.113549.1.7.2";
const OID_DATA = "1.2.840.113549.1.7.1";

/** A DER ContentInfo holding the certificates (each DER). */
export function writePkcs7Certificates(certificates: readonly Uint8Array[]): Uint8Array {
  const signedData = seq(
    int(1),
    set(),
    seq(oid(OID_DATA)),
    ctx(0, true, ...(certificates as Bytes[])),
    set(),
  );
  return seq(oid(OID_SIGNED_DATA), ctx(0, true, signedData));
}
