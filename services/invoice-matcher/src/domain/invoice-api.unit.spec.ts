import { describe, expect, it } from "vitest";
import { failHtlc, settleHtlc } from "./commands.ts";
import { MatcherInvariantError } from "./decision.ts";
import type { InvoiceTerms } from "./invoice-terms.ts";
import { given, run } from "./testing/decider-specification.ts";
import {
  HEIGHT,
  INVOICE_MSAT,
  NODE_A,
  NODE_B,
  PAYMENT_HASH,
  T0,
  arrival,
  cancelInvoice,
  htlcAccepted,
  htlcFinal,
  htlcKey,
  invoiceCreated,
  settleInvoice,
  terms,
  settleRequested,
} from "./testing/fixtures.ts";

const create = (overrides: Partial<InvoiceTerms> = {}) => ({ type: "CreateInvoice" as const, data: terms(overrides) });

describe("CreateInvoice: idempotent by payment hash", () => {
  it("records the terms of a new invoice", () => {
    const outcome = given().when(create()).then({ events: [invoiceCreated()] });
    expect(outcome.after.invoice?.status).toBe("OPEN");
  });

  it("answers a retry with the same terms with nothing", () => {
    given(invoiceCreated()).when(create()).thenNothingHappens();
  });

  it("refuses different terms for a payment hash that already has an invoice", () => {
    given(invoiceCreated()).when(create({ amountMsat: INVOICE_MSAT + 1n })).thenRejected("terms_conflict");
    given(invoiceCreated()).when(create({ mode: "hold" })).thenRejected("terms_conflict");
    given(invoiceCreated()).when(create({ paymentSecret: "77".repeat(32) })).thenRejected("terms_conflict");
  });

  it("refuses terms that cannot make an invoice", () => {
    given().when(create({ paymentHash: "xyz" })).thenRejected("invalid_terms");
    given().when(create({ paymentSecret: "AB".repeat(32) })).thenRejected("invalid_terms");
    given().when(create({ amountMsat: 0n })).thenRejected("invalid_terms");
    given().when(create({ expiresAt: T0 })).thenRejected("invalid_terms");
    given().when(create({ minFinalCltvExpiryDelta: 0 })).thenRejected("invalid_terms");
    given().when(create({ bolt11: "" })).thenRejected("invalid_terms");
  });

  it("creates the invoice even if an HTLC for its hash was already refused as unknown, which stays failed", () => {
    const early = arrival();
    const history = run([early, create()]);
    expect(history.map((e) => e.type)).toEqual(["HtlcRejected", "InvoiceCreated"]);
    given(...history).when(early).then({
      commands: [failHtlc(early.data.key, PAYMENT_HASH, { kind: "incorrect_or_unknown_payment_details", htlcMsat: INVOICE_MSAT, height: HEIGHT })],
    });
  });
});

const a = arrival({ key: htlcKey(NODE_A, 1n), amtMsat: 60_000n, now: T0 + 1_000 });
const b = arrival({ key: htlcKey(NODE_B, 1n), amtMsat: 40_000n, now: T0 + 2_000 });
const accepted = run([create({ mode: "hold" }), a, b]);
const partial = run([create({ mode: "hold" }), a]);

describe("SettleInvoice (hold mode): settle only a complete, ACCEPTED set", () => {
  it("settles every part of the ACCEPTED set on its own node, after recording the decision", () => {
    const outcome = given(...accepted)
      .when(settleInvoice(T0 + 5_000))
      .then({
        events: [
          settleRequested([a, b], { at: T0 + 5_000 }),
        ],
        commands: [settleHtlc(a.data.key, PAYMENT_HASH, a.data), settleHtlc(b.data.key, PAYMENT_HASH, b.data)],
      });
    expect(outcome.after.invoice?.status).toBe("SETTLE_REQUESTED");
  });

  it("refuses, as a bug, to settle an ACCEPTED set that does not pay total_msat (a corrupted history): rule 1 is re-checked at the decision", () => {
    const short = arrival({ key: htlcKey(NODE_A, 1n), amtMsat: 30_000n, now: T0 + 1_000 });
    const corrupted = [
      invoiceCreated({ mode: "hold" }),
      htlcAccepted(short),
      {
        type: "InvoiceAccepted" as const,
        data: { paymentHash: PAYMENT_HASH, htlcKeys: [short.data.key], setTotalMsat: INVOICE_MSAT, amountPaidMsat: 30_000n, at: T0 + 1_000 },
      },
    ];
    expect(() => given(...corrupted).when(settleInvoice())).toThrow(MatcherInvariantError);
    expect(() => given(...corrupted).when(settleInvoice())).toThrow(/does not pay its total_msat/);
  });

  it("refuses to settle an OPEN invoice whose set does not pay it yet (money-safety rule 1)", () => {
    given(...partial).when(settleInvoice()).thenRejected("invalid_status");
  });

  it("answers a repeated settle with nothing: no events and no SettleHtlc for circuits lnd may have resolved (rule 5)", () => {
    const settling = run([create({ mode: "hold" }), a, b, settleInvoice()]);
    given(...settling).when(settleInvoice()).thenNothingHappens();
    const settled = run([create({ mode: "hold" }), a, b, settleInvoice(), htlcFinal(a.data.key, true), htlcFinal(b.data.key, true)]);
    expect(settled.at(-1)?.type).toBe("InvoiceSettled");
    given(...settled).when(settleInvoice()).thenNothingHappens();
  });

  it("refuses to settle a cancelled or expired invoice, or an unknown one", () => {
    given(...run([create({ mode: "hold" }), a, b, cancelInvoice()])).when(settleInvoice()).thenRejected("invalid_status");
    given(invoiceCreated({ mode: "hold" }), { type: "InvoiceExpired", data: { paymentHash: PAYMENT_HASH, at: T0 } }).when(settleInvoice()).thenRejected("invalid_status");
    given().when(settleInvoice()).thenRejected("unknown_invoice");
  });
});

describe("CancelInvoice: never after the settle decision", () => {
  it("cancels an OPEN invoice and fails its HELD parts with incorrect_or_unknown_payment_details", () => {
    const failure = { kind: "incorrect_or_unknown_payment_details" as const, htlcMsat: 60_000n, height: HEIGHT + 1 };
    const outcome = given(...partial)
      .when(cancelInvoice(T0 + 3_000, HEIGHT + 1))
      .then({
        events: [{ type: "InvoiceCancelled", data: { paymentHash: PAYMENT_HASH, reason: "requested", failedHtlcs: [{ key: a.data.key, failure }], at: T0 + 3_000 } }],
        commands: [failHtlc(a.data.key, PAYMENT_HASH, failure)],
      });
    expect(outcome.after.invoice?.status).toBe("CANCELLED");
  });

  it("cancels an ACCEPTED invoice and fails the whole set", () => {
    const failureA = { kind: "incorrect_or_unknown_payment_details" as const, htlcMsat: 60_000n, height: HEIGHT };
    const failureB = { kind: "incorrect_or_unknown_payment_details" as const, htlcMsat: 40_000n, height: HEIGHT };
    given(...accepted)
      .when(cancelInvoice(T0 + 3_000))
      .then({
        events: [
          {
            type: "InvoiceCancelled",
            data: { paymentHash: PAYMENT_HASH, reason: "requested", failedHtlcs: [{ key: a.data.key, failure: failureA }, { key: b.data.key, failure: failureB }], at: T0 + 3_000 },
          },
        ],
        commands: [failHtlc(a.data.key, PAYMENT_HASH, failureA), failHtlc(b.data.key, PAYMENT_HASH, failureB)],
      });
  });

  it("refuses to cancel a settle-requested or settled invoice (the preimage may be out)", () => {
    const settling = run([create({ mode: "hold" }), a, b, settleInvoice()]);
    given(...settling).when(cancelInvoice()).thenRejected("invalid_status");
    const autoSettled = run([create(), arrival({ key: htlcKey(NODE_A, 5n) }), htlcFinal(htlcKey(NODE_A, 5n), true)]);
    expect(autoSettled.at(-1)?.type).toBe("InvoiceSettled");
    given(...autoSettled).when(cancelInvoice()).thenRejected("invalid_status");
  });

  it("answers a repeated cancel, or a cancel of an expired invoice, with nothing", () => {
    given(...run([create({ mode: "hold" }), a, cancelInvoice()])).when(cancelInvoice()).thenNothingHappens();
    given(invoiceCreated(), { type: "InvoiceExpired", data: { paymentHash: PAYMENT_HASH, at: T0 } }).when(cancelInvoice()).thenNothingHappens();
  });

  it("refuses to cancel an unknown invoice", () => {
    given().when(cancelInvoice()).thenRejected("unknown_invoice");
  });
});

describe("aggregate routing", () => {
  it("throws MatcherInvariantError for an input addressed to another payment hash", () => {
    const other = "33".repeat(32);
    expect(() => given(invoiceCreated()).when({ type: "SettleInvoice", data: { paymentHash: other, now: T0, blockHeight: 850_000 } })).toThrow(MatcherInvariantError);
    expect(() => given(invoiceCreated()).when({ type: "CancelInvoice", data: { paymentHash: other, now: T0, blockHeight: HEIGHT } })).toThrow(MatcherInvariantError);
    expect(() => given(invoiceCreated()).when({ type: "CreateInvoice", data: terms({ paymentHash: other }) })).toThrow(MatcherInvariantError);
    expect(() => given(invoiceCreated()).when({ type: "Tick", data: { paymentHash: other, now: T0, blockHeight: HEIGHT } })).toThrow(MatcherInvariantError);
    expect(() => given(invoiceCreated()).when({ type: "HtlcFinal", data: { paymentHash: other, key: a.data.key, settled: true, now: T0 } })).toThrow(MatcherInvariantError);
  });
});
