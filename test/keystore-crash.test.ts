/**
 * kill -9 in the middle of an import or a key rotation loses nothing: `chainproof keys import` and
 * `keys renew --new-key` run as child processes and are killed with SIGKILL, some at random moments and some
 * exactly while their write transaction is open (the test watches the database's write lock and kills the
 * child the moment it holds it; CHAINPROOF_KEYSTORE_TEST_PAUSE_MS widens the transaction so it can be caught).
 * After every kill the store must be whole: SQLite's integrity check, every entry with all its certificate
 * rows and none extra, every key decrypting and matching its certificate, an import either absent or
 * complete, a rotation either not done or done (key and certificate together).
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { createSelfSigned } from "../src/keystore/operations.js";
import { Keystore } from "../src/keystore/store.js";
import { buildCertificate, generateKeyPair } from "../src/x509/builder.js";
import { writeJks } from "../src/x509/write/jks.js";
import { BIN } from "./helpers/cli.js";
import { tempDir } from "./helpers/openssl.js";

const PASS = "crash test passphrase";
const KILLS = 10;
const MAX_ATTEMPTS = 40;
const tmp = tempDir("chainproof-crash-");
after(() => tmp.cleanup());

/** Is a writer inside a transaction right now? (Our own BEGIN IMMEDIATE fails at once if so.) */
function writerActive(db: Database.Database): boolean {
  try {
    db.prepare("BEGIN IMMEDIATE").run();
    db.prepare("ROLLBACK").run();
    return false;
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith("SQLITE_BUSY")) return true;
    throw e;
  }
}

interface Attempt {
  op: "import" | "rotate";
  killed: boolean;
  /** Killed while its transaction was open. */
  inTransaction: boolean;
  exitCode: number | null;
}

describe("kill -9 during import and rotation", () => {
  it(`${KILLS} kills (at random moments and inside the transaction), and the store stays whole`, async () => {
    const home = join(tmp.dir, "home");
    const path = join(home, "keystore.db");
    const ks = Keystore.open({ path, write: true });
    ks.unlock(PASS);
    await createSelfSigned(ks, { name: "Rot", cn: "rot.mycompany.example", key: "ec-p256" });
    ks.close();
    // A keystore file to import again and again under new names.
    const rsa = generateKeyPair("rsa2048");
    const cert = buildCertificate({
      subject: "CN=imported.mycompany.example",
      publicKey: rsa,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
    });
    const jksFile = join(tmp.dir, "in.jks");
    writeFileSync(
      jksFile,
      writeJks(
        [
          {
            kind: "key",
            alias: "imp",
            pkcs8: new Uint8Array(rsa.privateKey.export({ format: "der", type: "pkcs8" })),
            chain: [cert.der],
          },
        ],
        "changeit",
      ),
    );

    const watcher = new Database(path, { timeout: 0 });
    const attempts: Attempt[] = [];
    let generation = 1;
    let rotKey = "";
    const imported = new Set<string>();
    try {
      for (let i = 0; i < MAX_ATTEMPTS && attempts.filter((a) => a.killed).length < KILLS; i++) {
        const op: Attempt["op"] = i % 2 === 0 ? "import" : "rotate";
        const name = `Imp_${i}`;
        const args =
          op === "import"
            ? ["keys", "import", jksFile, "--name", name, "--password-env", "JKS_PASS"]
            : ["keys", "renew", "Rot", "--new-key"];
        const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
          env: {
            ...process.env,
            CHAINPROOF_HOME: home,
            CHAINPROOF_KEYSTORE_PASSPHRASE: PASS,
            JKS_PASS: "changeit",
            CHAINPROOF_KEYSTORE_TEST_PAUSE_MS: "40",
          },
          stdio: "ignore",
        });
        // Odd rounds of each pair: kill inside the transaction; others: at a random moment of the run.
        const inTxnMode = i % 4 >= 2;
        const randomDelay = 100 + Math.floor(Math.random() * 700);
        const attempt: Attempt = { op, killed: false, inTransaction: false, exitCode: null };
        const started = Date.now();
        const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
        let done = false;
        void exit.then(() => {
          done = true;
        });
        while (!done) {
          if (inTxnMode ? writerActive(watcher) : Date.now() - started >= randomDelay) {
            attempt.inTransaction = inTxnMode;
            attempt.killed = child.kill("SIGKILL");
            break;
          }
          await new Promise((r) => setTimeout(r, inTxnMode ? 1 : 5));
          if (Date.now() - started > 30_000) throw new Error("child took too long");
        }
        attempt.exitCode = await exit;
        if (attempt.exitCode === 0) attempt.killed = false;
        attempts.push(attempt);

        // The store after this attempt.
        const check = Keystore.open({ path, write: true });
        try {
          check.unlock(PASS);
          assert.deepEqual(check.verify(), [], `after attempt ${i} (${op}, killed: ${attempt.killed})`);
          const rot = check.require("Rot");
          assert.ok(
            rot.generation === generation || rot.generation === generation + 1,
            `generation ${rot.generation}`,
          );
          if (rot.generation === generation + 1) {
            assert.notEqual(rot.spkiSha256, rotKey, "a rotation that counted must have a new key");
            generation++;
          }
          rotKey = rot.spkiSha256;
          if (op === "import") {
            const e = check.get(name);
            if (e) {
              imported.add(name);
              assert.equal(e.chain.length, 1);
              assert.equal(e.chain[0].sha256, cert.cert.sha256);
              assert.equal(e.spkiSha256, cert.cert.spkiSha256);
              check.privateKey(name);
            } else assert.ok(attempt.killed, `import ${name} exited ${attempt.exitCode} and is missing`);
          }
          const names = check.list().map((e) => e.name);
          assert.deepEqual(names.filter((n) => n.startsWith("Imp_")).sort(), [...imported].sort());
        } finally {
          check.close();
        }
      }
    } finally {
      watcher.close();
    }
    // And the store still works: one rotation left to finish.
    const { spawnSync } = await import("node:child_process");
    const last = spawnSync(process.execPath, [BIN, "keys", "renew", "Rot", "--new-key"], {
      env: { ...process.env, CHAINPROOF_HOME: home, CHAINPROOF_KEYSTORE_PASSPHRASE: PASS },
      encoding: "utf8",
    });
    assert.equal(last.status, 0, last.stderr);
    const final = Keystore.open({ path, write: true });
    final.unlock(PASS);
    assert.deepEqual(final.verify(), []);
    assert.equal(final.require("Rot").generation, generation + 1);
    assert.notEqual(final.require("Rot").spkiSha256, rotKey);
    final.close();
    const kills = attempts.filter((a) => a.killed);
    const summary = {
      attempts: attempts.length,
      kills: kills.length,
      killedInTransaction: kills.filter((a) => a.inTransaction).length,
      importsKilled: kills.filter((a) => a.op === "import").length,
      rotationsKilled: kills.filter((a) => a.op === "rotate").length,
      importsStored: imported.size,
      rotations: generation - 1,
    };
    process.stderr.write(`# crash test: ${JSON.stringify(summary)}\n`);
    assert.equal(kills.length, KILLS, JSON.stringify(summary));
    assert.ok(summary.killedInTransaction >= 3, JSON.stringify(summary));
    assert.ok(summary.importsKilled > 0 && summary.rotationsKilled > 0, JSON.stringify(summary));
  });
});
