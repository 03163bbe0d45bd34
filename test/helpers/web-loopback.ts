/**
 * `chainproof serve` on a loopback port for the offload tests (test/web-offload.test.ts,
 * test/web-saml-offload.test.ts): a server with the test token and a keystore home of its own, a client
 * that sends the token and the CSRF header, and the probe that shows whether the event loop is free.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { createWebServer } from "../../src/web/server.js";

export const TOKEN = "test-token-0123456789abcdef";

export interface LoopbackServer {
  app: FastifyInstance;
  /** The keystore home (removed by close()). */
  home: string;
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field.
  call(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

export async function startLoopbackServer(prefix: string): Promise<LoopbackServer> {
  const home = mkdtempSync(join(tmpdir(), prefix));
  const app = await createWebServer({
    host: "127.0.0.1",
    token: TOKEN,
    keystoreHome: home,
    assetsDir: "/nonexistent",
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  assert.ok(address && typeof address === "object");
  const base = `http://127.0.0.1:${address.port}`;
  let csrf = "";
  const call: LoopbackServer["call"] = async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body !== undefined ? { "content-type": "application/json", "x-chainproof-csrf": csrf } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: await res.json() };
  };
  const s = await call("GET", "/api/session");
  assert.equal(s.status, 200);
  csrf = s.json.csrf;
  const close = async () => {
    await app.close();
    rmSync(home, { recursive: true, force: true });
  };
  return { app, home, call, close };
}

/**
 * Asks GET /api/session every 20 ms until `work` settles: what `work` gave, how long it took, and how
 * long each request answered meanwhile waited (all 200, or the assertion fails).
 */
export async function answersWhile<T>(
  server: LoopbackServer,
  work: Promise<T>,
): Promise<{ result: T; ms: number; latencies: number[] }> {
  const t0 = Date.now();
  let done = false;
  const settled = work.finally(() => {
    done = true;
  });
  const latencies: number[] = [];
  while (!done) {
    const s0 = Date.now();
    const r = await server.call("GET", "/api/session");
    if (!done) latencies.push(Date.now() - s0);
    assert.equal(r.status, 200);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const result = await settled;
  return { result, ms: Date.now() - t0, latencies };
}
