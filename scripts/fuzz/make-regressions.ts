/**
 * Write the hand-made findings of issue 12 point 5 (and of points 2 and 3, found by hand before the fuzzer
 * existed) into test/fuzz/regressions/<target>/, beside what `npm run fuzz` saves, so that
 * test/fuzz-regressions.test.ts replays them all. Inputs are kept under 1 MB (the issue's larger ones have
 * smaller equivalents that show the same super-linear cost).
 *
 *   npm run build && node dist/scripts/fuzz/make-regressions.js
 */

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildCertificate, generateKeyPair } from "../../src/x509/builder.js";
import { oid, seq, set, tlv } from "../../src/x509/write/der-writer.js";
import { writeJks } from "../../src/x509/write/jks.js";
import { writePkcs12 } from "../../src/x509/write/pkcs12.js";
import { crl, root } from "../../test/helpers/pki.js";
import { CORPUS_DIR, REGRESSIONS_DIR } from "../fuzz.js";
import { type Node, parseTree, writeTree } from "./asn1.js";
import { pkcs7 } from "./formats.js";
import { FUZZ_PASSWORD } from "./targets.js";

function save(target: string, id: string, bytes: Uint8Array | string, summary: string): void {
  const dir = join(REGRESSIONS_DIR, target);
  mkdirSync(dir, { recursive: true });
  const data = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes;
  writeFileSync(join(dir, `${id}.bin`), data);
  const meta = { kind: "hand-made", summary, savedBytes: data.length };
  writeFileSync(join(dir, `${id}.json`), `${JSON.stringify(meta, null, 2)}\n`);
}

/** The last INTEGER of the PFX (macData's iteration count), set to `n`. */
function withMacIterations(p12: Uint8Array, n: number): Uint8Array {
  const tree = parseTree(p12);
  const pfx = tree[0].kids!;
  const macData = pfx[pfx.length - 1].kids!;
  const iterations: Node = macData[macData.length - 1];
  const hex = n.toString(16).padStart(8, "0");
  iterations.content = new Uint8Array(Buffer.from(hex, "hex"));
  return writeTree(tree)!;
}

function main(): void {
  const key = generateKeyPair("ec-p256");
  const nb = new Date("2026-01-01T00:00:00Z");
  const na = new Date("2027-01-01T00:00:00Z");
  const leaf = buildCertificate({ subject: "CN=regression", publicKey: key, notBefore: nb, notAfter: na });

  // Point 5, fixed here.
  save(
    "der",
    "serial-64k",
    buildCertificate({
      subject: "CN=serial",
      publicKey: key,
      notBefore: nb,
      notAfter: na,
      serial: new Uint8Array(64 * 1024).fill(0x5a),
    }).der,
    "a 64 KiB serial number: 0.3-1.4 s to render in decimal (256 KiB: over 300 s)",
  );
  save("pkcs7", "empty", pkcs7([]), "an empty PKCS#7: decode exited 0 and printed nothing");
  save(
    "pkcs7",
    "crl-only",
    pkcs7([], [crl(root({ name: "Regression CRL Root" }))]),
    "a PKCS#7 made from a CRL",
  );
  save(
    "pkcs12",
    "no-certificate-bag",
    writePkcs12({}, FUZZ_PASSWORD, { iterations: 1, macIterations: 1 }),
    "a PKCS#12 without a certificate bag",
  );
  save("jks", "no-entries", writeJks([], FUZZ_PASSWORD, nb), "a JKS with 0 entries");
  save(
    "pem",
    "utf16",
    new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(leaf.pem, "utf16le")])),
    "a UTF-16 PEM: 'not a certificate file', no word about the encoding",
  );
  const rdn = set(seq(oid("2.5.4.3"), tlv(0x0c, new Uint8Array(20).fill(0x61))));
  const body = Buffer.concat(Array.from({ length: 20_000 }, () => rdn));
  const issuer = new Uint8Array(
    Buffer.concat([
      Uint8Array.of(0x30, 0x83, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff),
      body,
    ]),
  );
  const crlSeed = new Uint8Array(readFileSync(join(CORPUS_DIR, "crl", "revoked.crl")));
  const crlTree = parseTree(crlSeed);
  crlTree[0].kids![0].kids![2] = parseTree(issuer)[0];
  save(
    "crl",
    "issuer-20000-rdns",
    writeTree(crlTree)!,
    "a CRL whose issuer has 20,000 RDNs (3.8 MB: 1-2.5 s)",
  );

  // Points 2 and 3, owned elsewhere: replayed as known until fixed.
  const p12 = new Uint8Array(readFileSync(join(CORPUS_DIR, "pkcs12", "key-and-chain.p12")));
  save(
    "pkcs12",
    "mac-4999999-iterations",
    withMacIterations(p12, 4_999_999),
    "a PKCS#12 MAC with 4,999,999 iterations: decode 9.3 s (openssl 0.4 s)",
  );
  const response = readFileSync(join(CORPUS_DIR, "saml-response", "unsigned.xml"), "utf8");
  const idMatch = / ID="([^"]+)"/.exec(response)!;
  save(
    "saml-response",
    "duplicate-id-20000",
    response.replace("<saml:Issuer", `${`<x ID="${idMatch[1]}"/>`.repeat(20_000)}<saml:Issuer`),
    "20,000 repeats of one ID: duplicateIds() copies its list per repeat (30-38 s)",
  );
  save(
    "saml-response",
    "subject-120000-elements",
    response.replace("<saml:NameID", `${"<a/>".repeat(120_000)}<saml:NameID`),
    "120,000 empty elements in the Subject (486 KB: 35 s)",
  );
  const metadata = readFileSync(join(CORPUS_DIR, "saml-metadata", "metadata.xml"), "utf8");
  save(
    "saml-metadata",
    "nested-100000",
    metadata.replace("<md:NameIDFormat", `${"<a>".repeat(100_000)}${"</a>".repeat(100_000)}<md:NameIDFormat`),
    "100,000 nested elements: refused only after the whole parse (1-3.8 s)",
  );
}

main();
