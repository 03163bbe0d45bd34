/**
 * The verify use case: the client matrix for a chain, offline. `chainproof verify` and the web's offline
 * chain check are its faces; `verify()` returns the document `chainproof verify --json` prints
 * (docs/verify.md, docs/schemas/verify.schema.json).
 *
 * Inputs are file paths or bytes; bad input throws InputError with the message the CLI prints.
 */

import {
  type ClientId,
  type ClientMatrix,
  evaluateClients,
  type PathPolicy,
  resolveClients,
} from "../clients/index.js";
import type { CertificateKind, CertificateLints } from "../lint/index.js";
import { readInput } from "../runtime/read-input.js";
import type { TrustStore } from "../trust/store.js";
import { type PeerName, parsePeerName } from "../verify/hostname.js";
import { type Crl, parseCrl } from "../verify/index.js";
import type { Certificate } from "../x509/certificate.js";
import { InputError, LimitError } from "../x509/errors.js";
import { type ReadResult, readCertificates } from "../x509/input.js";
import { EKU_NAMES, OID } from "../x509/oids.js";
import { looksLikePem, parsePem } from "../x509/pem.js";
import { resolveStore } from "./stores.js";
import { parseAt } from "./time.js";

export const VERIFY_SCHEMA = "chainproof/verify";
export const VERIFY_SCHEMA_VERSION = 1;

/** Certificates as a path (read with the input size limit), as bytes (PEM, DER, PKCS#7, …), or parsed. */
export type CertificateInput = string | Uint8Array | readonly Certificate[];

export interface VerifyOptions {
  /** The chain as the server sends it, first = leaf. */
  chain?: CertificateInput;
  /** The leaf, when it is not the first of chain. */
  leaf?: CertificateInput;
  /** Password for a PKCS#12 / keystore chain or leaf. */
  password?: string;
  /** Client names ("salesforce,java", "all") or ids; default Salesforce. */
  clients?: string | readonly ClientId[];
  /** A store spec ("mozilla", "fpki", "file:PATH", "salesforce:PATH", …) or a resolved store; default each client's own. */
  store?: string | TrustStore;
  /** Password of a password-protected store (keystore, PKCS#12). */
  storePassword?: string;
  /** Told what a `salesforce:` list matched and did not (one line each). */
  storeReport?: (line: string) => void;
  /** The host name to check the leaf for. */
  host?: string;
  /** The IP address to check the leaf for (not with host). */
  ip?: string;
  /** When to judge: a Date or ISO 8601 text; default now. */
  at?: Date | string;
  purpose?: "server" | "client" | string;
  /** RFC 5280 §6.1.1 (c) user-initial-policy-set: policy OIDs, one of which the path must be valid for. */
  policies?: readonly string[];
  /** §6.1.1 (f) initial-explicit-policy: the path must be valid for some policy (with `policies`: one of them). */
  explicitPolicy?: boolean;
  /** §6.1.1 (e) initial-policy-mapping-inhibit. */
  inhibitPolicyMapping?: boolean;
  /** §6.1.1 (g) initial-any-policy-inhibit. */
  inhibitAnyPolicy?: boolean;
  /** Extended key usages the leaf must allow (OIDs or names such as codeSigning), instead of the purpose's. */
  eku?: readonly string[];
  /** CRLs (files, or bytes: DER or PEM) to check every certificate of the path against (RFC 5280 §6.3). */
  crls?: readonly (string | Uint8Array)[];
  /** "off", "soft-fail" (the default: a certificate no CRL covers passes) or "require". */
  revocation?: "off" | "soft-fail" | "require" | string;
}

/** The matrix and the store it was judged against: what a face renders as text. */
export interface VerifyRun {
  matrix: ClientMatrix;
  store: TrustStore | undefined;
  /** The leaf and the certificates sent. */
  leaf: Certificate;
  chain: Certificate[];
  clients: ClientId[];
  time: Date;
  document: VerifyDocument;
}

export type VerifyDocument = ReturnType<typeof verifyJson>;

/** The client matrix for a chain: the `chainproof verify --json` document. */
export function verify(o: VerifyOptions): VerifyDocument {
  return runVerify(o).document;
}

/** A verify document whose certificates as sent carry their lints: what `chainproof verify` prints. */
export type LintedVerifyDocument = Omit<VerifyDocument, "sent"> & { sent: LintedSentEntry[] };
export type LintedSentEntry = VerifyDocument["sent"][number] & { lints?: CertificateLints };

/** The client matrix for a chain, each certificate as sent with its lints (docs/lints.md). */
export async function verifyWithLints(o: VerifyOptions): Promise<LintedVerifyDocument> {
  return (await runVerifyWithLints(o)).document;
}

/** runVerify, then the lints of each certificate as sent: the run `chainproof verify` renders. */
export async function runVerifyWithLints(
  o: VerifyOptions,
): Promise<Omit<VerifyRun, "document"> & { document: LintedVerifyDocument }> {
  const run = runVerify(o);
  const sent = await lintSent(run.document.sent, run.chain.length ? run.chain : [run.leaf]);
  return { ...run, document: { ...run.document, sent } };
}

/** The chain position's kind for the linter; an unrelated or duplicate certificate's is worked out. */
const KIND_OF_ROLE: Record<string, CertificateKind> = {
  leaf: "subscriber",
  intermediate: "intermediate",
  root: "root",
};

/**
 * Each entry of a document's `sent` with the lints of its certificate (found by SHA-256 among those that
 * parsed). The linter is loaded here, on first use: a verdict alone does not pay for loading it.
 */
export async function lintSent<S extends { role: string; sha256: string }>(
  sent: readonly S[],
  certificates: readonly Certificate[],
): Promise<(S & { lints?: CertificateLints })[]> {
  const { lintSummary } = await import("../lint/index.js");
  const bySha = new Map(certificates.map((c) => [c.sha256, c]));
  return sent.map((s) => {
    const cert = bySha.get(s.sha256);
    const kind = KIND_OF_ROLE[s.role];
    return cert ? { ...s, lints: lintSummary(cert, kind ? { kind } : {}) } : s;
  });
}

/** Judge a chain for each client, keeping the parts (see VerifyRun). */
export function runVerify(o: VerifyOptions): VerifyRun {
  if (!o.chain && !o.leaf)
    throw new InputError("give the chain to check: --chain FILE (or --leaf FILE)", "usage");
  const purpose = o.purpose ?? "server";
  if (purpose !== "server" && purpose !== "client") {
    throw new InputError(`--purpose "${purpose}": use server or client`, "usage");
  }
  const clients = typeof o.clients === "string" || !o.clients ? resolveClients(o.clients) : [...o.clients];
  const time = parseAt(o.at);
  const peer = peerFrom(o.host, o.ip);
  const chain = o.chain ? certificates(o.chain, "chain", o.password) : [];
  const leaf = o.leaf ? certificates(o.leaf, "leaf", o.password)[0] : chain[0];
  const store =
    typeof o.store === "string"
      ? resolveStore(o.store, { password: o.storePassword, time, report: o.storeReport })
      : o.store;
  const matrix = evaluateClients({
    leaf,
    presented: chain.length ? chain : [leaf],
    clients,
    ...(store ? { stores: store } : {}),
    ...(peer ? { host: peer } : {}),
    time,
    purpose,
    pathPolicy: pathPolicyFrom(o),
  });
  return { matrix, store, leaf, chain, clients, time, document: verifyJson(matrix, store) };
}

const OID_TEXT = /^[0-2](\.(0|[1-9]\d{0,9}))+$/;
const REVOCATION_MODES = ["off", "soft-fail", "require"] as const;
/** Extended key usages by name (serverAuth, codeSigning, …), from the decoder's table of them. */
const EKU_BY_NAME: Record<string, string> = Object.fromEntries(
  Object.entries(EKU_NAMES).map(([oid, name]) => [name, oid]),
);
/** More CRLs than anyone supplies by hand; each file is also size-limited by readInput. */
const MAX_CRLS = 100;

/** The RFC 5280 inputs of the options, checked; undefined when none is given. */
function pathPolicyFrom(o: VerifyOptions): PathPolicy | undefined {
  const p: PathPolicy = {};
  if (o.policies?.length)
    p.initialPolicies = o.policies.map((x) => oidOption(x, "--policy", { anyPolicy: OID.anyPolicy }));
  if (o.explicitPolicy) p.initialExplicitPolicy = true;
  if (o.inhibitPolicyMapping) p.initialPolicyMappingInhibit = true;
  if (o.inhibitAnyPolicy) p.initialAnyPolicyInhibit = true;
  if (o.eku?.length) p.requiredEku = o.eku.map((x) => oidOption(x, "--eku", EKU_BY_NAME));
  if (o.revocation !== undefined) {
    const mode = REVOCATION_MODES.find((m) => m === o.revocation);
    if (!mode) throw new InputError(`--revocation "${o.revocation}": use off, soft-fail or require`, "usage");
    p.revocation = mode;
  }
  if (o.crls?.length) {
    if (o.crls.length > MAX_CRLS) throw new LimitError(`${o.crls.length} CRLs given; at most ${MAX_CRLS}`);
    p.crls = o.crls.flatMap((c, i) => readCrls(c, typeof c === "string" ? c : `CRL ${i + 1}`));
  }
  return Object.keys(p).length ? p : undefined;
}

function oidOption(value: string, option: string, names: Record<string, string>): string {
  const oid = names[value] ?? value;
  if (!OID_TEXT.test(oid)) {
    const known = Object.keys(names).join(", ");
    throw new InputError(
      `${option} "${value}" is not an OID (dotted numbers such as 2.16.840.1.101.3.2.1.48.1) or one of ${known}`,
      "usage",
    );
  }
  return oid;
}

/** The CRLs of a file or bytes: DER, or PEM with one or more "X509 CRL" blocks. */
function readCrls(input: string | Uint8Array, source: string): Crl[] {
  const bytes = typeof input === "string" ? readInput(input) : input;
  const ders = looksLikePem(bytes)
    ? parsePem(new TextDecoder().decode(bytes))
        .filter((b) => b.label === "X509 CRL" || b.label === "CRL")
        .map((b) => b.der)
    : [bytes];
  if (!ders.length)
    throw new InputError(`${source} holds no CRL (no "-----BEGIN X509 CRL-----" block)`, "no-crl");
  return ders.map((der, i) => {
    try {
      return parseCrl(der);
    } catch (e) {
      const where = ders.length > 1 ? `${source}: CRL ${i + 1}` : source;
      throw new InputError(`${where} is not a CRL: ${e instanceof Error ? e.message : String(e)}`, "bad-crl");
    }
  });
}

/** The certificates of an input; a container that holds none (a PKCS#7 of CRLs, an empty keystore) is an input error. */
function certificates(input: CertificateInput, what: string, password: string | undefined): Certificate[] {
  if (typeof input !== "string" && !(input instanceof Uint8Array)) {
    if (!input.length) throw new InputError(`${what} holds no certificate`, "no-certificates");
    return [...input];
  }
  const source = typeof input === "string" ? input : what;
  const bytes = typeof input === "string" ? readInput(input) : input;
  const read = readCertificates(bytes, { source, password });
  if (!read.certificates.length)
    throw new InputError(`${source} holds no certificate (${emptyContainer(read)})`, "no-certificates");
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

function peerFrom(host: string | undefined, ip: string | undefined): PeerName | undefined {
  if (host !== undefined && ip !== undefined) throw new InputError("give --host or --ip, not both", "usage");
  if (ip !== undefined) {
    const p = parsePeerName(ip);
    if (p.kind !== "ip") throw new InputError(`--ip "${ip}" is not an IP address`, "usage");
    return p;
  }
  if (host !== undefined) {
    const p = parsePeerName(host);
    if (p.kind === "email")
      throw new InputError(`--host "${host}" is an e-mail address, not a host name`, "usage");
    return p;
  }
  return undefined;
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
      policies: v.policies ?? null,
    })),
    path: m.path,
    sent: m.sent,
    findings: m.findings,
  };
}
