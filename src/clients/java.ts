/**
 * Java (JSSE with the default PKIX trust manager: sun.security.ssl.X509TrustManagerImpl →
 * sun.security.validator.PKIXValidator → sun.security.provider.certpath). Every error text below marked
 * [run] was printed by JDK 17.0.15 in an in-memory TLS handshake (test/java/ChainCheck.java); JDK 25 adds
 * the TLS alert name in front, e.g. "(certificate_unknown) PKIX path building failed: …".
 */

import type { Certificate } from "../x509/certificate.js";
import { JAVA_ALGORITHMS } from "./algorithms.js";
import type { ClientProfile, ErrorText, Failure, FailureKind, PathLimits } from "./profile.js";
import { javaPrincipal, UNLIMITED_INTERMEDIATES } from "./profile.js";

export const JAVA_PKIX_BUILD_FAILED =
  "PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target";

const validation = (inner: string) =>
  `PKIX path validation failed: java.security.cert.CertPathValidatorException: ${inner}`;

/**
 * Which way PKIXValidator.engineValidate goes (openjdk src/java.base/share/classes/sun/security/validator/
 * PKIXValidator.java): it validates the chain as sent ("PKIX path validation failed: …") when the chain is
 * in order up to a trusted certificate, or when its last certificate's issuer is a trusted subject whose key
 * verifies it (checked only for the plug-in variant); otherwise it builds a path ("PKIX path building failed: …", which reports no reason).
 * `sent` is the chain as the server sent it, leaf first.
 */
export function javaBranch(
  sent: readonly Certificate[],
  anchors: readonly Certificate[],
): "validate" | "build" {
  if (sent.length === 0) return "build";
  const trusted = new Set(anchors.map((a) => a.sha256));
  const bySubject = new Map<string, Certificate[]>();
  for (const a of anchors)
    bySubject.set(a.subject.matchKey, [...(bySubject.get(a.subject.matchKey) ?? []), a]);
  const sameKey = (a: Certificate, b: Certificate) =>
    Buffer.from(a.publicKey.spki).equals(Buffer.from(b.publicKey.spki));
  let prevIssuer: string | undefined;
  for (let i = 0; i < sent.length; i++) {
    const c = sent[i];
    if (i !== 0 && c.subject.matchKey !== prevIssuer) return "build";
    if (trusted.has(c.sha256) || (bySubject.get(c.subject.matchKey) ?? []).some((a) => sameKey(a, c))) {
      return "validate";
    }
    prevIssuer = c.issuer.matchKey;
  }
  // isSignatureValid checks the last certificate's signature only for the plug-in variant: a TLS trust
  // manager validates as soon as the issuer's name is trusted [run: JDK 17, a leaf whose signature algorithm
  // is unknown or MD2 ends in "signature check failed" / MD2withRSA's algorithm constraint;
  // test/clients-go-hash.test.ts].
  const last = sent[sent.length - 1];
  return bySubject.has(last.issuer.matchKey) ? "validate" : "build";
}

/** The order in which Java reports failures: path building/validation, then distrust, then the end entity, then the host name. */
export const JAVA_ORDER: FailureKind[] = [
  "unknown-issuer",
  "chain-too-long",
  "untrusted-root",
  "self-signed-leaf",
  "non-root-anchor",
  "weak-signature",
  "weak-key",
  "ca-key-usage",
  "not-a-ca",
  "path-length",
  "bad-signature",
  "expired",
  "not-yet-valid",
  "name-constraints",
  "critical-extension",
  "other",
  "distrusted",
  "extended-key-usage",
  "hostname-mismatch",
];

/** What a Java HTTPS client's SSLHandshakeException says (JDK 17 wording). */
export function javaErrorText(f: Failure): ErrorText {
  const viaValidation = (inner: string, evidence: ErrorText["evidence"]): ErrorText =>
    f.javaBranch === "build"
      ? { text: JAVA_PKIX_BUILD_FAILED, evidence: "run" }
      : { text: validation(inner), evidence };
  switch (f.kind) {
    case "unknown-issuer":
      // [run] JDK 17: the sent chain ends at the root's name and key, but its AKI names another key.
      if (f.keyIdMismatch && f.javaBranch === "validate")
        return viaValidation("Path does not chain with any of the trust anchors", "run");
      return { text: JAVA_PKIX_BUILD_FAILED, evidence: "run" };
    case "self-signed-target":
    case "self-signed-leaf":
    case "untrusted-root":
    case "non-root-anchor":
      // [run] Java cannot tell an untrusted root, a missing intermediate and a self-signed leaf apart.
      return { text: JAVA_PKIX_BUILD_FAILED, evidence: "run" };
    case "expired":
    case "not-yet-valid":
      // [run] sun.security.provider.certpath.BasicChecker.verifyValidity
      return viaValidation("validity check failed", "run");
    case "weak-signature":
      // [run] JDK 17 AlgorithmChecker for MD5; the jdkCA SHA-1 constraint words it differently [unverified].
      if (f.algorithm && /^SHA1/.test(f.algorithm.algorithm)) {
        return viaValidation(
          `Algorithm constraints check failed on signature algorithm: ${f.algorithm.algorithm}`,
          "unverified",
        );
      }
      return viaValidation(
        `Algorithm constraints check failed on signature algorithm: ${f.algorithm?.algorithm ?? "?"}`,
        "run",
      );
    case "weak-key":
      // [run] JDK 17: "… on keysize limits: RSA 512 bit key used with certificate: CN=Weak Int"
      if (f.algorithm) {
        const k = f.algorithm.cert.publicKey;
        return viaValidation(
          `Algorithm constraints check failed on keysize limits: ${k.algorithm} ${k.bits ?? "?"} bit key used with certificate: ${javaPrincipal(f.algorithm.cert)}`,
          "run",
        );
      }
      return viaValidation("Algorithm constraints check failed on keysize limits", "unverified");
    case "ca-key-usage":
      // [run] sun.security.provider.certpath.KeyChecker
      return viaValidation("CA key usage check failed: keyCertSign bit is not set", "run");
    case "not-a-ca":
      // sun.security.provider.certpath.ConstraintsChecker.verifyBasicConstraints [src]
      return viaValidation("basic constraints check failed: this is not a CA certificate", "src");
    case "path-length":
      return viaValidation(
        "basic constraints check failed: pathLenConstraint violated - this cert must be the last cert in the certification path",
        "src",
      );
    case "bad-signature":
      return viaValidation("signature check failed", "src");
    case "critical-extension":
      // [run] JDK 17: PKIXMasterCertPathValidator after every checker of a certificate.
      return viaValidation("unrecognized critical extension(s)", "run");
    case "name-constraints":
      return viaValidation("name constraints check failed", "unverified");
    case "distrusted": {
      // sun.security.validator.*TLSPolicy: ValidatorException thrown after path validation [src].
      const tpl = f.distrust?.rule.errorText;
      if (tpl && f.distrust)
        return { text: tpl.replace("{anchor}", javaPrincipal(f.distrust.anchor)), evidence: "src" };
      return {
        text: "TLS Server certificate issued after the cutoff and anchored by a distrusted legacy root CA",
        evidence: "unverified",
      };
    }
    case "extended-key-usage":
      // sun.security.validator.EndEntityChecker.checkTLSServer [src, wording unverified]
      return {
        text: "Extended key usage does not permit use for TLS server authentication",
        evidence: "unverified",
      };
    case "hostname-mismatch":
      return javaHostnameText(f);
    case "chain-too-long":
      if (f.sentCount !== undefined && f.sentCount > (JAVA_PATHS.maxSent ?? f.sentCount)) {
        // sun.security.ssl.CertificateMessage stops reading at the first certificate over the limit, so the
        // count it names is always the limit plus one; the handshake fails before the trust manager is asked.
        // [run] JDK 17.0.15 and 25.0.3 (test/verify-pathological.test.ts).
        const max = JAVA_PATHS.maxSent;
        return {
          text: `The certificate chain length (${(max ?? 0) + 1}) exceeds the maximum allowed length (${max})`,
          evidence: "run",
        };
      }
      // PKIXBuilderParameters.maxPathLength: the builder gives up on longer paths and reports no reason.
      return { text: JAVA_PKIX_BUILD_FAILED, evidence: "src" };
    case "budget-exceeded":
      return { text: JAVA_PKIX_BUILD_FAILED, evidence: "inferred" };
    default:
      return viaValidation(f.detail, "unverified");
  }
}

/** sun.security.util.HostnameChecker (TYPE_TLS) messages, [run] on JDK 17 and 25. */
function javaHostnameText(f: Failure): ErrorText {
  const h = f.hostname;
  if (!h) return { text: "No subject alternative names present", evidence: "unverified" };
  if (h.peer.kind === "ip") {
    return h.hasSan
      ? { text: `No subject alternative names matching IP address ${h.peer.value} found`, evidence: "run" }
      : { text: "No subject alternative names present", evidence: "run" };
  }
  return h.dns.length > 0
    ? { text: `No subject alternative DNS name matching ${h.peer.value} found.`, evidence: "run" }
    : { text: `No name matching ${h.peer.value} found`, evidence: "run" };
}

/**
 * JSSE reads at most jdk.tls.maxCertificateChainLength (default 10) certificates from the server
 * (sun.security.ssl.SSLConfiguration, JDK 17: GetIntegerAction "jdk.tls.maxCertificateChainLength", 10).
 * The chain as sent, in order, is validated with no length limit (CertPathValidator, PKIXValidator
 * doValidate); a chain that must be built goes through PKIXBuilderParameters, whose maxPathLength defaults
 * to 5 non-self-issued intermediates (java.security.cert.PKIXBuilderParameters, PKIXValidator doBuild).
 */
export const JAVA_PATHS: PathLimits = {
  maxIntermediates: UNLIMITED_INTERMEDIATES,
  countsSelfIssued: false,
  whenBuilding: 5,
  maxSent: 10,
  // [run] JDK 17: an intermediate whose AKI names another key than the trusted root's SKI fails with "Path
  // does not chain with any of the trust anchors"; the same mismatch between two sent certificates is accepted.
  keyIdMismatch: "anchor-refused",
  source:
    "openjdk sun/security/ssl/SSLConfiguration.java (jdk.tls.maxCertificateChainLength = 10); java.security.cert.PKIXBuilderParameters (maxPathLength 5); sun/security/validator/PKIXValidator.java; sun/security/provider/certpath/PKIXCertPathValidator.java (the anchor is selected by the AKI)",
  evidence: "src",
};

export const java: ClientProfile = {
  id: "java",
  name: "Java",
  summary:
    "A Java HTTPS client (HttpsURLConnection, HttpClient, Apache/OkHttp on the JDK trust manager), JDK 17–25 defaults",
  engine: "JSSE X509TrustManagerImpl → PKIXValidator → sun.security.provider.certpath (PKIX)",
  store: {
    real: "jdk-cacerts",
    fallback: "mozilla",
    approximation:
      "the JDK's cacerts was not given (--store jdk or --roots FILE), so Mozilla's TLS roots stand in for it; the JDK ships a similar but not identical list",
    source: "$JAVA_HOME/lib/security/cacerts (src/trust/locations.ts jdkCacertsCandidates)",
  },
  aia: {
    fetches: false,
    preloads: false,
    note: "caIssuers URLs are followed only with -Dcom.sun.security.enableAIAcaIssuers=true and an allow-list in com.sun.security.allowedAIALocations (empty by default)",
    source: "conf/security/java.security (JDK 21u, 25): com.sun.security.allowedAIALocations",
    evidence: "src",
  },
  distrust: {
    client: "java",
    source:
      "jdk.security.caDistrustPolicies (SYMANTEC_TLS, ENTRUST_TLS, CAMERFIRMA_TLS, CHUNGHWA_TLS): sun/security/validator/*TLSPolicy.java",
  },
  hostname: {
    // sun.security.util.HostnameChecker.matchDNS: the CN is used only when there is no dNSName SAN; [run]
    // JDK 17 and 25 accept a CN-only leaf.
    cnFallback: true,
    source: "openjdk src/java.base/share/classes/sun/security/util/HostnameChecker.java (matchDNS, matchIP)",
    evidence: "run",
  },
  anchors: {
    // PKIXValidator: a trusted certificate anywhere in the chain ends it (TrustAnchor need not be
    // self-signed); a leaf that is itself trusted is returned as it is, without a validity check ([run]:
    // an expired self-signed leaf in the trust store is accepted).
    nonSelfSigned: "anchor",
    directLeaf: "any",
    directLeafValidity: false,
    source: "openjdk sun/security/validator/PKIXValidator.java engineValidate; [run] JDK 17",
    evidence: "run",
  },
  profile: "rfc5280",
  // PKIX in the JDK does not require key identifiers (RFC 5280 §4.2.1.1/§4.2.1.2 are CA obligations, not
  // validation steps) nor check the criticality rules of §4.2.
  ignore: ["key-identifier", "extension-criticality"],
  ignoreSource: "RFC 5280 §6.1 (key identifiers and extension criticality are not path validation steps)",
  algorithms: JAVA_ALGORITHMS,
  minTls: {
    version: "TLSv1.2",
    source: "jdk.tls.disabledAlgorithms (JDK 17+) disables SSLv3, TLSv1, TLSv1.1",
    evidence: "src",
  },
  paths: JAVA_PATHS,
  order: JAVA_ORDER,
  errorText: javaErrorText,
};
