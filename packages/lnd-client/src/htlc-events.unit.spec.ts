// SubscribeHtlcEvents against the fake lnd.
import * as grpc from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectLnd } from "./connect-lnd.ts";
import type { HtlcEvent } from "./htlc-events.ts";
import type { LndClient } from "./lnd-client.ts";
import { LndError } from "./lnd-error.ts";
import { startFakeLnd, type FakeLnd } from "./testing/index.ts";

let fake: FakeLnd;
let connected: LndClient;

async function next(events: AsyncIterator<HtlcEvent>): Promise<HtlcEvent> {
  const result = await events.next();
  if (result.done) throw new Error("event stream ended");
  return result.value;
}

beforeAll(async () => {
  fake = await startFakeLnd();
});
afterEach(() => connected.close());
afterAll(async () => {
  await fake.stop();
});

describe("subscribeHtlcEvents", () => {
  it("starts with subscribed, then decodes final_htlc_event with the exact circuit key", async () => {
    connected = await connectLnd(fake.connectOptions());
    const events = connected.subscribeHtlcEvents()[Symbol.asyncIterator]();
    expect((await next(events)).kind).toBe("subscribed");

    fake.pushHtlcEvent({
      incoming_channel_id: "1234567890123456789",
      incoming_htlc_id: "5",
      timestamp_ns: "1700000000123456789",
      final_htlc_event: { settled: true, offchain: true },
    });
    fake.pushHtlcEvent({
      incoming_channel_id: "1234567890123456789",
      incoming_htlc_id: "6",
      final_htlc_event: { settled: false, offchain: false },
    });
    fake.pushHtlcEvent({
      incoming_channel_id: "1234567890123456789",
      outgoing_channel_id: "1234567890123456790",
      event_type: "FORWARD",
      link_fail_event: {
        info: {
          incoming_timelock: 700,
          outgoing_timelock: 660,
          incoming_amt_msat: "1001",
          outgoing_amt_msat: "1000",
        },
        wire_failure: "TEMPORARY_CHANNEL_FAILURE",
        failure_detail: "INSUFFICIENT_BALANCE",
        failure_string: "insufficient bandwidth",
      },
    });

    const settled = await next(events);
    expect(settled).toMatchObject({
      kind: "finalHtlc",
      settled: true,
      offchain: true,
      incomingChannelId: 1234567890123456789n,
      incomingHtlcId: 5n,
      timestampNs: 1700000000123456789n,
    });
    expect(await next(events)).toMatchObject({
      kind: "finalHtlc",
      settled: false,
      offchain: false,
      incomingHtlcId: 6n,
    });
    const linkFail = await next(events);
    expect(linkFail).toMatchObject({
      kind: "linkFail",
      eventType: "FORWARD",
      outgoingChannelId: 1234567890123456790n,
      wireFailure: "TEMPORARY_CHANNEL_FAILURE",
      failureDetail: "INSUFFICIENT_BALANCE",
      info: { incomingAmtMsat: 1001n, outgoingAmtMsat: 1000n, incomingTimelock: 700 },
    });
  });

  it("leaving the loop cancels the subscription at lnd", async () => {
    connected = await connectLnd(fake.connectOptions());
    for await (const event of connected.subscribeHtlcEvents()) {
      expect(event.kind).toBe("subscribed");
      break;
    }
    await fake.waitFor(() => fake.htlcEventSubscriberCount === 0);
  });

  it("a stream lnd ends with an error surfaces as an LndError", async () => {
    connected = await connectLnd(fake.connectOptions());
    const events = connected.subscribeHtlcEvents()[Symbol.asyncIterator]();
    await next(events);
    fake.endHtlcEventStreams({ code: grpc.status.UNAVAILABLE, details: "htlc event subscription closed" });
    const error = await events.next().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(LndError);
    expect((error as LndError).details).toBe("htlc event subscription closed");
  });
});
