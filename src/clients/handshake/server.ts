/**
 * What the enumeration learnt about a server's TLS, as the simulation and the findings read it. The
 * network side (src/net/tls-enum) fills it; everything here is plain data.
 */

import type { TlsVersion } from "./suites.js";

/** "yes"/"no" as the server answered; "unknown" when the probe failed (timeout, reset, …). */
export type Support = "yes" | "no" | "unknown";

export interface TlsServerProfile {
  versions: Record<TlsVersion, Support>;
  /** Per supported version: the suites it accepts, in the order it prefers them when it enforces one. */
  suites: Partial<Record<TlsVersion, number[]>>;
  /** Per version: the server picks by its own order (true), the client's (false), or unknown (one suite, …). */
  serverOrder: Partial<Record<TlsVersion, boolean | null>>;
  /** Groups accepted in TLS 1.3 and for ECDHE in TLS 1.2 (absent: not probed). */
  groups: { "TLSv1.3"?: number[]; "TLSv1.2"?: number[] };
  /** Signature algorithms the server can sign with, at its newest version (absent: not probed). */
  signatureAlgorithms?: number[];
  /**
   * How the server answers a hello offering only TLS 1.3 and 1.2 when it speaks neither (absent when it
   * speaks one): a ServerHello for an older version, an alert, or a closed connection.
   */
  modernHelloAnswer?: { chose?: TlsVersion; alert?: number; closed?: boolean };
  /** With no SNI the server still answers (false: it fails), and sends the same certificate. */
  sni?: { answersWithout: boolean; sameCertificate: boolean | null };
}
