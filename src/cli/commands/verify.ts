/**
 * `chainproof verify --chain FILE [--client NAME|all] [--store NAME|--roots FILE] [--host NAME|--ip ADDR]
 *  [--at TIME] [--purpose server|client] [--json]`
 *
 * The first certificate of FILE is the server's own (the leaf); all of FILE is what the server "sends", in
 * order. `--leaf FILE` names the leaf separately. Exit status: 0 when every client asked trusts the chain,
 * 1 when one does not (or cannot be decided offline), 2 for input that cannot be used.
 * JSON output is documented in docs/verify.md.
 */

import { type ClientMatrix, evaluateClients, resolveClients } from "../../clients/index.js";
import type { TrustStore } from "../../trust/store.js";
import { type PeerName, parsePeerName } from "../../verify/hostname.js";
import type { Certificate } from "../../x509/certificate.js";
import { InputError } from "../../x509/errors.js";
import { type ReadResult, readCertificates } from "../../x509/input.js";
import { type PasswordOptions, passwordFrom, readInput } from "../io.js";
import { renderMatrix } from "../render/matrix.js";
import { styleFor } from "../style.js";
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

/** The certificates of FILE; a container that holds none (a PKCS#7 of CRLs, an empty keystore) is an input error. */
function certificates(file: string, opts: PasswordOptions): Certificate[] {
  const read = readCertificates(readInput(file), { source: file, password: passwordFrom(opts) });
  if (!read.certificates.length)
    throw new InputError(`${file} holds no certificate (${emptyContainer(read)})`, "no-certificates");
  return read.certificates.map((c) => c.cert);
}

/** What an input without certificates is, in the user's terms. */
function emptyContainer(read: ReadResult): string {
  const keys = read.keys.length ? `${read.keys.length} private key(s) and ` : "";
  switch (read.container) {
    case "pkcs7":
      return "a PKCS#7 bundle with no certificates; one made from a CRL holds only the CRL";
    case "pkcs12":
      return `a PKCS#12 file with ${keys}no certificate bag`;
    case "jks":
    case "jceks":
      return `a ${read.container.toUpperCase()} keystore with ${keys}no certificate entries`;
    default:
      return `a ${read.container.toUpperCase()} input with no certificates`;
  }
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
    const file = opts.chain ?? opts.leaf ?? "";
    process.stdout.write(
      renderMatrix(m, styleFor(process.stdout), file ? { footer: `Checked ${file} at ${m.time}.` } : {}),
    );
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
