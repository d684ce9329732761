import { describe, expect, it } from "vitest";
import type { InvoiceEventView, InvoiceView } from "./invoice-service.ts";
import { FAKE_COORDINATOR_INFO } from "./testing/coordinator-info.ts";
import {
  fromWireEvent,
  fromWireInfo,
  fromWireInvoice,
  toWireEvent,
  toWireInfo,
  toWireInvoice,
  UnreadableApiAnswer,
} from "./invoice-api-views.ts";

const INVOICE: InvoiceView = {
  paymentHash: "ab".repeat(32),
  externalRef: "order-1",
  bolt11: "lnbcrt1pfake",
  status: "SETTLED",
  mode: "hold",
  amountMsat: 2n ** 64n - 1n,
  amountPaidMsat: 2n ** 53n + 1n,
  createdAtMs: 1_732_400_000_000,
  expiresAtMs: 1_732_403_600_000,
  htlcs: [{ nodeId: "alice", chanId: 2n ** 63n + 1n, htlcId: 9_007_199_254_740_993n, amountMsat: 1n, status: "SETTLED" }],
};

describe("invoice views on the wire", () => {
  it("round-trips an invoice with every uint64 at its extremes", () => {
    const wire = toWireInvoice(INVOICE);

    expect(wire.amount_msat).toBe("18446744073709551615");
    expect(wire.htlcs[0]?.htlc_id).toBe("9007199254740993");
    expect(fromWireInvoice(wire)).toEqual(INVOICE);
  });

  it("writes an amount-less invoice as 0 and reads 0 back as amount-less", () => {
    const wire = toWireInvoice({ ...INVOICE, amountMsat: null });

    expect(wire.amount_msat).toBe("0");
    expect(fromWireInvoice(wire).amountMsat).toBeNull();
  });

  it("round-trips an event and the coordinator info", () => {
    const event: InvoiceEventView = { sequence: 2n ** 60n, kind: "SETTLE_REQUESTED", invoice: INVOICE, atMs: 1 };

    expect(fromWireEvent(toWireEvent(event))).toEqual(event);
    expect(fromWireInfo(toWireInfo(FAKE_COORDINATOR_INFO))).toEqual(FAKE_COORDINATOR_INFO);
  });

  it("round-trips a SETTLE_FAILED invoice and event: which parts lnd settled and failed stay on each HTLC", () => {
    const htlcs = [
      { ...INVOICE.htlcs[0]!, status: "SETTLED" },
      { nodeId: "bob", chanId: 7n, htlcId: 2n ** 64n - 1n, amountMsat: 2n ** 53n, status: "FAILED" },
    ];
    const invoice: InvoiceView = { ...INVOICE, status: "SETTLE_FAILED", htlcs };
    const wire = toWireInvoice(invoice);

    expect(wire.status).toBe("SETTLE_FAILED");
    expect(wire.htlcs.map((htlc) => htlc.status)).toEqual(["SETTLED", "FAILED"]);
    expect(fromWireInvoice(wire)).toEqual(invoice);
    const event: InvoiceEventView = { sequence: 9n, kind: "SETTLE_FAILED", invoice, atMs: 2 };
    expect(toWireEvent(event).kind).toBe("SETTLE_FAILED");
    expect(fromWireEvent(toWireEvent(event))).toEqual(event);
  });

  it("refuses to send a uint64 out of range instead of letting protobufjs wrap it", () => {
    expect(() => toWireInvoice({ ...INVOICE, amountPaidMsat: 2n ** 64n })).toThrow("amountPaidMsat 18446744073709551616 does not fit in uint64");
    expect(() => toWireInvoice({ ...INVOICE, htlcs: [{ ...INVOICE.htlcs[0]!, chanId: -1n }] })).toThrow("chanId -1");
  });

  it("reports answers this client cannot read", () => {
    const wire = toWireInvoice(INVOICE);

    expect(() => fromWireInvoice({ ...wire, status: 9 })).toThrow(new UnreadableApiAnswer("invoice status 9 is unknown to this client"));
    expect(() => fromWireInvoice({ ...wire, mode: "INVOICE_MODE_UNSPECIFIED" })).toThrow(UnreadableApiAnswer);
    expect(() => fromWireInvoice({ ...wire, created_at_ms: "9007199254740993" })).toThrow("created_at_ms");
    expect(() => fromWireInvoice(null)).toThrow("the answer has no invoice");
  });
});
