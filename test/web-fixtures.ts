/**
 * Certificates and messages for the web tests: a small PKI (root → intermediate → leaf with an AIA URL), a
 * certificate whose CN is HTML, a PKCS#12, and a signed SAML Response with its IdP certificate. Built with
 * the product's own builders (src/x509/builder.ts, src/saml/sample.ts).
 */

import { buildMetadataXml, buildResponseXml, signResponse } from "../src/saml/index.js";
import {
  type BuiltCertificate,
  buildCertificate,
  generateKeyPair,
  type KeyPair,
} from "../src/x509/builder.js";
import { writePkcs12 } from "../src/x509/write/pkcs12.js";

const DAY = 86_400_000;

export interface Pki {
  rootKey: KeyPair;
  root: BuiltCertificate;
  intKey: KeyPair;
  int: BuiltCertificate;
  leafKey: KeyPair;
  leaf: BuiltCertificate;
  hostile: BuiltCertificate;
  p12: Uint8Array;
  aiaUrl: string;
}

export const HOSTILE_CN = "<img src=x onerror=alert(1)>";

export function makePki(now = new Date()): Pki {
  const notBefore = new Date(now.getTime() - DAY);
  const notAfter = new Date(now.getTime() + 365 * DAY);
  const rootKey = generateKeyPair("ec-p256");
  const root = buildCertificate({
    subject: "CN=Web Test Root,O=chainproof tests",
    publicKey: rootKey,
    notBefore,
    notAfter: new Date(now.getTime() + 3650 * DAY),
    ca: true,
  });
  const intKey = generateKeyPair("ec-p256");
  const int = buildCertificate({
    subject: "CN=Web Test Intermediate,O=chainproof tests",
    issuer: { cert: root.cert, key: rootKey.privateKey },
    publicKey: intKey,
    notBefore,
    notAfter: new Date(now.getTime() + 1825 * DAY),
    ca: { pathLen: 0 },
  });
  const aiaUrl = "http://pki.example.test/web-test-intermediate.crt";
  const leafKey = generateKeyPair("ec-p256");
  const leaf = buildCertificate({
    subject: "CN=service.example.test",
    issuer: { cert: int.cert, key: intKey.privateKey },
    publicKey: leafKey,
    notBefore,
    notAfter,
    ca: false,
    eku: ["serverAuth", "clientAuth"],
    san: [{ dns: "service.example.test" }],
    aia: { caIssuers: aiaUrl },
  });
  const hostileKey = generateKeyPair("ec-p256");
  const hostile = buildCertificate({
    subject: [
      ["CN", HOSTILE_CN],
      ["O", "<script>alert(2)</script>"],
    ],
    publicKey: hostileKey,
    notBefore,
    notAfter,
    ca: false,
    san: [{ dns: "hostile.example.test" }],
  });
  const p12 = writePkcs12(
    {
      keys: [
        {
          pkcs8: new Uint8Array(leafKey.privateKey.export({ format: "der", type: "pkcs8" })),
          chain: [leaf.der, int.der],
          friendlyName: "service",
        },
      ],
    },
    "secret-p12",
  );
  return { rootKey, root, intKey, int, leafKey, leaf, hostile, p12, aiaUrl };
}

export const SAML_SP = "https://example.my.salesforce.com";
export const SAML_ACS = "https://example.my.salesforce.com?so=00D000000000001";
export const SAML_IDP = "https://idp.example.com/metadata";

export interface SamlSample {
  idp: BuiltCertificate;
  response: string;
  metadata: string;
}

export function makeSaml(now = new Date()): SamlSample {
  const key = generateKeyPair("rsa2048");
  const idp = buildCertificate({
    subject: "CN=idp.example.com",
    publicKey: key,
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + 365 * DAY),
    keyUsage: ["digitalSignature"],
  });
  const xml = buildResponseXml({
    issuer: SAML_IDP,
    spEntityId: SAML_SP,
    acs: SAML_ACS,
    nameId: "alice@example.com",
    issueInstant: now,
    notBefore: new Date(now.getTime() - 60_000),
    notOnOrAfter: new Date(now.getTime() + 300_000),
    inResponseTo: "_req-1",
    attributes: { email: ["alice@example.com"] },
  });
  const response = signResponse(xml, "both", { privateKey: key.privateKey, certificate: idp.der });
  const metadata = buildMetadataXml({
    entityId: SAML_IDP,
    ssoUrl: "https://idp.example.com/sso",
    signing: [idp.der],
  });
  return { idp, response, metadata };
}
