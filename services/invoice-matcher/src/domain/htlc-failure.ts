// What the matcher tells a bridge to fail an HTLC with. Data, not bytes: the adapter builds and
// encrypts the BOLT 4 failure message (the virtual node is the erring final node) from it.

// Plain data: what the domain may carry without knowing its meaning. bigint is allowed (the
// state serialization tags it), class instances and byte arrays are not.
export type OpaqueValue =
  | string
  | number
  | boolean
  | null
  | bigint
  | readonly OpaqueValue[]
  | { readonly [key: string]: OpaqueValue };

// The onion peel's own failure reply (e.g. lightning-protocol's OnionFailureReply for
// invalid_onion_hmac), produced outside the domain. The domain never inspects it; it is recorded
// with the HTLC so that a replayed HTLC gets the very same answer.
export type OnionPeelFailure = OpaqueValue;

export type HtlcFailure =
  // BOLT 4 0x400F (PERM|15): one code for every invoice-level problem so a prober learns nothing
  // about which invoices exist. htlcMsat is the HTLC amount the virtual node received
  // (outgoing_amount_msat); height is the block height when the decision was taken.
  | { readonly kind: "incorrect_or_unknown_payment_details"; readonly htlcMsat: bigint; readonly height: number }
  // BOLT 4 0x0017: the MPP set did not complete in time.
  | { readonly kind: "mpp_timeout" }
  // BOLT 4 0x0012: cltvExpiry is the HTLC's cltv_expiry (outgoing_expiry of the virtual hop).
  | { readonly kind: "final_incorrect_cltv_expiry"; readonly cltvExpiry: number }
  // BOLT 4 0x0013: incomingHtlcMsat is the HTLC amount the virtual node received.
  | { readonly kind: "final_incorrect_htlc_amount"; readonly incomingHtlcMsat: bigint }
  // BOLT 4 0x1007, sent as lnd's failure_code: the cluster node's virtual-hop fee/CLTV policy was
  // not met, so the failure belongs to the forwarding hop, not to the final node.
  | { readonly kind: "temporary_channel_failure" }
  | { readonly kind: "onion"; readonly reason: OnionPeelFailure };

export type HtlcFailureKind = HtlcFailure["kind"];
