// What the bridge's running parts share: the live state (one interceptor session at a time,
// the block height, the keys awaiting final resolution, the commands carried out) and the
// adapters. Mutated only from the event loop, so a check-then-send on it is atomic.
import type { HtlcInterceptorStream, LndClient } from "@ic/lnd-client";
import type { AppliedCommands } from "./decisions/applied-commands.ts";
import type { BridgeLogger } from "./bridge-logger.ts";
import type { BridgeMetrics } from "./bridge-metrics.ts";
import type { BridgeConfig } from "./config.ts";
import type { HtlcPublisher } from "./event-ports.ts";
import type { AwaitingFinalResolution } from "./decisions/awaiting-final-resolution.ts";
import type { HeldHtlcs } from "./decisions/held-htlcs.ts";
import type { HtlcBacklog } from "./htlc-backlog.ts";
import type { KafkaHealth } from "./publish-queue.ts";

export interface InterceptorSession {
  /** Goes into HtlcIntercepted.bridgeInstanceId. */
  readonly id: string;
  readonly stream: HtlcInterceptorStream;
  /** Keys offered on this stream and not answered: the only ones a command may answer. */
  readonly held: HeldHtlcs;
  readonly openedAtMs: number;
}

export interface BridgeState {
  blockHeight: number;
  session: InterceptorSession | undefined;
  htlcEventsSubscribed: boolean;
  interceptorSessions: number;
  readonly finals: AwaitingFinalResolution;
  readonly applied: AppliedCommands;
  /** Called after the block height rose (the publish backlog fails entries near their auto-fail height). */
  onBlockHeight?: (height: number) => void;
}

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
