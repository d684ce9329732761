// The port's view of an invoice state, and the port's error for a decider's refusal: shared by the
// service over Postgres (invoice-service-impl.ts) and the API-test fake over the same decider.
import { InvoiceServiceError, type InvoiceView } from "@ic/invoice-api-client";
import type { InputRejection, InvoiceState } from "../domain/index.ts";

export function invoiceServiceErrorFor(rejection: InputRejection): InvoiceServiceError {
  switch (rejection.code) {
    case "unknown_invoice":
      return new InvoiceServiceError("not_found", rejection.message);
    case "invalid_status":
    case "hold_set_near_auto_fail":
      return new InvoiceServiceError("failed_precondition", rejection.message);
    case "terms_conflict":
      return new InvoiceServiceError("already_exists", rejection.message);
    case "invalid_terms":
      return new InvoiceServiceError("invalid_argument", rejection.message);
  }
}

export function toView(state: InvoiceState): InvoiceView {
  const invoice = state.invoice!;
  const settled = new Set(invoice.settledSet);
  const htlcs = [...state.htlcs.entries()]
    .filter(([, h]) => h.payload !== null)
    .map(([, h]) => ({ nodeId: h.key.nodeId, chanId: h.key.chanId, htlcId: h.key.htlcId, amountMsat: h.outgoingAmountMsat, status: h.status }));
  const paid = [...state.htlcs.entries()]
    .filter(([id, h]) => settled.has(id) || (invoice.status === "ACCEPTED" && h.status === "HELD"))
    // What the set's HTLCs carried, as amountPaidMsat in the events (overpayment up to 2x included).
    .reduce((sum, [, h]) => sum + h.outgoingAmountMsat, 0n);
  return {
    paymentHash: invoice.terms.paymentHash,
    externalRef: invoice.terms.externalRef,
    bolt11: invoice.terms.bolt11,
    status: invoice.status,
    mode: invoice.terms.mode,
    amountMsat: invoice.terms.amountMsat,
    amountPaidMsat: paid,
    createdAtMs: invoice.terms.createdAt,
    expiresAtMs: invoice.terms.expiresAt,
    htlcs,
  };
}
