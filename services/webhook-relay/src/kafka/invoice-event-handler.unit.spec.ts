import { encode, type ConsumedRecord, type InvoiceEvent } from "@ic/event-log";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { AttemptOutcome } from "../delivery/index.ts";
import type { DeliveryClock, DeliveryEndpoint } from "../endpoint-delivery.ts";
import { DeliveryAborted } from "../http/webhook-http-client.ts";
import { createRelayMetrics } from "../relay-metrics.ts";
import { createInvoiceEventHandler } from "./invoice-event-handler.ts";
import type { WebhookDeadLetter } from "./webhook-dead-letters.ts";

const HASH = "cd".repeat(32);
const event: InvoiceEvent = {
  eventId: "evt-1",
  sequence: 1,
  paymentHash: HASH,
  kind: "CREATED",
  externalRef: "order-1",
  bolt11: "lnbcrt1xyz",
  amountMsat: 5000n,
  amountPaidMsat: null,
  htlcs: [],
  amountSettledMsat: null,
  amountFailedMsat: null,
  reason: null,
  atMs: 1_800_000_000_000,
};

function recordOf(value: Buffer | null, headers: Record<string, string> = {}): ConsumedRecord {
  return {
    topic: "t.invoice.events.v1",
    partition: 0,
    offset: "7",
    key: Buffer.from(HASH),
    value,
    headers,
    timestamp: "1800000000000",
  };
}
const encoded = encode("invoice-event", event);
const goodRecord = recordOf(encoded.value, encoded.headers);

const clock: DeliveryClock = {
  nowMs: () => 1_800_000_000_250,
  random: () => 0,
  sleep: async () => undefined,
};

function endpointAnswering(
  name: string,
  outcomes: AttemptOutcome[],
  maxAttempts = 3,
): DeliveryEndpoint & { bodies: string[] } {
  const bodies: string[] = [];
  return {
    name,
    bodies,
    secretValue: "secret-secret-secret",
    policy: { maxAttempts, initialDelayMs: 1, maxDelayMs: 1 },
    post: async (body) => {
      bodies.push(body);
      return outcomes.shift() ?? { kind: "response", status: 200 };
    },
  };
}

function handlerWith(
  endpoints: DeliveryEndpoint[],
  options: { failDeadLetters?: boolean; signal?: AbortSignal; held?: Map<string, string> } = {},
) {
  const letters: WebhookDeadLetter[] = [];
  const metrics = createRelayMetrics();
  const handler = createInvoiceEventHandler({
    deployment: "t",
    endpoints,
    deadLetters: {
      write: async (_record, letter) => {
        if (options.failDeadLetters === true) throw new Error("broker away");
        letters.push(letter);
      },
    },
    clock,
    signal: options.signal ?? new AbortController().signal,
    metrics,
    logger: pino({ level: "silent" }),
    ...(options.held === undefined ? {} : { held: options.held }),
  });
  return {
    handler: (record: ConsumedRecord) => handler(record, { heartbeat: async () => undefined }),
    letters,
    metrics,
  };
}

describe("invoice event handler", () => {
  it("delivers the event to every endpoint, and dead-letters it for the one that never takes it, before returning", async () => {
    const good = endpointAnswering("good", [{ kind: "response", status: 500 }]);
    const broken = endpointAnswering(
      "broken",
      [500, 500, 500].map((status) => ({ kind: "response", status }) as AttemptOutcome),
    );
    const { handler, letters, metrics } = handlerWith([good, broken]);
    await handler(goodRecord);
    expect(good.bodies).toHaveLength(2);
    expect(JSON.parse(good.bodies[0] as string)).toMatchObject({
      eventId: "evt-1",
      paymentHash: HASH,
      kind: "CREATED",
      amountMsat: "5000",
      deployment: "t",
    });
    expect(letters).toEqual([
      {
        reason: "attempts-exhausted",
        detail: "endpoint broken: http-500 after 3 attempt(s)",
        endpoint: "broken",
        attempts: 3,
        lastFailure: "http-500",
        eventId: "evt-1",
      },
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('ic_webhook_deliveries_total{endpoint="good"} 1');
    expect(text).toContain('ic_webhook_dead_lettered_total{endpoint="broken",reason="attempts-exhausted"} 1');
    expect(text).toContain('ic_webhook_attempt_failures_total{endpoint="broken",failure="http-500"} 3');
    expect(text).toContain('ic_webhook_delivery_latency_seconds_sum{endpoint="good"} 0.25');
  });

  it("dead-letters an undecodable record once for all endpoints (endpoint *) and tries none", async () => {
    const good = endpointAnswering("good", []);
    const { handler, letters } = handlerWith([good]);
    await handler(recordOf(Buffer.from("garbage")));
    expect(good.bodies).toEqual([]);
    expect(letters).toEqual([
      // No schema headers: read as the Confluent wire format, which "garbage" is not.
      expect.objectContaining({ reason: "corrupt-payload", endpoint: "*", attempts: 0 }),
    ]);
    await handler(recordOf(Buffer.from("garbage"), { ...encoded.headers }));
    expect(letters[1]).toMatchObject({ reason: "corrupt-payload", endpoint: "*" });
  });

  it("holds a record of a newer schema version (throws, so the partition waits), without a dead letter, listed until a record of the partition decodes", async () => {
    const held = new Map<string, string>();
    const { handler, letters, metrics } = handlerWith([endpointAnswering("good", [])], { held });
    await expect(
      handler(recordOf(encoded.value, { ...encoded.headers, "ic-schema-version": "99" })),
    ).rejects.toThrow();
    expect(letters).toEqual([]);
    expect([...held]).toEqual([["t.invoice.events.v1/0", "7"]]);
    expect(await metrics.registry.metrics()).toContain("ic_webhook_stalled_partitions 1");
    await handler(goodRecord);
    expect(held.size).toBe(0);
    expect(await metrics.registry.metrics()).toContain("ic_webhook_stalled_partitions 0");
  });

  it("throws when a dead letter cannot be written: the record is handled again, never passed over", async () => {
    const { handler } = handlerWith([endpointAnswering("broken", [{ kind: "response", status: 400 }])], {
      failDeadLetters: true,
    });
    await expect(handler(goodRecord)).rejects.toThrow("broker away");
  });

  it("throws only after the other endpoints finished with the event (no old retry outlives the record)", async () => {
    let slowFinished = false;
    const slow: DeliveryEndpoint = {
      name: "slow",
      secretValue: "secret-secret-secret",
      policy: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1 },
      post: () =>
        new Promise((resolve) =>
          setTimeout(() => {
            slowFinished = true;
            resolve({ kind: "response", status: 200 });
          }, 80),
        ),
    };
    const { handler } = handlerWith(
      [endpointAnswering("broken", [{ kind: "response", status: 400 }]), slow],
      {
        failDeadLetters: true,
      },
    );
    await expect(handler(goodRecord)).rejects.toThrow("broker away");
    expect(slowFinished).toBe(true);
  });

  it("heartbeats while a POST is in progress (a slow endpoint does not get the member thrown out of its group)", async () => {
    const slow: DeliveryEndpoint = {
      name: "slow",
      secretValue: "secret-secret-secret",
      policy: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1 },
      post: () => new Promise((resolve) => setTimeout(() => resolve({ kind: "response", status: 200 }), 120)),
    };
    let heartbeats = 0;
    const handler = createInvoiceEventHandler({
      deployment: "t",
      endpoints: [slow],
      deadLetters: { write: async () => undefined },
      clock,
      signal: new AbortController().signal,
      metrics: createRelayMetrics(),
      logger: pino({ level: "silent" }),
      heartbeatEveryMs: 20,
    });
    await handler(goodRecord, { heartbeat: async () => void heartbeats++ });
    expect(heartbeats).toBeGreaterThanOrEqual(3);
    const after = heartbeats;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(heartbeats).toBe(after);
  });

  it("throws when the relay stops mid-delivery: neither delivered nor dead-lettered, so the offset is not committed", async () => {
    const stop = new AbortController();
    const hanging: DeliveryEndpoint = {
      name: "hang",
      secretValue: "secret-secret-secret",
      policy: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 1 },
      post: (_body, _headers, signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener("abort", () => reject(new DeliveryAborted())),
        ),
    };
    const { handler, letters } = handlerWith([hanging], { signal: stop.signal });
    const handled = handler(goodRecord);
    stop.abort();
    await expect(handled).rejects.toBeInstanceOf(DeliveryAborted);
    expect(letters).toEqual([]);
  });
});
