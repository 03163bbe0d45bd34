/**
 * Name lookups for path building, with exactly the semantics of `namesMatch` (RFC 5280 §7.1) but without
 * computing its normalised comparison key for every name the verifier sees.
 *
 * `Name.matchKey` costs several microseconds per name, and a naive builder computes it for the subject
 * and issuer of every certificate (self-issued tests, index keys): that was a tenth of the x509-limbo run.
 * Here names are bucketed by their exact DER (the usual case: an issuer field copied from the issuer's
 * subject) and by a cheap, coarser key; `namesMatch` has the final word, so the answers are the same.
 *
 * The coarse key must be equal for any two names `namesMatch` accepts: the number of RDNs and the last RDN's
 * value lowercased with all whitespace removed (matchKey trims, collapses whitespace and lowercases).
 * test/verify-names.test.ts checks that on names that differ only in what RFC 5280 matching ignores.
 */

import type { Certificate } from "../x509/certificate.js";
import { type Name, namesMatch } from "../x509/names.js";
import { memoOf } from "./memo.js";

/** A key equal for all names that match each other (and, rarely, for some that do not). */
export function coarseKey(n: Name): string {
  let k = n.coarseKeyMemo;
  if (k === undefined) {
    const last = n.rdns[n.rdns.length - 1];
    let v = "";
    if (last) {
      if (last.length === 1) {
        const a = last[0];
        // Folding "#hex" text of a non-string value too only makes the key coarser, which is safe.
        v = `${a.oid}=${fold(a.value)}`;
      } else v = `#${last.length}`;
    }
    k = `${n.rdns.length}|${v}`;
    n.coarseKeyMemo = k;
  }
  return k;
}

function fold(s: string): string {
  const l = s.toLowerCase();
  return /\s/.test(l) ? l.replace(/\s+/g, "") : l;
}

/** A name's DER as a string key. */
function derText(n: Name): string {
  let k = n.derTextMemo;
  if (k === undefined) {
    k = Buffer.from(n.der.buffer, n.der.byteOffset, n.der.byteLength).toString("latin1");
    n.derTextMemo = k;
  }
  return k;
}

function sameDer(a: Name, b: Name): boolean {
  const x = a.der;
  const y = b.der;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** namesMatch, with a cheap rejection first. */
export function sameName(a: Name, b: Name): boolean {
  if (a === b || sameDer(a, b)) return true;
  return coarselyAlike(a, b) && namesMatch(a, b);
}

/**
 * coarseKey(a) === coarseKey(b), without making the keys when one look at the names settles it: different
 * numbers of RDNs, or last RDNs that differ in type or in ASCII text under the key's folding (case, and
 * whitespace removed). Anything else (multi-valued RDNs, non-ASCII text) compares the keys.
 */
function coarselyAlike(a: Name, b: Name): boolean {
  const n = a.rdns.length;
  if (n !== b.rdns.length) return false;
  if (n === 0) return true;
  const x = a.rdns[n - 1];
  const y = b.rdns[n - 1];
  if (x.length === 1 && y.length === 1) {
    if (x[0].oid !== y[0].oid) return false;
    const folded = asciiFoldedEqual(x[0].value, y[0].value);
    if (folded !== undefined) return folded;
  }
  return coarseKey(a) === coarseKey(b);
}

/** fold(x) === fold(y) for ASCII text; undefined when either holds a non-ASCII character. */
function asciiFoldedEqual(x: string, y: string): boolean | undefined {
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < x.length && isAsciiSpace(x.charCodeAt(i))) i++;
    while (j < y.length && isAsciiSpace(y.charCodeAt(j))) j++;
    if (i === x.length || j === y.length) {
      // One is used up (its trailing whitespace skipped): equal only if the other is too. The rest of the other
      // must be ASCII for the answer to stand.
      const equal = i === x.length && j === y.length;
      for (; i < x.length; i++) if (x.charCodeAt(i) > 0x7f) return undefined;
      for (; j < y.length; j++) if (y.charCodeAt(j) > 0x7f) return undefined;
      return equal;
    }
    const c = x.charCodeAt(i++);
    const d = y.charCodeAt(j++);
    if (c > 0x7f || d > 0x7f) return undefined;
    if (lowerAscii(c) !== lowerAscii(d)) {
      // Unequal here, but a non-ASCII character further on would make fold() decide: look for one.
      for (; i < x.length; i++) if (x.charCodeAt(i) > 0x7f) return undefined;
      for (; j < y.length; j++) if (y.charCodeAt(j) > 0x7f) return undefined;
      return false;
    }
  }
}

/** The ASCII characters /\s/ matches: tab, line feed, vertical tab, form feed, carriage return, space. */
function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function lowerAscii(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/** RFC 5280 §3.2: issuer and subject are the same name (Certificate.selfIssued, cached and cheaper). */
export function selfIssued(c: Certificate): boolean {
  const memo = memoOf(c);
  let r = memo.selfIssued;
  if (r === undefined) {
    r = sameName(c.issuer, c.subject);
    memo.selfIssued = r;
  }
  return r;
}

/**
 * Items indexed by a Name; `find` returns those whose name matches under RFC 5280 §7.1. Answers are kept by
 * the name's exact DER (names with the same DER match the same names), so the issuer name shared by a pile of
 * look-alike certificates is compared with the bucket once, not once per certificate and client.
 *
 * Up to SMALL_INDEX items are kept in a list and scanned instead: the chain of a fresh handshake indexes one
 * or two certificates in each of several indexes, and their keys, buckets and answer maps cost more than
 * scanning (with the same `sameName`, so the answers and their order are the same).
 */
export class NameIndex<T> {
  private names: Name[] | undefined = [];
  private items: T[] | undefined = [];
  private buckets: Map<string, { name: Name; item: T }[]> | undefined;
  private found: Map<string, T[]> | undefined;

  add(name: Name, item: T): void {
    if (this.names && this.items) {
      if (this.names.length < SMALL_INDEX) {
        this.names.push(name);
        this.items.push(item);
        return;
      }
      const [names, items] = [this.names, this.items];
      this.names = this.items = undefined;
      this.buckets = new Map();
      this.found = new Map();
      for (let i = 0; i < names.length; i++) this.addToBucket(names[i], items[i]);
    }
    this.addToBucket(name, item);
  }

  private addToBucket(name: Name, item: T): void {
    const buckets = this.buckets!;
    if (this.found!.size) this.found!.clear();
    const k = coarseKey(name);
    const b = buckets.get(k);
    if (b) b.push({ name, item });
    else buckets.set(k, [{ name, item }]);
  }

  /** The matching items, in the order added (a fresh array: callers may keep or change it). */
  find(name: Name): T[] {
    if (this.names && this.items) {
      const out: T[] = [];
      for (let i = 0; i < this.names.length; i++) if (sameName(this.names[i], name)) out.push(this.items[i]);
      return out;
    }
    const b = this.buckets!.get(coarseKey(name));
    if (!b) return [];
    const der = derText(name);
    let out = this.found!.get(der);
    if (!out) {
      out = [];
      for (const e of b) if (sameName(e.name, name)) out.push(e.item);
      this.found!.set(der, out);
    }
    return out.slice();
  }

  get size(): number {
    if (this.names) return this.names.length;
    let n = 0;
    for (const b of this.buckets!.values()) n += b.length;
    return n;
  }
}

/** Items a NameIndex scans before it buckets them by name. */
const SMALL_INDEX = 8;
