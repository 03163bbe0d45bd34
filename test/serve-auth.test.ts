/**
 * `chainproof serve` as a real process, as a user starts it: it prints a http://127.0.0.1:PORT/#token=…
 * link on stderr, and the API answers only with that token; --token-file fixes the token;
 * --insecure-no-token warns, and is refused off loopback. And issue 12's finding reproduced: a process of
 * another local account (`nobody`, through runuser) cannot read the session or export a key from a server
 * whose keystore is unlocked (skipped, saying why, when the tests do not run as root).
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { BIN, ROOT, runCli } from "./helpers/cli.js";

const dirs: string[] = [];
const children: ChildProcess[] = [];

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

interface Served {
  child: ChildProcess;
  /** Everything the server wrote on stderr up to "press Ctrl-C to stop". */
  stderr: string;
  base: string;
  /** The token in the printed link (undefined when none was printed). */
  token?: string;
  /** SIGTERM, then its exit code. */
  stop: () => Promise<number | null>;
}

/** Start `chainproof serve --port 0 ARGS` and wait until it says it listens (at most 20 s). */
function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let stderr = "";
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stderr}`)), 20_000);
    child.stderr!.on("data", (b: Buffer) => {
      stderr += b.toString("utf8");
      if (!stderr.includes("press Ctrl-C to stop")) return;
      clearTimeout(timer);
      const listening = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr);
      const link = /^ {2}(http:\/\/127\.0\.0\.1:\d+)\/#token=(\S+)$/m.exec(stderr);
      resolve({
        child,
        stderr,
        base: listening ? listening[1] : "",
        ...(link ? { token: decodeURIComponent(link[2]) } : {}),
        stop: () => {
          child.kill("SIGTERM");
          return exited;
        },
      });
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}:\n${stderr}`)));
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("chainproof serve: the access token", () => {
  it("prints a #token= link on stderr; the API answers only with that token", async () => {
    const s = await serve([], { CHAINPROOF_HOME: tempDir("cp-serve-home-") });
    try {
      assert.ok(s.base, s.stderr);
      assert.ok(s.token, `no #token= link in:\n${s.stderr}`);
      assert.match(s.token, /^[A-Za-z0-9_-]{43}$/);
      assert.match(s.stderr, /new at every start/);
      const none = await fetch(`${s.base}/api/session`);
      assert.equal(none.status, 401);
      const body = (await none.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, "unauthorized");
      assert.match(body.error.message, /#token=/);
      const wrong = await fetch(`${s.base}/api/session`, { headers: bearer(`${s.token}x`) });
      assert.equal(wrong.status, 401);
      const ok = await fetch(`${s.base}/api/session`, { headers: bearer(s.token) });
      assert.equal(ok.status, 200);
      assert.equal(((await ok.json()) as { tokenRequired: boolean }).tokenRequired, true);
      // The page itself is public (it holds nothing), and asks for the token.
      assert.equal((await fetch(`${s.base}/keys`)).status, 200);
    } finally {
      assert.equal(await s.stop(), 0);
    }
    // A new start, a new token.
    const again = await serve([], { CHAINPROOF_HOME: tempDir("cp-serve-home-") });
    try {
      assert.ok(again.token);
      assert.notEqual(again.token, s.token);
      assert.equal((await fetch(`${again.base}/api/session`, { headers: bearer(s.token!) })).status, 401);
    } finally {
      await again.stop();
    }
  });

  it("--token-file fixes the token, and the link carries it", async () => {
    const dir = tempDir("cp-serve-token-");
    const file = join(dir, "token");
    const token = "fixed&token#with%odd=chars-0123";
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const s = await serve(["--token-file", file], { CHAINPROOF_HOME: dir });
    try {
      assert.equal(s.token, token, s.stderr);
      assert.match(s.stderr, new RegExp(`from ${file.replace(/[/.]/g, "\\$&")}`));
      assert.equal((await fetch(`${s.base}/api/session`, { headers: bearer(token) })).status, 200);
      assert.equal((await fetch(`${s.base}/api/session`)).status, 401);
      assert.doesNotMatch(s.stderr, /can be read by other accounts/);
    } finally {
      await s.stop();
    }
    chmodSync(file, 0o644);
    const shared = await serve(["--token-file", file], { CHAINPROOF_HOME: dir });
    await shared.stop();
    assert.match(
      shared.stderr,
      /warning: .*token can be read by other accounts, and so can the token \(chmod 600 it\)/,
    );
    writeFileSync(file, "short\n");
    const bad = await runCli(["serve", "--port", "0", "--token-file", file]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /the token \(first line\) must be at least 16 characters/);
  });

  it("--insecure-no-token prints a warning and answers without a token, on loopback only", async () => {
    const s = await serve(["--insecure-no-token"], { CHAINPROOF_HOME: tempDir("cp-serve-home-") });
    try {
      assert.match(
        s.stderr,
        /warning: --insecure-no-token: the API has no access token; every program and every account on this machine can use it/,
      );
      assert.equal(s.token, undefined);
      assert.doesNotMatch(s.stderr, /#token=/);
      assert.equal((await fetch(`${s.base}/api/session`)).status, 200);
    } finally {
      await s.stop();
    }
    const off = await runCli(["serve", "--port", "0", "--host", "0.0.0.0", "--insecure-no-token"]);
    assert.equal(off.code, 2);
    assert.match(off.stderr, /--insecure-no-token is refused on 0\.0\.0\.0, which is not a loopback address/);
    assert.doesNotMatch(off.stderr, /listening/);
    const both = await runCli(["serve", "--port", "0", "--insecure-no-token", "--token-file", BIN]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--insecure-no-token and --token-file: choose one/);
  });

  it("serve --help explains the token and the flag that turns it off", async () => {
    const r = await runCli(["serve", "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--token-file <FILE>/);
    assert.match(r.stdout, /--insecure-no-token/);
    assert.match(r.stdout, /http:\/\/127\.0\.0\.1:8420\/#token=/);
    // Loopback targets: allowed while bound to loopback (the lab), as the server does (src/web/ssrf.ts).
    assert.match(
      r.stdout.replace(/\s+/g, " "),
      /Checks may reach loopback targets .* while serve is bound to loopback/,
    );
    assert.doesNotMatch(
      r.stdout.replace(/\s+/g, " "),
      /cloud-metadata and loopback addresses \(refused by default\)/,
    );
  });
});

describe("chainproof serve: another local account (issue 12, point 1)", () => {
  it("a process running as nobody cannot read the session or export a key", async (t) => {
    if (process.getuid?.() !== 0) return t.skip("needs root to run curl as nobody (runuser)");
    for (const tool of ["runuser", "curl"]) {
      if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return t.skip(`no ${tool} here`);
    }
    if (spawnSync("id", ["nobody"]).status !== 0) return t.skip("no user nobody on this machine");
    const home = tempDir("cp-serve-nobody-");
    chmodSync(home, 0o700);
    const s = await serve([], { CHAINPROOF_HOME: home, CHAINPROOF_KEYSTORE_PASSPHRASE: "nobody test pass" });
    try {
      // The user makes an exportable key; the keystore is unlocked in the server (from the environment).
      const session = (await (
        await fetch(`${s.base}/api/session`, { headers: bearer(s.token!) })
      ).json()) as {
        csrf: string;
      };
      const made = await fetch(`${s.base}/api/keys/self-signed`, {
        method: "POST",
        headers: {
          ...bearer(s.token!),
          "content-type": "application/json",
          "x-chainproof-csrf": session.csrf,
        },
        body: JSON.stringify({ name: "Victim_Key", cn: "victim.example.com", key: "ec-p256" }),
      });
      assert.equal(made.status, 200, await made.text());

      const asNobody = (...args: string[]) => {
        const r = spawnSync(
          "runuser",
          ["-u", "nobody", "--", "curl", "-s", "-w", "\n%{http_code}", "--max-time", "10", ...args],
          { encoding: "utf8", timeout: 20_000 },
        );
        assert.equal(r.status, 0, r.stderr);
        const lines = r.stdout.split("\n");
        return { status: Number(lines.pop()), body: lines.join("\n") };
      };
      const got = asNobody(`${s.base}/api/session`);
      assert.equal(got.status, 401);
      assert.match(got.body, /"code":"unauthorized"/);
      assert.doesNotMatch(got.body, /csrf/);
      // The attack of the finding, even with a guessed CSRF header: no PKCS#12 comes back.
      const exported = asNobody(
        "-X",
        "POST",
        "-H",
        "content-type: application/json",
        "-H",
        "x-chainproof-csrf: guessed",
        "--data",
        JSON.stringify({ format: "p12", withKey: true, password: "changeit" }),
        `${s.base}/api/keys/Victim_Key/export`,
      );
      assert.equal(exported.status, 401);
      assert.match(exported.body, /^\{"error":\{"code":"unauthorized"/);
      const listed = asNobody(`${s.base}/api/keys`);
      assert.equal(listed.status, 401);
      assert.doesNotMatch(listed.body, /Victim_Key/);
    } finally {
      await s.stop();
    }
  });
});
