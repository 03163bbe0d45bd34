/**
 * `chainproof verify --chain FILE [--client NAME|all] [--store NAME|--roots FILE] [--host NAME|--ip ADDR]
 *  [--at TIME] [--purpose server|client] [--json]`
 *
 * The first certificate of FILE is the server's own (the leaf); all of FILE is what the server "sends", in
 * order. `--leaf FILE` names the leaf separately. Exit status: 0 when every client asked trusts the chain,
 * 1 when one does not (or cannot be decided offline), 2 for input that cannot be used.
 * JSON output is documented in docs/verify.md.
 */

import {
  CLIENTS,
  type ClientMatrix,
  type ClientVerdict,
  evaluateClients,
  type ReportFinding,
  resolveClients,
} from "../../clients/index.js";
import type { TrustStore } from "../../trust/store.js";
import { type PeerName, parsePeerName } from "../../verify/hostname.js";
import type { Certificate } from "../../x509/certificate.js";
import { InputError } from "../../x509/errors.js";
import { readCertificates } from "../../x509/input.js";
import { type PasswordOptions, passwordFrom, readInput } from "../io.js";
import { type Style, safeText, styleFor } from "../style.js";
import { quietOnClosedPipe, resolveStore } from "./roots.js";

const EXIT_OK = 0;
const EXIT_UNTRUSTED = 1;

export interface VerifyOptions extends PasswordOptions {
  chain?: string;
  leaf?: string;
  client?: string;
  store?: string;
  roots?: string;
  storePasswordEnv?: string;
  host?: string;
  ip?: string;
  at?: string;
  purpose?: string;
  json?: boolean;
}

export const VERIFY_SCHEMA = "chainproof/verify";
export const VERIFY_SCHEMA_VERSION = 1;

function certificates(file: string, opts: PasswordOptions): Certificate[] {
  return readCertificates(readInput(file), { source: file, password: passwordFrom(opts) }).certificates.map(
    (c) => c.cert,
  );
}

function parseTime(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const t = text.trim();
  const d = /^\d{4}-\d{2}-\d{2}$/.test(t) ? new Date(`${t}T00:00:00Z`) : new Date(t);
  if (!Number.isFinite(d.getTime())) {
    throw new InputError(
      `--at "${text}" is not a time; use ISO 8601, e.g. 2026-03-01 or 2026-03-01T12:00:00Z`,
      "usage",
    );
  }
  return d;
}

function peerFrom(opts: VerifyOptions): PeerName | undefined {
  if (opts.host !== undefined && opts.ip !== undefined)
    throw new InputError("give --host or --ip, not both", "usage");
  if (opts.ip !== undefined) {
    const p = parsePeerName(opts.ip);
    if (p.kind !== "ip") throw new InputError(`--ip "${opts.ip}" is not an IP address`, "usage");
    return p;
  }
  if (opts.host !== undefined) {
    const p = parsePeerName(opts.host);
    if (p.kind === "email")
      throw new InputError(`--host "${opts.host}" is an e-mail address, not a host name`, "usage");
    return p;
  }
  return undefined;
}

export async function runVerify(opts: VerifyOptions): Promise<number> {
  if (!opts.chain && !opts.leaf)
    throw new InputError("give the chain to check: --chain FILE (or --leaf FILE)", "usage");
  if (opts.store && opts.roots) throw new InputError("give --store or --roots, not both", "usage");
  const purpose = opts.purpose ?? "server";
  if (purpose !== "server" && purpose !== "client") {
    throw new InputError(`--purpose "${purpose}": use server or client`, "usage");
  }
  quietOnClosedPipe();
  const clients = resolveClients(opts.client);
  const time = parseTime(opts.at);
  const peer = peerFrom(opts);
  const chain = opts.chain ? certificates(opts.chain, opts) : [];
  const leaf = opts.leaf ? certificates(opts.leaf, opts)[0] : chain[0];
  const storeSpec = opts.roots ?? opts.store;
  const store: TrustStore | undefined = storeSpec ? resolveStore(storeSpec, { ...opts, time }) : undefined;

  const m = evaluateClients({
    leaf,
    presented: chain.length ? chain : [leaf],
    clients,
    ...(store ? { stores: store } : {}),
    ...(peer ? { host: peer } : {}),
    time,
    purpose,
  });

  if (opts.json) {
    process.stdout.write(`${JSON.stringify(verifyJson(m, store), null, 2)}\n`);
  } else {
    process.stdout.write(renderHuman(m, styleFor(process.stdout), opts.chain ?? opts.leaf ?? ""));
  }
  return m.trusted ? EXIT_OK : EXIT_UNTRUSTED;
}

/** The --json document (docs/verify.md). */
export function verifyJson(m: ClientMatrix, store: TrustStore | undefined) {
  return {
    schema: VERIFY_SCHEMA,
    version: VERIFY_SCHEMA_VERSION,
    trusted: m.trusted,
    time: m.time,
    peer: m.peer ?? null,
    store: store
      ? {
          id: store.id,
          name: store.name,
          source: store.source,
          roots: store.anchors.length,
          notes: store.notes,
        }
      : null,
    clients: m.clients.map((v) => ({
      client: v.client,
      name: v.name,
      trusted: v.trusted,
      status: v.status,
      reason: v.reason ?? null,
      error: v.error ?? null,
      anchor: v.anchor ?? null,
      store: v.store,
      notes: v.notes,
      path: v.path,
      details: v.details,
    })),
    path: m.path,
    sent: m.sent,
    findings: m.findings,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Human output

function statusWord(v: ClientVerdict, style: Style): string {
  if (v.status === "trusted") return style.green("trusted");
  if (v.status === "depends") return style.yellow("depends");
  return style.red("NOT trusted");
}

function renderHuman(m: ClientMatrix, style: Style, file: string): string {
  const t = safeText;
  let out = "";
  const line = (s = "") => {
    out += `${s}\n`;
  };
  const single = m.clients.length === 1;
  const untrusted = m.clients.filter((v) => !v.trusted);
  const target = m.peer ? ` for ${t(m.peer.value)}` : "";

  // Verdict.
  if (single) {
    const v = m.clients[0];
    const head = v.trusted
      ? style.green(`✓ ${v.name} trusts this chain${target}.`)
      : v.status === "depends"
        ? style.yellow(`? ${v.name} may or may not trust this chain${target}.`)
        : style.red(`✗ ${v.name} does not trust this chain${target}.`);
    line(style.bold(head));
    if (v.reason) line(`  ${style.dim("Reason:")} ${t(v.reason.code)} ${style.dim("(see Findings)")}`);
    if (v.error) line(`  ${style.dim(`${v.name} reports:`)} ${t(v.error.text)}`);
    for (const n of v.notes) if (v.status === "depends") line(`  ${t(n)}`);
  } else {
    line(
      style.bold(
        m.trusted
          ? style.green(`✓ All ${m.clients.length} clients trust this chain${target}.`)
          : style.red(
              `✗ ${untrusted.length} of ${m.clients.length} clients do not trust this chain${target}.`,
            ),
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
  if (last && !last.anchor && !first.trusted) {
    line(
      `     ${style.red("✗")} ${last.subject === last.issuer ? "self-signed, and not in the trust store" : `issuer not found: ${t(last.issuer)}`}`,
    );
  }

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
  if (file) line(style.dim(`Checked ${t(file)} at ${m.time}.`));
  return out;
}

function renderFinding(f: ReportFinding, m: ClientMatrix, style: Style): string {
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
