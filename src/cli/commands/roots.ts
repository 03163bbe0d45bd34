/**
 * `chainproof roots …`: trust stores as a user sees them.
 *
 *   roots list [--store NAME] [--json]          what /cacerts.jsp shows: alias, subject, expiry, SHA-256
 *   roots show ALIAS|SHA256 [--store NAME]      one root, decoded, with its trust and distrust
 *   roots import FILE --out FILE                a saved list/page/bundle → a PEM bundle
 *   roots export --store NAME --format pem --out FILE
 *   roots diff A B                              added / removed roots, by SHA-256
 *   roots request CERT                          the dossier for asking Salesforce to add a root
 *
 * Store names (also for `verify --store`): mozilla, fpki, mozilla+fpki, node, system, jdk, salesforce:FILE, or a path to a
 * PEM/DER/PKCS#7 bundle, a folder of them, a JKS/JCEKS keystore or a PKCS#12 file.
 */

import {
  type DistrustMark,
  diffStores,
  exportStore,
  importRoots,
  listRoots,
  type RootDossier,
  resolveStore as resolveStoreSpec,
  rootRequest,
  type StoreSpecOptions,
  showRoot,
} from "../../app/stores.js";
import type { TrustStore } from "../../trust/store.js";
import { JDK_DEFAULT_STOREPASS } from "../../trust/store.js";
import { InputError } from "../../x509/errors.js";
import { passwordFrom } from "../io.js";
import { certificateNodes } from "../render/certificate.js";
import { colonHex } from "../render/format.js";
import { field, note, renderNodes, section } from "../render/layout.js";
import { safeText, styleFor } from "../style.js";

const EXIT_OK = 0;

export { STORE_NAMES } from "../../app/stores.js";

export interface StoreOptions {
  /** Environment variable holding a keystore / PKCS#12 store's password. */
  storePasswordEnv?: string;
  time?: Date;
  /** Where to report what a Salesforce list matched (stderr by default). */
  report?: (line: string) => void;
}

/** `chainproof roots list | head` closes the pipe early: stop quietly rather than crash on EPIPE. */
export function quietOnClosedPipe(): void {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

/** The use case's store options from the command line: the password from its variable, reports on stderr. */
function specOptions(opts: StoreOptions): StoreSpecOptions {
  return {
    password: opts.storePasswordEnv ? passwordFrom({ passwordEnv: opts.storePasswordEnv }) : undefined,
    time: opts.time,
    report: opts.report ?? stderrReport,
  };
}

/**
 * A use case's store options from the command line (`--store`/`--roots` SPEC, `--store-password-env`): the
 * password read from its variable only when there is a store to open, reports on stderr.
 */
export function storeOptions(
  store: string | undefined,
  opts: StoreOptions,
): { store?: string; storePassword?: string; storeReport: (line: string) => void } {
  const { password, report } = specOptions(opts);
  return {
    ...(store ? { store } : {}),
    ...(password !== undefined ? { storePassword: password } : {}),
    storeReport: report ?? stderrReport,
  };
}

function stderrReport(line: string): void {
  process.stderr.write(`chainproof: ${safeText(line)}\n`);
}

/** A store by name or path (see src/app/stores.ts). Throws InputError for what cannot be read. */
export function resolveStore(spec: string, opts: StoreOptions = {}): TrustStore {
  return resolveStoreSpec(spec, specOptions(opts));
}

function markText(m: DistrustMark): string {
  const what = m.test === "first-sct-after" ? "SCT after" : "issued after";
  return `${m.clients.join("/")}: ${what} ${m.cutoff.endsWith("T23:59:59Z") ? m.cutoff.slice(0, 10) : m.cutoff}`;
}

function printJson(doc: unknown): number {
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  return EXIT_OK;
}

// ---------------------------------------------------------------------------------------------------------
// roots list

export interface ListOptions {
  store?: string;
  storePasswordEnv?: string;
  json?: boolean;
}

export async function runRootsList(opts: ListOptions): Promise<number> {
  quietOnClosedPipe();
  const doc = listRoots({ ...specOptions(opts), store: opts.store });
  if (opts.json) return printJson(doc);
  const { store, roots: rows } = doc;
  const out = process.stdout;
  const style = styleFor(out);
  const width = Math.min(44, Math.max(5, ...rows.map((r) => r.alias.length)));
  out.write(
    `${style.bold(safeText(`${store.name}: ${rows.length} roots`))}  ${style.dim(safeText(store.source))}\n\n`,
  );
  out.write(style.dim(`${"Alias".padEnd(width)}  Expires     ${"SHA-256".padEnd(64)}  Subject\n`));
  for (const r of rows) {
    const marks: string[] = [];
    if (r.expired) marks.push(`expired ${r.notAfter.slice(0, 10)}`);
    if (r.distrustAfter) marks.push(`distrust after ${r.distrustAfter}`);
    for (const m of r.distrust)
      if (!(m.clients.includes("firefox") && r.distrustAfter)) marks.push(markText(m));
    const line = `${safeText(r.alias).padEnd(width)}  ${r.expired ? style.red(r.notAfter.slice(0, 10)) : r.notAfter.slice(0, 10)}  ${r.sha256}  ${safeText(r.subject)}`;
    out.write(`${line}${marks.length ? `  ${style.yellow(`[${safeText(marks.join("; "))}]`)}` : ""}\n`);
  }
  const marked = rows.filter((r) => r.distrustAfter || r.distrust.length).length;
  const expired = rows.filter((r) => r.expired).length;
  out.write(
    `\n${rows.length} roots; ${marked} marked with a partial distrust (a date after which new certificates are refused); ${expired} expired.\n`,
  );
  for (const n of store.notes) out.write(`${style.dim(safeText(n))}\n`);
  return EXIT_OK;
}

// ---------------------------------------------------------------------------------------------------------
// roots show

export async function runRootsShow(id: string, opts: ListOptions): Promise<number> {
  const doc = showRoot(id, { ...specOptions(opts), store: opts.store });
  if (opts.json) return printJson(doc);
  const out = process.stdout;
  const style = styleFor(out);
  out.write(`${style.bold(safeText(`${doc.name} — in ${doc.store.name}`))}\n`);
  const trust = [
    field("Alias", doc.alias),
    field("From", doc.trustSource),
    ...(doc.distrustAfter ? [field("Distrust after", doc.distrustAfter, { tone: "warn" as const })] : []),
    ...doc.distrust.map((m) =>
      field("Distrust rule", `${m.rule}: ${markText(m)}`, { tone: "warn" as const }),
    ),
  ];
  out.write(renderNodes([section("Trust", trust), ...certificateNodes(doc.certificate)], style, {}, 1));
  return EXIT_OK;
}

// ---------------------------------------------------------------------------------------------------------
// roots import / export

export interface ImportOptions {
  out?: string;
  json?: boolean;
  passwordEnv?: string;
  passwordFile?: string;
}

export async function runRootsImport(file: string, opts: ImportOptions): Promise<number> {
  if (!opts.out) throw new InputError("roots import needs --out FILE", "usage");
  const doc = importRoots({
    input: file,
    password: passwordFrom(opts),
    out: opts.out,
    ...(opts.json ? {} : { report: stderrReport }),
  });
  if (opts.json) return printJson(doc);
  process.stdout.write(
    `Wrote ${doc.written} certificate${doc.written === 1 ? "" : "s"} to ${safeText(opts.out)}\n`,
  );
  return EXIT_OK;
}

export interface ExportOptions extends ListOptions {
  format?: string;
  out?: string;
  jksPasswordEnv?: string;
}

export async function runRootsExport(opts: ExportOptions): Promise<number> {
  const format = (opts.format ?? "pem").toLowerCase();
  if (format !== "pem" && format !== "jks")
    throw new InputError(`unknown format "${opts.format}": use pem or jks`, "usage");
  if (!opts.out) throw new InputError("roots export needs --out FILE", "usage");
  const jksPassword = opts.jksPasswordEnv ? passwordFrom({ passwordEnv: opts.jksPasswordEnv }) : undefined;
  const r = exportStore({ ...specOptions(opts), store: opts.store, format, jksPassword, out: opts.out });
  const note =
    format === "jks" && !opts.jksPasswordEnv
      ? ` (JKS, store password "${JDK_DEFAULT_STOREPASS}", as the JDK's cacerts)`
      : "";
  process.stdout.write(
    `Wrote ${r.written} roots of ${safeText(r.store.name)} to ${safeText(opts.out)}${note}\n`,
  );
  return EXIT_OK;
}

// ---------------------------------------------------------------------------------------------------------
// roots diff

export async function runRootsDiff(
  a: string,
  b: string,
  opts: { json?: boolean; storePasswordEnv?: string },
): Promise<number> {
  const doc = diffStores(a, b, specOptions(opts));
  if (opts.json) return printJson(doc);
  const out = process.stdout;
  const style = styleFor(out);
  const { added, removed, common } = doc;
  out.write(
    `${safeText(`A: ${doc.a.name} (${doc.a.roots} roots)`)}\n${safeText(`B: ${doc.b.name} (${doc.b.roots} roots)`)}\n\n`,
  );
  for (const x of added) out.write(`${style.green("+")} ${safeText(x.name)}  ${style.dim(x.sha256)}\n`);
  for (const x of removed) out.write(`${style.red("-")} ${safeText(x.name)}  ${style.dim(x.sha256)}\n`);
  out.write(`\n${added.length} only in B, ${removed.length} only in A, ${common} in both.\n`);
  return EXIT_OK;
}

// ---------------------------------------------------------------------------------------------------------
// roots request

export interface RequestOptions {
  json?: boolean;
  store?: string;
  storePasswordEnv?: string;
  passwordEnv?: string;
  passwordFile?: string;
}

export async function runRootsRequest(file: string, opts: RequestOptions): Promise<number> {
  const doc = rootRequest({
    ...specOptions(opts),
    cert: file,
    certPassword: passwordFrom(opts),
    store: opts.store,
  });
  if (opts.json) return printJson(doc);
  process.stdout.write(renderDossier(doc, doc.notes, styleFor(process.stdout)));
  return EXIT_OK;
}

function renderDossier(d: RootDossier, notes: string[], style: ReturnType<typeof styleFor>): string {
  const tone = (t: "good" | "bad" | "warn") =>
    (t === "good" ? "good" : t === "bad" ? "bad" : "warn") as "good" | "bad" | "warn";
  const nodes = [
    section("Certificate", [
      field("Subject", d.subject, { tone: "strong" }),
      field("Issuer", d.selfSigned ? `${d.issuer} (self-signed)` : d.issuer),
      field(
        "Valid",
        `${d.notBefore} to ${d.notAfter} (${d.daysLeft < 0 ? `expired ${-d.daysLeft} days ago` : `${d.daysLeft} days left`})`,
        {
          tone: d.daysLeft < 0 ? "bad" : d.daysLeft < 365 ? "warn" : "normal",
        },
      ),
      field("Key", d.key),
      field("Signature", d.signatureAlgorithm),
      field("CA", d.ca ? `yes${d.pathLen !== undefined ? `, path length ${d.pathLen}` : ""}` : "no", {
        tone: d.ca ? "normal" : "bad",
      }),
      ...(d.keyUsage ? [field("Key usage", d.keyUsage.join(", "))] : []),
      ...(d.extendedKeyUsage ? [field("Extended key usage", d.extendedKeyUsage.join(", "))] : []),
      ...(d.nameConstraints
        ? [
            field("Name constraints", [
              ...d.nameConstraints.permitted.map((p) => `permitted ${p}`),
              ...d.nameConstraints.excluded.map((p) => `excluded ${p}`),
            ]),
          ]
        : []),
      field("SHA-256", colonHex(d.sha256)),
      field("SHA-1", colonHex(d.sha1)),
      ...(d.jdkAlias ? [field("JDK alias", d.jdkAlias)] : []),
    ]),
    section(
      "Where it is trusted",
      d.presence.map((p) => field(p.store, p.detail, { tone: p.present ? "good" : "muted" })),
    ),
    ...(d.issuerRoot
      ? [
          section("Its root", [
            field("Subject", d.issuerRoot.subject),
            field("SHA-256", colonHex(d.issuerRoot.sha256)),
            field("Known from", d.issuerRoot.where),
          ]),
        ]
      : []),
    ...(d.distrust.length
      ? [
          section(
            "Partial distrust",
            d.distrust.map((x) =>
              field(x.clients.join(", "), `${x.test} ${x.cutoff} (${x.rule})`, { tone: "warn" }),
            ),
          ),
        ]
      : []),
    section(
      "Assessment",
      d.assessment.map((a) =>
        note(`${a.tone === "good" ? "+" : a.tone === "bad" ? "✗" : "!"} ${a.text}`, tone(a.tone)),
      ),
    ),
    section(
      d.kind === "root" ? "What to send" : "What to do instead",
      d.send.map((line) => note(line)),
    ),
    ...notes.map((n) => note(n, "muted")),
  ];
  return `${renderNodes(nodes, style)}\n${d.pem}`;
}
