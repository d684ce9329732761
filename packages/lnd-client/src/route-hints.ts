// BOLT 11 `r` fields as lnd carries them (PayReq, Invoice, SendPayment, QueryRoutes). A
// coordinator invoice has one single-hop hint per cluster node: node -> virtual node over
// that node's virtual short channel id.
import { u64FromWire, u64ToWire } from "./uint64.ts";

export interface HopHint {
  /** Hex-encoded compressed public key of the node at the start of the hinted channel. */
  nodeId: string;
  /** Short channel id of the hinted channel. */
  chanId: bigint;
  feeBaseMsat: number;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
}

export interface RouteHint {
  hopHints: HopHint[];
}

export interface WireHopHint {
  node_id: string;
  chan_id: string;
  fee_base_msat: number;
  fee_proportional_millionths: number;
  cltv_expiry_delta: number;
}

export interface WireRouteHint {
  hop_hints: WireHopHint[];
}

export function routeHintFromWire(wire: WireRouteHint): RouteHint {
  return {
    hopHints: wire.hop_hints.map((hop) => ({
      nodeId: hop.node_id,
      chanId: u64FromWire(hop.chan_id, "HopHint.chan_id"),
      feeBaseMsat: hop.fee_base_msat,
      feeProportionalMillionths: hop.fee_proportional_millionths,
      cltvExpiryDelta: hop.cltv_expiry_delta,
    })),
  };
}

export function routeHintToWire(hint: RouteHint): WireRouteHint {
  return {
    hop_hints: hint.hopHints.map((hop) => ({
      node_id: hop.nodeId,
      chan_id: u64ToWire(hop.chanId, "HopHint.chan_id"),
      fee_base_msat: hop.feeBaseMsat,
      fee_proportional_millionths: hop.feeProportionalMillionths,
      cltv_expiry_delta: hop.cltvExpiryDelta,
    })),
  };
}
