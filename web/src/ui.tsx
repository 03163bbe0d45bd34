/**
 * Shared pieces of the pages. Everything a server answer contains (certificate fields, host names, SAML
 * values, error texts) is put into the page as text by Preact (text nodes, attribute values set as
 * properties); nothing here or anywhere in the front end sets HTML from data.
 */

import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, type FilePayload, fileToPayload, getSession, type Session } from "./api";

// ---------------------------------------------------------------------------------------------------------
// Async work with cancel

export interface Job<T> {
  running: boolean;
  result?: T;
  error?: ApiError;
  run: (fn: (signal: AbortSignal) => Promise<T>) => Promise<void>;
  cancel: () => void;
  reset: () => void;
}

export function useJob<T>(): Job<T> {
  const [state, setState] = useState<{ running: boolean; result?: T; error?: ApiError }>({ running: false });
  const ctl = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => ctl.current?.abort(), []);
  const run = useCallback(async (fn: (signal: AbortSignal) => Promise<T>) => {
    ctl.current?.abort();
    const c = new AbortController();
    ctl.current = c;
    // The previous result stays while the new one is on its way (no flash, no unmounting of what it shows).
    setState((s) => ({ running: true, result: s.result }));
    try {
      const result = await fn(c.signal);
      if (!c.signal.aborted) setState({ running: false, result });
    } catch (e) {
      if (c.signal.aborted) return;
      const err =
        e instanceof ApiError ? e : new ApiError(0, "internal", e instanceof Error ? e.message : String(e));
      setState({ running: false, error: err });
    }
  }, []);
  const cancel = useCallback(() => {
    ctl.current?.abort();
    ctl.current = undefined;
    setState((s) => ({ ...s, running: false, error: new ApiError(0, "cancelled", "Cancelled.") }));
  }, []);
  const reset = useCallback(() => setState({ running: false }), []);
  return { ...state, run, cancel, reset };
}

export function useSession(): Session | undefined {
  const [s, setS] = useState<Session | undefined>(undefined);
  useEffect(() => {
    getSession().then(setS, () => undefined);
  }, []);
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// Status

export function ErrorBox({ error, onRetry }: { error?: ApiError; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div class="notice bad" role="alert">
      <strong>{error.code === "cancelled" ? "Stopped" : "Could not do that"}</strong>
      <p>{error.message}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Busy({
  running,
  label,
  onCancel,
}: {
  running: boolean;
  label: string;
  onCancel?: () => void;
}) {
  return (
    <div class="busy" role="status" aria-live="polite">
      {running && (
        <>
          <span class="spinner" aria-hidden="true" />
          <span>{label}</span>
          {onCancel && (
            <button type="button" class="secondary" onClick={onCancel}>
              Cancel
            </button>
          )}
        </>
      )}
    </div>
  );
}

export function Unavailable({ what }: { what: string }) {
  return (
    <div class="notice warn" role="note">
      <strong>Not available in this build</strong>
      <p>{`${what} needs a chainproof module that this build does not include yet. The other pages work.`}</p>
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

export type Tone = "good" | "bad" | "warn" | "muted" | "info";

export function Badge({
  tone,
  children,
  title,
}: {
  tone: Tone;
  children: ComponentChildren;
  title?: string;
}) {
  return (
    <span class={`badge ${tone}`} title={title}>
      {children}
    </span>
  );
}

export function Section({
  title,
  children,
  id,
}: {
  title: string;
  children: ComponentChildren;
  id?: string;
}) {
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Inputs

export interface FileState {
  text: string;
  file?: FilePayload;
  fileName?: string;
  password: string;
}

export const emptyFile = (): FileState => ({ text: "", password: "" });

/** The API payload of a file field; undefined when nothing was given. */
export function payloadOf(s: FileState): FilePayload | undefined {
  const pw = s.password ? { password: s.password } : {};
  if (s.file) return { ...s.file, ...pw };
  if (s.text.trim()) return { text: s.text, name: "pasted", ...pw };
  return undefined;
}

let uid = 0;
export function useId(prefix: string): string {
  const r = useRef<string | undefined>(undefined);
  r.current ??= `${prefix}-${++uid}`;
  return r.current;
}

/** Paste or upload: a textarea and a file picker; the last one used wins. Optional password. */
export function FileField({
  label,
  value,
  onChange,
  hint,
  password,
  rows = 6,
  accept,
  placeholder,
  paste = true,
}: {
  label: string;
  value: FileState;
  onChange: (s: FileState) => void;
  hint?: string;
  /** Show the password box: always, or only when the file looks like a keystore. */
  password?: "always" | "auto";
  rows?: number;
  accept?: string;
  placeholder?: string;
  /** Offer a text box (false for binary-only files such as keystores). */
  paste?: boolean;
}) {
  const id = useId("file");
  const keystoreLike = /\.(p12|pfx|jks|jceks|keystore)$/i.test(value.fileName ?? "");
  const showPassword = password === "always" || (password === "auto" && keystoreLike);
  return (
    <fieldset class="file-field">
      <legend>{label}</legend>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {paste && (
        <>
          <label for={`${id}-text`}>Paste</label>
          <textarea
            id={`${id}-text`}
            rows={rows}
            spellcheck={false}
            placeholder={placeholder}
            aria-describedby={hint ? `${id}-hint` : undefined}
            value={value.file ? "" : value.text}
            onInput={(e) =>
              onChange({
                ...value,
                text: (e.target as HTMLTextAreaElement).value,
                file: undefined,
                fileName: undefined,
              })
            }
          />
        </>
      )}
      <div class="row">
        <label for={`${id}-upload`}>{paste ? "or upload a file" : "Upload the file"}</label>
        <input
          id={`${id}-upload`}
          type="file"
          accept={accept}
          onChange={async (e) => {
            const f = (e.target as HTMLInputElement).files?.[0];
            if (!f) return;
            const p = await fileToPayload(f);
            onChange({ ...value, file: p, fileName: f.name, text: "" });
          }}
        />
        {value.fileName && (
          <span class="muted">
            {`Using ${value.fileName} `}
            <button
              type="button"
              class="link"
              onClick={() => onChange({ ...value, file: undefined, fileName: undefined })}
            >
              clear
            </button>
          </span>
        )}
      </div>
      {showPassword && (
        <div class="row">
          <label for={`${id}-pw`}>Password (PKCS#12, JKS)</label>
          <input
            id={`${id}-pw`}
            type="password"
            autocomplete="off"
            value={value.password}
            onInput={(e) => onChange({ ...value, password: (e.target as HTMLInputElement).value })}
          />
        </div>
      )}
    </fieldset>
  );
}

export function ClientPicker({
  session,
  value,
  onChange,
}: {
  session?: Session;
  value: string[];
  onChange: (v: string[]) => void;
}) {
  const clients = session?.clients ?? [];
  const all = clients.length > 0 && clients.every((c) => value.includes(c.id));
  return (
    <fieldset class="clients">
      <legend>Clients</legend>
      <div class="checks">
        <label class="check">
          <input
            type="checkbox"
            checked={all}
            onChange={() => onChange(all ? ["salesforce"] : clients.map((c) => c.id))}
          />
          All
        </label>
        {clients.map((c) => (
          <label class="check" key={c.id}>
            <input
              type="checkbox"
              checked={value.includes(c.id)}
              onChange={() =>
                onChange(value.includes(c.id) ? value.filter((x) => x !== c.id) : [...value, c.id])
              }
            />
            {c.name}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

export interface StoreState {
  kind: string;
  file: FileState;
}

export const defaultStore = (): StoreState => ({ kind: "", file: emptyFile() });

/** The request fields for a store choice. */
export function storeFields(s: StoreState): Record<string, unknown> {
  if (s.kind === "upload") {
    const p = payloadOf(s.file);
    return p ? { roots: p } : {};
  }
  if (s.kind === "salesforce") {
    const p = payloadOf(s.file);
    return p ? { salesforceList: p } : {};
  }
  return s.kind ? { store: s.kind } : {};
}

export function StorePicker({
  session,
  value,
  onChange,
  label = "Trust store",
  allowDefault = true,
}: {
  session?: Session;
  value: StoreState;
  onChange: (s: StoreState) => void;
  label?: string;
  allowDefault?: boolean;
}) {
  const id = useId("store");
  return (
    <div class="store-picker">
      <label for={id}>{label}</label>
      <select
        id={id}
        value={value.kind}
        onChange={(e) => onChange({ ...value, kind: (e.target as HTMLSelectElement).value })}
      >
        {allowDefault && <option value="">Each client's own (Mozilla roots; Node's for Node)</option>}
        {(session?.stores ?? []).map((s) => (
          <option key={s.id} value={s.id} disabled={!s.available}>
            {s.available ? s.name : `${s.name} (not on this machine)`}
          </option>
        ))}
        <option value="upload">Upload a bundle or keystore…</option>
        <option value="salesforce">An org's /cacerts.jsp list…</option>
      </select>
      {(value.kind === "upload" || value.kind === "salesforce") && (
        <FileField
          label={value.kind === "upload" ? "Trust store file" : "Saved /cacerts.jsp page or list of roots"}
          value={value.file}
          onChange={(file) => onChange({ ...value, file })}
          password={value.kind === "upload" ? "auto" : undefined}
          rows={3}
        />
      )}
    </div>
  );
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class="secondary"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setDone(true);
          setTimeout(() => setDone(false), 1500);
        } catch {
          setDone(false);
        }
      }}
    >
      {done ? "Copied" : label}
    </button>
  );
}

/** A link only for http(s) URLs (a certificate chooses them); anything else is shown as text. */
export function SafeLink({ url }: { url: string }) {
  let ok = false;
  try {
    const u = new URL(url);
    ok = u.protocol === "http:" || u.protocol === "https:";
  } catch {
    ok = false;
  }
  return ok ? (
    <a href={url} rel="noopener noreferrer nofollow" target="_blank">
      {url}
    </a>
  ) : (
    <code>{url}</code>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Findings

export interface Finding {
  code: string;
  severity: "error" | "warning" | "info";
  message: string;
  fix?: string;
  certificate?: { position?: number; role: string; subject: string };
  clients?: Record<string, { rejects: boolean; error?: string; note?: string }>;
}

export function sevTone(s: string): Tone {
  return s === "error" ? "bad" : s === "warning" ? "warn" : "muted";
}

export function Findings({ findings, names }: { findings: Finding[]; names?: Record<string, string> }) {
  if (!findings.length) return <Empty>No findings.</Empty>;
  return (
    <ul class="findings">
      {findings.map((f, i) => (
        <li key={`${f.code}-${i}`} class={`finding ${sevTone(f.severity)}`}>
          <div class="finding-head">
            <Badge tone={sevTone(f.severity)}>{f.severity}</Badge>
            <code>{f.code}</code>
            {f.certificate?.position !== undefined && (
              <span class="muted">{`certificate #${f.certificate.position}`}</span>
            )}
          </div>
          <p>{f.message}</p>
          {f.fix && (
            <p class="fix">
              <strong>Fix: </strong>
              {f.fix}
            </p>
          )}
          {f.clients && Object.entries(f.clients).some(([, e]) => (e.rejects && e.error) || e.note) && (
            <dl class="client-errors">
              {Object.entries(f.clients).map(([id, e]) =>
                (e.rejects && e.error) || e.note ? (
                  <div key={id}>
                    <dt>{names?.[id] ?? id}</dt>
                    <dd>{e.rejects && e.error ? <code class="errtext">{e.error}</code> : e.note}</dd>
                  </div>
                ) : null,
              )}
            </dl>
          )}
        </li>
      ))}
    </ul>
  );
}

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function colonHex(hex: string): string {
  return (hex.toUpperCase().match(/.{2}/g) ?? []).join(":");
}

/** A row of tab buttons (the pressed one is the tab shown); the page renders the chosen tab's content. */
export function Tabs<T extends string>({
  tabs,
  value,
  onChange,
}: {
  tabs: readonly { id: T; title: string }[];
  value: T;
  onChange: (id: T) => void;
}) {
  return (
    <div class="tabs">
      {tabs.map((t) => (
        <button
          key={t.id}
          type="button"
          class={value === t.id ? "tab active" : "tab"}
          aria-pressed={value === t.id}
          onClick={() => onChange(t.id)}
        >
          {t.title}
        </button>
      ))}
    </div>
  );
}
