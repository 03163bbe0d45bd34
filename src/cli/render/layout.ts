/**
 * A small layout model for human-readable CLI output: labelled fields and nested sections, laid out in
 * aligned columns. Commands build a tree of nodes; `renderNodes` turns it into text.
 *
 * Safety: every string in the tree — titles, labels, values, notes — passes through `safeText` here, before
 * any styling is added. Certificate fields are attacker-controlled, and this is the one place that guarantees
 * none of them can put a control sequence on the user's terminal. Builders must not pre-style text.
 */

import { type Style, safeText } from "../style.js";

export type Tone = "normal" | "good" | "bad" | "warn" | "muted" | "strong";

export interface FieldNode {
  kind: "field";
  label: string;
  /** One value, or several shown on consecutive lines in the value column. */
  value: string | string[];
  tone?: Tone;
  /** Short annotations after the value, e.g. "critical" (shown in brackets). */
  tags?: Tag[];
  /** Nested nodes, indented under this field. */
  children?: Node[];
}

export interface SectionNode {
  kind: "section";
  title: string;
  tone?: Tone;
  tags?: Tag[];
  children: Node[];
}

export interface NoteNode {
  kind: "note";
  text: string;
  tone?: Tone;
}

export interface Tag {
  text: string;
  tone?: Tone;
}

export type Node = FieldNode | SectionNode | NoteNode;

export const field = (label: string, value: string | string[], more: Partial<FieldNode> = {}): FieldNode => ({
  kind: "field",
  label,
  value,
  ...more,
});

export const section = (title: string, children: Node[], more: Partial<SectionNode> = {}): SectionNode => ({
  kind: "section",
  title,
  children,
  ...more,
});

export const note = (text: string, tone?: Tone): NoteNode => ({ kind: "note", text, tone });

export interface LayoutOptions {
  /** Spaces per nesting level. */
  indent?: number;
  /**
   * Values start in one column across the whole tree (so nested fields line up with their parents), placed
   * after the longest label but never further right than this; a longer label just gets two spaces.
   */
  maxValueColumn?: number;
}

/** Lay out nodes as text lines (each ending in "\n"), starting at nesting level `depth`. */
export function renderNodes(nodes: Node[], style: Style, opts: LayoutOptions = {}, depth = 0): string {
  const indent = opts.indent ?? 2;
  const column = Math.min(opts.maxValueColumn ?? 22, labelExtent(nodes, indent, depth) + 2);
  return renderAt(nodes, style, indent, column, depth);
}

function labelExtent(nodes: Node[], indent: number, depth: number): number {
  let max = 0;
  for (const n of nodes) {
    if (n.kind === "field") max = Math.max(max, depth * indent + width1(safeText(n.label)));
    if (n.kind !== "note" && n.children) max = Math.max(max, labelExtent(n.children, indent, depth + 1));
  }
  return max;
}

function renderAt(nodes: Node[], style: Style, indent: number, column: number, depth: number): string {
  const pad = " ".repeat(depth * indent);
  let out = "";
  for (const n of nodes) {
    switch (n.kind) {
      case "note":
        out += `${pad}${tone(style, n.tone, safeText(n.text))}\n`;
        break;
      case "section":
        out += `${pad}${tone(style, n.tone ?? "strong", safeText(n.title))}${tags(style, n.tags)}\n`;
        out += renderAt(n.children, style, indent, column, depth + 1);
        break;
      case "field": {
        const label = safeText(n.label);
        const values = (Array.isArray(n.value) ? n.value : [n.value]).map(safeText);
        const used = pad.length + width1(label);
        const valueCol = Math.max(column, used + 2);
        const first = values[0] ?? "";
        const line = `${pad}${style.dim(label)}${" ".repeat(valueCol - used)}${tone(style, n.tone, first)}`;
        out += `${line}${tags(style, n.tags)}`.trimEnd();
        out += "\n";
        for (const v of values.slice(1)) out += `${" ".repeat(valueCol)}${tone(style, n.tone, v)}\n`;
        if (n.children?.length) out += renderAt(n.children, style, indent, column, depth + 1);
        break;
      }
    }
  }
  return out;
}

function tags(style: Style, list: Tag[] | undefined): string {
  if (!list?.length) return "";
  return ` ${list.map((t) => tone(style, t.tone, `[${safeText(t.text)}]`)).join(" ")}`;
}

function tone(style: Style, t: Tone | undefined, s: string): string {
  switch (t) {
    case "good":
      return style.green(s);
    case "bad":
      return style.red(s);
    case "warn":
      return style.yellow(s);
    case "muted":
      return style.dim(s);
    case "strong":
      return style.bold(s);
    default:
      return s;
  }
}

/** Display width, counting each code point as one column (good enough for labels, which are ours). */
function width1(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
