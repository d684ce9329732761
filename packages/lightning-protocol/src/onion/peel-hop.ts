// BOLT 4 onion decryption by one hop. peelFinalHop is the virtual node's hot path; per HTLC: one
// ECDH, two key derivations (mu, rho), one HMAC over 1332 bytes, and ChaCha20 over only the bytes
// of hop_payloads that hold its frame. peelHop decrypts the whole stream and builds the next
// hop's onion, which the virtual node never needs but which lets the official 5-hop vector be
// walked end to end.
//
// Check order follows BOLT 4: version, ephemeral key, HMAC (constant time, before anything is
// decrypted or parsed), then the payload. An onion that fails the HMAC is never parsed.
import type { Secp256k1Backend } from "../crypto/secp256k1-backend.ts";
import { assertLength } from "../bytes/assert-length.ts";
import { chacha20Xor, chacha20XorRange } from "../crypto/chacha20.ts";
import { constantTimeEqual } from "../crypto/constant-time-equal.ts";
import { hmacSha256, sha256 } from "../crypto/hashes.ts";
import { readBigSize } from "../encoding/bigsize.ts";
import { parseHopPayload, type HopPayload } from "./hop-payload.ts";
import { deriveOnionKey } from "./onion-keys.ts";
import type { OnionError } from "./onion-error.ts";
import {
  EPHEMERAL_KEY_OFFSET,
  HMAC_OFFSET,
  HOP_PAYLOADS_LENGTH,
  HOP_PAYLOADS_OFFSET,
  ONION_HMAC_LENGTH,
  ONION_PACKET_LENGTH,
  ONION_VERSION,
} from "./onion-packet.ts";

export type PeelFinalHopResult =
  | { readonly ok: true; readonly payload: HopPayload; readonly sharedSecret: Uint8Array }
  | {
      readonly ok: false;
      readonly error: OnionError;
      /**
       * Set once ECDH succeeded and the HMAC verified: the key for buildFailurePacket when the
       * error's reply is a failure message. Per-HTLC secret: keep it out of logs and events.
       */
      readonly sharedSecret?: Uint8Array;
    };

export type PeelHopResult =
  | {
      readonly ok: true;
      readonly payload: HopPayload;
      readonly sharedSecret: Uint8Array;
      /** The 1366-byte onion for the next hop; null when this hop is the final one. */
      readonly nextOnion: Uint8Array | null;
    }
  | { readonly ok: false; readonly error: OnionError; readonly sharedSecret?: Uint8Array };

interface OpenedPacket {
  readonly ephemeralKey: Uint8Array;
  readonly sharedSecret: Uint8Array;
  /** The packet's encrypted hop_payloads (a view into the onion), its HMAC verified. */
  readonly hopPayloads: Uint8Array;
  /** The rho key of the stream that decrypts hopPayloads. */
  readonly rho: Uint8Array;
}

interface FrameBounds {
  /** Offset of the payload, just past its BigSize length. */
  readonly start: number;
  /** Offset just past the payload, where the next HMAC starts. */
  readonly end: number;
}

interface HopFrame {
  readonly payload: Uint8Array;
  readonly nextHmac: Uint8Array;
  /** Offset in the decrypted stream where the next hop's hop_payloads start. */
  readonly nextStart: number;
}

type Failure = { readonly ok: false; readonly error: OnionError; readonly sharedSecret?: Uint8Array };

/**
 * Peels an onion addressed to the virtual node as the payment's final hop.
 * associatedData is the HTLC's payment hash (BOLT 4 associated data).
 */
export function peelFinalHop(
  backend: Secp256k1Backend,
  nodePrivateKey: Uint8Array,
  onion: Uint8Array,
  paymentHash: Uint8Array,
): PeelFinalHopResult {
  const opened = openPacket(backend, nodePrivateKey, onion, paymentHash);
  if (!opened.ok) return opened;
  const { sharedSecret, hopPayloads, rho } = opened.value;
  const frame = decryptFinalHopFrame(rho, hopPayloads);
  rho.fill(0);
  if (!frame.ok) return { ok: false, error: frame.error, sharedSecret };
  if (!isAllZero(frame.value.nextHmac)) {
    return { ok: false, error: { code: "not_final_hop", message: "onion asks the virtual node to forward the payment" }, sharedSecret };
  }
  const payload = parseHopPayload(frame.value.payload, { isFinalHop: true });
  if (!payload.ok) return { ok: false, error: payloadError(payload.error), sharedSecret };
  return { ok: true, payload: payload.value, sharedSecret };
}

/** Peels one layer as any hop would: final or forwarding (then with the next hop's onion). */
export function peelHop(backend: Secp256k1Backend, nodePrivateKey: Uint8Array, onion: Uint8Array, associatedData: Uint8Array): PeelHopResult {
  const opened = openPacket(backend, nodePrivateKey, onion, associatedData);
  if (!opened.ok) return opened;
  const { ephemeralKey, sharedSecret, hopPayloads, rho } = opened.value;
  // BOLT 4: hop_payloads is extended by 1300 zero bytes before XOR with the rho stream; the
  // tail becomes the (filler-covered) end of the next hop's payloads.
  const plaintext = new Uint8Array(2 * HOP_PAYLOADS_LENGTH);
  plaintext.set(hopPayloads);
  const decrypted = chacha20Xor(rho, plaintext);
  rho.fill(0);
  const frame = readHopFrame(decrypted);
  if (!frame.ok) return { ok: false, error: frame.error, sharedSecret };
  const isFinalHop = isAllZero(frame.value.nextHmac);
  const payload = parseHopPayload(frame.value.payload, { isFinalHop });
  if (!payload.ok) return { ok: false, error: payloadError(payload.error), sharedSecret };
  if (isFinalHop) return { ok: true, payload: payload.value, sharedSecret, nextOnion: null };

  const blindingFactor = sha256(ephemeralKey, sharedSecret);
  const nextEphemeralKey = backend.publicKeyTweakMul(ephemeralKey, blindingFactor);
  // Unreachable for a key that passed ECDH unless SHA-256 hits 0 or >= n; still typed, never thrown.
  if (nextEphemeralKey === null) return { ok: false, error: { code: "invalid_onion_key", message: "cannot blind the ephemeral key" }, sharedSecret };
  const nextOnion = new Uint8Array(ONION_PACKET_LENGTH);
  nextOnion[0] = ONION_VERSION;
  nextOnion.set(nextEphemeralKey, EPHEMERAL_KEY_OFFSET);
  nextOnion.set(decrypted.subarray(frame.value.nextStart, frame.value.nextStart + HOP_PAYLOADS_LENGTH), HOP_PAYLOADS_OFFSET);
  nextOnion.set(frame.value.nextHmac, HMAC_OFFSET);
  return { ok: true, payload: payload.value, sharedSecret, nextOnion };
}

function openPacket(
  backend: Secp256k1Backend,
  nodePrivateKey: Uint8Array,
  onion: Uint8Array,
  associatedData: Uint8Array,
): { ok: true; value: OpenedPacket } | Failure {
  assertLength("nodePrivateKey", nodePrivateKey, 32);
  assertLength("associatedData", associatedData, 32);
  if (onion.length !== ONION_PACKET_LENGTH) {
    return failure({ code: "invalid_onion_length", message: `onion is ${onion.length} bytes, expected ${ONION_PACKET_LENGTH}`, length: onion.length });
  }
  const version = onion[0] as number;
  if (version !== ONION_VERSION) {
    return failure({ code: "invalid_onion_version", message: `onion version ${version} is not supported`, version });
  }
  const ephemeralKey = onion.subarray(EPHEMERAL_KEY_OFFSET, HOP_PAYLOADS_OFFSET);
  const sharedSecret = backend.ecdh(nodePrivateKey, ephemeralKey);
  if (sharedSecret === null) return failure({ code: "invalid_onion_key", message: "onion ephemeral key is not a valid secp256k1 point" });

  const hopPayloads = onion.subarray(HOP_PAYLOADS_OFFSET, HMAC_OFFSET);
  const mu = deriveOnionKey("mu", sharedSecret);
  const expectedHmac = hmacSha256(mu, hopPayloads, associatedData);
  mu.fill(0);
  if (!constantTimeEqual(expectedHmac, onion.subarray(HMAC_OFFSET, HMAC_OFFSET + ONION_HMAC_LENGTH))) {
    return failure({ code: "invalid_onion_hmac", message: "onion HMAC does not match (wrong key, payment hash or corrupted onion)" });
  }
  return { ok: true, value: { ephemeralKey, sharedSecret, hopPayloads, rho: deriveOnionKey("rho", sharedSecret) } };
}

// A final hop decrypts only the start of hop_payloads: the frame it reads (BigSize length,
// payload, 32-byte next HMAC) and nothing after it. That is safe because openPacket verified the
// HMAC over all 1300 encrypted bytes (and the payment hash) before anything is decrypted, so
// every byte is authenticated whether or not it is decrypted; the bytes past the frame are the
// following hops' data or padding, which only a forwarding hop (peelHop) shifts into the next
// onion and a final hop never reads. The results and errors are those of decrypting all 1300
// bytes: readFrameBounds reads at most the 9 bytes of the BigSize length (the 64-byte first block
// always holds them, so it never sees a truncation the full stream would not) and checks the
// length against HOP_PAYLOADS_LENGTH, not against the buffer it is given.
// ChaCha20 cost, measured (see chacha20.ts): the first 64-byte block in TypeScript ~0.7 µs
// against ~4 µs for any OpenSSL call; up to 384 bytes TypeScript is still cheaper, beyond that
// one OpenSSL call over the frame is.
const FIRST_BLOCK_LENGTH = 64;
const MAX_TYPESCRIPT_FRAME_LENGTH = 384;

function decryptFinalHopFrame(rho: Uint8Array, hopPayloads: Uint8Array): { ok: true; value: HopFrame } | { ok: false; error: OnionError } {
  const head = new Uint8Array(FIRST_BLOCK_LENGTH);
  chacha20XorRange(rho, hopPayloads, head, 0, FIRST_BLOCK_LENGTH);
  const bounds = readFrameBounds(head);
  if (!bounds.ok) return bounds;
  const frameLength = bounds.value.end + ONION_HMAC_LENGTH;
  let decrypted: Uint8Array = head;
  if (frameLength > FIRST_BLOCK_LENGTH) {
    if (frameLength <= MAX_TYPESCRIPT_FRAME_LENGTH) {
      decrypted = new Uint8Array(frameLength);
      decrypted.set(head);
      chacha20XorRange(rho, hopPayloads, decrypted, FIRST_BLOCK_LENGTH, frameLength);
    } else {
      decrypted = chacha20Xor(rho, hopPayloads.subarray(0, frameLength));
    }
  }
  return { ok: true, value: frameAt(decrypted, bounds.value) };
}

function readHopFrame(decrypted: Uint8Array): { ok: true; value: HopFrame } | { ok: false; error: OnionError } {
  const bounds = readFrameBounds(decrypted);
  if (!bounds.ok) return bounds;
  return { ok: true, value: frameAt(decrypted, bounds.value) };
}

function frameAt(decrypted: Uint8Array, { start, end }: FrameBounds): HopFrame {
  return { payload: decrypted.subarray(start, end), nextHmac: decrypted.subarray(end, end + ONION_HMAC_LENGTH), nextStart: end + ONION_HMAC_LENGTH };
}

/** Where the payload sits in the decrypted stream; reads only its first 1..9 bytes (the BigSize). */
function readFrameBounds(decrypted: Uint8Array): { ok: true; value: FrameBounds } | { ok: false; error: OnionError } {
  const lengthRead = readBigSize(decrypted, 0);
  if (!lengthRead.ok) {
    return { ok: false, error: payloadError({ violation: lengthRead.error, tlvType: 0n, offset: 0 }) };
  }
  const length = lengthRead.value.value;
  if (length === 0n) {
    // A 0x00 first byte introduced the pre-TLV fixed 65-byte "legacy" payload, removed from BOLT 4.
    return { ok: false, error: payloadError({ violation: "legacy_payload", tlvType: 0n, offset: 0 }) };
  }
  const start = lengthRead.value.next;
  if (length > BigInt(HOP_PAYLOADS_LENGTH - start - ONION_HMAC_LENGTH)) {
    return { ok: false, error: payloadError({ violation: "payload_exceeds_packet", tlvType: 0n, offset: 0 }) };
  }
  return { ok: true, value: { start, end: start + Number(length) } };
}

function payloadError(error: {
  violation: Extract<OnionError, { code: "invalid_onion_payload" }>["violation"];
  tlvType: bigint;
  offset: number;
}): OnionError {
  return {
    code: "invalid_onion_payload",
    message: `hop payload rejected: ${error.violation} at TLV type ${error.tlvType}, offset ${error.offset}`,
    violation: error.violation,
    tlvType: error.tlvType,
    offset: error.offset,
  };
}

function failure(error: OnionError): Failure {
  return { ok: false, error };
}

function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const byte of bytes) acc |= byte;
  return acc === 0;
}
