/**
 * Enumerate a server's TLS with raw ClientHellos: versions, then per version the cipher suites and the
 * order, the groups, the signature algorithms, SNI, stapling, renegotiation, fallback SCSV and ALPN. The
 * probes run side by side, never more than `concurrency` connections to the target at once; each has its
 * own timeout (through the address guard, as every connection). A probe that fails (timeout, reset, …)
 * leaves its answer unknown and says so in `unknown`; it never fails the whole enumeration.
 */

import { performance } from "node:perf_hooks";
import {
  groupLabel,
  type Support,
  signatureSchemeLabel,
  suiteInfo,
  suiteName,
  TLS_VERSIONS,
  type TlsServerProfile,
  type TlsVersion,
  versionAtLeast,
} from "../../clients/handshake/index.js";
import { InputError } from "../../x509/errors.js";
import type { HelloOptions } from "../hello.js";
import type { ProbeTarget } from "../probe.js";
import { probeSuites } from "./ciphers.js";
import { type EnumContext, Limiter } from "./context.js";
import {
  probeFallbackScsv,
  probeModernHello,
  probeSni,
  probeTls12Facts,
  tls13Certificates,
} from "./extras.js";
import { probeGroups } from "./groups.js";
import { realHandshake, sniName } from "./handshake.js";
import { probeResumption, type Resumption } from "./resumption.js";
import { probeSignatureAlgorithms } from "./sigalgs.js";
import { probeVersion, type VersionResult } from "./versions.js";

export interface EnumerateOptions extends Omit<HelloOptions, "versions" | "offer" | "stopAtServerHello"> {
  /** Connections open at once to the target (default 8, at most 32). */
  concurrency?: number;
}

export const MAX_CONCURRENCY = 32;

/** The enumeration as `--json` prints it (docs/schemas/tls.schema.json, `enumeration`). */
export interface TlsEnumeration {
  versions: { version: TlsVersion; supported: boolean | null; note?: string }[];
  /** Per version spoken. */
  suites: Partial<Record<TlsVersion, { serverOrder: boolean | null; suites: SuiteJson[] }>>;
  groups: { "TLSv1.3"?: string[]; "TLSv1.2"?: string[] };
  signatureAlgorithms: string[] | null;
  /** The ALPN protocol chosen from h2 and http/1.1 (TLS ≤ 1.2 from a raw hello, else a TLS 1.3 handshake). */
  alpn: string | null;
  /** Null when the server speaks no version node's TLS can complete a handshake in. */
  resumption: Resumption | null;
  sni: { answersWithout: boolean; sameCertificate: boolean | null } | null;
  ocspStapling: boolean | null;
  secureRenegotiation: boolean | null;
  fallbackScsv: boolean | null;
  /** What could not be learnt (a probe timed out, was reset, …). */
  unknown: string[];
  connections: number;
  concurrency: number;
  elapsedMs: number;
}

export interface SuiteJson {
  id: string;
  name: string;
  keyExchange: string;
  forwardSecrecy: boolean;
  weaknesses: string[];
}

export interface EnumerationRun {
  enumeration: TlsEnumeration;
  /** The same facts as the simulation reads them. */
  profile: TlsServerProfile;
}

export async function enumerateTls(target: ProbeTarget, o: EnumerateOptions = {}): Promise<EnumerationRun> {
  const { concurrency = 8, ...hello } = o;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY)
    throw new InputError(`--tls-connections must be a whole number from 1 to ${MAX_CONCURRENCY}`, "usage");
  const start = performance.now();
  const ctx: EnumContext = { target, hello, limiter: new Limiter(concurrency), unknown: [], connections: 0 };

  const versionResults = await Promise.all(TLS_VERSIONS.map((v) => probeVersion(ctx, v)));
  const support = Object.fromEntries(versionResults.map((r) => [r.version, r.support])) as Record<
    TlsVersion,
    Support
  >;
  const spoken = TLS_VERSIONS.filter((v) => support[v] === "yes");
  const top = spoken[spoken.length - 1];
  const tls12ish = [...spoken].reverse().find((v) => v !== "TLSv1.3");

  const tls13Only = support["TLSv1.3"] === "yes" && !tls12ish;
  const [suiteResults, groups13, groups12, rawSni, facts, fallback, modern, resumed, noSni] =
    await Promise.all([
      Promise.all(spoken.map((v) => probeSuites(ctx, v, Math.max(1, Math.floor(concurrency / 2))))),
      support["TLSv1.3"] === "yes" ? probeGroups(ctx, "TLSv1.3") : undefined,
      support["TLSv1.2"] === "yes" ? probeGroups(ctx, "TLSv1.2") : undefined,
      top && sniName(target) ? probeSni(ctx, tls12ish ?? top) : undefined,
      tls12ish ? probeTls12Facts(ctx, tls12ish) : undefined,
      probeFallbackScsv(ctx, spoken),
      support["TLSv1.3"] === "no" && support["TLSv1.2"] === "no" ? probeModernHello(ctx) : undefined,
      probeResumption(ctx, spoken),
      // TLS 1.3 encrypts the certificate: without TLS 1.2, only a completed handshake without SNI shows it.
      tls13Only && sniName(target) ? realHandshake(ctx, { version: "TLSv1.3", sni: false }) : undefined,
    ]);
  const sni = rawSni && tls13Only ? tls13Certificates(ctx, rawSni, resumed.tls13, noSni) : rawSni;
  const topSuites = suiteResults.find((r) => r.version === top)?.suites ?? [];
  // signature_algorithms exists from TLS 1.2 on: an older server ignores it.
  const sigalgs =
    top && versionAtLeast(top, "TLSv1.2") && topSuites.length
      ? await probeSignatureAlgorithms(ctx, top, topSuites)
      : undefined;

  const profile: TlsServerProfile = {
    versions: support,
    suites: Object.fromEntries(suiteResults.map((r) => [r.version, r.suites])),
    serverOrder: Object.fromEntries(suiteResults.map((r) => [r.version, r.serverOrder])),
    groups: {
      ...(groups13 ? { "TLSv1.3": groups13 } : {}),
      ...(groups12 ? { "TLSv1.2": groups12 } : {}),
    },
    ...(sigalgs ? { signatureAlgorithms: sigalgs } : {}),
    ...(modern ? { modernHelloAnswer: modern } : {}),
    ...(sni ? { sni } : {}),
  };
  const enumeration: TlsEnumeration = {
    versions: versionResults.map(versionJson),
    suites: Object.fromEntries(
      suiteResults.map((r) => [r.version, { serverOrder: r.serverOrder, suites: r.suites.map(suiteJson) }]),
    ),
    groups: {
      ...(groups13 ? { "TLSv1.3": groups13.map(groupLabel) } : {}),
      ...(groups12 ? { "TLSv1.2": groups12.map(groupLabel) } : {}),
    },
    signatureAlgorithms: sigalgs?.map(signatureSchemeLabel) ?? null,
    alpn: facts?.alpn ?? resumed.tls13?.alpn ?? null,
    resumption: Object.values(resumed.resumption).some(Boolean) ? resumed.resumption : null,
    sni: sni ?? null,
    ocspStapling: facts?.ocspStapling ?? null,
    secureRenegotiation: facts?.secureRenegotiation ?? null,
    fallbackScsv: fallback,
    unknown: [...new Set(ctx.unknown)],
    connections: ctx.connections,
    concurrency,
    elapsedMs: Math.round(performance.now() - start),
  };
  return { enumeration, profile };
}

function versionJson(r: VersionResult): TlsEnumeration["versions"][number] {
  const supported = r.support === "unknown" ? null : r.support === "yes";
  return { version: r.version, supported, ...(r.note && r.support !== "yes" ? { note: r.note } : {}) };
}

function suiteJson(id: number): SuiteJson {
  const s = suiteInfo(id);
  return {
    id: `0x${id.toString(16).padStart(4, "0")}`,
    name: suiteName(id),
    keyExchange: s?.keyExchange ?? "unknown",
    forwardSecrecy: s?.forwardSecrecy ?? false,
    weaknesses: s?.weaknesses ?? [],
  };
}
