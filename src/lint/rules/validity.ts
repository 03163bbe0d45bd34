/** Validity periods (RFC 5280 4.1.2.5; CA/B Forum BR 6.3.2 and ballot SC-081's schedule). */

import type { Certificate } from "../../x509/certificate.js";
import type { Lint } from "../types.js";
import { ALL, isTlsServer, RFC5280_DATE, SUBSCRIBER, TLS_SERVER_SCOPE, validityDays } from "../util.js";

/** A subscriber lifetime limit of BR 6.3.2 for the certificates issued between two dates. */
function maxLifetime(
  id: string,
  days: number,
  effective: string,
  ineffective?: string,
  label = `${days} days`,
): Lint {
  return {
    id,
    description: `Subscriber certificates issued${ineffective ? ` before ${ineffective}` : ""} MUST NOT be valid for more than ${label}`,
    source: { document: "CA/B Forum BR", section: "6.3.2" },
    severity: "error",
    effective,
    ineffective,
    kinds: SUBSCRIBER,
    applies: isTlsServer,
    scope: TLS_SERVER_SCOPE,
    check: (c: Certificate) => {
      const d = validityDays(c);
      return d > days ? `valid for ${groupThousands(Math.round(d))} days, more than ${label}` : undefined;
    },
  };
}

/**
 * 4018 → "4,018". Not toLocaleString: its first call loads ICU data, ~30 ms that `chainproof verify` would pay
 * for showing the lints of a long-lived certificate.
 */
function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export const VALIDITY_LINTS: Lint[] = [
  {
    id: "e_validity_not_after_before_not_before",
    description: "notAfter MUST NOT be earlier than notBefore: such a certificate is never valid",
    source: { document: "RFC 5280", section: "4.1.2.5" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) =>
      c.notAfter < c.notBefore
        ? `notAfter ${c.notAfter.toISOString()} is before notBefore ${c.notBefore.toISOString()}`
        : undefined,
  },
  {
    id: "e_validity_generalized_time_before_2050",
    description: "Dates through 2049 MUST be encoded as UTCTime, not GeneralizedTime",
    source: { document: "RFC 5280", section: "4.1.2.5" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) =>
      c.profileWarnings.filter((w) => w.code === "generalized-time-before-2050").map((w) => w.message),
  },
  maxLifetime("e_subscriber_validity_over_60_months", 1827, "2012-07-01", "2015-04-01", "60 months"),
  maxLifetime("e_subscriber_validity_over_39_months", 1188, "2015-04-01", "2018-03-01", "39 months"),
  maxLifetime("e_subscriber_validity_over_825_days", 825, "2018-03-01", "2020-09-01"),
  maxLifetime("e_subscriber_validity_over_398_days", 398, "2020-09-01", "2026-03-15"),
  maxLifetime("e_subscriber_validity_over_200_days", 200, "2026-03-15", "2027-03-15"),
  maxLifetime("e_subscriber_validity_over_100_days", 100, "2027-03-15", "2029-03-15"),
  maxLifetime("e_subscriber_validity_over_47_days", 47, "2029-03-15"),
];
