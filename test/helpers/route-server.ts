/** A loopback HTTP server with scripted routes (AIA, OCSP and redirect tests); unknown paths get 404. */

import http from "node:http";
import type net from "node:net";

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface RouteServer {
  /** "http://127.0.0.1:PORT" */
  base: string;
  /** Path (with query) to handler; set and replace at any time. */
  routes: Map<string, Route>;
  close(): Promise<void>;
}

export async function startRouteServer(): Promise<RouteServer> {
  const routes = new Map<string, Route>();
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const r = routes.get(req.url ?? "");
    if (r) r(req, res);
    else res.writeHead(404).end();
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    base: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    routes,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
