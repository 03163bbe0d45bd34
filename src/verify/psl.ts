/**
 * Public suffixes (https://publicsuffix.org/list/): is a domain "registry-controlled or a public suffix"
 * in the sense of CABF BR §3.2.2.6, so that a wildcard directly over it (`*.co.uk`, `*.s3.amazonaws.com`)
 * must not be issued, and Chrome and Java (for chains to public roots) refuse to match it.
 *
 * The list is a 2023 snapshot (psl-data.ts); suffixes added since are not known. Domains are compared as
 * lowercase A-labels: the list's Unicode rules are converted once with IDNA.
 */

import { domainToASCII } from "node:url";
import { PSL_RULES } from "./psl-data.js";

interface Rules {
  exact: Set<string>;
  /** "*.ck" is stored as "ck": every direct child of it is a public suffix. */
  wildcard: Set<string>;
  /** "!www.ck": not a public suffix despite a wildcard rule. */
  exception: Set<string>;
}

let rules: Rules | undefined;

function load(): Rules {
  const r: Rules = { exact: new Set(), wildcard: new Set(), exception: new Set() };
  for (const line of PSL_RULES.split("\n")) {
    let rule = line;
    let set = r.exact;
    if (rule.startsWith("!")) {
      set = r.exception;
      rule = rule.slice(1);
    } else if (rule.startsWith("*.")) {
      set = r.wildcard;
      rule = rule.slice(2);
    }
    const ascii = /[^\u0000-\u007f]/.test(rule) ? domainToASCII(rule) : rule.toLowerCase();
    if (ascii) set.add(ascii);
  }
  return r;
}

/** True when `domain` (A-labels, case-insensitive, an optional final dot) is itself a public suffix. */
export function isPublicSuffix(domain: string): boolean {
  rules ??= load();
  const d = domain.toLowerCase().replace(/\.$/, "");
  if (d === "") return true; // the DNS root
  if (rules.exception.has(d)) return false;
  if (rules.exact.has(d)) return true;
  const dot = d.indexOf(".");
  if (dot < 0) return true; // the implicit "*" rule: every top-level label
  return rules.wildcard.has(d.slice(dot + 1));
}
