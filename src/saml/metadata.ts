/**
 * IdP metadata: the certificates an IdP signs with, the metadata's own signature, and what the SP's
 * configured certificate means for the next rotation.
 *
 * Reads an EntityDescriptor or an EntitiesDescriptor (a federation aggregate, up to 16 MiB), keeping the
 * entities with an IDPSSODescriptor. Signing certificates are those of KeyDescriptors with use="signing" or
 * no use (SAML metadata 2.4.1.1: no use means both). When the metadata's root is signed and the signature
 * verifies, everything is read from the signed XML xml-crypto returns, as for Responses.
 */

import type { KeyObject } from "node:crypto";
import type { Certificate } from "../x509/certificate.js";
import { parseCertificate } from "../x509/certificate.js";
import { InputError } from "../x509/errors.js";
import { daysLeft, describeCert, fingerprint, isoDay, sameCert, sameKey, validityAt } from "./certs.js";
import { checkWithKeys, inspectSignature, type SignatureShape } from "./dsig.js";
import { finding, type SamlFinding } from "./findings.js";
import {
  attr,
  child,
  childElements,
  descendants,
  is,
  NS,
  parseXml,
  textOf,
  type XmlLimits,
  xmlFromBytes,
} from "./xml.js";

export const MAX_METADATA_BYTES = 16 * 1024 * 1024;

/** Elements metadata of this length may hold: 8,192, plus one per 64 bytes (see xml.ts for why). */
export function metadataLimits(length: number): XmlLimits {
  return { bytes: MAX_METADATA_BYTES, elements: 8192 + Math.floor(length / 64) };
}
/** Certificates read per IdP entity: IdPs list one to four; beyond this the rest are not read. */
export const MAX_IDP_CERTIFICATES = 64;
/** Signing certificates expiring within this many days are reported. */
export const EXPIRY_WARNING_DAYS = 30;

export interface KeyDescriptorInfo {
  use: "signing" | "encryption" | "both";
  cert: Certificate;
  keyName?: string;
}

export interface IdpEntity {
  entityId: string;
  validUntil?: Date;
  cacheDuration?: string;
  wantAuthnRequestsSigned?: boolean;
  singleSignOn: { binding: string; location: string }[];
  nameIdFormats: string[];
  keys: KeyDescriptorInfo[];
  /** Distinct signing certificates, in metadata order. */
  signing: Certificate[];
  /** X509Certificate elements that did not decode. */
  badCertificates: string[];
  /** X509Certificate elements beyond MAX_IDP_CERTIFICATES, not read. */
  unreadCertificates: number;
}

export interface MetadataSignatureReport {
  present: boolean;
  valid?: boolean;
  /** The certificate whose key verified the signature. */
  signer?: Certificate;
  /** Whether the signer is one of the certificates the metadata lists (it vouches for itself). */
  signerListed?: boolean;
  /** The signer is one of the federation signing certificates named (`MetadataOptions.signers`). */
  signerNamed?: boolean;
  /** Signing certificates were named: the metadata must be signed with one of them. */
  required?: boolean;
  shape?: SignatureShape;
  /** Why it did not verify. */
  problem?: string;
}

export interface MetadataReport {
  rootElement: "EntityDescriptor" | "EntitiesDescriptor";
  validUntil?: Date;
  idps: IdpEntity[];
  /** Entities without an IDPSSODescriptor (SPs, attribute authorities), counted. */
  otherEntities: number;
  signature: MetadataSignatureReport;
  /** Where the entities were read from: the signed XML, or the document as given. */
  source: "signed" | "unsigned";
  findings: SamlFinding[];
}

export interface MetadataOptions {
  at: Date;
  allowSha1?: boolean;
  /** Keep only this entity (in an aggregate). */
  entityId?: string;
  /**
   * The federation's (or IdP's) metadata signing certificates (--metadata-signer): when given, the
   * metadata's signature is checked against these and nothing else, and an unsigned file is an error.
   */
  signers?: Certificate[];
}

/** Read IdP metadata. Throws SamlInputError for input we do not read (not XML, DOCTYPE, too large). */
export function readMetadata(bytes: Uint8Array, opts: MetadataOptions): MetadataReport {
  const xml = xmlFromBytes(bytes, MAX_METADATA_BYTES);
  const limits = metadataLimits(xml.length);
  const doc = parseXml(xml, "the metadata", limits);
  const root = doc.documentElement!;
  const findings: SamlFinding[] = [];
  if (!is(root, NS.metadata, "EntityDescriptor") && !is(root, NS.metadata, "EntitiesDescriptor")) {
    throw new MetadataError(
      `not SAML 2.0 metadata: the root element is <${root.tagName}> (${root.namespaceURI ?? "no namespace"}), not md:EntityDescriptor or md:EntitiesDescriptor`,
    );
  }

  // The metadata's own signature: a ds:Signature child of the root.
  const sigs = childElements(root, NS.ds, "Signature");
  const checked = checkMetadataSignature(xml, root, sigs, opts, limits);
  const { signature } = checked;
  const readFrom = checked.signedRoot ?? root;
  const source: MetadataReport["source"] = checked.signedRoot ? "signed" : "unsigned";
  if (descendants(root, NS.ds, "Signature").length > sigs.length) {
    // Per-entity signatures inside an aggregate: not checked; say so rather than imply they were.
    findings.push(
      finding(
        "saml-metadata-unsigned",
        "info",
        "signatures on individual entities inside the aggregate are not checked (only the root's)",
      ),
    );
  }

  const idps: IdpEntity[] = [];
  let otherEntities = 0;
  const entities = is(readFrom, NS.metadata, "EntityDescriptor")
    ? [readFrom]
    : descendants(readFrom, NS.metadata, "EntityDescriptor");
  for (const e of entities) {
    const idp = child(e, NS.metadata, "IDPSSODescriptor");
    if (!idp) {
      otherEntities++;
      continue;
    }
    const entity = readIdp(e, idp);
    if (opts.entityId !== undefined && entity.entityId !== opts.entityId) continue;
    idps.push(entity);
  }

  const report: MetadataReport = {
    rootElement: root.localName as MetadataReport["rootElement"],
    ...(attr(root, "validUntil") ? { validUntil: new Date(attr(root, "validUntil")!) } : {}),
    idps,
    otherEntities,
    signature,
    source,
    findings,
  };
  findings.push(...metadataFindings(report, opts));
  return report;
}

export class MetadataError extends InputError {
  override name = "MetadataError";
}

/**
 * The root's signature: verified against the named signers when given, else against its KeyInfo and the
 * certificates the metadata lists (to say whether the file is intact, and who signed it), all in one pass
 * of the library. `signedRoot` is the signed XML, parsed again, when the signature verifies.
 */
function checkMetadataSignature(
  xml: string,
  root: Element,
  sigs: Element[],
  opts: MetadataOptions,
  limits: XmlLimits,
): { signature: MetadataSignatureReport; signedRoot?: Element } {
  const required = opts.signers?.length ? { required: true } : {};
  if (sigs.length === 0) return { signature: { present: false, ...required } };
  if (sigs.length > 1) {
    return {
      signature: {
        present: true,
        valid: false,
        problem: `the root element carries ${sigs.length} signatures`,
        ...required,
      },
    };
  }
  const signature: MetadataSignatureReport = { present: true, ...required };
  const shape = inspectSignature(sigs[0], attr(root, "ID"), "metadata", opts.allowSha1 ?? false);
  // A whole-document reference (URI="") is common in metadata and unambiguous when the signature is a
  // child of the root: it is the root. Anything else must be "#" + the root's ID.
  shape.issues = shape.issues.filter((i) => !(shape.referenceUri === "" && /URI=""/.test(i.message)));
  signature.shape = shape;
  if (shape.issues.length) {
    signature.valid = false;
    signature.problem = shape.issues.map((i) => i.message).join("; ");
    return { signature };
  }
  const named = opts.signers ?? [];
  const listed = named.length ? [] : listedCertificates(root);
  const candidates = (named.length ? named : [...shape.keyInfoCertificates, ...listed]).filter(
    (c) => !(c.keyObject() instanceof Error),
  );
  const r = checkWithKeys(
    xml,
    sigs[0],
    candidates.map((c) => c.keyObject() as KeyObject),
    opts.allowSha1 ?? false,
    limits,
  );
  if (!r.ok) {
    signature.valid = false;
    signature.problem =
      r.reason === "signature"
        ? named.length
          ? `it does not verify with the metadata signer given (${named.map(describeCert).join(" or ")})`
          : "no certificate in the signature's KeyInfo or in the metadata verifies it"
        : r.message;
    return { signature };
  }
  const signer = candidates[r.key];
  signature.valid = true;
  signature.signer = signer;
  signature.signerNamed = named.length > 0;
  signature.signerListed = named.length
    ? listedCertificates(root).some((c) => sameKey(c, signer))
    : listed.some((c) => sameKey(c, signer));
  return { signature, signedRoot: r.signedRoot };
}

/** Every certificate the metadata lists in a KeyDescriptor, each distinct encoding parsed once. */
function listedCertificates(root: Element): Certificate[] {
  const texts = new Set<string>();
  for (const kd of descendants(root, NS.metadata, "KeyDescriptor")) {
    for (const x of descendants(kd, NS.ds, "X509Certificate")) texts.add(textOf(x).replace(/\s+/g, ""));
  }
  const out: Certificate[] = [];
  for (const b64 of texts) {
    try {
      out.push(parseCertificate(new Uint8Array(Buffer.from(b64, "base64"))));
    } catch {
      // reported per entity
    }
  }
  return out;
}

function readIdp(entity: Element, idp: Element): IdpEntity {
  const out: IdpEntity = {
    entityId: attr(entity, "entityID") ?? "",
    singleSignOn: childElements(idp, NS.metadata, "SingleSignOnService").map((s) => ({
      binding: attr(s, "Binding") ?? "",
      location: attr(s, "Location") ?? "",
    })),
    nameIdFormats: childElements(idp, NS.metadata, "NameIDFormat").map((n) => textOf(n).trim()),
    keys: [],
    signing: [],
    badCertificates: [],
    unreadCertificates: 0,
  };
  const vu = attr(entity, "validUntil") ?? attr(idp, "validUntil");
  if (vu) out.validUntil = new Date(vu);
  const cd = attr(entity, "cacheDuration");
  if (cd) out.cacheDuration = cd;
  const w = attr(idp, "WantAuthnRequestsSigned");
  if (w !== undefined) out.wantAuthnRequestsSigned = w === "true" || w === "1";
  const seen = new Set<string>();
  let read = 0;
  for (const kd of childElements(idp, NS.metadata, "KeyDescriptor")) {
    const u = attr(kd, "use");
    const use: KeyDescriptorInfo["use"] =
      u === "signing" ? "signing" : u === "encryption" ? "encryption" : "both";
    const keyInfo = child(kd, NS.ds, "KeyInfo");
    if (!keyInfo) continue;
    const keyNameEl = child(keyInfo, NS.ds, "KeyName");
    for (const x of descendants(keyInfo, NS.ds, "X509Certificate")) {
      if (read++ >= MAX_IDP_CERTIFICATES) {
        out.unreadCertificates++;
        continue;
      }
      try {
        const cert = parseCertificate(new Uint8Array(Buffer.from(textOf(x).replace(/\s+/g, ""), "base64")));
        out.keys.push({ use, cert, ...(keyNameEl ? { keyName: textOf(keyNameEl).trim() } : {}) });
        if (use !== "encryption" && !seen.has(cert.sha256)) {
          seen.add(cert.sha256);
          out.signing.push(cert);
        }
      } catch (e) {
        out.badCertificates.push(e instanceof Error ? e.message : String(e));
      }
    }
  }
  return out;
}

function metadataFindings(r: MetadataReport, opts: MetadataOptions): SamlFinding[] {
  const f: SamlFinding[] = [];
  const at = opts.at;
  if (!r.signature.present && r.signature.required) {
    f.push(
      finding(
        "saml-metadata-signature-invalid",
        "error",
        "the metadata is not signed, but a metadata signing certificate was given: it was expected to be signed with it",
        "fetch the federation's signed aggregate (or the IdP's signed metadata), not an unsigned copy",
      ),
    );
  } else if (!r.signature.present) {
    f.push(
      finding(
        "saml-metadata-unsigned",
        "info",
        "the metadata is not signed: its integrity rests on how you obtained it",
        "download it over HTTPS from the IdP's metadata URL, or ask the IdP for signed metadata",
      ),
    );
  } else if (!r.signature.valid) {
    f.push(
      finding(
        "saml-metadata-signature-invalid",
        "error",
        `the metadata's signature does not verify: ${r.signature.problem}`,
        "download the metadata again from the IdP; an edited or truncated copy does not verify",
      ),
    );
  } else if (r.signature.signerNamed) {
    f.push(
      finding(
        "saml-metadata-signer-verified",
        "info",
        `the metadata is signed with ${describeCert(r.signature.signer!)}, the metadata signing certificate given`,
      ),
    );
  } else if (!r.signature.signerListed) {
    f.push(
      finding(
        "saml-metadata-signer-unknown",
        "warning",
        `the metadata is signed with ${describeCert(r.signature.signer!)}, a certificate it does not list and that was not named as the federation's signing certificate: the signature shows the file is intact, not who made it (anyone can sign with a key of their own)`,
        "name the federation's (or IdP's) metadata signing certificate with --metadata-signer CERTFILE, so the signature is checked against it",
        { signer: r.signature.signer!.sha256 },
      ),
    );
  } else if (r.signature.signerListed) {
    f.push(
      finding(
        "saml-metadata-self-signed",
        "info",
        `the metadata is signed with ${describeCert(r.signature.signer!)}, a certificate it lists itself: this shows the file is intact, not who made it`,
      ),
    );
  }
  if (r.validUntil && r.validUntil.getTime() < at.getTime()) {
    f.push(
      finding(
        "saml-metadata-expired",
        "warning",
        `the metadata expired on ${r.validUntil.toISOString()} (validUntil)`,
        "fetch current metadata from the IdP",
      ),
    );
  }
  if (r.idps.length === 0) {
    f.push(
      finding(
        "saml-metadata-no-idp",
        "error",
        opts.entityId !== undefined
          ? `no IdP with entityID "${opts.entityId}" in the metadata`
          : "the metadata describes no IdP (no IDPSSODescriptor)",
      ),
    );
  }
  for (const idp of r.idps) {
    const who = r.idps.length > 1 ? `${idp.entityId}: ` : "";
    if (idp.validUntil && idp.validUntil.getTime() < at.getTime() && idp.validUntil !== r.validUntil) {
      f.push(
        finding(
          "saml-metadata-expired",
          "warning",
          `${who}the entity's metadata expired on ${idp.validUntil.toISOString()}`,
        ),
      );
    }
    if (idp.unreadCertificates) {
      f.push(
        finding(
          "saml-too-large",
          "error",
          `${who}the IdP lists ${MAX_IDP_CERTIFICATES + idp.unreadCertificates} certificates; IdPs list one to four, and only the first ${MAX_IDP_CERTIFICATES} are read`,
        ),
      );
    }
    if (idp.signing.length === 0) {
      f.push(
        finding(
          "saml-metadata-no-signing-cert",
          "error",
          `${who}the IdP lists no signing certificate (KeyDescriptor use="signing" or without use)`,
        ),
      );
      continue;
    }
    if (idp.signing.length > 1) {
      const newest = newestOf(idp.signing);
      f.push(
        finding(
          "saml-metadata-rollover",
          "warning",
          `${who}${idp.signing.length} signing certificates: a certificate rollover is in progress. The IdP signs with one of them (metadata does not say which); the newest, ${describeCert(newest)}, is the one that remains`,
          "make sure the SP trusts the new certificate before the IdP switches to it (and keeps the old one until then)",
          { newest: newest.sha256 },
        ),
      );
    }
    const lastExpiry = Math.max(...idp.signing.map((c) => c.notAfter.getTime()));
    for (const c of idp.signing) {
      const v = validityAt(c, at);
      const left = daysLeft(c, at);
      const successor = c.notAfter.getTime() < lastExpiry;
      if (v === "expired") {
        f.push(
          finding(
            "saml-cert-expiring",
            successor ? "info" : "warning",
            `${who}the signing certificate ${describeCert(c)} expired on ${isoDay(c.notAfter)}${successor ? "; a newer certificate is listed" : ""}`,
            successor ? undefined : "ask the IdP for its new signing certificate (and new metadata)",
          ),
        );
      } else if (v === "valid" && left <= EXPIRY_WARNING_DAYS) {
        f.push(
          finding(
            "saml-cert-expiring",
            "warning",
            `${who}the signing certificate ${describeCert(c)} expires in ${left} days${successor ? "; its successor is listed" : ", and no successor is listed"}`,
            successor
              ? "trust the successor on the SP before the IdP switches"
              : "ask the IdP for the next signing certificate now: when it rotates, every login fails until the SP has it",
          ),
        );
      }
    }
  }
  return f;
}

/** The certificate that remains after a rollover: the latest notBefore, then the latest notAfter. */
export function newestOf(certs: Certificate[]): Certificate {
  return [...certs].sort(
    (a, b) => b.notBefore.getTime() - a.notBefore.getTime() || b.notAfter.getTime() - a.notAfter.getTime(),
  )[0];
}

export interface RotationReport {
  entityId: string;
  /** The signing certificates, in metadata order. */
  signing: Certificate[];
  /** The certificates that may sign today: those valid now (all listed ones if none is). */
  signsToday: Certificate[];
  /** The certificate that remains after the rollover (the newest), when more than one is listed. */
  afterRotation?: Certificate;
  /** How each configured certificate relates to the list. */
  configured: { cert: Certificate; status: "listed" | "retiring" | "incoming" | "same-key" | "missing" }[];
  findings: SamlFinding[];
}

/** Compare the SP's configured certificate(s) with an IdP's signing certificates. */
export function compareConfigured(idp: IdpEntity, configured: Certificate[], at: Date): RotationReport {
  const f: SamlFinding[] = [];
  const signing = idp.signing;
  const valid = signing.filter((c) => validityAt(c, at) === "valid");
  const out: RotationReport = {
    entityId: idp.entityId,
    signing,
    signsToday: valid.length ? valid : signing,
    configured: [],
    findings: f,
  };
  if (signing.length === 0) return out;
  const newest = newestOf(signing);
  if (signing.length > 1) out.afterRotation = newest;
  for (const cert of configured) {
    const listed = signing.find((c) => sameCert(c, cert));
    if (listed) {
      if (signing.length === 1) {
        out.configured.push({ cert, status: "listed" });
        continue;
      }
      if (sameCert(listed, newest)) {
        const current = signing.filter((c) => !sameCert(c, newest));
        out.configured.push({ cert, status: "incoming" });
        f.push(
          finding(
            "saml-configured-cert-incoming",
            "warning",
            `the configured certificate is the incoming one, ${describeCert(cert)}: until the IdP switches to it, responses signed with ${current.map(describeCert).join(" or ")} fail`,
            "keep the current certificate trusted until the IdP switches (or trust both, if the SP can)",
            { incoming: cert.sha256, current: current.map((c) => c.sha256) },
          ),
        );
      } else {
        out.configured.push({ cert, status: "retiring" });
        const expired = validityAt(cert, at) === "expired";
        f.push(
          finding(
            "saml-configured-cert-retiring",
            expired ? "error" : "warning",
            expired
              ? `the configured certificate is the one being retired, and it expired on ${isoDay(cert.notAfter)}: add ${fingerprint(newest)} (${newest.label}) now`
              : `the configured certificate is the one being retired: add ${fingerprint(newest)} (${newest.label}) before the IdP switches to it, at the latest ${isoDay(cert.notAfter)} when the configured one expires`,
            `upload ${describeCert(newest)} to the SP as the IdP's certificate (Salesforce: Setup > Single Sign-On Settings > Identity Provider Certificate) when the IdP switches`,
            { configured: cert.sha256, replacement: newest.sha256, deadline: cert.notAfter.toISOString() },
          ),
        );
      }
      continue;
    }
    const keyTwin = signing.find((c) => sameKey(c, cert));
    if (keyTwin) {
      out.configured.push({ cert, status: "same-key" });
      f.push(
        finding(
          "saml-configured-same-key",
          "warning",
          `the configured certificate ${describeCert(cert)} is not listed, but ${describeCert(keyTwin)} has the same public key: signatures verify, yet an SP that compares whole certificates will refuse them`,
          `configure ${fingerprint(keyTwin)} instead`,
        ),
      );
      continue;
    }
    out.configured.push({ cert, status: "missing" });
    f.push(
      finding(
        "saml-configured-cert-missing",
        "error",
        `the configured certificate ${describeCert(cert)} is not one the IdP lists for signing: responses signed with ${out.signsToday.map(describeCert).join(" or ")} will fail`,
        `configure ${fingerprint(signing.length > 1 ? newest : signing[0])} (${(signing.length > 1 ? newest : signing[0]).label}) as the IdP's certificate on the SP`,
        { configured: cert.sha256, listed: signing.map((c) => c.sha256) },
      ),
    );
  }
  return out;
}
