/**
 * The lab's declarations against two more real clients on this machine, as test/lab-oracle.test.ts does for
 * OpenSSL, curl, Node and Java: the verdict must be the declared one, and when the client refuses, what it
 * says must be chainproof's predicted text for it.
 *
 * Go: test/go/chaincheck.go, built here with the installed toolchain (stdlib only, no network, caches in a
 * temporary directory), dials every endpoint with crypto/tls (RootCAs = the lab roots, ServerName = the
 * endpoint's name, TCP to 127.0.0.1). Texts are compared modulo what depends on Go's version or on the
 * moment (see goKey).
 *
 * Chromium: Debian's Chromium, headless, driven by playwright-core, with a throwaway HOME whose NSS database
 * (certutil) holds the lab roots as trusted CAs; --host-resolver-rules sends the lab names to 127.0.0.1 and
 * every other name nowhere. A refused certificate fails the navigation with net::ERR_CERT_…; a passed one
 * gets as far as HTTP, where the lab's one-line answer is no HTTP response (net::ERR_INVALID_HTTP_RESPONSE;
 * see CHAIN_PASSED).
 * Client-certificate endpoints (client-cert, mtls-*): Chromium has no client certificate to give, so the
 * server refuses the empty one after Chromium accepted its chain (TLS 1.3 verifies the server's certificate
 * before the client's is sent): net::ERR_BAD_SSL_CLIENT_AUTH_CERT counts as "the chain was trusted".
 *
 * Firefox ESR: headless with --marionette, driven over Marionette (test/helpers/marionette.ts, no geckodriver),
 * a fresh profile whose cert9.db holds the lab roots (certutil); network.dns.localDomains sends the lab names
 * to 127.0.0.1 and everything else goes to a dead proxy on 127.0.0.1:9. The code is the certificate error
 * page's (document.getFailedCertSecurityInfo) or the network error page's (document.getNetErrorInfo). The
 * client-certificate endpoints end in SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT, the server's alert after
 * Firefox accepted its chain (TLS 1.3), which counts as "trusted".
 *
 * Each client is skipped, saying why, only when it is absent (go; chromium, certutil; firefox-esr, certutil).
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { writeLabFiles } from "../src/cli/commands/lab.js";
import { CLIENTS, type ClientId } from "../src/clients/index.js";
import {
  checkLab,
  type EndpointOutcome,
  expectedFor,
  type Lab,
  labCheckOptions,
  startLab,
} from "../src/lab/index.js";
import { checkEndpoint } from "../src/net/scan.js";
import {
  browserMissing,
  CHROMIUM,
  CHROMIUM_ARGS,
  FIREFOX,
  FIREFOX_ERROR_CODE_SCRIPT,
  startFirefox,
  trustingNssDb,
} from "./helpers/browsers.js";
import { tempDir } from "./helpers/openssl.js";
import { runProcess } from "./helpers/process.js";

interface Real {
  trusted: boolean;
  /** What the client said (Go's error, Chromium's net error). */
  text: string;
}

const GO_SOURCE = fileURLToPath(new URL("../../test/go/chaincheck.go", import.meta.url));
const have = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: "utf8" }).status === 0;
const HAVE_GO = have("go", ["version"]);
const NO_CHROMIUM = browserMissing(CHROMIUM, "chromium");
const NO_FIREFOX = browserMissing(FIREFOX, "firefox-esr");

const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) =>
  runProcess(cmd, args, { env, timeoutMs });

let lab: Lab;
let outcomes: EndpointOutcome[];
let tmp: { dir: string; cleanup: () => void };
let roots = "";

before(async () => {
  lab = await startLab();
  outcomes = await checkLab(lab);
  tmp = tempDir("chainproof-oracle-go-chromium-");
  roots = writeLabFiles(lab, tmp.dir).roots;
});
after(async () => {
  await lab?.close();
  tmp?.cleanup();
});

/**
 * Declarations the real client is known to differ from, each with its reason; for these the real client must
 * trust the endpoint (so a change in the client, or in the lab, shows).
 */
const KNOWN: Partial<Record<ClientId, Record<string, string>>> = {
  chrome: { distrusted: "the distrust rule is the lab's own" },
  firefox: { distrusted: "the distrust rule is the lab's own" },
};

/** Refusals whose text the real client words otherwise than the model, with what it says instead. */
const KNOWN_TEXT: Partial<Record<ClientId, Record<string, { real: string; why: string }>>> = {};

function predictedText(o: EndpointOutcome, client: ClientId): string {
  return o.report.matrix.clients.find((v) => v.client === client)?.error?.text ?? "";
}

function compare(client: ClientId, o: EndpointOutcome, real: Real, key: (t: string) => string): void {
  const name = o.endpoint.spec.name;
  const known = KNOWN[client]?.[name];
  if (known) {
    assert.equal(real.trusted, true, `${name} / ${client} (${known}): ${real.text}`);
    return;
  }
  const declared = expectedFor(o.endpoint.spec.expect, client);
  assert.equal(
    real.trusted,
    declared === "trusted",
    `${name} / ${CLIENTS[client].name}: declared ${declared}; the real client said: ${real.text}`,
  );
  const knownText = KNOWN_TEXT[client]?.[name];
  if (knownText && !real.trusted) {
    assert.equal(key(real.text), knownText.real, `${name} / ${client} (${knownText.why})`);
    return;
  }
  if (!real.trusted) {
    const predicted = key(predictedText(o, client));
    assert.ok(predicted, `${name} / ${CLIENTS[client].name}: the model predicts a refusal text`);
    assert.ok(
      key(real.text).includes(predicted),
      `${name} / ${CLIENTS[client].name}: predicted "${predicted}" in: ${real.text}`,
    );
  }
}

/**
 * Go's text modulo its version and the moment: Go ≥ 1.20 prefixes "tls: failed to verify certificate: "
 * (1.19 does not); Go 1.18–1.23 add a GODEBUG hint to the SHA-1 text (1.24+ do not); "current time …" is
 * when the check ran, which is not when the model looked.
 */
function goKey(text: string): string {
  return text
    .replace(/^tls: failed to verify certificate: /, "")
    .replace(/ \(temporarily override with GODEBUG=x509sha1=1\)/, "")
    .replace(/current time \S+ is/g, "current time T is");
}

async function goResults(): Promise<Map<string, Real>> {
  const bin = join(tmp.dir, "chaincheck");
  const env = {
    ...process.env,
    GOCACHE: join(tmp.dir, "gocache"),
    GOPATH: join(tmp.dir, "gopath"),
    GOTOOLCHAIN: "local",
    GOFLAGS: "",
    GOPROXY: "off",
    CGO_ENABLED: "0",
  };
  const built = await run("go", ["build", "-o", bin, GO_SOURCE], env, 300_000);
  assert.equal(built.code, 0, `go build: ${built.out}`);
  const args = [roots, ...lab.endpoints.flatMap((e) => [e.host, String(e.port)])];
  const r = await run(bin, args, env, 120_000);
  assert.equal(r.code, 0, r.out);
  const out = new Map<string, Real>();
  for (const line of r.out.trim().split("\n")) {
    const [host, text] = line.split("\t");
    if (host && text) out.set(host, { trusted: text === "OK", text });
  }
  return out;
}

/** A throwaway HOME whose NSS database trusts the lab roots (as Chromium on Linux reads ~/.pki/nssdb). */
function nssHome(): string {
  const home = join(tmp.dir, "home");
  if (!existsSync(home))
    trustingNssDb(
      join(home, ".pki", "nssdb"),
      lab.pki.trustedRoots.map((r) => r.built.pem),
    );
  return home;
}

/**
 * Net errors that say the certificate passed: they come after the handshake, which a refused certificate
 * ends with its ERR_CERT_… code. ERR_SOCKET_NOT_CONNECTED: the lab's server answers one line and closes at
 * once, and Chromium sometimes finds the connection closed when it writes its request (seen on trusted
 * endpoints only, at random; tried again first).
 */
const CHAIN_PASSED = new Set([
  "ERR_INVALID_HTTP_RESPONSE",
  "ERR_BAD_SSL_CLIENT_AUTH_CERT",
  "ERR_SOCKET_NOT_CONNECTED",
]);
/** Net errors of the connection itself, not of the certificate: tried again, up to three times in all. */
const TRANSIENT = /^ERR_(SOCKET_NOT_CONNECTED|CONNECTION_(RESET|CLOSED|REFUSED)|TIMED_OUT)$/;

const netError = (text: string) => /\b(ERR_[A-Z0-9_]+)/.exec(text)?.[1] ?? text;

/**
 * Every endpoint in one headless Chromium. With `aia` false, loopback addresses are mapped nowhere too, so
 * the lab's AIA server (http://127.0.0.1:PORT) cannot be reached while the lab names still can.
 */
async function chromiumResults(
  home: string,
  endpoints: Lab["endpoints"],
  aia: boolean,
): Promise<Map<string, Real>> {
  const rules = aia
    ? "MAP *.lab.chainproof.test 127.0.0.1, EXCLUDE 127.0.0.1, MAP * ~NOTFOUND"
    : "MAP *.lab.chainproof.test 127.0.0.1, MAP * ~NOTFOUND";
  const ctx = await chromium.launchPersistentContext(join(home, aia ? "profile" : "profile-no-aia"), {
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, HOME: home },
    args: [...CHROMIUM_ARGS, `--host-resolver-rules=${rules}`],
  });
  const out = new Map<string, Real>();
  try {
    const page = await ctx.newPage();
    const visit = async (url: string): Promise<string> => {
      try {
        const r = await page.goto(url, { timeout: 20_000 });
        return `HTTP ${r?.status()}`;
      } catch (e) {
        return netError((e as Error).message.split("\n")[0] ?? "");
      }
    };
    for (const e of endpoints) {
      const url = `https://${e.host}:${e.port}/`;
      let code = await visit(url);
      for (let tries = 1; tries < 3 && TRANSIENT.test(code); tries++) code = await visit(url);
      out.set(e.host, { trusted: code.startsWith("HTTP") || CHAIN_PASSED.has(code), text: code });
    }
  } finally {
    await ctx.close();
  }
  return out;
}

/** After the handshake, the server's alert for the client certificate Firefox did not send. */
const FIREFOX_CHAIN_PASSED = new Set(["SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT"]);

/**
 * Every endpoint in one headless Firefox on a fresh profile trusting the lab roots: the lab names go to
 * 127.0.0.1 (network.dns.localDomains), everything else to a dead proxy.
 */
async function firefoxResults(): Promise<Map<string, Real>> {
  const firefox = await startFirefox(
    join(tmp.dir, "firefox-profile"),
    lab.pki.trustedRoots.map((r) => r.built.pem),
    {
      "network.dns.localDomains": lab.endpoints.map((e) => e.host).join(","),
      "network.proxy.no_proxies_on": "localhost, 127.0.0.1, .lab.chainproof.test",
    },
  );
  const out = new Map<string, Real>();
  try {
    const m = firefox.marionette;
    // "incomplete" first, before any endpoint has sent the lab's RSA intermediate: no intermediate Firefox
    // kept from an earlier connection can complete it.
    const order = [...lab.endpoints].sort(
      (a, b) => Number(b.spec.name === "incomplete") - Number(a.spec.name === "incomplete"),
    );
    for (const e of order) {
      // Its error ("insecure certificate", "Reached error page") is not the code: the error page has it.
      await m.send("WebDriver:Navigate", { url: `https://${e.host}:${e.port}/` });
      const r = await m.send("WebDriver:ExecuteScript", { script: FIREFOX_ERROR_CODE_SCRIPT, args: [] });
      const code = (r.result as { value?: string | null } | undefined)?.value ?? null;
      assert.equal(r.error, null, `${e.host}: ${JSON.stringify(r.error)}`);
      out.set(e.host, {
        trusted: code === null || FIREFOX_CHAIN_PASSED.has(code),
        text: code ?? "the page loaded",
      });
    }
  } finally {
    await firefox.close();
  }
  return out;
}

describe("the lab's declarations hold for Go, Chromium and Firefox on this machine", () => {
  it("Go (crypto/tls)", { skip: !HAVE_GO && "go not found (apt-get install golang-go)" }, async () => {
    const go = await goResults();
    for (const o of outcomes) {
      const real = go.get(o.endpoint.host);
      assert.ok(real, `Go reached ${o.endpoint.host}`);
      compare("go", o, real, goKey);
    }
  });

  it("Chromium (headless, lab roots in its NSS database)", { skip: NO_CHROMIUM }, async () => {
    const results = await chromiumResults(nssHome(), lab.endpoints, true);
    for (const o of outcomes) {
      const real = results.get(o.endpoint.host);
      assert.ok(real, `Chromium reached ${o.endpoint.host}`);
      compare("chrome", o, real, netError);
    }
  });

  it("Chromium without AIA: the endpoints Chrome trusts through an AIA-fetched issuer are refused as predicted", {
    skip: NO_CHROMIUM,
  }, async () => {
    // Chrome's verdict uses a fetched certificate: a missing intermediate (incomplete), or a good copy of a
    // broken sent one (src/clients/chrome.ts refetchesAfter).
    const rescued = outcomes.filter((o) =>
      o.report.matrix.clients.find((v) => v.client === "chrome")?.path.some((p) => p.from === "aia"),
    );
    assert.ok(rescued.length >= 5, `AIA-rescued endpoints: ${rescued.map((o) => o.endpoint.spec.name)}`);
    const results = await chromiumResults(
      nssHome(),
      rescued.map((o) => o.endpoint),
      false,
    );
    for (const o of rescued) {
      // The model without AIA: Chrome's verdict "depends" on the URL, and its text is the refusal's.
      const offline = await checkEndpoint(
        { host: o.endpoint.host, port: o.endpoint.port, connectTo: lab.address },
        { ...labCheckOptions(lab, ["chrome"]), aia: false },
      );
      const chrome = offline.matrix.clients[0];
      assert.equal(chrome.status, "depends", o.endpoint.spec.name);
      const real = results.get(o.endpoint.host);
      assert.ok(real, `Chromium reached ${o.endpoint.host}`);
      assert.equal(real.trusted, false, `${o.endpoint.spec.name} without AIA: ${real.text}`);
      assert.equal(real.text, netError(chrome.error?.text ?? ""), o.endpoint.spec.name);
    }
  });

  it("Firefox ESR (Marionette, lab roots in a fresh profile)", { skip: NO_FIREFOX }, async () => {
    const results = await firefoxResults();
    for (const o of outcomes) {
      const real = results.get(o.endpoint.host);
      assert.ok(real, `Firefox reached ${o.endpoint.host}`);
      compare("firefox", o, real, (t) => t);
    }
  });
});
