// StatusPublisher over a producer of its own, apart from the serial idempotent producer of the HTLC
// records: a status request that fails or waits (the status topic missing, its ACL forgotten, a
// slow broker) never rides in, or queues in front of, a request carrying HtlcIntercepted records.
// No retries: a status that fails is dropped and the next one (a new block, the interval)
// supersedes it.
import { Partitioners, type Kafka } from "kafkajs";
import { encode } from "@ic/event-log";
import type { StatusPublisher } from "../event-ports.ts";

export interface KafkaStatusPublisher extends StatusPublisher {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

export function createKafkaStatusPublisher(kafka: Kafka, topic: string, options: { timeoutMs?: number } = {}): KafkaStatusPublisher {
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    retry: { retries: 0 },
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  return {
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    async publishStatus(record) {
      await producer.send({ topic, acks: -1, timeout: options.timeoutMs ?? 5_000, messages: [{ key: record.nodeId, ...encode("bridge-status", record) }] });
    },
  };
}
