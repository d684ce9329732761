// BOLT 4 uses ChaCha20 (RFC 8439 block function) keyed by rho/ammag with a 96-bit zero nonce
// and block counter 0 as its pseudo-random stream. OpenSSL's "chacha20" takes a 16-byte IV =
// 32-bit little-endian counter || 96-bit nonce, so 16 zero bytes is exactly that stream. It runs
// ~2.3x faster than @noble/ciphers here over 2600 bytes; noble stays the fallback for a Node
// linked against an OpenSSL without chacha20 (e.g. a FIPS build). Both are checked against the
// BOLT 4 vectors in the tests.
import { createCipheriv, getCiphers } from "node:crypto";
import { chacha20 as nobleChacha20 } from "@noble/ciphers/chacha.js";

const ZERO_IV = new Uint8Array(16);
const ZERO_NONCE = new Uint8Array(12);

export type ChaCha20Xor = (key: Uint8Array, data: Uint8Array) => Uint8Array;

export const opensslChacha20Xor: ChaCha20Xor = (key, data) => {
  const out = createCipheriv("chacha20", key, ZERO_IV).update(data);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
};

export const nobleChacha20Xor: ChaCha20Xor = (key, data) => nobleChacha20(key, ZERO_NONCE, data);

/** data XOR ChaCha20(key, nonce = 0, counter = 0); a new array, data is untouched. */
export const chacha20Xor: ChaCha20Xor = getCiphers().includes("chacha20") ? opensslChacha20Xor : nobleChacha20Xor;
