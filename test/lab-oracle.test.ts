/**
 * The lab's declarations against real clients on this machine: OpenSSL 3 `s_client`, curl, Node's own TLS
 * client and Java 17's JSSE connect to every endpoint (over TCP to 127.0.0.1, the endpoint's name as SNI,
 * the lab roots as their only trust) and their verdict must be the declared one; when they refuse, what
 * they print must contain chainproof's predicted text for them.
 *
 * Where a declaration rests on the lab's modelling rather than on the client's defaults, the real client is
 * expected to differ, and the test says so: the "distrusted" rule is the lab's own (no real client knows
 * it), and Java refuses SHA-1 only under roots the JDK ships (the lab store plays such a store; a real JVM
 * given the lab roots as its trust store does not).
 */

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import { writeLabFiles } from "../src/cli/commands/lab.js";
import { CLIENTS, type ClientId } from "../src/clients/index.js";
import { checkLab, type EndpointOutcome, expectedFor, type Lab, startLab } from "../src/lab/index.js";
import { tempDir } from "./helpers/openssl.js";

interface Real {
  trusted: boolean;
  /** What the client printed (or the error it raised). */
  text: string;
}

const have = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: "utf8" }).status === 0;
const HAVE = {
  openssl: have("openssl", ["version"]),
  curl: have("curl", ["--version"]),
  java: have("javac", ["-version"]),
};

function run(cmd: string, args: string[], timeoutMs = 15_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b) => {
      out += b;
    });
    child.stderr.on("data", (b) => {
      out += b;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
  });
}

const JAVA_CLIENT = `
import java.io.FileInputStream;
import java.security.KeyStore;
import java.security.cert.*;
import java.util.*;
import javax.net.ssl.*;

public class LabClient {
  public static void main(String[] a) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    int i = 0;
    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new FileInputStream(a[0])))
      ks.setCertificateEntry("lab" + (i++), c);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    for (int k = 1; k + 1 < a.length; k += 2) {
      String host = a[k];
      int port = Integer.parseInt(a[k + 1]);
      // Connect to 127.0.0.1 but name the host, so SNI and endpoint identification use the name.
      try (java.net.Socket raw = new java.net.Socket("127.0.0.1", port);
           SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, host, port, true)) {
        s.setSoTimeout(5000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(host)));
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        s.startHandshake();
        System.out.println(host + "\\tOK");
      } catch (Exception e) {
        System.out.println(host + "\\t" + String.valueOf(e).replace("\\n", " "));
      }
    }
  }
}
`;

let lab: Lab;
let outcomes: EndpointOutcome[];
let tmp: { dir: string; cleanup: () => void };
let roots = "";
let rootsPem = "";
const java = new Map<string, Real>();

before(async () => {
  lab = await startLab();
  outcomes = await checkLab(lab);
  tmp = tempDir("chainproof-oracle-");
  roots = writeLabFiles(lab, tmp.dir).roots;
  rootsPem = readFileSync(roots, "utf8");
  if (HAVE.java) {
    const src = join(tmp.dir, "LabClient.java");
    writeFileSync(src, JAVA_CLIENT);
    const c = spawnSync("javac", ["-d", tmp.dir, src], { encoding: "utf8" });
    assert.equal(c.status, 0, c.stderr);
    // One JVM for every endpoint: startup is the slow part.
    const args = [
      "-cp",
      tmp.dir,
      "LabClient",
      roots,
      ...lab.endpoints.flatMap((e) => [e.host, String(e.port)]),
    ];
    const r = await run("java", args, 60_000);
    for (const line of r.out.trim().split("\n")) {
      const [host, text] = line.split("\t");
      if (host && text) java.set(host, { trusted: text === "OK", text });
    }
  }
});
after(async () => {
  await lab?.close();
  tmp?.cleanup();
});

async function opensslClient(host: string, port: number): Promise<Real> {
  const r = await run("openssl", [
    "s_client",
    "-connect",
    `127.0.0.1:${port}`,
    "-servername",
    host,
    "-verify_hostname",
    host,
    "-verify_return_error",
    "-CAfile",
    roots,
    "-brief",
  ]);
  return { trusted: /Verification: OK/.test(r.out) && !/verify error/.test(r.out), text: r.out };
}

async function curlClient(host: string, port: number): Promise<Real> {
  const r = await run("curl", [
    "--http0.9",
    "-sS",
    "-o",
    "/dev/null",
    "--max-time",
    "10",
    "--cacert",
    roots,
    "--resolve",
    `${host}:${port}:127.0.0.1`,
    `https://${host}:${port}/`,
  ]);
  // 0: fine; 56: the server closed after the handshake (it wanted a client certificate): the chain passed.
  return { trusted: r.code === 0 || r.code === 56, text: r.out };
}

function nodeClient(host: string, port: number): Promise<Real> {
  return new Promise((resolve) => {
    const s = tls.connect({
      host: "127.0.0.1",
      port,
      servername: host,
      ca: rootsPem,
      rejectUnauthorized: true,
    });
    s.setTimeout(5000, () => s.destroy(new Error("timeout")));
    s.once("secureConnect", () => {
      s.destroy();
      resolve({ trusted: true, text: "" });
    });
    s.once("error", (e: Error & { code?: string }) =>
      resolve({ trusted: false, text: `${e.code}: ${e.message}` }),
    );
  });
}

/** Declarations resting on the lab's modelling, not on the client's defaults: the real client differs. */
const MODELLED: Partial<Record<ClientId, Record<string, string>>> = {
  java: {
    distrusted: "the distrust rule is the lab's own",
    sha1: "Java refuses SHA-1 only under JDK-shipped roots; the lab store plays one, a real JVM given the lab roots does not",
  },
};

function compare(client: ClientId, o: EndpointOutcome, real: Real): void {
  const name = o.endpoint.spec.name;
  const declared = expectedFor(o.endpoint.spec.expect, client);
  const modelled = MODELLED[client]?.[name];
  if (modelled) {
    assert.equal(real.trusted, true, `${name} / ${client} (${modelled}): ${real.text}`);
    return;
  }
  assert.equal(
    real.trusted,
    declared === "trusted",
    `${name} / ${CLIENTS[client].name}: declared ${declared}; the real client said: ${real.text}`,
  );
  if (!real.trusted) {
    const predicted = o.report.matrix.clients.find((v) => v.client === client)?.error?.text ?? "";
    const key =
      client === "node"
        ? (/\(code (\w+)\)/.exec(predicted)?.[1] ?? predicted.split(":")[0])
        : client === "java"
          ? predicted.replace(/^.*?: (?=PKIX|No subject|No name|Received)/, "")
          : predicted;
    assert.ok(
      real.text.includes(key),
      `${name} / ${CLIENTS[client].name}: predicted "${key}" in: ${real.text}`,
    );
  }
}

describe("the lab's declarations hold for real clients on this machine", () => {
  it("OpenSSL s_client", { skip: !HAVE.openssl && "openssl not found" }, async () => {
    for (const o of outcomes) compare("openssl", o, await opensslClient(o.endpoint.host, o.endpoint.port));
  });

  it("curl", { skip: !HAVE.curl && "curl not found" }, async () => {
    for (const o of outcomes) compare("curl", o, await curlClient(o.endpoint.host, o.endpoint.port));
  });

  it("Node's TLS client", async () => {
    for (const o of outcomes) compare("node", o, await nodeClient(o.endpoint.host, o.endpoint.port));
  });

  it("Java (JSSE, PKIX, HTTPS endpoint identification)", { skip: !HAVE.java && "javac not found" }, () => {
    for (const o of outcomes) {
      const real = java.get(o.endpoint.host);
      assert.ok(real, `Java reached ${o.endpoint.host}`);
      compare("java", o, real);
    }
  });
});
