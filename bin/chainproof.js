#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (a CommonJS bundle, scripts/bundle-cli.ts),
// and its chunks are compiled through a V8 code cache (below). CommonJS itself (bin/package.json): an ES
// module here would start node's ES module loader, ~10 ms, for nothing the command uses.
const { createHash } = require("node:crypto");
const { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require("node:fs");
const { homedir } = require("node:os");
const { dirname, join } = require("node:path");
const vm = require("node:vm");

const BUNDLE_DIR = join(__dirname, "..", "dist", "src", "cli-bundle", "/");

/**
 * Compiling the bundle's JavaScript is most of what a start costs over node's own (bench/startup.ts), and
 * node 20 keeps no compile cache for modules. So each chunk is compiled as v8-compile-cache did it: with the
 * code V8 made for it last time (the chunk's functions that ran included), kept per user under
 * $XDG_CACHE_HOME/chainproof (CHAINPROOF_CACHE_DIR overrides; CHAINPROOF_NO_CACHE=1 turns it off). An entry
 * is named by the chunk's content, the command word and node's version, and V8 refuses data made by another
 * build of itself: a stale or broken entry is compiled afresh and rewritten. Nothing requires it: an unwritable or missing
 * cache only costs the compile.
 */
/** Whether `path` is missing, or a folder owned by this user that group and others cannot write. */
function privateOrAbsent(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return true;
  }
  const uid = process.getuid ? process.getuid() : st.uid;
  return st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0;
}

function installCompileCache() {
  if (process.env.CHAINPROOF_NO_CACHE) return;
  const Module = require("node:module");
  const base =
    process.env.CHAINPROOF_CACHE_DIR ||
    join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "chainproof");
  const dir = join(base, `v8-${process.version}-${process.arch}`);
  // Cached code runs as this user's code: use a folder only when this user owns it and no one else can write
  // it (CHAINPROOF_CACHE_DIR may name a shared place). A folder not made yet is made private below.
  if (!privateOrAbsent(base) || !privateOrAbsent(dir)) return;
  // Per command too: the data holds the functions that ran, and a chunk's are not the same for decode and help.
  const word = process.argv.slice(2).find((a) => !a.startsWith("-"));
  const command = word && /^[a-z]{1,20}$/.test(word) ? word : "none";
  /** Scripts compiled without usable cached data, written out when the command is done. */
  const toWrite = [];
  const compile = Module.prototype._compile;
  Module.prototype._compile = function compileCached(content, filename) {
    if (!filename.startsWith(BUNDLE_DIR)) return compile.call(this, content, filename);
    const file = join(
      dir,
      `${createHash("sha256").update(content).digest("hex").slice(0, 32)}-${command}.bin`,
    );
    let cachedData;
    try {
      cachedData = readFileSync(file);
    } catch {}
    const script = new vm.Script(Module.wrap(content), {
      filename,
      cachedData,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (cachedData === undefined || script.cachedDataRejected) toWrite.push({ script, file });
    const requireHere = (id) => this.require(id);
    requireHere.resolve = (request, options) => Module._resolveFilename(request, this, false, options);
    requireHere.cache = Module._cache;
    return script
      .runInThisContext({ displayErrors: true })
      .call(this.exports, this.exports, requireHere, this, filename, dirname(filename));
  };
  process.once("exit", (code) => {
    // Only for a command that ran (0 or 1): no entries for a mistyped command word.
    if (code > 1) return;
    for (const { script, file } of toWrite) {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, file);
      } catch {
        // A cache we cannot write is a cache we do without.
      }
    }
  });
}

let main;
try {
  installCompileCache();
  ({ main } = require("../dist/src/cli-bundle/main.cjs"));
} catch (err) {
  if (err && err.code === "MODULE_NOT_FOUND" && /cli-bundle/.test(err.message)) {
    process.stderr.write("chainproof: not built yet; run `npm run build` first\n");
    process.exit(2);
  }
  throw err;
}
main(process.argv).then((code) => {
  process.exitCode = code;
});
