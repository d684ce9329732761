// BOLT 4 failure messages the virtual node can originate, as the payer reads them after peeling
// the return packet: u16 failure_code || data (|| optional TLV extension, which we never write
// and skip when reading).
import { err, ok, type Result } from "../result.ts";
import { concatBytes } from "../bytes/concat-bytes.ts";
import { encodeBigSize, readBigSize } from "../encoding/bigsize.ts";

const BADONION = 0x8000;
const PERM = 0x4000;
const NODE = 0x2000;

/** BOLT 4 failure_code values (the u16 on the wire). */
export const FAILURE_CODE = {
  INVALID_ONION_VERSION: BADONION | PERM | 4,
  INVALID_ONION_HMAC: BADONION | PERM | 5,
  INVALID_ONION_KEY: BADONION | PERM | 6,
  TEMPORARY_NODE_FAILURE: NODE | 2,
  PERMANENT_NODE_FAILURE: PERM | NODE | 2,
  UNKNOWN_NEXT_PEER: PERM | 10,
  INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS: PERM | 15,
  FINAL_INCORRECT_CLTV_EXPIRY: 18,
  FINAL_INCORRECT_HTLC_AMOUNT: 19,
  INVALID_ONION_PAYLOAD: PERM | 22,
  MPP_TIMEOUT: 23,
} as const;

export type FailureMessage =
  /** Unknown payment hash, wrong payment_secret, amount too low/high, cltv too soon, or a settled/cancelled invoice: BOLT 4 folds them into one code so probes learn nothing. */
  | { readonly type: "incorrect_or_unknown_payment_details"; readonly htlcMsat: bigint; readonly height: number }
  /** The MPP set did not complete before the hold timeout. */
  | { readonly type: "mpp_timeout" }
  | { readonly type: "final_incorrect_cltv_expiry"; readonly cltvExpiry: number }
  | { readonly type: "final_incorrect_htlc_amount"; readonly incomingHtlcMsat: bigint }
  /** The decrypted hop payload broke a TLV or BOLT 4 payload rule; tlvType/offset point at it. */
  | { readonly type: "invalid_onion_payload"; readonly tlvType: bigint; readonly offset: number }
  /** The onion asked the virtual node to forward: it has no channels. */
  | { readonly type: "unknown_next_peer" }
  | { readonly type: "temporary_node_failure" }
  | { readonly type: "permanent_node_failure" }
  /** Decoding only: a code this module does not model, with its raw data. */
  | { readonly type: "unknown"; readonly code: number; readonly data: Uint8Array };

export type EncodableFailureMessage = Exclude<FailureMessage, { type: "unknown" }>;

export function failureCodeOf(failure: FailureMessage): number {
  switch (failure.type) {
    case "incorrect_or_unknown_payment_details":
      return FAILURE_CODE.INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS;
    case "mpp_timeout":
      return FAILURE_CODE.MPP_TIMEOUT;
    case "final_incorrect_cltv_expiry":
      return FAILURE_CODE.FINAL_INCORRECT_CLTV_EXPIRY;
    case "final_incorrect_htlc_amount":
      return FAILURE_CODE.FINAL_INCORRECT_HTLC_AMOUNT;
    case "invalid_onion_payload":
      return FAILURE_CODE.INVALID_ONION_PAYLOAD;
    case "unknown_next_peer":
      return FAILURE_CODE.UNKNOWN_NEXT_PEER;
    case "temporary_node_failure":
      return FAILURE_CODE.TEMPORARY_NODE_FAILURE;
    case "permanent_node_failure":
      return FAILURE_CODE.PERMANENT_NODE_FAILURE;
    case "unknown":
      return failure.code;
    default:
      return assertNever(failure);
  }
}

function assertNever(value: never): never {
  throw new TypeError(`unhandled failure message ${JSON.stringify(value)}`);
}

function u16(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError("u16 out of range");
  return Uint8Array.of(value >>> 8, value & 0xff);
}

function u32(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new RangeError("u32 out of range");
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

function u64(value: bigint): Uint8Array {
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) throw new RangeError("u64 out of range");
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value);
  return out;
}

/** failuremsg bytes: failure_code || data. Throws on out-of-range fields (our own inputs). */
export function encodeFailureMessage(failure: EncodableFailureMessage): Uint8Array {
  const code = u16(failureCodeOf(failure));
  switch (failure.type) {
    case "incorrect_or_unknown_payment_details":
      return concatBytes(code, u64(failure.htlcMsat), u32(failure.height));
    case "final_incorrect_cltv_expiry":
      return concatBytes(code, u32(failure.cltvExpiry));
    case "final_incorrect_htlc_amount":
      return concatBytes(code, u64(failure.incomingHtlcMsat));
    case "invalid_onion_payload":
      return concatBytes(code, encodeBigSize(failure.tlvType), u16(failure.offset));
    case "mpp_timeout":
    case "unknown_next_peer":
    case "temporary_node_failure":
    case "permanent_node_failure":
      return code;
    default:
      return assertNever(failure);
  }
}

export type FailureMessageError = "failure_message_truncated";

/** Parses failure_code || data; trailing bytes (a TLV extension) are ignored. */
export function decodeFailureMessage(bytes: Uint8Array): Result<FailureMessage, FailureMessageError> {
  if (bytes.length < 2) return err("failure_message_truncated");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const code = view.getUint16(0);
  const has = (length: number): boolean => bytes.length >= 2 + length;
  switch (code) {
    case FAILURE_CODE.INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS:
      // BOLT 4 readers accept the legacy empty form; we always write both fields.
      if (!has(12)) return err("failure_message_truncated");
      return ok({ type: "incorrect_or_unknown_payment_details", htlcMsat: view.getBigUint64(2), height: view.getUint32(10) });
    case FAILURE_CODE.FINAL_INCORRECT_CLTV_EXPIRY:
      if (!has(4)) return err("failure_message_truncated");
      return ok({ type: "final_incorrect_cltv_expiry", cltvExpiry: view.getUint32(2) });
    case FAILURE_CODE.FINAL_INCORRECT_HTLC_AMOUNT:
      if (!has(8)) return err("failure_message_truncated");
      return ok({ type: "final_incorrect_htlc_amount", incomingHtlcMsat: view.getBigUint64(2) });
    case FAILURE_CODE.INVALID_ONION_PAYLOAD: {
      const typeRead = readBigSize(bytes, 2);
      if (!typeRead.ok || bytes.length < typeRead.value.next + 2) return err("failure_message_truncated");
      return ok({ type: "invalid_onion_payload", tlvType: typeRead.value.value, offset: view.getUint16(typeRead.value.next) });
    }
    case FAILURE_CODE.MPP_TIMEOUT:
      return ok({ type: "mpp_timeout" });
    case FAILURE_CODE.UNKNOWN_NEXT_PEER:
      return ok({ type: "unknown_next_peer" });
    case FAILURE_CODE.TEMPORARY_NODE_FAILURE:
      return ok({ type: "temporary_node_failure" });
    case FAILURE_CODE.PERMANENT_NODE_FAILURE:
      return ok({ type: "permanent_node_failure" });
    default:
      return ok({ type: "unknown", code, data: bytes.slice(2) });
  }
}
