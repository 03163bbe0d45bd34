/**
 * Terminal styling, never in JSON. Whether to colour is decided as Node.js and the npm ecosystem decide it:
 * `--color always|never` first, then FORCE_COLOR (0 or false: never; empty, 1, 2, 3 or true: always, even into
 * a pipe), then NO_COLOR (https://no-color.org: set and not empty: never), TERM=dumb, and finally whether the
 * stream is a terminal.
 */

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const plain: Style = { bold: id, dim: id, red: id, green: id, yellow: id, cyan: id };

function id(s: string): string {
  return s;
}

function sgr(open: number, close: number) {
  return (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
}

const colour: Style = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  cyan: sgr(36, 39),
};

export type ColorMode = "auto" | "always" | "never";
export const COLOR_MODES: readonly ColorMode[] = ["auto", "always", "never"];

/** Set once per run from `--color` (main.ts). */
let colorMode: ColorMode = "auto";

export function setColorMode(mode: ColorMode): void {
  colorMode = mode;
}

/** Whether text written to `stream` is coloured (see the module comment for the order of the rules). */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (colorMode !== "auto") return colorMode === "always";
  const force = env.FORCE_COLOR;
  // Node.js's rule (tty.getColorDepth): any other value, 0 and false included, means no colour.
  if (force !== undefined) return ["", "1", "2", "3", "true"].includes(force);
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

export function styleFor(stream: { isTTY?: boolean }): Style {
  return colorEnabled(stream) ? colour : plain;
}

/**
 * Certificate fields are attacker-controlled: strip terminal control sequences and other control characters
 * before they reach a terminal, so a hostile CN cannot move the cursor, recolour or rewrite earlier output.
 */
export function safeText(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
