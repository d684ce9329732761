// An idempotent producer that sends one request at a time (see serial-queue.ts for why), and puts
// everything handed in while a request is in flight into the next one (coalescing-sender.ts).
// Idempotence makes kafkajs's own retries safe: a retried batch is written once.
//
// kafkajs 2.2.4 can resolve a sendBatch without having written all of it: when a retry follows a
// leadership change (NOT_LEADER after a broker died), it skips every broker that already answered
// the first attempt, including one that has just become the leader of the failed partitions, so
// their records are never sent (found by the chaos run on three brokers: a SETTLE command logged
// as published was not on its topic). So every batch is checked: each record's partition (as the
// partitioner chose it) must be in the acknowledgement, else the send fails with
// UnacknowledgedRecordsError and the caller sends it again. That may write a record twice (the
// partitions that were written); every consumer is idempotent, and a lost record is not allowed.
import { Partitioners, type Kafka, type Message, type ProducerRecord, type RecordMetadata } from "kafkajs";
import { createCoalescingSender } from "./coalescing-sender.ts";

/** A record to send; acks are always "all" (-1), which idempotence requires. */
export type EventLogRecord = Omit<ProducerRecord, "acks">;

export interface SerialProducer {
  connect(): Promise<void>;
  /**
   * Queues the send behind earlier ones (it rides in the next request with whatever else is
   * waiting); resolves when the broker acknowledged it, with that request's metadata.
   */
  send(record: EventLogRecord): Promise<RecordMetadata[]>;
  /**
   * Queues several records as ONE produce request (one round trip, one acknowledgement), in the
   * given order within each partition. Resolves when the broker acknowledged all of them; on an
   * error none counts as sent (idempotence makes the retry write each record once).
   */
  sendBatch(records: readonly EventLogRecord[]): Promise<RecordMetadata[]>;
  /** Waits for queued sends to settle, then disconnects. Later sends reject. */
  disconnect(): Promise<void>;
}

/** A batch kafkajs reported sent although some of its partitions were not acknowledged. */
export class UnacknowledgedRecordsError extends Error {
  override readonly name = "UnacknowledgedRecordsError";
  constructor(readonly partitions: readonly string[]) {
    super(`the broker acknowledged the batch without ${partitions.join(", ")} (kafkajs skipped them on a retry after a leader change); send it again`);
  }
}

export function createSerialProducer(kafka: Kafka): SerialProducer {
  // The partition the partitioner chose for each message of a batch (a message given one keeps it).
  const assigned = new WeakMap<Message, number>();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // The Java client's murmur2 partitioner: other services' producers put a key on the same
    // partition as we do. Naming it also silences kafkajs's partitioner-change warning.
    createPartitioner: (...args) => {
      const partitioner = Partitioners.DefaultPartitioner(...args);
      return (input) => {
        const partition = partitioner(input);
        assigned.set(input.message, partition);
        return partition;
      };
    },
  });
  const sender = createCoalescingSender<EventLogRecord, RecordMetadata[]>(
    async (records) => {
      const topicMessages = mergeByTopic(records);
      const acknowledged = await producer.sendBatch({ topicMessages, acks: -1 });
      const missing = unacknowledgedPartitions(topicMessages, acknowledged, (message) => message.partition ?? assigned.get(message));
      if (missing.length > 0) throw new UnacknowledgedRecordsError(missing);
      return acknowledged;
    },
    // Well below the broker's 1 MB request limit for our records (~1.5 kB for an HTLC).
    { maxRecordsPerRequest: 300 },
  );
  let closed = false;
  return {
    connect: () => producer.connect(),
    send(record) {
      if (closed) return Promise.reject(new Error("the producer is disconnected"));
      return sender.send([record]);
    },
    sendBatch(records) {
      if (closed) return Promise.reject(new Error("the producer is disconnected"));
      if (records.length === 0) return Promise.resolve([]);
      return sender.send(records);
    },
    async disconnect() {
      closed = true;
      await sender.drain();
      await producer.disconnect();
    },
  };
}

/** "topic/partition" of every message whose partition has no entry in the acknowledgement. */
export function unacknowledgedPartitions(
  topicMessages: readonly { topic: string; messages: readonly Message[] }[],
  acknowledged: readonly RecordMetadata[],
  partitionOf: (message: Message) => number | undefined,
): string[] {
  const acked = new Set(acknowledged.map((r) => `${r.topicName}/${r.partition}`));
  const missing = new Set<string>();
  for (const { topic, messages } of topicMessages) {
    for (const message of messages) {
      const partition = partitionOf(message);
      const name = `${topic}/${partition ?? "?"}`;
      if (partition === undefined || !acked.has(name)) missing.add(name);
    }
  }
  return [...missing].sort();
}

/** Consecutive records of one topic become one entry (order kept), as kafkajs's sendBatch takes them. */
export function mergeByTopic(records: readonly EventLogRecord[]): { topic: string; messages: EventLogRecord["messages"] }[] {
  const merged: { topic: string; messages: EventLogRecord["messages"] }[] = [];
  for (const record of records) {
    const last = merged.at(-1);
    if (last !== undefined && last.topic === record.topic) last.messages = [...last.messages, ...record.messages];
    else merged.push({ topic: record.topic, messages: [...record.messages] });
  }
  return merged;
}
