/** Certificates as SAML talks about them: one-line descriptions for messages, and comparisons. */

import type { Certificate } from "../x509/certificate.js";

const DAY_MS = 86_400_000;

/** "AB:CD:EF:…" uppercase colon hex of the SHA-256 fingerprint. */
export function fingerprint(cert: Certificate): string {
  return (cert.sha256.toUpperCase().match(/.{2}/g) ?? []).join(":");
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** "RSA 2048", "EC P-256". */
export function keyText(cert: Certificate): string {
  const k = cert.publicKey;
  if (k.algorithm === "EC") return `EC ${k.curve ?? ""}`.trim();
  return k.bits !== undefined ? `${k.algorithm} ${k.bits}` : k.algorithm;
}

/** "1C:CF:ED:38…77:28": enough of the SHA-256 to tell certificates apart in a sentence. */
export function shortFingerprint(cert: Certificate): string {
  const f = fingerprint(cert);
  return `${f.slice(0, 11)}…${f.slice(-5)}`;
}

/** '"idp.example" (SHA-256 1C:CF:ED:38…77:28, valid 2026-06-01 to 2036-06-01)' */
export function describeCert(cert: Certificate): string {
  return `"${cert.label}" (SHA-256 ${shortFingerprint(cert)}, valid ${day(cert.notBefore)} to ${day(cert.notAfter)})`;
}

export function sameCert(a: Certificate, b: Certificate): boolean {
  return a.sha256 === b.sha256;
}

export function sameKey(a: Certificate, b: Certificate): boolean {
  return a.spkiSha256 === b.spkiSha256;
}

export type Validity = "valid" | "expired" | "not-yet-valid";

export function validityAt(cert: Certificate, at: Date): Validity {
  const t = at.getTime();
  if (t < cert.notBefore.getTime()) return "not-yet-valid";
  if (t > cert.notAfter.getTime()) return "expired";
  return "valid";
}

/** Whole days from `at` to notAfter (negative once expired). */
export function daysLeft(cert: Certificate, at: Date): number {
  return Math.floor((cert.notAfter.getTime() - at.getTime()) / DAY_MS);
}

export function isoDay(d: Date): string {
  return day(d);
}
