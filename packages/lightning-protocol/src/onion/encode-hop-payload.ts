// The payer's side of hop-payload.ts: serializes a HopPayload as a BOLT 4 TLV stream. The virtual
// node never sends payments; this exists so tests and tools can build onions (build-onion.ts)
// that exercise the peel with real encodings rather than hand-written hex.
import { concatBytes } from "../bytes/concat-bytes.ts";
import { encodeTlvStream, type TlvRecordInput } from "../encoding/tlv-stream.ts";
import { encodeTu32, encodeTu64 } from "../encoding/truncated-uint.ts";
import { CUSTOM_RECORD_MIN_TYPE, HOP_PAYLOAD_TYPE, type HopPayload } from "./hop-payload.ts";

export function encodeHopPayload(payload: HopPayload): Uint8Array {
  const records: TlvRecordInput[] = [
    { type: HOP_PAYLOAD_TYPE.AMT_TO_FORWARD, value: encodeTu64(payload.amtToForwardMsat) },
    { type: HOP_PAYLOAD_TYPE.OUTGOING_CLTV_VALUE, value: encodeTu32(payload.outgoingCltv) },
  ];
  if (payload.shortChannelId !== undefined) {
    const scid = new Uint8Array(8);
    new DataView(scid.buffer).setBigUint64(0, payload.shortChannelId);
    records.push({ type: HOP_PAYLOAD_TYPE.SHORT_CHANNEL_ID, value: scid });
  }
  if (payload.paymentData !== undefined) {
    records.push({
      type: HOP_PAYLOAD_TYPE.PAYMENT_DATA,
      value: concatBytes(payload.paymentData.paymentSecret, encodeTu64(payload.paymentData.totalMsat)),
    });
  }
  if (payload.paymentMetadata !== undefined) records.push({ type: HOP_PAYLOAD_TYPE.PAYMENT_METADATA, value: payload.paymentMetadata });
  const custom = [...payload.customRecords.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [type, value] of custom) {
    if (type < CUSTOM_RECORD_MIN_TYPE) throw new RangeError("custom record types start at 65536");
    records.push({ type, value });
  }
  return encodeTlvStream(records);
}
