// The bridge's view of the event log: three small ports, so the Kafka adapter can be swapped
// for in-memory fakes in tests (src/testing) and the decisions never see Kafka.
import type { BridgeStatus, HtlcCommand, HtlcIntercepted, HtlcOutcome } from "@ic/event-log";

export interface HtlcPublisher {
  /** Resolves once the record is durable in the log (keyed by payment hash). */
  publishIntercepted(record: HtlcIntercepted): Promise<void>;
  /** Resolves once every record is durable in the log, in order. */
  publishOutcomes(records: readonly HtlcOutcome[]): Promise<void>;
}

/**
 * This node's status records (liveness, lnd's best block). Best effort and apart from the HTLC
 * publisher: a status that fails is dropped (the next one supersedes it) and never holds up an
 * HTLC record.
 */
export interface StatusPublisher {
  /** Resolves once the broker took the record (keyed by node id); rejects otherwise, without retrying. */
  publishStatus(record: BridgeStatus): Promise<void>;
}

/**
 * Handles consecutive commands in log order. A handler that rejects gets the same commands
 * again (at-least-once), so it must be idempotent.
 */
export type CommandBatchHandler = (commands: readonly HtlcCommand[]) => Promise<void>;

export interface CommandSource {
  /** Starts delivering commands; resolves once consuming has begun. */
  start(handler: CommandBatchHandler, onFatal: (error: Error) => void): Promise<void>;
  /** Lets the batch in hand finish, then stops. */
  stop(): Promise<void>;
  /**
   * "topic/partition@offset: why" for each partition held back by a command of a schema version
   * this bridge does not know yet (readiness turns not-ready while any is); absent: never any.
   */
  stalledPartitions?(): string[];
}

/** The SETTLE commands the log holds for one node: what a restarted bridge may have answered. */
export interface SettleHistory {
  /**
   * This node's SETTLE commands, read from the start of the log (or from sinceMs, Unix ms)
   * up to its end at the time of the call, in log order per partition. Rejects early when
   * signal aborts.
   */
  settleCommands(nodeId: string, sinceMs: number | undefined, signal?: AbortSignal): Promise<HtlcCommand[]>;
}

export interface EventPorts {
  readonly publisher: HtlcPublisher;
  readonly status: StatusPublisher;
  readonly commands: CommandSource;
  readonly settleHistory: SettleHistory;
  /** Flushes what is queued and disconnects. */
  close(): Promise<void>;
}
