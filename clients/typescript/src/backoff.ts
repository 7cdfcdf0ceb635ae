/** Reconnection waits: exponential, capped, with full jitter. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 100, maxMs: 10_000 };

/** The longest wait before attempt `attempt` (from 1): `min(maxMs, initialMs × 2^(attempt-1))`. */
export function backoffCeiling(backoff: Backoff, attempt: number): number {
  const doublings = Math.min(Math.max(attempt, 1) - 1, 31);
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** doublings);
}

/** The wait before attempt `attempt`: uniformly random between 0 and the ceiling ("full
 * jitter"), so clients dropped together spread their reconnections out. */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
  return random() * backoffCeiling(backoff, attempt);
}
