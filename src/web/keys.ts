/**
 * Keystore routes: the same SQLite keystore as `chainproof keys` ($CHAINPROOF_HOME), with the same
 * operations (src/keystore): create self-signed, CSR and import the CA's answer, import JKS/PKCS#12,
 * renew, export JKS/PKCS#12/PEM, delete, and what a target server must trust.
 *
 * The passphrase: $CHAINPROOF_KEYSTORE_PASSPHRASE when the server was started with it, else the page asks
 * once (POST /api/keys/unlock) and the server keeps the keystore unlocked until POST /api/keys/lock or it
 * stops. Listing needs no passphrase (names, subjects and dates are not secret; keys stay encrypted).
 * Exporting a private key asks for the passphrase again, as keytool does, even when the keystore is
 * unlocked: whoever holds the page (or the access token) must also know the passphrase to take a key away.
 */

import { join } from "node:path";
import { MIN_STORE_PASSWORD } from "../app/convert.js";
import {
  confirmPassphrase,
  createKeyRequest,
  createSelfSignedKey,
  deleteKey,
  type ExportFormat,
  exportKey,
  importKeys,
  importSignedCertificate,
  installKeyOnTarget,
  keyEntryJson,
  listKeys,
  type NewKeyOptions,
  renewKey,
} from "../app/keys.js";
import { CREATE_KEYS, Keystore, keystoreHome, type Outcome } from "../keystore/index.js";
import { DB_FILE } from "../keystore/store.js";
import {
  ApiError,
  errorSchema,
  type FilePayload,
  fileBytes,
  filePayloadSchema,
  openedContainer,
  sourceName,
} from "./inputs.js";
import { certificatesOf } from "./routes.js";
import { ERRORS, route, type WebContext } from "./server.js";

class KeystoreHolder {
  private writable?: Keystore;
  constructor(
    readonly path: string,
    private readonly envPassphrase: string | undefined,
  ) {}

  /** Read the keystore (a fresh read-only handle unless a writable one is open). */
  async read<T>(fn: (ks: Keystore) => T | Promise<T>): Promise<T> {
    if (this.writable) return fn(this.writable);
    const ks = Keystore.open({ path: this.path, write: false });
    try {
      return await fn(ks);
    } finally {
      ks.close();
    }
  }

  get unlocked(): boolean {
    return this.writable !== undefined;
  }

  unlock(passphrase: string): void {
    const ks = this.writable ?? Keystore.open({ path: this.path, write: true });
    try {
      ks.unlock(passphrase);
    } catch (e) {
      if (ks !== this.writable) ks.close();
      throw e;
    }
    this.writable = ks;
  }

  /** unlock() with the key derivation off the event loop: the unlock route's way. */
  async unlockAsync(passphrase: string): Promise<void> {
    const ks = this.writable ?? Keystore.open({ path: this.path, write: true });
    try {
      await ks.unlockAsync(passphrase);
    } catch (e) {
      if (ks !== this.writable) ks.close();
      throw e;
    }
    // Two unlocks at once: the first to finish is kept.
    if (this.writable && this.writable !== ks) ks.close();
    else this.writable = ks;
  }

  lock(): void {
    this.writable?.close();
    this.writable = undefined;
  }

  /**
   * Check a passphrase against the keystore's stored check value, on a handle of its own (the unlocked
   * one, if any, is left as it is). A wrong one is a KeystoreError "wrong-passphrase" (403).
   */
  confirm(passphrase: string): Promise<void> {
    return confirmPassphrase(this.path, passphrase);
  }

  /** The unlocked keystore, for changes; unlocks with $CHAINPROOF_KEYSTORE_PASSPHRASE when set. */
  write(): Keystore {
    if (!this.writable && this.envPassphrase) this.unlock(this.envPassphrase);
    if (!this.writable) {
      throw new ApiError(423, "locked", "the keystore is locked: enter its passphrase first");
    }
    return this.writable;
  }
}

/** An operation's answer: the entry as `keys show --json` prints it (docs/schemas/keys-list.schema.json). */
function outcomeView(o: Outcome, now: number) {
  return { entry: keyEntryJson(o.entry, now), warnings: o.warnings, notes: o.notes };
}

const nameParams = {
  type: "object",
  properties: { name: { type: "string", minLength: 1, maxLength: 80, pattern: "^[A-Za-z0-9_]+$" } },
  required: ["name"],
} as const;

const createProperties = {
  name: {
    type: "string",
    minLength: 1,
    maxLength: 80,
    description: "Unique name (letters, digits, underscores; as Salesforce's)",
  },
  cn: { type: "string", minLength: 1, maxLength: 256, description: "The certificate's common name" },
  san: { type: "array", items: { type: "string", maxLength: 300 }, maxItems: 100 },
  key: { type: "string", enum: [...CREATE_KEYS] },
  label: { type: "string", maxLength: 200 },
  exportable: { type: "boolean" },
} as const;

const entryAnswer = { description: "The entry, with warnings and notes", schema: { type: "object" } };

export async function keyRoutes(ctx: WebContext): Promise<void> {
  const home = ctx.options.keystoreHome ?? keystoreHome();
  const holder = new KeystoreHolder(
    join(home, DB_FILE),
    process.env.CHAINPROOF_KEYSTORE_PASSPHRASE || undefined,
  );
  ctx.features.keys = true;
  ctx.onClose(() => holder.lock());

  const status = () =>
    holder.read((ks) => ({
      path: holder.path,
      exists: ks.exists,
      hasPassphrase: ks.hasPassphrase,
      unlocked: holder.unlocked,
      passphraseFromEnvironment: Boolean(process.env.CHAINPROOF_KEYSTORE_PASSPHRASE),
    }));

  route(
    ctx,
    {
      method: "GET",
      url: "/api/keys",
      tag: "keys",
      summary: "The keystore's entries, soonest expiry first, and whether it is unlocked",
      responses: { 200: { description: "Entries", schema: { type: "object" } } },
    },
    async () => {
      const { entries } = await holder.read((ks) => listKeys(ks));
      return { ...(await status()), entries };
    },
  );

  route(
    ctx,
    {
      method: "POST",
      url: "/api/keys/unlock",
      tag: "keys",
      summary: "Unlock the keystore with its passphrase (a new keystore takes this passphrase)",
      body: {
        type: "object",
        properties: { passphrase: { type: "string", minLength: 1, maxLength: 1024 } },
        required: ["passphrase"],
        additionalProperties: false,
      },
      responses: { 200: { description: "Unlocked", schema: { type: "object" } }, ...ERRORS },
    },
    async (req) => {
      await holder.unlockAsync((req.body as { passphrase: string }).passphrase);
      return await status();
    },
  );

  route(
    ctx,
    {
      method: "POST",
      url: "/api/keys/lock",
      tag: "keys",
      summary: "Lock the keystore (forget the passphrase)",
      body: { type: "object", additionalProperties: false },
      responses: { 200: { description: "Locked", schema: { type: "object" } } },
    },
    async () => {
      holder.lock();
      return await status();
    },
  );

  route(
    ctx,
    {
      method: "POST",
      url: "/api/keys/self-signed",
      tag: "keys",
      summary: "Create a key and a self-signed certificate (Salesforce's defaults: 1 year, RSA 2048)",
      body: {
        type: "object",
        properties: { ...createProperties, days: { type: "integer", minimum: 1, maximum: 3650 } },
        required: ["name", "cn"],
        additionalProperties: false,
      },
      responses: { 200: entryAnswer, 423: { description: "The keystore is locked" }, ...ERRORS },
    },
    async (req) => {
      const b = req.body as NewKeyOptions & { days?: number };
      const o = await createSelfSignedKey(holder.write(), b);
      return outcomeView(o, Date.now());
    },
  );

  route(
    ctx,
    {
      method: "POST",
      url: "/api/keys/csr",
      tag: "keys",
      summary: "Create a key and a certificate signing request for a CA",
      body: {
        type: "object",
        properties: createProperties,
        required: ["name", "cn"],
        additionalProperties: false,
      },
      responses: { 200: entryAnswer, 423: { description: "The keystore is locked" }, ...ERRORS },
    },
    async (req) => {
      const o = await createKeyRequest(holder.write(), req.body as NewKeyOptions);
      return { ...outcomeView(o, Date.now()), csrPem: o.csrPem };
    },
  );

  route(
    ctx,
    {
      method: "POST",
      url: "/api/keys/:name/signed",
      tag: "keys",
      summary: "Import the CA's answer to an entry's request (the key must match; the chain is checked)",
      params: nameParams,
      body: {
        type: "object",
        properties: {
          file: { ...filePayloadSchema, description: "The signed certificate and its chain" },
          force: {
            type: "boolean",
            description: "Store it despite an incomplete chain or too long a lifetime",
          },
        },
        required: ["file"],
        additionalProperties: false,
      },
      responses: { 200: entryAnswer, 423: { description: "The keystore is locked" }, ...ERRORS },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const b = req.body as { file: FilePayload; force?: boolean };
      const certs = certificatesOf(b.file, "file");
      const o = await importSignedCertificate(holder.write(), name, certs, { force: b.force });
      return {
        ...outcomeView(o, Date.now()),
        chain: {
          complete: o.report.complete,
          publicRoot: o.report.publicRoot,
          anchor: o.report.anchorName ?? null,
        },
      };
    },
  );

  route(
    ctx,
    {
      method: "POST",
      url: "/api/keys/import",
      tag: "keys",
      summary: "Import a JKS or PKCS#12 keystore's key entries, with Salesforce's checks",
      body: {
        type: "object",
        properties: {
          file: { ...filePayloadSchema, description: "The keystore, with its password" },
          name: { type: "string", maxLength: 80 },
          label: { type: "string", maxLength: 200 },
          exportable: { type: "boolean" },
        },
        required: ["file"],
        additionalProperties: false,
      },
      responses: { 200: { description: "The entries imported", schema: { type: "object" } }, ...ERRORS },
    },
    async (req) => {
      const b = req.body as { file: FilePayload; name?: string; label?: string; exportable?: boolean };
      if (!b.file.password) throw new ApiError(400, "need-password", "give the keystore's password");
      const out = await importKeys(holder.write(), {
        ...b,
        input: fileBytes(b.file, "file"),
        source: sourceName(b.file, "keystore"),
        password: b.file.password,
        opened: openedContainer(b.file),
      });
      const now = Date.now();
      return { imported: out.map((o) => outcomeView(o, now)) };
    },
  );

  route(
    ctx,
    {
      method: "POST",
      url: "/api/keys/:name/renew",
      tag: "keys",
      summary: "Renew: a new self-signed certificate, or a new request to the CA (optionally with a new key)",
      params: nameParams,
      body: {
        type: "object",
        properties: { newKey: { type: "boolean" }, days: { type: "integer", minimum: 1, maximum: 3650 } },
        additionalProperties: false,
      },
      responses: { 200: entryAnswer, 423: { description: "The keystore is locked" }, ...ERRORS },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const b = req.body as { newKey?: boolean; days?: number };
      const o = await renewKey(holder.write(), { name, ...b });
      return { ...outcomeView(o, Date.now()), ...(o.csrPem ? { csrPem: o.csrPem } : {}) };
    },
  );

  route(
    ctx,
    {
      method: "POST",
      url: "/api/keys/:name/export",
      tag: "keys",
      summary: "Export an entry as a JKS, PKCS#12 or PEM file (with its private key when asked)",
      params: nameParams,
      body: {
        type: "object",
        properties: {
          format: { type: "string", enum: ["jks", "p12", "pem"] },
          withKey: { type: "boolean" },
          password: {
            type: "string",
            maxLength: 1024,
            description:
              "The file's password (JKS, PKCS#12, PEM with key): at least 6 characters, as keytool requires",
          },
          passphrase: {
            type: "string",
            maxLength: 1024,
            description:
              "The keystore's passphrase, asked again before a private key leaves (withKey), as keytool does; checked even when the keystore is unlocked",
          },
        },
        required: ["format"],
        additionalProperties: false,
      },
      responses: {
        200: {
          description: "The file (Content-Disposition: attachment); warnings in X-Chainproof-Warnings",
          content: { "application/octet-stream": {}, "application/x-pem-file": {} },
        },
        423: { description: "The keystore is locked (exports with the key)" },
        ...ERRORS,
        403: {
          description: "Wrong keystore passphrase (withKey: no key material is sent), or CSRF checks failed",
          schema: errorSchema,
        },
      },
    },
    async (req, reply) => {
      const { name } = req.params as { name: string };
      const b = req.body as {
        format: ExportFormat;
        withKey?: boolean;
        password?: string;
        passphrase?: string;
      };
      if (b.password !== undefined && b.password.length < MIN_STORE_PASSWORD) {
        throw new ApiError(
          400,
          "weak-password",
          `the file password must be at least ${MIN_STORE_PASSWORD} characters (keytool refuses shorter ones)`,
        );
      }
      if (b.withKey) {
        if (!b.passphrase) {
          throw new ApiError(
            400,
            "need-passphrase",
            "exporting a private key needs the keystore passphrase again (passphrase), even while the keystore is unlocked",
          );
        }
        await holder.confirm(b.passphrase);
      }
      const options = { name, format: b.format, withKey: b.withKey, password: b.password || undefined };
      const out = b.withKey
        ? await exportKey(holder.write(), options)
        : await holder.read((ks) => exportKey(ks, options));
      reply.header("content-disposition", `attachment; filename="${name}.${b.format}"`);
      if (out.warnings.length)
        reply.header("x-chainproof-warnings", encodeURIComponent(out.warnings.join("; ")));
      return reply
        .type(b.format === "pem" ? "application/x-pem-file" : "application/octet-stream")
        .send(Buffer.from(out.bytes));
    },
  );

  route(
    ctx,
    {
      method: "POST",
      url: "/api/keys/:name/install-on-target",
      tag: "keys",
      summary:
        "What a server must trust to accept this entry as a client certificate, with configuration snippets",
      params: nameParams,
      body: {
        type: "object",
        properties: {
          format: { type: "string", enum: ["jks", "p12", "pem"] },
          password: { type: "string", maxLength: 1024 },
        },
        required: ["format"],
        additionalProperties: false,
      },
      responses: {
        200: { description: "The trust file (base64) and snippets", schema: { type: "object" } },
        ...ERRORS,
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const b = req.body as { format: ExportFormat; password?: string };
      const file = `${name}-trust.${b.format}`;
      const out = await holder.read((ks) =>
        installKeyOnTarget(ks, { name, format: b.format, file, password: b.password || undefined }),
      );
      return {
        file,
        base64: Buffer.from(out.bytes).toString("base64"),
        trust: out.trust.map((c) => ({ subject: c.subject.toString(), sha256: c.sha256.toUpperCase() })),
        snippets: out.snippets,
        warnings: out.warnings,
      };
    },
  );

  route(
    ctx,
    {
      method: "DELETE",
      url: "/api/keys/:name",
      tag: "keys",
      summary: "Delete an entry (its key is gone for good)",
      params: nameParams,
      responses: {
        200: { description: "Deleted", schema: { type: "object" } },
        404: { description: "No such entry" },
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      return { deleted: deleteKey(holder.write(), name).name };
    },
  );
}
