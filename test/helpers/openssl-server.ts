/**
 * `openssl s_server` on a loopback port, restricted as a test needs (-tls1_2, -cipher, -ciphersuites,
 * -groups, …): the real OpenSSL server the TLS enumeration and the handshake simulation are checked against.
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
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

/**
 * The restricted s_server setups every real client is checked on (test/net-tls-simulation.test.ts; the
 * browsers' test adds its own): each one way a server limits versions, suites, groups or its order.
 */
export const RESTRICTED_SETUPS: readonly { name: string; args: string[] }[] = [
  { name: "defaults (TLS 1.2 and 1.3)", args: [] },
  { name: "TLS 1.2, CBC suites only", args: ["-tls1_2", "-cipher", "ECDHE-RSA-AES256-SHA:AES128-SHA"] },
  { name: "TLS 1.2, DHE only", args: ["-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256"] },
  { name: "TLS 1.0 only", args: ["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"] },
  {
    name: "TLS 1.3, ChaCha20 and P-384 only",
    args: ["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256", "-groups", "secp384r1"],
  },
  {
    name: "TLS 1.2, the server's order (AES128-SHA first)",
    args: ["-tls1_2", "-cipher", "AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256", "-serverpref"],
  },
];

/** The IANA name of each OpenSSL cipher name (s_client, s_server's page and curl print OpenSSL's names). */
export function ianaCipherNames(): Map<string, string> {
  const iana = new Map<string, string>();
  const names = spawnSync("openssl", ["ciphers", "-stdname", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"], {
    encoding: "utf8",
  });
  for (const line of names.stdout.split("\n")) {
    const m = /^(\S+)\s+-\s+(\S+)/.exec(line);
    if (m) iana.set(m[2], m[1]);
  }
  return iana;
}
