/**
 * The trust-store use cases (src/app/stores.ts) called as a library user calls them, compared with what
 * `chainproof roots … --json` prints for the same input; both validated against docs/schemas/roots-*.json.
 */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { diffStores, importRoots, listRoots, resolveStore, rootRequest, showRoot } from "../src/app/index.js";
import { createWebServer } from "../src/web/server.js";
import { InputError } from "../src/x509/errors.js";
import { BIN, ROOT, runCli } from "./helpers/cli.js";
import { makePki } from "./helpers/clients-pki.js";
import { moduleTracer } from "./helpers/module-trace.js";

/** A validator for one of docs/schemas/*.schema.json, with the schemas it refers to. */
function validator(name: string) {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  ajv.addSchema(JSON.parse(readFileSync(join(ROOT, "docs", "decode.schema.json"), "utf8")));
  for (const other of ["roots-list", "roots-show", "roots-diff", "roots-import", "roots-request"]) {
    if (other !== name)
      ajv.addSchema(JSON.parse(readFileSync(join(ROOT, "docs", "schemas", `${other}.schema.json`), "utf8")));
  }
  const validate = ajv.compile(
    JSON.parse(readFileSync(join(ROOT, "docs", "schemas", `${name}.schema.json`), "utf8")),
  );
  return (doc: unknown, what: string) =>
    assert.ok(validate(doc), `${what}: ${JSON.stringify(validate.errors, null, 2)}`);
}

async function cliJson(args: string[]): Promise<unknown> {
  const r = await runCli([...args, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe("app: trust stores", () => {
  let dir = "";
  const f = (name: string) => join(dir, name);
  const pki = makePki("Private");

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "chainproof-app-stores-"));
    writeFileSync(f("private.pem"), pki.root.pem + pki.intermediate.pem);
    writeFileSync(f("root.pem"), pki.root.pem);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("listRoots returns what `roots list --json` prints, for a file store and for mozilla; both validate", async () => {
    const valid = validator("roots-list");
    for (const store of [f("private.pem"), "mozilla"]) {
      const fromCli = await cliJson(["roots", "list", "--store", store]);
      const fromApp = listRoots({ store });
      assert.deepEqual(fromApp, fromCli, store);
      valid(fromCli, `CLI ${store}`);
      valid(fromApp, `app ${store}`);
    }
    const doc = listRoots({ store: f("private.pem") });
    assert.deepEqual(
      doc.roots.map((r) => [r.name, r.expired, r.selfSigned]),
      [
        ["Private Root", false, true],
        ["Private Intermediate", false, false],
      ],
    );
  });

  it("showRoot returns what `roots show --json` prints; the certificate validates as decode's", async () => {
    const valid = validator("roots-show");
    const fromCli = await cliJson(["roots", "show", "ISRG Root X1"]);
    const fromApp = showRoot("ISRG Root X1");
    assert.deepEqual(fromApp, fromCli);
    valid(fromCli, "CLI");
    valid(fromApp, "app");
    assert.equal(
      fromApp.certificate.subject.rfc4514,
      "CN=ISRG Root X1,O=Internet Security Research Group,C=US",
    );
  });

  it("diffStores returns what `roots diff --json` prints; rows as in roots list", async () => {
    const valid = validator("roots-diff");
    const fromCli = await cliJson(["roots", "diff", f("root.pem"), f("private.pem")]);
    const fromApp = diffStores(f("root.pem"), f("private.pem"));
    assert.deepEqual(fromApp, fromCli);
    valid(fromCli, "CLI");
    valid(fromApp, "app");
    assert.deepEqual(
      fromApp.added.map((r) => r.name),
      ["Private Intermediate"],
    );
    assert.equal(fromApp.common, 1);
  });

  it("rootRequest takes a path or certificates and returns `roots request --json`; both validate", async () => {
    const valid = validator("roots-request");
    const fromCli = (await cliJson(["roots", "request", f("root.pem")])) as { sha256: string };
    const fromApp = rootRequest({ cert: f("root.pem") });
    assert.deepEqual(fromApp, fromCli);
    valid(fromCli, "CLI");
    valid(fromApp, "app");
    const fromStore = resolveStore(f("root.pem")).anchors.map((a) => a.cert);
    assert.deepEqual(rootRequest({ cert: fromStore, source: "root.pem" }), fromCli);
  });

  it("importRoots returns `roots import --json` for a bundle and for a list; the bundles are the same; both validate", async () => {
    const valid = validator("roots-import");
    writeFileSync(f("names.txt"), "ISRG Root X1\nNo Such Root Anywhere\n");
    for (const input of [f("private.pem"), f("names.txt")]) {
      const fromCli = (await cliJson(["roots", "import", input, "--out", f("cli.pem")])) as { out: string };
      const fromApp = importRoots({ input, out: f("app.pem") });
      assert.deepEqual({ ...fromApp, out: "" }, { ...fromCli, out: "" }, input);
      assert.equal(readFileSync(f("app.pem"), "utf8"), readFileSync(f("cli.pem"), "utf8"));
      valid(fromCli, `CLI ${input}`);
      valid(fromApp, `app ${input}`);
    }
    const bytes = new Uint8Array(readFileSync(f("names.txt")));
    const lines: string[] = [];
    const doc = importRoots({
      input: bytes,
      source: "names.txt",
      out: f("app.pem"),
      report: (l) => lines.push(l),
    });
    assert.equal(doc.kind, "list");
    assert.equal(doc.written, 1);
    assert.match(lines.join("\n"), /names\.txt:2: not matched: No Such Root Anywhere/);
  });

  it("a store spec `file:PATH` is the file (it was an unknown store before)", async () => {
    const r = await runCli(["roots", "list", "--store", `file:${f("root.pem")}`, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      (JSON.parse(r.stdout) as { roots: { name: string }[] }).roots.map((x) => x.name),
      ["Private Root"],
    );
  });

  it("bad specs throw the CLI's InputError; an already-resolved store is used as it is", async () => {
    assert.throws(
      () => resolveStore(f("nothing-here")),
      (e: unknown) =>
        e instanceof InputError &&
        e.code === "bad-store" &&
        e.message ===
          `unknown store "${f("nothing-here")}": use mozilla, fpki, mozilla+fpki, node, system, jdk, salesforce:FILE, or a path`,
    );
    const cli = await runCli(["roots", "list", "--store", f("nothing-here")]);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /unknown store ".*nothing-here": use mozilla, fpki/);
    assert.throws(() => resolveStore("salesforce:"), { code: "usage" });
    const store = resolveStore(f("root.pem"));
    assert.equal(resolveStore(store), store);
    assert.throws(() => showRoot("no such root", { store }), { code: "not-found" });
  });

  it("a Salesforce list spec reports what it matched to the caller, not to stderr", () => {
    writeFileSync(f("list.txt"), "ISRG Root X1\nNo Such Root Anywhere\n");
    const lines: string[] = [];
    const store = resolveStore(`salesforce:${f("list.txt")}`, { report: (l) => lines.push(l) });
    assert.equal(store.id, "salesforce");
    assert.deepEqual(
      store.anchors.map((a) => a.name),
      ["ISRG Root X1"],
    );
    assert.equal(lines.length, 2, lines.join("\n"));
    assert.match(lines[1], /list\.txt:2: not matched: No Such Root Anywhere/);
  });

  it("`roots list` and the stores API load no SQLite binding and no keystore storage", async () => {
    const trace = f("trace.txt");
    const app = pathToFileURL(join(ROOT, "dist", "src", "app", "index.js")).href;
    for (const args of [
      [BIN, "roots", "list", "--store", f("root.pem")],
      ["--input-type=module", "-e", `(await import(${JSON.stringify(app)})).listRoots();`],
    ]) {
      writeFileSync(trace, "");
      const { spawnSync } = await import("node:child_process");
      const r = spawnSync(process.execPath, ["--import", moduleTracer(dir, trace), ...args], {
        encoding: "utf8",
        timeout: 30_000,
      });
      assert.equal(r.status, 0, r.stderr);
      const loaded = readFileSync(trace, "utf8").split("\n");
      assert.deepEqual(
        // keystore/mtls.js is the pure mutual-TLS prediction (x509 only) that check uses; nothing that stores keys.
        loaded.filter((u) => /better-sqlite3|\/src\/keystore\/(?!mtls\.js)/.test(u)),
        [],
        args.join(" "),
      );
      // The command line runs from its bundle (scripts/bundle-cli.ts), whose chunks name no module.
      const bundled = args[0] === BIN;
      assert.ok(loaded.some((u) => u.includes(bundled ? "/src/cli-bundle/main.cjs" : "/src/app/stores.js")));
    }
  });

  it("the web routes answer with the same rows and differences as the use cases", async () => {
    const token = "app-stores-test-token-0123456789";
    const headers = { host: "127.0.0.1:8420", authorization: `Bearer ${token}` };
    const app = await createWebServer({
      host: "127.0.0.1",
      token,
      keystoreHome: dir,
      assetsDir: "/nonexistent",
    });
    try {
      const session = await app.inject({ method: "GET", url: "/api/session", headers });
      const post = (url: string, body: unknown) =>
        app.inject({
          method: "POST",
          url,
          headers: {
            ...headers,
            "x-chainproof-csrf": session.json().csrf,
            "content-type": "application/json",
          },
          payload: JSON.stringify(body),
        });
      const list = await app.inject({ method: "GET", url: "/api/stores/fpki/roots", headers });
      assert.equal(list.statusCode, 200, list.body);
      assert.deepEqual(list.json(), listRoots({ store: "fpki" }));
      const diff = await post("/api/stores/diff", { a: { store: "mozilla" }, b: { store: "fpki" } });
      assert.equal(diff.statusCode, 200, diff.body);
      assert.deepEqual(diff.json(), diffStores("mozilla", "fpki"));
      const none = await post("/api/stores/inspect", { salesforceList: { text: "No Such Root Anywhere\n" } });
      assert.equal(none.statusCode, 400);
      assert.equal(none.json().error.code, "no-certificates");
      assert.match(none.json().error.message, /no root of the list could be matched \(.+\)/);
    } finally {
      await app.close();
    }
  });
});
