/**
 * `chainproof scan`'s lint counts: a TLS server on loopback whose leaf lives 4,000 days (and so trips the
 * Baseline Requirements' validity lint) and a refused port; the table shows each target's "NE NW NN" in
 * its own column (blank for the target that sent nothing) with a key line, the same counts as --json, whose
 * results list each lint with the certificate's position. A certificate sent by two targets is linted once per
 * run (src/net/scan.ts): both results carry the same lints.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import { buildCertificate, generateKeyPair } from "../src/x509/builder.js";
import { runCli } from "./helpers/cli.js";

const DAY = 86_400_000;
let server: tls.Server;
let dir = "";
let list = "";
let roots = "";
let target = "";

before(async () => {
  const rootKey = generateKeyPair("ec-p256");
  const root = buildCertificate({
    subject: "CN=Scan Lints Root",
    publicKey: rootKey,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 5000 * DAY),
    ca: true,
  });
  const leafKey = generateKeyPair("ec-p256");
  const leaf = buildCertificate({
    subject: "CN=lints.test",
    issuer: { cert: root.cert, key: rootKey.privateKey },
    publicKey: leafKey,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 4000 * DAY),
    san: [{ dns: "lints.test" }],
    eku: ["serverAuth"],
  });
  server = tls.createServer({
    key: leafKey.privateKey.export({ type: "pkcs8", format: "pem" }),
    cert: leaf.pem,
  });
  server.on("secureConnection", (s) => s.end());
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  dir = mkdtempSync(join(tmpdir(), "chainproof-scan-lints-"));
  roots = join(dir, "roots.pem");
  writeFileSync(roots, root.pem);
  target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  list = join(dir, "list.txt");
  writeFileSync(list, `${target} lints.test\n127.0.0.1:1\n`);
});

after(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const scan = (...args: string[]) =>
  runCli(["scan", list, "--roots", roots, "--timeout", "3", ...args], { env: { NO_COLOR: "1" } });

describe("chainproof scan: lint counts per target", () => {
  it("the table shows each target's lint counts in a column, as --json counts them, and a key line", async () => {
    const json = JSON.parse((await scan("--json")).stdout) as {
      results: {
        target: string;
        lints?: {
          counts: { error: number; warning: number; notice: number };
          findings: { position: number; id: string; severity: string; message: string }[];
        };
      }[];
    };
    const served = json.results.find((r) => r.target.startsWith(target));
    const refused = json.results.find((r) => r.target === "127.0.0.1:1");
    assert.ok(served?.lints, "the served target's result carries its lints");
    assert.equal(refused?.lints, undefined, "nothing sent, nothing linted");
    const validity = served.lints.findings.find((f) => f.id === "e_subscriber_validity_over_200_days");
    assert.equal(validity?.position, 1);
    assert.equal(validity?.severity, "error");
    const c = served.lints.counts;
    assert.equal(c.error, served.lints.findings.filter((f) => f.severity === "error").length);

    const text = await scan();
    assert.equal(text.code, 1, text.stderr);
    const lines = text.stdout.split("\n");
    const row = lines.find((l) => l.includes(target));
    const refusedRow = lines.find((l) => l.includes("127.0.0.1:1 "));
    const cell = `${c.error}E ${c.warning}W ${c.notice}N`;
    assert.ok(row?.includes(`  ${cell}  `), `the served row shows "${cell}": ${row}`);
    assert.ok(
      refusedRow && !/\dE \d+W \d+N/.test(refusedRow),
      `the refused row has no counts: ${refusedRow}`,
    );
    // The column is as wide on every row: what follows it starts at the same place.
    const after = (l: string) => l.indexOf(cell) + cell.length;
    assert.match(
      refusedRow.slice(after(row ?? "")),
      /^ {2}\S/,
      "the refused row's reason starts after the column",
    );
    assert.ok(
      lines.includes("Lints of the certificates sent: E errors, W warnings, N notices (--json lists them)."),
    );
  });

  it("two targets sending the same certificate show the same lints (the second from the run's lint cache)", async () => {
    const twice = join(dir, "twice.txt");
    writeFileSync(twice, `${target} lints.test\n${target} other.lints.test\n`);
    const r = await runCli(["scan", twice, "--roots", roots, "--timeout", "3", "--json"], {
      env: { NO_COLOR: "1" },
    });
    const json = JSON.parse(r.stdout) as { results: { servername: string; lints?: unknown }[] };
    const first = json.results.find((x) => x.servername === "lints.test");
    const second = json.results.find((x) => x.servername === "other.lints.test");
    assert.ok(first?.lints && second?.lints, r.stdout);
    assert.deepEqual(second.lints, first.lints);
    assert.match(JSON.stringify(first.lints), /e_subscriber_validity_over_200_days/);
  });
});
