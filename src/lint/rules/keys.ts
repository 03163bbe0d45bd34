/** Public keys: algorithms, sizes, exponents, curves (CA/B Forum BR 6.1.5–6.1.6, Mozilla 5.1, RFC 3279/5480). */

import type { Certificate } from "../../x509/certificate.js";
import { OID } from "../../x509/oids.js";
import type { Lint } from "../types.js";
import { ALL, BR_DATE, isNull, RFC5280_DATE, rsaIntegers, spkiParameters } from "../util.js";

const isRsa = (c: Certificate): boolean => c.publicKey.oid === OID.rsaEncryption;
const isEc = (c: Certificate): boolean => c.publicKey.oid === OID.ecPublicKey;

/** Every kind of certificate, RSA (or ECDSA) keys only. */
const RSA_KEYS = { kinds: ALL, applies: isRsa, scope: "RSA keys" };
const EC_KEYS = { kinds: ALL, applies: isEc, scope: "ECDSA keys" };

/** The RSA public exponent as a bigint (exponents larger than a JS number exist in the wild). */
function exponent(c: Certificate): bigint | undefined {
  const ints = rsaIntegers(c);
  if (!ints || ints.exponent.length === 0) return undefined;
  return BigInt(`0x${Buffer.from(ints.exponent).toString("hex")}`);
}

export const KEY_LINTS: Lint[] = [
  {
    id: "e_key_algorithm_not_rsa_or_ecdsa",
    description: "Subject public keys MUST be RSA or ECDSA (rsaEncryption or id-ecPublicKey)",
    source: { document: "CA/B Forum BR", section: "6.1.5" },
    severity: "error",
    effective: BR_DATE,
    kinds: ALL,
    check: (c) =>
      isRsa(c) || isEc(c) ? undefined : `the key is ${c.publicKey.algorithm}, neither RSA nor ECDSA`,
  },
  {
    id: "e_rsa_key_uses_pss_oid",
    description: "RSA keys MUST be encoded with the rsaEncryption OID, never id-RSASSA-PSS",
    source: { document: "Mozilla Root Store Policy", section: "5.1.1" },
    severity: "error",
    effective: "2020-07-01",
    kinds: ALL,
    check: (c) => (c.publicKey.oid === OID.rsassaPss ? "the key's algorithm is id-RSASSA-PSS" : undefined),
  },
  {
    id: "e_rsa_key_parameters_not_null",
    description: "An rsaEncryption key's AlgorithmIdentifier MUST have NULL parameters",
    source: { document: "RFC 3279", section: "2.3.1" },
    severity: "error",
    effective: RFC5280_DATE,
    ...RSA_KEYS,
    check: (c) => (isNull(spkiParameters(c)) ? undefined : "the RSA key's parameters are not NULL"),
  },
  {
    id: "e_rsa_modulus_under_2048_bits",
    description: "RSA moduli MUST be at least 2048 bits",
    source: { document: "CA/B Forum BR", section: "6.1.5" },
    severity: "error",
    effective: "2014-01-01",
    ...RSA_KEYS,
    check: (c) =>
      (c.publicKey.bits ?? 0) < 2048 ? `the RSA modulus is ${c.publicKey.bits} bits` : undefined,
  },
  {
    id: "e_rsa_modulus_not_multiple_of_8",
    description: "RSA modulus sizes in bits MUST be divisible by 8",
    source: { document: "Mozilla Root Store Policy", section: "5.1" },
    severity: "error",
    effective: "2017-02-28",
    ...RSA_KEYS,
    check: (c) =>
      (c.publicKey.bits ?? 0) % 8
        ? `the RSA modulus is ${c.publicKey.bits} bits, not a multiple of 8`
        : undefined,
  },
  {
    id: "w_rsa_modulus_even",
    description: "The RSA modulus SHOULD be odd (an even one is trivially factored)",
    source: { document: "CA/B Forum BR", section: "6.1.6" },
    severity: "warning",
    effective: BR_DATE,
    ...RSA_KEYS,
    check: (c) => {
      const m = rsaIntegers(c)?.modulus;
      return m && m.length > 0 && !(m[m.length - 1] & 1) ? "the RSA modulus is even" : undefined;
    },
  },
  {
    id: "e_rsa_exponent_even",
    description: "The RSA public exponent MUST be odd",
    source: { document: "CA/B Forum BR", section: "6.1.6" },
    severity: "error",
    effective: BR_DATE,
    ...RSA_KEYS,
    check: (c) => {
      const e = exponent(c);
      return e !== undefined && e % 2n === 0n ? `the RSA exponent ${e} is even` : undefined;
    },
  },
  {
    id: "e_rsa_exponent_under_3",
    description: "The RSA public exponent MUST be at least 3",
    source: { document: "CA/B Forum BR", section: "6.1.6" },
    severity: "error",
    effective: BR_DATE,
    ...RSA_KEYS,
    check: (c) => {
      const e = exponent(c);
      return e !== undefined && e < 3n ? `the RSA exponent is ${e}` : undefined;
    },
  },
  {
    id: "w_rsa_exponent_outside_recommended_range",
    description: "The RSA public exponent SHOULD be between 2^16+1 and 2^256-1",
    source: { document: "CA/B Forum BR", section: "6.1.6" },
    severity: "warning",
    effective: BR_DATE,
    ...RSA_KEYS,
    check: (c) => {
      const e = exponent(c);
      return e !== undefined && e >= 3n && (e < 65537n || e >= 2n ** 256n)
        ? `the RSA exponent ${e} is outside 65537 to 2^256-1`
        : undefined;
    },
  },
  {
    id: "e_ec_curve_not_allowed",
    description: "ECDSA keys MUST be on NIST P-256, P-384 or P-521",
    source: { document: "CA/B Forum BR", section: "6.1.5" },
    severity: "error",
    effective: BR_DATE,
    ...EC_KEYS,
    check: (c) =>
      ["P-256", "P-384", "P-521"].includes(c.publicKey.curve ?? "")
        ? undefined
        : `the curve is ${c.publicKey.curve}`,
  },
  {
    id: "e_mozilla_ec_curve_p521",
    description: "Mozilla accepts ECDSA keys on P-256 and P-384 only: P-521 is not allowed",
    source: { document: "Mozilla Root Store Policy", section: "5.1" },
    severity: "error",
    effective: "2017-02-28",
    ...EC_KEYS,
    check: (c) => (c.publicKey.curve === "P-521" ? "the key is on P-521" : undefined),
  },
  {
    id: "e_ec_key_not_named_curve",
    description:
      "ECDSA keys MUST name their curve (namedCurve); explicit and implicit parameters MUST NOT be used",
    source: { document: "RFC 5480", section: "2.1.1" },
    severity: "error",
    effective: "2009-03-01",
    ...EC_KEYS,
    check: (c) =>
      spkiParameters(c)?.[0] === 0x06 ? undefined : "the EC key's parameters do not name a curve",
  },
];
