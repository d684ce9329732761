// BOLT 4 return packet, built by the virtual node as the erring node:
//   hmac(32) = HMAC-SHA256(um, rest) || rest, rest = u16 failure_len || failuremsg || u16 pad_len || pad
// then XORed with the ammag ChaCha20 stream. failure_len + pad_len is 256, so the packet is
// 32 + 2 + 256 + 2 = 292 bytes: the exact size lnd's interceptor accepts in failure_message.
import { err, ok, type Result } from "../result.ts";
import { assertLength } from "../bytes/assert-length.ts";
import { chacha20Xor } from "../crypto/chacha20.ts";
import { constantTimeEqual } from "../crypto/constant-time-equal.ts";
import { hmacSha256 } from "../crypto/hashes.ts";
import { deriveOnionKey } from "../onion/onion-keys.ts";
import { decodeFailureMessage, encodeFailureMessage, type EncodableFailureMessage, type FailureMessage } from "./failure-message.ts";

export const FAILURE_PACKET_LENGTH = 292;
/** failure_len + pad_len for every packet we build (BOLT 4 SHOULD: exactly 256). */
const PADDED_MESSAGE_LENGTH = 256;

/**
 * Seals an encoded failuremsg: pad so failure_len + pad_len = paddedLength (or no pad if the
 * message is longer), MAC with um, obfuscate with ammag. Only the 256 default yields the 292-byte
 * packet lnd's interceptor accepts; other lengths exist for the spec's test trace.
 */
export function sealFailureMessage(sharedSecret: Uint8Array, failureMessage: Uint8Array, paddedLength: number = PADDED_MESSAGE_LENGTH): Uint8Array {
  assertLength("sharedSecret", sharedSecret, 32);
  if (failureMessage.length > 0xffff) throw new RangeError("failure message longer than a u16 length");
  if (!Number.isInteger(paddedLength) || paddedLength < 0 || paddedLength > 0xffff) throw new RangeError("paddedLength out of range");
  const padLength = Math.max(0, paddedLength - failureMessage.length);
  const body = new Uint8Array(2 + failureMessage.length + 2 + padLength);
  const view = new DataView(body.buffer);
  view.setUint16(0, failureMessage.length);
  body.set(failureMessage, 2);
  view.setUint16(2 + failureMessage.length, padLength);
  const packet = new Uint8Array(32 + body.length);
  packet.set(hmacSha256(deriveOnionKey("um", sharedSecret), body), 0);
  packet.set(body, 32);
  return chacha20Xor(deriveOnionKey("ammag", sharedSecret), packet);
}

/** The 292-byte failure_message for lnd's HtlcInterceptor FAIL, keyed by the HTLC's onion shared secret. */
export function buildFailurePacket(sharedSecret: Uint8Array, failure: EncodableFailureMessage): Uint8Array {
  const packet = sealFailureMessage(sharedSecret, encodeFailureMessage(failure));
  if (packet.length !== FAILURE_PACKET_LENGTH) throw new RangeError(`failure packet is ${packet.length} bytes, expected ${FAILURE_PACKET_LENGTH}`);
  return packet;
}

/** What an upstream hop does to a return packet: one more ammag layer. */
export function wrapFailurePacket(sharedSecret: Uint8Array, packet: Uint8Array): Uint8Array {
  assertLength("sharedSecret", sharedSecret, 32);
  return chacha20Xor(deriveOnionKey("ammag", sharedSecret), packet);
}

export type FailurePacketError = "failure_packet_too_short" | "failure_packet_hmac_mismatch" | "failure_packet_malformed";

export interface DecodedFailurePacket {
  readonly failure: FailureMessage;
  /** The raw failuremsg (failure_code || data || extension). */
  readonly failureMessage: Uint8Array;
}

/** Reverses buildFailurePacket for a packet from the hop owning sharedSecret (tests, and a payer's view). */
export function decodeFailurePacket(sharedSecret: Uint8Array, packet: Uint8Array): Result<DecodedFailurePacket, FailurePacketError> {
  assertLength("sharedSecret", sharedSecret, 32);
  if (packet.length < 32 + 4) return err("failure_packet_too_short");
  const plain = chacha20Xor(deriveOnionKey("ammag", sharedSecret), packet);
  const body = plain.subarray(32);
  if (!constantTimeEqual(hmacSha256(deriveOnionKey("um", sharedSecret), body), plain.subarray(0, 32))) return err("failure_packet_hmac_mismatch");
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const failureLength = view.getUint16(0);
  if (2 + failureLength + 2 > body.length) return err("failure_packet_malformed");
  const padLength = view.getUint16(2 + failureLength);
  if (2 + failureLength + 2 + padLength !== body.length) return err("failure_packet_malformed");
  const failureMessage = body.slice(2, 2 + failureLength);
  const failure = decodeFailureMessage(failureMessage);
  if (!failure.ok) return err("failure_packet_malformed");
  return ok({ failure: failure.value, failureMessage });
}
