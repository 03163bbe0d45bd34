/**
 * RC2 decryption (RFC 2268), CBC mode.
 *
 * Why we carry our own: legacy PKCS#12 files (`openssl pkcs12 -export -legacy`, Windows before 2016,
 * many appliance exports) encrypt their certificates with pbeWithSHAAnd40BitRC2-CBC, and OpenSSL 3
 * moved RC2 to the "legacy" provider, which Node does not load. Only decryption is needed: we read
 * containers, we never write them. RC2-40 offers no security; we use it purely to get certificates out.
 */

/** PITABLE from RFC 2268 section 2: a permutation of 0..255 derived from the digits of pi. */
const PITABLE = Uint8Array.from(
  Buffer.from(
    [
      "d9 78 f9 c4 19 dd b5 ed 28 e9 fd 79 4a a0 d8 9d",
      "c6 7e 37 83 2b 76 53 8e 62 4c 64 88 44 8b fb a2",
      "17 9a 59 f5 87 b3 4f 13 61 45 6d 8d 09 81 7d 32",
      "bd 8f 40 eb 86 b7 7b 0b f0 95 21 22 5c 6b 4e 82",
      "54 d6 65 93 ce 60 b2 1c 73 56 c0 14 a7 8c f1 dc",
      "12 75 ca 1f 3b be e4 d1 42 3d d4 30 a3 3c b6 26",
      "6f bf 0e da 46 69 07 57 27 f2 1d 9b bc 94 43 03",
      "f8 11 c7 f6 90 ef 3e e7 06 c3 d5 2f c8 66 1e d7",
      "08 e8 ea de 80 52 ee f7 84 aa 72 ac 35 4d 6a 2a",
      "96 1a d2 71 5a 15 49 74 4b 9f d0 5e 04 18 a4 ec",
      "c2 e0 41 6e 0f 51 cb cc 24 91 af 50 a1 f4 70 39",
      "99 7c 3a 85 23 b8 b4 7a fc 02 36 5b 25 55 97 31",
      "2d 5d fa 98 e3 8a 92 ae 05 df 29 10 67 6c ba c9",
      "d3 00 e6 cf e1 9e a8 2c 63 16 01 3f 58 e2 89 a9",
      "0d 38 34 1b ab 33 ff b0 bb 48 0c 5f b9 b1 cd 2e",
      "c5 f3 db 47 e5 a5 9c 77 0a a6 20 68 fe 7f c1 ad",
    ]
      .join("")
      .replaceAll(" ", ""),
    "hex",
  ),
);

/**
 * Expands a key (1..128 bytes) into the 64 round-key words, limiting it to `effectiveBits` (1..1024)
 * as RFC 2268 section 2 describes. PKCS#12's "40-bit RC2" is a 5-byte key with 40 effective bits.
 */
export function rc2ExpandKey(key: Uint8Array, effectiveBits: number): Uint16Array {
  const t = key.length;
  if (t < 1 || t > 128) throw new RangeError("RC2 key must be 1..128 bytes");
  if (!Number.isInteger(effectiveBits) || effectiveBits < 1 || effectiveBits > 1024) {
    throw new RangeError("RC2 effective key bits must be 1..1024");
  }
  const l = new Uint8Array(128);
  l.set(key);
  for (let i = t; i < 128; i++) l[i] = PITABLE[(l[i - 1] + l[i - t]) & 0xff];
  const t8 = (effectiveBits + 7) >> 3;
  const tm = 0xff >> (8 * t8 - effectiveBits);
  l[128 - t8] = PITABLE[l[128 - t8] & tm];
  for (let i = 127 - t8; i >= 0; i--) l[i] = PITABLE[l[i + 1] ^ l[i + t8]];
  const k = new Uint16Array(64);
  for (let i = 0; i < 64; i++) k[i] = l[2 * i] | (l[2 * i + 1] << 8);
  return k;
}

/** Decrypts one 8-byte block in place (RFC 2268 section 4). */
export function rc2DecryptBlock(k: Uint16Array, block: Uint8Array, offset = 0): void {
  // Words are little-endian; the arithmetic is mod 2^16, done in JS numbers and masked.
  let r0 = block[offset] | (block[offset + 1] << 8);
  let r1 = block[offset + 2] | (block[offset + 3] << 8);
  let r2 = block[offset + 4] | (block[offset + 5] << 8);
  let r3 = block[offset + 6] | (block[offset + 7] << 8);
  let j = 63;

  // One "r-mixing" round undone: rotate right, then subtract what encryption added. Note that the
  // terms reference the already-updated neighbours in the same order as encryption used them.
  const unmix = (): void => {
    r3 = ((r3 >>> 5) | (r3 << 11)) & 0xffff;
    r3 = (r3 - k[j--] - (r2 & r1) - (~r2 & r0)) & 0xffff;
    r2 = ((r2 >>> 3) | (r2 << 13)) & 0xffff;
    r2 = (r2 - k[j--] - (r1 & r0) - (~r1 & r3)) & 0xffff;
    r1 = ((r1 >>> 2) | (r1 << 14)) & 0xffff;
    r1 = (r1 - k[j--] - (r0 & r3) - (~r0 & r2)) & 0xffff;
    r0 = ((r0 >>> 1) | (r0 << 15)) & 0xffff;
    r0 = (r0 - k[j--] - (r3 & r2) - (~r3 & r1)) & 0xffff;
  };
  const unmash = (): void => {
    r3 = (r3 - k[r2 & 63]) & 0xffff;
    r2 = (r2 - k[r1 & 63]) & 0xffff;
    r1 = (r1 - k[r0 & 63]) & 0xffff;
    r0 = (r0 - k[r3 & 63]) & 0xffff;
  };

  for (let i = 0; i < 5; i++) unmix();
  unmash();
  for (let i = 0; i < 6; i++) unmix();
  unmash();
  for (let i = 0; i < 5; i++) unmix();

  block[offset] = r0 & 0xff;
  block[offset + 1] = r0 >>> 8;
  block[offset + 2] = r1 & 0xff;
  block[offset + 3] = r1 >>> 8;
  block[offset + 4] = r2 & 0xff;
  block[offset + 5] = r2 >>> 8;
  block[offset + 6] = r3 & 0xff;
  block[offset + 7] = r3 >>> 8;
}

/**
 * RC2-CBC decryption. Returns the raw plaintext, padding included: the caller removes and checks the
 * PKCS#7 padding the same way for every cipher. `data` must be a whole number of 8-byte blocks.
 */
export function rc2CbcDecrypt(
  key: Uint8Array,
  effectiveBits: number,
  iv: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  if (iv.length !== 8) throw new RangeError("RC2 IV must be 8 bytes");
  if (data.length % 8 !== 0) throw new RangeError("RC2 ciphertext is not a whole number of blocks");
  const k = rc2ExpandKey(key, effectiveBits);
  const out = Uint8Array.from(data);
  let prev = iv;
  for (let off = 0; off < out.length; off += 8) {
    const cipherBlock = data.subarray(off, off + 8);
    rc2DecryptBlock(k, out, off);
    for (let i = 0; i < 8; i++) out[off + i] ^= prev[i];
    prev = cipherBlock;
  }
  return out;
}
