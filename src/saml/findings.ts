/**
 * The reasons `chainproof saml` gives, with the same shape as every other finding in chainproof
 * (`{code, severity, message, fix?}`, see src/clients/finding.ts): a stable code, a severity, a
 * plain-language message and, when there is one, the fix. Values quoted in messages come from the message or
 * the metadata under test: attacker-controlled data, never markup (the CLI passes them through safeText).
 */

import type { Severity } from "../clients/finding.js";

export type { Severity };

export const SAML_CODES = [
  // ---- Refused input (attacks and malformed XML)
  /** The XML has a DOCTYPE (DTD). SAML messages never carry one; DTDs are how XXE and entity bombs work. */
  "saml-doctype",
  /** Not well-formed XML, not UTF-8, not base64 / deflate, or missing required parts (IDs, versions, times). */
  "saml-malformed",
  /** Over the size, element-count or nesting limit (1 MiB of XML, 64 levels; see xml.ts). */
  "saml-too-large",
  /**
   * Signature wrapping (XSW1–XSW8 and relatives): more than one Response or Assertion, an Assertion that is
   * not a direct child of the Response, a Signature anywhere but directly in the Response or the Assertion,
   * a signature whose Reference is not `#ID` of the element it sits in, or a ds:Object in a signature.
   */
  "saml-xsw",
  /** Two or more elements carry the same ID (ID / Id / id): a reference by ID would be ambiguous. */
  "saml-duplicate-id",
  /** A comment inside NameID: readers that stop at the first text node see another user (CVE-2017-11428). */
  "saml-nameid-comment",
  /** A comment inside another value we read (Issuer, Audience, AttributeValue, …). */
  "saml-comment-in-text",

  // ---- Signature
  /** Neither the Response nor the Assertion is signed. */
  "saml-signature-missing",
  /** A signature does not verify: content changed after signing (digest), or the signature value is wrong. */
  "saml-signature-invalid",
  /**
   * A signature uses a transform, canonicalisation or structure we do not accept (only enveloped, then
   * exclusive or inclusive C14N 1.0 without comments; one Reference; at most 16 KeyInfo certificates).
   */
  "saml-signature-unsupported",
  /** SHA-1 (signature or digest) without --allow-sha1. */
  "saml-weak-algorithm",
  /** A signature or digest algorithm outside the allow-list (RSA/ECDSA with SHA-256/384/512; SHA-1 on request). */
  "saml-unsupported-algorithm",
  /** The IdP signed with a certificate the SP does not hold (the most common SSO outage). */
  "saml-cert-mismatch",
  /** No certificate to check the signature against (neither --cert nor --metadata). */
  "saml-cert-not-configured",
  /** KeyInfo carries a certificate other than the one whose key verified (SPs ignore KeyInfo; informational). */
  "saml-keyinfo-differs",
  /** The certificate that signed is expired (or not yet valid) at the validation time. */
  "saml-signing-cert-expired",

  // ---- Response and assertion contents
  /** The Response's status is not urn:oasis:names:tc:SAML:2.0:status:Success. */
  "saml-status-not-success",
  /** A successful Response without an Assertion. */
  "saml-no-assertion",
  /** The Assertion is encrypted: its contents cannot be checked without the SP's private key. */
  "saml-encrypted-assertion",
  /** Issuer missing, or not the one expected (--issuer, the metadata's entityID, or the Response's own Issuer). */
  "saml-issuer-mismatch",
  /** The SP's entity ID is not in every AudienceRestriction, or there is none. */
  "saml-audience-mismatch",
  /** No bearer SubjectConfirmation's Recipient is the ACS URL. */
  "saml-recipient-mismatch",
  /** The Response's Destination is not the ACS URL (or is missing from a signed Response). */
  "saml-destination-mismatch",
  /** InResponseTo is not the request ID (or the Response is unsolicited while a request ID was expected). */
  "saml-in-response-to-mismatch",
  /** NotOnOrAfter (Conditions or SubjectConfirmationData) has passed, skew allowed. */
  "saml-expired",
  /** NotBefore (Conditions or SubjectConfirmationData) is still ahead, skew allowed. */
  "saml-not-yet-valid",
  /** IssueInstant lies in the future beyond the skew. */
  "saml-issue-instant-future",
  /** No SubjectConfirmation with Method urn:oasis:names:tc:SAML:2.0:cm:bearer (or it lacks NotOnOrAfter). */
  "saml-no-bearer",
  /** The Assertion has no AuthnStatement: it says nothing about a login, so it is not accepted as one. */
  "saml-no-authn-statement",
  /** No NameID, or an empty one (or an EncryptedID we cannot read). */
  "saml-nameid-missing",
  /** The message came through the HTTP-Redirect binding, which the Web SSO profile forbids for Responses. */
  "saml-redirect-binding",
  /** Response-level fields (Destination, InResponseTo, Status) are outside the signature: only the Assertion is signed. */
  "saml-unsigned-envelope",

  // ---- Metadata
  /** The metadata has no IDPSSODescriptor (or none with the requested entityID). */
  "saml-metadata-no-idp",
  /** An IdP without a signing certificate (KeyDescriptor use="signing" or without use). */
  "saml-metadata-no-signing-cert",
  /** Several signing certificates: a rollover is in progress. */
  "saml-metadata-rollover",
  /** The metadata's own signature does not verify. */
  "saml-metadata-signature-invalid",
  /** The metadata is not signed (fetch it over HTTPS from the IdP, or ask for signed metadata). */
  "saml-metadata-unsigned",
  /** The metadata is signed by one of the certificates it lists (it vouches for itself). */
  "saml-metadata-self-signed",
  /**
   * The metadata is signed by a certificate it does not list, and no federation signer was named
   * (--metadata-signer): the signature shows the file is intact, not who made it.
   */
  "saml-metadata-signer-unknown",
  /** The metadata's signature verifies with the federation signing certificate named (--metadata-signer). */
  "saml-metadata-signer-verified",
  /** validUntil has passed. */
  "saml-metadata-expired",
  /** A signing certificate is expired, or expires within 30 days. */
  "saml-cert-expiring",
  /** The SP's configured certificate is not one the metadata lists for signing. */
  "saml-configured-cert-missing",
  /** The SP's configured certificate is the one being retired in a rollover. */
  "saml-configured-cert-retiring",
  /** The SP's configured certificate is the incoming one: logins fail until the IdP switches to it. */
  "saml-configured-cert-incoming",
  /** The SP's configured certificate is not listed, but a listed one has the same public key. */
  "saml-configured-same-key",
] as const;

export type SamlCode = (typeof SAML_CODES)[number];

export interface SamlFinding {
  code: SamlCode;
  severity: Severity;
  message: string;
  fix?: string;
  /** Facts behind the message (IDs, values, fingerprints), for scripts. */
  data?: Record<string, unknown>;
}

export function finding(
  code: SamlCode,
  severity: Severity,
  message: string,
  fix?: string,
  data?: Record<string, unknown>,
): SamlFinding {
  return { code, severity, message, ...(fix ? { fix } : {}), ...(data ? { data } : {}) };
}
