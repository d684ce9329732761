// A consumer-group member that reads only committed transactional data (read_committed) and
// commits a record's offset only after the handler finished with it: at-least-once delivery.
// A crash between handling and committing replays records, so handlers must be idempotent
// (money-safety rule 4).
//
// A handler that throws makes kafkajs retry from that record (the partition waits); after the
// retries it restarts the member, which resumes from the committed offset. A record that can
// never be handled (an EventDecodeError, say) must therefore be dead-lettered by the handler,
// not thrown, or it blocks its partition: on purpose, nothing is skipped silently.
import { resolveSchemaIds } from "./codec.ts";
import type { Consumer, IHeaders, Kafka, OffsetsByTopicPartition, TopicPartitionOffsetAndMetadata } from "kafkajs";
import { silentLogger, type EventLogLogger } from "./kafka-logger.ts";

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  /** int64 as a decimal string (kafkajs's form). */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
  /** Producer or log-append time, Unix ms as a decimal string. */
  readonly timestamp: string;
}

export interface RecordHandlerContext {
  /** Keeps group membership alive during long work. */
  heartbeat(): Promise<void>;
}

export type RecordHandler = (record: ConsumedRecord, context: RecordHandlerContext) => Promise<void>;

/**
 * Handles consecutive records of one partition at once, in order. Lets a consume-transform-
 * produce handler put a whole batch in one transaction: kafkajs pays ~30 ms per transaction
 * (bench/transactions.bench.ts), so one transaction per record caps a partition near 35/s.
 */
export type BatchHandler = (records: readonly ConsumedRecord[], context: RecordHandlerContext) => Promise<void>;

/** Exactly one of handler (record by record) and batchHandler. */
export type CommittingConsumerOptions = CommittingConsumerSettings &
  ({ readonly handler: RecordHandler; readonly batchHandler?: never } | { readonly batchHandler: BatchHandler; readonly handler?: never });

export interface CommittingConsumerSettings {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group without committed offsets starts: true = the whole log, false = new records only. */
  readonly fromBeginning: boolean;
  /**
   * true (default): commit offsets after handled records. false: the handler commits them
   * itself, inside a producer transaction with sendOffsets (consume-transform-produce).
   */
  readonly commitOffsets?: boolean;
  /** Partitions handled at the same time; order is kept within a partition (default 1). */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * Records of one fetched batch handled at the same time (record handler only; default 1 =
   * one after another). Records with the same key stay in order; records with different keys
   * may finish in any order, so use it only where a key is the unit of consistency (the
   * matcher: one invoice per payment hash, serialized again by its row lock). The batch's
   * offset is resolved after every record of it finished; if one throws, the others finish
   * first and the batch is delivered again from its first record (handlers are idempotent).
   */
  readonly keyConcurrency?: number;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** Upper bound on how long a fetch waits for new data (default 5000; lower means quicker stops). */
  readonly maxWaitTimeMs?: number;
  /**
   * 0 (default): commit after every handled batch. More: commit at most once per this many ms;
   * what was handled since is committed by a timer, before the next batch past the interval, at
   * stop, and before a failed handler's retry. An OffsetCommit is a broker request (and a
   * write to __consumer_offsets); one per batch is one per record or two at low load. A crash
   * redelivers at most this long of handled records, which the handlers take as replays
   * (they are idempotent anyway).
   */
  readonly commitIntervalMs?: number;
  readonly logger?: EventLogLogger;
  /** Called when kafkajs gives up on the member for good (no restart); it has stopped consuming. */
  readonly onFatalError?: (error: Error) => void;
}

export interface RunningConsumer {
  readonly consumer: Consumer;
  /** Finishes the record in progress, commits what was handled, leaves the group, disconnects. */
  stop(): Promise<void>;
}

export async function runCommittingConsumer(kafka: Kafka, options: CommittingConsumerOptions): Promise<RunningConsumer> {
  const logger = options.logger ?? silentLogger;
  const commitOffsets = options.commitOffsets ?? true;
  const consumer = kafka.consumer({
    groupId: options.groupId,
    readUncommitted: false,
    allowAutoTopicCreation: false,
    ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeout: options.sessionTimeoutMs }),
    ...(options.heartbeatIntervalMs === undefined ? {} : { heartbeatInterval: options.heartbeatIntervalMs }),
    ...(options.maxWaitTimeMs === undefined ? {} : { maxWaitTimeInMs: options.maxWaitTimeMs }),
  });
  consumer.on(consumer.events.CRASH, (event) => {
    const { error, restart } = event.payload;
    if (restart) {
      logger.warn({ groupId: options.groupId, err: error.message }, "consumer crashed; kafkajs restarts it");
    } else {
      logger.error({ groupId: options.groupId, err: error.message }, "consumer crashed and stopped");
      options.onFatalError?.(error);
    }
  });

  const interval = options.commitIntervalMs ?? 0;
  const delayed = createDelayedCommits(consumer, interval, logger, options.groupId);
  consumer.on(consumer.events.GROUP_JOIN, (event) => delayed.assigned(event.payload.memberAssignment));

  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary, uncommittedOffsets }) => {
        const commitHandled = async (now: boolean): Promise<void> => {
          if (!commitOffsets) return;
          const handled = uncommittedOffsets();
          if (interval === 0) await commitOffsetsIfNecessary(handled);
          else await delayed.handled(handled, now);
        };
        const records = batch.messages.map(
          (message): ConsumedRecord => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
            key: message.key,
            value: message.value,
            headers: message.headers ?? {},
            timestamp: message.timestamp,
          }),
        );
        try {
          // Schema ids this process did not learn at start get the registry's answer before any
          // handler decodes (codec.ts): no hold and redelivery for them. Known ids: no I/O.
          await resolveSchemaIds(records);
          if (options.batchHandler !== undefined) {
            const last = records.at(-1);
            if (last !== undefined && isRunning() && !isStale()) {
              await options.batchHandler(records, { heartbeat });
              resolveOffset(last.offset);
            }
          } else if ((options.keyConcurrency ?? 1) > 1) {
            const last = records.at(-1);
            if (last !== undefined && isRunning() && !isStale()) {
              await handleByKey(records, options.keyConcurrency ?? 1, (record) => options.handler(record, { heartbeat }));
              resolveOffset(last.offset);
              await heartbeat();
            }
          } else {
            for (const record of records) {
              if (!isRunning() || isStale()) break;
              await options.handler(record, { heartbeat });
              // Resolving the batch's last record also moves past a trailing transaction marker.
              resolveOffset(record.offset);
              await heartbeat();
            }
          }
        } catch (error) {
          await commitHandled(true);
          throw error;
        }
        await commitHandled(false);
      },
    });
  } catch (error) {
    delayed.cancel();
    await consumer.disconnect();
    throw error;
  }

  return {
    consumer,
    async stop() {
      // The offsets held back are committed now, and a batch still in hand commits its own (and
      // any held since) as it ends, which kafkajs's disconnect waits for before leaving the group.
      delayed.stopping();
      await delayed.flush();
      await consumer.disconnect();
      delayed.cancel();
    },
  };
}

/** Handled offsets held back to be committed together, at most once per interval. */
interface DelayedCommits {
  /** The batch's handled offsets (kafkajs's uncommitted ones); commits them now when due or asked, else later. */
  handled(offsets: OffsetsByTopicPartition, now: boolean): Promise<void>;
  /** A new assignment: offsets of partitions no longer ours are dropped (their new owner commits). */
  assigned(assignment: Record<string, number[]>): void;
  /** Commits whatever is held back. */
  flush(): Promise<void>;
  /** From now on every batch commits as it ends (the consumer is stopping). */
  stopping(): void;
  cancel(): void;
}

function createDelayedCommits(consumer: Consumer, intervalMs: number, logger: EventLogLogger, groupId: string): DelayedCommits {
  const held = new Map<string, TopicPartitionOffsetAndMetadata>();
  let lastCommitAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  let commitEveryBatch = intervalMs === 0;

  async function flush(): Promise<void> {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (held.size === 0) return;
    const offsets = [...held.values()];
    held.clear();
    lastCommitAt = Date.now();
    try {
      await consumer.commitOffsets(offsets);
    } catch (error) {
      // A rebalance under way, the broker away: held again unless a newer offset came meanwhile;
      // the next batch or timer tries again (a crash first only redelivers handled records).
      for (const o of offsets) {
        const key = `${o.topic}/${o.partition}`;
        if (!held.has(key)) held.set(key, o);
      }
      logger.debug({ groupId, err: error instanceof Error ? error.message : String(error) }, "offset commit failed; retried later");
      schedule();
    }
  }

  function schedule(): void {
    if (timer !== undefined || cancelled || held.size === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, Math.max(0, lastCommitAt + intervalMs - Date.now()));
    timer.unref();
  }

  return {
    async handled(offsets, now) {
      for (const { topic, partitions } of offsets.topics) {
        for (const { partition, offset } of partitions) held.set(`${topic}/${partition}`, { topic, partition, offset });
      }
      if (now || commitEveryBatch || Date.now() - lastCommitAt >= intervalMs) await flush();
      else schedule();
    },
    assigned(assignment) {
      for (const [key, o] of held) if (!(assignment[o.topic] ?? []).includes(o.partition)) held.delete(key);
    },
    flush,
    stopping() {
      commitEveryBatch = true;
    },
    cancel() {
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/**
 * Runs handle over records with at most `concurrency` at once: records sharing a key (null keys
 * share one) one after another in their order, different keys side by side. Resolves when all
 * finished; rejects with the first error once every started record has settled.
 */
export async function handleByKey(
  records: readonly ConsumedRecord[],
  concurrency: number,
  handle: (record: ConsumedRecord) => Promise<void>,
): Promise<void> {
  const lanes = new Map<string, ConsumedRecord[]>();
  for (const record of records) {
    const key = record.key === null ? "" : record.key.toString("hex");
    const lane = lanes.get(key);
    if (lane === undefined) lanes.set(key, [record]);
    else lane.push(record);
  }
  const queue = [...lanes.values()];
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    for (let lane = queue.shift(); lane !== undefined && failure === undefined; lane = queue.shift()) {
      for (const record of lane) {
        if (failure !== undefined) return;
        try {
          await handle(record);
        } catch (error) {
          failure ??= { error };
          return;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), queue.length) }, worker));
  if (failure !== undefined) throw failure.error;
}
