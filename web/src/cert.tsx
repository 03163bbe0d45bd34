/** One decoded certificate (the decode JSON, docs/decode.schema.json): every field, fingerprints, warnings, lints. */

import type { ComponentChildren } from "preact";
import { type CertificateLints, LintList, lintItems } from "./lints";
import { CtSection, type CtView } from "./revocation";
import { Badge, CopyButton, colonHex, Field } from "./ui";

export interface CertificateJson {
  source?: {
    file: string;
    position: number;
    container: string;
    line?: number;
    alias?: string;
    entry?: string;
  };
  version: number;
  serialNumber: { hex: string; decimal: string };
  signatureAlgorithm: {
    name: string;
    oid: string;
    pss?: { hash: string; mgf1Hash: string; saltLength: number };
  };
  issuer: { rfc4514: string };
  subject: { rfc4514: string; rdns: { type: string; value: string; encoding: string }[][] };
  validity: {
    notBefore: string;
    notAfter: string;
    status: string;
    daysRemaining: number;
    lifetimeDays: number;
  };
  publicKey: { algorithm: string; bits?: number; curve?: string; exponent?: number; spkiSha256: string };
  subjectAltNames: { type: string; value: string; typeName?: string }[];
  extensions: {
    oid: string;
    name?: string;
    critical: boolean;
    value: string;
    decoded?: unknown;
    error?: string;
  }[];
  fingerprints: { sha1: string; sha256: string };
  ca: boolean;
  selfIssued: boolean;
  selfSigned: boolean;
  signatureValue: string;
  warnings: { code: string; message: string; extension?: string }[];
  /** The certificate lints that fired (docs/lints.md); present in decode's document. */
  lints?: CertificateLints;
  der: string;
}

/** The lints that fired on a certificate, compactly: id, source and what is wrong; the rule on hover. */
function Lints({ lints }: { lints: NonNullable<CertificateJson["lints"]> }) {
  if (lints.findings.length === 0) return null;
  return <LintList title={`Lints (${lints.kind})`} counts={lints.counts} items={lintItems(lints)} />;
}

/** A decoded extension value of any shape, as nested lists of text. */
export function Value({ v, depth = 0 }: { v: unknown; depth?: number }) {
  if (v === null || v === undefined) return <span class="muted">—</span>;
  if (typeof v !== "object") return <span>{String(v)}</span>;
  if (depth > 6) return <span class="muted">…</span>;
  if (Array.isArray(v)) {
    if (v.length === 0) return <span class="muted">(none)</span>;
    if (v.every((x) => typeof x !== "object" || x === null)) return <span>{v.map(String).join(", ")}</span>;
    return (
      <ul class="tree">
        {v.map((x, i) => (
          <li key={i}>
            <Value v={x} depth={depth + 1} />
          </li>
        ))}
      </ul>
    );
  }
  return (
    <dl class="tree">
      {Object.entries(v as Record<string, unknown>).map(([k, x]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>
            <Value v={x} depth={depth + 1} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function toPem(derBase64: string, label = "CERTIFICATE"): string {
  const lines = derBase64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

export function CertificateDetails({
  c,
  index,
  total,
  ct,
  children,
}: {
  c: CertificateJson;
  index: number;
  total: number;
  /** Its SCTs and Chrome's and Apple's CT policies (the decode answer's `transparency`). */
  ct?: CtView | null | undefined;
  /** More about it, after the lints: its revocation status or the button that asks for it. */
  children?: ComponentChildren;
}) {
  const cn = c.subject.rdns
    .flat()
    .filter((a) => a.type === "CN")
    .map((a) => a.value)
    .at(-1);
  const title = cn ?? (c.subject.rfc4514 || "(empty subject)");
  const v = c.validity;
  const tone = v.status !== "valid" ? "bad" : v.daysRemaining < 30 ? "warn" : "good";
  return (
    <article class="card cert" aria-labelledby={`cert-${index}`}>
      <h2 id={`cert-${index}`}>
        <span class="muted">{total > 1 ? `${index + 1}/${total} ` : ""}</span>
        {title}
      </h2>
      <div class="tags">
        {c.selfSigned ? <Badge tone="muted">self-signed</Badge> : null}
        {c.ca ? <Badge tone="info">CA</Badge> : <Badge tone="muted">end entity</Badge>}
        <Badge tone={tone}>
          {v.status === "expired"
            ? `expired ${-v.daysRemaining} days ago`
            : v.status === "not-yet-valid"
              ? "not yet valid"
              : `${v.daysRemaining} days left`}
        </Badge>
        {c.warnings.length > 0 && (
          <Badge tone="warn">{`${c.warnings.length} warning${c.warnings.length === 1 ? "" : "s"}`}</Badge>
        )}
        {c.lints && c.lints.counts.error > 0 && (
          <Badge tone="bad">{`${c.lints.counts.error} lint error${c.lints.counts.error === 1 ? "" : "s"}`}</Badge>
        )}
      </div>
      {c.warnings.length > 0 && (
        <ul class="warnings" aria-label="warnings">
          {c.warnings.map((w, i) => (
            <li key={i}>
              <code>{w.code}</code> {w.message}
            </li>
          ))}
        </ul>
      )}
      {c.lints && <Lints lints={c.lints} />}
      {ct && <CtSection view={ct} ca={c.ca} />}
      {children}
      <dl class="fields">
        <Field label="Subject">{c.subject.rfc4514 || "(empty)"}</Field>
        <Field label="Issuer">{c.issuer.rfc4514 || "(empty)"}</Field>
        <Field label="Serial number">
          <code>{c.serialNumber.hex}</code>
        </Field>
        <Field label="Valid">{`${v.notBefore} to ${v.notAfter} (${v.lifetimeDays} days)`}</Field>
        <Field label="Public key">
          {`${c.publicKey.algorithm}${c.publicKey.bits ? ` ${c.publicKey.bits} bits` : ""}${c.publicKey.curve ? ` ${c.publicKey.curve}` : ""}${c.publicKey.exponent ? `, e=${c.publicKey.exponent}` : ""}`}
        </Field>
        <Field label="Signature">
          {`${c.signatureAlgorithm.name}${c.signatureAlgorithm.pss ? ` (${c.signatureAlgorithm.pss.hash}, MGF1 ${c.signatureAlgorithm.pss.mgf1Hash}, salt ${c.signatureAlgorithm.pss.saltLength})` : ""}`}
        </Field>
        <Field label="Subject alternative names">
          {c.subjectAltNames.length ? (
            <ul class="plain">
              {c.subjectAltNames.map((n, i) => (
                <li key={i}>
                  <span class="muted">{`${n.typeName ?? n.type}: `}</span>
                  {n.value}
                </li>
              ))}
            </ul>
          ) : (
            <span class="muted">none</span>
          )}
        </Field>
        <Field label="SHA-256">
          <code class="fp">{colonHex(c.fingerprints.sha256)}</code>
        </Field>
        <Field label="SHA-1">
          <code class="fp">{colonHex(c.fingerprints.sha1)}</code>
        </Field>
        <Field label="Key pin (SPKI SHA-256)">
          <code class="fp">{c.publicKey.spkiSha256}</code>
        </Field>
        {c.source && (
          <Field label="Read from">
            {`${c.source.file}, certificate ${c.source.position} (${c.source.container}${c.source.line ? `, line ${c.source.line}` : ""}${c.source.alias ? `, alias ${c.source.alias}` : ""})`}
          </Field>
        )}
      </dl>
      <details>
        <summary>{`Extensions (${c.extensions.length})`}</summary>
        <dl class="fields">
          {c.extensions.map((e, i) => (
            <Field key={i} label={`${e.name ?? e.oid}${e.critical ? " (critical)" : ""}`}>
              {e.error ? (
                <span class="bad-text">{e.error}</span>
              ) : e.decoded !== undefined ? (
                <Value v={e.decoded} />
              ) : (
                <code class="hex">{e.value}</code>
              )}
            </Field>
          ))}
        </dl>
      </details>
      <details>
        <summary>PEM</summary>
        <pre class="pem">{toPem(c.der)}</pre>
        <CopyButton text={toPem(c.der)} label="Copy PEM" />
      </details>
    </article>
  );
}
