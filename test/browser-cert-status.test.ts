/**
 * Revocation, SCTs and lints per certificate in the pages, in a real browser (Debian's Chromium driven by
 * playwright-core) against `chainproof serve --allow-private` on loopback. A leaf made here carries two SCTs
 * signed by test logs (not in the bundled log list, so "unknown-log") and an OCSP URL of a lab responder on
 * loopback that says it is revoked; a TLS server on loopback sends it. The decoder lists its SCTs and
 * Chrome's outcome, and its "Check revocation" button says revoked, with the reason and the date (and, for
 * the intermediate whose issuer is nowhere, says what to add); the chain page shows each certificate's
 * lints; the scan page shows the target's lint counts
 * and, opened, its lints; the check page with "Check revocation" shows the lints and, in the leaf's details
 * opened from the drawing, its lints, its SCTs and its revocation status. Skipped, saying why, when
 * Chromium cannot start or the pages are not built.
 */

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import type { FastifyInstance } from "fastify";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { type RevocationServer, startRevocationServer } from "../src/lab/revocation.js";
import { newToken } from "../src/web/security.js";
import { createWebServer } from "../src/web/server.js";
import { buildCertificate, generateKeyPair } from "../src/x509/builder.js";
import { CHROMIUM, CHROMIUM_ARGS } from "./helpers/browsers.js";
import { leafWithEmbeddedScts, testLog } from "./helpers/ct-logs.js";

const DAY = 86_400_000;
const ago = (d: number) => new Date(Date.now() - d * DAY);
const REVOKED_AT = new Date("2026-04-05T06:07:08Z");

const rootKey = generateKeyPair("ec-p256");
const root = buildCertificate({
  subject: "CN=Status Browser Root",
  publicKey: rootKey,
  notBefore: ago(30),
  notAfter: ago(-900),
  ca: true,
});
const icaKey = generateKeyPair("ec-p256");
const ica = buildCertificate({
  subject: "CN=Status Browser CA",
  issuer: { cert: root.cert, key: rootKey.privateKey },
  publicKey: icaKey,
  notBefore: ago(30),
  notAfter: ago(-600),
  ca: true,
});
const logs = [testLog("test-argon", "Google"), testLog("test-nimbus", "Cloudflare")];

let responder: RevocationServer;
let tlsServer: tls.Server;
let target = "";
let app: FastifyInstance | undefined;
let ctx: BrowserContext | undefined;
let base = "";
let skip: string | false = false;
const dirs: string[] = [];
const token = newToken();

before(async () => {
  if (!existsSync(new URL("../../dist/web/index.html", import.meta.url))) {
    skip = "the pages are not built (npm run build)";
    return;
  }
  if (!existsSync(CHROMIUM)) {
    skip = `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
    return;
  }
  responder = await startRevocationServer();
  responder.addIssuer({ cert: ica.cert, key: icaKey.privateKey });
  const leafKey = generateKeyPair("ec-p256");
  const leaf = leafWithEmbeddedScts({ cert: ica.cert, key: icaKey.privateKey }, logs, 60, false, {
    subject: "CN=revoked.test",
    san: [{ dns: "revoked.test" }],
    publicKey: leafKey,
    aia: { ocsp: responder.ocspUrl },
  });
  responder.revoke({ serial: leaf.cert.serialNumber, date: REVOKED_AT, reason: 1 });
  leafPem = leaf.pem;
  tlsServer = tls.createServer({
    key: leafKey.privateKey.export({ type: "pkcs8", format: "pem" }),
    cert: leaf.pem + ica.pem,
  });
  tlsServer.on("secureConnection", (s) => s.end());
  tlsServer.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
  target = `127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;

  const home = mkdtempSync(join(tmpdir(), "cp-status-ks-"));
  const profile = mkdtempSync(join(tmpdir(), "cp-status-profile-"));
  dirs.push(home, profile);
  // --allow-private: the certificate's OCSP URL is on loopback (a certificate chose it, so only then).
  app = await createWebServer({ host: "127.0.0.1", token, keystoreHome: home, allowPrivate: true });
  await app.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1366, height: 900 },
    });
  } catch (e) {
    skip = `Chromium cannot start: ${(e as Error).message.split("\n")[0]}`;
    return;
  }
  ctx.setDefaultTimeout(20_000);
});
let leafPem = "";

after(async () => {
  await ctx?.close();
  await app?.close();
  await responder?.close();
  await new Promise<void>((resolve) => (tlsServer ? tlsServer.close(() => resolve()) : resolve()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function open(path: string): Promise<Page & { errors: string[] }> {
  const page = (await ctx!.newPage()) as Page & { errors: string[] };
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(e.message));
  await page.goto(`${base}${path}#token=${token}`);
  return page;
}

const logIdOf = (i: number) => logs[i].id.toString("base64");

describe("browser: revocation, SCTs and lints per certificate", () => {
  it("the decoder lists the leaf's SCTs and Chrome's outcome; its revocation button says revoked, why and since when", async (t) => {
    if (skip) return t.skip(skip);
    const page = await open("/decode");
    await page.getByLabel("Paste").fill(leafPem + ica.pem);
    await page.getByRole("button", { name: "Decode" }).click();
    const leafCard = page
      .getByRole("article")
      .filter({ has: page.getByRole("heading", { name: "revoked.test" }) });
    const ct = leafCard.getByRole("region", { name: "Certificate Transparency" });
    const scts = ct.getByRole("list", { name: "SCTs" }).getByRole("listitem");
    await scts.first().waitFor();
    assert.equal(await scts.count(), 2);
    for (const [i, item] of (await scts.all()).entries()) {
      const text = (await item.textContent()) ?? "";
      assert.match(text, /^unknown-log /);
      assert.ok(text.includes(logIdOf(i)), `SCT ${i + 1} names its log ID: ${text}`);
      assert.match(text, /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, from the certificate/);
    }
    assert.match(
      (await ct.textContent()) ?? "",
      /Chrome: not met \(0 valid SCTs, 2 needed for a 60-day certificate\)/,
    );

    await leafCard.getByRole("button", { name: "Check revocation" }).click();
    const status = leafCard.getByRole("region", { name: "revocation" }).locator(".revocation-outcome");
    await status.waitFor();
    const text = (await status.textContent()) ?? "";
    assert.ok(text.includes("✗ revoked since 2026-04-05T06:07:08Z (keyCompromise)"), text);
    assert.ok(text.includes(`OCSP ${responder.ocspUrl}: revoked, signed by the issuer`), text);

    // The intermediate's issuer is in neither the file nor the bundled stores: the message says so.
    const icaCard = page
      .getByRole("article")
      .filter({ has: page.getByRole("heading", { name: "Status Browser CA" }) });
    await icaCard.getByRole("button", { name: "Check revocation" }).click();
    await icaCard
      .getByText(/the issuer of Status Browser CA \(CN=Status Browser Root\) is not in the file/)
      .waitFor();
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it("the chain page shows the lints of each certificate as sent", async (t) => {
    if (skip) return t.skip(skip);
    const page = await open("/verify");
    await page
      .getByLabel("Paste")
      .first()
      .fill(leafPem + ica.pem);
    await page.getByRole("button", { name: "Check chain" }).click();
    const lintsCard = page.getByRole("region", { name: "Lints" });
    await lintsCard.waitFor();
    const text = (await lintsCard.textContent()) ?? "";
    assert.match(text, /1\. CN=revoked\.test \(leaf\): [1-9]\d* errors?, /);
    assert.match(text, /2\. CN=Status Browser CA \(intermediate\): /);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it("the scan page shows the target's lint counts and, opened, each lint with its certificate", async (t) => {
    if (skip) return t.skip(skip);
    const page = await open("/scan");
    await page.locator("#targets").fill(`${target} revoked.test`);
    await page.getByRole("button", { name: "Start scan" }).click();
    await page.getByText("1 of 1 done (100%) — finished").waitFor({ timeout: 60_000 });
    const cell = page.locator('table.scan tbody tr td[data-label="Lints"]');
    const badge = ((await cell.locator("summary").textContent()) ?? "").trim();
    assert.match(badge, /^lints: [1-9]\d*E \d+W \d+N$/, "errors fired: the leaf's name is internal (.test)");
    await cell.locator("summary").click();
    const items = cell.getByRole("list", { name: "lints" }).getByRole("listitem");
    const errors = Number(/(\d+)E/.exec(badge)?.[1]);
    assert.equal(await items.filter({ hasText: /^error/ }).count(), errors);
    assert.match((await items.first().textContent()) ?? "", /^error certificate 1: e_\w+ /);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it("the check page with revocation: a lints card, and the leaf opened shows its lints, SCTs and revocation", async (t) => {
    if (skip) return t.skip(skip);
    const page = await open("/check");
    await page.getByLabel("Host and port").fill(target);
    await page.getByText("Options", { exact: true }).click();
    await page.getByLabel("Server name (SNI), when it differs from the host").fill("revoked.test");
    await page.getByLabel("Check revocation (stapled OCSP, live OCSP, CRLs)").check();
    await page.getByRole("button", { name: "Check", exact: true }).click();
    const lintsCard = page.getByRole("region", { name: "Lints" });
    await lintsCard.waitFor({ timeout: 60_000 });
    assert.match((await lintsCard.textContent()) ?? "", /1\. CN=revoked\.test \(leaf\): [1-9]\d* errors?, /);

    await page.locator('ol[aria-label="certificates as sent"] .cert-box').first().getByRole("button").click();
    const details = page.getByRole("region", { name: /^Details of revoked\.test/ });
    await details.getByText("Subject alternative names").waitFor();
    assert.match(
      (await details.locator("details.lints summary").textContent()) ?? "",
      /^Lints \(subscriber\): /,
    );
    // Test logs: not in the bundled list.
    const scts = details.getByRole("list", { name: "SCTs" }).getByRole("listitem");
    assert.equal(await scts.count(), 2);
    assert.match((await scts.first().textContent()) ?? "", /^unknown-log /);
    const revocation = details.getByRole("region", { name: "revocation" });
    assert.match(
      (await revocation.textContent()) ?? "",
      /✗ revoked since 2026-04-05T06:07:08Z \(keyCompromise\)/,
    );
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
