/**
 * The server's behaviour beyond versions and suites, each from one or two hellos: SNI (does it answer
 * without, with the same certificate), OCSP stapling, secure renegotiation (RFC 5746), TLS_FALLBACK_SCSV
 * (RFC 7507), ALPN, and how it answers a client that speaks only TLS 1.3 and 1.2. The certificate and the
 * stapled response are plaintext only up to TLS 1.2, so these use TLS 1.2 when the server speaks it.
 */

import { Buffer } from "node:buffer";
import {
  SCSV,
  suitesUsableIn,
  type TlsServerProfile,
  type TlsVersion,
} from "../../clients/handshake/index.js";
import { EXTENSIONS } from "../tls-names.js";
import { type Answer, ask, type EnumContext } from "./context.js";
import type { HandshakeSeen } from "./handshake.js";
import { ALL_GROUPS } from "./versions.js";

const offerFor = (v: TlsVersion) => ({
  suites: suitesUsableIn(v).map((s) => s.id),
  groups: ALL_GROUPS,
  keyShares: [29, 23, 24],
});

export interface Tls12Facts {
  ocspStapling: boolean;
  secureRenegotiation: boolean;
  alpn: string | null;
}

/** One full TLS ≤ 1.2 flight with SNI and ALPN offered: stapling, renegotiation_info, the chosen protocol. */
export async function probeTls12Facts(
  ctx: EnumContext,
  version: TlsVersion,
): Promise<Tls12Facts | undefined> {
  const a = await ask(
    ctx,
    [version],
    { ...offerFor(version), alpn: ["h2", "http/1.1"] },
    { stopAtServerHello: false },
  );
  if (a.kind !== "hello") {
    if (a.kind === "failed") ctx.unknown.push(`OCSP stapling, renegotiation, ALPN: ${a.message}`);
    return undefined;
  }
  return {
    ocspStapling: Boolean(a.result.ocsp),
    secureRenegotiation: a.result.serverExtensions.includes(EXTENSIONS.renegotiationInfo),
    alpn: a.result.alpn ?? null,
  };
}

/** With and without SNI: does the server answer, and with the same certificate (TLS ≤ 1.2 only shows it)? */
export async function probeSni(ctx: EnumContext, version: TlsVersion): Promise<TlsServerProfile["sni"]> {
  const flight = version !== "TLSv1.3";
  const [withSni, without] = await Promise.all([
    ask(ctx, [version], offerFor(version), { stopAtServerHello: !flight }),
    ask(ctx, [version], offerFor(version), { stopAtServerHello: !flight, sni: false }),
  ]);
  if (withSni.kind === "failed" || without.kind === "failed") {
    ctx.unknown.push("SNI behaviour: a probe failed");
    return undefined;
  }
  const answersWithout = without.kind === "hello" || without.kind === "retry";
  if (!answersWithout || !flight) return { answersWithout, sameCertificate: null };
  const leaf = (x: Answer) => x.result.certificates[0];
  const a = leaf(withSni);
  const b = leaf(without);
  return { answersWithout, sameCertificate: a && b ? Buffer.from(a).equals(Buffer.from(b)) : null };
}

/**
 * A TLS 1.3-only server's certificate with and without SNI, from complete handshakes (TLS 1.3 encrypts it):
 * fills in `sameCertificate`, which the raw hellos leave null there.
 */
export function tls13Certificates(
  ctx: EnumContext,
  sni: NonNullable<TlsServerProfile["sni"]>,
  withSni: HandshakeSeen | undefined,
  withoutSni: HandshakeSeen | undefined,
): TlsServerProfile["sni"] {
  const [a, b] = [withSni?.leaf, withoutSni?.leaf];
  if (!sni.answersWithout) return sni;
  if (!a || !b) {
    const failure = withoutSni?.failure ?? withSni?.failure;
    ctx.unknown.push(`the TLS 1.3 certificate without SNI${failure ? `: ${failure}` : ""}`);
    return sni;
  }
  return { ...sni, sameCertificate: Buffer.from(a).equals(Buffer.from(b)) };
}

/**
 * RFC 7507: offered a version below its best plus TLS_FALLBACK_SCSV, a server that knows it refuses with
 * inappropriate_fallback (86). Null when the server speaks one version only (nothing to fall back to).
 */
export async function probeFallbackScsv(ctx: EnumContext, spoken: TlsVersion[]): Promise<boolean | null> {
  if (spoken.length < 2) return null;
  const lower = spoken[spoken.length - 2];
  const offer = offerFor(lower);
  const a = await ask(ctx, [lower], { ...offer, suites: [...offer.suites, SCSV.fallback] });
  if (a.kind === "refused") return a.alert === 86;
  if (a.kind === "failed") {
    ctx.unknown.push(`fallback SCSV: ${a.message}`);
    return null;
  }
  return false;
}

/** How a server speaking neither TLS 1.3 nor 1.2 answers a client that offers only those (every client here). */
export async function probeModernHello(ctx: EnumContext): Promise<TlsServerProfile["modernHelloAnswer"]> {
  const a = await ask(ctx, ["TLSv1.3", "TLSv1.2"], {
    suites: [...suitesUsableIn("TLSv1.3"), ...suitesUsableIn("TLSv1.2")].map((s) => s.id),
    groups: ALL_GROUPS,
    keyShares: [29, 23],
  });
  if (a.kind === "hello") return { chose: a.result.version as TlsVersion };
  if (a.kind === "refused") return a.alert !== undefined ? { alert: a.alert } : { closed: true };
  if (a.kind === "failed") ctx.unknown.push(`the answer to a TLS 1.2/1.3 client: ${a.message}`);
  return undefined;
}
