import { describe, expect, it } from "vitest";
import {
  decideAfterAttempt,
  failureLabel,
  isRetryable,
  parseRetryAfter,
  type AttemptOutcome,
} from "./attempt-decision.ts";
import type { RetryPolicy } from "./retry-schedule.ts";

const policy: RetryPolicy = { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 5000 };
const status = (code: number, retryAfterMs?: number): AttemptOutcome => ({
  kind: "response",
  status: code,
  retryAfterMs,
});

describe("after an attempt", () => {
  it("any 2xx is delivered, whatever the attempt number", () => {
    for (const code of [200, 201, 202, 204, 299]) {
      expect(decideAfterAttempt(status(code), 1, policy, 0.5)).toEqual({ kind: "delivered" });
      expect(decideAfterAttempt(status(code), 4, policy, 0.5)).toEqual({ kind: "delivered" });
    }
  });

  it("a 5xx, 408, 425, 429, a timeout or a network error is tried again after the backoff while attempts remain", () => {
    const retried: AttemptOutcome[] = [
      status(500),
      status(502),
      status(503),
      status(599),
      status(408),
      status(425),
      status(429),
      { kind: "timeout", timeoutMs: 300 },
      { kind: "network-error", code: "ECONNREFUSED" },
    ];
    for (const outcome of retried) {
      expect(isRetryable(outcome)).toBe(true);
      expect(decideAfterAttempt(outcome, 1, policy, 1)).toEqual({
        kind: "retry",
        delayMs: 100,
        failure: failureLabel(outcome),
      });
      expect(decideAfterAttempt(outcome, 3, policy, 1)).toEqual({
        kind: "retry",
        delayMs: 400,
        failure: failureLabel(outcome),
      });
    }
  });

  it("after maxAttempts tries a retryable failure is dead-lettered as attempts-exhausted, naming the last failure", () => {
    expect(decideAfterAttempt(status(500), 4, policy, 0)).toEqual({
      kind: "dead-letter",
      reason: "attempts-exhausted",
      failure: "http-500",
    });
    expect(decideAfterAttempt({ kind: "timeout", timeoutMs: 300 }, 4, policy, 0)).toEqual({
      kind: "dead-letter",
      reason: "attempts-exhausted",
      failure: "timeout",
    });
    expect(decideAfterAttempt({ kind: "network-error", code: "ECONNRESET" }, 5, policy, 0)).toEqual({
      kind: "dead-letter",
      reason: "attempts-exhausted",
      failure: "network-ECONNRESET",
    });
    // maxAttempts 1: no retry at all.
    expect(decideAfterAttempt(status(503), 1, { ...policy, maxAttempts: 1 }, 0)).toMatchObject({
      kind: "dead-letter",
      reason: "attempts-exhausted",
    });
  });

  it("a refusal (other 4xx) or a redirect (not followed: the signature is for the configured URL) is dead-lettered at once as rejected", () => {
    for (const code of [400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 301, 302, 307, 308, 100, 199]) {
      expect(isRetryable(status(code))).toBe(false);
      expect(decideAfterAttempt(status(code), 1, policy, 0.5)).toEqual({
        kind: "dead-letter",
        reason: "rejected",
        failure: `http-${code}`,
      });
    }
  });

  it("honours a Retry-After longer than the backoff, capped at maxDelayMs, and never waits less than the backoff", () => {
    expect(decideAfterAttempt(status(503, 2000), 1, policy, 1)).toEqual({
      kind: "retry",
      delayMs: 2000,
      failure: "http-503",
    });
    expect(decideAfterAttempt(status(429, 60_000), 1, policy, 1)).toEqual({
      kind: "retry",
      delayMs: 5000,
      failure: "http-429",
    });
    expect(decideAfterAttempt(status(429, 0), 2, policy, 1)).toEqual({
      kind: "retry",
      delayMs: 200,
      failure: "http-429",
    });
  });

  it("labels failures for logs, metrics and dead letters", () => {
    expect(failureLabel(status(503))).toBe("http-503");
    expect(failureLabel({ kind: "timeout", timeoutMs: 10 })).toBe("timeout");
    expect(failureLabel({ kind: "network-error", code: "ENOTFOUND" })).toBe("network-ENOTFOUND");
  });
});

describe("Retry-After", () => {
  const now = Date.parse("2026-12-02T20:00:00Z");
  it("reads delay-seconds and an HTTP date (relative to now, never negative)", () => {
    expect(parseRetryAfter("7", now)).toBe(7000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Wed, 02 Dec 2026 20:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Wed, 02 Dec 2026 19:00:00 GMT", now)).toBe(0);
  });
  it("ignores an absent or unreadable value (the backoff applies)", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-5", now)).toBeUndefined();
  });
});
