import { describe, expect, it } from "vitest";
import { verifyWebhookSignature, type AttemptOutcome } from "./delivery/index.ts";
import { deliverToEndpoint, type DeliveryClock, type DeliveryEndpoint } from "./endpoint-delivery.ts";
import { DeliveryAborted } from "./http/webhook-http-client.ts";

const SECRET = "0123456789abcdef0123";

/** A clock that never waits: sleeping moves its time on and records the delay. */
function fakeClock(startMs = 1_800_000_000_000): DeliveryClock & { slept: number[] } {
  let now = startMs;
  const slept: number[] = [];
  return {
    slept,
    nowMs: () => now,
    random: () => 1,
    sleep: async (ms, signal) => {
      if (signal.aborted) throw new DeliveryAborted();
      slept.push(ms);
      now += ms;
    },
  };
}

function scriptedEndpoint(outcomes: AttemptOutcome[], maxAttempts = 4) {
  const requests: { body: string; headers: Readonly<Record<string, string>> }[] = [];
  const endpoint: DeliveryEndpoint = {
    name: "orders",
    secretValue: SECRET,
    policy: { maxAttempts, initialDelayMs: 100, maxDelayMs: 10_000 },
    post: async (body, headers) => {
      requests.push({ body, headers });
      const next = outcomes.shift();
      if (next === undefined) throw new Error("no more scripted outcomes");
      return next;
    },
  };
  return { endpoint, requests };
}

/** deliverToEndpoint of event "e" with body "{}" on a fresh fake clock, no stop, no heartbeat count; `over` replaces any of that. */
function deliver(endpoint: DeliveryEndpoint, over: Partial<Parameters<typeof deliverToEndpoint>[0]> = {}) {
  return deliverToEndpoint({
    endpoint,
    eventId: "e",
    body: "{}",
    clock: fakeClock(),
    signal: new AbortController().signal,
    heartbeat: async () => undefined,
    ...over,
  });
}

const ok: AttemptOutcome = { kind: "response", status: 200 };
const err500: AttemptOutcome = { kind: "response", status: 500 };

describe("delivering one event to one endpoint", () => {
  it("fails twice, then is delivered on the third attempt after doubling backoffs; every attempt is signed with its own timestamp", async () => {
    const clock = fakeClock();
    const { endpoint, requests } = scriptedEndpoint([err500, { kind: "timeout", timeoutMs: 300 }, ok]);
    let heartbeats = 0;
    const failures: string[] = [];
    const result = await deliverToEndpoint({
      endpoint,
      eventId: "evt-1",
      body: '{"a":1}',
      clock,
      signal: new AbortController().signal,
      heartbeat: async () => void heartbeats++,
      observer: { attemptFailed: (n, failure, retryIn) => failures.push(`${n}:${failure}:${retryIn}`) },
    });
    expect(result).toEqual({ kind: "delivered", attempts: 3 });
    expect(clock.slept).toEqual([100, 200]);
    expect(heartbeats).toBe(2);
    expect(failures).toEqual(["1:http-500:100", "2:timeout:200"]);
    expect(requests.map((r) => r.headers["ic-webhook-id"])).toEqual(["evt-1", "evt-1", "evt-1"]);
    expect(requests.map((r) => r.headers["ic-webhook-timestamp"])).toEqual([
      "1800000000",
      "1800000000",
      "1800000000",
    ]);
    for (const request of requests) {
      expect(
        verifyWebhookSignature({
          secret: SECRET,
          body: request.body,
          timestampHeader: request.headers["ic-webhook-timestamp"],
          signatureHeader: request.headers["ic-webhook-signature"],
          nowSec: 1_800_000_000,
          toleranceSec: 300,
        }),
      ).toEqual({ ok: true });
    }
  });

  it("gives up after maxAttempts, naming the last failure", async () => {
    const { endpoint, requests } = scriptedEndpoint([err500, err500, err500, err500]);
    const result = await deliver(endpoint);
    expect(result).toEqual({
      kind: "gave-up",
      attempts: 4,
      reason: "attempts-exhausted",
      lastFailure: "http-500",
    });
    expect(requests).toHaveLength(4);
  });

  it("gives up at once on a refusal (404)", async () => {
    const { endpoint, requests } = scriptedEndpoint([{ kind: "response", status: 404 }]);
    const result = await deliver(endpoint);
    expect(result).toEqual({ kind: "gave-up", attempts: 1, reason: "rejected", lastFailure: "http-404" });
    expect(requests).toHaveLength(1);
  });

  it("heartbeats through a long backoff, in slices", async () => {
    const clock = fakeClock();
    const { endpoint } = scriptedEndpoint([{ kind: "response", status: 503, retryAfterMs: 10_000 }, ok]);
    let heartbeats = 0;
    await deliver(endpoint, { clock, heartbeat: async () => void heartbeats++ });
    expect(clock.slept).toEqual([3000, 3000, 3000, 1000]);
    expect(heartbeats).toBe(4);
  });

  it("a stop abandons the delivery by throwing (neither delivered nor dead-lettered, so not committed)", async () => {
    const stop = new AbortController();
    const { endpoint } = scriptedEndpoint([err500, ok]);
    const clock = fakeClock();
    clock.sleep = async () => {
      stop.abort();
      throw new DeliveryAborted();
    };
    await expect(
      deliver(endpoint, { clock, signal: stop.signal }),
    ).rejects.toBeInstanceOf(DeliveryAborted);
    stop.abort();
    await expect(
      deliver(endpoint, { signal: stop.signal }),
    ).rejects.toBeInstanceOf(DeliveryAborted);
  });
});
