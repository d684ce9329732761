import type { VirtualHopPolicy } from "./matcher-config.ts";

// The cluster node forwards over a channel that does not exist, so lnd checks no fee or CLTV
// policy on it (switch.go hands the packet to the interceptor first). The matcher enforces the
// policy the route hint advertised, as a real forwarding hop would.

export type VirtualHopViolation = "virtual_hop_fee_insufficient" | "virtual_hop_cltv_delta_insufficient";

export type VirtualHopForward = {
  readonly incomingAmountMsat: bigint;
  readonly outgoingAmountMsat: bigint;
  readonly incomingExpiry: number;
  readonly outgoingExpiry: number;
};

// BOLT 7 fee: fee_base_msat + amount_to_forward * fee_proportional_millionths / 1_000_000,
// rounded down as lnd does.
export const virtualHopFeeMsat = (policy: VirtualHopPolicy, outgoingAmountMsat: bigint): bigint =>
  policy.feeBaseMsat + (outgoingAmountMsat * policy.feeProportionalMillionths) / 1_000_000n;

export const virtualHopViolation = (policy: VirtualHopPolicy, forward: VirtualHopForward): VirtualHopViolation | null => {
  if (forward.incomingAmountMsat < forward.outgoingAmountMsat + virtualHopFeeMsat(policy, forward.outgoingAmountMsat))
    return "virtual_hop_fee_insufficient";
  if (forward.incomingExpiry < forward.outgoingExpiry + policy.cltvExpiryDelta) return "virtual_hop_cltv_delta_insufficient";
  return null;
};
