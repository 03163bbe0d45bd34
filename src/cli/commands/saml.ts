/**
 * `chainproof saml metadata FILE [--configured CERTFILE] [--entity-id ID] [--metadata-signer CERTFILE] [--at TIME]
 *    [--allow-sha1] [--json]`
 * `chainproof saml verify RESPONSE [--cert FILE] [--metadata FILE [--metadata-signer CERTFILE]] [--sp-entity-id ID] [--acs URL]
 *    [--request-id ID] [--issuer ID] [--at TIME] [--skew SECONDS] [--allow-sha1] [--json]`
 *
 * The use cases (src/app/saml.ts) read the files and check; this module lays out their report as text or
 * JSON (docs/saml.md). Exit status: 0 valid (metadata: no error), 1 invalid (or an error finding), 2 input
 * that cannot be used (unreadable file, not XML, not a Response, bad option).
 */

import {
  runSamlMetadata as checkIdpMetadata,
  iso,
  type SamlMetadataRun,
  runSamlVerify as verifyResponse,
} from "../../app/saml.js";
import {
  describeCert,
  keyText,
  type ResponseReport,
  type RotationReport,
  type SamlFinding,
  STEP_TITLES,
  type StepStatus,
  validityAt,
} from "../../saml/index.js";
import type { Certificate } from "../../x509/certificate.js";
import { InputError } from "../../x509/errors.js";
import { colonHex, plural, relativeDays, utc } from "../render/format.js";
import { field, type Node, note, renderNodes, section, type Tone } from "../render/layout.js";
import { type Style, safeText, styleFor } from "../style.js";
import { quietOnClosedPipe } from "./roots.js";

const EXIT_OK = 0;
const EXIT_INVALID = 1;

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

// ---------------------------------------------------------------------------------------------------------
// saml metadata

export async function runSamlMetadata(file: string, opts: SamlMetadataOptions): Promise<number> {
  quietOnClosedPipe();
  const run = checkIdpMetadata({
    metadata: file,
    ...(opts.configured ? { configured: opts.configured } : {}),
    ...(opts.entityId !== undefined ? { entityId: opts.entityId } : {}),
    ...(opts.metadataSigner !== undefined ? { metadataSigners: opts.metadataSigner } : {}),
    ...(opts.at !== undefined ? { at: opts.at } : {}),
    allowSha1: opts.allowSha1 ?? false,
  });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(run.document, null, 2)}\n`);
  } else {
    process.stdout.write(renderMetadata(run, styleFor(process.stdout)));
  }
  return run.valid ? EXIT_OK : EXIT_INVALID;
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

function renderMetadata(run: SamlMetadataRun, style: Style): string {
  const { file, md, configured, rotations, findings, at } = run;
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
  let skewSeconds: number | undefined;
  if (opts.skew !== undefined) {
    skewSeconds = Number(opts.skew);
    if (!Number.isInteger(skewSeconds) || skewSeconds < 0 || skewSeconds > 86_400) {
      throw new InputError(`--skew "${opts.skew}": give whole seconds, 0 to 86400`, "usage");
    }
  }
  const { report, document } = verifyResponse({
    response: file,
    ...(opts.cert ? { trusted: opts.cert } : {}),
    ...(opts.metadata !== undefined ? { metadata: opts.metadata } : {}),
    ...(opts.metadataSigner !== undefined ? { metadataSigners: opts.metadataSigner } : {}),
    ...(opts.spEntityId !== undefined ? { spEntityId: opts.spEntityId } : {}),
    ...(opts.acs !== undefined ? { acs: opts.acs } : {}),
    ...(opts.requestId !== undefined ? { requestId: opts.requestId } : {}),
    ...(opts.issuer !== undefined ? { issuer: opts.issuer } : {}),
    ...(opts.at !== undefined ? { at: opts.at } : {}),
    ...(skewSeconds !== undefined ? { skewSeconds } : {}),
    allowSha1: opts.allowSha1 ?? false,
  });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  } else {
    process.stdout.write(renderVerify(file, report, styleFor(process.stdout)));
  }
  return report.valid ? EXIT_OK : EXIT_INVALID;
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
