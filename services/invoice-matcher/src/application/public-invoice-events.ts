// Which domain events become public invoice events (ic.invoice.events.v1), and their content.
// Public: no preimage, no payment secret, no onion data.
import type { InvoiceEvent as PublicInvoiceEvent, InvoiceEventKind } from "@ic/event-log";
import { htlcKeyId, type InvoiceEvent, type InvoiceState } from "../domain/index.ts";

export function publicKindOf(eventType: string): InvoiceEventKind | undefined {
  switch (eventType) {
    case "InvoiceCreated":
      return "CREATED";
    case "InvoiceAccepted":
      return "ACCEPTED";
    case "InvoiceSettleRequested":
      return "SETTLE_REQUESTED";
    case "InvoiceSettled":
      return "SETTLED";
    case "InvoiceSettleFailed":
      return "SETTLE_FAILED";
    case "InvoiceCancelled":
      return "CANCELLED";
    case "InvoiceExpired":
      return "EXPIRED";
    default:
      return undefined;
  }
}

/** The public record for one domain event, or undefined for internal-only events. */
export function toPublicInvoiceEvent(
  event: InvoiceEvent,
  stateAfter: InvoiceState,
  sequence: number,
  eventId: string,
  atMs: number,
): PublicInvoiceEvent | undefined {
  const kind = publicKindOf(event.type);
  const invoice = stateAfter.invoice;
  if (kind === undefined || invoice === null || stateAfter.paymentHash === null) return undefined;
  const settledKeys = new Set(invoice.settledSet);
  const settleFailed = event.type === "InvoiceSettleFailed" ? event.data : null;
  // SETTLE_FAILED says of each part whether lnd settled it, from the event (not the state).
  const settledByLnd = new Set(settleFailed?.settledHtlcs.map(htlcKeyId) ?? []);
  const setHtlcs = [...stateAfter.htlcs.entries()]
    .filter(([id, h]) => settledKeys.has(id) || (kind === "ACCEPTED" && h.status === "HELD"))
    .map(([id, h]) => ({
      nodeId: h.key.nodeId,
      chanId: h.key.chanId,
      htlcId: h.key.htlcId,
      amountMsat: h.outgoingAmountMsat,
      settled: settleFailed === null ? null : settledByLnd.has(id),
    }));
  const amountPaidMsat =
    event.type === "InvoiceAccepted" || event.type === "InvoiceSettleRequested" || event.type === "InvoiceSettled"
      ? event.data.amountPaidMsat
      : settleFailed !== null
        ? settleFailed.amountSettledMsat + settleFailed.amountFailedMsat
        : null;
  const reason =
    event.type === "InvoiceCancelled"
      ? event.data.reason
      : settleFailed !== null
        ? `lnd failed ${settleFailed.failedHtlcs.length} of ${settleFailed.failedHtlcs.length + settleFailed.settledHtlcs.length} parts it was told to settle`
        : null;
  return {
    eventId,
    sequence,
    paymentHash: stateAfter.paymentHash,
    kind,
    externalRef: invoice.terms.externalRef,
    bolt11: kind === "CREATED" ? invoice.terms.bolt11 : null,
    amountMsat: invoice.terms.amountMsat,
    amountPaidMsat,
    htlcs: setHtlcs,
    amountSettledMsat: settleFailed?.amountSettledMsat ?? null,
    amountFailedMsat: settleFailed?.amountFailedMsat ?? null,
    reason,
    atMs,
  };
}
