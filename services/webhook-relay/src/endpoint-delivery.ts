// Delivering one event to one endpoint: POST, ask the pure decision what next, wait and try again,
// until it is delivered or given up (then the caller dead-letters it). The clock, the random draw
// and the wait are passed in, so the loop is tested without waiting. A stop (the signal) abandons
// the delivery by throwing DeliveryAborted: the event is then neither delivered nor dead-lettered,
// its offset is not committed, and the next run delivers it again.
import {
  decideAfterAttempt,
  signatureHeader,
  webhookRequestHeaders,
  type AttemptOutcome,
  type GiveUpReason,
  type RetryPolicy,
} from "./delivery/index.ts";
import { DeliveryAborted } from "./http/webhook-http-client.ts";

export interface DeliveryEndpoint {
  readonly name: string;
  readonly secretValue: string;
  readonly policy: RetryPolicy;
  post(body: string, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<AttemptOutcome>;
}

export interface DeliveryClock {
  nowMs(): number;
  /** Uniform in [0, 1): the backoff's jitter. */
  random(): number;
  /** Resolves after ms; rejects with DeliveryAborted once the signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export type DeliveryResult =
  | { readonly kind: "delivered"; readonly attempts: number }
  | {
      readonly kind: "gave-up";
      readonly attempts: number;
      readonly reason: GiveUpReason;
      readonly lastFailure: string;
    };

export interface DeliveryObserver {
  /** After each failed attempt (retried or not). */
  attemptFailed(attempt: number, failure: string, retryInMs: number | undefined): void;
}

/** Longest wait between heartbeats while backing off: well within any consumer session timeout. */
const HEARTBEAT_EVERY_MS = 3000;

export async function deliverToEndpoint(input: {
  readonly endpoint: DeliveryEndpoint;
  readonly eventId: string;
  readonly body: string;
  readonly clock: DeliveryClock;
  readonly signal: AbortSignal;
  readonly heartbeat: () => Promise<void>;
  readonly observer?: DeliveryObserver;
}): Promise<DeliveryResult> {
  const { endpoint, clock, signal } = input;
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw new DeliveryAborted();
    // Signed anew per attempt: a receiver's timestamp tolerance applies to this attempt, not the first.
    const timestampSec = Math.floor(clock.nowMs() / 1000);
    const headers = webhookRequestHeaders({
      eventId: input.eventId,
      timestampSec,
      signature: signatureHeader(endpoint.secretValue, timestampSec, input.body),
    });
    const outcome = await endpoint.post(input.body, headers, signal);
    const decision = decideAfterAttempt(outcome, attempt, endpoint.policy, clock.random());
    switch (decision.kind) {
      case "delivered":
        return { kind: "delivered", attempts: attempt };
      case "dead-letter":
        input.observer?.attemptFailed(attempt, decision.failure, undefined);
        return { kind: "gave-up", attempts: attempt, reason: decision.reason, lastFailure: decision.failure };
      case "retry":
        input.observer?.attemptFailed(attempt, decision.failure, decision.delayMs);
        for (let left = decision.delayMs; left > 0; left -= HEARTBEAT_EVERY_MS) {
          await clock.sleep(Math.min(left, HEARTBEAT_EVERY_MS), signal);
          await input.heartbeat();
        }
        break;
      default: {
        const never: never = decision;
        throw new Error(`unknown decision ${JSON.stringify(never)}`);
      }
    }
  }
}

/** The real clock: Date.now, Math.random and an abortable timer. */
export const systemClock: DeliveryClock = {
  nowMs: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(new DeliveryAborted());
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(new DeliveryAborted());
      };
      signal.addEventListener("abort", onAbort, { once: true });
    }),
};
