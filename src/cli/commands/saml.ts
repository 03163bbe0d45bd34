/**
 * `chainproof saml metadata FILE [--configured CERTFILE] [--entity-id ID] [--metadata-signer CERTFILE] [--at TIME]
 *    [--allow-sha1] [--json]`
 * `chainproof saml verify RESPONSE [--cert FILE] [--metadata FILE [--metadata-signer CERTFILE]] [--sp-entity-id ID] [--acs URL]
 *    [--request-id ID] [--issuer ID] [--at TIME] [--skew SECONDS] [--allow-sha1] [--json]`
 *
 * The engine (src/saml) works on bytes; this module reads the files, and lays out the report as text or
 * JSON (docs/saml.md). Exit status: 0 valid (metadata: no error), 1 invalid (or an error finding), 2 input
 * that cannot be used (unreadable file, not XML, not a Response, bad option).
 */

import {
  checkMetadata,
  describeCert,
  keyText,
  MAX_METADATA_BYTES,
  MetadataError,
  type MetadataReport,
  NotAResponseError,
  type ResponseReport,
  type RotationReport,
  readMetadata,
  type SamlFinding,
  SamlInputError,
  STEP_TITLES,
  type StepStatus,
  validityAt,
  verifyResponseWithMetadata,
} from "../../saml/index.js";
import type { Certificate } from "../../x509/certificate.js";
import { InputError } from "../../x509/errors.js";
import { readCertificates } from "../../x509/input.js";
import { certificateToJson } from "../../x509/json.js";
import { readInput } from "../io.js";
import { colonHex, plural, relativeDays, utc } from "../render/format.js";
import { field, type Node, note, renderNodes, section, type Tone } from "../render/layout.js";
import { type Style, safeText, styleFor } from "../style.js";
import { quietOnClosedPipe } from "./roots.js";

const EXIT_OK = 0;
const EXIT_INVALID = 1;

export const SAML_VERIFY_SCHEMA = "chainproof/saml-verify";
export const SAML_METADATA_SCHEMA = "chainproof/saml-metadata";
export const SAML_SCHEMA_VERSION = 1;

/** Responses: 1 MiB of XML, so up to 2 MiB of base64 / form text. */
const MAX_RESPONSE_INPUT = 2 * 1024 * 1024;

export interface SamlMetadataOptions {
  configured?: string;
  entityId?: string;
  metadataSigner?: string;
  at?: string;
  allowSha1?: boolean;
  json?: boolean;
}

export interface SamlVerifyOptions {
  cert?: string;
  metadata?: string;
  metadataSigner?: string;
  spEntityId?: string;
  acs?: string;
  requestId?: string;
  issuer?: string;
  at?: string;
  skew?: string;
  allowSha1?: boolean;
  json?: boolean;
}

function parseTime(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const t = text.trim();
  const d = /^\d{4}-\d{2}-\d{2}$/.test(t) ? new Date(`${t}T00:00:00Z`) : new Date(t);
  if (!Number.isFinite(d.getTime())) {
    throw new InputError(
      `--at "${text}" is not a time; use ISO 8601, e.g. 2026-03-01 or 2026-03-01T12:00:00Z`,
      "usage",
    );
  }
  return d;
}

function certificates(file: string): Certificate[] {
  return readCertificates(readInput(file), { source: file }).certificates.map((c) => c.cert);
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, "Z");
}

/** Engine refusals of the input itself become InputError (exit 2), except DOCTYPE (a verdict, exit 1). */
function asInputError(file: string, e: unknown): never {
  if (e instanceof SamlInputError || e instanceof MetadataError || e instanceof NotAResponseError) {
    throw new InputError(`${file}: ${e.message}`, e instanceof SamlInputError ? e.code : "bad-input");
  }
  throw e;
}

function loadMetadata(
  file: string,
  at: Date,
  allowSha1: boolean,
  entityId?: string,
  signerFile?: string,
): MetadataReport {
  const signers = signerFile !== undefined ? certificates(signerFile) : [];
  try {
    return readMetadata(readInput(file, MAX_METADATA_BYTES), {
      at,
      allowSha1,
      ...(entityId !== undefined ? { entityId } : {}),
      ...(signers.length ? { signers } : {}),
    });
  } catch (e) {
    if (e instanceof SamlInputError && e.code === "saml-doctype") {
      throw new InputError(`${file}: ${e.message}`, "saml-doctype");
    }
    return asInputError(file, e);
  }
}

// ---------------------------------------------------------------------------------------------------------
// saml metadata

export async function runSamlMetadata(file: string, opts: SamlMetadataOptions): Promise<number> {
  quietOnClosedPipe();
  const at = parseTime(opts.at);
  const md = loadMetadata(file, at, opts.allowSha1 ?? false, opts.entityId, opts.metadataSigner);
  const configured = opts.configured ? certificates(opts.configured) : [];
  const { rotations, findings, valid } = checkMetadata(md, configured, at);
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify(metadataJson(file, md, configured, rotations, findings, at), null, 2)}\n`,
    );
  } else {
    process.stdout.write(
      renderMetadata(file, md, configured, rotations, findings, at, styleFor(process.stdout)),
    );
  }
  return valid ? EXIT_OK : EXIT_INVALID;
}

export function metadataJson(
  file: string,
  md: MetadataReport,
  configured: Certificate[],
  rotations: RotationReport[],
  findings: SamlFinding[],
  at: Date,
) {
  const now = { now: at };
  return {
    schema: SAML_METADATA_SCHEMA,
    version: SAML_SCHEMA_VERSION,
    generatedAt: iso(new Date()),
    at: iso(at),
    file,
    valid: !findings.some((f) => f.severity === "error"),
    rootElement: md.rootElement,
    ...(md.validUntil ? { validUntil: iso(md.validUntil) } : {}),
    source: md.source,
    signature: {
      present: md.signature.present,
      ...(md.signature.valid !== undefined ? { valid: md.signature.valid } : {}),
      ...(md.signature.shape?.signatureAlgorithm
        ? { signatureAlgorithm: md.signature.shape.signatureAlgorithm }
        : {}),
      ...(md.signature.shape?.digestAlgorithm ? { digestAlgorithm: md.signature.shape.digestAlgorithm } : {}),
      ...(md.signature.signer ? { signer: certificateToJson(md.signature.signer, undefined, now) } : {}),
      ...(md.signature.signerListed !== undefined ? { signerListed: md.signature.signerListed } : {}),
      ...(md.signature.signerNamed ? { signerNamed: true } : {}),
      ...(md.signature.problem ? { problem: md.signature.problem } : {}),
    },
    otherEntities: md.otherEntities,
    idps: md.idps.map((idp) => {
      const rot = rotations.find((r) => r.entityId === idp.entityId);
      return {
        entityId: idp.entityId,
        ...(idp.validUntil ? { validUntil: iso(idp.validUntil) } : {}),
        ...(idp.cacheDuration ? { cacheDuration: idp.cacheDuration } : {}),
        ...(idp.wantAuthnRequestsSigned !== undefined
          ? { wantAuthnRequestsSigned: idp.wantAuthnRequestsSigned }
          : {}),
        singleSignOn: idp.singleSignOn,
        nameIdFormats: idp.nameIdFormats,
        keys: idp.keys.map((k) => ({
          use: k.use,
          ...(k.keyName !== undefined ? { keyName: k.keyName } : {}),
          certificate: certificateToJson(k.cert, undefined, now),
        })),
        signing: idp.signing.map((c) => c.sha256.toUpperCase()),
        rollover: idp.signing.length > 1,
        ...(idp.badCertificates.length ? { badCertificates: idp.badCertificates } : {}),
        ...(rot
          ? {
              rotation: {
                signsToday: rot.signsToday.map((c) => c.sha256.toUpperCase()),
                ...(rot.afterRotation ? { afterRotation: rot.afterRotation.sha256.toUpperCase() } : {}),
                configured: rot.configured.map((c) => ({
                  sha256: c.cert.sha256.toUpperCase(),
                  status: c.status,
                })),
              },
            }
          : {}),
      };
    }),
    configured: configured.map((c) => certificateToJson(c, undefined, now)),
    findings,
  };
}

function certLines(c: Certificate, at: Date): Node[] {
  const v = validityAt(c, at);
  const days = Math.floor((c.notAfter.getTime() - at.getTime()) / 86_400_000);
  const tone: Tone = v !== "valid" ? "bad" : days <= 30 ? "warn" : "normal";
  return [
    field("Subject", c.subject.toString() || "(empty)"),
    field(
      "Issuer",
      c.selfSigned
        ? "self-signed (allowed for SAML signing: the SP pins this certificate)"
        : c.issuer.toString() || "(empty)",
    ),
    field("Key", keyText(c)),
    field("Valid", `${utc(iso(c.notBefore))} to ${utc(iso(c.notAfter))}`, {
      tone,
      tags: [
        {
          text:
            v === "expired"
              ? `expired ${relativeDays(days)}`
              : v === "not-yet-valid"
                ? "not yet valid"
                : `expires ${relativeDays(days)}`,
          tone,
        },
      ],
    }),
    field("SHA-256", colonHex(c.sha256)),
    field("SHA-1", colonHex(c.sha1)),
  ];
}

function findingNodes(findings: SamlFinding[]): Node[] {
  return findings.map((f) => {
    const tone: Tone = f.severity === "error" ? "bad" : f.severity === "warning" ? "warn" : "muted";
    return section(
      `${f.severity === "error" ? "✗" : f.severity === "warning" ? "!" : "·"} ${f.code}`,
      [note(f.message), ...(f.fix ? [field("Fix", f.fix)] : [])],
      { tone },
    );
  });
}

function renderMetadata(
  file: string,
  md: MetadataReport,
  configured: Certificate[],
  rotations: RotationReport[],
  findings: SamlFinding[],
  at: Date,
  style: Style,
): string {
  const nodes: Node[] = [];
  const sig = md.signature;
  nodes.push(
    field(
      "Signature",
      !sig.present
        ? "not signed"
        : sig.valid
          ? `valid, by ${describeCert(sig.signer!)}${sig.signerNamed ? " (the metadata signer given)" : sig.signerListed ? " (one of the listed certificates)" : " (not one of the listed certificates)"}`
          : `INVALID: ${sig.problem ?? ""}`,
      { tone: !sig.present ? "muted" : sig.valid ? "good" : "bad" },
    ),
  );
  if (md.validUntil) nodes.push(field("Valid until", utc(iso(md.validUntil))));
  if (md.rootElement === "EntitiesDescriptor") {
    nodes.push(
      field(
        "Entities",
        `${md.idps.length} IdP(s) shown, ${md.otherEntities} other entit${md.otherEntities === 1 ? "y" : "ies"}`,
      ),
    );
  }
  for (const idp of md.idps) {
    const rot = rotations.find((r) => r.entityId === idp.entityId);
    const kids: Node[] = [];
    for (const s of idp.singleSignOn)
      kids.push(
        field("SSO", `${s.location} (${s.binding.replace(/^urn:oasis:names:tc:SAML:2\.0:bindings:/, "")})`),
      );
    if (idp.nameIdFormats.length) kids.push(field("NameID formats", idp.nameIdFormats));
    idp.keys.forEach((k, i) => {
      const role =
        k.use === "encryption"
          ? "encryption"
          : k.use === "signing"
            ? "signing"
            : "signing and encryption (no use)";
      const tags = [
        ...(k.cert.selfSigned ? [{ text: "self-signed", tone: "muted" as Tone }] : []),
        ...(configured.some((c) => c.sha256 === k.cert.sha256)
          ? [{ text: "configured on the SP", tone: "good" as Tone }]
          : []),
        ...(rot?.afterRotation && rot.afterRotation.sha256 === k.cert.sha256 && k.use !== "encryption"
          ? [{ text: "newest", tone: "strong" as Tone }]
          : []),
      ];
      kids.push(
        section(
          `Certificate ${i + 1}: ${role}${k.keyName ? ` (KeyName ${k.keyName})` : ""}`,
          certLines(k.cert, at),
          { tags },
        ),
      );
    });
    if (idp.signing.length > 1) {
      kids.push(note(`${idp.signing.length} signing certificates: a rollover is in progress`, "warn"));
    }
    if (rot) {
      kids.push(
        field(
          "Signs today",
          rot.signsToday.length === 1
            ? describeCert(rot.signsToday[0])
            : [
                `one of these ${rot.signsToday.length} (metadata does not say which):`,
                ...rot.signsToday.map(describeCert),
              ],
        ),
      );
      if (rot.afterRotation) kids.push(field("After rotation", describeCert(rot.afterRotation)));
      for (const c of rot.configured) {
        kids.push(
          field("Configured", `${describeCert(c.cert)}: ${CONFIGURED_TEXT[c.status]}`, {
            tone: c.status === "listed" ? "good" : c.status === "missing" ? "bad" : "warn",
          }),
        );
      }
    }
    nodes.push(section(`IdP ${idp.entityId}`, kids));
  }
  if (findings.length) nodes.push(section("Findings", findingNodes(findings)));
  const errors = findings.filter((f) => f.severity === "error").length;
  const warnings = findings.filter((f) => f.severity === "warning").length;
  const head = errors
    ? style.red(`✗ ${plural(errors, "problem")} to fix${warnings ? `, ${plural(warnings, "warning")}` : ""}.`)
    : warnings
      ? style.yellow(`! No errors, ${plural(warnings, "warning")}: read them before the next rotation.`)
      : style.green(
          `✓ No problems found${configured.length ? "; the SP's configured certificate is the IdP's signing certificate" : ""}.`,
        );
  return `${style.bold(head)}\n${renderNodes(nodes, style, {}, 1)}${style.dim(`Checked ${safeText(file)} at ${iso(at)}.`)}\n`;
}

const CONFIGURED_TEXT: Record<RotationReport["configured"][number]["status"], string> = {
  listed: "listed for signing",
  retiring: "the one being retired",
  incoming: "the incoming one",
  "same-key": "not listed, but a listed certificate has the same key",
  missing: "NOT listed",
};

// ---------------------------------------------------------------------------------------------------------
// saml verify

export async function runSamlVerify(file: string, opts: SamlVerifyOptions): Promise<number> {
  quietOnClosedPipe();
  const at = parseTime(opts.at);
  let skewSeconds: number | undefined;
  if (opts.skew !== undefined) {
    skewSeconds = Number(opts.skew);
    if (!Number.isInteger(skewSeconds) || skewSeconds < 0 || skewSeconds > 86_400) {
      throw new InputError(`--skew "${opts.skew}": give whole seconds, 0 to 86400`, "usage");
    }
  }
  const trusted = opts.cert ? certificates(opts.cert) : undefined;
  if (opts.metadataSigner !== undefined && opts.metadata === undefined) {
    throw new InputError("--metadata-signer needs --metadata (the metadata file it signs)", "usage");
  }
  const md = opts.metadata
    ? loadMetadata(opts.metadata, at, opts.allowSha1 ?? false, undefined, opts.metadataSigner)
    : undefined;
  if (md && md.idps.length === 0)
    throw new InputError(`${opts.metadata}: the metadata describes no IdP`, "bad-input");
  const bytes = readInput(file, MAX_RESPONSE_INPUT);
  let report: ResponseReport;
  try {
    report = verifyResponseWithMetadata(
      bytes,
      {
        ...(trusted ? { trusted } : {}),
        ...(opts.spEntityId !== undefined ? { spEntityId: opts.spEntityId } : {}),
        ...(opts.acs !== undefined ? { acs: opts.acs } : {}),
        ...(opts.requestId !== undefined ? { requestId: opts.requestId } : {}),
        ...(opts.issuer !== undefined ? { issuer: opts.issuer } : {}),
        at,
        ...(skewSeconds !== undefined ? { skewSeconds } : {}),
        allowSha1: opts.allowSha1 ?? false,
      },
      md,
      opts.metadata,
    );
  } catch (e) {
    return asInputError(file, e);
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(verifyJson(file, report), null, 2)}\n`);
  } else {
    process.stdout.write(renderVerify(file, report, styleFor(process.stdout)));
  }
  return report.valid ? EXIT_OK : EXIT_INVALID;
}

export function verifyJson(file: string, r: ResponseReport) {
  const now = { now: r.at };
  return {
    schema: SAML_VERIFY_SCHEMA,
    version: SAML_SCHEMA_VERSION,
    generatedAt: iso(new Date()),
    at: iso(r.at),
    skewSeconds: r.skewSeconds,
    file,
    valid: r.valid,
    input: r.input,
    steps: r.steps.map((s) => ({ id: s.id, title: STEP_TITLES[s.id], status: s.status, details: s.details })),
    findings: r.findings,
    ...(r.response ? { response: { ...r.response, source: r.responseSource } } : {}),
    ...(r.assertion ? { assertion: { ...r.assertion, source: r.assertionSource } } : {}),
    signatures: r.signatures.map((s) => ({
      on: s.on,
      ...(s.referenceUri !== undefined ? { referenceUri: s.referenceUri } : {}),
      ...(s.signatureAlgorithm ? { signatureAlgorithm: s.signatureAlgorithm } : {}),
      ...(s.digestAlgorithm ? { digestAlgorithm: s.digestAlgorithm } : {}),
      ...(s.canonicalization ? { canonicalization: s.canonicalization } : {}),
      transforms: s.transforms,
      valid: s.valid,
      signerTrusted: s.signerTrusted,
      ...(s.signer ? { signer: certificateToJson(s.signer, undefined, now) } : {}),
      keyInfoCertificates: s.keyInfoCertificates.map((c) => c.sha256.toUpperCase()),
      ...(s.problem ? { problem: s.problem } : {}),
    })),
    trusted: r.trusted.map((c) => certificateToJson(c, undefined, now)),
  };
}

const STATUS_TAG: Record<StepStatus, { text: string; tone: Tone }> = {
  pass: { text: "ok", tone: "good" },
  fail: { text: "FAIL", tone: "bad" },
  warn: { text: "warn", tone: "warn" },
  skip: { text: "skip", tone: "muted" },
  info: { text: "info", tone: "muted" },
};

function tone(style: Style, t: Tone, s: string): string {
  return t === "good"
    ? style.green(s)
    : t === "bad"
      ? style.red(s)
      : t === "warn"
        ? style.yellow(s)
        : style.dim(s);
}

function renderVerify(file: string, r: ResponseReport, style: Style): string {
  const errors = r.findings.filter((f) => f.severity === "error");
  const head = r.valid
    ? style.green("✓ The SAML Response is valid.")
    : style.red(
        `✗ The SAML Response is NOT valid: ${errors.length} problem${errors.length === 1 ? "" : "s"}.`,
      );
  const nodes: Node[] = [];
  let steps = "";
  const width = Math.max(...r.steps.map((s) => STEP_TITLES[s.id].length));
  for (const s of r.steps) {
    const tag = STATUS_TAG[s.status];
    const word = tone(style, tag.tone, tag.text.padEnd(4));
    const lines = s.details.length ? s.details : ["—"];
    lines.forEach((l, i) => {
      const title = i === 0 ? STEP_TITLES[s.id].padEnd(width) : " ".repeat(width);
      steps += `  ${i === 0 ? word : "    "}  ${i === 0 ? style.bold(title) : title}  ${safeText(l)}\n`;
    });
  }
  const a = r.assertion;
  if (a) {
    const kids: Node[] = [];
    if (a.nameId)
      kids.push(
        field("NameID", a.nameId.value, {
          tone: "strong",
          children: a.nameId.format ? [field("Format", a.nameId.format)] : [],
        }),
      );
    if (a.issuer) kids.push(field("Issuer", a.issuer));
    if (a.conditions) {
      kids.push(
        field("Audience", a.conditions.audiences.flat().length ? a.conditions.audiences.flat() : ["(none)"]),
      );
      kids.push(
        field("Conditions", `${a.conditions.notBefore ?? "…"} to ${a.conditions.notOnOrAfter ?? "…"}`),
      );
    }
    for (const c of a.subjectConfirmations) {
      kids.push(
        field("Confirmation", c.method.replace(/^urn:oasis:names:tc:SAML:2\.0:cm:/, ""), {
          children: [
            ...(c.recipient ? [field("Recipient", c.recipient)] : []),
            ...(c.notOnOrAfter ? [field("NotOnOrAfter", c.notOnOrAfter)] : []),
            ...(c.inResponseTo ? [field("InResponseTo", c.inResponseTo)] : []),
          ],
        }),
      );
    }
    if (a.authn?.authnInstant)
      kids.push(
        field(
          "Authenticated",
          `${a.authn.authnInstant}${a.authn.contextClass ? ` (${a.authn.contextClass.replace(/^urn:oasis:names:tc:SAML:2\.0:ac:classes:/, "")})` : ""}`,
        ),
      );
    for (const at of a.attributes.slice(0, 20))
      kids.push(
        field(`Attribute ${at.friendlyName ?? at.name}`, at.values.length ? at.values : ["(no value)"]),
      );
    if (a.attributes.length > 20)
      kids.push(note(`… ${a.attributes.length - 20} more attributes (see --json)`, "muted"));
    nodes.push(
      section(`Assertion ${a.id ?? ""}`.trim(), kids, {
        tags: [
          {
            text: SOURCE_TEXT[r.assertionSource ?? "unverified"],
            tone: r.assertionSource === "signed" ? "good" : "warn",
          },
        ],
      }),
    );
  }
  const signers = [
    ...new Map(r.signatures.filter((s) => s.signer).map((s) => [s.signer!.sha256, s])).values(),
  ];
  for (const s of signers) {
    nodes.push(
      section(
        `Signing certificate (${s.signerTrusted ? "trusted by the SP" : "NOT trusted by the SP"})`,
        certLines(s.signer!, r.at),
        {
          tone: s.signerTrusted ? "strong" : "bad",
        },
      ),
    );
  }
  for (const c of r.trusted.filter((t) => !signers.some((s) => s.signer!.sha256 === t.sha256))) {
    nodes.push(section("Certificate the SP trusts", certLines(c, r.at)));
  }
  if (r.findings.length) nodes.push(section("Findings", findingNodes(r.findings)));
  return `${style.bold(head)}\n\n${steps}\n${renderNodes(nodes, style, {}, 1)}${style.dim(`Checked ${safeText(file)} (${safeText(fingerprintless(r))}) at ${iso(r.at)}, clock skew ${r.skewSeconds} s.`)}\n`;
}

const SOURCE_TEXT: Record<string, string> = {
  signed: "read from the signed XML",
  "signed-untrusted": "signed by an untrusted certificate",
  unverified: "unverified: no signature checked",
};

function fingerprintless(r: ResponseReport): string {
  const b =
    r.input.binding === "xml"
      ? "XML"
      : r.input.binding === "post"
        ? "HTTP-POST base64"
        : "HTTP-Redirect deflate";
  return r.input.form ? `${b}, SAMLResponse form field` : b;
}
