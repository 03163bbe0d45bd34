/**
 * The monitor's Prometheus metrics against the lab's endpoints on loopback: a round run (application
 * layer), /metrics scraped over HTTP and its exposition parsed: the six names and types, notAfter equal to
 * each certificate's, client_trusted 1 for a good chain and 0 for an incomplete one, counters and the
 * duration histogram growing after a second round, a hostile certificate subject escaped and capped (no
 * injected sample), a target dropped from the list gone from the gauges. Then the CLI: `monitor
 * --metrics-port 0` serving while it runs, and its bad input (exit 2).
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import { runRound } from "../src/app/monitor.js";
import { type MonitorMetricsHandle, startMonitorMetrics } from "../src/app/monitor-metrics.js";
import { writeLabFiles } from "../src/cli/commands/lab.js";
import { type Lab, startLab } from "../src/lab/index.js";
import { labLeaf } from "../src/lab/pki.js";
import type { HistoryStore } from "../src/monitor/history.js";
import { labelValue, MAX_LABEL_CHARS, METRIC_NAMES } from "../src/monitor/metrics.js";
import { openSqliteHistory } from "../src/monitor/sqlite-history.js";
import { parseTargetList } from "../src/monitor/targets.js";
import type { BuiltCertificate } from "../src/x509/builder.js";
import { BIN, ROOT, runCli } from "./helpers/cli.js";

/** A subject that would inject a sample if label values were not escaped, and longer than the cap. */
const HOSTILE_CN = `evil" } injected_metric 1\n# HELP x \\ <img src=x onerror=alert(1)> ${"A".repeat(400)}`;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The exposition format's samples and `# TYPE` lines; throws on a line that is neither. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line) continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (line.startsWith("# HELP ")) continue;
    const m =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (\S+)$/.exec(
        line,
      );
    assert.ok(m, `a sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { samples, types };
}

async function scrape(url: string) {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, ...parseExposition(text) };
}

function value(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const hit = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  assert.ok(hit.length <= 1, `one sample of ${name} ${JSON.stringify(labels)}`);
  return hit[0]?.value;
}

let lab: Lab;
let dir: string;
let roots: string;
let hostileServer: tls.Server;
let hostilePort: number;
let hostileChain: BuiltCertificate[];
const hostileHost = "hostile.lab.chainproof.test";

before(async () => {
  lab = await startLab({ only: ["good-rsa", "incomplete"] });
  dir = mkdtempSync(join(tmpdir(), "cp-metrics-"));
  roots = writeLabFiles(lab, dir).roots;
  const leaf = labLeaf(lab.pki, "hostile", lab.pki.rsaIca, lab.http.base, {
    key: lab.pki.keys.rsa,
    more: { subject: [["CN", HOSTILE_CN]] },
  });
  hostileChain = [leaf.cert, lab.pki.rsaIca.built];
  hostileServer = tls.createServer({
    key: leaf.key.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    cert: hostileChain.map((c) => c.pem).join(""),
  });
  hostileServer.on("secureConnection", (s) => {
    s.on("error", () => {});
    s.end();
  });
  hostileServer.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => hostileServer.listen(0, "127.0.0.1", resolve));
  hostilePort = (hostileServer.address() as net.AddressInfo).port;
});

after(async () => {
  await new Promise<void>((resolve) => hostileServer?.close(() => resolve()));
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

const endpoint = (name: string) => lab.endpoints.find((e) => e.spec.name === name)!;
const keyOf = (name: string) => `127.0.0.1:${endpoint(name).port} ${endpoint(name).host}`;
const lineOf = (name: string) => `${keyOf(name)} store=${roots} clients=salesforce,java`;

describe("metrics of a round (application layer), scraped over HTTP", () => {
  let history: HistoryStore;
  let handle: MonitorMetricsHandle;
  const hostileKey = () => `127.0.0.1:${hostilePort} ${hostileHost}`;
  const list = () =>
    parseTargetList(
      [lineOf("good-rsa"), lineOf("incomplete"), `${hostileKey()} store=${roots} clients=salesforce`].join(
        "\n",
      ),
    );

  before(async () => {
    history = await openSqliteHistory(join(dir, "app.db"), { create: true });
    handle = await startMonitorMetrics(history, list(), { host: "127.0.0.1", port: 0 });
  });
  after(async () => {
    await handle?.close();
    await history?.close();
  });

  it("names, types, labels and values after one round; counters grow after a second", async () => {
    const o = { history, list: list(), aia: false as const };
    const empty = await scrape(handle.url);
    assert.equal(value(empty.samples, METRIC_NAMES.checks, { result: "trusted" }), 0, "counters start at 0");
    assert.equal(
      empty.samples.filter((s) => s.name === METRIC_NAMES.clientTrusted).length,
      0,
      "no gauge before a result",
    );

    const r1 = await runRound(o);
    assert.deepEqual(
      r1.results.map((r) => r.status),
      ["trusted", "untrusted", "trusted"],
    );
    handle.observeRound(r1);
    const s1 = await scrape(handle.url);
    assert.equal(s1.types.get(METRIC_NAMES.notAfter), "gauge");
    assert.equal(s1.types.get(METRIC_NAMES.clientTrusted), "gauge");
    assert.equal(s1.types.get(METRIC_NAMES.lastCheck), "gauge");
    assert.equal(s1.types.get(METRIC_NAMES.duration), "histogram");
    assert.equal(s1.types.get(METRIC_NAMES.checks), "counter");
    assert.equal(s1.types.get(METRIC_NAMES.alerts), "counter");

    // notAfter of each certificate as sent, to the second.
    const good = endpoint("good-rsa");
    for (const [i, c] of good.chain.entries())
      assert.equal(
        value(s1.samples, METRIC_NAMES.notAfter, { target: keyOf("good-rsa"), position: String(i + 1) }),
        c.cert.notAfter.getTime() / 1000,
        `position ${i + 1}`,
      );
    const leafSample = s1.samples.find(
      (s) =>
        s.name === METRIC_NAMES.notAfter &&
        s.labels.target === keyOf("good-rsa") &&
        s.labels.position === "1",
    )!;
    assert.equal(leafSample.labels.subject, r1.results[0].summary.chain[0].subject);
    // The incomplete chain: only its leaf was sent.
    assert.equal(
      s1.samples.filter((s) => s.name === METRIC_NAMES.notAfter && s.labels.target === keyOf("incomplete"))
        .length,
      1,
    );

    assert.equal(
      value(s1.samples, METRIC_NAMES.clientTrusted, { target: keyOf("good-rsa"), client: "salesforce" }),
      1,
    );
    assert.equal(
      value(s1.samples, METRIC_NAMES.clientTrusted, { target: keyOf("good-rsa"), client: "java" }),
      1,
    );
    assert.equal(
      value(s1.samples, METRIC_NAMES.clientTrusted, { target: keyOf("incomplete"), client: "salesforce" }),
      0,
    );
    assert.equal(
      value(s1.samples, METRIC_NAMES.clientTrusted, { target: keyOf("incomplete"), client: "java" }),
      0,
    );
    assert.equal(
      value(s1.samples, METRIC_NAMES.lastCheck, { target: keyOf("incomplete") }),
      Date.parse(r1.results[1].summary.checkedAt) / 1000,
    );
    assert.equal(value(s1.samples, METRIC_NAMES.checks, { result: "trusted" }), 2);
    assert.equal(value(s1.samples, METRIC_NAMES.checks, { result: "untrusted" }), 1);
    assert.equal(value(s1.samples, `${METRIC_NAMES.duration}_count`, {}), 3);
    assert.equal(value(s1.samples, `${METRIC_NAMES.duration}_bucket`, { le: "+Inf" }), 3);
    assert.ok((value(s1.samples, `${METRIC_NAMES.duration}_sum`, {}) ?? 0) > 0);
    assert.equal(
      value(s1.samples, METRIC_NAMES.alerts, { kind: "problem" }),
      1,
      "the incomplete chain's alert",
    );

    // The hostile subject: escaped by prom-client (the parse gives it back), capped, no injected sample.
    const hostile = s1.samples.find(
      (s) =>
        s.name === METRIC_NAMES.notAfter && s.labels.target === hostileKey() && s.labels.position === "1",
    );
    assert.ok(hostile, "the hostile target's leaf");
    const subject = r1.results[2].summary.chain[0].subject;
    // The subject as chainproof writes names (RFC 4514: `\"`, `\0A` for the newline): quotes and backslashes.
    assert.ok(subject.includes('"') && subject.includes("\\") && subject.length > MAX_LABEL_CHARS);
    assert.equal(hostile.labels.subject, labelValue(subject));
    assert.equal(hostile.labels.subject.length, MAX_LABEL_CHARS);
    assert.ok(hostile.labels.subject.endsWith("…"));
    assert.ok(hostile.labels.subject.includes('" } injected_metric 1'), "quotes survive, escaped");
    assert.equal(hostile.value, hostileChain[0].cert.notAfter.getTime() / 1000);
    assert.ok(!s1.samples.some((s) => s.name.startsWith("injected")), "no injected sample");
    assert.ok(!s1.text.split("\n").some((l) => l.startsWith("injected_metric")));

    const r2 = await runRound(o);
    handle.observeRound(r2);
    const s2 = await scrape(handle.url);
    assert.equal(value(s2.samples, METRIC_NAMES.checks, { result: "trusted" }), 4);
    assert.equal(value(s2.samples, METRIC_NAMES.checks, { result: "untrusted" }), 2);
    assert.equal(value(s2.samples, `${METRIC_NAMES.duration}_count`, {}), 6);
    assert.equal(
      value(s2.samples, METRIC_NAMES.alerts, { kind: "problem" }),
      1,
      "no new alert: nothing changed",
    );
    assert.equal(
      value(s2.samples, METRIC_NAMES.lastCheck, { target: keyOf("good-rsa") }),
      Date.parse(r2.results[0].summary.checkedAt) / 1000,
      "the gauges show the latest result",
    );
  });

  it("a target removed from the list is gone from the gauges; the others are seeded from the history", async () => {
    const shorter = parseTargetList(lineOf("good-rsa"));
    const again = await startMonitorMetrics(history, shorter, { host: "127.0.0.1", port: 0 });
    try {
      const s = await scrape(again.url);
      const targets = new Set(s.samples.map((x) => x.labels.target).filter(Boolean));
      assert.deepEqual([...targets], [keyOf("good-rsa")]);
      assert.equal(
        value(s.samples, METRIC_NAMES.clientTrusted, { target: keyOf("good-rsa"), client: "java" }),
        1,
      );
      assert.equal(
        value(s.samples, METRIC_NAMES.checks, { result: "trusted" }),
        0,
        "a new process counts anew",
      );
      // And on a running one.
      handle.metrics.retainTargets([keyOf("incomplete")]);
      const t = await scrape(handle.url);
      assert.deepEqual(
        [...new Set(t.samples.map((x) => x.labels.target).filter(Boolean))],
        [keyOf("incomplete")],
      );
      const other = await fetch(again.url.replace("/metrics", "/other"));
      assert.equal(other.status, 404);
      const post = await fetch(again.url, { method: "POST", body: "x" });
      assert.equal(post.status, 405);
    } finally {
      await again.close();
    }
  });
});

describe("chainproof monitor --metrics-port", () => {
  it("serves /metrics while it runs, then stops on SIGTERM (exit 0)", async () => {
    const list = join(dir, "cli.txt");
    writeFileSync(list, `${lineOf("good-rsa")}\n${lineOf("incomplete")}\n`);
    const child = spawn(
      process.execPath,
      [BIN, "monitor", "--targets", list, "--db", join(dir, "cli.db"), "--no-aia", "--metrics-port", "0"],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let err = "";
    child.stderr.on("data", (b: Buffer) => (err += b));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    try {
      let url: string | undefined;
      for (let i = 0; i < 400 && !url; i++) {
        url = /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(err)?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(url, `the metrics address on stderr: ${err}`);
      let samples: Sample[] = [];
      for (let i = 0; i < 400; i++) {
        samples = (await scrape(url)).samples;
        const done =
          (value(samples, METRIC_NAMES.checks, { result: "trusted" }) ?? 0) +
          (value(samples, METRIC_NAMES.checks, { result: "untrusted" }) ?? 0);
        if (done >= 2) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(
        value(samples, METRIC_NAMES.clientTrusted, { target: keyOf("good-rsa"), client: "salesforce" }),
        1,
      );
      assert.equal(
        value(samples, METRIC_NAMES.clientTrusted, { target: keyOf("incomplete"), client: "salesforce" }),
        0,
      );
      assert.equal(value(samples, METRIC_NAMES.alerts, { kind: "problem" }), 1);
      child.kill("SIGTERM");
      assert.equal(await exited, 0, err);
      await assert.rejects(fetch(url), "the metrics server is closed");
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("bad input: exit 2 with a specific message", async () => {
    const list = join(dir, "bad.txt");
    writeFileSync(list, `${lineOf("good-rsa")}\n`);
    const db = join(dir, "bad.db");
    const run = (extra: string[]) => runCli(["monitor", "--targets", list, "--db", db, "--no-aia", ...extra]);
    const port = await run(["--metrics-port", "99999"]);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--metrics-port "99999": give a port number/);
    const once = await run(["--metrics-port", "9", "--once"]);
    assert.equal(once.code, 2);
    assert.match(once.stderr, /--once exits after one round/);
    const host = await run(["--metrics-host", "127.0.0.1"]);
    assert.equal(host.code, 2);
    assert.match(host.stderr, /--metrics-host needs --metrics-port/);
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    try {
      const used = await run(["--metrics-port", String((busy.address() as net.AddressInfo).port)]);
      assert.equal(used.code, 2);
      assert.match(used.stderr, /is in use; choose another port/);
      assert.doesNotMatch(used.stderr, /\n\s+at /, "no stack trace");
    } finally {
      busy.close();
    }
  });
});
