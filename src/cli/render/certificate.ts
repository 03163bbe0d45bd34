/**
 * Human view of one certificate, laid out from its JSON document (src/x509/json.ts): this module only decides
 * wording and arrangement; every fact comes from the document.
 */

import type {
  CertificateJson,
  ExtensionJson,
  GeneralNameJson,
  NameAttributeJson,
  NameJson,
  SourceJson,
} from "../../x509/json.js";
import { colonHex, hexLines, plural, relativeDays, thousands, utc } from "./format.js";
import { field, type Node, note, section, type Tag } from "./layout.js";

const CONTAINER_NAMES: Record<string, string> = {
  pem: "PEM",
  der: "DER",
  pkcs7: "PKCS#7",
  pkcs12: "PKCS#12",
  jks: "JKS",
  jceks: "JCEKS",
};

/** "standard input" for "-", else the file name as given. */
export function fileLabel(file: string): string {
  return file === "-" ? "standard input" : file;
}

/** "(PEM #2, line 24)", "(PKCS#12 #1, alias "server", key entry)", "(DER)". */
export function originLabel(src: SourceJson): string {
  const parts: string[] = [];
  const kind = CONTAINER_NAMES[src.container] ?? src.container;
  parts.push(src.container === "der" ? kind : `${kind} #${src.position}`);
  if (src.line !== undefined) parts.push(`line ${thousands(src.line)}`);
  if (src.alias !== undefined) parts.push(`alias "${src.alias}"`);
  if (src.entry !== undefined) parts.push(src.entry === "key" ? "key entry" : "trusted entry");
  return `(${parts.join(", ")})`;
}

/** "Certificate 2 of 3 — chain.pem (PEM #2, line 24)" */
export function certificateHeading(cert: CertificateJson, index: number, total: number): string {
  const where = cert.source ? ` — ${fileLabel(cert.source.file)} ${originLabel(cert.source)}` : "";
  return `Certificate ${index} of ${total}${where}`;
}

/** Octets of a serial shown in full; RFC 5280 allows 20, and real serials past it are rare mistakes. */
const SHOWN_SERIAL_OCTETS = 32;

/** "7F:ED:… (1700…)", or for a serial past RFC 5280's 20 octets by far, its start and its length. */
function serialText(serial: CertificateJson["serialNumber"]): string {
  const octets = (serial.hex.length - (serial.hex.startsWith("-") ? 1 : 0)) / 2;
  if (octets <= SHOWN_SERIAL_OCTETS && serial.decimal !== undefined)
    return `${colonHex(serial.hex)} (${serial.decimal})`;
  const start = serial.hex.slice(0, SHOWN_SERIAL_OCTETS * 2 + (serial.hex.startsWith("-") ? 1 : 0));
  return `${colonHex(start)}… (${thousands(octets)} octets; RFC 5280 allows at most 20)`;
}

export function certificateNodes(c: CertificateJson): Node[] {
  const nodes: Node[] = [];
  nodes.push(nameField("Subject", c.subject));
  nodes.push(
    c.selfIssued && c.issuer.rfc4514 === c.subject.rfc4514
      ? field("Issuer", c.issuer.rfc4514 || "(empty)", { tags: [{ text: "same as subject", tone: "muted" }] })
      : nameField("Issuer", c.issuer),
  );
  nodes.push(field("Serial number", serialText(c.serialNumber)));
  nodes.push(field("Version", String(c.version)));
  const pss = c.signatureAlgorithm.pss;
  nodes.push(
    field("Signature", `${c.signatureAlgorithm.name} (${c.signatureAlgorithm.oid})`, {
      children: pss
        ? [
            field(
              "PSS parameters",
              `hash ${pss.hash}, MGF1 with ${pss.mgf1Hash}, salt ${pss.saltLength} bytes, trailer ${pss.trailerField}`,
            ),
          ]
        : [],
    }),
  );
  nodes.push(validityNode(c));
  nodes.push(field("Type", typeText(c)));
  nodes.push(publicKeyNode(c));
  if (c.subjectAltNames.length) {
    nodes.push(
      section(
        `Subject alternative names (${c.subjectAltNames.length})`,
        generalNameFields(c.subjectAltNames),
      ),
    );
  }
  if (c.extensions.length) {
    nodes.push(section(`Extensions (${c.extensions.length})`, c.extensions.map(extensionNode)));
  } else nodes.push(field("Extensions", "none", { tone: "muted" }));
  if (c.issuerUniqueId) nodes.push(field("Issuer unique ID", hexLines(c.issuerUniqueId)));
  if (c.subjectUniqueId) nodes.push(field("Subject unique ID", hexLines(c.subjectUniqueId)));
  nodes.push(
    section("Fingerprints", [
      field("SHA-1", colonHex(c.fingerprints.sha1)),
      field("SHA-256", colonHex(c.fingerprints.sha256)),
    ]),
  );
  if (c.warnings.length) {
    nodes.push(
      section(
        "Warnings",
        c.warnings.map((w) => note(`! ${w.message}`, "warn")),
        { tone: "warn" },
      ),
    );
  }
  return nodes;
}

function nameField(label: string, n: NameJson): Node {
  const children: Node[] = [];
  for (const rdn of n.rdns) {
    rdn.forEach((a, i) => {
      children.push(field(i === 0 ? a.type : `+ ${a.type}`, attributeValue(a)));
    });
  }
  return field(label, n.rfc4514 || "(empty)", { tone: "strong", children });
}

function attributeValue(a: NameAttributeJson): string {
  return a.encoding === "UTF8String" || a.encoding === "PrintableString"
    ? a.value
    : `${a.value} (${a.encoding})`;
}

function validityNode(c: CertificateJson): Node {
  const v = c.validity;
  let after = utc(v.notAfter);
  let afterTone: "good" | "bad" | "warn" = "good";
  let before = utc(v.notBefore);
  let beforeTone: "normal" | "bad" = "normal";
  if (v.status === "expired") {
    after += ` (expired ${relativeDays(v.daysRemaining)})`;
    afterTone = "bad";
  } else {
    after += ` (expires ${relativeDays(v.daysRemaining)})`;
    if (v.daysRemaining < 30) afterTone = "warn";
  }
  if (v.status === "not-yet-valid") {
    before += " (not yet valid)";
    beforeTone = "bad";
  }
  return section("Validity", [
    field("Not before", before, { tone: beforeTone }),
    field("Not after", after, { tone: afterTone }),
    field("Lifetime", `${thousands(v.lifetimeDays)} days`, { tone: "muted" }),
  ]);
}

function typeText(c: CertificateJson): string {
  const parts = [c.ca ? "CA" : "end-entity"];
  if (c.selfSigned) parts.push("self-signed");
  else if (c.selfIssued) parts.push("self-issued (its own key does not verify its signature)");
  return parts.join(", ");
}

function publicKeyNode(c: CertificateJson): Node {
  const k = c.publicKey;
  const parts = [k.curve ? `${k.algorithm} ${k.curve}` : k.algorithm];
  if (k.bits !== undefined) parts.push(`${k.bits} bits`);
  if (k.exponent !== undefined) parts.push(`exponent ${k.exponent}`);
  return field("Public key", parts.join(", "), {
    children: [
      field("Algorithm OID", k.algorithm === k.oid ? `${k.oid} (not one we know)` : k.oid),
      field("SPKI SHA-256", colonHex(k.spkiSha256)),
    ],
  });
}

const KIND_LABELS: Record<string, string> = {
  dns: "DNS",
  email: "Email",
  uri: "URI",
  ip: "IP",
  dirName: "DirName",
  otherName: "OtherName",
  registeredId: "RegisteredID",
  x400Address: "X400",
  ediPartyName: "EDIParty",
};

function generalNameText(g: GeneralNameJson): string {
  if (g.type === "otherName") return `${g.typeName ?? g.oid} ${g.value}${g.typeName ? ` (${g.oid})` : ""}`;
  if (g.type === "x400Address" || g.type === "ediPartyName") return `${hexLines(g.der ?? "", 32, 32)[0]}`;
  return g.value;
}

function generalNameFields(names: GeneralNameJson[]): Node[] {
  return names.map((g) => field(KIND_LABELS[g.type] ?? g.type, generalNameText(g)));
}

/** "URI http://…" for places where the kind must be spelled out inline. */
function generalNameInline(g: GeneralNameJson): string {
  return `${KIND_LABELS[g.type] ?? g.type} ${generalNameText(g)}`;
}

const EXTENSION_TITLES: Record<string, string> = {
  basicConstraints: "Basic constraints",
  keyUsage: "Key usage",
  extKeyUsage: "Extended key usage",
  subjectAltName: "Subject alternative name",
  issuerAltName: "Issuer alternative name",
  nameConstraints: "Name constraints",
  certificatePolicies: "Certificate policies",
  policyMappings: "Policy mappings",
  policyConstraints: "Policy constraints",
  inhibitAnyPolicy: "Inhibit anyPolicy",
  subjectKeyIdentifier: "Subject key identifier",
  authorityKeyIdentifier: "Authority key identifier",
  authorityInfoAccess: "Authority information access",
  subjectInfoAccess: "Subject information access",
  crlDistributionPoints: "CRL distribution points",
  freshestCRL: "Freshest CRL",
  ct_precert_scts: "Signed certificate timestamps",
  ct_precert_poison: "CT precertificate poison",
  tlsFeature: "TLS feature",
};

function extensionNode(e: ExtensionJson): Node {
  const title = `${(e.name && EXTENSION_TITLES[e.name]) ?? e.name ?? "Unknown extension"} (${e.oid})`;
  const tags: Tag[] = [];
  if (e.critical) tags.push({ text: "critical", tone: "warn" });
  const children: Node[] = [];
  if (e.error !== undefined) {
    children.push(note(`! could not be decoded: ${e.error}`, "warn"));
    children.push(field("Value", hexLines(e.value), { tone: "muted" }));
  } else if (e.decoded) {
    children.push(...decodedNodes(e.name ?? "", e.decoded));
  } else {
    children.push(field("Value", hexLines(e.value), { tone: "muted" }));
  }
  return section(title, children, { tags, tone: "normal" });
}

// The decoded shapes are documented in docs/decode.md; these casts read them back.
type Json = Record<string, unknown>;
const arr = (v: unknown) => (Array.isArray(v) ? (v as Json[]) : []);

function decodedNodes(name: string, d: Json): Node[] {
  switch (name) {
    case "basicConstraints":
      return [
        field("CA", d.ca ? "true" : "false", { tone: d.ca ? "strong" : "normal" }),
        ...(d.pathLen !== undefined ? [field("Path length", String(d.pathLen))] : []),
      ];
    case "keyUsage":
      return [field("Usages", (d.usages as string[]).join(", ") || "(none)")];
    case "extKeyUsage":
      return arr(d.purposes).map((p) => field(String(p.name ?? p.oid), p.name ? String(p.oid) : "(unnamed)"));
    case "subjectAltName":
      return [note(`${plural(arr(d.names).length, "name")}, listed above`, "muted")];
    case "issuerAltName":
      return generalNameFields(arr(d.names) as unknown as GeneralNameJson[]);
    case "nameConstraints":
      return (["permitted", "excluded"] as const)
        .filter((k) => d[k])
        .map((k) =>
          section(
            k === "permitted" ? "Permitted" : "Excluded",
            arr(d[k]).map((s) => {
              const base = s.base as GeneralNameJson;
              const extra =
                s.minimum !== undefined || s.maximum !== undefined
                  ? ` (min ${s.minimum ?? 0}, max ${s.maximum ?? "none"})`
                  : "";
              return field(KIND_LABELS[base.type] ?? base.type, generalNameText(base) + extra);
            }),
            { tone: "normal" },
          ),
        );
    case "certificatePolicies":
      return arr(d.policies).map((p) =>
        field("Policy", p.name ? `${p.oid} (${p.name})` : String(p.oid), {
          children: arr(p.qualifiers).map(qualifierNode),
        }),
      );
    case "policyMappings":
      return arr(d.mappings).map((m) => field("Maps", `${m.issuerDomainPolicy} → ${m.subjectDomainPolicy}`));
    case "policyConstraints":
      return [
        ...(d.requireExplicitPolicy !== undefined
          ? [field("Require explicit policy", String(d.requireExplicitPolicy))]
          : []),
        ...(d.inhibitPolicyMapping !== undefined
          ? [field("Inhibit policy mapping", String(d.inhibitPolicyMapping))]
          : []),
      ];
    case "inhibitAnyPolicy":
      return [field("Skip certs", String(d.skipCerts))];
    case "subjectKeyIdentifier":
      return [field("Key ID", colonHex(String(d.keyIdentifier)))];
    case "authorityKeyIdentifier":
      return [
        ...(d.keyIdentifier !== undefined ? [field("Key ID", colonHex(String(d.keyIdentifier)))] : []),
        ...arr(d.authorityCertIssuer).map((g) =>
          field("Issuer", generalNameInline(g as unknown as GeneralNameJson)),
        ),
        ...(d.authorityCertSerialNumber !== undefined
          ? [field("Serial", colonHex(String(d.authorityCertSerialNumber)))]
          : []),
      ];
    case "authorityInfoAccess":
    case "subjectInfoAccess":
      return arr(d.descriptions).map((a) =>
        field(
          a.methodName === "caIssuers" ? "CA issuers" : String(a.methodName ?? a.method),
          generalNameInline(a.location as GeneralNameJson),
        ),
      );
    case "crlDistributionPoints":
    case "freshestCRL":
      return arr(d.points).map((p, i) => {
        const kids: Node[] = [];
        for (const g of arr(p.fullName))
          kids.push(field("Full name", generalNameInline(g as unknown as GeneralNameJson)));
        if (p.relativeName) {
          const rdn = (p.relativeName as NameAttributeJson[]).map((a) => `${a.type}=${a.value}`).join("+");
          kids.push(field("Relative name", rdn));
        }
        if (p.reasons) kids.push(field("Reasons", (p.reasons as string[]).join(", ") || "(none)"));
        for (const g of arr(p.crlIssuer))
          kids.push(field("CRL issuer", generalNameInline(g as unknown as GeneralNameJson)));
        return section(`Distribution point ${i + 1}`, kids, { tone: "normal" });
      });
    case "ct_precert_scts":
      return arr(d.scts).map((s, i) =>
        section(
          `SCT ${i + 1}`,
          [
            field("Log ID", colonHex(String(s.logId))),
            field("Timestamp", utc(String(s.timestamp))),
            ...(s.signatureAlgorithm ? [field("Signature", String(s.signatureAlgorithm))] : []),
            ...(s.version !== 0 ? [field("Version", `v${Number(s.version) + 1}`)] : []),
          ],
          { tone: "normal" },
        ),
      );
    case "tlsFeature":
      return [
        field(
          "Features",
          arr(d.features)
            .map((f) => (f.name ? `${f.name} (${f.value})` : String(f.value)))
            .join(", "),
        ),
        ...(d.mustStaple
          ? [
              field("Must-staple", "yes: clients that honour it require a stapled OCSP response", {
                tone: "warn",
              }),
            ]
          : []),
      ];
    case "ct_precert_poison":
      return [note("this is a precertificate: no TLS client accepts it", "warn")];
    default:
      return [];
  }
}

function qualifierNode(q: Json): Node {
  if (q.type === "cps") return field("CPS", String(q.uri ?? "(not a URI)"));
  if (q.type === "userNotice") {
    const kids: Node[] = [];
    const ref = q.noticeRef as { organization: string; noticeNumbers: number[] } | undefined;
    if (ref) {
      kids.push(field("Organization", ref.organization));
      kids.push(field("Numbers", ref.noticeNumbers.join(", ")));
    }
    if (q.explicitText !== undefined) kids.push(field("Explicit text", String(q.explicitText)));
    if (q.der !== undefined) kids.push(field("Value", hexLines(String(q.der)), { tone: "muted" }));
    return field("User notice", kids.length ? "" : "(empty)", { children: kids });
  }
  return field(String(q.oid), q.der !== undefined ? hexLines(String(q.der)) : "(no value)", {
    tone: "muted",
  });
}
