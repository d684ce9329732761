// What the relay does after one POST of one event to one endpoint: it was delivered, try again
// after a delay, or give up and dead-letter it. Pure: the attempt's outcome, the count, the policy
// and a random draw for the jitter come in; the shell (endpoint-delivery.ts) does the I/O.
//
// Which answers are worth another try:
// - 2xx: delivered.
// - 408 Request Timeout, 425 Too Early, 429 Too Many Requests, any 5xx, a timeout, a network
//   error (refused, reset, DNS, TLS): the receiver or the path may recover; retried, honouring a
//   Retry-After (capped at maxDelayMs).
// - Any other status (3xx, since redirects are not followed: a webhook's signature is for the
//   configured URL; and 4xx, e.g. 400, 401 on a wrong secret, 404, 413): the receiver refused
//   this very request, and the same bytes get the same answer. Retrying would only hold back the
//   invoice's later events, so the event is dead-lettered at once, with the status as its reason;
//   once the receiver is fixed, the dead letter is replayed.
import { retryDelayMs, type RetryPolicy } from "./retry-schedule.ts";

export type AttemptOutcome =
  | { readonly kind: "response"; readonly status: number; readonly retryAfterMs?: number | undefined }
  | { readonly kind: "timeout"; readonly timeoutMs: number }
  | { readonly kind: "network-error"; readonly code: string };

/** Why an event was dead-lettered for an endpoint (the dead letter's ic-dlq-reason). */
export type GiveUpReason = "attempts-exhausted" | "rejected";

export type AttemptDecision =
  | { readonly kind: "delivered" }
  | { readonly kind: "retry"; readonly delayMs: number; readonly failure: string }
  | { readonly kind: "dead-letter"; readonly reason: GiveUpReason; readonly failure: string };

/** A short label of a failed outcome for logs, metrics and the dead letter's detail: "http-503", "timeout", "network-ECONNREFUSED". */
export function failureLabel(outcome: AttemptOutcome): string {
  switch (outcome.kind) {
    case "response":
      return `http-${outcome.status}`;
    case "timeout":
      return "timeout";
    case "network-error":
      return `network-${outcome.code}`;
  }
}

const RETRIED_4XX = new Set([408, 425, 429]);

export function isRetryable(outcome: AttemptOutcome): boolean {
  switch (outcome.kind) {
    case "response":
      return outcome.status >= 500 || RETRIED_4XX.has(outcome.status);
    case "timeout":
    case "network-error":
      return true;
  }
}

/**
 * The decision after attempt number `attempt` (1 = the first POST) ended with `outcome`.
 * `draw` is uniform in [0, 1) (jitter).
 */
export function decideAfterAttempt(
  outcome: AttemptOutcome,
  attempt: number,
  policy: RetryPolicy,
  draw: number,
): AttemptDecision {
  if (outcome.kind === "response" && outcome.status >= 200 && outcome.status <= 299)
    return { kind: "delivered" };
  const failure = failureLabel(outcome);
  if (!isRetryable(outcome)) return { kind: "dead-letter", reason: "rejected", failure };
  if (attempt >= policy.maxAttempts) return { kind: "dead-letter", reason: "attempts-exhausted", failure };
  const backoff = retryDelayMs(policy, attempt, draw);
  const retryAfter = outcome.kind === "response" ? outcome.retryAfterMs : undefined;
  const delayMs =
    retryAfter === undefined ? backoff : Math.min(policy.maxDelayMs, Math.max(backoff, retryAfter));
  return { kind: "retry", delayMs, failure };
}

/**
 * A Retry-After header in ms: delay-seconds, or an HTTP date relative to nowMs; undefined when
 * absent or unreadable (the backoff applies).
 */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  // An HTTP date (IMF-fixdate, "Wed, 21 Oct 2015 07:28:00 GMT"); Date.parse alone would take "-5" for a year.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
