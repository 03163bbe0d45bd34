/** PEM armour (RFC 7468): find every block in text that may hold anything else around it. */

export interface PemBlock {
  /** The label between BEGIN and END, e.g. "CERTIFICATE", "TRUSTED CERTIFICATE", "PKCS7". */
  label: string;
  der: Uint8Array;
  /** 1-based line of the BEGIN line, for error messages. */
  line: number;
}

export class PemError extends Error {
  override readonly name = "PemError";
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const BEGIN = /-----BEGIN ([A-Z0-9 #]{1,64})-----/g;

/** True when the bytes look like PEM text (a BEGIN line somewhere in the first 64 KiB). */
export function looksLikePem(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 65536)).toString("latin1");
  return head.includes("-----BEGIN ");
}

/**
 * Every PEM block in `text`, in order. Text between blocks (openssl's "subject=" lines, comments) is
 * ignored; inside a block, RFC 7468 headers (Proc-Type etc.) are refused because they mean encryption.
 */
export function parsePem(text: string, maxBlocks = 10_000): PemBlock[] {
  const blocks: PemBlock[] = [];
  // Line numbers are counted incrementally from the previous block: counting from the start for every block
  // made a 10,000-block bundle quadratic (seconds to minutes before the size limits could even apply).
  const lines = { at: 0, line: 1 };
  BEGIN.lastIndex = 0;
  for (let m = BEGIN.exec(text); m; m = BEGIN.exec(text)) {
    const label = m[1];
    const line = lineOf(text, m.index, lines);
    const endMarker = `-----END ${label}-----`;
    const bodyStart = m.index + m[0].length;
    const endAt = text.indexOf(endMarker, bodyStart);
    const nextBegin = text.indexOf("-----BEGIN ", bodyStart);
    if (endAt < 0 || (nextBegin >= 0 && nextBegin < endAt)) {
      throw new PemError(`PEM block "${label}" starting at line ${line} has no END line (truncated?)`, line);
    }
    const body = text.slice(bodyStart, endAt);
    if (/^[A-Za-z-]+:/m.test(body)) {
      throw new PemError(`PEM block "${label}" at line ${line} has headers (an encrypted PEM?)`, line);
    }
    const b64 = body.replace(/[\s]+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1) {
      throw new PemError(`PEM block "${label}" at line ${line} is not valid base64`, line);
    }
    blocks.push({ label, der: new Uint8Array(Buffer.from(b64, "base64")), line });
    if (blocks.length > maxBlocks) throw new PemError(`more than ${maxBlocks} PEM blocks`, line);
    BEGIN.lastIndex = endAt + endMarker.length;
  }
  return blocks;
}

/** 1-based line of `index`, continuing from `from` (an earlier position and its line), which it advances. */
function lineOf(text: string, index: number, from: { at: number; line: number }): number {
  for (let i = text.indexOf("\n", from.at); i >= 0 && i < index; i = text.indexOf("\n", i + 1)) {
    from.line++;
    from.at = i + 1;
  }
  return from.line;
}

/** PEM-armour DER with the given label, 64 columns, LF line ends. */
export function toPem(der: Uint8Array, label = "CERTIFICATE"): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
