/**
 * Generate examples/saml/: an IdP in the middle of a signing-certificate rollover, its metadata and a few
 * Responses for a Salesforce org, so `chainproof saml metadata` and `chainproof saml verify` can be tried
 * without an IdP. Re-runnable: every run makes new keys (never written out) and new files.
 *
 *   npm run build && node dist/scripts/gen-saml-examples.js
 *
 * Timeline (docs/saml.md uses these with --at):
 *   idp-2024.pem  self-signed, 2024-01-01 .. 2027-01-01: the certificate the SP has configured.
 *   idp-2026.pem  self-signed, 2026-06-01 .. 2036-06-01: its successor, listed in the metadata beside it.
 *   The IdP switches to idp-2026 on 2027-01-01.
 *
 *   response-valid.xml           signed (Response and Assertion) with idp-2026; valid 2026-06-01 .. 2099-12-31
 *                                (an artificially long window, so the demo never expires);
 *   response-valid.form.txt      the same Response as a browser posts it (SAMLResponse=…&RelayState=…);
 *   response-expired.xml         idp-2026, a real 5-minute window on 2026-11-30;
 *   response-wrong-audience.xml  idp-2026, Audience https://example.salesforce.com (not the org's entity ID);
 *   response-rotated.xml         signed with idp-2026 on 2027-01-05, after the switch: an SP that still holds
 *                                idp-2024 refuses it (check with --at 2027-01-05T09:01:00Z).
 *   idp-metadata.xml             both signing certificates (rollover in progress), signed with idp-2024's key.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildMetadataXml, buildResponseXml, signElement, signResponse } from "../src/saml/index.js";
import { buildCertificate, generateKeyPair } from "../src/x509/builder.js";

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, "..", "..");
const OUT = join(ROOT, "examples", "saml");

const IDP = "https://idp.example.com/saml/metadata";
const SP = "https://example.my.salesforce.com";
const ACS = "https://example.my.salesforce.com?so=00D000000000001";

function main(): void {
  mkdirSync(OUT, { recursive: true });
  const oldKey = generateKeyPair("rsa2048");
  const newKeyPair = generateKeyPair("rsa2048");
  const subject: [string, string][] = [
    ["O", "Example Corp"],
    ["CN", "idp.example.com SAML signing"],
  ];
  const old = buildCertificate({
    subject,
    publicKey: oldKey,
    serial: 0x2024,
    notBefore: new Date("2024-01-01T00:00:00Z"),
    notAfter: new Date("2027-01-01T00:00:00Z"),
    keyUsage: ["digitalSignature"],
  });
  const next = buildCertificate({
    subject,
    publicKey: newKeyPair,
    serial: 0x2026,
    notBefore: new Date("2026-06-01T00:00:00Z"),
    notAfter: new Date("2036-06-01T00:00:00Z"),
    keyUsage: ["digitalSignature"],
  });
  writeFileSync(join(OUT, "idp-2024.pem"), old.pem);
  writeFileSync(join(OUT, "idp-2026.pem"), next.pem);

  const base = {
    issuer: IDP,
    spEntityId: SP,
    acs: ACS,
    nameId: "alice@example.com",
    attributes: { "User.Email": ["alice@example.com"] },
  };
  const signNew = { privateKey: newKeyPair.privateKey, certificate: next.der };

  const valid = signResponse(
    buildResponseXml({
      ...base,
      responseId: "_response-valid",
      assertionId: "_assertion-valid",
      issueInstant: new Date("2026-06-01T00:00:00Z"),
      notBefore: new Date("2026-06-01T00:00:00Z"),
      notOnOrAfter: new Date("2099-12-31T00:00:00Z"),
    }),
    "both",
    signNew,
  );
  writeFileSync(join(OUT, "response-valid.xml"), `${valid}\n`);
  writeFileSync(
    join(OUT, "response-valid.form.txt"),
    `SAMLResponse=${encodeURIComponent(Buffer.from(valid).toString("base64"))}&RelayState=%2Fhome%2Fhome.jsp\n`,
  );

  const issued = new Date("2026-11-30T10:00:00Z");
  const expired = signResponse(
    buildResponseXml({
      ...base,
      responseId: "_response-expired",
      assertionId: "_assertion-expired",
      issueInstant: issued,
      notBefore: new Date(issued.getTime() - 60_000),
      notOnOrAfter: new Date(issued.getTime() + 300_000),
    }),
    "assertion",
    signNew,
  );
  writeFileSync(join(OUT, "response-expired.xml"), `${expired}\n`);

  const wrongAudience = signResponse(
    buildResponseXml({
      ...base,
      spEntityId: "https://example.salesforce.com",
      responseId: "_response-wrong-audience",
      assertionId: "_assertion-wrong-audience",
      issueInstant: new Date("2026-06-01T00:00:00Z"),
      notBefore: new Date("2026-06-01T00:00:00Z"),
      notOnOrAfter: new Date("2099-12-31T00:00:00Z"),
    }),
    "assertion",
    signNew,
  );
  writeFileSync(join(OUT, "response-wrong-audience.xml"), `${wrongAudience}\n`);

  const after = new Date("2027-01-05T09:00:00Z");
  const rotated = signResponse(
    buildResponseXml({
      ...base,
      responseId: "_response-rotated",
      assertionId: "_assertion-rotated",
      issueInstant: after,
      notBefore: new Date(after.getTime() - 60_000),
      notOnOrAfter: new Date(after.getTime() + 300_000),
    }),
    "assertion",
    signNew,
  );
  writeFileSync(join(OUT, "response-rotated.xml"), `${rotated}\n`);

  const metadata = buildMetadataXml({
    entityId: IDP,
    id: "_idp-metadata",
    ssoUrl: "https://idp.example.com/saml/sso",
    signing: [old.der, next.der],
  });
  writeFileSync(
    join(OUT, "idp-metadata.xml"),
    signElement(metadata, "_idp-metadata", { privateKey: oldKey.privateKey, certificate: old.der }),
  );
  process.stdout.write(`wrote ${OUT}\n`);
}

main();
