// Prometheus metrics of one bridge, in a registry of its own: several bridges can run in one
// process (tests, the demo) without sharing counters. Every series carries the node label.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export type StreamName = "interceptor" | "htlc_events";

export interface BridgeMetrics {
  readonly registry: Registry;
  /** Every HTLC lnd offered, ours or not. */
  readonly htlcsIntercepted: Counter;
  /** Forwards not for the virtual scid, handed back to lnd at once. */
  readonly htlcsResumed: Counter;
  /** HtlcIntercepted records durable in the log. */
  readonly htlcsPublished: Counter;
  readonly publishFailures: Counter<"record">;
  readonly heldHtlcs: Gauge;
  readonly commandsApplied: Counter<"action">;
  readonly commandsSkipped: Counter<"reason">;
  readonly commandsRefused: Counter;
  /** SETTLEs whose expected values differ from what lnd offered (or are missing): failed instead. */
  readonly settleMismatch: Counter<"mismatch">;
  readonly finalOutcomes: Counter<"result">;
  readonly reconnects: Counter<"stream">;
  readonly streamConnected: Gauge<"stream">;
  readonly blockHeight: Gauge;
  /** Seconds from the HTLC's offer on the current stream to the SETTLE written to lnd. */
  readonly settleLatency: Histogram;
  /** Records waiting for the event log (or in flight to it), by record type. */
  readonly publishBacklog: Gauge<"record">;
  /** HTLCs the bridge failed back itself because of the publish backlog. */
  readonly backlogFailed: Counter<"reason">;
  /** BridgeStatus records the event log took. */
  readonly statusPublished: Counter;
  /** BridgeStatus records the event log did not take (dropped: the next one supersedes them). */
  readonly statusPublishFailures: Counter;
  /** Command records no retry can decode, set aside in this node's dead-letter topic (headers only). */
  readonly deadLettered: Counter<"reason" | "topic">;
  /** Command partitions held back by a newer schema version (upgrade the bridge). */
  readonly stalledPartitions: Gauge;
}

export function createBridgeMetrics(nodeName: string, options: { defaultMetrics?: boolean } = {}): BridgeMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ node: nodeName });
  if (options.defaultMetrics === true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    htlcsIntercepted: new Counter({
      name: "ic_bridge_htlcs_intercepted_total",
      help: "HTLCs offered by lnd's interceptor, for the virtual scid or not",
      registers,
    }),
    htlcsResumed: new Counter({
      name: "ic_bridge_htlcs_resumed_total",
      help: "Forwards not for the virtual scid, resumed at once",
      registers,
    }),
    htlcsPublished: new Counter({
      name: "ic_bridge_htlcs_published_total",
      help: "HtlcIntercepted records written to the event log",
      registers,
    }),
    publishFailures: new Counter({
      name: "ic_bridge_publish_failures_total",
      help: "Records the event log did not accept (they stay in the publish backlog and are retried)",
      labelNames: ["record"],
      registers,
    }),
    heldHtlcs: new Gauge({
      name: "ic_bridge_held_htlcs",
      help: "Coordinator HTLCs held on the current interceptor stream, not answered yet",
      registers,
    }),
    commandsApplied: new Counter({
      name: "ic_bridge_commands_applied_total",
      help: "Commands whose resolution was sent to lnd",
      labelNames: ["action"],
      registers,
    }),
    commandsSkipped: new Counter({
      name: "ic_bridge_commands_skipped_total",
      help: "Commands for this node whose circuit key was not held on the current stream (SKIPPED_NOT_HELD)",
      labelNames: ["reason"],
      registers,
    }),
    commandsRefused: new Counter({
      name: "ic_bridge_commands_refused_total",
      help: "Commands refused because they would give lnd a wrong answer (matcher bug)",
      registers,
    }),
    settleMismatch: new Counter({
      name: "ic_bridge_settle_mismatch_total",
      help: "SETTLE commands refused because the HTLC lnd holds under the key is not the one decided on (incoming amount or expiry differ, or the command has no expected values); the HTLC is failed instead",
      labelNames: ["mismatch"],
      registers,
    }),
    finalOutcomes: new Counter({
      name: "ic_bridge_final_outcomes_total",
      help: "FINAL_SETTLED / FINAL_FAILED outcomes published",
      labelNames: ["result"],
      registers,
    }),
    reconnects: new Counter({
      name: "ic_bridge_reconnects_total",
      help: "Times an lnd stream was reopened after it ended",
      labelNames: ["stream"],
      registers,
    }),
    streamConnected: new Gauge({
      name: "ic_bridge_stream_connected",
      help: "1 while the lnd stream is open",
      labelNames: ["stream"],
      registers,
    }),
    blockHeight: new Gauge({
      name: "ic_bridge_block_height",
      help: "lnd's best block height, from its block notifications (or the GetInfo poll while they are down)",
      registers,
    }),
    settleLatency: new Histogram({
      name: "ic_bridge_settle_latency_seconds",
      help: "From the HTLC's offer by lnd to the SETTLE sent back",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    publishBacklog: new Gauge({
      name: "ic_bridge_publish_backlog",
      help: "Records waiting to be published to the event log or in flight (htlc-intercepted: HTLCs held meanwhile; htlc-outcome: FINAL outcomes); grows while Kafka is unreachable",
      labelNames: ["record"],
      registers,
    }),
    backlogFailed: new Counter({
      name: "ic_bridge_backlog_failed_total",
      help: "HTLCs for the virtual scid the bridge failed back with TEMPORARY_CHANNEL_FAILURE because they could not be published: backlog_full (a new HTLC met a full backlog) or auto_fail_margin (an entry came near its auto-fail height)",
      labelNames: ["reason"],
      registers,
    }),
    statusPublished: new Counter({
      name: "ic_bridge_status_published_total",
      help: "BridgeStatus records (liveness, lnd's best block) written to this node's status topic",
      registers,
    }),
    statusPublishFailures: new Counter({
      name: "ic_bridge_status_publish_failures_total",
      help: "BridgeStatus records the event log did not take; dropped, not retried (the next one supersedes them)",
      registers,
    }),
    deadLettered: new Counter({
      name: "ic_bridge_dead_lettered_total",
      help: "Command records no retry can decode (garbage, unknown schema, edited schema version), recorded in <deployment>.bridge.dead-letters.v1.<node> (headers only, never the value: it may hold a preimage) before the partition moved on; alert on any",
      labelNames: ["reason", "topic"],
      registers,
    }),
    stalledPartitions: new Gauge({
      name: "ic_bridge_stalled_partitions",
      help: "Command partitions held back by a record of a schema version this bridge does not know (readers upgrade first); /readyz is not ready while any is",
      registers,
    }),
  };
}
