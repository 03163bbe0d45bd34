/**
 * One upload must not freeze the server (issue 12, point 2): `chainproof serve`, listening on a loopback
 * port, opens password-protected files in worker threads (src/runtime/container-pool.ts). While the
 * heaviest PKCS#12 the caps permit is decoded, other requests are answered within a second; a container
 * that runs past the per-request budget has its thread terminated and the caller gets a clear 413, after
 * which the server still answers and opens files. Files are built at run time.
 */

import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createSelfSigned, exportEntryAsync } from "../src/keystore/operations.js";
import { Keystore, KeystoreError } from "../src/keystore/store.js";
import { ContainerPool, configureContainerPool } from "../src/runtime/container-pool.js";
import { buildCertificate, generateKeyPair } from "../src/x509/builder.js";
import { LimitError } from "../src/x509/errors.js";
import { toPem } from "../src/x509/pem.js";
import { writeJks } from "../src/x509/write/jks.js";
import { writePkcs12 } from "../src/x509/write/pkcs12.js";
import { answersWhile, type LoopbackServer, startLoopbackServer } from "./helpers/web-loopback.js";

const DAY = 86_400_000;
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

const key = generateKeyPair("rsa2048");
const cert = buildCertificate({
  subject: "CN=offload.example.test",
  publicKey: key,
  notBefore: new Date(Date.now() - DAY),
  notAfter: new Date(Date.now() + 365 * DAY),
  ca: true,
  san: [{ dns: "offload.example.test" }],
});
const pkcs8 = new Uint8Array(key.privateKey.export({ format: "der", type: "pkcs8" }));
const entry = { keys: [{ pkcs8, chain: [cert.der], friendlyName: "offload" }] };
/**
 * The heaviest PKCS#12 the caps permit, give or take: an HMAC-SHA256 MAC at the per-derivation limit
 * (1,000,000 iterations of the PKCS#12 KDF) and PBKDF2 at OWASP's 600,000 for the certificate and the key.
 */
const heaviest = writePkcs12(entry, "pw", { iterations: 600_000, macIterations: 1_000_000 });
const light = writePkcs12(entry, "pw");

let server: LoopbackServer;
const call: LoopbackServer["call"] = (method, path, body) => server.call(method, path, body);

const decode = (name: string, bytes: Uint8Array, password = "pw") =>
  call("POST", "/api/decode", { file: { name, base64: b64(bytes), password } });

before(async () => {
  server = await startLoopbackServer("cp-offload-");
});

after(async () => {
  await server.close();
  await configureContainerPool({}).close();
});

describe("web: key derivation off the event loop", () => {
  it("answers other requests within a second while the heaviest permitted PKCS#12 is decoded", async (t) => {
    // About 0.8 s of CPU; a generous budget, so that a loaded test machine cannot turn this into a 413.
    configureContainerPool({ budgetMs: 60_000 });
    const {
      result: decoded,
      ms: total,
      latencies,
    } = await answersWhile(server, decode("heaviest.p12", heaviest));
    assert.equal(decoded.status, 200, JSON.stringify(decoded.json));
    assert.equal(decoded.json.document?.certificates.length, 1);
    const worst = Math.max(...latencies);
    t.diagnostic(`decode took ${total} ms; ${latencies.length} other requests meanwhile, worst ${worst} ms`);
    assert.ok(latencies.length >= 3, `only ${latencies.length} requests were answered during the decode`);
    assert.ok(worst < 1000, `a request waited ${worst} ms`);
  });

  it("terminates a container past its budget with a clear 413; the server still answers and opens files", async () => {
    configureContainerPool({ budgetMs: 100 });
    try {
      const r = await decode("slow.p12", heaviest);
      assert.equal(r.status, 413, JSON.stringify(r.json));
      assert.equal(r.json.error.code, "limit-exceeded");
      assert.equal(
        r.json.error.message,
        "slow.p12: opening it took more than 0.1 s of key derivation; refused",
      );
      const s0 = Date.now();
      assert.equal((await call("GET", "/api/session")).status, 200);
      assert.ok(Date.now() - s0 < 1000);
    } finally {
      configureContainerPool({});
    }
    const ok = await decode("light.p12", light);
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal(ok.json.document.certificates.length, 1);
  });

  it("answers as before for a wrong password, a JKS, an uploaded PKCS#12 trust store and a keystore import", async () => {
    const wrong = await decode("light.p12", light, "nope");
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json.error.code, "bad-password");
    assert.equal(wrong.json.error.message, "wrong password for light.p12 (the integrity check failed)");

    const jks = writeJks([{ kind: "trusted", alias: "root", certificate: cert.der }], "changeit");
    const j = await decode("roots.jks", jks, "changeit");
    assert.equal(j.status, 200, JSON.stringify(j.json));

    const v = await call("POST", "/api/verify", {
      chain: { text: toPem(cert.der) },
      roots: { name: "store.p12", base64: b64(light), password: "pw" },
      clients: ["openssl"],
      host: "offload.example.test",
    });
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.equal(v.json.trusted, true, JSON.stringify(v.json.clients));

    assert.equal((await call("POST", "/api/keys/unlock", { passphrase: "offload passphrase" })).status, 200);
    const imp = await call("POST", "/api/keys/import", {
      file: { name: "server.p12", base64: b64(light), password: "pw" },
      name: "Offload",
    });
    assert.equal(imp.status, 200, JSON.stringify(imp.json));
    assert.equal(imp.json.imported.length, 1);
  });
});

describe("the keystore's own key derivation", () => {
  it("unlocks and exports an encrypted PEM key with PBKDF2 on libuv's thread pool: the event loop turns meanwhile", async () => {
    const ksHome = mkdtempSync(join(tmpdir(), "cp-offload-ks-"));
    try {
      for (const [round, which] of ["new keystore", "existing keystore"].entries()) {
        const ks = Keystore.open({ path: join(ksHome, "keys.db"), write: true });
        try {
          if (round === 1) {
            await assert.rejects(ks.unlockAsync("not it"), (e: Error) => {
              assert.ok(e instanceof KeystoreError);
              assert.equal(e.code, "wrong-passphrase");
              return true;
            });
          }
          let ticks = 0;
          const timer = setInterval(() => ticks++, 1);
          await ks.unlockAsync("offload keystore passphrase");
          clearInterval(timer);
          // 600,000 PBKDF2-SHA256 iterations take 0.15 s or more here; a blocking unlock ticks 0 or 1 times.
          assert.ok(ticks >= 5, `${which}: the event loop ticked ${ticks} times during the unlock`);
          assert.ok(ks.hasPassphrase);
          if (round === 1) await exportsPemKeyWithoutBlocking(ks);
        } finally {
          ks.close();
        }
      }
    } finally {
      rmSync(ksHome, { recursive: true, force: true });
    }
  });

  /** An exported PEM key is encrypted with 600,000 PBKDF2 iterations: derived off the event loop too. */
  async function exportsPemKeyWithoutBlocking(ks: Keystore): Promise<void> {
    await createSelfSigned(ks, { name: "Pem_Out", cn: "pem.example.test", exportable: true });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const out = await exportEntryAsync(ks, {
      name: "Pem_Out",
      format: "pem",
      withKey: true,
      password: "pem pw",
    });
    clearInterval(timer);
    assert.ok(ticks >= 5, `the event loop ticked ${ticks} times during the export`);
    const pem = Buffer.from(out.bytes).toString("utf8");
    const block = /-----BEGIN ENCRYPTED PRIVATE KEY-----([^-]+)-----END/.exec(pem);
    assert.ok(block, pem);
    const key = createPrivateKey({
      key: Buffer.from(block[1].replace(/\s+/g, ""), "base64"),
      format: "der",
      type: "pkcs8",
      passphrase: "pem pw",
    });
    assert.equal(key.type, "private");
  }
});

describe("the container pool", () => {
  it("terminates a thread past its budget with a LimitError, then serves the next container", async () => {
    const pool = new ContainerPool({ threads: 1, budgetMs: 50 });
    try {
      const job = { kind: "pkcs12" as const, password: "pw", name: "slow.p12" };
      const t0 = Date.now();
      await assert.rejects(pool.open({ ...job, bytes: heaviest }), (e: Error) => {
        assert.ok(e instanceof LimitError);
        assert.equal(e.message, "slow.p12: opening it took more than 0.05 s of key derivation; refused");
        return true;
      });
      assert.ok(Date.now() - t0 < 1000, "refused when the budget ran out, not when the work was done");
      const opened = await pool.open({ ...job, name: "light.p12", bytes: light });
      assert.equal(opened.kind, "pkcs12");
    } finally {
      await pool.close();
    }
  });

  it("refuses as busy past its queue, without waiting", async () => {
    const pool = new ContainerPool({ threads: 1, maxWaiting: 1 });
    try {
      const job = { kind: "pkcs12" as const, bytes: light, password: "pw", name: "f.p12" };
      const first = pool.open(job);
      const second = pool.open(job);
      await assert.rejects(
        pool.open({ ...job, name: "third.p12" }),
        /third\.p12: 2 password-protected files are being opened; try again shortly/,
      );
      await Promise.all([first, second]);
    } finally {
      await pool.close();
    }
  });
});
