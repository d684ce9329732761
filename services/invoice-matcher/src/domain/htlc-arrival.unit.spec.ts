import { describe, expect, it } from "vitest";
import { failHtlc, settleHtlc } from "./commands.ts";
import type { HtlcRejectionReason } from "./events.ts";
import type { HtlcFailure } from "./htlc-failure.ts";
import type { HtlcArrived } from "./inputs.ts";
import { given } from "./testing/decider-specification.ts";
import {
  HEIGHT,
  HOUR,
  INVOICE_MSAT,
  MIN_FINAL_CLTV_DELTA,
  NODE_A,
  NODE_B,
  NODE_C,
  PAYMENT_HASH,
  T0,
  WRONG_SECRET,
  arrival,
  arrivalOf,
  htlcAccepted,
  htlcKey,
  invoiceCreated,
  testConfig,
  unknownPaymentDetails,
  settleRequested,
} from "./testing/fixtures.ts";
import { virtualHopFeeMsat } from "./virtual-hop-policy.ts";
import type { InvoiceEvent } from "./events.ts";

const rejectedWith = (input: HtlcArrived, reason: HtlcRejectionReason, failure: HtlcFailure) => ({
  events: [{ type: "HtlcRejected" as const, data: { paymentHash: PAYMENT_HASH, htlc: arrivalOf(input), reason, failure } }],
  commands: [failHtlc(input.data.key, PAYMENT_HASH, failure)],
});

// One part that pays the whole invoice settles at once (auto mode).
const settledAlone = (input: HtlcArrived) => ({
  events: [
    htlcAccepted(input),
    settleRequested([input]),
  ],
  commands: [settleHtlc(input.data.key, PAYMENT_HASH, input.data)],
});

const part = (node: string, id: bigint, amtMsat: bigint, extra: Parameters<typeof arrival>[0] = {}) =>
  arrival({ key: htlcKey(node, id), amtMsat, ...extra });

describe("virtual hop policy: the cluster node's fee and CLTV delta, which lnd does not check on the fake channel", () => {
  const policy = testConfig.virtualHopPolicy;
  const fee = virtualHopFeeMsat(policy, INVOICE_MSAT);

  it("accepts an HTLC whose incoming amount pays exactly outgoing + fee_base + proportional fee and whose expiry keeps exactly the delta", () => {
    const input = arrival({ incomingAmountMsat: INVOICE_MSAT + fee, incomingExpiry: HEIGHT + MIN_FINAL_CLTV_DELTA + 6 + policy.cltvExpiryDelta });
    given(invoiceCreated()).when(input).then(settledAlone(input));
  });

  it("fails with temporary_channel_failure when the incoming amount is one msat short of the fee", () => {
    const input = arrival({ incomingAmountMsat: INVOICE_MSAT + fee - 1n });
    given(invoiceCreated()).when(input).then(rejectedWith(input, "virtual_hop_fee_insufficient", { kind: "temporary_channel_failure" }));
  });

  it("fails with temporary_channel_failure when incoming_expiry leaves one block less than cltv_expiry_delta", () => {
    const input = arrival();
    const shortExpiry = { ...input, data: { ...input.data, incomingExpiry: input.data.outgoingExpiry + policy.cltvExpiryDelta - 1 } };
    given(invoiceCreated())
      .when(shortExpiry)
      .then(rejectedWith(shortExpiry, "virtual_hop_cltv_delta_insufficient", { kind: "temporary_channel_failure" }));
  });

  it("computes the proportional fee as BOLT 7 does, rounded down: base + amount * ppm / 1e6", () => {
    expect(virtualHopFeeMsat(policy, 100_000n)).toBe(1_000n + 10n);
    expect(virtualHopFeeMsat(policy, 9_999n)).toBe(1_000n + 0n);
    expect(virtualHopFeeMsat({ ...policy, feeProportionalMillionths: 1_000_000n }, 2n ** 60n)).toBe(1_000n + 2n ** 60n);
  });

  it("checks the policy before the onion: a forwarding failure is the cluster node's, even for a bad onion", () => {
    const input = arrival({ incomingAmountMsat: 1n, peel: { ok: false, failure: { kind: "failure_code", lndFailureCode: 9 } } });
    given(invoiceCreated()).when(input).then(rejectedWith(input, "virtual_hop_fee_insufficient", { kind: "temporary_channel_failure" }));
  });
});

describe("onion peel (BOLT 4): the peel's own failure goes back unchanged", () => {
  it("accepts an HTLC whose onion peeled to a valid final-hop payload", () => {
    const input = arrival();
    given(invoiceCreated()).when(input).then(settledAlone(input));
  });

  it("fails with the peel's failure reply, passed through opaque (bigint fields included)", () => {
    const reason = { kind: "failure_message", failure: { type: "invalid_onion_payload", tlvType: 8n, offset: 12 } };
    const input = arrival({ peel: { ok: false, failure: reason } });
    given(invoiceCreated()).when(input).then(rejectedWith(input, "onion_peel_failed", { kind: "onion", reason }));
  });
});

describe("final_incorrect_htlc_amount (BOLT 4: amt_to_forward above the HTLC amount)", () => {
  it("accepts amt_to_forward equal to the HTLC amount", () => {
    const input = arrival({ amtMsat: INVOICE_MSAT, outgoingAmountMsat: INVOICE_MSAT });
    given(invoiceCreated()).when(input).then(settledAlone(input));
  });

  it("fails when amt_to_forward exceeds the HTLC amount by one msat, reporting the HTLC amount", () => {
    const input = arrival({ amtMsat: INVOICE_MSAT, outgoingAmountMsat: INVOICE_MSAT - 1n });
    given(invoiceCreated())
      .when(input)
      .then(rejectedWith(input, "htlc_amount_below_amt_to_forward", { kind: "final_incorrect_htlc_amount", incomingHtlcMsat: INVOICE_MSAT - 1n }));
  });
});

describe("final_incorrect_cltv_expiry (BOLT 4: outgoing_cltv_value above the HTLC's cltv_expiry)", () => {
  it("accepts outgoing_cltv_value equal to cltv_expiry", () => {
    const input = arrival({ outgoingExpiry: HEIGHT + 100, outgoingCltv: HEIGHT + 100 });
    given(invoiceCreated()).when(input).then(settledAlone(input));
  });

  it("fails when outgoing_cltv_value is one block above cltv_expiry, reporting cltv_expiry", () => {
    const input = arrival({ outgoingExpiry: HEIGHT + 100, outgoingCltv: HEIGHT + 101 });
    given(invoiceCreated())
      .when(input)
      .then(rejectedWith(input, "htlc_expiry_below_outgoing_cltv", { kind: "final_incorrect_cltv_expiry", cltvExpiry: HEIGHT + 100 }));
  });
});

describe("cltv_expiry too soon (BOLT 4: below current height + min_final_cltv_expiry_delta)", () => {
  it("accepts cltv_expiry exactly at height + min_final_cltv_expiry_delta", () => {
    const input = arrival({ outgoingExpiry: HEIGHT + MIN_FINAL_CLTV_DELTA });
    given(invoiceCreated()).when(input).then(settledAlone(input));
  });

  it("fails with incorrect_or_unknown_payment_details one block below it", () => {
    const input = arrival({ outgoingExpiry: HEIGHT + MIN_FINAL_CLTV_DELTA - 1 });
    given(invoiceCreated()).when(input).then(rejectedWith(input, "cltv_expiry_too_soon", unknownPaymentDetails(input)));
  });
});

describe("unknown payment hash", () => {
  it("fails with incorrect_or_unknown_payment_details carrying the HTLC amount and the current height", () => {
    const input = arrival({ outgoingAmountMsat: 123_456n, amtMsat: 100_000n, blockHeight: HEIGHT + 3 });
    const outcome = given().when(input).then(rejectedWith(input, "unknown_invoice", {
      kind: "incorrect_or_unknown_payment_details",
      htlcMsat: 123_456n,
      height: HEIGHT + 3,
    }));
    // Recorded even without an invoice, so a replay is answered without a new event.
    expect(outcome.after.htlcs.size).toBe(1);
    expect(outcome.after.invoice).toBeNull();
  });

  it("accepts the same HTLC once the invoice exists", () => {
    const input = arrival();
    given(invoiceCreated()).when(input).then(settledAlone(input));
  });
});

describe("payment_data (BOLT 4: payment_secret and total_msat are required by our invoices)", () => {
  it("fails an HTLC without payment_secret", () => {
    const input = arrival({ paymentSecret: undefined });
    given(invoiceCreated()).when(input).then(rejectedWith(input, "missing_payment_data", unknownPaymentDetails(input)));
  });

  it("fails an HTLC without total_msat", () => {
    const input = arrival({ totalMsat: undefined });
    given(invoiceCreated()).when(input).then(rejectedWith(input, "missing_payment_data", unknownPaymentDetails(input)));
  });

  it("fails an HTLC with the wrong payment_secret (a probe or a stale invoice)", () => {
    const input = arrival({ paymentSecret: WRONG_SECRET });
    given(invoiceCreated()).when(input).then(rejectedWith(input, "wrong_payment_secret", unknownPaymentDetails(input)));
  });

  it("fails a payment_secret of the wrong length", () => {
    const input = arrival({ paymentSecret: WRONG_SECRET.slice(2) });
    given(invoiceCreated()).when(input).then(rejectedWith(input, "wrong_payment_secret", unknownPaymentDetails(input)));
  });

  it("accepts the invoice's own payment_secret", () => {
    const input = arrival();
    given(invoiceCreated()).when(input).then(settledAlone(input));
  });
});

describe("total_msat against the invoice amount (BOLT 4 / BOLT 11)", () => {
  it("fails a set whose total_msat is one msat below the invoice amount", () => {
    const input = arrival({ amtMsat: INVOICE_MSAT - 1n, totalMsat: INVOICE_MSAT - 1n });
    given(invoiceCreated()).when(input).then(rejectedWith(input, "total_msat_below_invoice_amount", unknownPaymentDetails(input)));
  });

  it("accepts an overpaying set (total_msat above the invoice amount, BOLT 4 allows up to twice)", () => {
    const input = arrival({ amtMsat: 150_000n, totalMsat: 150_000n });
    given(invoiceCreated())
      .when(input)
      .then({
        events: [
          htlcAccepted(input),
          settleRequested([input], { setTotalMsat: 150_000n, amountPaidMsat: 150_000n }),
        ],
        commands: [settleHtlc(input.data.key, PAYMENT_HASH, input.data)],
      });
  });
});

describe("amount-less invoices: any total_msat >= 1, fixed by the first HTLC of the set", () => {
  const amountless = invoiceCreated({ amountMsat: null });

  it("accepts the first part with its own total_msat and settles when the parts reach it", () => {
    const first = part(NODE_A, 1n, 700n, { totalMsat: 1_000n });
    const second = part(NODE_B, 1n, 300n, { totalMsat: 1_000n });
    given(amountless).when(first).then({ events: [htlcAccepted(first)] });
    given(amountless, htlcAccepted(first))
      .when(second)
      .then({
        events: [
          htlcAccepted(second),
          settleRequested([first, second], { setTotalMsat: 1_000n, amountPaidMsat: 1_000n }),
        ],
        commands: [settleHtlc(first.data.key, PAYMENT_HASH, first.data), settleHtlc(second.data.key, PAYMENT_HASH, second.data)],
      });
  });

  it("fails total_msat 0", () => {
    const input = arrival({ amtMsat: 0n, totalMsat: 0n });
    given(amountless).when(input).then(rejectedWith(input, "total_msat_below_invoice_amount", unknownPaymentDetails(input)));
  });

  it("fails a later part that declares another total_msat than the first", () => {
    const first = part(NODE_A, 1n, 700n, { totalMsat: 1_000n });
    const second = part(NODE_B, 1n, 300n, { totalMsat: 300n });
    given(amountless, htlcAccepted(first)).when(second).then(rejectedWith(second, "total_msat_differs_from_set", unknownPaymentDetails(second)));
  });
});

describe("one MPP set: every part must declare the set's total_msat", () => {
  const first = part(NODE_A, 1n, 40_000n, { totalMsat: 120_000n });

  it("accepts a part with the same total_msat (and the set stays incomplete: no settle)", () => {
    const second = part(NODE_B, 1n, 40_000n, { totalMsat: 120_000n });
    given(invoiceCreated(), htlcAccepted(first)).when(second).then({ events: [htlcAccepted(second)] });
  });

  it("fails a part whose total_msat differs from the set's", () => {
    const second = part(NODE_B, 1n, 80_000n, { totalMsat: 100_000n });
    given(invoiceCreated(), htlcAccepted(first)).when(second).then(rejectedWith(second, "total_msat_differs_from_set", unknownPaymentDetails(second)));
  });
});

describe("MPP set completion across cluster nodes", () => {
  it("auto mode: settles every part, each on the node that holds it, once the parts pay total_msat", () => {
    const a = part(NODE_A, 7n, 30_000n);
    const b = part(NODE_B, 7n, 30_000n); // same circuit ids on another node: a different HTLC
    const c = part(NODE_C, 0n, 40_000n);
    const outcome = given(invoiceCreated(), htlcAccepted(a), htlcAccepted(b))
      .when(c)
      .then({
        events: [
          htlcAccepted(c),
          settleRequested([a, b, c]),
        ],
        commands: [settleHtlc(a.data.key, PAYMENT_HASH, a.data), settleHtlc(b.data.key, PAYMENT_HASH, b.data), settleHtlc(c.data.key, PAYMENT_HASH, c.data)],
      });
    expect(outcome.after.invoice?.status).toBe("SETTLE_REQUESTED");
    expect([...outcome.after.htlcs.values()].map((h) => h.status)).toEqual(["SETTLE_REQUESTED", "SETTLE_REQUESTED", "SETTLE_REQUESTED"]);
  });

  it("does not settle while the parts pay one msat less than total_msat", () => {
    const a = part(NODE_A, 1n, 50_000n);
    const b = part(NODE_B, 1n, 49_999n);
    const outcome = given(invoiceCreated(), htlcAccepted(a)).when(b).then({ events: [htlcAccepted(b)] });
    expect(outcome.after.invoice?.status).toBe("OPEN");
  });

  it("counts amt_to_forward, not the HTLC amount an intermediate hop may have rounded up", () => {
    const a = part(NODE_A, 1n, 40_000n, { outgoingAmountMsat: 60_000n });
    const b = part(NODE_B, 1n, 40_000n, { outgoingAmountMsat: 60_000n });
    given(invoiceCreated(), htlcAccepted(a)).when(b).then({ events: [htlcAccepted(b)] });
  });

  it("settles a set whose last part overshoots total_msat", () => {
    const a = part(NODE_A, 1n, 60_000n);
    const b = part(NODE_B, 1n, 60_000n);
    given(invoiceCreated(), htlcAccepted(a))
      .when(b)
      .then({
        events: [
          htlcAccepted(b),
          settleRequested([a, b], { amountPaidMsat: 120_000n }),
        ],
        commands: [settleHtlc(a.data.key, PAYMENT_HASH, a.data), settleHtlc(b.data.key, PAYMENT_HASH, b.data)],
      });
  });

  it("hold mode: a complete set is ACCEPTED and held, nothing is settled yet", () => {
    const a = part(NODE_A, 1n, 50_000n);
    const b = part(NODE_B, 1n, 50_000n);
    const outcome = given(invoiceCreated({ mode: "hold" }), htlcAccepted(a))
      .when(b)
      .then({
        events: [
          htlcAccepted(b),
          {
            type: "InvoiceAccepted",
            data: { paymentHash: PAYMENT_HASH, htlcKeys: [a.data.key, b.data.key], setTotalMsat: INVOICE_MSAT, amountPaidMsat: INVOICE_MSAT, at: b.data.now },
          },
        ],
      });
    expect(outcome.after.invoice?.status).toBe("ACCEPTED");
  });
});

describe("invoice state: HTLCs never join a set that is complete, settled or cancelled", () => {
  const first = part(NODE_A, 1n, INVOICE_MSAT);
  const requested: InvoiceEvent = settleRequested([first], { at: T0 + 1_000 });
  const newcomer = part(NODE_B, 9n, INVOICE_MSAT, { now: T0 + 5_000 });

  it("fails a NEW HTLC for a settle-requested invoice (money-safety rule 2)", () => {
    given(invoiceCreated(), htlcAccepted(first), requested)
      .when(newcomer)
      .then(rejectedWith(newcomer, "invoice_already_settled", unknownPaymentDetails(newcomer)));
  });

  it("fails a NEW HTLC for a settled invoice", () => {
    given(
      invoiceCreated(),
      htlcAccepted(first),
      requested,
      { type: "HtlcSettled", data: { paymentHash: PAYMENT_HASH, key: first.data.key, at: T0 + 2_000 } },
      { type: "InvoiceSettled", data: { paymentHash: PAYMENT_HASH, amountPaidMsat: INVOICE_MSAT, at: T0 + 2_000 } },
    )
      .when(newcomer)
      .then(rejectedWith(newcomer, "invoice_already_settled", unknownPaymentDetails(newcomer)));
  });

  it("fails an HTLC that arrives after a hold invoice's set was ACCEPTED, instead of adding it to the set", () => {
    given(invoiceCreated({ mode: "hold" }), htlcAccepted(first), {
      type: "InvoiceAccepted",
      data: { paymentHash: PAYMENT_HASH, htlcKeys: [first.data.key], setTotalMsat: INVOICE_MSAT, amountPaidMsat: INVOICE_MSAT, at: T0 + 1_000 },
    })
      .when(newcomer)
      .then(rejectedWith(newcomer, "set_already_complete", unknownPaymentDetails(newcomer)));
  });

  it("fails an HTLC for a cancelled invoice", () => {
    given(invoiceCreated(), { type: "InvoiceCancelled", data: { paymentHash: PAYMENT_HASH, reason: "requested", failedHtlcs: [], at: T0 + 1_000 } })
      .when(newcomer)
      .then(rejectedWith(newcomer, "invoice_cancelled", unknownPaymentDetails(newcomer)));
  });

  it("fails an HTLC for an invoice marked EXPIRED", () => {
    given(invoiceCreated(), { type: "InvoiceExpired", data: { paymentHash: PAYMENT_HASH, at: T0 + HOUR } })
      .when(newcomer)
      .then(rejectedWith(newcomer, "invoice_expired", unknownPaymentDetails(newcomer)));
  });
});

describe("invoice expiry at arrival: no new set after expiresAt", () => {
  it("fails the first HTLC of a new set arriving at expiresAt, even before a Tick marked the invoice EXPIRED", () => {
    const input = arrival({ now: T0 + HOUR });
    given(invoiceCreated()).when(input).then(rejectedWith(input, "invoice_expired", unknownPaymentDetails(input)));
  });

  it("accepts the first HTLC one millisecond before expiresAt", () => {
    const input = arrival({ now: T0 + HOUR - 1 });
    given(invoiceCreated()).when(input).then(settledAlone(input));
  });

  it("accepts a later part of a set that started before expiresAt, and settles the completed set", () => {
    const a = part(NODE_A, 1n, 50_000n, { now: T0 + HOUR - 10 });
    const b = part(NODE_B, 1n, 50_000n, { now: T0 + HOUR + 10 });
    given(invoiceCreated(), htlcAccepted(a))
      .when(b)
      .then({
        events: [
          htlcAccepted(b),
          settleRequested([a, b]),
        ],
        commands: [settleHtlc(a.data.key, PAYMENT_HASH, a.data), settleHtlc(b.data.key, PAYMENT_HASH, b.data)],
      });
  });
});

describe("aggregate routing", () => {
  it("refuses to decide an HTLC for another payment hash than the aggregate's (a shell bug)", () => {
    expect(() => given(invoiceCreated()).when(arrival({ paymentHash: "22".repeat(32) }))).toThrow(/another payment hash/);
  });
});
