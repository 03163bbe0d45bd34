#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (a bundle, scripts/bundle-cli.ts).
import("../dist/src/cli-bundle/main.js").then(
  async ({ main }) => {
    process.exitCode = await main(process.argv);
  },
  (err) => {
    if (err && err.code === "ERR_MODULE_NOT_FOUND") {
      process.stderr.write("chainproof: not built yet; run `npm run build` first\n");
      process.exit(2);
    }
    throw err;
  },
);
