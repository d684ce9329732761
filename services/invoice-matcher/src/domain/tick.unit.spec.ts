import { describe, expect, it } from "vitest";
import { failHtlc, settleHtlc } from "./commands.ts";
import { given, run } from "./testing/decider-specification.ts";
import {
  HEIGHT,
  HOUR,
  NODE_A,
  NODE_B,
  PAYMENT_HASH,
  T0,
  arrival,
  htlcAccepted,
  htlcKey,
  invoiceCreated,
  terms,
  testConfig,
  tick,
  settleRequested,
} from "./testing/fixtures.ts";

const MPP = testConfig.mppTimeoutMs;
const ACCEPT = testConfig.acceptTimeoutMs;

describe("MPP timeout (BOLT 4: fail the whole incomplete set after a while, at least 60 s)", () => {
  const a = arrival({ key: htlcKey(NODE_A, 1n), amtMsat: 30_000n, now: T0 + 1_000 });
  const b = arrival({ key: htlcKey(NODE_B, 1n), amtMsat: 30_000n, now: T0 + 50_000 });

  it("keeps an incomplete set held while no part has waited longer than the MPP timeout", () => {
    given(invoiceCreated(), htlcAccepted(a), htlcAccepted(b)).when(tick(a.data.now + MPP)).thenNothingHappens();
  });

  it("fails every HELD part of the incomplete set with mpp_timeout once the oldest part waited longer, on each part's node", () => {
    const now = a.data.now + MPP + 1;
    const outcome = given(invoiceCreated(), htlcAccepted(a), htlcAccepted(b))
      .when(tick(now))
      .then({
        events: [{ type: "MppSetTimedOut", data: { paymentHash: PAYMENT_HASH, htlcKeys: [a.data.key, b.data.key], at: now } }],
        commands: [failHtlc(a.data.key, PAYMENT_HASH, { kind: "mpp_timeout" }), failHtlc(b.data.key, PAYMENT_HASH, { kind: "mpp_timeout" })],
      });
    // Unlike a cancellation the invoice stays payable, and the next set may declare its own total.
    expect(outcome.after.invoice?.status).toBe("OPEN");
    expect(outcome.after.invoice?.setTotalMsat).toBeNull();
  });

  it("counts from each HTLC's own arrival, not from the invoice's creation", () => {
    const late = arrival({ key: htlcKey(NODE_A, 2n), amtMsat: 30_000n, now: T0 + 30 * 60_000 });
    given(invoiceCreated(), htlcAccepted(late)).when(tick(late.data.now + MPP)).thenNothingHappens();
    given(invoiceCreated(), htlcAccepted(late))
      .when(tick(late.data.now + MPP + 1))
      .then({
        events: [{ type: "MppSetTimedOut", data: { paymentHash: PAYMENT_HASH, htlcKeys: [late.data.key], at: late.data.now + MPP + 1 } }],
        commands: [failHtlc(late.data.key, PAYMENT_HASH, { kind: "mpp_timeout" })],
      });
  });

  it("lets a new set pay the invoice after a set timed out", () => {
    const next = arrival({ key: htlcKey(NODE_B, 2n), amtMsat: 100_000n, totalMsat: 100_000n, now: a.data.now + MPP + 5_000 });
    const history = run([{ type: "CreateInvoice", data: terms() }, arrival({ key: a.data.key, amtMsat: 30_000n, totalMsat: 150_000n, now: a.data.now }), tick(a.data.now + MPP + 1)]);
    given(...history)
      .when(next)
      .then({
        events: [
          htlcAccepted(next),
          settleRequested([next], { setTotalMsat: 100_000n, amountPaidMsat: 100_000n }),
        ],
        commands: [settleHtlc(next.data.key, PAYMENT_HASH, next.data)],
      });
  });

  it("does not time out a complete (ACCEPTED) hold set: that is the accept timeout's job", () => {
    const full = arrival({ key: htlcKey(NODE_A, 3n), now: T0 + 1_000 });
    const history = run([{ type: "CreateInvoice", data: terms({ mode: "hold" }) }, full]);
    given(...history).when(tick(full.data.now + MPP + 1)).thenNothingHappens();
  });
});

describe("hold invoice accept timeout: the application must settle or cancel in time", () => {
  const a = arrival({ key: htlcKey(NODE_A, 1n), amtMsat: 60_000n, now: T0 + 1_000 });
  const b = arrival({ key: htlcKey(NODE_B, 1n), amtMsat: 40_000n, outgoingAmountMsat: 41_000n, now: T0 + 2_000 });
  const history = run([{ type: "CreateInvoice", data: terms({ mode: "hold" }) }, a, b]);

  it("keeps the ACCEPTED set held until the accept timeout has passed", () => {
    given(...history).when(tick(b.data.now + ACCEPT)).thenNothingHappens();
  });

  it("cancels the invoice and fails every part with incorrect_or_unknown_payment_details at the tick's height", () => {
    const now = b.data.now + ACCEPT + 1;
    const height = HEIGHT + 30;
    const failureA = { kind: "incorrect_or_unknown_payment_details" as const, htlcMsat: 60_000n, height };
    const failureB = { kind: "incorrect_or_unknown_payment_details" as const, htlcMsat: 41_000n, height };
    const outcome = given(...history)
      .when(tick(now, height))
      .then({
        events: [
          {
            type: "InvoiceCancelled",
            data: { paymentHash: PAYMENT_HASH, reason: "accept_timeout", failedHtlcs: [{ key: a.data.key, failure: failureA }, { key: b.data.key, failure: failureB }], at: now },
          },
        ],
        commands: [failHtlc(a.data.key, PAYMENT_HASH, failureA), failHtlc(b.data.key, PAYMENT_HASH, failureB)],
      });
    expect(outcome.after.invoice?.status).toBe("CANCELLED");
  });
});

describe("invoice expiry: an OPEN invoice with no HELD HTLC stops at expiresAt", () => {
  it("marks the invoice EXPIRED at expiresAt", () => {
    given(invoiceCreated())
      .when(tick(T0 + HOUR))
      .then({ events: [{ type: "InvoiceExpired", data: { paymentHash: PAYMENT_HASH, at: T0 + HOUR } }] });
  });

  it("leaves it OPEN one millisecond before", () => {
    given(invoiceCreated()).when(tick(T0 + HOUR - 1)).thenNothingHappens();
  });

  it("does not expire an invoice while a set is in progress; the set's MPP timeout and the expiry then come in one tick", () => {
    const a = arrival({ key: htlcKey(NODE_A, 1n), amtMsat: 30_000n, now: T0 + HOUR - 1_000 });
    given(invoiceCreated(), htlcAccepted(a)).when(tick(T0 + HOUR + 1)).thenNothingHappens();
    const now = a.data.now + MPP + 1;
    given(invoiceCreated(), htlcAccepted(a))
      .when(tick(now))
      .then({
        events: [
          { type: "MppSetTimedOut", data: { paymentHash: PAYMENT_HASH, htlcKeys: [a.data.key], at: now } },
          { type: "InvoiceExpired", data: { paymentHash: PAYMENT_HASH, at: now } },
        ],
        commands: [failHtlc(a.data.key, PAYMENT_HASH, { kind: "mpp_timeout" })],
      });
  });

  it("never expires a settle-requested, cancelled or unknown invoice", () => {
    const full = arrival({ key: htlcKey(NODE_A, 4n) });
    const settled = run([{ type: "CreateInvoice", data: terms() }, full]);
    expect(settled.at(-1)?.type).toBe("InvoiceSettleRequested");
    given(...settled).when(tick(T0 + 10 * HOUR)).thenNothingHappens();
    given(invoiceCreated(), { type: "InvoiceCancelled", data: { paymentHash: PAYMENT_HASH, reason: "requested", failedHtlcs: [], at: T0 } })
      .when(tick(T0 + 10 * HOUR))
      .thenNothingHappens();
    given().when(tick(T0 + 10 * HOUR)).thenNothingHappens();
  });
});
