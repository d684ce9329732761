import { decided, MatcherInvariantError, nothing, type Decision } from "./decision.ts";
import type { InvoiceEvent } from "./events.ts";
import { followedBy } from "./htlc-set.ts";
import { htlcKeyId } from "./htlc-key.ts";
import type { HtlcFinal } from "./inputs.ts";
import { receivedAmountMsat, type HtlcRecord, type InvoiceState } from "./state.ts";

// lnd's final word on an HTLC. Only this makes an invoice SETTLED (money-safety rule 6).

// Once every HTLC of the settled set is final, the invoice ends: SETTLED when lnd settled them
// all (rule 6), SETTLE_FAILED when it failed at least one (e.g. it timed out on chain before the
// claim). Until then it stays SETTLE_REQUESTED, whatever the parts reported so far.
//
// Some parts settled and one failed is SETTLE_FAILED too, with the amounts settled and failed:
// the invoice was not received as decided (SETTLED would claim the full amount), yet the preimage
// is out and the settled parts cannot be undone (so not CANCELLED, and not OPEN for a new set).
// An operator reconciles it with the payer, who holds the preimage as proof of payment.
const settlementCompletion = (state: InvoiceState, at: number): Decision => {
  const invoice = state.invoice;
  if (invoice === null || invoice.status !== "SETTLE_REQUESTED") return nothing();
  const set = invoice.settledSet.map((id) => state.htlcs.get(id));
  const settled = set.filter((htlc): htlc is HtlcRecord => htlc?.status === "SETTLED");
  const failed = set.filter((htlc): htlc is HtlcRecord => htlc?.status === "FAILED");
  // Some part is not final yet (or, impossibly, unknown): wait for lnd's word on it.
  if (settled.length + failed.length !== set.length) return nothing();
  const paymentHash = invoice.terms.paymentHash;
  // What the HTLCs carried (receivedAmountMsat), as in InvoiceSettleRequested.
  if (failed.length === 0) return decided([{ type: "InvoiceSettled", data: { paymentHash, amountPaidMsat: receivedAmountMsat(settled), at } }]);
  return decided([
    {
      type: "InvoiceSettleFailed",
      data: {
        paymentHash,
        settledHtlcs: settled.map((htlc) => htlc.key),
        failedHtlcs: failed.map((htlc) => htlc.key),
        amountSettledMsat: receivedAmountMsat(settled),
        amountFailedMsat: receivedAmountMsat(failed),
        at,
      },
    },
  ]);
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
      // lnd's report changes nothing twice. An invoice written before InvoiceSettleFailed existed
      // may still be SETTLE_REQUESTED with every part final: a repeated report of one of them
      // ends it now (nothing for any invoice already SETTLED or SETTLE_FAILED).
      return settlementCompletion(state, now);
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
