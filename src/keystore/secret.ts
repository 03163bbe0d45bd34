/**
 * Private keys at rest: PKCS#8 EncryptedPrivateKeyInfo with PBES2 (PBKDF2-HMAC-SHA256, 600,000 iterations,
 * AES-256-CBC), the standard form `openssl pkcs8 -inform DER -in key.der` decrypts with the passphrase.
 *
 * One PBKDF2 salt per keystore (kept in its meta table) and a fresh IV per key: the passphrase is derived
 * once per process, not once per key (600,000 iterations cost about 0.4 s here), and every blob is still a
 * self-contained EncryptedPrivateKeyInfo. A keyed check value tells a wrong passphrase from a right one
 * before anything is written under it.
 *
 * Nothing here puts key bytes or the passphrase in a message.
 */

import {
  createDecipheriv,
  createHmac,
  createPrivateKey,
  type KeyObject,
  pbkdf2,
  pbkdf2Sync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import { promisify } from "node:util";
import { DerError, decodeOid, decodeSmallInt, expect, readTlv, Tag } from "../x509/der.js";
import { octet, seq } from "../x509/write/der-writer.js";
import { pbes2Encrypt } from "../x509/write/pkcs12.js";

/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
export const KDF_ITERATIONS = 600_000;
/**
 * Refuse blobs that ask for more than this (a corrupted or hostile store must not stall us): about 0.5 s
 * of PBKDF2-HMAC-SHA256 here, leaving room to raise KDF_ITERATIONS.
 */
export const MAX_KDF_ITERATIONS = 2_000_000;
const pbkdf2Async = promisify(pbkdf2);
const CHECK_LABEL = "chainproof keystore passphrase check v1";

export interface KdfParams {
  salt: Uint8Array;
  iterations: number;
}

/** The AES-256 key for a passphrase, derived once per (passphrase, salt, iterations) in this process. */
export class Unlocked {
  private readonly cache = new Map<string, Uint8Array>();
  constructor(
    private readonly passphrase: string,
    readonly params: KdfParams,
  ) {}

  key(params: KdfParams = this.params): Uint8Array {
    let k = this.cache.get(cacheId(params));
    if (!k) {
      checkIterations(params);
      k = new Uint8Array(
        pbkdf2Sync(Buffer.from(this.passphrase, "utf8"), params.salt, params.iterations, 32, "sha256"),
      );
      this.cache.set(cacheId(params), k);
    }
    return k;
  }

  /**
   * Derives the key for `params` on libuv's thread pool, so that key() then finds it: the server's way,
   * where a synchronous PBKDF2 would hold every other request for its duration.
   */
  async derive(params: KdfParams = this.params): Promise<void> {
    if (this.cache.has(cacheId(params))) return;
    checkIterations(params);
    const k = await pbkdf2Async(
      Buffer.from(this.passphrase, "utf8"),
      params.salt,
      params.iterations,
      32,
      "sha256",
    );
    this.cache.set(cacheId(params), new Uint8Array(k));
  }

  /** The value stored to recognise this passphrase. */
  check(): Uint8Array {
    return new Uint8Array(createHmac("sha256", this.key()).update(CHECK_LABEL).digest());
  }

  matches(stored: Uint8Array): boolean {
    const mine = this.check();
    return stored.length === mine.length && timingSafeEqual(stored, mine);
  }

  /** PKCS#8 → EncryptedPrivateKeyInfo DER. */
  encrypt(key: KeyObject | Uint8Array): Uint8Array {
    const pkcs8 =
      key instanceof Uint8Array ? key : new Uint8Array(key.export({ format: "der", type: "pkcs8" }));
    const { algorithm, ciphertext } = pbes2Encrypt(
      pkcs8,
      "",
      this.params.iterations,
      this.params.salt,
      this.key(),
    );
    return seq(algorithm, octet(ciphertext));
  }

  /** EncryptedPrivateKeyInfo DER → KeyObject. Throws WrongKeyError when it does not decrypt. */
  decrypt(epki: Uint8Array): KeyObject {
    const p = parseEpki(epki);
    const d = createDecipheriv("aes-256-cbc", this.key({ salt: p.salt, iterations: p.iterations }), p.iv);
    let plain: Buffer;
    try {
      plain = Buffer.concat([d.update(p.ciphertext), d.final()]);
    } catch {
      throw new WrongKeyError();
    }
    try {
      return createPrivateKey({ key: plain, format: "der", type: "pkcs8" });
    } catch {
      throw new WrongKeyError();
    } finally {
      plain.fill(0);
    }
  }
}

function cacheId(params: KdfParams): string {
  return `${Buffer.from(params.salt).toString("hex")}:${params.iterations}`;
}

function checkIterations(params: KdfParams): void {
  if (params.iterations < 1 || params.iterations > MAX_KDF_ITERATIONS) {
    throw new RangeError(
      `PBKDF2 iteration count ${params.iterations} is out of range (1 to ${MAX_KDF_ITERATIONS.toLocaleString("en-US")})`,
    );
  }
}

export class WrongKeyError extends Error {
  constructor() {
    super("the private key does not decrypt with this passphrase");
    this.name = "WrongKeyError";
  }
}

export function newKdfParams(): KdfParams {
  return { salt: new Uint8Array(randomBytes(16)), iterations: KDF_ITERATIONS };
}

interface ParsedEpki {
  salt: Uint8Array;
  iterations: number;
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

const OID_PBES2 = "1.2.840.113549.1.5.13";
const OID_PBKDF2 = "1.2.840.113549.1.5.12";
const OID_HMAC_SHA256 = "1.2.840.113549.2.9";
const OID_AES256_CBC = "2.16.840.1.101.3.4.1.42";

/** Our own EncryptedPrivateKeyInfo form only (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC). */
export function parseEpki(b: Uint8Array): ParsedEpki {
  try {
    const top = readTlv(b, 0, b.length);
    if (top.tag !== Tag.SEQUENCE || top.end !== b.length) throw new DerError("not one SEQUENCE", 0);
    const alg = expect(b, top.valueStart, top.end, Tag.SEQUENCE, "algorithm");
    const data = expect(b, alg.end, top.end, Tag.OCTET_STRING, "encryptedData");
    const o = expect(b, alg.valueStart, alg.end, Tag.OID, "algorithm");
    if (decodeOid(b, o) !== OID_PBES2) throw new DerError("not PBES2", o.start);
    const params = expect(b, o.end, alg.end, Tag.SEQUENCE, "PBES2 params");
    const kdf = expect(b, params.valueStart, params.end, Tag.SEQUENCE, "kdf");
    const kdfOid = expect(b, kdf.valueStart, kdf.end, Tag.OID, "kdf");
    if (decodeOid(b, kdfOid) !== OID_PBKDF2) throw new DerError("not PBKDF2", kdfOid.start);
    const kp = expect(b, kdfOid.end, kdf.end, Tag.SEQUENCE, "PBKDF2 params");
    const salt = expect(b, kp.valueStart, kp.end, Tag.OCTET_STRING, "salt");
    const iter = expect(b, salt.end, kp.end, Tag.INTEGER, "iterations");
    const prf = expect(b, iter.end, kp.end, Tag.SEQUENCE, "prf");
    const prfOid = expect(b, prf.valueStart, prf.end, Tag.OID, "prf");
    if (decodeOid(b, prfOid) !== OID_HMAC_SHA256) throw new DerError("PRF is not HMAC-SHA256", prfOid.start);
    const enc = expect(b, kdf.end, params.end, Tag.SEQUENCE, "cipher");
    const encOid = expect(b, enc.valueStart, enc.end, Tag.OID, "cipher");
    if (decodeOid(b, encOid) !== OID_AES256_CBC)
      throw new DerError("cipher is not AES-256-CBC", encOid.start);
    const iv = expect(b, encOid.end, enc.end, Tag.OCTET_STRING, "iv");
    if (iv.end - iv.valueStart !== 16) throw new DerError("IV is not 16 bytes", iv.start);
    const ciphertext = b.subarray(data.valueStart, data.end);
    if (ciphertext.length === 0 || ciphertext.length % 16)
      throw new DerError("ciphertext is not whole blocks", data.start);
    return {
      salt: b.subarray(salt.valueStart, salt.end),
      iterations: decodeSmallInt(b, iter, "iterations"),
      iv: b.subarray(iv.valueStart, iv.end),
      ciphertext,
    };
  } catch (e) {
    if (e instanceof DerError) throw new Error(`a stored private key is malformed (${e.message})`);
    throw e;
  }
}
