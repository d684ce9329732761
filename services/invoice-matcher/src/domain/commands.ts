import type { HtlcFailure } from "./htlc-failure.ts";
import type { HtlcKey } from "./htlc-key.ts";

// What the matcher asks a bridge to do with an HTLC it holds (routed by key.nodeId). The domain
// never sees the preimage: the adapter derives it from its secret seed for SettleHtlc.

// What the settle decision was about, for this HTLC: its incoming amount and incoming expiry as
// the matcher recorded them from the intercepted record. The bridge settles only an HTLC that lnd
// offered with exactly these values under that circuit key, so a forged record that named a key
// lnd later gives to a different (smaller) HTLC never releases the preimage for it.
export type SettleExpectation = { readonly incomingAmountMsat: bigint; readonly incomingExpiry: number };

export type SettleHtlc = {
  readonly type: "SettleHtlc";
  readonly data: { readonly key: HtlcKey; readonly paymentHash: string; readonly expected: SettleExpectation };
};

export type FailHtlc = {
  readonly type: "FailHtlc";
  readonly data: { readonly key: HtlcKey; readonly paymentHash: string; readonly failure: HtlcFailure };
};

export type MatcherCommand = SettleHtlc | FailHtlc;

// `htlc` is the recorded HTLC (or any value carrying its incoming amount and expiry); only those
// two fields are copied.
export const settleHtlc = (key: HtlcKey, paymentHash: string, htlc: SettleExpectation): SettleHtlc => ({
  type: "SettleHtlc",
  data: { key, paymentHash, expected: { incomingAmountMsat: htlc.incomingAmountMsat, incomingExpiry: htlc.incomingExpiry } },
});

export const failHtlc = (key: HtlcKey, paymentHash: string, failure: HtlcFailure): FailHtlc => ({
  type: "FailHtlc",
  data: { key, paymentHash, failure },
});
