/**
 * chainproof as a library user gets it: `npm pack` the built package, install the tarball into a scratch
 * project (offline, no install scripts: nothing here loads the SQLite binding, so it is not compiled), compile
 * a strict TypeScript program (`module`/`moduleResolution` "nodenext") importing "chainproof" and
 * "chainproof/x509" with the repository's own TypeScript, run it, and compare what it returns with what
 * `chainproof check --json` prints for the same loopback endpoint.
 *
 * The install must not need the network (CI runs it right after `npm ci`): the scratch project gets a
 * lockfile made from the repository's own (its runtime packages, same versions and integrity hashes), so
 * `npm ci --offline` takes every tarball from the npm cache that `npm ci` filled.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { ROOT, runCli } from "./helpers/cli.js";
import { makePki, type Running, startTlsServer } from "./helpers/tls-server.js";

const run = promisify(execFile);
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

/** The example a library user would write: check an endpoint against their own roots, print the document. */
const EXAMPLE = `import { readFileSync } from "node:fs";
import { type CheckDocument, check, InputError as AppInputError, resolveStore } from "chainproof";
import { type Certificate, InputError, readCertificates } from "chainproof/x509";

// Bad input throws InputError, the same class from either entry, with a stable code.
let badStore = "";
try {
  resolveStore("no-such-store");
} catch (e) {
  if (!(e instanceof AppInputError && e instanceof InputError)) throw e;
  badStore = e.code;
}

const [target, rootsFile] = process.argv.slice(2);
if (!target || !rootsFile) throw new InputError("usage: example HOST:PORT ROOTS.pem");
const roots: Certificate[] = readCertificates(readFileSync(rootsFile), { source: rootsFile }).certificates.map(
  (c) => c.cert,
);
const store = resolveStore(\`file:\${rootsFile}\`);
const doc: CheckDocument = await check({ target, store, clients: "salesforce,java", aia: false });
const trusted: boolean = doc.trusted;
process.stdout.write(JSON.stringify({ roots: roots.length, anchors: store.anchors.length, trusted, badStore, doc }));
`;

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "nodenext",
    moduleResolution: "nodenext",
    strict: true,
    skipLibCheck: false,
    types: ["node"],
    typeRoots: [join(ROOT, "node_modules", "@types")],
    outDir: "out",
  },
  files: ["example.ts"],
};

/** A lockfile for a project depending only on the tarball: the repository's runtime packages, as locked. */
function scratchLockfile(tarball: string): object {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8"));
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    "": { name: "scratch", dependencies: { chainproof: spec } },
    "node_modules/chainproof": {
      version: pkg.version,
      resolved: spec,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries<{ dev?: boolean }>(lock.packages)) {
    if (path !== "" && !entry.dev && !path.startsWith("node_modules/chainproof")) packages[path] = entry;
  }
  return { name: "scratch", lockfileVersion: 3, requires: true, packages };
}

/** What differs between two runs of the same check: when it ran and how long the handshake took. */
function stable(doc: unknown): unknown {
  return JSON.parse(JSON.stringify(doc), (key, value) =>
    key === "time" || key === "ms" ? undefined : value,
  );
}

describe("the npm package", () => {
  let dir: string;
  let server: Running;
  let rootsFile: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "chainproof-package-"));
    const pki = makePki("ec", "Package");
    rootsFile = join(dir, "roots.pem");
    writeFileSync(rootsFile, pki.root.pem);
    server = await startTlsServer({ chain: [pki.leaf, pki.intermediate] });
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("packs, installs offline, compiles strictly against its types and agrees with the CLI's --json", {
    timeout: 120_000,
  }, async () => {
    const packed = await run(NPM, ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
      cwd: ROOT,
    });
    const [{ filename, files }] = JSON.parse(packed.stdout) as {
      filename: string;
      files: { path: string }[];
    }[];
    const paths = files.map((f) => f.path);
    assert.ok(paths.includes("dist/src/app/index.d.ts"), "the API's declarations are packed");
    assert.ok(paths.includes("dist/src/x509/index.js"), "chainproof/x509 is packed");
    assert.ok(paths.includes("bin/chainproof.js"), "the CLI is packed");
    assert.ok(paths.includes("LICENSE"), "the MIT licence that package.json names is packed");
    assert.ok(paths.includes("dist/web/index.html"), "the web app is packed");
    assert.deepEqual(
      paths.filter((p) => p.startsWith("dist/test") || p.startsWith("test/") || p.startsWith("src/")),
      [],
      "no tests or TypeScript sources in the package",
    );

    const project = join(dir, "project");
    mkdirSync(project);
    const spec = `file:../${filename}`;
    const { overrides } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    writeFileSync(
      join(project, "package.json"),
      // The repository's overrides too (cookie for Node 20; docs/api.md says so): the lockfile follows them.
      JSON.stringify({
        name: "scratch",
        private: true,
        type: "module",
        dependencies: { chainproof: spec },
        overrides,
      }),
    );
    writeFileSync(join(project, "package-lock.json"), JSON.stringify(scratchLockfile(`../${filename}`)));
    const installed = await run(NPM, ["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], {
      cwd: project,
    });
    assert.doesNotMatch(installed.stderr, /EBADENGINE/, "every package supports this Node");
    assert.deepEqual(readdirSync(join(project, "node_modules", "chainproof")).sort(), [
      "LICENSE",
      "README.md",
      "bin",
      "data",
      "dist",
      "package.json",
    ]);

    writeFileSync(join(project, "example.ts"), EXAMPLE);
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify(TSCONFIG));
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const compiled = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project }).catch(
      (e: { stdout: string }) => assert.fail(`the strict example does not compile:\n${e.stdout}`),
    );
    assert.equal(compiled.stdout, "");

    const target = `127.0.0.1:${server.port}`;
    const library = await run(process.execPath, [join(project, "out", "example.js"), target, rootsFile], {
      cwd: project,
    });
    const cli = await runCli(
      ["check", target, "--store", `file:${rootsFile}`, "--client", "salesforce,java"].concat([
        "--no-aia",
        "--json",
      ]),
    );
    assert.equal(cli.code, 0, cli.stderr);
    const result = JSON.parse(library.stdout);
    assert.equal(result.roots, 1);
    assert.equal(result.anchors, 1);
    assert.equal(result.trusted, true);
    assert.equal(result.badStore, "bad-store", "InputError from the main entry, with its code");
    assert.deepEqual(stable(result.doc), stable(JSON.parse(cli.stdout)));
  });
});
