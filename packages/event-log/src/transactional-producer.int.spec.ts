// Kafka transactions through kafkajs 2.2.4 against the real broker: committed records and
// offsets become visible together, aborted ones never reach a read_committed reader.
import type { Admin, Kafka, KafkaMessage } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeAs, encode } from "./codec.ts";
import { runCommittingConsumer, type ConsumedRecord, type RunningConsumer } from "./committing-consumer.ts";
import { committedOffsets, readTopic, testKafka, uniqueName, waitFor } from "./kafka-test-support.ts";
import { nextOffset } from "./offsets.ts";
import { sampleEvents } from "./sample-events.ts";
import { createSerialProducer } from "./serial-producer.ts";
import { ensureTopics } from "./topics.ts";
import { createTransactionalProducer, type TransactionalProducer } from "./transactional-producer.ts";

const outcome = (commandId: string) => encode("htlc-outcome", { ...sampleEvents()["htlc-outcome"], commandId });
const commandIds = (messages: readonly KafkaMessage[]) => messages.map((m) => decodeAs("htlc-outcome", m).commandId);

describe("the transactional producer against the broker", () => {
  let kafka: Kafka;
  let admin: Admin;
  const input = uniqueName("ic.test.tx-in");
  const output = uniqueName("ic.test.tx-out");
  const groups: string[] = [];

  /** The offsets a consume-transform-produce transaction commits for its input: just past `record`. */
  const offsetsAfter = (group: string, record: ConsumedRecord) => ({
    consumerGroupId: group,
    topics: [{ topic: record.topic, partitions: [{ partition: record.partition, offset: nextOffset(record.offset) }] }],
  });
  /** A consume-transform-produce test's group, output topic and connected transactional producer, all its own. */
  async function transformSetup(name: string) {
    const group = uniqueName(`${name}-group`);
    groups.push(group);
    const target = uniqueName(`ic.test.tx-${name}`);
    await ensureTopics(admin, [{ topic: target, partitions: 1 }]);
    const producer = createTransactionalProducer(kafka, { transactionalId: uniqueName(name) });
    await producer.connect();
    // The consumer of the input: it commits no offsets itself, the transactions do.
    const consuming = { groupId: group, topics: [input], fromBeginning: true, commitOffsets: false, maxWaitTimeMs: 200 };
    return { group, target, producer, consuming };
  }
  /** Waits until the three input records' offsets are committed for `group`, then stops the consumer and the producer. */
  async function untilInputCommitted(group: string, consumer: RunningConsumer, producer: TransactionalProducer): Promise<void> {
    try {
      await waitFor("all input offsets committed", async () => (await committedOffsets(admin, group, input)).get(0) === "3");
    } finally {
      await consumer.stop();
      await producer.disconnect();
    }
  }

  beforeAll(async () => {
    kafka = testKafka("event-log-tx-test");
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [
      { topic: input, partitions: 1 },
      { topic: output, partitions: 1 },
    ]);
    const producer = createSerialProducer(kafka);
    await producer.connect();
    for (const id of ["in-0", "in-1", "in-2"]) await producer.send({ topic: input, messages: [outcome(id)] });
    await producer.disconnect();
  });
  afterAll(async () => {
    await admin.deleteGroups(groups).catch(() => {});
    await admin.deleteTopics({ topics: [input, output] }).catch(() => {});
    await admin.disconnect();
  });

  it("commits records with offsets, aborts others; read_committed sees exactly the committed ones", async () => {
    const group = uniqueName("tx-group");
    groups.push(group);
    const producer = createTransactionalProducer(kafka, { transactionalId: uniqueName("tx") });
    await producer.connect();
    const offsetsAt = (offset: string) => ({
      consumerGroupId: group,
      topics: [{ topic: input, partitions: [{ partition: 0, offset }] }],
    });

    await producer.transaction(async (tx) => {
      await tx.send({ topic: output, messages: [outcome("committed-1")] });
      await tx.sendOffsets(offsetsAt("2"));
    });
    await expect(
      producer.transaction(async (tx) => {
        await tx.send({ topic: output, messages: [outcome("aborted")] });
        await tx.sendOffsets(offsetsAt("3"));
        throw new Error("the decision could not be made durable");
      }),
    ).rejects.toThrow("the decision could not be made durable");
    // The brief's shape: sends not awaited inside the callback; commit waits for them.
    await producer.transaction(async (tx) => {
      void tx.send({ topic: output, messages: [outcome("committed-2")] });
      void tx.send({ topic: output, messages: [outcome("end-marker")] });
    });
    await producer.disconnect();

    expect(await committedOffsets(admin, group, input)).toEqual(new Map([[0, "2"]]));

    // The aborted record was written: a read_uncommitted reader sees it...
    const uncommitted = await readTopic(kafka, output, {
      readUncommitted: true,
      until: (m) => commandIds(m).includes("end-marker"),
    });
    expect(commandIds(uncommitted)).toEqual(["committed-1", "aborted", "committed-2", "end-marker"]);

    // ...and our read_committed consumer does not.
    const seen: ConsumedRecord[] = [];
    const consumerGroup = uniqueName("tx-reader");
    groups.push(consumerGroup);
    const consumer = await runCommittingConsumer(kafka, {
      groupId: consumerGroup,
      topics: [output],
      fromBeginning: true,
      maxWaitTimeMs: 200,
      handler: async (record) => {
        seen.push(record);
      },
    });
    try {
      await waitFor("the end marker", () => seen.some((r) => decodeAs("htlc-outcome", r).commandId === "end-marker"));
    } finally {
      await consumer.stop();
    }
    expect(seen.map((r) => decodeAs("htlc-outcome", r).commandId)).toEqual(["committed-1", "committed-2", "end-marker"]);
    // Offsets 0..5: 0 committed-1, 1 commit marker, 2 aborted, 3 abort marker, 4 committed-2,
    // 5 end-marker, 6 commit marker. Resolving the last record also passes the trailing marker.
    expect(seen.map((r) => r.offset)).toEqual(["0", "4", "5"]);
    expect(await committedOffsets(admin, consumerGroup, output)).toEqual(new Map([[0, "7"]]));
  });

  it("consume-transform-produce: the handler commits its input offsets inside its own transaction", async () => {
    const { group, target, producer, consuming } = await transformSetup("ctp");
    const consumer = await runCommittingConsumer(kafka, {
      ...consuming,
      handler: async (record) => {
        const commandId = decodeAs("htlc-outcome", record).commandId;
        await producer.transaction(async (tx) => {
          await tx.send({ topic: target, messages: [outcome(`out-of-${commandId}`)] });
          await tx.sendOffsets(offsetsAfter(group, record));
        });
      },
    });
    await untilInputCommitted(group, consumer, producer);
    const produced = await readTopic(kafka, target, { readUncommitted: false, until: (m) => m.length >= 3 });
    expect(commandIds(produced)).toEqual(["out-of-in-0", "out-of-in-1", "out-of-in-2"]);
    await admin.deleteTopics({ topics: [target] }).catch(() => {});
  });

  it("consume-transform-produce by batch: one transaction carries a batch's outputs and its last offset", async () => {
    const { group, target, producer, consuming } = await transformSetup("ctp-batch");
    const batchSizes: number[] = [];
    const consumer = await runCommittingConsumer(kafka, {
      ...consuming,
      batchHandler: async (records) => {
        batchSizes.push(records.length);
        const last = records.at(-1)!;
        await producer.transaction(async (tx) => {
          await tx.send({
            topic: target,
            messages: records.map((r) => outcome(`out-of-${decodeAs("htlc-outcome", r).commandId}`)),
          });
          await tx.sendOffsets(offsetsAfter(group, last));
        });
      },
    });
    await untilInputCommitted(group, consumer, producer);
    // The three input records were produced before the consumer started: one fetch, one batch.
    expect(batchSizes).toEqual([3]);
    const produced = await readTopic(kafka, target, { readUncommitted: false, until: (m) => m.length >= 3 });
    expect(commandIds(produced)).toEqual(["out-of-in-0", "out-of-in-1", "out-of-in-2"]);
    await admin.deleteTopics({ topics: [target] }).catch(() => {});
  });
});
