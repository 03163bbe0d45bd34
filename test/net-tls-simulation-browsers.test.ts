/**
 * Chrome's and Firefox's handshakes against the real browsers (Debian's Chromium, headless via playwright-core;
 * Firefox ESR, headless over Marionette), as test/net-tls-simulation.test.ts does for OpenSSL, curl, Node, Java
 * and Go.
 *
 * 1. The offer: each browser is pointed at a loopback listener that keeps its ClientHello; the versions, the
 *    cipher suites in order, the groups, the key shares and the signature algorithms, GREASE left out, must be
 *    src/clients/handshake's (chrome.ts, firefox.ts), and the extensions a server negotiates with present.
 * 2. The outcome: `openssl s_server -www` restricted one way per setup (and an old server that answers every
 *    hello with TLS 1.0, helpers/client-hello.ts), enumerated by chainproof, then loaded in the browser (which
 *    trusts the test root through its NSS database). A predicted success must be the version and cipher suite
 *    s_server's page reports for that connection; a predicted failure must be the browser's own error code
 *    (Chromium's net::ERR_…, Firefox's error page code). The agreement per browser is printed as a diagnostic.
 *
 * Each browser is skipped, saying why, only when it (or certutil, or openssl) is absent.
 */

import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type BrowserContext, chromium } from "playwright-core";
import { type TlsDocument, tlsCheck } from "../src/app/tls.js";
import { CLIENT_OFFERS, type ClientOffer, type HandshakePrediction } from "../src/clients/handshake/index.js";
import {
  browserMissing,
  CHROMIUM,
  CHROMIUM_ARGS,
  FIREFOX,
  FIREFOX_ERROR_CODE_SCRIPT,
  type RunningFirefox,
  startFirefox,
  trustingNssDb,
} from "./helpers/browsers.js";
import {
  type CapturedHello,
  type HelloListener,
  listenForHellos,
  parseClientHello,
  startTls10OnlyServer,
} from "./helpers/client-hello.js";
import { haveOpenssl, tempDir } from "./helpers/openssl.js";
import { ianaCipherNames, RESTRICTED_SETUPS, startOpensslServer } from "./helpers/openssl-server.js";
import { makePki } from "./helpers/tls-server.js";

const LOOPBACK = { allowPrivate: true, allowLoopback: true };
const NO_OPENSSL = !haveOpenssl() && "openssl not found";
const NO_CHROMIUM = NO_OPENSSL || browserMissing(CHROMIUM, "chromium");
const NO_FIREFOX = NO_OPENSSL || browserMissing(FIREFOX, "firefox-esr");

/** The setups: the other clients' six, and more that tell the browsers apart from them and each other. */
const SETUPS: readonly { name: string; args: string[] }[] = [
  ...RESTRICTED_SETUPS,
  { name: "TLS 1.2 only", args: ["-tls1_2"] },
  { name: "TLS 1.3 only", args: ["-tls1_3"] },
  {
    name: "TLS 1.2, AES256-GCM-SHA384 only (RSA key exchange)",
    args: ["-tls1_2", "-cipher", "AES256-GCM-SHA384"],
  },
  { name: "TLS 1.2, ECDHE-RSA-AES128-SHA256 only", args: ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA256"] },
  { name: "TLS 1.1 only", args: ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"] },
  { name: "TLS 1.3, x448 only", args: ["-tls1_3", "-groups", "X448"] },
  { name: "TLS 1.3, AES-128-CCM only", args: ["-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_SHA256"] },
  {
    name: "TLS 1.2, ECDHE with P-521 only",
    args: ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-groups", "P-521"],
  },
];

interface Real {
  ok: boolean;
  version?: string;
  cipher?: string;
  text: string;
}

let tmp: { dir: string; cleanup: () => void };
let rootPem = "";
/** Each setup's running server, in SETUP_NAMES' order: the s_server setups, then the old TLS 1.0 server. */
const servers: { port: number; close(): void }[] = [];
/** Not an s_server (OpenSSL answers such a hello with an alert): see startTls10OnlyServer. */
const OLD_SERVER = "TLS 1.0 only, answering a TLS 1.2/1.3 hello with a TLS 1.0 ServerHello";
const SETUP_NAMES = [...SETUPS.map((s) => s.name), OLD_SERVER];
const docs: TlsDocument[] = [];
/** IANA name of each OpenSSL cipher name (s_server's page prints OpenSSL's names for TLS ≤ 1.2). */
let iana = new Map<string, string>();

before(async () => {
  if (NO_CHROMIUM && NO_FIREFOX) return;
  tmp = tempDir("chainproof-tls-sim-browsers-");
  const pki = makePki("rsa");
  rootPem = pki.root.pem;
  // -cert takes the leaf alone: the intermediate goes in -cert_chain, so the browsers get the whole chain.
  const chain = join(tmp.dir, "intermediate.pem");
  writeFileSync(chain, pki.intermediate.pem);
  for (const [i, s] of SETUPS.entries()) {
    const dir = join(tmp.dir, `s${i}`);
    mkdirSync(dir);
    const args = ["-www", "-cert_chain", chain, ...s.args];
    servers.push(await startOpensslServer(dir, pki.leaf.pem, pki.leaf.key.keyPem, args));
  }
  servers.push(await startTls10OnlyServer());
  for (const server of servers)
    docs.push(
      await tlsCheck({ host: "localhost", port: server.port, connectTo: "127.0.0.1" }, { guard: LOOPBACK }),
    );
  iana = ianaCipherNames();
});

after(() => {
  for (const s of servers) s.close();
  tmp?.cleanup();
});

/** The connection as `s_server -www` describes it on its page: the session's protocol and cipher. */
function fromServerPage(text: string): Real {
  const m = /^\s*Protocol\s*:\s*(\S+)[\s\S]*?^\s*Cipher\s*:\s*(\S+)/m.exec(text);
  if (!m) return { ok: false, text: `a page without a session: ${text.slice(0, 300)}` };
  return { ok: true, version: m[1], cipher: iana.get(m[2]) ?? m[2], text: m[0] };
}

/** Does the browser agree with the prediction? A reason when it does not. */
function disagreement(p: HandshakePrediction, real: Real): string | undefined {
  if (p.outcome === "ok") {
    if (!real.ok) return `predicted ${p.version} ${p.cipher}, the browser failed: ${real.text}`;
    if (real.version !== p.version || real.cipher !== p.cipher)
      return `predicted ${p.version} ${p.cipher}, the browser negotiated ${real.version} ${real.cipher}`;
    return undefined;
  }
  if (p.outcome === "fails") {
    if (real.ok) return `predicted ${p.error?.text}, the browser negotiated ${real.version} ${real.cipher}`;
    if (real.text !== p.error?.match) return `predicted ${p.error?.match}, the browser said ${real.text}`;
    return undefined;
  }
  return `prediction unknown: ${p.unknown}`;
}

/** Every setup's prediction for `client` against the browser's `reals`; the agreement as a diagnostic. */
function assertAgreement(client: "chrome" | "firefox", reals: Real[], diagnostic: (s: string) => void): void {
  const problems: string[] = [];
  SETUP_NAMES.forEach((name, i) => {
    const p = docs[i].handshakes.find((h) => h.client === client);
    assert.ok(p, `no prediction for ${client}`);
    const d = disagreement(p, reals[i]);
    if (d) problems.push(`${name}: ${d}`);
  });
  const n = SETUP_NAMES.length;
  diagnostic(`${client}: ${n - problems.length}/${n} setups agree`);
  assert.deepEqual(problems, []);
}

/** The captured hellos against the model: the same offer each time, the extensions to negotiate with. */
function assertOffer(hellos: CapturedHello[], offer: ClientOffer): void {
  assert.ok(hellos.length > 0, "no ClientHello captured");
  for (const h of hellos) {
    assert.deepEqual(
      {
        versions: h.versions,
        suites: h.suites,
        groups: h.groups,
        keyShares: h.keyShares,
        signatureAlgorithms: h.signatureAlgorithms,
        sni: h.serverName === "localhost",
      },
      {
        versions: offer.versions,
        suites: offer.suites,
        groups: offer.groups,
        keyShares: offer.keyShares,
        signatureAlgorithms: offer.signatureAlgorithms,
        sni: offer.sni,
      },
    );
    // server_name, supported_groups, ec_point_formats, signature_algorithms, extended_master_secret,
    // supported_versions, key_share, renegotiation_info.
    for (const ext of [0, 10, 11, 13, 23, 43, 51, 65281])
      assert.ok(h.extensions.includes(ext), `extension ${ext}`);
  }
}

describe("the setups tell the browsers apart", { skip: NO_CHROMIUM && NO_FIREFOX }, () => {
  it("each setup gives the outcomes it was built for", () => {
    const outcome = (name: string, client: "chrome" | "firefox") => {
      const i = SETUP_NAMES.indexOf(name);
      return docs[i].handshakes.find((h) => h.client === client)!;
    };
    const both = (name: string, check: (h: HandshakePrediction) => void) => {
      check(outcome(name, "chrome"));
      check(outcome(name, "firefox"));
    };
    // Firefox offers P-521, Chrome does not: with only ECDHE suites, Chrome has no suite it can use.
    assert.equal(outcome("TLS 1.2, ECDHE with P-521 only", "firefox").outcome, "ok");
    assert.equal(
      outcome("TLS 1.2, ECDHE with P-521 only", "chrome").error?.text,
      "ERR_SSL_VERSION_OR_CIPHER_MISMATCH",
    );
    // No common version: Chrome says mismatch, Firefox names the server's protocol_version alert.
    for (const old of ["TLS 1.0 only", "TLS 1.1 only"]) {
      assert.equal(outcome(old, "chrome").error?.text, "ERR_SSL_VERSION_OR_CIPHER_MISMATCH");
      assert.equal(outcome(old, "firefox").error?.text, "SSL_ERROR_PROTOCOL_VERSION_ALERT");
    }
    // A server that picks a version below the browser's range.
    assert.equal(outcome(OLD_SERVER, "chrome").error?.text, "ERR_SSL_VERSION_OR_CIPHER_MISMATCH");
    assert.equal(outcome(OLD_SERVER, "firefox").error?.text, "SSL_ERROR_UNSUPPORTED_VERSION");
    // No common suite or group: the server's handshake_failure, which Firefox calls no cipher overlap.
    for (const name of ["TLS 1.2, DHE only", "TLS 1.3, x448 only", "TLS 1.3, AES-128-CCM only"]) {
      assert.equal(outcome(name, "chrome").error?.text, "ERR_SSL_VERSION_OR_CIPHER_MISMATCH", name);
      assert.equal(outcome(name, "firefox").error?.text, "SSL_ERROR_NO_CYPHER_OVERLAP", name);
    }
    // A HelloRetryRequest for P-384, which neither browser sends a key share for.
    both("TLS 1.3, ChaCha20 and P-384 only", (h) => assert.equal(h.group, "secp384r1"));
    // The server's order wins over the browsers' (both put AES-GCM first).
    both("TLS 1.2, the server's order (AES128-SHA first)", (h) =>
      assert.equal(h.cipher, "TLS_RSA_WITH_AES_128_CBC_SHA"),
    );
    // Defaults: the browsers' first suite over x25519, their second key share (OpenSSL 3.0 has no
    // X25519MLKEM768, their first).
    both("defaults (TLS 1.2 and 1.3)", (h) => {
      assert.equal(h.cipher, "TLS_AES_128_GCM_SHA256");
      assert.equal(h.group, "x25519");
    });
  });
});

const netError = (text: string) => /\b(ERR_[A-Z0-9_]+)/.exec(text)?.[1] ?? text;

/** An anti-hang bound per browser: a launch, two captures and fourteen pages take well under a minute. */
const BOUND = 10 * 60_000;

describe("Chromium's handshakes are the predicted ones", { skip: NO_CHROMIUM, timeout: BOUND }, () => {
  let ctx: BrowserContext;
  before(async () => {
    const home = join(tmp.dir, "chromium-home");
    trustingNssDb(join(home, ".pki", "nssdb"), [rootPem]);
    ctx = await chromium.launchPersistentContext(join(home, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      env: { ...process.env, HOME: home },
      args: [...CHROMIUM_ARGS, "--host-resolver-rules=MAP localhost 127.0.0.1, MAP * ~NOTFOUND"],
    });
  });
  after(async () => {
    await ctx?.close();
  });

  const visit = async (url: string): Promise<Real> => {
    const page = await ctx.newPage();
    try {
      await page.goto(url, { timeout: 20_000 });
      return fromServerPage((await page.textContent("body")) ?? "");
    } catch (e) {
      return { ok: false, text: netError((e as Error).message.split("\n")[0] ?? "") };
    } finally {
      await page.close();
    }
  };

  it("sends the modelled ClientHello (GREASE aside, extensions permuted)", async () => {
    const listener: HelloListener = await listenForHellos();
    try {
      // The listener closes after the hello: Chromium retries on its own, so several hellos arrive.
      await visit(`https://localhost:${listener.port}/`);
      await visit(`https://localhost:${listener.port}/`);
    } finally {
      listener.close();
    }
    const hellos = listener.records.map(parseClientHello);
    assertOffer(hellos, CLIENT_OFFERS.chrome);
    for (const h of hellos) assert.ok(h.grease >= 4, "GREASE in suites, groups, versions and extensions");
    const orders = new Set(hellos.map((h) => h.extensions.join(",")));
    const sets = new Set(hellos.map((h) => [...h.extensions].sort((a, b) => a - b).join(",")));
    assert.equal(sets.size, 1, "the same extensions every time");
    assert.ok(hellos.length < 2 || orders.size > 1, "the extension order changes from hello to hello");
  });

  it("negotiates the predicted version and cipher suite, or fails with the predicted net error", async (t) => {
    const reals: Real[] = [];
    for (const s of servers) reals.push(await visit(`https://localhost:${s.port}/`));
    assertAgreement("chrome", reals, (d) => t.diagnostic(d));
  });
});

describe("Firefox's handshakes are the predicted ones", { skip: NO_FIREFOX, timeout: BOUND }, () => {
  let firefox: RunningFirefox;
  before(async () => {
    firefox = await startFirefox(join(tmp.dir, "firefox-profile"), [rootPem]);
  });
  after(async () => {
    await firefox?.close();
  });

  const visit = async (url: string): Promise<Real> => {
    const m = firefox.marionette;
    // Its error ("Reached error page") is not the code: the error page has it.
    await m.send("WebDriver:Navigate", { url });
    const code = await m.send("WebDriver:ExecuteScript", { script: FIREFOX_ERROR_CODE_SCRIPT, args: [] });
    assert.equal(code.error, null, JSON.stringify(code.error));
    const value = (code.result as { value?: string | null } | undefined)?.value;
    if (value) return { ok: false, text: value };
    const body = await m.send("WebDriver:ExecuteScript", {
      script: "return document.body.textContent",
      args: [],
    });
    return fromServerPage((body.result as { value?: string } | undefined)?.value ?? "");
  };

  it("sends the modelled ClientHello", async () => {
    const listener = await listenForHellos();
    try {
      await visit(`https://localhost:${listener.port}/`);
    } finally {
      listener.close();
    }
    const hellos = listener.records.map(parseClientHello);
    assertOffer(hellos, CLIENT_OFFERS.firefox);
    for (const h of hellos) assert.equal(h.grease, 0, "Firefox sends no GREASE");
  });

  it("negotiates the predicted version and cipher suite, or fails with the predicted error code", async (t) => {
    const reals: Real[] = [];
    for (const s of servers) reals.push(await visit(`https://localhost:${s.port}/`));
    assertAgreement("firefox", reals, (d) => t.diagnostic(d));
  });
});
