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
 * Store names (also for `verify --store`): mozilla, fpki, node, system, jdk, salesforce:FILE, or a path to a
 * PEM/DER/PKCS#7 bundle, a folder of them, a JKS/JCEKS keystore or a PKCS#12 file.
 */

import { readdirSync, statSync, writeFileSync } from "node:fs";
import { pickRequestCertificate, type RootDossier, rootDossier } from "../../clients/index.js";
import { defaultDistrustRules } from "../../trust/distrust.js";
import { fpkiStore } from "../../trust/fpki.js";
import { JDK_CACERTS_ALIASES } from "../../trust/jdk-aliases.js";
import {
  jdkCacertsCandidates,
  systemBundleCandidates,
  systemDirectoryCandidates,
} from "../../trust/locations.js";
import { mozillaStore } from "../../trust/mozilla.js";
import { nodeStore } from "../../trust/node.js";
import { parseSalesforceRootList } from "../../trust/salesforce-list.js";
import {
  JDK_DEFAULT_STOREPASS,
  normalizeFingerprint,
  type StoreFile,
  storeFromBytes,
  storeFromFiles,
  type TrustAnchor,
  type TrustStore,
} from "../../trust/store.js";
import type { Certificate } from "../../x509/certificate.js";
import { InputError } from "../../x509/errors.js";
import { readCertificates } from "../../x509/input.js";
import { decodeDocument } from "../../x509/json.js";
import { toPem } from "../../x509/pem.js";
import { type JksWriteEntry, writeJks } from "../../x509/write/jks.js";
import { fsReason, passwordFrom, readInput } from "../io.js";
import { certificateNodes } from "../render/certificate.js";
import { colonHex } from "../render/format.js";
import { field, note, renderNodes, section } from "../render/layout.js";
import { safeText, styleFor } from "../style.js";

const EXIT_OK = 0;

export const STORE_NAMES = "mozilla, fpki, node, system, jdk, salesforce:FILE, or a path";

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

// ---------------------------------------------------------------------------------------------------------
// Store resolution

function exists(path: string): "file" | "dir" | undefined {
  try {
    const st = statSync(path);
    return st.isDirectory() ? "dir" : st.isFile() ? "file" : undefined;
  } catch {
    return undefined;
  }
}

function storePassword(opts: StoreOptions): string | undefined {
  return opts.storePasswordEnv ? passwordFrom({ passwordEnv: opts.storePasswordEnv }) : undefined;
}

function folderFiles(dir: string): StoreFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new InputError(`${dir}: ${fsReason(e)}`, "cannot-read");
  }
  const files: StoreFile[] = [];
  for (const n of names) {
    const p = `${dir.replace(/\/$/, "")}/${n}`;
    if (exists(p) !== "file") continue;
    files.push({ bytes: readInput(p), source: p });
  }
  return files;
}

/** A store by name or path (see the module comment). Throws InputError for what cannot be read. */
export function resolveStore(spec: string, opts: StoreOptions = {}): TrustStore {
  const report = opts.report ?? ((l: string) => process.stderr.write(`${l}\n`));
  const env = { env: process.env, platform: process.platform };
  switch (spec) {
    case "mozilla":
      return mozillaStore();
    case "fpki":
      return fpkiStore(opts.time);
    case "node":
      return nodeStore();
    case "system": {
      for (const f of systemBundleCandidates(env)) {
        if (exists(f) === "file") return storeFromBytes("system", readInput(f), { source: f });
      }
      for (const d of systemDirectoryCandidates(env)) {
        if (exists(d) === "dir") return storeFromFiles("system", folderFiles(d), { source: d });
      }
      throw new InputError(
        `no system CA bundle found (tried ${systemBundleCandidates(env).join(", ")}); set SSL_CERT_FILE or give a path`,
        "no-store",
      );
    }
    case "jdk": {
      const tried = jdkCacertsCandidates(env);
      for (const f of tried) {
        if (exists(f) === "file") {
          return storeFromBytes("jdk", readInput(f), { source: f, password: storePassword(opts) });
        }
      }
      throw new InputError(
        `no JDK cacerts found (tried ${tried.join(", ")}); set JAVA_HOME or give the path`,
        "no-store",
      );
    }
  }
  if (spec.startsWith("salesforce:")) {
    const file = spec.slice("salesforce:".length);
    if (!file) throw new InputError("salesforce: needs a file: --store salesforce:cacerts.html", "usage");
    const text = Buffer.from(readInput(file)).toString("utf8");
    const list = parseSalesforceRootList(text, { source: file });
    report(`chainproof: ${list.summary}`);
    for (const u of list.unmatched)
      report(`chainproof: ${file}:${u.line}: not matched: ${u.text} (${u.reason})`);
    for (const a of list.ambiguous) {
      report(
        `chainproof: ${file}:${a.line}: ambiguous: ${a.text} (${a.candidates.map((c) => c.name).join(" | ")})`,
      );
    }
    if (list.store.anchors.length === 0)
      throw new InputError(`${file}: no root of the list could be matched`, "no-certificates");
    return { ...list.store, id: "salesforce" };
  }
  const kind = exists(spec);
  if (kind === "dir") return storeFromFiles("custom", folderFiles(spec), { source: spec, name: spec });
  if (kind === "file") {
    return storeFromBytes("custom", readInput(spec), {
      source: spec,
      name: spec,
      password: storePassword(opts),
    });
  }
  throw new InputError(`unknown store "${spec}": use ${STORE_NAMES}`, "bad-store");
}

// ---------------------------------------------------------------------------------------------------------
// Shared facts about a root

/** The alias /cacerts.jsp and keytool show: the JDK's own alias when the JDK ships the root. */
export function aliasOf(a: TrustAnchor): string {
  const sha = a.cert.sha256.toUpperCase();
  return Object.entries(JDK_CACERTS_ALIASES).find(([, v]) => v === sha)?.[0] ?? a.alias ?? a.name;
}

export interface DistrustMark {
  clients: string[];
  rule: string;
  test: "notBefore-after" | "first-sct-after";
  cutoff: string;
}

function distrustMarks(cert: Certificate): DistrustMark[] {
  const sha = cert.sha256.toUpperCase();
  return defaultDistrustRules()
    .filter((r) => r.roots.some((x) => x.toUpperCase() === sha))
    .map((r) => ({ clients: [...r.clients], rule: r.id, test: r.test.kind, cutoff: iso(r.test.date) }));
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function markText(m: DistrustMark): string {
  const what = m.test === "first-sct-after" ? "SCT after" : "issued after";
  return `${m.clients.join("/")}: ${what} ${m.cutoff.endsWith("T23:59:59Z") ? m.cutoff.slice(0, 10) : m.cutoff}`;
}

function storeSummary(s: TrustStore): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    source: s.source,
    ...(s.date ? { date: s.date } : {}),
    roots: s.anchors.length,
    notes: s.notes,
  };
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
  const store = resolveStore(opts.store ?? "mozilla", opts);
  const rows = store.anchors.map((a) => ({
    alias: aliasOf(a),
    name: a.name,
    subject: a.cert.subject.toString(),
    notBefore: iso(a.cert.notBefore),
    notAfter: iso(a.cert.notAfter),
    sha256: a.cert.sha256.toUpperCase(),
    selfSigned: a.cert.selfSigned,
    ...(a.distrustAfter ? { distrustAfter: iso(a.distrustAfter) } : {}),
    distrust: distrustMarks(a.cert),
  }));
  const out = process.stdout;
  if (opts.json) {
    out.write(
      `${JSON.stringify({ schema: "chainproof/roots", version: 1, store: storeSummary(store), roots: rows }, null, 2)}\n`,
    );
    return EXIT_OK;
  }
  const style = styleFor(out);
  const width = Math.min(44, Math.max(5, ...rows.map((r) => r.alias.length)));
  out.write(
    `${style.bold(safeText(`${store.name}: ${rows.length} roots`))}  ${style.dim(safeText(store.source))}\n\n`,
  );
  out.write(style.dim(`${"Alias".padEnd(width)}  Expires     ${"SHA-256".padEnd(64)}  Subject\n`));
  for (const r of rows) {
    const marks: string[] = [];
    if (r.distrustAfter) marks.push(`distrust after ${r.distrustAfter}`);
    for (const m of r.distrust)
      if (!(m.clients.includes("firefox") && r.distrustAfter)) marks.push(markText(m));
    const expired = Date.parse(r.notAfter) < Date.now();
    const line = `${safeText(r.alias).padEnd(width)}  ${expired ? style.red(r.notAfter.slice(0, 10)) : r.notAfter.slice(0, 10)}  ${r.sha256}  ${safeText(r.subject)}`;
    out.write(`${line}${marks.length ? `  ${style.yellow(`[${safeText(marks.join("; "))}]`)}` : ""}\n`);
  }
  const marked = rows.filter((r) => r.distrustAfter || r.distrust.length).length;
  out.write(
    `\n${rows.length} roots; ${marked} marked with a partial distrust (a date after which new certificates are refused).\n`,
  );
  for (const n of store.notes) out.write(`${style.dim(safeText(n))}\n`);
  return EXIT_OK;
}

// ---------------------------------------------------------------------------------------------------------
// roots show

export async function runRootsShow(id: string, opts: ListOptions): Promise<number> {
  const store = resolveStore(opts.store ?? "mozilla", opts);
  const a = findRoot(store, id);
  const marks = distrustMarks(a.cert);
  const out = process.stdout;
  if (opts.json) {
    const doc = decodeDocument([{ cert: a.cert }]);
    out.write(
      `${JSON.stringify({ schema: "chainproof/root", version: 1, store: storeSummary(store), alias: aliasOf(a), name: a.name, trustSource: a.trustSource, ...(a.distrustAfter ? { distrustAfter: iso(a.distrustAfter) } : {}), distrust: marks, certificate: doc.certificates[0] }, null, 2)}\n`,
    );
    return EXIT_OK;
  }
  const style = styleFor(out);
  const cert = decodeDocument([{ cert: a.cert }]).certificates[0];
  out.write(`${style.bold(safeText(`${a.name} — in ${store.name}`))}\n`);
  const trust = [
    field("Alias", aliasOf(a)),
    field("From", a.trustSource),
    ...(a.distrustAfter ? [field("Distrust after", iso(a.distrustAfter), { tone: "warn" as const })] : []),
    ...marks.map((m) => field("Distrust rule", `${m.rule}: ${markText(m)}`, { tone: "warn" as const })),
  ];
  out.write(renderNodes([section("Trust", trust), ...certificateNodes(cert)], style, {}, 1));
  return EXIT_OK;
}

function findRoot(store: TrustStore, id: string): TrustAnchor {
  const hex = normalizeFingerprint(id);
  if (/^[0-9A-F]{8,64}$/.test(hex)) {
    const hits = store.anchors.filter((a) => a.cert.sha256.toUpperCase().startsWith(hex));
    if (hits.length === 1) return hits[0];
    if (hits.length > 1)
      throw new InputError(`"${id}" matches ${hits.length} roots; give more of the SHA-256`, "ambiguous");
  }
  const want = id.toLowerCase();
  const hits = store.anchors.filter(
    (a) =>
      aliasOf(a).toLowerCase() === want || a.alias?.toLowerCase() === want || a.name.toLowerCase() === want,
  );
  if (hits.length === 1) return hits[0];
  if (hits.length > 1)
    throw new InputError(`"${id}" names ${hits.length} roots; use the SHA-256`, "ambiguous");
  throw new InputError(`no root "${id}" in ${store.name} (give an alias, a name or a SHA-256)`, "not-found");
}

// ---------------------------------------------------------------------------------------------------------
// roots import / export

function pemBundle(anchors: readonly { cert: Certificate; name: string }[]): string {
  return anchors
    .map(
      (a) =>
        `# ${a.name.replace(/[\r\n]/g, " ")}\n# SHA-256: ${colonHex(a.cert.sha256)}\n${toPem(a.cert.der)}`,
    )
    .join("\n");
}

export interface ImportOptions {
  out?: string;
  json?: boolean;
  passwordEnv?: string;
  passwordFile?: string;
}

export async function runRootsImport(file: string, opts: ImportOptions): Promise<number> {
  if (!opts.out) throw new InputError("roots import needs --out FILE", "usage");
  const bytes = readInput(file);
  let anchors: { cert: Certificate; name: string }[];
  let report: Record<string, unknown>;
  try {
    const read = readCertificates(bytes, { source: file, password: passwordFrom(opts) });
    const seen = new Set<string>();
    anchors = [];
    for (const l of read.certificates) {
      if (seen.has(l.cert.sha256)) continue;
      seen.add(l.cert.sha256);
      anchors.push({ cert: l.cert, name: l.origin.alias ?? l.cert.label });
    }
    report = { kind: "certificates", container: read.container, certificates: anchors.length };
  } catch (e) {
    if (
      !(e instanceof InputError) ||
      !["no-certificates", "unrecognised-format", "bad-der", "bad-pem"].includes(e.code)
    )
      throw e;
    // Not a certificate file: a saved /cacerts.jsp page or a list of names, aliases or fingerprints.
    const list = parseSalesforceRootList(Buffer.from(bytes).toString("utf8"), { source: file });
    anchors = list.store.anchors.map((a) => ({ cert: a.cert, name: a.name }));
    report = {
      kind: "list",
      layout: list.layout,
      summary: list.summary,
      matched: list.matched.map((m) => ({
        line: m.line,
        by: m.by,
        name: m.name,
        sha256: m.cert.sha256.toUpperCase(),
      })),
      unmatched: list.unmatched,
      ambiguous: list.ambiguous.map((x) => ({
        line: x.line,
        text: x.text,
        candidates: x.candidates.map((c) => c.name),
      })),
    };
    if (!opts.json) {
      process.stderr.write(`chainproof: ${safeText(list.summary)}\n`);
      for (const u of list.unmatched)
        process.stderr.write(
          `chainproof: ${safeText(`${file}:${u.line}: not matched: ${u.text} (${u.reason})`)}\n`,
        );
    }
  }
  if (anchors.length === 0) throw new InputError(`${file}: no certificates to write`, "no-certificates");
  try {
    writeFileSync(opts.out, pemBundle(anchors));
  } catch (e) {
    throw new InputError(`${opts.out}: ${fsReason(e)}`, "cannot-write");
  }
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ schema: "chainproof/roots-import", version: 1, out: opts.out, written: anchors.length, ...report }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(
      `Wrote ${anchors.length} certificate${anchors.length === 1 ? "" : "s"} to ${safeText(opts.out)}\n`,
    );
  }
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
  let password = JDK_DEFAULT_STOREPASS;
  if (opts.jksPasswordEnv) {
    const v = process.env[opts.jksPasswordEnv];
    if (v === undefined)
      throw new InputError(`environment variable ${opts.jksPasswordEnv} is not set`, "no-password");
    password = v;
  }
  const store = resolveStore(opts.store ?? "mozilla", opts);
  let bytes: Uint8Array | string;
  if (format === "jks") {
    // Trusted-certificate entries under JDK-style aliases, as `keytool -importcert` would make them; an alias
    // that repeats gets a numeric suffix, since JKS aliases are unique.
    const seen = new Set<string>();
    const entries: JksWriteEntry[] = store.anchors.map((a) => {
      const base = aliasOf(a).toLowerCase();
      let alias = base;
      for (let n = 2; seen.has(alias); n++) alias = `${base}-${n}`;
      seen.add(alias);
      return { kind: "trusted", alias, certificate: a.cert.der };
    });
    bytes = writeJks(entries, password);
  } else {
    bytes = pemBundle(store.anchors.map((a) => ({ cert: a.cert, name: aliasOf(a) })));
  }
  try {
    writeFileSync(opts.out, bytes);
  } catch (e) {
    throw new InputError(`${opts.out}: ${fsReason(e)}`, "cannot-write");
  }
  const note =
    format === "jks" && !opts.jksPasswordEnv
      ? ` (JKS, store password "${JDK_DEFAULT_STOREPASS}", as the JDK's cacerts)`
      : "";
  process.stdout.write(
    `Wrote ${store.anchors.length} roots of ${safeText(store.name)} to ${safeText(opts.out)}${note}\n`,
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
  const A = resolveStore(a, opts);
  const B = resolveStore(b, opts);
  const inA = new Map(A.anchors.map((x) => [x.cert.sha256, x]));
  const inB = new Map(B.anchors.map((x) => [x.cert.sha256, x]));
  const entry = (x: TrustAnchor) => ({
    name: x.name,
    alias: aliasOf(x),
    subject: x.cert.subject.toString(),
    sha256: x.cert.sha256.toUpperCase(),
  });
  const added = B.anchors.filter((x) => !inA.has(x.cert.sha256)).map(entry);
  const removed = A.anchors.filter((x) => !inB.has(x.cert.sha256)).map(entry);
  const common = A.anchors.filter((x) => inB.has(x.cert.sha256)).length;
  const out = process.stdout;
  if (opts.json) {
    out.write(
      `${JSON.stringify({ schema: "chainproof/roots-diff", version: 1, a: storeSummary(A), b: storeSummary(B), added, removed, common }, null, 2)}\n`,
    );
    return EXIT_OK;
  }
  const style = styleFor(out);
  out.write(
    `${safeText(`A: ${A.name} (${A.anchors.length} roots)`)}\n${safeText(`B: ${B.name} (${B.anchors.length} roots)`)}\n\n`,
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
  const read = readCertificates(readInput(file), { source: file, password: passwordFrom(opts) });
  const { cert, note: pickNote } = pickRequestCertificate(read.certificates.map((c) => c.cert));
  const extra: TrustStore[] = [];
  const notes: string[] = [];
  if (pickNote) notes.push(pickNote);
  // The local JDK's cacerts, when there is one; the org's list or another store when given.
  try {
    extra.push(resolveStore("jdk", { report: () => {} }));
  } catch {
    notes.push("no JDK cacerts found on this machine (set JAVA_HOME to compare with one)");
  }
  if (opts.store) extra.push(resolveStore(opts.store, opts));
  const d = rootDossier(cert, { stores: extra });
  const out = process.stdout;
  if (opts.json) {
    out.write(`${JSON.stringify({ schema: "chainproof/root-request", version: 1, notes, ...d }, null, 2)}\n`);
    return EXIT_OK;
  }
  out.write(renderDossier(d, notes, styleFor(out)));
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
    section("What to send", [
      note(
        "Open a case with Salesforce support asking to add this root to the org's trusted CA list, and include:",
      ),
      note(`  - the SHA-256 fingerprint: ${colonHex(d.sha256)}`),
      note("  - the certificate below (PEM)"),
      note("  - where it is trusted (above) and the CA's CCADB record (search ccadb.org by the SHA-256)"),
    ]),
    ...notes.map((n) => note(n, "muted")),
  ];
  return `${renderNodes(nodes, style)}\n${d.pem}`;
}
