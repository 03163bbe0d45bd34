/**
 * Screenshots of chainproof serve's main pages, for docs/screenshots/: the same server and Chromium as the
 * browser tests (Debian's chromium, playwright-core), a temporary keystore, the lab for live endpoints.
 *
 *   npm run build && node dist/scripts/screenshots.js [OUTDIR]
 */

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { buildResponseXml, signResponse } from "../src/saml/index.js";
import { newToken } from "../src/web/security.js";
import { createWebServer } from "../src/web/server.js";
import { buildCertificate, buildCsr, generateKeyPair } from "../src/x509/builder.js";

const out = process.argv[2] ?? new URL("../../docs/screenshots/", import.meta.url).pathname;
mkdirSync(out, { recursive: true });
const home = mkdtempSync(join(tmpdir(), "cp-shots-ks-"));
const profile = mkdtempSync(join(tmpdir(), "cp-shots-profile-"));
const token = newToken();
const app = await createWebServer({ host: "127.0.0.1", token, keystoreHome: home });
await app.listen({ host: "127.0.0.1", port: 0 });
const addr = app.server.address();
const base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--hide-scrollbars",
  ],
  viewport: { width: 1280, height: 900 },
  deviceScaleFactor: 1,
});
ctx.setDefaultTimeout(30_000);

/** A GET of the API, with the token (as a script would call it). */
async function apiGet(path: string): Promise<unknown> {
  return (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } })).json();
}

async function shot(page: Page, name: string) {
  await page.waitForTimeout(250);
  await page.screenshot({ path: join(out, name), fullPage: true });
  process.stdout.write(`${name}\n`);
}

async function pick(page: Page, clients: "all" | "salesforce") {
  if (clients === "all") await page.getByLabel("All", { exact: true }).check();
}

try {
  const page = await ctx.newPage();

  // Check: the lab's incomplete chain, every client, with the repaired bundle.
  // Signed in as serve's printed link does it: the tab keeps the token for the pages that follow.
  await page.goto(`${base}/check#token=${token}`);
  await page.getByText("Try it on the lab").click();
  await page.getByRole("button", { name: "Start the lab" }).click();
  await page.getByRole("button", { name: "incomplete", exact: true }).waitFor();
  await pick(page, "all");
  const lab = (await apiGet("/api/lab")) as {
    endpoints: { name: string; target: string }[];
  };
  await page.getByText("Try it on the lab").click();
  await page.locator("#target").fill(lab.endpoints.find((e) => e.name === "incomplete")!.target);
  await page.getByRole("button", { name: "Check", exact: true }).click();
  await page.getByRole("heading", { name: "Repaired chain" }).waitFor();
  await shot(page, "check.png");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "check-phone.png");
  await page.setViewportSize({ width: 1280, height: 900 });

  // Check: a certificate for another name: the leaf marked in the drawing, its details opened from its box.
  await page.locator("#target").fill(lab.endpoints.find((e) => e.name === "wrong-host")!.target);
  await page.getByRole("button", { name: "Check", exact: true }).click();
  await page.locator(".cert-box.failing").first().click();
  await page
    .getByRole("region", { name: /^Details of / })
    .getByText("Subject alternative names")
    .waitFor();
  await shot(page, "check-failure.png");

  // Decode: a real root from the bundled Mozilla store.
  const roots = (await apiGet("/api/stores/mozilla/roots?q=ISRG%20Root%20X1")) as {
    roots: { sha256: string }[];
  };
  const root = (await apiGet(`/api/stores/mozilla/roots/${roots.roots[0].sha256}`)) as {
    pem: string;
  };
  await page.goto(`${base}/decode`);
  await page.getByLabel("Paste").fill(root.pem);
  await page.getByRole("button", { name: "Decode" }).click();
  await page.getByRole("heading", { name: "ISRG Root X1" }).waitFor();
  await page.getByText(/^Extensions/).click();
  await shot(page, "decode.png");

  // Offline chain check: a chain with the root sent and an unrelated certificate, against its own root.
  const now = Date.now();
  const DAY = 86_400_000;
  const rk = generateKeyPair("ec-p256");
  const r = buildCertificate({
    subject: "CN=Example Root CA,O=Example Corp",
    publicKey: rk,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 3650 * DAY),
    ca: true,
  });
  const ik = generateKeyPair("ec-p256");
  const i = buildCertificate({
    subject: "CN=Example Issuing CA 1,O=Example Corp",
    issuer: { cert: r.cert, key: rk.privateKey },
    publicKey: ik,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 20 * DAY),
    ca: { pathLen: 0 },
  });
  const lk = generateKeyPair("ec-p256");
  const leaf = buildCertificate({
    subject: "CN=api.example.com",
    issuer: { cert: i.cert, key: ik.privateKey },
    publicKey: lk,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 90 * DAY),
    ca: false,
    eku: ["serverAuth"],
    san: [{ dns: "api.example.com" }],
  });
  const ok = generateKeyPair("ec-p256");
  const other = buildCertificate({
    subject: "CN=Old Partner CA,O=Someone Else",
    publicKey: ok,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 365 * DAY),
    ca: true,
  });
  await page.goto(`${base}/verify`);
  await page.getByLabel("Paste").fill(leaf.pem + i.pem + other.pem + r.pem);
  await pick(page, "all");
  await page.getByText("Options").click();
  await page.getByLabel("Trust store").selectOption("upload");
  await page.getByRole("group", { name: "Trust store file" }).getByLabel("Paste").fill(r.pem);
  await page.getByLabel("Host name or IP address the client connects to").fill("api.example.com");
  await page.getByRole("button", { name: "Check chain" }).click();
  await page.getByRole("heading", { name: "Findings and fixes" }).waitFor();
  await shot(page, "verify.png");

  // Tools: a certificate signing request decoded (its key, requested names and extensions, signature).
  const csr = buildCsr({
    subject: "CN=api.example.com,O=Example Corp,C=US",
    san: [{ dns: "api.example.com" }, { dns: "www.api.example.com" }],
    key: lk,
    keyUsage: ["digitalSignature"],
    eku: ["serverAuth"],
  });
  await page.goto(`${base}/tools`);
  await page.getByLabel("Paste").fill(csr.pem);
  await page.getByRole("button", { name: "Decode the request" }).click();
  await page.getByText("signature verifies").waitFor();
  await shot(page, "tools.png");

  // Trust stores: Mozilla's, searched.
  await page.goto(`${base}/stores`);
  await page.getByLabel("Search alias, subject or SHA-256").fill("digicert");
  await page.locator("table.roots tbody th button").first().click();
  await page.locator("tr.root-detail").getByText("SHA-256").first().waitFor();
  await shot(page, "stores.png");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByLabel("Search alias, subject or SHA-256").fill("");
  await page.locator("table.roots tbody th button").first().click();
  await shot(page, "stores-phone.png");
  await page.setViewportSize({ width: 1280, height: 900 });

  // Keystore: a self-signed entry and a pending request.
  await page.goto(`${base}/keys`);
  await page.getByLabel("New passphrase").fill("screenshot passphrase");
  await page.getByLabel("The same again").fill("screenshot passphrase");
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.getByLabel("Unique name").fill("Payments_Client");
  await page.getByLabel("Common name (CN)").fill("payments-client.example.com");
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await page.getByText("Created Payments_Client").waitFor();
  await page.getByText("Signed by a CA (make a request)").click();
  await page.getByLabel("Unique name").fill("Partner_Mtls");
  await page.getByLabel("Common name (CN)").fill("partner-mtls.example.com");
  await page.getByRole("button", { name: "Create the key and request" }).click();
  await page.getByText("Created Partner_Mtls").waitFor();
  await page.getByRole("button", { name: "Manage" }).first().click();
  await shot(page, "keys.png");

  // SAML: a signed Response, validated step by step.
  const sk = generateKeyPair("rsa2048");
  const idp = buildCertificate({
    subject: "CN=idp.example.com",
    publicKey: sk,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 365 * DAY),
    keyUsage: ["digitalSignature"],
  });
  const xml = signResponse(
    buildResponseXml({
      issuer: "https://idp.example.com/metadata",
      spEntityId: "https://example.my.salesforce.com",
      acs: "https://example.my.salesforce.com?so=00D000000000001",
      nameId: "alice@example.com",
      issueInstant: new Date(now),
      notBefore: new Date(now - 60_000),
      notOnOrAfter: new Date(now + 300_000),
      attributes: { email: ["alice@example.com"], role: ["Finance"] },
    }),
    "both",
    { privateKey: sk.privateKey, certificate: idp.der },
  );
  await page.goto(`${base}/saml`);
  await page.getByRole("group", { name: "SAML Response", exact: true }).getByLabel("Paste").fill(xml);
  await page
    .getByRole("group", { name: "The IdP certificate the SP has configured", exact: true })
    .getByLabel("Paste")
    .fill(idp.pem);
  await page.getByText("More: metadata, expected values, time").click();
  await page.getByLabel("SP entity ID (expected Audience)").fill("https://example.my.salesforce.com");
  await page
    .getByLabel("ACS URL (expected Recipient and Destination)")
    .fill("https://example.my.salesforce.com?so=00D000000000001");
  await page.getByRole("button", { name: "Validate" }).click();
  await page.getByText("✓ The SAML Response is valid.").waitFor();
  await shot(page, "saml.png");

  // Scan: every lab endpoint, every client.
  await page.goto(`${base}/scan`);
  await page.getByRole("button", { name: "Fill in the lab's endpoints" }).click();
  await page.waitForFunction(
    () => (document.getElementById("targets") as HTMLTextAreaElement).value.length > 0,
  );
  await pick(page, "all");
  await page.getByRole("button", { name: "Start scan" }).click();
  await page.getByText(/— finished/).waitFor({ timeout: 120_000 });
  await shot(page, "scan.png");
} finally {
  await ctx.close();
  await app.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
}
