// What the bridge's running parts share: the live state (bridge-state.ts) and the adapters.
import type { LndClient } from "@ic/lnd-client";
import type { BridgeLogger } from "./bridge-logger.ts";
import type { BridgeMetrics } from "./bridge-metrics.ts";
import type { BridgeState } from "./bridge-state.ts";
import type { BridgeConfig } from "./config.ts";
import type { HtlcPublisher } from "./event-ports.ts";
import type { HtlcBacklog } from "./htlc-backlog.ts";
import type { KafkaHealth } from "./publish-queue.ts";

export interface BridgeRuntime {
  readonly config: BridgeConfig;
  /** This node's pubkey, hex. */
  readonly nodeId: string;
  readonly virtualScid: bigint;
  readonly lnd: LndClient;
  readonly publisher: HtlcPublisher;
  /** Kafka as the last publishes saw it. */
  readonly kafka: KafkaHealth;
  /** HtlcIntercepted records waiting for the event log (lnd/interceptor-sessions.ts offers them). */
  readonly backlog: HtlcBacklog;
  readonly metrics: BridgeMetrics;
  readonly logger: BridgeLogger;
  readonly now: () => number;
  /** Aborted when the bridge stops. */
  readonly signal: AbortSignal;
  readonly state: BridgeState;
  /** Keeps a background promise (a publish) for stop() to wait on. */
  track(work: Promise<unknown>): void;
}
