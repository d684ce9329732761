// startBridge: wires the bridge for one lnd node and runs it until stop(). Start-up order:
// 0. the metrics endpoint (when configured), so /readyz says what start-up waits for;
// 1. lnd: GetInfo (waiting, with backoff, for an lnd that is down or still starting), then every
//    node check; a problem (another node or network, a missing lnd flag) refuses: those are
//    misconfigurations, not worth waiting for. Then a wait for lnd to sync to the chain;
// 2. the HTLC event subscription, before anything can be resolved, so no final is missed;
// 3. the interceptor sessions and the block-height poll: routing through the node goes on even
//    while Kafka is away (HTLCs for the virtual scid wait in the publish backlog meanwhile);
// 4. the event log (topics, producer), retried with backoff while Kafka is unreachable;
// 5. the status records (liveness, lnd's best block: at once, on every block, every
//    statusIntervalMs; best effort, status-reporter.ts), then the command consumer;
// 6. in the background: this node's SETTLE commands read back from the log and looked up.
// stop() reverses it: the command consumer finishes its batch first, so no command is cut in
// half, then the streams close. HTLCs still held stay held by lnd and are offered to the next
// bridge.
import { randomUUID } from "node:crypto";
import { connectLnd, type LndClient } from "@ic/lnd-client";
import { formatShortChannelId, hexToBytes, virtualScidForNode } from "@ic/lightning-protocol";
import { probesOf, startProbeServer, type ProbeServer, type RunningService } from "@ic/service-probes";
import { AppliedCommands } from "./decisions/applied-commands.ts";
import { watchBlockEpochs } from "./lnd/block-epoch-watch.ts";
import { pollBlockHeight } from "./lnd/block-height-poll.ts";
import { createBridgeLogger, type BridgeLogger } from "./bridge-logger.ts";
import { createBridgeMetrics, type BridgeMetrics } from "./bridge-metrics.ts";
import { errorText } from "./error-text.ts";
import type { BridgeRuntime } from "./bridge-runtime.ts";
import type { BridgeState } from "./bridge-state.ts";
import { commandApplier } from "./lnd/command-applier.ts";
import { bridgeConfig, type BridgeConfig, type BridgeConfigInput } from "./config.ts";
import type { EventPorts, HtlcPublisher } from "./event-ports.ts";
import { AwaitingFinalResolution } from "./decisions/awaiting-final-resolution.ts";
import { FinalResolutions, type RecoveryState } from "./lnd/final-resolution-reporter.ts";
import { HtlcBacklog } from "./htlc-backlog.ts";
import { runInterceptorSessions } from "./lnd/interceptor-sessions.ts";
import { connectKafkaEventPorts } from "./kafka/kafka-event-ports.ts";
import { probeNode, waitForChainSync } from "./lnd/node-probe.ts";
import { nodeProblems, nodeWarnings, NodeValidationError } from "./lnd/node-validation.ts";
import { KafkaHealth } from "./publish-queue.ts";
import { reconnectDelayMs } from "./decisions/reconnect-delay.ts";
import { abortableDelay } from "./abortable-delay.ts";
import { StatusReporter } from "./status-reporter.ts";

/** Start-up waits at least this long for the HTLC event subscription, even with lndStartupTimeoutMs 0. */
const FIRST_SUBSCRIPTION_MIN_WAIT_MS = 10_000;

export interface BridgeDeps {
  /** Default: connectLnd with the config's address, TLS cert and macaroon paths. */
  connectLnd?: (config: BridgeConfig) => Promise<LndClient>;
  /** Default: Kafka (brokers and topics from the config). */
  connectEventPorts?: (config: BridgeConfig, nodeId: string, logger: BridgeLogger, signal?: AbortSignal, metrics?: BridgeMetrics) => Promise<EventPorts>;
  /** Default: pino JSON on stdout at config.logLevel. */
  logger?: BridgeLogger;
  /** Default: a registry of this bridge's own (served on config.metricsPort when not 0). */
  metrics?: BridgeMetrics;
  now?: () => number;
}

export type BridgePhase = "starting" | "running" | "stopping" | "stopped" | "failed";

export interface BridgeStatus {
  phase: BridgePhase;
  nodeName: string;
  /** Set once lnd was validated. */
  nodeId: string | undefined;
  /** Decimal. */
  virtualScid: string | undefined;
  /** An interceptor stream is open (lnd holds HTLCs for the bridge while none is). */
  interceptorStreamOpen: boolean;
  interceptorSessions: number;
  htlcEventsSubscribed: boolean;
  heldHtlcs: number;
  awaitingFinal: number;
  blockHeight: number;
  recovery: RecoveryState;
  recoveredSettles: number;
  /** The bound metrics port; undefined when metrics are off. */
  metricsPort: number | undefined;
  /** Why start-up failed or the bridge stopped by itself. */
  error: string | undefined;
  /** While starting: what start-up waits for (lnd, its chain sync, Kafka); undefined otherwise. */
  waitingFor: string | undefined;
  /** "reachable", or "unreachable since <ISO time>: <error>", as the bridge's publishes last saw it. */
  kafka: string;
  /** HtlcIntercepted records waiting for Kafka (their HTLCs held meanwhile) or in flight. */
  publishBacklog: number;
  /** FINAL outcomes waiting for Kafka or in flight. */
  outcomeBacklog: number;
}

/** ready rejects with NodeValidationError (among others) when the node is refused; failed means it is already stopping. */
export interface RunningBridge extends RunningService {
  readonly metrics: BridgeMetrics;
  status(): BridgeStatus;
}

export function startBridge(input: BridgeConfigInput | BridgeConfig, deps: BridgeDeps = {}): RunningBridge {
  const config = bridgeConfig(input);
  const logger = deps.logger ?? createBridgeLogger(config.nodeName, config.logLevel);
  // Node's process metrics start an event-loop monitor and a GC observer that cannot be
  // stopped: only for a bridge that serves them (its own process), not one per in-process start.
  const metrics = deps.metrics ?? createBridgeMetrics(config.nodeName, { defaultMetrics: config.metricsPort > 0 });
  const now = deps.now ?? Date.now;
  const controller = new AbortController();
  const instanceId = `${config.nodeName}-${randomUUID().slice(0, 8)}`;
  const state: BridgeState = {
    blockHeight: 0,
    session: undefined,
    htlcEventsSubscribed: false,
    interceptorSessions: 0,
    finals: new AwaitingFinalResolution(),
    applied: new AppliedCommands(),
  };

  let phase: BridgePhase = "starting";
  let nodeId: string | undefined;
  let virtualScid: bigint | undefined;
  let lnd: LndClient | undefined;
  let ports: EventPorts | undefined;
  let metricsServer: ProbeServer | undefined;
  let finals: FinalResolutions | undefined;
  let failure: string | undefined;
  let waitingFor: string | undefined;
  let backlog: HtlcBacklog | undefined;
  const kafka = new KafkaHealth(now);
  const onWait = (what: string | undefined) => (waitingFor = what);
  const loops: Promise<unknown>[] = [];
  const pending = new Set<Promise<unknown>>();
  let reportFailure: (error: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => (reportFailure = resolve));
  let stopping: Promise<void> | undefined;
  let stopRequested = false;
  /** A fatal error reported while starting (consumer crash, another node): start-up gives up with it. */
  let startupFatal: Error | undefined;

  const ready = (async () => {
    if (config.metricsPort > 0) {
      // GET /metrics, /healthz (live while it runs its loops), /readyz (ready once it runs with an
      // interceptor stream open and Kafka reachable; the body says why not): @ic/service-probes.
      metricsServer = await startProbeServer(metrics.registry, config.metricsPort, config.metricsHost, probesOf(() => {
        const streamOpen = state.session !== undefined;
        const stalledPartitions = ports?.commands.stalledPartitions?.() ?? [];
        return {
          live: phase === "starting" || phase === "running",
          // Not ready while starting (waitingFor says on what), without an interceptor stream,
          // while Kafka is unreachable (the HTLCs for the virtual scid wait in the backlog; routing
          // goes on), or while a command of a newer schema version holds a partition (upgrade the bridge).
          ready: phase === "running" && streamOpen && kafka.reachable && stalledPartitions.length === 0,
          phase,
          ...(waitingFor === undefined ? {} : { waitingFor }),
          ...(stalledPartitions.length === 0 ? {} : { stalledPartitions }),
          interceptorStreamOpen: streamOpen,
          htlcEventsSubscribed: state.htlcEventsSubscribed,
          blockHeight: state.blockHeight,
          kafka: kafka.describe(),
          publishBacklog: backlog?.size ?? 0,
          outcomeBacklog: finals?.outcomeBacklog ?? 0,
        };
      }));
    }
    lnd = await connectLndWaiting();
    throwIfStopped();
    const probeOptions = {
      timeoutMs: config.lndStartupTimeoutMs,
      policy: config.reconnect,
      signal: controller.signal,
      logger,
      now,
      grpcAddress: config.lnd.grpcAddress,
      onWait,
    };
    const probe = await probeNode(lnd, probeOptions);
    throwIfStopped();
    const problems = nodeProblems(probe, {
      grpcAddress: config.lnd.grpcAddress,
      expectedPubkey: config.expectedPubkey,
      network: config.network,
      minLndVersion: config.minLndVersion,
    });
    // An unreachable node is always a problem; the second test only narrows the type.
    if (problems.length > 0 || !probe.reachable) throw new NodeValidationError(problems);
    const info = await waitForChainSync(lnd, probe.info, { ...probeOptions, waitMs: config.lndSyncWaitMs });
    throwIfStopped();
    for (const warning of nodeWarnings(info)) logger.warn(warning);
    nodeId = config.expectedPubkey;
    virtualScid = virtualScidForNode(hexToBytes(nodeId));
    state.blockHeight = info.blockHeight;
    metrics.blockHeight.set(state.blockHeight);
    logger.info(
      {
        nodeId,
        virtualScid: virtualScid.toString(),
        virtualScidParts: formatShortChannelId(virtualScid),
        lndVersion: info.version,
        blockHeight: state.blockHeight,
      },
      "lnd checked",
    );
    // The interceptor opens before Kafka is connected: lnd (--requireinterceptor) holds every
    // forward while no interceptor is connected, ordinary routing included. Until the event log
    // is connected, publishes reject and the HTLCs for the virtual scid wait in the backlog.
    const connected: { publisher?: HtlcPublisher } = {};
    const notConnected = () => Promise.reject(new Error("the event log is not connected yet (waiting for Kafka)"));
    const publisher: HtlcPublisher = {
      publishIntercepted: (record) => connected.publisher?.publishIntercepted(record) ?? notConnected(),
      publishOutcomes: (records) => connected.publisher?.publishOutcomes(records) ?? notConnected(),
    };
    metrics.publishBacklog.set({ record: "htlc-intercepted" }, 0);
    metrics.publishBacklog.set({ record: "htlc-outcome" }, 0);
    const htlcBacklog = new HtlcBacklog({
      config,
      publisher,
      metrics,
      logger,
      state,
      health: kafka,
      signal: controller.signal,
    });
    backlog = htlcBacklog;
    const statusReporter = new StatusReporter({
      nodeId,
      instanceId,
      intervalMs: config.statusIntervalMs,
      snapshot: () => ({
        blockHeight: state.blockHeight,
        interceptorStreamOpen: state.session !== undefined,
        heldHtlcs: state.session?.held.size ?? 0,
        publishBacklog: htlcBacklog.size,
      }),
      metrics,
      logger,
      now,
      signal: controller.signal,
    });
    state.onBlockHeight = () => {
      htlcBacklog.failDue();
      // A no-op until the event log is connected.
      statusReporter.report("block");
    };

    const runtime: BridgeRuntime = {
      config,
      nodeId,
      virtualScid,
      lnd,
      publisher,
      kafka,
      backlog: htlcBacklog,
      metrics,
      logger,
      now,
      signal: controller.signal,
      state,
      track: (work) => {
        pending.add(work);
        void work.finally(() => pending.delete(work));
      },
    };
    const finalResolutions = new FinalResolutions(runtime);
    finals = finalResolutions;
    loops.push(finalResolutions.run());
    loops.push(finalResolutions.runOutcomePublisher());
    loops.push(htlcBacklog.run());
    const subscribeTimeoutMs = Math.max(config.lndStartupTimeoutMs, FIRST_SUBSCRIPTION_MIN_WAIT_MS);
    if (!(await finalResolutions.subscribedWithin(subscribeTimeoutMs))) {
      throwIfStopped();
      throw new Error(
        `lnd at ${config.lnd.grpcAddress} did not accept SubscribeHtlcEvents within ${subscribeTimeoutMs} ms (${finalResolutions.lastError ?? "no answer"}): check that the macaroon allows offchain:read`,
      );
    }
    throwIfStopped();
    loops.push(runInterceptorSessions(runtime, instanceId));
    loops.push(pollBlockHeight(runtime, failFatally));
    loops.push(watchBlockEpochs(runtime));
    ports = await connectEventPortsWaiting(nodeId);
    connected.publisher = ports.publisher;
    throwIfStopped();
    statusReporter.start(ports.status);
    await ports.commands.start(commandApplier(runtime), failFatally);
    throwIfStopped();
    loops.push(finalResolutions.recover(ports.settleHistory));
    phase = "running";
    logger.info({ instanceId }, "interceptor bridge running");
  })();
  ready.catch(async (error: unknown) => {
    if (!stopRequested) {
      failure = errorText(error);
      logger.error({ err: failure }, "the interceptor bridge could not start");
    }
    await shutdown(stopRequested ? "stopped" : "failed");
  });

  /** connectLnd, waiting while lnd's TLS cert or macaroon file does not exist yet (lnd writes them when it starts). */
  async function connectLndWaiting(): Promise<LndClient> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await (deps.connectLnd ?? defaultConnectLnd)(config);
      } catch (error) {
        const text = errorText(error);
        // lndFilesRequired (mounted files, in a container): a missing one is a mistake, not lnd still starting.
        if (!text.includes("ENOENT") || config.lndFilesRequired || controller.signal.aborted) throw error;
        const delayMs = reconnectDelayMs(attempt, config.reconnect);
        waitingFor = `lnd's files (${text})`;
        logger.info({ err: text, delayMs, attempt }, "waiting for lnd's TLS cert and macaroon files");
        await abortableDelay(delayMs, controller.signal);
        throwIfStopped();
      }
    }
  }

  /**
   * The event ports, retried with backoff while Kafka is unreachable at start (the Kafka adapter
   * waits for its topics itself). Wrong credentials (KafkaJSSASLAuthenticationError) and the
   * schema registry's errors (SchemaRegistryError: unreachable, or an incompatible schema) refuse:
   * the bridge does not start. A stop meanwhile gives up at once; ports that arrive after it are closed.
   */
  async function connectEventPortsWaiting(id: string): Promise<EventPorts> {
    const connect = deps.connectEventPorts ?? connectKafkaEventPorts;
    let onAbort = () => {};
    const stopped = new Promise<{ ok: false; error: Error; aborted: true }>((resolve) => {
      onAbort = () => resolve({ ok: false, error: new Error("the bridge was stopped while starting"), aborted: true });
      if (controller.signal.aborted) onAbort();
      else controller.signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      for (let attempt = 0; ; attempt++) {
        const attemptResult = connect(config, id, logger, controller.signal, metrics);
        const outcome = await Promise.race([
          attemptResult.then(
            (value) => ({ ok: true as const, value }),
            (error: unknown) => ({ ok: false as const, error }),
          ),
          stopped,
        ]);
        if (outcome.ok) return outcome.value;
        if ("aborted" in outcome) {
          void attemptResult.then((late) => late.close()).catch(() => {});
          throw outcome.error;
        }
        const error = outcome.error;
        // Wrong credentials, an unreachable schema registry or a schema it refuses: no wait fixes them.
        const name = (error as { name?: unknown } | null)?.name;
        if (name === "KafkaJSSASLAuthenticationError" || name === "SchemaRegistryError") throw error;
        const delayMs = reconnectDelayMs(attempt, config.reconnect);
        kafka.failed(error);
        waitingFor = `Kafka at ${config.kafka.brokers.join(",")} (${errorText(error)})`;
        logger.warn({ err: errorText(error), delayMs, attempt, brokers: config.kafka.brokers }, "waiting for Kafka: could not connect the event log");
        await abortableDelay(delayMs, controller.signal);
        throwIfStopped();
      }
    } finally {
      controller.signal.removeEventListener("abort", onAbort);
      waitingFor = undefined;
    }
  }

  function throwIfStopped(): void {
    if (startupFatal !== undefined) throw startupFatal;
    if (controller.signal.aborted) throw new Error("the bridge was stopped while starting");
  }

  function failFatally(error: Error): void {
    if (phase === "starting") {
      // The command consumer and the block-height poll run before start-up ends; dropping
      // their fatal errors here would leave a "running" bridge that applies no commands or
      // talks to another node. The abort makes start-up fail with this error.
      startupFatal ??= error;
      controller.abort();
      return;
    }
    if (phase !== "running") return;
    failure = error.message;
    logger.fatal({ err: error.message }, "the interceptor bridge stops");
    reportFailure(error);
    void shutdown("failed");
  }

  function shutdown(finalPhase: "stopped" | "failed"): Promise<void> {
    stopping ??= (async () => {
      phase = "stopping";
      // The batch in hand completes (its outcomes are published) before the streams close.
      await ports?.commands.stop().catch((error: unknown) => logger.warn({ err: errorText(error) }, "stopping the command consumer"));
      controller.abort();
      // Closing lnd's connection ends the streams and any call in flight (GetInfo, lookups),
      // so the loops finish now rather than at their deadlines.
      lnd?.close();
      await Promise.allSettled(loops);
      await Promise.allSettled([...pending]);
      await ports?.close().catch((error: unknown) => logger.warn({ err: errorText(error) }, "closing the event log"));
      await metricsServer?.close();
      phase = finalPhase;
      logger.info({ phase }, "interceptor bridge stopped");
    })();
    return stopping;
  }

  return {
    ready,
    failed,
    metrics,
    status: () => ({
      phase,
      nodeName: config.nodeName,
      nodeId,
      virtualScid: virtualScid?.toString(),
      interceptorStreamOpen: state.session !== undefined,
      interceptorSessions: state.interceptorSessions,
      htlcEventsSubscribed: state.htlcEventsSubscribed,
      heldHtlcs: state.session?.held.size ?? 0,
      awaitingFinal: state.finals.size,
      blockHeight: state.blockHeight,
      recovery: finals?.recovery ?? "pending",
      recoveredSettles: finals?.recoveredSettles ?? 0,
      metricsPort: metricsServer?.port,
      error: failure,
      waitingFor,
      kafka: kafka.describe(),
      publishBacklog: backlog?.size ?? 0,
      outcomeBacklog: finals?.outcomeBacklog ?? 0,
    }),
    async stop() {
      stopRequested = true;
      if (phase === "starting") {
        // A start-up in progress notices the abort, gives up and shuts down.
        controller.abort();
        await ready.catch(() => {});
      }
      await shutdown(phase === "failed" ? "failed" : "stopped");
    },
  };
}

async function defaultConnectLnd(config: BridgeConfig): Promise<LndClient> {
  return connectLnd({
    grpcAddress: config.lnd.grpcAddress,
    tlsCertPath: config.lnd.tlsCertPath,
    macaroonPath: config.lnd.macaroonPath,
  });
}
