import { MatcherInvariantError, nothing, type Decision } from "./decision.ts";
import { cancelWithHeldSet, failHeldSetAfterMppTimeout, followedBy, nearestAutoFail } from "./htlc-set.ts";
import type { Tick } from "./inputs.ts";
import { isPastExpiry } from "./invoice-terms.ts";
import type { MatcherConfig } from "./matcher-config.ts";
import { heldHtlcs, type InvoiceState } from "./state.ts";

// Every timeout is decided here, from the `now` the shell passes in. A late tick only delays a
// failure; it can never cause a settle.

// BOLT 4: fail the whole incomplete set once a part has waited too long. Each HTLC's wait counts
// from its own arrival, so the oldest part decides.
const mppTimeout = (state: InvoiceState, now: number, config: MatcherConfig): Decision => {
  const invoice = state.invoice;
  if (invoice === null || invoice.status !== "OPEN") return nothing();
  const held = heldHtlcs(state);
  if (!held.some((htlc) => now - htlc.arrivedAt > config.mppTimeoutMs)) return nothing();
  return failHeldSetAfterMppTimeout(state, invoice, now);
};

// Hold mode: a complete set the application neither settles nor cancels in time is cancelled,
// before the HTLCs get near their CLTV expiry and lnd would have to go on chain.
const acceptTimeout = (state: InvoiceState, now: number, blockHeight: number, config: MatcherConfig): Decision => {
  const invoice = state.invoice;
  if (invoice === null || invoice.status !== "ACCEPTED") return nothing();
  if (invoice.acceptedAt === null) throw new MatcherInvariantError("ACCEPTED invoice without acceptedAt");
  if (now - invoice.acceptedAt <= config.acceptTimeoutMs) return nothing();
  return cancelWithHeldSet(state, invoice, "accept_timeout", now, blockHeight);
};

// Hold mode: an ACCEPTED set is cancelled before lnd's auto-fail height of its earliest part comes
// within the safety margin, whatever the accept timeout says (whichever comes first): lnd would
// fail that part itself, and a settle after that would release the preimage for a partial set.
const autoFailHeightNear = (state: InvoiceState, now: number, blockHeight: number, config: MatcherConfig): Decision => {
  const invoice = state.invoice;
  if (invoice === null || invoice.status !== "ACCEPTED") return nothing();
  if (nearestAutoFail(heldHtlcs(state), blockHeight, config.holdSafetyMarginBlocks) === null) return nothing();
  return cancelWithHeldSet(state, invoice, "auto_fail_height_near", now, blockHeight);
};

// Only an OPEN invoice with nothing HELD expires: a set in progress keeps it open until the set
// completes or times out.
const expiry = (state: InvoiceState, now: number): Decision => {
  const invoice = state.invoice;
  if (invoice === null || invoice.status !== "OPEN") return nothing();
  if (heldHtlcs(state).length > 0 || !isPastExpiry(invoice.terms, now)) return nothing();
  return { events: [{ type: "InvoiceExpired", data: { paymentHash: invoice.terms.paymentHash, at: now } }], commands: [], rejection: null };
};

export const tick = (state: InvoiceState, input: Tick, config: MatcherConfig): Decision => {
  const { paymentHash, now, blockHeight } = input.data;
  if (state.paymentHash !== null && state.paymentHash !== paymentHash)
    throw new MatcherInvariantError("Tick routed to the aggregate of another payment hash");
  // A timed-out set leaves the invoice OPEN and empty, so expiry is judged on the state after it.
  const afterMpp = followedBy(state, mppTimeout(state, now, config), (after) => expiry(after, now));
  const afterAutoFail = followedBy(state, afterMpp, (after) => autoFailHeightNear(after, now, blockHeight, config));
  return followedBy(state, afterAutoFail, (after) => acceptTimeout(after, now, blockHeight, config));
};
