/**
 * The PKCS#12 key-derivation function (RFC 7292 appendix B.2), used for the integrity MAC key and by
 * the legacy "pbeWithSHAAnd..." encryption schemes. Node's crypto has PBKDF2 but not this one.
 *
 * The password goes in as a BMPString (UTF-16BE) with a two-byte zero terminator: see bmpPassword().
 */
import { iterateHash } from "./iterated-hash.js";

/** What the key material is for: the "ID" byte of RFC 7292 B.3. */
export const Pkcs12KeyId = { Key: 1, Iv: 2, Mac: 3 } as const;
export type Pkcs12KeyId = (typeof Pkcs12KeyId)[keyof typeof Pkcs12KeyId];

/** Output size u and block size v (both in bytes) of each hash the KDF may be used with. */
const HASH_SIZES: Record<string, { u: number; v: number }> = {
  md5: { u: 16, v: 64 },
  sha1: { u: 20, v: 64 },
  sha224: { u: 28, v: 64 },
  sha256: { u: 32, v: 64 },
  sha384: { u: 48, v: 128 },
  sha512: { u: 64, v: 128 },
  "sha512-224": { u: 28, v: 128 },
  "sha512-256": { u: 32, v: 128 },
};

/** Output length of a hash name we support, or undefined. */
export function pkcs12HashLength(hash: string): number | undefined {
  return HASH_SIZES[hash]?.u;
}

/**
 * The password as PKCS#12 wants it: UTF-16BE code units plus a 0x0000 terminator. A JS string already
 * is UTF-16, so characters outside the BMP become surrogate pairs, which is what OpenSSL and Java do.
 */
export function bmpPassword(password: string): Uint8Array {
  const out = new Uint8Array(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) {
    const c = password.charCodeAt(i);
    out[2 * i] = c >> 8;
    out[2 * i + 1] = c & 0xff;
  }
  return out;
}

/**
 * Derives `length` bytes. `password` must already be encoded (see bmpPassword); an empty array means
 * "no password" (distinct from the empty password, which is just the terminator).
 * `iterations` is not capped here: callers enforce their limits before calling.
 */
export function pkcs12Kdf(
  hash: string,
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  id: Pkcs12KeyId,
  length: number,
): Uint8Array {
  const sizes = HASH_SIZES[hash];
  if (sizes === undefined) throw new RangeError(`PKCS#12 KDF: unsupported hash ${hash}`);
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new RangeError("PKCS#12 KDF: bad iteration count");
  const { u, v } = sizes;

  // D: v copies of the ID byte. I = S || P, each repeated to a whole number of v-byte blocks.
  const d = new Uint8Array(v).fill(id);
  const sLen = v * Math.ceil(salt.length / v);
  const pLen = v * Math.ceil(password.length / v);
  const ii = new Uint8Array(sLen + pLen);
  for (let i = 0; i < sLen; i++) ii[i] = salt[i % salt.length];
  for (let i = 0; i < pLen; i++) ii[sLen + i] = password[i % password.length];

  const out = new Uint8Array(length);
  const b = new Uint8Array(v);
  const di = new Uint8Array(v + ii.length);
  const none = new Uint8Array(0);
  for (let filled = 0; filled < length; ) {
    // A = H^iterations(D || I)
    di.set(d);
    di.set(ii, v);
    const a = iterateHash(hash, di, none, iterations);
    const take = Math.min(u, length - filled);
    out.set(a.subarray(0, take), filled);
    filled += take;
    if (filled >= length) break;

    // Prepare the next round: each v-byte block of I becomes (I_j + B + 1) mod 2^(8v), where B is A
    // repeated to v bytes. Big-endian addition with carry.
    for (let i = 0; i < v; i++) b[i] = a[i % u];
    for (let j = 0; j < ii.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = ii[j + k] + b[k] + carry;
        ii[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return out;
}
