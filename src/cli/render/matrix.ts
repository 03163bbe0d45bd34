/**
 * Human rendering of a client matrix (src/clients evaluateClients): the verdict per client with its own
 * error text, the path, the findings and the stores. Every string from a certificate goes through safeText.
 */

import {
  CLIENTS,
  type ClientMatrix,
  type ClientVerdict,
  type PathEntry,
  type ReportFinding,
} from "../../clients/index.js";
import { type Style, safeText } from "../style.js";

export function statusWord(v: ClientVerdict, style: Style): string {
  if (v.status === "trusted") return style.green("trusted");
  if (v.status === "depends") return style.yellow("depends");
  return style.red("NOT trusted");
}

export interface MatrixRenderOptions {
  /** The last line, dimmed (e.g. "Checked chain.pem at …"). */
  footer?: string;
  /** What is judged, in the verdict line (default "this chain"; check says "this endpoint"). */
  subject?: string;
  /** The verdict line, when the use case says more than the clients' verdict (check: mutual TLS). */
  headline?: { text: string; tone: "good" | "warn" | "bad" };
}

/**
 * The verdict (one client, or a line per client), the path the first client builds, the findings with each
 * client's own error, and the stores used. Shared by `verify` and `check`.
 */
export function renderMatrix(m: ClientMatrix, style: Style, opts: MatrixRenderOptions = {}): string {
  const t = safeText;
  let out = "";
  const line = (s = "") => {
    out += `${s}\n`;
  };
  const single = m.clients.length === 1;
  const untrusted = m.clients.filter((v) => !v.trusted);
  const target = m.peer ? ` for ${t(m.peer.value)}` : "";
  const what = opts.subject ?? "this chain";

  // Verdict.
  const h = opts.headline;
  const given = h
    ? { good: style.green, warn: style.yellow, bad: style.red }[h.tone](
        `${{ good: "✓", warn: "!", bad: "✗" }[h.tone]} ${t(h.text)}`,
      )
    : undefined;
  if (single) {
    const v = m.clients[0];
    const head = v.trusted
      ? style.green(`✓ ${v.name} trusts ${what}${target}.`)
      : v.status === "depends"
        ? style.yellow(`? ${v.name} may or may not trust ${what}${target}.`)
        : style.red(`✗ ${v.name} does not trust ${what}${target}.`);
    line(style.bold(given ?? head));
    if (v.reason) line(`  ${style.dim("Reason:")} ${t(v.reason.code)} ${style.dim("(see Findings)")}`);
    if (v.error) line(`  ${style.dim(`${v.name} reports:`)} ${t(v.error.text)}`);
    for (const n of v.notes) if (v.status === "depends") line(`  ${t(n)}`);
  } else {
    line(
      style.bold(
        given ??
          (m.trusted
            ? style.green(`✓ All ${m.clients.length} clients trust ${what}${target}.`)
            : style.red(
                `✗ ${untrusted.length} of ${m.clients.length} clients do not trust ${what}${target}.`,
              )),
      ),
    );
    line();
    const w = Math.max(...m.clients.map((v) => v.name.length));
    for (const v of m.clients) {
      const word = statusWord(v, style);
      const pad = " ".repeat(
        Math.max(0, 12 - (v.status === "trusted" ? 7 : v.status === "depends" ? 7 : 11)),
      );
      const why = v.trusted ? "" : `${t(v.reason?.code ?? "")}${v.error ? `: ${t(v.error.text)}` : ""}`;
      line(`  ${t(v.name).padEnd(w)}  ${word}${why ? `${pad}${why}` : ""}`);
    }
  }

  // Path.
  line();
  const first = m.clients[0];
  line(style.bold(single ? "Path" : `Path (as ${first.name} builds it)`));
  first.path.forEach((p, i) => {
    const where =
      p.from === "sent"
        ? `sent as #${p.position}`
        : p.from === "store"
          ? "from the trust store"
          : p.from === "aia"
            ? "fetched (AIA)"
            : "preloaded";
    const role =
      i === 0 ? "leaf" : p.anchor ? "trust anchor" : p.subject === p.issuer ? "root" : "intermediate";
    line(`  ${i + 1}. ${t(p.subject)}`);
    line(
      `     ${style.dim(`${role}, ${where}, expires ${p.notAfter.slice(0, 10)}`)}${p.anchor ? ` ${style.green("[anchor]")}` : ""}`,
    );
  });
  const last = first.path[first.path.length - 1];
  if (last && !last.anchor && !first.trusted)
    line(`     ${style.red("✗")} ${pathEndText(m, first, last, t)}`);

  // Findings.
  const shown = m.findings.filter((f) => f.severity !== "info" || single);
  if (m.findings.length) {
    line();
    line(style.bold("Findings"));
    for (const f of m.findings) {
      if (!shown.includes(f) && f.severity === "info") continue;
      out += renderFinding(f, m, style);
    }
  }

  // Stores and notes.
  line();
  const stores = [...new Map(m.clients.map((v) => [v.store.name, v.store])).values()];
  for (const s of stores) {
    line(
      style.dim(
        `Trust store: ${t(s.name)} (${s.anchors} root${s.anchors === 1 ? "" : "s"})${s.approximation ? ` — ${t(s.approximation)}` : ""}`,
      ),
    );
  }
  for (const v of m.clients) {
    for (const n of v.notes) if (n !== v.store.approximation) line(style.dim(`${t(v.name)}: ${t(n)}`));
  }
  if (opts.footer) line(style.dim(t(opts.footer)));
  return out;
}

export function renderFinding(f: ReportFinding, m: ClientMatrix, style: Style): string {
  const t = safeText;
  const sev =
    f.severity === "error"
      ? style.red("error  ")
      : f.severity === "warning"
        ? style.yellow("warning")
        : style.dim("info   ");
  const where = f.certificate?.position !== undefined ? ` (certificate #${f.certificate.position})` : "";
  let out = `  ${sev} ${style.bold(t(f.code))}${style.dim(where)}\n`;
  out += `          ${t(f.message)}\n`;
  out += `          ${style.dim("Fix:")} ${t(f.fix)}\n`;
  for (const v of m.clients) {
    const e = f.clients?.[v.client];
    if (!e) continue;
    if (e.rejects && e.error) out += `          ${style.dim(`${CLIENTS[v.client].name}:`)} ${t(e.error)}\n`;
    else if (!e.rejects && e.note)
      out += `          ${style.dim(`${CLIENTS[v.client].name}:`)} ${t(e.note)}\n`;
  }
  return out;
}

/**
 * Why the closest path stops at its last certificate. "Not in the trust store" only when that is the client's
 * reason: a self-signed certificate the store holds can still be refused (Salesforce refuses a self-signed
 * target even when its list has it).
 */
function pathEndText(m: ClientMatrix, v: ClientVerdict, last: PathEntry, t: (s: string) => string): string {
  if (last.subject !== last.issuer) return `issuer not found: ${t(last.issuer)}`;
  // The chain analysis reports these two only for a self-signed certificate the store lacks.
  const notInStore = m.findings.some(
    (f) =>
      (f.code === "self-signed-leaf" || f.code === "untrusted-root") &&
      f.certificate?.sha256.toLowerCase() === last.sha256.toLowerCase(),
  );
  const kind = v.reason?.kind;
  const storeReason = kind === undefined || kind === "self-signed-leaf" || kind === "untrusted-root";
  if (notInStore || storeReason) {
    return `self-signed, and not in the trust store${storeReason ? "" : `; ${v.name} refuses it (${v.reason?.code})`}`;
  }
  return `self-signed, in the trust store; ${v.name} refuses it (${v.reason?.code ?? kind})`;
}
