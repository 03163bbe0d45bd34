/**
 * The front end's files (built by `npm run build:web` into dist/web), read once at start and served from
 * memory. Only files that exist in that folder are served (no path from a request ever reaches the file
 * system); page paths (/check, /decode, …) get index.html, and the page routes itself.
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

export interface Asset {
  body: Buffer;
  type: string;
  /** Hashed file names never change: cache them for a year. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};

/** Pages of the front end (served index.html). */
export const PAGES = [
  "/",
  "/check",
  "/decode",
  "/tools",
  "/verify",
  "/stores",
  "/keys",
  "/saml",
  "/scan",
  "/monitor",
] as const;

/** dist/web, next to dist/src/web where this module runs from. */
export function defaultAssetsDir(): string {
  return fileURLToPath(new URL("../../web/", import.meta.url));
}

export function loadAssets(dir: string): Map<string, Asset> {
  const out = new Map<string, Asset>();
  const walk = (d: string, depth: number) => {
    if (depth > 4) return;
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      const st = statSync(p);
      if (st.isDirectory()) walk(p, depth + 1);
      else if (st.isFile() && TYPES[extname(n)]) {
        const url = `/${relative(dir, p).split(sep).join("/")}`;
        out.set(url, {
          body: readFileSync(p),
          type: TYPES[extname(n)],
          immutable: url.startsWith("/assets/"),
        });
      }
    }
  };
  walk(dir, 0);
  return out;
}

/** What to serve when the front end was not built: a static page (no script) saying how to build it. */
export const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>chainproof</title></head>
<body><main><h1>chainproof serve</h1>
<p>The web pages are not built. Run <code>npm run build</code> (or <code>npm run build:web</code>) and start the server again.</p>
<p>The JSON API works without them, with the access token chainproof serve printed: see docs/openapi.json.</p></main></body></html>
`;
