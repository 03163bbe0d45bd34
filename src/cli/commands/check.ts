/**
 * `chainproof check HOST[:PORT] [--client NAME|all] [--store NAME|--roots FILE] [--servername NAME]
 *  [--connect-to ADDR[:PORT]] [--timeout S] [--no-aia] [--allow-private]
 *  [--fix [--out FILE] [--intermediates DIR]] [--revocation] [--json]`
 *
 * Connects, captures the chain exactly as the server sends it, and says for each client whether it would
 * trust the endpoint, what it would print, and why — including what only a connection shows (TLS versions,
 * handshake failures, must-staple). `--fix` builds the chain the server should send, writes it, prints
 * configuration snippets and says which clients the repaired chain satisfies.
 *
 * Exit status: 0 every client asked trusts the endpoint; 1 one does not, or the connection failed; 2 bad
 * input. JSON: docs/check.md.
 */

import {
  aiaFor,
  runCheck as check,
  type FixFiles,
  fixSnippets,
  type MtlsOutcome,
  type MtlsReport,
} from "../../app/check.js";
import type { ClientMatrix, ClientVerdict } from "../../clients/index.js";
import type { CheckReport, FixResult } from "../../net/scan.js";
import { InputError } from "../../x509/errors.js";
import { passwordFrom, promptPassword } from "../io.js";
import { sentLintsText } from "../render/lints.js";
import { renderMatrix } from "../render/matrix.js";
import { renderRevocation } from "../render/revocation.js";
import { type Style, safeText, styleFor } from "../style.js";
import { quietOnClosedPipe, storeOptions } from "./roots.js";
import { renderTls, tlsCliOptions } from "./tls.js";

export { CHECK_SCHEMA, CHECK_SCHEMA_VERSION, fixSnippets, targetFrom } from "../../app/check.js";

const EXIT_OK = 0;
const EXIT_UNTRUSTED = 1;

export interface CheckCliOptions {
  client?: string;
  store?: string;
  roots?: string;
  storePasswordEnv?: string;
  servername?: string;
  connectTo?: string;
  timeout?: string;
  /** commander's --no-aia: false when given. */
  aia?: boolean;
  /** AIA fetches may reach private, link-local and loopback addresses. */
  allowPrivate?: boolean;
  fix?: boolean;
  /** Check revocation status (docs/revocation.md). */
  revocation?: boolean;
  out?: string;
  intermediates?: string;
  json?: boolean;
  /** Outbound mutual TLS: a keystore entry to present … */
  clientCert?: string;
  passphraseEnv?: string;
  passphraseFile?: string;
  /** … or a certificate (chain) file and its unencrypted PEM key. */
  cert?: string;
  key?: string;
  /** Enumerate the server's TLS and simulate each client's handshake. */
  tls?: boolean;
  tlsConnections?: string;
  /** STARTTLS protocol, or "none" (default: by well-known port). */
  starttls?: string;
}

export function parseTimeout(text: string | undefined, def = 10_000): number {
  if (text === undefined) return def;
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(n) || n <= 0 || n > 3600) {
    throw new InputError(
      `--timeout ${JSON.stringify(text)}: give seconds, more than 0 and at most 3600`,
      "usage",
    );
  }
  return Math.round(n * 1000);
}

/**
 * The client certificate options: a keystore entry (its passphrase from --passphrase-env/-file, the
 * environment, or a prompt on a terminal) or --cert and --key files.
 */
function identityFrom(opts: CheckCliOptions) {
  if (opts.clientCert && (opts.cert || opts.key))
    throw new InputError("give --client-cert NAME or --cert FILE --key FILE, not both", "usage");
  if (opts.clientCert) {
    const passphrase = async () => {
      let p = passwordFrom({ passwordEnv: opts.passphraseEnv, passwordFile: opts.passphraseFile });
      if (p === undefined) p = process.env.CHAINPROOF_KEYSTORE_PASSPHRASE;
      if (p !== undefined && p !== "") return p;
      if (!process.stdin.isTTY)
        throw new InputError(
          "the keystore passphrase is needed: set CHAINPROOF_KEYSTORE_PASSPHRASE, or use --passphrase-env VAR or --passphrase-file FILE",
          "no-passphrase",
        );
      return promptPassword("Keystore passphrase: ");
    };
    return { keystoreEntry: opts.clientCert, passphrase };
  }
  if (!opts.cert && !opts.key) return undefined;
  if (!opts.cert || !opts.key) throw new InputError("--cert FILE goes with --key FILE", "usage");
  return { certFile: opts.cert, keyFile: opts.key };
}

export async function runCheck(targetText: string, opts: CheckCliOptions): Promise<number> {
  if (opts.store && opts.roots) throw new InputError("give --store or --roots, not both", "usage");
  const identity = identityFrom(opts);
  const storeSpec = opts.roots ?? opts.store;
  const run = await check({
    target: targetText,
    ...(opts.servername !== undefined ? { servername: opts.servername } : {}),
    ...(opts.connectTo !== undefined ? { connectTo: opts.connectTo } : {}),
    ...(opts.client !== undefined ? { clients: opts.client } : {}),
    // The store password also opens a keystore of --intermediates.
    ...(storeSpec || opts.intermediates ? storeOptions(storeSpec, opts) : {}),
    timeoutMs: parseTimeout(opts.timeout),
    aia: aiaFor(opts),
    fix: opts.fix === true,
    ...(opts.revocation ? { revocation: true } : {}),
    ...(opts.out ? { out: opts.out } : {}),
    ...(opts.intermediates ? { intermediates: opts.intermediates } : {}),
    writeFiles: true,
    ...(identity ? { identity } : {}),
    ...(opts.tls ? { tls: tlsCliOptions(opts) } : {}),
    ...(opts.starttls !== undefined ? { starttls: opts.starttls } : {}),
  });
  quietOnClosedPipe();
  const { report, fix, files, mtls, revocation } = run;

  if (opts.json) {
    process.stdout.write(`${JSON.stringify(run.document, null, 2)}\n`);
  } else {
    const style = styleFor(process.stdout);
    let out = renderConnection(report, style);
    out += renderMatrix(report.matrix, style, {
      footer: `Checked ${report.target.host}:${report.target.port} at ${report.matrix.time}.`,
      subject: "this endpoint",
      // The clients' own verdict line, unless the server refuses everyone without a client certificate.
      ...(run.document.headline.clientCertificateRequired ? { headline: run.document.headline } : {}),
    });
    out += sentLintsText(run.document.sent, style);
    if (mtls) out += renderMtls(mtls, style);
    if (revocation) out += renderRevocation(revocation, style);
    if (opts.fix) out += renderFix(report, fix, files, style);
    if (run.document.tls) out += renderTls(run.document.tls, style);
    process.stdout.write(out);
  }
  return run.ok ? EXIT_OK : EXIT_UNTRUSTED;
}

// ---------------------------------------------------------------------------------------------------------
// Text

function renderConnection(r: CheckReport, style: Style): string {
  const t = safeText;
  const h = r.handshake;
  const tg = r.target;
  const where = tg.address && tg.address !== tg.host ? `${tg.host} (${tg.address})` : tg.host;
  const lines: string[] = [];
  const sni = tg.servername ? `SNI ${tg.servername}` : "no SNI";
  if (h.completed) {
    lines.push(
      `Connected to ${t(where)} port ${tg.port}, ${t(sni)}: ${h.protocol ?? "?"}${h.cipher ? `, ${h.cipher}` : ""}`,
    );
  } else {
    lines.push(
      `${t(where)} port ${tg.port}, ${t(sni)}: ${style.red(t(h.failure?.message ?? "no handshake"))}`,
    );
    if (h.versions) {
      const ok = h.versions.filter((v) => v.supported).map((v) => v.version);
      lines.push(`  Versions the server accepts: ${ok.length ? ok.join(", ") : "none of TLSv1 to TLSv1.3"}`);
    }
  }
  if (h.certificatesFrom !== "none") {
    lines.push(
      style.dim(
        `  ${h.certificateCount} certificate${h.certificateCount === 1 ? "" : "s"} sent${h.certificatesFrom === "raw-hello" ? " (read from a raw TLS ≤ 1.2 hello, as the handshake failed)" : ""}; OCSP stapled: ${h.ocspStapled ? "yes" : "no"}; ${h.ms} ms`,
      ),
    );
  }
  for (const f of r.aia) {
    lines.push(
      style.dim(
        `  AIA ${t(f.url)}: ${f.ok ? `${f.certificates.length} certificate${f.certificates.length === 1 ? "" : "s"}` : t(f.error ?? "failed")}`,
      ),
    );
  }
  return `${lines.join("\n")}\n\n`;
}

function verdictLine(v: ClientVerdict, style: Style): string {
  return v.trusted
    ? style.green(`✓ ${v.name}`)
    : style.red(`✗ ${v.name} (${safeText(v.reason?.code ?? v.status)})`);
}

export function renderFixResult(fix: FixResult, files: FixFiles | undefined, style: Style): string {
  const t = safeText;
  const rep = fix.repair;
  const lines: string[] = [];
  if (!rep.complete) {
    lines.push(
      style.red(`✗ The chain could not be completed: ${t(rep.problem ?? "no path to a trusted root")}`),
    );
  } else if (!rep.changed) {
    lines.push(
      fix.matrix.trusted
        ? style.green("✓ The server already sends the right chain; nothing to change.")
        : style.yellow(
            "The server sends the chain in the right order; what is wrong is not the chain's order:",
          ),
    );
  } else if (!fix.matrix.trusted) {
    lines.push(style.bold("The chain in the right order (it is still refused: see below):"));
  } else {
    lines.push(style.bold("The chain the server should send:"));
  }
  rep.bundle.forEach((e, i) => {
    const from =
      e.from === "aia"
        ? `fetched from ${e.url}`
        : e.from === "local"
          ? "from the local intermediates"
          : e.from === "catalog"
            ? "from the FPKI catalog"
            : i === 0
              ? "the server's certificate"
              : "sent by the server";
    lines.push(`  ${i + 1}. ${t(e.cert.subject.toString())}  ${style.dim(t(`(${from})`))}`);
  });
  if (rep.anchor)
    lines.push(style.dim(`     → issued by the trusted root ${t(rep.anchor.subject.toString())}`));
  for (const d of rep.dropped)
    lines.push(style.dim(`  dropped #${d.position} ${t(d.cert.label)}: ${t(d.why)}`));
  for (const f of rep.fetches)
    if (!f.ok) lines.push(style.yellow(`  AIA ${t(f.url)}: ${t(f.error ?? "failed")}`));
  if (files) {
    lines.push(
      "",
      `Wrote ${t(files.fullchain)}${files.intermediates ? ` and ${t(files.intermediates)}` : ""}.`,
    );
  }
  if (rep.complete) {
    const m: ClientMatrix = fix.matrix;
    lines.push("", `With this chain: ${m.clients.map((v) => verdictLine(v, style)).join("  ")}`);
  }
  if (files) {
    lines.push("");
    for (const s of fixSnippets(files)) {
      lines.push(style.bold(s.server));
      for (const l of s.text.split("\n")) lines.push(`  ${t(l)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function renderFix(
  r: CheckReport,
  fix: FixResult | undefined,
  files: FixFiles | undefined,
  style: Style,
): string {
  let out = `\n${style.bold("Fix")}\n`;
  if (!fix) return `${out}  Nothing to repair: the server sent no certificate.\n`;
  out += renderFixResult(fix, files, style);
  if (!r.trusted && fix.matrix.trusted && fix.repair.changed)
    out += style.dim("Install the repaired chain on the server, then run this check again.\n");
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Outbound mutual TLS: --client-cert NAME (keystore) or --cert FILE --key FILE

function verdictText(o: MtlsOutcome, style: Style): string {
  const v = o.verdict;
  const s = safeText(v.summary);
  return v.verdict === "accepted" ? style.green(`✓ ${s}`) : style.red(`✗ ${s}`);
}

export function renderMtls(m: MtlsReport, style: Style): string {
  const t = safeText;
  const leaf = m.identity.chain[0];
  const lines: string[] = [style.bold("Mutual TLS")];
  lines.push(
    `  Client certificate: ${t(m.identity.name ? `${m.identity.name} (${leaf.subject.toString()})` : leaf.subject.toString())}, issued by ${t(leaf.issuer.toString())}`,
  );
  if (!m.requested || !m.request || !m.prediction) {
    lines.push(`  ${verdictText(m.withheld, style)}`);
    if (m.withheld.verdict.advice) lines.push(style.dim(`  ${t(m.withheld.verdict.advice)}`));
    return `\n${lines.join("\n")}\n`;
  }
  const r = m.request;
  lines.push(
    r.names.length
      ? `  The server asks for a client certificate from: ${r.names.map(t).join("; ")}`
      : "  The server asks for a client certificate and names no CAs (any issuer)",
  );
  if (r.signatureAlgorithms.length)
    lines.push(style.dim(`  Signature algorithms it accepts: ${r.signatureAlgorithms.map(t).join(", ")}`));
  if (r.signatureAlgorithmsCert.length)
    lines.push(style.dim(`  … in certificates: ${r.signatureAlgorithmsCert.map(t).join(", ")}`));
  const p = m.prediction;
  lines.push(
    p.sent
      ? `  Salesforce (Java) sends the certificate: ${t(p.reason)}`
      : style.yellow(`  Salesforce (Java) withholds the certificate: ${t(p.reason)}`),
  );
  for (const w of p.warnings) lines.push(style.yellow(`  ! ${t(w)}`));
  lines.push(`  Salesforce: ${verdictText(m.salesforce, style)}`);
  if (m.salesforce.verdict.advice && !m.accepted)
    lines.push(style.dim(`    ${t(m.salesforce.verdict.advice)}`));
  if (p.sent) {
    lines.push(`  Without the certificate: ${verdictText(m.withheld, style)}`);
  } else if (m.presented) {
    lines.push(`  Sent anyway (as OpenSSL, curl and Node do): ${verdictText(m.presented, style)}`);
    if (m.presented.verdict.advice && m.presented.verdict.verdict !== "accepted")
      lines.push(style.dim(`    ${t(m.presented.verdict.advice)}`));
  }
  return `\n${lines.join("\n")}\n`;
}
