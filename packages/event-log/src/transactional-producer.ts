// A transactional producer: the records and consumer offsets sent inside one transaction()
// become visible to read_committed consumers all together, or not at all.
//
// Facts this relies on (kafkajs 2.2.4 against Kafka 4.1, checked by transactional-producer.int.spec.ts):
//   - one transaction at a time per producer (kafkajs keeps one transaction state per
//     transactionalId), so transactions are queued;
//   - requests inside a transaction go one at a time (kafkajs issue 1005);
//   - sendOffsets takes the offset of the NEXT record to read (last processed + 1), and kafkajs
//     commits it without the consumer's generation (no KIP-447 fencing): a consumer that lost
//     its partitions in a rebalance must not commit a transaction for them;
//   - a second producer with the same transactionalId fences this one (InitProducerId bumps the
//     epoch); its next request fails and this producer must be discarded.
import { Partitioners, type Kafka, type Offsets, type RecordMetadata, type Transaction } from "kafkajs";
import type { EventLogRecord } from "./serial-producer.ts";
import { SerialQueue } from "./serial-queue.ts";

export interface TransactionContext {
  /** Sends inside the transaction. Awaiting is optional: the commit waits for every send. */
  send(record: EventLogRecord): Promise<RecordMetadata[]>;
  /** Adds consumer-group offsets (next offset to read) to the transaction. */
  sendOffsets(offsets: Offsets & { consumerGroupId: string }): Promise<void>;
}

export interface TransactionalProducer {
  connect(): Promise<void>;
  /**
   * Runs work in a new transaction and commits it when work and every send it started have
   * succeeded; otherwise aborts and rethrows the first error. Transactions run one at a time.
   */
  transaction<T>(work: (tx: TransactionContext) => Promise<T>): Promise<T>;
  disconnect(): Promise<void>;
}

export interface TransactionalProducerOptions {
  /** Stable per logical producer (e.g. per service instance slot): it is what fences zombies. */
  readonly transactionalId: string;
  /** Broker aborts a transaction left open longer than this (default 60 s). */
  readonly transactionTimeoutMs?: number;
  /** First retry delay of the producer's requests (default 20 ms; see below). */
  readonly initialRetryTimeMs?: number;
}

export class TransactionAbortFailedError extends Error {
  override readonly name = "TransactionAbortFailedError";
}

export function createTransactionalProducer(kafka: Kafka, options: TransactionalProducerOptions): TransactionalProducer {
  const producer = kafka.producer({
    transactionalId: options.transactionalId,
    transactionTimeout: options.transactionTimeoutMs ?? 60_000,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    // kafkajs speaks the pre-KIP-890 transaction protocol: the broker finishes a commit
    // asynchronously and answers the next transaction's first AddPartitionsToTxn with
    // CONCURRENT_TRANSACTIONS, which kafkajs retries after initialRetryTime. With kafkajs's
    // 300 ms default, back-to-back transactions took ~105 ms each here, with 20 ms ~29 ms
    // (bench/transactions.bench.ts). Retries stay unlimited, as kafkajs requires for idempotence.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: options.initialRetryTimeMs ?? 20 },
  });
  const transactions = new SerialQueue();
  let closed = false;

  async function runTransaction<T>(work: (tx: TransactionContext) => Promise<T>): Promise<T> {
    const transaction = await producer.transaction();
    const requests = new SerialQueue();
    let open = true;
    let firstFailure: { error: unknown } | undefined;
    const track = <R>(request: (t: Transaction) => Promise<R>): Promise<R> => {
      if (!open) return Promise.reject(new Error("the transaction is already finished"));
      const result = requests.run(() => (firstFailure ? Promise.reject(firstFailure.error) : request(transaction)));
      // Remember the first failure even if work never awaits this send, and keep an unawaited
      // rejection from becoming an unhandledRejection.
      result.catch((error: unknown) => {
        firstFailure ??= { error };
      });
      return result;
    };
    const context: TransactionContext = {
      send: (record) => track((t) => t.send({ ...record, acks: -1 })),
      sendOffsets: (offsets) => track((t) => t.sendOffsets(offsets)),
    };
    try {
      const result = await work(context);
      await requests.drain();
      open = false;
      if (firstFailure) throw firstFailure.error;
      await transaction.commit();
      return result;
    } catch (error) {
      open = false;
      await requests.drain();
      if (transaction.isActive()) {
        try {
          await transaction.abort();
        } catch (abortError) {
          throw new TransactionAbortFailedError(
            `the transaction failed (${(error as Error).message}) and aborting it failed too (${(abortError as Error).message}); discard this producer`,
            { cause: error },
          );
        }
      }
      throw error;
    }
  }

  return {
    connect: () => producer.connect(),
    transaction(work) {
      if (closed) return Promise.reject(new Error("the producer is disconnected"));
      return transactions.run(() => runTransaction(work));
    },
    async disconnect() {
      closed = true;
      await transactions.drain();
      await producer.disconnect();
    },
  };
}
