/**
 * The `java` and `salesforce` profiles against real Java: test/java/ChainCheck.java runs an in-memory TLS
 * handshake with the JDK's own PKIX trust manager and HTTPS endpoint identification, for every situation
 * of test/helpers/clients-pki.ts. Our verdict must agree with Java's on each, and when Java refuses, our
 * predicted error text must be exactly Java's message. Salesforce must agree with Java except where its
 * published rules differ (self-signed targets, intermediates in the trust list).
 *
 * Runs with the JDK on the PATH (17 here); with Temurin 25 too when installed (its messages carry a
 * "(certificate_unknown) " alert prefix, which is compared without).
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { evaluateClients } from "../src/clients/index.js";
import { storeFromBytes } from "../src/trust/store.js";
import { days, HOST, issue, makePki, type Situation, situations } from "./helpers/clients-pki.js";

const javac = spawnSync("javac", ["-version"], { encoding: "utf8" }).status === 0;
const SOURCE = fileURLToPath(new URL("../../test/java/ChainCheck.java", import.meta.url));
const JDK25 = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java";

interface Case {
  s: Situation;
  dir: string;
}

describe("java and salesforce profiles agree with real Java", { skip: !javac && "javac not found" }, () => {
  let tmp = "";
  const cases: Case[] = [];
  const results = new Map<string, Map<string, string>>();

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), "chainproof-java-"));
    const classes = join(tmp, "classes");
    const c = spawnSync("javac", ["-d", classes, SOURCE], { encoding: "utf8" });
    assert.equal(c.status, 0, c.stderr);

    // Every situation, plus a leaf under a root with a (real-world) distrust rule Java does not know about
    // for this test root: both must trust it.
    const distrust = makePki("Distrust");
    const all: Situation[] = [
      ...situations(),
      {
        name: "leaf after a distrust date of another root",
        trust: [distrust.root],
        chain: [
          issue({
            cn: HOST,
            dns: [HOST],
            issuer: distrust.intermediate,
            notBefore: days(-1),
            scts: [days(-1)],
          }),
          distrust.intermediate,
        ],
        host: HOST,
        expect: {},
        codes: [],
      },
    ];
    all.forEach((s, i) => {
      const dir = join(tmp, `case${String(i).padStart(2, "0")}`);
      mkdirSync(join(dir, "trust"), { recursive: true });
      for (const [j, t] of s.trust.entries()) writeFileSync(join(dir, "trust", `${j}.pem`), t.pem);
      writeFileSync(join(dir, "chain.pem"), s.chain.map((x) => x.pem).join(""));
      writeFileSync(join(dir, "key.pem"), s.chain[0].key.keyPem);
      writeFileSync(join(dir, "host"), s.host);
      cases.push({ s, dir });
    });
    for (const [label, java] of [["17", "java"], ...(existsSync(JDK25) ? [["25", JDK25]] : [])]) {
      const r = spawnSync(java, ["-cp", classes, "ChainCheck", ...cases.map((x) => x.dir)], {
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stderr);
      const out = new Map<string, string>();
      for (const line of r.stdout.trim().split("\n")) {
        const [name, ...rest] = line.split("\t");
        out.set(name, rest.join("\t"));
      }
      results.set(label, out);
    }
  });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("Java's verdict and message, situation by situation", () => {
    const disagreements: string[] = [];
    let compared = 0;
    for (const [jdk, out] of results) {
      for (const { s, dir } of cases) {
        const oracle = out.get(dir.split("/").pop()!);
        assert.ok(oracle, `${s.name}: no oracle result`);
        const javaOk = oracle === "OK";
        const javaMessage = javaOk ? undefined : oracle.replace(/^FAIL\t/, "").replace(/^\([a-z_]+\) /, "");
        const m = evaluateClients({
          leaf: s.chain[0].cert,
          presented: s.chain.map((c) => c.cert),
          clients: ["java", "salesforce"],
          stores: storeFromBytes("custom", Buffer.from(s.trust.map((t) => t.pem).join("")), {
            source: "trust.pem",
          }),
          host: s.host,
        });
        const [java, sf] = m.clients;
        compared++;
        if (java.trusted !== javaOk)
          disagreements.push(`JDK ${jdk} ${s.name}: Java ${oracle}, ours ${java.status}`);
        else if (!javaOk && jdk === "17" && java.error?.text !== javaMessage) {
          disagreements.push(
            `JDK 17 ${s.name}: Java says "${javaMessage}", we predict "${java.error?.text}"`,
          );
        }
        // Salesforce = Java, except for its own published rules.
        const salesforceOwnRule = s.chain[0].cert.selfSigned || s.trust.some((t) => !t.cert.selfSigned);
        if (salesforceOwnRule) {
          if (sf.trusted) disagreements.push(`${s.name}: Salesforce should refuse (its own rule)`);
        } else if (sf.trusted !== javaOk) {
          disagreements.push(`JDK ${jdk} ${s.name}: Java ${oracle}, Salesforce ${sf.status}`);
        } else if (!javaOk && jdk === "17" && !sf.error?.text.endsWith(`: ${javaMessage}`)) {
          disagreements.push(
            `${s.name}: Salesforce text "${sf.error?.text}" does not end with Java's "${javaMessage}"`,
          );
        }
      }
    }
    assert.deepEqual(disagreements, []);
    assert.ok(compared >= 20);
  });

  it("the oracle itself sees the situations that matter (sanity)", () => {
    const out = results.get("17")!;
    const get = (name: string) =>
      out.get(
        cases
          .find((c) => c.s.name === name)!
          .dir.split("/")
          .pop()!,
      );
    assert.equal(get("complete chain"), "OK");
    assert.match(get("missing intermediate") ?? "", /^FAIL\tPKIX path building failed/);
    assert.equal(get("CN-only certificate"), "OK");
    assert.equal(get("intermediate in the trust list"), "OK");
    assert.equal(get("SHA-1 signatures"), "OK");
  });
});
