/**
 * Differential test: every field our decoder reports (through the `decode --json` mapping) against what
 * `openssl x509 -text -nameopt RFC2253,-esc_msb -serial -fingerprint` reports, for Mozilla's root store
 * (the committed data/mozilla.json and .der) and for a set generated here with openssl (every key type,
 * SAN kind and extension the decoder knows).
 *
 * For each certificate, the expected OpenSSL text is built from our JSON in OpenSSL's vocabulary and
 * compared with what OpenSSL printed; all mismatches are collected, so one run shows every difference.
 */

import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { loadMozillaRoots } from "../src/trust/bundled.js";
import { parseCertificate } from "../src/x509/certificate.js";
import {
  type CertificateJson,
  certificateToJson,
  decodeDocument,
  type GeneralNameJson,
  type NameAttributeJson,
} from "../src/x509/json.js";
import { ROOT } from "./helpers/cli.js";
import { type GeneratedCert, generateCertificates, standardSpecs } from "./helpers/gen-certs.js";
import {
  describeAllWithOpenssl,
  haveOpenssl,
  lnOf,
  type OpensslCertificate,
  type OpensslExtension,
  oidOf,
  parseOpensslTime,
  snOf,
  tempDir,
} from "./helpers/openssl.js";

const skip = haveOpenssl() ? false : "openssl is not installed";

/** Fields compared, counted over a run so the coverage claim in the report is measured, not assumed. */
const covered = new Map<string, number>();
const count = (field: string) => covered.set(field, (covered.get(field) ?? 0) + 1);

function check(out: string[], label: string, field: string, ours: unknown, theirs: unknown): void {
  count(field);
  if (ours !== theirs)
    out.push(`${label}: ${field}: ours ${JSON.stringify(ours)}, openssl ${JSON.stringify(theirs)}`);
}

// ---------------------------------------------------------------------------------------------------------
// Our JSON, spelled the way OpenSSL prints it

const colon = (hex: string) => (hex.replace(/^-/, "").match(/.{2}/g) ?? []).join(":").toUpperCase();

/** "2001:db8::1" → "2001:DB8:0:0:0:0:0:1" (OpenSSL prints every group, uppercase, without zero-compression). */
function opensslIpv6(text: string): string {
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const a = head ? head.split(":") : [];
  const b = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = tail === undefined ? a : [...a, ...Array(8 - a.length - b.length).fill("0"), ...b];
  return groups.map((g) => Number.parseInt(g, 16).toString(16).toUpperCase()).join(":");
}

function opensslIp(value: string): string {
  const [addr, prefix] = value.split("/");
  const v6 = addr.includes(":");
  const shown = v6 ? opensslIpv6(addr) : addr;
  if (prefix === undefined) return shown;
  if (!/^\d+$/.test(prefix)) return `${shown}/${v6 ? opensslIpv6(prefix) : prefix}`; // non-contiguous mask
  const bits = Number(prefix);
  const bytes = Array.from({ length: v6 ? 16 : 4 }, (_, i) => {
    const n = Math.max(0, Math.min(8, bits - i * 8));
    return (0xff << (8 - n)) & 0xff;
  });
  const mask = v6
    ? opensslIpv6(
        Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16)).join(":"),
      )
    : bytes.join(".");
  return `${shown}/${mask}`;
}

/** X509_NAME_oneline: "/C=GB/O=Org/CN=Name" in encoded order, bytes outside printable ASCII as \xHH. */
function onelineSlash(rdns: NameAttributeJson[][]): string {
  const esc = (v: string) =>
    [...Buffer.from(v, "utf8")]
      .map((b) =>
        b < 0x20 || b > 0x7e ? `\\x${b.toString(16).toUpperCase().padStart(2, "0")}` : String.fromCharCode(b),
      )
      .join("");
  return rdns
    .flat()
    .map((a) => `/${snOf(a.oid)}=${esc(a.value)}`)
    .join("");
}

/** XN_FLAG_ONELINE: "C = GB, O = \"Dir, Org\", CN = Name" in encoded order. */
function onelineSpaced(attrs: NameAttributeJson[][]): string {
  const q = (v: string) => (/[,+<>;"\\]|^[ #]| $/.test(v) ? `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"` : v);
  return attrs.map((rdn) => rdn.map((a) => `${snOf(a.oid)} = ${q(a.value)}`).join(" + ")).join(", ");
}

/** GENERAL_NAME_print, with the DirName form each caller uses. */
function generalName(
  g: GeneralNameJson,
  dirName: (n: NameAttributeJson[][]) => string,
  ipLabel = "IP Address",
): string {
  switch (g.type) {
    case "dns":
      return `DNS:${g.value}`;
    case "email":
      return `email:${g.value}`;
    case "uri":
      return `URI:${g.value}`;
    case "ip":
      return `${ipLabel}:${opensslIp(g.value)}`;
    case "dirName":
      return `DirName:${dirName(g.name?.rdns ?? [])}`;
    case "registeredId":
      return `Registered ID:${lnOf(g.value)}`;
    case "otherName": {
      const known: Record<string, string> = { "1.3.6.1.4.1.311.20.2.3": "UPN" };
      return known[g.oid ?? ""]
        ? `othername: ${known[g.oid ?? ""]}::${g.value}`
        : `othername: ${lnOf(g.oid ?? "")}::<unsupported>`;
    }
    case "x400Address":
      return "X400Name:<unsupported>";
    case "ediPartyName":
      return "EdiPartyName:<unsupported>";
  }
}

const KEY_USAGE: Record<string, string> = {
  digitalSignature: "Digital Signature",
  contentCommitment: "Non Repudiation",
  keyEncipherment: "Key Encipherment",
  dataEncipherment: "Data Encipherment",
  keyAgreement: "Key Agreement",
  keyCertSign: "Certificate Sign",
  cRLSign: "CRL Sign",
  encipherOnly: "Encipher Only",
  decipherOnly: "Decipher Only",
};

const REASONS: Record<string, string> = {
  unused: "Unused",
  keyCompromise: "Key Compromise",
  cACompromise: "CA Compromise",
  affiliationChanged: "Affiliation Changed",
  superseded: "Superseded",
  cessationOfOperation: "Cessation Of Operation",
  certificateHold: "Certificate Hold",
  privilegeWithdrawn: "Privilege Withdrawn",
  aACompromise: "AA Compromise",
};

type J = Record<string, unknown>;
const list = (v: unknown) => (Array.isArray(v) ? (v as J[]) : []);
const gn = (v: unknown) => v as GeneralNameJson;

/**
 * The body OpenSSL prints for an extension, from our decoded value, or undefined when we do not decode it.
 * Compared after collapsing whitespace (OpenSSL's CRL DP printer runs lines together).
 */
function expectedBody(name: string, d: J, valueHex: string): string | undefined {
  switch (name) {
    case "basicConstraints":
      return `CA:${d.ca ? "TRUE" : "FALSE"}${d.pathLen !== undefined ? `, pathlen:${d.pathLen}` : ""}`;
    case "keyUsage":
      return (d.usages as string[]).map((u) => KEY_USAGE[u]).join(", ");
    case "extKeyUsage":
      return list(d.purposes)
        .map((p) => lnOf(String(p.oid)))
        .join(", ");
    case "subjectAltName":
    case "issuerAltName":
      return list(d.names)
        .map((g) => generalName(gn(g), onelineSlash))
        .join(", ");
    case "nameConstraints": {
      const part = (title: string, subtrees: J[]) =>
        [`${title}:`, ...subtrees.map((s) => `  ${generalName(gn(s.base), onelineSpaced, "IP")}`)].join("\n");
      return [
        ...(d.permitted ? [part("Permitted", list(d.permitted))] : []),
        ...(d.excluded ? [part("Excluded", list(d.excluded))] : []),
      ].join("\n");
    }
    case "certificatePolicies":
      return list(d.policies)
        .flatMap((p) => [
          `Policy: ${lnOf(String(p.oid))}`,
          ...list(p.qualifiers).flatMap((q) => {
            if (q.type === "cps") return [`  CPS: ${q.uri}`];
            if (q.type !== "userNotice") return [`  Unknown Qualifier: ${lnOf(String(q.oid))}`];
            const ref = q.noticeRef as { organization: string; noticeNumbers: number[] } | undefined;
            return [
              "  User Notice:",
              ...(ref
                ? [
                    `    Organization: ${ref.organization}`,
                    `    Number${ref.noticeNumbers.length > 1 ? "s" : ""}: ${ref.noticeNumbers.join(", ")}`,
                  ]
                : []),
              ...(q.explicitText !== undefined
                ? [`    Explicit Text: ${opensslDisplayText(String(q.explicitText), valueHex)}`]
                : []),
            ];
          }),
        ])
        .join("\n");
    case "policyMappings":
      return list(d.mappings)
        .map((m) => `${lnOf(String(m.issuerDomainPolicy))}:${lnOf(String(m.subjectDomainPolicy))}`)
        .join(", ");
    case "policyConstraints":
      return [
        ...(d.requireExplicitPolicy !== undefined
          ? [`Require Explicit Policy:${d.requireExplicitPolicy}`]
          : []),
        ...(d.inhibitPolicyMapping !== undefined ? [`Inhibit Policy Mapping:${d.inhibitPolicyMapping}`] : []),
      ].join(", ");
    case "inhibitAnyPolicy":
      return String(d.skipCerts);
    case "subjectKeyIdentifier":
      return colon(String(d.keyIdentifier));
    case "authorityKeyIdentifier": {
      // OpenSSL 3 prints a lone key identifier bare, and "keyid:" once an issuer or serial follows.
      const alone = d.authorityCertIssuer === undefined && d.authorityCertSerialNumber === undefined;
      return [
        ...(d.keyIdentifier !== undefined
          ? [`${alone ? "" : "keyid:"}${colon(String(d.keyIdentifier))}`]
          : []),
        ...list(d.authorityCertIssuer).map((g) => generalName(gn(g), onelineSlash)),
        ...(d.authorityCertSerialNumber !== undefined
          ? [`serial:${colon(String(d.authorityCertSerialNumber))}`]
          : []),
      ].join("\n");
    }
    case "authorityInfoAccess":
    case "subjectInfoAccess":
      return list(d.descriptions)
        .map((a) => `${lnOf(String(a.method))} - ${generalName(gn(a.location), onelineSlash)}`)
        .join("\n");
    case "crlDistributionPoints":
    case "freshestCRL":
      return list(d.points)
        .map((p) =>
          [
            ...(list(p.fullName).length
              ? ["Full Name:", ...list(p.fullName).map((g) => `  ${generalName(gn(g), onelineSpaced)}`)]
              : []),
            ...(p.relativeName
              ? ["Relative Name:", `  ${onelineSpaced([p.relativeName as NameAttributeJson[]])}`]
              : []),
            ...(p.reasons
              ? ["Reasons:", `  ${(p.reasons as string[]).map((r) => REASONS[r]).join(", ")}`]
              : []),
            ...(p.crlIssuer
              ? ["CRL Issuer:", ...list(p.crlIssuer).map((g) => `  ${generalName(gn(g), onelineSpaced)}`)]
              : []),
          ].join("\n"),
        )
        .join("\n\n");
    case "tlsFeature":
      return list(d.features)
        .map((f) => String(f.name ?? f.value))
        .join(", ");
    case "ct_precert_scts":
      return list(d.scts)
        .map((s) =>
          [
            "Signed Certificate Timestamp:",
            `Version : v${Number(s.version) + 1} (0x${Number(s.version).toString(16)})`,
            `Log ID : ${colon(String(s.logId))}`,
            `Timestamp : ${opensslTime(String(s.timestamp))}`,
            "Extensions: none",
            `Signature : ${s.signatureAlgorithm}`,
          ].join("\n"),
        )
        .join("\n");
    default:
      return undefined;
  }
}

/**
 * OpenSSL 3.0 prints a user notice's DisplayText bytes with "%.*s", so a BMPString (UTF-16BE) stops at its first
 * zero byte: for Latin text, nothing is printed. When our text sits in the extension as a BMPString, expect
 * that. The hex check makes this an independent confirmation of our BMPString decoding, not a free pass.
 */
function opensslDisplayText(text: string, valueHex: string): string {
  const utf16 = Buffer.from(text, "utf16le").swap16().toString("hex").toUpperCase();
  const asBmp = valueHex.includes(utf16) && utf16.length > 0;
  return asBmp && utf16.startsWith("00") ? "" : text;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
function opensslTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, "0");
  const ms = `.${String(d.getUTCMilliseconds()).padStart(3, "0")}`; // SCT times always show milliseconds
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}${ms} ${d.getUTCFullYear()} GMT`;
}

/** The SCT body as OpenSSL prints it, reduced to the lines we compare (the signature bytes are left out). */
function sctBody(body: string[]): string {
  const out: string[] = [];
  let sigWanted = false;
  for (let i = 0; i < body.length; i++) {
    const t = body[i].trim();
    if (t === "Signed Certificate Timestamp:" || /^(Version|Timestamp|Extensions)\s*:/.test(t)) {
      out.push(t);
      sigWanted = false;
    } else if (/^Log ID\s*:/.test(t)) {
      let id = t.replace(/^Log ID\s*:\s*/, "");
      while (id.endsWith(":")) id += body[++i].trim();
      out.push(`Log ID : ${id}`);
    } else if (/^Signature\s*:/.test(t)) {
      out.push(t);
      sigWanted = true;
    } else if (!sigWanted) out.push(t);
  }
  return out.join("\n");
}

const squash = (s: string) => s.replace(/\s+/g, " ").trim();

/** Split RFC 2253 text into RDNs, and sort the attributes inside each (RFC 4514 2.2: their order is free). */
function canonicalDn(s: string): string {
  const rdns: string[][] = [[]];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") {
      cur += c + (s[i + 1] ?? "");
      i++;
    } else if (c === "," || c === "+") {
      rdns[rdns.length - 1].push(cur);
      cur = "";
      if (c === ",") rdns.push([]);
    } else cur += c;
  }
  rdns[rdns.length - 1].push(cur);
  return rdns.map((r) => r.sort().join("+")).join(",");
}

// ---------------------------------------------------------------------------------------------------------

function compare(der: Uint8Array, o: OpensslCertificate, label: string): string[] {
  const out: string[] = [];
  const cert = parseCertificate(der);
  const j: CertificateJson = certificateToJson(cert);

  check(out, label, "version", j.version, o.version);
  check(out, label, "serial (-serial)", j.serialNumber.hex, o.serial);
  const small = /^(-?\d+) \(/.exec(o.serialText);
  if (small) check(out, label, "serial (decimal)", j.serialNumber.decimal, small[1]);
  else
    check(
      out,
      label,
      "serial (hex)",
      colon(j.serialNumber.hex),
      o.serialText.replace(/^\(Negative\)/, "").toUpperCase(),
    );
  const ourSig =
    j.signatureAlgorithm.name === j.signatureAlgorithm.oid
      ? lnOf(j.signatureAlgorithm.oid)
      : j.signatureAlgorithm.name;
  check(out, label, "signature algorithm", ourSig, o.signatureAlgorithm);
  check(out, label, "signature algorithm OID", j.signatureAlgorithm.oid, oidOf(o.signatureAlgorithm));
  if (o.pss) {
    const p = j.signatureAlgorithm.pss;
    check(out, label, "RSASSA-PSS hash", p?.hash, o.pss.hash);
    check(out, label, "RSASSA-PSS MGF1 hash", p?.mgf1Hash, o.pss.mgf1Hash);
    check(out, label, "RSASSA-PSS salt length", p?.saltLength, o.pss.saltLength);
    check(out, label, "RSASSA-PSS trailer field", p?.trailerField, o.pss.trailerField);
  }
  check(out, label, "issuer", canonicalDn(j.issuer.rfc4514), canonicalDn(o.issuer));
  check(out, label, "subject", canonicalDn(j.subject.rfc4514), canonicalDn(o.subject));
  check(out, label, "notBefore", j.validity.notBefore, o.notBefore.toISOString().replace(".000Z", "Z"));
  check(out, label, "notAfter", j.validity.notAfter, o.notAfter.toISOString().replace(".000Z", "Z"));
  check(out, label, "public key algorithm OID", j.publicKey.oid, oidOf(o.publicKeyAlgorithm));
  if (o.publicKeyBits !== undefined) check(out, label, "public key bits", j.publicKey.bits, o.publicKeyBits);
  if (o.exponent !== undefined) check(out, label, "RSA exponent", j.publicKey.exponent, o.exponent);
  if (o.nistCurve !== undefined) check(out, label, "EC curve", j.publicKey.curve, o.nistCurve);
  else if (o.asn1Oid !== undefined) check(out, label, "EC curve", j.publicKey.curve, o.asn1Oid);
  check(out, label, "SHA-1 fingerprint", colon(j.fingerprints.sha1), o.sha1);
  check(out, label, "SHA-256 fingerprint", colon(j.fingerprints.sha256), o.sha256);

  // node:crypto as a second reference for what OpenSSL's -text does not print.
  const x = new X509Certificate(der);
  const spki = x.publicKey.export({ type: "spki", format: "der" });
  check(
    out,
    label,
    "SPKI SHA-256",
    j.publicKey.spkiSha256,
    createHash("sha256").update(spki).digest("hex").toUpperCase(),
  );
  check(out, label, "self-signed", j.selfSigned, x.verify(x.publicKey));
  check(out, label, "CA", j.ca, x.ca);

  // Extensions: the same list, in the same order, with the same criticality...
  const theirList = o.extensions.map(
    (e: OpensslExtension) => `${oidOf(e.name) ?? e.name}${e.critical ? " critical" : ""}`,
  );
  const ours = j.extensions.map((e) => `${e.oid}${e.critical ? " critical" : ""}`);
  check(out, label, "extension list", ours.join(", "), theirList.join(", "));
  // ...and each one we decode says what OpenSSL says.
  for (const [i, e] of j.extensions.entries()) {
    const oe = o.extensions[i];
    if (!oe || oidOf(oe.name) !== e.oid) continue; // already reported by the list comparison
    if (e.error !== undefined) {
      out.push(
        `${label}: ${e.name ?? e.oid}: we could not decode it (${e.error}); openssl printed ${JSON.stringify(oe.body)}`,
      );
      continue;
    }
    if (!e.decoded || !e.name) continue;
    const want = expectedBody(e.name, e.decoded, e.value);
    if (want === undefined) continue;
    const got = e.name === "ct_precert_scts" ? sctBody(oe.body) : oe.body.join("\n");
    check(out, label, `extension ${e.name}`, squash(want), squash(got));
  }
  // The SAN list at the top of the document is the extension's.
  const sanExt = j.extensions.find((e) => e.name === "subjectAltName");
  check(
    out,
    label,
    "subjectAltNames",
    JSON.stringify(j.subjectAltNames),
    JSON.stringify((sanExt?.decoded?.names as unknown) ?? []),
  );
  return out;
}

describe("decoder vs openssl: Mozilla root store", { skip }, () => {
  const roots = [...loadMozillaRoots()];
  let views: OpensslCertificate[] = [];

  before(async () => {
    views = await describeAllWithOpenssl(roots.map((r) => r.der));
  });

  it(`reads every field of all ${roots.length} roots as openssl does`, () => {
    assert.equal(roots.length, 167);
    const failures = roots.flatMap((r, i) => compare(r.der, views[i], r.label));
    assert.deepEqual(failures, []);
  });

  it("finds no extension it cannot decode", () => {
    const errors = roots.flatMap((r) =>
      parseCertificate(r.der).extensionErrors.map((e) => `${r.label}: ${e.name}: ${e.message}`),
    );
    assert.deepEqual(errors, []);
  });
});

describe("decoder vs openssl: generated certificates", { skip }, () => {
  let certs: GeneratedCert[] = [];
  let views: OpensslCertificate[] = [];
  const tmp = tempDir();

  before(async () => {
    certs = await generateCertificates(tmp.dir, standardSpecs(), true);
    views = await describeAllWithOpenssl(certs.map((c) => c.der));
  });
  after(() => tmp.cleanup());

  it("reads every field of every generated certificate as openssl does", () => {
    const failures = certs.flatMap((c, i) => compare(c.der, views[i], c.spec.name));
    assert.deepEqual(failures, []);
  });

  it("covers every key type, SAN kind and decoded extension", () => {
    const docs = certs.map((c) => certificateToJson(parseCertificate(c.der)));
    const keys = new Set(
      docs.map((d) =>
        `${d.publicKey.algorithm}${d.publicKey.curve ? ` ${d.publicKey.curve}` : ""} ${d.publicKey.bits ?? ""}`.trim(),
      ),
    );
    for (const k of [
      "RSA 2048",
      "RSA 3072",
      "RSA 4096",
      "RSA-PSS 2048",
      "EC P-256 256",
      "EC P-384 384",
      "EC P-521 521",
      "Ed25519 256",
      "Ed448 456",
    ]) {
      assert.ok(keys.has(k), `no ${k} key in ${[...keys].join(", ")}`);
    }
    const sanKinds = new Set(docs.flatMap((d) => d.subjectAltNames.map((g) => g.type)));
    for (const k of ["dns", "ip", "email", "uri", "dirName", "otherName", "registeredId"])
      assert.ok(sanKinds.has(k as never), `no ${k} SAN`);
    const v6 = docs.some((d) => d.subjectAltNames.some((g) => g.type === "ip" && g.value.includes(":")));
    assert.ok(v6, "no IPv6 SAN");
    const extNames = new Set(docs.flatMap((d) => d.extensions.filter((e) => e.decoded).map((e) => e.name)));
    for (const n of [
      "basicConstraints",
      "keyUsage",
      "extKeyUsage",
      "subjectAltName",
      "issuerAltName",
      "nameConstraints",
      "certificatePolicies",
      "policyMappings",
      "policyConstraints",
      "inhibitAnyPolicy",
      "subjectKeyIdentifier",
      "authorityKeyIdentifier",
      "authorityInfoAccess",
      "subjectInfoAccess",
      "crlDistributionPoints",
      "freshestCRL",
      "ct_precert_scts",
      "tlsFeature",
    ]) {
      assert.ok(extNames.has(n), `no decoded ${n}`);
    }
    const encodings = new Set(docs.flatMap((d) => d.subject.rdns.flat().map((a) => a.encoding)));
    for (const e of ["UTF8String", "PrintableString", "BMPString", "TeletexString", "IA5String"]) {
      assert.ok(encodings.has(e), `no ${e} in a subject (have ${[...encodings].join(", ")})`);
    }
    assert.ok(
      docs.some((d) => d.version === 1),
      "no v1 certificate",
    );
    assert.ok(
      docs.some((d) => d.serialNumber.hex.startsWith("-")),
      "no negative serial",
    );
    assert.ok(
      docs.some((d) => d.validity.notAfter >= "2050"),
      "no GeneralizedTime date",
    );
    assert.ok(
      docs.some((d) => d.extensions.some((e) => e.critical && !e.name)),
      "no unknown critical extension",
    );
  });

  it("maps every generated and Mozilla certificate to JSON that validates against docs/decode.schema.json", () => {
    const schema = JSON.parse(readFileSync(join(ROOT, "docs", "decode.schema.json"), "utf8"));
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
    const items = [
      ...certs.map((c, i) => ({
        cert: parseCertificate(c.der),
        origin: { source: `${c.spec.name}.pem`, position: i + 1, container: "pem" as const, line: 1 },
      })),
      ...loadMozillaRoots().map((r) => ({ cert: parseCertificate(r.der) })),
    ];
    const doc = decodeDocument(items, [
      { file: "x.pem", code: "truncated-der", message: "x.pem: certificate 1: DER ends" },
    ]);
    assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 5), null, 2));
    // Every decoded shape in the schema was exercised.
    const names = new Set(
      doc.certificates.flatMap((c) => c.extensions.filter((e) => e.decoded).map((e) => e.name)),
    );
    assert.ok(names.size >= 18, [...names].join(", "));
  });

  it("parses openssl's time format", () => {
    assert.equal(parseOpensslTime("Sep  1 12:00:00 1998 GMT").toISOString(), "1998-09-01T12:00:00.000Z");
    assert.equal(parseOpensslTime("Nov 14 22:13:20.123 2023 GMT").toISOString(), "2023-11-14T22:13:20.123Z");
  });
});

describe("differential coverage", { skip }, () => {
  it("compared each field at least once per certificate", () => {
    // Runs last in this file: the counts come from the tests above.
    for (const f of [
      "version",
      "serial (-serial)",
      "issuer",
      "subject",
      "notBefore",
      "SHA-256 fingerprint",
      "extension list",
    ]) {
      assert.ok((covered.get(f) ?? 0) >= 167 + 18, `${f} compared ${covered.get(f) ?? 0} times`);
    }
    if (process.env.CHAINPROOF_COVERAGE) {
      process.stderr.write(`${[...covered].map(([k, v]) => `${k}: ${v}`).join("\n")}\n`);
    }
  });
});
