/** Loopback TLS servers that require a client certificate, for the mutual-TLS tests. */
import type { AddressInfo } from "node:net";
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
