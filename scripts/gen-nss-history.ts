/**
 * Generates data/nss-history.json and data/nss-history.der (see trust-bundle.ts) from the history of Mozilla
 * NSS's built-in root store: every root ever in certdata.txt, with when it was added, lost its TLS trust and
 * was removed (a folder holding `roots-ever.json` and `versions.json`, as `tools/nss-history/build.py` of the
 * reference data writes them).
 *
 *   node dist/scripts/gen-nss-history.js ../shared/data/nss/history [--out nss-history.json]
 *
 * Build-time only. Only what the product needs is kept: the roots no longer in the current store (with their
 * DER, so that a Salesforce list naming a removed root can still be matched), and for the roots still listed
 * whose TLS trust Mozilla removed, when it did (no DER: data/mozilla.der has them).
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { NssHistoryRecordFields, NssTrustLostFields } from "../src/trust/bundled.js";
import { writeCertificateBundle } from "./trust-bundle.js";

interface Commit {
  date: string;
  commit: string;
}
interface SourceRoot {
  sha256: string;
  label: string;
  kind: "trust-anchor" | "distrust-list" | "listed-no-trust";
  subject: string;
  not_before: string;
  not_after: string;
  first_seen: Commit;
  removed: Commit | null;
  present: boolean;
  releases: { last: { version: string } } | null;
  server_auth: {
    ever_trusted: boolean;
    trust_removed: (Commit & { how: string }) | null;
  };
  server_distrust_after_history: { value: string | null }[];
  der_base64: string;
}
interface SourceMeta {
  source_repository: string;
  source_head: string;
  source_head_date: string;
  head_builtins_version: string;
  newest_release_tag: string;
  commits_walked: number;
}
interface ReleaseTag {
  version: string;
  date: string;
}

export interface NssHistoryRecord extends NssHistoryRecordFields {
  der: Uint8Array;
}

const majorMinor = (v: string): number[] => v.split(".").map(Number);
const newer = (a: number[], b: number[]): boolean => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

/**
 * The NSS release that first shipped a change landed on the trunk on `date`: the first release tagged on or
 * after that date whose major.minor is above every release tagged before it (a later point release of an
 * older or ESR branch did not get the trunk's change).
 */
export function releaseAfter(tags: readonly ReleaseTag[], date: string): string | null {
  let newest = [0, 0];
  for (const t of tags)
    if (t.date < date && newer(majorMinor(t.version), newest)) newest = majorMinor(t.version);
  const next = tags
    .filter((t) => t.date >= date.slice(0, 10) && newer(majorMinor(t.version), newest))
    .sort(
      (a, b) => a.date.localeCompare(b.date) || a.version.localeCompare(b.version, "en", { numeric: true }),
    );
  return next[0]?.version ?? null;
}

const day = (d: string): string => d.slice(0, 10);
const short = (c: string): string => c.slice(0, 12);

/** The removed roots (with DER) and the listed roots whose TLS trust was removed, from the source folder. */
export function buildHistory(
  roots: readonly SourceRoot[],
  tags: readonly ReleaseTag[],
): { removed: NssHistoryRecord[]; trustLost: NssTrustLostFields[] } {
  const removed: NssHistoryRecord[] = [];
  const trustLost: NssTrustLostFields[] = [];
  for (const r of roots) {
    const lost = r.server_auth.trust_removed;
    if (r.present) {
      if (lost) {
        trustLost.push({
          label: r.label,
          sha256: r.sha256.toUpperCase(),
          serverAuthRemoved: day(lost.date),
          serverAuthRemovedIn: releaseAfter(tags, lost.date),
        });
      }
      continue;
    }
    if (!r.removed) throw new Error(`${r.label}: not present and no removal commit`);
    // Trust removed by a trust-bit change while the root stayed listed: a date of its own.
    const bitChange = lost && !/removed from certdata/.test(lost.how) ? lost : null;
    const distrustAfter = r.server_distrust_after_history.at(-1)?.value ?? null;
    removed.push({
      label: r.label,
      sha256: r.sha256.toUpperCase(),
      subject: r.subject,
      notBefore: r.not_before,
      notAfter: r.not_after,
      kind: r.kind,
      added: day(r.first_seen.date),
      removed: day(r.removed.date),
      removedIn: releaseAfter(tags, r.removed.date),
      removedBy: short(r.removed.commit),
      lastShippedIn: r.releases?.last.version ?? null,
      serverAuthEver: r.server_auth.ever_trusted,
      serverAuthRemoved: bitChange ? day(bitChange.date) : null,
      serverAuthRemovedIn: bitChange ? releaseAfter(tags, bitChange.date) : null,
      serverDistrustAfter: distrustAfter,
      der: Buffer.from(r.der_base64, "base64"),
    });
  }
  return { removed, trustLost };
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

function main(argv: string[]): void {
  const args = argv.slice(2);
  const outIdx = args.indexOf("--out");
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const out = outIdx >= 0 ? resolve(args.splice(outIdx, 2)[1]) : resolve(repoRoot, "data/nss-history.json");
  const folder = args[0];
  if (!folder) {
    console.error(
      "usage: node dist/scripts/gen-nss-history.js <nss history folder> [--out nss-history.json]",
    );
    process.exit(2);
  }
  const ever = readJson<{ meta: SourceMeta; roots: SourceRoot[] }>(join(folder, "roots-ever.json"));
  const versions = readJson<{ release_tags: ReleaseTag[] }>(join(folder, "versions.json"));
  const { removed, trustLost } = buildHistory(ever.roots, versions.release_tags);
  const m = ever.meta;
  const doc = {
    source:
      `Mozilla NSS certdata.txt history (${m.source_repository}): every commit on the first-parent line ` +
      `that changed lib/ckfw/builtins/certdata.txt (${m.commits_walked}), and the NSS release tags`,
    head: m.source_head,
    version: `NSS builtins ${m.head_builtins_version} (newest release tag ${m.newest_release_tag})`,
    date: day(m.source_head_date),
    licence: "MPL-2.0",
    generatedBy: "scripts/gen-nss-history.ts",
    rootsEver: ever.roots.length,
    trustLost,
  };
  const derPath = writeCertificateBundle(out, doc, "removed", removed);
  console.log(
    `wrote ${out} and ${derPath}: ${removed.length} removed roots, ${trustLost.length} listed roots whose TLS trust was removed`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv);
}
