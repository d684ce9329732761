// lnd's final word on the coordinator's HTLCs, reported as FINAL_SETTLED / FINAL_FAILED: the loop
// that asks lnd about the keys in ../decisions/awaiting-final-resolution.ts and publishes.
// Two sources, so that nothing is lost across gaps:
// - SubscribeHtlcEvents (reopened forever): a final_htlc_event for a watched key;
// - LookupHtlcResolution for every watched key that is not held now, each time the
//   subscription is (re)established: it covers finals that happened while no subscription
//   was open. The subscription is in place before the lookups start, so a final either
//   happened before (the lookup sees it) or after (the event arrives).
// At start, this node's SETTLE commands are read back from the commands topic and watched too:
// a bridge restarted between a SETTLE and its final event still reports the final. Duplicate
// FINAL outcomes are harmless (the matcher is idempotent per key).
// A FINAL outcome the event log does not accept waits in the outcome backlog (../publish-queue.ts,
// bounded by publishBacklogLimit) and is retried with backoff, in order, until Kafka takes it.
// When that backlog is full the key is watched again and the subscription reopened, which
// repeats the lookup later: an outcome is never dropped silently. Outcomes still waiting when the
// bridge stops are logged with their count.
import type { HtlcOutcome } from "@ic/event-log";
import { circuitKeyId, type CircuitKey, type HtlcEvent, type LndStream } from "@ic/lnd-client";
import { abortableDelay } from "../abortable-delay.ts";
import { errorText } from "../error-text.ts";
import type { BridgeRuntime } from "../bridge-runtime.ts";
import type { SettleHistory } from "../event-ports.ts";
import type { WatchedHtlc } from "../decisions/awaiting-final-resolution.ts";
import { PublishQueue } from "../publish-queue.ts";
import { reconnectDelayMs } from "../decisions/reconnect-delay.ts";

export type RecoveryState = "pending" | "running" | "done" | "failed";

const LOOKUP_TIMEOUT_MS = 10_000;
/** Lookups in flight at once (measured in README "Final resolutions after a restart"). */
const LOOKUP_CONCURRENCY = 16;

export class FinalResolutions {
  private stream: LndStream<HtlcEvent> | undefined;
  private lookups: Promise<void> = Promise.resolve();
  private firstSubscription: { resolve: () => void; promise: Promise<void> };
  recovery: RecoveryState = "pending";
  /** SETTLE commands of this node found in the log at start. */
  recoveredSettles = 0;
  /** Why the last subscription attempt failed, for start-up's refusal message. */
  lastError: string | undefined;

  private readonly outcomes: PublishQueue<{ readonly outcome: HtlcOutcome; readonly watched: WatchedHtlc }>;

  constructor(private readonly runtime: BridgeRuntime) {
    let resolve = () => {};
    const promise = new Promise<void>((r) => (resolve = r));
    this.firstSubscription = { resolve, promise };
    const { metrics, logger } = runtime;
    this.outcomes = new PublishQueue({
      limit: runtime.config.publishBacklogLimit,
      policy: runtime.config.reconnect,
      signal: runtime.signal,
      health: runtime.kafka,
      publish: ({ outcome }) => runtime.publisher.publishOutcomes([outcome]),
      keep: () => true,
      onSize: (size) => metrics.publishBacklog.set({ record: "htlc-outcome" }, size),
      onPublished: () => {},
      onBatchFailed: (error, failed, retryInMs) => {
        metrics.publishFailures.inc({ record: "htlc-outcome" }, failed.length);
        logger.error(
          { err: errorText(error), failed: failed.length, backlog: this.outcomes.size, retryInMs },
          "could not publish FINAL outcomes; they wait in the outcome backlog and are retried",
        );
      },
    });
  }

  /** FINAL outcomes waiting for the event log or in flight. */
  get outcomeBacklog(): number {
    return this.outcomes.size;
  }

  /** Publishes FINAL outcomes until the bridge stops; logs what is left then. */
  async runOutcomePublisher(): Promise<void> {
    await this.outcomes.run();
    const left = this.outcomes.waitingEntries();
    if (left.length > 0) {
      this.runtime.logger.warn(
        {
          unpublished: left.length,
          circuitKeys: left.slice(0, 20).map(({ outcome }) => circuitKeyId(outcome.circuitKey)),
        },
        "stopping with FINAL outcomes unpublished (Kafka unreachable): a restarted bridge finds those of its SETTLEs again by the read-back and lookups",
      );
    }
  }

  /**
   * Resolves true once the first subscription is in place, false when that did not happen
   * within timeoutMs or the bridge stopped first.
   */
  async subscribedWithin(timeoutMs: number): Promise<boolean> {
    const { signal } = this.runtime;
    let timer: NodeJS.Timeout | undefined;
    let onAbort = () => {};
    const gaveUp = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      onAbort = () => resolve(false);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([this.firstSubscription.promise.then(() => true), gaveUp]);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** Subscribes, and resubscribes, until the bridge stops. */
  async run(): Promise<void> {
    const { runtime } = this;
    const { logger, metrics, state, signal, config } = runtime;
    let attempt = 0;
    while (!signal.aborted) {
      const stream = runtime.lnd.subscribeHtlcEvents();
      this.stream = stream;
      const cancelOnStop = () => stream.cancel();
      signal.addEventListener("abort", cancelOnStop, { once: true });
      const openedAtMs = runtime.now();
      try {
        for await (const event of stream) {
          if (event.kind === "subscribed") {
            attempt = 0;
            state.htlcEventsSubscribed = true;
            metrics.streamConnected.set({ stream: "htlc_events" }, 1);
            logger.info({ watched: state.finals.size }, "subscribed to lnd's HTLC events");
            this.firstSubscription.resolve();
            this.lookUpWatched();
          } else if (event.kind === "finalHtlc") {
            this.onFinal({ chanId: event.incomingChannelId, htlcId: event.incomingHtlcId }, event.settled, "event");
          }
        }
        if (!signal.aborted) logger.warn("lnd ended the HTLC event subscription");
      } catch (error) {
        this.lastError = errorText(error);
        logger.warn({ err: this.lastError }, "HTLC event subscription failed");
      } finally {
        signal.removeEventListener("abort", cancelOnStop);
        stream.cancel();
        this.stream = undefined;
        state.htlcEventsSubscribed = false;
        metrics.streamConnected.set({ stream: "htlc_events" }, 0);
      }
      if (signal.aborted) break;
      if (runtime.now() - openedAtMs >= config.reconnect.maxDelayMs) attempt = 0;
      const delayMs = reconnectDelayMs(attempt++, config.reconnect);
      metrics.reconnects.inc({ stream: "htlc_events" });
      logger.info({ attempt, delayMs }, "resubscribing to lnd's HTLC events");
      await abortableDelay(delayMs, signal);
    }
    await this.lookups;
  }

  /**
   * Reads this node's SETTLE commands back from the log, watches their keys and looks them up,
   * retrying with backoff until it succeeds or the bridge stops. Call after `subscribed`.
   */
  async recover(history: SettleHistory): Promise<void> {
    const { runtime } = this;
    const { logger, signal, config, state } = runtime;
    const lookbackHours = config.settleRecoveryLookbackHours;
    const sinceMs = lookbackHours > 0 ? runtime.now() - lookbackHours * 3_600_000 : undefined;
    let attempt = 0;
    while (!signal.aborted) {
      this.recovery = "running";
      try {
        const settles = await history.settleCommands(runtime.nodeId, sinceMs, signal);
        for (const command of settles) {
          state.finals.watch({
            circuitKey: command.circuitKey,
            paymentHash: command.paymentHash,
            commandId: command.commandId,
          });
        }
        this.recoveredSettles = settles.length;
        logger.info(
          { settles: settles.length, sinceMs: sinceMs ?? null },
          "read this node's SETTLE commands back from the log; looking up their final resolutions",
        );
        this.lookUpWatched();
        await this.lookups;
        this.recovery = "done";
        return;
      } catch (error) {
        // A stop cancels the read: that is no failure to report.
        if (signal.aborted) return;
        this.recovery = "failed";
        const delayMs = reconnectDelayMs(attempt++, config.reconnect);
        logger.error({ err: errorText(error), delayMs }, "could not read SETTLE commands back from the log; retrying");
        await abortableDelay(delayMs, signal);
      }
    }
  }

  /** lnd resolved this key (event or lookup). */
  private onFinal(key: CircuitKey, settled: boolean, source: "event" | "lookup"): void {
    const { runtime } = this;
    const { state, logger, metrics } = runtime;
    // lnd no longer holds it (it failed it at the auto-fail height, say): never answer it now.
    if (state.session?.held.release(key) !== undefined) metrics.heldHtlcs.set(state.session.held.size);
    const watched = state.finals.get(key);
    const outcome = state.finals.resolve(key, settled, runtime.nodeId, runtime.now());
    if (watched === undefined || outcome === undefined) return;
    metrics.finalOutcomes.inc({ result: settled ? "settled" : "failed" });
    const fields = { circuitKey: circuitKeyId(key), paymentHash: outcome.paymentHash, commandId: outcome.commandId };
    logger.info({ ...fields, settled, source }, settled ? "lnd reports the HTLC settled for good" : "lnd reports the HTLC failed for good");
    this.publishFinal(outcome, watched);
  }

  private publishFinal(outcome: HtlcOutcome, watched: WatchedHtlc): void {
    const { runtime } = this;
    if (this.outcomes.offer({ outcome, watched })) return;
    runtime.logger.error(
      { circuitKey: circuitKeyId(watched.circuitKey), paymentHash: watched.paymentHash, backlog: this.outcomes.size },
      "the outcome backlog is full (Kafka unreachable?): watching the key again and resubscribing to look it up later",
    );
    runtime.state.finals.watch(watched);
    this.stream?.cancel();
  }

  /** Queues one lookup round over the watched keys that are not held on the current stream. */
  private lookUpWatched(): void {
    this.lookups = this.lookups.then(() => this.lookupRound());
  }

  private async lookupRound(): Promise<void> {
    const { runtime } = this;
    const { state, logger, signal } = runtime;
    const queue = state.finals.entries();
    let looked = 0;
    let failure: unknown;
    const worker = async (): Promise<void> => {
      for (let watched = queue.shift(); watched !== undefined; watched = queue.shift()) {
        if (signal.aborted || failure !== undefined) return;
        if (state.session?.held.get(watched.circuitKey) !== undefined) continue;
        try {
          const resolution = await runtime.lnd.lookupHtlcResolution(watched.circuitKey, { timeoutMs: LOOKUP_TIMEOUT_MS });
          looked++;
          if (resolution !== undefined) this.onFinal(watched.circuitKey, resolution.settled, "lookup");
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: LOOKUP_CONCURRENCY }, worker));
    if (failure !== undefined) {
      // lnd is unreachable, say: the next subscription repeats the round.
      logger.warn({ err: errorText(failure), looked }, "LookupHtlcResolution failed; the next subscription retries");
      return;
    }
    logger.debug({ looked, stillWatched: state.finals.size }, "looked up final resolutions");
  }
}
