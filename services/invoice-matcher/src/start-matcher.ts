// Wires the matcher: Postgres (migrations, projection), Kafka (waits for its provisioned topics,
// consumers, outbox producer), the decider, the timer and the invoice service. Returned handles let the CLI entry
// point, the demo and the e2e tests run it in-process.
import pino, { type Logger } from "pino";
import {
  createKafka,
  createSerialProducer,
  decodeAs,
  deploymentGroups,
  describeKafkaAuth,
  EventDecodeError,
  kafkaAuthWarning,
  isPermanentDecodeFailure,
  runCommittingConsumer,
  resolveKafkaCredentials,
  waitForTopics,
  type ConsumedRecord,
  type RunningConsumer,
} from "@ic/event-log";
import { topicNodeMismatch } from "./application/record-source.ts";
import { createCoordinatorIdentity, type CoordinatorIdentity } from "./application/coordinator-identity.ts";
import { matcherInputTopics } from "./application/matcher-topics.ts";
import { clusterRecordCheck, type RecordRefusal } from "./application/cluster-record-check.ts";
import { htlcArrivedFrom } from "./application/htlc-arrival.ts";
import { createInvoiceProcessor } from "./application/invoice-processor.ts";
import { createInvoiceService } from "./application/invoice-service-impl.ts";
import { startOutboxPublisher } from "./application/outbox-publisher.ts";
import { startOutboxPruner } from "./application/outbox-pruner.ts";
import { startTicker } from "./application/ticker.ts";
import type { MatcherServiceConfig } from "./config.ts";
import type { InvoiceService } from "./invoice-service/invoice-service.ts";
import { migrate } from "./postgres/migrate.ts";
import { createMatcherPool } from "./postgres/matcher-pool.ts";
import { paymentHashOfHtlc, recordBridgeHeartbeat } from "./postgres/invoice-store.ts";
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
    [...inputTopics, ...config.cluster.map((node) => config.topics.htlcCommands(node.pubkey)), config.topics.invoiceEvents, config.topics.matcherEvents],
    { logger, ...(options.onWaiting === undefined ? {} : { onWaiting: (missing: string) => options.onWaiting?.(`topics: ${missing}`) }) },
  );
  options.onWaiting?.(undefined);
  const producer = createSerialProducer(kafka);
  await producer.connect();

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

  // A record that can never decode is passed over, loudly (error log with its offset, metric):
  // thrown, it would hold every later HTLC of its partition until lnd fails them at their
  // auto-fail height. One that an upgrade of this matcher would decode is thrown, so its
  // partition waits and it is retried (isPermanentDecodeFailure in @ic/event-log). Money-safe
  // either way: an HTLC never decided is never settled; a missed outcome only delays SETTLED.
  // Partitions held back by a record of a newer schema version (topic/partition -> its offset):
  // readiness turns not-ready and ic_matcher_stalled_partitions counts them until a record of
  // that partition is handled again (after the upgrade).
  const stalled = new Map<string, string>();
  const partitionOf = (record: ConsumedRecord): string => `${record.topic}/${record.partition}`;
  const decodeOrPassOver = <T>(decode: () => T, record: ConsumedRecord): T | undefined => {
    try {
      return decode();
    } catch (error) {
      if (!(error instanceof EventDecodeError)) throw error;
      if (!isPermanentDecodeFailure(error.reason)) {
        stalled.set(partitionOf(record), record.offset);
        metrics.stalledPartitions.set(stalled.size);
        logger.error(
          { topic: record.topic, partition: record.partition, offset: record.offset, reason: error.reason, err: error.message },
          "input record of a schema version this matcher does not know: its partition waits until the matcher is upgraded",
        );
        throw error;
      }
      metrics.undecodableRecords.inc({ topic: record.topic });
      logger.error(
        { topic: record.topic, partition: record.partition, offset: record.offset, reason: error.reason, err: error.message },
        "undecodable input record passed over",
      );
      return undefined;
    }
  };

  // A record no cluster node could have written is never decided: warn, count, pass over (a throw
  // would hold its partition).
  const recordCheck = clusterRecordCheck(config.cluster);
  const refusedRecord = (refusal: RecordRefusal | undefined, record: ConsumedRecord): boolean => {
    if (refusal === undefined) return false;
    metrics.rejectedRecords.inc({ reason: refusal.reason });
    logger.warn({ topic: record.topic, partition: record.partition, offset: record.offset, reason: refusal.reason }, `input record refused: ${refusal.message}`);
    return true;
  };

  // Only node N's bridge principal can write node N's topics (ACLs): a record naming another node
  // cannot come from the node it names. Refused before any decision, logged and counted; the
  // partition goes on.
  const refusedForItsTopic = (record: ConsumedRecord, nodeId: string, paymentHash?: string): boolean => {
    const mismatch = topicNodeMismatch(config.topics, record.topic, nodeId);
    if (mismatch === undefined) return false;
    metrics.rejectedRecords.inc({ reason: mismatch.reason });
    logger.warn(
      { topic: record.topic, partition: record.partition, offset: record.offset, paymentHash, recordNodeId: nodeId, topicNodeId: mismatch.topicNodeId, reason: mismatch.reason },
      "input record refused: its node is not the node whose topic it arrived on",
    );
    return true;
  };

  const consumers: RunningConsumer[] = [];
  consumers.push(
    await runCommittingConsumer(kafka, {
      groupId: config.groupId,
      topics: inputTopics,
      fromBeginning: true,
      // Payments side by side: every partition at once, and within a fetched batch up to
      // keyConcurrency invoices at once (records of one payment hash stay in order; the invoice
      // row lock serializes an invoice across partitions and topics anyway).
      partitionsConsumedConcurrently: config.consumer.partitionsConcurrently,
      keyConcurrency: config.consumer.keyConcurrency,
      logger,
      // kafkajs gave up on the consumer: without it no HTLC is decided, so say so to whoever
      // runs the matcher (main exits; a supervisor restarts it and the group resumes).
      onFatalError: (error) => options.onFatalError?.(error),
      handler: async (record) => {
        await handleInput(record);
        if (stalled.delete(partitionOf(record))) metrics.stalledPartitions.set(stalled.size);
      },
    }),
  );

  async function handleInput(record: ConsumedRecord): Promise<void> {
    const role = config.topics.nodeTopic(record.topic)?.role;
    if (role === "bridgeStatus") {
      // The node's block height (and liveness) while no HTLC arrives: the ticker cancels a
      // waiting hold set before its auto-fail height from it. Only ever rising (greatest in
      // recordBridgeHeartbeat): a late or replayed status cannot lower it.
      const status = decodeOrPassOver(() => decodeAs("bridge-status", record), record);
      if (status === undefined) return;
      if (refusedForItsTopic(record, status.nodeId)) return;
      if (refusedRecord(recordCheck.statusRecord(status), record)) return;
      await recordBridgeHeartbeat(pool, status.nodeId, now(), status.blockHeight);
      metrics.bridgeStatusRecords.inc();
      logger.debug({ nodeId: status.nodeId, blockHeight: status.blockHeight, bridgeInstanceId: status.bridgeInstanceId, interceptorStreamOpen: status.interceptorStreamOpen, heldHtlcs: status.heldHtlcs, publishBacklog: status.publishBacklog }, "bridge status");
    } else if (role === "htlcIntercepted") {
      const htlc = decodeOrPassOver(() => decodeAs("htlc-intercepted", record), record);
      if (htlc === undefined) return;
      if (refusedForItsTopic(record, htlc.nodeId, htlc.paymentHash)) return;
      if (refusedRecord(recordCheck.htlcRecord(htlc), record)) return;
      const arrivedAt = now();
      const { input, onionKey } = htlcArrivedFrom(htlc, identity, arrivedAt);
      const { decision } = await processor.process(htlc.paymentHash, input, onionKey);
      const decidedAt = now();
      // Liveness bookkeeping after the decision, off the settle path (the outbox was woken at commit).
      await recordBridgeHeartbeat(pool, htlc.nodeId, arrivedAt, htlc.blockHeight);
      metrics.htlcsReceived.inc();
      for (const event of decision.events)
        if (event.type === "HtlcRejected" && event.data.reason === "reoffered_htlc_differs") {
          metrics.suspectHtlcs.inc();
          logger.warn(
            { paymentHash: htlc.paymentHash, nodeId: htlc.nodeId, circuitKey: `${htlc.circuitKey.chanId}:${htlc.circuitKey.htlcId}`, differingFields: event.data.differingFields },
            `suspect HTLC record: re-offered HTLC differs from the recorded one: ${(event.data.differingFields ?? []).join(", ")}; failed, not settled`,
          );
        }
      logger.info(
        {
          paymentHash: htlc.paymentHash,
          circuitKey: `${htlc.circuitKey.chanId}:${htlc.circuitKey.htlcId}`,
          nodeId: htlc.nodeId,
          events: decision.events.map((e) => e.type),
          commands: decision.commands.map((c) => c.type),
          // The HTLC's way so far, for tracing one HTLC (test/bench/htlc-trace.ts): lnd offered
          // it to the bridge, the bridge handed the record to its producer, the matcher took it
          // off the topic, its decision committed.
          interceptedAtMs: htlc.interceptedAtMs,
          producedAtMs: Number(record.timestamp),
          receivedAtMs: arrivedAt,
          committedAtMs: decidedAt,
        },
        "htlc decided",
      );
    } else {
      const outcome = decodeOrPassOver(() => decodeAs("htlc-outcome", record), record);
      if (outcome === undefined) return;
      if (refusedForItsTopic(record, outcome.nodeId, outcome.paymentHash)) return;
      if (refusedRecord(recordCheck.outcomeRecord(outcome), record)) return;
      if (outcome.kind !== "FINAL_SETTLED" && outcome.kind !== "FINAL_FAILED") return;
      const key = { nodeId: outcome.nodeId, chanId: outcome.circuitKey.chanId, htlcId: outcome.circuitKey.htlcId };
      const paymentHash = outcome.paymentHash || (await paymentHashOfHtlc(pool, key));
      if (paymentHash === undefined) return;
      const { decision } = await processor.process(paymentHash, {
        type: "HtlcFinal",
        data: { key, paymentHash, settled: outcome.kind === "FINAL_SETTLED", now: now() },
      });
      if (decision.events.some((e) => e.type === "InvoiceSettled")) {
        metrics.invoicesSettled.inc();
        logger.info({ paymentHash }, "invoice settled (lnd reports every HTLC final)");
      }
      for (const event of decision.events) {
        if (event.type !== "InvoiceSettleFailed") continue;
        metrics.settleFailed.inc();
        const { settledHtlcs, failedHtlcs, amountSettledMsat, amountFailedMsat } = event.data;
        logger.error(
          { paymentHash, settledParts: settledHtlcs.length, failedParts: failedHtlcs.length, amountSettledMsat: String(amountSettledMsat), amountFailedMsat: String(amountFailedMsat) },
          "invoice SETTLE_FAILED: lnd failed a part it was told to settle",
        );
      }
    }
  }

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
      const stalledNow = (): { stalledPartitions?: string[] } =>
        stalled.size === 0 ? {} : { stalledPartitions: [...stalled].map(([partition, offset]) => `${partition}@${offset}: a newer schema version; upgrade the matcher`) };
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
      for (const c of consumers) await c.stop();
      await publisher.stop();
      await producer.disconnect();
      await admin.disconnect();
      await pool.end();
    },
  };
}
