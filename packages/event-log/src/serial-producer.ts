// An idempotent producer that sends one request at a time (see serial-queue.ts for why).
// Idempotence makes kafkajs's own retries safe: a retried batch is written once.
import { Partitioners, type Kafka, type ProducerRecord, type RecordMetadata } from "kafkajs";
import { SerialQueue } from "./serial-queue.ts";

/** A record to send; acks are always "all" (-1), which idempotence requires. */
export type EventLogRecord = Omit<ProducerRecord, "acks">;

export interface SerialProducer {
  connect(): Promise<void>;
  /** Queues the send behind earlier ones; resolves when the broker acknowledged it. */
  send(record: EventLogRecord): Promise<RecordMetadata[]>;
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
  const queue = new SerialQueue();
  let closed = false;
  return {
    connect: () => producer.connect(),
    send(record) {
      if (closed) return Promise.reject(new Error("the producer is disconnected"));
      return queue.run(() => producer.send({ ...record, acks: -1 }));
    },
    async disconnect() {
      closed = true;
      await queue.drain();
      await producer.disconnect();
    },
  };
}
