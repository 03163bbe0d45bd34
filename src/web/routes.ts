/**
 * The API routes: session, decode, verify, stores, SAML (this file), live check and scan (./check.ts),
 * keystore (./keys.ts). Each handler turns a JSON body into engine calls and the result into JSON.
 */

import { transparencyOf } from "../app/certificate-status.js";
import { decode } from "../app/decode.js";
import { diffStores, findRoot, listRoots, rootRequest } from "../app/stores.js";
import { type LintedSentEntry, runVerifyWithLints } from "../app/verify.js";
import { CLIENT_IDS, CLIENTS, type ClientId } from "../clients/index.js";
import type { TrustAnchor, TrustStore } from "../trust/store.js";
import { type PeerName, parsePeerName } from "../verify/hostname.js";
import type { Certificate } from "../x509/certificate.js";
import { InputError } from "../x509/errors.js";
import { NeedPasswordError, type ReadResult, readCertificates } from "../x509/input.js";
import { decodeDocument } from "../x509/json.js";
import { toPem } from "../x509/pem.js";
import {
  ApiError,
  type FilePayload,
  fileBytes,
  filePayloadSchema,
  openedContainer,
  openProtectedUploads,
  parseTime,
  sourceName,
} from "./inputs.js";
import { ERRORS, route, VERSION, type WebContext } from "./server.js";
import {
  availableStores,
  BUILTIN_STORES,
  type BuiltinStoreId,
  builtinStore,
  chosenStore,
  rootRow,
  type StoreChoice,
  storeChoiceProperties,
  storeSummary,
} from "./stores.js";
import { matrixView } from "./views.js";

// ---------------------------------------------------------------------------------------------------------
// Shared pieces

/** Read a file payload as certificates; a missing password is a 400 the page answers with a password box. */
export function readPayload(p: FilePayload | undefined, what: string): ReadResult {
  const bytes = fileBytes(p, what);
  const source = sourceName(p, what);
  try {
    return readCertificates(bytes, {
      source,
      ...(p?.password !== undefined ? { password: p.password, opened: openedContainer(p) } : {}),
    });
  } catch (e) {
    if (e instanceof NeedPasswordError) {
      throw new ApiError(
        400,
        "need-password",
        `${source}: this file is password-protected; enter its password`,
      );
    }
    throw e;
  }
}

export function certificatesOf(p: FilePayload | undefined, what: string): Certificate[] {
  return readPayload(p, what).certificates.map((c) => c.cert);
}

export const clientsSchema = {
  description: 'Clients to evaluate: ids, or ["all"] (default ["salesforce"]).',
  type: "array",
  items: { type: "string", enum: [...CLIENT_IDS, "all"] },
  maxItems: 16,
} as const;

export function clientsFrom(list: string[] | undefined): ClientId[] {
  if (!list || list.length === 0) return ["salesforce"];
  if (list.includes("all")) return [...CLIENT_IDS];
  return [...new Set(list)] as ClientId[];
}

function peerFrom(host: string | undefined, ip: string | undefined): PeerName | undefined {
  if (host && ip) throw new ApiError(400, "usage", "give host or ip, not both");
  if (ip) {
    const p = parsePeerName(ip);
    if (p.kind !== "ip") throw new ApiError(400, "usage", `ip "${ip}" is not an IP address`);
    return p;
  }
  if (host) {
    const p = parsePeerName(host);
    if (p.kind === "email")
      throw new ApiError(400, "usage", `host "${host}" is an e-mail address, not a host name`);
    return p;
  }
  return undefined;
}

const timeSchema = { type: "string", maxLength: 40, description: "ISO 8601 time to check at (default now)." };

// ---------------------------------------------------------------------------------------------------------

export async function registerRoutes(ctx: WebContext): Promise<void> {
  // Password-protected uploads are opened in worker threads before any handler runs (key derivation
  // would otherwise block every other request); handlers then read them without deriving a key.
  ctx.app.addHook("preHandler", async (req) => openProtectedUploads(req.body));
  sessionRoutes(ctx);
  decodeRoutes(ctx);
  const { certificateStatusRoutes } = await import("./certificate-status.js");
  certificateStatusRoutes(ctx);
  verifyRoutes(ctx);
  storeRoutes(ctx);
  const { samlRoutes } = await import("./saml.js");
  samlRoutes(ctx);
  const { toolRoutes } = await import("./tools.js");
  toolRoutes(ctx);
  const { monitorRoutes } = await import("./monitor.js");
  monitorRoutes(ctx);
  // The live check and the keystore load SQLite's native binding and the network code: when one cannot load
  // (e.g. the binding is not built), its page says it is not available and the rest of the server works.
  ctx.features.check = false;
  ctx.features.scan = false;
  ctx.features.keys = false;
  const optional: [string, () => Promise<(c: WebContext) => Promise<void>>][] = [
    ["check", async () => (await import("./check.js")).checkRoutes],
    ["keys", async () => (await import("./keys.js")).keyRoutes],
  ];
  for (const [name, load] of optional) {
    let register: (c: WebContext) => Promise<void>;
    try {
      register = await load();
    } catch (e) {
      ctx.app.log.error(e);
      process.stderr.write(
        `chainproof serve: ${name} is not available: ${(e as Error).message.split("\n")[0]}\n`,
      );
      continue;
    }
    await register(ctx);
  }
}

function sessionRoutes(ctx: WebContext): void {
  route(
    ctx,
    {
      method: "GET",
      url: "/api/session",
      tag: "session",
      summary: "A CSRF token for this session, and what this server offers",
      description:
        "Call once (per page load, or per script run), with Authorization: Bearer TOKEN like every call: send the csrf value as X-Chainproof-CSRF on every POST, PUT and DELETE.",
      responses: {
        200: {
          description: "The session",
          schema: {
            type: "object",
            properties: {
              csrf: { type: "string" },
              version: { type: "string" },
              loopback: { type: "boolean" },
              tokenRequired: { type: "boolean" },
              allowPrivate: { type: "boolean" },
              features: { type: "object", additionalProperties: { type: "boolean" } },
              clients: { type: "array", items: { type: "object" } },
              stores: { type: "array", items: { type: "object" } },
            },
          },
        },
        401: {
          description:
            "No access token, or a wrong one: the page then asks for the token chainproof serve printed",
        },
      },
    },
    async () => ({
      csrf: ctx.csrf.issue(),
      version: VERSION,
      loopback: ctx.policy.allowLoopback,
      tokenRequired: ctx.options.token !== undefined,
      allowPrivate: ctx.policy.allowPrivate,
      features: ctx.features,
      clients: CLIENT_IDS.map((id) => ({ id, name: CLIENTS[id].name })),
      stores: availableStores(),
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Decode

function decodeRoutes(ctx: WebContext): void {
  route(
    ctx,
    {
      method: "POST",
      url: "/api/decode",
      tag: "decode",
      summary: "Decode certificates (PEM, DER, PKCS#7, PKCS#12, JKS): every field, fingerprints, warnings",
      description:
        "The document is the one `chainproof decode --json` prints (docs/decode.schema.json). A password-protected file without its password gives 400 need-password.",
      body: {
        type: "object",
        properties: {
          file: filePayloadSchema,
          issuers: {
            ...filePayloadSchema,
            description:
              "Certificates that may have issued these (not decoded): to verify embedded SCTs (the checker's drawing sends the chain).",
          },
        },
        required: ["file"],
        additionalProperties: false,
      },
      responses: {
        200: {
          description: "The decode document, plus what else the file held",
          schema: {
            type: "object",
            properties: {
              document: { type: "object", description: "chainproof/decode document" },
              container: { type: "string" },
              keys: { type: "integer", description: "Private keys in the file (never returned)" },
              skippedPemBlocks: { type: "array", items: { type: "string" } },
              pem: { type: "array", items: { type: "string" } },
              transparency: {
                type: "array",
                items: { type: "object" },
                description:
                  "Per certificate, its embedded SCTs and Chrome's and Apple's CT policies (as `ct` of chainproof check --json)",
              },
            },
          },
        },
        ...ERRORS,
      },
    },
    async (req) => {
      const { file, issuers } = req.body as { file: FilePayload; issuers?: FilePayload };
      const read = readPayload(file, "file");
      const certs = read.certificates.map((c) => c.cert);
      return {
        document: await decode({ inputs: [{ name: sourceName(file, "file"), opened: read }] }),
        container: read.container,
        keys: read.keys.length,
        skippedPemBlocks: read.skippedPemBlocks,
        pem: certs.map((c) => toPem(c.der)),
        transparency: transparencyOf(certs, {
          pool: issuers ? certificatesOf(issuers, "issuers") : [],
          time: new Date(),
        }),
      };
    },
  );
}

// ---------------------------------------------------------------------------------------------------------
// Verify (offline)

interface VerifyBody extends StoreChoice {
  chain: FilePayload;
  leaf?: FilePayload;
  clients?: string[];
  host?: string;
  ip?: string;
  at?: string;
  purpose?: "server" | "client";
}

export const matrixViewSchema = {
  type: "object",
  description:
    "The client matrix (as `chainproof verify --json`), with per-client path ends (gaps) and certificate summaries by SHA-256.",
  properties: {
    trusted: { type: "boolean" },
    time: { type: "string" },
    clients: { type: "array", items: { type: "object" } },
    sent: { type: "array", items: { type: "object" } },
    findings: { type: "array", items: { type: "object" } },
    certificates: { type: "object", additionalProperties: { type: "object" } },
  },
} as const;

function verifyRoutes(ctx: WebContext): void {
  route(
    ctx,
    {
      method: "POST",
      url: "/api/verify",
      tag: "verify",
      summary: "Offline chain check: will each client trust this chain?",
      body: {
        type: "object",
        properties: {
          chain: { ...filePayloadSchema, description: "The chain as the server sends it (first = leaf)." },
          leaf: { ...filePayloadSchema, description: "The leaf, when it is not the first of chain." },
          clients: clientsSchema,
          ...storeChoiceProperties,
          host: { type: "string", maxLength: 253 },
          ip: { type: "string", maxLength: 64 },
          at: timeSchema,
          purpose: { type: "string", enum: ["server", "client"] },
        },
        required: ["chain"],
        additionalProperties: false,
      },
      responses: {
        200: {
          description: "The client matrix, and each certificate as sent with its lints (`lints`)",
          schema: matrixViewSchema,
        },
        ...ERRORS,
      },
    },
    async (req) => {
      const b = req.body as VerifyBody;
      const time = parseTime(b.at);
      const chain = certificatesOf(b.chain, "chain");
      const leaf = b.leaf ? certificatesOf(b.leaf, "leaf")[0] : chain[0];
      const host = b.host?.trim() || undefined;
      const ip = b.ip?.trim() || undefined;
      peerFrom(host, ip); // the web's messages name the fields, not the CLI's flags
      const { store } = chosenStore(b, time);
      const clients = clientsFrom(b.clients);
      const { matrix, document } = await runVerifyWithLints({
        chain,
        leaf: [leaf],
        clients,
        ...(store ? { store } : {}),
        ...(host ? { host } : {}),
        ...(ip ? { ip } : {}),
        at: time,
        purpose: b.purpose ?? "server",
      });
      const stores: TrustStore[] = store ? [store] : defaultStores(clients);
      return {
        ...matrixView(matrix, [leaf, ...chain], stores, store, time),
        lints: sentLints(document.sent),
      };
    },
  );
}

/** Each certificate as sent with its lints: the `lints` of the check and verify answers. */
export function sentLints(sent: readonly LintedSentEntry[]) {
  return sent.map(({ position, role, subject, lints }) => ({
    position,
    role,
    subject,
    lints: lints ?? null,
  }));
}

/** The stores the clients use by default (to find anchors named by a verdict). */
export function defaultStores(clients: readonly ClientId[]): TrustStore[] {
  const ids = new Set<BuiltinStoreId>(["mozilla"]);
  if (clients.includes("node")) ids.add("node");
  return [...ids].map((id) => builtinStore(id));
}

// ---------------------------------------------------------------------------------------------------------
// Stores

const storeIdParams = {
  type: "object",
  properties: { id: { type: "string", enum: [...BUILTIN_STORES] } },
  required: ["id"],
} as const;

const rootRowSchema = {
  type: "object",
  properties: {
    alias: { type: "string" },
    name: { type: "string" },
    subject: { type: "string" },
    notBefore: { type: "string" },
    notAfter: { type: "string" },
    sha256: { type: "string" },
    selfSigned: { type: "boolean" },
    expired: { type: "boolean" },
    distrustAfter: { type: "string" },
    distrust: { type: "array", items: { type: "object" } },
  },
} as const;

function matches(q: string | undefined) {
  const want = q?.trim().toLowerCase().replace(/:/g, "");
  return (r: { alias: string; name: string; subject: string; sha256: string }) =>
    !want ||
    r.alias.toLowerCase().includes(want) ||
    r.name.toLowerCase().includes(want) ||
    r.subject.toLowerCase().includes(want) ||
    r.sha256.toLowerCase().startsWith(want);
}

/** A root by SHA-256 prefix; a missing or ambiguous one is a 404. */
function rootOf(store: TrustStore, sha256: string): TrustAnchor {
  try {
    return findRoot(store, sha256);
  } catch (e) {
    if (e instanceof InputError) throw new ApiError(404, "not-found", e.message);
    throw e;
  }
}

function storeRoutes(ctx: WebContext): void {
  route(
    ctx,
    {
      method: "GET",
      url: "/api/stores",
      tag: "stores",
      summary: "The built-in trust stores, and whether this machine has each",
      responses: { 200: { description: "Stores", schema: { type: "object" } } },
    },
    async () => ({ stores: availableStores() }),
  );

  route(
    ctx,
    {
      method: "GET",
      url: "/api/stores/:id/roots",
      tag: "stores",
      summary: "A store's roots as /cacerts.jsp shows them: alias, subject, expiry, SHA-256, distrust marks",
      params: storeIdParams,
      querystring: {
        type: "object",
        properties: {
          q: {
            type: "string",
            maxLength: 200,
            description: "Search alias, name, subject or SHA-256 prefix.",
          },
        },
        additionalProperties: false,
      },
      responses: {
        200: {
          description: "The store and its roots",
          schema: {
            type: "object",
            properties: { store: { type: "object" }, roots: { type: "array", items: rootRowSchema } },
          },
        },
        404: { description: "The store is not on this machine (system, jdk)" },
      },
    },
    async (req) => {
      const { id } = req.params as { id: BuiltinStoreId };
      const { q } = req.query as { q?: string };
      const doc = listRoots({ store: builtinStore(id) });
      return { ...doc, roots: doc.roots.filter(matches(q)) };
    },
  );

  route(
    ctx,
    {
      method: "GET",
      url: "/api/stores/:id/roots/:sha256",
      tag: "stores",
      summary: "One root, decoded, with its distrust marks",
      params: {
        type: "object",
        properties: {
          id: { type: "string", enum: [...BUILTIN_STORES] },
          sha256: { type: "string", pattern: "^[0-9A-Fa-f:]{16,95}$" },
        },
        required: ["id", "sha256"],
      },
      responses: {
        200: { description: "The root", schema: { type: "object" } },
        404: { description: "No such root or store" },
      },
    },
    async (req) => {
      const { id, sha256 } = req.params as { id: BuiltinStoreId; sha256: string };
      const store = builtinStore(id);
      const a = rootOf(store, sha256);
      return {
        store: storeSummary(store),
        root: rootRow(a, new Date()),
        trustSource: a.trustSource,
        certificate: decodeDocument([{ cert: a.cert }]).certificates[0],
        pem: toPem(a.cert.der),
      };
    },
  );

  route(
    ctx,
    {
      method: "POST",
      url: "/api/stores/inspect",
      tag: "stores",
      summary: "Read an uploaded trust store or an org's /cacerts.jsp list, as /cacerts.jsp shows roots",
      body: {
        type: "object",
        properties: {
          roots: storeChoiceProperties.roots,
          salesforceList: storeChoiceProperties.salesforceList,
        },
        additionalProperties: false,
      },
      responses: {
        200: {
          description: "The store, its roots and (for a list) what matched",
          schema: { type: "object" },
        },
        ...ERRORS,
      },
    },
    async (req) => {
      const b = req.body as StoreChoice;
      if (!b.roots && !b.salesforceList)
        throw new ApiError(400, "missing-input", "give roots or salesforceList");
      const { store, list } = chosenStore(b);
      return {
        ...listRoots({ store }),
        ...(list
          ? {
              list: {
                layout: list.layout,
                summary: list.summary,
                counts: list.counts,
                unmatched: list.unmatched,
                ambiguous: list.ambiguous.map((x) => ({
                  line: x.line,
                  text: x.text,
                  candidates: x.candidates.map((c) => c.name),
                })),
              },
            }
          : {}),
      };
    },
  );

  const choice = {
    type: "object",
    properties: storeChoiceProperties,
    additionalProperties: false,
  } as const;

  route(
    ctx,
    {
      method: "POST",
      url: "/api/stores/diff",
      tag: "stores",
      summary: "Roots added and removed between two stores (by SHA-256)",
      body: {
        type: "object",
        properties: { a: choice, b: choice },
        required: ["a", "b"],
        additionalProperties: false,
      },
      responses: { 200: { description: "The difference", schema: { type: "object" } }, ...ERRORS },
    },
    async (req) => {
      const body = req.body as { a: StoreChoice; b: StoreChoice };
      const A = chosenStore(body.a).store;
      const B = chosenStore(body.b).store;
      if (!A || !B)
        throw new ApiError(400, "missing-input", "a and b each need a store, roots or salesforceList");
      return diffStores(A, B);
    },
  );

  route(
    ctx,
    {
      method: "POST",
      url: "/api/roots/request",
      tag: "stores",
      summary: "The dossier for asking Salesforce support (or any client's operator) to add a root",
      body: {
        type: "object",
        properties: {
          cert: { ...filePayloadSchema, description: "The root (or a chain: its self-signed root is used)." },
          ...storeChoiceProperties,
        },
        required: ["cert"],
        additionalProperties: false,
      },
      responses: {
        200: {
          description: "The dossier (as `chainproof roots request --json`)",
          schema: { type: "object" },
        },
        ...ERRORS,
      },
    },
    async (req) => {
      const b = req.body as StoreChoice & { cert: FilePayload };
      return rootRequest({
        cert: certificatesOf(b.cert, "cert"),
        store: chosenStore(b).store,
        noJdkNote: "no JDK cacerts found on the server's machine (compared with the bundled stores only)",
      });
    },
  );
}
