/**
 * The command line as a few files instead of ~80 modules: `npm run build` runs this after tsc, and
 * bin/chainproof.js starts from its output. Node resolves, reads and links each ES module of a start on its
 * own; rolldown joins the modules each command needs into one chunk per lazy import (a command, the web
 * server, the keystore…), which saves ~20–40 ms at every start (bench/startup.ts: `--baseline` against a
 * build that starts from dist/src/cli/main.js).
 *
 *   node dist/scripts/bundle-cli.js
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

export async function bundleCli(): Promise<void> {
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  await build({
    input: { main: `${DIST_SRC}cli/main.js` },
    platform: "node",
    // A bare specifier is a package (node_modules) or a node: builtin: loaded as installed.
    external: (id) => !id.startsWith(".") && !id.startsWith("/"),
    output: { dir: BUNDLE_DIR, format: "esm", chunkFileNames: "[name]-[hash].js" },
    logLevel: "warn",
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  bundleCli().catch((e) => {
    process.stderr.write(`bundle-cli: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
