/**
 * What a child node process really loads: a script for `node --import` that appends the URL of every module
 * it loads to a file, ES modules (a module-loader hook) and CommonJS ones (the command-line bundle and most
 * packages are loaded with require, which node 20's loader hooks do not see) alike.
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Writes the tracer into `dir`; returns the `--import` argument that installs it. Each module's URL is
 * appended to `traceFile` once, as file:///… (builtins are left out).
 */
export function moduleTracer(dir: string, traceFile: string): string {
  const hooks = join(dir, "trace-hooks.mjs");
  const register = join(dir, "trace-register.mjs");
  const trace = JSON.stringify(traceFile);
  writeFileSync(
    hooks,
    `import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  if (!url.startsWith("node:")) appendFileSync(${trace}, url + "\\n");
  return next(url, context);
}
`,
  );
  writeFileSync(
    register,
    `import { appendFileSync } from "node:fs";
import Module, { register } from "node:module";
import { pathToFileURL } from "node:url";
register(${JSON.stringify(pathToFileURL(hooks).href)});
const seen = new Set();
const load = Module._load;
Module._load = function traced(request, parent, isMain) {
  const exports = load.call(this, request, parent, isMain);
  if (!Module.isBuiltin(request)) {
    const file = Module._resolveFilename(request, parent, isMain);
    if (!seen.has(file)) {
      seen.add(file);
      appendFileSync(${trace}, pathToFileURL(file).href + "\\n");
    }
  }
  return exports;
};
`,
  );
  return pathToFileURL(register).href;
}
