import type { HtlcFailure } from "./htlc-failure.ts";
import type { HtlcKey } from "./htlc-key.ts";
import type { InvoiceTerms } from "./invoice-terms.ts";

// Everything that happened to one invoice (one aggregate per payment hash). Events are facts in
// the past tense and carry all that `evolve` needs, so the state can be rebuilt from the log
// alone. None carries a preimage or a key: the log is public inside the company.

type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };

// What the virtual node saw of an HTLC when it arrived (lnd interceptor fields).
export type HtlcArrival = {
  readonly key: HtlcKey;
  readonly incomingAmountMsat: bigint;
  readonly outgoingAmountMsat: bigint;
  readonly incomingExpiry: number;
  readonly outgoingExpiry: number;
  readonly arrivedAt: number;
  // Absent in events and states written before they were recorded: a re-offer is then compared
  // without them.
  readonly autoFailHeight?: number;
  readonly onionEphemeralKey?: string;
};

// The fields a re-offered HTLC must share with the recorded one to get the recorded answer.
export type ReofferedHtlcField = "incomingAmountMsat" | "outgoingAmountMsat" | "incomingExpiry" | "outgoingExpiry" | "onionEphemeralKey";

// The onion fields an accepted HTLC was judged on. The payment secret is not repeated here: an
// accepted HTLC carried the invoice's own secret.
export type AcceptedPayload = {
  readonly amtToForwardMsat: bigint;
  readonly outgoingCltv: number;
  readonly totalMsat: bigint;
};

export type HtlcRejectionReason =
  | "onion_peel_failed"
  | "virtual_hop_fee_insufficient"
  | "virtual_hop_cltv_delta_insufficient"
  | "htlc_amount_below_amt_to_forward"
  | "htlc_expiry_below_outgoing_cltv"
  | "unknown_invoice"
  | "missing_payment_data"
  | "wrong_payment_secret"
  | "invoice_cancelled"
  | "invoice_expired"
  | "invoice_already_settled"
  | "set_already_complete"
  | "cltv_expiry_too_soon"
  | "total_msat_below_invoice_amount"
  | "total_msat_differs_from_set"
  // BOLT 4 overpayment: total_msat, or what the set's HTLCs would carry with this one, above twice
  // the invoice amount.
  | "total_msat_above_twice_invoice_amount"
  | "set_amount_above_twice_invoice_amount"
  // A record named the circuit key of an HTLC already recorded, with other amounts, expiries or
  // onion key: one of the two is not what lnd holds (a forged record). Never settled.
  | "reoffered_htlc_differs";

// auto_fail_height_near: the matcher cancelled an ACCEPTED hold set before lnd's auto-fail
// height of its earliest part came within the safety margin.
export type InvoiceCancelReason = "requested" | "accept_timeout" | "auto_fail_height_near";

export type InvoiceCreated = Event<"InvoiceCreated", InvoiceTerms>;

// The HTLC joined the invoice's current (incomplete) set and is HELD.
export type HtlcAccepted = Event<"HtlcAccepted", { readonly paymentHash: string; readonly htlc: HtlcArrival; readonly payload: AcceptedPayload }>;

// The HTLC was refused on arrival; `failure` is what lnd is told, kept so a replay gets it again.
// With reoffered_htlc_differs the key was already recorded and `htlc` is what the suspect record
// claimed: the recorded HTLC keeps its fields; if it was HELD it leaves the set (it may be the
// forged one), and an ACCEPTED invoice is OPEN again.
export type HtlcRejected = Event<
  "HtlcRejected",
  {
    readonly paymentHash: string;
    readonly htlc: HtlcArrival;
    readonly reason: HtlcRejectionReason;
    readonly failure: HtlcFailure;
    // With reoffered_htlc_differs only: which fields differ from the recorded HTLC.
    readonly differingFields?: readonly ReofferedHtlcField[];
  }
>;

// Hold mode: the HELD set pays the invoice; it waits for SettleInvoice/CancelInvoice.
export type InvoiceAccepted = Event<
  "InvoiceAccepted",
  {
    readonly paymentHash: string;
    readonly htlcKeys: readonly HtlcKey[];
    readonly setTotalMsat: bigint;
    readonly amountPaidMsat: bigint;
    readonly at: number;
  }
>;

// The durable settle decision (money-safety rule 2): the shell persists it before any SettleHtlc
// leaves. From here on these keys, and only these, may be settled, and the invoice can no
// longer be cancelled.
export type InvoiceSettleRequested = Event<
  "InvoiceSettleRequested",
  {
    readonly paymentHash: string;
    readonly htlcKeys: readonly HtlcKey[];
    readonly setTotalMsat: bigint;
    readonly amountPaidMsat: bigint;
    readonly at: number;
  }
>;

// An HTLC of the incomplete set was held longer than the MPP timeout: the whole set is failed
// with mpp_timeout and the invoice stays OPEN for a new set.
export type MppSetTimedOut = Event<
  "MppSetTimedOut",
  { readonly paymentHash: string; readonly htlcKeys: readonly HtlcKey[]; readonly at: number }
>;

export type InvoiceCancelled = Event<
  "InvoiceCancelled",
  {
    readonly paymentHash: string;
    readonly reason: InvoiceCancelReason;
    readonly failedHtlcs: readonly { readonly key: HtlcKey; readonly failure: HtlcFailure }[];
    readonly at: number;
  }
>;

// An OPEN invoice with no HELD HTLC reached expiresAt.
export type InvoiceExpired = Event<"InvoiceExpired", { readonly paymentHash: string; readonly at: number }>;

// lnd reports the HTLC settled for good (FinalHtlcEvent / LookupHtlcResolution).
export type HtlcSettled = Event<"HtlcSettled", { readonly paymentHash: string; readonly key: HtlcKey; readonly at: number }>;

// lnd reports the HTLC failed for good, whether on our request or on its own (auto-fail height,
// on-chain timeout).
export type HtlcFailed = Event<"HtlcFailed", { readonly paymentHash: string; readonly key: HtlcKey; readonly at: number }>;

// lnd failed an HTLC we had asked it to settle (e.g. it timed out on chain before the claim).
// The preimage is out, so the invoice is neither failed nor cancelled, and it never reaches
// SETTLED. A separate type so operators can alert on it. Once every part of the set is final,
// InvoiceSettleFailed ends the invoice.
export type SettleRequestedHtlcFailed = Event<
  "SettleRequestedHtlcFailed",
  { readonly paymentHash: string; readonly key: HtlcKey; readonly amtToForwardMsat: bigint; readonly at: number }
>;

// A HELD HTLC of an ACCEPTED set was resolved by lnd without us: the set no longer pays the
// invoice, so it must not be settled. The invoice is OPEN again with its remaining HELD HTLCs,
// which the MPP timeout fails unless new parts complete the set.
export type InvoiceReopened = Event<
  "InvoiceReopened",
  { readonly paymentHash: string; readonly reason: "accepted_htlc_resolved_by_lnd"; readonly at: number }
>;

// Every HTLC of the settle-requested set is final and at least one of them lnd failed: the settle
// was not carried out in full and the invoice ends SETTLE_FAILED (terminal). Some parts may have
// settled: the preimage is out and that money is received, but the invoice is not paid as
// decided, so it is neither SETTLED (rule 6) nor CANCELLED (the settled parts cannot be undone).
// The parts and amounts say what to reconcile. Amounts are what the HTLCs carried
// (outgoing_amount_msat, as amountPaidMsat): amountSettledMsat + amountFailedMsat is the
// InvoiceSettleRequested amountPaidMsat.
export type InvoiceSettleFailed = Event<
  "InvoiceSettleFailed",
  {
    readonly paymentHash: string;
    readonly settledHtlcs: readonly HtlcKey[];
    readonly failedHtlcs: readonly HtlcKey[];
    readonly amountSettledMsat: bigint;
    readonly amountFailedMsat: bigint;
    readonly at: number;
  }
>;

// Every HTLC of the settle-requested set is final and settled (money-safety rule 6).
export type InvoiceSettled = Event<"InvoiceSettled", { readonly paymentHash: string; readonly amountPaidMsat: bigint; readonly at: number }>;

export type InvoiceEvent =
  | InvoiceCreated
  | HtlcAccepted
  | HtlcRejected
  | InvoiceAccepted
  | InvoiceSettleRequested
  | MppSetTimedOut
  | InvoiceCancelled
  | InvoiceExpired
  | HtlcSettled
  | HtlcFailed
  | SettleRequestedHtlcFailed
  | InvoiceReopened
  | InvoiceSettled
  | InvoiceSettleFailed;

export type InvoiceEventType = InvoiceEvent["type"];
