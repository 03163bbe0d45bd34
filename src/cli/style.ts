/** Terminal styling: colour only on a TTY, never with NO_COLOR (https://no-color.org), never in JSON. */

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

export function styleFor(stream: NodeJS.WriteStream): Style {
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "";
  return stream.isTTY && !noColor && process.env.TERM !== "dumb" ? colour : plain;
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
