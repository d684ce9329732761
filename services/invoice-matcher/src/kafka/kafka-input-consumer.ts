// The matcher's Kafka input adapter: one read_committed consumer group over its cluster nodes'
// HTLC, outcome and bridge status topics. Each record is read (input-record.ts: routed by topic,
// decoded, checked to come from its node), then handed to the input handlers, or set aside:
// - poison (no retry can fix it) is copied to the matcher's dead-letter topic (value, key and
//   headers as they were, with the reason and the source topic/partition/offset in headers),
//   logged and counted, and only then does the partition go on: thrown, it would hold every later
//   HTLC of its partition until lnd fails them at their auto-fail height. A dead letter that
//   cannot be written is thrown instead: the record is retried, never passed over unrecorded;
// - a newer schema version is thrown, so its partition waits and the record is retried until the
//   matcher is upgraded (readers upgrade first); readiness and ic_matcher_stalled_partitions say so;
// - a bridge's non-final outcome is ignored by design.
// Money-safe either way: an HTLC never decided is never settled; a missed outcome only delays SETTLED.
import type { Logger } from "pino";
import { createStalledPartitions, runCommittingConsumer, type ConsumedRecord, type DeadLetterWriter, type DeploymentTopics } from "@ic/event-log";
import type { Kafka } from "kafkajs";
import { clusterRecordCheck } from "../application/cluster-record-check.ts";
import type { MatcherMetrics } from "../metrics.ts";
import type { InputHandlers } from "./input-handlers.ts";
import { poisonLetter, readInputRecord, type InputRecord } from "./input-record.ts";

export interface InputConsumerOptions {
  readonly groupId: string;
  readonly inputTopics: readonly string[];
  readonly topics: Pick<DeploymentTopics, "nodeTopic">;
  readonly cluster: readonly { readonly name: string; readonly pubkey: string }[];
  readonly consumer: {
    readonly partitionsConcurrently: number;
    readonly keyConcurrency: number;
    readonly sessionTimeoutMs: number;
    readonly heartbeatIntervalMs: number;
  };
  readonly handlers: InputHandlers;
  /** The matcher's dead-letter topic (<deployment>.matcher.dead-letters.v1), values copied. */
  readonly deadLetters: Pick<DeadLetterWriter, "write" | "topic">;
  readonly logger: Logger;
  readonly metrics: MatcherMetrics;
  /** kafkajs gave up on the consumer for good. */
  readonly onFatalError: (error: Error) => void;
}

export interface RunningInputConsumer {
  /** "topic/partition@offset: why" for each partition held back by a newer schema version. */
  stalledPartitions(): string[];
  stop(): Promise<void>;
}

export type InputRecordHandlerOptions = Pick<InputConsumerOptions, "topics" | "cluster" | "handlers" | "deadLetters" | "logger" | "metrics">;

export interface InputRecordHandler {
  /** Handles one record; rejects when its partition must wait (a newer schema, a failed handler or dead letter). */
  handle(record: ConsumedRecord): Promise<void>;
  stalledPartitions(): string[];
}

/** What the consumer does with each record, apart from Kafka (unit-tested with fakes). */
export function createInputRecordHandler(options: InputRecordHandlerOptions): InputRecordHandler {
  const { logger, metrics, handlers } = options;
  const context = { topics: options.topics, check: clusterRecordCheck(options.cluster) };
  const stalled = createStalledPartitions("the matcher", (count) => metrics.stalledPartitions.set(count));

  async function handleOne(record: ConsumedRecord): Promise<void> {
    const input = readInputRecord(record, context);
    const where = { topic: record.topic, partition: record.partition, offset: record.offset };
    switch (input.kind) {
      case "htlc":
        return handlers.htlc(input.htlc, record);
      case "final-outcome":
        return handlers.finalOutcome(input.outcome);
      case "bridge-status":
        return handlers.bridgeStatus(input.status);
      case "not-final-outcome":
        return;
      case "newer-schema":
        stalled.held(record);
        logger.error(
          { ...where, reason: input.error.reason, err: input.error.message },
          "input record of a schema version this matcher does not know: its partition waits until the matcher is upgraded",
        );
        throw input.error;
      case "undecodable":
      case "refused":
        return deadLetter(record, input);
    }
  }

  async function deadLetter(record: ConsumedRecord, input: Extract<InputRecord, { kind: "undecodable" | "refused" }>): Promise<void> {
    const letter = poisonLetter(input);
    if (letter === undefined) throw new Error(`not poison: ${input.kind}`);
    await options.deadLetters.write(record, letter);
    metrics.deadLettered.inc({ reason: letter.reason, topic: record.topic });
    const where = { topic: record.topic, partition: record.partition, offset: record.offset, deadLetterTopic: options.deadLetters.topic };
    if (input.kind === "undecodable") {
      metrics.undecodableRecords.inc({ topic: record.topic });
      logger.error({ ...where, reason: input.error.reason, err: input.error.message }, "undecodable input record dead-lettered");
      return;
    }
    const { refusal } = input;
    metrics.rejectedRecords.inc({ reason: refusal.reason });
    if (refusal.reason === "topic-node-mismatch")
      logger.warn(
        { ...where, paymentHash: refusal.paymentHash, recordNodeId: refusal.recordNodeId, topicNodeId: refusal.topicNodeId, reason: refusal.reason },
        "input record refused and dead-lettered: its node is not the node whose topic it arrived on",
      );
    else logger.warn({ ...where, reason: refusal.reason }, `input record refused and dead-lettered: ${refusal.message}`);
  }

  return {
    async handle(record) {
      await handleOne(record);
      stalled.moved(record);
    },
    stalledPartitions: () => stalled.describe(),
  };
}

/** How often the input consumer commits its offsets at most. */
const COMMIT_INTERVAL_MS = 250;
/**
 * How long the broker may hold an empty fetch. A record ends the wait at once, so it costs no
 * latency; but stop() (kafkajs's disconnect) waits for the fetch in flight, and with kafkajs's
 * default (5000 ms) an idle matcher took up to 5 s to exit on SIGTERM (measured 1.9-3.6 s for
 * the disconnect alone; 0.24-0.38 s with 500). The bridge's command consumer waits 500 too.
 */
const MAX_WAIT_TIME_MS = 500;

export async function startInputConsumer(kafka: Kafka, options: InputConsumerOptions): Promise<RunningInputConsumer> {
  const { logger } = options;
  const inputs = createInputRecordHandler(options);
  const running = await runCommittingConsumer(kafka, {
    groupId: options.groupId,
    topics: options.inputTopics,
    fromBeginning: true,
    // Payments side by side: every partition at once, and within a fetched batch up to
    // keyConcurrency invoices at once (records of one payment hash stay in order; the invoice
    // version guard serializes an invoice across partitions and topics anyway).
    partitionsConsumedConcurrently: options.consumer.partitionsConcurrently,
    keyConcurrency: options.consumer.keyConcurrency,
    // A matcher that stops heartbeating loses its partitions to the others after this long.
    sessionTimeoutMs: options.consumer.sessionTimeoutMs,
    heartbeatIntervalMs: options.consumer.heartbeatIntervalMs,
    // Offsets at most every 250 ms, not after every batch (at low load a batch is one record: an
    // OffsetCommit per HTLC and two per outcome). A crash or a rebalance replays at most that
    // much, which the decider answers as replays (same commands, no new events; rule 4).
    commitIntervalMs: COMMIT_INTERVAL_MS,
    maxWaitTimeMs: MAX_WAIT_TIME_MS,
    logger,
    // kafkajs gave up on the consumer: without it no HTLC is decided, so say so to whoever
    // runs the matcher (main exits; a supervisor restarts it and the group resumes).
    onFatalError: options.onFatalError,
    handler: (record) => inputs.handle(record),
  });

  return {
    stalledPartitions: () => inputs.stalledPartitions(),
    stop: () => running.stop(),
  };
}
