/**
 * Write the seed corpus, test/fuzz/corpus/<target>/, with the product's builders (and the test PKI helper for
 * CRLs): small, valid inputs of every shape a target reads, so that mutation starts deep in each parser.
 *
 *   npm run build && node dist/scripts/fuzz/make-corpus.js
 *
 * Re-running makes new keys, so every file changes; commit the result (test/fuzz/corpus/README.md).
 */

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildMetadataXml, buildResponseXml, signResponse } from "../../src/saml/index.js";
import { buildCertificate, generateKeyPair } from "../../src/x509/builder.js";
import { toPem } from "../../src/x509/pem.js";
import { cat, octet, oid, seq, tlv } from "../../src/x509/write/der-writer.js";
import { writeJks } from "../../src/x509/write/jks.js";
import { writePkcs12 } from "../../src/x509/write/pkcs12.js";
import { crl, issue, root } from "../../test/helpers/pki.js";
import { CORPUS_DIR } from "../fuzz.js";
import { ocspResponse, pkcs7, tlsFlight } from "./formats.js";
import { FUZZ_PASSWORD } from "./targets.js";

const NB = new Date("2026-01-01T00:00:00Z");
const NA = new Date("2027-01-01T00:00:00Z");

function write(target: string, name: string, bytes: Uint8Array | string): void {
  const dir = join(CORPUS_DIR, target);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), bytes);
}

/** A root, an intermediate and a leaf using most extensions the decoder knows. */
function chain() {
  const rootKey = generateKeyPair("ec-p256");
  const icaKey = generateKeyPair("ec-p256");
  const leafKey = generateKeyPair("ec-p256");
  const r = buildCertificate({
    subject: "CN=Fuzz Root,O=Chainproof Fuzz,C=GB",
    publicKey: rootKey,
    notBefore: NB,
    notAfter: NA,
    ca: true,
  });
  const ica = buildCertificate({
    subject: [
      ["C", "GB"],
      ["O", "Chainproof Fuzz"],
      [
        ["CN", "Fuzz ICA"],
        ["OU", "multi-valued"],
      ],
    ],
    issuer: { cert: r.cert, key: rootKey.privateKey },
    publicKey: icaKey,
    notBefore: NB,
    notAfter: NA,
    ca: { pathLen: 0 },
    nameConstraints: {
      permitted: [{ dns: "example.com" }, { ip: "10.0.0.0", prefix: 8 }],
      excluded: [{ email: "x.example" }],
    },
    policies: [
      "2.23.140.1.2.1",
      { oid: "1.3.6.1.4.1.55555.1", cps: "https://pki.example/cps", userNotice: "hi" },
    ],
    policyConstraints: { requireExplicitPolicy: 0 },
    crlDp: "http://pki.example/ica.crl",
  });
  const leaf = buildCertificate({
    subject: "CN=www.example.com,O=Example\\, Inc.",
    issuer: { cert: ica.cert, key: icaKey.privateKey },
    publicKey: leafKey,
    serial: new Uint8Array([0x00, 0x8f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]),
    notBefore: NB,
    notAfter: NA,
    san: [
      { dns: "www.example.com" },
      { dns: "*.example.com" },
      { ip: "192.0.2.1" },
      { ip: "2001:db8::1" },
      { email: "a@example.com" },
      { uri: "https://example.com/" },
    ],
    eku: ["serverAuth", "clientAuth"],
    aia: { ocsp: "http://ocsp.example", caIssuers: "http://pki.example/ica.crt" },
    sctList: [{ logId: new Uint8Array(32).fill(0xab), timestamp: 1_700_000_000_123 }],
    mustStaple: true,
    extensions: [{ oid: "1.2.3.4.5.6", critical: true, value: octet(new Uint8Array([1, 2, 3])) }],
  });
  const rsaKey = generateKeyPair("rsa2048");
  const v1 = buildCertificate({
    subject: "CN=v1",
    publicKey: rsaKey,
    notBefore: NB,
    notAfter: NA,
    version: 1,
  });
  return { rootKey, icaKey, leafKey, r, ica, leaf, v1 };
}

function samlSeeds(): void {
  const key = generateKeyPair("rsa2048");
  const cert = buildCertificate({
    subject: "CN=idp.example SAML signing",
    publicKey: key,
    notBefore: NB,
    notAfter: NA,
  });
  write(".", "saml-signer.pem", cert.pem);
  const base = {
    issuer: "https://idp.example/metadata",
    spEntityId: "https://sp.example",
    acs: "https://sp.example/acs",
    nameId: "alice@example.com",
    attributes: { email: ["alice@example.com"], groups: ["a", "b"] },
    issueInstant: NB,
    notBefore: NB,
    notOnOrAfter: NA,
  };
  const sign = { privateKey: key.privateKey, certificate: cert.der };
  write("saml-response", "signed-both.xml", signResponse(buildResponseXml(base), "both", sign));
  write("saml-response", "signed-assertion.xml", signResponse(buildResponseXml(base), "assertion", sign));
  write("saml-response", "unsigned.xml", buildResponseXml({ ...base, inResponseTo: "_req1" }));
  const xml = signResponse(buildResponseXml(base), "response", sign);
  write(
    "saml-response",
    "post-form.txt",
    `SAMLResponse=${encodeURIComponent(Buffer.from(xml).toString("base64"))}&RelayState=x`,
  );
  const md = {
    entityId: base.issuer,
    ssoUrl: "https://idp.example/sso",
    signing: [cert.der],
    validUntil: NA,
  };
  write("saml-metadata", "metadata.xml", buildMetadataXml(md));
  write(
    "saml-metadata",
    "metadata-enc.xml",
    buildMetadataXml({ ...md, encryption: [cert.der], noUse: true }),
  );
  const aggregate = buildMetadataXml(md).replace(/<\?xml[^>]*>\n/, "");
  write(
    "saml-metadata",
    "aggregate.xml",
    `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${aggregate}${aggregate}</md:EntitiesDescriptor>`,
  );
}

function rootListSeeds(leafPem: string): void {
  write(
    "roots-list",
    "cacerts.jsp",
    `<!DOCTYPE html><html><body><table>
<tr><th>Alias</th><th>Subject</th><th>Expiration</th></tr>
<tr><td>digicertglobalrootg2</td><td>CN=DigiCert Global Root G2, OU=www.digicert.com, O=DigiCert Inc, C=US</td><td>Jan 15, 2038</td></tr>
<tr><td>globalsignr3</td><td>CN=GlobalSign, O=GlobalSign</td><td>2029-03-18</td></tr>
<tr><td>netlock</td><td>CN=NetLock Arany (Class Gold) F&#337;tan&uacute;s&iacute;tv&aacute;ny, O=NetLock Kft., C=HU</td><td>Dec 6, 2028</td></tr>
</table></body></html>
`,
  );
  write(
    "roots-list",
    "plain.txt",
    "Alias\tSubject\tExpiry\nisrgrootx1\tCN=ISRG Root X1, O=Internet Security Research Group, C=US\t2035-06-04\nbaltimore\tCN=Baltimore CyberTrust Root\t2025-05-12\n",
  );
  write("roots-list", "with-pem.txt", `acmeinternalroot, CN=Fuzz Root\n${leafPem}`);
}

function main(): void {
  rmSync(CORPUS_DIR, { recursive: true, force: true });
  const c = chain();
  const chainDer = [c.leaf.der, c.ica.der, c.r.der];
  write("der", "leaf.der", c.leaf.der);
  write("der", "ica.der", c.ica.der);
  write("der", "root.der", c.r.der);
  write("der", "v1-rsa.der", c.v1.der);

  write("pem", "chain.pem", `subject=CN=www.example.com\n${chainDer.map((d) => toPem(d)).join("")}`);
  write("pem", "trusted.pem", toPem(cat(c.r.der, seq(seq(oid("1.3.6.1.5.5.7.3.1")))), "TRUSTED CERTIFICATE"));
  write(
    "pem",
    "pkcs7.pem",
    `${toPem(pkcs7(chainDer), "PKCS7")}${toPem(new Uint8Array([1, 2, 3]), "PRIVATE KEY")}`,
  );

  write("pkcs7", "chain.p7b", pkcs7(chainDer));
  const ca = root({ name: "Fuzz CRL Root" });
  const crlDer = crl(ca, { revoked: [{ serial: 5, reason: 1 }, { serial: 0x1234567890n }] });
  write("pkcs7", "with-crl.p7b", pkcs7([c.leaf.der], [crlDer]));

  const pkcs8 = c.leafKey.privateKey.export({ format: "der", type: "pkcs8" });
  const p12Input = { keys: [{ pkcs8, chain: chainDer, friendlyName: "server" }] };
  write(
    "pkcs12",
    "key-and-chain.p12",
    writePkcs12(p12Input, FUZZ_PASSWORD, { iterations: 1, macIterations: 1 }),
  );
  write(
    "pkcs12",
    "trusted.p12",
    writePkcs12({ trusted: [{ certificate: c.r.der }] }, FUZZ_PASSWORD, { iterations: 1, macIterations: 1 }),
  );

  write(
    "jks",
    "keystore.jks",
    writeJks(
      [
        { kind: "key", alias: "server", pkcs8, chain: chainDer },
        { kind: "trusted", alias: "root", certificate: c.r.der },
      ],
      FUZZ_PASSWORD,
      NB,
    ),
  );

  write("crl", "revoked.crl", crlDer);
  const ica = issue(ca, { name: "Fuzz CRL ICA", ca: true });
  write("crl", "empty.crl", crl(ica, { crlNumber: 7, nextUpdate: null }));

  write("ocsp", "good.der", ocspResponse(c.leaf.cert.serialBytes, false));
  write("ocsp", "revoked.der", ocspResponse(c.leaf.cert.serialBytes, true));
  write("ocsp", "unauthorized.der", seq(tlv(0x0a, Uint8Array.of(6))));

  write("tls", "tls12-flight.bin", tlsFlight(chainDer));

  samlSeeds();
  rootListSeeds(toPem(c.r.der));
}

main();
