/**
 * The tools people reach for next to a decoder: a CSR decoder, a "does this key match this certificate or
 * CSR" matcher, and a format converter (PEM, DER, PKCS#7, PKCS#12, JKS). Each tab calls one route of
 * src/web/tools.ts, whose answers are the documents `chainproof csr|match|convert --json` print.
 */

import { useState } from "preact/hooks";
import { type FilePayload, post, saveFile } from "../api";
import {
  Badge,
  Busy,
  ErrorBox,
  emptyFile,
  Field,
  FileField,
  type FileState,
  payloadOf,
  Tabs,
  useId,
  useJob,
} from "../ui";

interface GeneralName {
  type: string;
  value: string;
}

interface CsrAnswer {
  subject: { rfc4514: string };
  publicKey: { algorithm: string; bits?: number; curve?: string; spkiSha256: string };
  subjectAltNames: GeneralName[];
  extensions: {
    oid: string;
    name?: string;
    critical: boolean;
    value: string;
    decoded?: Record<string, unknown>;
    error?: string;
  }[];
  signatureAlgorithm: { name: string };
  signatureValid: boolean;
  warnings: string[];
  pem: string;
}

interface MatchAnswer {
  matches: boolean;
  summary: string;
  key: { algorithm: string; bits?: number; curve?: string; spkiSha256: string };
  target: {
    kind: string;
    candidates: { position: number; subject: string; spkiSha256: string; matches: boolean }[];
  };
  notes: string[];
}

interface ConvertAnswer {
  document: {
    from: string;
    to: string;
    certificates: { subject: string; sha256: string; alias?: string; entry: string }[];
    keys: number;
    bytes: number;
    fileName: string;
    notes: string[];
  };
  base64: string;
}

const TABS = [
  { id: "csr", title: "Decode a CSR" },
  { id: "match", title: "Key matches certificate?" },
  { id: "convert", title: "Convert formats" },
] as const;

type TabId = (typeof TABS)[number]["id"];

/** Ask for the password box when the server says the file needs one. */
function needsPassword(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === "need-password" || code === "bad-password";
}

export function ToolsPage() {
  const [tab, setTab] = useState<TabId>("csr");
  return (
    <>
      <h1>Tools</h1>
      <p class="lead">
        Decode a certificate signing request, check that a private key belongs to a certificate or a CSR, and
        convert between PEM, DER, PKCS#7, PKCS#12 and JKS. Keys are read by this server only, never stored.
      </p>
      <Tabs tabs={TABS} value={tab} onChange={setTab} />
      {tab === "csr" && <CsrTool />}
      {tab === "match" && <MatchTool />}
      {tab === "convert" && <ConvertTool />}
    </>
  );
}

function keyText(k: { algorithm: string; bits?: number; curve?: string }): string {
  return [k.algorithm, k.bits ? `${k.bits} bits` : "", k.curve ?? ""].filter(Boolean).join(" ");
}

function extensionText(e: CsrAnswer["extensions"][number]): string {
  if (e.error) return `cannot be decoded: ${e.error}`;
  const d = e.decoded;
  if (!d) return e.value;
  if (Array.isArray(d.names)) return (d.names as GeneralName[]).map((n) => `${n.type}:${n.value}`).join(", ");
  if (Array.isArray(d.usages)) return (d.usages as string[]).join(", ");
  if (Array.isArray(d.purposes)) {
    return (d.purposes as { oid: string; name?: string }[]).map((p) => p.name ?? p.oid).join(", ");
  }
  if (typeof d.ca === "boolean")
    return `CA: ${d.ca ? "yes" : "no"}${d.pathLen !== undefined ? `, pathLen ${d.pathLen}` : ""}`;
  return e.value;
}

function CsrTool() {
  const [file, setFile] = useState(emptyFile());
  const job = useJob<CsrAnswer>();
  const submit = (e: Event) => {
    e.preventDefault();
    const p = payloadOf(file);
    if (p) void job.run((signal) => post<CsrAnswer>("/api/tools/csr", { file: p }, signal));
  };
  const r = job.result;
  return (
    <>
      <form class="card" onSubmit={submit}>
        <FileField
          label="Certificate signing request"
          value={file}
          onChange={setFile}
          placeholder="-----BEGIN CERTIFICATE REQUEST-----"
          hint="PEM or DER (.csr, .req)."
        />
        <div class="actions">
          <button type="submit" disabled={job.running || !payloadOf(file)}>
            Decode the request
          </button>
        </div>
      </form>
      <Busy running={job.running} label="Decoding…" onCancel={job.cancel} />
      <ErrorBox error={job.error} />
      {r && (
        <section class="card" aria-live="polite" aria-labelledby="csr-result">
          <h2 id="csr-result">
            {r.subject.rfc4514 || "(empty subject)"}{" "}
            <Badge tone={r.signatureValid ? "good" : "bad"}>
              {r.signatureValid ? "signature verifies" : "signature does not verify"}
            </Badge>
          </h2>
          <dl class="fields">
            <Field label="Subject">{r.subject.rfc4514 || "(empty)"}</Field>
            <Field label="Key">{keyText(r.publicKey)}</Field>
            <Field label="Key pin (SHA-256)">
              <code class="break">{r.publicKey.spkiSha256}</code>
            </Field>
            <Field label="Signature">{r.signatureAlgorithm.name}</Field>
            <Field label="Requested names">
              {r.subjectAltNames.length
                ? r.subjectAltNames.map((n) => `${n.type}:${n.value}`).join(", ")
                : "(none)"}
            </Field>
            {r.extensions.map((e) => (
              <Field key={e.oid} label={`${e.name ?? e.oid}${e.critical ? " (critical)" : ""}`}>
                <span class="break">{extensionText(e)}</span>
              </Field>
            ))}
          </dl>
          {r.warnings.length > 0 && (
            <ul class="warnings">
              {r.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
        </section>
      )}
    </>
  );
}

function MatchTool() {
  const [key, setKey] = useState(emptyFile());
  const [target, setTarget] = useState(emptyFile());
  const [keyPassword, setKeyPassword] = useState(false);
  const job = useJob<MatchAnswer>();
  const submit = (e: Event) => {
    e.preventDefault();
    const k = payloadOf(key);
    const t = payloadOf(target);
    if (!k || !t) return;
    void job.run(async (signal) => {
      try {
        return await post<MatchAnswer>("/api/tools/match", { key: k, target: t }, signal);
      } catch (err) {
        if (needsPassword(err)) setKeyPassword(true);
        throw err;
      }
    });
  };
  const r = job.result;
  return (
    <>
      <form class="card" onSubmit={submit}>
        <FileField
          label="Private key"
          value={key}
          onChange={setKey}
          password={keyPassword ? "always" : "auto"}
          placeholder="-----BEGIN PRIVATE KEY-----"
          hint="PEM (encrypted or not), PKCS#8 DER, or a PKCS#12/JKS holding the key."
        />
        <FileField
          label="Certificate or CSR"
          value={target}
          onChange={setTarget}
          password="auto"
          placeholder="-----BEGIN CERTIFICATE-----"
          hint="The certificate (the first of the file: the leaf), or a certificate signing request."
        />
        <div class="actions">
          <button type="submit" disabled={job.running || !payloadOf(key) || !payloadOf(target)}>
            Compare
          </button>
        </div>
      </form>
      <Busy running={job.running} label="Comparing…" onCancel={job.cancel} />
      <ErrorBox error={job.error} />
      {r && (
        <section class="card" aria-live="polite" aria-labelledby="match-result">
          <h2 id="match-result">
            <Badge tone={r.matches ? "good" : "bad"}>{r.matches ? "match" : "no match"}</Badge> {r.summary}
          </h2>
          <dl class="fields">
            <Field label="Key">{keyText(r.key)}</Field>
            <Field label="Key pin (SHA-256)">
              <code class="break">{r.key.spkiSha256}</code>
            </Field>
            {r.target.candidates.map((c) => (
              <Field
                key={c.position}
                label={r.target.kind === "csr" ? "Request" : `Certificate #${c.position}`}
              >
                <span class="break">{`${c.subject} — ${c.matches ? "matches" : "does not match"}`}</span>
              </Field>
            ))}
          </dl>
          {r.notes.map((n) => (
            <p key={n} class="muted">
              {n}
            </p>
          ))}
        </section>
      )}
    </>
  );
}

const FORMATS = [
  { id: "pem", title: "PEM" },
  { id: "der", title: "DER (one certificate)" },
  { id: "p7b", title: "PKCS#7 (.p7b)" },
  { id: "p12", title: "PKCS#12 (.p12)" },
  { id: "jks", title: "Java keystore (.jks)" },
] as const;

function ConvertTool() {
  const [file, setFile] = useState(emptyFile());
  const [key, setKey] = useState<FileState>(emptyFile());
  const [to, setTo] = useState<(typeof FORMATS)[number]["id"]>("p12");
  const [outPassword, setOutPassword] = useState("");
  const [inPassword, setInPassword] = useState(false);
  const job = useJob<ConvertAnswer>();
  const id = useId("convert");
  const store = to === "p12" || to === "jks";
  const submit = (e: Event) => {
    e.preventDefault();
    const p = payloadOf(file);
    if (!p) return;
    const k: FilePayload | undefined = payloadOf(key);
    void job.run(async (signal) => {
      try {
        return await post<ConvertAnswer>(
          "/api/tools/convert",
          { file: p, to, ...(k ? { key: k } : {}), ...(outPassword ? { outPassword } : {}) },
          signal,
        );
      } catch (err) {
        if (needsPassword(err)) setInPassword(true);
        throw err;
      }
    });
  };
  const r = job.result;
  const download = () => {
    if (!r) return;
    const bytes = Uint8Array.from(atob(r.base64), (c) => c.charCodeAt(0));
    saveFile(new Blob([bytes], { type: "application/octet-stream" }), r.document.fileName);
  };
  return (
    <>
      <form class="card" onSubmit={submit}>
        <FileField
          label="Certificates (and key)"
          value={file}
          onChange={setFile}
          password={inPassword ? "always" : "auto"}
          placeholder="-----BEGIN CERTIFICATE-----"
          hint="PEM (a chain, and its private key if you want it in a keystore), DER, PKCS#7, PKCS#12 or JKS."
        />
        <FileField
          label="Private key (optional)"
          value={key}
          onChange={setKey}
          rows={3}
          placeholder="-----BEGIN PRIVATE KEY-----"
          hint="When the key is in a file of its own: it becomes one entry with its certificate."
        />
        <div class="row">
          <label for={`${id}-to`}>Convert to</label>
          <select
            id={`${id}-to`}
            value={to}
            onChange={(e) => setTo((e.target as HTMLSelectElement).value as typeof to)}
          >
            {FORMATS.map((f) => (
              <option key={f.id} value={f.id}>
                {f.title}
              </option>
            ))}
          </select>
        </div>
        <div class="row">
          <label for={`${id}-pw`}>
            {store
              ? "Password of the file to write (6 or more characters)"
              : "Password to encrypt a PEM key (optional)"}
          </label>
          <input
            id={`${id}-pw`}
            type="password"
            autocomplete="new-password"
            minLength={store ? 6 : undefined}
            value={outPassword}
            onInput={(e) => setOutPassword((e.target as HTMLInputElement).value)}
          />
        </div>
        <div class="actions">
          <button type="submit" disabled={job.running || !payloadOf(file)}>
            Convert
          </button>
        </div>
      </form>
      <Busy running={job.running} label="Converting…" onCancel={job.cancel} />
      <ErrorBox error={job.error} />
      {r && (
        <section class="card" aria-live="polite" aria-labelledby="convert-result">
          <h2 id="convert-result">{`${r.document.fileName}: ${r.document.certificates.length} certificate${r.document.certificates.length === 1 ? "" : "s"}${r.document.keys ? `, ${r.document.keys} private key${r.document.keys === 1 ? "" : "s"}` : ""} (${r.document.bytes} bytes)`}</h2>
          <ul class="plain">
            {r.document.certificates.map((c) => (
              <li key={c.sha256 + c.entry} class="break">
                {`${c.alias ? `${c.alias}: ` : ""}${c.subject} (${c.entry})`}
              </li>
            ))}
          </ul>
          {r.document.notes.map((n) => (
            <p key={n} class="muted">
              {n}
            </p>
          ))}
          <div class="actions">
            <button type="button" onClick={download}>
              {`Download ${r.document.fileName}`}
            </button>
          </div>
        </section>
      )}
    </>
  );
}
