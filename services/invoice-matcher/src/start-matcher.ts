// Wires the matcher: Postgres (migrations, projection), Kafka (waits for its provisioned topics,
// consumers, outbox producer), the decider, the timer and the invoice service. Returned handles let the CLI entry
// point, the demo and the e2e tests run it in-process.
import pino, { type Logger } from "pino";
import {
  connectSchemaRegistry,
  createDeadLetterWriter,
  createKafka,
  createSerialProducer,
  deploymentGroups,
  describeKafkaAuth,
  kafkaAuthWarning,
  resolveKafkaCredentials,
  topicSchemasOf,
  waitForTopics,
} from "@ic/event-log";
import { createCoordinatorIdentity, type CoordinatorIdentity } from "./application/coordinator-identity.ts";
import { matcherInputTopics } from "./application/matcher-topics.ts";
import { createInvoiceProcessor } from "./application/invoice-processor.ts";
import { createInvoiceService } from "./application/invoice-service-impl.ts";
import { startOutboxPublisher } from "./application/outbox-publisher.ts";
import { startOutboxPruner } from "./application/outbox-pruner.ts";
import { startTicker } from "./application/ticker.ts";
import type { MatcherServiceConfig } from "./config.ts";
import type { InvoiceService } from "@ic/invoice-api-client";
import { migrate } from "./postgres/migrate.ts";
import { createMatcherPool } from "./postgres/matcher-pool.ts";
import { createInputHandlers } from "./kafka/input-handlers.ts";
import { startInputConsumer } from "./kafka/kafka-input-consumer.ts";
import { createMatcherMetrics, type MatcherMetrics } from "./metrics.ts";
import { isKafkaAuthError, isPostgresConfigError, untilAvailable } from "./start-up-wait.ts";

export interface RunningMatcher {
  readonly service: InvoiceService;
  readonly identity: Pick<CoordinatorIdentity, "nodePubkeyHex">;
  readonly metrics: MatcherMetrics;
  /** For /readyz: Postgres answers (every decision needs it). Kafka consumer failures end the process instead. */
  readiness(): Promise<{ ready: boolean; postgres: string; stalledPartitions?: string[] }>;
  stop(): Promise<void>;
}

export async function startMatcher(
  config: MatcherServiceConfig,
  options: {
    logger?: Logger;
    now?: () => number;
    onFatalError?: (error: Error) => void;
    /** The metrics to count in (main serves them before start-up is done); made here if absent. */
    metrics?: MatcherMetrics;
    /** Told what start-up waits for (Postgres, Kafka, topics), for /readyz; undefined once running. */
    onWaiting?: (what: string | undefined) => void;
  } = {},
): Promise<RunningMatcher> {
  const logger = options.logger ?? pino({ name: "invoice-matcher" });
  const now = options.now ?? Date.now;
  const identity = createCoordinatorIdentity(config.nodeKeyHex, config.preimageSeedHex);
  logger.info({ coordinatorPubkey: identity.nodePubkeyHex, secp256k1: identity.backendNote }, "coordinator identity loaded");

  // Every record is written in the schema registry's wire format: the ids of the matcher's subjects
  // are learnt once, here. An unreachable registry or a schema it refuses as incompatible ends the
  // start with a SchemaRegistryError naming the URL, or the subject and the reason.
  const schemaIds = await connectSchemaRegistry({
    url: config.schemaRegistryUrl,
    clientId: config.kafka.clientId,
    topics: topicSchemasOf(
      config.topics,
      config.cluster.map((node) => node.pubkey),
      ["htlcIntercepted", "htlcOutcomes", "bridgeStatus", "htlcCommands", "invoiceEvents", "matcherEvents"],
    ),
  });
  logger.info({ schemaRegistry: config.schemaRegistryUrl, schemaIds: schemaIds.entries().length }, "schema registry ids loaded");

  // Start-up waits for what is not there yet instead of exiting (start-up-wait.ts).
  const waitOptions = { logger, ...(options.onWaiting === undefined ? {} : { onWaiting: options.onWaiting }) };
  await untilAvailable("Postgres", () => migrate({ databaseUrl: config.postgresUrl, schema: config.dbSchema, log: (m) => logger.debug(m) }), {
    ...waitOptions,
    isFatal: isPostgresConfigError,
  });
  const pool = createMatcherPool(config, logger);
  const metrics = options.metrics ?? createMatcherMetrics();

  const kafkaWarning = kafkaAuthWarning(config.kafka.auth);
  if (kafkaWarning !== undefined) logger.warn({ brokers: config.kafka.brokers }, kafkaWarning);
  else logger.info({ brokers: config.kafka.brokers, auth: describeKafkaAuth(config.kafka.auth) }, "connecting to Kafka");
  const sasl = resolveKafkaCredentials(config.kafka.auth);
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logger, ...(sasl === undefined ? {} : { sasl }) });
  const admin = kafka.admin();
  await untilAvailable("Kafka", () => admin.connect(), { ...waitOptions, isFatal: isKafkaAuthError });
  // Only the configured cluster nodes' topics are read (HTLCs, outcomes, bridge status): a record
  // on any other node's topic is never consumed. The provisioning CLI creates them with their
  // ACLs; until then, wait.
  const inputTopics = matcherInputTopics(config.topics, config.cluster);
  await waitForTopics(
    admin,
    [
      ...inputTopics,
      ...config.cluster.map((node) => config.topics.htlcCommands(node.pubkey)),
      config.topics.invoiceEvents,
      config.topics.matcherEvents,
      config.topics.matcherDeadLetters,
    ],
    { logger, ...(options.onWaiting === undefined ? {} : { onWaiting: (missing: string) => options.onWaiting?.(`topics: ${missing}`) }) },
  );
  options.onWaiting?.(undefined);
  const producer = createSerialProducer(kafka);
  // Every connect waits too: one broker of a cluster down (its address first in kafkajs's pick)
  // can outlast kafkajs's own retries, and a matcher that exits at start is a matcher less.
  const kafkaWait = { ...waitOptions, isFatal: isKafkaAuthError };
  await untilAvailable("Kafka (producer)", () => producer.connect(), kafkaWait);
  // Poison input records are copied here before their partition moves on (kafka/kafka-input-consumer.ts).
  const deadLetters = createDeadLetterWriter(kafka, config.topics.matcherDeadLetters, { value: "copy" });
  await untilAvailable("Kafka (dead-letter producer)", () => deadLetters.connect(), kafkaWait);

  const publisher = startOutboxPublisher({
    pool,
    producer,
    identity,
    logger,
    now,
    onCommandPublished: (c) => metrics.commandsPublished.inc({ action: c.action }),
    onRoundFailed: () => metrics.outboxPublishFailures.inc(),
    onQuarantined: (row) => metrics.outboxQuarantined.inc({ kind: row.kind }),
  });
  const processor = createInvoiceProcessor({ pool, config: config.matcher, topics: config.topics, now, onOutboxWritten: () => publisher.wake() });

  // The input consumer (kafka/): routing by topic, poison and held records, the handlers.
  const inputs = await untilAvailable("Kafka (input consumer)", () =>
    startInputConsumer(kafka, {
    groupId: config.groupId,
    inputTopics,
    topics: config.topics,
    cluster: config.cluster,
    consumer: config.consumer,
    handlers: createInputHandlers({ pool, processor, identity, now, logger, metrics }),
    deadLetters,
    logger,
    metrics,
    onFatalError: (error) => options.onFatalError?.(error),
    }),
    kafkaWait,
  );

  const ticker = startTicker({ pool, processor, now, intervalMs: config.tickIntervalMs, logger, onRound: (height) => metrics.tickBlockHeight.set(height) });
  const pruner = config.outboxRetentionHours > 0 ? startOutboxPruner({ pool, retentionHours: config.outboxRetentionHours, logger }) : undefined;

  const service = createInvoiceService({
    pool,
    processor,
    identity,
    now,
    settings: {
      network: config.network,
      cluster: config.cluster,
      virtualHopPolicy: config.matcher.virtualHopPolicy,
      minFinalCltvExpiryDelta: config.minFinalCltvExpiryDelta,
      defaultExpirySeconds: config.defaultExpirySeconds,
    },
    // A bridge is connected when its command consumer group has a live member.
    bridgeConnected: async (pubkey) => {
      const { groups } = await admin.describeGroups([deploymentGroups(config.deployment).bridge(pubkey)]);
      return (groups[0]?.members.length ?? 0) > 0;
    },
  });

  return {
    service,
    identity: { nodePubkeyHex: identity.nodePubkeyHex },
    metrics,
    async readiness() {
      // Bounded: a pool waiting for a connection (Postgres unreachable, every connection busy)
      // must not hang the probe.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("no answer within 2 s")), 2_000);
      });
      // Read after the Postgres check: a partition may stall while it runs.
      const stalledNow = (): { stalledPartitions?: string[] } => {
        const stalledPartitions = inputs.stalledPartitions();
        return stalledPartitions.length === 0 ? {} : { stalledPartitions };
      };
      try {
        await Promise.race([pool.query("select 1"), timeout]);
        const current = stalledNow();
        return { ready: current.stalledPartitions === undefined, postgres: "ok", ...current };
      } catch (error) {
        return { ready: false, postgres: error instanceof Error ? error.message : String(error), ...stalledNow() };
      } finally {
        clearTimeout(timer);
      }
    },
    async stop() {
      await ticker.stop();
      await pruner?.stop();
      await inputs.stop();
      await deadLetters.disconnect();
      await publisher.stop();
      await producer.disconnect();
      await admin.disconnect();
      await pool.end();
    },
  };
}
