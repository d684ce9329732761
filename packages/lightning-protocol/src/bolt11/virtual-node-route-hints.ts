// The route hints that make a virtual-node invoice payable through every cluster node: one
// single-hop `r` field per node, over that node's virtual scid.
import { virtualScidForNode } from "../scid/virtual-scid.ts";
import type { RouteHint } from "./route-hint.ts";

export interface ClusterNodePolicy {
  readonly nodePubkey: Uint8Array;
  /** Fee and CLTV delta the coordinator enforces on the virtual hop for HTLCs via this node. */
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  readonly cltvExpiryDelta: number;
}

export function virtualNodeRouteHints(nodes: readonly ClusterNodePolicy[]): RouteHint[] {
  return nodes.map((node) => [
    {
      nodePubkey: node.nodePubkey,
      shortChannelId: virtualScidForNode(node.nodePubkey),
      feeBaseMsat: node.feeBaseMsat,
      feeProportionalMillionths: node.feeProportionalMillionths,
      cltvExpiryDelta: node.cltvExpiryDelta,
    },
  ]);
}
