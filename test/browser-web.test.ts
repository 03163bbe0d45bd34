/**
 * The pages in a real browser: Debian's Chromium driven by playwright-core, against `chainproof serve`'s
 * server on a loopback port. Decode a certificate; a certificate whose CN is HTML shows as text (no dialog,
 * no element); check the lab's incomplete chain and see the gap drawn; create a key and download its JKS;
 * validate a SAML Response; scan the lab's endpoints. Skipped, saying why, when Chromium cannot start or
 * the pages are not built.
 */

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { createWebServer, VERSION } from "../src/web/server.js";
import { readCertificates } from "../src/x509/input.js";
import { toPem } from "../src/x509/pem.js";
import { HOSTILE_CN, makePki, makeSaml, SAML_ACS, SAML_SP } from "./web-fixtures.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];

const pki = makePki();
const saml = makeSaml();

let app: FastifyInstance | undefined;
let ctx: BrowserContext | undefined;
let base = "";
let skip: string | false = false;
const dirs: string[] = [];
const dialogs: string[] = [];

before(async () => {
  const built = new URL("../../dist/web/index.html", import.meta.url);
  if (!existsSync(built)) {
    skip = "the pages are not built (npm run build)";
    return;
  }
  if (!existsSync(CHROMIUM)) {
    skip = `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
    return;
  }
  const home = mkdtempSync(join(tmpdir(), "cp-browser-ks-"));
  const profile = mkdtempSync(join(tmpdir(), "cp-browser-profile-"));
  dirs.push(home, profile);
  app = await createWebServer({ host: "127.0.0.1", keystoreHome: home });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      acceptDownloads: true,
      viewport: { width: 1200, height: 900 },
    });
  } catch (e) {
    skip = `Chromium cannot start: ${(e as Error).message.split("\n")[0]}`;
    return;
  }
  ctx.setDefaultTimeout(20_000);
  ctx.on("page", (p) =>
    p.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    }),
  );
});

after(async () => {
  await ctx?.close();
  await app?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function open(path: string): Promise<Page> {
  const page = await ctx!.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  await page.goto(`${base}${path}`);
  (page as Page & { errors: string[] }).errors = errors;
  return page;
}

function noErrors(page: Page) {
  assert.deepEqual((page as Page & { errors: string[] }).errors, [], "no script errors or CSP violations");
}

describe("browser: chainproof serve's pages in Chromium", () => {
  it("decodes a pasted certificate: fields and fingerprints", async (t) => {
    if (skip) return t.skip(skip);
    const page = await open("/decode");
    await page.getByLabel("Paste").fill(toPem(pki.leaf.der));
    await page.getByRole("button", { name: "Decode" }).click();
    await page.getByRole("heading", { name: "service.example.test" }).waitFor();
    const sha = pki.leaf.cert.sha256.toUpperCase().match(/.{2}/g)!.join(":");
    assert.equal(await page.getByText(sha).count(), 1);
    assert.equal(await page.getByText("CN=Web Test Intermediate,O=chainproof tests").count(), 1);
    noErrors(page);
    await page.close();
  });

  it("shows a certificate whose CN is HTML as text: no dialog, no element", async (t) => {
    if (skip) return t.skip(skip);
    const page = await open("/decode");
    await page.getByLabel("Paste").fill(toPem(pki.hostile.der));
    await page.getByRole("button", { name: "Decode" }).click();
    const heading = page.getByRole("heading", { name: HOSTILE_CN });
    await heading.waitFor();
    assert.equal(await heading.isVisible(), true);
    assert.equal(await page.locator("main img").count(), 0);
    assert.equal(await page.locator("main script").count(), 0);
    // The same certificate drawn in a chain (the offline check).
    await page.getByRole("link", { name: "Chain", exact: true }).click();
    await page.getByLabel("Paste").fill(toPem(pki.hostile.der));
    await page.getByRole("button", { name: "Check chain" }).click();
    await page.locator(".cert-label", { hasText: HOSTILE_CN }).first().waitFor();
    await page.waitForTimeout(300);
    assert.equal(await page.locator("main img").count(), 0);
    assert.deepEqual(dialogs, [], "no dialog fired");
    noErrors(page);
    await page.close();
  });

  it("checks the lab's incomplete chain: the gap drawn with its name and AIA link; the repaired bundle", async (t) => {
    if (skip) return t.skip(skip);
    const page = await open("/check");
    await page.getByText("Try it on the lab").click();
    await page.getByRole("button", { name: "Start the lab" }).click();
    await page.getByRole("button", { name: "incomplete", exact: true }).click();
    const gap = page.locator(".cert-box.gap");
    await gap.waitFor();
    assert.match((await gap.textContent()) ?? "", /Missing intermediate.*CN=chainproof Lab RSA Issuing CA/);
    const link = gap.getByRole("link");
    assert.match((await link.getAttribute("href")) ?? "", /^http:\/\/127\.0\.0\.1:\d+\/.+/);
    await page.getByRole("heading", { name: "Repaired chain" }).waitFor();
    assert.match(
      (await page.locator("table.matrix").first().textContent()) ?? "",
      /PKIX path building failed/,
    );
    const dl = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download the repaired bundle (PEM)" }).click();
    const file = await (await dl).path();
    const read = readCertificates(readFileSync(file), { source: "bundle" });
    assert.equal(read.certificates.length, 2);
    noErrors(page);
    await page.close();
  });

  it("creates a key and downloads its JKS", async (t) => {
    if (skip) return t.skip(skip);
    const page = await open("/keys");
    await page.getByLabel("New passphrase").fill("browser test passphrase");
    await page.getByLabel("The same again").fill("browser test passphrase");
    await page.getByRole("button", { name: "Unlock" }).click();
    await page.getByLabel("Unique name").fill("Browser_Client");
    await page.getByLabel("Common name (CN)").fill("browser-client.example.com");
    await page.getByRole("button", { name: "Create", exact: true }).click();
    await page.getByText("Created Browser_Client").waitFor();
    await page.getByRole("button", { name: "Manage" }).click();
    await page.getByLabel("File password").fill("changeit");
    const dl = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download JKS" }).click();
    const d = await dl;
    assert.equal(d.suggestedFilename(), "Browser_Client.jks");
    const read = readCertificates(readFileSync(await d.path()), { source: "jks", password: "changeit" });
    assert.equal(read.container, "jks");
    assert.equal(read.keys.length, 1);
    assert.equal(read.certificates[0].cert.subject.toString(), "CN=browser-client.example.com");
    noErrors(page);
    await page.close();
  });

  it("validates a SAML Response step by step", async (t) => {
    if (skip) return t.skip(skip);
    const page = await open("/saml");
    const response = page.getByRole("group", { name: "SAML Response", exact: true });
    await response.getByLabel("Paste").fill(saml.response);
    await page
      .getByRole("group", { name: "The IdP certificate the SP has configured", exact: true })
      .getByLabel("Paste")
      .fill(toPem(saml.idp.der));
    await page.getByText("More: metadata, expected values, time").click();
    await page.getByLabel("SP entity ID (expected Audience)").fill(SAML_SP);
    await page.getByLabel("ACS URL (expected Recipient and Destination)").fill(SAML_ACS);
    await page.getByLabel("AuthnRequest ID (expected InResponseTo)").fill("_req-1");
    await page.getByRole("button", { name: "Validate" }).click();
    await page.getByText("✓ The SAML Response is valid.").waitFor();
    assert.ok((await page.locator("ol.steps > li").count()) > 5);
    assert.equal(await page.getByText("alice@example.com").first().isVisible(), true);
    noErrors(page);
    await page.close();
  });

  it("scans the lab's endpoints with live progress, and exports CSV", async (t) => {
    if (skip) return t.skip(skip);
    const page = await open("/scan");
    await page.getByRole("button", { name: "Fill in the lab's endpoints" }).click();
    await page.waitForFunction(
      () => (document.getElementById("targets") as HTMLTextAreaElement).value.length > 0,
    );
    const lines = (await page.locator("#targets").inputValue()).split("\n").length;
    await page.getByRole("button", { name: "Start scan" }).click();
    await page.getByText(`${lines} of ${lines} done (100%) — finished`).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator("table.scan tbody tr").count(), lines);
    assert.ok((await page.locator("table.scan").getByText("not trusted").count()) > 0);
    const dl = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export CSV" }).click();
    const csv = readFileSync(await (await dl).path(), "utf8");
    assert.equal(csv.trim().split("\r\n").length, lines + 1);
    noErrors(page);
    await page.close();
  });

  it("answers with the version the server reports", async (t) => {
    if (skip) return t.skip(skip);
    const page = await open("/check");
    const v = await page.evaluate(async () => (await (await fetch("/api/session")).json()).version);
    assert.equal(v, VERSION);
    await page.close();
  });
});
