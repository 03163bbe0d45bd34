/**
 * `chainproof csr [FILE|-]`: decode a certificate signing request (PEM or DER): the subject, the key, the
 * requested extensions, and whether its signature verifies. --json prints docs/schemas/csr.schema.json.
 * Exit status: 0 the signature verifies, 1 it does not (a CA refuses the request), 2 bad input.
 */

import { decodeCsr } from "../../app/csr.js";
import { readInput } from "../io.js";
import { safeText, styleFor } from "../style.js";

export async function runCsr(file: string, opts: { json?: boolean }): Promise<number> {
  const doc = decodeCsr({ name: file, bytes: readInput(file) });
  const out = process.stdout;
  if (opts.json) {
    out.write(`${JSON.stringify(doc, null, 2)}\n`);
    return doc.signatureValid ? 0 : 1;
  }
  const style = styleFor(out);
  const key = doc.publicKey;
  const keyText = [key.algorithm, key.bits !== undefined ? `${key.bits} bits` : "", key.curve ?? ""]
    .filter(Boolean)
    .join(" ");
  const lines: [string, string][] = [
    ["Subject", doc.subject.rfc4514 || "(empty)"],
    ["Key", `${keyText}, SHA-256 pin ${doc.publicKey.spkiSha256}`],
    [
      "Signature",
      `${doc.signatureAlgorithm.name}: ${doc.signatureValid ? "verifies with the request's key" : "DOES NOT VERIFY"}`,
    ],
    ["SANs", doc.subjectAltNames.map((n) => `${n.type}:${n.value}`).join(", ") || "(none)"],
  ];
  out.write(`${style.bold(`Certificate request ${safeText(file)}`)}\n`);
  for (const [k, v] of lines) out.write(`  ${k.padEnd(10)} ${safeText(v)}\n`);
  if (doc.extensions.length) out.write("  Requested extensions\n");
  for (const e of doc.extensions) {
    out.write(
      `    ${safeText(e.name ?? e.oid)}${e.critical ? " (critical)" : ""}: ${safeText(extensionText(e))}\n`,
    );
  }
  for (const w of doc.warnings) out.write(`${style.yellow("  warning")} ${safeText(w)}\n`);
  return doc.signatureValid ? 0 : 1;
}

function extensionText(e: { decoded?: Record<string, unknown>; error?: string; value: string }): string {
  if (e.error) return `cannot be decoded: ${e.error}`;
  const d = e.decoded;
  if (!d) return e.value;
  if (Array.isArray(d.names))
    return (d.names as { type: string; value: string }[]).map((n) => `${n.type}:${n.value}`).join(", ");
  if (Array.isArray(d.usages)) return (d.usages as string[]).join(", ");
  if (Array.isArray(d.purposes))
    return (d.purposes as { oid: string; name?: string }[]).map((p) => p.name ?? p.oid).join(", ");
  if (typeof d.ca === "boolean")
    return `CA:${d.ca ? "TRUE" : "FALSE"}${d.pathLen !== undefined ? `, pathLen ${d.pathLen}` : ""}`;
  return e.value;
}
