/**
 * Key and signature-algorithm limits of each client, as small rule functions over a candidate path
 * (leaf first, anchor last). No client checks the signature on its own trust anchor, so the anchor's
 * self-signature is never judged here; whether the anchor's key is, differs by client and is said below.
 */

import { selfSigned } from "../verify/index.js";
import type { Certificate } from "../x509/certificate.js";
import type { AlgorithmPolicy, AlgorithmProblem } from "./profile.js";

/** The hash of a certificate's signature algorithm ("md2", "md5", "sha1", "sha256", …), when it has one. */
export function signatureHash(cert: Certificate): string | undefined {
  return HASHES[cert.signatureAlgorithm.oid];
}

const HASHES: Record<string, string> = {
  "1.2.840.113549.1.1.2": "md2",
  "1.2.840.113549.1.1.4": "md5",
  "1.2.840.113549.1.1.5": "sha1",
  "1.2.840.113549.1.1.14": "sha224",
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  "1.2.840.10045.4.1": "sha1",
  "1.2.840.10045.4.3.1": "sha224",
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  "1.2.840.10040.4.3": "sha1",
  "2.16.840.1.101.3.4.3.2": "sha256",
};

/** True for the hashes every strict client has retired for certificate signatures. */
export function isWeakHash(hash: string | undefined): boolean {
  return hash === "md2" || hash === "md5" || hash === "sha1";
}

/** Java's Signature name: "SHA1withRSA", "MD5withRSA", "SHA1withECDSA" (as AlgorithmChecker prints it). */
export function javaAlgorithmName(cert: Certificate): string {
  const h = signatureHash(cert);
  const key = keyFamily(cert.signatureAlgorithm.oid);
  if (!h || !key) return cert.signatureAlgorithm.name;
  return `${h.toUpperCase()}with${key === "ec" ? "ECDSA" : key.toUpperCase()}`;
}

/** Go's x509.SignatureAlgorithm String(): "SHA1-RSA", "MD5-RSA", "ECDSA-SHA1", "DSA-SHA1". */
export function goAlgorithmName(cert: Certificate): string {
  const h = signatureHash(cert);
  const key = keyFamily(cert.signatureAlgorithm.oid);
  if (!h || !key) return cert.signatureAlgorithm.name;
  const H = h.toUpperCase();
  return key === "rsa" ? `${H}-RSA` : key === "ec" ? `ECDSA-${H}` : `DSA-${H}`;
}

function keyFamily(sigOid: string): "rsa" | "ec" | "dsa" | undefined {
  if (sigOid.startsWith("1.2.840.113549.1.1.")) return "rsa";
  if (sigOid.startsWith("1.2.840.10045.4.")) return "ec";
  if (sigOid === "1.2.840.10040.4.3" || sigOid === "2.16.840.1.101.3.4.3.2") return "dsa";
  return undefined;
}

/** "RSA 1024", "EC 192 (P-192)". */
function keyText(cert: Certificate): string {
  const k = cert.publicKey;
  return `${k.algorithm} ${k.bits ?? "?"}${k.curve ? ` (${k.curve})` : ""}`;
}

function sigProblem(cert: Certificate, position: number, algorithm: string, why: string): AlgorithmProblem {
  return {
    kind: "weak-signature",
    cert,
    position,
    algorithm,
    detail: `signed with ${cert.signatureAlgorithm.name}: ${why}`,
  };
}

function keyProblem(cert: Certificate, position: number, why: string): AlgorithmProblem {
  return {
    kind: "weak-key",
    cert,
    position,
    algorithm: keyText(cert),
    bits: cert.publicKey.bits,
    detail: `${keyText(cert)} key: ${why}`,
  };
}

/** The certificates whose signatures a client checks: every one below the anchor (leaf first). */
function signed(certs: readonly Certificate[]): Certificate[] {
  return certs.length > 1 ? certs.slice(0, -1) : certs.filter((c) => !selfSigned(c));
}

// ---------------------------------------------------------------------------------------------------------
// Java: jdk.certpath.disabledAlgorithms (JDK 17, 21 and 25 defaults are the same)

/**
 * `jdk.certpath.disabledAlgorithms=MD2, MD5, SHA1 jdkCA & usage TLSServer, RSA keySize < 1024,
 * DSA keySize < 1024, EC keySize < 224, SHA1 usage SignedJAR & denyAfter 2019-01-01`
 * (src/java.base/share/conf/security/java.security of jdk17u-dev, jdk21u-dev, jdk25u-dev; [run] on
 * 17.0.15 and 25.0.3). "The algorithm restrictions do not apply to trust anchors or self-signed
 * certificates" (same file). `SHA1 jdkCA` refuses SHA-1 only in chains that end at an anchor shipped in
 * the JDK's own cacerts ([run]: a SHA-1 chain to a private root is accepted by JDK 17).
 */
export const JAVA_ALGORITHMS: AlgorithmPolicy = {
  rules: [
    "MD2 and MD5 signatures refused",
    "SHA-1 signatures refused when the chain ends at a root shipped in the JDK's cacerts (jdkCA), accepted under other roots",
    "RSA and DSA keys under 1024 bits, EC keys under 224 bits refused",
    "the trust anchor and self-signed certificates are exempt",
  ],
  source:
    "jdk.certpath.disabledAlgorithms in conf/security/java.security (JDK 17/21/25); sun.security.provider.certpath.AlgorithmChecker",
  evidence: "run",
  check({ certs, anchorShippedWithClient }) {
    const out: AlgorithmProblem[] = [];
    const below = certs.length > 1 ? certs.slice(0, -1) : [];
    below.forEach((c, i) => {
      if (selfSigned(c)) return;
      const h = signatureHash(c);
      if (h === "md2" || h === "md5") {
        out.push(
          sigProblem(c, i, javaAlgorithmName(c), `${h.toUpperCase()} is in jdk.certpath.disabledAlgorithms`),
        );
      } else if (h === "sha1" && anchorShippedWithClient) {
        out.push(
          sigProblem(
            c,
            i,
            javaAlgorithmName(c),
            "SHA1 is disabled for TLS server chains that end at a JDK cacerts root (SHA1 jdkCA & usage TLSServer)",
          ),
        );
      }
      const k = c.publicKey;
      if (
        (k.algorithm === "RSA" || k.algorithm === "RSA-PSS" || k.algorithm === "DSA") &&
        k.bits !== undefined &&
        k.bits < 1024
      ) {
        out.push(keyProblem(c, i, `${k.algorithm} keySize < 1024 is disabled`));
      } else if (k.algorithm === "EC" && k.bits !== undefined && k.bits < 224) {
        out.push(keyProblem(c, i, "EC keySize < 224 is disabled"));
      }
    });
    return out;
  },
};

// ---------------------------------------------------------------------------------------------------------
// OpenSSL security levels (libssl sets the verify auth_level to the SSL security level)

/** OpenSSL's security bits for a key (EVP_PKEY_security_bits; RSA/DSA via BN_security_bits). */
export function keySecurityBits(cert: Certificate): number | undefined {
  const k = cert.publicKey;
  if (k.bits === undefined) return undefined;
  switch (k.algorithm) {
    case "RSA":
    case "RSA-PSS":
    case "DSA": {
      const L = k.bits;
      return L >= 15360 ? 256 : L >= 7680 ? 192 : L >= 3072 ? 128 : L >= 2048 ? 112 : L >= 1024 ? 80 : 0;
    }
    case "EC":
      return Math.floor(k.bits / 2);
    case "Ed25519":
      return 128;
    case "Ed448":
      return 224;
    default:
      return undefined;
  }
}

/** OpenSSL 3's security bits for a signature digest: MD5 39, SHA-1 63 (3.0 lowered it from 80), SHA-2 by size. */
const DIGEST_BITS: Record<string, number> = {
  md2: 0,
  md5: 39,
  sha1: 63,
  sha224: 112,
  sha256: 128,
  sha384: 192,
  sha512: 256,
};
const LEVEL_BITS = [0, 80, 112, 128, 192, 256];

/**
 * OpenSSL 3 at security level `level`: x509_vfy.c check_auth_level() refuses issuer keys (the trust
 * anchor's included) and the leaf key below the level's bits (X509_V_ERR_CA_KEY_TOO_SMALL 67,
 * X509_V_ERR_EE_KEY_TOO_SMALL 66), and signature digests below it on every certificate except the trust
 * anchor (X509_V_ERR_CA_MD_TOO_WEAK 68). Level 1: 80 bits (RSA ≥ 1024; SHA-1 refused since OpenSSL 3.0
 * counts it as 63 bits). Level 2: 112 bits (RSA ≥ 2048). Level 2 is the default of OpenSSL ≥ 3.2 and of
 * Debian/Ubuntu builds ([run]: Debian 12's OpenSSL 3.0.19 s_client and curl 7.88.1 refuse a 1024-bit
 * intermediate with "CA certificate key too weak" and SHA-1 with "CA signature digest algorithm too weak").
 * Node's bundled OpenSSL runs at level 1 ([run]: Node 20 accepts the 1024-bit intermediate, refuses SHA-1).
 */
export function opensslAlgorithms(level: 1 | 2, who: string): AlgorithmPolicy {
  const bits = LEVEL_BITS[level];
  return {
    rules: [
      `security level ${level} (${bits} bits): RSA and DSA keys under ${level === 1 ? 1024 : 2048} bits and EC keys under ${bits * 2} bits refused, the root's key included`,
      "MD5 and SHA-1 signatures refused on every certificate but the trust anchor (OpenSSL 3 counts SHA-1 as 63 bits)",
    ],
    source: `OpenSSL 3 crypto/x509/x509_vfy.c check_auth_level(), check_key_level(), check_sig_level(); ${who}`,
    evidence: "run",
    check({ certs }) {
      const out: AlgorithmProblem[] = [];
      certs.forEach((c, i) => {
        const kb = keySecurityBits(c);
        if (kb !== undefined && kb < bits) {
          out.push(keyProblem(c, i, `${kb} security bits, below security level ${level} (${bits})`));
        }
        if (i < certs.length - 1 || (certs.length === 1 && !selfSigned(c))) {
          const h = signatureHash(c);
          if (h && (DIGEST_BITS[h] ?? 128) < bits) {
            out.push(
              sigProblem(
                c,
                i,
                c.signatureAlgorithm.name,
                `${h.toUpperCase()} has ${DIGEST_BITS[h]} security bits, below security level ${level} (${bits})`,
              ),
            );
          }
        }
      });
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Go

/**
 * The signature algorithms Go's checkSignature can verify (x509.go signatureAlgorithmDetails less MD2, which
 * has no hash, and DSA, whose verification Go 1.16 removed): RSA PKCS#1 v1.5 with MD5, SHA-1 and SHA-2 but
 * SHA-224, RSASSA-PSS, ECDSA with SHA-1 and SHA-2 but SHA-224, Ed25519.
 */
const GO_VERIFIES = new Set([
  "1.2.840.113549.1.1.4",
  "1.2.840.113549.1.1.5",
  "1.2.840.113549.1.1.11",
  "1.2.840.113549.1.1.12",
  "1.2.840.113549.1.1.13",
  "1.2.840.113549.1.1.10",
  "1.2.840.10045.4.1",
  "1.2.840.10045.4.3.2",
  "1.2.840.10045.4.3.3",
  "1.2.840.10045.4.3.4",
  "1.3.101.112",
]);

/**
 * Why Go's checkSignature refuses a certificate's signature before checking it, as its error says, or
 * undefined when Go verifies it. The hash is judged first: MD5 and SHA-1 (also DSA-SHA1) are an
 * InsecureAlgorithmError; any other algorithm Go has no verifier for (MD2, SHA-224, DSA, an unknown OID) is
 * ErrUnsupportedAlgorithm [run: Go 1.19.8, test/clients-go-hash.test.ts].
 */
export function goSignatureRefusal(cert: Certificate): string | undefined {
  const h = signatureHash(cert);
  if (h === "md5" || h === "sha1")
    return `x509: cannot verify signature: insecure algorithm ${goAlgorithmName(cert)}`;
  if (!GO_VERIFIES.has(cert.signatureAlgorithm.oid))
    return "x509: cannot verify signature: algorithm unimplemented";
  return undefined;
}

/**
 * Go crypto/x509: MD5 and SHA-1 signatures are insecure and "will not be used to build chains"
 * (x509.go InsecureAlgorithmError; SHA-1 since Go 1.18, the x509sha1 GODEBUG removed in Go 1.24); MD2,
 * SHA-224, DSA and unknown signature algorithms are not implemented (ErrUnsupportedAlgorithm); RSA keys under
 * 1024 bits are refused by crypto/rsa since Go 1.24. Go does not check the root's own signature.
 */
export const GO_ALGORITHMS: AlgorithmPolicy = {
  rules: [
    "MD5 and SHA-1 signatures refused (Go 1.18+; no override since Go 1.24)",
    "MD2, SHA-224, DSA and unknown signature algorithms refused as not implemented",
    "RSA keys under 1024 bits refused (Go 1.24+)",
  ],
  source:
    "golang/go src/crypto/x509/x509.go (InsecureAlgorithmError, checkSignature); Go 1.24 release notes (crypto/rsa)",
  evidence: "src",
  check({ certs }) {
    const out: AlgorithmProblem[] = [];
    signed(certs).forEach((c, i) => {
      const refusal = goSignatureRefusal(c);
      if (refusal?.includes("insecure"))
        out.push(sigProblem(c, i, goAlgorithmName(c), "an insecure algorithm Go will not verify"));
      else if (refusal) out.push(sigProblem(c, i, goAlgorithmName(c), "an algorithm Go does not implement"));
    });
    certs.forEach((c, i) => {
      const k = c.publicKey;
      if (k.algorithm === "RSA" && k.bits !== undefined && k.bits < 1024)
        out.push(keyProblem(c, i, "below Go's 1024-bit RSA minimum"));
    });
    return out;
  },
};

// ---------------------------------------------------------------------------------------------------------
// Browsers

const BROWSER_CURVES = new Set(["P-256", "P-384", "P-521"]);

function browserCheck(certs: readonly Certificate[]): AlgorithmProblem[] {
  const out: AlgorithmProblem[] = [];
  signed(certs).forEach((c, i) => {
    if (isWeakHash(signatureHash(c)))
      out.push(sigProblem(c, i, c.signatureAlgorithm.name, "SHA-1 and MD5 signatures are refused"));
  });
  certs.forEach((c, i) => {
    const k = c.publicKey;
    if ((k.algorithm === "RSA" || k.algorithm === "RSA-PSS") && k.bits !== undefined && k.bits < 1024) {
      out.push(keyProblem(c, i, "RSA keys under 1024 bits are refused"));
    } else if (k.algorithm === "EC" && !BROWSER_CURVES.has(k.curve ?? "")) {
      out.push(keyProblem(c, i, "only the P-256, P-384 and P-521 curves are accepted"));
    } else if (k.algorithm === "DSA") {
      out.push(keyProblem(c, i, "DSA keys are refused"));
    }
  });
  return out;
}

/**
 * Chrome's certificate verifier: SimplePathBuilderDelegate(1024, …) — RSA keys of at least 1024 bits,
 * EC keys on P-256/P-384/P-521 — and no SHA-1 (chromium net/cert/cert_verify_proc_builtin.cc,
 * boringssl pki/simple_path_builder_delegate.cc). The CA/Browser Forum requires 2048-bit RSA of CAs,
 * so a public chain never has less; a private chain with 1024-bit RSA still verifies.
 */
export const CHROME_ALGORITHMS: AlgorithmPolicy = {
  rules: [
    "SHA-1 and MD5 signatures refused",
    "SHA-224 signatures refused (not among the verifier's signature algorithms)",
    "RSA keys under 1024 bits refused; EC keys only on P-256, P-384, P-521; no DSA",
  ],
  source:
    "chromium net/cert/cert_verify_proc_builtin.cc (SimplePathBuilderDelegate(1024, …)); boringssl pki/simple_path_builder_delegate.cc, pki/signature_algorithm.cc",
  evidence: "src",
  check: ({ certs }) => {
    const out = browserCheck(certs);
    // [run] Chromium 156: a leaf signed with sha224WithRSAEncryption by a locally trusted root is
    // NET::ERR_CERT_INVALID, as SHA-1 is (by hand, recorded in docs/clients.md).
    signed(certs).forEach((c, i) => {
      if (signatureHash(c) === "sha224")
        out.push(
          sigProblem(c, i, c.signatureAlgorithm.name, "SHA-224 is not among Chrome's signature algorithms"),
        );
    });
    return out;
  },
};

/**
 * Firefox (mozilla::pkix via NSSCertDBTrustDomain): SHA-1 refused (CheckSignatureDigestAlgorithm); RSA
 * keys first tried at 2048 bits, then at MIN_RSA_BITS_WEAK = 1024 ("CompatibilityRisk"), so under 1024 is
 * refused (security/certverifier/CertVerifier.cpp); EC on P-256/P-384/P-521 only.
 */
export const FIREFOX_ALGORITHMS: AlgorithmPolicy = {
  rules: [
    "SHA-1 and MD5 signatures refused",
    "RSA keys under 1024 bits refused (2048 preferred, 1024 accepted as a compatibility risk); EC only P-256, P-384, P-521",
  ],
  source:
    "mozilla security/certverifier/CertVerifier.cpp (MIN_RSA_BITS 2048, MIN_RSA_BITS_WEAK 1024); NSSCertDBTrustDomain.cpp",
  evidence: "src",
  check: ({ certs }) => browserCheck(certs),
};
