/**
 * chainproof CLI entry. Commands load their modules on demand so `chainproof decode` starts fast: `decode`
 * and `verify` in their plain forms do not even load commander (see fastCommand), `keys` is registered only
 * when the command line may need it, and each command's module is imported when it runs.
 * Every failure goes through one boundary (main): exit 2 for bad input or usage, 3 when the command cannot
 * run here, and with --json one error document on stdout (docs/cli.md, src/cli/io.ts).
 */

import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { InputError } from "../x509/errors.js";
import { EXIT_OK, failureOf, isCommanderError, reportFailure } from "./io.js";
import { COLOR_MODES, type ColorMode, setColorMode } from "./style.js";

export { EXIT_BAD_INPUT, EXIT_ENVIRONMENT, EXIT_OK, EXIT_UNTRUSTED } from "./io.js";

/** A long option as commander declares it: flags ("--name" or "--name <VALUE>"), help, default. */
type OptionDef = readonly [flags: string, description: string, defaultValue?: string];

const PASSWORD_OPTIONS: readonly OptionDef[] = [
  ["--password-env <VAR>", "read the keystore/PKCS#12 password from environment variable VAR"],
  ["--password-file <FILE>", "read the keystore/PKCS#12 password from the first line of FILE"],
];

/** The options every verdict command shares: which clients, and which trust store they use. */
const CLIENT_AND_STORE_OPTIONS: readonly OptionDef[] = [
  [
    "--client <NAME>",
    "salesforce, java, openssl, curl, go, node, chrome, firefox, a comma list, or all",
    "salesforce",
  ],
  [
    "--store <NAME>",
    "trust store: mozilla, fpki, mozilla+fpki, node, system, jdk, salesforce:FILE, or a path",
  ],
  ["--roots <FILE>", "trust store from a file or folder (PEM, DER, PKCS#7, JKS, PKCS#12)"],
  ["--store-password-env <VAR>", "password of a keystore/PKCS#12 trust store, from environment variable VAR"],
];

const DECODE_OPTIONS: readonly OptionDef[] = [
  ["--json", "print JSON (schema: docs/decode.schema.json)"],
  ["--pem", "print the certificates as normalised PEM"],
  ...PASSWORD_OPTIONS,
];

const VERIFY_OPTIONS: readonly OptionDef[] = [
  [
    "--chain <FILE>",
    "the chain as the server sends it (first certificate = the server's); any format decode reads",
  ],
  ["--leaf <FILE>", "the server's certificate, when it is not the first of --chain"],
  ...CLIENT_AND_STORE_OPTIONS,
  ["--host <NAME>", "the host name the client connects to"],
  ["--ip <ADDR>", "the IP address the client connects to"],
  ["--at <TIME>", "check at this time (ISO 8601) instead of now"],
  [
    "--purpose <server|client>",
    "server (TLS server certificate) or client (mTLS client certificate)",
    "server",
  ],
  [
    "--eku <OID...>",
    "extended key usages the leaf must allow instead of the purpose's (OIDs or codeSigning, …)",
  ],
  ["--policy <OID...>", "RFC 5280 user-initial-policy-set: the path must be valid for one of these policies"],
  ["--explicit-policy", "RFC 5280 initial-explicit-policy: the path must be valid for some policy"],
  ["--inhibit-policy-mapping", "RFC 5280 initial-policy-mapping-inhibit"],
  ["--inhibit-any-policy", "RFC 5280 initial-any-policy-inhibit"],
  ["--crl <FILE...>", "CRLs (DER or PEM) to check every certificate of the path against"],
  [
    "--revocation <MODE>",
    "off, soft-fail (a certificate no CRL covers passes) or require (each must have a usable, current CRL)",
  ],
  ["--json", "print JSON (documented in docs/verify.md)"],
  ...PASSWORD_OPTIONS,
];

/** A repeatable option's values, in order. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function addOptions(cmd: Command, defs: readonly OptionDef[]): Command {
  for (const [flags, description, defaultValue] of defs) cmd.option(flags, description, defaultValue);
  return cmd;
}

function passwordOptions(cmd: Command): Command {
  return addOptions(cmd, PASSWORD_OPTIONS);
}

function clientAndStoreOptions(cmd: Command): Command {
  return addOptions(cmd, CLIENT_AND_STORE_OPTIONS);
}

async function decodeAction(files: string[], opts: Record<string, unknown>): Promise<void> {
  const { runDecode } = await import("./commands/decode.js");
  process.exitCode = await runDecode(files, opts);
}

async function verifyAction(opts: Record<string, unknown>): Promise<void> {
  const { runVerify } = await import("./commands/verify.js");
  process.exitCode = await runVerify(opts);
}

/**
 * The commands whose plain command lines skip commander (~30 ms of start-up): their options, and whether
 * they take file arguments (decode: `[files...]`, default standard input).
 */
const FAST_COMMANDS: Record<string, { options: readonly OptionDef[]; files: boolean }> = {
  decode: { options: DECODE_OPTIONS, files: true },
  verify: { options: VERIFY_OPTIONS, files: false },
};

/** "--store-password-env <VAR>" → ["store-password-env", true]: the long name, and whether it takes a value. */
function longOption(flags: string): [name: string, takesValue: boolean] {
  const [name, value] = flags.split(" ");
  return [name.slice(2), value !== undefined];
}

const camelCase = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * `decode`/`verify` parsed without commander, as commander would parse them; undefined for anything it
 * would treat otherwise or report (help, short or unknown options, `--`, a value that looks like an option,
 * arguments verify does not take), which then goes through commander as before.
 */
function fastCommand(args: readonly string[]): (() => Promise<void>) | undefined {
  const spec = FAST_COMMANDS[args[0]];
  if (!spec) return undefined;
  const known = new Map(spec.options.map((o) => longOption(o[0])));
  const opts: Record<string, unknown> = {};
  for (const [flags, , defaultValue] of spec.options) {
    if (defaultValue !== undefined) opts[camelCase(longOption(flags)[0])] = defaultValue;
  }
  const files: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-" || !arg.startsWith("-")) {
      if (!spec.files) return undefined;
      files.push(arg);
      continue;
    }
    if (!arg.startsWith("--") || arg === "--") return undefined;
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const takesValue = known.get(name);
    if (takesValue === undefined) return undefined;
    if (!takesValue) {
      if (eq >= 0) return undefined;
      opts[camelCase(name)] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || (value.startsWith("-") && value !== "-")) return undefined;
    opts[camelCase(name)] = value;
  }
  if (spec.files) return () => decodeAction(files.length > 0 ? files : ["-"], opts);
  return () => verifyAction(opts);
}

/**
 * The whole command line as commander sees it. `keys` (its own module, dozens of options) is registered only
 * when `commandWord` is not one of the others: for `keys`, help, a typo to suggest for, or no command.
 */
export async function buildProgram(commandWord?: string): Promise<Command> {
  const { Argument, Command, Option } = await import("commander");
  const program = new Command();
  program
    .name("chainproof")
    .description("Will a strict TLS client trust this certificate chain? And if not, why, and how to fix it.")
    .version("0.1.0")
    .addOption(
      new Option(
        "--color [WHEN]",
        "colour: auto (on a terminal), always or never; --no-color: never",
      ).choices(COLOR_MODES),
    )
    .showSuggestionAfterError()
    // Errors are printed once, by main's boundary, the same way for every command.
    .configureOutput({ outputError: () => {} })
    .exitOverride();

  addOptions(
    program
      .command("decode")
      .description("decode certificates from PEM, DER, PKCS#7, PKCS#12 or Java keystores")
      .argument("[files...]", "files to read; - for standard input", ["-"]),
    DECODE_OPTIONS,
  ).action(decodeAction);

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

  addOptions(
    program
      .command("verify")
      .description("will a client trust this chain? Salesforce by default; --client all for the matrix"),
    VERIFY_OPTIONS,
  ).action(verifyAction);

  passwordOptions(
    program
      .command("lint")
      .description(
        "lint certificates against RFC 5280, the CA/Browser Forum requirements and root-program policies",
      )
      .argument("[files...]", "files to read (any format decode reads); - for standard input", ["-"]),
  )
    .option("--json", "print JSON (schema: docs/schemas/lint.schema.json)")
    .option("--sarif", "print SARIF 2.1.0 (a result per lint that fired) for code scanning")
    .action(async (files: string[], opts) => {
      const { runLintCommand } = await import("./commands/lint.js");
      process.exitCode = await runLintCommand(files, opts);
    });

  const roots = program
    .command("roots")
    .description("list, show, compare, import and export trust stores; prepare a root request");
  const storeOption =
    "trust store: mozilla, fpki, mozilla+fpki, node, system, jdk, salesforce:FILE, or a path";
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
    .option(
      "--allow-private",
      "let AIA fetches reach private, link-local and loopback addresses (refused by default: a certificate chose the URL)",
    )
    .option(
      "--revocation",
      "check revocation (stapled OCSP, live OCSP, CRLs) and say which clients still connect to a revoked certificate",
    )
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
    .option(
      "--tls",
      "also list the TLS versions, cipher suites and groups the server accepts, and each client's handshake",
    )
    .option("--tls-connections <N>", "with --tls: connections open at once to the server (default 8)")
    .option(
      "--starttls <PROTO>",
      "STARTTLS first: smtp, submission, imap, pop3, ftp, xmpp, ldap, postgres, mysql, or none (default: by well-known port)",
    )
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
    .option(
      "--revocation",
      "check each target's revocation status (OCSP, CRLs); a client that refuses a revoked certificate counts",
    )
    .option(
      "--tls",
      "also enumerate each server's TLS versions, cipher suites and groups, and each client's handshake",
    )
    .option("--tls-connections <N>", "with --tls: connections open at once to each server (default 8)")
    .option(
      "--starttls <PROTO>",
      "STARTTLS first for every target: smtp, submission, imap, pop3, ftp, xmpp, ldap, postgres, mysql, or none (default: by well-known port)",
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
    .command("csr")
    .description("decode a certificate signing request: subject, key, requested extensions, signature check")
    .argument("[file]", "the request (PEM or DER); - for standard input", "-")
    .option("--json", "print JSON (schema: docs/schemas/csr.schema.json)")
    .action(async (file: string, opts) => {
      const { runCsr } = await import("./commands/csr.js");
      process.exitCode = await runCsr(file, opts);
    });

  passwordOptions(
    program
      .command("match")
      .description("does this private key belong to this certificate or certificate request?")
      .argument("<key>", "the private key (PEM, PKCS#8 DER, or a PKCS#12/JKS holding it)")
      .argument("<cert>", "the certificate (the first of the file) or the certificate request")
      .option("--cert-password-env <VAR>", "password of a PKCS#12/JKS <cert>, from environment variable VAR")
      .option("--json", "print JSON (schema: docs/schemas/match.schema.json)"),
  ).action(async (key: string, cert: string, opts) => {
    const { runMatch } = await import("./commands/match.js");
    process.exitCode = await runMatch(key, cert, opts);
  });

  passwordOptions(
    program
      .command("convert")
      .description("convert certificates and keys: PEM, DER, PKCS#7 (p7b), PKCS#12 (p12), JKS")
      .argument("<file>", "the input (any format decode reads); - for standard input")
      .requiredOption("--to <FORMAT>", "pem, der, p7b, p12 or jks")
      .option("--out <FILE>", "the file to write (default standard output)")
      .option(
        "--key <FILE>",
        "the private key of one of the certificates (PEM or PKCS#8 DER), for p12, jks, pem",
      )
      .option("--key-password-env <VAR>", "password of an encrypted --key, from environment variable VAR")
      .option(
        "--out-password-env <VAR>",
        "password of the p12/jks written (or to encrypt a PEM key), from VAR",
      )
      .option("--out-password-file <FILE>", "the same, from the first line of FILE")
      .option("--alias <NAME>", "alias (friendlyName) of the key entry written")
      .option("--json", "print a report (schema: docs/schemas/convert.schema.json); needs --out"),
  ).action(async (file: string, opts) => {
    const { runConvert } = await import("./commands/convert.js");
    process.exitCode = await runConvert(file, opts);
  });

  program
    .command("serve")
    .description(
      "the web pages and their JSON API on http://127.0.0.1:8420/ (check, decode, tools, verify, stores, keystore, SAML, scan)",
    )
    .option("--port <N>", "port to listen on (0: any free port)", "8420")
    .option("--host <ADDR>", "address to bind", "127.0.0.1")
    .option(
      "--allow-private",
      "allow checks of private, link-local and cloud-metadata addresses (refused by default); loopback targets are allowed while bound to loopback, refused otherwise",
    )
    .option(
      "--token-file <FILE>",
      "use the first line of FILE as the access token instead of a random one made at each start",
    )
    .option(
      "--insecure-no-token",
      "no access token: every local account can use the API (loopback only; prints a warning)",
    )
    .option("--db <PATH>", "a monitor history database (chainproof monitor's) for the Monitor page")
    .addHelpText(
      "after",
      "\nEvery API call needs the access token, on every address (loopback too). serve\nprints it on stderr as a http://127.0.0.1:8420/#token=… link: open it, or send\nAuthorization: Bearer TOKEN from scripts. Key export asks for the keystore\npassphrase again.\n\nChecks may reach loopback targets (127.0.0.1, ::1: the lab, a local server) while\nserve is bound to loopback, its default; bound to another address they are\nrefused unless --allow-private. Private, link-local and cloud-metadata addresses\nare refused unless --allow-private. AIA fetches do not reach loopback (the lab's\nexcepted).\n",
    )
    .action(async (opts) => {
      const { runServe } = await import("./commands/serve.js");
      process.exitCode = await runServe(opts);
    });

  program
    .command("monitor")
    .description(
      "watch a list of endpoints: check each on a schedule, keep the history, alert when something changes or breaks",
    )
    .option(
      "--targets <FILE>",
      "the list: host[:port] [sni] per line, then clients= interval= store= label.NAME=",
    )
    .option("--db <PATH>", "the history database (default $XDG_DATA_HOME/chainproof/monitor.db)")
    .option("--interval <DURATION>", "check each target this often unless its line says (e.g. 15m, 1h)", "1h")
    .option("--once", "check every target once, print the round and exit (0 all trusted, 1 not, 2 bad input)")
    .option("--json", "print each round as JSON (schema: docs/schemas/monitor-round.schema.json)")
    .option(
      "--on-alert <CMD>",
      "run CMD (with the shell) for each alert, the alert as JSON on its standard input",
    )
    .option("--alert-log <FILE>", "append each alert as a JSON line to FILE (- for standard output)")
    .option("--client <NAME>", "clients for targets whose line names none (default salesforce)")
    .option("--store <NAME>", "trust store for targets whose line names none (mozilla, fpki, a path, …)")
    .option("--store-password-env <VAR>", "password of a keystore/PKCS#12 trust store, from variable VAR")
    .option("--timeout <SECONDS>", "give up on a target's connection after SECONDS", "10")
    .option("--concurrency <N>", "targets checked at once", "16")
    .option("--keep <AGE|COUNT>", "remove results older than AGE (90d) or past the newest COUNT per target")
    .option("--remind <DURATION>", "remind of a problem that stays after this long", "24h")
    .option("--no-aia", "do not fetch missing intermediates from AIA URLs")
    .option("--allow-private", "let AIA fetches reach private and loopback addresses")
    .option("--metrics-port <N>", "serve Prometheus metrics on http://HOST:N/metrics while running")
    .option("--metrics-host <ADDR>", "address of the metrics server (default 127.0.0.1)")
    .option("--webhook <URL>", "POST each alert to URL (repeatable; docs/monitor.md)", collect, [])
    .option("--webhook-format <FORMAT>", "the webhook payload: generic (the alert's JSON), slack, teams")
    .option("--webhook-header <HEADER>", "'Name: value' sent with each webhook (repeatable)", collect, [])
    .option("--smtp <URL>", "send each alert by e-mail: smtp://[user:pass@]host[:port] or smtps://…")
    .option("--mail-from <ADDR>", "the sender of alert e-mails")
    .option("--mail-to <ADDR>", "a recipient of alert e-mails (repeatable)", collect, [])
    .option("--channel-timeout <SECONDS>", "give up on one webhook or SMTP delivery after SECONDS (10)")
    .option("--channel-allow-private", "let webhooks and SMTP reach private and loopback addresses")
    .option("--retry-after <DURATION>", "the first wait before retrying a failed delivery; doubles (30s)")
    .option("--retry-max-wait <DURATION>", "the longest wait between two delivery attempts (1h)")
    .option("--retry-attempts <N>", "attempts per delivery before it is given up (kept, shown) (12)")
    .option("--retry-max-age <DURATION>", "no retry once the alert is this old (2d)")
    .option("--once-attempts <N>", "with --once: attempts per delivery within this run (3)")
    .option("--once-window <DURATION>", "with --once: the time this run may spend on retries (10s)")
    .option("--workers <N>", "with a postgres:// --db: 0 checks in this process, not through the job queue")
    .option("--lease <DURATION>", "with a postgres:// --db: a job a worker took comes back after this (30s)")
    .option(
      "--worker-wait <DURATION>",
      "with a postgres:// --db: say no worker runs after this without a result (30s)",
    )
    .action(async (opts) => {
      const { runMonitorCommand } = await import("./commands/monitor.js");
      process.exitCode = await runMonitorCommand(opts);
    });

  program
    .command("worker")
    .description("take the monitor's check jobs from its PostgreSQL job queue: check, store, repeat")
    .option("--db <URL>", "the monitor's PostgreSQL database (postgres://USER:PASSWORD@HOST:PORT/DB)")
    .option("--concurrency <N>", "jobs at once", "16")
    .option("--store-password-env <VAR>", "password of a keystore/PKCS#12 trust store, from variable VAR")
    .option("--grace <SECONDS>", "on SIGTERM, let checks in flight finish this long", "10")
    .option("--verbose", "print each result stored")
    .action(async (opts) => {
      const { runWorkerCommand } = await import("./commands/worker.js");
      process.exitCode = await runWorkerCommand(opts);
    });

  program
    .command("history")
    .description("a monitored target's results over time, changes marked")
    .argument(
      "<target>",
      "the target as the monitor lists it (host:port [sni]), or a unique host or host:port",
    )
    .option("--db <PATH>", "the history database (default $XDG_DATA_HOME/chainproof/monitor.db)")
    .option("--limit <N>", "the newest N results", "50")
    .option("--json", "print JSON (docs/monitor.md)")
    .action(async (target: string, opts) => {
      const { runHistoryCommand } = await import("./commands/monitor.js");
      process.exitCode = await runHistoryCommand(target, opts);
    });

  program
    .command("alerts")
    .description("the monitor's alerts, newest first, with their delivery state")
    .option("--db <PATH>", "the history database (default $XDG_DATA_HOME/chainproof/monitor.db)")
    .option("--target <TARGET>", "only this target's alerts")
    .option("--undelivered", "only alerts a channel has not delivered")
    .option("--limit <N>", "the newest N alerts", "50")
    .option("--json", "print JSON (docs/monitor.md)")
    .action(async (opts) => {
      const { runAlertsCommand } = await import("./commands/monitor.js");
      process.exitCode = await runAlertsCommand(opts);
    });

  program
    .command("completion")
    .description("print a shell completion script: bash, zsh or fish (see docs/cli.md to install it)")
    .addArgument(new Argument("<shell>", "bash, zsh or fish").choices(["bash", "zsh", "fish"]))
    .action(async (shell: string) => {
      const { runCompletion } = await import("./commands/completion.js");
      process.exitCode = runCompletion(program, shell);
    });

  const others = program.commands.map((c) => c.name());
  // completion (and the man page, which passes no word) describe every command, keys included.
  if (commandWord === undefined || commandWord === "completion" || !others.includes(commandWord)) {
    const { registerKeys } = await import("./commands/keys.js");
    registerKeys(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let output: "text" | "json" | "ndjson" = "text";
  let walked: CommandPath | undefined;
  const fail = (e: unknown): number => {
    const failure = failureOf(e, walked && `see chainproof ${[...walked.path, ""].join(" ")}--help`);
    const names = (walked?.command?.commands ?? []).map((c) => c.name()).join(", ");
    if (failure.code === "unknown-command" && !/did you mean/.test(failure.message)) {
      failure.message += ` (the commands: ${names})`;
    }
    if (failure.code === "missing-command") {
      failure.message = `${["chainproof", ...(walked?.path ?? [])].join(" ")} needs a command: ${names}`;
    }
    reportFailure(failure, output);
    if (process.env.CHAINPROOF_DEBUG && e instanceof Error) process.stderr.write(`${e.stack ?? ""}\n`);
    return failure.exit;
  };
  // An error thrown outside the command's promise (an event handler, a timer) ends the run the same way.
  process.once("uncaughtException", (e) => process.exit(fail(e)));
  try {
    const args = withoutColorOptions(argv.slice(2));
    output = outputOf(args);
    const fast = fastCommand(args);
    if (fast) {
      walked = { path: [args[0]], command: undefined };
      await fast();
    } else {
      const program = await buildProgram(args.find((a) => !a.startsWith("-")));
      const path = commandPath(program, args);
      walked = path;
      // Reported before commander sees the rest: `chainproof nosuch --help` is not the top-level help.
      if (path.unknown !== undefined) await path.command.parseAsync([path.unknown], { from: "user" });
      await program.parseAsync([...argv.slice(0, 2), ...args]);
    }
    return typeof process.exitCode === "number" ? process.exitCode : EXIT_OK;
  } catch (e) {
    // --help and --version exit through here with code 0.
    if (isCommanderError(e) && e.exitCode === 0) return EXIT_OK;
    return fail(e);
  }
}

/** The command words of a command line, the command they lead to, and the first word naming none. */
interface CommandPath {
  path: string[];
  command: Command | undefined;
  unknown?: string;
}

/**
 * Follow the command words of `args` down the commander tree: `roots list` → [roots, list]. The first word
 * that names no subcommand of a command that has some is `unknown`: it is reported before anything else, so
 * `chainproof nosuch --help` is an unknown command (exit 2), not the top-level help.
 */
function commandPath(program: Command, args: readonly string[]): CommandPath & { command: Command } {
  let command = program;
  const path: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    if (word.startsWith("-") || command.commands.length === 0) break;
    // `help CMD` asks for CMD's help: CMD must exist too.
    if (word === "help" && command === program && i + 1 < args.length) continue;
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) return word === "help" ? { path, command } : { path, command, unknown: word };
    path.push(word);
    command = sub;
  }
  return { path, command };
}

/** What a failure prints on stdout: an error document with --json (one line with --ndjson), else nothing. */
function outputOf(args: readonly string[]): "text" | "json" | "ndjson" {
  const options = args.includes("--") ? args.slice(0, args.indexOf("--")) : args;
  if (options.includes("--json")) return "json";
  return options.includes("--ndjson") ? "ndjson" : "text";
}

/**
 * `--color[=WHEN]`, `--color WHEN` and `--no-color` anywhere before `--`, applied and taken out of the command
 * line (every command takes them, the fast path too). `--color` alone means always, as in ls and git.
 */
function withoutColorOptions(args: readonly string[]): string[] {
  const rest: string[] = [];
  let mode: ColorMode | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      rest.push(...args.slice(i));
      break;
    }
    if (arg === "--no-color") mode = "never";
    else if (arg === "--color") {
      const next = args[i + 1];
      if (COLOR_MODES.includes(next as ColorMode)) {
        mode = next as ColorMode;
        i++;
      } else mode = "always";
    } else if (arg.startsWith("--color=")) {
      const value = arg.slice("--color=".length);
      if (!COLOR_MODES.includes(value as ColorMode)) {
        throw new InputError(`--color=${value}: choose auto, always or never`, "invalid-argument");
      }
      mode = value as ColorMode;
    } else rest.push(arg);
  }
  if (mode) setColorMode(mode);
  return rest;
}

/**
 * Run when started as the program (`node dist/src/cli/main.js`); bin/chainproof.js imports the bundle and
 * calls main itself, and scripts/gen-man.ts imports buildProgram without running anything.
 */
function startedAsProgram(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

// Not a top-level await: the bundle is CommonJS (scripts/bundle-cli.ts), which has none.
if (startedAsProgram()) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
