// One record of the public topic: decode it, deliver it to every endpoint side by side, and
// dead-letter it for each endpoint that never took it. The handler returns (so the committing
// consumer may commit the offset) only once every endpoint delivered or dead-lettered the event;
// a stop abandons the deliveries by throwing, and a dead letter that cannot be written throws too:
// in both cases the offset stays and the event is handled again (endpoints that already took it
// get it again, with the same ic-webhook-id, for their dedupe).
//
// Order: records of one invoice share a key (its payment hash), so one partition, and the
// consumer hands one key's records over one after another (keyConcurrency): an invoice's next
// event is not sent to any endpoint before the previous one was delivered or dead-lettered.
import {
  EventDecodeError,
  decodeAs,
  decodeFailureAction,
  type ConsumedRecord,
  type InvoiceEvent,
  type RecordHandler,
} from "@ic/event-log";
import { webhookBody } from "../delivery/index.ts";
import { deliverToEndpoint, type DeliveryClock, type DeliveryEndpoint } from "../endpoint-delivery.ts";
import type { RelayLogger } from "../relay-logger.ts";
import type { RelayMetrics } from "../relay-metrics.ts";
import { ALL_ENDPOINTS, type WebhookDeadLetterWriter } from "./webhook-dead-letters.ts";

export interface InvoiceEventHandlerDeps {
  readonly deployment: string;
  readonly endpoints: readonly DeliveryEndpoint[];
  readonly deadLetters: Pick<WebhookDeadLetterWriter, "write">;
  readonly clock: DeliveryClock;
  readonly signal: AbortSignal;
  readonly metrics: RelayMetrics;
  readonly logger: RelayLogger;
  /**
   * While a record is in delivery the group is told the relay is alive this often: a POST may run
   * up to its timeout with no backoff (where the delivery loop heartbeats itself) in between.
   */
  readonly heartbeatEveryMs?: number;
  /** Partitions held by a record of a newer schema version ("topic/partition" -> offset), for /readyz. */
  readonly held?: Map<string, string>;
}

export function createInvoiceEventHandler(deps: InvoiceEventHandlerDeps): RecordHandler {
  const { metrics, logger } = deps;
  return async (record: ConsumedRecord, context) => {
    metrics.eventsConsumed.inc();
    const where = { topic: record.topic, partition: record.partition, offset: record.offset };
    const partitionId = `${record.topic}/${record.partition}`;
    let event: InvoiceEvent;
    try {
      event = decodeAs("invoice-event", record);
      if (deps.held?.delete(partitionId) === true) metrics.stalledPartitions.set(deps.held.size);
    } catch (error) {
      if (!(error instanceof EventDecodeError)) throw error;
      // A newer schema version: the relay is upgraded after the matcher; hold the partition.
      if (decodeFailureAction(error) === "hold") {
        logger.error(
          { ...where, reason: error.reason, err: error.message },
          "invoice event of a newer schema version: partition held until the relay is upgraded",
        );
        deps.held?.set(partitionId, record.offset);
        metrics.stalledPartitions.set(deps.held?.size ?? 1);
        throw error;
      }
      await deps.deadLetters.write(record, {
        reason: error.reason,
        detail: error.message,
        endpoint: ALL_ENDPOINTS,
        attempts: 0,
        lastFailure: "undecodable",
        eventId: "",
      });
      metrics.deadLettered.inc({ endpoint: ALL_ENDPOINTS, reason: error.reason });
      logger.warn(
        { ...where, reason: error.reason },
        "undecodable record on the invoice events topic dead-lettered",
      );
      return;
    }
    const body = webhookBody(event, deps.deployment);
    const fields = {
      paymentHash: event.paymentHash,
      eventId: event.eventId,
      sequence: event.sequence,
      kind: event.kind,
    };
    const writtenAtMs = Number(record.timestamp);
    // A failed heartbeat (a rebalance under way) is reported by the next one the delivery loop
    // awaits, or by kafkajs when the batch ends; here it is only kept from being unhandled.
    const keepAlive =
      deps.heartbeatEveryMs === undefined
        ? undefined
        : setInterval(() => void context.heartbeat().catch(() => undefined), deps.heartbeatEveryMs);
    try {
      await deliverAll(event);
    } finally {
      if (keepAlive !== undefined) clearInterval(keepAlive);
    }
    async function deliverAll(event: InvoiceEvent): Promise<void> {
      // allSettled, not all: when one endpoint fails (a dead letter not written), the others'
      // deliveries of this event must end before the record is handed over again, or an old
      // retry could reach an endpoint after the redelivery's next event of the same invoice.
      const settled = await Promise.allSettled(
        deps.endpoints.map(async (endpoint) => {
          const result = await deliverToEndpoint({
            endpoint,
            eventId: event.eventId,
            body,
            clock: deps.clock,
            signal: deps.signal,
            heartbeat: context.heartbeat,
            observer: {
              attemptFailed(attempt, failure, retryInMs) {
                metrics.attemptFailures.inc({ endpoint: endpoint.name, failure });
                logger.warn(
                  { ...fields, endpoint: endpoint.name, attempt, failure, retryInMs },
                  retryInMs === undefined
                    ? "webhook attempt failed; giving up"
                    : "webhook attempt failed; retrying",
                );
              },
            },
          });
          if (result.kind === "delivered") {
            metrics.deliveries.inc({ endpoint: endpoint.name });
            if (Number.isFinite(writtenAtMs))
              metrics.deliveryLatency.observe(
                { endpoint: endpoint.name },
                Math.max(0, deps.clock.nowMs() - writtenAtMs) / 1000,
              );
            logger.debug(
              { ...fields, endpoint: endpoint.name, attempts: result.attempts },
              "webhook delivered",
            );
            return;
          }
          await deps.deadLetters.write(record, {
            reason: result.reason,
            detail: `endpoint ${endpoint.name}: ${result.lastFailure} after ${result.attempts} attempt(s)`,
            endpoint: endpoint.name,
            attempts: result.attempts,
            lastFailure: result.lastFailure,
            eventId: event.eventId,
          });
          metrics.deadLettered.inc({ endpoint: endpoint.name, reason: result.reason });
          logger.error(
            {
              ...fields,
              endpoint: endpoint.name,
              attempts: result.attempts,
              reason: result.reason,
              failure: result.lastFailure,
            },
            "webhook dead-lettered",
          );
        }),
      );
      const failure = settled.find((outcome) => outcome.status === "rejected");
      if (failure !== undefined) throw failure.reason;
    }
  };
}
