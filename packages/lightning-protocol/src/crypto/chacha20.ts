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

// The same stream in TypeScript, for a few blocks: OpenSSL's createCipheriv costs ~4-6 µs per
// call whatever the length (context setup across the native boundary), while one RFC 8439 block
// here costs ~0.6 µs. Measured on this machine (process.cpuUsage, 40k calls, best of 4 rounds):
// 64 bytes 0.64 µs here vs 4.0 µs OpenSSL vs 3.6 µs noble; 1300 bytes 9.8 µs here vs 5.7 µs
// OpenSSL. So it serves short ranges (a final hop's frame) and OpenSSL keeps long ones.

// "expand 32-byte k" as four little-endian words (RFC 8439 section 2.3).
const SIGMA0 = 0x61707865;
const SIGMA1 = 0x3320646e;
const SIGMA2 = 0x79622d32;
const SIGMA3 = 0x6b206574;

// One block of keystream, reused so a call allocates nothing. It is key material only during a
// call: chacha20XorRange zeroes it before returning (JavaScript runs one call at a time).
const keystream = new Int32Array(16);

function readUint32LE(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset] as number) | ((bytes[offset + 1] as number) << 8) | ((bytes[offset + 2] as number) << 16) | ((bytes[offset + 3] as number) << 24)
  );
}

/**
 * output[i] = input[i] XOR ChaCha20(key, nonce, initialCounter)[i] for start <= i < end; with the
 * defaults (zero nonce, counter 0) that is the stream chacha20Xor uses. Offsets index the stream,
 * the input and the output alike; output bytes outside the range are untouched, and output may
 * be input (in place). For short ranges only: it runs ~1.7x slower than OpenSSL over 1300 bytes.
 */
export function chacha20XorRange(
  key: Uint8Array,
  input: Uint8Array,
  output: Uint8Array,
  start: number,
  end: number,
  nonce: Uint8Array = ZERO_NONCE,
  initialCounter = 0,
): void {
  if (key.length !== 32) throw new RangeError(`ChaCha20 key must be 32 bytes, got ${key.length}`);
  if (nonce.length !== 12) throw new RangeError(`ChaCha20 nonce must be 12 bytes, got ${nonce.length}`);
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= input.length && end <= output.length)) {
    throw new RangeError(`ChaCha20 range [${start}, ${end}) is outside the input (${input.length}) or the output (${output.length})`);
  }
  if (!(Number.isInteger(initialCounter) && initialCounter >= 0 && initialCounter + Math.ceil(end / 64) <= 0x1_0000_0000)) {
    throw new RangeError("ChaCha20 block counter must stay within 32 bits");
  }
  const k0 = readUint32LE(key, 0);
  const k1 = readUint32LE(key, 4);
  const k2 = readUint32LE(key, 8);
  const k3 = readUint32LE(key, 12);
  const k4 = readUint32LE(key, 16);
  const k5 = readUint32LE(key, 20);
  const k6 = readUint32LE(key, 24);
  const k7 = readUint32LE(key, 28);
  const n0 = readUint32LE(nonce, 0);
  const n1 = readUint32LE(nonce, 4);
  const n2 = readUint32LE(nonce, 8);
  for (let blockStart = start - (start % 64); blockStart < end; blockStart += 64) {
    // State (RFC 8439 section 2.3): constants, key, 32-bit block counter, 96-bit nonce.
    const counter = initialCounter + blockStart / 64;
    // prettier-ignore
    let x0 = SIGMA0, x1 = SIGMA1, x2 = SIGMA2, x3 = SIGMA3, x4 = k0, x5 = k1, x6 = k2, x7 = k3,
      x8 = k4, x9 = k5, x10 = k6, x11 = k7, x12 = counter, x13 = n0, x14 = n1, x15 = n2;
    // 20 rounds: 10 x (4 column quarter rounds, then 4 diagonal quarter rounds).
    for (let round = 0; round < 10; round++) {
      // prettier-ignore
      {
        x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
        x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
        x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
        x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);
        x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
        x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
        x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
        x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);
        x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
        x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
        x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
        x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);
        x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
        x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
        x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
        x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);
        x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
        x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
        x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
        x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);
        x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
        x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
        x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
        x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);
        x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
        x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
        x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
        x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);
        x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
        x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
        x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
        x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
      }
    }
    // Keystream block = working state + initial state, as little-endian words.
    // prettier-ignore
    {
      keystream[0] = x0 + SIGMA0; keystream[1] = x1 + SIGMA1; keystream[2] = x2 + SIGMA2; keystream[3] = x3 + SIGMA3;
      keystream[4] = x4 + k0; keystream[5] = x5 + k1; keystream[6] = x6 + k2; keystream[7] = x7 + k3;
      keystream[8] = x8 + k4; keystream[9] = x9 + k5; keystream[10] = x10 + k6; keystream[11] = x11 + k7;
      keystream[12] = x12 + counter; keystream[13] = x13 + n0; keystream[14] = x14 + n1; keystream[15] = x15 + n2;
    }
    const from = Math.max(start, blockStart);
    const to = Math.min(end, blockStart + 64);
    for (let i = from; i < to; i++) {
      const j = i - blockStart;
      output[i] = (input[i] as number) ^ ((keystream[j >>> 2] as number) >>> ((j & 3) << 3));
    }
  }
  keystream.fill(0);
}
