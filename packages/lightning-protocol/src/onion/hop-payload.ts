// BOLT 4 tlv_payload (the decrypted per-hop payload) as the virtual node must read it. One linear
// parser: stream rules first (tlv-stream.ts), then each known record, then the presence rules.
// Every rejection names the TLV type and the record's offset, which is what the payer gets back
// in invalid_onion_payload.
import { err, ok, type Result } from "../result.ts";
import { parseTlvStream, type TlvStreamViolation } from "../encoding/tlv-stream.ts";
import { readTu32, readTu64, type TruncatedUintError } from "../encoding/truncated-uint.ts";

export const HOP_PAYLOAD_TYPE = {
  AMT_TO_FORWARD: 2n,
  OUTGOING_CLTV_VALUE: 4n,
  SHORT_CHANNEL_ID: 6n,
  PAYMENT_DATA: 8n,
  PAYMENT_METADATA: 16n,
} as const;

/** Custom records start here (BOLT 1 reserves 2^16 and up for experiments and applications). */
export const CUSTOM_RECORD_MIN_TYPE = 65536n;

export interface PaymentData {
  readonly paymentSecret: Uint8Array;
  /** Total of the whole MPP set, which may exceed this HTLC's amount. */
  readonly totalMsat: bigint;
}

export interface HopPayload {
  readonly amtToForwardMsat: bigint;
  readonly outgoingCltv: number;
  /** Present only on a non-final hop: the channel the payer asked this hop to forward over. */
  readonly shortChannelId?: bigint;
  readonly paymentData?: PaymentData;
  readonly paymentMetadata?: Uint8Array;
  /** Records of type >= 65536 (keysend preimage, app data), keyed by type. */
  readonly customRecords: ReadonlyMap<bigint, Uint8Array>;
}

export type HopPayloadViolation =
  | TlvStreamViolation
  | TruncatedUintError
  | "unknown_even_type"
  | "missing_required_type"
  | "type_not_allowed_here"
  | "invalid_record_length";

export interface HopPayloadError {
  readonly violation: HopPayloadViolation;
  /** The TLV type at fault (0 when the stream broke before a type could be read). */
  readonly tlvType: bigint;
  /** Byte offset of that record within the payload (0 for a missing record). */
  readonly offset: number;
}

export interface HopPayloadContext {
  /** The next HMAC was all zero: this node is the payment's destination. */
  readonly isFinalHop: boolean;
}

function reject(violation: HopPayloadViolation, tlvType: bigint, offset: number): { ok: false; error: HopPayloadError } {
  return err({ violation, tlvType, offset });
}

export function parseHopPayload(bytes: Uint8Array, context: HopPayloadContext): Result<HopPayload, HopPayloadError> {
  const stream = parseTlvStream(bytes);
  if (!stream.ok) return err({ violation: stream.error.violation, tlvType: stream.error.type ?? 0n, offset: stream.error.offset });

  let amtToForwardMsat: bigint | undefined;
  let outgoingCltv: number | undefined;
  let shortChannelId: bigint | undefined;
  let paymentData: PaymentData | undefined;
  let paymentMetadata: Uint8Array | undefined;
  const customRecords = new Map<bigint, Uint8Array>();

  for (const { type, value, offset } of stream.value) {
    const fail = (violation: HopPayloadViolation) => reject(violation, type, offset);
    switch (type) {
      case HOP_PAYLOAD_TYPE.AMT_TO_FORWARD: {
        const read = readTu64(value);
        if (!read.ok) return fail(read.error);
        amtToForwardMsat = read.value;
        break;
      }
      case HOP_PAYLOAD_TYPE.OUTGOING_CLTV_VALUE: {
        const read = readTu32(value);
        if (!read.ok) return fail(read.error);
        outgoingCltv = read.value;
        break;
      }
      case HOP_PAYLOAD_TYPE.SHORT_CHANNEL_ID: {
        if (context.isFinalHop) return fail("type_not_allowed_here");
        if (value.length !== 8) return fail("invalid_record_length");
        shortChannelId = new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0);
        break;
      }
      case HOP_PAYLOAD_TYPE.PAYMENT_DATA: {
        if (!context.isFinalHop) return fail("type_not_allowed_here");
        if (value.length < 32) return fail("invalid_record_length");
        const total = readTu64(value.subarray(32));
        if (!total.ok) return fail(total.error);
        paymentData = { paymentSecret: value.slice(0, 32), totalMsat: total.value };
        break;
      }
      case HOP_PAYLOAD_TYPE.PAYMENT_METADATA: {
        if (!context.isFinalHop) return fail("type_not_allowed_here");
        paymentMetadata = value.slice();
        break;
      }
      default:
        // Custom records (>= 65536) are kept whatever their parity, as lnd does: they are the
        // application's namespace (keysend's 5482373484 is even), and the virtual node replaces
        // lnd's receiver, so a payment lnd would accept must not be refused here. Below that,
        // "it's OK to be odd": an unknown odd type is skipped; an unknown even type means the
        // payer requires a feature we lack (AMP 14, route blinding 10/12/18, ...).
        if (type >= CUSTOM_RECORD_MIN_TYPE) customRecords.set(type, value.slice());
        else if ((type & 1n) === 0n) return fail("unknown_even_type");
    }
  }

  if (amtToForwardMsat === undefined) return err({ violation: "missing_required_type", tlvType: HOP_PAYLOAD_TYPE.AMT_TO_FORWARD, offset: 0 });
  if (outgoingCltv === undefined) return err({ violation: "missing_required_type", tlvType: HOP_PAYLOAD_TYPE.OUTGOING_CLTV_VALUE, offset: 0 });
  if (!context.isFinalHop && shortChannelId === undefined) {
    return err({ violation: "missing_required_type", tlvType: HOP_PAYLOAD_TYPE.SHORT_CHANNEL_ID, offset: 0 });
  }

  const payload: HopPayload = {
    amtToForwardMsat,
    outgoingCltv,
    customRecords,
    ...(shortChannelId !== undefined && { shortChannelId }),
    ...(paymentData !== undefined && { paymentData }),
    ...(paymentMetadata !== undefined && { paymentMetadata }),
  };
  return ok(payload);
}
