// BOLT 4 key generation: key = HMAC-SHA256(key = ASCII key type, message = shared secret).
// rho keys the forward stream, mu the forward MAC, um the return-packet MAC, ammag the return
// packet obfuscation stream.
import { hmacSha256 } from "../crypto/hashes.ts";

export type OnionKeyType = "rho" | "mu" | "um" | "ammag";

const KEY_TYPE_BYTES: Record<OnionKeyType, Uint8Array> = {
  rho: new TextEncoder().encode("rho"),
  mu: new TextEncoder().encode("mu"),
  um: new TextEncoder().encode("um"),
  ammag: new TextEncoder().encode("ammag"),
};

export function deriveOnionKey(keyType: OnionKeyType, sharedSecret: Uint8Array): Uint8Array {
  return hmacSha256(KEY_TYPE_BYTES[keyType], sharedSecret);
}
