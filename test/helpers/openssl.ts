/**
 * Running the openssl command line from tests, and reading what `openssl x509 -text` prints.
 *
 * OpenSSL is the reference our decoder is compared with (test/x509-differential.test.ts), so the parsing here
 * stays close to OpenSSL's own layout: the -text output is an indented tree, one extension per header line
 * at a fixed indent, its body below.
 */

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

/** True when an `openssl` binary is on the PATH. */
export function haveOpenssl(): boolean {
  const r = spawnSync("openssl", ["version"], { encoding: "utf8" });
  return r.status === 0;
}

/** Run openssl with `args`, feeding `input` on stdin; never throws for a non-zero exit. */
export function openssl(args: string[], input?: Uint8Array | string, cwd?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("openssl", args, { cwd, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({
        code: code ?? -1,
        stdout: stdoutBytes.toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        stdoutBytes,
      });
    });
    child.stdin.on("error", () => {
      // openssl may exit before reading all its input (e.g. on a usage error): the exit code tells.
    });
    child.stdin.end(input ?? "");
  });
}

/** Like `openssl`, but rejects with openssl's stderr when it fails. */
export async function opensslOk(
  args: string[],
  input?: Uint8Array | string,
  cwd?: string,
): Promise<RunResult> {
  const r = await openssl(args, input, cwd);
  if (r.code !== 0) throw new Error(`openssl ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r;
}

/** Map `fn` over `items` with at most `limit` running at once; results in input order. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A temporary directory, removed by the returned cleanup function. */
export function tempDir(prefix = "chainproof-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------------------------------------
// OpenSSL's object table: OID ↔ short name ↔ long name, as this openssl build knows them.

export interface ObjectNames {
  byOid: Map<string, { sn: string; ln: string }>;
  /** OID for a short or long name. */
  byName: Map<string, string>;
}

let objectsCache: ObjectNames | undefined;

/** `openssl list -objects`: "SN = LN, OID" or "SN = OID" lines. */
export function opensslObjects(): ObjectNames {
  if (objectsCache) return objectsCache;
  const r = spawnSync("openssl", ["list", "-objects"], { encoding: "utf8" });
  const byOid = new Map<string, { sn: string; ln: string }>();
  const byName = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const m = /^(.+?) = (?:(.+), )?([0-9]+(?:\.[0-9]+)*)$/.exec(line.trim());
    if (!m) continue;
    const [, sn, ln = sn, oid] = m;
    if (!byOid.has(oid)) byOid.set(oid, { sn, ln });
    if (!byName.has(sn)) byName.set(sn, oid);
    if (!byName.has(ln)) byName.set(ln, oid);
  }
  objectsCache = { byOid, byName };
  return objectsCache;
}

/** OpenSSL's long name for an OID, or the dotted OID (as i2t_ASN1_OBJECT prints). */
export function lnOf(oid: string): string {
  return opensslObjects().byOid.get(oid)?.ln ?? oid;
}

/** OpenSSL's short name for an OID, or the dotted OID. */
export function snOf(oid: string): string {
  return opensslObjects().byOid.get(oid)?.sn ?? oid;
}

/** The OID for a name OpenSSL printed (long or short name, or already dotted). */
export function oidOf(name: string): string | undefined {
  if (/^[0-9]+(\.[0-9]+)+$/.test(name)) return name;
  return opensslObjects().byName.get(name);
}

// ---------------------------------------------------------------------------------------------------------
// `openssl x509 -text` parsing

export interface OpensslExtension {
  /** The header as printed: a long name ("X509v3 Key Usage") or a dotted OID. */
  name: string;
  critical: boolean;
  /** Body lines with the 16-space extension-body indent removed (deeper indents kept). */
  body: string[];
}

export interface OpensslCertificate {
  version: number;
  /** "16711850 (0xff00aa)", "-5 (-0x5)" or the colon-hex long form, as printed after "Serial Number:". */
  serialText: string;
  /** From -serial: uppercase hex, "-" first when negative. */
  serial: string;
  signatureAlgorithm: string;
  issuer: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** RSASSA-PSS parameters printed under the signature algorithm. */
  pss?: { hash?: string; mgf1Hash?: string; saltLength?: number; trailerField?: number };
  publicKeyAlgorithm: string;
  publicKeyBits?: number;
  asn1Oid?: string;
  nistCurve?: string;
  exponent?: number;
  extensions: OpensslExtension[];
  sha1: string;
  sha256: string;
  /** The whole -text output, for failure messages. */
  text: string;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Sep  1 12:00:00 1998 GMT" (optionally with ".123" milliseconds) → Date. */
export function parseOpensslTime(s: string): Date {
  const m = /^([A-Z][a-z]{2}) +(\d+) (\d\d):(\d\d):(\d\d)(\.\d+)? (\d{4}) GMT$/.exec(s.trim());
  if (!m) throw new Error(`unexpected openssl time "${s}"`);
  const ms = m[6] ? Math.round(Number(m[6]) * 1000) : 0;
  return new Date(
    Date.UTC(Number(m[7]), MONTHS.indexOf(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), ms),
  );
}

/**
 * Describe DER certificates with openssl: one `openssl x509 -text -serial -fingerprint -sha1` run per
 * certificate (run in parallel), and the SHA-256 fingerprints from a single batched `openssl dgst -sha256`
 * over the same DER files (a fingerprint is exactly that digest; one process instead of one per certificate
 * keeps the suite fast). Names use `-nameopt RFC2253,-esc_msb`: RFC 2253 text, UTF-8 shown as UTF-8.
 */
export async function describeAllWithOpenssl(
  ders: Uint8Array[],
  parallel = 3,
): Promise<OpensslCertificate[]> {
  const tmp = tempDir("chainproof-openssl-");
  try {
    const files = ders.map((der, i) => writeIn(tmp.dir, `c${i}.der`, der));
    const sha256 = new Map<string, string>();
    for (let i = 0; i < files.length; i += 200) {
      const r = await opensslOk(["dgst", "-sha256", "-r", ...files.slice(i, i + 200)]);
      for (const line of r.stdout.trim().split("\n")) {
        const m = /^([0-9a-f]{64}) \*?(.+)$/.exec(line);
        if (m) sha256.set(m[2], m[1].toUpperCase().match(/../g)!.join(":"));
      }
    }
    const args = [
      "x509",
      "-inform",
      "DER",
      "-noout",
      "-nameopt",
      "RFC2253,-esc_msb",
      "-serial",
      "-fingerprint",
      "-sha1",
      "-text",
    ];
    return await mapLimit(files, parallel, async (f) => {
      const r = await opensslOk([...args, "-in", f]);
      return parseX509Output(r.stdout, `sha256 Fingerprint=${sha256.get(f) ?? "missing"}`);
    });
  } finally {
    tmp.cleanup();
  }
}

/** Describe one DER certificate with openssl (see describeAllWithOpenssl). */
export async function describeWithOpenssl(der: Uint8Array): Promise<OpensslCertificate> {
  return (await describeAllWithOpenssl([der]))[0];
}

export function parseX509Output(main: string, sha256Run: string): OpensslCertificate {
  const lines = main.split("\n");
  const fp = (text: string, alg: string) => {
    const m = new RegExp(`^${alg} Fingerprint=([0-9A-F:]+)$`, "mi").exec(text);
    if (!m) throw new Error(`no ${alg} fingerprint in openssl output`);
    return m[1];
  };
  const serialLine = lines.find((l) => l.startsWith("serial="));
  const out: OpensslCertificate = {
    version: 0,
    serialText: "",
    serial: serialLine ? serialLine.slice("serial=".length) : "",
    signatureAlgorithm: "",
    issuer: "",
    subject: "",
    notBefore: new Date(Number.NaN),
    notAfter: new Date(Number.NaN),
    publicKeyAlgorithm: "",
    extensions: [],
    sha1: fp(main, "sha1"),
    sha256: fp(sha256Run, "sha256"),
    text: main,
  };
  const start = lines.indexOf("Certificate:");
  let inExtensions = false;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i];
    const t = line.trim();
    const indent = line.length - line.trimStart().length;
    if (indent === 4 && t.startsWith("Signature Algorithm:")) break; // the outer signature: done
    if (inExtensions) {
      if (indent === 12) {
        const m = /^(.+?):( critical)?\s*$/.exec(t);
        if (!m) throw new Error(`unexpected extension header "${t}"`);
        out.extensions.push({ name: m[1], critical: !!m[2], body: [] });
      } else if (indent >= 16 || t === "") {
        const ext = out.extensions[out.extensions.length - 1];
        if (ext) ext.body.push(line.slice(Math.min(16, indent)));
      } else inExtensions = false;
      if (inExtensions) continue;
    }
    // RSASSA-PSS parameters follow the (inner) signature algorithm, before the issuer.
    if (!out.issuer && out.signatureAlgorithm === "rsassaPss" && (indent === 8 || indent === 9)) {
      out.pss ??= {};
      const pss = out.pss;
      const h = /^Hash Algorithm: (.+)$/.exec(t);
      if (h) pss.hash = h[1];
      const mgf = /^Mask Algorithm: mgf1 with (.+)$/.exec(t);
      if (mgf) pss.mgf1Hash = mgf[1];
      const salt = /^Salt Length: 0x([0-9A-Fa-f]+)$/.exec(t);
      if (salt) pss.saltLength = Number.parseInt(salt[1], 16);
      const tf = /^Trailer Field: 0x([0-9A-Fa-f]+)/.exec(t);
      if (tf) pss.trailerField = Number.parseInt(tf[1], 16);
      if (h || mgf || salt || tf) continue;
    }
    if (indent !== 8 && indent !== 12 && indent !== 16) continue;
    const [key, ...rest] = t.split(":");
    const value = rest.join(":").trim();
    // -nameopt keeps the name text as-is after "Issuer: " / "Subject: " (which may itself hold ": ").
    const after = (prefix: string) => {
      const at = line.indexOf(prefix);
      return at < 0 ? "" : line.slice(at + prefix.length);
    };
    switch (indent === 8 ? key : indent === 12 ? `  ${key}` : `    ${key}`) {
      case "Version":
        out.version = Number(value.split(" ")[0]);
        break;
      case "Serial Number":
        out.serialText = value || (lines[i + 1] ?? "").trim();
        break;
      case "Signature Algorithm":
        out.signatureAlgorithm = value;
        break;
      case "Issuer":
        out.issuer = after("Issuer: ");
        break;
      case "Subject":
        out.subject = after("Subject: ");
        break;
      case "  Not Before":
        out.notBefore = parseOpensslTime(value);
        break;
      case "  Not After ":
        out.notAfter = parseOpensslTime(value);
        break;
      case "  Public Key Algorithm":
        out.publicKeyAlgorithm = value;
        break;
      case "X509v3 extensions":
        inExtensions = true;
        break;
      default: {
        const bits = /^(?:RSA |EC |)(?:Public-Key|Public Key): \((\d+) bit\)$/.exec(t);
        if (bits) out.publicKeyBits = Number(bits[1]);
        const asn1 = /^ASN1 OID: (.+)$/.exec(t);
        if (asn1) out.asn1Oid = asn1[1];
        const nist = /^NIST CURVE: (.+)$/.exec(t);
        if (nist) out.nistCurve = nist[1];
        const exp = /^(?:Exponent|publicExponent): (\d+)/.exec(t);
        if (exp) out.exponent = Number(exp[1]);
      }
    }
  }
  return out;
}

/** Write `text` to `name` in `dir` and return the path. */
export function writeIn(dir: string, name: string, text: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
