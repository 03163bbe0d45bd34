/**
 * Validate a SAML 2.0 Response the way a strict SP (Salesforce) does, step by step, saying exactly which
 * step fails and how to fix it.
 *
 * Order of work, and why:
 * 1. decode (XML, POST base64, Redirect deflate, form body) with size limits; refuse any DOCTYPE before
 *    parsing; parse strictly (xml.ts);
 * 2. structure, on the document as received: exactly one Response (the root) and at most one Assertion,
 *    a direct child of it; IDs unique; ds:Signature only directly in the Response or the Assertion; no
 *    comments inside values. These refuse the signature-wrapping family (XSW1–XSW8) whatever the library
 *    does, because each of those attacks needs a second copy of a signed element or a signature that
 *    points somewhere else;
 * 3. each signature's shape (dsig.ts: one Reference, URI = "#" + the ID of the element it sits in,
 *    enveloped + exc-c14n, allowed algorithms), then xml-crypto verifies it with each trusted key;
 * 4. the data we check and report is read from the XML xml-crypto returns as signed
 *    (`getSignedReferences()`), parsed again, never from the original document: the Assertion from its own
 *    signature if it has one, else from inside the signed Response. Response-level fields (Destination,
 *    InResponseTo, Status) come from the signed Response when it is signed, else from the unsigned envelope,
 *    and the report says so.
 */

import type { KeyObject } from "node:crypto";
import type { Certificate } from "../x509/certificate.js";
import { InputError } from "../x509/errors.js";
import { describeCert, fingerprint, sameCert, sameKey, shortFingerprint, validityAt } from "./certs.js";
import {
  algorithmName,
  type CheckResult,
  checkWithKeys,
  inspectSignature,
  type SignatureShape,
} from "./dsig.js";
import { finding, type SamlCode, type SamlFinding } from "./findings.js";
import type { IdpEntity } from "./metadata.js";
import {
  attr,
  type Binding,
  child,
  childElements,
  decodeMessage,
  type ElementIndex,
  firstTextOf,
  hasComment,
  indexElements,
  is,
  NS,
  parseXml,
  SamlInputError,
  textOf,
} from "./xml.js";

export const DEFAULT_SKEW_SECONDS = 180;
const SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success";
const BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const ENTITY_FORMAT = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";

export interface VerifyOptions {
  /** Certificates the SP has configured for the IdP (--cert). */
  trusted?: Certificate[];
  /**
   * IdPs from metadata (--metadata): Issuer must be an entityID, and a signer is said to be listed or not;
   * their signing certificates are the trusted ones when `trusted` is not given.
   */
  metadata?: IdpEntity[];
  spEntityId?: string;
  acs?: string;
  requestId?: string;
  /** Expected IdP entity ID (Issuer). */
  issuer?: string;
  at?: Date;
  skewSeconds?: number;
  allowSha1?: boolean;
}

export type StepStatus = "pass" | "fail" | "warn" | "skip" | "info";

export type StepId =
  | "decode"
  | "structure"
  | "status"
  | "signature-present"
  | "signature-valid"
  | "signing-certificate"
  | "issuer"
  | "audience"
  | "recipient"
  | "destination"
  | "in-response-to"
  | "time"
  | "subject-confirmation"
  | "authn-statement"
  | "name-id";

export const STEP_TITLES: Record<StepId, string> = {
  decode: "Decode",
  structure: "Structure (signature wrapping, IDs)",
  status: "Status",
  "signature-present": "Signature present",
  "signature-valid": "Signature valid",
  "signing-certificate": "Signing certificate",
  issuer: "Issuer",
  audience: "Audience",
  recipient: "Recipient",
  destination: "Destination",
  "in-response-to": "InResponseTo",
  time: "Validity period",
  "subject-confirmation": "Subject confirmation (bearer)",
  "authn-statement": "Authentication statement",
  "name-id": "NameID",
};

export interface Step {
  id: StepId;
  status: StepStatus;
  /** What was found (and expected), one line each. Values are message data, never markup. */
  details: string[];
}

export interface SignatureReport {
  on: "response" | "assertion";
  referenceUri?: string;
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
  canonicalization?: string;
  transforms: string[];
  /** Verified with a trusted (configured or metadata) certificate. */
  valid: boolean;
  /** The certificate whose key verified it: trusted, or (on a mismatch) the one from KeyInfo. */
  signer?: Certificate;
  signerTrusted: boolean;
  keyInfoCertificates: Certificate[];
  problem?: string;
}

export interface SubjectConfirmationFacts {
  method: string;
  recipient?: string;
  notBefore?: string;
  notOnOrAfter?: string;
  inResponseTo?: string;
  address?: string;
}

export interface AssertionFacts {
  id?: string;
  issueInstant?: string;
  issuer?: string;
  nameId?: { value: string; format?: string; spNameQualifier?: string; nameQualifier?: string };
  subjectConfirmations: SubjectConfirmationFacts[];
  conditions?: { notBefore?: string; notOnOrAfter?: string; audiences: string[][]; oneTimeUse: boolean };
  authn?: {
    authnInstant?: string;
    sessionIndex?: string;
    sessionNotOnOrAfter?: string;
    contextClass?: string;
  };
  attributes: { name: string; friendlyName?: string; values: string[] }[];
}

export interface ResponseFacts {
  id?: string;
  version?: string;
  issueInstant?: string;
  destination?: string;
  inResponseTo?: string;
  issuer?: string;
  status: { code?: string; subCode?: string; message?: string };
}

export type DataSource =
  /** Read from XML that a trusted key signed. */
  | "signed"
  /** Read from XML signed by a key the SP does not trust (shown to help, not to be relied on). */
  | "signed-untrusted"
  /** No signature verified: read from the document as received. */
  | "unverified";

export interface ResponseReport {
  valid: boolean;
  at: Date;
  skewSeconds: number;
  input: { binding: Binding; form: boolean; relayState?: string };
  response?: ResponseFacts;
  /** Where Response-level fields were read from. */
  responseSource?: DataSource | "unsigned-envelope";
  assertion?: AssertionFacts;
  assertionSource?: DataSource;
  signatures: SignatureReport[];
  /** The certificates the SP trusts for this check (--cert, then metadata signing certificates). */
  trusted: Certificate[];
  steps: Step[];
  findings: SamlFinding[];
}

/** Raised for input that is not a SAML Response at all (exit 2), as opposed to a Response that fails. */
export class NotAResponseError extends InputError {
  override name = "NotAResponseError";
}

type StepFinding = SamlFinding & { step: StepId };

/** Validate a Response given as bytes in any of the forms decodeMessage reads. */
export function verifyResponse(bytes: Uint8Array, opts: VerifyOptions = {}): ResponseReport {
  const at = opts.at ?? new Date();
  const skewSeconds = opts.skewSeconds ?? DEFAULT_SKEW_SECONDS;
  const trusted = trustedCertificates(opts);
  const found: StepFinding[] = [];
  const details = new Map<StepId, string[]>();
  const unverifiedSteps = new Set<StepId>();
  const say = (step: StepId, line: string) => {
    const lines = details.get(step);
    if (lines) lines.push(line);
    else details.set(step, [line]);
  };
  const add = (
    step: StepId,
    code: SamlCode,
    severity: SamlFinding["severity"],
    message: string,
    fix?: string,
    data?: Record<string, unknown>,
  ) => found.push({ ...finding(code, severity, message, fix, data), step });

  const report: ResponseReport = {
    valid: false,
    at,
    skewSeconds,
    input: { binding: "xml", form: false },
    signatures: [],
    trusted,
    steps: [],
    findings: [],
  };
  const finish = (): ResponseReport => {
    const order = { error: 0, warning: 1, info: 2 } as const;
    report.findings = [...found]
      .sort((x, y) => order[x.severity] - order[y.severity])
      .map(({ step: _s, ...f }) => f);
    report.steps = buildSteps(found, details, unverifiedSteps);
    report.valid = !found.some((f) => f.severity === "error");
    return report;
  };

  // ---- 1. Decode and parse
  let xml: string;
  let doc: Document;
  try {
    const m = decodeMessage(bytes);
    report.input = {
      binding: m.binding,
      form: m.form,
      ...(m.parameters.RelayState !== undefined ? { relayState: m.parameters.RelayState } : {}),
    };
    xml = m.xml;
    say("decode", bindingText(m.binding, m.form));
    if (m.binding === "redirect") {
      add(
        "decode",
        "saml-redirect-binding",
        "warning",
        "the Response came deflated (HTTP-Redirect binding): the Web Browser SSO profile allows only POST (or Artifact) for Responses, and a query-string signature (SigAlg/Signature parameters) is not checked here",
      );
    }
    doc = parseXml(xml, "the Response");
  } catch (e) {
    if (e instanceof SamlInputError && e.code === "saml-doctype") {
      add(
        "decode",
        "saml-doctype",
        "error",
        e.message,
        "the IdP never sends a DOCTYPE: this message was crafted or altered; do not accept it",
      );
      return finish();
    }
    throw e;
  }
  const root = doc.documentElement!;
  if (!is(root, NS.protocol, "Response")) {
    throw new NotAResponseError(
      `not a SAML 2.0 Response: the root element is <${root.tagName}>${root.namespaceURI ? ` (${root.namespaceURI})` : ""}; expected samlp:Response in ${NS.protocol}`,
    );
  }

  // ---- 2. Structure on the received document
  const responseId = attr(root, "ID");
  if (!responseId) add("structure", "saml-malformed", "error", "the Response has no ID attribute");
  const version = attr(root, "Version");
  if (version !== "2.0")
    add(
      "structure",
      "saml-malformed",
      "error",
      `the Response's Version is "${version ?? "(none)"}", not "2.0"`,
    );
  const elements = indexElements(root);
  const responses = elements.named(NS.protocol, "Response");
  if (responses.length > 1) {
    add(
      "structure",
      "saml-xsw",
      "error",
      `the document holds ${responses.length} Response elements: a signed Response copied inside another one is signature wrapping (XSW1/XSW2)`,
      REFUSE_FIX,
    );
  }
  const assertions = elements.named(NS.assertion, "Assertion");
  const encrypted = elements.named(NS.assertion, "EncryptedAssertion");
  let assertionEl: Element | undefined;
  if (assertions.length > 1) {
    const where = assertions
      .map((a) => `#${attr(a, "ID") ?? "?"} in <${(a.parentNode as Element).tagName}>`)
      .join(", ");
    add(
      "structure",
      "saml-xsw",
      "error",
      `the Response holds ${assertions.length} Assertion elements (${where}): a second copy of a signed Assertion is signature wrapping (XSW3–XSW8); exactly one is accepted`,
      REFUSE_FIX,
    );
  } else if (assertions.length === 1) {
    assertionEl = assertions[0];
    if (!attr(assertionEl, "ID"))
      add("structure", "saml-malformed", "error", "the Assertion has no ID attribute");
  }
  for (const a of assertions) {
    if (a.parentNode !== root) {
      add(
        "structure",
        "saml-xsw",
        "error",
        `the Assertion${attr(a, "ID") ? ` #${attr(a, "ID")}` : ""} sits inside <${(a.parentNode as Element).tagName}>, not directly in the Response: a hidden signed Assertion is signature wrapping`,
        REFUSE_FIX,
      );
    }
  }
  if (encrypted.length) {
    add(
      "structure",
      "saml-encrypted-assertion",
      "error",
      "the Assertion is encrypted (EncryptedAssertion): its contents can only be checked with the SP's private key, which chainproof does not take",
      "check the IdP's signing and the other steps with an unencrypted test Response (turn assertion encryption off for a test)",
    );
  }
  singleChildren(root, assertions.length === 1 ? assertionEl : undefined, add);
  duplicateIds(elements.all, add);
  commentsInValues(elements, add);

  // Signatures: where they are.
  let responseSig: Element | undefined;
  let assertionSig: Element | undefined;
  const signatures = elements.named(NS.ds, "Signature");
  for (const sig of signatures) {
    const parent = sig.parentNode as Element;
    if (parent === root && !responseSig) responseSig = sig;
    else if (assertionEl && parent === assertionEl && !assertionSig) assertionSig = sig;
    else if (is(parent, NS.assertion, "Assertion") && parent !== assertionEl) {
      // One of several Assertions (already refused): still say what its signature points at.
      for (const i of inspectSignature(sig, attr(parent, "ID"), "Assertion", true).issues) {
        if (i.code === "saml-xsw") add("structure", i.code, "error", i.message, REFUSE_FIX);
      }
    } else {
      add(
        "structure",
        "saml-xsw",
        "error",
        `a Signature sits in <${parent.tagName}>${attr(parent, "ID") ? ` (#${attr(parent, "ID")})` : ""}: SAML signatures belong directly in the Response or the Assertion, one each; anything else is signature wrapping`,
        REFUSE_FIX,
      );
    }
  }
  say(
    "structure",
    `${responses.length} Response, ${assertions.length} Assertion${encrypted.length ? `, ${encrypted.length} EncryptedAssertion` : ""}; ${signatures.length} Signature element(s)`,
  );

  // ---- 3. Signatures
  // A wrapped or ambiguous document is not handed to the library at all; an encrypted Assertion is not a
  // reason to skip checking the Response's own signature.
  const structureBroken = found.some(
    (f) => f.step === "structure" && f.severity === "error" && f.code !== "saml-encrypted-assertion",
  );
  const sigReports: { rep: SignatureReport; result?: CheckResult & { ok: true } }[] = [];
  // An encrypted Assertion carries its own signature inside the encryption (IdPs sign, then encrypt): it
  // cannot be seen here, so it is neither reported as present nor as missing.
  const assertionSigned = assertionSig
    ? "the Assertion is signed"
    : encrypted.length
      ? "the Assertion is encrypted: IdPs sign it inside the encryption, and that signature can only be checked with the SP's private key"
      : assertionEl
        ? "the Assertion is not signed"
        : "there is no Assertion";
  if (!responseSig && !assertionSig && !encrypted.length) {
    add(
      "signature-present",
      "saml-signature-missing",
      "error",
      "neither the Response nor the Assertion is signed: an SP must refuse it",
      "have the IdP sign the Assertion (or the Response, or both) with its signing certificate",
    );
  } else {
    say(
      "signature-present",
      `${responseSig ? "the Response is signed" : "the Response is not signed"}; ${assertionSigned}`,
    );
    if (encrypted.length && !assertionSig) unverifiedSteps.add("signature-present");
  }
  for (const [on, sig, owner] of [
    ["response", responseSig, root],
    ["assertion", assertionSig, assertionEl],
  ] as const) {
    if (!sig || !owner) continue;
    const shape = inspectSignature(
      sig,
      attr(owner, "ID"),
      on === "response" ? "Response" : "Assertion",
      opts.allowSha1 ?? false,
    );
    const rep: SignatureReport = {
      on,
      ...(shape.referenceUri !== undefined ? { referenceUri: shape.referenceUri } : {}),
      ...(shape.signatureAlgorithm ? { signatureAlgorithm: shape.signatureAlgorithm } : {}),
      ...(shape.digestAlgorithm ? { digestAlgorithm: shape.digestAlgorithm } : {}),
      ...(shape.canonicalization ? { canonicalization: shape.canonicalization } : {}),
      transforms: shape.transforms,
      valid: false,
      signerTrusted: false,
      keyInfoCertificates: shape.keyInfoCertificates,
    };
    for (const i of shape.issues) {
      add(
        i.code === "saml-xsw" ? "structure" : "signature-valid",
        i.code,
        "error",
        i.message,
        i.code === "saml-xsw"
          ? REFUSE_FIX
          : i.code === "saml-weak-algorithm"
            ? "have the IdP sign with RSA-SHA256 and a SHA-256 digest (or pass --allow-sha1 to see the rest of the checks)"
            : undefined,
      );
    }
    if (shape.issues.length || structureBroken) {
      rep.problem = shape.issues.length
        ? shape.issues.map((i) => i.message).join("; ")
        : "not checked: the document's structure is refused";
      sigReports.push({ rep });
      continue;
    }
    const result = verifyOne(shape, on, {
      xml,
      trusted,
      metadata: opts.metadata,
      allowSha1: opts.allowSha1 ?? false,
      at,
      add,
      say,
    });
    Object.assign(rep, result.rep);
    sigReports.push({ rep, ...(result.ok ? { result: result.ok } : {}) });
  }
  report.signatures = sigReports.map((s) => s.rep);

  // ---- 4. Pick the data to read: only from signed XML when a signature verified.
  const respSigned = sigReports.find((s) => s.rep.on === "response" && s.result);
  const asrtSigned = sigReports.find((s) => s.rep.on === "assertion" && s.result);
  let responseView: Element = root;
  let responseSource: ResponseReport["responseSource"] = "unverified";
  if (respSigned?.result) {
    responseView = respSigned.result.signedRoot;
    responseSource = respSigned.rep.signerTrusted ? "signed" : "signed-untrusted";
  } else if ((asrtSigned?.rep.signerTrusted || encrypted.length) && !responseSig) {
    responseSource = "unsigned-envelope";
  }
  let assertionView: Element | undefined;
  let assertionSource: DataSource = "unverified";
  if (asrtSigned?.result) {
    assertionView = asrtSigned.result.signedRoot;
    assertionSource = asrtSigned.rep.signerTrusted ? "signed" : "signed-untrusted";
  } else if (respSigned?.result) {
    const inside = childElements(responseView, NS.assertion, "Assertion");
    assertionView = inside.length === 1 ? inside[0] : undefined;
    assertionSource = responseSource === "signed" ? "signed" : "signed-untrusted";
  } else {
    assertionView = assertionEl;
  }
  // The signed views must be the elements the structure check saw (same IDs): belt and braces.
  if (respSigned?.result && attr(responseView, "ID") !== responseId) {
    add("structure", "saml-xsw", "error", "the signed Response is not the Response received", REFUSE_FIX);
  }
  if (assertionView && assertionEl && attr(assertionView, "ID") !== attr(assertionEl, "ID")) {
    add("structure", "saml-xsw", "error", "the signed Assertion is not the Assertion received", REFUSE_FIX);
  }
  report.response = responseFacts(responseView);
  report.responseSource = responseSource;
  if (assertionView) {
    report.assertion = assertionFacts(assertionView);
    report.assertionSource = assertionSource;
  }
  if (responseSource === "unsigned-envelope") {
    add(
      "signature-present",
      "saml-unsigned-envelope",
      "info",
      encrypted.length
        ? "the Response is not signed: its Destination, InResponseTo and Status are outside any signature checked here (the encrypted Assertion's Recipient and InResponseTo, signed inside it, cannot be read)"
        : "only the Assertion is signed: the Response's Destination, InResponseTo and Status are outside any signature (the Assertion's Recipient and InResponseTo are the signed ones)",
    );
  }
  // Response-level values that no verified signature covers are shown, never marked ok.
  const envelopeSigned = responseSource === "signed";

  // ---- 5. Contents
  const r = report.response;
  const a = report.assertion;
  // Status
  const statusShort = shortStatus(r.status.code);
  say(
    "status",
    `${statusShort ?? "(no StatusCode)"}${r.status.subCode ? ` / ${shortStatus(r.status.subCode)}` : ""}${r.status.message ? `: "${r.status.message}"` : ""}`,
  );
  if (r.status.code !== SUCCESS) {
    add(
      "status",
      "saml-status-not-success",
      "error",
      `the IdP answered ${r.status.code ? `${statusShort}${r.status.subCode ? ` (${shortStatus(r.status.subCode)})` : ""}` : "without a StatusCode"}${r.status.message ? `: "${r.status.message}"` : ""}, not Success: the IdP did not authenticate the user`,
      "look in the IdP's logs for this request; the status message often names the cause",
      { code: r.status.code, subCode: r.status.subCode },
    );
  } else if (!assertionEl && !encrypted.length) {
    add("structure", "saml-no-assertion", "error", "the Response says Success but carries no Assertion");
  }

  // Issuer
  const expectedIssuers = expectedIssuer(
    opts,
    sigReports.map((s) => s.rep),
  );
  if (a) {
    if (!a.issuer)
      add(
        "issuer",
        "saml-issuer-mismatch",
        "error",
        "the Assertion has no Issuer (SAML core 2.3.3 requires it)",
      );
    else {
      say("issuer", `${a.issuer}`);
      if (r.issuer !== undefined && r.issuer !== a.issuer) {
        add(
          "issuer",
          "saml-issuer-mismatch",
          "error",
          `the Response's Issuer "${r.issuer}" differs from the Assertion's "${a.issuer}"`,
        );
      }
      if (expectedIssuers.length && !expectedIssuers.includes(a.issuer)) {
        add(
          "issuer",
          "saml-issuer-mismatch",
          "error",
          `the Issuer is "${a.issuer}", the SP expects ${expectedIssuers.map((i) => `"${i}"`).join(" or ")}`,
          "set the SP's Issuer (Salesforce: the SAML setting's Issuer field) to the IdP's entity ID, exactly",
          { found: a.issuer, expected: expectedIssuers },
        );
      } else if (expectedIssuers.length) say("issuer", "matches the expected entity ID");
      const issuerEl = assertionView ? child(assertionView, NS.assertion, "Issuer") : undefined;
      const fmt = issuerEl ? attr(issuerEl, "Format") : undefined;
      if (fmt && fmt !== ENTITY_FORMAT) {
        add(
          "issuer",
          "saml-issuer-mismatch",
          "warning",
          `the Assertion's Issuer has Format "${fmt}"; SAML profiles 4.1.4.2 requires ${ENTITY_FORMAT} or none`,
        );
      }
    }
  }

  // Audience
  if (a) {
    const aud = a.conditions?.audiences ?? [];
    say("audience", aud.length ? aud.map((l) => l.join(", ")).join(" | ") : "no AudienceRestriction");
    if (opts.spEntityId !== undefined) {
      if (!aud.length) {
        add(
          "audience",
          "saml-audience-mismatch",
          "error",
          `the Assertion has no AudienceRestriction; the SP "${opts.spEntityId}" requires one naming it`,
          "configure the IdP's relying party / SP entity ID (audience) to the SP's entity ID",
        );
      } else {
        const missing = aud.filter((l) => !l.includes(opts.spEntityId!));
        if (missing.length) {
          add(
            "audience",
            "saml-audience-mismatch",
            "error",
            `the Audience is ${missing.map((l) => l.map((x) => `"${x}"`).join(", ")).join("; ")}, not the SP's entity ID "${opts.spEntityId}"`,
            "set the audience (SP entity ID) on the IdP to the SP's entity ID exactly (Salesforce: the Entity ID on the Single Sign-On Settings page, e.g. https://yourdomain.my.salesforce.com)",
            { found: missing, expected: opts.spEntityId },
          );
        } else say("audience", "includes the SP's entity ID");
      }
    } else say("audience", "not compared: give --sp-entity-id");
  }

  // Subject confirmation, recipient, time, InResponseTo
  const t = at.getTime();
  const skew = skewSeconds * 1000;
  const timeCheck = (label: string, nb: string | undefined, nooa: string | undefined) => {
    if (nb !== undefined) {
      const d = parseTime(nb, label, add);
      if (d && t + skew < d.getTime()) {
        add(
          "time",
          "saml-not-yet-valid",
          "error",
          `${label} NotBefore is ${nb}: not yet valid at ${iso(at)} (skew ${skewSeconds} s)`,
          "check the clocks of the IdP and SP (NTP), or use --at",
          { notBefore: nb },
        );
      }
    }
    if (nooa !== undefined) {
      const d = parseTime(nooa, label, add);
      if (d && t - skew >= d.getTime()) {
        add(
          "time",
          "saml-expired",
          "error",
          `${label} NotOnOrAfter is ${nooa}: expired at ${iso(at)} (skew ${skewSeconds} s)`,
          "a Response is good for minutes: log in again for a fresh one, or check the clocks; use --at to check an old one as of when it was issued",
          { notOnOrAfter: nooa },
        );
      }
    }
  };
  if (a) {
    if (a.conditions) {
      timeCheck("Conditions", a.conditions.notBefore, a.conditions.notOnOrAfter);
      say(
        "time",
        `Conditions: ${a.conditions.notBefore ?? "(no NotBefore)"} to ${a.conditions.notOnOrAfter ?? "(no NotOnOrAfter)"}`,
      );
    }
    const bearers = a.subjectConfirmations.filter((c) => c.method === BEARER);
    say(
      "subject-confirmation",
      a.subjectConfirmations.length
        ? a.subjectConfirmations.map((c) => c.method).join(", ")
        : "no SubjectConfirmation",
    );
    if (!bearers.length) {
      add(
        "subject-confirmation",
        "saml-no-bearer",
        "error",
        `no SubjectConfirmation with Method ${BEARER}${a.subjectConfirmations.length ? ` (found ${a.subjectConfirmations.map((c) => c.method).join(", ")})` : ""}: the Web SSO profile requires a bearer confirmation`,
      );
    }
    for (const b of bearers) {
      timeCheck("SubjectConfirmationData", b.notBefore, b.notOnOrAfter);
      if (b.notOnOrAfter === undefined) {
        add(
          "subject-confirmation",
          "saml-no-bearer",
          "error",
          "the bearer SubjectConfirmationData has no NotOnOrAfter: the SAML 2.0 Web SSO profile (§4.1.4.2) requires one, and without it the Assertion could be replayed for ever",
          "have the IdP set NotOnOrAfter on the bearer SubjectConfirmationData (a few minutes after issuing)",
        );
      } else say("time", `SubjectConfirmationData: until ${b.notOnOrAfter}`);
    }
    if (a.authn) {
      say(
        "authn-statement",
        `the user authenticated at ${a.authn.authnInstant ?? "(no AuthnInstant)"}${a.authn.contextClass ? ` (${a.authn.contextClass})` : ""}`,
      );
    } else {
      add(
        "authn-statement",
        "saml-no-authn-statement",
        "error",
        "the Assertion has no AuthnStatement: it does not say that the user logged in, so it is not accepted as a login (the SAML 2.0 Web SSO profile, §4.1.4.2, requires one)",
        "have the IdP issue an authentication assertion (with an AuthnStatement), not an attribute-only one",
      );
    }
    if (a.issueInstant) {
      const d = parseTime(a.issueInstant, "Assertion IssueInstant", add);
      if (d && d.getTime() > t + skew) {
        add(
          "time",
          "saml-issue-instant-future",
          "warning",
          `the Assertion was issued at ${a.issueInstant}, after ${iso(at)} (skew ${skewSeconds} s): the IdP's clock runs ahead`,
        );
      }
    }
    say("time", `checked at ${iso(at)}, skew ${skewSeconds} s`);

    // Recipient
    const recipients = bearers.map((b) => b.recipient).filter((x): x is string => x !== undefined);
    say("recipient", recipients.length ? recipients.join(", ") : "no Recipient");
    if (opts.acs !== undefined) {
      if (bearers.length && !recipients.includes(opts.acs)) {
        add(
          "recipient",
          "saml-recipient-mismatch",
          "error",
          recipients.length
            ? `the Recipient is ${recipients.map((x) => `"${x}"`).join(", ")}, not the ACS URL "${opts.acs}"${nearMiss(recipients, opts.acs)}`
            : `the bearer SubjectConfirmationData has no Recipient; the SP requires its ACS URL "${opts.acs}"`,
          "set the IdP's ACS / Reply URL to the SP's login URL exactly (Salesforce: the Salesforce Login URL on the Single Sign-On Settings page, with its ?so= parameter)",
          { found: recipients, expected: opts.acs },
        );
      } else if (bearers.length) say("recipient", "matches the ACS URL");
    } else say("recipient", "not compared: give --acs");

    // InResponseTo (Assertion side)
    const irts = bearers.map((b) => b.inResponseTo).filter((x): x is string => x !== undefined);
    if (opts.requestId !== undefined) {
      const wrong = irts.filter((x) => x !== opts.requestId);
      if (wrong.length)
        add(
          "in-response-to",
          "saml-in-response-to-mismatch",
          "error",
          `the SubjectConfirmationData answers request "${wrong[0]}", not "${opts.requestId}"`,
          "a Response answers one AuthnRequest: start the login again from the SP",
        );
    }
    if (irts.length) say("in-response-to", `SubjectConfirmationData: ${irts.join(", ")}`);

    // NameID
    if (a.nameId) {
      say("name-id", `${a.nameId.value}${a.nameId.format ? ` (${a.nameId.format})` : ""}`);
      if (a.nameId.value.trim() === "") add("name-id", "saml-nameid-missing", "error", "the NameID is empty");
    } else if (
      assertionView &&
      child(child(assertionView, NS.assertion, "Subject") ?? assertionView, NS.assertion, "EncryptedID")
    ) {
      add(
        "name-id",
        "saml-nameid-missing",
        "error",
        "the NameID is encrypted (EncryptedID): chainproof cannot read it without the SP's key",
      );
    } else add("name-id", "saml-nameid-missing", "error", "the Assertion's Subject has no NameID");
  }

  // Destination and InResponseTo (Response side)
  say("destination", r.destination !== undefined ? `${r.destination}` : "no Destination");
  if (opts.acs !== undefined && r.destination !== undefined && r.destination !== opts.acs) {
    add(
      "destination",
      "saml-destination-mismatch",
      "error",
      `the Response's Destination is "${r.destination}", not the ACS URL "${opts.acs}"${nearMiss([r.destination], opts.acs)}`,
      "set the IdP's ACS / Reply URL to the SP's login URL exactly",
      { found: r.destination, expected: opts.acs },
    );
  } else if (r.destination === undefined && responseSig) {
    add(
      "destination",
      "saml-destination-mismatch",
      "warning",
      "the Response is signed but has no Destination (SAML bindings 3.5.5.2 requires one on signed Responses)",
    );
  } else if (opts.acs !== undefined && r.destination !== undefined) {
    if (envelopeSigned) say("destination", "matches the ACS URL");
    else {
      say("destination", `matches the ACS URL, but ${UNSIGNED_ENVELOPE}`);
      unverifiedSteps.add("destination");
    }
  }
  if (opts.requestId !== undefined) {
    if (
      r.inResponseTo === undefined &&
      !(a?.subjectConfirmations ?? []).some((c) => c.inResponseTo !== undefined)
    ) {
      add(
        "in-response-to",
        "saml-in-response-to-mismatch",
        "error",
        `the Response is unsolicited (IdP-initiated: no InResponseTo), but the SP sent request "${opts.requestId}"`,
        "start the login from the SP, or leave out --request-id to check an IdP-initiated login",
      );
    } else if (r.inResponseTo !== undefined && r.inResponseTo !== opts.requestId) {
      add(
        "in-response-to",
        "saml-in-response-to-mismatch",
        "error",
        `the Response answers request "${r.inResponseTo}", not "${opts.requestId}"`,
        "a Response answers one AuthnRequest: start the login again from the SP",
      );
    } else {
      const signedAnswer =
        assertionSource === "signed" &&
        (a?.subjectConfirmations ?? []).some((c) => c.method === BEARER && c.inResponseTo === opts.requestId);
      if (envelopeSigned || signedAnswer) say("in-response-to", "matches the request ID");
      else {
        say("in-response-to", `matches the request ID, but ${UNSIGNED_ENVELOPE}`);
        unverifiedSteps.add("in-response-to");
      }
    }
  } else
    say(
      "in-response-to",
      r.inResponseTo !== undefined
        ? `${r.inResponseTo} (SP-initiated; give --request-id to compare)`
        : "none: IdP-initiated (unsolicited)",
    );

  return finish();
}

const UNSIGNED_ENVELOPE = "it was read from the unsigned Response: no signature checked here covers it";

const REFUSE_FIX = "refuse this Response: an IdP never produces this shape; it was altered after signing";

function bindingText(b: Binding, form: boolean): string {
  const base =
    b === "xml"
      ? "XML"
      : b === "post"
        ? "base64 (HTTP-POST binding)"
        : "deflate + base64 (HTTP-Redirect binding)";
  return form ? `${base}, from a SAMLResponse form field` : base;
}

/** The SP's configured certificates when given (metadata then only informs); else the metadata's signing ones. */
function trustedCertificates(opts: VerifyOptions): Certificate[] {
  const out: Certificate[] = [];
  const from = opts.trusted?.length ? opts.trusted : (opts.metadata ?? []).flatMap((m) => m.signing);
  for (const c of from) if (!out.some((o) => sameCert(o, c))) out.push(c);
  return out;
}

/** The Issuer values the SP accepts: --issuer, else the entity ID of the metadata IdP whose key verified. */
function expectedIssuer(opts: VerifyOptions, sigs: SignatureReport[]): string[] {
  if (opts.issuer !== undefined) return [opts.issuer];
  if (!opts.metadata?.length) return [];
  const signer = sigs.find((s) => s.valid && s.signer)?.signer;
  const owners = signer ? opts.metadata.filter((m) => m.signing.some((c) => sameCert(c, signer))) : [];
  return (owners.length ? owners : opts.metadata).map((m) => m.entityId);
}

interface VerifyOneResult {
  rep: Partial<SignatureReport>;
  ok?: CheckResult & { ok: true };
}

interface VerifyContext {
  xml: string;
  trusted: Certificate[];
  metadata: IdpEntity[] | undefined;
  allowSha1: boolean;
  at: Date;
  add: (
    step: StepId,
    code: SamlCode,
    severity: SamlFinding["severity"],
    message: string,
    fix?: string,
    data?: Record<string, unknown>,
  ) => void;
  say: (step: StepId, line: string) => void;
}

/**
 * Verify one well-shaped signature: with each trusted certificate; failing that, with the KeyInfo
 * certificate, only to tell the user which certificate the IdP used (a mismatch) from a broken signature.
 */
function verifyOne(shape: SignatureShape, on: "response" | "assertion", ctx: VerifyContext): VerifyOneResult {
  const { xml, trusted, metadata, allowSha1, at, add, say } = ctx;
  const what = on === "response" ? "Response" : "Assertion";
  const algs = `${algorithmName(shape.signatureAlgorithm ?? "")}, digest ${algorithmName(shape.digestAlgorithm ?? "")}`;
  // The trusted certificates first; then the KeyInfo ones, only to tell the user which certificate the IdP
  // used (a mismatch) from a broken signature. All in one pass of the library over the document.
  const candidates: { cert: Certificate; trusted: boolean; key: KeyObject }[] = [];
  for (const [certs, isTrusted] of [
    [trusted, true],
    [shape.keyInfoCertificates, false],
  ] as const) {
    for (const cert of certs) {
      const key = cert.keyObject();
      if (!(key instanceof Error)) candidates.push({ cert, trusted: isTrusted, key });
    }
  }
  const r = checkWithKeys(
    xml,
    shape.element,
    candidates.map((c) => c.key),
    allowSha1,
  );
  if (r.ok && candidates[r.key].trusted) {
    const cert = candidates[r.key].cert;
    say("signature-valid", `the ${what} signature is valid (${algs}, reference ${shape.referenceUri})`);
    say("signing-certificate", `the ${what} is signed by ${describeCert(cert)}, which the SP trusts`);
    const ki = shape.keyInfoCertificates[0];
    if (ki && !sameCert(ki, cert)) {
      add(
        "signing-certificate",
        "saml-keyinfo-differs",
        "info",
        `the ${what} signature's KeyInfo carries ${describeCert(ki)}${sameKey(ki, cert) ? " (same key)" : ""}, not the trusted certificate; the SP ignores KeyInfo and uses its own`,
      );
    }
    const v = validityAt(cert, at);
    if (v !== "valid") {
      add(
        "signing-certificate",
        "saml-signing-cert-expired",
        "warning",
        `the signing certificate ${v === "expired" ? "expired" : "is not valid yet"} at ${iso(at)} (${describeCert(cert)}); the signature still verifies, but the IdP should rotate it, and some SPs refuse it`,
        "ask the IdP for its new signing certificate",
      );
    }
    return { rep: { valid: true, signer: cert, signerTrusted: true }, ok: r };
  }
  if (r.ok) {
    const ki = candidates[r.key].cert;
    say("signature-valid", `the ${what} signature is intact (${algs}), made with the KeyInfo certificate`);
    if (!trusted.length) {
      add(
        "signing-certificate",
        "saml-cert-not-configured",
        "error",
        `the ${what} is signed by ${describeCert(ki)} (from the signature's own KeyInfo), but no trusted certificate was given, so it proves nothing: anyone can sign with a certificate they put in KeyInfo`,
        "give the certificate the SP has configured (--cert FILE) or the IdP's metadata (--metadata FILE)",
      );
    } else {
      const inMetadata = metadata?.length
        ? metadata.some((m) => m.signing.some((c) => sameCert(c, ki)))
        : undefined;
      add(
        "signing-certificate",
        "saml-cert-mismatch",
        "error",
        `the IdP signed with certificate ${describeCert(ki)}, the SP trusts ${trusted.map(describeCert).join(" and ")}${inMetadata === undefined ? "" : inMetadata ? `; the IdP's metadata lists ${shortFingerprint(ki)} as a signing certificate (a rotation the SP has not followed)` : "; it is not in the IdP's metadata either"}`,
        inMetadata === false
          ? "find out why the IdP signs with a certificate its metadata does not list (stale metadata, or not your IdP); then configure the right one"
          : `upload the IdP's current signing certificate (SHA-256 ${fingerprint(ki)}) to the SP (Salesforce: Setup > Single Sign-On Settings > Identity Provider Certificate)`,
        {
          signedWith: ki.sha256,
          trusted: trusted.map((c) => c.sha256),
          ...(inMetadata !== undefined ? { inMetadata } : {}),
        },
      );
    }
    return {
      rep: {
        valid: false,
        signer: ki,
        signerTrusted: false,
        problem: "signed with a certificate the SP does not trust",
      },
      ok: r,
    };
  }
  if (r.reason === "digest") {
    add(
      "signature-valid",
      "saml-signature-invalid",
      "error",
      `the ${what} signature does not verify: ${r.message}`,
      "the Response was modified after the IdP signed it (a proxy, a tool that re-formats XML, or an attacker); send it exactly as received",
      { reference: shape.referenceUri },
    );
    return { rep: { valid: false, signerTrusted: false, problem: r.message } };
  }
  if (!trusted.length) {
    add(
      "signing-certificate",
      "saml-cert-not-configured",
      "error",
      `the ${what} signature cannot be checked: no certificate given${shape.keyInfoCertificates.length ? " and the KeyInfo certificate does not verify it" : " and it carries none in KeyInfo"}`,
      "give --cert FILE (the certificate the SP has configured) or --metadata FILE",
    );
    return { rep: { valid: false, signerTrusted: false, problem: "no certificate to check with" } };
  }
  const msg = r.reason === "signature" ? "the signature value does not verify with any of them" : r.message;
  add(
    "signature-valid",
    "saml-signature-invalid",
    "error",
    `the ${what} signature does not verify with ${trusted.length === 1 ? "the trusted certificate" : "any trusted certificate"}${shape.keyInfoCertificates.length ? " nor with its KeyInfo certificate" : ""}: ${msg}`,
    "the signature was made with another key, or the signed part was altered; compare the IdP's signing certificate with the SP's",
    { reason: r.reason },
  );
  return { rep: { valid: false, signerTrusted: false, problem: msg } };
}

/**
 * Children the schema allows at most once (SAML core 3.2.2 for the Response, 2.3.3 for the Assertion; the
 * Signature is counted where the signatures are located). A repeated Issuer, Status, Subject or Conditions
 * is a malformed message, and refusing it here also keeps such a document away from the signature library,
 * whose work grows with the document (a found Response with 4,369 Issuers took 400 ms to verify).
 */
const SINGLE_CHILDREN: Record<"Response" | "Assertion", [string, string][]> = {
  Response: [
    [NS.assertion, "Issuer"],
    [NS.protocol, "Extensions"],
    [NS.protocol, "Status"],
  ],
  Assertion: [
    [NS.assertion, "Issuer"],
    [NS.assertion, "Subject"],
    [NS.assertion, "Conditions"],
    [NS.assertion, "Advice"],
  ],
};

function singleChildren(
  response: Element,
  assertion: Element | undefined,
  add: (step: StepId, code: SamlCode, severity: SamlFinding["severity"], message: string) => void,
): void {
  for (const [owner, el] of [
    ["Response", response],
    ["Assertion", assertion],
  ] as const) {
    if (!el) continue;
    for (const [ns, local] of SINGLE_CHILDREN[owner]) {
      const count = childElements(el, ns, local).length;
      if (count > 1) {
        add(
          "structure",
          "saml-malformed",
          "error",
          `the ${owner} holds ${count} ${local} elements; SAML core ${owner === "Response" ? "3.2.2" : "2.3.3"} allows at most one`,
        );
      }
    }
  }
}

/** Duplicated IDs reported one by one; beyond this many, the rest are counted in one more finding. */
const MAX_DUPLICATE_ID_FINDINGS = 10;
/** Element names listed per duplicated ID. */
const MAX_NAMES_LISTED = 5;

function duplicateIds(
  elements: Element[],
  add: (
    step: StepId,
    code: SamlCode,
    severity: SamlFinding["severity"],
    message: string,
    fix?: string,
  ) => void,
): void {
  // One pass, appending in place: the carriers of each ID value, in document order.
  const seen = new Map<string, string[]>();
  for (const el of elements) {
    for (let i = 0; i < el.attributes.length; i++) {
      const a = el.attributes.item(i)!;
      const local = a.localName ?? a.name;
      if (local !== "ID" && local !== "Id" && local !== "id") continue;
      const where = seen.get(a.value);
      if (where) where.push(el.tagName);
      else seen.set(a.value, [el.tagName]);
    }
  }
  const repeated = [...seen].filter(([, where]) => where.length > 1);
  for (const [id, where] of repeated.slice(0, MAX_DUPLICATE_ID_FINDINGS)) {
    const names = where.slice(0, MAX_NAMES_LISTED).join(", ");
    add(
      "structure",
      "saml-duplicate-id",
      "error",
      `${where.length} elements carry the ID "${id}" (${names}${where.length > MAX_NAMES_LISTED ? ", …" : ""}): a reference by ID would be ambiguous, which signature wrapping exploits`,
      REFUSE_FIX,
    );
  }
  if (repeated.length > MAX_DUPLICATE_ID_FINDINGS) {
    add(
      "structure",
      "saml-duplicate-id",
      "error",
      `${repeated.length - MAX_DUPLICATE_ID_FINDINGS} more ID values are each carried by several elements`,
      REFUSE_FIX,
    );
  }
}

const VALUE_ELEMENTS: [string, string][] = [
  [NS.assertion, "NameID"],
  [NS.assertion, "Issuer"],
  [NS.assertion, "Audience"],
  [NS.assertion, "AttributeValue"],
  [NS.assertion, "AuthnContextClassRef"],
  [NS.protocol, "StatusMessage"],
];

function commentsInValues(
  elements: ElementIndex,
  add: (
    step: StepId,
    code: SamlCode,
    severity: SamlFinding["severity"],
    message: string,
    fix?: string,
  ) => void,
): void {
  for (const [ns, local] of VALUE_ELEMENTS) {
    for (const el of elements.named(ns, local)) {
      if (!hasComment(el)) continue;
      const full = textOf(el);
      const first = firstTextOf(el);
      if (local === "NameID") {
        add(
          "name-id",
          "saml-nameid-comment",
          "error",
          `the NameID contains an XML comment: the signed value is "${full}", but an SP that reads only the first text node sees "${first}" (CVE-2017-11428): refused`,
          REFUSE_FIX,
        );
      } else {
        add(
          "structure",
          "saml-comment-in-text",
          "error",
          `<${el.tagName}> contains an XML comment: the signed value is "${full}", a naive reader sees "${first}": refused`,
          REFUSE_FIX,
        );
      }
    }
  }
}

function responseFacts(el: Element): ResponseFacts {
  const status = child(el, NS.protocol, "Status");
  const code = status ? child(status, NS.protocol, "StatusCode") : undefined;
  const sub = code ? child(code, NS.protocol, "StatusCode") : undefined;
  const msg = status ? child(status, NS.protocol, "StatusMessage") : undefined;
  const issuer = child(el, NS.assertion, "Issuer");
  return {
    ...opt("id", attr(el, "ID")),
    ...opt("version", attr(el, "Version")),
    ...opt("issueInstant", attr(el, "IssueInstant")),
    ...opt("destination", attr(el, "Destination")),
    ...opt("inResponseTo", attr(el, "InResponseTo")),
    ...opt("issuer", issuer ? textOf(issuer).trim() : undefined),
    status: {
      ...opt("code", code ? attr(code, "Value") : undefined),
      ...opt("subCode", sub ? attr(sub, "Value") : undefined),
      ...opt("message", msg ? textOf(msg).trim() : undefined),
    },
  };
}

function assertionFacts(el: Element): AssertionFacts {
  const issuer = child(el, NS.assertion, "Issuer");
  const subject = child(el, NS.assertion, "Subject");
  const nameId = subject ? child(subject, NS.assertion, "NameID") : undefined;
  const conditions = child(el, NS.assertion, "Conditions");
  const authn = child(el, NS.assertion, "AuthnStatement");
  const ctx = authn ? child(authn, NS.assertion, "AuthnContext") : undefined;
  const classRef = ctx ? child(ctx, NS.assertion, "AuthnContextClassRef") : undefined;
  const out: AssertionFacts = {
    ...opt("id", attr(el, "ID")),
    ...opt("issueInstant", attr(el, "IssueInstant")),
    ...opt("issuer", issuer ? textOf(issuer).trim() : undefined),
    subjectConfirmations: (subject ? childElements(subject, NS.assertion, "SubjectConfirmation") : []).map(
      (sc) => {
        const d = child(sc, NS.assertion, "SubjectConfirmationData");
        return {
          method: attr(sc, "Method") ?? "",
          ...opt("recipient", d ? attr(d, "Recipient") : undefined),
          ...opt("notBefore", d ? attr(d, "NotBefore") : undefined),
          ...opt("notOnOrAfter", d ? attr(d, "NotOnOrAfter") : undefined),
          ...opt("inResponseTo", d ? attr(d, "InResponseTo") : undefined),
          ...opt("address", d ? attr(d, "Address") : undefined),
        };
      },
    ),
    attributes: [],
  };
  if (nameId) {
    out.nameId = {
      value: textOf(nameId),
      ...opt("format", attr(nameId, "Format")),
      ...opt("spNameQualifier", attr(nameId, "SPNameQualifier")),
      ...opt("nameQualifier", attr(nameId, "NameQualifier")),
    };
  }
  if (conditions) {
    out.conditions = {
      ...opt("notBefore", attr(conditions, "NotBefore")),
      ...opt("notOnOrAfter", attr(conditions, "NotOnOrAfter")),
      audiences: childElements(conditions, NS.assertion, "AudienceRestriction").map((ar) =>
        childElements(ar, NS.assertion, "Audience").map((x) => textOf(x).trim()),
      ),
      oneTimeUse: childElements(conditions, NS.assertion, "OneTimeUse").length > 0,
    };
  }
  if (authn) {
    out.authn = {
      ...opt("authnInstant", attr(authn, "AuthnInstant")),
      ...opt("sessionIndex", attr(authn, "SessionIndex")),
      ...opt("sessionNotOnOrAfter", attr(authn, "SessionNotOnOrAfter")),
      ...opt("contextClass", classRef ? textOf(classRef).trim() : undefined),
    };
  }
  for (const st of childElements(el, NS.assertion, "AttributeStatement")) {
    for (const at of childElements(st, NS.assertion, "Attribute")) {
      out.attributes.push({
        name: attr(at, "Name") ?? "",
        ...opt("friendlyName", attr(at, "FriendlyName")),
        values: childElements(at, NS.assertion, "AttributeValue").map((v) => textOf(v)),
      });
    }
  }
  return out;
}

function opt<K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };
}

/** xs:dateTime as SAML uses it (UTC). Reports an unreadable time as malformed. */
function parseTime(
  value: string,
  label: string,
  add: (step: StepId, code: SamlCode, severity: SamlFinding["severity"], message: string) => void,
): Date | undefined {
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value.trim());
  const d = new Date(value.trim());
  if (!ok || !Number.isFinite(d.getTime())) {
    add("time", "saml-malformed", "error", `${label}: "${value}" is not an xs:dateTime`);
    return undefined;
  }
  return d;
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, "Z");
}

function shortStatus(code: string | undefined): string | undefined {
  return code?.replace(/^urn:oasis:names:tc:SAML:2\.0:status:/, "");
}

/** " (differs only in …)" when two URLs differ in a way people miss: case, a trailing slash, the query. */
function nearMiss(found: string[], expected: string): string {
  for (const f of found) {
    if (f.toLowerCase() === expected.toLowerCase()) return " (they differ only in letter case)";
    if (f.replace(/\/+$/, "") === expected.replace(/\/+$/, ""))
      return " (they differ only in a trailing slash)";
    if (f.split("?")[0] === expected.split("?")[0])
      return " (they differ only in the query string, e.g. Salesforce's ?so= organisation ID)";
  }
  return "";
}

const STEP_ORDER: StepId[] = [
  "decode",
  "structure",
  "status",
  "signature-present",
  "signature-valid",
  "signing-certificate",
  "issuer",
  "audience",
  "recipient",
  "destination",
  "in-response-to",
  "time",
  "subject-confirmation",
  "authn-statement",
  "name-id",
];

/** `unverified`: steps whose values no checked signature covers; shown as "info", never as passed. */
function buildSteps(found: StepFinding[], details: Map<StepId, string[]>, unverified: Set<StepId>): Step[] {
  return STEP_ORDER.map((id) => {
    const mine = found.filter((f) => f.step === id);
    const lines = details.get(id) ?? [];
    let status: StepStatus = "skip";
    if (mine.some((f) => f.severity === "error")) status = "fail";
    else if (mine.some((f) => f.severity === "warning")) status = "warn";
    else if (unverified.has(id)) status = "info";
    else if (lines.some((l) => l.startsWith("not compared"))) status = "skip";
    else if (lines.length || mine.length) status = "pass";
    return { id, status, details: [...(details.get(id) ?? []), ...mine.map((f) => f.message)] };
  });
}
