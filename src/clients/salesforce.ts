/**
 * Salesforce outbound callouts (Apex HTTP callouts, outbound messages, delegated authentication): Java's
 * engine (./java.ts) with the org's supported-root list, plus Salesforce's own published rules:
 *
 * - "Salesforce trusts the target host only if it presents a certificate signed by a CA that is subordinate
 *   to one of the root CAs in the supported cacerts list. Self-signed certificates are not allowed for the
 *   target host in this scenario."
 * - "Salesforce requires certificate chains to include all intermediate certificates … Salesforce will not
 *   honor requests to add intermediate certificates to its trust list."
 *   (Salesforce Help, "Supported root certificates", the article this project starts from.)
 *
 * So only self-signed roots are anchors: a non-self-signed certificate in a list is ignored (and reported),
 * never used as an anchor nor to complete a chain; and a self-signed target is refused even when listed.
 *
 * What is inferred rather than documented: that Salesforce's JVM keeps the JDK defaults for
 * jdk.certpath.disabledAlgorithms, jdk.security.caDistrustPolicies and AIA fetching (off), and the
 * "System.CalloutException: …" wrapping of the Java message, which is how Apex surfaces it.
 */

import { JAVA_ALGORITHMS } from "./algorithms.js";
import { JAVA_ORDER, java, javaErrorText } from "./java.js";
import type { ClientProfile, ErrorText, Failure } from "./profile.js";

/** The exception class Apex names in front of the JSSE message (none when the message names its own). */
function exceptionClass(f: Failure): string | undefined {
  if (f.kind === "hostname-mismatch") return "java.security.cert.CertificateException";
  // Too many certificates sent: the handshake fails before the trust manager, in the TLS layer.
  if (f.kind === "chain-too-long" && f.sentCount !== undefined) return undefined;
  return "sun.security.validator.ValidatorException";
}

export function salesforceErrorText(f: Failure): ErrorText {
  const inner = javaErrorText(f.kind === "self-signed-target" ? { ...f, kind: "self-signed-leaf" } : f);
  const cls = exceptionClass(f);
  return {
    text: `System.CalloutException: ${cls ? `${cls}: ` : ""}${inner.text}`,
    evidence: "inferred",
  };
}

export const salesforce: ClientProfile = {
  id: "salesforce",
  name: "Salesforce",
  summary:
    "Salesforce outbound callouts (Apex, outbound messages, delegated authentication): Java's PKIX engine with the org's root list",
  engine: java.engine,
  store: {
    real: "salesforce-org-list",
    fallback: "mozilla",
    approximation:
      "no org list was given (--store salesforce:FILE with a saved https://<org>/cacerts.jsp), so Mozilla's TLS roots stand in as the baseline Salesforce says it evaluates roots against",
    source:
      "https://<org host>/cacerts.jsp; Salesforce Help: Mozilla Root Store and the Federal PKI as the baseline for adding roots",
  },
  aia: {
    fetches: false,
    preloads: false,
    note: "Salesforce requires the server to send every intermediate and will not add intermediates to its trust list",
    source: "Salesforce Help, supported root certificates (seed article)",
    evidence: "doc",
  },
  distrust: {
    client: "salesforce",
    source: "inferred from Java's jdk.security.caDistrustPolicies (the JVM's defaults are not published)",
  },
  hostname: { ...java.hostname, evidence: "inferred" },
  anchors: {
    nonSelfSigned: "ignored",
    directLeaf: "none",
    directLeafValidity: true,
    source:
      "Salesforce Help: only root CAs are trusted; intermediates are not added to the trust list; self-signed targets are not allowed",
    evidence: "doc",
  },
  profile: java.profile,
  ignore: java.ignore,
  ignoreSource: java.ignoreSource,
  algorithms: { ...JAVA_ALGORITHMS, evidence: "inferred" },
  refusesSelfSignedTarget: {
    source:
      'Salesforce Help: "Self-signed certificates are not allowed for the target host in this scenario"',
  },
  minTls: {
    version: "TLSv1.2",
    source: "Salesforce requires TLS 1.2 or later for callouts (TLS 1.0 and 1.1 disabled since 2017–2022)",
    evidence: "doc",
  },
  paths: { ...java.paths, evidence: "inferred" },
  order: ["self-signed-target", ...JAVA_ORDER],
  errorText: salesforceErrorText,
};
