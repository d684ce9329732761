// Publishes committed outbox rows to Kafka in id order, then marks them published (while the next
// round is read and sent: a command committed meanwhile does not wait for the mark). At-least-once:
// a crash between send and mark re-sends rows, which every consumer tolerates (rule 4: bridges
// answer a circuit key once, invoice-event consumers dedupe by eventId/sequence).
// One publisher per schema (a Postgres advisory lock paired with the schema's hash), so records
// of one invoice keep their order. The same one writer stamps the journal's reader order after
// each round, in the statement that marks the sent rows (markPublishedAndStamp).
import type pg from "pg";
import type { Logger } from "pino";
import { encode, type EventLogRecord, type SerialProducer } from "@ic/event-log";
import { loadOnionKey, markPublished, markPublishedAndStamp, quarantineOutboxRow, stampJournal, unpublishedOutbox, type OutboxRow } from "../postgres/invoice-store.ts";
import { outboxCommandFromJson, OutboxCommandFormatError, type OutboxCommand } from "../serialization/index.ts";
import { buildHtlcCommand, PreimageSeedMismatchError } from "./htlc-command-builder.ts";
import type { CoordinatorIdentity } from "./coordinator-identity.ts";

export const PUBLISHER_LOCK_ID = 7_234_001;
/** Outbox rows read (and sent in one produce request) per round at most. */
const ROUND_ROWS = 200;

/** Why a row can never become a record (no retry helps). */
class Unbuildable {
  constructor(readonly reason: string) {}
}

/** What the log line and the metric say of a command once its batch is acknowledged. */
interface PublishedCommand {
  nodeId: string;
  paymentHash: string;
  action: string;
  chanId: string;
  htlcId: string;
  commandId: string;
}

export interface OutboxPublisher {
  /** Asks for a publish round soon (coalesces). */
  wake(): void;
  stop(): Promise<void>;
}

export function startOutboxPublisher(deps: {
  pool: pg.Pool;
  producer: SerialProducer;
  identity: CoordinatorIdentity;
  logger: Logger;
  now: () => number;
  pollIntervalMs?: number;
  onCommandPublished?: (command: { nodeId: string; paymentHash: string; action: string }) => void;
  /** A round stopped on a row it could not publish; that row and every later one wait for the next round. */
  onRoundFailed?: () => void;
  /** A row that can never be built was set aside (alert: its record, maybe a command, never leaves). */
  onQuarantined?: (row: { id: bigint; topic: string; kind: string; reason: string }) => void;
}): OutboxPublisher {
  const { pool, producer, identity, logger } = deps;
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;
  let lockClient: pg.PoolClient | null = null;
  /** Ids the broker acknowledged whose mark is under way: the next round's read leaves them out. */
  const marking = new Set<bigint>();
  /** The mark under way, at most one (the journal's stamps have one writer); null when none. */
  let markInFlight: Promise<void> | null = null;

  async function holdLock(): Promise<boolean> {
    if (lockClient) return true;
    const client = await pool.connect();
    let held = false;
    try {
      const result = await client.query<{ ok: boolean }>("select pg_try_advisory_lock($1, hashtext(current_schema())) as ok", [PUBLISHER_LOCK_ID]);
      held = result.rows[0]?.ok === true;
    } catch (error) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
    if (!held) {
      client.release();
      return false;
    }
    // The lock lives as long as this connection. A checked-out client has no error listener of
    // the pool's, so without this one a dropped connection would crash the process.
    client.on("error", onLockConnectionError);
    lockClient = client;
    return true;
  }

  function onLockConnectionError(error: Error): void {
    const client = lockClient;
    if (client === null) return;
    lockClient = null;
    client.removeListener("error", onLockConnectionError);
    client.release(error);
    logger.warn({ err: error.message }, "outbox publisher lost its lock connection; takes the lock again next round");
  }

  // One round trip per batch of rows, not per row: every row read (up to ROUND_ROWS) goes out in
  // ONE produce request, then ONE statement marks them published and stamps the journal rows
  // committed meanwhile (their place in the order subscribers resume by; one writer: this
  // publisher, under its lock), after the records left. A settle decision writes several rows
  // (matcher events, public events, then the commands); sent one by one they cost a broker
  // acknowledgement each before the SETTLE left (~5 ms apiece here). Order is kept: the request
  // holds each partition's records in id order, and a failed request marks nothing, so the next
  // round sends the same rows again (at-least-once, as before). A round that read fewer rows than
  // it could ends there: rows committed since were announced by a wake(), which runs another
  // round (`again`), so reading again until nothing is left would cost a query per round for
  // nothing. A round with no rows still stamps (rows journalled without outbox rows, and the
  // rare stamp left behind). The mark runs in the background while the next round reads (without
  // the rows being marked) and sends: rows of one invoice are sent in order all the same, because
  // a round is read only after the last one's records were acknowledged.
  async function round(): Promise<void> {
    if (!(await holdLock())) return;
    const held = lockClient;
    for (;;) {
      const rows = await unpublishedOutbox(pool, ROUND_ROWS, [...marking]);
      if (rows.length === 0) {
        await markInFlight;
        if (lockClient === held) await stampJournal(pool);
        return;
      }
      // Rows are sent only while the lock is ours: another matcher may hold it once it is lost.
      if (lockClient !== held) return;
      const records: EventLogRecord[] = [];
      const ids: bigint[] = [];
      const published: PublishedCommand[] = [];
      let failed: unknown;
      for (const row of rows) {
        let built: EventLogRecord | Unbuildable;
        try {
          built = await recordOf(row, published);
        } catch (error) {
          // A lookup failed (Postgres), or the matcher runs with the wrong preimage seed: the rows
          // before it still go out; it and every later row wait for the next round (order is kept).
          failed = error;
          break;
        }
        if (built instanceof Unbuildable) {
          // No retry can build it: set it aside, loudly, rather than hold back every later row.
          await quarantineOutboxRow(pool, row.id, built.reason);
          logger.error({ outboxId: String(row.id), topic: row.topic, kind: row.kind, reason: built.reason }, "outbox row can never be published: quarantined (later rows go on)");
          deps.onQuarantined?.({ id: row.id, topic: row.topic, kind: row.kind, reason: built.reason });
          continue;
        }
        records.push(built);
        ids.push(row.id);
      }
      if (records.length > 0) {
        await producer.sendBatch(records);
        // Logged once the broker acknowledged them (the HTLC trace reads this line), then marked.
        for (const c of published) {
          logger.info(
            { paymentHash: c.paymentHash, circuitKey: `${c.chanId}:${c.htlcId}`, nodeId: c.nodeId, action: c.action, commandId: c.commandId },
            "htlc command published",
          );
          deps.onCommandPublished?.({ nodeId: c.nodeId, paymentHash: c.paymentHash, action: c.action });
        }
      }
      // Marked, and the journal stamped in the same statement while the lock is ours (stamps have
      // one writer); also when every row read was quarantined (nothing to mark, stamps due). The
      // mark is not waited for: the next round reads (leaving these rows out) and sends while it
      // runs, so a command committed meanwhile does not wait for it. One mark at a time.
      await markInFlight;
      startMark(ids, held);
      if (failed !== undefined) throw failed;
      if (rows.length < ROUND_ROWS) return;
    }
  }

  /**
   * Marks sent rows published (and stamps the journal while the lock is `held`) in the
   * background. A failed mark leaves the rows unpublished: the next round reads and sends them
   * again (at-least-once, as a crash between send and mark would).
   */
  function startMark(ids: readonly bigint[], held: pg.PoolClient | null): void {
    for (const id of ids) marking.add(id);
    const mark = (async () => {
      try {
        if (lockClient === held) await markPublishedAndStamp(pool, ids);
        else await markPublished(pool, ids);
      } finally {
        for (const id of ids) marking.delete(id);
      }
    })().catch((error: unknown) => {
      deps.onRoundFailed?.();
      // Sent again by the next round (the next commit's wake, or the poll), as a failed round is.
      logger.error({ err: error instanceof Error ? error.message : String(error), rows: ids.length }, "outbox rows sent but not marked published; they are sent again");
    });
    const tracked: Promise<void> = mark.finally(() => {
      if (markInFlight === tracked) markInFlight = null;
    });
    markInFlight = tracked;
  }

  /** The record of a row; Unbuildable when no retry can make one; throws only on a failed lookup. */
  async function recordOf(row: OutboxRow, published: PublishedCommand[]): Promise<EventLogRecord | Unbuildable> {
    if (row.kind === "encoded") {
      const p = row.payload as { value?: unknown; headers?: unknown } | null;
      if (typeof p?.value !== "string" || typeof p.headers !== "object" || p.headers === null) return new Unbuildable("encoded row without a base64 value and headers");
      return { topic: row.topic, messages: [{ key: row.recordKey, value: Buffer.from(p.value, "base64"), headers: p.headers as Record<string, string> }] };
    }
    if (row.kind !== "htlc-command") return new Unbuildable(`unknown outbox row kind ${row.kind}`);
    let stored: OutboxCommand;
    try {
      stored = outboxCommandFromJson(row.payload);
    } catch (error) {
      if (!(error instanceof OutboxCommandFormatError)) throw error;
      return new Unbuildable(`htlc-command row does not decode: ${error.message}`);
    }
    const k = stored.command.data.key;
    // Only a failure packet needs the onion's key; a settle goes out without the lookup.
    const ephemeral = stored.command.type === "FailHtlc" ? await loadOnionKey(pool, k) : undefined;
    let record: EventLogRecord;
    let command: ReturnType<typeof buildHtlcCommand>;
    try {
      command = buildHtlcCommand(stored, identity, ephemeral, deps.now());
      const encoded = encode("htlc-command", command);
      record = { topic: row.topic, messages: [{ key: row.recordKey, value: encoded.value, headers: encoded.headers }] };
    } catch (error) {
      if (error instanceof PreimageSeedMismatchError) throw error;
      // The builder's and the codec's messages name fields, never secret bytes.
      return new Unbuildable(`htlc command cannot be built: ${error instanceof Error ? error.message : String(error)}`);
    }
    published.push({ nodeId: k.nodeId, paymentHash: command.paymentHash, action: command.action, chanId: String(k.chanId), htlcId: String(k.htlcId), commandId: command.commandId });
    return record;
  }

  function wake(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = round()
      .catch((error: unknown) => {
        deps.onRoundFailed?.();
        logger.error({ err: error instanceof Error ? error.message : String(error) }, "outbox publish round failed; will retry");
      })
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          wake();
        }
      });
  }

  const timer = setInterval(wake, deps.pollIntervalMs ?? 1000);
  wake();
  return {
    wake,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await markInFlight;
      const client = lockClient;
      if (client) {
        lockClient = null;
        client.removeListener("error", onLockConnectionError);
        const unlocked = await client.query("select pg_advisory_unlock($1, hashtext(current_schema()))", [PUBLISHER_LOCK_ID]).then(
          () => true,
          () => false,
        );
        client.release(unlocked ? undefined : true);
      }
    },
  };
}
