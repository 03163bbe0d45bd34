/**
 * `chainproof verify` end to end, as a user runs it: `node bin/chainproof.js verify …` in a child process,
 * on generated PKIs written to a temporary folder; asserts what the user sees and the exit status.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { days, HOST, issue, makePki, type Pki } from "./helpers/clients-pki.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PKIX =
  "PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target";

function chainproof(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ["bin/chainproof.js", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("chainproof verify", () => {
  let dir = "";
  let pki: Pki;
  const f = (name: string) => join(dir, name);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "chainproof-verify-"));
    pki = makePki("Alpha");
    const selfSigned = issue({ cn: HOST, dns: [HOST] });
    const ipLeaf = issue({ cn: "ip leaf", issuer: pki.intermediate, ips: ["192.0.2.10"] });
    writeFileSync(f("root.pem"), pki.root.pem);
    writeFileSync(f("intermediate.pem"), pki.intermediate.pem);
    writeFileSync(f("leaf.pem"), pki.leaf.pem);
    writeFileSync(f("leaf.der"), pki.leaf.der);
    writeFileSync(f("full.pem"), pki.leaf.pem + pki.intermediate.pem);
    writeFileSync(f("selfsigned.pem"), selfSigned.pem);
    writeFileSync(f("ip.pem"), ipLeaf.pem + pki.intermediate.pem);
    writeFileSync(f("notacert.txt"), "hello, this is not a certificate\n");
    writeFileSync(
      f("cacerts.html"),
      `<table><tr><th>Alias</th><th>Subject</th></tr>\n<tr><td>alpharoot</td><td>CN=Alpha Root</td></tr>\n<tr><td>nosuchroot</td><td>CN=No Such Root</td></tr></table>\n${pki.root.pem}`,
    );
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a complete chain: Salesforce trusts it, exit 0, the path ends at the anchor", () => {
    const r = chainproof(["verify", "--chain", f("full.pem"), "--roots", f("root.pem"), "--host", HOST]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^✓ Salesforce trusts this chain for service\.example\.test\.$/m);
    assert.match(r.stdout, /1\. CN=service\.example\.test\n\s+leaf, sent as #1/);
    assert.match(
      r.stdout,
      /3\. CN=Alpha Root,O=chainproof tests\n\s+trust anchor, from the trust store.*\[anchor\]/,
    );
  });

  it("a missing intermediate: exit 1, Salesforce's error, the missing issuer and where to get it", () => {
    const r = chainproof(["verify", "--chain", f("leaf.pem"), "--roots", f("root.pem"), "--host", HOST]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^✗ Salesforce does not trust this chain for service\.example\.test\.$/m);
    assert.ok(
      r.stdout.includes(
        `Salesforce reports: System.CalloutException: sun.security.validator.ValidatorException: ${PKIX}`,
      ),
    );
    assert.match(r.stdout, /error\s+incomplete-chain \(certificate #1\)/);
    assert.match(
      r.stdout,
      /The missing issuer is "CN=Alpha Intermediate,O=chainproof tests" \(key identifier [0-9A-F]{40}\)/,
    );
    assert.match(r.stdout, /http:\/\/pki\.example\.test\/alpha-intermediate\.crt/);
    assert.match(r.stdout, /Fix: Configure the server to send the whole chain/);
  });

  it("--client all prints the matrix: every client, its verdict and its own error", () => {
    const r = chainproof([
      "verify",
      "--chain",
      f("leaf.pem"),
      "--roots",
      f("root.pem"),
      "--host",
      HOST,
      "--client",
      "all",
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^✗ 8 of 8 clients do not trust this chain/m);
    assert.match(r.stdout, /^ {2}Java\s+NOT trusted\s+incomplete-chain: PKIX path building failed/m);
    assert.match(
      r.stdout,
      /^ {2}OpenSSL\s+NOT trusted\s+incomplete-chain: verify error:num=20:unable to get local issuer certificate$/m,
    );
    assert.match(
      r.stdout,
      /^ {2}Node\.js\s+NOT trusted\s+incomplete-chain: UNABLE_TO_VERIFY_LEAF_SIGNATURE/m,
    );
    assert.match(r.stdout, /^ {2}Chrome\s+depends\s+incomplete-chain/m);
    assert.match(
      r.stdout,
      /Chrome would fetch the missing issuer from http:\/\/pki\.example\.test\/alpha-intermediate\.crt/,
    );
  });

  it("--json: top-level trusted, client verdicts, the path and findings with code, severity, message, fix, certificate", () => {
    const r = chainproof([
      "verify",
      "--chain",
      f("leaf.pem"),
      "--roots",
      f("root.pem"),
      "--host",
      HOST,
      "--client",
      "salesforce,chrome",
      "--json",
    ]);
    assert.equal(r.code, 1);
    const d = JSON.parse(r.stdout);
    assert.equal(d.schema, "chainproof/verify");
    assert.equal(d.version, 1);
    assert.equal(d.trusted, false);
    assert.deepEqual(
      d.clients.map((c: { client: string; status: string }) => [c.client, c.status]),
      [
        ["salesforce", "untrusted"],
        ["chrome", "depends"],
      ],
    );
    assert.equal(d.clients[0].reason.code, "incomplete-chain");
    assert.equal(
      d.clients[0].error.text,
      `System.CalloutException: sun.security.validator.ValidatorException: ${PKIX}`,
    );
    assert.equal(d.path.length, 1);
    assert.equal(d.path[0].position, 1);
    const finding = d.findings.find((x: { code: string }) => x.code === "incomplete-chain");
    assert.equal(finding.severity, "error");
    assert.ok(finding.message && finding.fix);
    assert.equal(finding.certificate.position, 1);
    assert.equal(finding.certificate.sha256, pki.leaf.cert.sha256);
    assert.equal(finding.clients.salesforce.rejects, true);
    assert.equal(finding.clients.chrome.rejects, false);
    assert.equal(d.peer.value, HOST);
    assert.equal(d.store.roots, 1);
  });

  it("a self-signed target: Salesforce's own finding", () => {
    const r = chainproof([
      "verify",
      "--chain",
      f("selfsigned.pem"),
      "--roots",
      f("selfsigned.pem"),
      "--client",
      "salesforce,java",
      "--json",
    ]);
    assert.equal(r.code, 1);
    const d = JSON.parse(r.stdout);
    assert.equal(d.clients[0].reason.code, "self-signed-target");
    assert.equal(d.clients[1].status, "trusted");
  });

  it("a self-signed certificate the store holds is not said to be missing from it", () => {
    const held = chainproof(["verify", "--chain", f("selfsigned.pem"), "--roots", f("selfsigned.pem")]);
    assert.equal(held.code, 1);
    assert.match(
      held.stdout,
      /✗ self-signed, in the trust store; Salesforce refuses it \(self-signed-target\)/,
    );
    assert.doesNotMatch(held.stdout, /not in the trust store/);
    const missing = chainproof(["verify", "--chain", f("selfsigned.pem"), "--roots", f("root.pem")]);
    assert.match(missing.stdout, /✗ self-signed, and not in the trust store; Salesforce refuses it/);
    const openssl = chainproof([
      "verify",
      "--chain",
      f("selfsigned.pem"),
      "--roots",
      f("root.pem"),
      "--client",
      "openssl",
    ]);
    assert.match(openssl.stdout, /✗ self-signed, and not in the trust store$/m);
  });

  it("--leaf with --chain, DER input, --ip, --at", () => {
    const a = chainproof([
      "verify",
      "--leaf",
      f("leaf.der"),
      "--chain",
      f("intermediate.pem"),
      "--roots",
      f("root.pem"),
      "--host",
      HOST,
    ]);
    assert.equal(a.code, 0, a.stdout + a.stderr);
    const b = chainproof(["verify", "--chain", f("ip.pem"), "--roots", f("root.pem"), "--ip", "192.0.2.10"]);
    assert.equal(b.code, 0, b.stdout);
    const c = chainproof([
      "verify",
      "--chain",
      f("ip.pem"),
      "--roots",
      f("root.pem"),
      "--ip",
      "192.0.2.11",
      "--client",
      "java",
    ]);
    assert.equal(c.code, 1);
    assert.match(
      c.stdout,
      /Java reports: No subject alternative names matching IP address 192\.0\.2\.11 found/,
    );
    const later = days(400).toISOString();
    const d = chainproof([
      "verify",
      "--chain",
      f("full.pem"),
      "--roots",
      f("root.pem"),
      "--host",
      HOST,
      "--at",
      later,
      "--json",
    ]);
    assert.equal(d.code, 1);
    const doc = JSON.parse(d.stdout);
    assert.equal(doc.clients[0].reason.code, "expired");
    assert.ok(
      doc.findings.some(
        (x: { code: string; certificate: { position: number } }) =>
          x.code === "expired" && x.certificate.position === 1,
      ),
    );
  });

  it("--store salesforce:FILE reads a saved /cacerts.jsp page and says what it matched", () => {
    const r = chainproof([
      "verify",
      "--chain",
      f("full.pem"),
      "--store",
      `salesforce:${f("cacerts.html")}`,
      "--host",
      HOST,
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /not matched: .*nosuchroot/);
  });

  it("--store names: mozilla is the default for Salesforce, and says it is an approximation", () => {
    const r = chainproof(["verify", "--chain", f("full.pem"), "--host", HOST]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Trust store: Mozilla NSS 2\.86 \(121 roots\) — no org list was given/);
    const n = chainproof(["verify", "--chain", f("full.pem"), "--store", "node", "--client", "node"]);
    assert.equal(n.code, 1);
    assert.match(n.stdout, /Trust store: Node\.js v\d+/);
  });

  it("bad input exits 2 with a message", () => {
    const cases: [string[], RegExp][] = [
      [["verify", "--chain", f("missing.pem")], /missing\.pem: no such file/],
      [["verify", "--chain", f("notacert.txt")], /not a certificate file/],
      [["verify", "--chain", f("full.pem"), "--client", "safari"], /unknown client "safari"/],
      [["verify", "--chain", f("full.pem"), "--host", HOST, "--ip", "192.0.2.1"], /--host or --ip, not both/],
      [["verify", "--chain", f("full.pem"), "--at", "yesterday"], /--at "yesterday" is not a time/],
      [["verify", "--chain", f("full.pem"), "--store", "nosuchstore"], /unknown store "nosuchstore"/],
      [["verify", "--chain", f("full.pem"), "--ip", "not-an-ip"], /is not an IP address|not a valid/],
      [["verify"], /--chain FILE/],
    ];
    for (const [args, msg] of cases) {
      const r = chainproof(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, msg, args.join(" "));
    }
  });
});
