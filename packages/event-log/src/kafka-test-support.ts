// Helpers for the int tests that run against the real broker (infra/scripts/kafka.sh start).
// Every test names its own topics and groups with a random suffix and deletes them after.
import { randomBytes } from "node:crypto";
import type { Admin, Consumer, Kafka, KafkaMessage } from "kafkajs";
import { createKafka } from "./kafka-client.ts";

export const testBrokers = (process.env["IC_KAFKA_BROKERS"] ?? "127.0.0.1:9092").split(",");

export function testKafka(clientId: string): Kafka {
  return createKafka({ brokers: testBrokers, clientId });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}

/** Polls condition until it holds; fails with what was awaited once the deadline passes. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Committed offsets of a group on a topic, partition -> offset ("-1" when none). */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, string>> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((entry?.partitions ?? []).map((p) => [p.partition, p.offset]));
}

/**
 * Reads a topic from the beginning with a throwaway group until stop says it has seen
 * enough, and returns what it read, in order per partition.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  options: { readUncommitted: boolean; until: (messages: readonly KafkaMessage[]) => boolean },
): Promise<KafkaMessage[]> {
  const messages: KafkaMessage[] = [];
  const consumer: Consumer = kafka.consumer({
    groupId: uniqueName("reader"),
    readUncommitted: options.readUncommitted,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        messages.push(message);
      },
    });
    await waitFor(`records on ${topic}`, () => options.until(messages));
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
