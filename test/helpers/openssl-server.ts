/**
 * `openssl s_server` on a loopback port, restricted as a test needs (-tls1_2, -cipher, -ciphersuites,
 * -groups, …): the real OpenSSL server the TLS enumeration and the handshake simulation are checked against.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import net, { type AddressInfo } from "node:net";
import { join } from "node:path";

export interface OpensslServer {
  port: number;
  close(): void;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1", () => {
      sock.destroy();
      resolve(true);
    });
    sock.on("error", () => resolve(false));
  });
}

/** Start s_server with `certPem`/`keyPem` in `dir` and the extra `args`; resolves once it accepts. */
export async function startOpensslServer(
  dir: string,
  certPem: string,
  keyPem: string,
  args: string[],
): Promise<OpensslServer> {
  const cert = join(dir, "server-cert.pem");
  const key = join(dir, "server-key.pem");
  writeFileSync(cert, certPem);
  writeFileSync(key, keyPem);
  const port = await freePort();
  const child: ChildProcess = spawn(
    "openssl",
    ["s_server", "-accept", `127.0.0.1:${port}`, "-cert", cert, "-key", key, "-quiet", ...args],
    { stdio: ["pipe", "ignore", "ignore"] },
  );
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    if (await listening(port)) return { port, close: () => child.kill() };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`openssl s_server ${args.join(" ")} did not start`);
}
