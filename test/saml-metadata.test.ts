/**
 * IdP metadata: certificates listed (self-signed allowed), rollovers, the metadata's own signature, and the
 * comparison with the certificate the SP has configured.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  buildMetadataXml,
  compareConfigured,
  type MetadataReport,
  newestOf,
  readMetadata,
  SamlInputError,
  signElement,
} from "../src/saml/index.js";
import { issue, root, selfSigned } from "./helpers/pki.js";

const AT = new Date("2026-12-15T00:00:00Z");
const IDP = "https://idp.example.com/metadata";

const old = selfSigned({
  name: "idp signing 2024",
  keyKind: "rsa2048",
  notBefore: new Date("2024-01-01T00:00:00Z"),
  notAfter: new Date("2027-01-01T00:00:00Z"),
});
const next = selfSigned({
  name: "idp signing 2026",
  keyKind: "rsa2048",
  notBefore: new Date("2026-06-01T00:00:00Z"),
  notAfter: new Date("2036-06-01T00:00:00Z"),
});
const enc = selfSigned({ name: "idp encryption", keyKind: "rsa2048" });
const ca = root({ name: "IdP CA", keyKind: "rsa2048" });
const caIssued = issue(ca, { name: "idp signing (CA)", keyKind: "rsa2048" });
const sameKeyAsOld = selfSigned({ name: "idp signing 2024 reissued", key: old.key, serial: 77 });
const stranger = selfSigned({ name: "someone else", keyKind: "p256" });

function md(signing: Uint8Array[], extra: Partial<Parameters<typeof buildMetadataXml>[0]> = {}): string {
  return buildMetadataXml({
    entityId: IDP,
    ssoUrl: "https://idp.example.com/sso",
    signing,
    id: "_md",
    ...extra,
  });
}

function read(xml: string, o: { entityId?: string; at?: Date } = {}): MetadataReport {
  return readMetadata(Buffer.from(xml), { at: o.at ?? AT, ...(o.entityId ? { entityId: o.entityId } : {}) });
}

const codes = (fs: { code: string }[]) => fs.map((f) => f.code);

describe("saml metadata: reading", () => {
  it("lists signing certificates (use=signing or none), keeps encryption ones apart, allows self-signed", () => {
    const r = read(md([next.der], { encryption: [enc.der] }));
    assert.equal(r.idps.length, 1);
    const idp = r.idps[0];
    assert.equal(idp.entityId, IDP);
    assert.deepEqual(
      idp.keys.map((k) => k.use),
      ["signing", "encryption"],
    );
    assert.equal(idp.signing.length, 1);
    assert.equal(idp.signing[0].sha256, next.cert.sha256);
    assert.equal(idp.signing[0].selfSigned, true);
    assert.equal(idp.singleSignOn.length, 2);
    assert.ok(!codes(r.findings).includes("saml-metadata-rollover"));
    assert.ok(codes(r.findings).includes("saml-metadata-unsigned"));
    const noUse = read(md([caIssued.der], { noUse: true }));
    assert.equal(noUse.idps[0].keys[0].use, "both");
    assert.equal(noUse.idps[0].signing.length, 1, "no use attribute means signing too");
    assert.equal(noUse.idps[0].signing[0].selfSigned, false);
  });

  it("several signing certificates: a rollover, with the newest named", () => {
    const r = read(md([old.der, next.der]));
    const f = r.findings.find((x) => x.code === "saml-metadata-rollover");
    assert.ok(f);
    assert.match(f.message, /2 signing certificates: a certificate rollover is in progress/);
    assert.match(f.message, /"idp signing 2026"/);
    assert.equal(newestOf(r.idps[0].signing).sha256, next.cert.sha256);
    // 17 days left on the old one, with a successor listed.
    assert.ok(
      r.findings.some(
        (x) =>
          x.code === "saml-cert-expiring" && /expires in 17 days; its successor is listed/.test(x.message),
      ),
    );
  });

  it("one signing certificate expiring with no successor is a warning that says what to do", () => {
    const r = read(md([old.der]));
    const f = r.findings.find((x) => x.code === "saml-cert-expiring");
    assert.ok(f);
    assert.equal(f.severity, "warning");
    assert.match(f.message, /no successor is listed/);
    assert.match(f.fix ?? "", /ask the IdP for the next signing certificate now/);
  });

  it("EntitiesDescriptor with several entities; --entity-id picks one; SPs are counted, not listed", () => {
    const agg = `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">
${md([old.der])
  .replace(/^<\?xml[^>]*>\n/, "")
  .replace('ID="_md"', 'ID="_a"')}
${md([next.der], { entityId: "https://idp2.example.com" })
  .replace(/^<\?xml[^>]*>\n/, "")
  .replace('ID="_md"', 'ID="_b"')}
<md:EntityDescriptor entityID="https://sp.example.com"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>
</md:EntitiesDescriptor>`;
    const all = read(agg);
    assert.equal(all.rootElement, "EntitiesDescriptor");
    assert.deepEqual(
      all.idps.map((i) => i.entityId),
      [IDP, "https://idp2.example.com"],
    );
    assert.equal(all.otherEntities, 1);
    const one = read(agg, { entityId: "https://idp2.example.com" });
    assert.deepEqual(
      one.idps.map((i) => i.entityId),
      ["https://idp2.example.com"],
    );
    assert.ok(codes(read(agg, { entityId: "https://nope" }).findings).includes("saml-metadata-no-idp"));
  });

  it("an IdP listing more than 64 certificates: the rest are not read, and that is an error", () => {
    const r = read(md(Array.from({ length: 100 }, () => next.der)));
    const f = r.findings.find((x) => x.code === "saml-too-large");
    assert.ok(f, JSON.stringify(codes(r.findings)));
    assert.equal(f.severity, "error");
    assert.match(
      f.message,
      /the IdP lists 100 certificates; IdPs list one to four, and only the first 64 are read/,
    );
    assert.equal(r.idps[0].keys.length, 64);
    assert.equal(r.idps[0].signing.length, 1, "the same certificate, listed once");
  });

  it("no IDPSSODescriptor, no signing certificate, expired validUntil", () => {
    const sp = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>`;
    assert.ok(codes(read(sp).findings).includes("saml-metadata-no-idp"));
    assert.ok(
      codes(read(md([], { encryption: [enc.der] })).findings).includes("saml-metadata-no-signing-cert"),
    );
    const expired = read(md([next.der], { validUntil: new Date("2026-01-01T00:00:00Z") }));
    assert.ok(codes(expired.findings).includes("saml-metadata-expired"));
  });

  it("refuses a DOCTYPE and what is not metadata", () => {
    assert.throws(
      () =>
        read(
          `<!DOCTYPE md [<!ENTITY x SYSTEM "file:///etc/passwd">]>${md([next.der]).replace(/^<\?xml[^>]*>\n/, "")}`,
        ),
      (e: unknown) => e instanceof SamlInputError && e.code === "saml-doctype",
    );
    assert.throws(() => read("<html/>"), /not SAML 2\.0 metadata/);
  });
});

describe("saml metadata: its own signature", () => {
  it("signed by a listed certificate: valid, read from the signed XML, and said to vouch for itself", () => {
    const xml = signElement(md([old.der, next.der]), "_md", {
      privateKey: old.key.privateKey,
      certificate: old.der,
    });
    const r = read(xml);
    assert.equal(r.signature.valid, true);
    assert.equal(r.signature.signer?.sha256, old.cert.sha256);
    assert.equal(r.signature.signerListed, true);
    assert.equal(r.source, "signed");
    assert.ok(codes(r.findings).includes("saml-metadata-self-signed"));
  });

  const byStranger = () =>
    signElement(md([next.der]), "_md", {
      privateKey: stranger.key.privateKey,
      certificate: stranger.der,
      signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    });

  it("signed by a certificate it does not list, no federation key named: intact, but a warning says so", () => {
    const r = read(byStranger());
    assert.equal(r.signature.valid, true);
    assert.equal(r.signature.signerListed, false);
    const f = r.findings.find((x) => x.code === "saml-metadata-signer-unknown");
    assert.ok(f, JSON.stringify(r.findings));
    assert.equal(f.severity, "warning");
    assert.match(
      f.message,
      /signed with "someone else" \(SHA-256 .*\), a certificate it does not list and that was not named as the federation's signing certificate/,
    );
    assert.match(f.fix ?? "", /--metadata-signer CERTFILE/);
  });

  it("the federation's signing certificate named: verified against it, and only it", () => {
    const named = readMetadata(Buffer.from(byStranger()), { at: AT, signers: [stranger.cert] });
    assert.equal(named.signature.valid, true);
    assert.equal(named.signature.signerNamed, true);
    assert.equal(named.source, "signed");
    assert.deepEqual(
      named.findings.filter((x) => x.code.startsWith("saml-metadata-s")).map((x) => [x.code, x.severity]),
      [["saml-metadata-signer-verified", "info"]],
    );
    // Signed by a listed certificate, but the named federation key is another: not verified.
    const self = signElement(md([old.der, next.der]), "_md", {
      privateKey: old.key.privateKey,
      certificate: old.der,
    });
    const wrong = readMetadata(Buffer.from(self), { at: AT, signers: [stranger.cert] });
    assert.equal(wrong.signature.valid, false);
    assert.equal(wrong.source, "unsigned");
    const f = wrong.findings.find((x) => x.code === "saml-metadata-signature-invalid");
    assert.equal(f?.severity, "error");
    assert.match(f?.message ?? "", /does not verify with the metadata signer given \("someone else"/);
    // Not signed at all, while a signer was named: an error too.
    const unsigned = readMetadata(Buffer.from(md([next.der])), { at: AT, signers: [stranger.cert] });
    assert.match(
      unsigned.findings.find((x) => x.code === "saml-metadata-signature-invalid")?.message ?? "",
      /not signed, but a metadata signing certificate was given/,
    );
  });

  it("tampered after signing: invalid (a certificate swapped in)", () => {
    const xml = signElement(md([next.der]), "_md", {
      privateKey: next.key.privateKey,
      certificate: next.der,
    });
    const b64 = Buffer.from(next.der).toString("base64");
    const tampered = xml.replace(
      `<ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
      `<ds:X509Certificate>${Buffer.from(stranger.der).toString("base64")}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    );
    assert.notEqual(tampered, xml);
    const r = read(tampered);
    assert.equal(r.signature.valid, false);
    const f = r.findings.find((x) => x.code === "saml-metadata-signature-invalid");
    assert.ok(f);
    assert.equal(f.severity, "error");
    assert.equal(r.source, "unsigned");
  });
});

describe("saml metadata: the SP's configured certificate", () => {
  const rollover = () => read(md([old.der, next.der])).idps[0];

  it("configured = the only signing certificate: fine", () => {
    const r = compareConfigured(read(md([next.der])).idps[0], [next.cert], AT);
    assert.deepEqual(r.findings, []);
    assert.equal(r.configured[0].status, "listed");
    assert.equal(r.signsToday[0].sha256, next.cert.sha256);
  });

  it("configured = the one being retired: add the new SHA-256 before the old one expires", () => {
    const r = compareConfigured(rollover(), [old.cert], AT);
    assert.equal(r.configured[0].status, "retiring");
    assert.equal(r.afterRotation?.sha256, next.cert.sha256);
    const f = r.findings.find((x) => x.code === "saml-configured-cert-retiring");
    assert.ok(f);
    assert.equal(f.severity, "warning");
    const full = next.cert.sha256.toUpperCase().match(/.{2}/g)!.join(":");
    assert.ok(
      f.message.startsWith(`the configured certificate is the one being retired: add ${full}`),
      f.message,
    );
    assert.match(f.message, /at the latest 2027-01-01/);
    // Once it has expired, it is an error.
    const late = compareConfigured(rollover(), [old.cert], new Date("2027-02-01T00:00:00Z"));
    assert.equal(late.findings.find((x) => x.code === "saml-configured-cert-retiring")?.severity, "error");
  });

  it("configured = the incoming one: responses signed with the current one fail until the switch", () => {
    const r = compareConfigured(rollover(), [next.cert], AT);
    assert.equal(r.configured[0].status, "incoming");
    assert.match(
      r.findings[0].message,
      /until the IdP switches to it, responses signed with "idp signing 2024"/,
    );
  });

  it("configured certificate not listed: error naming what to configure; same key: warning", () => {
    const r = compareConfigured(rollover(), [stranger.cert], AT);
    assert.equal(r.configured[0].status, "missing");
    assert.equal(r.findings[0].code, "saml-configured-cert-missing");
    assert.equal(r.findings[0].severity, "error");
    const k = compareConfigured(read(md([old.der])).idps[0], [sameKeyAsOld.cert], AT);
    assert.equal(k.configured[0].status, "same-key");
    assert.equal(k.findings[0].code, "saml-configured-same-key");
  });
});
