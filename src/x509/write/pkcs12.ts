/**
 * PKCS#12 writer, in the form OpenSSL 3 writes by default (`openssl pkcs12 -export`):
 *   - certificates in one password-encrypted safe (EncryptedData), keys in a plain safe as
 *     pkcs8ShroudedKeyBag, both with PBES2: PBKDF2-HMAC-SHA256 and AES-256-CBC;
 *   - an HMAC-SHA256 integrity MAC keyed by the PKCS#12 KDF (RFC 7292 B.2);
 *   - friendlyName (BMPString) and localKeyId (SHA-1 of the certificate, as OpenSSL computes it) on a key
 *     and its certificate;
 *   - trusted-certificate entries (no key) carry Oracle's trusted-key-usage attribute
 *     (2.16.840.1.113894.746875.1.1 = anyExtendedKeyUsage), which is what makes Java's PKCS12 keystore
 *     list them as trustedCertEntry (OpenSSL 3.2+ writes it with -jdktrust).
 * Java 17, OpenSSL 3 and keytool read it.
 */

import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { bmpPassword, Pkcs12KeyId, pkcs12Kdf } from "../containers/pkcs12-kdf.js";
import { type Bytes, bmp, ctx, int, nul, octet, oid, seq, set } from "./der-writer.js";

export interface Pkcs12KeyEntry {
  /** PKCS#8 PrivateKeyInfo DER. */
  pkcs8: Uint8Array;
  /** The key's certificate first, then its issuers. */
  chain: Uint8Array[];
  friendlyName?: string;
}

export interface Pkcs12WriteInput {
  keys?: Pkcs12KeyEntry[];
  /** Certificates to trust (no key): a truststore. */
  trusted?: { certificate: Uint8Array; friendlyName?: string }[];
}

export interface Pkcs12WriteOptions {
  /** PBKDF2 iterations for the key and certificate encryption (OpenSSL 3's default: 2048). */
  iterations?: number;
  /** PKCS#12 KDF iterations for the MAC (OpenSSL 3's default: 2048). */
  macIterations?: number;
}

const OID = {
  data: "1.2.840.113549.1.7.1",
  encryptedData: "1.2.840.113549.1.7.6",
  pkcs8ShroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  friendlyName: "1.2.840.113549.1.9.20",
  localKeyId: "1.2.840.113549.1.9.21",
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  hmacWithSHA256: "1.2.840.113549.2.9",
  aes256Cbc: "2.16.840.1.101.3.4.1.42",
  sha256: "2.16.840.1.101.3.4.2.1",
  oracleTrustedKeyUsage: "2.16.840.1.113894.746875.1.1",
  anyExtendedKeyUsage: "2.5.29.37.0",
} as const;

/** PBES2 (PBKDF2-HMAC-SHA256 + AES-256-CBC) encryption: the AlgorithmIdentifier and the ciphertext. */
export function pbes2Encrypt(
  plain: Uint8Array,
  password: string,
  iterations: number,
  salt: Uint8Array = new Uint8Array(randomBytes(16)),
  derivedKey?: Uint8Array,
): { algorithm: Bytes; ciphertext: Uint8Array } {
  const iv = new Uint8Array(randomBytes(16));
  const key = derivedKey ?? pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, 32, "sha256");
  const c = createCipheriv("aes-256-cbc", key, iv);
  const ciphertext = new Uint8Array(Buffer.concat([c.update(plain), c.final()]));
  const algorithm = seq(
    oid(OID.pbes2),
    seq(
      seq(oid(OID.pbkdf2), seq(octet(salt), int(iterations), seq(oid(OID.hmacWithSHA256), nul()))),
      seq(oid(OID.aes256Cbc), octet(iv)),
    ),
  );
  return { algorithm, ciphertext };
}

function attributes(
  friendlyName: string | undefined,
  localKeyId: Uint8Array | undefined,
  trusted = false,
): Bytes[] {
  const attrs: Bytes[] = [];
  if (trusted) attrs.push(seq(oid(OID.oracleTrustedKeyUsage), set(oid(OID.anyExtendedKeyUsage))));
  if (friendlyName !== undefined) attrs.push(seq(oid(OID.friendlyName), set(bmp(friendlyName))));
  if (localKeyId) attrs.push(seq(oid(OID.localKeyId), set(octet(localKeyId))));
  return attrs.length ? [set(...attrs)] : [];
}

function certBag(der: Uint8Array, attrs: Bytes[]): Bytes {
  return seq(
    oid(OID.certBag),
    ctx(0, true, seq(oid(OID.x509Certificate), ctx(0, true, octet(der)))),
    ...attrs,
  );
}

function dataContentInfo(content: Uint8Array): Bytes {
  return seq(oid(OID.data), ctx(0, true, octet(content)));
}

/** Write a PKCS#12 file protected by `password`. */
export function writePkcs12(
  input: Pkcs12WriteInput,
  password: string,
  opts: Pkcs12WriteOptions = {},
): Uint8Array {
  const iterations = opts.iterations ?? 2048;
  const macIterations = opts.macIterations ?? 2048;
  const certBags: Bytes[] = [];
  const keyBags: Bytes[] = [];
  for (const [i, k] of (input.keys ?? []).entries()) {
    if (k.chain.length === 0) throw new RangeError("a key entry needs its certificate");
    const localKeyId = new Uint8Array(createHash("sha1").update(k.chain[0]).digest());
    const name = k.friendlyName ?? (input.keys!.length > 1 ? String(i + 1) : undefined);
    certBags.push(certBag(k.chain[0], attributes(name, localKeyId)));
    for (const c of k.chain.slice(1)) certBags.push(certBag(c, []));
    const { algorithm, ciphertext } = pbes2Encrypt(k.pkcs8, password, iterations);
    keyBags.push(
      seq(
        oid(OID.pkcs8ShroudedKeyBag),
        ctx(0, true, seq(algorithm, octet(ciphertext))),
        ...attributes(name, localKeyId),
      ),
    );
  }
  for (const t of input.trusted ?? [])
    certBags.push(certBag(t.certificate, attributes(t.friendlyName, undefined, true)));

  const safes: Bytes[] = [];
  if (certBags.length) {
    const { algorithm, ciphertext } = pbes2Encrypt(seq(...certBags), password, iterations);
    safes.push(
      seq(
        oid(OID.encryptedData),
        ctx(0, true, seq(int(0), seq(oid(OID.data), algorithm, ctx(0, false, ciphertext)))),
      ),
    );
  }
  if (keyBags.length) safes.push(dataContentInfo(seq(...keyBags)));
  const authSafe = seq(...safes);

  const macSalt = new Uint8Array(randomBytes(8));
  const macKey = pkcs12Kdf("sha256", bmpPassword(password), macSalt, macIterations, Pkcs12KeyId.Mac, 32);
  const mac = createHmac("sha256", macKey).update(authSafe).digest();
  const macData = seq(
    seq(seq(oid(OID.sha256), nul()), octet(new Uint8Array(mac))),
    octet(macSalt),
    int(macIterations),
  );
  return seq(int(3), dataContentInfo(authSafe), macData);
}
