import { failHtlc, settleHtlc } from "./commands.ts";
import { MatcherInvariantError, decided, type Decision } from "./decision.ts";
import type { InvoiceCancelReason, InvoiceEvent } from "./events.ts";
import type { HtlcFailure } from "./htlc-failure.ts";
import type { HtlcKey } from "./htlc-key.ts";
import { minimumTotalMsat } from "./invoice-terms.ts";
import { evolve, heldHtlcs, receivedAmountMsat, setAmountMsat, type HtlcRecord, type InvoiceRecord, type InvoiceState } from "./state.ts";

// The current MPP set of an invoice is its HELD HTLCs. Every way a set ends (settled, failed,
// cancelled) goes through here, so the money checks live in one place.

export const isSetComplete = (invoice: InvoiceRecord, held: readonly HtlcRecord[]): boolean =>
  held.length > 0 && invoice.setTotalMsat !== null && setAmountMsat(held) >= invoice.setTotalMsat;

// Money-safety rule 1, checked again at the moment of deciding to settle even though every HTLC
// was checked on arrival: a settle decision cannot be taken back, so a state that would pay an
// invoice with an incomplete or foreign set is refused as a bug rather than acted on.
const assertSetPaysInvoice = (invoice: InvoiceRecord, held: readonly HtlcRecord[]): bigint => {
  const total = invoice.setTotalMsat;
  if (held.length === 0 || total === null) throw new MatcherInvariantError("settle requested for an empty set");
  if (total < minimumTotalMsat(invoice.terms)) throw new MatcherInvariantError("set total_msat below the invoice amount");
  for (const htlc of held)
    if (htlc.payload === null || htlc.payload.totalMsat !== total)
      throw new MatcherInvariantError("set holds an HTLC that was not accepted for this set");
  const paid = setAmountMsat(held);
  if (paid < total) throw new MatcherInvariantError("settle requested for a set that does not pay its total_msat");
  if (invoice.settledSet.length > 0) throw new MatcherInvariantError("invoice already has a settled set");
  const received = receivedAmountMsat(held);
  const amount = invoice.terms.amountMsat;
  if (amount !== null && received > 2n * amount) throw new MatcherInvariantError("settle requested for a set that pays more than twice the invoice amount");
  return received;
};

const keysOf = (htlcs: readonly HtlcRecord[]): HtlcKey[] => htlcs.map((htlc) => htlc.key);

// The durable decision comes first in the event list; the SettleHtlc commands go to whichever
// node holds each part.
export const settleHeldSet = (state: InvoiceState, invoice: InvoiceRecord, at: number): Decision => {
  const held = heldHtlcs(state);
  const amountPaidMsat = assertSetPaysInvoice(invoice, held);
  const { paymentHash } = invoice.terms;
  return decided(
    [
      {
        type: "InvoiceSettleRequested",
        data: { paymentHash, htlcKeys: keysOf(held), setTotalMsat: invoice.setTotalMsat ?? 0n, amountPaidMsat, at },
      },
    ],
    held.map((htlc) => settleHtlc(htlc.key, paymentHash, htlc)),
  );
};

export const acceptHeldSet = (state: InvoiceState, invoice: InvoiceRecord, at: number): Decision => {
  const held = heldHtlcs(state);
  const amountPaidMsat = receivedAmountMsat(held);
  return decided([
    {
      type: "InvoiceAccepted",
      data: { paymentHash: invoice.terms.paymentHash, htlcKeys: keysOf(held), setTotalMsat: invoice.setTotalMsat ?? 0n, amountPaidMsat, at },
    },
  ]);
};

export const failHeldSetAfterMppTimeout = (state: InvoiceState, invoice: InvoiceRecord, at: number): Decision => {
  const held = heldHtlcs(state);
  const { paymentHash } = invoice.terms;
  const failure: HtlcFailure = { kind: "mpp_timeout" };
  return decided(
    [{ type: "MppSetTimedOut", data: { paymentHash, htlcKeys: keysOf(held), at } }],
    held.map((htlc) => failHtlc(htlc.key, paymentHash, failure)),
  );
};

export const cancelWithHeldSet = (
  state: InvoiceState,
  invoice: InvoiceRecord,
  reason: InvoiceCancelReason,
  at: number,
  blockHeight: number,
): Decision => {
  const { paymentHash } = invoice.terms;
  const failedHtlcs = heldHtlcs(state).map((htlc) => ({
    key: htlc.key,
    failure: { kind: "incorrect_or_unknown_payment_details", htlcMsat: htlc.outgoingAmountMsat, height: blockHeight } as const,
  }));
  return decided(
    [{ type: "InvoiceCancelled", data: { paymentHash, reason, failedHtlcs, at } }],
    failedHtlcs.map(({ key, failure }) => failHtlc(key, paymentHash, failure)),
  );
};

// Hold sets and lnd's auto-fail height: the earliest auto_fail_height among the held parts that
// is within `margin` blocks of `blockHeight` (height + margin >= auto_fail_height), or null. Parts
// recorded before the auto-fail height was kept have none and are not judged.
export const nearestAutoFail = (held: readonly HtlcRecord[], blockHeight: number, margin: number): { autoFailHeight: number; blocksLeft: number } | null => {
  const heights = held.flatMap((htlc) => (htlc.autoFailHeight === undefined ? [] : [htlc.autoFailHeight]));
  if (heights.length === 0) return null;
  const autoFailHeight = Math.min(...heights);
  return blockHeight + margin >= autoFailHeight ? { autoFailHeight, blocksLeft: autoFailHeight - blockHeight } : null;
};

// Runs `next` on the state the first decision leads to, and joins the two: lets one input cause a
// chain (HTLC accepted -> set complete -> settle) while each step stays a small function.
export const followedBy = (state: InvoiceState, first: Decision, next: (after: InvoiceState) => Decision): Decision => {
  const after = first.events.reduce<InvoiceState>(evolve, state);
  const second = next(after);
  return {
    events: [...first.events, ...second.events] as InvoiceEvent[],
    commands: [...first.commands, ...second.commands],
    rejection: first.rejection ?? second.rejection,
  };
};
