import { describe, expect, it } from "vitest";
import { failHtlc } from "./commands.ts";
import { given, run } from "./testing/decider-specification.ts";
import {
  INVOICE_MSAT,
  NODE_A,
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
  halfThroughA,
  halfThroughB,
} from "./testing/fixtures.ts";

// Money-safety rule 6: an invoice is SETTLED only when lnd says every HTLC of the settled set is
// final and settled; until then it is SETTLE_REQUESTED.

const [a, b] = [halfThroughA, halfThroughB];
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

describe("lnd fails a part of a settle-requested set (e.g. it timed out on chain): the invoice ends SETTLE_FAILED once every part is final", () => {
  const lost = run([create(), a, b, htlcFinal(a.data.key, false, T0 + 9_000)]);

  it("records SettleRequestedHtlcFailed and keeps the invoice SETTLE_REQUESTED while another part is not final", () => {
    const outcome = given(...settling)
      .when(htlcFinal(a.data.key, false, T0 + 9_000))
      .then({ events: [{ type: "SettleRequestedHtlcFailed", data: { paymentHash: PAYMENT_HASH, key: a.data.key, amtToForwardMsat: 50_000n, at: T0 + 9_000 } }] });
    expect(outcome.after.invoice?.status).toBe("SETTLE_REQUESTED");
    expect(outcome.after.htlcs.get(`${NODE_A}:${a.data.key.chanId}:1`)?.status).toBe("FAILED");
  });

  it("some parts settled, one failed: SETTLE_FAILED with the parts and the amounts settled and failed, never SETTLED", () => {
    const outcome = given(...lost)
      .when(htlcFinal(b.data.key, true, T0 + 9_500))
      .then({
        events: [
          { type: "HtlcSettled", data: { paymentHash: PAYMENT_HASH, key: b.data.key, at: T0 + 9_500 } },
          {
            type: "InvoiceSettleFailed",
            data: { paymentHash: PAYMENT_HASH, settledHtlcs: [b.data.key], failedHtlcs: [a.data.key], amountSettledMsat: 50_000n, amountFailedMsat: 50_000n, at: T0 + 9_500 },
          },
        ],
      });
    expect(outcome.after.invoice?.status).toBe("SETTLE_FAILED");
    expect(outcome.after.invoice?.statusSince).toBe(T0 + 9_500);
  });

  it("every part failed: SETTLE_FAILED with nothing settled", () => {
    given(...lost)
      .when(htlcFinal(b.data.key, false, T0 + 9_500))
      .then({
        events: [
          { type: "SettleRequestedHtlcFailed", data: { paymentHash: PAYMENT_HASH, key: b.data.key, amtToForwardMsat: 50_000n, at: T0 + 9_500 } },
          {
            type: "InvoiceSettleFailed",
            data: { paymentHash: PAYMENT_HASH, settledHtlcs: [], failedHtlcs: [a.data.key, b.data.key], amountSettledMsat: 0n, amountFailedMsat: INVOICE_MSAT, at: T0 + 9_500 },
          },
        ],
      });
  });

  it("the amounts are what the HTLCs carried (an overpaying part counts in full)", () => {
    const big = arrival({ key: htlcKey(NODE_C, 1n), amtMsat: 60_000n, outgoingAmountMsat: 61_000n, totalMsat: 110_000n, now: T0 + 1_000 });
    const small = arrival({ key: htlcKey(NODE_A, 2n), amtMsat: 50_000n, totalMsat: 110_000n, now: T0 + 1_500 });
    const history = run([create(), big, small, htlcFinal(big.data.key, true)]);
    const outcome = given(...history).when(htlcFinal(small.data.key, false, T0 + 9_500));
    expect(outcome.decision.events.at(-1)).toEqual({
      type: "InvoiceSettleFailed",
      data: { paymentHash: PAYMENT_HASH, settledHtlcs: [big.data.key], failedHtlcs: [small.data.key], amountSettledMsat: 61_000n, amountFailedMsat: 50_000n, at: T0 + 9_500 },
    });
  });

  it("is terminal: a repeated final report, SettleInvoice and new HTLCs change nothing; cancel is refused", () => {
    const ended = run([create(), a, b, htlcFinal(a.data.key, false), htlcFinal(b.data.key, true)]);
    expect(ended.at(-1)?.type).toBe("InvoiceSettleFailed");
    given(...ended).when(htlcFinal(a.data.key, false)).thenNothingHappens();
    given(...ended).when(htlcFinal(b.data.key, true)).thenNothingHappens();
    given(...ended).when(settleInvoice()).thenNothingHappens();
    given(...ended).when(tick(T0 + 10_000_000)).thenNothingHappens();
    given(...ended).when(cancelInvoice()).thenRejected("invalid_status");
    const newcomer = arrival({ key: htlcKey(NODE_C, 1n), now: T0 + 10_000 });
    given(...ended)
      .when(newcomer)
      .then({
        events: [{ type: "HtlcRejected", data: { paymentHash: PAYMENT_HASH, htlc: arrivalOf(newcomer), reason: "invoice_already_settled", failure: unknownPaymentDetails(newcomer) } }],
        commands: [failHtlc(newcomer.data.key, PAYMENT_HASH, unknownPaymentDetails(newcomer))],
      });
  });

  it("while SETTLE_REQUESTED: still cannot be cancelled, and still fails new HTLCs", () => {
    given(...lost).when(cancelInvoice()).thenRejected("invalid_status");
    const newcomer = arrival({ key: htlcKey(NODE_C, 1n), now: T0 + 10_000 });
    given(...lost)
      .when(newcomer)
      .then({
        events: [{ type: "HtlcRejected", data: { paymentHash: PAYMENT_HASH, htlc: arrivalOf(newcomer), reason: "invoice_already_settled", failure: unknownPaymentDetails(newcomer) } }],
        commands: [failHtlc(newcomer.data.key, PAYMENT_HASH, unknownPaymentDetails(newcomer))],
      });
  });

  it("a history written before InvoiceSettleFailed existed (every part final, still SETTLE_REQUESTED) ends at the next report of a part", () => {
    // What the previous version wrote: the failed part's event, then the other part's settle, and no end.
    const old = run([create(), a, b, htlcFinal(a.data.key, false), htlcFinal(b.data.key, true)]).filter((e) => e.type !== "InvoiceSettleFailed");
    expect(given(...old).when(tick(T0 + 10_000)).before.invoice?.status).toBe("SETTLE_REQUESTED");
    given(...old)
      .when(htlcFinal(a.data.key, false, T0 + 50_000))
      .then({
        events: [
          {
            type: "InvoiceSettleFailed",
            data: { paymentHash: PAYMENT_HASH, settledHtlcs: [b.data.key], failedHtlcs: [a.data.key], amountSettledMsat: 50_000n, amountFailedMsat: 50_000n, at: T0 + 50_000 },
          },
        ],
      });
  });

  it("a replay of the failed HTLC is still answered SettleHtlc: the settle decision is never taken back", () => {
    const ended = run([create(), a, b, htlcFinal(a.data.key, false), htlcFinal(b.data.key, true)]);
    const outcome = given(...ended).when(a);
    expect(outcome.decision.events).toEqual([]);
    expect(outcome.decision.commands.map((c) => c.type)).toEqual(["SettleHtlc"]);
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
