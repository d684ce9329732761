// The Kafka adapter of the bridge's event ports: one kafkajs client authenticated as this node's
// bridge principal, one serial idempotent producer. The node's topics are provisioned with their
// ACLs by the provisioning CLI (the bridge never creates topics): at start it waits, with a log
// line per try, until they exist.
import {
  connectSchemaRegistry,
  createDeadLetterWriter,
  createKafka,
  createSerialProducer,
  deploymentGroups,
  deploymentTopics,
  describeKafkaAuth,
  kafkaAuthWarning,
  resolveKafkaCredentials,
  topicSchemasOf,
  waitForTopics,
  type EventLogLogger,
} from "@ic/event-log";
import type { BridgeMetrics } from "../bridge-metrics.ts";
import { bridgeKafkaAuth, type BridgeConfig } from "../config.ts";
import type { EventPorts } from "../event-ports.ts";
import { COMMAND_DEAD_LETTER_OPTIONS, createKafkaCommandSource } from "./kafka-command-source.ts";
import { createKafkaHtlcPublisher } from "./kafka-htlc-publisher.ts";
import { createKafkaSettleHistory } from "./kafka-settle-history.ts";
import { createKafkaStatusPublisher } from "./kafka-status-publisher.ts";

/** This node's topic names in the bridge's deployment. */
export function bridgeTopics(config: Pick<BridgeConfig, "deployment">, nodeId: string) {
  const topics = deploymentTopics(config.deployment);
  return {
    htlcIntercepted: topics.htlcIntercepted(nodeId),
    htlcOutcomes: topics.htlcOutcomes(nodeId),
    htlcCommands: topics.htlcCommands(nodeId),
    bridgeStatus: topics.bridgeStatus(nodeId),
    deadLetters: topics.bridgeDeadLetters(nodeId),
  };
}

export async function connectKafkaEventPorts(
  config: BridgeConfig,
  nodeId: string,
  logger: EventLogLogger,
  signal?: AbortSignal,
  metrics?: Pick<BridgeMetrics, "deadLettered" | "stalledPartitions">,
): Promise<EventPorts> {
  // The ids of this node's subjects, once: records are in the schema registry's wire format. A
  // SchemaRegistryError (unreachable, or a schema it refuses) ends the start (bridge.ts).
  await connectSchemaRegistry({
    url: config.schemaRegistryUrl,
    clientId: config.kafka.clientId,
    topics: topicSchemasOf(deploymentTopics(config.deployment), [nodeId], ["htlcIntercepted", "htlcOutcomes", "bridgeStatus", "htlcCommands"]),
  });
  const auth = bridgeKafkaAuth(config);
  const warning = kafkaAuthWarning(auth);
  if (warning !== undefined) logger.warn({ brokers: config.kafka.brokers }, warning);
  else logger.info({ brokers: config.kafka.brokers, auth: describeKafkaAuth(auth) }, "connecting to Kafka");
  const sasl = resolveKafkaCredentials(auth);
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logger, ...(sasl === undefined ? {} : { sasl }) });
  const topics = bridgeTopics(config, nodeId);
  const groups = deploymentGroups(config.deployment);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitForTopics(admin, [topics.htlcIntercepted, topics.htlcOutcomes, topics.htlcCommands, topics.bridgeStatus, topics.deadLetters], {
      logger,
      ...(signal === undefined ? {} : { signal }),
    });
  } finally {
    await admin.disconnect();
  }
  const producer = createSerialProducer(kafka);
  await producer.connect();
  const status = createKafkaStatusPublisher(kafka, topics.bridgeStatus);
  // Undecodable commands are recorded here, headers only (kafka-command-source.ts).
  const deadLetters = createDeadLetterWriter(kafka, topics.deadLetters, COMMAND_DEAD_LETTER_OPTIONS);
  try {
    await status.connect();
    await deadLetters.connect();
  } catch (error) {
    await Promise.allSettled([status.disconnect(), deadLetters.disconnect()]);
    await producer.disconnect().catch(() => {});
    throw error;
  }
  return {
    publisher: createKafkaHtlcPublisher(producer, topics),
    status,
    commands: createKafkaCommandSource(kafka, {
      topic: topics.htlcCommands,
      groupId: groups.bridge(nodeId),
      logger,
      deadLetters,
      onDeadLettered: (reason, topic) => metrics?.deadLettered.inc({ reason, topic }),
      onStalledCount: (count) => metrics?.stalledPartitions.set(count),
    }),
    settleHistory: createKafkaSettleHistory(kafka, {
      topic: topics.htlcCommands,
      groupPrefix: groups.bridgeSettleHistoryPrefix(nodeId),
      logger,
    }),
    close: async () => {
      await Promise.allSettled([status.disconnect(), deadLetters.disconnect()]);
      await producer.disconnect();
    },
  };
}
