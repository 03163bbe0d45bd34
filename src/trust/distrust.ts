/**
 * Partial distrust of root CAs, as data: "certificates issued under root R after date D are no longer
 * trusted by client C". Each rule cites the client's own code or announcement.
 *
 * Rules match the path's anchor (last element) by SHA-256, so tests and callers can add rules for
 * their own roots. What a rule compares differs by client, and each rule says which:
 *
 * - `notBefore-after`: the leaf's notBefore is compared with `date`; the leaf is distrusted when
 *   notBefore > date. `date` is the last instant that is still trusted.
 *   - Firefox (NSS CKA_NSS_SERVER_DISTRUST_AFTER): instant precision. Firefox
 *     security/certverifier/NSSCertDBTrustDomain.cpp, IsDistrustedCertificateChain: the chain stays
 *     trusted when `endEntityNotBefore <= distrustAfterTime`; otherwise IsChainValid returns
 *     Result::ERROR_ISSUER_NO_LONGER_TRUSTED. Only for built-in roots, and not when the same root is
 *     also installed as a third-party root.
 *   - Java (sun.security.validator.*TLSPolicy): day precision. The leaf's notBefore becomes a UTC
 *     LocalDate and is rejected when `ldNotBefore.isAfter(distrustDate)`; a leaf issued on the cutoff
 *     day itself is accepted. So `date` is the cutoff day at 23:59:59.999Z. Applies to the TLS-server
 *     variant only (CADistrustPolicy), when the policy is listed in jdk.security.caDistrustPolicies.
 * - `first-sct-after`: the earliest SCT embedded in the leaf (RFC 6962 extension
 *   1.3.6.1.4.1.11129.2.4.2) is compared with `date`. Chrome Root Store constraint `sct_not_after_sec`
 *   (chromium net/data/ssl/chrome_root_store/root_store.proto: "The leaf certificate must have at least
 *   one valid SCT timestamp that is not after the specified value"): trusted when some SCT is at or
 *   before `date`, i.e. distrusted when the earliest one is after it. Chrome also counts SCTs delivered
 *   in the TLS handshake or a stapled OCSP response, which a certificate alone does not show, and only
 *   SCTs from logs it knows and whose signatures verify; we see embedded SCTs only and cannot verify
 *   their signatures.
 */

import type { Certificate } from "../x509/certificate.js";
import { loadMozillaRoots, type NssRoot } from "./bundled.js";

export type DistrustClient = "chrome" | "firefox" | "java" | "salesforce" | "openssl" | "go" | "node";

export type DistrustTest = { kind: "notBefore-after"; date: Date } | { kind: "first-sct-after"; date: Date };

export interface DistrustRule {
  id: string;
  clients: DistrustClient[];
  /** SHA-256 of the distrusted roots' DER, uppercase hex. */
  roots: string[];
  /** Names of the roots, by SHA-256 (for messages). */
  rootNames?: Record<string, string>;
  test: DistrustTest;
  description: string;
  /** The client's own code or announcement that states the rule. */
  source: string;
  /**
   * Java's SymantecTLSPolicy exempts chains whose certificate directly below the anchor is one of these
   * subordinate CAs, and applies their own, later cutoff instead.
   */
  subCaExceptions?: { sha256: string; name: string; date: Date }[];
  /** The client's own error text for this rule, when we know it from source ({anchor} = subject). */
  errorText?: string;
  /** Limits of this rule as data: version ranges, inferences, what we cannot check. */
  caveats?: string[];
}

export interface DistrustFinding {
  rule: DistrustRule;
  /** SHA-256 of the anchor that triggered the rule (uppercase hex). */
  root: string;
  /** The leaf's date that was compared: its notBefore, or its earliest embedded SCT. Absent without SCTs. */
  date?: Date;
  /** What was compared. "no-sct": an SCT rule met a leaf without embedded SCTs. */
  evidence: "notBefore" | "sct" | "no-sct";
  /** False when the outcome depends on what the certificate alone cannot show (SCTs sent in the handshake). */
  certain: boolean;
  reason: string;
}

/** The last instant of a UTC day: Java's `isAfter(LocalDate)` cutoff as an instant. */
function endOfUtcDay(day: string): Date {
  return new Date(`${day}T23:59:59.999Z`);
}

const JDK_SRC =
  "https://github.com/openjdk/jdk/blob/master/src/java.base/share/classes/sun/security/validator";
const CHROME_ROOT_STORE =
  "https://chromium.googlesource.com/chromium/src/+/main/net/data/ssl/chrome_root_store/root_store.textproto";
const JAVA_SALESFORCE_CAVEAT =
  "salesforce: inferred, not documented: Salesforce callouts run on Java, but whether its JVM enables this jdk.security.caDistrustPolicies entry is not published";

// Root SHA-256s. Where the root is in the bundled Mozilla data the test suite checks the value against it
// (by label); the others are copied from the JDK policy sources named in each rule.
const ENTRUST_ROOTS: Record<string, string> = {
  "73C176434F1BC6D5ADF45B0E76E727287C8DE57616C1E6E6141A2B2CBC7D8E4C": "Entrust Root Certification Authority",
  "02ED0EB28C14DA45165C566791700D6451D7FB56F0B2AB1D3B8EB070E56EDFF5":
    "Entrust Root Certification Authority - EC1",
  "43DF5774B03E7FEF5FE40D931A7BEDF1BB2E6B42738C4E6D3841103D3AA7F339":
    "Entrust Root Certification Authority - G2",
  DB3517D1F6732A2D5AB97C533EC70779EE3270A62FB4AC4238372460E6F01E88:
    "Entrust Root Certification Authority - G4",
  "6DC47172E01CBCB0BF62580D895FE2B8AC9AD4F873801E0C10B9C837D21EB177":
    "Entrust.net Premium 2048 Secure Server CA",
};
const AFFIRMTRUST_ROOTS: Record<string, string> = {
  "0376AB1D54C5F9803CE4B2E201A0EE7EEF7B57B636E8A93C9B8D4860C96F5FA7": "AffirmTrust Commercial",
  "0A81EC5A929777F145904AF38D5D509F66B5E2C58FCDB531058B0E17F3F0B41B": "AffirmTrust Networking",
  "70A73F7F376B60074248904534B11482D5BF0E698ECC498DF52577EBF2E93B9A": "AffirmTrust Premium",
  BD71FDF6DA97E4CF62D1647ADD2581B07D79ADF8397EB4ECBA9C5E8488821423: "AffirmTrust Premium ECC",
};
const CHUNGHWA_EPKI = "C0A6F4DC63A24BFDCF54EF2A6A082A0A72DE35803E2FF5FF527AE5D87206DFD5";
const CHUNGHWA_HIPKI = "F015CE3CC239BFEF064BE9F1D2C417E1A0264A0A94BE1F0C8D121864EB6949CC";
const NETLOCK_ARANY = "6C61DAC3A2DEF031506BE036D2A6FE401994FBD13DF9C8D466599274C446EC98";
const SYMANTEC_ROOTS: Record<string, string> = {
  FF856A2D251DCD88D36656F450126798CFABAADE40799C722DE4D2B5DB36A73A: "GeoTrust Global CA",
  "37D51006C512EAAB626421F1EC8C92013FC5F82AE98EE533EB4619B8DEB4D06C":
    "GeoTrust Primary Certification Authority",
  "5EDB7AC43B82A06A8761E8D7BE4979EBF2611F7DD79BF91C1C6B566A219ED766":
    "GeoTrust Primary Certification Authority - G2",
  B478B812250DF878635C2AA7EC7D155EAA625EE82916E2CD294361886CD1FBD4:
    "GeoTrust Primary Certification Authority - G3",
  A0459B9F63B22559F5FA5D4C6DB3F9F72FF19342033578F073BF1D1B46CBB912: "GeoTrust Universal CA",
  "8D722F81A9C113C0791DF136A2966DB26C950A971DB46B4199F4EA54B78BFB9F": "thawte Primary Root CA",
  A4310D50AF18A6447190372A86AFAF8B951FFB431D837F1E5688B45971ED1557: "thawte Primary Root CA - G2",
  "4B03F45807AD70F21BFC2CAE71C9FDE4604C064CF5FFB686BAE5DBAAD7FDD34C": "thawte Primary Root CA - G3",
  "3F9F27D583204B9E09C8A3D2066C4B57D3A2479C3693650880505698105DBCE9": "Thawte Premium Server CA",
  "3A43E220FE7F3EA9653D1E21742EAC2B75C20FD8980305BC502CAF8C2D9B41A1":
    "VeriSign Class 2 Public Primary Certification Authority - G2",
  A4B6B3996FC2F306B3FD8681BD63413D8C5009CC4FA329C2CCF0E2FA1B140305:
    "VeriSign Class 3 Public Primary Certification Authority",
  "83CE3C1229688A593D485F81973C0F9195431EDA37CC5E36430E79C7A888638B":
    "VeriSign Class 3 Public Primary Certification Authority - G2",
  EB04CF5EB1F39AFA762F2BB120F296CBA520C1B97DB1589565B81CB9A17B7244:
    "VeriSign Class 3 Public Primary Certification Authority - G3",
  "69DDD7EA90BB57C93E135DC85EA6FCD5480B603239BDC454FC758B2A26CF7F79":
    "VeriSign Class 3 Public Primary Certification Authority - G4",
  "9ACFAB7E43C8D880D06B262A94DEEEE4B4659989C3D0CAF19BAF6405E41AB7DF":
    "VeriSign Class 3 Public Primary Certification Authority - G5",
  "2399561127A57125DE8CEFEA610DDF2FA078B5C8067F4E828290BFB860E84B3C":
    "VeriSign Universal Root Certification Authority",
};
const CAMERFIRMA_CURRENT: Record<string, string> = {
  "063E4AFAC491DFD332F3089B8542E94617D893D7FE944E10A7937EE29D9693C0": "Chambers of Commerce Root - 2008",
};
const CAMERFIRMA_REMOVED: Record<string, string> = {
  "0C258A12A5674AEF25F28BA7DCFAECEEA348E541E6F5CC4EE63B71B361606AC3": "Chambers of Commerce Root",
  "136335439334A7698016A0D324DE72284E079D7B5220BB8FBD747816EEBEBACA": "Global Chambersign Root - 2008",
};

function rule(r: Omit<DistrustRule, "roots"> & { rootNames: Record<string, string> }): DistrustRule {
  return { ...r, roots: Object.keys(r.rootNames) };
}

/** Rules stated in client code and announcements (Java, Chrome). Firefox's come from NSS data: nssDistrustRules. */
export const DISTRUST_RULES: readonly DistrustRule[] = Object.freeze([
  rule({
    id: "java-entrust",
    clients: ["java", "salesforce"],
    rootNames: ENTRUST_ROOTS,
    test: { kind: "notBefore-after", date: endOfUtcDay("2024-11-11") },
    description:
      "Java ENTRUST_TLS: TLS server certificates issued after 2024-11-11 (leaf notBefore, UTC day) under an Entrust root",
    source: `${JDK_SRC}/EntrustTLSPolicy.java (NOVEMBER_11_2024, JDK-8337664 then JDK-8341059)`,
    errorText:
      "TLS Server certificate issued after 2024-11-11 and anchored by a distrusted legacy Entrust root CA: {anchor}",
    caveats: [
      "JDK releases from JDK-8337664 (2024) on, when jdk.security.caDistrustPolicies lists ENTRUST_TLS (the default); the first backports briefly used 2024-10-31",
      JAVA_SALESFORCE_CAVEAT,
    ],
  }),
  rule({
    id: "java-entrust-affirmtrust",
    clients: ["java", "salesforce"],
    rootNames: AFFIRMTRUST_ROOTS,
    test: { kind: "notBefore-after", date: endOfUtcDay("2024-11-11") },
    description:
      "Java ENTRUST_TLS (older JDKs): TLS server certificates issued after 2024-11-11 under an AffirmTrust root",
    source: `${JDK_SRC}/EntrustTLSPolicy.java (before JDK-8361212)`,
    errorText:
      "TLS Server certificate issued after 2024-11-11 and anchored by a distrusted legacy Entrust root CA: {anchor}",
    caveats: [
      "JDK-8361212 (2025-07) removed the four AffirmTrust roots from cacerts and from this policy; releases with that change no longer ship these roots at all",
      JAVA_SALESFORCE_CAVEAT,
    ],
  }),
  rule({
    id: "java-camerfirma",
    clients: ["java", "salesforce"],
    rootNames: CAMERFIRMA_CURRENT,
    test: { kind: "notBefore-after", date: endOfUtcDay("2025-04-15") },
    description:
      "Java CAMERFIRMA_TLS: TLS server certificates issued after 2025-04-15 under a Camerfirma root",
    source: `${JDK_SRC}/CamerfirmaTLSPolicy.java (APRIL_15_2025, JDK-8346587)`,
    errorText:
      "TLS Server certificate issued after 2025-04-15 and anchored by a distrusted legacy Camerfirma root CA: {anchor}",
    caveats: [JAVA_SALESFORCE_CAVEAT],
  }),
  rule({
    id: "java-camerfirma-removed-roots",
    clients: ["java", "salesforce"],
    rootNames: CAMERFIRMA_REMOVED,
    test: { kind: "notBefore-after", date: endOfUtcDay("2025-04-15") },
    description:
      "Java CAMERFIRMA_TLS (older JDKs): TLS server certificates issued after 2025-04-15 under the two Camerfirma roots later removed",
    source: `${JDK_SRC}/CamerfirmaTLSPolicy.java (JDK-8346587; roots removed by JDK-8350498)`,
    errorText:
      "TLS Server certificate issued after 2025-04-15 and anchored by a distrusted legacy Camerfirma root CA: {anchor}",
    caveats: [
      "JDK-8350498 (2025-04) removed these two roots from cacerts and from the policy; only releases between JDK-8346587 and that change enforce it",
      JAVA_SALESFORCE_CAVEAT,
    ],
  }),
  rule({
    id: "java-chunghwa",
    clients: ["java", "salesforce"],
    rootNames: { [CHUNGHWA_EPKI]: "ePKI Root Certification Authority" },
    test: { kind: "notBefore-after", date: endOfUtcDay("2026-03-17") },
    description:
      "Java CHUNGHWA_TLS: TLS server certificates issued after 2026-03-17 under Chunghwa Telecom's ePKI root",
    source: `${JDK_SRC}/ChunghwaTLSPolicy.java (MARCH_17_2026, JDK-8369282)`,
    errorText:
      "TLS Server certificate issued after 2026-03-17 and anchored by a distrusted legacy Chunghwa root CA: {anchor}",
    caveats: ["HiPKI Root CA - G1 is not covered by the JDK policy", JAVA_SALESFORCE_CAVEAT],
  }),
  rule({
    id: "java-symantec",
    clients: ["java", "salesforce"],
    rootNames: SYMANTEC_ROOTS,
    test: { kind: "notBefore-after", date: endOfUtcDay("2019-04-16") },
    description:
      "Java SYMANTEC_TLS: TLS server certificates issued after 2019-04-16 under a legacy Symantec root",
    source: `${JDK_SRC}/SymantecTLSPolicy.java (APRIL_16_2019, EXEMPT_SUBCAS)`,
    subCaExceptions: [
      {
        sha256: "AC2B922ECFD5E01711772FEA8ED372DE9D1E2245FCE3F57A9CDBEC77296A424B",
        name: "Apple IST CA 2 - G1",
        date: endOfUtcDay("2019-12-31"),
      },
      {
        sha256: "A4FE7C7F15155F3F0AEF7AAA83CF6E06DEB97CA3F909DF920AC1490882D488ED",
        name: "Apple IST CA 8 - G1",
        date: endOfUtcDay("2019-12-31"),
      },
    ],
    errorText:
      "TLS Server certificate issued after 2019-04-16 and anchored by a distrusted legacy Symantec root CA: {anchor}",
    caveats: [JAVA_SALESFORCE_CAVEAT],
  }),
  rule({
    id: "chrome-entrust",
    clients: ["chrome"],
    rootNames: { ...ENTRUST_ROOTS, ...AFFIRMTRUST_ROOTS },
    test: { kind: "first-sct-after", date: new Date(1731369599 * 1000) },
    description:
      "Chrome 131+: certificates under an Entrust or AffirmTrust root whose earliest SCT is after 2024-11-11T23:59:59Z",
    source: `${CHROME_ROOT_STORE} (constraints { sct_not_after_sec: 1731369599 min_version: "131" }); announcement: https://security.googleblog.com/2024/06/sustaining-digital-certificate-security.html`,
    caveats: [
      "the June 2024 announcement said October 31, 2024 (Chrome 127+); the shipped Chrome Root Store constraint is 2024-11-11T23:59:59Z from Chrome 131",
      "a locally trusted (enterprise) copy of the root overrides the constraint; Chrome on iOS uses Apple's verifier",
    ],
  }),
  rule({
    id: "chrome-chunghwa-netlock",
    clients: ["chrome"],
    rootNames: {
      [CHUNGHWA_EPKI]: "ePKI Root Certification Authority",
      [CHUNGHWA_HIPKI]: "HiPKI Root CA - G1",
      [NETLOCK_ARANY]: "NetLock Arany (Class Gold) Főtanúsítvány",
    },
    test: { kind: "first-sct-after", date: new Date(1754006399 * 1000) },
    description:
      "Chrome 139+: certificates under Chunghwa Telecom (ePKI, HiPKI G1) or NetLock Arany roots whose earliest SCT is after 2025-07-31T23:59:59Z",
    source:
      'Chrome Root Program announcement, Google Online Security Blog, May 2025 ("Sustaining Digital Certificate Security - Upcoming Changes to the Chrome Root Store"), as reported at https://www.securityweek.com/chrome-to-distrust-chunghwa-telecom-and-netlock-certificates/ and https://securityonline.info/google-chrome-to-distrust-chunghwa-telecom-netlock-tls-certificates/',
    caveats: [
      "root list and date read from reports of the announcement, not from the post itself or a Chrome Root Store snapshot carrying this constraint",
      "a locally trusted (enterprise) copy of the root overrides the constraint",
    ],
  }),
]);

/** Clients that enforce no partial distrust: a root is either in their store or not. */
export const CLIENTS_WITHOUT_DISTRUST: Readonly<Record<"openssl" | "go" | "node", string>> = Object.freeze({
  openssl:
    "OpenSSL (and curl) read flat PEM bundles, which cannot carry distrust-after dates; curl's mk-ca-bundle.pl stopped trying in curl PR #15552",
  go: "Go's crypto/x509 reads the system's flat PEM bundle on Linux and applies no distrust-after dates to those roots",
  node: "Node's compiled-in roots (tls.rootCertificates) carry no distrust-after dates and Node enforces none",
});

/**
 * Firefox rules from NSS CKA_NSS_SERVER_DISTRUST_AFTER (bundled Mozilla data by default): one rule per
 * distinct date, ids `firefox-nss-distrust-after-YYYY-MM-DD`.
 */
export function nssDistrustRules(roots: readonly NssRoot[] = loadMozillaRoots()): DistrustRule[] {
  const byDate = new Map<number, NssRoot[]>();
  for (const r of roots) {
    if (!r.serverDistrustAfter) continue;
    const t = r.serverDistrustAfter.getTime();
    byDate.set(t, [...(byDate.get(t) ?? []), r]);
  }
  return [...byDate.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, group]) => {
      const date = new Date(t);
      const rootNames = Object.fromEntries(group.map((r) => [r.sha256.toUpperCase(), r.label]));
      const labels = group.map((r) => r.label).join(", ");
      return {
        id: `firefox-nss-distrust-after-${date.toISOString().slice(0, 10)}`,
        clients: ["firefox"] as DistrustClient[],
        roots: Object.keys(rootNames),
        rootNames,
        test: { kind: "notBefore-after" as const, date },
        description: `Firefox (NSS distrust-after): TLS certificates whose notBefore is after ${date.toISOString()} under ${labels}`,
        source:
          "NSS lib/ckfw/builtins/certdata.txt CKA_NSS_SERVER_DISTRUST_AFTER (bundled, data/mozilla.json); enforced in Firefox security/certverifier/NSSCertDBTrustDomain.cpp IsDistrustedCertificateChain",
        errorText: "MOZILLA_PKIX_ERROR_ISSUER_NO_LONGER_TRUSTED",
        caveats: [
          "applies to built-in roots only; a root also installed as a third-party root is exempt",
          "older Firefox versions report SEC_ERROR_UNTRUSTED_ISSUER",
        ],
      };
    });
}

let all: readonly DistrustRule[] | undefined;

/** Every known rule: the stated ones plus Firefox's from the bundled NSS data. */
export function defaultDistrustRules(): readonly DistrustRule[] {
  all ??= Object.freeze([...DISTRUST_RULES, ...nssDistrustRules()]);
  return all;
}

/** The rules that apply to one client. */
export function distrustRulesFor(
  client: DistrustClient,
  rules: readonly DistrustRule[] = defaultDistrustRules(),
) {
  return rules.filter((r) => r.clients.includes(client));
}

/** The earliest embedded SCT timestamp of a certificate, if it has any. */
export function earliestSct(cert: Certificate): Date | undefined {
  let min: Date | undefined;
  for (const s of cert.scts ?? []) if (!min || s.timestamp < min) min = s.timestamp;
  return min;
}

const iso = (d: Date): string => d.toISOString().replace(".000Z", "Z");

/**
 * Which rules for `client` distrust this path. `path` is leaf first, anchor last (a single self-signed
 * certificate is both). Returns one finding per rule that fires; an empty list means no partial distrust
 * applies (the path may of course fail for other reasons).
 */
export function evaluateDistrust(
  rules: readonly DistrustRule[],
  client: DistrustClient,
  path: readonly Certificate[],
): DistrustFinding[] {
  if (path.length === 0) return [];
  const leaf = path[0];
  const anchor = path[path.length - 1];
  const anchorSha = anchor.sha256.toUpperCase();
  const findings: DistrustFinding[] = [];
  for (const r of rules) {
    if (!r.clients.includes(client) || !r.roots.some((x) => x.toUpperCase() === anchorSha)) continue;
    const rootName = r.rootNames?.[anchorSha] ?? anchor.label;
    if (r.test.kind === "notBefore-after") {
      let cutoff = r.test.date;
      let via = "";
      // SymantecTLSPolicy: `if (chain.length > 2)` look at chain[length-2], the CA right below the anchor.
      if (r.subCaExceptions && path.length > 2) {
        const sub = path[path.length - 2].sha256.toUpperCase();
        const ex = r.subCaExceptions.find((e) => e.sha256.toUpperCase() === sub);
        if (ex) {
          cutoff = ex.date;
          via = ` through ${ex.name}`;
        }
      }
      if (leaf.notBefore > cutoff) {
        findings.push({
          rule: r,
          root: anchorSha,
          date: leaf.notBefore,
          evidence: "notBefore",
          certain: true,
          reason: `the leaf was issued (notBefore ${iso(leaf.notBefore)}) after ${iso(cutoff)}, the cutoff for ${rootName}${via}`,
        });
      }
    } else {
      const first = earliestSct(leaf);
      if (!first) {
        findings.push({
          rule: r,
          root: anchorSha,
          evidence: "no-sct",
          certain: false,
          reason: `the leaf has no embedded SCTs; under ${rootName} it needs one dated at or before ${iso(r.test.date)}, which only SCTs sent in the TLS handshake or a stapled OCSP response could provide`,
        });
      } else if (first > r.test.date) {
        findings.push({
          rule: r,
          root: anchorSha,
          date: first,
          evidence: "sct",
          certain: true,
          reason: `the leaf's earliest embedded SCT (${iso(first)}) is after ${iso(r.test.date)}, the cutoff for ${rootName}`,
        });
      }
    }
  }
  return findings;
}
