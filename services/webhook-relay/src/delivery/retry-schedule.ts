// When to try again: exponential backoff, doubling from initialDelayMs up to maxDelayMs, with
// "equal jitter" (half the delay fixed, half drawn), so that relays retrying the same endpoint
// after an outage do not all come back in the same millisecond. Pure: the draw comes in.

export interface RetryPolicy {
  /** Tries in all (the first POST included) before the event is dead-lettered for the endpoint; >= 1. */
  readonly maxAttempts: number;
  /** The delay after the first failed attempt, before jitter. */
  readonly initialDelayMs: number;
  /** No delay is longer than this (also caps a receiver's Retry-After). */
  readonly maxDelayMs: number;
}

/**
 * The delay after `failedAttempts` failed tries (1 = after the first), given a uniform draw in
 * [0, 1): between half and all of min(max, initial * 2^(failedAttempts - 1)).
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempts: number, draw: number): number {
  const exponent = Math.max(0, failedAttempts - 1);
  // 2^exponent overflows to Infinity for huge exponents; the cap keeps the result finite.
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(exponent, 52));
  const clamped = Math.min(Math.max(draw, 0), 1);
  return Math.round(ceiling / 2 + (ceiling / 2) * clamped);
}
