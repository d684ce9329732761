// Delay before the next attempt to reopen an lnd stream: doubling from the initial delay and
// capped, so a restarting lnd is found again within maxDelayMs and a dead one is not hammered.
// No jitter: each bridge holds one stream per kind to one node, there is no herd to spread.

export interface ReconnectPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** attempt: 0 for the first retry after a stream ended. */
export function reconnectDelayMs(attempt: number, policy: ReconnectPolicy): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  return Math.min(policy.initialDelayMs * 2 ** exponent, policy.maxDelayMs);
}
