/**
 * The showcerts use case: what `openssl s_client -showcerts` shows, from the bytes the server actually
 * sent — the certificate list in the order sent, the handshake summary, the CA names a mutual-TLS server
 * asks for, a decoded summary per certificate and an order check. `showcerts()` returns the document
 * `chainproof showcerts --json` prints (docs/showcerts.md, docs/schemas/showcerts.schema.json).
 */

import { createHash } from "node:crypto";
import { scanVersions, type VersionSupport } from "../net/hello.js";
import { type ProbeOptions, type ProbeResult, type ProbeTarget, probe } from "../net/probe.js";
import { type Certificate, parseCertificate, verifySignature } from "../x509/certificate.js";
import { readTlv } from "../x509/der.js";
import { type Name, namesMatch, parseName } from "../x509/names.js";
import { toPem } from "../x509/pem.js";
import { targetFrom } from "./check.js";

export const SHOWCERTS_SCHEMA = "chainproof/showcerts/1";

export interface ShowcertsOptions {
  /** HOST[:PORT], [IPv6]:PORT or https://host/…; or a target already parsed (servername false: no SNI). */
  target: string | ProbeTarget;
  servername?: string;
  /** false: send no SNI. */
  sni?: boolean;
  connectTo?: string;
  /** Connect, handshake and total timeout (default 10 s). */
  timeoutMs?: number;
  /** Aborting closes the connection at once. */
  signal?: AbortSignal;
}

/** Connect and report what the server sent (never throws for what the network or the server does). */
export async function showcerts(o: ShowcertsOptions): Promise<ShowcertsReport> {
  const target = typeof o.target === "string" ? targetFrom(o.target, o) : o.target;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const signal = o.signal ? { signal: o.signal } : {};
  const probeOpts: ProbeOptions = {
    connectTimeoutMs: timeoutMs,
    handshakeTimeoutMs: timeoutMs,
    totalTimeoutMs: timeoutMs,
    // One target: compare the capture with node's view of the chain (the JSON reports it).
    crossCheck: true,
    ...signal,
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
      ...signal,
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

  const _report = buildReport(result, versions, legacyFrom);
  return buildReport(result, versions, legacyFrom);
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
