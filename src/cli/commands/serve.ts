/**
 * `chainproof serve [--port N] [--host ADDR] [--allow-private] [--token-file F]`: the web pages and their
 * JSON API (src/web, docs/web.md).
 *
 * Binds to 127.0.0.1 by default. On any other address every API call needs a token: the first line of
 * --token-file, or a random one printed once at start. --token-file also turns the token on for loopback.
 * Runs until interrupted (Ctrl-C, SIGTERM), then closes its connections and exits 0.
 */

import { readFileSync } from "node:fs";
import { InputError } from "../../x509/errors.js";
import { fsReason } from "../io.js";

export interface ServeOptions {
  port?: string;
  host?: string;
  allowPrivate?: boolean;
  tokenFile?: string;
}

function parsePort(text: string | undefined, def: number): number {
  if (text === undefined) return def;
  if (!/^\d{1,5}$/.test(text.trim()) || Number(text) > 65535) {
    throw new InputError(`--port "${text}": give a port number, 0 to 65535 (0: any free port)`, "usage");
  }
  return Number(text);
}

function readToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(`--token-file ${file}: ${fsReason(e)}`, "cannot-read");
  }
  const token = text.split(/\r?\n/)[0].trim();
  if (token.length < 16) {
    throw new InputError(
      `--token-file ${file}: the token (first line) must be at least 16 characters`,
      "usage",
    );
  }
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new InputError(`--token-file ${file}: the token must be printable ASCII without spaces`, "usage");
  }
  return token;
}

export async function runServe(opts: ServeOptions): Promise<number> {
  const { createWebServer, DEFAULT_PORT } = await import("../../web/server.js");
  const { isLoopbackHost, newToken } = await import("../../web/security.js");
  const host = (opts.host ?? "127.0.0.1").trim();
  if (!host || /[\s/]/.test(host)) throw new InputError(`--host "${opts.host}" is not an address`, "usage");
  const port = parsePort(opts.port, DEFAULT_PORT);
  const loopback = isLoopbackHost(host);
  let token = opts.tokenFile ? readToken(opts.tokenFile) : undefined;
  let printed = false;
  if (!loopback && !token) {
    token = newToken();
    printed = true;
  }
  const app = await createWebServer({ host, token, allowPrivate: opts.allowPrivate ?? false });
  try {
    await app.listen({ host, port });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    await app.close();
    if (code === "EADDRINUSE")
      throw new InputError(`port ${port} on ${host} is in use; choose another with --port`, "usage");
    if (code === "EADDRNOTAVAIL") throw new InputError(`${host} is not an address of this machine`, "usage");
    if (code === "EACCES")
      throw new InputError(
        `not allowed to listen on port ${port} (ports below 1024 need privileges)`,
        "usage",
      );
    throw e;
  }
  const addr = app.server.address();
  const actualPort = typeof addr === "object" && addr ? addr.port : port;
  // A wildcard bind is reached through one of the machine's addresses: show loopback's.
  const wildcard = host === "0.0.0.0" || host === "::" || host === "[::]";
  const shownHost = wildcard ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const url = `http://${shownHost}:${actualPort}/`;
  const err = process.stderr;
  err.write(
    `chainproof serve: listening on ${url}${wildcard ? ` (all addresses of this machine, port ${actualPort})` : ""}\n`,
  );
  if (printed) {
    // The token travels in the URL fragment, which browsers never send to a server or put in a Referer.
    err.write(
      `chainproof serve: access token (shown once; API calls need Authorization: Bearer TOKEN):\n  ${token}\n`,
    );
    err.write(`chainproof serve: open ${url}#token=${token}\n`);
  } else if (token) {
    err.write(
      `chainproof serve: the API needs the token from ${opts.tokenFile}; open ${url}#token=… or enter it on the page\n`,
    );
  }
  if (!loopback) {
    err.write(
      "chainproof serve: warning: plain HTTP on a network address: put it behind a TLS reverse proxy, or use it on a trusted network only\n",
    );
  }
  if (opts.allowPrivate) {
    err.write(
      "chainproof serve: --allow-private: checks may reach private, link-local and metadata addresses\n",
    );
  }
  err.write("chainproof serve: press Ctrl-C to stop\n");
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void app.close().then(() => resolve());
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return 0;
}
