/**
 * Private keys as users hold them, for the key tools (match, convert): PEM ("PRIVATE KEY", "RSA PRIVATE KEY",
 * "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY" with its password), PKCS#8 DER, or the keys of a PKCS#12 file or
 * Java keystore (read by src/x509/input.ts). Each key comes back as PKCS#8 DER with its public key, so it
 * can be compared with a certificate's or a request's key and written into a keystore.
 */

import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { BadPasswordError, InputError } from "../x509/errors.js";
import { type OpenedContainer, protectedContainerKind, readCertificates } from "../x509/input.js";
import { looksLikePem } from "../x509/pem.js";

/** PEM labels of private keys node:crypto reads (the first three unencrypted, or with Proc-Type headers). */
const KEY_LABELS = new Set(["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"]);

export interface PrivateKeyRead {
  /** PKCS#8 PrivateKeyInfo DER (never printed). */
  pkcs8: Uint8Array;
  publicKey: KeyObject;
  /** Keystore alias or PKCS#12 friendlyName, when the key came from one. */
  alias?: string;
}

export interface KeyFile {
  name: string;
  bytes: Uint8Array;
  /** Password of an encrypted key, a PKCS#12 file or a keystore. */
  password?: string;
  /** The PKCS#12 file or keystore opened elsewhere with that password (the web server's worker threads). */
  opened?: OpenedContainer;
}

/** Whether the bytes hold a PEM private-key block. */
export function hasPemKey(bytes: Uint8Array): boolean {
  if (!looksLikePem(bytes)) return false;
  return pemBlocks(Buffer.from(bytes).toString("latin1"), "").some((b) => KEY_LABELS.has(b.label));
}

/**
 * Every private key in a file: PEM key blocks, a PKCS#12 file's or keystore's keys, or one PKCS#8 DER key.
 * Throws InputError naming the file: "need-password" for an encrypted key without one, "bad-password",
 * "no-private-key" when the file holds none.
 */
export function readPrivateKeys(file: KeyFile): PrivateKeyRead[] {
  const { name, bytes } = file;
  if (bytes.length === 0) throw new InputError(`${name}: the input is empty`, "empty-input");
  if (looksLikePem(bytes)) {
    const blocks = pemBlocks(Buffer.from(bytes).toString("latin1"), name).filter((b) =>
      KEY_LABELS.has(b.label),
    );
    return blocks.map((b, i) => pemKey(b.text, name, blocks.length > 1 ? i + 1 : 0, file.password));
  }
  if (protectedContainerKind(bytes)) {
    const read = readCertificates(bytes, {
      source: name,
      ...(file.password !== undefined ? { password: file.password, opened: file.opened } : {}),
    });
    return read.keys.map((k) => ({
      pkcs8: k.pkcs8,
      publicKey: createPublicKey(
        createPrivateKey({ key: Buffer.from(k.pkcs8), format: "der", type: "pkcs8" }),
      ),
      ...(k.alias !== undefined ? { alias: k.alias } : {}),
    }));
  }
  try {
    const key = createPrivateKey({ key: Buffer.from(bytes), format: "der", type: "pkcs8" });
    return [{ pkcs8: bytes, publicKey: createPublicKey(key) }];
  } catch {
    throw new InputError(
      `${name}: not a private key (PEM, PKCS#8 DER, PKCS#12 or a Java keystore holding one)`,
      "no-private-key",
    );
  }
}

/** The one key of a key file (the first when it holds several); "no-private-key" when there is none. */
export function readOnePrivateKey(file: KeyFile): PrivateKeyRead & { others: number } {
  const keys = readPrivateKeys(file);
  if (keys.length === 0) throw new InputError(`${file.name}: holds no private key`, "no-private-key");
  return { ...keys[0], others: keys.length - 1 };
}

/**
 * PEM blocks with their text (node:crypto wants the armour, and the Proc-Type headers of a legacy encrypted
 * key, which parsePem refuses); a BEGIN line without its END is a truncated file.
 */
function pemBlocks(text: string, name: string): { label: string; text: string }[] {
  const out: { label: string; text: string }[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]{1,64})-----[\s\S]*?-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ label: m[1], text: m[0] });
  const begins = text.split("-----BEGIN ").length - 1;
  if (begins !== out.length)
    throw new InputError(`${name}: a PEM block has no END line (the file is truncated?)`, "bad-pem");
  return out;
}

function pemKey(pem: string, name: string, position: number, password: string | undefined): PrivateKeyRead {
  const where = position ? `${name}: key ${position}` : name;
  const encrypted = pem.startsWith("-----BEGIN ENCRYPTED") || /Proc-Type:\s*4,ENCRYPTED/.test(pem);
  if (encrypted && password === undefined) {
    throw new InputError(
      `${where}: the private key is encrypted; give its password (--password-env VAR or --password-file FILE)`,
      "need-password",
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem", ...(encrypted ? { passphrase: password } : {}) });
  } catch (e) {
    if (encrypted) throw new BadPasswordError(`${where}: the password does not decrypt the private key`);
    throw new InputError(`${where}: the private key cannot be read (${(e as Error).message})`, "bad-key");
  }
  const pkcs8 = new Uint8Array(key.export({ type: "pkcs8", format: "der" }));
  return { pkcs8, publicKey: createPublicKey(key) };
}

/** Whether a public key (a certificate's or a request's SubjectPublicKeyInfo DER) is the key's pair. */
export function keyPairs(key: PrivateKeyRead, spki: Uint8Array): boolean {
  try {
    return key.publicKey.equals(createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" }));
  } catch {
    return false;
  }
}
