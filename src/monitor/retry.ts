/**
 * When a failed alert delivery is tried again (pure). The monitor's outbox is the alert_deliveries table:
 * a delivery not yet made has a `next_attempt_at`; after each failed attempt the policy below sets the
 * next one, or none when the delivery has had its attempts or is too old (it then stays `failed`, shown
 * by `chainproof alerts --undelivered`, never removed).
 */

export interface RetryPolicy {
  /** The wait after the first failed attempt; it doubles after each further one (30 s, 1 m, 2 m, …). */
  firstDelayMs: number;
  /** The longest wait between two attempts. */
  maxDelayMs: number;
  /** Attempts in all, the first included; after the last, the delivery is given up. */
  maxAttempts: number;
  /** No attempt is made once the alert is this old. */
  maxAgeMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  firstDelayMs: 30_000,
  maxDelayMs: 3_600_000,
  maxAttempts: 12,
  maxAgeMs: 2 * 24 * 3_600_000,
};

/**
 * `--once`: a run that exits cannot wait half a minute; it tries again within a short window, a second
 * then two, …, and leaves what is still undelivered to the next run.
 */
export interface OnceWindow {
  /** Attempts per delivery within this run (the first included). */
  attempts: number;
  /** How long the run may spend on retries after its round. */
  windowMs: number;
  /** The first wait within the window (doubling). */
  firstDelayMs: number;
}

export const DEFAULT_ONCE_WINDOW: OnceWindow = { attempts: 3, windowMs: 10_000, firstDelayMs: 1000 };

/** The wait after `attempts` failed attempts (1 → firstDelay, 2 → twice that, …), capped. */
export function backoffMs(attempts: number, first: number, max: number): number {
  const n = Math.max(1, attempts);
  // 2 ** 40 is far past any cap: no overflow into Infinity arithmetic.
  return Math.min(max, first * 2 ** Math.min(n - 1, 40));
}

/**
 * The next attempt after a failed one, or null when the delivery is given up: `attempts` made so far
 * (this one included), the alert created at `createdAt`, the failure at `at`.
 */
export function nextAttemptAt(policy: RetryPolicy, attempts: number, createdAt: Date, at: Date): Date | null {
  if (attempts >= policy.maxAttempts) return null;
  const next = at.getTime() + backoffMs(attempts, policy.firstDelayMs, policy.maxDelayMs);
  if (next - createdAt.getTime() > policy.maxAgeMs) return null;
  return new Date(next);
}
