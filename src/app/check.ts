/**
 * The check use case: connect to one endpoint, capture the chain exactly as sent, judge it for each client
 * (with the AIA fetches a client would make), and optionally repair it (`fix`) and try a client
 * certificate (mutual TLS). `chainproof check` and the web checker are its faces; `check()` returns the
 * document `chainproof check --json` prints (docs/check.md, docs/schemas/check.schema.json).
 *
 * Bad input throws InputError with the message the CLI prints; what the network or the server does is
 * never thrown: it becomes a finding. An AbortSignal closes the connection in flight.
 */

import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { type ClientId, resolveClients } from "../clients/index.js";
import {
  describeServerVerdict,
  predictClientCertificateSent,
  type SendPrediction,
  type ServerVerdict,
} from "../keystore/mtls.js";
import type { AiaFetch, AiaOptions } from "../net/aia.js";
import { type ProbeResult, type ProbeTarget, probe } from "../net/probe.js";
import type { RevocationReport } from "../net/revocation.js";
import {
  type CheckReport,
  checkEndpoint,
  type CheckOptions as EndpointOptions,
  type FixResult,
  fixChain,
} from "../net/scan.js";
import { type StarttlsProtocol, starttlsFor, starttlsHook } from "../net/starttls.js";
import { parseHostPort } from "../net/target.js";
import { fsReason, readInput } from "../runtime/read-input.js";
import { fpkiStore } from "../trust/fpki.js";
import type { TrustStore } from "../trust/store.js";
import type { Certificate } from "../x509/certificate.js";
import { readTlv } from "../x509/der.js";
import { InputError } from "../x509/errors.js";
import { readCertificates } from "../x509/input.js";
import { parseName } from "../x509/names.js";
import { toPem } from "../x509/pem.js";
import { ctJson, ctOf, revocationJson, revocationOf, revocationOptionsFrom } from "./revocation.js";
import { resolveStore, type StoreSpecOptions } from "./stores.js";
import { type TlsDocument, type TlsOptions, tlsCheck } from "./tls.js";
import { type LintedSentEntry, lintSent, verifyJson } from "./verify.js";

export const CHECK_SCHEMA = "chainproof/check";
export const CHECK_SCHEMA_VERSION = 1;

// ---------------------------------------------------------------------------------------------------------
// Options

/** A client certificate to present: a keystore entry, or a certificate (chain) file and its PEM key. */
export type ClientIdentitySpec =
  | { keystoreEntry: string; passphrase: string | (() => Promise<string>) }
  | { certFile: string; keyFile: string };

export interface CheckOptions {
  /** HOST[:PORT], [IPv6]:PORT or https://host/…; or a target already parsed. */
  target: string | ProbeTarget;
  /** SNI (and the name checked) instead of the host. */
  servername?: string;
  /** Connect to this ADDR[:PORT] instead of resolving the host. */
  connectTo?: string;
  /** Client names ("salesforce,java", "all") or ids; default Salesforce. */
  clients?: string | readonly ClientId[];
  /** A store spec ("mozilla", "fpki", "file:PATH", "salesforce:PATH", …) or a resolved store; default each client's own. */
  store?: string | TrustStore;
  /** Password of a password-protected store (keystore, PKCS#12). */
  storePassword?: string;
  /** Told what a `salesforce:` list matched and did not (one line each). */
  storeReport?: (line: string) => void;
  /** Connect, handshake and total timeout (default 10 s). */
  timeoutMs?: number;
  /**
   * AIA fetches as the clients that do them (Chrome) make them: the fetcher's options, false for none.
   * Default: public addresses only (the URLs come from certificates, not from the user).
   */
  aia?: AiaOptions | false;
  /** Build the chain the server should send and judge it again. */
  fix?: boolean;
  /** With fix: intermediates to complete the chain from (a store spec, e.g. a folder, or certificates). */
  intermediates?: string | readonly Certificate[];
  /** With fix: write the repaired bundle to this file (and its intermediates beside it). */
  out?: string;
  /** With fix: write files when the repair changed the chain (default false; the CLI writes). */
  writeFiles?: boolean;
  /** Try the handshake again presenting this client certificate (mutual TLS). */
  identity?: ClientIdentitySpec | ClientIdentity;
  /**
   * Check revocation (the staple, live OCSP, CRLs; docs/revocation.md), fetching through the same guard as
   * AIA (`aia: false`: the staple only). Default false.
   */
  revocation?: boolean;
  /** The engine's options a face may set (the web's address guard and lab roots). */
  engine?: Partial<Pick<EndpointOptions, "distrustRules" | "preloaded" | "probe">>;
  signal?: AbortSignal;
  time?: Date;
  /** Also enumerate the server's TLS and simulate each client's handshake (the document's `tls`). */
  tls?: boolean | Omit<TlsOptions, "signal">;
  /** STARTTLS protocol ("smtp", "imap", … or "none"); default: the port's well-known one (25 smtp, …). */
  starttls?: string;
}

/** AIA fetches to public addresses only, unless private ones are allowed (`--allow-private`). */
export function aiaFor(o: { aia?: boolean; allowPrivate?: boolean }): AiaOptions | false {
  if (o.aia === false) return false;
  const allow = o.allowPrivate === true;
  return {
    guard: { allowPrivate: allow, allowLoopback: allow, allowHint: "pass --allow-private to allow it" },
  };
}

/** HOST[:PORT] plus a servername (or none: `sni: false`) and a connect-to address. */
export function targetFrom(
  text: string,
  opts: { servername?: string; connectTo?: string; sni?: boolean },
): ProbeTarget {
  const hp = parseHostPort(text);
  const target: ProbeTarget = { host: hp.host, port: hp.port };
  if (opts.sni === false) target.servername = false;
  else if (opts.servername !== undefined) {
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

// ---------------------------------------------------------------------------------------------------------
// The use case

/** Everything a check found: the document, and the parts the text renderer reads. */
export interface CheckRun {
  report: CheckReport;
  store: TrustStore | undefined;
  fix: FixResult | undefined;
  files: FixFiles | undefined;
  mtls: MtlsReport | undefined;
  revocation: RevocationReport | undefined;
  /**
   * Every client asked trusts the endpoint (and accepts the client certificate, when one was tried, and
   * none refuses it for revocation, when that was checked).
   */
  ok: boolean;
  document: CheckDocument;
}

export type CheckDocument = Omit<ReturnType<typeof checkJson>, "sent"> & {
  /** The certificates as sent, each with its lints (docs/lints.md). */
  sent: LintedSentEntry[];
  mtls: ReturnType<typeof mtlsJson>;
  revocation: ReturnType<typeof revocationJson>;
  ct: ReturnType<typeof ctJson>;
  headline: CheckHeadline;
  /** With `tls`: the enumeration and each client's handshake (docs/tls.md). */
  tls?: TlsDocument;
  /** The STARTTLS exchange made before TLS, when one was. */
  starttls?: StarttlsProtocol;
};

/** Check one endpoint: the document `chainproof check --json` prints. */
export async function check(o: CheckOptions): Promise<CheckDocument> {
  return (await runCheck(o)).document;
}

/** Check one endpoint, keeping the parts (see CheckRun). */
export async function runCheck(o: CheckOptions): Promise<CheckRun> {
  if ((o.out || o.intermediates) && !o.fix)
    throw new InputError("--out and --intermediates go with --fix", "usage");
  const target =
    typeof o.target === "string"
      ? targetFrom(o.target, o)
      : { ...o.target, ...(o.servername ? { servername: o.servername } : {}) };
  const clients = typeof o.clients === "string" || !o.clients ? resolveClients(o.clients) : [...o.clients];
  const timeoutMs = o.timeoutMs ?? 10_000;
  const time = o.time ?? new Date();
  const storeOptions = { password: o.storePassword, report: o.storeReport };
  const store = storeOf(o.store, { ...storeOptions, time });
  const local =
    typeof o.intermediates === "string"
      ? resolveStore(o.intermediates, storeOptions).anchors.map((a) => a.cert)
      : o.intermediates;
  const identity = o.identity ? await loadClientIdentity(o.identity) : undefined;
  const aia = o.aia ?? aiaFor({});

  const starttls = starttlsFor(o.starttls, target.port);
  const beforeTls = starttls ? starttlsHook(starttls, target.host, timeoutMs) : undefined;
  const { report, fix } = await checkAndRepair(target, {
    clients,
    ...(store ? { stores: store } : {}),
    timeoutMs,
    time,
    aia,
    ...(o.signal ? { signal: o.signal } : {}),
    ...o.engine,
    ...(beforeTls ? { probe: { ...o.engine?.probe, beforeTls } } : {}),
    fix: o.fix === true,
    ...(local ? { local } : {}),
  });
  const mtls = identity ? await checkMtls(report, target, identity, timeoutMs, o.signal) : undefined;
  const revocation = o.revocation
    ? await revocationOf(report, clients, {
        ...revocationOptionsFrom(aia, o.signal),
        ...(store ? { store } : {}),
        time,
      })
    : undefined;
  const tls = o.tls
    ? await tlsCheck(target, { ...tlsOptionsFor(o, timeoutMs), ...(beforeTls ? { beforeTls } : {}) })
    : undefined;
  // Files and snippets only when there is something to install.
  const files =
    o.writeFiles && fix?.repair.complete && fix.repair.changed
      ? writeFixFiles(fix, o.out ?? defaultOut(report))
      : undefined;
  const json = checkJson(report, store, fix, files);
  return {
    report,
    store,
    fix,
    files,
    mtls,
    revocation,
    ok: report.trusted && (!mtls || mtls.accepted) && (revocation?.clients.every((c) => c.connects) ?? true),
    document: {
      ...json,
      sent: await lintSent(json.sent, report.certificates),
      mtls: mtlsJson(mtls),
      revocation: revocationJson(revocation),
      ct: ctJson(ctOf(report, clients, { ...(store ? { store } : {}), time })),
      headline: checkHeadline(report, mtls),
      ...(starttls ? { starttls } : {}),
      ...(tls ? { tls } : {}),
    },
  };
}

/** The one line a check comes to (CLI, JSON, web): the clients' verdict, or why trusting it is not enough. */
export interface CheckHeadline {
  text: string;
  /** "good": every client trusts it and the server lets them in; "warn": trusted, but refused without a client certificate. */
  tone: "good" | "warn" | "bad";
  /** The server refused the connection without a client certificate (mutual TLS), and none it accepts was given. */
  clientCertificateRequired: boolean;
}

export function checkHeadline(r: CheckReport, mtls?: MtlsReport): CheckHeadline {
  const clients = r.matrix.clients;
  const target = r.matrix.peer ? ` for ${r.matrix.peer.value}` : "";
  const cc = r.probe.clientCertificate;
  const refusedWithout =
    r.probe.certificateRequest !== undefined &&
    cc?.sent !== true &&
    (cc?.verdict === "rejected" || (!r.probe.completed && r.probe.failure?.kind === "alert"));
  const required = refusedWithout && mtls?.accepted !== true;
  const who = clients.length === 1 ? clients[0].name : `All ${clients.length} clients`;
  if (r.trusted && required) {
    return {
      text: `${who} trust${clients.length === 1 ? "s" : ""} the server's certificate${target}, but the server requires a client certificate (mutual TLS) and refuses the connection without one.`,
      tone: "warn",
      clientCertificateRequired: true,
    };
  }
  if (r.trusted) {
    return {
      text: `${who} trust${clients.length === 1 ? "s" : ""} this endpoint${target}.`,
      tone: "good",
      clientCertificateRequired: false,
    };
  }
  const bad = clients.filter((v) => !v.trusted).length;
  const one = clients[0];
  return {
    text:
      clients.length !== 1
        ? `${bad} of ${clients.length} clients do not trust this endpoint${target}.`
        : one.status === "depends"
          ? `${one.name} may or may not trust this endpoint${target}.`
          : `${one.name} does not trust this endpoint${target}.`,
    tone: "bad",
    clientCertificateRequired: required,
  };
}

function tlsOptionsFor(o: CheckOptions, timeoutMs: number): TlsOptions {
  const guard = o.engine?.probe?.guard;
  return {
    timeoutMs: Math.min(timeoutMs, 5_000),
    ...(typeof o.tls === "object" ? o.tls : {}),
    ...(guard ? { guard } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  };
}

function storeOf(spec: string | TrustStore | undefined, o: StoreSpecOptions): TrustStore | undefined {
  if (spec === undefined) return undefined;
  return typeof spec === "string" ? resolveStore(spec, o) : spec;
}

/**
 * The check itself, and the repair when asked: what the CLI and the web share. The repair draws on the
 * local intermediates, the FPKI catalog and AIA.
 */
export async function checkAndRepair(
  target: ProbeTarget,
  o: EndpointOptions & { fix: boolean; local?: readonly Certificate[] },
): Promise<{ report: CheckReport; fix: FixResult | undefined }> {
  const { fix: wanted, local, ...endpoint } = o;
  const report = await checkEndpoint(target, endpoint);
  if (!wanted || o.signal?.aborted) return { report, fix: undefined };
  const time = o.time ?? new Date();
  const fix = await fixChain(report, {
    clients: o.clients,
    time,
    catalog: fpkiStore(time).catalog ?? [],
    ...(o.stores ? { stores: o.stores } : {}),
    ...(o.distrustRules ? { distrustRules: o.distrustRules } : {}),
    ...(o.preloaded !== undefined ? { preloaded: o.preloaded } : {}),
    ...(local ? { local } : {}),
    ...(o.aia !== undefined ? { aia: o.aia } : {}),
  });
  return { report, fix };
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

/** One AIA fetch as JSON (the CLI's and the web's). */
export function fetchJson(f: AiaFetch) {
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

/** What a repair found, as JSON (the CLI's and the web's): the bundle, the anchor, what was dropped, fetched. */
export function repairJson(fix: FixResult) {
  const rep = fix.repair;
  return {
    complete: rep.complete,
    changed: rep.changed,
    problem: rep.problem ?? null,
    bundle: rep.bundle.map((e) => ({
      label: e.cert.label,
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
  };
}

function fixJson(fix: FixResult, files: FixFiles | undefined) {
  const rep = repairJson(fix);
  return {
    ...rep,
    // The CLI's document names each certificate by subject only (docs/check.md).
    bundle: rep.bundle.map(({ label: _, ...e }) => e),
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
// Outbound mutual TLS

export interface ClientIdentity {
  source: "keystore" | "files";
  name?: string;
  /** Leaf first. */
  chain: Certificate[];
  certPem: string;
  keyPem: string;
}

function isLoaded(i: ClientIdentitySpec | ClientIdentity): i is ClientIdentity {
  return "chain" in i;
}

/** The client certificate and key to present, from the keystore or from files. */
export async function loadClientIdentity(spec: ClientIdentitySpec | ClientIdentity): Promise<ClientIdentity> {
  if (isLoaded(spec)) return spec;
  if ("keystoreEntry" in spec) return fromKeystore(spec.keystoreEntry, spec.passphrase);
  const read = readCertificates(readInput(spec.certFile), { source: spec.certFile });
  const chain = read.certificates.map((c) => c.cert);
  if (!chain.length) throw new InputError(`${spec.certFile}: no certificate`, "usage");
  const keyText = Buffer.from(readInput(spec.keyFile)).toString("utf8");
  let key: KeyObject;
  try {
    key = createPrivateKey(keyText);
  } catch (e) {
    throw new InputError(
      `${spec.keyFile}: not an unencrypted PEM private key (${e instanceof Error ? e.message : String(e)})`,
      "usage",
    );
  }
  const spki = createPublicKey(key).export({ format: "der", type: "spki" });
  if (!Buffer.from(spki).equals(Buffer.from(chain[0].publicKey.spki)))
    throw new InputError(
      `${spec.keyFile} is not the key of the first certificate in ${spec.certFile} ("${chain[0].label}")`,
      "usage",
    );
  return {
    source: "files",
    chain,
    certPem: chain.map((c) => toPem(c.der)).join(""),
    keyPem: key.export({ format: "pem", type: "pkcs8" }).toString(),
  };
}

async function fromKeystore(
  name: string,
  passphrase: string | (() => Promise<string>),
): Promise<ClientIdentity> {
  const { Keystore } = await import("../keystore/store.js");
  const ks = Keystore.open({ write: false });
  try {
    const entry = ks.require(name);
    if (!entry.chain.length)
      throw new InputError(
        `"${entry.name}" has no certificate yet (its CSR is waiting for the CA's answer: chainproof keys import-signed)`,
        "usage",
      );
    ks.unlock(typeof passphrase === "string" ? passphrase : await passphrase());
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

/** When the server asks for a client certificate: would Salesforce send it, and does the server accept it? */
export async function checkMtls(
  report: CheckReport,
  target: ProbeTarget,
  identity: ClientIdentity,
  timeoutMs: number,
  signal?: AbortSignal,
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
    ...(signal ? { signal } : {}),
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
