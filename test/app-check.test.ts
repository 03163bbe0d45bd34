/**
 * The check and scan use cases (src/app/check.ts, src/app/scan.ts) called directly, and cancellation: an
 * aborted check or scan closes its connection to the server at once, and a web check whose HTTP request is
 * aborted (the page's cancel) stops the server-side probe.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { checkEndpoint } from "../src/net/scan.js";
import { createWebServer } from "../src/web/server.js";

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
