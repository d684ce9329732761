// BOLT 4 onion construction (the sender's side), for tests and tooling: the virtual node only
// peels. Reproducing the official 5-hop vector byte for byte with it pins down the peel from the
// other direction, and it lets the matcher's tests build real onions addressed to the virtual
// node. Payloads are raw TLV streams without the BigSize length prefix.
import type { Secp256k1Backend } from "../crypto/secp256k1-backend.ts";
import { assertLength } from "../bytes/assert-length.ts";
import { concatBytes } from "../bytes/concat-bytes.ts";
import { chacha20Xor } from "../crypto/chacha20.ts";
import { hmacSha256, sha256 } from "../crypto/hashes.ts";
import { encodeBigSize } from "../encoding/bigsize.ts";
import { HOP_PAYLOADS_LENGTH, ONION_HMAC_LENGTH, ONION_VERSION } from "./onion-packet.ts";
import { deriveOnionKey } from "./onion-keys.ts";

const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const PAD_KEY_TYPE = new TextEncoder().encode("pad");

export interface OnionHop {
  readonly nodePubkey: Uint8Array;
  /** The hop's TLV payload, without the length prefix. */
  readonly payload: Uint8Array;
}

export interface BuiltOnion {
  readonly onion: Uint8Array;
  /** Per-hop shared secrets, first hop first: what a sender keeps to decrypt failures. */
  readonly sharedSecrets: readonly Uint8Array[];
}

function toScalar(bytes: Uint8Array): bigint {
  return BigInt("0x" + Buffer.from(bytes).toString("hex"));
}

function fromScalar(value: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(64, "0"), "hex"));
}

/** Throws on bad keys or payloads that do not fit 1300 bytes: sender-side inputs are ours. */
export function buildOnion(backend: Secp256k1Backend, sessionKey: Uint8Array, hops: readonly OnionHop[], associatedData: Uint8Array): BuiltOnion {
  assertLength("sessionKey", sessionKey, 32);
  assertLength("associatedData", associatedData, 32);
  if (hops.length === 0) throw new RangeError("an onion needs at least one hop");
  const frames = hops.map((hop) => concatBytes(encodeBigSize(BigInt(hop.payload.length)), hop.payload));
  const frameSizes = frames.map((frame) => frame.length + ONION_HMAC_LENGTH);
  const totalSize = frameSizes.reduce((sum, size) => sum + size, 0);
  if (totalSize > HOP_PAYLOADS_LENGTH) throw new RangeError(`hop payloads need ${totalSize} bytes, the onion has ${HOP_PAYLOADS_LENGTH}`);

  // Ephemeral keys: e(i+1) = e(i) * SHA256(E(i) || ss(i)) mod n, so each hop sees a fresh key.
  const sharedSecrets: Uint8Array[] = [];
  let ephemeralPrivate = sessionKey;
  let firstEphemeralPublic: Uint8Array | undefined;
  for (const hop of hops) {
    const ephemeralPublic = backend.publicKeyCreate(ephemeralPrivate);
    firstEphemeralPublic ??= ephemeralPublic;
    const sharedSecret = backend.ecdh(ephemeralPrivate, hop.nodePubkey);
    if (sharedSecret === null) throw new RangeError("hop nodePubkey is not a valid point");
    sharedSecrets.push(sharedSecret);
    const blinding = toScalar(sha256(ephemeralPublic, sharedSecret));
    ephemeralPrivate = fromScalar((toScalar(ephemeralPrivate) * blinding) % CURVE_ORDER);
  }

  // Filler: what the hops before the last will shift in from the end when they peel, so that
  // the last hop's HMAC covers exactly the bytes it will see.
  const fillerLength = totalSize - (frameSizes[frameSizes.length - 1] as number);
  const filler = new Uint8Array(fillerLength);
  let consumed = 0;
  for (let i = 0; i < hops.length - 1; i++) {
    const stream = chacha20Xor(deriveOnionKey("rho", sharedSecrets[i] as Uint8Array), new Uint8Array(2 * HOP_PAYLOADS_LENGTH));
    const start = HOP_PAYLOADS_LENGTH - consumed;
    consumed += frameSizes[i] as number;
    for (let j = 0; j < consumed; j++) filler[j] = (filler[j] as number) ^ (stream[start + j] as number);
  }

  let hopPayloads = chacha20Xor(hmacSha256(PAD_KEY_TYPE, sessionKey), new Uint8Array(HOP_PAYLOADS_LENGTH));
  let nextHmac: Uint8Array = new Uint8Array(ONION_HMAC_LENGTH);
  for (let i = hops.length - 1; i >= 0; i--) {
    const sharedSecret = sharedSecrets[i] as Uint8Array;
    const frame = frames[i] as Uint8Array;
    const shifted = new Uint8Array(HOP_PAYLOADS_LENGTH);
    shifted.set(frame, 0);
    shifted.set(nextHmac, frame.length);
    shifted.set(hopPayloads.subarray(0, HOP_PAYLOADS_LENGTH - frame.length - ONION_HMAC_LENGTH), frame.length + ONION_HMAC_LENGTH);
    hopPayloads = chacha20Xor(deriveOnionKey("rho", sharedSecret), shifted);
    if (i === hops.length - 1) hopPayloads.set(filler, HOP_PAYLOADS_LENGTH - filler.length);
    nextHmac = hmacSha256(deriveOnionKey("mu", sharedSecret), hopPayloads, associatedData);
  }

  const onion = concatBytes(Uint8Array.of(ONION_VERSION), firstEphemeralPublic as Uint8Array, hopPayloads, nextHmac);
  return { onion, sharedSecrets };
}
