import { type ComponentChildren, Fragment } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { get, post, saveText } from "../api";
import { CertificateDetails, type CertificateJson } from "../cert";
import {
  Badge,
  Busy,
  CopyButton,
  colonHex,
  defaultStore,
  Empty,
  ErrorBox,
  emptyFile,
  FileField,
  payloadOf,
  StorePicker,
  type StoreState,
  storeFields,
  Tabs,
  useJob,
  useSession,
} from "../ui";

interface DistrustMark {
  clients: string[];
  rule: string;
  test: string;
  cutoff: string;
}

interface RootRow {
  alias: string;
  name: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  sha256: string;
  selfSigned: boolean;
  expired: boolean;
  distrustAfter?: string;
  distrust: DistrustMark[];
}

interface StoreSummary {
  id: string;
  name: string;
  source: string;
  roots: number;
  notes: string[];
}

interface RootsAnswer {
  store: StoreSummary;
  roots: RootRow[];
  list?: { summary: string; unmatched: { line: number; text: string; reason: string }[] };
}

function marks(r: RootRow): string[] {
  const out: string[] = [];
  if (r.distrustAfter) out.push(`distrust after ${r.distrustAfter.slice(0, 10)}`);
  for (const m of r.distrust) {
    if (m.clients.includes("firefox") && r.distrustAfter) continue;
    out.push(
      `${m.clients.join("/")}: ${m.test === "first-sct-after" ? "SCT after" : "issued after"} ${m.cutoff.slice(0, 10)}`,
    );
  }
  return out;
}

type SortKey = "alias" | "notAfter" | "subject";

/** Rows per page: the full Mozilla list (~150 roots) is three pages, not a page 38,000 px tall. */
const ROOTS_PAGE = 50;

/** A fingerprint shortened to fit its column: the first 8 and last 4 hex digits (the whole one is copied). */
function shortFingerprint(hex: string): string {
  return `${hex.slice(0, 8)}…${hex.slice(-4)}`.toUpperCase();
}

function RootsTable({
  rows,
  onPick,
  opened,
  detail,
}: {
  rows: RootRow[];
  onPick?: (r: RootRow) => void;
  /** The root whose details show in a row right under its own. */
  opened?: string;
  detail?: ComponentChildren;
}) {
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: "alias", dir: 1 });
  const [page, setPage] = useState(0);
  const sorted = useMemo(
    () => [...rows].sort((a, b) => a[sort.key].localeCompare(b[sort.key]) * sort.dir),
    [rows, sort],
  );
  const pages = Math.max(1, Math.ceil(sorted.length / ROOTS_PAGE));
  const at = Math.min(page, pages - 1);
  useEffect(() => setPage(0), [rows]);
  const shown = sorted.slice(at * ROOTS_PAGE, (at + 1) * ROOTS_PAGE);
  const header = (key: SortKey, text: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.dir === 1 ? "ascending" : "descending") : "none"}>
      <button
        type="button"
        class="sort"
        onClick={() => setSort({ key, dir: sort.key === key ? (sort.dir === 1 ? -1 : 1) : 1 })}
      >
        {text}
        {sort.key === key ? (sort.dir === 1 ? " ▲" : " ▼") : ""}
      </button>
    </th>
  );
  if (!rows.length) return <Empty>No roots match.</Empty>;
  return (
    <>
      <div class="table-wrap">
        <table class="roots">
          <colgroup>
            <col class="c-alias" />
            <col class="c-subject" />
            <col class="c-date" />
            <col class="c-fp" />
            <col class="c-distrust" />
          </colgroup>
          <thead>
            <tr>
              {header("alias", "Alias")}
              {header("subject", "Subject")}
              {header("notAfter", "Expires")}
              <th scope="col">SHA-256</th>
              <th scope="col">Distrust</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <Fragment key={r.sha256}>
                <tr class={opened === r.sha256 ? "opened" : undefined}>
                  <th scope="row" class="alias" title={r.alias}>
                    {onPick ? (
                      <button
                        type="button"
                        class="link"
                        aria-expanded={opened === r.sha256}
                        onClick={() => onPick(r)}
                      >
                        {r.alias}
                      </button>
                    ) : (
                      r.alias
                    )}
                  </th>
                  <td class="subject" data-label="Subject" title={r.subject}>
                    {r.subject}
                  </td>
                  <td class={r.expired ? "bad-text date" : "date"} data-label="Expires">
                    {r.notAfter.slice(0, 10)}
                  </td>
                  <td class="fp-cell" data-label="SHA-256">
                    <code class="fp-short" title={colonHex(r.sha256)}>
                      {shortFingerprint(r.sha256)}
                    </code>{" "}
                    <CopyButton text={colonHex(r.sha256)} label="Copy" />
                  </td>
                  <td class="distrust" data-label="Distrust" title={marks(r).join("; ")}>
                    {marks(r).map((m) => (
                      <Badge key={m} tone="warn">
                        {m}
                      </Badge>
                    ))}
                  </td>
                </tr>
                {opened === r.sha256 && detail && (
                  <tr class="root-detail">
                    <td colSpan={5}>{detail}</td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      {pages > 1 && (
        <nav class="pager" aria-label="Pages of roots">
          <button type="button" class="secondary" disabled={at === 0} onClick={() => setPage(at - 1)}>
            Previous
          </button>
          <span aria-live="polite">{`Roots ${at * ROOTS_PAGE + 1}–${at * ROOTS_PAGE + shown.length} of ${sorted.length}`}</span>
          <button type="button" class="secondary" disabled={at >= pages - 1} onClick={() => setPage(at + 1)}>
            Next
          </button>
        </nav>
      )}
    </>
  );
}

function Browse() {
  const session = useSession();
  const [store, setStore] = useState<StoreState>({ ...defaultStore(), kind: "mozilla" });
  const [q, setQ] = useState("");
  const job = useJob<RootsAnswer>();
  const detail = useJob<{ certificate: CertificateJson; pem: string }>();
  const builtin = store.kind !== "upload" && store.kind !== "salesforce";
  useEffect(() => {
    if (builtin && store.kind)
      void job.run((s) => get<RootsAnswer>(`/api/stores/${encodeURIComponent(store.kind)}/roots`, s));
  }, [store.kind]);
  const load = () => {
    if (builtin) return;
    void job.run((s) => post<RootsAnswer>("/api/stores/inspect", storeFields(store), s));
  };
  const want = q.trim().toLowerCase().replace(/:/g, "");
  const rows = (job.result?.roots ?? []).filter(
    (r) =>
      !want ||
      r.alias.toLowerCase().includes(want) ||
      r.subject.toLowerCase().includes(want) ||
      r.sha256.toLowerCase().startsWith(want),
  );
  const [opened, setOpened] = useState<string | undefined>(undefined);
  const pick = (r: RootRow) => {
    if (!builtin) return;
    // A second click on the open root closes it.
    if (opened === r.sha256) return setOpened(undefined);
    setOpened(r.sha256);
    void detail.run((s) => get(`/api/stores/${encodeURIComponent(store.kind)}/roots/${r.sha256}`, s));
  };
  return (
    <section class="card" aria-labelledby="browse-h">
      <h2 id="browse-h">Browse a store</h2>
      <StorePicker session={session} value={store} onChange={setStore} allowDefault={false} label="Store" />
      {!builtin && (
        <div class="actions">
          <button type="button" onClick={load} disabled={job.running}>
            Read the store
          </button>
        </div>
      )}
      <Busy running={job.running} label="Loading roots…" />
      <ErrorBox error={job.error} />
      {job.result && (
        <>
          <p class="summary">
            {`${job.result.store.name}: ${job.result.store.roots} roots`}{" "}
            <span class="muted">{job.result.store.source}</span>
          </p>
          {job.result.list && <p class="muted">{job.result.list.summary}</p>}
          {job.result.list?.unmatched.length ? (
            <details>
              <summary>{`${job.result.list.unmatched.length} entries not matched`}</summary>
              <ul>
                {job.result.list.unmatched.map((u) => (
                  <li key={u.line}>{`line ${u.line}: ${u.text} (${u.reason})`}</li>
                ))}
              </ul>
            </details>
          ) : null}
          <div class="row">
            <label for="roots-q">Search alias, subject or SHA-256</label>
            <input
              id="roots-q"
              type="search"
              value={q}
              onInput={(e) => setQ((e.target as HTMLInputElement).value)}
            />
          </div>
          <p class="muted" aria-live="polite">{`${rows.length} shown`}</p>
          <RootsTable
            rows={rows}
            onPick={builtin ? pick : undefined}
            opened={opened}
            detail={
              <>
                <Busy running={detail.running} label="Loading the root…" />
                <ErrorBox error={detail.error} />
                {detail.result && !detail.running && (
                  <CertificateDetails c={detail.result.certificate} index={0} total={1} />
                )}
              </>
            }
          />
          {job.result.store.notes.map((n) => (
            <p class="muted small" key={n}>
              {n}
            </p>
          ))}
        </>
      )}
    </section>
  );
}

interface DiffAnswer {
  a: StoreSummary;
  b: StoreSummary;
  added: RootRow[];
  removed: RootRow[];
  common: number;
}

function Diff() {
  const session = useSession();
  const [a, setA] = useState<StoreState>({ ...defaultStore(), kind: "mozilla" });
  const [b, setB] = useState<StoreState>({ ...defaultStore(), kind: "node" });
  const job = useJob<DiffAnswer>();
  const submit = (e: Event) => {
    e.preventDefault();
    void job.run((s) => post<DiffAnswer>("/api/stores/diff", { a: storeFields(a), b: storeFields(b) }, s));
  };
  const r = job.result;
  return (
    <section class="card" aria-labelledby="diff-h">
      <h2 id="diff-h">Compare two stores</h2>
      <form onSubmit={submit}>
        <div class="two">
          <StorePicker session={session} value={a} onChange={setA} allowDefault={false} label="Store A" />
          <StorePicker session={session} value={b} onChange={setB} allowDefault={false} label="Store B" />
        </div>
        <div class="actions">
          <button type="submit" disabled={job.running}>
            Compare
          </button>
        </div>
      </form>
      <Busy running={job.running} label="Comparing…" onCancel={job.cancel} />
      <ErrorBox error={job.error} />
      {r && (
        <>
          <p class="summary">{`${r.added.length} only in B (${r.b.name}), ${r.removed.length} only in A (${r.a.name}), ${r.common} in both.`}</p>
          <h3>{`Only in B: ${r.b.name}`}</h3>
          <RootsTable rows={r.added} />
          <h3>{`Only in A: ${r.a.name}`}</h3>
          <RootsTable rows={r.removed} />
        </>
      )}
    </section>
  );
}

interface Dossier {
  notes: string[];
  subject: string;
  issuer: string;
  sha256: string;
  sha1: string;
  selfSigned: boolean;
  ca: boolean;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  key: string;
  signatureAlgorithm: string;
  jdkAlias?: string;
  presence: { store: string; present: boolean; detail: string }[];
  distrust: { rule: string; clients: string[]; test: string; cutoff: string }[];
  kind: "root" | "intermediate" | "leaf";
  send: string[];
  assessment: { tone: "good" | "bad" | "warn"; text: string }[];
  pem: string;
}

function RootRequest() {
  const [cert, setCert] = useState(emptyFile());
  const job = useJob<Dossier>();
  const submit = (e: Event) => {
    e.preventDefault();
    const p = payloadOf(cert);
    if (p) void job.run((s) => post<Dossier>("/api/roots/request", { cert: p }, s));
  };
  const d = job.result;
  return (
    <section class="card" aria-labelledby="req-h">
      <h2 id="req-h">Root request dossier</h2>
      <p class="muted">
        What to send Salesforce support (or any strict client's operator) to have a root added: where it is
        trusted, partial distrust, and the PEM.
      </p>
      <form onSubmit={submit}>
        <FileField label="The root (or a chain holding it)" value={cert} onChange={setCert} rows={4} />
        <div class="actions">
          <button type="submit" disabled={job.running || !payloadOf(cert)}>
            Prepare dossier
          </button>
        </div>
      </form>
      <Busy running={job.running} label="Preparing…" />
      <ErrorBox error={job.error} />
      {d && (
        <div class="dossier">
          <dl class="fields">
            <div class="field">
              <dt>Subject</dt>
              <dd>{d.subject}</dd>
            </div>
            <div class="field">
              <dt>Valid</dt>
              <dd
                class={d.daysLeft < 0 ? "bad-text" : ""}
              >{`${d.notBefore} to ${d.notAfter} (${d.daysLeft < 0 ? `expired ${-d.daysLeft} days ago` : `${d.daysLeft} days left`})`}</dd>
            </div>
            <div class="field">
              <dt>Key, signature</dt>
              <dd>{`${d.key}, ${d.signatureAlgorithm}`}</dd>
            </div>
            <div class="field">
              <dt>SHA-256</dt>
              <dd>
                <code class="fp">{colonHex(d.sha256)}</code>
              </dd>
            </div>
            {d.jdkAlias && (
              <div class="field">
                <dt>JDK alias</dt>
                <dd>{d.jdkAlias}</dd>
              </div>
            )}
          </dl>
          <h3>Where it is trusted</h3>
          <ul class="plain">
            {d.presence.map((p) => (
              <li key={p.store}>
                <Badge tone={p.present ? "good" : "muted"}>{p.present ? "yes" : "no"}</Badge>{" "}
                <strong>{p.store}</strong>
                {`: ${p.detail}`}
              </li>
            ))}
          </ul>
          {d.distrust.length > 0 && (
            <>
              <h3>Partial distrust</h3>
              <ul class="plain">
                {d.distrust.map((x) => (
                  <li key={x.rule}>{`${x.clients.join(", ")}: ${x.test} ${x.cutoff} (${x.rule})`}</li>
                ))}
              </ul>
            </>
          )}
          <h3>Assessment</h3>
          <ul class="plain">
            {d.assessment.map((a) => (
              <li key={a.text}>
                <Badge tone={a.tone}>{a.tone === "good" ? "+" : a.tone === "bad" ? "✗" : "!"}</Badge> {a.text}
              </li>
            ))}
          </ul>
          <h3>{d.kind === "root" ? "What to send" : "What to do instead"}</h3>
          <ul class="plain">
            {d.send.map((line) => (
              <li key={line}>{line.replace(/^\s*- /, "")}</li>
            ))}
          </ul>
          {d.notes.map((n) => (
            <p class="muted small" key={n}>
              {n}
            </p>
          ))}
          <div class="actions">
            <button type="button" onClick={() => saveText(d.pem, "root.pem")}>
              Download the PEM
            </button>
            <CopyButton text={`SHA-256: ${colonHex(d.sha256)}\n${d.pem}`} label="Copy fingerprint and PEM" />
          </div>
        </div>
      )}
    </section>
  );
}

const TABS = [
  { id: "browse", title: "Browse" },
  { id: "diff", title: "Compare" },
  { id: "request", title: "Root request" },
] as const;

export function StoresPage() {
  const [tab, setTab] = useState<(typeof TABS)[number]["id"]>("browse");
  return (
    <>
      <h1>Trust stores</h1>
      <p class="lead">
        The roots each client trusts, as Salesforce's /cacerts.jsp lists them; differences between stores; and
        what to send to have a root added.
      </p>
      <Tabs tabs={TABS} value={tab} onChange={setTab} />
      {tab === "browse" && <Browse />}
      {tab === "diff" && <Diff />}
      {tab === "request" && <RootRequest />}
    </>
  );
}
