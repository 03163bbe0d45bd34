import { useState } from "preact/hooks";
import { get, post, saveText } from "../api";
import { ClientPaths, Headline, Matrix, MatrixReport, type MatrixView, PemBlock } from "../chain";
import { type SentLints, SentLintsCard } from "../lints";
import { CtCard, type CtView, RevocationCard, type RevocationView } from "../revocation";
import { TlsCard, TlsOptions, type TlsView, useTlsOptions } from "../tls";
import {
  Badge,
  Busy,
  ClientPicker,
  defaultStore,
  ErrorBox,
  StorePicker,
  storeFields,
  Unavailable,
  useJob,
  useSession,
} from "../ui";

interface Handshake {
  completed: boolean;
  protocol: string | null;
  cipher: string | null;
  alpn: string | null;
  ocspStapled: boolean;
  failure: { kind: string; message: string; detail?: string } | null;
  certificateCount: number;
  clientCertificateRequested: boolean;
  ms: number;
}

interface FixView {
  complete: boolean;
  changed: boolean;
  problem: string | null;
  bundle: { label: string; subject: string; from: string; url?: string }[];
  dropped: { position: number; subject: string; why: string }[];
  pem: string;
  matrix: MatrixView;
}

export interface CheckView extends MatrixView {
  target: { host: string; port: number; servername: string | null; address?: string };
  handshake: Handshake;
  /** The check's verdict line (src/app/check.ts checkHeadline): says when the server wants a client certificate. */
  headline: { text: string; tone: "good" | "warn" | "bad"; clientCertificateRequired: boolean };
  aia: { url: string; ok: boolean; error: string | null }[];
  fix: FixView | null;
  revocation?: RevocationView | null;
  ct?: CtView | null;
  /** Each certificate as sent with the lints that fired on it. */
  lints?: SentLints[];
  tls?: TlsView | null;
  starttls?: string | null;
}

function Connection({ r }: { r: CheckView }) {
  const h = r.handshake;
  return (
    <dl class="facts">
      <div>
        <dt>Endpoint</dt>
        <dd>{`${r.target.host}:${r.target.port}${r.target.address && r.target.address !== r.target.host ? ` (${r.target.address})` : ""}`}</dd>
      </div>
      <div>
        <dt>SNI</dt>
        <dd>{r.target.servername ?? "none"}</dd>
      </div>
      <div>
        <dt>Handshake</dt>
        <dd>
          {h.completed ? <Badge tone="good">completed</Badge> : <Badge tone="bad">failed</Badge>}
          {` ${[h.protocol, h.cipher].filter(Boolean).join(", ")} · ${h.ms} ms`}
        </dd>
      </div>
      {h.failure && (
        <div>
          <dt>Failure</dt>
          <dd>{`${h.failure.message}${h.failure.detail ? ` (${h.failure.detail})` : ""}`}</dd>
        </div>
      )}
      <div>
        <dt>Certificates sent</dt>
        <dd>{String(h.certificateCount)}</dd>
      </div>
      {h.clientCertificateRequested && (
        <div>
          <dt>Mutual TLS</dt>
          <dd>the server asks for a client certificate</dd>
        </div>
      )}
    </dl>
  );
}

function Fix({ fix, host }: { fix: FixView; host: string }) {
  const ok = fix.matrix.clients.filter((c) => c.trusted).map((c) => c.name);
  return (
    <section class="card" aria-labelledby="fix-h">
      <h2 id="fix-h">Repaired chain</h2>
      {!fix.changed && fix.complete && fix.matrix.trusted ? (
        <p>The server already sends the chain it should.</p>
      ) : !fix.changed && fix.complete ? (
        <p>
          The server sends a complete chain: what fails is not the chain it sends (see the findings and fixes
          above).
        </p>
      ) : fix.complete ? (
        <>
          <p>
            {`Install this bundle on the server (its certificate first, then each intermediate). With it, ${ok.length ? ok.join(", ") : "no client"} ${ok.length === 1 ? "trusts" : "trust"} the chain.`}
          </p>
          <ol class="bundle">
            {fix.bundle.map((b) => (
              <li key={b.subject}>
                {b.label}{" "}
                <Badge tone={b.from === "sent" ? "muted" : "info"}>
                  {b.from === "aia" ? "fetched via AIA" : b.from}
                </Badge>
              </li>
            ))}
          </ol>
          <button
            type="button"
            onClick={() => saveText(fix.pem, `${host.replace(/[^a-zA-Z0-9.-]/g, "_")}-fullchain.pem`)}
          >
            Download the repaired bundle (PEM)
          </button>
          <details>
            <summary>Show the PEM</summary>
            <PemBlock pem={fix.pem} name="bundle" />
          </details>
          <details>
            <summary>How each client judges the repaired chain</summary>
            <ClientPaths view={fix.matrix} />
            <Matrix view={fix.matrix} />
          </details>
        </>
      ) : (
        <p class="bad-text">{`A complete chain could not be built: ${fix.problem ?? "the missing certificates were not found"}.`}</p>
      )}
      {fix.dropped.length > 0 && (
        <ul>
          {fix.dropped.map((d) => (
            <li key={d.position}>{`Left out #${d.position} ${d.subject}: ${d.why}`}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

export interface LabView {
  available: boolean;
  running: boolean;
  endpoints?: { name: string; title: string; target: string; note: string | null }[];
}

export function useLab() {
  const job = useJob<LabView>();
  return {
    lab: job.result,
    busy: job.running,
    error: job.error,
    load: () => job.run((s) => get<LabView>("/api/lab", s)),
    start: () => job.run((s) => post<LabView>("/api/lab", {}, s)),
  };
}

function LabPanel({ onPick }: { onPick: (target: string) => void }) {
  const lab = useLab();
  const [open, setOpen] = useState(false);
  return (
    <details
      class="card lab"
      open={open}
      onToggle={(e) => {
        const now = (e.target as HTMLDetailsElement).open;
        setOpen(now);
        if (now && !lab.lab) void lab.load();
      }}
    >
      <summary>Try it on the lab: endpoints with known faults, on this machine</summary>
      <p class="muted">
        The lab starts small TLS servers on 127.0.0.1, each broken one way (an incomplete chain, a root sent,
        an expired intermediate, …), checked against the lab's own roots.
      </p>
      <ErrorBox error={lab.error} />
      {lab.lab && !lab.lab.available && <p>The lab runs only when chainproof serve is bound to loopback.</p>}
      {lab.lab?.available && !lab.lab.running && (
        <button type="button" onClick={lab.start} disabled={lab.busy}>
          Start the lab
        </button>
      )}
      <Busy running={lab.busy} label="Starting the lab…" />
      {lab.lab?.running && (
        <ul class="lab-list">
          {lab.lab.endpoints?.map((e) => (
            <li key={e.name}>
              <button
                type="button"
                class="link"
                onClick={() => {
                  setOpen(false);
                  onPick(e.target);
                }}
              >
                {e.name}
              </button>
              <span class="muted">{` — ${e.title}`}</span>
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}

const clientNames = (r: CheckView) => Object.fromEntries(r.clients.map((c) => [c.client, c.name]));
const CLIENTS_KEY = "chainproof.check.clients";

/** The clients ticked last time on this browser (localStorage); undefined the first time. */
function rememberedClients(): string[] | undefined {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(CLIENTS_KEY) ?? "null");
    return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string") ? v : undefined;
  } catch {
    return undefined;
  }
}

export function CheckPage() {
  const session = useSession();
  const [target, setTarget] = useState("");
  const [servername, setServername] = useState("");
  // Every client by default (a check is for all of them), then whatever was ticked last, remembered.
  const [chosen, setChosen] = useState<string[] | undefined>(rememberedClients);
  const clients = chosen ?? session?.clients.map((c) => c.id) ?? [];
  const setClients = (v: string[]) => {
    setChosen(v);
    try {
      localStorage.setItem(CLIENTS_KEY, JSON.stringify(v));
    } catch {
      // storage refused (private mode): the choice lasts for this page
    }
  };
  const [store, setStore] = useState(defaultStore());
  const [fix, setFix] = useState(true);
  const [revocation, setRevocation] = useState(false);
  const tls = useTlsOptions();
  const job = useJob<CheckView>();
  if (session && !session.features.check) return <Unavailable what="The live checker" />;
  const check = (t: string) => {
    if (!t.trim()) return;
    void job.run((signal) =>
      post<CheckView>(
        "/api/check",
        {
          target: t.trim(),
          ...(servername.trim() ? { servername: servername.trim() } : {}),
          clients,
          ...storeFields(store),
          fix: fix && Boolean(session?.features.repair),
          revocation,
          ...tls.body,
        },
        signal,
      ),
    );
  };
  const submit = (e: Event) => {
    e.preventDefault();
    check(target);
  };
  const r = job.result;
  return (
    <>
      <h1>Check an endpoint</h1>
      <p class="lead">
        Connect to a TLS server and see the chain exactly as it sends it, how each client builds it, who
        trusts it, what each prints when it does not, and how to fix it.
      </p>
      <form class="card" onSubmit={submit} aria-describedby="check-note">
        <div class="row wide">
          <label for="target">Host and port</label>
          <input
            id="target"
            name="target"
            type="text"
            inputMode="url"
            autocomplete="off"
            spellcheck={false}
            required
            placeholder="api.example.com:443"
            value={target}
            onInput={(e) => setTarget((e.target as HTMLInputElement).value)}
          />
        </div>
        <details>
          <summary>Options</summary>
          <div class="row">
            <label for="sni">Server name (SNI), when it differs from the host</label>
            <input
              id="sni"
              type="text"
              autocomplete="off"
              value={servername}
              onInput={(e) => setServername((e.target as HTMLInputElement).value)}
            />
          </div>
          <StorePicker session={session} value={store} onChange={setStore} />
          <label class="check">
            <input type="checkbox" checked={fix} onChange={() => setFix(!fix)} />
            Build the repaired chain when it is incomplete
          </label>
          <label class="check">
            <input type="checkbox" checked={revocation} onChange={() => setRevocation(!revocation)} />
            Check revocation (stapled OCSP, live OCSP, CRLs)
          </label>
          <TlsOptions o={tls} />
        </details>
        <ClientPicker session={session} value={clients} onChange={setClients} />
        <div class="actions">
          <button type="submit" disabled={job.running || !target.trim()}>
            Check
          </button>
        </div>
        <p id="check-note" class="hint">
          {session?.allowPrivate
            ? "This server may connect to private addresses (--allow-private)."
            : session?.loopback
              ? "Private, link-local and metadata addresses are refused; loopback is allowed (the server is bound to loopback)."
              : "Private, link-local, loopback and metadata addresses are refused."}
        </p>
      </form>
      <Busy running={job.running} label={`Connecting to ${target}…`} onCancel={job.cancel} />
      <ErrorBox error={job.error} />
      {r && (
        <>
          {/* The verdict first; then how the connection went, and the details. */}
          <Headline
            view={r}
            subject="this endpoint"
            given={r.headline.clientCertificateRequired ? r.headline : undefined}
          />
          <section class="card" aria-labelledby="conn-h">
            <h2 id="conn-h">Connection</h2>
            <Connection r={r} />
            <div class="actions">
              <button
                type="button"
                class="secondary"
                onClick={() =>
                  saveText(
                    r.sent.map((c) => r.certificates[c.sha256]?.pem ?? "").join(""),
                    `${(r.target.servername ?? r.target.host).replace(/[^a-zA-Z0-9.-]/g, "_")}-as-sent.pem`,
                  )
                }
              >
                Download the chain as sent (PEM)
              </button>
            </div>
          </section>
          <MatrixReport view={r} subject="this endpoint" headline={false} revocation={r.revocation} />
          {r.lints && r.lints.length > 0 && <SentLintsCard sent={r.lints} />}
          {r.fix && <Fix fix={r.fix} host={r.target.servername ?? r.target.host} />}
          {r.revocation && <RevocationCard view={r.revocation} names={clientNames(r)} />}
          {r.ct && <CtCard view={r.ct} names={clientNames(r)} />}
          {r.tls && <TlsCard view={r.tls} starttls={r.starttls} />}
        </>
      )}
      {session?.features.lab && (
        <LabPanel
          onPick={(t) => {
            setTarget(t);
            check(t);
          }}
        />
      )}
    </>
  );
}
