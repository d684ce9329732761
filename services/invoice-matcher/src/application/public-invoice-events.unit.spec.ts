import { decodeAs, encode } from "@ic/event-log";
import { describe, expect, it } from "vitest";
import { rebuildState, type InvoiceEvent } from "../domain/index.ts";
import { run } from "../domain/testing/decider-specification.ts";
import { NODE_A, NODE_B, PAYMENT_HASH, arrival, htlcFinal, htlcKey, terms } from "../domain/testing/fixtures.ts";
import { publicKindOf, toPublicInvoiceEvent } from "./public-invoice-events.ts";

// A settle lnd did not carry out reaches the public topic as SETTLE_FAILED (invoice-event v2),
// with each part marked settled or failed and the amounts of both.
const a = arrival({ key: htlcKey(NODE_A, 1n), amtMsat: 60_000n, totalMsat: 100_000n, outgoingAmountMsat: 60_010n });
const b = arrival({ key: htlcKey(NODE_B, 2n), amtMsat: 40_000n, totalMsat: 100_000n });
const create = { type: "CreateInvoice" as const, data: terms() };

const published = (history: readonly InvoiceEvent[], type: InvoiceEvent["type"]) => {
  const event = history.find((e) => e.type === type)!;
  const state = rebuildState(history.slice(0, history.indexOf(event) + 1));
  return toPublicInvoiceEvent(event, state, history.indexOf(event) + 1, "evt", 7);
};

describe("public invoice events of a settle lnd did not carry out", () => {
  it("InvoiceSettleFailed is public as SETTLE_FAILED; SettleRequestedHtlcFailed stays internal", () => {
    expect(publicKindOf("InvoiceSettleFailed")).toBe("SETTLE_FAILED");
    expect(publicKindOf("SettleRequestedHtlcFailed")).toBeUndefined();
  });

  it("one part settled, one failed: each part says which, with the amounts settled and failed (what the HTLCs carried)", () => {
    const history = run([create, a, b, htlcFinal(a.data.key, true), htlcFinal(b.data.key, false)]);
    const event = published(history, "InvoiceSettleFailed");
    expect(event).toEqual({
      eventId: "evt",
      sequence: history.length,
      paymentHash: PAYMENT_HASH,
      kind: "SETTLE_FAILED",
      externalRef: terms().externalRef,
      bolt11: null,
      amountMsat: terms().amountMsat,
      amountPaidMsat: 100_010n,
      htlcs: [
        { nodeId: NODE_A, chanId: a.data.key.chanId, htlcId: 1n, amountMsat: 60_010n, settled: true },
        { nodeId: NODE_B, chanId: b.data.key.chanId, htlcId: 2n, amountMsat: 40_000n, settled: false },
      ],
      amountSettledMsat: 60_010n,
      amountFailedMsat: 40_000n,
      reason: "lnd failed 1 of 2 parts it was told to settle",
      atMs: 7,
    });
    // It encodes with the newest invoice-event schema and reads back the same.
    expect(decodeAs("invoice-event", encode("invoice-event", event!))).toEqual(event);
  });

  it("the other kinds leave the settle-failure fields null", () => {
    const history = run([create, a, b, htlcFinal(a.data.key, true), htlcFinal(b.data.key, true)]);
    for (const type of ["InvoiceCreated", "InvoiceSettleRequested", "InvoiceSettled"] as const) {
      const event = published(history, type)!;
      expect(event.amountSettledMsat).toBeNull();
      expect(event.amountFailedMsat).toBeNull();
      expect(event.htlcs.every((htlc) => htlc.settled === null)).toBe(true);
    }
  });
});
