/**
 * Lint counts and the lints that fired (docs/lints.md), as the decoder, the check page and the scan page
 * show them: "N errors, N warnings, N notices" as the summary of a list that opens.
 */

import { Badge } from "./ui";

export interface LintCounts {
  error: number;
  warning: number;
  notice: number;
}

export interface LintItem {
  id: string;
  severity: string;
  message: string;
  /** Which certificate, when the list covers several ("certificate 2"). */
  where?: string;
  /** The rule's source (RFC 5280 §…, BR §…). */
  source?: string;
  /** The rule itself, shown on hover. */
  description?: string;
}

/** A certificate's lints as the documents carry them (decode's `lints`, check's and verify's `sent[].lints`). */
export interface CertificateLints {
  kind: string;
  counts: LintCounts;
  findings: { id: string; severity: string; description: string; source: string; messages: string[] }[];
}

export function lintItems(l: CertificateLints): LintItem[] {
  return l.findings.map((f) => ({
    id: f.id,
    severity: f.severity,
    message: f.messages.join("; "),
    source: f.source,
    description: f.description,
  }));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function lintCountsText(c: LintCounts): string {
  return `${plural(c.error, "error")}, ${plural(c.warning, "warning")}, ${plural(c.notice, "notice")}`;
}

/** The counts, as one badge coloured by the worst severity. */
export function LintBadge({ counts }: { counts: LintCounts }) {
  const tone = counts.error ? "bad" : counts.warning ? "warn" : "muted";
  return <Badge tone={tone}>{`lints: ${counts.error}E ${counts.warning}W ${counts.notice}N`}</Badge>;
}

/** The lints, one a line: severity, where, id, what is wrong, the rule's source; the rule on hover. */
export function LintItems({ items }: { items: LintItem[] }) {
  return (
    <ul class="warnings" aria-label="lints">
      {items.map((f, i) => (
        <li key={`${f.where ?? ""}${f.id}${i}`} title={f.description}>
          <Badge tone={f.severity === "error" ? "bad" : f.severity === "warning" ? "warn" : "muted"}>
            {f.severity}
          </Badge>{" "}
          {f.where && <span class="muted">{`${f.where}: `}</span>}
          <code>{f.id}</code> {f.message}
          {f.source && <span class="muted">{` (${f.source})`}</span>}
        </li>
      ))}
    </ul>
  );
}

/** The counts as a summary that opens on the list of lints (open at once when an error fired). */
export function LintList({ title, counts, items }: { title: string; counts: LintCounts; items: LintItem[] }) {
  if (items.length === 0) return <p class="muted lints">{`${title}: none fired`}</p>;
  return (
    <details class="lints" open={counts.error > 0}>
      <summary>{`${title}: ${lintCountsText(counts)}`}</summary>
      <LintItems items={items} />
    </details>
  );
}

/** A certificate as sent with its lints (the check's and verify's answers' `lints`). */
export interface SentLints {
  position: number;
  role: string;
  subject: string;
  lints: CertificateLints | null;
}

/** The lints of each certificate as sent: counts per certificate, the list on opening. */
export function SentLintsCard({ sent }: { sent: SentLints[] }) {
  return (
    <section class="card" aria-labelledby="lints-h">
      <h2 id="lints-h">Lints</h2>
      {sent.map((s) =>
        s.lints ? (
          <LintList
            key={s.position}
            title={`${s.position}. ${s.subject || "(empty subject)"} (${s.role})`}
            counts={s.lints.counts}
            items={lintItems(s.lints)}
          />
        ) : null,
      )}
    </section>
  );
}
