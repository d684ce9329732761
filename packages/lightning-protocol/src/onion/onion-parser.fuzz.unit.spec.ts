// Fuzzing the parsers that face the network. The contract under test: whatever bytes arrive,
// peelFinalHop / peelHop / parseHopPayload / parseTlvStream return a typed result; they never
// throw (an exception would take the matcher down with the HTLC still held) and never loop
// unboundedly. Iteration counts are fixed and seeds pinned, so the run is deterministic and
// takes a few seconds.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concatBytes } from "../bytes/concat-bytes.ts";
import { hexToBytes } from "../bytes/hex.ts";
import { chacha20Xor } from "../crypto/chacha20.ts";
import { hmacSha256 } from "../crypto/hashes.ts";
import { createNativeSecp256k1Backend } from "../crypto/native-secp256k1.ts";
import { encodeBigSize, MAX_UINT64 } from "../encoding/bigsize.ts";
import { parseTlvStream } from "../encoding/tlv-stream.ts";
import { buildOnion } from "./build-onion.ts";
import { encodeHopPayload } from "./encode-hop-payload.ts";
import { CUSTOM_RECORD_MIN_TYPE, parseHopPayload } from "./hop-payload.ts";
import { failureReplyForOnionError } from "./onion-failure-reply.ts";
import { deriveOnionKey } from "./onion-keys.ts";
import type { OnionError } from "./onion-error.ts";
import { peelFinalHop, peelHop, type PeelFinalHopResult, type PeelHopResult } from "./peel-hop.ts";

const backend = createNativeSecp256k1Backend();
const nodeKey = hexToBytes("99".repeat(32));
const nodePubkey = backend.publicKeyCreate(nodeKey);
const sessionKey = hexToBytes("5e".repeat(32));
const sessionPubkey = backend.publicKeyCreate(sessionKey);
const paymentHash = hexToBytes("ab".repeat(32));
const sharedSecret = backend.ecdh(sessionKey, nodePubkey) as Uint8Array;
const rho = deriveOnionKey("rho", sharedSecret);
const mu = deriveOnionKey("mu", sharedSecret);

const validPayload = encodeHopPayload({
  amtToForwardMsat: 250_000n,
  outgoingCltv: 800_144,
  paymentData: { paymentSecret: hexToBytes("5a".repeat(32)), totalMsat: 1_000_000n },
  paymentMetadata: hexToBytes("01fafaf0"),
  customRecords: new Map([[65537n, hexToBytes("bbbb")]]),
});
const validOnion = buildOnion(backend, sessionKey, [{ nodePubkey, payload: validPayload }], paymentHash).onion;

const ERROR_CODES = new Set(["invalid_onion_length", "invalid_onion_version", "invalid_onion_key", "invalid_onion_hmac", "invalid_onion_payload", "not_final_hop"]);

/** A typed error: known code, a message, and a reply we can actually send. */
function expectTypedError(error: OnionError): void {
  expect(ERROR_CODES.has(error.code)).toBe(true);
  expect(typeof error.message).toBe("string");
  const reply = failureReplyForOnionError(error);
  if (reply.kind === "failure_message" && reply.failure.type === "invalid_onion_payload") {
    expect(reply.failure.offset).toBeGreaterThanOrEqual(0);
    expect(reply.failure.offset).toBeLessThanOrEqual(0xffff);
    expect(reply.failure.tlvType).toBeGreaterThanOrEqual(0n);
    expect(reply.failure.tlvType).toBeLessThanOrEqual(MAX_UINT64);
  }
}

function expectWellFormed(result: PeelFinalHopResult | PeelHopResult): void {
  if (!result.ok) return expectTypedError(result.error);
  expect(result.payload.amtToForwardMsat).toBeLessThanOrEqual(MAX_UINT64);
  expect(result.payload.outgoingCltv).toBeLessThanOrEqual(0xffff_ffff);
  for (const type of result.payload.customRecords.keys()) expect(type).toBeGreaterThanOrEqual(CUSTOM_RECORD_MIN_TYPE);
}

/** Correctly keyed and MACed, so the fuzzed bytes reach the frame and TLV parsers. */
function onionAroundPlaintext(plaintext: Uint8Array): Uint8Array {
  const hopPayloads = chacha20Xor(rho, plaintext);
  return concatBytes(Uint8Array.of(0), sessionPubkey, hopPayloads, hmacSha256(mu, hopPayloads, paymentHash));
}

/** The decrypted hop_payloads of validOnion: frame || zero next HMAC || padding. */
const validPlaintext = chacha20Xor(rho, validOnion.subarray(34, 1334));

const flips = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 });
function flipBits(bytes: Uint8Array, positions: ReadonlyArray<readonly [number, number]>, limit = bytes.length): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (const [at, bit] of positions) {
    const index = at % limit;
    out[index] = (out[index] as number) ^ (1 << bit);
  }
  return out;
}

describe("peelFinalHop under fuzzed input", () => {
  it("rejects every bit-flipped copy of a valid onion (no HMAC forgery), with a typed error", () => {
    fc.assert(
      fc.property(flips, (positions) => {
        const mutated = flipBits(validOnion, positions);
        const changed = mutated.some((byte, i) => byte !== validOnion[i]);
        const result = peelFinalHop(backend, nodeKey, mutated, paymentHash);
        expectWellFormed(result);
        if (changed) expect(result.ok).toBe(false);
      }),
      { numRuns: 5000, seed: 71 },
    );
  });

  it("returns typed errors for random onions and random lengths", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1366, maxLength: 1366 }), fc.boolean(), fc.boolean(), (bytes, versionZero, evenPrefix) => {
        if (versionZero) bytes[0] = 0;
        bytes[1] = evenPrefix ? 2 : 3; // a plausible key prefix, so about half reach ECDH and the HMAC
        expectWellFormed(peelFinalHop(backend, nodeKey, bytes, paymentHash));
      }),
      { numRuns: 2000, seed: 72 },
    );
    fc.assert(
      fc.property(fc.nat({ max: 3000 }), (length) => {
        const onion = new Uint8Array(length);
        onion.set(validOnion.subarray(0, Math.min(length, validOnion.length)));
        const result = peelFinalHop(backend, nodeKey, onion, paymentHash);
        expectWellFormed(result);
        if (length !== 1366) expect(result).toMatchObject({ ok: false, error: { code: "invalid_onion_length" } });
      }),
      { numRuns: 2000, seed: 73 },
    );
  });

  it("parses random decrypted hop_payloads behind a valid HMAC into a payload or a typed error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1300, maxLength: 1300 }), (plaintext) => {
        const onion = onionAroundPlaintext(plaintext);
        expectWellFormed(peelFinalHop(backend, nodeKey, onion, paymentHash));
        expectWellFormed(peelHop(backend, nodeKey, onion, paymentHash));
      }),
      { numRuns: 1000, seed: 74 },
    );
  });

  it("handles bit flips and truncations inside a valid payload behind a valid HMAC", () => {
    fc.assert(
      fc.property(flips, fc.integer({ min: -1, max: validPayload.length }), (positions, truncateTo) => {
        const frameEnd = 1 + validPayload.length;
        const plaintext = flipBits(validPlaintext, positions, frameEnd + 32);
        if (truncateTo >= 0) plaintext.set(encodeBigSize(BigInt(truncateTo)), 0);
        const onion = onionAroundPlaintext(plaintext);
        expectWellFormed(peelFinalHop(backend, nodeKey, onion, paymentHash));
        expectWellFormed(peelHop(backend, nodeKey, onion, paymentHash));
      }),
      { numRuns: 3000, seed: 75 },
    );
  });
});

describe("hop payload and TLV parsers under fuzzed input", () => {
  const bigsizeType = fc.oneof(
    fc.constantFrom(0n, 1n, 2n, 4n, 6n, 8n, 10n, 14n, 16n, 18n, 65535n, 65536n, 65537n, 5482373484n, MAX_UINT64),
    fc.bigInt({ min: 0n, max: MAX_UINT64 }),
  );
  // Streams that are mostly well-formed, so the record-level rules get exercised, with a chance
  // of a lying length, a non-minimal BigSize or out-of-order types.
  const record = fc.record({
    type: bigsizeType,
    value: fc.uint8Array({ maxLength: 48 }),
    lengthDelta: fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0), fc.integer({ min: -3, max: 3 })),
    nonMinimalType: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  });
  const stream = fc.array(record, { maxLength: 8 }).map((records) =>
    concatBytes(
      ...records.map(({ type, value, lengthDelta, nonMinimalType }) => {
        const length = BigInt(Math.max(0, value.length + lengthDelta));
        const typeBytes = nonMinimalType && type < 0xfdn ? Uint8Array.of(0xfd, 0, Number(type)) : encodeBigSize(type);
        return concatBytes(typeBytes, encodeBigSize(length), value);
      }),
    ),
  );

  it("parseHopPayload: structured random TLV streams, final and intermediate", () => {
    fc.assert(
      fc.property(stream, fc.boolean(), (bytes, isFinalHop) => {
        const result = parseHopPayload(bytes, { isFinalHop });
        if (result.ok) {
          expect(result.value.amtToForwardMsat).toBeLessThanOrEqual(MAX_UINT64);
          if (isFinalHop) expect(result.value.shortChannelId).toBeUndefined();
          else expect(result.value.shortChannelId).toBeDefined();
        } else {
          expect(result.error.offset).toBeGreaterThanOrEqual(0);
          expect(result.error.offset).toBeLessThanOrEqual(bytes.length);
        }
      }),
      { numRuns: 20_000, seed: 76 },
    );
  });

  it("parseTlvStream: raw random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const result = parseTlvStream(bytes);
        if (result.ok) {
          // Accepted streams are strictly increasing and cover the input exactly.
          for (let i = 1; i < result.value.length; i++) expect(result.value[i]!.type > result.value[i - 1]!.type).toBe(true);
        } else {
          expect(result.error.offset).toBeLessThan(bytes.length);
        }
      }),
      { numRuns: 20_000, seed: 77 },
    );
  });
});
