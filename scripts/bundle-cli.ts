/**
 * The command line as a few files instead of ~80 modules: `npm run build` runs this after tsc, and
 * bin/chainproof.js starts from its output. Node resolves, reads and links each ES module of a start on its
 * own; rolldown joins the modules each command needs into one chunk per lazy import (a command, the web
 * server, the keystore…), which saves ~20–40 ms at every start (bench/startup.ts: `--baseline` against a
 * build that starts from dist/src/cli/main.js).
 *
 *   node dist/scripts/bundle-cli.js [--chunks]
 *
 * The output sits at dist/src/cli-bundle/, the same depth as the modules it joins, so the paths they take
 * from `import.meta.url` (the bundled data in ../../../data/, the pages in ../../web/, the worker scripts in
 * ../runtime/ and ../web/) lead to the same places. Packages and node: modules stay imports. The library
 * entry points (package.json `exports`) are not bundled: they stay dist/src/app/…, with declarations.
 */

import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const DIST_SRC = fileURLToPath(new URL("../src/", import.meta.url));
export const BUNDLE_DIR = `${DIST_SRC}cli-bundle`;

/** Whether module `id` (an absolute path of dist/src/) is one of `paths` (relative: a file, or a folder/). */
const within = (id: string, paths: readonly string[]): boolean =>
  paths.some((p) => (p.endsWith("/") ? id.startsWith(DIST_SRC + p) : id === DIST_SRC + p));

/** A group's test: one of `paths`, none of `except`. */
const under =
  (paths: readonly string[], except: readonly string[] = []) =>
  (id: string): boolean =>
    within(id, paths) && !within(id, except);

/**
 * Left to itself, rolldown makes a chunk of every set of modules shared by the same lazy imports: `decode`
 * loaded 15 files and `verify` 21. Node reads, compiles and links each file on its own (~1.5 ms each), so
 * the modules the common commands share are joined into two chunks: `core` (the certificate parsers, the
 * lints and the rendering: all of `decode`, loaded by main itself) and `verify` (path building, the trust
 * stores and the client models: what `verify`, `check`, `scan` and the web app add). A command then loads
 * main and one or two chunks, plus its own.
 */
const CHUNK_GROUPS = [
  {
    name: "core",
    priority: 2,
    // A group takes the modules its modules import too: nothing here may import the verify group's.
    test: under(
      [
        "x509/",
        "lint/",
        "runtime/read-input.js",
        "cli/io.js",
        "cli/style.js",
        "cli/render/",
        "app/decode.js",
        "cli/commands/decode.js",
      ],
      ["x509/write/", "x509/builder.js", "cli/render/matrix.js", "cli/render/revocation.js"],
    ),
  },
  {
    name: "verify",
    priority: 1,
    test: under([
      "verify/",
      "trust/",
      "clients/",
      "app/verify.js",
      "app/stores.js",
      "app/time.js",
      "cli/render/matrix.js",
      "cli/commands/verify.js",
      "cli/commands/roots.js",
    ]),
  },
];

/** Builds the bundle; returns its chunks: file, bytes, and the modules (dist/src/…) it holds. */
export async function bundleCli(): Promise<{ file: string; bytes: number; modules: string[] }[]> {
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  const { output } = await build({
    input: { main: `${DIST_SRC}cli/main.js` },
    platform: "node",
    // A bare specifier is a package (node_modules) or a node: builtin: loaded as installed.
    external: (id) => !id.startsWith(".") && !id.startsWith("/"),
    output: {
      dir: BUNDLE_DIR,
      format: "esm",
      chunkFileNames: "[name]-[hash].js",
      codeSplitting: { groups: CHUNK_GROUPS },
    },
    logLevel: "warn",
  });
  return output.flatMap((c) =>
    c.type === "chunk"
      ? [
          {
            file: c.fileName,
            bytes: c.code.length,
            modules: Object.keys(c.modules).map((m) => m.slice(DIST_SRC.length)),
          },
        ]
      : [],
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  bundleCli()
    .then((chunks) => {
      // --chunks: what each chunk holds, to see what a command loads (bench/startup.ts --chunks times them).
      if (!process.argv.includes("--chunks")) return;
      for (const c of chunks)
        console.log(`${c.file} ${c.bytes}\n${c.modules.map((m) => `  ${m}\n`).join("")}`);
    })
    .catch((e) => {
      process.stderr.write(`bundle-cli: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    });
}
