// One hop of a BOLT 11 `r` field (51 bytes): the channel from `nodePubkey` toward the payee.
// For the virtual node every hint is a single hop: cluster node -> virtual node over that node's
// virtual scid, with the fee/CLTV policy the coordinator enforces on the virtual hop.
import { assertLength } from "../bytes/assert-length.ts";

export const ROUTE_HINT_HOP_LENGTH = 51;

export interface RouteHintHop {
  readonly nodePubkey: Uint8Array;
  readonly shortChannelId: bigint;
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  readonly cltvExpiryDelta: number;
}

/** One `r` field's entries, in forward order. */
export type RouteHint = readonly RouteHintHop[];

function assertUint(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${name} must be an integer in 0..${max}`);
}

export function encodeRouteHintHops(hops: RouteHint): Uint8Array {
  const out = new Uint8Array(hops.length * ROUTE_HINT_HOP_LENGTH);
  const view = new DataView(out.buffer);
  hops.forEach((hop, i) => {
    assertLength("route hint nodePubkey", hop.nodePubkey, 33);
    if (hop.shortChannelId < 0n || hop.shortChannelId > 0xffff_ffff_ffff_ffffn) throw new RangeError("route hint shortChannelId out of uint64 range");
    assertUint("feeBaseMsat", hop.feeBaseMsat, 0xffff_ffff);
    assertUint("feeProportionalMillionths", hop.feeProportionalMillionths, 0xffff_ffff);
    assertUint("cltvExpiryDelta", hop.cltvExpiryDelta, 0xffff);
    const at = i * ROUTE_HINT_HOP_LENGTH;
    out.set(hop.nodePubkey, at);
    view.setBigUint64(at + 33, hop.shortChannelId);
    view.setUint32(at + 41, hop.feeBaseMsat);
    view.setUint32(at + 45, hop.feeProportionalMillionths);
    view.setUint16(at + 49, hop.cltvExpiryDelta);
  });
  return out;
}

/** null unless bytes is a non-empty whole number of hops. */
export function decodeRouteHintHops(bytes: Uint8Array): RouteHintHop[] | null {
  if (bytes.length === 0 || bytes.length % ROUTE_HINT_HOP_LENGTH !== 0) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hops: RouteHintHop[] = [];
  for (let at = 0; at < bytes.length; at += ROUTE_HINT_HOP_LENGTH) {
    hops.push({
      nodePubkey: bytes.slice(at, at + 33),
      shortChannelId: view.getBigUint64(at + 33),
      feeBaseMsat: view.getUint32(at + 41),
      feeProportionalMillionths: view.getUint32(at + 45),
      cltvExpiryDelta: view.getUint16(at + 49),
    });
  }
  return hops;
}
