/**
 * Name constraints (RFC 5280 4.2.1.10, 6.1.3(b)(c), 6.1.4(g)): is every name of a certificate inside the
 * name space a CA's nameConstraints extension allows?
 *
 * The caller (the path builder) applies each CA's constraints to every certificate below it in the path,
 * and owns these rules, which are not visible from one (constraints, certificate) pair:
 * - Self-issued certificates (issuer = subject) that are not the last in the path are exempt from the
 *   constraints of the CAs above them (RFC 5280 6.1.4(b) and 4.2.1.10: "Name constraints are not applied
 *   to self-issued certificates (unless the certificate is the final certificate in the path)").
 * - The constraints of successive CAs intersect: a name must satisfy every CA's constraints, so calling
 *   this once per CA in the path is the whole rule.
 * - A nameConstraints extension in an end-entity certificate is an error of that certificate.
 * - `checkCommonName` is for the end-entity certificate only (pass it when checking the leaf).
 * - Whether the extension is critical: RFC 5280 requires it, CABF allows non-critical. This function
 *   does not see the flag; a profile that insists on it checks the CA certificate's extension.
 *
 * Matching, per name type:
 * - dNSName: "example.com" covers example.com and every name below it; "" covers everything; compared
 *   case-insensitively. A constraint with a wildcard or a leading dot is malformed (RFC 5280 allows the
 *   leading dot only for URIs; x509-limbo and Java reject it) and fails the check. A wildcard SAN
 *   (`*.example.com`) is permitted only if every name it can match is, and excluded if any name it can
 *   match is (CVE-2025-61727).
 * - iPAddress: address + contiguous mask; an IPv4 constraint never matches an IPv6 address and vice versa
 *   (so an IPv6 name under IPv4-only permitted subtrees is outside them, as in Go, OpenSSL and webpki).
 * - rfc822Name: a mailbox ("user@host", exact; the local part is case-sensitive), a host ("host": any
 *   mailbox at exactly that host) or a domain (".example.com": any mailbox at a host below it). Also
 *   applied to emailAddress attributes in the subject (RFC 5280 4.2.1.10; OpenSSL checks them always).
 * - uniformResourceIdentifier: the URI's host, against a host ("host.example.com") or a domain
 *   (".example.com"). A URI without a host name (an IP literal, a URN) cannot be checked and fails.
 * - directoryName: the subject (when not empty) and every dirName SAN must start with the constraint's RDNs,
 *   compared with RFC 5280 7.1 matching.
 * - A constraint type the certificate has no names of imposes nothing. A constraint of a type we cannot
 *   process (otherName, x400Address, ediPartyName, registeredID) fails only if the certificate has a name
 *   of that type (RFC 5280 4.2.1.10; webpki does the same whether or not the extension is critical, since
 *   the CA/B Forum lets CAs mark it non-critical).
 * - minimum must be 0 and maximum absent (RFC 5280: "MUST be zero" / "MUST be absent"); anything else fails.
 * - checkCommonName: when the leaf has no dNSName SAN, each subject CN that looks like a host name (two or
 *   more labels, not an IP address) is checked as a dNSName too, as OpenSSL's NAME_CONSTRAINTS_check_CN
 *   does: a client that falls back to the CN for the host name must not let the CN escape the constraints.
 * - Like Go and webpki, at most 250,000 name/constraint comparisons are made per call, so a hostile
 *   certificate cannot make validation quadratic (x509-limbo pathological::nc-dos-*).
 */

import type { Certificate } from "../x509/certificate.js";
import { printable } from "../x509/der.js";
import type { GeneralSubtree, NameConstraints } from "../x509/extensions.js";
import { type GeneralName, ipText, type NameAttribute } from "../x509/names.js";
import { OID } from "../x509/oids.js";
import { parseIpAddress, parseMailbox, presentedDnsNameProblem } from "./hostname.js";

export interface NameConstraintsOptions {
  /** webpki: when the leaf has no DNS SAN, apply DNS constraints to subject CNs that look like host names. */
  checkCommonName?: boolean;
}

export type NameConstraintsResult = { ok: true } | { ok: false; reason: string; name?: string };

/** Same limit as Go's maxConstraintComparisons and webpki's budget. */
const MAX_COMPARISONS = 250_000;

type Kind = "dns" | "ip" | "email" | "uri" | "dirName";
const UNSUPPORTED = new Set(["otherName", "x400Address", "ediPartyName", "registeredId"]);
const TYPE_LABEL: Record<string, string> = {
  dns: "dNSName",
  ip: "iPAddress",
  email: "rfc822Name",
  uri: "uniformResourceIdentifier",
  dirName: "directoryName",
  otherName: "otherName",
  x400Address: "x400Address",
  ediPartyName: "ediPartyName",
  registeredId: "registeredID",
};

/** A name of the certificate to check, with where it came from (for the message). */
interface Subject {
  kind: Kind;
  /** As shown in messages: "DNS:a.example", "subject emailAddress=…". */
  label: string;
  name: GeneralName;
  /** A subject CN taken as a DNS name (checkCommonName): not held to SAN syntax. */
  fromCn?: boolean;
}

export function checkNameConstraints(
  constraints: NameConstraints,
  cert: Certificate,
  opts: NameConstraintsOptions = {},
): NameConstraintsResult {
  const permitted = constraints.permitted;
  const excluded = constraints.excluded;
  // RFC 5280 4.2.1.10: "either the permittedSubtrees field or the excludedSubtrees field MUST be present",
  // and GeneralSubtrees is SIZE (1..MAX). CABF 7.1.2.5.2 forbids the empty forms too.
  if (!permitted && !excluded)
    return bad("malformed name constraints: neither permitted nor excluded subtrees");
  if (permitted?.length === 0) return bad("malformed name constraints: empty permittedSubtrees");
  if (excluded?.length === 0) return bad("malformed name constraints: empty excludedSubtrees");

  const all = [...(permitted ?? []), ...(excluded ?? [])];
  for (const st of all) {
    const problem = subtreeProblem(st);
    if (problem) return bad(`malformed name constraint ${describeBase(st.base)}: ${problem}`);
  }

  // The names to check. A SAN we could not decode hides names we would have to check.
  const sanError = cert.extensionErrors.find((e) => e.oid === OID.subjectAltName);
  if (sanError) {
    return bad(
      `the subjectAltName extension could not be decoded (${printable(sanError.message, 200)}), so its names ` +
        "cannot be checked against the issuer's name constraints",
    );
  }
  const san = cert.subjectAltName ?? [];
  const constrainedTypes = new Set(all.map((st) => st.base.type));
  const names: Subject[] = [];
  for (const n of san) {
    if (UNSUPPORTED.has(n.type)) {
      if (constrainedTypes.has(n.type)) {
        return bad(
          `unsupported name constraint type: the issuer constrains ${TYPE_LABEL[n.type]} names, which we cannot ` +
            `evaluate, and the certificate has such a name (RFC 5280 4.2.1.10: process the constraint or reject)`,
          `${TYPE_LABEL[n.type]}:${n.value}`,
        );
      }
      continue;
    }
    names.push({ kind: n.type as Kind, label: sanLabel(n), name: n });
  }
  if (!cert.subject.isEmpty) {
    names.push({
      kind: "dirName",
      label: `subject ${cert.subject.toString()}`,
      name: { type: "dirName", name: cert.subject, value: cert.subject.toString() },
    });
  }
  for (const e of cert.subject.values(OID.emailAddress)) {
    names.push({ kind: "email", label: `subject emailAddress=${e}`, name: { type: "email", value: e } });
  }
  if (opts.checkCommonName && !san.some((n) => n.type === "dns")) {
    for (const cn of cert.commonNames) {
      // Only CNs that look like host names count; "Example Corp" is not a DNS name.
      if (cnLooksLikeHost(cn)) {
        names.push({
          kind: "dns",
          label: `subject CN=${cn}`,
          name: { type: "dns", value: cn },
          fromCn: true,
        });
      }
    }
  }

  const byKind = (list: GeneralSubtree[] | undefined, kind: Kind) =>
    (list ?? []).filter((st) => st.base.type === kind).map((st) => st.base);
  const cache = new Map<Kind, { permitted: GeneralName[]; excluded: GeneralName[] }>();
  let budget = MAX_COMPARISONS;

  for (const subject of names) {
    let c = cache.get(subject.kind);
    if (!c) {
      c = { permitted: byKind(permitted, subject.kind), excluded: byKind(excluded, subject.kind) };
      cache.set(subject.kind, c);
    }
    if (c.permitted.length === 0 && c.excluded.length === 0) continue;
    budget -= c.permitted.length + c.excluded.length;
    if (budget < 0) {
      return bad(
        `too many names and name constraints to compare (more than ${MAX_COMPARISONS}); Go and webpki refuse such chains`,
      );
    }
    const form = subject.fromCn ? null : nameProblem(subject);
    if (form) {
      return bad(
        `${show(subject.label)} is malformed (${form}), so it cannot be shown to satisfy the issuer's name constraints`,
        subject.label,
      );
    }
    for (const base of c.excluded) {
      if (within(subject, base, "excluded")) {
        return bad(`${show(subject.label)} is in an excluded subtree (${describeBase(base)})`, subject.label);
      }
    }
    if (c.permitted.length > 0 && !c.permitted.some((base) => within(subject, base, "permitted"))) {
      return bad(
        `${show(subject.label)} is outside the permitted ${TYPE_LABEL[subject.kind]} subtrees (${c.permitted
          .slice(0, 5)
          .map(describeBase)
          .join(", ")}${c.permitted.length > 5 ? ", …" : ""})`,
        subject.label,
      );
    }
  }
  return { ok: true };
}

function bad(reason: string, name?: string): NameConstraintsResult {
  return name === undefined ? { ok: false, reason } : { ok: false, reason, name: show(name) };
}

// ---------------------------------------------------------------------------------------------------------
// Constraint and name syntax

function subtreeProblem(st: GeneralSubtree): string | null {
  if (st.minimum !== 0) return `minimum is ${st.minimum} (RFC 5280: MUST be zero)`;
  if (st.maximum !== undefined) return "maximum is present (RFC 5280: MUST be absent)";
  const b = st.base;
  switch (b.type) {
    case "dns":
      return b.value === "" ? null : dnsConstraintProblem(b.value);
    case "ip": {
      const half = b.bytes.length / 2;
      const mask = b.bytes.subarray(half);
      if (!contiguous(mask)) return "the mask is not a contiguous prefix";
      return null;
    }
    case "email": {
      const v = b.value;
      if (v.includes("@")) return parseMailbox(v) ? null : "not a valid mailbox";
      const host = v.startsWith(".") ? v.slice(1) : v;
      return dnsConstraintProblem(host) ? "not a valid mailbox, host or domain" : null;
    }
    case "uri": {
      const host = b.value.startsWith(".") ? b.value.slice(1) : b.value;
      return dnsConstraintProblem(host) ? "not a valid host or domain" : null;
    }
    default:
      return null;
  }
}

function dnsConstraintProblem(v: string): string | null {
  if (v.startsWith(".")) return "a dNSName constraint cannot start with a dot (RFC 5280 4.2.1.10)";
  if (v.includes("*")) return "a dNSName constraint cannot contain a wildcard";
  const p = presentedDnsNameProblem(v);
  // A constraint may name a top-level domain or a numeric-looking label of a larger name; only syntax matters.
  return p && !p.startsWith("its last label is numeric") ? p : null;
}

/**
 * Does a CN look like a host name (so a client falling back to the CN could match it)? OpenSSL's test
 * (cn2dnsid): at least two labels of letters, digits, hyphens and underscores, hyphens only inside a label.
 * We also take a left-most "*" label, and leave out IP addresses and other names whose last label is
 * numeric (BetterTLS expects CN=127.0.0.1 not to be checked against dNSName constraints).
 */
function cnLooksLikeHost(cn: string): boolean {
  const labels = cn.toLowerCase().split(".");
  if (labels.length < 2 || cn.length > 253 || /^[0-9]+$/.test(labels[labels.length - 1])) return false;
  if (labels[0] === "*") labels[0] = "x";
  return labels.every((l) => /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(l));
}

function contiguous(mask: Uint8Array): boolean {
  let zero = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const set = (byte & (1 << bit)) !== 0;
      if (set && zero) return false;
      if (!set) zero = true;
    }
  }
  return true;
}

/** Why a name cannot be compared against constraints of its type, or null. */
function nameProblem(s: Subject): string | null {
  const n = s.name;
  switch (n.type) {
    case "dns":
      return presentedDnsNameProblem(n.value);
    case "email":
      return parseMailbox(n.value) ? null : "not a valid email address";
    case "uri":
      return uriHost(n.value) === null ? "a URI without a host name" : null;
    case "ip":
      return n.bytes.length === 4 || n.bytes.length === 16 ? null : "not a 4- or 16-byte address";
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Matching

/** Is the name inside `base`? For a permitted subtree wildcards need "entirely", for excluded "possibly". */
function within(s: Subject, base: GeneralName, mode: "permitted" | "excluded"): boolean {
  const n = s.name;
  if (n.type === "dns" && base.type === "dns") return dnsWithin(n.value, base.value, mode);
  if (n.type === "ip" && base.type === "ip") return ipWithin(n.bytes, base.bytes);
  if (n.type === "email" && base.type === "email") return emailWithin(n.value, base.value);
  if (n.type === "uri" && base.type === "uri") {
    const host = uriHost(n.value);
    return host !== null && hostWithin(host, base.value);
  }
  if (n.type === "dirName" && base.type === "dirName") return dnPrefix(base.name.rdns, n.name.rdns);
  return false;
}

function dnsWithin(name: string, constraint: string, mode: "permitted" | "excluded"): boolean {
  if (constraint === "") return true;
  const c = constraint.toLowerCase();
  const v = name.toLowerCase();
  if (!v.startsWith("*.")) return inDomain(v, c);
  // *.base stands for every one-label name below base.
  const base = v.slice(2);
  if (inDomain(base, c)) return true; // every expansion is inside c
  if (mode === "permitted") return false;
  // Excluded if some expansion is inside c: c is exactly one label below base.
  const dot = c.indexOf(".");
  return dot > 0 && c.slice(dot + 1) === base;
}

/** name equals domain or is below it. Both lowercase, no leading dots. */
function inDomain(name: string, domain: string): boolean {
  return name === domain || name.endsWith(`.${domain}`);
}

function ipWithin(addr: Uint8Array, constraint: Uint8Array): boolean {
  if (constraint.length !== addr.length * 2) return false;
  const n = addr.length;
  for (let i = 0; i < n; i++) {
    const mask = constraint[n + i];
    if ((addr[i] & mask) !== (constraint[i] & mask)) return false;
  }
  return true;
}

function emailWithin(mailbox: string, constraint: string): boolean {
  const m = parseMailbox(mailbox);
  if (!m) return false;
  if (constraint.includes("@")) {
    const c = parseMailbox(constraint);
    return c !== null && c.local === m.local && c.domain === m.domain;
  }
  const c = constraint.toLowerCase();
  if (c.startsWith(".")) return m.domain.endsWith(c);
  return m.domain === c;
}

function hostWithin(host: string, constraint: string): boolean {
  const c = constraint.toLowerCase();
  if (c.startsWith(".")) return host.endsWith(c);
  return host === c;
}

/**
 * The host of a URI ("scheme://[userinfo@]host[:port]/…"), lowercased; null when it has none or it is an IP
 * literal (RFC 5280: URI constraints name hosts, so an address cannot be checked against them).
 */
function uriHost(uri: string): string | null {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(uri);
  if (!m) return null;
  let auth = m[1];
  const at = auth.lastIndexOf("@");
  if (at >= 0) auth = auth.slice(at + 1);
  if (auth.startsWith("[")) return null;
  const colon = auth.indexOf(":");
  if (colon >= 0) {
    if (!/^\d*$/.test(auth.slice(colon + 1))) return null;
    auth = auth.slice(0, colon);
  }
  if (auth.endsWith(".")) auth = auth.slice(0, -1);
  const host = auth.toLowerCase();
  if (host === "" || parseIpAddress(host) || presentedDnsNameProblem(host) !== null || host.startsWith("*")) {
    return null;
  }
  return host;
}

// RFC 5280 7.1: directoryName matching, RDN by RDN from the root.
const STRING_TAGS = new Set([0x0c, 0x13, 0x14, 0x16, 0x1a, 0x1c, 0x1e, 0x12]);

function dnPrefix(prefix: NameAttribute[][], name: NameAttribute[][]): boolean {
  if (prefix.length > name.length) return false;
  for (let i = 0; i < prefix.length; i++) if (!rdnEqual(prefix[i], name[i])) return false;
  return true;
}

function rdnEqual(a: NameAttribute[], b: NameAttribute[]): boolean {
  if (a.length !== b.length) return false;
  const key = (x: NameAttribute) => [x.oid, STRING_TAGS.has(x.valueTag) ? fold(x.value) : x.value] as const;
  const used = new Array<boolean>(b.length).fill(false);
  for (const x of a) {
    const [oid, v] = key(x);
    const j = b.findIndex((y, k) => !used[k] && y.oid === oid && key(y)[1] === v);
    if (j < 0) return false;
    used[j] = true;
  }
  return true;
}

function fold(s: string): string {
  return s.trim().replace(/\s+/g, " ").toLowerCase();
}

// ---------------------------------------------------------------------------------------------------------
// Messages

function describeBase(b: GeneralName): string {
  switch (b.type) {
    case "dns":
      return b.value === "" ? 'DNS:"" (everything)' : `DNS:${show(b.value)}`;
    case "ip":
      return `IP:${ipText(b.bytes)}`;
    case "email":
      return `email:${show(b.value)}`;
    case "uri":
      return `URI:${show(b.value)}`;
    case "dirName":
      return `DirName:${show(b.value)}`;
    default:
      return `${TYPE_LABEL[b.type] ?? b.type}:${show(b.value)}`;
  }
}

function sanLabel(n: GeneralName): string {
  switch (n.type) {
    case "dns":
      return `DNS:${n.value}`;
    case "ip":
      return `IP:${n.value}`;
    case "email":
      return `email:${n.value}`;
    case "uri":
      return `URI:${n.value}`;
    case "dirName":
      return `DirName:${n.value}`;
    default:
      return `${TYPE_LABEL[n.type] ?? n.type}:${n.value}`;
  }
}

function show(s: string): string {
  return printable(s, 260);
}
