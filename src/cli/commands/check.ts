/**
 * `chainproof check HOST[:PORT] [--client NAME|all] [--store NAME|--roots FILE] [--servername NAME]
 *  [--connect-to ADDR[:PORT]] [--timeout S] [--no-aia] [--allow-private]
 *  [--fix [--out FILE] [--intermediates DIR]] [--json]`
 *
 * Connects, captures the chain exactly as the server sends it, and says for each client whether it would
 * trust the endpoint, what it would print, and why — including what only a connection shows (TLS versions,
 * handshake failures, must-staple). `--fix` builds the chain the server should send, writes it, prints
 * configuration snippets and says which clients the repaired chain satisfies.
 *
 * Exit status: 0 every client asked trusts the endpoint; 1 one does not, or the connection failed; 2 bad
 * input. JSON: docs/check.md.
 */

import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { type ClientMatrix, type ClientVerdict, resolveClients } from "../../clients/index.js";
import {
  describeServerVerdict,
  predictClientCertificateSent,
  type SendPrediction,
  type ServerVerdict,
} from "../../keystore/mtls.js";
import type { AiaFetch, AiaOptions } from "../../net/aia.js";
import { type ProbeResult, type ProbeTarget, probe } from "../../net/probe.js";
import { type CheckReport, checkEndpoint, type FixResult, fixChain } from "../../net/scan.js";
import { parseHostPort } from "../../net/target.js";
import { fpkiStore } from "../../trust/fpki.js";
import type { TrustStore } from "../../trust/store.js";
import type { Certificate } from "../../x509/certificate.js";
import { readTlv } from "../../x509/der.js";
import { InputError } from "../../x509/errors.js";
import { readCertificates } from "../../x509/input.js";
import { parseName } from "../../x509/names.js";
import { toPem } from "../../x509/pem.js";
import { fsReason, passwordFrom, promptPassword, readInput } from "../io.js";
import { renderMatrix } from "../render/matrix.js";
import { type Style, safeText, styleFor } from "../style.js";
import { quietOnClosedPipe, resolveStore } from "./roots.js";
import { verifyJson } from "./verify.js";

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
}

export const CHECK_SCHEMA = "chainproof/check";
export const CHECK_SCHEMA_VERSION = 1;

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

/** HOST[:PORT] plus --servername and --connect-to, as showcerts reads them. */
export function targetFrom(text: string, opts: { servername?: string; connectTo?: string }): ProbeTarget {
  const hp = parseHostPort(text);
  const target: ProbeTarget = { host: hp.host, port: hp.port };
  if (opts.servername !== undefined) {
    const n = opts.servername.trim();
    if (!n || /[\s\u0000-\u001f/]/.test(n))
      throw new InputError(`--servername ${JSON.stringify(n)} is not a host name`, "usage");
    target.servername = n;
  }
  if (opts.connectTo !== undefined) {
    const c = parseHostPort(opts.connectTo, hp.port);
    target.connectTo = c.host;
    target.port = c.port;
  }
  return target;
}

/**
 * AIA options for the CLI: the URLs come from certificates, not from the user, so they go to public
 * addresses unless --allow-private. (Targets are the user's own choice: the probe's default guard,
 * USER_NETWORK, connects to private and loopback ones.)
 */
function cliAia(opts: CheckCliOptions): AiaOptions | false {
  if (opts.aia === false) return false;
  const allow = opts.allowPrivate === true;
  return {
    guard: { allowPrivate: allow, allowLoopback: allow, allowHint: "pass --allow-private to allow it" },
  };
}

export async function runCheck(targetText: string, opts: CheckCliOptions): Promise<number> {
  if (opts.store && opts.roots) throw new InputError("give --store or --roots, not both", "usage");
  if ((opts.out || opts.intermediates) && !opts.fix)
    throw new InputError("--out and --intermediates go with --fix", "usage");
  const target = targetFrom(targetText, opts);
  const clients = resolveClients(opts.client);
  const timeoutMs = parseTimeout(opts.timeout);
  const time = new Date();
  const storeSpec = opts.roots ?? opts.store;
  const store: TrustStore | undefined = storeSpec ? resolveStore(storeSpec, { ...opts, time }) : undefined;
  const local = opts.intermediates
    ? resolveStore(opts.intermediates, { storePasswordEnv: opts.storePasswordEnv }).anchors.map((a) => a.cert)
    : undefined;
  const identity = await loadClientIdentity(opts);
  quietOnClosedPipe();

  const report = await checkEndpoint(target, {
    clients,
    ...(store ? { stores: store } : {}),
    timeoutMs,
    time,
    aia: cliAia(opts),
  });

  const mtls = identity ? await checkMtls(report, target, identity, timeoutMs) : undefined;

  let fix: FixResult | undefined;
  let files: FixFiles | undefined;
  if (opts.fix) {
    fix = await fixChain(report, {
      clients,
      ...(store ? { stores: store } : {}),
      time,
      ...(local ? { local } : {}),
      catalog: fpkiStore(time).catalog ?? [],
      aia: cliAia(opts),
    });
    // Files and snippets only when there is something to install.
    if (fix?.repair.complete && fix.repair.changed)
      files = writeFixFiles(fix, opts.out ?? defaultOut(report));
  }

  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ ...checkJson(report, store, fix, files), mtls: mtlsJson(mtls) }, null, 2)}\n`,
    );
  } else {
    const style = styleFor(process.stdout);
    let out = renderConnection(report, style);
    out += renderMatrix(report.matrix, style, {
      footer: `Checked ${report.target.host}:${report.target.port} at ${report.matrix.time}.`,
      subject: "this endpoint",
    });
    if (mtls) out += renderMtls(mtls, style);
    if (opts.fix) out += renderFix(report, fix, files, style);
    process.stdout.write(out);
  }
  return report.trusted && (!mtls || mtls.accepted) ? EXIT_OK : EXIT_UNTRUSTED;
}

function defaultOut(r: CheckReport): string {
  const name = (r.target.servername ?? r.target.host).replace(/[^a-zA-Z0-9.-]/g, "_");
  return `${name}-fullchain.pem`;
}

// ---------------------------------------------------------------------------------------------------------
// Files and snippets

export interface FixFiles {
  fullchain: string;
  /** Intermediates only (Apache < 2.4.8 SSLCertificateChainFile); absent when there are none. */
  intermediates?: string;
}

function writeFixFiles(fix: FixResult, out: string): FixFiles {
  const full = resolve(out);
  const inter = /-fullchain\.pem$/.test(full)
    ? full.replace(/-fullchain\.pem$/, "-intermediates.pem")
    : full.replace(/(\.pem|\.crt)?$/, ".intermediates.pem");
  const certs = fix.repair.bundle.map((e) => e.cert);
  const write = (path: string, list: Certificate[]) => {
    try {
      writeFileSync(path, list.map((c) => `# ${c.subject.toString()}\n${toPem(c.der)}`).join(""));
    } catch (e) {
      throw new InputError(`${path}: ${fsReason(e)}`, "cannot-write");
    }
  };
  if (out.endsWith("/") || (existsSync(full) && statSync(full).isDirectory()))
    throw new InputError(`--out ${out}: give a file name, not a folder`, "usage");
  write(full, certs);
  const files: FixFiles = { fullchain: full };
  if (certs.length > 1) {
    write(inter, certs.slice(1));
    files.intermediates = inter;
  }
  return files;
}

/** Configuration for the common servers, for a bundle written to `files`. */
export function fixSnippets(files: FixFiles): { server: string; text: string }[] {
  const fc = files.fullchain;
  const ic = files.intermediates;
  const key = "/path/to/server.key";
  return [
    {
      server: "nginx",
      text: `ssl_certificate     ${fc};\nssl_certificate_key ${key};`,
    },
    {
      server: "Apache httpd 2.4.8 or later",
      text: `SSLCertificateFile    ${fc}\nSSLCertificateKeyFile ${key}`,
    },
    {
      server: "Apache httpd before 2.4.8",
      text: ic
        ? `SSLCertificateFile      /path/to/server.crt   # the server's certificate alone\nSSLCertificateKeyFile   ${key}\nSSLCertificateChainFile ${ic}`
        : `SSLCertificateFile    ${fc}\nSSLCertificateKeyFile ${key}`,
    },
    {
      server: "HAProxy",
      text: `# HAProxy reads the key from the same file as the chain:\ncat ${fc} ${key} > /etc/haproxy/certs/site.pem\n# haproxy.cfg\nbind :443 ssl crt /etc/haproxy/certs/site.pem`,
    },
    {
      server: "Node.js",
      text: `https.createServer({\n  key: fs.readFileSync("${key}"),\n  cert: fs.readFileSync("${fc}"), // the server's certificate, then the intermediates\n}, app);`,
    },
    {
      server: "Java keystore (Tomcat, Spring Boot, …)",
      text: `# Put the chain into the key entry that holds the server's private key (alias "server" here):\nkeytool -importcert -trustcacerts -alias server -file ${fc} -keystore keystore.jks\n# Or build a new keystore from the key and the chain:\nopenssl pkcs12 -export -in ${fc} -inkey ${key} -name server -out server.p12\nkeytool -importkeystore -srckeystore server.p12 -srcstoretype PKCS12 -destkeystore keystore.jks`,
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------
// JSON

export function checkJson(
  r: CheckReport,
  store: TrustStore | undefined,
  fix: FixResult | undefined,
  files: FixFiles | undefined,
) {
  const v = verifyJson(r.matrix, store);
  return {
    schema: CHECK_SCHEMA,
    version: CHECK_SCHEMA_VERSION,
    target: r.target,
    trusted: r.trusted,
    time: v.time,
    peer: v.peer,
    handshake: r.handshake,
    store: v.store,
    clients: v.clients,
    path: v.path,
    sent: v.sent,
    findings: v.findings,
    aia: r.aia.map(fetchJson),
    fix: fix === undefined ? null : fixJson(fix, files),
  };
}

function fetchJson(f: AiaFetch) {
  return {
    url: f.url,
    ok: f.ok,
    status: f.status ?? null,
    bytes: f.bytes,
    ms: f.ms,
    certificates: f.certificates.map((c) => ({ subject: c.subject.toString(), sha256: c.sha256 })),
    redirects: f.redirects,
    error: f.error ?? null,
  };
}

function fixJson(fix: FixResult, files: FixFiles | undefined) {
  const rep = fix.repair;
  return {
    complete: rep.complete,
    changed: rep.changed,
    problem: rep.problem ?? null,
    bundle: rep.bundle.map((e) => ({
      subject: e.cert.subject.toString(),
      issuer: e.cert.issuer.toString(),
      sha256: e.cert.sha256,
      notAfter: e.cert.notAfter.toISOString().replace(/\.\d{3}Z$/, "Z"),
      from: e.from,
      ...(e.url ? { url: e.url } : {}),
    })),
    anchor: rep.anchor ? { subject: rep.anchor.subject.toString(), sha256: rep.anchor.sha256 } : null,
    dropped: rep.dropped.map((d) => ({
      position: d.position,
      subject: d.cert.subject.toString(),
      why: d.why,
    })),
    fetches: rep.fetches.map(fetchJson),
    files: files ?? null,
    trusted: fix.matrix.trusted,
    clients: fix.matrix.clients.map((c) => ({
      client: c.client,
      trusted: c.trusted,
      status: c.status,
      reason: c.reason?.code ?? null,
    })),
    snippets: files ? fixSnippets(files) : [],
  };
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

export interface ClientIdentity {
  source: "keystore" | "files";
  name?: string;
  /** Leaf first. */
  chain: Certificate[];
  certPem: string;
  keyPem: string;
}

/** The client certificate and key to present, from the keystore or from files. */
export async function loadClientIdentity(opts: CheckCliOptions): Promise<ClientIdentity | undefined> {
  if (opts.clientCert && (opts.cert || opts.key))
    throw new InputError("give --client-cert NAME or --cert FILE --key FILE, not both", "usage");
  if (!opts.clientCert && !opts.cert && !opts.key) return undefined;
  if (opts.clientCert) {
    const { Keystore } = await import("../../keystore/store.js");
    const ks = Keystore.open({ write: false });
    try {
      const entry = ks.require(opts.clientCert);
      if (!entry.chain.length)
        throw new InputError(
          `"${entry.name}" has no certificate yet (its CSR is waiting for the CA's answer: chainproof keys import-signed)`,
          "usage",
        );
      let p = passwordFrom({ passwordEnv: opts.passphraseEnv, passwordFile: opts.passphraseFile });
      if (p === undefined) p = process.env.CHAINPROOF_KEYSTORE_PASSPHRASE;
      if (p === undefined || p === "") {
        if (!process.stdin.isTTY)
          throw new InputError(
            "the keystore passphrase is needed: set CHAINPROOF_KEYSTORE_PASSPHRASE, or use --passphrase-env VAR or --passphrase-file FILE",
            "no-passphrase",
          );
        p = await promptPassword("Keystore passphrase: ");
      }
      ks.unlock(p);
      const key = ks.privateKey(entry.name);
      return {
        source: "keystore",
        name: entry.name,
        chain: entry.chain,
        certPem: entry.chain.map((c) => toPem(c.der)).join(""),
        keyPem: key.export({ format: "pem", type: "pkcs8" }).toString(),
      };
    } finally {
      ks.close();
    }
  }
  if (!opts.cert || !opts.key) throw new InputError("--cert FILE goes with --key FILE", "usage");
  const read = readCertificates(readInput(opts.cert), { source: opts.cert });
  const chain = read.certificates.map((c) => c.cert);
  if (!chain.length) throw new InputError(`${opts.cert}: no certificate`, "usage");
  const keyText = Buffer.from(readInput(opts.key)).toString("utf8");
  let key: KeyObject;
  try {
    key = createPrivateKey(keyText);
  } catch (e) {
    throw new InputError(
      `${opts.key}: not an unencrypted PEM private key (${e instanceof Error ? e.message : String(e)})`,
      "usage",
    );
  }
  const spki = createPublicKey(key).export({ format: "der", type: "spki" });
  if (!Buffer.from(spki).equals(Buffer.from(chain[0].publicKey.spki)))
    throw new InputError(
      `${opts.key} is not the key of the first certificate in ${opts.cert} ("${chain[0].label}")`,
      "usage",
    );
  return {
    source: "files",
    chain,
    certPem: chain.map((c) => toPem(c.der)).join(""),
    keyPem: key.export({ format: "pem", type: "pkcs8" }).toString(),
  };
}

export interface MtlsOutcome {
  verdict: ServerVerdict;
  protocol: string | null;
}

export interface MtlsReport {
  identity: ClientIdentity;
  requested: boolean;
  request?: {
    names: string[];
    signatureAlgorithms: string[];
    signatureAlgorithmsCert: string[];
    certificateTypes: string[];
  };
  prediction?: SendPrediction;
  /** The server's answer to the certificate (probed with it). */
  presented?: MtlsOutcome;
  /** The server's answer to no certificate (the check's own connection). */
  withheld: MtlsOutcome;
  /** What Salesforce/Java gets: presented when it would send the certificate, withheld otherwise. */
  salesforce: MtlsOutcome;
  accepted: boolean;
}

function caNameText(der: Uint8Array): string {
  try {
    return parseName(der, readTlv(der, 0, der.length), "CA name").toString() || "(empty name)";
  } catch {
    return `(unparsable name, ${der.length} bytes)`;
  }
}

function outcome(r: ProbeResult): MtlsOutcome {
  return { verdict: describeServerVerdict(r), protocol: r.protocol ?? null };
}

export async function checkMtls(
  report: CheckReport,
  target: ProbeTarget,
  identity: ClientIdentity,
  timeoutMs: number,
): Promise<MtlsReport> {
  const cr = report.probe.certificateRequest;
  const withheld = outcome(report.probe);
  if (!cr)
    return { identity, requested: false, withheld, salesforce: withheld, accepted: report.probe.completed };
  const prediction = predictClientCertificateSent(identity.chain, cr.certificateAuthorities);
  const withCert = await probe(target, {
    connectTimeoutMs: timeoutMs,
    handshakeTimeoutMs: timeoutMs,
    totalTimeoutMs: timeoutMs,
    clientCert: { cert: identity.certPem, key: identity.keyPem },
  });
  const presented = outcome(withCert);
  const salesforce = prediction.sent ? presented : withheld;
  return {
    identity,
    requested: true,
    request: {
      names: cr.certificateAuthorities.map(caNameText),
      signatureAlgorithms: cr.signatureAlgorithms ?? [],
      signatureAlgorithmsCert: cr.signatureAlgorithmsCert ?? [],
      certificateTypes: cr.certificateTypes ?? [],
    },
    prediction,
    presented,
    withheld,
    salesforce,
    accepted: salesforce.verdict.verdict === "accepted",
  };
}

function outcomeJson(o: MtlsOutcome | undefined) {
  if (!o) return null;
  const v = o.verdict;
  return {
    verdict: v.verdict,
    summary: v.summary,
    advice: v.advice ?? null,
    alert: v.alert ? { code: v.alert.code, name: v.alert.name } : null,
    protocol: o.protocol,
  };
}

export function mtlsJson(m: MtlsReport | undefined) {
  if (!m) return null;
  const leaf = m.identity.chain[0];
  return {
    certificate: {
      source: m.identity.source,
      name: m.identity.name ?? null,
      subject: leaf.subject.toString(),
      issuer: leaf.issuer.toString(),
      sha256: leaf.sha256,
      chainLength: m.identity.chain.length,
    },
    requested: m.requested,
    certificateRequest: m.request
      ? {
          certificateAuthorities: m.request.names,
          signatureAlgorithms: m.request.signatureAlgorithms,
          signatureAlgorithmsCert: m.request.signatureAlgorithmsCert,
          certificateTypes: m.request.certificateTypes,
        }
      : null,
    prediction: m.prediction
      ? {
          sent: m.prediction.sent,
          reason: m.prediction.reason,
          matched: m.prediction.matched ?? null,
          warnings: m.prediction.warnings,
        }
      : null,
    presented: outcomeJson(m.presented),
    withheld: outcomeJson(m.withheld),
    salesforce: outcomeJson(m.salesforce),
    accepted: m.accepted,
  };
}

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
