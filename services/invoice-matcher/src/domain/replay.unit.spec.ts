import { describe, expect, it } from "vitest";
import { failHtlc, settleHtlc } from "./commands.ts";
import type { InvoiceEvent } from "./events.ts";
import { evolve, rebuildState } from "./state.ts";
import { given, run } from "./testing/decider-specification.ts";
import {
  INVOICE_MSAT,
  NODE_A,
  NODE_B,
  PAYMENT_HASH,
  T0,
  WRONG_SECRET,
  arrival,
  htlcFinal,
  htlcKey,
  invoiceCreated,
  terms,
  testConfig,
  tick,
  unknownPaymentDetails,
  halfThroughA,
  halfThroughB,
} from "./testing/fixtures.ts";

// lnd re-offers every held HTLC after an interceptor reconnect or a restart (same circuit keys),
// and Kafka redelivers after a consumer crash. Money-safety rules 2 and 4: a replayed HTLC gets
// the answer it got the first time, and changes nothing.

const [a, b] = [halfThroughA, halfThroughB];
// The same circuit offered again later, at another height: the answer must not change.
const again = (input: typeof a) => ({ ...input, data: { ...input.data, now: input.data.now + 30_000, blockHeight: input.data.blockHeight + 2 } });

describe("replayed HTLCs get the same answer and no new event", () => {
  it("a HELD part of an incomplete set: nothing (keep holding)", () => {
    const history = run([{ type: "CreateInvoice", data: terms() }, a]);
    given(...history).when(again(a)).thenNothingHappens();
  });

  it("a HELD part of an ACCEPTED hold set: nothing (still waiting for the application)", () => {
    const history = run([{ type: "CreateInvoice", data: terms({ mode: "hold" }) }, a, b]);
    expect(history.map((e) => e.type)).toEqual(["InvoiceCreated", "HtlcAccepted", "HtlcAccepted", "InvoiceAccepted"]);
    given(...history).when(again(b)).thenNothingHappens();
  });

  it("a part of a settle-requested set: SettleHtlc again (the decision was durable before the first settle)", () => {
    const history = run([{ type: "CreateInvoice", data: terms() }, a, b]);
    given(...history).when(again(a)).then({ commands: [settleHtlc(a.data.key, PAYMENT_HASH, a.data)] });
  });

  it("a part lnd already reported settled: SettleHtlc again, never a fail", () => {
    const history = run([{ type: "CreateInvoice", data: terms() }, a, b, htlcFinal(a.data.key, true)]);
    given(...history).when(again(a)).then({ commands: [settleHtlc(a.data.key, PAYMENT_HASH, a.data)] });
  });

  it("a rejected HTLC: the very same FailHtlc, with the height of the first decision", () => {
    const wrong = arrival({ key: htlcKey(NODE_A, 9n), paymentSecret: WRONG_SECRET });
    const history = run([{ type: "CreateInvoice", data: terms() }, wrong]);
    given(...history).when(again(wrong)).then({ commands: [failHtlc(wrong.data.key, PAYMENT_HASH, unknownPaymentDetails(wrong))] });
  });

  it("an HTLC for an unknown hash: the same FailHtlc, and still no event", () => {
    const history = run([a]);
    expect(history.map((e) => e.type)).toEqual(["HtlcRejected"]);
    given(...history).when(again(a)).then({ commands: [failHtlc(a.data.key, PAYMENT_HASH, unknownPaymentDetails(a))] });
  });

  it("a part failed by the MPP timeout: mpp_timeout again", () => {
    const history = run([{ type: "CreateInvoice", data: terms() }, a, tick(a.data.now + testConfig.mppTimeoutMs + 1)]);
    given(...history).when(again(a)).then({ commands: [failHtlc(a.data.key, PAYMENT_HASH, { kind: "mpp_timeout" })] });
  });

  it("a part lnd reported failed after our fail: the same failure again", () => {
    const history = run([{ type: "CreateInvoice", data: terms() }, a, tick(a.data.now + testConfig.mppTimeoutMs + 1), htlcFinal(a.data.key, false)]);
    given(...history).when(again(a)).then({ commands: [failHtlc(a.data.key, PAYMENT_HASH, { kind: "mpp_timeout" })] });
  });

  it("a HELD part lnd failed on its own (auto-fail height) and offers again: failed, never settled or re-held", () => {
    const history = run([{ type: "CreateInvoice", data: terms() }, a, htlcFinal(a.data.key, false)]);
    const replay = again(a);
    given(...history)
      .when(replay)
      .then({
        commands: [failHtlc(a.data.key, PAYMENT_HASH, { kind: "incorrect_or_unknown_payment_details", htlcMsat: a.data.outgoingAmountMsat, height: replay.data.blockHeight })],
      });
  });

  it("a replay with different fields is still answered from the record, not re-judged", () => {
    const history = run([{ type: "CreateInvoice", data: terms() }, a, b]);
    const tampered = { ...a, data: { ...a.data, peel: { ok: false as const, failure: "garbage" } } };
    given(...history).when(tampered).then({ commands: [settleHtlc(a.data.key, PAYMENT_HASH, a.data)] });
  });
});

describe("replayed reports and events change nothing twice", () => {
  it("a second final report for the same HTLC: nothing", () => {
    const history = run([{ type: "CreateInvoice", data: terms() }, a, b, htlcFinal(a.data.key, true)]);
    given(...history).when(htlcFinal(a.data.key, true)).thenNothingHappens();
    given(...history).when(htlcFinal(a.data.key, false)).thenNothingHappens();
  });

  it("a final report for an HTLC this invoice never saw: nothing", () => {
    given(invoiceCreated()).when(htlcFinal(htlcKey(NODE_B, 77n), true)).thenNothingHappens();
  });

  it("evolve applied twice to the same creation or arrival event leaves the state as after once", () => {
    const history = run([{ type: "CreateInvoice", data: terms() }, a]);
    const once = rebuildState(history);
    const twice = history.reduce<ReturnType<typeof rebuildState>>(evolve, once);
    expect(twice).toEqual(once);
  });

  it("replaying the whole log rebuilds the state decide ran on (the projection can be rebuilt from offset 0)", () => {
    const inputs = [
      { type: "CreateInvoice" as const, data: terms({ mode: "hold" }) },
      a,
      again(a),
      b,
      { type: "SettleInvoice" as const, data: { paymentHash: PAYMENT_HASH, now: T0 + 3_000, blockHeight: 850_000 } },
      htlcFinal(a.data.key, true),
      htlcFinal(b.data.key, true),
    ];
    const history: InvoiceEvent[] = run(inputs);
    expect(history.map((e) => e.type)).toEqual([
      "InvoiceCreated",
      "HtlcAccepted",
      "HtlcAccepted",
      "InvoiceAccepted",
      "InvoiceSettleRequested",
      "HtlcSettled",
      "HtlcSettled",
      "InvoiceSettled",
    ]);
    const state = rebuildState(history);
    expect(state.invoice?.status).toBe("SETTLED");
    expect(state.invoice?.setTotalMsat).toBe(INVOICE_MSAT);
  });
});

describe("the settle decision is never taken back on replay", () => {
  it("a part of the settled set that lnd later reported failed is still answered SettleHtlc, never FailHtlc", () => {
    const history = run([{ type: "CreateInvoice", data: terms() }, a, b, htlcFinal(a.data.key, false)]);
    expect(history.at(-1)?.type).toBe("SettleRequestedHtlcFailed");
    given(...history).when(again(a)).then({ commands: [settleHtlc(a.data.key, PAYMENT_HASH, a.data)] });
  });

  it("an HTLC outside the settled set that lnd reports settled (a leaked preimage) is never answered SettleHtlc", () => {
    const history = run([{ type: "CreateInvoice", data: terms() }, a, tick(a.data.now + testConfig.mppTimeoutMs + 1), htlcFinal(a.data.key, true)]);
    expect(history.at(-1)?.type).toBe("HtlcSettled");
    given(...history).when(again(a)).then({ commands: [failHtlc(a.data.key, PAYMENT_HASH, { kind: "mpp_timeout" })] });
  });
});
