// HtlcPublisher over the serial idempotent producer: records keyed by payment hash hex, so one
// payment's records share a partition (and a matcher instance).
import { encode, type SerialProducer } from "@ic/event-log";
import type { HtlcPublisher } from "../event-ports.ts";

export function createKafkaHtlcPublisher(
  producer: SerialProducer,
  topics: { htlcIntercepted: string; htlcOutcomes: string },
): HtlcPublisher {
  return {
    async publishIntercepted(record) {
      await producer.send({
        topic: topics.htlcIntercepted,
        messages: [{ key: record.paymentHash, ...encode("htlc-intercepted", record) }],
      });
    },
    async publishOutcomes(records) {
      if (records.length === 0) return;
      await producer.send({
        topic: topics.htlcOutcomes,
        messages: records.map((record) => ({ key: record.paymentHash, ...encode("htlc-outcome", record) })),
      });
    },
  };
}
