import { useEffect, useState } from "preact/hooks";
import { ApiError, del, get, post, postForFile, saveFile, saveText } from "../api";
import {
  Badge,
  Busy,
  Empty,
  ErrorBox,
  emptyFile,
  FileField,
  payloadOf,
  type Tone,
  Unavailable,
  useJob,
  useSession,
} from "../ui";

/** One entry as `chainproof keys show --json` prints it (docs/schemas/keys-list.schema.json): the fields used here. */
interface EntryView {
  name: string;
  label: string;
  kind: "self-signed" | "csr-pending" | "ca-signed";
  key: { type: string; size: number };
  exportable: boolean;
  subject: string;
  notAfter: string | null;
  daysToExpiry: number | null;
  status: "pending" | "expired" | "expiring" | "valid";
  chain: { subject: string; issuer: string; notAfter: string; sha256: string }[];
  pendingRequest: boolean;
  csrPem: string | null;
}

interface KeysAnswer {
  path: string;
  exists: boolean;
  hasPassphrase: boolean;
  unlocked: boolean;
  passphraseFromEnvironment: boolean;
  entries: EntryView[];
}

interface OutcomeAnswer {
  entry: EntryView;
  warnings: string[];
  notes: string[];
  csrPem?: string;
}

const STATUS: Record<EntryView["status"], Tone> = {
  pending: "info",
  expired: "bad",
  expiring: "warn",
  valid: "good",
};

/** The shortest file password an export takes (keytool refuses shorter; the server checks it too). */
const MIN_FILE_PASSWORD = 6;

const DAY_MS = 86_400_000;

/**
 * Days left, counted up: a key made a moment ago for 365 days has 364.99 days left, which is "365 days
 * left" to a person (the server's whole-day count rounds down, right for "expired N days ago").
 */
function expiryText(e: EntryView): string {
  if (e.daysToExpiry === null) return "waiting for the CA";
  if (e.daysToExpiry < 0) return `expired ${-e.daysToExpiry} days ago`;
  const left = e.notAfter ? Math.ceil((Date.parse(e.notAfter) - Date.now()) / DAY_MS) : e.daysToExpiry;
  return `${left} day${left === 1 ? "" : "s"} left`;
}

/** Why a Unique Name is refused, in words (the browser's pattern message says only "match the format"). */
function nameProblem(name: string): string | undefined {
  const n = name.trim();
  if (!n) return undefined;
  if (!/^[A-Za-z]/.test(n)) return `The name must start with a letter ("${n[0]}" is not one).`;
  const bad = [...new Set(n.replace(/[A-Za-z0-9_]/g, ""))];
  if (bad.length) {
    return `The name may hold only letters, digits and underscores: ${bad.map((c) => `"${c}"`).join(", ")} ${bad.length === 1 ? "is" : "are"} not allowed.`;
  }
  return undefined;
}

function Unlock({ status, onDone }: { status: KeysAnswer; onDone: () => void }) {
  const [p, setP] = useState("");
  const [again, setAgain] = useState("");
  const job = useJob<unknown>();
  const fresh = !status.hasPassphrase;
  const mismatch = fresh && again !== "" && again !== p;
  return (
    <form
      class="unlock"
      onSubmit={(e) => {
        e.preventDefault();
        if (mismatch) return;
        void job.run(async (s) => {
          await post("/api/keys/unlock", { passphrase: p }, s);
          onDone();
        });
      }}
    >
      <p>
        {fresh
          ? "The keystore has no passphrase yet. Choose one: every private key is encrypted with it."
          : "The keystore is locked. Its passphrase decrypts the private keys."}
      </p>
      <div class="two">
        <div>
          <label for="ks-pass">{fresh ? "New passphrase" : "Passphrase"}</label>
          <input
            id="ks-pass"
            type="password"
            autocomplete={fresh ? "new-password" : "current-password"}
            value={p}
            onInput={(e) => setP((e.target as HTMLInputElement).value)}
          />
        </div>
        {fresh && (
          <div>
            <label for="ks-pass2">The same again</label>
            <input
              id="ks-pass2"
              type="password"
              autocomplete="new-password"
              value={again}
              aria-invalid={mismatch}
              onInput={(e) => setAgain((e.target as HTMLInputElement).value)}
            />
          </div>
        )}
      </div>
      {mismatch && <p class="bad-text">The two passphrases differ.</p>}
      <div class="actions">
        <button type="submit" disabled={job.running || !p || (fresh && again !== p)}>
          Unlock
        </button>
      </div>
      <Busy running={job.running} label="Unlocking…" />
      <ErrorBox error={job.error} />
    </form>
  );
}

function Create({ onDone }: { onDone: (o: OutcomeAnswer) => void }) {
  const [kind, setKind] = useState<"self-signed" | "csr">("self-signed");
  const [name, setName] = useState("");
  const [cn, setCn] = useState("");
  const [san, setSan] = useState("");
  const [key, setKey] = useState("rsa2048");
  const [days, setDays] = useState("");
  const [exportable, setExportable] = useState(true);
  const job = useJob<OutcomeAnswer>();
  const submit = (e: Event) => {
    e.preventDefault();
    void job.run(async (s) => {
      const body = {
        name: name.trim(),
        cn: cn.trim(),
        san: san
          .split(/[\n,]+/)
          .map((x) => x.trim())
          .filter(Boolean),
        key,
        exportable,
        ...(kind === "self-signed" && days.trim() ? { days: Number(days) } : {}),
      };
      const o = await post<OutcomeAnswer>(
        kind === "self-signed" ? "/api/keys/self-signed" : "/api/keys/csr",
        body,
        s,
      );
      onDone(o);
      // A fresh form for the next key (the outcome stays shown below it).
      setName("");
      setCn("");
      setSan("");
      setDays("");
      return o;
    });
  };
  const o = job.result;
  const problem = nameProblem(name);
  return (
    <section class="card" aria-labelledby="create-h">
      <h2 id="create-h">Create a key</h2>
      <form onSubmit={submit}>
        <fieldset>
          <legend>Certificate</legend>
          <label class="check">
            <input
              type="radio"
              name="kind"
              checked={kind === "self-signed"}
              onChange={() => setKind("self-signed")}
            />
            Self-signed
          </label>
          <label class="check">
            <input type="radio" name="kind" checked={kind === "csr"} onChange={() => setKind("csr")} />
            Signed by a CA (make a request)
          </label>
        </fieldset>
        <div class="two">
          <div>
            <label for="k-name">Unique name</label>
            <input
              id="k-name"
              type="text"
              autocomplete="off"
              required
              value={name}
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? "k-name-problem k-name-hint" : "k-name-hint"}
              onInput={(e) => setName((e.target as HTMLInputElement).value)}
            />
            {problem && (
              <p class="bad-text" id="k-name-problem" role="alert">
                {problem}
              </p>
            )}
            <p class="hint" id="k-name-hint">
              Letters, digits and underscores, starting with a letter (as Salesforce's Unique Name).
            </p>
          </div>
          <div>
            <label for="k-cn">Common name (CN)</label>
            <input
              id="k-cn"
              type="text"
              autocomplete="off"
              required
              value={cn}
              onInput={(e) => setCn((e.target as HTMLInputElement).value)}
            />
          </div>
          <div>
            <label for="k-san">Subject alternative names (one per line or comma-separated)</label>
            <textarea
              id="k-san"
              rows={2}
              value={san}
              placeholder="api.example.com, IP:192.0.2.1"
              onInput={(e) => setSan((e.target as HTMLTextAreaElement).value)}
            />
          </div>
          <div>
            <label for="k-key">Key</label>
            <select id="k-key" value={key} onChange={(e) => setKey((e.target as HTMLSelectElement).value)}>
              <option value="rsa2048">RSA 2048 (Salesforce's default)</option>
              <option value="rsa3072">RSA 3072</option>
              <option value="rsa4096">RSA 4096</option>
              <option value="ec-p256">ECDSA P-256 (not importable into Salesforce)</option>
              <option value="ec-p384">ECDSA P-384 (not importable into Salesforce)</option>
            </select>
            {kind === "self-signed" && (
              <>
                <label for="k-days">Days valid (default: Salesforce's, 365; 730 for RSA 4096)</label>
                <input
                  id="k-days"
                  type="text"
                  inputMode="numeric"
                  value={days}
                  onInput={(e) => setDays((e.target as HTMLInputElement).value)}
                />
              </>
            )}
          </div>
        </div>
        <label class="check">
          <input type="checkbox" checked={exportable} onChange={() => setExportable(!exportable)} />
          The private key can be exported
        </label>
        <div class="actions">
          <button type="submit" disabled={job.running || !name.trim() || !cn.trim() || problem !== undefined}>
            {kind === "self-signed" ? "Create" : "Create the key and request"}
          </button>
        </div>
      </form>
      <Busy running={job.running} label="Generating the key…" onCancel={job.cancel} />
      <ErrorBox error={job.error} />
      {o && (
        <div class="notice-ok" role="status">
          <p>{`Created ${o.entry.name} (${o.entry.kind}).`}</p>
          {[...o.warnings, ...o.notes].map((n) => (
            <p class="muted" key={n}>
              {n}
            </p>
          ))}
          {o.csrPem && (
            <button
              type="button"
              onClick={() => saveText(o.csrPem!, `${o.entry.name}.csr`, "application/pkcs10")}
            >
              Download the request (CSR) for the CA
            </button>
          )}
        </div>
      )}
    </section>
  );
}

/** A labelled password input on one line of a form (the export's file password and passphrase). */
function InlinePassword(p: {
  id: string;
  label: string;
  autocomplete: "new-password" | "current-password";
  value: string;
  onInput: (v: string) => void;
}) {
  return (
    <>
      <label for={p.id}>{p.label}</label>
      <input
        id={p.id}
        class="short"
        type="password"
        autocomplete={p.autocomplete}
        value={p.value}
        onInput={(ev) => p.onInput((ev.target as HTMLInputElement).value)}
      />
    </>
  );
}

function ExportForm({ e }: { e: EntryView }) {
  const [format, setFormat] = useState("jks");
  const [withKey, setWithKey] = useState(e.exportable);
  const [password, setPassword] = useState("");
  const [passphrase, setPassphrase] = useState("");
  const job = useJob<string>();
  const needsPassword = format !== "pem" || withKey;
  return (
    <form
      class="export"
      onSubmit={(ev) => {
        ev.preventDefault();
        void job.run(async (s) => {
          const f = await postForFile(
            `/api/keys/${encodeURIComponent(e.name)}/export`,
            { format, withKey, ...(password ? { password } : {}), ...(withKey ? { passphrase } : {}) },
            s,
          );
          saveFile(f.blob, f.name);
          return f.name;
        });
      }}
    >
      <div class="row inline">
        <label for={`fmt-${e.name}`}>Format</label>
        <select
          id={`fmt-${e.name}`}
          value={format}
          onChange={(ev) => setFormat((ev.target as HTMLSelectElement).value)}
        >
          <option value="jks">JKS (Java keystore)</option>
          <option value="p12">PKCS#12</option>
          <option value="pem">PEM</option>
        </select>
        <label class="check">
          <input
            type="checkbox"
            checked={withKey}
            disabled={!e.exportable}
            onChange={() => setWithKey(!withKey)}
          />
          with the private key
        </label>
        {needsPassword && (
          <InlinePassword
            id={`pw-${e.name}`}
            label={`File password (${MIN_FILE_PASSWORD}+ characters)`}
            autocomplete="new-password"
            value={password}
            onInput={setPassword}
          />
        )}
        {withKey && (
          <InlinePassword
            id={`kp-${e.name}`}
            label="Keystore passphrase (again)"
            autocomplete="current-password"
            value={passphrase}
            onInput={setPassphrase}
          />
        )}
        <button
          type="submit"
          disabled={
            job.running || (needsPassword && password.length < MIN_FILE_PASSWORD) || (withKey && !passphrase)
          }
        >
          {`Download ${format.toUpperCase()}`}
        </button>
      </div>
      {needsPassword && password.length > 0 && password.length < MIN_FILE_PASSWORD && (
        <p class="hint">{`The file password needs at least ${MIN_FILE_PASSWORD} characters (keytool refuses shorter ones).`}</p>
      )}
      <ErrorBox error={job.error} />
      {job.result && <p class="muted" role="status">{`Saved ${job.result}.`}</p>}
    </form>
  );
}

function SignedForm({ e, onDone }: { e: EntryView; onDone: () => void }) {
  const [file, setFile] = useState(emptyFile());
  const [force, setForce] = useState(false);
  const job = useJob<OutcomeAnswer>();
  return (
    <form
      onSubmit={(ev) => {
        ev.preventDefault();
        const p = payloadOf(file);
        if (!p) return;
        void job.run(async (s) => {
          const o = await post<OutcomeAnswer>(
            `/api/keys/${encodeURIComponent(e.name)}/signed`,
            { file: p, force },
            s,
          );
          onDone();
          return o;
        });
      }}
    >
      <FileField
        label="The CA's answer: the certificate and its chain"
        value={file}
        onChange={setFile}
        rows={3}
      />
      <label class="check">
        <input type="checkbox" checked={force} onChange={() => setForce(!force)} />
        Store it even if the chain is incomplete
      </label>
      <div class="actions">
        <button type="submit" disabled={job.running || !payloadOf(file)}>
          Import the signed certificate
        </button>
      </div>
      <ErrorBox error={job.error} />
    </form>
  );
}

function EntryRow({ e, onChange }: { e: EntryView; onChange: () => void }) {
  const [open, setOpen] = useState(false);
  const job = useJob<unknown>();
  const csr = e.csrPem;
  return (
    <li class="entry">
      <div class="entry-head">
        <div>
          <strong>{e.label === e.name ? e.name : `${e.label} (${e.name})`}</strong>
          <div class="muted small">{e.subject}</div>
        </div>
        <div class="entry-tags">
          <Badge tone={STATUS[e.status]}>{expiryText(e)}</Badge>
          <Badge tone="muted">{e.kind}</Badge>
          <Badge tone="muted">{`${e.key.type} ${e.key.size}`}</Badge>
          {!e.exportable && <Badge tone="muted">key not exportable</Badge>}
        </div>
        <button type="button" class="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? "Close" : "Manage"}
        </button>
      </div>
      {open && (
        <div class="entry-body">
          {e.chain.length > 0 && (
            <ol class="plain">
              {e.chain.map((c) => (
                <li key={c.sha256}>{`${c.subject} · expires ${c.notAfter.slice(0, 10)}`}</li>
              ))}
            </ol>
          )}
          {csr && (
            <p>
              <button
                type="button"
                class="secondary"
                onClick={() => saveText(csr, `${e.name}.csr`, "application/pkcs10")}
              >
                Download the request (CSR)
              </button>
            </p>
          )}
          {e.chain.length > 0 && <ExportForm e={e} />}
          {e.pendingRequest && <SignedForm e={e} onDone={onChange} />}
          <div class="actions">
            <button
              type="button"
              class="secondary"
              disabled={job.running}
              onClick={() =>
                void job.run(async (s) => {
                  await post(`/api/keys/${encodeURIComponent(e.name)}/renew`, {}, s);
                  onChange();
                })
              }
            >
              Renew
            </button>
            <button
              type="button"
              class="secondary danger"
              disabled={job.running}
              onClick={() => {
                if (!confirm(`Delete ${e.name}? Its private key is gone for good.`)) return;
                void job.run(async (s) => {
                  await del(`/api/keys/${encodeURIComponent(e.name)}`, s);
                  onChange();
                });
              }}
            >
              Delete
            </button>
          </div>
          <ErrorBox error={job.error} />
        </div>
      )}
    </li>
  );
}

function ImportForm({ onDone }: { onDone: () => void }) {
  const [file, setFile] = useState(emptyFile());
  const job = useJob<{ imported: OutcomeAnswer[] }>();
  return (
    <section class="card" aria-labelledby="import-h">
      <h2 id="import-h">Import a keystore</h2>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          const p = payloadOf(file);
          if (!p) return;
          void job.run(async (s) => {
            const r = await post<{ imported: OutcomeAnswer[] }>("/api/keys/import", { file: p }, s);
            onDone();
            return r;
          });
        }}
      >
        <FileField
          label="JKS or PKCS#12 file"
          value={file}
          onChange={setFile}
          password="always"
          paste={false}
        />
        <div class="actions">
          <button type="submit" disabled={job.running || !payloadOf(file) || !file.password}>
            Import
          </button>
        </div>
      </form>
      <ErrorBox error={job.error} />
      {job.result && (
        <p role="status">{`Imported ${job.result.imported.map((o) => o.entry.name).join(", ")}.`}</p>
      )}
    </section>
  );
}

export function KeysPage() {
  const session = useSession();
  const list = useJob<KeysAnswer>();
  const reload = () => void list.run((s) => get<KeysAnswer>("/api/keys", s));
  useEffect(() => {
    if (session?.features.keys) reload();
  }, [session]);
  if (!session) return null;
  if (!session.features.keys) return <Unavailable what="The keystore" />;
  const st = list.result;
  const locked = st && !st.unlocked && !st.passphraseFromEnvironment;
  return (
    <>
      <h1>Keystore</h1>
      <p class="lead">
        The certificates and keys your side presents (mutual TLS client certificates, SAML and JWT signing),
        with Salesforce's Certificate and Key Management rules. The same keystore as{" "}
        <code>chainproof keys</code>.
      </p>
      <ErrorBox error={list.error instanceof ApiError ? list.error : undefined} />
      {st && (
        <section class="card" aria-labelledby="entries-h">
          <h2 id="entries-h">Entries</h2>
          <p class="muted small">{`${st.path} · ${st.unlocked || st.passphraseFromEnvironment ? "unlocked" : "locked"}`}</p>
          {locked && <Unlock status={st} onDone={reload} />}
          {st.entries.length === 0 ? (
            <Empty>No keys yet. Create one below.</Empty>
          ) : (
            <ul class="entries">
              {st.entries.map((e) => (
                <EntryRow key={e.name} e={e} onChange={reload} />
              ))}
            </ul>
          )}
        </section>
      )}
      {st && !locked && (
        <>
          <Create onDone={reload} />
          <ImportForm onDone={reload} />
        </>
      )}
    </>
  );
}
