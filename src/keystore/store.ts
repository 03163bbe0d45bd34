/**
 * The keystore: one SQLite database (better-sqlite3 12) in the chainproof data folder.
 *
 * Crash safety: WAL with synchronous=FULL, and every change that touches more than one row (an entry and its
 * certificates, a rotation that swaps key and chain, an import of several entries) is one IMMEDIATE
 * transaction. Keys are generated and encrypted before the transaction starts, so a process killed at any
 * point leaves the store as it was or with the whole change, never half of one. `entries.cert_count` records
 * how many certificate rows an entry has, so a check can prove no entry is partial.
 *
 * Files: the folder is created 0700, the database (and its -wal/-shm) 0600. Private keys are stored
 * encrypted (./secret.ts); nothing here logs or reports key material or the passphrase.
 */

import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  statSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { describeKey, type KeyAlgorithm } from "../x509/builder.js";
import { type Certificate, parseCertificate } from "../x509/certificate.js";
import { InputError } from "../x509/errors.js";
import { type KdfParams, newKdfParams, Unlocked, WrongKeyError } from "./secret.js";

export type EntryKind = "self-signed" | "csr-pending" | "ca-signed";

export interface EntryKey {
  /** "RSA", "EC", "Ed25519". */
  type: string;
  size: number;
  algorithm: KeyAlgorithm;
}

export interface Entry {
  name: string;
  label: string;
  kind: EntryKind;
  key: EntryKey;
  exportable: boolean;
  /** Leaf first; empty while a CSR is pending. */
  chain: Certificate[];
  /** The CSR of a csr-pending entry (DER). */
  csr?: Uint8Array;
  /** A renewal waiting for the CA: its CSR, and whether it carries a new key. */
  pending?: { csr: Uint8Array; newKey: boolean };
  /** The subject, RFC 4514 text. */
  subject: string;
  notBefore?: Date;
  notAfter?: Date;
  createdAt: Date;
  updatedAt: Date;
  /** 1 when created; +1 at each renewal. */
  generation: number;
  /** SHA-256 of the key's SubjectPublicKeyInfo, hex. */
  spkiSha256: string;
}

export interface NewEntry {
  name: string;
  label: string;
  kind: EntryKind;
  privateKey: KeyObject;
  /** DER, leaf first (empty for csr-pending). */
  chain: Uint8Array[];
  csr?: Uint8Array;
  exportable: boolean;
  subject: string;
  spkiSha256: string;
}

export interface Replacement {
  kind: EntryKind;
  chain: Uint8Array[];
  /** A new key (rotation); absent keeps the current one. */
  privateKey?: KeyObject;
  /** Set the pending CSR; null clears it. Absent leaves it. */
  pending?: { csr: Uint8Array; privateKey?: KeyObject } | null;
  csr?: Uint8Array | null;
  subject?: string;
  spkiSha256?: string;
  /** Count this as a renewal (generation + 1). */
  renewal?: boolean;
}

/** Keystore problems a user must act on. The CLI prints the message and exits 2. */
export class KeystoreError extends InputError {
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "KeystoreError";
  }
}

export const DB_FILE = "keystore.db";
const APPLICATION_ID = 0x4350_4b53; // "CPKS"
const SCHEMA_VERSION = 1;

/** The data folder: $CHAINPROOF_HOME, else the per-user data folder of the platform. */
export function keystoreHome(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.CHAINPROOF_HOME) return env.CHAINPROOF_HOME;
  if (platform === "win32")
    return join(env.LOCALAPPDATA ?? join(homedir(), "AppData", "Local"), "chainproof");
  if (platform === "darwin") return join(homedir(), "Library", "Application Support", "chainproof");
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "chainproof");
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value BLOB NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS entries (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  label TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('self-signed', 'csr-pending', 'ca-signed')),
  key_type TEXT NOT NULL,
  key_size INTEGER NOT NULL,
  key_algorithm TEXT NOT NULL,
  exportable INTEGER NOT NULL CHECK (exportable IN (0, 1)),
  encrypted_key BLOB NOT NULL,
  spki_sha256 TEXT NOT NULL,
  subject TEXT NOT NULL,
  csr BLOB,
  pending_csr BLOB,
  pending_key BLOB,
  not_before INTEGER,
  not_after INTEGER,
  cert_count INTEGER NOT NULL,
  generation INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS certificates (
  entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  der BLOB NOT NULL,
  PRIMARY KEY (entry_id, position)
) STRICT;
`;

interface Row {
  id: number;
  name: string;
  label: string;
  kind: EntryKind;
  key_type: string;
  key_size: number;
  key_algorithm: KeyAlgorithm;
  exportable: number;
  encrypted_key: Uint8Array;
  spki_sha256: string;
  subject: string;
  csr: Uint8Array | null;
  pending_csr: Uint8Array | null;
  pending_key: Uint8Array | null;
  not_before: number | null;
  not_after: number | null;
  cert_count: number;
  generation: number;
  created_at: number;
  updated_at: number;
}

function sqliteCode(e: unknown): string | undefined {
  return e instanceof Error && e.name === "SqliteError" ? (e as Error & { code: string }).code : undefined;
}

/** Turn SQLite's errors into messages a person can act on (never with key material). */
function translate(e: unknown, path: string): never {
  const code = sqliteCode(e);
  if (code === undefined) throw e;
  if (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT")) {
    throw new KeystoreError(
      `the keystore ${path} is corrupted or is not a chainproof keystore (${code}); restore it from a backup, or move it aside to start a new one`,
      "keystore-corrupt",
    );
  }
  if (
    code.startsWith("SQLITE_READONLY") ||
    code === "SQLITE_PERM" ||
    code === "SQLITE_CANTOPEN" ||
    code === "SQLITE_AUTH"
  ) {
    throw new KeystoreError(
      `cannot write the keystore ${path} (${code}): is its folder read-only, or owned by another user?`,
      "keystore-readonly",
    );
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    throw new KeystoreError(
      `the keystore ${path} is busy (another chainproof is writing it); try again`,
      "keystore-busy",
    );
  }
  if (code.startsWith("SQLITE_IOERR") || code === "SQLITE_FULL") {
    throw new KeystoreError(
      `cannot write the keystore ${path} (${code}): disk full or an I/O error`,
      "keystore-io",
    );
  }
  throw new KeystoreError(`keystore ${path}: ${code}`, "keystore-error");
}

/** Test hook: pause this long inside each write transaction, so a crash test can kill us in the middle. */
function testPause(): void {
  const ms = Number(process.env.CHAINPROOF_KEYSTORE_TEST_PAUSE_MS ?? 0);
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export interface OpenOptions {
  /** The database file (default: keystoreHome()/keystore.db). */
  path?: string;
  /** Open for changes: create the folder and file when missing. */
  write: boolean;
}

export class Keystore {
  private db: Database.Database | undefined;
  private unlocked: Unlocked | undefined;

  private constructor(
    readonly path: string,
    readonly writable: boolean,
  ) {}

  /** Open (write: create) the keystore. A missing keystore opened to read is simply empty. */
  static open(opts: OpenOptions): Keystore {
    const path = opts.path ?? join(keystoreHome(), DB_FILE);
    const ks = new Keystore(path, opts.write);
    const dir = dirname(path);
    if (opts.write) {
      if (!existsSync(dir)) {
        try {
          mkdirSync(dir, { recursive: true, mode: 0o700 });
          chmodSync(dir, 0o700);
        } catch (e) {
          throw new KeystoreError(
            `cannot create the keystore folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? e} (set CHAINPROOF_HOME to a folder you can write)`,
            "keystore-readonly",
          );
        }
      }
      try {
        accessSync(dir, constants.W_OK);
      } catch (e) {
        throw new KeystoreError(
          `the keystore folder ${dir} is read-only (${(e as NodeJS.ErrnoException).code}): chainproof needs to write its database and write-ahead log there (set CHAINPROOF_HOME to a folder you can write)`,
          "keystore-readonly",
        );
      }
      if (!existsSync(path)) {
        try {
          // Created empty with 0600 before SQLite sees it: SQLite gives its -wal and -shm the same mode.
          closeSync(openSync(path, "a", 0o600));
        } catch (e) {
          throw new KeystoreError(
            `cannot create ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`,
            "keystore-readonly",
          );
        }
      }
    } else if (!existsSync(path)) {
      return ks;
    } else {
      try {
        accessSync(dir, constants.W_OK);
      } catch (e) {
        throw new KeystoreError(
          `the keystore folder ${dir} is read-only (${(e as NodeJS.ErrnoException).code}): SQLite needs to write its write-ahead log there even to read (copy the folder elsewhere and set CHAINPROOF_HOME to it)`,
          "keystore-readonly",
        );
      }
    }
    try {
      const db = new Database(path, { fileMustExist: true, timeout: 5000 });
      ks.db = db;
      const appId = db.pragma("application_id", { simple: true }) as number;
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number };
      if (appId !== APPLICATION_ID && (appId !== 0 || tables.n > 0)) {
        db.close();
        ks.db = undefined;
        throw new KeystoreError(
          `${path} is an SQLite database but not a chainproof keystore (move it aside, or point CHAINPROOF_HOME elsewhere)`,
          "keystore-corrupt",
        );
      }
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.pragma("foreign_keys = ON");
      if (tables.n === 0) {
        db.transaction(() => {
          db.exec(SCHEMA);
          db.pragma(`application_id = ${APPLICATION_ID}`);
          db.pragma(`user_version = ${SCHEMA_VERSION}`);
        }).immediate();
      } else {
        const v = db.pragma("user_version", { simple: true }) as number;
        if (v > SCHEMA_VERSION) {
          throw new KeystoreError(
            `the keystore ${path} was written by a newer chainproof (schema ${v}); upgrade chainproof`,
            "keystore-version",
          );
        }
      }
      for (const f of [path, `${path}-wal`, `${path}-shm`]) {
        try {
          if (existsSync(f) && (statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
        } catch {
          // not ours to change: leave it
        }
      }
    } catch (e) {
      ks.db?.close();
      ks.db = undefined;
      if (e instanceof KeystoreError) throw e;
      translate(e, path);
    }
    return ks;
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  /** True when the keystore file exists (a missing one opened to read lists nothing). */
  get exists(): boolean {
    return this.db !== undefined;
  }

  private guard<T>(fn: (db: Database.Database) => T): T {
    try {
      if (!this.db) throw new KeystoreError(`no keystore at ${this.path}`, "no-keystore");
      return fn(this.db);
    } catch (e) {
      if (e instanceof KeystoreError) throw e;
      return translate(e, this.path);
    }
  }

  /** True when the keystore already has a passphrase (its first key set it). */
  get hasPassphrase(): boolean {
    if (!this.db) return false;
    return this.guard((db) => db.prepare("SELECT 1 FROM meta WHERE key = 'kdf_check'").get() !== undefined);
  }

  /**
   * Check the passphrase (or adopt it, for a keystore that has none yet). A wrong one is a KeystoreError
   * ("wrong-passphrase"), before anything is read or written with it. `prepared` is an unlocker from
   * unlocker() whose key is already derived (see unlockAsync).
   */
  unlock(passphrase: string, prepared?: Unlocked): void {
    const u = prepared ?? this.unlocker(passphrase);
    this.guard((db) => {
      const check = this.meta("kdf_check");
      if (check) {
        if (!sameParams(u.params, this.storedKdfParams())) return this.unlock(passphrase);
        if (!u.matches(new Uint8Array(check))) {
          throw new KeystoreError(
            "wrong passphrase for the keystore (it does not match the one its keys are encrypted with)",
            "wrong-passphrase",
          );
        }
        this.unlocked = u;
        return;
      }
      if (!this.writable) throw new KeystoreError("the keystore has no keys yet", "no-keystore");
      const value = u.check();
      db.transaction(() => {
        // Another process may have set a passphrase meanwhile: then ours must match it.
        if (db.prepare("SELECT 1 FROM meta WHERE key = 'kdf_check'").get()) return;
        const put = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
        put.run("kdf_salt", u.params.salt);
        put.run("kdf_iterations", Buffer.from(String(u.params.iterations)));
        put.run("kdf_check", value);
      }).immediate();
      const stored = this.meta("kdf_check");
      if (stored && !Buffer.from(stored).equals(Buffer.from(value))) {
        this.unlocked = undefined;
        this.unlock(passphrase);
        return;
      }
      this.unlocked = u;
    });
  }

  /** unlock(), with the key derived on libuv's thread pool: the calling thread goes on serving meanwhile. */
  async unlockAsync(passphrase: string): Promise<void> {
    const u = this.unlocker(passphrase);
    await u.derive();
    this.unlock(passphrase, u);
  }

  /** An unlocker for the passphrase with this keystore's KDF parameters (new ones for a new keystore). */
  private unlocker(passphrase: string): Unlocked {
    if (passphrase === "")
      throw new KeystoreError("the keystore passphrase may not be empty", "no-passphrase");
    return new Unlocked(passphrase, this.storedKdfParams() ?? newKdfParams());
  }

  /** The stored KDF parameters, or undefined for a keystore without a passphrase yet. */
  private storedKdfParams(): KdfParams | undefined {
    return this.guard(() => {
      if (!this.meta("kdf_check")) return undefined;
      const salt = this.meta("kdf_salt");
      const iterations = Number(Buffer.from(this.meta("kdf_iterations") ?? "0").toString());
      if (!salt || !iterations)
        throw new KeystoreError(
          `the keystore ${this.path} is corrupted (no KDF parameters)`,
          "keystore-corrupt",
        );
      return { salt: new Uint8Array(salt), iterations };
    });
  }

  private meta(key: string): Uint8Array | undefined {
    return (
      this.db!.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: Uint8Array } | undefined
    )?.value;
  }

  private secret(): Unlocked {
    if (!this.unlocked) throw new Error("keystore: unlock() first");
    return this.unlocked;
  }

  private toEntry(r: Row, db: Database.Database): Entry {
    const certs = db
      .prepare("SELECT der FROM certificates WHERE entry_id = ? ORDER BY position")
      .all(r.id) as { der: Uint8Array }[];
    const chain = certs.map((c) => parseCertificate(new Uint8Array(c.der)));
    return {
      name: r.name,
      label: r.label,
      kind: r.kind,
      key: { type: r.key_type, size: r.key_size, algorithm: r.key_algorithm },
      exportable: r.exportable === 1,
      chain,
      csr: r.csr ? new Uint8Array(r.csr) : undefined,
      pending: r.pending_csr
        ? { csr: new Uint8Array(r.pending_csr), newKey: r.pending_key !== null }
        : undefined,
      subject: r.subject,
      notBefore: r.not_before !== null ? new Date(r.not_before) : undefined,
      notAfter: r.not_after !== null ? new Date(r.not_after) : undefined,
      createdAt: new Date(r.created_at),
      updatedAt: new Date(r.updated_at),
      generation: r.generation,
      spkiSha256: r.spki_sha256,
    };
  }

  /** Every entry, soonest expiry first (entries without a certificate last). */
  list(): Entry[] {
    if (!this.db) return [];
    return this.guard((db) => {
      const rows = db
        .prepare("SELECT * FROM entries ORDER BY not_after IS NULL, not_after, name COLLATE NOCASE")
        .all() as Row[];
      return rows.map((r) => this.toEntry(r, db));
    });
  }

  get(name: string): Entry | undefined {
    if (!this.db) return undefined;
    return this.guard((db) => {
      const r = db.prepare("SELECT * FROM entries WHERE name = ?").get(name) as Row | undefined;
      return r ? this.toEntry(r, db) : undefined;
    });
  }

  require(name: string): Entry {
    const e = this.get(name);
    if (!e)
      throw new KeystoreError(
        `no entry named "${name}" in the keystore (chainproof keys list shows them)`,
        "no-such-entry",
      );
    return e;
  }

  /** The entry's private key (decrypted with the unlocked passphrase). */
  privateKey(name: string, which: "current" | "pending" = "current"): KeyObject {
    const blob = this.guard((db) => {
      const r = db
        .prepare(
          `SELECT ${which === "current" ? "encrypted_key" : "pending_key"} AS k FROM entries WHERE name = ?`,
        )
        .get(name) as { k: Uint8Array | null } | undefined;
      if (!r) throw new KeystoreError(`no entry named "${name}" in the keystore`, "no-such-entry");
      if (!r.k) throw new KeystoreError(`"${name}" has no ${which} key`, "no-key");
      return new Uint8Array(r.k);
    });
    try {
      return this.secret().decrypt(blob);
    } catch (e) {
      if (e instanceof WrongKeyError) {
        throw new KeystoreError(
          `the private key of "${name}" does not decrypt with this passphrase (the keystore is damaged)`,
          "keystore-corrupt",
        );
      }
      throw new KeystoreError(
        `the private key of "${name}" is damaged (${(e as Error).message})`,
        "keystore-corrupt",
      );
    }
  }

  /** Add entries: all of them or, if any name is taken or anything fails, none. */
  insert(entries: NewEntry[]): void {
    const s = this.secret();
    // Encrypt before the transaction: the transaction itself only writes rows.
    const prepared = entries.map((e) => ({ e, blob: s.encrypt(e.privateKey), key: keyOf(e.privateKey) }));
    this.guard((db) => {
      const now = Date.now();
      const insEntry = db.prepare(
        `INSERT INTO entries (name, label, kind, key_type, key_size, key_algorithm, exportable, encrypted_key,
           spki_sha256, subject, csr, not_before, not_after, cert_count, created_at, updated_at)
         VALUES (@name, @label, @kind, @key_type, @key_size, @key_algorithm, @exportable, @encrypted_key,
           @spki_sha256, @subject, @csr, @not_before, @not_after, @cert_count, @now, @now)`,
      );
      const insCert = db.prepare("INSERT INTO certificates (entry_id, position, der) VALUES (?, ?, ?)");
      db.transaction(() => {
        for (const { e, blob, key } of prepared) {
          if (db.prepare("SELECT 1 FROM entries WHERE name = ?").get(e.name)) {
            throw new KeystoreError(`an entry named "${e.name}" already exists`, "entry-exists");
          }
          const leaf = e.chain[0] ? parseCertificate(e.chain[0]) : undefined;
          const info = insEntry.run({
            name: e.name,
            label: e.label,
            kind: e.kind,
            key_type: key.type,
            key_size: key.size,
            key_algorithm: key.algorithm,
            exportable: e.exportable ? 1 : 0,
            encrypted_key: blob,
            spki_sha256: e.spkiSha256,
            subject: e.subject,
            csr: e.csr ?? null,
            not_before: leaf ? leaf.notBefore.getTime() : null,
            not_after: leaf ? leaf.notAfter.getTime() : null,
            cert_count: e.chain.length,
            now,
          });
          testPause();
          e.chain.forEach((der, i) => {
            insCert.run(info.lastInsertRowid, i, der);
            testPause();
          });
        }
      }).immediate();
    });
  }

  /** Replace an entry's chain (and key, kind, pending CSR) in one transaction. */
  replace(name: string, r: Replacement): void {
    const s = this.secret();
    const keyBlob = r.privateKey ? s.encrypt(r.privateKey) : undefined;
    const key = r.privateKey ? keyOf(r.privateKey) : undefined;
    const pendingBlob = r.pending?.privateKey ? s.encrypt(r.pending.privateKey) : undefined;
    this.guard((db) => {
      db.transaction(() => {
        const row = db.prepare("SELECT id FROM entries WHERE name = ?").get(name) as
          | { id: number }
          | undefined;
        if (!row) throw new KeystoreError(`no entry named "${name}" in the keystore`, "no-such-entry");
        const leaf = r.chain[0] ? parseCertificate(r.chain[0]) : undefined;
        const sets: string[] = [
          "kind = @kind",
          "not_before = @not_before",
          "not_after = @not_after",
          "cert_count = @cert_count",
          "updated_at = @now",
        ];
        const params: Record<string, unknown> = {
          id: row.id,
          kind: r.kind,
          not_before: leaf ? leaf.notBefore.getTime() : null,
          not_after: leaf ? leaf.notAfter.getTime() : null,
          cert_count: r.chain.length,
          now: Date.now(),
        };
        if (keyBlob && key) {
          sets.push(
            "encrypted_key = @key",
            "key_type = @key_type",
            "key_size = @key_size",
            "key_algorithm = @key_algorithm",
          );
          Object.assign(params, {
            key: keyBlob,
            key_type: key.type,
            key_size: key.size,
            key_algorithm: key.algorithm,
          });
        }
        if (r.spkiSha256) {
          sets.push("spki_sha256 = @spki");
          params.spki = r.spkiSha256;
        }
        if (r.subject !== undefined) {
          sets.push("subject = @subject");
          params.subject = r.subject;
        }
        if (r.csr !== undefined) {
          sets.push("csr = @csr");
          params.csr = r.csr;
        }
        if (r.pending === null) sets.push("pending_csr = NULL", "pending_key = NULL");
        else if (r.pending) {
          sets.push("pending_csr = @pending_csr", "pending_key = @pending_key");
          params.pending_csr = r.pending.csr;
          params.pending_key = pendingBlob ?? null;
        }
        if (r.renewal) sets.push("generation = generation + 1");
        db.prepare(`UPDATE entries SET ${sets.join(", ")} WHERE id = @id`).run(params);
        testPause();
        db.prepare("DELETE FROM certificates WHERE entry_id = ?").run(row.id);
        testPause();
        const ins = db.prepare("INSERT INTO certificates (entry_id, position, der) VALUES (?, ?, ?)");
        r.chain.forEach((der, i) => {
          ins.run(row.id, i, der);
          testPause();
        });
      }).immediate();
    });
  }

  /** Record a renewal CSR (and its new key) without touching the current certificate. */
  setPending(name: string, pending: { csr: Uint8Array; privateKey?: KeyObject }): void {
    const blob = pending.privateKey ? this.secret().encrypt(pending.privateKey) : null;
    this.guard((db) => {
      const info = db
        .prepare("UPDATE entries SET pending_csr = ?, pending_key = ?, updated_at = ? WHERE name = ?")
        .run(pending.csr, blob, Date.now(), name);
      if (info.changes === 0)
        throw new KeystoreError(`no entry named "${name}" in the keystore`, "no-such-entry");
    });
  }

  delete(name: string): boolean {
    if (!this.db) return false;
    return this.guard((db) => {
      let deleted = false;
      db.transaction(() => {
        deleted = db.prepare("DELETE FROM entries WHERE name = ?").run(name).changes > 0;
      }).immediate();
      return deleted;
    });
  }

  /**
   * Prove the store is whole: SQLite's integrity check, every entry's certificate rows exactly
   * 0..cert_count-1, the leaf's key is the entry's key, no orphan rows, and (when unlocked) every key decrypts.
   */
  verify(): string[] {
    if (!this.db) return [];
    const problems: string[] = [];
    const rows = this.guard((db) => {
      const ic = db.pragma("integrity_check", { simple: true });
      if (ic !== "ok") problems.push(`integrity_check: ${ic}`);
      const orphans = db
        .prepare("SELECT count(*) AS n FROM certificates WHERE entry_id NOT IN (SELECT id FROM entries)")
        .get() as { n: number };
      if (orphans.n) problems.push(`${orphans.n} certificate rows belong to no entry`);
      const list = db.prepare("SELECT * FROM entries").all() as Row[];
      for (const r of list) {
        const pos = db
          .prepare("SELECT position FROM certificates WHERE entry_id = ? ORDER BY position")
          .all(r.id) as { position: number }[];
        if (pos.length !== r.cert_count || pos.some((p, i) => p.position !== i)) {
          problems.push(`${r.name}: ${pos.length} certificate rows, expected ${r.cert_count}`);
        }
        if ((r.kind === "csr-pending") !== (r.cert_count === 0))
          problems.push(`${r.name}: kind ${r.kind} with ${r.cert_count} certificates`);
        if (r.kind === "csr-pending" && !r.csr) problems.push(`${r.name}: csr-pending without a CSR`);
      }
      return list;
    });
    for (const r of rows) {
      const e = this.get(r.name);
      if (!e) continue;
      if (e.chain[0] && e.chain[0].spkiSha256 !== r.spki_sha256)
        problems.push(`${r.name}: the certificate's key is not the entry's key`);
      if (this.unlocked) {
        try {
          const k = this.privateKey(r.name);
          const spki = new Uint8Array(createPublicKey(k).export({ format: "der", type: "spki" }));
          const hash = sha256hex(spki);
          if (hash !== r.spki_sha256) problems.push(`${r.name}: the stored key is not the entry's key`);
          if (r.pending_key) this.privateKey(r.name, "pending");
        } catch (err) {
          problems.push(`${r.name}: ${(err as Error).message}`);
        }
      }
    }
    return problems;
  }
}

function sha256hex(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

function keyOf(k: KeyObject): EntryKey {
  const d = describeKey(k);
  if (!d.algorithm || d.bits === undefined)
    throw new KeystoreError(`unsupported key type ${d.type}`, "bad-key");
  return { type: d.type, size: d.bits, algorithm: d.algorithm };
}

function sameParams(a: KdfParams, b: KdfParams | undefined): boolean {
  return b !== undefined && a.iterations === b.iterations && Buffer.from(a.salt).equals(Buffer.from(b.salt));
}
