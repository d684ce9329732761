// The coordinator's HTLCs on their way to the event log, and what the bridge does with them while
// Kafka is away. The interceptor stream stays open (a Kafka outage must not stop the node's
// routing: forwards not for the virtual scid are RESUMEd without Kafka), and each HtlcIntercepted
// record waits in a bounded queue (publish-queue.ts), published oldest first when Kafka returns.
// Entries are answered by the bridge itself only to get them off the payer's route in time, always
// with TEMPORARY_CHANNEL_FAILURE (lnd builds it; the bridge holds no coordinator key), and only
// for a key held on the current stream, once (money-safety rule 5: the fail releases the key from
// the held set, so a later command for it is SKIPPED_NOT_HELD):
// - the backlog is full (publishBacklogLimit): a new HTLC for the virtual scid is failed at once;
// - an entry comes within backlogAutoFailMarginBlocks of its auto-fail height: lnd would fail it
//   itself at that height, and the matcher could not answer it in time anyway. An entry whose
//   auto-fail height is already reached is not answered (lnd fails it; an answer racing that
//   would end the stream) and leaves the backlog.
// A stream that ends drops its entries: lnd offers those HTLCs again on the next stream, which
// queues them again. An entry whose key lnd no longer holds (answered by a command after a
// re-offer, failed by lnd) is dropped instead of published.
import type { HtlcIntercepted } from "@ic/event-log";
import { circuitKeyId, type CircuitKey } from "@ic/lnd-client";
import type { BridgeLogger } from "./bridge-logger.ts";
import type { BridgeMetrics } from "./bridge-metrics.ts";
import { errorText } from "./error-text.ts";
import type { BridgeState, InterceptorSession } from "./bridge-state.ts";
import type { BridgeConfig } from "./config.ts";
import type { HtlcPublisher } from "./event-ports.ts";
import { PublishQueue, type KafkaHealth } from "./publish-queue.ts";

export type BacklogFailReason = "backlog_full" | "auto_fail_margin";

interface BacklogEntry {
  readonly session: InterceptorSession;
  readonly record: HtlcIntercepted;
  readonly circuitKey: CircuitKey;
}

export interface HtlcBacklogDeps {
  readonly config: Pick<BridgeConfig, "publishBacklogLimit" | "backlogAutoFailMarginBlocks" | "reconnect">;
  readonly publisher: HtlcPublisher;
  readonly metrics: BridgeMetrics;
  readonly logger: BridgeLogger;
  readonly state: BridgeState;
  readonly health: KafkaHealth;
  readonly signal: AbortSignal;
}

export class HtlcBacklog {
  private readonly queue: PublishQueue<BacklogEntry>;

  constructor(private readonly deps: HtlcBacklogDeps) {
    const { metrics, logger, state, health } = deps;
    this.queue = new PublishQueue<BacklogEntry>({
      limit: deps.config.publishBacklogLimit,
      policy: deps.config.reconnect,
      signal: deps.signal,
      health,
      publish: (entry) => deps.publisher.publishIntercepted(entry.record),
      // Only what lnd still holds on the stream the record came from.
      keep: (entry) => state.session === entry.session && entry.session.held.get(entry.circuitKey) !== undefined,
      onSize: (size) => metrics.publishBacklog.set({ record: "htlc-intercepted" }, size),
      onPublished: (entry) => {
        metrics.htlcsPublished.inc();
        logger.debug(fieldsOf(entry), "published HtlcIntercepted");
      },
      onBatchFailed: (error, failed, retryInMs) => {
        metrics.publishFailures.inc({ record: "htlc-intercepted" }, failed.length);
        logger.error(
          { err: errorText(error), failed: failed.length, backlog: this.queue.size, retryInMs },
          "could not publish HtlcIntercepted; the HTLCs stay held in the publish backlog and are published when Kafka answers (the interceptor stream stays open: routing goes on)",
        );
        this.failDue();
      },
    });
  }

  /** Waiting or in flight. */
  get size(): number {
    return this.queue.size;
  }

  run(): Promise<void> {
    return this.queue.run();
  }

  /**
   * Queues a newly held HTLC's record. Fails it back at once when the backlog is full, or when
   * Kafka is down and the HTLC is already within the margin of its auto-fail height.
   */
  offer(session: InterceptorSession, record: HtlcIntercepted, circuitKey: CircuitKey): void {
    const entry: BacklogEntry = { session, record, circuitKey };
    if (this.queue.full) {
      this.failBack(entry, "backlog_full");
      return;
    }
    if (!this.deps.health.reachable && this.withinMargin(entry)) {
      this.failBack(entry, "auto_fail_margin");
      return;
    }
    this.queue.offer(entry);
  }

  /** Fails back the waiting entries that came within the margin of their auto-fail height (after a block, a failed batch). */
  failDue(): void {
    for (const entry of this.queue.remove((e) => this.withinMargin(e))) this.failBack(entry, "auto_fail_margin");
  }

  /** The stream ended: its waiting entries go (lnd offers them again on the next stream). */
  dropSession(session: InterceptorSession): number {
    return this.queue.remove((entry) => entry.session === session).length;
  }

  private withinMargin(entry: BacklogEntry): boolean {
    return this.deps.state.blockHeight >= entry.record.autoFailHeight - this.deps.config.backlogAutoFailMarginBlocks;
  }

  private failBack(entry: BacklogEntry, reason: BacklogFailReason): void {
    const { state, metrics, logger } = this.deps;
    const fields = { ...fieldsOf(entry), reason, autoFailHeight: entry.record.autoFailHeight, blockHeight: state.blockHeight };
    const { session, circuitKey } = entry;
    // Rule 5: only a key held on the current stream, and not at its auto-fail height (lnd fails it then).
    if (state.session !== session || session.held.get(circuitKey) === undefined) {
      logger.debug(fields, "backlog entry no longer held on the current stream; dropped without an answer");
      return;
    }
    if (state.blockHeight >= entry.record.autoFailHeight) {
      session.held.release(circuitKey);
      metrics.heldHtlcs.set(session.held.size);
      logger.warn(fields, "backlog entry reached its auto-fail height unpublished: lnd fails it itself; dropped without an answer");
      return;
    }
    try {
      session.stream.send({ action: "FAIL", circuitKey, failureCode: "TEMPORARY_CHANNEL_FAILURE" });
    } catch (error) {
      logger.warn({ ...fields, err: errorText(error) }, "could not fail a backlog entry back; lnd keeps the HTLC and offers it again on the next stream");
      return;
    }
    session.held.release(circuitKey);
    metrics.heldHtlcs.set(session.held.size);
    metrics.backlogFailed.inc({ reason });
    logger.warn(
      fields,
      reason === "backlog_full"
        ? "publish backlog full (Kafka unreachable?): failed the HTLC back with TEMPORARY_CHANNEL_FAILURE"
        : "HTLC waited in the publish backlog until near its auto-fail height: failed it back with TEMPORARY_CHANNEL_FAILURE",
    );
  }
}

function fieldsOf(entry: BacklogEntry): { circuitKey: string; paymentHash: string; sessionId: string } {
  return { circuitKey: circuitKeyId(entry.circuitKey), paymentHash: entry.record.paymentHash, sessionId: entry.session.id };
}
