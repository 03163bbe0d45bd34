/**
 * Issue 12, point 5: path search on pathological chains. Verdicts name the budget when it runs out, never
 * depend on what was verified before or in which order, follow each client's real depth limit, and finish
 * in bounded time; a container without certificates is an input error, not a crash.
 */

import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { CLIENT_IDS, type ClientMatrix, evaluateClients } from "../src/clients/index.js";
import { verifyChain } from "../src/verify/index.js";
import { InputError } from "../src/x509/errors.js";
import { toPem } from "../src/x509/pem.js";
import { writeJks } from "../src/x509/write/jks.js";
import { runCli } from "./helpers/cli.js";
import { haveOpenssl, openssl, tempDir } from "./helpers/openssl.js";
import * as P from "./helpers/pathological.js";
import * as pki from "./helpers/pki.js";

function evaluate(c: P.PathologicalCase, clients: readonly (typeof CLIENT_IDS)[number][] = CLIENT_IDS) {
  return evaluateClients({
    leaf: c.leaf,
    presented: c.sent,
    clients,
    stores: P.storeOf(c.root.cert),
    host: "example.com",
    time: pki.NOW,
  });
}

/** What a user reads per client: status, reason code and message, the client's error text. */
function verdicts(m: ClientMatrix) {
  return Object.fromEntries(
    m.clients.map((v) => [
      v.client,
      { status: v.status, code: v.reason?.code, message: v.reason?.message, error: v.error?.text },
    ]),
  );
}

function within<T>(ms: number, f: () => T): T {
  const t = performance.now();
  const r = f();
  const took = performance.now() - t;
  assert.ok(took < ms, `took ${took.toFixed(0)} ms (bound ${ms} ms)`);
  return r;
}

const JAVA_CLIENTS = ["salesforce", "java"];

/** A loopback TLS server that sends the case's chain (and a minimal HTTP answer, for curl). */
async function serveChain(c: P.PathologicalCase): Promise<{ server: tls.Server; port: number }> {
  const server = tls.createServer(
    {
      key: c.all[c.all.length - 1].key.privateKey.export({ format: "pem", type: "pkcs8" }),
      cert: c.sent.map((x) => toPem(x.der)).join(""),
    },
    (s) => s.end("HTTP/1.0 200 OK\r\n\r\nok"),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as AddressInfo).port };
}

describe("path search budget", () => {
  const pile = P.sameSubjectPile(200, 137);

  it("gives the same verdict whatever was verified before (the signature cache never changes a verdict)", () => {
    const verify = (signatures?: number) =>
      verifyChain({
        leaf: pile.leaf,
        presented: pile.sent,
        anchors: [{ cert: pile.root.cert }],
        policy: {
          time: pki.NOW,
          purpose: "server",
          peerName: { kind: "dns", value: "example.com" },
          profile: "rfc5280",
          allowNonSelfSignedAnchors: false,
          // The pile has no key identifiers, which Java, OpenSSL and Go do not require.
          ignore: ["key-identifier"],
          ...(signatures ? { budget: { signatures } } : {}),
        },
      });
    const first = verify();
    assert.equal(first.trusted, false);
    assert.equal(first.findings[0].code, "budget-exceeded", JSON.stringify(first.findings[0]));
    assert.match(first.findings[0].detail, /more than 100 signature checks/);
    // A search with a larger budget verifies (and caches) every signature the leaf could have ...
    assert.equal(verify(1000).trusted, true);
    // ... and the default budget still runs out exactly as before.
    const again = verify();
    assert.equal(again.trusted, false);
    assert.deepEqual(
      again.findings.map((f) => [f.code, f.detail]),
      first.findings.map((f) => [f.code, f.detail]),
    );
    assert.deepEqual(again.stats, first.stats);
  });

  it("200 same-name intermediates (leaf by #137, no key ids): each client's verdict, identical on repeat and in any order", () => {
    const m = within(5000, () => evaluate(pile));
    const v = verdicts(m);
    for (const id of ["chrome", "firefox"]) {
      assert.equal(v[id].status, "trusted", `${id}: ${JSON.stringify(v[id])}`);
    }
    // OpenSSL takes the first same-name certificate as the issuer and never tries another: the leaf's
    // signature fails ([run] OpenSSL 3.0.19 s_client, curl 7.88.1 and Node 20 over loopback said these).
    assert.equal(v.openssl.error, "verify error:num=7:certificate signature failure");
    assert.equal(v.node.error, "CERT_SIGNATURE_FAILURE: certificate signature failure");
    assert.equal(v.curl.error, "curl: (35) OpenSSL/3.0.19: error:06880006:asn1 encoding routines::EVP lib");
    // Go counts every candidate's signature against maxChainSignatureChecks (100); 137 are needed.
    assert.equal(v.go.code, "budget-exceeded");
    assert.equal(
      v.go.error,
      "tls: failed to verify certificate: x509: signature check attempts limit reached while verifying certificate chain",
    );
    // JSSE reads at most 10 certificates of a Certificate message.
    for (const id of JAVA_CLIENTS) {
      assert.equal(v[id].code, "chain-too-long");
      assert.match(
        v[id].error ?? "",
        /The certificate chain length \(11\) exceeds the maximum allowed length \(10\)/,
      );
    }
    assert.deepEqual(verdicts(evaluate(pile)), v, "a second evaluation in the same process");
    const reversed = verdicts(evaluate(pile, [...CLIENT_IDS].reverse()));
    assert.deepEqual(reversed, v, "the clients evaluated in the opposite order");
    assert.deepEqual(verdicts(evaluate(pile, ["salesforce"])).salesforce, v.salesforce, "Salesforce alone");
  });

  it("40 fully cross-signed CAs with a two-intermediate path: the short path is found, not 'would need 9 intermediates'", () => {
    const mesh = P.crossSignedMesh(40);
    const m = within(5000, () => evaluate(mesh));
    for (const v of m.clients) {
      if (JAVA_CLIENTS.includes(v.client)) {
        assert.equal(v.reason?.code, "chain-too-long", v.client);
        continue;
      }
      // OpenSSL wanders through the mesh, one issuer per step, and stops where no unused one is left
      // ([run] `openssl verify` 3.0.19: "error 20 at 78 depth lookup" at Mesh CA 40).
      if (["openssl", "curl", "node"].includes(v.client)) {
        assert.equal(v.reason?.code, "unknown-issuer", v.client);
        assert.equal(v.path.at(-1)?.subject, "CN=Mesh CA 40", v.client);
        continue;
      }
      assert.equal(v.status, "trusted", `${v.client}: ${JSON.stringify(v.reason)}`);
      assert.deepEqual(
        v.path.map((p) => p.subject),
        ["CN=example.com", "CN=Mesh CA 1", "CN=Mesh CA 2", "CN=Mesh Root"],
        v.client,
      );
    }
    assert.doesNotMatch(JSON.stringify(m), /would need 9 intermediates/);
  });

  it("200 same-name CAs chained: the budget is the reason, never 'would need 0 intermediates'", () => {
    const same = P.longChain(200, true);
    const m = within(10_000, () => evaluate(same));
    for (const v of m.clients) {
      assert.equal(v.status, "untrusted", v.client);
      // Java stops at 10 sent; OpenSSL (curl, Node) follows the key identifiers alone (a look-alike whose key
      // identifier contradicts is not an issuer there) and reaches its depth limit; the others search on.
      const want = [...JAVA_CLIENTS, "openssl", "curl", "node"].includes(v.client)
        ? "chain-too-long"
        : "budget-exceeded";
      assert.equal(v.reason?.code, want, `${v.client}: ${JSON.stringify(v.reason)}`);
    }
    assert.match(m.clients.find((v) => v.client === "openssl")?.error?.text ?? "", /num=22/);
    assert.ok(m.findings.some((f) => f.code === "budget-exceeded" && f.severity === "error"));
    assert.doesNotMatch(JSON.stringify(m), /would need 0 intermediates/);
    // The chain as sent is longer than any client walks: nothing in it is called missing or unrelated.
    const wrong = m.findings.filter((f) => ["unknown-issuer", "unrelated-certificate"].includes(f.code));
    assert.deepEqual(wrong, []);
    assert.deepEqual(verdicts(evaluate(same)), verdicts(m));
  });

  it("50 same-name CAs sent out of order: found by their key identifiers", () => {
    const m = within(5000, () => evaluate(P.shuffledSameNameChain(50)));
    const v = verdicts(m);
    for (const id of ["openssl", "curl", "node", "go", "chrome"]) assert.equal(v[id].status, "trusted", id);
    // mozilla::pkix counts self-issued sub-CAs too: at most 6.
    assert.equal(v.firefox.status, "untrusted");
  });
});

describe("each client's depth limit", () => {
  const long = P.longChain(60);

  it("a 60-intermediate chain: OpenSSL, curl, Node, Go and Chrome accept it; Firefox (6) and Java (10 sent) do not", () => {
    const v = verdicts(within(5000, () => evaluate(long)));
    for (const id of ["openssl", "curl", "node", "go", "chrome"]) assert.equal(v[id].status, "trusted", id);
    assert.equal(v.firefox.code, "chain-too-long");
    assert.equal(v.firefox.error, "SEC_ERROR_UNKNOWN_ISSUER");
    assert.match(v.firefox.message ?? "", /at most 6 are allowed/);
    for (const id of JAVA_CLIENTS) assert.equal(v[id].code, "chain-too-long");
  });

  it("101 intermediates: OpenSSL's default depth (100) is exceeded, with its own error", () => {
    const v = verdicts(evaluate(P.longChain(101), ["openssl", "node"]));
    assert.equal(v.openssl.code, "chain-too-long");
    assert.equal(v.openssl.error, "verify error:num=22:certificate chain too long");
    // Node 20 carries on past error 22 and reports the missing issuer beyond the limit (reproduced).
    assert.equal(v.node.error, "UNABLE_TO_GET_ISSUER_CERT_LOCALLY: unable to get local issuer certificate");
  });

  it("agrees with Node's own TLS client over loopback: 100 intermediates accepted, 101 and 200 same-name refused", async () => {
    for (const n of [100, 101, 200]) {
      const c = n === 200 ? P.longChain(n, true) : P.longChain(n);
      const predicted = verdicts(evaluate(c, ["node"])).node;
      const { server, port } = await serveChain(c);
      try {
        const real = await new Promise<string>((resolve) => {
          const s = tls.connect(
            { port, host: "127.0.0.1", servername: "example.com", ca: toPem(c.root.cert.der) },
            () => {
              resolve("trusted");
              s.end();
            },
          );
          s.on("error", (e: NodeJS.ErrnoException) => resolve(`${e.code}: ${e.message}`));
        });
        if (n === 100) assert.equal(predicted.status, "trusted");
        assert.equal(
          real,
          predicted.status === "trusted" ? "trusted" : predicted.error,
          `${n} intermediates`,
        );
      } finally {
        server.close();
      }
    }
  });

  for (const [what, make] of [
    ["101 intermediates", () => P.longChain(101)],
    ["200 same-name CAs", () => P.longChain(200, true)],
  ] as const)
    it(`agrees with curl and openssl s_client over loopback: ${what} refused with error 22`, {
      skip: !haveOpenssl() || spawnSync("curl", ["--version"]).status !== 0,
    }, async () => {
      const c = make();
      const predicted = verdicts(evaluate(c, ["openssl", "curl"]));
      const { dir, cleanup } = tempDir();
      const { server, port } = await serveChain(c);
      const run = (cmd: string, args: string[]) =>
        new Promise<string>((resolve) =>
          execFile(cmd, args, { timeout: 10_000 }, (_e, out, err) => resolve(`${out}\n${err}`)),
        );
      try {
        const root = join(dir, "root.pem");
        writeFileSync(root, toPem(c.root.cert.der));
        const curl = await run("curl", [
          "-sS",
          "--cacert",
          root,
          "--resolve",
          `example.com:${port}:127.0.0.1`,
          `https://example.com:${port}/`,
        ]);
        assert.ok(curl.includes(predicted.curl.error ?? "?"), `${curl}\npredicted: ${predicted.curl.error}`);
        const sClient = await run("openssl", [
          "s_client",
          "-connect",
          `127.0.0.1:${port}`,
          "-servername",
          "example.com",
          "-CAfile",
          root,
          "-verify_return_error",
        ]);
        assert.ok(sClient.includes(predicted.openssl.error ?? "?"), sClient);
      } finally {
        server.close();
        cleanup();
      }
    });

  it("agrees with Java (test/java/ChainCheck.java): 9 intermediates accepted, 10 refused for the 11th certificate", {
    skip: spawnSync("javac", ["-version"]).status !== 0,
  }, () => {
    const { dir, cleanup } = tempDir();
    try {
      const source = fileURLToPath(new URL("../../test/java/ChainCheck.java", import.meta.url));
      const built = spawnSync("javac", ["-d", join(dir, "classes"), source], { encoding: "utf8" });
      assert.equal(built.status, 0, built.stderr);
      const cases = [9, 10].map((n) => {
        const c = P.longChain(n);
        const d = join(dir, `long${n}`);
        mkdirSync(join(d, "trust"), { recursive: true });
        writeFileSync(join(d, "trust", "root.pem"), toPem(c.root.cert.der));
        writeFileSync(join(d, "chain.pem"), c.sent.map((x) => toPem(x.der)).join(""));
        const key = c.all[c.all.length - 1].key.privateKey.export({ format: "pem", type: "pkcs8" });
        writeFileSync(join(d, "key.pem"), key);
        writeFileSync(join(d, "host"), "example.com");
        return { d, predicted: verdicts(evaluate(c, ["java"])).java };
      });
      const r = spawnSync("java", ["-cp", join(dir, "classes"), "ChainCheck", ...cases.map((x) => x.d)], {
        encoding: "utf8",
      });
      const lines = r.stdout.trim().split("\n");
      cases.forEach(({ predicted }, i) => {
        const [, outcome, message] = lines[i].split("\t");
        assert.equal(outcome === "OK" ? "trusted" : "untrusted", predicted.status, lines[i]);
        if (outcome !== "OK") assert.equal(message, predicted.error);
      });
    } finally {
      cleanup();
    }
  });

  it("agrees with openssl verify on the 60-intermediate chain", { skip: !haveOpenssl() }, async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, "root.pem"), toPem(long.root.cert.der));
      writeFileSync(join(dir, "leaf.pem"), toPem(long.leaf.der));
      writeFileSync(
        join(dir, "chain.pem"),
        long.sent
          .slice(1)
          .map((c) => toPem(c.der))
          .join(""),
      );
      const at = String(Math.floor(pki.NOW.getTime() / 1000));
      const r = await openssl(
        ["verify", "-attime", at, "-CAfile", "root.pem", "-untrusted", "chain.pem", "leaf.pem"],
        undefined,
        dir,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /leaf\.pem: OK/);
      assert.equal(verdicts(evaluate(long, ["openssl"])).openssl.status, "trusted");
    } finally {
      cleanup();
    }
  });
});

describe("a container with no certificate", () => {
  it("is an input error in the engine, not a TypeError", () => {
    const leaf = undefined as unknown as pki.Issued["cert"];
    assert.throws(
      () => evaluateClients({ leaf, presented: [], clients: ["salesforce"], time: pki.NOW }),
      (e) => e instanceof InputError && /no certificate/.test(e.message),
    );
  });

  const { dir, cleanup } = tempDir();
  const root = pki.root();
  const signedData = (crls: Uint8Array[]) =>
    pki.seq(
      pki.oid("1.2.840.113549.1.7.2"),
      pki.ctx(
        0,
        true,
        pki.seq(
          pki.int(1),
          pki.set(),
          pki.seq(pki.oid("1.2.840.113549.1.7.1")),
          ...(crls.length ? [pki.ctx(1, true, ...crls)] : []),
          pki.set(),
        ),
      ),
    );
  const files: [string, Uint8Array, RegExp][] = [
    ["empty.p7b", signedData([]), /an empty PKCS#7 bundle/],
    ["crl.p7b", signedData([pki.crl(root)]), /a PKCS#7 bundle holding 1 CRL only/],
    ["empty.jks", writeJks([], "changeit"), /a JKS keystore with 0 entries/],
  ];
  for (const [name, bytes, why] of files) {
    it(`verify --chain ${name}: exit 2 and says the file holds no certificate`, async () => {
      writeFileSync(join(dir, name), bytes);
      const r = await runCli(["verify", "--chain", join(dir, name), "--password-env", "PB_PASS"], {
        env: { PB_PASS: "changeit" },
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${name}: this file holds no certificate`));
      assert.match(r.stderr, why);
      assert.doesNotMatch(r.stderr, /internal error|TypeError/);
    });
  }

  it("verify --chain on a PKCS#12 without a certificate bag: exit 2", { skip: !haveOpenssl() }, async () => {
    const key = pki.newKey().privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    writeFileSync(join(dir, "key.pem"), key);
    const made = await openssl(
      ["pkcs12", "-export", "-nocerts", "-inkey", "key.pem", "-out", "nocert.p12", "-passout", "pass:pw"],
      undefined,
      dir,
    );
    assert.equal(made.code, 0, made.stderr);
    const r = await runCli(["verify", "--chain", join(dir, "nocert.p12"), "--password-env", "PB_PASS"], {
      env: { PB_PASS: "pw" },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /nocert\.p12: this file holds no certificate \(it is a PKCS#12 file/);
    cleanup();
  });
});
