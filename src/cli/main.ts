/**
 * chainproof CLI entry. Commands load their modules on demand so `chainproof decode` starts fast.
 * Exit codes: 0 success / trusted, 1 a verdict of "not trusted" (or findings at the asked level), 2 bad input.
 */

import { Command, CommanderError } from "commander";
import { InputError } from "../x509/errors.js";

export const EXIT_OK = 0;
export const EXIT_UNTRUSTED = 1;
export const EXIT_BAD_INPUT = 2;

function passwordOptions(cmd: Command): Command {
  return cmd
    .option("--password-env <VAR>", "read the keystore/PKCS#12 password from environment variable VAR")
    .option("--password-file <FILE>", "read the keystore/PKCS#12 password from the first line of FILE");
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
