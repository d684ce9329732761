// Prometheus metrics of the matcher (prom-client), served on metricsPort at /metrics.
import { createServer, type Server } from "node:http";
import { probeRequestListener, type ReadyReport } from "@ic/service-probes";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

export interface MatcherMetrics {
  registry: Registry;
  htlcsReceived: Counter;
  commandsPublished: Counter<"action">;
  invoicesSettled: Counter;
  settleFailed: Counter;
  outboxPublishFailures: Counter;
  outboxQuarantined: Counter<"kind">;
  stalledPartitions: Gauge;
  tickBlockHeight: Gauge;
  undecodableRecords: Counter<"topic">;
  suspectHtlcs: Counter;
  rejectedRecords: Counter<"reason">;
  deadLettered: Counter<"reason" | "topic">;
  bridgeStatusRecords: Counter;
}

export function createMatcherMetrics(): MatcherMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "ic_matcher_" });
  return {
    registry,
    htlcsReceived: new Counter({ name: "ic_matcher_htlcs_received_total", help: "Intercepted HTLC records decided", registers: [registry] }),
    bridgeStatusRecords: new Counter({
      name: "ic_matcher_bridge_status_records_total",
      help: "Bridge status records recorded (their block height raises bridge_heartbeats, which the ticker reads)",
      registers: [registry],
    }),
    commandsPublished: new Counter({
      name: "ic_matcher_commands_published_total",
      help: "Settle/fail commands published to bridges",
      labelNames: ["action"],
      registers: [registry],
    }),
    invoicesSettled: new Counter({ name: "ic_matcher_invoices_settled_total", help: "Invoices lnd reported final-settled", registers: [registry] }),
    settleFailed: new Counter({
      name: "ic_matcher_settle_failed_total",
      help: "Invoices ended SETTLE_FAILED: lnd reported every part of the settle-requested set final and failed at least one (a settle lnd did not carry out); alert on any, each is logged at error with the amounts settled and failed",
      registers: [registry],
    }),
    outboxPublishFailures: new Counter({
      name: "ic_matcher_outbox_publish_failures_total",
      help: "Outbox publish rounds that stopped on a row (it and all later records wait); alert if it keeps rising",
      registers: [registry],
    }),
    tickBlockHeight: new Gauge({
      name: "ic_matcher_tick_block_height",
      help: "The block height the last completed tick round decided with (the highest its bridges reported): hold sets are cancelled before their parts' auto-fail height by it",
      registers: [registry],
    }),
    stalledPartitions: new Gauge({
      name: "ic_matcher_stalled_partitions",
      help: "Input partitions held back by a record of a schema version this matcher does not know (readers upgrade first); /readyz is not ready while any is",
      registers: [registry],
    }),
    outboxQuarantined: new Counter({
      name: "ic_matcher_outbox_quarantined_total",
      help: "Outbox rows that can never be published, set aside with their reason (outbox.quarantined_reason); alert on any: the record, maybe a command, never leaves",
      labelNames: ["kind"],
      registers: [registry],
    }),
    undecodableRecords: new Counter({
      name: "ic_matcher_undecodable_records_total",
      help: "Input records that do not decode (unknown schema, bad Avro), dead-lettered (ic_matcher_dead_lettered_total has them by reason); each is logged with its offset",
      labelNames: ["topic"],
      registers: [registry],
    }),
    suspectHtlcs: new Counter({
      name: "ic_matcher_suspect_htlcs_total",
      help: "HTLC records that named a recorded circuit key with other amounts, expiries or onion key (failed, never settled); each is logged at warn",
      registers: [registry],
    }),
    rejectedRecords: new Counter({
      name: "ic_matcher_rejected_records_total",
      help: "Input records refused before any decision because they cannot come from their claimed source (unknown node, wrong virtual scid); each is logged at warn",
      labelNames: ["reason"],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: "ic_matcher_dead_lettered_total",
      help: "Input records no retry can fix (undecodable, unknown schema, refused as not from their node), copied to <deployment>.matcher.dead-letters.v1 before the partition moved on; alert on any, each is logged with its offset",
      labelNames: ["reason", "topic"],
      registers: [registry],
    }),
  };
}

/** What /readyz reports; a failed check names what failed (no secrets: pg error messages name host and user at most). */
export type ReadinessCheck = () => Promise<ReadyReport>;

/**
 * GET /metrics (Prometheus), /healthz (200 while the process serves), /readyz (200 when the
 * readiness check passes, else 503 with its reason: for a container orchestrator's probes). The
 * endpoint is @ic/service-probes'; a failed /metrics answers 500 with an empty body here.
 */
export function serveMetrics(registry: Registry, port: number, host = "127.0.0.1", readiness: ReadinessCheck = async () => ({ ready: true })): Server {
  const server = createServer(probeRequestListener(registry, { live: () => ({ live: true }), ready: readiness }, { metricsErrorText: false }));
  server.listen(port, host);
  return server;
}
