/**
 * What a person types to name a TLS endpoint: `example.com`, `example.com:8443`, `192.0.2.1:443`,
 * `[2001:db8::1]:443`, a bare IPv6 address, or a URL (`https://example.com/path`: host and port taken).
 */

import net from "node:net";
import { domainToASCII } from "node:url";
import { InputError } from "../x509/errors.js";

export interface HostPort {
  /** A DNS name (ASCII, lower case, no trailing dot) or an IP address (IPv6 without brackets). */
  host: string;
  port: number;
  /** True when the input named no port and `port` is the default. */
  defaultPort: boolean;
}

/** Default ports of URL schemes that run over TLS from the first byte. */
const TLS_SCHEMES: Record<string, number> = {
  https: 443,
  wss: 443,
  ldaps: 636,
  smtps: 465,
  imaps: 993,
  pop3s: 995,
  ftps: 990,
  ircs: 6697,
};

function bad(input: string, why: string): InputError {
  const shown = JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input).replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return new InputError(`${shown} is not a valid target: ${why}`, "bad-target");
}

function parsePort(input: string, text: string): number {
  if (!/^\d{1,5}$/.test(text)) throw bad(input, `port "${text.slice(0, 20)}" is not a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw bad(input, `port ${port} is not between 1 and 65535`);
  return port;
}

/** Check a host name (or IP address) and return it in the form to connect to and send as SNI. */
export function normalizeHost(input: string, host: string): string {
  if (!host) throw bad(input, "no host name");
  if (net.isIPv4(host)) return host;
  if (host.includes(":")) {
    if (net.isIPv6(host)) return host.toLowerCase();
    throw bad(input, "not an IPv6 address (write IPv6 with a port as [addr]:port)");
  }
  const ascii = domainToASCII(host.replace(/\.$/, ""));
  if (!ascii) throw bad(input, "not a valid host name");
  if (ascii.length > 253) throw bad(input, "host name longer than 253 characters");
  const labels = ascii.split(".");
  for (const l of labels) {
    if (!/^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i.test(l))
      throw bad(input, `"${l.slice(0, 64)}" is not a valid DNS label`);
  }
  // All-numeric dotted names that are not IPv4 ("1.2.3", "999.1.1.1") are mistakes, not host names.
  if (labels.every((l) => /^\d+$/.test(l))) throw bad(input, "not a valid IPv4 address");
  return ascii.toLowerCase();
}

/** Parse HOST[:PORT], [IPv6]:PORT, a bare IPv6 address, or a URL. Throws InputError (exit 2) when unusable. */
export function parseHostPort(input: string, defaultPort = 443): HostPort {
  const s = input.trim();
  if (!s) throw bad(input, "empty");
  if (/[\s\u0000-\u001f]/.test(s)) throw bad(input, "contains spaces or control characters");
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s);
  if (scheme) {
    const name = scheme[1].toLowerCase();
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      throw bad(input, "not a valid URL");
    }
    const host = normalizeHost(input, url.hostname.replace(/^\[(.*)\]$/, "$1"));
    if (url.port) return { host, port: parsePort(input, url.port), defaultPort: false };
    if (name === "http" || name === "ws") {
      throw bad(input, `${name}:// is not TLS; use https:// or give the TLS port explicitly`);
    }
    const port = TLS_SCHEMES[name];
    if (!port) throw bad(input, `no default TLS port for ${name}://; add :PORT`);
    return { host, port, defaultPort: true };
  }
  if (s.includes("/")) throw bad(input, "a path needs a URL scheme (https://…)");
  if (s.includes("@")) throw bad(input, "user names are not part of a target");
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(s);
  if (bracketed) {
    const host = bracketed[1];
    if (!net.isIPv6(host)) throw bad(input, "brackets hold an IPv6 address");
    if (bracketed[2] === undefined) return { host: host.toLowerCase(), port: defaultPort, defaultPort: true };
    return { host: host.toLowerCase(), port: parsePort(input, bracketed[2]), defaultPort: false };
  }
  const colons = s.split(":").length - 1;
  if (colons > 1) {
    if (net.isIPv6(s)) return { host: s.toLowerCase(), port: defaultPort, defaultPort: true };
    throw bad(input, "an IPv6 address with a port must be written [addr]:port");
  }
  if (colons === 1) {
    const i = s.lastIndexOf(":");
    return {
      host: normalizeHost(input, s.slice(0, i)),
      port: parsePort(input, s.slice(i + 1)),
      defaultPort: false,
    };
  }
  return { host: normalizeHost(input, s), port: defaultPort, defaultPort: true };
}
