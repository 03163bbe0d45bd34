/**
 * The monitor's pure parts on hand-built inputs: the target list syntax (a bad line is that line's error),
 * change detection between two result summaries (each kind of change, expiry thresholds 30/14/7/1), and the
 * alert lifecycle (one alert on a transition, a reminder after the interval, a resolved notice, an expiry
 * condition escalating, a change notice).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { conditionsOf, planAlerts } from "../src/monitor/alerts.js";
import { type Change, detectChanges } from "../src/monitor/changes.js";
import type { ChainEntry, ResultSummary } from "../src/monitor/summary.js";
import { parseTargetList } from "../src/monitor/targets.js";

const DAY = 86_400_000;
const T0 = new Date("2030-01-01T00:00:00Z");
const at = (days: number) => new Date(T0.getTime() + days * DAY);

function cert(position: number, sha: string, o: Partial<ChainEntry> = {}): ChainEntry {
  return {
    position,
    role: position === 1 ? "leaf" : "intermediate",
    sha256: sha.repeat(64).slice(0, 64),
    subject: `CN=cert ${sha}`,
    issuer: `CN=issuer of ${sha}`,
    notAfter: at(365).toISOString(),
    ...o,
  };
}

function summary(o: Partial<ResultSummary> = {}): ResultSummary {
  return {
    checkedAt: T0.toISOString(),
    status: "trusted",
    chain: [cert(1, "a", { issuer: "CN=Inter A" }), cert(2, "b", { subject: "CN=Inter A" })],
    root: { subject: "CN=Root R", sha256: "r".repeat(64) },
    clients: [
      { client: "salesforce", status: "trusted", code: null },
      { client: "java", status: "trusted", code: null },
    ],
    findings: [],
    distrust: [],
    tls: { protocol: "TLSv1.3", versions: null },
    error: null,
    ...o,
  };
}

const kinds = (cs: Change[]) => cs.map((c) => c.kind).sort();

describe("monitor target list", () => {
  it("reads the scan format with settings, and keeps bad lines as their own errors", () => {
    const list = parseTargetList(
      [
        "# fleet",
        "pay.example.com:8443  clients=java,go interval=15m store=mozilla label.team=payments",
        "127.0.0.1:4433 api.example.com   # a comment",
        "",
        "bad host name:99:99",
        "ok.example.com clients=netscape",
        "other.example.com interval=5x",
        "third.example.com colour=blue",
        "pay.example.com:8443",
      ].join("\n"),
    );
    assert.equal(list.targets.length, 2);
    const [pay, api] = list.targets;
    assert.equal(pay.key, "pay.example.com:8443");
    assert.deepEqual(pay.clients, ["java", "go"]);
    assert.equal(pay.intervalMs, 15 * 60_000);
    assert.equal(pay.store, "mozilla");
    assert.deepEqual(pay.labels, { team: "payments" });
    assert.equal(api.key, "127.0.0.1:4433 api.example.com");
    assert.equal(api.servername, "api.example.com");
    assert.deepEqual(
      list.invalid.map((i) => i.line),
      [5, 6, 7, 8, 9],
    );
    assert.match(list.invalid[1].error, /^line 6: unknown client "netscape"/);
    assert.match(list.invalid[2].error, /^line 7: interval=5x: give a duration/);
    assert.match(list.invalid[3].error, /^line 8: unknown setting "colour"/);
    assert.match(list.invalid[4].error, /already listed on line 2/);
  });
});

describe("change detection", () => {
  it("a first result is only that (and an expiry already close)", () => {
    assert.deepEqual(kinds(detectChanges(undefined, summary())), ["first-result"]);
    const soon = summary({ chain: [cert(1, "a", { notAfter: at(10).toISOString() })] });
    const cs = detectChanges(undefined, soon);
    assert.deepEqual(kinds(cs), ["expiry-threshold", "first-result"]);
    assert.equal(cs.find((c) => c.kind === "expiry-threshold")?.threshold, 14);
  });

  it("an identical result is no change", () => {
    assert.deepEqual(detectChanges(summary(), summary({ checkedAt: at(1).toISOString() })), []);
  });

  it("a dropped intermediate: chain changed, verdicts flipped, finding appeared", () => {
    const after = summary({
      status: "untrusted",
      chain: [cert(1, "a", { issuer: "CN=Inter A" })],
      root: null,
      clients: [
        { client: "salesforce", status: "untrusted", code: "incomplete-chain" },
        { client: "java", status: "trusted", code: null },
      ],
      findings: ["incomplete-chain"],
    });
    const cs = detectChanges(summary(), after);
    assert.deepEqual(kinds(cs), ["chain-changed", "finding-appeared", "verdict-flipped"]);
    const flip = cs.find((c) => c.kind === "verdict-flipped");
    assert.equal(flip?.subject, "salesforce");
    assert.equal(flip?.before, "trusted");
    assert.equal(flip?.after, "untrusted (incomplete-chain)");
    assert.match(
      cs.find((c) => c.kind === "chain-changed")!.message,
      /\(2 → 1 certificates\): removed #2 CN=Inter A/,
    );
    // And back: the finding clears, the verdict flips back.
    assert.deepEqual(kinds(detectChanges(after, summary())), [
      "chain-changed",
      "finding-cleared",
      "verdict-flipped",
    ]);
  });

  it("a new issuer and root", () => {
    const after = summary({
      chain: [cert(1, "c", { issuer: "CN=Inter B" }), cert(2, "d", { subject: "CN=Inter B" })],
      root: { subject: "CN=Root S", sha256: "s".repeat(64) },
    });
    assert.deepEqual(kinds(detectChanges(summary(), after)), [
      "chain-changed",
      "issuer-changed",
      "root-changed",
    ]);
  });

  it("TLS versions; a failure and a recovery", () => {
    const tls12 = summary({ tls: { protocol: "TLSv1.2", versions: null } });
    assert.deepEqual(kinds(detectChanges(summary(), tls12)), ["tls-changed"]);
    const down = summary({ status: "failed", chain: [], root: null, error: "connection refused" });
    assert.deepEqual(kinds(detectChanges(summary(), down)), ["check-failed"]);
    assert.deepEqual(detectChanges(down, { ...down, checkedAt: at(1).toISOString() }), []);
    assert.deepEqual(kinds(detectChanges(down, summary())), ["check-recovered"]);
  });

  it("a distrust rule newly applying, once", () => {
    const d = summary({ distrust: ["distrusted-ca: Symantec after 2017-12-01"] });
    const cs = detectChanges(summary(), d);
    assert.deepEqual(kinds(cs), ["distrust-applies"]);
    assert.deepEqual(detectChanges(d, d), []);
  });

  it("expiry: the leaf and an intermediate crossing 30, 14, 7 and 1 days, each once", () => {
    const chain = [
      cert(1, "a", { notAfter: at(100).toISOString() }),
      cert(2, "b", { notAfter: at(40).toISOString() }),
    ];
    const s = (day: number) => summary({ chain, checkedAt: at(day).toISOString() });
    const crossed = (from: number, to: number) =>
      detectChanges(s(from), s(to))
        .filter((c) => c.kind === "expiry-threshold")
        .map((c) => `${c.subject}@${c.threshold}`);
    assert.deepEqual(crossed(0, 9), []); // the intermediate has 31 days left
    assert.deepEqual(crossed(9, 10), ["2@30"]);
    assert.deepEqual(crossed(10, 11), []);
    assert.deepEqual(crossed(11, 26), ["2@14"]);
    assert.deepEqual(crossed(26, 33), ["2@7"]);
    // Straight past two thresholds: the lower one only.
    assert.deepEqual(crossed(20, 39), ["2@1"]);
    assert.deepEqual(crossed(60, 71), ["1@30"]);
  });
});

describe("alert lifecycle", () => {
  const target = "t.example:443";
  const broken = summary({
    status: "untrusted",
    clients: [{ client: "salesforce", status: "untrusted", code: "incomplete-chain" }],
  });

  it("one alert when it breaks, none while it stays, a reminder after the interval, resolved when it clears", () => {
    const hour = 3_600_000;
    const p1 = planAlerts(target, [], conditionsOf(broken), [], at(0), 6 * hour);
    assert.deepEqual(
      p1.alerts.map((a) => [a.kind, a.conditions]),
      [["problem", ["untrusted:salesforce"]]],
    );
    const states = p1.upsert;
    const p2 = planAlerts(
      target,
      states,
      conditionsOf(broken),
      [],
      new Date(T0.getTime() + 5 * hour),
      6 * hour,
    );
    assert.deepEqual(p2.alerts, []);
    assert.deepEqual(p2.upsert, []);
    const p3 = planAlerts(
      target,
      states,
      conditionsOf(broken),
      [],
      new Date(T0.getTime() + 6 * hour),
      6 * hour,
    );
    assert.deepEqual(
      p3.alerts.map((a) => a.kind),
      ["reminder"],
    );
    assert.equal(p3.upsert[0].since, T0.toISOString());
    const p4 = planAlerts(target, p3.upsert, conditionsOf(summary()), [], at(1), 6 * hour);
    assert.deepEqual(
      p4.alerts.map((a) => [a.kind, a.conditions]),
      [["resolved", ["untrusted:salesforce"]]],
    );
    assert.deepEqual(p4.clear, ["untrusted:salesforce"]);
  });

  it("conditions that break together make one alert; one clearing of two resolves only it", () => {
    const both = summary({
      status: "untrusted",
      clients: [
        { client: "salesforce", status: "untrusted", code: "incomplete-chain" },
        { client: "java", status: "untrusted", code: "incomplete-chain" },
        { client: "chrome", status: "depends", code: "incomplete-chain" },
      ],
    });
    const p1 = planAlerts(target, [], conditionsOf(both), [], at(0));
    assert.deepEqual(
      p1.alerts.map((a) => [a.kind, a.conditions]),
      [["problem", ["untrusted:salesforce", "untrusted:java"]]],
    );
    assert.match(
      p1.alerts[0].title,
      /salesforce does not trust the endpoint \(incomplete-chain\) \(and 1 more\)$/,
    );
    const javaFixed = summary({
      status: "untrusted",
      clients: [{ client: "salesforce", status: "untrusted", code: "incomplete-chain" }],
    });
    const p2 = planAlerts(target, p1.upsert, conditionsOf(javaFixed), [], at(0.1));
    assert.deepEqual(
      p2.alerts.map((a) => [a.kind, a.conditions]),
      [["resolved", ["untrusted:java"]]],
    );
  });

  it("an expiry condition alerts again when it crosses a lower threshold", () => {
    const chain = [cert(1, "a", { notAfter: at(40).toISOString() })];
    const s = (day: number) => summary({ chain, checkedAt: at(day).toISOString() });
    const p1 = planAlerts(target, [], conditionsOf(s(15)), [], at(15));
    assert.deepEqual(
      p1.alerts.map((a) => [a.kind, a.severity]),
      [["problem", "warning"]],
    );
    assert.equal(p1.upsert[0].level, 30);
    const p2 = planAlerts(target, p1.upsert, conditionsOf(s(16)), [], at(16), 7 * DAY);
    assert.deepEqual(p2.alerts, []);
    const p3 = planAlerts(target, p1.upsert, conditionsOf(s(34)), [], at(34), 7 * DAY);
    assert.deepEqual(
      p3.alerts.map((a) => [a.kind, a.severity]),
      [["problem", "critical"]],
    );
    assert.equal(p3.upsert[0].level, 7);
  });

  it("a chain change with nothing broken gives one change notice", () => {
    const after = summary({ chain: [cert(1, "c"), cert(2, "b")] });
    const changes = detectChanges(summary(), after);
    const p = planAlerts(target, [], conditionsOf(after), changes, at(0));
    assert.deepEqual(
      p.alerts.map((a) => a.kind),
      ["change"],
    );
    assert.match(p.alerts[0].title, /the chain sent changed/);
  });
});
