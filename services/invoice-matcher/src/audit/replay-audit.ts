// Checks the Postgres projection (`invoices.state`) against the event log it is derived from: reads
// the matcher-events topic from its first offset up to the end offsets taken at start, folds each
// invoice's events with `evolve` from `initialState`, and compares the rebuilt state with the row.
// It verifies and never writes: a mismatch is reported for an operator to look at, not repaired.
//
// Read as a snapshot, without joining any real consumer group (a throwaway group id, no offset
// commits), so it cannot disturb the matcher's consumers. Events committed in Postgres but still in
// the outbox are not yet in the log: audited while the matcher runs, such invoices show up as
// mismatched; `unpublishedOutbox` says how many outbox rows for the topic were pending.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { createKafka, decodeAs, deploymentGroups, DEFAULT_DEPLOYMENT, type EventLogLogger, type KafkaCredentials } from "@ic/event-log";
import { evolve, initialState } from "../domain/index.ts";
import { deserializeEvent, serializeState } from "../serialization/index.ts";
import { canonicalJson } from "./canonical-json.ts";
import { inSequence, type LoggedEvent, type SequenceGap } from "./event-sequence.ts";

export type { SequenceGap } from "./event-sequence.ts";

export interface AuditOptions {
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId?: string;
    readonly logger?: EventLogLogger;
    /** SASL/SCRAM credentials (the matcher principal can read its events topic); omitted: none. */
    readonly sasl?: KafkaCredentials;
  };
  /** The deployment whose matcher group prefix the throwaway group goes under (default "ic"). */
  readonly deployment?: string;
  /** The matcher-events topic (ic.matcher.events.v1 or the configured name). */
  readonly topic: string;
  /** A pool whose search_path starts with the matcher's schema (createMatcherPool). */
  readonly pool: pg.Pool;
  /** Gives up if the end offsets are not reached by then (default 5 minutes). */
  readonly timeoutMs?: number;
}

export interface UnreadableRecord {
  readonly partition: number;
  readonly offset: string;
  readonly paymentHash: string | null;
  readonly error: string;
}

export interface AuditReport {
  /** Distinct payment hashes in the log or in the projection. */
  readonly invoices: number;
  /** Records read from the topic, redeliveries included. */
  readonly events: number;
  /** Invoices whose rebuilt state equals their projection row. */
  readonly matched: number;
  readonly mismatched: readonly string[];
  /** Payment hashes with events in the log and no projection row. */
  readonly missingInProjection: readonly string[];
  /** Projection rows with no event in the log. */
  readonly missingInLog: readonly string[];
  readonly sequenceGaps: readonly SequenceGap[];
  /** Records that do not decode as a MatcherEvent or whose payload is not a domain event; their invoices count as mismatched. */
  readonly unreadable: readonly UnreadableRecord[];
  /** Outbox rows for the topic not yet published when the projection was read. */
  readonly unpublishedOutbox: number;
}

/** Anything other than every invoice matched. */
export const auditFoundProblems = (report: AuditReport): boolean =>
  report.mismatched.length > 0 ||
  report.missingInProjection.length > 0 ||
  report.missingInLog.length > 0 ||
  report.sequenceGaps.length > 0 ||
  report.unreadable.length > 0;

export async function auditProjection(options: AuditOptions): Promise<AuditReport> {
  const log = await readMatcherEvents(options);
  const projection = await readProjection(options.pool);
  const unpublishedOutbox = await countUnpublished(options.pool, options.topic);

  const mismatched = new Set<string>(log.unreadableHashes);
  const missingInProjection: string[] = [];
  const sequenceGaps: SequenceGap[] = [];
  let matched = 0;
  for (const [paymentHash, logged] of log.byHash) {
    const { ordered, gap } = inSequence(paymentHash, logged);
    if (gap !== null) sequenceGaps.push(gap);
    const row = projection.get(paymentHash);
    if (row === undefined) {
      missingInProjection.push(paymentHash);
      continue;
    }
    const rebuilt = ordered.reduce((state, { event }) => evolve(state, event), initialState());
    // jsonb keeps neither key order nor whitespace, so both sides are compared in one canonical form.
    if (!mismatched.has(paymentHash) && canonicalJson(serializeState(rebuilt)) === canonicalJson(row)) matched += 1;
    else mismatched.add(paymentHash);
  }
  // An invoice whose only records are unreadable is already reported as mismatched.
  const missingInLog = [...projection.keys()].filter((hash) => !log.byHash.has(hash) && !log.unreadableHashes.has(hash));

  return {
    invoices: new Set([...log.byHash.keys(), ...projection.keys(), ...log.unreadableHashes]).size,
    events: log.records,
    matched,
    mismatched: [...mismatched].sort(),
    missingInProjection: missingInProjection.sort(),
    missingInLog: missingInLog.sort(),
    sequenceGaps: sequenceGaps.sort((a, b) => a.paymentHash.localeCompare(b.paymentHash)),
    unreadable: log.unreadable,
    unpublishedOutbox,
  };
}

export interface LogContents {
  records: number;
  readonly byHash: Map<string, LoggedEvent[]>;
  readonly unreadable: UnreadableRecord[];
  readonly unreadableHashes: Set<string>;
}

/** The matcher-events topic up to the end offsets taken at the start, grouped by payment hash (also the rebuild's input). */
export async function readMatcherEvents(options: Pick<AuditOptions, "kafka" | "deployment" | "topic" | "timeoutMs">): Promise<LogContents> {
  const kafka = createKafka({
    brokers: options.kafka.brokers,
    clientId: options.kafka.clientId ?? "ic-matcher-audit",
    ...(options.kafka.logger === undefined ? {} : { logger: options.kafka.logger }),
    ...(options.kafka.sasl === undefined ? {} : { sasl: options.kafka.sasl }),
  });
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(options.topic);
    // The end offset is the next offset to be written; the last record is end - 1. Partitions with
    // no record (end == low) are done before we start.
    ends = new Map(offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect();
  }

  const contents: LogContents = { records: 0, byHash: new Map(), unreadable: [], unreadableHashes: new Set() };
  if (ends.size === 0) return contents;

  // A group id of its own that is never committed to: the matcher's groups are untouched.
  const consumer = kafka.consumer({ groupId: `${deploymentGroups(options.deployment ?? DEFAULT_DEPLOYMENT).matcherPrefix}audit-${randomUUID()}`, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
  const pending = new Set(ends.keys());
  let finish: () => void = () => undefined;
  let abort: (error: Error) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    abort = reject;
  });
  const timeoutMs = options.timeoutMs ?? 300_000;
  const timer = setTimeout(
    () => abort(new Error(`audit: end offsets of ${options.topic} not reached within ${timeoutMs} ms (partitions ${[...pending].join(", ")})`)),
    timeoutMs,
  );
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) abort(event.payload.error);
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        const end = ends.get(batch.partition);
        for (const message of batch.messages) {
          // Records appended after the audit started belong to the next audit.
          if (end === undefined || BigInt(message.offset) >= end) continue;
          contents.records += 1;
          readRecord(contents, batch.partition, message);
        }
        if (end !== undefined && batch.messages.length > 0 && BigInt(batch.lastOffset()) >= end - 1n) pending.delete(batch.partition);
        if (pending.size === 0) finish();
      },
    });
    await done;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return contents;
}

function readRecord(contents: LogContents, partition: number, message: { offset: string; key: Buffer | null; value: Buffer | null; headers?: Record<string, unknown> }): void {
  let paymentHash: string | null = message.key?.toString("utf8") ?? null;
  try {
    const record = decodeAs("matcher-event", { value: message.value, headers: (message.headers ?? {}) as Record<string, Buffer | string | undefined> });
    paymentHash = record.paymentHash;
    const event = deserializeEvent(record.type, record.payloadJson);
    const list = contents.byHash.get(record.paymentHash) ?? [];
    list.push({ eventId: record.eventId, sequence: record.sequence, event, atMs: record.atMs });
    contents.byHash.set(record.paymentHash, list);
  } catch (error) {
    contents.unreadable.push({ partition, offset: message.offset, paymentHash, error: (error as Error).message });
    if (paymentHash !== null) contents.unreadableHashes.add(paymentHash);
  }
}

async function readProjection(pool: pg.Pool): Promise<Map<string, unknown>> {
  const result = await pool.query<{ payment_hash: string; state: unknown }>("select payment_hash, state from invoices");
  return new Map(result.rows.map((row) => [row.payment_hash, row.state]));
}

async function countUnpublished(pool: pg.Pool, topic: string): Promise<number> {
  const result = await pool.query<{ count: string }>("select count(*) as count from outbox where published_at is null and topic = $1", [topic]);
  return Number(result.rows[0]?.count ?? 0);
}
