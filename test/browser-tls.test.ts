/**
 * The checker's TLS option in a real browser (Debian's Chromium, playwright-core) against real servers on
 * loopback: `openssl s_server` restricted to TLS 1.2 (Salesforce's row still connects, the versions table
 * says TLS 1.3 is not spoken), one restricted to TLS 1.0 (the Java and Salesforce rows show the failure and
 * the text the client prints, the finding its fix), and an SMTP server reached through the STARTTLS field.
 * Skipped, saying why, when Chromium or openssl is missing or the pages are not built.
 */

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { newToken } from "../src/web/security.js";
import { createWebServer } from "../src/web/server.js";
import { CHROMIUM, CHROMIUM_ARGS } from "./helpers/browsers.js";
import { haveOpenssl } from "./helpers/openssl.js";
import { type OpensslServer, startOpensslServer } from "./helpers/openssl-server.js";
import { type FakeServer, startFakeStarttls } from "./helpers/starttls-servers.js";
import { makePki } from "./helpers/tls-server.js";

let app: FastifyInstance | undefined;
let ctx: BrowserContext | undefined;
let base = "";
let skip: string | false = false;
const dirs: string[] = [];
const token = newToken();
const servers: { tls12?: OpensslServer; tls10?: OpensslServer; smtp?: FakeServer } = {};

before(async () => {
  if (!existsSync(new URL("../../dist/web/index.html", import.meta.url))) {
    skip = "the pages are not built (npm run build)";
    return;
  }
  if (!existsSync(CHROMIUM)) {
    skip = `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
    return;
  }
  if (!haveOpenssl()) {
    skip = "no openssl";
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), "cp-browser-tls-"));
  const profile = mkdtempSync(join(tmpdir(), "cp-browser-tls-profile-"));
  dirs.push(tmp, profile);
  const pki = makePki("rsa");
  const pem = pki.leaf.pem + pki.intermediate.pem;
  const dir = (name: string) => {
    mkdirSync(join(tmp, name));
    return join(tmp, name);
  };
  servers.tls12 = await startOpensslServer(dir("tls12"), pem, pki.leaf.key.keyPem, ["-www", "-tls1_2"]);
  servers.tls10 = await startOpensslServer(dir("tls10"), pem, pki.leaf.key.keyPem, [
    "-www",
    "-tls1",
    "-cipher",
    "DEFAULT@SECLEVEL=0",
  ]);
  servers.smtp = await startFakeStarttls("smtp", { key: pki.leaf.key.keyPem, cert: pem });
  app = await createWebServer({ host: "127.0.0.1", token, keystoreHome: dir("keys") });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1200, height: 900 },
    });
  } catch (e) {
    skip = `Chromium cannot start: ${(e as Error).message.split("\n")[0]}`;
    return;
  }
  ctx.setDefaultTimeout(30_000);
});

after(async () => {
  await ctx?.close();
  await app?.close();
  servers.tls12?.close();
  servers.tls10?.close();
  await servers.smtp?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Check `port` on loopback from the page, with the TLS option ticked and STARTTLS chosen as given. */
async function checkTls(port: number, o: { tls: boolean; starttls?: string }): Promise<Page> {
  const page = await ctx!.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/check#token=${token}`);
  await page.getByLabel("Host and port").fill(`127.0.0.1:${port}`);
  await page.locator("summary", { hasText: "Options" }).click();
  if (o.tls) await page.getByLabel(/^TLS: list the versions/).check();
  if (o.starttls) await page.getByLabel("STARTTLS", { exact: true }).selectOption(o.starttls);
  await page.getByRole("button", { name: "Check", exact: true }).click();
  await page.getByRole("heading", { name: "Connection" }).waitFor();
  assert.deepEqual(errors, [], "no script errors");
  return page;
}

const row = (page: Page, client: string) => page.locator(`table.tls-handshakes tr[data-client="${client}"]`);

describe("browser: the checker's TLS option", () => {
  it("a TLS 1.2-only server: the versions table, the suites, Salesforce connects with TLS 1.2", async (t) => {
    if (skip) return t.skip(skip);
    const page = await checkTls(servers.tls12!.port, { tls: true });
    await page.getByRole("heading", { name: "TLS versions, cipher suites and handshakes" }).waitFor();
    const versions = page.locator("table.tls-versions");
    assert.match(
      (await versions.locator("tr", { hasText: "TLSv1.2" }).locator("td").first().textContent()) ?? "",
      /^yes$/,
    );
    assert.match(
      (await versions.locator("tr", { hasText: "TLSv1.3" }).locator("td").first().textContent()) ?? "",
      /^no$/,
    );
    const suites = page.locator("table.tls-suites", { hasText: "TLSv1.2 cipher suites" });
    assert.match((await suites.textContent()) ?? "", /TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384/);
    const salesforce = (await row(page, "salesforce").textContent()) ?? "";
    assert.match(salesforce, /connects/);
    assert.match(salesforce, /TLSv1\.2, TLS_ECDHE_RSA_WITH_AES_\d+_GCM_SHA\d+/);
    // TLS 1.3 absent is a finding, with its fix.
    const finding = page.locator(".finding", { hasText: "tls13-absent" });
    assert.match((await finding.textContent()) ?? "", /Fix:/);
    await page.close();
  });

  it("a TLS 1.0-only server: the Java and Salesforce rows show the failure and the client's text", async (t) => {
    if (skip) return t.skip(skip);
    const page = await checkTls(servers.tls10!.port, { tls: true });
    await page.getByRole("heading", { name: "TLS versions, cipher suites and handshakes" }).waitFor();
    for (const client of ["java", "salesforce"]) {
      const text = (await row(page, client).textContent()) ?? "";
      assert.match(text, /fails/, `${client} fails`);
      // Java's own words: the server answers a modern hello with TLS 1.0, which Java refuses.
      assert.match(
        (await row(page, client).locator("code.errtext").textContent()) ?? "",
        /The server selected protocol version TLS10 is not accepted by client preferences|protocol_version/,
      );
    }
    assert.match(
      (await page.locator(".finding", { hasText: "tls-old-version" }).textContent()) ?? "",
      /Fix:/,
    );
    await page.getByText("The configuration, per server software").click();
    assert.match(
      (await page.locator("pre", { hasText: "ssl_protocols" }).first().textContent()) ?? "",
      /TLSv1\.2/,
    );
    await page.close();
  });

  it("the STARTTLS field: an SMTP server's certificate reached after STARTTLS, and enumerated the same way", async (t) => {
    if (skip) return t.skip(skip);
    const page = await checkTls(servers.smtp!.port, { tls: true, starttls: "smtp" });
    await page.getByText("Every probe made the smtp STARTTLS exchange first.").waitFor();
    assert.match(
      (await page.locator("dl.facts", { hasText: "Certificates sent" }).textContent()) ?? "",
      /completed/,
    );
    assert.match((await row(page, "node").textContent()) ?? "", /connects/);
    await page.close();
  });
});
