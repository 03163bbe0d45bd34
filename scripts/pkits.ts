/**
 * NIST PKITS harness: runs the 249 test invocations of the classic RFC 5280 path-validation suite through
 * verifyChain with the `rfc5280` profile and compares each verdict (and, for a valid path, the
 * user-constrained policy set) with what PKITS expects.
 *
 *   npm run pkits -- [--only PREFIX] [--baseline FILE] [--list-divergences] [--json]
 *
 * Mapping of a test to the policy:
 * - certs[0] (the trust anchor) → anchors; certs[1..] → presented (the path builder orders them; a CRL
 *   signer's certificate is among them when the test has one); the last → leaf;
 * - crls → crls, with revocation "require" (PKITS expects a path with a certificate no CRL covers to fail);
 * - the four initial inputs of RFC 5280 §6.1.1 → initialPolicies, initialExplicitPolicy,
 *   initialPolicyMappingInhibit, initialAnyPolicyInhibit;
 * - nonCriticalConstraints "accept": PKITS expects a relying party to process a non-critical basicConstraints
 *   or policyConstraints (RFC 5280 only tells CAs to mark them critical), as OpenSSL does;
 * - no peer name and no required extended key usage: PKITS tests path validation, not TLS.
 *
 * The data is committed as test/data/pkits/pkits.json (the tests, and the names of the objects in order) and
 * test/data/pkits/pkits.der (those certificates then those CRLs, DER, one after another).
 */

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Crl, parseCrl, verifyChain } from "../src/verify/index.js";
import { type Certificate, parseCertificate } from "../src/x509/certificate.js";
import { readTlv } from "../src/x509/der.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const DEFAULT_DATA = join(ROOT, "test/data/pkits");
export const DEFAULT_BASELINE = join(ROOT, "test/data/pkits/baseline.json");

export interface PkitsTest {
  id: string;
  name: string;
  section: string;
  certs: string[];
  crls: string[];
  initial_policy_set: string[];
  initial_explicit_policy: boolean;
  initial_policy_mapping_inhibit: boolean;
  initial_inhibit_any_policy: boolean;
  should_validate: boolean;
  user_constrained_policy_set: string[];
}

export interface PkitsSuite {
  time: Date;
  tests: PkitsTest[];
  /** DER: a certificate is parsed by the test that uses it (one of PKITS's does not parse, on purpose). */
  certs: Map<string, Uint8Array>;
  /** A CRL that does not parse (one of PKITS's has a corrupted signature) is the parser's error. */
  crls: Map<string, Crl | Error>;
}

export interface PkitsResult {
  id: string;
  expected: boolean;
  actual: boolean;
  /** The verdict and, for a valid path, the user-constrained policy set are as PKITS expects. */
  pass: boolean;
  /** Why the chain was refused (error codes and the first finding), or the policy set that differs. */
  context: string;
}

export interface Baseline {
  passes: number;
  total: number;
  /** id → one-line reason: which side is right and why. */
  divergences: Record<string, string>;
}

/** Read the committed suite: the index, then the DER objects it names, in order. */
export function loadPkits(dir = DEFAULT_DATA): PkitsSuite {
  const index = JSON.parse(readFileSync(join(dir, "pkits.json"), "utf8")) as {
    version: number;
    time: string;
    certs: string[];
    crls: string[];
    tests: PkitsTest[];
  };
  if (index.version !== 1) throw new Error("unsupported PKITS index: expected version 1");
  const der = new Uint8Array(readFileSync(join(dir, "pkits.der")));
  const objects: Uint8Array[] = [];
  for (let p = 0; p < der.length; ) {
    const t = readTlv(der, p, der.length);
    objects.push(der.subarray(t.start, t.end));
    p = t.end;
  }
  if (objects.length !== index.certs.length + index.crls.length)
    throw new Error(
      `pkits.der holds ${objects.length} objects, the index names ${index.certs.length + index.crls.length}`,
    );
  const certs = new Map(index.certs.map((n, i) => [n, objects[i]]));
  const crls = new Map(index.crls.map((n, i) => [n, parseOrError(objects[index.certs.length + i])]));
  return { time: new Date(index.time), tests: index.tests, certs, crls };
}

function parseOrError(der: Uint8Array): Crl | Error {
  try {
    return parseCrl(der);
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

const ANY_POLICY = "2.5.29.32.0";

export function runTest(t: PkitsTest, suite: PkitsSuite): PkitsResult {
  const cert = (n: string) => {
    const c = suite.certs.get(n);
    if (!c) throw new Error(`${t.id}: no certificate ${n}`);
    return c;
  };
  let leaf: Certificate;
  let anchor: Certificate;
  try {
    leaf = parseCertificate(cert(t.certs[t.certs.length - 1]));
    anchor = parseCertificate(cert(t.certs[0]));
  } catch (e) {
    const context = `malformed-certificate: ${e instanceof Error ? e.message : e}`;
    return { id: t.id, expected: t.should_validate, actual: false, pass: !t.should_validate, context };
  }
  // A CRL that does not parse is left out, as a client drops a CRL it cannot read: the certificates it
  // would cover then have no usable CRL.
  const crls: Crl[] = [];
  for (const n of t.crls) {
    const c = suite.crls.get(n);
    if (!c) throw new Error(`${t.id}: no CRL ${n}`);
    if (!(c instanceof Error)) crls.push(c);
  }
  const r = verifyChain({
    leaf,
    presented: t.certs.slice(1, -1).map(cert),
    anchors: [{ cert: anchor, name: t.certs[0] }],
    policy: {
      time: suite.time,
      purpose: "server",
      requiredEku: [],
      profile: "rfc5280",
      nonCriticalConstraints: "accept",
      allowNonSelfSignedAnchors: false,
      crls,
      revocation: "require",
      initialPolicies: t.initial_policy_set,
      initialExplicitPolicy: t.initial_explicit_policy,
      initialPolicyMappingInhibit: t.initial_policy_mapping_inhibit,
      initialAnyPolicyInhibit: t.initial_inhibit_any_policy,
      diagnostics: "verdict",
    },
  });
  const base = { id: t.id, expected: t.should_validate, actual: r.trusted };
  if (!r.trusted) {
    const codes = [...new Set(r.findings.filter((f) => f.severity === "error").map((f) => f.code))];
    const first = r.findings[0];
    return {
      ...base,
      pass: !t.should_validate,
      context: `${codes.join(",")}${first ? `: ${first.detail}` : ""}`,
    };
  }
  if (!t.should_validate) return { ...base, pass: false, context: "accepted" };
  const got = [...(r.policies ?? [])].sort();
  const want = [...t.user_constrained_policy_set].sort();
  const same = got.length === want.length && got.every((p, i) => p === want[i]);
  // PKITS writes the set of a path valid for any policy as {anyPolicy}; so do we.
  return {
    ...base,
    pass: same,
    context: same ? "" : `user-constrained policy set ${fmt(got)}, PKITS expects ${fmt(want)}`,
  };
}

const fmt = (s: string[]) => `{${s.map((p) => (p === ANY_POLICY ? "anyPolicy" : p)).join(", ")}}`;

export function runPkits(opts: { only?: string; dir?: string } = {}): PkitsResult[] {
  const suite = loadPkits(opts.dir);
  return suite.tests.filter((t) => !opts.only || t.id.startsWith(opts.only)).map((t) => runTest(t, suite));
}

export function loadBaseline(path = DEFAULT_BASELINE): Baseline {
  return JSON.parse(readFileSync(path, "utf8")) as Baseline;
}

function main(argv: string[]): void {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const t0 = performance.now();
  const results = runPkits({ only: arg("--only") });
  const ms = performance.now() - t0;
  if (argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify({ version: 1, harness: "chainproof", results }, null, 1)}\n`);
    return;
  }
  const bySection = new Map<string, { pass: number; total: number }>();
  for (const r of results) {
    const s = r.id.split(".").slice(0, 2).join(".");
    const e = bySection.get(s) ?? { pass: 0, total: 0 };
    e.total++;
    if (r.pass) e.pass++;
    bySection.set(s, e);
  }
  for (const [s, e] of bySection) console.log(`${s.padEnd(6)} ${String(e.pass).padStart(3)} / ${e.total}`);
  const passes = results.filter((r) => r.pass).length;
  console.log(
    `\n${passes} of ${results.length} as PKITS expects (${((100 * passes) / results.length).toFixed(2)} %), ${Math.round(ms)} ms`,
  );
  const baseline = loadBaseline(arg("--baseline") ?? DEFAULT_BASELINE);
  const failing = results.filter((r) => !r.pass);
  const unexplained = failing.filter((r) => !(r.id in baseline.divergences));
  if (argv.includes("--list-divergences") || unexplained.length) {
    for (const r of argv.includes("--list-divergences") ? failing : unexplained) {
      const why = baseline.divergences[r.id];
      console.log(
        `  ${r.id} expected ${r.expected ? "valid" : "invalid"}: ${r.context}${why ? `\n      (${why})` : ""}`,
      );
    }
  }
  if (!arg("--only") && passes < baseline.passes) {
    console.log(`below the baseline (${baseline.passes})`);
    process.exitCode = 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main(process.argv.slice(2));
