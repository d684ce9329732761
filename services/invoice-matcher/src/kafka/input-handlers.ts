// What the matcher does with each kind of input record once it is known to be readable and to
// come from its node (input-record.ts): translate it into a decider input, run it through the
// invoice processor (one Postgres transaction), and count and log the result.
import type { Logger } from "pino";
import type pg from "pg";
import type { BridgeStatus, ConsumedRecord, HtlcIntercepted } from "@ic/event-log";
import type { CoordinatorIdentity } from "../application/coordinator-identity.ts";
import { htlcArrivedFrom } from "../application/htlc-arrival.ts";
import type { InvoiceProcessor } from "../application/invoice-processor.ts";
import type { MatcherMetrics } from "../metrics.ts";
import { paymentHashOfHtlc, recordBridgeHeartbeat } from "../postgres/invoice-store.ts";
import { HeightWrites } from "./height-writes.ts";
import type { FinalOutcome } from "./input-record.ts";

export interface InputHandlers {
  htlc(htlc: HtlcIntercepted, record: ConsumedRecord): Promise<void>;
  finalOutcome(outcome: FinalOutcome): Promise<void>;
  bridgeStatus(status: BridgeStatus): Promise<void>;
}

export function createInputHandlers(deps: {
  pool: pg.Pool;
  processor: InvoiceProcessor;
  identity: CoordinatorIdentity;
  now: () => number;
  logger: Logger;
  metrics: MatcherMetrics;
}): InputHandlers {
  const { pool, processor, identity, now, logger, metrics } = deps;
  const heights = new HeightWrites();
  return {
    async bridgeStatus(status) {
      // The node's block height (and liveness) while no HTLC arrives: the ticker cancels a
      // waiting hold set before its auto-fail height from it. Only ever rising (greatest in
      // recordBridgeHeartbeat): a late or replayed status cannot lower it.
      await recordBridgeHeartbeat(pool, status.nodeId, now(), status.blockHeight);
      metrics.bridgeStatusRecords.inc();
      logger.debug(
        {
          nodeId: status.nodeId,
          blockHeight: status.blockHeight,
          bridgeInstanceId: status.bridgeInstanceId,
          interceptorStreamOpen: status.interceptorStreamOpen,
          heldHtlcs: status.heldHtlcs,
          publishBacklog: status.publishBacklog,
        },
        "bridge status",
      );
    },

    async htlc(htlc, record) {
      const arrivedAt = now();
      // The node's height, only when it rises (height-writes.ts: once per node and block, not a
      // statement per HTLC), and BEFORE the decision: nothing that can fail may follow a decision's
      // commit here. A write failing after it failed the record, and its redelivery was decided
      // again as a replay: a HELD part answered nothing, a part of a set settled meanwhile a second
      // SETTLE (a Postgres cut between the two: test/failover/postgres-outage.int.spec.ts).
      if (heights.raises(htlc.nodeId, htlc.blockHeight)) {
        await recordBridgeHeartbeat(pool, htlc.nodeId, arrivedAt, htlc.blockHeight);
        heights.wrote(htlc.nodeId, htlc.blockHeight);
      }
      const { input, onionKey } = htlcArrivedFrom(htlc, identity, arrivedAt);
      const { decision } = await processor.process(htlc.paymentHash, input, onionKey);
      const decidedAt = now();
      metrics.htlcsReceived.inc();
      for (const event of decision.events)
        if (event.type === "HtlcRejected" && event.data.reason === "reoffered_htlc_differs") {
          metrics.suspectHtlcs.inc();
          logger.warn(
            { paymentHash: htlc.paymentHash, nodeId: htlc.nodeId, circuitKey: `${htlc.circuitKey.chanId}:${htlc.circuitKey.htlcId}`, differingFields: event.data.differingFields },
            `suspect HTLC record: re-offered HTLC differs from the recorded one: ${(event.data.differingFields ?? []).join(", ")}; failed, not settled`,
          );
        }
      logger.info(
        {
          paymentHash: htlc.paymentHash,
          circuitKey: `${htlc.circuitKey.chanId}:${htlc.circuitKey.htlcId}`,
          nodeId: htlc.nodeId,
          events: decision.events.map((e) => e.type),
          commands: decision.commands.map((c) => c.type),
          // The HTLC's way so far, for tracing one HTLC (test/bench/htlc-trace.ts): lnd offered
          // it to the bridge, the bridge handed the record to its producer, the matcher took it
          // off the topic, its decision committed.
          interceptedAtMs: htlc.interceptedAtMs,
          producedAtMs: Number(record.timestamp),
          receivedAtMs: arrivedAt,
          committedAtMs: decidedAt,
        },
        "htlc decided",
      );
    },

    async finalOutcome(outcome) {
      const key = { nodeId: outcome.nodeId, chanId: outcome.circuitKey.chanId, htlcId: outcome.circuitKey.htlcId };
      // The schema requires the payment hash; an empty one falls back to the hash recorded when
      // the HTLC was decided (by circuit key). An HTLC this matcher never recorded has no invoice
      // to change: ignored by design.
      const paymentHash = outcome.paymentHash || (await paymentHashOfHtlc(pool, key));
      if (paymentHash === undefined) return;
      const { decision } = await processor.process(paymentHash, {
        type: "HtlcFinal",
        data: { key, paymentHash, settled: outcome.kind === "FINAL_SETTLED", now: now() },
      });
      if (decision.events.some((e) => e.type === "InvoiceSettled")) {
        metrics.invoicesSettled.inc();
        logger.info({ paymentHash }, "invoice settled (lnd reports every HTLC final)");
      }
      for (const event of decision.events) {
        if (event.type !== "InvoiceSettleFailed") continue;
        metrics.settleFailed.inc();
        const { settledHtlcs, failedHtlcs, amountSettledMsat, amountFailedMsat } = event.data;
        logger.error(
          { paymentHash, settledParts: settledHtlcs.length, failedParts: failedHtlcs.length, amountSettledMsat: String(amountSettledMsat), amountFailedMsat: String(amountFailedMsat) },
          "invoice SETTLE_FAILED: lnd failed a part it was told to settle",
        );
      }
    },
  };
}
