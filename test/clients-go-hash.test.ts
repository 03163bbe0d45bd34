/**
 * Go's texts for a certificate signature it refuses before checking it, against the real Go (test/go/chaincheck.go,
 * built here as test/lab-oracle-go-browsers.test.ts builds it) and the real OpenSSL s_client and Node
 * tls.connect, each dialing a loopback server that sends one leaf signed by a locally trusted RSA root:
 * - MD5: Go's InsecureAlgorithmError ("insecure algorithm MD5-RSA"); OpenSSL and Node refuse it too;
 * - SHA-224: Go has no verifier for it ("algorithm unimplemented") while OpenSSL and Node accept it;
 * - MD2 (the OID; Node cannot sign MD2, so the signature is SHA-256's): "algorithm unimplemented" in Go,
 *   OpenSSL's security level refuses the digest first;
 * - an OID no client knows: "algorithm unimplemented" in Go; OpenSSL finds no issuer for it.
 * Go's text must be chainproof's modulo the version prefix (Go 1.19 has no "tls: failed to verify certificate: ");
 * the other clients' verdicts must be chainproof's, and OpenSSL's, Java's (test/java/ChainCheck.java) and Node's
 * texts its predicted ones.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { type ClientVerdict, evaluateClients } from "../src/clients/evaluate.js";
import type { ClientId } from "../src/clients/index.js";
import type { TrustStore } from "../src/trust/store.js";
import { type BuiltCertificate, buildCertificate, generateKeyPair } from "../src/x509/builder.js";
import { nul, oid, seq } from "../src/x509/write/der-writer.js";
import { tempDir, writeIn } from "./helpers/openssl.js";
import { runProcess } from "./helpers/process.js";

const HOST = "hash.test";
const GO_SOURCE = fileURLToPath(new URL("../../test/go/chaincheck.go", import.meta.url));
const HAVE_GO = spawnSync("go", ["version"]).status === 0;
const JAVA_SOURCE = fileURLToPath(new URL("../../test/java/ChainCheck.java", import.meta.url));
const HAVE_JAVA = spawnSync("java", ["-version"]).status === 0;
const HAVE_OPENSSL = spawnSync("openssl", ["version"]).status === 0;
const NB = new Date(Date.now() - 86_400_000);
const NA = new Date(Date.now() + 30 * 86_400_000);

const rootKey = generateKeyPair("rsa2048");
const root = buildCertificate({
  subject: "Hash Root",
  publicKey: rootKey,
  ca: true,
  notBefore: NB,
  notAfter: NA,
});
const leafKey = generateKeyPair("rsa2048");

interface Case {
  name: string;
  leaf: BuiltCertificate;
  /** What Go 1.19.8 printed (reproduced when this test was written), the hint Go puts in its error. */
  goHint: string;
}

function leaf(more: Partial<Parameters<typeof buildCertificate>[0]>): BuiltCertificate {
  return buildCertificate({
    subject: HOST,
    issuer: { cert: root.cert, key: rootKey.privateKey },
    publicKey: leafKey,
    san: [{ dns: HOST }],
    eku: ["serverAuth"],
    notBefore: NB,
    notAfter: NA,
    ...more,
  });
}

const CASES: Case[] = [
  {
    name: "md5",
    leaf: leaf({ signatureAlgorithm: "md5WithRSAEncryption" }),
    goHint: "x509: cannot verify signature: insecure algorithm MD5-RSA",
  },
  {
    name: "sha224",
    leaf: leaf({ signatureAlgorithm: "sha224WithRSAEncryption" }),
    goHint: "x509: cannot verify signature: algorithm unimplemented",
  },
  {
    name: "md2",
    leaf: leaf({ algorithmIdentifier: seq(oid("1.2.840.113549.1.1.2"), nul()) }),
    goHint: "x509: cannot verify signature: algorithm unimplemented",
  },
  {
    name: "unknown-oid",
    leaf: leaf({ algorithmIdentifier: seq(oid("1.2.3.4.5"), nul()) }),
    goHint: "x509: cannot verify signature: algorithm unimplemented",
  },
];

const store: TrustStore = {
  id: "custom",
  name: "hash root",
  source: "test",
  anchors: [{ cert: root.cert, name: "Hash Root", trustSource: "test" }],
  notes: [],
};

function predict(c: Case, client: ClientId): ClientVerdict | undefined {
  const m = evaluateClients({
    leaf: c.leaf.cert,
    presented: [c.leaf.cert],
    clients: [client],
    stores: store,
    host: HOST,
  });
  return m.clients[0];
}

const run = (
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  input = "",
  timeoutMs = 120_000,
) => runProcess(cmd, args, { env, input, timeoutMs });

describe("a signature Go refuses before checking it: real Go, OpenSSL, Java and Node against chainproof", () => {
  const tmp = tempDir("chainproof-go-hash-");
  const servers: tls.Server[] = [];
  const ports = new Map<string, number>();
  const rootsFile = writeIn(tmp.dir, "roots.pem", root.pem);

  before(async () => {
    for (const c of CASES) {
      // MD5 and MD2 certificates load only at security level 0 (node's OpenSSL: "ca md too weak").
      const server = tls.createServer(
        {
          cert: c.leaf.pem,
          key: leafKey.privateKey.export({ format: "pem", type: "pkcs8" }),
          ciphers: "DEFAULT@SECLEVEL=0",
        },
        (s) => s.end(),
      );
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      servers.push(server);
      ports.set(c.name, (server.address() as AddressInfo).port);
    }
  });
  after(() => {
    for (const s of servers) s.close();
    tmp.cleanup();
  });

  it("Go 1.19+ prints chainproof's text for each", {
    skip: !HAVE_GO && "go not found (apt-get install golang-go)",
  }, async () => {
    const env = {
      ...process.env,
      GOCACHE: join(tmp.dir, "gocache"),
      GOPATH: join(tmp.dir, "gopath"),
      GOTOOLCHAIN: "local",
      GOFLAGS: "",
      GOPROXY: "off",
      CGO_ENABLED: "0",
    };
    const bin = join(tmp.dir, "chaincheck");
    const built = await run("go", ["build", "-o", bin, GO_SOURCE], env, "", 300_000);
    assert.equal(built.code, 0, `go build: ${built.out}`);
    const args = [rootsFile, ...CASES.flatMap((c) => [HOST, String(ports.get(c.name))])];
    const r = await run(bin, args, env);
    assert.equal(r.code, 0, r.out);
    const lines = r.out.trim().split("\n");
    CASES.forEach((c, i) => {
      const real = lines[i]?.split("\t")[1] ?? "";
      const expected = `x509: certificate signed by unknown authority (possibly because of ${JSON.stringify(c.goHint)} while trying to verify candidate authority certificate "Hash Root")`;
      assert.equal(real, expected, `${c.name}: real Go`);
      const go = predict(c, "go");
      assert.equal(go?.status, "untrusted", c.name);
      assert.equal(
        go?.error?.text.replace(/^tls: failed to verify certificate: /, ""),
        real,
        `${c.name}: chainproof's Go text`,
      );
    });
  });

  it("OpenSSL s_client's verdict and verify error are chainproof's", {
    skip: !HAVE_OPENSSL && "openssl not found",
  }, async () => {
    for (const c of CASES) {
      const r = await run(
        "openssl",
        [
          "s_client",
          "-connect",
          `127.0.0.1:${ports.get(c.name)}`,
          "-servername",
          HOST,
          "-CAfile",
          rootsFile,
          "-verify_hostname",
          HOST,
          "-verify_return_error",
        ],
        process.env,
        "",
        20_000,
      );
      const real = /verify error:num=\d+:[^\n]*/.exec(r.out)?.[0];
      const predicted = predict(c, "openssl");
      assert.equal(real === undefined, predicted?.trusted, `${c.name}: OpenSSL said ${real ?? "OK"}`);
      if (real) assert.equal(predicted?.error?.text, real, `${c.name}: OpenSSL text`);
    }
  });

  it("Java's (JDK 17) verdict and text are chainproof's", {
    skip: !HAVE_JAVA && "java not found",
  }, async () => {
    const dirs = CASES.map((c) => {
      const dir = join(tmp.dir, "java", c.name);
      mkdirSync(join(dir, "trust"), { recursive: true });
      writeIn(join(dir, "trust"), "root.pem", root.pem);
      writeIn(dir, "chain.pem", c.leaf.pem);
      writeIn(dir, "key.pem", leafKey.privateKey.export({ format: "pem", type: "pkcs8" }).toString());
      writeIn(dir, "host", HOST);
      return dir;
    });
    const r = await run("java", [JAVA_SOURCE, ...dirs]);
    assert.equal(r.code, 0, r.out);
    const lines = r.out.trim().split("\n");
    CASES.forEach((c, i) => {
      const [, verdict, message] = lines[i]?.split("\t") ?? [];
      const predicted = predict(c, "java");
      assert.equal(verdict === "OK", predicted?.trusted, `${c.name}: Java said ${lines[i]}`);
      if (verdict !== "OK")
        assert.equal(predicted?.error?.text, message?.replace(/^\([a-z_]+\) /, ""), `${c.name}: Java text`);
    });
  });

  it("Node's tls.connect verdict is chainproof's", async () => {
    for (const c of CASES) {
      const error = await new Promise<string | undefined>((resolve) => {
        const s = tls.connect(
          {
            host: "127.0.0.1",
            port: ports.get(c.name),
            servername: HOST,
            ca: root.pem,
            checkServerIdentity: (_h, cert) => tls.checkServerIdentity(HOST, cert),
          },
          () => {
            s.destroy();
            resolve(undefined);
          },
        );
        s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
      const predicted = predict(c, "node");
      assert.equal(error === undefined, predicted?.trusted, `${c.name}: Node said ${error ?? "OK"}`);
      if (error)
        assert.ok(
          predicted?.error?.text.includes(error),
          `${c.name}: Node ${error}, chainproof ${predicted?.error?.text}`,
        );
    }
  });
});
