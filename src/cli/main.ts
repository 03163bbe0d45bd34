/**
 * chainproof CLI entry. Commands load their modules on demand so `chainproof decode` starts fast.
 * Exit codes: 0 success / trusted, 1 a verdict of "not trusted" (or findings at the asked level), 2 bad input.
 */

import { Command, CommanderError } from "commander";
import { InputError } from "../x509/errors.js";
import { registerKeys } from "./commands/keys.js";

export const EXIT_OK = 0;
export const EXIT_UNTRUSTED = 1;
export const EXIT_BAD_INPUT = 2;

function passwordOptions(cmd: Command): Command {
  return cmd
    .option("--password-env <VAR>", "read the keystore/PKCS#12 password from environment variable VAR")
    .option("--password-file <FILE>", "read the keystore/PKCS#12 password from the first line of FILE");
}

/** The options every verdict command shares: which clients, and which trust store they use. */
function clientAndStoreOptions(cmd: Command): Command {
  return cmd
    .option(
      "--client <NAME>",
      "salesforce, java, openssl, curl, go, node, chrome, firefox, a comma list, or all",
      "salesforce",
    )
    .option("--store <NAME>", "trust store: mozilla, fpki, node, system, jdk, salesforce:FILE, or a path")
    .option("--roots <FILE>", "trust store from a file or folder (PEM, DER, PKCS#7, JKS, PKCS#12)")
    .option(
      "--store-password-env <VAR>",
      "password of a keystore/PKCS#12 trust store, from environment variable VAR",
    );
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("chainproof")
    .description("Will a strict TLS client trust this certificate chain? And if not, why, and how to fix it.")
    .version("0.1.0")
    .showSuggestionAfterError()
    .configureOutput({ outputError: (str, write) => write(str) })
    .exitOverride();

  passwordOptions(
    program
      .command("decode")
      .description("decode certificates from PEM, DER, PKCS#7, PKCS#12 or Java keystores")
      .argument("[files...]", "files to read; - for standard input", ["-"])
      .option("--json", "print JSON (schema: docs/decode.schema.json)")
      .option("--pem", "print the certificates as normalised PEM"),
  ).action(async (files: string[], opts) => {
    const { runDecode } = await import("./commands/decode.js");
    process.exitCode = await runDecode(files, opts);
  });

  program
    .command("showcerts")
    .description(
      "connect to a TLS server and show the certificates it sends, as sent (like openssl s_client -showcerts)",
    )
    .argument("<target>", "HOST[:PORT], [IPv6]:PORT or https://host/path (default port 443)")
    .option("--servername <NAME>", "send NAME as SNI instead of the host")
    .option("--no-sni", "send no SNI")
    .option(
      "--connect-to <ADDR[:PORT]>",
      "connect to ADDR (and PORT) instead of resolving the host; SNI stays the host",
    )
    .option("--timeout <SECONDS>", "give up after SECONDS (connect, handshake and in all)", "10")
    .option("--json", "print JSON (documented in docs/showcerts.md)")
    .action(async (target: string, opts) => {
      const { runShowcerts } = await import("./commands/showcerts.js");
      process.exitCode = await runShowcerts(target, opts);
    });

  passwordOptions(
    clientAndStoreOptions(
      program
        .command("verify")
        .description("will a client trust this chain? Salesforce by default; --client all for the matrix")
        .option(
          "--chain <FILE>",
          "the chain as the server sends it (first certificate = the server's); any format decode reads",
        )
        .option("--leaf <FILE>", "the server's certificate, when it is not the first of --chain"),
    )
      .option("--host <NAME>", "the host name the client connects to")
      .option("--ip <ADDR>", "the IP address the client connects to")
      .option("--at <TIME>", "check at this time (ISO 8601) instead of now")
      .option(
        "--purpose <server|client>",
        "server (TLS server certificate) or client (mTLS client certificate)",
        "server",
      )
      .option("--json", "print JSON (documented in docs/verify.md)"),
  ).action(async (opts) => {
    const { runVerify } = await import("./commands/verify.js");
    process.exitCode = await runVerify(opts);
  });

  const roots = program
    .command("roots")
    .description("list, show, compare, import and export trust stores; prepare a root request");
  const storeOption = "trust store: mozilla, fpki, node, system, jdk, salesforce:FILE, or a path";
  roots
    .command("list")
    .description("the roots of a store, as /cacerts.jsp shows them (alias, subject, expiry, SHA-256)")
    .option("--store <NAME>", storeOption, "mozilla")
    .option("--store-password-env <VAR>", "keystore password from environment variable VAR")
    .option("--json", "print JSON")
    .action(async (opts) => {
      const { runRootsList } = await import("./commands/roots.js");
      process.exitCode = await runRootsList(opts);
    });
  roots
    .command("show")
    .description("one root, by alias, name or SHA-256")
    .argument("<id>", "alias, name or SHA-256 (a unique prefix of 8+ hex digits will do)")
    .option("--store <NAME>", storeOption, "mozilla")
    .option("--store-password-env <VAR>", "keystore password from environment variable VAR")
    .option("--json", "print JSON")
    .action(async (id: string, opts) => {
      const { runRootsShow } = await import("./commands/roots.js");
      process.exitCode = await runRootsShow(id, opts);
    });
  passwordOptions(
    roots
      .command("import")
      .description(
        "normalise a saved /cacerts.jsp page, a list of names or fingerprints, or a bundle into a PEM bundle",
      )
      .argument("<file>", "the page, list or bundle")
      .option("--out <FILE>", "the PEM bundle to write")
      .option("--json", "print a JSON report"),
  ).action(async (file: string, opts) => {
    const { runRootsImport } = await import("./commands/roots.js");
    process.exitCode = await runRootsImport(file, opts);
  });
  roots
    .command("export")
    .description("write a store's roots to a file")
    .option("--store <NAME>", storeOption, "mozilla")
    .option("--store-password-env <VAR>", "keystore password from environment variable VAR")
    .option("--format <pem|jks>", "file format: a PEM bundle, or a Java keystore of trusted entries", "pem")
    .option("--out <FILE>", "the file to write")
    .option("--jks-password-env <VAR>", "password of the JKS written (default: changeit, the JDK's)")
    .action(async (opts) => {
      const { runRootsExport } = await import("./commands/roots.js");
      process.exitCode = await runRootsExport(opts);
    });
  roots
    .command("diff")
    .description("roots added and removed between two stores (by SHA-256)")
    .argument("<a>", storeOption)
    .argument("<b>", storeOption)
    .option("--store-password-env <VAR>", "keystore password from environment variable VAR")
    .option("--json", "print JSON")
    .action(async (a: string, b: string, opts) => {
      const { runRootsDiff } = await import("./commands/roots.js");
      process.exitCode = await runRootsDiff(a, b, opts);
    });
  passwordOptions(
    roots
      .command("request")
      .description("the dossier for asking Salesforce support to add a root")
      .argument("<cert>", "the root certificate (or a chain: its self-signed root is used)")
      .option("--store <NAME>", "also say whether this store (e.g. salesforce:FILE, your org's list) has it")
      .option("--store-password-env <VAR>", "keystore password from environment variable VAR")
      .option("--json", "print JSON"),
  ).action(async (cert: string, opts) => {
    const { runRootsRequest } = await import("./commands/roots.js");
    process.exitCode = await runRootsRequest(cert, opts);
  });

  const saml = program
    .command("saml")
    .description(
      "SAML SSO: check IdP metadata and certificate rotation; validate a SAML Response step by step",
    );
  saml
    .command("metadata")
    .description(
      "the IdP's signing certificates, the metadata's signature, and the SP's configured certificate",
    )
    .argument("<file>", "IdP metadata (EntityDescriptor or EntitiesDescriptor XML)")
    .option("--configured <CERTFILE>", "the IdP certificate the SP has configured (any format decode reads)")
    .option("--entity-id <ID>", "only this IdP, in a metadata aggregate")
    .option(
      "--metadata-signer <CERTFILE>",
      "the federation's (or IdP's) metadata signing certificate: the metadata's signature must verify with it",
    )
    .option("--at <TIME>", "check at this time (ISO 8601) instead of now")
    .option("--allow-sha1", "accept a SHA-1 signature on the metadata")
    .option("--json", "print JSON (documented in docs/saml.md)")
    .action(async (file: string, opts) => {
      const { runSamlMetadata } = await import("./commands/saml.js");
      process.exitCode = await runSamlMetadata(file, opts);
    });
  saml
    .command("verify")
    .description(
      "validate a SAML Response (XML, base64, SAMLResponse=… form body, or deflated) as a strict SP does",
    )
    .argument("<response>", "the Response file; - for standard input")
    .option("--cert <FILE>", "the IdP certificate the SP has configured")
    .option("--metadata <FILE>", "the IdP's metadata (trusted signing certificates when --cert is not given)")
    .option("--metadata-signer <CERTFILE>", "the certificate the --metadata file must be signed with")
    .option("--sp-entity-id <ID>", "the SP's entity ID (expected Audience)")
    .option("--acs <URL>", "the SP's Assertion Consumer Service URL (expected Recipient and Destination)")
    .option("--request-id <ID>", "the ID of the SP's AuthnRequest (expected InResponseTo)")
    .option("--issuer <ID>", "the IdP's entity ID (expected Issuer)")
    .option("--at <TIME>", "check at this time (ISO 8601) instead of now")
    .option("--skew <SECONDS>", "allowed clock skew in seconds", "180")
    .option("--allow-sha1", "accept SHA-1 signatures and digests")
    .option("--json", "print JSON (documented in docs/saml.md)")
    .action(async (file: string, opts) => {
      const { runSamlVerify } = await import("./commands/saml.js");
      process.exitCode = await runSamlVerify(file, opts);
    });

  clientAndStoreOptions(
    program
      .command("check")
      .description(
        "connect to a server and say, for each client, whether it trusts the endpoint and why not; --fix repairs the chain",
      )
      .argument("<target>", "HOST[:PORT], [IPv6]:PORT or https://host/path (default port 443)"),
  )
    .option("--servername <NAME>", "send NAME as SNI and check the certificate against it")
    .option("--connect-to <ADDR[:PORT]>", "connect to ADDR (and PORT) instead of resolving the host")
    .option("--timeout <SECONDS>", "give up on a connection after SECONDS", "10")
    .option("--no-aia", "do not fetch missing intermediates from AIA URLs (Chrome's verdict stays 'depends')")
    .option("--fix", "build the chain the server should send, write it and print server configuration")
    .option("--out <FILE>", "with --fix: where to write the chain (default HOST-fullchain.pem)")
    .option(
      "--intermediates <DIR>",
      "with --fix: a folder (or bundle) of intermediates to complete the chain from",
    )
    .option(
      "--client-cert <NAME>",
      "mutual TLS: present this keystore entry (chainproof keys) and say whether Salesforce would send it and the server accept it",
    )
    .option("--passphrase-env <VAR>", "with --client-cert: keystore passphrase from variable VAR")
    .option("--passphrase-file <FILE>", "with --client-cert: keystore passphrase from the first line of FILE")
    .option("--cert <FILE>", "mutual TLS: the client certificate (chain, leaf first) to present, with --key")
    .option("--key <FILE>", "mutual TLS: the unencrypted PEM private key of --cert")
    .option("--json", "print JSON (documented in docs/check.md)")
    .action(async (target: string, opts) => {
      const { runCheck } = await import("./commands/check.js");
      process.exitCode = await runCheck(target, opts);
    });

  clientAndStoreOptions(
    program
      .command("scan")
      .description(
        "check every endpoint of a list (host[:port] [sni] per line, or CSV host,port,sni) for each client",
      )
      .argument("<file>", "the list; - for standard input"),
  )
    .option("--concurrency <N>", "targets checked at once (default 32 per CPU, 32 to 256)")
    .option("--timeout <SECONDS>", "give up on a target's connection after SECONDS", "10")
    .option("--json", "print one JSON document at the end (documented in docs/scan.md)")
    .option("--ndjson", "stream one JSON line per target as each completes")
    .option("--junit", "print JUnit XML (a test case per target) for CI")
    .option(
      "--sarif",
      "print SARIF 2.1.0 (a result per finding, located at the list's line) for code scanning",
    )
    .option(
      "--fast",
      "read each server's TLS 1.2 flight from a raw hello instead of completing a handshake (about a quarter of the CPU)",
    )
    .option("--no-progress", "no progress bar on stderr")
    .action(async (file: string, opts) => {
      const { runScan } = await import("./commands/scan.js");
      process.exitCode = await runScan(file, opts);
    });

  program
    .command("lab")
    .description(
      "start badssl-style endpoints on 127.0.0.1 (a PKI generated at start), each broken in one way, until Ctrl-C",
    )
    .option(
      "--port-base <N>",
      "HTTP (AIA) server on port N, endpoints on N+1, N+2, … (default: any free ports)",
    )
    .option("--for <SECONDS>", "stop after SECONDS instead of waiting for Ctrl-C")
    .option("--dir <DIR>", "write the lab's roots and intermediates here (default: a temporary folder)")
    .option("--json", "print the endpoints as JSON (documented in docs/lab.md)")
    .action(async (opts) => {
      const { runLab } = await import("./commands/lab.js");
      process.exitCode = await runLab(opts);
    });

  program
    .command("demo")
    .description(
      "run the lab in-process: check every endpoint for every client, print the matrix, repair the incomplete chain",
    )
    .option("--client <NAME>", "clients to show (default all)", "all")
    .option("--json", "print JSON (documented in docs/lab.md)")
    .action(async (opts) => {
      const { runDemo } = await import("./commands/demo.js");
      process.exitCode = await runDemo(opts);
    });

  program
    .command("serve")
    .description(
      "the web pages and their JSON API on http://127.0.0.1:8420/ (check, decode, verify, stores, keystore, SAML, scan)",
    )
    .option("--port <N>", "port to listen on (0: any free port)", "8420")
    .option("--host <ADDR>", "address to bind; any other than loopback requires a token", "127.0.0.1")
    .option(
      "--allow-private",
      "allow checks of private, link-local, cloud-metadata and loopback addresses (refused by default)",
    )
    .option("--token-file <FILE>", "require this bearer token (first line of FILE) for every API call")
    .action(async (opts) => {
      const { runServe } = await import("./commands/serve.js");
      process.exitCode = await runServe(opts);
    });

  registerKeys(program);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit through here with code 0; usage errors were already printed.
      return e.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    }
    if (e instanceof InputError) {
      process.stderr.write(`chainproof: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`chainproof: internal error: ${msg}\n`);
    if (process.env.CHAINPROOF_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ""}\n`);
    return 70;
  }
}

const code = await main(process.argv);
process.exitCode = code;
