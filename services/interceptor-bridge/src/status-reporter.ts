// The bridge's status records (schemas/bridge-status.v1.avsc): liveness and lnd's best block, to
// this node's <deployment>.bridge.status.v1.<pubkey>. The matcher takes the cluster's block height
// from them, so a hold set waiting with no new HTLC still sees the chain move and is cancelled
// before lnd's auto-fail height (docs/architecture.md, "Bridge liveness").
//
// Sent once the event log is connected, on every new block and every statusIntervalMs. Best
// effort: at most one publish is in flight; a report asked for meanwhile is taken when it ends,
// from the state as it is then (never a queue of old ones). A failed publish is counted and logged
// (warn the first of a run of failures, debug after), not retried: the next one supersedes it. It
// never waits in the way of HTLC handling: it has its own producer (kafka-status-publisher.ts).
import type { BridgeStatus as BridgeStatusRecord } from "@ic/event-log";
import type { BridgeLogger } from "./bridge-logger.ts";
import type { BridgeMetrics } from "./bridge-metrics.ts";
import { errorText } from "./error-text.ts";
import type { StatusPublisher } from "./event-ports.ts";

export type StatusReason = "start" | "block" | "interval";

export interface StatusReporterOptions {
  readonly nodeId: string;
  readonly instanceId: string;
  readonly intervalMs: number;
  /** The live fields, read when a record is built. */
  readonly snapshot: () => Pick<BridgeStatusRecord, "blockHeight" | "interceptorStreamOpen" | "heldHtlcs" | "publishBacklog">;
  readonly metrics: Pick<BridgeMetrics, "statusPublished" | "statusPublishFailures">;
  readonly logger: BridgeLogger;
  readonly now: () => number;
  readonly signal: AbortSignal;
}

export class StatusReporter {
  private publisher: StatusPublisher | undefined;
  private inFlight: Promise<void> | undefined;
  private again = false;
  private failing = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: StatusReporterOptions) {
    options.signal.addEventListener("abort", () => this.stop(), { once: true });
  }

  /** The event log is connected: sends the first status and starts the interval. */
  start(publisher: StatusPublisher): void {
    if (this.options.signal.aborted) return;
    this.publisher = publisher;
    this.report("start");
    this.timer = setInterval(() => this.report("interval"), this.options.intervalMs);
    this.timer.unref();
  }

  /** Sends a status now, or right after the one in flight. A no-op before start() and after a stop. */
  report(reason: StatusReason): void {
    if (this.publisher === undefined || this.options.signal.aborted) return;
    if (this.inFlight !== undefined) {
      this.again = true;
      return;
    }
    this.inFlight = this.publish(this.publisher, reason).finally(() => {
      this.inFlight = undefined;
      if (this.again) {
        this.again = false;
        this.report(reason);
      }
    });
  }

  /** The publish in flight, if any (tests). */
  get pending(): Promise<void> | undefined {
    return this.inFlight;
  }

  private async publish(publisher: StatusPublisher, reason: StatusReason): Promise<void> {
    const { options } = this;
    const record: BridgeStatusRecord = { nodeId: options.nodeId, bridgeInstanceId: options.instanceId, ...options.snapshot(), atMs: options.now() };
    try {
      await publisher.publishStatus(record);
      options.metrics.statusPublished.inc();
      if (this.failing) options.logger.info({ blockHeight: record.blockHeight }, "bridge status published again");
      this.failing = false;
    } catch (error) {
      if (options.signal.aborted) return;
      options.metrics.statusPublishFailures.inc();
      const fields = { err: errorText(error), reason, blockHeight: record.blockHeight };
      if (this.failing) options.logger.debug(fields, "bridge status not published (dropped)");
      else options.logger.warn(fields, "bridge status not published (dropped; the next one supersedes it)");
      this.failing = true;
    }
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.publisher = undefined;
  }
}
