/**
 * `chainproof serve [--port N] [--host ADDR] [--allow-private] [--token-file F | --insecure-no-token]
 * [--db PATH]`: the web pages and their JSON API (src/web, docs/web.md); with --db, the Monitor page of a
 * monitor database (docs/monitor.md).
 *
 * Binds to 127.0.0.1 by default. On every address, loopback included (any local account can connect to a
 * loopback port), every API call needs a token: the first line of --token-file, or a random one made at
 * each start. Either way it is printed on stderr as a http://…/#token=… link, Jupyter-style: the fragment
 * never reaches a server or a Referer, and the page moves it into the tab's sessionStorage.
 * --insecure-no-token turns the token off, with a warning, and only on loopback.
 * Runs until interrupted (Ctrl-C, SIGTERM), then closes its connections and exits 0.
 */

import { readFileSync, statSync } from "node:fs";
import { InputError } from "../../x509/errors.js";
import { fsReason } from "../io.js";

export interface ServeOptions {
  port?: string;
  host?: string;
  allowPrivate?: boolean;
  tokenFile?: string;
  insecureNoToken?: boolean;
  /** The monitor's history database, for the Monitor page. */
  db?: string;
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

/** Can accounts other than the owner read this file (group or other read bit)? */
function readableByOthers(file: string): boolean {
  try {
    return (statSync(file).mode & 0o044) !== 0;
  } catch {
    return false;
  }
}

/** `--db PATH`: an existing monitor database (never created here: chainproof monitor writes it). */
async function openMonitorHistory(db: string | undefined) {
  if (db === undefined) return undefined;
  const { openHistory } = await import("../../app/monitor.js");
  return openHistory(db, { create: false });
}

export async function runServe(opts: ServeOptions): Promise<number> {
  const { createWebServer, DEFAULT_PORT } = await import("../../web/server.js");
  const { isLoopbackHost, newToken } = await import("../../web/security.js");
  const host = (opts.host ?? "127.0.0.1").trim();
  if (!host || /[\s/]/.test(host)) throw new InputError(`--host "${opts.host}" is not an address`, "usage");
  const port = parsePort(opts.port, DEFAULT_PORT);
  const loopback = isLoopbackHost(host);
  if (opts.insecureNoToken && opts.tokenFile) {
    throw new InputError("--insecure-no-token and --token-file: choose one", "usage");
  }
  if (opts.insecureNoToken && !loopback) {
    throw new InputError(
      `--insecure-no-token is refused on ${host}, which is not a loopback address: without a token anyone who reaches the port could use the API and the keystore`,
      "usage",
    );
  }
  const token = opts.insecureNoToken ? undefined : opts.tokenFile ? readToken(opts.tokenFile) : newToken();
  const history = await openMonitorHistory(opts.db);
  const app = await createWebServer({
    host,
    ...(token === undefined ? { noToken: true } : { token }),
    allowPrivate: opts.allowPrivate ?? false,
    ...(history ? { history } : {}),
  });
  if (history) app.addHook("onClose", () => history.close());
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
  if (opts.tokenFile && readableByOthers(opts.tokenFile)) {
    err.write(
      `chainproof serve: warning: ${opts.tokenFile} can be read by other accounts, and so can the token (chmod 600 it)\n`,
    );
  }
  if (token !== undefined) {
    // The token travels in the URL fragment, which browsers never send to a server or put in a Referer.
    err.write(
      `chainproof serve: open this link (it carries the access token${opts.tokenFile ? ` from ${opts.tokenFile}` : ", new at every start"}):\n` +
        `  ${url}#token=${encodeURIComponent(token)}\n` +
        "chainproof serve: scripts send it as Authorization: Bearer TOKEN (see docs/web.md)\n",
    );
  } else {
    err.write(
      "chainproof serve: warning: --insecure-no-token: the API has no access token; every program and every account on this machine can use it and the keystore (key export still asks for the keystore passphrase)\n",
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
  if (history) err.write(`chainproof serve: the Monitor page shows ${history.location}\n`);
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
