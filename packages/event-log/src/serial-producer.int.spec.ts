import type { Admin, Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeAs, encode } from "./codec.ts";
import { readTopic, testKafka, uniqueName } from "./kafka-test-support.ts";
import { sampleEvents } from "./sample-events.ts";
import { createSerialProducer } from "./serial-producer.ts";
import { ensureTopics } from "./topics.ts";

describe("the serial idempotent producer against the broker", () => {
  let kafka: Kafka;
  let admin: Admin;
  const topic = uniqueName("ic.test.serial");

  beforeAll(async () => {
    kafka = testKafka("event-log-serial-test");
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic, partitions: 1 }]);
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  it("writes many concurrent sends once each, in submission order, coalesced into fewer requests", async () => {
    const producer = createSerialProducer(kafka);
    await producer.connect();
    const count = 60;
    const sample = sampleEvents()["htlc-outcome"];
    // Fired without awaiting each other: the queue, not the caller, keeps one request in flight.
    const acks = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        producer.send({
          topic,
          messages: [{ key: sample.paymentHash, ...encode("htlc-outcome", { ...sample, commandId: `cmd-${i}` }) }],
        }),
      ),
    );
    await producer.disconnect();
    // Sends handed in while a request was in flight rode together in the next request: each
    // resolves with its request's metadata, so there are fewer distinct base offsets than sends.
    expect(acks).toHaveLength(count);
    expect(new Set(acks.map((a) => a[0]!.baseOffset)).size).toBeLessThan(count);
    await expect(producer.send({ topic, messages: [{ value: "late" }] })).rejects.toThrow("disconnected");

    const messages = await readTopic(kafka, topic, { readUncommitted: false, until: (m) => m.length >= count });
    expect(messages.map((m) => decodeAs("htlc-outcome", m).commandId)).toEqual(
      Array.from({ length: count }, (_, i) => `cmd-${i}`),
    );
    expect(messages.map((m) => m.key?.toString())).toEqual(Array(count).fill(sample.paymentHash));
  });
});
