/**
 * `verifyResponse` on Responses signed in the test with xml-crypto's SignedXml, by IdP keys made here
 * (self-signed and CA-signed, RSA and ECDSA): every step's failure, and every wrapping and injection
 * attack we refuse, built from a genuinely signed Response.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deflateRawSync } from "node:zlib";
import { DOMParser, XMLSerializer } from "@xmldom/xmldom";
import {
  algorithmUri,
  buildMetadataXml,
  C14N_EXC,
  C14N_INCLUSIVE,
  ENVELOPED,
  NotAResponseError,
  newSigner,
  type ResponseReport,
  readMetadata,
  SamlInputError,
  type SampleResponseOptions,
  signElement,
  signResponse,
  type VerifyOptions,
  verifyResponse,
} from "../src/saml/index.js";
import { toPem } from "../src/x509/pem.js";
import { type Issued, issue, newKey, root, selfSigned } from "./helpers/pki.js";
import { ACS, IDP, NOW, SP, sampleResponse } from "./helpers/saml.js";

const DS = "http://www.w3.org/2000/09/xmldsig#";
const SAML = "urn:oasis:names:tc:SAML:2.0:assertion";
const SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol";

const idp = selfSigned({ name: "idp.example.com", keyKind: "rsa2048", keyUsage: ["digitalSignature"] });
const other = selfSigned({ name: "idp.example.com", keyKind: "rsa2048", keyUsage: ["digitalSignature"] });
const ca = root({ name: "Example IdP CA", keyKind: "rsa2048" });
const caSigned = issue(ca, {
  name: "idp signing (CA-issued)",
  keyKind: "rsa2048",
  keyUsage: ["digitalSignature"],
});
const ecIdp = selfSigned({ name: "ec idp", keyKind: "p256", keyUsage: ["digitalSignature"] });

const base = sampleResponse;

function signed(
  what: "response" | "assertion" | "both" = "both",
  by: Issued = idp,
  o: Partial<SampleResponseOptions> = {},
  alg?: { sig?: string; digest?: string },
): string {
  return signResponse(base(o), what, {
    privateKey: by.key.privateKey,
    certificate: by.der,
    ...(alg?.sig ? { signatureAlgorithm: algorithmUri(alg.sig) } : {}),
    ...(alg?.digest ? { digestAlgorithm: algorithmUri(alg.digest) } : {}),
  });
}

const OPTS: VerifyOptions = { trusted: [idp.cert], spEntityId: SP, acs: ACS, requestId: "_req-1", at: NOW };

function check(xml: string | Uint8Array, o: Partial<VerifyOptions> = {}): ResponseReport {
  return verifyResponse(typeof xml === "string" ? Buffer.from(xml) : xml, { ...OPTS, ...o });
}

function codes(r: ResponseReport, severity = "error"): string[] {
  return r.findings.filter((f) => f.severity === severity).map((f) => f.code);
}

function message(r: ResponseReport, code: string): string {
  const f = r.findings.find((x) => x.code === code);
  assert.ok(f, `expected a ${code} finding; got ${JSON.stringify(r.findings.map((x) => x.code))}`);
  return f.message;
}

function refused(r: ResponseReport, code: string, pattern?: RegExp): void {
  assert.equal(r.valid, false, "the Response must be refused");
  const m = message(r, code);
  if (pattern) assert.match(m, pattern);
}

// DOM surgery for attacks: parse, change, serialise. The signatures stay byte-for-byte the IdP's.
const dom = (xml: string) => new DOMParser().parseFromString(xml, "text/xml");
const ser = (d: Document) => new XMLSerializer().serializeToString(d);
function el(d: Document | Element, ns: string, local: string, i = 0): Element {
  const list = (d as Document).getElementsByTagNameNS(ns, local);
  const e = list.item(i);
  assert.ok(e, `no ${local} #${i}`);
  return e;
}
function setNameId(e: Element, value: string): void {
  const n = el(e, SAML, "NameID");
  while (n.firstChild) n.removeChild(n.firstChild);
  n.appendChild(n.ownerDocument.createTextNode(value));
}

describe("saml verify: valid Responses", () => {
  for (const what of ["response", "assertion", "both"] as const) {
    it(`accepts a Response signed on the ${what === "both" ? "Response and the Assertion" : what}`, () => {
      const r = check(signed(what));
      assert.equal(r.valid, true, JSON.stringify(r.findings));
      assert.deepEqual(codes(r), []);
      assert.equal(r.assertion?.nameId?.value, "alice@example.com");
      assert.equal(r.assertionSource, "signed");
      assert.equal(r.responseSource, what === "assertion" ? "unsigned-envelope" : "signed");
      // With only the Assertion signed, the Response's Destination is shown, not passed: no signature covers it.
      const unsigned = what === "assertion" ? ["destination"] : [];
      for (const s of r.steps) {
        if (unsigned.includes(s.id)) {
          assert.equal(s.status, "info", JSON.stringify(s));
          assert.match(
            s.details.join("\n"),
            /matches the ACS URL, but it was read from the unsigned Response/,
          );
        } else assert.ok(s.status === "pass" || s.status === "skip", JSON.stringify(s));
      }
    });
  }

  it("accepts a CA-issued IdP certificate, ECDSA P-256, RSA-SHA384/512 and SHA-384/512 digests", () => {
    assert.equal(check(signed("both", caSigned), { trusted: [caSigned.cert] }).valid, true);
    const ec = check(signed("assertion", ecIdp, {}, { sig: "ECDSA-SHA256" }), { trusted: [ecIdp.cert] });
    assert.equal(ec.valid, true, JSON.stringify(ec.findings));
    for (const [sig, digest] of [
      ["RSA-SHA384", "SHA-384"],
      ["RSA-SHA512", "SHA-512"],
    ]) {
      const r = check(signed("assertion", idp, {}, { sig, digest }));
      assert.equal(r.valid, true, `${sig}: ${JSON.stringify(r.findings)}`);
    }
  });

  it("reads IdP dialects: a default-namespace Assertion and Signature, InclusiveNamespaces, xs:type values", () => {
    // As Azure AD writes it: <Assertion xmlns="…assertion">, <Signature xmlns="…xmldsig#">; as Okta: PrefixList="xs".
    const xml = base({ attributes: { email: ["alice@example.com"] } })
      .replace(
        /<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/,
        '<Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
      )
      .replace(
        /<saml:AttributeValue>/g,
        '<saml:AttributeValue xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xsi:type="xs:string">',
      )
      .replace(/(<Assertion[\s\S]*<\/)saml:Assertion>/, "$1Assertion>")
      .replace(
        /<(\/?)saml:(Issuer|Subject|NameID|SubjectConfirmation|SubjectConfirmationData|Conditions|AudienceRestriction|Audience|AuthnStatement|AuthnContext|AuthnContextClassRef|AttributeStatement|Attribute)([ >/])/g,
        (m, slash, name, end, offset, whole) =>
          offset > whole.indexOf("<Assertion") ? `<${slash}${name}${end}` : m,
      );
    const sx = newSigner({
      privateKey: idp.key.privateKey,
      publicCert: toPem(idp.der),
      signatureAlgorithm: algorithmUri("RSA-SHA256"),
      canonicalizationAlgorithm: C14N_EXC,
    });
    sx.addReference({
      xpath: "//*[@ID='_assn']",
      transforms: [ENVELOPED, C14N_EXC],
      digestAlgorithm: algorithmUri("SHA-256"),
      inclusiveNamespacesPrefixList: ["xs"],
    });
    sx.computeSignature(xml, {
      location: { reference: "//*[@ID='_assn']/*[local-name(.)='Issuer']", action: "after" },
    });
    const signedXml = sx.getSignedXml();
    assert.match(signedXml, /<Signature xmlns="http:\/\/www\.w3\.org\/2000\/09\/xmldsig#">/);
    assert.match(signedXml, /PrefixList="xs"/);
    const r = check(signedXml);
    assert.equal(r.valid, true, JSON.stringify(r.findings));
    assert.equal(r.assertion?.nameId?.value, "alice@example.com");
    assert.deepEqual(r.assertion?.attributes[0].values, ["alice@example.com"]);
    const p384 = selfSigned({ name: "p384 idp", keyKind: "p384" });
    const ec = check(signed("both", p384, {}, { sig: "ECDSA-SHA384", digest: "SHA-384" }), {
      trusted: [p384.cert],
    });
    assert.equal(ec.valid, true, JSON.stringify(ec.findings));
  });

  it("reads POST base64, a URL-encoded SAMLResponse form body, and Redirect (deflate) input", () => {
    const xml = signed();
    const b64 = Buffer.from(xml).toString("base64");
    const post = check(b64);
    assert.equal(post.valid, true);
    assert.equal(post.input.binding, "post");
    const form = check(`SAMLResponse=${encodeURIComponent(b64)}&RelayState=%2Fhome`);
    assert.equal(form.valid, true);
    assert.equal(form.input.form, true);
    assert.equal(form.input.relayState, "/home");
    const wrapped = b64.replace(/(.{76})/g, "$1\n");
    assert.equal(check(wrapped).valid, true, "line-wrapped base64");
    const redirect = check(deflateRawSync(Buffer.from(xml)).toString("base64"));
    assert.equal(redirect.input.binding, "redirect");
    assert.equal(redirect.valid, true);
    assert.ok(redirect.findings.some((f) => f.code === "saml-redirect-binding"));
  });

  it("allows clock skew (default 180 s) and honours --skew", () => {
    const late = new Date(NOW.getTime() + 300_000 + 120_000);
    assert.equal(check(signed(), { at: late }).valid, true);
    refused(check(signed(), { at: late, skewSeconds: 60 }), "saml-expired", /NotOnOrAfter/);
  });
});

describe("saml verify: each step's failure", () => {
  it("no signature", () => {
    refused(check(base()), "saml-signature-missing", /neither the Response nor the Assertion is signed/);
  });

  it("content changed after signing (digest)", () => {
    const d = dom(signed("assertion"));
    setNameId(el(d, SAML, "Assertion"), "mallory@example.com");
    refused(check(ser(d)), "saml-signature-invalid", /changed after signing/);
  });

  it("signed with another certificate: names both, and says whether metadata lists the signer", () => {
    const r = check(signed("assertion", other));
    refused(r, "saml-cert-mismatch");
    const m = message(r, "saml-cert-mismatch");
    assert.match(
      m,
      /the IdP signed with certificate "idp\.example\.com" \(SHA-256 [0-9A-F:]{11}…[0-9A-F:]{5}, valid 2020-01-01 to 2040-01-01\), the SP trusts/,
    );
    assert.ok(
      m.includes(
        other.cert.sha256
          .slice(0, 8)
          .toUpperCase()
          .replace(/(..)(?=.)/g, "$1:"),
      ),
    );
    assert.equal(r.assertionSource, "signed-untrusted");
    const md = readMetadata(
      Buffer.from(
        buildMetadataXml({ entityId: IDP, ssoUrl: "https://idp/sso", signing: [idp.der, other.der] }),
      ),
      { at: NOW },
    );
    const withMd = check(signed("assertion", other), { metadata: md.idps });
    assert.match(message(withMd, "saml-cert-mismatch"), /metadata lists .* as a signing certificate/);
    const mdOld = readMetadata(
      Buffer.from(buildMetadataXml({ entityId: IDP, ssoUrl: "https://idp/sso", signing: [idp.der] })),
      { at: NOW },
    );
    assert.match(
      message(check(signed("assertion", other), { metadata: mdOld.idps }), "saml-cert-mismatch"),
      /not in the IdP's metadata/,
    );
  });

  it("--metadata alone trusts the metadata's signing certificates and checks Issuer against the entityID", () => {
    const md = readMetadata(
      Buffer.from(buildMetadataXml({ entityId: IDP, ssoUrl: "https://idp/sso", signing: [idp.der] })),
      { at: NOW },
    );
    assert.equal(check(signed(), { trusted: undefined, metadata: md.idps }).valid, true);
    const wrong = readMetadata(
      Buffer.from(
        buildMetadataXml({ entityId: "https://other-idp", ssoUrl: "https://idp/sso", signing: [idp.der] }),
      ),
      { at: NOW },
    );
    refused(
      check(signed(), { trusted: undefined, metadata: wrong.idps }),
      "saml-issuer-mismatch",
      /expects "https:\/\/other-idp"/,
    );
  });

  it("no trusted certificate given: a self-consistent signature proves nothing", () => {
    refused(check(signed(), { trusted: undefined }), "saml-cert-not-configured", /proves nothing/);
  });

  it("KeyInfo carrying another certificate does not matter: the SP's key decides", () => {
    const xml = signResponse(base(), "assertion", { privateKey: idp.key.privateKey, certificate: other.der });
    const r = check(xml);
    assert.equal(r.valid, true);
    assert.ok(r.findings.some((f) => f.code === "saml-keyinfo-differs"));
  });

  it("status not Success", () => {
    const xml = signed("response", idp, {
      status: "urn:oasis:names:tc:SAML:2.0:status:Requester",
      statusMessage: "Unknown user",
      noAssertion: true,
    });
    refused(check(xml), "saml-status-not-success", /Requester: "Unknown user"/);
  });

  it("audience, recipient, destination, InResponseTo, issuer", () => {
    refused(
      check(signed("both", idp, { spEntityId: "https://example.salesforce.com" })),
      "saml-audience-mismatch",
      /"https:\/\/example\.salesforce\.com", not the SP's entity ID/,
    );
    refused(
      check(signed("both", idp, { recipient: "https://example.my.salesforce.com" })),
      "saml-recipient-mismatch",
      /differ only in the query string/,
    );
    refused(
      check(signed("both", idp, { destination: "https://evil.example/acs" })),
      "saml-destination-mismatch",
      /Destination is "https:\/\/evil\.example\/acs"/,
    );
    refused(
      check(signed("both", idp, { inResponseTo: "_other" })),
      "saml-in-response-to-mismatch",
      /"_other", not "_req-1"/,
    );
    refused(
      check(signed("both", idp, { inResponseTo: undefined })),
      "saml-in-response-to-mismatch",
      /unsolicited/,
    );
    assert.equal(
      check(signed("both", idp, { inResponseTo: undefined }), { requestId: undefined }).valid,
      true,
    );
    refused(
      check(signed(), { issuer: "https://someone-else" }),
      "saml-issuer-mismatch",
      /expects "https:\/\/someone-else"/,
    );
  });

  it("expired and not yet valid (Conditions and SubjectConfirmationData)", () => {
    const r = check(signed(), { at: new Date(NOW.getTime() + 3_600_000) });
    refused(r, "saml-expired");
    assert.ok(r.findings.some((f) => /SubjectConfirmationData NotOnOrAfter/.test(f.message)));
    assert.ok(r.findings.some((f) => /Conditions NotOnOrAfter/.test(f.message)));
    refused(
      check(signed(), { at: new Date(NOW.getTime() - 3_600_000) }),
      "saml-not-yet-valid",
      /Conditions NotBefore/,
    );
  });

  it("subject confirmation that is not bearer", () => {
    const xml = signResponse(base().replace("cm:bearer", "cm:holder-of-key"), "both", {
      privateKey: idp.key.privateKey,
      certificate: idp.der,
    });
    refused(check(xml), "saml-no-bearer", /holder-of-key/);
  });

  it("a bearer SubjectConfirmationData without NotOnOrAfter is refused (Web SSO profile §4.1.4.2)", () => {
    const xml = base().replace(/(<saml:SubjectConfirmationData[^>]*?) NotOnOrAfter="[^"]*"/, "$1");
    assert.notEqual(xml, base());
    const r = check(signResponse(xml, "both", { privateKey: idp.key.privateKey, certificate: idp.der }));
    refused(
      r,
      "saml-no-bearer",
      /has no NotOnOrAfter: the SAML 2\.0 Web SSO profile \(§4\.1\.4\.2\) requires one/,
    );
    assert.equal(r.steps.find((s) => s.id === "subject-confirmation")?.status, "fail");
  });

  it("an Assertion without an AuthnStatement is not accepted as a login", () => {
    const xml = base().replace(/<saml:AuthnStatement[\s\S]*<\/saml:AuthnStatement>/, "");
    assert.notEqual(xml, base());
    const r = check(signResponse(xml, "both", { privateKey: idp.key.privateKey, certificate: idp.der }));
    refused(r, "saml-no-authn-statement", /has no AuthnStatement: it does not say that the user logged in/);
    assert.equal(r.steps.find((s) => s.id === "authn-statement")?.status, "fail");
    assert.match(
      check(signed()).steps.find((s) => s.id === "authn-statement")?.details[0] ?? "",
      /the user authenticated at 2030-01-01T00:00:00Z \(urn:oasis:names:tc:SAML:2\.0:ac:classes:PasswordProtectedTransport\)/,
    );
  });

  it("encrypted assertion in an unsigned Response: not called unsigned, and the envelope is not marked ok", () => {
    const xml = base().replace(
      /<saml:Assertion[\s\S]*<\/saml:Assertion>/,
      '<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedAssertion>',
    );
    const r = check(xml);
    refused(r, "saml-encrypted-assertion");
    assert.deepEqual(
      codes(r),
      ["saml-encrypted-assertion"],
      "no saml-signature-missing: the Assertion is signed inside",
    );
    const step = (id: string) => r.steps.find((s) => s.id === id)!;
    assert.equal(step("signature-present").status, "info");
    assert.match(
      step("signature-present").details[0],
      /the Response is not signed; the Assertion is encrypted: IdPs sign it inside the encryption/,
    );
    assert.equal(r.responseSource, "unsigned-envelope");
    assert.match(
      message(r, "saml-unsigned-envelope"),
      /the Response is not signed: its Destination, InResponseTo and Status are outside any signature/,
    );
    for (const id of ["destination", "in-response-to"]) {
      assert.equal(step(id).status, "info", JSON.stringify(step(id)));
      assert.match(
        step(id).details.join("\n"),
        /read from the unsigned Response: no signature checked here covers it/,
      );
    }
  });

  it("encrypted assertion: said, not silently passed", () => {
    const xml = base().replace(
      /<saml:Assertion[\s\S]*<\/saml:Assertion>/,
      '<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedAssertion>',
    );
    const r = check(signResponse(xml, "response", { privateKey: idp.key.privateKey, certificate: idp.der }));
    refused(r, "saml-encrypted-assertion");
    assert.equal(r.signatures[0].valid, true, "the Response's own signature is still checked");
    assert.equal(
      r.steps.find((s) => s.id === "destination")?.status,
      "pass",
      "the signed Response's Destination",
    );
  });

  it("bad input: not XML, not a Response, too large, too deep", () => {
    assert.throws(
      () => check("hello world"),
      (e: unknown) => e instanceof SamlInputError && e.code === "saml-malformed",
    );
    assert.throws(
      () =>
        check("<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol'><a></b></samlp:Response>"),
      (e: unknown) => e instanceof SamlInputError && e.code === "saml-malformed",
    );
    assert.throws(
      () => check('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x"/>'),
      NotAResponseError,
    );
    assert.throws(
      () => check(`<a>${"x".repeat(1_100_000)}</a>`),
      (e: unknown) => e instanceof SamlInputError && e.code === "saml-too-large",
    );
    assert.throws(
      () => check(`${"<a>".repeat(100)}${"</a>".repeat(100)}`),
      (e: unknown) => e instanceof SamlInputError && e.code === "saml-too-large",
    );
    // A deflate bomb: 50 MB of spaces in a few kB.
    const bomb = deflateRawSync(Buffer.alloc(50 * 1024 * 1024, 0x20)).toString("base64");
    assert.throws(
      () => check(bomb),
      (e: unknown) => e instanceof SamlInputError && e.code === "saml-too-large",
    );
  });
});

describe("saml verify: attacks are refused, each with its own message", () => {
  // XSW1: the signed Response moved inside its own Signature; a forged Response (new ID, other user) around it.
  it("XSW1: signed Response copied into the Signature of a forged one", () => {
    const d = dom(signed("response"));
    const original = d.documentElement!.cloneNode(true) as Element;
    const sig = el(d, DS, "Signature");
    d.documentElement!.setAttribute("ID", "_evil");
    setNameId(d.documentElement!, "admin@example.com");
    sig.appendChild(original);
    const r = check(ser(d));
    refused(r, "saml-xsw", /2 Response elements/);
    assert.notEqual(
      r.assertion?.nameId?.value === "admin@example.com" && r.assertionSource === "signed",
      true,
    );
  });

  it("XSW2: signed Response placed before the Signature (detached)", () => {
    const d = dom(signed("response"));
    const original = d.documentElement!.cloneNode(true) as Element;
    const sig = el(d, DS, "Signature");
    d.documentElement!.setAttribute("ID", "_evil");
    setNameId(d.documentElement!, "admin@example.com");
    d.documentElement!.insertBefore(original, sig);
    const r = check(ser(d));
    refused(r, "saml-xsw", /2 Response elements/);
    assert.ok(
      r.findings.some((f) => /signs "#_resp", not the Response it is in \(ID "_evil"\)/.test(f.message)),
    );
  });

  it("XSW3: forged Assertion inserted before the signed one", () => {
    const d = dom(signed("assertion"));
    const a = el(d, SAML, "Assertion");
    const evil = a.cloneNode(true) as Element;
    evil.setAttribute("ID", "_evil");
    evil.removeChild(el(evil, DS, "Signature"));
    setNameId(evil, "admin@example.com");
    d.documentElement!.insertBefore(evil, a);
    refused(check(ser(d)), "saml-xsw", /2 Assertion elements/);
  });

  it("XSW4: forged Assertion wrapping the signed one", () => {
    const d = dom(signed("assertion"));
    const a = el(d, SAML, "Assertion");
    const evil = a.cloneNode(true) as Element;
    evil.setAttribute("ID", "_evil");
    evil.removeChild(el(evil, DS, "Signature"));
    setNameId(evil, "admin@example.com");
    d.documentElement!.replaceChild(evil, a);
    evil.appendChild(a);
    const r = check(ser(d));
    refused(r, "saml-xsw", /2 Assertion elements/);
    assert.ok(r.findings.some((f) => /Assertion #_assn sits inside <saml:Assertion>/.test(f.message)));
  });

  it("XSW5: the signature moved to a forged Assertion, the original (same ID) appended unsigned", () => {
    const d = dom(signed("assertion"));
    const a = el(d, SAML, "Assertion");
    const copy = a.cloneNode(true) as Element;
    copy.removeChild(el(copy, DS, "Signature"));
    setNameId(a, "admin@example.com");
    d.documentElement!.appendChild(copy);
    const r = check(ser(d));
    refused(r, "saml-xsw", /2 Assertion elements/);
    refused(r, "saml-duplicate-id", /2 elements carry the ID "_assn"/);
  });

  it("XSW6: forged Assertion whose Signature holds the original", () => {
    const d = dom(signed("assertion"));
    const a = el(d, SAML, "Assertion");
    const original = a.cloneNode(true) as Element;
    original.removeChild(el(original, DS, "Signature"));
    a.setAttribute("ID", "_evil");
    setNameId(a, "admin@example.com");
    el(a, DS, "Signature").appendChild(original);
    const r = check(ser(d));
    refused(r, "saml-xsw");
    assert.ok(
      r.findings.some((f) => /signs "#_assn", not the Assertion it is in \(ID "_evil"\)/.test(f.message)),
    );
  });

  it("XSW7: signed Assertion hidden in an Extensions element, forged one beside it", () => {
    const d = dom(signed("assertion"));
    const a = el(d, SAML, "Assertion");
    const ext = d.createElementNS(SAMLP, "samlp:Extensions");
    const evil = a.cloneNode(true) as Element;
    evil.removeChild(el(evil, DS, "Signature"));
    evil.setAttribute("ID", "_evil");
    setNameId(evil, "admin@example.com");
    d.documentElement!.replaceChild(ext, a);
    ext.appendChild(a);
    d.documentElement!.appendChild(evil);
    const r = check(ser(d));
    refused(r, "saml-xsw", /2 Assertion elements/);
    assert.ok(r.findings.some((f) => /inside <samlp:Extensions>/.test(f.message)));
  });

  it("XSW8: original Assertion inside a ds:Object of the forged Assertion's Signature", () => {
    const d = dom(signed("assertion"));
    const a = el(d, SAML, "Assertion");
    const original = a.cloneNode(true) as Element;
    original.removeChild(el(original, DS, "Signature"));
    setNameId(a, "admin@example.com");
    const obj = d.createElementNS(DS, "ds:Object");
    obj.appendChild(original);
    el(a, DS, "Signature").appendChild(obj);
    const r = check(ser(d));
    refused(r, "saml-xsw", /ds:Object/);
    refused(r, "saml-duplicate-id");
  });

  it("a signature that references another element (the Response's signature moved into the Assertion)", () => {
    const d = dom(signed("response"));
    const sig = el(d, DS, "Signature");
    const a = el(d, SAML, "Assertion");
    setNameId(a, "admin@example.com");
    a.insertBefore(sig, el(a, SAML, "Subject"));
    refused(check(ser(d)), "saml-xsw", /Assertion signature signs "#_resp", not the Assertion it is in/);
  });

  it('a Reference with URI="" (the whole document) and a Signature in an unexpected place', () => {
    const xml = signed("assertion").replace('URI="#_assn"', 'URI=""');
    refused(check(xml), "saml-xsw", /URI="" \(the whole document\)/);
    const d = dom(signed("assertion"));
    const ext = d.createElementNS(SAMLP, "samlp:Extensions");
    ext.setAttribute("ID", "_ext");
    d.documentElement!.insertBefore(ext, el(d, SAMLP, "Status"));
    ext.appendChild(el(d, DS, "Signature").cloneNode(true));
    refused(check(ser(d)), "saml-xsw", /a Signature sits in <samlp:Extensions>/);
  });

  it("duplicate IDs anywhere", () => {
    const d = dom(signed("assertion"));
    const ext = d.createElementNS(SAMLP, "samlp:Extensions");
    const decoy = d.createElementNS("urn:example", "x:Decoy");
    decoy.setAttribute("ID", "_assn");
    ext.appendChild(decoy);
    d.documentElement!.insertBefore(ext, el(d, SAMLP, "Status"));
    refused(
      check(ser(d)),
      "saml-duplicate-id",
      /2 elements carry the ID "_assn" \(x:Decoy, saml:Assertion\)/,
    );
  });

  it("XXE: any DOCTYPE is refused before parsing (raw, base64 and deflated)", () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${signed().replace("alice@example.com</saml:NameID>", "&xxe;</saml:NameID>")}`;
    for (const input of [
      xxe,
      Buffer.from(xxe).toString("base64"),
      deflateRawSync(Buffer.from(xxe)).toString("base64"),
    ]) {
      const r = check(input);
      refused(r, "saml-doctype", /DOCTYPE/);
      assert.equal(r.assertion, undefined, "nothing is read from a refused document");
    }
    refused(
      check(`<!DOCTYPE lol [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>${signed()}`),
      "saml-doctype",
    );
    // Case games do not help.
    refused(check(`<!doctype r SYSTEM "http://evil/">${signed()}`), "saml-doctype");
  });

  it("a comment inside NameID (CVE-2017-11428): the signature still verifies, the Response is refused", () => {
    const xml = signed("assertion", idp, { nameId: "admin@example.com.evil.example" }).replace(
      "admin@example.com.evil.example</saml:NameID>",
      "admin@example.com<!---->.evil.example</saml:NameID>",
    );
    const r = check(xml);
    refused(
      r,
      "saml-nameid-comment",
      /signed value is "admin@example\.com\.evil\.example", but an SP that reads only the first text node sees "admin@example\.com"/,
    );
    assert.equal(
      r.steps.find((s) => s.id === "signature-valid")?.status,
      "pass",
      "c14n drops comments: the signature is intact",
    );
    assert.equal(
      r.assertion?.nameId?.value,
      "admin@example.com.evil.example",
      "the full signed text is what we report",
    );
  });

  it("a comment inside Audience or an attribute value", () => {
    const xml = signed("assertion").replace(`${SP}</saml:Audience>`, `${SP}<!-- x --></saml:Audience>`);
    refused(check(xml), "saml-comment-in-text", /<saml:Audience> contains an XML comment/);
  });

  it("SHA-1 is refused unless allowed", () => {
    const xml = signed("assertion", idp, {}, { sig: "RSA-SHA1", digest: "SHA-1" });
    const r = check(xml);
    refused(r, "saml-weak-algorithm", /SHA-1 \(RSA-SHA1\); refused unless --allow-sha1/);
    assert.ok(
      r.findings.some((f) => f.code === "saml-weak-algorithm" && /digest uses SHA-1/.test(f.message)),
    );
    assert.equal(check(xml, { allowSha1: true }).valid, true);
  });

  it("algorithms outside the allow-list, and transforms other than enveloped + exc-c14n", () => {
    const hmac = signed("assertion").replace(
      "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
      "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
    );
    refused(check(hmac), "saml-unsupported-algorithm", /HMAC-SHA1/);
    const comments = signed("assertion").replace(
      '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>',
      '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#WithComments"/>',
    );
    refused(check(comments), "saml-signature-unsupported", /WithComments/);
    const xpath = signed("assertion").replace(
      "</ds:Transforms>",
      '<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>not(ancestor-or-self::saml:NameID)</ds:XPath></ds:Transform></ds:Transforms>',
    );
    refused(check(xpath), "saml-signature-unsupported", /REC-xpath/);
    // An ECDSA URI with an RSA key (or the reverse) never verifies.
    const confused = signed("assertion").replace("xmldsig-more#rsa-sha256", "xmldsig-more#ecdsa-sha256");
    refused(check(confused), "saml-signature-invalid");
  });

  it("transforms: explicit inclusive C14N 1.0 is accepted (enveloped alone implies it); two canonicalisations are not", () => {
    const withTransforms = (transforms: string[]) => {
      const sx = newSigner({
        privateKey: idp.key.privateKey,
        publicCert: toPem(idp.der),
        signatureAlgorithm: algorithmUri("RSA-SHA256"),
        canonicalizationAlgorithm: C14N_EXC,
      });
      sx.addReference({ xpath: "//*[@ID='_assn']", transforms, digestAlgorithm: algorithmUri("SHA-256") });
      sx.computeSignature(base(), {
        prefix: "ds",
        location: { reference: "//*[@ID='_assn']/*[local-name(.)='Issuer']", action: "after" },
      });
      return sx.getSignedXml();
    };
    for (const t of [[ENVELOPED], [ENVELOPED, C14N_INCLUSIVE], [ENVELOPED, C14N_EXC]]) {
      const r = check(withTransforms(t));
      assert.equal(r.valid, true, `${t.join(", ")}: ${JSON.stringify(r.findings)}`);
      assert.deepEqual(r.signatures[0].transforms, t);
    }
    refused(
      check(withTransforms([ENVELOPED, C14N_EXC, C14N_INCLUSIVE])),
      "saml-signature-unsupported",
      /canonicalises its Reference twice/,
    );
    const comments = withTransforms([ENVELOPED, C14N_INCLUSIVE]).replace(
      `Algorithm="${C14N_INCLUSIVE}"/>`,
      `Algorithm="${C14N_INCLUSIVE}#WithComments"/>`,
    );
    refused(
      check(comments),
      "saml-signature-unsupported",
      /REC-xml-c14n-20010315#WithComments; only enveloped-signature, then exclusive or inclusive C14N 1\.0 without comments/,
    );
  });

  it("an attacker's own key and certificate in KeyInfo is a mismatch, never valid", () => {
    const attacker = selfSigned({ name: "idp.example.com", key: newKey("p256") });
    const xml = signResponse(base({ nameId: "admin@example.com" }), "both", {
      privateKey: attacker.key.privateKey,
      certificate: attacker.der,
      signatureAlgorithm: algorithmUri("ECDSA-SHA256"),
    });
    const r = check(xml);
    refused(r, "saml-cert-mismatch");
    assert.equal(r.assertionSource, "signed-untrusted");
  });

  it("a Response signed with the IdP's metadata key but in a second, forged envelope keeps its ID check", () => {
    // The Response signature covers the Assertion: swapping in a different Assertion breaks the digest.
    const d = dom(signed("response"));
    setNameId(el(d, SAML, "Assertion"), "admin@example.com");
    refused(check(ser(d)), "saml-signature-invalid");
    // The metadata's own signature on a Response is irrelevant: only ID references count.
    assert.ok(signElement);
  });
});
