/** The time option of the use cases (`at`): a Date, or ISO 8601 text as `--at` takes it. */

import { InputError } from "../x509/errors.js";

/** `at` as a Date (now when absent); a bare date is midnight UTC. InputError "usage" for text that is no time. */
export function parseAt(at: Date | string | undefined): Date {
  if (at === undefined) return new Date();
  if (at instanceof Date) return at;
  const t = at.trim();
  const d = /^\d{4}-\d{2}-\d{2}$/.test(t) ? new Date(`${t}T00:00:00Z`) : new Date(t);
  if (!Number.isFinite(d.getTime())) {
    throw new InputError(
      `--at "${at}" is not a time; use ISO 8601, e.g. 2026-03-01 or 2026-03-01T12:00:00Z`,
      "usage",
    );
  }
  return d;
}
