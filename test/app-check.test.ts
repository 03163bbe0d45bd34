/**
 * The check and scan use cases (src/app/check.ts, src/app/scan.ts) called directly, and cancellation: an
 * aborted check or scan closes its connection to the server at once, and a web check whose HTTP request is
 * aborted (the page's cancel) stops the server-side probe.
 */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { check } from "../src/app/check.js";
import { type ScanEvent, scan } from "../src/app/scan.js";
import { showcerts } from "../src/app/showcerts.js";
import { writeLabFiles } from "../src/cli/commands/lab.js";
import { type Lab, startLab } from "../src/lab/index.js";
import { checkEndpoint } from "../src/net/scan.js";
import { createWebServer } from "../src/web/server.js";
import { ROOT, runCli } from "./helpers/cli.js";

const TOKEN = "app-check-test-token-0123456789";

/** A loopback TCP server that accepts and never answers; reports each connection and when it closed. */
async function stallingServer() {
  const accepted: { socket: net.Socket; closed: Promise<number> }[] = [];
  const waiting: ((n: number) => void)[] = [];
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    socket.resume(); // read (and drop) what comes, so the peer's close is seen
    const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now())));
    accepted.push({ socket, closed });
    for (const w of waiting.splice(0)) w(accepted.length);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    accepted,
    /** Resolves once the first connection is accepted. */
    firstConnection: () =>
      accepted.length
        ? Promise.resolve(accepted[0])
        : new Promise<(typeof accepted)[0]>((resolve) => waiting.push(() => resolve(accepted[0]))),
    close: () => {
      for (const a of accepted) a.socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Within `ms`, or a rejection naming what did not happen. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
    }),
  ]);
}

describe("cancellation", () => {
  let stall: Awaited<ReturnType<typeof stallingServer>>;
  before(async () => {
    stall = await stallingServer();
  });
  after(async () => {
    await stall.close();
  });

  it("an aborted check closes its connection at once and says it was cancelled", async () => {
    const cancel = new AbortController();
    const before = stall.accepted.length;
    const running = checkEndpoint(
      { host: "127.0.0.1", port: stall.port },
      { clients: ["salesforce"], timeoutMs: 30_000, signal: cancel.signal, aia: false },
    );
    const deadline = Date.now() + 5_000;
    while (stall.accepted.length === before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    assert.ok(stall.accepted.length > before, "the check connected");
    const conn = stall.accepted[before];
    const abortedAt = Date.now();
    cancel.abort();
    const report = await within(running, 3_000, "the check's end after abort");
    assert.equal(report.handshake.failure?.kind, "cancelled");
    assert.equal(report.trusted, false);
    const closedAt = await within(conn.closed, 3_000, "the server-side close");
    assert.ok(closedAt - abortedAt < 3_000);
  });
});

describe("web: a cancelled check stops the server-side probe", () => {
  let stall: Awaited<ReturnType<typeof stallingServer>>;
  let home: string;
  let web: Awaited<ReturnType<typeof createWebServer>>;
  let webPort: number;
  before(async () => {
    stall = await stallingServer();
    home = mkdtempSync(join(tmpdir(), "cp-app-check-"));
    web = await createWebServer({
      host: "127.0.0.1",
      token: TOKEN,
      assetsDir: "/nonexistent",
      keystoreHome: home,
    });
    await web.listen({ host: "127.0.0.1", port: 0 });
    webPort = (web.server.address() as net.AddressInfo).port;
  });
  after(async () => {
    await web.close();
    await stall.close();
    rmSync(home, { recursive: true, force: true });
  });

  /** One request to the web server with the token (and the CSRF token for a POST). */
  function request(method: string, path: string, body?: unknown, csrf?: string) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({
      host: "127.0.0.1",
      port: webPort,
      method,
      path,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(csrf ? { "x-chainproof-csrf": csrf } : {}),
        ...(payload ? { "content-type": "application/json" } : {}),
      },
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on("response", (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on("error", reject);
    });
    req.end(payload);
    return { req, answer };
  }

  it("aborting the HTTP request closes the probe's socket promptly", async () => {
    const session = await request("GET", "/api/session").answer;
    assert.equal(session.status, 200, session.body);
    const csrf = JSON.parse(session.body).csrf as string;
    const { req, answer } = request(
      "POST",
      "/api/check",
      { target: `127.0.0.1:${stall.port}`, timeoutSeconds: 30 },
      csrf,
    );
    answer.catch(() => {});
    const conn = await within(stall.firstConnection(), 5_000, "the server-side probe's connection");
    const abortedAt = Date.now();
    req.destroy();
    // The probe would otherwise wait 30 s for a ServerHello.
    const closedAt = await within(conn.closed, 3_000, "the probe's socket close after the abort");
    assert.ok(closedAt - abortedAt < 3_000, `closed ${closedAt - abortedAt} ms after the abort`);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The use cases give what the CLI prints

function validator(name: string) {
  const schema = JSON.parse(readFileSync(join(ROOT, "docs", "schemas", name), "utf8"));
  const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
  return (doc: unknown, what: string) =>
    assert.ok(validate(doc), `${what}: ${JSON.stringify(validate.errors, null, 1)}`);
}

/** The document with what differs from run to run (times, durations, ports of the AIA server) masked. */
function stable(doc: unknown): unknown {
  return JSON.parse(JSON.stringify(doc), (k, v) =>
    k === "ms" || k === "time" ? 0 : typeof v === "string" ? v.replace(/\d{4}-\d\d-\d\dT[\d:]+Z/g, "T") : v,
  );
}

describe("check() and scan() against the lab", () => {
  let lab: Lab;
  let files: { roots: string; intermediates: string };
  let dir: string;
  before(async () => {
    lab = await startLab({ only: ["good-rsa", "incomplete", "wrong-host", "client-cert", "tls10"] });
    dir = mkdtempSync(join(tmpdir(), "cp-app-check-lab-"));
    files = writeLabFiles(lab, dir);
  });
  after(async () => {
    await lab?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const endpoint = (name: string) => lab.endpoints.find((e) => e.spec.name === name)!;

  it("check() returns the document chainproof check --json prints, valid against check.schema.json", async () => {
    const valid = validator("check.schema.json");
    const e = endpoint("incomplete");
    const target = `${e.host}:${e.port}`;
    const out = join(dir, "fixed-fullchain.pem");
    const cli = await runCli([
      "check",
      target,
      "--connect-to",
      "127.0.0.1",
      "--roots",
      files.roots,
      "--client",
      "salesforce,chrome",
      "--fix",
      "--intermediates",
      files.intermediates,
      "--out",
      out,
      "--json",
    ]);
    assert.equal(cli.code, 1, cli.stderr);
    const printed = JSON.parse(cli.stdout);
    valid(printed, "the CLI's --json");
    const doc = await check({
      target,
      connectTo: "127.0.0.1",
      store: files.roots,
      clients: "salesforce,chrome",
      fix: true,
      intermediates: files.intermediates,
      out,
      writeFiles: true,
    });
    valid(doc, "check()'s document");
    assert.equal(doc.trusted, false);
    assert.equal(doc.fix?.complete, true);
    assert.equal(doc.fix?.files?.fullchain, out);
    assert.deepEqual(stable(doc), stable(printed));
  });

  it("showcerts() returns the document chainproof showcerts --json prints, valid against showcerts.schema.json", async () => {
    const valid = validator("showcerts.schema.json");
    // A mutual-TLS server, and a TLS 1.0/1.1 one (its certificates read from a raw hello).
    for (const name of ["client-cert", "tls10"]) {
      const e = endpoint(name);
      const target = `${e.host}:${e.port}`;
      const cli = await runCli(["showcerts", target, "--connect-to", "127.0.0.1", "--json"]);
      const printed = JSON.parse(cli.stdout);
      valid(printed, `the CLI's --json (${name})`);
      const doc = await showcerts({ target, connectTo: "127.0.0.1" });
      valid(doc, `showcerts()'s document (${name})`);
      // Durations, and sizes that vary with the run (an ECDSA signature's length, a key share).
      const masked = (d: unknown) =>
        JSON.parse(JSON.stringify(d), (k, v) =>
          /Ms$/.test(k) || k === "bytesWritten" || k === "bytesRead" ? 0 : v,
        );
      assert.deepEqual(masked(doc), masked(printed));
    }
  });

  it("check() throws the CLI's InputError for bad input", async () => {
    await assert.rejects(() => check({ target: "https://" }), { name: "InputError" });
    await assert.rejects(() => check({ target: "a.example:443", out: "x.pem" }), {
      message: "--out and --intermediates go with --fix",
    });
    const cli = await runCli(["check", "a.example:443", "--out", "x.pem"]);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /--out and --intermediates go with --fix/);
  });

  it("scan() yields the results chainproof scan --ndjson prints, each valid against scan-result.schema.json", async () => {
    const valid = validator("scan-result.schema.json");
    const list = ["good-rsa", "incomplete", "wrong-host"]
      .map((n) => `127.0.0.1:${endpoint(n).port} ${endpoint(n).host}`)
      .concat(["not a target at all"]);
    const file = join(dir, "targets.txt");
    writeFileSync(file, `${list.join("\n")}\n`);
    const cli = await runCli(["scan", file, "--roots", files.roots, "--ndjson"]);
    assert.equal(cli.code, 2, cli.stderr); // the bad line
    const printed = cli.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const events: ScanEvent[] = [];
    for await (const e of scan(list.join("\n"), { store: files.roots })) events.push(e);
    const results = events.flatMap((e) => (e.type === "result" ? [e.result] : []));
    for (const r of [...printed, ...results]) valid(r, `result ${r.target}`);
    const byIndex = (a: { index: number }, b: { index: number }) => a.index - b.index;
    assert.deepEqual(stable(results.sort(byIndex)), stable(printed.sort(byIndex)));
    assert.deepEqual(
      results.map((r) => r.status),
      ["trusted", "untrusted", "untrusted", "invalid"],
    );
    const end = events.at(-1);
    assert.equal(end?.type, "end");
    assert.deepEqual(end?.type === "end" && end.counts, { trusted: 1, untrusted: 2, failed: 0, invalid: 1 });
    assert.deepEqual(
      events.flatMap((e) => (e.type === "result" ? [e.done] : [])),
      [1, 2, 3, 4],
    );
  });
});

describe("scan() cancellation", () => {
  let stall: Awaited<ReturnType<typeof stallingServer>>;
  before(async () => {
    stall = await stallingServer();
  });
  after(async () => {
    await stall.close();
  });
  const list = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ line: i + 1, text: `127.0.0.1:${stall.port}` }));

  it("an aborted scan ends at once, closes its connections and starts no other target", async () => {
    const cancel = new AbortController();
    const before = stall.accepted.length;
    const events: ScanEvent[] = [];
    const run = (async () => {
      for await (const e of scan(list(50), { concurrency: 4, timeoutMs: 30_000, signal: cancel.signal }))
        events.push(e);
    })();
    const deadline = Date.now() + 5_000;
    while (stall.accepted.length < before + 4 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(stall.accepted.length - before, 4, "four targets in flight");
    cancel.abort();
    await within(run, 3_000, "the scan's end after abort");
    await within(
      Promise.all(stall.accepted.slice(before).map((a) => a.closed)),
      3_000,
      "the server-side closes",
    );
    assert.equal(stall.accepted.length - before, 4, "no target started after the abort");
    assert.deepEqual(events, [
      {
        type: "end",
        counts: { trusted: 0, untrusted: 0, failed: 0, invalid: 0 },
        cancelled: true,
        ms: events[0]?.type === "end" ? events[0].ms : -1,
      },
    ]);
  });

  it("a consumer that stops iterating stops the scan", async () => {
    const before = stall.accepted.length;
    const bad = [{ line: 1, text: "bad target line here" }, ...list(20)];
    for await (const e of scan(bad, { concurrency: 2, timeoutMs: 30_000 })) {
      assert.equal(e.type, "result");
      break;
    }
    // The iteration's end waited for the scan to stop: its connections are closed now or very soon.
    await within(
      Promise.all(stall.accepted.slice(before).map((a) => a.closed)),
      3_000,
      "the server-side closes",
    );
    assert.ok(stall.accepted.length - before <= 2);
  });
});
