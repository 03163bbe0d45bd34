/**
 * XML signatures, through xml-crypto, with our rules around it.
 *
 * Why xml-crypto (6.x, with @xmldom/xmldom 0.8): it is the XML-DSig implementation the Node SAML stack
 * (node-saml, passport-saml) is built on, so it gets the scrutiny that implies, and its maintainers have
 * closed the signature-bypass classes we care about: KeyInfo is not trusted unless asked (6.0), several
 * SignedInfo or DigestValue elements and comment tricks in SignedInfo are refused (CVE-2025-29774/29775,
 * 6.0.1), duplicate IDs are refused, and after `checkSignature()` it hands back the canonical XML of what
 * was signed (`getSignedReferences()`), so the caller never needs to look the signed element up again.
 * Writing our own canonicaliser would be more code with less review.
 *
 * What we add, because the library verifies a signature and SAML safety needs more than that:
 * - an algorithm allow-list (RSA and ECDSA with SHA-256/384/512; SHA-1 only when asked), with key-type
 *   checks (an RSA signature URI never verifies with an EC key) and ECDSA, RSA-SHA384 and SHA-384, which
 *   xml-crypto does not ship;
 * - a strict shape for each signature (`inspectSignature`): one SignedInfo, one Reference whose URI is
 *   `#ID` of the element the signature sits in, transforms enveloped-signature then at most one of
 *   exclusive or inclusive C14N 1.0 (enveloped alone already means inclusive C14N in XML-DSig, so naming it
 *   is the same thing), never #WithComments, exc-c14n for SignedInfo, no ds:Object, at most
 *   MAX_KEYINFO_CERTIFICATES certificates in KeyInfo;
 * - every candidate key (trusted, then KeyInfo) tried in one `checkSignature()` pass (`checkWithKeys`): the
 *   library parses and searches the whole document with XPath on every call, so one call per key made a
 *   KeyInfo with 800 certificates take minutes;
 * - the signed XML the library returns is parsed again and is the only thing data is read from.
 */

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyLike,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { createRequire } from "node:module";
import { SignedXml } from "xml-crypto";
import { type Certificate, parseCertificate } from "../x509/certificate.js";
import type { SamlCode } from "./findings.js";
import {
  allElements,
  attr,
  child,
  childElements,
  descendants,
  NS,
  parseXml,
  RESPONSE_LIMITS,
  textOf,
  type XmlLimits,
} from "./xml.js";

export const C14N_EXC = "http://www.w3.org/2001/10/xml-exc-c14n#";
export const C14N_INCLUSIVE = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
export const ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
/** KeyInfo certificates read per signature: IdPs send one (at most a short chain); more is refused. */
export const MAX_KEYINFO_CERTIFICATES = 16;
/**
 * Elements in one ds:Signature, itself included. A SAML signature has about a dozen (SignedInfo with its
 * one Reference, KeyInfo with up to MAX_KEYINFO_CERTIFICATES certificates). The library searches the
 * signature's subtree with XPath several times per check, so a signature stuffed with thousands of
 * elements (a fuzzed one held 2,140 DigestMethods) cost a third of a second before any refusal.
 */
export const MAX_SIGNATURE_ELEMENTS = 64;

export interface SignatureAlgorithmInfo {
  uri: string;
  name: string;
  hash: "sha1" | "sha256" | "sha384" | "sha512";
  key: "rsa" | "ec";
}

export const SIGNATURE_ALGORITHMS: SignatureAlgorithmInfo[] = [
  { uri: "http://www.w3.org/2000/09/xmldsig#rsa-sha1", name: "RSA-SHA1", hash: "sha1", key: "rsa" },
  {
    uri: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    name: "RSA-SHA256",
    hash: "sha256",
    key: "rsa",
  },
  {
    uri: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    name: "RSA-SHA384",
    hash: "sha384",
    key: "rsa",
  },
  {
    uri: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    name: "RSA-SHA512",
    hash: "sha512",
    key: "rsa",
  },
  { uri: "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1", name: "ECDSA-SHA1", hash: "sha1", key: "ec" },
  {
    uri: "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    name: "ECDSA-SHA256",
    hash: "sha256",
    key: "ec",
  },
  {
    uri: "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    name: "ECDSA-SHA384",
    hash: "sha384",
    key: "ec",
  },
  {
    uri: "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
    name: "ECDSA-SHA512",
    hash: "sha512",
    key: "ec",
  },
];

export interface DigestAlgorithmInfo {
  uri: string;
  name: string;
  hash: "sha1" | "sha256" | "sha384" | "sha512";
}

export const DIGEST_ALGORITHMS: DigestAlgorithmInfo[] = [
  { uri: "http://www.w3.org/2000/09/xmldsig#sha1", name: "SHA-1", hash: "sha1" },
  { uri: "http://www.w3.org/2001/04/xmlenc#sha256", name: "SHA-256", hash: "sha256" },
  { uri: "http://www.w3.org/2001/04/xmldsig-more#sha384", name: "SHA-384", hash: "sha384" },
  { uri: "http://www.w3.org/2001/04/xmlenc#sha512", name: "SHA-512", hash: "sha512" },
];

/** Names of algorithms we know but never accept, for messages. */
const KNOWN_REFUSED: Record<string, string> = {
  "http://www.w3.org/2000/09/xmldsig#hmac-sha1":
    "HMAC-SHA1 (a shared secret: no certificate can vouch for it)",
  "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1": "RSASSA-PSS with SHA-256",
  "http://www.w3.org/2001/04/xmldsig-more#rsa-md5": "RSA-MD5",
  "http://www.w3.org/2001/04/xmldsig-more#md5": "MD5",
  "http://www.w3.org/2000/09/xmldsig#dsa-sha1": "DSA-SHA1",
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha224": "RSA-SHA224",
  "http://www.w3.org/2001/04/xmldsig-more#sha224": "SHA-224",
  "http://www.w3.org/2001/04/xmlenc#ripemd160": "RIPEMD-160",
};

export function algorithmName(uri: string): string {
  return (
    SIGNATURE_ALGORITHMS.find((a) => a.uri === uri)?.name ??
    DIGEST_ALGORITHMS.find((a) => a.uri === uri)?.name ??
    KNOWN_REFUSED[uri] ??
    uri
  );
}

function toKey(key: KeyLike): KeyObject {
  if (typeof key === "string" || Buffer.isBuffer(key)) return createPublicKey(key);
  return key.type === "private" ? createPublicKey(key) : key;
}

/**
 * Keys to try, in order, when xml-crypto asks the signature algorithm to verify: the first that verifies is
 * recorded. Trying every candidate inside one `checkSignature()` call means the document is parsed, searched
 * and canonicalised once per signature, however many certificates are candidates.
 */
interface Candidates {
  keys: KeyObject[];
  verifiedBy?: number;
}

/** An xml-crypto SignatureAlgorithm for one of ours: raw r||s for ECDSA (XML-DSig 1.1), key type checked. */
function signatureAlgorithmClass(info: SignatureAlgorithmInfo, candidates?: Candidates) {
  return class {
    getSignature(
      signedInfo: string | Buffer,
      privateKey: KeyLike,
      callback?: (e: Error | null, s?: string) => void,
    ): string {
      const k =
        typeof privateKey === "string" || Buffer.isBuffer(privateKey)
          ? createPrivateKey(privateKey)
          : privateKey;
      const s = sign(
        info.hash,
        Buffer.from(signedInfo),
        info.key === "ec" ? { key: k, dsaEncoding: "ieee-p1363" } : k,
      ).toString("base64");
      if (callback) callback(null, s);
      return s;
    }
    verifySignature(material: string, key: KeyLike, signatureValue: string): boolean {
      const keys = candidates ? candidates.keys : [toKey(key)];
      const data = Buffer.from(material, "utf8");
      const value = Buffer.from(signatureValue.replace(/\s+/g, ""), "base64");
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        if (k.asymmetricKeyType !== info.key) continue;
        if (verify(info.hash, data, info.key === "ec" ? { key: k, dsaEncoding: "ieee-p1363" } : k, value)) {
          if (candidates) candidates.verifiedBy = i;
          return true;
        }
      }
      return false;
    }
    getAlgorithmName() {
      return info.uri;
    }
  };
}

function hashAlgorithmClass(info: DigestAlgorithmInfo) {
  return class {
    getHash(xml: string): string {
      return createHash(info.hash).update(xml, "utf8").digest("base64");
    }
    getAlgorithmName() {
      return info.uri;
    }
  };
}

// biome-ignore lint/suspicious/noExplicitAny: xml-crypto's algorithm registries are typed loosely
type Registry = Record<string, any>;

/**
 * Replace xml-crypto's algorithm tables with ours (allow-list; SHA-1 only when allowed). With `candidates`,
 * verification tries each of those keys (see Candidates).
 */
export function installAlgorithms(sx: SignedXml, allowSha1: boolean, candidates?: Candidates): void {
  const sigs: Registry = {};
  for (const a of SIGNATURE_ALGORITHMS)
    if (allowSha1 || a.hash !== "sha1") sigs[a.uri] = signatureAlgorithmClass(a, candidates);
  const hashes: Registry = {};
  for (const a of DIGEST_ALGORITHMS)
    if (allowSha1 || a.hash !== "sha1") hashes[a.uri] = hashAlgorithmClass(a);
  (sx as unknown as { SignatureAlgorithms: Registry }).SignatureAlgorithms = sigs;
  (sx as unknown as { HashAlgorithms: Registry }).HashAlgorithms = hashes;
  // No "#WithComments" variants: comments must never be part of what is signed (they are how NameID
  // truncation attacks hide). Inclusive C14N 1.0 stays: XML-DSig canonicalises a Reference whose last
  // transform is enveloped-signature with it, so a signature may also name it (see inspectSignature).
  const c14n = (sx as unknown as { CanonicalizationAlgorithms: Registry }).CanonicalizationAlgorithms;
  delete c14n["http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"];
  delete c14n["http://www.w3.org/2001/10/xml-exc-c14n#WithComments"];
}

// ---------------------------------------------------------------------------------------------------------
// Shape

export interface SignatureIssue {
  code: SamlCode;
  message: string;
}

export interface SignatureShape {
  element: Element;
  referenceUri?: string;
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
  canonicalization?: string;
  transforms: string[];
  /** Certificates in KeyInfo/X509Data, parsed (those that do not parse are in keyInfoErrors). */
  keyInfoCertificates: Certificate[];
  keyInfoErrors: string[];
  issues: SignatureIssue[];
}

/**
 * Check that a ds:Signature has the one shape SAML uses, and that its single Reference points at `ownerId`
 * (the ID of the element the signature sits in). Every departure is an issue; a signature with issues is
 * not passed to the library.
 */
export function inspectSignature(
  sig: Element,
  ownerId: string | undefined,
  owner: string,
  allowSha1: boolean,
): SignatureShape {
  const issues: SignatureIssue[] = [];
  const shape: SignatureShape = {
    element: sig,
    transforms: [],
    keyInfoCertificates: [],
    keyInfoErrors: [],
    issues,
  };
  const bad = (code: SamlCode, message: string) => issues.push({ code, message });

  const signedInfos = childElements(sig, NS.ds, "SignedInfo");
  const values = childElements(sig, NS.ds, "SignatureValue");
  if (signedInfos.length !== 1)
    bad(
      "saml-signature-unsupported",
      `the ${owner} signature has ${signedInfos.length} SignedInfo elements (one expected)`,
    );
  if (values.length !== 1)
    bad(
      "saml-signature-unsupported",
      `the ${owner} signature has ${values.length} SignatureValue elements (one expected)`,
    );
  if (descendants(sig, NS.ds, "Object").length) {
    bad(
      "saml-xsw",
      `the ${owner} signature holds a ds:Object: SAML signatures carry none, and wrapping attacks hide the signed original there`,
    );
  }
  for (const [local, n] of [
    ["CanonicalizationMethod", 1],
    ["SignatureMethod", 1],
    ["Reference", 1],
    ["DigestMethod", 1],
    ["DigestValue", 1],
  ] as const) {
    const found = descendants(sig, NS.ds, local).length;
    if (found !== n)
      bad(
        local === "Reference" ? "saml-xsw" : "saml-signature-unsupported",
        `the ${owner} signature has ${found} ${local} elements (exactly ${n} expected)`,
      );
  }
  const si = signedInfos[0];
  if (si) {
    const cm = child(si, NS.ds, "CanonicalizationMethod");
    shape.canonicalization = cm ? attr(cm, "Algorithm") : undefined;
    if (shape.canonicalization !== C14N_EXC) {
      bad(
        "saml-signature-unsupported",
        `the ${owner} signature canonicalises with ${shape.canonicalization ?? "nothing"}; only exclusive C14N without comments (${C14N_EXC}) is accepted`,
      );
    }
    const sm = child(si, NS.ds, "SignatureMethod");
    shape.signatureAlgorithm = sm ? attr(sm, "Algorithm") : undefined;
    algorithmIssue(shape.signatureAlgorithm, "signature", owner, allowSha1, bad, true);
    const refs = childElements(si, NS.ds, "Reference");
    const ref = refs[0];
    if (ref) {
      shape.referenceUri = attr(ref, "URI");
      const uri = shape.referenceUri;
      if (uri === undefined || uri === "") {
        bad(
          "saml-xsw",
          `the ${owner} signature's Reference has ${uri === undefined ? "no URI" : 'URI=""'} (the whole document); it must be "#${ownerId ?? "ID"}", the ${owner} it signs`,
        );
      } else if (!uri.startsWith("#")) {
        bad(
          "saml-xsw",
          `the ${owner} signature's Reference URI "${uri}" is not a same-document "#ID" reference`,
        );
      } else if (ownerId === undefined || uri.slice(1) !== ownerId) {
        bad(
          "saml-xsw",
          `the ${owner} signature signs "${uri}", not the ${owner} it is in (ID "${ownerId ?? "(none)"}"): the signed element is not the one that would be read`,
        );
      }
      const transformsEl = childElements(ref, NS.ds, "Transforms");
      const transforms = transformsEl[0] ? childElements(transformsEl[0], NS.ds, "Transform") : [];
      shape.transforms = transforms.map((t) => attr(t, "Algorithm") ?? "");
      const allowed = new Set([ENVELOPED, C14N_EXC, C14N_INCLUSIVE]);
      const seen = new Set<string>();
      for (const t of shape.transforms) {
        if (!allowed.has(t))
          bad(
            "saml-signature-unsupported",
            `the ${owner} signature uses the transform ${t || "(no Algorithm)"}; only enveloped-signature, then exclusive or inclusive C14N 1.0 without comments, are accepted`,
          );
        if (seen.has(t))
          bad("saml-signature-unsupported", `the ${owner} signature lists the transform ${t} twice`);
        seen.add(t);
      }
      if (seen.has(C14N_EXC) && seen.has(C14N_INCLUSIVE))
        bad(
          "saml-signature-unsupported",
          `the ${owner} signature canonicalises its Reference twice (exclusive and inclusive C14N); one is expected`,
        );
      if (!seen.has(ENVELOPED))
        bad(
          "saml-signature-unsupported",
          `the ${owner} signature has no enveloped-signature transform (SAML core 5.4.4 requires it)`,
        );
      for (const t of transforms) {
        for (const c of childElements(t)) {
          // exc-c14n's InclusiveNamespaces PrefixList is the one parameter allowed. xml-crypto, when it
          // signs, also writes one (inert) under the enveloped-signature transform, in that transform's
          // namespace; tolerate that too.
          const inclusive =
            c.localName === "InclusiveNamespaces" &&
            (c.namespaceURI === C14N_EXC || c.namespaceURI === attr(t, "Algorithm"));
          if (!inclusive) {
            bad(
              "saml-signature-unsupported",
              `the ${owner} signature's transform carries a <${c.tagName}> element (XPath and other transform parameters are refused)`,
            );
          }
        }
      }
      const dms = childElements(ref, NS.ds, "DigestMethod");
      shape.digestAlgorithm = dms[0] ? attr(dms[0], "Algorithm") : undefined;
      algorithmIssue(shape.digestAlgorithm, "digest", owner, allowSha1, bad, false);
    }
  }
  const keyInfo = child(sig, NS.ds, "KeyInfo");
  if (keyInfo) {
    const certs = descendants(keyInfo, NS.ds, "X509Certificate");
    if (certs.length > MAX_KEYINFO_CERTIFICATES) {
      bad(
        "saml-signature-unsupported",
        `the ${owner} signature's KeyInfo carries ${certs.length} certificates; IdPs send one, and more than ${MAX_KEYINFO_CERTIFICATES} are refused (none is read)`,
      );
      return shape;
    }
  }
  // Last, so that a more specific refusal above (too many certificates, a second Reference) is the one named.
  const elementCount = allElements(sig).length;
  if (elementCount > MAX_SIGNATURE_ELEMENTS) {
    if (!issues.length) {
      bad(
        "saml-signature-unsupported",
        `the ${owner} signature holds ${elementCount.toLocaleString("en-US")} elements; a SAML signature has about a dozen, and more than ${MAX_SIGNATURE_ELEMENTS} are refused`,
      );
    }
    return shape;
  }
  if (keyInfo) {
    const certs = descendants(keyInfo, NS.ds, "X509Certificate");
    for (const x of certs) {
      const b64 = textOf(x).replace(/\s+/g, "");
      try {
        shape.keyInfoCertificates.push(parseCertificate(new Uint8Array(Buffer.from(b64, "base64"))));
      } catch (e) {
        shape.keyInfoErrors.push(e instanceof Error ? e.message : String(e));
      }
    }
  }
  return shape;
}

function algorithmIssue(
  uri: string | undefined,
  kind: "signature" | "digest",
  owner: string,
  allowSha1: boolean,
  bad: (code: SamlCode, message: string) => void,
  isSignature: boolean,
): void {
  const list: { uri: string; hash: string }[] = isSignature ? SIGNATURE_ALGORITHMS : DIGEST_ALGORITHMS;
  const known = list.find((a) => a.uri === uri);
  if (!uri) {
    bad("saml-signature-unsupported", `the ${owner} signature names no ${kind} algorithm`);
  } else if (!known) {
    bad(
      "saml-unsupported-algorithm",
      `the ${owner} ${kind} algorithm ${algorithmName(uri)}${KNOWN_REFUSED[uri] ? ` (${uri})` : ""} is not accepted (allowed: RSA or ECDSA with SHA-256, SHA-384 or SHA-512)`,
    );
  } else if (known.hash === "sha1" && !allowSha1) {
    bad(
      "saml-weak-algorithm",
      `the ${owner} ${kind} uses SHA-1 (${algorithmName(uri)}); refused unless --allow-sha1 is given`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Verification

export type CheckResult =
  | {
      ok: true;
      signedXml: string;
      signedRoot: Element;
      /** Which of the keys given verified the signature (its index). */
      key: number;
    }
  | { ok: false; reason: "digest" | "signature" | "key" | "error"; message: string };

/**
 * Verify one signature (already shaped by inspectSignature) with the first of `keys` that verifies it, in
 * one pass of the library over the document. `xml` must be the exact text the signature element was parsed
 * from, within `limits`. On success, returns the canonical XML the library reports as signed, parsed again:
 * the caller reads data from `signedRoot` and nothing else.
 */
export function checkWithKeys(
  xml: string,
  sig: Element,
  keys: KeyObject[],
  allowSha1: boolean,
  limits: XmlLimits = RESPONSE_LIMITS,
): CheckResult {
  if (!keys.length) return { ok: false, reason: "key", message: "no key to check the signature with" };
  const candidates: Candidates = { keys };
  const sx = new SignedXml({ publicCert: keys[0] });
  // SAML and metadata reference by ID only, and our shape check ties the reference to the owner's ID.
  sx.idAttributes = ["ID"];
  lookUpReferencesByWalk(sx);
  findLoadedSignatureByWalk(sx);
  installAlgorithms(sx, allowSha1, candidates);
  try {
    sx.loadSignature(sig);
    const ok = sx.checkSignature(xml);
    if (!ok) {
      return {
        ok: false,
        reason: "digest",
        message: "the digest of the signed element does not match: it was changed after signing",
      };
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/signature value .* is incorrect/.test(msg)) {
      return {
        ok: false,
        reason: "signature",
        message: `the signature value does not verify with ${keys.length === 1 ? "this key" : "any of these keys"}`,
      };
    }
    return {
      ok: false,
      reason: "error",
      message: msg.replace(/signature value [A-Za-z0-9+/=\s]+ is/, "signature value is"),
    };
  }
  const refs = sx.getSignedReferences();
  if (refs.length !== 1 || candidates.verifiedBy === undefined)
    return {
      ok: false,
      reason: "error",
      message: `the library reports ${refs.length} signed references (one expected)`,
    };
  // Canonical XML may be several times its source (C14N writes ">" as "&gt;" and CR as "&#xD;"), and the
  // source has passed its own limit: the re-parse only guards against the unforeseen.
  const doc = parseXml(refs[0], "the signed XML", { ...limits, bytes: limits.bytes * 8 });
  return { ok: true, signedXml: refs[0], signedRoot: doc.documentElement!, key: candidates.verifiedBy };
}

// biome-ignore lint/suspicious/noExplicitAny: the library's private members are untyped here
type Untyped = any;

/**
 * xml-crypto finds a Reference's element with the XPath `//*[@*[local-name(.)='ID']='…']`, twice (once to
 * find it, once for its ancestors' namespaces), and the xpath package evaluates that predicate on every
 * attribute of every element: 5,500 elements with two attributes each took 1.4 s. This replaces the
 * library's `validateReference` (6.x) with the same steps, the element found by one walk of the DOM and
 * the XPath it keeps set to the element's position (`/*[1]/*[3]`), which selects it without a search. The
 * rest (canonicalisation, digest) is the library's own. Should the library change shape, its own lookup
 * stays.
 */
function lookUpReferencesByWalk(sx: SignedXml): void {
  const lib = sx as Untyped;
  if (
    typeof lib.validateReference !== "function" ||
    typeof lib.getCanonReferenceXml !== "function" ||
    typeof lib.findHashAlgorithm !== "function"
  ) {
    return;
  }
  lib.validateReference = function validateReference(ref: Untyped, doc: Document): string | undefined {
    const uri: string = ref.uri?.[0] === "#" ? ref.uri.substring(1) : (ref.uri ?? "");
    let elem: Element | undefined;
    if (uri === "") elem = doc.documentElement ?? undefined;
    else {
      const found = elementsWithAttribute(doc, this.idAttributes as string[], uri);
      if (found.length > 1) {
        throw new Error(
          "Cannot validate a document which contains multiple elements with the same value for the ID attribute, in order to prevent signature wrapping attack.",
        );
      }
      elem = found[0];
    }
    if (!elem) {
      ref.validationError = new Error(
        `invalid signature: the signature references an element with uri ${ref.uri} but could not find such element in the xml`,
      );
      return undefined;
    }
    ref.xpath = positionalPath(elem);
    const canonXml: string = this.getCanonReferenceXml(doc, ref, elem);
    const digest: string = this.findHashAlgorithm(ref.digestAlgorithm).getHash(canonXml);
    if (!Buffer.from(digest, "base64").equals(Buffer.from(String(ref.digestValue), "base64"))) {
      ref.validationError = new Error(
        `invalid signature: for uri ${ref.uri} calculated digest is ${digest} but the xml to validate supplies digest ${ref.digestValue}`,
      );
      return undefined;
    }
    return canonXml;
  };
}

const DSIG_NS = "http://www.w3.org/2000/09/xmldsig#";

/**
 * xml-crypto's `findLoadedSignature` (6.x) finds, in its own parse of the document, the Signature elements
 * (any depth, the XML-DSig namespace) with an XPath the xpath package evaluates at ~25 µs an element, once
 * per canonicalisation: with thousands of elements that walk was a third of a check (a fuzzed 250 KB
 * Response took 300 ms). This replaces it with the same rule over one walk of the DOM: the signature being
 * checked when it belongs to this document; otherwise the one Signature whose SignatureValue text equals
 * it, refusing two such copies (a wrapping attempt) as the library does.
 */
function findLoadedSignatureByWalk(sx: SignedXml): void {
  const lib = sx as Untyped;
  if (typeof lib.findLoadedSignature !== "function") return;
  lib.findLoadedSignature = function findLoadedSignature(node: Node): Node | null {
    const doc = (node.ownerDocument ?? node) as Document;
    const loaded = this.signatureNode as Element | null | undefined;
    if (loaded == null || loaded.ownerDocument === doc) return loaded ?? null;
    const value = signatureValueText(loaded);
    if (!value) return null;
    const matches = elementsNamed(doc, DSIG_NS, "Signature").filter((s) => signatureValueText(s) === value);
    if (matches.length > 1) {
      throw new Error(
        "Cannot validate a document which contains multiple Signature elements with the same SignatureValue, in order to prevent signature wrapping attack.",
      );
    }
    return matches[0] ?? null;
  };
}

/** The text of a Signature's first SignatureValue child (any namespace, as the library's findChildren). */
function signatureValueText(signature: Element): string | undefined {
  for (let c = signature.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1 && (c as Element).localName === "SignatureValue") return c.textContent ?? undefined;
  }
  return undefined;
}

/** Every element with this namespace and local name, in document order, in one walk. */
function elementsNamed(doc: Document, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  const stack: Node[] = doc.documentElement ? [doc.documentElement] : [];
  while (stack.length) {
    const el = stack.pop() as Element;
    if (el.localName === localName && el.namespaceURI === ns) out.push(el);
    const children: Node[] = [];
    for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) children.push(c);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return out;
}

/**
 * xml-crypto canonicalises every SignedInfo with the in-scope namespaces of "the first SignedInfo of the
 * document", found with the XPath `//*[local-name()='SignedInfo']` through its utils module: the same
 * ~25 µs-an-element search over the whole document at every check. Answered here by one walk in document
 * order; any other XPath goes to the library unchanged. Installed once per process on the module object the
 * library itself calls (xml-crypto 6 has no `exports` map, so its lib/utils.js is the one it requires).
 */
const SIGNED_INFO_XPATH = "//*[local-name()='SignedInfo']";
function answerSignedInfoLookupByWalk(): void {
  const utils = createRequire(import.meta.url)("xml-crypto/lib/utils.js") as Untyped;
  const original = utils.findAncestorNs;
  if (typeof original !== "function" || typeof utils.findAncestorNsForElement !== "function") return;
  if (original.chainproofWalk) return;
  const replacement = function findAncestorNs(doc: Node, xpathExpr: string, resolver: unknown): unknown {
    if (xpathExpr !== SIGNED_INFO_XPATH || doc == null || typeof doc !== "object") {
      return original(doc, xpathExpr, resolver);
    }
    const d = (doc.ownerDocument ?? doc) as Document;
    const first = firstElementByLocalName(d, "SignedInfo");
    return first ? utils.findAncestorNsForElement(first) : [];
  };
  (replacement as Untyped).chainproofWalk = true;
  utils.findAncestorNs = replacement;
}
answerSignedInfoLookupByWalk();

/** The first element with this local name (any namespace) in document order, or undefined. */
function firstElementByLocalName(doc: Document, localName: string): Element | undefined {
  const stack: Node[] = doc.documentElement ? [doc.documentElement] : [];
  while (stack.length) {
    const el = stack.pop() as Element;
    if (el.localName === localName) return el;
    const children: Node[] = [];
    for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) children.push(c);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return undefined;
}

/** Every element of the document carrying one of `names` (as a local name) with this value, in one walk. */
function elementsWithAttribute(doc: Document, names: string[], value: string): Element[] {
  const out: Element[] = [];
  const stack: Node[] = doc.documentElement ? [doc.documentElement] : [];
  while (stack.length) {
    const el = stack.pop() as Element;
    for (let i = 0; i < el.attributes.length; i++) {
      const a = el.attributes.item(i)!;
      if (a.value === value && names.includes(a.localName ?? a.name)) {
        out.push(el);
        break;
      }
    }
    for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) stack.push(c);
  }
  return out;
}

/** `/*[1]/*[3]…`: the XPath of an element by its position among its parent's element children. */
function positionalPath(el: Element): string {
  const steps: string[] = [];
  for (let n: Node | null = el; n && n.nodeType === 1; n = n.parentNode) {
    let position = 1;
    for (let p = n.previousSibling; p; p = p.previousSibling) if (p.nodeType === 1) position++;
    steps.push(`/*[${position}]`);
  }
  return steps.reverse().join("");
}

/** Sign for tests and the examples script: xml-crypto's SignedXml with our algorithm tables installed. */
export function newSigner(options: ConstructorParameters<typeof SignedXml>[0], allowSha1 = true): SignedXml {
  const sx = new SignedXml(options);
  installAlgorithms(sx, allowSha1);
  return sx;
}
