/**
 * The one address guard (src/net/guard.ts) and where it applies: the classifier on every special-purpose
 * range (both sides of each boundary) and on every IPv6 form that carries an IPv4 address; the policies; the
 * refusal message; every resolved address checked; AIA fetches of IP-literal URLs, of names resolving to
 * several addresses and through redirects; the probe; the web app's AIA fetches; and `check --allow-private`.
 * Loopback servers only.
 */

import assert from "node:assert/strict";
import type net from "node:net";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import { writeLabFiles } from "../src/cli/commands/lab.js";
import { type Lab, startLab } from "../src/lab/index.js";
import { fetchCaIssuers } from "../src/net/aia.js";
import {
  type AddressClass,
  BlockedAddressError,
  classifyAddress,
  type GuardPolicy,
  guardedFetch,
  ipLiteral,
  PUBLIC_ONLY,
  refusedBy,
  resolveGuarded,
  USER_NETWORK,
} from "../src/net/guard.js";
import { probe } from "../src/net/probe.js";
import { createWebServer } from "../src/web/server.js";
import { buildCertificate, generateKeyPair } from "../src/x509/builder.js";
import { runCli } from "./helpers/cli.js";
import { tempDir } from "./helpers/openssl.js";
import { type Route, type RouteServer, startRouteServer } from "./helpers/route-server.js";

const DAY = 86_400_000;
const validity = { notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 30 * DAY) };

type Row = [address: string, cls: AddressClass | null, range?: string];

/** Each range of the IANA special-purpose registries, with the addresses just inside and just outside. */
const RANGES: Row[] = [
  ["0.0.0.0", "unspecified", "0.0.0.0/8"],
  ["0.255.255.255", "unspecified", "0.0.0.0/8"],
  ["1.0.0.0", null],
  ["9.255.255.255", null],
  ["10.0.0.0", "private", "10.0.0.0/8"],
  ["10.255.255.255", "private", "10.0.0.0/8"],
  ["11.0.0.0", null],
  ["100.63.255.255", null],
  ["100.64.0.0", "shared", "100.64.0.0/10"],
  ["100.100.100.200", "shared", "100.64.0.0/10"],
  ["100.127.255.255", "shared", "100.64.0.0/10"],
  ["100.128.0.0", null],
  ["126.255.255.255", null],
  ["127.0.0.0", "loopback", "127.0.0.0/8"],
  ["127.255.255.255", "loopback", "127.0.0.0/8"],
  ["128.0.0.0", null],
  ["169.253.255.255", null],
  ["169.254.0.0", "link-local", "169.254.0.0/16"],
  ["169.254.169.254", "link-local", "169.254.0.0/16"],
  ["169.254.255.255", "link-local", "169.254.0.0/16"],
  ["169.255.0.0", null],
  ["172.15.255.255", null],
  ["172.16.0.0", "private", "172.16.0.0/12"],
  ["172.31.255.255", "private", "172.16.0.0/12"],
  ["172.32.0.0", null],
  ["191.255.255.255", null],
  ["192.0.0.0", "reserved", "192.0.0.0/24"],
  ["192.0.0.8", "reserved", "192.0.0.0/24"],
  ["192.0.0.9", null],
  ["192.0.0.10", null],
  ["192.0.0.170", "reserved", "192.0.0.0/24"],
  ["192.0.0.255", "reserved", "192.0.0.0/24"],
  ["192.0.1.255", null],
  ["192.0.2.0", "documentation", "192.0.2.0/24"],
  ["192.0.2.255", "documentation", "192.0.2.0/24"],
  ["192.0.3.0", null],
  ["192.88.98.255", null],
  ["192.88.99.0", "reserved", "192.88.99.0/24"],
  ["192.88.99.255", "reserved", "192.88.99.0/24"],
  ["192.88.100.0", null],
  ["192.167.255.255", null],
  ["192.168.0.0", "private", "192.168.0.0/16"],
  ["192.168.255.255", "private", "192.168.0.0/16"],
  ["192.169.0.0", null],
  ["198.17.255.255", null],
  ["198.18.0.0", "benchmarking", "198.18.0.0/15"],
  ["198.19.255.255", "benchmarking", "198.18.0.0/15"],
  ["198.20.0.0", null],
  ["198.51.99.255", null],
  ["198.51.100.0", "documentation", "198.51.100.0/24"],
  ["198.51.100.255", "documentation", "198.51.100.0/24"],
  ["198.51.101.0", null],
  ["203.0.112.255", null],
  ["203.0.113.0", "documentation", "203.0.113.0/24"],
  ["203.0.113.255", "documentation", "203.0.113.0/24"],
  ["203.0.114.0", null],
  ["223.255.255.255", null],
  ["224.0.0.0", "multicast", "224.0.0.0/4"],
  ["239.255.255.255", "multicast", "224.0.0.0/4"],
  ["240.0.0.0", "reserved", "240.0.0.0/4"],
  ["255.255.255.254", "reserved", "240.0.0.0/4"],
  ["255.255.255.255", "broadcast", "255.255.255.255/32"],
  // IPv6
  ["::", "unspecified", "::/128"],
  ["::1", "loopback", "::1/128"],
  ["::2", "unspecified", "0.0.0.0/8"], // IPv4-compatible 0.0.0.2
  ["1::", "reserved", "::/0"],
  ["100::", "reserved", "100::/64"],
  ["100::ffff:ffff:ffff:ffff", "reserved", "100::/64"],
  ["1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved", "::/0"],
  ["2000::", null],
  ["2001::f7f7:f7f7", null], // Teredo, client 8.8.8.8
  ["2001::1", "reserved", "240.0.0.0/4"], // Teredo, client 255.255.255.254
  ["2001:1::1", null],
  ["2001:1::4", "reserved", "2001::/23"],
  ["2001:2::", "benchmarking", "2001:2::/48"],
  ["2001:2:0:ffff:ffff:ffff:ffff:ffff", "benchmarking", "2001:2::/48"],
  ["2001:2:1::", "reserved", "2001::/23"],
  ["2001:3::1", null],
  ["2001:10::1", "reserved", "2001::/23"],
  ["2001:20::1", null],
  ["2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved", "2001::/23"],
  ["2001:200::", null],
  ["2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", null],
  ["2001:db8::", "documentation", "2001:db8::/32"],
  ["2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "documentation", "2001:db8::/32"],
  ["2001:db9::", null],
  ["2606:4700:4700::1111", null],
  ["3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", null],
  ["3fff::", "documentation", "3fff::/20"],
  ["3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", "documentation", "3fff::/20"],
  ["3fff:1000::", null],
  ["4000::", "reserved", "::/0"],
  ["5f00::1", "reserved", "5f00::/16"],
  ["fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved", "::/0"],
  ["fc00::", "private", "fc00::/7"],
  ["fd00:ec2::254", "private", "fc00::/7"],
  ["fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "private", "fc00::/7"],
  ["fe00::", "reserved", "::/0"],
  ["fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved", "::/0"],
  ["fe80::", "link-local", "fe80::/10"],
  ["fe80::1%eth0", "link-local", "fe80::/10"],
  ["febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local", "fe80::/10"],
  ["fec0::", "private", "fec0::/10"],
  ["feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "private", "fec0::/10"],
  ["ff00::", "multicast", "ff00::/8"],
  ["ff02::1", "multicast", "ff00::/8"],
  ["64:ff9b:1::", "private", "64:ff9b:1::/48"],
  ["64:ff9b:1:808:8:800::", "private", "64:ff9b:1::/48"], // carries 8.8.8.8: the prefix decides
  ["64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "broadcast", "255.255.255.255/32"], // carries the broadcast address
  ["64:ff9b:2::", "reserved", "::/0"],
  ["64:ff9b:0:ffff::", "reserved", "::/0"],
];

/** IPv6 spellings of an IPv4 address in every form that carries one. */
function carriers(ipv4: string): [form: string, address: string][] {
  const [a, b, c, d] = ipv4.split(".").map(Number);
  const hi = ((a << 8) | b).toString(16);
  const lo = ((c << 8) | d).toString(16);
  const inv = (n: number) => (0xffff ^ n).toString(16);
  return [
    ["IPv4-mapped", `::ffff:${ipv4}`],
    ["IPv4-mapped", `::ffff:${hi}:${lo}`],
    ["IPv4-compatible", `::${hi}:${lo}`],
    ["IPv4-translated", `::ffff:0:${hi}:${lo}`],
    ["NAT64", `64:ff9b::${ipv4}`],
    ["NAT64", `64:ff9b::${hi}:${lo}`],
    ["local-use NAT64", `64:ff9b:1::${hi}:${lo}`],
    // RFC 6052 /48 form: 16 bits, the reserved octet, then the other 16 bits.
    ["local-use NAT64", `64:ff9b:1:${hi}:${c.toString(16)}:${(d << 8).toString(16)}::`],
    ["6to4", `2002:${hi}:${lo}::1`],
    // Teredo with a public server (198.41.0.4) and the client address bit-inverted in the last 32 bits.
    ["Teredo", `2001:0:c629:4:8000:ffff:${inv((a << 8) | b)}:${inv((c << 8) | d)}`],
  ];
}

describe("guard: the classifier", () => {
  it("every special-purpose range, both sides of each boundary", () => {
    for (const [address, cls, range] of RANGES) {
      const f = classifyAddress(address);
      assert.equal(f?.class ?? null, cls, address);
      if (range) assert.equal(f?.range, range, address);
    }
  });

  it("169.254.169.254, 127.0.0.1 and 10.0.0.1 inside every IPv6 form are judged by the IPv4 address", () => {
    const want: Record<string, [AddressClass, string]> = {
      "169.254.169.254": ["link-local", "169.254.0.0/16"],
      "127.0.0.1": ["loopback", "127.0.0.0/8"],
      "10.0.0.1": ["private", "10.0.0.0/8"],
    };
    for (const [ipv4, [cls, range]] of Object.entries(want)) {
      for (const [form, address] of carriers(ipv4)) {
        const f = classifyAddress(address);
        assert.equal(f?.class, cls, `${form} ${address}`);
        assert.equal(f?.range, range, `${form} ${address}`);
        assert.deepEqual(f?.carried, { form, ipv4 }, `${form} ${address}`);
      }
    }
    // The same forms carrying a public address are public (except local-use NAT64, private itself).
    for (const [form, address] of carriers("8.8.8.8")) {
      assert.equal(
        classifyAddress(address)?.class ?? null,
        form === "local-use NAT64" ? "private" : null,
        address,
      );
    }
  });

  it("IPv4 forms the URL parser and inet_aton accept are normalised before they are judged", () => {
    assert.equal(ipLiteral("0x7f.1"), "127.0.0.1");
    assert.equal(ipLiteral("2130706433"), "127.0.0.1");
    assert.equal(ipLiteral("0177.0.0.1"), "127.0.0.1");
    assert.equal(ipLiteral("0xa9.0xfe.0xa9.0xfe"), "169.254.169.254");
    assert.equal(ipLiteral("[::ffff:a9fe:a9fe]"), "::ffff:a9fe:a9fe");
    assert.equal(ipLiteral("pki.example"), undefined);
    assert.equal(ipLiteral("deadbeef.example"), undefined);
    assert.equal(new URL("http://0x7f.1/").hostname, "127.0.0.1");
  });

  it("policies: public only; the CLI's user network; loopback alone; never the unspecified, multicast or broadcast", () => {
    const loopbackOnly: GuardPolicy = { allowPrivate: false, allowLoopback: true };
    for (const a of ["10.0.0.1", "169.254.169.254", "fd00:ec2::254", "100.64.0.1", "192.0.2.1", "::1"])
      assert.ok(refusedBy(a, PUBLIC_ONLY), a);
    for (const a of ["10.0.0.1", "169.254.169.254", "127.0.0.1", "::1", "198.18.0.1", "fec0::1"])
      assert.equal(refusedBy(a, USER_NETWORK), undefined, a);
    assert.equal(refusedBy("127.0.0.1", loopbackOnly), undefined);
    assert.ok(refusedBy("10.0.0.1", loopbackOnly));
    assert.ok(refusedBy("2002:7f00:1::1", PUBLIC_ONLY));
    assert.equal(refusedBy("2002:7f00:1::1", loopbackOnly), undefined);
    for (const a of ["0.0.0.0", "::", "224.0.0.1", "ff02::1", "255.255.255.255", "::ffff:0.0.0.0"])
      assert.ok(refusedBy(a, USER_NETWORK), a);
    assert.equal(refusedBy("8.8.8.8", PUBLIC_ONLY), undefined);
  });
});

describe("guard: resolution", () => {
  const hint: GuardPolicy = { ...PUBLIC_ONLY, allowHint: "pass --allow-private to allow it" };

  it("every answer is checked; the message names the host, the address, its class and the way to allow it", async () => {
    const lookup = async () => [
      { address: "93.184.216.34", family: 4 },
      { address: "10.0.0.5", family: 4 },
    ];
    await assert.rejects(
      () => resolveGuarded("pki.example", hint, lookup),
      (e: unknown) => {
        assert.ok(e instanceof BlockedAddressError);
        assert.equal(
          e.message,
          "refused: pki.example resolves to 10.0.0.5 (one of 2 addresses), a private address (10.0.0.0/8: private-use, RFC 1918); pass --allow-private to allow it",
        );
        assert.equal(e.code, "blocked-target");
        return true;
      },
    );
    const ok = await resolveGuarded("pki.example", USER_NETWORK, lookup);
    assert.equal(ok.address, "93.184.216.34");
    assert.equal(ok.all.length, 2);
  });

  it("an embedded address is named in the message, and an odd IPv4 spelling is not looked up", async () => {
    await assert.rejects(
      () => resolveGuarded("[2002:a9fe:a9fe::1]", hint),
      /^BlockedAddressError: refused: 2002:a9fe:a9fe::1 is a 6to4 address carrying 169\.254\.169\.254, a link-local address \(169\.254\.0\.0\/16/,
    );
    const never = async () => {
      throw new Error("looked up");
    };
    await assert.rejects(
      () => resolveGuarded("0x7f.1", hint, never),
      /refused: 127\.0\.0\.1 is a loopback address/,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// AIA fetches and the generic fetch, against a loopback HTTP server

let server: RouteServer;
let routes: Map<string, Route>;
let base = "";
const issuerCa = buildCertificate({
  subject: "CN=Guard Test Intermediate",
  publicKey: generateKeyPair("ec-p256"),
  ca: true,
  ...validity,
});

before(async () => {
  server = await startRouteServer();
  ({ routes, base } = server);
  routes.set("/ca.der", (_q, res) => res.writeHead(200).end(Buffer.from(issuerCa.der)));
});
after(() => server.close());

describe("guard: AIA fetches", () => {
  it("an IP-literal URL is judged like any address: 6to4, NAT64 and site-local are refused", async () => {
    for (const [url, carried] of [
      ["http://[2002:a9fe:a9fe::1]/ca.der", /6to4 address carrying 169\.254\.169\.254/],
      ["http://[64:ff9b::a9fe:a9fe]/ca.der", /NAT64 address carrying 169\.254\.169\.254/],
      ["http://[fec0::1]/ca.der", /fec0::1 is a private address \(fec0::\/10/],
      ["http://0xa9.0xfe.0xa9fe/ca.der", /169\.254\.169\.254 is a link-local address/],
    ] as const) {
      const r = await fetchCaIssuers(url);
      assert.equal(r.ok, false, url);
      assert.match(r.error ?? "", /^refused: /, url);
      assert.match(r.error ?? "", carried, url);
    }
  });

  it("a name resolving to several addresses, one of them private, is refused", async () => {
    // Loopback allowed, so the first answer passes: only the second one (6to4 around 10.0.0.5) is refused.
    const r = await fetchCaIssuers("http://pki.example/ca.der", {
      guard: { allowPrivate: false, allowLoopback: true },
      lookup: async () => [
        { address: "127.0.0.1", family: 4 },
        { address: "2002:a00:5::1", family: 6 },
      ],
    });
    assert.match(
      r.error ?? "",
      /^refused: pki\.example resolves to 2002:a00:5::1 \(one of 2 addresses\), a 6to4 address carrying 10\.0\.0\.5, a private address/,
    );
  });

  it("a redirect to a private address is refused (each hop is checked again)", async () => {
    routes.set("/to-6to4", (_q, res) =>
      res.writeHead(302, { location: "http://[2002:a00:5::1]/ca.der" }).end(),
    );
    routes.set("/to-name", (_q, res) =>
      res.writeHead(301, { location: "http://inside.example/ca.der" }).end(),
    );
    const allowed = { allowOrigins: [base] };
    const literal = await fetchCaIssuers(`${base}/to-6to4`, allowed);
    assert.deepEqual(literal.redirects, ["http://[2002:a00:5::1]/ca.der"]);
    assert.match(literal.error ?? "", /^refused: 2002:a00:5::1 is a 6to4 address carrying 10\.0\.0\.5/);
    const named = await fetchCaIssuers(`${base}/to-name`, {
      ...allowed,
      lookup: async () => [{ address: "192.168.1.1", family: 4 }],
    });
    assert.match(
      named.error ?? "",
      /^refused: inside\.example resolves to 192\.168\.1\.1, a private address/,
    );
  });

  it("a wider guard (--allow-private) fetches from loopback", async () => {
    const r = await fetchCaIssuers(`${base}/ca.der`, { guard: { allowPrivate: true, allowLoopback: true } });
    assert.equal(r.ok, true, r.error);
    assert.equal(r.certificates[0].sha256, issuerCa.cert.sha256);
  });

  it("guardedFetch: a POST (an OCSP request) with its body, the size limit, and the guard", async () => {
    routes.set("/ocsp", (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () =>
        res.writeHead(200, { "content-type": "application/ocsp-response" }).end(Buffer.concat(chunks)),
      );
    });
    routes.set("/big", (_q, res) => res.writeHead(200).end(Buffer.alloc(2048)));
    const loopback: GuardPolicy = { allowPrivate: false, allowLoopback: true };
    const echo = await guardedFetch(`${base}/ocsp`, {
      policy: loopback,
      method: "POST",
      body: new Uint8Array([48, 3, 2, 1, 0]),
      headers: { "content-type": "application/ocsp-request" },
    });
    assert.equal(echo.status, 200, echo.error);
    assert.equal(echo.contentType, "application/ocsp-response");
    assert.deepEqual([...(echo.body ?? [])], [48, 3, 2, 1, 0]);
    const big = await guardedFetch(`${base}/big`, { policy: loopback, maxBytes: 1024 });
    assert.match(big.error ?? "", /over the 1 KiB limit/);
    const refused = await guardedFetch(`${base}/ocsp`, { policy: PUBLIC_ONLY });
    assert.ok(refused.blocked instanceof BlockedAddressError);
    assert.equal(refused.status, undefined);
  });
});

describe("guard: check targets", () => {
  it("the probe checks every answer and --connect-to addresses; the failure is 'blocked'", async () => {
    const policy: GuardPolicy = { allowPrivate: false, allowLoopback: true, allowHint: "not allowed here" };
    const two = await probe(
      { host: "svc.example", port: 443 },
      {
        guard: policy,
        lookup: async () => [
          { address: "127.0.0.1", family: 4 },
          { address: "fd00:ec2::254", family: 6 },
        ],
      },
    );
    assert.equal(two.failure?.kind, "blocked");
    assert.match(
      two.failure?.message ?? "",
      /^refused: svc\.example resolves to fd00:ec2::254 \(one of 2 addresses\)/,
    );
    const multicast = await probe({ host: "svc.example", port: 443, connectTo: "224.0.0.1" }, {});
    assert.equal(multicast.failure?.kind, "blocked");
    assert.match(
      multicast.failure?.message ?? "",
      /224\.0\.0\.1 is a multicast address.*no server is reached/,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// The web app and the CLI

/** A TLS server on loopback sending only a leaf whose AIA caIssuers URL is `aia` (so Chrome fetches it). */
async function leafOnlyServer(aia: string): Promise<{ port: number; close: () => Promise<void> }> {
  const caKey = generateKeyPair("ec-p256");
  const ca = buildCertificate({ subject: "CN=Guard Web Issuer", publicKey: caKey, ca: true, ...validity });
  const key = generateKeyPair("ec-p256");
  const leaf = buildCertificate({
    subject: "CN=guard.example.test",
    issuer: { cert: ca.cert, key: caKey.privateKey },
    publicKey: key,
    san: [{ dns: "guard.example.test" }],
    aia: { caIssuers: aia },
    ...validity,
  });
  const s = tls.createServer({
    key: key.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    cert: leaf.pem,
  });
  s.on("tlsClientError", () => {});
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return {
    port: (s.address() as net.AddressInfo).port,
    close: () => new Promise<void>((r) => s.close(() => r())),
  };
}

const TOKEN = "test-token-0123456789abcdef";

describe("guard: the web app's AIA fetches", () => {
  it("an IP-literal AIA URL (6to4 around the metadata address) is refused, not fetched", async () => {
    const tlsServer = await leafOnlyServer("http://[2002:a9fe:a9fe::1]/ca.der");
    const app = await createWebServer({ host: "127.0.0.1", assetsDir: "/nonexistent", token: TOKEN });
    try {
      const headers = { host: "127.0.0.1:8420", authorization: `Bearer ${TOKEN}` };
      const session = await app.inject({ method: "GET", url: "/api/session", headers });
      const r = await app.inject({
        method: "POST",
        url: "/api/check",
        headers: { ...headers, "content-type": "application/json", "x-chainproof-csrf": session.json().csrf },
        payload: JSON.stringify({
          target: `127.0.0.1:${tlsServer.port}`,
          servername: "guard.example.test",
          clients: ["chrome"],
        }),
      });
      assert.equal(r.statusCode, 200, r.body);
      const aia = r.json().aia;
      assert.equal(aia.length, 1);
      assert.equal(aia[0].ok, false);
      assert.match(
        aia[0].error,
        /^refused: 2002:a9fe:a9fe::1 is a 6to4 address carrying 169\.254\.169\.254, a link-local address .*--allow-private/,
      );
    } finally {
      await app.close();
      await tlsServer.close();
    }
  });
});

describe("guard: check --allow-private", () => {
  let lab: Lab;
  let files: { roots: string };
  let tmp: { dir: string; cleanup: () => void };
  before(async () => {
    lab = await startLab({ only: ["incomplete"] });
    tmp = tempDir("chainproof-guard-");
    files = writeLabFiles(lab, tmp.dir);
  });
  after(async () => {
    await lab?.close();
    tmp?.cleanup();
  });

  const check = (...args: string[]) => {
    const e = lab.endpoints[0];
    return runCli(
      [
        "check",
        `${e.host}:${e.port}`,
        "--connect-to",
        "127.0.0.1",
        "--roots",
        files.roots,
        "--client",
        "chrome",
        ...args,
      ],
      { env: { NO_COLOR: "1" } },
    );
  };

  it("without the flag the loopback AIA server is refused with the message naming the flag", async () => {
    const r = await check("--fix", "--json", "--out", `${tmp.dir}/refused.pem`);
    const j = JSON.parse(r.stdout);
    assert.equal(j.fix.complete, false);
    assert.match(
      j.fix.fetches[0].error,
      /^refused: 127\.0\.0\.1 is a loopback address .*; pass --allow-private to allow it$/,
    );
  });

  it("with --allow-private, check --fix fetches the intermediate from the loopback AIA server", async () => {
    const out = `${tmp.dir}/fixed.pem`;
    const r = await check("--fix", "--allow-private", "--json", "--out", out);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.clients[0].status, "trusted");
    assert.equal(j.aia[0].ok, true);
    assert.equal(j.fix.complete, true);
    assert.equal(j.fix.bundle[1].from, "aia");
  });
});
