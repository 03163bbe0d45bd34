/**
 * TLS 1.3 record protection, the read side only: from a traffic secret (as node's `keylog` event reports
 * it) to the key and IV (RFC 8446 7.1, 7.3), and the decryption of protected records (RFC 8446 5.2-5.3).
 * This lets the probe read the server's encrypted Certificate and CertificateRequest messages.
 */

import { createDecipheriv, createHmac } from "node:crypto";

export interface Tls13Suite {
  id: number;
  name: string;
  hash: "sha256" | "sha384";
  cipher: "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305" | "aes-128-ccm";
  keyLength: number;
  tagLength: number;
}

export const TLS13_SUITES: Record<number, Tls13Suite> = {
  4865: {
    id: 0x1301,
    name: "TLS_AES_128_GCM_SHA256",
    hash: "sha256",
    cipher: "aes-128-gcm",
    keyLength: 16,
    tagLength: 16,
  },
  4866: {
    id: 0x1302,
    name: "TLS_AES_256_GCM_SHA384",
    hash: "sha384",
    cipher: "aes-256-gcm",
    keyLength: 32,
    tagLength: 16,
  },
  4867: {
    id: 0x1303,
    name: "TLS_CHACHA20_POLY1305_SHA256",
    hash: "sha256",
    cipher: "chacha20-poly1305",
    keyLength: 32,
    tagLength: 16,
  },
  4868: {
    id: 0x1304,
    name: "TLS_AES_128_CCM_SHA256",
    hash: "sha256",
    cipher: "aes-128-ccm",
    keyLength: 16,
    tagLength: 16,
  },
  4869: {
    id: 0x1305,
    name: "TLS_AES_128_CCM_8_SHA256",
    hash: "sha256",
    cipher: "aes-128-ccm",
    keyLength: 16,
    tagLength: 8,
  },
};

/** HKDF-Expand (RFC 5869 2.3). */
export function hkdfExpand(hash: string, prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const out: Buffer[] = [];
  let prev = Buffer.alloc(0);
  let total = 0;
  for (let i = 1; total < length; i++) {
    if (i > 255) throw new RangeError("HKDF-Expand: length too large");
    prev = createHmac(hash, prk)
      .update(prev)
      .update(info)
      .update(Buffer.from([i]))
      .digest();
    out.push(prev);
    total += prev.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** HKDF-Expand-Label (RFC 8446 7.1). */
export function hkdfExpandLabel(
  hash: string,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Buffer {
  const full = Buffer.from(`tls13 ${label}`, "latin1");
  const info = Buffer.concat([
    Buffer.from([length >> 8, length & 0xff, full.length]),
    full,
    Buffer.from([context.length]),
    context,
  ]);
  return hkdfExpand(hash, secret, info, length);
}

/** The read state for one traffic secret: key, IV and the record sequence number. */
export class RecordDecrypter {
  readonly key: Buffer;
  readonly iv: Buffer;
  private seq = 0n;

  constructor(
    readonly suite: Tls13Suite,
    secret: Uint8Array,
  ) {
    this.key = hkdfExpandLabel(suite.hash, secret, "key", new Uint8Array(0), suite.keyLength);
    this.iv = hkdfExpandLabel(suite.hash, secret, "iv", new Uint8Array(0), 12);
  }

  /** The per-record nonce: the IV XOR the 64-bit sequence number, left-padded (RFC 8446 5.3). */
  nonce(seq: bigint): Buffer {
    const n = Buffer.from(this.iv);
    for (let i = 0; i < 8; i++) n[11 - i] ^= Number((seq >> BigInt(8 * i)) & 0xffn);
    return n;
  }

  /**
   * Decrypt one TLSCiphertext (header = the 5-byte record header, the additional data). Returns the inner
   * content type and content, padding stripped. Throws when the record does not authenticate.
   */
  decrypt(header: Uint8Array, fragment: Uint8Array): { type: number; content: Buffer } {
    const tagLength = this.suite.tagLength;
    if (fragment.length < tagLength + 1) throw new Error("protected record shorter than its tag");
    const ciphertext = fragment.subarray(0, fragment.length - tagLength);
    const tag = fragment.subarray(fragment.length - tagLength);
    const nonce = this.nonce(this.seq);
    let plain: Buffer;
    if (this.suite.cipher === "aes-128-ccm") {
      const d = createDecipheriv("aes-128-ccm", this.key, nonce, { authTagLength: tagLength });
      d.setAuthTag(tag);
      d.setAAD(header, { plaintextLength: ciphertext.length });
      plain = Buffer.concat([d.update(ciphertext), d.final()]);
    } else if (this.suite.cipher === "chacha20-poly1305") {
      const d = createDecipheriv("chacha20-poly1305", this.key, nonce, { authTagLength: tagLength });
      d.setAAD(header, { plaintextLength: ciphertext.length });
      d.setAuthTag(tag);
      plain = Buffer.concat([d.update(ciphertext), d.final()]);
    } else {
      const d = createDecipheriv(this.suite.cipher, this.key, nonce);
      d.setAAD(header);
      d.setAuthTag(tag);
      plain = Buffer.concat([d.update(ciphertext), d.final()]);
    }
    this.seq++;
    // TLSInnerPlaintext: content || ContentType || zeros.
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    if (end < 0) throw new Error("protected record has no content type");
    return { type: plain[end], content: plain.subarray(0, end) };
  }
}
