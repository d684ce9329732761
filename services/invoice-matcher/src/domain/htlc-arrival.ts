import { failHtlc, settleHtlc } from "./commands.ts";
import { answered, decided, MatcherInvariantError, nothing, type Decision } from "./decision.ts";
import type { AcceptedPayload, HtlcArrival, HtlcRejectionReason, ReofferedHtlcField } from "./events.ts";
import type { HtlcFailure } from "./htlc-failure.ts";
import { htlcKeyId } from "./htlc-key.ts";
import type { HtlcArrived } from "./inputs.ts";
import { isPastExpiry, matchesPaymentSecret, minimumTotalMsat } from "./invoice-terms.ts";
import { acceptHeldSet, followedBy, isSetComplete, settleHeldSet } from "./htlc-set.ts";
import type { MatcherConfig } from "./matcher-config.ts";
import { heldHtlcs, receivedAmountMsat, type HtlcRecord, type InvoiceState } from "./state.ts";
import { virtualHopViolation } from "./virtual-hop-policy.ts";

// An intercepted HTLC for the virtual node: replayed, rejected, or accepted into the invoice's
// current set (which may complete it). The checks follow BOLT 4's final-node requirements, after
// the forwarding checks the cluster node would have made on the virtual hop.

type Verdict = { readonly accept: AcceptedPayload } | { readonly reason: HtlcRejectionReason; readonly failure: HtlcFailure };

const reject = (reason: HtlcRejectionReason, failure: HtlcFailure): Verdict => ({ reason, failure });

// BOLT 4 answers every invoice-level problem with this one code so that a prober cannot tell an
// unknown hash from a wrong amount, secret or state.
const unknownPaymentDetails = (reason: HtlcRejectionReason, input: HtlcArrived["data"]): Verdict =>
  reject(reason, { kind: "incorrect_or_unknown_payment_details", htlcMsat: input.outgoingAmountMsat, height: input.blockHeight });

const judge = (state: InvoiceState, input: HtlcArrived["data"], config: MatcherConfig): Verdict => {
  // The cluster node's own forwarding checks come first: a real hop fails before the next hop
  // ever sees the onion.
  const violation = virtualHopViolation(config.virtualHopPolicy, input);
  if (violation !== null) return reject(violation, { kind: "temporary_channel_failure" });

  if (!input.peel.ok) return reject("onion_peel_failed", { kind: "onion", reason: input.peel.failure });
  const payload = input.peel.payload;

  if (payload.amtToForwardMsat > input.outgoingAmountMsat)
    return reject("htlc_amount_below_amt_to_forward", { kind: "final_incorrect_htlc_amount", incomingHtlcMsat: input.outgoingAmountMsat });
  if (payload.outgoingCltv > input.outgoingExpiry)
    return reject("htlc_expiry_below_outgoing_cltv", { kind: "final_incorrect_cltv_expiry", cltvExpiry: input.outgoingExpiry });

  const invoice = state.invoice;
  if (invoice === null) return unknownPaymentDetails("unknown_invoice", input);
  const { terms } = invoice;

  if (payload.paymentSecret === undefined || payload.totalMsat === undefined) return unknownPaymentDetails("missing_payment_data", input);
  if (!matchesPaymentSecret(terms, payload.paymentSecret)) return unknownPaymentDetails("wrong_payment_secret", input);

  switch (invoice.status) {
    case "OPEN":
      break;
    case "ACCEPTED":
      // A complete set is never extended: the extra HTLC would be settled for nothing.
      return unknownPaymentDetails("set_already_complete", input);
    case "SETTLE_REQUESTED":
    case "SETTLED":
    // The settle decision was taken (and the preimage is out) even though lnd failed a part.
    case "SETTLE_FAILED":
      return unknownPaymentDetails("invoice_already_settled", input);
    case "CANCELLED":
      return unknownPaymentDetails("invoice_cancelled", input);
    case "EXPIRED":
      return unknownPaymentDetails("invoice_expired", input);
    default: {
      const unknownStatus: never = invoice.status;
      throw new MatcherInvariantError(`unknown invoice status ${String(unknownStatus)}`);
    }
  }

  const setInProgress = heldHtlcs(state).length > 0;
  // Expiry stops new sets only: parts of a set that started in time may still complete it.
  if (!setInProgress && isPastExpiry(terms, input.now)) return unknownPaymentDetails("invoice_expired", input);
  if (input.outgoingExpiry < input.blockHeight + terms.minFinalCltvExpiryDelta) return unknownPaymentDetails("cltv_expiry_too_soon", input);
  if (payload.totalMsat < minimumTotalMsat(terms)) return unknownPaymentDetails("total_msat_below_invoice_amount", input);
  // BOLT 4: the final node SHOULD fail a payment of more than twice the amount expected (a payer
  // may overpay a little for privacy, never grossly by accident). Amount-less invoices: no bound.
  if (terms.amountMsat !== null && payload.totalMsat > 2n * terms.amountMsat) return unknownPaymentDetails("total_msat_above_twice_invoice_amount", input);
  if (terms.amountMsat !== null && receivedAmountMsat(heldHtlcs(state)) + input.outgoingAmountMsat > 2n * terms.amountMsat)
    return unknownPaymentDetails("set_amount_above_twice_invoice_amount", input);
  if (invoice.setTotalMsat !== null && payload.totalMsat !== invoice.setTotalMsat)
    return unknownPaymentDetails("total_msat_differs_from_set", input);

  return { accept: { amtToForwardMsat: payload.amtToForwardMsat, outgoingCltv: payload.outgoingCltv, totalMsat: payload.totalMsat } };
};

// A re-offer is the recorded HTLC only if lnd offered it with the same amounts, expiries and
// onion: lnd gives a circuit key to one HTLC at a time, so a record naming a recorded key with
// other values is either forged or names a key lnd has since given to another HTLC. The
// ephemeral key is compared only when the record has one (records written before it was kept).
export const reofferDifferences = (known: HtlcArrival, offered: HtlcArrived["data"]): ReofferedHtlcField[] => {
  const differing: ReofferedHtlcField[] = [];
  if (known.incomingAmountMsat !== offered.incomingAmountMsat) differing.push("incomingAmountMsat");
  if (known.outgoingAmountMsat !== offered.outgoingAmountMsat) differing.push("outgoingAmountMsat");
  if (known.incomingExpiry !== offered.incomingExpiry) differing.push("incomingExpiry");
  if (known.outgoingExpiry !== offered.outgoingExpiry) differing.push("outgoingExpiry");
  if (known.onionEphemeralKey !== undefined && known.onionEphemeralKey !== offered.onionEphemeralKey) differing.push("onionEphemeralKey");
  return differing;
};

// Never the set's SETTLE (nor its earlier answer): a FAIL with the code of an unknown payment, and
// an HtlcRejected that records the suspect claim for operators (the shell logs and counts it).
const refuseSuspectReoffer = (known: HtlcRecord, input: HtlcArrived["data"], differing: readonly ReofferedHtlcField[]): Decision => {
  const failure: HtlcFailure = { kind: "incorrect_or_unknown_payment_details", htlcMsat: input.outgoingAmountMsat, height: input.blockHeight };
  return decided(
    [
      {
        type: "HtlcRejected",
        data: { paymentHash: input.paymentHash, htlc: arrivalOf(input), reason: "reoffered_htlc_differs", failure, differingFields: [...differing] },
      },
    ],
    [failHtlc(known.key, input.paymentHash, failure)],
  );
};

// What is recorded of an HTLC when it arrives.
const arrivalOf = (data: HtlcArrived["data"]): HtlcArrival => ({
  key: data.key,
  incomingAmountMsat: data.incomingAmountMsat,
  outgoingAmountMsat: data.outgoingAmountMsat,
  incomingExpiry: data.incomingExpiry,
  outgoingExpiry: data.outgoingExpiry,
  arrivedAt: data.now,
  autoFailHeight: data.autoFailHeight,
  onionEphemeralKey: data.onionEphemeralKey,
});

// lnd re-offers held HTLCs after an interceptor reconnect or a restart, and Kafka redelivers: the
// answer is whatever was decided the first time (money-safety rules 2 and 4). SettleHtlc goes
// only to members of the durable settled set, whatever lnd reported since: the settle decision is
// never taken back, and nothing outside that set is ever settled.
const answerReplay = (state: InvoiceState, known: HtlcRecord, input: HtlcArrived["data"]): Decision => {
  const differing = reofferDifferences(known, input);
  if (differing.length > 0) return refuseSuspectReoffer(known, input, differing);
  if (state.invoice?.settledSet.includes(htlcKeyId(known.key))) return answered([settleHtlc(known.key, input.paymentHash, known)]);
  switch (known.status) {
    case "HELD":
      return nothing();
    case "SETTLE_REQUESTED":
    case "SETTLED":
    case "FAIL_REQUESTED":
    case "FAILED":
      return answered([
        failHtlc(
          known.key,
          input.paymentHash,
          // lnd resolved it on its own and yet offers it again: still never settle it.
          known.failure ?? { kind: "incorrect_or_unknown_payment_details", htlcMsat: known.outgoingAmountMsat, height: input.blockHeight },
        ),
      ]);
    default: {
      const unknownStatus: never = known.status;
      throw new MatcherInvariantError(`unknown HTLC status ${String(unknownStatus)}`);
    }
  }
};

export const htlcArrived = (state: InvoiceState, input: HtlcArrived, config: MatcherConfig): Decision => {
  const data = input.data;
  if (state.paymentHash !== null && state.paymentHash !== data.paymentHash)
    throw new MatcherInvariantError("HtlcArrived routed to the aggregate of another payment hash");

  const known = state.htlcs.get(htlcKeyId(data.key));
  if (known !== undefined) return answerReplay(state, known, data);

  const htlc = arrivalOf(data);
  const verdict = judge(state, data, config);
  if (!("accept" in verdict))
    return decided(
      [{ type: "HtlcRejected", data: { paymentHash: data.paymentHash, htlc, reason: verdict.reason, failure: verdict.failure } }],
      [failHtlc(data.key, data.paymentHash, verdict.failure)],
    );

  const accepted = decided([{ type: "HtlcAccepted", data: { paymentHash: data.paymentHash, htlc, payload: verdict.accept } }]);
  return followedBy(state, accepted, (after) => {
    const invoice = after.invoice;
    if (invoice === null || !isSetComplete(invoice, heldHtlcs(after))) return nothing();
    switch (invoice.terms.mode) {
      case "auto":
        return settleHeldSet(after, invoice, data.now);
      case "hold":
        return acceptHeldSet(after, invoice, data.now);
      default: {
        const unknownMode: never = invoice.terms.mode;
        throw new MatcherInvariantError(`unknown invoice mode ${String(unknownMode)}`);
      }
    }
  });
};
