/**
 * Mozilla's root store (NSS builtins, bundled: see ./data/README.md) as trust stores.
 *
 * NSS keeps one trust value per purpose. Only CKA_TRUST_SERVER_AUTH = CKT_NSS_TRUSTED_DELEGATOR makes a
 * root a TLS server anchor; roots trusted only for e-mail (S/MIME) are kept apart in `mozillaEmailStore`.
 * Each anchor carries its CKA_NSS_*_DISTRUST_AFTER date for that purpose.
 */

import type { Certificate } from "../x509/certificate.js";
import {
  loadMozillaRoots,
  loadNssHistory,
  mozillaSource,
  type NssHistoryRecordFields,
  type NssRemovedRoot,
  type NssRoot,
  parseBundled,
} from "./bundled.js";
import type { TrustAnchor, TrustStore } from "./store.js";

export interface MozillaRoot {
  root: NssRoot;
  cert: Certificate;
}

export interface UnparsedRoot {
  root: NssRoot;
  error: string;
}

/** The roots that `keep` selects, parsed (once: see parseBundled), and those our parser rejects. */
function parseWhere(keep: (r: NssRoot) => boolean): {
  ok: MozillaRoot[];
  failed: UnparsedRoot[];
} {
  const ok: MozillaRoot[] = [];
  const failed: UnparsedRoot[] = [];
  for (const root of loadMozillaRoots()) {
    if (!keep(root)) continue;
    try {
      ok.push({ root, cert: parseBundled(root) });
    } catch (e) {
      failed.push({ root, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return { ok, failed };
}

let parsed: { ok: readonly MozillaRoot[]; failed: readonly UnparsedRoot[] } | undefined;

function load(): { ok: readonly MozillaRoot[]; failed: readonly UnparsedRoot[] } {
  if (!parsed) {
    const { ok, failed } = parseWhere(() => true);
    parsed = { ok: Object.freeze(ok), failed: Object.freeze(failed) };
  }
  return parsed;
}

/** Every bundled NSS root (all purposes, 167 in 2.86) that our certificate parser accepts, parsed once. */
export function mozillaRoots(): readonly MozillaRoot[] {
  return load().ok;
}

/**
 * Bundled roots our (strict) certificate parser rejects. NSS and OpenSSL accept them, so a store built
 * without them under-reports trust; each store lists them in its notes.
 */
export function mozillaUnparsedRoots(): readonly UnparsedRoot[] {
  return load().failed;
}

function unparsedNotes(failed: readonly UnparsedRoot[]): string[] {
  return failed.map(
    (u) => `${u.root.label}: left out, our certificate parser rejects it (${u.error}); NSS accepts it`,
  );
}

/** The trustSource label of bundled Mozilla anchors, e.g. "mozilla-nss-2.86". */
export function mozillaTrustSource(): string {
  const v = mozillaSource().version?.replace(/^NSS\s*/i, "") ?? mozillaSource().date;
  return `mozilla-nss-${v}`;
}

function describe(purpose: string, count: number): string[] {
  return [`${count} of the ${loadMozillaRoots().length} NSS builtin roots are trusted for ${purpose}`];
}

/**
 * A root as an anchor that is parsed on first use of its `cert`: its recorded facts let path building and the
 * client matrix pass over it unparsed (see AnchorFacts). A root without them (our parser rejects it) has none.
 */
function bundledAnchor(root: NssRoot, trustSource: string, distrustAfter: Date | undefined): TrustAnchor {
  const { subjectKey, issuerKey, checkedSelfSigned } = root;
  const a: TrustAnchor = {
    get cert(): Certificate {
      return parseBundled(root);
    },
    name: root.label,
    alias: root.alias,
    trustSource,
  };
  if (subjectKey !== undefined && issuerKey !== undefined && checkedSelfSigned !== undefined) {
    a.facts = { sha256: root.sha256.toLowerCase(), subjectKey, issuerKey, selfSigned: checkedSelfSigned };
  }
  if (distrustAfter) a.distrustAfter = distrustAfter;
  return a;
}

/**
 * The roots `keep` selects as anchors, unparsed, and those our parser rejects (known from the data's missing
 * facts, and parsed only for the parser's message).
 */
function bundledAnchors(
  keep: (r: NssRoot) => boolean,
  distrustAfter: (r: NssRoot) => Date | undefined,
): { anchors: TrustAnchor[]; failed: UnparsedRoot[] } {
  const trustSource = mozillaTrustSource();
  const anchors: TrustAnchor[] = [];
  const failed: UnparsedRoot[] = [];
  for (const root of loadMozillaRoots()) {
    if (!keep(root)) continue;
    if (root.subjectKey === undefined) {
      try {
        parseBundled(root);
      } catch (e) {
        failed.push({ root, error: e instanceof Error ? e.message : String(e) });
        continue;
      }
    }
    anchors.push(bundledAnchor(root, trustSource, distrustAfter(root)));
  }
  return { anchors, failed };
}

/** TLS server anchors: the roots with serverAuth = trusted-delegator (121 in NSS 2.86). */
export function mozillaStore(): TrustStore {
  // Only this purpose's roots are listed, and none is parsed until a chain names it as its issuer.
  const { anchors, failed } = bundledAnchors(
    (r) => r.serverAuth === "trusted-delegator",
    (r) => r.serverDistrustAfter,
  );
  const src = mozillaSource();
  const withDistrust = anchors.filter((a) => a.distrustAfter).length;
  return {
    id: "mozilla",
    name: `Mozilla NSS ${src.version?.replace(/^NSS\s*/i, "") ?? ""}`.trim(),
    source: src.source,
    date: src.date,
    anchors,
    notes: [
      ...describe("TLS server authentication", anchors.length),
      `${withDistrust} of them carry a server distrust-after date (enforced by Firefox only)`,
      ...unparsedNotes(failed),
    ],
  };
}

/** S/MIME anchors: emailProtection = trusted-delegator. Not for TLS; kept for SAML/e-mail checks. */
export function mozillaEmailStore(): TrustStore {
  const { anchors, failed } = bundledAnchors(
    (r) => r.emailProtection === "trusted-delegator",
    (r) => r.emailDistrustAfter,
  );
  const src = mozillaSource();
  return {
    id: "mozilla-email",
    name: `Mozilla NSS ${src.version?.replace(/^NSS\s*/i, "") ?? ""} (e-mail)`.trim(),
    source: src.source,
    date: src.date,
    anchors,
    notes: [...describe("e-mail protection (S/MIME), not TLS", anchors.length), ...unparsedNotes(failed)],
  };
}

/** A root Mozilla removed from its store, parsed, and what to tell a user who still trusts it. */
export interface RemovedMozillaRoot {
  root: NssRemovedRoot;
  cert: Certificate;
  /** "removed from Mozilla's store on 2021-12-13 (NSS 3.74)", with the TLS trust removal when earlier. */
  history: string;
}

const inRelease = (v: string | null): string => (v ? ` (NSS ${v})` : "");

/** What became of a removed root in Mozilla's store, in one phrase. */
export function removalHistory(r: NssHistoryRecordFields): string {
  const removed = `removed from Mozilla's store on ${r.removed}${inRelease(r.removedIn)}`;
  if (r.kind === "distrust-list") return `listed by Mozilla only to distrust it; ${removed}`;
  if (!r.serverAuthEver) return `never trusted for TLS by Mozilla; ${removed}`;
  if (r.serverAuthRemoved) {
    return `Mozilla removed its TLS trust on ${r.serverAuthRemoved}${inRelease(r.serverAuthRemovedIn)}; ${removed}`;
  }
  return removed;
}

/** When Mozilla removed the TLS trust of a root it still lists, or undefined. */
export function tlsTrustRemoval(sha256: string): string | undefined {
  const t = loadNssHistory().trustLost.get(sha256.toUpperCase());
  return t
    ? `Mozilla removed its TLS trust on ${t.serverAuthRemoved}${inRelease(t.serverAuthRemovedIn)}`
    : undefined;
}

let removedRoots: readonly RemovedMozillaRoot[] | undefined;

/** Every root Mozilla has removed from its store (284 by 2026-05) that our parser accepts, parsed once. */
export function mozillaRemovedRoots(): readonly RemovedMozillaRoot[] {
  if (!removedRoots) {
    const out: RemovedMozillaRoot[] = [];
    for (const root of loadNssHistory().removed) {
      try {
        out.push({ root, cert: parseBundled(root), history: removalHistory(root) });
      } catch {
        // Some removed roots are older than RFC 5280 and our parser refuses them; a list cannot name those.
      }
    }
    removedRoots = Object.freeze(out);
  }
  return removedRoots;
}
