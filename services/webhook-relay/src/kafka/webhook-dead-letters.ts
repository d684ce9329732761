// The relay's dead letters, in <deployment>.webhook.dead-letters.v1 (read by admin only): an
// invoice event that an endpoint never took (attempts exhausted, or refused with a 4xx), one dead
// letter per endpoint, or a record of the public topic that cannot be decoded (endpoint "*").
// A topic rather than a file or a table: the relay is a Kafka consumer with no storage of its own,
// the topic is replicated like its source, kept forever, read with the dead-letter CLI like the
// other consumers' dead letters, and writable only by the relay's principal (ACL).
//
// A dead letter is the source record (key, Avro value and headers: invoice events are public, so
// the value is copied and the record can be replayed) plus the standard ic-dlq-* headers (reason,
// detail, source topic/partition/offset/timestamp) and the relay's own: the endpoint's name, the
// attempts made and the last failure. Never the endpoint's URL or secret.
// It is acknowledged by the broker (acks=all) before the source offset may be committed; a write
// that fails throws, so the event is handled again rather than lost.
import {
  createSerialProducer,
  deadLetterMessage,
  type ConsumedRecord,
  type DeadLetter,
  type SerialProducer,
} from "@ic/event-log";
import type { Kafka } from "kafkajs";

export const WEBHOOK_DLQ_HEADERS = {
  endpoint: "ic-webhook-endpoint",
  attempts: "ic-webhook-attempts",
  lastFailure: "ic-webhook-last-failure",
  eventId: "ic-webhook-event-id",
} as const;

/** "*": the record could not be decoded, so no endpoint was tried. */
export const ALL_ENDPOINTS = "*";

export interface WebhookDeadLetter extends DeadLetter {
  readonly endpoint: string;
  readonly attempts: number;
  readonly lastFailure: string;
  readonly eventId: string;
}

export interface WebhookDeadLetterWriter {
  readonly topic: string;
  connect(): Promise<void>;
  write(record: ConsumedRecord, letter: WebhookDeadLetter): Promise<void>;
  disconnect(): Promise<void>;
}

export function webhookDeadLetterMessage(record: ConsumedRecord, letter: WebhookDeadLetter) {
  const message = deadLetterMessage(
    record,
    { reason: letter.reason, detail: letter.detail },
    { value: "copy" },
  );
  return {
    ...message,
    headers: {
      ...message.headers,
      [WEBHOOK_DLQ_HEADERS.endpoint]: letter.endpoint,
      [WEBHOOK_DLQ_HEADERS.attempts]: String(letter.attempts),
      [WEBHOOK_DLQ_HEADERS.lastFailure]: letter.lastFailure,
      [WEBHOOK_DLQ_HEADERS.eventId]: letter.eventId,
    },
  };
}

export function createWebhookDeadLetterWriter(
  kafka: Kafka,
  topic: string,
  producer: SerialProducer = createSerialProducer(kafka),
): WebhookDeadLetterWriter {
  return {
    topic,
    connect: () => producer.connect(),
    async write(record, letter) {
      await producer.send({ topic, messages: [webhookDeadLetterMessage(record, letter)] });
    },
    disconnect: () => producer.disconnect(),
  };
}
