import { useState } from "preact/hooks";
import { post } from "../api";
import { MatrixReport, type MatrixView } from "../chain";
import { type SentLints, SentLintsCard } from "../lints";
import {
  Busy,
  ClientPicker,
  defaultStore,
  ErrorBox,
  emptyFile,
  FileField,
  payloadOf,
  StorePicker,
  storeFields,
  useJob,
  useSession,
} from "../ui";

/** An example date a month ahead (a past one reads as if the check were about the past). */
const PLACEHOLDER_DATE = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);

export function VerifyPage() {
  const session = useSession();
  const [chain, setChain] = useState(emptyFile());
  const [clients, setClients] = useState<string[]>(["salesforce"]);
  const [store, setStore] = useState(defaultStore());
  const [host, setHost] = useState("");
  const [at, setAt] = useState("");
  const [purpose, setPurpose] = useState("server");
  const job = useJob<MatrixView & { lints?: SentLints[] }>();
  const submit = (e: Event) => {
    e.preventDefault();
    const p = payloadOf(chain);
    if (!p) return;
    const h = host.trim();
    const isIp = /^[0-9.]+$/.test(h) || h.includes(":");
    void job.run((signal) =>
      post<MatrixView>(
        "/api/verify",
        {
          chain: p,
          clients,
          ...storeFields(store),
          ...(h ? (isIp ? { ip: h } : { host: h }) : {}),
          ...(at ? { at } : {}),
          purpose,
        },
        signal,
      ),
    );
  };
  return (
    <>
      <h1>Check a chain offline</h1>
      <p class="lead">
        Upload the chain a server sends (its certificate first) or a client certificate, pick the clients, and
        see who trusts it, how each builds the path, and why not.
      </p>
      <form class="card" onSubmit={submit}>
        <FileField
          label="Chain"
          value={chain}
          onChange={setChain}
          password="auto"
          hint="The certificates in the order the server sends them; any format the decoder reads."
          placeholder="-----BEGIN CERTIFICATE-----"
        />
        <ClientPicker session={session} value={clients} onChange={setClients} />
        <details>
          <summary>Options</summary>
          <StorePicker session={session} value={store} onChange={setStore} />
          <div class="row">
            <label for="v-host">Host name or IP address the client connects to</label>
            <input
              id="v-host"
              type="text"
              autocomplete="off"
              value={host}
              onInput={(e) => setHost((e.target as HTMLInputElement).value)}
            />
          </div>
          <div class="row">
            <label for="v-at">Check at (ISO 8601; default now)</label>
            <input
              id="v-at"
              type="text"
              placeholder={PLACEHOLDER_DATE}
              value={at}
              onInput={(e) => setAt((e.target as HTMLInputElement).value)}
            />
          </div>
          <div class="row">
            <label for="v-purpose">Certificate purpose</label>
            <select
              id="v-purpose"
              value={purpose}
              onChange={(e) => setPurpose((e.target as HTMLSelectElement).value)}
            >
              <option value="server">TLS server</option>
              <option value="client">TLS client (mutual TLS)</option>
            </select>
          </div>
        </details>
        <div class="actions">
          <button type="submit" disabled={job.running || !payloadOf(chain)}>
            Check chain
          </button>
        </div>
      </form>
      <Busy running={job.running} label="Checking…" onCancel={job.cancel} />
      <ErrorBox error={job.error} />
      {job.result && <MatrixReport view={job.result} subject="this chain" />}
      {job.result?.lints && job.result.lints.length > 0 && <SentLintsCard sent={job.result.lints} />}
    </>
  );
}
