/**
 * The command line as a few files instead of ~80 modules: `npm run build` runs this after tsc, and
 * bin/chainproof.js starts from its output. Node resolves, reads and links each ES module of a start on its
 * own; rolldown joins the modules each command needs into one chunk per lazy import (a command, the web
 * server, the keystore…), which saves ~20–40 ms at every start (bench/startup.ts: `--baseline` against a
 * build that starts from dist/src/cli/main.js).
 *
 * The chunks are CommonJS (.cjs): node 20 can compile a classic script with V8's cached code
 * (vm.Script cachedData), not an ES module, and compiling the bundle is most of a start's cost; the launcher
 * keeps that cache (bin/chainproof.js, docs/cli.md). Rolldown writes `import.meta.url` as the chunk's
 * file URL, and lazy imports as require, so the modules keep their meaning.
 *
 *   node dist/scripts/bundle-cli.js [--chunks]
 *
 * The output sits at dist/src/cli-bundle/, the same depth as the modules it joins, so the paths they take
 * from `import.meta.url` (the bundled data in ../../../data/, the pages in ../../web/, the worker scripts in
 * ../runtime/ and ../web/) lead to the same places. Packages and node: modules stay requires. The library
 * entry points (package.json `exports`) are not bundled: they stay dist/src/app/…, with declarations.
 */

import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const DIST_SRC = fileURLToPath(new URL("../src/", import.meta.url));
export const BUNDLE_DIR = `${DIST_SRC}cli-bundle`;

/** The static imports of every module rolldown parsed (module id → ids), filled as it parses them. */
type ImportGraph = Map<string, readonly string[]>;

/** `roots` and every module they import statically, directly or not. */
function staticClosure(graph: ImportGraph, roots: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...roots];
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    if (seen.has(id)) continue;
    seen.add(id);
    todo.push(...(graph.get(id) ?? []));
  }
  return seen;
}

/**
 * Left to itself, rolldown makes a chunk of every set of modules shared by the same lazy imports: `decode`
 * loaded 16 files and `verify` 22. Node reads, compiles and links each file on its own (~1.5 ms each), so
 * what the two commands a CI job or an editor runs most load is joined into two chunks, taken from the import
 * graph: `core`, what main and `decode` import (the certificate parsers, the rendering) and the lints they load
 * on first use, and `verify`, what `verify` adds (path building, the trust stores, the client models; `check`,
 * `scan` and the web app load it too). `decode` then loads main and core; `verify` main, core and verify.
 * Nothing else goes into them, so no command compiles code of a command it is not.
 */
function chunkGroups(graph: ImportGraph) {
  const at = (path: string) => DIST_SRC + path;
  let groups: { core: Set<string>; verify: Set<string> } | undefined;
  // The graph is complete when rolldown first asks (after parsing, before chunking).
  const member = (id: string) => {
    groups ??= (() => {
      const core = staticClosure(graph, [
        at("cli/main.js"),
        at("cli/commands/decode.js"),
        at("lint/index.js"),
      ]);
      const verify = staticClosure(graph, [at("cli/commands/verify.js")]);
      for (const id of core) verify.delete(id);
      return { core, verify };
    })();
    return groups.core.has(id) ? "core" : groups.verify.has(id) ? "verify" : undefined;
  };
  return [
    // main.js stays the entry's own chunk: only what it shares with decode moves.
    { name: "core", test: (id: string) => id !== at("cli/main.js") && member(id) === "core" },
    { name: "verify", test: (id: string) => member(id) === "verify" },
  ];
}

export async function bundleCli(): Promise<{ file: string; bytes: number; modules: string[] }[]> {
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  const graph: ImportGraph = new Map();
  const { output } = await build({
    input: { main: `${DIST_SRC}cli/main.js` },
    platform: "node",
    plugins: [{ name: "import-graph", moduleParsed: (m) => void graph.set(m.id, m.importedIds) }],
    // A bare specifier is a package (node_modules) or a node: builtin: loaded as installed.
    external: (id) => !id.startsWith(".") && !id.startsWith("/"),
    output: {
      dir: BUNDLE_DIR,
      format: "cjs",
      entryFileNames: "[name].cjs",
      chunkFileNames: "[name]-[hash].cjs",
      // Packages too are loaded with require: V8 code cached with an import() in it cannot run it (node 20).
      dynamicImportInCjs: false,
      codeSplitting: { groups: chunkGroups(graph) },
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
