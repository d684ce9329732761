// The virtual node's side of BOLT 4: every rule the final hop applies, each with an accepted and
// a rejected case, and the reply the payer gets for each rejection.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../bytes/hex.ts";
import { concatBytes } from "../bytes/concat-bytes.ts";
import { chacha20Xor } from "../crypto/chacha20.ts";
import { hmacSha256 } from "../crypto/hashes.ts";
import { createNativeSecp256k1Backend } from "../crypto/native-secp256k1.ts";
import { encodeBigSize, readBigSize } from "../encoding/bigsize.ts";
import { encodeTlvStream } from "../encoding/tlv-stream.ts";
import { buildFailurePacket, decodeFailurePacket } from "../failure/failure-packet.ts";
import { buildOnion } from "./build-onion.ts";
import { encodeHopPayload } from "./encode-hop-payload.ts";
import type { HopPayload } from "./hop-payload.ts";
import { failureReplyForOnionError, LND_FAILURE_CODE } from "./onion-failure-reply.ts";
import { deriveOnionKey } from "./onion-keys.ts";
import { peelFinalHop, peelHop, type PeelFinalHopResult } from "./peel-hop.ts";

const backend = createNativeSecp256k1Backend();
const nodeKey = hexToBytes("99".repeat(32));
const nodePubkey = backend.publicKeyCreate(nodeKey);
const sessionKey = hexToBytes("5e".repeat(32));
const paymentHash = hexToBytes("ab".repeat(32));
const paymentSecret = hexToBytes("5a".repeat(32));

const payload: HopPayload = {
  amtToForwardMsat: 250_000n,
  outgoingCltv: 800_144,
  paymentData: { paymentSecret, totalMsat: 1_000_000n },
  customRecords: new Map(),
};

function onionFor(tlvPayload: Uint8Array, associatedData = paymentHash): Uint8Array {
  return buildOnion(backend, sessionKey, [{ nodePubkey, payload: tlvPayload }], associatedData).onion;
}

/** A correctly keyed and MACed single-hop onion around arbitrary decrypted hop_payloads. */
function onionAroundPlaintext(plaintext: Uint8Array): Uint8Array {
  const sharedSecret = backend.ecdh(sessionKey, nodePubkey) as Uint8Array;
  const hopPayloads = chacha20Xor(deriveOnionKey("rho", sharedSecret), plaintext);
  const hmac = hmacSha256(deriveOnionKey("mu", sharedSecret), hopPayloads, paymentHash);
  return concatBytes(Uint8Array.of(0), backend.publicKeyCreate(sessionKey), hopPayloads, hmac);
}

function expectError(result: PeelFinalHopResult): Extract<PeelFinalHopResult, { ok: false }>["error"] {
  if (result.ok) throw new Error("expected the peel to fail");
  return result.error;
}

describe("peelFinalHop accepts", () => {
  it("a final-hop onion with payment_data: amount, cltv, secret and total", () => {
    const result = peelFinalHop(backend, nodeKey, onionFor(encodeHopPayload(payload)), paymentHash);
    expect(result).toMatchObject({ ok: true, payload });
    if (result.ok) expect(bytesToHex(result.sharedSecret)).toBe(bytesToHex(backend.ecdh(nodeKey, backend.publicKeyCreate(sessionKey)) as Uint8Array));
  });

  it("payment_metadata and custom records >= 65536, even ones included (keysend's 5482373484), skipping odd types below 65536", () => {
    const tlv = concatBytes(
      encodeHopPayload({ ...payload, paymentMetadata: hexToBytes("01fafaf0") }),
      encodeTlvStream([
        { type: 65535n, value: hexToBytes("aa") },
        { type: 65537n, value: hexToBytes("bbbb") },
        { type: 5482373484n, value: hexToBytes("cc".repeat(32)) },
      ]),
    );
    const result = peelFinalHop(backend, nodeKey, onionFor(tlv), paymentHash);
    if (!result.ok) throw new Error(result.error.message);
    expect(bytesToHex(result.payload.paymentMetadata as Uint8Array)).toBe("01fafaf0");
    expect([...result.payload.customRecords.keys()]).toEqual([65537n, 5482373484n]);
    expect(bytesToHex(result.payload.customRecords.get(65537n) as Uint8Array)).toBe("bbbb");
  });

  it("a payload without payment_data (the matcher decides whether to require it)", () => {
    const result = peelFinalHop(backend, nodeKey, onionFor(encodeHopPayload({ amtToForwardMsat: 1n, outgoingCltv: 0, customRecords: new Map() })), paymentHash);
    expect(result).toMatchObject({ ok: true, payload: { amtToForwardMsat: 1n, outgoingCltv: 0 } });
  });
});

describe("peelFinalHop rejects the packet (no shared secret: lnd sends update_fail_malformed_htlc)", () => {
  it("an onion that is not 1366 bytes", () => {
    const result = peelFinalHop(backend, nodeKey, new Uint8Array(1365), paymentHash);
    expect(expectError(result)).toMatchObject({ code: "invalid_onion_length", length: 1365 });
    expect(failureReplyForOnionError(expectError(result))).toEqual({ kind: "failure_code", lndFailureCode: LND_FAILURE_CODE.INVALID_ONION_VERSION, bolt4FailureCode: 0xc004 });
  });

  it("version byte other than 0", () => {
    const onion = onionFor(encodeHopPayload(payload));
    onion[0] = 1;
    const result = peelFinalHop(backend, nodeKey, onion, paymentHash);
    expect(expectError(result)).toMatchObject({ code: "invalid_onion_version", version: 1 });
    expect(result).not.toHaveProperty("sharedSecret");
    expect(failureReplyForOnionError(expectError(result))).toMatchObject({ lndFailureCode: 8, bolt4FailureCode: 0xc004 });
  });

  it("an ephemeral key that is not a curve point", () => {
    const onion = onionFor(encodeHopPayload(payload));
    onion.set(hexToBytes("02" + "00".repeat(31) + "05"), 1);
    const result = peelFinalHop(backend, nodeKey, onion, paymentHash);
    expect(expectError(result).code).toBe("invalid_onion_key");
    expect(result).not.toHaveProperty("sharedSecret");
    expect(failureReplyForOnionError(expectError(result))).toMatchObject({ lndFailureCode: 10, bolt4FailureCode: 0xc006 });
  });

  it("an HMAC over a different payment hash (associated data)", () => {
    const result = peelFinalHop(backend, nodeKey, onionFor(encodeHopPayload(payload), hexToBytes("cd".repeat(32))), paymentHash);
    expect(expectError(result).code).toBe("invalid_onion_hmac");
    expect(result).not.toHaveProperty("sharedSecret");
    expect(failureReplyForOnionError(expectError(result))).toMatchObject({ lndFailureCode: 9, bolt4FailureCode: 0xc005 });
  });

  it("one flipped bit in hop_payloads, or an onion for another node", () => {
    const onion = onionFor(encodeHopPayload(payload));
    onion[500] = (onion[500] as number) ^ 0x01;
    expect(expectError(peelFinalHop(backend, nodeKey, onion, paymentHash)).code).toBe("invalid_onion_hmac");
    const otherNodeKey = hexToBytes("98".repeat(32));
    expect(expectError(peelFinalHop(backend, otherNodeKey, onionFor(encodeHopPayload(payload)), paymentHash)).code).toBe("invalid_onion_hmac");
  });

  it("error messages carry no key material", () => {
    const onion = onionFor(encodeHopPayload(payload));
    onion[0] = 7;
    const error = expectError(peelFinalHop(backend, nodeKey, onion, paymentHash));
    for (const secret of [nodeKey, paymentSecret, paymentHash]) expect(JSON.stringify(error, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(bytesToHex(secret));
  });
});

describe("peelFinalHop rejects the payload (the payer gets an encrypted failure message)", () => {
  const cases: Array<{ rule: string; tlv: () => Uint8Array; violation: string; tlvType: bigint; offset: number }> = [
    {
      rule: "amt_to_forward is required",
      tlv: () => encodeTlvStream([{ type: 4n, value: hexToBytes("0c3500") }]),
      violation: "missing_required_type",
      tlvType: 2n,
      offset: 0,
    },
    {
      rule: "outgoing_cltv_value is required",
      tlv: () => encodeTlvStream([{ type: 2n, value: hexToBytes("03e8") }]),
      violation: "missing_required_type",
      tlvType: 4n,
      offset: 0,
    },
    {
      rule: "short_channel_id must be absent at the final hop",
      tlv: () => encodeHopPayload({ ...payload, shortChannelId: 42n }),
      violation: "type_not_allowed_here",
      tlvType: 6n,
      offset: 10,
    },
    {
      rule: "an unknown even type (AMP's 14) is not understood",
      tlv: () => concatBytes(encodeHopPayload({ amtToForwardMsat: 1000n, outgoingCltv: 100, customRecords: new Map() }), encodeTlvStream([{ type: 14n, value: new Uint8Array(4) }])),
      violation: "unknown_even_type",
      tlvType: 14n,
      offset: 7,
    },
    {
      rule: "amt_to_forward must be a minimal tu64",
      tlv: () => encodeTlvStream([{ type: 2n, value: hexToBytes("0003e8") }, { type: 4n, value: hexToBytes("64") }]),
      violation: "tu_not_minimal",
      tlvType: 2n,
      offset: 0,
    },
    {
      rule: "outgoing_cltv_value must fit a tu32",
      tlv: () => encodeTlvStream([{ type: 2n, value: hexToBytes("03e8") }, { type: 4n, value: hexToBytes("0100000000") }]),
      violation: "tu_too_long",
      tlvType: 4n,
      offset: 4,
    },
    {
      rule: "payment_data needs a 32-byte secret",
      tlv: () => encodeTlvStream([{ type: 2n, value: hexToBytes("03e8") }, { type: 4n, value: hexToBytes("64") }, { type: 8n, value: new Uint8Array(31) }]),
      violation: "invalid_record_length",
      tlvType: 8n,
      offset: 7,
    },
    {
      rule: "payment_data's total_msat must be a minimal tu64",
      tlv: () =>
        encodeTlvStream([{ type: 2n, value: hexToBytes("03e8") }, { type: 4n, value: hexToBytes("64") }, { type: 8n, value: concatBytes(paymentSecret, hexToBytes("0001")) }]),
      violation: "tu_not_minimal",
      tlvType: 8n,
      offset: 7,
    },
    {
      rule: "types must strictly increase",
      tlv: () => hexToBytes("040164020203e8"),
      violation: "types_not_increasing",
      tlvType: 2n,
      offset: 3,
    },
    {
      rule: "a record must not run past the payload",
      tlv: () => hexToBytes("020203e80409aabb"),
      violation: "length_overflow",
      tlvType: 4n,
      offset: 4,
    },
    {
      rule: "the legacy (pre-TLV, length 0) payload is no longer supported",
      tlv: () => new Uint8Array(0),
      violation: "legacy_payload",
      tlvType: 0n,
      offset: 0,
    },
  ];

  it.each(cases)("$rule", ({ tlv, violation, tlvType, offset }) => {
    const built = buildOnion(backend, sessionKey, [{ nodePubkey, payload: tlv() }], paymentHash);
    const result = peelFinalHop(backend, nodeKey, built.onion, paymentHash);
    const error = expectError(result);
    expect(error).toMatchObject({ code: "invalid_onion_payload", violation, tlvType, offset });

    const reply = failureReplyForOnionError(error);
    expect(reply).toEqual({ kind: "failure_message", failure: { type: "invalid_onion_payload", tlvType, offset } });
    if (result.ok || result.sharedSecret === undefined || reply.kind !== "failure_message") throw new Error("a payload error carries the shared secret");
    // The payer, holding the same shared secret, reads back exactly this failure.
    const packet = buildFailurePacket(result.sharedSecret, reply.failure);
    expect(decodeFailurePacket(built.sharedSecrets[0] as Uint8Array, packet)).toMatchObject({ ok: true, value: { failure: reply.failure } });
  });

  it("a length prefix that leaves no room for the next HMAC inside 1300 bytes", () => {
    const plaintext = new Uint8Array(1300);
    plaintext.set(hexToBytes("fd0500"), 0); // 1280 bytes claimed: 3 + 1280 + 32 > 1300
    const error = expectError(peelFinalHop(backend, nodeKey, onionAroundPlaintext(plaintext), paymentHash));
    expect(error).toMatchObject({ code: "invalid_onion_payload", violation: "payload_exceeds_packet" });
  });

  it("a non-minimal length prefix", () => {
    const plaintext = new Uint8Array(1300);
    plaintext.set(hexToBytes("fd0010"), 0);
    expect(expectError(peelFinalHop(backend, nodeKey, onionAroundPlaintext(plaintext), paymentHash))).toMatchObject({ violation: "bigsize_not_minimal" });
  });

  it("the largest payload that fits (1265 bytes) is accepted", () => {
    const plaintext = new Uint8Array(1300);
    const tlv = concatBytes(encodeHopPayload(payload), encodeTlvStream([{ type: 65539n, value: new Uint8Array(1265 - encodeHopPayload(payload).length - 8) }]));
    expect(tlv.length).toBe(1265);
    plaintext.set(hexToBytes("fd04f1"), 0);
    plaintext.set(tlv, 3);
    expect(peelFinalHop(backend, nodeKey, onionAroundPlaintext(plaintext), paymentHash)).toMatchObject({ ok: true, payload: { amtToForwardMsat: 250_000n } });
  });
});

describe("peelFinalHop refuses to forward", () => {
  it("an onion whose next HMAC is not zero: the virtual node has no channels (unknown_next_peer)", () => {
    const forward = encodeHopPayload({ amtToForwardMsat: 1000n, outgoingCltv: 100, shortChannelId: 7n, customRecords: new Map() });
    const built = buildOnion(backend, sessionKey, [{ nodePubkey, payload: forward }, { nodePubkey: backend.publicKeyCreate(sessionKey), payload: encodeHopPayload(payload) }], paymentHash);
    const result = peelFinalHop(backend, nodeKey, built.onion, paymentHash);
    expect(expectError(result).code).toBe("not_final_hop");
    expect(failureReplyForOnionError(expectError(result))).toEqual({ kind: "failure_message", failure: { type: "unknown_next_peer" } });
    expect(result.ok === false && result.sharedSecret !== undefined).toBe(true);
  });
});

describe("peelFinalHop argument checks (our own bugs throw)", () => {
  it("throws for a wrong-size key or payment hash", () => {
    const onion = onionFor(encodeHopPayload(payload));
    expect(() => peelFinalHop(backend, nodeKey.subarray(1), onion, paymentHash)).toThrow(/nodePrivateKey must be 32 bytes/);
    expect(() => peelFinalHop(backend, nodeKey, onion, paymentHash.subarray(1))).toThrow(/associatedData must be 32 bytes/);
  });
});

// peelFinalHop decrypts only the frame it reads (in TypeScript up to 384 bytes, with OpenSSL
// beyond); peelHop decrypts the whole 2600-byte stream. On every plaintext they must agree: same
// payload, same error, same shared secret, except that a frame with a non-zero next HMAC is
// not_final_hop for peelFinalHop before its payload is parsed (peelHop parses it as a
// forwarding payload).
describe("peelFinalHop decrypts only its frame, with the results of decrypting all 1300 bytes", () => {
  const sharedSecret = backend.ecdh(nodeKey, backend.publicKeyCreate(sessionKey)) as Uint8Array;

  /** The frame's end (payload end + next HMAC) when its BigSize length is valid, else null. */
  function frameEnd(plaintext: Uint8Array): { payloadEnd: number; frameEnd: number } | null {
    const length = readBigSize(plaintext, 0);
    if (!length.ok || length.value.value === 0n || length.value.value > BigInt(1300 - length.value.next - 32)) return null;
    const payloadEnd = length.value.next + Number(length.value.value);
    return { payloadEnd, frameEnd: payloadEnd + 32 };
  }

  /** Results as text, byte arrays as hex and Maps as entry lists (deep equality, but fast on long byte arrays). */
  function canonical(result: object): string {
    return JSON.stringify(result, (_key, value: unknown) => {
      if (typeof value === "bigint") return `${value}n`;
      if (value instanceof Uint8Array) return `0x${bytesToHex(value)}`;
      if (value instanceof Map) return [...value.entries()];
      return value;
    });
  }

  function expectAgreement(plaintext: Uint8Array): PeelFinalHopResult {
    const onion = onionAroundPlaintext(plaintext);
    const final = peelFinalHop(backend, nodeKey, onion, paymentHash);
    const full = peelHop(backend, nodeKey, onion, paymentHash);
    const frame = frameEnd(plaintext);
    const nextHmacIsZero = frame !== null && plaintext.subarray(frame.payloadEnd, frame.frameEnd).every((byte) => byte === 0);
    if (frame !== null && !nextHmacIsZero) {
      expect(final.ok ? "ok" : final.error.code).toBe("not_final_hop");
    } else if (full.ok) {
      expect(full.nextOnion).toBeNull();
      expect(canonical(final)).toBe(canonical({ ok: true, payload: full.payload, sharedSecret: full.sharedSecret }));
    } else {
      expect(canonical(final)).toBe(canonical(full));
    }
    if (final.ok || final.error.code === "invalid_onion_payload" || final.error.code === "not_final_hop") {
      expect(bytesToHex(final.sharedSecret as Uint8Array)).toBe(bytesToHex(sharedSecret));
    }
    return final;
  }

  const smallPayload = encodeHopPayload({ amtToForwardMsat: 1000n, outgoingCltv: 100, customRecords: new Map() });

  /** A valid final-hop TLV payload of exactly `length` bytes (custom record 65537 as filler), or null. */
  function tlvOfLength(length: number): { tlv: Uint8Array; filler: number } | null {
    if (length === smallPayload.length) return { tlv: smallPayload, filler: -1 };
    const fill = length - smallPayload.length - 5; // 5 = BigSize of type 65537
    for (const lengthSize of [1, 3]) {
      const filler = fill - lengthSize;
      if (filler >= 0 && encodeBigSize(BigInt(filler)).length === lengthSize) {
        return { tlv: concatBytes(smallPayload, encodeTlvStream([{ type: 65537n, value: new Uint8Array(filler).fill(0x3c) }])), filler };
      }
    }
    return null;
  }

  function framed(tlv: Uint8Array, nextHmac: Uint8Array, tailByte: number): Uint8Array {
    const plaintext = new Uint8Array(1300).fill(tailByte);
    plaintext.set(concatBytes(encodeBigSize(BigInt(tlv.length)), tlv, nextHmac));
    return plaintext;
  }

  // Every length where the frame (BigSize + payload + 32) crosses the 64-byte first block or the
  // 384-byte TypeScript limit, then a stride over the rest up to the largest payload.
  const lengths = [...Array.from({ length: 400 }, (_, i) => i + 1), ...Array.from({ length: 866 }, (_, i) => i + 400).filter((length) => length % 5 === 0 || length > 1255)];

  it("valid final-hop payloads of every length class up to 1265 bytes: frames ending inside, at and past the first block and the 384-byte limit", () => {
    let accepted = 0;
    for (const length of lengths) {
      const built = tlvOfLength(length);
      if (built === null) continue;
      expect(built.tlv.length).toBe(length);
      const result = expectAgreement(framed(built.tlv, new Uint8Array(32), length & 0xff));
      if (!result.ok) throw new Error(`${length}-byte payload: ${result.error.message}`);
      expect(result.payload.amtToForwardMsat).toBe(1000n);
      if (built.filler >= 0) expect(bytesToHex(result.payload.customRecords.get(65537n) as Uint8Array)).toBe("3c".repeat(built.filler));
      accepted++;
    }
    expect(accepted).toBeGreaterThan(550);
  });

  it("a non-zero next HMAC at every frame end is not_final_hop, even when its only non-zero byte is the last", () => {
    for (const length of lengths) {
      const built = tlvOfLength(length);
      if (built === null) continue;
      for (const at of [0, 31]) {
        const nextHmac = new Uint8Array(32);
        nextHmac[at] = 0x01;
        expect(expectAgreement(framed(built.tlv, nextHmac, 0)).ok).toBe(false);
      }
    }
  });

  it("payloads rejected by the TLV parser at any length report the same violation and offset", () => {
    for (let length = 1; length <= 1265; length += 7) {
      const tlv = new Uint8Array(length).fill(0xa7); // type 0xa7, length 0xa7...: overruns or repeats
      tlv[0] = 0x0e; // unknown even type first
      const result = expectAgreement(framed(tlv, new Uint8Array(32), 0xff));
      expect(result.ok).toBe(false);
    }
  });

  it("random plaintexts: random or boundary BigSize lengths, random payload bytes, zero or random next HMACs", () => {
    const boundaryLengths = [0, 1, 30, 31, 32, 33, 252, 253, 254, 349, 350, 351, 1264, 1265, 1266, 1267, 1300, 0xffff, 0x1_0000, 2 ** 32];
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1300, maxLength: 1300 }),
        fc.oneof(fc.constantFrom(...boundaryLengths), fc.integer({ min: 0, max: 1300 }), fc.constant(-1)),
        fc.boolean(),
        (random, length, zeroNextHmac) => {
          const plaintext = Uint8Array.from(random);
          if (length >= 0) {
            const prefix = encodeBigSize(BigInt(length));
            plaintext.set(prefix);
            const payloadEnd = prefix.length + length;
            if (zeroNextHmac && payloadEnd + 32 <= 1300) plaintext.fill(0, payloadEnd, payloadEnd + 32);
          }
          expectAgreement(plaintext);
        },
      ),
      { numRuns: 300, seed: 1300 },
    );
  });

  it("non-minimal and maximal BigSize lengths", () => {
    for (const prefix of ["fd00fc", "fe0000ffff", "ff00000000ffffffff", "fd0001", "ffffffffffffffffff", "fd04f1", "fd04f2", "fe000004f1"]) {
      const plaintext = new Uint8Array(1300);
      plaintext.set(hexToBytes(prefix));
      expect(expectAgreement(plaintext).ok).toBe(false);
    }
  });
});
