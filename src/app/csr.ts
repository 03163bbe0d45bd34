/**
 * The csr use case: decode a PKCS#10 certificate signing request (PEM or DER) as the document
 * `chainproof csr --json` prints (docs/schemas/csr.schema.json): the subject, the key, the requested
 * extensions decoded, and whether the request's signature verifies with the key it carries (the proof that
 * whoever made it holds the private key; a CA refuses a request whose signature fails).
 */

import { type ParsedCsr, parseCsr } from "../x509/builder.js";
import { MAX_CERTIFICATE_BYTES } from "../x509/certificate.js";
import { InputError, LimitError } from "../x509/errors.js";
import {
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeKeyUsage,
  decodeSubjectAltName,
  type Extension,
} from "../x509/extensions.js";
import {
  type ExtensionJson,
  type GeneralNameJson,
  generalNameJson,
  type NameJson,
  nameJson,
} from "../x509/json.js";
import { EKU_NAMES, EXTENSION_NAMES, OID } from "../x509/oids.js";
import { looksLikePem, PemError, parsePem, toPem } from "../x509/pem.js";

export const CSR_SCHEMA = "chainproof/csr";
export const CSR_SCHEMA_VERSION = 1;

/** The PEM labels of a request: RFC 7468's, and the "NEW" one older tools (Netscape, IIS) write. */
const CSR_LABELS = new Set(["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"]);

/** A requested extension, shaped as decode's (docs/decode.schema.json); decoded for the four a CSR asks. */
export type CsrExtensionJson = ExtensionJson;

export interface CsrDocument {
  schema: typeof CSR_SCHEMA;
  version: typeof CSR_SCHEMA_VERSION;
  source: string;
  subject: NameJson;
  publicKey: { algorithm: string; bits?: number; curve?: string; exponent?: number; spkiSha256: string };
  subjectAltNames: GeneralNameJson[];
  extensions: CsrExtensionJson[];
  signatureAlgorithm: { name: string; oid: string };
  /** The signature verifies with the request's own key. */
  signatureValid: boolean;
  /** Things a CA would object to (no SAN, a weak key, a bad signature). */
  warnings: string[];
  /** The request, PEM. */
  pem: string;
}

/** The request's DER from PEM or DER bytes; InputError naming the file when there is none. */
export function csrDer(bytes: Uint8Array, name: string): Uint8Array {
  if (bytes.length === 0) throw new InputError(`${name}: the input is empty`, "empty-input");
  if (bytes.length > MAX_CERTIFICATE_BYTES) {
    throw new LimitError(`${name}: larger than 1 MiB; no certificate request is that large`);
  }
  if (!looksLikePem(bytes)) return bytes;
  let blocks: ReturnType<typeof parsePem>;
  try {
    blocks = parsePem(Buffer.from(bytes).toString("latin1"));
  } catch (e) {
    if (e instanceof PemError) throw new InputError(`${name}: line ${e.line}: ${e.message}`, "bad-pem");
    throw e;
  }
  const requests = blocks.filter((b) => CSR_LABELS.has(b.label));
  if (requests.length === 0) {
    const labels = [...new Set(blocks.map((b) => b.label))].join(", ");
    throw new InputError(
      `${name}: no CERTIFICATE REQUEST block (found ${labels || "no PEM block"}); for certificates use chainproof decode`,
      "not-a-csr",
    );
  }
  if (requests.length > 1) {
    throw new InputError(`${name}: holds ${requests.length} certificate requests; give one`, "usage");
  }
  return requests[0].der;
}

/** Read one request (PEM or DER), checking its signature. */
export function readCsr(bytes: Uint8Array, name: string): ParsedCsr {
  return parseCsr(csrDer(bytes, name), name);
}

/** Decode a certificate signing request: the `chainproof csr --json` document. */
export function decodeCsr(input: { name: string; bytes: Uint8Array }): CsrDocument {
  const csr = readCsr(input.bytes, input.name);
  const key = csr.publicKey;
  return {
    schema: CSR_SCHEMA,
    version: CSR_SCHEMA_VERSION,
    source: input.name,
    subject: nameJson(csr.subject),
    publicKey: {
      algorithm: key.algorithm,
      ...(key.bits !== undefined ? { bits: key.bits } : {}),
      ...(key.curve !== undefined ? { curve: key.curve } : {}),
      ...(key.rsaExponent !== undefined ? { exponent: key.rsaExponent } : {}),
      spkiSha256: csr.spkiSha256.toUpperCase(),
    },
    subjectAltNames: csr.san.map(generalNameJson),
    extensions: csr.extensions.map(extensionJson),
    signatureAlgorithm: csr.signatureAlgorithm,
    signatureValid: csr.signatureValid,
    warnings: csrWarnings(csr),
    pem: toPem(csr.der, "CERTIFICATE REQUEST"),
  };
}

function extensionJson(ext: Extension): CsrExtensionJson {
  const name = EXTENSION_NAMES[ext.oid];
  const out: CsrExtensionJson = {
    oid: ext.oid,
    ...(name ? { name } : {}),
    critical: ext.critical,
    value: Buffer.from(ext.value).toString("hex"),
  };
  try {
    const decoded = decodedExtension(ext);
    if (decoded) out.decoded = decoded;
  } catch (e) {
    out.error = e instanceof Error ? e.message : String(e);
  }
  return out;
}

function decodedExtension(ext: Extension): Record<string, unknown> | undefined {
  switch (ext.oid) {
    case OID.subjectAltName:
      return { names: decodeSubjectAltName(ext.value).map(generalNameJson) };
    case OID.keyUsage:
      return { usages: decodeKeyUsage(ext.value).usages };
    case OID.extKeyUsage:
      return {
        purposes: decodeExtKeyUsage(ext.value).map((oid) => ({
          oid,
          ...(EKU_NAMES[oid] ? { name: EKU_NAMES[oid] } : {}),
        })),
      };
    case OID.basicConstraints: {
      const bc = decodeBasicConstraints(ext.value);
      return { ca: bc.ca, ...(bc.pathLen !== undefined ? { pathLen: bc.pathLen } : {}) };
    }
    default:
      return undefined;
  }
}

function csrWarnings(csr: ParsedCsr): string[] {
  const out: string[] = [];
  if (!csr.signatureValid) {
    out.push(
      `the signature (${csr.signatureAlgorithm.name}) does not verify with the request's key: a CA refuses it`,
    );
  }
  if (csr.san.length === 0) {
    out.push(
      "no subjectAltName requested: browsers, Go and Chrome ignore the CN; public CAs add the SAN themselves",
    );
  }
  const { algorithm, bits } = csr.publicKey;
  if (algorithm === "RSA" && bits !== undefined && bits < 2048) {
    out.push(`an RSA key of ${bits} bits: public CAs refuse keys under 2048 bits`);
  }
  return out;
}
