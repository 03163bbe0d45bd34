/**
 * The pages in a real browser: Debian's Chromium driven by playwright-core, against `chainproof serve`'s
 * server on a loopback port. The #token= link signs the tab in and leaves the address bar (the token never
 * reaches the server in a URL); without it, or with a wrong one, the page asks for the token; decode a
 * certificate; a certificate whose CN is HTML shows as text (no dialog, no element); check the lab's
 * incomplete chain and see the gap drawn; the certificate or handshake step a check fails on marked in the
 * drawing, and a box opening its certificate's details; create a key and download its JKS (the passphrase asked again);
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
import { LAB_DOMAIN } from "../src/lab/index.js";
import { newToken } from "../src/web/security.js";
import { createWebServer, VERSION } from "../src/web/server.js";
import { buildCsr } from "../src/x509/builder.js";
import { readCertificates } from "../src/x509/input.js";
import { toPem } from "../src/x509/pem.js";
import { CHROMIUM, CHROMIUM_ARGS } from "./helpers/browsers.js";
import { haveOpenssl, opensslOk } from "./helpers/openssl.js";
import { HOSTILE_CN, makePki, makeSaml, SAML_ACS, SAML_SP } from "./web-fixtures.js";

const pki = makePki();
const saml = makeSaml();

let app: FastifyInstance | undefined;
let ctx: BrowserContext | undefined;
let base = "";
let skip: string | false = false;
const dirs: string[] = [];
const dialogs: string[] = [];
const token = newToken();
/** Every URL a request to the server asked for (the token must never be among them). */
const requested: string[] = [];

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
  app = await createWebServer({ host: "127.0.0.1", token, keystoreHome: home });
  app.addHook("onRequest", async (req) => {
    requested.push(`${req.url} ${req.headers.referer ?? ""}`);
  });
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

/** A new tab on `path`, signed in through the link serve prints (unless signIn is false). */
async function open(path: string, signIn = true): Promise<Page> {
  const page = await ctx!.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  await page.goto(`${base}${path}${signIn ? `#token=${token}` : ""}`);
  (page as Page & { errors: string[] }).errors = errors;
  return page;
}

/** No script errors or CSP violations; `refused` lists HTTP statuses the test provoked on purpose. */
function noErrors(page: Page, refused: number[] = []) {
  const expected = (e: string) =>
    refused.some((s) => e.startsWith(`Failed to load resource: the server responded with a status of ${s} `));
  assert.deepEqual(
    (page as Page & { errors: string[] }).errors.filter((e) => !expected(e)),
    [],
    "no script errors or CSP violations",
  );
}

/** Cards and table wrappers whose content is wider than they are, by the page's own measure. */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth + 1) {
      out.push(`the page: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
    }
    for (const el of Array.from(document.querySelectorAll<HTMLElement>("main .card, main .table-wrap"))) {
      if (el.scrollWidth > el.clientWidth + 1) {
        out.push(
          `${el.className} "${(el.textContent ?? "").slice(0, 40)}": ${el.scrollWidth} > ${el.clientWidth}`,
        );
      }
    }
    return out;
  });
}

describe("browser: the access token", () => {
  it("the #token= link signs the tab in and disappears from the address bar", async (t) => {
    if (skip) return t.skip(skip);
    const page = await open("/decode");
    await page.getByLabel("Paste").waitFor();
    assert.equal(page.url(), `${base}/decode`);
    assert.equal(await page.evaluate(() => location.hash), "");
    assert.equal(await page.evaluate(() => sessionStorage.getItem("chainproof.token")), token);
    // Navigating between pages keeps the tab signed in.
    await page.getByRole("link", { name: "Keystore" }).click();
    await page.getByRole("heading", { name: "Keystore", exact: true }).waitFor();
    assert.ok(
      requested.every((r) => !r.includes(token)),
      "the token never reached the server in a URL or Referer",
    );
    noErrors(page);
    await page.close();
  });

  it("without the token the page asks for it; a wrong one is refused; the right one signs in", async (t) => {
    if (skip) return t.skip(skip);
    const page = await open("/decode", false);
    (page as Page & { errors: string[] }).errors.length = 0;
    await page.getByText("Paste the token printed by chainproof serve").waitFor();
    assert.equal(await page.getByLabel("Paste").count(), 0, "no page without the token");
    await page.getByLabel("Token (or the whole link)").fill("not-the-token-0123456789");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText("That token was not accepted").waitFor();
    // The whole link pasted works as well as the token alone.
    await page.getByLabel("Token (or the whole link)").fill(`${base}/#token=${token}`);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByLabel("Paste").waitFor();
    // A token that stops working (a restarted server makes a new one): the next call brings the prompt back.
    await page.evaluate(() => sessionStorage.setItem("chainproof.token", "stale-token-from-last-start"));
    await page.getByLabel("Paste").fill("not a certificate");
    await page.getByRole("button", { name: "Decode" }).click();
    await page.getByText("That token was not accepted").waitFor();
    await page.close();
  });
});

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
    // The chain exactly as the server sent it: the leaf alone (that is what is wrong with it).
    const sentDl = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download the chain as sent (PEM)" }).click();
    const sent = readCertificates(readFileSync(await (await sentDl).path()), { source: "sent" });
    assert.equal(sent.certificates.length, 1);
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
    // A name of only "-": the page says what is wrong with it (not the browser's "match the format").
    await page.getByLabel("Unique name").fill("-");
    await page.getByText('The name must start with a letter ("-" is not one).').waitFor();
    await page.getByLabel("Unique name").fill("Browser-Client");
    await page.getByText('letters, digits and underscores: "-" is not allowed').waitFor();
    await page.getByLabel("Unique name").fill("Browser_Client");
    await page.getByLabel("Common name (CN)").fill("browser-client.example.com");
    await page.getByRole("button", { name: "Create", exact: true }).click();
    await page.getByText("Created Browser_Client").waitFor();
    // The form is cleared for the next key; a new one-year key has 365 days left, not 364.
    assert.equal(await page.getByLabel("Unique name").inputValue(), "");
    assert.equal(await page.getByLabel("Common name (CN)").inputValue(), "");
    await page.getByText("365 days left").first().waitFor();
    await page.getByRole("button", { name: "Manage" }).click();
    // Under 6 characters the download waits, saying why.
    await page.getByLabel("File password").fill("12345");
    await page.getByText("The file password needs at least 6 characters").waitFor();
    assert.equal(await page.getByRole("button", { name: "Download JKS" }).isDisabled(), true);
    await page.getByLabel("File password").fill("changeit");
    // The key leaves only with the keystore passphrase, asked again: a wrong one gets no file.
    await page.getByLabel("Keystore passphrase (again)").fill("not the passphrase");
    await page.getByRole("button", { name: "Download JKS" }).click();
    await page.getByText("wrong passphrase for the keystore").waitFor();
    await page.getByLabel("Keystore passphrase (again)").fill("browser test passphrase");
    const dl = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download JKS" }).click();
    const d = await dl;
    assert.equal(d.suggestedFilename(), "Browser_Client.jks");
    const read = readCertificates(readFileSync(await d.path()), { source: "jks", password: "changeit" });
    assert.equal(read.container, "jks");
    assert.equal(read.keys.length, 1);
    assert.equal(read.certificates[0].cert.subject.toString(), "CN=browser-client.example.com");
    noErrors(page, [403]);
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
    const v = await page.evaluate(async () => {
      const t = sessionStorage.getItem("chainproof.token");
      const res = await fetch("/api/session", { headers: { authorization: `Bearer ${t}` } });
      return (await res.json()).version;
    });
    assert.equal(v, VERSION);
    await page.close();
  });
});

describe("browser: the tools (CSR, key match, convert)", () => {
  const leafKeyPem = pki.leafKey.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const encryptedKeyPem = pki.leafKey.privateKey
    .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "key secret" })
    .toString();

  it("decodes a CSR: subject, requested names, the signature verified", async (t) => {
    if (skip) return t.skip(skip);
    const csr = buildCsr({
      subject: "CN=csr.example.test,O=Browser",
      san: [{ dns: "csr.example.test" }, { dns: "www.csr.example.test" }],
      key: pki.leafKey,
    });
    const page = await open("/tools");
    await page.getByLabel("Paste").fill(csr.pem);
    await page.getByRole("button", { name: "Decode the request" }).click();
    await page.getByText("signature verifies").waitFor();
    assert.equal(await page.getByRole("heading", { name: /CN=csr\.example\.test,O=Browser/ }).count(), 1);
    assert.equal(await page.getByText("dns:csr.example.test, dns:www.csr.example.test").count(), 2);
    noErrors(page);
    await page.close();
  });

  it("matches an encrypted key with its certificate once the password is given; another cert does not", async (t) => {
    if (skip) return t.skip(skip);
    const page = await open("/tools");
    await page.getByRole("button", { name: "Key matches certificate?" }).click();
    const key = page.getByRole("group", { name: "Private key", exact: true });
    const target = page.getByRole("group", { name: "Certificate or CSR", exact: true });
    await key.getByLabel("Paste").fill(encryptedKeyPem);
    await target.getByLabel("Paste").fill(toPem(pki.leaf.der));
    await page.getByRole("button", { name: "Compare" }).click();
    await page.getByText("the private key is encrypted; give its password").waitFor();
    await key.getByLabel("Password (PKCS#12, JKS)").fill("key secret");
    await page.getByRole("button", { name: "Compare" }).click();
    await page.getByText("The private key matches the certificate (CN=service.example.test).").waitFor();
    await target.getByLabel("Paste").fill(toPem(pki.int.der));
    await page.getByRole("button", { name: "Compare" }).click();
    await page.getByText(/does not match the certificate \(CN=Web Test Intermediate/).waitFor();
    noErrors(page, [400]);
    await page.close();
  });

  it("converts a PEM chain and its key to PKCS#12: the download opens in OpenSSL", async (t) => {
    if (skip) return t.skip(skip);
    if (!haveOpenssl()) return t.skip("openssl is not installed");
    const page = await open("/tools");
    await page.getByRole("button", { name: "Convert formats" }).click();
    const input = page.getByRole("group", { name: "Certificates (and key)", exact: true });
    await input.getByLabel("Paste").fill(toPem(pki.leaf.der) + toPem(pki.int.der) + leafKeyPem);
    await page.getByLabel("Convert to").selectOption("p12");
    await page.getByLabel("Password of the file to write (6 or more characters)").fill("changeit");
    await page.getByRole("button", { name: "Convert", exact: true }).click();
    await page
      .getByRole("heading", { name: "pasted.p12: 2 certificates, 1 private key", exact: false })
      .waitFor();
    const dl = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download pasted.p12" }).click();
    const d = await dl;
    assert.equal(d.suggestedFilename(), "pasted.p12");
    const info = await opensslOk([
      "pkcs12",
      "-in",
      await d.path(),
      "-info",
      "-nodes",
      "-passin",
      "pass:changeit",
    ]);
    assert.equal(info.stdout.match(/-----BEGIN CERTIFICATE-----/g)?.length, 2);
    assert.match(info.stdout, /-----BEGIN PRIVATE KEY-----/);
    // DER takes one certificate: the page says why it refuses two.
    await page.getByLabel("Convert to").selectOption("der");
    await page.getByRole("button", { name: "Convert", exact: true }).click();
    await page.getByText(/holds 2 certificates; DER holds one/).waitFor();
    noErrors(page, [400]);
    await page.close();
  });
});

describe("browser: every page at 1366×900 and at 390×844 (a phone)", () => {
  const PAGES = ["/check", "/decode", "/tools", "/verify", "/stores", "/keys", "/saml", "/scan"];

  for (const [width, height] of [
    [1366, 900],
    [390, 844],
  ]) {
    it(`${width}×${height}: no horizontal overflow inside any card, on any page`, async (t) => {
      if (skip) return t.skip(skip);
      const page = await open("/check");
      await page.setViewportSize({ width, height });
      for (const path of PAGES) {
        await page.goto(`${base}${path}`);
        await page.locator("main h1").first().waitFor();
        if (path === "/stores") await page.locator("table.roots tbody tr").first().waitFor();
        assert.deepEqual(await overflowing(page), [], `${path} at ${width} px`);
      }
      noErrors(page);
      await page.close();
    });
  }

  it("trust stores at 1366 px: one line per root, paged (the Mozilla list is not one long page)", async (t) => {
    if (skip) return t.skip(skip);
    const page = await open("/stores");
    await page.setViewportSize({ width: 1366, height: 900 });
    const rows = page.locator("table.roots tbody tr");
    await rows.first().waitFor();
    assert.equal(await rows.count(), 50, "a page of 50 roots");
    await page.getByText(/^Roots 1–50 of \d+$/).waitFor();
    const heights = await rows.evaluateAll((trs) => trs.map((tr) => tr.getBoundingClientRect().height));
    assert.ok(Math.max(...heights) < 48, `every row is one line (tallest ${Math.max(...heights)} px)`);
    const tall = await page.evaluate(() => document.documentElement.scrollHeight);
    assert.ok(tall < 50 * 48 + 1200, `the page is ${tall} px tall`);
    // The fingerprint column: shortened, the whole value copied.
    const fp = page.locator("table.roots code.fp-short").first();
    assert.match((await fp.textContent()) ?? "", /^[0-9A-F]{8}…[0-9A-F]{4}$/);
    assert.match((await fp.getAttribute("title")) ?? "", /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    // A root's details open right under its row.
    await page.locator("table.roots tbody th button").first().click();
    const detail = page.locator("table.roots tr.root-detail");
    await detail.getByText("SHA-256").first().waitFor();
    assert.equal(
      await page.evaluate(() => document.querySelector("tr.opened")?.nextElementSibling?.className),
      "root-detail",
    );
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByText(/^Roots 51–100 of \d+$/).waitFor();
    noErrors(page);
    await page.close();
  });
});

describe("browser: the check page's drawing (the failure marked, a certificate's details)", () => {
  /** A new tab checking the lab endpoint `name` (starting the lab if no test has yet). */
  async function checkLab(name: string, width: number): Promise<Page> {
    const page = await open("/check");
    await page.setViewportSize({ width, height: width > 800 ? 900 : 844 });
    await page.getByText("Try it on the lab").click();
    const start = page.getByRole("button", { name: "Start the lab" });
    const endpoint = page.getByRole("button", { name, exact: true });
    await start.or(endpoint).first().waitFor();
    if (await start.isVisible()) await start.click();
    await endpoint.click();
    await page.getByRole("heading", { name: "The chain" }).waitFor();
    return page;
  }
  const sentBoxes = (page: Page) => page.locator('ol[aria-label="certificates as sent"] .cert-box');

  for (const width of [1366, 390]) {
    it(`${width} px: wrong host marks the leaf; its box opens SANs, serial, fingerprints, validity`, async (t) => {
      if (skip) return t.skip(skip);
      const page = await checkLab("wrong-host", width);
      const failing = page.locator('ol[aria-label="certificates as sent"] .cert-box.failing');
      await failing.first().waitFor();
      assert.equal(await failing.count(), 1, "one certificate marked: the leaf");
      assert.match((await failing.textContent()) ?? "", /^#1 .*✗ name does not match/);
      assert.match(
        (await failing.getByRole("note").getAttribute("aria-label")) ?? "",
        /fails: name does not match\. .+/,
      );
      // Each client's drawing marks the leaf too, and nothing else.
      const inPaths = page.locator(".paths .cert-box.failing");
      assert.ok((await inPaths.count()) >= 1);
      for (const box of await inPaths.all())
        assert.match((await box.textContent()) ?? "", /name does not match/);
      assert.equal(
        await page.locator(".paths li:first-child .cert-box.failing").count(),
        await inPaths.count(),
      );

      const sentDl = page.waitForEvent("download");
      await page.getByRole("button", { name: "Download the chain as sent (PEM)" }).click();
      const leaf = readCertificates(readFileSync(await (await sentDl).path()), { source: "sent" })
        .certificates[0].cert;
      // A click anywhere on the box opens the certificate.
      await failing.click({ position: { x: 20, y: 40 } });
      const details = page.getByRole("region", { name: /^Details of / });
      await details.getByText("Subject alternative names").waitFor();
      const text = (await details.textContent()) ?? "";
      assert.ok(text.includes(`some-other-host.${LAB_DOMAIN}`), "the SAN");
      assert.match(text, new RegExp(`Serial number\\s*0*${leaf.serialNumber.replace(/^0+/, "")}`, "i"));
      assert.match(text, /SHA-256\s*([0-9A-F]{2}:){31}[0-9A-F]{2}/);
      assert.match(text, /SHA-1\s*([0-9A-F]{2}:){19}[0-9A-F]{2}/);
      assert.match(text, /\d+ days left/);
      assert.match(text, /Public key\s*EC/);
      assert.equal(await failing.getByRole("button").getAttribute("aria-expanded"), "true");
      assert.deepEqual(await overflowing(page), [], `the check page with details open at ${width} px`);
      await details.getByRole("button", { name: "Close the details" }).click();
      assert.equal(await details.count(), 0);
      noErrors(page);
      await page.close();
    });
  }

  it("an expired intermediate: that certificate marked, not the leaf", async (t) => {
    if (skip) return t.skip(skip);
    const page = await checkLab("expired-intermediate", 390);
    const failing = page.locator('ol[aria-label="certificates as sent"] .cert-box.failing');
    await failing.first().waitFor();
    assert.equal(await failing.count(), 1);
    assert.match((await failing.textContent()) ?? "", /^#2 .*✗ expired/);
    assert.doesNotMatch((await sentBoxes(page).first().textContent()) ?? "", /✗/);
    assert.deepEqual(await overflowing(page), []);
    noErrors(page);
    await page.close();
  });

  it("a server that speaks only TLS 1.0/1.1: the handshake step marked, no certificate blamed", async (t) => {
    if (skip) return t.skip(skip);
    const page = await checkLab("tls10", 1366);
    const step = page.locator(".cert-box.step.failing").first();
    await step.waitFor();
    assert.match((await step.textContent()) ?? "", /^TLS handshake✗ TLS version too old/);
    assert.match(
      (await step.getByRole("note").first().getAttribute("aria-label")) ?? "",
      /^The TLS handshake fails: TLS version too old\. /,
    );
    assert.equal(await page.locator(".cert-box.failing:not(.step)").count(), 0);
    noErrors(page);
    await page.close();
  });
});
