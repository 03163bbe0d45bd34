/**
 * Every certificate in the x509-limbo suite (test/data/limbo/limbo.json) parses, and decodes to the JSON
 * document without throwing: a guard that decoder fixes (and display-only additions) never make the parser
 * refuse certificates it used to read.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseCertificate } from "../src/x509/certificate.js";
import { certificateToJson } from "../src/x509/json.js";
import { parsePem } from "../src/x509/pem.js";

const here = dirname(fileURLToPath(import.meta.url));
// Compiled to dist/test/: the data stays in the source tree.
const LIMBO = join(here, "..", "..", "test", "data", "limbo", "limbo.json");

interface LimboCase {
  id: string;
  trusted_certs: string[];
  untrusted_intermediates: string[];
  peer_certificate: string;
}

describe("x509-limbo certificates", () => {
  it("all 39,912 parse and map to JSON", () => {
    const suite = JSON.parse(readFileSync(LIMBO, "utf8")) as { testcases: LimboCase[] };
    let total = 0;
    const failures: string[] = [];
    const now = new Date("2026-01-01T00:00:00Z");
    for (const tc of suite.testcases) {
      for (const pem of [...tc.trusted_certs, ...tc.untrusted_intermediates, tc.peer_certificate]) {
        for (const block of parsePem(pem)) {
          total++;
          try {
            certificateToJson(parseCertificate(block.der), undefined, { now });
          } catch (e) {
            if (failures.length < 20) failures.push(`${tc.id}: ${e instanceof Error ? e.message : e}`);
          }
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(total, 39_912);
  });
});
