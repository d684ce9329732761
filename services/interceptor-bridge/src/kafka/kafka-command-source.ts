// CommandSource over a read_committed consumer group of this node's commands topic, one group per
// node and deployment ("<deployment>.bridge.<pubkey>", deploymentGroups in @ic/event-log): a
// producer that writes commands in transactions gets only committed ones to lnd. Offsets
// are committed after the batch handler finished, so a crash replays commands (the applier is
// idempotent). A new group starts at the beginning of the topic: a command is never missed
// for lack of a committed offset, and old commands only produce SKIPPED_NOT_HELD.
// A record that can never decode is logged and passed over: no resolution can come from it,
// and the matcher answers the HTLC again when lnd offers it again. A command of a schema version
// this bridge does not know yet is thrown instead (isPermanentDecodeFailure): the partition waits
// until the bridge is upgraded, rather than dropping a SETTLE the matcher already decided.
import { decodeAs, EventDecodeError, isPermanentDecodeFailure, runCommittingConsumer, type EventLogLogger, type HtlcCommand, type RunningConsumer } from "@ic/event-log";
import { deploymentGroups } from "@ic/event-log";
import type { Kafka } from "kafkajs";
import type { CommandSource } from "../event-ports.ts";

export function commandGroupId(deployment: string, nodeId: string): string {
  return deploymentGroups(deployment).bridge(nodeId);
}

export function createKafkaCommandSource(
  kafka: Kafka,
  options: { topic: string; groupId: string; logger: EventLogLogger; maxWaitTimeMs?: number },
): CommandSource {
  let running: RunningConsumer | undefined;
  return {
    async start(handler, onFatal) {
      running = await runCommittingConsumer(kafka, {
        groupId: options.groupId,
        topics: [options.topic],
        fromBeginning: true,
        maxWaitTimeMs: options.maxWaitTimeMs ?? 500,
        logger: options.logger,
        onFatalError: onFatal,
        batchHandler: async (records) => {
          const commands: HtlcCommand[] = [];
          for (const record of records) {
            try {
              commands.push(decodeAs("htlc-command", record));
            } catch (error) {
              if (!(error instanceof EventDecodeError)) throw error;
              if (!isPermanentDecodeFailure(error.reason)) {
                options.logger.error(
                  { topic: record.topic, partition: record.partition, offset: record.offset, reason: error.reason, err: error.message },
                  "command of a schema version this bridge does not know: its partition waits until the bridge is upgraded",
                );
                throw error;
              }
              options.logger.error(
                { topic: record.topic, partition: record.partition, offset: record.offset, reason: error.reason, err: error.message },
                "undecodable command record passed over",
              );
            }
          }
          await handler(commands);
        },
      });
    },
    async stop() {
      await running?.stop();
      running = undefined;
    },
  };
}
