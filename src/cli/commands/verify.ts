/**
 * `chainproof verify --chain FILE [--client NAME|all] [--store NAME|--roots FILE] [--host NAME|--ip ADDR]
 *  [--at TIME] [--purpose server|client] [--eku OID…] [--policy OID…] [--explicit-policy]
 *  [--inhibit-policy-mapping] [--inhibit-any-policy] [--crl FILE…] [--revocation off|soft-fail|require] [--json]`
 *
 * The first certificate of FILE is the server's own (the leaf); all of FILE is what the server "sends", in
 * order. `--leaf FILE` names the leaf separately. Exit status: 0 when every client asked trusts the chain,
 * 1 when one does not (or cannot be decided offline), 2 for input that cannot be used.
 * JSON output is documented in docs/verify.md.
 */

import { runVerifyWithLints as verifyChain } from "../../app/verify.js";
import { InputError } from "../../x509/errors.js";
import { type PasswordOptions, passwordFrom } from "../io.js";
import { sentLintsText } from "../render/lints.js";
import { renderMatrix } from "../render/matrix.js";
import { styleFor } from "../style.js";
import { quietOnClosedPipe, storeOptions } from "./roots.js";

const EXIT_OK = 0;
const EXIT_UNTRUSTED = 1;

export interface VerifyOptions extends PasswordOptions {
  chain?: string;
  leaf?: string;
  client?: string;
  store?: string;
  roots?: string;
  storePasswordEnv?: string;
  host?: string;
  ip?: string;
  at?: string;
  purpose?: string;
  eku?: string | string[];
  policy?: string | string[];
  explicitPolicy?: boolean;
  inhibitPolicyMapping?: boolean;
  inhibitAnyPolicy?: boolean;
  crl?: string | string[];
  revocation?: string;
  json?: boolean;
}

/** A repeatable or variadic option's values; commas separate values too (--policy A,B). */
function list(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(",")).filter((x) => x !== "");
}

export async function runVerify(opts: VerifyOptions): Promise<number> {
  if (!opts.chain && !opts.leaf)
    throw new InputError("give the chain to check: --chain FILE (or --leaf FILE)", "usage");
  if (opts.store && opts.roots) throw new InputError("give --store or --roots, not both", "usage");
  quietOnClosedPipe();
  const storeSpec = opts.roots ?? opts.store;
  const run = await verifyChain({
    ...(opts.chain ? { chain: opts.chain } : {}),
    ...(opts.leaf ? { leaf: opts.leaf } : {}),
    password: passwordFrom(opts),
    clients: opts.client,
    ...(storeSpec ? storeOptions(storeSpec, opts) : {}),
    host: opts.host,
    ip: opts.ip,
    at: opts.at,
    purpose: opts.purpose,
    eku: list(opts.eku),
    policies: list(opts.policy),
    explicitPolicy: opts.explicitPolicy,
    inhibitPolicyMapping: opts.inhibitPolicyMapping,
    inhibitAnyPolicy: opts.inhibitAnyPolicy,
    crls: opts.crl === undefined ? undefined : Array.isArray(opts.crl) ? opts.crl : [opts.crl],
    revocation: opts.revocation,
  });
  const m = run.matrix;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(run.document, null, 2)}\n`);
  } else {
    const file = opts.chain ?? opts.leaf ?? "";
    const style = styleFor(process.stdout);
    process.stdout.write(
      renderMatrix(m, style, file ? { footer: `Checked ${file} at ${m.time}.` } : {}) +
        sentLintsText(run.document.sent, style),
    );
  }
  return m.trusted ? EXIT_OK : EXIT_UNTRUSTED;
}
