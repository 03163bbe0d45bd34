/**
 * Generates data/mozilla.json and data/mozilla.der (see trust-bundle.ts) from NSS's builtins certdata.txt.
 *
 *   node dist/scripts/gen-mozilla.js /path/to/certdata.txt [--out path/to/mozilla.json]
 *
 * Build-time only: the product never reads certdata.txt, it reads the generated files.
 *
 * certdata.txt grammar (as NSS's own certdata.perl reads it):
 *  - everything before the `BEGINDATA` line is header;
 *  - `#` starts a comment (outside a quoted string); comments may appear anywhere, including in the
 *    middle of an object, and never end it;
 *  - blank lines are ignored; an object starts at each `CKA_CLASS` line and runs to the next one;
 *  - an attribute line is `CKA_NAME TYPE VALUE`; `TYPE` is `MULTILINE_OCTAL` (value on the following
 *    lines as `\ooo` escapes, up to a line `END`), `UTF8`/`ASCII7` (a quoted string, which may itself
 *    contain `\ooo` escapes), `CK_BBOOL` (`CK_TRUE`/`CK_FALSE`) or a symbolic constant.
 */
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { MozillaRecordFields } from "../src/trust/bundled.js";
import { writeCertificateBundle } from "./trust-bundle.js";

export type AttrValue =
  | { type: "octal"; bytes: Uint8Array }
  | { type: "string"; text: string }
  | { type: "bool"; value: boolean }
  | { type: "const"; name: string; declared: string };

export interface NssObject {
  /** 1-based line of the object's CKA_CLASS. */
  line: number;
  attrs: Map<string, AttrValue>;
  /** Comment lines (without `#`) just before the object and inside it. */
  comments: string[];
}

export type TrustValue = "trusted-delegator" | "must-verify" | "not-trusted" | "unknown";

export interface RootRecord extends MozillaRecordFields {
  serverAuth: TrustValue;
  emailProtection: TrustValue;
  codeSigning: TrustValue;
  /** Where a distrust-after date was found: the certificate object, the trust object, or both. */
  distrustAfterOn: "certificate" | "trust" | "both" | null;
  mozillaCaPolicy: boolean;
  der: Uint8Array;
}

class ParseError extends Error {}

function fail(line: number, message: string): never {
  throw new ParseError(`certdata.txt:${line}: ${message}`);
}

/** Removes a trailing `# comment` that is not inside a double-quoted string. */
function stripComment(line: string): string {
  let inQuote = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "\\" && inQuote) {
      i++;
      continue;
    }
    if (c === '"') inQuote = !inQuote;
    else if (c === "#" && !inQuote) return line.slice(0, i);
  }
  return line;
}

/** Decodes `\ooo` escapes (and `\\`, `\"`) in a quoted UTF8 value into bytes, then UTF-8. */
function decodeQuoted(raw: string, line: number): string {
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === "\\") {
      const oct = /^[0-7]{3}/.exec(raw.slice(i + 1));
      if (oct) {
        bytes.push(Number.parseInt(oct[0], 8));
        i += 3;
      } else if (i + 1 < raw.length) {
        bytes.push(...enc.encode(raw[i + 1]!));
        i++;
      } else fail(line, "dangling backslash in string");
    } else {
      bytes.push(...enc.encode(c));
    }
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
}

export function parseCertdata(text: string): NssObject[] {
  const lines = text.split(/\r?\n/);
  const objects: NssObject[] = [];
  let current: NssObject | null = null;
  let pendingComments: string[] = [];
  const begin = lines.findIndex((l) => l.trim() === "BEGINDATA");
  let i = begin >= 0 ? begin + 1 : 0;

  for (; i < lines.length; i++) {
    const lineNo = i + 1;
    const rawLine = lines[i]!;
    const trimmed = rawLine.trim();
    if (trimmed.startsWith("#")) {
      const comment = trimmed.replace(/^#\s?/, "");
      if (current && current.attrs.size > 0 && !isHeaderComment(comment)) current.comments.push(comment);
      else pendingComments.push(comment);
      continue;
    }
    const content = stripComment(rawLine).trim();
    if (content === "") continue;
    if (content === "BEGINDATA") continue;

    const m = /^(CKA_[A-Z0-9_]+)\s+(\S+)\s*(.*)$/.exec(content);
    if (!m) fail(lineNo, `unexpected line: ${JSON.stringify(content.slice(0, 60))}`);
    const [, name, type, rest] = m as unknown as [string, string, string, string];

    let value: AttrValue;
    if (type === "MULTILINE_OCTAL") {
      if (rest !== "") fail(lineNo, "MULTILINE_OCTAL with a value on the same line");
      const bytes: number[] = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        const l = stripComment(lines[i]!).trim();
        if (l === "END") {
          closed = true;
          break;
        }
        if (l === "") continue;
        if (!/^(\\[0-7]{3})+$/.test(l)) fail(i + 1, `bad MULTILINE_OCTAL line in ${name}`);
        for (const o of l.split("\\").slice(1)) bytes.push(Number.parseInt(o, 8));
      }
      if (!closed) fail(lineNo, `unterminated MULTILINE_OCTAL for ${name}`);
      value = { type: "octal", bytes: Uint8Array.from(bytes) };
    } else if (type === "UTF8" || type === "ASCII7") {
      const q = /^"((?:[^"\\]|\\.)*)"$/.exec(rest);
      if (!q) fail(lineNo, `${name}: expected a quoted string`);
      value = { type: "string", text: decodeQuoted(q[1]!, lineNo) };
    } else if (type === "CK_BBOOL") {
      if (rest !== "CK_TRUE" && rest !== "CK_FALSE") fail(lineNo, `${name}: bad CK_BBOOL ${rest}`);
      value = { type: "bool", value: rest === "CK_TRUE" };
    } else {
      if (!/^[A-Za-z0-9_]+$/.test(rest)) fail(lineNo, `${name}: bad ${type} value ${JSON.stringify(rest)}`);
      value = { type: "const", name: rest, declared: type };
    }

    if (name === "CKA_CLASS") {
      if (current) objects.push(current);
      current = { line: lineNo, attrs: new Map(), comments: pendingComments };
      pendingComments = [];
    } else if (!current) {
      fail(lineNo, `${name} outside an object (no CKA_CLASS yet)`);
    } else if (pendingComments.length > 0) {
      current.comments.push(...pendingComments);
      pendingComments = [];
    }
    if (current.attrs.has(name)) fail(lineNo, `duplicate ${name} in object starting at line ${current.line}`);
    current.attrs.set(name, value);
  }
  if (current) objects.push(current);
  return objects;
}

/**
 * Comments that introduce the next object ("Certificate "X"", "Trust for "X"", the Issuer/Serial/
 * Fingerprint block) belong to it, not to the object they follow.
 */
function isHeaderComment(c: string): boolean {
  return /^(Certificate "|Trust for "|Issuer:|Serial Number|Subject:|Not Valid|Fingerprint|$)/.test(c);
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex").toUpperCase();

function classOf(o: NssObject): string {
  const v = o.attrs.get("CKA_CLASS");
  return v?.type === "const" ? v.name : "?";
}

function str(o: NssObject, name: string): string | undefined {
  const v = o.attrs.get(name);
  return v?.type === "string" ? v.text : undefined;
}

function bytes(o: NssObject, name: string): Uint8Array | undefined {
  const v = o.attrs.get(name);
  return v?.type === "octal" ? v.bytes : undefined;
}

function trustOf(o: NssObject | undefined, name: string): TrustValue {
  const v = o?.attrs.get(name);
  if (!v) return "unknown";
  if (v.type !== "const") throw new ParseError(`line ${o!.line}: ${name} is not a CK_TRUST constant`);
  switch (v.name) {
    case "CKT_NSS_TRUSTED_DELEGATOR":
      return "trusted-delegator";
    case "CKT_NSS_MUST_VERIFY_TRUST":
      return "must-verify";
    case "CKT_NSS_NOT_TRUSTED":
      return "not-trusted";
    case "CKT_NSS_TRUST_UNKNOWN":
      return "unknown";
    default:
      throw new ParseError(`line ${o!.line}: unknown ${name} value ${v.name}`);
  }
}

/**
 * A CKA_NSS_*_DISTRUST_AFTER value: `CK_BBOOL CK_FALSE` (none) or the ASCII of a UTCTime
 * ("YYMMDDHHMMSSZ") or GeneralizedTime ("YYYYMMDDHHMMSSZ"), optionally DER-tagged.
 */
export function distrustAfter(o: NssObject | undefined, name: string): string | null {
  const v = o?.attrs.get(name);
  if (!v) return null;
  if (v.type === "bool") {
    if (v.value) throw new ParseError(`line ${o!.line}: ${name} is CK_TRUE, expected CK_FALSE or a time`);
    return null;
  }
  if (v.type !== "octal") throw new ParseError(`line ${o!.line}: ${name} has an unexpected type`);
  let b = v.bytes;
  if ((b[0] === 0x17 || b[0] === 0x18) && b[1] === b.length - 2) b = b.subarray(2);
  return timeToIso(Buffer.from(b).toString("latin1"), `line ${o!.line}: ${name}`);
}

export function timeToIso(s: string, where = "time"): string {
  let m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  let year: number;
  if (m) {
    const yy = Number(m[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
  } else {
    m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
    if (!m) throw new ParseError(`${where}: not a UTCTime/GeneralizedTime: ${JSON.stringify(s)}`);
    year = Number(m[1]);
  }
  const [mo, d, h, mi, se] = m.slice(2).map(Number) as [number, number, number, number, number];
  const t = Date.UTC(year, mo - 1, d, h, mi, se);
  const iso = new Date(t).toISOString().replace(".000Z", "Z");
  const check = `${String(year).padStart(4, "0")}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
  if (iso !== check) throw new ParseError(`${where}: invalid date ${JSON.stringify(s)}`);
  return iso;
}

/** JDK-cacerts-style alias: lowercase, only [a-z0-9] kept. */
export function aliasOf(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]/g, "");
}

function commentFingerprint(o: NssObject, kind: "SHA-256" | "SHA1"): string | undefined {
  const prefix = `Fingerprint (${kind}):`;
  const c = o.comments.find((x) => x.startsWith(prefix));
  return c?.slice(prefix.length).trim().replace(/:/g, "").toUpperCase();
}

/** "C=BE\nO=GlobalSign nv-sa\nCN=..." → "CN=..., O=GlobalSign nv-sa, C=BE" (most specific first). */
export function readableName(nodeName: string): string {
  return nodeName.split("\n").filter(Boolean).reverse().join(", ");
}

function isoOf(nodeDate: string): string {
  return new Date(nodeDate).toISOString().replace(".000Z", "Z");
}

export interface BuildResult {
  roots: RootRecord[];
  trustOnly: { label: string; issuer: string; serial: string; serverAuth: TrustValue; line: number }[];
  warnings: string[];
}

export function buildRoots(objects: NssObject[]): BuildResult {
  const warnings: string[] = [];
  const certs = objects.filter((o) => classOf(o) === "CKO_CERTIFICATE");
  const trusts = objects.filter((o) => classOf(o) === "CKO_NSS_TRUST");
  const known = new Set(["CKO_CERTIFICATE", "CKO_NSS_TRUST", "CKO_NSS_BUILTIN_ROOT_LIST"]);
  for (const o of objects) {
    if (!known.has(classOf(o))) warnings.push(`line ${o.line}: ignoring object of class ${classOf(o)}`);
  }

  const keyOf = (o: NssObject): string => {
    const iss = bytes(o, "CKA_ISSUER");
    const ser = bytes(o, "CKA_SERIAL_NUMBER");
    if (!iss || !ser) throw new ParseError(`line ${o.line}: object lacks CKA_ISSUER/CKA_SERIAL_NUMBER`);
    return `${hex(iss)}/${hex(ser)}`;
  };
  const trustByKey = new Map<string, NssObject>();
  for (const t of trusts) {
    const k = keyOf(t);
    if (trustByKey.has(k))
      throw new ParseError(`line ${t.line}: second trust object for the same issuer+serial`);
    trustByKey.set(k, t);
  }

  const roots: RootRecord[] = [];
  const used = new Set<NssObject>();
  const seenSha = new Set<string>();
  for (const c of certs) {
    const label = str(c, "CKA_LABEL");
    const der = bytes(c, "CKA_VALUE");
    if (!label || !der) throw new ParseError(`line ${c.line}: certificate without CKA_LABEL/CKA_VALUE`);
    const sha256 = hex(createHash("sha256").update(der).digest());
    const sha1 = hex(createHash("sha1").update(der).digest());
    const md5 = hex(createHash("md5").update(der).digest());
    if (seenSha.has(sha256)) throw new ParseError(`line ${c.line}: duplicate certificate ${label}`);
    seenSha.add(sha256);

    const x = new X509Certificate(der);
    // CKA_SERIAL_NUMBER is a DER INTEGER; compare its content with the certificate's serial.
    const serialDer = bytes(c, "CKA_SERIAL_NUMBER")!;
    const serialHex = hex(serialDer.subarray(2));
    if (BigInt(`0x${serialHex}`) !== BigInt(`0x${x.serialNumber}`)) {
      warnings.push(
        `${label}: CKA_SERIAL_NUMBER ${serialHex} differs from the certificate's ${x.serialNumber}`,
      );
    }
    const fp256 = commentFingerprint(c, "SHA-256");
    if (fp256 && fp256 !== sha256) warnings.push(`${label}: comment SHA-256 ${fp256} != computed ${sha256}`);

    const t = trustByKey.get(keyOf(c));
    if (!t) {
      warnings.push(`${label} (line ${c.line}): no trust object; all purposes "unknown"`);
    } else {
      used.add(t);
      const tSha1 = bytes(t, "CKA_CERT_SHA1_HASH");
      const tMd5 = bytes(t, "CKA_CERT_MD5_HASH");
      if (tSha1 && hex(tSha1) !== sha1) throw new ParseError(`${label}: trust object SHA-1 mismatch`);
      if (tMd5 && hex(tMd5) !== md5) throw new ParseError(`${label}: trust object MD5 mismatch`);
      if (!tSha1) warnings.push(`${label}: trust object has no CKA_CERT_SHA1_HASH to cross-check`);
      const tfp = commentFingerprint(t, "SHA-256");
      if (tfp && tfp !== sha256) throw new ParseError(`${label}: trust object comment SHA-256 mismatch`);
      if (str(t, "CKA_LABEL") !== label)
        warnings.push(`${label}: trust object label is ${str(t, "CKA_LABEL")}`);
    }

    const merge = (name: string): { iso: string | null; on: "certificate" | "trust" | "both" | null } => {
      const a = distrustAfter(c, name);
      const b = distrustAfter(t, name);
      if (a && b && a !== b) {
        warnings.push(`${label}: ${name} differs (certificate ${a}, trust ${b}); using the earlier`);
        return { iso: [a, b].sort()[0]!, on: "both" };
      }
      if (a && b) return { iso: a, on: "both" };
      if (a) return { iso: a, on: "certificate" };
      if (b) return { iso: b, on: "trust" };
      return { iso: null, on: null };
    };
    const server = merge("CKA_NSS_SERVER_DISTRUST_AFTER");
    const email = merge("CKA_NSS_EMAIL_DISTRUST_AFTER");
    const policy = c.attrs.get("CKA_NSS_MOZILLA_CA_POLICY");

    roots.push({
      label,
      alias: aliasOf(label),
      sha256,
      subject: readableName(x.subject),
      notBefore: isoOf(x.validFrom),
      notAfter: isoOf(x.validTo),
      serverAuth: trustOf(t, "CKA_TRUST_SERVER_AUTH"),
      emailProtection: trustOf(t, "CKA_TRUST_EMAIL_PROTECTION"),
      codeSigning: trustOf(t, "CKA_TRUST_CODE_SIGNING"),
      serverDistrustAfter: server.iso,
      emailDistrustAfter: email.iso,
      distrustAfterOn: server.on ?? email.on,
      mozillaCaPolicy: policy?.type === "bool" ? policy.value : false,
      der,
    });
  }

  const trustOnly = trusts
    .filter((t) => !used.has(t))
    .map((t) => ({
      label: str(t, "CKA_LABEL") ?? "",
      issuer: Buffer.from(bytes(t, "CKA_ISSUER")!).toString("base64"),
      serial: hex(bytes(t, "CKA_SERIAL_NUMBER")!),
      serverAuth: trustOf(t, "CKA_TRUST_SERVER_AUTH"),
      line: t.line,
    }));
  for (const t of trustOnly) warnings.push(`trust object without certificate: ${t.label} (line ${t.line})`);

  const aliases = new Map<string, string>();
  for (const r of roots) {
    const prev = aliases.get(r.alias);
    if (prev) warnings.push(`alias collision: "${r.label}" and "${prev}" both → ${r.alias}`);
    aliases.set(r.alias, r.label);
  }
  return { roots, trustOnly, warnings };
}

function main(argv: string[]): void {
  const args = argv.slice(2);
  const outIdx = args.indexOf("--out");
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const out = outIdx >= 0 ? resolve(args.splice(outIdx, 2)[1]!) : resolve(repoRoot, "data/mozilla.json");
  const input = args[0];
  if (!input) {
    console.error("usage: node dist/scripts/gen-mozilla.js <certdata.txt> [--out mozilla.json]");
    process.exit(2);
  }
  const text = readFileSync(input, "utf8");
  const objects = parseCertdata(text);
  const { roots, trustOnly, warnings } = buildRoots(objects);
  for (const w of warnings) console.warn(`warning: ${w}`);

  const doc = {
    source: "Mozilla NSS builtins certdata.txt",
    upstream: "https://github.com/nss-dev/nss/blob/master/lib/ckfw/builtins/certdata.txt",
    version: "NSS 2.86",
    date: "2026-05-01",
    licence: "MPL-2.0",
    generatedBy: "scripts/gen-mozilla.ts",
    trustOnly,
  };
  const derPath = writeCertificateBundle(out, doc, "roots", roots);
  const server = roots.filter((r) => r.serverAuth === "trusted-delegator").length;
  const distrusted = roots
    .filter((r) => r.serverDistrustAfter)
    .map((r) => `${r.label} ${r.serverDistrustAfter}`);
  console.log(`wrote ${out} and ${derPath}: ${roots.length} roots, ${server} with server-auth trust`);
  for (const d of distrusted) console.log(`  server distrust after: ${d}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv);
  } catch (e) {
    if (e instanceof ParseError) {
      console.error(`error: ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
}
