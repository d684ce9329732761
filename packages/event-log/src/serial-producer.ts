// An idempotent producer that sends one request at a time (see serial-queue.ts for why), and puts
// everything handed in while a request is in flight into the next one (coalescing-sender.ts).
// Idempotence makes kafkajs's own retries safe: a retried batch is written once.
import { Partitioners, type Kafka, type ProducerRecord, type RecordMetadata } from "kafkajs";
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

export function createSerialProducer(kafka: Kafka): SerialProducer {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // The Java client's murmur2 partitioner: other services' producers put a key on the same
    // partition as we do. Naming it also silences kafkajs's partitioner-change warning.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const sender = createCoalescingSender<EventLogRecord, RecordMetadata[]>(
    (records) => producer.sendBatch({ topicMessages: mergeByTopic(records), acks: -1 }),
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
