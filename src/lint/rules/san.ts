/** subjectAltName and commonName contents: DNS syntax, wildcards, internal names, IP addresses (BR 7.1.4.2). */

import { isIPv4 } from "node:net";
import { domainToUnicode } from "node:url";
import type { GeneralName } from "../../x509/names.js";
import type { Lint, LintProblems } from "../types.js";
import {
  ATTR,
  attributes,
  BR_DATE,
  BR_PROFILES_DATE,
  each,
  isTlsServer,
  SUBSCRIBER,
  TLS_SERVER_SCOPE,
} from "../util.js";

/** A BR lint over each dNSName of a subscriber TLS certificate. */
function dnsLint(
  id: string,
  description: string,
  section: string,
  problem: (name: string, labels: string[]) => string | undefined,
  effective = BR_DATE,
): Lint {
  return {
    id,
    description,
    source: { document: "CA/B Forum BR", section },
    severity: "error",
    effective,
    kinds: SUBSCRIBER,
    applies: isTlsServer,
    scope: TLS_SERVER_SCOPE,
    check: (c): LintProblems =>
      each(c.dnsNames, (n) => {
        const p = problem(n, n.split("."));
        return p === undefined ? undefined : `"${n}": ${p}`;
      }),
  };
}

/** Labels without a leading wildcard. */
const hostLabels = (labels: string[]) => (labels[0] === "*" ? labels.slice(1) : labels);

/**
 * TLDs that are not delegated in the public DNS and that internal networks use (RFC 6761/6762/2606, ICANN's
 * name-collision list): a certificate for them is for an Internal Name, which the BRs forbid.
 */
const INTERNAL_TLDS = new Set([
  "local",
  "localhost",
  "localdomain",
  "internal",
  "intranet",
  "lan",
  "corp",
  "home",
  "private",
  "test",
  "invalid",
  "example",
  "domain",
  "workgroup",
]);

function ipOf(g: GeneralName): string | undefined {
  return g.type === "ip" ? g.value : undefined;
}

/** IANA special-purpose address ranges (RFC 6890) as prefixes of the address text, for IPv4. */
function reservedIPv4(ip: string): boolean {
  const [a, b] = ip.split(".").map(Number);
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

function reservedIPv6(ip: string): boolean {
  const x = ip.toLowerCase();
  return (
    x === "::" ||
    x === "::1" ||
    /^f[cd]/.test(x) ||
    /^fe[89ab]/.test(x) ||
    /^ff/.test(x) ||
    x.startsWith("2001:db8:") ||
    x.startsWith("::ffff:")
  );
}

export const SAN_LINTS: Lint[] = [
  {
    id: "e_subscriber_common_name_not_in_san",
    description: "If present, the commonName MUST be one of the values in subjectAltName",
    source: { document: "CA/B Forum BR", section: "7.1.4.3" },
    severity: "error",
    effective: BR_DATE,
    kinds: SUBSCRIBER,
    applies: isTlsServer,
    scope: TLS_SERVER_SCOPE,
    check: (c) => {
      const sans = new Set(
        (c.subjectAltName ?? []).map((n) => (n.type === "dns" ? n.value.toLowerCase() : n.value)),
      );
      return each(c.commonNames, (cn) =>
        sans.has(cn.toLowerCase()) ? undefined : `commonName "${cn}" is not in subjectAltName`,
      );
    },
  },
  {
    id: "n_subscriber_common_name_present",
    description: "commonName is NOT RECOMMENDED in subscriber certificates (clients use subjectAltName)",
    source: { document: "CA/B Forum BR", section: "7.1.2.7.2" },
    severity: "notice",
    effective: BR_PROFILES_DATE,
    kinds: SUBSCRIBER,
    applies: isTlsServer,
    scope: TLS_SERVER_SCOPE,
    check: (c) => (c.commonNames.length ? "the subject has a commonName" : undefined),
  },
  {
    id: "e_subscriber_multiple_common_names",
    description: "A subscriber certificate's subject MUST NOT contain more than one commonName",
    source: { document: "CA/B Forum BR", section: "7.1.2.7.2" },
    severity: "error",
    effective: BR_PROFILES_DATE,
    kinds: SUBSCRIBER,
    applies: isTlsServer,
    scope: TLS_SERVER_SCOPE,
    check: (c) =>
      attributes(c, ATTR.cn).length > 1 ? `${attributes(c, ATTR.cn).length} commonNames` : undefined,
  },
  {
    id: "e_subscriber_san_type_not_allowed",
    description: "A subscriber TLS certificate's subjectAltName MUST hold only dNSName and iPAddress entries",
    source: { document: "CA/B Forum BR", section: "7.1.2.7.12" },
    severity: "error",
    effective: BR_DATE,
    kinds: SUBSCRIBER,
    applies: isTlsServer,
    scope: TLS_SERVER_SCOPE,
    check: (c) =>
      each(c.subjectAltName ?? [], (n) =>
        n.type === "dns" || n.type === "ip" ? undefined : `a ${n.type} entry "${n.value}"`,
      ),
  },
  dnsLint("e_dns_name_empty", "dNSName entries MUST NOT be empty", "7.1.2.7.12", (n) =>
    n === "" ? "empty" : undefined,
  ),
  dnsLint(
    "e_dns_name_bad_character",
    "dNSName labels MUST hold only letters, digits and hyphens (LDH), or a leading wildcard",
    "7.1.2.7.12",
    (_, labels) =>
      hostLabels(labels).some((l) => /[^A-Za-z0-9_-]/.test(l))
        ? "a character outside letters, digits and hyphens"
        : undefined,
  ),
  dnsLint(
    "e_dns_name_empty_label",
    'dNSName entries MUST NOT contain an empty label ("a..b", a leading or trailing dot)',
    "7.1.2.7.12",
    (n, labels) => (n !== "" && labels.some((l) => l === "") ? "an empty label" : undefined),
  ),
  dnsLint(
    "e_dns_name_label_too_long",
    "Each dNSName label MUST be at most 63 octets",
    "7.1.2.7.12",
    (_, labels) => (labels.some((l) => l.length > 63) ? "a label longer than 63 characters" : undefined),
  ),
  dnsLint("e_dns_name_too_long", "A dNSName MUST be at most 253 octets", "7.1.2.7.12", (n) =>
    n.length > 253 ? `${n.length} characters` : undefined,
  ),
  dnsLint(
    "e_dns_name_hyphen_at_label_edge",
    "dNSName labels MUST NOT start or end with a hyphen",
    "7.1.2.7.12",
    (_, labels) =>
      labels.some((l) => l.startsWith("-") || l.endsWith("-"))
        ? "a label starts or ends with a hyphen"
        : undefined,
  ),
  dnsLint(
    "e_dns_name_underscore",
    "dNSName entries MUST NOT contain underscores (ballot SC12)",
    "7.1.2.7.12",
    (n) => (n.includes("_") ? "an underscore" : undefined),
    "2019-04-01",
  ),
  dnsLint(
    "e_dns_name_wildcard_not_leftmost",
    "A wildcard MUST be the whole left-most label",
    "7.1.2.7.12",
    (_, labels) =>
      labels.some((l, i) => l.includes("*") && (i > 0 || l !== "*"))
        ? "a wildcard that is not the whole left-most label"
        : undefined,
  ),
  dnsLint(
    "e_dns_name_wildcard_on_tld",
    'A wildcard MUST NOT stand directly left of a top-level domain ("*.com")',
    "7.1.2.7.12",
    (_, labels) =>
      labels[0] === "*" && labels.length <= 2 ? "a wildcard directly over a top-level domain" : undefined,
  ),
  dnsLint(
    "e_dns_name_ip_address",
    "An IP address MUST be in an iPAddress entry, not a dNSName",
    "7.1.2.7.12",
    (n) => (isIPv4(n) || n.includes(":") ? "an IP address written as a DNS name" : undefined),
  ),
  dnsLint(
    "e_dns_name_internal",
    "Certificates MUST NOT be issued for Internal Names (single labels, non-public TLDs such as .local or .corp)",
    "4.2.2",
    (_, labels) => {
      const host = hostLabels(labels);
      if (host.length === 1) return "a single-label name";
      const tld = host[host.length - 1].toLowerCase();
      return INTERNAL_TLDS.has(tld) ? `.${tld} is not a public top-level domain` : undefined;
    },
    "2015-11-01",
  ),
  dnsLint(
    "e_dns_name_bad_idn",
    "An xn-- label MUST be valid Punycode (an A-label)",
    "7.1.2.7.12",
    (_, labels) =>
      labels.some((l) => /^xn--/i.test(l) && domainToUnicode(l) === "")
        ? "an xn-- label that is not valid Punycode"
        : undefined,
  ),
  {
    id: "e_ip_address_reserved",
    description: "Certificates MUST NOT be issued for reserved IP addresses (private, loopback, link-local…)",
    source: { document: "CA/B Forum BR", section: "4.2.2" },
    severity: "error",
    effective: "2015-11-01",
    kinds: SUBSCRIBER,
    applies: isTlsServer,
    scope: TLS_SERVER_SCOPE,
    check: (c) =>
      each(c.subjectAltName ?? [], (n) => {
        const ip = ipOf(n);
        if (ip === undefined) return undefined;
        const reserved = ip.includes(":") ? reservedIPv6(ip) : reservedIPv4(ip);
        return reserved ? `${ip} is a reserved address` : undefined;
      }),
  },
];
