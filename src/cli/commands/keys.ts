/**
 * `chainproof keys …`: the keystore of certificates and private keys our side presents (mutual TLS client
 * certificates, SAML/JWT signing), with Salesforce's Certificate and Key Management rules.
 *
 *   keys create --self-signed NAME --cn CN [--san S]… [--key rsa2048|rsa3072|rsa4096|ec-p256|ec-p384]
 *               [--label L] [--days N] [--no-exportable]
 *   keys csr NAME --cn CN [--san S]… [--key K] [--label L] [--out FILE]
 *   keys import-signed NAME FILE [--force]
 *   keys list | show NAME | delete NAME
 *   keys renew NAME [--new-key] [--days N] [--out FILE]
 *   keys export NAME --format jks|p12|pem [--with-key] --out FILE [--password-env VAR]
 *   keys import FILE [--name NAME] [--password-env VAR]
 *   keys install-on-target NAME --format pem|jks|p12 --out FILE
 *
 * The keystore lives in $CHAINPROOF_HOME (default ~/.local/share/chainproof); its passphrase comes from
 * $CHAINPROOF_KEYSTORE_PASSPHRASE, --passphrase-env VAR, --passphrase-file FILE, or a prompt on a terminal.
 * Exit status: 0 done, 2 for anything the user must fix (wrong passphrase, corrupted or read-only keystore,
 * a refused import). This module is loaded at start-up: the keystore itself (SQLite) is imported on use.
 */

import type { Command } from "commander";
import {
  certificatesIn,
  checkKeyName,
  checkNewKey,
  createKeyRequest,
  createSelfSignedKey,
  daysToExpiry,
  deleteKey,
  type Entry,
  exportableKey,
  exportKey,
  FORMAT_NAMES,
  importKeys,
  importSignedCertificate,
  installKeyOnTarget,
  type Keystore,
  keyEntryJson,
  keyPem,
  listKeys,
  openKeystore,
  renewKey,
} from "../../app/keys.js";
import { InputError } from "../../x509/errors.js";
import { filePassword, passwordFrom, promptPassword, readInput, writeOut } from "../io.js";
import { safeText, styleFor } from "../style.js";

export { KEYS_SCHEMA, KEYS_SCHEMA_VERSION } from "../../app/keys.js";

interface PassphraseOptions {
  passphraseEnv?: string;
  passphraseFile?: string;
}

function openStore(write: boolean): Promise<Keystore> {
  return openKeystore({ write });
}

/** The keystore passphrase: --passphrase-env, --passphrase-file, $CHAINPROOF_KEYSTORE_PASSPHRASE, or a prompt. */
async function unlock(ks: Keystore, o: PassphraseOptions): Promise<void> {
  let p = passwordFrom({ passwordEnv: o.passphraseEnv, passwordFile: o.passphraseFile });
  if (p === undefined) p = process.env.CHAINPROOF_KEYSTORE_PASSPHRASE;
  if (p === undefined || p === "") {
    if (!process.stdin.isTTY) {
      throw new InputError(
        "the keystore passphrase is needed: set CHAINPROOF_KEYSTORE_PASSPHRASE, or use --passphrase-env VAR or --passphrase-file FILE",
        "no-passphrase",
      );
    }
    p = await promptPassword("Keystore passphrase: ");
    if (!ks.hasPassphrase) {
      const again = await promptPassword("New keystore: the same passphrase again: ");
      if (again !== p)
        throw new InputError("the two passphrases differ; nothing was changed", "no-passphrase");
    }
  }
  ks.unlock(p);
}

function warn(lines: string[]): void {
  const s = styleFor(process.stderr);
  for (const l of lines) process.stderr.write(`${s.yellow("warning:")} ${safeText(l)}\n`);
}

function note(lines: string[]): void {
  for (const l of lines) process.stderr.write(`note: ${safeText(l)}\n`);
}

function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

function parseDays(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new InputError(`--days "${text}" is not a whole number of days`, "usage");
  return Number(text);
}

function keyText(e: Entry): string {
  return e.key.type === "EC" ? `EC P-${e.key.size}` : `${e.key.type} ${e.key.size}`;
}

function summary(e: Entry, now: number): string {
  const left = daysToExpiry(e, now);
  const until = e.notAfter
    ? `valid until ${e.notAfter.toISOString().slice(0, 10)} (${left} days)`
    : "waiting for the CA";
  return `${safeText(e.name)}: ${e.kind}, ${keyText(e)}, ${safeText(e.subject)}, ${until}`;
}

// ---------------------------------------------------------------------------------------------------------
// Commands

interface CreateOptions extends PassphraseOptions {
  selfSigned: string;
  cn: string;
  san?: string[];
  key?: string;
  label?: string;
  days?: string;
  exportable?: boolean;
  json?: boolean;
}

async function keyChoice(k: string | undefined) {
  const { CREATE_KEYS } = await import("../../keystore/rules.js");
  if (k === undefined) return undefined;
  if (!(CREATE_KEYS as readonly string[]).includes(k)) {
    throw new InputError(
      `--key "${k}": choose ${CREATE_KEYS.join(", ")} (a key's type and size are fixed once saved)`,
      "usage",
    );
  }
  return k as (typeof CREATE_KEYS)[number];
}

export async function runKeysCreate(o: CreateOptions): Promise<number> {
  const input = { name: o.selfSigned, cn: o.cn, san: o.san, label: o.label, exportable: o.exportable };
  await checkNewKey(input);
  const key = await keyChoice(o.key);
  const days = parseDays(o.days);
  const ks = await openStore(true);
  try {
    await unlock(ks, o);
    const t0 = performance.now();
    const r = await createSelfSignedKey(ks, { ...input, key, days });
    warn(r.warnings);
    note(r.notes);
    if (o.json) process.stdout.write(`${JSON.stringify(keyEntryJson(r.entry, Date.now()), null, 2)}\n`);
    else
      process.stdout.write(
        `created ${summary(r.entry, Date.now())} in ${Math.round(performance.now() - t0)} ms\n`,
      );
    return 0;
  } finally {
    ks.close();
  }
}

interface CsrOptions extends PassphraseOptions {
  cn: string;
  san?: string[];
  key?: string;
  label?: string;
  out?: string;
  exportable?: boolean;
}

export async function runKeysCsr(name: string, o: CsrOptions): Promise<number> {
  const input = { name, cn: o.cn, san: o.san, label: o.label, exportable: o.exportable };
  await checkNewKey(input);
  const key = await keyChoice(o.key);
  const ks = await openStore(true);
  try {
    await unlock(ks, o);
    const r = await createKeyRequest(ks, { ...input, key });
    warn(r.warnings);
    note(r.notes);
    const pem = Buffer.from(r.csrPem);
    if (o.out && o.out !== "-") {
      writeOut(o.out, pem, false);
      process.stdout.write(
        `${summary(r.entry, Date.now())}\nwrote the request to ${o.out}: send it to the CA, then: chainproof keys import-signed ${name} FILE\n`,
      );
    } else process.stdout.write(pem);
    return 0;
  } finally {
    ks.close();
  }
}

export async function runKeysImportSigned(
  name: string,
  file: string,
  o: PassphraseOptions & { force?: boolean; json?: boolean },
): Promise<number> {
  const certs = certificatesIn(file);
  const ks = await openStore(true);
  try {
    await unlock(ks, o);
    const r = await importSignedCertificate(ks, name, certs, { force: o.force });
    warn(r.warnings);
    note(r.notes);
    if (o.json) process.stdout.write(`${JSON.stringify(keyEntryJson(r.entry, Date.now()), null, 2)}\n`);
    else process.stdout.write(`imported ${summary(r.entry, Date.now())}\n`);
    return 0;
  } finally {
    ks.close();
  }
}

export async function runKeysList(o: { json?: boolean }): Promise<number> {
  const ks = await openStore(false);
  try {
    const now = Date.now();
    if (o.json) {
      process.stdout.write(`${JSON.stringify(listKeys(ks, now), null, 2)}\n`);
      return 0;
    }
    const entries = ks.list();
    if (entries.length === 0) {
      process.stdout.write(
        `no keys yet (${ks.path}); chainproof keys create --self-signed NAME --cn NAME makes one\n`,
      );
      return 0;
    }
    const s = styleFor(process.stdout);
    const rows = entries.map((e) => {
      const left = daysToExpiry(e, now);
      return [
        safeText(e.name),
        e.kind,
        keyText(e),
        e.notAfter ? e.notAfter.toISOString().slice(0, 10) : "-",
        left === undefined ? "-" : String(left),
        safeText(e.label),
      ];
    });
    const head = ["NAME", "KIND", "KEY", "EXPIRES", "DAYS", "LABEL"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]) =>
      r
        .map((c, i) => (i === 4 ? c.padStart(widths[i]) : i === r.length - 1 ? c : c.padEnd(widths[i])))
        .join("  ");
    process.stdout.write(`${s.bold(line(head))}\n`);
    rows.forEach((r, i) => {
      const left = daysToExpiry(entries[i], now);
      const text = line(r);
      process.stdout.write(
        `${left !== undefined && left < 0 ? s.red(text) : left !== undefined && left < 30 ? s.yellow(text) : text}\n`,
      );
    });
    return 0;
  } finally {
    ks.close();
  }
}

export async function runKeysShow(name: string, o: { json?: boolean; pem?: boolean }): Promise<number> {
  const ks = await openStore(false);
  try {
    const e = ks.require(name);
    const now = Date.now();
    if (o.json) {
      process.stdout.write(`${JSON.stringify(keyEntryJson(e, now), null, 2)}\n`);
      return 0;
    }
    if (o.pem) {
      process.stdout.write(keyPem(e));
      return 0;
    }
    const j = keyEntryJson(e, now);
    const lines = [
      `Name:        ${safeText(e.name)}`,
      `Label:       ${safeText(e.label)}`,
      `Kind:        ${e.kind}${e.pending ? ` (renewal requested${e.pending.newKey ? ", new key" : ""}: waiting for the CA)` : ""}`,
      `Key:         ${keyText(e)}${e.exportable ? ", exportable" : ", not exportable"}`,
      `Subject:     ${safeText(e.subject)}`,
    ];
    if (j.sans.length) lines.push(`SANs:        ${safeText(j.sans.join(", "))}`);
    if (e.notAfter) {
      lines.push(
        `Valid:       ${e.notBefore!.toISOString()} to ${e.notAfter.toISOString()} (${daysToExpiry(e, now)} days left)`,
        `SHA-256:     ${e.chain[0].sha256}`,
      );
    }
    lines.push(`Key SHA-256: ${e.spkiSha256}`);
    e.chain.forEach((c, i) => {
      lines.push(
        `Chain ${i + 1}:     ${safeText(c.subject.toString())}${i === 0 ? "" : ""}  (issuer ${safeText(c.issuer.toString())})`,
      );
    });
    lines.push(`Created:     ${e.createdAt.toISOString()}, renewed ${e.generation - 1} times`);
    process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  } finally {
    ks.close();
  }
}

export async function runKeysDelete(name: string): Promise<number> {
  const ks = await openStore(true);
  try {
    const e = deleteKey(ks, name);
    process.stdout.write(`deleted ${safeText(e.name)}\n`);
    return 0;
  } finally {
    ks.close();
  }
}

export async function runKeysRenew(
  name: string,
  o: PassphraseOptions & { newKey?: boolean; days?: string; out?: string; json?: boolean },
): Promise<number> {
  const days = parseDays(o.days);
  const ks = await openStore(true);
  try {
    await unlock(ks, o);
    const r = await renewKey(ks, { name, newKey: o.newKey, days });
    warn(r.warnings);
    note(r.notes);
    if (r.csrPem) {
      const pem = Buffer.from(r.csrPem);
      if (o.out && o.out !== "-") {
        writeOut(o.out, pem, false);
        process.stdout.write(`wrote the renewal request for ${safeText(r.entry.name)} to ${o.out}\n`);
      } else process.stdout.write(pem);
    } else if (o.json)
      process.stdout.write(`${JSON.stringify(keyEntryJson(r.entry, Date.now()), null, 2)}\n`);
    else process.stdout.write(`renewed ${summary(r.entry, Date.now())}\n`);
    return 0;
  } finally {
    ks.close();
  }
}

interface ExportOptions extends PassphraseOptions {
  format: string;
  withKey?: boolean;
  out: string;
  passwordEnv?: string;
  passwordFile?: string;
  unencryptedKey?: boolean;
}

function formatChoice(f: string): "pem" | "jks" | "p12" {
  const v = f.toLowerCase() === "pkcs12" ? "p12" : f.toLowerCase();
  if (v !== "pem" && v !== "jks" && v !== "p12")
    throw new InputError(`--format "${f}": choose pem, jks or p12`, "usage");
  return v;
}

export async function runKeysExport(name: string, o: ExportOptions): Promise<number> {
  const format = formatChoice(o.format);
  const ks = await openStore(Boolean(o.withKey));
  try {
    const entry = exportableKey(ks, name, Boolean(o.withKey));
    if (o.withKey) await unlock(ks, o);
    const needsPassword = format !== "pem" || (o.withKey && !o.unencryptedKey);
    const password = needsPassword ? await filePassword(o, o.out, true) : undefined;
    const r = await exportKey(ks, {
      name,
      format,
      withKey: o.withKey,
      password,
      unencryptedKey: o.unencryptedKey,
    });
    warn(r.warnings);
    writeOut(o.out, r.bytes, Boolean(o.withKey));
    if (o.out !== "-") {
      process.stdout.write(
        `wrote ${safeText(entry.name)} (${o.withKey ? "certificate chain and private key" : "certificate chain"}) as ${FORMAT_NAMES[format]} to ${o.out}\n`,
      );
    }
    return 0;
  } finally {
    ks.close();
  }
}

export async function runKeysImport(
  file: string,
  o: PassphraseOptions & {
    name?: string;
    label?: string;
    passwordEnv?: string;
    passwordFile?: string;
    exportable?: boolean;
  },
): Promise<number> {
  const bytes = readInput(file);
  const password = (await filePassword(o, file, false)) ?? "";
  if (o.name !== undefined) await checkKeyName(o.name);
  const ks = await openStore(true);
  try {
    await unlock(ks, o);
    const results = await importKeys(ks, {
      input: bytes,
      source: file,
      password,
      name: o.name,
      label: o.label,
      exportable: o.exportable,
    });
    for (const r of results) {
      warn(r.warnings);
      note(r.notes);
      process.stdout.write(`imported ${summary(r.entry, Date.now())}\n`);
    }
    return 0;
  } finally {
    ks.close();
  }
}

export async function runKeysInstallOnTarget(
  name: string,
  o: { format: string; out: string; passwordEnv?: string; passwordFile?: string },
): Promise<number> {
  const format = formatChoice(o.format);
  const password = format === "pem" ? undefined : passwordFrom(o);
  const ks = await openStore(false);
  try {
    const r = await installKeyOnTarget(ks, { name, format, password, file: o.out });
    warn(r.warnings);
    writeOut(o.out, r.bytes, false);
    const s = styleFor(process.stdout);
    const what = r.selfSignedItself
      ? "the self-signed certificate itself"
      : `the issuing CA chain (${r.trust.map((c) => safeText(c.label)).join(" → ")})`;
    const out = [
      `wrote ${what} to ${o.out}${format === "pem" ? "" : ` (${FORMAT_NAMES[format]}, password ${password === undefined ? '"changeit"' : "as given"})`}`,
      "The server must trust this to accept the certificate of " + `${safeText(name)}:`,
    ];
    for (const sn of r.snippets)
      out.push("", s.bold(`${sn.server}:`), ...sn.text.split("\n").map((l) => `  ${l}`));
    process.stdout.write(`${out.join("\n")}\n`);
    return 0;
  } finally {
    ks.close();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Registration

function passphrase(cmd: Command): Command {
  return cmd
    .option(
      "--passphrase-env <VAR>",
      "keystore passphrase from environment variable VAR (default: CHAINPROOF_KEYSTORE_PASSPHRASE)",
    )
    .option("--passphrase-file <FILE>", "keystore passphrase from the first line of FILE");
}

const KEY_HELP = "rsa2048 (default), rsa3072, rsa4096, ec-p256 or ec-p384";

/** Add `keys` and its subcommands to the program. */
export function registerKeys(program: Command): void {
  const keys = program
    .command("keys")
    .description(
      "the keystore of our own certificates and keys (mTLS client certificates, signing), Salesforce's rules",
    );
  const set = (code: number) => {
    process.exitCode = code;
  };
  passphrase(
    keys
      .command("create")
      .description("create a key and a self-signed certificate (Salesforce: 1 year; 2 years for RSA 4096)")
      .requiredOption("--self-signed <NAME>", "the entry's unique name (letters, digits, underscores)")
      .requiredOption("--cn <NAME>", "the certificate's common name (a name in your own domain)")
      .option(
        "--san <NAME>",
        "a subject alternative name: DNS:…, IP:…, email:…, URI:… (repeat or comma-separate)",
        collect,
      )
      .option("--key <TYPE>", KEY_HELP)
      .option("--label <TEXT>", "a label (default: the name)")
      .option("--days <N>", "validity in days instead of Salesforce's")
      .option("--no-exportable", "the private key may never be exported")
      .option("--json", "print the entry as JSON"),
  ).action(async (o) => set(await runKeysCreate(o)));
  passphrase(
    keys
      .command("csr")
      .description("create a key and a certificate signing request (PKCS#10) for a CA")
      .argument("<name>", "the entry's unique name")
      .requiredOption("--cn <NAME>", "the common name to request")
      .option("--san <NAME>", "a subject alternative name (repeat or comma-separate)", collect)
      .option("--key <TYPE>", KEY_HELP)
      .option("--label <TEXT>", "a label (default: the name)")
      .option("--out <FILE>", "write the request (PEM) to FILE instead of standard output")
      .option("--no-exportable", "the private key may never be exported"),
  ).action(async (name: string, o) => set(await runKeysCsr(name, o)));
  passphrase(
    keys
      .command("import-signed")
      .description("store the CA's answer to a request: key matched, chain and lifetime checked")
      .argument("<name>", "the entry whose request the CA signed")
      .argument("<file>", "the certificate and its chain (PEM, DER or PKCS#7)")
      .option("--force", "store it despite an incomplete chain or a lifetime over the public-CA maximum")
      .option("--json", "print the entry as JSON"),
  ).action(async (name: string, file: string, o) => set(await runKeysImportSigned(name, file, o)));
  keys
    .command("list")
    .description("every entry with its days to expiry, soonest first")
    .option("--json", "print JSON")
    .action(async (o) => set(await runKeysList(o)));
  keys
    .command("show")
    .description("one entry in full")
    .argument("<name>", "the entry")
    .option("--json", "print JSON")
    .option("--pem", "print the certificate chain (or the pending request) as PEM")
    .action(async (name: string, o) => set(await runKeysShow(name, o)));
  keys
    .command("delete")
    .description("delete an entry and its key")
    .argument("<name>", "the entry")
    .action(async (name: string) => set(await runKeysDelete(name)));
  passphrase(
    keys
      .command("renew")
      .description("a new certificate for an entry: self-signed at once; CA-signed via a new request")
      .argument("<name>", "the entry")
      .option("--new-key", "generate a new key (of the same type and size)")
      .option("--days <N>", "validity in days (self-signed)")
      .option("--out <FILE>", "where to write the renewal request of a CA-signed entry")
      .option("--json", "print the entry as JSON"),
  ).action(async (name: string, o) => set(await runKeysRenew(name, o)));
  passphrase(
    keys
      .command("export")
      .description("write an entry's certificate chain (and key) as JKS, PKCS#12 or PEM")
      .argument("<name>", "the entry")
      .requiredOption("--format <FORMAT>", "jks (Salesforce's keystore format), p12 or pem")
      .requiredOption("--out <FILE>", "the file to write")
      .option("--with-key", "include the private key")
      .option("--password-env <VAR>", "the file's password from environment variable VAR")
      .option("--password-file <FILE>", "the file's password from the first line of FILE")
      .option("--unencrypted-key", "PEM only: write the key unencrypted (PRIVATE KEY)"),
  ).action(async (name: string, o) => set(await runKeysExport(name, o)));
  passphrase(
    keys
      .command("import")
      .description(
        "import the key entries of a JKS or PKCS#12 file (Salesforce's checks: RSA 2048/3072/4096, PKCS#8, matching chain)",
      )
      .argument("<file>", "the keystore file")
      .option("--name <NAME>", "the entry's name (default: the alias)")
      .option("--label <TEXT>", "a label (default: the name)")
      .option("--password-env <VAR>", "the file's password from environment variable VAR")
      .option("--password-file <FILE>", "the file's password from the first line of FILE")
      .option("--no-exportable", "the private key may never be exported"),
  ).action(async (file: string, o) => set(await runKeysImport(file, o)));
  keys
    .command("install-on-target")
    .description(
      "what a server must trust to accept this entry as a client certificate, with nginx/Apache/HAProxy/Tomcat settings",
    )
    .argument("<name>", "the entry")
    .requiredOption("--format <FORMAT>", "pem, jks or p12")
    .requiredOption("--out <FILE>", "the file to write")
    .option(
      "--password-env <VAR>",
      "JKS/PKCS#12 truststore password from environment variable VAR (default changeit)",
    )
    .option("--password-file <FILE>", "JKS/PKCS#12 truststore password from the first line of FILE")
    .action(async (name: string, o) => set(await runKeysInstallOnTarget(name, o)));
}
