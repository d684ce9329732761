import { describe, expect, it } from "vitest";
import { failHtlc } from "./commands.ts";
import type { HtlcArrival, HtlcRejected, InvoiceEvent, ReofferedHtlcField } from "./events.ts";
import type { HtlcArrived } from "./inputs.ts";
import { rebuildState } from "./state.ts";
import { given, run } from "./testing/decider-specification.ts";
import { INVOICE_MSAT, NODE_A, NODE_B, PAYMENT_HASH, T0, WRONG_SECRET, arrival, arrivalOf, htlcFinal, htlcKey, settleInvoice, terms, halfThroughA, halfThroughB } from "./testing/fixtures.ts";

// lnd gives a circuit key to one HTLC. A record that names a recorded key is a re-offer of that
// HTLC only if it carries the same amounts, expiries and onion (ephemeral key): then it gets the
// recorded answer (the set's SETTLE included). Otherwise one of the two records is not what lnd
// holds, e.g. a forged record that named the key of the attacker's next HTLC: no SETTLE, a FAIL
// with incorrect_or_unknown_payment_details, and the claim recorded as suspect.

const [a, b] = [halfThroughA, halfThroughB];
// The same HTLC offered again later, at another height (after a reconnect or a restart).
const again = (input: HtlcArrived, change: Partial<HtlcArrived["data"]> = {}): HtlcArrived => ({
  ...input,
  data: { ...input.data, now: input.data.now + 30_000, blockHeight: input.data.blockHeight + 2, ...change },
});

const suspect = (offered: HtlcArrived, differingFields: readonly ReofferedHtlcField[]): { events: HtlcRejected[]; commands: ReturnType<typeof failHtlc>[] } => {
  const failure = { kind: "incorrect_or_unknown_payment_details", htlcMsat: offered.data.outgoingAmountMsat, height: offered.data.blockHeight } as const;
  return {
    events: [
      { type: "HtlcRejected", data: { paymentHash: PAYMENT_HASH, htlc: arrivalOf(offered), reason: "reoffered_htlc_differs", failure, differingFields } },
    ],
    commands: [failHtlc(offered.data.key, PAYMENT_HASH, failure)],
  };
};

const isSettleOf = (input: HtlcArrived) => expect.objectContaining({ type: "SettleHtlc", data: expect.objectContaining({ key: input.data.key }) });

// An old record: written before the onion key and auto-fail height were kept.
const withoutNewFields = (events: readonly InvoiceEvent[]): InvoiceEvent[] =>
  events.map((event) => {
    if (event.type !== "HtlcAccepted") return event;
    const htlc: Record<string, unknown> = { ...event.data.htlc };
    delete htlc.autoFailHeight;
    delete htlc.onionEphemeralKey;
    return { ...event, data: { ...event.data, htlc: htlc as unknown as HtlcArrival } };
  });

describe("a re-offered HTLC gets the set's SETTLE only when it is the HTLC recorded", () => {
  it("accepted: same amounts, expiries and onion key, at another time and height -> SettleHtlc again", () => {
    const history = run([{ type: "CreateInvoice", data: terms() }, a, b]);
    const outcome = given(...history).when(again(a));
    expect(outcome.decision.events).toEqual([]);
    expect(outcome.decision.commands).toEqual([isSettleOf(a)]);
  });

  it("accepted: a record stored before the onion key was kept is compared without it", () => {
    const history = withoutNewFields(run([{ type: "CreateInvoice", data: terms() }, a, b]));
    expect(rebuildState(history).htlcs.get(`${NODE_A}:${a.data.key.chanId}:1`)?.onionEphemeralKey).toBeUndefined();
    const outcome = given(...history).when(again(a, { onionEphemeralKey: `03${"99".repeat(32)}` }));
    expect(outcome.decision.commands).toEqual([isSettleOf(a)]);
  });

  it("accepted: an old record still refuses a re-offer whose amount differs", () => {
    const history = withoutNewFields(run([{ type: "CreateInvoice", data: terms() }, a, b]));
    const offered = again(a, { incomingAmountMsat: 1_000n, outgoingAmountMsat: 1_000n });
    given(...history).when(offered).then(suspect(offered, ["incomingAmountMsat", "outgoingAmountMsat"]));
  });

  const cases: readonly [ReofferedHtlcField, Partial<HtlcArrived["data"]>][] = [
    ["incomingAmountMsat", { incomingAmountMsat: a.data.incomingAmountMsat - 1n }],
    ["outgoingAmountMsat", { outgoingAmountMsat: a.data.outgoingAmountMsat + 1n }],
    ["incomingExpiry", { incomingExpiry: a.data.incomingExpiry + 1 }],
    ["outgoingExpiry", { outgoingExpiry: a.data.outgoingExpiry - 1 }],
    ["onionEphemeralKey", { onionEphemeralKey: `03${"99".repeat(32)}` }],
  ];
  for (const [field, change] of cases)
    it(`rejected: a part of the settled set re-offered with another ${field} -> FailHtlc, never SettleHtlc, recorded as suspect`, () => {
      const history = run([{ type: "CreateInvoice", data: terms() }, a, b]);
      const offered = again(a, change);
      const outcome = given(...history).when(offered).then(suspect(offered, [field]));
      // The settle decision stands for the HTLC recorded.
      expect(outcome.after).toEqual(outcome.before);
    });

  it("rejected: the forged-replay attack. A forged full-amount record is settled; the attacker's real 1-sat HTLC under that key is failed", () => {
    const forged = arrival({ key: htlcKey(NODE_A, 7n), amtMsat: INVOICE_MSAT, now: T0 + 1_000 });
    const history = run([{ type: "CreateInvoice", data: terms() }, forged]);
    expect(history.map((e) => e.type)).toEqual(["InvoiceCreated", "HtlcAccepted", "InvoiceSettleRequested"]);
    const real = again(forged, { incomingAmountMsat: 2_000n, outgoingAmountMsat: 1_000n, onionEphemeralKey: `02${"42".repeat(32)}` });
    given(...history).when(real).then(suspect(real, ["incomingAmountMsat", "outgoingAmountMsat", "onionEphemeralKey"]));
  });

  it("rejected: a HELD part of an ACCEPTED hold set re-offered otherwise leaves the set; the invoice is OPEN and SettleInvoice is refused", () => {
    const history = run([{ type: "CreateInvoice", data: terms({ mode: "hold" }) }, a, b]);
    expect(history.at(-1)?.type).toBe("InvoiceAccepted");
    const offered = again(b, { outgoingExpiry: b.data.outgoingExpiry + 5 });
    const outcome = given(...history).when(offered).then(suspect(offered, ["outgoingExpiry"]));
    expect(outcome.after.invoice?.status).toBe("OPEN");
    expect(outcome.after.invoice?.acceptedAt).toBeNull();
    expect(outcome.after.htlcs.get(`${NODE_B}:${b.data.key.chanId}:1`)?.status).toBe("FAIL_REQUESTED");
    given(...history, ...outcome.decision.events).when(settleInvoice(T0 + 40_000)).thenRejected("invalid_status");
  });

  it("rejected: a HELD part of an incomplete set re-offered otherwise no longer counts: the next part does not complete the set with it", () => {
    const history = run([{ type: "CreateInvoice", data: terms() }, a]);
    const offered = again(a, { incomingExpiry: a.data.incomingExpiry + 1 });
    const outcome = given(...history).when(offered).then(suspect(offered, ["incomingExpiry"]));
    expect(outcome.after.invoice?.setTotalMsat).toBeNull();
    const next = given(...history, ...outcome.decision.events).when(b);
    expect(next.decision.events.map((e) => e.type)).toEqual(["HtlcAccepted"]);
    expect(next.decision.commands).toEqual([]);
  });

  it("rejected: a rejected HTLC re-offered otherwise gets the suspect FAIL, not its recorded one", () => {
    const wrong = arrival({ key: htlcKey(NODE_A, 9n), paymentSecret: WRONG_SECRET });
    const history = run([{ type: "CreateInvoice", data: terms() }, wrong]);
    const offered = again(wrong, { outgoingAmountMsat: wrong.data.outgoingAmountMsat + 10n, incomingAmountMsat: wrong.data.incomingAmountMsat + 10n });
    const outcome = given(...history).when(offered).then(suspect(offered, ["incomingAmountMsat", "outgoingAmountMsat"]));
    expect(outcome.after).toEqual(outcome.before);
  });

  it("rejected: a part lnd reported settled, re-offered otherwise -> FailHtlc, state unchanged", () => {
    const history = run([{ type: "CreateInvoice", data: terms() }, a, b, htlcFinal(a.data.key, true)]);
    const offered = again(a, { onionEphemeralKey: `03${"77".repeat(32)}` });
    const outcome = given(...history).when(offered).then(suspect(offered, ["onionEphemeralKey"]));
    expect(outcome.after).toEqual(outcome.before);
  });
});
