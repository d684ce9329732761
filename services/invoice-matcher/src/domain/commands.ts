import type { HtlcFailure } from "./htlcFailure.ts";
import type { HtlcKey } from "./htlcKey.ts";

// What the matcher asks a bridge to do with an HTLC it holds (routed by key.nodeId). The domain
// never sees the preimage: the adapter derives it from its secret seed for SettleHtlc.

export type SettleHtlc = { readonly type: "SettleHtlc"; readonly data: { readonly key: HtlcKey; readonly paymentHash: string } };

export type FailHtlc = {
  readonly type: "FailHtlc";
  readonly data: { readonly key: HtlcKey; readonly paymentHash: string; readonly failure: HtlcFailure };
};

export type MatcherCommand = SettleHtlc | FailHtlc;

export const settleHtlc = (key: HtlcKey, paymentHash: string): SettleHtlc => ({ type: "SettleHtlc", data: { key, paymentHash } });

export const failHtlc = (key: HtlcKey, paymentHash: string, failure: HtlcFailure): FailHtlc => ({
  type: "FailHtlc",
  data: { key, paymentHash, failure },
});
