// @ic/interceptor-bridge: one process per lnd node between lnd's HTLC interceptor and the event log.
export {
  startBridge,
  type RunningBridge,
  type BridgeDeps,
  type BridgePhase,
  type BridgeStatus,
} from "./bridge.ts";
export {
  bridgeConfig,
  BridgeConfigError,
  configEnvironmentVariables,
  envNameFor,
  LND_NETWORKS,
  LOG_LEVELS,
  parseBridgeConfig,
  type BridgeConfig,
  type BridgeConfigInput,
  type ConfigProblem,
  type LndNetwork,
  type LogLevel,
} from "./config.ts";
export { readBridgeConfig, type ConfigSource } from "./config-source.ts";
export {
  nodeProblems,
  nodeWarnings,
  NodeValidationError,
  type NodeCheck,
  type NodeExpectations,
  type NodeProbe,
  type NodeProblem,
} from "./lnd/node-validation.ts";
export { compareLndVersions, parseLndVersion, type LndVersion } from "./decisions/lnd-version.ts";
export { createBridgeLogger, type BridgeLogger } from "./bridge-logger.ts";
export { createBridgeMetrics, type BridgeMetrics } from "./bridge-metrics.ts";
export type {
  CommandBatchHandler,
  CommandSource,
  EventPorts,
  HtlcPublisher,
  SettleHistory,
  StatusPublisher,
} from "./event-ports.ts";
export { bridgeTopics, connectKafkaEventPorts } from "./kafka/kafka-event-ports.ts";
export { commandGroupId } from "./kafka/kafka-command-source.ts";
export type { RecoveryState } from "./lnd/final-resolution-reporter.ts";
