import { decided, MatcherInvariantError, nothing, rejected, type Decision } from "./decision.ts";
import { cancelWithHeldSet, nearestAutoFail, settleHeldSet } from "./htlc-set.ts";
import type { CancelInvoice, CreateInvoice, SettleInvoice } from "./inputs.ts";
import { invoiceTermsProblem, sameInvoiceTerms } from "./invoice-terms.ts";
import type { MatcherConfig } from "./matcher-config.ts";
import { heldHtlcs, type InvoiceState } from "./state.ts";

// The application's requests. Each is idempotent: asking again for what already happened is
// answered with no events, no commands and no rejection, so API retries are safe.

const checkAggregate = (state: InvoiceState, paymentHash: string, inputType: string): void => {
  if (state.paymentHash !== null && state.paymentHash !== paymentHash)
    throw new MatcherInvariantError(`${inputType} routed to the aggregate of another payment hash`);
};

export const createInvoice = (state: InvoiceState, input: CreateInvoice): Decision => {
  const terms = input.data;
  checkAggregate(state, terms.paymentHash, input.type);
  const problem = invoiceTermsProblem(terms);
  if (problem !== null) return rejected("invalid_terms", problem);
  if (state.invoice === null) return decided([{ type: "InvoiceCreated", data: terms }]);
  if (sameInvoiceTerms(state.invoice.terms, terms)) return nothing();
  return rejected("terms_conflict", "an invoice with this payment hash already exists with different terms");
};

// Settles the ACCEPTED set of a hold invoice. Not a replay path for SettleHtlc: commands are
// re-sent only when lnd re-offers an HTLC, because lnd drops the interceptor stream when told
// to resolve a circuit it no longer holds (money-safety rule 5).
export const settleInvoice = (state: InvoiceState, input: SettleInvoice, config: MatcherConfig): Decision => {
  checkAggregate(state, input.data.paymentHash, input.type);
  const invoice = state.invoice;
  if (invoice === null) return rejected("unknown_invoice", "no invoice with this payment hash");
  switch (invoice.status) {
    case "ACCEPTED": {
      // Never settle partially: lnd fails a held part at its auto_fail_height by itself, so a
      // settle that may reach it late is refused; the matcher's tick cancels the set instead.
      const near = nearestAutoFail(heldHtlcs(state), input.data.blockHeight, config.holdSafetyMarginBlocks);
      if (near !== null)
        return rejected(
          "hold_set_near_auto_fail",
          `a held part is ${near.blocksLeft} block(s) from lnd's auto-fail height ${near.autoFailHeight} (height ${input.data.blockHeight}, safety margin ${config.holdSafetyMarginBlocks} blocks): the set can no longer be settled safely and is being cancelled`,
        );
      return settleHeldSet(state, invoice, input.data.now);
    }
    case "SETTLE_REQUESTED":
    case "SETTLED":
    // The settle was decided; that lnd then failed a part is not undone by settling again.
    case "SETTLE_FAILED":
      return nothing();
    case "OPEN":
      return rejected("invalid_status", "the invoice has no complete HTLC set to settle");
    case "CANCELLED":
    case "EXPIRED":
      return rejected("invalid_status", `the invoice is ${invoice.status}`);
    default: {
      const unknownStatus: never = invoice.status;
      throw new MatcherInvariantError(`unknown invoice status ${String(unknownStatus)}`);
    }
  }
};

export const cancelInvoice = (state: InvoiceState, input: CancelInvoice): Decision => {
  checkAggregate(state, input.data.paymentHash, input.type);
  const invoice = state.invoice;
  if (invoice === null) return rejected("unknown_invoice", "no invoice with this payment hash");
  switch (invoice.status) {
    case "OPEN":
    case "ACCEPTED":
      return cancelWithHeldSet(state, invoice, "requested", input.data.now, input.data.blockHeight);
    // Already unpayable: cancelling again (or cancelling what expired) changes nothing.
    case "CANCELLED":
    case "EXPIRED":
      return nothing();
    // The settle decision is durable and SettleHtlc may already be at lnd: it cannot be undone.
    case "SETTLE_REQUESTED":
    case "SETTLED":
    case "SETTLE_FAILED":
      return rejected("invalid_status", "the invoice is being settled or is settled; it cannot be cancelled");
    default: {
      const unknownStatus: never = invoice.status;
      throw new MatcherInvariantError(`unknown invoice status ${String(unknownStatus)}`);
    }
  }
};
