/**
 * ASN.1-aware mutation: read a seed as a tree of TLVs (leniently: BER lengths, indefinite lengths), change the
 * tree (tags, lengths, nesting, counts, subtrees spliced from other seeds, huge INTEGERs), and write it back.
 * Lengths are recomputed on writing, so a mutation deep inside a certificate still reaches the parser's inner
 * code instead of failing at the outer length check, unless the mutation is the length itself.
 */

import type { Random } from "./random.js";

export interface Node {
  /** Identifier octets (one, or several for high tag numbers). */
  tag: Uint8Array;
  /** Children of a constructed element that parsed as TLVs; otherwise undefined and `content` holds the bytes. */
  kids?: Node[];
  content: Uint8Array;
  /** How to write the length: normally minimal DER; mutations set one of the others. */
  length?: LengthForm;
}

type LengthForm = { kind: "indefinite" } | { kind: "long"; octets: number } | { kind: "lie"; value: number };

const MAX_DEPTH = 40;
const MAX_NODES = 20_000;

/** Read `bytes` as a sequence of TLVs. Whatever does not parse is kept as one raw leaf. */
export function parseTree(bytes: Uint8Array): Node[] {
  const budget = { nodes: 0 };
  const nodes = parseList(bytes, 0, budget);
  return nodes ?? [{ tag: new Uint8Array(0), content: bytes }];
}

function parseList(b: Uint8Array, depth: number, budget: { nodes: number }): Node[] | undefined {
  const out: Node[] = [];
  let p = 0;
  while (p < b.length) {
    const h = header(b, p);
    if (!h || h.end > b.length || ++budget.nodes > MAX_NODES) return undefined;
    const content = b.subarray(h.contentStart, h.contentEnd);
    const node: Node = { tag: b.subarray(p, h.tagEnd), content };
    if (h.indefinite) node.length = { kind: "indefinite" };
    const constructed = (b[p] & 0x20) !== 0;
    // Primitive OCTET STRINGs and BIT STRINGs often wrap DER (extension values, PKCS#12 bags): try them too.
    const wraps = b[p] === 0x04 || (b[p] === 0x03 && content[0] === 0);
    if ((constructed || wraps) && depth < MAX_DEPTH && content.length > 1) {
      const inner = wraps && b[p] === 0x03 ? content.subarray(1) : content;
      const kids = parseList(inner, depth + 1, budget);
      if (kids && (constructed || b[p] === 0x04)) node.kids = kids;
    }
    out.push(node);
    p = h.end;
  }
  return out;
}

interface Header {
  tagEnd: number;
  contentStart: number;
  contentEnd: number;
  end: number;
  indefinite: boolean;
}

function header(b: Uint8Array, p: number): Header | undefined {
  let q = p + 1;
  if ((b[p] & 0x1f) === 0x1f) {
    while (q < b.length && b[q] & 0x80 && q - p < 5) q++;
    q++;
  }
  const tagEnd = q;
  if (q >= b.length) return undefined;
  const first = b[q++];
  if (first === 0x80) {
    // Indefinite: find the matching end-of-contents by walking the children.
    let r = q;
    while (r + 1 < b.length && !(b[r] === 0 && b[r + 1] === 0)) {
      const h = header(b, r);
      if (!h) return undefined;
      r = h.end;
    }
    if (r + 1 >= b.length) return undefined;
    return { tagEnd, contentStart: q, contentEnd: r, end: r + 2, indefinite: true };
  }
  let len = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n > 4 || q + n > b.length) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[q + i];
    q += n;
  }
  return { tagEnd, contentStart: q, contentEnd: q + len, end: q + len, indefinite: false };
}

/**
 * Write the tree back, honouring each node's length form. Sizes are computed first (memoised: repeated
 * subtrees share nodes) so that every byte is copied once, whatever the depth.
 */
export function writeTree(nodes: Node[], maxBytes = Number.POSITIVE_INFINITY): Uint8Array | undefined {
  const sizes = new Map<Node, number>();
  let total = 0;
  for (const n of nodes) total += encodedSize(n, sizes);
  if (total > maxBytes) return undefined;
  const parts: Uint8Array[] = [];
  for (const n of nodes) writeNode(n, parts, sizes);
  return concat(parts);
}

/** Octets of a node's content as written (children included). */
function contentSize(n: Node, sizes: Map<Node, number>): number {
  if (!n.kids) return n.content.length;
  const known = sizes.get(n);
  if (known !== undefined) return known;
  let size = n.tag[0] === 0x03 ? 1 : 0;
  for (const k of n.kids) size += encodedSize(k, sizes);
  sizes.set(n, size);
  return size;
}

function encodedSize(n: Node, sizes: Map<Node, number>): number {
  const content = contentSize(n, sizes);
  const form = n.length;
  if (form?.kind === "indefinite") return n.tag.length + 1 + content + 2;
  const value = form?.kind === "lie" ? form.value : content;
  return n.tag.length + lengthOctets(value, form?.kind === "long" ? form.octets : 0).length + content;
}

function writeNode(n: Node, parts: Uint8Array[], sizes: Map<Node, number>): void {
  const content = contentSize(n, sizes);
  parts.push(n.tag);
  const form = n.length;
  if (form?.kind === "indefinite") parts.push(Uint8Array.of(0x80));
  else {
    const value = form?.kind === "lie" ? form.value : content;
    parts.push(lengthOctets(value, form?.kind === "long" ? form.octets : 0));
  }
  if (n.kids) {
    if (n.tag[0] === 0x03) parts.push(Uint8Array.of(0));
    for (const k of n.kids) writeNode(k, parts, sizes);
  } else parts.push(n.content);
  if (form?.kind === "indefinite") parts.push(Uint8Array.of(0, 0));
}

function lengthOctets(n: number, minOctets: number): Uint8Array {
  if (n < 0x80 && minOctets === 0) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0 || bytes.length === 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  while (bytes.length < minOctets) bytes.unshift(0);
  return Uint8Array.from([0x80 | bytes.length, ...bytes]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Every node of the tree with its parent list, in document order. */
function allNodes(nodes: Node[], out: { node: Node; siblings: Node[] }[] = []): typeof out {
  for (const n of nodes) {
    out.push({ node: n, siblings: nodes });
    if (n.kids) allNodes(n.kids, out);
  }
  return out;
}

const TAGS = [
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x1e, 0x30, 0x31, 0xa0, 0xa3, 0x80,
];

/**
 * One structural mutation of a DER/BER input. `donors` are other seeds whose subtrees may be spliced in.
 * Returns undefined when the input has no TLV structure to work on.
 */
export function mutateAsn1(
  input: Uint8Array,
  rng: Random,
  donors: readonly Uint8Array[],
  maxBytes = 4 * 1024 * 1024,
): Uint8Array | undefined {
  const tree = parseTree(input);
  const nodes = allNodes(tree);
  if (nodes.length === 0 || nodes[0].node.tag.length === 0) return undefined;
  const { node, siblings } = rng.pick(nodes);
  switch (rng.below(12)) {
    case 0: // another tag, or the constructed bit flipped
      node.tag = Uint8Array.of(rng.chance(0.5) ? rng.pick(TAGS) : node.tag[0] ^ 0x20);
      break;
    case 1: // a length that lies, an indefinite length, or a non-minimal long form
      node.length = rng.pick<LengthForm>([
        { kind: "lie", value: Math.max(0, node.content.length + rng.pick([-1, 1, 2, -2, 127, 128])) },
        { kind: "lie", value: rng.pick([0, 0x7f, 0x80, 0xffff, 0xffffff, 0x7fffffff, 0xffffffff]) },
        { kind: "indefinite" },
        { kind: "long", octets: rng.pick([1, 2, 4]) },
      ]);
      break;
    case 2: // delete
      siblings.splice(siblings.indexOf(node), 1);
      break;
    case 3: // repeat: element counts
      siblings.splice(siblings.indexOf(node), 0, ...Array.from({ length: rng.size(3000) }, () => node));
      break;
    case 4: {
      // nesting depth: wrap in SEQUENCEs (or the node's own tag)
      let n: Node = node;
      const tag = rng.chance(0.5) ? Uint8Array.of(0x30) : Uint8Array.of(node.tag[0] | 0x20);
      for (let i = rng.size(2000); i > 0; i--) n = { tag, kids: [n], content: new Uint8Array(0) };
      siblings[siblings.indexOf(node)] = n;
      break;
    }
    case 5:
    case 6: {
      // splice a subtree from another seed (or this one)
      // A fresh parse even of this input: splicing a node of `tree` itself could put an ancestor inside
      // its own subtree.
      const donorTree = parseTree(donors.length && rng.chance(0.7) ? rng.pick(donors) : input);
      const donorNodes = allNodes(donorTree);
      if (donorNodes.length) siblings[siblings.indexOf(node)] = rng.pick(donorNodes).node;
      break;
    }
    case 7: // huge INTEGER / string content
      node.kids = undefined;
      node.content = bigContent(rng);
      if (rng.chance(0.5)) node.tag = Uint8Array.of(rng.pick([0x02, 0x04, 0x0c, 0x1e, 0x03]));
      break;
    case 8: // swap two siblings
      if (siblings.length > 1) {
        const j = rng.below(siblings.length);
        const i = siblings.indexOf(node);
        [siblings[i], siblings[j]] = [siblings[j], siblings[i]];
      }
      break;
    case 9: // high tag number form
      node.tag = Uint8Array.of(node.tag[0] | 0x1f, 0x81, 0x80, rng.below(128));
      break;
    case 10: // an INTEGER at a boundary: iteration counts, versions, lengths, path lengths
      if (node.kids || node.tag[0] !== 0x02) return undefined;
      node.content = integerContent(rng.pick(INTERESTING_INTEGERS));
      break;
    default: {
      // flip bytes inside a leaf's content
      if (node.kids || node.content.length === 0) return undefined;
      const c = node.content.slice();
      for (let i = rng.size(4); i > 0; i--) c[rng.below(c.length)] = rng.u32() & 0xff;
      node.content = c;
    }
  }
  return writeTree(tree, maxBytes);
}

const INTERESTING_INTEGERS = [
  0,
  -1,
  1,
  2,
  3,
  127,
  128,
  255,
  256,
  65_535,
  65_536,
  2_048,
  600_000,
  1_000_000,
  2_000_000,
  4_999_999,
  5_000_000,
  9_999_999,
  10_000_000,
  0x7fff_ffff,
  0xffff_ffff,
  2 ** 53 - 1,
];

/** Minimal two's-complement content octets of `v`. */
function integerContent(v: number): Uint8Array {
  let hex = BigInt.asUintN(64, BigInt(v)).toString(16);
  if (v < 0) return Uint8Array.of(0xff);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, "hex");
  return bytes[0] & 0x80 ? new Uint8Array(Buffer.concat([Uint8Array.of(0), bytes])) : new Uint8Array(bytes);
}

/** Content for "huge" values: runs of one byte, random bytes, or a negative sign, up to 300 KiB. */
function bigContent(rng: Random): Uint8Array {
  const n = rng.chance(0.2) ? rng.size(300 * 1024) : rng.size(256);
  const c = rng.chance(0.5) ? new Uint8Array(n).fill(rng.pick([0x00, 0xff, 0x41, 0x80])) : rng.bytes(n);
  return c;
}
