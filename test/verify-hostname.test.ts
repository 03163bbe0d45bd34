import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { describe, it } from "node:test";
import { matchPeerName, type PeerName, parsePeerName } from "../src/verify/hostname.js";
import { type Certificate, parseCertificate } from "../src/x509/certificate.js";

// ---------------------------------------------------------------------------------------------------------
// A tiny DER builder: certificates with exactly the names a test needs, including ones that tools such as
// openssl refuse to write. Signed with a throwaway Ed25519 key (the matcher does not look at signatures).

type Bytes = Uint8Array;
const cat = (...parts: Bytes[]): Bytes => Uint8Array.from(Buffer.concat(parts));
function tlv(tag: number, ...content: Bytes[]): Bytes {
  const body = cat(...content);
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return cat(Uint8Array.from([tag, ...len]), body);
}
const seq = (...c: Bytes[]) => tlv(0x30, ...c);
const ascii = (s: string) => Uint8Array.from(Buffer.from(s, "latin1"));
const utf8 = (s: string) => Uint8Array.from(Buffer.from(s, "utf8"));
function oidBody(dotted: string): Bytes {
  const arcs = dotted.split(".").map(Number);
  const out = [40 * arcs[0] + arcs[1]];
  for (const a of arcs.slice(2)) {
    const chunk = [a & 0x7f];
    for (let v = Math.floor(a / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return Uint8Array.from(out);
}
const oid = (dotted: string) => tlv(0x06, oidBody(dotted));

/** A Name from [attribute OID or short name, value] RDNs (emailAddress is IA5String, the rest UTF8String). */
function name(...rdns: [string, string][]): Bytes {
  const short: Record<string, string> = {
    CN: "2.5.4.3",
    O: "2.5.4.10",
    C: "2.5.4.6",
    E: "1.2.840.113549.1.9.1",
  };
  return seq(
    ...rdns.map(([t, v]) => {
      const o = short[t] ?? t;
      const value = o === short.E ? tlv(0x16, ascii(v)) : tlv(0x0c, utf8(v));
      return tlv(0x31, seq(oid(o), value));
    }),
  );
}

const gn = {
  dns: (s: string) => tlv(0x82, ascii(s)),
  dnsRaw: (b: Bytes) => tlv(0x82, b),
  email: (s: string) => tlv(0x81, ascii(s)),
  uri: (s: string) => tlv(0x86, ascii(s)),
  ip: (...b: number[]) => tlv(0x87, Uint8Array.from(b)),
};

function ip6(text: string): number[] {
  const [l, r = ""] = text.split("::");
  const g = (s: string) => (s ? s.split(":").map((x) => Number.parseInt(x, 16)) : []);
  const head = g(l);
  const tail = g(r);
  const all = text.includes("::")
    ? [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail]
    : head;
  return all.flatMap((x) => [x >> 8, x & 0xff]);
}

const { publicKey, privateKey } = generateKeyPairSync("ed25519");
const spki = Uint8Array.from(publicKey.export({ format: "der", type: "spki" }));

function cert(opts: { subject?: Bytes; san?: Bytes[]; sanCritical?: boolean }): Certificate {
  const exts: Bytes[] = [];
  if (opts.san) {
    exts.push(
      seq(
        oid("2.5.29.17"),
        ...(opts.sanCritical ? [tlv(0x01, Uint8Array.from([0xff]))] : []),
        tlv(0x04, seq(...opts.san)),
      ),
    );
  }
  const alg = seq(oid("1.3.101.112"));
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Uint8Array.from([2]))),
    tlv(0x02, Uint8Array.from([0x01, 0x23])),
    alg,
    name(["CN", "Test CA"]),
    seq(tlv(0x17, ascii("250101000000Z")), tlv(0x17, ascii("350101000000Z"))),
    opts.subject ?? name(["O", "Test"]),
    spki,
    ...(exts.length ? [tlv(0xa3, seq(...exts))] : []),
  );
  const sig = sign(null, tbs, privateKey);
  return parseCertificate(seq(tbs, alg, tlv(0x03, Uint8Array.from([0]), sig)));
}

const dnsCert = (...names: string[]) => cert({ san: names.map(gn.dns) });
const dns = (value: string): PeerName => ({ kind: "dns", value });
const ip = (value: string): PeerName => ({ kind: "ip", value });
const email = (value: string): PeerName => ({ kind: "email", value });

function matches(c: Certificate, peer: PeerName, cnFallback = false): string {
  const r = matchPeerName(c, peer, { cnFallback });
  assert.ok(r.ok, `expected ${peer.value} to match, got: ${r.ok ? "" : r.reason}`);
  return r.matched;
}

function misses(c: Certificate, peer: PeerName, cnFallback = false): { reason: string; names: string[] } {
  const r = matchPeerName(c, peer, { cnFallback });
  assert.ok(!r.ok, `expected ${peer.value} not to match, but it matched ${r.ok ? r.matched : ""}`);
  return r;
}

// ---------------------------------------------------------------------------------------------------------

describe("matchPeerName: DNS names", () => {
  it("matches an exact SAN, case-insensitively, and lists the names on a miss", () => {
    const c = dnsCert("www.Example.COM", "api.example.com");
    assert.equal(matches(c, dns("WWW.example.com")), "DNS:www.Example.COM");
    assert.equal(matches(c, dns("api.example.com")), "DNS:api.example.com");
    const r = misses(c, dns("example.com"));
    assert.match(r.reason, /no DNS name in the certificate matches example\.com/);
    assert.deepEqual(r.names, ["DNS:www.Example.COM", "DNS:api.example.com"]);
    misses(c, dns("example2.com"));
    misses(c, dns("wwww.example.com"));
  });

  it("matches a left-most wildcard label against exactly one label", () => {
    const c = dnsCert("*.example.com");
    assert.equal(matches(c, dns("foo.example.com")), "DNS:*.example.com");
    assert.equal(matches(c, dns("xn--bcher-kva.example.com")), "DNS:*.example.com");
    assert.match(misses(c, dns("a.b.example.com")).reason, /covers exactly one label/);
    misses(c, dns("example.com"));
    misses(c, dns("fooexample.com"));
  });

  it("never matches partial-label or non-left-most wildcards", () => {
    for (const p of [
      "f*.example.com",
      "*oo.example.com",
      "ba*.example.com",
      "foo.*.example.com",
      "*.*.example.com",
    ]) {
      const r = misses(dnsCert(p), dns(p.includes("ba") ? "baz.example.com" : "foo.bar.example.com"));
      assert.match(r.reason, /ignored: the only wildcard allowed is a whole left-most label/, p);
    }
    misses(dnsCert("f*.example.com"), dns("foo.example.com"));
    misses(dnsCert("*oo.example.com"), dns("foo.example.com"));
    // A wildcard inside an A-label (RFC 6125 6.4.3).
    misses(dnsCert("xn--*-1b3c148a.example.com"), dns("xn--bliss-1b3c148a.example.com"));
  });

  it("needs at least two labels after a wildcard (*.com and * never match)", () => {
    assert.match(misses(dnsCert("*.com"), dns("example.com")).reason, /at least two labels/);
    misses(dnsCert("*"), dns("example.com"));
    misses(dnsCert("*"), dns("com"));
    assert.equal(matches(dnsCert("*.example.co.uk"), dns("www.example.co.uk")), "DNS:*.example.co.uk");
  });

  it("removes a trailing dot from the peer name but ignores a SAN that has one", () => {
    assert.equal(matches(dnsCert("example.com"), dns("example.com.")), "DNS:example.com");
    assert.equal(matches(dnsCert("*.example.com"), dns("a.example.com.")), "DNS:*.example.com");
    assert.match(misses(dnsCert("example.com."), dns("example.com")).reason, /ends with a dot/);
    misses(dnsCert("example.com."), dns("example.com."));
  });

  it("ignores SAN entries that are not host names (underscores, empty labels, IP text)", () => {
    const r = misses(dnsCert("foo_bar.example.com"), dns("foo_bar.example.com"));
    assert.match(r.reason, /underscores are not allowed/);
    misses(dnsCert(".example.com"), dns("example.com"));
    misses(dnsCert("a..example.com"), dns("a..example.com"));
    assert.equal(
      matches(dnsCert("foo-bar.example.com"), dns("foo-bar.example.com")),
      "DNS:foo-bar.example.com",
    );
    misses(dnsCert("-foo.example.com"), dns("-foo.example.com"));
  });

  it("compares IDNs as A-labels only", () => {
    const c = dnsCert("xn--bcher-kva.example");
    assert.equal(matches(c, dns("XN--BCHER-KVA.example")), "DNS:xn--bcher-kva.example");
    // parsePeerName turns a U-label into its A-label.
    assert.equal(matches(c, parsePeerName("bücher.example")), "DNS:xn--bcher-kva.example");
    // A raw U-label given as a peer name is not a host name.
    assert.match(misses(c, dns("bücher.example")).reason, /not a valid DNS name/);
    // A UTF-8 dNSName is not IA5: the SAN cannot be decoded at all.
    const bad = cert({ san: [gn.dnsRaw(utf8("😜.example.com"))] });
    assert.match(misses(bad, dns("xn--628h.example.com")).reason, /could not be decoded/);
  });

  it("keeps the host-name rules at their edges (label lengths, hyphens, digits, case, underscores)", () => {
    const l63 = "a".repeat(63);
    assert.equal(matches(dnsCert(`${l63}.example.com`), dns(`${l63}.example.com`)), `DNS:${l63}.example.com`);
    assert.match(misses(dnsCert(`${l63}a.example.com`), dns("x.example.com")).reason, /max 63/);
    assert.match(
      misses(dnsCert(`a${l63}.example.com`), dns(`a${l63}.example.com`)).reason,
      /not a valid DNS/,
    );
    assert.match(misses(dnsCert("foo-.example.com"), dns("x.example.com")).reason, /inner hyphens/);
    assert.match(misses(dnsCert("*.example.123"), dns("a.example.123")).reason, /last label is numeric/);
    assert.match(misses(dnsCert("host.123"), dns("x.example.com")).reason, /last label is numeric/);
    assert.equal(matches(dnsCert("1.2.3.example"), dns("1.2.3.example")), "DNS:1.2.3.example");
    assert.equal(matches(dnsCert("*.Example.COM"), dns("a.example.com")), "DNS:*.Example.COM");
    assert.equal(matches(dnsCert("*.example.com"), dns("A.EXAMPLE.com")), "DNS:*.example.com");
    // An underscore may be in the name asked for, never in a presented one.
    assert.equal(matches(dnsCert("*.example.com"), dns("_a.example.com")), "DNS:*.example.com");
    assert.match(misses(dnsCert("a_b.example.com"), dns("a_b.example.com")).reason, /underscores/);
    assert.equal(matches(dnsCert("x.example.com"), dns(" X.example.com ")), "DNS:x.example.com");
    assert.match(misses(dnsCert("x.example.com"), dns("x.example.com-")).reason, /inner hyphens/);
  });

  it("does not treat an IP address or a wildcard as a DNS peer name", () => {
    assert.match(misses(dnsCert("10.0.0.1"), dns("10.0.0.1")).reason, /is an IP address/);
    assert.match(misses(dnsCert("*.example.com"), dns("*.example.com")).reason, /cannot be a wildcard/);
  });
});

describe("matchPeerName: subject CN fallback", () => {
  const cnOnly = cert({ subject: name(["O", "Test"], ["CN", "www.example.com"]) });

  it("ignores the CN by default, and says so", () => {
    const r = misses(cnOnly, dns("www.example.com"));
    assert.match(r.reason, /only in the subject CN, which Go, Chrome and webpki ignore/);
    assert.deepEqual(r.names, ["CN=www.example.com"]);
  });

  it("uses the CN with cnFallback when there is no DNS SAN, with the same wildcard rules", () => {
    assert.equal(matches(cnOnly, dns("WWW.example.com"), true), "CN=www.example.com");
    misses(cnOnly, dns("other.example.com"), true);
    const wild = cert({ subject: name(["CN", "*.example.com"]) });
    assert.equal(matches(wild, dns("a.example.com"), true), "CN=*.example.com");
    misses(cert({ subject: name(["CN", "f*.example.com"]) }), dns("foo.example.com"), true);
    // An IP-only SAN does not stop the fallback (Java, OpenSSL): only a DNS SAN does.
    const ipSan = cert({ subject: name(["CN", "www.example.com"]), san: [gn.ip(10, 0, 0, 1)] });
    assert.equal(matches(ipSan, dns("www.example.com"), true), "CN=www.example.com");
  });

  it("does not use the CN when the certificate has a DNS SAN", () => {
    const c = cert({ subject: name(["CN", "www.example.com"]), san: [gn.dns("api.example.com")] });
    misses(c, dns("www.example.com"), true);
  });

  it("uses only the most specific (last) CN", () => {
    const c = cert({ subject: name(["CN", "first.example.com"], ["CN", "last.example.com"]) });
    assert.equal(matches(c, dns("last.example.com"), true), "CN=last.example.com");
    misses(c, dns("first.example.com"), true);
  });
});

describe("matchPeerName: IP addresses", () => {
  const c = cert({ san: [gn.ip(192, 0, 2, 1), gn.ip(...ip6("2001:db8::1")), gn.dns("example.com")] });

  it("compares address bytes exactly, IPv4 and IPv6, whatever the text form", () => {
    assert.equal(matches(c, ip("192.0.2.1")), "IP:192.0.2.1");
    assert.equal(matches(c, ip("2001:DB8:0:0:0::1")), "IP:2001:db8::1");
    assert.equal(matches(c, ip("[2001:db8::1]")), "IP:2001:db8::1");
    misses(c, ip("192.0.2.2"));
    misses(c, ip("2001:db8::2"));
    assert.match(misses(c, ip("192.0.2.01")).reason, /not a valid IP address/);
  });

  it("does not match an IPv4 address to its IPv4-mapped IPv6 form", () => {
    const mapped = cert({ san: [gn.ip(...ip6("::ffff:c000:201"))] });
    assert.match(misses(mapped, ip("192.0.2.1")).reason, /IPv4-mapped/);
    misses(cert({ san: [gn.ip(192, 0, 2, 1)] }), ip("::ffff:192.0.2.1"));
  });

  it("never matches an IP address against DNS SANs or the CN, even with cnFallback", () => {
    const r = misses(dnsCert("8.8.8.8"), ip("8.8.8.8"));
    assert.match(r.reason, /a DNS name entry; an IP address must be an iPAddress SAN/);
    const cn = cert({ subject: name(["CN", "10.0.0.1"]) });
    assert.match(misses(cn, ip("10.0.0.1"), true).reason, /only against iPAddress SANs/);
  });
});

describe("matchPeerName: email addresses", () => {
  const c = cert({ san: [gn.email("Alice@Example.COM")] });

  it("compares the local part case-sensitively and the domain case-insensitively", () => {
    assert.equal(matches(c, email("Alice@example.com")), "email:Alice@Example.COM");
    misses(c, email("alice@example.com"));
    misses(c, email("Alice@other.example.com"));
  });

  it("uses the subject emailAddress only with cnFallback and no email SAN", () => {
    const attr = cert({ subject: name(["E", "bob@example.com"]) });
    assert.match(misses(attr, email("bob@example.com")).reason, /only in the subject's emailAddress/);
    assert.equal(matches(attr, email("bob@EXAMPLE.com"), true), "emailAddress=bob@example.com");
  });
});

describe("parsePeerName", () => {
  it("recognises IP addresses, email addresses and DNS names, in canonical form", () => {
    assert.deepEqual(parsePeerName("10.0.0.1"), { kind: "ip", value: "10.0.0.1" });
    assert.deepEqual(parsePeerName("::1"), { kind: "ip", value: "::1" });
    assert.deepEqual(parsePeerName("[2001:DB8:0::1]"), { kind: "ip", value: "2001:db8::1" });
    assert.deepEqual(parsePeerName("::ffff:192.0.2.1"), { kind: "ip", value: "::ffff:c000:201" });
    assert.deepEqual(parsePeerName("Alice@Example.COM"), { kind: "email", value: "Alice@example.com" });
    assert.deepEqual(parsePeerName(" WWW.Example.com. "), { kind: "dns", value: "www.example.com" });
    assert.deepEqual(parsePeerName("localhost"), { kind: "dns", value: "localhost" });
    assert.deepEqual(parsePeerName("bücher.example"), { kind: "dns", value: "xn--bcher-kva.example" });
  });

  it("throws a clear error on garbage", () => {
    const cases: [string, RegExp][] = [
      ["", /empty/],
      ["exa mple.com", /whitespace/],
      ["example.com:443", /without a port/],
      ["https://example.com/", /not a URL/],
      ["*.example.com", /wildcard/],
      ["1.2.3", /numeric/],
      ["256.1.1.1", /numeric/],
      ["010.0.0.1", /numeric/],
      ["[example.com]", /IPv6/],
      ["1:2:3", /IPv6/],
      ["a..b", /empty label/],
      ["-a.example", /not letters/],
      ["@example.com", /email/],
      ["a@b@", /email/],
      ["a@-b.example", /email/],
    ];
    for (const [text, why] of cases) {
      assert.throws(() => parsePeerName(text), why, text);
    }
  });
});
