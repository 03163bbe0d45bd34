/**
 * The web API through fastify's inject(): every endpoint, and the guards — the access token on every /api
 * route and every address (401 without it, also through percent-encoded paths), CSRF (token, Origin,
 * Sec-Fetch-Site), JSON-only bodies, the 2 MiB body limit, the loopback Host check, key export asking for
 * the keystore passphrase again, and the request guard refusing each private, link-local, metadata and loopback range (refused
 * before any connection: these tests never send a packet to such an address).
 */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { listKeys, openKeystore } from "../src/app/keys.js";
import { csvField } from "../src/web/check.js";
import { TOKEN_HELP } from "../src/web/security.js";
import { createWebServer, openApiDocument } from "../src/web/server.js";
import { addressVerdict, resolveGuarded } from "../src/web/ssrf.js";
import { buildCertificate } from "../src/x509/builder.js";
import { readCertificates } from "../src/x509/input.js";
import { toPem } from "../src/x509/pem.js";
import { HOSTILE_CN, makePki, makeSaml, SAML_ACS, SAML_IDP, SAML_SP } from "./web-fixtures.js";

/** The access token every server of these tests is started with (as `chainproof serve` makes one). */
const TOKEN = "web-api-test-token-0123456789";
/** A request from someone without the token (another local account, a script that was not told it). */
const ANONYMOUS = { host: "127.0.0.1:8420" };
/** A signed-in request to a loopback server: its Host and the bearer token. */
const HEADERS = { ...ANONYMOUS, authorization: `Bearer ${TOKEN}` };
const pki = makePki();
const saml = makeSaml();
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

interface Res {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
  rawPayload: Buffer;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are read field by field.
  json: () => any;
}

function client(app: FastifyInstance, extra: Record<string, string> = {}) {
  let csrf: string | undefined;
  const session = async () => {
    const r = await app.inject({ method: "GET", url: "/api/session", headers: { ...HEADERS, ...extra } });
    assert.equal(r.statusCode, 200, r.body);
    csrf = r.json().csrf;
    return r.json();
  };
  const get = (url: string): Promise<Res> =>
    app.inject({ method: "GET", url, headers: { ...HEADERS, ...extra } }) as unknown as Promise<Res>;
  const send = async (method: "POST" | "DELETE", url: string, payload?: unknown): Promise<Res> => {
    if (!csrf) await session();
    return app.inject({
      method,
      url,
      headers: {
        ...HEADERS,
        ...extra,
        "x-chainproof-csrf": csrf!,
        ...(payload !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
    }) as unknown as Promise<Res>;
  };
  return {
    session,
    get,
    post: (url: string, p: unknown = {}) => send("POST", url, p),
    del: (url: string) => send("DELETE", url),
  };
}

let app: FastifyInstance;
let api: ReturnType<typeof client>;
let home: string;

before(async () => {
  home = mkdtempSync(join(tmpdir(), "cp-web-"));
  app = await createWebServer({
    host: "127.0.0.1",
    token: TOKEN,
    keystoreHome: home,
    assetsDir: "/nonexistent",
  });
  api = client(app);
});

after(async () => {
  await app.close();
  rmSync(home, { recursive: true, force: true });
});

describe("web: session, headers, CSRF and body guards", () => {
  it("GET /api/session issues a CSRF token and says what the build offers", async () => {
    const s = await api.session();
    assert.match(s.csrf, /^[A-Za-z0-9_-]{20,}$/);
    assert.equal(s.loopback, true);
    assert.equal(s.tokenRequired, true);
    assert.equal(s.features.saml, true);
    assert.equal(s.features.check, true);
    assert.equal(s.features.keys, true);
    assert.ok(s.clients.some((c: { id: string }) => c.id === "salesforce"));
    assert.ok(s.stores.some((x: { id: string }) => x.id === "mozilla"));
  });

  it("every answer carries the CSP and the other security headers", async () => {
    for (const url of ["/api/session", "/check", "/nope"]) {
      const r = await api.get(url);
      assert.equal(
        r.headers["content-security-policy"],
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      );
      assert.equal(r.headers["x-content-type-options"], "nosniff");
      assert.equal(r.headers["referrer-policy"], "no-referrer");
      assert.equal(r.headers["x-frame-options"], "DENY");
    }
  });

  it("refuses a POST without, or with an unknown, CSRF token", async () => {
    const body = JSON.stringify({ file: { text: "x" } });
    const none = await app.inject({
      method: "POST",
      url: "/api/decode",
      headers: { ...HEADERS, "content-type": "application/json" },
      payload: body,
    });
    assert.equal(none.statusCode, 403);
    assert.equal(none.json().error.code, "csrf");
    const bad = await app.inject({
      method: "POST",
      url: "/api/decode",
      headers: {
        ...HEADERS,
        "content-type": "application/json",
        "x-chainproof-csrf": "not-a-token-we-issued",
      },
      payload: body,
    });
    assert.equal(bad.statusCode, 403);
    const del = await app.inject({ method: "DELETE", url: "/api/lab", headers: HEADERS });
    assert.equal(del.statusCode, 403);
  });

  it("refuses a cross-origin POST (Origin or Sec-Fetch-Site) even with a valid token", async () => {
    const { csrf } = await api.session();
    const base = { ...HEADERS, "content-type": "application/json", "x-chainproof-csrf": csrf };
    const payload = JSON.stringify({ file: { text: toPem(pki.leaf.der) } });
    const evil = await app.inject({
      method: "POST",
      url: "/api/decode",
      headers: { ...base, origin: "https://evil.example" },
      payload,
    });
    assert.equal(evil.statusCode, 403);
    assert.match(evil.json().error.message, /Origin/);
    const site = await app.inject({
      method: "POST",
      url: "/api/decode",
      headers: { ...base, "sec-fetch-site": "cross-site" },
      payload,
    });
    assert.equal(site.statusCode, 403);
    // The same host and port over another scheme is another origin.
    const scheme = await app.inject({
      method: "POST",
      url: "/api/decode",
      headers: { ...base, origin: "https://127.0.0.1:8420" },
      payload,
    });
    assert.equal(scheme.statusCode, 403);
    assert.match(scheme.json().error.message, /Origin does not match/);
    const same = await app.inject({
      method: "POST",
      url: "/api/decode",
      headers: { ...base, origin: "http://127.0.0.1:8420", "sec-fetch-site": "same-origin" },
      payload,
    });
    assert.equal(same.statusCode, 200, same.body);
  });

  it("takes JSON bodies only: text/plain and form bodies get 415", async () => {
    const { csrf } = await api.session();
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
    ]) {
      const r = await app.inject({
        method: "POST",
        url: "/api/decode",
        headers: { ...HEADERS, "content-type": type, "x-chainproof-csrf": csrf },
        payload: "file=x",
      });
      assert.equal(r.statusCode, 415, type);
    }
  });

  it("refuses bodies over 2 MiB with 413, and a file over the decoded limit", async () => {
    const { csrf } = await api.session();
    const big = JSON.stringify({ file: { text: "A".repeat(2 * 1024 * 1024 + 10) } });
    const r = await app.inject({
      method: "POST",
      url: "/api/decode",
      headers: { ...HEADERS, "content-type": "application/json", "x-chainproof-csrf": csrf },
      payload: big,
    });
    assert.equal(r.statusCode, 413);
    assert.equal(r.json().error.code, "too-large");
    const file = await api.post("/api/decode", { file: { base64: b64(new Uint8Array(1600 * 1024)) } });
    assert.equal(file.statusCode, 413);
  });

  it("refuses unknown fields (schemas are strict)", async () => {
    const r = await api.post("/api/decode", { file: { text: "x" }, extra: 1 });
    assert.equal(r.statusCode, 400);
  });

  it("bound to loopback, answers only loopback Host names (DNS rebinding)", async () => {
    const r = await app.inject({
      method: "GET",
      url: "/api/session",
      headers: { host: "rebind.attacker.example:8420" },
    });
    assert.equal(r.statusCode, 421);
    for (const host of ["localhost:8420", "127.0.0.1", "[::1]:8420"]) {
      const ok = await app.inject({ method: "GET", url: "/api/session", headers: { ...HEADERS, host } });
      assert.equal(ok.statusCode, 200, host);
    }
  });

  it("refuses a request with two Host headers (400), on a real socket", async () => {
    const server = await createWebServer({ host: "127.0.0.1", token: TOKEN });
    await server.listen({ host: "127.0.0.1", port: 0 });
    try {
      const { port } = server.server.address() as { port: number };
      const raw = (hosts: string[]) =>
        new Promise<string>((resolve, reject) => {
          const sock = connect(port, "127.0.0.1");
          let got = "";
          sock.on("data", (b) => {
            got += b.toString("latin1");
          });
          sock.on("end", () => resolve(got));
          sock.on("error", reject);
          const lines = hosts.map((h) => `Host: ${h}\r\n`).join("");
          sock.write(
            `GET /api/session HTTP/1.1\r\n${lines}Authorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
          );
        });
      const two = await raw([`127.0.0.1:${port}`, "rebind.attacker.example"]);
      assert.match(two, /^HTTP\/1\.1 400 /);
      assert.match(two, /more than one Host header/);
      assert.match(await raw([`127.0.0.1:${port}`]), /^HTTP\/1\.1 200 /);
    } finally {
      await server.close();
    }
  });

  it("unknown API paths are 404 JSON", async () => {
    const r = await api.get("/api/nothing-here");
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().error.code, "not-found");
  });
});

/** Every documented route, with sample path parameters, as [method, url]. */
async function documentedRoutes(): Promise<[string, string][]> {
  const doc = (await openApiDocument()) as { paths: Record<string, Record<string, unknown>> };
  const out: [string, string][] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    const url = path.replace(/\{sha256\}/, "00".repeat(32)).replace(/\{[A-Za-z0-9_]+\}/g, "Sample_1");
    for (const method of Object.keys(ops)) out.push([method.toUpperCase(), url]);
  }
  return out;
}

function assertUnauthorized(r: {
  statusCode: number;
  headers: Record<string, unknown>;
  json: () => unknown;
}) {
  assert.equal(r.statusCode, 401);
  const { error } = r.json() as { error: { code: string; message: string } };
  assert.equal(error.code, "unauthorized");
  assert.equal(error.message, TOKEN_HELP);
  assert.match(error.message, /#token=.*chainproof serve printed/);
  assert.equal(r.headers["www-authenticate"], 'Bearer realm="chainproof"');
}

describe("web: the access token", () => {
  it("every documented /api route answers 401 without the token, on loopback too", async () => {
    const routes = await documentedRoutes();
    assert.ok(routes.length >= 30, `${routes.length} routes documented`);
    for (const [method, url] of routes) {
      const r = await app.inject({
        method: method as "GET",
        url,
        headers: { ...ANONYMOUS, "content-type": "application/json" },
        ...(method === "GET" ? {} : { payload: "{}" }),
      });
      assert.equal(r.statusCode, 401, `${method} ${url}: ${r.body}`);
      assertUnauthorized(r);
    }
  });

  it("a wrong token, another scheme or a token with extra text is 401", async () => {
    for (const authorization of [
      "Bearer web-api-test-token-0123456788",
      `Bearer ${TOKEN}x`,
      `Basic ${Buffer.from(`user:${TOKEN}`).toString("base64")}`,
      `Bearer ${TOKEN} ${TOKEN}`,
      "Bearer",
    ]) {
      const r = await app.inject({
        method: "GET",
        url: "/api/keys",
        headers: { ...ANONYMOUS, authorization },
      });
      assertUnauthorized(r);
    }
    const ok = await api.get("/api/keys");
    assert.equal(ok.statusCode, 200);
  });

  it("paths the router decodes (/%61pi/…) or does not know need the token too", async () => {
    for (const url of ["/%61pi/session", "/%61pi/keys", "/api/session/", "/API/session", "/nope", "/api"]) {
      const r = await app.inject({ method: "GET", url, headers: ANONYMOUS });
      assertUnauthorized(r);
    }
    // With the token, the router's own answer.
    assert.equal((await api.get("/%61pi/session")).statusCode, 200);
  });

  it("is required on a non-loopback bind as well; pages load without it", async () => {
    const remote = { host: "203.0.113.5:8420" };
    const t = await createWebServer({
      host: "0.0.0.0",
      token: TOKEN,
      assetsDir: "/nonexistent",
      keystoreHome: home,
    });
    try {
      assertUnauthorized(await t.inject({ method: "GET", url: "/api/session", headers: remote }));
      // The same decoded-path request answered 200 without a token before the token guard used an exact
      // list of public paths.
      assertUnauthorized(await t.inject({ method: "GET", url: "/%61pi/session", headers: remote }));
      const ok = await t.inject({
        method: "GET",
        url: "/api/session",
        headers: { ...remote, authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.json().tokenRequired, true);
      assert.equal(ok.json().loopback, false);
      assert.equal(ok.json().features.lab, false);
      const page = await t.inject({ method: "GET", url: "/decode", headers: remote });
      assert.equal(page.statusCode, 200);
      // Bound elsewhere, loopback targets are refused too.
      const c = client(t, { ...remote, authorization: `Bearer ${TOKEN}` });
      const r = await c.post("/api/check", { target: "127.0.0.1:443" });
      assert.equal(r.statusCode, 403);
      assert.equal(r.json().error.code, "blocked-target");
      const lab = await c.post("/api/lab", {});
      assert.equal(lab.statusCode, 403);
    } finally {
      await t.close();
    }
  });

  it("starts without a token only when told to, and never off loopback", async () => {
    await assert.rejects(
      () => createWebServer({ host: "127.0.0.1", assetsDir: "/nonexistent" }),
      /needs a token/,
    );
    await assert.rejects(
      () => createWebServer({ host: "0.0.0.0", noToken: true, assetsDir: "/nonexistent" }),
      /not loopback\) without a token is refused/,
    );
    const open = await createWebServer({
      host: "127.0.0.1",
      noToken: true,
      assetsDir: "/nonexistent",
      keystoreHome: home,
    });
    try {
      const s = await open.inject({ method: "GET", url: "/api/session", headers: ANONYMOUS });
      assert.equal(s.statusCode, 200);
      assert.equal(s.json().tokenRequired, false);
      // The DNS-rebinding Host check still holds.
      const rebind = await open.inject({
        method: "GET",
        url: "/api/session",
        headers: { host: "rebind.attacker.example:8420" },
      });
      assert.equal(rebind.statusCode, 421);
    } finally {
      await open.close();
    }
  });
});

describe("web: the request guard", () => {
  const strict = { allowPrivate: false, allowLoopback: false };
  const blocked: [string, string][] = [
    ["10.1.2.3", "10.0.0.0/8"],
    ["172.16.0.1", "172.16.0.0/12"],
    ["172.31.255.254", "172.16.0.0/12"],
    ["192.168.1.1", "192.168.0.0/16"],
    ["169.254.169.254", "169.254.0.0/16"],
    ["169.254.1.1", "169.254.0.0/16"],
    ["100.100.100.200", "100.64.0.0/10"],
    ["0.0.0.0", "0.0.0.0/8"],
    ["127.0.0.1", "127.0.0.0/8"],
    ["127.8.9.10", "127.0.0.0/8"],
    ["::1", "::1/128"],
    ["::", "::/128"],
    ["fc00::1", "fc00::/7"],
    ["fd00:ec2::254", "fc00::/7"],
    ["fe80::1", "fe80::/10"],
    ["fe80::1%eth0", "fe80::/10"],
    ["::ffff:169.254.169.254", "169.254.0.0/16"],
    ["::ffff:a9fe:a9fe", "169.254.0.0/16"],
    ["::ffff:10.0.0.1", "10.0.0.0/8"],
    ["::ffff:127.0.0.1", "127.0.0.0/8"],
    ["::ffff:0:0", "0.0.0.0/8"],
    ["::10.0.0.1", "10.0.0.0/8"],
    ["64:ff9b::a9fe:a9fe", "169.254.0.0/16"],
    ["2002:a9fe:a9fe::1", "169.254.0.0/16"],
    ["2002:c0a8:0101::1", "192.168.0.0/16"],
    ["224.0.0.1", "224.0.0.0/4"],
    ["255.255.255.255", "255.255.255.255/32"],
    ["ff02::1", "ff00::/8"],
  ];

  it("refuses each private, link-local, metadata, loopback and mapped address", () => {
    for (const [addr, range] of blocked) {
      const v = addressVerdict(addr, strict);
      assert.equal(v.allowed, false, addr);
      if (!v.allowed) assert.equal(v.range.range, range, addr);
    }
  });

  it("allows public addresses, loopback when bound to loopback, and private ones with --allow-private", () => {
    for (const a of [
      "8.8.8.8",
      "1.1.1.1",
      "2606:4700:4700::1111",
      "::ffff:8.8.8.8",
      "172.32.0.1",
      "100.128.0.1",
    ]) {
      assert.equal(addressVerdict(a, strict).allowed, true, a);
    }
    assert.equal(addressVerdict("127.0.0.1", { allowPrivate: false, allowLoopback: true }).allowed, true);
    assert.equal(addressVerdict("::1", { allowPrivate: false, allowLoopback: true }).allowed, true);
    assert.equal(addressVerdict("10.0.0.1", { allowPrivate: false, allowLoopback: true }).allowed, false);
    assert.equal(
      addressVerdict("169.254.169.254", { allowPrivate: true, allowLoopback: false }).allowed,
      true,
    );
    // Never a unicast endpoint, --allow-private or not.
    assert.equal(addressVerdict("0.0.0.0", { allowPrivate: true, allowLoopback: true }).allowed, false);
  });

  it("checks every address a name resolves to", async () => {
    const lookup = async (h: string) =>
      h === "mixed.example.test"
        ? [
            { address: "93.184.216.34", family: 4 },
            { address: "10.0.0.7", family: 4 },
          ]
        : [{ address: "93.184.216.34", family: 4 }];
    await assert.rejects(
      () => resolveGuarded("mixed.example.test", strict, lookup),
      /10\.0\.0\.7.*10\.0\.0\.0\/8/,
    );
    const ok = await resolveGuarded("public.example.test", strict, lookup);
    assert.equal(ok.address, "93.184.216.34");
  });

  it("POST /api/check refuses each blocked range with 403 before connecting", async () => {
    // Bound to loopback: loopback is allowed, so it is not in this list.
    for (const [addr] of blocked.filter(([, r]) => !["127.0.0.0/8", "::1/128"].includes(r))) {
      const target = addr.includes(":") ? `[${addr.split("%")[0]}]:443` : `${addr}:443`;
      const r = await api.post("/api/check", { target });
      assert.equal(r.statusCode, addr.includes("%") ? 403 : 403, `${addr}: ${r.body}`);
      assert.equal(r.json().error.code, "blocked-target", addr);
    }
  });

  it("POST /api/check refuses a name that resolves to a private address", async () => {
    const g = await createWebServer({
      host: "127.0.0.1",
      token: TOKEN,
      assetsDir: "/nonexistent",
      keystoreHome: home,
      lookupAll: async () => [{ address: "169.254.169.254", family: 4 }],
    });
    try {
      const r = await client(g).post("/api/check", { target: "metadata.example.test" });
      assert.equal(r.statusCode, 403);
      assert.match(r.json().error.message, /metadata\.example\.test resolves to 169\.254\.169\.254/);
    } finally {
      await g.close();
    }
  });
});

describe("web: decode, verify, stores, root request", () => {
  it("POST /api/decode: every field, and hostile text comes back as data", async () => {
    const r = await api.post("/api/decode", {
      file: { name: "chain.pem", text: toPem(pki.leaf.der) + toPem(pki.hostile.der) },
    });
    assert.equal(r.statusCode, 200, r.body);
    const j = r.json();
    assert.equal(j.document.schema, "chainproof/decode");
    assert.equal(j.document.certificates.length, 2);
    assert.equal(j.container, "pem");
    assert.equal(j.document.certificates[0].subject.rfc4514, "CN=service.example.test");
    const cn = j.document.certificates[1].subject.rdns.flat().find((a: { type: string }) => a.type === "CN");
    assert.equal(cn.value, HOSTILE_CN);
    assert.equal(j.pem.length, 2);
  });

  it("POST /api/decode: a PKCS#12 needs its password (400 need-password), then decodes", async () => {
    const none = await api.post("/api/decode", { file: { name: "id.p12", base64: b64(pki.p12) } });
    assert.equal(none.statusCode, 400);
    assert.equal(none.json().error.code, "need-password");
    const wrong = await api.post("/api/decode", {
      file: { name: "id.p12", base64: b64(pki.p12), password: "nope" },
    });
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().error.code, "bad-password");
    const ok = await api.post("/api/decode", {
      file: { name: "id.p12", base64: b64(pki.p12), password: "secret-p12" },
    });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().keys, 1);
    assert.equal(ok.json().document.certificates.length, 2);
  });

  it("POST /api/decode: not a certificate is a 400 naming the file", async () => {
    const r = await api.post("/api/decode", { file: { name: "notes.txt", text: "hello" } });
    assert.equal(r.statusCode, 400);
    assert.match(r.json().error.message, /^notes\.txt: /);
  });

  it("POST /api/verify: the incomplete chain's gap, with its AIA URL, per client", async () => {
    const r = await api.post("/api/verify", {
      chain: { text: toPem(pki.leaf.der) },
      roots: { name: "root.pem", text: toPem(pki.root.der) },
      clients: ["salesforce", "chrome"],
      host: "service.example.test",
    });
    assert.equal(r.statusCode, 200, r.body);
    const m = r.json();
    assert.equal(m.trusted, false);
    const sf = m.clients.find((c: { client: string }) => c.client === "salesforce");
    assert.equal(sf.reason.code, "incomplete-chain");
    assert.equal(sf.end.kind, "gap");
    assert.equal(sf.end.issuer, "CN=Web Test Intermediate,O=chainproof tests");
    assert.deepEqual(sf.end.caIssuers, [pki.aiaUrl]);
    assert.match(sf.error.text, /PKIX path building failed/);
    assert.equal(m.sent[0].role, "leaf");
    assert.ok(m.certificates[pki.leaf.cert.sha256]);
  });

  it("POST /api/verify: the whole chain is trusted, the anchor drawn", async () => {
    const r = await api.post("/api/verify", {
      chain: { text: toPem(pki.leaf.der) + toPem(pki.int.der) + toPem(pki.root.der) },
      roots: { text: toPem(pki.root.der) },
      clients: ["all"],
      host: "service.example.test",
    });
    const m = r.json();
    assert.equal(m.trusted, true, r.body);
    assert.equal(m.clients.length, 8);
    assert.equal(m.sent[2].role, "root");
    assert.ok(m.findings.some((f: { code: string }) => f.code === "root-sent"));
    assert.ok(m.certificates[pki.root.cert.sha256]);
  });

  it("POST /api/verify: bad options are 400", async () => {
    const r = await api.post("/api/verify", {
      chain: { text: toPem(pki.leaf.der) },
      host: "a.example",
      ip: "192.0.2.1",
    });
    assert.equal(r.statusCode, 400);
    const t = await api.post("/api/verify", { chain: { text: toPem(pki.leaf.der) }, at: "yesterday" });
    assert.equal(t.statusCode, 400);
    const c = await api.post("/api/verify", { chain: { text: toPem(pki.leaf.der) }, clients: ["netscape"] });
    assert.equal(c.statusCode, 400);
  });

  it("GET /api/stores and /api/stores/:id/roots (search, one root, 404)", async () => {
    const s = await api.get("/api/stores");
    assert.ok(
      s.json().stores.find((x: { id: string; available: boolean }) => x.id === "mozilla" && x.available),
    );
    const all = await api.get("/api/stores/mozilla/roots");
    const rows = all.json().roots;
    assert.ok(rows.length > 100);
    assert.match(rows[0].sha256, /^[0-9A-F]{64}$/);
    const q = await api.get("/api/stores/mozilla/roots?q=isrg");
    assert.ok(q.json().roots.length >= 1);
    assert.ok(
      q.json().roots.every((r: { subject: string; alias: string }) => /isrg/i.test(r.subject + r.alias)),
    );
    const one = await api.get(`/api/stores/mozilla/roots/${q.json().roots[0].sha256}`);
    assert.equal(one.statusCode, 200);
    assert.equal(one.json().certificate.fingerprints.sha256, q.json().roots[0].sha256);
    const missing = await api.get(`/api/stores/mozilla/roots/${"00".repeat(32)}`);
    assert.equal(missing.statusCode, 404);
    const bad = await api.get("/api/stores/netscape/roots");
    assert.equal(bad.statusCode, 400);
  });

  it("POST /api/stores/inspect, /api/stores/diff and /api/roots/request", async () => {
    const ins = await api.post("/api/stores/inspect", {
      roots: { name: "mine.pem", text: toPem(pki.root.der) },
    });
    assert.equal(ins.statusCode, 200, ins.body);
    assert.equal(ins.json().roots.length, 1);
    const list = await api.post("/api/stores/inspect", {
      salesforceList: { name: "cacerts.jsp", text: "ISRG Root X1\nNo Such Root Anywhere\n" },
    });
    assert.equal(list.statusCode, 200, list.body);
    assert.equal(list.json().roots.length, 1);
    assert.equal(list.json().list.unmatched.length, 1);
    const diff = await api.post("/api/stores/diff", {
      a: { store: "mozilla" },
      b: { roots: { text: toPem(pki.root.der) } },
    });
    assert.equal(diff.statusCode, 200, diff.body);
    assert.equal(diff.json().added.length, 1);
    assert.equal(diff.json().common, 0);
    const req = await api.post("/api/roots/request", { cert: { text: toPem(pki.root.der) } });
    assert.equal(req.statusCode, 200, req.body);
    assert.equal(req.json().sha256, pki.root.cert.sha256.toUpperCase());
    assert.ok(
      req
        .json()
        .presence.some((p: { store: string; present: boolean }) => p.store === "Mozilla NSS" && !p.present),
    );
    assert.match(req.json().pem, /BEGIN CERTIFICATE/);
  });
});

describe("web: SAML", () => {
  it("POST /api/saml/verify: a valid Response, step by step", async () => {
    const r = await api.post("/api/saml/verify", {
      response: { text: saml.response },
      cert: { text: toPem(saml.idp.der) },
      spEntityId: SAML_SP,
      acs: SAML_ACS,
      requestId: "_req-1",
      issuer: SAML_IDP,
    });
    assert.equal(r.statusCode, 200, r.body);
    const j = r.json();
    assert.equal(j.valid, true, JSON.stringify(j.findings));
    assert.ok(j.steps.length > 5);
    assert.ok(j.steps.every((s: { status: string }) => s.status !== "fail"));
    assert.equal(j.assertion.nameId.value, "alice@example.com");
  });

  it("POST /api/saml/verify: the wrong audience fails its step; not XML is 400", async () => {
    const r = await api.post("/api/saml/verify", {
      response: { text: saml.response },
      cert: { text: toPem(saml.idp.der) },
      spEntityId: "https://other.example",
    });
    assert.equal(r.json().valid, false);
    assert.equal(r.json().steps.find((s: { id: string }) => s.id === "audience").status, "fail");
    const bad = await api.post("/api/saml/verify", { response: { text: "<not-saml/>" } });
    assert.equal(bad.statusCode, 400);
  });

  it("POST /api/saml/metadata: signing certificates and the configured one", async () => {
    const r = await api.post("/api/saml/metadata", {
      metadata: { text: saml.metadata },
      configured: { text: toPem(saml.idp.der) },
    });
    assert.equal(r.statusCode, 200, r.body);
    const j = r.json();
    assert.equal(j.idps[0].entityId, SAML_IDP);
    assert.equal(j.idps[0].rotation.configured[0].status, "listed");
  });
});

describe("web: keystore", () => {
  it("changes need the passphrase (423), then create, CSR, import signed, export, delete", async () => {
    const st = await api.get("/api/keys");
    assert.equal(st.statusCode, 200);
    assert.equal(st.json().unlocked, false);
    assert.deepEqual(st.json().entries, []);
    const locked = await api.post("/api/keys/self-signed", {
      name: "Api_Client",
      cn: "api-client.example.com",
    });
    assert.equal(locked.statusCode, 423);
    const un = await api.post("/api/keys/unlock", { passphrase: "web test passphrase" });
    assert.equal(un.statusCode, 200, un.body);
    assert.equal(un.json().unlocked, true);

    const ss = await api.post("/api/keys/self-signed", {
      name: "Api_Client",
      cn: "api-client.example.com",
      san: ["IP:192.0.2.10"],
    });
    assert.equal(ss.statusCode, 200, ss.body);
    assert.equal(ss.json().entry.kind, "self-signed");
    assert.equal(ss.json().entry.status, "valid");
    const dup = await api.post("/api/keys/self-signed", { name: "Api_Client", cn: "x" });
    assert.equal(dup.statusCode, 409);
    const badName = await api.post("/api/keys/self-signed", { name: "9bad", cn: "x" });
    assert.equal(badName.statusCode, 400);

    for (const [format, password] of [
      ["jks", "changeit"],
      ["p12", "changeit"],
      ["pem", undefined],
    ] as const) {
      const ex = await api.post("/api/keys/Api_Client/export", {
        format,
        withKey: format !== "pem",
        ...(password ? { password } : {}),
        ...(format !== "pem" ? { passphrase: "web test passphrase" } : {}),
      });
      assert.equal(ex.statusCode, 200, `${format}: ${ex.body}`);
      assert.match(String(ex.headers["content-disposition"]), new RegExp(`Api_Client\\.${format}`));
      const read = readCertificates(new Uint8Array(ex.rawPayload), {
        source: format,
        ...(password ? { password } : {}),
      });
      assert.equal(read.certificates[0].cert.subject.toString(), "CN=api-client.example.com");
      if (format !== "pem") assert.equal(read.keys.length, 1);
    }
    const noPw = await api.post("/api/keys/Api_Client/export", { format: "jks" });
    assert.equal(noPw.statusCode, 400);
    // A file password under keytool's 6 characters is refused here too, not only on the page.
    const short = await api.post("/api/keys/Api_Client/export", { format: "p12", password: "12345" });
    assert.equal(short.statusCode, 400);
    assert.equal(short.json().error.code, "weak-password");
    assert.match(short.json().error.message, /at least 6 characters/);

    const csr = await api.post("/api/keys/csr", { name: "Mtls_Cert", cn: "mtls.example.com" });
    assert.equal(csr.statusCode, 200, csr.body);
    assert.match(csr.json().csrPem, /BEGIN CERTIFICATE REQUEST/);
    assert.equal(csr.json().entry.status, "pending");
    assert.equal(csr.json().entry.csrPem, csr.json().csrPem, "the entry carries its pending request");
    // The CA's answer, signed by the test intermediate, with the chain.
    const { parseCsr } = await import("../src/x509/builder.js");
    const req = parseCsr(
      new Uint8Array(Buffer.from(csr.json().csrPem.replace(/-----[^-]+-----|\s/g, ""), "base64")),
    );
    const now = Date.now();
    const signed = buildCertificate({
      subject: req.subject.der,
      issuer: { cert: pki.int.cert, key: pki.intKey.privateKey },
      publicKey: req.publicKey.spki,
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + 200 * 86_400_000),
      ca: false,
      eku: ["clientAuth"],
      san: [{ dns: "mtls.example.com" }],
    });
    const imp = await api.post("/api/keys/Mtls_Cert/signed", {
      file: { text: signed.pem + toPem(pki.int.der) + toPem(pki.root.der) },
    });
    assert.equal(imp.statusCode, 200, imp.body);
    assert.equal(imp.json().entry.kind, "ca-signed");
    assert.equal(imp.json().chain.complete, true);

    const tgt = await api.post("/api/keys/Mtls_Cert/install-on-target", { format: "pem" });
    assert.equal(tgt.statusCode, 200, tgt.body);
    assert.ok(tgt.json().snippets.some((s: { server: string }) => s.server === "nginx"));

    const renewed = await api.post("/api/keys/Api_Client/renew", {});
    assert.equal(renewed.statusCode, 200, renewed.body);
    assert.equal(renewed.json().entry.generation, 2);

    const list = await api.get("/api/keys");
    assert.deepEqual(
      list
        .json()
        .entries.map((e: { name: string }) => e.name)
        .sort(),
      ["Api_Client", "Mtls_Cert"],
    );
    // The entries are the documents `chainproof keys list --json` prints (src/app/keys.ts).
    const ks = await openKeystore({ path: join(home, "keystore.db"), write: false });
    try {
      assert.deepEqual(list.json().entries, listKeys(ks).entries);
    } finally {
      ks.close();
    }
    const gone = await api.del("/api/keys/Mtls_Cert");
    assert.equal(gone.statusCode, 200);
    const again = await api.del("/api/keys/Mtls_Cert");
    assert.equal(again.statusCode, 404);
    const lock = await api.post("/api/keys/lock", {});
    assert.equal(lock.json().unlocked, false);
    const wrong = await api.post("/api/keys/unlock", { passphrase: "not it" });
    assert.equal(wrong.statusCode, 403);
  });

  it("exporting a private key asks for the keystore passphrase again, even while unlocked", async () => {
    const un = await api.post("/api/keys/unlock", { passphrase: "web test passphrase" });
    assert.equal(un.json().unlocked, true);
    const made = await api.post("/api/keys/self-signed", { name: "Export_Guard", cn: "guard.example.com" });
    assert.equal(made.statusCode, 200, made.body);
    const noKey = (body: string) => assert.doesNotMatch(body, /PRIVATE KEY|MII[A-Za-z0-9+/]{20}/);
    for (const format of ["p12", "jks", "pem"] as const) {
      const file = { format, withKey: true, password: "file-password" };
      const none = await api.post("/api/keys/Export_Guard/export", file);
      assert.equal(none.statusCode, 400, `${format}: ${none.body}`);
      assert.equal(none.json().error.code, "need-passphrase");
      assert.match(none.json().error.message, /needs the keystore passphrase again/);
      noKey(none.body);
      const wrong = await api.post("/api/keys/Export_Guard/export", { ...file, passphrase: "not it" });
      assert.equal(wrong.statusCode, 403, `${format}: ${wrong.body}`);
      assert.equal(wrong.json().error.code, "wrong-passphrase");
      assert.match(wrong.json().error.message, /wrong passphrase for the keystore/);
      assert.match(String(wrong.headers["content-type"]), /application\/json/);
      noKey(wrong.body);
    }
    // The keystore stays unlocked, and the right passphrase gives the key.
    assert.equal((await api.get("/api/keys")).json().unlocked, true);
    const ok = await api.post("/api/keys/Export_Guard/export", {
      format: "p12",
      withKey: true,
      password: "file-password",
      passphrase: "web test passphrase",
    });
    assert.equal(ok.statusCode, 200, ok.body);
    const read = readCertificates(new Uint8Array(ok.rawPayload), {
      source: "p12",
      password: "file-password",
    });
    assert.equal(read.keys.length, 1);
    // Without the key, the certificate alone needs no passphrase.
    const cert = await api.post("/api/keys/Export_Guard/export", { format: "pem" });
    assert.equal(cert.statusCode, 200, cert.body);
    assert.match(cert.body, /BEGIN CERTIFICATE/);
    noKey(cert.body.replace(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g, ""));
    assert.equal((await api.del("/api/keys/Export_Guard")).statusCode, 200);
  });

  it("imports a PKCS#12 (Salesforce's checks: an EC key is refused)", async () => {
    await api.post("/api/keys/unlock", { passphrase: "web test passphrase" });
    const r = await api.post("/api/keys/import", {
      file: { name: "id.p12", base64: b64(pki.p12), password: "secret-p12" },
    });
    assert.equal(r.statusCode, 400);
    assert.match(r.json().error.message, /The key is not an RSA key/);
  });
});

describe("web: live check, lab and scans", () => {
  let lab: { endpoints: { name: string; target: string }[] };
  before(async () => {
    const r = await api.post("/api/lab", {});
    assert.equal(r.statusCode, 200, r.body);
    lab = r.json();
  });
  const target = (name: string) => lab.endpoints.find((e) => e.name === name)!.target;

  it("GET /api/lab lists the running lab's endpoints", async () => {
    const r = await api.get("/api/lab");
    assert.equal(r.json().running, true);
    assert.ok(r.json().endpoints.length >= 10);
  });

  it("POST /api/check on the lab's incomplete chain: the gap, the errors, and the repaired bundle", async () => {
    const r = await api.post("/api/check", {
      target: target("incomplete"),
      clients: ["salesforce", "chrome"],
      fix: true,
    });
    assert.equal(r.statusCode, 200, r.body);
    const j = r.json();
    assert.equal(j.handshake.completed, true);
    const sf = j.clients.find((c: { client: string }) => c.client === "salesforce");
    assert.equal(sf.trusted, false);
    assert.equal(sf.end.kind, "gap");
    assert.match(sf.end.caIssuers[0], /^http:\/\/127\.0\.0\.1:\d+\//);
    assert.equal(j.clients.find((c: { client: string }) => c.client === "chrome").trusted, true);
    assert.equal(j.fix.complete, true);
    assert.equal(j.fix.bundle.length, 2);
    assert.equal(j.fix.bundle[1].from, "aia");
    assert.equal(j.fix.matrix.trusted, true);
    assert.match(j.fix.pem, /BEGIN CERTIFICATE[\s\S]*BEGIN CERTIFICATE/);
  });

  it("POST /api/check on a server that refuses without a client certificate: the headline says so", async () => {
    const r = await api.post("/api/check", {
      target: target("client-cert"),
      clients: ["salesforce", "chrome"],
    });
    assert.equal(r.statusCode, 200, r.body);
    const j = r.json();
    assert.equal(j.trusted, true);
    assert.equal(j.headline.clientCertificateRequired, true);
    assert.equal(j.headline.tone, "warn");
    assert.match(
      j.headline.text,
      /^All 2 clients trust the server's certificate for client-cert\.lab\.chainproof\.test, but the server requires a client certificate/,
    );
    const good = (
      await api.post("/api/check", { target: target("good-rsa"), clients: ["salesforce"] })
    ).json();
    assert.deepEqual(good.headline, {
      text: "Salesforce trusts this endpoint for good-rsa.lab.chainproof.test.",
      tone: "good",
      clientCertificateRequired: false,
    });
  });

  it("POST /api/check: a bad target is 400; a closed port is a finding, not an error", async () => {
    const bad = await api.post("/api/check", { target: "https://" });
    assert.equal(bad.statusCode, 400);
    const closed = await api.post("/api/check", { target: "127.0.0.1:1", timeoutSeconds: 2 });
    assert.equal(closed.statusCode, 200, closed.body);
    assert.equal(closed.json().trusted, false);
    assert.ok(closed.json().findings.some((f: { code: string }) => f.code === "connection-failed"));
  });

  it("scans: progress as events, results, blocked and invalid lines, CSV/JSON export, cancel, 404", async () => {
    const lines = [
      target("good-rsa"),
      target("incomplete"),
      "10.0.0.1:443",
      "not a valid: line: at all",
      "# comment",
      "",
    ];
    const start = await api.post("/api/scans", { targets: lines.join("\n"), clients: ["salesforce"] });
    assert.equal(start.statusCode, 202, start.body);
    const { id, total } = start.json();
    assert.equal(total, 4);
    // The event stream ends when the scan does.
    const ev = await api.get(`/api/scans/${id}/events`);
    assert.equal(ev.statusCode, 200);
    assert.match(String(ev.headers["content-type"]), /text\/event-stream/);
    const results = ev.body.split("\n\n").filter((b) => b.startsWith("event: result"));
    assert.equal(results.length, 4);
    assert.match(ev.body, /event: end/);
    const s = await api.get(`/api/scans/${id}`);
    const j = s.json();
    assert.equal(j.status, "done");
    const byLine = Object.fromEntries(j.results.map((x: { line: number; status: string }) => [x.line, x]));
    assert.equal(byLine[1].status, "trusted");
    assert.equal(byLine[2].status, "untrusted");
    assert.equal(byLine[3].findings[0].code, "blocked-target");
    assert.equal(byLine[4].status, "invalid");
    assert.equal(j.counts.blocked, 1);
    const csv = await api.get(`/api/scans/${id}/export?format=csv`);
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers["content-type"]), /text\/csv/);
    assert.equal(csv.body.trim().split("\r\n").length, 5);
    const json = await api.get(`/api/scans/${id}/export?format=json`);
    assert.equal(json.json().results.length, 4);
    const list = await api.get("/api/scans");
    assert.ok(list.json().scans.some((x: { id: string }) => x.id === id));
    const cancel = await api.del(`/api/scans/${id}`);
    assert.equal(cancel.statusCode, 200);
    assert.equal((await api.get("/api/scans/nope")).statusCode, 404);
    const empty = await api.post("/api/scans", { targets: "# nothing\n\n" });
    assert.equal(empty.statusCode, 400);
    const tooMany = await api.post("/api/scans", {
      targets: Array.from({ length: 1001 }, (_, i) => `h${i}.example:443`).join("\n"),
    });
    assert.equal(tooMany.statusCode, 413);
  });

  it("CSV cells cannot become spreadsheet formulas", () => {
    assert.equal(csvField("=cmd|' /C calc'!A0"), `"'=cmd|' /C calc'!A0"`);
    assert.equal(csvField('a "b"'), '"a ""b"""');
  });

  it("DELETE /api/lab stops it", async () => {
    const r = await api.del("/api/lab");
    assert.equal(r.json().running, false);
  });
});

describe("web: OpenAPI and pages", () => {
  it("docs/openapi.json is the document the server serves, and documents every API route", async () => {
    const served = (await api.get("/api/openapi.json")).json();
    const onDisk = JSON.parse(readFileSync(new URL("../../docs/openapi.json", import.meta.url), "utf8"));
    assert.deepEqual(onDisk, served, "docs/openapi.json is stale: run node dist/scripts/openapi.js");
    assert.equal(served.openapi, "3.1.0");
    const routes = app.printRoutes({ commonPrefix: false });
    for (const m of routes.matchAll(/(\/api\/[^\s(]*) \(([A-Z, ]+)\)/g)) {
      const path = m[1].replace(/:([A-Za-z0-9_]+)/g, "{$1}");
      for (const method of m[2].split(", ").filter((x) => x !== "HEAD")) {
        assert.ok(
          served.paths[path]?.[method.toLowerCase()],
          `${method} ${path} is not in the OpenAPI document`,
        );
      }
    }
  });

  it("serves a static page when the front end is not built, and the built pages when it is", async () => {
    const r = await api.get("/scan");
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers["content-type"]), /text\/html/);
    const built = await createWebServer({ host: "127.0.0.1", token: TOKEN, keystoreHome: home });
    try {
      // The pages and their files hold nothing: they load without the token.
      const page = await built.inject({ method: "GET", url: "/decode", headers: ANONYMOUS });
      assert.equal(page.statusCode, 200);
      const js = /src="(\/assets\/[^"]+\.js)"/.exec(page.body);
      assert.ok(js, "dist/web is built (npm run build)");
      const asset = await built.inject({ method: "GET", url: js[1], headers: ANONYMOUS });
      assert.equal(asset.statusCode, 200);
      assert.match(String(asset.headers["cache-control"]), /immutable/);
      assert.doesNotMatch(page.body, /<script>(?!<\/script>)/, "no inline script");
    } finally {
      await built.close();
    }
  });
});
