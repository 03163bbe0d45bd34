/**
 * The Monitor page of `chainproof serve --db`: its API on a history filled with known results (stored
 * through the history store as the monitor stores them: changes detected, alerts planned), with and
 * without the token; ETag polling (304 until a new result); a target's timeline with the chain before and
 * after; a result's check document; the alerts; the 26-week expiry histogram's buckets; a server without
 * --db. Then the page in Chromium (playwright-core, as test/browser-web.test.ts drives it): the table, the
 * filters, a timeline showing a change, the chart, a hostile subject shown as text, a live update.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { conditionsOf, planAlerts } from "../src/monitor/alerts.js";
import { detectChanges } from "../src/monitor/changes.js";
import type { HistoryStore } from "../src/monitor/history.js";
import { openSqliteHistory } from "../src/monitor/sqlite-history.js";
import type { ChainEntry, ClientState, ResultSummary } from "../src/monitor/summary.js";
import { newToken } from "../src/web/security.js";
import { createWebServer } from "../src/web/server.js";
import { CHROMIUM, CHROMIUM_ARGS } from "./helpers/browsers.js";
import { BIN, ROOT, runCli } from "./helpers/cli.js";

const DAY = 86_400_000;
const HOSTILE = "CN=<img src=x onerror=alert(1)>";
const NOW = Date.now();
const token = newToken();

const at = (days: number) => new Date(NOW + days * DAY).toISOString();
const sha = (n: number) => n.toString(16).padStart(64, "0");

function cert(
  position: number,
  role: ChainEntry["role"],
  n: number,
  subject: string,
  daysLeft: number,
): ChainEntry {
  return { position, role, sha256: sha(n), subject, issuer: "CN=Test CA", notAfter: at(daysLeft) };
}

function summary(chain: ChainEntry[], clients: ClientState[], checkedAt: Date): ResultSummary {
  const trusted = clients.every((c) => c.status === "trusted");
  return {
    checkedAt: checkedAt.toISOString(),
    status: chain.length === 0 ? "failed" : trusted ? "trusted" : "untrusted",
    chain,
    root: null,
    clients,
    findings: trusted ? [] : ["incomplete-chain"],
    distrust: [],
    tls: { protocol: "TLSv1.3", versions: null },
    error: chain.length === 0 ? "connection refused" : null,
  };
}

const ok = (client: string): ClientState => ({ client, status: "trusted", code: null });
const bad = (client: string): ClientState => ({ client, status: "untrusted", code: "incomplete-chain" });

/** Store a result as the monitor does: changes from the previous one, alerts planned. */
async function store(
  h: HistoryStore,
  target: string,
  labels: Record<string, string>,
  s: ResultSummary,
): Promise<number> {
  const prev = await h.lastResult(target);
  const changes = detectChanges(prev?.summary, s);
  const when = new Date(s.checkedAt);
  const plan = planAlerts(target, await h.alertStates(target), conditionsOf(s), changes, when);
  const r = await h.startRound(when);
  const { result } = await h.record({
    round: r,
    target,
    labels,
    summary: s,
    changes,
    document: { schema: "chainproof/check", trusted: s.status === "trusted", target },
    plan,
    channels: [],
    at: when,
  });
  return result.id;
}

// The known set: A (payments) whose chain lost its intermediate; B (core) fine, sending the same
// intermediate; C with the hostile subject; D failing.
const A = "a.example.test:443";
const B = "b.example.test:443";
const C = "hostile.example.test:443";
const D = "down.example.test:8443";
const ICA = cert(2, "intermediate", 100, "CN=Shared Intermediate", 10.5); // week 2, counted once
const A_LEAF = cert(1, "leaf", 1, "CN=a.example.test", 3.5); // week 1
const B_LEAF = cert(1, "leaf", 2, "CN=b.example.test", 100.5); // week 15
const B_ROOT = cert(3, "root", 200, "CN=Root Sent", 5.5); // a root sent: not counted
const C_LEAF = cert(1, "leaf", 3, HOSTILE, 200); // later than 26 weeks
const C_ICA = cert(2, "intermediate", 4, "CN=Old Intermediate", -2.5); // expired

let dir: string;
let history: HistoryStore;
let app: FastifyInstance;
let bare: FastifyInstance;
let base = "";
let aLatest = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "cp-monitor-web-"));
  history = await openSqliteHistory(join(dir, "monitor.db"), { create: true });
  const t0 = new Date(NOW - 2 * 3600_000);
  const t1 = new Date(NOW - 3600_000);
  await store(history, A, { team: "payments" }, summary([A_LEAF, ICA], [ok("salesforce"), ok("java")], t0));
  aLatest = await store(
    history,
    A,
    { team: "payments" },
    summary([A_LEAF], [bad("salesforce"), bad("java")], t1),
  );
  await store(history, B, { team: "core" }, summary([B_LEAF, ICA, B_ROOT], [ok("salesforce")], t1));
  await store(history, C, { team: "core" }, summary([C_LEAF, C_ICA], [ok("chrome")], t1));
  await store(history, D, {}, summary([], [bad("salesforce")], t1));
  app = await createWebServer({ host: "127.0.0.1", token, history });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  bare = await createWebServer({ host: "127.0.0.1", token, assetsDir: "/nonexistent" });
});

after(async () => {
  await app?.close();
  await bare?.close();
  await history?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (url: string, headers: Record<string, string> = {}, server = app) =>
  server.inject({
    method: "GET",
    url,
    headers: { host: "127.0.0.1", authorization: `Bearer ${token}`, ...headers },
  });

describe("the Monitor API", () => {
  it("every route needs the token", async () => {
    for (const url of [
      "/api/monitor/targets",
      `/api/monitor/timeline?target=${encodeURIComponent(A)}`,
      `/api/monitor/results/${aLatest}`,
      "/api/monitor/alerts",
      "/api/monitor/expiry",
    ]) {
      const none = await app.inject({ method: "GET", url, headers: { host: "127.0.0.1" } });
      assert.equal(none.statusCode, 401, url);
      assert.equal(none.json().error.code, "unauthorized");
      const wrong = await get(url, { authorization: "Bearer nope-nope-nope-nope" });
      assert.equal(wrong.statusCode, 401, url);
      assert.equal((await get(url)).statusCode, 200, url);
    }
  });

  it("targets: latest status, each client's verdict, days to the first expiry, labels", async () => {
    const res = await get("/api/monitor/targets");
    const doc = res.json();
    assert.equal(doc.schema, "chainproof/monitor-overview");
    const rows = Object.fromEntries(doc.targets.map((t: { target: string }) => [t.target, t]));
    assert.deepEqual(Object.keys(rows).sort(), [A, B, D, C].sort());
    assert.equal(rows[A].status, "untrusted");
    assert.deepEqual(rows[A].clients, [bad("salesforce"), bad("java")]);
    assert.deepEqual(rows[A].labels, { team: "payments" });
    assert.equal(rows[A].results, 2);
    assert.equal(rows[A].resultId, aLatest);
    assert.equal(rows[A].firstExpiry.days, 3);
    assert.equal(rows[A].firstExpiry.position, 1);
    assert.equal(
      rows[B].firstExpiry.days,
      10,
      "the intermediate expires before the leaf; the root sent is not counted",
    );
    assert.equal(rows[B].firstExpiry.subject, "CN=Shared Intermediate");
    assert.equal(rows[C].firstExpiry.days, -3, "expired");
    assert.equal(rows[D].status, "failed");
    assert.equal(rows[D].firstExpiry, null);
    assert.equal(rows[D].error, "connection refused");
  });

  it("ETag polling: 304 until a new result, then the new answer", async () => {
    const first = await get("/api/monitor/targets");
    const etag = first.headers.etag as string;
    assert.match(etag, /^"[\w-]+"$/);
    const same = await get("/api/monitor/targets", { "if-none-match": etag });
    assert.equal(same.statusCode, 304);
    assert.equal(same.body, "");
    const expiry = await get("/api/monitor/expiry");
    assert.equal(
      (await get("/api/monitor/expiry", { "if-none-match": expiry.headers.etag as string })).statusCode,
      304,
    );
    const alerts = await get("/api/monitor/alerts");
    assert.equal(
      (await get("/api/monitor/alerts", { "if-none-match": alerts.headers.etag as string })).statusCode,
      304,
    );

    await store(history, D, {}, summary([], [bad("salesforce")], new Date(NOW - 1000)));
    const changed = await get("/api/monitor/targets", { "if-none-match": etag });
    assert.equal(changed.statusCode, 200);
    assert.notEqual(changed.headers.etag, etag);
  });

  it("timeline: the results that changed something, with the chain before and after", async () => {
    const doc = (await get(`/api/monitor/timeline?target=${encodeURIComponent(A)}`)).json();
    assert.equal(doc.schema, "chainproof/monitor-timeline");
    assert.equal(doc.results, 2);
    assert.equal(doc.entries.length, 2);
    const [change, first] = doc.entries;
    assert.equal(change.resultId, aLatest);
    assert.ok(change.changes.some((c: { kind: string }) => c.kind === "chain-changed"));
    assert.ok(change.changes.some((c: { kind: string }) => c.kind === "verdict-flipped"));
    assert.deepEqual(
      change.before.map((c: ChainEntry) => c.sha256),
      [A_LEAF.sha256, ICA.sha256],
    );
    assert.deepEqual(
      change.chain.map((c: ChainEntry) => c.sha256),
      [A_LEAF.sha256],
    );
    assert.equal(first.before, null);
    assert.deepEqual(
      first.changes.map((c: { kind: string }) => c.kind).filter((k: string) => k !== "expiry-threshold"),
      ["first-result"],
    );
    const none = await get(`/api/monitor/timeline?target=${encodeURIComponent("nope:1")}`);
    assert.equal(none.statusCode, 404);
    assert.equal(none.json().error.code, "no-target");
    const missing = await get("/api/monitor/timeline");
    assert.equal(missing.statusCode, 400);
    const long = await get(`/api/monitor/timeline?target=${"x".repeat(9000)}`);
    assert.equal(long.statusCode, 400);
  });

  it("a result's check document; a bad or unknown id", async () => {
    const doc = (await get(`/api/monitor/results/${aLatest}`)).json();
    assert.deepEqual(doc, { schema: "chainproof/check", trusted: false, target: A });
    assert.equal((await get("/api/monitor/results/999999")).statusCode, 404);
    assert.equal((await get("/api/monitor/results/abc")).statusCode, 400);
    assert.equal((await get("/api/monitor/results/0")).statusCode, 400);
  });

  it("alerts: newest first, the broken chain's among them", async () => {
    const doc = (await get(`/api/monitor/alerts?target=${encodeURIComponent(A)}`)).json();
    assert.equal(doc.schema, "chainproof/monitor-alerts");
    // The broken chain's problem; the expiry alerts of the first result (and the dropped intermediate's
    // expiry resolved); newest first.
    const problem = doc.alerts.find((a: { kind: string; conditions: string[] }) =>
      a.conditions.includes("untrusted:salesforce"),
    );
    assert.equal(problem.kind, "problem");
    assert.deepEqual(problem.conditions.sort(), ["untrusted:java", "untrusted:salesforce"]);
    const ids = doc.alerts.map((a: { id: number }) => a.id);
    assert.deepEqual(
      ids,
      [...ids].sort((x: number, y: number) => y - x),
    );
    assert.equal((await get("/api/monitor/alerts?limit=0")).statusCode, 400);
  });

  it("the 26-week expiry histogram from the latest results", async () => {
    const doc = (await get("/api/monitor/expiry")).json();
    assert.equal(doc.schema, "chainproof/monitor-expiry");
    assert.equal(doc.weeks.length, 26);
    const counts = Object.fromEntries(
      doc.weeks
        .filter((w: { count: number }) => w.count)
        .map((w: { week: number; count: number }) => [w.week, w.count]),
    );
    // A's leaf (3.5 d) in week 1; the shared intermediate (10.5 d, sent by A's old chain no more, by B
    // now) once in week 2; B's leaf (100.5 d) in week 15; C's leaf later; C's intermediate expired; B's
    // root sent not counted.
    assert.deepEqual(counts, { 1: 1, 2: 1, 15: 1 });
    assert.equal(doc.expired, 1);
    assert.equal(doc.later, 1);
    assert.equal(doc.certificates, 5);
    assert.equal(Date.parse(doc.weeks[1].from) - Date.parse(doc.weeks[0].from), 7 * DAY);
  });

  it("a server without --db: 404 monitor-off, and the session says so", async () => {
    const res = await get("/api/monitor/targets", {}, bare);
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, "monitor-off");
    assert.match(res.json().error.message, /serve --db PATH/);
    assert.equal((await get("/api/session", {}, bare)).json().features.monitor, false);
    assert.equal((await get("/api/session")).json().features.monitor, true);
  });

  it("chainproof serve --db: a missing database is bad input (exit 2), never created", async () => {
    const absent = join(dir, "absent.db");
    const r = await runCli(["serve", "--port", "0", "--db", absent]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no monitor database there/);
    assert.ok(!existsSync(absent));
  });

  it("chainproof serve --db PATH serves the history (a process of its own)", async () => {
    const child = spawn(process.execPath, [BIN, "serve", "--port", "0", "--db", join(dir, "monitor.db")], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (b: Buffer) => (err += b));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    try {
      let link: RegExpExecArray | null = null;
      for (let i = 0; i < 400 && !link; i++) {
        link = /(http:\/\/127\.0\.0\.1:\d+)\/#token=(\S+)/.exec(err);
        if (!link) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(link, err);
      assert.match(err, /the Monitor page shows .*monitor\.db/);
      const headers = { authorization: `Bearer ${decodeURIComponent(link[2])}` };
      const res = await fetch(`${link[1]}/api/monitor/targets`, { headers });
      assert.equal(res.status, 200);
      const doc = (await res.json()) as { targets: { target: string }[] };
      assert.ok(doc.targets.some((t) => t.target === A));
      assert.equal((await fetch(`${link[1]}/api/monitor/targets`)).status, 401);
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("the routes are in the OpenAPI document", async () => {
    const doc = (await get("/api/openapi.json")).json();
    for (const p of [
      "/api/monitor/targets",
      "/api/monitor/timeline",
      "/api/monitor/results/{id}",
      "/api/monitor/alerts",
      "/api/monitor/expiry",
    ])
      assert.ok(doc.paths[p]?.get, p);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The page in Chromium

describe("browser: the Monitor page", () => {
  let ctx: BrowserContext | undefined;
  let skip: string | false = false;
  let page: Page;
  const dialogs: string[] = [];
  const errors: string[] = [];
  let profile = "";

  before(async () => {
    if (!existsSync(new URL("../../dist/web/index.html", import.meta.url))) {
      skip = "the pages are not built (npm run build)";
      return;
    }
    if (!existsSync(CHROMIUM)) {
      skip = `no Chromium at ${CHROMIUM}`;
      return;
    }
    profile = mkdtempSync(join(tmpdir(), "cp-monitor-profile-"));
    try {
      ctx = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1300, height: 1000 },
      });
    } catch (e) {
      skip = `Chromium cannot start: ${(e as Error).message.split("\n")[0]}`;
      return;
    }
    ctx.setDefaultTimeout(20_000);
    page = await ctx.newPage();
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.goto(`${base}/monitor#token=${token}`);
  });

  after(async () => {
    await ctx?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const rows = () => page.locator("table.monitor tbody tr");
  const text = async (l: Locator) => (await l.textContent()) ?? "";

  it("the table shows every target with its status and clients", async (t) => {
    if (skip) return t.skip(skip);
    await page.getByRole("heading", { name: "Monitor", level: 1 }).waitFor();
    await rows().first().waitFor();
    assert.equal(await rows().count(), 4);
    const a = page.locator(`tr[data-target="${A}"]`);
    assert.match(await text(a), /not trusted/);
    assert.match(await text(a), /salesforce: incomplete-chain/);
    assert.match(await text(a), /team=payments/);
    assert.match(await text(a), /3 d/);
    assert.match(await text(page.locator(`tr[data-target="${B}"]`)), /trusted/);
    assert.match(await text(page.locator(`tr[data-target="${D}"]`)), /check failed/);
  });

  it("the filters: status, client, label, text", async (t) => {
    if (skip) return t.skip(skip);
    await page.selectOption("#mon-status", "untrusted");
    assert.equal(await rows().count(), 1);
    assert.equal(await rows().first().getAttribute("data-target"), A);
    await page.selectOption("#mon-status", "");
    await page.selectOption("#mon-client", "chrome");
    assert.equal(await rows().count(), 1);
    assert.equal(await rows().first().getAttribute("data-target"), C);
    await page.selectOption("#mon-client", "");
    await page.selectOption("#mon-label", "team=core");
    assert.equal(await rows().count(), 2);
    await page.selectOption("#mon-label", "");
    await page.fill("#mon-text", "down.example");
    assert.equal(await rows().count(), 1);
    assert.equal(await rows().first().getAttribute("data-target"), D);
    await page.fill("#mon-text", "");
    assert.equal(await rows().count(), 4);
  });

  it("the timeline shows the change, the chain drawn before and after", async (t) => {
    if (skip) return t.skip(skip);
    await page
      .locator(`tr[data-target="${A}"]`)
      .getByRole("button", { name: /Timeline/ })
      .click();
    const timeline = page.locator("section", { has: page.locator("#timeline-h") });
    await timeline.locator("li.timeline-entry").first().waitFor();
    const first = timeline.locator("li.timeline-entry").first();
    assert.match(await text(first), /chain-changed/);
    const before = first.locator("figure.path", { hasText: "Before" });
    const afterFig = first.locator("figure.path", { hasText: "After" });
    assert.equal(await before.locator(".cert-box").count(), 2, "before: leaf and intermediate");
    assert.equal(await afterFig.locator(".cert-box").count(), 1, "after: the leaf alone");
    assert.match(await text(before), /Shared Intermediate/);
  });

  it("a hostile subject is text, never markup", async (t) => {
    if (skip) return t.skip(skip);
    await page
      .locator(`tr[data-target="${C}"]`)
      .getByRole("button", { name: /Timeline/ })
      .click();
    const timeline = page.locator("section", { has: page.locator("#timeline-h") });
    await timeline.getByText(HOSTILE).first().waitFor();
    assert.equal(await page.locator("main img").count(), 0, "no img element");
    assert.deepEqual(dialogs, [], "no script ran");
  });

  it("the chart draws 26 weeks, with the known counts", async (t) => {
    if (skip) return t.skip(skip);
    const chart = page.locator("figure.expiry-chart svg");
    await chart.waitFor();
    assert.equal(await chart.locator("g.week rect").count(), 26);
    assert.equal(await chart.locator("rect.bar").count(), 3);
    const titles = await chart.locator("g.week rect title").allTextContents();
    assert.match(titles[0], /^week 1 .*: 1 certificate$/);
    assert.match(titles[14], /^week 15 .*: 1 certificate$/);
    assert.match(
      await text(page.locator("#expiry-caption")),
      /3 of 5 certificates .* 1 already expired, 1 later/,
    );
  });

  it("live: a new result shows without a reload", async (t) => {
    if (skip) return t.skip(skip);
    await store(
      history,
      A,
      { team: "payments" },
      summary([A_LEAF, ICA], [ok("salesforce"), ok("java")], new Date()),
    );
    const a = page.locator(`tr[data-target="${A}"]`);
    await a.locator(".badge.good", { hasText: /^trusted$/ }).waitFor({ timeout: 15_000 });
    assert.match(await text(a), /3 results/);
    assert.deepEqual(errors, [], "no script errors or CSP violations");
  });
});
