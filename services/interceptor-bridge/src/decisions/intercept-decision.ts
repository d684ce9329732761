// What to do with one HTLC the interceptor offers. Only forwards over this node's virtual scid
// belong to the coordinator; every other forward is an ordinary routing payment that lnd must
// get back at once (RESUME), without a Kafka round trip, or the node's routing slows down with
// the event log.
import type { HtlcIntercepted } from "@ic/event-log";
import type { InterceptedHtlc, InterceptFailureCode } from "@ic/lnd-client";
import { ONION_PACKET_LENGTH } from "@ic/lightning-protocol";

export interface InterceptContext {
  /** This node's pubkey, hex. */
  readonly nodeId: string;
  readonly virtualScid: bigint;
  readonly blockHeight: number;
  readonly nowMs: number;
  /** The interceptor session that received the HTLC (tracing only). */
  readonly sessionId: string;
}

export type InterceptDecision =
  | { readonly kind: "resume" }
  /** Keep it held and hand it to the matcher. */
  | { readonly kind: "hold"; readonly record: HtlcIntercepted }
  /** Ours, but it cannot be handed over: fail it back so the payer can retry elsewhere. */
  | { readonly kind: "fail"; readonly failureCode: InterceptFailureCode; readonly reason: string };

export function decideIntercepted(htlc: InterceptedHtlc, context: InterceptContext): InterceptDecision {
  if (htlc.outgoingRequestedChanId !== context.virtualScid) return { kind: "resume" };
  // lnd always hands over the 1366-byte packet for the next hop; anything else cannot be
  // peeled, and the event log's schema (fixed 1366) could not carry it either.
  if (htlc.onionBlob.length !== ONION_PACKET_LENGTH) {
    return {
      kind: "fail",
      failureCode: "TEMPORARY_CHANNEL_FAILURE",
      reason: `onion blob of ${htlc.onionBlob.length} bytes, expected ${ONION_PACKET_LENGTH}`,
    };
  }
  return { kind: "hold", record: htlcInterceptedRecord(htlc, context) };
}

export function htlcInterceptedRecord(htlc: InterceptedHtlc, context: InterceptContext): HtlcIntercepted {
  const customRecords: Record<string, Buffer> = {};
  for (const [type, value] of htlc.customRecords) customRecords[type.toString()] = Buffer.from(value);
  return {
    nodeId: context.nodeId,
    circuitKey: { chanId: htlc.incomingCircuitKey.chanId, htlcId: htlc.incomingCircuitKey.htlcId },
    paymentHash: htlc.paymentHash.toString("hex"),
    incomingAmountMsat: htlc.incomingAmountMsat,
    outgoingAmountMsat: htlc.outgoingAmountMsat,
    incomingExpiry: htlc.incomingExpiry,
    outgoingExpiry: htlc.outgoingExpiry,
    autoFailHeight: htlc.autoFailHeight,
    outgoingRequestedChanId: htlc.outgoingRequestedChanId,
    onionBlob: Buffer.from(htlc.onionBlob),
    customRecords,
    blockHeight: context.blockHeight,
    interceptedAtMs: context.nowMs,
    bridgeInstanceId: context.sessionId,
  };
}
