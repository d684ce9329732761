// lnmux's virtual channel id per cluster node: the last 8 bytes of the node's compressed pubkey,
// read big-endian, with the top bit set. Distinct nodes get distinct scids (barring a 63-bit
// collision), and the top bit puts them at block heights above 8.3 million, where no real
// channel can exist, so a real forward is never mistaken for a virtual one.
import { assertLength } from "../bytes/assert-length.ts";

const TOP_BIT = 1n << 63n;

export function virtualScidForNode(nodePubkey: Uint8Array): bigint {
  assertLength("nodePubkey", nodePubkey, 33);
  const tail = new DataView(nodePubkey.buffer, nodePubkey.byteOffset + 25, 8).getBigUint64(0);
  return tail | TOP_BIT;
}
