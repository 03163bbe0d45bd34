/**
 * The layering of issue 13, checked on the sources: x509 → lint → trust → verify → clients → net, keystore,
 * saml, runtime → app → cli, web. The application layer (src/app) never reaches up into a face (cli, web), and
 * the engine (x509, lint, trust, verify, clients) neither reaches up nor touches disks, sockets or HTTP.
 */

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "./helpers/cli.js";

const SRC = join(ROOT, "src");

interface Import {
  file: string; // relative to the repository, e.g. src/app/check.ts
  specifier: string;
  names: string[]; // what a named import takes ({ isIP }); empty for namespace/default/side-effect/dynamic
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** The static, re-export and dynamic imports of a source file (statements at the start of a line only: not comments). */
export function importsOf(path: string, text = readFileSync(path, "utf8")): Import[] {
  const file = relative(ROOT, path).split("\\").join("/");
  const found: Import[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?([^;]*?)\s+from\s+"([^"]+)"/gm)) {
    const braces = /\{([^}]*)\}/.exec(m[2]);
    const names = braces
      ? braces[1]
          .split(",")
          .map(
            (n) =>
              n
                .trim()
                .replace(/^type\s+/, "")
                .split(/\s+as\s+/)[0],
          )
          .filter(Boolean)
      : [];
    found.push({ file, specifier: m[3], names });
  }
  for (const m of text.matchAll(/^\s*import\s+"([^"]+)"/gm)) found.push({ file, specifier: m[1], names: [] });
  for (const m of text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g))
    found.push({ file, specifier: m[1], names: [] });
  return found;
}

/** The layer (first folder under src/) a relative import lands in, or undefined for a package/builtin. */
function layerOf(imp: Import): string | undefined {
  if (!imp.specifier.startsWith(".")) return undefined;
  const target = relative(SRC, resolve(dirname(join(ROOT, imp.file)), imp.specifier))
    .split("\\")
    .join("/");
  return target.includes("/") ? target.split("/")[0] : "(src)";
}

// lint sits right after x509: the linter reads certificates and nothing else (issue 18).
const ENGINE = ["x509", "lint", "trust", "verify", "clients"];
/** What the engine must not import at all: I/O modules and the HTTP server. */
const ENGINE_FORBIDDEN_MODULES =
  /^(node:)?(fs|fs\/promises|net|http|https|http2|tls|dgram|child_process)$|^fastify/;
/**
 * The engine's allowed uses of those modules, each for a reason: pure functions and data, no I/O on a
 * user's behalf. File → module → the names it may take.
 */
const ENGINE_ALLOWED: Record<string, Record<string, string[]>> = {
  // isIP is a pure parser of address text; no socket.
  "src/x509/write/der-writer.ts": { "node:net": ["isIP"] },
  "src/verify/conformance.ts": { "node:net": ["isIP"] },
  "src/lint/rules/san.ts": { "node:net": ["isIPv4"] },
  // The roots compiled into the Node binary: data, no connection.
  "src/trust/node.ts": { "node:tls": ["rootCertificates"] },
  // The package's own bundled data (data/), read on first use: never a user's file.
  "src/trust/bundled.ts": { "node:fs": ["readFileSync"] },
  "src/verify/psl.ts": { "node:fs": ["readFileSync"] },
};

/** Why an import breaks the layering, or undefined when it keeps it. */
export function violation(imp: Import): string | undefined {
  const from = imp.file.split("/")[1];
  const to = layerOf(imp);
  if (from === "app" && (to === "cli" || to === "web")) return `src/app imports the ${to} face`;
  if (!ENGINE.includes(from)) return undefined;
  if (to !== undefined) {
    const rank = ENGINE.indexOf(to);
    if (rank === -1 && to !== "(src)") return `the engine (${from}) imports ${to}, a layer above it`;
    if (rank > ENGINE.indexOf(from)) return `${from} imports ${to}, a layer above it`;
    return undefined;
  }
  if (!ENGINE_FORBIDDEN_MODULES.test(imp.specifier)) return undefined;
  const allowed = ENGINE_ALLOWED[imp.file]?.[imp.specifier];
  if (allowed && imp.names.length && imp.names.every((n) => allowed.includes(n))) return undefined;
  return `the engine (${from}) imports ${imp.specifier}${imp.names.length ? ` { ${imp.names.join(", ")} }` : ""}: I/O belongs above it`;
}

function scanned(): Import[] {
  const dirs = ["app", ...ENGINE].map((d) => join(SRC, d));
  return dirs.flatMap((d) => tsFiles(d)).flatMap((f) => importsOf(f));
}

describe("layering (issue 13)", () => {
  it("src/app and the engine import nothing above them", () => {
    const imports = scanned();
    assert.ok(imports.length > 100, `found only ${imports.length} imports: the scan is broken`);
    const bad = imports.flatMap((imp) => {
      const why = violation(imp);
      return why ? [`${imp.file}: "${imp.specifier}": ${why}`] : [];
    });
    assert.deepEqual(bad, []);
  });

  it("catches each kind of upward import (the rules are not vacuous)", () => {
    const at = (file: string, line: string) => importsOf(join(ROOT, file), line);
    const cases: [string, string][] = [
      ["src/app/check.ts", 'import { resolveStore } from "../cli/commands/roots.js";'],
      ["src/app/x.ts", 'const w = await import("../web/server.js");'],
      ["src/verify/x.ts", 'import { probe } from "../net/probe.js";'],
      ["src/clients/x.ts", 'export { check } from "../app/check.js";'],
      ["src/x509/x.ts", 'import type { TrustStore } from "../trust/store.js";'],
      ["src/lint/x.ts", 'import { verifyChain } from "../verify/index.js";'],
      ["src/lint/rules/x.ts", 'import { readFileSync } from "node:fs";'],
      ["src/trust/x.ts", 'import { readFileSync } from "node:fs";'],
      ["src/verify/x.ts", 'import net from "node:net";'],
      ["src/clients/x.ts", 'import { connect } from "node:tls";'],
      ["src/x509/x.ts", 'import Fastify from "fastify";'],
      ["src/x509/write/der-writer.ts", 'import { isIP, connect } from "node:net";'],
    ];
    for (const [file, line] of cases) {
      const imps = at(file, line);
      assert.equal(imps.length, 1, `${line} parsed as ${JSON.stringify(imps)}`);
      assert.ok(violation(imps[0]), `${file}: ${line} should break the layering`);
    }
    assert.equal(violation(at("src/app/x.ts", 'import { probe } from "../net/probe.js";')[0]), undefined);
    assert.equal(violation(at("src/clients/x.ts", 'import { x } from "../verify/y.js";')[0]), undefined);
    assert.equal(
      violation(at("src/verify/conformance.ts", 'import { isIP } from "node:net";')[0]),
      undefined,
    );
  });
});
