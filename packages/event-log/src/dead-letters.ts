// Dead letters: a consumed record that no retry can make readable (bytes that are not one of our
// records, a schema nobody knows, a published version edited in place, a record its consumer
// refuses as a claim nobody entitled made) is copied to its consumer's dead-letter topic, and only
// then does the consumer move past it. Thrown instead, it would hold every later record of its
// partition for good; passed over with only a log line, the bytes would be gone once the source
// topic's retention ends. A record of a *newer schema version* is not poison: readers upgrade
// first (schemas/README.md), so it is held back and decodes after the upgrade.
//
// A dead letter's headers say what and where: reason, source topic, partition, offset and
// timestamp, and the source record's own headers (schema name/version/fingerprint). Its key is
// the source key. Its value is the source value, unless the source topic may carry secrets (a
// command topic carries preimages): then the value is left out and only its length is kept.
// Delivery is at least once: a consumer that crashes after the dead letter was written and
// before its offset commit writes it again, so readers dedupe by (source topic, partition, offset).
import type { IHeaders, Kafka, Message } from "kafkajs";
import type { ConsumedRecord } from "./committing-consumer.ts";
import { EventDecodeError, isPermanentDecodeFailure } from "./errors.ts";
import { createSerialProducer, type SerialProducer } from "./serial-producer.ts";

export const DEAD_LETTER_HEADERS = {
  /** Why: a DecodeFailureReason (corrupt-payload, unknown-schema, ...) or the consumer's refusal reason. */
  reason: "ic-dlq-reason",
  /** Human-readable detail: names schemas, fields and nodes, never a value (errors.ts). */
  detail: "ic-dlq-detail",
  sourceTopic: "ic-dlq-source-topic",
  sourcePartition: "ic-dlq-source-partition",
  /** int64 as a decimal string. */
  sourceOffset: "ic-dlq-source-offset",
  /** The source record's timestamp, Unix ms. */
  sourceTimestamp: "ic-dlq-source-timestamp",
  /** Present when the value was left out: the source value's length in bytes ("none" for no value). */
  valueOmittedBytes: "ic-dlq-value-omitted-bytes",
} as const;

const OWN_HEADERS = new Set<string>(Object.values(DEAD_LETTER_HEADERS));

export interface DeadLetter {
  readonly reason: string;
  readonly detail: string;
}

export interface DeadLetterOptions {
  /**
   * "copy": the value is the source value (inputs the matcher alone may read anyway).
   * "omit": no value, only its length (command records: any of them may hold a preimage, whether
   * or not it decodes, so not even a failed decode tells that it holds none).
   */
  readonly value: "copy" | "omit";
  /** Source headers to keep: all, or only these names (a command's dead letter keeps the schema headers). */
  readonly keepHeaders?: "all" | readonly string[];
}

/** The record to write to a dead-letter topic for one consumed record. Pure. */
export function deadLetterMessage(record: ConsumedRecord, letter: DeadLetter, options: DeadLetterOptions): Message {
  const headers: IHeaders = {};
  const keep = options.keepHeaders ?? "all";
  for (const [name, value] of Object.entries(record.headers)) {
    if (value === undefined || OWN_HEADERS.has(name)) continue;
    if (keep !== "all" && !keep.includes(name)) continue;
    headers[name] = value;
  }
  headers[DEAD_LETTER_HEADERS.reason] = letter.reason;
  headers[DEAD_LETTER_HEADERS.detail] = letter.detail.slice(0, 1000);
  headers[DEAD_LETTER_HEADERS.sourceTopic] = record.topic;
  headers[DEAD_LETTER_HEADERS.sourcePartition] = String(record.partition);
  headers[DEAD_LETTER_HEADERS.sourceOffset] = record.offset;
  headers[DEAD_LETTER_HEADERS.sourceTimestamp] = record.timestamp;
  if (options.value === "omit") headers[DEAD_LETTER_HEADERS.valueOmittedBytes] = record.value === null ? "none" : String(record.value.length);
  return { key: record.key, value: options.value === "copy" ? record.value : null, headers };
}

/**
 * What a consumer does with a record it failed to decode: "hold" (throw, so its partition waits:
 * a newer schema version, readable after the upgrade) or "dead-letter" (no retry helps). Errors
 * that are not EventDecodeErrors (Postgres down, a bug) are neither: the caller rethrows them and
 * the partition retries.
 */
export function decodeFailureAction(error: EventDecodeError): "hold" | "dead-letter" {
  return isPermanentDecodeFailure(error.reason) ? "dead-letter" : "hold";
}

/** The dead letter for a decode failure: its reason and message (which never show a value). */
export function decodeFailureLetter(error: EventDecodeError): DeadLetter {
  return { reason: error.reason, detail: error.message };
}

export interface DeadLetterWriter {
  readonly topic: string;
  connect(): Promise<void>;
  /** Resolves once the broker acknowledged the dead letter (acks=all); only then may the consumer move on. */
  write(record: ConsumedRecord, letter: DeadLetter): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * A dead-letter producer of its own (idempotent, acks=all): poison never waits behind, nor
 * delays, the consumer's other records. A failed write rejects: the consumer throws, and the
 * record is retried, never passed over without its dead letter.
 */
export function createDeadLetterWriter(kafka: Kafka, topic: string, options: DeadLetterOptions, producer: SerialProducer = createSerialProducer(kafka)): DeadLetterWriter {
  return {
    topic,
    connect: () => producer.connect(),
    async write(record, letter) {
      await producer.send({ topic, messages: [deadLetterMessage(record, letter, options)] });
    },
    disconnect: () => producer.disconnect(),
  };
}
