/**
 * What is wrong with a chain as the server sends it, whatever the client: missing intermediates, order,
 * extra and duplicate certificates, a root sent, expiry, weak keys and signatures, host-name problems.
 * Client verdicts (./evaluate.ts) say which of these make which client refuse the chain.
 */

import { matchPeerName, type PeerName } from "../verify/hostname.js";
import { checkSignature, contradictsKeyId, selfSigned } from "../verify/index.js";
import type { Certificate } from "../x509/certificate.js";
import { OID } from "../x509/oids.js";
import { isWeakHash, signatureHash } from "./algorithms.js";
import { type CertificateRef, certRef, type ReportFinding } from "./finding.js";
import { isoSeconds } from "./profile.js";

export const DEFAULT_EXPIRING_DAYS = 30;
const DAY_MS = 86_400_000;

export interface SentCertificate {
  /** 1-based position in the chain as sent. */
  position: number;
  cert: Certificate;
  role: "leaf" | "intermediate" | "root" | "unrelated" | "duplicate";
}

/** A certificate chainproof knows from elsewhere, used to name what a chain is missing. */
export interface KnownCertificate {
  cert: Certificate;
  /** Where it is known from: "mozilla", "fpki", a store id, "aia". */
  source: string;
}

export interface ChainGap {
  /** The last certificate of the sent chain; not self-signed, and nothing sent issued it. */
  top: Certificate;
  /** The issuer's distinguished name, as the top certificate names it. */
  issuer: string;
  /** The authority key identifier the top certificate gives for its issuer (hex). */
  aki?: string;
  /** AIA caIssuers URLs of the top certificate: where a client could download the issuer. */
  caIssuers: string[];
  /** The issuer, when a known certificate (bundled roots, catalogs, fetched) has its name and key. */
  known?: KnownCertificate & { kind: "root" | "intermediate" };
}

export interface ChainAnalysis {
  sent: SentCertificate[];
  /** From the leaf through the sent certificates, issuer by issuer (leaf first). */
  sentPath: Certificate[];
  /** The sent chain ends at a self-signed certificate the server sent. */
  rootSent: boolean;
  /** The trust anchor (from the stores) that issued the sent chain's top certificate, when one did. */
  closedBy?: Certificate;
  /** Set when the sent chain stops short: nothing sent or trusted issued its top certificate. */
  gap?: ChainGap;
  findings: ReportFinding[];
}

export interface AnalyzeInput {
  leaf: Certificate;
  /** The certificates the server sent, in order; the leaf may be among them (usually first). */
  presented: readonly Certificate[];
  /**
   * The trust anchors of every store being evaluated; those whose subject the chain as sent names (as a
   * subject or an issuer) suffice, as the analysis compares the chain with no others.
   */
  anchors: readonly Certificate[];
  /** Names of those stores, for messages ("Mozilla NSS 2.86"). */
  storeNames: readonly string[];
  /** Certificates that may name what the chain lacks; a function is called only when the chain has a gap. */
  known?: readonly KnownCertificate[] | (() => readonly KnownCertificate[]);
  peer?: PeerName;
  time: Date;
  expiringDays?: number;
}

/**
 * `cand` issued `child`: the names chain and `cand`'s key verifies `child`'s signature (through the
 * verifier's signature cache: walking a pile of look-alike issuers for every client asks the same questions).
 */
export function issued(cand: Certificate, child: Certificate): boolean {
  return cand.subject.matchKey === child.issuer.matchKey && checkSignature(child, cand).ok;
}

/** The chain as sent, with the leaf first: `presented` when it holds the leaf, else the leaf then `presented`. */
export function sentChain(leaf: Certificate, presented: readonly Certificate[]): Certificate[] {
  return presented.some((c) => c.sha256 === leaf.sha256) ? [...presented] : [leaf, ...presented];
}

function caIssuersOf(cert: Certificate): string[] {
  return (cert.authorityInfoAccess ?? [])
    .filter((a) => a.method === OID.caIssuers && a.location.type === "uri")
    .map((a) => a.location.value);
}

function days(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/**
 * The longest walk: the leaf, 100 intermediates (OpenSSL's default verify depth, the deepest any client
 * goes) and a root. A mesh of cross-signed CAs would otherwise be walked through every one of its
 * certificates, as OpenSSL wanders through it until its depth runs out.
 */
const MAX_WALK = 102;

/**
 * From `leaf`, issuer by issuer through `candidates` (the earliest candidate that issued the current
 * certificate, one whose key identifier the certificate names first), until a self-signed certificate or a
 * certificate none of them issued: how far a client gets with what it was given, before any trust store.
 * Trying the named key first keeps a shuffled pile of same-name CAs to one signature check per step. With
 * `keyIdMismatchRefused` (OpenSSL's rule), a candidate whose key identifier contradicts the one the
 * certificate names is not its issuer.
 */
export function walkIssuers(
  leaf: Certificate,
  candidates: readonly Certificate[],
  keyIdMismatchRefused = false,
): Certificate[] {
  const path: Certificate[] = [leaf];
  const used = new Set<string>([leaf.sha256]);
  const unused = (c: Certificate) => !used.has(c.sha256);
  const bySki = new Map<string, Certificate[]>();
  for (const c of candidates) {
    const ski = c.subjectKeyIdentifier;
    if (ski === undefined) continue;
    const list = bySki.get(ski);
    if (list) list.push(c);
    else bySki.set(ski, [c]);
  }
  for (let cur = leaf; !selfSigned(cur) && path.length < MAX_WALK; ) {
    const kid = cur.authorityKeyIdentifier?.keyId;
    const named = kid !== undefined ? bySki.get(kid) : undefined;
    const contradicts = (c: Certificate) => keyIdMismatchRefused && contradictsKeyId(cur, c);
    const next =
      named?.find((c) => unused(c) && issued(c, cur)) ??
      candidates.find((c) => unused(c) && !contradicts(c) && issued(c, cur));
    if (!next) break;
    path.push(next);
    used.add(next.sha256);
    cur = next;
  }
  return path;
}

/** Stray (unrelated or repeated) certificates reported one by one; the rest are counted in one more finding. */
export const MAX_STRAY_FINDINGS = 20;

export function analyzeChain(input: AnalyzeInput): ChainAnalysis {
  const { leaf, time } = input;
  const list = sentChain(leaf, input.presented);
  const findings: ReportFinding[] = [];

  const sentPath = walkIssuers(leaf, list);
  const top = sentPath[sentPath.length - 1];
  const rootSent = sentPath.length > 1 && selfSigned(top);
  // The walk stopped at its length limit, not at a missing issuer: what lies beyond is unknown, so nothing
  // is called missing or unrelated (the client verdicts say the chain is too long).
  const walkCut = sentPath.length >= MAX_WALK && !selfSigned(top);

  const seen = new Set<string>();
  const sent: SentCertificate[] = list.map((cert, i) => {
    const dup = seen.has(cert.sha256);
    seen.add(cert.sha256);
    const inPath = sentPath.includes(cert);
    const role: SentCertificate["role"] = dup
      ? "duplicate"
      : cert === leaf || cert.sha256 === leaf.sha256
        ? "leaf"
        : inPath
          ? selfSigned(cert)
            ? "root"
            : "intermediate"
          : walkCut
            ? "intermediate"
            : "unrelated";
    return { position: i + 1, cert, role };
  });
  // First sent entry per certificate, and first that is not a duplicate: looked up for every finding.
  const firstSent = new Map<string, (typeof sent)[number]>();
  const firstKept = new Map<string, (typeof sent)[number]>();
  for (const s of sent) {
    if (!firstSent.has(s.cert.sha256)) firstSent.set(s.cert.sha256, s);
    if (s.role !== "duplicate" && !firstKept.has(s.cert.sha256)) firstKept.set(s.cert.sha256, s);
  }
  const positionOf = (c: Certificate): number | undefined => firstSent.get(c.sha256)?.position;
  const refOf = (c: Certificate): CertificateRef => {
    const s = firstKept.get(c.sha256);
    const role: CertificateRef["role"] =
      c.sha256 === leaf.sha256
        ? "leaf"
        : s?.role === "unrelated"
          ? "unrelated"
          : selfSigned(c)
            ? "root"
            : "intermediate";
    return certRef(c, role, positionOf(c));
  };

  // ---- Order, extras, duplicates, root sent (RFC 8446 §4.4.2; RFC 5246 §7.4.2).
  const pathPositions = sentPath.map((c) => positionOf(c) ?? 0);
  const ordered =
    pathPositions.every((p, i) => i === 0 || p > pathPositions[i - 1]) && pathPositions[0] === 1;
  if (!ordered) {
    const order = sentPath.map((c) => `#${positionOf(c)} ${c.label}`).join(" → ");
    findings.push({
      code: "wrong-order",
      severity: "warning",
      message: `The server sends its certificates out of order. The chain is ${order}, but each certificate should be followed by the one that issued it, starting with the server's own.`,
      fix: "Send the server certificate first, then its issuer, then that certificate's issuer, and so on (TLS 1.2 requires this order; TLS 1.3 clients tolerate others, older ones may not).",
      data: { order: sentPath.map((c) => positionOf(c)) },
    });
  }
  // One finding per stray certificate up to a point, then one that counts the rest: a server that sends
  // 1,500 cross-signs should get a readable report (and the matrix's per-client columns), not 1,500 lines.
  let strays = 0;
  const strayTotal = sent.filter((s) => s.role === "duplicate" || s.role === "unrelated").length;
  for (const s of sent) {
    if ((s.role === "duplicate" || s.role === "unrelated") && ++strays > MAX_STRAY_FINDINGS) continue;
    if (s.role === "duplicate") {
      findings.push({
        code: "duplicate-certificate",
        severity: "warning",
        message: `Certificate #${s.position} ("${s.cert.label}") is sent twice.`,
        fix: "Remove the repeated certificate from the chain file the server sends.",
        certificate: certRef(s.cert, selfSigned(s.cert) ? "root" : "intermediate", s.position),
      });
    } else if (s.role === "unrelated") {
      findings.push({
        code: "unrelated-certificate",
        severity: "warning",
        message: `Certificate #${s.position} ("${s.cert.label}") is not part of the chain: it did not issue any certificate the server sends.`,
        fix: "Remove it from the chain the server sends; it only adds bytes and can confuse clients that expect a strict order.",
        certificate: certRef(s.cert, "unrelated", s.position),
      });
    }
  }
  if (strayTotal > MAX_STRAY_FINDINGS) {
    const rest = sent
      .filter((s) => s.role === "duplicate" || s.role === "unrelated")
      .slice(MAX_STRAY_FINDINGS);
    const unrelated = rest.filter((s) => s.role === "unrelated").length;
    findings.push({
      code: "unrelated-certificate",
      severity: "warning",
      message: `${rest.length} more certificates sent are not part of the chain (${unrelated} unrelated, ${rest.length - unrelated} repeated), #${rest[0].position} to #${rest[rest.length - 1].position}.`,
      fix: "Send only the leaf and the intermediates of one path to the root, in order.",
      data: { more: rest.length, unrelated, duplicates: rest.length - unrelated },
    });
  }
  if (rootSent) {
    findings.push({
      code: "root-sent",
      severity: "info",
      message: `The server sends the root certificate "${top.label}". Clients use their own copy of a root, so sending it only adds bytes (and does not make an untrusted root trusted).`,
      fix: "Optional: leave the root out of the chain the server sends.",
      certificate: refOf(top),
    });
  }

  // ---- Does a store anchor, or a known certificate, close the chain?
  let closedBy: Certificate | undefined;
  let gap: ChainGap | undefined;
  // A sent certificate that is itself trusted ends the chain for clients that accept non-root anchors.
  const endsAtAnchor = sentPath.some((c) => input.anchors.some((a) => a.sha256 === c.sha256));
  if (walkCut) {
    // No gap to report: the walk did not reach the chain's end.
  } else if (!selfSigned(top) && !endsAtAnchor) {
    closedBy = input.anchors.find((a) => issued(a, top));
    if (!closedBy) {
      gap = {
        top,
        issuer: top.issuer.toString(),
        caIssuers: caIssuersOf(top),
      };
      const aki = top.authorityKeyIdentifier?.keyId;
      if (aki) gap.aki = aki;
      const known = typeof input.known === "function" ? input.known() : (input.known ?? []);
      const k = known.find((x) => issued(x.cert, top));
      if (k) gap.known = { ...k, kind: selfSigned(k.cert) ? "root" : "intermediate" };
      findings.push(gapFinding(gap, leaf, refOf(top), input.storeNames));
    }
  } else if (!input.anchors.some((a) => a.sha256 === top.sha256 || sameNameAndKey(a, top))) {
    findings.push({
      code: top === leaf ? "self-signed-leaf" : "untrusted-root",
      severity: "error",
      message:
        top === leaf
          ? `The server's certificate "${leaf.label}" is self-signed and is not in the trust store (${input.storeNames.join(", ")}).`
          : `The chain ends at the root "${top.label}", which is not in the trust store (${input.storeNames.join(", ")}).`,
      fix:
        top === leaf
          ? "Use a certificate issued by a CA the clients trust (a public CA, or your own CA whose root the client trusts). Salesforce never accepts a self-signed target certificate."
          : `Either get a certificate from a CA the clients already trust, or have "${top.label}" added to the client's trust store (for Salesforce: ask support; see \`chainproof roots request\`).`,
      certificate: refOf(top),
    });
  }

  // ---- Time: every certificate of the chain (and the store root that closes it).
  const expiring = input.expiringDays ?? DEFAULT_EXPIRING_DAYS;
  const timeCerts = closedBy ? [...sentPath, closedBy] : sentPath;
  for (const c of timeCerts) {
    const ref = c === closedBy ? certRef(c, "root") : refOf(c);
    const what =
      ref.role === "leaf"
        ? "The server's certificate"
        : ref.role === "root"
          ? "The root"
          : "The intermediate";
    if (time.getTime() > c.notAfter.getTime()) {
      findings.push({
        code: "expired",
        severity: "error",
        message: `${what} "${c.label}" expired on ${isoSeconds(c.notAfter)} (${days(time.getTime() - c.notAfter.getTime())} days ago).`,
        fix:
          ref.role === "leaf"
            ? "Renew the certificate and install the new one."
            : `Replace "${c.label}" with its current version from the CA (CAs re-issue intermediates; the old copy is often left in a chain file) and send that instead.`,
        certificate: ref,
        data: { notAfter: isoSeconds(c.notAfter), daysAgo: days(time.getTime() - c.notAfter.getTime()) },
      });
    } else if (time.getTime() < c.notBefore.getTime()) {
      findings.push({
        code: "not-yet-valid",
        severity: "error",
        message: `${what} "${c.label}" is not valid until ${isoSeconds(c.notBefore)}.`,
        fix: "Wait until it becomes valid, or check the clock of the machine that issued or checks it.",
        certificate: ref,
        data: { notBefore: isoSeconds(c.notBefore) },
      });
    } else {
      const left = days(c.notAfter.getTime() - time.getTime());
      if (left < expiring) {
        findings.push({
          code: "expiring-soon",
          severity: "warning",
          message: `${what} "${c.label}" expires in ${left} day${left === 1 ? "" : "s"} (${isoSeconds(c.notAfter)}).`,
          fix:
            ref.role === "leaf"
              ? "Renew it now."
              : `Get the replacement for "${c.label}" from the CA before it expires.`,
          certificate: ref,
          data: { notAfter: isoSeconds(c.notAfter), daysLeft: left },
        });
      }
    }
  }

  // ---- Keys and signatures (generic limits; which clients refuse them is per client).
  for (const c of timeCerts) {
    const ref = c === closedBy ? certRef(c, "root") : refOf(c);
    const k = c.publicKey;
    if (
      (k.algorithm === "RSA" || k.algorithm === "RSA-PSS" || k.algorithm === "DSA") &&
      k.bits !== undefined &&
      k.bits < 2048
    ) {
      findings.push({
        code: "weak-key",
        severity: "warning",
        message: `"${c.label}" has a ${k.bits}-bit ${k.algorithm} key; 2048 bits is the minimum CAs may issue and OpenSSL at security level 2 accepts.`,
        fix: "Re-issue the certificate with an RSA key of at least 2048 bits or an ECDSA P-256/P-384 key.",
        certificate: ref,
        data: { algorithm: k.algorithm, bits: k.bits },
      });
    } else if (k.algorithm === "EC" && !["P-256", "P-384", "P-521"].includes(k.curve ?? "")) {
      findings.push({
        code: "weak-key",
        severity: "warning",
        message: `"${c.label}" uses the EC curve ${k.curve ?? "?"}; browsers accept only P-256, P-384 and P-521.`,
        fix: "Re-issue the certificate with a P-256 or P-384 key.",
        certificate: ref,
        data: { algorithm: "EC", curve: k.curve },
      });
    }
    if (!(selfSigned(c) && c !== leaf)) {
      const h = signatureHash(c);
      if (isWeakHash(h)) {
        findings.push({
          code: "weak-signature",
          severity: "warning",
          message: `"${c.label}" is signed with ${c.signatureAlgorithm.name} (${h?.toUpperCase()}), which browsers, Go and OpenSSL 3 refuse.`,
          fix: "Have the CA re-issue it with a SHA-256 (or stronger) signature.",
          certificate: ref,
          data: { algorithm: c.signatureAlgorithm.name, hash: h },
        });
      }
    }
  }

  // ---- Host name.
  if (input.peer) {
    const strict = matchPeerName(leaf, input.peer, { cnFallback: false });
    if (!strict.ok) {
      const lenient = matchPeerName(leaf, input.peer, { cnFallback: true });
      const names = strict.names;
      if (lenient.ok) {
        findings.push({
          code: "hostname-cn-only",
          severity: "warning",
          message: `The certificate names ${input.peer.value} only in its subject common name (CN), not in a subjectAltName. Java, Salesforce, OpenSSL, curl, Node and Firefox accept that; Go and Chrome do not.`,
          fix: `Re-issue the certificate with ${input.peer.value} as a DNS name in the subjectAltName extension (every public CA does this by default).`,
          certificate: refOf(leaf),
          data: { peer: input.peer, names },
        });
      } else {
        findings.push({
          code: "hostname-mismatch",
          severity: "error",
          message: `The certificate is not valid for ${input.peer.value}. It names: ${names.length ? names.join(", ") : "nothing"}.`,
          fix: `Use a certificate that lists ${input.peer.value} in its subjectAltName, or connect using one of the names it has.`,
          certificate: refOf(leaf),
          data: { peer: input.peer, names, reason: strict.reason },
        });
      }
    }
  }

  return { sent, sentPath, rootSent, closedBy, gap, findings };
}

function sameNameAndKey(a: Certificate, b: Certificate): boolean {
  return (
    a.subject.matchKey === b.subject.matchKey &&
    Buffer.from(a.publicKey.spki).equals(Buffer.from(b.publicKey.spki))
  );
}

function gapFinding(
  gap: ChainGap,
  leaf: Certificate,
  topRef: CertificateRef,
  storeNames: readonly string[],
): ReportFinding {
  const url = gap.caIssuers[0];
  const akiText = gap.aki ? ` (key identifier ${gap.aki.toUpperCase()})` : "";
  const data: Record<string, unknown> = { issuer: gap.issuer, aki: gap.aki, caIssuers: gap.caIssuers };
  if (gap.known)
    data.known = {
      subject: gap.known.cert.subject.toString(),
      sha256: gap.known.cert.sha256,
      source: gap.known.source,
    };
  if (gap.known?.kind === "root") {
    return {
      code: "untrusted-root",
      severity: "error",
      message: `The chain leads to the root "${gap.known.cert.label}" (known from ${gap.known.source}), which is not in the trust store (${storeNames.join(", ")}).`,
      fix: `Either get a certificate from a CA whose root the client trusts, or have "${gap.known.cert.label}" added to the client's trust store (for Salesforce: ask support with \`chainproof roots request\`).`,
      certificate: topRef,
      data,
    };
  }
  if (gap.top === leaf || gap.known?.kind === "intermediate") {
    return {
      code: "incomplete-chain",
      severity: "error",
      message: `The chain is incomplete: the server does not send the certificate that issued "${gap.top.label}". The missing issuer is "${gap.issuer}"${akiText}${url ? `, which can be downloaded from ${url}` : ""}.`,
      fix: `Configure the server to send the whole chain: its certificate, then every intermediate in order (the CA's "full chain" or "bundle" file)${url ? `. The missing certificate is at ${url}` : ""}. Clients other than browsers do not fetch it themselves.`,
      certificate: topRef,
      data,
    };
  }
  return {
    code: "unknown-issuer",
    severity: "error",
    message: `The chain ends at "${gap.top.label}", issued by "${gap.issuer}"${akiText}, which is neither sent by the server nor in the trust store (${storeNames.join(", ")}).`,
    fix: `If "${gap.issuer}" is an intermediate, send it after "${gap.top.label}"${url ? ` (it should be at ${url})` : ""}; if it is a root, it has to be added to the client's trust store.`,
    certificate: topRef,
    data,
  };
}
