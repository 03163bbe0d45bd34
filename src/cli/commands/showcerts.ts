/**
 * `chainproof showcerts HOST[:PORT]`: what `openssl s_client -showcerts` prints, from the bytes the server
 * actually sent: the certificate list in the order sent (with its PEMs), the handshake summary, the
 * client-certificate CA names of a mutual-TLS server, plus a decoded summary per certificate and an order
 * check (is each certificate the issuer of the one before it, by name and signature).
 *
 * Exit status: 0 the handshake completed; 1 no handshake (network, TLS or server failure; the reason is on
 * stderr and in the JSON); 2 bad input. The JSON document (--json) is described in docs/showcerts.md.
 */

import { targetFrom } from "../../app/check.js";
import { opensslTime, type ShowcertsReport, showcerts } from "../../app/showcerts.js";
import { InputError } from "../../x509/errors.js";
import { type Style, safeText, styleFor } from "../style.js";
import { parseTimeout } from "./check.js";

const EXIT_OK = 0;
const EXIT_NO_HANDSHAKE = 1;

export interface ShowcertsOptions {
  servername?: string;
  /** commander's --no-sni: false when given. */
  sni?: boolean;
  connectTo?: string;
  timeout?: string;
  json?: boolean;
}

export async function runShowcerts(targetText: string, opts: ShowcertsOptions): Promise<number> {
  if (opts.sni === false && opts.servername)
    throw new InputError("--servername and --no-sni cannot be used together", "usage");
  const target = targetFrom(targetText, opts);
  const report = await showcerts({ target, timeoutMs: parseTimeout(opts.timeout) });
  const out = process.stdout;
  quietOnClosedPipe();
  if (opts.json) {
    out.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const text = renderText(report, styleFor(out));
    if (text) out.write(text);
  }
  if (report.failure) {
    const err = process.stderr;
    err.write(
      `chainproof: ${safeText(`${report.target.host}:${report.target.port}`)}: ${safeText(report.failure.message)}\n`,
    );
    if (report.failure.detail) err.write(`chainproof: ${safeText(report.failure.detail)}\n`);
  }
  return report.completed ? EXIT_OK : EXIT_NO_HANDSHAKE;
}

function renderText(rep: ShowcertsReport, style: Style): string {
  const lines: string[] = [];
  const t = rep.target;
  const hasSomething = rep.certificates.length > 0 || rep.handshake.protocol !== null;
  if (!hasSomething) return "";
  const where = t.address && t.address !== t.host ? `${t.host} (${t.address})` : t.host;
  lines.push(
    safeText(`Connected to ${where} port ${t.port}, ${t.servername ? `SNI ${t.servername}` : "no SNI"}`),
    "---",
    style.bold("Certificate chain"),
  );
  rep.certificates.forEach((c, i) => {
    if (c.parseError) {
      lines.push(safeText(`${String(i).padStart(2)} (does not parse: ${c.parseError})`));
    } else {
      lines.push(safeText(`${String(i).padStart(2)} s:${c.subjectOneline}`));
      lines.push(safeText(`   i:${c.issuerOneline}`));
      lines.push(safeText(`   a:${c.opensslKey}`));
      lines.push(
        `   v:NotBefore: ${opensslTime(new Date(c.notBefore!))}; NotAfter: ${opensslTime(new Date(c.notAfter!))}`,
      );
    }
    lines.push(c.pem.trimEnd());
  });
  if (rep.certificates.length === 0) lines.push("No certificates received");
  if (rep.certificateCount > rep.certificates.length) {
    lines.push(
      style.yellow(`(${rep.certificateCount - rep.certificates.length} more certificates not kept)`),
    );
  }

  if (rep.certificates.length) {
    lines.push("---", style.bold("Certificate summary"));
    for (const c of rep.certificates) {
      if (c.parseError) {
        lines.push(
          safeText(`${String(c.index).padStart(2)} ${style.red("not a certificate")}: ${c.parseError}`),
        );
        lines.push(`     SHA-256:  ${colonHex(c.sha256)}`);
        continue;
      }
      const tags = [c.isCA ? "CA" : "", c.selfSigned ? "self-signed" : ""].filter(Boolean).join(", ");
      lines.push(
        safeText(
          `${String(c.index).padStart(2)} ${c.commonName ?? c.subject ?? ""}${tags ? ` (${tags})` : ""}`,
        ),
      );
      if (c.sans.length) lines.push(safeText(`     SANs:     ${c.sans.join(", ")}`));
      const days = c.expiresInDays ?? 0;
      const when =
        days < 0
          ? style.red(`expired ${-days} days ago`)
          : days < 30
            ? style.yellow(`in ${days} days`)
            : `in ${days} days`;
      lines.push(`     Expires:  ${c.notAfter?.replace(".000Z", "Z")} (${when})`);
      const k = c.key!;
      const keyText =
        k.algorithm === "EC" ? `EC ${k.curve ?? ""}`.trim() : `${k.algorithm}${k.bits ? ` ${k.bits}` : ""}`;
      lines.push(safeText(`     Key:      ${keyText}; signed with ${c.signatureAlgorithm}`));
      lines.push(`     SHA-256:  ${colonHex(c.sha256)}`);
      const mark =
        c.issuesPrevious === true ? style.green("✓ ") : c.issuesPrevious === false ? style.red("✗ ") : "";
      lines.push(safeText(`     Order:    ${mark}${c.order}`));
    }
    lines.push(
      rep.chainOrder.ok
        ? style.green("Chain order: each certificate issued the one before it")
        : style.red(
            `Chain order: ${rep.chainOrder.problems.length} problem${rep.chainOrder.problems.length === 1 ? "" : "s"}`,
          ),
    );
  }

  const cr = rep.clientCertificateRequest;
  if (cr) {
    lines.push("---");
    if (cr.certificateAuthorities.length) {
      lines.push(style.bold("Acceptable client certificate CA names"));
      for (const n of cr.certificateAuthorities) lines.push(safeText(n.oneline));
    } else lines.push(style.bold("No client certificate CA names sent"));
    if (cr.certificateTypes?.length)
      lines.push(`Client certificate types: ${cr.certificateTypes.join(", ")}`);
    if (cr.signatureAlgorithms?.length)
      lines.push(`Requested signature algorithms: ${cr.signatureAlgorithms.join(", ")}`);
    if (cr.signatureAlgorithmsCert?.length)
      lines.push(`Requested certificate signature algorithms: ${cr.signatureAlgorithmsCert.join(", ")}`);
  }

  const h = rep.handshake;
  lines.push("---", style.bold(rep.completed ? "Handshake" : "Handshake (not completed)"));
  lines.push(`Protocol:      ${h.protocol ?? "unknown"}`);
  if (h.cipher)
    lines.push(
      `Cipher:        ${h.cipher.name}${h.cipher.openssl && h.cipher.openssl !== h.cipher.name ? ` (OpenSSL: ${h.cipher.openssl})` : ""}`,
    );
  lines.push(safeText(`ALPN:          ${h.alpn ?? "none negotiated"}`));
  lines.push(`OCSP stapled:  ${ocspText(h.ocsp)}`);
  if (h.keyExchange) {
    const kx = h.keyExchange;
    const parts = [kx.group, kx.dhBits ? `DH ${kx.dhBits} bits` : undefined].filter(Boolean);
    lines.push(
      `Key exchange:  ${parts.join(", ") || "unknown"}${kx.signatureScheme ? `; server signature ${kx.signatureScheme}` : ""}`,
    );
  }
  if (h.helloRetryRequest) lines.push("HelloRetryRequest: yes");
  if (cr?.verdict)
    lines.push(`Client certificate: ${cr.verdict === "unknown" ? "no verdict seen" : cr.verdict}`);
  lines.push(
    `Read ${h.bytesRead.toLocaleString("en-US")} bytes, wrote ${h.bytesWritten.toLocaleString("en-US")} bytes in ${h.timing.totalMs} ms`,
  );
  if (rep.versions) {
    const ok = rep.versions.filter((v) => v.supported).map((v) => v.version);
    lines.push(`Versions the server accepts: ${ok.length ? ok.join(", ") : "none of TLSv1 to TLSv1.3"}`);
  }
  if (rep.failure) lines.push(style.red(safeText(`Failure:       ${rep.failure.message}`)));
  if (rep.notes.length) {
    lines.push("---", style.bold("Notes"));
    for (const n of rep.notes) lines.push(safeText(`- ${n}`));
  }
  return `${lines.join("\n")}\n`;
}

function ocspText(o: ShowcertsReport["handshake"]["ocsp"]): string {
  if (!o) return "no";
  const first = o.responses[0];
  const parts = [`yes, ${o.responseStatus}`];
  if (first) parts.push(`certificate ${first.status}`);
  if (first?.nextUpdate) parts.push(`next update ${first.nextUpdate}`);
  if (o.error) parts.push(`(${o.error})`);
  return parts.join("; ");
}

function colonHex(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(":");
}

function quietOnClosedPipe(): void {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}
