/**
 * Public suffixes (https://publicsuffix.org/list/): is a domain "registry-controlled or a public suffix"
 * in the sense of CABF BR §3.2.2.6, so that a wildcard directly over it (`*.co.uk`, `*.s3.amazonaws.com`)
 * must not be issued, and Chrome and Java (for chains to public roots) refuse to match it.
 *
 * The list is a 2023 snapshot (data/psl.txt, see data/README.md); suffixes added since are not known. It is
 * read and indexed on the first lookup, not at start-up. Domains are compared as lowercase A-labels: the
 * list's Unicode rules are converted once with IDNA.
 */

import { readFileSync } from "node:fs";
import { domainToASCII, fileURLToPath } from "node:url";

/** The package's data/psl.txt, two levels above dist/src/verify/. */
const PSL_FILE = new URL("../../../data/psl.txt", import.meta.url);

/** The list's rules, one a line, without its `//` comment lines. */
export function pslRules(): string[] {
  let text: string;
  try {
    text = readFileSync(PSL_FILE, "utf8");
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new Error(
      `the bundled public suffix list ${fileURLToPath(PSL_FILE)} cannot be read (${why}); reinstall chainproof`,
    );
  }
  return text.split("\n").filter((line) => line !== "" && !line.startsWith("//"));
}

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
  for (const line of pslRules()) {
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
