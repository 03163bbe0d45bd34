/**
 * Alerts on transitions, not on every round. A result holds a set of conditions (a client refuses the
 * endpoint, the check fails, a certificate is within 30 days of expiry, a distrust rule applies); each
 * condition's state is kept per target. A condition that appears raises one "problem" alert (so does an
 * expiry condition crossing a lower threshold); while it stays, a "reminder" after each reminder interval;
 * when it goes, a "resolved" notice. Changes of the chain, issuer, root or TLS versions that raise no other
 * alert give one "change" notice. Pure: the store (./history.ts) keeps the states and the alerts.
 */

import type { Change } from "./changes.js";
import { daysLeft, thresholdFor } from "./changes.js";
import type { ResultSummary } from "./summary.js";

export type AlertKind = "problem" | "reminder" | "resolved" | "change";
export type AlertSeverity = "critical" | "warning" | "info";

export interface Condition {
  /** Stable per target: `untrusted:java`, `check-failed`, `expiry:SHA256`, `distrust:RULE-ID`. */
  key: string;
  severity: Exclude<AlertSeverity, "info">;
  /** Expiry conditions: the threshold (days) reached; a lower one is worse. */
  level: number | null;
  message: string;
}

export interface AlertState {
  condition: string;
  level: number | null;
  severity: Exclude<AlertSeverity, "info">;
  message: string;
  /** When the condition appeared (ISO 8601). */
  since: string;
  /** When an alert about it was last raised (ISO 8601). */
  notifiedAt: string;
}

export interface NewAlert {
  kind: AlertKind;
  /** The conditions the alert is about (empty for a change notice), most severe first. */
  conditions: string[];
  severity: AlertSeverity;
  title: string;
  /** One line per condition (or change). */
  message: string;
  /** When the earliest of its conditions appeared; null for a change notice. */
  since: string | null;
  changes: Change[];
}

export interface AlertPlan {
  alerts: NewAlert[];
  /** States to write (new, escalated or reminded). */
  upsert: AlertState[];
  /** Conditions that cleared. */
  clear: string[];
}

/** Default time between reminders of a condition that stays. */
export const DEFAULT_REMINDER_MS = 24 * 3_600_000;

/** The conditions a result holds. */
export function conditionsOf(s: ResultSummary): Condition[] {
  if (s.error !== null)
    return [{ key: "check-failed", severity: "critical", level: null, message: `check failed: ${s.error}` }];
  const out: Condition[] = [];
  for (const c of s.clients) {
    if (c.status !== "untrusted") continue;
    out.push({
      key: `untrusted:${c.client}`,
      severity: "critical",
      level: null,
      message: `${c.client} does not trust the endpoint${c.code ? ` (${c.code})` : ""}`,
    });
  }
  for (const e of s.chain) {
    if (e.role === "root" || e.role === "unrelated" || e.role === "duplicate") continue;
    const days = daysLeft(e.notAfter, s.checkedAt);
    const level = thresholdFor(days);
    if (level === undefined) continue;
    const what = e.position === 1 ? "the leaf" : `intermediate #${e.position}`;
    out.push({
      key: `expiry:${e.sha256}`,
      severity: level <= 7 ? "critical" : "warning",
      level,
      message:
        days < 0
          ? `${what} (${e.subject}) has expired (${e.notAfter})`
          : `${what} (${e.subject}) expires in ${days} day${days === 1 ? "" : "s"} (${e.notAfter})`,
    });
  }
  for (const d of s.distrust) {
    out.push({
      key: `distrust:${d.split(":")[0]}`,
      severity: "warning",
      level: null,
      message: `distrust rule applies: ${d}`,
    });
  }
  // Two findings of one rule (two certificates): one condition.
  return out.filter((c, i) => out.findIndex((x) => x.key === c.key) === i);
}

const NOTICE_KINDS = new Set(["chain-changed", "issuer-changed", "root-changed", "tls-changed"]);

/** What happened to one condition this round. */
interface ConditionEvent {
  kind: Exclude<AlertKind, "change">;
  condition: string;
  severity: AlertSeverity;
  message: string;
  since: string;
}

const SEVERITY_RANK: Record<AlertSeverity, number> = { critical: 0, warning: 1, info: 2 };

/**
 * The alerts for `target` this round, from its stored states, the result's conditions and its changes: at
 * most one alert of each kind per target and round (conditions that break together, e.g. every client
 * refusing a chain that lost its intermediate, make one alert).
 */
export function planAlerts(
  target: string,
  states: readonly AlertState[],
  active: readonly Condition[],
  changes: readonly Change[],
  now: Date,
  reminderMs = DEFAULT_REMINDER_MS,
): AlertPlan {
  const at = now.toISOString();
  const plan: AlertPlan = { alerts: [], upsert: [], clear: [] };
  const events: ConditionEvent[] = [];
  const byKey = new Map(states.map((s) => [s.condition, s]));
  const relevant = changes.filter((c) => c.kind !== "first-result");
  for (const c of active) {
    const s = byKey.get(c.key);
    const state: AlertState = {
      condition: c.key,
      level: c.level,
      severity: c.severity,
      message: c.message,
      since: s?.since ?? at,
      notifiedAt: at,
    };
    const escalated = s && c.level !== null && (s.level === null || c.level < s.level);
    const event = { condition: c.key, severity: c.severity, message: c.message, since: state.since };
    if (!s || escalated) {
      events.push({ kind: "problem", ...event });
      plan.upsert.push(state);
    } else if (now.getTime() - Date.parse(s.notifiedAt) >= reminderMs) {
      events.push({ kind: "reminder", ...event, message: `still: ${c.message} (since ${s.since})` });
      plan.upsert.push(state);
    } else if (s.message !== c.message || s.severity !== c.severity) {
      // Keep the stored text current (days left tick down) without alerting or moving the reminder.
      plan.upsert.push({ ...state, notifiedAt: s.notifiedAt });
    }
  }
  const activeKeys = new Set(active.map((c) => c.key));
  for (const s of states) {
    if (activeKeys.has(s.condition)) continue;
    plan.clear.push(s.condition);
    events.push({
      kind: "resolved",
      condition: s.condition,
      severity: "info",
      message: `resolved: ${s.message} (since ${s.since})`,
      since: s.since,
    });
  }
  for (const kind of ["problem", "reminder", "resolved"] as const) {
    const group = events
      .filter((e) => e.kind === kind)
      .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
    if (!group.length) continue;
    plan.alerts.push({
      kind,
      conditions: group.map((e) => e.condition),
      severity: group[0].severity,
      title: `${target}: ${group[0].message}${group.length > 1 ? ` (and ${group.length - 1} more)` : ""}`,
      message: group.map((e) => e.message).join("\n"),
      since: group.map((e) => e.since).sort()[0],
      changes: kind === "reminder" ? [] : relevant,
    });
  }
  const notices = relevant.filter((c) => NOTICE_KINDS.has(c.kind));
  if (notices.length && !plan.alerts.some((a) => a.kind === "problem" || a.kind === "resolved")) {
    plan.alerts.push({
      kind: "change",
      conditions: [],
      severity: "info",
      title: `${target}: ${notices[0].message}${notices.length > 1 ? ` (and ${notices.length - 1} more)` : ""}`,
      message: notices.map((c) => c.message).join("\n"),
      since: null,
      changes: relevant,
    });
  }
  return plan;
}
