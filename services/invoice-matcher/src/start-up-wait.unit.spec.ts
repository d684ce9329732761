import { describe, expect, it, vi } from "vitest";
import { isKafkaAuthError, isPostgresConfigError, untilAvailable } from "./start-up-wait.ts";

describe("start-up waits", () => {
  it("retries with a log line naming what it waits for, reports it for readiness, and clears it once available", async () => {
    const warn = vi.fn();
    const waiting: (string | undefined)[] = [];
    let calls = 0;
    const value = await untilAvailable(
      "Postgres",
      async () => {
        if (++calls < 3) throw new Error("connect ECONNREFUSED 127.0.0.1:15432");
        return "migrated";
      },
      { logger: { warn }, onWaiting: (w) => waiting.push(w), initialDelayMs: 1, maxDelayMs: 2 },
    );
    expect(value).toBe("migrated");
    expect(calls).toBe(3);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[0]![1]).toBe("waiting for Postgres");
    expect(warn.mock.calls[0]![0]).toMatchObject({ waitingFor: "Postgres", reason: "connect ECONNREFUSED 127.0.0.1:15432", attempt: 1 });
    expect(waiting).toEqual(["Postgres: connect ECONNREFUSED 127.0.0.1:15432", "Postgres: connect ECONNREFUSED 127.0.0.1:15432", undefined]);
  });

  it("throws at once what no wait can fix", async () => {
    const wrongPassword = Object.assign(new Error('password authentication failed for user "ic"'), { code: "28P01" });
    const attempt = vi.fn(async () => {
      throw wrongPassword;
    });
    await expect(untilAvailable("Postgres", attempt, { logger: { warn: vi.fn() }, isFatal: isPostgresConfigError, initialDelayMs: 1 })).rejects.toBe(wrongPassword);
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it("tells configuration errors from outages", () => {
    expect(isPostgresConfigError({ code: "28P01" })).toBe(true);
    expect(isPostgresConfigError({ code: "3D000" })).toBe(true);
    expect(isPostgresConfigError({ code: "57P03" })).toBe(false); // the database system is starting up
    expect(isPostgresConfigError(new Error("ECONNREFUSED"))).toBe(false);
    expect(isKafkaAuthError({ name: "KafkaJSSASLAuthenticationError" })).toBe(true);
    expect(isKafkaAuthError({ name: "KafkaJSConnectionError" })).toBe(false);
  });
});
