// The serial producer checks each acknowledgement against the partitions its records went to:
// kafkajs 2.2.4 can resolve a sendBatch whose retry, after a leader change, skipped some
// partitions (serial-producer.ts). A fake kafkajs producer that runs the configured partitioner
// and acknowledges all or all but one partition.
import type { Kafka, PartitionerArgs, ProducerConfig, RecordMetadata } from "kafkajs";
import { describe, expect, it } from "vitest";
import { createSerialProducer, UnacknowledgedRecordsError, unacknowledgedPartitions } from "./serial-producer.ts";

const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId, leader: partitionId + 1, partitionErrorCode: 0, replicas: [1, 2, 3], isr: [1, 2, 3] }));

function fakeKafka(dropPartition?: number): { kafka: Kafka; sent: string[] } {
  const sent: string[] = [];
  const kafka = {
    producer(config: ProducerConfig) {
      const partitioner = config.createPartitioner!();
      return {
        connect: async () => undefined,
        disconnect: async () => undefined,
        async sendBatch({ topicMessages }: { topicMessages: { topic: string; messages: { key: string; value: string }[] }[] }): Promise<RecordMetadata[]> {
          const partitions = new Set<string>();
          for (const { topic, messages } of topicMessages) {
            for (const message of messages) {
              const partition = partitioner({ topic, partitionMetadata, message } as unknown as PartitionerArgs);
              if (partition !== dropPartition) sent.push(`${topic}/${partition}/${message.key}`);
              partitions.add(`${topic}\u0000${partition}`);
            }
          }
          return [...partitions]
            .map((p) => p.split("\u0000"))
            .filter(([, partition]) => Number(partition) !== dropPartition)
            .map(([topicName, partition]) => ({ topicName: topicName!, partition: Number(partition), errorCode: 0, baseOffset: "0" }));
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, sent };
}

const records = ["a", "b", "c", "d", "e", "f", "g", "h"].map((key) => ({ topic: "t.commands", messages: [{ key, value: `v-${key}` }] }));

describe("the serial producer's acknowledgement check", () => {
  it("resolves when every partition a record went to was acknowledged", async () => {
    const { kafka, sent } = fakeKafka();
    const producer = createSerialProducer(kafka);
    await producer.connect();
    await expect(producer.sendBatch(records)).resolves.toBeDefined();
    expect(sent).toHaveLength(8);
  });

  it("fails the batch, naming the partition, when kafkajs resolved without one partition's records", async () => {
    const { kafka } = fakeKafka(1);
    const producer = createSerialProducer(kafka);
    await producer.connect();
    const error = await producer.sendBatch(records).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UnacknowledgedRecordsError);
    expect((error as UnacknowledgedRecordsError).partitions).toEqual(["t.commands/1"]);
  });

  it("counts a message with no known partition as unacknowledged", () => {
    const m1 = { key: "x", value: "1" };
    const m2 = { key: "y", value: "2", partition: 2 };
    expect(unacknowledgedPartitions([{ topic: "t", messages: [m1, m2] }], [{ topicName: "t", partition: 2, errorCode: 0 }], () => undefined)).toEqual(["t/?"]);
    expect(unacknowledgedPartitions([{ topic: "t", messages: [m2] }], [{ topicName: "t", partition: 2, errorCode: 0 }], (m) => m.partition)).toEqual([]);
  });
});
