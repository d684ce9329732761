import { decided, MatcherInvariantError, nothing, type Decision } from "./decision.ts";
import type { InvoiceEvent } from "./events.ts";
import { followedBy } from "./htlcSet.ts";
import { htlcKeyId } from "./htlcKey.ts";
import type { HtlcFinal } from "./inputs.ts";
import type { HtlcRecord, InvoiceState } from "./state.ts";

// lnd's final word on an HTLC. Only this makes an invoice SETTLED (money-safety rule 6).

// Every HTLC of the settled set is final and settled. A set with a part lnd failed never gets
// here: that invoice stays SETTLE_REQUESTED (see SettleRequestedHtlcFailed).
const settlementCompletion = (state: InvoiceState, at: number): Decision => {
  const invoice = state.invoice;
  if (invoice === null || invoice.status !== "SETTLE_REQUESTED") return nothing();
  const set = invoice.settledSet.map((id) => state.htlcs.get(id));
  if (!set.every((htlc) => htlc?.status === "SETTLED")) return nothing();
  // What the set's HTLCs carried (receivedAmountMsat), as in InvoiceSettleRequested.
  const amountPaidMsat = set.reduce((sum, htlc) => sum + (htlc?.outgoingAmountMsat ?? 0n), 0n);
  return decided([{ type: "InvoiceSettled", data: { paymentHash: invoice.terms.paymentHash, amountPaidMsat, at } }]);
};

// A HELD HTLC that lnd resolved on its own leaves the set; if that set was ACCEPTED it no longer
// pays the invoice and must not be settled by a later SettleInvoice.
const reopenIfSetBroken = (state: InvoiceState, at: number): Decision => {
  const invoice = state.invoice;
  if (invoice === null || invoice.status !== "ACCEPTED") return nothing();
  return decided([{ type: "InvoiceReopened", data: { paymentHash: invoice.terms.paymentHash, reason: "accepted_htlc_resolved_by_lnd", at } }]);
};

const finalEvent = (htlc: HtlcRecord, paymentHash: string, settled: boolean, at: number): InvoiceEvent => {
  const key = htlc.key;
  if (settled) return { type: "HtlcSettled", data: { paymentHash, key, at } };
  if (htlc.status === "SETTLE_REQUESTED")
    return { type: "SettleRequestedHtlcFailed", data: { paymentHash, key, amtToForwardMsat: htlc.payload?.amtToForwardMsat ?? 0n, at } };
  return { type: "HtlcFailed", data: { paymentHash, key, at } };
};

export const htlcFinal = (state: InvoiceState, input: HtlcFinal): Decision => {
  const { key, paymentHash, settled, now } = input.data;
  if (state.paymentHash !== null && state.paymentHash !== paymentHash)
    throw new MatcherInvariantError("HtlcFinal routed to the aggregate of another payment hash");
  const htlc = state.htlcs.get(htlcKeyId(key));
  // Not ours (the adapter should filter) or already final: lnd's report changes nothing twice.
  if (htlc === undefined) return nothing();
  switch (htlc.status) {
    case "SETTLED":
    case "FAILED":
      return nothing();
    case "SETTLE_REQUESTED":
    case "FAIL_REQUESTED":
      // A settle we did not ask for (FAIL_REQUESTED -> settled) is recorded as lnd reports it: lnd
      // is the authority on where the money went.
      return followedBy(state, decided([finalEvent(htlc, paymentHash, settled, now)]), (after) => settlementCompletion(after, now));
    case "HELD":
      return followedBy(state, decided([finalEvent(htlc, paymentHash, settled, now)]), (after) => reopenIfSetBroken(after, now));
    default: {
      const unknownStatus: never = htlc.status;
      throw new MatcherInvariantError(`unknown HTLC status ${String(unknownStatus)}`);
    }
  }
};
