/**
 * The real browsers on this machine, for the oracle tests: an NSS database that trusts given roots (Chromium
 * on Linux reads ~/.pki/nssdb; Firefox its profile's cert9.db), and headless Firefox ESR driven over
 * Marionette (./marionette.ts) with a fresh profile that makes no connection of its own.
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { Marionette } from "./marionette.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const FIREFOX = process.env.FIREFOX_PATH ?? "/usr/bin/firefox-esr";

/** Why a browser test cannot run here (the browser or certutil is missing), or false. */
export function browserMissing(path: string, apt: string): string | false {
  if (!existsSync(path)) return `no browser at ${path} (apt-get install ${apt})`;
  if (spawnSync("certutil", ["-H"]).error) return "certutil not found (apt-get install libnss3-tools)";
  return false;
}

/** As test/browser-web.test.ts launches Chromium (no background requests, no QUIC). */
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

/** A new NSS database in `dir` whose trusted CAs are `rootPems`. */
export function trustingNssDb(dir: string, rootPems: string[]): void {
  mkdirSync(dir, { recursive: true });
  const certutil = (args: string[]) => {
    const r = spawnSync("certutil", [...args, "-d", `sql:${dir}`], { encoding: "utf8" });
    assert.equal(r.status, 0, `certutil ${args.join(" ")}: ${r.stderr}`);
  };
  certutil(["-N", "--empty-password"]);
  rootPems.forEach((pem, i) => {
    const file = join(dir, `root-${i}.pem`);
    writeFileSync(file, pem);
    certutil(["-A", "-t", "C,,", "-n", `chainproof-test-root-${i}`, "-i", file]);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
}

/**
 * No connection of Firefox's own: no MITM priming, no remote settings (the intermediate preload list among
 * them), no captive-portal or connectivity checks, no telemetry, no Safe Browsing.
 */
const QUIET_FIREFOX: Record<string, string | number | boolean> = {
  "network.proxy.type": 1,
  "network.proxy.http": "127.0.0.1",
  "network.proxy.http_port": 9,
  "network.proxy.ssl": "127.0.0.1",
  "network.proxy.ssl_port": 9,
  "network.proxy.no_proxies_on": "localhost, 127.0.0.1",
  "security.certerrors.mitm.priming.enabled": false,
  "security.remote_settings.intermediates.enabled": false,
  "services.settings.server": "http://127.0.0.1:9/",
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
  "browser.shell.checkDefaultBrowser": false,
  "datareporting.policy.dataSubmissionEnabled": false,
  "toolkit.telemetry.enabled": false,
  "browser.safebrowsing.malware.enabled": false,
  "browser.safebrowsing.phishing.enabled": false,
  "app.update.auto": false,
};

export interface RunningFirefox {
  marionette: Marionette;
  close(): Promise<void>;
}

/**
 * Headless Firefox on a fresh profile in `profile` trusting `rootPems`, with a Marionette session.
 * Only localhost and 127.0.0.1 are reached directly (unless `prefs` say otherwise: they are applied last);
 * everything else goes to a dead proxy.
 */
export async function startFirefox(
  profile: string,
  rootPems: string[],
  prefs: Record<string, string | number | boolean> = {},
): Promise<RunningFirefox> {
  trustingNssDb(profile, rootPems);
  const port = await freePort();
  const all = { ...QUIET_FIREFOX, ...prefs, "marionette.port": port };
  const lines = Object.entries(all).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`);
  writeFileSync(join(profile, "user.js"), `${lines.join("\n")}\n`);
  const firefox: ChildProcess = spawn(
    FIREFOX,
    ["--headless", "--marionette", "--no-remote", "--profile", profile, "about:blank"],
    { stdio: "ignore", env: { ...process.env, HOME: profile, MOZ_CRASHREPORTER_DISABLE: "1" } },
  );
  const exited = new Promise<void>((resolve) => firefox.once("exit", () => resolve()));
  const stop = async (m?: Marionette) => {
    await m?.send("Marionette:Quit", { flags: ["eForceQuit"] }).catch(() => undefined);
    m?.close();
    const timer = setTimeout(() => firefox.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const marionette = await Marionette.connect(port, 60_000);
    const session = await marionette.send("WebDriver:NewSession", {
      // A page that never loads fails after a minute, not WebDriver's default five.
      capabilities: {
        alwaysMatch: {
          acceptInsecureCerts: false,
          pageLoadStrategy: "normal",
          timeouts: { pageLoad: 60_000 },
        },
      },
    });
    assert.equal(session.error, null, `Marionette session: ${JSON.stringify(session.error)}`);
    return { marionette, close: () => stop(marionette) };
  } catch (e) {
    firefox.kill("SIGKILL");
    await exited;
    throw e;
  }
}

/** The error page's code (the certificate error page's, else the network error page's); null on a page. */
export const FIREFOX_ERROR_CODE_SCRIPT = `
  try { return document.getFailedCertSecurityInfo().errorCodeString; } catch (e) {}
  try { return document.getNetErrorInfo().errorCodeString; } catch (e) {}
  return null;`;
