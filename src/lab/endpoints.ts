/**
 * The lab's endpoints, badssl-style: each one broken in one way, and each declaring what every client should
 * make of it — "trusted", or the finding code of its refusal — plus finding codes the report must show.
 * That declaration is what `chainproof demo` compares against and what the lab tests assert.
 *
 * Why each verdict is what it is comes from the client profiles (src/clients, docs/clients.md); the lab
 * only checks that the engine, driven over a real TLS connection, reaches them.
 */

import type tls from "node:tls";
import type { ClientId } from "../clients/index.js";
import type { DistrustRule } from "../trust/distrust.js";
import {
  type BuiltCertificate,
  buildCertificate,
  type CertificateSpec,
  type KeyPair,
} from "../x509/builder.js";
import { LAB_DOMAIN, type LabCert, type LabPki, labLeaf } from "./pki.js";
import { crlPath, type RevokedSerial } from "./revocation.js";

const DAY = 86_400_000;

/** "trusted", or the code of the finding the client refuses on (its ClientVerdict.reason.code). */
export type ExpectedVerdict = "trusted" | string;

export interface Expectation {
  /** The verdict of every client not named. */
  all: ExpectedVerdict;
  /** Clients that differ. */
  except?: Partial<Record<ClientId, ExpectedVerdict>>;
  /** Finding codes the report must include (besides the refusal codes). */
  findings?: string[];
}

export interface BuiltEndpoint {
  /** Sent in this order; the first is the server's certificate. */
  chain: BuiltCertificate[];
  key: KeyPair;
  /** Extra server options (versions, client certificates). */
  tls?: tls.TlsOptions;
  /** Serials the lab's OCSP responder and CRLs say are revoked (./revocation.ts). */
  revoked?: RevokedSerial[];
}

export interface EndpointSpec {
  name: string;
  title: string;
  build(pki: LabPki, aiaBase: string): BuiltEndpoint;
  expect: Expectation;
  /** Said next to the endpoint in the table. */
  note?: string;
  /**
   * Check its revocation status too (src/net/revocation.ts): each client's verdict then includes what it
   * does with the answer, and `expect` may name revocation findings.
   */
  revocation?: boolean;
}

export function hostOf(name: string): string {
  return `${name}.${LAB_DOMAIN}`;
}

export function expectedFor(e: Expectation, client: ClientId): ExpectedVerdict {
  return e.except?.[client] ?? e.all;
}

const c = (x: LabCert) => x.built;

/**
 * The lab's ECC issuing CA reissued (same name, key and issuer, so the leaf it signs chains to the lab root)
 * with one thing changed: the endpoints that break an intermediate in one way.
 */
function reissuedEcIca(p: LabPki, change: Partial<CertificateSpec>): BuiltCertificate {
  const ica = p.ecIca.built.cert;
  return buildCertificate({
    subject: ica.subject.toString(),
    issuer: { cert: p.ecRoot.built.cert, key: p.ecRoot.key.privateKey },
    publicKey: p.ecIca.key,
    notBefore: ica.notBefore,
    notAfter: ica.notAfter,
    ca: true,
    ...change,
  });
}

/** A leaf under `ica` (a reissued lab CA), sent with it. */
function underReissued(p: LabPki, name: string, ica: BuiltCertificate, aia: string): BuiltEndpoint {
  const leaf = labLeaf(p, name, { ...p.ecIca, built: ica }, aia);
  return { chain: [leaf.cert, ica], key: leaf.key };
}

export const LAB_ENDPOINTS: readonly EndpointSpec[] = [
  {
    name: "good-rsa",
    title: "a complete RSA chain (leaf, intermediate)",
    build: (p, aia) => {
      const leaf = labLeaf(p, "good-rsa", p.rsaIca, aia, { key: p.keys.rsa });
      return { chain: [leaf.cert, c(p.rsaIca)], key: leaf.key };
    },
    expect: { all: "trusted" },
  },
  {
    name: "good-ecdsa",
    title: "a complete ECDSA chain (P-256 leaf, P-256 intermediate, P-384 root)",
    build: (p, aia) => {
      const leaf = labLeaf(p, "good-ecdsa", p.ecIca, aia);
      return { chain: [leaf.cert, c(p.ecIca)], key: leaf.key };
    },
    expect: { all: "trusted" },
  },
  {
    name: "incomplete",
    title: "the intermediate is missing (its AIA URL points at the lab's HTTP server)",
    build: (p, aia) => {
      const leaf = labLeaf(p, "incomplete", p.rsaIca, aia, { key: p.keys.rsa });
      return { chain: [leaf.cert], key: leaf.key };
    },
    // Chrome fetches the issuer from the AIA URL; Firefox would only complete it from its preloaded
    // CCADB intermediates, which do not hold the lab's.
    expect: { all: "incomplete-chain", except: { chrome: "trusted" }, findings: ["incomplete-chain"] },
  },
  {
    name: "reversed",
    title: "two intermediates sent in the wrong order",
    build: (p, aia) => {
      const leaf = labLeaf(p, "reversed", p.chainB, aia);
      return { chain: [leaf.cert, c(p.chainA), c(p.chainB)], key: leaf.key };
    },
    expect: { all: "trusted", findings: ["wrong-order"] },
  },
  {
    name: "root-sent",
    title: "the root is sent too (harmless, useless)",
    build: (p, aia) => {
      const leaf = labLeaf(p, "root-sent", p.ecIca, aia);
      return { chain: [leaf.cert, c(p.ecIca), c(p.ecRoot)], key: leaf.key };
    },
    expect: { all: "trusted", findings: ["root-sent"] },
  },
  {
    name: "extra-unrelated",
    title: "an unrelated CA certificate sent after the chain",
    build: (p, aia) => {
      const leaf = labLeaf(p, "extra-unrelated", p.ecIca, aia);
      return { chain: [leaf.cert, c(p.ecIca), c(p.untrustedIca)], key: leaf.key };
    },
    expect: { all: "trusted", findings: ["unrelated-certificate"] },
  },
  {
    name: "self-signed",
    title: "a self-signed server certificate",
    build: (p, aia) => {
      const leaf = labLeaf(p, "self-signed", undefined, aia);
      return { chain: [leaf.cert], key: leaf.key };
    },
    expect: { all: "self-signed-leaf", except: { salesforce: "self-signed-target" } },
  },
  {
    name: "expired",
    title: "the server certificate expired yesterday",
    build: (p, aia) => {
      const leaf = labLeaf(p, "expired", p.ecIca, aia, {
        notBefore: new Date(p.now.getTime() - 91 * DAY),
        notAfter: new Date(p.now.getTime() - DAY),
      });
      return { chain: [leaf.cert, c(p.ecIca)], key: leaf.key };
    },
    expect: { all: "expired" },
  },
  {
    name: "not-yet-valid",
    title: "the server certificate is valid from tomorrow",
    build: (p, aia) => {
      const leaf = labLeaf(p, "not-yet-valid", p.ecIca, aia, {
        notBefore: new Date(p.now.getTime() + DAY),
        notAfter: new Date(p.now.getTime() + 91 * DAY),
      });
      return { chain: [leaf.cert, c(p.ecIca)], key: leaf.key };
    },
    expect: { all: "not-yet-valid" },
  },
  {
    name: "expired-intermediate",
    title: "the intermediate expired 30 days ago (the leaf is valid)",
    build: (p, aia) => {
      const leaf = labLeaf(p, "expired-intermediate", p.expiredIca, aia, {
        notBefore: new Date(p.now.getTime() - 60 * DAY),
      });
      return { chain: [leaf.cert, c(p.expiredIca)], key: leaf.key };
    },
    expect: { all: "expired" },
  },
  {
    name: "expired-chain",
    title: "the server certificate and its intermediate have both expired",
    build: (p, aia) => {
      const leaf = labLeaf(p, "expired-chain", p.expiredIca, aia, {
        notBefore: new Date(p.now.getTime() - 120 * DAY),
        notAfter: new Date(p.now.getTime() - 31 * DAY),
      });
      return { chain: [leaf.cert, c(p.expiredIca)], key: leaf.key };
    },
    // Which of the two each client names: Firefox the issuer's (SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE).
    expect: { all: "expired" },
  },
  {
    name: "wrong-host",
    title: "a valid certificate for another name",
    build: (p, aia) => {
      const leaf = labLeaf(p, "wrong-host", p.ecIca, aia, { dns: hostOf("some-other-host") });
      return { chain: [leaf.cert, c(p.ecIca)], key: leaf.key };
    },
    expect: { all: "hostname-mismatch" },
  },
  {
    name: "cn-only",
    title: "the name only in the subject CN, no subjectAltName",
    build: (p, aia) => {
      const leaf = labLeaf(p, "cn-only", p.ecIca, aia, { dns: null });
      return { chain: [leaf.cert, c(p.ecIca)], key: leaf.key };
    },
    expect: {
      all: "trusted",
      except: { go: "hostname-cn-only", chrome: "hostname-cn-only", firefox: "hostname-cn-only" },
    },
  },
  {
    name: "untrusted-root",
    title: "a chain to a root outside the lab trust store (root sent)",
    build: (p, aia) => {
      const leaf = labLeaf(p, "untrusted-root", p.untrustedIca, aia);
      return { chain: [leaf.cert, c(p.untrustedIca), c(p.untrustedRoot)], key: leaf.key };
    },
    expect: { all: "untrusted-root" },
  },
  {
    name: "cross-signed-after-root",
    title:
      "an untrusted self-signed root sent before its cross-signed copy (same name and key, a lab root's issue)",
    build: (p, aia) => {
      const leaf = labLeaf(p, "cross-signed-after-root", p.untrustedIca, aia);
      return {
        chain: [leaf.cert, c(p.untrustedIca), c(p.untrustedRoot), c(p.untrustedRootCross)],
        key: leaf.key,
      };
    },
    // OpenSSL (curl, Node) takes the first sent certificate that names the issuer, the self-signed one, and
    // never tries the cross-signed copy: error 19. The others find the path through the copy.
    expect: {
      all: "trusted",
      except: { openssl: "untrusted-root", curl: "untrusted-root", node: "untrusted-root" },
    },
  },
  {
    name: "distrusted",
    title: "a root distrusted for certificates issued after a date (synthetic rule, leaf issued after it)",
    build: (p, aia) => {
      // Issued yesterday with an SCT from yesterday: after the rules' cutoff, two days ago.
      const issued = new Date(p.now.getTime() - DAY);
      const leaf = labLeaf(p, "distrusted", p.distrustedIca, aia, {
        notBefore: issued,
        more: { sctList: [{ logId: "ab".repeat(32), timestamp: issued }] },
      });
      return { chain: [leaf.cert, c(p.distrustedIca)], key: leaf.key };
    },
    // Java, Salesforce and Firefox compare the leaf's notBefore, Chrome its earliest SCT; OpenSSL, curl,
    // Go and Node enforce no partial distrust.
    expect: {
      all: "distrusted-ca",
      except: { openssl: "trusted", curl: "trusted", go: "trusted", node: "trusted" },
      findings: ["distrusted-ca"],
    },
    note: "the distrust rule is the lab's own: outside the demo, check does not know it",
  },
  {
    name: "weak-key",
    title: "a 1024-bit RSA server key",
    build: (p, aia) => {
      const leaf = labLeaf(p, "weak-key", p.rsaIca, aia, { key: p.keys.rsa1024 });
      return { chain: [leaf.cert, c(p.rsaIca)], key: leaf.key };
    },
    // OpenSSL and curl at security level 2 want 2048 bits; the others still accept 1024.
    expect: { all: "trusted", except: { openssl: "weak-key", curl: "weak-key" }, findings: ["weak-key"] },
  },
  {
    name: "sha1",
    title: "a server certificate signed with SHA-1",
    build: (p, aia) => {
      const leaf = labLeaf(p, "sha1", p.rsaIca, aia, {
        key: p.keys.rsa,
        more: { signatureAlgorithm: "sha1WithRSAEncryption" },
      });
      // node's OpenSSL refuses to load a SHA-1 certificate at its default security level ("ca md too weak").
      return { chain: [leaf.cert, c(p.rsaIca)], key: leaf.key, tls: { ciphers: "DEFAULT@SECLEVEL=0" } };
    },
    // Java refuses SHA-1 under roots it ships (jdkCA): the lab store plays a shipped store.
    expect: { all: "weak-signature" },
    note: "the Java and Salesforce verdicts assume a root the JDK ships (jdkCA); under a root you add to a trust store yourself, Java 17 accepts SHA-1",
  },
  {
    name: "bad-signature",
    title: "the server certificate's RSA signature does not verify with its issuer's key",
    build: (p, aia) => {
      // Names and key identifiers say the lab's RSA issuing CA signed it; the lab's RSA root's key did.
      const leaf = labLeaf(p, "bad-signature", p.rsaIca, aia, {
        key: p.keys.rsa,
        more: { issuer: { cert: p.rsaIca.built.cert, key: p.rsaRoot.key.privateKey } },
      });
      return { chain: [leaf.cert, c(p.rsaIca)], key: leaf.key };
    },
    expect: { all: "bad-signature" },
  },
  {
    name: "name-constraints",
    title: "an intermediate constrained to another domain",
    build: (p, aia) => {
      const leaf = labLeaf(p, "name-constraints", p.ncIca, aia);
      return { chain: [leaf.cert, c(p.ncIca)], key: leaf.key };
    },
    expect: { all: "name-constraints-violated" },
  },
  {
    name: "excluded-name",
    title: "the intermediate's name constraints exclude the server's name",
    build: (p, aia) =>
      underReissued(
        p,
        "excluded-name",
        reissuedEcIca(p, { nameConstraints: { excluded: [{ dns: hostOf("excluded-name") }] } }),
        aia,
      ),
    // Chrome fetches the unconstrained CA from the leaf's AIA URL and trusts the chain through it.
    expect: { all: "name-constraints-violated", except: { chrome: "trusted" } },
  },
  {
    name: "intermediate-v1",
    title: "the intermediate is an X.509 version 1 certificate (no extensions, so no basicConstraints)",
    build: (p, aia) => underReissued(p, "intermediate-v1", reissuedEcIca(p, { version: 1, ca: false }), aia),
    expect: { all: "not-a-ca", except: { chrome: "trusted" } },
  },
  {
    name: "pathlen",
    title: "a CA below an intermediate with pathLen 0",
    build: (p, aia) => {
      const leaf = labLeaf(p, "pathlen", p.pathLenSub, aia);
      return { chain: [leaf.cert, c(p.pathLenSub), c(p.pathLenIca)], key: leaf.key };
    },
    expect: { all: "path-length-exceeded" },
  },
  {
    name: "critical-extension",
    title: "an intermediate with a critical extension no client knows",
    build: (p, aia) =>
      underReissued(
        p,
        "critical-extension",
        // 1.3.6.1.4.1.55738.1 (a private arc), critical, holding a NULL.
        reissuedEcIca(p, {
          extensions: [{ oid: "1.3.6.1.4.1.55738.1", critical: true, value: Uint8Array.of(0x05, 0x00) }],
        }),
        aia,
      ),
    // RFC 5280 §4.2: every client refuses a certificate with a critical extension it does not process;
    // Chrome, its path through the sent CA refused, fetches the leaf's AIA issuer (the unbroken CA) and
    // trusts the chain through that (src/clients/chrome.ts refetchesAfter), as for the three below.
    expect: { all: "unknown-critical-extension", except: { chrome: "trusted" } },
  },
  {
    name: "intermediate-not-ca",
    title: "the intermediate says CA:FALSE (while its keyUsage allows certificate signing)",
    build: (p, aia) =>
      underReissued(
        p,
        "intermediate-not-ca",
        reissuedEcIca(p, { ca: false, keyUsage: ["keyCertSign", "cRLSign"] }),
        aia,
      ),
    expect: { all: "not-a-ca", except: { chrome: "trusted" } },
  },
  {
    name: "intermediate-no-keycertsign",
    title: "the intermediate's keyUsage lacks keyCertSign",
    build: (p, aia) =>
      underReissued(
        p,
        "intermediate-no-keycertsign",
        reissuedEcIca(p, { keyUsage: ["digitalSignature"] }),
        aia,
      ),
    expect: { all: "key-usage", except: { chrome: "trusted" } },
  },
  {
    name: "intermediate-eku",
    title: "an intermediate whose extKeyUsage allows client authentication only",
    build: (p, aia) => underReissued(p, "intermediate-eku", reissuedEcIca(p, { eku: ["clientAuth"] }), aia),
    // EKU chaining: browsers, OpenSSL (error 26) and Go refuse it; Java does not look at a CA's EKU.
    expect: {
      all: "extended-key-usage",
      except: { salesforce: "trusted", java: "trusted", chrome: "trusted" },
    },
  },
  {
    name: "key-id-mismatch",
    title: "the intermediate reissued with another key identifier than the one the leaf names",
    build: (p, aia) => {
      // The leaf is issued by the lab's ECC CA as it is; the server sends a copy reissued with another
      // subjectKeyIdentifier (same name, key and issuer).
      const leaf = labLeaf(p, "key-id-mismatch", p.ecIca, aia);
      const reissued = reissuedEcIca(p, { ski: Uint8Array.from(Buffer.from("0a0b0c0d0e0f1011", "hex")) });
      return { chain: [leaf.cert, reissued], key: leaf.key };
    },
    // OpenSSL's X509_check_issued takes a key identifier mismatch as "not the issuer" (error 20; Node, whose
    // chain then holds only the leaf, says 21); Java, Go, Chrome and Firefox check the signature instead.
    expect: {
      all: "trusted",
      except: {
        openssl: "issuer-key-id-mismatch",
        curl: "issuer-key-id-mismatch",
        node: "issuer-key-id-mismatch",
      },
    },
  },
  {
    name: "anchor-key-id-mismatch",
    title: "the intermediate names another key than the root's as its signer (authority key identifier)",
    // The lab's ECC CA, signed by the root as always, but its AKI names a key identifier the root lacks.
    build: (p, aia) =>
      underReissued(
        p,
        "anchor-key-id-mismatch",
        reissuedEcIca(p, { aki: Uint8Array.from(Buffer.from("0c0c0c0c0c0c0c0c", "hex")) }),
        aia,
      ),
    // Java selects the trust anchor by the AKI ("Path does not chain with any of the trust anchors"), and
    // OpenSSL any issuer; Go, Chrome and Firefox check the signature.
    expect: {
      all: "trusted",
      except: {
        salesforce: "issuer-key-id-mismatch",
        java: "issuer-key-id-mismatch",
        openssl: "issuer-key-id-mismatch",
        curl: "issuer-key-id-mismatch",
        node: "issuer-key-id-mismatch",
      },
    },
  },
  {
    name: "client-cert",
    title: "requires a client certificate (mutual TLS); its own chain is fine",
    build: (p, aia) => {
      const leaf = labLeaf(p, "client-cert", p.ecIca, aia);
      return {
        chain: [leaf.cert, c(p.ecIca)],
        key: leaf.key,
        tls: { requestCert: true, rejectUnauthorized: true, ca: [c(p.ecRoot).pem] },
      };
    },
    expect: { all: "trusted", findings: ["client-certificate-required"] },
  },
  {
    name: "mtls-ca-names",
    title: "requires a client certificate from the lab client CA (its CertificateRequest names that CA)",
    build: (p, aia) => {
      const leaf = labLeaf(p, "mtls-ca-names", p.ecIca, aia);
      return {
        chain: [leaf.cert, c(p.ecIca)],
        key: leaf.key,
        tls: { requestCert: true, rejectUnauthorized: true, ca: [c(p.clientCa).pem] },
      };
    },
    expect: { all: "trusted", findings: ["client-certificate-required"] },
  },
  {
    name: "mtls-no-names",
    title: "requires a client certificate and names no CAs (Java sends whatever it has)",
    build: (p, aia) => {
      const leaf = labLeaf(p, "mtls-no-names", p.ecIca, aia);
      return {
        chain: [leaf.cert, c(p.ecIca)],
        key: leaf.key,
        tls: { requestCert: true, rejectUnauthorized: true },
      };
    },
    expect: { all: "trusted", findings: ["client-certificate-required"] },
  },
  {
    name: "mtls-self-signed",
    title: "requires a client certificate; the self-signed lab-client-self-signed is installed here",
    build: (p, aia) => {
      const leaf = labLeaf(p, "mtls-self-signed", p.ecIca, aia);
      return {
        chain: [leaf.cert, c(p.ecIca)],
        key: leaf.key,
        tls: {
          requestCert: true,
          rejectUnauthorized: true,
          ca: [c(p.clientCa).pem, c(p.clientSelfSigned).pem],
        },
      };
    },
    expect: { all: "trusted", findings: ["client-certificate-required"] },
  },
  {
    name: "tls10",
    title: "speaks only TLS 1.0 and 1.1",
    build: (p, aia) => {
      const leaf = labLeaf(p, "tls10", p.rsaIca, aia, { key: p.keys.rsa });
      return {
        chain: [leaf.cert, c(p.rsaIca)],
        key: leaf.key,
        tls: { minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" },
      };
    },
    expect: { all: "tls-version-too-old" },
  },
  {
    name: "must-staple",
    title: "OCSP must-staple, and no OCSP response stapled",
    build: (p, aia) => {
      const leaf = labLeaf(p, "must-staple", p.ecIca, aia, { more: { mustStaple: true } });
      return { chain: [leaf.cert, c(p.ecIca)], key: leaf.key };
    },
    expect: { all: "trusted", except: { firefox: "ocsp-must-staple-missing" } },
  },
  {
    name: "revoked",
    title: "Revoked (keyCompromise): the lab's OCSP responder and CRL say so; only Firefox checks",
    build: (p, aia) => {
      const leaf = labLeaf(p, "revoked", p.ecIca, aia, {
        more: {
          aia: { caIssuers: `${aia}/${p.ecIca.path}`, ocsp: `${aia}/revocation/ocsp` },
          crlDp: `${aia}/revocation/${crlPath(p.ecIca.built.cert)}`,
        },
      });
      const date = new Date(p.now.getTime() - DAY);
      return {
        chain: [leaf.cert, c(p.ecIca)],
        key: leaf.key,
        revoked: [{ serial: leaf.cert.cert.serialNumber, date, reason: 1 }],
      };
    },
    revocation: true,
    expect: { all: "trusted", except: { firefox: "revocation-revoked" }, findings: ["revocation-revoked"] },
    note: "revoked, and every client but Firefox connects: none of them checks revocation by default",
  },
  {
    name: "ocsp-down",
    title: "The OCSP responder answers 503: soft-fail everywhere",
    build: (p, aia) => {
      const leaf = labLeaf(p, "ocsp-down", p.ecIca, aia, {
        more: { aia: { caIssuers: `${aia}/${p.ecIca.path}`, ocsp: `${aia}/revocation/down/ocsp` } },
      });
      return { chain: [leaf.cert, c(p.ecIca)], key: leaf.key };
    },
    revocation: true,
    expect: { all: "trusted", findings: ["revocation-ocsp-unreachable"] },
  },
];

/**
 * The lab's own partial-distrust rules: its "distrusted" root, for leaves issued after two days ago —
 * by notBefore for Java, Salesforce and Firefox, by the earliest SCT for Chrome (src/trust/distrust.ts).
 */
export function labDistrustRules(pki: LabPki): DistrustRule[] {
  const root = pki.distrustedRoot.built.cert;
  const sha = root.sha256.toUpperCase();
  const cutoff = new Date(pki.now.getTime() - 2 * DAY);
  const common = {
    roots: [sha],
    rootNames: { [sha]: root.label },
    source: "chainproof lab (synthetic rule)",
  };
  return [
    {
      ...common,
      id: "lab-distrust-after",
      clients: ["java", "salesforce", "firefox"],
      test: { kind: "notBefore-after", date: cutoff },
      description: `lab: TLS certificates issued after ${cutoff.toISOString()} under ${root.label}`,
    },
    {
      ...common,
      id: "lab-sct-after",
      clients: ["chrome"],
      test: { kind: "first-sct-after", date: cutoff },
      description: `lab: TLS certificates whose first SCT is after ${cutoff.toISOString()} under ${root.label}`,
    },
  ];
}
