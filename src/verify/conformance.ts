/**
 * Profile rules about how one certificate is built (RFC 5280 "MUST"s and the CA/Browser Forum Baseline
 * Requirements' certificate profile), independent of the path it sits in. The finding codes and their
 * sources are documented in findings.ts.
 *
 * Role: "leaf" is position 0; "ca" is an intermediate; "anchor" is the trusted certificate ending the path.
 */

import { isIP } from "node:net";
import { domainToASCII } from "node:url";
import type { Certificate } from "../x509/certificate.js";
import { bytesEqual, children, decodeOid, decodeSmallInt, printable, readTlv } from "../x509/der.js";
import type { GeneralName } from "../x509/names.js";
import { CURVES, OID, PATH_VALIDATION_EXTENSIONS } from "../x509/oids.js";
import type { RawFinding } from "./findings.js";
import { selfIssued } from "./names.js";
import type { ResolvedPolicy } from "./policy.js";
import { isPublicSuffix } from "./psl.js";
import { algorithmsConsistent, checkSignature } from "./signatures.js";

export type Role = "leaf" | "ca" | "anchor";

/** Extensions whose meaning the verifier processes (or checks the form of); any other critical one rejects. */
const PROCESSED_EXTENSIONS = new Set<string>(PATH_VALIDATION_EXTENSIONS);

/** CABF BR §7.1.3.2: the signature algorithms the Web PKI accepts. */
const WEBPKI_SIGNATURE_ALGORITHMS = new Set<string>([
  "1.2.840.113549.1.1.11", // sha256WithRSAEncryption
  "1.2.840.113549.1.1.12", // sha384WithRSAEncryption
  "1.2.840.113549.1.1.13", // sha512WithRSAEncryption
  "1.2.840.113549.1.1.10", // RSASSA-PSS (hash checked by the verifier from its parameters)
  "1.2.840.10045.4.3.2", // ecdsa-with-SHA256
  "1.2.840.10045.4.3.3", // ecdsa-with-SHA384
  "1.2.840.10045.4.3.4", // ecdsa-with-SHA512
]);

const WEBPKI_CURVES = new Set(["P-256", "P-384", "P-521"]);

/** Everything about the form of `cert` in `role` that does not depend on other certificates. */
export function conformance(cert: Certificate, role: Role, policy: ResolvedPolicy): RawFinding[] {
  const out: RawFinding[] = [];
  const add = (code: RawFinding["code"], detail: string) => out.push({ code, detail, cert });
  const webpki = policy.profile === "webpki";
  const isCaRole = role !== "leaf";
  // Rules that trusted roots and long-lived CAs break and browsers do not enforce: in the Web PKI profile,
  // reported but an error only in pedantic mode. (Mozilla's store holds roots with a non-critical
  // basicConstraints (Chunghwa ePKI), without subjectKeyIdentifier (TWCA Global Root CA), and with
  // authorityCertIssuer/SerialNumber in their AKI (QuoVadis Root CA 2 and 3, Certigna), all trusted by
  // every browser; a fifth of the US Federal PKI's CAs mark policyConstraints non-critical.)
  const lenient = (code: RawFinding["code"], detail: string) =>
    out.push({ code, detail, cert, severity: policy.pedantic ? "error" : "warning" });
  // RFC 5280 tells CAs to mark basicConstraints and policyConstraints critical, but its path validation
  // (§6.1) processes them either way; a relying party that does so (OpenSSL, even with -x509_strict; what
  // NIST PKITS expects) reports the fault and goes on.
  const acceptNonCritical = !webpki && policy.nonCriticalConstraints === "accept" && !policy.pedantic;
  const warn = (code: RawFinding["code"], detail: string) =>
    out.push({ code, detail, cert, severity: "warning" });

  // RFC 5280 §4.2: extensions that do not decode, or appear twice.
  for (const e of cert.extensionErrors) {
    add("malformed-extension", `${e.name}${e.critical ? " (critical)" : ""}: ${e.message}`);
  }

  // RFC 5280 §4.2: unknown critical extensions.
  for (const e of cert.extensions) {
    if (e.critical && !PROCESSED_EXTENSIONS.has(e.oid)) {
      const what =
        e.oid === OID.ctPoison ? " (the CT precertificate poison: this is not a usable certificate)" : "";
      add(
        "unknown-critical-extension",
        `critical extension ${e.oid}${what} is not one the verifier processes`,
      );
    }
  }

  // RFC 5280 §4.1.1.2: signatureAlgorithm must equal TBSCertificate.signature.
  if (!algorithmsConsistent(cert)) {
    add(
      "signature-algorithm-mismatch",
      `the outer signatureAlgorithm (${cert.signatureAlgorithm.name}) differs from the one inside the signed part (${cert.tbsSignatureAlgorithm.name})`,
    );
  }

  // Version: CABF BR §7.1.1 (Web PKI, every certificate we check the signature of), RFC 5280 §6.1.4 (k)
  // (CA certificates must be v3 to carry basicConstraints; that surfaces as not-a-ca).
  if (webpki && role !== "anchor" && cert.version !== 3) {
    add("unsupported-version", `version ${cert.version} certificate; the Web PKI requires version 3`);
  }

  // Criticality rules.
  for (const e of cert.extensions) {
    switch (e.oid) {
      case OID.authorityKeyIdentifier:
      case OID.subjectKeyIdentifier:
      case OID.authorityInfoAccess:
      case OID.subjectInfoAccess:
        if (e.critical) add("extension-criticality", `${extName(e.oid)} is marked critical; it MUST NOT be`);
        break;
      case OID.policyConstraints:
      case OID.inhibitAnyPolicy:
        // Browsers process both whatever their criticality, and US Federal PKI CAs mark them non-critical.
        if (!e.critical) {
          const detail = `${extName(e.oid)} is not marked critical; RFC 5280 says it MUST be`;
          if (webpki) lenient("extension-criticality", detail);
          else if (acceptNonCritical) warn("extension-criticality", detail);
          else add("extension-criticality", detail);
        }
        break;
      case OID.nameConstraints:
        // CABF BR §7.1.2.5.2 allows a non-critical nameConstraints as an explicit exception to RFC 5280.
        if (!e.critical && !webpki)
          add("extension-criticality", "nameConstraints is not marked critical; RFC 5280 requires it");
        break;
    }
  }
  if (isCaRole && cert.basicConstraints?.ca) {
    const bc = cert.extensions.find((e) => e.oid === OID.basicConstraints);
    if (bc && !bc.critical) {
      const detail = "basicConstraints in a CA certificate is not marked critical";
      if (webpki && role === "anchor") lenient("extension-criticality", detail);
      else if (acceptNonCritical) warn("extension-criticality", detail);
      else add("extension-criticality", detail);
    }
  }

  // Names: RFC 5280 §4.1.2.4 (issuer non-empty), §4.1.2.6 (CA subject non-empty), §4.2.1.6 (SAN).
  if (cert.issuer.isEmpty) add("invalid-name", "the issuer name is empty");
  if ((isCaRole || cert.basicConstraints?.ca) && cert.subject.isEmpty)
    add("invalid-name", "a CA certificate with an empty subject");
  const sanExt = cert.extensions.find((e) => e.oid === OID.subjectAltName);
  if (cert.subject.isEmpty && !sanExt?.critical) {
    add("extension-criticality", "the subject is empty, so subjectAltName must be present and critical");
  }
  if (webpki && sanExt?.critical && !cert.subject.isEmpty) {
    add(
      "extension-criticality",
      "subjectAltName is critical although the subject is not empty (CABF BR §7.1.2.7.12)",
    );
  }
  if (cert.subjectAltName) {
    if (cert.subjectAltName.length === 0) add("invalid-name", "subjectAltName holds no names");
    for (const n of cert.subjectAltName) {
      const bad = sanSyntaxError(n);
      if (bad) add("invalid-name", bad);
    }
  }

  // Extensions with required content.
  const nc = cert.nameConstraints;
  if (nc) {
    if (!isCaRole && !cert.basicConstraints?.ca)
      add("malformed-extension", "nameConstraints in a certificate that is not a CA");
    if (!nc.permitted && !nc.excluded)
      add("malformed-extension", "nameConstraints with neither permitted nor excluded subtrees");
    if (nc.permitted?.length === 0 || nc.excluded?.length === 0) {
      add("malformed-extension", "nameConstraints with an empty list of subtrees");
    }
  }
  if (cert.authorityInfoAccess?.length === 0)
    add("malformed-extension", "authorityInfoAccess holds no access descriptions");
  if (cert.subjectInfoAccess?.length === 0)
    add("malformed-extension", "subjectInfoAccess holds no access descriptions");
  if (cert.certificatePolicies) {
    const seen = new Set<string>();
    for (const p of cert.certificatePolicies) {
      if (seen.has(p.policyId)) add("malformed-extension", `certificatePolicies lists ${p.policyId} twice`);
      seen.add(p.policyId);
    }
  }

  // Key usage vs basic constraints: RFC 5280 §4.2.1.3 / §4.2.1.9.
  if (cert.keyUsage?.has("keyCertSign") && !cert.basicConstraints?.ca) {
    add(
      "key-usage",
      "keyCertSign is asserted but the certificate is not a CA (basicConstraints cA is not TRUE)",
    );
  }

  // Key identifiers: RFC 5280 §4.2.1.1 / §4.2.1.2, CABF BR §7.1.2.1.3 / §7.1.2.11.1.
  const aki = cert.authorityKeyIdentifier;
  const akiNeeded = role !== "anchor" || policy.pedantic;
  if (akiNeeded && !aki?.keyId && !selfSigned(cert)) {
    add(
      "key-identifier",
      "authorityKeyIdentifier.keyIdentifier is missing (required unless the certificate is self-signed)",
    );
  }
  if (cert.basicConstraints?.ca && !cert.subjectKeyIdentifier) {
    const detail = "a CA certificate without subjectKeyIdentifier";
    if (webpki && role === "anchor") lenient("key-identifier", detail);
    else add("key-identifier", detail);
  }
  if (webpki && aki) {
    if (aki.issuer || aki.serial) {
      // CABF BR §7.1.2.1.3 / §7.1.2.11.1 (since BR 2.0, 2023); RFC 5280 allows these fields.
      lenient(
        "key-identifier",
        "authorityKeyIdentifier carries authorityCertIssuer/authorityCertSerialNumber; the Web PKI forbids them",
      );
    }
    if (role === "anchor" && selfIssued(cert)) {
      if (!aki.keyId) add("key-identifier", "the root's authorityKeyIdentifier has no keyIdentifier");
      else if (cert.subjectKeyIdentifier && aki.keyId !== cert.subjectKeyIdentifier) {
        add("key-identifier", "the root's authorityKeyIdentifier differs from its subjectKeyIdentifier");
      }
    }
  }

  // Serial number: RFC 5280 §4.1.2.2 (x509-limbo "pedantic-serial-number"). Roots are out of scope.
  if (policy.pedantic && role !== "anchor") {
    const s = cert.serialBytes;
    let value = s;
    while (value.length > 1 && value[0] === 0) value = value.subarray(1);
    if (s[0] & 0x80) add("invalid-serial-number", "the serial number is negative");
    else if (value.length === 1 && value[0] === 0) add("invalid-serial-number", "the serial number is zero");
    else if (value.length > 20)
      add("invalid-serial-number", `the serial number is ${value.length} octets long (at most 20)`);
  }

  // CABF BR §3.2.2.6: no wildcard directly over a public suffix (x509-limbo "pedantic-public-suffix-wildcard").
  if (webpki && policy.pedantic && role === "leaf") {
    for (const n of cert.subjectAltName ?? []) {
      if (n.type === "dns" && n.value.startsWith("*.") && isPublicSuffix(n.value.slice(2))) {
        add(
          "invalid-name",
          `the wildcard SAN "${printable(n.value)}" covers a public suffix (CABF BR §3.2.2.6)`,
        );
      }
    }
  }

  if (webpki) {
    // Keys: CABF BR §6.1.5, §7.1.3.1. CA keys always; the leaf's in pedantic mode.
    if (isCaRole || policy.pedantic) {
      const bad = webpkiKeyError(cert);
      if (bad) add("weak-key", bad);
    }
    // The signature algorithm, for every certificate whose signature is checked (not the anchor's own).
    if (role !== "anchor" && !WEBPKI_SIGNATURE_ALGORITHMS.has(cert.signatureAlgorithm.oid)) {
      add(
        "weak-signature-algorithm",
        `signed with ${cert.signatureAlgorithm.name}, which the Web PKI does not accept`,
      );
    } else if (role !== "anchor" && cert.signatureAlgorithm.oid === PSS) {
      const bad = webpkiPssError(cert.signatureAlgorithm.params);
      if (bad) add("weak-signature-algorithm", `RSASSA-PSS ${bad}`);
    }
  }
  return out;
}

const PSS = "1.2.840.113549.1.1.10";
const PSS_HASHES: Record<string, { name: string; salt: number }> = {
  "2.16.840.1.101.3.4.2.1": { name: "SHA-256", salt: 32 },
  "2.16.840.1.101.3.4.2.2": { name: "SHA-384", salt: 48 },
  "2.16.840.1.101.3.4.2.3": { name: "SHA-512", salt: 64 },
};

/**
 * CABF BR §7.1.3.2.1: RSASSA-PSS only with SHA-256/384/512, MGF1 with the same hash, and a salt as long as
 * the hash. (Whether the signature verifies is checked elsewhere.)
 */
function webpkiPssError(params: Uint8Array | undefined): string | undefined {
  if (!params) return "without parameters";
  try {
    const top = readTlv(params, 0, params.length);
    let hash: string | undefined;
    let mgfHash: string | undefined;
    let salt = 20;
    for (const k of children(params, top)) {
      if (k.tag === 0xa0) {
        const a = readTlv(params, k.valueStart, k.end);
        hash = decodeOid(params, readTlv(params, a.valueStart, a.end));
      } else if (k.tag === 0xa1) {
        const a = readTlv(params, k.valueStart, k.end);
        const mgf = readTlv(params, a.valueStart, a.end);
        const inner = readTlv(params, mgf.end, a.end);
        mgfHash = decodeOid(params, readTlv(params, inner.valueStart, inner.end));
      } else if (k.tag === 0xa2) {
        const n = readTlv(params, k.valueStart, k.end);
        salt = decodeSmallInt(params, n, "PSS salt");
      }
    }
    const h = hash ? PSS_HASHES[hash] : undefined;
    if (!h) return "with a hash other than SHA-256, SHA-384 or SHA-512";
    if (mgfHash !== hash) return `with an MGF1 hash different from ${h.name}`;
    if (salt !== h.salt) return `with a ${salt}-byte salt (${h.salt} required with ${h.name})`;
    return undefined;
  } catch {
    return "with malformed parameters";
  }
}

/**
 * CABF BR §7.1.4.3: a subject CN holds "exactly one entry that is one of the values contained in the
 * subjectAltName", encoded character for character (RFC 3986 dotted decimal for IPv4, RFC 5952 for IPv6,
 * the dNSName's exact text for names).
 *
 * We enforce the encoding half: a CN that denotes the same address or name as a SAN entry (same IP bytes,
 * same name ignoring case or after IDNA) must be that entry's exact text, so "0xC0A80101", "192.168.001.001",
 * "2001:DB8::1", "Example.COM" or a U-label beside its A-label SAN are rejected. A CN unrelated to every
 * SAN entry is not rejected: clients ignore the CN when a SAN is present, and BetterTLS (hundreds of
 * x509-limbo cases) expects such certificates to validate.
 */
export function commonNameError(cert: Certificate): string | undefined {
  const cns = cert.commonNames;
  if (cns.length === 0) return undefined;
  if (cns.length > 1) return `the subject has ${cns.length} common names; at most one is allowed`;
  const cn = cns[0];
  const san = cert.subjectAltName ?? [];
  if (san.some((n) => (n.type === "dns" || n.type === "ip") && n.value === cn)) return undefined;
  const ip = lenientIp(cn);
  if (ip) {
    const hit = san.find((n) => n.type === "ip" && bytesEqual(n.bytes, ip));
    if (hit)
      return `the common name "${printable(cn)}" is not the canonical text "${hit.value}" of the IP address SAN it repeats`;
    return undefined;
  }
  let folded = cn.toLowerCase();
  if (/[^\u0000-\u007f]/.test(cn)) folded = domainToASCII(cn) || folded;
  const hit = san.find((n) => n.type === "dns" && n.value.toLowerCase() === folded);
  if (hit)
    return `the common name "${printable(cn)}" repeats the SAN "${printable(hit.value)}" but not character for character`;
  return undefined;
}

/** An IP address in any text form a resolver might accept (inet_aton IPv4 forms, any valid IPv6 text). */
function lenientIp(text: string): Uint8Array | undefined {
  if (text.includes(":")) {
    if (isIP(text) !== 6) return undefined;
    return ipv6Bytes(text);
  }
  const parts = text.split(".");
  if (parts.length < 1 || parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]+$/.test(p)) v = Number.parseInt(p.slice(2), 16);
    else if (/^0[0-7]+$/.test(p)) v = Number.parseInt(p, 8);
    else if (/^(0|[1-9][0-9]*)$/.test(p)) v = Number(p);
    else if (/^[0-9]+$/.test(p))
      v = Number(p); // leading zeros with 8/9: read as decimal
    else return undefined;
    nums.push(v);
  }
  // Only text that is plainly meant as an address: four parts, or a single hex/long number.
  if (nums.length !== 4 && !(nums.length === 1 && /^0[xX]/.test(parts[0]))) return undefined;
  let value = 0;
  if (nums.length === 4) {
    if (nums.some((n) => n > 255)) return undefined;
    value = ((nums[0] << 24) | (nums[1] << 16) | (nums[2] << 8) | nums[3]) >>> 0;
  } else {
    if (nums[0] > 0xffffffff) return undefined;
    value = nums[0];
  }
  return new Uint8Array([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]);
}

function ipv6Bytes(text: string): Uint8Array | undefined {
  let t = text;
  // An embedded IPv4 tail: turn it into two hex groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(t);
  if (v4) {
    const b = v4.slice(1).map(Number);
    t = `${t.slice(0, v4.index)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = t.includes("::") ? t.split("::") : [t, undefined];
  const h = head ? head.split(":") : [];
  const tl = tail === undefined ? [] : tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - tl.length).fill("0"), ...tl];
  if (groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 255;
  });
  return out;
}

function selfSigned(cert: Certificate): boolean {
  return selfIssued(cert) && checkSignature(cert, cert).ok;
}

function webpkiKeyError(cert: Certificate): string | undefined {
  const k = cert.publicKey;
  switch (k.algorithm) {
    case "RSA":
      if (k.bits === undefined) return "the RSA key does not decode";
      if (k.bits < 2048) return `RSA key of ${k.bits} bits (at least 2048 required)`;
      if (k.bits % 8 !== 0) return `RSA key of ${k.bits} bits (the size must be a multiple of 8)`;
      return undefined;
    case "EC":
      if (!k.curve || !WEBPKI_CURVES.has(k.curve)) {
        const known = Object.values(CURVES).some((c) => c.name === k.curve);
        return known
          ? `EC key on ${k.curve} (P-256, P-384 or P-521 required)`
          : `EC key with ${k.curve ?? "unknown"} curve (a named curve P-256, P-384 or P-521 is required)`;
      }
      return undefined;
    default:
      return `${k.algorithm} key (the Web PKI accepts RSA and ECDSA keys only)`;
  }
}

function extName(oid: string): string {
  switch (oid) {
    case OID.authorityKeyIdentifier:
      return "authorityKeyIdentifier";
    case OID.subjectKeyIdentifier:
      return "subjectKeyIdentifier";
    case OID.authorityInfoAccess:
      return "authorityInfoAccess";
    case OID.subjectInfoAccess:
      return "subjectInfoAccess";
    case OID.policyConstraints:
      return "policyConstraints";
    case OID.inhibitAnyPolicy:
      return "inhibitAnyPolicy";
    default:
      return oid;
  }
}

// ---------------------------------------------------------------------------------------------------------
// SAN syntax (RFC 5280 §4.2.1.6)

/**
 * RFC 1034 §3.5 preferred name syntax, as RFC 5280 §4.2.1.6 requires for dNSName; a leading "*" label is
 * accepted (RFC 6125 §6.4.3 wildcards). Returns why not, or undefined.
 */
export function dnsSyntaxError(name: string, allowWildcard: boolean): string | undefined {
  const n = name.length;
  if (n === 0) return "is empty";
  if (n > 253) return "is longer than 253 characters";
  let start = 0;
  if (allowWildcard && n > 2 && name.charCodeAt(0) === 42 && name.charCodeAt(1) === 46) start = 2; // "*."
  let labelStart = start;
  for (let i = start; i <= n; i++) {
    const c = i < n ? name.charCodeAt(i) : 46;
    if (c === 46) {
      const len = i - labelStart;
      if (len === 0) return "has an empty label";
      if (len > 63) return "has a label longer than 63 characters";
      if (name.charCodeAt(labelStart) === 45 || name.charCodeAt(i - 1) === 45) {
        return `has the label "${printable(name.slice(labelStart, i))}" starting or ending with a hyphen`;
      }
      labelStart = i + 1;
    } else if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45)) {
      let end = name.indexOf(".", i);
      if (end < 0) end = n;
      return `has the label "${printable(name.slice(labelStart, end))}" outside letters, digits and hyphens`;
    }
  }
  return undefined;
}

function sanSyntaxError(n: GeneralName): string | undefined {
  if (n.type === "dns") {
    const bad = dnsSyntaxError(n.value, true);
    return bad && `the dNSName SAN "${printable(n.value)}" ${bad}`;
  }
  if (n.type === "email") {
    const at = n.value.lastIndexOf("@");
    const local = n.value.slice(0, at);
    const domain = n.value.slice(at + 1);
    if (at <= 0 || (local.includes("@") && !/^".*"$/.test(local)) || dnsSyntaxError(domain, false)) {
      return `the rfc822Name SAN "${printable(n.value)}" is not a mailbox (local-part@domain)`;
    }
  }
  return undefined;
}
