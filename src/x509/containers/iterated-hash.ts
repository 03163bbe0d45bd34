/**
 * Iterated hashing, h_i = H(h_(i-1) || suffix), for the password-based key derivations that are not in
 * Node's crypto: the PKCS#12 KDF (RFC 7292 B.2, suffix empty) and Sun's PBEWithMD5AndTripleDES (suffix =
 * the password). Both run up to a million rounds on tiny inputs, where a createHash() object per round
 * costs about 2 µs in allocation and native calls; these compression functions over one reused word
 * array cost a fraction of that (figures in docs/decode.md, "Key derivation").
 *
 * MD5, SHA-1, SHA-224 and SHA-256 are done here; other hashes fall back to createHash().
 */
import { createHash } from "node:crypto";

type Compress = (state: Int32Array, m: Int32Array, at: number) => void;

interface Engine {
  /** Initial state. */
  iv: readonly number[];
  /** Digest length in 32-bit words. */
  words: number;
  bigEndian: boolean;
  compress: Compress;
}

/** h_1 = H(seed || suffix), then h_i = H(h_(i-1) || suffix) up to h_rounds, returned. */
export function iterateHash(hash: string, seed: Uint8Array, suffix: Uint8Array, rounds: number): Uint8Array {
  let h: Uint8Array = createHash(hash).update(seed).update(suffix).digest();
  if (rounds <= 1) return h;
  const engine = ENGINES[hash];
  if (engine === undefined) {
    for (let r = 1; r < rounds; r++) h = createHash(hash).update(h).update(suffix).digest();
    return h;
  }
  return iterateWords(engine, h, suffix, rounds - 1);
}

/** `rounds` more rounds from the digest h, with the padded message held as words and rewritten in place. */
function iterateWords(e: Engine, h: Uint8Array, suffix: Uint8Array, rounds: number): Uint8Array {
  const length = h.length + suffix.length;
  const blocks = Math.ceil((length + 9) / 64);
  // The message: digest || suffix || 0x80 || zeros || bit length (64 bits, in the hash's byte order).
  const bytes = new Uint8Array(blocks * 64);
  bytes.set(suffix, h.length);
  bytes[length] = 0x80;
  const bits = length * 8;
  if (e.bigEndian) {
    new DataView(bytes.buffer).setUint32(bytes.length - 4, bits);
  } else {
    new DataView(bytes.buffer).setUint32(bytes.length - 8, bits, true);
  }
  const m = new Int32Array(blocks * 16);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < m.length; i++) m[i] = view.getInt32(4 * i, !e.bigEndian);
  const hv = new DataView(h.buffer, h.byteOffset, h.byteLength);
  for (let i = 0; i < e.words; i++) m[i] = hv.getInt32(4 * i, !e.bigEndian);

  const state = new Int32Array(e.iv.length);
  for (let r = 0; r < rounds; r++) {
    state.set(e.iv);
    for (let b = 0; b < blocks; b++) e.compress(state, m, 16 * b);
    // The digest is the first `words` state words, which is exactly where the next message starts.
    for (let i = 0; i < e.words; i++) m[i] = state[i];
  }
  const out = new Uint8Array(4 * e.words);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < e.words; i++) ov.setInt32(4 * i, state[i], !e.bigEndian);
  return out;
}

const sha1W = new Int32Array(80);

/** FIPS 180-4 §6.1.2. */
function sha1Compress(s: Int32Array, m: Int32Array, at: number): void {
  const w = sha1W;
  for (let t = 0; t < 16; t++) w[t] = m[at + t];
  for (let t = 16; t < 80; t++) {
    const x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16];
    w[t] = (x << 1) | (x >>> 31);
  }
  let a = s[0];
  let b = s[1];
  let c = s[2];
  let d = s[3];
  let e = s[4];
  // Four loops, one per round function, so that the hot loop has no branch.
  for (let t = 0; t < 20; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + w[t]) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = tmp;
  }
  for (let t = 20; t < 40; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[t]) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = tmp;
  }
  for (let t = 40; t < 60; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + 0x8f1bbcdc + w[t]) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = tmp;
  }
  for (let t = 60; t < 80; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0xca62c1d6 + w[t]) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = tmp;
  }
  s[0] = (s[0] + a) | 0;
  s[1] = (s[1] + b) | 0;
  s[2] = (s[2] + c) | 0;
  s[3] = (s[3] + d) | 0;
  s[4] = (s[4] + e) | 0;
}

const SHA256_K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const sha256W = new Int32Array(64);

/** FIPS 180-4 §6.2.2 (SHA-224 is the same with another initial state). */
function sha256Compress(s: Int32Array, m: Int32Array, at: number): void {
  const w = sha256W;
  for (let t = 0; t < 16; t++) w[t] = m[at + t];
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15];
    const y = w[t - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
  }
  let a = s[0];
  let b = s[1];
  let c = s[2];
  let d = s[3];
  let e = s[4];
  let f = s[5];
  let g = s[6];
  let h = s[7];
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + SHA256_K[t] + w[t]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  s[0] = (s[0] + a) | 0;
  s[1] = (s[1] + b) | 0;
  s[2] = (s[2] + c) | 0;
  s[3] = (s[3] + d) | 0;
  s[4] = (s[4] + e) | 0;
  s[5] = (s[5] + f) | 0;
  s[6] = (s[6] + g) | 0;
  s[7] = (s[7] + h) | 0;
}

/** RFC 1321: the sine-derived constants and per-round shifts. */
const MD5_K = Int32Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32));
const MD5_S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

function md5Compress(s: Int32Array, m: Int32Array, at: number): void {
  let a = s[0];
  let b = s[1];
  let c = s[2];
  let d = s[3];
  for (let i = 0; i < 64; i++) {
    const round = i >> 4;
    let f: number;
    let g: number;
    if (round === 0) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (round === 1) {
      f = (d & b) | (~d & c);
      g = (5 * i + 1) & 15;
    } else if (round === 2) {
      f = b ^ c ^ d;
      g = (3 * i + 5) & 15;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) & 15;
    }
    const x = (a + f + MD5_K[i] + m[at + g]) | 0;
    const r = MD5_S[(round << 2) | (i & 3)];
    a = d;
    d = c;
    c = b;
    b = (b + ((x << r) | (x >>> (32 - r)))) | 0;
  }
  s[0] = (s[0] + a) | 0;
  s[1] = (s[1] + b) | 0;
  s[2] = (s[2] + c) | 0;
  s[3] = (s[3] + d) | 0;
}

const ENGINES: Record<string, Engine> = {
  md5: {
    iv: [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476].map((x) => x | 0),
    words: 4,
    bigEndian: false,
    compress: md5Compress,
  },
  sha1: {
    iv: [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0].map((x) => x | 0),
    words: 5,
    bigEndian: true,
    compress: sha1Compress,
  },
  sha224: {
    iv: [0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4].map(
      (x) => x | 0,
    ),
    words: 7,
    bigEndian: true,
    compress: sha256Compress,
  },
  sha256: {
    iv: [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19].map(
      (x) => x | 0,
    ),
    words: 8,
    bigEndian: true,
    compress: sha256Compress,
  },
};
