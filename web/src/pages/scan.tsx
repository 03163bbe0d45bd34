import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, del, events, getFile, post, saveFile } from "../api";
import { LintBadge, type LintCounts, LintItems } from "../lints";
import {
  Badge,
  Busy,
  ClientPicker,
  defaultStore,
  ErrorBox,
  StorePicker,
  storeFields,
  type Tone,
  Unavailable,
  useSession,
} from "../ui";
import { useLab } from "./check";

interface ScanSummary {
  index: number;
  line: number;
  target: string;
  host: string;
  port: number;
  servername: string | null;
  address?: string;
  status: "trusted" | "untrusted" | "failed" | "invalid";
  protocol?: string | null;
  clients: { client: string; status: string; code?: string; error?: string }[];
  findings: { code: string; severity: string; message: string }[];
  leaf?: { subject: string; notAfter: string };
  /** The lints of the certificates sent (docs/lints.md). */
  lints?: {
    counts: LintCounts;
    findings: { position: number; id: string; severity: string; message: string }[];
  };
  failure?: string;
  ms: number;
}

interface ScanEnd {
  status: "done" | "cancelled";
  total: number;
  done: number;
}

const STATUS: Record<ScanSummary["status"], { text: string; tone: Tone }> = {
  trusted: { text: "trusted", tone: "good" },
  untrusted: { text: "not trusted", tone: "bad" },
  failed: { text: "failed", tone: "bad" },
  invalid: { text: "invalid line", tone: "warn" },
};

/**
 * What kind of failure a failed row is, for its status: a DNS failure is not a refused port, nor a target
 * the address guard refused, nor a handshake that failed. From the finding code, and for connection
 * failures the failure text the probe wrote (src/net/connect.ts, src/net/failures.ts).
 */
function failureStatus(r: ScanSummary): string {
  const codes = new Set(r.findings.map((f) => f.code));
  if (codes.has("blocked-target")) return "blocked";
  if (codes.has("handshake-failed")) return "handshake failed";
  const failure = r.failure ?? "";
  if (failure.startsWith("DNS lookup failed")) return "DNS failure";
  if (/timeout|timed out/.test(failure)) return "timed out";
  if (/refused/.test(failure)) return "connection refused";
  if (/unreachable/.test(failure)) return "unreachable";
  return codes.has("connection-failed") ? "no connection" : "failed";
}

/** Each finding code once, with how many times it came (the same code for two certificates is one problem). */
function distinctFindings(r: ScanSummary): { code: string; message: string; count: number }[] {
  const byCode = new Map<string, { code: string; message: string; count: number }>();
  for (const f of r.findings) {
    const seen = byCode.get(f.code);
    if (seen) seen.count++;
    else byCode.set(f.code, { code: f.code, message: f.message, count: 1 });
  }
  return [...byCode.values()];
}

type SortKey = "index" | "target" | "status" | "expires" | "ms";

function sortValue(r: ScanSummary, k: SortKey): string | number {
  switch (k) {
    case "index":
      return r.index;
    case "target":
      return r.target;
    case "status":
      return r.status;
    case "expires":
      return r.leaf?.notAfter ?? "~";
    case "ms":
      return r.ms;
  }
}

export function ScanPage() {
  const session = useSession();
  const [text, setText] = useState("");
  const [clients, setClients] = useState<string[]>(["salesforce"]);
  const [store, setStore] = useState(defaultStore());
  const [scanId, setScanId] = useState<string | undefined>(undefined);
  const [total, setTotal] = useState(0);
  const [results, setResults] = useState<ScanSummary[]>([]);
  const [state, setState] = useState<"idle" | "running" | "done" | "cancelled">("idle");
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: "index", dir: 1 });
  const [filter, setFilter] = useState("all");
  const ctl = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => ctl.current?.abort(), []);
  const lab = useLab();
  useEffect(() => {
    if (lab.lab?.running && lab.lab.endpoints) setText(lab.lab.endpoints.map((e) => e.target).join("\n"));
  }, [lab.lab]);

  const sorted = useMemo(() => {
    const rows = filter === "all" ? results : results.filter((r) => r.status === filter);
    return [...rows].sort((a, b) => {
      const x = sortValue(a, sort.key);
      const y = sortValue(b, sort.key);
      return (x < y ? -1 : x > y ? 1 : 0) * sort.dir;
    });
  }, [results, sort, filter]);

  if (session && !session.features.scan) return <Unavailable what="Scanning" />;

  const start = async (e: Event) => {
    e.preventDefault();
    ctl.current?.abort();
    const c = new AbortController();
    ctl.current = c;
    setError(undefined);
    setResults([]);
    setState("running");
    try {
      const r = await post<{ id: string; total: number }>(
        "/api/scans",
        { targets: text, clients, ...storeFields(store) },
        c.signal,
      );
      setScanId(r.id);
      setTotal(r.total);
      const got: ScanSummary[] = [];
      let flush: number | undefined;
      await events(
        `/api/scans/${r.id}/events`,
        (type, data) => {
          if (type === "result") {
            got.push(data as ScanSummary);
            // Batch renders: many results can arrive at once.
            if (flush === undefined) {
              flush = window.setTimeout(() => {
                flush = undefined;
                setResults([...got]);
              }, 100);
            }
          } else if (type === "end") {
            setResults([...got]);
            setState((data as ScanEnd).status === "cancelled" ? "cancelled" : "done");
          }
        },
        c.signal,
      );
    } catch (err) {
      if (c.signal.aborted) return;
      setError(err instanceof ApiError ? err : new ApiError(0, "internal", String(err)));
      setState("idle");
    }
  };

  const cancel = async () => {
    if (!scanId) return;
    try {
      await del(`/api/scans/${scanId}`);
    } catch (err) {
      setError(err as ApiError);
    }
  };

  const exportAs = async (format: "json" | "csv") => {
    if (!scanId) return;
    try {
      const f = await getFile(`/api/scans/${scanId}/export?format=${format}`);
      saveFile(f.blob, f.name);
    } catch (err) {
      setError(err as ApiError);
    }
  };

  const header = (key: SortKey, label: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.dir === 1 ? "ascending" : "descending") : "none"}>
      <button
        type="button"
        class="sort"
        onClick={() => setSort({ key, dir: sort.key === key ? (sort.dir === 1 ? -1 : 1) : 1 })}
      >
        {label}
        {sort.key === key ? (sort.dir === 1 ? " ▲" : " ▼") : ""}
      </button>
    </th>
  );

  const counts = results.reduce<Record<string, number>>((acc, r) => {
    acc[r.status] = (acc[r.status] ?? 0) + 1;
    return acc;
  }, {});
  const pct = total ? Math.round((results.length / total) * 100) : 0;

  return (
    <>
      <h1>Scan endpoints</h1>
      <p class="lead">
        Check many endpoints at once: one per line, <code>host[:port] [sni]</code> or CSV{" "}
        <code>host,port,sni</code>.
      </p>
      <form class="card" onSubmit={start}>
        <label for="targets">Targets</label>
        <textarea
          id="targets"
          rows={8}
          spellcheck={false}
          placeholder={"api.example.com\nlogin.example.com:8443\n# comments and blank lines are skipped"}
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
        <div class="row">
          <label for="targets-file">or upload a list</label>
          <input
            id="targets-file"
            type="file"
            accept=".txt,.csv,text/plain,text/csv"
            onChange={async (e) => {
              const f = (e.target as HTMLInputElement).files?.[0];
              if (f) setText(await f.text());
            }}
          />
        </div>
        {session?.features.lab && (
          <p>
            <button type="button" class="link" onClick={lab.start} disabled={lab.busy}>
              Fill in the lab's endpoints
            </button>{" "}
            <span class="muted">(starts the lab: endpoints with known faults on 127.0.0.1)</span>
          </p>
        )}
        <ErrorBox error={lab.error} />
        <ClientPicker session={session} value={clients} onChange={setClients} />
        <details>
          <summary>Options</summary>
          <StorePicker session={session} value={store} onChange={setStore} />
        </details>
        <div class="actions">
          <button type="submit" disabled={state === "running" || !text.trim()}>
            Start scan
          </button>
          {state === "running" && (
            <button type="button" class="secondary" onClick={cancel}>
              Cancel scan
            </button>
          )}
        </div>
      </form>
      <ErrorBox error={error} />
      <Busy running={state === "running" && results.length === 0} label="Starting…" />
      {state !== "idle" && (
        <section class="card" aria-labelledby="scan-h">
          <h2 id="scan-h">Results</h2>
          <div class="progress-line">
            <progress max={total || 1} value={results.length} aria-label="scan progress" />
            <span role="status" aria-live="polite">
              {`${results.length} of ${total} done (${pct}%)${state === "done" ? " — finished" : state === "cancelled" ? " — cancelled" : ""}`}
            </span>
          </div>
          <p class="counts">
            {(["trusted", "untrusted", "failed", "invalid"] as const).map((s) => (
              <Badge key={s} tone={STATUS[s].tone}>{`${STATUS[s].text}: ${counts[s] ?? 0}`}</Badge>
            ))}
          </p>
          <div class="row inline">
            <label for="scan-filter">Show</label>
            <select
              id="scan-filter"
              value={filter}
              onChange={(e) => setFilter((e.target as HTMLSelectElement).value)}
            >
              <option value="all">all</option>
              <option value="trusted">trusted</option>
              <option value="untrusted">not trusted</option>
              <option value="failed">failed</option>
              <option value="invalid">invalid lines</option>
            </select>
            <button type="button" class="secondary" onClick={() => exportAs("json")} disabled={!scanId}>
              Export JSON
            </button>
            <button type="button" class="secondary" onClick={() => exportAs("csv")} disabled={!scanId}>
              Export CSV
            </button>
          </div>
          <div class="table-wrap">
            <table class="scan">
              <thead>
                <tr>
                  {header("index", "#")}
                  {header("target", "Target")}
                  {header("status", "Status")}
                  <th scope="col">Clients</th>
                  <th scope="col">Problems</th>
                  <th scope="col">Lints</th>
                  {header("expires", "Leaf expires")}
                  {header("ms", "ms")}
                </tr>
              </thead>
              <tbody>
                {sorted.map((r) => (
                  <tr key={r.index}>
                    <td data-label="#">{String(r.line)}</td>
                    <th scope="row">
                      {r.target}
                      {r.address && <div class="muted small">{r.address}</div>}
                    </th>
                    <td data-label="Status">
                      <Badge tone={STATUS[r.status].tone}>
                        {r.status === "failed" ? failureStatus(r) : STATUS[r.status].text}
                      </Badge>
                    </td>
                    <td data-label="Clients">
                      {r.clients.map((c) => (
                        <Badge
                          key={c.client}
                          tone={c.status === "trusted" ? "good" : c.status === "depends" ? "warn" : "bad"}
                          title={c.error ?? c.code}
                        >
                          {c.client}
                        </Badge>
                      ))}
                    </td>
                    <td data-label="Problems">
                      {r.failure && !r.findings.length && <span>{r.failure}</span>}
                      {distinctFindings(r).map((f) => (
                        <div key={f.code} title={f.message}>
                          <code class="reason">{f.code}</code>
                          {f.count > 1 ? ` ×${f.count}` : ""}
                        </div>
                      ))}
                    </td>
                    <td data-label="Lints">
                      {r.lints ? <ScanLints lints={r.lints} /> : <span class="muted">—</span>}
                    </td>
                    <td class="date" data-label="Expires">
                      {r.leaf ? r.leaf.notAfter.slice(0, 10) : "—"}
                    </td>
                    <td data-label="ms">{String(r.ms)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  );
}

/** A target's lint counts; opened, the lints of each certificate sent. */
function ScanLints({ lints }: { lints: NonNullable<ScanSummary["lints"]> }) {
  const c = lints.counts;
  if (!lints.findings.length) return <LintBadge counts={c} />;
  return (
    <details class="lints">
      <summary>
        <LintBadge counts={c} />
      </summary>
      <LintItems items={lints.findings.map((f) => ({ ...f, where: `certificate ${f.position}` }))} />
    </details>
  );
}
