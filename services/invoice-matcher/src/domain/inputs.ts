import type { OnionPeelFailure } from "./htlc-failure.ts";
import type { HtlcKey } from "./htlc-key.ts";
import type { InvoiceTerms } from "./invoice-terms.ts";

// What the shell feeds the decider. Time (`now`, ms) and block height come in as data: the domain
// has no clock.

type Input<Type extends string, Data> = { readonly type: Type; readonly data: Data };

// The final-hop payload the onion peel read (BOLT 4 TLVs 2, 4, 8).
export type HtlcPayload = {
  readonly amtToForwardMsat: bigint;
  readonly outgoingCltv: number;
  // payment_data (TLV 8): both present or both absent in a well-formed onion.
  readonly paymentSecret?: string;
  readonly totalMsat?: bigint;
};

export type PeelResult = { readonly ok: true; readonly payload: HtlcPayload } | { readonly ok: false; readonly failure: OnionPeelFailure };

export type CreateInvoice = Input<"CreateInvoice", InvoiceTerms>;

// An intercepted forward over a virtual scid, after the adapter peeled its onion.
export type HtlcArrived = Input<
  "HtlcArrived",
  {
    readonly key: HtlcKey;
    readonly paymentHash: string;
    readonly incomingAmountMsat: bigint;
    readonly outgoingAmountMsat: bigint;
    readonly incomingExpiry: number;
    readonly outgoingExpiry: number;
    // lnd's auto_fail_height: at this height lnd fails the held HTLC itself.
    readonly autoFailHeight: number;
    // The onion's ephemeral public key (bytes 1..33 of the onion, 33 bytes lowercase hex): with the
    // amounts and expiries it tells a re-offer of the recorded HTLC from another HTLC lnd later
    // gave the same circuit key.
    readonly onionEphemeralKey: string;
    readonly peel: PeelResult;
    readonly now: number;
    readonly blockHeight: number;
  }
>;

// The timer: the shell sends it periodically (and may send it for one invoice when a deadline it
// computed is due). Timeouts are decided only here.
export type Tick = Input<"Tick", { readonly paymentHash: string; readonly now: number; readonly blockHeight: number }>;

// blockHeight: the cluster's current height, to refuse a settle when a held part is near its
// auto-fail height.
export type SettleInvoice = Input<"SettleInvoice", { readonly paymentHash: string; readonly now: number; readonly blockHeight: number }>;

// blockHeight goes into the incorrect_or_unknown_payment_details failures of the HELD HTLCs.
export type CancelInvoice = Input<"CancelInvoice", { readonly paymentHash: string; readonly now: number; readonly blockHeight: number }>;

// lnd's final resolution of an HTLC (FinalHtlcEvent or LookupHtlcResolution).
export type HtlcFinal = Input<
  "HtlcFinal",
  { readonly key: HtlcKey; readonly paymentHash: string; readonly settled: boolean; readonly now: number }
>;

export type MatcherInput = CreateInvoice | HtlcArrived | Tick | SettleInvoice | CancelInvoice | HtlcFinal;

export type MatcherInputType = MatcherInput["type"];
