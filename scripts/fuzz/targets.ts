/**
 * What the fuzzer feeds: each target calls the product's entry point that a user's file reaches (the code
 * behind `decode`, `verify --crl`, `saml verify`, `saml metadata`, `roots import`, the TLS capture of
 * `showcerts`), and says which errors are the product's own typed refusals. Anything else thrown is a crash.
 */

import { certificateNodes } from "../../src/cli/render/certificate.js";
import { renderNodes } from "../../src/cli/render/layout.js";
import { styleFor } from "../../src/cli/style.js";
import { ServerCapture } from "../../src/net/capture.js";
import { summarizeOcsp } from "../../src/net/ocsp.js";
import { TlsFormatError } from "../../src/net/tls-records.js";
import { MetadataError, readMetadata } from "../../src/saml/metadata.js";
import { NotAResponseError, verifyResponse } from "../../src/saml/response.js";
import { SamlInputError } from "../../src/saml/xml.js";
import { parseSalesforceRootList } from "../../src/trust/salesforce-list.js";
import { parseCrl } from "../../src/verify/crl.js";
import { parseCertificate } from "../../src/x509/certificate.js";
import { DerError } from "../../src/x509/der.js";
import { InputError } from "../../src/x509/errors.js";
import { readCertificates } from "../../src/x509/input.js";
import { decodeDocument } from "../../src/x509/json.js";
import type { InputKind } from "./mutate.js";

export interface Target {
  name: string;
  kind: InputKind;
  /** Share of a run's inputs, relative to 1 (targets whose every input costs a signature check get fewer). */
  weight?: number;
  /** Largest mutated input we make: past the product's own limit, so that the limit itself is exercised. */
  maxBytes: number;
  /** Run the input through the product. Returns normally, or throws. */
  run(bytes: Uint8Array): void;
  /** True when `e` is one of the product's typed refusals for this input. */
  expected(e: unknown): boolean;
}

/** The password the seed PKCS#12 files and keystores are written with (test/fuzz/corpus/README.md). */
export const FUZZ_PASSWORD = "fuzz-password";
/** A fixed "now" so that a run does not depend on the day. */
export const FUZZ_NOW = new Date("2026-07-01T00:00:00Z");

const MiB = 1024 * 1024;
const plain = styleFor({ isTTY: false } as NodeJS.WriteStream);

/** `chainproof decode FILE`: read, map to the JSON document, and lay out the human view. */
function decode(bytes: Uint8Array, password?: string): void {
  const read = readCertificates(bytes, { source: "fuzz", password });
  const doc = decodeDocument(read.certificates, [], { now: FUZZ_NOW });
  JSON.stringify(doc);
  for (const c of doc.certificates) renderNodes(certificateNodes(c), plain, {}, 1);
}

const inputError = (e: unknown) => e instanceof InputError;

function decodeTarget(name: string, kind: InputKind, password?: string, weight = 1): Target {
  return { name, kind, weight, maxBytes: 4 * MiB, run: (b) => decode(b, password), expected: inputError };
}

/** Seed certificates for the SAML targets, read from the corpus by the harness before a run. */
export const samlTrust: { certificates: ReturnType<typeof parseCertificate>[] } = { certificates: [] };

export const TARGETS: Target[] = [
  decodeTarget("der", "der"),
  decodeTarget("pem", "pem"),
  decodeTarget("pkcs7", "der"),
  decodeTarget("pkcs12", "der", FUZZ_PASSWORD, 0.6),
  decodeTarget("jks", "binary", FUZZ_PASSWORD, 0.6),
  {
    name: "crl",
    kind: "der",
    maxBytes: 4 * MiB,
    run(b) {
      const crl = parseCrl(b);
      crl.issuer.toString();
    },
    expected: (e) => e instanceof DerError || e instanceof InputError,
  },
  {
    name: "ocsp",
    kind: "der",
    maxBytes: 1 * MiB,
    // summarizeOcsp reports problems in its result and never throws.
    run: (b) => void summarizeOcsp(b),
    expected: () => false,
  },
  {
    name: "tls",
    kind: "binary",
    maxBytes: 1 * MiB,
    run(b) {
      // As showcerts receives it: the server's bytes in two chunks, then every certificate it kept parsed.
      const capture = new ServerCapture({ maxCertificates: 20, maxMessageBytes: 256 * 1024 });
      const cut = b.length >> 1;
      capture.onServerData(b.subarray(0, cut));
      capture.onServerData(b.subarray(cut));
      for (const der of capture.certificate?.certificates ?? []) {
        try {
          parseCertificate(der);
        } catch (e) {
          if (!(e instanceof DerError)) throw e;
        }
      }
    },
    expected: (e) => e instanceof TlsFormatError,
  },
  {
    name: "saml-response",
    kind: "xml",
    weight: 0.3,
    maxBytes: 2 * MiB,
    run: (b) => void verifyResponse(b, { trusted: samlTrust.certificates, at: FUZZ_NOW }),
    expected: (e) => e instanceof SamlInputError || e instanceof NotAResponseError || e instanceof InputError,
  },
  {
    name: "saml-metadata",
    kind: "xml",
    maxBytes: 2 * MiB,
    run: (b) => void readMetadata(b, { at: FUZZ_NOW }),
    expected: (e) => e instanceof SamlInputError || e instanceof MetadataError || e instanceof InputError,
  },
  {
    name: "roots-list",
    kind: "text",
    weight: 0.3,
    maxBytes: 2 * MiB,
    run: (b) => void parseSalesforceRootList(Buffer.from(b).toString("utf8"), { source: "cacerts.jsp" }),
    expected: inputError,
  },
];

export function targetNamed(name: string): Target {
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new Error(`no fuzz target "${name}" (known: ${TARGETS.map((x) => x.name).join(", ")})`);
  return t;
}
