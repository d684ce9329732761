// Return packets built by the virtual node as the erring (final) hop: the official vectors byte
// for byte, and every failure type we originate round-tripping through a 292-byte packet.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../bytes/hex.ts";
import { chacha20Xor, nobleChacha20Xor, opensslChacha20Xor } from "../crypto/chacha20.ts";
import { deriveOnionKey } from "../onion/onion-keys.ts";
import { ONION_ERROR_TEST } from "../test-vectors/bolt04-onion-error-test.ts";
import { RETURNING_ERRORS_TEST } from "../test-vectors/bolt04-returning-errors.ts";
import { encodeFailureMessage, FAILURE_CODE, type EncodableFailureMessage } from "./failure-message.ts";
import { buildFailurePacket, decodeFailurePacket, FAILURE_PACKET_LENGTH, sealFailureMessage, wrapFailurePacket } from "./failure-packet.ts";

const finalHopSecret = hexToBytes(ONION_ERROR_TEST.hops[4].sharedSecret);

describe("BOLT 4 onion-error-test.json", () => {
  it("derives each hop's ammag key and the final hop's um key", () => {
    for (const hop of ONION_ERROR_TEST.hops) expect(bytesToHex(deriveOnionKey("ammag", hexToBytes(hop.sharedSecret)))).toBe(hop.ammagKey);
    expect(bytesToHex(deriveOnionKey("um", finalHopSecret))).toBe(ONION_ERROR_TEST.finalHopUmKey);
  });

  it("builds the final hop's temporary_node_failure packet and, wrapped by hops 3..0, reproduces the origin's packet", () => {
    const finalPacket = buildFailurePacket(finalHopSecret, { type: "temporary_node_failure" });
    expect(finalPacket).toHaveLength(FAILURE_PACKET_LENGTH);
    // Its plaintext is the vector's payload under the um HMAC.
    const plaintext = chacha20Xor(deriveOnionKey("ammag", finalHopSecret), finalPacket);
    expect(bytesToHex(plaintext.subarray(32))).toBe(ONION_ERROR_TEST.finalHopPayload);
    let packet = finalPacket;
    for (let hop = 3; hop >= 0; hop--) packet = wrapFailurePacket(hexToBytes(ONION_ERROR_TEST.hops[hop]?.sharedSecret as string), packet);
    expect(bytesToHex(packet)).toBe(ONION_ERROR_TEST.errorPacket);
  });

  it("the origin's packet unwraps with hops 0..3 and decodes with hop 4's secret to 0x2002", () => {
    let packet = hexToBytes(ONION_ERROR_TEST.errorPacket);
    for (let hop = 0; hop < 4; hop++) packet = wrapFailurePacket(hexToBytes(ONION_ERROR_TEST.hops[hop]?.sharedSecret as string), packet);
    const decoded = decodeFailurePacket(finalHopSecret, packet);
    expect(decoded).toMatchObject({ ok: true, value: { failure: { type: "temporary_node_failure" } } });
    if (decoded.ok) expect(bytesToHex(decoded.value.failureMessage)).toBe(ONION_ERROR_TEST.failureMessage);
  });
});

describe("BOLT 4 Returning Errors trace (1024-byte padded message)", () => {
  it("seals the 320-byte failuremsg into the trace's raw packet and node 4's obfuscated packet", () => {
    const secret = hexToBytes(RETURNING_ERRORS_TEST.sharedSecret);
    const sealed = sealFailureMessage(secret, hexToBytes(RETURNING_ERRORS_TEST.failureMessage), RETURNING_ERRORS_TEST.paddedMessageLength);
    expect(bytesToHex(sealed)).toBe(RETURNING_ERRORS_TEST.errorPacketForNode4);
    expect(bytesToHex(wrapFailurePacket(secret, sealed))).toBe(RETURNING_ERRORS_TEST.rawErrorPacket);
    expect(decodeFailurePacket(secret, sealed)).toMatchObject({
      ok: true,
      value: { failure: { type: "incorrect_or_unknown_payment_details", htlcMsat: 100n, height: 800000 } },
    });
  });
});

describe("ChaCha20 stream", () => {
  it("OpenSSL and noble agree (the fallback is exact)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 2600 }), (key, data) => {
        expect(bytesToHex(opensslChacha20Xor(key, data))).toBe(bytesToHex(nobleChacha20Xor(key, data)));
      }),
      { numRuns: 200, seed: 31 },
    );
  });
});

describe("failure packets the virtual node originates", () => {
  const failures: Array<[string, EncodableFailureMessage, number]> = [
    ["incorrect_or_unknown_payment_details", { type: "incorrect_or_unknown_payment_details", htlcMsat: 18446744073709551615n, height: 840_000 }, 0x400f],
    ["mpp_timeout", { type: "mpp_timeout" }, 0x0017],
    ["final_incorrect_cltv_expiry", { type: "final_incorrect_cltv_expiry", cltvExpiry: 4_294_967_295 }, 0x0012],
    ["final_incorrect_htlc_amount", { type: "final_incorrect_htlc_amount", incomingHtlcMsat: 9_007_199_254_740_993n }, 0x0013],
    ["invalid_onion_payload", { type: "invalid_onion_payload", tlvType: 5482373484n, offset: 65535 }, 0x4016],
    ["unknown_next_peer", { type: "unknown_next_peer" }, 0x400a],
    ["temporary_node_failure", { type: "temporary_node_failure" }, 0x2002],
    ["permanent_node_failure", { type: "permanent_node_failure" }, 0x6002],
  ];

  it.each(failures)("%s is 292 bytes with its failure code and decodes back unchanged", (_name, failure, code) => {
    const secret = hexToBytes("07".repeat(32));
    const packet = buildFailurePacket(secret, failure);
    expect(packet).toHaveLength(292);
    expect((encodeFailureMessage(failure)[0] as number) * 256 + (encodeFailureMessage(failure)[1] as number)).toBe(code);
    const decoded = decodeFailurePacket(secret, packet);
    expect(decoded).toMatchObject({ ok: true, value: { failure } });
  });

  it("round-trips random field values", () => {
    const failure = fc.oneof(
      fc.record({ type: fc.constant("incorrect_or_unknown_payment_details" as const), htlcMsat: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), height: fc.nat({ max: 0xffff_ffff }) }),
      fc.record({ type: fc.constant("final_incorrect_cltv_expiry" as const), cltvExpiry: fc.nat({ max: 0xffff_ffff }) }),
      fc.record({ type: fc.constant("final_incorrect_htlc_amount" as const), incomingHtlcMsat: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
      fc.record({ type: fc.constant("invalid_onion_payload" as const), tlvType: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), offset: fc.nat({ max: 0xffff }) }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), failure, (secret, message) => {
        const packet = buildFailurePacket(secret, message);
        expect(packet).toHaveLength(292);
        expect(decodeFailurePacket(secret, packet)).toEqual({ ok: true, value: { failure: message, failureMessage: encodeFailureMessage(message) } });
      }),
      { numRuns: 500, seed: 32 },
    );
  });

  it("is unreadable under another hop's secret and fails the HMAC when tampered with", () => {
    const secret = hexToBytes("07".repeat(32));
    const packet = buildFailurePacket(secret, { type: "mpp_timeout" });
    expect(decodeFailurePacket(hexToBytes("08".repeat(32)), packet)).toEqual({ ok: false, error: "failure_packet_hmac_mismatch" });
    packet[100] = (packet[100] as number) ^ 0x80;
    expect(decodeFailurePacket(secret, packet)).toEqual({ ok: false, error: "failure_packet_hmac_mismatch" });
    expect(decodeFailurePacket(secret, packet.subarray(0, 20))).toEqual({ ok: false, error: "failure_packet_too_short" });
  });

  it("keeps the failure code constants in step with BOLT 4's flag arithmetic", () => {
    expect(FAILURE_CODE).toMatchObject({ INVALID_ONION_VERSION: 0xc004, INVALID_ONION_HMAC: 0xc005, INVALID_ONION_KEY: 0xc006, INVALID_ONION_PAYLOAD: 0x4016 });
  });

  it("refuses out-of-range fields instead of truncating them", () => {
    const secret = hexToBytes("07".repeat(32));
    expect(() => buildFailurePacket(secret, { type: "final_incorrect_cltv_expiry", cltvExpiry: 2 ** 32 })).toThrow(RangeError);
    expect(() => buildFailurePacket(secret, { type: "final_incorrect_htlc_amount", incomingHtlcMsat: -1n })).toThrow(RangeError);
    expect(() => buildFailurePacket(secret.subarray(1), { type: "mpp_timeout" })).toThrow(/sharedSecret must be 32 bytes/);
  });
});
