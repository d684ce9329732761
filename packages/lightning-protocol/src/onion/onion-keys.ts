// BOLT 4 key generation: key = HMAC-SHA256(key = ASCII key type, message = shared secret).
// rho keys the forward stream, mu the forward MAC, um the return-packet MAC, ammag the return
// packet obfuscation stream.
import { createSecretKey, type KeyObject } from "node:crypto";
import { hmacSha256 } from "../crypto/hashes.ts";

export type OnionKeyType = "rho" | "mu" | "um" | "ammag";

// The HMAC keys are constants: prepared once as KeyObjects instead of on every HTLC.
const KEY_TYPE_KEYS: Record<OnionKeyType, KeyObject> = {
  rho: createSecretKey(Buffer.from("rho")),
  mu: createSecretKey(Buffer.from("mu")),
  um: createSecretKey(Buffer.from("um")),
  ammag: createSecretKey(Buffer.from("ammag")),
};

export function deriveOnionKey(keyType: OnionKeyType, sharedSecret: Uint8Array): Uint8Array {
  return hmacSha256(KEY_TYPE_KEYS[keyType], sharedSecret);
}
