/**
 * The dossier for asking Salesforce support (or any strict client's operator) to add a root: what the root
 * is, which reference stores hold it and with which trust, which clients distrust it and from when, and
 * what to send. Salesforce says it evaluates requests against "the Mozilla Root Store and the Federal PKI
 * graph as a baseline", and that it adds only roots, never intermediates.
 */

import { loadMozillaRoots } from "../trust/bundled.js";
import { type DistrustRule, defaultDistrustRules } from "../trust/distrust.js";
import { fpkiCertificates, fpkiStore } from "../trust/fpki.js";
import { JDK_CACERTS_ALIASES } from "../trust/jdk-aliases.js";
import { mozillaRoots } from "../trust/mozilla.js";
import { nodeStore } from "../trust/node.js";
import type { TrustStore } from "../trust/store.js";
import type { Certificate } from "../x509/certificate.js";
import { EKU_NAMES } from "../x509/oids.js";
import { toPem } from "../x509/pem.js";
import { issued } from "./chain-analysis.js";
import { isoSeconds } from "./profile.js";

export interface StorePresence {
  store: string;
  /** The certificate itself is in the store. */
  present: boolean;
  /** What the store says about it (trust bits, anchor or catalog, alias). */
  detail: string;
}

export interface RootDossier {
  subject: string;
  issuer: string;
  sha256: string;
  sha1: string;
  selfSigned: boolean;
  ca: boolean;
  pathLen?: number;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  key: string;
  signatureAlgorithm: string;
  keyUsage?: string[];
  extendedKeyUsage?: string[];
  nameConstraints?: { permitted: string[]; excluded: string[] };
  /** JDK cacerts alias (by SHA-256), when the JDK ships it. */
  jdkAlias?: string;
  presence: StorePresence[];
  distrust: { rule: string; clients: string[]; test: string; cutoff: string; source: string }[];
  /** For a certificate that is not a root: the root that issued it, when known. */
  issuerRoot?: { subject: string; sha256: string; where: string };
  /** What the file's certificate is: only a root can be added to a list; an intermediate or a leaf cannot. */
  kind: "root" | "intermediate" | "leaf";
  /** What to send Salesforce support (for a root), or what to do instead (for an intermediate or a leaf). */
  send: string[];
  /** Plain-language points for and against the request. */
  assessment: { tone: "good" | "bad" | "warn"; text: string }[];
  /** The PEM to attach to the request. */
  pem: string;
}

export interface DossierOptions {
  time?: Date;
  /** Further stores to look in: a JDK cacerts, the org's current list. */
  stores?: TrustStore[];
  rules?: readonly DistrustRule[];
}

const DAY = 86_400_000;

/** The certificate of a file a request is about: its self-signed CA if it has one, else the last certificate. */
export function pickRequestCertificate(certs: readonly Certificate[]): { cert: Certificate; note?: string } {
  const root = certs.find((c) => c.selfSigned && c.isCA) ?? certs.find((c) => c.selfSigned);
  if (root) {
    return certs.length > 1
      ? {
          cert: root,
          note: `using the self-signed certificate "${root.label}" of the ${certs.length} in the file`,
        }
      : { cert: root };
  }
  const last = certs[certs.length - 1];
  return {
    cert: last,
    note:
      certs.length > 1
        ? `no self-signed certificate in the file; using the last one, "${last.label}"`
        : undefined,
  };
}

export function rootDossier(cert: Certificate, opts: DossierOptions = {}): RootDossier {
  const time = opts.time ?? new Date();
  const sha = cert.sha256.toUpperCase();
  const presence: StorePresence[] = [];

  const nss = loadMozillaRoots().find((r) => r.sha256.toUpperCase() === sha);
  presence.push(
    nss
      ? {
          store: "Mozilla NSS",
          present: true,
          detail: `"${nss.label}": TLS server authentication ${trustWord(nss.serverAuth)}, e-mail ${trustWord(nss.emailProtection)}${nss.serverDistrustAfter ? `; TLS distrust after ${isoSeconds(nss.serverDistrustAfter)}` : ""}`,
        }
      : { store: "Mozilla NSS", present: false, detail: "not in Mozilla's root store" },
  );
  const fpki = fpkiStore(time);
  const inFpki = fpkiCertificates().find((c) => c.sha256 === cert.sha256);
  presence.push(
    inFpki
      ? {
          store: "Federal PKI",
          present: true,
          detail: fpki.anchors.some((a) => a.cert.sha256 === cert.sha256)
            ? "the FPKI trust anchor (Federal Common Policy CA G2)"
            : "a CA certificate of the FPKI graph (validates to Federal Common Policy CA G2)",
        }
      : { store: "Federal PKI", present: false, detail: "not in the FPKI bundle" },
  );
  const node = nodeStore();
  presence.push({
    store: node.name,
    present: node.anchors.some((a) => a.cert.sha256 === cert.sha256),
    detail: node.anchors.some((a) => a.cert.sha256 === cert.sha256) ? "a built-in root" : "not built in",
  });
  for (const s of opts.stores ?? []) {
    const a = s.anchors.find((x) => x.cert.sha256 === cert.sha256);
    presence.push({
      store: s.name,
      present: !!a,
      detail: a ? `listed${a.alias ? ` as "${a.alias}"` : ""}` : "not listed",
    });
  }

  const rules = opts.rules ?? defaultDistrustRules();
  const distrust = rules
    .filter((r) => r.roots.some((x) => x.toUpperCase() === sha))
    .map((r) => ({
      rule: r.id,
      clients: [...r.clients],
      test:
        r.test.kind === "notBefore-after"
          ? "leaf notBefore after the cutoff"
          : "earliest embedded SCT after the cutoff",
      cutoff: isoSeconds(r.test.date),
      source: r.source,
    }));

  const jdkAlias = Object.entries(JDK_CACERTS_ALIASES).find(([, v]) => v === sha)?.[0];
  const daysLeft = Math.floor((cert.notAfter.getTime() - time.getTime()) / DAY);
  const k = cert.publicKey;
  const nc = cert.nameConstraints;
  const d: RootDossier = {
    subject: cert.subject.toString(),
    issuer: cert.issuer.toString(),
    sha256: sha,
    sha1: cert.sha1.toUpperCase(),
    selfSigned: cert.selfSigned,
    ca: cert.isCA,
    notBefore: isoSeconds(cert.notBefore),
    notAfter: isoSeconds(cert.notAfter),
    daysLeft,
    key: `${k.algorithm}${k.bits ? ` ${k.bits} bits` : ""}${k.curve ? ` (${k.curve})` : ""}`,
    signatureAlgorithm: cert.signatureAlgorithm.name,
    presence,
    distrust,
    kind: cert.selfSigned ? "root" : cert.isCA ? "intermediate" : "leaf",
    send: [],
    assessment: [],
    pem: toPem(cert.der),
  };
  if (cert.basicConstraints?.pathLen !== undefined) d.pathLen = cert.basicConstraints.pathLen;
  if (cert.keyUsage) d.keyUsage = [...cert.keyUsage.usages];
  if (cert.extKeyUsage) d.extendedKeyUsage = cert.extKeyUsage.map((o) => EKU_NAMES[o] ?? o);
  if (nc) {
    d.nameConstraints = {
      permitted: (nc.permitted ?? []).map((s) => `${s.base.type}:${s.base.value}`),
      excluded: (nc.excluded ?? []).map((s) => `${s.base.type}:${s.base.value}`),
    };
  }
  if (jdkAlias) d.jdkAlias = jdkAlias;

  // The root above a certificate that is not one.
  if (!cert.selfSigned) {
    const candidates = [
      ...mozillaRoots().map(({ root, cert: c }) => ({ cert: c, where: `Mozilla ("${root.label}")` })),
      ...fpkiCertificates().map((c) => ({ cert: c, where: "the Federal PKI bundle" })),
    ];
    const hit = candidates.find((x) => issued(x.cert, cert));
    if (hit)
      d.issuerRoot = {
        subject: hit.cert.subject.toString(),
        sha256: hit.cert.sha256.toUpperCase(),
        where: hit.where,
      };
  }

  const a = d.assessment;
  if (d.kind !== "root") {
    const what = d.kind === "leaf" ? "a leaf (end-entity) certificate" : "an intermediate CA certificate";
    a.push({
      tone: "bad",
      text: `This is ${what}, not a root (not self-signed). Salesforce never adds intermediates or leaf certificates to its list: ${d.kind === "leaf" ? "install it with its intermediates" : "send it in the server's chain"}, and ask for the root that issued it if the org's list lacks that root.`,
    });
  }
  d.send = whatToSend(d);
  if (!cert.isCA)
    a.push({ tone: "bad", text: "It is not a CA certificate (basicConstraints cA is not set)." });
  if (nss?.serverAuth === "trusted-delegator") {
    a.push({
      tone: "good",
      text: "Mozilla trusts it for TLS server authentication: the baseline Salesforce evaluates requests against.",
    });
  } else if (nss) {
    a.push({
      tone: "warn",
      text: "It is in Mozilla's store but not trusted there for TLS server authentication.",
    });
  } else if (inFpki) {
    a.push({ tone: "good", text: "It is part of the Federal PKI, the other baseline Salesforce names." });
  } else {
    a.push({
      tone: "warn",
      text: "It is in neither Mozilla's root store nor the Federal PKI, the baselines Salesforce names; expect to justify the request (a private or enterprise CA).",
    });
  }
  if (daysLeft < 0) a.push({ tone: "bad", text: `It expired ${-daysLeft} days ago.` });
  else if (daysLeft < 365)
    a.push({
      tone: "warn",
      text: `It expires in ${daysLeft} days; a replacement root may be the better request.`,
    });
  for (const x of distrust) {
    a.push({
      tone: "bad",
      text: `${x.clients.join(", ")} distrust certificates from it whose ${x.test.replace(" after the cutoff", "")} is after ${x.cutoff} (rule ${x.rule}).`,
    });
  }
  if ((k.algorithm === "RSA" && (k.bits ?? 0) < 2048) || /sha1|md5/i.test(cert.signatureAlgorithm.name)) {
    a.push({
      tone: "warn",
      text: `Its key or signature is weak by current rules (${d.key}, ${d.signatureAlgorithm}).`,
    });
  }
  if (nc) a.push({ tone: "good", text: "It carries name constraints, which limit what it can issue for." });
  return d;
}

/** The request to open for a root; for anything else, why there is none and what to do instead. */
function whatToSend(d: RootDossier): string[] {
  if (d.kind === "root") {
    return [
      "Open a case with Salesforce support asking to add this root to the org's trusted CA list, and include:",
      `  - the SHA-256 fingerprint: ${d.sha256.match(/../g)?.join(":")}`,
      "  - the certificate below (PEM)",
      "  - where it is trusted (above) and the CA's CCADB record (search ccadb.org by the SHA-256)",
    ];
  }
  const root = d.issuerRoot
    ? `its root, ${d.issuerRoot.subject} (SHA-256 ${d.issuerRoot.sha256}, known from ${d.issuerRoot.where})`
    : `the root that issued it (issuer ${d.issuer})`;
  return [
    `Do not ask Salesforce to add this certificate: Salesforce never adds ${d.kind === "leaf" ? "leaf certificates (or intermediates)" : "intermediates"} to its list, only roots. Instead:`,
    d.kind === "leaf"
      ? "  - install it on the server with its intermediates, so that the server sends the whole chain up to (not including) the root"
      : "  - have the server send this intermediate in its chain, after the leaf (`chainproof check HOST` shows what the server sends)",
    `  - if the org's list (/cacerts.jsp) lacks ${root}, ask Salesforce to add that root: run \`chainproof roots request\` on the root's certificate`,
  ];
}

function trustWord(t: string): string {
  return t === "trusted-delegator"
    ? "trusted"
    : t === "not-trusted"
      ? "distrusted"
      : t === "must-verify"
        ? "not trusted as a CA"
        : "unspecified";
}
