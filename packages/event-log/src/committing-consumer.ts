// A consumer-group member that reads only committed transactional data (read_committed) and
// commits a record's offset only after the handler finished with it: at-least-once delivery.
// A crash between handling and committing replays records, so handlers must be idempotent
// (money-safety rule 4).
//
// A handler that throws makes kafkajs retry from that record (the partition waits); after the
// retries it restarts the member, which resumes from the committed offset. A record that can
// never be handled (an EventDecodeError, say) must therefore be dead-lettered by the handler,
// not thrown, or it blocks its partition: on purpose, nothing is skipped silently.
import type { Consumer, IHeaders, Kafka } from "kafkajs";
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
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** Upper bound on how long a fetch waits for new data (default 5000; lower means quicker stops). */
  readonly maxWaitTimeMs?: number;
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

  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary, uncommittedOffsets }) => {
        const commitHandled = async (): Promise<void> => {
          if (commitOffsets) await commitOffsetsIfNecessary(uncommittedOffsets());
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
          if (options.batchHandler !== undefined) {
            const last = records.at(-1);
            if (last !== undefined && isRunning() && !isStale()) {
              await options.batchHandler(records, { heartbeat });
              resolveOffset(last.offset);
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
          await commitHandled();
          throw error;
        }
        await commitHandled();
      },
    });
  } catch (error) {
    await consumer.disconnect();
    throw error;
  }

  return {
    consumer,
    stop: () => consumer.disconnect(),
  };
}
