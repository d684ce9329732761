// The one place a kafkajs client is configured for the event log.
import { Kafka, logLevel as KafkaLogLevel, type RetryOptions } from "kafkajs";
import type { KafkaCredentials } from "./kafka-credentials.ts";
import { kafkaLogCreator, type EventLogLogger } from "./kafka-logger.ts";
import { installRequestQueueFix } from "./kafkajs-request-queue.ts";

export interface KafkaOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Where kafkajs logs go; omitted: kafkajs logs nothing. */
  readonly logger?: EventLogLogger;
  /** The most verbose kafkajs level passed to the logger (default WARN). */
  readonly logLevel?: KafkaLogLevel;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly retry?: RetryOptions;
  /** SASL/SCRAM-SHA-512 credentials; omitted: no authentication (only where a config allows it). */
  readonly sasl?: KafkaCredentials;
}

export function createKafka(options: KafkaOptions): Kafka {
  // kafkajs 2.2.4 re-arms a 1 ms timer on every connection forever (kafkajs-request-queue.ts).
  installRequestQueueFix();
  return new Kafka({
    brokers: [...options.brokers],
    clientId: options.clientId,
    logLevel: options.logger === undefined ? KafkaLogLevel.NOTHING : (options.logLevel ?? KafkaLogLevel.WARN),
    ...(options.logger === undefined ? {} : { logCreator: kafkaLogCreator(options.logger) }),
    ...(options.connectionTimeoutMs === undefined ? {} : { connectionTimeout: options.connectionTimeoutMs }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeout: options.requestTimeoutMs }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.sasl === undefined
      ? {}
      : { sasl: { mechanism: "scram-sha-512", username: options.sasl.username, password: options.sasl.password } }),
  });
}

export { KafkaLogLevel };
