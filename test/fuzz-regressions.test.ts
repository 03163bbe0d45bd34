/**
 * Replays every input the fuzzer saved (test/fuzz/regressions/<target>/<id>.bin, with <id>.json saying what
 * it did when found): each must now end in the target's typed refusal or a normal result, within twice the
 * budget `npm run fuzz` judges by (1 s per MiB of CPU time, at least 250 ms). The margin is for `node --test`,
 * which runs the files side by side on the same cores (CPU time grows with cache and frequency contention: a
 * 225 ms input measured 253 ms in CI); a regressed stall is far over it (these were found at 1.2 to 150 times
 * the budget, and the fixes brought them to a fraction of it).
 */

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { budgetMs, errorSummary, execute } from "../scripts/fuzz/engine.js";
import { targetNamed } from "../scripts/fuzz/targets.js";
import { loadSamlTrust } from "../scripts/fuzz/worker.js";
import { CORPUS_DIR, REGRESSIONS_DIR } from "../scripts/fuzz.js";

const REPLAY_MARGIN = 2;

loadSamlTrust(CORPUS_DIR);
const targets = existsSync(REGRESSIONS_DIR) ? readdirSync(REGRESSIONS_DIR).sort() : [];

describe("fuzz regressions replay", () => {
  it("has saved findings to replay", () => {
    assert.ok(targets.length > 0);
  });
  for (const name of targets) {
    const target = targetNamed(name);
    const dir = join(REGRESSIONS_DIR, name);
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith(".bin"))
      .sort()) {
      const id = file.slice(0, -4);
      const meta = JSON.parse(readFileSync(join(dir, `${id}.json`), "utf8")) as {
        kind: string;
        summary: string;
      };
      it(`${name}/${id} (was: ${meta.kind}, ${meta.summary.slice(0, 80)})`, () => {
        const input = new Uint8Array(readFileSync(join(dir, file)));
        // The fastest of up to three runs, as the fuzzer confirms a stall (docs/fuzz.md): the first run also
        // pays for compiling the code it reaches, and CPU time on a shared machine varies run to run.
        let outcome = execute(target, input);
        for (let run = 1; run < 3 && outcome.kind !== "crash" && outcome.ms > budgetMs(input.length); run++) {
          const again = execute(target, input);
          if (again.ms < outcome.ms) outcome = again;
        }
        assert.notEqual(
          outcome.kind,
          "crash",
          outcome.kind === "crash" ? `crashed: ${errorSummary(outcome.error)}` : "",
        );
        assert.ok(
          outcome.ms <= REPLAY_MARGIN * budgetMs(input.length),
          `${Math.round(outcome.ms)} ms of CPU for ${input.length} bytes; budget ${Math.round(budgetMs(input.length))} ms, replay allows ${REPLAY_MARGIN}×`,
        );
      });
    }
  }
});
