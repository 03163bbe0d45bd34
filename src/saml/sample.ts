/**
 * Sample IdP messages, built and signed the way IdPs do it: a Response (with one Assertion) and IdP
 * metadata. Used by the tests, by scripts/gen-saml-examples.ts, and by anyone who needs a Response to try
 * an SP with. Signing goes through xml-crypto's SignedXml (with our algorithm tables, so ECDSA works).
 */

import type { KeyLike } from "node:crypto";
import { randomBytes } from "node:crypto";
import { toPem } from "../x509/pem.js";
import { C14N_EXC, DIGEST_ALGORITHMS, ENVELOPED, newSigner, SIGNATURE_ALGORITHMS } from "./dsig.js";

export interface SampleResponseOptions {
  issuer: string;
  spEntityId: string;
  acs: string;
  nameId: string;
  nameIdFormat?: string;
  issueInstant: Date;
  /** Conditions and SubjectConfirmationData window. */
  notBefore: Date;
  notOnOrAfter: Date;
  inResponseTo?: string;
  responseId?: string;
  assertionId?: string;
  /** Status code (full URN); default Success. */
  status?: string;
  statusMessage?: string;
  /** Response Destination; default the ACS URL; null leaves it out. */
  destination?: string | null;
  /** SubjectConfirmationData Recipient; default the ACS URL. */
  recipient?: string;
  attributes?: Record<string, string[]>;
  /** Leave the Assertion out (e.g. for a failed status). */
  noAssertion?: boolean;
}

export function newId(): string {
  return `_${randomBytes(16).toString("hex")}`;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function t(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** An unsigned Response, laid out as common IdPs write it (samlp/saml prefixes, Issuer first). */
export function buildResponseXml(o: SampleResponseOptions): string {
  const rid = o.responseId ?? newId();
  const aid = o.assertionId ?? newId();
  const irt = o.inResponseTo ? ` InResponseTo="${esc(o.inResponseTo)}"` : "";
  const dest = o.destination === null ? "" : ` Destination="${esc(o.destination ?? o.acs)}"`;
  const status = o.status ?? "urn:oasis:names:tc:SAML:2.0:status:Success";
  const attrs = Object.entries(o.attributes ?? {})
    .map(
      ([name, values]) =>
        `<saml:Attribute Name="${esc(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${values
          .map((v) => `<saml:AttributeValue>${esc(v)}</saml:AttributeValue>`)
          .join("")}</saml:Attribute>`,
    )
    .join("");
  const assertion = o.noAssertion
    ? ""
    : `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${aid}" Version="2.0" IssueInstant="${t(o.issueInstant)}">` +
      `<saml:Issuer>${esc(o.issuer)}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="${esc(o.nameIdFormat ?? "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")}">${esc(o.nameId)}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData${irt} NotOnOrAfter="${t(o.notOnOrAfter)}" Recipient="${esc(o.recipient ?? o.acs)}"/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${t(o.notBefore)}" NotOnOrAfter="${t(o.notOnOrAfter)}"><saml:AudienceRestriction><saml:Audience>${esc(o.spEntityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${t(o.issueInstant)}" SessionIndex="${aid}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      (attrs ? `<saml:AttributeStatement>${attrs}</saml:AttributeStatement>` : "") +
      `</saml:Assertion>`;
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${rid}" Version="2.0" IssueInstant="${t(o.issueInstant)}"${dest}${irt}>` +
    `<saml:Issuer>${esc(o.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${esc(status)}"/>${o.statusMessage ? `<samlp:StatusMessage>${esc(o.statusMessage)}</samlp:StatusMessage>` : ""}</samlp:Status>` +
    assertion +
    `</samlp:Response>`
  );
}

export interface SignOptions {
  privateKey: KeyLike;
  /** The signer's certificate (DER or PEM), put in KeyInfo; omit for no KeyInfo. */
  certificate?: Uint8Array | string;
  /** Signature algorithm URI; default RSA-SHA256 (or ECDSA-SHA256 for EC keys, given explicitly). */
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
}

export function algorithmUri(name: string): string {
  const a =
    SIGNATURE_ALGORITHMS.find((x) => x.name === name) ?? DIGEST_ALGORITHMS.find((x) => x.name === name);
  if (!a) throw new Error(`unknown algorithm ${name}`);
  return a.uri;
}

/**
 * Sign the element with ID `id` (enveloped, exc-c14n), placing the Signature right after its Issuer as the
 * SAML schema wants (or first, when it has no Issuer).
 */
export function signElement(xml: string, id: string, o: SignOptions): string {
  const pem =
    o.certificate === undefined
      ? undefined
      : typeof o.certificate === "string"
        ? o.certificate
        : toPem(o.certificate);
  const sx = newSigner({
    privateKey: o.privateKey,
    ...(pem ? { publicCert: pem } : {}),
    signatureAlgorithm: o.signatureAlgorithm ?? algorithmUri("RSA-SHA256"),
    canonicalizationAlgorithm: C14N_EXC,
    ...(pem ? {} : { getKeyInfoContent: () => null }),
  });
  const target = `//*[@ID='${id}']`;
  sx.addReference({
    xpath: target,
    transforms: [ENVELOPED, C14N_EXC],
    digestAlgorithm: o.digestAlgorithm ?? algorithmUri("SHA-256"),
  });
  const hasIssuer = new RegExp(`ID="${id}"[^>]*>\\s*<([A-Za-z0-9_-]+:)?Issuer[ >]`).test(xml);
  sx.computeSignature(xml, {
    prefix: "ds",
    location: hasIssuer
      ? { reference: `${target}/*[local-name(.)='Issuer']`, action: "after" }
      : { reference: target, action: "prepend" },
  });
  return sx.getSignedXml();
}

/** The ID attribute of the first element named `local`. */
export function idOf(
  xml: string,
  local: "Response" | "Assertion" | "EntityDescriptor" | "EntitiesDescriptor",
): string {
  const m = new RegExp(`<([A-Za-z0-9_-]+:)?${local}\\b[^>]*\\sID="([^"]+)"`).exec(xml);
  if (!m) throw new Error(`no ${local} with an ID`);
  return m[2];
}

/** Sign a Response: the Assertion, the Response, or both (Assertion first, then the Response around it). */
export function signResponse(xml: string, what: "response" | "assertion" | "both", o: SignOptions): string {
  let out = xml;
  if (what !== "response") out = signElement(out, idOf(out, "Assertion"), o);
  if (what !== "assertion") out = signElement(out, idOf(out, "Response"), o);
  return out;
}

export interface SampleMetadataOptions {
  entityId: string;
  ssoUrl: string;
  /** Signing certificates (DER), in the order to list them. */
  signing: Uint8Array[];
  /** Encryption certificates (DER). */
  encryption?: Uint8Array[];
  /** List the signing certificates without use="signing" (meaning both). */
  noUse?: boolean;
  validUntil?: Date;
  id?: string;
}

function keyDescriptor(der: Uint8Array, use: string | undefined): string {
  const b64 = Buffer.from(der).toString("base64");
  return `<md:KeyDescriptor${use ? ` use="${use}"` : ""}><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
}

export function buildMetadataXml(o: SampleMetadataOptions): string {
  const keys = [
    ...o.signing.map((d) => keyDescriptor(d, o.noUse ? undefined : "signing")),
    ...(o.encryption ?? []).map((d) => keyDescriptor(d, "encryption")),
  ].join("\n    ");
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${esc(o.entityId)}" ID="${o.id ?? newId()}"${o.validUntil ? ` validUntil="${t(o.validUntil)}"` : ""}>
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    ${keys}
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${esc(o.ssoUrl)}"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${esc(o.ssoUrl)}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;
}
