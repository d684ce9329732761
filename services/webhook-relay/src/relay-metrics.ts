// Prometheus metrics of one relay, in a registry of its own (tests run several relays in one process).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface RelayMetrics {
  readonly registry: Registry;
  /** Invoice events read from the public topic (decoded or not). */
  readonly eventsConsumed: Counter;
  /** Events an endpoint answered 2xx. */
  readonly deliveries: Counter<"endpoint">;
  /** Failed attempts (each retry counts), by endpoint and failure (http-503, timeout, network-ECONNREFUSED). */
  readonly attemptFailures: Counter<"endpoint" | "failure">;
  /** Events set aside in the dead-letter topic: per endpoint (attempts-exhausted, rejected) or undecodable (endpoint "*"). */
  readonly deadLettered: Counter<"endpoint" | "reason">;
  /** Seconds from the event's record timestamp (when it was written to the topic) to the endpoint's 2xx. */
  readonly deliveryLatency: Histogram<"endpoint">;
  /** Partitions held by an event of a newer schema version (upgrade the relay). */
  readonly stalledPartitions: Gauge;
}

export function createRelayMetrics(options: { defaultMetrics?: boolean } = {}): RelayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics === true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    eventsConsumed: new Counter({
      name: "ic_webhook_events_consumed_total",
      help: "Invoice events read from the public topic",
      registers,
    }),
    deliveries: new Counter({
      name: "ic_webhook_deliveries_total",
      help: "Events an endpoint took (2xx)",
      labelNames: ["endpoint"],
      registers,
    }),
    attemptFailures: new Counter({
      name: "ic_webhook_attempt_failures_total",
      help: "Failed POST attempts (retried or not), by endpoint and failure",
      labelNames: ["endpoint", "failure"],
      registers,
    }),
    deadLettered: new Counter({
      name: "ic_webhook_dead_lettered_total",
      help: 'Events dead-lettered, by endpoint ("*": undecodable) and reason; alert on any',
      labelNames: ["endpoint", "reason"],
      registers,
    }),
    deliveryLatency: new Histogram({
      name: "ic_webhook_delivery_latency_seconds",
      help: "From the event's record timestamp to the endpoint's 2xx, retries included",
      labelNames: ["endpoint"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
      registers,
    }),
    stalledPartitions: new Gauge({
      name: "ic_webhook_stalled_partitions",
      help: "Partitions held by an invoice event of a newer schema version (upgrade the relay)",
      registers,
    }),
  };
}
