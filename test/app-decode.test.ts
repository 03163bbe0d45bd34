/**
 * The decode use case (src/app/decode.ts) for each kind of input it takes: a file path, bytes a library
 * user holds, and an input already opened (what the web app hands over after opening an upload in its
 * worker pool). Every kind gives the same document, and the CLI's `decode --json` agrees.
 */

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type DecodeInput, decode } from "../src/app/index.js";
import { readCertificates } from "../src/x509/input.js";
import { toPem } from "../src/x509/pem.js";
import { runCli } from "./helpers/cli.js";
import { tempDir } from "./helpers/openssl.js";
import { chain3 } from "./helpers/pki.js";

const tmp = tempDir("chainproof-app-decode-");
after(() => tmp.cleanup());

/** The document without its generation time, which differs from one call to the next. */
function timeless(doc: { generatedAt: string }): unknown {
  const { generatedAt: _, ...rest } = doc;
  return rest;
}

describe("app: decode", () => {
  const { ica, leaf } = chain3({ host: "decode.example.com" });
  const pem = new TextEncoder().encode(toPem(leaf.der) + toPem(ica.der));
  const file = join(tmp.dir, "chain.pem");
  writeFileSync(file, pem);

  it("a path, bytes and an opened input give the same document, the CLI's --json", async () => {
    const opened = readCertificates(pem, { source: file });
    const kinds: DecodeInput[] = [file, { name: file, bytes: pem }, { name: file, opened }];
    const docs = await Promise.all(kinds.map(async (input) => timeless(await decode({ inputs: [input] }))));
    const cli = await runCli(["decode", "--json", file]);
    assert.equal(cli.code, 0, cli.stderr);
    for (const doc of docs) assert.deepEqual(doc, timeless(JSON.parse(cli.stdout)));
    const first = (await decode({ inputs: [{ name: file, opened }] })).certificates;
    assert.deepEqual(
      first.map((c) => c.fingerprints.sha256),
      [leaf.cert.sha256, ica.cert.sha256].map((h) => h.toUpperCase()),
    );
  });

  it("an opened input sits with the others in order; an unreadable one is an error, not a throw", async () => {
    const opened = readCertificates(new TextEncoder().encode(toPem(ica.der)), { source: "ica.pem" });
    const missing = join(tmp.dir, "missing.pem");
    const doc = await decode({ inputs: [{ name: "ica.pem", opened }, missing, file] });
    assert.deepEqual(
      doc.certificates.map((c) => c.fingerprints.sha256),
      [ica.cert.sha256, leaf.cert.sha256, ica.cert.sha256].map((h) => h.toUpperCase()),
    );
    assert.deepEqual(
      doc.errors.map((e) => [e.file, e.code]),
      [[missing, "cannot-read"]],
    );
  });
});
