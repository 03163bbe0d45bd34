/**
 * The scan engine (src/net/scan.ts): the list format, line reading, bounded read-ahead and concurrency,
 * the verdict cache, and fast mode agreeing with full mode on every lab endpoint.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CLIENT_IDS } from "../src/clients/index.js";
import { actualVerdict, type Lab, labCheckOptions, startLab } from "../src/lab/index.js";
import {
  checkEndpoint,
  LruCache,
  parseTargetLine,
  readLines,
  type ScanItem,
  scanTargets,
} from "../src/net/scan.js";
import type { TrustStore } from "../src/trust/store.js";

describe("scan list: one target per line", () => {
  it("host[:port] [sni], CSV host,port,sni, comments and blanks", () => {
    assert.deepEqual(parseTargetLine("example.com", 1), {
      line: 1,
      text: "example.com",
      host: "example.com",
      port: 443,
    });
    assert.deepEqual(parseTargetLine("  10.0.0.1:8443 api.example.com  # note", 2), {
      line: 2,
      text: "10.0.0.1:8443 api.example.com",
      host: "10.0.0.1",
      port: 8443,
      servername: "api.example.com",
    });
    assert.deepEqual(parseTargetLine("[2001:db8::1]:8443", 3), {
      line: 3,
      text: "[2001:db8::1]:8443",
      host: "2001:db8::1",
      port: 8443,
    });
    assert.deepEqual(parseTargetLine("10.0.0.2,8443,API.Example.com", 4), {
      line: 4,
      text: "10.0.0.2,8443,API.Example.com",
      host: "10.0.0.2",
      port: 8443,
      servername: "api.example.com",
    });
    assert.deepEqual(parseTargetLine("2001:db8::2,444,", 5)?.host, "2001:db8::2");
    assert.equal(parseTargetLine("example.org,,", 6)?.port, 443);
    assert.equal(parseTargetLine("https://example.net/path", 7)?.port, 443);
    assert.equal(parseTargetLine("host,port,sni", 1), null, "a CSV header on line 1");
    assert.equal(parseTargetLine("# comment", 8), null);
    assert.equal(parseTargetLine("   ", 9), null);
    assert.equal(parseTargetLine("\uFEFFexample.com", 1)?.host, "example.com");
  });

  it("refuses lines that name no usable target, saying which line", () => {
    for (const [text, why] of [
      ["a b c", /line 4: expected host\[:port\] \[sni\]/],
      ["a,1,b,c", /line 4: expected host,port,sni; got 4 columns/],
      ["example.com:0", /line 4: .*port 0 is not between 1 and 65535/],
      ["example.com:http", /line 4: .*is not a number/],
      ["1.2.3.4 5.6.7.8", /line 4: SNI "5\.6\.7\.8" is an IP address/],
      ["example.com bad_sni!", /line 4: /],
    ] as const)
      assert.throws(() => parseTargetLine(text, 4), why, text);
  });

  it("reads lines from chunks: CRLF, a last line without a newline, splits anywhere", async () => {
    async function* chunks() {
      yield Buffer.from("a.example\r\nb.exa");
      yield "mple:8443\n\n";
      yield Buffer.from("c.example");
    }
    const got: { line: number; text: string }[] = [];
    for await (const l of readLines(chunks())) got.push(l);
    assert.deepEqual(got, [
      { line: 1, text: "a.example" },
      { line: 2, text: "b.example:8443" },
      { line: 3, text: "" },
      { line: 4, text: "c.example" },
    ]);
  });

  it("refuses a line longer than the limit instead of buffering it", async () => {
    async function* chunks() {
      for (let i = 0; i < 10; i++) yield Buffer.alloc(4096, 0x61);
    }
    await assert.rejects(async () => {
      for await (const _ of readLines(chunks())) {
      }
    }, /line 1: longer than 8192 bytes/);
  });

  it("an LRU cache keeps the most recent entries", () => {
    const c = new LruCache<number>(2);
    c.set("a", 1);
    c.set("b", 2);
    assert.equal(c.get("a"), 1);
    c.set("c", 3);
    assert.equal(c.get("b"), undefined);
    assert.equal(c.get("a"), 1);
    assert.equal(c.size, 2);
  });
});

describe("scanTargets: streaming and bounded", () => {
  it("reads the list only as slots free up, never more than `concurrency` in flight", async () => {
    let pulled = 0;
    let done = 0;
    let maxAhead = 0;
    async function* items(): AsyncGenerator<ScanItem> {
      for (let i = 0; i < 200; i++) {
        pulled++;
        maxAhead = Math.max(maxAhead, pulled - done);
        // Port 1 on loopback: refused at once, so the test is quick.
        yield { line: i + 1, text: i % 10 === 0 ? "# comment" : "127.0.0.1:1" };
      }
    }
    const counts = await scanTargets(
      items(),
      { clients: ["salesforce"], concurrency: 8, timeoutMs: 2000 },
      () => {
        done++;
      },
    );
    assert.equal(counts.failed, 180);
    assert.ok(maxAhead <= 8 + 2 + 20, `read ${maxAhead} ahead`); // comments do not take a slot
  });
});

describe("scanTargets: the verdict cache", () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab();
  });
  after(async () => {
    await lab?.close();
  });

  it("is keyed by the store too: the same chain and name judged against another store is judged again", async () => {
    const e = lab.endpoints.find((x) => x.spec.name === "good-ecdsa");
    assert.ok(e);
    const empty: TrustStore = { ...lab.store, id: "custom", name: "empty", anchors: [] };
    const got: { line: number; status: string; code?: string }[] = [];
    const line = `${e.host}:${e.port}`;
    const prepared = await scanTargets(
      [1, 2].map((n) => ({ line: n, text: line })),
      {
        ...labCheckOptions(lab, ["java"]),
        concurrency: 1,
        prepare: async (t) => ({
          target: { host: t.host, port: t.port, connectTo: lab.address },
          options: t.line === 2 ? { stores: empty } : {},
        }),
      },
      (s) => {
        got.push({ line: s.line, status: s.status, code: s.clients[0]?.code });
      },
    );
    assert.equal(prepared.trusted, 1);
    assert.equal(prepared.untrusted, 1);
    assert.deepEqual(got, [
      { line: 1, status: "trusted", code: undefined },
      { line: 2, status: "untrusted", code: "unknown-issuer" },
    ]);
  });
});

describe("fast mode agrees with full mode on every lab endpoint", () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab();
  });
  after(async () => {
    await lab?.close();
  });

  it("same verdict and refusal code for every client", async () => {
    for (const e of lab.endpoints) {
      const target = { host: e.host, port: e.port, connectTo: lab.address };
      const o = labCheckOptions(lab, CLIENT_IDS);
      const full = await checkEndpoint(target, o);
      const fast = await checkEndpoint(target, { ...o, mode: "fast" });
      assert.deepEqual(
        fast.matrix.clients.map(actualVerdict),
        full.matrix.clients.map(actualVerdict),
        e.spec.name,
      );
      // The lab's servers speak TLS 1.2, so fast mode reads them itself, except the TLS 1.0/1.1 one.
      assert.equal(fast.handshake.mode, e.spec.name === "tls10" ? "full" : "fast", e.spec.name);
      assert.deepEqual(
        fast.certificates.map((c) => c.sha256),
        full.certificates.map((c) => c.sha256),
        e.spec.name,
      );
    }
  });
});
