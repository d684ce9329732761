// SettleHistory over Kafka: reads this node's commands topic from the beginning (or from a timestamp)
// up to the end offsets of the moment of the call, with a throwaway consumer group that never
// commits (kafkajs has no group-less consumer) and is deleted afterwards. read_committed: an
// aborted transaction's SETTLE never reached a bridge. "Caught up" is judged from the
// consumer's batch events, which also report batches holding only transaction markers.
// Cost: the node's commands topic (its retention, default 7 days) is fetched once per bridge start.
// The throwaway group is named under groupPrefix, where the node's principal may create and
// delete groups (<deployment>.bridge.<pubkey>.settle-history.).
import { randomUUID } from "node:crypto";
import { decodeAs, EventDecodeError, type EventLogLogger, type HtlcCommand } from "@ic/event-log";
import type { Consumer, Kafka } from "kafkajs";
import type { SettleHistory } from "../event-ports.ts";

export function createKafkaSettleHistory(
  kafka: Kafka,
  options: { topic: string; groupPrefix: string; logger: EventLogLogger; timeoutMs?: number },
): SettleHistory {
  const { topic, logger } = options;
  const timeoutMs = options.timeoutMs ?? 600_000;
  return {
    async settleCommands(nodeId, sinceMs, signal) {
      const admin = kafka.admin();
      const groupId = `${options.groupPrefix}${randomUUID()}`;
      let consumer: Consumer | undefined;
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      try {
        await admin.connect();
        const ends = await admin.fetchTopicOffsets(topic);
        const starts = new Map<number, string>(
          sinceMs === undefined
            ? ends.map((p) => [p.partition, p.low])
            : (await admin.fetchTopicOffsetsByTimestamp(topic, sinceMs)).map((p) => [p.partition, p.offset]),
        );
        /** partition -> the end offset still to reach */
        const remaining = new Map<number, bigint>();
        for (const end of ends) {
          const start = BigInt(starts.get(end.partition) ?? end.low);
          if (start < BigInt(end.high)) remaining.set(end.partition, BigInt(end.high));
        }
        const found: HtlcCommand[] = [];
        if (remaining.size === 0) return found;

        let finish!: { resolve: () => void; reject: (error: Error) => void };
        const caughtUp = new Promise<void>((resolve, reject) => (finish = { resolve, reject }));
        const endOf = new Map(remaining);
        consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
        consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
          if (payload.topic !== topic) return;
          const end = remaining.get(payload.partition);
          if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) {
            remaining.delete(payload.partition);
            if (remaining.size === 0) finish.resolve();
          }
        });
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          if (!payload.restart) finish.reject(payload.error);
        });
        timer = setTimeout(
          () => finish.reject(new Error(`reading ${topic} back did not reach its end within ${timeoutMs} ms`)),
          timeoutMs,
        );
        onAbort = () => finish.reject(new Error("reading SETTLE commands back was cancelled"));
        if (signal?.aborted) onAbort();
        signal?.addEventListener("abort", onAbort, { once: true });
        // A timeout or abort may reject it before `await caughtUp`, or with nobody awaiting when
        // connecting fails: that is not an unhandled rejection.
        caughtUp.catch(() => {});
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = endOf.get(batch.partition);
            for (const message of batch.messages) {
              if (end === undefined || BigInt(message.offset) >= end) continue;
              let command: HtlcCommand;
              try {
                command = decodeAs("htlc-command", message);
              } catch (error) {
                if (!(error instanceof EventDecodeError)) throw error;
                logger.warn(
                  { topic, partition: batch.partition, offset: message.offset, reason: error.reason },
                  "undecodable command record passed over while reading SETTLE commands back",
                );
                continue;
              }
              if (command.nodeId === nodeId && command.action === "SETTLE") found.push(command);
            }
          },
        });
        if (sinceMs !== undefined) {
          for (const partition of endOf.keys()) {
            consumer.seek({ topic, partition, offset: starts.get(partition) ?? "0" });
          }
        }
        await caughtUp;
        return found;
      } finally {
        clearTimeout(timer);
        if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
        await consumer?.disconnect().catch(() => {});
        await admin.deleteGroups([groupId]).catch(() => {});
        await admin.disconnect();
      }
    },
  };
}
