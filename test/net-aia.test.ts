/**
 * AIA fetching and chain repair (src/net/aia.ts): formats (DER, PEM, PKCS#7), limits (redirects, size,
 * time, number of requests), the address gate (loopback/private refused unless the exact origin is allowed,
 * per redirect hop and after DNS), and repairChain on reversed, partial, padded and expired chains.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AiaOptions, FetchBudget, fetchCaIssuers, repairChain } from "../src/net/aia.js";
import {
  type BuiltCertificate,
  buildCertificate,
  generateKeyPair,
  type KeyPair,
} from "../src/x509/builder.js";
import { cat, ctx, int, oid, seq, set } from "../src/x509/write/der-writer.js";
import { type Route, type RouteServer, startRouteServer } from "./helpers/route-server.js";

const DAY = 86_400_000;
const now = Date.now();

interface Ca {
  built: BuiltCertificate;
  key: KeyPair;
}

function ca(
  name: string,
  issuer?: Ca,
  more: { notBefore?: Date; notAfter?: Date; aia?: string; key?: KeyPair } = {},
): Ca {
  const key = more.key ?? generateKeyPair("ec-p256");
  const built = buildCertificate({
    subject: `CN=${name}`,
    ...(issuer ? { issuer: { cert: issuer.built.cert, key: issuer.key.privateKey } } : {}),
    publicKey: key,
    notBefore: more.notBefore ?? new Date(now - 10 * DAY),
    notAfter: more.notAfter ?? new Date(now + 365 * DAY),
    ca: true,
    ...(more.aia ? { aia: { caIssuers: more.aia } } : {}),
  });
  return { built, key };
}

function leafOf(issuer: Ca, aia?: string) {
  return buildCertificate({
    subject: "CN=leaf.example",
    issuer: { cert: issuer.built.cert, key: issuer.key.privateKey },
    publicKey: generateKeyPair("ec-p256"),
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 90 * DAY),
    san: [{ dns: "leaf.example" }],
    ...(aia ? { aia: { caIssuers: aia } } : {}),
  });
}

/** A PKCS#7 certs-only SignedData holding `ders`. */
function pkcs7(ders: Uint8Array[]): Uint8Array {
  const signedData = seq(int(1), set(), seq(oid("1.2.840.113549.1.7.1")), ctx(0, true, cat(...ders)), set());
  return seq(oid("1.2.840.113549.1.7.2"), ctx(0, true, signedData));
}

// ---------------------------------------------------------------------------------------------------------
// A loopback HTTP server with scripted routes

let server: RouteServer;
let routes: Map<string, Route>;
let base = "";

before(async () => {
  server = await startRouteServer();
  ({ routes, base } = server);
});
after(() => server.close());

const allow = (): AiaOptions => ({ allowOrigins: [base] });
const body =
  (b: Uint8Array | string, type = "application/pkix-cert"): Route =>
  (_q, res) => {
    res.writeHead(200, { "content-type": type }).end(typeof b === "string" ? b : Buffer.from(b));
  };

describe("AIA fetch: formats", () => {
  const root = ca("AIA Root");
  const ica = ca("AIA Intermediate", root);

  it("DER, PEM and PKCS#7 certs-only responses give the certificates", async () => {
    routes.set("/ica.der", body(ica.built.der));
    routes.set("/ica.pem", body(ica.built.pem, "application/x-pem-file"));
    routes.set("/bundle.p7c", body(pkcs7([ica.built.der, root.built.der]), "application/pkcs7-mime"));
    const der = await fetchCaIssuers(`${base}/ica.der`, allow());
    assert.equal(der.ok, true, der.error);
    assert.equal(der.certificates[0].sha256, ica.built.cert.sha256);
    const pem = await fetchCaIssuers(`${base}/ica.pem`, allow());
    assert.equal(pem.certificates[0].sha256, ica.built.cert.sha256);
    const p7 = await fetchCaIssuers(`${base}/bundle.p7c`, allow());
    assert.deepEqual(
      p7.certificates.map((c) => c.sha256),
      [ica.built.cert.sha256, root.built.cert.sha256],
    );
  });

  it("404, garbage and empty bodies are failures with a reason", async () => {
    routes.set("/garbage", body("<html>not here</html>", "text/html"));
    routes.set("/empty", body(""));
    assert.match((await fetchCaIssuers(`${base}/nothing`, allow())).error ?? "", /HTTP 404/);
    assert.match((await fetchCaIssuers(`${base}/garbage`, allow())).error ?? "", /not a certificate/);
    assert.match((await fetchCaIssuers(`${base}/empty`, allow())).error ?? "", /not a certificate/);
  });

  it("only http and https; no credentials in URLs", async () => {
    assert.match(
      (await fetchCaIssuers("ldap://ldap.example/cn=x", allow())).error ?? "",
      /only http and https/,
    );
    assert.match((await fetchCaIssuers("ftp://x.example/a.crt")).error ?? "", /only http and https/);
    assert.match((await fetchCaIssuers("http://u:p@x.example/a.crt")).error ?? "", /credentials/);
    assert.match((await fetchCaIssuers("not a url")).error ?? "", /not a valid URL/);
  });
});

describe("AIA fetch: limits", () => {
  const ica = ca("Limits Intermediate", ca("Limits Root"));

  it("follows up to 3 redirects, not 4", async () => {
    routes.set("/r0", body(ica.built.der));
    for (let i = 1; i <= 4; i++)
      routes.set(`/r${i}`, (_q, res) => res.writeHead(302, { location: `/r${i - 1}` }).end());
    const three = await fetchCaIssuers(`${base}/r3`, allow());
    assert.equal(three.ok, true, three.error);
    assert.deepEqual(three.redirects, [`${base}/r2`, `${base}/r1`, `${base}/r0`]);
    const four = await fetchCaIssuers(`${base}/r4`, allow());
    assert.equal(four.ok, false);
    assert.match(four.error ?? "", /more than 3 redirects/);
  });

  it("refuses bodies over 256 KiB, declared or streamed", async () => {
    const big = Buffer.alloc(300 * 1024, 0x41);
    routes.set("/big", (_q, res) => res.writeHead(200, { "content-length": big.length }).end(big));
    routes.set("/big-chunked", (_q, res) => {
      res.writeHead(200);
      for (let i = 0; i < 300; i++) res.write(Buffer.alloc(1024, 0x42));
      res.end();
    });
    assert.match((await fetchCaIssuers(`${base}/big`, allow())).error ?? "", /over the 256 KiB limit/);
    assert.match(
      (await fetchCaIssuers(`${base}/big-chunked`, allow())).error ?? "",
      /over the 256 KiB limit/,
    );
  });

  it("gives up after the timeout on a server that never answers", async () => {
    routes.set("/silent", () => {});
    const t0 = Date.now();
    const r = await fetchCaIssuers(`${base}/silent`, { ...allow(), timeoutMs: 300 });
    assert.match(r.error ?? "", /timeout/);
    assert.ok(Date.now() - t0 < 2000);
  });

  it("at most 5 requests per repair, redirects included", async () => {
    const budget = new FetchBudget();
    for (let i = 0; i < 5; i++) assert.equal((await fetchCaIssuers(`${base}/r0`, allow(), budget)).ok, true);
    assert.match(
      (await fetchCaIssuers(`${base}/r0`, allow(), budget)).error ?? "",
      /fetch limit reached \(5/,
    );
    const b2 = new FetchBudget();
    await fetchCaIssuers(`${base}/r3`, allow(), b2); // 4 requests
    assert.equal(b2.used, 4);
  });
});

describe("AIA fetch: the address gate", () => {
  it("refuses loopback unless the exact origin is allowed", async () => {
    const r = await fetchCaIssuers(`${base}/r0`);
    assert.equal(r.ok, false);
    assert.match(r.error ?? "", /refused: 127\.0\.0\.1 is a loopback address .*public addresses only/);
    const other = await fetchCaIssuers(`${base}/r0`, { allowOrigins: ["http://127.0.0.1:1"] });
    assert.match(other.error ?? "", /refused/);
  });

  it("checks every redirect hop: an allowed origin cannot bounce to another local one", async () => {
    routes.set("/bounce", (_q, res) => res.writeHead(302, { location: "http://127.0.0.2:9/x.der" }).end());
    const r = await fetchCaIssuers(`${base}/bounce`, allow());
    assert.match(r.error ?? "", /refused: 127\.0\.0\.2/);
  });

  it("checks what a name resolves to (a public-looking name pointing inside is refused)", async () => {
    const r = await fetchCaIssuers("http://ca.example.com/x.der", {
      lookup: async () => [{ address: "169.254.169.254", family: 4 }],
    });
    assert.match(r.error ?? "", /refused: ca\.example\.com resolves to 169\.254\.169\.254/);
    const v6 = await fetchCaIssuers("http://ca.example.com/x.der", {
      lookup: async () => [
        { address: "203.0.114.1", family: 4 },
        { address: "::ffff:10.0.0.1", family: 6 },
      ],
    });
    assert.match(v6.error ?? "", /refused/);
  });
});

describe("repairChain", () => {
  const root = ca("Repair Root");
  const ica1 = ca("Repair ICA 1", root);
  const ica2 = ca("Repair ICA 2", ica1);
  const leaf = leafOf(ica2);
  const stranger = ca("Stranger");
  const anchors = [root.built.cert];
  const shas = (r: Awaited<ReturnType<typeof repairChain>>) => r.bundle.map((e) => e.cert.sha256);
  const want = [leaf.cert.sha256, ica2.built.cert.sha256, ica1.built.cert.sha256];

  it("puts a reversed chain in order", async () => {
    const r = await repairChain({
      leaf: leaf.cert,
      presented: [leaf.cert, ica1.built.cert, ica2.built.cert],
      anchors,
    });
    assert.equal(r.complete, true);
    assert.deepEqual(shas(r), want);
    assert.equal(r.changed, true);
    assert.equal(r.anchor?.sha256, root.built.cert.sha256);
  });

  it("drops the root, unrelated certificates and duplicates, and says why", async () => {
    const r = await repairChain({
      leaf: leaf.cert,
      presented: [
        leaf.cert,
        ica2.built.cert,
        ica1.built.cert,
        root.built.cert,
        stranger.built.cert,
        ica2.built.cert,
      ],
      anchors,
    });
    assert.deepEqual(shas(r), want);
    assert.deepEqual(
      r.dropped.map((d) => [d.position, d.why]),
      [
        [4, "the root (clients use their own copy)"],
        [5, "a self-signed certificate that is not part of the chain"],
        [6, "a duplicate"],
      ],
    );
  });

  it("completes from a local folder and from a catalog", async () => {
    const local = await repairChain({
      leaf: leaf.cert,
      presented: [leaf.cert],
      anchors,
      local: [ica1.built.cert, ica2.built.cert],
    });
    assert.deepEqual(shas(local), want);
    assert.deepEqual(
      local.bundle.map((e) => e.from),
      ["sent", "local", "local"],
    );
    const cat = await repairChain({
      leaf: leaf.cert,
      presented: [leaf.cert, ica2.built.cert],
      anchors,
      catalog: [ica1.built.cert],
    });
    assert.deepEqual(
      cat.bundle.map((e) => e.from),
      ["sent", "sent", "catalog"],
    );
  });

  it("fetches what is missing from AIA, level by level", async () => {
    const r1 = ca("Fetch ICA 1", root);
    const r2 = ca("Fetch ICA 2", r1, { aia: `${base}/fetch-ica1.der` });
    const lf = leafOf(r2, `${base}/fetch-ica2.der`);
    routes.set("/fetch-ica1.der", body(r1.built.der));
    routes.set("/fetch-ica2.der", body(r2.built.der));
    const r = await repairChain({
      leaf: lf.cert,
      presented: [lf.cert],
      anchors,
      fetch: (url) => fetchCaIssuers(url, allow()),
    });
    assert.equal(r.complete, true, r.problem);
    assert.deepEqual(
      r.bundle.map((e) => e.from),
      ["sent", "aia", "aia"],
    );
    assert.equal(r.fetches.length, 2);
  });

  it("replaces an expired intermediate with the current one its issuer's AIA serves", async () => {
    const key = generateKeyPair("ec-p256");
    const old = ca("Renewed ICA", root, {
      key,
      notBefore: new Date(now - 400 * DAY),
      notAfter: new Date(now - DAY),
    });
    const cur = ca("Renewed ICA", root, { key });
    routes.set("/renewed.der", body(cur.built.der));
    const lf = leafOf(old, `${base}/renewed.der`);
    const r = await repairChain({
      leaf: lf.cert,
      presented: [lf.cert, old.built.cert],
      anchors,
      fetch: (url) => fetchCaIssuers(url, allow()),
    });
    assert.equal(r.complete, true);
    assert.equal(r.bundle[1].cert.sha256, cur.built.cert.sha256);
    assert.equal(r.bundle[1].from, "aia");
    assert.deepEqual(
      r.dropped.map((d) => d.why),
      ["expired; replaced by a current copy"],
    );
  });

  it("says why when the chain cannot be completed", async () => {
    const none = await repairChain({ leaf: leaf.cert, presented: [leaf.cert], anchors });
    assert.equal(none.complete, false);
    assert.match(none.problem ?? "", /no issuer found for "leaf\.example".*names no AIA caIssuers URL/);
    const failed = await repairChain({
      leaf: leafOf(ica2, `${base}/nothing-here.der`).cert,
      presented: [],
      anchors,
      fetch: (url) => fetchCaIssuers(url, allow()),
    });
    assert.match(failed.problem ?? "", /HTTP 404/);
    const other = await repairChain({
      leaf: leaf.cert,
      presented: [leaf.cert, ica2.built.cert, ica1.built.cert],
      anchors: [stranger.built.cert],
    });
    assert.equal(other.complete, false);
    assert.equal(other.bundle.length, 3);
  });
});
