/** The certificate model's strictness where a lenient decoder would change a validation outcome. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCertificate } from "../src/x509/certificate.js";
import type { Tlv } from "../src/x509/der.js";
import { type Name, namesMatch, parseName } from "../src/x509/names.js";
import { ctx, ext, generalName, name, root, seq } from "./helpers/pki.js";

function nameOf(der: Uint8Array): Name {
  const t: Tlv = {
    tag: 0x30,
    start: 0,
    valueStart: der[1] & 0x80 ? 2 + (der[1] & 0x7f) : 2,
    end: der.length,
  };
  return parseName(der, t, "test");
}

test("name matching: a value holding ',' '+' or '=' never equals a different name", () => {
  const a = nameOf(name([["O", "x,2.5.4.3=y"]]));
  const b = nameOf(
    name([
      ["O", "x"],
      ["CN", "y"],
    ]),
  );
  assert.equal(namesMatch(a, b), false);
  const c = nameOf(name([["O", "x+2.5.4.3=y"]]));
  assert.equal(namesMatch(c, b), false);
});

test("name matching: case and inner whitespace are folded (RFC 5280 7.1)", () => {
  const a = nameOf(
    name([
      ["O", "Example  Corp"],
      ["CN", "Root"],
    ]),
  );
  const b = nameOf(
    name([
      ["O", "example corp"],
      ["CN", "ROOT"],
    ]),
  );
  assert.equal(namesMatch(a, b), true);
});

function withNameConstraints(value: Uint8Array) {
  return root({ name: "NC root", extensions: [ext("2.5.29.30", value, true)] }).der;
}

test("name constraints: one permitted list decodes", () => {
  const c = parseCertificate(
    withNameConstraints(seq(ctx(0, true, seq(generalName({ dns: "example.com" }))))),
  );
  assert.deepEqual(c.extensionErrors, []);
  assert.equal(c.nameConstraints?.permitted?.[0].base.value, "example.com");
});

test("name constraints: a repeated permitted list is malformed, not a silent replacement", () => {
  const twice = seq(
    ctx(0, true, seq(generalName({ dns: "example.com" }))),
    ctx(0, true, seq(generalName({ dns: "evil.test" }))),
  );
  const c = parseCertificate(withNameConstraints(twice));
  assert.equal(c.nameConstraints, undefined);
  assert.match(c.extensionErrors[0].message, /repeated or out-of-order/);
});

test("name constraints: excluded before permitted, and empty lists, are malformed", () => {
  const swapped = seq(
    ctx(1, true, seq(generalName({ dns: "a.test" }))),
    ctx(0, true, seq(generalName({ dns: "b.test" }))),
  );
  assert.match(parseCertificate(withNameConstraints(swapped)).extensionErrors[0].message, /out-of-order/);
  assert.match(parseCertificate(withNameConstraints(seq(ctx(0, true)))).extensionErrors[0].message, /empty/);
  assert.match(parseCertificate(withNameConstraints(seq())).extensionErrors[0].message, /empty/);
});
