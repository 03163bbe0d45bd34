/** Loopback TLS servers that require a client certificate, for the mutual-TLS tests. */
import { type ChildProcess, spawn } from "node:child_process";
import net, { type AddressInfo } from "node:net";
import tls from "node:tls";
import type { KeyPair } from "../../src/x509/builder.js";

/**
 * A node TLS server on 127.0.0.1 that asks for a client certificate, trusts `ca` (absent: node's default CA
 * list, so no CA names are sent), and writes "K" to each client it accepts. The server is pushed onto `servers`
 * so the test can close it. Resolves to its port.
 */
export async function clientCertServer(
  serverKey: KeyPair,
  serverCertPem: string,
  ca: string[] | undefined,
  servers: tls.Server[],
  /** false: ask for a certificate but let a client without one in. */
  required = true,
): Promise<number> {
  const server = tls.createServer(
    {
      key: serverKey.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      cert: serverCertPem,
      requestCert: true,
      rejectUnauthorized: required,
      ...(ca ? { ca } : {}),
    },
    (s) => {
      s.on("error", () => {});
      s.end("K");
    },
  );
  server.on("tlsClientError", () => {});
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

/**
 * `openssl s_server` on a free loopback port with `args` (certificate, key, verification options); its stdin
 * is a pipe kept open (s_server quits at the end of its input). The child is pushed onto `children` so the
 * test can end it. Resolves to its port once it accepts connections.
 */
export async function opensslServer(args: string[], children: ChildProcess[]): Promise<number> {
  // A free port (s_server prints the one it picked to a block-buffered pipe, too late to read).
  const probeServer = net.createServer();
  await new Promise<void>((r) => probeServer.listen(0, "127.0.0.1", r));
  const port = (probeServer.address() as AddressInfo).port;
  await new Promise((r) => probeServer.close(r));
  const child = spawn("openssl", ["s_server", "-accept", `127.0.0.1:${port}`, ...args], {
    stdio: ["pipe", "ignore", "ignore"],
  });
  children.push(child);
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, "127.0.0.1", () => {
        sock.destroy();
        resolve(true);
      });
      sock.on("error", () => resolve(false));
    });
    if (up) return port;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("openssl s_server did not start");
}
