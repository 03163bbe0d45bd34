/**
 * Start the lab: one TLS server per endpoint, each on its own port on 127.0.0.1 (never another address),
 * plus an HTTP server on 127.0.0.1 that serves the lab's CA certificates for AIA fetches.
 *
 * Why a port per endpoint rather than one port with SNI names: several endpoints need server settings
 * that OpenSSL fixes per listening context, not per SNI name (TLS 1.0/1.1 only, a required client
 * certificate), and a distinct port makes each endpoint reachable with any client without name mapping.
 * Endpoints still have names (`<name>.lab.chainproof.test`, in their certificates and sent as SNI):
 * connect to 127.0.0.1 and send the name, e.g. `chainproof check good-rsa.lab.chainproof.test:PORT
 * --connect-to 127.0.0.1`.
 */

import http from "node:http";
import type net from "node:net";
import tls from "node:tls";
import { type DistrustRule, defaultDistrustRules } from "../trust/distrust.js";
import type { TrustStore } from "../trust/store.js";
import type { BuiltCertificate } from "../x509/builder.js";
import { type EndpointSpec, hostOf, LAB_ENDPOINTS, labDistrustRules } from "./endpoints.js";
import { buildLabPki, type LabPki } from "./pki.js";
import { type RevocationService, revocationService } from "./revocation.js";

export const LAB_ADDRESS = "127.0.0.1";

export interface LabOptions {
  /** The HTTP server listens on this port and endpoint i on portBase + 1 + i (default: ports the system picks). */
  portBase?: number;
  /** Only these endpoints (by name). */
  only?: readonly string[];
  now?: Date;
}

export interface RunningEndpoint {
  spec: EndpointSpec;
  /** The DNS name in its certificate and sent as SNI. */
  host: string;
  port: number;
  /** The certificates it sends, in order. */
  chain: BuiltCertificate[];
}

export interface Lab {
  address: typeof LAB_ADDRESS;
  http: { port: number; base: string };
  endpoints: RunningEndpoint[];
  pki: LabPki;
  /** The lab trust store: its own roots. */
  store: TrustStore;
  /** Every default rule plus the lab's own (./endpoints.ts labDistrustRules). */
  distrustRules: DistrustRule[];
  /** The one origin AIA fetches may reach although it is loopback (see src/net/aia.ts). */
  aiaOrigins: string[];
  /** The lab's OCSP responder and CRLs, at http.base + "/revocation/" (./revocation.ts). */
  revocation: RevocationService;
  startedAt: Date;
  close(): Promise<void>;
}

interface Closable {
  close(): Promise<void>;
}

function listen(server: net.Server, port: number): Promise<{ port: number } & Closable> {
  const sockets = new Set<net.Socket>();
  server.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LAB_ADDRESS, () => {
      server.off("error", reject);
      const addr = server.address() as net.AddressInfo;
      resolve({
        port: addr.port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Start the lab. Throws when a port is taken (with --port-base) or loopback is unavailable. */
export async function startLab(o: LabOptions = {}): Promise<Lab> {
  const now = o.now ?? new Date();
  const closers: Closable[] = [];
  const closeAll = async () => {
    await Promise.all(closers.map((c) => c.close()));
  };
  try {
    // The HTTP server first: the certificates carry its URL.
    const served = new Map<string, Uint8Array>();
    const revocation = revocationService();
    const httpServer = http.createServer((req, res) => {
      const path = (req.url ?? "/").replace(/^\/+/, "").split("?")[0];
      if (path.startsWith("revocation/"))
        return revocation.handle(req, res, path.slice("revocation/".length));
      const der = served.get(path);
      if (req.method !== "GET" || !der) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
        return;
      }
      res.writeHead(200, { "content-type": "application/pkix-cert", "content-length": der.length });
      res.end(Buffer.from(der));
    });
    const h = await listen(httpServer, o.portBase ?? 0);
    closers.push(h);
    const base = `http://${LAB_ADDRESS}:${h.port}`;
    const pki = await buildLabPki(base, now);
    for (const [path, cert] of pki.served) served.set(path, cert.built.der);
    for (const ca of [pki.ecIca, pki.rsaIca])
      revocation.addIssuer({ cert: ca.built.cert, key: ca.key.privateKey });

    const specs = o.only ? LAB_ENDPOINTS.filter((e) => o.only!.includes(e.name)) : LAB_ENDPOINTS;
    const endpoints: RunningEndpoint[] = [];
    for (const spec of specs) {
      const built = spec.build(pki, base);
      for (const r of built.revoked ?? []) revocation.revoke(r);
      const server = tls.createServer({
        key: built.key.privateKey.export({ type: "pkcs8", format: "pem" }),
        cert: built.chain.map((c) => c.pem).join(""),
        ...built.tls,
      });
      server.on("secureConnection", (s) => {
        s.on("error", () => {});
        s.end(`chainproof lab: ${spec.name}\n`);
      });
      server.on("tlsClientError", () => {});
      const port = o.portBase !== undefined ? o.portBase + 1 + LAB_ENDPOINTS.indexOf(spec) : 0;
      const l = await listen(server, port);
      closers.push(l);
      endpoints.push({ spec, host: hostOf(spec.name), port: l.port, chain: built.chain });
    }
    const store: TrustStore = {
      id: "lab",
      name: "chainproof lab roots",
      source: `generated by chainproof lab at ${now.toISOString()}`,
      anchors: pki.trustedRoots.map((r) => ({
        cert: r.built.cert,
        name: r.built.cert.label,
        trustSource: "lab",
      })),
      notes: [],
    };
    return {
      address: LAB_ADDRESS,
      http: { port: h.port, base },
      endpoints,
      pki,
      store,
      distrustRules: [...defaultDistrustRules(), ...labDistrustRules(pki)],
      aiaOrigins: [base],
      revocation,
      startedAt: now,
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
