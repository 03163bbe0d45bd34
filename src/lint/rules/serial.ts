/** Serial numbers (RFC 5280 4.1.2.2; CA/B Forum BR 7.1). */

import type { Lint } from "../types.js";
import { ALL, RFC5280_DATE } from "../util.js";

/** The serial's magnitude octets: the content without the sign octet DER adds before a high bit. */
function magnitude(serial: Uint8Array): Uint8Array {
  return serial[0] === 0 && serial.length > 1 ? serial.subarray(1) : serial;
}

export const SERIAL_LINTS: Lint[] = [
  {
    id: "e_serial_number_zero",
    description: "The serial number MUST be a positive integer: zero is not one",
    source: { document: "RFC 5280", section: "4.1.2.2" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) => (c.serialBytes.every((b) => b === 0) ? "the serial number is 0" : undefined),
  },
  {
    id: "e_serial_number_negative",
    description: "The serial number MUST be a positive integer: its first bit must not be set",
    source: { document: "RFC 5280", section: "4.1.2.2" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) => (c.serialBytes[0] & 0x80 ? `the serial number ${c.serialNumber} is negative` : undefined),
  },
  {
    id: "e_serial_number_longer_than_20_octets",
    description: "Conforming CAs MUST NOT use serial numbers longer than 20 octets",
    source: { document: "RFC 5280", section: "4.1.2.2" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) =>
      c.serialBytes.length > 20 ? `the serial number is ${c.serialBytes.length} octets long` : undefined,
  },
  {
    id: "e_serial_number_not_minimal",
    description: "The serial number INTEGER MUST be DER: no superfluous leading 00 or FF octet",
    source: { document: "RFC 5280", section: "4.1.2.2" },
    severity: "error",
    effective: RFC5280_DATE,
    kinds: ALL,
    check: (c) => {
      const s = c.serialBytes;
      if (s.length < 2) return undefined;
      const padded = (s[0] === 0 && !(s[1] & 0x80)) || (s[0] === 0xff && s[1] & 0x80);
      return padded ? `the serial number ${c.serialNumber} has a superfluous leading octet` : undefined;
    },
  },
  {
    id: "e_serial_number_low_entropy",
    description: "Serial numbers MUST hold at least 64 bits of CSPRNG output: fewer than 8 octets cannot",
    source: { document: "CA/B Forum BR", section: "7.1" },
    severity: "error",
    effective: "2016-09-30",
    kinds: ALL,
    check: (c) => {
      const n = magnitude(c.serialBytes).length;
      return n < 8 ? `the serial number has ${n * 8} bits, fewer than 64` : undefined;
    },
  },
  {
    id: "w_serial_number_low_entropy_margin",
    description: "A serial of exactly 64 bits with its top bit clear has at most 63 random bits: use more",
    source: { document: "CA/B Forum BR", section: "7.1" },
    severity: "warning",
    effective: "2016-09-30",
    kinds: ALL,
    check: (c) => {
      const m = magnitude(c.serialBytes);
      return m.length === 8 && !(m[0] & 0x80)
        ? "the serial number is 8 octets with a clear top bit: at most 63 bits can be random"
        : undefined;
    },
  },
];
