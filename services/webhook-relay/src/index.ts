// @ic/webhook-relay: POSTs the public invoice events, signed, to configured endpoints.
export * from "./delivery/index.ts";
export { parseRelayConfig, type RelayConfig, type EndpointConfig, type ConfigProblem } from "./config.ts";
export { loadRelayConfig, resolveFiles, type LoadedConfig, type ResolvedEndpoint } from "./config-source.ts";
export { startRelay, type Relay, type RelayOptions } from "./relay.ts";
export { createRelayLogger } from "./relay-logger.ts";
export { createRelayMetrics, type RelayMetrics } from "./relay-metrics.ts";
export { ALL_ENDPOINTS, WEBHOOK_DLQ_HEADERS } from "./kafka/webhook-dead-letters.ts";
