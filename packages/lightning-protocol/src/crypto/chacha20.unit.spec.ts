// The TypeScript ChaCha20 range must produce exactly the stream OpenSSL and noble produce: the
// RFC 8439 vectors, then random keys over every length the onion code can ask for (0..1400) and
// arbitrary sub-ranges of it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../bytes/hex.ts";
import { chacha20XorRange, nobleChacha20Xor, opensslChacha20Xor } from "./chacha20.ts";

const RFC_KEY = hexToBytes("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

describe("chacha20XorRange", () => {
  it("RFC 8439 section 2.4.2: the sunscreen plaintext, nonce 000000000000004a00000000, counter 1", () => {
    const plaintext = new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const out = new Uint8Array(plaintext.length);
    chacha20XorRange(RFC_KEY, plaintext, out, 0, plaintext.length, hexToBytes("000000000000004a00000000"), 1);
    expect(bytesToHex(out)).toBe(
      "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b357" +
        "1639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736" +
        "5af90bbf74a35be6b40b8eedf2785e42874d",
    );
  });

  it("RFC 8439 section 2.3.2: the block function's serialized output (nonce 000000090000004a00000000, counter 1)", () => {
    const out = new Uint8Array(64);
    chacha20XorRange(RFC_KEY, new Uint8Array(64), out, 0, 64, hexToBytes("000000090000004a00000000"), 1);
    expect(bytesToHex(out)).toBe(
      "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4ed2826446079faa0914c2d705d98b02a2" +
        "b5129cd1de164eb9cbd083e8a2503c4e",
    );
  });

  it("with the default zero nonce and counter 0, equals OpenSSL and noble for random keys and every length 0..1400", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 1400 }), (key, data) => {
        const out = new Uint8Array(data.length);
        chacha20XorRange(key, data, out, 0, data.length);
        expect(bytesToHex(out)).toBe(bytesToHex(opensslChacha20Xor(key, data)));
        expect(bytesToHex(out)).toBe(bytesToHex(nobleChacha20Xor(key, data)));
      }),
      { numRuns: 300, seed: 8439 },
    );
    const key = Uint8Array.from({ length: 32 }, (_, i) => i * 37 + 11);
    const data = Uint8Array.from({ length: 1400 }, (_, i) => (i * 131 + 7) & 0xff);
    const reference = opensslChacha20Xor(key, data);
    for (let length = 0; length <= 1400; length++) {
      const out = new Uint8Array(length);
      chacha20XorRange(key, data, out, 0, length);
      expect(bytesToHex(out), `${length} bytes`).toBe(bytesToHex(reference.subarray(0, length)));
    }
  });

  it("a sub-range [start, end) is that slice of the full stream and leaves the rest of the output untouched", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 1400 }),
        fc.nat(),
        fc.nat(),
        (key, data, a, b) => {
          const start = data.length === 0 ? 0 : a % (data.length + 1);
          const end = start + (b % (data.length - start + 1));
          const out = new Uint8Array(data.length).fill(0xee);
          chacha20XorRange(key, data, out, start, end);
          const full = opensslChacha20Xor(key, data);
          const expected = new Uint8Array(data.length).fill(0xee);
          expected.set(full.subarray(start, end), start);
          expect(bytesToHex(out)).toBe(bytesToHex(expected));
        },
      ),
      { numRuns: 300, seed: 7539 },
    );
  });

  it("in place (output = input), in two steps, equals one pass", () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    const data = Uint8Array.from({ length: 1300 }, (_, i) => i & 0xff);
    const inPlace = Uint8Array.from(data);
    chacha20XorRange(key, inPlace, inPlace, 0, 64);
    chacha20XorRange(key, inPlace, inPlace, 64, 1300);
    expect(bytesToHex(inPlace)).toBe(bytesToHex(opensslChacha20Xor(key, data)));
  });

  it("rejects a wrong-size key or nonce and ranges outside the buffers", () => {
    const data = new Uint8Array(10);
    expect(() => chacha20XorRange(new Uint8Array(31), data, data, 0, 10)).toThrow(RangeError);
    expect(() => chacha20XorRange(new Uint8Array(32), data, data, 0, 10, new Uint8Array(8))).toThrow(RangeError);
    expect(() => chacha20XorRange(new Uint8Array(32), data, data, 0, 11)).toThrow(RangeError);
    expect(() => chacha20XorRange(new Uint8Array(32), data, new Uint8Array(5), 0, 10)).toThrow(RangeError);
    expect(() => chacha20XorRange(new Uint8Array(32), data, data, 6, 5)).toThrow(RangeError);
    expect(() => chacha20XorRange(new Uint8Array(32), data, data, -1, 5)).toThrow(RangeError);
    expect(() => chacha20XorRange(new Uint8Array(32), data, data, 0, 10, new Uint8Array(12), 0xffff_ffff)).not.toThrow();
    expect(() => chacha20XorRange(new Uint8Array(32), new Uint8Array(65), new Uint8Array(65), 0, 65, new Uint8Array(12), 0xffff_ffff)).toThrow(RangeError);
  });
});
