// The Kafka adapter of the bridge's event ports: one kafkajs client, the three topics created
// when missing (brokers run without auto-creation), one serial idempotent producer.
import {
  createKafka,
  createSerialProducer,
  ensureTopics,
  type EventLogLogger,
} from "@ic/event-log";
import type { BridgeConfig } from "../config.ts";
import type { EventPorts } from "../event-ports.ts";
import { createKafkaCommandSource } from "./kafka-command-source.ts";
import { createKafkaHtlcPublisher } from "./kafka-htlc-publisher.ts";
import { createKafkaSettleHistory } from "./kafka-settle-history.ts";

export async function connectKafkaEventPorts(
  config: BridgeConfig,
  nodeId: string,
  logger: EventLogLogger,
): Promise<EventPorts> {
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logger });
  if (config.kafka.createTopics) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics } = config;
      await ensureTopics(
        admin,
        [topics.htlcIntercepted, topics.htlcCommands, topics.htlcOutcomes].map((topic) => ({
          topic,
          partitions: config.kafka.topicPartitions,
        })),
      );
    } finally {
      await admin.disconnect();
    }
  }
  const producer = createSerialProducer(kafka);
  await producer.connect();
  return {
    publisher: createKafkaHtlcPublisher(producer, config.topics),
    commands: createKafkaCommandSource(kafka, { topic: config.topics.htlcCommands, nodeId, logger }),
    settleHistory: createKafkaSettleHistory(kafka, { topic: config.topics.htlcCommands, logger }),
    close: () => producer.disconnect(),
  };
}
