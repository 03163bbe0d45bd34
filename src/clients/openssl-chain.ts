/**
 * OpenSSL 3.0's issuer selection (crypto/x509/x509_vfy.c build_chain with X509_V_FLAG_TRUSTED_FIRST, its
 * default since 1.1.0): for the certificate at the top of the chain, the trusted store first, then the
 * certificates the server sent, in the order sent (find_issuer: the first that is valid now, else the one
 * that expires last), each once. An issuer is a certificate whose subject is the child's issuer name and
 * whose key identifier does not contradict the child's authorityKeyIdentifier (check_issued →
 * ossl_x509_likely_issued); no signature is checked while building, and no other candidate is tried
 * afterwards. A self-signed certificate ends the chain: sent before a cross-signed copy of itself (same name
 * and key), it is where OpenSSL stops, with error 19, although the copy leads to a trusted root.
 *
 * The client layer hands the validator only the sent certificates of that chain, so the validator judges
 * the path OpenSSL takes (and OpenSSL's "alternate chains", a trusted issuer for a shorter chain, stay open
 * to it through the anchors).
 */

import { contradictsKeyId, selfSigned } from "../verify/index.js";
import type { Certificate } from "../x509/certificate.js";

/** OpenSSL's default verify depth (100 intermediates) plus the leaf and the root. */
const MAX_CHAIN = 102;

/** find_issuer: the first candidate valid at `timeMs`, else the one whose notAfter is latest. */
function firstIssuer(
  child: Certificate,
  candidates: readonly Certificate[],
  used: ReadonlySet<string>,
  timeMs: number,
): Certificate | undefined {
  let fallback: Certificate | undefined;
  for (const c of candidates) {
    if (used.has(c.sha256)) continue;
    if (c.subject.matchKey !== child.issuer.matchKey || contradictsKeyId(child, c)) continue;
    if (c.notBefore.getTime() <= timeMs && timeMs <= c.notAfter.getTime()) return c;
    if (!fallback || c.notAfter.getTime() > fallback.notAfter.getTime()) fallback = c;
  }
  return fallback;
}

/**
 * The sent certificates OpenSSL puts in the chain above `leaf`, in chain order. `anchorsNamed` gives the
 * trusted store's certificates whose subject has a given match key (so a bundled store parses only the roots
 * the chain names); `anchorsEndChain` false (no -partial_chain) means a trusted certificate that is not self-signed is
 * an issuer like any other, whose own issuer is looked for next.
 */
export function opensslSentChain(
  leaf: Certificate,
  sent: readonly Certificate[],
  anchorsNamed: (subjectKey: string) => readonly Certificate[],
  anchorsEndChain: boolean,
  time: Date,
): Certificate[] {
  const timeMs = Math.floor(time.getTime() / 1000) * 1000;
  const used = new Set<string>([leaf.sha256]);
  const out: Certificate[] = [];
  let cur = leaf;
  for (let length = 1; length < MAX_CHAIN && !selfSigned(cur); length++) {
    const trusted = firstIssuer(cur, anchorsNamed(cur.issuer.matchKey), used, timeMs);
    if (trusted) {
      if (anchorsEndChain || selfSigned(trusted)) break;
      used.add(trusted.sha256);
      cur = trusted;
      continue;
    }
    const next = firstIssuer(cur, sent, used, timeMs);
    if (!next) {
      // Same-name certificates whose key identifier rules them out: not issuers, but the validator must see
      // them to say why the chain stops here (issuer-key-id-mismatch, error 20).
      const child = cur;
      out.push(...sent.filter((c) => !used.has(c.sha256) && c.subject.matchKey === child.issuer.matchKey));
      break;
    }
    used.add(next.sha256);
    out.push(next);
    cur = next;
  }
  return out;
}
