/**
 * A certificate's Certificate Transparency and revocation status on its own, outside a check: what the web
 * decoder shows per certificate (and the checker's drawing when a certificate is opened). CT is offline, from
 * the certificate itself against the bundled log list; revocation is on demand, through the same outgoing
 * guard as a check (OCSP through the AIA URL, then the CRL distribution points: src/net/revocation.ts).
 *
 * The issuer (needed to verify embedded SCTs and to ask an OCSP responder) is looked for among the other
 * certificates the user gave, then in the bundled Mozilla store, then, for revocation only, at the
 * certificate's AIA caIssuers URL.
 */

import { certificateTransparency } from "../clients/ct.js";
import { CLIENT_IDS } from "../clients/profile.js";
import { type AiaOptions, caIssuersUrls, fetchCaIssuers } from "../net/aia.js";
import { checkRevocationStatus, revocationPath } from "../net/revocation.js";
import { bundledCtLogs, type CtLogList } from "../trust/ct-logs.js";
import { mozillaStore } from "../trust/mozilla.js";
import { findAnchor } from "../trust/store.js";
import type { Certificate } from "../x509/certificate.js";
import { InputError } from "../x509/errors.js";
import { ctJson, revocationJson, revocationOptionsFrom } from "./revocation.js";

/** The leaf and its issuers as far as `pool` and the Mozilla store reach, and whether a public root ends it. */
function pathOf(
  cert: Certificate,
  pool: readonly Certificate[],
): { path: Certificate[]; publicRoot: boolean } {
  const mozilla = mozillaStore();
  const path = revocationPath(cert, pool, [mozilla]);
  return { path, publicRoot: path.some((c) => findAnchor(mozilla, c.sha256) !== undefined) };
}

export interface TransparencyOptions {
  /** Other certificates that may have issued these (the rest of the file, the chain a check saw). */
  pool?: readonly Certificate[];
  time: Date;
  /** The CT log list (default the bundled one, data/ct-logs.json). */
  logs?: CtLogList;
}

/** The `ct` document (as `chainproof check --json` prints it) of each certificate: its embedded SCTs only. */
export function transparencyOf(certs: readonly Certificate[], o: TransparencyOptions) {
  const logs = o.logs ?? bundledCtLogs();
  const pool = [...certs, ...(o.pool ?? [])];
  return certs.map((cert) => {
    const { path, publicRoot } = pathOf(cert, pool);
    return ctJson(
      certificateTransparency({
        leaf: cert,
        ...(path[1] ? { issuer: path[1] } : {}),
        logs,
        time: o.time,
        // Only a leaf can be refused for its CT; a CA certificate carries no SCTs and needs none.
        publicRoot: publicRoot && !cert.isCA,
        clients: CLIENT_IDS,
      }),
    );
  });
}

export interface CertificateRevocationOptions {
  /** Other certificates that may have issued it. */
  pool?: readonly Certificate[];
  time: Date;
  /** The fetches' guard, resolver and allowed origins: those of AIA (a certificate chose the URLs). */
  aia: AiaOptions;
  signal?: AbortSignal;
}

/**
 * The revocation status of one certificate (the `revocation` document of `chainproof check --json`, for a
 * path of this certificate and its issuer): live OCSP, then CRLs. A root, or a certificate whose issuer is
 * nowhere to be found, is an InputError saying so.
 */
export async function revocationOfCertificate(cert: Certificate, o: CertificateRevocationOptions) {
  if (cert.selfSigned)
    throw new InputError(
      `${cert.label} is self-signed (a root): clients trust it or not by their store, no revocation is checked`,
      "no-issuer",
    );
  let { path, publicRoot } = pathOf(cert, o.pool ?? []);
  if (path.length < 2) {
    const fetched = await issuersByAia(cert, o.aia);
    ({ path, publicRoot } = pathOf(cert, [...(o.pool ?? []), ...fetched.certificates]));
    if (path.length < 2)
      throw new InputError(
        `the issuer of ${cert.label} (${cert.issuer.toString()}) is not in the file nor in the bundled stores${fetched.why ? `, and AIA gave none (${fetched.why})` : ""}: add it to the file`,
        "no-issuer",
      );
  }
  const report = await checkRevocationStatus(
    { path: path.slice(0, 2), handshakeSeen: false, clients: CLIENT_IDS, publicRoot, time: o.time },
    revocationOptionsFrom(o.aia, o.signal),
  );
  return revocationJson(report);
}

/** The certificates at the AIA caIssuers URLs of `cert` (at most two), and why there are none. */
async function issuersByAia(cert: Certificate, aia: AiaOptions) {
  const urls = caIssuersUrls(cert).slice(0, 2);
  if (!urls.length) return { certificates: [], why: "no caIssuers URL" };
  const fetches = await Promise.all(urls.map((u) => fetchCaIssuers(u, aia)));
  return {
    certificates: fetches.flatMap((f) => f.certificates),
    why: fetches.map((f) => f.error && `${f.url}: ${f.error}`).find(Boolean),
  };
}
