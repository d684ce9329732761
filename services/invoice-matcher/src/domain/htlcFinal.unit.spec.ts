import { describe, expect, it } from "vitest";
import { failHtlc } from "./commands.ts";
import { given, run } from "./testing/deciderSpecification.ts";
import {
  INVOICE_MSAT,
  NODE_A,
  NODE_B,
  NODE_C,
  PAYMENT_HASH,
  T0,
  arrival,
  arrivalOf,
  cancelInvoice,
  htlcFinal,
  htlcKey,
  settleInvoice,
  terms,
  testConfig,
  tick,
  unknownPaymentDetails,
} from "./testing/fixtures.ts";

// Money-safety rule 6: an invoice is SETTLED only when lnd says every HTLC of the settled set is
// final and settled; until then it is SETTLE_REQUESTED.

const a = arrival({ key: htlcKey(NODE_A, 1n), amtMsat: 50_000n, now: T0 + 1_000 });
const b = arrival({ key: htlcKey(NODE_B, 1n), amtMsat: 50_000n, now: T0 + 2_000 });
const create = (mode: "auto" | "hold" = "auto") => ({ type: "CreateInvoice" as const, data: terms({ mode }) });
const settling = run([create(), a, b]);

describe("InvoiceSettled only when lnd reports every part of the set final-settled", () => {
  it("records a part's final settle but keeps the invoice SETTLE_REQUESTED while another part is pending", () => {
    const outcome = given(...settling)
      .when(htlcFinal(a.data.key, true, T0 + 9_000))
      .then({ events: [{ type: "HtlcSettled", data: { paymentHash: PAYMENT_HASH, key: a.data.key, at: T0 + 9_000 } }] });
    expect(outcome.after.invoice?.status).toBe("SETTLE_REQUESTED");
  });

  it("marks the invoice SETTLED with the amount paid when the last part is final-settled", () => {
    const history = run([create(), a, b, htlcFinal(a.data.key, true)]);
    const outcome = given(...history)
      .when(htlcFinal(b.data.key, true, T0 + 9_500))
      .then({
        events: [
          { type: "HtlcSettled", data: { paymentHash: PAYMENT_HASH, key: b.data.key, at: T0 + 9_500 } },
          { type: "InvoiceSettled", data: { paymentHash: PAYMENT_HASH, amountPaidMsat: INVOICE_MSAT, at: T0 + 9_500 } },
        ],
      });
    expect(outcome.after.invoice?.status).toBe("SETTLED");
  });
});

describe("lnd fails a part of a settle-requested set (e.g. it timed out on chain): recorded, the invoice is not failed", () => {
  const lost = run([create(), a, b, htlcFinal(a.data.key, false, T0 + 9_000)]);

  it("records SettleRequestedHtlcFailed and keeps the invoice SETTLE_REQUESTED (lnmux would mark the whole invoice FAILED)", () => {
    const outcome = given(...settling)
      .when(htlcFinal(a.data.key, false, T0 + 9_000))
      .then({ events: [{ type: "SettleRequestedHtlcFailed", data: { paymentHash: PAYMENT_HASH, key: a.data.key, amtToForwardMsat: 50_000n, at: T0 + 9_000 } }] });
    expect(outcome.after.invoice?.status).toBe("SETTLE_REQUESTED");
    expect(outcome.after.htlcs.get(`${NODE_A}:${a.data.key.chanId}:1`)?.status).toBe("FAILED");
  });

  it("never reports the invoice SETTLED afterwards, even when every other part settles", () => {
    const outcome = given(...lost)
      .when(htlcFinal(b.data.key, true, T0 + 9_500))
      .then({ events: [{ type: "HtlcSettled", data: { paymentHash: PAYMENT_HASH, key: b.data.key, at: T0 + 9_500 } }] });
    expect(outcome.after.invoice?.status).toBe("SETTLE_REQUESTED");
  });

  it("still cannot be cancelled, and still fails new HTLCs", () => {
    given(...lost).when(cancelInvoice()).thenRejected("invalid_status");
    const newcomer = arrival({ key: htlcKey(NODE_C, 1n), now: T0 + 10_000 });
    given(...lost)
      .when(newcomer)
      .then({
        events: [{ type: "HtlcRejected", data: { paymentHash: PAYMENT_HASH, htlc: arrivalOf(newcomer), reason: "invoice_already_settled", failure: unknownPaymentDetails(newcomer) } }],
        commands: [failHtlc(newcomer.data.key, PAYMENT_HASH, unknownPaymentDetails(newcomer))],
      });
  });
});

describe("lnd resolves a HELD part on its own (auto-fail height, force close)", () => {
  it("a part of an ACCEPTED hold set: records it and reopens the invoice, so the broken set can never be settled", () => {
    const accepted = run([create("hold"), a, b]);
    const outcome = given(...accepted)
      .when(htlcFinal(a.data.key, false, T0 + 5_000))
      .then({
        events: [
          { type: "HtlcFailed", data: { paymentHash: PAYMENT_HASH, key: a.data.key, at: T0 + 5_000 } },
          { type: "InvoiceReopened", data: { paymentHash: PAYMENT_HASH, reason: "accepted_htlc_resolved_by_lnd", at: T0 + 5_000 } },
        ],
      });
    expect(outcome.after.invoice?.status).toBe("OPEN");
    const broken = [...accepted, ...outcome.decision.events];
    given(...broken).when(settleInvoice()).thenRejected("invalid_status");
    // The remaining part waited past the MPP timeout long ago: the next tick fails it.
    const now = b.data.now + testConfig.mppTimeoutMs + 1;
    given(...broken)
      .when(tick(now))
      .then({
        events: [{ type: "MppSetTimedOut", data: { paymentHash: PAYMENT_HASH, htlcKeys: [b.data.key], at: now } }],
        commands: [failHtlc(b.data.key, PAYMENT_HASH, { kind: "mpp_timeout" })],
      });
  });

  it("a part of an incomplete OPEN set: records it; the set's total is released once no part is held", () => {
    const open = run([create(), a]);
    const outcome = given(...open)
      .when(htlcFinal(a.data.key, false, T0 + 5_000))
      .then({ events: [{ type: "HtlcFailed", data: { paymentHash: PAYMENT_HASH, key: a.data.key, at: T0 + 5_000 } }] });
    expect(outcome.after.invoice?.status).toBe("OPEN");
    expect(outcome.after.invoice?.setTotalMsat).toBeNull();
  });

  it("a part we asked to fail: recorded as HtlcFailed, the invoice is unchanged", () => {
    const timedOut = run([create(), a, tick(a.data.now + testConfig.mppTimeoutMs + 1)]);
    const outcome = given(...timedOut)
      .when(htlcFinal(a.data.key, false, T0 + 200_000))
      .then({ events: [{ type: "HtlcFailed", data: { paymentHash: PAYMENT_HASH, key: a.data.key, at: T0 + 200_000 } }] });
    expect(outcome.after.invoice?.status).toBe("OPEN");
  });
});
