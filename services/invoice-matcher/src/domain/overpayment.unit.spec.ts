import { describe, expect, it } from "vitest";
import { failHtlc } from "./commands.ts";
import { given, run } from "./testing/decider-specification.ts";
import { INVOICE_MSAT, NODE_A, NODE_B, NODE_C, PAYMENT_HASH, arrival, htlcFinal, htlcKey, invoiceCreated, settleInvoice, terms, unknownPaymentDetails } from "./testing/fixtures.ts";

// BOLT 4 (basic MPP, final node): "if the amount paid is more than twice the amount expected:
// SHOULD fail the HTLC" - a payer may overpay a little (privacy), never grossly by accident. Up to
// twice the invoice amount is accepted, and what is recorded as paid is what the set's HTLCs
// carried (the sum of their amounts), not the invoice amount. Amount-less invoices have no bound.

const single = (amtMsat: bigint, totalMsat = amtMsat) => arrival({ key: htlcKey(NODE_A, 1n), amtMsat, totalMsat });
const settleRequested = (events: readonly { type: string; data: unknown }[]) => {
  const decision = events.find((e) => e.type === "InvoiceSettleRequested");
  return decision?.type === "InvoiceSettleRequested" ? (decision.data as { amountPaidMsat: bigint }) : undefined;
};

describe("overpayment: up to twice the invoice amount is settled and recorded as received", () => {
  it("accepted: 1 msat over the invoice amount -> settled, amount paid = amount + 1 msat", () => {
    const over = single(INVOICE_MSAT + 1n);
    const outcome = given(invoiceCreated()).when(over);
    expect(outcome.decision.events.map((e) => e.type)).toEqual(["HtlcAccepted", "InvoiceSettleRequested"]);
    expect(settleRequested(outcome.decision.events)?.amountPaidMsat).toBe(INVOICE_MSAT + 1n);
    expect(outcome.decision.commands.map((c) => c.type)).toEqual(["SettleHtlc"]);
  });

  it("accepted: exactly twice the invoice amount -> settled, amount paid = 2x", () => {
    const outcome = given(invoiceCreated()).when(single(2n * INVOICE_MSAT));
    expect(settleRequested(outcome.decision.events)?.amountPaidMsat).toBe(2n * INVOICE_MSAT);
    expect(outcome.decision.commands.map((c) => c.type)).toEqual(["SettleHtlc"]);
  });

  it("rejected: twice the invoice amount + 1 msat in one part -> failed with incorrect_or_unknown_payment_details", () => {
    const too = single(2n * INVOICE_MSAT + 1n);
    given(invoiceCreated())
      .when(too)
      .then({
        events: [{ type: "HtlcRejected", data: { paymentHash: PAYMENT_HASH, htlc: expect.objectContaining({ key: too.data.key }) as never, reason: "total_msat_above_twice_invoice_amount", failure: unknownPaymentDetails(too) } }],
        commands: [failHtlc(too.data.key, PAYMENT_HASH, unknownPaymentDetails(too))],
      });
  });

  it("rejected: 2x + 1 msat declared by an MPP set -> every part failed, nothing settled", () => {
    const total = 2n * INVOICE_MSAT + 1n;
    const parts = [NODE_A, NODE_B, NODE_C].map((node, i) => arrival({ key: htlcKey(node, BigInt(i)), amtMsat: i === 0 ? INVOICE_MSAT + 1n : INVOICE_MSAT / 2n, totalMsat: total }));
    const history = run([{ type: "CreateInvoice", data: terms() }, ...parts]);
    expect(history.filter((e) => e.type === "HtlcRejected").map((e) => (e.type === "HtlcRejected" ? e.data.reason : ""))).toEqual([
      "total_msat_above_twice_invoice_amount",
      "total_msat_above_twice_invoice_amount",
      "total_msat_above_twice_invoice_amount",
    ]);
    expect(history.some((e) => e.type === "HtlcAccepted" || e.type === "InvoiceSettleRequested")).toBe(false);
  });

  it("rejected: a part that would make the set's HTLCs carry more than 2x is failed; the set stays open for a part that fits", () => {
    const first = arrival({ key: htlcKey(NODE_A, 1n), amtMsat: 60_000n });
    const huge = arrival({ key: htlcKey(NODE_B, 2n), amtMsat: 140_001n });
    const history = run([{ type: "CreateInvoice", data: terms() }, first]);
    given(...history)
      .when(huge)
      .then({
        events: [{ type: "HtlcRejected", data: { paymentHash: PAYMENT_HASH, htlc: expect.objectContaining({ key: huge.data.key }) as never, reason: "set_amount_above_twice_invoice_amount", failure: unknownPaymentDetails(huge) } }],
        commands: [failHtlc(huge.data.key, PAYMENT_HASH, unknownPaymentDetails(huge))],
      });
    // Exactly 2x with the first part: accepted and settled.
    const fits = arrival({ key: htlcKey(NODE_B, 3n), amtMsat: 140_000n });
    const outcome = given(...run([{ type: "CreateInvoice", data: terms() }, first, huge])).when(fits);
    expect(settleRequested(outcome.decision.events)?.amountPaidMsat).toBe(200_000n);
  });

  it("the amount paid is what the HTLCs carried, also when an HTLC carries more than its onion's amt_to_forward", () => {
    const rounded = arrival({ key: htlcKey(NODE_A, 1n), amtMsat: INVOICE_MSAT, outgoingAmountMsat: INVOICE_MSAT + 500n });
    const history = run([{ type: "CreateInvoice", data: terms() }, rounded, htlcFinal(rounded.data.key, true)]);
    expect(settleRequested(history)?.amountPaidMsat).toBe(INVOICE_MSAT + 500n);
    const settled = history.find((e) => e.type === "InvoiceSettled");
    expect(settled?.type === "InvoiceSettled" && settled.data.amountPaidMsat).toBe(INVOICE_MSAT + 500n);
  });

  it("hold mode: InvoiceAccepted and the later settle record the overpaid amount", () => {
    const over = single(INVOICE_MSAT + 7n);
    const history = run([{ type: "CreateInvoice", data: terms({ mode: "hold" }) }, over]);
    const accepted = history.find((e) => e.type === "InvoiceAccepted");
    expect(accepted?.type === "InvoiceAccepted" && accepted.data.amountPaidMsat).toBe(INVOICE_MSAT + 7n);
    expect(settleRequested(given(...history).when(settleInvoice()).decision.events)?.amountPaidMsat).toBe(INVOICE_MSAT + 7n);
  });

  it("amount-less invoices are unchanged: any total is accepted, whatever it is", () => {
    const outcome = given(invoiceCreated({ amountMsat: null })).when(single(10n ** 12n));
    expect(settleRequested(outcome.decision.events)?.amountPaidMsat).toBe(10n ** 12n);
  });
});
