/**
 * The scan's verdict cache across names (src/net/scan.ts forAnotherName): targets served one chain share a
 * verdict when the leaf names each of them alike (a wildcard or a multi-name certificate behind a fleet), and
 * only then. Every check compares with the same targets scanned with the cache off: the summaries, and the
 * whole client matrix of each target, are the same whichever way, and a target the chain does not name (or
 * names only by its CN) gets its own verdict, quoting its own name.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ClientMatrix } from "../src/clients/evaluate.js";
import { CLIENT_IDS, type ClientId } from "../src/clients/index.js";
import {
  type CheckOptions,
  checkEndpoint,
  LruCache,
  type ScanSummary,
  scanTargets,
  type VerdictCache,
} from "../src/net/scan.js";
import { storeFromBytes, type TrustStore } from "../src/trust/store.js";
import { issue, makeKey, type Running, startTlsServer, type TestCert } from "./helpers/tls-server.js";

const TIME = new Date();
/** No distrust rules, no preloaded intermediates: one array for every check, as in a scan. */
const NONE: never[] = [];

let root: TestCert;
let intermediate: TestCert;
let wildcard: Running;
let cnOnly: Running;
let ips: Running;
/** One store for every check, as in a scan (the cache is keyed by the store object). */
let store: TrustStore;

before(async () => {
  root = issue({ cn: "Fleet Root", ca: true });
  intermediate = issue({ cn: "Fleet Intermediate", ca: true, issuer: root });
  store = storeFromBytes("custom", Buffer.from(root.pem), { source: "test root" });
  const key = makeKey("ec");
  const leaf = (cn: string, dns: string[], addresses: string[] = []) =>
    issue({ cn, key, issuer: intermediate, dns, ips: addresses });
  wildcard = await startTlsServer({
    chain: [leaf("*.fleet.test", ["*.fleet.test", "fleet.test"]), intermediate],
  });
  cnOnly = await startTlsServer({ chain: [leaf("*.cn.test", []), intermediate] });
  ips = await startTlsServer({
    chain: [leaf("fleet addresses", [], ["127.0.0.1", "127.0.0.2"]), intermediate],
  });
});

after(async () => {
  await Promise.all([wildcard, cnOnly, ips].map((s) => s?.close()));
});

function options(clients: readonly ClientId[]): Omit<CheckOptions, "cache"> {
  return {
    clients,
    stores: store,
    distrustRules: NONE,
    preloaded: NONE,
    aia: false,
    time: TIME,
    timeoutMs: 5_000,
  };
}

/** A verdict cache that counts the verdicts made: the scan stores each under its chain and name. */
class WatchedCache implements VerdictCache {
  private lru = new LruCache<ClientMatrix>(100);
  judged = 0;
  get(key: string): ClientMatrix | undefined {
    return this.lru.get(key);
  }
  set(key: string, m: ClientMatrix): void {
    if (!key.endsWith("|*")) this.judged++;
    this.lru.set(key, m);
  }
}

/**
 * Check each `host` (the name sent and checked; connecting to `connectTo`, default 127.0.0.1) in turn with
 * one cache, and each again with none: the matrices with the cache, and those without.
 */
async function bothWays(
  server: Running,
  hosts: string[],
  clients: readonly ClientId[] = CLIENT_IDS,
): Promise<{ cached: ClientMatrix[]; fresh: ClientMatrix[]; cache: WatchedCache }> {
  const cache = new WatchedCache();
  const target = (host: string) => ({ host, port: server.port, connectTo: server.host });
  const cached: ClientMatrix[] = [];
  for (const host of hosts)
    cached.push((await checkEndpoint(target(host), { ...options(clients), cache })).matrix);
  const fresh: ClientMatrix[] = [];
  for (const host of hosts) fresh.push((await checkEndpoint(target(host), options(clients))).matrix);
  return { cached, fresh, cache };
}

describe("scan verdict cache: one chain, many names", () => {
  it("two names a wildcard certificate covers share one verdict, identical to judging each afresh", async () => {
    const hosts = ["a.fleet.test", "b.fleet.test", "fleet.test"];
    const { cached, fresh, cache } = await bothWays(wildcard, hosts);
    // a's verdict serves b; fleet.test is matched by a DNS name too (another, but the same route), so it is served.
    assert.equal(cache.judged, 1);
    for (let i = 0; i < hosts.length; i++) {
      assert.deepEqual(cached[i], fresh[i], hosts[i]);
      assert.deepEqual(cached[i].peer, { kind: "dns", value: hosts[i] });
    }
    assert.ok(fresh[0].trusted, JSON.stringify(fresh[0].findings));
  });

  it("a scan's summaries are the same with the cache on and off, and the same for every name but the target", async () => {
    const lines = ["a.fleet.test", "b.fleet.test", "c.fleet.test"].map((h, i) => ({
      line: i + 1,
      text: `127.0.0.1:${wildcard.port} ${h}`,
    }));
    const scan = async (cacheSize?: number) => {
      const got: ScanSummary[] = [];
      const o = { ...options(CLIENT_IDS), concurrency: 1, ...(cacheSize === undefined ? {} : { cacheSize }) };
      await scanTargets(lines, o, (s) => {
        got.push(s);
      });
      return got.sort((x, y) => x.index - y.index).map(({ ms: _ms, ...rest }) => rest);
    };
    const on = await scan();
    const off = await scan(0);
    assert.deepEqual(on, off);
    const apartFromTarget = on.map(({ index: _i, line: _l, target: _t, servername: _s, ...rest }) =>
      JSON.stringify(rest),
    );
    assert.equal(new Set(apartFromTarget).size, 1, apartFromTarget.join("\n"));
    assert.equal(on[0].status, "trusted");
  });

  it("a name the chain does not cover gets its own mismatch verdict, naming it", async () => {
    const { cached, fresh, cache } = await bothWays(wildcard, [
      "a.fleet.test",
      "a.b.fleet.test",
      "other.test",
    ]);
    assert.equal(cache.judged, 3);
    assert.deepEqual(cached, fresh);
    for (const [i, host] of [
      [1, "a.b.fleet.test"],
      [2, "other.test"],
    ] as const) {
      assert.equal(cached[i].trusted, false);
      const go = cached[i].clients.find((v) => v.client === "go");
      assert.equal(go?.reason?.code, "hostname-mismatch");
      assert.match(go?.error?.text ?? "", new RegExp(`not ${host.replace(/\./g, "\\.")}$`));
      assert.ok(cached[i].findings.some((f) => f.code === "hostname-mismatch" && f.message.includes(host)));
    }
  });

  it("a CN-only certificate: each name judged on its own, CN-fallback clients and the others alike", async () => {
    const hosts = ["x.cn.test", "y.cn.test"];
    for (const clients of [["java"], ["go"], ["java", "go", "openssl", "chrome"]] as ClientId[][]) {
      const { cached, fresh, cache } = await bothWays(cnOnly, hosts, clients);
      assert.equal(cache.judged, 2, clients.join(","));
      assert.deepEqual(cached, fresh, clients.join(","));
      for (let i = 0; i < hosts.length; i++) {
        const byClient = new Map(cached[i].clients.map((v) => [v.client, v]));
        // Java reads the CN when the leaf has no DNS name; Go and Chrome never do.
        if (byClient.has("java")) assert.equal(byClient.get("java")?.trusted, true, hosts[i]);
        if (byClient.has("go")) assert.equal(byClient.get("go")?.trusted, false, hosts[i]);
        // The finding that says so names the host checked.
        const cnFinding = cached[i].findings.find((f) => f.code === "hostname-cn-only");
        assert.ok(cnFinding?.message.includes(hosts[i]), JSON.stringify(cached[i].findings));
      }
    }
  });

  it("IP address targets: addresses the leaf lists share a verdict, another gets its own", async () => {
    const hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"];
    const { cached, fresh, cache } = await bothWays(ips, hosts);
    assert.equal(cache.judged, 2);
    assert.deepEqual(cached, fresh);
    assert.deepEqual(
      cached.map((m) => [m.peer?.kind, m.peer?.value]),
      hosts.map((h) => ["ip", h]),
    );
    const go = cached[2].clients.find((v) => v.client === "go");
    assert.equal(go?.reason?.code, "hostname-mismatch");
    assert.match(go?.error?.text ?? "", /not 127\.0\.0\.3$/);
    assert.equal(cached[1].clients.find((v) => v.client === "go")?.trusted, true);
  });
});
