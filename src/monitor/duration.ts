/** Durations as the monitor's options and target lines write them: `90s`, `15m`, `1h`, `90d`, `2w`. */

import { InputError } from "../x509/errors.js";

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** Milliseconds of `text` (a positive number and a unit s, m, h, d or w); InputError naming `what` else. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d{1,7}(?:\.\d{1,3})?)\s*([smhdw])$/.exec(text.trim());
  const ms = m ? Math.round(Number(m[1]) * UNIT_MS[m[2]]) : Number.NaN;
  if (!m || !(ms > 0))
    throw new InputError(`${what}: give a duration such as 90s, 15m, 1h, 7d or 2w`, "usage");
  return ms;
}

/** The shortest text for a duration (whole units), for messages. */
export function formatDuration(ms: number): string {
  for (const u of ["w", "d", "h", "m"]) if (ms % UNIT_MS[u] === 0) return `${ms / UNIT_MS[u]}${u}`;
  return `${Math.round(ms / 1000)}s`;
}
