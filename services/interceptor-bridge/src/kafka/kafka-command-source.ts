// CommandSource over a read_committed consumer group of this node's commands topic, one group per
// node and deployment ("<deployment>.bridge.<pubkey>", deploymentGroups in @ic/event-log): a
// producer that writes commands in transactions gets only committed ones to lnd. Offsets
// are committed after the batch handler finished, so a crash replays commands (the applier is
// idempotent). A new group starts at the beginning of the topic: a command is never missed
// for lack of a committed offset, and old commands only produce SKIPPED_NOT_HELD.
//
// A record that can never decode (garbage, an unknown schema, a published version edited in
// place) is recorded in this node's dead-letter topic and passed over: no resolution can come
// from it, and the matcher answers the HTLC again when lnd offers it again. The dead letter has
// the reason and the source topic, partition and offset in headers and NO value: every record on
// this topic was written by the matcher and any of them may hold a preimage, decodable or not (a
// SETTLE whose headers were lost still has the preimage in its bytes), so the bytes stay where
// they are, in the commands topic, readable only by this bridge and admin, for its retention.
// Only once the dead letter is acknowledged does the batch go on; a failed write throws and the
// batch is retried. A command of a schema version this bridge does not know yet is thrown instead
// (isPermanentDecodeFailure): the partition waits until the bridge is upgraded, rather than
// dropping a SETTLE the matcher already decided; readiness names it (stalledPartitions) and
// ic_bridge_stalled_partitions counts it until a batch of that partition is handled.
import {
  createStalledPartitions,
  decodeAs,
  decodeFailureAction,
  decodeFailureLetter,
  deploymentGroups,
  EventDecodeError,
  runCommittingConsumer,
  SCHEMA_FINGERPRINT_HEADER,
  SCHEMA_HEADER,
  SCHEMA_VERSION_HEADER,
  type ConsumedRecord,
  type DeadLetterOptions,
  type DeadLetterWriter,
  type EventLogLogger,
  type HtlcCommand,
  type RunningConsumer,
  type StalledPartitions,
} from "@ic/event-log";
import type { Kafka } from "kafkajs";
import type { CommandSource } from "../event-ports.ts";

/** How often the command consumer commits its offsets at most. */
const COMMIT_INTERVAL_MS = 250;

export function commandGroupId(deployment: string, nodeId: string): string {
  return deploymentGroups(deployment).bridge(nodeId);
}

/** How a command's dead letter is written: headers only (schema headers kept), never the value. */
export const COMMAND_DEAD_LETTER_OPTIONS: DeadLetterOptions = {
  value: "omit",
  keepHeaders: [SCHEMA_HEADER, SCHEMA_VERSION_HEADER, SCHEMA_FINGERPRINT_HEADER],
};

export type CommandRecord = { readonly kind: "command"; readonly command: HtlcCommand } | { readonly kind: "hold" | "dead-letter"; readonly error: EventDecodeError };

/** What one record of the commands topic is. Pure. */
export function readCommandRecord(record: ConsumedRecord): CommandRecord {
  try {
    return { kind: "command", command: decodeAs("htlc-command", record) };
  } catch (error) {
    if (!(error instanceof EventDecodeError)) throw error;
    return { kind: decodeFailureAction(error), error };
  }
}

export interface CommandBatchOptions {
  readonly logger: EventLogLogger;
  readonly deadLetters: Pick<DeadLetterWriter, "write" | "topic">;
  readonly onDeadLettered?: (reason: string, topic: string) => void;
  /** Told of a record held back by a newer schema version. */
  readonly stalled?: Pick<StalledPartitions, "held">;
}

/**
 * The commands of one fetched batch, in order, after every undecodable record of it is
 * dead-lettered (acknowledged). Throws, so the batch is delivered again, when a dead letter cannot
 * be written or a record is of a newer schema version (its partition waits for the upgrade).
 */
export async function commandsOfBatch(records: readonly ConsumedRecord[], options: CommandBatchOptions): Promise<HtlcCommand[]> {
  const commands: HtlcCommand[] = [];
  for (const record of records) {
    const read = readCommandRecord(record);
    if (read.kind === "command") {
      commands.push(read.command);
      continue;
    }
    const where = { topic: record.topic, partition: record.partition, offset: record.offset, reason: read.error.reason, err: read.error.message };
    if (read.kind === "hold") {
      options.stalled?.held(record);
      options.logger.error(where, "command of a schema version this bridge does not know: its partition waits until the bridge is upgraded");
      throw read.error;
    }
    await options.deadLetters.write(record, decodeFailureLetter(read.error));
    options.onDeadLettered?.(read.error.reason, record.topic);
    options.logger.error({ ...where, deadLetterTopic: options.deadLetters.topic }, "undecodable command record dead-lettered (headers only)");
  }
  return commands;
}

export function createKafkaCommandSource(
  kafka: Kafka,
  options: {
    topic: string;
    groupId: string;
    logger: EventLogLogger;
    /** This node's dead-letter topic, written with COMMAND_DEAD_LETTER_OPTIONS. */
    deadLetters: Pick<DeadLetterWriter, "write" | "topic">;
    onDeadLettered?: (reason: string, topic: string) => void;
    /** The number of partitions held back by a newer schema version, after each change. */
    onStalledCount?: (count: number) => void;
    maxWaitTimeMs?: number;
  },
): CommandSource {
  let running: RunningConsumer | undefined;
  const stalled = createStalledPartitions("the bridge", options.onStalledCount);
  return {
    stalledPartitions: () => stalled.describe(),
    async start(handler, onFatal) {
      running = await runCommittingConsumer(kafka, {
        groupId: options.groupId,
        topics: [options.topic],
        fromBeginning: true,
        maxWaitTimeMs: options.maxWaitTimeMs ?? 500,
        // Offsets at most every 250 ms, not after every batch (one OffsetCommit per HTLC at low
        // load). A restart re-reads at most that much more of the commands, handled as any
        // re-delivered command is: lnd is answered only for circuit keys offered on the current
        // stream (rule 5), and a circuit key it resolved is not offered again.
        commitIntervalMs: COMMIT_INTERVAL_MS,
        logger: options.logger,
        onFatalError: onFatal,
        batchHandler: async (records) => {
          await handler(await commandsOfBatch(records, { ...options, stalled }));
          const last = records.at(-1);
          if (last !== undefined) stalled.moved(last);
        },
      });
    },
    async stop() {
      await running?.stop();
      running = undefined;
    },
  };
}
