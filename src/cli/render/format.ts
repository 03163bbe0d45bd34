/** Formatting primitives for human output: hex, times, counts. No decisions about certificates here. */

/** "AB12CD" → "AB:12:CD" (uppercase, as OpenSSL prints fingerprints and key identifiers). */
export function colonHex(hex: string): string {
  const h = hex.toUpperCase();
  const neg = h.startsWith("-");
  const body = neg ? h.slice(1) : h;
  const pairs = body.match(/.{1,2}/g) ?? [];
  return `${neg ? "-" : ""}${pairs.join(":")}`;
}

/**
 * Colon hex in lines of `perLine` bytes; at most `maxBytes` bytes are shown, then a note of how many more.
 * Used for values that can be long (signatures, unknown extensions).
 */
export function hexLines(hex: string, perLine = 16, maxBytes = 64): string[] {
  const bytes = hex.length / 2;
  const shown = Math.min(bytes, maxBytes);
  const lines: string[] = [];
  for (let i = 0; i < shown; i += perLine) {
    lines.push(colonHex(hex.slice(i * 2, Math.min(shown, i + perLine) * 2)));
  }
  if (bytes > shown) lines.push(`… ${thousands(bytes - shown)} more bytes (${thousands(bytes)} in all)`);
  if (lines.length === 0) lines.push("(empty)");
  return lines;
}

/** "2026-11-28T01:46:08Z" → "2026-11-28 01:46:08 UTC"; keeps milliseconds when present. */
export function utc(isoTime: string): string {
  return isoTime
    .replace("T", " ")
    .replace(/\.000Z$|Z$/, "")
    .concat(" UTC");
}

/**
 * 12345 → "12,345". Hand-rolled: the first toLocaleString() call loads ICU data, which costs ~60 ms of
 * start-up time in every command that prints a number.
 */
export function thousands(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const [int, frac] = Math.abs(n).toString().split(".");
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${n < 0 ? "-" : ""}${grouped}${frac ? `.${frac}` : ""}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${thousands(n)} ${n === 1 ? one : many}`;
}

/** "in 3 days", "today", "3 days ago" for a signed whole-day distance. */
export function relativeDays(days: number): string {
  if (days === 0) return "today";
  return days > 0 ? `in ${plural(days, "day")}` : `${plural(-days, "day")} ago`;
}

/** "1st", "2nd", "3rd", "4th", … */
export function ordinal(n: number): string {
  const t = n % 100;
  if (t >= 11 && t <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
}
