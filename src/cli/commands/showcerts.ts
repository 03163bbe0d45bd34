/**
 * `chainproof showcerts HOST[:PORT]`: what `openssl s_client -showcerts` prints, from the bytes the server
 * actually sent: the certificate list in the order sent (with its PEMs), the handshake summary, the
 * client-certificate CA names of a mutual-TLS server, plus a decoded summary per certificate and an order
 * check (is each certificate the issuer of the one before it, by name and signature).
 *
 * Exit status: 0 the handshake completed; 1 no handshake (network, TLS or server failure; the reason is on
 * stderr and in the JSON); 2 bad input. The JSON document (--json) is described in docs/showcerts.md.
 */

import { createHash } from "node:crypto";
import { targetFrom } from "../../app/check.js";
import { scanVersions, type VersionSupport } from "../../net/hello.js";
import { type ProbeOptions, type ProbeResult, probe } from "../../net/probe.js";
import { type Certificate, parseCertificate, verifySignature } from "../../x509/certificate.js";
import { readTlv } from "../../x509/der.js";
import { InputError } from "../../x509/errors.js";
import { type Name, namesMatch, parseName } from "../../x509/names.js";
import { toPem } from "../../x509/pem.js";
import { type Style, safeText, styleFor } from "../style.js";
import { parseTimeout } from "./check.js";

const EXIT_OK = 0;
const EXIT_NO_HANDSHAKE = 1;

export interface ShowcertsOptions {
  servername?: string;
  /** commander's --no-sni: false when given. */
  sni?: boolean;
  connectTo?: string;
  timeout?: string;
  json?: boolean;
}

export const SHOWCERTS_SCHEMA = "chainproof/showcerts/1";

export async function runShowcerts(targetText: string, opts: ShowcertsOptions): Promise<number> {
  if (opts.sni === false && opts.servername)
    throw new InputError("--servername and --no-sni cannot be used together", "usage");
  const target = targetFrom(targetText, opts);
  const timeoutMs = parseTimeout(opts.timeout);
  const probeOpts: ProbeOptions = {
    connectTimeoutMs: timeoutMs,
    handshakeTimeoutMs: timeoutMs,
    totalTimeoutMs: timeoutMs,
    // One target: compare the capture with node's view of the chain (the JSON reports it).
    crossCheck: true,
  };

  const result = await probe(target, probeOpts);
  // A server that speaks only older versions: find which, and read its certificates from a raw hello.
  let versions: VersionSupport[] | undefined;
  let legacyFrom: string | undefined;
  if (result.failure?.kind === "no-shared-version" && result.certificates.length === 0) {
    versions = await scanVersions(target, {
      connectTimeoutMs: timeoutMs,
      handshakeTimeoutMs: timeoutMs,
      totalTimeoutMs: timeoutMs,
    });
    const old = versions.filter((v) => v.supported && v.hello.certificates.length > 0).at(-1);
    if (old) {
      result.certificates = old.hello.certificates;
      result.certificateCount = old.hello.certificateCount;
      result.certificateSource = "wire";
      result.protocol ??= old.hello.version;
      result.cipher ??= old.hello.cipher;
      legacyFrom = old.version;
      if (old.hello.certificateRequest) result.certificateRequest ??= old.hello.certificateRequest;
    }
  }

  const report = buildReport(result, versions, legacyFrom);
  const out = process.stdout;
  quietOnClosedPipe();
  if (opts.json) {
    out.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const text = renderText(report, styleFor(out));
    if (text) out.write(text);
  }
  if (result.failure) {
    const err = process.stderr;
    err.write(
      `chainproof: ${safeText(`${report.target.host}:${report.target.port}`)}: ${safeText(result.failure.message)}\n`,
    );
    if (result.failure.detail) err.write(`chainproof: ${safeText(result.failure.detail)}\n`);
  }
  return result.completed ? EXIT_OK : EXIT_NO_HANDSHAKE;
}

// ---------------------------------------------------------------------------------------------------------
// The report (the JSON document; the text output renders it)

export interface CertificateReport {
  index: number;
  /** RFC 4514 text. */
  subject?: string;
  issuer?: string;
  /** OpenSSL's one-line form, as `s_client` prints it. */
  subjectOneline?: string;
  issuerOneline?: string;
  commonName?: string;
  sans: string[];
  notBefore?: string;
  notAfter?: string;
  /** Whole days until notAfter (negative: expired). */
  expiresInDays?: number;
  key?: { algorithm: string; bits?: number; curve?: string };
  signatureAlgorithm?: string;
  /** OpenSSL's s_client "a:" line: "PKEY: rsaEncryption, 2048 (bit); sigalg: RSA-SHA256". */
  opensslKey?: string;
  sha256: string;
  isCA?: boolean;
  selfSigned?: boolean;
  /** Is this certificate the issuer of the one before it? null for the first. */
  issuesPrevious: boolean | null;
  /** One line on this certificate's place in the list. */
  order: string;
  /** Set when the bytes do not parse as a certificate. */
  parseError?: string;
  pem: string;
}

export interface ShowcertsReport {
  schema: string;
  target: { host: string; port: number; servername: string | null; address?: string; family?: number };
  completed: boolean;
  failure: {
    kind: string;
    message: string;
    detail?: string;
    alert?: { level: string; code: number; name: string };
  } | null;
  handshake: {
    protocol: string | null;
    cipher: { name: string; openssl?: string; id?: number } | null;
    alpn: string | null;
    keyExchange: { group?: string; dhBits?: number; signatureScheme?: string } | null;
    helloRetryRequest: boolean;
    ocsp: {
      responseStatus: string;
      producedAt?: string;
      responses: {
        serial: string;
        status: string;
        revocationTime?: string;
        thisUpdate?: string;
        nextUpdate?: string;
      }[];
      error?: string;
      der: string;
    } | null;
    serverMessages: string[];
    alerts: { level: string; code: number; name: string }[];
    bytesRead: number;
    bytesWritten: number;
    timing: { lookupMs?: number; connectMs?: number; handshakeMs?: number; totalMs: number };
  };
  certificateCount: number;
  certificateSource: string;
  certificates: CertificateReport[];
  chainOrder: { ok: boolean; problems: string[] };
  clientCertificateRequest: {
    certificateAuthorities: { name: string; oneline: string; der: string }[];
    signatureAlgorithms?: string[];
    signatureAlgorithmsCert?: string[];
    certificateTypes?: string[];
    verdict?: string;
  } | null;
  versions:
    | { version: string; supported: boolean; chose?: string; cipher?: string; failure?: string }[]
    | null;
  /** Set when the certificates come from a raw hello at this version (the normal handshake failed). */
  legacyCapture: string | null;
  crossCheck: { certificates: string; detail?: string };
  notes: string[];
}

function buildReport(
  r: ProbeResult,
  versions: VersionSupport[] | undefined,
  legacyFrom: string | undefined,
): ShowcertsReport {
  const now = Date.now();
  const parsed: (Certificate | Error)[] = r.certificates.map((der) => {
    try {
      return parseCertificate(der);
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  });
  const certs: CertificateReport[] = parsed.map((c, i) =>
    certificateReport(c, i, r.certificates[i], parsed, now),
  );
  const problems = certs
    .filter((c) => c.index > 0 && c.issuesPrevious === false)
    .map((c) => `certificate ${c.index}: ${c.order}`);
  for (const c of certs)
    if (c.parseError) problems.push(`certificate ${c.index} does not parse: ${c.parseError}`);
  const notes = [...r.notes];
  if (legacyFrom) {
    notes.push(
      `the handshake failed, so the certificates come from a raw ${legacyFrom} ClientHello (TLS ≤ 1.2 sends them in plaintext)`,
    );
  }
  const cr = r.certificateRequest;
  return {
    schema: SHOWCERTS_SCHEMA,
    target: { host: r.host, port: r.port, servername: r.servername, address: r.address, family: r.family },
    completed: r.completed,
    failure: r.failure
      ? { kind: r.failure.kind, message: r.failure.message, detail: r.failure.detail, alert: r.failure.alert }
      : null,
    handshake: {
      protocol: r.protocol ?? null,
      cipher: r.cipher ?? null,
      alpn: r.alpn ?? null,
      keyExchange: r.keyExchange ?? null,
      helloRetryRequest: r.helloRetryRequest,
      ocsp: r.ocsp ? { ...r.ocsp.summary, der: Buffer.from(r.ocsp.der).toString("base64") } : null,
      serverMessages: r.serverMessages,
      alerts: r.alerts,
      bytesRead: r.bytesRead,
      bytesWritten: r.bytesWritten,
      timing: r.timing,
    },
    certificateCount: r.certificateCount,
    certificateSource: r.certificateSource,
    certificates: certs,
    chainOrder: { ok: problems.length === 0, problems },
    clientCertificateRequest: cr
      ? {
          certificateAuthorities: cr.certificateAuthorities.map((der) => caName(der)),
          signatureAlgorithms: cr.signatureAlgorithms,
          signatureAlgorithmsCert: cr.signatureAlgorithmsCert,
          certificateTypes: cr.certificateTypes,
          verdict: r.clientCertificate?.verdict,
        }
      : null,
    versions: versions
      ? versions.map((v) => ({
          version: v.version,
          supported: v.supported,
          chose: v.chose,
          cipher: v.cipher,
          failure: v.failure?.message,
        }))
      : null,
    legacyCapture: legacyFrom ?? null,
    crossCheck: r.crossCheck,
    notes,
  };
}

function caName(der: Uint8Array): { name: string; oneline: string; der: string } {
  const b64 = Buffer.from(der).toString("base64");
  try {
    const name = parseName(der, readTlv(der, 0, der.length), "CA name");
    return { name: name.toString(), oneline: opensslOneline(name), der: b64 };
  } catch (e) {
    const why = `(unreadable name: ${e instanceof Error ? e.message : e})`;
    return { name: why, oneline: why, der: b64 };
  }
}

function certificateReport(
  c: Certificate | Error,
  i: number,
  der: Uint8Array,
  all: (Certificate | Error)[],
  now: number,
): CertificateReport {
  const pem = toPem(der);
  if (c instanceof Error) {
    return {
      index: i,
      sans: [],
      sha256: sha256Hex(der),
      issuesPrevious: null,
      order: "not a certificate",
      parseError: c.message,
      pem,
    };
  }
  const sans = (c.subjectAltName ?? []).map((g) => `${SAN_PREFIX[g.type] ?? g.type}:${g.value}`);
  const key = { algorithm: c.publicKey.algorithm, bits: c.publicKey.bits, curve: c.publicKey.curve };
  const prev = i > 0 ? all[i - 1] : undefined;
  let issuesPrevious: boolean | null = null;
  let order: string;
  if (i === 0) {
    order = c.selfSigned ? "the server's certificate (self-signed)" : "the server's certificate";
  } else if (prev instanceof Error || prev === undefined) {
    order = "cannot check: the certificate before it does not parse";
  } else {
    const nameOk = namesMatch(prev.issuer, c.subject);
    const sig = nameOk ? verifySignature(prev, c) : false;
    issuesPrevious = nameOk && sig === true;
    if (issuesPrevious) order = `issued certificate ${i - 1} (name and signature match)`;
    else if (nameOk && sig instanceof Error) {
      issuesPrevious = null;
      order = `name matches certificate ${i - 1}'s issuer; signature not checked: ${sig.message}`;
    } else if (nameOk) order = `its name matches certificate ${i - 1}'s issuer but its key did not sign it`;
    else order = `did not issue certificate ${i - 1}${whereItBelongs(c, i, all)}`;
  }
  if (i > 0 && c.selfSigned)
    order += "; a self-signed root (clients use their own copy; sending it is unnecessary)";
  return {
    index: i,
    subject: c.subject.toString(),
    issuer: c.issuer.toString(),
    subjectOneline: opensslOneline(c.subject),
    issuerOneline: opensslOneline(c.issuer),
    commonName: c.commonNames[0],
    sans,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    expiresInDays: Math.floor((c.notAfter.getTime() - now) / 86_400_000),
    key,
    signatureAlgorithm: c.signatureAlgorithm.name,
    opensslKey: pkeyLine(c),
    sha256: c.sha256,
    isCA: c.isCA,
    selfSigned: c.selfSigned,
    issuesPrevious,
    order,
    pem,
  };
}

/** "; a duplicate of certificate 1" / "; it issued certificate 0" / "; unrelated to the other certificates". */
function whereItBelongs(c: Certificate, i: number, all: (Certificate | Error)[]): string {
  const dup = all.findIndex(
    (o, j) => j < i && !(o instanceof Error) && Buffer.from(o.der).equals(Buffer.from(c.der)),
  );
  if (dup >= 0) return `; a duplicate of certificate ${dup}`;
  const issued = all.findIndex(
    (o, j) =>
      j !== i && !(o instanceof Error) && namesMatch(o.issuer, c.subject) && verifySignature(o, c) === true,
  );
  if (issued >= 0) return `; it issued certificate ${issued} (out of order)`;
  return "; unrelated to the certificate before it";
}

const SAN_PREFIX: Record<string, string> = {
  dns: "DNS",
  ip: "IP",
  email: "email",
  uri: "URI",
  dirName: "DirName",
  otherName: "othername",
  registeredId: "RID",
};

/** Certificate has sha256, but bytes that do not parse still get a fingerprint. */
function sha256Hex(der: Uint8Array): string {
  return createHash("sha256").update(der).digest("hex");
}

// ---------------------------------------------------------------------------------------------------------
// OpenSSL's one-line formats

/**
 * A Name as OpenSSL 3 prints it in s_client ("C = US, O = Org, CN = name"): RDNs in encoded order, " = "
 * and ", ", values with , + ; < > quoted, " and \ escaped with a backslash, control characters and every byte
 * of non-ASCII UTF-8 as \XX, unknown non-string values as #HEX.
 */
export function opensslOneline(name: Name): string {
  return name.rdns
    .map((rdn) => rdn.map((a) => `${a.shortName ?? a.oid} = ${onelineValue(a.value)}`).join(" + "))
    .join(", ");
}

function onelineValue(v: string): string {
  if (/^#[0-9a-f]+$/i.test(v)) return v.toUpperCase();
  let quote = false;
  let out = "";
  const chars = [...v];
  chars.forEach((ch, i) => {
    const cp = ch.codePointAt(0)!;
    if (cp > 0x7f) {
      for (const b of Buffer.from(ch, "utf8")) out += `\\${b.toString(16).toUpperCase().padStart(2, "0")}`;
    } else if (cp < 0x20 || cp === 0x7f) {
      out += `\\${cp.toString(16).toUpperCase().padStart(2, "0")}`;
    } else if (ch === '"' || ch === "\\") {
      out += `\\${ch}`;
    } else {
      if (
        ",+;<>".includes(ch) ||
        ((i === 0 || i === chars.length - 1) && ch === " ") ||
        (i === 0 && ch === "#")
      )
        quote = true;
      out += ch;
    }
  });
  return quote ? `"${out}"` : out;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** ASN1_TIME_print's format: "Mar  1 23:59:59 2025 GMT". */
export function opensslTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()} GMT`;
}

const PKEY_SN: Record<string, string> = {
  RSA: "rsaEncryption",
  "RSA-PSS": "RSASSA-PSS",
  EC: "id-ecPublicKey",
  Ed25519: "ED25519",
  Ed448: "ED448",
  DSA: "DSA",
};
const PKEY_BITS: Record<string, number> = { Ed25519: 253, Ed448: 456 };

const SIGALG_SN: Record<string, string> = {
  md5WithRSAEncryption: "RSA-MD5",
  sha1WithRSAEncryption: "RSA-SHA1",
  sha224WithRSAEncryption: "RSA-SHA224",
  sha256WithRSAEncryption: "RSA-SHA256",
  sha384WithRSAEncryption: "RSA-SHA384",
  sha512WithRSAEncryption: "RSA-SHA512",
  rsassaPss: "RSASSA-PSS",
  dsa_with_SHA1: "DSA-SHA1",
};

/** "a:PKEY: rsaEncryption, 2048 (bit); sigalg: RSA-SHA256". */
function pkeyLine(c: Certificate): string {
  const alg = c.publicKey.algorithm;
  const bits = PKEY_BITS[alg] ?? c.publicKey.bits ?? 0;
  const sig = SIGALG_SN[c.signatureAlgorithm.name] ?? c.signatureAlgorithm.name;
  return `PKEY: ${PKEY_SN[alg] ?? alg}, ${bits} (bit); sigalg: ${sig}`;
}

// ---------------------------------------------------------------------------------------------------------
// Text

function renderText(rep: ShowcertsReport, style: Style): string {
  const lines: string[] = [];
  const t = rep.target;
  const hasSomething = rep.certificates.length > 0 || rep.handshake.protocol !== null;
  if (!hasSomething) return "";
  const where = t.address && t.address !== t.host ? `${t.host} (${t.address})` : t.host;
  lines.push(
    safeText(`Connected to ${where} port ${t.port}, ${t.servername ? `SNI ${t.servername}` : "no SNI"}`),
    "---",
    style.bold("Certificate chain"),
  );
  rep.certificates.forEach((c, i) => {
    if (c.parseError) {
      lines.push(safeText(`${String(i).padStart(2)} (does not parse: ${c.parseError})`));
    } else {
      lines.push(safeText(`${String(i).padStart(2)} s:${c.subjectOneline}`));
      lines.push(safeText(`   i:${c.issuerOneline}`));
      lines.push(safeText(`   a:${c.opensslKey}`));
      lines.push(
        `   v:NotBefore: ${opensslTime(new Date(c.notBefore!))}; NotAfter: ${opensslTime(new Date(c.notAfter!))}`,
      );
    }
    lines.push(c.pem.trimEnd());
  });
  if (rep.certificates.length === 0) lines.push("No certificates received");
  if (rep.certificateCount > rep.certificates.length) {
    lines.push(
      style.yellow(`(${rep.certificateCount - rep.certificates.length} more certificates not kept)`),
    );
  }

  if (rep.certificates.length) {
    lines.push("---", style.bold("Certificate summary"));
    for (const c of rep.certificates) {
      if (c.parseError) {
        lines.push(
          safeText(`${String(c.index).padStart(2)} ${style.red("not a certificate")}: ${c.parseError}`),
        );
        lines.push(`     SHA-256:  ${colonHex(c.sha256)}`);
        continue;
      }
      const tags = [c.isCA ? "CA" : "", c.selfSigned ? "self-signed" : ""].filter(Boolean).join(", ");
      lines.push(
        safeText(
          `${String(c.index).padStart(2)} ${c.commonName ?? c.subject ?? ""}${tags ? ` (${tags})` : ""}`,
        ),
      );
      if (c.sans.length) lines.push(safeText(`     SANs:     ${c.sans.join(", ")}`));
      const days = c.expiresInDays ?? 0;
      const when =
        days < 0
          ? style.red(`expired ${-days} days ago`)
          : days < 30
            ? style.yellow(`in ${days} days`)
            : `in ${days} days`;
      lines.push(`     Expires:  ${c.notAfter?.replace(".000Z", "Z")} (${when})`);
      const k = c.key!;
      const keyText =
        k.algorithm === "EC" ? `EC ${k.curve ?? ""}`.trim() : `${k.algorithm}${k.bits ? ` ${k.bits}` : ""}`;
      lines.push(safeText(`     Key:      ${keyText}; signed with ${c.signatureAlgorithm}`));
      lines.push(`     SHA-256:  ${colonHex(c.sha256)}`);
      const mark =
        c.issuesPrevious === true ? style.green("✓ ") : c.issuesPrevious === false ? style.red("✗ ") : "";
      lines.push(safeText(`     Order:    ${mark}${c.order}`));
    }
    lines.push(
      rep.chainOrder.ok
        ? style.green("Chain order: each certificate issued the one before it")
        : style.red(
            `Chain order: ${rep.chainOrder.problems.length} problem${rep.chainOrder.problems.length === 1 ? "" : "s"}`,
          ),
    );
  }

  const cr = rep.clientCertificateRequest;
  if (cr) {
    lines.push("---");
    if (cr.certificateAuthorities.length) {
      lines.push(style.bold("Acceptable client certificate CA names"));
      for (const n of cr.certificateAuthorities) lines.push(safeText(n.oneline));
    } else lines.push(style.bold("No client certificate CA names sent"));
    if (cr.certificateTypes?.length)
      lines.push(`Client certificate types: ${cr.certificateTypes.join(", ")}`);
    if (cr.signatureAlgorithms?.length)
      lines.push(`Requested signature algorithms: ${cr.signatureAlgorithms.join(", ")}`);
    if (cr.signatureAlgorithmsCert?.length)
      lines.push(`Requested certificate signature algorithms: ${cr.signatureAlgorithmsCert.join(", ")}`);
  }

  const h = rep.handshake;
  lines.push("---", style.bold(rep.completed ? "Handshake" : "Handshake (not completed)"));
  lines.push(`Protocol:      ${h.protocol ?? "unknown"}`);
  if (h.cipher)
    lines.push(
      `Cipher:        ${h.cipher.name}${h.cipher.openssl && h.cipher.openssl !== h.cipher.name ? ` (OpenSSL: ${h.cipher.openssl})` : ""}`,
    );
  lines.push(safeText(`ALPN:          ${h.alpn ?? "none negotiated"}`));
  lines.push(`OCSP stapled:  ${ocspText(h.ocsp)}`);
  if (h.keyExchange) {
    const kx = h.keyExchange;
    const parts = [kx.group, kx.dhBits ? `DH ${kx.dhBits} bits` : undefined].filter(Boolean);
    lines.push(
      `Key exchange:  ${parts.join(", ") || "unknown"}${kx.signatureScheme ? `; server signature ${kx.signatureScheme}` : ""}`,
    );
  }
  if (h.helloRetryRequest) lines.push("HelloRetryRequest: yes");
  if (cr?.verdict)
    lines.push(`Client certificate: ${cr.verdict === "unknown" ? "no verdict seen" : cr.verdict}`);
  lines.push(
    `Read ${h.bytesRead.toLocaleString("en-US")} bytes, wrote ${h.bytesWritten.toLocaleString("en-US")} bytes in ${h.timing.totalMs} ms`,
  );
  if (rep.versions) {
    const ok = rep.versions.filter((v) => v.supported).map((v) => v.version);
    lines.push(`Versions the server accepts: ${ok.length ? ok.join(", ") : "none of TLSv1 to TLSv1.3"}`);
  }
  if (rep.failure) lines.push(style.red(safeText(`Failure:       ${rep.failure.message}`)));
  if (rep.notes.length) {
    lines.push("---", style.bold("Notes"));
    for (const n of rep.notes) lines.push(safeText(`- ${n}`));
  }
  return `${lines.join("\n")}\n`;
}

function ocspText(o: ShowcertsReport["handshake"]["ocsp"]): string {
  if (!o) return "no";
  const first = o.responses[0];
  const parts = [`yes, ${o.responseStatus}`];
  if (first) parts.push(`certificate ${first.status}`);
  if (first?.nextUpdate) parts.push(`next update ${first.nextUpdate}`);
  if (o.error) parts.push(`(${o.error})`);
  return parts.join("; ");
}

function colonHex(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(":");
}

function quietOnClosedPipe(): void {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}
