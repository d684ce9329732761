// BOLT 4 key generation: key = HMAC-SHA256(key = ASCII key type, message = shared secret).
// rho keys the forward stream, mu the forward MAC, um the return-packet MAC, ammag the return
// packet obfuscation stream.
import { fixedKeyHmacSha256, type FixedKeyHmacSha256 } from "../crypto/fixed-key-hmac-sha256.ts";

export type OnionKeyType = "rho" | "mu" | "um" | "ammag";

// The HMAC keys are public constants: their ipad/opad SHA-256 states are prepared once, so a
// derivation from a 32-byte shared secret costs two SHA-256 compressions (see
// fixed-key-hmac-sha256.ts for the measurements against createHmac).
const KEY_TYPE_HMACS: Record<OnionKeyType, FixedKeyHmacSha256> = {
  rho: fixedKeyHmacSha256(new TextEncoder().encode("rho")),
  mu: fixedKeyHmacSha256(new TextEncoder().encode("mu")),
  um: fixedKeyHmacSha256(new TextEncoder().encode("um")),
  ammag: fixedKeyHmacSha256(new TextEncoder().encode("ammag")),
};

export function deriveOnionKey(keyType: OnionKeyType, sharedSecret: Uint8Array): Uint8Array {
  return KEY_TYPE_HMACS[keyType](sharedSecret);
}
