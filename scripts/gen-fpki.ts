/**
 * Generates data/fpki.json and data/fpki.der (see trust-bundle.ts) from the Federal PKI "CA certificates validating to Federal
 * Common Policy CA G2" PKCS#7 bundle.
 *
 *   node dist/scripts/gen-fpki.js /path/to/CACertificatesValidatingToFederalCommonPolicyG2.p7b [--out fpki.json]
 *
 * Build-time only. The bundle is BER, not DER: the ContentInfo, SignedData and the certificates
 * [0] field use indefinite lengths (the certificates inside are DER). The small walker below
 * accepts both; it is not the product's PKCS#7 reader.
 */
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { FpkiRecordFields } from "../src/trust/bundled.js";
import { writeCertificateBundle } from "./trust-bundle.js";

/** Federal Common Policy CA G2 (https://fpki.idmanagement.gov). */
export const FCPCA_G2_SHA256 = "5F9AECC24616B2191372600DD80F6DD320C8CA5A0CEB7F09C985EBF0696934FC";

export interface Tlv {
  tag: number;
  constructed: boolean;
  /** Offset of the first content byte. */
  start: number;
  /** Offset one past the last content byte (excluding end-of-contents for indefinite lengths). */
  end: number;
  /** Offset one past the whole TLV (including end-of-contents). */
  next: number;
  headerStart: number;
}

/** Reads one BER TLV at `pos` (single-byte tags only, which is all PKCS#7 needs). */
export function readTlv(buf: Uint8Array, pos: number, limit = buf.length): Tlv {
  if (pos + 2 > limit) throw new Error(`truncated TLV at ${pos}`);
  const headerStart = pos;
  const id = buf[pos++]!;
  if ((id & 0x1f) === 0x1f) throw new Error(`multi-byte tag at ${headerStart}`);
  const constructed = (id & 0x20) !== 0;
  const lb = buf[pos++]!;
  if (lb === 0x80) {
    if (!constructed) throw new Error(`indefinite length on primitive at ${headerStart}`);
    // Walk children until end-of-contents (00 00).
    let p = pos;
    for (;;) {
      if (p + 2 > limit) throw new Error(`missing end-of-contents for TLV at ${headerStart}`);
      if (buf[p] === 0 && buf[p + 1] === 0)
        return { tag: id, constructed, start: pos, end: p, next: p + 2, headerStart };
      p = readTlv(buf, p, limit).next;
    }
  }
  let len = lb;
  if (lb & 0x80) {
    const n = lb & 0x7f;
    if (n > 4 || pos + n > limit) throw new Error(`bad length at ${headerStart}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos++]!;
  }
  if (pos + len > limit) throw new Error(`TLV at ${headerStart} overruns its parent`);
  return { tag: id, constructed, start: pos, end: pos + len, next: pos + len, headerStart };
}

export function children(buf: Uint8Array, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = t.start; p < t.end; ) {
    const c = readTlv(buf, p, t.end);
    out.push(c);
    p = c.next;
  }
  return out;
}

const SIGNED_DATA_OID = Uint8Array.from([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]);

/** Returns the raw bytes of each certificate in a PKCS#7 SignedData (certs-only or not). */
export function pkcs7Certificates(buf: Uint8Array): Uint8Array[] {
  const ci = readTlv(buf, 0);
  if (ci.tag !== 0x30) throw new Error("PKCS#7: ContentInfo is not a SEQUENCE");
  const [oid, content] = children(buf, ci);
  if (oid?.tag !== 0x06 || Buffer.compare(buf.subarray(oid.start, oid.end), SIGNED_DATA_OID) !== 0) {
    throw new Error("PKCS#7: not signedData");
  }
  if (content?.tag !== 0xa0) throw new Error("PKCS#7: missing [0] content");
  const [sd] = children(buf, content);
  if (sd?.tag !== 0x30) throw new Error("PKCS#7: SignedData is not a SEQUENCE");
  // version, digestAlgorithms, contentInfo, [0] IMPLICIT certificates OPTIONAL, [1] crls OPTIONAL, signerInfos
  const certsField = children(buf, sd).find((c) => c.tag === 0xa0);
  if (!certsField) return [];
  return children(buf, certsField).map((c) => {
    if (c.tag !== 0x30) throw new Error(`PKCS#7: non-certificate choice (tag 0x${c.tag.toString(16)})`);
    return buf.subarray(c.headerStart, c.next);
  });
}

export interface FpkiRecord extends FpkiRecordFields {
  der: Uint8Array;
}

const readableName = (n: string): string => n.split("\n").filter(Boolean).reverse().join(", ");
const iso = (d: string): string => new Date(d).toISOString().replace(".000Z", "Z");

export function buildCatalog(p7b: Uint8Array): { certificates: FpkiRecord[]; warnings: string[] } {
  const warnings: string[] = [];
  const seen = new Set<string>();
  const certificates: FpkiRecord[] = [];
  for (const der of pkcs7Certificates(p7b)) {
    const sha256 = createHash("sha256").update(der).digest("hex").toUpperCase();
    if (seen.has(sha256)) {
      warnings.push(`duplicate certificate ${sha256} skipped`);
      continue;
    }
    seen.add(sha256);
    const x = new X509Certificate(der);
    const selfSigned = x.subject === x.issuer && x.checkIssued(x) && x.verify(x.publicKey);
    certificates.push({
      sha256,
      subject: readableName(x.subject),
      issuer: readableName(x.issuer),
      notBefore: iso(x.validFrom),
      notAfter: iso(x.validTo),
      selfSigned,
      ca: x.ca,
      der,
    });
  }
  return { certificates, warnings };
}

function main(argv: string[]): void {
  const args = argv.slice(2);
  const outIdx = args.indexOf("--out");
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const out = outIdx >= 0 ? resolve(args.splice(outIdx, 2)[1]!) : resolve(repoRoot, "data/fpki.json");
  const input = args[0];
  if (!input) {
    console.error("usage: node dist/scripts/gen-fpki.js <bundle.p7b> [--out fpki.json]");
    process.exit(2);
  }
  const { certificates, warnings } = buildCatalog(readFileSync(input));
  for (const w of warnings) console.warn(`warning: ${w}`);
  const anchor = certificates.find((c) => c.sha256 === FCPCA_G2_SHA256);
  if (!anchor) throw new Error(`Federal Common Policy CA G2 (${FCPCA_G2_SHA256}) is not in the bundle`);
  if (!anchor.selfSigned) throw new Error("Federal Common Policy CA G2 in the bundle is not self-signed");

  const doc = {
    source:
      "Federal PKI: CA certificates validating to Federal Common Policy CA G2 " +
      "(CACertificatesValidatingToFederalCommonPolicyG2.p7b, https://fpki.idmanagement.gov)",
    crawled: "2023-07-31",
    licence: "US Government work, public domain",
    generatedBy: "scripts/gen-fpki.ts",
    anchorSha256: FCPCA_G2_SHA256,
  };
  const derPath = writeCertificateBundle(out, doc, "certificates", certificates);
  const selfSigned = certificates.filter((c) => c.selfSigned).map((c) => c.subject);
  console.log(`wrote ${out} and ${derPath}: ${certificates.length} certificates; anchor ${anchor.subject}`);
  console.log(`  self-signed: ${selfSigned.join(" | ")}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv);
}
