/**
 * The handshake simulation against real clients: `openssl s_server` restricted one way per scenario
 * (versions, cipher suites, groups, its own order), enumerated by chainproof, then each client's predicted
 * handshake compared with what the real client does: OpenSSL s_client, curl, Node, Java 17
 * (test/java/HandshakeCheck.java) and Go (test/go/handshake.go). A prediction of success must match the
 * real version and cipher suite; a predicted failure must fail with the predicted message. The agreement
 * per client is printed as a diagnostic.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { type TlsDocument, tlsCheck } from "../src/app/tls.js";
import type { HandshakePrediction } from "../src/clients/handshake/index.js";
import { haveOpenssl, tempDir } from "./helpers/openssl.js";
import {
  ianaCipherNames,
  type OpensslServer,
  RESTRICTED_SETUPS,
  startOpensslServer,
} from "./helpers/openssl-server.js";
import { runProcess } from "./helpers/process.js";
import { makePki } from "./helpers/tls-server.js";

const LOOPBACK = { allowPrivate: true, allowLoopback: true };
const GO_SOURCE = fileURLToPath(new URL("../../test/go/handshake.go", import.meta.url));
const JAVA_SOURCE = fileURLToPath(new URL("../../test/java/HandshakeCheck.java", import.meta.url));
const have = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: "utf8" }).status === 0;
const HAVE = {
  openssl: haveOpenssl(),
  curl: have("curl", ["--version"]),
  java: have("java", ["-version"]),
  go: have("go", ["version"]),
};

const SCENARIOS = RESTRICTED_SETUPS;

interface Real {
  ok: boolean;
  version?: string;
  cipher?: string;
  text: string;
}

type Oracle = "openssl" | "curl" | "node" | "java" | "go";

let tmp: { dir: string; cleanup: () => void };
const servers: OpensslServer[] = [];
const docs: TlsDocument[] = [];
/** IANA name of each OpenSSL cipher name (s_client and curl print OpenSSL's names). */
let iana = new Map<string, string>();

before(async () => {
  if (!HAVE.openssl) return;
  tmp = tempDir("chainproof-tls-sim-");
  const pki = makePki("rsa");
  const pem = pki.leaf.pem + pki.intermediate.pem;
  for (const [i, s] of SCENARIOS.entries()) {
    const dir = join(tmp.dir, `s${i}`);
    spawnSync("mkdir", ["-p", dir]);
    servers.push(await startOpensslServer(dir, pem, pki.leaf.key.keyPem, ["-www", ...s.args]));
  }
  for (const server of servers)
    docs.push(
      await tlsCheck({ host: "localhost", port: server.port, connectTo: "127.0.0.1" }, { guard: LOOPBACK }),
    );
  iana = ianaCipherNames();
});

after(() => {
  for (const s of servers) s.close();
  tmp?.cleanup();
});

const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000) =>
  runProcess(cmd, args, { env, timeoutMs });

async function viaOpenssl(port: number): Promise<Real> {
  const r = await run(
    "openssl",
    ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost"],
    process.env,
    15_000,
  );
  // The session block: "New, TLSv1.0, Cipher is …" names the suite's own version, not the protocol's.
  // TLS 1.3 suites belong to TLS 1.3 only, and s_client prints no session block for them before a ticket.
  const session = /^\s*Protocol\s*:\s*(\S+)[\s\S]*?^\s*Cipher\s*:\s*(\S+)/m.exec(r.out);
  const tls13 = /New, TLSv1\.3, Cipher is (\S+)/.exec(r.out);
  if (session && session[2] !== "0000")
    return { ok: true, version: session[1], cipher: iana.get(session[2]) ?? session[2], text: session[0] };
  if (tls13) return { ok: true, version: "TLSv1.3", cipher: tls13[1], text: tls13[0] };
  return { ok: false, text: r.out };
}

async function viaCurl(port: number): Promise<Real> {
  const r = await run(
    "curl",
    [
      "-sSv",
      "-k",
      "-o",
      "/dev/null",
      "--max-time",
      "10",
      "--resolve",
      `localhost:${port}:127.0.0.1`,
      `https://localhost:${port}/`,
    ],
    process.env,
    15_000,
  );
  const m = /SSL connection using (TLSv[\d.]+) \/ (\S+)/.exec(r.out);
  if (m) return { ok: true, version: m[1], cipher: iana.get(m[2]) ?? m[2], text: m[0] };
  return { ok: false, text: r.out };
}

function viaNode(port: number): Promise<Real> {
  return new Promise((resolve) => {
    const s = tls.connect(
      { host: "127.0.0.1", port, servername: "localhost", rejectUnauthorized: false },
      () => {
        const real = {
          ok: true,
          version: s.getProtocol() ?? "",
          cipher: s.getCipher().standardName,
          text: "",
        };
        s.destroy();
        resolve(real);
      },
    );
    s.on("error", (e: NodeJS.ErrnoException) =>
      resolve({ ok: false, text: `Error [${e.code}]: ${e.message}` }),
    );
  });
}

/** One line per port from the Go and Java programs: PORT, OK|FAIL, then version and cipher or the error. */
function parseLines(out: string): Map<number, Real> {
  const m = new Map<number, Real>();
  for (const line of out.split("\n")) {
    const [port, status, a, b] = line.split("\t");
    if (status === "OK") m.set(Number(port), { ok: true, version: a, cipher: b, text: line });
    else if (status === "FAIL") m.set(Number(port), { ok: false, text: a ?? "" });
  }
  return m;
}

async function viaGo(ports: number[]): Promise<Map<number, Real>> {
  const bin = join(tmp.dir, "handshake");
  const env = {
    ...process.env,
    GOCACHE: join(tmp.dir, "gocache"),
    GOPATH: join(tmp.dir, "gopath"),
    GOTOOLCHAIN: "local",
    GOFLAGS: "",
    GOPROXY: "off",
    CGO_ENABLED: "0",
  };
  const built = await run("go", ["build", "-o", bin, GO_SOURCE], env, 300_000);
  assert.equal(built.code, 0, `go build: ${built.out}`);
  return parseLines((await run(bin, ["localhost", ...ports.map(String)], env)).out);
}

async function viaJava(ports: number[]): Promise<Map<number, Real>> {
  return parseLines((await run("java", [JAVA_SOURCE, "localhost", ...ports.map(String)])).out);
}

/** Does the real client agree with the prediction? A reason when it does not. */
function disagreement(p: HandshakePrediction, real: Real): string | undefined {
  if (p.outcome === "ok") {
    if (!real.ok) return `predicted ${p.version} ${p.cipher}, the client failed: ${real.text.slice(-300)}`;
    if (real.version !== p.version || real.cipher !== p.cipher)
      return `predicted ${p.version} ${p.cipher}, the client negotiated ${real.version} ${real.cipher}`;
    return undefined;
  }
  if (p.outcome === "fails") {
    if (real.ok)
      return `predicted failure (${p.error?.text}), the client negotiated ${real.version} ${real.cipher}`;
    if (!real.text.includes(p.error?.match ?? "\u0000"))
      return `predicted "${p.error?.match}", the client said: ${real.text.slice(-300)}`;
    return undefined;
  }
  return `prediction unknown: ${p.unknown}`;
}

describe("handshake simulation agrees with the real clients", {
  skip: !HAVE.openssl && "openssl not found",
}, () => {
  it("predicts each client's version and cipher suite, or its failure and message", async (t) => {
    const ports = servers.map((s) => s.port);
    const reals: Record<Oracle, Real[]> = {
      openssl: [],
      curl: [],
      node: [],
      java: [],
      go: [],
    };
    for (const port of ports) {
      reals.openssl.push(await viaOpenssl(port));
      if (HAVE.curl) reals.curl.push(await viaCurl(port));
      reals.node.push(await viaNode(port));
    }
    if (HAVE.java) {
      const j = await viaJava(ports);
      reals.java = ports.map((p) => j.get(p) ?? { ok: false, text: "no line from Java" });
    }
    if (HAVE.go) {
      const g = await viaGo(ports);
      reals.go = ports.map((p) => g.get(p) ?? { ok: false, text: "no line from Go" });
    }
    const problems: string[] = [];
    const agreement: string[] = [];
    for (const client of Object.keys(reals) as Oracle[]) {
      if (!reals[client].length) {
        agreement.push(`${client}: not installed`);
        continue;
      }
      let agree = 0;
      SCENARIOS.forEach((s, i) => {
        const p = docs[i].handshakes.find((h) => h.client === client);
        assert.ok(p, `no prediction for ${client}`);
        const d = disagreement(p, reals[client][i]);
        if (d) problems.push(`${client}, ${s.name}: ${d}`);
        else agree++;
      });
      agreement.push(`${client}: ${agree}/${SCENARIOS.length}`);
    }
    t.diagnostic(`agreement per client: ${agreement.join(", ")}`);
    assert.deepEqual(problems, []);
  });

  it("each scenario gives the outcomes it was built for", () => {
    const outcome = (i: number, client: string) => docs[i].handshakes.find((h) => h.client === client)!;
    // Go 1.19 offers no DHE suite: the DHE-only server refuses it with handshake_failure.
    assert.equal(outcome(2, "go").outcome, "fails");
    assert.equal(outcome(2, "go").failure?.reason, "no-common-cipher");
    assert.equal(outcome(2, "java").outcome, "ok");
    // Salesforce's published list has no CBC-SHA ECDHE suite: it gets AES128-SHA (RSA key exchange).
    assert.equal(outcome(1, "salesforce").cipher, "TLS_RSA_WITH_AES_128_CBC_SHA");
    // TLS 1.0 only: every client refuses; Salesforce says so its own way.
    for (const h of docs[3].handshakes) assert.equal(h.outcome, "fails", h.client);
    assert.match(outcome(3, "salesforce").error!.text, /^System\.CalloutException: IO Exception: /);
    assert.ok(docs[3].findings.some((f) => f.code === "tls-no-common-version"));
    assert.ok(docs[3].findings.some((f) => f.code === "tls-old-version"));
    // The server's order wins where it enforces one.
    assert.equal(docs[5].enumeration.suites["TLSv1.2"]?.serverOrder, true);
    assert.equal(outcome(5, "java").cipher, "TLS_RSA_WITH_AES_128_CBC_SHA");
    assert.equal(outcome(4, "openssl").group, "secp384r1");
  });
});
