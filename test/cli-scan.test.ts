/**
 * `chainproof scan` end to end: the built CLI over a list of lab endpoints (started here on 127.0.0.1),
 * in every output format; input from a file and from stdin; exit status by the worst result; the progress
 * bar on a terminal.
 */

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { writeLabFiles } from "../src/cli/commands/lab.js";
import { type Lab, startLab } from "../src/lab/index.js";
import { parseTargetLine } from "../src/net/scan.js";
import { havePty, runCli, runCliInPty } from "./helpers/cli.js";
import { tempDir } from "./helpers/openssl.js";
import { startFakeStarttls } from "./helpers/starttls-servers.js";
import { makePki } from "./helpers/tls-server.js";

let lab: Lab;
let roots = "";
let tmp: { dir: string; cleanup: () => void };
let list = "";
let good = "";

const port = (name: string) => lab.endpoints.find((e) => e.spec.name === name)!.port;

before(async () => {
  lab = await startLab({ only: ["good-rsa", "good-ecdsa", "incomplete", "expired", "tls10"] });
  tmp = tempDir("chainproof-scan-");
  roots = writeLabFiles(lab, tmp.dir).roots;
  list = join(tmp.dir, "list.txt");
  writeFileSync(
    list,
    [
      "# lab endpoints",
      `127.0.0.1:${port("good-rsa")} good-rsa.lab.chainproof.test`,
      "",
      `127.0.0.1,${port("incomplete")},incomplete.lab.chainproof.test`,
      `127.0.0.1:${port("expired")} expired.lab.chainproof.test   # expired yesterday`,
      `127.0.0.1:${port("tls10")} tls10.lab.chainproof.test`,
      "127.0.0.1:1",
      `127.0.0.1:${port("good-ecdsa")} good-ecdsa.lab.chainproof.test`,
    ].join("\r\n"),
  );
  good = join(tmp.dir, "good.csv");
  writeFileSync(
    good,
    `host,port,sni\n127.0.0.1,${port("good-rsa")},good-rsa.lab.chainproof.test\n127.0.0.1,${port("good-ecdsa")},good-ecdsa.lab.chainproof.test\n`,
  );
});
after(async () => {
  await lab?.close();
  tmp?.cleanup();
});

const scan = (...args: string[]) =>
  runCli(["scan", ...args, "--roots", roots, "--timeout", "3"], { env: { NO_COLOR: "1" } });

describe("chainproof scan", () => {
  it("a table in list order, a summary line, exit 1 for an untrusted or failed target", async () => {
    const r = await scan(list);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines.length, 8);
    // Each row: mark, target, protocol, the lints of the certificates sent ("1E 2W 0N"), then the reason.
    const L = String.raw`\d+E \d+W \d+N`;
    assert.match(
      lines[0],
      new RegExp(`^✓ 127\\.0\\.0\\.1:\\d+ good-rsa\\.lab\\.chainproof\\.test +TLSv1\\.3 +${L} +trusted$`),
    );
    assert.match(
      lines[1],
      new RegExp(
        `^✗ 127\\.0\\.0\\.1,\\d+,incomplete\\.lab\\.chainproof\\.test +TLSv1\\.3 +${L} +incomplete-chain$`,
      ),
    );
    assert.match(lines[2], /^✗ .*expired$/);
    assert.match(lines[3], new RegExp(`^✗ .*TLSv1\\.1 +${L} +tls-version-too-old$`));
    assert.match(lines[4], /^! 127\.0\.0\.1:1 +connection-failed; connection refused$/);
    assert.match(lines[5], /^✓ .*good-ecdsa/);
    assert.match(
      lines[6],
      /^6 targets in [\d.]+ s: 2 trusted, 3 not trusted, 1 failed \(clients: Salesforce\)$/,
    );
    assert.match(lines[7], /^Lints of the certificates sent: E errors, W warnings, N notices/);
  });

  it("all trusted: exit 0; a CSV with a header; --client all", async () => {
    const r = await scan(good, "--client", "all");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^2 targets in .* 2 trusted, 0 not trusted, 0 failed \(clients: Salesforce, Java, OpenSSL, curl, Go, Node\.js, Chrome, Firefox\)$/m,
    );
  });

  it("more targets at once than node's default listener limit: stderr stays clean", async () => {
    // 24 targets run together share the scan's abort signal; node warned (MaxListenersExceededWarning) past 10.
    const many = join(tmp.dir, "many.txt");
    const line = `127.0.0.1:${port("good-rsa")} good-rsa.lab.chainproof.test`;
    writeFileSync(many, `${Array.from({ length: 24 }, () => line).join("\n")}\n`);
    const r = await scan(many);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^24 targets in .* 24 trusted, 0 not trusted, 0 failed/m);
    assert.equal(r.stderr, "");
  });

  it("--json: one document, results in list order with line numbers and per-client codes", async () => {
    const r = await scan(list, "--json", "--client", "salesforce,chrome");
    assert.equal(r.code, 1);
    const j = JSON.parse(r.stdout);
    assert.equal(j.schema, "chainproof/scan");
    assert.deepEqual(j.counts, { trusted: 2, untrusted: 3, failed: 1, invalid: 0 });
    assert.deepEqual(
      j.results.map((x: { line: number }) => x.line),
      [2, 4, 5, 6, 7, 8],
    );
    const inc = j.results[1];
    assert.equal(inc.servername, "incomplete.lab.chainproof.test");
    assert.deepEqual(inc.clients, [
      { client: "salesforce", status: "untrusted", code: "incomplete-chain", error: inc.clients[0].error },
      { client: "chrome", status: "depends", code: "incomplete-chain", error: inc.clients[1].error },
    ]);
    assert.match(inc.clients[0].error, /^System\.CalloutException/);
    assert.equal(inc.leaf.subject, "CN=incomplete.lab.chainproof.test");
  });

  it("--ndjson streams one line per target; bad lines are results too, and exit 2", async () => {
    const bad = join(tmp.dir, "bad.txt");
    writeFileSync(
      bad,
      `127.0.0.1:${port("good-rsa")} good-rsa.lab.chainproof.test\nnot a target at all\n127.0.0.1:99999\n`,
    );
    const r = await scan(bad, "--ndjson");
    assert.equal(r.code, 2);
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(rows.length, 3);
    const byLine = new Map(rows.map((x) => [x.line, x]));
    assert.equal(byLine.get(1).status, "trusted");
    assert.equal(byLine.get(2).status, "invalid");
    assert.match(byLine.get(2).failure, /line 2: expected host\[:port\] \[sni\]/);
    assert.match(byLine.get(3).failure, /port 99999 is not between 1 and 65535/);
  });

  it("reads the list from stdin", async () => {
    const r = await runCli(["scan", "-", "--roots", roots, "--json"], {
      input: `127.0.0.1:${port("good-ecdsa")} good-ecdsa.lab.chainproof.test\n`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).counts.trusted, 1);
  });

  it("--junit: a test case per target, failures and errors counted", async () => {
    const r = await scan(list, "--junit");
    assert.match(
      r.stdout,
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="chainproof scan" tests="6" failures="3" errors="1"/,
    );
    assert.equal((r.stdout.match(/<testcase /g) ?? []).length, 6);
    assert.match(r.stdout, /<failure type="incomplete-chain" message="The chain is incomplete/);
    assert.match(r.stdout, /<error type="connection-failed" message="connection refused"\/>/);
    assert.doesNotMatch(r.stdout, /[\u0000-\u0008]/);
  });

  it("--sarif: SARIF 2.1.0, a result per finding located at its line of the list", async () => {
    const r = await scan(list, "--sarif");
    const s = JSON.parse(r.stdout);
    assert.equal(s.version, "2.1.0");
    const run = s.runs[0];
    assert.equal(run.tool.driver.name, "chainproof");
    const inc = run.results.find((x: { ruleId: string }) => x.ruleId === "incomplete-chain");
    assert.equal(inc.level, "error");
    assert.equal(inc.locations[0].physicalLocation.artifactLocation.uri, list);
    assert.equal(inc.locations[0].physicalLocation.region.startLine, 4);
    assert.ok(run.tool.driver.rules.some((x: { id: string }) => x.id === "tls-version-too-old"));
  });

  it("--fast gives the same verdicts", async () => {
    const full = JSON.parse((await scan(list, "--json", "--client", "all")).stdout);
    const fast = JSON.parse((await scan(list, "--json", "--client", "all", "--fast")).stdout);
    const view = (j: { results: { status: string; clients: { status: string; code?: string }[] }[] }) =>
      j.results.map((x) => [x.status, x.clients.map((c) => `${c.status}:${c.code ?? ""}`)]);
    assert.deepEqual(view(fast), view(full));
  });

  it("bad input exits 2", async () => {
    for (const args of [
      ["scan", "/nonexistent/list.txt"],
      ["scan", list, "--json", "--junit"],
      ["scan", list, "--concurrency", "0"],
      ["scan", tmp.dir],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^chainproof: /);
    }
  });

  it("a progress bar on a terminal's stderr, gone at the end", async (t) => {
    if (!havePty()) return t.skip("python3 pty is needed");
    const r = await runCliInPty(["scan", good, "--roots", roots]);
    assert.equal(r.code, 0, r.screen);
    assert.match(r.screen, /\[█+░*\] \d\/2 {2}\d+\/s/);
    assert.match(r.screen, /2 targets in /);
  });

  it("PROTO://host in a list line: that STARTTLS exchange first, and the protocol's port by default", async () => {
    assert.deepEqual(parseTargetLine("smtp://mail.example.com", 1), {
      line: 1,
      text: "smtp://mail.example.com",
      host: "mail.example.com",
      port: 25,
      starttls: "smtp",
    });
    assert.equal(parseTargetLine("postgresql://db.example.com:6432 db.example.com", 1)?.starttls, "postgres");
    assert.equal(parseTargetLine("imap://[2001:db8::1],,", 1)?.port, 143);
    assert.equal(parseTargetLine("https://example.com/x", 1)?.starttls, undefined);
    const pki = makePki("ec");
    const smtp = await startFakeStarttls("smtp", { key: pki.leaf.key.keyPem, cert: pki.leaf.pem });
    const imap = await startFakeStarttls("imap", { key: pki.leaf.key.keyPem, cert: pki.leaf.pem });
    try {
      const mail = join(tmp.dir, "mail.txt");
      writeFileSync(
        mail,
        `smtp://127.0.0.1:${smtp.port}\n127.0.0.1,${imap.port},\nimap://127.0.0.1,${imap.port},\n`,
      );
      const r = await scan(mail, "--json");
      const [viaSmtp, plain, viaImap] = JSON.parse(r.stdout).results;
      assert.equal(viaSmtp.starttls, "smtp");
      assert.equal(viaSmtp.leaf.subject, "CN=localhost", "the certificate came after STARTTLS");
      assert.equal(viaSmtp.status, "untrusted");
      // Without the scheme, TLS from the first byte: the IMAP greeting is not a ServerHello.
      assert.equal(plain.starttls, undefined);
      assert.equal(plain.status, "failed");
      assert.equal(viaImap.starttls, "imap");
      assert.equal(viaImap.leaf.subject, "CN=localhost");
    } finally {
      await smtp.close();
      await imap.close();
    }
  });
});
