/**
 * Turning what a user pastes into one XML document we are willing to read, and small DOM helpers.
 *
 * Limits, before any XML parser sees a byte:
 * - size: a SAML Response is a few kilobytes; we refuse more than `MAX_MESSAGE_BYTES` (1 MiB) of XML, and
 *   inflate Redirect-binding input with the same output cap (no deflate bomb).
 * - encoding: UTF-8 only (a BOM is dropped); an XML declaration naming another encoding is refused.
 * - DTDs: any `<!DOCTYPE` or `<!ENTITY` is refused by a plain text scan, so no entity (internal, external,
 *   parameter) can ever be declared, expanded or fetched: XXE and "billion laughs" need a DTD.
 * - parsing: @xmldom/xmldom with every warning and error made fatal (xmldom otherwise recovers from broken
 *   markup, and a lenient parse is where parser differentials, and so signature bypasses, come from).
 * - shape, by a linear scan of the text before the DOM parse (`scanMarkup`), so a hostile document is
 *   refused in milliseconds instead of after a full parse:
 *   - at most `MAX_DEPTH` nested elements (canonicalisation is recursive);
 *   - at most `MAX_ATTRIBUTES` attributes on one element (xmldom's attribute and namespace handling grows
 *     faster than linearly with them);
 *   - at most `MAX_COMMENTS` comments and processing instructions (xml-crypto removes each comment from a
 *     copy of the signed element, and each removal rebuilds its parent's child list: 20,000 comments took
 *     21 s; SAML from an IdP carries none);
 *   - at most `MAX_ELEMENT_NAMES` distinct element names (xmldom searches the rest of the text backwards
 *     once per distinct name of an element that is not self-closed: 12,000 names in 900 KB took 6.5 s);
 *   - at most `XmlLimits.elements` elements: 10,000 in a Response (real ones hold a few dozen, a few
 *     thousand with large group attributes), and for metadata 8,192 plus one per 64 bytes (aggregates
 *     average over 100 bytes per element). Each element costs xml-crypto (which parses the document again
 *     and searches all of it with XPath for every signature) a fixed amount of time: this cap bounds it.
 */

import { inflateRawSync } from "node:zlib";
import { DOMParser } from "@xmldom/xmldom";
import { InputError } from "../x509/errors.js";

export const MAX_MESSAGE_BYTES = 1024 * 1024;
export const MAX_DEPTH = 64;
export const MAX_ATTRIBUTES = 256;
export const MAX_ELEMENT_NAMES = 256;
export const MAX_COMMENTS = 256;
export const MAX_RESPONSE_ELEMENTS = 10_000;

/** What one document may hold: its size in UTF-8 bytes, and its number of elements. */
export interface XmlLimits {
  bytes: number;
  elements: number;
}

export const RESPONSE_LIMITS: XmlLimits = { bytes: MAX_MESSAGE_BYTES, elements: MAX_RESPONSE_ELEMENTS };

export const NS = {
  protocol: "urn:oasis:names:tc:SAML:2.0:protocol",
  assertion: "urn:oasis:names:tc:SAML:2.0:assertion",
  metadata: "urn:oasis:names:tc:SAML:2.0:metadata",
  ds: "http://www.w3.org/2000/09/xmldsig#",
  xenc: "http://www.w3.org/2001/04/xmlenc#",
} as const;

/** Input we refuse to read at all. `code` is a stable finding code (saml-doctype, saml-malformed, …). */
export class SamlInputError extends InputError {
  override name = "SamlInputError";
  constructor(code: string, message: string) {
    super(message, code);
  }
}

export type Binding = "xml" | "post" | "redirect";

export interface DecodedMessage {
  xml: string;
  /** How the message reached us: raw XML, base64 (HTTP-POST binding) or deflate + base64 (HTTP-Redirect). */
  binding: Binding;
  /** The input was a form or query string (`SAMLResponse=…&RelayState=…`). */
  form: boolean;
  /** Other parameters of a form or query string (RelayState, SigAlg, Signature), values as decoded. */
  parameters: Record<string, string>;
}

/**
 * Decode a SAML message as a user may hold it: XML; base64 of XML (POST binding, what the browser posts);
 * base64 of raw-deflated XML (Redirect binding); any of those URL-encoded, or as a whole form body or query
 * string `SAMLResponse=…&RelayState=…` (an optional leading `?` or URL is dropped).
 */
export function decodeMessage(bytes: Uint8Array, field = "SAMLResponse"): DecodedMessage {
  if (bytes.length > MAX_MESSAGE_BYTES * 2) {
    throw new SamlInputError("saml-too-large", `the input is larger than ${mib(MAX_MESSAGE_BYTES * 2)}`);
  }
  let text = utf8(bytes).replace(/^\uFEFF/, "");
  const trimmed = text.trim();
  if (trimmed === "") throw new SamlInputError("saml-malformed", "the input is empty");
  if (trimmed.startsWith("<"))
    return { xml: checkXmlText(text), binding: "xml", form: false, parameters: {} };

  let form = false;
  const parameters: Record<string, string> = {};
  text = trimmed;
  const q = text.indexOf("?");
  const fieldAt = new RegExp(`(^|[?&])${field}=`).exec(text);
  if (fieldAt) {
    form = true;
    const query = q >= 0 && q < fieldAt.index + 1 ? text.slice(q + 1) : text;
    const params = new URLSearchParams(query.replace(/\s+/g, ""));
    const values = params.getAll(field);
    if (values.length !== 1) {
      throw new SamlInputError("saml-malformed", `the form holds ${values.length} ${field} parameters`);
    }
    for (const [k, v] of params) if (k !== field) parameters[k] = v;
    // A body pasted without URL encoding has "+" turned into " " by form decoding: put them back.
    text = values[0].replace(/ /g, "+");
  } else if (/%[0-9A-Fa-f]{2}/.test(text)) {
    try {
      text = decodeURIComponent(text);
    } catch {
      throw new SamlInputError("saml-malformed", "the input is neither XML nor base64 (bad URL encoding)");
    }
  }
  const b64 = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64) || b64.length % 4 === 1) {
    throw new SamlInputError(
      "saml-malformed",
      "the input is neither XML nor base64 (POST binding) nor a SAMLResponse=… form body",
    );
  }
  const raw = Buffer.from(b64.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (raw.length > MAX_MESSAGE_BYTES) {
    throw new SamlInputError(
      "saml-too-large",
      `the decoded message is larger than ${mib(MAX_MESSAGE_BYTES)}`,
    );
  }
  const asText = utf8Lenient(raw);
  if (
    asText
      .replace(/^\uFEFF/, "")
      .trimStart()
      .startsWith("<")
  ) {
    return { xml: checkXmlText(utf8(raw).replace(/^\uFEFF/, "")), binding: "post", form, parameters };
  }
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(raw, { maxOutputLength: MAX_MESSAGE_BYTES });
  } catch (e) {
    const tooBig = (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || /larger/i.test(String(e));
    throw new SamlInputError(
      tooBig ? "saml-too-large" : "saml-malformed",
      tooBig
        ? `the inflated message is larger than ${mib(MAX_MESSAGE_BYTES)}`
        : "the input is not XML, and read as base64 it is neither XML (POST binding) nor deflated XML (Redirect binding)",
    );
  }
  const xml = utf8(inflated).replace(/^\uFEFF/, "");
  if (!xml.trimStart().startsWith("<")) {
    throw new SamlInputError("saml-malformed", "the deflated data is not XML");
  }
  return { xml: checkXmlText(xml), binding: "redirect", form, parameters };
}

/** The text checks that run before any parser: size, encoding declaration, no DTD. */
export function checkXmlText(xml: string, max = MAX_MESSAGE_BYTES): string {
  if (Buffer.byteLength(xml, "utf8") > max) {
    throw new SamlInputError("saml-too-large", `the XML is larger than ${mib(max)}`);
  }
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) {
    throw new SamlInputError(
      "saml-doctype",
      "the XML has a DOCTYPE (document type declaration): refused, as SAML messages never carry one and a DTD is how XXE and entity-expansion attacks work",
    );
  }
  const decl = /^\s*<\?xml\s[^>]*encoding\s*=\s*["']([^"']+)["']/.exec(xml);
  if (decl && !/^(utf-?8|us-ascii)$/i.test(decl[1])) {
    throw new SamlInputError("saml-malformed", `the XML declares encoding "${decl[1]}"; only UTF-8 is read`);
  }
  return xml;
}

/**
 * Parse XML strictly. Throws SamlInputError("saml-malformed") on any parser warning or error, on a DTD (which
 * checkXmlText already refuses), and SamlInputError("saml-too-large") when `scanMarkup` finds the document
 * too deep, too wide or too many elements, before the DOM parse starts.
 */
export function parseXml(xml: string, what = "the XML", limits: XmlLimits = RESPONSE_LIMITS): Document {
  checkXmlText(xml, limits.bytes);
  scanMarkup(xml, what, limits.elements);
  // The first warning or error ends the parse: xmldom would otherwise go on through a broken document, and
  // its recovery (text appended where the document allows none) grows faster than linearly.
  const problems: string[] = [];
  const record = (msg: unknown) => {
    problems.push(
      String(msg)
        .split("\n")[0]
        .replace(/^\[xmldom \w+\]\s*/, ""),
    );
    throw new SamlInputError("saml-malformed", `${what} is not well-formed: ${problems[0]}`);
  };
  let doc: Document;
  try {
    doc = new DOMParser({
      locator: {},
      errorHandler: { warning: record, error: record, fatalError: record },
    }).parseFromString(xml, "text/xml");
  } catch (e) {
    throw new SamlInputError(
      "saml-malformed",
      `${what} is not well-formed: ${problems[0] ?? (e instanceof Error ? e.message : e)}`,
    );
  }
  if (!doc?.documentElement) throw new SamlInputError("saml-malformed", `${what} has no root element`);
  for (let n: Node | null = doc.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 10) throw new SamlInputError("saml-doctype", `${what} has a DOCTYPE: refused`);
  }
  return doc;
}

/**
 * One pass over the markup, in linear time, counting elements, nesting depth, attributes, element names,
 * comments and processing instructions against the limits above. It reads only what it needs to skip
 * correctly (comments, CDATA, processing instructions, quoted attribute values, which may hold ">").
 * Well-formedness is the parser's job, except for markup the scan cannot get past (never closed, or an end
 * tag before its start tag): that is refused here, as the parser would only refuse it after reading the rest.
 */
export function scanMarkup(
  xml: string,
  what = "the XML",
  maxElements = MAX_RESPONSE_ELEMENTS,
): { elements: number; depth: number } {
  const names = new Set<string>();
  let elements = 0;
  let comments = 0;
  const comment = () => {
    if (++comments > MAX_COMMENTS) {
      throw new SamlInputError(
        "saml-too-large",
        `${what} has more than ${MAX_COMMENTS} comments and processing instructions: refused before parsing`,
      );
    }
  };
  let depth = 0;
  let deepest = 0;
  let i = xml.indexOf("<");
  while (i >= 0 && i < xml.length) {
    const next = xml.charCodeAt(i + 1);
    if (next === 0x21 /* ! */) {
      // Comment, CDATA (a DOCTYPE was refused by the text checks).
      const close = xml.startsWith("<!--", i) ? "-->" : xml.startsWith("<![CDATA[", i) ? "]]>" : ">";
      if (close === "-->") comment();
      const end = xml.indexOf(close, i + 2);
      if (end < 0)
        unterminated(
          what,
          close === "-->" ? "a comment" : close === "]]>" ? "a CDATA section" : "a declaration",
        );
      i = xml.indexOf("<", end + close.length);
    } else if (next === 0x3f /* ? */) {
      comment();
      const end = xml.indexOf("?>", i + 2);
      if (end < 0) unterminated(what, "a processing instruction");
      i = xml.indexOf("<", end + 2);
    } else if (next === 0x2f /* / */) {
      // An end tag with no start tag would let the nesting below it go deeper than counted.
      if (--depth < 0) {
        throw new SamlInputError("saml-malformed", `${what} is not well-formed: an end tag has no start tag`);
      }
      const end = xml.indexOf(">", i + 2);
      if (end < 0) unterminated(what, "an end tag");
      i = xml.indexOf("<", end + 1);
    } else {
      const tag = scanStartTag(xml, i);
      if (tag.end < 0) unterminated(what, "a start tag");
      if (++elements > maxElements) {
        throw new SamlInputError(
          "saml-too-large",
          `${what} has more than ${maxElements.toLocaleString("en-US")} elements: refused before parsing`,
        );
      }
      if (!tag.empty) {
        names.add(tag.name);
        if (names.size > MAX_ELEMENT_NAMES) {
          throw new SamlInputError(
            "saml-too-large",
            `${what} uses more than ${MAX_ELEMENT_NAMES} distinct element names: refused before parsing`,
          );
        }
      }
      if (tag.attributes > MAX_ATTRIBUTES) {
        throw new SamlInputError(
          "saml-too-large",
          `${what} has an element with more than ${MAX_ATTRIBUTES} attributes: refused before parsing`,
        );
      }
      if (!tag.empty && ++depth > deepest) {
        deepest = depth;
        if (depth > MAX_DEPTH) {
          throw new SamlInputError(
            "saml-too-large",
            `${what} nests elements more than ${MAX_DEPTH} deep: refused before parsing`,
          );
        }
      }
      i = xml.indexOf("<", tag.end + 1);
    }
  }
  return { elements, depth: deepest };
}

/** Markup the scan cannot skip is not well-formed: said now, rather than after a lenient parse of the rest. */
function unterminated(what: string, thing: string): never {
  throw new SamlInputError("saml-malformed", `${what} is not well-formed: ${thing} is not closed`);
}

/** Space, tab, CR, LF, "/" and ">": what ends an element name in a start tag. */
const ENDS_NAME = new Set([0x20, 0x09, 0x0d, 0x0a, 0x2f, 0x3e]);

interface StartTag {
  /** The index of its ">", -1 when it has none. */
  end: number;
  name: string;
  attributes: number;
  /** `<x/>`. */
  empty: boolean;
}

/** The start tag at `start`: where it ends, its name, its attribute count, and whether it is `<x/>`. */
function scanStartTag(xml: string, start: number): StartTag {
  let attributes = 0;
  let i = start + 1;
  while (i < xml.length && !ENDS_NAME.has(xml.charCodeAt(i))) i++;
  const name = xml.slice(start + 1, i);
  while (i < xml.length) {
    const c = xml.charCodeAt(i);
    if (c === 0x22 /* " */ || c === 0x27 /* ' */) {
      const close = xml.indexOf(c === 0x22 ? '"' : "'", i + 1);
      if (close < 0) return { end: -1, name, attributes, empty: false };
      i = close + 1;
      continue;
    }
    if (c === 0x3d /* = */) attributes++;
    else if (c === 0x3e /* > */) return { end: i, name, attributes, empty: xml.charCodeAt(i - 1) === 0x2f };
    else if (c === 0x3c /* < */) return { end: -1, name, attributes, empty: false };
    i++;
  }
  return { end: -1, name, attributes, empty: false };
}

// ---------------------------------------------------------------------------------------------------------
// DOM helpers (namespace-aware: prefixes are the document's choice, never ours to trust)

export function isElement(n: Node | null | undefined): n is Element {
  return !!n && n.nodeType === 1;
}

export function is(el: Node | null | undefined, ns: string, local: string): boolean {
  return isElement(el) && el.namespaceURI === ns && el.localName === local;
}

/** Element children, optionally only those with this namespace and local name. */
export function childElements(el: Node, ns?: string, local?: string): Element[] {
  const out: Element[] = [];
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (!isElement(c)) continue;
    if (ns !== undefined && (c.namespaceURI !== ns || c.localName !== local)) continue;
    out.push(c);
  }
  return out;
}

export function child(el: Node, ns: string, local: string): Element | undefined {
  return childElements(el, ns, local)[0];
}

/** Every element below `root` (itself included), in document order, without recursion. */
export function allElements(root: Element): Element[] {
  const out: Element[] = [];
  const stack: Element[] = [root];
  while (stack.length) {
    const el = stack.pop()!;
    out.push(el);
    const kids = childElements(el);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return out;
}

/** Every element below a root, walked once, and looked up by namespace and local name without a new walk. */
export interface ElementIndex {
  all: Element[];
  named(ns: string, local: string): Element[];
}

export function indexElements(root: Element): ElementIndex {
  const all = allElements(root);
  const byName = new Map<string, Element[]>();
  for (const e of all) {
    const key = `${e.namespaceURI ?? ""} ${e.localName}`;
    const list = byName.get(key);
    if (list) list.push(e);
    else byName.set(key, [e]);
  }
  return { all, named: (ns, local) => byName.get(`${ns} ${local}`) ?? [] };
}

export function descendants(root: Element, ns: string, local: string): Element[] {
  return allElements(root).filter((e) => e.namespaceURI === ns && e.localName === local);
}

/**
 * The whole text content of an element: every text and CDATA node below it, joined, comments skipped. This
 * is what exclusive canonicalisation (without comments) signs, so it is the value a signature vouches for;
 * readers that take only the first text node are what CVE-2017-11428 exploited.
 */
export function textOf(el: Element): string {
  let s = "";
  const stack: Node[] = [el];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.nodeType === 3 || n.nodeType === 4) s += (n as CharacterData).data;
    const kids: Node[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) kids.push(c);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return s;
}

/** True when a comment node sits anywhere below `el`. */
export function hasComment(el: Element): boolean {
  const stack: Node[] = [el];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.nodeType === 8) return true;
    for (let c = n.firstChild; c; c = c.nextSibling) stack.push(c);
  }
  return false;
}

/** The first text node's data: what a naive reader takes (used only to show what such a reader would see). */
export function firstTextOf(el: Element): string {
  for (let c = el.firstChild; c; c = c.nextSibling)
    if (c.nodeType === 3 || c.nodeType === 4) return (c as CharacterData).data;
  return "";
}

export function attr(el: Element, name: string): string | undefined {
  return el.hasAttribute(name) ? el.getAttribute(name)! : undefined;
}

/** "samlp:Response" style label for messages: the prefix as written, for the user to find it. */
export function label(el: Element): string {
  return el.tagName;
}

/** Bytes that must be XML text (metadata files): UTF-8, BOM dropped, DTD refused. */
export function xmlFromBytes(bytes: Uint8Array, max: number): string {
  if (bytes.length > max) throw new SamlInputError("saml-too-large", `the input is larger than ${mib(max)}`);
  const text = utf8(bytes).replace(/^\uFEFF/, "");
  if (!text.trimStart().startsWith("<")) throw new SamlInputError("saml-malformed", "the input is not XML");
  return checkXmlText(text, max);
}

function utf8(b: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(b);
  } catch {
    throw new SamlInputError("saml-malformed", "the input is not valid UTF-8");
  }
}

function utf8Lenient(b: Uint8Array): string {
  return new TextDecoder("utf-8").decode(b.subarray(0, 64));
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(0)} MiB`;
}
