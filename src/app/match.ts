/**
 * The match use case: does this private key belong to this certificate, or to this certificate signing
 * request? The document `chainproof match --json` prints (docs/schemas/match.schema.json). The key's public
 * half is compared with the certificate's (or request's) SubjectPublicKeyInfo as key material, so an EC key
 * matches whichever point encoding the certificate uses.
 */

import { createHash } from "node:crypto";
import { parseCsr } from "../x509/builder.js";
import { InputError } from "../x509/errors.js";
import { readCertificates } from "../x509/input.js";
import { looksLikePem } from "../x509/pem.js";
import { csrDer } from "./csr.js";
import { type KeyFile, keyPairs, type PrivateKeyRead, readOnePrivateKey } from "./private-keys.js";

export const MATCH_SCHEMA = "chainproof/match";
export const MATCH_SCHEMA_VERSION = 1;

export interface MatchCandidate {
  /** 1-based position in the file (certificates); 1 for a request. */
  position: number;
  subject: string;
  /** SHA-256 of its SubjectPublicKeyInfo, uppercase hex. */
  spkiSha256: string;
  /** The certificate's SHA-256 fingerprint (absent for a request). */
  sha256?: string;
  matches: boolean;
}

export interface MatchDocument {
  schema: typeof MATCH_SCHEMA;
  version: typeof MATCH_SCHEMA_VERSION;
  key: {
    source: string;
    algorithm: string;
    bits?: number;
    curve?: string;
    spkiSha256: string;
    alias?: string;
  };
  target: { source: string; kind: "certificate" | "csr"; candidates: MatchCandidate[] };
  /** The key belongs to the certificate (the first of the file: the leaf) or the request. */
  matches: boolean;
  /** When the key belongs to another certificate of the file instead, which one. */
  matchesPosition?: number;
  /** One sentence a person reads. */
  summary: string;
  notes: string[];
}

export interface MatchOptions {
  key: KeyFile;
  /** A certificate (or a chain, leaf first) in any format decode reads, or a PKCS#10 request. */
  target: KeyFile;
}

/** Whether the bytes are a certificate signing request rather than certificates. */
function isCsr(bytes: Uint8Array): boolean {
  if (looksLikePem(bytes))
    return /-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(Buffer.from(bytes).toString("latin1"));
  try {
    parseCsr(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Compare a private key with a certificate or a request. */
export function matchKey(o: MatchOptions): MatchDocument {
  const key = readOnePrivateKey(o.key);
  const notes: string[] = [];
  if (key.others > 0)
    notes.push(`${o.key.name} holds ${key.others + 1} private keys; the first was compared`);
  const target = o.target;
  let kind: "certificate" | "csr";
  let candidates: MatchCandidate[];
  if (isCsr(target.bytes)) {
    kind = "csr";
    const csr = parseCsr(csrDer(target.bytes, target.name), target.name);
    candidates = [
      {
        position: 1,
        subject: csr.subject.toString(),
        spkiSha256: csr.spkiSha256.toUpperCase(),
        matches: keyPairs(key, new Uint8Array(csr.publicKey.spki)),
      },
    ];
  } else {
    kind = "certificate";
    const read = readCertificates(target.bytes, {
      source: target.name,
      ...(target.password !== undefined ? { password: target.password, opened: target.opened } : {}),
    });
    if (read.certificates.length === 0) {
      throw new InputError(`${target.name}: holds no certificate or certificate request`, "no-certificate");
    }
    candidates = read.certificates.map(({ cert }, i) => ({
      position: i + 1,
      subject: cert.subject.toString(),
      spkiSha256: cert.spkiSha256.toUpperCase(),
      sha256: cert.sha256.toUpperCase(),
      matches: keyPairs(key, cert.publicKey.spki),
    }));
  }
  const matches = candidates[0].matches;
  const other = matches ? undefined : candidates.find((c) => c.matches);
  return {
    schema: MATCH_SCHEMA,
    version: MATCH_SCHEMA_VERSION,
    key: keyJson(key, o.key.name),
    target: { source: target.name, kind, candidates },
    matches,
    ...(other ? { matchesPosition: other.position } : {}),
    summary: summary(kind, matches, candidates[0].subject, other),
    notes,
  };
}

function summary(
  kind: "certificate" | "csr",
  matches: boolean,
  subject: string,
  other: MatchCandidate | undefined,
): string {
  const what = kind === "csr" ? "the certificate request" : "the certificate";
  if (matches) return `The private key matches ${what} (${subject}).`;
  if (other) {
    return `The private key does not match the first certificate (${subject}); it matches certificate #${other.position} (${other.subject}).`;
  }
  return `The private key does not match ${what} (${subject}): it belongs to another certificate or request.`;
}

function keyJson(key: PrivateKeyRead, source: string): MatchDocument["key"] {
  const d = key.publicKey.asymmetricKeyDetails ?? {};
  const spki = key.publicKey.export({ type: "spki", format: "der" });
  return {
    source,
    algorithm: (key.publicKey.asymmetricKeyType ?? "unknown").toUpperCase(),
    ...(d.modulusLength !== undefined ? { bits: d.modulusLength } : {}),
    ...(d.namedCurve !== undefined ? { curve: d.namedCurve } : {}),
    spkiSha256: createHash("sha256").update(spki).digest("hex").toUpperCase(),
    ...(key.alias !== undefined ? { alias: key.alias } : {}),
  };
}
