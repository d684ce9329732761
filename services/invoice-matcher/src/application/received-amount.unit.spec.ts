import { describe, expect, it } from "vitest";
import { rebuildState } from "../domain/index.ts";
import { run } from "../domain/testing/decider-specification.ts";
import { INVOICE_MSAT, NODE_A, NODE_B, arrival, htlcFinal, htlcKey, terms } from "../domain/testing/fixtures.ts";
import { toView } from "./invoice-view.ts";
import { toPublicInvoiceEvent } from "./public-invoice-events.ts";

// BOLT 4 overpayment (up to twice the invoice amount) is accepted; the API view and the public
// invoice events show what the set's HTLCs carried, not the invoice amount nor the onions'
// amt_to_forward.
const a = arrival({ key: htlcKey(NODE_A, 1n), amtMsat: 60_000n, totalMsat: 150_000n, outgoingAmountMsat: 60_010n });
const b = arrival({ key: htlcKey(NODE_B, 2n), amtMsat: 90_000n, totalMsat: 150_000n });
const received = 60_010n + 90_000n;

describe("the amount received of an overpaid invoice in the API view and the public events", () => {
  it("the view's amountPaidMsat is the sum of the set's HTLC amounts", () => {
    const history = run([{ type: "CreateInvoice", data: terms() }, a, b]);
    const view = toView(rebuildState(history));
    expect(view.amountMsat).toBe(INVOICE_MSAT);
    expect(view.amountPaidMsat).toBe(received);
  });

  it("SETTLE_REQUESTED and SETTLED public events carry it, with each HTLC's amount", () => {
    const history = run([{ type: "CreateInvoice", data: terms() }, a, b, htlcFinal(a.data.key, true), htlcFinal(b.data.key, true)]);
    const state = rebuildState(history);
    for (const type of ["InvoiceSettleRequested", "InvoiceSettled"]) {
      const event = history.find((e) => e.type === type)!;
      const published = toPublicInvoiceEvent(event, state, 1, "id", 0);
      expect(published?.amountPaidMsat).toBe(received);
      expect(published?.htlcs.reduce((sum, h) => sum + h.amountMsat, 0n)).toBe(received);
    }
  });
});
