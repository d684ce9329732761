import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { retryDelayMs, type RetryPolicy } from "./retry-schedule.ts";

const policy: RetryPolicy = { maxAttempts: 10, initialDelayMs: 500, maxDelayMs: 30_000 };

describe("retry schedule", () => {
  it("doubles from the initial delay after each failed attempt (the upper end of the jitter range)", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(policy, n, 1))).toEqual([
      500, 1000, 2000, 4000, 8000, 16_000, 30_000,
    ]);
  });

  it("keeps half of the delay fixed and draws the other half (equal jitter)", () => {
    expect(retryDelayMs(policy, 1, 0)).toBe(250);
    expect(retryDelayMs(policy, 1, 0.5)).toBe(375);
    expect(retryDelayMs(policy, 3, 0)).toBe(1000);
  });

  it("never exceeds maxDelayMs, even after very many attempts", () => {
    expect(retryDelayMs(policy, 60, 1)).toBe(30_000);
    expect(retryDelayMs(policy, 10_000, 0.999)).toBeLessThanOrEqual(30_000);
    expect(Number.isFinite(retryDelayMs(policy, 10_000, 0.5))).toBe(true);
  });

  it("treats attempt 0 like the first and clamps a draw outside [0, 1)", () => {
    expect(retryDelayMs(policy, 0, 1)).toBe(500);
    expect(retryDelayMs(policy, 1, -3)).toBe(250);
    expect(retryDelayMs(policy, 1, 7)).toBe(500);
  });

  it("property: between half and all of min(max, initial * 2^(n-1)), and never shorter than for fewer failures at the same draw", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 600_000 }),
        fc.integer({ min: 1, max: 80 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (initial, extra, n, draw) => {
          const p: RetryPolicy = { maxAttempts: 100, initialDelayMs: initial, maxDelayMs: initial + extra };
          const ceiling = Math.min(p.maxDelayMs, initial * 2 ** (n - 1));
          const delay = retryDelayMs(p, n, draw);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
          expect(delay).toBeLessThanOrEqual(Math.ceil(ceiling));
          expect(delay).toBeGreaterThanOrEqual(retryDelayMs(p, n - 1, draw));
        },
      ),
    );
  });
});
