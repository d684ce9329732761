import pino from "pino";
import { describe, expect, it } from "vitest";
import { deploymentTopics, encode, type ConsumedRecord, type DeadLetter, type HtlcIntercepted } from "@ic/event-log";
import { sampleEvents } from "@ic/event-log/testing";
import { hexToBytes, virtualScidForNode } from "@ic/lightning-protocol";
import { createMatcherMetrics } from "../metrics.ts";
import { createInputRecordHandler } from "./kafka-input-consumer.ts";

// The order that makes poison safe to pass: the dead letter is acknowledged before the record
// counts as handled; a dead letter that cannot be written fails the record (its partition waits
// and retries); a newer schema version holds the partition and is never dead-lettered.
const ALPHA = "02" + "aa".repeat(32);
const topics = deploymentTopics("ic");
const htlc: HtlcIntercepted = { ...sampleEvents()["htlc-intercepted"], nodeId: ALPHA, outgoingRequestedChanId: virtualScidForNode(hexToBytes(ALPHA)) };
const record = (offset: string, value: Buffer, headers: ConsumedRecord["headers"]): ConsumedRecord => ({
  topic: topics.htlcIntercepted(ALPHA),
  partition: 0,
  offset,
  key: null,
  value,
  headers,
  timestamp: "1",
});
const valid = (offset: string) => {
  const e = encode("htlc-intercepted", htlc);
  return record(offset, e.value, e.headers);
};

function setUp(options: { failDeadLetters?: boolean } = {}) {
  const events: string[] = [];
  const letters: { offset: string; letter: DeadLetter }[] = [];
  const metrics = createMatcherMetrics();
  const handler = createInputRecordHandler({
    topics,
    cluster: [{ name: "alpha", pubkey: ALPHA }],
    logger: pino({ level: "silent" }),
    metrics,
    deadLetters: {
      topic: topics.matcherDeadLetters,
      async write(r, letter) {
        if (options.failDeadLetters) throw new Error("broker away");
        letters.push({ offset: r.offset, letter });
        events.push(`dead-letter ${r.offset}`);
      },
    },
    handlers: {
      htlc: async (_h, r) => void events.push(`decide ${r.offset}`),
      finalOutcome: async () => void events.push("final"),
      bridgeStatus: async () => void events.push("status"),
    },
  });
  const deadLettered = async () => (await metrics.deadLettered.get()).values.map((v) => [v.labels.reason, v.value]);
  return { handler, events, letters, metrics, deadLettered };
}

describe("the matcher's input record handler", () => {
  it("dead-letters garbage, then decides the next record", async () => {
    const { handler, events, letters, deadLettered } = setUp();
    await handler.handle(record("1", Buffer.from("garbage"), {}));
    await handler.handle(valid("2"));
    expect(events).toEqual(["dead-letter 1", "decide 2"]);
    expect(letters[0]?.letter.reason).toBe("corrupt-payload");
    expect(await deadLettered()).toEqual([["corrupt-payload", 1]]);
  });

  it("a dead letter that cannot be written fails the record: not counted, retried rather than passed over", async () => {
    const { handler, events, deadLettered } = setUp({ failDeadLetters: true });
    await expect(handler.handle(record("1", Buffer.from("garbage"), {}))).rejects.toThrow("broker away");
    expect(events).toEqual([]);
    expect(await deadLettered()).toEqual([]);
  });

  it("a newer schema version is held (thrown, the partition listed as stalled), never dead-lettered; a handled record clears it", async () => {
    const { handler, letters, metrics } = setUp();
    const e = encode("htlc-intercepted", htlc);
    await expect(handler.handle(record("5", e.value, { ...e.headers, "ic-schema-version": "9" }))).rejects.toMatchObject({ reason: "unknown-version" });
    expect(letters).toEqual([]);
    expect(handler.stalledPartitions()).toEqual([`${topics.htlcIntercepted(ALPHA)}/0@5: a newer schema version; upgrade the matcher`]);
    expect((await metrics.stalledPartitions.get()).values[0]?.value).toBe(1);
    await handler.handle(valid("5"));
    expect(handler.stalledPartitions()).toEqual([]);
  });

  it("a refused record (not the node's virtual scid) is dead-lettered and counted as rejected too", async () => {
    const { handler, letters, metrics } = setUp();
    const e = encode("htlc-intercepted", { ...htlc, outgoingRequestedChanId: 7n });
    await handler.handle(record("3", e.value, e.headers));
    expect(letters.map((l) => l.letter.reason)).toEqual(["not_virtual_scid"]);
    expect((await metrics.rejectedRecords.get()).values.map((v) => [v.labels.reason, v.value])).toEqual([["not_virtual_scid", 1]]);
  });
});
