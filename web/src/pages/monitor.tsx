/**
 * The Monitor page (`chainproof serve --db PATH`): every target the monitor watches with each client's
 * verdict and the days to its first expiry, filters, a timeline of changes per target (the chain before and
 * after each change, drawn as the check page draws it), a chart of how many certificates expire in each of
 * the next 26 weeks, and the latest alerts. Live: it polls every few seconds with If-None-Match, and the
 * server answers 304 while nothing changed. Every certificate field is shown as text.
 */

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { type ApiError, get, getFile, getIfChanged, saveFile } from "../api";
import { type MatrixView, SentChain, type SentEntry } from "../chain";
import { Badge, ErrorBox, type Tone, useSession } from "../ui";

type Status = "trusted" | "untrusted" | "failed" | "invalid";

interface ClientState {
  client: string;
  status: "trusted" | "untrusted" | "depends";
  code: string | null;
}

interface Change {
  kind: string;
  message: string;
}

interface TargetRow {
  target: string;
  labels: Record<string, string>;
  status: Status;
  checkedAt: string;
  resultId: number;
  results: number;
  clients: ClientState[];
  firstExpiry: { position: number; subject: string; notAfter: string; days: number } | null;
  error: string | null;
  changes: Change[];
}

interface Overview {
  db: string;
  targets: TargetRow[];
}

interface TimelineEntry {
  resultId: number;
  checkedAt: string;
  status: Status;
  changes: Change[];
  clients: ClientState[];
  error: string | null;
  chain: SentEntry[];
  before: SentEntry[] | null;
}

interface Timeline {
  target: string;
  results: number;
  unchanged: number;
  entries: TimelineEntry[];
}

interface Expiry {
  certificates: number;
  expired: number;
  later: number;
  weeks: { week: number; from: string; to: string; count: number }[];
}

interface Alert {
  id: number;
  target: string;
  kind: string;
  severity: string;
  title: string;
  createdAt: string;
}

/** How often the page asks the server whether anything changed (a 304 while nothing did). */
const POLL_MS = 5000;

const STATUS: Record<Status, { text: string; tone: Tone }> = {
  trusted: { text: "trusted", tone: "good" },
  untrusted: { text: "not trusted", tone: "bad" },
  failed: { text: "check failed", tone: "bad" },
  invalid: { text: "bad line", tone: "warn" },
};

const CLIENT_TONE: Record<ClientState["status"], Tone> = {
  trusted: "good",
  untrusted: "bad",
  depends: "warn",
};

function when(iso: string): string {
  return iso.replace("T", " ").slice(0, 16);
}

/** The chain drawing of the check page, from a stored chain (no per-certificate details kept). */
function chainView(sent: SentEntry[]): MatrixView {
  return {
    trusted: false,
    time: "",
    peer: null,
    clients: [],
    sent,
    findings: [],
    certificates: {},
    store: null,
  };
}

function sameChain(a: SentEntry[] | null, b: SentEntry[]): boolean {
  return !!a && a.length === b.length && a.every((c, i) => c.sha256 === b[i].sha256);
}

/** Polls `url` with its ETag while mounted; `body` changes only when the server's answer does. */
function usePolled<T>(url: string | null): { body?: T; error?: ApiError; updated?: Date } {
  const [state, setState] = useState<{ body?: T; error?: ApiError; updated?: Date }>({});
  const etag = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (!url) return;
    etag.current = undefined;
    const ctl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const r = await getIfChanged<T>(url, etag.current, ctl.signal);
        if (r === "unchanged") setState((s) => ({ ...s, error: undefined, updated: new Date() }));
        else {
          etag.current = r.etag;
          setState({ body: r.body, updated: new Date() });
        }
      } catch (e) {
        if (ctl.signal.aborted) return;
        setState((s) => ({ ...s, error: e as ApiError }));
      }
      if (!ctl.signal.aborted) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      ctl.abort();
      clearTimeout(timer);
    };
  }, [url]);
  return state;
}

function ExpiryChart({ data }: { data: Expiry }) {
  const barW = 22;
  const gap = 4;
  const left = 34;
  const top = 16;
  const h = 120;
  const max = Math.max(1, ...data.weeks.map((w) => w.count));
  const width = left + data.weeks.length * (barW + gap) + 8;
  const soon = data.weeks.reduce((n, w) => n + w.count, 0);
  return (
    <figure class="expiry-chart">
      <svg
        role="img"
        aria-labelledby="expiry-caption"
        viewBox={`0 0 ${width} ${top + h + 30}`}
        width={width}
        height={top + h + 30}
      >
        <title>Certificates expiring per week</title>
        <line x1={left} y1={top + h} x2={width - 4} y2={top + h} class="axis" />
        <text x={left - 6} y={top + 4} class="tick" text-anchor="end">
          {String(max)}
        </text>
        <text x={left - 6} y={top + h} class="tick" text-anchor="end">
          0
        </text>
        {data.weeks.map((w, i) => {
          const bh = Math.round((w.count / max) * h);
          const x = left + i * (barW + gap);
          return (
            <g key={w.week} class="week">
              <rect x={x} y={top + h - bh} width={barW} height={Math.max(bh, 0)} class={w.count ? "bar" : ""}>
                <title>{`week ${w.week} (${w.from.slice(0, 10)} to ${w.to.slice(0, 10)}): ${w.count} certificate${w.count === 1 ? "" : "s"}`}</title>
              </rect>
              {w.count > 0 && (
                <text x={x + barW / 2} y={top + h - bh - 3} class="count" text-anchor="middle">
                  {String(w.count)}
                </text>
              )}
              {(i === 0 || (i + 1) % 4 === 0) && (
                <text x={x + barW / 2} y={top + h + 14} class="tick" text-anchor="middle">
                  {String(w.week)}
                </text>
              )}
            </g>
          );
        })}
        <text x={left} y={top + h + 28} class="tick">
          weeks from now
        </text>
      </svg>
      <figcaption id="expiry-caption">
        {`${soon} of ${data.certificates} certificate${data.certificates === 1 ? "" : "s"} (leaf and intermediates of each target's latest check) expire in the next ${data.weeks.length} weeks; ${data.expired} already expired, ${data.later} later.`}
      </figcaption>
    </figure>
  );
}

function ChainChange({ entry }: { entry: TimelineEntry }) {
  if (!entry.chain.length && !entry.before?.length) return null;
  if (entry.before && sameChain(entry.before, entry.chain)) return null;
  return (
    <div class="chains">
      {entry.before && (
        <figure class="path">
          <figcaption>Before</figcaption>
          <SentChain view={chainView(entry.before)} />
        </figure>
      )}
      <figure class="path">
        <figcaption>{entry.before ? "After" : "Chain sent"}</figcaption>
        <SentChain view={chainView(entry.chain)} />
      </figure>
    </div>
  );
}

/** `stamp`: the target's latest result id; the timeline is read again when it moves. */
function TimelineView({ target, stamp, onClose }: { target: string; stamp?: number; onClose: () => void }) {
  const [data, setData] = useState<Timeline>();
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    const ctl = new AbortController();
    get<Timeline>(`/api/monitor/timeline?target=${encodeURIComponent(target)}`, ctl.signal).then(
      (t) => {
        setData(t);
        setError(undefined);
      },
      (e) => !ctl.signal.aborted && setError(e as ApiError),
    );
    return () => ctl.abort();
  }, [target, stamp]);
  const download = async (id: number) => {
    try {
      const f = await getFile(`/api/monitor/results/${id}`);
      saveFile(f.blob, `chainproof-result-${id}.json`);
    } catch (e) {
      setError(e as ApiError);
    }
  };
  return (
    <section class="card" aria-labelledby="timeline-h">
      <h2 id="timeline-h">{`Timeline of ${target}`}</h2>
      <p>
        <button type="button" class="secondary" onClick={onClose}>
          Close the timeline
        </button>
      </p>
      <ErrorBox error={error} />
      {data && (
        <>
          <p class="muted">
            {`${data.entries.length} result${data.entries.length === 1 ? "" : "s"} with changes, ${data.unchanged} without, of the newest ${data.results}. Newest first.`}
          </p>
          <ol class="timeline">
            {data.entries.map((e) => (
              <li key={e.resultId} class="timeline-entry">
                <div class="row inline">
                  <strong>{when(e.checkedAt)}</strong>{" "}
                  <Badge tone={STATUS[e.status].tone}>{STATUS[e.status].text}</Badge>{" "}
                  <button type="button" class="link" onClick={() => void download(e.resultId)}>
                    check document (JSON)
                  </button>
                </div>
                <ul class="changes">
                  {e.changes.map((c, i) => (
                    <li key={`${c.kind}-${i}`}>
                      <code>{c.kind}</code> {c.message}
                    </li>
                  ))}
                </ul>
                {e.error && <p class="bad-text">{e.error}</p>}
                <ChainChange entry={e} />
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

interface Filters {
  status: string;
  client: string;
  label: string;
  text: string;
}

function matches(t: TargetRow, f: Filters): boolean {
  if (f.client && !t.clients.some((c) => c.client === f.client)) return false;
  if (f.status) {
    if (f.status === "expiring") {
      if (!t.firstExpiry || t.firstExpiry.days > 30) return false;
    } else if (f.client) {
      // With a client chosen, the status is that client's verdict.
      const c = t.clients.find((x) => x.client === f.client);
      if (f.status === "trusted" ? c?.status !== "trusted" : c?.status === "trusted") return false;
    } else if (t.status !== f.status) return false;
  }
  if (f.label) {
    const [name, ...rest] = f.label.split("=");
    if (t.labels[name] !== rest.join("=")) return false;
  }
  if (f.text) {
    const hay = [t.target, ...Object.entries(t.labels).map(([k, v]) => `${k}=${v}`)].join(" ").toLowerCase();
    if (!hay.includes(f.text.toLowerCase())) return false;
  }
  return true;
}

function days(d: TargetRow["firstExpiry"]): { text: string; tone: Tone } {
  if (!d) return { text: "—", tone: "muted" };
  if (d.days < 0) return { text: `expired ${-d.days} d ago`, tone: "bad" };
  return { text: `${d.days} d`, tone: d.days <= 7 ? "bad" : d.days <= 30 ? "warn" : "good" };
}

function TargetTable({ rows, onTimeline }: { rows: TargetRow[]; onTimeline: (t: string) => void }) {
  return (
    <div class="table-wrap">
      <table class="monitor">
        <caption class="sr-only">Monitored targets</caption>
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col">Status</th>
            <th scope="col">Clients</th>
            <th scope="col">First expiry</th>
            <th scope="col">Last check</th>
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => {
            const d = days(t.firstExpiry);
            return (
              <tr key={t.target} data-target={t.target}>
                <th scope="row">
                  {t.target}
                  {Object.entries(t.labels).map(([k, v]) => (
                    <Badge key={k} tone="muted">{`${k}=${v}`}</Badge>
                  ))}
                  {t.error && <div class="muted small">{t.error}</div>}
                </th>
                <td>
                  <Badge tone={STATUS[t.status].tone}>{STATUS[t.status].text}</Badge>
                </td>
                <td>
                  {t.clients.map((c) => (
                    <Badge key={c.client} tone={CLIENT_TONE[c.status]} title={c.code ?? c.status}>
                      {`${c.client}${c.status === "trusted" ? "" : `: ${c.code ?? c.status}`}`}
                    </Badge>
                  ))}
                </td>
                <td class="date">
                  <Badge tone={d.tone}>{d.text}</Badge>
                  {t.firstExpiry && (
                    <div class="muted small" title={t.firstExpiry.subject}>
                      {`${t.firstExpiry.position === 1 ? "leaf" : `#${t.firstExpiry.position}`} ${t.firstExpiry.notAfter.slice(0, 10)}`}
                    </div>
                  )}
                </td>
                <td class="date">{when(t.checkedAt)}</td>
                <td>
                  <button type="button" class="link" onClick={() => onTimeline(t.target)}>
                    {`Timeline (${t.results} result${t.results === 1 ? "" : "s"})`}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function FilterBar({ rows, f, set }: { rows: TargetRow[]; f: Filters; set: (f: Filters) => void }) {
  const clients = useMemo(
    () => [...new Set(rows.flatMap((t) => t.clients.map((c) => c.client)))].sort(),
    [rows],
  );
  const labels = useMemo(
    () => [...new Set(rows.flatMap((t) => Object.entries(t.labels).map(([k, v]) => `${k}=${v}`)))].sort(),
    [rows],
  );
  return (
    <div class="row inline filters">
      <label for="mon-status">Status</label>
      <select
        id="mon-status"
        value={f.status}
        onChange={(e) => set({ ...f, status: (e.target as HTMLSelectElement).value })}
      >
        <option value="">all</option>
        <option value="trusted">trusted</option>
        <option value="untrusted">not trusted</option>
        <option value="failed">check failed</option>
        <option value="invalid">bad line</option>
        <option value="expiring">expiring within 30 days</option>
      </select>
      <label for="mon-client">Client</label>
      <select
        id="mon-client"
        value={f.client}
        onChange={(e) => set({ ...f, client: (e.target as HTMLSelectElement).value })}
      >
        <option value="">all</option>
        {clients.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
      <label for="mon-label">Label</label>
      <select
        id="mon-label"
        value={f.label}
        onChange={(e) => set({ ...f, label: (e.target as HTMLSelectElement).value })}
      >
        <option value="">all</option>
        {labels.map((l) => (
          <option key={l} value={l}>
            {l}
          </option>
        ))}
      </select>
      <label for="mon-text">Search</label>
      <input
        id="mon-text"
        type="search"
        value={f.text}
        placeholder="host, label"
        onInput={(e) => set({ ...f, text: (e.target as HTMLInputElement).value })}
      />
    </div>
  );
}

function Alerts({ alerts }: { alerts: Alert[] }) {
  if (!alerts.length) return <p class="empty">No alerts.</p>;
  return (
    <ul class="alerts">
      {alerts.map((a) => (
        <li key={a.id}>
          <span class="date">{when(a.createdAt)}</span>{" "}
          <Badge tone={a.severity === "critical" ? "bad" : a.severity === "warning" ? "warn" : "info"}>
            {`${a.kind} ${a.severity}`}
          </Badge>{" "}
          {a.title}
        </li>
      ))}
    </ul>
  );
}

export function MonitorPage() {
  const session = useSession();
  const on = session?.features.monitor === true;
  const overview = usePolled<Overview>(on ? "/api/monitor/targets" : null);
  const expiry = usePolled<Expiry>(on ? "/api/monitor/expiry" : null);
  const alerts = usePolled<{ alerts: Alert[] }>(on ? "/api/monitor/alerts?limit=20" : null);
  const [f, setF] = useState<Filters>({ status: "", client: "", label: "", text: "" });
  const [selected, setSelected] = useState<string>();
  if (session && !on)
    return (
      <>
        <h1>Monitor</h1>
        <div class="notice warn" role="status">
          <strong>No monitor history on this server</strong>
          <p>
            Start it with <code>chainproof serve --db PATH</code>, PATH being the database{" "}
            <code>chainproof monitor</code> writes (by default ~/.local/share/chainproof/monitor.db).
          </p>
        </div>
      </>
    );
  const rows = overview.body?.targets ?? [];
  const shown = rows.filter((t) => matches(t, f));
  const counts = rows.reduce<Record<string, number>>((acc, t) => {
    acc[t.status] = (acc[t.status] ?? 0) + 1;
    return acc;
  }, {});
  return (
    <>
      <h1>Monitor</h1>
      <p class="lead">
        What <code>chainproof monitor</code> has seen: each target's latest check, its changes, and what
        expires soon.
      </p>
      <ErrorBox error={overview.error} />
      <section class="card" aria-labelledby="targets-h">
        <h2 id="targets-h">Targets</h2>
        <p class="counts">
          {(["trusted", "untrusted", "failed", "invalid"] as const).map((s) => (
            <Badge key={s} tone={STATUS[s].tone}>{`${STATUS[s].text}: ${counts[s] ?? 0}`}</Badge>
          ))}{" "}
          <span class="muted small" role="status">
            {overview.updated ? `live · updated ${overview.updated.toLocaleTimeString()}` : "loading…"}
          </span>
        </p>
        <FilterBar rows={rows} f={f} set={setF} />
        {overview.body && !rows.length && <p class="empty">The history has no results yet.</p>}
        {rows.length > 0 && (
          <>
            <p class="muted small">{`${shown.length} of ${rows.length} targets shown`}</p>
            <TargetTable rows={shown} onTimeline={setSelected} />
          </>
        )}
      </section>
      {selected && (
        <TimelineView
          key={selected}
          target={selected}
          stamp={rows.find((t) => t.target === selected)?.resultId}
          onClose={() => setSelected(undefined)}
        />
      )}
      <section class="card" aria-labelledby="expiry-h">
        <h2 id="expiry-h">Expiring in the next 26 weeks</h2>
        <ErrorBox error={expiry.error} />
        {expiry.body && <ExpiryChart data={expiry.body} />}
      </section>
      <section class="card" aria-labelledby="alerts-h">
        <h2 id="alerts-h">Latest alerts</h2>
        <ErrorBox error={alerts.error} />
        {alerts.body && <Alerts alerts={alerts.body.alerts} />}
      </section>
    </>
  );
}
