import type { AcceptedPayload, HtlcArrival, InvoiceEvent } from "./events.ts";
import type { HtlcFailure } from "./htlc-failure.ts";
import { htlcKeyId, type HtlcKey, type HtlcKeyId } from "./htlc-key.ts";
import type { InvoiceTerms } from "./invoice-terms.ts";

// The state of one invoice aggregate, rebuilt by folding its events with `evolve`.

export type InvoiceStatus =
  | "OPEN"
  // Hold mode only: the HELD set pays the invoice and waits for the application.
  | "ACCEPTED"
  // The settle decision is durable; SettleHtlc commands may be (re)sent for the settled set.
  | "SETTLE_REQUESTED"
  // lnd reported every HTLC of the settled set final and settled.
  | "SETTLED"
  // Terminal: lnd reported every HTLC of the settled set final and failed at least one of them
  // (InvoiceSettleFailed); other parts may have settled.
  | "SETTLE_FAILED"
  | "CANCELLED"
  | "EXPIRED";

export type HtlcStatus = "HELD" | "SETTLE_REQUESTED" | "SETTLED" | "FAIL_REQUESTED" | "FAILED";

export type HtlcRecord = HtlcArrival & {
  // null when the HTLC was rejected on arrival: it never counted towards a set.
  readonly payload: AcceptedPayload | null;
  readonly status: HtlcStatus;
  // What we told lnd when we failed it; null if we never failed it (lnd failed it on its own).
  readonly failure: HtlcFailure | null;
};

export type InvoiceRecord = {
  readonly terms: InvoiceTerms;
  readonly status: InvoiceStatus;
  readonly statusSince: number;
  // total_msat shared by every HTLC of the current set; null while no HTLC is HELD. Kept once
  // the set is settle-requested, as a record of what was paid.
  readonly setTotalMsat: bigint | null;
  // When the current set became complete (hold mode); the accept timeout counts from here.
  readonly acceptedAt: number | null;
  // The keys named by InvoiceSettleRequested; empty before. Never changes once set: one invoice
  // is paid by one set.
  readonly settledSet: readonly HtlcKeyId[];
};

export type InvoiceState = {
  // Known from the first event; null in the initial state.
  readonly paymentHash: string | null;
  // null until InvoiceCreated: HTLCs for an unknown hash are still recorded (as rejected) so a
  // replay gets the same answer and no new event.
  readonly invoice: InvoiceRecord | null;
  // Every HTLC ever seen for this hash, in arrival order.
  readonly htlcs: ReadonlyMap<HtlcKeyId, HtlcRecord>;
};

export const initialState = (): InvoiceState => ({ paymentHash: null, invoice: null, htlcs: new Map() });

export const heldHtlcs = (state: InvoiceState): HtlcRecord[] => [...state.htlcs.values()].filter((htlc) => htlc.status === "HELD");

// The set is measured by what each payer's onion says it pays (amt_to_forward), never by the HTLC
// amount, which an intermediate node may round up.
export const setAmountMsat = (htlcs: readonly HtlcRecord[]): bigint =>
  htlcs.reduce((sum, htlc) => sum + (htlc.payload?.amtToForwardMsat ?? 0n), 0n);

// What the set actually paid the virtual node: the sum of its HTLC amounts (outgoing_amount_msat,
// what each HTLC carried; BOLT 4's "amount paid"), which may exceed total_msat by an overpayment
// or a rounding hop. Recorded as amountPaidMsat and checked against twice the invoice amount.
export const receivedAmountMsat = (htlcs: readonly HtlcRecord[]): bigint => htlcs.reduce((sum, htlc) => sum + htlc.outgoingAmountMsat, 0n);

export const findHtlc = (state: InvoiceState, key: HtlcKey): HtlcRecord | undefined => state.htlcs.get(htlcKeyId(key));

const withHtlcs = (
  htlcs: ReadonlyMap<HtlcKeyId, HtlcRecord>,
  keys: readonly HtlcKey[],
  update: (htlc: HtlcRecord) => HtlcRecord,
): ReadonlyMap<HtlcKeyId, HtlcRecord> => {
  const next = new Map(htlcs);
  for (const key of keys) {
    const id = htlcKeyId(key);
    const htlc = next.get(id);
    if (htlc !== undefined) next.set(id, update(htlc));
  }
  return next;
};

const withInvoice = (state: InvoiceState, update: (invoice: InvoiceRecord) => InvoiceRecord): InvoiceState =>
  state.invoice === null ? state : { ...state, invoice: update(state.invoice) };

// After an HTLC leaves HELD, an empty set no longer has a total: the next set may declare another.
const clearEmptySet = (state: InvoiceState): InvoiceState =>
  state.invoice !== null &&
  (state.invoice.status === "OPEN" || state.invoice.status === "ACCEPTED") &&
  heldHtlcs(state).length === 0
    ? withInvoice(state, (invoice) => ({ ...invoice, setTotalMsat: null }))
    : state;

const withNewHtlc = (state: InvoiceState, paymentHash: string, htlc: HtlcRecord): InvoiceState => {
  const id = htlcKeyId(htlc.key);
  // Evolve is idempotent: an event for a key already recorded changes nothing.
  if (state.htlcs.has(id)) return state;
  const htlcs = new Map(state.htlcs);
  htlcs.set(id, htlc);
  return { ...state, paymentHash: state.paymentHash ?? paymentHash, htlcs };
};

// A record claimed the key of a recorded HTLC with other fields. Which of the two lnd holds is
// unknown, so a HELD one no longer counts towards a set: it is failed (the FailHtlc goes to the
// key, which fails whatever lnd holds under it) and an ACCEPTED set is open again, so
// SettleInvoice cannot settle the rest of it. Any other status: nothing changes.
const withSuspectReoffer = (state: InvoiceState, offered: HtlcArrival, failure: HtlcFailure): InvoiceState => {
  const known = state.htlcs.get(htlcKeyId(offered.key));
  if (known?.status !== "HELD") return state;
  const next = { ...state, htlcs: withHtlcs(state.htlcs, [known.key], (htlc) => ({ ...htlc, status: "FAIL_REQUESTED", failure })) };
  const reopened =
    next.invoice?.status === "ACCEPTED"
      ? withInvoice(next, (invoice) => ({ ...invoice, status: "OPEN", statusSince: offered.arrivedAt, acceptedAt: null }))
      : next;
  return clearEmptySet(reopened);
};

export const evolve = (state: InvoiceState, event: InvoiceEvent): InvoiceState => {
  switch (event.type) {
    case "InvoiceCreated": {
      if (state.invoice !== null) return state;
      const terms = event.data;
      return {
        ...state,
        paymentHash: terms.paymentHash,
        invoice: { terms, status: "OPEN", statusSince: terms.createdAt, setTotalMsat: null, acceptedAt: null, settledSet: [] },
      };
    }
    case "HtlcAccepted": {
      const { paymentHash, htlc, payload } = event.data;
      const next = withNewHtlc(state, paymentHash, { ...htlc, payload, status: "HELD", failure: null });
      if (next === state) return state;
      return withInvoice(next, (invoice) => ({ ...invoice, setTotalMsat: invoice.setTotalMsat ?? payload.totalMsat }));
    }
    case "HtlcRejected": {
      const { paymentHash, htlc, failure, reason } = event.data;
      if (reason === "reoffered_htlc_differs") return withSuspectReoffer(state, htlc, failure);
      return withNewHtlc(state, paymentHash, { ...htlc, payload: null, status: "FAIL_REQUESTED", failure });
    }
    case "InvoiceAccepted":
      return withInvoice(state, (invoice) => ({ ...invoice, status: "ACCEPTED", statusSince: event.data.at, acceptedAt: event.data.at }));
    case "InvoiceSettleRequested": {
      const { htlcKeys, at } = event.data;
      const next = { ...state, htlcs: withHtlcs(state.htlcs, htlcKeys, (htlc) => ({ ...htlc, status: "SETTLE_REQUESTED" })) };
      return withInvoice(next, (invoice) => ({
        ...invoice,
        status: "SETTLE_REQUESTED",
        statusSince: at,
        acceptedAt: null,
        settledSet: htlcKeys.map(htlcKeyId),
      }));
    }
    case "MppSetTimedOut": {
      const failure: HtlcFailure = { kind: "mpp_timeout" };
      const next = {
        ...state,
        htlcs: withHtlcs(state.htlcs, event.data.htlcKeys, (htlc) => ({ ...htlc, status: "FAIL_REQUESTED", failure })),
      };
      return clearEmptySet(next);
    }
    case "InvoiceCancelled": {
      const { failedHtlcs, at } = event.data;
      const failures = new Map(failedHtlcs.map(({ key, failure }) => [htlcKeyId(key), failure]));
      const next = {
        ...state,
        htlcs: withHtlcs(
          state.htlcs,
          failedHtlcs.map(({ key }) => key),
          (htlc) => ({ ...htlc, status: "FAIL_REQUESTED", failure: failures.get(htlcKeyId(htlc.key)) ?? htlc.failure }),
        ),
      };
      return withInvoice(next, (invoice) => ({ ...invoice, status: "CANCELLED", statusSince: at, acceptedAt: null, setTotalMsat: null }));
    }
    case "InvoiceExpired":
      return withInvoice(state, (invoice) => ({ ...invoice, status: "EXPIRED", statusSince: event.data.at }));
    case "HtlcSettled":
      return clearEmptySet({ ...state, htlcs: withHtlcs(state.htlcs, [event.data.key], (htlc) => ({ ...htlc, status: "SETTLED" })) });
    case "HtlcFailed":
    case "SettleRequestedHtlcFailed":
      return clearEmptySet({ ...state, htlcs: withHtlcs(state.htlcs, [event.data.key], (htlc) => ({ ...htlc, status: "FAILED" })) });
    case "InvoiceReopened":
      return withInvoice(state, (invoice) => ({ ...invoice, status: "OPEN", statusSince: event.data.at, acceptedAt: null }));
    case "InvoiceSettled":
      return withInvoice(state, (invoice) => ({ ...invoice, status: "SETTLED", statusSince: event.data.at }));
    case "InvoiceSettleFailed":
      return withInvoice(state, (invoice) => ({ ...invoice, status: "SETTLE_FAILED", statusSince: event.data.at }));
    default: {
      const unknownEvent: never = event;
      throw new Error(`unknown invoice event ${JSON.stringify(unknownEvent, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`);
    }
  }
};

// Rebuilds an aggregate from its log, e.g. the Postgres projection from Kafka offset 0.
export const rebuildState = (events: Iterable<InvoiceEvent>): InvoiceState => {
  let state = initialState();
  for (const event of events) state = evolve(state, event);
  return state;
};
