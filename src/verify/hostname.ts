/**
 * Peer-name matching: does a certificate name the host, IP address or mailbox the client asked for?
 *
 * The rules are the strict ones (RFC 6125 / RFC 9525 and the CA/Browser Forum profile, as x509-limbo
 * encodes them), so that a "match" here is a match for every strict client:
 *
 * - DNS: compared case-insensitively (ASCII only), label by label. IDNs are compared as A-labels
 *   (punycode), exactly as given: a U-label in a certificate never matches.
 * - Wildcards: only a whole left-most `*` label (`*.example.com` matches `a.example.com`, not
 *   `a.b.example.com` nor `example.com`). Partial-label wildcards (`f*.example.com`, `xn--*-x.example`)
 *   and wildcards elsewhere never match (Go, webpki, Chrome; Java and Node accept partial ones). A wildcard
 *   needs at least two labels after it (`*.com` and `*` never match), as webpki does. Wildcards over a
 *   multi-label public suffix (`*.co.uk`) need the Public Suffix List, which we do not ship: they match here.
 * - A presented name (SAN or CN) must be in RFC 1034/1123 preferred name syntax: no underscores, no
 *   trailing dot, no empty labels, labels of at most 63 characters. Invalid entries are ignored, and
 *   the failure reason says why.
 * - A trailing dot on the peer name (an absolute name, "example.com.") is removed before matching.
 * - IP addresses: exact byte comparison of the address against iPAddress SANs only; an IPv4 address never
 *   matches an IPv4-mapped IPv6 SAN (webpki, OpenSSL; Go would match it). Never against DNS SANs, and never
 *   against the CN, even with `cnFallback` (Java's HostnameChecker and OpenSSL's X509_check_ip consult only
 *   iPAddress SANs; curl and Firefox are laxer).
 * - Email (RFC 822, for client certificates): local part case-sensitive, domain case-insensitive.
 */

import { domainToASCII } from "node:url";
import type { Certificate } from "../x509/certificate.js";
import { printable } from "../x509/der.js";
import { InputError } from "../x509/errors.js";
import { type GeneralName, ipText } from "../x509/names.js";
import { OID } from "../x509/oids.js";
import { memoOf } from "./memo.js";

export type PeerName = { kind: "dns" | "ip" | "email"; value: string };

export interface HostnameOptions {
  /**
   * Consult the subject CN only when the certificate has no SAN entry of that kind (Java, curl/OpenSSL
   * behaviour). Default false (Go, Chrome, webpki never do).
   *
   * For a DNS name the most specific (last) CN is used, as Java and curl do (OpenSSL and Node try every CN).
   * For an email address the subject's emailAddress attributes are used, as OpenSSL does. IP addresses are
   * never matched against the subject.
   */
  cnFallback?: boolean;
}

export type PeerNameMatch = { ok: true; matched: string } | { ok: false; reason: string; names: string[] };

/**
 * Answers by certificate, then peer name and CN fallback: the eight clients of one report ask the same two
 * questions (with and without the CN fallback) of one leaf, in their checks, the chain analysis and the
 * reasons. The answers are frozen, since every caller shares them.
 */
/** Peer names remembered per certificate; a scan of one certificate under many names starts over past it. */
const MATCHES_PER_CERT = 16;

/** Does `cert` name `peer`? On a miss, `names` lists what the certificate does name, for the message. */
export function matchPeerName(cert: Certificate, peer: PeerName, opts: HostnameOptions = {}): PeerNameMatch {
  const key = `${opts.cnFallback === true}\u0000${peer.kind}\u0000${peer.value}`;
  const memo = memoOf(cert);
  let known = memo.peerNameMatches;
  const hit = known?.get(key);
  if (hit) return hit;
  const answer = Object.freeze(matchUncached(cert, peer, opts));
  if (!known || known.size >= MATCHES_PER_CERT) {
    known = new Map();
    memo.peerNameMatches = known;
  }
  known.set(key, answer);
  return answer;
}

function matchUncached(cert: Certificate, peer: PeerName, opts: HostnameOptions): PeerNameMatch {
  // Only a miss lists the certificate's names, so a match does not build them.
  const fail = (reason: string): PeerNameMatch => ({ ok: false, reason, names: describeNames(cert) });
  const san = cert.subjectAltName ?? [];
  const sanError = cert.extensionErrors.find((e) => e.oid === OID.subjectAltName);
  const sanNote = sanError
    ? ` (its subjectAltName extension could not be decoded: ${printable(sanError.message, 200)})`
    : "";

  switch (peer.kind) {
    case "dns": {
      const ref = referenceDnsName(peer.value);
      if (typeof ref !== "string") return fail(`"${show(peer.value)}" is not a valid DNS name: ${ref.error}`);
      // The usual answer first, with nothing built for it: a DNS SAN that matches. The loop below returns at
      // the same entry (notes are only kept for a miss), and works out the message when none does.
      for (const n of san)
        if (n.type === "dns" && matchDns(n.value, ref) === true)
          return { ok: true, matched: `DNS:${n.value}` };
      const dnsSans = san.filter((n) => n.type === "dns").map((n) => n.value);
      const notes: string[] = [];
      for (const p of dnsSans) {
        const m = matchDns(p, ref);
        if (m === true) return { ok: true, matched: `DNS:${p}` };
        if (m !== false) notes.push(`DNS:${show(p)} is ignored: ${m.ignored}`);
      }
      const cns = cert.commonNames;
      const cn = cns[cns.length - 1];
      if (dnsSans.length === 0 && opts.cnFallback && cn !== undefined) {
        const m = matchDns(cn, ref);
        if (m === true) return { ok: true, matched: `CN=${cn}` };
        if (m !== false) notes.push(`CN=${show(cn)} is ignored: ${m.ignored}`);
      }
      let reason: string;
      if (dnsSans.length > 0) {
        reason = `no DNS name in the certificate matches ${ref}`;
        const nearMiss = dnsSans.find(
          (p) =>
            p.startsWith("*.") &&
            presentedDnsNameProblem(p) === null &&
            ref.endsWith(`.${p.slice(2).toLowerCase()}`) &&
            ref.split(".").length > p.split(".").length,
        );
        if (nearMiss)
          notes.push(`a wildcard covers exactly one label: DNS:${show(nearMiss)} does not cover ${ref}`);
      } else if (!opts.cnFallback && cn !== undefined && matchDns(cn, ref) === true) {
        reason =
          `the certificate has no DNS name in its subjectAltName${sanNote}; ${ref} is only in the subject CN, ` +
          "which Go, Chrome and webpki ignore";
      } else if (opts.cnFallback && cn !== undefined) {
        reason = `the certificate has no DNS name in its subjectAltName${sanNote}, and its CN does not match ${ref}`;
      } else {
        reason = `the certificate has no DNS name in its subjectAltName${sanNote}`;
      }
      return fail(withNotes(reason, notes));
    }

    case "ip": {
      const bytes = parseIpAddress(stripBrackets(peer.value.trim()));
      if (!bytes) return fail(`"${show(peer.value)}" is not a valid IP address`);
      const text = ipText(bytes);
      const ipSans = san.filter((n): n is Extract<GeneralName, { type: "ip" }> => n.type === "ip");
      const notes: string[] = [];
      for (const n of ipSans) {
        if (bytesEqual(n.bytes, bytes)) return { ok: true, matched: `IP:${n.value}` };
        if (bytes.length === 4 && n.bytes.length === 16 && isMappedV4(n.bytes, bytes)) {
          notes.push(`IP:${n.value} is the IPv4-mapped IPv6 form of ${text}; only Go treats them as equal`);
        }
      }
      const asDns = san.find((n) => n.type === "dns" && sameIpText(n.value, bytes));
      if (asDns)
        notes.push(`DNS:${show(asDns.value)} is a DNS name entry; an IP address must be an iPAddress SAN`);
      const cnHit = cert.commonNames.find((c) => sameIpText(c, bytes));
      if (cnHit !== undefined)
        notes.push(`CN=${show(cnHit)} does not count: IP addresses are matched only against iPAddress SANs`);
      const reason =
        ipSans.length > 0
          ? `no IP address in the certificate matches ${text}`
          : `the certificate has no IP address in its subjectAltName${sanNote}`;
      return fail(withNotes(reason, notes));
    }

    case "email": {
      const ref = parseMailbox(peer.value);
      if (!ref) return fail(`"${show(peer.value)}" is not a valid email address`);
      const emailSans = san.filter((n) => n.type === "email").map((n) => n.value);
      for (const e of emailSans) {
        if (mailboxEquals(e, ref)) return { ok: true, matched: `email:${e}` };
      }
      const attrs = cert.subject.values(OID.emailAddress);
      if (emailSans.length === 0 && opts.cnFallback) {
        for (const e of attrs) if (mailboxEquals(e, ref)) return { ok: true, matched: `emailAddress=${e}` };
      }
      const shown = `${ref.local}@${ref.domain}`;
      if (emailSans.length > 0) return fail(`no email address in the certificate matches ${show(shown)}`);
      if (!opts.cnFallback && attrs.some((e) => mailboxEquals(e, ref))) {
        return fail(
          `the certificate has no email address in its subjectAltName${sanNote}; ${show(shown)} is only in the ` +
            "subject's emailAddress attribute",
        );
      }
      return fail(`the certificate has no email address in its subjectAltName${sanNote}`);
    }
  }
  return fail(`unknown peer name kind "${show(String((peer as { kind: unknown }).kind))}"`);
}

/**
 * Parse what a user typed as the name to check: "10.0.0.1", "::1" or "[::1]" → ip, "a@b.example" → email,
 * anything else → dns. Values are canonical: IP addresses in RFC 5952 / dotted-quad text, DNS names
 * lowercased A-labels without a trailing dot (a U-label such as "bücher.example" is converted to punycode),
 * email domains lowercased. Throws an InputError on text that is none of these.
 */
export function parsePeerName(text: string): PeerName {
  const t = text.trim();
  if (t === "") throw new InputError("the peer name is empty", "bad-peer-name");
  const bad = (why: string) =>
    new InputError(`"${show(t)}" is not a valid peer name: ${why}`, "bad-peer-name");
  if (/[\s\u0000-\u001f\u007f]/.test(t)) throw bad("it contains whitespace or control characters");

  if (t.startsWith("[")) {
    const b = t.endsWith("]") ? parseIpv6(t.slice(1, -1)) : null;
    if (!b) throw bad("a bracketed name must be an IPv6 address, like [2001:db8::1]");
    return { kind: "ip", value: ipText(b) };
  }
  if (t.includes("@")) {
    const m = parseMailbox(t);
    if (!m) throw bad("an email address needs a local part, one @ and a valid domain");
    return { kind: "email", value: `${m.local}@${m.domain}` };
  }
  const ip = parseIpAddress(t);
  if (ip) return { kind: "ip", value: ipText(ip) };
  if (t.includes(":")) {
    if (/^[^:]+:\d+$/.test(t)) throw bad("give the host name without a port");
    if (t.includes("/")) throw bad("give a host name, not a URL");
    throw bad("it is not a valid IPv6 address");
  }
  if (t.includes("/")) throw bad("give a host name, not a URL");
  let host = t;
  if (/[^\u0000-\u007f]/.test(host)) {
    const ascii = domainToASCII(host);
    if (!ascii) throw bad("it is not a valid internationalised domain name");
    host = ascii;
  }
  const ref = referenceDnsName(host);
  if (typeof ref !== "string") throw bad(ref.error);
  return { kind: "dns", value: ref };
}

// ---------------------------------------------------------------------------------------------------------
// DNS names

const LDH_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const REF_LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Why a presented DNS identifier (a dNSName SAN, or a CN under fallback) is not usable, or null when it is
 * a valid host name or a valid wildcard pattern (`*.` + at least two labels). Input is compared lowercased.
 */
export function presentedDnsNameProblem(name: string): string | null {
  if (isHostName(name, "presented")) return null;
  if (name === "") return "it is empty";
  if (/[^\u0000-\u007f]/.test(name))
    return "it is not ASCII (internationalised names must be A-labels, xn--…)";
  if (name.endsWith(".")) return "it ends with a dot";
  if (name.length > 253) return "it is longer than 253 characters";
  const labels = name.toLowerCase().split(".");
  if (labels[0] === "*") {
    if (labels.length < 3) return "a wildcard must be followed by at least two labels";
    labels.shift();
  }
  if (labels.some((l) => l.includes("*"))) {
    return "the only wildcard allowed is a whole left-most label (*.example.com)";
  }
  if (labels.some((l) => l.includes("_"))) return "underscores are not allowed in host names";
  for (const l of labels) {
    if (l === "") return "it has an empty label";
    if (!LDH_LABEL.test(l)) return `the label "${show(l)}" is not letters, digits and inner hyphens (max 63)`;
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]))
    return "its last label is numeric (an IP address is not a DNS name)";
  return null;
}

/** The normalised reference name (lowercase, trailing dot removed), or why it is not a host name. */
function referenceDnsName(value: string): string | { error: string } {
  if (isHostName(value, "reference")) return value;
  let v = value.trim().toLowerCase();
  if (v.endsWith(".") && v !== ".") v = v.slice(0, -1);
  if (v === "") return { error: "it is empty" };
  if (v.includes("*")) return { error: "a peer name cannot be a wildcard" };
  if (/[^\u0000-\u007f]/.test(v)) return { error: "it is not ASCII (give the A-label, xn--…)" };
  if (v.length > 253) return { error: "it is longer than 253 characters" };
  if (parseIpAddress(v)) return { error: "it is an IP address (check it as an IP address, not a DNS name)" };
  const labels = v.split(".");
  for (const l of labels) {
    if (l === "") return { error: "it has an empty label" };
    if (!REF_LABEL.test(l))
      return { error: `the label "${show(l)}" is not letters, digits and inner hyphens` };
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]))
    return { error: "its last label is numeric, so it is neither a valid IPv4 address nor a host name" };
  return v;
}

const DOT = 0x2e;
const HYPHEN = 0x2d;
const UNDERSCORE = 0x5f;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/**
 * One pass over an ASCII name that answers "valid, as it is" for the names peers and certificates almost
 * always hold, so that they need no lowercasing, splitting, regular expressions or IP address parsing: the
 * full checks above give the same answer for every name this accepts, and run for everything else (to say
 * why). A "reference" name (referenceDnsName) must already be normalised: lowercase, no trailing dot, labels
 * of REF_LABEL; a "presented" one (presentedDnsNameProblem) may have capitals and a whole left-most `*`
 * label followed by at least two labels, and its labels are LDH_LABEL's. Both are at most 253 characters,
 * have no empty label and a last label that is not all digits (which also rules out an IPv4 address; an
 * IPv6 one needs a colon).
 */
function isHostName(name: string, kind: "reference" | "presented"): boolean {
  const n = name.length;
  if (n === 0 || n > 253) return false;
  let i = 0;
  if (kind === "presented" && name.charCodeAt(0) === 0x2a) {
    if (n < 2 || name.charCodeAt(1) !== DOT) return false;
    i = 2;
  }
  const wildcard = i === 2;
  let labels = 0;
  while (i < n) {
    // One label: [i, end).
    let end = i;
    let allDigits = true;
    for (; end < n; end++) {
      let c = name.charCodeAt(end);
      if (c === DOT) break;
      if (kind === "presented" && c >= 0x41 && c <= 0x5a) c += 0x20;
      if (c >= DIGIT_0 && c <= DIGIT_9) continue;
      allDigits = false;
      if (c >= 0x61 && c <= 0x7a) continue;
      if (c === HYPHEN && end !== i) continue;
      if (c === UNDERSCORE && kind === "reference") continue;
      return false;
    }
    const len = end - i;
    if (len === 0 || len > 63 || name.charCodeAt(end - 1) === HYPHEN) return false;
    labels++;
    if (end === n) return !allDigits && (!wildcard || labels >= 2);
    i = end + 1;
  }
  return false; // a trailing dot
}

/** true / false, or why the presented name is ignored. `ref` is a normalised reference name. */
function matchDns(presented: string, ref: string): boolean | { ignored: string } {
  const problem = presentedDnsNameProblem(presented);
  if (problem) return { ignored: problem };
  const p = presented.toLowerCase();
  if (!p.startsWith("*.")) return p === ref;
  // "*." + base matches exactly one non-empty label in front of base.
  const dot = ref.indexOf(".");
  return dot > 0 && ref.slice(dot + 1) === p.slice(2);
}

// ---------------------------------------------------------------------------------------------------------
// IP addresses

/** Strict IPv4 (dotted decimal, no leading zeros) or IPv6 text to bytes; null if it is neither. */
export function parseIpAddress(text: string): Uint8Array | null {
  return parseIpv4(text) ?? (text.includes(":") ? parseIpv6(text) : null);
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | null {
  if (text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIpv4(p);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(Number.parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  // An embedded IPv4 address may only end the address.
  if (halves.length === 2 && halves[0].includes(".")) return null;
  let all: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    if (head.length !== 8) return null;
    all = head;
  }
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

function stripBrackets(s: string): string {
  return s.startsWith("[") && s.endsWith("]") ? s.slice(1, -1) : s;
}

function sameIpText(text: string, bytes: Uint8Array): boolean {
  const b = parseIpAddress(stripBrackets(text.trim()));
  return b !== null && bytesEqual(b, bytes);
}

function isMappedV4(v6: Uint8Array, v4: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (v6[i] !== 0) return false;
  return v6[10] === 0xff && v6[11] === 0xff && bytesEqual(v6.subarray(12), v4);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Email addresses

export interface Mailbox {
  /** As given: local parts are case-sensitive (RFC 5321 2.4). */
  local: string;
  /** Lowercased. */
  domain: string;
}

/**
 * Split an RFC 822 mailbox at its one "@" (an "@" in the local part is allowed only inside a quoted
 * string). The domain must be a valid host name. Null when malformed.
 */
export function parseMailbox(text: string): Mailbox | null {
  const at = text.lastIndexOf("@");
  if (at <= 0 || at === text.length - 1) return null;
  const local = text.slice(0, at);
  const domain = text.slice(at + 1).toLowerCase();
  const quoted = local.length >= 2 && local.startsWith('"') && local.endsWith('"');
  if (!quoted && (local.includes("@") || /[\s"(),:;<>[\\\]]/.test(local))) return null;
  if (/[\u0000-\u001f\u007f-\uffff]/.test(local) || local.length > 64) return null;
  if (typeof referenceDnsName(domain) !== "string" || domain.endsWith(".")) return null;
  return { local, domain };
}

function mailboxEquals(presented: string, ref: Mailbox): boolean {
  const m = parseMailbox(presented);
  return m !== null && m.local === ref.local && m.domain === ref.domain;
}

// ---------------------------------------------------------------------------------------------------------
// Messages

/** The certificate's names, as OpenSSL-like text for messages: SAN entries, then CNs. */
function describeNames(cert: Certificate): string[] {
  const out: string[] = [];
  for (const n of cert.subjectAltName ?? []) {
    switch (n.type) {
      case "dns":
        out.push(`DNS:${show(n.value)}`);
        break;
      case "ip":
        out.push(`IP:${n.value}`);
        break;
      case "email":
        out.push(`email:${show(n.value)}`);
        break;
      case "uri":
        out.push(`URI:${show(n.value)}`);
        break;
      case "dirName":
        out.push(`DirName:${show(n.value)}`);
        break;
      case "otherName":
        out.push(`othername:${show(n.value)}`);
        break;
      case "registeredId":
        out.push(`RID:${n.value}`);
        break;
      default:
        out.push(n.value);
    }
  }
  for (const cn of cert.commonNames) out.push(`CN=${show(cn)}`);
  return out;
}

function withNotes(reason: string, notes: string[]): string {
  if (notes.length === 0) return reason;
  const shown = notes.slice(0, 5);
  if (notes.length > 5) shown.push(`and ${notes.length - 5} more`);
  return `${reason} (${shown.join("; ")})`;
}

function show(s: string): string {
  return printable(s, 260);
}
