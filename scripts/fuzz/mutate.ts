/**
 * Mutators: byte-level (as any fuzzer), text-level for PEM, XML and root lists, and the ASN.1-aware one in
 * ./asn1.ts. Each target says which kinds suit its input; `mutate` stacks a few of them.
 */

import { mutateAsn1 } from "./asn1.js";
import type { Random } from "./random.js";

export type InputKind = "der" | "pem" | "xml" | "text" | "binary";

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff, 0x30, 0x31, 0x02, 0x04, 0x06];

/** One to four stacked mutations of `input`, never longer than `maxBytes`. */
export function mutate(
  input: Uint8Array,
  kind: InputKind,
  rng: Random,
  donors: readonly Uint8Array[],
  maxBytes: number,
): Uint8Array {
  let out = input;
  for (let i = 1 + rng.below(rng.chance(0.7) ? 1 : 4); i > 0; i--) {
    let next: Uint8Array | undefined;
    try {
      next = mutateOnce(out, kind, rng, donors, maxBytes);
    } catch {
      // A tree too deep for the writer's recursion: skip this mutation.
    }
    if (next !== undefined && next.length <= maxBytes) out = next;
  }
  return out;
}

function mutateOnce(
  input: Uint8Array,
  kind: InputKind,
  rng: Random,
  donors: readonly Uint8Array[],
  maxBytes: number,
): Uint8Array | undefined {
  const roll = rng.below(10);
  if ((kind === "der" || kind === "binary") && roll < 6) return mutateAsn1(input, rng, donors, maxBytes);
  if (kind === "pem" && roll < 5) return mutatePem(input, rng, donors);
  if (kind === "xml" && roll < 6) return mutateXml(input, rng, donors);
  if ((kind === "text" || kind === "pem" || kind === "xml") && roll < 8)
    return mutateLines(input, rng, donors);
  return mutateBytes(input, rng, donors);
}

/** Classic byte mutations: flips, interesting values, inserts, deletes, duplicated ranges, crossover. */
export function mutateBytes(input: Uint8Array, rng: Random, donors: readonly Uint8Array[]): Uint8Array {
  const b = Buffer.from(input);
  const at = rng.below(b.length + 1);
  switch (rng.below(7)) {
    case 0:
      if (b.length) b[rng.below(b.length)] ^= 1 << rng.below(8);
      return b;
    case 1:
      if (b.length) b[rng.below(b.length)] = rng.pick(INTERESTING);
      return b;
    case 2:
      return Buffer.concat([b.subarray(0, at), rng.bytes(rng.size(64)), b.subarray(at)]);
    case 3:
      return Buffer.concat([b.subarray(0, at), b.subarray(at + rng.size(256))]);
    case 4: {
      const len = rng.size(Math.max(1, b.length - at));
      const chunk = b.subarray(at, at + len);
      return Buffer.concat([
        b.subarray(0, at),
        ...Array.from({ length: rng.size(64) }, () => chunk),
        b.subarray(at),
      ]);
    }
    case 5: {
      if (!donors.length) return b;
      const d = rng.pick(donors);
      const from = rng.below(d.length);
      return Buffer.concat([b.subarray(0, at), d.subarray(from, from + rng.size(d.length)), b.subarray(at)]);
    }
    default:
      return b.subarray(0, at); // truncation
  }
}

/** PEM: mutate a block's DER structurally and re-armour it, or play with the armour itself. */
function mutatePem(input: Uint8Array, rng: Random, donors: readonly Uint8Array[]): Uint8Array | undefined {
  const text = Buffer.from(input).toString("latin1");
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----\r?\n?/g)];
  if (!blocks.length) return undefined;
  const m = rng.pick(blocks);
  const start = m.index ?? 0;
  const end = start + m[0].length;
  const der = new Uint8Array(Buffer.from(m[2].replace(/\s+/g, ""), "base64"));
  let replacement: string;
  switch (rng.below(6)) {
    case 0:
    case 1: {
      const mutated = mutateAsn1(der, rng, donors) ?? mutateBytes(der, rng, donors);
      replacement = armour(m[1], mutated, rng);
      break;
    }
    case 2: // another label
      replacement = armour(
        rng.pick(["CERTIFICATE", "TRUSTED CERTIFICATE", "PKCS7", "CMS", "X509 CRL", "PRIVATE KEY", "X"]),
        der,
        rng,
      );
      break;
    case 3: // many copies of the block (certificate counts)
      replacement = m[0].repeat(rng.size(6000));
      break;
    case 4: // headers, an encrypted PEM, or a broken END line
      replacement = rng.chance(0.5)
        ? m[0].replace("-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n")
        : m[0].replace("-----END", "-----EN D");
      break;
    default: // the text as UTF-16, as some Windows tools save it
      return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]));
  }
  return new Uint8Array(Buffer.from(text.slice(0, start) + replacement + text.slice(end), "latin1"));
}

function armour(label: string, der: Uint8Array, rng: Random): string {
  const b64 = Buffer.from(der).toString("base64");
  const width = rng.chance(0.8) ? 64 : rng.size(200);
  const eol = rng.chance(0.9) ? "\n" : "\r\n";
  const lines = b64.match(new RegExp(`.{1,${width}}`, "g")) ?? [];
  return `-----BEGIN ${label}-----${eol}${lines.join(eol)}${eol}-----END ${label}-----${eol}`;
}

/** Lines: duplicate, delete, swap, splice from a donor, repeat many times. */
function mutateLines(input: Uint8Array, rng: Random, donors: readonly Uint8Array[]): Uint8Array {
  const lines = Buffer.from(input).toString("latin1").split("\n");
  const i = rng.below(lines.length);
  switch (rng.below(5)) {
    case 0:
      lines.splice(i, 0, ...Array.from({ length: rng.size(20_000) }, () => lines[i]));
      break;
    case 1:
      lines.splice(i, rng.size(8));
      break;
    case 2: {
      const j = rng.below(lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      break;
    }
    case 3:
      if (donors.length) {
        const d = Buffer.from(rng.pick(donors)).toString("latin1").split("\n");
        const from = rng.below(d.length);
        lines.splice(i, 0, ...d.slice(from, from + rng.size(40)));
      }
      break;
    default:
      lines[i] = mutateText(lines[i] ?? "", rng);
  }
  return new Uint8Array(Buffer.from(lines.join("\n"), "latin1"));
}

const TOKENS = [
  "<",
  ">",
  "&",
  '"',
  "'",
  "=",
  "&amp;",
  "&#0;",
  "&#x110000;",
  "\u0000",
  "\t",
  " ",
  "<!--",
  "]]>",
  "%",
  "#",
  ",",
];

function mutateText(s: string, rng: Random): string {
  const at = rng.below(s.length + 1);
  switch (rng.below(3)) {
    case 0:
      return s.slice(0, at) + rng.pick(TOKENS).repeat(rng.size(100)) + s.slice(at);
    case 1:
      return s.slice(0, at) + s.slice(at + rng.size(16));
    default:
      return s.slice(0, at) + s.slice(at).repeat(rng.size(50));
  }
}

/**
 * XML: duplicate an element many times, nest it deeply, repeat attributes, add a DOCTYPE or comments, or
 * splice an element from another seed.
 */
function mutateXml(input: Uint8Array, rng: Random, donors: readonly Uint8Array[]): Uint8Array | undefined {
  const text = Buffer.from(input).toString("utf8");
  const elements = [...text.matchAll(/<([A-Za-z_][\w:.-]*)\b[^<>]*?(?:\/>|>[^<]*<\/\1>)/g)];
  const opens = [...text.matchAll(/<([A-Za-z_][\w:.-]*)\b[^<>]*>/g)];
  if (!elements.length && !opens.length) return undefined;
  let out: string;
  const roll = rng.below(7);
  if (roll <= 1 && elements.length) {
    const m = rng.pick(elements);
    const at = m.index ?? 0;
    const copies = rng.size(roll === 0 ? 50 : 120_000);
    out = text.slice(0, at) + m[0].repeat(copies) + text.slice(at + m[0].length);
  } else if (roll === 2 && opens.length) {
    const m = rng.pick(opens);
    const at = (m.index ?? 0) + m[0].length;
    const depth = rng.size(100_000);
    const name = rng.chance(0.5) ? m[1] : "a";
    out = text.slice(0, at) + `<${name}>`.repeat(depth) + `</${name}>`.repeat(depth) + text.slice(at);
  } else if (roll === 3 && opens.length) {
    const m = rng.pick(opens);
    const at = (m.index ?? 0) + m[1].length + 1;
    const attr = rng.pick([
      ' ID="x"',
      ' a="1"',
      ' xmlns:ds="http://www.w3.org/2000/09/xmldsig#"',
      ' ID="_a"',
    ]);
    out = text.slice(0, at) + attr.repeat(rng.size(200)) + text.slice(at);
  } else if (roll === 4) {
    const head = rng.pick([
      '<!DOCTYPE x [<!ENTITY a "aaaaaaaa">]>',
      "<!-- a comment -->".repeat(rng.size(1000)),
      '<?xml version="1.0" encoding="UTF-16"?>',
    ]);
    const at = text.startsWith("<?xml") ? text.indexOf("?>") + 2 : 0;
    out = text.slice(0, at) + head + text.slice(at);
  } else if (roll === 5 && donors.length) {
    const d = Buffer.from(rng.pick(donors)).toString("utf8");
    const dm = [...d.matchAll(/<([A-Za-z_][\w:.-]*)\b[^<>]*?(?:\/>|>[^<]*<\/\1>)/g)];
    if (!dm.length || !opens.length) return undefined;
    const m = rng.pick(opens);
    const at = (m.index ?? 0) + m[0].length;
    out = text.slice(0, at) + rng.pick(dm)[0] + text.slice(at);
  } else {
    const m = rng.pick(opens.length ? opens : elements);
    const at = m.index ?? 0;
    out = text.slice(0, at) + text.slice(at + m[0].length); // an element's start tag removed
  }
  return new Uint8Array(Buffer.from(out, "utf8"));
}
