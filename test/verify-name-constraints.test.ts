import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { describe, it } from "node:test";
import { checkNameConstraints, type NameConstraintsOptions } from "../src/verify/name-constraints.js";
import { type Certificate, parseCertificate } from "../src/x509/certificate.js";
import type { NameConstraints } from "../src/x509/extensions.js";

// ---------------------------------------------------------------------------------------------------------
// A tiny DER builder: CA certificates with any nameConstraints (including malformed ones that openssl will
// not write) and leaves with any names. Signed with a throwaway Ed25519 key; the check ignores signatures.

type Bytes = Uint8Array;
const cat = (...parts: Bytes[]): Bytes => Uint8Array.from(Buffer.concat(parts));
function tlv(tag: number, ...content: Bytes[]): Bytes {
  const body = cat(...content);
  const n = body.length;
  const len =
    n < 0x80
      ? [n]
      : n < 0x100
        ? [0x81, n]
        : n < 0x10000
          ? [0x82, n >> 8, n & 0xff]
          : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return cat(Uint8Array.from([tag, ...len]), body);
}
const seq = (...c: Bytes[]) => tlv(0x30, ...c);
const ascii = (s: string) => Uint8Array.from(Buffer.from(s, "latin1"));
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
const SHORT: Record<string, string> = {
  CN: "2.5.4.3",
  O: "2.5.4.10",
  OU: "2.5.4.11",
  C: "2.5.4.6",
  E: "1.2.840.113549.1.9.1",
};

/** A Name from [type, value] RDNs; a multi-valued RDN is an array of pairs. C is PrintableString, E IA5. */
function name(...rdns: ([string, string] | [string, string][])[]): Bytes {
  const atv = ([t, v]: [string, string]) => {
    const o = SHORT[t] ?? t;
    const tag = o === SHORT.E ? 0x16 : o === SHORT.C ? 0x13 : 0x0c;
    return seq(oid(o), tlv(tag, Uint8Array.from(Buffer.from(v, "utf8"))));
  };
  return seq(
    ...rdns.map((r) =>
      tlv(0x31, ...(Array.isArray(r[0]) ? (r as [string, string][]) : [r as [string, string]]).map(atv)),
    ),
  );
}

const gn = {
  dns: (s: string) => tlv(0x82, ascii(s)),
  email: (s: string) => tlv(0x81, ascii(s)),
  uri: (s: string) => tlv(0x86, ascii(s)),
  ip: (...b: number[]) => tlv(0x87, Uint8Array.from(b)),
  dir: (n: Bytes) => tlv(0xa4, n),
  other: (type: string, value: string) => tlv(0xa0, oid(type), tlv(0xa0, tlv(0x0c, ascii(value)))),
  rid: (dotted: string) => tlv(0x88, oidBody(dotted)),
};

const { publicKey, privateKey } = generateKeyPairSync("ed25519");
const spki = Uint8Array.from(publicKey.export({ format: "der", type: "spki" }));

function ext(id: string, critical: boolean, value: Bytes): Bytes {
  return seq(oid(id), ...(critical ? [tlv(0x01, Uint8Array.from([0xff]))] : []), tlv(0x04, value));
}

function cert(opts: { subject?: Bytes; san?: Bytes[]; sanDer?: Bytes; nc?: Bytes }): Certificate {
  const exts: Bytes[] = [];
  if (opts.san || opts.sanDer) exts.push(ext("2.5.29.17", false, opts.sanDer ?? seq(...(opts.san ?? []))));
  if (opts.nc) {
    exts.push(ext("2.5.29.19", true, seq(tlv(0x01, Uint8Array.from([0xff])))));
    exts.push(ext("2.5.29.30", true, opts.nc));
  }
  const alg = seq(oid("1.3.101.112"));
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Uint8Array.from([2]))),
    tlv(0x02, Uint8Array.from([0x01, 0x23])),
    alg,
    name(["CN", "Test CA"]),
    seq(tlv(0x17, ascii("250101000000Z")), tlv(0x17, ascii("350101000000Z"))),
    opts.subject ?? seq(),
    spki,
    ...(exts.length ? [tlv(0xa3, seq(...exts))] : []),
  );
  return parseCertificate(seq(tbs, alg, tlv(0x03, Uint8Array.from([0]), sign(null, tbs, privateKey))));
}

/** GeneralSubtree with optional minimum / maximum. */
const subtree = (base: Bytes, min?: number, max?: number) =>
  seq(
    base,
    ...(min !== undefined ? [tlv(0x80, Uint8Array.from([min]))] : []),
    ...(max !== undefined ? [tlv(0x81, Uint8Array.from([max]))] : []),
  );

/** The decoded nameConstraints of a CA built with these subtrees (each a GeneralName or a GeneralSubtree). */
function nc(spec: { permitted?: Bytes[]; excluded?: Bytes[] }): NameConstraints {
  const wrap = (b: Bytes) => (b[0] === 0x30 ? b : subtree(b));
  const der = seq(
    ...(spec.permitted ? [tlv(0xa0, ...spec.permitted.map(wrap))] : []),
    ...(spec.excluded ? [tlv(0xa1, ...spec.excluded.map(wrap))] : []),
  );
  const ca = cert({ subject: name(["CN", "Constrained CA"]), nc: der });
  assert.deepEqual(ca.extensionErrors, []);
  assert.ok(ca.nameConstraints);
  return ca.nameConstraints;
}

function ok(c: NameConstraints, leaf: Certificate, opts?: NameConstraintsOptions): void {
  const r = checkNameConstraints(c, leaf, opts);
  assert.ok(r.ok, r.ok ? "" : r.reason);
}

function rejects(c: NameConstraints, leaf: Certificate, why: RegExp, opts?: NameConstraintsOptions) {
  const r = checkNameConstraints(c, leaf, opts);
  assert.ok(!r.ok, "expected a name constraints violation");
  assert.match(r.reason, why);
  return r;
}

const sanCert = (...san: Bytes[]) => cert({ san });

// ---------------------------------------------------------------------------------------------------------

describe("checkNameConstraints: dNSName", () => {
  it("permits the name and every name below it, case-insensitively", () => {
    const c = nc({ permitted: [gn.dns("Example.com")] });
    ok(c, sanCert(gn.dns("example.com")));
    ok(c, sanCert(gn.dns("foo.bar.EXAMPLE.com")));
    const r = rejects(
      c,
      sanCert(gn.dns("example.com"), gn.dns("notexample.com")),
      /outside the permitted dNSName/,
    );
    assert.equal(r.name, "DNS:notexample.com");
    rejects(c, sanCert(gn.dns("example.org")), /outside the permitted/);
    rejects(c, sanCert(gn.dns("com")), /outside the permitted/);
  });

  it("excludes the name and every name below it, and exclusion wins over permission", () => {
    const c = nc({ excluded: [gn.dns("bad.example.com")] });
    ok(c, sanCert(gn.dns("good.example.com"), gn.dns("example.com"), gn.dns("notbad.example.com")));
    rejects(
      c,
      sanCert(gn.dns("ok.example.com"), gn.dns("x.BAD.example.com")),
      /excluded subtree \(DNS:bad\.example\.com\)/,
    );
    const both = nc({ permitted: [gn.dns("example.com")], excluded: [gn.dns("example.com")] });
    rejects(both, sanCert(gn.dns("example.com")), /excluded/);
  });

  it("treats an empty constraint as every DNS name", () => {
    ok(nc({ permitted: [gn.dns("")] }), sanCert(gn.dns("anything.test")));
    rejects(nc({ excluded: [gn.dns("")] }), sanCert(gn.dns("anything.test")), /excluded/);
  });

  it("rejects malformed constraints: a leading dot or a wildcard", () => {
    rejects(
      nc({ permitted: [gn.dns(".example.com")] }),
      sanCert(gn.dns("foo.example.com")),
      /cannot start with a dot/,
    );
    rejects(nc({ permitted: [gn.dns("*.example.com")] }), sanCert(gn.dns("foo.example.com")), /wildcard/);
  });

  it("rejects a malformed DNS SAN that a DNS constraint would have to judge", () => {
    const c = nc({ permitted: [gn.dns("example.com")] });
    rejects(c, sanCert(gn.dns(".example.com")), /malformed/);
    rejects(c, sanCert(gn.dns("foo_bar.example.com")), /malformed/);
    // Without DNS constraints the same SAN is not this check's business.
    ok(nc({ permitted: [gn.ip(10, 0, 0, 0, 255, 0, 0, 0)] }), sanCert(gn.dns(".example.com")));
  });

  it("permits a wildcard SAN only if all it can match is permitted, excludes it if any of it is excluded", () => {
    const wild = sanCert(gn.dns("*.example.com"));
    ok(nc({ permitted: [gn.dns("example.com")] }), wild);
    rejects(nc({ permitted: [gn.dns("foo.example.com")] }), wild, /outside the permitted/); // CVE-2025-61727
    rejects(nc({ excluded: [gn.dns("bar.example.com")] }), wild, /excluded/); // CVE-2025-61727
    rejects(nc({ excluded: [gn.dns("example.com")] }), wild, /excluded/);
    ok(nc({ excluded: [gn.dns("a.bar.example.com")] }), wild);
    ok(nc({ excluded: [gn.dns("other.com")] }), wild);
  });
});

describe("checkNameConstraints: iPAddress", () => {
  const v4 = nc({ permitted: [gn.ip(192, 0, 2, 0, 255, 255, 255, 0)] });
  const v6net = [0x20, 0x01, 0x0d, 0xb8, ...new Array(12).fill(0)];
  const v6mask = [...new Array(4).fill(0xff), ...new Array(12).fill(0)];
  const v6 = (last: number) => gn.ip(0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), last);

  it("permits addresses inside the network and rejects others", () => {
    ok(v4, sanCert(gn.ip(192, 0, 2, 1)));
    rejects(
      v4,
      sanCert(gn.ip(192, 0, 3, 1)),
      /outside the permitted iPAddress subtrees \(IP:192\.0\.2\.0\/24\)/,
    );
    const p6 = nc({ permitted: [gn.ip(...v6net, ...v6mask)] });
    ok(p6, sanCert(v6(1)));
    rejects(p6, sanCert(gn.ip(...new Array(15).fill(0), 1)), /outside/);
  });

  it("excludes addresses inside an excluded network", () => {
    const c = nc({ excluded: [gn.ip(...new Array(15).fill(0), 1, ...new Array(16).fill(0xff))] });
    rejects(c, sanCert(gn.ip(...new Array(15).fill(0), 1)), /excluded.*::1\/128/);
    ok(c, sanCert(v6(1)));
  });

  it("never matches across address families", () => {
    // An IPv6 name is outside IPv4-only permitted subtrees, and not excluded by an IPv4 exclusion.
    rejects(v4, sanCert(gn.ip(...new Array(10).fill(0), 0xff, 0xff, 192, 0, 2, 1)), /outside/);
    ok(nc({ excluded: [gn.ip(0, 0, 0, 0, 0, 0, 0, 0)] }), sanCert(v6(1)));
    rejects(nc({ excluded: [gn.ip(0, 0, 0, 0, 0, 0, 0, 0)] }), sanCert(gn.ip(8, 8, 8, 8)), /excluded/);
  });

  it("rejects a non-contiguous mask", () => {
    rejects(
      nc({ permitted: [gn.ip(10, 0, 0, 0, 255, 0, 255, 0)] }),
      sanCert(gn.ip(10, 0, 0, 1)),
      /not a contiguous/,
    );
  });
});

describe("checkNameConstraints: rfc822Name", () => {
  it("matches a mailbox exactly, with a case-sensitive local part and literal asterisks", () => {
    const c = nc({ permitted: [gn.email("Foo@Example.com")] });
    ok(c, sanCert(gn.email("Foo@example.COM")));
    rejects(c, sanCert(gn.email("foo@example.com")), /outside the permitted rfc822Name/);
    const star = nc({ permitted: [gn.email("*@example.com")] });
    ok(star, sanCert(gn.email("*@example.com")));
    rejects(star, sanCert(gn.email("user@example.com")), /outside/);
  });

  it("matches every mailbox at a host, or at hosts below a .domain", () => {
    const host = nc({ permitted: [gn.email("example.com")] });
    ok(host, sanCert(gn.email("anyone@EXAMPLE.com")));
    rejects(host, sanCert(gn.email("anyone@sub.example.com")), /outside/);
    const domain = nc({ permitted: [gn.email(".example.com")] });
    ok(domain, sanCert(gn.email("anyone@sub.example.com")));
    rejects(domain, sanCert(gn.email("anyone@example.com")), /outside/);
    rejects(nc({ excluded: [gn.email(".example.com")] }), sanCert(gn.email("x@a.b.example.com")), /excluded/);
  });

  it("rejects malformed constraints and malformed addresses", () => {
    rejects(
      nc({ permitted: [gn.email("invalid@invalid@example.com")] }),
      sanCert(gn.email("a@example.com")),
      /malformed name constraint/,
    );
    rejects(
      nc({ permitted: [gn.email("example.com")] }),
      sanCert(gn.email("invalid@address@example.com")),
      /malformed/,
    );
  });

  it("applies to emailAddress attributes in the subject", () => {
    const c = nc({ permitted: [gn.email("example.com")] });
    ok(c, cert({ subject: name(["CN", "Alice"], ["E", "alice@example.com"]) }));
    rejects(
      c,
      cert({ subject: name(["CN", "Mallory"], ["E", "mallory@evil.test"]) }),
      /subject emailAddress=mallory@evil\.test is outside/,
    );
  });
});

describe("checkNameConstraints: uniformResourceIdentifier", () => {
  it("matches the URI's host against a host or a .domain", () => {
    const host = nc({ permitted: [gn.uri("host.example.com")] });
    ok(host, sanCert(gn.uri("https://user@HOST.example.com:8443/path?q")));
    rejects(
      host,
      sanCert(gn.uri("https://www.host.example.com/")),
      /outside the permitted uniformResourceIdentifier/,
    );
    const domain = nc({ permitted: [gn.uri(".example.com")] });
    ok(domain, sanCert(gn.uri("https://www.host.example.com/")));
    rejects(domain, sanCert(gn.uri("https://example.com/")), /outside/);
    rejects(nc({ excluded: [gn.uri("evil.test")] }), sanCert(gn.uri("ldap://evil.test/cn=x")), /excluded/);
  });

  it("rejects URIs without a host name when URI constraints apply", () => {
    const c = nc({ excluded: [gn.uri("evil.test")] });
    rejects(c, sanCert(gn.uri("urn:uuid:1234")), /a URI without a host name/);
    rejects(c, sanCert(gn.uri("https://[::1]/")), /a URI without a host name/);
    ok(nc({ permitted: [gn.dns("example.com")] }), sanCert(gn.dns("example.com"), gn.uri("urn:uuid:1234")));
  });
});

describe("checkNameConstraints: directoryName", () => {
  const base = name(["C", "US"], ["O", "Example Corp"]);

  it("requires the subject to start with the permitted RDNs (RFC 5280 7.1 matching)", () => {
    const c = nc({ permitted: [gn.dir(base)] });
    ok(c, cert({ subject: name(["C", "US"], ["O", "example  CORP "], ["CN", "leaf"]) }));
    ok(c, cert({ subject: name(["C", "US"], ["O", "Example Corp"]) }));
    rejects(
      c,
      cert({ subject: name(["C", "US"], ["O", "Other Corp"], ["CN", "leaf"]) }),
      /subject .* is outside the permitted directoryName/,
    );
    rejects(c, cert({ subject: name(["C", "US"]) }), /outside/);
    rejects(c, cert({ subject: name(["O", "Example Corp"], ["C", "US"]) }), /outside/);
  });

  it("compares multi-valued RDNs as sets", () => {
    const c = nc({
      permitted: [
        gn.dir(
          name([
            ["O", "A"],
            ["OU", "B"],
          ]),
        ),
      ],
    });
    ok(
      c,
      cert({
        subject: name(
          [
            ["OU", "b"],
            ["O", "a"],
          ],
          ["CN", "x"],
        ),
      }),
    );
    rejects(c, cert({ subject: name(["O", "A"], ["OU", "B"]) }), /outside/);
  });

  it("checks dirName SANs too, excludes by prefix, and leaves an empty subject alone", () => {
    const c = nc({ permitted: [gn.dir(name(["CN", "foo"]))] });
    ok(c, cert({ subject: name(["CN", "foo"]), san: [gn.dir(name(["CN", "foo"]))] }));
    rejects(
      c,
      cert({ subject: name(["CN", "foo"]), san: [gn.dir(name(["CN", "bar"]))] }),
      /DirName:CN=bar is outside/,
    );
    rejects(
      c,
      cert({ subject: name(["CN", "not-foo"]), san: [gn.dir(name(["CN", "foo"]))] }),
      /subject CN=not-foo/,
    );
    ok(c, cert({ san: [gn.dns("example.com")] }));
    const ex = nc({ excluded: [gn.dir(base)] });
    rejects(ex, cert({ subject: name(["C", "US"], ["O", "Example Corp"], ["CN", "x"]) }), /excluded/);
    ok(ex, cert({ subject: name(["C", "GB"], ["O", "Example Corp"]) }));
  });
});

describe("checkNameConstraints: name types", () => {
  it("imposes nothing on a certificate with no names of the constrained type", () => {
    ok(nc({ permitted: [gn.ip(192, 0, 2, 0, 255, 255, 255, 0)] }), sanCert(gn.dns("example.com")));
    ok(nc({ excluded: [gn.ip(192, 0, 2, 0, 255, 255, 255, 0)] }), sanCert(gn.dns("example.com")));
    ok(nc({ permitted: [gn.dns("example.com")] }), cert({ subject: name(["O", "Example"]) }));
  });

  it("rejects a constraint type it cannot process only when the certificate has such a name", () => {
    const upn = "1.3.6.1.4.1.311.20.2.3";
    const c = nc({ excluded: [gn.other(upn, "x@example.com")] });
    const r = rejects(
      c,
      sanCert(gn.dns("example.com"), gn.other(upn, "y@example.com")),
      /^unsupported name constraint type/,
    );
    assert.match(r.name ?? "", /^otherName:/);
    ok(c, sanCert(gn.dns("example.com")));
    rejects(
      nc({ permitted: [gn.rid("1.2.3.4")] }),
      sanCert(gn.rid("1.2.3.5")),
      /^unsupported name constraint type/,
    );
    ok(nc({ permitted: [gn.rid("1.2.3.4")] }), sanCert(gn.other(upn, "y@example.com")));
  });

  it("rejects minimum other than 0 and any maximum", () => {
    const leaf = sanCert(gn.dns("a.example.com"));
    ok(nc({ permitted: [subtree(gn.dns("example.com"), 0)] }), leaf);
    rejects(nc({ permitted: [subtree(gn.dns("example.com"), 1)] }), leaf, /minimum is 1/);
    rejects(nc({ excluded: [subtree(gn.dns("evil.test"), undefined, 2)] }), leaf, /maximum is present/);
  });

  it("rejects empty name constraints", () => {
    const leaf = sanCert(gn.dns("example.com"));
    rejects({}, leaf, /neither permitted nor excluded/);
    rejects({ permitted: [] }, leaf, /empty permittedSubtrees/);
    rejects({ permitted: [], excluded: [] }, leaf, /empty/);
  });

  it("rejects a certificate whose subjectAltName cannot be decoded", () => {
    const leaf = cert({ sanDer: seq(tlv(0x87, Uint8Array.from([192, 0, 2, 0, 255, 255, 255, 0]))) });
    assert.equal(leaf.subjectAltName, undefined);
    rejects(nc({ permitted: [gn.ip(192, 0, 2, 0, 255, 255, 255, 0)] }), leaf, /could not be decoded/);
  });

  it("gives up on more than 250,000 name/constraint comparisons", () => {
    const many = Array.from({ length: 600 }, (_, i) => gn.dns(`n${i}.example.com`));
    const c = nc({ excluded: Array.from({ length: 500 }, (_, i) => gn.dns(`x${i}.test`)) });
    rejects(c, sanCert(...many), /too many names and name constraints/);
    ok(c, sanCert(...many.slice(0, 400)));
  });
});

describe("checkNameConstraints: checkCommonName", () => {
  const c = nc({ excluded: [gn.dns("localhost")] });
  const cn = (value: string, ...san: Bytes[]) =>
    cert({ subject: name(["O", "Test"], ["CN", value]), san: san.length ? san : undefined });

  it("checks a host-name CN as a DNS name when the leaf has no DNS SAN", () => {
    ok(c, cn("test.localhost"));
    rejects(c, cn("test.localhost"), /subject CN=test\.localhost is in an excluded subtree/, {
      checkCommonName: true,
    });
    rejects(c, cn("test.localhost", gn.ip(127, 0, 0, 1)), /CN=test\.localhost/, { checkCommonName: true });
    rejects(c, cn("*.localhost"), /excluded/, { checkCommonName: true });
    const permitted = nc({ permitted: [gn.dns("example.com")] });
    rejects(permitted, cn("www.example.org"), /outside/, { checkCommonName: true });
    ok(permitted, cn("www.example.com"), { checkCommonName: true });
  });

  it("leaves the CN alone when there is a DNS SAN, or when it does not look like a host name", () => {
    ok(c, cn("test.localhost", gn.dns("example.com")), { checkCommonName: true });
    const permitted = nc({ permitted: [gn.dns("example.com")] });
    ok(permitted, cn("Example Corp Server"), { checkCommonName: true });
    ok(permitted, cn("127.0.0.1", gn.ip(127, 0, 0, 1)), { checkCommonName: true });
    ok(permitted, cn("localhost"), { checkCommonName: true });
  });
});
