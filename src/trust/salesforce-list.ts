/**
 * A Salesforce org's supported-root list, as a trust store.
 *
 * An org serves its list at `https://<org host>/cacerts.jsp`. No public copy of that page exists, so this
 * parser does not assume one layout. It reads what a user is likely to hand us:
 * - the page saved as HTML: a table (`<tr><td>alias</td><td>subject</td><td>expiry</td>…`), a list, or
 *   text with `<br>` breaks;
 * - the page saved as text, or copied: one entry per line, tab- or comma-separated columns, or
 *   `Key: value` blocks (`Alias name:` / `Owner:` / `SHA256:` as keytool -list -v prints them);
 * - any plain list of names, aliases or fingerprints.
 *
 * Certificates are taken from the list itself when it holds PEM blocks. Otherwise each entry is matched
 * against catalogs of known roots (by default every bundled Mozilla NSS root, trusted for TLS or not, the
 * FPKI bundle, then every root Mozilla has removed from its store, which the JDK and so Salesforce may still
 * list): by SHA-256 or SHA-1 fingerprint (with or without colons), JDK cacerts alias, alias or
 * label, subject DN or common name; an expiry date in the entry narrows ambiguous names. Everything that
 * could not be matched is reported with its line number.
 */

import type { Certificate } from "../x509/certificate.js";
import { InputError } from "../x509/errors.js";
import { readCertificates } from "../x509/input.js";
import { fpkiCertificates } from "./fpki.js";
import { JDK_CACERTS_ALIASES } from "./jdk-aliases.js";
import { mozillaRemovedRoots, mozillaRoots, tlsTrustRemoval } from "./mozilla.js";
import type { TrustAnchor, TrustStore } from "./store.js";

/** A certificate a list entry can be matched to. */
export interface CatalogEntry {
  cert: Certificate;
  /** The catalog's label for it (NSS CKA_LABEL; the CN otherwise). */
  label: string;
  /** Aliases known for it, lower case. JDK cacerts aliases are added from ./jdk-aliases.ts by fingerprint. */
  aliases: string[];
  /** Something worth telling a user who lists this root (e.g. "not trusted for TLS by Mozilla"). */
  note?: string;
}

export interface Catalog {
  id: string;
  entries: CatalogEntry[];
}

/** The catalog id of the roots Mozilla has removed from its store. */
export const MOZILLA_REMOVED = "mozilla-removed";

/**
 * The bundled catalogs: all Mozilla NSS roots (167, every purpose), the FPKI bundle (151), then every root
 * Mozilla has removed from its store (data/nss-history: AffirmTrust, old VeriSign, GeoTrust, thawte…, which
 * the JDK and so Salesforce may still list), each noted with when Mozilla removed it.
 */
export function bundledCatalogs(): Catalog[] {
  const mozilla: CatalogEntry[] = mozillaRoots().map(({ root, cert }) => {
    const e: CatalogEntry = { cert, label: root.label, aliases: [root.alias] };
    if (root.serverAuth !== "trusted-delegator") {
      const when = tlsTrustRemoval(root.sha256);
      e.note = `not trusted for TLS server authentication by Mozilla${when ? `: ${when}` : ""}`;
    }
    return e;
  });
  const fpki: CatalogEntry[] = fpkiCertificates().map((cert) => ({ cert, label: cert.label, aliases: [] }));
  const removed: CatalogEntry[] = mozillaRemovedRoots().map(({ root, cert, history }) => ({
    cert,
    label: root.label,
    aliases: [squash(root.label)],
    note: history,
  }));
  return [
    { id: "mozilla", entries: mozilla },
    { id: "fpki", entries: fpki },
    { id: MOZILLA_REMOVED, entries: removed },
  ];
}

/** A catalog from any store's anchors and catalog (e.g. a JDK cacerts the CLI read). */
export function catalogFromStore(store: TrustStore): Catalog {
  const entries: CatalogEntry[] = store.anchors.map((a) => ({
    cert: a.cert,
    label: a.name,
    aliases: a.alias ? [a.alias.toLowerCase()] : [],
  }));
  for (const cert of store.catalog ?? []) entries.push({ cert, label: cert.label, aliases: [] });
  return { id: store.id, entries };
}

export type MatchKind = "certificate" | "fingerprint" | "alias" | "name";

export interface MatchedEntry {
  line: number;
  text: string;
  by: MatchKind;
  cert: Certificate;
  name: string;
  /** Which catalog matched ("list" for certificates taken from the list itself). */
  catalog: string;
  note?: string;
  /** Another entry of the list had already given this certificate. */
  duplicate: boolean;
  /** Mozilla removed it from its store (the note says when). */
  removedFromMozilla?: boolean;
}

export interface UnmatchedEntry {
  line: number;
  text: string;
  reason: string;
}

export interface AmbiguousEntry {
  line: number;
  text: string;
  candidates: { name: string; sha256: string; catalog: string }[];
}

export interface SalesforceListCounts {
  /** Data entries read (header rows and blank lines excluded). */
  rows: number;
  headers: number;
  matched: number;
  byCertificate: number;
  byFingerprint: number;
  byAlias: number;
  byName: number;
  unmatched: number;
  ambiguous: number;
  /** Matched entries that named a certificate already listed. */
  duplicates: number;
  /** Distinct certificates: the store's anchors. */
  certificates: number;
}

export interface SalesforceRootList {
  store: TrustStore;
  /** How the input was read. */
  layout: "html-table" | "html-text" | "text";
  matched: MatchedEntry[];
  unmatched: UnmatchedEntry[];
  ambiguous: AmbiguousEntry[];
  counts: SalesforceListCounts;
  /** One line saying what was read, for reports. */
  summary: string;
}

export interface ParseSalesforceOptions {
  /** Catalogs to match names against (default: bundledCatalogs()). */
  catalogs?: Catalog[];
  /** File name for messages and trustSource (default "cacerts.jsp"). */
  source?: string;
}

/** Refuse absurd inputs: a real list has a few hundred entries. */
const MAX_INPUT_CHARS = 20_000_000;
const MAX_ROWS = 50_000;

/** Parse a supported-root list (see the module comment) into a trust store and a matching report. */
export function parseSalesforceRootList(text: string, opts: ParseSalesforceOptions = {}): SalesforceRootList {
  const source = opts.source ?? "cacerts.jsp";
  if (text.length > MAX_INPUT_CHARS) {
    throw new InputError(
      `${source}: ${text.length.toLocaleString("en-US")} characters is too large for a root list`,
      "limit-exceeded",
    );
  }
  const index = new CatalogIndex(opts.catalogs ?? bundledCatalogs());
  const lineStarts = computeLineStarts(text);
  const lineAt = (pos: number) => lineOfPos(lineStarts, pos);

  const html = looksLikeHtml(text);
  const pems = findPemBlocks(text, source, lineAt, index);
  let rows: RawRow[];
  let layout: SalesforceRootList["layout"];
  if (html && /<tr\b/i.test(text)) {
    layout = "html-table";
    rows = htmlTableRows(text, lineAt);
  } else {
    layout = html ? "html-text" : "text";
    // Blank out the PEM blocks and their labels, so the rest reads as entries (line numbers kept).
    rows = textRows(
      maskRanges(
        html ? maskHtmlNoise(text) : text,
        pems.map((p) => ({ start: p.labelStart ?? p.start, end: p.end })),
      ),
      html,
    );
  }
  if (rows.length > MAX_ROWS) {
    throw new InputError(
      `${source}: more than ${MAX_ROWS.toLocaleString("en-US")} entries; is this a root list?`,
      "limit-exceeded",
    );
  }

  const result = new ResultBuilder(source, layout);
  // PEM blocks first: certificates the list gives us outright. A table row holding a PEM block is that
  // certificate's row; elsewhere the text just before a block is its label (see findPemBlocks).
  const pemOwnedRows = new Set<RawRow>();
  for (const pem of pems) {
    const owner =
      layout === "html-table" ? rows.find((r) => r.start <= pem.start && pem.end <= r.end) : undefined;
    if (owner) pemOwnedRows.add(owner);
    const label = owner
      ? owner.cells.map((c) => cleanCell(c.replace(PEM_ANY, " "))).filter(Boolean)[0]
      : pem.label;
    if (pem.error || !pem.cert) {
      result.unmatched(pem.line, label ?? "PEM block", pem.error ?? "unreadable certificate");
      continue;
    }
    const known = index.bySha256.get(pem.cert.sha256.toUpperCase());
    const name = known?.label ?? label ?? pem.cert.label;
    result.matched(
      pem.line,
      label ?? name,
      "certificate",
      pem.cert,
      name,
      "list",
      known?.note,
      known?.catalog,
    );
  }

  for (const row of rows) {
    if (pemOwnedRows.has(row)) continue;
    const cells = row.cells.map(cleanCell).filter((c) => c.length > 0);
    if (cells.length === 0) continue;
    const columns = row.wholeLineFirst ? cells.slice(1) : cells;
    if (row.header || columns.every(isHeaderWord)) {
      result.header();
      continue;
    }
    if (cells.every((c) => parseLooseDate(c) !== undefined || isHeaderWord(c))) continue; // an expiry line alone
    matchRow(index, row.line, cells, clip(row.display), result);
  }
  return result.finish();
}

// ---------------------------------------------------------------------------------------------------------
// Catalog index

interface IndexedEntry extends CatalogEntry {
  catalog: string;
  sha256: string;
  sha1: string;
  /** Subject attributes as (TYPE, normalised value). */
  dn: [string, string][];
}

class CatalogIndex {
  readonly bySha256 = new Map<string, IndexedEntry>();
  readonly bySha1 = new Map<string, IndexedEntry>();
  readonly byAlias = new Map<string, Set<IndexedEntry>>();
  readonly byName = new Map<string, Set<IndexedEntry>>();
  /** The JDK's own aliases: each names one certificate, where a label-derived alias may name several. */
  readonly byJdkAlias = new Map<string, IndexedEntry>();
  readonly entries: IndexedEntry[] = [];

  constructor(catalogs: Catalog[]) {
    const jdkAliasesBySha = new Map<string, string[]>();
    for (const [alias, sha] of Object.entries(JDK_CACERTS_ALIASES)) {
      jdkAliasesBySha.set(sha, [...(jdkAliasesBySha.get(sha) ?? []), alias]);
    }
    for (const cat of catalogs) {
      for (const e of cat.entries) {
        const sha256 = e.cert.sha256.toUpperCase();
        if (this.bySha256.has(sha256)) continue; // first catalog wins
        const ie: IndexedEntry = {
          ...e,
          catalog: cat.id,
          sha256,
          sha1: e.cert.sha1.toUpperCase(),
          dn: subjectPairs(e.cert),
        };
        this.entries.push(ie);
        this.bySha256.set(sha256, ie);
        this.bySha1.set(ie.sha1, ie);
        for (const a of [...e.aliases, ...(jdkAliasesBySha.get(sha256) ?? [])])
          add(this.byAlias, squash(a), ie);
        for (const a of jdkAliasesBySha.get(sha256) ?? []) this.byJdkAlias.set(squash(a), ie);
        for (const n of [e.label, ...e.cert.commonNames, ...e.cert.subject.values("2.5.4.11")])
          add(this.byName, squash(n), ie);
      }
    }
  }
}

function add<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  if (k === "" || k === undefined) return;
  const s = m.get(k);
  if (s) s.add(v);
  else m.set(k, new Set([v]));
}

const ATTR_TYPES: Record<string, string> = {
  CN: "CN",
  COMMONNAME: "CN",
  O: "O",
  ORGANIZATIONNAME: "O",
  OU: "OU",
  ORGANIZATIONALUNITNAME: "OU",
  C: "C",
  COUNTRYNAME: "C",
  L: "L",
  LOCALITYNAME: "L",
  ST: "ST",
  S: "ST",
  STATEORPROVINCENAME: "ST",
  E: "EMAILADDRESS",
  EMAIL: "EMAILADDRESS",
  EMAILADDRESS: "EMAILADDRESS",
  SERIALNUMBER: "SERIALNUMBER",
  DC: "DC",
  STREET: "STREET",
  ORGANIZATIONIDENTIFIER: "ORGANIZATIONIDENTIFIER",
  "2.5.4.97": "ORGANIZATIONIDENTIFIER",
};

function subjectPairs(cert: Certificate): [string, string][] {
  const out: [string, string][] = [];
  for (const rdn of cert.subject.rdns) {
    for (const a of rdn) {
      const t = ATTR_TYPES[(a.shortName ?? a.oid).toUpperCase()];
      if (t) out.push([t, foldValue(a.value)]);
    }
  }
  return out;
}

/** Compare-friendly text: decomposed, accents dropped, lower case, whitespace collapsed. */
function foldValue(s: string): string {
  return s
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

/** Only [a-z0-9]: how JDK-style aliases are formed, and a tolerant key for names. */
function squash(s: string): string {
  return foldValue(s).replace(/[^a-z0-9]/g, "");
}

// ---------------------------------------------------------------------------------------------------------
// Matching one entry

interface Candidates {
  kind: Exclude<MatchKind, "certificate">;
  set: Set<IndexedEntry>;
}

const SHA256_RE = /(?<![0-9a-f])(?:[0-9a-f]{2}[:\s-]?){31}[0-9a-f]{2}(?![0-9a-f])/i;
const SHA1_RE = /(?<![0-9a-f])(?:[0-9a-f]{2}[:\s-]?){19}[0-9a-f]{2}(?![0-9a-f])/i;
const DN_RE =
  /(?:^|[,/+;]\s*)(CN|O|OU|C|L|ST|S|E|EMAIL|EMAILADDRESS|SERIALNUMBER|DC|STREET|organizationIdentifier|2\.5\.4\.97)\s*=/i;

function matchRow(
  index: CatalogIndex,
  line: number | undefined,
  cells: string[],
  text: string,
  result: ResultBuilder,
): void {
  const sets: Candidates[] = [];
  const unknownFingerprints: string[] = [];
  const dates: Date[] = [];
  for (const raw of cells) {
    const { key, value } = splitKey(raw);
    if (value === "") continue;
    const date = parseLooseDate(value);
    if (date && (key === undefined || /expir|valid|after|before|until|date|issued/i.test(key))) {
      dates.push(date);
      continue;
    }
    const fp = fingerprintIn(value);
    if (fp) {
      const e = fp.length === 64 ? index.bySha256.get(fp) : index.bySha1.get(fp);
      if (e) {
        result.matched(line, text, "fingerprint", e.cert, e.label, e.catalog, e.note);
        return;
      }
      unknownFingerprints.push(fp);
      continue;
    }
    if (key !== undefined && /serial/i.test(key)) continue;
    const c = candidatesFor(index, value, key);
    if (c) sets.push(c);
  }
  if (sets.length === 0) {
    if (unknownFingerprints.length > 0) {
      result.unmatched(line, text, `fingerprint ${unknownFingerprints[0]} is not in the bundled catalogs`);
    } else {
      result.unmatched(line, text, "no known root has this name, alias or subject");
    }
    return;
  }
  // Agreeing columns narrow each other down; if they disagree, trust the most specific kind.
  let chosen = new Set(sets[0].set);
  for (const c of sets.slice(1)) chosen = new Set([...chosen].filter((e) => c.set.has(e)));
  let kind = strongest(sets);
  if (chosen.size === 0) {
    const best = sets.filter((s) => s.kind === kind).sort((a, b) => a.set.size - b.set.size)[0];
    chosen = best.set;
  }
  if (chosen.size > 1 && dates.length > 0) {
    const near = [...chosen].filter((e) =>
      dates.some((d) => closeTo(e.cert.notAfter, d) || closeTo(e.cert.notBefore, d)),
    );
    if (near.length > 0) chosen = new Set(near);
  }
  if (chosen.size > 1) {
    // A root of today's stores over a removed namesake (a re-issued root keeps its name).
    const current = [...chosen].filter((e) => e.catalog !== MOZILLA_REMOVED);
    if (current.length > 0) chosen = new Set(current);
  }
  if (chosen.size > 1) {
    // Prefer roots that are trusted for TLS when the name also covers their non-TLS namesakes.
    const tls = [...chosen].filter((e) => e.note === undefined && e.catalog === "mozilla");
    if (tls.length === 1 && [...chosen].every((e) => e.catalog === "mozilla")) chosen = new Set(tls);
  }
  if (chosen.size === 1) {
    const e = [...chosen][0];
    kind = sets.find((s) => s.set.has(e))?.kind ?? kind;
    result.matched(line, text, kind, e.cert, e.label, e.catalog, e.note);
    return;
  }
  result.ambiguous(
    line,
    text,
    [...chosen].map((e) => ({ name: e.label, sha256: e.sha256, catalog: e.catalog })),
  );
}

function strongest(sets: Candidates[]): Candidates["kind"] {
  const order: Candidates["kind"][] = ["fingerprint", "alias", "name"];
  for (const k of order) if (sets.some((s) => s.kind === k)) return k;
  return "name";
}

const DAY = 86_400_000;
function closeTo(a: Date, b: Date): boolean {
  return Math.abs(a.getTime() - b.getTime()) <= 1.5 * DAY;
}

function candidatesFor(index: CatalogIndex, value: string, key: string | undefined): Candidates | undefined {
  if (DN_RE.test(value)) {
    const pairs = parseDn(value);
    if (pairs.some(([t]) => t === "CN" || t === "O" || t === "OU")) {
      const set = new Set(
        index.entries.filter((e) => pairs.every(([t, v]) => e.dn.some(([et, ev]) => et === t && ev === v))),
      );
      if (set.size > 0) return { kind: "name", set };
    }
    return undefined;
  }
  const aliasish =
    /^[a-z0-9][a-z0-9._:/_-]*(\s*\[[a-z0-9]+\])?$/.test(value) || (key !== undefined && /alias/i.test(key));
  const k = squash(stripAliasDecorations(value));
  if (k.length < 3) return undefined;
  const jdk = index.byJdkAlias.get(k);
  if (aliasish && jdk) return { kind: "alias", set: new Set([jdk]) };
  const byAlias = index.byAlias.get(k);
  const byName = index.byName.get(k);
  if (aliasish && byAlias) return { kind: "alias", set: byAlias };
  if (byName) return { kind: aliasish ? "alias" : "name", set: byName };
  if (byAlias) return { kind: "alias", set: byAlias };
  return undefined;
}

/** "digicertglobalrootg2 [jdk]", "debian:digicert_global_root_g2.pem", "mozilla/DigiCert_Global_Root_G2.crt". */
function stripAliasDecorations(s: string): string {
  return s
    .replace(/\s*\[[^\]]*\]\s*$/, "")
    .replace(/^[a-z]+:(?!\/\/)/i, "")
    .replace(/^.*\//, "")
    .replace(/\.(pem|crt|cer|der)$/i, "");
}

function fingerprintIn(value: string): string | undefined {
  const m256 = SHA256_RE.exec(value);
  if (m256) return m256[0].replace(/[:\s-]/g, "").toUpperCase();
  const m1 = SHA1_RE.exec(value);
  // A bare 40-hex-digit cell, or one written with separators, is a SHA-1; a 40-hex run inside text is not.
  if (
    m1 &&
    (m1[0].length > 40 || m1[0].length === value.replace(/^\s*(sha-?1\s*[:=]?\s*)?/i, "").trim().length)
  ) {
    return m1[0].replace(/[:\s-]/g, "").toUpperCase();
  }
  return undefined;
}

/** Parse "CN=x, O=\"a, b\", C=US", "/C=US/O=x/CN=y" or "C = US, O = x" into (TYPE, folded value). */
function parseDn(s: string): [string, string][] {
  const out: [string, string][] = [];
  const text = s.trim();
  const slashForm = text.startsWith("/") && /^\/[A-Za-z]+=/.test(text);
  const seps = slashForm ? "/" : ",;+";
  let i = slashForm ? 1 : 0;
  while (i < text.length) {
    const eq = text.indexOf("=", i);
    if (eq < 0) break;
    const type = text.slice(i, eq).trim();
    let j = eq + 1;
    while (j < text.length && text[j] === " ") j++;
    let value = "";
    if (text[j] === '"') {
      j++;
      while (j < text.length && text[j] !== '"') {
        if (text[j] === "\\" && j + 1 < text.length) j++;
        value += text[j++];
      }
      j++;
      while (j < text.length && !seps.includes(text[j])) j++;
    } else {
      while (j < text.length && !seps.includes(text[j])) {
        if (text[j] === "\\" && j + 1 < text.length) j++;
        value += text[j++];
      }
      // A separator followed by text without "=" before the next separator is part of the value
      // ("O=Chunghwa Telecom Co., Ltd." written unquoted).
      while (j < text.length && seps.includes(text[j])) {
        const rest = text.slice(j + 1);
        const nextEq = rest.search(/^\s*[A-Za-z0-9.]+\s*=/);
        if (nextEq === 0) break;
        const nextSep = [...rest].findIndex((ch) => seps.includes(ch));
        const chunk = nextSep < 0 ? rest : rest.slice(0, nextSep);
        value += text[j] + chunk;
        j += 1 + chunk.length;
      }
    }
    const t = ATTR_TYPES[type.toUpperCase()];
    if (t) out.push([t, foldValue(value)]);
    i = j + 1;
  }
  return out;
}

const KEY_RE =
  /^\s*((?:alias(?:\s+name)?)|name|label|subject|owner|issuer|common\s+name|cn|certificate|root|ca|fingerprint|(?:certificate\s+)?fingerprint\s*\((?:sha-?256|sha-?1)\)|sha-?256(?:\s+fingerprint)?|sha-?1(?:\s+fingerprint)?|serial(?:\s+number)?|expir\w*(?:\s+date)?|valid\s+(?:until|to|from)|not\s*after|not\s*before|until|issued(?:\s+on)?|creation\s+date|entry\s+type|type|status)\s*:\s*(.*)$/i;

function splitKey(cell: string): { key?: string; value: string } {
  const m = KEY_RE.exec(cell);
  if (m) return { key: m[1].toLowerCase(), value: m[2].trim() };
  return { value: cell.trim() };
}

const HEADER_WORDS = new Set(
  [
    "alias",
    "alias name",
    "name",
    "label",
    "subject",
    "subject dn",
    "owner",
    "issuer",
    "issued to",
    "issued by",
    "common name",
    "cn",
    "certificate",
    "certificates",
    "root",
    "root ca",
    "root certificate",
    "ca",
    "ca name",
    "fingerprint",
    "sha256",
    "sha-256",
    "sha1",
    "sha-1",
    "serial",
    "serial number",
    "expiration",
    "expiration date",
    "expires",
    "expiry",
    "expiry date",
    "valid from",
    "valid to",
    "valid until",
    "not after",
    "not before",
    "type",
    "status",
    "entry type",
    "#",
    "no.",
    "roots",
    "root certificates",
    "root cas",
    "root certificate authorities",
    "certificate authorities",
    "supported root certificates",
    "supported root certificate authorities",
    "supported root cas",
    "trusted root certificates",
    "trusted root certificate authorities",
    "trusted certificates",
  ].map((w) => w.toLowerCase()),
);

function isHeaderWord(cell: string): boolean {
  return HEADER_WORDS.has(cell.trim().toLowerCase().replace(/\s+/g, " ").replace(/:$/, ""));
}

const MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec";
const DATE_RES = [
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)?)?$/i,
  new RegExp(
    `^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\\s+)?(?:${MONTHS})[a-z]*\\.?\\s+\\d{1,2},?\\s+(?:\\d{1,2}:\\d{2}(?::\\d{2})?\\s+(?:[A-Z]{2,5}\\s+)?)?\\d{4}(?:\\s+\\d{1,2}:\\d{2}(?::\\d{2})?(?:\\s*[A-Z]{2,5})?)?$`,
    "i",
  ),
  new RegExp(`^\\d{1,2}[ -](?:${MONTHS})[a-z]*[ -]\\d{4}$`, "i"),
];

/** A date as lists print them ("2038-01-15", "Jan 15, 2038", "Fri Jan 15 12:00:00 GMT 2038"); else undefined. */
function parseLooseDate(s: string): Date | undefined {
  const t = s.trim();
  if (t.length < 8 || t.length > 40 || !DATE_RES.some((re) => re.test(t))) return undefined;
  // Java's Date.toString puts the zone before the year: "Fri Jan 15 12:00:00 GMT 2038".
  const java = /^([a-z]{3}\s+[a-z]{3}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2})\s+([A-Z]{2,5})\s+(\d{4})$/i.exec(t);
  const candidate = java
    ? `${java[1]} ${java[3]} ${java[2] === "UTC" || java[2] === "GMT" ? "GMT" : ""}`.trim()
    : t;
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(candidate) ? `${candidate}T00:00:00Z` : candidate);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

// ---------------------------------------------------------------------------------------------------------
// Reading the input: PEM blocks, HTML tables, text lines

interface RawRow {
  line: number | undefined;
  start: number;
  end: number;
  cells: string[];
  /** cells[0] is the whole line, the others its comma-separated columns. */
  wholeLineFirst?: boolean;
  /** How to show the entry in a report. */
  display: string;
  header: boolean;
}

interface PemFound {
  start: number;
  end: number;
  line: number;
  label?: string;
  /** Where the label starts, when the text before the block is one. */
  labelStart?: number;
  cert?: Certificate;
  error?: string;
}

const PEM_ANY = /-----BEGIN ((?:X509 |TRUSTED )?CERTIFICATE)-----[\s\S]*?-----END \1-----/g;

function findPemBlocks(
  text: string,
  source: string,
  lineAt: (pos: number) => number,
  index: CatalogIndex,
): PemFound[] {
  const out: PemFound[] = [];
  PEM_ANY.lastIndex = 0;
  for (let m = PEM_ANY.exec(text); m; m = PEM_ANY.exec(text)) {
    const line = lineAt(m.index);
    // In saved HTML the block may carry <br> tags and entities; take them out before decoding.
    const body = decodeEntities(m[0].replace(/<[^>]*>/g, "\n"));
    const found: PemFound = { start: m.index, end: m.index + m[0].length, line };
    try {
      const read = readCertificates(new Uint8Array(Buffer.from(body, "latin1")), {
        source: `${source}: line ${line}`,
      });
      found.cert = read.certificates[0]?.cert;
    } catch (e) {
      found.error = e instanceof Error ? e.message : String(e);
    }
    const label = labelBefore(text, m.index, out.length > 0 ? out[out.length - 1].end : 0);
    if (label) {
      // Keep it only if it does not name some other root: then it is an entry of its own.
      const { key, value } = splitKey(label.text);
      const c = found.cert ? candidatesFor(index, value, key) : undefined;
      if (!c || [...c.set].some((e) => e.sha256 === found.cert?.sha256.toUpperCase())) {
        found.label = value || label.text;
        found.labelStart = label.start;
      }
    }
    out.push(found);
  }
  return out;
}

const SEGMENT_BREAK =
  /\n|<(?:br|\/?p|\/?li|\/?div|\/?pre|\/?h\d|\/?td|\/?th|\/?tr|\/?dt|\/?dd|\/?code)\b[^>]*>/gi;

/** The last non-empty text segment (line, paragraph, list item) before `pos`, not reaching back past `floor`. */
function labelBefore(text: string, pos: number, floor: number): { text: string; start: number } | undefined {
  const from = Math.max(floor, pos - 400);
  const chunk = text.slice(from, pos);
  const segs: [number, number][] = [];
  let last = 0;
  for (const m of chunk.matchAll(SEGMENT_BREAK)) {
    segs.push([last, m.index ?? 0]);
    last = (m.index ?? 0) + m[0].length;
  }
  segs.push([last, chunk.length]);
  for (let i = segs.length - 1, empties = 0; i >= 0 && empties <= 3; i--) {
    if (i === 0 && from > floor && from > 0) return undefined; // cut off by the window: not a whole segment
    const [a, b] = segs[i];
    const t = cleanCell(htmlToText(chunk.slice(a, b))).replace(/^#+\s*/, "");
    if (t === "") {
      empties++;
      continue;
    }
    return t.length <= 200 ? { text: t, start: from + a } : undefined;
  }
  return undefined;
}

/** HTML parts that never hold entries (head, scripts, styles, comments), blanked out. */
function maskHtmlNoise(text: string): string {
  return text.replace(/<(head|script|style|title)\b[\s\S]*?<\/\1\s*>|<!--[\s\S]*?-->/gi, (c) =>
    c.replace(/[^\n]/g, " "),
  );
}

/** Blank out ranges (keeping newlines, so line numbers hold). */
function maskRanges(text: string, ranges: { start: number; end: number }[]): string {
  if (ranges.length === 0) return text;
  let out = "";
  let p = 0;
  for (const r of ranges) {
    out += text.slice(p, r.start) + text.slice(r.start, r.end).replace(/[^\n]/g, " ");
    p = r.end;
  }
  return out + text.slice(p);
}

function looksLikeHtml(text: string): boolean {
  return /<\s*(?:!doctype|html|body|table|tr|td|th|div|br|p|li|ul|ol|pre|span)\b/i.test(
    text.slice(0, 200_000),
  );
}

function htmlTableRows(text: string, lineAt: (pos: number) => number): RawRow[] {
  const rows: RawRow[] = [];
  const noComments = text.replace(/<!--[\s\S]*?-->/g, (c) => c.replace(/[^\n]/g, " "));
  const trRe = /<tr\b[^>]*>([\s\S]*?)(?=<tr\b|<\/table\b|$)/gi;
  for (let m = trRe.exec(noComments); m; m = trRe.exec(noComments)) {
    const inner = m[1];
    const cells: string[] = [];
    let allTh = true;
    const cellRe = /<t([dh])\b[^>]*>([\s\S]*?)(?=<t[dh]\b|<\/tr\b|$)/gi;
    for (let c = cellRe.exec(inner); c; c = cellRe.exec(inner)) {
      if (c[1].toLowerCase() !== "h") allTh = false;
      cells.push(htmlToText(c[2].replace(/<\/t[dh]\s*>/gi, "")));
    }
    if (cells.length === 0) continue;
    rows.push({
      line: lineAt(m.index),
      start: m.index,
      end: m.index + m[0].length,
      cells,
      display: cells.map(cleanCell).filter(Boolean).join(" | "),
      header: allTh,
    });
  }
  return rows;
}

/** Text lines (of plain text, or of HTML without tables) into rows; `Key: value` runs become one row. */
function textRows(text: string, html: boolean): RawRow[] {
  const rows: RawRow[] = [];
  const lines = text.split("\n");
  let pos = 0;
  let block: RawRow | undefined;
  let blockKeys = new Set<string>();
  const flush = () => {
    if (block) rows.push(block);
    block = undefined;
    blockKeys = new Set();
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const start = pos;
    pos += raw.length + 1;
    const segments = html
      ? raw.split(/<(?:br|\/?p|\/?li|\/?div|\/?pre|\/?h\d)\b[^>]*>/i).map(htmlToText)
      : [raw];
    for (const seg of segments) {
      const t = seg.replace(/\r$/, "").trim();
      if (t === "" || /^(#|\/\/|;)/.test(t) || /^[-=*_|+\s]{3,}$/.test(t)) {
        if (t === "") flush();
        continue;
      }
      const kv = KEY_RE.exec(t);
      if (kv) {
        const key = kv[1].toLowerCase();
        if (block && blockKeys.has(key)) flush();
        block ??= { line: i + 1, start, end: pos, cells: [], display: "", header: false };
        block.cells.push(t);
        block.display = block.display ? `${block.display} | ${t}` : t;
        block.end = pos;
        blockKeys.add(key);
        continue;
      }
      // Inside a `Key: value` block, other `Key: value` lines (keytool's "Entry type:", "Version:") stay with it.
      if (block && /^[A-Za-z][A-Za-z0-9 ()#.-]{0,40}:\s/.test(t)) {
        block.cells.push(t);
        block.end = pos;
        continue;
      }
      // A section heading ("Certificate fingerprints:") carries no entry.
      if (/^[^:]{1,60}:$/.test(t)) continue;
      flush();
      if (NOISE.some((re) => re.test(t))) continue;
      const cells = splitColumns(t);
      rows.push({
        line: i + 1,
        start,
        end: pos,
        cells,
        wholeLineFirst: cells.length > 1 && cells[0] === t,
        display: t,
        header: false,
      });
    }
  }
  flush();
  return rows;
}

/** Lines that tools print around a list: keytool's preamble, warnings. */
const NOISE = [
  /^keystore (type|provider):/i,
  /^your keystore contains \d+ entr/i,
  /^warning:/i,
  /^the jks keystore uses a proprietary format/i,
];

/** Tabs, pipes (Markdown tables) or CSV when the line has quotes; otherwise the whole line is one cell. */
function splitColumns(line: string): string[] {
  if (line.includes("\t")) return line.split("\t");
  if (/^\|.*\|$/.test(line)) return line.slice(1, -1).split("|");
  if (line.includes('"') && line.includes(",")) return splitCsv(line);
  if (/,/.test(line) && !DN_RE.test(line)) {
    const parts = splitCsv(line);
    // "alias, date, trustedCertEntry," (keytool -list) or "alias,subject,expiry" (CSV export).
    if (parts.length > 1) return [line, ...parts.filter((p) => p !== "")];
  }
  return [line];
}

function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

function cleanCell(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

function htmlToText(s: string): string {
  return decodeEntities(s.replace(/<br\s*\/?>/gi, " ").replace(/<[^>]*>/g, " "))
    .replace(/\s+/g, " ")
    .trim();
}

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  eacute: "é",
  aacute: "á",
  iacute: "í",
  oacute: "ó",
  uacute: "ú",
  ouml: "ö",
  uuml: "ü",
  auml: "ä",
  odblac: "ő",
  udblac: "ű",
  ntilde: "ñ",
  ccedil: "ç",
  szlig: "ß",
  copy: "©",
  ndash: "–",
  mdash: "—",
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code =
        name[1] === "x" || name[1] === "X"
          ? Number.parseInt(name.slice(2), 16)
          : Number.parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

function lineOfPos(starts: number[], pos: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

// ---------------------------------------------------------------------------------------------------------
// Result

class ResultBuilder {
  private readonly anchors = new Map<string, TrustAnchor>();
  private readonly matchedList: MatchedEntry[] = [];
  private readonly unmatchedList: UnmatchedEntry[] = [];
  private readonly ambiguousList: AmbiguousEntry[] = [];
  private headers = 0;

  constructor(
    private readonly source: string,
    private readonly layout: SalesforceRootList["layout"],
  ) {}

  header(): void {
    this.headers++;
  }

  matched(
    line: number | undefined,
    text: string,
    by: MatchKind,
    cert: Certificate,
    name: string,
    catalog: string,
    note?: string,
    /** The catalog that knew a certificate the list gave (catalog is then "list"). */
    knownFrom: string = catalog,
  ): void {
    const duplicate = this.anchors.has(cert.sha256);
    const m: MatchedEntry = { line: line ?? 0, text: clip(text), by, cert, name, catalog, duplicate };
    if (note) m.note = note;
    if (knownFrom === MOZILLA_REMOVED) m.removedFromMozilla = true;
    this.matchedList.push(m);
    if (duplicate) return;
    const anchor: TrustAnchor = { cert, name, trustSource: `salesforce:${this.source}` };
    const alias = aliasFrom(text);
    if (alias) anchor.alias = alias;
    this.anchors.set(cert.sha256, anchor);
  }

  unmatched(line: number | undefined, text: string, reason: string): void {
    this.unmatchedList.push({ line: line ?? 0, text: clip(text), reason });
  }

  ambiguous(line: number | undefined, text: string, candidates: AmbiguousEntry["candidates"]): void {
    this.ambiguousList.push({ line: line ?? 0, text: clip(text), candidates });
  }

  finish(): SalesforceRootList {
    const by = (k: MatchKind) => this.matchedList.filter((m) => m.by === k).length;
    const counts: SalesforceListCounts = {
      rows: this.matchedList.length + this.unmatchedList.length + this.ambiguousList.length,
      headers: this.headers,
      matched: this.matchedList.length,
      byCertificate: by("certificate"),
      byFingerprint: by("fingerprint"),
      byAlias: by("alias"),
      byName: by("name"),
      unmatched: this.unmatchedList.length,
      ambiguous: this.ambiguousList.length,
      duplicates: this.matchedList.filter((m) => m.duplicate).length,
      certificates: this.anchors.size,
    };
    const what = { "html-table": "an HTML table", "html-text": "an HTML page", text: "text" }[this.layout];
    const summary =
      `read ${counts.rows} entr${counts.rows === 1 ? "y" : "ies"} from ${what}: ${counts.matched} matched ` +
      `(${counts.byCertificate} by certificate, ${counts.byFingerprint} by fingerprint, ${counts.byAlias} by alias, ` +
      `${counts.byName} by name), ${counts.unmatched} unmatched, ${counts.ambiguous} ambiguous; ` +
      `${counts.certificates} distinct root${counts.certificates === 1 ? "" : "s"}`;
    const notes = [summary];
    if (counts.duplicates > 0) notes.push(`${counts.duplicates} entries repeat a root already listed`);
    const fresh = this.matchedList.filter((m) => m.note && !m.duplicate);
    const nonTls = [...new Set(fresh.filter((m) => !m.removedFromMozilla).map((m) => m.name))];
    if (nonTls.length > 0) {
      notes.push(
        `${nonTls.length} listed root${nonTls.length === 1 ? " is" : "s are"} not trusted for TLS by Mozilla: ${nonTls.join(", ")}`,
      );
    }
    for (const m of fresh.filter((x) => x.removedFromMozilla)) {
      notes.push(`${m.name}: ${m.note}; Salesforce still lists it`);
    }
    for (const u of this.unmatchedList) notes.push(`line ${u.line}: not matched: ${u.text} (${u.reason})`);
    for (const a of this.ambiguousList) {
      notes.push(
        `line ${a.line}: ambiguous: ${a.text} could be ${a.candidates.map((c) => c.name).join(" or ")}`,
      );
    }
    const store: TrustStore = {
      id: "salesforce",
      name: "Salesforce org supported roots",
      source: this.source,
      anchors: [...this.anchors.values()],
      notes,
    };
    return {
      store,
      layout: this.layout,
      matched: this.matchedList,
      unmatched: this.unmatchedList,
      ambiguous: this.ambiguousList,
      counts,
      summary,
    };
  }
}

function clip(s: string): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > 200 ? `${t.slice(0, 199)}…` : t;
}

/** The alias-looking first cell of an entry ("digicertglobalrootg2 | CN=…" → "digicertglobalrootg2"). */
function aliasFrom(text: string): string | undefined {
  const first = splitKey(text.split(" | ")[0]).value.replace(/\s*\[[^\]]*\]$/, "");
  return /^[a-z0-9][a-z0-9._:/_-]{2,}$/.test(first) ? first : undefined;
}
