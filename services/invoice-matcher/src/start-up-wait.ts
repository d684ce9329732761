// Start-up that waits instead of dying (issue 10): a dependency that is not there yet (Postgres
// starting, Kafka not reachable) is retried with backoff and one log line per attempt naming what
// the matcher waits for, and the readiness probe says so. Only what no wait can fix is thrown at
// once: wrong credentials.
import type { Logger } from "pino";

export interface WaitOptions {
  readonly logger: Pick<Logger, "warn">;
  /** Told what start-up waits for (undefined: nothing any more), for /readyz. */
  readonly onWaiting?: (what: string | undefined) => void;
  /** true: no retry can help (thrown at once). */
  readonly isFatal?: (error: unknown) => boolean;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly signal?: AbortSignal;
}

export async function untilAvailable<T>(what: string, attempt: () => Promise<T>, options: WaitOptions): Promise<T> {
  let delay = options.initialDelayMs ?? 250;
  const max = options.maxDelayMs ?? 5_000;
  for (let tries = 1; ; tries++) {
    try {
      const value = await attempt();
      options.onWaiting?.(undefined);
      return value;
    } catch (error) {
      if (options.isFatal?.(error) === true || options.signal?.aborted === true) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      options.onWaiting?.(`${what}: ${reason}`);
      options.logger.warn({ waitingFor: what, reason, attempt: tries, retryInMs: delay }, `waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        options.signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
      });
      delay = Math.min(max, delay * 2);
    }
  }
}

/** Postgres refused our credentials or names no such database: a configuration error. */
export function isPostgresConfigError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "28P01" || code === "28000" || code === "3D000";
}

/** Kafka refused our credentials. */
export function isKafkaAuthError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === "KafkaJSSASLAuthenticationError";
}
