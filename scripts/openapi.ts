/**
 * Write docs/openapi.json: the OpenAPI document `chainproof serve` serves at /api/openapi.json, built from
 * the route declarations (src/web). test/web-api.test.ts checks the file is current.
 *
 *   npm run build && node dist/scripts/openapi.js
 */

import { writeFileSync } from "node:fs";
import { openApiDocument } from "../src/web/server.js";

const doc = await openApiDocument();
const out = new URL("../../docs/openapi.json", import.meta.url);
writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
process.stdout.write(`wrote docs/openapi.json (${Object.keys(doc.paths as object).length} paths)\n`);
